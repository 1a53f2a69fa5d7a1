package model

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/fallbackgate/fallbackgate/fakes"
	"github.com/fallbackgate/fallbackgate/harness"
	"github.com/fallbackgate/fallbackgate/resolver"
)

// errHangCut is what a request to a hanging fake fails with when the model
// cuts hangs.
var errHangCut = errors.New("no answer: the provider hangs (cut short)")

// OtherError is every failure of a request to a fake that is not an
// AuthError (PROTOCOL.md's table): an error answer, no answer, or a success
// answer that carries nothing usable. It never starts a fallback (R5, R11).
type OtherError struct {
	Provider string
	// Type is the answer's error.type, or "network", "malformed" or
	// "http" when the answer gave none.
	Type string
	// Status is the HTTP status; 0 when no answer came.
	Status  int
	Message string
}

// Error reads "provider: message (type, HTTP status)".
func (e *OtherError) Error() string {
	if e.Status == 0 {
		return fmt.Sprintf("%s: %s (%s)", e.Provider, e.Message, e.Type)
	}
	return fmt.Sprintf("%s: %s (%s, HTTP %d)", e.Provider, e.Message, e.Type, e.Status)
}

// fleetClient is the model's way to the fakes: the fleet itself, reached
// without HTTP (fakes.Fleet.Do), read as PROTOCOL.md says a subject must
// read it.
type fleetClient struct {
	fleet    *fakes.Fleet
	timeout  time.Duration
	cutHangs bool
}

// resolve asks e's fake for a runtime with the entry's own model and base
// URL (R9).
func (p fleetClient) resolve(ctx context.Context, e resolver.Entry) (resolver.Runtime, error) {
	body, _ := json.Marshal(resolveBody{Model: orNull(e.Model), BaseURL: orNull(e.BaseURL)})
	var answer struct {
		Runtime *resolver.Runtime `json:"runtime"`
	}
	if err := p.post(ctx, e.Provider, p.fleet.BaseURL(e.Provider)+"/resolve", "", body, &answer); err != nil {
		return resolver.Runtime{}, err
	}
	// A 200 is a runtime only with a non-empty base_url and api_key
	// (PROTOCOL.md); any other is an other error (R5, R11).
	if answer.Runtime == nil || answer.Runtime.BaseURL == "" || answer.Runtime.APIKey.Reveal() == "" {
		return resolver.Runtime{}, &OtherError{Provider: e.Provider, Type: "malformed", Status: http.StatusOK, Message: "a success answer without a usable runtime"}
	}
	rt := *answer.Runtime
	if rt.Provider == "" {
		rt.Provider = e.Provider
	}
	return rt, nil
}

// The request bodies of PROTOCOL.md's two endpoints.
type (
	resolveBody struct {
		Model   *string `json:"model"`
		BaseURL *string `json:"base_url"`
	}
	message struct {
		Role    string `json:"role"`
		Content string `json:"content"`
	}
	completionBody struct {
		Model    string    `json:"model"`
		Messages []message `json:"messages"`
	}
)

// complete sends prompt to rt with model and returns the assistant's text.
func (p fleetClient) complete(ctx context.Context, rt resolver.Runtime, model, prompt string) (string, error) {
	body, _ := json.Marshal(completionBody{Model: model, Messages: []message{{Role: "user", Content: prompt}}})
	var answer struct {
		Choices []struct {
			Message *struct {
				Content string `json:"content"`
			} `json:"message"`
		} `json:"choices"`
	}
	endpoint := strings.TrimRight(rt.BaseURL, "/") + "/v1/chat/completions"
	if err := p.post(ctx, rt.Provider, endpoint, rt.APIKey.Reveal(), body, &answer); err != nil {
		return "", err
	}
	if len(answer.Choices) == 0 || answer.Choices[0].Message == nil {
		return "", &OtherError{Provider: rt.Provider, Type: "malformed", Status: http.StatusOK, Message: "a success answer without a completion"}
	}
	return answer.Choices[0].Message.Content, nil
}

// walk is the runtime of a start-up that landed: the landed runtime
// answers the prompt or, when it fails, the walk of R18 moves along the
// remaining chain. It returns the answer, or the last error.
func (p fleetClient) walk(ctx context.Context, req resolver.Request, dec resolver.Decision, prompt string) (string, error) {
	var text string
	err := resolver.Walk(req, dec, func(i int, e resolver.Entry, model string) error {
		rt := dec.Runtime
		if i >= 0 {
			var err error
			if rt, err = p.resolve(ctx, e); err != nil {
				return err
			}
		}
		var err error
		text, err = p.complete(ctx, rt, model, prompt)
		return err
	})
	return text, err
}

// post sends body to endpoint through the fleet and decodes a 200 answer
// into out; every other answer, or none, is an error naming provider.
func (p fleetClient) post(ctx context.Context, provider, endpoint, bearer string, body []byte, out any) error {
	timeout := p.timeout
	if timeout == 0 {
		timeout = harness.DefaultRequestTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	u, err := url.Parse(endpoint)
	if err != nil {
		return &OtherError{Provider: provider, Type: "config", Message: "bad provider URL: " + err.Error()}
	}
	r := fakes.Request{URL: u, Body: body}
	if bearer != "" {
		r.Authorization = "Bearer " + bearer
	}
	if p.cutHangs {
		r.CutHang = errHangCut
	}
	a, err := p.fleet.Do(ctx, r)
	if err != nil {
		msg := "no answer: " + err.Error()
		if errors.Is(err, context.DeadlineExceeded) {
			msg = "no answer in time"
		}
		return &OtherError{Provider: provider, Type: "network", Message: msg}
	}
	if a.Status == http.StatusOK {
		if json.Unmarshal(a.Body, out) != nil {
			return &OtherError{Provider: provider, Type: "malformed", Status: a.Status, Message: "a success answer that is not JSON"}
		}
		return nil
	}
	return errorAnswer(provider, a)
}

// errorAnswer reads an error answer as PROTOCOL.md's table says: a 401, 403
// or 429 of type "auth" is an AuthError with exactly its fields (the
// retry-after from the body, else from the Retry-After header); any other
// is an OtherError.
func errorAnswer(provider string, a fakes.Answer) error {
	var body struct {
		Error *struct {
			Type            string          `json:"type"`
			Provider        string          `json:"provider"`
			Code            string          `json:"code"`
			ReloginRequired bool            `json:"relogin_required"`
			RetryAfter      json.RawMessage `json:"retry_after"`
			Message         string          `json:"message"`
		} `json:"error"`
	}
	if json.Unmarshal(a.Body, &body) != nil || body.Error == nil {
		return &OtherError{Provider: provider, Type: "http", Status: a.Status, Message: "an answer without an error object"}
	}
	e := body.Error
	switch a.Status {
	case http.StatusUnauthorized, http.StatusForbidden, http.StatusTooManyRequests:
		if e.Type == "auth" {
			return &resolver.AuthError{Provider: or(e.Provider, provider), Code: e.Code, ReloginRequired: e.ReloginRequired,
				RetryAfter: retryAfter(e.RetryAfter, a.Header.Get("Retry-After")), Message: e.Message}
		}
	}
	return &OtherError{Provider: or(e.Provider, provider), Type: or(e.Type, "http"), Status: a.Status, Message: or(e.Message, http.StatusText(a.Status))}
}

// retryAfter reads seconds from the body's retry_after (a number or a
// numeric string), else from the header.
func retryAfter(body json.RawMessage, header string) time.Duration {
	var v any
	_ = json.Unmarshal(body, &v)
	secs := strings.TrimSpace(header)
	switch v := v.(type) {
	case float64:
		secs = strconv.FormatFloat(v, 'f', -1, 64)
	case string:
		secs = strings.TrimSpace(v)
	}
	f, err := strconv.ParseFloat(secs, 64)
	if err != nil || f <= 0 {
		return 0
	}
	return time.Duration(f * float64(time.Second))
}

func orNull(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func or(s, fallback string) string {
	if s == "" {
		return fallback
	}
	return s
}
