package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/fallbackgate/fallbackgate/harness"
	"github.com/fallbackgate/fallbackgate/harness/chaos"
	"github.com/fallbackgate/fallbackgate/harness/prop"
	"github.com/fallbackgate/fallbackgate/reports"
	"github.com/fallbackgate/fallbackgate/resolver"
)

func chaosCmd(ctx context.Context, s Streams, args []string) error {
	fs := newFlags("chaos", "chaos [--subject FILE] [--surface gateway|oneshot] [--sessions N] [--turns N] [--seed N] [--history FILE] [--expect FILE] [--report-dir DIR] [--shard K/N]", `
Drives many concurrent start-ups, turn after turn, while a seeded schedule
changes the fleet under them: tokens expire and vanish (also in the middle
of a start-up), logins are revoked, 429 bursts come and go, providers reset
connections (and, with --hang, hang). Every start-up is judged against the
model and the invariants: no quota amplification, no pinned downgrade,
attempts bounded, exactly one fallback event per fallback, the gateway never
dies and answers every request, nothing secret in output.

Every start-up and every provider call goes into the history file (JSON
lines, offsets from one start time); "fallbackgate check FILE" re-checks it
offline. Without --subject it runs the built-in reference subject over exec
(--in-process: in this process, on virtual time, and the same seed writes
the same history byte for byte). A run that injected no fault fails. After
the run a table shows, for each rule R1-R18, how many start-ups exercised
it, and names the rules none did (the schedule's chains are never empty,
and chaos does not check the runtime hand-off: R8 and R18 stay at 0); a
rule left unexercised does not fail the run. With
--expect, the known failures of an expectations file (the file run takes)
are accepted: a start-up that breaks only rules listed for the surface is
no problem.
Exit 0 when every start-up conforms, 1 on a violation, 2 on bad usage, 3
when the harness itself failed.

--report-dir (or --junit, --json, --markdown, --html) writes the run as
fallbackgate run writes its chaos stage, with the history (chaos.jsonl)
and the counterexample (counterexamples/) in DIR unless --history and
--save say otherwise. --shard K/N runs the start-ups t*sessions+s (turn t,
session s) with that number mod N = K-1: every shard draws the whole
schedule, so each start-up it runs is the whole run's. A shard that met
no fault is not vacuous on its own; "fallbackgate report merge" judges
the shards together and merges their histories.`, s)
	subject := fs.String("subject", "", "subject manifest `FILE` (default: the built-in reference subject)")
	surface := fs.String("surface", harness.Gateway, "`SURFACE`: gateway (one process, concurrent sessions) or oneshot (concurrent workers)")
	sessions := fs.Int("sessions", 8, "concurrent start-ups per turn: gateway sessions or oneshot workers")
	fs.IntVar(sessions, "workers", 8, "same as --sessions")
	turns := fs.Int("turns", 20, "turns: start-ups per session")
	seedFlag := fs.String("seed", "", "`SEED` for the schedule (default: random, printed)")
	history := fs.String("history", "fallbackgate-chaos.jsonl", "history `FILE` to write (JSON lines)")
	save := fs.String("save", prop.DefaultCounterexampleDir, "`DIR` to save the first failing start-up in, as a scenario file")
	profile := fs.String("profile", "", "judge the subject against `PROFILE` instead of its claim: "+profileNames())
	inProcess := fs.Bool("in-process", false, "without --subject: run the reference subject in this process, on virtual time")
	hang := fs.Bool("hang", false, "let the schedule make providers hang (each hang costs the subject's request timeout)")
	expectFile := fs.String("expect", "", "known failures `FILE` (as run takes): a start-up that breaks only rules listed for the surface is no problem")
	out := addReportFlags(fs, "chaos", " (and chaos.jsonl, counterexamples/)")
	shardFlag := addShardFlag(fs, "the start-ups t*sessions+s with that number mod N = K-1")
	if err := parse(fs, args, s); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("chaos: unexpected argument %q", fs.Arg(0))
	}
	if !slices.Contains([]string{harness.Gateway, harness.Oneshot}, *surface) {
		return usagef("chaos: --surface %q: want gateway or oneshot", *surface)
	}
	if *sessions < 1 || *turns < 1 {
		return usagef("chaos: --sessions and --turns must be at least 1")
	}
	if *inProcess && *subject != "" {
		return usagef("chaos: --in-process runs the built-in reference; it cannot be combined with --subject")
	}
	seed, err := parseSeed(*seedFlag)
	if err != nil {
		return err
	}
	shard, err := parseShard("chaos", *shardFlag)
	if err != nil {
		return err
	}
	piped, text, err := out.check(s)
	if err != nil {
		return err
	}
	if *out.dir != "" {
		if !flagGiven(fs, "history") {
			*history = filepath.Join(*out.dir, "chaos.jsonl")
		}
		if !flagGiven(fs, "save") {
			*save = filepath.Join(*out.dir, "counterexamples")
		}
	}
	known, err := loadKnown("chaos", *expectFile)
	if err != nil {
		return err
	}
	cfg := chaos.Config{Surface: *surface, Sessions: *sessions, Turns: *turns, Seed: seed, Hang: *hang || *inProcess, InProcess: *inProcess, Known: known, Shard: shard}
	if *inProcess {
		p, err := resolver.ProfileByName(*profile)
		if err != nil {
			return usagef("chaos: --profile: %v", err)
		}
		cfg.Subject = inProcessReference(p)
	} else {
		if cfg.Subject, err = openSubject(*subject, *profile, false); err != nil {
			return err
		}
		if _, ok := cfg.Subject.Surfaces[*surface]; !ok {
			cfg.Subject.Close()
			return usagef("chaos: the subject does not implement the %s surface", *surface)
		}
	}
	defer cfg.Subject.Close()
	f, err := os.Create(*history)
	if err != nil {
		return usagef("chaos: --history: %v", err)
	}
	defer f.Close()
	cfg.History = f
	if isTerminal(s.Stderr) {
		cfg.OnTurn = func(turn int, rep *chaos.Report) {
			fmt.Fprintf(s.Stderr, "\r\033[K[turn %d/%d] %d start-ups, %d failed, faults %d", turn, *turns, rep.Startups, rep.Failed, total(rep.Faults))
		}
	}
	head := fmt.Sprintf("fallbackgate chaos: subject %s, surface %s, %d sessions × %d turns, seed %d", cfg.Subject.Name, *surface, *sessions, *turns, seed)
	if shard.N > 0 {
		head += fmt.Sprintf(", shard %s: %d of the %d start-ups", shard, shard.Count(*sessions**turns), *sessions**turns)
	}
	fmt.Fprintln(text, head)
	started := time.Now()
	rep, err := chaos.Run(ctx, cfg)
	if cfg.OnTurn != nil {
		fmt.Fprint(s.Stderr, "\r\033[K")
	}
	if err != nil {
		return &HarnessError{Err: err}
	}
	if err := f.Close(); err != nil {
		return &HarnessError{Err: err}
	}
	if err := reports.WriteChaosRun(text, rep, *history); err != nil {
		return &HarnessError{Err: err}
	}
	saved := ""
	if rep.First != nil {
		r := chaosReplay{subject: *subject, profile: *profile, surface: *surface, seed: seed, save: *save}
		ce, err := chaos.SaveCounterexample(ctx, rep, r.replay())
		if err != nil {
			return &HarnessError{Err: err}
		}
		if err := reports.WriteChaosCounterexample(text, ce, r.command(ce.Path)); err != nil {
			return &HarnessError{Err: err}
		}
		saved = ce.Path
	}
	repro := chaosRepro(*subject, *profile, *expectFile, *surface, *sessions, *turns, seed, shard)
	if rep.Known > 0 {
		fmt.Fprintf(text, "%d start-up(s) broke known rules only (--expect); they count as passed\n", rep.Known)
	}
	if out.any() {
		res := stageResults(cfg.Subject.Name, cfg.Subject.Profile.Name, seed, []string{*surface}, started, shard)
		res.SetChaos(reports.NewChaos(rep, *history, saved, repro))
		notes, err := out.write(res, piped, s.Stdout)
		if err != nil {
			return &HarnessError{Err: fmt.Errorf("reports: %w", err)}
		}
		printNotes(text, notes)
	}
	if shard.N > 0 {
		fmt.Fprintln(text, shardNote(shard))
	}
	return problemsVerdict(text, rep.Problems, rep.Startups, rep.Failed, repro)
}

// chaosReplay is how a chaos counterexample is replayed alone: the
// subject and profile flags of the chaos run, its surface and seed, and the
// folder it is saved in.
type chaosReplay struct {
	subject, profile, surface string
	seed                      int64
	save                      string
}

// replay replays a counterexample alone as its command does: on a fresh
// subject opened from the same flags.
func (r chaosReplay) replay() chaos.Replay {
	return chaos.Replay{Open: func() (*harness.Subject, error) { return openSubject(r.subject, r.profile, false) },
		Surface: r.surface, Seed: r.seed, Dir: r.save}
}

// command is the command that replays the counterexample saved at path.
func (r chaosReplay) command(path string) string {
	return fmt.Sprintf("%s run%s --scenario-file %s --surface %s --seed %d", program(), subjectFlags(r.subject, r.profile), path, r.surface, r.seed)
}

// chaosRepro is the command that repeats a chaos run, of fallbackgate
// chaos or of run's chaos stage, with its --expect file (expect, "" for
// none) and shard.
func chaosRepro(subject, profile, expect, surface string, sessions, turns int, seed int64, shard harness.Shard) string {
	repro := fmt.Sprintf("%s chaos%s --surface %s --sessions %d --turns %d --seed %d", program(), subjectFlags(subject, profile), surface, sessions, turns, seed)
	if expect != "" {
		repro += " --expect " + expect
	}
	return repro + shardArg(shard)
}

// problemsVerdict prints the problems of a chaos run or history and
// returns the error that sets the exit code.
func problemsVerdict(w io.Writer, problems []chaos.Problem, startups, failed int, repro string) error {
	if err := reports.WriteChaosProblems(w, problems, startups, repro); err != nil {
		return &HarnessError{Err: err}
	}
	if len(problems) == 0 {
		return nil
	}
	return &ViolationError{Summary: fmt.Sprintf("%d passed, %d failed", startups-failed, max(failed, 1))}
}

func total(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}
