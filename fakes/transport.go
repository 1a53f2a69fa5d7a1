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
	"time"

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
	body := a.body()
	return &http.Response{
		Status:        fmt.Sprintf("%d %s", a.status, http.StatusText(a.status)),
		StatusCode:    a.status,
		Proto:         "HTTP/1.1",
		ProtoMajor:    1,
		ProtoMinor:    1,
		Header:        a.header(),
		Body:          io.NopCloser(bytes.NewReader(body)),
		ContentLength: int64(len(body)),
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

// Answer is a fake's answer. Do gives it as HTTP would (Status, Header,
// Body) and as values; Exchange as values only.
type Answer struct {
	Status int
	Header http.Header
	Body   []byte
	// The answer as values: the runtime of a 200 to /resolve, the
	// assistant's text of a 200 to /v1/chat/completions, or the error
	// object of an error answer. All are nil for a 200 whose body is not
	// the protocol's shape (a malformed completion).
	Runtime *Runtime
	Text    *string
	Error   *ErrorBody
	// RetryAfter is the Retry-After of a 429, zero otherwise.
	RetryAfter time.Duration
}

// answerOf returns a as an Answer, as values, with its HTTP form when
// withHTTP is set.
func answerOf(a answer, withHTTP bool) Answer {
	out := Answer{Status: a.status, Runtime: a.runtime, Text: a.text, Error: a.err, RetryAfter: a.retryAfter}
	if withHTTP {
		out.Header, out.Body = a.header(), a.body()
	}
	return out
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
	a := f.serve(fp, ep, u.Host, r.Authorization, decodeRequest(body))
	if err := f.noAnswer(ctx, a, r.CutHang); err != nil {
		return Answer{}, err
	}
	return answerOf(a, true), nil
}

// Exchange is one request to a fake as values, without HTTP or JSON: what
// a harness's own model sends.
type Exchange struct {
	Provider string
	Endpoint Endpoint
	// Model and BaseURL are the request's fields; nil for none.
	Model, BaseURL *string
	// Bearer is the API key a completion presents; empty for none.
	Bearer string
	// CutHang, when set, is what an exchange meeting a hang fault fails
	// with at once; nil waits until ctx is done or the fleet closes.
	CutHang error
}

// Exchange serves x as Do serves the same request, with the same plan
// step, ledger record and answer, but as values: nothing is encoded or
// decoded, and a runtime's base URL is the fleet's in-process one
// (BaseURL). It fails as Do does. It is the fastest way for a harness's
// own model to reach its fleet.
func (f *Fleet) Exchange(ctx context.Context, x Exchange) (Answer, error) {
	if err := ctx.Err(); err != nil {
		return Answer{}, err
	}
	if !f.enter() {
		return Answer{}, ErrClosed
	}
	defer f.inflight.Done()
	fp, ok := f.providers[x.Provider]
	if !ok || (x.Endpoint != EndpointResolve && x.Endpoint != EndpointCompletions) {
		u := &url.URL{Scheme: "http", Host: inProcessHost, Path: "/p/" + x.Provider + "/" + string(x.Endpoint)}
		return Answer{}, f.stray(http.MethodPost, u, "no fake serves provider %q, endpoint %q (have %s)", x.Provider, x.Endpoint, strings.Join(f.names, ", "))
	}
	authz := ""
	if x.Bearer != "" {
		authz = "Bearer " + x.Bearer
	}
	a := f.serve(fp, x.Endpoint, inProcessHost, authz, request{model: x.Model, baseURL: x.BaseURL})
	if err := f.noAnswer(ctx, a, x.CutHang); err != nil {
		return Answer{}, err
	}
	return answerOf(a, false), nil
}
