package reports

import (
	"fmt"
	"strings"
)

// What a report shows of a subject's own words (its stderr) for a case:
// the last stderrTail lines; when there are more, the first stderrHead
// lines too, so that neither an error printed first (a Go panic) nor one
// printed last (a Python traceback) is cut off. A line longer than
// stderrLine bytes is cut in its middle, keeping its start and its end.
const (
	stderrTail = 20
	stderrHead = 5
	stderrLine = 400
)

// StderrExcerpt returns the lines a report shows of a subject's stderr s:
// every line when there are at most 20; else the first 5, a line saying
// how many were left out, and the last 20. Blank lines at either end are
// dropped. It returns nil for an empty stderr.
func StderrExcerpt(s string) []string {
	s = strings.Trim(strings.ReplaceAll(s, "\r\n", "\n"), "\n")
	if strings.TrimSpace(s) == "" {
		return nil
	}
	lines := strings.Split(s, "\n")
	if len(lines) > stderrHead+stderrTail {
		cut := len(lines) - stderrHead - stderrTail
		kept := append([]string(nil), lines[:stderrHead]...)
		kept = append(kept, fmt.Sprintf("… (%d line(s) not shown) …", cut))
		lines = append(kept, lines[len(lines)-stderrTail:]...)
	}
	for i, l := range lines {
		lines[i] = clipMiddle(strings.TrimRight(l, " \t\r"), stderrLine)
	}
	return lines
}

// stderrHeading names the excerpt of stderr s: "stderr" when it shows
// every line, else "stderr (first 5 and last 20 of N lines)".
func stderrHeading(s string) string {
	n := strings.Count(strings.Trim(strings.ReplaceAll(s, "\r\n", "\n"), "\n"), "\n") + 1
	if n > stderrHead+stderrTail {
		return fmt.Sprintf("stderr (first %d and last %d of %d lines)", stderrHead, stderrTail, n)
	}
	return "stderr"
}

// clipMiddle cuts s to about n bytes, on rune boundaries, keeping its
// first third and its last two thirds.
func clipMiddle(s string, n int) string {
	if len(s) <= n {
		return s
	}
	head, tail := n/3, n-n/3
	for head > 0 && !isRuneStart(s[head]) {
		head--
	}
	start := len(s) - tail
	for start < len(s) && !isRuneStart(s[start]) {
		start++
	}
	return s[:head] + fmt.Sprintf(" … (%d bytes) … ", start-head) + s[start:]
}
