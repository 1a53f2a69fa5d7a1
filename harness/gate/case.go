package gate

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/fallbackgate/fallbackgate/fakes"
	"github.com/fallbackgate/fallbackgate/harness"
	"github.com/fallbackgate/fallbackgate/harness/model"
)

// Setup is one case to run, apart from its surface: a scenario on a
// subject, the seed of its fakes and the hooks that change how it runs.
type Setup struct {
	Subject  *harness.Subject
	Scenario harness.Scenario
	// Seed seeds the case's fakes (their secrets).
	Seed int64
	// RunSeed is the seed of the run the case belongs to, which its
	// reproduce command names; zero means Seed.
	RunSeed int64
	Hooks   Hooks
}

// Hooks change how a case runs. The zero value is the gate's own: the real
// clock, the fakes on loopback, a hang waited out, the runtime hand-off
// checked whenever the subject has that capability.
type Hooks struct {
	// Clock drives the case's fakes and the model's (token expiry, "until"
	// steps, ledger offsets); nil means the real clock.
	Clock fakes.Clock
	// Start is the fakes' start on Clock (fakes.Config.Start): a case run
	// late on a shared virtual clock meets the plans as they stand then.
	// Zero means the clock's now.
	Start time.Time
	// Transport connects the case's fakes to the surface; nil means
	// Loopback.
	Transport Transport
	// CutHangs makes the model fail a request that meets a hang at once,
	// as the Bound transport does for an in-process surface; without it
	// the model waits RequestTimeout, as a subject process does.
	CutHangs bool
	// RequestTimeout bounds each of the model's requests; zero means
	// harness.DefaultRequestTimeout.
	RequestTimeout time.Duration
	// Drift, when set, rewrites the subject's config.yaml during the
	// start-up and checks that the chain was read once (R1).
	Drift *Drift
	// NoHandoff never adds the runtime hand-off check (chaos, the incident
	// replay and drift judge the start-up alone).
	NoHandoff bool
}

// PropRequestTimeout bounds each request of an in-process case, for the
// model and the surface alike. A hanging fake is cut short at once (Bound);
// this bound is only a safety net.
const PropRequestTimeout = 2 * time.Second

// InProcess are the hooks of a case whose surface runs in this process:
// its fakes on clock, reached without sockets (Bound), hangs cut at once
// for the model and the surface alike. The same case and seed give the same
// result and ledger, byte for byte.
func InProcess(clock fakes.Clock) Hooks {
	return Hooks{Clock: clock, Transport: Bound, CutHangs: true, RequestTimeout: PropRequestTimeout}
}

// Prepared is a case the model has predicted, ready to run on any surface
// of its subject. Prepare predicts once; Run runs and judges.
type Prepared struct {
	setup Setup
	// sc is the scenario as run: with the hand-off check when it applies.
	sc   harness.Scenario
	want harness.Expected
	// specs are the fleet's providers with their parsed plans, read once.
	specs   []fakes.Provider
	handoff bool
	// expected and trace are the prediction as every result shows it.
	expected harness.Summary
	trace    []string
}

// Prepare asks the model what the case must produce for the subject's
// profile. When the subject has the runtime-fallback capability and the
// start-up lands with a remaining chain, the case also checks the hand-off
// end to end: the landed provider's first completion fails, and the
// runtime must move to remaining[0] (skipped when the model's own runtime
// cannot complete the hand-off). The error is for a scenario the model
// cannot run.
func Prepare(ctx context.Context, s Setup) (*Prepared, error) {
	if s.RunSeed == 0 {
		s.RunSeed = s.Seed
	}
	p := &Prepared{setup: s, sc: s.Scenario}
	opts := model.Options{Clock: s.Hooks.Clock, Start: s.Hooks.Start, RequestTimeout: s.Hooks.RequestTimeout, CutHangs: s.Hooks.CutHangs}
	var err error
	if p.want, err = model.Predict(ctx, p.sc, s.Subject.Profile, s.Seed, opts); err != nil {
		return nil, err
	}
	if !s.Hooks.NoHandoff && slices.Contains(s.Subject.Capabilities, harness.CapabilityRuntimeFallback) &&
		p.want.Err == nil && len(p.want.Decision.Remaining) > 0 {
		hsc := p.sc.WithHandoff(p.want.Decision.Landing(p.want.Request).Provider)
		if hw, herr := model.Predict(ctx, hsc, s.Subject.Profile, s.Seed, opts); herr == nil {
			p.want, p.sc, p.handoff = hw, hsc, true
		}
	}
	if p.specs, err = p.sc.FakeProviders(); err != nil {
		return nil, err
	}
	p.expected = harness.ExpectedSummary(p.want)
	for _, st := range p.want.Decision.Trace {
		p.trace = append(p.trace, st.String())
	}
	return p, nil
}

// Expected returns the model's prediction.
func (p *Prepared) Expected() harness.Expected { return p.want }

// Scenario returns the scenario as it runs: with the hand-off check when it
// applies.
func (p *Prepared) Scenario() harness.Scenario { return p.sc }

// Run runs the case on surface with a fleet of its own and judges it: the
// one path from a case to a result of every stage. A surface the subject
// does not implement gives a result with harness.StatusNotImplemented;
// bad usage runs on the gateway too (contract 1.1: a failed reply of class
// other, before any resolve). The error is for failures of the harness
// itself; contract violations are in the Result.
func (p *Prepared) Run(ctx context.Context, surface string) (harness.Result, error) {
	s, h := p.setup, p.setup.Hooks
	res := harness.Result{Scenario: s.Scenario.ID, ScenarioName: s.Scenario.Name, Source: s.Scenario.Source, Surface: surface, Subject: s.Subject.Name,
		Profile: s.Subject.Profile.Name, Seed: s.Seed, Repro: reproCommand(s.Subject, []harness.Scenario{s.Scenario}, surface, s.RunSeed),
		Handoff: p.handoff, Expected: p.expected, Trace: p.trace}
	surf, ok := s.Subject.Surfaces[surface]
	if !ok {
		res.Status = harness.StatusNotImplemented
		return res, nil
	}
	fleet, err := fakes.NewFleet(fakes.Config{Providers: p.specs, Seed: s.Seed, Clock: h.Clock, Start: h.Start})
	if err != nil {
		return res, err
	}
	defer fleet.Close()
	transport := h.Transport
	if transport == nil {
		transport = Loopback
	}
	conn, err := transport(fleet, surf)
	if err != nil {
		return res, err
	}
	c := p.sc.Case(surface, conn.URLs)
	c.RequestTimeoutMS = int(requestTimeout(h) / time.Millisecond)
	var drift *drifting
	if h.Drift != nil {
		if drift, err = h.Drift.start(p.want, c); err != nil {
			conn.release()
			return res, err
		}
		defer drift.cleanup()
		c.Providers, c.Home = drift.urls, drift.home
	}
	start := time.Now()
	out, err := conn.Surface.Start(ctx, c)
	res.Duration = time.Since(start)
	if rerr := conn.release(); err == nil && rerr != nil && out.Failure == "" {
		out.Failure = rerr.Error()
	}
	if err != nil {
		return res, err
	}
	var extra harness.Violations
	if drift != nil {
		if extra, err = drift.judge(p.want, out); err != nil {
			return res, err
		}
	}
	judge(&res, p.want, out, fleet, extra)
	return res, nil
}

// RunCase prepares the case and runs it on one surface: Prepare, then Run.
func RunCase(ctx context.Context, s Setup, surface string) (harness.Result, error) {
	p, err := Prepare(ctx, s)
	if err != nil {
		return harness.Result{}, err
	}
	return p.Run(ctx, surface)
}

// judge checks what the surface did against the model's expectation and
// the fleet's ledger (extra are violations a hook found first), and fills
// res with the observation, redacted, and the status.
func judge(res *harness.Result, want harness.Expected, out harness.Outcome, fleet *fakes.Fleet, extra harness.Violations) {
	obs := harness.Observation{Outcome: out, Calls: fleet.Ledger().Calls(), Secrets: fleet.Secrets()}
	vs := append(extra, harness.AsViolations(model.Check(want, obs))...)
	if stray := fleet.Err(); stray != nil {
		vs = append(vs, harness.Violation{Rule: "protocol", Message: "requests that reached no fake: " + strings.ReplaceAll(stray.Error(), "\n", "; ")})
	}
	res.Status = harness.StatusPass
	if len(vs) > 0 {
		res.Status = harness.StatusFail
	}
	res.Ledger = obs.Calls
	// Redact last, so that no result carries a secret whatever the
	// subject printed (R16 is judged above), and before clipping, so that
	// a cut leaves no prefix of a key: the outcome, every message quoting
	// it, and what the observation summary took from the events.
	res.Violations = redactViolations(vs)
	res.Outcome = harness.RedactOutcome(out, obs.Secrets)
	res.Outcome.Stdout, res.Outcome.Stderr = clipOutput(res.Outcome.Stdout), clipOutput(res.Outcome.Stderr)
	res.Observed = redactSummary(harness.ObservedSummary(out))
}

func redactViolations(vs harness.Violations) harness.Violations {
	for i := range vs {
		vs[i].Message = fakes.Redact(vs[i].Message)
	}
	return vs
}

func redactSummary(s harness.Summary) harness.Summary {
	s.Provider, s.Model, s.Error = fakes.Redact(s.Provider), fakes.Redact(s.Model), fakes.Redact(s.Error)
	s.Remaining = slices.Clone(s.Remaining)
	for i, r := range s.Remaining {
		s.Remaining[i] = fakes.Redact(r)
	}
	return s
}

// clipOutput keeps at most 4 KiB of what a subject wrote for the reports:
// its first KiB and its last 3, so that neither an error printed first (a
// Go panic) nor one printed last (a Python traceback) is lost, with a line
// between them that says how much was left out.
func clipOutput(s string) string {
	const head, tail = 1024, 3072
	if len(s) <= head+tail {
		return s
	}
	h, t := head, len(s)-tail
	if i := strings.LastIndexByte(s[:h], '\n'); i > 0 {
		h = i + 1 // cut between lines where there is one
	}
	if i := strings.IndexByte(s[t:], '\n'); i >= 0 && i < tail-1 {
		t += i + 1
	}
	for h > 0 && !utf8.RuneStart(s[h]) {
		h--
	}
	for t < len(s) && !utf8.RuneStart(s[t]) {
		t++
	}
	return s[:h] + fmt.Sprintf("… (%d bytes not kept) …\n", t-h) + s[t:]
}

// requestTimeout is the bound on each request to a fake that the case
// names (request_timeout_ms) and the model keeps: the hooks' or
// harness.DefaultRequestTimeout.
func requestTimeout(h Hooks) time.Duration {
	if h.RequestTimeout > 0 {
		return h.RequestTimeout
	}
	return harness.DefaultRequestTimeout
}
