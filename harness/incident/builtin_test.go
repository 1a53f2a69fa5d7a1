package incident_test

import (
	"bytes"
	"context"
	"maps"
	"os/exec"
	"slices"
	"testing"

	"github.com/fallbackgate/fallbackgate/harness"
	hexec "github.com/fallbackgate/fallbackgate/harness/exec"
	"github.com/fallbackgate/fallbackgate/harness/incident"
	"github.com/fallbackgate/fallbackgate/harness/reference"
	"github.com/fallbackgate/fallbackgate/reports"
	"github.com/fallbackgate/fallbackgate/scenarios"
)

// builtins are the built-in incidents, each with the mutants that break
// the contract the way its story tells: as the subject on the contract's
// side, each must make that side fail.
var builtins = map[string][]string{
	"v6.6":                  {"ignores-chain", "no-fallback-event"},
	"quota-wall":            {"falls-back-on-rate-limit", "exit-1-on-rate-limit"},
	"login-revoked":         {"drops-shorthand-entries"},
	"legacy-fallback-model": {"empty-chain-hides-fallback-model"},
}

func builtin(t *testing.T, name string) incident.Incident {
	t.Helper()
	inc, err := scenarios.Incident(name)
	if err != nil {
		t.Fatal(err)
	}
	return inc
}

func replayText(t *testing.T, inc incident.Incident, cfg incident.ReplayConfig) (*incident.Replay, string) {
	t.Helper()
	rep, err := incident.ReplayIncident(context.Background(), inc, cfg)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := reports.WriteReplay(&out, rep); err != nil {
		t.Fatal(err)
	}
	return rep, out.String()
}

// requireSides fails unless the pre-fix side reproduced the incident and
// the contract side held, naming every assertion that did not.
func requireSides(t *testing.T, what string, rep *incident.Replay) {
	t.Helper()
	for _, side := range []incident.ReplaySide{rep.PreFix, rep.Fixed} {
		if !side.OK {
			t.Errorf("%s: %s: %s\n%q", what, side.Label, side.Verdict, checkLines(side))
		}
	}
}

// TestBuiltinIncidents: every built-in incident reproduces on its pre-fix
// side and holds on the contract's, against the in-process reference, on
// the oneshot surface and on the gateway (every worker a session of one
// gateway), for several seeds.
func TestBuiltinIncidents(t *testing.T) {
	if got, want := scenarios.Incidents(), slices.Sorted(maps.Keys(builtins)); !slices.Equal(got, want) {
		t.Fatalf("built-in incidents %v; want %v", got, want)
	}
	for name := range builtins {
		inc := builtin(t, name)
		for _, surface := range []string{harness.Oneshot, harness.Gateway} {
			for _, seed := range []int64{1, 2} {
				rep, _ := replayText(t, inc, incident.ReplayConfig{Seed: seed, Surface: surface})
				requireSides(t, name+" on "+surface, rep)
				if len(rep.PreFix.Checks) != len(inc.Reproduced) || len(rep.Fixed.Checks) != len(inc.Holds) {
					t.Errorf("%s: %d and %d checks; want one per assertion (%d, %d)", name, len(rep.PreFix.Checks), len(rep.Fixed.Checks), len(inc.Reproduced), len(inc.Holds))
				}
			}
		}
	}
}

// TestIncidentCatchesItsBug: a mutant that breaks the contract the way an
// incident tells, put on the contract's side (in process), makes that side
// fail; on the gateway too where the bug is one of every surface.
func TestIncidentCatchesItsBug(t *testing.T) {
	for name, mutants := range builtins {
		inc := builtin(t, name)
		for _, mname := range mutants {
			m, err := reference.MutantByName(mname)
			if err != nil {
				t.Fatal(err)
			}
			surfaces := []string{harness.Oneshot, harness.Gateway}
			if mname == "exit-1-on-rate-limit" {
				surfaces = surfaces[:1] // an exit code: the gateway has none
			}
			for _, surface := range surfaces {
				sub := reference.Subject("mutant "+mname, m.Options)
				rep, _ := replayText(t, inc, incident.ReplayConfig{Seed: 1, Surface: surface, Subject: sub, InProcess: true})
				if rep.Fixed.OK {
					t.Errorf("%s on %s: mutant %s holds the contract: %s\n%q", name, surface, mname, rep.Fixed.Verdict, checkLines(rep.Fixed))
				}
				if !rep.PreFix.OK {
					t.Errorf("%s on %s: the pre-fix side did not reproduce: %q", name, surface, checkLines(rep.PreFix))
				}
			}
		}
	}
}

// TestReplayDeterministic: the same seed writes the same bytes, for every
// built-in and for a file of the user's, on both surfaces.
func TestReplayDeterministic(t *testing.T) {
	mine, err := incident.ParseIncident("mine.yaml", []byte(goodFile))
	if err != nil {
		t.Fatal(err)
	}
	incs := []incident.Incident{mine}
	for _, name := range scenarios.Incidents() {
		incs = append(incs, builtin(t, name))
	}
	for _, inc := range incs {
		for _, surface := range []string{harness.Oneshot, harness.Gateway} {
			rep, a := replayText(t, inc, incident.ReplayConfig{Seed: 7, Surface: surface})
			_, b := replayText(t, inc, incident.ReplayConfig{Seed: 7, Surface: surface})
			if a != b {
				t.Errorf("%s on %s: two replays with seed 7 differ:\n%s\n---\n%s", inc.Name, surface, a, b)
			}
			if inc.Name == "mine" {
				requireSides(t, "the user's file on "+surface, rep)
			}
		}
	}
}

// TestReplayPython replays every built-in against the Python example over
// exec: its oneshot worker, and, for two incidents, its gateway (every
// worker a session of one gateway process).
func TestReplayPython(t *testing.T) {
	if _, err := exec.LookPath("python3"); err != nil {
		t.Skip("python3 is not on PATH, so the Python example cannot run (CI installs it): " + err.Error())
	}
	m, err := hexec.LoadManifest("../../examples/python-subject/subject.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range scenarios.Incidents() {
		surfaces := []string{harness.Oneshot}
		if name == "v6.6" || name == "quota-wall" {
			surfaces = append(surfaces, harness.Gateway)
		}
		for _, surface := range surfaces {
			sub, err := hexec.Subject(m, "--subject examples/python-subject/subject.yaml")
			if err != nil {
				t.Fatal(err)
			}
			rep, _ := replayText(t, builtin(t, name), incident.ReplayConfig{Seed: 1, Surface: surface, Subject: sub})
			if err := sub.Close(); err != nil {
				t.Errorf("%s on %s: the subject did not shut down: %v", name, surface, err)
			}
			requireSides(t, "python: "+name+" on "+surface, rep)
		}
	}
}
