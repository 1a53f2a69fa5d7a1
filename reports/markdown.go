package reports

import (
	"bytes"
	"fmt"
	"io"
	"strings"
)

// markdownBudget keeps the Markdown under GitHub's 65,536-character limit
// for a pull-request comment; failures past it are counted, not shown.
const markdownBudget = 60000

// WriteMarkdown writes the results as GitHub-flavoured Markdown for a
// pull-request comment or $GITHUB_STEP_SUMMARY: a verdict heading, the
// scenario × surface matrix and, when a mutation self-test ran, its score
// and a table of mutants; then each unexpected failure with its rules,
// expected and observed, ledger and reproduce command; then known failures
// and stale expectations.
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

	b.WriteString("| scenario |")
	for _, s := range r.Surfaces {
		fmt.Fprintf(&b, " %s |", s)
	}
	b.WriteString("\n|---|")
	for range r.Surfaces {
		b.WriteString("---|")
	}
	b.WriteString("\n")
	for _, row := range r.rows() {
		fmt.Fprintf(&b, "| %s %s |", mdCell(row.Scenario), mdCell(row.Name))
		for _, c := range row.Cells {
			fmt.Fprintf(&b, " %s |", mdCell(mdIcon(c)+label(c)))
		}
		b.WriteString("\n")
	}
	if len(r.Parity) == 0 {
		b.WriteString("\nParity: every scenario reached the same decision on every surface.\n")
	}
	for _, p := range r.Parity {
		fmt.Fprintf(&b, "\n**parity** (%s): %s\n", p.Status, mdText(p.Message))
	}
	if r.Shutdown != "" {
		fmt.Fprintf(&b, "\n**%s**\n", mdText(r.Shutdown))
	}
	if m := r.Mutation; m != nil {
		writeMutationMarkdown(&b, m)
	}

	fails := r.failing(StatusFail)
	if len(fails) > 0 {
		b.WriteString("\n### Failures\n")
	}
	for i, c := range fails {
		if b.Len() > markdownBudget {
			fmt.Fprintf(&b, "\n…and %d more failure(s); see the HTML report or results.json.\n", len(fails)-i)
			break
		}
		fmt.Fprintf(&b, "\n#### %s`%s` (%s): %s\n\n", mdIcon(c), c.ID(), mdText(c.ScenarioName), strings.Join(c.Violations.Rules(), ", "))
		fmt.Fprintf(&b, "Expected **%s**, observed **%s**.\n\n", mdText(c.Expected.String()), mdText(c.Observed.String()))
		for _, v := range c.Violations {
			fmt.Fprintf(&b, "- **%s**: %s\n", mdText(v.Rule), mdText(v.Message))
		}
		if len(c.Unexpected) > 0 && len(c.Known) > 0 {
			fmt.Fprintf(&b, "- not a known failure: %s\n", strings.Join(c.Unexpected, ", "))
		}
		if len(c.Ledger) > 0 {
			b.WriteString("\n<details><summary>ledger</summary>\n\n```\n")
			for _, call := range c.Ledger {
				fmt.Fprintf(&b, "%s\n", mdFence(call.String()))
			}
			b.WriteString("```\n</details>\n")
		}
		fmt.Fprintf(&b, "\nReproduce:\n\n```sh\n%s\n```\n", mdFence(c.Repro))
	}

	if known := r.failing(StatusKnown); len(known) > 0 {
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
	icon := "✅"
	if len(m.Survivors()) > 0 {
		icon = "❌"
	}
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

func mdIcon(c *Case) string {
	if c == nil {
		return ""
	}
	switch c.Status {
	case StatusPass:
		return "✅ "
	case StatusFail:
		return "❌ "
	case StatusKnown:
		return "⚠️ "
	case StatusStale:
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
