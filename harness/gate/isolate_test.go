package gate_test

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/fallbackgate/fallbackgate/harness"
	"github.com/fallbackgate/fallbackgate/harness/exec"
	"github.com/fallbackgate/fallbackgate/harness/gate"
	"github.com/fallbackgate/fallbackgate/scenarios"
)

// testBinarySubject is the subject whose gateway is this test binary in
// one of the modes of subject_test.go.
func testBinarySubject(t *testing.T, mode string) *harness.Subject {
	t.Helper()
	m := &exec.Manifest{
		Name:     "test-" + mode,
		Timeout:  10 * time.Second,
		Surfaces: map[string][]string{harness.Gateway: {os.Args[0]}},
		Env:      map[string]string{envTestSubject: mode, "GORACE": "atexit_sleep_ms=0"},
	}
	sub, err := exec.Subject(m, "--subject x.yaml", exec.ScratchRoot(t.TempDir()))
	if err != nil {
		t.Fatal(err)
	}
	return sub
}

func selectScenarios(t *testing.T, ids ...string) []harness.Scenario {
	t.Helper()
	scs, err := scenarios.Select(ids)
	if err != nil {
		t.Fatal(err)
	}
	return scs
}

// TestRunIsolatesGatewayCulprit: a gateway that dies on a failed start-up
// takes the cases in flight with it. The run re-runs each of them alone on
// a fresh gateway: the cases whose start-up fails kill it again and fail
// with R17 and a reproduce command that reproduces; the others pass.
func TestRunIsolatesGatewayCulprit(t *testing.T) {
	sub := testBinarySubject(t, "reference-gateway-dies")
	rep := mustRun(t, gate.Config{Subject: sub, Scenarios: selectScenarios(t, "SF-1", "SF-2", "SF-3", "SF-4", "SF-6", "SF-8"),
		Surfaces: []string{harness.Gateway}, Seed: 5})
	if err := sub.Close(); err == nil || !strings.Contains(err.Error(), "gateway crashed") {
		t.Errorf("Close = %v; want the first gateway's crash", err)
	}
	culprits := map[string]bool{"SF-4": true, "SF-8": true}
	for _, r := range rep.Results {
		if !culprits[r.Scenario] {
			if r.Status != harness.StatusPass {
				t.Errorf("%s: %s %v; want pass: it only suffered the death of a gateway another case killed", r.Scenario, r.Status, r.Violations)
			}
			continue
		}
		if r.Status != harness.StatusFail || !strings.Contains(r.Violations.Error(), "R17: alone on a fresh gateway this case kills it again") {
			t.Errorf("%s: %s\n%v\nwant a failure attributed by the run alone", r.Scenario, r.Status, r.Violations)
		}
		if !strings.Contains(r.Outcome.Failure, "(cases in flight: "+r.Scenario+"/gateway)") {
			t.Errorf("%s: failure %q; want it to name the case in flight", r.Scenario, r.Outcome.Failure)
		}
		if want := "fallbackgate run --subject x.yaml --scenario " + r.Scenario + " --surface gateway --seed 5"; r.Repro != want {
			t.Errorf("%s: repro %q; want %q", r.Scenario, r.Repro, want)
		}
	}
}

// TestRunGatewayDeathTogether: a gateway that dies on its second request
// kills no fresh gateway alone. The cases it failed keep the failure, say
// so, and get one reproduce command that runs them together.
func TestRunGatewayDeathTogether(t *testing.T) {
	sub := testBinarySubject(t, "gateway-die")
	t.Cleanup(func() { _ = sub.Close() })
	rep := mustRun(t, gate.Config{Subject: sub, Scenarios: selectScenarios(t, "SF-1", "SF-2", "SF-3"),
		Surfaces: []string{harness.Gateway}, Seed: 5, Parallel: 1})
	var dead []harness.Result
	for _, r := range rep.Results {
		if strings.Contains(r.Outcome.Failure, "gateway crashed") {
			dead = append(dead, r)
		}
	}
	// Parallel 1: the first request is answered, the second kills the
	// gateway while in flight, the third is never sent.
	if len(dead) != 2 {
		t.Fatalf("%d case(s) failed by the death; want 2:\n%v", len(dead), rep.Results)
	}
	want := "fallbackgate run --subject x.yaml --scenario " + dead[0].Scenario + "," + dead[1].Scenario + " --surface gateway --seed 5"
	sent, unsent := 0, 0
	for _, r := range dead {
		if r.Repro != want {
			t.Errorf("%s: repro %q; want %q", r.Scenario, r.Repro, want)
		}
		if !strings.Contains(r.Violations.Error(), "R17: alone on a fresh gateway this case does not kill it") {
			t.Errorf("%s: violations\n%v\nwant the note that it takes the cases together", r.Scenario, r.Violations)
		}
		switch {
		case strings.HasPrefix(r.Outcome.Failure, "not sent: the gateway had already died: "):
			unsent++
		case strings.Contains(r.Outcome.Failure, "(cases in flight: "+r.Scenario+"/gateway)"):
			sent++
		}
	}
	if sent != 1 || unsent != 1 {
		t.Errorf("%d in flight, %d not sent; want 1 and 1:\n%s\n%s", sent, unsent, dead[0].Outcome.Failure, dead[1].Outcome.Failure)
	}
}
