package harness

import (
	"errors"
	"fmt"
	"strings"
)

// ErrNotStarted marks an error of a surface whose program could not be
// executed at all (no such file, not executable). A surface wraps it, so
// that the gate can tell a subject that never ran from a harness failure.
var ErrNotStarted = errors.New("could not be started")

// NotStarted is a surface of a subject that could not be started: its
// argv cannot be executed, or its process exited before speaking the
// protocol (no event, no request to a fake, no reply) on every case it was
// given. Its cases judge nothing about the contract, so the gate reports
// it once, with the subject's own words, instead of a violation per case.
type NotStarted struct {
	Surface string `json:"surface"`
	// Command is the program and arguments the surface starts, when it is
	// a process.
	Command []string `json:"command,omitempty"`
	// Reason says why, e.g. `exited with code 1 before speaking the
	// protocol on each of its 9 case(s)`.
	Reason string `json:"reason"`
	// Cases counts the cases it was given.
	Cases int `json:"cases"`
	// Stderr is what its process wrote on stderr (one case's), redacted.
	Stderr string `json:"stderr,omitempty"`
}

// NotStartedError says that surfaces of a subject could not be started. A
// gate run that meets one is a failure of the set-up, not a verdict on the
// contract: the command exits 3.
type NotStartedError struct {
	Subject  string
	Surfaces []NotStarted
}

// Error reads "subject my-agent could not be started: oneshot: exited
// with code 1 before speaking the protocol on each of its 9 case(s)"; the
// stderr is the reports' to show.
func (e *NotStartedError) Error() string {
	parts := make([]string, len(e.Surfaces))
	for i, s := range e.Surfaces {
		parts[i] = s.Surface + ": " + s.Reason
	}
	return fmt.Sprintf("subject %s could not be started: %s", e.Subject, strings.Join(parts, "; "))
}

// Is makes errors.Is(err, ErrNotStarted) true.
func (e *NotStartedError) Is(target error) bool { return target == ErrNotStarted }
