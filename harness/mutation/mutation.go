package mutation

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/fallbackgate/fallbackgate/harness"
	"github.com/fallbackgate/fallbackgate/harness/gate"
	"github.com/fallbackgate/fallbackgate/harness/prop"
	"github.com/fallbackgate/fallbackgate/harness/reference"
	"github.com/fallbackgate/fallbackgate/resolver"
)

// Stage is one stage of a mutation run: it runs part of the gate
// against a subject and returns the first failure it finds, or nil when the
// subject passed the whole stage. Stages run in order and a mutant's run
// stops at its first kill. The scenario stages are [ScenarioStage] and
// [DriftStage]; a property stage is any function of this shape.
type Stage struct {
	// Name names the stage in reports: "scenarios", "drift", "properties".
	Name string
	// Kill runs the stage against sub with seed. The error is for failures
	// of the harness itself, never for a violation.
	Kill func(ctx context.Context, sub *harness.Subject, seed int64) (*Kill, error)
}

// Kill is the first failure the gate found on a mutant.
type Kill struct {
	// Stage is the stage that found it.
	Stage string `json:"stage"`
	// By is the scenario and surface ("SF-2/oneshot") or the property that
	// failed.
	By string `json:"by"`
	// Rule is the rule of the first violation.
	Rule string `json:"rule"`
	// Message is that violation in words.
	Message string `json:"message"`
}

// Fate is what became of one mutant.
type Fate struct {
	Name string `json:"name"`
	Bug  string `json:"bug"`
	// Breaks is the rule the mutant's bug breaks.
	Breaks string `json:"breaks"`
	// Killed is nil when the mutant survived every stage.
	Killed *Kill `json:"killed,omitempty"`
}

// Report is the outcome of a mutation run.
type Report struct {
	// Path is how the mutants ran: "in-process" or "exec".
	Path    string   `json:"path"`
	Seed    int64    `json:"seed"`
	Stages  []string `json:"stages"`
	Results []Fate   `json:"results"`
}

// Score returns how many mutants were killed, of how many.
func (r *Report) Score() (killed, total int) {
	for _, m := range r.Results {
		if m.Killed != nil {
			killed++
		}
	}
	return killed, len(r.Results)
}

// ScoreLine reads "mutation score: 15/15 (100%)".
func (r *Report) ScoreLine() string {
	k, n := r.Score()
	pct := 100
	if n > 0 {
		pct = k * 100 / n
	}
	return fmt.Sprintf("mutation score: %d/%d (%d%%)", k, n, pct)
}

// MarshalJSON adds the score to the report: "killed", "total" and
// "score", the ScoreLine, so that a report can show it without counting.
func (r *Report) MarshalJSON() ([]byte, error) {
	type plain Report
	k, n := r.Score()
	return json.Marshal(struct {
		*plain
		Killed int    `json:"killed"`
		Total  int    `json:"total"`
		Score  string `json:"score"`
	}{(*plain)(r), k, n, r.ScoreLine()})
}

// Survivors returns the mutants no stage killed.
func (r *Report) Survivors() []Fate {
	var out []Fate
	for _, m := range r.Results {
		if m.Killed == nil {
			out = append(out, m)
		}
	}
	return out
}

// Err returns nil when every mutant was killed, else an error naming each
// survivor and the rule that has no teeth.
func (r *Report) Err() error {
	s := r.Survivors()
	if len(s) == 0 {
		return nil
	}
	lines := make([]string, len(s))
	for i, m := range s {
		lines[i] = fmt.Sprintf("mutant %s survived (%s): rule %s has no teeth", m.Name, m.Bug, m.Breaks)
	}
	return fmt.Errorf("%s (%s)\n%s", r.ScoreLine(), r.Path, strings.Join(lines, "\n"))
}

// Config is one mutation run.
type Config struct {
	// Path names how Subject runs the mutants, for the report.
	Path    string
	Mutants []reference.Mutant
	// Subject returns the subject that runs mutant m; Mutate closes it.
	Subject func(m reference.Mutant) (*harness.Subject, error)
	// Stages run in order on every mutant until one kills it.
	Stages []Stage
	Seed   int64
	// OnResult, when set, is called with each mutant's result as it is
	// decided.
	OnResult func(Fate)
}

// Run runs the gate's stages against every mutant and reports, per
// mutant, the first failure that killed it. Mutants run one after another,
// in the order given. The error is for failures of the harness itself; a
// survivor is in the report (see Report.Err).
func Run(ctx context.Context, cfg Config) (*Report, error) {
	rep := &Report{Path: cfg.Path, Seed: cfg.Seed}
	for _, st := range cfg.Stages {
		rep.Stages = append(rep.Stages, st.Name)
	}
	for _, m := range cfg.Mutants {
		res := Fate{Name: m.Name, Bug: m.Bug, Breaks: m.Rule}
		sub, err := cfg.Subject(m)
		if err != nil {
			return rep, fmt.Errorf("mutant %s: %w", m.Name, err)
		}
		for _, st := range cfg.Stages {
			k, err := st.Kill(ctx, sub, cfg.Seed)
			if err != nil {
				sub.Close()
				return rep, fmt.Errorf("mutant %s: %s: %w", m.Name, st.Name, err)
			}
			if k != nil {
				k.Stage = st.Name
				res.Killed = k
				break
			}
		}
		// A mutant that kills its own gateway cannot shut down cleanly;
		// that was judged by the stage already.
		_ = sub.Close()
		rep.Results = append(rep.Results, res)
		if cfg.OnResult != nil {
			cfg.OnResult(res)
		}
		if err := ctx.Err(); err != nil {
			return rep, err
		}
	}
	return rep, nil
}

// ScenarioStage runs the scenarios one at a time, in the order given, each
// on every surface of the subject, and returns the first failing case: the
// first scenario with a failure, its first failing surface in report order,
// and the first violation's rule. A parity divergence with no failing case
// is a kill too.
func ScenarioStage(name string, scs []harness.Scenario) Stage {
	return Stage{Name: name, Kill: func(ctx context.Context, sub *harness.Subject, seed int64) (*Kill, error) {
		for _, sc := range scs {
			rep, err := gate.Run(ctx, gate.Config{Subject: sub, Scenarios: []harness.Scenario{sc}, Seed: seed})
			if err != nil {
				return nil, err
			}
			if k := firstKill(rep.Results, caseName); k != nil {
				return k, nil
			}
			if len(rep.Parity) > 0 {
				return &Kill{By: sc.ID, Rule: rep.Parity[0].Rule, Message: rep.Parity[0].Message}, nil
			}
		}
		return nil, nil
	}}
}

// firstKill returns the first failing result in surface report order, By
// named by by.
func firstKill(results []harness.Result, by func(harness.Result) string) *Kill {
	for _, surf := range harness.Surfaces {
		for _, r := range results {
			if r.Surface != surf || !r.Failed() || len(r.Violations) == 0 {
				continue
			}
			v := r.Violations[0]
			return &Kill{By: by(r), Rule: v.Rule, Message: v.Message}
		}
	}
	return nil
}

// caseName names a case by its scenario and surface: "SF-2/oneshot".
func caseName(r harness.Result) string { return r.Scenario + "/" + r.Surface }

// PropertyStage runs checks generated cases (as prop.Run does, on every
// surface of the subject, shrunk for at most shrink) and returns the shrunk
// counterexample's first violation: By names the property run and the
// surface it failed on. It comes after the scenarios, for a mutant they
// miss. A vacuous run kills nothing: it proves nothing about the mutant.
func PropertyStage(name string, checks int, shrink time.Duration) Stage {
	return Stage{Name: name, Kill: func(ctx context.Context, sub *harness.Subject, seed int64) (*Kill, error) {
		// The mutant's own subject first, and after every failing case a
		// fresh one like it (the property run closes the one before).
		opened := false
		target := prop.Target{Name: sub.Name, Profile: &sub.Profile, Open: func(resolver.Profile) (*harness.Subject, error) {
			if !opened {
				opened = true
				return sub, nil
			}
			return sub.Renew(), nil
		}}
		rep, err := prop.Run(ctx, prop.Config{Target: target, Checks: checks, Seed: seed, ShrinkTime: shrink})
		if err != nil || rep.Failure == nil {
			return nil, err
		}
		k := firstKill(rep.Failure.Outcome.Results, func(r harness.Result) string {
			return fmt.Sprintf("prop --seed %d (%s)", rep.Seed, r.Surface)
		})
		if k == nil {
			return nil, fmt.Errorf("property run failed with no failing result")
		}
		return k, nil
	}}
}

// DriftStage runs every drift scenario on every surface of the subject,
// one case at a time, with the gate's Drift hook, and returns the first
// failing case. scratch is the scratch root of an exec subject
// (exec.ScratchRoot); "" for an in-process subject.
func DriftStage(name string, scs []harness.DriftScenario, scratch string) Stage {
	return Stage{Name: name, Kill: func(ctx context.Context, sub *harness.Subject, seed int64) (*Kill, error) {
		for _, ds := range scs {
			var results []harness.Result
			for _, surf := range harness.Surfaces {
				hooks := gate.Hooks{Drift: &gate.Drift{Config: ds.Drift, Scratch: scratch}, NoHandoff: true}
				res, err := gate.RunCase(ctx, gate.Setup{Subject: sub, Scenario: ds.Scenario, Seed: seed, Hooks: hooks}, surf)
				if err != nil {
					return nil, fmt.Errorf("%s: %w", ds.ID, err)
				}
				results = append(results, res)
			}
			if k := firstKill(results, caseName); k != nil {
				return k, nil
			}
		}
		return nil, nil
	}}
}
