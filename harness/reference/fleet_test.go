package reference_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"

	"github.com/jarcoal/httpmock"

	"github.com/fallbackgate/fallbackgate/harness"
	"github.com/fallbackgate/fallbackgate/resolver"
)

// This file plays the fake providers of PROTOCOL.md over an httpmock
// transport, so that the reference surfaces are tested without the fakes
// package: one refFleet per test, never httpmock's global transport.

const (
	refBase = "http://fakes.test/p/"
	// refSecret starts every API key the fleet hands out; no output may
	// contain it (R16).
	refSecret = "sk-live-SECRET-"
)

// refFault is what a fake answers to one request.
type refFault struct {
	Status     int // 0 is a healthy 200
	Code       string
	Relogin    bool
	RetryAfter int // seconds; 429 only
	// Kind is "" for an HTTP answer, or "reset", "hang" or "malformed".
	Kind string
}

var (
	refHealthy = refFault{}
	refReset   = refFault{Kind: "reset"}
	refHang    = refFault{Kind: "hang"}
	refGarbage = refFault{Kind: "malformed"}
	refDown    = refFault{Status: http.StatusServiceUnavailable}
	refBroken  = refFault{Status: http.StatusInternalServerError}
)

// refAuth is a 401 auth failure with code.
func refAuth(code string, relogin bool) refFault {
	return refFault{Status: http.StatusUnauthorized, Code: code, Relogin: relogin}
}

// refRateLimit is a 429 rate limit asking to retry after seconds.
func refRateLimit(seconds int) refFault {
	return refFault{Status: http.StatusTooManyRequests, Code: resolver.RateLimitCode, RetryAfter: seconds}
}

// refMessage is the message a fake sends with fault f: distinct per
// provider and code, so that "verbatim" can be checked, and free of the
// cli's hint words.
func refMessage(provider string, f refFault) string {
	if f.Status == http.StatusTooManyRequests {
		return provider + " quota exhausted"
	}
	return fmt.Sprintf("%s credential rejected: %s", provider, f.Code)
}

// refCall is one request the fleet served: its ledger line.
type refCall struct {
	Provider, Endpoint, Model string
}

// refFleet serves fake providers. Faults are consumed per provider and
// endpoint, the last one repeating; a provider with no faults is healthy.
type refFleet struct {
	mu       sync.Mutex
	resolve  map[string][]refFault
	complete map[string][]refFault
	served   map[string]int
	ledger   []refCall
}

// newRefFleet returns a fleet and a client whose transport reaches it.
func newRefFleet() (*refFleet, *http.Client) {
	f := &refFleet{resolve: map[string][]refFault{}, complete: map[string][]refFault{}, served: map[string]int{}}
	mt := httpmock.NewMockTransport()
	mt.RegisterNoResponder(f.respond)
	return f, &http.Client{Transport: mt}
}

// urls returns the case's provider URLs for providers.
func (f *refFleet) urls(providers ...string) map[string]string {
	m := map[string]string{}
	for _, p := range providers {
		m[p] = refBase + p
	}
	return m
}

// calls returns the ledger so far.
func (f *refFleet) calls() []refCall {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]refCall(nil), f.ledger...)
}

// resolves lists the resolve requests in order, as "provider/model".
func (f *refFleet) resolves() []string {
	var out []string
	for _, c := range f.calls() {
		if c.Endpoint == "resolve" {
			out = append(out, resolver.Entry{Provider: c.Provider, Model: c.Model}.String())
		}
	}
	return out
}

func (f *refFleet) next(plan map[string][]refFault, key, provider string) refFault {
	f.mu.Lock()
	defer f.mu.Unlock()
	faults := plan[provider]
	n := f.served[key]
	f.served[key]++
	if len(faults) == 0 {
		return refHealthy
	}
	return faults[min(n, len(faults)-1)]
}

func (f *refFleet) respond(req *http.Request) (*http.Response, error) {
	rest, ok := strings.CutPrefix(req.URL.String(), refBase)
	provider, endpoint, _ := strings.Cut(rest, "/")
	if !ok || req.Method != http.MethodPost {
		return httpmock.NewStringResponse(http.StatusNotFound, `{"error":{"type":"config","message":"no such endpoint"}}`), nil
	}
	var body struct {
		Model   *string `json:"model"`
		BaseURL *string `json:"base_url"`
	}
	if err := json.NewDecoder(req.Body).Decode(&body); err != nil {
		return httpmock.NewStringResponse(http.StatusBadRequest, `{"error":{"type":"config","message":"bad body"}}`), nil
	}
	model := ""
	if body.Model != nil {
		model = *body.Model
	}
	var fault refFault
	switch endpoint {
	case "resolve":
		fault = f.next(f.resolve, provider+" resolve", provider)
	case "v1/chat/completions":
		endpoint = "complete"
		fault = f.next(f.complete, provider+" complete", provider)
		if req.Header.Get("Authorization") != "Bearer "+refSecret+provider {
			fault = refAuth("bad_bearer", false)
		}
	default:
		return httpmock.NewStringResponse(http.StatusNotFound, `{"error":{"type":"config","message":"no such endpoint"}}`), nil
	}
	f.mu.Lock()
	f.ledger = append(f.ledger, refCall{Provider: provider, Endpoint: endpoint, Model: model})
	f.mu.Unlock()

	switch fault.Kind {
	case "reset":
		return nil, errors.New("read: connection reset by peer")
	case "hang":
		<-req.Context().Done()
		return nil, req.Context().Err()
	case "malformed":
		return httpmock.NewStringResponse(http.StatusOK, `{"runtime": {"provider": `), nil
	}
	switch {
	case fault.Status == 0 && endpoint == "resolve":
		if model == "" {
			model = provider + "-default"
		}
		return httpmock.NewJsonResponse(http.StatusOK, map[string]any{"runtime": map[string]any{
			"provider": provider, "model": model, "base_url": refBase + provider, "api_key": refSecret + provider}})
	case fault.Status == 0:
		return httpmock.NewJsonResponse(http.StatusOK, map[string]any{"choices": []any{map[string]any{
			"message": map[string]any{"role": "assistant", "content": refAnswer(provider, model)}}}})
	case fault.Code != "":
		var retry any
		if fault.RetryAfter > 0 {
			retry = fault.RetryAfter
		}
		resp, err := httpmock.NewJsonResponse(fault.Status, map[string]any{"error": map[string]any{
			"type": "auth", "provider": provider, "code": fault.Code, "relogin_required": fault.Relogin,
			"retry_after": retry, "message": refMessage(provider, fault)}})
		if err == nil && fault.RetryAfter > 0 {
			resp.Header.Set("Retry-After", fmt.Sprint(fault.RetryAfter))
		}
		return resp, err
	default:
		return httpmock.NewJsonResponse(fault.Status, map[string]any{"error": map[string]any{
			"type": "unavailable", "provider": provider, "message": provider + " is down for maintenance"}})
	}
}

// refAnswer is the text a healthy fake answers with.
func refAnswer(provider, model string) string {
	return fmt.Sprintf("answer from %s/%s", provider, model)
}

// The providers of the tests: the primary of the incident and two more.
const (
	refPrimary = "xai-oauth/grok-4.3"
	refA       = "openai-codex/gpt-5.5"
	refB       = "anthropic/claude-opus-4-7"
)

// refNewCase returns a case with primary refPrimary and chain, each entry a
// mapping written in shorthand here, with URLs for every provider in the
// fleet's tests (and not for "ghost").
func refNewCase(f *refFleet, id string, chain ...string) harness.Case {
	c := harness.Case{
		Protocol: harness.Protocol,
		ID:       id,
		Config: harness.CaseConfig{
			Model:             harness.PrimaryConfig{Provider: "xai-oauth", Default: "grok-4.3"},
			FallbackProviders: []harness.ConfigEntry{},
		},
		Prompt:    "Reply with one word.",
		Providers: f.urls("xai-oauth", "openai-codex", "anthropic"),
	}
	for _, s := range chain {
		e, err := resolver.ParseEntry(s)
		if err != nil {
			panic(err)
		}
		c.Config.FallbackProviders = append(c.Config.FallbackProviders, harness.ConfigEntry{Entry: e})
	}
	return c
}
