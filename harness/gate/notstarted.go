package gate

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/fallbackgate/fallbackgate/harness"
)

// notStartedResult turns the error of a case whose surface could not be
// executed at all (harness.ErrNotStarted) into its result: the case failed
// without the subject saying a word, which notStarted then reports once
// for the whole surface.
func notStartedResult(res harness.Result, err error) harness.Result {
	res.Outcome.Surface, res.Outcome.ExitCode, res.Outcome.Exited = res.Surface, -1, true
	res.Outcome.Failure = err.Error()
	res.Violations = harness.Violations{{Rule: "R17", Message: err.Error()}}
	res.Status = harness.StatusFail
	return res
}

// Silent reports whether a case's subject process ended on its own without
// speaking the protocol: no event, no request to a fake, no gateway reply.
// A bad-usage case is never silent: exiting 2 before anything is resolved
// is what it must do. A surface all of whose cases are silent could not be
// started (Run returns a *harness.NotStartedError).
func Silent(r harness.Result) bool {
	o := r.Outcome
	return r.Status == harness.StatusFail && o.Exited && len(o.Events) == 0 && len(r.Ledger) == 0 && o.Reply == nil &&
		r.Expected.Exit != harness.ExitUsage
}

// notStarted returns the surfaces of a run that could not be started:
// every case that ran on them was silent (or could not be executed). The
// reason of each names how its process ended; startErrs holds, per
// surface, the error of a program that could not be executed. A surface
// that is a process (an exec surface, with an Argv method) names its
// command.
func notStarted(sub *harness.Subject, results []harness.Result, startErrs map[string]error) []harness.NotStarted {
	var out []harness.NotStarted
	for _, surf := range harness.Surfaces {
		var cases []harness.Result
		for _, r := range results {
			if r.Surface == surf && r.Status != harness.StatusNotImplemented {
				cases = append(cases, r)
			}
		}
		if len(cases) == 0 || !slices.ContainsFunc(cases, func(r harness.Result) bool { return r.Expected.Exit != harness.ExitUsage }) {
			continue
		}
		if slices.ContainsFunc(cases, func(r harness.Result) bool { return !Silent(r) && r.Expected.Exit != harness.ExitUsage }) {
			continue
		}
		ns := harness.NotStarted{Surface: surf, Cases: len(cases)}
		if p, ok := sub.Surfaces[surf].(interface{ Argv() []string }); ok {
			ns.Command = p.Argv()
		}
		for _, r := range cases {
			if ns.Stderr == "" && strings.TrimSpace(r.Outcome.Stderr) != "" {
				ns.Stderr = r.Outcome.Stderr
			}
		}
		if err := startErrs[surf]; err != nil {
			ns.Reason = strings.TrimPrefix(rootCause(err), harness.ErrNotStarted.Error()+": ")
		} else {
			ns.Reason = fmt.Sprintf("%s before speaking the protocol, on each of its %d case(s)", howEnded(surf, cases), len(cases))
		}
		out = append(out, ns)
	}
	return out
}

// rootCause is the message of err from harness.ErrNotStarted on: the
// surface's own wording, without the case it happened in.
func rootCause(err error) string {
	msg := err.Error()
	if i := strings.Index(msg, harness.ErrNotStarted.Error()); i >= 0 {
		return msg[i:]
	}
	return msg
}

// howEnded says how the processes of silent cases ended: "exited with code
// 1", "exited with code 1 or 2", "was killed by a signal", or for the
// gateway, whose exit code is not per case, "exited".
func howEnded(surface string, cases []harness.Result) string {
	if surface == harness.Gateway {
		return "exited"
	}
	var codes []string
	signalled := false
	for _, r := range cases {
		if r.Outcome.ExitCode < 0 {
			signalled = true
		} else if c := fmt.Sprint(r.Outcome.ExitCode); !slices.Contains(codes, c) {
			codes = append(codes, c)
		}
	}
	var how []string
	if len(codes) > 0 {
		how = append(how, "exited with code "+strings.Join(codes, " or "))
	}
	if signalled {
		how = append(how, "was killed by a signal")
	}
	return strings.Join(how, " or ")
}

// isNotStarted reports whether err says a surface could not be executed.
func isNotStarted(err error) bool { return errors.Is(err, harness.ErrNotStarted) }
