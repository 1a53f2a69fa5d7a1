package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fallbackgate/fallbackgate/reports"
)

// The Python example subject and its copy that falls back on a 429 (it
// fails SF-8 with R7 and R15).
const (
	goodSubject   = "../../../examples/python-subject/subject.yaml"
	brokenSubject = "../../../examples/python-subject/broken/falls-back-on-429/subject.yaml"
)

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}

func TestRunWritesReports(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "reports-out")
	stdout, stderr, code := run(t, "run", "--subject", goodSubject, "--scenario", "SF-1", "--surface", "oneshot", "--seed", "1", "--report-dir", dir)
	if code != ExitConforms {
		t.Fatalf("exit %d; want 0\n%s%s", code, stdout, stderr)
	}
	if want := "reports written to " + dir + " (junit.xml, results.json, summary.md, report.html)"; !strings.Contains(stdout, want) {
		t.Errorf("stdout lacks %q:\n%s", want, stdout)
	}
	if got := lastLine(stdout); got != "1 passed, 0 failed" {
		t.Errorf("last line %q; want the counts", got)
	}
	for _, f := range reports.Formats {
		if fi, err := os.Stat(filepath.Join(dir, f.File)); err != nil || fi.Size() == 0 {
			t.Errorf("%s: %v", f.File, err)
		}
	}
	if _, err := reports.ReadJSONFile(filepath.Join(dir, "results.json")); err != nil {
		t.Error(err)
	}

	// Each format alone, to a path of its own, in a folder that does not
	// exist yet.
	for _, f := range reports.Formats {
		out := filepath.Join(t.TempDir(), "new", "one."+f.Name)
		stdout, _, code := run(t, "run", "--subject", goodSubject, "--scenario", "SF-1", "--surface", "oneshot", "--seed", "1", "--"+f.Name, out)
		if code != ExitConforms || !strings.Contains(stdout, f.Name+" report written to "+out) {
			t.Errorf("--%s: exit %d, stdout lacks where it went:\n%s", f.Name, code, stdout)
		}
		if entries, _ := os.ReadDir(filepath.Dir(out)); len(entries) != 1 {
			t.Errorf("--%s wrote %d files; want 1", f.Name, len(entries))
		}
	}
}

func TestRunExpectations(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	known := write("known.yaml", "known_failures:\n  - {scenario: SF-8, surface: oneshot, rule: R7, reason: falls back on 429 (issue 7)}\n  - {scenario: SF-8, surface: oneshot, rule: R15, reason: same bug}\n")
	partly := write("partly.yaml", "known_failures:\n  - {scenario: SF-8, surface: oneshot, rule: R7, reason: falls back on 429 (issue 7)}\n")
	stale := write("stale.yaml", "known_failures:\n  - {scenario: SF-8, surface: oneshot, rule: R7, reason: a}\n  - {scenario: SF-8, surface: oneshot, rule: R15, reason: b}\n  - {scenario: SF-1, surface: oneshot, rule: R9, reason: fixed long ago}\n")
	bad := write("bad.yaml", "known_failures:\n  - {scenario: SF-8, surface: onshot, rule: R7, reason: a}\n")
	base := []string{"run", "--subject", brokenSubject, "--scenario", "SF-1,SF-8", "--surface", "oneshot", "--seed", "1"}
	tests := []struct {
		expect   string
		code     int
		stdout   string
		stderr   string
		lastLine string
	}{
		{"", ExitViolation, "FAIL R7,R15", "1 passed, 1 failed: the subject violates the contract", "1 passed, 1 failed"},
		{known, ExitConforms, "known R7,R15", "", "1 passed, 0 failed, 1 known failure(s)"},
		{partly, ExitViolation, "not a known failure: R15", "1 passed, 1 failed: the subject violates the contract", "1 passed, 1 failed"},
		{stale, ExitViolation, "Stale expectations", "1 stale expectation(s) in " + stale, "1 passed, 0 failed, 1 known failure(s), 1 stale expectation(s)"},
		{bad, ExitUsage, "", bad + ":2: known_failures[0].surface: \"onshot\": unknown surface", ""},
	}
	for _, tt := range tests {
		t.Run(filepath.Base(tt.expect), func(t *testing.T) {
			args := base
			if tt.expect != "" {
				args = append(append([]string(nil), base...), "--expect", tt.expect)
			}
			stdout, stderr, code := run(t, args...)
			if code != tt.code {
				t.Errorf("exit %d; want %d\n%s%s", code, tt.code, stdout, stderr)
			}
			if !strings.Contains(stdout, tt.stdout) || !strings.Contains(stderr, tt.stderr) {
				t.Errorf("stdout lacks %q or stderr lacks %q:\n%s\n%s", tt.stdout, tt.stderr, stdout, stderr)
			}
			if tt.lastLine != "" && lastLine(stdout) != tt.lastLine {
				t.Errorf("last line %q; want %q", lastLine(stdout), tt.lastLine)
			}
		})
	}
}

func TestReportDiff(t *testing.T) {
	dir := t.TempDir()
	good, bad := filepath.Join(dir, "good.json"), filepath.Join(dir, "bad.json")
	args := []string{"--scenario", "SF-8", "--surface", "oneshot", "--seed", "1"}
	if _, stderr, code := run(t, append([]string{"run", "--subject", goodSubject, "--json", good}, args...)...); code != ExitConforms {
		t.Fatalf("good run: exit %d: %s", code, stderr)
	}
	if _, stderr, code := run(t, append([]string{"run", "--subject", brokenSubject, "--json", bad}, args...)...); code != ExitViolation {
		t.Fatalf("broken run: exit %d; want 1: %s", code, stderr)
	}
	stdout, stderr, code := run(t, "report", "diff", good, bad)
	if code != ExitViolation || !strings.Contains(stdout, "Regressions (1):") || !strings.Contains(stdout, "SF-8/oneshot") ||
		!strings.Contains(stdout, "pass -> FAIL R7,R15: newly failing") || !strings.Contains(stdout, "reproduce: fallbackgate run --subject") {
		t.Errorf("diff good bad: exit %d; want 1 and the regression\n%s%s", code, stdout, stderr)
	}
	stdout, _, code = run(t, "report", "diff", bad, good)
	if code != ExitConforms || !strings.Contains(stdout, "Fixes (1):") || !strings.Contains(stdout, "0 regression(s), 1 fix(es)") {
		t.Errorf("diff bad good: exit %d; want 0 and the fix\n%s", code, stdout)
	}
	html := filepath.Join(dir, "both.html")
	if stdout, stderr, code := run(t, "report", "html", "-o", html, good, bad); code != ExitConforms {
		t.Errorf("report html: exit %d\n%s%s", code, stdout, stderr)
	}
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"report"}, "want a subcommand"},
		{[]string{"report", "frob"}, `unknown subcommand "frob" (want diff, html or merge)`},
		{[]string{"report", "merge"}, "report merge: want the shards' report folders or results.json files"},
		{[]string{"report", "diff", good}, "want two files"},
		{[]string{"report", "diff", good, filepath.Join(dir, "missing.json")}, "missing.json"},
		{[]string{"report", "diff", good, goodSubject}, "subject.yaml: not a fallbackgate results file"},
	} {
		_, stderr, code := run(t, tt.args...)
		if code != ExitUsage || !strings.Contains(stderr, tt.want) {
			t.Errorf("%v: exit %d, stderr %q; want 2 and %q", tt.args, code, stderr, tt.want)
		}
	}
}

// TestRunKeepNamesFolder: with --keep, a failure names the case folder it
// kept, and the folder holds the case file to run the adapter by hand.
func TestRunKeepNamesFolder(t *testing.T) {
	root := t.TempDir()
	t.Setenv("TMPDIR", root) // the scratch root: kept folders land here
	stdout, stderr, code := run(t, "run", "--subject", brokenSubject, "--scenario", "SF-8", "--surface", "oneshot", "--seed", "2", "--keep")
	if code != ExitViolation {
		t.Fatalf("exit %d; want 1\n%s%s", code, stdout, stderr)
	}
	const label = "  case folder (kept): "
	var dir string
	for _, line := range strings.Split(stdout, "\n") {
		if d, ok := strings.CutPrefix(line, label); ok {
			dir = d
		}
	}
	if dir == "" || !strings.HasPrefix(dir, root) {
		t.Fatalf("no %q line under %s:\n%s", label, root, stdout)
	}
	if _, err := os.Stat(filepath.Join(dir, "case.json")); err != nil {
		t.Errorf("the kept folder lacks the case file: %v", err)
	}
}
