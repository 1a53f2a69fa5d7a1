package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fallbackgate/fallbackgate/reports"
)

// TestRunJSONToStdout: --json - writes results.json to stdout, and only
// that, so that it can be piped to a program; the terminal report, with
// its counts, moves to stderr. Two reports on stdout are bad usage.
func TestRunJSONToStdout(t *testing.T) {
	needPython(t)
	dir := t.TempDir()
	stdout, stderr, code := run(t, "run", "--subject", goodSubject, "--scenario", "SF-1,SF-8", "--surface", "oneshot", "--seed", "3", "--json", "-", "--report-dir", dir)
	if code != ExitConforms {
		t.Fatalf("exit %d\n%s%s", code, stdout, stderr)
	}
	res, err := reports.ReadJSON("stdout", []byte(stdout))
	if err != nil {
		t.Fatalf("stdout is not a results.json: %v\n%s", err, stdout)
	}
	if len(res.Cases) != 2 || res.Seed != 3 || !res.OK() {
		t.Errorf("results on stdout: %d cases, seed %d, ok %t", len(res.Cases), res.Seed, res.OK())
	}
	for _, want := range []string{"fallbackgate run: subject python-example", "SCENARIO", "seed 3", "2 passed, 0 failed"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks the terminal report's %q:\n%s", want, stderr)
		}
	}
	if strings.Contains(stderr, "json report written to") {
		t.Errorf("stderr says a file named - was written:\n%s", stderr)
	}
	if _, err := os.Stat("-"); err == nil {
		t.Error("a file named - was written")
	}
	if data, err := os.ReadFile(filepath.Join(dir, "results.json")); err != nil || !json.Valid(data) {
		t.Errorf("--report-dir still writes results.json: %v", err)
	}

	_, stderr, code = run(t, "run", "--subject", goodSubject, "--scenario", "SF-1", "--surface", "oneshot", "--json", "-", "--junit", "-")
	if code != ExitUsage || !strings.Contains(stderr, "only one report can go to stdout") {
		t.Errorf("--json - --junit -: exit %d, %q; want bad usage", code, stderr)
	}
}

// TestListJSON: list --json is the catalogue list prints, as one JSON
// object.
func TestListJSON(t *testing.T) {
	stdout, stderr, code := run(t, "list", "--json")
	if code != ExitConforms {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var c struct {
		Protocol, ContractVersion string
		Scenarios                 []struct {
			ID, Name, Summary, File string
			Rules                   []string
		}
		Incidents []struct {
			Name, ID, Story, File string
			PreFix                string `json:"pre_fix"`
		}
		Mutants  []struct{ Name, Rule, Bug string }
		Profiles []struct{ Name, Summary string }
		Surfaces []string
	}
	if err := json.Unmarshal([]byte(strings.ReplaceAll(stdout, `"contract_version"`, `"ContractVersion"`)), &c); err != nil {
		t.Fatalf("list --json: %v\n%s", err, stdout)
	}
	if len(c.Scenarios) != 9 || c.Scenarios[7].ID != "SF-8" || c.Scenarios[7].Name != "rate-limited-primary" ||
		!strings.Contains(strings.Join(c.Scenarios[7].Rules, ","), "R7") || c.Scenarios[7].File != "scenarios/files/SF-8.yaml" {
		t.Errorf("scenarios: %+v", c.Scenarios)
	}
	if len(c.Profiles) != 3 || c.Profiles[0].Name != "strict" || strings.Join(c.Surfaces, ",") != "oneshot,gateway,cli" ||
		c.Protocol != "fallbackgate/1" || c.ContractVersion == "" {
		t.Errorf("catalogue: %+v", c)
	}
	var incidents []string
	for _, inc := range c.Incidents {
		incidents = append(incidents, inc.Name+"/"+inc.PreFix)
		if _, err := os.Stat(filepath.Join("..", "..", "..", inc.File)); err != nil || inc.Story == "" || inc.ID == "" {
			t.Errorf("incident %s: file %q (%v), id %q, story %q", inc.Name, inc.File, err, inc.ID, inc.Story)
		}
	}
	if want := "legacy-fallback-model/empty-chain-hides-fallback-model,login-revoked/drops-shorthand-entries,quota-wall/falls-back-on-rate-limit,v6.6/ignores-chain"; strings.Join(incidents, ",") != want {
		t.Errorf("incidents %v; want %s", incidents, want)
	}
	if len(c.Mutants) != 26 || c.Mutants[0].Name != "ignores-chain" || c.Mutants[0].Rule != "R9" || c.Mutants[0].Bug == "" {
		t.Errorf("mutants: %+v", c.Mutants)
	}
	for _, sc := range c.Scenarios {
		if _, err := os.Stat(filepath.Join("..", "..", "..", sc.File)); err != nil || sc.Summary == "" {
			t.Errorf("%s: file %q (%v), summary %q", sc.ID, sc.File, err, sc.Summary)
		}
	}
}

// TestRunGitHubAnnotations: under GitHub Actions (GITHUB_ACTIONS=true),
// run writes an annotation per failure on the scenario's file, before the
// terminal report, whose last line stays the counts; --github=false turns
// them off, --github turns them on anywhere.
func TestRunGitHubAnnotations(t *testing.T) {
	needPython(t)
	args := []string{"run", "--subject", brokenSubject, "--scenario", "SF-1,SF-8", "--surface", "oneshot", "--seed", "1"}
	const ann = "::error file=scenarios/files/SF-8.yaml,title=R7%2CR15::SF-8/oneshot (rate-limited-primary): expected failed: openai-codex codex_rate_limited"
	t.Setenv("GITHUB_ACTIONS", "true")
	stdout, _, code := run(t, args...)
	if code != ExitViolation || !strings.Contains(stdout, ann) || strings.Count(stdout, "::error ") != 1 {
		t.Fatalf("exit %d; want one annotation %q:\n%s", code, ann, stdout)
	}
	if last := lastLine(stdout); last != "1 passed, 1 failed" || strings.Index(stdout, "::error") > strings.Index(stdout, "SCENARIO") {
		t.Errorf("the annotations must come before the report, the counts last; last line %q:\n%s", last, stdout)
	}
	if stdout, _, _ := run(t, append(args, "--github=false")...); strings.Contains(stdout, "::error") {
		t.Errorf("--github=false still annotates:\n%s", stdout)
	}
	t.Setenv("GITHUB_ACTIONS", "")
	if stdout, _, _ := run(t, args...); strings.Contains(stdout, "::error") {
		t.Errorf("annotations outside GitHub Actions:\n%s", stdout)
	}
	if stdout, _, _ := run(t, append(args, "--github")...); !strings.Contains(stdout, ann) {
		t.Errorf("--github does not annotate:\n%s", stdout)
	}
}

// TestRunWriteExpect: run --write-expect writes the run's failures as an
// expectations file; the same run judged with it (--expect) passes, and
// the known failures are listed.
func TestRunWriteExpect(t *testing.T) {
	needPython(t)
	path := filepath.Join(t.TempDir(), "ci", "expect.yaml")
	args := []string{"run", "--subject", brokenSubject, "--scenario", "SF-1,SF-8", "--seed", "1"}
	stdout, _, code := run(t, append(args, "--write-expect", path)...)
	if code != ExitViolation || !strings.Contains(stdout, "expectations written to "+path+" (6 known failure(s))") {
		t.Fatalf("exit %d:\n%s", code, stdout)
	}
	if _, err := reports.LoadExpectations(path); err != nil {
		t.Fatalf("the written file does not load: %v", err)
	}
	stdout, stderr, code := run(t, append(args, "--expect", path)...)
	if code != ExitConforms || lastLine(stdout) != "3 passed, 0 failed, 3 known failure(s)" {
		t.Errorf("with the written expectations: exit %d, last line %q\n%s", code, lastLine(stdout), stderr)
	}
}
