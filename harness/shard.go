package harness

import (
	"fmt"
	"strconv"
	"strings"
)

// Shard is one part of a run cut into N parts (--shard K/N): the K-th of N,
// counting from 1. Every stage cuts its work the same way: item i of the
// run (a scenario of the gate, a case of a property run, a start-up of a
// chaos run, counted from 0 in the run's own order) belongs to shard
// i mod N + 1. So the same K/N and seed always give the same items, and the
// shards K = 1…N together hold every item of the run exactly once. The zero
// Shard is the whole run.
type Shard struct {
	K, N int
}

// ParseShard reads a --shard value "K/N": N ≥ 1 and K in 1…N. flag names
// the flag in errors, which quote the value and say what is wrong.
func ParseShard(flag, v string) (Shard, error) {
	bad := func(why string, args ...any) (Shard, error) {
		return Shard{}, fmt.Errorf("%s %q: %s", flag, v, fmt.Sprintf(why, args...))
	}
	ks, ns, ok := strings.Cut(strings.TrimSpace(v), "/")
	if !ok {
		return bad("want K/N, e.g. 2/4: the K-th of N shards")
	}
	k, kerr := strconv.Atoi(strings.TrimSpace(ks))
	n, nerr := strconv.Atoi(strings.TrimSpace(ns))
	switch {
	case kerr != nil || nerr != nil:
		return bad("want K/N with whole numbers, e.g. 2/4")
	case n < 1:
		return bad("N is %d; want at least 1 shard", n)
	case k < 1 || k > n:
		return bad("K is %d; want 1 to %d (shards count from 1)", k, n)
	}
	return Shard{K: k, N: n}, nil
}

// Whole reports whether the shard is the whole run: the zero Shard, or 1/1.
func (s Shard) Whole() bool { return s.N <= 1 }

// Has reports whether item i of the run (counted from 0) belongs to the
// shard.
func (s Shard) Has(i int) bool {
	if s.N <= 1 {
		return true
	}
	return i%s.N == s.K-1
}

// Item returns the index in the run of the n-th item (counted from 0) the
// shard holds: the inverse of counting the items i for which Has(i).
func (s Shard) Item(n int) int {
	if s.N <= 1 {
		return n
	}
	return s.K - 1 + n*s.N
}

// Count returns how many of a run's total items the shard holds.
func (s Shard) Count(total int) int {
	if s.N <= 1 {
		return total
	}
	if total < s.K {
		return 0
	}
	return (total-s.K)/s.N + 1
}

// String reads "2/4"; "" for the zero Shard.
func (s Shard) String() string {
	if s.N == 0 {
		return ""
	}
	return fmt.Sprintf("%d/%d", s.K, s.N)
}
