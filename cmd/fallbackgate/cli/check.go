package cli

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/fallbackgate/fallbackgate/harness/chaos"
	"github.com/fallbackgate/fallbackgate/reports"
)

func checkCmd(ctx context.Context, s Streams, args []string) error {
	fs := newFlags("check", "check HISTORY", `
Re-checks a saved chaos history offline: for every start-up it re-derives
the model's expectation from the recorded case (the fleet's plans at that
moment) and judges the recorded outcome and provider calls, then checks the
invariants that need no model (quota amplification, pinned downgrade,
attempts bounded, one fallback event per fallback, a gateway answer for
every request, no secret in output). A history in which no call met a fault
fails as vacuous. Exit 0 when the history conforms, 1 on a violation, 2 on
bad usage or a history that cannot be read or lies about itself (naming
FILE:LINE and the field), 3 when it is incomplete (an interrupted run).`, s)
	if err := parse(fs, args, s); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usagef("check: want one history file, got %q", fs.Args())
	}
	f, err := os.Open(fs.Arg(0))
	if err != nil {
		return usagef("check: %v", err)
	}
	defer f.Close()
	rep, err := chaos.CheckHistory(ctx, f)
	var he *chaos.HistoryError
	switch {
	case errors.As(err, &he) && he.Line > 0:
		at := *he
		at.Line = 0 // named as FILE:LINE instead
		return usagef("check: %s:%d: %v", fs.Arg(0), he.Line, &at)
	case err != nil:
		return usagef("check: %s: %v", fs.Arg(0), err)
	}
	if err := reports.WriteHistoryCheck(s.Stdout, fs.Arg(0), rep); err != nil {
		return &HarnessError{Err: err}
	}
	verdict := problemsVerdict(s.Stdout, rep.Problems, rep.Startups, rep.Failed, "")
	if rep.Interrupted && verdict == nil {
		return &IncompleteError{What: fmt.Sprintf("%s: the chaos run was interrupted: its %d recorded start-up(s) conform, the rest never ran", fs.Arg(0), rep.Startups)}
	}
	return verdict
}

// IncompleteError is an input that stops short: an interrupted chaos
// history. What it holds was checked; nothing can be said of the rest, so
// it exits 3, as the interrupted run did.
type IncompleteError struct{ What string }

func (e *IncompleteError) Error() string { return "incomplete: " + e.What }
