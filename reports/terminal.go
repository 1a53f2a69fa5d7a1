package reports

import (
	"bytes"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/fallbackgate/fallbackgate/harness/chaos"
	"github.com/fallbackgate/fallbackgate/harness/prop"
)

// This file renders what `fallbackgate prop`, `chaos` and `check` print on
// a terminal: the stage's rate and counts, its problems or its
// counterexample, and the last line that states the counts.

// WritePropRun writes a property run for the terminal: the cases, the
// time they took and their rate (shrinking excluded) and category counts,
// and the time shrinking took apart; then "N passed, 0 failed" when every
// case passed, else the stage's failure as run --prop shows it (p).
func WritePropRun(w io.Writer, rep *prop.Report, p *Properties) error {
	var buf bytes.Buffer
	rate := float64(rep.Cases) / max(rep.Generating.Seconds(), 1e-9)
	fmt.Fprintf(&buf, "%d cases in %s (%.0f/s): %s", rep.Cases, rep.Generating.Round(time.Millisecond), rate, rep.Counts)
	if rep.Failure != nil {
		fmt.Fprintf(&buf, "; shrinking %d candidates in %s", rep.Shrinks, rep.Shrinking.Round(time.Millisecond))
		cut := 0
		for _, f := range rep.Failures {
			if f.ShrinkCut {
				cut++
			}
		}
		if cut > 0 {
			fmt.Fprintf(&buf, ", cut short by the shrink time for %d counterexample(s): they may not be minimal (raise --shrink-time)", cut)
		}
	}
	buf.WriteString("\n")
	if rep.Known > 0 {
		fmt.Fprintf(&buf, "%d case(s) broke known rules only (--expect); they count as passed\n", rep.Known)
	}
	writeCoverageTable(&buf, rep.Coverage, "generated case")
	if rep.OK() {
		fmt.Fprintf(&buf, "%d passed, 0 failed\n", rep.Cases)
	} else {
		writeProperties(&buf, p)
	}
	_, err := w.Write(redactBytes(buf.Bytes()))
	return err
}

// WriteChaosRun writes the head of a chaos run's outcome: the start-ups,
// their rate and kinds, the fleet changes, the faults met, the history
// file with the command that re-checks it, and the rule coverage.
func WriteChaosRun(w io.Writer, rep *chaos.Report, history string) error {
	var buf bytes.Buffer
	rate := float64(rep.Startups) / max(rep.Elapsed.Seconds(), 1e-9)
	fmt.Fprintf(&buf, "%d start-ups in %s (%.0f/s): fell back %d, pinned %d, rate-limited %d; %d fleet changes; faults met: %s\nhistory: %s (re-check: fallbackgate check %s)\n",
		rep.Startups, rep.Elapsed.Round(time.Millisecond), rate, rep.FellBack, rep.Pinned, rep.RateLimited, rep.Changes, faultCounts(rep.Faults), history, history)
	writeCoverageTable(&buf, rep.Coverage, "start-up")
	_, err := w.Write(redactBytes(buf.Bytes()))
	return err
}

// WriteHistoryCheck writes the head of `fallbackgate check FILE`: the run
// the history names, its start-ups and the faults they met.
func WriteHistoryCheck(w io.Writer, file string, rep *chaos.HistoryReport) error {
	_, err := fmt.Fprintf(w, "fallbackgate check: %s: subject %s, profile %s, surface %s, seed %d\n%d start-ups; faults met: %s\n",
		file, rep.Run.Subject, rep.Run.Profile, rep.Run.Surface, rep.Run.Seed, rep.Startups, faultCounts(rep.Faults))
	return err
}

// WriteChaosCounterexample writes a chaos run's saved counterexample: the
// start-up it came from, whether it was minimized, the file, its text, the
// command that replays it and whether it fails replayed alone.
func WriteChaosCounterexample(w io.Writer, ce *chaos.Counterexample, replay string) error {
	var buf bytes.Buffer
	how := ""
	if ce.Minimized {
		how = fmt.Sprintf(", minimized in %d run(s) alone", ce.MinimizeRuns)
	}
	fmt.Fprintf(&buf, "\nfirst failing start-up (%s)%s, saved as %s:\n\n%s\n", ce.Startup, how, ce.Path, indentLines(string(ce.YAML), "    "))
	fmt.Fprintf(&buf, "replay: %s\n", replay)
	if ce.Alone.Failed() {
		fmt.Fprintf(&buf, "replayed alone: fails (%s), so the file reproduces it\n", strings.Join(ce.Alone.Violations.Rules(), ","))
	} else {
		fmt.Fprintf(&buf, "replayed alone: %s; this failure needs the concurrent start-ups: reproduce it with the chaos command below\n", ce.Alone.Status)
	}
	_, err := w.Write(redactBytes(buf.Bytes()))
	return err
}

// WriteChaosProblems writes the verdict of a chaos run or of a history
// check: "N passed, 0 failed" without problems; else the problems grouped
// by violation, in order of first appearance, each with the start-ups it
// hit (a gateway's death or a systematic bug shows once, not once per
// session), at most 20 groups, then the command that repeats the run.
func WriteChaosProblems(w io.Writer, problems []chaos.Problem, startups int, repro string) error {
	var buf bytes.Buffer
	if len(problems) == 0 {
		fmt.Fprintf(&buf, "%d passed, 0 failed\n", startups)
	} else {
		groups := GroupProblems(problems)
		fmt.Fprintf(&buf, "\nFAIL: %d problem(s), %d distinct:\n", len(problems), len(groups))
		WriteProblems(&buf, groups, "    ", 20)
		if repro != "" {
			fmt.Fprintf(&buf, "reproduce: %s\n", repro)
		}
	}
	_, err := w.Write(redactBytes(buf.Bytes()))
	return err
}

// faultCounts reads "auth 42, rate_limit 42", outcomes sorted, or "none".
func faultCounts(m map[string]int) string {
	if len(m) == 0 {
		return "none"
	}
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(m)) {
		parts = append(parts, fmt.Sprintf("%s %d", k, m[k]))
	}
	return strings.Join(parts, ", ")
}
