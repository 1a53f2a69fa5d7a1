package gate

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/fallbackgate/fallbackgate/harness"
)

// Config is one run of the gate.
type Config struct {
	Subject   *harness.Subject
	Scenarios []harness.Scenario
	// Surfaces to run; empty means all three.
	Surfaces []string
	// Seed seeds the fakes' secrets and the order cases run in.
	Seed int64
	// Parallel is how many cases run at once; 0 means 4.
	Parallel int
	// OnResult, when set, is called with each result as it is judged (for
	// progress); calls are serialized.
	OnResult func(harness.Result)
	// Hooks are how every case runs; the zero value is the gate's own
	// (loopback fakes, the real clock). An in-process subject runs fastest
	// with InProcess(nil): no socket at all.
	Hooks Hooks
	// Shard, when set, runs only the scenarios the shard holds
	// (ShardScenarios); the zero Shard runs them all.
	Shard harness.Shard
}

// Report is the outcome of a run of the gate: every case's result and the
// surfaces' parity. Package reports counts and renders it.
type Report struct {
	Subject  string
	Profile  string
	Seed     int64
	Surfaces []string
	Results  []harness.Result
	// Parity lists every scenario whose surfaces reached different
	// decisions.
	Parity []harness.Violation
	// Started is when the run began; Elapsed is its wall-clock time.
	Started time.Time
	Elapsed time.Duration
}

// Run runs every scenario on every selected surface of the subject, judges
// each case against the model for the subject's profile and checks surface
// parity. Each case's fakes are seeded by CaseSeed. The error is for
// failures of the harness itself; contract violations are in the report.
// A surface that could not be started (its program cannot be executed, or
// exits before speaking the protocol on every case) is a
// *harness.NotStartedError, returned with the complete report.
func Run(ctx context.Context, cfg Config) (*Report, error) {
	surfaces := cfg.Surfaces
	if len(surfaces) == 0 {
		surfaces = harness.Surfaces
	}
	parallel := cfg.Parallel
	if parallel <= 0 {
		parallel = 4
	}
	rep := &Report{Subject: cfg.Subject.Name, Profile: cfg.Subject.Profile.Name, Seed: cfg.Seed, Surfaces: surfaces, Started: time.Now()}
	defer func() { rep.Elapsed = time.Since(rep.Started) }()
	type job struct {
		i    int
		sc   harness.Scenario
		surf string
	}
	var jobs []job
	for _, sc := range cfg.ShardScenarios() {
		for _, surf := range surfaces {
			jobs = append(jobs, job{i: len(jobs), sc: sc, surf: surf})
		}
	}
	rep.Results = make([]harness.Result, len(jobs))
	// Cases run in an order drawn from the seed, so that an order
	// dependence in a subject shows up, and shows up again with that seed.
	order := rand.New(rand.NewPCG(uint64(cfg.Seed), 1)).Perm(len(jobs))

	var (
		mu        sync.Mutex
		firstErr  error
		startErrs = map[string]error{} // per surface: its program could not be executed
		wg        sync.WaitGroup
		next      = make(chan job)
	)
	for range min(parallel, max(len(jobs), 1)) {
		wg.Go(func() {
			for j := range next {
				res, err := RunCase(ctx, cfg.setup(j.sc, j.surf), j.surf)
				mu.Lock()
				if isNotStarted(err) {
					if startErrs[j.surf] == nil {
						startErrs[j.surf] = err
					}
					res, err = notStartedResult(res, err), nil
				}
				if err != nil && firstErr == nil {
					firstErr = fmt.Errorf("%s/%s: %w", j.sc.ID, j.surf, err)
				}
				rep.Results[j.i] = res
				if cfg.OnResult != nil && err == nil && !res.Outcome.GatewayDied {
					cfg.OnResult(res) // a gateway death is reported once isolated
				}
				mu.Unlock()
			}
		})
	}
	for _, k := range order {
		if ctx.Err() != nil {
			break
		}
		next <- jobs[k]
	}
	close(next)
	wg.Wait()
	if firstErr != nil {
		return rep, firstErr
	}
	if err := ctx.Err(); err != nil {
		return rep, err
	}
	if err := isolateGatewayDeaths(ctx, cfg, rep.Results, parallel); err != nil {
		return rep, err
	}
	rep.Parity = parity(rep.Results)
	if ns := notStarted(cfg.Subject, rep.Results, startErrs); len(ns) > 0 {
		return rep, &harness.NotStartedError{Subject: cfg.Subject.Name, Surfaces: ns}
	}
	return rep, nil
}

// setup is the case of scenario sc on surface of the run: its fakes seeded
// by CaseSeed.
func (cfg Config) setup(sc harness.Scenario, surface string) Setup {
	return Setup{Subject: cfg.Subject, Scenario: sc, Seed: CaseSeed(cfg.Seed, sc.ID, surface), RunSeed: cfg.Seed, Hooks: cfg.Hooks}
}

// CaseSeed is the seed of one case of a run: derived from the run's seed,
// the scenario and the surface only, so that the reproduce command of a
// case (the run's seed with --scenario and --surface) runs it with the very
// same seed, whatever else the run held.
func CaseSeed(runSeed int64, scenario, surface string) int64 {
	return harness.SeedFor(runSeed, scenario, surface)
}

// isolateGatewayDeaths attributes a gateway's death to the case that
// causes it (AttributeGatewayDeath): each case the death failed runs again
// alone, with its own seed, on a fresh gateway process (parallel at a
// time). When no case kills a gateway alone, the death needs the cases
// together: they keep the failure, and their reproduce command runs them
// together.
//
// The death still fails the run: the culprits carry it as R17, and the
// first gateway's Close reports it.
func isolateGatewayDeaths(ctx context.Context, cfg Config, results []harness.Result, parallel int) error {
	var victims []int
	for i, r := range results {
		if r.Outcome.GatewayDied {
			victims = append(victims, i)
		}
	}
	if len(victims) == 0 {
		return nil
	}
	if cfg.OnResult != nil { // Run held back their progress until now
		defer func() {
			for _, i := range victims {
				cfg.OnResult(results[i])
			}
		}()
	}
	if _, ok := cfg.Subject.Surfaces[harness.Gateway].(harness.Renewable); !ok {
		return nil
	}
	scenarios := map[string]harness.Scenario{}
	for _, sc := range cfg.Scenarios {
		scenarios[sc.ID] = sc
	}
	vs := make([]Victim, len(victims))
	for k, i := range victims {
		vs[k] = Victim{Result: &results[i], Alone: func(ctx context.Context) (harness.Result, error) {
			s := cfg.setup(scenarios[results[i].Scenario], harness.Gateway)
			s.Subject = cfg.Subject.Renew()
			res, err := RunCase(ctx, s, harness.Gateway)
			_ = s.Subject.Close() // a death is in the result; the first gateway's Close reports it for the run
			return res, err
		}}
	}
	together, err := AttributeGatewayDeath(ctx, vs, parallel)
	if err != nil || !together {
		return err
	}
	var scs []harness.Scenario
	for _, i := range victims {
		scs = append(scs, scenarios[results[i].Scenario])
	}
	for _, i := range victims {
		r := &results[i]
		r.Violations = append(r.Violations, harness.Violation{Rule: "R17",
			Message: "alone on a fresh gateway this case does not kill it: the gateway dies only when these cases run together; the reproduce command runs them together"})
		r.Repro = reproCommand(cfg.Subject, scs, harness.Gateway, cfg.Seed)
	}
	return nil
}

// parity reports every scenario whose surfaces reached different decisions.
func parity(results []harness.Result) []harness.Violation {
	by := map[string][]harness.Result{}
	var ids []string
	for _, r := range results {
		if r.Status == harness.StatusNotImplemented || r.Outcome.Failure != "" {
			continue
		}
		if _, ok := by[r.Scenario]; !ok {
			ids = append(ids, r.Scenario)
		}
		by[r.Scenario] = append(by[r.Scenario], r)
	}
	sort.Strings(ids)
	var out []harness.Violation
	for _, id := range ids {
		if d := Divergence(by[id]); d != "" {
			out = append(out, harness.Violation{Rule: "parity", Message: id + ": " + d})
		}
	}
	return out
}

// Divergence says how the surfaces of one scenario decided differently
// ("the surfaces decided differently (oneshot+cli: …; gateway: …)"), or ""
// when their results agree.
func Divergence(results []harness.Result) string {
	seen := map[string][]string{}
	var order []string
	for _, r := range results {
		d := r.Observed.Decision()
		if _, ok := seen[d]; !ok {
			order = append(order, d)
		}
		seen[d] = append(seen[d], r.Surface)
	}
	if len(order) < 2 {
		return ""
	}
	parts := make([]string, len(order))
	for i, d := range order {
		parts[i] = strings.Join(seen[d], "+") + ": " + d
	}
	return "the surfaces decided differently (" + strings.Join(parts, "; ") + ")"
}

// reproCommand is the command that runs scenarios on one surface of sub
// with the run's seed: built-in scenarios by ID, others by their file.
func reproCommand(sub *harness.Subject, scs []harness.Scenario, surface string, seed int64) string {
	prog := sub.Program
	if prog == "" {
		prog = "fallbackgate"
	}
	parts := []string{prog + " run"}
	if sub.Repro != "" {
		parts = append(parts, sub.Repro)
	}
	var ids []string
	for _, sc := range scs {
		if strings.HasPrefix(sc.Source, "scenarios/files/") || sc.Source == "" {
			ids = append(ids, sc.ID)
		} else {
			parts = append(parts, "--scenario-file "+sc.Source)
		}
	}
	if len(ids) > 0 {
		parts = append(parts, "--scenario "+strings.Join(ids, ","))
	}
	parts = append(parts, "--surface "+surface, fmt.Sprintf("--seed %d", seed))
	return strings.Join(parts, " ")
}
