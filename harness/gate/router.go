package gate

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/fallbackgate/fallbackgate/fakes"
	"github.com/fallbackgate/fallbackgate/harness"
)

// Router is a transport for in-process surfaces that serves many cases
// through surfaces bound once: each case's fleet lives at a host of its own
// (e.g. "c17.fakes.invalid"), so that one long-lived in-process gateway
// serves case after case, as a gateway process does, and a hang is cut at
// once. Chaos runs its sessions through one; a property run can too. The
// caller must Close it, which closes the bound surfaces.
type Router struct {
	seq atomic.Int64

	mu     sync.Mutex
	fleets map[string]*fakes.Fleet
	bound  map[harness.Surface]harness.Surface
	closed bool
}

// NewRouter returns an empty router.
func NewRouter() *Router {
	return &Router{fleets: map[string]*fakes.Fleet{}, bound: map[harness.Surface]harness.Surface{}}
}

// Transport serves one case: its fleet at a fresh host (a name of its own
// when host is not empty), and surf (which must be harness.Bindable) bound
// to the router: once for a gateway, which then serves every case; anew
// for every case otherwise, as a process per case would be.
func (rt *Router) Transport(host string) Transport {
	return func(fleet *fakes.Fleet, surf harness.Surface) (Conn, error) {
		b, err := bindable(surf)
		if err != nil {
			return Conn{}, err
		}
		host := host // a Transport("") serves many cases: each gets a host of its own
		if host == "" {
			host = fmt.Sprintf("c%d.fakes.invalid", rt.seq.Add(1))
		}
		rt.mu.Lock()
		if rt.closed {
			rt.mu.Unlock()
			return Conn{}, errors.New("router: used after Close")
		}
		rt.fleets[host] = fleet
		s := rt.bound[surf]
		if s == nil {
			s = b.Bind(&http.Client{Transport: rt})
			if surf.Name() == harness.Gateway {
				rt.bound[surf] = s
			}
		}
		rt.mu.Unlock()
		urls := map[string]string{}
		for _, p := range fleet.Providers() {
			urls[p] = "http://" + host + "/p/" + p
		}
		release := func() error {
			rt.mu.Lock()
			delete(rt.fleets, host)
			rt.mu.Unlock()
			return nil
		}
		return Conn{URLs: urls, Surface: s, Release: release}, nil
	}
}

// RoundTrip sends r to the fleet at its host, as that fleet's in-process
// transport with hangs cut (ErrHangCut), keeping the original Host, so
// that a runtime's base URL leads back to the same fleet.
func (rt *Router) RoundTrip(r *http.Request) (*http.Response, error) {
	rt.mu.Lock()
	f := rt.fleets[r.URL.Host]
	rt.mu.Unlock()
	if f == nil {
		return nil, fmt.Errorf("%w: no fleet at host %q", fakes.ErrNoFake, r.URL.Host)
	}
	r2 := r.Clone(r.Context())
	r2.Host = r.URL.Host
	u, _ := r2.URL.Parse(strings.Replace(r.URL.String(), "//"+r.URL.Host, "//fakes.invalid", 1))
	r2.URL = u
	return f.HangCutTransport(ErrHangCut).RoundTrip(r2)
}

// Close closes the surfaces bound once (the gateways) and returns their
// errors joined: a gateway that did not shut down cleanly.
func (rt *Router) Close() error {
	rt.mu.Lock()
	rt.closed = true
	bound := rt.bound
	rt.bound = map[harness.Surface]harness.Surface{}
	rt.mu.Unlock()
	var errs []error
	for _, s := range bound {
		if c, ok := s.(io.Closer); ok {
			if err := c.Close(); err != nil {
				errs = append(errs, err)
			}
		}
	}
	return errors.Join(errs...)
}
