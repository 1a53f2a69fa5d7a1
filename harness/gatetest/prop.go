package gatetest

import (
	"bytes"
	"fmt"
	"strings"
	"time"

	"github.com/fallbackgate/fallbackgate/harness"
	"github.com/fallbackgate/fallbackgate/harness/prop"
	"github.com/fallbackgate/fallbackgate/reports"
	"github.com/fallbackgate/fallbackgate/resolver"
)

// PropOptions shape a Prop.
type PropOptions struct {
	// Checks is how many cases to generate; 0 means 100.
	Checks int
	// Surfaces to run every case on; nil means every surface the subject
	// implements.
	Surfaces []string
	// Profile judges the subject against this profile instead of the one
	// it claims; "" keeps its claim, and a subject that claims none is
	// judged as strict.
	Profile string
	// Seed makes the run repeatable; 0 means the -fallbackgate.seed flag,
	// else 1.
	Seed int64
	// ShrinkTime bounds shrinking a failure; 0 means 30s.
	ShrinkTime time.Duration
	// SaveDir, when set, is where the shrunk counterexample is saved as a
	// scenario file (fallbackgate run --scenario-file replays it).
	SaveDir string
}

// Prop property-tests sub as fallbackgate prop does (harness/prop): it
// draws opts.Checks cases (chains with repeats, model-less entries, pins,
// a fault plan per provider), runs each on the surfaces and judges it
// against the model. A failure fails t with the shrunk counterexample as
// a scenario file, each failing surface's violations and ledger, and the
// go test command that repeats the search; so does a vacuous run (some
// class of case never drawn). A fresh subject serves the next case after
// a failing one (sub.Renew). Prop takes sub over: it closes it when t
// ends. It returns the run's report, nil when the harness failed.
func Prop[S TB](t S, sub *harness.Subject, opts PropOptions) *prop.Report {
	t.Helper()
	s, err := own(sub, opts.Profile)
	if err != nil {
		t.Errorf("gatetest: %v", err)
		return nil
	}
	opened := []*harness.Subject{s}
	t.Cleanup(func() {
		for _, o := range opened {
			_ = o.Close() // a dead gateway is a failed case's, reported there
		}
	})
	surfaces := opts.Surfaces
	if surfaces == nil {
		for _, surf := range harness.Surfaces {
			if _, ok := s.Surfaces[surf]; ok {
				surfaces = append(surfaces, surf)
			}
		}
	}
	checks := opts.Checks
	if checks <= 0 {
		checks = 100
	}
	first := s
	target := prop.Target{Name: s.Name, Profile: &s.Profile, Hooks: hooksFor(s)(), Open: func(resolver.Profile) (*harness.Subject, error) {
		if f := first; f != nil {
			first = nil
			return f, nil
		}
		fresh := s.Renew()
		opened = append(opened, fresh)
		return fresh, nil
	}}
	seed := seedOf(opts.Seed)
	rep, err := prop.Run(t.Context(), prop.Config{Target: target, Surfaces: surfaces, Checks: checks, Seed: seed,
		ShrinkTime: opts.ShrinkTime, SaveDir: opts.SaveDir})
	if err != nil {
		t.Errorf("gatetest: the harness failed: %v", err)
		return nil
	}
	t.Logf("gatetest: %d cases on %s, seed %d: %s", rep.Cases, strings.Join(surfaces, ","), seed, rep.Counts)
	if rep.OK() {
		return rep
	}
	repro := goTestRepro(t.Name(), seed)
	replay := func(saved, surface string) string {
		return fmt.Sprintf("Run with Options{Scenarios: (%s, read with harness.ParseScenario), Surfaces: [%s], Seed: %d}", saved, surface, seed)
	}
	var b bytes.Buffer
	if err := reports.WriteProperties(&b, reports.NewProperties(rep, surfaces, checks, repro, replay)); err != nil {
		t.Errorf("gatetest: %v", err)
	}
	t.Errorf("%s", strings.Trim(b.String(), "\n"))
	return rep
}
