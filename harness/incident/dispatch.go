package incident

import (
	"cmp"
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/fallbackgate/fallbackgate/fakes"
	"github.com/fallbackgate/fallbackgate/harness"
)

// This file is the dispatcher loop of the seed PR's world (PR 9 with #5 and
// #7): it starts oneshot workers one after another, requeues a worker that
// exits 75 after the rate limit's Retry-After, counts a worker that exits 1
// as failed, and runs a heartbeat that counts fallbacks per window and
// raises "primary failing constantly" when a threshold is passed. It runs on
// a virtual clock: it never waits, it advances the clock to the next event.

// VirtualClock is the dispatcher's clock. *fakes.ManualClock is one; the
// fakes read the same clock, so a plan's "until" steps and the dispatcher's
// schedule share one timeline.
type VirtualClock interface {
	Now() time.Time
	Advance(d time.Duration) time.Time
}

// Job is one start of a worker: the job's number (from 1) and its attempt
// (from 1; a requeued job starts again with the next attempt).
type Job struct {
	ID      int
	Attempt int
}

// WorkerResult is what one worker process did, as the dispatcher sees it.
type WorkerResult struct {
	// Exit is the worker's exit code.
	Exit int
	// Provider and Model are where the start-up landed; empty when it
	// failed.
	Provider, Model string
	// Remaining is the chain handed to the runtime.
	Remaining []string
	// FellBack is set when the worker emitted a fallback event.
	FellBack bool
	// Error is the surfaced error, "provider code" or "other: message".
	Error string
	// RetryAfter is the rate limit's Retry-After of a worker that exited
	// 75; zero when it gave none.
	RetryAfter time.Duration
	// Failure is set when the worker did not behave as a process should
	// (timeout, crash, protocol violation).
	Failure string
	// Violations are the contract rules the worker broke, as the model
	// judged its start-up.
	Violations harness.Violations
	// Ledger is every request the worker's fakes received, in order.
	Ledger []fakes.Call
}

// Worker runs one worker to its exit. The error is for failures of the
// harness itself.
type Worker func(ctx context.Context, job Job) (WorkerResult, error)

// Heartbeat is the dispatcher's fallback counter: every Window of virtual
// time it looks at the start-ups of the window just ended and raises an alert when at
// least Threshold of them fell back. A zero Window or Threshold disables it.
type Heartbeat struct {
	Window    time.Duration `yaml:"window"`
	Threshold int           `yaml:"threshold"`
}

// Dispatcher starts Jobs workers, one every Every plus a jitter below Jitter
// drawn from Rand, and runs them one after another on Clock.
type Dispatcher struct {
	Clock  VirtualClock
	Worker Worker
	Jobs   int
	Every  time.Duration
	Jitter time.Duration
	// Rand draws the jitter; nil means no jitter.
	Rand *rand.Rand
	// MaxAttempts bounds the starts of one job; 0 means 3.
	MaxAttempts int
	// RequeueDelay is the delay of a requeue when the rate limit gave no
	// Retry-After; 0 means 30s.
	RequeueDelay time.Duration
	Heartbeat    Heartbeat
}

// The kinds of a timeline Line.
const (
	LineWorker    = "worker"
	LineHeartbeat = "heartbeat"
)

// The fates of a worker start in a Line.
const (
	FateDone     = "done"
	FateRequeued = "requeued"
	FateFailed   = "failed"
)

// Line is one line of a dispatcher timeline: a worker start or a heartbeat.
type Line struct {
	// At is the offset from the dispatcher's start on its clock.
	At   time.Duration
	Kind string
	// Job and Result are set for a worker row.
	Job    Job
	Result WorkerResult
	// Fate is what the dispatcher did with the worker: done, requeued or
	// failed; RequeueAt is when a requeued job starts again.
	Fate      string
	RequeueAt time.Duration
	// Fallbacks is the number of fallback events so far, this row's
	// included.
	Fallbacks int
	// Startups and WindowFallbacks are a heartbeat's counts over its
	// window; Alert is its alert, empty when under the threshold.
	Startups, WindowFallbacks int
	Alert                     string
}

// Timeline is everything a dispatcher run did, in virtual-time order.
type Timeline struct {
	Lines []Line
	// Done, Failed and Requeued count worker starts by fate.
	Done, Failed, Requeued int
}

// Alerts returns the heartbeat rows that raised an alert.
func (t *Timeline) Alerts() []Line {
	var out []Line
	for _, r := range t.Lines {
		if r.Alert != "" {
			out = append(out, r)
		}
	}
	return out
}

// Workers returns the worker rows.
func (t *Timeline) Workers() []Line {
	var out []Line
	for _, r := range t.Lines {
		if r.Kind == LineWorker {
			out = append(out, r)
		}
	}
	return out
}

// alertText is the heartbeat's alert: "primary failing constantly: N of M
// start-ups fell back".
func alertText(fallbacks, startups int) string {
	return fmt.Sprintf("primary failing constantly: %d of %d start-ups fell back", fallbacks, startups)
}

type dispatchEvent struct {
	at   time.Duration
	kind int // eventHeartbeat or eventWorker
	seq  int
	job  Job
}

// The kinds of a dispatchEvent, in the order events of one tick run: a
// heartbeat closes its window before the workers due at its tick.
const (
	eventHeartbeat = iota
	eventWorker
)

// Run runs the dispatcher to the end: every job done or failed, then one
// last heartbeat at the next window boundary. The error is the first
// failure of the harness itself, or the context's.
func (d *Dispatcher) Run(ctx context.Context) (*Timeline, error) {
	maxAttempts := cmp.Or(d.MaxAttempts, 3)
	requeue := cmp.Or(d.RequeueDelay, 30*time.Second)
	start := d.Clock.Now()
	now := func() time.Duration { return d.Clock.Now().Sub(start) }

	var queue []dispatchEvent
	seq := 0
	push := func(e dispatchEvent) {
		seq++
		e.seq = seq
		queue = append(queue, e)
	}
	for i := range d.Jobs {
		at := time.Duration(i) * d.Every
		if d.Rand != nil && d.Jitter > 0 {
			at += jitter(d.Rand, d.Jitter)
		}
		push(dispatchEvent{at: at, kind: eventWorker, job: Job{ID: i + 1, Attempt: 1}})
	}
	beat := d.Heartbeat.Window > 0 && d.Heartbeat.Threshold > 0
	if beat {
		push(dispatchEvent{at: d.Heartbeat.Window, kind: eventHeartbeat})
	}

	tl := &Timeline{}
	fallbacks, pending := 0, d.Jobs
	for len(queue) > 0 {
		if err := ctx.Err(); err != nil {
			return tl, err
		}
		slices.SortFunc(queue, func(a, b dispatchEvent) int {
			return cmp.Or(cmp.Compare(a.at, b.at), cmp.Compare(a.kind, b.kind), cmp.Compare(a.seq, b.seq))
		})
		ev := queue[0]
		queue = queue[1:]
		if ev.at > now() {
			d.Clock.Advance(ev.at - now())
		}
		if ev.kind == eventHeartbeat {
			tl.Lines = append(tl.Lines, d.heartbeat(tl, ev.at, fallbacks))
			if pending > 0 {
				push(dispatchEvent{at: ev.at + d.Heartbeat.Window, kind: eventHeartbeat})
			}
			continue
		}
		res, err := d.Worker(ctx, ev.job)
		if err != nil {
			return tl, fmt.Errorf("worker %d (attempt %d): %w", ev.job.ID, ev.job.Attempt, err)
		}
		if res.FellBack {
			fallbacks++
		}
		row := Line{At: ev.at, Kind: LineWorker, Job: ev.job, Result: res, Fallbacks: fallbacks}
		switch {
		case res.Exit == harness.ExitOK && res.Failure == "":
			row.Fate = FateDone
			tl.Done++
			pending--
		case res.Exit == harness.ExitRateLimited && ev.job.Attempt < maxAttempts:
			row.Fate = FateRequeued
			row.RequeueAt = ev.at + cmp.Or(res.RetryAfter, requeue)
			tl.Requeued++
			push(dispatchEvent{at: row.RequeueAt, kind: eventWorker, job: Job{ID: ev.job.ID, Attempt: ev.job.Attempt + 1}})
		default:
			row.Fate = FateFailed
			tl.Failed++
			pending--
		}
		tl.Lines = append(tl.Lines, row)
	}
	return tl, nil
}

// heartbeat counts the start-ups of the window [at-Window, at).
func (d *Dispatcher) heartbeat(tl *Timeline, at time.Duration, fallbacks int) Line {
	row := Line{At: at, Kind: LineHeartbeat, Fallbacks: fallbacks}
	for _, r := range tl.Lines {
		if r.Kind == LineWorker && r.At >= at-d.Heartbeat.Window && r.At < at {
			row.Startups++
			if r.Result.FellBack {
				row.WindowFallbacks++
			}
		}
	}
	if row.WindowFallbacks >= d.Heartbeat.Threshold {
		row.Alert = alertText(row.WindowFallbacks, row.Startups)
	}
	return row
}

// jitter draws a delay below max: whole seconds when max is at least a
// second, so that timelines read in whole ticks.
func jitter(r *rand.Rand, max time.Duration) time.Duration {
	if max >= time.Second {
		return time.Duration(r.Int64N(int64(max/time.Second))) * time.Second
	}
	return time.Duration(r.Int64N(int64(max)))
}
