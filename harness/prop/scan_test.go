package prop_test

import (
	"context"
	"fmt"
	"os"
	osexec "os/exec"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/fallbackgate/fallbackgate/harness"
	"github.com/fallbackgate/fallbackgate/harness/exec"
	"github.com/fallbackgate/fallbackgate/harness/prop"
	"github.com/fallbackgate/fallbackgate/harness/reference"
	"github.com/fallbackgate/fallbackgate/resolver"
)

// execReference is the reference subject over exec, this test binary on
// every surface (the mutant called name when it is not empty), claiming
// strict, as a property target: one subject shared by the cases in
// flight, a fresh one after a failing case. opened counts the subjects it
// opened.
func execReference(t *testing.T, name string, opened *atomic.Int64) prop.Target {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	subject := "reference-exec"
	if name != "" {
		subject = "mutant-exec " + name
	}
	scratch := t.TempDir()
	open := func(p resolver.Profile) (*harness.Subject, error) {
		opened.Add(1)
		sub := &harness.Subject{Name: subject, Profile: p, Capabilities: []string{harness.CapabilityRuntimeFallback}, Surfaces: map[string]harness.Surface{}}
		for _, s := range harness.Surfaces {
			m := &exec.Manifest{Name: sub.Name, Profile: p.Name, Capabilities: sub.Capabilities,
				Surfaces: map[string][]string{s: {exe}}, Env: map[string]string{envPropSubject: s, envPropMutant: name, "GORACE": "atexit_sleep_ms=0"}}
			surf, err := m.Surface(s, exec.ScratchRoot(scratch))
			if err != nil {
				return nil, err
			}
			sub.Surfaces[s] = surf
		}
		return sub, nil
	}
	return prop.Target{Name: subject, Profile: strictProfile(), Open: open}
}

// manifestTarget is the subject a manifest describes as a property target,
// judged for the profile it claims.
func manifestTarget(t *testing.T, path string, opened *atomic.Int64) prop.Target {
	m, err := exec.LoadManifest(path)
	if err != nil {
		t.Fatal(err)
	}
	p, err := resolver.ProfileByName(m.Profile)
	if err != nil {
		t.Fatal(err)
	}
	scratch := t.TempDir()
	return prop.Target{Name: m.Name, Profile: &p, Open: func(resolver.Profile) (*harness.Subject, error) {
		opened.Add(1)
		return exec.Subject(m, "--subject "+path, exec.ScratchRoot(scratch))
	}}
}

// runTrail is what a property run decided, case by case: its log (each case
// drawn, its verdict, each shrinking step), without the lines that say how
// a gateway's death was attributed, which depend on what ran beside it.
type runTrail struct {
	log       []string
	cases     int
	known     int
	counts    string
	classes   []string
	failures  []string
	shrinks   []int
	isolation []string
}

func trailOf(t *testing.T, target prop.Target, cfg prop.Config) runTrail {
	t.Helper()
	var log strings.Builder
	cfg.Target, cfg.Log = target, &log
	rep, err := prop.Run(context.Background(), cfg)
	if err != nil {
		t.Fatalf("parallel %d: %v", cfg.Parallel, err)
	}
	tr := runTrail{cases: rep.Cases, known: rep.Known, counts: rep.Counts.String()}
	for _, line := range strings.Split(strings.TrimSpace(log.String()), "\n") {
		if strings.HasPrefix(line, "[prop] gateway death: ") {
			tr.isolation = append(tr.isolation, line)
			continue
		}
		tr.log = append(tr.log, line)
	}
	for _, c := range rep.Classes() {
		tr.classes = append(tr.classes, c.String())
	}
	for _, f := range rep.Failures {
		tr.failures = append(tr.failures, string(f.YAML))
		tr.shrinks = append(tr.shrinks, f.Shrinks)
	}
	return tr
}

// TestParallelIsDeterministic: a property run decides the same whatever
// number of cases run at once: the same cases, the same verdict for each,
// the same failure classes and the same shrunk counterexamples, against
// the in-process reference and mutants, the reference and mutants over
// exec (one whose gateway dies on a failed start-up, taking the cases in
// flight down with it), and the broken Python examples. Over exec the
// cases in flight share one gateway process; at least once a case that
// only died with a gateway another case killed was run again alone.
func TestParallelIsDeterministic(t *testing.T) {
	all := []string{harness.Oneshot, harness.Gateway, harness.CLI}
	gateway := []string{harness.Gateway}
	type run struct {
		name     string
		target   func(opened *atomic.Int64) prop.Target
		surfaces []string
		checks   int
		failures int
		seeds    []int64
		python   bool
		kills    bool // its gateway dies: cases in flight beside the killer are victims
	}
	runs := []run{
		{name: "in-process reference, drawn profiles", checks: 300, seeds: []int64{1, 2},
			target: func(*atomic.Int64) prop.Target { return inProcess("reference", reference.Options{}, nil) }},
		{name: "in-process falls-back-on-rate-limit", checks: 200, failures: 4, seeds: []int64{1, 2},
			target: func(*atomic.Int64) prop.Target {
				return inProcess("mutant", mutant("falls-back-on-rate-limit").Options, strictProfile())
			}},
		{name: "exec reference", surfaces: all, checks: 16, seeds: []int64{3},
			target: func(o *atomic.Int64) prop.Target { return execReference(t, "", o) }},
		{name: "exec gateway-dies-on-failure", surfaces: gateway, checks: 60, failures: 3, seeds: []int64{1, 2}, kills: true,
			target: func(o *atomic.Int64) prop.Target { return execReference(t, "gateway-dies-on-failure", o) }},
		{name: "exec falls-back-on-rate-limit", surfaces: all, checks: 40, failures: 3, seeds: []int64{4},
			target: func(o *atomic.Int64) prop.Target { return execReference(t, "falls-back-on-rate-limit", o) }},
		{name: "python falls-back-on-429", surfaces: []string{harness.Oneshot, harness.Gateway}, checks: 12, failures: 3, seeds: []int64{2}, python: true,
			target: func(o *atomic.Int64) prop.Target {
				return manifestTarget(t, "../../examples/python-subject/broken/falls-back-on-429/subject.yaml", o)
			}},
		{name: "python gateway-dies", surfaces: gateway, checks: 12, failures: 2, seeds: []int64{5}, python: true, kills: true,
			target: func(o *atomic.Int64) prop.Target {
				return manifestTarget(t, "../../examples/python-subject/broken/gateway-dies/subject.yaml", o)
			}},
	}
	innocent, killed := 0, false
	for _, r := range runs {
		for _, seed := range r.seeds {
			t.Run(fmt.Sprintf("%s/seed %d", r.name, seed), func(t *testing.T) {
				if _, err := osexec.LookPath("python3"); r.python && err != nil {
					t.Skip("python3 is not on PATH, so the Python example cannot run (CI installs it): " + err.Error())
				}
				killed = killed || r.kills
				// Shrinking is a pure function of the seed when it ends because no
				// candidate fails; a shrink time that ran out first would make the
				// outcome depend on the machine's speed (ShrinkCut), so the time
				// here never binds.
				cfg := prop.Config{Surfaces: r.surfaces, Checks: r.checks, Seed: seed, MaxFailures: r.failures, ShrinkTime: time.Hour}
				var trails [2]runTrail
				for k, parallel := range []int{1, 4} {
					var opened atomic.Int64
					cfg.Parallel = parallel
					trails[k] = trailOf(t, r.target(&opened), cfg)
					t.Logf("parallel %d: %d cases, classes %v, %d subject(s) opened", parallel, trails[k].cases, trails[k].classes, opened.Load())
				}
				one, four := trails[0], trails[1]
				if diff := cmp.Diff(one.log, four.log); diff != "" {
					t.Errorf("the cases, verdicts or shrinking steps differ (-parallel 1 +parallel 4):\n%s", diff)
				}
				if one.cases != four.cases || one.known != four.known || one.counts != four.counts {
					t.Errorf("parallel 1: %d cases (%d known): %s; parallel 4: %d cases (%d known): %s", one.cases, one.known, one.counts, four.cases, four.known, four.counts)
				}
				if diff := cmp.Diff(one.classes, four.classes); diff != "" {
					t.Errorf("failure classes differ (-parallel 1 +parallel 4):\n%s", diff)
				}
				if diff := cmp.Diff(one.failures, four.failures); diff != "" {
					t.Errorf("counterexamples differ (-parallel 1 +parallel 4):\n%s", diff)
				}
				if diff := cmp.Diff(one.shrinks, four.shrinks); diff != "" {
					t.Errorf("shrinking runs differ (-parallel 1 +parallel 4):\n%s", diff)
				}
				if r.failures > 0 && len(one.classes) == 0 {
					t.Errorf("the broken subject passed %d cases; want a failure to compare", one.cases)
				}
				for _, line := range four.isolation {
					if strings.Contains(line, "does not kill") {
						innocent++
					}
				}
			})
		}
	}
	if !t.Failed() && killed && innocent == 0 {
		t.Error("no case that a gateway's death took down was run again alone with parallel 4; the isolation of victims went untested")
	}
}
