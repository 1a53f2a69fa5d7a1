package prop

import (
	"context"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	"pgregory.net/rapid"

	"github.com/fallbackgate/fallbackgate/harness"
	"github.com/fallbackgate/fallbackgate/harness/gate"
	"github.com/fallbackgate/fallbackgate/resolver"
)

// This file is the differential property: for any generated case, every
// surface's outcome matches the model's decision for the subject's profile
// and every ledger invariant holds (model.Check). Cases are drawn from
// the seed one by one (Draw), run through the gate's pipeline, and a
// failing one is shrunk (Simpler) to a case no simpler candidate still
// fails, then saved as a scenario file.

// Target is what a property run checks: a subject and how its cases run.
type Target struct {
	// Name names the subject in output.
	Name string
	// Profile fixes the profile every case is judged for; nil draws one
	// per case, for a subject that Open can make of any profile (the
	// in-process reference).
	Profile *resolver.Profile
	// Open returns the subject a case of profile p runs on.
	Open func(p resolver.Profile) (*harness.Subject, error)
	// Hooks are how the cases run (gate.InProcess for an in-process
	// subject).
	Hooks gate.Hooks
	// PerCase opens a fresh subject for every case and closes it after.
	// PerProfile opens one subject per profile and keeps it for the whole
	// run: for an in-process subject, whose surfaces are bound to each
	// case's own fakes (gate.Bound), so that no case can leave it broken
	// for the next. Otherwise (a subject over exec) one subject serves case
	// after case, and cases in flight at once, until a case fails; then it
	// is closed once its cases are done and a fresh one opened, so that a
	// crashed gateway fails the case that crashed it and no later one, and
	// shrinking finds the smallest case that crashes it.
	PerCase    bool
	PerProfile bool
}

// shared reports whether the target's cases share a subject that a case
// can break for the others (a gateway process).
func (t Target) shared() bool { return !t.PerCase && !t.PerProfile }

// Config is one property run.
type Config struct {
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
	// ShrinkTime bounds shrinking; 0 means 30s. Shrinking ends sooner when
	// no simpler case fails.
	ShrinkTime time.Duration
	// SaveDir is where a shrunk counterexample is written as a scenario
	// file; empty means it is not written.
	SaveDir string
	// OnCase, when set, is called after each generated case (not the
	// shrinking runs) with the number run and the category counts so far.
	OnCase func(n int, counts Counts)
	// Log, when set, receives a line per drawn case and per simpler case
	// that still fails while shrinking, as rapid logs its draws.
	Log io.Writer
	// Scenarios run first, each as a case of the run (a saved
	// counterexample named by its ID, say), before the generated ones.
	Scenarios []harness.Scenario
	// Known, when set, accepts known failures (an expectations file): a
	// case whose every violation it accepts is a known failure, not a
	// counterexample, so the run goes on checking everything else.
	Known harness.KnownFunc
	// Shard, when set, runs only the cases the shard holds: case i of the
	// run (the scenarios first, then the generated cases) when
	// Shard.Has(i), drawn as the whole run draws it. The zero Shard runs
	// them all. A shard's Vacuous judges its own cases only: judge a
	// sharded run's on the shards' counts together (Counts.Vacuous).
	Shard harness.Shard
	// Parallel is how many cases run at once (oneshot and cli processes
	// started concurrently, the gateway fed concurrent sessions); 0 means
	// one at a time. It changes nothing but the wall time: see Run.
	Parallel int
	// MaxFailures is how many distinct failure classes (Class) the run
	// collects before it stops, each shrunk and saved; 0 means 1.
	MaxFailures int
}

// Report is the outcome of a property run.
type Report struct {
	Target string
	Seed   int64
	// Cases is how many generated cases ran before the run ended.
	Cases int
	// Known is how many of them broke known rules only (Config.Known).
	Known int
	// Counts counts the generated cases per category.
	Counts Counts
	// Failure is the first shrunk counterexample (Failures[0]); nil when
	// every case passed.
	Failure *Failure
	// Failures are the shrunk counterexamples of the distinct failure
	// classes the run found (at most Config.MaxFailures classes), in the
	// order found: by case index, then surface. A counterexample that
	// shows several of the classes stands for each of them
	// (Failure.Classes).
	Failures []*Failure
	// Vacuous is set when every case passed but some category was never
	// generated: the run proves nothing about it.
	Vacuous error
	// Duration is the whole run; Generating the part spent running the
	// generated cases, Shrinking the part spent shrinking the failures
	// (Shrinks candidates run in all) and running their counterexamples.
	Duration, Generating, Shrinking time.Duration
	Shrinks                         int
	// Parallel is how many cases ran at once.
	Parallel int
	// Coverage counts, per rule and surface, the cases judged that
	// exercised it (Exercised). A rule no case exercised is a gap the
	// report names; it does not fail the run (see Coverage).
	Coverage *Coverage
	// MaxFailures is the Config.MaxFailures the run collected classes for.
	MaxFailures int
}

// OK reports whether every case passed and the run was not vacuous.
func (r *Report) OK() bool { return r.Failure == nil && r.Vacuous == nil }

// Classes are the failure classes of the run's counterexamples, in the
// order found.
func (r *Report) Classes() []Class {
	var out []Class
	for _, f := range r.Failures {
		out = append(out, f.Classes...)
	}
	return out
}

// Failure is a shrunk counterexample.
type Failure struct {
	// Outcome is the minimal failing case and its results.
	Outcome CaseOutcome
	// Scenario is the case as a scenario file, with the model's
	// expectations.
	Scenario harness.Scenario
	// YAML is the scenario file's text.
	YAML []byte
	// Saved is the file it was written to; empty when not saved.
	Saved string
	// Shrinks is how many simpler candidates were run while shrinking.
	Shrinks int
	// ShrinkCut is set when the shrink time ran out while simpler
	// candidates were left: the case may not be minimal, and the same seed
	// may shrink further on a faster or quieter machine. Shrinking that
	// ends because no candidate fails any more is a pure function of the
	// seed; this is the one place where time decides.
	ShrinkCut bool
	// Classes are the failure classes it stands for: the first is the one
	// it was shrunk for (it still fails with that class on that surface);
	// the others were found in the run and the counterexample shows them
	// too.
	Classes []Class
	// Case is the index in the run of the case it was shrunk from, counted
	// from 0, the named scenarios first, then the generated cases (as
	// Config.Shard counts them).
	Case int
}

// CaseOutcome is one generated case run on the surfaces of a property run.
type CaseOutcome struct {
	Generated Generated
	// Want is the model's expectation.
	Want harness.Expected
	// Categories are the categories the case belongs to.
	Categories []Category
	// Results has one judged result per surface the case applies to.
	Results []harness.Result
	// known is set when a result broke known rules only.
	known bool
}

// Failed returns the results that failed.
func (o CaseOutcome) Failed() []harness.Result {
	var out []harness.Result
	for _, r := range o.Results {
		if r.Failed() {
			out = append(out, r)
		}
	}
	return out
}

// Run runs the differential property: cfg.Checks cases drawn from the
// seed, each run on every surface of cfg.Target, cfg.Parallel at a time,
// until cfg.MaxFailures distinct failure classes are found; then it
// shrinks a case of each class, one class after the other, and returns
// the minimal ones, saved as scenario files when cfg.SaveDir is set. The
// error is for failures of the harness itself.
//
// The outcome is a pure function of the seed, whatever cfg.Parallel is:
// the same cases, the same verdicts, the same counterexamples. Case i is
// drawn from the seed and i alone (Draw); the run judges the cases in
// index order, so that the failure at index i counts only once every case
// below it has run, and the run stops at the case that completes the
// classes it wants, whatever ran beside it. Cases in flight at once share
// the subject's gateway process; when it dies, the cases it took down are
// not failures of their own: each runs again alone on a fresh subject, and
// the death is blamed the gate's way (gate.AttributeGatewayDeath).
// Shrinking runs one candidate at a time.
func Run(ctx context.Context, cfg Config) (*Report, error) {
	if cfg.Checks <= 0 {
		cfg.Checks = 100
	}
	if cfg.Seed == 0 {
		cfg.Seed = 1
	}
	if cfg.ShrinkTime <= 0 {
		cfg.ShrinkTime = 30 * time.Second
	}
	if len(cfg.Surfaces) == 0 {
		cfg.Surfaces = harness.Surfaces
	}
	cfg.Parallel = max(cfg.Parallel, 1)
	cfg.MaxFailures = max(cfg.MaxFailures, 1)
	cfg.Gen.Profile = cfg.Target.Profile
	r := &runner{cfg: cfg, gen: Gen(cfg.Gen), perProfile: map[string]*harness.Subject{}}
	defer r.close()
	rep := &Report{Target: cfg.Target.Name, Seed: cfg.Seed, Counts: Counts{}, Parallel: cfg.Parallel, Coverage: NewCoverage(cfg.Surfaces), MaxFailures: cfg.MaxFailures}
	start := time.Now()
	defer func() { rep.Duration = time.Since(start) }()
	found, err := r.scan(ctx, rep)
	rep.Generating = time.Since(start)
	if err != nil {
		return rep, err
	}
	if len(found) == 0 {
		rep.Vacuous = rep.Counts.Vacuous()
		return rep, nil
	}
	shrinkStart := time.Now()
	defer func() { rep.Shrinking = time.Since(shrinkStart) }()
	seq := &sequential{r: r}
	defer seq.close()
	for _, c := range found {
		if f := covering(rep.Failures, c.class, cfg.Known); f != nil {
			f.Classes = append(f.Classes, c.class)
			continue
		}
		f, err := seq.shrink(ctx, c.outcome, c.class)
		if err != nil {
			return rep, err
		}
		f.Case = c.index
		rep.Shrinks += f.Shrinks
		if same := sameScenario(rep.Failures, f); same != nil {
			same.Classes = append(same.Classes, c.class)
			continue
		}
		rep.Failures = append(rep.Failures, f)
	}
	rep.Failure = rep.Failures[0]
	return rep, nil
}

// found is a failure class met in the run: the case it was met in first,
// and that case's index in the run.
type found struct {
	class   Class
	outcome CaseOutcome
	index   int
}

// covering returns the counterexample among fs whose results already show
// class c, or nil.
func covering(fs []*Failure, c Class, known harness.KnownFunc) *Failure {
	for _, f := range fs {
		if f.Outcome.has(c, known) {
			return f
		}
	}
	return nil
}

// sameScenario returns the counterexample among fs that is the same
// scenario as f, or nil.
func sameScenario(fs []*Failure, f *Failure) *Failure {
	for _, o := range fs {
		if o.Scenario.ID == f.Scenario.ID {
			return o
		}
	}
	return nil
}

// runner runs the cases of one property run.
type runner struct {
	cfg Config
	gen *rapid.Generator[Generated]
	// perProfile holds the subjects of a PerProfile target, by profile.
	mu         sync.Mutex
	perProfile map[string]*harness.Subject
}

// caseAt returns case i of the run: the named scenarios first, then the
// cases drawn from the seed.
func (r *runner) caseAt(i int) Generated {
	if i < len(r.cfg.Scenarios) {
		g := Generated{Scenario: r.cfg.Scenarios[i], Profile: resolver.Strict}
		if p := r.cfg.Target.Profile; p != nil {
			g.Profile = *p
		}
		return g
	}
	return Draw(r.gen, r.cfg.Seed, i-len(r.cfg.Scenarios))
}

// logCase logs case i as it is judged.
func (r *runner) logCase(i int, g Generated) {
	if i < len(r.cfg.Scenarios) {
		r.logf("scenario %s: %#v", g.Scenario.ID, g)
		return
	}
	r.logf("draw case %d: %#v", i+1-len(r.cfg.Scenarios), g)
}

// runOn runs g on each surface of sub and judges each, predicting it once.
// It opens and closes a subject of its own for a PerCase target, and uses
// the profile's subject for a PerProfile one.
func (r *runner) runOn(ctx context.Context, g Generated, surfaces []string, sub *harness.Subject) (CaseOutcome, error) {
	o := CaseOutcome{Generated: g}
	t := r.cfg.Target
	switch {
	case t.PerCase:
		s, err := t.Open(g.Profile)
		if err != nil {
			return o, err
		}
		defer s.Close()
		sub = s
	case t.PerProfile:
		s, err := r.profileSubject(g.Profile)
		if err != nil {
			return o, err
		}
		sub = s
	}
	p, err := gate.Prepare(ctx, gate.Setup{Subject: sub, Scenario: g.Scenario, Seed: r.cfg.Seed, Hooks: t.Hooks})
	if err != nil {
		return o, err
	}
	o.Want = p.Expected()
	o.Categories = CategoriesOf(o.Want)
	for _, surf := range surfaces {
		res, err := p.Run(ctx, surf)
		if err != nil {
			return o, fmt.Errorf("%s: %w", surf, err)
		}
		if res.ApplyKnown(r.cfg.Known) {
			o.known = true
		}
		if res.Status != harness.StatusNotImplemented {
			o.Results = append(o.Results, res)
		}
	}
	return o, nil
}

// profileSubject returns the subject of a PerProfile target for profile p,
// opening it the first time.
func (r *runner) profileSubject(p resolver.Profile) (*harness.Subject, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if sub := r.perProfile[p.Name]; sub != nil {
		return sub, nil
	}
	sub, err := r.cfg.Target.Open(p)
	if err != nil {
		return nil, err
	}
	r.perProfile[p.Name] = sub
	return sub, nil
}

// closeFailed closes sub, the shared subject a failing case ran on, and
// adds its error to the case's failing results: a subject that does not
// shut down cleanly after a failing case has broken R17 too. A result the
// subject failed as a process (a crash, a dead gateway) says so already.
func closeFailed(sub *harness.Subject, outcomes ...*CaseOutcome) {
	cerr := sub.Close()
	if cerr == nil {
		return
	}
	for _, o := range outcomes {
		for i := range o.Results {
			if res := &o.Results[i]; res.Failed() && res.Outcome.Failure == "" {
				res.Violations = append(res.Violations, harness.Violation{Rule: "R17", Message: "the subject did not shut down cleanly: " + cerr.Error()})
			}
		}
	}
}

func (r *runner) logf(format string, args ...any) {
	if r.cfg.Log != nil {
		r.mu.Lock()
		defer r.mu.Unlock()
		fmt.Fprintf(r.cfg.Log, "[prop] "+format+"\n", args...)
	}
}

func (r *runner) close() {
	for _, sub := range r.perProfile {
		sub.Close()
	}
}

// sequential runs cases one at a time, as shrinking does: a PerCase or
// PerProfile target as the runner does, a shared one on a subject kept
// from case to case until a case fails, then closed and replaced.
type sequential struct {
	r   *runner
	sub *harness.Subject // the shared subject kept between cases; nil when none
}

func (q *sequential) run(ctx context.Context, g Generated, surfaces []string) (CaseOutcome, error) {
	if !q.r.cfg.Target.shared() {
		return q.r.runOn(ctx, g, surfaces, nil)
	}
	if q.sub == nil {
		sub, err := q.r.cfg.Target.Open(g.Profile)
		if err != nil {
			return CaseOutcome{Generated: g}, err
		}
		q.sub = sub
	}
	o, err := q.r.runOn(ctx, g, surfaces, q.sub)
	if err == nil && len(o.Failed()) > 0 {
		// A fresh subject for the next case: this one's gateway may be
		// dead.
		closeFailed(q.sub, &o)
		q.sub = nil
	}
	return o, err
}

func (q *sequential) close() {
	if q.sub != nil {
		q.sub.Close()
	}
}

// shrink makes a failing case as simple as it gets while it keeps failing
// with class c: it runs each simpler candidate (SimplerCase) on c's
// surface, keeps the first that still fails there with the same class, and
// starts over from it, until no candidate does or the shrink time is up.
// The minimal case is then run on every surface and written as a scenario
// file.
func (q *sequential) shrink(ctx context.Context, o CaseOutcome, c Class) (*Failure, error) {
	r := q.r
	surface := []string{c.Surface}
	deadline := time.Now().Add(r.cfg.ShrinkTime)
	shrinks, cut := 0, false
	for progress := true; progress && !cut; {
		progress = false
		for _, cand := range SimplerCase(o.Generated) {
			if ctx.Err() != nil {
				break
			}
			if cut = !time.Now().Before(deadline); cut {
				break
			}
			shrinks++
			co, err := q.run(ctx, cand, surface)
			if err != nil {
				return nil, err
			}
			if co.has(c, r.cfg.Known) {
				r.logf("shrunk: %#v", cand)
				o, progress = co, true
				break
			}
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if full, err := q.run(ctx, o.Generated, r.cfg.Surfaces); err == nil && len(full.Failed()) > 0 {
		o = full
	}
	f := &Failure{Outcome: o, Shrinks: shrinks, ShrinkCut: cut, Classes: []Class{c}}
	note := fmt.Sprintf("found by fallbackgate prop --seed %d against %s", r.cfg.Seed, r.cfg.Target.Name)
	var err error
	if f.Scenario, f.YAML, err = Counterexample(ctx, o, note); err != nil {
		return nil, err
	}
	if r.cfg.SaveDir != "" {
		if f.Saved, err = SaveScenario(r.cfg.SaveDir, f.Scenario.ID, f.YAML); err != nil {
			return nil, err
		}
	}
	return f, nil
}

// GoString prints a generated case as its scenario reads, so that rapid's
// report of a failing draw ("draw case: ...") is readable.
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
	for _, p := range slices.Sorted(maps.Keys(g.Scenario.Faults)) {
		fmt.Fprintf(&b, "; %s: %s", p, g.Scenario.Faults[p])
	}
	return b.String()
}

func entryText(e harness.ConfigEntry) string {
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
