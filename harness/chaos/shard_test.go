package chaos_test

import (
	"bytes"
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/fallbackgate/fallbackgate/harness"
	"github.com/fallbackgate/fallbackgate/harness/chaos"
	"github.com/fallbackgate/fallbackgate/harness/reference"
)

// TestChaosShards: the shards 1…N of an in-process chaos run each run the
// start-ups they hold, every shard under the whole run's schedule; each
// shard's history re-checks clean offline (a shard that met no fault is not
// vacuous on its own), and MergeHistories of the shards is the whole run's
// history byte for byte. The counts add up to the whole run's, and against
// a gateway that walks past a 429 the problems, in start-up order, are the
// whole run's.
func TestChaosShards(t *testing.T) {
	for _, tt := range []struct {
		name            string
		opts            reference.Options
		surf            string
		sessions, turns int
	}{
		{"reference", reference.Options{}, harness.Gateway, 5, 12},
		{"reference", reference.Options{}, harness.Oneshot, 5, 12},
		{"mutant", mutant(t, "falls-back-on-rate-limit").Options, harness.Gateway, 8, 20},
	} {
		t.Run(tt.name+"/"+tt.surf, func(t *testing.T) {
			cfg := chaos.Config{Surface: tt.surf, Sessions: tt.sessions, Turns: tt.turns, Seed: 4, Hang: true}
			whole, wholeHist := run(t, inProcess(tt.name, tt.opts, cfg))
			if tt.name == "mutant" && whole.OK() {
				t.Fatal("chaos passed the mutant; the test needs its problems")
			}
			for _, n := range []int{1, 3, 4, 7} {
				var hs []chaos.History
				var problems []chaos.Problem
				startups, failed := 0, 0
				faults := map[string]int{}
				for k := n; k >= 1; k-- { // in any order
					c := cfg
					c.Shard = harness.Shard{K: k, N: n}
					rep, hist := run(t, inProcess(tt.name, tt.opts, c))
					if want := c.Shard.Count(cfg.Sessions * cfg.Turns); rep.Startups != want {
						t.Errorf("%v ran %d start-ups; it holds %d", c.Shard, rep.Startups, want)
					}
					hr, err := chaos.CheckHistory(context.Background(), bytes.NewReader(hist))
					if err != nil {
						t.Fatalf("%v: CheckHistory: %v", c.Shard, err)
					}
					if d := cmp.Diff(rep.Problems, hr.Problems); d != "" {
						t.Errorf("%v: CheckHistory reports other problems than the shard (-run +check):\n%s", c.Shard, d)
					}
					hs = append(hs, chaos.History{Name: fmt.Sprintf("shard-%d.jsonl", k), Data: hist})
					problems = append(problems, rep.Problems...)
					startups += rep.Startups
					failed += rep.Failed
					for o, m := range rep.Faults {
						faults[o] += m
					}
				}
				var merged bytes.Buffer
				if err := chaos.MergeHistories(&merged, hs); err != nil {
					t.Fatalf("N=%d: MergeHistories: %v", n, err)
				}
				if d := cmp.Diff(strings.Split(string(wholeHist), "\n"), strings.Split(merged.String(), "\n")); d != "" {
					t.Errorf("N=%d: the merged history differs from the whole run's (-whole +merged):\n%s", n, d)
				}
				if startups != whole.Startups || failed != whole.Failed || !maps.Equal(faults, whole.Faults) {
					t.Errorf("N=%d: the shards ran %d start-ups, %d failed, faults %v; the whole run %d, %d, %v",
						n, startups, failed, faults, whole.Startups, whole.Failed, whole.Faults)
				}
				slices.SortStableFunc(problems, func(a, b chaos.Problem) int { return startupOrder(a.Startup) - startupOrder(b.Startup) })
				if d := cmp.Diff(whole.Problems, problems); d != "" {
					t.Errorf("N=%d: the shards' problems in start-up order differ from the whole run's (-whole +shards):\n%s", n, d)
				}
			}
		})
	}
}

// startupOrder orders start-ups "t5/s1" by turn, then session.
func startupOrder(id string) int {
	var turn, session int
	fmt.Sscanf(id, "t%d/s%d", &turn, &session)
	return turn*1000 + session
}

// TestMergeHistoriesRefuses: shards of different runs, a missing or
// duplicate shard, a whole run's history and an interrupted shard are
// refused, each error naming what is wrong.
func TestMergeHistoriesRefuses(t *testing.T) {
	cfg := chaos.Config{Surface: harness.Oneshot, Sessions: 2, Turns: 3, Seed: 4}
	shard := func(k, n int, seed int64) chaos.History {
		c := cfg
		c.Shard, c.Seed = harness.Shard{K: k, N: n}, seed
		_, hist := run(t, inProcess("reference", reference.Options{}, c))
		return chaos.History{Name: fmt.Sprintf("s%d-%d-%d", k, n, seed), Data: hist}
	}
	_, whole := run(t, inProcess("reference", reference.Options{}, cfg))
	a, b, c := shard(1, 2, 4), shard(2, 2, 4), shard(2, 2, 5)
	interrupted := chaos.History{Name: "cut", Data: append(bytes.Clone(b.Data), []byte(`{"kind":"interrupted","at_ns":0}`+"\n")...)}
	for _, tt := range []struct {
		hs   []chaos.History
		want string
	}{
		{[]chaos.History{a}, "shard(s) 2/2 of 2 missing"},
		{[]chaos.History{a, a, b}, "shard 1/2 twice: s1-2-4 and s1-2-4"},
		{[]chaos.History{a, c}, "s1-2-4 and s2-2-5 are histories of different runs"},
		{[]chaos.History{a, shard(2, 3, 4)}, "s1-2-4 is shard 1/2 and s2-3-4 shard 2/3"},
		{[]chaos.History{a, {Name: "whole", Data: whole}}, "whole: not the history of a shard"},
		{[]chaos.History{a, interrupted}, "cut: line"},
		{nil, "no history to merge"},
	} {
		err := chaos.MergeHistories(&bytes.Buffer{}, tt.hs)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("MergeHistories: %v; want an error containing %q", err, tt.want)
		}
	}
}

// TestChaosShardNotVacuous: a shard that met no fault (here: it holds no
// start-up at all) is no problem on its own, in the run and in the offline
// check of its history; the whole run that met none is vacuous.
func TestChaosShardNotVacuous(t *testing.T) {
	cfg := chaos.Config{Surface: harness.Oneshot, Sessions: 1, Turns: 1, Seed: 4, Shard: harness.Shard{K: 2, N: 2}}
	rep, hist := run(t, inProcess("reference", reference.Options{}, cfg))
	if rep.Startups != 0 || len(rep.Problems) != 0 {
		t.Errorf("shard 2/2 of one start-up: %d start-ups, problems:\n%s; want none of either", rep.Startups, problemLines(rep.Problems))
	}
	hr, err := chaos.CheckHistory(context.Background(), bytes.NewReader(hist))
	if err != nil || len(hr.Problems) != 0 {
		t.Errorf("CheckHistory of the shard: %v, problems:\n%s; want none", err, problemLines(hr.Problems))
	}
	hr, err = chaos.CheckHistory(context.Background(), bytes.NewReader(bytes.Replace(hist, []byte(`,"shard":"2/2"`), nil, 1)))
	if err != nil || len(hr.Problems) != 1 || hr.Problems[0].Rule != chaos.RuleVacuous {
		t.Errorf("CheckHistory of the same history as a whole run's: %v, problems:\n%s; want it vacuous", err, problemLines(hr.Problems))
	}
}

// TestCheckHistoryShardHoldsStartup: a shard's history that records a
// start-up of another shard lies about itself.
func TestCheckHistoryShardHoldsStartup(t *testing.T) {
	cfg := chaos.Config{Surface: harness.Oneshot, Sessions: 2, Turns: 2, Seed: 4, Shard: harness.Shard{K: 1, N: 2}}
	_, hist := run(t, inProcess("reference", reference.Options{}, cfg))
	_, err := chaos.CheckHistory(context.Background(), bytes.NewReader(bytes.Replace(hist, []byte(`"shard":"1/2"`), []byte(`"shard":"2/2"`), 1)))
	if err == nil || !strings.Contains(err.Error(), "startup.id: start-up t0/s0 is not one of shard 2/2") {
		t.Errorf("CheckHistory of a shard holding another's start-up: %v", err)
	}
	_, err = chaos.CheckHistory(context.Background(), bytes.NewReader(bytes.Replace(hist, []byte(`"shard":"1/2"`), []byte(`"shard":"3/2"`), 1)))
	if err == nil || !strings.Contains(err.Error(), `run.shard: "3/2": K is 3`) {
		t.Errorf("CheckHistory of a run line with shard 3/2: %v", err)
	}
}
