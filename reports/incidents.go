package reports

import (
	"bytes"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/fallbackgate/fallbackgate/harness/incident"
)

// Incident is one incident file replayed as part of the gate (run
// --incidents DIR): whether its pre-fix side reproduced the incident and
// whether the run's subject held the contract, each with the lines of its
// assertions. Optional within fallbackgate/results/1: results.json has an
// "incidents" list only when the run replayed some.
type Incident struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	// File is the incident file.
	File string `json:"file"`
	// Surface is the surface the workers ran on: oneshot, or gateway.
	Surface string `json:"surface"`
	// PreFix names the mutant that is the pre-fix start-up.
	PreFix string `json:"pre_fix"`
	// Subject labels the contract's side.
	Subject string `json:"subject"`
	// Reproduced says whether every assertion of the file's reproduced
	// list held on the pre-fix side: when not, the file is broken.
	Reproduced bool `json:"reproduced"`
	// Holds says whether every assertion of the file's holds list held on
	// the subject's side.
	Holds bool `json:"holds"`
	// ReproducedChecks and HoldsChecks are the assertions' lines.
	ReproducedChecks []IncidentCheck `json:"reproduced_checks"`
	HoldsChecks      []IncidentCheck `json:"holds_checks"`
	// Repro is the command that replays it alone.
	Repro string `json:"repro"`
}

// IncidentCheck is one evaluated assertion: its line and whether it held.
type IncidentCheck struct {
	Text string `json:"text"`
	Held bool   `json:"held"`
}

// NewIncident is a replay as the results model holds it; repro is the
// command that replays it alone.
func NewIncident(rep *incident.Replay, repro string) Incident {
	checks := func(cs []incident.Check) []IncidentCheck {
		out := []IncidentCheck{}
		for _, c := range cs {
			out = append(out, IncidentCheck{Text: c.Text, Held: c.Held})
		}
		return out
	}
	return Incident{ID: rep.Incident.ID, Name: rep.Incident.Name, File: rep.Incident.Source, Surface: rep.Surface,
		PreFix: rep.Incident.PreFix, Subject: rep.Fixed.Label, Reproduced: rep.PreFix.OK, Holds: rep.Fixed.OK,
		ReproducedChecks: checks(rep.PreFix.Checks), HoldsChecks: checks(rep.Fixed.Checks), Repro: repro}
}

// OK says whether the incident counts as passed: reproduced and held.
func (i Incident) OK() bool { return i.Reproduced && i.Holds }

// Status is the incident's cell: "pass", "FAIL" (the subject does not
// hold the contract) or "BROKEN" (the pre-fix side did not reproduce it:
// the file is broken).
func (i Incident) Status() string {
	switch {
	case !i.Reproduced:
		return "BROKEN"
	case !i.Holds:
		return "FAIL"
	}
	return "pass"
}

// Summary says in one line what the replay showed.
func (i Incident) Summary() string {
	switch {
	case !i.Reproduced:
		return fmt.Sprintf("the pre-fix side (mutant %s) did not reproduce the incident: %s", i.PreFix, failedCount(i.ReproducedChecks))
	case !i.Holds:
		return fmt.Sprintf("%s does not hold the contract: %s", i.Subject, failedCount(i.HoldsChecks))
	}
	return fmt.Sprintf("reproduced by mutant %s (%d assertion(s)); %s holds (%d assertion(s))", i.PreFix, len(i.ReproducedChecks), i.Subject, len(i.HoldsChecks))
}

func failedCount(cs []IncidentCheck) string {
	n := 0
	for _, c := range cs {
		if !c.Held {
			n++
		}
	}
	return fmt.Sprintf("%d of %d assertion(s) failed", n, len(cs))
}

// failedChecks are the lines that explain a failing incident: the
// reproduced list's of a broken one, else the holds list's.
func (i Incident) failedChecks() []IncidentCheck {
	cs := i.HoldsChecks
	if !i.Reproduced {
		cs = i.ReproducedChecks
	}
	return cs
}

// Broken returns the incidents whose pre-fix side did not reproduce them.
func (r *Results) Broken() []Incident {
	var out []Incident
	for _, i := range r.Incidents {
		if !i.Reproduced {
			out = append(out, i)
		}
	}
	return out
}

// SetIncidents records the incidents the run replayed; each counts as one
// passed or failed.
func (r *Results) SetIncidents(incs []Incident) {
	r.Incidents = incs
	r.count()
}

// incidentCounts counts the incidents that passed and failed.
func (r *Results) incidentCounts() (passed, failed int) {
	for _, i := range r.Incidents {
		if i.OK() {
			passed++
		} else {
			failed++
		}
	}
	return passed, failed
}

// writeIncidentRows writes a matrix row per incident: its cell in the
// surface column it ran on, "-" in the others.
func writeIncidentRows(tw *tabwriter.Writer, r *Results) {
	for _, i := range r.Incidents {
		fmt.Fprintf(tw, "%s %s (incident)\t", i.ID, i.Name)
		for _, s := range r.Surfaces {
			cell := "-"
			if s == i.Surface {
				cell = i.Status()
			}
			fmt.Fprintf(tw, "%s\t", cell)
		}
		fmt.Fprintln(tw)
	}
}

// writeIncidentsText writes the incidents that did not pass, each with the
// lines of its assertions and the command that replays it.
func writeIncidentsText(buf *bytes.Buffer, r *Results) {
	first := true
	for _, i := range r.Incidents {
		if i.OK() {
			continue
		}
		if first {
			fmt.Fprint(buf, "\nIncidents:\n")
			first = false
		}
		fmt.Fprintf(buf, "\n%s (%s, %s): %s\n", i.ID, i.File, i.Surface, i.Summary())
		for _, c := range i.failedChecks() {
			buf.WriteString(checkLine(c.Held, c.Text))
		}
		fmt.Fprintf(buf, "  replay: %s\n", i.Repro)
	}
}

// junitIncidents is the suite of the incidents: a testcase each, failing
// with its assertions' lines; a broken incident is an error (the file, not
// the subject, is at fault).
func junitIncidents(r *Results, pkg string) junitSuite {
	s := junitSuite{Name: "incidents", Time: "0.000"}
	for _, i := range r.Incidents {
		tc := junitCase{Name: i.ID + " " + i.Name + " (" + i.Surface + ")", Classname: pkg + ".incidents", Time: "0.000", File: i.File}
		if !i.OK() {
			var b strings.Builder
			fmt.Fprintf(&b, "%s\n", i.Summary())
			for _, c := range i.failedChecks() {
				b.WriteString(checkLine(c.Held, c.Text))
			}
			fmt.Fprintf(&b, "replay: %s\n", i.Repro)
			f := &junitFailure{Type: "incident", Message: i.ID + ": " + i.Summary(), Text: xmlSafe(b.String())}
			if !i.Reproduced {
				f.Type = "broken-incident"
				tc.Error = f
			} else {
				tc.Failure = f
			}
		}
		s.add(tc)
	}
	return s
}

// writeIncidentsMarkdown writes the incidents' table and, for each one
// that did not pass, its assertions' lines.
func writeIncidentsMarkdown(b *bytes.Buffer, r *Results) {
	fmt.Fprint(b, "\n### Incidents\n\n| incident | file | surface | pre-fix reproduces | contract holds |\n|---|---|---|---|---|\n")
	for _, i := range r.Incidents {
		fmt.Fprintf(b, "| %s %s | `%s` | %s | %s | %s |\n", mdText(i.ID), mdText(i.Name), i.File, i.Surface, yesNo(i.Reproduced), yesNo(i.Holds))
	}
	for _, i := range r.Incidents {
		if i.OK() {
			continue
		}
		fmt.Fprintf(b, "\n**%s** (%s): %s\n\n", mdText(i.ID), stageIcon(false), mdText(i.Summary()))
		for _, c := range i.failedChecks() {
			fmt.Fprintf(b, "- %s %s\n", okWord(c.Held), mdText(c.Text))
		}
		fmt.Fprintf(b, "\nreplay: `%s`\n", i.Repro)
	}
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "**no**"
}
