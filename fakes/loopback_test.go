package fakes

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// script runs a fixed sequence of requests against a fleet, advancing its
// manual clock between them, and returns each answer with the fleet's base
// URL taken out.
func script(t *testing.T, clock *ManualClock, c *http.Client, base func(string) string) []string {
	t.Helper()
	ctx := testCtx(t)
	var out []string
	keys := map[string]string{}
	for round := range 4 {
		for _, p := range []string{"xai-oauth", "openai-codex", "anthropic", "mistral"} {
			clock.Advance(7 * time.Second)
			var model *string
			if round%2 == 1 {
				model = ptr("m" + fmt.Sprint(round))
			}
			r, err := post(ctx, c, base(p)+"/resolve", resolveBody(model), "")
			if err != nil {
				out = append(out, p+" resolve: transport error")
				continue
			}
			if k, ok := field(r.body, "runtime", "api_key").(string); ok {
				keys[p] = k
			}
			out = append(out, fmt.Sprintf("%s resolve: %d %s", p, r.status, strings.ReplaceAll(r.raw, base(p), "BASE")))
			clock.Advance(time.Second)
			r, err = post(ctx, c, base(p)+"/v1/chat/completions", chatBody("x"), keys[p])
			if err != nil {
				out = append(out, p+" completions: transport error")
				continue
			}
			out = append(out, fmt.Sprintf("%s completions: %d %s", p, r.status, r.raw))
		}
	}
	return out
}

// TestSameLedgerBothWays runs one script in-process and on loopback against
// fleets with equal plans, seeds and clocks, and compares answers and
// ledgers.
func TestSameLedgerBothWays(t *testing.T) {
	plans := map[string]string{
		"xai-oauth":    "2*ok -> missing",
		"openai-codex": "429(retry_after=7s) until 20s -> ok",
		"anthropic":    "resolve: expired -> ok until 40s -> revoked; completions: 500 -> ok",
		"mistral":      "reset -> malformed -> 503 -> 404 -> unconfigured -> ok",
	}
	run := func(loopback bool) ([]string, *Fleet) {
		clock := NewManualClock(time.Date(2026, 6, 7, 9, 0, 0, 0, time.UTC))
		var ps []Provider
		for _, n := range []string{"xai-oauth", "openai-codex", "anthropic", "mistral"} {
			ps = append(ps, Provider{Name: n, Plan: MustParse(plans[n])})
		}
		f, err := NewFleet(Config{Providers: ps, Clock: clock, Seed: 42})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { f.Close() })
		if !loopback {
			return script(t, clock, f.Client(), f.BaseURL), f
		}
		srv, err := f.ServeLoopback("127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		c := &http.Client{Transport: &http.Transport{}}
		defer c.CloseIdleConnections()
		return script(t, clock, c, srv.BaseURL), f
	}
	inAnswers, in := run(false)
	lbAnswers, lb := run(true)
	if d := cmp.Diff(inAnswers, lbAnswers); d != "" {
		t.Errorf("answers (-in-process +loopback):\n%s", d)
	}
	if d := cmp.Diff(in.Ledger().Calls(), lb.Ledger().Calls()); d != "" {
		t.Errorf("ledgers (-in-process +loopback):\n%s", d)
	}
	if d := cmp.Diff(in.Secrets(), lb.Secrets()); d != "" {
		t.Errorf("secrets differ (-in-process +loopback):\n%s", d)
	}
	// Guard against a vacuous pass: the script met every outcome.
	seen := map[Served]bool{}
	for _, c := range in.Ledger().Calls() {
		seen[c.Served] = true
	}
	for _, o := range []Served{ServedOK, ServedAuth, ServedRateLimit, ServedConfig, ServedUnavailable, ServedMalformed, ServedReset} {
		if !seen[o] {
			t.Errorf("script never met outcome %s", o)
		}
	}
	// No secret in the ledger, its table or its JSON.
	var buf bytes.Buffer
	_ = in.Ledger().WriteTable(&buf)
	j, _ := json.Marshal(in.Ledger())
	for _, c := range in.Ledger().Calls() {
		buf.WriteString(c.String())
	}
	buf.Write(j)
	if len(in.Secrets()) < 4 {
		t.Errorf("only %d secrets issued", len(in.Secrets()))
	}
	for _, s := range in.Secrets() {
		if strings.Contains(buf.String(), s) {
			t.Errorf("secret %.8s... appears in the ledger", s)
		}
	}
	t.Logf("ledger:\n%s", buf.String()[:strings.Index(buf.String(), "#1 ")])
}

// TestConcurrent hammers both ways from 64 goroutines (run with -race).
func TestConcurrent(t *testing.T) {
	f, ways := open(t, Config{Providers: []Provider{
		{Name: "xai-oauth"}, {Name: "openai-codex", Plan: MustParse("3*ok -> 429 -> ok")}, {Name: "anthropic"},
	}, Seed: 9})
	const workers, each = 64, 10
	var wg sync.WaitGroup
	errs := make(chan error, workers*each)
	for w := range workers {
		wg.Go(func() {
			way := ways[w%2]
			p := f.Providers()[w%3]
			for i := range each {
				r, err := post(context.Background(), way.client, way.base(p)+"/resolve", resolveBody(nil), "")
				if err != nil {
					errs <- err
					continue
				}
				if key, ok := field(r.body, "runtime", "api_key").(string); ok && i%2 == 0 {
					if r, err := post(context.Background(), way.client, way.base(p)+"/v1/chat/completions", chatBody("m"), key); err != nil || r.status != 200 {
						errs <- fmt.Errorf("completion: %v %d", err, r.status)
					}
				}
				_ = f.Ledger().Counts()
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	calls := f.Ledger().Calls()
	resolves := len(f.Ledger().Resolves())
	if resolves != workers*each {
		t.Errorf("%d resolves recorded; want %d", resolves, workers*each)
	}
	for i, c := range calls {
		if c.Seq != i+1 {
			t.Fatalf("call %d has seq %d", i, c.Seq)
		}
	}
	total := 0
	for _, n := range f.Ledger().Counts() {
		total += n
	}
	if total != len(calls) || f.Ledger().Count("xai-oauth") != len(f.Ledger().To("xai-oauth")) {
		t.Errorf("counts %v do not add up to %d", f.Ledger().Counts(), len(calls))
	}
	if n := len(f.Ledger().After(calls[len(calls)-11].Seq)); n != 10 {
		t.Errorf("After: %d calls; want 10", n)
	}
}

// TestCloseEndsLoopbackHang checks that Close ends a request hanging on
// loopback and leaves no server goroutine behind.
func TestCloseEndsLoopbackHang(t *testing.T) {
	f, err := NewFleet(Config{Providers: []Provider{{Name: "xai-oauth", Plan: MustParse("hang")}}})
	if err != nil {
		t.Fatal(err)
	}
	srv, err := f.ServeLoopback("")
	if err != nil {
		t.Fatal(err)
	}
	c := &http.Client{Transport: &http.Transport{}}
	defer c.CloseIdleConnections()
	done := make(chan error)
	for range 4 {
		go func() {
			_, err := post(context.Background(), c, srv.BaseURL("xai-oauth")+"/resolve", resolveBody(nil), "")
			done <- err
		}()
	}
	if err := f.Ledger().Await(testCtx(t), 4); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	for range 4 {
		if err := <-done; err == nil {
			t.Error("hanging request got an answer after Close")
		}
	}
	// Close waited for every connection: no server goroutine is left
	// waiting (one may still be runnable, returning from its last frame).
	buf := make([]byte, 1<<20)
	for _, g := range strings.Split(string(buf[:runtime.Stack(buf, true)]), "\n\n") {
		header, frames, _ := strings.Cut(g, "\n")
		if strings.Contains(header, "[runnable") || strings.Contains(header, "[running") {
			continue
		}
		for _, fn := range []string{"net/http.(*conn).serve(", "net/http.(*Server).Serve(", "fakes.(*Fleet).serveHTTP("} {
			for _, line := range strings.Split(frames, "\n") {
				if strings.HasPrefix(line, fn) {
					t.Errorf("goroutine in %s is left after Close:\n%s", fn, g)
				}
			}
		}
	}
	if _, err := post(context.Background(), c, srv.BaseURL("xai-oauth")+"/resolve", resolveBody(nil), ""); err == nil {
		t.Error("request after Close got an answer")
	}
	if _, err := f.ServeLoopback(""); !errors.Is(err, ErrClosed) {
		t.Errorf("ServeLoopback after Close: %v", err)
	}
}
