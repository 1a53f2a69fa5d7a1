package chaos

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"sync"
	"time"

	"github.com/fallbackgate/fallbackgate/fakes"
	"github.com/fallbackgate/fallbackgate/harness"
	"github.com/fallbackgate/fallbackgate/harness/gate"
	"github.com/fallbackgate/fallbackgate/harness/prop"
	"github.com/fallbackgate/fallbackgate/resolver"
)

// This file is the chaos driver: many concurrent start-ups, turn after
// turn, while a seeded schedule changes the fleet under them (tokens
// expire and vanish, logins are revoked, 429 bursts come and go, providers
// reset connections or hang). Each start-up gets its own fleet holding the
// plans in force at its moment, so that every provider call is attributed
// to exactly one start-up; a change that lands in the middle of a
// start-up is a plan that switches after its first call ("ok -> missing").
// Every start-up is judged against the model (Check) and the model-free
// invariants, and written to a history that CheckHistory re-checks.

// chaosProviders are the providers of a chaos run, the incident's three.
var chaosProviders = []string{"xai-oauth", "openai-codex", "anthropic"}

// Config is one chaos run.
type Config struct {
	// Subject is the subject under chaos. Its surfaces are reached through
	// loopback fakes, or, with InProcess, bound to in-process fakes behind
	// a router (they must be harness.Bindable) on virtual time.
	Subject   *harness.Subject
	InProcess bool
	// Surface is Oneshot or Gateway.
	Surface string
	// Sessions is how many start-ups run at once each turn (gateway
	// sessions or oneshot workers); 0 means 8.
	Sessions int
	// Turns is how many turns each session starts up; 0 means 20.
	Turns int
	Seed  int64
	// Hang lets the schedule make providers hang (each hang costs the
	// request bound: cut at once in-process, the subject's own timeout
	// over exec).
	Hang bool
	// Tick is the time between turns; 0 means 10s (virtual in-process).
	Tick time.Duration
	// History receives the JSON-lines history; nil discards it.
	History io.Writer
	// OnTurn, when set, is called after each turn with the report so far.
	OnTurn func(turn int, rep *Report)
	// Known, when set, accepts known failures (an expectations file): a
	// start-up whose every violation it accepts is no problem.
	Known harness.KnownFunc
	// Shard, when set, runs only the start-ups the shard holds: start-up
	// t*Sessions+s (turn t, session s) when Shard.Has of it. Every shard
	// draws the whole schedule and every session's case, so that each
	// start-up it runs is the one the whole run starts. The zero Shard runs
	// them all. A shard that met no fault is not vacuous on its own: the
	// shards' faults together decide.
	Shard harness.Shard
}

// Report is the outcome of a chaos run.
type Report struct {
	Info     RunInfo
	Startups int
	Failed   int
	// Known counts the start-ups that broke known rules only
	// (Config.Known).
	Known int
	// FellBack, Pinned and RateLimited count start-ups by what the model
	// expected.
	FellBack, Pinned, RateLimited int
	// Faults counts provider calls that met a fault, by outcome.
	Faults map[string]int
	// Changes counts the schedule's fleet changes.
	Changes int
	// Problems lists every violation in history order.
	Problems []Problem
	// First is the first failing start-up whose expected outcome is a
	// failure (the likeliest cause of a crash), else the first failing
	// one; nil when none failed.
	First   *StartupRecord
	Elapsed time.Duration
	// Coverage counts, per rule, the start-ups that exercised it
	// (prop.Exercised). The schedule's configurations never leave the
	// chain empty or carry a base URL, so some rules stay unexercised: the
	// report names them; it does not fail the run.
	Coverage *prop.Coverage
}

// OK reports whether every start-up conformed and the run injected at
// least one fault.
func (r *Report) OK() bool { return len(r.Problems) == 0 && len(r.Faults) > 0 }

// Vacuous reports whether the run injected no fault at all.
func (r *Report) Vacuous() bool { return len(r.Faults) == 0 }

// Problem is one violation a chaos run or a history check found: the
// start-up it concerns ("t5/s1"; "" for the run as a whole, such as the
// gateway's shutdown) and the violation, citing its rule.
type Problem struct {
	Startup string `json:"startup,omitempty"`
	harness.Violation
}

// String reads "t5/s1: R7: quota amplification: …", or without the
// start-up for a problem of the whole run.
func (p Problem) String() string {
	if p.Startup == "" {
		return p.Violation.String()
	}
	return p.Startup + ": " + p.Violation.String()
}

// RuleVacuous is the rule of the problem of a chaos run or history that
// injected no fault: it proves nothing.
const RuleVacuous = "vacuous"

// shutdownProblem is the problem of a gateway that did not shut down
// cleanly.
func shutdownProblem(err string) Problem {
	return Problem{Violation: harness.Violation{Rule: "R17", Message: err}}
}

// VacuousProblem is the problem of a chaos run or history that met no
// fault (for a sharded run: that no shard met one).
var VacuousProblem = Problem{Violation: harness.Violation{Rule: RuleVacuous, Message: "no provider call met a fault; the run injected nothing"}}

// chaosEvent is one kind of change the schedule makes to a provider.
type chaosEvent struct {
	fault fakes.Fault
	burst bool // comes and goes: recovers after a few turns
	note  string
}

func chaosEvents(hang bool) []chaosEvent {
	ev := []chaosEvent{
		{fakes.Fault{Kind: fakes.Missing}, false, "access token vanished"},
		{fakes.Fault{Kind: fakes.Expired}, false, "token expired, refresh failed"},
		{fakes.Fault{Kind: fakes.Revoked}, false, "login revoked"},
		{fakes.Fault{Kind: fakes.LoggedOut}, false, "logged out"},
		{fakes.Fault{Kind: fakes.RateLimited, RetryAfter: 30 * time.Second}, true, "429 burst"},
		{fakes.Fault{Kind: fakes.RateLimited, RetryAfter: 5 * time.Second}, true, "429 burst"},
		{fakes.Fault{Kind: fakes.Reset}, true, "connections reset"},
		{fakes.Fault{Kind: fakes.Unavailable}, true, "outage"},
		{fakes.Fault{}, false, "logged in again"},
		{fakes.Fault{}, false, "logged in again"},
	}
	if hang {
		ev = append(ev, chaosEvent{fakes.Fault{Kind: fakes.Hang}, true, "hangs"})
	}
	return ev
}

// chaosRun is the state of one run.
type chaosRun struct {
	cfg      Config
	timeout  time.Duration
	start    time.Time
	rng      *rand.Rand
	router   *gate.Router // in-process: every start-up's fleet at a host of its own, one gateway for every session
	history  io.Writer
	state    map[string]fakes.Fault
	recovery map[string]int
}

// Run runs a chaos schedule and returns its report. Contract violations
// are in the report; the error is for failures of the harness itself (a
// history that cannot be written, a fleet that cannot start).
func Run(ctx context.Context, cfg Config) (*Report, error) {
	if cfg.Sessions <= 0 {
		cfg.Sessions = 8
	}
	if cfg.Turns <= 0 {
		cfg.Turns = 20
	}
	if cfg.Tick <= 0 {
		cfg.Tick = 10 * time.Second
	}
	if cfg.Surface != harness.Oneshot && cfg.Surface != harness.Gateway {
		return nil, fmt.Errorf("chaos: surface %q: want %s or %s", cfg.Surface, harness.Oneshot, harness.Gateway)
	}
	surf, ok := cfg.Subject.Surfaces[cfg.Surface]
	if !ok {
		return nil, fmt.Errorf("chaos: subject %s does not implement the %s surface", cfg.Subject.Name, cfg.Surface)
	}
	r := &chaosRun{cfg: cfg, rng: rand.New(rand.NewPCG(uint64(cfg.Seed), 0xc4a05)), history: cfg.History,
		state: map[string]fakes.Fault{}, recovery: map[string]int{}, start: time.Now(), timeout: harness.DefaultRequestTimeout}
	info := RunInfo{Subject: cfg.Subject.Name, Profile: cfg.Subject.Profile.Name, Surface: cfg.Surface, Sessions: cfg.Sessions,
		Turns: cfg.Turns, Seed: cfg.Seed, InProcess: cfg.InProcess, Shard: cfg.Shard.String()}
	if cfg.InProcess {
		if _, ok := surf.(harness.Bindable); !ok {
			return nil, fmt.Errorf("chaos: the %s surface of %s does not run in this process", cfg.Surface, cfg.Subject.Name)
		}
		r.timeout = gate.PropRequestTimeout
		r.router = gate.NewRouter()
	}
	info.RequestTimeout = r.timeout
	rep := &Report{Info: info, Faults: map[string]int{}, Coverage: prop.NewCoverage([]string{cfg.Surface})}
	if err := r.write(HistoryRecord{Kind: HistoryRun, Run: &info}); err != nil {
		return rep, err
	}
	for _, p := range chaosProviders {
		r.state[p] = fakes.Fault{}
	}
	events := chaosEvents(cfg.Hang)
	for turn := range cfg.Turns {
		if err := ctx.Err(); err != nil {
			return rep, r.interrupted(time.Duration(turn)*cfg.Tick, err)
		}
		at := time.Duration(turn) * cfg.Tick
		changed, prev := r.schedule(turn, events, at, rep)
		recs := make([]*StartupRecord, cfg.Sessions)
		wants := make([]harness.Expected, cfg.Sessions)
		errs := make([]error, cfg.Sessions)
		var wg sync.WaitGroup
		for s := range cfg.Sessions {
			sc := r.scenario(turn, s, changed, prev)
			if !cfg.Shard.Has(turn*cfg.Sessions + s) {
				continue // another shard's: drawn all the same, so that the draws after it are the whole run's
			}
			wg.Go(func() { recs[s], wants[s], errs[s] = r.startup(ctx, turn, s, sc, at) })
		}
		wg.Wait()
		if err := ctx.Err(); err != nil {
			// The turn's start-ups were cut short: none of them is a
			// verdict. The history says it ends here.
			return rep, r.interrupted(at, err)
		}
		for s, rec := range recs {
			if errs[s] != nil {
				return rep, fmt.Errorf("chaos: turn %d session %d: %w", turn, s, errs[s])
			}
			if rec == nil {
				continue // another shard's
			}
			r.tally(rep, rec, wants[s])
			if err := r.write(HistoryRecord{Kind: HistoryStartup, At: at, Startup: rec}); err != nil {
				return rep, err
			}
		}
		if cfg.OnTurn != nil {
			cfg.OnTurn(turn+1, rep)
		}
	}
	if r.router != nil {
		if err := r.router.Close(); err != nil {
			rep.Problems = append(rep.Problems, shutdownProblem(err.Error()))
			if err := r.write(HistoryRecord{Kind: HistoryShutdown, At: time.Duration(cfg.Turns) * cfg.Tick, Error: err.Error()}); err != nil {
				return rep, err
			}
		}
	}
	if rep.Vacuous() && cfg.Shard.Whole() {
		rep.Problems = append(rep.Problems, VacuousProblem)
	}
	rep.Elapsed = time.Since(r.start)
	return rep, nil
}

// schedule applies this turn's changes to the fleet's state: bursts that
// end, then (more often than not) one new event. It returns the provider
// changed by the new event, if any, and its fault before the change.
func (r *chaosRun) schedule(turn int, events []chaosEvent, at time.Duration, rep *Report) (string, fakes.Fault) {
	for _, p := range chaosProviders {
		if end, ok := r.recovery[p]; ok && end == turn {
			delete(r.recovery, p)
			r.state[p] = fakes.Fault{}
			rep.Changes++
			r.write(HistoryRecord{Kind: HistoryFleet, At: at, Provider: p, Plan: "ok", Note: "burst over"})
		}
	}
	if r.rng.IntN(10) >= 6 {
		return "", fakes.Fault{}
	}
	p := chaosProviders[r.rng.IntN(len(chaosProviders))]
	ev := events[r.rng.IntN(len(events))]
	prev := r.state[p]
	r.state[p] = ev.fault
	delete(r.recovery, p)
	if ev.burst {
		r.recovery[p] = turn + 1 + r.rng.IntN(3)
	}
	rep.Changes++
	r.write(HistoryRecord{Kind: HistoryFleet, At: at, Provider: p, Plan: fakes.Plan{Resolve: []fakes.Step{{Fault: ev.fault, Count: 1}}}.String(), Note: ev.note})
	return p, prev
}

// scenario is session s's case at this turn: the session's configuration
// (primaries rotate over the providers; even sessions repeat the primary
// at the end of the chain; every fourth session is pinned) and the plans in
// force. Some sessions meet the turn's change mid-start-up: their first
// call to the changed provider still sees the old fault.
func (r *chaosRun) scenario(turn, s int, changed string, prev fakes.Fault) harness.Scenario {
	primary := chaosProviders[s%len(chaosProviders)]
	cfg := harness.CaseConfig{Model: harness.PrimaryConfig{Provider: primary, Default: fakes.DefaultModel(primary)}, FallbackProviders: []harness.ConfigEntry{}}
	for _, p := range chaosProviders {
		if p != primary {
			cfg.FallbackProviders = append(cfg.FallbackProviders, harness.ConfigEntry{Entry: resolver.Entry{Provider: p, Model: fakes.DefaultModel(p)}})
		}
	}
	if s%2 == 0 {
		cfg.FallbackProviders = append(cfg.FallbackProviders, harness.ConfigEntry{Entry: resolver.Entry{Provider: primary, Model: fakes.DefaultModel(primary)}, Shorthand: true})
	}
	sc := harness.Scenario{ID: fmt.Sprintf("chaos-t%d-s%d", turn, s), Name: "chaos start-up", Config: cfg, Prompt: harness.DefaultPrompt,
		Faults: map[string]string{}, Source: "chaos"}
	if s%4 == 3 {
		sc.Pin.Model = fakes.DefaultModel(primary)
	}
	midRun := changed != "" && r.rng.IntN(3) == 0
	for _, p := range chaosProviders {
		steps := []fakes.Step{{Fault: r.state[p], Count: 1}}
		if midRun && p == changed {
			steps = []fakes.Step{{Fault: prev, Count: 1}, {Fault: r.state[p], Count: 1}}
		}
		sc.Faults[p] = fakes.Plan{Resolve: steps}.String()
	}
	return sc
}

// startup runs one start-up through the gate's pipeline, on its own fleet,
// and records it with its verdict: the model's judgement and the
// model-free invariants.
func (r *chaosRun) startup(ctx context.Context, turn, session int, sc harness.Scenario, at time.Duration) (*StartupRecord, harness.Expected, error) {
	id := fmt.Sprintf("t%d/s%d", turn, session)
	hooks := gate.Hooks{Transport: gate.Loopback, RequestTimeout: r.timeout, NoHandoff: true}
	offset := time.Since(r.start)
	if r.cfg.InProcess {
		// Virtual time: the start-up happens at its turn's tick, and the
		// model cuts hangs at once as the router does.
		hooks.Clock, hooks.CutHangs = fakes.NewManualClock(harness.Epoch.Add(at)), true
		hooks.Transport = r.router.Transport(fmt.Sprintf("t%d-s%d.chaos.invalid", turn, session))
		offset = at
	}
	p, err := gate.Prepare(ctx, gate.Setup{Subject: r.cfg.Subject, Scenario: sc, Seed: harness.SeedFor(r.cfg.Seed, id), RunSeed: r.cfg.Seed, Hooks: hooks})
	if err != nil {
		return nil, harness.Expected{}, err
	}
	res, err := p.Run(ctx, r.cfg.Surface)
	if err != nil {
		return nil, p.Expected(), err
	}
	rec := &StartupRecord{ID: id, Session: session, Turn: turn, Config: sc.Config, Pin: sc.Pin, Faults: sc.Faults, Result: res}
	if r.cfg.Surface == harness.Gateway {
		// The reply's id and session, and the raw reply line, name the
		// order in which concurrent requests reached the gateway; leave
		// them out so that the same seed writes the same history.
		o := &rec.Result.Outcome
		o.Stdout = ""
		if o.Reply != nil {
			rp := *o.Reply
			rp.ID, rp.Session = "", ""
			o.Reply = &rp
		}
		o.Events = slices.Clone(o.Events)
		for i := range o.Events {
			o.Events[i].ID = ""
		}
	}
	rec.Result.Ledger = make([]fakes.Call, 0, len(res.Ledger))
	for _, c := range res.Ledger {
		c.At += offset
		rec.Result.Ledger = append(rec.Result.Ledger, c)
	}
	rec.Result.Violations = withInvariants(rec.Result.Violations, rec, r.cfg.Surface, r.cfg.Subject.Profile)
	rec.Result.Status = harness.StatusPass
	if len(rec.Result.Violations) > 0 {
		rec.Result.Status = harness.StatusFail
	}
	return rec, p.Expected(), nil
}

func (r *chaosRun) tally(rep *Report, rec *StartupRecord, want harness.Expected) {
	rep.Startups++
	rep.Coverage.Add(harness.Scenario{Config: rec.Config, Pin: rec.Pin, Faults: rec.Faults}, want, []harness.Result{rec.Result})
	for _, c := range prop.CategoriesOf(want) {
		switch c {
		case prop.FellBack:
			rep.FellBack++
		case prop.Pinned:
			rep.Pinned++
		case prop.RateLimited:
			rep.RateLimited++
		}
	}
	countFaults(rep.Faults, rec.Result.Ledger)
	if rec.Result.ApplyKnown(r.cfg.Known) {
		rep.Known++
	}
	if rec.Result.Failed() {
		if rep.First == nil || (rep.First.Result.Expected.Error == "" && rec.Result.Expected.Error != "" && rep.First.Turn == rec.Turn) {
			rep.First = rec
		}
		rep.Failed++
		for _, v := range rec.Result.Violations {
			rep.Problems = append(rep.Problems, Problem{Startup: rec.ID, Violation: v})
		}
	}
}

// countFaults counts in faults, by what the fakes served, the calls of
// ledger that met a fault: a run's and its history check's count alike.
func countFaults(faults map[string]int, ledger []fakes.Call) {
	for _, c := range ledger {
		if c.Served != fakes.ServedOK {
			faults[string(c.Served)]++
		}
	}
}

// interrupted ends the history with an "interrupted" line and returns
// cause, the context's error.
func (r *chaosRun) interrupted(at time.Duration, cause error) error {
	if err := r.write(HistoryRecord{Kind: HistoryInterrupted, At: at, Note: "the run was interrupted; the start-ups of this turn were not judged"}); err != nil {
		return errors.Join(cause, err)
	}
	return cause
}

func (r *chaosRun) write(rec HistoryRecord) error {
	if r.history == nil {
		return nil
	}
	b, err := json.Marshal(rec)
	if err != nil {
		return err
	}
	// Every line through the one redactor: a history is an artifact.
	_, err = r.history.Write(append(fakes.RedactBytes(b), '\n'))
	return err
}
