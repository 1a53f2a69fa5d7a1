package cli

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/fallbackgate/fallbackgate/harness"
	"github.com/fallbackgate/fallbackgate/harness/exec"
	"github.com/fallbackgate/fallbackgate/harness/gate"
	"github.com/fallbackgate/fallbackgate/harness/incident"
	"github.com/fallbackgate/fallbackgate/harness/prop"
	"github.com/fallbackgate/fallbackgate/harness/reference"
	"github.com/fallbackgate/fallbackgate/reports"
	"github.com/fallbackgate/fallbackgate/resolver"
	"github.com/fallbackgate/fallbackgate/scenarios"
)

// listFlag is a comma-separated, repeatable flag.
type listFlag []string

func (l *listFlag) String() string { return strings.Join(*l, ",") }
func (l *listFlag) Set(v string) error {
	for _, p := range strings.Split(v, ",") {
		if p = strings.TrimSpace(p); p != "" {
			*l = append(*l, p)
		}
	}
	return nil
}

func runCmd(ctx context.Context, s Streams, args []string) error {
	fs := newFlags("run", "run [--subject FILE] [--surface S,...] [--scenario SF-4,...] [--regressions DIR] [--incidents DIR] [--profile P] [--seed N] [--report-dir DIR] [--expect FILE] [--prop N] [--chaos] [--mutate] [--shard K/N]", `
Runs the conformance gate: every scenario on every surface of a subject,
each judged against the reference model, then checks that the surfaces
reached the same decisions. Without --subject it checks the built-in
reference subject (this binary's "subject" command), through the same exec
path as any other subject.

Prints the scenario × surface matrix, every failure with its violations,
the fakes' ledger and the command that reproduces it; the seed; and last
"N passed, M failed". Exit 0 when everything conforms, 1 on any violation,
2 on bad usage or a bad input file, 3 when the harness itself failed.

--regressions DIR replays every saved counterexample in DIR (the scenario
files prop and chaos save) with the scenarios, as a database of failures
found before; fallbackgate-counterexamples/ is replayed by default when it
exists (the run says so in its first lines; --regressions= for none). A
file that does not parse, disagrees with the model or repeats an id is bad
input.

--incidents DIR replays every incident file in DIR (*.yaml, *.yml, in
name order; the format of fallbackgate replay) as part of the gate: the
workers run the subject's oneshot surface (its gateway when the run's
--surface leaves oneshot out), and the pre-fix side the file's mutant of
the reference. Each incident is one more row of every report: it passes
when its holds list holds, and fails the gate (exit 1) when not. A
file that does not parse is bad input (exit 2), named with its line and
field before any case runs; one whose pre-fix side does not reproduce the
incident is broken: the reports show it, and the run exits 3. With
--shard, shard 1 replays them.

--report-dir writes junit.xml, results.json, summary.md and report.html;
--junit, --json, --markdown and --html write one format each. With
--expect, the failures an expectations file lists are known: the run
fails only on unexpected failures and on expectations that no longer fail
(stale).

--prop N and --chaos add the other two checks of a subject, each judged
like the scenarios and counted as one failure when it fails: N generated
cases on the selected surfaces, shrunk to a minimal scenario file on a
failure (as fallbackgate prop), and a chaos pass of 8 sessions × 20 turns
(as fallbackgate chaos). With --report-dir their files go there
(counterexamples/, chaos.jsonl).

--mutate then proves that the gate has teeth: it runs the mutation
self-test of `+"`fallbackgate mutate --subject-path in-process`"+` with the
same seed, prints a row per mutant and "mutation score: K/N (P%)" before
the seed, and adds the score to every report. A mutant that survives (a
rule with no teeth) fails the run with exit 1.

--shard K/N runs one part of the run, for N machines (a CI matrix, a
Kubernetes Indexed Job): every surface of the scenarios it holds, and its
share of the --prop cases and --chaos start-ups, all with the run's seed.
Give every shard the same flags and seed; "fallbackgate report merge"
puts their results.json back together as the whole run's report and
verdict.`, s)
	subject := fs.String("subject", "", "subject manifest `FILE` (YAML, see PROTOCOL.md); default: the built-in reference subject")
	var surfaces, ids, files listFlag
	fs.Var(&surfaces, "surface", "`SURFACES` to run, comma-separated: "+strings.Join(harness.Surfaces, ", ")+" (default all)")
	fs.Var(&ids, "scenario", "`IDS` of the scenarios to run, comma-separated, e.g. SF-4,SF-8, an extra (MX-3) or a saved regression, by its file's own ID (default the nine; see fallbackgate list)")
	fs.Var(&files, "scenario-file", "also run the scenario in `FILE` (repeatable), e.g. a saved counterexample")
	regressionsDir := fs.String("regressions", "", "also replay every saved counterexample (*.yaml scenario file) in `DIR` (default "+prop.DefaultCounterexampleDir+" when it exists; --regressions= for none)")
	incidentsDir := fs.String("incidents", "", "also replay every incident file (*.yaml, *.yml) in `DIR` as part of the gate (see fallbackgate replay)")
	profile := fs.String("profile", "", "judge the subject against `PROFILE` instead of the one its manifest claims: "+profileNames())
	seedFlag := fs.String("seed", "", "`SEED` for the fakes' secrets and the case order (default: random, printed)")
	parallel := fs.Int("parallel", 4, "cases run at once (with --prop, generated cases too)")
	keep := fs.Bool("keep", false, "keep each case's scratch folder (case.json, config, events) for reproduction")
	verbose := fs.Bool("v", false, "print a line per case as it is judged")
	out := addReportFlags(fs, "run", "")
	propChecks := fs.Int("prop", 0, "after the scenarios, property-test the subject with `N` generated cases on the selected surfaces (as fallbackgate prop does); 0: none")
	shrink := fs.Duration("shrink-time", 30*time.Second, "with --prop: time limit for shrinking a failure")
	chaos := fs.Bool("chaos", false, "after the scenarios, run a chaos pass (8 sessions × 20 turns, on the gateway when the subject has one, else oneshot; as fallbackgate chaos does)")
	mutate := fs.Bool("mutate", false, "after the gate, run the mutation self-test (in-process) and report its score; a surviving mutant fails the run")
	github := fs.Bool("github", false, "also write a GitHub Actions annotation (::error file=…,title=R7::…) per failure; on by default when GITHUB_ACTIONS=true (--github=false turns it off)")
	writeExpect := fs.String("write-expect", "", "write the run's failures as an expectations `FILE` (the --expect format), to adopt the gate on a subject that does not conform yet")
	expectFile := fs.String("expect", "", "known failures `FILE` (YAML: known_failures: [{scenario, surface, rule, reason}]); fail only on unexpected and stale results")
	shardFlag := addShardFlag(fs, "every surface of the scenarios i with i mod N = K-1, and so its share of the --prop cases and --chaos start-ups")
	if err := parse(fs, args, s); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("run: unexpected argument %q (flags come before nothing else)", fs.Arg(0))
	}
	if err := checkSurfaces("run", surfaces); err != nil {
		return err
	}
	if *propChecks < 0 {
		return usagef("run: --prop %d: want a number of cases, or 0 for none", *propChecks)
	}
	if *parallel < 1 {
		return usagef("run: --parallel %d: want at least 1", *parallel)
	}
	seed, err := parseSeed(*seedFlag)
	if err != nil {
		return err
	}
	shard, err := parseShard("run", *shardFlag)
	if err != nil {
		return err
	}
	if !shard.Whole() && *writeExpect != "" {
		return usagef("run: --write-expect needs every case of the run; give it to fallbackgate report merge instead of --shard %s", shard)
	}
	piped, text, err := out.check(s)
	if err != nil {
		return err
	}
	annotate := githubAnnotations(fs, *github)
	var known *reports.Expectations
	if *expectFile != "" {
		if known, err = reports.LoadExpectations(*expectFile); err != nil {
			return usagef("run: --expect: %v", err)
		}
	}
	var sel []harness.Scenario
	if len(ids) > 0 || len(files) == 0 {
		if sel, err = scenarios.Select(ids); err != nil {
			return usagef("run: --scenario: %v", err)
		}
	}
	for _, f := range files {
		sc, err := readScenarioFile(ctx, f)
		if err != nil {
			return usagef("run: --scenario-file: %v", err)
		}
		sel = append(sel, sc)
	}
	regs, err := findRegressions(ctx, fs, *regressionsDir)
	if err != nil {
		return err
	}
	sel = append(sel, regs.scenarios...)
	if err := harness.CheckUniqueIDs(sel); err != nil {
		return usagef("run: %v", err)
	}
	var incs []incident.Incident
	if *incidentsDir != "" {
		if incs, err = loadIncidentDir(*incidentsDir); err != nil {
			return usagef("run: --incidents %s: %v", *incidentsDir, err)
		}
		if shard.N > 0 && shard.K != 1 {
			incs = nil // shard 1 replays them; the merge takes its rows
		}
	}

	sub, err := openSubject(*subject, *profile, *keep)
	if err != nil {
		return err
	}
	held := gate.Config{Scenarios: sel, Shard: shard}.ShardScenarios()
	nSurfaces := len(surfaces)
	if nSurfaces == 0 {
		nSurfaces = len(harness.Surfaces)
	}
	scope := fmt.Sprintf("%d scenario(s)", len(sel))
	if shard.N > 0 {
		scope = fmt.Sprintf("shard %s: %d of %d scenario(s)", shard, len(held), len(sel))
	}
	fmt.Fprintf(text, "fallbackgate run: subject %s, profile %s, seed %d, %s × %d surface(s)\n", sub.Name, sub.Profile.Name, seed, scope, nSurfaces)
	if n := regs.note(); n != "" {
		fmt.Fprintln(text, n)
	}
	if len(incs) > 0 {
		fmt.Fprintf(text, "incidents: %d incident file(s) from %s, replayed after the scenarios\n", len(incs), *incidentsDir)
	}
	total := len(held) * nSurfaces
	var done atomic.Int64
	progress := isTerminal(s.Stderr) // a line that rewrites itself, only for a person
	cfg := gate.Config{Subject: sub, Scenarios: sel, Surfaces: surfaces, Seed: seed, Parallel: *parallel, Shard: shard,
		OnResult: func(r harness.Result) {
			n := done.Add(1)
			switch {
			case *verbose:
				fmt.Fprintf(s.Stderr, "[%2d/%d] %s/%s %s (%s)\n", n, total, r.Scenario, r.Surface, verdictWord(r.Status), r.Duration.Round(1e6))
			case progress:
				fmt.Fprintf(s.Stderr, "\r\033[K[%d/%d] %s/%s %s", n, total, r.Scenario, r.Surface, verdictWord(r.Status))
			}
		}}
	rep, runErr := gate.Run(ctx, cfg)
	if progress && !*verbose {
		fmt.Fprint(s.Stderr, "\r\033[K")
	}
	var (
		incidentRows []reports.Incident
		replays      []*incident.Replay
	)
	if runErr == nil && len(incs) > 0 {
		if incidentRows, replays, err = replayIncidents(ctx, incs, sub, *subject, surfaces, seed); err != nil {
			sub.Close()
			return err
		}
	}
	closeErr := sub.Close()
	var notStarted *harness.NotStartedError
	if runErr != nil && !errors.As(runErr, &notStarted) {
		return &HarnessError{Err: runErr}
	}
	res := reports.New(rep, known)
	if notStarted != nil {
		// Reported once per surface, with its stderr; the death of a gateway
		// that never started is no shutdown failure of its own.
		res.SetNotStarted(notStarted.Surfaces)
		closeErr = nil
	}
	res.SetShutdown(closeErr)
	var heldIDs []string
	for _, sc := range held {
		heldIDs = append(heldIDs, sc.ID)
	}
	res.SetShard(shard, heldIDs)
	if len(incidentRows) > 0 {
		res.SetIncidents(incidentRows)
	}
	stages := runStages{subject: *subject, profile: *profile, seed: seed, reportDir: *out.dir, shrink: *shrink, stderr: s.Stderr, shard: shard, parallel: *parallel}
	if known != nil {
		stages.known, stages.expect = known.KnownRule, *expectFile
	}
	if *propChecks > 0 {
		p, err := stages.properties(ctx, rep.Surfaces, sub, *propChecks)
		if err != nil {
			return err
		}
		res.SetProperties(p)
	}
	if *chaos {
		c, err := stages.chaos(ctx, sub)
		if err != nil {
			return err
		}
		res.SetChaos(c)
	}
	if *mutate {
		mrep, err := runMutants(ctx, pathInProcess, reference.Mutants(), seed)
		if err != nil {
			return &HarnessError{Err: fmt.Errorf("mutation self-test: %w", err)}
		}
		res.SetMutation(mrep)
	}
	notes, werr := writeReports(res, *out.dir, out.paths)
	if werr == nil && *out.dir != "" && len(replays) > 0 {
		var note string
		if note, werr = writeTimelines(*out.dir, replays); werr == nil {
			notes = append(notes, note)
		}
	}
	if shard.N > 0 {
		notes = append(notes, shardNote(shard))
	}
	if err := finish(s.Stdout, text, res, piped, annotate, *writeExpect, notes, werr); err != nil {
		return err
	}
	return outcome(res)
}

// writeTimelines writes the timeline page of each replayed incident into
// the report folder dir and returns the line that says so.
func writeTimelines(dir string, replays []*incident.Replay) (string, error) {
	var names []string
	for _, rep := range replays {
		name := reports.ReplayFileName(rep.Incident)
		if err := reports.WriteReplayFile(filepath.Join(dir, name), rep); err != nil {
			return "", err
		}
		names = append(names, name)
	}
	return fmt.Sprintf("incident timelines written to %s (%s)", dir, strings.Join(names, ", ")), nil
}

// finish ends run and report merge once their results are judged and the
// report files written (werr is that error): it writes the expectations
// file of --write-expect (when werr is nil), the GitHub annotations when
// annotate, the terminal report with notes to text, and last the report
// piped to stdout. The matrix and the counts are printed even when a report
// could not be written (checked before the run, it may still fail: a full
// disk); the error of that write is returned after them.
func finish(stdout, text io.Writer, res *reports.Results, piped *reports.Format, annotate bool, writeExpect string, notes []string, werr error) error {
	if writeExpect != "" && werr == nil {
		note, err := writeExpectations(writeExpect, res)
		if err != nil {
			werr = err
		} else {
			notes = append(notes, note)
		}
	}
	if annotate { // before the terminal report, whose last line states the counts
		if err := reports.WriteGitHub(text, res); err != nil {
			return &HarnessError{Err: err}
		}
	}
	if err := reports.WriteText(text, res, notes...); err != nil {
		return &HarnessError{Err: err}
	}
	if werr != nil {
		return &HarnessError{Err: fmt.Errorf("reports: %w", werr)}
	}
	if piped != nil {
		if err := piped.Write(stdout, res); err != nil {
			return &HarnessError{Err: err}
		}
	}
	return nil
}

// replayIncidents replays each incident against sub, the run's subject: on
// its oneshot surface, or its gateway when the run's --surface list leaves
// oneshot out and names the gateway.
func replayIncidents(ctx context.Context, incs []incident.Incident, sub *harness.Subject, path string, surfaces []string, seed int64) ([]reports.Incident, []*incident.Replay, error) {
	surface := harness.Oneshot
	if len(surfaces) > 0 && !slices.Contains(surfaces, harness.Oneshot) && slices.Contains(surfaces, harness.Gateway) {
		surface = harness.Gateway
	}
	if _, ok := sub.Surfaces[surface]; !ok {
		return nil, nil, usagef("run: --incidents: %s implements no %s surface to replay incidents on", sub.Name, surface)
	}
	label := sub.Name
	if path != "" {
		label += " (" + path + ")"
	}
	var (
		out  []reports.Incident
		reps []*incident.Replay
	)
	for _, inc := range incs {
		rep, err := incident.ReplayIncident(ctx, inc, incident.ReplayConfig{Seed: seed, Surface: surface, Subject: sub, Label: label})
		if err != nil {
			return nil, nil, &HarnessError{Err: fmt.Errorf("incident %s: %w", inc.Source, err)}
		}
		reps = append(reps, rep)
		repro := fmt.Sprintf("%s replay %s --seed %d", program(), inc.Source, seed)
		if path != "" {
			repro += " --subject " + path
		}
		if surface != harness.Oneshot {
			repro += " --surface " + surface
		}
		out = append(out, reports.NewIncident(rep, repro))
	}
	return out, reps, nil
}

// outcome is the error that sets the exit code of run, and of report merge
// from the results it puts back together: a surface that could not be
// started, or an incident file that did not reproduce, is exit 3 (nothing
// about the contract was judged there); else the verdict.
func outcome(res *reports.Results) error {
	if len(res.NotStarted) > 0 {
		return &harness.NotStartedError{Subject: res.Subject, Surfaces: res.NotStarted}
	}
	if broken := res.Broken(); len(broken) > 0 {
		var files []string
		for _, i := range broken {
			files = append(files, i.File)
		}
		return &HarnessError{Err: fmt.Errorf("%w: %s: the incident file is broken", incident.ErrIncidentNotReproduced, strings.Join(files, ", "))}
	}
	return verdict(res)
}

// verdict decides run's exit from its results: nil when the gate passes,
// else a ViolationError that says why: the subject did not shut down, a
// case failed unexpectedly, an expectation is stale, or, after those, a
// mutant of the mutation self-test survived, naming each rule with no
// teeth.
func verdict(res *reports.Results) error {
	if res.OK() {
		return nil
	}
	var why []string
	g := res.Gate
	switch {
	case res.Shutdown != "":
		why = append(why, res.Shutdown)
	case g.Failed == 0 && g.Stale > 0:
		why = append(why, fmt.Sprintf("%d stale expectation(s) in %s: those cases now pass; remove them", g.Stale, res.ExpectFile))
	case g.Failed > 0 && (g.Known > 0 || g.Stale > 0):
		why = append(why, fmt.Sprintf("%d passed, %d failed unexpectedly, %d known, %d stale: the subject violates the contract", g.Passed, g.Failed, g.Known, g.Stale))
	case g.Failed > 0:
		why = append(why, fmt.Sprintf("%d passed, %d failed: the subject violates the contract", g.Passed, g.Failed))
	}
	for _, i := range res.Incidents {
		if !i.OK() {
			why = append(why, fmt.Sprintf("incident %s (%s): %s", i.ID, i.File, i.Summary()))
		}
	}
	if p := res.Properties; p != nil && !p.OK() {
		if f := p.Failure; f != nil {
			why = append(why, fmt.Sprintf("properties: a generated case breaks %s (saved as %s)", strings.Join(f.Rules, ","), f.Saved))
		} else {
			why = append(why, "properties: the run was vacuous: "+p.Vacuous)
		}
	}
	if c := res.Chaos; c != nil && !c.OK() {
		if c.Vacuous {
			why = append(why, "chaos: no fault was injected")
		} else {
			why = append(why, fmt.Sprintf("chaos: %d of %d start-ups failed", c.Failed, c.Startups))
		}
	}
	if m := res.Mutation; m != nil {
		if survivors := m.Survivors(); len(survivors) > 0 {
			var rules []string
			for _, x := range survivors {
				rules = append(rules, fmt.Sprintf("%s (mutant %s survived: %s)", x.Rule, x.Name, x.Description))
			}
			what := "a rule"
			if len(rules) > 1 {
				what = "rules"
			}
			why = append(why, fmt.Sprintf("%s: the gate has %s without teeth: %s", m.Score, what, strings.Join(rules, ", ")))
		}
	}
	return &ViolationError{Summary: strings.Join(why, "; ")}
}

// formatFiles lists the files of a report folder.
func formatFiles() string {
	var names []string
	for _, f := range reports.Formats {
		names = append(names, f.File)
	}
	return strings.Join(names, ", ")
}

// writeReports writes the report folder and each single-format file asked
// for, and returns the lines that say where they went.
func writeReports(res *reports.Results, dir string, paths map[string]*string) ([]string, error) {
	var notes []string
	if dir != "" {
		if err := reports.WriteDir(dir, res); err != nil {
			return nil, err
		}
		notes = append(notes, fmt.Sprintf("reports written to %s (%s)", dir, formatFiles()))
	}
	for _, f := range reports.Formats {
		if p := *paths[f.Name]; p != "" && p != "-" {
			if err := f.WriteFile(p, res); err != nil {
				return nil, err
			}
			notes = append(notes, fmt.Sprintf("%s report written to %s", f.Name, p))
		}
	}
	return notes, nil
}

// parseSeed reads --seed, or draws one when it is empty.
func parseSeed(v string) (int64, error) {
	if v == "" {
		var b [8]byte
		if _, err := rand.Read(b[:]); err != nil {
			return 0, &HarnessError{Err: err}
		}
		return int64(binary.LittleEndian.Uint64(b[:]) >> 1), nil
	}
	var seed int64
	if _, err := fmt.Sscan(v, &seed); err != nil {
		return 0, usagef("--seed %q: want an integer", v)
	}
	return seed, nil
}

// openSubject returns the subject a manifest describes, or the built-in
// reference subject run through the exec adapter.
func openSubject(path, profile string, keep bool) (*harness.Subject, error) {
	var opts []exec.Option
	if root := scratchRoot(); root != "" {
		opts = append(opts, exec.ScratchRoot(root))
	}
	if keep {
		opts = append(opts, exec.KeepDir())
	}
	var (
		m     *exec.Manifest
		repro string
		err   error
	)
	if path == "" {
		exe, err := executable()
		if err != nil {
			return nil, &HarnessError{Err: err}
		}
		m = referenceManifest(exe, profile, "")
	} else {
		if m, err = exec.LoadManifest(path); err != nil {
			return nil, &UsageError{Err: err}
		}
		repro = "--subject " + path
	}
	if profile != "" {
		if _, err := resolver.ProfileByName(profile); err != nil {
			return nil, usagef("--profile: %v", err)
		}
		m.Profile = profile
		repro = strings.TrimSpace(repro + " --profile " + profile)
	}
	sub, err := exec.Subject(m, repro, opts...)
	if err != nil {
		var nf *os.PathError
		if errors.As(err, &nf) {
			return nil, &HarnessError{Err: err}
		}
		return nil, &UsageError{Err: err}
	}
	sub.Program = program()
	return sub, nil
}

// referenceManifest describes the built-in reference subject run through
// the exec adapter, as any subject is: this binary's `subject` command
// (exe), claiming profile ("" is strict), or behaving as the mutant named
// mutant.
func referenceManifest(exe, profile, mutant string) *exec.Manifest {
	if profile == "" {
		profile = resolver.Strict.Name
	}
	name, flag, value := "reference", "--profile", profile
	if mutant != "" {
		name, flag, value = "mutant "+mutant, "--mutant", mutant
	}
	m := &exec.Manifest{Name: name, Profile: profile, Capabilities: []string{harness.CapabilityRuntimeFallback},
		Surfaces: map[string][]string{}}
	for _, surf := range harness.Surfaces {
		m.Surfaces[surf] = []string{exe, "subject", flag, value, surf}
	}
	return m
}

// executable returns this binary's path, which runs the reference subject.
func executable() (string, error) {
	exe, err := os.Executable()
	if err != nil {
		return "", fmt.Errorf("cannot find this binary to run the reference subject: %w", err)
	}
	exe, _ = filepath.EvalSymlinks(exe)
	return exe, nil
}

// inProcessReference is the built-in reference subject in this process,
// claiming profile p, for --in-process runs: its surfaces bound to
// in-process fakes, with the in-process request bound.
func inProcessReference(p resolver.Profile) *harness.Subject {
	sub := reference.Subject("reference (in-process)", reference.Options{Profile: p, RequestTimeout: gate.PropRequestTimeout})
	sub.Program = program()
	return sub
}

// scratchRoot returns where case folders go: TMPDIR when the user set it,
// else /dev/shm when it is a writable folder (a case folder there costs a
// tenth of one on a disk-backed /tmp), else "" for the system default.
func scratchRoot() string {
	if os.Getenv("TMPDIR") != "" {
		return ""
	}
	const shm = "/dev/shm"
	if fi, err := os.Stat(shm); err == nil && fi.IsDir() {
		if f, err := os.CreateTemp(shm, "fallbackgate-probe-*"); err == nil {
			f.Close()
			os.Remove(f.Name())
			return shm
		}
	}
	return ""
}

// verdictWord is how the progress lines name a case's status.
func verdictWord(s harness.Status) string {
	if s == harness.StatusNotImplemented {
		return "not implemented"
	}
	return string(s)
}
