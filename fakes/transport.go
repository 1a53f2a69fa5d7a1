package fakes

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
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
// httpmock transport; it is made on first use.
func (f *Fleet) Transport() *httpmock.MockTransport {
	f.mockOnce.Do(func() {
		f.mock = httpmock.NewMockTransport()
		f.mock.RegisterNoResponder(f.roundTrip)
		f.client = &http.Client{Transport: f.mock}
	})
	return f.mock
}

// Client returns an HTTP client whose transport is Transport.
func (f *Fleet) Client() *http.Client {
	f.Transport()
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
	return f.roundTripCut(r, nil)
}

// HangCutTransport returns an in-process transport that serves every
// request as Transport does (the same fakes, plan steps, ledger records
// and answers, without going through httpmock), except that a request
// meeting a hang fault fails with cut as soon as the ledger has recorded
// it, instead of waiting for its context or Close: what a client's timeout
// does, without the wait. As a network transport does, it fails a request
// whose context is already done without sending it.
func (f *Fleet) HangCutTransport(cut error) http.RoundTripper {
	return roundTripFunc(func(r *http.Request) (*http.Response, error) {
		if err := r.Context().Err(); err != nil {
			return nil, err
		}
		return f.roundTripCut(r, cut)
	})
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (rt roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return rt(r) }

// roundTripCut serves one in-process request; cut is as for
// HangCutTransport, nil to wait.
func (f *Fleet) roundTripCut(r *http.Request, cut error) (*http.Response, error) {
	if !f.enter() {
		return nil, ErrClosed
	}
	defer f.inflight.Done()
	if !strings.EqualFold(r.URL.Host, inProcessHost) {
		return nil, f.stray(r.Method, r.URL, "host %q is not the fleet's in-process host %q", r.URL.Host, inProcessHost)
	}
	a, err := f.handle(r)
	if err != nil {
		return nil, err
	}
	if err := f.noAnswer(r.Context(), a, cut); err != nil {
		return nil, err
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

// noAnswer returns the error an in-process request fails with when its
// answer is a reset or a hang, and nil for every other answer. A hang
// waits until ctx is done or the fleet is closed, unless cut is set: then
// it fails with cut at once.
func (f *Fleet) noAnswer(ctx context.Context, a answer, cut error) error {
	switch a.kind {
	case Reset:
		return errConnReset
	case Hang:
		if cut != nil {
			return cut
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-f.done:
			return fmt.Errorf("%w while the request hung", ErrClosed)
		}
	}
	return nil
}

// Request is one request to a fake made without HTTP (see Do): what a POST
// through Client would carry.
type Request struct {
	// URL is the request's URL: an in-process base URL (BaseURL) followed
	// by "/resolve" or "/v1/chat/completions".
	URL *url.URL
	// Authorization is the Authorization header; empty when there is none.
	Authorization string
	// Body is the JSON body.
	Body []byte
	// CutHang, when set, is what a request meeting a hang fault fails with
	// at once, as with HangCutTransport; nil waits as Transport does.
	CutHang error
}

// Answer is a fake's answer to a Request.
type Answer struct {
	Status int
	Header http.Header
	Body   []byte
}

// Do serves r as the in-process transport serves a POST of it, without
// HTTP: the same routing, plan step, ledger record and answer, from the
// same code. It fails with the errors that transport's RoundTrip fails
// with: ErrClosed, an error wrapping ErrNoFake (recorded for Err), the
// reset error (errors.Is syscall.ECONNRESET), and for a hang ctx's error
// (or r.CutHang). A request whose ctx is already done fails with ctx's
// error and is not served, as over a network. Do is the fast way for a
// harness's own model to reach its fleet.
func (f *Fleet) Do(ctx context.Context, r Request) (Answer, error) {
	if err := ctx.Err(); err != nil {
		return Answer{}, err
	}
	if !f.enter() {
		return Answer{}, ErrClosed
	}
	defer f.inflight.Done()
	u := *r.URL
	u.Host = strings.TrimSuffix(u.Host, ":") // as http.NewRequest does
	if !strings.EqualFold(u.Host, inProcessHost) {
		return Answer{}, f.stray(http.MethodPost, &u, "host %q is not the fleet's in-process host %q", u.Host, inProcessHost)
	}
	fp, ep, err := f.route(http.MethodPost, &u)
	if err != nil {
		return Answer{}, err
	}
	body := r.Body
	if len(body) > maxBody {
		body = body[:maxBody]
	}
	a := f.serve(fp, ep, u.Host, r.Authorization, body)
	if err := f.noAnswer(ctx, a, r.CutHang); err != nil {
		return Answer{}, err
	}
	return Answer{Status: a.status, Header: a.header(), Body: a.body}, nil
}
