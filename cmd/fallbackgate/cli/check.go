package cli

import (
	"context"
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
bad usage or a history that cannot be read.`, s)
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
	if err != nil {
		return usagef("check: %s: %v", fs.Arg(0), err)
	}
	if err := reports.WriteHistoryCheck(s.Stdout, fs.Arg(0), rep); err != nil {
		return &HarnessError{Err: err}
	}
	return problemsVerdict(s.Stdout, rep.Problems, rep.Startups, rep.Failed, "")
}
