package scenarios

import (
	"context"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/fallbackgate/fallbackgate/harness"
	"github.com/fallbackgate/fallbackgate/resolver"
)

// TestRegressions replays every saved counterexample: its expectations
// must be the model's, and the reference must pass it on every surface
// and every profile the file names. A counterexample of a quota
// amplification (R7) must still catch a start-up that walks past a 429.
func TestRegressions(t *testing.T) {
	regs := Regressions()
	if len(regs) == 0 {
		t.Fatal("scenarios/regressions holds no counterexample")
	}
	ctx := context.Background()
	for _, sc := range regs {
		t.Run(sc.ID, func(t *testing.T) {
			profiles := []resolver.Profile{resolver.Strict}
			for name := range sc.Profiles {
				p, _ := resolver.ProfileByName(name)
				profiles = append(profiles, p)
			}
			for _, p := range profiles {
				want, err := harness.PredictWith(ctx, sc, p, 1, harness.InProcessPredict(nil))
				if err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff(sc.ExpectationFor(p.Name), harness.ModelExpectation(want), cmpopts.EquateEmpty()); diff != "" {
					t.Errorf("%s: profile %s: the file's expectations differ from the model (-file +model):\n%s", sc.Source, p.Name, diff)
				}
				for _, surf := range harness.Surfaces {
					res, err := harness.RunReferenceCase(ctx, "reference", harness.Options{Profile: p}, sc, surf, 1, nil)
					if err != nil {
						t.Fatal(err)
					}
					if res.Verdict != harness.VerdictPass {
						t.Errorf("%s on the reference's %s (profile %s): %v", sc.Source, surf, p.Name, res.Violations)
					}
				}
			}
			if !slices.Contains(sc.Rules, "R7") {
				return
			}
			walks := harness.Options{Decide: func(req resolver.Request, rf resolver.ResolveFunc) (resolver.Decision, error) {
				req.Profile.WalkOnRateLimit = true
				return resolver.Resolve(req, rf)
			}}
			for _, surf := range harness.Surfaces {
				res, err := harness.RunReferenceCase(ctx, "walks-on-429", walks, sc, surf, 1, nil)
				if err != nil {
					t.Fatal(err)
				}
				if res.Verdict != harness.VerdictFail {
					t.Errorf("%s no longer catches a %s that walks past a 429", sc.Source, surf)
				}
			}
		})
	}
}
