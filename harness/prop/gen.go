package prop

import (
	"fmt"
	"strings"
	"time"

	"pgregory.net/rapid"

	"github.com/fallbackgate/fallbackgate/fakes"
	"github.com/fallbackgate/fallbackgate/harness"
	"github.com/fallbackgate/fallbackgate/resolver"
)

// This file holds the rapid generators of whole cases: a primary, a chain,
// a pin, a fault plan per provider and a profile. Every draw is labelled
// ("chain[2].model", "faults.anthropic.step[1]"), so that rapid's report of a
// shrunk case reads like the scenario file it is saved as.

// genModels is the pool of providers a generated case draws from, with
// the models each may name. openrouter's models contain a slash, so a
// shorthand entry for it tests R2's split at the first slash.
var genModels = map[string][]string{
	"xai-oauth":    {"grok-4.3", "grok-4.3-mini"},
	"openai-codex": {"gpt-5.5", "gpt-5.5-mini"},
	"anthropic":    {"claude-opus-4-7", "claude-sonnet-4-7"},
	"openrouter":   {"meta/llama-4", "qwen/qwen3"},
}

// genPool is genModels' names in a fixed order: rapid shrinks a
// sampled value towards the first.
var genPool = []string{"xai-oauth", "openai-codex", "anthropic", "openrouter"}

// genBaseURLs are the base URLs a chain entry may carry; the fakes record
// them (the ledger's base_url), the contract says they are passed on (R9,
// R14) with a trailing slash stripped (R2). "{provider}" becomes the
// entry's provider, so that entries of one chain carry different base
// URLs. The draw is biased towards a base URL (three draws in four), so
// that properties compare base URLs often; shrinking goes to none.
var genBaseURLs = []string{"", "https://proxy.example/v1", "https://eu.{provider}.example/v1/", "https://{provider}.gateway.example"}

// MaxGenChain is the longest chain a generator draws.
const MaxGenChain = 8

// GenOptions shapes what a case generator draws. The zero value draws every
// profile, no hanging fakes and no time-based steps.
type GenOptions struct {
	// Profile fixes the profile (a subject's claim); nil draws one of
	// resolver.Profiles().
	Profile *resolver.Profile
	// Hang lets fault plans hang. A hang costs the request bound of the
	// model and of the surface (Options.RequestTimeout, or a subject's own
	// timeout) each time it is met.
	Hang bool
	// Until lets fault plans have time-based steps ("ok until 30s ->
	// expired"). They are repeatable only when model and surface read the
	// same virtual clock; count-based steps ("1*ok -> missing") start faults
	// mid-run on any surface.
	Until bool
}

// Generated is one drawn case: a scenario (no expectations; the model
// supplies them) and the profile the surface is judged for.
type Generated struct {
	Scenario harness.Scenario
	Profile  resolver.Profile
	// Drawn is set when the profile was drawn rather than fixed by the
	// subject's claim: shrinking may then try strict instead.
	Drawn bool
}

// genKinds are the fault kinds a plan step draws, grouped by what a
// start-up does with them (see draw).
type genKinds struct {
	auth, other []fakes.Kind
}

func newGenKinds(hang bool) genKinds {
	var k genKinds
	for _, kind := range fakes.Kinds() {
		switch {
		case kind == fakes.OK || kind == fakes.RateLimited || (kind == fakes.Hang && !hang):
		case kind.Status() == 401 || kind.Status() == 403:
			k.auth = append(k.auth, kind)
		default:
			k.other = append(k.other, kind) // 4xx and 5xx, malformed, reset, hang
		}
	}
	return k
}

// draw draws a fault kind weighted by what a start-up does with it, not
// kind by kind: a third healthy, a third an auth failure (one of eight
// kinds), one in nine a 429 and two in nine another error (a malformed
// 200, a reset, a 4xx or 5xx, a hang when hangs are on). So a walk lands
// on an entry about as often as it moves on, and 200 cases exercise every
// rule of the contract on every surface (TestCoverage). The weights come
// from draws of three values, which rapid makes about uniform (a draw
// from a long list it biases heavily towards the first items); healthy
// comes first, so that rapid shrinks towards it.
func (k genKinds) draw(t *rapid.T) fakes.Kind {
	switch rapid.IntRange(0, 2).Draw(t, "fault.class") {
	case 0:
		return fakes.OK
	case 1:
		return rapid.SampledFrom(k.auth).Draw(t, "fault.auth")
	}
	if rapid.IntRange(0, 2).Draw(t, "fault.trouble") == 0 {
		return fakes.RateLimited
	}
	return rapid.SampledFrom(k.other).Draw(t, "fault.other")
}

var genRetryAfter = []time.Duration{30 * time.Second, time.Second, 120 * time.Second}

// genPins are the shapes of a pin; a case is pinned one time in four
// (only an unpinned start-up walks the chain), and one in four of those
// pins a provider without a model (bad usage).
var genPins = []string{"model", "provider+model", "provider+model", "provider-without-model"}

// Gen returns a generator of whole cases shaped by opts.
func Gen(opts GenOptions) *rapid.Generator[Generated] {
	kinds := newGenKinds(opts.Hang)
	return rapid.Custom(func(t *rapid.T) Generated {
		var g Generated
		if opts.Profile != nil {
			g.Profile = *opts.Profile
		} else {
			names := make([]string, 0, 3)
			for _, p := range resolver.Profiles() {
				names = append(names, p.Name)
			}
			g.Profile, _ = resolver.ProfileByName(rapid.SampledFrom(names).Draw(t, "profile"))
			g.Drawn = true
		}
		sc := harness.Scenario{ID: "gen", Name: "generated", Prompt: harness.DefaultPrompt}
		primary := rapid.SampledFrom(genPool).Draw(t, "primary")
		sc.Config.Model = harness.PrimaryConfig{Provider: primary, Default: rapid.SampledFrom(genModels[primary]).Draw(t, "primary.model")}
		primaryEntry := resolver.Entry{Provider: primary, Model: sc.Config.Model.Default}
		chain := rapid.SliceOfN(rapid.Custom(func(t *rapid.T) harness.ConfigEntry { return genEntry(t, primaryEntry) }), 0, MaxGenChain).Draw(t, "chain")
		for i := 1; i < len(chain); i++ {
			// Now and then an entry identical to an earlier one (profile
			// upstream collapses them when it reads the chain).
			if rapid.IntRange(0, 9).Draw(t, fmt.Sprintf("chain[%d].duplicate", i)) == 0 {
				chain[i] = chain[rapid.IntRange(0, i-1).Draw(t, fmt.Sprintf("chain[%d].duplicate_of", i))]
			}
		}
		sc.Config.FallbackProviders = chain
		pin := "none"
		if rapid.IntRange(0, 3).Draw(t, "pinned") == 0 {
			pin = rapid.SampledFrom(genPins).Draw(t, "pin")
		}
		switch pin {
		case "model":
			sc.Pin.Model = rapid.SampledFrom(genModels[primary]).Draw(t, "pin.model")
		case "provider+model", "provider-without-model":
			p := rapid.SampledFrom(genPool).Draw(t, "pin.provider")
			sc.Pin.Provider = p
			if pin == "provider+model" {
				sc.Pin.Model = rapid.SampledFrom(genModels[p]).Draw(t, "pin.model")
			}
		}
		sc.Faults = map[string]string{}
		for _, p := range genProviders(sc) {
			sc.Faults[p] = planGen(kinds, opts.Until).Draw(t, "faults."+p)
		}
		return g.with(sc)
	})
}

func (g Generated) with(sc harness.Scenario) Generated {
	g.Scenario = sc
	return g
}

// genEntry draws one chain entry: about one time in six an entry equal
// to the primary (R12), as a mapping or a shorthand string; otherwise a
// provider of the pool (the primary's again about one time in four), a
// model or none, a base URL or none, and the shorthand form when the entry
// is just a provider and a model. Chain entries are drawn as a rapid
// slice, so that shrinking removes whole entries.
func genEntry(t *rapid.T, primary resolver.Entry) harness.ConfigEntry {
	if rapid.IntRange(0, 5).Draw(t, "equals_primary") == 0 {
		return harness.ConfigEntry{Entry: primary, Shorthand: rapid.Bool().Draw(t, "shorthand")}
	}
	p := rapid.SampledFrom(genPool).Draw(t, "provider")
	models := append([]string{""}, genModels[p]...)
	e := harness.ConfigEntry{Entry: resolver.Entry{Provider: p, Model: rapid.SampledFrom(models).Draw(t, "model")}}
	e.BaseURL = strings.ReplaceAll(rapid.SampledFrom(genBaseURLs).Draw(t, "base_url"), "{provider}", p)
	if e.Model != "" && e.BaseURL == "" {
		e.Shorthand = rapid.Bool().Draw(t, "shorthand")
	}
	return e
}

// planGen draws one provider's /resolve plan, in the plan language: one to
// four steps, each a fault served for one or two calls (the last for
// ever), so that faults start mid-run ("ok -> missing"), flap ("ok ->
// expired -> ok") or come and go. With until, a step may end at a
// fleet-clock offset instead. Shrinking removes steps and moves each fault
// towards ok.
func planGen(kinds genKinds, until bool) *rapid.Generator[string] {
	step := rapid.Custom(func(t *rapid.T) fakes.Step {
		f := fakes.Fault{Kind: kinds.draw(t)}
		if f.Kind == fakes.RateLimited {
			f.RetryAfter = rapid.SampledFrom(genRetryAfter).Draw(t, "retry_after")
		}
		s := fakes.Step{Fault: f, Count: rapid.IntRange(1, 2).Draw(t, "count")}
		if until && rapid.Bool().Draw(t, "timed") {
			s.Count, s.Until = 0, time.Duration(rapid.IntRange(1, 120).Draw(t, "until_s"))*time.Second
		}
		return s
	})
	return rapid.Custom(func(t *rapid.T) string {
		steps := rapid.SliceOfN(step, 1, 4).Draw(t, "steps")
		return fakes.Plan{Resolve: compactSteps(steps)}.String()
	})
}

// compactSteps merges neighbouring count steps of the same fault and
// drops what follows a final step, so that a plan prints in its shortest
// form ("2*ok -> missing", not "1*ok -> 1*ok -> missing").
func compactSteps(steps []fakes.Step) []fakes.Step {
	out := []fakes.Step{}
	for i, s := range steps {
		if i == len(steps)-1 {
			s.Count, s.Until = 1, 0
			if len(out) > 0 && out[len(out)-1].Fault == s.Fault && out[len(out)-1].Until == 0 {
				out = out[:len(out)-1]
			}
			out = append(out, s)
			break
		}
		if len(out) > 0 && out[len(out)-1].Fault == s.Fault && out[len(out)-1].Until == 0 && s.Until == 0 {
			out[len(out)-1].Count += s.Count
			continue
		}
		out = append(out, s)
	}
	if len(out) == 1 {
		out[0].Count = 1
	}
	return out
}

// genProviders lists the providers of a drawn scenario in pool order: the
// primary, the chain's and the pinned provider.
func genProviders(sc harness.Scenario) []string {
	used := map[string]bool{sc.Config.Model.Provider: true, sc.Pin.Provider: true}
	for _, e := range sc.Config.FallbackProviders {
		used[e.Provider] = true
	}
	var out []string
	for _, p := range genPool {
		if used[p] {
			out = append(out, p)
		}
	}
	return out
}
