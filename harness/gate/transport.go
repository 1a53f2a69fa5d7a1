package gate

import (
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/fallbackgate/fallbackgate/fakes"
	"github.com/fallbackgate/fallbackgate/harness"
)

// A Transport connects a case's fakes to the surface that runs the case.
// It returns the connection: the provider base URLs the case file gives the
// subject, and the surface to start (surf itself, or surf bound to the
// fakes).
type Transport func(fleet *fakes.Fleet, surf harness.Surface) (Conn, error)

// Conn is a case's fakes connected to the surface that runs it.
type Conn struct {
	URLs    map[string]string
	Surface harness.Surface
	// Release, when set, is called once the case has ended; an error it
	// returns fails the case as the subject's (an in-process gateway that
	// did not shut down cleanly).
	Release func() error
}

func (c Conn) release() error {
	if c.Release == nil {
		return nil
	}
	return c.Release()
}

// Loopback serves the fakes on 127.0.0.1 and hands the surface their
// loopback URLs: the way a subject process reaches them. The fleet's Close
// stops the server.
func Loopback(fleet *fakes.Fleet, surf harness.Surface) (Conn, error) {
	srv, err := fleet.ServeLoopback("")
	if err != nil {
		return Conn{}, fmt.Errorf("fake providers could not start: %w", err)
	}
	return Conn{URLs: srv.BaseURLs(), Surface: surf}, nil
}

// Bound binds an in-process surface (harness.Bindable) to the fakes'
// hang-cutting in-process client (HangCutClient): no sockets, and a hang
// cut at once. The bound surface is closed when the case ends.
func Bound(fleet *fakes.Fleet, surf harness.Surface) (Conn, error) {
	b, err := bindable(surf)
	if err != nil {
		return Conn{}, err
	}
	bound := b.Bind(hangCutClient(fleet))
	release := func() error {
		c, ok := bound.(io.Closer)
		if !ok {
			return nil
		}
		if err := c.Close(); err != nil {
			return fmt.Errorf("in-process %s: %w", bound.Name(), err)
		}
		return nil
	}
	return Conn{URLs: fleet.BaseURLs(), Surface: bound, Release: release}, nil
}

// bindable returns surf as a surface that runs in this process (Bound and
// a Router's transports need one), or the error that it is not.
func bindable(surf harness.Surface) (harness.Bindable, error) {
	b, ok := surf.(harness.Bindable)
	if !ok {
		return nil, fmt.Errorf("the %s surface does not run in this process: it cannot reach in-process fakes", surf.Name())
	}
	return b, nil
}

// ErrHangCut is what a request to a hanging fake fails with in-process.
var ErrHangCut = errors.New("no answer: the provider hangs (cut short in-process)")

// hangCutClient returns an in-process client of fleet that answers a
// request meeting a hang fault at once with ErrHangCut, as a client's
// timeout would after its wait (fakes.Fleet.HangCutTransport). The fleet
// records a hang in its ledger before it is cut, so the cut needs no clock
// and no timer: the model and the surface see the same outcome however
// loaded the machine is.
func hangCutClient(f *fakes.Fleet) *http.Client {
	return &http.Client{Transport: f.HangCutTransport(ErrHangCut)}
}
