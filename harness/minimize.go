package harness

import (
	"context"
	"maps"
	"slices"
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
func Minimize(ctx context.Context, sc Scenario, maxTries int, fails func(context.Context, Scenario) (bool, error)) (Scenario, int, error) {
	tries := 0
	for progress := true; progress; {
		progress = false
		for _, cand := range simplerScenarios(sc) {
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

// simplerScenarios lists the one-step simplifications of sc, the biggest
// first: without the legacy fallback_model, without one chain entry (the
// last first), without the pin, with the primary's or an entry's base URL
// dropped, and with one provider's fault plan removed (healthy). A
// provider no longer in the config loses its plan too: a scenario file
// may only plan the providers it names.
func simplerScenarios(sc Scenario) []Scenario {
	var out []Scenario
	with := func(change func(*Scenario)) {
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
		with(func(c *Scenario) { c.Config.FallbackModel = nil })
	}
	for i := len(sc.Config.FallbackProviders) - 1; i >= 0; i-- {
		with(func(c *Scenario) { c.Config.FallbackProviders = slices.Delete(c.Config.FallbackProviders, i, i+1) })
	}
	if sc.Pin != (Args{}) {
		with(func(c *Scenario) { c.Pin = Args{} })
	}
	if sc.Config.Model.BaseURL != "" {
		with(func(c *Scenario) { c.Config.Model.BaseURL = "" })
	}
	for i, e := range sc.Config.FallbackProviders {
		if e.BaseURL != "" {
			with(func(c *Scenario) { c.Config.FallbackProviders[i].BaseURL = "" })
		}
	}
	if fm := sc.Config.FallbackModel; fm != nil && fm.BaseURL != "" {
		with(func(c *Scenario) { c.Config.FallbackModel.BaseURL = "" })
	}
	for _, p := range slices.Sorted(maps.Keys(sc.Faults)) {
		if plan := sc.Faults[p]; plan != "" && plan != "ok" {
			with(func(c *Scenario) { delete(c.Faults, p) })
		}
	}
	return out
}

// pruneFaults drops the fault plans of providers the scenario no longer
// names (primary, chain, legacy fallback_model or pin).
func pruneFaults(sc *Scenario) {
	named := map[string]bool{sc.Config.Model.Provider: true, sc.Pin.Provider: true}
	for _, e := range sc.Config.FallbackProviders {
		named[e.Provider] = true
	}
	if fm := sc.Config.FallbackModel; fm != nil {
		named[fm.Provider] = true
	}
	maps.DeleteFunc(sc.Faults, func(p, _ string) bool { return !named[p] })
}
