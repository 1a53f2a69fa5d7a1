package gate_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/fallbackgate/fallbackgate/harness"
	"github.com/fallbackgate/fallbackgate/harness/gate"
	"github.com/fallbackgate/fallbackgate/harness/reference"
	"github.com/fallbackgate/fallbackgate/scenarios"
)

// mute is a surface whose process ends before it says a word: it exits
// with code 1 after writing a traceback, for every case (or only for the
// scenarios in only, when set; the others run on the reference).
type mute struct {
	name string
	only map[string]bool
	ref  harness.Surface
}

func (m mute) Name() string { return m.name }

func (m mute) Start(ctx context.Context, c harness.Case) (harness.Outcome, error) {
	if m.only != nil && !m.only[strings.Split(c.ID, "/")[0]] {
		return m.ref.Start(ctx, c)
	}
	return harness.Outcome{Surface: m.name, ExitCode: 1, Exited: true,
		Stderr: "Traceback (most recent call last):\n  File \"adapter.py\", line 4\nModuleNotFoundError: No module named 'sdk'\n"}, nil
}

// unstartable is a surface whose program cannot be executed.
type unstartable struct{ name string }

func (u unstartable) Name() string { return u.name }
func (u unstartable) Start(context.Context, harness.Case) (harness.Outcome, error) {
	return harness.Outcome{}, fmt.Errorf("subject.yaml: %s: %w: cannot execute %q: no such file or directory", u.name, harness.ErrNotStarted, "./adapter")
}

// TestRunNotStarted: a surface whose process exits before speaking the
// protocol on every case, or whose program cannot be executed, is one
// harness.NotStarted (with its stderr and how it ended), not a violation
// per case; a surface that speaks on one case at least is judged as usual.
func TestRunNotStarted(t *testing.T) {
	all, err := scenarios.Select(nil)
	if err != nil {
		t.Fatal(err)
	}
	ref := reference.Subject("reference", reference.Options{})
	defer ref.Close()
	sub := &harness.Subject{Name: "broken", Profile: ref.Profile, Surfaces: map[string]harness.Surface{
		harness.Oneshot: mute{name: harness.Oneshot},
		harness.Gateway: unstartable{name: harness.Gateway},
		// Crashes on SF-8 alone: a contract failure, not a start-up one.
		harness.CLI: mute{name: harness.CLI, only: map[string]bool{"SF-8": true}, ref: ref.Surfaces[harness.CLI]},
	}}
	rep, err := gate.Run(context.Background(), gate.Config{Subject: sub, Scenarios: all, Seed: 3})
	var ns *harness.NotStartedError
	if !errors.As(err, &ns) || !errors.Is(err, harness.ErrNotStarted) {
		t.Fatalf("Run: %v; want a *harness.NotStartedError", err)
	}
	if rep == nil || len(rep.Results) != 27 {
		t.Fatalf("the report must come with the error, every case in it")
	}
	if len(ns.Surfaces) != 2 || ns.Surfaces[0].Surface != harness.Oneshot || ns.Surfaces[1].Surface != harness.Gateway {
		t.Fatalf("not started: %+v; want oneshot and gateway, not cli", ns.Surfaces)
	}
	one, gw := ns.Surfaces[0], ns.Surfaces[1]
	if one.Cases != 9 || !strings.Contains(one.Reason, "exited with code 1 before speaking the protocol, on each of its 9 case(s)") ||
		!strings.Contains(one.Stderr, "ModuleNotFoundError") {
		t.Errorf("oneshot: %+v", one)
	}
	if !strings.HasPrefix(gw.Reason, "cannot execute \"./adapter\"") || strings.Contains(gw.Reason, "SF-") {
		t.Errorf("gateway reason %q; want the execution error, once, without a case", gw.Reason)
	}
	if !strings.Contains(err.Error(), "subject broken could not be started: oneshot: exited with code 1") {
		t.Errorf("error %q", err)
	}
	for _, r := range rep.Results {
		if r.Surface == harness.CLI && r.Scenario != "SF-8" && r.Status != harness.StatusPass {
			t.Errorf("%s/%s: %s %v; the cli speaks on every other case", r.Scenario, r.Surface, r.Status, r.Violations)
		}
	}
}

// TestRunNotStartedSpares: a bad-usage case exits 2 before any resolve as
// it must; a surface that does only that is no start-up failure, and a
// process the harness killed (no Exited) is judged as usual.
func TestRunNotStartedSpares(t *testing.T) {
	sc := checkScenario(t, "SF-7", providerWithoutModel)
	sub := &harness.Subject{Name: "usage", Profile: referenceSubject(t, reference.Options{}).Profile, Surfaces: map[string]harness.Surface{
		harness.Oneshot: exitsWith{code: harness.ExitUsage, exited: true},
		harness.CLI:     exitsWith{code: -1}, // killed at the timeout: judged, not "not started"
	}}
	rep, err := gate.Run(context.Background(), gate.Config{Subject: sub, Scenarios: []harness.Scenario{sc, checkScenario(t, "SF-1", nil)}, Surfaces: []string{harness.Oneshot}, Seed: 1})
	if !errors.Is(err, harness.ErrNotStarted) {
		t.Fatalf("Run on oneshot: %v; want not started (SF-1 is silent too)", err)
	}
	rep, err = gate.Run(context.Background(), gate.Config{Subject: sub, Scenarios: []harness.Scenario{sc}, Surfaces: []string{harness.Oneshot}, Seed: 1})
	if err != nil || rep.Results[0].Status != harness.StatusPass {
		t.Fatalf("bad usage alone: %v, %+v; want a pass", err, rep.Results)
	}
	rep, err = gate.Run(context.Background(), gate.Config{Subject: sub, Scenarios: []harness.Scenario{checkScenario(t, "SF-1", nil)}, Surfaces: []string{harness.CLI}, Seed: 1})
	if err != nil || rep.Results[0].Status != harness.StatusFail {
		t.Fatalf("killed process: %v, %+v; want a judged failure", err, rep.Results)
	}
}

// exitsWith exits with code and says nothing.
type exitsWith struct {
	code   int
	exited bool
}

func (e exitsWith) Name() string { return "" }
func (e exitsWith) Start(_ context.Context, c harness.Case) (harness.Outcome, error) {
	return harness.Outcome{Surface: c.Surface, ExitCode: e.code, Exited: e.exited}, nil
}
