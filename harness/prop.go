package harness

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"pgregory.net/rapid"

	"github.com/fallbackgate/fallbackgate/fakes"
	"github.com/fallbackgate/fallbackgate/resolver"
)

// This file is the differential property: for any generated case, every
// surface's outcome matches the reference model's decision for the
// subject's profile and every ledger invariant holds (Check). It runs in go
// test (rapid.Check with gomega) and from the command line (Prop, which
// drives the same rapid engine through a testing.TB of its own).

// PropRequestTimeout bounds each request to the fakes of an in-process
// case, for the model and the surface alike. A hanging fake is cut short
// at once (HangCutClient); this bound is only a safety net.
const PropRequestTimeout = 2 * time.Second

// Target is what a property run checks: a way to run one generated case on
// one surface and judge it.
type Target interface {
	// Name names the subject in output.
	Name() string
	// Profile is the profile the subject claims; nil when the target takes
	// each case's drawn profile (the in-process reference).
	Profile() *resolver.Profile
	// Run runs g on surface with the fakes seeded by seed and returns the
	// judged result and the model's expectation.
	Run(ctx context.Context, g Generated, surface string, seed int64) (Result, Expected, error)
	// Close releases the target's processes.
	Close() error
}

// ReferenceTarget is the in-process reference subject, built per case from
// opts with the case's drawn profile, reaching the fakes in-process through
// the fleet's own client on a virtual clock: the same case and seed give
// the same result and ledger, byte for byte.
type ReferenceTarget struct {
	// Label names the target; empty means "reference".
	Label string
	// Options are the reference's behaviour; Profile is replaced by each
	// case's, unless FixedProfile is set. A zero RequestTimeout means
	// PropRequestTimeout.
	Options Options
	// FixedProfile keeps Options.Profile (or strict) for every case.
	FixedProfile bool
}

// Name returns the label.
func (r ReferenceTarget) Name() string {
	if r.Label == "" {
		return "reference"
	}
	return r.Label
}

// Profile returns the fixed profile, or nil when each case draws one.
func (r ReferenceTarget) Profile() *resolver.Profile {
	if !r.FixedProfile {
		return nil
	}
	p := r.Options.Profile
	if p.Name == "" {
		p = resolver.Strict
	}
	return &p
}

// Run runs g in-process.
func (r ReferenceTarget) Run(ctx context.Context, g Generated, surface string, seed int64) (Result, Expected, error) {
	o, err := r.runSurfaces(ctx, g, []string{surface}, seed)
	if err != nil || len(o.Results) == 0 {
		return Result{}, o.Want, err
	}
	return o.Results[0], o.Want, nil
}

// runSurfaces runs g on each surface, asking the model once.
func (r ReferenceTarget) runSurfaces(ctx context.Context, g Generated, surfaces []string, seed int64) (CaseOutcome, error) {
	opts := r.Options
	if !r.FixedProfile {
		opts.Profile = g.Profile
	}
	o := CaseOutcome{Generated: g}
	rc, err := newReferenceCase(ctx, r.Name(), opts, g.Scenario, seed, fakes.NewManualClock(propEpoch))
	if err != nil {
		return o, err
	}
	o.Want, o.Classes = rc.want, ClassesOf(rc.want)
	for _, surf := range surfaces {
		if surf == Gateway && rc.want.BadUsage {
			continue
		}
		res, err := rc.run(ctx, surf, fakes.NewManualClock(propEpoch))
		if err != nil {
			return o, fmt.Errorf("%s: %w", surf, err)
		}
		o.Results = append(o.Results, res)
	}
	return o, nil
}

// Close does nothing: every case builds and closes its own surface.
func (ReferenceTarget) Close() error { return nil }

// propEpoch is where the virtual clock of an in-process case starts.
var propEpoch = time.Date(2026, 6, 7, 9, 0, 0, 0, time.UTC)

// RunReferenceCase runs sc on surface of the in-process reference subject
// that opts describe (named name), its fakes reached in-process through the
// fleet's client and clock (nil means the real clock; a fakes.ManualClock
// makes the run repeatable), and judges it against the reference model.
// A zero opts.RequestTimeout means PropRequestTimeout, used by the model
// too.
func RunReferenceCase(ctx context.Context, name string, opts Options, sc Scenario, surface string, seed int64, clock fakes.Clock) (Result, error) {
	rc, err := newReferenceCase(ctx, name, opts, sc, seed, clock)
	if err != nil {
		return Result{}, err
	}
	return rc.run(ctx, surface, clock)
}

// referenceCase is one scenario predicted once, to be run on any surface
// of an in-process reference.
type referenceCase struct {
	name string
	opts Options
	sub  *Subject
	sc   Scenario // with the hand-off check when it applies
	seed int64
	want Expected
	head Result // expected summary, trace, hand-off
	// specs are the fleet's providers with their parsed plans, read once
	// (Scenario.Fleet would read the config again for every surface).
	specs []fakes.Provider
}

func newReferenceCase(ctx context.Context, name string, opts Options, sc Scenario, seed int64, clock fakes.Clock) (*referenceCase, error) {
	if opts.Profile.Name == "" {
		opts.Profile = resolver.Strict
	}
	if opts.RequestTimeout == 0 {
		opts.RequestTimeout = PropRequestTimeout
	}
	rc := &referenceCase{name: name, opts: opts, seed: seed, sub: &Subject{Name: name, Profile: opts.Profile}}
	if !opts.NoRuntimeFallback {
		rc.sub.Capabilities = []string{CapabilityRuntimeFallback}
	}
	var err error
	popts := InProcessPredict(clock)
	popts.RequestTimeout = opts.RequestTimeout
	rc.want, rc.sc, err = predictCase(ctx, rc.sub, sc, seed, popts, &rc.head)
	if err != nil {
		return rc, err
	}
	rc.specs, err = rc.sc.FakeProviders()
	return rc, err
}

// run runs the case on surface with a fresh fleet on clock.
func (rc *referenceCase) run(ctx context.Context, surface string, clock fakes.Clock) (Result, error) {
	res := newResult(rc.sub, rc.sc, surface, rc.seed, rc.seed)
	res.Expected, res.Trace, res.Handoff = rc.head.Expected, rc.head.Trace, rc.head.Handoff
	fleet, err := fakes.NewFleet(fakes.Config{Providers: rc.specs, Seed: rc.seed, Clock: clock})
	if err != nil {
		return res, err
	}
	defer fleet.Close()
	surf := NewReference(surface, HangCutClient(fleet), rc.opts)
	start := time.Now()
	out, err := surf.Start(ctx, rc.sc.Case(surface, fleet.BaseURLs()))
	if cerr := surf.Close(); err == nil && cerr != nil && out.Failure == "" {
		out.Failure = "reference gateway: " + cerr.Error()
	}
	res.Duration = time.Since(start)
	if err != nil {
		return res, err
	}
	judge(&res, rc.want, out, fleet)
	return res, nil
}

// SubjectTarget is a subject run through its Surfaces (the exec adapter
// for a manifest), its fakes on loopback. After a case fails it closes the
// subject and opens a fresh one, so that a crashed gateway fails the case
// that crashed it and no later one: shrinking then finds the smallest case
// that crashes it.
type SubjectTarget struct {
	open func() (*Subject, error)

	mu  sync.Mutex
	sub *Subject
}

// NewSubjectTarget opens a subject with open (now, and again after every
// failing case). The caller must Close the target.
func NewSubjectTarget(open func() (*Subject, error)) (*SubjectTarget, error) {
	sub, err := open()
	if err != nil {
		return nil, err
	}
	return &SubjectTarget{open: open, sub: sub}, nil
}

// Name returns the subject's name.
func (s *SubjectTarget) Name() string { return s.subject().Name }

// Profile returns the profile the subject claims.
func (s *SubjectTarget) Profile() *resolver.Profile {
	p := s.subject().Profile
	return &p
}

// Subject returns the subject currently open.
func (s *SubjectTarget) Subject() *Subject { return s.subject() }

func (s *SubjectTarget) subject() *Subject {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sub
}

// Run runs g on surface over loopback and judges it against the model for
// the subject's profile.
func (s *SubjectTarget) Run(ctx context.Context, g Generated, surface string, seed int64) (Result, Expected, error) {
	sub := s.subject()
	want, err := Predict(ctx, g.Scenario, sub.Profile, seed)
	if err != nil {
		return Result{}, want, err
	}
	res, err := RunCase(ctx, sub, g.Scenario, surface, seed)
	if err != nil || res.Verdict == VerdictFail {
		s.mu.Lock()
		cerr := s.sub.Close()
		fresh, oerr := s.open()
		if oerr == nil {
			s.sub = fresh
		}
		s.mu.Unlock()
		if err == nil {
			err = oerr
		}
		if cerr != nil && res.Verdict == VerdictFail && res.Failure == "" {
			res.Violations = append(res.Violations, Violation{Rule: "R17", Message: "the subject did not shut down cleanly: " + cerr.Error()})
		}
	}
	return res, want, err
}

// Close closes the subject.
func (s *SubjectTarget) Close() error {
	return s.subject().Close()
}

// CaseOutcome is one generated case run on every surface of a property run.
type CaseOutcome struct {
	Generated Generated
	// Want is the model's expectation (for the first surface run).
	Want Expected
	// Classes are the classes the case belongs to.
	Classes []Class
	// Results has one judged result per surface.
	Results []Result
}

// Failed returns the results that failed.
func (o CaseOutcome) Failed() []Result {
	var out []Result
	for _, r := range o.Results {
		if r.Verdict == VerdictFail {
			out = append(out, r)
		}
	}
	return out
}

// RunGenerated runs g on each surface of t and judges each. The error is
// for failures of the harness itself.
func RunGenerated(ctx context.Context, t Target, g Generated, surfaces []string, seed int64) (CaseOutcome, error) {
	if r, ok := t.(ReferenceTarget); ok {
		return r.runSurfaces(ctx, g, surfaces, seed)
	}
	o := CaseOutcome{Generated: g}
	_, uerr := StartRequest(g.Scenario.Config, g.Scenario.Pin, g.Profile)
	badUsage := errors.Is(uerr, ErrProviderWithoutModel)
	for _, surf := range surfaces {
		if surf == Gateway && badUsage {
			// A session override is not a command line: bad usage does
			// not apply to the gateway (CONTRACT.md, "n/a").
			continue
		}
		res, want, err := t.Run(ctx, g, surf, seed)
		if err != nil {
			return o, fmt.Errorf("%s: %w", surf, err)
		}
		if len(o.Results) == 0 {
			o.Want, o.Classes = want, ClassesOf(want)
		}
		o.Results = append(o.Results, res)
	}
	return o, nil
}

// PropConfig is one property run.
type PropConfig struct {
	Target Target
	// Surfaces are run for every case; empty means all three.
	Surfaces []string
	// Checks is how many cases to generate; 0 means 100.
	Checks int
	// Seed makes the run repeatable: the same seed draws the same cases
	// and shrinks to the same counterexample. 0 is replaced by 1.
	Seed int64
	// Gen shapes the cases; its Profile is set from the target's.
	Gen GenOptions
	// ShrinkTime bounds shrinking; 0 means 30s.
	ShrinkTime time.Duration
	// SaveDir is where a shrunk counterexample is written as a scenario
	// file; empty means it is not written.
	SaveDir string
	// OnCase, when set, is called after each generated case (not the
	// shrinking runs) with the number run and the class counts so far.
	OnCase func(n int, classes ClassCounts)
	// Log receives rapid's log (draws of the shrunk case); nil discards.
	Log io.Writer
}

// PropReport is the outcome of a property run.
type PropReport struct {
	Target string
	Seed   int64
	// Cases is how many generated cases ran before the run ended.
	Cases int
	// Classes counts the generated cases per class.
	Classes ClassCounts
	// Failure is the shrunk counterexample; nil when every case passed.
	Failure *PropFailure
	// Vacuous is set when every case passed but some class was never
	// generated: the run proves nothing about it.
	Vacuous  error
	Duration time.Duration
}

// OK reports whether every case passed and the run was not vacuous.
func (r *PropReport) OK() bool { return r.Failure == nil && r.Vacuous == nil }

// PropFailure is a shrunk counterexample.
type PropFailure struct {
	// Outcome is the minimal failing case and its results.
	Outcome CaseOutcome
	// Scenario is the case as a scenario file, with the model's
	// expectations.
	Scenario Scenario
	// YAML is the scenario file's text.
	YAML []byte
	// Saved is the file it was written to; empty when not saved.
	Saved string
}

// propMu serializes Prop: rapid's settings are process-wide flags.
var propMu sync.Mutex

// errPropFailed is the one failure message of the command-line property:
// rapid compares failure messages while it shrinks, and a message carrying
// a subject's output would differ between two runs of the same case.
const errPropFailed = "the subject broke the contract (see the violations above)"

// Prop runs the differential property with rapid: cfg.Checks generated
// cases, each run on every surface of cfg.Target; on a failure rapid
// shrinks the case, and Prop returns the minimal one, saved as a scenario
// file when cfg.SaveDir is set. The error is for failures of the harness
// itself. Prop sets rapid's process-wide flags for its run and restores
// them after; do not run it alongside other rapid checks.
func Prop(ctx context.Context, cfg PropConfig) (*PropReport, error) {
	propMu.Lock()
	defer propMu.Unlock()
	if cfg.Checks <= 0 {
		cfg.Checks = 100
	}
	if cfg.Seed == 0 {
		cfg.Seed = 1
	}
	if cfg.ShrinkTime <= 0 {
		cfg.ShrinkTime = 30 * time.Second
	}
	surfaces := cfg.Surfaces
	if len(surfaces) == 0 {
		surfaces = Surfaces
	}
	cfg.Gen.Profile = cfg.Target.Profile()
	restore, err := setRapidFlags(map[string]string{
		"rapid.checks":     strconv.Itoa(cfg.Checks),
		"rapid.seed":       strconv.FormatUint(uint64(cfg.Seed), 10),
		"rapid.nofailfile": "true",
		"rapid.shrinktime": (10 * cfg.ShrinkTime).String(),
		"rapid.v":          "false",
		"rapid.log":        "false",
	})
	if err != nil {
		return nil, err
	}
	defer restore()

	rep := &PropReport{Target: cfg.Target.Name(), Seed: cfg.Seed, Classes: ClassCounts{}}
	var (
		gen        = Gen(cfg.Gen)
		shrinking  bool
		shrinkEnd  time.Time
		last       *CaseOutcome
		harnessErr error
	)
	tb := &propTB{name: "fallbackgate-prop", log: cfg.Log}
	start := time.Now()
	func() {
		defer func() {
			if p := recover(); p != nil && p != errFailNow {
				panic(p)
			}
		}()
		rapid.Check(tb, func(rt *rapid.T) {
			if ctx.Err() != nil {
				rt.Skip("cancelled")
			}
			if shrinking && time.Now().After(shrinkEnd) {
				// Out of shrinking time: reject every further candidate at
				// once, so that rapid's own (coarser) deadline is not
				// spent running a slow subject. last holds the smallest
				// failing case found so far.
				rt.Skip("out of shrinking time")
			}
			g := gen.Draw(rt, "case")
			run := surfaces
			if shrinking {
				// Shrink on the first surface that failed, not on all of
				// them; the minimal case is run on every surface after.
				run = failedSurfaces(last)[:1]
			}
			o, err := RunGenerated(ctx, cfg.Target, g, run, cfg.Seed)
			if err != nil {
				if harnessErr == nil {
					harnessErr = err
				}
				rt.Log(err)
				rt.Fatalf("the harness failed")
			}
			if !shrinking {
				rep.Cases++
				rep.Classes.Add(o.Classes)
				if cfg.OnCase != nil {
					cfg.OnCase(rep.Cases, rep.Classes)
				}
			}
			if failed := o.Failed(); len(failed) > 0 {
				if !shrinking {
					shrinking, shrinkEnd = true, time.Now().Add(cfg.ShrinkTime)
				}
				last = &o
				for _, r := range failed {
					rt.Logf("%s: %s", r.Surface, strings.ReplaceAll(r.Violations.Error(), "\n", "; "))
				}
				rt.Fatalf(errPropFailed)
			}
		})
	}()
	rep.Duration = time.Since(start)
	if harnessErr != nil {
		return rep, harnessErr
	}
	if err := ctx.Err(); err != nil {
		return rep, err
	}
	if last == nil {
		if tb.failed {
			return rep, fmt.Errorf("rapid failed without a counterexample: %s", strings.Join(tb.errors, "; "))
		}
		rep.Vacuous = rep.Classes.Vacuous()
		return rep, nil
	}
	if full, err := RunGenerated(ctx, cfg.Target, last.Generated, surfaces, cfg.Seed); err == nil && len(full.Failed()) > 0 {
		last = &full
	}
	f := &PropFailure{Outcome: *last}
	note := fmt.Sprintf("found by fallbackgate prop --seed %d against %s", cfg.Seed, cfg.Target.Name())
	if f.Scenario, f.YAML, err = Counterexample(ctx, *last, note); err != nil {
		return rep, err
	}
	if cfg.SaveDir != "" {
		if f.Saved, err = SaveScenario(cfg.SaveDir, f.Scenario.ID, f.YAML); err != nil {
			return rep, err
		}
	}
	rep.Failure = f
	return rep, nil
}

// failedSurfaces lists the surfaces on which o failed.
func failedSurfaces(o *CaseOutcome) []string {
	var out []string
	for _, r := range o.Failed() {
		out = append(out, r.Surface)
	}
	return out
}

// setRapidFlags sets rapid's command-line flags and returns a function that
// restores them.
func setRapidFlags(values map[string]string) (func(), error) {
	// rapid reads testing.Short, which needs the testing flags registered
	// and parsed; outside go test nothing else reads flag.CommandLine.
	testing.Init()
	if !flag.Parsed() {
		_ = flag.CommandLine.Parse([]string{})
	}
	old := map[string]string{}
	for name, v := range values {
		f := flag.CommandLine.Lookup(name)
		if f == nil {
			return func() {}, fmt.Errorf("rapid flag %s is not registered", name)
		}
		old[name] = f.Value.String()
		if err := f.Value.Set(v); err != nil {
			return func() {}, fmt.Errorf("rapid flag %s=%s: %w", name, v, err)
		}
	}
	return func() {
		for name, v := range old {
			_ = flag.CommandLine.Lookup(name).Value.Set(v)
		}
	}, nil
}

// errFailNow is what propTB.FailNow panics with; Prop recovers it.
var errFailNow = errors.New("propTB: FailNow")

// propTB is the testing.TB rapid reports to when Prop runs outside go
// test: logs go to log, failures are remembered.
type propTB struct {
	name   string
	log    io.Writer
	mu     sync.Mutex
	failed bool
	errors []string
}

func (t *propTB) Helper()      {}
func (t *propTB) Name() string { return t.name }
func (t *propTB) Logf(format string, args ...any) {
	t.write(fmt.Sprintf(format, args...))
}
func (t *propTB) Log(args ...any) { t.write(fmt.Sprintln(args...)) }
func (t *propTB) write(s string) {
	if t.log != nil {
		t.mu.Lock()
		defer t.mu.Unlock()
		io.WriteString(t.log, strings.TrimRight(s, "\n")+"\n")
	}
}
func (t *propTB) Skipf(format string, args ...any) { t.Logf(format, args...); t.SkipNow() }
func (t *propTB) Skip(args ...any)                 { t.Log(args...); t.SkipNow() }
func (t *propTB) SkipNow()                         { panic(errFailNow) }
func (t *propTB) Errorf(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	t.mu.Lock()
	t.failed = true
	t.errors = append(t.errors, firstLine(msg))
	t.mu.Unlock()
	t.write(msg)
}
func (t *propTB) Error(args ...any)                 { t.Errorf("%s", fmt.Sprint(args...)) }
func (t *propTB) Fatalf(format string, args ...any) { t.Errorf(format, args...); t.FailNow() }
func (t *propTB) Fatal(args ...any)                 { t.Error(args...); t.FailNow() }
func (t *propTB) FailNow()                          { t.Fail(); panic(errFailNow) }
func (t *propTB) Fail() {
	t.mu.Lock()
	t.failed = true
	t.mu.Unlock()
}
func (t *propTB) Failed() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.failed
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	return s
}

// GoString prints a generated case as its scenario reads, so that rapid's
// report of a shrunk case ("draw case: ...") is readable.
func (g Generated) GoString() string {
	var b strings.Builder
	fmt.Fprintf(&b, "profile %s; primary %s/%s; chain [", g.Profile.Name, g.Scenario.Config.Model.Provider, g.Scenario.Config.Model.Default)
	for i, e := range g.Scenario.Config.FallbackProviders {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(entryText(e))
	}
	b.WriteString("]")
	if p := g.Scenario.Pin; p.Provider != "" || p.Model != "" {
		fmt.Fprintf(&b, "; pin provider=%q model=%q", p.Provider, p.Model)
	}
	for _, p := range sortedKeys(g.Scenario.Faults) {
		fmt.Fprintf(&b, "; %s: %s", p, g.Scenario.Faults[p])
	}
	return b.String()
}

func entryText(e ConfigEntry) string {
	if e.Shorthand {
		return fmt.Sprintf("%q", e.Entry.String())
	}
	s := "{" + e.Provider
	if e.Model != "" {
		s += " model=" + e.Model
	}
	if e.BaseURL != "" {
		s += " base_url=" + e.BaseURL
	}
	return s + "}"
}
