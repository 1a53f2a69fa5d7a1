package harness

import "context"

// Surface starts one case on one surface of a subject and reports what it
// did. The error is for failures of the harness itself (a file that could not
// be written, a process that could not be started at all); everything the
// subject did wrong, including crashing or hanging, is in the Outcome.
type Surface interface {
	// Name is "oneshot", "gateway" or "cli".
	Name() string
	// Start runs the case to completion or until ctx is done.
	Start(ctx context.Context, c Case) (Outcome, error)
}
