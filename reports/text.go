package reports

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/fallbackgate/fallbackgate/harness"
)

// cell is how a verdict reads in the terminal matrix.
func cell(r harness.Result) string {
	switch r.Verdict {
	case harness.VerdictPass:
		return "pass"
	case harness.VerdictFail:
		return "FAIL " + strings.Join(r.Violations.Rules(), ",")
	case harness.VerdictNotImplemented:
		return "n/a"
	}
	return r.Verdict
}

// WriteText writes the terminal report of a run: the scenario × surface
// matrix, then every failure with its violations and the command that
// reproduces it, the parity verdict, the seed, and last the line
// "N passed, M failed".
func WriteText(w io.Writer, rep *harness.Report) error {
	ew := &errWriter{w: w}
	fmt.Fprintf(ew, "\nsubject %s, profile %s, seed %d\n\n", rep.Subject, rep.Profile, rep.Seed)
	tw := tabwriter.NewWriter(ew, 0, 4, 2, ' ', 0)
	fmt.Fprint(tw, "SCENARIO\t")
	for _, s := range rep.Surfaces {
		fmt.Fprintf(tw, "%s\t", strings.ToUpper(s))
	}
	fmt.Fprintln(tw)
	for _, row := range Rows(rep) {
		fmt.Fprintf(tw, "%s %s\t", row.Scenario, row.Name)
		for _, r := range row.Cells {
			fmt.Fprintf(tw, "%s\t", cell(r))
		}
		fmt.Fprintln(tw)
	}
	tw.Flush()

	failures := 0
	for _, r := range rep.Results {
		if r.Verdict != harness.VerdictFail {
			continue
		}
		if failures == 0 {
			fmt.Fprint(ew, "\nFailures:\n")
		}
		failures++
		fmt.Fprintf(ew, "\n%s/%s (%s): expected %s, observed %s\n", r.Scenario, r.Surface, r.ScenarioName, r.Expected, r.Observed)
		for _, v := range r.Violations {
			fmt.Fprintf(ew, "  %s\n", v)
		}
		if len(r.Ledger) > 0 {
			fmt.Fprint(ew, "  ledger:\n")
			for _, c := range r.Ledger {
				fmt.Fprintf(ew, "    %s\n", c)
			}
		}
		fmt.Fprintf(ew, "  reproduce: %s\n", r.Repro)
	}
	fmt.Fprintln(ew)
	if len(rep.Parity) == 0 {
		fmt.Fprintln(ew, "parity: every scenario reached the same decision on every surface")
	}
	for _, v := range rep.Parity {
		fmt.Fprintf(ew, "%s\n", v)
	}
	passed, failed, skipped := rep.Counts()
	fmt.Fprintf(ew, "seed %d\n", rep.Seed)
	if skipped > 0 {
		fmt.Fprintf(ew, "%d passed, %d failed, %d skipped\n", passed, failed, skipped)
	} else {
		fmt.Fprintf(ew, "%d passed, %d failed\n", passed, failed)
	}
	return ew.err
}

// Row is one scenario of the matrix with its results in surface order.
type Row struct {
	Scenario, Name string
	Cells          []harness.Result
}

// Rows arranges a report's results as the scenario × surface matrix, in the
// order the scenarios were given.
func Rows(rep *harness.Report) []Row {
	var rows []Row
	index := map[string]int{}
	col := map[string]int{}
	for i, s := range rep.Surfaces {
		col[s] = i
	}
	for _, r := range rep.Results {
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

type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) Write(p []byte) (int, error) {
	if e.err != nil {
		return len(p), nil
	}
	_, e.err = e.w.Write(p)
	return len(p), nil
}
