package model

import (
	"context"
	"errors"
	"fmt"
	"net/http"
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
// without HTTP or JSON (fakes.Fleet.Exchange), its answers read as
// PROTOCOL.md's table says a subject must read them.
type fleetClient struct {
	fleet    *fakes.Fleet
	timeout  time.Duration
	cutHangs bool
}

// resolve asks e's fake for a runtime with the entry's own model and base
// URL (R9). A 200 is a runtime only with a non-empty base_url and api_key
// (PROTOCOL.md); any other 200 is an other error (R5, R11).
func (p fleetClient) resolve(ctx context.Context, e resolver.Entry) (resolver.Runtime, error) {
	a, err := p.exchange(ctx, fakes.Exchange{Provider: e.Provider, Endpoint: fakes.EndpointResolve, Model: orNull(e.Model), BaseURL: orNull(e.BaseURL)})
	if err != nil {
		return resolver.Runtime{}, err
	}
	r := a.Runtime
	if r == nil || r.BaseURL == "" || r.APIKey == "" {
		return resolver.Runtime{}, &OtherError{Provider: e.Provider, Type: "malformed", Status: http.StatusOK, Message: "a success answer without a usable runtime"}
	}
	return resolver.Runtime{Provider: or(r.Provider, e.Provider), Model: r.Model, BaseURL: r.BaseURL, APIKey: resolver.NewSecret(r.APIKey)}, nil
}

// complete sends prompt to rt's fake with model and returns the
// assistant's text.
func (p fleetClient) complete(ctx context.Context, rt resolver.Runtime, model, prompt string) (string, error) {
	a, err := p.exchange(ctx, fakes.Exchange{Provider: rt.Provider, Endpoint: fakes.EndpointCompletions, Model: &model, Bearer: rt.APIKey.Reveal()})
	if err != nil {
		return "", err
	}
	if a.Text == nil {
		return "", &OtherError{Provider: rt.Provider, Type: "malformed", Status: http.StatusOK, Message: "a success answer without a completion"}
	}
	return *a.Text, nil
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

// exchange sends x to the fleet: a 200 is returned, every other answer
// (or none) is an error naming x's provider. Without hang cutting, a
// request waits for the request bound as a subject's would.
func (p fleetClient) exchange(ctx context.Context, x fakes.Exchange) (fakes.Answer, error) {
	if p.cutHangs {
		x.CutHang = errHangCut
	} else {
		timeout := p.timeout
		if timeout == 0 {
			timeout = harness.DefaultRequestTimeout
		}
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, timeout)
		defer cancel()
	}
	a, err := p.fleet.Exchange(ctx, x)
	if err != nil {
		msg := "no answer: " + err.Error()
		if errors.Is(err, context.DeadlineExceeded) {
			msg = "no answer in time"
		}
		return a, &OtherError{Provider: x.Provider, Type: "network", Message: msg}
	}
	if a.Status != http.StatusOK {
		return a, errorAnswer(x.Provider, a)
	}
	return a, nil
}

// errorAnswer reads an error answer as PROTOCOL.md's table says: a 401, 403
// or 429 of type "auth" is an AuthError with exactly its fields (the
// retry-after from the body, else from the Retry-After header); any other
// is an OtherError.
func errorAnswer(provider string, a fakes.Answer) error {
	e := a.Error
	if e == nil {
		return &OtherError{Provider: provider, Type: "http", Status: a.Status, Message: "an answer without an error object"}
	}
	switch a.Status {
	case http.StatusUnauthorized, http.StatusForbidden, http.StatusTooManyRequests:
		if e.Type == "auth" {
			retry := a.RetryAfter
			if e.RetryAfter != nil {
				retry = time.Duration(*e.RetryAfter) * time.Second
			}
			return &resolver.AuthError{Provider: or(e.Provider, provider), Code: e.Code, ReloginRequired: e.ReloginRequired,
				RetryAfter: max(retry, 0), Message: e.Message}
		}
	}
	return &OtherError{Provider: or(e.Provider, provider), Type: or(e.Type, "http"), Status: a.Status, Message: or(e.Message, http.StatusText(a.Status))}
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
