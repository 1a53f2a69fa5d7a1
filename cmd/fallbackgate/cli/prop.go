package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/fallbackgate/fallbackgate/fakes"
	"github.com/fallbackgate/fallbackgate/harness"
	"github.com/fallbackgate/fallbackgate/harness/gate"
	"github.com/fallbackgate/fallbackgate/harness/prop"
	"github.com/fallbackgate/fallbackgate/reports"
	"github.com/fallbackgate/fallbackgate/resolver"
	"github.com/fallbackgate/fallbackgate/scenarios"
)

func propCmd(ctx context.Context, s Streams, args []string) error {
	fs := newFlags("prop", "prop [--subject FILE] [--surface S,...] [--checks N] [--seed N] [--parallel N] [--max-failures K] [--save DIR] [--expect FILE] [--scenario ID,...] [--report-dir DIR] [--shard K/N]", `
Property-tests a subject: draws random cases (a primary, a chain of 0-8
entries with repeats, entries without a model, base URLs and shorthand
strings, a pin or none, a fault plan per provider), runs each on every
selected surface and compares the outcome with the reference model's
decision for the subject's profile; every ledger invariant must hold.

Cases run --parallel at a time (oneshot and cli processes side by side,
concurrent sessions on one gateway); the outcome depends on the seed
alone: cases are judged in index order, and a case that a dying gateway
took down with it runs again alone on a fresh subject.

On a failure it shrinks the case to a minimal one, prints it, and saves it
as a scenario file that "fallbackgate run --scenario-file FILE" replays.
With --max-failures K it goes on after a failure until it has K distinct
failure classes (the rules a case broke on one surface: the same rules on
the same surface are one class), and shrinks, prints and saves each one;
shrinking keeps the class.

A run in which no case fell back, was pinned, was rate-limited or
exhausted its chain proves nothing and fails. After the run a table shows,
for each rule R1-R18 and surface, how many cases exercised it, and names
the rules none did: the run proves nothing about those there, but a rule
left unexercised does not fail the run (raise --checks).

--scenario runs the named scenarios (SF-4, an extra such as MX-3, a saved
regression by its ID) first, as cases of the run. With --expect, the known
failures of an expectations file (the file run takes) are accepted in
every case: a case that breaks only rules listed for its surface counts as
passed, so the rest of the contract is still checked. Without --subject it
checks the built-in reference subject over exec (--in-process: in this
process, much faster). Exit 0 when every case conforms, 1 on a
counterexample or a vacuous run, 2 on bad usage, 3 when the harness itself
failed.

--report-dir (or --junit, --json, --markdown, --html) writes the run as
fallbackgate run writes its property stage, and the counterexamples into
DIR/counterexamples/ unless --save says otherwise. --shard K/N runs the
cases i with i mod N = K-1 of the run (the named scenarios count first),
each drawn as the whole run draws it; a shard's vacuity is judged when
"fallbackgate report merge" puts the shards' results.json together.`, s)
	subject := fs.String("subject", "", "subject manifest `FILE` (default: the built-in reference subject)")
	var surfaces listFlag
	fs.Var(&surfaces, "surface", "`SURFACES` to run each case on, comma-separated (default all the subject implements)")
	checks := fs.Int("checks", 100, "number of generated cases")
	seedFlag := fs.String("seed", "", "`SEED` for the generator (default: random, printed)")
	save := fs.String("save", prop.DefaultCounterexampleDir, "`DIR` to save the shrunk counterexample in")
	shrink := fs.Duration("shrink-time", 30*time.Second, "time limit for shrinking a failure")
	profile := fs.String("profile", "", "judge the subject against `PROFILE` instead of its claim: "+profileNames())
	inProcess := fs.Bool("in-process", false, "without --subject: run the reference subject in this process instead of over exec")
	hang := fs.Bool("hang", false, "let fault plans hang over exec (each hang costs the subject's request timeout); in-process, plans always may hang (cut at once, it costs nothing)")
	verbose := fs.Bool("v", false, "print rapid's log")
	expectFile := fs.String("expect", "", "known failures `FILE` (as run takes): a case that breaks only rules listed for its surface counts as passed")
	maxFailures := fs.Int("max-failures", 1, "go on after a failure until `K` distinct failure classes are found (the rules broken on one surface), each shrunk and saved")
	parallel := fs.Int("parallel", 0, "run `N` cases at once: oneshot and cli processes started concurrently, the gateway fed concurrent sessions; the outcome is the same whatever N is (default 0: one per CPU)")
	var ids listFlag
	fs.Var(&ids, "scenario", "`IDS` of scenarios to run first as cases, comma-separated: SF-n, an extra (MX-n) or a saved regression, by its file's own ID")
	out := addReportFlags(fs, "prop", " (and counterexamples/)")
	shardFlag := addShardFlag(fs, "the cases i with i mod N = K-1")
	if err := parse(fs, args, s); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("prop: unexpected argument %q", fs.Arg(0))
	}
	if *checks < 1 {
		return usagef("prop: --checks %d: want at least 1", *checks)
	}
	if *maxFailures < 1 {
		return usagef("prop: --max-failures %d: want at least 1", *maxFailures)
	}
	if *parallel < 0 {
		return usagef("prop: --parallel %d: want a number of cases, or 0 for one per CPU", *parallel)
	}
	if *parallel == 0 {
		*parallel = runtime.NumCPU()
	}
	if *inProcess && *subject != "" {
		return usagef("prop: --in-process runs the built-in reference; it cannot be combined with --subject")
	}
	if err := checkSurfaces("prop", surfaces); err != nil {
		return err
	}
	seed, err := parseSeed(*seedFlag)
	if err != nil {
		return err
	}
	if seed == 0 {
		seed = 1
	}
	shard, err := parseShard("prop", *shardFlag)
	if err != nil {
		return err
	}
	piped, text, err := out.check(s)
	if err != nil {
		return err
	}
	if *out.dir != "" && !flagGiven(fs, "save") {
		*save = filepath.Join(*out.dir, "counterexamples")
	}
	known, err := loadKnown("prop", *expectFile)
	if err != nil {
		return err
	}
	var first []harness.Scenario
	if len(ids) > 0 {
		if first, err = scenarios.Select(ids); err != nil {
			return usagef("prop: --scenario: %v", err)
		}
	}

	var target prop.Target
	if *inProcess {
		p, err := resolver.ProfileByName(*profile)
		if err != nil {
			return usagef("prop: --profile: %v", err)
		}
		target = inProcessTarget(p)
	} else {
		sub, err := openSubject(*subject, *profile, false)
		if err != nil {
			return err
		}
		if len(surfaces) == 0 {
			for _, surf := range harness.Surfaces {
				if _, ok := sub.Surfaces[surf]; ok {
					surfaces = append(surfaces, surf)
				}
			}
		}
		for _, surf := range surfaces {
			if _, ok := sub.Surfaces[surf]; !ok {
				sub.Close()
				return usagef("prop: the subject does not implement the %s surface", surf)
			}
		}
		target = subjectTarget(sub, func() (*harness.Subject, error) { return openSubject(*subject, *profile, false) })
	}
	if len(surfaces) == 0 {
		surfaces = harness.Surfaces
	}
	head := fmt.Sprintf("fallbackgate prop: subject %s, profile %s, surfaces %s, %d checks, seed %d",
		target.Name, target.Profile.Name, strings.Join(surfaces, ","), *checks, seed)
	if shard.N > 0 {
		head += fmt.Sprintf(", shard %s: %d of the %d cases", shard, shard.Count(len(first)+*checks), len(first)+*checks)
	}
	fmt.Fprintln(text, head)

	started := time.Now()
	cfg := prop.Config{Target: target, Surfaces: surfaces, Checks: *checks, Seed: seed, SaveDir: *save,
		ShrinkTime: *shrink, Gen: prop.GenOptions{Hang: *hang || *inProcess}, Scenarios: first, Known: known, Parallel: *parallel, MaxFailures: *maxFailures, Shard: shard}
	if *verbose {
		cfg.Log = s.Stderr
	}
	if isTerminal(s.Stderr) {
		cfg.OnCase = func(n int, c prop.Counts) {
			fmt.Fprintf(s.Stderr, "\r\033[K[%d/%d] %s", n, *checks, c)
		}
	}
	rep, err := prop.Run(ctx, cfg)
	if cfg.OnCase != nil {
		fmt.Fprint(s.Stderr, "\r\033[K")
	}
	if err != nil {
		return &HarnessError{Err: err}
	}
	flags := expectFlags(*subject, *profile, *expectFile)
	shardProperties(rep, shard)
	stage := propertiesStage(rep, surfaces, *checks, flags, rep.Seed, shard)
	if out.any() {
		res := stageResults(target.Name, target.Profile.Name, seed, surfaces, started, shard)
		res.SetProperties(stage)
		notes, err := out.write(res, piped, s.Stdout)
		if err != nil {
			return &HarnessError{Err: fmt.Errorf("reports: %w", err)}
		}
		printNotes(text, notes)
	}
	if shard.N > 0 {
		fmt.Fprintln(text, shardNote(shard))
	}
	return propVerdict(text, rep, stage)
}

// printNotes prints the lines that say where the reports went.
func printNotes(w io.Writer, notes []string) {
	for _, n := range notes {
		fmt.Fprintln(w, n)
	}
}

// propVerdict prints a property run's outcome (its stage as the reports
// show it) and returns the error that sets the exit code; a failure reads
// as the property stage of run does.
func propVerdict(w io.Writer, rep *prop.Report, stage *reports.Properties) error {
	if err := reports.WritePropRun(w, rep, stage); err != nil {
		return &HarnessError{Err: err}
	}
	switch {
	case rep.Failure != nil && len(rep.Classes()) > 1:
		return &ViolationError{Summary: fmt.Sprintf("%d cases, %d distinct failure classes: the subject violates the contract", rep.Cases, len(rep.Classes()))}
	case rep.Failure != nil:
		return &ViolationError{Summary: fmt.Sprintf("%d cases, 1 failed: the subject violates the contract", rep.Cases)}
	case rep.Vacuous != nil:
		return &ViolationError{Summary: fmt.Sprintf("%d cases passed, but the run was vacuous", rep.Cases)}
	}
	return nil
}

// inProcessTarget is the built-in reference in this process, claiming
// profile p: one subject, its surfaces bound to each case's in-process
// fakes on virtual time.
func inProcessTarget(p resolver.Profile) prop.Target {
	return prop.Target{Name: "reference (in-process)", Profile: &p, PerProfile: true,
		Hooks: gate.InProcess(fakes.NewManualClock(harness.Epoch)),
		Open:  func(p resolver.Profile) (*harness.Subject, error) { return inProcessReference(p), nil }}
}

// subjectTarget is a subject opened by open, first sub: one subject for
// case after case, a fresh one after a failing case.
func subjectTarget(sub *harness.Subject, open func() (*harness.Subject, error)) prop.Target {
	first := sub
	return prop.Target{Name: sub.Name, Profile: &sub.Profile, Open: func(resolver.Profile) (*harness.Subject, error) {
		if s := first; s != nil {
			first = nil
			return s, nil
		}
		return open()
	}}
}

// propertiesStage is a property run as the reports show it: the command
// that repeats the search, and for the saved counterexample the command
// that replays it on each failing surface with runSeed. flags are the
// subject and profile flags of both commands.
func propertiesStage(rep *prop.Report, surfaces []string, checks int, flags string, runSeed int64, shard harness.Shard) *reports.Properties {
	repro := fmt.Sprintf("%s prop%s --surface %s --checks %d --seed %d%s", program(), flags, strings.Join(surfaces, ","), checks, rep.Seed, shardArg(shard))
	replay := func(saved, surface string) string {
		return fmt.Sprintf("%s run%s --scenario-file %s --surface %s --seed %d", program(), flags, saved, surface, runSeed)
	}
	return reports.NewProperties(rep, surfaces, checks, repro, replay)
}

// subjectFlags are the --subject and --profile flags of a command line
// that repeats or replays a run ("" for the built-in reference and the
// profile it claims).
func subjectFlags(subject, profile string) string {
	f := ""
	if subject != "" {
		f += " --subject " + subject
	}
	if profile != "" {
		f += " --profile " + profile
	}
	return f
}

// checkSurfaces returns the usage error of cmd's --surface list when it
// names a surface that is not one of harness.Surfaces.
// expectFlags are subjectFlags and the --expect flag of a command line
// that repeats a property run or replays its counterexample: run takes
// --expect too.
func expectFlags(subject, profile, expect string) string {
	f := subjectFlags(subject, profile)
	if expect != "" {
		f += " --expect " + expect
	}
	return f
}

func checkSurfaces(cmd string, surfaces []string) error {
	for _, surf := range surfaces {
		if !slices.Contains(harness.Surfaces, surf) {
			return usagef("%s: --surface %q: unknown surface (known: %s)", cmd, surf, strings.Join(harness.Surfaces, ", "))
		}
	}
	return nil
}

// isTerminal reports whether w is a character device (a terminal), where a
// progress line that rewrites itself is welcome.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// loadKnown reads an expectations file (run's --expect) for cmd as the
// known failures every generated case may break; nil without a file.
func loadKnown(cmd, file string) (harness.KnownFunc, error) {
	if file == "" {
		return nil, nil
	}
	x, err := reports.LoadExpectations(file)
	if err != nil {
		return nil, usagef("%s: --expect: %v", cmd, err)
	}
	return x.KnownRule, nil
}
