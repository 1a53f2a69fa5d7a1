package harness

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"maps"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/fallbackgate/fallbackgate/fakes"
	"github.com/fallbackgate/fallbackgate/resolver"
)

// Subject is an implementation under test: its surfaces and what it
// claims. A surface it does not implement is absent from Surfaces.
type Subject struct {
	Name         string
	Profile      resolver.Profile
	Capabilities []string
	Surfaces     map[string]Surface
	// Repro is how the command line names this subject, e.g.
	// "--subject examples/python-subject/subject.yaml"; empty for the
	// built-in reference subject.
	Repro string
}

// Close closes every surface that has a Close method (the gateway's
// long-lived process) and returns their errors joined.
func (s *Subject) Close() error {
	var errs []error
	for _, name := range Surfaces {
		if c, ok := s.Surfaces[name].(io.Closer); ok {
			if err := c.Close(); err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", name, err))
			}
		}
	}
	return errors.Join(errs...)
}

// ManifestSubject returns the subject a manifest describes, its surfaces run
// through the exec adapter. The caller must Close it.
func ManifestSubject(m *Manifest, repro string, opts ...ExecOption) (*Subject, error) {
	profile, err := resolver.ProfileByName(m.Profile)
	if err != nil {
		return nil, fmt.Errorf("%s: profile: %w", m.Path, err)
	}
	s := &Subject{Name: m.Name, Profile: profile, Capabilities: m.Capabilities, Surfaces: map[string]Surface{}, Repro: repro}
	for _, name := range Surfaces {
		if !m.Implements(name) {
			continue
		}
		surf, err := m.Surface(name, opts...)
		if err != nil {
			return nil, err
		}
		s.Surfaces[name] = surf
	}
	return s, nil
}

// ReferenceSubject returns the built-in reference subject running
// in-process, with the behaviour opts give it. The caller must Close it.
func ReferenceSubject(name string, opts Options) *Subject {
	p := opts.Profile
	if p.Name == "" {
		p = resolver.Strict
	}
	s := &Subject{Name: name, Profile: p, Capabilities: []string{CapabilityRuntimeFallback}, Surfaces: map[string]Surface{}}
	if opts.NoRuntimeFallback {
		s.Capabilities = nil
	}
	for _, n := range Surfaces {
		s.Surfaces[n] = NewReference(n, nil, opts)
	}
	return s
}

// Verdicts of a Result.
const (
	VerdictPass           = "pass"
	VerdictFail           = "fail"
	VerdictNotImplemented = "not implemented"
)

// Result is the judgement of one case: one scenario on one surface.
type Result struct {
	Scenario     string     `json:"scenario"`
	ScenarioName string     `json:"scenario_name"`
	Surface      string     `json:"surface"`
	Subject      string     `json:"subject"`
	Profile      string     `json:"profile"`
	Seed         int64      `json:"seed"`
	Verdict      string     `json:"verdict"`
	Violations   Violations `json:"violations,omitempty"`
	Handoff      bool       `json:"handoff,omitempty"`
	Expected     Summary    `json:"expected"`
	Observed     Summary    `json:"observed"`
	Trace        []string   `json:"trace"`
	Events       []Event    `json:"events"`
	Ledger       []Call     `json:"ledger"`
	ExitCode     int        `json:"exit_code"`
	Reply        *Reply     `json:"reply,omitempty"`
	Stdout       string     `json:"stdout,omitempty"`
	Stderr       string     `json:"stderr,omitempty"`
	Failure      string     `json:"failure,omitempty"`
	Repro        string     `json:"repro"`
	// Dir is the case's scratch folder, kept for reproduction by hand
	// (run --keep); empty when it was removed.
	Dir      string        `json:"dir,omitempty"`
	Duration time.Duration `json:"duration_ns"`
}

// Summary is a decision in a few words: where a start-up landed, or the
// error it surfaced. Parity compares them across surfaces.
type Summary struct {
	Landed    *int     `json:"landed,omitempty"`
	Provider  string   `json:"provider,omitempty"`
	Model     string   `json:"model,omitempty"`
	Remaining []string `json:"remaining,omitempty"`
	// Error is "provider code" of the surfaced error, or "other: message".
	Error string `json:"error,omitempty"`
	Exit  int    `json:"exit"`
}

// String reads "landed 0 on openai-codex/gpt-5.5" or "failed: anthropic
// anthropic_not_logged_in".
func (s Summary) String() string {
	if s.Landed != nil {
		return fmt.Sprintf("landed %d on %s/%s", *s.Landed, s.Provider, s.Model)
	}
	if s.Error != "" {
		return "failed: " + s.Error
	}
	return "no decision"
}

// decision is what parity compares: where it landed or what it surfaced.
func (s Summary) decision() string {
	if s.Landed != nil {
		return fmt.Sprintf("landed %d on %s/%s with remaining [%s]", *s.Landed, s.Provider, s.Model, strings.Join(s.Remaining, ", "))
	}
	return "failed: " + s.Error
}

// Config is one run of the gate.
type Config struct {
	Subject   *Subject
	Scenarios []Scenario
	// Surfaces to run; empty means all three.
	Surfaces []string
	// Seed seeds the fakes' secrets and the order cases run in.
	Seed int64
	// Parallel is how many cases run at once; 0 means 4.
	Parallel int
	// OnResult, when set, is called with each result as it is judged (for
	// progress); calls are serialized.
	OnResult func(Result)
}

// Report is the outcome of a run of the gate.
type Report struct {
	Subject  string   `json:"subject"`
	Profile  string   `json:"profile"`
	Seed     int64    `json:"seed"`
	Surfaces []string `json:"surfaces"`
	Results  []Result `json:"results"`
	// Parity lists every scenario whose surfaces reached different
	// decisions.
	Parity []Violation `json:"parity,omitempty"`
	// Started is when the run began; Elapsed is its wall-clock time.
	Started time.Time     `json:"started"`
	Elapsed time.Duration `json:"elapsed_ns"`
}

// Counts returns how many cases passed and failed (a parity divergence
// counts as a failure of its own); cases a subject does not implement count
// as neither.
func (r *Report) Counts() (passed, failed, skipped int) {
	for _, res := range r.Results {
		switch res.Verdict {
		case VerdictPass:
			passed++
		case VerdictFail:
			failed++
		default:
			skipped++
		}
	}
	return passed, failed + len(r.Parity), skipped
}

// OK reports whether every case passed and the surfaces agree.
func (r *Report) OK() bool {
	_, failed, _ := r.Counts()
	return failed == 0
}

// Run runs every scenario on every selected surface of the subject, judges
// each case against the reference model and checks surface parity. The
// error is for failures of the harness itself; contract violations are in
// the report.
func Run(ctx context.Context, cfg Config) (*Report, error) {
	surfaces := cfg.Surfaces
	if len(surfaces) == 0 {
		surfaces = Surfaces
	}
	parallel := cfg.Parallel
	if parallel <= 0 {
		parallel = 4
	}
	rep := &Report{Subject: cfg.Subject.Name, Profile: cfg.Subject.Profile.Name, Seed: cfg.Seed, Surfaces: surfaces, Started: time.Now()}
	defer func() { rep.Elapsed = time.Since(rep.Started) }()
	type job struct {
		i    int
		sc   Scenario
		surf string
	}
	var jobs []job
	for _, sc := range cfg.Scenarios {
		for _, surf := range surfaces {
			jobs = append(jobs, job{i: len(jobs), sc: sc, surf: surf})
		}
	}
	rep.Results = make([]Result, len(jobs))
	died := make([]bool, len(jobs)) // Outcome.GatewayDied of each case
	// Cases run in an order drawn from the seed, so that an order
	// dependence in a subject shows up, and shows up again with that seed.
	order := rand.New(rand.NewPCG(uint64(cfg.Seed), 1)).Perm(len(jobs))

	var (
		mu       sync.Mutex
		firstErr error
		wg       sync.WaitGroup
		next     = make(chan job)
	)
	for range min(parallel, max(len(jobs), 1)) {
		wg.Go(func() {
			for j := range next {
				res, dead, err := runCase(ctx, cfg, j.sc, j.surf, CaseSeed(cfg.Seed, j.sc.ID, j.surf))
				mu.Lock()
				if err != nil && firstErr == nil {
					firstErr = fmt.Errorf("%s/%s: %w", j.sc.ID, j.surf, err)
				}
				rep.Results[j.i], died[j.i] = res, dead
				if cfg.OnResult != nil && err == nil && !dead {
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
	if err := isolateGatewayDeaths(ctx, cfg, rep.Results, died, parallel); err != nil {
		return rep, err
	}
	rep.Parity = parity(rep.Results)
	return rep, nil
}

// freshSurface is a surface that can make a new instance of itself, with
// no process shared with it: the exec and the in-process reference
// surfaces.
type freshSurface interface {
	fresh() Surface
}

// reopen returns a subject like s whose surfaces share no process with
// s's, for a run that must not meet a gateway s's cases left dead.
func (s *Subject) reopen() *Subject {
	c := *s
	c.Surfaces = maps.Clone(s.Surfaces)
	for name, surf := range c.Surfaces {
		if f, ok := surf.(freshSurface); ok {
			c.Surfaces[name] = f.fresh()
		}
	}
	return &c
}

// isolateGatewayDeaths attributes a gateway's death to the case that
// causes it. Every case a dying gateway leaves unanswered fails with the
// death, whichever case caused it, and its reproduce command, run alone,
// may pass. So each such case is run again alone, with its own seed, on a
// fresh gateway process (parallel at a time):
//   - a case that kills the fresh gateway too is a culprit: its result is
//     the run alone, which its reproduce command repeats;
//   - when some case is a culprit, every other case takes the result of
//     its run alone: it passes or fails on its own behaviour;
//   - when no case kills a gateway alone, the death needs the cases
//     together: they keep the failure, and their reproduce command runs
//     them together.
//
// The death still fails the run: the culprits carry it as R17, and the
// first gateway's Close reports it.
func isolateGatewayDeaths(ctx context.Context, cfg Config, results []Result, died []bool, parallel int) error {
	var victims []int
	for i := range results {
		if died[i] {
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
	surf, ok := cfg.Subject.Surfaces[Gateway].(freshSurface)
	if !ok {
		return nil
	}
	scenarios := map[string]Scenario{}
	for _, sc := range cfg.Scenarios {
		scenarios[sc.ID] = sc
	}
	alone := make([]Result, len(victims))
	aloneDied := make([]bool, len(victims))
	errs := make([]error, len(victims))
	sem := make(chan struct{}, parallel)
	var wg sync.WaitGroup
	for k, i := range victims {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			fresh := surf.fresh()
			sub := *cfg.Subject
			sub.Surfaces = maps.Clone(sub.Surfaces)
			sub.Surfaces[Gateway] = fresh // only the gateway: the others hold no process
			alone[k], aloneDied[k], errs[k] = runCase(ctx, Config{Subject: &sub, Seed: cfg.Seed}, scenarios[results[i].Scenario], Gateway, results[i].Seed)
			if c, ok := fresh.(io.Closer); ok {
				_ = c.Close() // a death is in the result; the first gateway's Close reports it for the run
			}
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("re-running alone the cases the gateway's death failed: %w", err)
	}
	culprits := 0
	for _, d := range aloneDied {
		if d {
			culprits++
		}
	}
	var together []Scenario
	if culprits == 0 {
		for _, i := range victims {
			together = append(together, scenarios[results[i].Scenario])
		}
	}
	for k, i := range victims {
		if culprits > 0 {
			a := alone[k]
			if aloneDied[k] {
				a.Violations = append(a.Violations, Violation{Rule: "R17",
					Message: "alone on a fresh gateway this case kills it again; in the run it took the cases in flight down with it"})
			}
			results[i] = a
			continue
		}
		r := &results[i]
		r.Violations = append(r.Violations, Violation{Rule: "R17",
			Message: "alone on a fresh gateway this case does not kill it: the gateway dies only when these cases run together; the reproduce command runs them together"})
		r.Repro = reproCommand(cfg.Subject, together, Gateway, cfg.Seed)
	}
	return nil
}

// RunCase runs one scenario on one surface of sub, with the fakes on
// loopback seeded by seed, and judges it against the reference model for
// sub's profile. The error is for failures of the harness itself; contract
// violations are in the Result.
func RunCase(ctx context.Context, sub *Subject, sc Scenario, surface string, seed int64) (Result, error) {
	res, _, err := runCase(ctx, Config{Subject: sub, Seed: seed}, sc, surface, seed)
	return res, err
}

// CaseSeed is the seed of one case of a run: derived from the run's seed,
// the scenario and the surface only, so that the reproduce command of a
// case (the run's seed with --scenario and --surface) runs it with the very
// same seed, whatever else the run held.
func CaseSeed(runSeed int64, scenario, surface string) int64 {
	h := fnv.New64a()
	fmt.Fprintf(h, "%d/%s/%s", runSeed, scenario, surface)
	return int64(h.Sum64() >> 1)
}

// runCase runs one scenario on one surface. died is Outcome.GatewayDied:
// a gateway's death failed the case.
func runCase(ctx context.Context, cfg Config, sc Scenario, surface string, seed int64) (res Result, died bool, err error) {
	sub := cfg.Subject
	res = newResult(sub, sc, surface, seed, cfg.Seed)
	surf, ok := sub.Surfaces[surface]
	if !ok {
		res.Verdict = VerdictNotImplemented
		return res, false, nil
	}
	want, sc, err := predictCase(ctx, sub, sc, seed, PredictOptions{}, &res)
	if err != nil {
		return res, false, err
	}
	if want.BadUsage && surface == Gateway {
		// CONTRACT.md: bad usage (--provider without a model) is "n/a"
		// for the gateway, which has no command line; what a session
		// override naming only a provider means is the subject's choice.
		res.Verdict = VerdictNotImplemented
		return res, false, nil
	}
	fleet, err := sc.Fleet(seed, nil)
	if err != nil {
		return res, false, err
	}
	defer fleet.Close()
	srv, err := fleet.ServeLoopback("")
	if err != nil {
		return res, false, fmt.Errorf("fake providers could not start: %w", err)
	}
	c := sc.Case(surface, srv.BaseURLs())
	start := time.Now()
	out, err := surf.Start(ctx, c)
	res.Duration = time.Since(start)
	if err != nil {
		return res, false, err
	}
	judge(&res, want, out, fleet)
	return res, out.GatewayDied, nil
}

// newResult starts the result of one case.
func newResult(sub *Subject, sc Scenario, surface string, seed, runSeed int64) Result {
	return Result{Scenario: sc.ID, ScenarioName: sc.Name, Surface: surface, Subject: sub.Name,
		Profile: sub.Profile.Name, Seed: seed, Repro: repro(sub, sc, surface, runSeed)}
}

// predictCase returns the model's expectation for sc on sub and the
// scenario to run: with the hand-off check added when sub has the
// runtime-fallback capability and the start-up lands with a remaining
// chain. It fills res's expected summary, trace and hand-off flag.
func predictCase(ctx context.Context, sub *Subject, sc Scenario, seed int64, opts PredictOptions, res *Result) (Expected, Scenario, error) {
	want, err := PredictWith(ctx, sc, sub.Profile, seed, opts)
	if err != nil {
		return want, sc, err
	}
	if slices.Contains(sub.Capabilities, CapabilityRuntimeFallback) && want.Err == nil && len(want.Decision.Remaining) > 0 {
		// Check the hand-off end to end: the landed runtime's first
		// completion fails, and the runtime loop must move to remaining[0].
		// When the model's own runtime cannot complete the hand-off (every
		// remaining entry fails too), this case cannot check it.
		hsc := sc.withHandoff(want.Decision.Landing(want.Request).Provider)
		if hw, herr := PredictWith(ctx, hsc, sub.Profile, seed, opts); herr == nil {
			want, sc, res.Handoff = hw, hsc, true
		}
	}
	res.Expected = expectedSummary(want)
	for _, st := range want.Decision.Trace {
		res.Trace = append(res.Trace, st.String())
	}
	return want, sc, nil
}

// judge checks what the surface did against the model's expectation and
// the fleet's ledger, and fills res with the observation and the verdict.
func judge(res *Result, want Expected, out Outcome, fleet *fakes.Fleet) {
	obs := Observation{Outcome: out, Calls: fleet.Ledger().Calls(), Secrets: fleet.Secrets()}
	res.Events, res.Ledger, res.ExitCode, res.Reply = out.Events, obs.Calls, out.ExitCode, out.Reply
	res.Stdout, res.Stderr, res.Failure = clipOutput(out.Stdout), clipOutput(out.Stderr), out.Failure
	res.Dir = out.Dir
	res.Observed = observedSummary(out)
	vs := AsViolations(Check(want, obs))
	if stray := fleet.Err(); stray != nil {
		vs = append(vs, Violation{Rule: "protocol", Message: "requests that reached no fake: " + strings.ReplaceAll(stray.Error(), "\n", "; ")})
	}
	res.Violations = vs
	res.Verdict = VerdictPass
	if len(vs) > 0 {
		res.Verdict = VerdictFail
	}
	// Redact last, so that no report carries a secret whatever the
	// subject printed (R16 is reported above).
	res.Stdout, res.Stderr = redact(res.Stdout, obs.Secrets), redact(res.Stderr, obs.Secrets)
	res.Failure = redact(res.Failure, obs.Secrets)
	res.Events = redactEvents(res.Events, obs.Secrets)
	if res.Reply != nil {
		r := *res.Reply
		r.Reply, r.Notice = redact(r.Reply, obs.Secrets), redact(r.Notice, obs.Secrets)
		res.Reply = &r
	}
}

// withHandoff returns s with provider's first completion failing with 500.
func (s Scenario) withHandoff(provider string) Scenario {
	faults := make(map[string]string, len(s.Faults)+1)
	for k, v := range s.Faults {
		faults[k] = v
	}
	plan := faults[provider]
	if plan == "" {
		plan = "ok"
	}
	faults[provider] = plan + "; completions: 500 -> ok"
	s.Faults = faults
	return s
}

func expectedSummary(w Expected) Summary {
	if w.BadUsage {
		return Summary{Error: "usage: " + ErrProviderWithoutModel.Error(), Exit: w.Exit}
	}
	if w.Err != nil {
		return Summary{Error: errorSummary(w.Err), Exit: w.Exit}
	}
	landing := w.Decision.Landing(w.Request)
	return Summary{Landed: &w.Decision.Landed, Provider: landing.Provider, Model: w.Decision.Model,
		Remaining: w.Decision.Remaining.Strings(), Exit: 0}
}

func errorSummary(err error) string {
	if ae, ok := err.(*resolver.AuthError); ok {
		return ae.Provider + " " + ae.Code
	}
	return "other: " + err.Error()
}

func observedSummary(o Outcome) Summary {
	s := Summary{Exit: o.ExitCode}
	for _, ev := range o.Events {
		switch ev.Event {
		case EventStarted:
			s.Landed, s.Provider, s.Model, s.Remaining = ev.LandedAt, ev.Provider, ev.Model, chainStrings(ev.Remaining)
		case EventFailed:
			if ev.Error.Type == "auth" {
				s.Error = ev.Error.Provider + " " + ev.Error.Code
			} else {
				s.Error = "other: " + ev.Error.Message
			}
		}
	}
	return s
}

// parity reports every scenario whose surfaces reached different decisions.
func parity(results []Result) []Violation {
	by := map[string][]Result{}
	var ids []string
	for _, r := range results {
		if r.Verdict == VerdictNotImplemented || r.Failure != "" {
			continue
		}
		if _, ok := by[r.Scenario]; !ok {
			ids = append(ids, r.Scenario)
		}
		by[r.Scenario] = append(by[r.Scenario], r)
	}
	sort.Strings(ids)
	var out []Violation
	for _, id := range ids {
		rs := by[id]
		seen := map[string][]string{}
		var order []string
		for _, r := range rs {
			d := r.Observed.decision()
			if _, ok := seen[d]; !ok {
				order = append(order, d)
			}
			seen[d] = append(seen[d], r.Surface)
		}
		if len(order) > 1 {
			parts := make([]string, len(order))
			for i, d := range order {
				parts[i] = strings.Join(seen[d], "+") + ": " + d
			}
			out = append(out, Violation{Rule: "parity", Message: fmt.Sprintf("%s: the surfaces decided differently (%s)", id, strings.Join(parts, "; "))})
		}
	}
	return out
}

func repro(sub *Subject, sc Scenario, surface string, seed int64) string {
	return reproCommand(sub, []Scenario{sc}, surface, seed)
}

// reproCommand is the command that runs scenarios on one surface of sub
// with the run's seed: built-in scenarios by ID, others by their file.
func reproCommand(sub *Subject, scs []Scenario, surface string, seed int64) string {
	parts := []string{"fallbackgate run"}
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

func clipOutput(s string) string {
	const max = 4096
	if len(s) > max {
		return s[:max] + fmt.Sprintf("… (%d more bytes)", len(s)-max)
	}
	return s
}

func redact(s string, secrets []string) string {
	for _, sec := range secrets {
		if sec != "" {
			s = strings.ReplaceAll(s, sec, resolver.Redacted)
		}
	}
	return s
}

// redactEvents returns events with every secret replaced in every field;
// the raw lines are dropped, since reports marshal the parsed events.
func redactEvents(events []Event, secrets []string) []Event {
	out := make([]Event, 0, len(events))
	for _, ev := range events {
		ev.Raw = ""
		b, err := json.Marshal(ev)
		if err != nil {
			continue
		}
		var clean Event
		if err := json.Unmarshal([]byte(redact(string(b), secrets)), &clean); err != nil {
			continue
		}
		out = append(out, clean)
	}
	return out
}
