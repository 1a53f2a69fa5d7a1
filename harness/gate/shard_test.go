package gate_test

import (
	"cmp"
	"fmt"
	"slices"
	"testing"

	gocmp "github.com/google/go-cmp/cmp"

	"github.com/fallbackgate/fallbackgate/harness"
	"github.com/fallbackgate/fallbackgate/harness/gate"
	"github.com/fallbackgate/fallbackgate/harness/reference"
	"github.com/fallbackgate/fallbackgate/resolver"
	"github.com/fallbackgate/fallbackgate/scenarios"
)

// TestRunShards: the shards 1…N of a gate run together run every case of
// the whole run exactly once, each with the same seed and verdict, and
// every surface of a scenario in one shard, so that parity finds in the
// shards what it finds in the whole run. The subject's gateway hands the
// runtime the whole chain, so that some scenarios diverge.
func TestRunShards(t *testing.T) {
	sub := referenceSubject(t, reference.Options{})
	whole := resolver.Chain{{Provider: "openai-codex", Model: "gpt-5.5"}, {Provider: "anthropic", Model: "claude-opus-4-7"}}
	sub.Surfaces[harness.Gateway] = handsWholeChain{Surface: sub.Surfaces[harness.Gateway], chain: whole}
	all := scenarios.All()
	want := mustRun(t, gate.Config{Subject: sub, Scenarios: all, Seed: 7})
	if len(want.Parity) == 0 {
		t.Fatal("the whole run has no parity divergence; the test needs one")
	}
	for _, n := range []int{1, 2, 4, len(all) + 2} {
		got := map[string]harness.Result{}
		var parity []harness.Violation
		for k := 1; k <= n; k++ {
			cfg := gate.Config{Subject: sub, Scenarios: all, Seed: 7, Shard: harness.Shard{K: k, N: n}}
			rep := mustRun(t, cfg)
			var ids []string
			for _, sc := range cfg.ShardScenarios() {
				ids = append(ids, sc.ID)
			}
			for _, r := range rep.Results {
				if !slices.Contains(ids, r.Scenario) {
					t.Errorf("%d/%d ran %s, which it does not hold (%v)", k, n, r.Scenario, ids)
				}
				id := r.Scenario + "/" + r.Surface
				if _, twice := got[id]; twice {
					t.Errorf("N=%d: %s ran in two shards", n, id)
				}
				got[id] = r
			}
			parity = append(parity, rep.Parity...)
		}
		if len(got) != len(want.Results) {
			t.Errorf("N=%d: the shards ran %d cases; the whole run %d", n, len(got), len(want.Results))
		}
		for _, w := range want.Results {
			g, ok := got[w.Scenario+"/"+w.Surface]
			if !ok {
				t.Errorf("N=%d: no shard ran %s/%s", n, w.Scenario, w.Surface)
				continue
			}
			if g.Seed != w.Seed || g.Status != w.Status || fmt.Sprint(g.Violations) != fmt.Sprint(w.Violations) || g.Observed.Decision() != w.Observed.Decision() {
				t.Errorf("N=%d: %s/%s: seed %d, %s %v, %s in its shard; seed %d, %s %v, %s in the whole run", n, w.Scenario, w.Surface,
					g.Seed, g.Status, g.Violations, g.Observed.Decision(), w.Seed, w.Status, w.Violations, w.Observed.Decision())
			}
		}
		slices.SortStableFunc(parity, func(a, b harness.Violation) int { return cmp.Compare(a.Message, b.Message) })
		wp := slices.Clone(want.Parity)
		slices.SortStableFunc(wp, func(a, b harness.Violation) int { return cmp.Compare(a.Message, b.Message) })
		if d := gocmp.Diff(wp, parity); d != "" {
			t.Errorf("N=%d: parity over the shards differs from the whole run's (-whole +shards):\n%s", n, d)
		}
	}
}
