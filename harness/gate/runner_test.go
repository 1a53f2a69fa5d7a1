package gate_test

import (
	"context"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/fallbackgate/fallbackgate/fakes"
	"github.com/fallbackgate/fallbackgate/harness"
	"github.com/fallbackgate/fallbackgate/harness/gate"
	"github.com/fallbackgate/fallbackgate/harness/reference"
	"github.com/fallbackgate/fallbackgate/reports"
	"github.com/fallbackgate/fallbackgate/resolver"
	"github.com/fallbackgate/fallbackgate/scenarios"
)

// landsElsewhere is a surface that runs the reference surface and then
// claims, in its started event, to have landed on another chain entry: a
// surface whose decision differs from its siblings'.
type landsElsewhere struct {
	harness.Surface
	provider string
	index    int
}

func (s landsElsewhere) Start(ctx context.Context, c harness.Case) (harness.Outcome, error) {
	o, err := s.Surface.Start(ctx, c)
	for i := range o.Events {
		if o.Events[i].Event == harness.EventStarted {
			o.Events[i].Provider, o.Events[i].LandedAt = s.provider, ptrTo(s.index)
		}
	}
	return o, err
}

// recorder runs a surface and records the case IDs it was given, in order.
type recorder struct {
	harness.Surface
	mu  *sync.Mutex
	ids *[]string
}

func (r recorder) Start(ctx context.Context, c harness.Case) (harness.Outcome, error) {
	r.mu.Lock()
	*r.ids = append(*r.ids, c.ID)
	r.mu.Unlock()
	return r.Surface.Start(ctx, c)
}

func TestRunParity(t *testing.T) {
	sub := referenceSubject(t, reference.Options{})
	sub.Surfaces[harness.CLI] = landsElsewhere{Surface: sub.Surfaces[harness.CLI], provider: "anthropic", index: 1}
	sf2 := checkScenario(t, "SF-2", nil)
	rep := mustRun(t, gate.Config{Subject: sub, Scenarios: []harness.Scenario{sf2}, Seed: 7, Parallel: 3})

	if len(rep.Parity) != 1 {
		t.Fatalf("Parity = %v; want one divergence for SF-2", rep.Parity)
	}
	v := rep.Parity[0]
	if v.Rule != "parity" {
		t.Errorf("parity violation cites %q; want \"parity\"", v.Rule)
	}
	for _, s := range []string{"SF-2", "oneshot+gateway: landed 0 on openai-codex/gpt-5.5", "cli: landed 1 on anthropic/gpt-5.5"} {
		if !strings.Contains(v.Message, s) {
			t.Errorf("parity message %q does not say %q", v.Message, s)
		}
	}
	// The divergent surface also fails its own case; the parity divergence
	// counts as one more failure.
	if got, want := tally(rep), (reports.Gate{Passed: 2, Failed: 2}); got != want {
		t.Errorf("counts = %+v; want %+v (the divergent case and the parity divergence fail)", got, want)
	}
}

func TestRunParityAgrees(t *testing.T) {
	sub := referenceSubject(t, reference.Options{})
	rep := mustRun(t, gate.Config{Subject: sub, Scenarios: scenarios.All(), Seed: 3, Parallel: 4})
	if len(rep.Parity) != 0 {
		t.Errorf("Parity = %v for the reference subject; want none", rep.Parity)
	}
	if got, want := tally(rep), (reports.Gate{OK: true, Passed: 27}); got != want {
		t.Errorf("counts = %+v; want %+v", got, want)
	}
}

// TestRunParityIgnoresMissingSurfaces: a surface the subject does not
// implement is skipped, neither passed nor failed, and takes no part in
// parity.
func TestRunParityIgnoresMissingSurfaces(t *testing.T) {
	sub := referenceSubject(t, reference.Options{})
	delete(sub.Surfaces, harness.Gateway)
	rep := mustRun(t, gate.Config{Subject: sub, Scenarios: scenarios.All(), Seed: 3})
	if got, want := tally(rep), (reports.Gate{OK: true, Passed: 18, Skipped: 9}); got != want {
		t.Errorf("counts = %+v; want %+v", got, want)
	}
	for _, r := range rep.Results {
		if (r.Surface == harness.Gateway) != (r.Status == harness.StatusNotImplemented) {
			t.Errorf("%s/%s: verdict %q", r.Scenario, r.Surface, r.Status)
		}
	}
	if len(rep.Parity) != 0 {
		t.Errorf("Parity = %v; want no divergence", rep.Parity)
	}
}

// TestReportCounts: the gate's report is counted by package reports:
// failed cases and parity divergences fail, surfaces the subject does not
// implement are skipped, and a report with only skipped cases is OK.
func TestReportCounts(t *testing.T) {
	result := func(scenario, surface string, st harness.Status) harness.Result {
		r := harness.Result{Scenario: scenario, Surface: surface, Status: st}
		if st == harness.StatusFail { // as the gate judges: a failure breaks a rule
			r.Violations = harness.Violations{{Rule: "R9", Message: "..."}}
		}
		return r
	}
	for _, tc := range []struct {
		name string
		rep  gate.Report
		want reports.Gate
	}{
		{
			name: "a failure and a divergence",
			rep: gate.Report{
				Surfaces: harness.Surfaces,
				Results: []harness.Result{
					result("SF-1", harness.Oneshot, harness.StatusPass), result("SF-1", harness.Gateway, harness.StatusPass),
					result("SF-1", harness.CLI, harness.StatusFail), result("SF-2", harness.Oneshot, harness.StatusNotImplemented),
				},
				Parity: []harness.Violation{{Rule: "parity", Message: "SF-1: ..."}},
			},
			want: reports.Gate{Passed: 2, Failed: 2, Skipped: 1},
		},
		{
			name: "only skipped cases",
			rep: gate.Report{
				Surfaces: harness.Surfaces,
				Results:  []harness.Result{result("SF-1", harness.Oneshot, harness.StatusNotImplemented)},
			},
			want: reports.Gate{OK: true, Skipped: 1},
		},
	} {
		if diff := cmp.Diff(tc.want, tally(&tc.rep)); diff != "" {
			t.Errorf("%s: counts (-want +got):\n%s", tc.name, diff)
		}
	}
}

// seededRun runs the whole gate on the reference subject one case at a
// time and returns the report and the order the surfaces saw the cases in.
func seededRun(t *testing.T, seed int64) (*gate.Report, []string) {
	t.Helper()
	sub := referenceSubject(t, reference.Options{})
	var (
		mu  sync.Mutex
		ids []string
	)
	for name, s := range sub.Surfaces {
		sub.Surfaces[name] = recorder{Surface: s, mu: &mu, ids: &ids}
	}
	rep := mustRun(t, gate.Config{Subject: sub, Scenarios: scenarios.All(), Seed: seed, Parallel: 1})
	return rep, ids
}

func TestRunSeedOrder(t *testing.T) {
	repA, orderA := seededRun(t, 42)
	repB, orderB := seededRun(t, 42)
	_, orderC := seededRun(t, 43)

	if len(orderA) != 27 {
		t.Fatalf("the surfaces saw %d cases; want 27", len(orderA))
	}
	if diff := cmp.Diff(orderA, orderB); diff != "" {
		t.Errorf("seed 42 ran the cases in a different order the second time (-first +second):\n%s", diff)
	}
	if slices.Equal(orderA, orderC) {
		t.Errorf("seeds 42 and 43 ran the cases in the same order %v; the order must be drawn from the seed", orderA)
	}
	sorted := slices.Clone(orderA)
	slices.Sort(sorted)
	if slices.Equal(orderA, sorted) {
		t.Errorf("seed 42 ran the cases in sorted order; want a shuffled order")
	}

	// Same seed, same ledgers and decisions, modulo timing.
	ignoreTime := cmp.Options{cmpopts.IgnoreFields(fakes.Call{}, "At"), cmpopts.EquateEmpty()}
	for i := range repA.Results {
		a, b := repA.Results[i], repB.Results[i]
		id := a.Scenario + "/" + a.Surface
		if a.Scenario != b.Scenario || a.Surface != b.Surface || a.Seed != b.Seed {
			t.Fatalf("result %d is %s seed %d, then %s/%s seed %d", i, id, a.Seed, b.Scenario, b.Surface, b.Seed)
		}
		if len(a.Ledger) == 0 {
			t.Errorf("%s: empty ledger; want the case's requests", id)
		}
		if diff := cmp.Diff(a.Ledger, b.Ledger, ignoreTime); diff != "" {
			t.Errorf("%s: seed 42 gave different ledgers (-first +second):\n%s", id, diff)
		}
		if diff := cmp.Diff(a.Observed, b.Observed); diff != "" {
			t.Errorf("%s: seed 42 gave different decisions (-first +second):\n%s", id, diff)
		}
		if a.Status != harness.StatusPass {
			t.Errorf("%s: %s\n%v", id, a.Status, a.Violations)
		}
	}
}

// TestRunReportsProfile: the report and every result carry the subject's
// claimed profile, and the judgement uses it: the reference subject
// behaving as upstream passes when it claims upstream.
func TestRunReportsProfile(t *testing.T) {
	sub := referenceSubject(t, reference.Options{Profile: resolver.Upstream})
	rep := mustRun(t, gate.Config{Subject: sub, Scenarios: scenarios.All(), Seed: 5})
	if g := tally(rep); rep.Profile != "upstream" || !g.OK {
		t.Errorf("report profile %q counts %+v; want upstream, OK", rep.Profile, g)
	}
	for _, r := range rep.Results {
		if r.Profile != "upstream" || r.Status != harness.StatusPass {
			t.Errorf("%s/%s: profile %q verdict %s %v", r.Scenario, r.Surface, r.Profile, r.Status, r.Violations)
		}
	}
}

// TestRunBadUsage: a pin that names a provider without a model is bad usage
// on every surface of the in-process reference: exit 2 on oneshot and cli,
// a failed reply of class other on the gateway (contract 1.1; it was "n/a"
// before), and no resolve. The expected summary says so instead of
// describing a landing.
func TestRunBadUsage(t *testing.T) {
	sc := checkScenario(t, "SF-7", providerWithoutModel)
	sub := referenceSubject(t, reference.Options{})
	rep := mustRun(t, gate.Config{Subject: sub, Scenarios: []harness.Scenario{sc}, Seed: 9})
	for _, r := range rep.Results {
		if want := harness.StatusPass; r.Status != want {
			t.Errorf("%s/%s: %s; want %s\n%v", r.Scenario, r.Surface, r.Status, want, r.Violations)
		}
		if r.Surface == harness.Gateway && (r.Outcome.Reply == nil || r.Outcome.Reply.OK || r.Outcome.Reply.Class != "other") {
			t.Errorf("%s/gateway: reply %+v; want ok=false class other", r.Scenario, r.Outcome.Reply)
		}
		if got, want := r.Expected.String(), "failed: usage: --provider needs --model"; got != want {
			t.Errorf("%s/%s: expected summary %q; want %q", r.Scenario, r.Surface, got, want)
		}
		if len(r.Ledger) != 0 {
			t.Errorf("%s/%s: %d request(s) to the fakes; want none", r.Scenario, r.Surface, len(r.Ledger))
		}
	}
}

// TestCaseSeedReproduces shows that a case's seed depends on the run's seed,
// the scenario and the surface only: the reproduce command, which reruns one
// case with the run's seed, gets the seed the case had in the full run.
func TestCaseSeedReproduces(t *testing.T) {
	ctx := context.Background()
	sub := reference.Subject("reference", reference.Options{})
	defer sub.Close()
	full, err := gate.Run(ctx, gate.Config{Subject: sub, Scenarios: scenarios.All(), Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	one, err := gate.Run(ctx, gate.Config{Subject: sub, Scenarios: []harness.Scenario{checkScenario(t, "SF-8", nil)}, Surfaces: []string{harness.CLI}, Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	if len(one.Results) != 1 {
		t.Fatalf("SF-8 on cli alone gave %d results; want 1", len(one.Results))
	}
	i := slices.IndexFunc(full.Results, func(r harness.Result) bool { return r.Scenario == "SF-8" && r.Surface == harness.CLI })
	if i < 0 {
		t.Fatal("the full run has no SF-8/cli result")
	}
	if r := full.Results[i]; r.Seed != one.Results[0].Seed {
		t.Errorf("SF-8/cli ran with seed %d in the full run and %d alone (repro %q)", r.Seed, one.Results[0].Seed, r.Repro)
	}
	if a, b := gate.CaseSeed(7, "SF-8", "cli"), gate.CaseSeed(8, "SF-8", "cli"); a == b {
		t.Errorf("CaseSeed ignores the run seed: %d for 7 and 8", a)
	}
}

// handsWholeChain runs a surface and rewrites its started event to hand
// the runtime the whole chain: the same landing, a different hand-off.
type handsWholeChain struct {
	harness.Surface
	chain resolver.Chain
}

func (s handsWholeChain) Start(ctx context.Context, c harness.Case) (harness.Outcome, error) {
	o, err := s.Surface.Start(ctx, c)
	for i := range o.Events {
		if o.Events[i].Event == harness.EventStarted {
			o.Events[i].Remaining = &s.chain
		}
	}
	return o, err
}

// TestRunParityComparesRemaining: surfaces that land on the same entry but
// hand the runtime different chains disagree (R14 differs between them).
func TestRunParityComparesRemaining(t *testing.T) {
	sub := referenceSubject(t, reference.Options{})
	whole := resolver.Chain{{Provider: "openai-codex", Model: "gpt-5.5"}, {Provider: "anthropic", Model: "claude-opus-4-7"}}
	sub.Surfaces[harness.Gateway] = handsWholeChain{Surface: sub.Surfaces[harness.Gateway], chain: whole}
	rep := mustRun(t, gate.Config{Subject: sub, Scenarios: []harness.Scenario{checkScenario(t, "SF-2", nil)}, Seed: 7})
	if len(rep.Parity) != 1 || !strings.Contains(rep.Parity[0].Message, "gateway: landed 0 on openai-codex/gpt-5.5 with remaining [openai-codex/gpt-5.5, anthropic/claude-opus-4-7]") {
		t.Errorf("Parity = %v; want one divergence naming the gateway's remaining chain", rep.Parity)
	}
}
