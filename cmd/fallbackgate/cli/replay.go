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
	fs := newFlags("replay", "replay INCIDENT|FILE [--subject FILE] [--surface oneshot|gateway] [--seed N] [--html FILE]", `
Replays an incident: a built-in one (`+strings.Join(scenarios.Incidents(), ", ")+`)
or an incident file (an argument that names an existing file, or has a
path separator or a .yaml/.yml ending; the README documents the format).
A dispatcher starts workers one after another on a virtual clock,
requeues a worker that exits 75 after the Retry-After, counts a worker
that exits 1 as failed, and raises "primary failing constantly" when its
heartbeat sees too many fallbacks, while the fakes follow the incident's
fault plans on the same clock.

It runs twice: with the pre-fix start-up (the file's pre_fix, a mutant of
the built-in reference) and with the contract (the built-in reference, or
--subject on loopback fakes), and prints per side the timeline (tick,
worker, landed provider or error, exit code, fallback events so far), a
verdict and one line per assertion of the file: its reproduced list on
the pre-fix side, its holds list on the other. --surface gateway runs
every worker as a session of one long-lived gateway instead of a oneshot
process; its reply stands for the exit code (landed 0, rate_limit 75,
any other failure 1). The same seed prints the same bytes.

--html FILE also writes the replay as a self-contained page: the two
sides drawn side by side as an SVG timeline (workers down, virtual time
across, each start-up marked by where it landed, the fault plans' changes
and the heartbeat's alerts as markers, a worker's ledger on hover), then
the verdicts and the text above.

Exit 0 when the pre-fix side reproduces the incident and the other side
holds, 1 when the subject does not hold, 2 on bad usage or a bad incident
file (named with its line and field), 3 when the pre-fix side did not
reproduce the incident (the incident file is broken).`, s)
	subject := fs.String("subject", "", "subject manifest `FILE` whose oneshot worker or gateway replaces the reference")
	surface := fs.String("surface", harness.Oneshot, "`SURFACE` the workers run on: oneshot (a process each) or gateway (sessions of one gateway)")
	seedFlag := fs.String("seed", "", "`SEED` for the fakes' secrets and the dispatcher's jitter (default: random, printed)")
	html := fs.String("html", "", "also write the replay as a self-contained HTML page with its SVG timeline to `FILE`")
	rest, err := parseAll(fs, args, s) // flags may follow the incident
	if err != nil {
		return err
	}
	if len(rest) == 0 {
		return usagef("replay: name an incident (%s) or an incident file", strings.Join(scenarios.Incidents(), ", "))
	}
	if len(rest) > 1 {
		return usagef("replay: unexpected argument %q", rest[1])
	}
	name := rest[0]
	if *surface != harness.Oneshot && *surface != harness.Gateway {
		return usagef("replay: --surface %q: want oneshot or gateway", *surface)
	}
	inc, err := loadIncident(name)
	if err != nil {
		return usagef("replay: %v", err)
	}
	if *html != "" {
		if err := writableFile(*html); err != nil {
			return usagef("replay: --html %s: %v", *html, err)
		}
	}
	seed, err := parseSeed(*seedFlag)
	if err != nil {
		return err
	}
	cfg := incident.ReplayConfig{Seed: seed, Surface: *surface}
	if *subject != "" {
		sub, err := openSubject(*subject, "", false)
		if err != nil {
			return err
		}
		defer sub.Close()
		if _, ok := sub.Surfaces[*surface]; !ok {
			return usagef("replay: %s implements no %s surface", *subject, *surface)
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
	if *html != "" {
		if err := reports.WriteReplayFile(*html, rep); err != nil {
			return &HarnessError{Err: err}
		}
		fmt.Fprintf(s.Stdout, "timeline written to %s\n", *html)
	}
	switch {
	case !rep.PreFix.OK:
		return &HarnessError{Err: fmt.Errorf("%s: %w: %s", inc.Source, incident.ErrIncidentNotReproduced, rep.PreFix.Verdict)}
	case !rep.Fixed.OK:
		return &ViolationError{Summary: fmt.Sprintf("%s: %s", rep.Fixed.Label, rep.Fixed.Verdict)}
	}
	return nil
}
