package cli

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/fallbackgate/fallbackgate/harness"
	"github.com/fallbackgate/fallbackgate/harness/chaos"
)

// TestPropChaosCheckExitCodes runs the three commands in-process: a clean
// run exits 0, a vacuous property run exits 1, a history re-checks clean,
// and a history that cannot be read is bad input.
func TestPropChaosCheckExitCodes(t *testing.T) {
	dir := t.TempDir()
	if out, errs, code := run(t, "prop", "--in-process", "--checks", "300", "--seed", "1", "--save", dir); code != 0 || !strings.Contains(out, "300 passed, 0 failed") || !strings.Contains(out, "seed 1") {
		t.Errorf("prop on the reference exited %d; want 0\n%s%s", code, out, errs)
	}
	if out, _, code := run(t, "prop", "--in-process", "--checks", "1", "--seed", "1"); code != 1 || !strings.Contains(out, "vacuous") {
		t.Errorf("a one-case prop run exited %d; want 1 (vacuous)\n%s", code, out)
	}
	hist := filepath.Join(dir, "h.jsonl")
	if out, errs, code := run(t, "chaos", "--in-process", "--seed", "4", "--turns", "6", "--history", hist, "--save", dir); code != 0 {
		t.Errorf("chaos on the reference exited %d; want 0\n%s%s", code, out, errs)
	}
	if out, errs, code := run(t, "check", hist); code != 0 || !strings.Contains(out, "48 passed, 0 failed") {
		t.Errorf("check of a clean history exited %d; want 0\n%s%s", code, out, errs)
	}
	if err := os.WriteFile(hist, []byte("not json\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, _, code := run(t, "check", hist); code != 2 {
		t.Errorf("check of a garbled history exited %d; want 2", code)
	}
	if _, _, code := run(t, "chaos", "--surface", "cli"); code != 2 {
		t.Errorf("chaos --surface cli exited %d; want 2", code)
	}
}

// TestChaosFindsDyingGateway: chaos against the Python example whose
// gateway dies on a failed start-up fails, saves a minimal start-up that
// fails when replayed alone, says so, and prints the gateway's death once with
// the start-ups it took down rather than once per start-up.
func TestChaosFindsDyingGateway(t *testing.T) {
	dir := t.TempDir()
	subject := "../../../examples/python-subject/broken/gateway-dies/subject.yaml"
	out, errs, code := run(t, "chaos", "--subject", subject, "--seed", "4", "--history", filepath.Join(dir, "h.jsonl"), "--save", dir)
	if code != 1 {
		t.Fatalf("chaos exited %d; want 1\n%s%s", code, out, errs)
	}
	for _, want := range []string{
		"replayed alone: fails (R17), so the file reproduces it",
		// Minimized: a rate-limited primary with no chain is all it takes.
		"), minimized in ",
		"      fallback_providers: []\n    faults:\n      openai-codex: 429(retry_after=30s)\n    expect:",
		"\nFAIL: ",
		"R17: not sent: the gateway had already died: gateway crashed",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if n := strings.Count(out, "R17: not sent: the gateway had already died"); n != 1 {
		t.Errorf("the death of the gateway is printed %d times; want once, with the start-ups it hit:\n%s", n, out)
	}
}

func TestReportProblemsGroups(t *testing.T) {
	r7 := harness.Violation{Rule: "R7", Message: "quota amplification"}
	r15 := harness.Violation{Rule: "R15", Message: "1 fallback event(s) for a start-up that failed"}
	problems := []chaos.Problem{{Startup: "t1/s0", Violation: r7}, {Startup: "t1/s1", Violation: r7}, {Startup: "t1/s1", Violation: r15}, {Startup: "t2/s0", Violation: r7}}
	var b strings.Builder
	err := problemsVerdict(&b, problems, 10, 3, "fallbackgate chaos --seed 1")
	want := `
FAIL: 4 problem(s), 2 distinct:
    R7: quota amplification
        3 start-up(s): t1/s0, t1/s1, t2/s0
    R15: 1 fallback event(s) for a start-up that failed
        1 start-up(s): t1/s1
reproduce: fallbackgate chaos --seed 1
`
	if b.String() != want {
		t.Errorf("got\n%s\nwant\n%s", b.String(), want)
	}
	if err == nil || err.Error() != "7 passed, 3 failed" {
		t.Errorf("error %v; want the counts", err)
	}
}

// TestPropMaxFailures: prop --max-failures 5 against the Python example
// that falls back on a rate-limited primary goes on after the first
// failure until it has five distinct failure classes, and reports each
// class once, under the counterexample it was shrunk to (one that shows
// several classes stands for each), every counterexample saved.
func TestPropMaxFailures(t *testing.T) {
	needPython(t)
	dir := t.TempDir()
	subject := "../../../examples/python-subject/broken/falls-back-on-429/subject.yaml"
	out, errs, code := run(t, "prop", "--subject", subject, "--max-failures", "5", "--seed", "1", "--parallel", "2", "--save", dir)
	if code != 1 {
		t.Fatalf("prop exited %d; want 1\n%s%s", code, out, errs)
	}
	if !strings.Contains(out, ", 5 distinct failure classes:\n") || !strings.Contains(errs, "5 distinct failure classes: the subject violates the contract") {
		t.Errorf("the run does not say it found 5 distinct failure classes:\n%s%s", out, errs)
	}
	heading := regexp.MustCompile(`(?m)^  (\d+)\. (.+): shrunk counterexample, saved as (\S+):$`)
	seen := map[string]int{}
	headings := heading.FindAllStringSubmatch(out, -1)
	for _, m := range headings {
		for _, class := range strings.Split(m[2], "; ") {
			seen[class]++
		}
		data, err := os.ReadFile(m[3])
		if err != nil {
			t.Errorf("counterexample %s of %s: %v", m[1], m[2], err)
			continue
		}
		if _, err := harness.ParseScenario(m[3], data); err != nil {
			t.Errorf("counterexample %s does not parse: %v", m[3], err)
		}
	}
	if len(seen) != 5 {
		t.Errorf("the counterexamples stand for %d distinct classes %v; want 5:\n%s", len(seen), seen, out)
	}
	for class, n := range seen {
		if n != 1 {
			t.Errorf("class %q is reported %d times; want once:\n%s", class, n, out)
		}
		if !strings.Contains(class, " R7") {
			t.Errorf("class %q does not break R7, the example's bug", class)
		}
	}
	if files, _ := filepath.Glob(filepath.Join(dir, "*.yaml")); len(files) != len(headings) {
		t.Errorf("%d files saved for %d counterexamples", len(files), len(headings))
	}
}
