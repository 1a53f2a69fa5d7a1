package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/fallbackgate/fallbackgate/harness"
	"github.com/fallbackgate/fallbackgate/harness/exec"
	"github.com/fallbackgate/fallbackgate/harness/mutation"
	"github.com/fallbackgate/fallbackgate/harness/reference"
	"github.com/fallbackgate/fallbackgate/reports"
	"github.com/fallbackgate/fallbackgate/scenarios"
)

// The ways mutate runs the mutants.
const (
	pathInProcess = "in-process"
	pathExec      = "exec"
	pathBoth      = "both"
)

func mutateCmd(ctx context.Context, s Streams, args []string) error {
	fs := newFlags("mutate", "mutate [--subject-path exec|in-process|both] [--mutant NAME,...] [--seed N]", `
Proves that the gate has teeth. Every mutant is the reference subject with
one deliberate bug that a real implementation has had (the pre-fix v6.6
start-up, a fallback despite a pin, quota amplification on a 429, a leaked
key, ...). For each mutant the gate runs its stages in order: the scenarios
SF-1…SF-9, then the mutation-only scenarios (MX-…), then the drift
scenarios, whose config file changes during the start-up; the first failing
case kills the mutant.

Prints one row per mutant: the case that killed it (scenario/surface) and
the rule of its first violation, then "mutation score: K/N (P%)". The exec
path runs `+"`fallbackgate subject --mutant NAME`"+` through the exec adapter,
as the gate runs any subject; in-process runs the same code without
processes. Exit 0 when every mutant is killed, 1 when one survives (a rule
with no teeth), 2 on bad usage, 3 when the harness itself failed.`, s)
	path := fs.String("subject-path", pathBoth, "how the mutants run: exec, in-process or both")
	var names listFlag
	fs.Var(&names, "mutant", "`NAMES` of the mutants to run, comma-separated (default all): "+strings.Join(reference.MutantNames(), ", "))
	seedFlag := fs.String("seed", "", "`SEED` for the fakes' secrets and the case order (default: random, printed)")
	verbose := fs.Bool("v", false, "print each mutant's killing violation")
	jsonOut := fs.String("json", "", "also write the mutation report(s) as JSON to `FILE`, for the reports")
	if err := parse(fs, args, s); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("mutate: unexpected argument %q", fs.Arg(0))
	}
	paths := []string{*path}
	switch *path {
	case pathBoth:
		paths = []string{pathInProcess, pathExec}
	case pathInProcess, pathExec:
	default:
		return usagef("mutate: --subject-path %q: want exec, in-process or both", *path)
	}
	var mutants []reference.Mutant
	if len(names) == 0 {
		mutants = reference.Mutants()
	}
	for _, n := range names {
		m, err := reference.MutantByName(n)
		if err != nil {
			return usagef("mutate: --mutant: %v", err)
		}
		mutants = append(mutants, m)
	}
	seed, err := parseSeed(*seedFlag)
	if err != nil {
		return err
	}

	var (
		survivors []string
		reps      []*mutation.Report
	)
	for i, p := range paths {
		if i > 0 {
			fmt.Fprintln(s.Stdout)
		}
		rep, err := runMutants(ctx, p, mutants, seed)
		if err != nil {
			return &HarnessError{Err: err}
		}
		fmt.Fprintf(s.Stdout, "fallbackgate mutate: %s, seed %d, %d mutant(s), stages %s\n", p, seed, len(mutants), strings.Join(rep.Stages, ", "))
		if err := reports.WriteMutationTable(s.Stdout, rep); err != nil {
			return &HarnessError{Err: err}
		}
		if *verbose {
			for _, r := range rep.Results {
				if r.Killed != nil {
					fmt.Fprintf(s.Stdout, "  %s: %s %s: %s\n", r.Name, r.Killed.By, r.Killed.Rule, r.Killed.Message)
				}
			}
		}
		reps = append(reps, rep)
		for _, m := range rep.Survivors() {
			survivors = append(survivors, fmt.Sprintf("%s (%s, rule %s)", m.Name, p, m.Breaks))
		}
	}
	if *jsonOut != "" {
		data, err := json.MarshalIndent(reps, "", "  ")
		if err != nil {
			return &HarnessError{Err: err}
		}
		if err := os.WriteFile(*jsonOut, append(data, '\n'), 0o644); err != nil {
			return &HarnessError{Err: err}
		}
	}
	if len(survivors) > 0 {
		return &ViolationError{Summary: "surviving mutants, rules with no teeth: " + strings.Join(survivors, ", ")}
	}
	return nil
}

// runMutants runs the mutants on one path through mutationStages; it is
// both `fallbackgate mutate` and the self-test of `fallbackgate run
// --mutate`.
func runMutants(ctx context.Context, path string, mutants []reference.Mutant, seed int64) (*mutation.Report, error) {
	scratch, err := os.MkdirTemp(scratchRoot(), "fallbackgate-mutate-*")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(scratch)
	subject := func(m reference.Mutant) (*harness.Subject, error) {
		return reference.Subject("mutant "+m.Name, m.Options), nil
	}
	driftScratch := ""
	if path == pathExec {
		exe, err := executable()
		if err != nil {
			return nil, err
		}
		driftScratch = scratch
		subject = func(m reference.Mutant) (*harness.Subject, error) {
			return exec.Subject(referenceManifest(exe, "", m.Name), "", exec.ScratchRoot(scratch))
		}
	}
	return mutation.Run(ctx, mutation.Config{
		Path:    path,
		Mutants: mutants,
		Subject: subject,
		Stages:  mutationStages(driftScratch),
		Seed:    seed,
	})
}

// mutationStages are the gate's stages, in the order a mutant meets them:
// the scenarios, the drift scenarios, then properties for a mutant both
// miss (a stage runs only while the mutant survives).
func mutationStages(driftScratch string) []mutation.Stage {
	return []mutation.Stage{
		mutation.ScenarioStage("scenarios", slices.Concat(scenarios.All(), scenarios.Extra())),
		mutation.DriftStage("drift", scenarios.Drift(), driftScratch),
		mutation.PropertyStage("properties", 100, 10*time.Second),
	}
}
