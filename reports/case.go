package reports

import (
	"bytes"
	"fmt"
	"io"

	"github.com/fallbackgate/fallbackgate/harness"
)

// WriteCase writes one case as the terminal report shows a failure: a
// line naming it, the subject, profile and seed, what differs between what the
// model expected and what the surface did (harness.Headline), then its violations, the ledger, the last
// lines of its stderr and the command that reproduces it (j.Repro), each
// indented. A test helper prints a failing case so (harness/gatetest).
func WriteCase(w io.Writer, j Judgement) error {
	var buf bytes.Buffer
	c := &CaseResult{Judgement: j}
	fmt.Fprintf(&buf, "%s (%s) on subject %s, profile %s, seed %d: %s\n",
		c.ID(), c.ScenarioName, c.Subject, c.Profile, c.Seed, harness.Headline(c.Expected, c.Observed))
	writeCaseDetail(&buf, c, "  ")
	_, err := w.Write(redactBytes(buf.Bytes()))
	return err
}
