package harness

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"

	"github.com/fallbackgate/fallbackgate/resolver"
)

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

// Renewable is a surface that can make a new instance of itself that shares
// no process with it: a gateway a case killed must not fail the next one.
// The exec surfaces and the in-process reference surfaces are renewable.
type Renewable interface {
	Surface
	// Renew returns a fresh surface like this one. The caller must Close it
	// when it is an io.Closer.
	Renew() Surface
}

// Bindable is a surface that runs in this process and reaches the fakes
// through an HTTP client it is given, so that one case can serve its
// fakes in-process (no sockets) or behind a router.
type Bindable interface {
	Surface
	// Bind returns the surface reaching the fakes through client. The
	// caller must Close it when it is an io.Closer (an in-process gateway).
	Bind(client *http.Client) Surface
}

// Subject is an implementation under test: its surfaces and what it
// claims. A surface it does not implement is absent from Surfaces.
type Subject struct {
	Name         string
	Profile      resolver.Profile
	Capabilities []string
	Surfaces     map[string]Surface
	// Repro is how the command line names this subject, e.g.
	// "--subject examples/python-subject/subject.yaml"; empty for the
	// built-in reference subject.
	Repro string
	// Program is how a reproduce command names the fallbackgate command,
	// e.g. "./bin/fallbackgate" when that is not on the PATH; empty means
	// "fallbackgate".
	Program string
}

// Close closes every surface that has a Close method (the gateway's
// long-lived process) and returns their errors joined.
func (s *Subject) Close() error {
	var errs []error
	for _, name := range Surfaces {
		if c, ok := s.Surfaces[name].(io.Closer); ok {
			if err := c.Close(); err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", name, err))
			}
		}
	}
	return errors.Join(errs...)
}

// Renew returns a subject like s whose renewable surfaces share no process
// with s's, for a run that must not meet a gateway s's cases left dead. The
// caller must Close it.
func (s *Subject) Renew() *Subject {
	c := *s
	c.Surfaces = maps.Clone(s.Surfaces)
	for name, surf := range c.Surfaces {
		if r, ok := surf.(Renewable); ok {
			c.Surfaces[name] = r.Renew()
		}
	}
	return &c
}
