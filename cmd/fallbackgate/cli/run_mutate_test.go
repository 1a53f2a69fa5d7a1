package cli

import (
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/fallbackgate/fallbackgate/harness"
	"github.com/fallbackgate/fallbackgate/harness/gate"
	"github.com/fallbackgate/fallbackgate/harness/mutation"
	"github.com/fallbackgate/fallbackgate/harness/reference"
	"github.com/fallbackgate/fallbackgate/reports"
)

// TestRunMutate runs the gate with --mutate: the score is printed before
// the seed, the counts stay last, and results.json carries the mutation
// run; without --mutate neither says a word about mutation.
func TestRunMutate(t *testing.T) {
	dir := t.TempDir()
	base := []string{"run", "--subject", goodSubject, "--scenario", "SF-1", "--surface", "oneshot", "--seed", "1"}
	stdout, stderr, code := run(t, append(base, "--mutate", "--json", filepath.Join(dir, "with.json"))...)
	if code != ExitConforms {
		t.Fatalf("run --mutate: exit %d; want 0\n%s%s", code, stdout, stderr)
	}
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	score := slices.Index(lines, fullScore())
	seed := slices.Index(lines, "seed 1")
	if score < 0 || seed < score {
		t.Errorf("want the mutation score (line %d) before the seed (line %d):\n%s", score, seed, stdout)
	}
	if got := lastLine(stdout); got != "1 passed, 0 failed" {
		t.Errorf("last line %q; want the counts", got)
	}
	for _, want := range []string{"ignores-chain", "SF-2/oneshot", "reads-chain-twice", "MX-1/oneshot"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("run --mutate output lacks %q:\n%s", want, stdout)
		}
	}
	res, err := reports.ReadJSONFile(filepath.Join(dir, "with.json"))
	if err != nil {
		t.Fatal(err)
	}
	n := len(reference.Mutants())
	if m := res.Mutation; m == nil || m.Killed != n || m.Total != n || len(m.Mutants) != n || m.Path != pathInProcess {
		t.Errorf("results.json mutation %+v; want %d of %d killed in-process", m, n, n)
	}

	stdout, _, code = run(t, append(base, "--json", filepath.Join(dir, "without.json"))...)
	if code != ExitConforms || strings.Contains(strings.ToLower(stdout), "mutation") {
		t.Errorf("run without --mutate: exit %d, or it mentions mutation:\n%s", code, stdout)
	}
	if res, err := reports.ReadJSONFile(filepath.Join(dir, "without.json")); err != nil || res.Mutation != nil {
		t.Errorf("results.json of a run without --mutate: mutation %+v (err %v); want none", res.Mutation, err)
	}
}

// TestVerdict checks the function that decides run's exit: a surviving
// mutant fails a run whose cases all pass, and the error names the rule
// with no teeth. A real survivor cannot be produced with the reference, so
// the mutation report is built by hand.
func TestVerdict(t *testing.T) {
	landed := 0
	pass := harness.Result{Scenario: "SF-1", ScenarioName: "primary-succeeds", Surface: harness.Oneshot, Subject: "hand",
		Profile: "strict", Seed: 1, Status: harness.StatusPass, Expected: harness.Summary{Landed: &landed}, Observed: harness.Summary{Landed: &landed}}
	fail := pass
	fail.Scenario, fail.ScenarioName, fail.Status = "SF-8", "rate-limited-primary", harness.StatusFail
	fail.Violations = harness.Violations{{Rule: "R7", Message: "quota amplification"}}
	results := func(survivor bool, rs ...harness.Result) *reports.Results {
		res := reports.New(&gate.Report{Subject: "hand", Profile: "strict", Seed: 1, Surfaces: []string{harness.Oneshot}, Results: rs}, nil)
		mrep := &mutation.Report{Path: pathInProcess, Seed: 1, Stages: []string{"scenarios", "drift"},
			Results: []mutation.Fate{{Name: "ignores-chain", Bug: "walks a chain of its own", Breaks: "R9",
				Killed: &mutation.Kill{Stage: "scenarios", By: "SF-2/oneshot", Rule: "R9"}}}}
		if survivor {
			mrep.Results = append(mrep.Results, mutation.Fate{Name: "falls-back-on-rate-limit", Bug: "walks on past a 429", Breaks: "R7"})
		}
		res.SetMutation(mrep)
		return res
	}
	const teeth = "mutation score: 1/2 (50%): the gate has a rule without teeth: R7 (mutant falls-back-on-rate-limit survived: walks on past a 429)"
	for _, tt := range []struct {
		name string
		res  *reports.Results
		code int
		want string
	}{
		{"every mutant killed", results(false, pass), ExitConforms, ""},
		{"survivor", results(true, pass), ExitViolation, teeth},
		{"failure and survivor", results(true, pass, fail), ExitViolation, "1 passed, 1 failed: the subject violates the contract; " + teeth},
		{"failure, every mutant killed", results(false, pass, fail), ExitViolation, "1 passed, 1 failed: the subject violates the contract"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := verdict(tt.res)
			if code := ExitCode(err); code != tt.code {
				t.Errorf("verdict exits %d (%v); want %d", code, err, tt.code)
			}
			var ve *ViolationError
			if tt.want != "" && (!errors.As(err, &ve) || ve.Summary != tt.want) {
				t.Errorf("verdict = %v;\nwant %q", err, tt.want)
			}
		})
	}
}
