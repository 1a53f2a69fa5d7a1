package cli

import (
	"context"
	"fmt"
	"strings"

	"github.com/fallbackgate/fallbackgate/harness"
	"github.com/fallbackgate/fallbackgate/harness/incident"
	"github.com/fallbackgate/fallbackgate/reports"
	"github.com/fallbackgate/fallbackgate/scenarios"
)

func replayCmd(ctx context.Context, s Streams, args []string) error {
	fs := newFlags("replay", "replay INCIDENT [--subject FILE] [--seed N]", `
Replays an incident (`+strings.Join(scenarios.Incidents(), ", ")+`): a dispatcher starts oneshot workers
one after another on a virtual clock, requeues a worker that exits 75 after
the Retry-After, counts a worker that exits 1 as failed, and raises "primary
failing constantly" when its heartbeat sees too many fallbacks. At the
incident's tick the primary's access token vanishes.

It runs twice: with the pre-fix start-up (which ignores the chain) and with
the contract (the built-in reference, or the oneshot worker of --subject on
loopback fakes), and prints per side the timeline (tick, worker, landed
provider or error, exit code, fallback events so far) and a verdict. The
same seed prints the same bytes.

Exit 0 when the pre-fix side reproduces the incident and the other side
obeys the contract, 1 when the subject does not, 2 on bad usage, 3 when the
pre-fix side did not reproduce the incident (the replay is broken).`, s)
	subject := fs.String("subject", "", "subject manifest `FILE` whose oneshot worker replaces the reference")
	seedFlag := fs.String("seed", "", "`SEED` for the fakes' secrets and the dispatcher's jitter (default: random, printed)")
	if err := parse(fs, args, s); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return usagef("replay: name an incident (%s)", strings.Join(scenarios.Incidents(), ", "))
	}
	name, rest := fs.Arg(0), fs.Args()[1:]
	if err := parse(fs, rest, s); err != nil { // flags may follow the incident
		return err
	}
	if fs.NArg() > 0 {
		return usagef("replay: unexpected argument %q", fs.Arg(0))
	}
	inc, err := scenarios.Incident(name)
	if err != nil {
		return usagef("replay: %v", err)
	}
	seed, err := parseSeed(*seedFlag)
	if err != nil {
		return err
	}
	cfg := incident.ReplayConfig{Seed: seed}
	if *subject != "" {
		sub, err := openSubject(*subject, "", false)
		if err != nil {
			return err
		}
		defer sub.Close()
		if _, ok := sub.Surfaces[harness.Oneshot]; !ok {
			return usagef("replay: %s implements no oneshot surface", *subject)
		}
		cfg.Subject, cfg.Label = sub, sub.Name+" ("+*subject+")"
	}
	rep, err := incident.ReplayIncident(ctx, inc, cfg)
	if err != nil {
		return &HarnessError{Err: err}
	}
	if err := reports.WriteReplay(s.Stdout, rep); err != nil {
		return &HarnessError{Err: err}
	}
	switch {
	case !rep.PreFix.OK:
		return &HarnessError{Err: fmt.Errorf("%w: %s", incident.ErrIncidentNotReproduced, rep.PreFix.Verdict)}
	case !rep.Fixed.OK:
		return &ViolationError{Summary: fmt.Sprintf("%s: %s", rep.Fixed.Label, rep.Fixed.Verdict)}
	}
	return nil
}
