package reports

import (
	"cmp"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/fallbackgate/fallbackgate/harness"
	"github.com/fallbackgate/fallbackgate/harness/chaos"
	"github.com/fallbackgate/fallbackgate/harness/prop"
)

// ShardInfo is the part of a run a results.json holds, for a run with
// --shard K/N: the K-th of N shards (harness.Shard). A gate run is cut by
// scenario: Scenarios are the IDs of the scenarios the shard held, in the
// run's order, so that Merge puts every case back in its place. Property
// and chaos stages are cut by case and by start-up.
type ShardInfo struct {
	K int `json:"k"`
	N int `json:"n"`
	// Scenarios are the gate's scenarios this shard ran; empty when it
	// held none (or the run had no gate: prop, chaos).
	Scenarios []string `json:"scenarios,omitempty"`
}

// Shard returns the shard as a harness.Shard.
func (s ShardInfo) Shard() harness.Shard { return harness.Shard{K: s.K, N: s.N} }

// SetShard records that the results are shard s of a run (nothing for the
// whole run), and the IDs of the gate's scenarios it ran.
func (r *Results) SetShard(s harness.Shard, scenarios []string) {
	if s.N == 0 {
		r.Shard = nil
		return
	}
	r.Shard = &ShardInfo{K: s.K, N: s.N, Scenarios: scenarios}
}

// wholeRun reports whether a shard as a history or the chaos report names
// it ("2/4"; "" for none) is the whole run: a stage of a shard is not
// vacuous on its own, the shards together decide.
func wholeRun(shard string) bool {
	s, err := harness.ParseShard("shard", shard)
	return err != nil || s.Whole()
}

// ShardFile is the results of one shard to merge, and its name in errors
// (the file it was read from).
type ShardFile struct {
	Name    string
	Results *Results
}

// Merge returns the results of the whole run that shards (the results of
// every shard K = 1…N of one run, in any order) were cut from: what the
// run without --shard reports, its verdict and its counts, apart from
// wall-clock times and what follows from them.
//
//   - The cases go back in matrix order (the scenarios in the run's order,
//     each shard's scenarios at the places its shard holds); parity
//     failures are sorted by scenario as the gate sorts them. Known
//     failures are judged again over every case, so that an expectation is
//     stale or met over the whole run, not over a shard.
//   - Properties: cases and categories summed; the failure of the lowest
//     case index (PropertyFailure.Case), which is the one the whole run
//     finds first; vacuity judged on the summed categories.
//   - Chaos: start-ups, failures and faults summed; problems unioned in
//     start-up order (turn, then session; problems of a whole shard, such
//     as a gateway that did not shut down, after them, each once);
//     vacuous when no shard met a fault; the counterexample of the whole
//     run's first failing start-up (ChaosFirst); History lists the shards'
//     histories (a caller that merges them sets it).
//   - The mutation self-test is not cut: the first shard's is kept.
//   - Started is the earliest shard's start, Elapsed runs to the latest
//     shard's end; a stage's duration is its longest shard's.
//   - A repeat command of a stage (prop, chaos) loses its --shard.
//
// It refuses, naming the files: a results file that is no shard, shards
// of different seeds, subjects, profiles, surfaces, expectations, stages
// or N, a shard missing or given twice, and shards whose scenarios are not
// one run's cut into N.
func Merge(shards []ShardFile) (*Results, error) {
	if len(shards) == 0 {
		return nil, errors.New("no results to merge")
	}
	for _, s := range shards {
		if s.Results.Shard == nil {
			return nil, fmt.Errorf("%s: not the results of a shard (it was run without --shard K/N)", s.Name)
		}
	}
	shards = slices.Clone(shards)
	slices.SortStableFunc(shards, func(a, b ShardFile) int { return cmp.Compare(a.Results.Shard.K, b.Results.Shard.K) })
	if err := checkShards(shards); err != nil {
		return nil, err
	}
	first := shards[0].Results
	m := &Results{Version: Version, Subject: first.Subject, Profile: first.Profile, Seed: first.Seed,
		Surfaces: first.Surfaces, ExpectFile: first.ExpectFile, Mutation: first.Mutation}
	if err := mergeCases(m, shards); err != nil {
		return nil, err
	}
	var end time.Time
	for i, s := range shards {
		r := s.Results
		if i == 0 || r.Started.Before(m.Started) {
			m.Started = r.Started
		}
		if e := r.Started.Add(r.Elapsed); e.After(end) {
			end = e
		}
		if m.Shutdown == "" {
			m.Shutdown = r.Shutdown
		}
		m.NotStarted = mergeNotStarted(m.NotStarted, r.NotStarted)
		m.Incidents = append(m.Incidents, r.Incidents...) // shard 1 replays them all (run --incidents)
	}
	m.Elapsed = end.Sub(m.Started)
	m.Properties = mergeProperties(shards)
	m.Chaos = mergeChaos(shards)
	var known []KnownFailure
	for _, e := range first.Expectations {
		known = append(known, e.KnownFailure)
	}
	m.applyKnown(known)
	return m, nil
}

// checkShards checks that shards (sorted by K) are the shards 1…N of one
// run: the same run fields and stages, every K once.
func checkShards(shards []ShardFile) error {
	first := shards[0]
	n := first.Results.Shard.N
	var errs []error
	differ := func(s ShardFile, field string, a, b any) {
		errs = append(errs, fmt.Errorf("%s has %s %v and %s %v: the shards of one run share it", first.Name, field, a, s.Name, b))
	}
	for i, s := range shards {
		a, b := first.Results, s.Results
		if b.Shard.N != n {
			return fmt.Errorf("%s is shard %s and %s shard %s: the shards of one run share N", first.Name, a.Shard.Shard(), s.Name, b.Shard.Shard())
		}
		if b.Shard.K < 1 || b.Shard.K > n {
			return fmt.Errorf("%s: shard %d/%d: want K in 1…%d", s.Name, b.Shard.K, n, n)
		}
		if i > 0 && b.Shard.K == shards[i-1].Results.Shard.K {
			return fmt.Errorf("shard %s given twice: %s and %s", b.Shard.Shard(), shards[i-1].Name, s.Name)
		}
		if i == 0 {
			continue
		}
		if a.Seed != b.Seed {
			differ(s, "seed", a.Seed, b.Seed)
		}
		if a.Subject != b.Subject {
			differ(s, "subject", strconv.Quote(a.Subject), strconv.Quote(b.Subject))
		}
		if a.Profile != b.Profile {
			differ(s, "profile", a.Profile, b.Profile)
		}
		if !slices.Equal(a.Surfaces, b.Surfaces) {
			differ(s, "surfaces", a.Surfaces, b.Surfaces)
		}
		if a.ExpectFile != b.ExpectFile {
			differ(s, "expectations file", strconv.Quote(a.ExpectFile), strconv.Quote(b.ExpectFile))
		}
		if x, y := stageShape(a), stageShape(b); x != y {
			differ(s, "stages", x, y)
		}
	}
	if len(errs) > 0 {
		return errors.Join(errs...)
	}
	var missing []string
	have := map[int]bool{}
	for _, s := range shards {
		have[s.Results.Shard.K] = true
	}
	for k := 1; k <= n; k++ {
		if !have[k] {
			missing = append(missing, fmt.Sprintf("%d/%d", k, n))
		}
	}
	if len(missing) > 0 {
		var got []string
		for _, s := range shards {
			got = append(got, s.Results.Shard.Shard().String()+" ("+s.Name+")")
		}
		return fmt.Errorf("shard(s) %s missing: have %s", strings.Join(missing, ", "), strings.Join(got, ", "))
	}
	return nil
}

// stageShape describes the stages of a run and how each was asked for:
// shards of one run have the same.
func stageShape(r *Results) string {
	var parts []string
	if p := r.Properties; p != nil {
		parts = append(parts, fmt.Sprintf("properties (%d checks on %s)", p.Checks, strings.Join(p.Surfaces, ",")))
	}
	if c := r.Chaos; c != nil {
		parts = append(parts, c.title())
	}
	if m := r.Mutation; m != nil {
		parts = append(parts, "mutation ("+m.Path+")")
	}
	if len(parts) == 0 {
		return "none but the scenarios"
	}
	return strings.Join(parts, ", ")
}

// mergeCases puts the shards' cases and parity failures back in the whole
// run's order.
func mergeCases(m *Results, shards []ShardFile) error {
	total := 0
	for _, s := range shards {
		total += len(s.Results.Shard.Scenarios)
	}
	order := make([]string, total) // the run's scenarios, in order
	of := map[string]string{}      // scenario -> the shard file that ran it
	for _, s := range shards {
		sh := s.Results.Shard.Shard()
		ids := s.Results.Shard.Scenarios
		if want := sh.Count(total); len(ids) != want {
			return fmt.Errorf("%s: shard %s ran %d scenario(s); of the %d scenarios the shards ran together it holds %d: the shards do not cut one run (different --scenario?)",
				s.Name, sh, len(ids), total, want)
		}
		for j, id := range ids {
			if other, dup := of[id]; dup {
				return fmt.Errorf("scenario %s ran in two shards: %s and %s (different --scenario?)", id, other, s.Name)
			}
			of[id] = s.Name
			order[sh.Item(j)] = id
		}
	}
	byScenario := map[string][]CaseResult{}
	for _, s := range shards {
		for _, c := range s.Results.Cases {
			if of[c.Scenario] != s.Name {
				return fmt.Errorf("%s: case %s is of a scenario the shard did not run", s.Name, c.ID())
			}
			byScenario[c.Scenario] = append(byScenario[c.Scenario], c)
		}
		m.Parity = append(m.Parity, s.Results.Parity...)
	}
	for _, id := range order {
		m.Cases = append(m.Cases, byScenario[id]...)
	}
	slices.SortStableFunc(m.Parity, func(a, b ParityFailure) int { return cmp.Compare(a.Scenario, b.Scenario) })
	return nil
}

// notStartedCount is the count of cases in a not-started surface's reason.
var notStartedCount = regexp.MustCompile(`on each of its \d+ case\(s\)`)

// mergeNotStarted adds a shard's surfaces that could not be started: a
// surface once, with the cases of every shard.
func mergeNotStarted(all, more []harness.NotStarted) []harness.NotStarted {
	for _, ns := range more {
		i := slices.IndexFunc(all, func(a harness.NotStarted) bool { return a.Surface == ns.Surface })
		if i < 0 {
			all = append(all, ns)
			continue
		}
		all[i].Cases += ns.Cases
		all[i].Reason = notStartedCount.ReplaceAllString(all[i].Reason, fmt.Sprintf("on each of its %d case(s)", all[i].Cases))
	}
	slices.SortStableFunc(all, func(a, b harness.NotStarted) int {
		return cmp.Compare(slices.Index(harness.Surfaces, a.Surface), slices.Index(harness.Surfaces, b.Surface))
	})
	return all
}

// withoutShard drops " --shard K/N" from a repeat command.
func withoutShard(cmd string, s *ShardInfo) string {
	return strings.Replace(cmd, " --shard "+s.Shard().String(), "", 1)
}

// mergeProperties merges the shards' property stages; nil when they had
// none.
func mergeProperties(shards []ShardFile) *Properties {
	first := shards[0].Results
	if first.Properties == nil {
		return nil
	}
	p := &Properties{Surfaces: first.Properties.Surfaces, Checks: first.Properties.Checks, Classes: map[string]int{},
		Repro: withoutShard(first.Properties.Repro, first.Shard)}
	var fails []*PropertyFailure
	for _, s := range shards {
		sp := s.Results.Properties
		p.Cases += sp.Cases
		for k, v := range sp.Classes {
			p.Classes[k] += v
		}
		p.Duration = max(p.Duration, sp.Duration)
		p.Generating, p.Shrinking = max(p.Generating, sp.Generating), max(p.Shrinking, sp.Shrinking)
		fails = append(fails, sp.failures()...)
		if sp.Coverage != nil {
			if p.Coverage == nil {
				p.Coverage = prop.NewCoverage(sp.Coverage.Surfaces)
			}
			p.Coverage.Merge(sp.Coverage)
		}
	}
	// The whole run judges its cases in index order and keeps the first
	// MaxFailures distinct classes, each with the counterexample of the
	// case it met it in (or one already shown that shows it too). Each
	// shard stops at its own MaxFailures: every class among the whole
	// run's first ones is met by the shard that holds its case, so the
	// shards' counterexamples in case order, up to MaxFailures classes,
	// are the whole run's.
	max := max(first.Properties.MaxFailures, 1)
	p.MaxFailures = first.Properties.MaxFailures
	slices.SortStableFunc(fails, func(a, b *PropertyFailure) int { return cmp.Compare(a.Case, b.Case) })
	var classes []prop.Class
	p.Shrinks = 0
	for _, f := range fails {
		if len(classes) >= max {
			break
		}
		fresh := len(f.Classes) == 0 || slices.ContainsFunc(f.Classes, func(c prop.Class) bool { return !slices.ContainsFunc(classes, c.Equal) })
		if !fresh {
			continue // every class it stands for has a counterexample already
		}
		classes = append(classes, f.Classes...)
		p.Failures = append(p.Failures, f)
		p.Shrinks += f.Shrinks
	}
	if len(p.Failures) > 0 {
		p.Failure = p.Failures[0]
	}
	if p.Failure == nil {
		counts := prop.Counts{}
		for k, v := range p.Classes {
			counts[prop.Category(k)] = v
		}
		if err := counts.Vacuous(); err != nil {
			p.Vacuous = err.Error()
		}
	}
	return p
}

// mergeChaos merges the shards' chaos stages; nil when they had none.
func mergeChaos(shards []ShardFile) *Chaos {
	first := shards[0].Results
	if first.Chaos == nil {
		return nil
	}
	fc := first.Chaos
	c := &Chaos{Surface: fc.Surface, Sessions: fc.Sessions, Turns: fc.Turns, Faults: map[string]int{},
		Repro: withoutShard(fc.Repro, first.Shard)}
	if fc.Coverage != nil {
		c.Coverage = prop.NewCoverage(fc.Coverage.Surfaces)
	}
	type hit struct {
		v       harness.Violation
		startup string
		turn    int
		session int
	}
	var hits []hit
	var whole []harness.Violation // problems of a whole shard, not of a start-up
	var histories []string
	for _, s := range shards {
		sc := s.Results.Chaos
		c.Startups += sc.Startups
		c.Failed += sc.Failed
		for k, v := range sc.Faults {
			c.Faults[k] += v
		}
		c.Duration = max(c.Duration, sc.Duration)
		histories = append(histories, sc.History)
		if c.Coverage != nil {
			c.Coverage.Merge(sc.Coverage)
		}
		for _, p := range sc.Problems {
			if len(p.Startups) == 0 {
				if p.Rule != chaos.RuleVacuous && !slices.Contains(whole, p.Violation) {
					whole = append(whole, p.Violation)
				}
				continue
			}
			for _, id := range p.Startups {
				h := hit{v: p.Violation, startup: id}
				fmt.Sscanf(id, "t%d/s%d", &h.turn, &h.session)
				hits = append(hits, h)
			}
		}
		if f := sc.First; f != nil && (c.First == nil || firstBefore(*f, *c.First)) {
			c.First, c.Counterexample = f, sc.Counterexample
		}
	}
	slices.SortStableFunc(hits, func(a, b hit) int {
		return cmp.Or(cmp.Compare(a.turn, b.turn), cmp.Compare(a.session, b.session))
	})
	at := map[harness.Violation]int{}
	for _, h := range hits {
		i, seen := at[h.v]
		if !seen {
			i = len(c.Problems)
			at[h.v] = i
			c.Problems = append(c.Problems, ChaosProblem{Violation: h.v})
		}
		c.Problems[i].Startups = append(c.Problems[i].Startups, h.startup)
	}
	for _, v := range whole {
		c.Problems = append(c.Problems, ChaosProblem{Violation: v})
	}
	if len(c.Faults) == 0 {
		c.Vacuous = true
		c.Problems = append(c.Problems, ChaosProblem{Violation: chaos.VacuousProblem.Violation})
	}
	c.History = strings.Join(histories, ", ")
	return c
}

// firstBefore reports whether a comes before b as the first failing
// start-up of a chaos run: the earlier turn; in the same turn, one whose
// start-up should have failed; then the lower session.
func firstBefore(a, b ChaosFirst) bool {
	return cmp.Or(cmp.Compare(a.Turn, b.Turn),
		cmp.Compare(boolRank(a.ExpectedError == ""), boolRank(b.ExpectedError == "")),
		cmp.Compare(a.Session, b.Session)) < 0
}

func boolRank(b bool) int {
	if b {
		return 1
	}
	return 0
}

// stagesOnly reports whether the results hold a property or chaos stage
// and no scenario: those of `fallbackgate prop` or `chaos`, which have no
// matrix to show.
func (r *Results) stagesOnly() bool {
	return len(r.Cases) == 0 && len(r.NotStarted) == 0 && (r.Properties != nil || r.Chaos != nil)
}
