package reports

import (
	"slices"
	"strings"

	"github.com/fallbackgate/fallbackgate/harness"
	"github.com/fallbackgate/fallbackgate/harness/gate"
)

// Row is one scenario of the matrix with its results in surface order.
type Row struct {
	Scenario, Name string
	Cells          []harness.Result
}

// Rows arranges a report's results as the scenario × surface matrix, in the
// order the scenarios were given.
func Rows(rep *gate.Report) []Row {
	var rows []Row
	index := map[string]int{}
	col := map[string]int{}
	for i, s := range rep.Surfaces {
		col[s] = i
	}
	for _, r := range rep.Results {
		if r.Scenario == "" {
			continue
		}
		i, ok := index[r.Scenario]
		if !ok {
			i = len(rows)
			index[r.Scenario] = i
			rows = append(rows, Row{Scenario: r.Scenario, Name: r.ScenarioName, Cells: make([]harness.Result, len(rep.Surfaces))})
		}
		if c, ok := col[r.Surface]; ok {
			rows[i].Cells[c] = r
		}
	}
	return rows
}

// caseRow is one scenario of a results matrix; a nil cell is a case that
// did not run.
type caseRow struct {
	Scenario, Name string
	Cells          []*CaseResult
}

// rows arranges the cases as the scenario × surface matrix.
func (r *Results) rows() []caseRow {
	var rows []caseRow
	index := map[string]int{}
	col := map[string]int{}
	for i, s := range r.Surfaces {
		col[s] = i
	}
	for i := range r.Cases {
		c := &r.Cases[i]
		k, ok := index[c.Scenario]
		if !ok {
			k = len(rows)
			index[c.Scenario] = k
			rows = append(rows, caseRow{Scenario: c.Scenario, Name: c.ScenarioName, Cells: make([]*CaseResult, len(r.Surfaces))})
		}
		if j, ok := col[c.Surface]; ok {
			rows[k].Cells[j] = c
		}
	}
	return rows
}

// label is how a case reads in a matrix: "pass", "FAIL R7,R15",
// "known R7", "STALE R7" or "n/a".
func label(c *CaseResult) string {
	if c == nil {
		return "-"
	}
	switch c.Status {
	case harness.StatusPass:
		return "pass"
	case harness.StatusFail:
		return "FAIL " + strings.Join(c.Violations.Rules(), ",")
	case harness.StatusKnown:
		return "known " + strings.Join(c.Violations.Rules(), ",")
	case harness.StatusStale:
		return "STALE " + strings.Join(c.staleRules(), ",")
	case harness.StatusNotImplemented:
		return "n/a"
	}
	return string(c.Verdict)
}

// staleRules are the rules of the expectations that say a passing case
// fails.
func (c *CaseResult) staleRules() []string {
	var out []string
	for _, e := range c.Known {
		if !slices.Contains(out, e.Rule) {
			out = append(out, e.Rule)
		}
	}
	return out
}

// failing returns the cases with the given status, in matrix order.
func (r *Results) failing(s harness.Status) []*CaseResult {
	var out []*CaseResult
	for i := range r.Cases {
		if r.Cases[i].Status == s {
			out = append(out, &r.Cases[i])
		}
	}
	return out
}

// countsLine is the last line of every report: "24 passed, 3 failed",
// with ", 2 skipped", ", 1 known failure(s)", ", 1 stale expectation(s)",
// ", 9 not started" when there are any.
func (r *Results) countsLine() string {
	g := r.Gate
	var b strings.Builder
	b.WriteString(itoa(g.Passed) + " passed, " + itoa(g.Failed) + " failed")
	if g.Skipped > 0 {
		b.WriteString(", " + itoa(g.Skipped) + " skipped")
	}
	if g.Known > 0 {
		b.WriteString(", " + itoa(g.Known) + " known failure(s)")
	}
	if g.Stale > 0 {
		b.WriteString(", " + itoa(g.Stale) + " stale expectation(s)")
	}
	if n := r.notStartedCases(); n > 0 {
		b.WriteString(", " + itoa(n) + " not started")
	}
	return b.String()
}
