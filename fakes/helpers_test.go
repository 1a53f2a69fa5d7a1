package fakes

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"testing"
	"time"
)

// transport is one way of reaching a fleet: in-process or loopback.
type transport struct {
	name   string
	client *http.Client
	base   func(provider string) string
}

// open returns a fleet with cfg served both ways; both are closed when the
// test ends.
func open(t testing.TB, cfg Config) (*Fleet, []transport) {
	t.Helper()
	f, err := NewFleet(cfg)
	if err != nil {
		t.Fatalf("NewFleet: %v", err)
	}
	t.Cleanup(func() {
		if err := f.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	srv, err := f.ServeLoopback("")
	if err != nil {
		t.Fatalf("ServeLoopback: %v", err)
	}
	lc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 128}}
	t.Cleanup(lc.CloseIdleConnections)
	return f, []transport{
		{"in-process", f.Client(), f.BaseURL},
		{"loopback", lc, srv.BaseURL},
	}
}

// reply is an answer read whole.
type reply struct {
	status int
	header http.Header
	body   map[string]any
	raw    string
}

// post sends a JSON body to url with an optional bearer.
func post(ctx context.Context, c *http.Client, url string, body any, bearer string) (reply, error) {
	b, _ := json.Marshal(body)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(b))
	if err != nil {
		return reply{}, err
	}
	req.Header.Set("Content-Type", "application/json")
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	resp, err := c.Do(req)
	if err != nil {
		return reply{}, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return reply{}, err
	}
	r := reply{status: resp.StatusCode, header: resp.Header, raw: string(raw)}
	_ = json.Unmarshal(raw, &r.body)
	return r, nil
}

// resolveBody is a /resolve request for model; nil asks for the default.
func resolveBody(model *string) map[string]any {
	return map[string]any{"model": model, "base_url": nil}
}

// chatBody is a completions request.
func chatBody(model string) map[string]any {
	return map[string]any{"model": model, "messages": []map[string]string{{"role": "user", "content": "Reply with one word."}}}
}

func ptr(s string) *string { return &s }

// field digs a value out of a decoded body: field(b, "error", "code").
func field(b map[string]any, path ...string) any {
	var v any = b
	for _, p := range path {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[p]
	}
	return v
}

// testTimeout bounds a test that waits on a request.
func testCtx(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}
