package reports

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/fallbackgate/fallbackgate/harness"
	"github.com/fallbackgate/fallbackgate/harness/chaos"
	"github.com/fallbackgate/fallbackgate/harness/prop"
)

// Properties is the property stage of a run (`fallbackgate run --prop N`):
// generated cases run on the subject's surfaces and judged against the
// model, as `fallbackgate prop` does. Like Mutation it was added to
// fallbackgate/results/1 without a new version: it is optional, and a file
// without it reads back with a nil Properties.
type Properties struct {
	Surfaces []string `json:"surfaces"`
	// Checks is how many cases were asked for; Cases how many ran.
	Checks int `json:"checks"`
	Cases  int `json:"cases"`
	// Classes counts the cases by class: fell back, pinned, rate-limited,
	// exhausted.
	Classes map[string]int `json:"classes"`
	// Vacuous says which classes no case belonged to, when every case
	// passed: the run proves nothing about them, and fails.
	Vacuous string `json:"vacuous,omitempty"`
	// Failure is the shrunk counterexample; nil when every case passed.
	Failure *PropertyFailure `json:"failure,omitempty"`
	// Repro is the command that repeats the search.
	Repro    string        `json:"repro"`
	Duration time.Duration `json:"duration_ns"`
}

// PropertyFailure is the shrunk counterexample of a property stage.
type PropertyFailure struct {
	// Rules are the rules it broke, on any surface.
	Rules []string `json:"rules"`
	// Scenario is the case as a scenario file, and Saved where it was
	// written ("" when it was not).
	Scenario string `json:"scenario"`
	Saved    string `json:"saved,omitempty"`
	// Results are the failing surfaces' results: violations, ledger,
	// events, and a reproduce command that replays the saved file.
	Results []Judgement `json:"results"`
	// Case is the index in the run of the case it was shrunk from
	// (prop.FailureCase): counted from 0, named scenarios first, as
	// --shard counts cases. Merged shards keep the failure of the lowest.
	Case int `json:"case"`
}

// OK reports whether every case passed and the run was not vacuous.
func (p *Properties) OK() bool { return p.Failure == nil && p.Vacuous == "" }

// notSaved is the reproduce command of a counterexample that was not saved.
const notSaved = "(the counterexample was not saved: repeat the search)"

// NewProperties returns the property stage of a run from a property run's
// report: surfaces and checks as asked, repro the command that repeats the
// search, and replay(surface) the command that replays the saved
// counterexample on a surface (it becomes each failing result's Repro).
func NewProperties(rep *prop.Report, surfaces []string, checks int, repro string, replay func(surface string) string) *Properties {
	p := &Properties{Surfaces: surfaces, Checks: checks, Cases: rep.Cases, Classes: map[string]int{},
		Repro: repro, Duration: rep.Duration}
	for k, n := range rep.Counts {
		p.Classes[string(k)] = n
	}
	if rep.Vacuous != nil {
		p.Vacuous = rep.Vacuous.Error()
	}
	if f := rep.Failure; f != nil {
		pf := &PropertyFailure{Scenario: string(f.YAML), Saved: f.Saved}
		for _, r := range f.Outcome.Failed() {
			for _, rule := range r.Violations.Rules() {
				if !slices.Contains(pf.Rules, rule) {
					pf.Rules = append(pf.Rules, rule)
				}
			}
			// A generated case has no command of its own: the saved file
			// is its reproduction.
			r.Repro = notSaved
			if f.Saved != "" && replay != nil {
				r.Repro = replay(r.Surface)
			}
			pf.Results = append(pf.Results, NewJudgement(r))
		}
		p.Failure = pf
	}
	return p
}

// Chaos is the chaos stage of a run (`fallbackgate run --chaos`): many
// concurrent start-ups while a seeded schedule breaks the fleet, as
// `fallbackgate chaos` does. Optional within fallbackgate/results/1, as
// Properties is.
type Chaos struct {
	Surface  string `json:"surface"`
	Sessions int    `json:"sessions"`
	Turns    int    `json:"turns"`
	Startups int    `json:"startups"`
	Failed   int    `json:"failed"`
	// Faults counts the provider calls that met a fault, by outcome; a run
	// that met none is Vacuous and fails.
	Faults  map[string]int `json:"faults"`
	Vacuous bool           `json:"vacuous,omitempty"`
	// Problems are the violations, each once with the start-ups it hit.
	Problems []ChaosProblem `json:"problems,omitempty"`
	// History is the history file `fallbackgate check` re-checks;
	// Counterexample the scenario file of the first failing start-up.
	History        string `json:"history"`
	Counterexample string `json:"counterexample,omitempty"`
	// First is the start-up Counterexample was taken from; nil when no
	// start-up failed.
	First *ChaosFirst `json:"first,omitempty"`
	// Repro is the command that repeats the run.
	Repro    string        `json:"repro"`
	Duration time.Duration `json:"duration_ns"`
}

// ChaosProblem is one distinct violation of a chaos run and the start-ups
// it hit ("t5/s1"), in order; none for a problem of the whole run (the
// gateway's shutdown, a run that injected no fault).
type ChaosProblem struct {
	harness.Violation
	Startups []string `json:"startups,omitempty"`
}

// ChaosFirst is the first failing start-up of a chaos run, the one its
// counterexample is taken from: in the earliest turn with a failure, the
// first whose start-up should have failed (ExpectedError), else the first.
// Merged shards keep the whole run's by the same rule.
type ChaosFirst struct {
	Startup string `json:"startup"`
	Turn    int    `json:"turn"`
	Session int    `json:"session"`
	// ExpectedError is the model's expected error ("" when the start-up
	// should have succeeded).
	ExpectedError string `json:"expected_error,omitempty"`
}

// OK reports whether every start-up conformed and some fault was injected.
func (c *Chaos) OK() bool { return len(c.Problems) == 0 && !c.Vacuous }

// GroupProblems groups a chaos report's problems by their violation, in
// order of first appearance, each with the start-ups it hit, so that a dead
// gateway or a systematic bug reads once.
func GroupProblems(problems []chaos.Problem) []ChaosProblem {
	var out []ChaosProblem
	at := map[harness.Violation]int{}
	for _, p := range problems {
		i, seen := at[p.Violation]
		if !seen {
			i = len(out)
			at[p.Violation] = i
			out = append(out, ChaosProblem{Violation: p.Violation})
		}
		if p.Startup != "" && !slices.Contains(out[i].Startups, p.Startup) {
			out[i].Startups = append(out[i].Startups, p.Startup)
		}
	}
	return out
}

// WriteProblems writes chaos problems as plain text: each on a line after
// indent, and under it the start-ups it hit; at most limit of them, then a
// line saying how many more.
func WriteProblems(w io.Writer, problems []ChaosProblem, indent string, limit int) {
	for i, p := range problems {
		if i == limit {
			fmt.Fprintf(w, "%s… %d more distinct problem(s)\n", indent, len(problems)-limit)
			return
		}
		fmt.Fprintf(w, "%s%s\n", indent, p.Violation)
		if len(p.Startups) > 0 {
			fmt.Fprintf(w, "%s    %d start-up(s): %s\n", indent, len(p.Startups), ShortList(p.Startups, chaosStartups))
		}
	}
}

// NewChaos returns the chaos stage of a run from a chaos report, with the
// history file, the saved counterexample ("" for none) and the command that
// repeats the run.
func NewChaos(rep *chaos.Report, history, counterexample, repro string) *Chaos {
	c := &Chaos{Surface: rep.Info.Surface, Sessions: rep.Info.Sessions, Turns: rep.Info.Turns,
		Startups: rep.Startups, Failed: rep.Failed, Faults: map[string]int{}, Vacuous: rep.Vacuous() && wholeRun(rep.Info.Shard),
		Problems: GroupProblems(rep.Problems), History: history, Counterexample: counterexample,
		Repro: repro, Duration: rep.Elapsed}
	if f := rep.First; f != nil {
		c.First = &ChaosFirst{Startup: f.ID, Turn: f.Turn, Session: f.Session, ExpectedError: f.Result.Expected.Error}
	}
	for k, n := range rep.Faults {
		c.Faults[k] = n
	}
	return c
}

// SetProperties attaches a property stage to the results; a failing or
// vacuous one counts as one failure of the gate. nil removes it.
func (r *Results) SetProperties(p *Properties) {
	r.Properties = p
	r.count()
}

// SetChaos attaches a chaos stage to the results; a failing or vacuous one
// counts as one failure of the gate. nil removes it.
func (r *Results) SetChaos(c *Chaos) {
	r.Chaos = c
	r.count()
}

// stagesFailed counts the property and chaos stages that failed.
func (r *Results) stagesFailed() int {
	n := 0
	if r.Properties != nil && !r.Properties.OK() {
		n++
	}
	if r.Chaos != nil && !r.Chaos.OK() {
		n++
	}
	return n
}

// ShortList joins ids with commas, keeping the first n and the last when
// there are more: "t5/s0, t5/s1, … (105 more) …, t19/s7".
func ShortList(ids []string, n int) string {
	if len(ids) <= n+1 {
		return strings.Join(ids, ", ")
	}
	return strings.Join(ids[:n], ", ") + fmt.Sprintf(", … (%d more) …, ", len(ids)-n-1) + ids[len(ids)-1]
}
