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
	// With several (prop --max-failures), it is the first of Failures.
	Failure *PropertyFailure `json:"failure,omitempty"`
	// Failures are the shrunk counterexamples of every distinct failure
	// class the run found, in the order found, the first being Failure;
	// absent when every case passed (and in files written before
	// --max-failures: read them with failures()).
	Failures []*PropertyFailure `json:"failures,omitempty"`
	// Repro is the command that repeats the search.
	Repro    string        `json:"repro"`
	Duration time.Duration `json:"duration_ns"`
	// Generating and Shrinking split Duration: running the generated cases,
	// and shrinking the failures (Shrinks candidates run). Absent in files
	// written before they were added.
	Generating time.Duration `json:"generating_ns,omitempty"`
	Shrinking  time.Duration `json:"shrinking_ns,omitempty"`
	Shrinks    int           `json:"shrinks,omitempty"`
	// Coverage counts, per rule and surface, the generated cases that
	// exercised it (prop.Exercised); a rule none exercised is named, and
	// does not fail the stage.
	Coverage *prop.Coverage `json:"coverage,omitempty"`
	// MaxFailures is how many distinct failure classes the run collected
	// (prop --max-failures); absent means 1.
	MaxFailures int `json:"max_failures,omitempty"`
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
	// Classes are the failure classes it stands for (the rules broken on
	// one surface), the first being the one it was shrunk for; absent in
	// files written before classes were added.
	Classes []prop.Class `json:"classes,omitempty"`
	// Shrinks is how many simpler candidates shrinking it ran.
	Shrinks int `json:"shrinks,omitempty"`
	// ShrinkCut is set when the shrink time stopped shrinking it while
	// simpler candidates were left (prop.Failure.ShrinkCut).
	ShrinkCut bool `json:"shrink_cut,omitempty"`
}

// OK reports whether every case passed and the run was not vacuous.
func (p *Properties) OK() bool { return p.Failure == nil && p.Vacuous == "" }

// failures returns every counterexample of the stage: Failures, or for a
// stage that holds only Failure (a file written before Failures), that.
func (p *Properties) failures() []*PropertyFailure {
	switch {
	case len(p.Failures) > 0:
		return p.Failures
	case p.Failure != nil:
		return []*PropertyFailure{p.Failure}
	}
	return nil
}

// rules returns the rules every counterexample broke, in order of first
// appearance.
func (p *Properties) rules() []string {
	var out []string
	for _, f := range p.failures() {
		for _, r := range f.Rules {
			if !slices.Contains(out, r) {
				out = append(out, r)
			}
		}
	}
	return out
}

// classCount counts the failure classes of the stage's counterexamples
// (one for a counterexample that names none).
func (p *Properties) classCount() int {
	n := 0
	for _, f := range p.failures() {
		n += max(len(f.Classes), 1)
	}
	return n
}

// what names what a counterexample stands for: its failure classes
// ("oneshot R7,R15; gateway R7"), or the rules it broke when it names no
// class.
func (f *PropertyFailure) what() string {
	if len(f.Classes) == 0 {
		return strings.Join(f.Rules, ",")
	}
	parts := make([]string, len(f.Classes))
	for i, c := range f.Classes {
		parts[i] = c.String()
	}
	return strings.Join(parts, "; ")
}

// notSaved is the reproduce command of a counterexample that was not saved.
const notSaved = "(the counterexample was not saved: repeat the search)"

// NewProperties returns the property stage of a run from a property run's
// report: surfaces and checks as asked, repro the command that repeats the
// search, and replay(saved, surface) the command that replays the saved
// counterexample file on a surface (it becomes each failing result's
// Repro).
func NewProperties(rep *prop.Report, surfaces []string, checks int, repro string, replay func(saved, surface string) string) *Properties {
	p := &Properties{Surfaces: surfaces, Checks: checks, Cases: rep.Cases, Classes: map[string]int{},
		Repro: repro, Duration: rep.Duration, Generating: rep.Generating, Shrinking: rep.Shrinking, Shrinks: rep.Shrinks,
		Coverage: rep.Coverage}
	if rep.MaxFailures > 1 {
		p.MaxFailures = rep.MaxFailures
	}
	for k, n := range rep.Counts {
		p.Classes[string(k)] = n
	}
	if rep.Vacuous != nil {
		p.Vacuous = rep.Vacuous.Error()
	}
	fs := rep.Failures
	if len(fs) == 0 && rep.Failure != nil {
		fs = []*prop.Failure{rep.Failure} // a report made by hand
	}
	for _, f := range fs {
		pf := &PropertyFailure{Scenario: string(f.YAML), Saved: f.Saved, Classes: f.Classes, Case: f.Case, Shrinks: f.Shrinks, ShrinkCut: f.ShrinkCut}
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
				r.Repro = replay(f.Saved, r.Surface)
			}
			pf.Results = append(pf.Results, NewJudgement(r))
		}
		p.Failures = append(p.Failures, pf)
	}
	if len(p.Failures) > 0 {
		p.Failure = p.Failures[0]
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
	// Coverage counts, per rule, the start-ups that exercised it
	// (prop.Exercised); a rule none exercised is named, and does not fail
	// the stage.
	Coverage *prop.Coverage `json:"coverage,omitempty"`
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
		Repro: repro, Duration: rep.Elapsed, Coverage: rep.Coverage}
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
