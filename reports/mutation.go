package reports

import "github.com/fallbackgate/fallbackgate/harness/mutation"

// Mutation is the mutation self-test of a run (`fallbackgate run
// --mutate`): the gate run against every deliberately broken mutant of the
// reference subject, and what killed each one. It was added to
// fallbackgate/results/1 without a new version: it is optional, a file
// without it reads back with a nil Mutation, and a reader that does not
// know it may ignore it.
type Mutation struct {
	// Path is how the mutants ran: "in-process" or "exec".
	Path string `json:"path"`
	// Stages are the gate's stages in the order a mutant met them.
	Stages []string `json:"stages"`
	// Killed counts the mutants some stage killed, of Total.
	Killed int `json:"killed"`
	Total  int `json:"total"`
	// Score is the score line, "mutation score: 15/15 (100%)", as
	// `fallbackgate mutate --json` writes it.
	Score string `json:"score"`
	// Mutants are the mutants in the order they ran.
	Mutants []MutantFate `json:"mutants"`
}

// MutantFate is one mutant of a mutation run and what became of it.
type MutantFate struct {
	Name string `json:"name"`
	// Description is the mutant's bug in words.
	Description string `json:"description"`
	// Rule is the rule the bug breaks: the rule with no teeth when the
	// mutant survives.
	Rule string `json:"rule"`
	// KilledBy is the case that killed the mutant ("SF-2/oneshot"), the
	// property that did, or else the stage; empty when it survived.
	KilledBy string `json:"killed_by,omitempty"`
	// Stage is the stage that killed it ("scenarios", "drift").
	Stage string `json:"stage,omitempty"`
	// KilledRule is the rule of the killing violation, and Message that
	// violation in words.
	KilledRule string `json:"killed_rule,omitempty"`
	Message    string `json:"message,omitempty"`
}

// Survived reports whether no stage killed the mutant.
func (m MutantFate) Survived() bool { return m.KilledBy == "" }

// Survivors returns the mutants no stage killed.
func (m *Mutation) Survivors() []MutantFate {
	var out []MutantFate
	for _, x := range m.Mutants {
		if x.Survived() {
			out = append(out, x)
		}
	}
	return out
}

// SetMutation attaches the report of a mutation run to the results. A
// surviving mutant fails the gate (Gate.OK is false) without changing the
// case counts: the subject is not at fault, the gate has a rule without
// teeth. A nil report removes the mutation run.
func (r *Results) SetMutation(rep *mutation.Report) {
	r.Mutation = nil
	if rep != nil {
		killed, total := rep.Score()
		m := &Mutation{Path: rep.Path, Stages: rep.Stages, Killed: killed, Total: total, Score: rep.ScoreLine()}
		for _, x := range rep.Results {
			mu := MutantFate{Name: x.Name, Description: x.Bug, Rule: x.Breaks}
			if k := x.Killed; k != nil {
				mu.KilledBy, mu.Stage, mu.KilledRule, mu.Message = k.By, k.Stage, k.Rule, k.Message
				if mu.KilledBy == "" {
					mu.KilledBy = k.Stage
				}
			}
			m.Mutants = append(m.Mutants, mu)
		}
		r.Mutation = m
	}
	r.count()
}

// mutantsOK reports whether every mutant of the run's mutation self-test
// was killed; true when there was none.
func (r *Results) mutantsOK() bool {
	return r.Mutation == nil || len(r.Mutation.Survivors()) == 0
}
