package prop_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/fallbackgate/fallbackgate/fakes"
	"github.com/fallbackgate/fallbackgate/harness"
	"github.com/fallbackgate/fallbackgate/harness/gate"
	"github.com/fallbackgate/fallbackgate/harness/prop"
	"github.com/fallbackgate/fallbackgate/harness/reference"
	"github.com/fallbackgate/fallbackgate/resolver"
	"github.com/fallbackgate/fallbackgate/scenarios"
)

// TestExercised: each of the nine scenarios exercises the rules it is
// about, and not those it cannot: SF-8's rate-limited primary is no
// fallback (R15) and hands no key (R16), SF-3 lands at the end of the
// chain with nothing to hand on (R14, R1).
func TestExercised(t *testing.T) {
	sub := reference.Subject("reference", reference.Options{RequestTimeout: gate.PropRequestTimeout})
	defer sub.Close()
	for _, tt := range []struct {
		id        string
		want, not []string
	}{
		{"SF-1", []string{"R4", "R14", "R16", "R17", "R18"}, []string{"R1", "R9", "R15"}},
		{"SF-2", []string{"R1", "R9", "R10", "R14", "R15", "R16", "R18"}, []string{"R4", "R13"}},
		{"SF-3", []string{"R9", "R10", "R11", "R15"}, []string{"R1", "R14", "R18"}},
		{"SF-4", []string{"R9", "R11", "R13"}, []string{"R15", "R16"}},
		{"SF-5", []string{"R8"}, []string{"R9", "R15"}},
		{"SF-6", []string{"R10", "R15"}, nil},
		{"SF-7", []string{"R6"}, []string{"R9", "R15"}},
		{"SF-8", []string{"R7"}, []string{"R9", "R15", "R16"}},
		{"SF-9", []string{"R9", "R12"}, nil},
	} {
		scs, err := scenarios.Select([]string{tt.id})
		if err != nil {
			t.Fatal(err)
		}
		p, err := gate.Prepare(context.Background(), gate.Setup{Subject: sub, Scenario: scs[0], Seed: 1, Hooks: gate.InProcess(fakes.NewManualClock(harness.Epoch))})
		if err != nil {
			t.Fatal(err)
		}
		res, err := p.Run(context.Background(), harness.Oneshot)
		if err != nil {
			t.Fatal(err)
		}
		got := prop.Exercised(scs[0], p.Expected(), res)
		for _, r := range tt.want {
			if !slices.Contains(got, r) {
				t.Errorf("%s exercises %v; want %s among them", tt.id, got, r)
			}
		}
		for _, r := range tt.not {
			if slices.Contains(got, r) {
				t.Errorf("%s exercises %v; want no %s", tt.id, got, r)
			}
		}
	}
}

// TestCoverage: 200 generated cases of seed 1 exercise every rule of the
// contract on every surface, against the in-process reference judged as
// strict (what prop --in-process checks) and with a profile drawn per
// case; and they meet what the generator is tuned for: pins, bad usage, a
// rate-limited last entry surfaced, landing on a model-less entry, a
// shorthand entry, an entry equal to the primary, identical entries, base
// URLs (one with a trailing slash), a malformed 200 and a hang.
func TestCoverage(t *testing.T) {
	for _, tt := range []struct {
		name    string
		profile *resolver.Profile
	}{{"strict", strictProfile()}, {"drawn profiles", nil}} {
		t.Run(tt.name, func(t *testing.T) {
			target := inProcess("reference", reference.Options{}, tt.profile)
			met := map[string]int{}
			rep, err := prop.Run(context.Background(), prop.Config{Target: target, Checks: 200, Seed: 1, Gen: prop.GenOptions{Hang: true},
				OnCase: func(int, prop.Counts) {}})
			if err != nil {
				t.Fatal(err)
			}
			if !rep.OK() {
				t.Fatalf("the reference: failure %v, vacuous %v", rep.Failure != nil, rep.Vacuous)
			}
			c := rep.Coverage
			if gaps := c.GapsText(); gaps != "" {
				t.Errorf("200 cases of seed 1 left rules unexercised: %s\n%s", gaps, coverageTable(c))
			}
			for _, s := range harness.Surfaces {
				if c.Cases[s] != 200 {
					t.Errorf("%d cases counted on %s; want 200", c.Cases[s], s)
				}
			}
			t.Logf("rule coverage, seed 1, %s:\n%s", tt.name, coverageTable(c))

			gen := prop.Gen(prop.GenOptions{Hang: true, Profile: tt.profile})
			for i := range 200 {
				g := prop.Draw(gen, 1, i)
				o, err := runGenerated(context.Background(), target, g, []string{harness.Oneshot}, 1)
				if err != nil {
					t.Fatal(err)
				}
				countFeatures(met, g.Scenario, o)
			}
			for _, f := range []string{"pinned", "bad usage", "rate-limited last entry surfaced", "landed on a model-less entry",
				"shorthand entry", "entry equal to the primary", "identical entries", "base URL", "base URL with a trailing slash",
				"malformed 200", "hang"} {
				if met[f] == 0 {
					t.Errorf("no case of the 200 had a %s (%v)", f, met)
				}
			}
		})
	}
}

func countFeatures(met map[string]int, sc harness.Scenario, o prop.CaseOutcome) {
	w := o.Want
	add := func(f string, ok bool) {
		if ok {
			met[f]++
		}
	}
	add("pinned", w.Request.Pinned)
	add("bad usage", w.BadUsage)
	last := len(w.Decision.Trace) - 1
	add("rate-limited last entry surfaced", w.Rule == "R13" && resolver.IsRateLimited(w.Err) && last > 0 && w.Decision.Trace[last].Index >= 0)
	add("landed on a model-less entry", w.Err == nil && w.Decision.FellBack() && w.Decision.Landing(w.Request).Model == "")
	chain := sc.Config.FallbackProviders
	for i, e := range chain {
		add("shorthand entry", e.Shorthand)
		add("entry equal to the primary", e.Entry.Normalize() == (resolver.Entry{Provider: sc.Config.Model.Provider, Model: sc.Config.Model.Default}))
		add("identical entries", slices.ContainsFunc(chain[:i], func(p harness.ConfigEntry) bool { return p.Entry.Normalize() == e.Entry.Normalize() }))
		add("base URL", e.BaseURL != "")
		add("base URL with a trailing slash", strings.HasSuffix(e.BaseURL, "/"))
	}
	for _, r := range o.Results {
		for _, call := range r.Ledger {
			add("malformed 200", call.Served == fakes.ServedMalformed)
			add("hang", call.Served == fakes.ServedHang)
		}
	}
}

func coverageTable(c *prop.Coverage) string {
	var b strings.Builder
	for _, r := range prop.Rules {
		fmt.Fprintf(&b, "  %-4s", r)
		for _, s := range c.Surfaces {
			fmt.Fprintf(&b, " %s %-4d", s, c.Rules[r][s])
		}
		b.WriteString("\n")
	}
	return b.String()
}
