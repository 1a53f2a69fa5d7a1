package chaos

import (
	"context"
	"fmt"
	"reflect"
	"slices"

	"github.com/fallbackgate/fallbackgate/harness"
	"github.com/fallbackgate/fallbackgate/harness/gate"
	"github.com/fallbackgate/fallbackgate/harness/prop"
	"github.com/fallbackgate/fallbackgate/resolver"
)

// MaxMinimizeRuns bounds the runs spent minimizing a chaos counterexample.
const MaxMinimizeRuns = 48

// Replay is how a chaos counterexample is replayed alone, as its replay
// command (`fallbackgate run --scenario-file FILE --surface S --seed N`)
// does: on a fresh subject each time (a dead gateway would fail anything),
// on the run's surface, with the run's seed.
type Replay struct {
	// Open opens a fresh subject; the replay closes it.
	Open    func() (*harness.Subject, error)
	Surface string
	Seed    int64
	// Dir is where the counterexample is saved.
	Dir string
}

// Counterexample is the first failing start-up of a chaos run, saved as a
// scenario file.
type Counterexample struct {
	// Startup is the start-up it came from ("t5/s1").
	Startup  string
	Scenario harness.Scenario
	YAML     []byte
	// Path is the file it was saved as.
	Path string
	// Minimized is set when it was minimized; MinimizeRuns counts the runs
	// alone that took.
	Minimized    bool
	MinimizeRuns int
	// Alone is the saved scenario replayed alone: when it passes, the
	// failure needs the concurrent start-ups.
	Alone harness.Result
}

// SaveCounterexample saves the first failing start-up of a chaos run as a
// scenario file. When it fails replayed alone, it is first minimized
// (prop.Minimize, at most MaxMinimizeRuns runs) while it still breaks one of
// the rules it broke in the run, and named after what is left; the saved
// scenario replayed alone is in the result.
func SaveCounterexample(ctx context.Context, rep *Report, r Replay) (*Counterexample, error) {
	rec := rep.First
	if rec == nil {
		return nil, fmt.Errorf("chaos: no failing start-up")
	}
	p, err := resolver.ProfileByName(rep.Info.Profile)
	if err != nil {
		return nil, err
	}
	note := fmt.Sprintf("start-up %s of fallbackgate chaos --seed %d against %s", rec.ID, rep.Info.Seed, rep.Info.Subject)
	failed := harness.Result{Surface: rep.Info.Surface, Status: harness.StatusFail, Violations: rec.Result.Violations}
	o := prop.CaseOutcome{Generated: prop.Generated{Scenario: rec.Scenario(), Profile: p}, Results: []harness.Result{failed}}
	ce := &Counterexample{Startup: rec.ID}
	if ce.Scenario, ce.YAML, err = prop.Counterexample(ctx, o, note); err != nil {
		return nil, err
	}
	rules := rec.Result.Violations.Rules()
	if ce.Alone, err = r.alone(ctx, ce.Scenario); err != nil {
		return nil, err
	}
	if breaksAny(ce.Alone, rules) {
		min, runs, err := prop.Minimize(ctx, ce.Scenario, MaxMinimizeRuns, func(ctx context.Context, c harness.Scenario) (bool, error) {
			res, err := r.alone(ctx, c)
			return breaksAny(res, rules), err
		})
		if err != nil {
			return nil, err
		}
		ce.Minimized, ce.MinimizeRuns = true, runs
		if !reflect.DeepEqual(min, ce.Scenario) {
			note += ", minimized"
			// Named first, so that the run whose violations the summary
			// quotes ran under the file's own ID.
			named, _, err := prop.Counterexample(ctx, prop.CaseOutcome{Generated: prop.Generated{Scenario: min, Profile: p}}, note)
			if err != nil {
				return nil, err
			}
			if ce.Alone, err = r.alone(ctx, named); err != nil {
				return nil, err
			}
			o := prop.CaseOutcome{Generated: prop.Generated{Scenario: named, Profile: p}, Results: []harness.Result{ce.Alone}}
			if ce.Scenario, ce.YAML, err = prop.Counterexample(ctx, o, note); err != nil {
				return nil, err
			}
		}
	}
	if ce.Path, err = prop.SaveScenario(r.Dir, ce.Scenario.ID, ce.YAML); err != nil {
		return nil, err
	}
	return ce, nil
}

// alone runs sc as its replay command does, on a fresh subject.
func (r Replay) alone(ctx context.Context, sc harness.Scenario) (harness.Result, error) {
	sub, err := r.Open()
	if err != nil {
		return harness.Result{}, err
	}
	res, err := gate.RunCase(ctx, gate.Setup{Subject: sub, Scenario: sc, Seed: gate.CaseSeed(r.Seed, sc.ID, r.Surface), RunSeed: r.Seed}, r.Surface)
	_ = sub.Close() // a death is in the result
	if err != nil {
		return res, fmt.Errorf("replaying %s alone: %w", sc.ID, err)
	}
	return res, nil
}

// breaksAny reports whether res failed citing one of rules.
func breaksAny(res harness.Result, rules []string) bool {
	if !res.Failed() {
		return false
	}
	for _, rule := range res.Violations.Rules() {
		if slices.Contains(rules, rule) {
			return true
		}
	}
	return false
}
