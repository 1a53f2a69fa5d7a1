package reports

import (
	"bytes"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/fallbackgate/fallbackgate/harness"
)

func itoa(n int) string { return strconv.Itoa(n) }

// WriteText writes the terminal report of a run: the scenario × surface
// matrix, then every unexpected failure with its violations, the ledger and
// the command that reproduces it; the known failures and stale
// expectations; the parity verdict; the mutation self-test, when one ran
// (a row per mutant, each survivor, and "mutation score: K/N (P%)"); notes
// (such as where the report files went); the seed; and last the line
// "N passed, M failed".
func WriteText(w io.Writer, r *Results, notes ...string) error {
	var buf bytes.Buffer
	if !r.stagesOnly() { // a stage starts with a blank line of its own
		buf.WriteString("\n") // the run has named the subject, profile and seed on its first line
	}
	if (r.judgedAny() || len(r.NotStarted) == 0) && !r.stagesOnly() {
		writeMatrixText(&buf, r)
	}
	writeNotStartedText(&buf, r)

	for i, c := range r.failing(harness.StatusFail) {
		if i == 0 {
			fmt.Fprint(&buf, "\nFailures:\n")
		}
		fmt.Fprintf(&buf, "\n%s (%s): %s\n", c.ID(), c.ScenarioName, harness.Headline(c.Expected, c.Observed))
		writeCaseDetail(&buf, c, "  ")
	}
	writeIncidentsText(&buf, r)
	if known := r.failing(harness.StatusKnown); len(known) > 0 {
		fmt.Fprintf(&buf, "\nKnown failures (%s):\n", r.ExpectFile)
		for _, c := range known {
			fmt.Fprintf(&buf, "  %s %s: %s\n", c.ID(), strings.Join(c.Violations.Rules(), ","), reasons(c.Known))
		}
	}
	stale := 0
	for _, e := range r.Expectations {
		if e.Status != ExpectationStale {
			continue
		}
		if stale == 0 {
			fmt.Fprintf(&buf, "\nStale expectations (%s): these now pass; remove them:\n", r.ExpectFile)
		}
		stale++
		fmt.Fprintf(&buf, "  line %d: %s (%s)\n", e.Line, e, e.Reason)
	}
	for _, e := range r.Expectations {
		if e.Status == ExpectationNotRun {
			fmt.Fprintf(&buf, "note: expectation %s (%s line %d) matched no case that ran\n", e, r.ExpectFile, e.Line)
		}
	}
	if !r.stagesOnly() {
		fmt.Fprintln(&buf)
	}
	if len(r.Parity) == 0 && r.judgedAny() {
		fmt.Fprintln(&buf, "parity: "+r.parityAgreed())
	}
	for _, p := range r.Parity {
		note := ""
		if p.Status == harness.StatusKnown {
			note = " (known failure)"
		}
		fmt.Fprintf(&buf, "parity: %s%s\n", p.Message, note)
	}
	if r.Shutdown != "" {
		fmt.Fprintln(&buf, r.Shutdown)
	}
	if p := r.Properties; p != nil {
		writeProperties(&buf, p)
		if g := coverageGaps(p.Coverage, "generated case"); g != "" {
			fmt.Fprintf(&buf, "  %s\n", g)
		}
	}
	if c := r.Chaos; c != nil {
		writeChaosText(&buf, c)
		if g := coverageGaps(c.Coverage, "start-up"); g != "" {
			fmt.Fprintf(&buf, "  %s\n", g)
		}
	}
	if m := r.Mutation; m != nil {
		writeMutationText(&buf, m)
	}
	for _, n := range notes {
		fmt.Fprintln(&buf, n)
	}
	fmt.Fprintf(&buf, "seed %d\n", r.Seed)
	fmt.Fprintln(&buf, r.countsLine())
	_, err := w.Write(redactBytes(buf.Bytes()))
	return err
}

// writeMatrixText writes the scenario × surface matrix.
func writeMatrixText(buf *bytes.Buffer, r *Results) {
	tw := tabwriter.NewWriter(buf, 0, 4, 2, ' ', 0)
	fmt.Fprint(tw, "SCENARIO\t")
	for _, s := range r.Surfaces {
		fmt.Fprintf(tw, "%s\t", strings.ToUpper(s))
	}
	fmt.Fprintln(tw)
	for _, row := range r.rows() {
		fmt.Fprintf(tw, "%s %s\t", row.Scenario, row.Name)
		for _, c := range row.Cells {
			fmt.Fprintf(tw, "%s\t", label(c))
		}
		fmt.Fprintln(tw)
	}
	writeIncidentRows(tw, r)
	tw.Flush()
}

// reasons joins the reasons of expectations, each once.
func reasons(es []KnownFailure) string {
	var out []string
	for _, e := range es {
		s := e.Rule + ": " + e.Reason
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return strings.Join(out, "; ")
}

// writeMutationText writes the mutation self-test compactly: a row per
// mutant (the case that killed it and that violation's rule, or SURVIVED),
// a line per survivor naming the rule with no teeth, then the score line.
func writeMutationText(buf *bytes.Buffer, m *Mutation) {
	fmt.Fprintf(buf, "\nmutation self-test (%s, stages %s):\n", m.Path, strings.Join(m.Stages, ", "))
	tw := tabwriter.NewWriter(buf, 0, 4, 2, ' ', 0)
	for _, x := range m.Mutants {
		by, rule := x.KilledBy, x.KilledRule
		if x.Survived() {
			by, rule = "SURVIVED", x.Rule+" (no teeth)"
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\n", x.Name, by, rule)
	}
	tw.Flush()
	for _, x := range m.Survivors() {
		fmt.Fprintf(buf, "survivor %s: %s; rule %s has no teeth\n", x.Name, x.Description, x.Rule)
	}
	fmt.Fprintln(buf, m.Score)
}

// writeCaseDetail writes what the terminal shows of a failing case under
// its heading, each line after indent: the violations, whether it is a
// known failure, the ledger, the subject's stderr (StderrExcerpt), the
// reproduce command and the kept folder.
func writeCaseDetail(buf *bytes.Buffer, c *CaseResult, indent string) {
	for _, v := range c.Violations {
		fmt.Fprintf(buf, "%s%s\n", indent, v)
	}
	if len(c.Known) > 0 {
		fmt.Fprintf(buf, "%snot a known failure: %s\n", indent, strings.Join(c.Unexpected, ", "))
	}
	if len(c.Ledger) > 0 {
		fmt.Fprintf(buf, "%sledger:\n", indent)
		for _, call := range c.Ledger {
			fmt.Fprintf(buf, "%s  %s\n", indent, call)
		}
	}
	writeStderrText(buf, c.Stderr, indent)
	fmt.Fprintf(buf, "%sreproduce: %s\n", indent, c.Repro)
	if c.Dir != "" {
		fmt.Fprintf(buf, "%scase folder (kept): %s\n", indent, c.Dir)
	}
}

// writeStderrText writes the excerpt of a subject's stderr s
// (StderrExcerpt) under its heading, each line after indent, and reports
// whether s had any line to show.
func writeStderrText(buf *bytes.Buffer, s, indent string) bool {
	lines := StderrExcerpt(s)
	if len(lines) == 0 {
		return false
	}
	fmt.Fprintf(buf, "%s%s:\n", indent, stderrHeading(s))
	for _, l := range lines {
		fmt.Fprintf(buf, "%s  | %s\n", indent, l)
	}
	return true
}

// WriteProperties writes a property stage as the terminal report shows it
// (`fallbackgate prop` prints its outcome so too): one line when it passed;
// else the shrunk counterexample, each failing surface's violations and
// ledger with the command that replays it, and the command that repeats
// the search.
func WriteProperties(w io.Writer, p *Properties) error {
	var buf bytes.Buffer
	writeProperties(&buf, p)
	_, err := w.Write(redactBytes(buf.Bytes()))
	return err
}

func writeProperties(buf *bytes.Buffer, p *Properties) {
	head := p.title()
	switch fs := p.failures(); {
	case len(fs) == 1:
		fmt.Fprintf(buf, "\n%s: %s; shrunk counterexample", head, p.summary())
		writeFailureText(buf, fs[0], "")
		fmt.Fprintf(buf, "  reproduce the search: %s\n", p.Repro)
	case len(fs) > 1:
		// Each distinct failure class once, with the counterexample it
		// was shrunk to (one that shows several classes stands for each).
		fmt.Fprintf(buf, "\n%s: %s:\n", head, p.summary())
		for k, f := range fs {
			fmt.Fprintf(buf, "\n  %d. %s: shrunk counterexample", k+1, f.what())
			writeFailureText(buf, f, "  ")
		}
		fmt.Fprintf(buf, "\n  reproduce the search: %s\n", p.Repro)
	case p.Vacuous != "":
		fmt.Fprintf(buf, "\n%s: %s (%s)\n  reproduce: %s\n", head, p.summary(), p.classesText(), p.Repro)
	default:
		fmt.Fprintf(buf, "\n%s: %s\n", head, p.summary())
	}
}

// writeFailureText writes a property counterexample after its heading:
// where it was saved, the scenario, and each failing surface's violations
// and ledger with the command that replays it, each line after indent.
func writeFailureText(buf *bytes.Buffer, f *PropertyFailure, indent string) {
	if f.Saved != "" {
		fmt.Fprintf(buf, ", saved as %s", f.Saved)
	}
	fmt.Fprintf(buf, ":\n\n%s\n", indentLines(f.Scenario, indent+"    "))
	for _, r := range f.Results {
		fmt.Fprintf(buf, "%s  %s:\n", indent, r.Surface)
		writeCaseDetail(buf, &CaseResult{Judgement: r}, indent+"    ")
	}
}

// writeChaosText writes the chaos stage: one line when it passed; else
// each distinct problem (at most 10) with the start-ups it hit, the saved
// counterexample, the history and the command that repeats the run.
func writeChaosText(buf *bytes.Buffer, c *Chaos) {
	if c.OK() {
		fmt.Fprintf(buf, "\n%s: %s; history %s\n", c.title(), c.summary(), c.History)
		return
	}
	fmt.Fprintf(buf, "\n%s: %s:\n", c.title(), c.summary())
	WriteProblems(buf, c.Problems, "    ", textProblems)
	if c.Counterexample != "" {
		fmt.Fprintf(buf, "  first failing start-up saved as %s\n", c.Counterexample)
	}
	fmt.Fprintf(buf, "  history: %s (re-check: fallbackgate check %s)\n  reproduce: %s\n", c.History, c.History, c.Repro)
}

// indentLines prefixes every non-empty line of s.
func indentLines(s, prefix string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	for i, l := range lines {
		if l != "" {
			lines[i] = prefix + l
		}
	}
	return strings.Join(lines, "\n")
}
