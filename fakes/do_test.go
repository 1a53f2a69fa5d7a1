package fakes

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"syscall"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/go-cmp/cmp"
)

// doResult is what one request got, by either path.
type doResult struct {
	Status int
	Header http.Header
	Body   string
	Err    string
}

// viaClient sends a POST through the in-process client.
func viaClient(ctx context.Context, c *http.Client, rawURL, authz string, body []byte) doResult {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, rawURL, bytes.NewReader(body))
	if err != nil {
		return doResult{Err: err.Error()}
	}
	if authz != "" {
		req.Header.Set("Authorization", authz)
	}
	resp, err := c.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // the client's wrapping, which Do has no reason to add
		}
		return doResult{Err: err.Error()}
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return doResult{Status: resp.StatusCode, Header: resp.Header, Body: string(b)}
}

// viaDo sends the same request through Do.
func viaDo(ctx context.Context, f *Fleet, rawURL, authz string, body []byte, cut error) doResult {
	u, err := url.Parse(rawURL)
	if err != nil {
		return doResult{Err: err.Error()}
	}
	a, err := f.Do(ctx, Request{URL: u, Authorization: authz, Body: body, CutHang: cut})
	if err != nil {
		return doResult{Err: err.Error()}
	}
	return doResult{Status: a.Status, Header: a.Header, Body: string(a.Body)}
}

// TestDoIsTransport checks that Do answers every request as the
// in-process transport does, by fault kind and for requests the protocol
// refuses or no fake serves: equal statuses, headers, bodies and errors,
// and equal ledgers, secrets and stray reports. A hang is cut by the
// request's deadline (virtual time) on both paths, or at once by
// HangCutTransport and CutHang.
func TestDoIsTransport(t *testing.T) {
	errCut := errors.New("cut")
	for _, k := range Kinds() {
		fault := Fault{Kind: k}
		if k == RateLimited {
			fault.RetryAfter = 45 * time.Second
		}
		for _, cut := range []bool{false, true} {
			name := fault.String()
			if cut {
				name += "/cut"
			}
			t.Run(name, func(t *testing.T) {
				synctest.Test(t, func(t *testing.T) {
					script := func(send func(ctx context.Context, f *Fleet, rawURL, authz string, body []byte) doResult) ([]doResult, []Call, []string, string) {
						once := []Step{{Fault: fault, Count: 1}, {Fault: Fault{Kind: OK}, Count: 1}}
						f, err := NewFleet(Config{Providers: []Provider{{Name: "xai-oauth", Plan: Plan{Resolve: once, Completions: once}}},
							Seed: 5, Clock: NewManualClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))})
						if err != nil {
							t.Fatal(err)
						}
						defer f.Close()
						base := f.BaseURL("xai-oauth")
						var out []doResult
						// Each request has its own deadline, as Providers gives it.
						req := func(rawURL, authz string, body []byte) doResult {
							ctx, cancel := context.WithTimeout(context.Background(), time.Second)
							defer cancel()
							r := send(ctx, f, rawURL, authz, body)
							out = append(out, r)
							return r
						}
						req(base+"/resolve", "", []byte(`{"model":"grok-4.3","base_url":null}`))
						ok := req(base+"/resolve", "", []byte(`{"model":null}`))
						var key string
						if m := field(jsonMap(ok.Body), "runtime", "api_key"); m != nil {
							key = m.(string)
						}
						chat := []byte(`{"model":"grok-4.3","messages":[{"role":"user","content":"hi"}]}`)
						req(base+"/v1/chat/completions", "Bearer "+key, chat)
						req(base+"/v1/chat/completions", "Bearer "+key, chat)
						req(base+"/v1/chat/completions", "", chat)
						req(base+"/v1/chat/completions", "Bearer nope", chat)
						req(base+"/resolve", "", []byte(`not json`))
						req(base+"/resolve", "", nil)
						req(f.BaseURL("ghost")+"/resolve", "", []byte(`{}`))
						req(base+"/v2/resolve", "", []byte(`{}`))
						req("http://elsewhere.invalid/p/xai-oauth/resolve", "", []byte(`{}`))
						req("http://fakes.invalid:/p/xai-oauth/resolve", "", []byte(`{}`))
						f.Close()
						req(base+"/resolve", "", []byte(`{}`))
						stray := ""
						if err := f.Err(); err != nil {
							stray = err.Error()
						}
						return out, f.Ledger().Calls(), f.Secrets(), stray
					}
					client := func(ctx context.Context, f *Fleet, rawURL, authz string, body []byte) doResult {
						c := f.Client()
						if cut {
							c = &http.Client{Transport: f.HangCutTransport(errCut)}
						}
						return viaClient(ctx, c, rawURL, authz, body)
					}
					do := func(ctx context.Context, f *Fleet, rawURL, authz string, body []byte) doResult {
						var c error
						if cut {
							c = errCut
						}
						return viaDo(ctx, f, rawURL, authz, body, c)
					}
					wantOut, wantCalls, wantSecrets, wantStray := script(client)
					gotOut, gotCalls, gotSecrets, gotStray := script(do)
					if diff := cmp.Diff(wantOut, gotOut); diff != "" {
						t.Errorf("%s: Do's answers differ from the transport's (-transport +Do):\n%s", fault, diff)
					}
					if diff := cmp.Diff(wantCalls, gotCalls); diff != "" {
						t.Errorf("%s: ledgers differ (-transport +Do):\n%s", fault, diff)
					}
					if diff := cmp.Diff(wantSecrets, gotSecrets); diff != "" {
						t.Errorf("%s: secrets differ (-transport +Do):\n%s", fault, diff)
					}
					if wantStray != gotStray {
						t.Errorf("%s: strays differ:\ntransport: %s\nDo:        %s", fault, wantStray, gotStray)
					}
					switch first := gotOut[0]; {
					case k == Reset && first.Err != errConnReset.Error():
						t.Errorf("reset: Do failed with %q; want the reset error", first.Err)
					case k == Hang && cut && first.Err != errCut.Error():
						t.Errorf("hang cut: Do failed with %q; want %q", first.Err, errCut)
					case k == Hang && !cut && first.Err != context.DeadlineExceeded.Error():
						t.Errorf("hang: Do failed with %q; want the deadline", first.Err)
					}
				})
			})
		}
	}
	if !errors.Is(errConnReset, syscall.ECONNRESET) {
		t.Error("the in-process reset error is not ECONNRESET")
	}
}

func jsonMap(s string) map[string]any {
	var m map[string]any
	_ = json.Unmarshal([]byte(s), &m)
	return m
}

// TestDoDoneContext checks that Do, like a network transport, does not
// serve a request whose context is already done.
func TestDoDoneContext(t *testing.T) {
	f, err := NewFleet(Config{Providers: []Provider{{Name: "xai-oauth"}}})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	u, _ := url.Parse(f.BaseURL("xai-oauth") + "/resolve")
	if _, err := f.Do(ctx, Request{URL: u, Body: []byte(`{}`)}); !errors.Is(err, context.Canceled) {
		t.Errorf("Do with a cancelled context: err = %v; want context.Canceled", err)
	}
	if n := f.Ledger().Len(); n != 0 {
		t.Errorf("Do with a cancelled context was recorded: %v", f.Ledger().Calls())
	}
}
