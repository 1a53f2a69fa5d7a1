package cli

import (
	"fmt"
	"io"

	"github.com/fallbackgate/fallbackgate/fakes"
	"github.com/fallbackgate/fallbackgate/harness/exec"
)

// Init prepares this process to run subjects it did not build: on Linux
// it becomes the child subreaper of every process they start, so that what
// a subject leaves running outside its process group is still found,
// killed and waited for (exec.Subreaper). main calls it once, before Run;
// a process that embeds Run without Init gets the process-group clean-up
// only.
func Init() { _ = exec.Subreaper() }

// sweep kills whatever a command left running (nothing, when every case
// cleaned up after itself), saying so on stderr. Run calls it on every way
// out.
func sweep(stderr io.Writer) {
	for _, s := range exec.Sweep() {
		fmt.Fprintf(stderr, "fallbackgate: killed a process left running: %s\n", fakes.Redact(s))
	}
}
