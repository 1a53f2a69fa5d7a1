package incident

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/fallbackgate/fallbackgate/fakes"
	"github.com/fallbackgate/fallbackgate/harness"
	"github.com/fallbackgate/fallbackgate/harness/gate"
	"github.com/fallbackgate/fallbackgate/harness/reference"
)

// Incident is an incident replay file (scenarios/incidents): a profile's
// configuration, fault plans on the dispatcher's virtual clock, and the
// dispatcher that starts the workers.
type Incident struct {
	ID      string             `yaml:"id"`
	Name    string             `yaml:"name"`
	Date    string             `yaml:"date"`
	Summary string             `yaml:"summary"`
	Config  harness.CaseConfig `yaml:"config"`
	// Faults maps each provider to its plan; "until" offsets count from
	// the first worker's start on the virtual clock.
	Faults map[string]string `yaml:"faults"`
	// VanishesAt is when the primary's credential vanishes: the verdict
	// counts the workers that start at or after it.
	VanishesAt time.Duration `yaml:"vanishes_at"`
	Dispatcher struct {
		Workers   int           `yaml:"workers"`
		Every     time.Duration `yaml:"every"`
		Jitter    time.Duration `yaml:"jitter"`
		Heartbeat Heartbeat     `yaml:"heartbeat"`
	} `yaml:"dispatcher"`
	// Source is the file it was read from.
	Source string `yaml:"-"`
}

// ParseIncident reads an incident file; unknown keys, a bad config or plan,
// or a dispatcher without workers are errors naming the file.
func ParseIncident(name string, data []byte) (Incident, error) {
	var inc Incident
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&inc); err != nil {
		return inc, fmt.Errorf("%s: %v", name, strings.TrimPrefix(err.Error(), "yaml: "))
	}
	inc.Source = name
	var problems []string
	if _, err := inc.Config.Resolved(); err != nil {
		problems = append(problems, "config: "+strings.ReplaceAll(err.Error(), "\n", "; "))
	}
	for _, p := range slices.Sorted(maps.Keys(inc.Faults)) {
		if _, err := fakes.Parse(inc.Faults[p]); err != nil {
			problems = append(problems, fmt.Sprintf("faults.%s: %v", p, err))
		}
	}
	if inc.Dispatcher.Workers < 1 || inc.Dispatcher.Every <= 0 {
		problems = append(problems, "dispatcher: want workers >= 1 and a positive every")
	}
	if len(problems) > 0 {
		return inc, fmt.Errorf("%s: %s", name, strings.Join(problems, "; "))
	}
	return inc, nil
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
	// Verdict is one line; OK says whether the side did what it must: the
	// pre-fix side reproduce the incident, the other side obey the
	// contract.
	Verdict string
	OK      bool
}

// Replay is an incident replayed against the pre-fix start-up and against
// the contract (the reference, or a subject's oneshot worker).
type Replay struct {
	Incident Incident
	Seed     int64
	PreFix   ReplaySide
	Fixed    ReplaySide
}

// ReplayConfig says what to replay against.
type ReplayConfig struct {
	Seed int64
	// Subject is a subject under test whose oneshot worker replaces the
	// reference on the contract's side, run on loopback fakes; nil means
	// the in-process reference.
	Subject *harness.Subject
	// Label names Subject on its side of the replay; empty means its name.
	Label string
}

// ReplayIncident replays inc: a dispatcher on a virtual clock starts its
// workers one after another, first with the pre-fix start-up (the
// ignores-chain mutant), then with the contract's (the reference, or
// cfg.Subject). Each worker is one case of the gate's pipeline, judged
// against the model, with fakes of its own that meet the incident's plans
// as they stand at its start on the shared clock. Both sides are seeded
// with cfg.Seed, so the same seed gives the same replay.
func ReplayIncident(ctx context.Context, inc Incident, cfg ReplayConfig) (*Replay, error) {
	rep := &Replay{Incident: inc, Seed: cfg.Seed}
	prefix, err := reference.MutantByName("ignores-chain")
	if err != nil {
		return nil, err
	}
	inProcess := gate.InProcess(nil)
	rep.PreFix.Label = "pre-fix: start-up ignores the chain (mutant " + prefix.Name + ")"
	if rep.PreFix.Timeline, err = inc.run(ctx, cfg.Seed, reference.Subject("mutant "+prefix.Name, prefix.Options), inProcess); err != nil {
		return nil, fmt.Errorf("pre-fix side: %w", err)
	}
	rep.Fixed.Label = "contract: the reference subject"
	sub, hooks := reference.Subject("reference", reference.Options{}), inProcess
	if cfg.Subject != nil {
		rep.Fixed.Label = "subject " + cmp.Or(cfg.Label, cfg.Subject.Name)
		sub, hooks = cfg.Subject, gate.Hooks{}
	}
	if rep.Fixed.Timeline, err = inc.run(ctx, cfg.Seed, sub, hooks); err != nil {
		return nil, fmt.Errorf("%s side: %w", rep.Fixed.Label, err)
	}
	rep.PreFix.Verdict, rep.PreFix.OK = inc.preFixVerdict(rep.PreFix.Timeline)
	rep.Fixed.Verdict, rep.Fixed.OK = inc.contractVerdict(rep.Fixed.Timeline)
	return rep, nil
}

// run runs the dispatcher with workers on sub's oneshot surface, each
// worker a case of the gate's pipeline with hooks, on the dispatcher's
// virtual clock.
func (inc Incident) run(ctx context.Context, seed int64, sub *harness.Subject, hooks gate.Hooks) (*Timeline, error) {
	clock := fakes.NewManualClock(harness.Epoch)
	hooks.Clock, hooks.Start, hooks.NoHandoff = clock, clock.Now(), true
	d := &Dispatcher{
		Clock: clock, Jobs: inc.Dispatcher.Workers, Every: inc.Dispatcher.Every, Jitter: inc.Dispatcher.Jitter,
		Rand: rand.New(rand.NewPCG(uint64(seed), 0x76362e36)), Heartbeat: inc.Dispatcher.Heartbeat,
		Worker: func(ctx context.Context, job Job) (WorkerResult, error) {
			sc := inc.scenario()
			sc.ID = fmt.Sprintf("%s/worker-%02d.%d", inc.ID, job.ID, job.Attempt)
			res, err := gate.RunCase(ctx, gate.Setup{Subject: sub, Scenario: sc, Seed: harness.SeedFor(seed, job.ID, job.Attempt), Hooks: hooks}, harness.Oneshot)
			if err != nil {
				return WorkerResult{}, err
			}
			return workerResult(res), nil
		},
	}
	return d.Run(ctx)
}

// workerResult reads a oneshot case as the dispatcher sees it; the
// Retry-After of a rate limit is the one the fakes served to this worker.
func workerResult(res harness.Result) WorkerResult {
	o, s := res.Outcome, res.Observed
	r := WorkerResult{Exit: o.ExitCode, Error: s.Error, Failure: o.Failure, Violations: res.Violations, Ledger: res.Ledger}
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

// after returns the worker rows that started at or after the vanish.
func (inc Incident) after(tl *Timeline) []Line {
	var out []Line
	for _, r := range tl.Workers() {
		if r.At >= inc.VanishesAt {
			out = append(out, r)
		}
	}
	return out
}

// preFixVerdict: the incident is reproduced when every worker started after
// the vanish exited non-zero.
func (inc Incident) preFixVerdict(tl *Timeline) (string, bool) {
	rows := inc.after(tl)
	crashed := 0
	exits := map[int]bool{}
	for _, r := range rows {
		if r.Result.Exit != harness.ExitOK {
			crashed++
			exits[r.Result.Exit] = true
		}
	}
	codes := make([]string, 0, len(exits))
	for _, c := range slices.Sorted(mapKeys(exits)) {
		codes = append(codes, fmt.Sprint(c))
	}
	exit := strings.Join(codes, "/")
	if len(rows) > 0 && crashed == len(rows) {
		return fmt.Sprintf("incident reproduced: %d of %d workers after t=%s exited %s", crashed, len(rows), inc.VanishesAt, exit), true
	}
	return fmt.Sprintf("incident NOT reproduced: %d of %d workers after t=%s exited non-zero", crashed, len(rows), inc.VanishesAt), false
}

// contractVerdict: no worker crashes, every worker after the vanish lands on
// the first chain entry with the rest of the chain remaining, and the
// heartbeat raises the constantly failing primary.
func (inc Incident) contractVerdict(tl *Timeline) (string, bool) {
	cfg, _ := inc.Config.Resolved()
	if len(cfg.Chain) == 0 {
		return "the incident's chain is empty", false
	}
	want, wantRem := cfg.Chain[0], cfg.Chain[1:].Strings()
	crashes, broke := 0, 0
	var first string
	for _, r := range tl.Workers() {
		if r.Result.Exit != harness.ExitOK || r.Result.Failure != "" {
			crashes++
		}
		if vs := r.Result.Violations; len(vs) > 0 {
			if broke++; first == "" {
				first = fmt.Sprintf("w%02d: %s", r.Job.ID, vs[0])
			}
		}
	}
	rows := inc.after(tl)
	landed := 0
	for _, r := range rows {
		if r.Result.Exit == harness.ExitOK && r.Result.Provider+"/"+r.Result.Model == want.String() && slices.Equal(r.Result.Remaining, wantRem) {
			landed++
		}
	}
	crashWord := "crashes"
	if crashes == 1 {
		crashWord = "crash"
	}
	v := fmt.Sprintf("%d %s; %d workers landed on %s with remaining [%s]", crashes, crashWord, landed, want, strings.Join(wantRem, ", "))
	ok := crashes == 0 && landed == len(rows) && len(rows) > 0
	if landed != len(rows) {
		v += fmt.Sprintf(" (of %d after t=%s)", len(rows), inc.VanishesAt)
	}
	if broke > 0 {
		v += fmt.Sprintf("; %d worker(s) broke the contract (first: %s)", broke, first)
		ok = false
	}
	if inc.Dispatcher.Heartbeat.Threshold > 0 && inc.Dispatcher.Heartbeat.Window > 0 {
		if len(tl.Alerts()) == 0 {
			v += "; the heartbeat never saw the failing primary (no fallback events)"
			ok = false
		}
	}
	return v, ok
}

func mapKeys[K comparable, V any](m map[K]V) func(func(K) bool) {
	return func(yield func(K) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// ErrIncidentNotReproduced is returned, wrapped, when the pre-fix side did
// not reproduce the incident: the replay itself is broken.
var ErrIncidentNotReproduced = errors.New("the pre-fix start-up did not reproduce the incident")
