package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fallbackgate/fallbackgate/reports"
)

// TestRunStagesPass: --prop and --chaos against the Python example add a
// passing property and chaos stage to the output and to results.json,
// with their files in the report folder. The stages are judged with the
// run's --expect, so the commands that repeat them give it too, as prop's
// and chaos's own do.
func TestRunStagesPass(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "out")
	expect := filepath.Join(t.TempDir(), "expect.yaml")
	if err := os.WriteFile(expect, []byte("known_failures: []\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out, errs, code := run(t, "run", "--subject", goodSubject, "--scenario", "SF-1", "--surface", "gateway", "--seed", "1", "--prop", "200", "--chaos", "--report-dir", dir, "--expect", expect)
	if code != ExitConforms {
		t.Fatalf("exit %d; want 0\n%s%s", code, out, errs)
	}
	for _, want := range []string{
		"properties (200 checks on gateway): 200 cases passed; fell back ",
		"chaos (gateway, 8 sessions × 20 turns): 160 start-ups passed; faults met: ",
		"history " + filepath.Join(dir, "chaos.jsonl"),
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if got := lastLine(out); got != "1 passed, 0 failed" {
		t.Errorf("last line %q; want the counts of the scenarios", got)
	}
	res, err := reports.ReadJSONFile(filepath.Join(dir, "results.json"))
	if err != nil {
		t.Fatal(err)
	}
	if p := res.Properties; p == nil || p.Cases != 200 || !p.OK() {
		t.Errorf("results.json properties = %+v; want 200 passing cases", p)
	}
	if c := res.Chaos; c == nil || c.Startups != 160 || !c.OK() || c.History != filepath.Join(dir, "chaos.jsonl") {
		t.Errorf("results.json chaos = %+v; want 160 passing start-ups and the history", c)
	}
	if fi, err := os.Stat(filepath.Join(dir, "chaos.jsonl")); err != nil || fi.Size() == 0 {
		t.Errorf("chaos history: %v", err)
	}
	if p := res.Properties; p != nil && !strings.Contains(p.Repro, " --expect "+expect) {
		t.Errorf("results.json properties repro %q; want it to give --expect %s", p.Repro, expect)
	}
	if c := res.Chaos; c != nil && !strings.Contains(c.Repro, " --expect "+expect) {
		t.Errorf("results.json chaos repro %q; want it to give --expect %s", c.Repro, expect)
	}
}

// TestRunStagesFail: the scenarios of the Python copy that falls back on a
// 429 pass on SF-1, but --prop finds, shrinks and saves a counterexample,
// and --chaos catches it too: each stage is one failure of the run.
func TestRunStagesFail(t *testing.T) {
	dir := t.TempDir()
	out, errs, code := run(t, "run", "--subject", brokenSubject, "--scenario", "SF-1", "--surface", "oneshot", "--seed", "4",
		"--prop", "100", "--shrink-time", "3s", "--chaos", "--report-dir", dir)
	if code != ExitViolation {
		t.Fatalf("exit %d; want 1\n%s%s", code, out, errs)
	}
	for _, want := range []string{
		"properties (100 checks on oneshot): FAIL R7",
		"saved as " + filepath.Join(dir, "counterexamples", "prop-"),
		"reproduce: fallbackgate run --subject " + brokenSubject + " --scenario-file " + filepath.Join(dir, "counterexamples", "prop-"),
		"reproduce the search: fallbackgate prop --subject " + brokenSubject + " --surface oneshot --checks 100 --seed 4",
		"chaos (gateway, 8 sessions × 20 turns): FAIL: ",
		"R7: quota amplification",
		"first failing start-up saved as " + filepath.Join(dir, "counterexamples", "prop-"),
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if got := lastLine(out); got != "1 passed, 2 failed" {
		t.Errorf("last line %q; want SF-1 passed and the two stages failed", got)
	}
	if !strings.Contains(errs, "properties: a generated case breaks R7") || !strings.Contains(errs, "chaos: ") {
		t.Errorf("the error does not name the failing stages:\n%s", errs)
	}
	res, err := reports.ReadJSONFile(filepath.Join(dir, "results.json"))
	if err != nil {
		t.Fatal(err)
	}
	if res.Gate.OK || res.Gate.Failed != 2 {
		t.Errorf("gate %+v; want 2 failures", res.Gate)
	}
	if f := res.Properties.Failure; f == nil || f.Saved == "" {
		t.Fatalf("results.json holds no saved property failure: %+v", res.Properties)
	} else if _, err := os.Stat(f.Saved); err != nil {
		t.Errorf("the saved counterexample: %v", err)
	}
}

func TestRunStagesUsage(t *testing.T) {
	if _, errs, code := run(t, "run", "--prop", "-1"); code != ExitUsage || !strings.Contains(errs, "--prop -1") {
		t.Errorf("--prop -1: exit %d, %q; want 2 naming the flag", code, errs)
	}
}
