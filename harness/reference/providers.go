package reference

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/fallbackgate/fallbackgate/harness"
	"github.com/fallbackgate/fallbackgate/resolver"
)

// ProviderError is every failure to reach or use a provider that is not an
// [*resolver.AuthError]: an unknown provider, an outage, a bad request, a
// reset connection, a timeout, a malformed answer. It is never a reason to
// fall back (R5, R11).
type ProviderError struct {
	// Provider is the provider slug the request was for.
	Provider string
	// Type is the provider's error.type ("config", "unavailable", ...) or,
	// when the provider gave none, one of "unknown_provider", "network",
	// "malformed" or "http".
	Type string
	// Status is the HTTP status; 0 when no response arrived.
	Status int
	// Message says what went wrong; it never holds a secret.
	Message string
}

// Error reads "provider: message (type, HTTP status)".
func (e *ProviderError) Error() string {
	if e.Status == 0 {
		return fmt.Sprintf("%s: %s (%s)", e.Provider, e.Message, e.Type)
	}
	return fmt.Sprintf("%s: %s (%s, HTTP %d)", e.Provider, e.Message, e.Type, e.Status)
}

// Providers is the HTTP side of the reference surfaces: it reaches the fake
// providers of a case only through the case's provider URLs (PROTOCOL.md,
// "Fake providers") and maps their answers to runtimes and errors.
type Providers struct {
	// Client sends the requests; nil means http.DefaultClient.
	Client *http.Client
	// URLs maps each provider slug to its base URL (Case.Providers).
	URLs map[string]string
	// Timeout bounds each request; zero means DefaultRequestTimeout and a
	// negative value means no bound beyond the context's.
	Timeout time.Duration
	// AcceptRuntimeWithoutKey takes a 200 whose runtime has a base_url but
	// no api_key for a runtime (a mutation: PROTOCOL.md makes it an other
	// error).
	AcceptRuntimeWithoutKey bool
}

// Resolve asks e's provider for a runtime: POST {base}/resolve with
// {"model", "base_url"} (null when the entry has none). It returns an
// [*resolver.AuthError] carrying exactly the fields of a 401, 403 or 429
// auth answer, and a [*ProviderError] for everything else that fails,
// including a provider the case gives no URL.
func (p Providers) Resolve(ctx context.Context, e resolver.Entry) (resolver.Runtime, error) {
	base, ok := p.URLs[e.Provider]
	if !ok || base == "" {
		return resolver.Runtime{}, &ProviderError{Provider: e.Provider, Type: "unknown_provider",
			Message: fmt.Sprintf("unknown provider %q: the case gives it no URL", e.Provider)}
	}
	body := struct {
		Model   *string `json:"model"`
		BaseURL *string `json:"base_url"`
	}{nullable(e.Model), nullable(e.BaseURL)}
	var answer struct {
		Runtime *resolver.Runtime `json:"runtime"`
	}
	if err := p.post(ctx, e.Provider, strings.TrimRight(base, "/")+"/resolve", "", body, &answer); err != nil {
		return resolver.Runtime{}, err
	}
	if answer.Runtime == nil || answer.Runtime.BaseURL == "" || (answer.Runtime.APIKey.Reveal() == "" && !p.AcceptRuntimeWithoutKey) {
		return resolver.Runtime{}, &ProviderError{Provider: e.Provider, Type: "malformed", Status: http.StatusOK,
			Message: `resolve answer has no "runtime" with a "base_url" and an "api_key"`}
	}
	rt := *answer.Runtime
	if rt.Provider == "" {
		rt.Provider = e.Provider
	}
	return rt, nil
}

// Complete sends prompt to rt with model: POST {rt.BaseURL}/v1/chat/completions
// with the runtime's API key as a bearer token. It returns the assistant's
// text, or an error mapped as in [Providers.Resolve].
func (p Providers) Complete(ctx context.Context, rt resolver.Runtime, model, prompt string) (string, error) {
	type message struct {
		Role    string `json:"role"`
		Content string `json:"content"`
	}
	body := struct {
		Model    string    `json:"model"`
		Messages []message `json:"messages"`
	}{model, []message{{"user", prompt}}}
	var answer struct {
		Choices []struct {
			Message *message `json:"message"`
		} `json:"choices"`
	}
	endpoint := strings.TrimRight(rt.BaseURL, "/") + "/v1/chat/completions"
	if err := p.post(ctx, rt.Provider, endpoint, rt.APIKey.Reveal(), body, &answer); err != nil {
		return "", err
	}
	if len(answer.Choices) == 0 || answer.Choices[0].Message == nil {
		return "", &ProviderError{Provider: rt.Provider, Type: "malformed", Status: http.StatusOK,
			Message: `completion answer has no "choices[0].message"`}
	}
	return answer.Choices[0].Message.Content, nil
}

// post sends body as JSON and decodes a 200 answer into out. Every other
// outcome becomes an error naming provider.
func (p Providers) post(ctx context.Context, provider, endpoint, bearer string, body, out any) error {
	timeout := p.Timeout
	if timeout == 0 {
		timeout = harness.DefaultRequestTimeout
	}
	if timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, timeout)
		defer cancel()
	}
	b, err := json.Marshal(body)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, bytes.NewReader(b))
	if err != nil {
		return &ProviderError{Provider: provider, Type: "config", Message: "bad provider URL: " + err.Error()}
	}
	req.Header.Set("Content-Type", "application/json")
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	client := p.Client
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		return &ProviderError{Provider: provider, Type: "network", Message: networkProblem(ctx, err)}
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
	if err != nil {
		return &ProviderError{Provider: provider, Type: "network", Status: resp.StatusCode, Message: networkProblem(ctx, err)}
	}
	return decodeAnswer(provider, resp.StatusCode, resp.Header, data, out)
}

// maxAnswer is how much of an answer's body is read.
const maxAnswer = 1 << 20

// decodeAnswer reads a provider's answer: a 200 is decoded into out,
// anything else becomes an error through errorAnswer.
func decodeAnswer(provider string, status int, header http.Header, data []byte, out any) error {
	if status == http.StatusOK {
		if err := json.Unmarshal(data, out); err != nil {
			return &ProviderError{Provider: provider, Type: "malformed", Status: status, Message: "answer is not the expected JSON"}
		}
		return nil
	}
	return errorAnswer(provider, status, header, data)
}

// errorAnswer maps a non-200 answer (PROTOCOL.md's table): 401, 403 and 429
// with error.type "auth" are AuthErrors; everything else is a ProviderError.
func errorAnswer(provider string, status int, header http.Header, data []byte) error {
	var answer struct {
		Error *struct {
			Type            string          `json:"type"`
			Provider        string          `json:"provider"`
			Code            string          `json:"code"`
			ReloginRequired bool            `json:"relogin_required"`
			RetryAfter      json.RawMessage `json:"retry_after"`
			Message         string          `json:"message"`
		} `json:"error"`
	}
	if json.Unmarshal(data, &answer) != nil || answer.Error == nil {
		return &ProviderError{Provider: provider, Type: "http", Status: status,
			Message: fmt.Sprintf("unexpected answer %s", http.StatusText(status))}
	}
	a := answer.Error
	authStatus := status == http.StatusUnauthorized || status == http.StatusForbidden || status == http.StatusTooManyRequests
	if authStatus && a.Type == "auth" {
		ae := &resolver.AuthError{Provider: a.Provider, Code: a.Code, ReloginRequired: a.ReloginRequired,
			RetryAfter: retryAfter(a.RetryAfter, header.Get("Retry-After")), Message: a.Message}
		if ae.Provider == "" {
			ae.Provider = provider
		}
		return ae
	}
	pe := &ProviderError{Provider: a.Provider, Type: a.Type, Status: status, Message: a.Message}
	if pe.Provider == "" {
		pe.Provider = provider
	}
	if pe.Type == "" {
		pe.Type = "http"
	}
	if pe.Message == "" {
		pe.Message = http.StatusText(status)
	}
	return pe
}

// retryAfter reads the body's retry_after (seconds, a number or a numeric
// string) and falls back to the Retry-After header in seconds. An HTTP date
// is ignored: reading it would need a clock.
func retryAfter(body json.RawMessage, header string) time.Duration {
	var v any
	if len(body) > 0 && json.Unmarshal(body, &v) == nil {
		switch v := v.(type) {
		case float64:
			return seconds(v)
		case string:
			if f, err := strconv.ParseFloat(strings.TrimSpace(v), 64); err == nil {
				return seconds(f)
			}
		}
	}
	if f, err := strconv.ParseFloat(strings.TrimSpace(header), 64); err == nil {
		return seconds(f)
	}
	return 0
}

func seconds(f float64) time.Duration {
	if f <= 0 {
		return 0
	}
	return time.Duration(f * float64(time.Second))
}

// networkProblem says why no answer came, without the URL's query or any
// header.
func networkProblem(ctx context.Context, err error) string {
	switch {
	case errors.Is(ctx.Err(), context.DeadlineExceeded), errors.Is(err, context.DeadlineExceeded):
		return "no answer in time"
	case errors.Is(ctx.Err(), context.Canceled):
		return "request cancelled"
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	return "no answer: " + err.Error()
}

func nullable(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
