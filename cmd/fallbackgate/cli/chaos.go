package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/fallbackgate/fallbackgate/harness"
	"github.com/fallbackgate/fallbackgate/reports"
	"github.com/fallbackgate/fallbackgate/resolver"
)

func chaosCmd(ctx context.Context, s Streams, args []string) error {
	fs := newFlags("chaos", "chaos [--subject FILE] [--surface gateway|oneshot] [--sessions N] [--turns N] [--seed N] [--history FILE]", `
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
the same history byte for byte). A run that injected no fault fails.
Exit 0 when every start-up conforms, 1 on a violation, 2 on bad usage, 3
when the harness itself failed.`, s)
	subject := fs.String("subject", "", "subject manifest `FILE` (default: the built-in reference subject)")
	surface := fs.String("surface", harness.Gateway, "`SURFACE`: gateway (one process, concurrent sessions) or oneshot (concurrent workers)")
	sessions := fs.Int("sessions", 8, "concurrent start-ups per turn: gateway sessions or oneshot workers")
	fs.IntVar(sessions, "workers", 8, "same as --sessions")
	turns := fs.Int("turns", 20, "turns: start-ups per session")
	seedFlag := fs.String("seed", "", "`SEED` for the schedule (default: random, printed)")
	history := fs.String("history", "fallbackgate-chaos.jsonl", "history `FILE` to write (JSON lines)")
	save := fs.String("save", harness.DefaultCounterexampleDir, "`DIR` to save the first failing start-up in, as a scenario file")
	profile := fs.String("profile", "", "judge the subject against `PROFILE` instead of its claim: "+profileNames())
	inProcess := fs.Bool("in-process", false, "without --subject: run the reference subject in this process, on virtual time")
	hang := fs.Bool("hang", false, "let the schedule make providers hang (each hang costs the subject's request timeout)")
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
	cfg := harness.ChaosConfig{Surface: *surface, Sessions: *sessions, Turns: *turns, Seed: seed, Hang: *hang || *inProcess}
	if *inProcess {
		p, err := resolver.ProfileByName(*profile)
		if err != nil {
			return usagef("chaos: --profile: %v", err)
		}
		cfg.Options = harness.Options{Profile: p}
	} else {
		sub, err := openSubject(*subject, *profile, false)
		if err != nil {
			return err
		}
		defer sub.Close()
		if _, ok := sub.Surfaces[*surface]; !ok {
			return usagef("chaos: the subject does not implement the %s surface", *surface)
		}
		cfg.Subject = sub
	}
	f, err := os.Create(*history)
	if err != nil {
		return usagef("chaos: --history: %v", err)
	}
	defer f.Close()
	cfg.History = f
	if isTerminal(s.Stderr) {
		cfg.OnTurn = func(turn int, rep *harness.ChaosReport) {
			fmt.Fprintf(s.Stderr, "\r\033[K[turn %d/%d] %d start-ups, %d failed, faults %d", turn, *turns, rep.Startups, rep.Failed, total(rep.Faults))
		}
	}
	name := "reference"
	if cfg.Subject != nil {
		name = cfg.Subject.Name
	} else if *inProcess {
		name = "reference (in-process)"
	}
	fmt.Fprintf(s.Stdout, "fallbackgate chaos: subject %s, surface %s, %d sessions × %d turns, seed %d\n", name, *surface, *sessions, *turns, seed)
	rep, err := harness.Chaos(ctx, cfg)
	if cfg.OnTurn != nil {
		fmt.Fprint(s.Stderr, "\r\033[K")
	}
	if err != nil {
		return &HarnessError{Err: err}
	}
	if err := f.Close(); err != nil {
		return &HarnessError{Err: err}
	}
	rate := float64(rep.Startups) / max(rep.Elapsed.Seconds(), 1e-9)
	fmt.Fprintf(s.Stdout, "%d start-ups in %s (%.0f/s): fell back %d, pinned %d, rate-limited %d; %d fleet changes; faults met: %s\n",
		rep.Startups, rep.Elapsed.Round(time.Millisecond), rate, rep.FellBack, rep.Pinned, rep.RateLimited, rep.Changes, faultCounts(rep.Faults))
	fmt.Fprintf(s.Stdout, "history: %s (re-check: fallbackgate check %s)\n", *history, *history)
	if rep.First != nil {
		if _, err := saveChaosCounterexample(ctx, s.Stdout, rep, chaosReplay{subject: *subject, profile: *profile, surface: *surface, seed: seed, save: *save}); err != nil {
			return err
		}
	}
	return reportProblems(s.Stdout, rep.Problems, rep.Startups, rep.Failed, fmt.Sprintf("fallbackgate chaos%s --surface %s --sessions %d --turns %d --seed %d", subjectFlags(*subject, *profile), *surface, *sessions, *turns, seed))
}

// chaosReplay is how a chaos counterexample is replayed alone: the
// subject and profile flags of the chaos run, its surface and seed, and the
// folder it is saved in.
type chaosReplay struct {
	subject, profile, surface string
	seed                      int64
	save                      string
}

// maxMinimizeRuns bounds the runs spent minimizing a chaos counterexample.
const maxMinimizeRuns = 48

// saveChaosCounterexample saves the first failing start-up of a chaos run
// as a scenario file and prints it with its replay command. When it fails
// replayed alone, it is first minimized (harness.Minimize) while it still
// breaks one of the rules it broke in the run; the verdict of the saved
// scenario replayed alone is printed. It returns the file's path.
func saveChaosCounterexample(ctx context.Context, w io.Writer, rep *harness.ChaosReport, r chaosReplay) (string, error) {
	sc, data, err := harness.ChaosCounterexample(ctx, rep)
	if err != nil {
		return "", &HarnessError{Err: err}
	}
	rules := rep.First.Violations.Rules()
	first, err := r.alone(ctx, sc)
	if err != nil {
		return "", err
	}
	how, alone := "", first // alone: the saved scenario's run alone
	if breaksAny(first, rules) {
		min, runs, err := harness.Minimize(ctx, sc, maxMinimizeRuns, func(ctx context.Context, c harness.Scenario) (bool, error) {
			res, err := r.alone(ctx, c)
			return breaksAny(res, rules), err
		})
		if err != nil {
			return "", err
		}
		if !reflect.DeepEqual(min, sc) {
			p, err := resolver.ProfileByName(rep.Info.Profile)
			if err != nil {
				return "", &HarnessError{Err: err}
			}
			note := fmt.Sprintf("start-up %s of fallbackgate chaos --seed %d against %s, minimized", rep.First.ID, rep.Info.Seed, rep.Info.Subject)
			// Named first, so that the run whose violations the summary
			// quotes ran under the file's own ID.
			named, _, err := harness.Counterexample(ctx, harness.CaseOutcome{Generated: harness.Generated{Scenario: min, Profile: p}}, note)
			if err != nil {
				return "", &HarnessError{Err: err}
			}
			if alone, err = r.alone(ctx, named); err != nil {
				return "", err
			}
			o := harness.CaseOutcome{Generated: harness.Generated{Scenario: named, Profile: p}, Results: []harness.Result{alone}}
			if sc, data, err = harness.Counterexample(ctx, o, note); err != nil {
				return "", &HarnessError{Err: err}
			}
		}
		how = fmt.Sprintf(", minimized in %d run(s) alone", runs)
	}
	path, err := harness.SaveScenario(r.save, sc.ID, data)
	if err != nil {
		return "", &HarnessError{Err: err}
	}
	fmt.Fprintf(w, "\nfirst failing start-up (%s)%s, saved as %s:\n\n%s\n", rep.First.ID, how, path, indent(string(data), "    "))
	fmt.Fprintf(w, "replay: fallbackgate run%s --scenario-file %s --surface %s --seed %d\n", subjectFlags(r.subject, r.profile), path, r.surface, r.seed)
	if alone.Verdict == harness.VerdictFail {
		fmt.Fprintf(w, "replayed alone: fails (%s), so the file reproduces it\n", strings.Join(alone.Violations.Rules(), ","))
	} else {
		fmt.Fprintf(w, "replayed alone: %s; this failure needs the concurrent start-ups: reproduce it with the chaos command below\n", alone.Verdict)
	}
	return path, nil
}

// alone runs sc as its replay command does, on a fresh subject (a dead
// gateway would fail anything).
func (r chaosReplay) alone(ctx context.Context, sc harness.Scenario) (harness.Result, error) {
	sub, err := openSubject(r.subject, r.profile, false)
	if err != nil {
		return harness.Result{}, err
	}
	res, err := harness.RunCase(ctx, sub, sc, r.surface, harness.CaseSeed(r.seed, sc.ID, r.surface))
	_ = sub.Close() // a death is in the result
	if err != nil {
		return res, &HarnessError{Err: fmt.Errorf("replaying %s alone: %w", sc.ID, err)}
	}
	return res, nil
}

// breaksAny reports whether res failed citing one of rules.
func breaksAny(res harness.Result, rules []string) bool {
	if res.Verdict != harness.VerdictFail {
		return false
	}
	for _, rule := range res.Violations.Rules() {
		if slices.Contains(rules, rule) {
			return true
		}
	}
	return false
}

// reportProblems prints the problems of a chaos run or history and returns
// the error that sets the exit code. Problems are grouped by violation, in
// order of first appearance, each with the start-ups it hit: a gateway's
// death or a systematic bug shows once, not once per session. At most 20
// groups are printed.
func reportProblems(w io.Writer, problems []harness.Problem, startups, failed int, repro string) error {
	if len(problems) == 0 {
		fmt.Fprintf(w, "%d passed, 0 failed\n", startups)
		return nil
	}
	groups := reports.GroupProblems(problems)
	fmt.Fprintf(w, "\nFAIL: %d problem(s), %d distinct:\n", len(problems), len(groups))
	reports.WriteProblems(w, groups, "    ", 20)
	if repro != "" {
		fmt.Fprintf(w, "reproduce: %s\n", repro)
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

func faultCounts(m map[string]int) string {
	if len(m) == 0 {
		return "none"
	}
	var parts []string
	for _, k := range sortedKeys(m) {
		parts = append(parts, fmt.Sprintf("%s %d", k, m[k]))
	}
	return strings.Join(parts, ", ")
}

func sortedKeys(m map[string]int) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
