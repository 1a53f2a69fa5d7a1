package harness_test

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/fallbackgate/fallbackgate/harness"
	"github.com/fallbackgate/fallbackgate/scenarios"
)

func replayV66(t *testing.T, cfg harness.ReplayConfig) (*harness.Replay, string) {
	t.Helper()
	inc, err := scenarios.Incident("v6.6")
	if err != nil {
		t.Fatal(err)
	}
	rep, err := harness.ReplayIncident(context.Background(), inc, cfg)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := harness.WriteReplay(&out, rep); err != nil {
		t.Fatal(err)
	}
	return rep, out.String()
}

// TestReplayV66 reproduces INC-v6.6 on the pre-fix start-up and shows the
// contract holding, for several seeds: the seed moves the workers (jitter)
// and the secrets, never the verdicts.
func TestReplayV66(t *testing.T) {
	for _, seed := range []int64{1, 2, 42} {
		rep, out := replayV66(t, harness.ReplayConfig{Seed: seed})
		if want := "incident reproduced: 12 of 12 workers after t=1m50s exited 1"; rep.PreFix.Verdict != want || !rep.PreFix.OK {
			t.Errorf("seed %d: pre-fix verdict %q (ok %t); want %q", seed, rep.PreFix.Verdict, rep.PreFix.OK, want)
		}
		if want := "0 crashes; 12 workers landed on openai-codex/gpt-5.5 with remaining [xai-oauth/grok-4.3]"; rep.Fixed.Verdict != want || !rep.Fixed.OK {
			t.Errorf("seed %d: contract verdict %q (ok %t); want %q", seed, rep.Fixed.Verdict, rep.Fixed.OK, want)
		}
		if n := len(rep.PreFix.Timeline.Alerts()); n != 0 {
			t.Errorf("seed %d: the pre-fix heartbeat raised %d alerts; it emits no fallback events to count", seed, n)
		}
		if len(rep.Fixed.Timeline.Alerts()) == 0 {
			t.Errorf("seed %d: the heartbeat never raised the constantly failing primary", seed)
		}
		for _, want := range []string{"TICK", "WORKER", "LANDED / ERROR", "EXIT", "FALLBACKS",
			"xai-oauth xai_auth_missing_access_token", "ALERT primary failing constantly: 4 of 4 start-ups fell back"} {
			if !strings.Contains(out, want) {
				t.Errorf("seed %d: the replay does not show %q:\n%s", seed, want, out)
			}
		}
	}
}

// TestReplayIsByteIdentical: the same seed prints the same bytes.
func TestReplayIsByteIdentical(t *testing.T) {
	_, a := replayV66(t, harness.ReplayConfig{Seed: 7})
	_, b := replayV66(t, harness.ReplayConfig{Seed: 7})
	if a != b {
		t.Errorf("two replays with seed 7 differ:\n%s\n---\n%s", a, b)
	}
	if _, c := replayV66(t, harness.ReplayConfig{Seed: 8}); c == a {
		t.Errorf("seeds 7 and 8 printed the same replay; the seed moves nothing")
	}
}

// TestReplaySubjectOnLoopback runs the contract side through a subject's
// oneshot surface on loopback fakes: the path --subject takes. A mutant as
// the subject must fail the verdict.
func TestReplaySubjectOnLoopback(t *testing.T) {
	rep, _ := replayV66(t, harness.ReplayConfig{Seed: 1, SubjectName: "reference",
		Subject: harness.NewReference(harness.Oneshot, nil, harness.Options{})})
	if !rep.Fixed.OK || rep.Fixed.Label != "subject reference" {
		t.Errorf("reference on loopback: %s: %s (ok %t)", rep.Fixed.Label, rep.Fixed.Verdict, rep.Fixed.OK)
	}
	for _, name := range []string{"ignores-chain", "no-fallback-event", "hands-whole-chain"} {
		m, err := harness.MutantByName(name)
		if err != nil {
			t.Fatal(err)
		}
		rep, _ := replayV66(t, harness.ReplayConfig{Seed: 1, SubjectName: name,
			Subject: harness.NewReference(harness.Oneshot, nil, m.Options)})
		if rep.Fixed.OK {
			t.Errorf("mutant %s as the subject passed the replay: %s", name, rep.Fixed.Verdict)
		}
	}
}

// TestReplayNeverWaits runs the in-process replay in a synctest bubble: the
// bubble's clock only moves when every goroutine is blocked on time, so a
// replay that slept or waited on a timer would show elapsed time. Sixteen
// workers over eight virtual minutes take no time at all.
func TestReplayNeverWaits(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		start := time.Now()
		rep, _ := replayV66(t, harness.ReplayConfig{Seed: 1})
		if !rep.PreFix.OK || !rep.Fixed.OK {
			t.Errorf("verdicts: %s / %s", rep.PreFix.Verdict, rep.Fixed.Verdict)
		}
		if d := time.Since(start); d != 0 {
			t.Errorf("the replay waited %s of the bubble's clock; it must only advance its virtual clock", d)
		}
	})
}
