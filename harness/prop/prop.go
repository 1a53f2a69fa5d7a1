package prop

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/fallbackgate/fallbackgate/harness"
	"github.com/fallbackgate/fallbackgate/harness/gate"
	"github.com/fallbackgate/fallbackgate/resolver"
)

// This file is the differential property: for any generated case, every
// surface's outcome matches the model's decision for the subject's profile
// and every ledger invariant holds (harness.Check). Cases are drawn from
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
	// PerCase opens a fresh subject for every case and closes it after
	// (cheap, in-process). Otherwise one subject serves case after case
	// until a case fails; then it is closed and a fresh one opened, so
	// that a crashed gateway fails the case that crashed it and no later
	// one, and shrinking finds the smallest case that crashes it.
	PerCase bool
}

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
	// Failure is the shrunk counterexample; nil when every case passed.
	Failure *Failure
	// Vacuous is set when every case passed but some category was never
	// generated: the run proves nothing about it.
	Vacuous  error
	Duration time.Duration
}

// OK reports whether every case passed and the run was not vacuous.
func (r *Report) OK() bool { return r.Failure == nil && r.Vacuous == nil }

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
// seed, each run on every surface of cfg.Target; at the first failure it
// shrinks the case and returns the minimal one, saved as a scenario file
// when cfg.SaveDir is set. The error is for failures of the harness
// itself.
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
	cfg.Gen.Profile = cfg.Target.Profile
	r := &runner{cfg: cfg}
	defer r.close()
	rep := &Report{Target: cfg.Target.Name, Seed: cfg.Seed, Counts: Counts{}}
	start := time.Now()
	defer func() { rep.Duration = time.Since(start) }()
	gen := Gen(cfg.Gen)
	for i := range len(cfg.Scenarios) + cfg.Checks {
		if err := ctx.Err(); err != nil {
			return rep, err
		}
		if !cfg.Shard.Has(i) {
			continue
		}
		var g Generated
		if i < len(cfg.Scenarios) {
			g = Generated{Scenario: cfg.Scenarios[i], Profile: resolver.Strict}
			if p := cfg.Target.Profile; p != nil {
				g.Profile = *p
			}
			r.logf("scenario %s: %#v", g.Scenario.ID, g)
		} else {
			g = Draw(gen, cfg.Seed, i-len(cfg.Scenarios))
			r.logf("draw case %d: %#v", i+1-len(cfg.Scenarios), g)
		}
		o, err := r.run(ctx, g, cfg.Surfaces)
		if err != nil {
			return rep, err
		}
		rep.Cases++
		rep.Counts.Add(o.Categories)
		if o.known {
			rep.Known++
		}
		if cfg.OnCase != nil {
			cfg.OnCase(rep.Cases, rep.Counts)
		}
		if len(o.Failed()) > 0 {
			f, err := r.shrink(ctx, o)
			if err != nil {
				return rep, err
			}
			rep.Failure = f
			return rep, nil
		}
	}
	rep.Vacuous = rep.Counts.Vacuous()
	return rep, nil
}

// runner runs the generated cases of one property run.
type runner struct {
	cfg Config
	sub *harness.Subject // the subject kept between cases; nil when none
}

// run runs g on each surface and judges each, predicting it once.
func (r *runner) run(ctx context.Context, g Generated, surfaces []string) (CaseOutcome, error) {
	o := CaseOutcome{Generated: g}
	t := r.cfg.Target
	sub, err := r.subject(g.Profile)
	if err != nil {
		return o, err
	}
	if t.PerCase {
		defer sub.Close()
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
	if !t.PerCase && len(o.Failed()) > 0 {
		// A fresh subject for the next case: this one's gateway may be
		// dead. A subject that does not shut down cleanly after a failing
		// case has broken R17 too.
		cerr := r.sub.Close()
		r.sub = nil
		if cerr != nil {
			for i := range o.Results {
				if res := &o.Results[i]; res.Failed() && res.Outcome.Failure == "" {
					res.Violations = append(res.Violations, harness.Violation{Rule: "R17", Message: "the subject did not shut down cleanly: " + cerr.Error()})
				}
			}
		}
	}
	return o, nil
}

// subject returns the subject for a case of profile p: a fresh one per case,
// or the one kept between cases.
func (r *runner) subject(p resolver.Profile) (*harness.Subject, error) {
	t := r.cfg.Target
	if t.PerCase {
		return t.Open(p)
	}
	if r.sub == nil {
		sub, err := t.Open(p)
		if err != nil {
			return nil, err
		}
		r.sub = sub
	}
	return r.sub, nil
}

func (r *runner) logf(format string, args ...any) {
	if r.cfg.Log != nil {
		fmt.Fprintf(r.cfg.Log, "[prop] "+format+"\n", args...)
	}
}

func (r *runner) close() {
	if r.sub != nil {
		r.sub.Close()
	}
}

// shrink makes a failing case as simple as it gets: it runs each simpler
// candidate (Simpler) on the first surface that failed, keeps the first
// that still fails there, and starts over from it, until no candidate fails
// or the shrink time is up. The minimal case is then run on every surface
// and written as a scenario file.
func (r *runner) shrink(ctx context.Context, o CaseOutcome) (*Failure, error) {
	surface := []string{o.Failed()[0].Surface}
	deadline := time.Now().Add(r.cfg.ShrinkTime)
	shrinks := 0
	for progress := true; progress && time.Now().Before(deadline); {
		progress = false
		for _, cand := range SimplerCase(o.Generated) {
			if ctx.Err() != nil || !time.Now().Before(deadline) {
				break
			}
			shrinks++
			c, err := r.run(ctx, cand, surface)
			if err != nil {
				return nil, err
			}
			if len(c.Failed()) > 0 {
				r.logf("shrunk: %#v", cand)
				o, progress = c, true
				break
			}
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if full, err := r.run(ctx, o.Generated, r.cfg.Surfaces); err == nil && len(full.Failed()) > 0 {
		o = full
	}
	f := &Failure{Outcome: o, Shrinks: shrinks}
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
	keys := make([]string, 0, len(g.Scenario.Faults))
	for p := range g.Scenario.Faults {
		keys = append(keys, p)
	}
	slices.Sort(keys)
	for _, p := range keys {
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
