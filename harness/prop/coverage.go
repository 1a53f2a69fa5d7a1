package prop

import (
	"fmt"
	"slices"
	"strings"

	"github.com/fallbackgate/fallbackgate/harness"
	"github.com/fallbackgate/fallbackgate/resolver"
)

// Rules are the rules of the contract (CONTRACT.md 1.1), in order: the
// rows of a rule-coverage table.
var Rules = []string{"R1", "R2", "R3", "R4", "R5", "R6", "R7", "R8", "R9", "R10", "R11", "R12", "R13", "R14", "R15", "R16", "R17", "R18"}

// Exercised returns the rules, in contract order, that one case exercised
// on one surface: the rules whose checks had something to find in it. It
// is read from the case (sc, as written), the model's expectation (want)
// and the surface's judged result (res), never from the verdict, so a
// failing case exercises what a passing one would:
//
//   - R1 (one read): the start-up fell back and handed on a non-empty
//     remaining chain, so the walk and the hand-off both used the chain and
//     a second read that differed would show. (Rewriting the config during
//     the start-up is the drift scenario MX-1's, which needs cases one at a
//     time; a property run does not do it.)
//   - R2 (entries as written): an entry written as a "provider/model"
//     string, or with a base URL that ends in "/", was resolved in the walk
//     or handed on.
//   - R3 (nothing dropped without a word): an entry written as a string
//     was resolved in the walk or handed on, so a reader that dropped it
//     would show. A malformed entry never reaches a case: a case's config
//     must load, and the loader's errors are resolver's tests.
//   - R4, R5, R8, R9, R11, R13: the model's decision trace cites the rule.
//   - R6 (pins): the start-up is pinned (the first resolve is the pin's),
//     or its pin is bad usage (a provider without a model).
//   - R7 (rate limits): the trace cites R7, or the surfaced error is
//     rate-limited (the last entry's under R13: exit 75, class rate_limit).
//   - R10 (effective model): the start-up landed on a chain entry.
//   - R12 (an entry equal to the primary): the walk resolved an entry equal
//     to the failed primary (provider, model and base URL).
//   - R14 (hand-off): the start-up landed with a non-empty remaining chain.
//   - R15 (loud fallback): the start-up fell back (the event and notice
//     must be there).
//   - R16 (no secrets): the fakes issued the subject a key (the start-up
//     landed), so the check had a secret to look for.
//   - R17 (bounded): the case ran on the surface (every case is bounded
//     by its timeout and checked for crashes).
//   - R18 (runtime walk): the surface's result checked the runtime hand-off
//     end to end (res.Handoff: a subject with the runtime-fallback
//     capability that landed with a remaining chain).
func Exercised(sc harness.Scenario, want harness.Expected, res harness.Result) []string {
	on := map[string]bool{"R17": true}
	if want.BadUsage {
		on["R6"] = true
		return rulesIn(on)
	}
	d := want.Decision
	for _, st := range d.Trace {
		if slices.Contains(Rules, st.Rule) {
			on[st.Rule] = true
		}
	}
	on["R6"] = on["R6"] || want.Request.Pinned
	on["R7"] = on["R7"] || resolver.IsRateLimited(want.Err)
	landed := want.Err == nil
	fell := landed && d.FellBack()
	on["R1"] = fell && len(d.Remaining) > 0
	on["R10"], on["R15"], on["R16"] = fell, fell, landed
	on["R14"] = landed && len(d.Remaining) > 0
	on["R18"] = res.Handoff
	chain := want.Request.Chain
	for _, st := range d.Trace {
		if st.Index >= 0 && st.Index < len(chain) && chain[st.Index] == want.Request.Primary {
			on["R12"] = true
		}
	}
	asWritten := written(sc.Config, chain)
	for i := range chain {
		if !observed(want, i) {
			continue
		}
		on["R2"] = on["R2"] || asWritten[i] != writtenAsRead
		on["R3"] = on["R3"] || asWritten[i] == writtenShorthand
	}
	return rulesIn(on)
}

func rulesIn(on map[string]bool) []string {
	var out []string
	for _, r := range Rules {
		if on[r] {
			out = append(out, r)
		}
	}
	return out
}

// observed reports whether entry i of the chain as read reached the
// subject's observable behaviour: resolved in the walk, or handed on.
func observed(want harness.Expected, i int) bool {
	for _, st := range want.Decision.Trace {
		if st.Index == i {
			return true
		}
	}
	d := want.Decision
	if want.Err != nil {
		return false
	}
	if want.Request.Profile.HandOffWholeChain || d.Landed < 0 {
		return i < len(d.Remaining)
	}
	return i > d.Landed
}

// How an entry of the chain as read was written in the config.
const (
	writtenAsRead    = iota // a mapping, as read
	writtenShorthand        // a "provider/model" string
	writtenNormal           // a mapping that the reader normalised (R2: a base URL's trailing "/")
)

// written says for each entry of chain (the chain as read) how the config
// wrote it: the first written entry that reads as it.
func written(cfg harness.CaseConfig, chain resolver.Chain) []int {
	all := slices.Clone(cfg.FallbackProviders)
	if cfg.FallbackModel != nil {
		all = append(all, *cfg.FallbackModel)
	}
	out := make([]int, len(chain))
	for i, e := range chain {
		for _, we := range all {
			if we.Entry.Normalize() != e {
				continue
			}
			switch {
			case we.Shorthand:
				out[i] = writtenShorthand
			case we.Entry != e:
				out[i] = writtenNormal
			}
			break
		}
	}
	return out
}

// Coverage counts, for each rule and surface, the cases of a run that
// exercised it (Exercised). A rule no case exercised on a surface is a
// gap: the run proves nothing about it there.
type Coverage struct {
	// Surfaces are the surfaces counted, in order.
	Surfaces []string `json:"surfaces"`
	// Cases counts the cases judged on each surface.
	Cases map[string]int `json:"cases"`
	// Rules counts, for each rule of Rules, the cases that exercised it on
	// each surface.
	Rules map[string]map[string]int `json:"rules"`
}

// NewCoverage returns an empty coverage of surfaces.
func NewCoverage(surfaces []string) *Coverage {
	c := &Coverage{Surfaces: slices.Clone(surfaces), Cases: map[string]int{}, Rules: map[string]map[string]int{}}
	for _, r := range Rules {
		c.Rules[r] = map[string]int{}
	}
	return c
}

// Add counts one case: scenario sc with the model's expectation want and
// its judged results, one per surface it ran on.
func (c *Coverage) Add(sc harness.Scenario, want harness.Expected, results []harness.Result) {
	for _, res := range results {
		if res.Status == harness.StatusNotImplemented || !slices.Contains(c.Surfaces, res.Surface) {
			continue
		}
		c.Cases[res.Surface]++
		for _, r := range Exercised(sc, want, res) {
			c.Rules[r][res.Surface]++
		}
	}
}

// Merge adds o's counts to c's: the coverage of two parts of one run (the
// shards of a sharded run) taken together.
func (c *Coverage) Merge(o *Coverage) {
	if o == nil {
		return
	}
	for _, s := range o.Surfaces {
		if !slices.Contains(c.Surfaces, s) {
			c.Surfaces = append(c.Surfaces, s)
		}
	}
	for s, n := range o.Cases {
		c.Cases[s] += n
	}
	for r, by := range o.Rules {
		if c.Rules[r] == nil {
			c.Rules[r] = map[string]int{}
		}
		for s, n := range by {
			c.Rules[r][s] += n
		}
	}
}

// Gap is a rule that no case exercised on some surfaces.
type Gap struct {
	Rule     string
	Surfaces []string
}

// Gaps lists, in rule order, each rule no case exercised on some surface,
// with those surfaces.
func (c *Coverage) Gaps() []Gap {
	var out []Gap
	for _, r := range Rules {
		var where []string
		for _, s := range c.Surfaces {
			if c.Rules[r][s] == 0 {
				where = append(where, s)
			}
		}
		if len(where) > 0 {
			out = append(out, Gap{Rule: r, Surfaces: where})
		}
	}
	return out
}

// GapsText reads "R8 (every surface), R18 (cli)", or "" without a gap.
func (c *Coverage) GapsText() string {
	var parts []string
	for _, g := range c.Gaps() {
		where := strings.Join(g.Surfaces, ", ")
		if len(c.Surfaces) > 1 && len(g.Surfaces) == len(c.Surfaces) {
			where = "every surface"
		}
		parts = append(parts, fmt.Sprintf("%s (%s)", g.Rule, where))
	}
	return strings.Join(parts, ", ")
}
