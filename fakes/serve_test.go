package fakes

import (
	"context"
	"errors"
	"io"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
)

func TestParsePlanFile(t *testing.T) {
	ps, err := ParsePlanFile("plan.yaml", []byte("xai-oauth: \"2*ok -> missing\"\nopenai-codex: 503\nanthropic: ok\n"))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range ps {
		got = append(got, p.Name+"="+p.Plan.String())
	}
	if want := "xai-oauth=2*ok -> missing openai-codex=503 anthropic=ok"; strings.Join(got, " ") != want {
		t.Errorf("got %v; want %s", got, want)
	}
	for _, tc := range []struct{ data, want string }{
		{"xai-oauth: ok\nopenai-codex: \"2*ok -> \"\n", `plan.yaml:2: provider "openai-codex": plan "2*ok -> " at 8: expected a fault`},
		{"- ok\n", "plan.yaml:1: want a mapping of provider to plan"},
		{"", "plan.yaml: no providers"},
		{"a: ok\na: ok\n", `plan.yaml:2: provider "a" is listed twice`},
		{"a/b: ok\n", `plan.yaml:1: "a/b" is not a provider name`},
		{"a: [ok]\n", `plan.yaml:1: provider "a": the plan must be a string`},
		{"a: 'ok\n", "plan.yaml: yaml:"},
	} {
		_, err := ParsePlanFile("plan.yaml", []byte(tc.data))
		if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
			t.Errorf("ParsePlanFile(%q) = %v; want %s...", tc.data, err, tc.want)
		}
	}
}

// syncWriter collects output and signals when it contains a mark.
type syncWriter struct {
	mu   sync.Mutex
	b    strings.Builder
	mark string
	seen chan struct{}
}

func (w *syncWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.b.Write(p)
	if w.seen != nil && strings.Contains(w.b.String(), w.mark) {
		close(w.seen)
		w.seen = nil
	}
	return len(p), nil
}

func (w *syncWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.String()
}

func TestServe(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	w := &syncWriter{mark: "plan: 429", seen: make(chan struct{})}
	seen := w.seen
	errc := make(chan error, 1)
	go func() {
		errc <- Serve(ctx, "plan.yaml", []byte("xai-oauth: missing\nopenai-codex: 429(retry_after=9s)\n"), w)
	}()
	select {
	case <-seen:
	case err := <-errc:
		t.Fatalf("Serve: %v", err)
	}
	m := regexp.MustCompile(`http://127\.0\.0\.1:\d+/p/xai-oauth`).FindString(w.String())
	if m == "" {
		t.Fatalf("no base URL in output:\n%s", w)
	}
	c := &http.Client{Transport: &http.Transport{}}
	defer c.CloseIdleConnections()
	resp, err := c.Post(m+"/resolve", "application/json", strings.NewReader(`{"model":null}`))
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	cancel()
	if err := <-errc; err != nil && !errors.Is(err, context.Canceled) {
		t.Fatalf("Serve: %v", err)
	}
	out := w.String()
	for _, want := range []string{"openai-codex", "SEQ", "xai_auth_missing_access_token", "ledger (1 calls)"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if err := Serve(context.Background(), "bad.yaml", []byte("x: \"ok ->\"\n"), io.Discard); err == nil || !strings.Contains(err.Error(), `bad.yaml:1: provider "x": plan "ok ->" at 5`) {
		t.Errorf("Serve of a bad plan: %v", err)
	}
}
