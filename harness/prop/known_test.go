package prop_test

import (
	"context"
	"testing"

	"github.com/fallbackgate/fallbackgate/harness"
	"github.com/fallbackgate/fallbackgate/harness/prop"
	"github.com/fallbackgate/fallbackgate/scenarios"
)

// TestPropKnownFailures: with the rules a subject is known to break (an
// expectations file, --expect) accepted, a property run of the mutant that
// walks past a 429 passes and counts the cases that broke only those; the
// same run of the mutant that also keeps the primary's model still finds
// that, the divergence nobody accepted (issue 12, item 9).
func TestPropKnownFailures(t *testing.T) {
	known := func(surface, rule string) bool { return rule == "R7" || rule == "R15" }
	m := mutant("falls-back-on-rate-limit")
	rep, err := prop.Run(context.Background(), prop.Config{Target: inProcess("walks-on-429", m.Options, strictProfile()), Checks: 100, Seed: 2, Known: known})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Failure != nil || rep.Known == 0 {
		t.Fatalf("with R7 and R15 known: failure %v, %d known cases; want none and some known", rep.Failure != nil, rep.Known)
	}

	other := mutant("keeps-primary-model")
	rep, err = prop.Run(context.Background(), prop.Config{Target: inProcess("keeps-model", other.Options, strictProfile()), Checks: 100, Seed: 2, Known: known})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Failure == nil {
		t.Fatal("a divergence that is not known (R10) passed")
	}
}

// TestPropScenariosFirst: the scenarios of Config.Scenarios (a saved
// regression, an extra, by ID) run first, as cases of the run: a mutant
// that only MX-3 shows fails on it at once.
func TestPropScenariosFirst(t *testing.T) {
	sel, err := scenarios.Select([]string{"MX-3"})
	if err != nil {
		t.Fatal(err)
	}
	m := mutant("resolves-with-primary-base-url")
	rep, err := prop.Run(context.Background(), prop.Config{Target: inProcess("base-url", m.Options, strictProfile()), Checks: 1, Seed: 1,
		Scenarios: sel, Surfaces: []string{harness.Oneshot}, ShrinkTime: 1})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Failure == nil || rep.Cases != 1 {
		t.Fatalf("failure %v after %d case(s); want MX-3, the first case, to fail", rep.Failure != nil, rep.Cases)
	}
}
