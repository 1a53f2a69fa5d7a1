package fakes

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestEveryFault serves each fault kind on /resolve, both ways, and checks
// status, body, headers and the ledger.
func TestEveryFault(t *testing.T) {
	type want struct {
		status  int
		typ     string // error.type; "" for none
		code    string
		relogin bool
		retry   any // error.retry_after
		header  string
		outcome Served
	}
	wants := map[Kind]want{
		OK:           {200, "", "", false, nil, "", ServedOK},
		Expired:      {401, "auth", "xai_auth_token_expired", true, nil, "", ServedAuth},
		Revoked:      {401, "auth", "xai_auth_refresh_revoked", true, nil, "", ServedAuth},
		Missing:      {401, "auth", "xai_auth_missing_access_token", true, nil, "", ServedAuth},
		LoggedOut:    {401, "auth", "xai_not_logged_in", true, nil, "", ServedAuth},
		InvalidKey:   {401, "auth", "xai_invalid_api_key", false, nil, "", ServedAuth},
		Unconfigured: {401, "auth", "xai_auth_missing", false, nil, "", ServedAuth},
		Unauthorized: {401, "auth", "xai_auth_unauthorized", true, nil, "", ServedAuth},
		Forbidden:    {403, "auth", "xai_auth_forbidden", false, nil, "", ServedAuth},
		RateLimited:  {429, "auth", "codex_rate_limited", false, float64(7), "7", ServedRateLimit},
		BadRequest:   {400, "config", "", false, nil, "", ServedConfig},
		NotFound:     {404, "config", "", false, nil, "", ServedConfig},
		ServerError:  {500, "unavailable", "", false, nil, "", ServedUnavailable},
		BadGateway:   {502, "unavailable", "", false, nil, "", ServedUnavailable},
		Unavailable:  {503, "unavailable", "", false, nil, "", ServedUnavailable},
		Malformed:    {200, "", "", false, nil, "", ServedMalformed},
		Reset:        {0, "", "", false, nil, "", ServedReset},
		Hang:         {0, "", "", false, nil, "", ServedHang},
	}
	codes := map[string]Kind{}
	for _, k := range Kinds() {
		w, ok := wants[k]
		if !ok {
			t.Fatalf("no expectation for %s", k)
		}
		if w.code != "" {
			if other, dup := codes[w.code]; dup {
				t.Errorf("%s and %s share code %s", k, other, w.code)
			}
			codes[w.code] = k
		}
		fault := Fault{Kind: k}
		if k == RateLimited {
			fault.RetryAfter = 7 * time.Second
		}
		plan := Plan{Resolve: []Step{{Fault: fault, Count: 1}}}
		t.Run(k.String(), func(t *testing.T) {
			f, ways := open(t, Config{Providers: []Provider{{Name: "xai-oauth", Plan: plan}}, Seed: 1})
			for i, way := range ways {
				ctx := testCtx(t)
				if k == Hang {
					// Give up once the fake has seen the request.
					var cancel context.CancelFunc
					ctx, cancel = context.WithCancel(ctx)
					go func() {
						_ = f.Ledger().Await(ctx, i+1)
						cancel()
					}()
				}
				r, err := post(ctx, way.client, way.base("xai-oauth")+"/resolve", resolveBody(ptr("grok-4.3-mini")), "")
				switch k {
				case Reset:
					if !errors.Is(err, syscall.ECONNRESET) && !errors.Is(err, io.EOF) {
						t.Errorf("%s: reset: err = %v; want ECONNRESET", way.name, err)
					}
				case Hang:
					if !errors.Is(err, context.Canceled) {
						t.Errorf("%s: hang: err = %v; want context.Canceled", way.name, err)
					}
				default:
					if err != nil {
						t.Fatalf("%s: %v", way.name, err)
					}
					w := wants[k]
					if r.status != w.status {
						t.Errorf("%s: status %d; want %d", way.name, r.status, w.status)
					}
					if got := r.header.Get("Retry-After"); got != w.header {
						t.Errorf("%s: Retry-After %q; want %q", way.name, got, w.header)
					}
					if got := r.header.Get("Content-Type"); got != "application/json" {
						t.Errorf("%s: Content-Type %q", way.name, got)
					}
					checkBody(t, way.name, k, r, w.typ, w.code, w.relogin, w.retry)
					if k == OK && field(r.body, "runtime", "base_url") != way.base("xai-oauth") {
						t.Errorf("%s: base_url %v; want %s", way.name, field(r.body, "runtime", "base_url"), way.base("xai-oauth"))
					}
				}
				calls := f.Ledger().Calls()
				if len(calls) != i+1 {
					t.Fatalf("%s: ledger has %d calls; want %d", way.name, len(calls), i+1)
				}
				c := calls[i]
				w := wants[k]
				if c.Served != w.outcome || c.Status != w.status || c.Code != w.code || c.Endpoint != EndpointResolve ||
					c.Provider != "xai-oauth" || c.ModelString() != "grok-4.3-mini" || c.Fault != fault.String() {
					t.Errorf("%s: ledger %+v; want outcome %s status %d code %q", way.name, c, w.outcome, w.status, w.code)
				}
			}
		})
	}
}

// checkBody checks the protocol's body for kind k.
func checkBody(t *testing.T, way string, k Kind, r reply, typ, code string, relogin bool, retry any) {
	t.Helper()
	switch {
	case k == OK:
		rt, _ := r.body["runtime"].(map[string]any)
		if rt == nil || rt["provider"] != "xai-oauth" || rt["model"] != "grok-4.3-mini" || !strings.HasPrefix(fmt.Sprint(rt["api_key"]), "fgk-") {
			t.Errorf("%s: runtime %s", way, r.raw)
		}
	case k == Malformed:
		// A runtime object with a base_url but an empty api_key: a 200
		// without a usable runtime (PROTOCOL.md).
		rt, _ := r.body["runtime"].(map[string]any)
		if rt == nil || rt["base_url"] == "" || rt["api_key"] != "" {
			t.Errorf("%s: malformed answer %s; want a runtime with a base_url and an empty api_key", way, r.raw)
		}
	default:
		e, _ := r.body["error"].(map[string]any)
		if e == nil || e["type"] != typ || e["provider"] != "xai-oauth" || e["message"] == "" {
			t.Errorf("%s: error body %s; want type %s", way, r.raw, typ)
			return
		}
		msg := strings.ToLower(fmt.Sprint(e["message"]))
		for _, hint := range []string{"log in", "login", "re-authenticate"} {
			if strings.Contains(msg, hint) {
				t.Errorf("%s: message %q contains a re-login hint", way, msg)
			}
		}
		if typ != "auth" {
			if len(e) != 3 {
				t.Errorf("%s: non-auth error has fields %v; want type, provider, message", way, e)
			}
			return
		}
		if len(e) != 6 {
			t.Errorf("%s: auth error has fields %v; want 6", way, e)
		}
		if e["code"] != code || e["relogin_required"] != relogin || e["retry_after"] != retry {
			t.Errorf("%s: auth error %s; want code %s relogin %v retry_after %v", way, r.raw, code, relogin, retry)
		}
	}
}

// TestCompletions checks the inference endpoint: a valid bearer, a missing,
// foreign or unknown one, and completion faults.
func TestCompletions(t *testing.T) {
	f, ways := open(t, Config{Providers: []Provider{
		{Name: "openai-codex"},
		{Name: "anthropic", Plan: MustParse("completions: 401 -> 429(retry_after=12s) -> 500 -> ok")},
	}, Seed: 2})
	for _, way := range ways {
		ctx := testCtx(t)
		// Both ways share the fleet: restart anthropic's plan.
		if err := f.SetPlan("anthropic", MustParse("completions: 401 -> 429(retry_after=12s) -> 500 -> ok")); err != nil {
			t.Fatal(err)
		}
		codex := way.base("openai-codex")
		r, err := post(ctx, way.client, codex+"/resolve", resolveBody(nil), "")
		if err != nil || r.status != 200 {
			t.Fatalf("%s: resolve: %v %s", way.name, err, r.raw)
		}
		if m := field(r.body, "runtime", "model"); m != "gpt-5.5" {
			t.Errorf("%s: default model %v; want gpt-5.5", way.name, m)
		}
		key := fmt.Sprint(field(r.body, "runtime", "api_key"))
		base := fmt.Sprint(field(r.body, "runtime", "base_url"))

		r, err = post(ctx, way.client, base+"/v1/chat/completions", chatBody("gpt-5.5"), key)
		if err != nil || r.status != 200 {
			t.Fatalf("%s: completion: %v %s", way.name, err, r.raw)
		}
		choices, _ := r.body["choices"].([]any)
		if len(choices) != 1 || field(choices[0].(map[string]any), "message", "content") != Reply("openai-codex", "gpt-5.5") ||
			field(choices[0].(map[string]any), "message", "role") != "assistant" {
			t.Errorf("%s: completion body %s", way.name, r.raw)
		}
		for _, bearer := range []string{"", "fgk-00000000000000000000000000000000"} {
			r, err = post(ctx, way.client, base+"/v1/chat/completions", chatBody("gpt-5.5"), bearer)
			if err != nil || r.status != 401 || field(r.body, "error", "code") != "codex_invalid_api_key" {
				t.Errorf("%s: bearer %q: %v %d %s", way.name, bearer, err, r.status, r.raw)
			}
		}
		// A key issued by openai-codex is no good at anthropic.
		anth := way.base("anthropic")
		for i, want := range []int{401, 429, 500, 401} {
			r, err = post(ctx, way.client, anth+"/v1/chat/completions", chatBody("claude-opus-4-7"), key)
			if err != nil || r.status != want {
				t.Errorf("%s: anthropic completion %d: %v %d %s; want %d", way.name, i, err, r.status, r.raw, want)
			}
			if want == 429 && r.header.Get("Retry-After") != "12" {
				t.Errorf("%s: Retry-After %q", way.name, r.header.Get("Retry-After"))
			}
		}
	}
	if err := f.Err(); err != nil {
		t.Errorf("Err: %v", err)
	}
}

// TestNoFake checks that requests no fake serves fail loudly, naming what
// was wrong.
func TestNoFake(t *testing.T) {
	f, ways := open(t, Config{Providers: []Provider{{Name: "xai-oauth"}}})
	ctx := testCtx(t)
	for _, tc := range []struct {
		method, path, want string
	}{
		{"POST", "/p/nope/resolve", `unknown provider "nope" (have xai-oauth)`},
		{"POST", "/p/xai-oauth/v2/resolve", `provider "xai-oauth" has no endpoint "/v2/resolve"`},
		{"GET", "/p/xai-oauth/resolve", `provider "xai-oauth": resolve needs POST`},
		{"POST", "/elsewhere", "path does not start with /p/<provider>/"},
	} {
		in := ways[0].base("x")[:len(ways[0].base("x"))-len("/p/x")]
		req, _ := http.NewRequestWithContext(ctx, tc.method, in+tc.path, strings.NewReader(`{}`))
		_, err := f.Client().Do(req)
		if !errors.Is(err, ErrNoFake) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("in-process %s %s: err = %v; want ErrNoFake naming %s", tc.method, tc.path, err, tc.want)
		}
		lb := ways[1].base("x")[:len(ways[1].base("x"))-len("/p/x")]
		req, _ = http.NewRequestWithContext(ctx, tc.method, lb+tc.path, strings.NewReader(`{}`))
		resp, err := ways[1].client.Do(req)
		if err != nil {
			t.Fatalf("loopback: %v", err)
		}
		resp.Body.Close()
		if resp.StatusCode != 404 {
			t.Errorf("loopback %s %s: status %d; want 404", tc.method, tc.path, resp.StatusCode)
		}
	}
	_, err := f.Client().Post("http://example.com/p/xai-oauth/resolve", "application/json", strings.NewReader(`{}`))
	if !errors.Is(err, ErrNoFake) || !strings.Contains(err.Error(), `host "example.com"`) {
		t.Errorf("foreign host: err = %v", err)
	}
	err = f.Err()
	if err == nil || strings.Count(err.Error(), "\n") != 8 || !strings.Contains(err.Error(), `unknown provider "nope"`) {
		t.Errorf("Err() = %v; want 9 stray requests", err)
	}
	if f.Ledger().Len() != 0 {
		t.Errorf("ledger recorded stray requests: %v", f.Ledger().Calls())
	}
	if err := f.SetPlan("nope", Plan{}); err == nil {
		t.Error("SetPlan of an unknown provider succeeded")
	}
}

// TestBadRequestBody checks that a body the protocol cannot read is a
// config error that does not consume a plan step.
func TestBadRequestBody(t *testing.T) {
	f, ways := open(t, Config{Providers: []Provider{{Name: "anthropic", Plan: MustParse("ok -> missing")}}})
	resp, err := ways[0].client.Post(ways[0].base("anthropic")+"/resolve", "application/json", strings.NewReader(`not json`))
	if err != nil || resp.StatusCode != 400 {
		t.Fatalf("bad body: %v %v", err, resp)
	}
	resp.Body.Close()
	r, err := post(testCtx(t), ways[0].client, ways[0].base("anthropic")+"/resolve", resolveBody(nil), "")
	if err != nil || r.status != 200 || field(r.body, "runtime", "model") != "claude-opus-4-7" {
		t.Fatalf("resolve after a bad body: %v %s", err, r.raw)
	}
	calls := f.Ledger().Calls()
	if calls[0].Served != ServedConfig || calls[0].Fault != "-" || calls[1].Fault != "ok" {
		t.Errorf("ledger %v", calls)
	}
}

func TestLoopbackOnly(t *testing.T) {
	f, err := NewFleet(Config{Providers: []Provider{{Name: "xai-oauth"}}})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, addr := range []string{"0.0.0.0:0", ":0", "192.0.2.1:0", "example.com:0", "[::]:0", "10.0.0.1:8080", "nonsense"} {
		s, err := f.ServeLoopback(addr)
		if err == nil {
			s.Close()
			t.Errorf("ServeLoopback(%q) succeeded; want refused", addr)
		} else if addr != "nonsense" && !errors.Is(err, ErrNotLoopback) {
			t.Errorf("ServeLoopback(%q) = %v; want ErrNotLoopback", addr, err)
		}
	}
	for _, addr := range []string{"", "127.0.0.1:0", "localhost:0"} {
		s, err := f.ServeLoopback(addr)
		if err != nil {
			t.Errorf("ServeLoopback(%q): %v", addr, err)
			continue
		}
		if !strings.HasPrefix(s.BaseURL("xai-oauth"), "http://127.0.0.1:") || !strings.HasSuffix(s.BaseURL("xai-oauth"), "/p/xai-oauth") {
			t.Errorf("BaseURL = %s", s.BaseURL("xai-oauth"))
		}
	}
}

func TestNewFleetRejects(t *testing.T) {
	for _, cfg := range []Config{
		{Providers: []Provider{{Name: ""}}},
		{Providers: []Provider{{Name: "a/b"}}},
		{Providers: []Provider{{Name: "a"}, {Name: "a"}}},
		{Providers: []Provider{{Name: "a", Plan: Plan{Resolve: []Step{{}}}}}},
		{Providers: []Provider{{Name: "a", Plan: Plan{Resolve: []Step{{Fault: Fault{Kind: RateLimited, RetryAfter: 1500 * time.Millisecond}, Count: 1}}}}}},
	} {
		if f, err := NewFleet(cfg); err == nil {
			f.Close()
			t.Errorf("NewFleet(%+v) succeeded", cfg)
		}
	}
}
