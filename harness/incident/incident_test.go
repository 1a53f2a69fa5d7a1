package incident_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/fallbackgate/fallbackgate/harness/incident"
	"github.com/fallbackgate/fallbackgate/harness/reference"
	"github.com/fallbackgate/fallbackgate/scenarios"
)

func v66(t *testing.T) incident.Incident {
	t.Helper()
	inc, err := scenarios.Incident("v6.6")
	if err != nil {
		t.Fatal(err)
	}
	return inc
}

func replayV66(t *testing.T, cfg incident.ReplayConfig) (*incident.Replay, string) {
	t.Helper()
	return replayText(t, v66(t), cfg)
}

// TestReplayV66 reproduces INC-v6.6 on the pre-fix start-up and shows the
// contract holding, for several seeds: the seed moves the workers (jitter)
// and the secrets, never the verdicts.
func TestReplayV66(t *testing.T) {
	for _, seed := range []int64{1, 2, 42} {
		rep, out := replayV66(t, incident.ReplayConfig{Seed: seed})
		if want := []string{"ok every worker started at or after t=1m50s exits non-zero: 12 of 12"}; !slices.Equal(checkLines(rep.PreFix), want) || !rep.PreFix.OK {
			t.Errorf("seed %d: pre-fix checks %q (ok %t); want %q", seed, checkLines(rep.PreFix), rep.PreFix.OK, want)
		}
		if want := []string{
			"ok no worker crashes (exit other than 0 and 75, or a process failure): 0 of 16 crashed",
			"ok no worker breaks the contract as the model judges it: 0 of 16 did",
			"ok every worker started at or after t=1m50s lands on openai-codex/gpt-5.5 with remaining [xai-oauth/grok-4.3]: 12 of 12",
			"ok the heartbeat raises an alert by t=8m0s: first at t=4m0s",
		}; !slices.Equal(checkLines(rep.Fixed), want) || !rep.Fixed.OK || rep.Fixed.Verdict != "the contract holds: 4 of 4 assertions held" {
			t.Errorf("seed %d: contract %q, checks %q (ok %t); want %q", seed, rep.Fixed.Verdict, checkLines(rep.Fixed), rep.Fixed.OK, want)
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

// checkLines are a side's checks as "ok TEXT" or "FAIL TEXT".
func checkLines(side incident.ReplaySide) []string {
	var out []string
	for _, c := range side.Checks {
		mark := "ok "
		if !c.Held {
			mark = "FAIL "
		}
		out = append(out, mark+c.Text)
	}
	return out
}

// TestReplayJudgesEveryWorker: each worker of the replay is a case judged
// against the model. On the contract's side no worker breaks a rule; on
// the pre-fix side every worker that starts after the vanish breaks R9
// (the chain was not walked at start-up) and every worker before it, on a
// healthy primary, conforms: the pre-fix bug shows only when the primary
// fails.
func TestReplayJudgesEveryWorker(t *testing.T) {
	inc := v66(t)
	for _, seed := range []int64{1, 2, 42} {
		rep, err := incident.ReplayIncident(context.Background(), inc, incident.ReplayConfig{Seed: seed})
		if err != nil {
			t.Fatal(err)
		}
		fixed := rep.Fixed.Timeline.Workers()
		if len(fixed) < inc.Dispatcher.Workers {
			t.Fatalf("seed %d: the contract side ran %d workers; want at least %d", seed, len(fixed), inc.Dispatcher.Workers)
		}
		for _, l := range fixed {
			if vs := l.Result.Violations; len(vs) > 0 {
				t.Errorf("seed %d: contract side, worker %d.%d at %s broke the contract: %v", seed, l.Job.ID, l.Job.Attempt, l.At, vs)
			}
		}
		after := 0
		for _, l := range rep.PreFix.Timeline.Workers() {
			vs := l.Result.Violations
			if l.At < inc.VanishesAt {
				if len(vs) > 0 {
					t.Errorf("seed %d: pre-fix worker %d at %s, before the vanish, has violations %v; want none", seed, l.Job.ID, l.At, vs)
				}
				continue
			}
			after++
			if !slices.Contains(vs.Rules(), "R9") {
				t.Errorf("seed %d: pre-fix worker %d at %s, after the vanish, has violations %v; want one citing R9", seed, l.Job.ID, l.At, vs)
			}
		}
		if after == 0 {
			t.Errorf("seed %d: no pre-fix worker started after the vanish at %s", seed, inc.VanishesAt)
		}
	}
}

// TestReplayIsByteIdentical: the same seed prints the same bytes.
func TestReplayIsByteIdentical(t *testing.T) {
	_, a := replayV66(t, incident.ReplayConfig{Seed: 7})
	_, b := replayV66(t, incident.ReplayConfig{Seed: 7})
	if a != b {
		t.Errorf("two replays with seed 7 differ:\n%s\n---\n%s", a, b)
	}
	if _, c := replayV66(t, incident.ReplayConfig{Seed: 8}); c == a {
		t.Errorf("seeds 7 and 8 printed the same replay; the seed moves nothing")
	}
}

// TestReplaySubjectOnLoopback runs the contract side through a subject's
// oneshot surface on loopback fakes: the path --subject takes. A mutant as
// the subject must fail the verdict.
func TestReplaySubjectOnLoopback(t *testing.T) {
	sub := reference.Subject("reference", reference.Options{})
	defer sub.Close()
	rep, _ := replayV66(t, incident.ReplayConfig{Seed: 1, Subject: sub})
	if !rep.Fixed.OK || rep.Fixed.Label != "subject reference" {
		t.Errorf("reference on loopback: %s: %s (ok %t)", rep.Fixed.Label, rep.Fixed.Verdict, rep.Fixed.OK)
	}
	for _, name := range []string{"ignores-chain", "no-fallback-event", "hands-whole-chain"} {
		m, err := reference.MutantByName(name)
		if err != nil {
			t.Fatal(err)
		}
		sub := reference.Subject("mutant "+name, m.Options)
		rep, _ := replayV66(t, incident.ReplayConfig{Seed: 1, Subject: sub, Label: name})
		sub.Close()
		if rep.Fixed.OK {
			t.Errorf("mutant %s as the subject passed the replay: %s", name, rep.Fixed.Verdict)
		}
		if rep.Fixed.Label != "subject "+name {
			t.Errorf("mutant %s: side labelled %q; want %q", name, rep.Fixed.Label, "subject "+name)
		}
		broke := 0
		for _, l := range rep.Fixed.Timeline.Workers() {
			if slices.Contains(l.Result.Violations.Rules(), m.Rule) {
				broke++
			}
		}
		if broke == 0 {
			t.Errorf("mutant %s: no worker was judged to break %s", name, m.Rule)
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
		rep, _ := replayV66(t, incident.ReplayConfig{Seed: 1})
		if !rep.PreFix.OK || !rep.Fixed.OK {
			t.Errorf("verdicts: %s / %s", rep.PreFix.Verdict, rep.Fixed.Verdict)
		}
		if d := time.Since(start); d != 0 {
			t.Errorf("the replay waited %s of the bubble's clock; it must only advance its virtual clock", d)
		}
	})
}

// TestParseIncident: the replay file parses as written.
func TestParseIncident(t *testing.T) {
	inc := v66(t)
	if inc.ID != "INC-v6.6" || inc.VanishesAt != 110*time.Second || inc.Dispatcher.Workers != 16 || inc.PreFix != "ignores-chain" ||
		len(inc.Reproduced) != 1 || len(inc.Holds) != 4 || inc.Story == "" {
		t.Errorf("v6.6 read as %+v", inc)
	}
}
