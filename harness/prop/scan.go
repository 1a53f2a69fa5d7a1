package prop

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/fallbackgate/fallbackgate/harness"
	"github.com/fallbackgate/fallbackgate/harness/gate"
)

// This file runs the cases of a property run, cfg.Parallel at a time, and
// judges them in index order, so that the verdicts do not depend on how
// many ran at once (see Run).
//
// A target over exec shares one subject, and so one gateway process,
// between the cases in flight: a generation. A case that fails retires its
// generation: later cases get a fresh subject, and the retired one is
// closed once its last case is done. Only then are the verdicts of its
// failing cases final: a subject that does not shut down cleanly after a
// failing case breaks R17 too, and when the gateway died, every case it
// took down runs again alone on a fresh subject (gate.AttributeGatewayDeath).

// generation is a subject shared by the cases that ran on it.
type generation struct {
	sub      *harness.Subject
	inflight int
	retired  bool
	closed   bool
	// members are the cases whose verdicts wait for the subject's close:
	// those that failed on it.
	members []int
}

// caseRun is one case of the scan.
type caseRun struct {
	g Generated
	o CaseOutcome
	// done is set once the verdict is final.
	done bool
}

// scanState is the state of a scan, guarded by mu.
type scanState struct {
	r      *runner
	rep    *Report
	ctx    context.Context
	cancel context.CancelFunc

	mu      sync.Mutex
	total   int
	items   []int // the run's index of each case this shard runs
	next    int   // the next case to start
	commit  int   // the next case to judge, in index order
	cases   []*caseRun
	cur     *generation // the shared subject new cases run on; nil: open one
	stopped bool        // no case is started any more
	err     error
	found   []found
}

// scan runs the cases of the run and judges them in index order: each
// case's categories and known failures go into rep, and its failure
// classes, until cfg.MaxFailures distinct ones are found. It returns them,
// each with the case it was first met in.
func (r *runner) scan(ctx context.Context, rep *Report) ([]found, error) {
	var items []int // the run's cases this shard holds, by index
	for i := range len(r.cfg.Scenarios) + r.cfg.Checks {
		if r.cfg.Shard.Has(i) {
			items = append(items, i)
		}
	}
	total := len(items)
	sctx, cancel := context.WithCancel(ctx)
	defer cancel()
	s := &scanState{r: r, rep: rep, ctx: sctx, cancel: cancel, total: total, items: items, cases: make([]*caseRun, total)}
	var wg sync.WaitGroup
	for range min(r.cfg.Parallel, total) {
		wg.Go(s.work)
	}
	wg.Wait()
	if s.cur != nil {
		s.cur.sub.Close() // every case on it passed; a death would have retired it
	}
	if s.err != nil {
		return s.found, s.err
	}
	return s.found, ctx.Err()
}

// work starts case after case until there is none left to start.
func (s *scanState) work() {
	for {
		i, g, gen, ok := s.take()
		if !ok {
			return
		}
		var sub *harness.Subject
		if gen != nil {
			sub = gen.sub
		}
		o, err := s.r.runOn(s.ctx, g, s.r.cfg.Surfaces, sub)
		s.finish(i, g, o, err, gen)
	}
}

// take returns the next case to start and, for a shared target, the
// generation it runs on; ok is false when no case is left to start.
func (s *scanState) take() (i int, g Generated, gen *generation, ok bool) {
	s.mu.Lock()
	if s.stopped || s.next >= s.total {
		s.mu.Unlock()
		return 0, g, nil, false
	}
	i = s.next
	s.next++
	s.mu.Unlock()
	g = s.r.caseAt(s.items[i])
	if !s.r.cfg.Target.shared() {
		return i, g, nil, true
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cur == nil {
		sub, err := s.r.cfg.Target.Open(g.Profile)
		if err != nil {
			s.failLocked(err)
			return 0, g, nil, false
		}
		s.cur = &generation{sub: sub}
	}
	s.cur.inflight++
	return i, g, s.cur, true
}

// finish records case i's outcome. A failing case on a shared subject
// retires it; the last case done on a retired subject closes it and makes
// the verdicts of its failing cases final (settle).
func (s *scanState) finish(i int, g Generated, o CaseOutcome, err error, gen *generation) {
	s.mu.Lock()
	discarded := s.stopped // started before the run had what it needed; not judged
	switch {
	case err != nil && !discarded:
		s.failLocked(err)
	case err == nil:
		s.cases[i] = &caseRun{g: g, o: o, done: gen == nil}
	}
	settle := false
	if gen != nil {
		gen.inflight--
		if err == nil && (len(o.Failed()) > 0 || o.gatewayDied()) {
			gen.members = append(gen.members, i)
			gen.retired = true
			if s.cur == gen {
				s.cur = nil
			}
		} else if err == nil {
			s.cases[i].done = true
		}
		if gen.retired && gen.inflight == 0 && !gen.closed {
			gen.closed, settle = true, true
		}
	}
	s.advance()
	s.mu.Unlock()
	if settle {
		s.settle(gen)
	}
}

// settle closes a retired generation, whose cases are all done, and makes
// the verdicts of its failing cases final. When its gateway died, the
// cases it took down run again alone on fresh subjects, and the death is
// blamed on the case that kills a gateway alone; otherwise a subject that
// did not shut down cleanly breaks R17 in each failing case.
func (s *scanState) settle(gen *generation) {
	var (
		outs    []*CaseOutcome
		victims []gate.Victim
		which   []int // each victim's case
	)
	for _, i := range gen.members {
		cr := s.cases[i]
		outs = append(outs, &cr.o)
		for k := range cr.o.Results {
			if cr.o.Results[k].Outcome.GatewayDied {
				victims = append(victims, gate.Victim{Result: &cr.o.Results[k], Alone: s.alone(cr.g)})
				which = append(which, i)
			}
		}
	}
	var err error
	if len(victims) == 0 {
		closeFailed(gen.sub, outs...)
	} else {
		gen.sub.Close() // the death, which the victims carry
		var together bool
		if together, err = gate.AttributeGatewayDeath(s.ctx, victims, s.r.cfg.Parallel); err == nil {
			for k, v := range victims {
				kills := "does not kill one"
				if v.Result.Outcome.GatewayDied {
					kills = "kills a gateway alone"
				}
				s.r.logf("gateway death: case %d (of %d it took down) run again alone on a fresh subject: %s", which[k]+1, len(victims), kills)
				if together {
					v.Result.Violations = append(v.Result.Violations, harness.Violation{Rule: "R17",
						Message: "alone on a fresh gateway this case does not kill it: the gateway dies only when it has served other cases before or beside this one"})
				}
				v.Result.ApplyKnown(s.r.cfg.Known)
			}
			for _, o := range outs {
				o.known = slices.ContainsFunc(o.Results, func(r harness.Result) bool { return r.Status == harness.StatusKnown })
			}
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err != nil && !s.stopped {
		s.failLocked(err)
	}
	for _, i := range gen.members {
		s.cases[i].done = true
	}
	s.advance()
}

// alone runs g's gateway case alone on a fresh subject of the target.
func (s *scanState) alone(g Generated) func(context.Context) (harness.Result, error) {
	return func(ctx context.Context) (harness.Result, error) {
		sub, err := s.r.cfg.Target.Open(g.Profile)
		if err != nil {
			return harness.Result{}, err
		}
		defer sub.Close() // a death is in the result
		o, err := s.r.runOn(ctx, g, []string{harness.Gateway}, sub)
		if err != nil {
			return harness.Result{}, err
		}
		if len(o.Results) != 1 {
			return harness.Result{}, fmt.Errorf("re-running %s alone on the gateway gave %d results", g.Scenario.ID, len(o.Results))
		}
		return o.Results[0], nil
	}
}

// advance judges the cases whose verdicts are final, in index order, from
// the first not yet judged; it stops the scan once the classes are found.
// s.mu is held.
func (s *scanState) advance() {
	cfg := s.r.cfg
	for !s.stopped && s.commit < s.total {
		cr := s.cases[s.commit]
		if cr == nil || !cr.done {
			return
		}
		i := s.commit
		s.commit++
		s.r.logCase(s.items[i], cr.g)
		s.rep.Cases++
		s.rep.Counts.Add(cr.o.Categories)
		s.rep.Coverage.Add(cr.g.Scenario, cr.o.Want, cr.o.Results)
		if cr.o.known {
			s.rep.Known++
		}
		if cfg.OnCase != nil {
			cfg.OnCase(s.rep.Cases, s.rep.Counts)
		}
		s.r.logf("verdict: %s", cr.o.verdict(cfg.Known))
		for _, c := range cr.o.classes(cfg.Known) {
			if slices.ContainsFunc(s.found, func(f found) bool { return f.class.Equal(c) }) {
				continue
			}
			s.found = append(s.found, found{class: c, outcome: cr.o, index: s.items[i]})
			if len(s.found) == cfg.MaxFailures {
				s.stop()
				return
			}
		}
	}
}

// stop starts no more cases and cancels those in flight: they are not
// judged. s.mu is held.
func (s *scanState) stop() {
	s.stopped = true
	s.cancel()
}

// failLocked records the harness's own failure and stops the scan. s.mu
// is held.
func (s *scanState) failLocked(err error) {
	if s.err == nil {
		s.err = err
	}
	s.stop()
}

// verdict reads "pass", "known failure" or the case's failure classes
// ("fail oneshot R7,R15; gateway R7").
func (o CaseOutcome) verdict(known harness.KnownFunc) string {
	cs := o.classes(known)
	switch {
	case len(cs) > 0:
		parts := make([]string, len(cs))
		for i, c := range cs {
			parts[i] = c.String()
		}
		return "fail " + strings.Join(parts, "; ")
	case o.known:
		return "known failure"
	}
	return "pass"
}

// gatewayDied reports whether a gateway's death failed one of the case's
// results.
func (o CaseOutcome) gatewayDied() bool {
	return slices.ContainsFunc(o.Results, func(r harness.Result) bool { return r.Outcome.GatewayDied })
}
