package reports

import (
	"bytes"
	"fmt"
	"slices"
	"strings"

	"github.com/fallbackgate/fallbackgate/harness"
)

// SetNotStarted records the surfaces of the subject that could not be
// started (harness.NotStartedError): their cases judged nothing about the
// contract, so they leave the matrix and the counts, and each surface is
// reported once, with its stderr. It fails the gate.
func (r *Results) SetNotStarted(ns []harness.NotStarted) {
	if len(ns) == 0 {
		return
	}
	r.NotStarted = append(r.NotStarted, ns...)
	r.Cases = slices.DeleteFunc(r.Cases, func(c CaseResult) bool {
		return slices.ContainsFunc(ns, func(n harness.NotStarted) bool { return n.Surface == c.Surface })
	})
	r.count()
}

// notStartedCases counts the cases of the surfaces that could not be
// started.
func (r *Results) notStartedCases() int {
	n := 0
	for _, s := range r.NotStarted {
		n += s.Cases
	}
	return n
}

// judgedAny reports whether any case ran on a surface the subject
// implements.
func (r *Results) judgedAny() bool {
	return slices.ContainsFunc(r.Cases, func(c CaseResult) bool { return c.Status != harness.StatusNotImplemented })
}

// notStartedTitle reads "the oneshot surface (python3 adapter.py oneshot)
// could not be started: REASON".
func notStartedTitle(n harness.NotStarted) string {
	return "the " + notStartedWhat(n) + " could not be started: " + n.Reason
}

// notStartedWhat reads "oneshot surface (python3 adapter.py oneshot)".
func notStartedWhat(n harness.NotStarted) string {
	what := n.Surface + " surface"
	if len(n.Command) > 0 {
		what += " (" + strings.Join(n.Command, " ") + ")"
	}
	return what
}

// notStartedGroups groups the surfaces that could not be started by what
// they wrote on stderr, in order, so that one crash shared by every
// surface is shown once.
func notStartedGroups(ns []harness.NotStarted) [][]harness.NotStarted {
	var groups [][]harness.NotStarted
	for _, n := range ns {
		i := slices.IndexFunc(groups, func(g []harness.NotStarted) bool {
			return strings.TrimSpace(g[0].Stderr) == strings.TrimSpace(n.Stderr)
		})
		if i < 0 {
			groups = append(groups, nil)
			i = len(groups) - 1
		}
		groups[i] = append(groups[i], n)
	}
	return groups
}

// notStartedNote explains "speaking the protocol".
const notStartedNote = "nothing about the contract was judged; speaking the protocol is writing an event, calling a fake or replying"

// writeNotStartedText writes the surfaces that could not be started, a
// line each, with the last lines of the stderr they share.
func writeNotStartedText(buf *bytes.Buffer, r *Results) {
	if len(r.NotStarted) == 0 {
		return
	}
	if r.judgedAny() {
		buf.WriteString("\n")
	}
	fmt.Fprintf(buf, "Could not be started (%s):\n", notStartedNote)
	for _, g := range notStartedGroups(r.NotStarted) {
		buf.WriteString("\n")
		for _, n := range g {
			fmt.Fprintf(buf, "  %s: %s\n", notStartedWhat(n), n.Reason)
		}
		if !writeStderrText(buf, g[0].Stderr, "  ") {
			buf.WriteString("  it wrote nothing on stderr\n")
		}
	}
}

// writeNotStartedMarkdown writes the surfaces that could not be started,
// with the last lines of the stderr they share.
func writeNotStartedMarkdown(b *bytes.Buffer, r *Results) {
	if len(r.NotStarted) == 0 {
		return
	}
	fmt.Fprintf(b, "\n### ❌ Could not be started\n\n%s.\n", mdText(notStartedNote))
	for _, g := range notStartedGroups(r.NotStarted) {
		b.WriteString("\n")
		for _, n := range g {
			fmt.Fprintf(b, "- `%s`: %s\n", mdCode(notStartedWhat(n)), mdText(n.Reason))
		}
		writeStderrMarkdown(b, "Its", g[0].Stderr)
	}
}

// junitNotStarted is the one testcase of a surface that could not be
// started: an <error> (the subject never ran; nothing was judged) of type
// "not-started", with the last lines of its stderr, and all of it in its
// <system-err>.
func junitNotStarted(n harness.NotStarted, classname string) junitCase {
	title := notStartedTitle(n)
	text := title + "\n"
	if s := junitStderr(n.Stderr); s != "" {
		text += "\n" + s
	}
	return junitCase{Name: "could not be started", Classname: classname, Time: "0.000",
		Error: &junitFailure{Type: junitTypeNotStarted, Message: title, Text: xmlSafe(text)}, SystemErr: junitOutputOf(n.Stderr)}
}
