package harness_test

import (
	"strings"
	"testing"

	"github.com/fallbackgate/fallbackgate/harness"
)

func TestParseShard(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want harness.Shard
		err  string
	}{
		{in: "1/1", want: harness.Shard{K: 1, N: 1}},
		{in: "2/4", want: harness.Shard{K: 2, N: 4}},
		{in: " 4/4 ", want: harness.Shard{K: 4, N: 4}},
		{in: "0/3", err: `--shard "0/3": K is 0; want 1 to 3 (shards count from 1)`},
		{in: "4/3", err: `--shard "4/3": K is 4; want 1 to 3`},
		{in: "1/0", err: `--shard "1/0": N is 0; want at least 1 shard`},
		{in: "-1/-2", err: `N is -2; want at least 1`},
		{in: "3", err: `--shard "3": want K/N, e.g. 2/4`},
		{in: "a/b", err: `--shard "a/b": want K/N with whole numbers`},
		{in: "", err: `--shard "": want K/N`},
	} {
		got, err := harness.ParseShard("--shard", tt.in)
		switch {
		case tt.err == "" && err != nil:
			t.Errorf("ParseShard(%q): %v; want %v", tt.in, err, tt.want)
		case tt.err == "" && got != tt.want:
			t.Errorf("ParseShard(%q) = %v; want %v", tt.in, got, tt.want)
		case tt.err != "" && (err == nil || !strings.Contains(err.Error(), tt.err)):
			t.Errorf("ParseShard(%q) = %v, %v; want an error containing %q", tt.in, got, err, tt.err)
		}
	}
}

// TestShardPartition: for any N, the shards 1…N hold every item of a run
// exactly once; Item and Count agree with Has; the zero Shard and 1/1 hold
// everything.
func TestShardPartition(t *testing.T) {
	const total = 23
	for _, whole := range []harness.Shard{{}, {K: 1, N: 1}} {
		if !whole.Whole() || whole.Count(total) != total || !whole.Has(17) || whole.Item(5) != 5 {
			t.Errorf("%v is not the whole run", whole)
		}
	}
	for n := 1; n <= 7; n++ {
		owner := make([]int, total)
		for k := 1; k <= n; k++ {
			s := harness.Shard{K: k, N: n}
			var held []int
			for i := range total {
				if s.Has(i) {
					owner[i]++
					held = append(held, i)
				}
			}
			if s.Count(total) != len(held) {
				t.Errorf("%v.Count(%d) = %d; it holds %d", s, total, s.Count(total), len(held))
			}
			for j, i := range held {
				if s.Item(j) != i {
					t.Errorf("%v.Item(%d) = %d; want %d", s, j, s.Item(j), i)
				}
			}
		}
		for i, c := range owner {
			if c != 1 {
				t.Errorf("N=%d: item %d is held by %d shards; want 1", n, i, c)
			}
		}
	}
}
