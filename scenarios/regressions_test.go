package scenarios

import (
	"context"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/fallbackgate/fallbackgate/harness"
	"github.com/fallbackgate/fallbackgate/harness/gate"
	"github.com/fallbackgate/fallbackgate/harness/model"
	"github.com/fallbackgate/fallbackgate/harness/reference"
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
				want, err := model.Predict(ctx, sc, p, 1, model.Options{RequestTimeout: gate.PropRequestTimeout, CutHangs: true})
				if err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff(sc.ExpectationFor(p.Name), model.Expectation(want), cmpopts.EquateEmpty()); diff != "" {
					t.Errorf("%s: profile %s: the file's expectations differ from the model (-file +model):\n%s", sc.Source, p.Name, diff)
				}
				for _, surf := range harness.Surfaces {
					res, err := runReferenceCase(ctx, "reference", reference.Options{Profile: p}, sc, surf)
					if err != nil {
						t.Fatal(err)
					}
					if res.Status == harness.StatusNotImplemented && surf == harness.Gateway && want.BadUsage {
						// CONTRACT.md: bad usage is n/a on the gateway,
						// which has no command line; the gate does not
						// run it there.
						continue
					}
					if res.Status != harness.StatusPass {
						t.Errorf("%s on the reference's %s (profile %s): %v", sc.Source, surf, p.Name, res.Violations)
					}
				}
			}
			if !slices.Contains(sc.Rules, "R7") {
				return
			}
			walks := reference.Options{Profile: resolver.Strict, Decide: func(req resolver.Request, rf resolver.ResolveFunc) (resolver.Decision, error) {
				req.Profile.WalkOnRateLimit = true
				return resolver.Resolve(req, rf)
			}}
			for _, surf := range harness.Surfaces {
				res, err := runReferenceCase(ctx, "walks-on-429", walks, sc, surf)
				if err != nil {
					t.Fatal(err)
				}
				if res.Status != harness.StatusFail {
					t.Errorf("%s no longer catches a %s that walks past a 429", sc.Source, surf)
				}
			}
		})
	}
}

// runReferenceCase runs sc with seed 1 on surface of the in-process
// reference subject that opts describe (named name), its fakes reached
// in-process on the real clock with hangs cut at once, and judges it
// against the model.
func runReferenceCase(ctx context.Context, name string, opts reference.Options, sc harness.Scenario, surface string) (harness.Result, error) {
	opts.RequestTimeout = gate.PropRequestTimeout
	sub := reference.Subject(name, opts)
	defer sub.Close()
	return gate.RunCase(ctx, gate.Setup{Subject: sub, Scenario: sc, Seed: 1, Hooks: gate.InProcess(nil)}, surface)
}
