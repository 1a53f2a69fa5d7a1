package prop_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/fallbackgate/fallbackgate/harness"
	"github.com/fallbackgate/fallbackgate/harness/prop"
	"github.com/fallbackgate/fallbackgate/harness/reference"
	"github.com/fallbackgate/fallbackgate/scenarios"
)

// TestRunShards: the shards 1…N of a property run together run the cases
// of the whole run, each exactly once (the named scenarios first), with
// the same categories; against a broken subject, the failure of the lowest
// case index (FailureCase) is the whole run's, shrunk to the same
// counterexample, and every other shard fails at a later case or passes.
func TestRunShards(t *testing.T) {
	ctx := context.Background()
	named, err := scenarios.Select([]string{"SF-4", "SF-8"})
	if err != nil {
		t.Fatal(err)
	}
	ref := inProcess("reference", reference.Options{}, nil)
	cfg := prop.Config{Target: ref, Checks: 60, Seed: 9, Scenarios: named}
	whole, err := prop.Run(ctx, cfg)
	if err != nil || !whole.OK() {
		t.Fatalf("the whole run: %v, %+v", err, whole)
	}
	for _, n := range []int{1, 3, 4} {
		cases, known := 0, 0
		counts := prop.Counts{}
		for k := 1; k <= n; k++ {
			c := cfg
			c.Shard = harness.Shard{K: k, N: n}
			var drawn int
			c.OnCase = func(int, prop.Counts) { drawn++ }
			rep, err := prop.Run(ctx, c)
			if err != nil {
				t.Fatal(err)
			}
			if want := c.Shard.Count(len(named) + cfg.Checks); rep.Cases != want || drawn != want {
				t.Errorf("%v ran %d cases; it holds %d", c.Shard, rep.Cases, want)
			}
			cases += rep.Cases
			known += rep.Known
			for cat, m := range rep.Counts {
				counts[cat] += m
			}
		}
		if cases != whole.Cases || known != whole.Known {
			t.Errorf("N=%d: the shards ran %d cases (%d known); the whole run %d (%d)", n, cases, known, whole.Cases, whole.Known)
		}
		if d := cmp.Diff(whole.Counts, counts); d != "" {
			t.Errorf("N=%d: the shards' categories differ from the whole run's (-whole +shards):\n%s", n, d)
		}
	}

	broken := prop.Config{Target: inProcess("mutant", mutant("falls-back-on-rate-limit").Options, strictProfile()), Checks: 200, Seed: 2, ShrinkTime: time.Hour}
	wrep, err := prop.Run(ctx, broken)
	if err != nil || wrep.Failure == nil {
		t.Fatalf("the whole run against the mutant found no failure: %v", err)
	}
	wantAt := prop.FailureCase(wrep)
	if wantAt != wrep.Cases-1 {
		t.Errorf("FailureCase of the whole run = %d; it stopped after %d cases", wantAt, wrep.Cases)
	}
	for _, n := range []int{3, 4} {
		first, firstAt := (*prop.Failure)(nil), -1
		for k := 1; k <= n; k++ {
			c := broken
			c.Shard = harness.Shard{K: k, N: n}
			rep, err := prop.Run(ctx, c)
			if err != nil {
				t.Fatal(err)
			}
			at := prop.FailureCase(rep)
			switch {
			case rep.Failure == nil && at != -1:
				t.Errorf("%v passed, but FailureCase = %d", c.Shard, at)
			case rep.Failure != nil && !c.Shard.Has(at):
				t.Errorf("%v failed at case %d, which it does not hold", c.Shard, at)
			case rep.Failure != nil && at < wantAt:
				t.Errorf("%v failed at case %d, before the whole run's first failure %d", c.Shard, at, wantAt)
			}
			if rep.Failure != nil && (firstAt < 0 || at < firstAt) {
				first, firstAt = rep.Failure, at
			}
		}
		if firstAt != wantAt {
			t.Errorf("N=%d: the lowest failing case is %d; the whole run's is %d", n, firstAt, wantAt)
			continue
		}
		if d := cmp.Diff(string(wrep.Failure.YAML), string(first.YAML)); d != "" {
			t.Errorf("N=%d: the shards' first counterexample differs from the whole run's (-whole +shards):\n%s", n, d)
		}
	}
}
