package harness_test

import (
	"bytes"
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/fallbackgate/fallbackgate/harness"
)

func chaos(t *testing.T, cfg harness.ChaosConfig) (*harness.ChaosReport, []byte) {
	t.Helper()
	var hist bytes.Buffer
	cfg.History = &hist
	rep, err := harness.Chaos(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	return rep, hist.Bytes()
}

// TestChaosReference: the in-process reference survives a chaos schedule
// on both surfaces, the run injected faults, and the history re-checks
// clean offline.
func TestChaosReference(t *testing.T) {
	for _, surf := range []string{harness.Gateway, harness.Oneshot} {
		t.Run(surf, func(t *testing.T) {
			rep, hist := chaos(t, harness.ChaosConfig{Surface: surf, Sessions: 8, Turns: 15, Seed: 4, Hang: true})
			if !rep.OK() {
				t.Fatalf("chaos on the reference's %s: %d failed, faults %v:\n%s", surf, rep.Failed, rep.Faults, problemLines(rep.Problems))
			}
			if rep.Startups != 8*15 || rep.Changes == 0 || rep.FellBack == 0 || rep.Pinned == 0 {
				t.Errorf("report %+v: want 120 start-ups, fleet changes, fallbacks and pinned start-ups", rep)
			}
			hr, err := harness.CheckHistory(context.Background(), bytes.NewReader(hist))
			if err != nil {
				t.Fatal(err)
			}
			if !hr.OK() || hr.Startups != rep.Startups {
				t.Errorf("CheckHistory: %d start-ups, problems:\n%s", hr.Startups, problemLines(hr.Problems))
			}
		})
	}
}

// TestChaosSameSeed: in-process chaos on virtual time writes the same
// history byte for byte for the same seed, and a different one for another.
func TestChaosSameSeed(t *testing.T) {
	cfg := harness.ChaosConfig{Surface: harness.Gateway, Sessions: 16, Turns: 10, Seed: 9, Hang: true}
	_, a := chaos(t, cfg)
	_, b := chaos(t, cfg)
	if !bytes.Equal(a, b) {
		t.Fatalf("two chaos runs with seed 9 wrote different histories (%d and %d bytes)", len(a), len(b))
	}
	cfg.Seed = 10
	if _, c := chaos(t, cfg); bytes.Equal(a, c) {
		t.Error("seeds 9 and 10 wrote the same history")
	}
}

// TestChaosCatchesMutant: a gateway that walks past a 429 fails chaos with
// R7, and the offline check of its history finds the same.
func TestChaosCatchesMutant(t *testing.T) {
	rep, hist := chaos(t, harness.ChaosConfig{Surface: harness.Gateway, Sessions: 8, Turns: 20, Seed: 4,
		Options: harness.Options{Decide: walksOnRateLimit}})
	if rep.OK() || !slices.ContainsFunc(rep.Problems, func(p harness.Problem) bool {
		return p.Startup != "" && p.Rule == "R7" && strings.HasPrefix(p.Message, "quota amplification")
	}) {
		t.Fatalf("chaos passed a gateway that walks past a 429 (%d start-ups, faults %v)", rep.Startups, rep.Faults)
	}
	hr, err := harness.CheckHistory(context.Background(), bytes.NewReader(hist))
	if err != nil {
		t.Fatal(err)
	}
	if hr.OK() || hr.Failed != rep.Failed {
		t.Errorf("CheckHistory found %d failed start-ups; the run found %d", hr.Failed, rep.Failed)
	}
	if diff := cmp.Diff(rep.Problems, hr.Problems); diff != "" {
		t.Errorf("CheckHistory reports other problems than the run (-run +check):\n%s", diff)
	}
	sc, data, err := harness.ChaosCounterexample(context.Background(), rep)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := harness.ParseScenario(sc.ID+".yaml", data); err != nil {
		t.Errorf("chaos counterexample does not parse: %v", err)
	}
}

// TestCheckHistoryVacuous: a history whose calls met no fault fails.
func TestCheckHistoryVacuous(t *testing.T) {
	hist := `{"kind":"run","at_ns":0,"run":{"subject":"x","profile":"strict","surface":"oneshot","sessions":1,"turns":1,"seed":1,"in_process":true,"request_timeout_ns":20000000}}
{"kind":"startup","at_ns":0,"startup":{"id":"t0/s0","session":0,"turn":0,"config":{"model":{"provider":"xai-oauth","default":"grok-4.3"},"fallback_providers":[]},"pin":{"model":"","provider":""},"faults":{"xai-oauth":"ok"},"exit_code":0,"stdout":"reply from xai-oauth/grok-4.3","events":[{"event":"started","provider":"xai-oauth","model":"grok-4.3","landed_at":-1,"remaining":[]}],"calls":[{"seq":1,"provider":"xai-oauth","endpoint":"resolve","at_ns":0,"model":"grok-4.3","status":200,"outcome":"ok","fault":"ok"},{"seq":2,"provider":"xai-oauth","endpoint":"completions","at_ns":0,"model":"grok-4.3","status":200,"outcome":"ok","fault":"ok"}],"expected":{"exit":0},"verdict":"pass"}}
`
	hr, err := harness.CheckHistory(context.Background(), strings.NewReader(hist))
	if err != nil {
		t.Fatal(err)
	}
	if hr.Startups != 1 || len(hr.Problems) != 1 || hr.Problems[0].Rule != harness.RuleVacuous {
		t.Fatalf("CheckHistory of a fault-free history: %d start-ups, problems %q; want exactly the vacuous one", hr.Startups, hr.Problems)
	}
	if _, err := harness.CheckHistory(context.Background(), strings.NewReader(`{"kind":"startup"}`)); err == nil {
		t.Error("a history without a run line was accepted")
	}
}

// problemLines lists problems one per line, for a failure message.
func problemLines(ps []harness.Problem) string {
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
	rep, hist := chaos(t, harness.ChaosConfig{Surface: harness.Gateway, Sessions: 4, Turns: 10, Seed: 4,
		Options: harness.Options{GatewayDiesOnFailure: true}})
	if !slices.ContainsFunc(rep.Problems, func(p harness.Problem) bool { return p.Rule == "R17" }) {
		t.Fatalf("chaos passed a gateway that dies on a failed start-up:\n%s", problemLines(rep.Problems))
	}
	hr, err := harness.CheckHistory(context.Background(), bytes.NewReader(hist))
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
