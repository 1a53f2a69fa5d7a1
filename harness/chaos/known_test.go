package chaos_test

import (
	"testing"

	"github.com/fallbackgate/fallbackgate/harness"
	"github.com/fallbackgate/fallbackgate/harness/chaos"
)

// TestChaosKnownFailures: a subject with a known, accepted divergence (the
// mutant that walks past a 429; R7 and R15 known on the gateway) runs a
// chaos schedule without a problem, every start-up that broke only those
// rules counted as known; with R15 alone known, the R7 problems remain.
func TestChaosKnownFailures(t *testing.T) {
	m := mutant(t, "falls-back-on-rate-limit")
	known := func(rules ...string) harness.KnownFunc {
		return func(surface, rule string) bool {
			for _, r := range rules {
				if surface == harness.Gateway && rule == r {
					return true
				}
			}
			return false
		}
	}
	cfg := chaos.Config{Surface: harness.Gateway, Sessions: 8, Turns: 20, Seed: 4}

	cfg.Known = known("R7", "R15")
	rep, _ := run(t, inProcess("mutant "+m.Name, m.Options, cfg))
	if !rep.OK() || rep.Known == 0 {
		t.Fatalf("with R7 and R15 known: ok %t, %d known start-ups, problems %v; want ok and some known", rep.OK(), rep.Known, rep.Problems)
	}

	cfg.Known = known("R15")
	rep, _ = run(t, inProcess("mutant "+m.Name, m.Options, cfg))
	if rep.OK() {
		t.Fatal("with only R15 known, the mutant's R7 went unreported")
	}
	for _, p := range rep.Problems {
		if p.Startup != "" && p.Rule != "R7" && p.Rule != "R15" {
			t.Errorf("unexpected problem %v", p)
		}
	}
}
