package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/fallbackgate/fallbackgate/harness"
	"github.com/fallbackgate/fallbackgate/harness/chaos"
	"github.com/fallbackgate/fallbackgate/harness/prop"
	"github.com/fallbackgate/fallbackgate/reports"
)

// The chaos stage of run: a bounded pass, as fallbackgate chaos runs by
// default.
const (
	runChaosSessions = 8
	runChaosTurns    = 20
)

// runStages runs the optional stages of run after the scenarios, each on
// subjects of its own (a gateway the scenarios left dead must not fail
// them): --prop and --chaos. Their files go into the report folder when
// there is one (counterexamples/, chaos.jsonl), else where fallbackgate
// prop and chaos put them.
type runStages struct {
	subject, profile string
	seed             int64
	reportDir        string
	shrink           time.Duration // bounds shrinking a property failure
	stderr           io.Writer
	known            harness.KnownFunc // the run's --expect, for every generated case
	expect           string            // the file of --expect, for the commands that repeat a stage
	shard            harness.Shard     // the run's --shard: its share of the cases and start-ups
	parallel         int               // the run's --parallel: generated cases at once
}

// flags are the subject, profile and --expect flags of the commands that
// repeat the property stage and replay its counterexample, as prop's are.
func (r runStages) flags() string { return expectFlags(r.subject, r.profile, r.expect) }

func (r runStages) saveDir() string {
	if r.reportDir != "" {
		return filepath.Join(r.reportDir, "counterexamples")
	}
	return prop.DefaultCounterexampleDir
}

func (r runStages) open() (*harness.Subject, error) { return openSubject(r.subject, r.profile, false) }

// properties runs checks generated cases on the surfaces of the run that
// sub implements.
func (r runStages) properties(ctx context.Context, runSurfaces []string, sub *harness.Subject, checks int) (*reports.Properties, error) {
	var surfaces []string
	for _, surf := range runSurfaces {
		if _, ok := sub.Surfaces[surf]; ok {
			surfaces = append(surfaces, surf)
		}
	}
	if len(surfaces) == 0 {
		return nil, usagef("run: --prop: the subject implements none of the surfaces %s", strings.Join(runSurfaces, ","))
	}
	first, err := r.open()
	if err != nil {
		return nil, err
	}
	cfg := prop.Config{Target: subjectTarget(first, r.open), Surfaces: surfaces, Checks: checks, Seed: r.seed, SaveDir: r.saveDir(), ShrinkTime: r.shrink, Known: r.known, Shard: r.shard, Parallel: r.parallel}
	if isTerminal(r.stderr) {
		cfg.OnCase = func(n int, c prop.Counts) {
			fmt.Fprintf(r.stderr, "\r\033[K[properties %d/%d] %s", n, checks, c)
		}
		defer fmt.Fprint(r.stderr, "\r\033[K")
	}
	rep, err := prop.Run(ctx, cfg)
	if err != nil {
		return nil, &HarnessError{Err: fmt.Errorf("properties: %w", err)}
	}
	shardProperties(rep, r.shard)
	return propertiesStage(rep, surfaces, checks, r.flags(), r.seed, r.shard), nil
}

// chaos runs a chaos pass on the gateway when sub has one, else on the
// oneshot surface, and saves its first failing start-up (minimized) as a
// scenario file.
func (r runStages) chaos(ctx context.Context, sub *harness.Subject) (*reports.Chaos, error) {
	surface := harness.Gateway
	if _, ok := sub.Surfaces[surface]; !ok {
		surface = harness.Oneshot
	}
	if _, ok := sub.Surfaces[surface]; !ok {
		return nil, usagef("run: --chaos: the subject implements neither the gateway nor the oneshot surface")
	}
	csub, err := r.open()
	if err != nil {
		return nil, err
	}
	defer csub.Close()
	history := "fallbackgate-chaos.jsonl"
	if r.reportDir != "" {
		if err := os.MkdirAll(r.reportDir, 0o755); err != nil {
			return nil, &HarnessError{Err: err}
		}
		history = filepath.Join(r.reportDir, "chaos.jsonl")
	}
	f, err := os.Create(history)
	if err != nil {
		return nil, &HarnessError{Err: fmt.Errorf("chaos: history: %w", err)}
	}
	defer f.Close()
	cfg := chaos.Config{Surface: surface, Sessions: runChaosSessions, Turns: runChaosTurns, Seed: r.seed, Subject: csub, History: f, Known: r.known, Shard: r.shard}
	if isTerminal(r.stderr) {
		cfg.OnTurn = func(turn int, rep *chaos.Report) {
			fmt.Fprintf(r.stderr, "\r\033[K[chaos turn %d/%d] %d start-ups, %d failed", turn, runChaosTurns, rep.Startups, rep.Failed)
		}
		defer fmt.Fprint(r.stderr, "\r\033[K")
	}
	rep, err := chaos.Run(ctx, cfg)
	if err != nil {
		return nil, &HarnessError{Err: fmt.Errorf("chaos: %w", err)}
	}
	if err := f.Close(); err != nil {
		return nil, &HarnessError{Err: err}
	}
	saved := ""
	if rep.First != nil {
		replay := chaosReplay{subject: r.subject, profile: r.profile, surface: surface, seed: r.seed, save: r.saveDir()}
		ce, err := chaos.SaveCounterexample(ctx, rep, replay.replay())
		if err != nil {
			return nil, &HarnessError{Err: err}
		}
		saved = ce.Path
	}
	repro := chaosRepro(r.subject, r.profile, r.expect, surface, runChaosSessions, runChaosTurns, r.seed, r.shard)
	return reports.NewChaos(rep, history, saved, repro), nil
}
