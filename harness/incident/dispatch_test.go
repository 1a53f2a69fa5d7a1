package incident_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/fallbackgate/fallbackgate/fakes"
	"github.com/fallbackgate/fallbackgate/harness"
	"github.com/fallbackgate/fallbackgate/harness/incident"
)

var epoch = harness.Epoch

// scripted is a worker that answers from a script keyed by "job.attempt"
// and records the virtual time of every start.
type scripted struct {
	clock  *fakes.ManualClock
	script map[string]incident.WorkerResult
	starts []string
}

func (s *scripted) run(_ context.Context, j incident.Job) (incident.WorkerResult, error) {
	key := fmt.Sprintf("%d.%d", j.ID, j.Attempt)
	s.starts = append(s.starts, fmt.Sprintf("%s@%s", key, s.clock.Now().Sub(epoch)))
	if r, ok := s.script[key]; ok {
		return r, nil
	}
	return incident.WorkerResult{Exit: 0, Provider: "xai-oauth", Model: "grok-4.3"}, nil
}

func fellBack() incident.WorkerResult {
	return incident.WorkerResult{Exit: 0, Provider: "openai-codex", Model: "gpt-5.5", FellBack: true}
}

func TestDispatcherRequeuesRateLimitAfterRetryAfter(t *testing.T) {
	clock := fakes.NewManualClock(epoch)
	w := &scripted{clock: clock, script: map[string]incident.WorkerResult{
		"1.1": {Exit: harness.ExitRateLimited, Error: "openai-codex codex_rate_limited", RetryAfter: 45 * time.Second},
		"2.1": {Exit: harness.ExitFailure, Error: "xai-oauth xai_auth_missing_access_token"},
		// 75 without a Retry-After: the default delay, until attempts run out.
		"3.1": {Exit: harness.ExitRateLimited},
		"3.2": {Exit: harness.ExitRateLimited},
		"3.3": {Exit: harness.ExitRateLimited},
	}}
	d := &incident.Dispatcher{Clock: clock, Worker: w.run, Jobs: 3, Every: 10 * time.Second}
	tl, err := d.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	wantStarts := []string{"1.1@0s", "2.1@10s", "3.1@20s", "1.2@45s", "3.2@50s", "3.3@1m20s"}
	if diff := cmp.Diff(wantStarts, w.starts); diff != "" {
		t.Errorf("worker starts on the virtual clock (-want +got):\n%s", diff)
	}
	var fates []string
	for _, r := range tl.Workers() {
		f := fmt.Sprintf("%d.%d %s", r.Job.ID, r.Job.Attempt, r.Fate)
		if r.Fate == incident.FateRequeued {
			f += fmt.Sprintf(" for %s", r.RequeueAt)
		}
		fates = append(fates, f)
	}
	wantFates := []string{"1.1 requeued for 45s", "2.1 failed", "3.1 requeued for 50s", "1.2 done", "3.2 requeued for 1m20s", "3.3 failed"}
	if diff := cmp.Diff(wantFates, fates); diff != "" {
		t.Errorf("fates (-want +got):\n%s", diff)
	}
	if tl.Done != 1 || tl.Failed != 2 || tl.Requeued != 3 {
		t.Errorf("done %d, failed %d, requeued %d; want 1, 2, 3", tl.Done, tl.Failed, tl.Requeued)
	}
	if got := clock.Now().Sub(epoch); got != 80*time.Second {
		t.Errorf("clock at %s after the run; want 1m20s (the last start), no heartbeat configured", got)
	}
}

func TestDispatcherHeartbeatRaisesConstantFallbacks(t *testing.T) {
	clock := fakes.NewManualClock(epoch)
	// Jobs 1-3 land on the primary, 4-8 fall back: windows of 1m hold two
	// start-ups each (every 30s).
	script := map[string]incident.WorkerResult{}
	for j := 4; j <= 8; j++ {
		script[fmt.Sprintf("%d.1", j)] = fellBack()
	}
	w := &scripted{clock: clock, script: script}
	d := &incident.Dispatcher{Clock: clock, Worker: w.run, Jobs: 8, Every: 30 * time.Second,
		Heartbeat: incident.Heartbeat{Window: time.Minute, Threshold: 2}}
	tl, err := d.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var beats []string
	for _, r := range tl.Lines {
		if r.Kind == incident.LineHeartbeat {
			beats = append(beats, fmt.Sprintf("%s %d/%d %q", r.At, r.WindowFallbacks, r.Startups, r.Alert))
		}
	}
	want := []string{
		`1m0s 0/2 ""`, // jobs at 0s, 30s; the job due at 1m0s starts after the beat
		`2m0s 1/2 ""`, // 1m0s, 1m30s: job 4 fell back
		`3m0s 2/2 "primary failing constantly: 2 of 2 start-ups fell back"`,
		`4m0s 2/2 "primary failing constantly: 2 of 2 start-ups fell back"`, // the last beat, after the last job
	}
	if diff := cmp.Diff(want, beats); diff != "" {
		t.Errorf("heartbeats (-want +got):\n%s", diff)
	}
	if n := len(tl.Alerts()); n != 2 {
		t.Errorf("%d alerts; want 2", n)
	}
	if last := tl.Lines[len(tl.Lines)-1]; last.Fallbacks != 5 {
		t.Errorf("fallbacks so far at the end: %d; want 5", last.Fallbacks)
	}
}

func TestDispatcherJitterIsSeeded(t *testing.T) {
	starts := func(seed uint64) []string {
		clock := fakes.NewManualClock(epoch)
		w := &scripted{clock: clock}
		d := &incident.Dispatcher{Clock: clock, Worker: w.run, Jobs: 6, Every: 30 * time.Second, Jitter: 10 * time.Second,
			Rand: newRand(seed)}
		if _, err := d.Run(context.Background()); err != nil {
			t.Fatal(err)
		}
		return w.starts
	}
	a, b := starts(7), starts(7)
	if diff := cmp.Diff(a, b); diff != "" {
		t.Errorf("same seed, different schedule (-first +second):\n%s", diff)
	}
	if cmp.Equal(a, starts(8)) {
		t.Errorf("seeds 7 and 8 drew the same jitter for 6 jobs: %v", a)
	}
}

func TestDispatcherStopsOnHarnessError(t *testing.T) {
	clock := fakes.NewManualClock(epoch)
	d := &incident.Dispatcher{Clock: clock, Jobs: 2, Every: time.Second,
		Worker: func(context.Context, incident.Job) (incident.WorkerResult, error) {
			return incident.WorkerResult{}, fmt.Errorf("scratch folder: disk full")
		}}
	if _, err := d.Run(context.Background()); err == nil {
		t.Fatal("Run succeeded although the worker could not start")
	}
}

func newRand(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, 0)) }
