package incident

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/fallbackgate/fallbackgate/fakes"
	"github.com/fallbackgate/fallbackgate/harness"
	"github.com/fallbackgate/fallbackgate/harness/gate"
	"github.com/fallbackgate/fallbackgate/harness/reference"
)

// Incident is an incident replay file (scenarios/incidents, or a file of
// the user's; the README documents the format): a profile's configuration,
// fault plans on the dispatcher's virtual clock, the dispatcher that starts
// the workers, the pre-fix start-up (a mutant of the reference), and what
// "reproduced" and "holds" mean, as assertions on the timeline. Read it
// with ParseIncident.
type Incident struct {
	ID   string
	Name string
	Date string
	// Story is one paragraph: what happened, and why.
	Story  string
	Config harness.CaseConfig
	// Faults maps each provider to its plan; "until" offsets count from
	// the first worker's start on the virtual clock.
	Faults map[string]string
	// VanishesAt is when the incident's fault begins (a credential
	// vanishes, a quota wall rises), for the header; zero when the file
	// does not say.
	VanishesAt time.Duration
	Dispatcher struct {
		Workers   int
		Every     time.Duration
		Jitter    time.Duration
		Heartbeat Heartbeat
	}
	// PreFix names the reference mutant that is the pre-fix start-up
	// (reference.Mutants), e.g. "ignores-chain".
	PreFix string
	// Reproduced says what "the pre-fix side reproduces the incident"
	// means; Holds what "the contract holds" means. Neither is empty.
	Reproduced, Holds []Assertion
	// Source is the file it was read from.
	Source string
}

// scenario is the incident as a scenario, for its fleet.
func (inc Incident) scenario() harness.Scenario {
	return harness.Scenario{ID: inc.ID, Name: inc.Name, Config: inc.Config, Faults: inc.Faults, Prompt: harness.DefaultPrompt, Source: inc.Source}
}

// ReplaySide is one side of a replay: who ran the workers, what the
// dispatcher saw, and the verdict.
type ReplaySide struct {
	// Label says who ran the workers, e.g. "pre-fix: start-up ignores the
	// chain (mutant ignores-chain)".
	Label    string
	Timeline *Timeline
	// Checks are the side's assertions evaluated on its timeline, one
	// line of the verdict each: the incident's reproduced list on the
	// pre-fix side, its holds list on the contract's.
	Checks []Check
	// Verdict is one line; OK says whether the side did what it must: the
	// pre-fix side reproduce the incident (every reproduced assertion
	// held), the other side obey the contract (every holds assertion
	// held).
	Verdict string
	OK      bool
}

// Replay is an incident replayed against the pre-fix start-up and against
// the contract (the reference, or a subject's oneshot worker or gateway).
type Replay struct {
	Incident Incident
	Seed     int64
	// Surface is the surface the workers ran on: oneshot, or gateway
	// (each worker a session of one long-lived gateway).
	Surface string
	PreFix  ReplaySide
	Fixed   ReplaySide
}

// ReplayConfig says what to replay against.
type ReplayConfig struct {
	Seed int64
	// Surface is the surface of every worker: harness.Oneshot (the zero
	// value) or harness.Gateway, where each worker is one session of a
	// single long-lived gateway.
	Surface string
	// Subject is a subject under test that replaces the reference on the
	// contract's side, run on loopback fakes; nil means the in-process
	// reference.
	Subject *harness.Subject
	// InProcess says that Subject's surfaces run in this process (a
	// reference.Subject, e.g. a mutant's): its workers reach in-process
	// fakes instead of loopback ones.
	InProcess bool
	// Label names Subject on its side of the replay; empty means its name.
	Label string
}

// ReplayIncident replays inc: a dispatcher on a virtual clock starts its
// workers one after another, first with the pre-fix start-up (inc.PreFix,
// a mutant of the reference, in process), then with the contract's (the
// reference, or cfg.Subject), each on cfg.Surface. Each worker is one case
// of the gate's pipeline, judged against the model, with fakes of its own
// that meet the incident's plans as they stand at its start on the shared
// clock; on the gateway every worker is a session of the side's one
// gateway. Both sides are seeded with cfg.Seed, so the same seed gives the
// same replay. The pre-fix side's verdict evaluates inc.Reproduced, the
// other side's inc.Holds.
func ReplayIncident(ctx context.Context, inc Incident, cfg ReplayConfig) (*Replay, error) {
	surface := cmp.Or(cfg.Surface, harness.Oneshot)
	if surface != harness.Oneshot && surface != harness.Gateway {
		return nil, fmt.Errorf("replay on the %s surface: want %s or %s", surface, harness.Oneshot, harness.Gateway)
	}
	rep := &Replay{Incident: inc, Seed: cfg.Seed, Surface: surface}
	prefix, err := reference.MutantByName(cmp.Or(inc.PreFix, "ignores-chain"))
	if err != nil {
		return nil, fmt.Errorf("%s: pre_fix: %w", inc.Source, err)
	}
	rep.PreFix.Label = "pre-fix: " + bugHeadline(prefix.Bug) + " (mutant " + prefix.Name + ")"
	if rep.PreFix.Timeline, err = inc.run(ctx, cfg.Seed, surface, reference.Subject("mutant "+prefix.Name, prefix.Options), true); err != nil {
		return nil, fmt.Errorf("pre-fix side: %w", err)
	}
	rep.Fixed.Label = "contract: the reference subject"
	sub, inProcess := reference.Subject("reference", reference.Options{}), true
	if cfg.Subject != nil {
		rep.Fixed.Label = "subject " + cmp.Or(cfg.Label, cfg.Subject.Name)
		sub, inProcess = cfg.Subject, cfg.InProcess
	}
	if surface == harness.Gateway {
		rep.Fixed.Label += ", on its gateway"
	}
	if rep.Fixed.Timeline, err = inc.run(ctx, cfg.Seed, surface, sub, inProcess); err != nil {
		return nil, fmt.Errorf("%s side: %w", rep.Fixed.Label, err)
	}
	rep.PreFix.judge(inc.Reproduced, "incident reproduced", "incident NOT reproduced")
	rep.Fixed.judge(inc.Holds, "the contract holds", "the contract does NOT hold")
	return rep, nil
}

// judge evaluates as on the side's timeline and sets its checks, OK and
// verdict: yes when every assertion held, else no.
func (s *ReplaySide) judge(as []Assertion, yes, no string) {
	s.Checks, s.OK = Evaluate(as, s.Timeline)
	s.Verdict = verdict(s.Checks, s.OK, yes, no)
}

// bugHeadline is a mutant's bug up to its first colon or parenthesis:
// "start-up ignores the chain".
func bugHeadline(bug string) string {
	if i := strings.IndexAny(bug, ":("); i > 0 {
		bug = bug[:i]
	}
	return strings.TrimSpace(bug)
}

// verdict is a side's one line: what it shows and how many assertions
// held.
func verdict(checks []Check, ok bool, yes, no string) string {
	held := 0
	for _, c := range checks {
		if c.Held {
			held++
		}
	}
	if ok {
		return fmt.Sprintf("%s: %d of %d assertions held", yes, held, len(checks))
	}
	return fmt.Sprintf("%s: %d of %d assertions failed", no, len(checks)-held, len(checks))
}

// run runs the dispatcher with workers on sub's surface, each worker a case
// of the gate's pipeline on the dispatcher's virtual clock: in this process
// (inProcess: fakes reached without sockets, a gateway bound once through a
// gate.Router) or on loopback fakes (a subject's processes: its gateway is
// one long-lived process that serves every worker's session).
func (inc Incident) run(ctx context.Context, seed int64, surface string, sub *harness.Subject, inProcess bool) (*Timeline, error) {
	clock := fakes.NewManualClock(harness.Epoch)
	hooks := gate.Hooks{}
	var router *gate.Router
	if inProcess {
		hooks = gate.InProcess(nil)
		if surface == harness.Gateway {
			router = gate.NewRouter()
		}
	}
	hooks.Clock, hooks.Start, hooks.NoHandoff = clock, clock.Now(), true
	d := &Dispatcher{
		Clock: clock, Jobs: inc.Dispatcher.Workers, Every: inc.Dispatcher.Every, Jitter: inc.Dispatcher.Jitter,
		Rand: rand.New(rand.NewPCG(uint64(seed), 0x76362e36)), Heartbeat: inc.Dispatcher.Heartbeat,
		Worker: func(ctx context.Context, job Job) (WorkerResult, error) {
			sc := inc.scenario()
			sc.ID = fmt.Sprintf("%s/worker-%02d.%d", inc.ID, job.ID, job.Attempt)
			h := hooks
			if router != nil {
				h.Transport = router.Transport("") // a host of its own: one per case
			}
			res, err := gate.RunCase(ctx, gate.Setup{Subject: sub, Scenario: sc, Seed: harness.SeedFor(seed, job.ID, job.Attempt), Hooks: h}, surface)
			if err != nil {
				return WorkerResult{}, err
			}
			if res.Status == harness.StatusNotImplemented {
				return WorkerResult{}, fmt.Errorf("%s implements no %s surface", sub.Name, surface)
			}
			return workerResult(res), nil
		},
	}
	tl, err := d.Run(ctx)
	if router != nil {
		if cerr := router.Close(); err == nil && cerr != nil {
			err = cerr
		}
	}
	return tl, err
}

// workerResult reads a case as the dispatcher sees it; the Retry-After of a
// rate limit is the one the fakes served to this worker. A gateway session
// has no exit code: its reply is read as a oneshot worker's exit would be
// (landed 0, class rate_limit 75, any other failure or no reply 1).
func workerResult(res harness.Result) WorkerResult {
	o, s := res.Outcome, res.Observed
	r := WorkerResult{Exit: o.ExitCode, Error: s.Error, Failure: o.Failure, Violations: res.Violations, Ledger: res.Ledger}
	if res.Surface == harness.Gateway {
		r.Exit = gatewayExit(o.Reply)
	}
	if s.Landed != nil {
		r.Provider, r.Model, r.Remaining = s.Provider, s.Model, s.Remaining
		if r.Remaining == nil {
			r.Remaining = []string{}
		}
	}
	r.FellBack = len(harness.EventsNamed(o.Events, harness.EventFallback)) > 0
	for _, c := range res.Ledger {
		if c.Served == fakes.ServedRateLimit {
			if p, err := fakes.Parse(c.Fault); err == nil && len(p.Resolve) > 0 {
				r.RetryAfter = p.Resolve[0].Fault.RetryAfter
			}
		}
	}
	return r
}

// gatewayExit is the exit code a gateway reply stands for.
func gatewayExit(reply *harness.Reply) int {
	switch {
	case reply == nil:
		return harness.ExitFailure
	case reply.OK:
		return harness.ExitOK
	case reply.Class == "rate_limit":
		return harness.ExitRateLimited
	}
	return harness.ExitFailure
}

// ErrIncidentNotReproduced is returned, wrapped, when the pre-fix side did
// not reproduce the incident: the replay itself is broken.
var ErrIncidentNotReproduced = errors.New("the pre-fix start-up did not reproduce the incident")
