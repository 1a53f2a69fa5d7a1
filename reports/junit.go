package reports

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/fallbackgate/fallbackgate/harness"
)

// The JUnit XML document, in the structure of the common (Ant) JUnit
// schema, with the additions its common readers define (Jenkins' JUnit
// plugin, GitLab's Gitlab::Ci::Parsers::Test::Junit, the GitHub Actions
// reporters dorny/test-reporter and mikepenz/action-junit-report): a
// <testsuites> with the run's totals; suites with every attribute the
// schema requires (name, package, id, tests, failures, errors, time,
// timestamp without a zone, hostname), then <properties> (subject,
// profile, seed, contract and protocol versions), the testcases,
// <system-out> and <system-err>; testcases with name, classname, time and
// the scenario's file, at most one <failure>, <error> or <skipped> (each
// with a type), then the case's own <system-out> and <system-err>.
type (
	junitSuites struct {
		XMLName  xml.Name     `xml:"testsuites"`
		Name     string       `xml:"name,attr"`
		Tests    int          `xml:"tests,attr"`
		Failures int          `xml:"failures,attr"`
		Errors   int          `xml:"errors,attr"`
		Time     string       `xml:"time,attr"`
		Suites   []junitSuite `xml:"testsuite"`
	}
	junitSuite struct {
		Name      string      `xml:"name,attr"`
		Package   string      `xml:"package,attr"`
		ID        int         `xml:"id,attr"`
		Tests     int         `xml:"tests,attr"`
		Failures  int         `xml:"failures,attr"`
		Errors    int         `xml:"errors,attr"`
		Skipped   int         `xml:"skipped,attr"`
		Time      string      `xml:"time,attr"`
		Timestamp string      `xml:"timestamp,attr"`
		Hostname  string      `xml:"hostname,attr"`
		Props     junitProps  `xml:"properties"`
		Cases     []junitCase `xml:"testcase"`
		SystemOut string      `xml:"system-out"`
		SystemErr string      `xml:"system-err"`
	}
	junitCase struct {
		Name      string        `xml:"name,attr"`
		Classname string        `xml:"classname,attr"`
		Time      string        `xml:"time,attr"`
		File      string        `xml:"file,attr,omitempty"`
		Failure   *junitFailure `xml:"failure,omitempty"`
		Error     *junitFailure `xml:"error,omitempty"`
		Skipped   *junitSkipped `xml:"skipped,omitempty"`
		SystemOut *junitOutput  `xml:"system-out,omitempty"`
		SystemErr *junitOutput  `xml:"system-err,omitempty"`
	}
	junitFailure struct {
		Type    string `xml:"type,attr"`
		Message string `xml:"message,attr,omitempty"`
		// Text is kept readable in a CDATA section; build it with xmlSafe.
		Text string `xml:",cdata"`
	}
	// junitSkipped has no message attribute: the xUnit schema allows
	// only its type; the reason is its text, which GitLab shows.
	junitSkipped struct {
		Type string `xml:"type,attr"`
		Text string `xml:",cdata"`
	}
)

// The types of a JUnit <failure> or <skipped> besides a rule ID.
const (
	junitStale          = "stale-expectation"
	junitKnown          = "known-failure"
	junitNotImplemented = "not-implemented"
	junitSurvivor       = "surviving-mutant"
	junitTypeNotStarted = "not-started"
)

// junitSeconds formats a duration as JUnit's decimal seconds.
func junitSeconds(d time.Duration) string { return fmt.Sprintf("%.3f", d.Seconds()) }

// WriteJUnit writes the results as JUnit XML: one testsuite per surface,
// one testcase per scenario, and a "run" suite holding one parity testcase
// per scenario (and the subject's shutdown, when it failed; a stale parity
// expectation fails its parity testcase). An unexpected
// failure is a <failure> whose type is the first rule broken, whose
// message lists every rule, and whose text holds expected and observed,
// the violations, the ledger, the events and the reproduce command. A
// known failure or a surface the subject lacks is <skipped>; an
// expectation that no longer fails is a <failure> of type
// "stale-expectation". When a mutation self-test ran, a "mutation" suite
// holds one testcase per mutant; a survivor is a <failure> of type
// "surviving-mutant" whose message names the rule with no teeth. When a
// property or chaos stage ran, a "properties" or "chaos" suite holds one
// testcase for it; a failing stage is a <failure> whose type is the first
// rule broken (or "vacuous" for a run that proves nothing) and whose text
// holds the counterexample, the problems and the reproduce commands.
func WriteJUnit(w io.Writer, r *Results) error {
	stamp := r.Started
	if stamp.IsZero() {
		stamp = time.Unix(0, 0)
	}
	ts := stamp.UTC().Format("2006-01-02T15:04:05")
	pkg := "fallbackgate." + xmlToken(r.Subject)
	var doc junitSuites
	for _, surf := range r.Surfaces {
		s := junitSuite{Name: surf}
		var total time.Duration
		for _, c := range r.Cases {
			if c.Surface != surf {
				continue
			}
			total += c.Duration
			s.add(junitCaseOf(&c, pkg+"."+surf))
		}
		for _, n := range r.NotStarted {
			if n.Surface == surf {
				s.add(junitNotStarted(n, pkg+"."+surf))
			}
		}
		s.Time = junitSeconds(total)
		doc.Suites = append(doc.Suites, s)
	}
	run := junitSuite{Name: "run", Time: "0.000"}
	for _, id := range r.scenarioIDs() {
		tc := junitCase{Name: "parity " + id, Classname: pkg + ".parity", Time: "0.000", File: r.scenarioFile(id)}
		for _, p := range r.Parity {
			if p.Scenario != id {
				continue
			}
			if p.Status == harness.StatusKnown {
				tc.Skipped = &junitSkipped{Type: junitKnown, Text: xmlSafe("known failure: " + reasons(p.Known) + "\n" + p.Message)}
			} else {
				tc.Failure = &junitFailure{Type: RuleParity, Message: "parity: " + p.Message, Text: xmlSafe(p.Message)}
			}
		}
		for _, e := range r.Expectations {
			if e.Rule == RuleParity && e.Scenario == id && e.Status == ExpectationStale && tc.Failure == nil {
				msg := fmt.Sprintf("expected the surfaces to disagree on %s (%s), but they agree: remove the expectation", id, e.Reason)
				tc.Skipped = nil
				tc.Failure = &junitFailure{Type: junitStale, Message: msg, Text: xmlSafe(msg)}
			}
		}
		run.add(tc)
	}
	if r.Shutdown != "" {
		run.add(junitCase{Name: "shutdown", Classname: pkg + ".subject", Time: "0.000",
			Failure: &junitFailure{Type: "R17", Message: r.Shutdown, Text: xmlSafe(r.Shutdown)}})
	}
	doc.Suites = append(doc.Suites, run)
	doc.Name, doc.Time = "fallbackgate", junitSeconds(r.Elapsed)
	if p := r.Properties; p != nil {
		doc.Suites = append(doc.Suites, junitProperties(p, pkg))
	}
	if c := r.Chaos; c != nil {
		doc.Suites = append(doc.Suites, junitChaos(c, pkg))
	}
	if m := r.Mutation; m != nil {
		doc.Suites = append(doc.Suites, junitMutation(m, pkg))
	}
	if len(r.Incidents) > 0 {
		doc.Suites = append(doc.Suites, junitIncidents(r, pkg))
	}
	// What every suite shares: the run's package, timestamp, host and
	// properties; its id is its place.
	props := junitRunProperties(r)
	for i := range doc.Suites {
		s := &doc.Suites[i]
		s.Package, s.ID, s.Timestamp, s.Hostname, s.Props = pkg, i, ts, "localhost", props
		doc.Tests, doc.Failures, doc.Errors = doc.Tests+s.Tests, doc.Failures+s.Failures, doc.Errors+s.Errors
	}

	var buf bytes.Buffer
	buf.WriteString(xml.Header)
	enc := xml.NewEncoder(&buf)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return err
	}
	buf.WriteString("\n")
	_, err := w.Write(redactBytes(buf.Bytes()))
	return err
}

// junitMutation is the suite of a mutation self-test: one testcase per
// mutant, named with the rule its bug breaks, passing when the gate killed
// it. The suite's counts are the score (tests - failures of tests); the
// strict schema gives a passing testcase no room for what killed it.
func junitMutation(m *Mutation, pkg string) junitSuite {
	s := junitSuite{Name: "mutation", Time: "0.000"}
	for _, x := range m.Mutants {
		tc := junitCase{Name: "mutant " + x.Name + " (" + x.Rule + ")", Classname: pkg + ".mutation", Time: "0.000"}
		if x.Survived() {
			msg := fmt.Sprintf("mutant %s survived every stage: rule %s has no teeth", x.Name, x.Rule)
			tc.Failure = &junitFailure{Type: junitSurvivor, Message: msg,
				Text: xmlSafe(fmt.Sprintf("%s\nbug: %s\nstages: %s (%s)\n%s\n", msg, x.Description, strings.Join(m.Stages, ", "), m.Path, m.Score))}
		}
		s.add(tc)
	}
	return s
}

// junitProperties is the suite of a property stage: one testcase, failing
// with the shrunk counterexample (the scenario, then each failing
// surface's result as a case's detail, with the command that replays it)
// and the command that repeats the search.
func junitProperties(p *Properties, pkg string) junitSuite {
	var failure *junitFailure
	if !p.OK() {
		var msg string
		var b strings.Builder
		fmt.Fprintf(&b, "%s: %s\nclasses: %s\n", p.title(), p.summary(), p.classesText())
		if fs := p.failures(); len(fs) > 0 {
			f := fs[0]
			msg = fmt.Sprintf("the shrunk counterexample of the property run breaks %s on %s (after %d case(s))",
				strings.Join(f.Rules, ", "), strings.Join(f.failingSurfaces(), ", "), p.Cases)
			if len(fs) > 1 {
				msg = fmt.Sprintf("the property run found %d distinct failure classes, shrunk to %d counterexamples breaking %s (after %d case(s))",
					p.classCount(), len(fs), strings.Join(p.rules(), ", "), p.Cases)
			}
			for k, f := range fs {
				b.WriteString("\nshrunk counterexample")
				if len(fs) > 1 {
					fmt.Fprintf(&b, " %d of %d (%s)", k+1, len(fs), f.what())
				}
				if f.Saved != "" {
					fmt.Fprintf(&b, ", saved as %s", f.Saved)
				}
				fmt.Fprintf(&b, ":\n\n%s\n", strings.TrimRight(f.Scenario, "\n"))
				for _, r := range f.Results {
					fmt.Fprintf(&b, "\n--- %s ---\n%s", r.Surface, caseText(&CaseResult{Judgement: r}))
				}
			}
		} else {
			msg = "the property run is vacuous: " + p.Vacuous
		}
		fmt.Fprintf(&b, "\nreproduce the search: %s\n", p.Repro)
		failure = &junitFailure{Type: p.failureType(), Message: msg, Text: xmlSafe(b.String())}
	}
	return junitStage("properties", p.title(), p.Duration, failure, pkg)
}

// junitStage is the suite of a stage of a run: one testcase named title,
// failing with failure when it is not nil.
func junitStage(name, title string, d time.Duration, failure *junitFailure, pkg string) junitSuite {
	s := junitSuite{Name: name, Time: junitSeconds(d)}
	s.add(junitCase{Name: title, Classname: pkg + "." + name, Time: junitSeconds(d), Failure: failure})
	return s
}

// junitChaos is the suite of a chaos stage: one testcase, failing with
// each distinct problem and the start-ups it hit, the counterexample, the
// history and the command that repeats the run.
func junitChaos(c *Chaos, pkg string) junitSuite {
	var failure *junitFailure
	if !c.OK() {
		msg := "chaos: " + c.summary()
		if len(c.Problems) > 0 && c.Problems[0].Rule != junitVacuous { // the summary says that one
			msg += "; first: " + c.Problems[0].String()
		}
		var b strings.Builder
		fmt.Fprintf(&b, "%s: %s\nfaults met: %s\n", c.title(), c.summary(), c.faultsText())
		if len(c.Problems) > 0 {
			b.WriteString("\nproblems:\n")
		}
		WriteProblems(&b, c.Problems, "  ", len(c.Problems))
		b.WriteString("\n")
		if c.Counterexample != "" {
			fmt.Fprintf(&b, "counterexample (first failing start-up): %s\n", c.Counterexample)
		}
		fmt.Fprintf(&b, "history: %s (re-check: fallbackgate check %s)\nreproduce: %s\n", c.History, c.History, c.Repro)
		failure = &junitFailure{Type: c.failureType(), Message: msg, Text: xmlSafe(b.String())}
	}
	return junitStage("chaos", c.title(), c.Duration, failure, pkg)
}

func (s *junitSuite) add(tc junitCase) {
	s.Tests++
	switch {
	case tc.Error != nil:
		s.Errors++
	case tc.Failure != nil:
		s.Failures++
	case tc.Skipped != nil:
		s.Skipped++
	}
	s.Cases = append(s.Cases, tc)
}

// scenarioIDs returns the scenarios of the run in matrix order.
func (r *Results) scenarioIDs() []string {
	var ids []string
	for _, row := range r.rows() {
		ids = append(ids, row.Scenario)
	}
	return ids
}

func junitCaseOf(c *CaseResult, classname string) junitCase {
	tc := junitCase{Name: c.Scenario + " " + c.ScenarioName, Classname: classname, Time: junitSeconds(c.Duration), File: c.File,
		SystemOut: junitOutputOf(c.Stdout), SystemErr: junitOutputOf(c.Stderr)}
	switch c.Status {
	case harness.StatusFail:
		rules := c.Violations.Rules()
		tc.Failure = &junitFailure{Type: rules[0], Message: firstLine(c.Violations.Error()), Text: xmlSafe(caseText(c))}
		if len(c.Violations) > 1 {
			tc.Failure.Message += fmt.Sprintf(" (%d violations of %s)", len(c.Violations), strings.Join(rules, ", "))
		}
	case harness.StatusKnown:
		tc.Skipped = &junitSkipped{Type: junitKnown, Text: xmlSafe("known failure: " + reasons(c.Known) + "\n\n" + caseText(c))}
	case harness.StatusStale:
		tc.Failure = &junitFailure{Type: junitStale,
			Message: fmt.Sprintf("expected to fail with %s (%s), but conforms: remove the expectation", strings.Join(c.staleRules(), ","), reasons(c.Known)),
			Text:    xmlSafe(caseText(c))}
	case harness.StatusNotImplemented:
		tc.Skipped = &junitSkipped{Type: junitNotImplemented, Text: "the subject does not implement the " + c.Surface + " surface"}
	}
	return tc
}

// caseText is the plain-text detail of a case: what a CI shows when a
// test case is opened.
func caseText(c *CaseResult) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s on %s (subject %s, profile %s, seed %d)\n", c.Scenario+" "+c.ScenarioName, c.Surface, c.Subject, c.Profile, c.Seed)
	fmt.Fprintf(&b, "expected: %s\nobserved: %s (exit %d)\n", c.Expected, c.Observed, c.ExitCode)
	if len(c.Violations) > 0 {
		b.WriteString("\nviolations:\n")
		for _, v := range c.Violations {
			fmt.Fprintf(&b, "  %s\n", v)
		}
	}
	if c.Failure != "" {
		fmt.Fprintf(&b, "\nsubject failure: %s\n", c.Failure)
	}
	if len(c.Ledger) > 0 {
		b.WriteString("\nledger:\n")
		for _, call := range c.Ledger {
			fmt.Fprintf(&b, "  %s\n", call)
		}
	}
	if len(c.Events) > 0 {
		b.WriteString("\nevents:\n")
		for _, ev := range c.Events {
			line, _ := json.Marshal(ev)
			fmt.Fprintf(&b, "  %s\n", line)
		}
	}
	if c.Reply != nil {
		line, _ := json.Marshal(c.Reply)
		fmt.Fprintf(&b, "\ngateway reply: %s\n", line)
	}
	if len(c.Trace) > 0 {
		b.WriteString("\ndecision trace (reference model):\n")
		for _, st := range c.Trace {
			fmt.Fprintf(&b, "  %s\n", st)
		}
	}
	if t := strings.TrimSpace(c.Stdout); t != "" {
		fmt.Fprintf(&b, "\nstdout:\n%s\n", clip(t, 2000))
	}
	if s := junitStderr(c.Stderr); s != "" {
		b.WriteString("\n" + s)
	}
	fmt.Fprintf(&b, "\nreproduce: %s\n", c.Repro)
	return b.String()
}

// junitStderr is the excerpt of a subject's stderr s (StderrExcerpt)
// under its heading, as a JUnit failure's text shows it; "" when s has no
// line to show.
func junitStderr(s string) string {
	lines := StderrExcerpt(s)
	if len(lines) == 0 {
		return ""
	}
	return stderrHeading(s) + ":\n" + strings.Join(lines, "\n") + "\n"
}

// xmlSafe replaces every character XML 1.0 forbids (control characters
// such as an ANSI escape in a subject's output) with U+FFFD, so that a
// CDATA section stays well-formed; encoding/xml splits any "]]>" itself.
func xmlSafe(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\t' || r == '\n' || r == '\r':
			return r
		case r < 0x20, r >= 0xD800 && r <= 0xDFFF, r == 0xFFFE, r == 0xFFFF:
			return '\uFFFD'
		}
		return r
	}, s)
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}

// clip cuts s to at most n bytes on a rune boundary.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && !isRuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + fmt.Sprintf("… (%d more bytes)", len(s)-cut)
}

func isRuneStart(b byte) bool { return b&0xC0 != 0x80 }

// xmlToken makes a name usable as a dotted package: spaces and dots become
// dashes.
func xmlToken(s string) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return "subject"
	}
	return strings.NewReplacer(" ", "-", ".", "-", "\t", "-").Replace(s)
}
