package gate_test

import (
	"context"
	"maps"
	"testing"

	"github.com/fallbackgate/fallbackgate/harness"
	"github.com/fallbackgate/fallbackgate/harness/gate"
	"github.com/fallbackgate/fallbackgate/harness/reference"
	"github.com/fallbackgate/fallbackgate/reports"
	"github.com/fallbackgate/fallbackgate/scenarios"
)

func ptrTo[T any](v T) *T { return &v }

// checkScenario returns the built-in scenario id, or a variant of it.
func checkScenario(t testing.TB, id string, change func(*harness.Scenario)) harness.Scenario {
	t.Helper()
	sel, err := scenarios.Select([]string{id})
	if err != nil {
		t.Fatal(err)
	}
	sc := sel[0]
	if change != nil {
		sc.Faults = maps.Clone(sc.Faults)
		change(&sc)
	}
	return sc
}

// providerWithoutModel pins the scenario's provider without a model: bad
// usage (R6).
func providerWithoutModel(s *harness.Scenario) {
	s.Pin = harness.Args{Provider: s.Pin.Provider}
}

// referenceSubject returns the in-process reference subject, closed when
// the test ends.
func referenceSubject(t *testing.T, opts reference.Options) *harness.Subject {
	t.Helper()
	sub := reference.Subject("reference", opts)
	t.Cleanup(func() {
		if err := sub.Close(); err != nil {
			t.Errorf("closing the reference subject: %v", err)
		}
	})
	return sub
}

func mustRun(t *testing.T, cfg gate.Config) *gate.Report {
	t.Helper()
	rep, err := gate.Run(context.Background(), cfg)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	return rep
}

// tally is how the gate's report is counted now that gate.Report has no
// counts of its own: by package reports, with no known failures. Gate.Failed
// counts every failed case and every parity divergence; Gate.OK is false
// when anything failed.
func tally(rep *gate.Report) reports.Gate {
	return reports.New(rep, nil).Gate
}
