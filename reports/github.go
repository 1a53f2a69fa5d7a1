package reports

import (
	"bytes"
	"fmt"
	"io"
	"strings"

	"github.com/fallbackgate/fallbackgate/harness"
)

// WriteGitHub writes the results as GitHub Actions workflow commands, one
// annotation per problem, which the Actions runner turns into annotations
// on the run and, where the file is part of the change, on the pull
// request's diff:
//
//	::error file=scenarios/files/SF-8.yaml,title=R7::SF-8/oneshot (rate-limited-primary): R7: quota amplification: …
//
// An unexpected failure, a parity divergence, a stale expectation, a
// subject that could not be started or did not shut down, a failing
// property or chaos stage and a surviving mutant are errors (each case's
// title is the rules it broke, its file the scenario's); a known failure
// is a warning. Everything is redacted like every other report.
func WriteGitHub(w io.Writer, r *Results) error {
	var b bytes.Buffer
	for _, c := range r.Cases {
		switch c.Status {
		case harness.StatusFail:
			ghCommand(&b, "error", c.File, strings.Join(c.Violations.Rules(), ","), caseAnnotation(&c))
		case harness.StatusStale:
			ghCommand(&b, "error", c.File, "stale expectation", fmt.Sprintf("%s: expected to fail with %s (%s), but it conforms: remove the expectation from %s",
				c.ID(), strings.Join(c.staleRules(), ","), reasons(c.Known), r.ExpectFile))
		case harness.StatusKnown:
			ghCommand(&b, "warning", c.File, "known "+strings.Join(c.Violations.Rules(), ","), fmt.Sprintf("%s: known failure (%s)", c.ID(), reasons(c.Known)))
		}
	}
	for _, p := range r.Parity {
		level := "error"
		if p.Status == harness.StatusKnown {
			level = "warning"
		}
		ghCommand(&b, level, r.scenarioFile(p.Scenario), RuleParity, p.Message)
	}
	for _, e := range r.Expectations {
		if e.Rule == RuleParity && e.Status == ExpectationStale {
			ghCommand(&b, "error", r.scenarioFile(e.Scenario), "stale expectation",
				fmt.Sprintf("%s: expected the surfaces to disagree (%s), but they agree: remove the expectation from %s", e.Scenario, e.Reason, r.ExpectFile))
		}
	}
	for _, n := range r.NotStarted {
		msg := notStartedTitle(n)
		if lines := StderrExcerpt(n.Stderr); len(lines) > 0 {
			msg += "\n" + strings.Join(lines, "\n")
		}
		ghCommand(&b, "error", "", "could not be started", msg)
	}
	if r.Shutdown != "" {
		ghCommand(&b, "error", "", "R17", r.Shutdown)
	}
	if p := r.Properties; p != nil && !p.OK() {
		head := p.title() + ": " + p.summary()
		fs := p.failures()
		if len(fs) == 0 {
			ghCommand(&b, "error", "", p.failureType(), head+"\nreproduce the search: "+p.Repro)
		}
		for _, f := range fs { // one annotation per counterexample, on its file
			msg := head + "; shrunk counterexample breaks " + strings.Join(f.Rules, ", ")
			if len(fs) > 1 {
				msg = head + "; shrunk counterexample for " + f.what() + " breaks " + strings.Join(f.Rules, ", ")
			}
			typ := p.failureType()
			if len(f.Rules) > 0 {
				typ = f.Rules[0]
			}
			ghCommand(&b, "error", f.Saved, typ, msg+"\nreproduce the search: "+p.Repro)
		}
	}
	if c := r.Chaos; c != nil && !c.OK() {
		msg := c.title() + ": " + c.summary()
		if len(c.Problems) > 0 {
			msg += "\nfirst: " + c.Problems[0].String()
		}
		ghCommand(&b, "error", c.Counterexample, c.failureType(), msg+"\nreproduce: "+c.Repro)
	}
	if m := r.Mutation; m != nil {
		for _, x := range m.Survivors() {
			ghCommand(&b, "error", "", "surviving mutant", fmt.Sprintf("mutant %s survived (%s): rule %s has no teeth", x.Name, x.Description, x.Rule))
		}
	}
	_, err := w.Write(redactBytes(b.Bytes()))
	return err
}

// caseAnnotation is the message of a failing case's annotation: the case
// and its headline (harness.Headline, as the terminal report heads it),
// its violations, the last line of its stderr and the command that
// reproduces it.
func caseAnnotation(c *CaseResult) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s (%s): %s", c.ID(), c.ScenarioName, harness.Headline(c.Expected, c.Observed))
	for _, v := range c.Violations {
		fmt.Fprintf(&b, "\n%s", v)
	}
	if lines := StderrExcerpt(c.Stderr); len(lines) > 0 {
		fmt.Fprintf(&b, "\nstderr: %s", lines[len(lines)-1])
	}
	fmt.Fprintf(&b, "\nreproduce: %s", c.Repro)
	return b.String()
}

// ghCommand writes one workflow command, ::level file=F,title=T::message,
// escaped as the runner reads it.
func ghCommand(b *bytes.Buffer, level, file, title, message string) {
	b.WriteString("::" + level)
	var props []string
	if file != "" {
		props = append(props, "file="+ghProperty(file))
	}
	if title != "" {
		props = append(props, "title="+ghProperty(title))
	}
	if len(props) > 0 {
		b.WriteString(" " + strings.Join(props, ","))
	}
	b.WriteString("::" + ghData(message) + "\n")
}

// ghData escapes a workflow command's message.
var ghData = strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A").Replace

// ghProperty escapes a workflow command's property value.
var ghProperty = strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C").Replace
