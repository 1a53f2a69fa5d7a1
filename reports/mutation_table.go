package reports

import (
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/fallbackgate/fallbackgate/harness/mutation"
)

// WriteMutationTable writes one row per mutant (MUTANT, KILLED BY, RULE,
// BREAKS), then the score line: what `fallbackgate mutate` prints.
func WriteMutationTable(w io.Writer, r *mutation.Report) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "MUTANT\tKILLED BY\tRULE\tBREAKS")
	for _, m := range r.Results {
		by, rule := "SURVIVED", "-"
		if m.Killed != nil {
			by, rule = m.Killed.By, m.Killed.Rule
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", m.Name, by, rule, m.Breaks)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, m := range r.Survivors() {
		fmt.Fprintf(w, "survivor %s: %s; rule %s has no teeth\n", m.Name, m.Bug, m.Breaks)
	}
	_, err := fmt.Fprintln(w, r.ScoreLine())
	return err
}
