package fakes

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"syscall"

	"github.com/jarcoal/httpmock"
)

// inProcessHost is the host of in-process base URLs. The .invalid TLD
// never resolves, so a request that escapes the mock transport fails
// instead of reaching a real network.
const inProcessHost = "fakes.invalid"

// Transport returns the fleet's own httpmock transport, which serves every
// fake in-process. A request for an unknown host, provider or path fails
// with an error wrapping ErrNoFake that names it. It is never the global
// httpmock transport.
func (f *Fleet) Transport() *httpmock.MockTransport {
	return f.mock
}

// Client returns an HTTP client whose transport is Transport.
func (f *Fleet) Client() *http.Client {
	return f.client
}

// BaseURL returns provider's in-process base URL,
// "http://fakes.invalid/p/<provider>", for use with Client. For loopback
// URLs see Server.BaseURL.
func (f *Fleet) BaseURL(provider string) string {
	return "http://" + inProcessHost + "/p/" + provider
}

// BaseURLs returns every provider's in-process base URL by name.
func (f *Fleet) BaseURLs() map[string]string {
	m := make(map[string]string, len(f.names))
	for _, n := range f.names {
		m[n] = f.BaseURL(n)
	}
	return m
}

// errConnReset is what an in-process Reset fault fails with; errors.Is
// matches syscall.ECONNRESET, as for a reset on loopback.
var errConnReset = &net.OpError{Op: "read", Net: "tcp", Err: os.NewSyscallError("read", syscall.ECONNRESET)}

// roundTrip is the httpmock responder for every in-process request.
func (f *Fleet) roundTrip(r *http.Request) (*http.Response, error) {
	if !f.enter() {
		return nil, ErrClosed
	}
	defer f.inflight.Done()
	if !strings.EqualFold(r.URL.Host, inProcessHost) {
		return nil, f.stray(r, "host %q is not the fleet's in-process host %q", r.URL.Host, inProcessHost)
	}
	a, err := f.handle(r)
	if err != nil {
		return nil, err
	}
	switch a.kind {
	case Reset:
		return nil, errConnReset
	case Hang:
		select {
		case <-r.Context().Done():
			return nil, r.Context().Err()
		case <-f.done:
			return nil, fmt.Errorf("%w while the request hung", ErrClosed)
		}
	}
	return &http.Response{
		Status:        fmt.Sprintf("%d %s", a.status, http.StatusText(a.status)),
		StatusCode:    a.status,
		Proto:         "HTTP/1.1",
		ProtoMajor:    1,
		ProtoMinor:    1,
		Header:        a.header(),
		Body:          io.NopCloser(bytes.NewReader(a.body)),
		ContentLength: int64(len(a.body)),
		Request:       r,
	}, nil
}
