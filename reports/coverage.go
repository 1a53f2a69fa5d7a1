package reports

import (
	"bytes"
	"fmt"
	"maps"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/fallbackgate/fallbackgate/harness/prop"
)

// Rule coverage: how many generated cases (chaos: start-ups) exercised
// each rule of the contract on each surface (prop.Exercised says what
// exercising a rule means). A rule no case exercised is a gap: the run
// proves nothing about it there. Every report says so; a gap does not fail
// the run, since whether N random cases meet a rare rule depends on N and
// the seed, and some rules cannot be met at all by some subjects or stages
// (R18 needs the runtime-fallback capability; a chaos chain is never
// empty). The categories of a property run (fell back, pinned,
// rate-limited, exhausted), which 100 cases always meet, still fail a run
// that never met one.

// coverageNoGap is what a report says when every rule was exercised.
const coverageNoGap = "every rule was exercised on every surface"

// coverageGaps reads "rule coverage: no generated case exercised R8 (every
// surface), R18 (cli); the run proves nothing about them there (a gap does
// not fail the run)", or "" without a gap.
func coverageGaps(c *prop.Coverage, unit string) string {
	if c == nil {
		return ""
	}
	gaps := c.GapsText()
	if gaps == "" {
		return ""
	}
	return fmt.Sprintf("rule coverage: no %s exercised %s; the run proves nothing about them there (a gap does not fail the run)", unit, gaps)
}

// coverageOf reads "of 200 on each surface", or "of 200 on oneshot, 180 on
// gateway" when the surfaces counted differently.
func coverageOf(c *prop.Coverage) string {
	counts := slices.Collect(maps.Values(c.Cases))
	if len(counts) > 0 && len(c.Surfaces) > 1 && slices.Min(counts) == slices.Max(counts) && len(counts) == len(c.Surfaces) {
		return fmt.Sprintf("of %d on each surface", counts[0])
	}
	parts := make([]string, len(c.Surfaces))
	for i, s := range c.Surfaces {
		parts[i] = fmt.Sprintf("%d on %s", c.Cases[s], s)
	}
	return "of " + strings.Join(parts, ", ")
}

// writeCoverageTable writes a rule-coverage table for the terminal, as
// prop and chaos print it after their run (WritePropRun, WriteChaosRun): a
// row per rule, a column per surface, the number of units (generated
// cases, start-ups) that exercised it, then the rules none exercised.
func writeCoverageTable(buf *bytes.Buffer, c *prop.Coverage, unit string) {
	if c == nil {
		return
	}
	fmt.Fprintf(buf, "rule coverage (%ss that exercised each rule, %s):\n", unit, coverageOf(c))
	tw := tabwriter.NewWriter(buf, 0, 4, 2, ' ', 0)
	row := []string{"  RULE"}
	for _, s := range c.Surfaces {
		row = append(row, strings.ToUpper(s))
	}
	fmt.Fprintln(tw, strings.Join(row, "\t"))
	for _, r := range prop.Rules {
		row = []string{"  " + r}
		for _, s := range c.Surfaces {
			row = append(row, fmt.Sprint(c.Rules[r][s]))
		}
		fmt.Fprintln(tw, strings.Join(row, "\t"))
	}
	tw.Flush()
	if gaps := c.GapsText(); gaps != "" {
		fmt.Fprintf(buf, "  not exercised: %s; the run proves nothing about them there (a gap does not fail the run)\n", gaps)
	} else {
		fmt.Fprintf(buf, "  %s\n", coverageNoGap)
	}
}

// writeCoverageMarkdown writes a rule-coverage table folded under a line
// that names the gaps.
func writeCoverageMarkdown(b *bytes.Buffer, c *prop.Coverage, unit string) {
	if c == nil {
		return
	}
	summary := "Rule coverage: " + coverageNoGap
	if gaps := c.GapsText(); gaps != "" {
		summary = "Rule coverage: not exercised " + gaps
	}
	fmt.Fprintf(b, "\n<details><summary>%s</summary>\n\n%ss that exercised each rule, %s.\n\n| rule |", mdText(summary), mdText(unit), mdText(coverageOf(c)))
	for _, s := range c.Surfaces {
		fmt.Fprintf(b, " %s |", mdCell(s))
	}
	b.WriteString("\n|---|")
	for range c.Surfaces {
		b.WriteString("---:|")
	}
	b.WriteString("\n")
	for _, r := range prop.Rules {
		fmt.Fprintf(b, "| %s |", r)
		for _, s := range c.Surfaces {
			n := c.Rules[r][s]
			if n == 0 {
				fmt.Fprintf(b, " **0** |")
			} else {
				fmt.Fprintf(b, " %d |", n)
			}
		}
		b.WriteString("\n")
	}
	b.WriteString("\n</details>\n")
}

// pageCoverage is a rule-coverage table of the HTML report.
type pageCoverage struct {
	Of, Gaps string
	Surfaces []string
	Rows     []pageCoverageRow
}

type pageCoverageRow struct {
	Rule   string
	Counts []int
}

func htmlCoverage(c *prop.Coverage, unit string) *pageCoverage {
	if c == nil {
		return nil
	}
	pc := &pageCoverage{Of: unit + "s that exercised each rule, " + coverageOf(c), Gaps: c.GapsText(), Surfaces: c.Surfaces}
	for _, r := range prop.Rules {
		row := pageCoverageRow{Rule: r}
		for _, s := range c.Surfaces {
			row.Counts = append(row.Counts, c.Rules[r][s])
		}
		pc.Rows = append(pc.Rows, row)
	}
	return pc
}
