package prop

import (
	"context"
	"maps"
	"slices"

	"github.com/fallbackgate/fallbackgate/fakes"
	"github.com/fallbackgate/fallbackgate/harness"
	"github.com/fallbackgate/fallbackgate/resolver"
)

// Minimize shrinks a failing scenario for a person to read: it drops the
// legacy fallback_model, chain entries, the pin, base URLs and fault plans
// one at a time, keeping each change after which fails still reports a
// failure, and repeats until no change is kept or maxTries runs of fails
// are spent. It is the shrinking of a counterexample that rapid did not
// generate (a chaos start-up), so it works on the scenario itself; fails
// runs the changed scenario (on a fresh subject: a case that kills a
// gateway must not fail the next try for that reason) and says whether it
// still breaks the same rule. It returns the smallest scenario found and
// how many runs it took; the error is fails's.
func Minimize(ctx context.Context, sc harness.Scenario, maxTries int, fails func(context.Context, harness.Scenario) (bool, error)) (harness.Scenario, int, error) {
	tries := 0
	for progress := true; progress; {
		progress = false
		for _, cand := range Simpler(sc) {
			if tries >= maxTries || ctx.Err() != nil {
				return sc, tries, ctx.Err()
			}
			tries++
			ok, err := fails(ctx, cand)
			if err != nil {
				return sc, tries, err
			}
			if ok {
				sc, progress = cand, true
				break
			}
		}
	}
	return sc, tries, nil
}

// Simpler lists the one-step simplifications of sc, the biggest
// first: without the legacy fallback_model, without one chain entry (the
// last first), without the pin, with the primary's or an entry's base URL
// dropped, and with one provider's fault plan removed (healthy). A
// provider no longer in the config loses its plan too: a scenario file
// may only plan the providers it names.
func Simpler(sc harness.Scenario) []harness.Scenario {
	var out []harness.Scenario
	with := func(change func(*harness.Scenario)) {
		c := sc
		c.Config.FallbackProviders = slices.Clone(sc.Config.FallbackProviders)
		if sc.Config.FallbackModel != nil {
			fm := *sc.Config.FallbackModel
			c.Config.FallbackModel = &fm
		}
		c.Faults = maps.Clone(sc.Faults)
		change(&c)
		pruneFaults(&c)
		out = append(out, c)
	}
	if sc.Config.FallbackModel != nil {
		with(func(c *harness.Scenario) { c.Config.FallbackModel = nil })
	}
	for i := len(sc.Config.FallbackProviders) - 1; i >= 0; i-- {
		with(func(c *harness.Scenario) {
			c.Config.FallbackProviders = slices.Delete(c.Config.FallbackProviders, i, i+1)
		})
	}
	if sc.Pin != (harness.Args{}) {
		with(func(c *harness.Scenario) { c.Pin = harness.Args{} })
	}
	if sc.Config.Model.BaseURL != "" {
		with(func(c *harness.Scenario) { c.Config.Model.BaseURL = "" })
	}
	for i, e := range sc.Config.FallbackProviders {
		if e.BaseURL != "" {
			with(func(c *harness.Scenario) { c.Config.FallbackProviders[i].BaseURL = "" })
		}
	}
	if fm := sc.Config.FallbackModel; fm != nil && fm.BaseURL != "" {
		with(func(c *harness.Scenario) { c.Config.FallbackModel.BaseURL = "" })
	}
	for _, p := range slices.Sorted(maps.Keys(sc.Faults)) {
		if plan := sc.Faults[p]; plan != "" && plan != "ok" {
			with(func(c *harness.Scenario) { delete(c.Faults, p) })
		}
	}
	for _, p := range slices.Sorted(maps.Keys(sc.Faults)) {
		for _, plan := range simplerPlans(sc.Faults[p]) {
			with(func(c *harness.Scenario) { c.Faults[p] = plan })
		}
	}
	return out
}

// simplerPlans lists the one-step simplifications of a fault plan: one step
// of a sequence dropped (while another remains), a step's count cut to one,
// a completions section dropped. A plan that does not parse has none.
func simplerPlans(text string) []string {
	plan, err := fakes.Parse(text)
	if err != nil {
		return nil
	}
	var out []string
	orig := plan.String()
	add := func(p fakes.Plan) {
		if s := p.String(); s != orig && !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	for _, seq := range []*[]fakes.Step{&plan.Resolve, &plan.Completions} {
		steps := *seq
		for i := range steps {
			if len(steps) > 1 {
				*seq = slices.Delete(slices.Clone(steps), i, i+1)
				add(plan)
			}
			if steps[i].Count > 1 {
				*seq = slices.Clone(steps)
				(*seq)[i].Count = 1
				add(plan)
			}
		}
		*seq = steps
	}
	if len(plan.Completions) > 0 {
		add(fakes.Plan{Resolve: plan.Resolve})
	}
	return out
}

// SimplerCase lists the one-step simplifications of a generated case: its
// scenario's (Simpler), then the strict profile in place of a drawn one.
func SimplerCase(g Generated) []Generated {
	var out []Generated
	for _, sc := range Simpler(g.Scenario) {
		out = append(out, g.with(sc))
	}
	if g.Profile.Name != resolver.Strict.Name && g.Drawn {
		c := g
		c.Profile = resolver.Strict
		out = append(out, c)
	}
	return out
}

// pruneFaults drops the fault plans of providers the scenario no longer
// names (primary, chain, legacy fallback_model or pin).
func pruneFaults(sc *harness.Scenario) {
	named := map[string]bool{sc.Config.Model.Provider: true, sc.Pin.Provider: true}
	for _, e := range sc.Config.FallbackProviders {
		named[e.Provider] = true
	}
	if fm := sc.Config.FallbackModel; fm != nil {
		named[fm.Provider] = true
	}
	maps.DeleteFunc(sc.Faults, func(p, _ string) bool { return !named[p] })
}
