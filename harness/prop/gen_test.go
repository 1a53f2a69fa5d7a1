package prop_test

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"pgregory.net/rapid"

	"github.com/fallbackgate/fallbackgate/fakes"
	"github.com/fallbackgate/fallbackgate/harness"
	"github.com/fallbackgate/fallbackgate/harness/gate"
	"github.com/fallbackgate/fallbackgate/harness/model"
	"github.com/fallbackgate/fallbackgate/harness/prop"
	"github.com/fallbackgate/fallbackgate/resolver"
)

// The generators keep their labelled draws, so that go test still drives
// them with rapid.Check and rapid's own shrinking: these properties draw
// whole cases inside rapid.Check, with every option on.

var allOptions = prop.GenOptions{Hang: true, Until: true}

// TestGenScenarioFileRoundTrip: every generated scenario, written as a
// scenario file, parses back through harness.ParseScenario as the very
// set-up it was written from, and every plan in it is the fakes' shortest
// form of itself.
func TestGenScenarioFileRoundTrip(t *testing.T) {
	gen := prop.Gen(allOptions)
	rapid.Check(t, func(rt *rapid.T) {
		g := gen.Draw(rt, "case")
		data, err := prop.MarshalScenario(g.Scenario)
		if err != nil {
			rt.Fatalf("%s: %v", g.GoString(), err)
		}
		back, err := harness.ParseScenario("gen.yaml", data)
		if err != nil {
			rt.Fatalf("%s does not parse back: %v\n%s", g.GoString(), err, data)
		}
		want := g.Scenario
		want.Source = "gen.yaml"
		if diff := cmp.Diff(want, back, cmpopts.EquateEmpty()); diff != "" {
			rt.Fatalf("%s read back otherwise (-written +read):\n%s\n%s", g.GoString(), diff, data)
		}
		for p, text := range g.Scenario.Faults {
			plan, err := fakes.Parse(text)
			if err != nil {
				rt.Fatalf("faults.%s: %q does not parse: %v", p, text, err)
			}
			if plan.String() != text {
				rt.Errorf("faults.%s: %q prints as %q", p, text, plan.String())
			}
		}
	})
}

// TestGenModelNeverErrors: the model predicts every generated case,
// whatever its profile, hangs and time-based steps, without an error, and
// its prediction is coherent: bad usage exactly when a provider is pinned
// without a model, the exit code the surfaced error maps to, an answer
// exactly when the start-up lands, and never more resolves than the
// primary and the chain.
func TestGenModelNeverErrors(t *testing.T) {
	gen := prop.Gen(allOptions)
	rapid.Check(t, func(rt *rapid.T) {
		g := gen.Draw(rt, "case")
		seed := rapid.Int64Range(1, 1<<40).Draw(rt, "seed")
		opts := model.Options{Clock: fakes.NewManualClock(harness.Epoch), RequestTimeout: gate.PropRequestTimeout, CutHangs: true}
		want, err := model.Predict(context.Background(), g.Scenario, g.Profile, seed, opts)
		if err != nil {
			rt.Fatalf("%s: %v", g.GoString(), err)
		}
		pin := g.Scenario.Pin
		badUsage := pin.Provider != "" && pin.Model == ""
		if want.BadUsage != badUsage {
			rt.Fatalf("%s: bad usage %t; want %t", g.GoString(), want.BadUsage, badUsage)
		}
		if badUsage {
			if want.Exit != harness.ExitUsage || len(want.Resolves) != 0 {
				rt.Fatalf("%s: bad usage with exit %d and resolves %v", g.GoString(), want.Exit, want.Resolves)
			}
			return
		}
		if want.Exit != harness.ExitFor(want.Err) {
			rt.Fatalf("%s: exit %d for %v; want %d", g.GoString(), want.Exit, want.Err, harness.ExitFor(want.Err))
		}
		if (want.Err == nil) != (want.Answer != "") {
			rt.Fatalf("%s: error %v with answer %q", g.GoString(), want.Err, want.Answer)
		}
		if n := want.Decision.Attempts(); n == 0 || n > 1+len(want.Request.Chain) {
			rt.Fatalf("%s: %d start-up resolves for a chain of %d", g.GoString(), n, len(want.Request.Chain))
		}
		var ae *resolver.AuthError
		if want.Exit == harness.ExitRateLimited && !(errors.As(want.Err, &ae) && ae.RateLimited()) {
			rt.Fatalf("%s: exit 75 for %v, which is no rate limit", g.GoString(), want.Err)
		}
	})
}

// TestGenFixedProfile: a generated case drawn inside rapid.Check with a
// fixed profile keeps it, and the providers it plans faults for are
// exactly the ones it names.
func TestGenFixedProfile(t *testing.T) {
	for _, p := range resolver.Profiles() {
		gen := prop.Gen(prop.GenOptions{Profile: &p})
		rapid.Check(t, func(rt *rapid.T) {
			g := gen.Draw(rt, "case")
			if g.Profile.Name != p.Name || g.Drawn {
				rt.Fatalf("%s: profile %s (drawn %t); want %s fixed", g.GoString(), g.Profile.Name, g.Drawn, p.Name)
			}
			named := []string{g.Scenario.Config.Model.Provider}
			for _, e := range g.Scenario.Config.FallbackProviders {
				named = append(named, e.Provider)
			}
			if g.Scenario.Pin.Provider != "" {
				named = append(named, g.Scenario.Pin.Provider)
			}
			slices.Sort(named)
			named = slices.Compact(named)
			var planned []string
			for q := range g.Scenario.Faults {
				planned = append(planned, q)
			}
			slices.Sort(planned)
			if !slices.Equal(named, planned) {
				rt.Fatalf("%s: faults planned for %v; want %v", g.GoString(), planned, named)
			}
			if n := len(g.Scenario.Config.FallbackProviders); n > prop.MaxGenChain {
				rt.Fatalf("%s: a chain of %d; at most %d", g.GoString(), n, prop.MaxGenChain)
			}
		})
	}
}
