package prop_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/fallbackgate/fallbackgate/fakes"
	"github.com/fallbackgate/fallbackgate/harness"
	"github.com/fallbackgate/fallbackgate/harness/prop"
	"github.com/fallbackgate/fallbackgate/harness/reference"
	"github.com/fallbackgate/fallbackgate/resolver"
)

func entry(provider, model, baseURL string) harness.ConfigEntry {
	return harness.ConfigEntry{Entry: resolver.Entry{Provider: provider, Model: model, BaseURL: baseURL}}
}

// TestMinimize: a failure that needs the primary's 429 and a chain entry
// on xai-oauth keeps exactly those; everything else goes.
func TestMinimize(t *testing.T) {
	legacy := entry("anthropic", "claude-opus-4-7", "")
	sc := harness.Scenario{
		ID: "chaos",
		Config: harness.CaseConfig{
			Model: harness.PrimaryConfig{Provider: "openai-codex", Default: "gpt-5.5", BaseURL: "https://proxy.example/v1"},
			FallbackProviders: []harness.ConfigEntry{
				entry("anthropic", "claude-opus-4-7", "https://proxy.example/v1"),
				entry("xai-oauth", "grok-4.3", "https://proxy.example/v1"),
				entry("openai-codex", "gpt-5.5", ""),
			},
			FallbackModel: &legacy,
		},
		Pin:    harness.Args{Model: "gpt-5.5"},
		Faults: map[string]string{"openai-codex": "429(retry_after=30s)", "anthropic": "missing", "xai-oauth": "ok"},
	}
	orig := sc.Config.FallbackProviders[1]
	fails := func(_ context.Context, c harness.Scenario) (bool, error) {
		hasXAI := slices.ContainsFunc(c.Config.FallbackProviders, func(e harness.ConfigEntry) bool { return e.Provider == "xai-oauth" })
		return hasXAI && c.Faults["openai-codex"] != "", nil
	}
	got, tries, err := prop.Minimize(context.Background(), sc, 100, fails)
	if err != nil {
		t.Fatal(err)
	}
	want := harness.Scenario{
		ID: "chaos",
		Config: harness.CaseConfig{
			Model:             harness.PrimaryConfig{Provider: "openai-codex", Default: "gpt-5.5"},
			FallbackProviders: []harness.ConfigEntry{entry("xai-oauth", "grok-4.3", "")},
		},
		Faults: map[string]string{"openai-codex": "429(retry_after=30s)", "xai-oauth": "ok"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("minimized scenario (-want +got):\n%s", diff)
	}
	if tries == 0 || tries > 40 {
		t.Errorf("%d tries; want a few dozen at most", tries)
	}
	// The input is not changed.
	if sc.Config.FallbackProviders[1] != orig || len(sc.Config.FallbackProviders) != 3 || sc.Faults["anthropic"] != "missing" {
		t.Errorf("Minimize changed its input: %+v", sc)
	}

	// The budget bounds the runs.
	if _, tries, _ := prop.Minimize(context.Background(), sc, 3, fails); tries != 3 {
		t.Errorf("%d tries with a budget of 3", tries)
	}
	// A failure that nothing simpler keeps is returned as it was.
	same, _, _ := prop.Minimize(context.Background(), sc, 100, func(_ context.Context, c harness.Scenario) (bool, error) {
		return cmp.Equal(c, sc), nil
	})
	if !cmp.Equal(same, sc) {
		t.Errorf("a scenario with no simpler failing form changed")
	}
}

// shrinkRun is a property run against a mutant (in-process, claiming
// strict) that failed, with what it logged and how many subjects it
// opened.
type shrinkRun struct {
	seed   int64
	target prop.Target
	rep    *prop.Report
	log    string
	opened int
}

// runToFailure runs the property against mutant m with seed and requires a
// counterexample.
func runToFailure(t *testing.T, m reference.Mutant, seed int64) shrinkRun {
	t.Helper()
	r := shrinkRun{seed: seed, target: inProcess("mutant "+m.Name, m.Options, strictProfile())}
	open := r.target.Open
	r.target.Open = func(p resolver.Profile) (*harness.Subject, error) {
		r.opened++
		return open(p)
	}
	var log strings.Builder
	rep, err := prop.Run(context.Background(), prop.Config{Target: r.target, Checks: 200, Seed: seed, Log: &log})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Failure == nil {
		t.Fatalf("mutant %s passed %d cases with seed %d; want a counterexample", m.Name, rep.Cases, seed)
	}
	r.rep, r.log = rep, log.String()
	return r
}

// drawn is the generated case that failed first, before shrinking: the
// last case the run drew.
func (r shrinkRun) drawn() prop.Generated {
	return prop.Draw(prop.Gen(prop.GenOptions{Profile: r.target.Profile}), r.seed, r.rep.Cases-1)
}

// logged returns the cases the run's log reports after prefix, in order.
func (r shrinkRun) logged(prefix string) []string {
	var out []string
	for _, line := range strings.Split(r.log, "\n") {
		if s, ok := strings.CutPrefix(line, "[prop] "+prefix); ok {
			out = append(out, s)
		}
	}
	return out
}

// indexOf returns the index of the first candidate that prints as s, or -1.
func indexOf(cands []prop.Generated, s string) int {
	return slices.IndexFunc(cands, func(c prop.Generated) bool { return c.GoString() == s })
}

// shrinkMutants are mutants the property finds, each broken in another way.
var shrinkMutants = []string{"falls-back-on-rate-limit", "leaks-key", "surfaces-primary-error"}

// TestShrinkStopsAtMinimal: shrinking takes, round after round, the first
// simpler candidate that still fails, and stops after a round in which no
// candidate fails: the runs it spent (Failure.Shrinks) are the candidates
// up to the one kept in each round, plus every candidate of the minimal
// case once, and not one more. The in-process target opened one subject
// for the run (one per profile): the drawn cases, the shrinking runs and
// the final run on every surface were each bound to their own fakes.
func TestShrinkStopsAtMinimal(t *testing.T) {
	lastRounds := map[bool]int{} // by whether the minimal case had candidates
	t.Cleanup(func() {
		// Both ends were met: a minimal case with nothing simpler to try
		// (no run after the last kept candidate) and one with candidates
		// that all pass.
		if !t.Failed() && (lastRounds[false] == 0 || lastRounds[true] == 0) {
			t.Errorf("minimal cases with and without candidates: %v; want both", lastRounds)
		}
	})
	for _, name := range shrinkMutants {
		for seed := int64(1); seed <= 3; seed++ {
			t.Run(fmt.Sprintf("%s/seed %d", name, seed), func(t *testing.T) {
				r := runToFailure(t, mutant(name), seed)
				f := r.rep.Failure
				cur := r.drawn()
				if draws := r.logged("draw case "); len(draws) != r.rep.Cases || !strings.HasSuffix(draws[len(draws)-1], ": "+cur.GoString()) {
					t.Fatalf("the run logged %d draws, the last %q; want %d, the last %q", len(draws), draws[len(draws)-1], r.rep.Cases, cur.GoString())
				}
				want := 0
				for i, s := range r.logged("shrunk: ") {
					cands := prop.SimplerCase(cur)
					k := indexOf(cands, s)
					if k < 0 {
						t.Fatalf("shrink round %d kept %s, which is no simpler candidate of %s", i+1, s, cur.GoString())
					}
					want += k + 1
					cur = cands[k]
				}
				last := len(prop.SimplerCase(cur))
				want += last
				lastRounds[last > 0]++
				if f.Shrinks != want {
					t.Errorf("%d shrinking runs; want %d, the last round's %d candidates of the minimal case included", f.Shrinks, want, last)
				}
				if cur.GoString() != f.Outcome.Generated.GoString() {
					t.Errorf("the counterexample is %s; the logged rounds end at %s", f.Outcome.Generated.GoString(), cur.GoString())
				}
				if r.opened != 1 {
					t.Errorf("opened %d subjects for %d cases, %d shrinking runs and the final run; want one, the strict profile's", r.opened, r.rep.Cases, f.Shrinks)
				}
			})
		}
	}
}

// TestShrunkCaseIsMinimal: no simpler candidate of a shrunk counterexample
// still fails with its class (the rules the drawn case broke on the
// surface it failed on first), and the counterexample itself does, on that
// surface and in its saved results.
func TestShrunkCaseIsMinimal(t *testing.T) {
	ctx := context.Background()
	for _, name := range shrinkMutants {
		for seed := int64(1); seed <= 3; seed++ {
			t.Run(fmt.Sprintf("%s/seed %d", name, seed), func(t *testing.T) {
				r := runToFailure(t, mutant(name), seed)
				first, err := runGenerated(ctx, r.target, r.drawn(), harness.Surfaces, seed)
				if err != nil {
					t.Fatal(err)
				}
				if len(first.Failed()) == 0 {
					t.Fatalf("the drawn case %s passes when run again", r.drawn().GoString())
				}
				class, _ := prop.ClassOf(first.Failed()[0], nil)
				if got := r.rep.Failure.Classes; len(got) != 1 || !got[0].Equal(class) {
					t.Fatalf("the counterexample stands for %v; want the drawn case's first class %v", got, class)
				}
				surface := []string{class.Surface}
				fails := func(o prop.CaseOutcome) bool {
					c, ok := prop.ClassOf(o.Results[0], nil)
					return ok && c.Equal(class)
				}
				min := r.rep.Failure.Outcome
				if len(min.Failed()) == 0 {
					t.Fatalf("the counterexample %s has no failing result", min.Generated.GoString())
				}
				if o, err := runGenerated(ctx, r.target, min.Generated, surface, seed); err != nil || !fails(o) {
					t.Fatalf("the counterexample %s does not fail with %v (%v)", min.Generated.GoString(), class, err)
				}
				for _, c := range prop.SimplerCase(min.Generated) {
					o, err := runGenerated(ctx, r.target, c, surface, seed)
					if err != nil {
						t.Fatal(err)
					}
					if fails(o) {
						t.Errorf("simpler candidate %s of the counterexample still fails with %v: %v", c.GoString(), class, o.Failed()[0].Violations)
					}
				}
			})
		}
	}
}

// TestSimplerCase: every candidate is one step simpler than the case and
// leaves it unchanged; a drawn profile may become strict, a fixed one
// never changes; and a case with nothing left to drop has no candidate.
func TestSimplerCase(t *testing.T) {
	base := harness.Scenario{ID: "gen", Name: "generated", Prompt: harness.DefaultPrompt,
		Config: harness.CaseConfig{Model: harness.PrimaryConfig{Provider: "xai-oauth", Default: "grok-4.3"}}}
	if c := prop.SimplerCase(prop.Generated{Scenario: base, Profile: resolver.Strict}); len(c) != 0 {
		t.Errorf("a bare primary has simpler candidates: %v", c)
	}
	healthy := base
	healthy.Faults = map[string]string{"xai-oauth": "ok"}
	if c := prop.SimplerCase(prop.Generated{Scenario: healthy, Profile: resolver.Strict}); len(c) != 0 {
		t.Errorf("a healthy primary has simpler candidates: %v", c)
	}
	lenient := resolver.Profiles()[len(resolver.Profiles())-1]
	if lenient.Name == resolver.Strict.Name {
		t.Fatal("want a profile other than strict")
	}
	if c := prop.SimplerCase(prop.Generated{Scenario: base, Profile: lenient}); len(c) != 0 {
		t.Errorf("a fixed profile is changed: %v", c)
	}
	if c := prop.SimplerCase(prop.Generated{Scenario: base, Profile: lenient, Drawn: true}); len(c) != 1 || c[0].Profile.Name != resolver.Strict.Name {
		t.Errorf("a drawn %s profile: candidates %v; want strict alone", lenient.Name, c)
	}

	gen := prop.Gen(prop.GenOptions{Hang: true})
	for i := range 80 {
		g := prop.Draw(gen, 1, i)
		before := g.GoString()
		for _, c := range prop.SimplerCase(g) {
			if c.GoString() == before {
				t.Errorf("case %d: a candidate equal to the case: %s", i, before)
			}
			if len(c.Scenario.Config.FallbackProviders) > len(g.Scenario.Config.FallbackProviders) || len(c.Scenario.Faults) > len(g.Scenario.Faults) {
				t.Errorf("case %d: candidate %s is bigger than %s", i, c.GoString(), before)
			}
			if _, err := harness.ParseScenario("candidate.yaml", mustMarshal(t, c.Scenario)); err != nil {
				t.Errorf("case %d: candidate %s is no scenario file: %v", i, c.GoString(), err)
			}
		}
		if g.GoString() != before {
			t.Errorf("case %d: SimplerCase changed its input: %s, was %s", i, g.GoString(), before)
		}
	}
}

func mustMarshal(t *testing.T, sc harness.Scenario) []byte {
	t.Helper()
	data, err := prop.MarshalScenario(sc)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// TestSimplerPlans: a fault plan shrinks too, one step at a time, as
// Minimize documents: one step of a sequence dropped (while another
// remains), a step's count cut to one, a completions section dropped.
func TestSimplerPlans(t *testing.T) {
	sc := harness.Scenario{ID: "gen", Config: harness.CaseConfig{Model: harness.PrimaryConfig{Provider: "xai-oauth", Default: "grok-4.3"}}}
	plans := func(plan string) []string {
		sc.Faults = map[string]string{"xai-oauth": plan}
		var out []string
		for _, c := range prop.Simpler(sc) {
			out = append(out, c.Faults["xai-oauth"])
		}
		return out
	}
	cases := []struct {
		plan string
		want []string // the candidates' plans for xai-oauth ("" is the plan removed)
	}{
		{"2*429(retry_after=30s) -> missing", []string{"", "missing", "429(retry_after=30s) -> missing"}},
		{"ok -> expired -> ok", []string{"", "expired -> ok", "ok -> ok", "ok -> expired"}},
		{"resolve: ok; completions: 2*503 -> ok", []string{"", "resolve: ok; completions: ok", "resolve: ok; completions: 503 -> ok", "resolve: ok; completions: 2*503", "ok"}},
	}
	requirePlansShrink(t)
	for _, c := range cases {
		got := plans(c.plan)
		for _, w := range c.want {
			if !slices.ContainsFunc(got, func(g string) bool { return normPlan(g) == normPlan(w) }) {
				t.Errorf("plan %q: candidates %q; want one with %q", c.plan, got, w)
			}
		}
	}
}

// normPlan is a plan as the fakes print it; "" stays "".
func normPlan(s string) string {
	if s == "" {
		return ""
	}
	p, err := fakes.Parse(s)
	if err != nil {
		return "unparsable " + s
	}
	return p.String()
}

// requirePlansShrink fails the test when simplerPlans offers no simpler
// plan than removing it: a two-step plan of the primary must also shrink
// to either of its steps. (A bug once compared each candidate with the
// plan it was made in place from, and dropped every one as unchanged.)
func requirePlansShrink(t *testing.T) {
	t.Helper()
	sc := harness.Scenario{ID: "gen", Config: harness.CaseConfig{Model: harness.PrimaryConfig{Provider: "xai-oauth", Default: "grok-4.3"}},
		Faults: map[string]string{"xai-oauth": "2*429(retry_after=30s) -> missing"}}
	for _, c := range prop.Simpler(sc) {
		if c.Faults["xai-oauth"] != "" {
			return
		}
	}
	t.Fatal("simplerPlans: a two-step plan of the primary has no simpler candidate but its removal: no step is ever dropped or cut")
}

// TestPropShrinksPlanToOne429: against the mutant that walks past a 429,
// the shrunk primary plan is the 429 alone, for every seed tried: the rest
// of the plan never matters to the failure. Except when the chain's entry
// is the primary's own provider and the class is a fallback that should
// not have happened (R7 with R15): that entry must then land, so the plan
// keeps a healthy step after the 429, and nothing more.
func TestPropShrinksPlanToOne429(t *testing.T) {
	requirePlansShrink(t)
	for seed := int64(1); seed <= 5; seed++ {
		f := runToFailure(t, mutant("falls-back-on-rate-limit"), seed).rep.Failure
		sc := f.Scenario
		text := sc.Faults[sc.Config.Model.Provider]
		plan, err := fakes.Parse(text)
		want := 1
		if slices.ContainsFunc(sc.Config.FallbackProviders, func(e harness.ConfigEntry) bool { return e.Provider == sc.Config.Model.Provider }) &&
			slices.Contains(sc.Rules, "R15") {
			want = 2
		}
		if err != nil || len(plan.Resolve) != want || plan.Resolve[0].Fault.Kind != fakes.RateLimited || plan.Completions != nil ||
			(want == 2 && plan.Resolve[1].Fault.Kind != fakes.OK) {
			t.Errorf("seed %d: shrunk primary plan %q; want a 429 step (then ok, when its provider must land in the chain):\n%s", seed, text, f.YAML)
		}
	}
}

// TestShrinkEndsWithoutBudget: shrinking a case that is already minimal
// runs each of its candidates once and stops, however long the shrink
// time is; the report keeps the time spent running the cases apart from
// the time spent shrinking, and counts every candidate run.
func TestShrinkEndsWithoutBudget(t *testing.T) {
	minimal := harness.Scenario{ID: "minimal", Name: "one rate-limited provider", Prompt: harness.DefaultPrompt,
		Config: harness.CaseConfig{Model: harness.PrimaryConfig{Provider: "openai-codex", Default: "gpt-5.5"},
			FallbackProviders: []harness.ConfigEntry{entry("xai-oauth", "grok-4.3", "")}},
		Faults: map[string]string{"openai-codex": "429(retry_after=30s)"}}
	rep, err := prop.Run(context.Background(), prop.Config{Target: inProcess("walks-on-429", mutant("falls-back-on-rate-limit").Options, strictProfile()),
		Checks: 1, Seed: 1, Scenarios: []harness.Scenario{minimal}, Surfaces: []string{harness.Oneshot}, ShrinkTime: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	f := rep.Failure
	if f == nil || rep.Cases != 1 {
		t.Fatalf("failure %v after %d case(s); want the scenario, the first case, to fail", f != nil, rep.Cases)
	}
	cands := prop.SimplerCase(f.Outcome.Generated)
	if f.Outcome.Generated.Scenario.Config.FallbackProviders[0].Provider != "xai-oauth" || f.Shrinks != len(cands) {
		t.Errorf("shrinking ran %d candidates and ended at %s; want the case itself, after its %d candidates once", f.Shrinks, f.Outcome.Generated.GoString(), len(cands))
	}
	if f.ShrinkCut {
		t.Error("ShrinkCut is set; want it clear: shrinking ended because no candidate failed")
	}
	if rep.Shrinks != f.Shrinks || rep.Generating <= 0 || rep.Shrinking <= 0 || rep.Generating+rep.Shrinking > rep.Duration {
		t.Errorf("report: %d shrinks (failure: %d), generating %s + shrinking %s, duration %s; want the parts apart and within the whole",
			rep.Shrinks, f.Shrinks, rep.Generating, rep.Shrinking, rep.Duration)
	}
}

// TestShrinkCutIsSaid: when the shrink time runs out while simpler
// candidates are left, the failure says so (ShrinkCut), so that a
// counterexample that may not be minimal is never passed off as one.
func TestShrinkCutIsSaid(t *testing.T) {
	big := harness.Scenario{ID: "big", Name: "a chain to shrink", Prompt: harness.DefaultPrompt,
		Config: harness.CaseConfig{Model: harness.PrimaryConfig{Provider: "openai-codex", Default: "gpt-5.5"},
			FallbackProviders: []harness.ConfigEntry{entry("xai-oauth", "grok-4.3", ""), entry("anthropic", "claude-opus-4-7", "")}},
		Faults: map[string]string{"openai-codex": "429(retry_after=30s)", "anthropic": "expired"}}
	rep, err := prop.Run(context.Background(), prop.Config{Target: inProcess("walks-on-429", mutant("falls-back-on-rate-limit").Options, strictProfile()),
		Checks: 1, Seed: 1, Scenarios: []harness.Scenario{big}, Surfaces: []string{harness.Oneshot}, ShrinkTime: time.Nanosecond})
	if err != nil {
		t.Fatal(err)
	}
	f := rep.Failure
	if f == nil || len(prop.SimplerCase(f.Outcome.Generated)) == 0 {
		t.Fatalf("want the scenario to fail with simpler candidates left; failure %v", f != nil)
	}
	if !f.ShrinkCut || f.Shrinks != 0 {
		t.Errorf("ShrinkCut %v after %d candidate(s); want it set, with none run in a nanosecond", f.ShrinkCut, f.Shrinks)
	}
}
