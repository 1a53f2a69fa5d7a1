package prop_test

import (
	"context"
	"fmt"

	"github.com/fallbackgate/fallbackgate/fakes"
	"github.com/fallbackgate/fallbackgate/harness"
	"github.com/fallbackgate/fallbackgate/harness/gate"
	"github.com/fallbackgate/fallbackgate/harness/prop"
	"github.com/fallbackgate/fallbackgate/harness/reference"
	"github.com/fallbackgate/fallbackgate/resolver"
)

// inProcess is the in-process reference subject that opts describe, as a
// property target: one subject per profile (drawn per case when profile is
// nil, else fixed), its surfaces bound to each case's fakes, reached
// in-process on a virtual clock with hangs cut at once. The same case and
// seed give the same result, byte for byte.
func inProcess(name string, opts reference.Options, profile *resolver.Profile) prop.Target {
	return prop.Target{Name: name, Profile: profile, PerProfile: true,
		Hooks: gate.InProcess(fakes.NewManualClock(harness.Epoch)),
		Open: func(p resolver.Profile) (*harness.Subject, error) {
			o := opts
			o.Profile, o.RequestTimeout = p, gate.PropRequestTimeout
			return reference.Subject(name, o), nil
		}}
}

// strictProfile returns a fresh pointer to resolver.Strict, for a target
// whose profile is fixed.
func strictProfile() *resolver.Profile {
	p := resolver.Strict
	return &p
}

// mutant returns the catalogue's mutant called name.
func mutant(name string) reference.Mutant {
	m, err := reference.MutantByName(name)
	if err != nil {
		panic(err)
	}
	return m
}

// runGenerated runs g on each surface of a fresh subject of target (which
// must not share its subject between cases: PerCase or PerProfile) as a
// property run seeded by seed runs it, and judges
// each surface: the pipeline of prop.Run for one case, without drawing or
// shrinking.
func runGenerated(ctx context.Context, target prop.Target, g prop.Generated, surfaces []string, seed int64) (prop.CaseOutcome, error) {
	o := prop.CaseOutcome{Generated: g}
	if !target.PerCase && !target.PerProfile {
		return o, fmt.Errorf("runGenerated: target %s keeps its subject between cases", target.Name)
	}
	sub, err := target.Open(g.Profile)
	if err != nil {
		return o, err
	}
	defer sub.Close()
	p, err := gate.Prepare(ctx, gate.Setup{Subject: sub, Scenario: g.Scenario, Seed: seed, Hooks: target.Hooks})
	if err != nil {
		return o, err
	}
	o.Want = p.Expected()
	o.Categories = prop.CategoriesOf(o.Want)
	for _, surf := range surfaces {
		res, err := p.Run(ctx, surf)
		if err != nil {
			return o, fmt.Errorf("%s: %w", surf, err)
		}
		if res.Status != harness.StatusNotImplemented {
			o.Results = append(o.Results, res)
		}
	}
	return o, nil
}
