package reports_test

import (
	"bytes"
	"context"
	"sync"
	"testing"
	"time"

	"github.com/fallbackgate/fallbackgate/fakes"
	"github.com/fallbackgate/fallbackgate/harness"
	"github.com/fallbackgate/fallbackgate/harness/gate"
	"github.com/fallbackgate/fallbackgate/harness/reference"
	"github.com/fallbackgate/fallbackgate/reports"
	"github.com/fallbackgate/fallbackgate/resolver"
	"github.com/fallbackgate/fallbackgate/scenarios"
)

// brokenRun runs every scenario on the in-process reference subject built
// with the upstream profile (walks the whole chain, even past a 429) while
// judging it as strict, so that some cases fail. It is run once and
// shared: every test gets its own copy of the results.
var brokenRun = sync.OnceValues(func() (*gate.Report, error) {
	sub := reference.Subject("broken", reference.Options{Profile: resolver.Upstream})
	sub.Profile = resolver.Strict
	defer sub.Close()
	sel, err := scenarios.Select(nil)
	if err != nil {
		return nil, err
	}
	return gate.Run(context.Background(), gate.Config{Subject: sub, Scenarios: sel, Seed: 7})
})

// broken returns the results of brokenRun judged with exp.
func broken(t *testing.T, exp *reports.Expectations) *reports.Results {
	t.Helper()
	rep, err := brokenRun()
	if err != nil {
		t.Fatalf("gate.Run: %v", err)
	}
	if _, failed, _ := harnessCounts(rep); failed == 0 {
		t.Fatal("the broken subject passed every case; the reports tests need a failure")
	}
	cp := *rep
	cp.Results = append([]harness.Result(nil), rep.Results...)
	return reports.New(&cp, exp)
}

// harnessCounts counts the cases of rep by the harness's own statuses, as
// the harness counted them before package reports took the counting over:
// a parity divergence is one failure more, and every status but pass and
// fail is skipped.
func harnessCounts(rep *gate.Report) (passed, failed, skipped int) {
	for _, r := range rep.Results {
		switch r.Status {
		case harness.StatusPass:
			passed++
		case harness.StatusFail:
			failed++
		default:
			skipped++
		}
	}
	return passed, failed + len(rep.Parity), skipped
}

// firstFailure returns the first failing case of r.
func firstFailure(t *testing.T, r *reports.Results) reports.CaseResult {
	t.Helper()
	for _, c := range r.Cases {
		if c.Judged() == harness.StatusFail {
			return c
		}
	}
	t.Fatal("no failing case")
	return reports.CaseResult{}
}

// render returns r in every format, by name.
func render(t *testing.T, r *reports.Results) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, f := range reports.Formats {
		var b bytes.Buffer
		if err := f.Write(&b, r); err != nil {
			t.Fatalf("%s: %v", f.Name, err)
		}
		out[f.Name] = b.String()
	}
	var b bytes.Buffer
	if err := reports.WriteText(&b, r); err != nil {
		t.Fatalf("text: %v", err)
	}
	out["text"] = b.String()
	return out
}

// handReport is a small report built by hand: SF-1 passes everywhere, SF-8
// fails R7 on the gateway, the cli is not implemented for SF-8, and the
// surfaces disagree on SF-8.
func handReport() *gate.Report {
	landed := 0
	pass := func(sc, name, surf string) harness.Result {
		return harness.Result{Scenario: sc, ScenarioName: name, Surface: surf, Subject: "hand", Profile: "strict", Seed: 1,
			Status: harness.StatusPass, Repro: "fallbackgate run --scenario " + sc + " --surface " + surf + " --seed 1",
			Expected: harness.Summary{Landed: &landed, Provider: "xai-oauth", Model: "grok-4.3"}, Observed: harness.Summary{Landed: &landed, Provider: "xai-oauth", Model: "grok-4.3"},
			Duration: 5 * time.Millisecond}
	}
	model := "gpt-5.5"
	fail := pass("SF-8", "rate-limited-primary", harness.Gateway)
	fail.Status = harness.StatusFail
	fail.Violations = harness.Violations{{Rule: "R7", Message: "quota amplification: 2 request(s) to xai-oauth after the primary's 429; want none"}}
	fail.Expected = harness.Summary{Error: "openai-codex codex_rate_limited", Exit: 75}
	fail.Trace = []string{"primary openai-codex/gpt-5.5: rate_limit; R7: primary rate-limited; not walking"}
	fail.Ledger = []fakes.Call{{Seq: 1, Provider: "openai-codex", Endpoint: "resolve", At: 3 * time.Millisecond, Model: &model, Status: 429, Served: fakes.ServedRateLimit, Code: "codex_rate_limited", Fault: "429(retry_after=30s)"}}
	fail.Outcome.Events = []harness.Event{{Event: harness.EventStarted, Provider: "xai-oauth", Model: "grok-4.3", LandedAt: &landed}}
	fail.Outcome.Reply = &harness.Reply{ID: "r1", Session: "s1", OK: true, Reply: "reply from xai-oauth/grok-4.3"}
	na := pass("SF-8", "rate-limited-primary", harness.CLI)
	na.Status = harness.StatusNotImplemented
	return &gate.Report{
		Subject: "hand", Profile: "strict", Seed: 1, Surfaces: harness.Surfaces,
		Started: time.Date(2026, 5, 4, 3, 2, 1, 0, time.UTC), Elapsed: time.Second,
		Results: []harness.Result{
			pass("SF-1", "primary-succeeds", harness.Oneshot), pass("SF-1", "primary-succeeds", harness.Gateway), pass("SF-1", "primary-succeeds", harness.CLI),
			pass("SF-8", "rate-limited-primary", harness.Oneshot), fail, na,
		},
		Parity: []harness.Violation{{Rule: "parity", Message: "SF-8: the surfaces decided differently (oneshot: failed: x; gateway: landed 0 on xai-oauth/grok-4.3)"}},
	}
}
