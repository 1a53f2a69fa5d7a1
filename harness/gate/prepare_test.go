package gate_test

import (
	"context"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/fallbackgate/fallbackgate/fakes"
	"github.com/fallbackgate/fallbackgate/harness"
	"github.com/fallbackgate/fallbackgate/harness/gate"
	"github.com/fallbackgate/fallbackgate/harness/model"
	"github.com/fallbackgate/fallbackgate/harness/reference"
	"github.com/fallbackgate/fallbackgate/resolver"
)

// traceOf is the model's decision trace as a Result carries it.
func traceOf(want harness.Expected) []string {
	var out []string
	for _, st := range want.Decision.Trace {
		out = append(out, st.String())
	}
	return out
}

// TestPrepareRunsOnePredictionOnEverySurface: Prepare predicts a case once
// and Prepared.Run judges every surface against that one prediction: each
// Result's expected summary and trace are the Prepared's, each surface runs
// on a fleet of its own (its ledger holds its own resolves only, not the
// surfaces' before it), and a surface the subject lacks is not
// implemented.
func TestPrepareRunsOnePredictionOnEverySurface(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name     string
		scenario harness.Scenario
		hooks    func() gate.Hooks
		// status by surface; the subject has no cli.
		want map[string]harness.Status
	}{
		{
			name: "SF-2 on loopback", scenario: checkScenario(t, "SF-2", nil), hooks: func() gate.Hooks { return gate.Hooks{} },
			want: map[string]harness.Status{harness.Oneshot: harness.StatusPass, harness.Gateway: harness.StatusPass, harness.CLI: harness.StatusNotImplemented},
		},
		{
			name: "SF-4 in-process", scenario: checkScenario(t, "SF-4", nil),
			hooks: func() gate.Hooks { return gate.InProcess(fakes.NewManualClock(harness.Epoch)) },
			want:  map[string]harness.Status{harness.Oneshot: harness.StatusPass, harness.Gateway: harness.StatusPass, harness.CLI: harness.StatusNotImplemented},
		},
		{
			// Bad usage: judged on the gateway too (contract 1.1: a
			// failed reply of class other, before any resolve).
			name: "SF-7 bad usage in-process", scenario: checkScenario(t, "SF-7", providerWithoutModel),
			hooks: func() gate.Hooks { return gate.InProcess(fakes.NewManualClock(harness.Epoch)) },
			want:  map[string]harness.Status{harness.Oneshot: harness.StatusPass, harness.Gateway: harness.StatusPass, harness.CLI: harness.StatusNotImplemented},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sub := referenceSubject(t, reference.Options{})
			delete(sub.Surfaces, harness.CLI)
			p, err := gate.Prepare(ctx, gate.Setup{Subject: sub, Scenario: tc.scenario, Seed: 11, Hooks: tc.hooks()})
			if err != nil {
				t.Fatalf("Prepare: %v", err)
			}
			want := p.Expected()
			for _, surface := range harness.Surfaces {
				res, err := p.Run(ctx, surface)
				if err != nil {
					t.Fatalf("Run(%s): %v", surface, err)
				}
				if res.Status != tc.want[surface] {
					t.Errorf("%s: status %s; want %s\n%v", surface, res.Status, tc.want[surface], res.Violations)
				}
				if diff := cmp.Diff(harness.ExpectedSummary(want), res.Expected); diff != "" {
					t.Errorf("%s: Result.Expected is not the Prepared's prediction (-prepared +result):\n%s", surface, diff)
				}
				if diff := cmp.Diff(traceOf(want), res.Trace); diff != "" {
					t.Errorf("%s: Result.Trace is not the Prepared's trace (-prepared +result):\n%s", surface, diff)
				}
				if res.Scenario != tc.scenario.ID || res.Surface != surface || res.Seed != 11 || res.Subject != "reference" {
					t.Errorf("%s: result of %s/%s seed %d subject %q; want %s/%s seed 11 subject reference",
						surface, res.Scenario, res.Surface, res.Seed, res.Subject, tc.scenario.ID, surface)
				}
				if res.Status == harness.StatusNotImplemented {
					if len(res.Ledger) != 0 {
						t.Errorf("%s: not implemented, yet %d request(s) reached the fakes", surface, len(res.Ledger))
					}
					continue
				}
				if diff := cmp.Diff(want.Resolves, model.Resolves(res.Ledger)); diff != "" {
					t.Errorf("%s: resolves on its fleet (-prepared +ledger):\n%s", surface, diff)
				}
			}
		})
	}
}

// TestPreparedRunDoesNotPredictAgain: Run judges against the prediction
// Prepare made, whatever changed since. The subject claims upstream after
// Prepare predicted strict; SF-2 hands over a different chain in each, and
// the surfaces (strict) pass only if Run kept the strict prediction.
func TestPreparedRunDoesNotPredictAgain(t *testing.T) {
	ctx := context.Background()
	sub := referenceSubject(t, reference.Options{})
	s := gate.Setup{Subject: sub, Scenario: checkScenario(t, "SF-2", nil), Seed: 5, Hooks: gate.InProcess(fakes.NewManualClock(harness.Epoch))}
	p, err := gate.Prepare(ctx, s)
	if err != nil {
		t.Fatal(err)
	}
	strict := harness.ExpectedSummary(p.Expected())
	sub.Profile = resolver.Upstream
	upstream, err := gate.Prepare(ctx, s)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(strict, harness.ExpectedSummary(upstream.Expected())); diff == "" {
		t.Fatalf("SF-2 predicts the same for strict and upstream (%v); the test needs a scenario where they differ", strict)
	}
	for _, surface := range harness.Surfaces {
		res, err := p.Run(ctx, surface)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(strict, res.Expected); diff != "" || res.Status != harness.StatusPass {
			t.Errorf("%s: status %s, expected summary (-prepared +result):\n%s\n%v", surface, res.Status, diff, res.Violations)
		}
	}
}

// TestPrepareRejectsScenario: a scenario the model cannot run is Prepare's
// error, not a result.
func TestPrepareRejectsScenario(t *testing.T) {
	sub := referenceSubject(t, reference.Options{})
	for _, tc := range []struct {
		name   string
		change func(*harness.Scenario)
		want   string
	}{
		{"bad fault plan", func(s *harness.Scenario) { s.Faults["openai-codex"] = "ok until soon -> missing" }, `faults.openai-codex: plan "ok until soon -> missing"`},
		{"config without a primary", func(s *harness.Scenario) { s.Config.Model = harness.PrimaryConfig{} }, "the primary needs a provider"},
	} {
		_, err := gate.Prepare(context.Background(), gate.Setup{Subject: sub, Scenario: checkScenario(t, "SF-2", tc.change), Seed: 1})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: Prepare = %v; want an error containing %q", tc.name, err, tc.want)
		}
	}
}
