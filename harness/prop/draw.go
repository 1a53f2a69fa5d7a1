package prop

import (
	"pgregory.net/rapid"

	"github.com/fallbackgate/fallbackgate/harness"
)

// The adaptation of rapid to a command-line run lives in this file, and it
// is small on purpose.
//
// rapid's engine (rapid.Check) reads its settings (checks, seed, shrink
// time, fail files) only from process-wide command-line flags registered
// in flag.CommandLine, or from RAPID_* environment variables read once at
// init; it also calls testing.Short, which needs the testing flags parsed.
// Driving it from a binary would mean rewriting flag.CommandLine at run
// time, under a global lock, one run at a time. rapid does offer one entry
// point that needs no flag: Generator.Example, which draws a value from a
// seed of the caller's. So a property run draws each case with Example,
// from a seed derived from the run's seed and the case's index (Draw), and
// shrinks a failure itself, on the scenario (Simpler), instead of on
// rapid's bit stream. The same seed draws the same cases in any order and
// on any number of workers, and no process-wide state changes. The
// generators keep their labelled draws, and go test still drives them with
// rapid.Check and its own shrinking (gen_test.go).

// Draw returns case i of a property run seeded by seed: gen's example for a
// seed derived from both.
func Draw(gen *rapid.Generator[Generated], seed int64, i int) Generated {
	return gen.Example(int(harness.SeedFor(seed, "prop", i)))
}
