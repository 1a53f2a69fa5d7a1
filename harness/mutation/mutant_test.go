package mutation_test

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/onsi/gomega/gexec"

	"github.com/fallbackgate/fallbackgate/harness"
	"github.com/fallbackgate/fallbackgate/harness/exec"
	"github.com/fallbackgate/fallbackgate/harness/mutation"
	"github.com/fallbackgate/fallbackgate/harness/reference"
	"github.com/fallbackgate/fallbackgate/reports"
	"github.com/fallbackgate/fallbackgate/scenarios"
)

// gateStages are the stages of `fallbackgate mutate`: SF-1…SF-9 and the
// mutation-only scenarios, then the drift scenarios. scratch is the scratch
// root of an exec subject, "" in-process.
func gateStages(scratch string) []mutation.Stage {
	return []mutation.Stage{
		mutation.ScenarioStage("scenarios", slices.Concat(scenarios.All(), scenarios.Extra())),
		mutation.DriftStage("drift", scenarios.Drift(), scratch),
		mutation.PropertyStage("properties", 100, 10*time.Second),
	}
}

// requireAllKilled fails the test naming every survivor and the rule that
// has no teeth, and logs kills whose first violation cites another rule than
// the one the mutant breaks.
func requireAllKilled(t *testing.T, rep *mutation.Report) {
	t.Helper()
	var table strings.Builder
	if err := reports.WriteMutationTable(&table, rep); err != nil {
		t.Fatal(err)
	}
	t.Logf("%s mutation run, seed %d:\n%s", rep.Path, rep.Seed, table.String())
	if err := rep.Err(); err != nil {
		t.Fatalf("the gate has no teeth here:\n%v", err)
	}
	for _, r := range rep.Results {
		want, ok := issue12Mutants[r.Name]
		if !ok {
			want, ok = issue16Mutants[r.Name]
		}
		if ok && r.Killed != nil && r.Killed.Rule != want {
			t.Errorf("mutant %s was killed by %s citing %s first; want its own check, %s: %s", r.Name, r.Killed.By, r.Killed.Rule, want, r.Killed.Message)
		}
		if r.Killed.Rule != r.Breaks {
			t.Logf("mutant %s (breaks %s) was killed by %s citing %s first: %s", r.Name, r.Breaks, r.Killed.By, r.Killed.Rule, r.Killed.Message)
		}
	}
}

// TestMutationScoreInProcess requires a 100% mutation score on the
// in-process reference surfaces: every mutant is killed by some scenario.
func TestMutationScoreInProcess(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	rep, err := mutation.Run(ctx, mutation.Config{
		Path:    "in-process",
		Mutants: reference.Mutants(),
		Subject: func(m reference.Mutant) (*harness.Subject, error) {
			return reference.Subject("mutant "+m.Name, m.Options), nil
		},
		Stages: gateStages(""),
		Seed:   1,
	})
	if err != nil {
		t.Fatal(err)
	}
	requireAllKilled(t, rep)
}

// TestMutationScoreExec requires a 100% mutation score through the exec
// adapter: each mutant runs as `fallbackgate subject --mutant NAME`, a real
// process speaking PROTOCOL.md, as the gate runs any subject.
func TestMutationScoreExec(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the fallbackgate binary")
	}
	bin, err := gexec.Build("github.com/fallbackgate/fallbackgate/cmd/fallbackgate")
	if err != nil {
		t.Fatalf("building fallbackgate: %v", err)
	}
	t.Cleanup(gexec.CleanupBuildArtifacts)
	scratch := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	rep, err := mutation.Run(ctx, mutation.Config{
		Path:    "exec",
		Mutants: reference.Mutants(),
		Subject: func(m reference.Mutant) (*harness.Subject, error) {
			man := &exec.Manifest{Name: "mutant " + m.Name, Profile: "strict",
				Capabilities: []string{harness.CapabilityRuntimeFallback}, Surfaces: map[string][]string{}}
			for _, surf := range harness.Surfaces {
				man.Surfaces[surf] = []string{bin, "subject", "--mutant", m.Name, surf}
			}
			return exec.Subject(man, "", exec.ScratchRoot(scratch))
		},
		Stages: gateStages(scratch),
		Seed:   2,
	})
	if err != nil {
		t.Fatal(err)
	}
	requireAllKilled(t, rep)
	if left, _ := os.ReadDir(scratch); len(left) > 0 {
		t.Errorf("%d case folder(s) left in the scratch root", len(left))
	}
}

// TestReferenceSurvivesEveryStage guards the score against a vacuous 100%:
// the reference itself (the zero Options) must pass every stage, so a kill
// is always the mutant's bug, never a stage that fails everything.
func TestReferenceSurvivesEveryStage(t *testing.T) {
	rep, err := mutation.Run(context.Background(), mutation.Config{
		Path:    "in-process",
		Mutants: []reference.Mutant{{Name: "reference", Bug: "none", Rule: "-"}},
		Subject: func(m reference.Mutant) (*harness.Subject, error) {
			return reference.Subject("reference", m.Options), nil
		},
		Stages: gateStages(""),
		Seed:   3,
	})
	if err != nil {
		t.Fatal(err)
	}
	if k := rep.Results[0].Killed; k != nil {
		t.Fatalf("the reference was killed by %s (%s): %s", k.By, k.Rule, k.Message)
	}
}

// TestSurvivorNamesRuleWithoutTeeth: a stage set that cannot see a bug lets
// its mutant survive, and the report says which rule has no teeth.
func TestSurvivorNamesRuleWithoutTeeth(t *testing.T) {
	sf1, err := scenarios.Select([]string{"SF-1"})
	if err != nil {
		t.Fatal(err)
	}
	var mutants []reference.Mutant
	for _, name := range []string{"leaks-key", "reads-chain-twice"} {
		m, err := reference.MutantByName(name)
		if err != nil {
			t.Fatal(err)
		}
		mutants = append(mutants, m)
	}
	rep, err := mutation.Run(context.Background(), mutation.Config{
		Path: "in-process", Mutants: mutants, Seed: 4,
		Subject: func(m reference.Mutant) (*harness.Subject, error) {
			return reference.Subject(m.Name, m.Options), nil
		},
		Stages: []mutation.Stage{mutation.ScenarioStage("scenarios", sf1)},
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := rep.ScoreLine(); got != "mutation score: 1/2 (50%)" {
		t.Errorf("score %q; want 1/2 (50%%)", got)
	}
	err = rep.Err()
	if err == nil || !strings.Contains(err.Error(), "mutant reads-chain-twice survived") || !strings.Contains(err.Error(), "rule R1 has no teeth") {
		t.Errorf("Err() = %v; want it to name reads-chain-twice and R1", err)
	}
	if k := rep.Results[0].Killed; k == nil || k.By != "SF-1/oneshot" || k.Rule != "R16" {
		t.Errorf("leaks-key killed by %+v; want SF-1/oneshot R16", k)
	}
}

func TestMutantCatalogue(t *testing.T) {
	seen := map[string]bool{}
	for _, m := range reference.Mutants() {
		if seen[m.Name] {
			t.Errorf("mutant %s is listed twice", m.Name)
		}
		seen[m.Name] = true
		if m.Bug == "" || !strings.HasPrefix(m.Rule, "R") {
			t.Errorf("mutant %s: want a bug and the rule it breaks, got %q, %q", m.Name, m.Bug, m.Rule)
		}
		if m.Options.Profile.Name != "" {
			t.Errorf("mutant %s changes the profile it claims; a mutant breaks the contract, it does not claim another one", m.Name)
		}
	}
	if want := 15 + len(issue12Mutants) + len(issue16Mutants); len(seen) != want {
		t.Errorf("%d mutants; want the 15 of issue 7, the %d of issue 12 and the %d of issue 16 (%d)", len(seen), len(issue12Mutants), len(issue16Mutants), want)
	}
	if _, err := reference.MutantByName("nope"); err == nil || !strings.Contains(err.Error(), "ignores-chain") {
		t.Errorf("MutantByName(nope) = %v; want an error listing the known mutants", err)
	}
}

// TestPropertyStage: the property stage of the mutation self-test, which
// runs after the scenarios for a mutant they miss, has teeth of its own:
// for every seed tried it kills a mutant that walks past a 429, citing a
// rule, and lets the reference through.
func TestPropertyStage(t *testing.T) {
	stage := mutation.PropertyStage("properties", 200, 2*time.Second)
	ctx := context.Background()
	m, err := reference.MutantByName("falls-back-on-rate-limit")
	if err != nil {
		t.Fatal(err)
	}
	for seed := int64(1); seed <= 5; seed++ {
		sub := reference.Subject("mutant", m.Options)
		k, err := stage.Kill(ctx, sub, seed)
		sub.Close()
		if err != nil {
			t.Fatal(err)
		}
		if k == nil || k.Rule == "" || !strings.HasPrefix(k.By, fmt.Sprintf("prop --seed %d (", seed)) {
			t.Errorf("seed %d: the property stage did not kill %s: %+v", seed, m.Name, k)
		}
	}
	ref := reference.Subject("reference", reference.Options{})
	defer ref.Close()
	if k, err := stage.Kill(ctx, ref, 1); err != nil || k != nil {
		t.Errorf("the property stage killed the reference: %+v, %v", k, err)
	}
}

// issue12Mutants are the mutants that contract 1.1 added (issue 12), each
// proving one new check: the rule the check cites, which must be the rule
// of the first violation that kills it (bad usage is the checker's "usage").
var issue12Mutants = map[string]string{
	"resolves-with-primary-base-url":  "R9",
	"runtime-resolves-primary-again":  "R18",
	"runtime-stops-after-first-entry": "R18",
	"exit-1-on-last-entry-rate-limit": "R7",
	"notice-omits-primary":            "R15",
	"cli-no-relogin-hint":             "R13",
	"ignores-pinned-model":            "R6",
	"gateway-defaults-pinned-model":   "usage",
	"accepts-runtime-without-key":     "R5",
}

// issue16Mutants are the loader bugs of issue 16's incidents (login-revoked,
// legacy-fallback-model), each with the rule its own scenario (MX-9, MX-10)
// must cite first when it kills it.
var issue16Mutants = map[string]string{
	"drops-shorthand-entries":          "R2",
	"empty-chain-hides-fallback-model": "R9",
}
