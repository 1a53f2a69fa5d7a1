package harness

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/fallbackgate/fallbackgate/fakes"
)

// Incident is an incident replay file (scenarios/incidents): a profile's
// configuration, fault plans on the dispatcher's virtual clock, and the
// dispatcher that starts the workers.
type Incident struct {
	ID      string     `yaml:"id"`
	Name    string     `yaml:"name"`
	Date    string     `yaml:"date"`
	Summary string     `yaml:"summary"`
	Config  CaseConfig `yaml:"config"`
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
	for _, p := range sortedKeys(inc.Faults) {
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
func (inc Incident) scenario() Scenario {
	return Scenario{ID: inc.ID, Name: inc.Name, Config: inc.Config, Faults: inc.Faults, Prompt: DefaultPrompt, Source: inc.Source}
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
	// Subject is the oneshot surface of a subject under test, run on
	// loopback fakes; nil means the in-process reference.
	Subject Surface
	// SubjectName names it in the report.
	SubjectName string
}

// ReplayIncident replays inc: a dispatcher on a virtual clock starts its
// workers one after another, first with the pre-fix start-up (the
// ignores-chain mutant), then with the contract's (the reference, or
// cfg.Subject). Each side has its own fleet of fakes on its own virtual
// clock, both seeded with cfg.Seed, so the same seed gives the same replay.
func ReplayIncident(ctx context.Context, inc Incident, cfg ReplayConfig) (*Replay, error) {
	rep := &Replay{Incident: inc, Seed: cfg.Seed}
	prefix, err := MutantByName("ignores-chain")
	if err != nil {
		return nil, err
	}
	rep.PreFix.Label = "pre-fix: start-up ignores the chain (mutant " + prefix.Name + ")"
	if rep.PreFix.Timeline, err = inc.run(ctx, cfg.Seed, func(fleet *fakes.Fleet) (Surface, map[string]string, error) {
		return NewReference(Oneshot, fleet.Client(), prefix.Options), fleet.BaseURLs(), nil
	}); err != nil {
		return nil, fmt.Errorf("pre-fix side: %w", err)
	}
	rep.Fixed.Label = "contract: the reference subject"
	open := func(fleet *fakes.Fleet) (Surface, map[string]string, error) {
		return NewReference(Oneshot, fleet.Client(), Options{}), fleet.BaseURLs(), nil
	}
	if cfg.Subject != nil {
		rep.Fixed.Label = "subject " + cfg.SubjectName
		open = func(fleet *fakes.Fleet) (Surface, map[string]string, error) {
			srv, err := fleet.ServeLoopback("")
			if err != nil {
				return nil, nil, fmt.Errorf("fake providers could not start: %w", err)
			}
			return cfg.Subject, srv.BaseURLs(), nil
		}
	}
	if rep.Fixed.Timeline, err = inc.run(ctx, cfg.Seed, open); err != nil {
		return nil, fmt.Errorf("%s side: %w", rep.Fixed.Label, err)
	}
	rep.PreFix.Verdict, rep.PreFix.OK = inc.preFixVerdict(rep.PreFix.Timeline)
	rep.Fixed.Verdict, rep.Fixed.OK = inc.contractVerdict(rep.Fixed.Timeline)
	return rep, nil
}

// run runs the dispatcher with workers on the surface open returns.
func (inc Incident) run(ctx context.Context, seed int64, open func(*fakes.Fleet) (Surface, map[string]string, error)) (*Timeline, error) {
	clock := fakes.NewManualClock(time.Date(2026, 6, 7, 9, 0, 0, 0, time.UTC))
	fleet, err := inc.scenario().Fleet(seed, clock)
	if err != nil {
		return nil, err
	}
	defer fleet.Close()
	surf, urls, err := open(fleet)
	if err != nil {
		return nil, err
	}
	d := &Dispatcher{
		Clock: clock, Jobs: inc.Dispatcher.Workers, Every: inc.Dispatcher.Every, Jitter: inc.Dispatcher.Jitter,
		Rand: rand.New(rand.NewPCG(uint64(seed), 0x76362e36)), Heartbeat: inc.Dispatcher.Heartbeat,
		Worker: func(ctx context.Context, job Job) (WorkerResult, error) {
			c := Case{Protocol: Protocol, ID: fmt.Sprintf("%s/worker-%02d.%d", inc.ID, job.ID, job.Attempt), Surface: Oneshot,
				Config: inc.Config, Prompt: DefaultPrompt, Providers: urls}
			before := fleet.Ledger().Len()
			out, err := surf.Start(ctx, c)
			if err != nil {
				return WorkerResult{}, err
			}
			return workerResult(out, fleet.Ledger().Calls()[before:]), nil
		},
	}
	return d.Run(ctx)
}

// workerResult reads a oneshot outcome as the dispatcher sees it; the
// Retry-After of a rate limit is the one the fakes served to this worker.
func workerResult(o Outcome, calls []Call) WorkerResult {
	s := observedSummary(o)
	r := WorkerResult{Exit: o.ExitCode, Error: s.Error, Failure: o.Failure}
	if s.Landed != nil {
		r.Provider, r.Model, r.Remaining = s.Provider, s.Model, s.Remaining
		if r.Remaining == nil {
			r.Remaining = []string{}
		}
	}
	r.FellBack = len(eventsNamed(o.Events, EventFallback)) > 0
	for _, c := range calls {
		if c.Outcome == fakes.OutcomeRateLimit {
			if p, err := fakes.Parse(c.Fault); err == nil && len(p.Resolve) > 0 {
				r.RetryAfter = p.Resolve[0].Fault.RetryAfter
			}
		}
	}
	return r
}

// after returns the worker rows that started at or after the vanish.
func (inc Incident) after(tl *Timeline) []Row {
	var out []Row
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
		if r.Result.Exit != ExitOK {
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
	crashes := 0
	for _, r := range tl.Workers() {
		if r.Result.Exit != ExitOK || r.Result.Failure != "" {
			crashes++
		}
	}
	rows := inc.after(tl)
	landed := 0
	for _, r := range rows {
		if r.Result.Exit == ExitOK && r.Result.Provider+"/"+r.Result.Model == want.String() && slices.Equal(r.Result.Remaining, wantRem) {
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

// WriteReplay writes the replay for a person: the incident, then per side a
// timeline table (tick, worker, landed provider or error, exit code,
// fallback events so far, the dispatcher's action) and the verdict.
// Everything in it is drawn from virtual time and the seed, so the same
// seed writes the same bytes.
func WriteReplay(w io.Writer, rep *Replay) error {
	inc := rep.Incident
	cfg, _ := inc.Config.Resolved()
	var b bytes.Buffer
	fmt.Fprintf(&b, "fallbackgate replay %s: %s (%s), seed %d\n", inc.Name, inc.ID, inc.Date, rep.Seed)
	fmt.Fprintf(&b, "profile: primary %s, fallback_providers [%s]\n", cfg.Primary, strings.Join(cfg.Chain.Strings(), ", "))
	d := inc.Dispatcher
	fmt.Fprintf(&b, "dispatcher: %d oneshot workers, one every %s (+ jitter below %s); heartbeat every %s, alert at %d fallbacks\n",
		d.Workers, d.Every, d.Jitter, d.Heartbeat.Window, d.Heartbeat.Threshold)
	fmt.Fprintf(&b, "at t=%s the %s access token vanishes\n", inc.VanishesAt, cfg.Primary.Provider)
	for _, side := range []ReplaySide{rep.PreFix, rep.Fixed} {
		fmt.Fprintf(&b, "\n== %s ==\n", side.Label)
		writeTimeline(&b, side.Timeline)
		mark := "ok"
		if !side.OK {
			mark = "FAIL"
		}
		fmt.Fprintf(&b, "verdict (%s): %s\n", mark, side.Verdict)
	}
	_, err := w.Write(b.Bytes())
	return err
}

func writeTimeline(w io.Writer, tl *Timeline) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "TICK\tWORKER\tLANDED / ERROR\tEXIT\tFALLBACKS\tDISPATCHER")
	for _, r := range tl.Rows {
		if r.Kind == RowHeartbeat {
			say := fmt.Sprintf("%d of %d start-ups fell back", r.WindowFallbacks, r.Startups)
			if r.Alert != "" {
				say = "ALERT " + r.Alert
			}
			fmt.Fprintf(tw, "%s\theartbeat\t\t\t%d\t%s\n", tick(r.At), r.Fallbacks, say)
			continue
		}
		res := r.Result
		what := res.Error
		if res.Provider != "" {
			what = fmt.Sprintf("%s/%s remaining [%s]", res.Provider, res.Model, strings.Join(res.Remaining, ", "))
		}
		if res.Failure != "" {
			what = strings.TrimSpace(what + " (" + res.Failure + ")")
		}
		worker := fmt.Sprintf("w%02d", r.Job.ID)
		if r.Job.Attempt > 1 {
			worker += fmt.Sprintf(" (try %d)", r.Job.Attempt)
		}
		fate := r.Fate
		if r.Fate == FateRequeued {
			fate += " for t=" + tick(r.RequeueAt)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%d\t%s\n", tick(r.At), worker, what, res.Exit, r.Fallbacks, fate)
	}
	tw.Flush()
}

// tick prints a virtual-time offset to the second: "1m50s".
func tick(d time.Duration) string {
	return d.Truncate(time.Second).String()
}

// ErrIncidentNotReproduced is returned, wrapped, when the pre-fix side did
// not reproduce the incident: the replay itself is broken.
var ErrIncidentNotReproduced = errors.New("the pre-fix start-up did not reproduce the incident")
