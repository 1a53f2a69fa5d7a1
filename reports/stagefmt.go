package reports

import (
	"fmt"
	"strings"

	"github.com/fallbackgate/fallbackgate/harness/chaos"
	"github.com/fallbackgate/fallbackgate/harness/prop"
)

// The wording the JUnit, Markdown and HTML reports share for the property
// and chaos stages of a run, so that each format reads the same.

// junitVacuous is the type of a JUnit <failure> of a vacuous stage.
const junitVacuous = chaos.RuleVacuous

// title names the property stage: "properties (100 checks on
// oneshot,gateway,cli)".
func (p *Properties) title() string {
	return fmt.Sprintf("properties (%d checks on %s)", p.Checks, strings.Join(p.Surfaces, ","))
}

// classesText reads "fell back 9, pinned 28, rate-limited 12, exhausted 5".
func (p *Properties) classesText() string {
	counts := prop.Counts{}
	for k, n := range p.Classes {
		counts[prop.Category(k)] = n
	}
	return counts.String()
}

// summary is the property stage's verdict in a line: "100 cases passed;
// fell back …", "FAIL R7,R9 after 37 case(s)" or "FAIL: 100 cases passed,
// but vacuous run: …".
func (p *Properties) summary() string {
	switch {
	case p.Failure != nil:
		s := fmt.Sprintf("FAIL %s after %d case(s)", strings.Join(p.rules(), ","), p.Cases)
		if n := p.classCount(); n > 1 {
			s += fmt.Sprintf(", %d distinct failure classes", n)
		}
		return s
	case p.Vacuous != "":
		return fmt.Sprintf("FAIL: %d cases passed, but %s", p.Cases, p.Vacuous)
	}
	return fmt.Sprintf("%d cases passed; %s", p.Cases, p.classesText())
}

// failureType is the JUnit type of a failing property stage: the first
// rule the counterexample broke, or "vacuous".
func (p *Properties) failureType() string {
	if f := p.Failure; f != nil {
		if len(f.Rules) > 0 {
			return f.Rules[0]
		}
		return "property"
	}
	return junitVacuous
}

// failingSurfaces lists the surfaces the counterexample failed on.
func (f *PropertyFailure) failingSurfaces() []string {
	var out []string
	for _, r := range f.Results {
		out = append(out, r.Surface)
	}
	return out
}

// title names the chaos stage: "chaos (gateway, 8 sessions × 20 turns)".
func (c *Chaos) title() string {
	return fmt.Sprintf("chaos (%s, %d sessions × %d turns)", c.Surface, c.Sessions, c.Turns)
}

// faultsText reads "auth 61, rate_limit 20", outcomes sorted, or "none".
func (c *Chaos) faultsText() string { return faultCounts(c.Faults) }

// summary is the chaos stage's verdict in a line: "160 start-ups passed;
// faults met: …", "FAIL: 3 of 160 start-ups, 2 distinct problem(s)" or
// "FAIL: no fault was injected, so the run proves nothing".
func (c *Chaos) summary() string {
	switch {
	case c.OK():
		return fmt.Sprintf("%d start-ups passed; faults met: %s", c.Startups, c.faultsText())
	case c.Vacuous && c.Failed == 0:
		return "FAIL: no fault was injected, so the run proves nothing"
	}
	s := fmt.Sprintf("FAIL: %d of %d start-ups, %d distinct problem(s)", c.Failed, c.Startups, len(c.Problems))
	if c.Vacuous {
		s += "; no fault was injected"
	}
	return s
}

// failureType is the JUnit type of a failing chaos stage: the rule of its
// first problem ("vacuous" for a run that injected no fault).
func (c *Chaos) failureType() string {
	if len(c.Problems) > 0 {
		return c.Problems[0].Rule
	}
	return junitVacuous
}

// startupsText reads " (9 start-up(s): t5/s0, …, t6/s0)" for a problem
// that hit start-ups, and "" for one of the whole run.
func (p ChaosProblem) startupsText() string {
	if len(p.Startups) == 0 {
		return ""
	}
	return fmt.Sprintf(" (%d start-up(s): %s)", len(p.Startups), ShortList(p.Startups, chaosStartups))
}

// chaosStartups is the size of the start-up lists of a chaos problem:
// ShortList keeps this many ids and the last.
const chaosStartups = 6

// markdownProblems and textProblems are how many distinct chaos problems
// the Markdown summary and the terminal report list.
const (
	markdownProblems = 10
	textProblems     = 10
)
