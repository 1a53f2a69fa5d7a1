package scenarios

import (
	"embed"

	"github.com/fallbackgate/fallbackgate/harness"
)

//go:embed regressions/*.yaml
var regressions embed.FS

// Regressions returns the saved counterexamples in scenarios/regressions:
// shrunk failures found by `fallbackgate prop` and `fallbackgate chaos`,
// kept as scenario files so that they are replayed on every test run,
// whatever rapid's version. Like All, it panics on a file that does not
// parse; the tests load every file.
func Regressions() []harness.Scenario {
	all, err := load(regressions, "regressions")
	if err != nil {
		panic(err)
	}
	return all
}
