package reports

import (
	"bytes"
	"fmt"
	"io"
	"strings"

	"github.com/fallbackgate/fallbackgate/fakes"
	"github.com/fallbackgate/fallbackgate/harness"
)

// markdownBudget keeps the Markdown under GitHub's 65,536-character limit
// for a pull-request comment; failures past it are counted, not shown.
const markdownBudget = 60000

// WriteMarkdown writes the results as GitHub-flavoured Markdown for a
// pull-request comment or $GITHUB_STEP_SUMMARY: a verdict heading, the
// scenario × surface matrix; when a property or chaos stage ran, its
// verdict (on failure the counterexample or the problems, and the
// commands that reproduce them); when a mutation self-test ran, its score
// and a table of mutants; then each unexpected failure with its rules,
// expected and observed, ledger and reproduce command; then known failures
// and stale expectations. A failure shows the last lines of the subject's
// stderr (StderrExcerpt).
func WriteMarkdown(w io.Writer, r *Results) error {
	var b bytes.Buffer
	icon := "✅"
	if !r.OK() {
		icon = "❌"
	}
	heading := r.countsLine()
	if r.Mutation != nil {
		heading += "; " + r.Mutation.Score
	}
	fmt.Fprintf(&b, "## %s fallbackgate: %s\n\n", icon, mdText(heading))
	fmt.Fprintf(&b, "Subject `%s`, profile `%s`, seed `%d`", mdCode(r.Subject), mdCode(r.Profile), r.Seed)
	if r.ExpectFile != "" {
		fmt.Fprintf(&b, ", known failures from `%s`", mdCode(r.ExpectFile))
	}
	b.WriteString(".\n\n")

	if !r.stagesOnly() {
		b.WriteString("| scenario |")
		for _, s := range r.Surfaces {
			fmt.Fprintf(&b, " %s |", s)
		}
		b.WriteString("\n|---|")
		for range r.Surfaces {
			b.WriteString("---|")
		}
		b.WriteString("\n")
	}
	for _, row := range r.rows() {
		fmt.Fprintf(&b, "| %s %s |", mdCell(row.Scenario), mdCell(row.Name))
		for _, c := range row.Cells {
			fmt.Fprintf(&b, " %s |", mdCell(mdIcon(c)+label(c)))
		}
		b.WriteString("\n")
	}
	writeNotStartedMarkdown(&b, r)
	if len(r.Parity) == 0 && r.judgedAny() {
		fmt.Fprintf(&b, "\nParity: %s.\n", mdText(r.parityAgreed()))
	}
	for _, p := range r.Parity {
		fmt.Fprintf(&b, "\n**parity** (%s): %s\n", p.Status, mdText(p.Message))
	}
	if r.Shutdown != "" {
		fmt.Fprintf(&b, "\n**%s**\n", mdText(r.Shutdown))
	}
	if p := r.Properties; p != nil {
		writePropertiesMarkdown(&b, p)
	}
	if c := r.Chaos; c != nil {
		writeChaosMarkdown(&b, c)
	}
	if m := r.Mutation; m != nil {
		writeMutationMarkdown(&b, m)
	}
	if len(r.Incidents) > 0 {
		writeIncidentsMarkdown(&b, r)
	}

	fails := r.failing(harness.StatusFail)
	if len(fails) > 0 {
		b.WriteString("\n### Failures\n")
	}
	for i, c := range fails {
		if b.Len() > markdownBudget {
			fmt.Fprintf(&b, "\n…and %d more failure(s); see the HTML report or results.json.\n", len(fails)-i)
			break
		}
		fmt.Fprintf(&b, "\n#### %s`%s` (%s): %s\n\n", mdIcon(c), c.ID(), mdText(c.ScenarioName), strings.Join(c.Violations.Rules(), ", "))
		if c.Expected.String() != c.Observed.String() {
			fmt.Fprintf(&b, "Expected **%s**, observed **%s**.\n\n", mdText(c.Expected.String()), mdText(c.Observed.String()))
		} else {
			fmt.Fprintf(&b, "%s.\n\n", mdText(harness.Headline(c.Expected, c.Observed)))
		}
		for _, v := range c.Violations {
			fmt.Fprintf(&b, "- **%s**: %s\n", mdText(v.Rule), mdText(v.Message))
		}
		if len(c.Unexpected) > 0 && len(c.Known) > 0 {
			fmt.Fprintf(&b, "- not a known failure: %s\n", strings.Join(c.Unexpected, ", "))
		}
		writeLedgerMarkdown(&b, c.Ledger)
		writeStderrMarkdown(&b, "The subject's", c.Stderr)
		fmt.Fprintf(&b, "\nReproduce:\n\n```sh\n%s\n```\n", mdFence(c.Repro))
	}

	if known := r.failing(harness.StatusKnown); len(known) > 0 {
		b.WriteString("\n### Known failures\n\n")
		for _, c := range known {
			fmt.Fprintf(&b, "- `%s` %s: %s\n", c.ID(), strings.Join(c.Violations.Rules(), ","), mdText(reasons(c.Known)))
		}
	}
	first := true
	for _, e := range r.Expectations {
		if e.Status != ExpectationStale {
			continue
		}
		if first {
			fmt.Fprintf(&b, "\n### Stale expectations\n\nThese now pass; remove them from `%s`:\n\n", mdCode(r.ExpectFile))
			first = false
		}
		fmt.Fprintf(&b, "- line %d: `%s` (%s)\n", e.Line, mdCode(e.String()), mdText(e.Reason))
	}
	_, err := w.Write(redactBytes(b.Bytes()))
	return err
}

// writeMutationMarkdown writes the mutation section: the score line, then
// a row per mutant with what killed it, or the rule it shows has no teeth.
func writeMutationMarkdown(b *bytes.Buffer, m *Mutation) {
	icon := stageIcon(len(m.Survivors()) == 0)
	fmt.Fprintf(b, "\n### Mutation self-test\n\n%s **%s** (%s; stages %s)\n\n", icon, mdText(m.Score), mdText(m.Path), mdText(strings.Join(m.Stages, ", ")))
	b.WriteString("| mutant | bug | killed by | rule |\n|---|---|---|---|\n")
	for _, x := range m.Mutants {
		by, rule := "✅ "+mdCell(x.KilledBy), mdCell(x.KilledRule)
		if x.Survived() {
			by, rule = "❌ **survived**", "**"+mdCell(x.Rule)+"** has no teeth"
		}
		fmt.Fprintf(b, "| %s | %s | %s | %s |\n", mdCell(x.Name), mdCell(x.Description), by, rule)
	}
}

// writeLedgerMarkdown writes a case's ledger folded, one request a line;
// nothing when it made none.
func writeLedgerMarkdown(b *bytes.Buffer, ledger []fakes.Call) {
	if len(ledger) == 0 {
		return
	}
	b.WriteString("\n<details><summary>ledger</summary>\n\n```\n")
	for _, call := range ledger {
		fmt.Fprintf(b, "%s\n", mdFence(call.String()))
	}
	b.WriteString("```\n</details>\n")
}

// writeStderrMarkdown writes the excerpt of a subject's stderr s
// (StderrExcerpt) in a fenced block, under its heading after lead;
// nothing when s has no line to show.
func writeStderrMarkdown(b *bytes.Buffer, lead, s string) {
	if lines := StderrExcerpt(s); len(lines) > 0 {
		fmt.Fprintf(b, "\n%s %s:\n\n```\n%s\n```\n", lead, stderrHeading(s), mdFence(strings.Join(lines, "\n")))
	}
}

// markdownScenario bounds the counterexample scenario a property section
// shows.
const markdownScenario = 8000

// writePropertiesMarkdown writes the property section: one line when it
// passed; else the rules broken, the shrunk counterexample folded, each
// failing surface's violations, ledger and replay command, and the command
// that repeats the search.
func writePropertiesMarkdown(b *bytes.Buffer, p *Properties) {
	fmt.Fprintf(b, "\n### Properties\n\n%s **%s**: %s", stageIcon(p.OK()), mdText(p.title()), mdText(p.summary()))
	defer writeCoverageMarkdown(b, p.Coverage, "generated case")
	if p.OK() {
		b.WriteString(".\n")
		return
	}
	fs := p.failures()
	if len(fs) > 1 {
		b.WriteString(".\n")
	}
	for k, f := range fs {
		if len(fs) > 1 {
			fmt.Fprintf(b, "\n#### %d. %s\n\nShrunk counterexample", k+1, mdText(f.what()))
		} else {
			b.WriteString("; shrunk counterexample")
		}
		if f.Saved != "" {
			fmt.Fprintf(b, " saved as `%s`", mdCode(f.Saved))
		}
		fmt.Fprintf(b, ".\n\n<details><summary>counterexample scenario</summary>\n\n```yaml\n%s\n```\n</details>\n",
			mdFence(clip(strings.TrimRight(f.Scenario, "\n"), markdownScenario)))
		for _, r := range f.Results {
			fmt.Fprintf(b, "\n**`%s`**: %s\n\n", mdCode(r.Surface), mdText(strings.Join(r.Violations.Rules(), ", ")))
			for _, v := range r.Violations {
				fmt.Fprintf(b, "- **%s**: %s\n", mdText(v.Rule), mdText(v.Message))
			}
			writeLedgerMarkdown(b, r.Ledger)
			fmt.Fprintf(b, "\nReplay:\n\n```sh\n%s\n```\n", mdFence(r.Repro))
		}
	}
	if len(fs) == 0 {
		fmt.Fprintf(b, " (%s).\n", mdText(p.classesText()))
	}
	fmt.Fprintf(b, "\nReproduce the search:\n\n```sh\n%s\n```\n", mdFence(p.Repro))
}

// writeChaosMarkdown writes the chaos section: one line when it passed;
// else each distinct problem (at most markdownProblems) with the start-ups
// it hit, the counterexample, the history and the command that repeats
// the run.
func writeChaosMarkdown(b *bytes.Buffer, c *Chaos) {
	fmt.Fprintf(b, "\n### Chaos\n\n%s **%s**: %s", stageIcon(c.OK()), mdText(c.title()), mdText(c.summary()))
	defer writeCoverageMarkdown(b, c.Coverage, "start-up")
	if c.OK() {
		fmt.Fprintf(b, "; history `%s`.\n", mdCode(c.History))
		return
	}
	b.WriteString(".\n\n")
	for i, p := range c.Problems {
		if i == markdownProblems {
			fmt.Fprintf(b, "- …and %d more distinct problem(s); see the HTML report or results.json.\n", len(c.Problems)-i)
			break
		}
		fmt.Fprintf(b, "- **%s**: %s%s\n", mdText(p.Rule), mdText(p.Message), mdText(p.startupsText()))
	}
	if c.Counterexample != "" {
		fmt.Fprintf(b, "\nCounterexample (the first failing start-up): `%s`\n", mdCode(c.Counterexample))
	}
	fmt.Fprintf(b, "\nHistory: `%s` (re-check: `fallbackgate check %s`)\n", mdCode(c.History), mdCode(c.History))
	fmt.Fprintf(b, "\nReproduce:\n\n```sh\n%s\n```\n", mdFence(c.Repro))
}

// stageIcon is the icon of a stage's verdict.
func stageIcon(ok bool) string {
	if ok {
		return "✅"
	}
	return "❌"
}

func mdIcon(c *CaseResult) string {
	if c == nil {
		return ""
	}
	switch c.Status {
	case harness.StatusPass:
		return "✅ "
	case harness.StatusFail:
		return "❌ "
	case harness.StatusKnown:
		return "⚠️ "
	case harness.StatusStale:
		return "🧹 "
	}
	return ""
}

// mdText escapes the characters that would turn text into Markdown or HTML.
var mdEscaper = strings.NewReplacer(
	`\`, `\\`, "`", "\\`", "*", `\*`, "_", `\_`, "[", `\[`, "]", `\]`,
	"<", "&lt;", ">", "&gt;", "|", `\|`, "#", `\#`, "\n", " ", "\r", " ",
)

func mdText(s string) string { return mdEscaper.Replace(s) }

// mdCell is mdText for a table cell.
func mdCell(s string) string { return mdText(s) }

// mdCode makes s safe inside a single-backtick code span.
func mdCode(s string) string {
	return strings.NewReplacer("`", "'", "\n", " ").Replace(s)
}

// mdFence makes s safe inside a fenced code block.
func mdFence(s string) string { return strings.ReplaceAll(s, "```", "'''") }
