package reference_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fallbackgate/fallbackgate/harness"
	"github.com/fallbackgate/fallbackgate/harness/reference"
	"github.com/fallbackgate/fallbackgate/resolver"
)

// refSession is one kind of gateway session in the concurrency tests.
type refSession struct {
	override harness.Args
	// want is the reply: ok with answer, or the class.
	ok       bool
	answer   string
	class    string
	fallback bool
}

// refSessions are four kinds of session against one fleet where xai-oauth
// has lost its token and anthropic is rate-limiting: unpinned (falls back to
// openai-codex), pinned to openai-codex, pinned to the dead xai-oauth (auth
// failure surfaced, R6), pinned to the rate-limited anthropic.
var refSessions = []refSession{
	{ok: true, answer: refAnswerOf(refA), fallback: true},
	{override: harness.Args{Provider: "openai-codex", Model: "gpt-5.5"}, ok: true, answer: refAnswerOf(refA)},
	{override: harness.Args{Provider: "xai-oauth", Model: "grok-4.3"}, class: "auth"},
	{override: harness.Args{Provider: "anthropic", Model: "claude-opus-4-7"}, class: "rate_limit"},
}

func refGatewayFleet() (*refFleet, harness.Case, func() reference.Env) {
	fleet, client := newRefFleet()
	fleet.resolve["xai-oauth"] = []refFault{refAuth("xai_token_expired", true)}
	fleet.resolve["anthropic"] = []refFault{refRateLimit(30)}
	c := refNewCase(fleet, "gw", refA, refPrimary)
	c.Surface = harness.Gateway
	return fleet, c, func() reference.Env { return reference.Env{Client: client} }
}

// TestRunGatewayConcurrentSessions writes 64 requests from 64 goroutines,
// interleaved with bad lines, and checks one whole reply line per request,
// events tagged by id, and a clean exit when stdin closes.
func TestRunGatewayConcurrentSessions(t *testing.T) {
	const sessions = 64
	fleet, c, newEnv := refGatewayFleet()
	stdinR, stdinW := io.Pipe()
	var stdout, events, stderr bytes.Buffer // written one line at a time by RunGateway
	env := newEnv()
	env.Stdin, env.Stdout, env.Events, env.Stderr = stdinR, &stdout, &events, &stderr

	done := make(chan error, 1)
	go func() { done <- reference.RunGateway(context.Background(), env) }()

	var writeMu sync.Mutex
	write := func(line string) {
		writeMu.Lock()
		defer writeMu.Unlock()
		if _, err := io.WriteString(stdinW, line+"\n"); err != nil {
			t.Errorf("writing a request: %v", err)
		}
	}
	var wg sync.WaitGroup
	for i := range sessions {
		wg.Go(func() {
			req := harness.GatewayRequest{ID: fmt.Sprintf("r%d", i), Session: fmt.Sprintf("s%d", i), Case: c,
				Override: refSessions[i%len(refSessions)].override}
			b, _ := json.Marshal(req)
			write(string(b))
		})
	}
	wg.Go(func() { write("this is not JSON") })
	wg.Go(func() { write(`{"id": "bad-1", "session": "s-bad", "case": 5}`) })
	wg.Go(func() { write(`{"session": "no id"}`) })
	wg.Wait()
	stdinW.Close()
	if err := <-done; err != nil {
		t.Fatalf("RunGateway after stdin closed: %v; want nil (exit 0)", err)
	}

	replies := map[string]harness.Reply{}
	for line := range strings.SplitSeq(strings.TrimSpace(stdout.String()), "\n") {
		var r harness.Reply
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatalf("stdout line %q is not one JSON reply: %v", line, err)
		}
		if _, dup := replies[r.ID]; dup {
			t.Errorf("two replies for %s", r.ID)
		}
		replies[r.ID] = r
	}
	if len(replies) != sessions+1 {
		t.Errorf("%d replies; want %d (one per request with an id)", len(replies), sessions+1)
	}
	if r := replies["bad-1"]; r.OK || r.Class != "other" || r.Session != "s-bad" {
		t.Errorf("bad request got %+v; want an other error for session s-bad", r)
	}
	if !strings.Contains(stderr.String(), "no reply") {
		t.Errorf("stderr %q does not note the lines without an id", stderr.String())
	}

	fallbacks := map[string]int{}
	evs, err := harness.ParseEvents("events", events.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	for _, ev := range evs {
		if ev.ID == "" {
			t.Errorf("event without id: %s", refJSON(ev))
		}
		if ev.Event == harness.EventFallback {
			fallbacks[ev.ID]++
		}
	}
	for i := range sessions {
		id, want := fmt.Sprintf("r%d", i), refSessions[i%len(refSessions)]
		if err := refCheckReply(replies[id], want, fmt.Sprintf("s%d", i)); err != nil {
			t.Errorf("%s: %v", id, err)
		}
		if got := fallbacks[id]; got != map[bool]int{true: 1}[want.fallback] {
			t.Errorf("%s: %d fallback events; want fallback %v", id, got, want.fallback)
		}
	}
	if out := stdout.String() + events.String() + stderr.String(); strings.Contains(out, refSecret) {
		t.Errorf("R16: an API key appears in the gateway's output")
	}
	for _, call := range fleet.calls() {
		if call.Provider == "anthropic" && call.Endpoint != "resolve" {
			t.Errorf("the rate-limited provider got a %s request", call.Endpoint)
		}
	}
}

// TestReferenceGatewayConcurrentStarts runs 64 concurrent Starts through one
// shared in-process gateway and checks each gets its own reply and events.
func TestReferenceGatewayConcurrentStarts(t *testing.T) {
	const sessions = 64
	_, c, newEnv := refGatewayFleet()
	ref := reference.NewSurface(harness.Gateway, newEnv().Client, reference.Options{})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var wg sync.WaitGroup
	for i := range sessions {
		wg.Go(func() {
			want := refSessions[i%len(refSessions)]
			ci := c
			ci.ID, ci.Args = fmt.Sprintf("gw-%d", i), want.override
			o, err := ref.Start(ctx, ci)
			if err != nil {
				t.Errorf("Start %s: %v", ci.ID, err)
				return
			}
			if o.Failure != "" || o.Reply == nil {
				t.Errorf("%s: failure %q, reply %v", ci.ID, o.Failure, o.Reply)
				return
			}
			if err := refCheckReply(*o.Reply, want, o.Reply.Session); err != nil {
				t.Errorf("%s: %v", ci.ID, err)
			}
			n := 0
			for _, ev := range o.Events {
				if ev.ID != o.Reply.ID {
					t.Errorf("%s: event for %q routed to %q", ci.ID, ev.ID, o.Reply.ID)
				}
				if ev.Event == harness.EventFallback {
					n++
				}
			}
			if len(o.Events) == 0 || n != map[bool]int{true: 1}[want.fallback] {
				t.Errorf("%s: events %s; want fallback %v", ci.ID, refJSON(o.Events), want.fallback)
			}
		})
	}
	wg.Wait()
	if err := ref.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	if _, err := ref.Start(ctx, c); err == nil {
		t.Errorf("Start after Close: no error")
	}
}

func refCheckReply(r harness.Reply, want refSession, session string) error {
	var problems []string
	if r.Session != session {
		problems = append(problems, fmt.Sprintf("session %q; want %q", r.Session, session))
	}
	if r.OK != want.ok || r.Class != want.class {
		problems = append(problems, fmt.Sprintf("ok %v class %q; want ok %v class %q", r.OK, r.Class, want.ok, want.class))
	}
	if want.ok && r.Reply != want.answer {
		problems = append(problems, fmt.Sprintf("reply %q; want %q", r.Reply, want.answer))
	}
	if wantNotice := want.fallback; (r.Notice != "") != wantNotice ||
		wantNotice && r.Notice != "primary xai-oauth failed; using openai-codex/gpt-5.5" {
		problems = append(problems, fmt.Sprintf("notice %q; want fallback %v", r.Notice, want.fallback))
	}
	says := strings.Contains(strings.ToLower(r.Reply), "authentication failed")
	if want.class == "rate_limit" && says || want.class == "auth" && !says {
		problems = append(problems, fmt.Sprintf("%s reply %q", want.class, r.Reply))
	}
	if len(problems) > 0 {
		return fmt.Errorf("%s", strings.Join(problems, "; "))
	}
	return nil
}

// TestMainRunsSurfaces runs the reference subject as a process would
// (Main): the case from FALLBACKGATE_CASE, events appended to the case's
// events file (the gateway: FALLBACKGATE_EVENTS).
func TestMainRunsSurfaces(t *testing.T) {
	fleet, client := newRefFleet()
	fleet.resolve["xai-oauth"] = []refFault{refAuth("xai_token_expired", true)}
	dir := t.TempDir()
	c := refNewCase(fleet, "SF-2/oneshot", refA, refB)
	c.Surface, c.Events = harness.Oneshot, filepath.Join(dir, "events.jsonl")
	b, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	casePath := filepath.Join(dir, "case.json")
	if err := os.WriteFile(casePath, b, 0o644); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{harness.EnvCase: casePath, harness.EnvEvents: filepath.Join(dir, "gw-events.jsonl")}
	getenv := func(k string) string { return env[k] }
	ctx := context.Background()

	var stdout, stderr bytes.Buffer
	if code := reference.Main(ctx, harness.Oneshot, getenv, nil, &stdout, &stderr, client, reference.Options{}); code != 0 {
		t.Fatalf("oneshot exit %d; stderr %q", code, stderr.String())
	}
	if want := refAnswerOf(refA); stdout.String() != want {
		t.Errorf("stdout %q; want %q", stdout.String(), want)
	}
	data, _ := os.ReadFile(c.Events)
	if evs, err := harness.ParseEvents(c.Events, data); err != nil || len(evs) != 2 {
		t.Errorf("events %s (%v); want fallback and started", data, err)
	}

	stdout.Reset()
	req, _ := json.Marshal(harness.GatewayRequest{ID: "r1", Session: "s1", Case: c})
	in := strings.NewReader(string(req) + "\n")
	if code := reference.Main(ctx, harness.Gateway, getenv, in, &stdout, &stderr, client, reference.Options{}); code != 0 {
		t.Fatalf("gateway exit %d; stderr %q", code, stderr.String())
	}
	if !strings.Contains(stdout.String(), `"id":"r1"`) {
		t.Errorf("gateway stdout %q has no reply to r1", stdout.String())
	}
	data, _ = os.ReadFile(env[harness.EnvEvents])
	if !strings.Contains(string(data), `"id":"r1"`) {
		t.Errorf("gateway events %q carry no id", data)
	}
	// Bad invocations: TestMainBadInvocation.
}

// TestProvidersResolve checks the mapping of every answer of PROTOCOL.md's
// resolve table.
func TestProvidersResolve(t *testing.T) {
	ctx := context.Background()
	entry := resolver.Entry{Provider: "openai-codex", Model: "gpt-5.5"}
	tests := []struct {
		name  string
		fault refFault
		want  error // *resolver.AuthError or *reference.ProviderError, nil for success
	}{
		{"200", refHealthy, nil},
		{"401", refAuth("codex_refresh_revoked", true), &resolver.AuthError{Provider: "openai-codex",
			Code: "codex_refresh_revoked", ReloginRequired: true, Message: "openai-codex credential rejected: codex_refresh_revoked"}},
		{"403", refFault{Status: 403, Code: "codex_forbidden"}, &resolver.AuthError{Provider: "openai-codex",
			Code: "codex_forbidden", Message: "openai-codex credential rejected: codex_forbidden"}},
		{"429", refRateLimit(30), &resolver.AuthError{Provider: "openai-codex", Code: resolver.RateLimitCode,
			RetryAfter: 30 * time.Second, Message: "openai-codex quota exhausted"}},
		{"400", refFault{Status: 400}, &reference.ProviderError{Provider: "openai-codex", Type: "unavailable", Status: 400, Message: "openai-codex is down for maintenance"}},
		{"404", refFault{Status: 404}, &reference.ProviderError{Provider: "openai-codex", Type: "unavailable", Status: 404, Message: "openai-codex is down for maintenance"}},
		{"500", refBroken, &reference.ProviderError{Provider: "openai-codex", Type: "unavailable", Status: 500, Message: "openai-codex is down for maintenance"}},
		{"502", refFault{Status: 502}, &reference.ProviderError{Provider: "openai-codex", Type: "unavailable", Status: 502, Message: "openai-codex is down for maintenance"}},
		{"503", refDown, &reference.ProviderError{Provider: "openai-codex", Type: "unavailable", Status: 503, Message: "openai-codex is down for maintenance"}},
		{"reset", refReset, &reference.ProviderError{Provider: "openai-codex", Type: "network", Message: "no answer: read: connection reset by peer"}},
		{"hang", refHang, &reference.ProviderError{Provider: "openai-codex", Type: "network", Message: "no answer in time"}},
		{"malformed", refGarbage, &reference.ProviderError{Provider: "openai-codex", Type: "malformed", Status: 200, Message: "answer is not the expected JSON"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fleet, client := newRefFleet()
			fleet.resolve["openai-codex"] = []refFault{tt.fault}
			p := reference.Providers{Client: client, URLs: fleet.urls("openai-codex"), Timeout: 50 * time.Millisecond}
			rt, err := p.Resolve(ctx, entry)
			if got, want := refJSON(refErrFields(err)), refJSON(refErrFields(tt.want)); got != want {
				t.Errorf("Resolve(%v) error %s; want %s", entry, got, want)
			}
			if tt.want == nil && (rt.Provider != "openai-codex" || rt.Model != "gpt-5.5" || rt.BaseURL != refBase+"openai-codex" ||
				rt.APIKey.Reveal() != refSecret+"openai-codex") {
				t.Errorf("Resolve(%v) = %+v", entry, rt)
			}
			if strings.Contains(fmt.Sprintf("%v %+v %#v", rt, rt, rt), refSecret) {
				t.Errorf("R16: a runtime prints its API key")
			}
		})
	}

	t.Run("request body", func(t *testing.T) {
		fleet, client := newRefFleet()
		p := reference.Providers{Client: client, URLs: fleet.urls("anthropic")}
		for _, e := range []resolver.Entry{{Provider: "anthropic"}, {Provider: "anthropic", Model: "claude-opus-4-7"}} {
			rt, err := p.Resolve(ctx, e)
			if err != nil {
				t.Fatal(err)
			}
			if want := map[bool]string{true: "anthropic-default", false: e.Model}[e.Model == ""]; rt.Model != want {
				t.Errorf("Resolve(%v) model %q; want %q (null model asks for the default)", e, rt.Model, want)
			}
		}
		if got := fleet.resolves(); strings.Join(got, ",") != "anthropic,anthropic/claude-opus-4-7" {
			t.Errorf("resolves %v", got)
		}
	})

	t.Run("unknown provider", func(t *testing.T) {
		fleet, client := newRefFleet()
		p := reference.Providers{Client: client, URLs: fleet.urls("anthropic")}
		_, err := p.Resolve(ctx, resolver.Entry{Provider: "ghost"})
		if resolver.Classify(err) != resolver.ClassOther || !strings.Contains(fmt.Sprint(err), "unknown provider") {
			t.Errorf("Resolve(ghost) = %v; want an unknown-provider error that is not an AuthError", err)
		}
		if len(fleet.calls()) != 0 {
			t.Errorf("a provider without a URL was contacted: %v", fleet.calls())
		}
	})
}

// refErrFields returns err's fields for comparison, nil for nil.
func refErrFields(err error) any {
	switch e := err.(type) {
	case nil:
		return nil
	case *resolver.AuthError:
		return *e
	case *reference.ProviderError:
		return *e
	}
	return err.Error()
}
