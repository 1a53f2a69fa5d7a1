package gate_test

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/fallbackgate/fallbackgate/fakes"
	"github.com/fallbackgate/fallbackgate/harness"
	"github.com/fallbackgate/fallbackgate/harness/gate"
	"github.com/fallbackgate/fallbackgate/harness/model"
	"github.com/fallbackgate/fallbackgate/harness/reference"
	"github.com/fallbackgate/fallbackgate/scenarios"
)

// bindRecorder is an in-process surface that records the provider URLs
// of every case its bound copies run.
type bindRecorder struct {
	harness.Bindable
	mu   *sync.Mutex
	urls *[]map[string]string
}

func (r bindRecorder) Bind(client *http.Client) harness.Surface {
	return boundRecorder{Surface: r.Bindable.Bind(client), rec: r}
}

type boundRecorder struct {
	harness.Surface
	rec bindRecorder
}

func (b boundRecorder) Start(ctx context.Context, c harness.Case) (harness.Outcome, error) {
	b.rec.mu.Lock()
	*b.rec.urls = append(*b.rec.urls, c.Providers)
	b.rec.mu.Unlock()
	return b.Surface.Start(ctx, c)
}

// Close closes the bound surface (an in-process gateway), as Bound does.
func (b boundRecorder) Close() error {
	if c, ok := b.Surface.(io.Closer); ok {
		return c.Close()
	}
	return nil
}

// notBindable hides a surface's Bind method.
type notBindable struct{ harness.Surface }

// TestInProcessHooks: gate.InProcess runs a case on in-process fakes at
// http://fakes.invalid (a host no socket can reach) through the bound
// surface, and cuts a hang at once for the model and the surface alike:
// both see the primary's hang as a non-auth error and surface it (R5), the
// ledger holds the one hanging resolve, and the surface's error is the
// gate's hang cut (gate.ErrHangCut), not a timeout. The same case and
// seed give the same result and ledger, byte for byte.
func TestInProcessHooks(t *testing.T) {
	ctx := context.Background()
	hang := checkScenario(t, "SF-2", func(s *harness.Scenario) { s.Faults["xai-oauth"] = "hang" })
	for _, tc := range []struct {
		name     string
		scenario harness.Scenario
		// landed is where the start-up lands; nil for a failed one.
		landed *int
		// hang is set when the primary hangs.
		hang bool
	}{
		{name: "SF-2", scenario: checkScenario(t, "SF-2", nil), landed: ptrTo(0)},
		{name: "SF-2 with a hanging primary", scenario: hang, hang: true},
	} {
		for _, surface := range harness.Surfaces {
			t.Run(tc.name+"/"+surface, func(t *testing.T) {
				run := func() (harness.Result, []map[string]string) {
					t.Helper()
					sub := referenceSubject(t, reference.Options{})
					var (
						mu   sync.Mutex
						urls []map[string]string
					)
					sub.Surfaces[surface] = bindRecorder{Bindable: sub.Surfaces[surface].(harness.Bindable), mu: &mu, urls: &urls}
					res, err := gate.RunCase(ctx, gate.Setup{Subject: sub, Scenario: tc.scenario, Seed: 21,
						Hooks: gate.InProcess(fakes.NewManualClock(harness.Epoch))}, surface)
					if err != nil {
						t.Fatalf("RunCase: %v", err)
					}
					return res, urls
				}
				res, urls := run()
				if res.Status != harness.StatusPass {
					t.Fatalf("status %s; want pass\n%v\nfailure %q", res.Status, res.Violations, res.Outcome.Failure)
				}
				if len(urls) != 1 {
					t.Fatalf("the bound surface ran %d case(s); want 1 (was the surface bound?)", len(urls))
				}
				for p, u := range urls[0] {
					if pu, err := url.Parse(u); err != nil || pu.Scheme != "http" || pu.Host != "fakes.invalid" || pu.Path != "/p/"+p {
						t.Errorf("provider %s at %q; want http://fakes.invalid/p/%s", p, u, p)
					}
				}
				if len(res.Ledger) == 0 {
					t.Error("empty ledger: no request reached the in-process fakes")
				}
				if diff := cmp.Diff(tc.landed, res.Observed.Landed); diff != "" {
					t.Errorf("observed landing (-want +got):\n%s", diff)
				}
				if diff := cmp.Diff(res.Expected.Landed, res.Observed.Landed); diff != "" {
					t.Errorf("the model and the surface landed differently (-model +surface):\n%s", diff)
				}
				if tc.hang {
					wantLedger := []fakes.Call{{Seq: 1, Provider: "xai-oauth", Endpoint: fakes.EndpointResolve, Model: ptrTo("grok-4.3"), Served: fakes.ServedHang, Fault: "hang"}}
					if diff := cmp.Diff(wantLedger, res.Ledger); diff != "" {
						t.Errorf("ledger (-want +got):\n%s", diff)
					}
					for who, s := range map[string]harness.Summary{"model": res.Expected, "surface": res.Observed} {
						if !strings.HasPrefix(s.Error, "other: xai-oauth: ") || !strings.Contains(s.Error, "the provider hangs (cut short") {
							t.Errorf("the %s surfaced %q; want the primary's hang, cut short, as a non-auth error", who, s.Error)
						}
					}
					if !strings.Contains(res.Observed.Error, gate.ErrHangCut.Error()) {
						t.Errorf("the surface surfaced %q; want the gate's hang cut %q", res.Observed.Error, gate.ErrHangCut)
					}
				}

				again, _ := run()
				if diff := cmp.Diff(res.Ledger, again.Ledger); diff != "" {
					t.Errorf("the same case and seed gave another ledger (-first +second):\n%s", diff)
				}
				if diff := cmp.Diff(res, again, cmpopts.IgnoreFields(harness.Result{}, "Duration")); diff != "" {
					t.Errorf("the same case and seed gave another result (-first +second):\n%s", diff)
				}
			})
		}
	}
}

// TestInProcessNeedsBindableSurface: the Bound transport cannot reach
// in-process fakes from a surface that does not run in this process.
func TestInProcessNeedsBindableSurface(t *testing.T) {
	sub := referenceSubject(t, reference.Options{})
	sub.Surfaces[harness.Oneshot] = notBindable{sub.Surfaces[harness.Oneshot]}
	_, err := gate.RunCase(context.Background(), gate.Setup{Subject: sub, Scenario: checkScenario(t, "SF-1", nil), Seed: 1,
		Hooks: gate.InProcess(fakes.NewManualClock(harness.Epoch))}, harness.Oneshot)
	if err == nil || !strings.Contains(err.Error(), "the oneshot surface does not run in this process") {
		t.Errorf("RunCase = %v; want the error that the surface cannot be bound", err)
	}
}

// TestHandoffHook: the runtime hand-off is checked end to end when the
// subject has the runtime-fallback capability and the start-up lands with a
// remaining chain: the landed provider's first completion fails ("500 ->
// ok") and the runtime must move on. Hooks.NoHandoff never adds it.
func TestHandoffHook(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name      string
		id        string
		opts      reference.Options
		noHandoff bool
		// landedOn is the provider whose plan gets the failing completion;
		// "" when the case must not check the hand-off.
		landedOn string
	}{
		{name: "landed on the primary with a chain left", id: "SF-1", landedOn: "xai-oauth"},
		{name: "landed on a chain entry with a chain left", id: "SF-2", landedOn: "openai-codex"},
		{name: "NoHandoff", id: "SF-2", noHandoff: true},
		{name: "NoHandoff on the primary", id: "SF-1", noHandoff: true},
		{name: "without the capability", id: "SF-2", opts: reference.Options{NoRuntimeFallback: true}},
		{name: "landed on the last entry", id: "SF-3"},
		{name: "failed start-up", id: "SF-4"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sub := referenceSubject(t, tc.opts)
			sc := checkScenario(t, tc.id, nil)
			hooks := gate.InProcess(fakes.NewManualClock(harness.Epoch))
			hooks.NoHandoff = tc.noHandoff
			p, err := gate.Prepare(ctx, gate.Setup{Subject: sub, Scenario: sc, Seed: 3, Hooks: hooks})
			if err != nil {
				t.Fatal(err)
			}
			wantFaults := sc.Faults
			if tc.landedOn != "" {
				wantFaults = sc.WithHandoff(tc.landedOn).Faults
				if got := wantFaults[tc.landedOn]; !strings.HasSuffix(got, "completions: 500 -> ok") {
					t.Fatalf("WithHandoff(%s) gives the plan %q; want it to end with the failing completion", tc.landedOn, got)
				}
			}
			if diff := cmp.Diff(wantFaults, p.Scenario().Faults); diff != "" {
				t.Errorf("faults of the scenario as run (-want +got):\n%s", diff)
			}
			for _, surface := range harness.Surfaces {
				res, err := p.Run(ctx, surface)
				if err != nil {
					t.Fatal(err)
				}
				if res.Handoff != (tc.landedOn != "") || res.Status != harness.StatusPass {
					t.Errorf("%s: Handoff %t, status %s; want Handoff %t, pass\n%v", surface, res.Handoff, res.Status, tc.landedOn != "", res.Violations)
				}
				if tc.landedOn == "" {
					continue
				}
				// The landed runtime's completion failed, and the runtime
				// moved on to remaining[0].
				var failed bool
				for _, c := range res.Ledger {
					if c.Provider == tc.landedOn && c.Endpoint == fakes.EndpointCompletions && c.Status == http.StatusInternalServerError {
						failed = true
					}
				}
				if !failed {
					t.Errorf("%s: no failed completion of %s in the ledger:\n%v", surface, tc.landedOn, res.Ledger)
				}
				resolves, rem := model.Resolves(res.Ledger), res.Expected.Remaining
				if len(rem) == 0 || len(resolves) == 0 || resolves[len(resolves)-1] != rem[0] {
					t.Errorf("%s: resolves %v; want the hand-off to end on remaining[0] of %v", surface, resolves, rem)
				}
			}
		})
	}
}

// TestDriftHook: with the Drift hook, config.yaml is rewritten while the
// start-up runs (MX-1). The reference reads the chain once and passes; the
// mutant that reads it again for the hand-off fails R1 on the surfaces
// with a home folder (oneshot, cli). The gateway takes its config in the
// request and has no config.yaml to re-read, so it passes. The hook needs
// the fakes on loopback.
func TestDriftHook(t *testing.T) {
	ctx := context.Background()
	drifts := scenarios.Drift()
	if len(drifts) == 0 {
		t.Fatal("scenarios.Drift() is empty")
	}
	mutant, err := reference.MutantByName("reads-chain-twice")
	if err != nil {
		t.Fatal(err)
	}
	for _, ds := range drifts {
		for _, tc := range []struct {
			name string
			opts reference.Options
			// rules is the rules each surface breaks.
			rules map[string][]string
		}{
			{name: "reference", opts: reference.Options{}},
			{name: mutant.Name, opts: mutant.Options, rules: map[string][]string{harness.Oneshot: {"R1", "R14"}, harness.CLI: {"R1", "R14"}}},
		} {
			t.Run(ds.ID+"/"+tc.name, func(t *testing.T) {
				sub := referenceSubject(t, tc.opts)
				for _, surface := range harness.Surfaces {
					hooks := gate.Hooks{Drift: &gate.Drift{Config: ds.Drift}, NoHandoff: true}
					res, err := gate.RunCase(ctx, gate.Setup{Subject: sub, Scenario: ds.Scenario, Seed: 8, Hooks: hooks}, surface)
					if err != nil {
						t.Fatalf("%s: RunCase: %v", surface, err)
					}
					want := tc.rules[surface]
					if diff := cmp.Diff(want, res.Violations.Rules(), cmpopts.EquateEmpty()); diff != "" {
						t.Errorf("%s: rules broken (-want +got):\n%s\n%v", surface, diff, res.Violations)
					}
					wantStatus := harness.StatusPass
					if len(want) > 0 {
						wantStatus = harness.StatusFail
					}
					if res.Status != wantStatus {
						t.Errorf("%s: status %s; want %s", surface, res.Status, wantStatus)
					}
					if len(want) > 0 && !strings.Contains(res.Violations.Error(), "R1: remaining chain [xai-oauth/grok-4.3] comes from config.yaml as rewritten during the start-up") {
						t.Errorf("%s: violations\n%v\nwant R1 to name the chain read the second time", surface, res.Violations)
					}
					if res.Handoff {
						t.Errorf("%s: Handoff set under NoHandoff", surface)
					}
				}
			})
		}
		t.Run(ds.ID+"/in-process fakes", func(t *testing.T) {
			sub := referenceSubject(t, reference.Options{})
			hooks := gate.InProcess(fakes.NewManualClock(harness.Epoch))
			hooks.Drift, hooks.NoHandoff = &gate.Drift{Config: ds.Drift}, true
			_, err := gate.RunCase(ctx, gate.Setup{Subject: sub, Scenario: ds.Scenario, Seed: 8, Hooks: hooks}, harness.Oneshot)
			if err == nil || !strings.Contains(err.Error(), "drift: the fakes must be served on loopback") {
				t.Errorf("RunCase with Bound fakes = %v; want the drift hook to refuse them", err)
			}
		})
	}
}

// TestStartHook: a case whose fleet starts at Hooks.Start on a shared
// virtual clock meets the plans as they stand at the clock's now. The
// primary is healthy for 30s after the start, then its token is missing:
// 45s after the start both the model and the surface fall back.
func TestStartHook(t *testing.T) {
	ctx := context.Background()
	sc := checkScenario(t, "SF-2", func(s *harness.Scenario) { s.Faults["xai-oauth"] = "ok until 30s -> missing" })
	for _, tc := range []struct {
		name    string
		elapsed time.Duration // clock time passed since Start
		start   bool          // whether the hook sets Start (else the fleet starts now)
		landed  int
		served  fakes.Served
	}{
		{name: "no Start: the fleet starts now", elapsed: 45 * time.Second, landed: -1, served: fakes.ServedOK},
		{name: "started 20s ago", elapsed: 20 * time.Second, start: true, landed: -1, served: fakes.ServedOK},
		{name: "started 45s ago", elapsed: 45 * time.Second, start: true, landed: 0, served: fakes.ServedAuth},
	} {
		for _, surface := range harness.Surfaces {
			t.Run(tc.name+"/"+surface, func(t *testing.T) {
				sub := referenceSubject(t, reference.Options{})
				clock := fakes.NewManualClock(harness.Epoch)
				hooks := gate.InProcess(clock)
				if tc.start {
					hooks.Start = harness.Epoch
				}
				clock.Advance(tc.elapsed)
				res, err := gate.RunCase(ctx, gate.Setup{Subject: sub, Scenario: sc, Seed: 4, Hooks: hooks}, surface)
				if err != nil {
					t.Fatal(err)
				}
				if res.Status != harness.StatusPass {
					t.Errorf("status %s; want pass\n%v", res.Status, res.Violations)
				}
				for who, s := range map[string]harness.Summary{"model": res.Expected, "surface": res.Observed} {
					if s.Landed == nil || *s.Landed != tc.landed {
						t.Errorf("the %s decided %s; want landed %d", who, s, tc.landed)
					}
				}
				if len(res.Ledger) == 0 {
					t.Fatal("empty ledger")
				}
				first := res.Ledger[0]
				wantAt := time.Duration(0)
				if tc.start {
					wantAt = tc.elapsed
				}
				if first.Provider != "xai-oauth" || first.Endpoint != fakes.EndpointResolve || first.Served != tc.served || first.At != wantAt {
					t.Errorf("first call %v (at %v, %s); want xai-oauth resolve served %s at +%v", first, first.At, first.Served, tc.served, wantAt)
				}
			})
		}
	}
}
