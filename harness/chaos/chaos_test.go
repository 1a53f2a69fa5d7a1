package chaos_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/fallbackgate/fallbackgate/harness"
	"github.com/fallbackgate/fallbackgate/harness/chaos"
	"github.com/fallbackgate/fallbackgate/harness/reference"
)

// inProcess is a chaos run on the in-process reference subject that opts
// describe, named name, on virtual time.
func inProcess(name string, opts reference.Options, cfg chaos.Config) chaos.Config {
	cfg.Subject, cfg.InProcess = reference.Subject(name, opts), true
	return cfg
}

func run(t *testing.T, cfg chaos.Config) (*chaos.Report, []byte) {
	t.Helper()
	var hist bytes.Buffer
	cfg.History = &hist
	t.Cleanup(func() { cfg.Subject.Close() })
	rep, err := chaos.Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	return rep, hist.Bytes()
}

func mutant(t *testing.T, name string) reference.Mutant {
	t.Helper()
	m, err := reference.MutantByName(name)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestChaosReference: the in-process reference survives a chaos schedule
// on both surfaces, the run injected faults, and the history re-checks
// clean offline, counting the same faults.
func TestChaosReference(t *testing.T) {
	for _, surf := range []string{harness.Gateway, harness.Oneshot} {
		t.Run(surf, func(t *testing.T) {
			rep, hist := run(t, inProcess("reference", reference.Options{}, chaos.Config{Surface: surf, Sessions: 8, Turns: 15, Seed: 4, Hang: true}))
			if !rep.OK() {
				t.Fatalf("chaos on the reference's %s: %d failed, faults %v:\n%s", surf, rep.Failed, rep.Faults, problemLines(rep.Problems))
			}
			if rep.Startups != 8*15 || rep.Changes == 0 || rep.FellBack == 0 || rep.Pinned == 0 {
				t.Errorf("report %+v: want 120 start-ups, fleet changes, fallbacks and pinned start-ups", rep)
			}
			hr, err := chaos.CheckHistory(context.Background(), bytes.NewReader(hist))
			if err != nil {
				t.Fatal(err)
			}
			if !hr.OK() || hr.Startups != rep.Startups {
				t.Errorf("CheckHistory: %d start-ups, problems:\n%s", hr.Startups, problemLines(hr.Problems))
			}
			if d := cmp.Diff(rep.Faults, hr.Faults); d != "" {
				t.Errorf("CheckHistory counted other faults than the run (-run +check):\n%s", d)
			}
		})
	}
}

// TestChaosSameSeed: in-process chaos on virtual time writes the same
// history byte for byte for the same seed, and a different one for another.
func TestChaosSameSeed(t *testing.T) {
	cfg := chaos.Config{Surface: harness.Gateway, Sessions: 16, Turns: 10, Seed: 9, Hang: true}
	_, a := run(t, inProcess("reference", reference.Options{}, cfg))
	_, b := run(t, inProcess("reference", reference.Options{}, cfg))
	if !bytes.Equal(a, b) {
		t.Fatalf("two chaos runs with seed 9 wrote different histories (%d and %d bytes)", len(a), len(b))
	}
	cfg.Seed = 10
	if _, c := run(t, inProcess("reference", reference.Options{}, cfg)); bytes.Equal(a, c) {
		t.Error("seeds 9 and 10 wrote the same history")
	}
}

// TestChaosCatchesMutant: a gateway that walks past a 429 fails chaos with
// R7, and the offline check of its history finds the same. Its first
// failing start-up is saved as a scenario file that parses and, replayed
// alone on a fresh mutant, still breaks R7: minimized, it is smaller than
// the start-up it came from.
func TestChaosCatchesMutant(t *testing.T) {
	m := mutant(t, "falls-back-on-rate-limit")
	rep, hist := run(t, inProcess("mutant "+m.Name, m.Options, chaos.Config{Surface: harness.Gateway, Sessions: 8, Turns: 20, Seed: 4}))
	if rep.OK() || !slices.ContainsFunc(rep.Problems, func(p chaos.Problem) bool {
		return p.Startup != "" && p.Rule == "R7" && strings.HasPrefix(p.Message, "quota amplification")
	}) {
		t.Fatalf("chaos passed a gateway that walks past a 429 (%d start-ups, faults %v)", rep.Startups, rep.Faults)
	}
	hr, err := chaos.CheckHistory(context.Background(), bytes.NewReader(hist))
	if err != nil {
		t.Fatal(err)
	}
	if hr.OK() || hr.Failed != rep.Failed {
		t.Errorf("CheckHistory found %d failed start-ups; the run found %d", hr.Failed, rep.Failed)
	}
	if diff := cmp.Diff(rep.Problems, hr.Problems); diff != "" {
		t.Errorf("CheckHistory reports other problems than the run (-run +check):\n%s", diff)
	}

	dir := t.TempDir()
	opened := 0
	ce, err := chaos.SaveCounterexample(context.Background(), rep, chaos.Replay{
		Open: func() (*harness.Subject, error) {
			opened++
			return reference.Subject("mutant "+m.Name, m.Options), nil
		},
		Surface: rep.Info.Surface, Seed: rep.Info.Seed, Dir: dir,
	})
	if err != nil {
		t.Fatal(err)
	}
	if ce.Startup != rep.First.ID {
		t.Errorf("counterexample of start-up %s; want the first failing one, %s", ce.Startup, rep.First.ID)
	}
	data, err := os.ReadFile(ce.Path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(data, ce.YAML) || filepath.Dir(ce.Path) != dir {
		t.Errorf("saved %s differs from the counterexample", ce.Path)
	}
	sc, err := harness.ParseScenario(ce.Path, data)
	if err != nil {
		t.Fatalf("chaos counterexample does not parse: %v", err)
	}
	if !ce.Alone.Failed() || !slices.Contains(ce.Alone.Violations.Rules(), "R7") {
		t.Errorf("the counterexample replayed alone: %s %v; want a failure citing R7 (a walk past a 429 needs no concurrency)", ce.Alone.Status, ce.Alone.Violations)
	}
	if !ce.Minimized || ce.MinimizeRuns == 0 || ce.MinimizeRuns > chaos.MaxMinimizeRuns {
		t.Errorf("minimized %t in %d runs; want minimized within %d runs", ce.Minimized, ce.MinimizeRuns, chaos.MaxMinimizeRuns)
	}
	orig := rep.First.Scenario()
	if len(sc.Config.FallbackProviders) >= len(orig.Config.FallbackProviders) {
		t.Errorf("minimized chain has %d entries; the start-up had %d", len(sc.Config.FallbackProviders), len(orig.Config.FallbackProviders))
	}
	// Every run alone opened a fresh subject: the first replay, one per
	// minimizing run, and the replay of the minimized file as saved.
	if want := 1 + ce.MinimizeRuns + 1; opened != want {
		t.Errorf("%d subjects opened for %d minimizing runs; want %d, a fresh one per run alone", opened, ce.MinimizeRuns, want)
	}
}

// TestSaveCounterexampleNeedsFailure: a run without a failing start-up has
// no counterexample to save.
func TestSaveCounterexampleNeedsFailure(t *testing.T) {
	rep, _ := run(t, inProcess("reference", reference.Options{}, chaos.Config{Surface: harness.Oneshot, Sessions: 2, Turns: 3, Seed: 1}))
	if rep.First != nil {
		t.Fatalf("the reference failed start-up %s", rep.First.ID)
	}
	if _, err := chaos.SaveCounterexample(context.Background(), rep, chaos.Replay{Dir: t.TempDir()}); err == nil {
		t.Error("SaveCounterexample saved something for a run without a failure")
	}
}

// TestCheckHistoryVacuous: a history whose calls met no fault fails.
func TestCheckHistoryVacuous(t *testing.T) {
	hist := `{"kind":"run","at_ns":0,"run":{"subject":"x","profile":"strict","surface":"oneshot","sessions":1,"turns":1,"seed":1,"in_process":true,"request_timeout_ns":20000000}}
{"kind":"startup","at_ns":0,"startup":{"id":"t0/s0","session":0,"turn":0,"config":{"model":{"provider":"xai-oauth","default":"grok-4.3"},"fallback_providers":[]},"pin":{"model":"","provider":""},"faults":{"xai-oauth":"ok"},"exit_code":0,"stdout":"reply from xai-oauth/grok-4.3","events":[{"event":"started","provider":"xai-oauth","model":"grok-4.3","landed_at":-1,"remaining":[]}],"calls":[{"seq":1,"provider":"xai-oauth","endpoint":"resolve","at_ns":0,"model":"grok-4.3","status":200,"outcome":"ok","fault":"ok"},{"seq":2,"provider":"xai-oauth","endpoint":"completions","at_ns":0,"model":"grok-4.3","status":200,"outcome":"ok","fault":"ok"}],"expected":{"exit":0},"verdict":"pass"}}
`
	hr, err := chaos.CheckHistory(context.Background(), strings.NewReader(hist))
	if err != nil {
		t.Fatal(err)
	}
	if hr.Startups != 1 || len(hr.Problems) != 1 || hr.Problems[0].Rule != chaos.RuleVacuous {
		t.Fatalf("CheckHistory of a fault-free history: %d start-ups, problems %q; want exactly the vacuous one", hr.Startups, hr.Problems)
	}
	if _, err := chaos.CheckHistory(context.Background(), strings.NewReader(`{"kind":"startup"}`)); err == nil {
		t.Error("a history without a run line was accepted")
	}
}

// problemLines lists problems one per line, for a failure message.
func problemLines(ps []chaos.Problem) string {
	var b strings.Builder
	for _, p := range ps {
		b.WriteString(p.String() + "\n")
	}
	return b.String()
}

// TestCheckHistoryAgreesOnDeadGateway: a gateway that dies on a failed
// start-up fails chaos with R17 once per start-up, and the offline check of
// its history reports exactly the same problems.
func TestCheckHistoryAgreesOnDeadGateway(t *testing.T) {
	m := mutant(t, "gateway-dies-on-failure")
	rep, hist := run(t, inProcess("mutant "+m.Name, m.Options, chaos.Config{Surface: harness.Gateway, Sessions: 4, Turns: 10, Seed: 4}))
	if !slices.ContainsFunc(rep.Problems, func(p chaos.Problem) bool { return p.Rule == "R17" }) {
		t.Fatalf("chaos passed a gateway that dies on a failed start-up:\n%s", problemLines(rep.Problems))
	}
	hr, err := chaos.CheckHistory(context.Background(), bytes.NewReader(hist))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(rep.Problems, hr.Problems); diff != "" {
		t.Errorf("CheckHistory reports other problems than the run (-run +check):\n%s", diff)
	}
	r17 := map[string]int{}
	for _, p := range rep.Problems {
		if p.Rule == "R17" {
			r17[p.Startup]++
		}
	}
	for startup, n := range r17 {
		if n > 1 {
			t.Errorf("start-up %q has %d R17 problems; a gateway that did not answer is one", startup, n)
		}
	}
}

// TestChaosCoverage: a chaos run counts, per rule, the start-ups that
// exercised it: every start-up exercises R17, the schedule's walks R9, R11
// and R15; a chaos chain is never empty and chaos never checks the runtime
// hand-off, so R8 and R18 stay unexercised, and the report names them.
func TestChaosCoverage(t *testing.T) {
	rep, _ := run(t, inProcess("reference", reference.Options{}, chaos.Config{Surface: harness.Gateway, Sessions: 8, Turns: 15, Seed: 4}))
	c := rep.Coverage
	if c.Cases[harness.Gateway] != rep.Startups || c.Rules["R17"][harness.Gateway] != rep.Startups {
		t.Errorf("coverage counts %d start-ups, %d with R17; want all %d", c.Cases[harness.Gateway], c.Rules["R17"][harness.Gateway], rep.Startups)
	}
	for _, r := range []string{"R4", "R6", "R7", "R9", "R11", "R15"} {
		if c.Rules[r][harness.Gateway] == 0 {
			t.Errorf("no start-up exercised %s", r)
		}
	}
	if got := c.GapsText(); !strings.Contains(got, "R8 (gateway)") || !strings.Contains(got, "R18 (gateway)") {
		t.Errorf("gaps %q; want R8 and R18 named", got)
	}
}
