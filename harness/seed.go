package harness

import (
	"fmt"
	"hash/fnv"
	"strings"
	"time"
)

// Epoch is where virtual time starts: the in-process cases, the chaos
// schedule and the incident replay all count from it. It is the morning of
// the v6.6 incident (2026-06-07).
var Epoch = time.Date(2026, 6, 7, 9, 0, 0, 0, time.UTC)

// SeedFor derives a seed from parts (a run's seed, a scenario, a surface,
// a start-up's ID, ...): the 63-bit FNV-1a hash of the parts joined by "/".
// A part of a run derived this way runs with the same seed whatever else the
// run held, so that its own reproduce command repeats it exactly.
func SeedFor(parts ...any) int64 {
	s := make([]string, len(parts))
	for i, p := range parts {
		s[i] = fmt.Sprint(p)
	}
	h := fnv.New64a()
	h.Write([]byte(strings.Join(s, "/")))
	return int64(h.Sum64() >> 1)
}
