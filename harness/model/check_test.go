package model_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/fallbackgate/fallbackgate/fakes"
	"github.com/fallbackgate/fallbackgate/harness"
	"github.com/fallbackgate/fallbackgate/harness/model"
	"github.com/fallbackgate/fallbackgate/resolver"
	"github.com/fallbackgate/fallbackgate/scenarios"
)

// The tests in this file drive Check with hand-built observations: the
// model's prediction for a scenario (model.Predict), an honest outcome
// written from that prediction by honestObservation, and one deliberate
// break per row. They do not run any surface, so a bug in the checker
// cannot hide behind a matching bug in the reference surfaces.

// checkSecret is the API key the hand-built observations' fakes "issued".
const checkSecret = "sk-fg-test-0123456789abcdef"

// honestObservation is what a conforming surface shows for want, written
// out by hand from the model's prediction: the ledger the model's walk
// produced (a 401/429/503 per failed resolve, then the landed runtime's
// completion), the events, the exit code or reply, and the surface's text.
func honestObservation(want harness.Expected, surface string) harness.Observation {
	obs := harness.Observation{Secrets: []string{checkSecret}}
	o := harness.Outcome{Surface: surface}
	if want.BadUsage {
		if surface == harness.Gateway {
			// No command line, no exit code: the request fails.
			o.ExitCode = -1
			o.Reply = &harness.Reply{ID: "r1", Session: "s1", Class: "other", Reply: "error: --provider needs --model"}
		} else {
			o.ExitCode = harness.ExitUsage
			o.Stderr = "usage: --provider needs --model\n"
		}
		obs.Outcome = o
		return obs
	}
	for _, st := range want.Decision.Trace {
		obs.Calls = append(obs.Calls, ledgerCall(len(obs.Calls)+1, fakes.EndpointResolve, st.Entry, st.Err))
	}
	// A hand-off case (runtime-fallback) has the runtime walk's resolves
	// after the start-up's, as the model's fakes saw them.
	for _, c := range want.ResolveCalls[min(len(obs.Calls), len(want.ResolveCalls)):] {
		c.Seq = len(obs.Calls) + 1
		obs.Calls = append(obs.Calls, c)
	}
	if want.Err == nil {
		landing := want.Decision.Landing(want.Request)
		obs.Calls = append(obs.Calls, ledgerCall(len(obs.Calls)+1, fakes.EndpointCompletions,
			resolver.Entry{Provider: landing.Provider, Model: want.Decision.Model}, nil))
		notice := ""
		if want.Decision.FellBack() {
			notice = checkNotice(want.Request.Primary, resolver.Entry{Provider: landing.Provider, Model: want.Decision.Model})
			o.Events = append(o.Events, harness.Event{Event: harness.EventFallback,
				From:  &harness.EventEntry{Provider: want.Request.Primary.Provider, Model: want.Request.Primary.Model},
				To:    &harness.EventEntry{Provider: landing.Provider, Model: want.Decision.Model},
				Index: ptrTo(want.Decision.Landed), Reason: "auth"})
		}
		remaining := want.Decision.Remaining.Clone()
		o.Events = append(o.Events, harness.Event{Event: harness.EventStarted, Provider: landing.Provider,
			Model: want.Decision.Model, LandedAt: ptrTo(want.Decision.Landed), Remaining: &remaining})
		switch surface {
		case harness.Oneshot:
			o.Stdout = want.Answer + "\n"
			if notice != "" {
				o.Stderr = notice + "\n"
			}
		case harness.CLI:
			if notice != "" {
				o.Stdout = notice + "\n"
			}
			o.Stdout += want.Answer + "\n"
		case harness.Gateway:
			o.Reply = &harness.Reply{ID: "r1", Session: "s1", OK: true, Reply: want.Answer, Notice: notice}
		}
		obs.Outcome = o
		return obs
	}

	var ae *resolver.AuthError
	isAuth := errors.As(want.Err, &ae)
	failed := harness.EventError{Type: "unavailable", Message: want.Err.Error()}
	if isAuth {
		failed = harness.EventError{Type: "auth", Provider: ae.Provider, Code: ae.Code, ReloginRequired: ptrTo(ae.ReloginRequired), Message: ae.Message}
	}
	o.Events = []harness.Event{{Event: harness.EventFailed, Error: &failed}}
	var text []string
	switch {
	case !isAuth:
		text = []string{"error: " + want.Err.Error()}
	case ae.RateLimited():
		text = []string{fmt.Sprintf("%s is rate-limiting requests: %s; retry after %.0fs", ae.Provider, ae.Message, ae.RetryAfter.Seconds())}
	default:
		text = []string{fmt.Sprintf("authentication failed for %s: %s", ae.Provider, ae.Message)}
		if ae.ReloginRequired {
			text = append(text, checkReloginHint(ae.Provider))
		}
	}
	switch surface {
	case harness.Oneshot:
		o.ExitCode, o.Stderr = want.Exit, strings.Join(text, "\n")+"\n"
	case harness.CLI:
		o.ExitCode, o.Stdout = want.Exit, strings.Join(text, "\n")+"\n"
	case harness.Gateway:
		o.Reply = &harness.Reply{ID: "r1", Session: "s1", Class: resolver.Classify(want.Err).String(), Reply: text[0]}
	}
	obs.Outcome = o
	return obs
}

// ledgerCall is one call as the fakes' ledger records it, answered as err
// says.
func ledgerCall(seq int, ep fakes.Endpoint, e resolver.Entry, err error) fakes.Call {
	c := fakes.Call{Seq: seq, Provider: e.Provider, Endpoint: ep, Status: 200, Served: fakes.ServedOK}
	if e.Model != "" {
		c.Model = ptrTo(e.Model)
	}
	if e.BaseURL != "" && ep == fakes.EndpointResolve {
		c.BaseURL = ptrTo(e.BaseURL)
	}
	var ae *resolver.AuthError
	switch {
	case err == nil:
	case errors.As(err, &ae) && ae.RateLimited():
		c.Status, c.Served, c.Code = 429, fakes.ServedRateLimit, ae.Code
	case errors.As(err, &ae):
		c.Status, c.Served, c.Code = 401, fakes.ServedAuth, ae.Code
	default:
		c.Status, c.Served = 503, fakes.ServedUnavailable
	}
	return c
}

func ptrTo[T any](v T) *T { return &v }

// checkNotice is the fallback notice of the hand-built honest outcomes, in
// the words PROTOCOL.md gives a surface ("primary xai-oauth failed; using
// openai-codex/gpt-5.5"). It is written here, not taken from the reference
// subject, so that the checker is tested against no surface's code.
func checkNotice(primary, now resolver.Entry) string {
	return fmt.Sprintf("primary %s failed; using %s", primary.Provider, now)
}

// checkReloginHint is the cli's re-login hint of the honest outcomes: a
// line holding one of harness.ReloginWords.
func checkReloginHint(provider string) string {
	return fmt.Sprintf("run `fallbackgate login %s` to log in again", provider)
}

// TestCheckHonest: the hand-built honest outcome of every scenario passes on
// every surface under every profile. Without this, the rows below could
// "find" their rule in a broken fixture.
func TestCheckHonest(t *testing.T) {
	for _, sc := range scenarios.All() {
		for _, p := range resolver.Profiles() {
			want := mustPredict(t, sc, p, model.Options{})
			for _, surf := range harness.Surfaces {
				if err := model.Check(want, honestObservation(want, surf)); err != nil {
					t.Errorf("Check(%s/%s, profile %s, honest outcome) = \n%v\nwant nil", sc.ID, surf, p.Name, err)
				}
			}
		}
	}
}

// A checkRow breaks one thing in the honest outcome of a scenario on a
// surface; Check must then cite exactly rule.
type checkRow struct {
	name     string
	scenario string
	// change makes a variant of the scenario (nil: as filed).
	change  func(*harness.Scenario)
	profile resolver.Profile
	surface string
	// rule is what Check must cite, and nothing else.
	rule   string
	mutate func(*harness.Observation)
}

func checkRows() []checkRow {
	strict := resolver.Strict
	return []checkRow{
		// R4: primary resolved.
		{"primary resolved but oneshot exits 1", "SF-1", nil, strict, harness.Oneshot, "R4",
			func(o *harness.Observation) { o.Outcome.ExitCode = 1 }},
		{"primary resolved but gateway replies ok=false", "SF-1", nil, strict, harness.Gateway, "R4",
			func(o *harness.Observation) { o.Outcome.Reply.OK, o.Outcome.Reply.Class = false, "other" }},
		{"primary resolved but started names another landed_at", "SF-1", nil, strict, harness.CLI, "R4",
			func(o *harness.Observation) { startedOf(o).LandedAt = ptrTo(0) }},

		// R5: a non-auth primary error never starts a walk.
		{"primary 503 but the chain is walked", "SF-2", primaryFault("503"), strict, harness.Oneshot, "R5",
			func(o *harness.Observation) { o.Calls = append(o.Calls, resolveCall("openai-codex", "gpt-5.5")) }},

		// R6: pinned start-up.
		{"pinned but the chain is contacted", "SF-7", nil, strict, harness.Oneshot, "R6",
			func(o *harness.Observation) { o.Calls = append(o.Calls, resolveCall("openai-codex", "gpt-5.5")) }},
		{"pinned but the surfaced error is not the primary's", "SF-7", nil, strict, harness.CLI, "R6",
			func(o *harness.Observation) { failedOf(o).Message = "something else" }},

		// R7: rate-limited primary.
		{"429 then quota amplification", "SF-8", nil, strict, harness.Oneshot, "R7",
			func(o *harness.Observation) { o.Calls = append(o.Calls, resolveCall("xai-oauth", "grok-4.3")) }},
		{"429 but a completion to another provider", "SF-8", nil, strict, harness.Gateway, "R7",
			func(o *harness.Observation) {
				o.Calls = append(o.Calls, fakes.Call{Provider: "anthropic", Endpoint: fakes.EndpointCompletions})
			}},
		{"429 but oneshot exits 1, not 75", "SF-8", nil, strict, harness.Oneshot, "R7",
			func(o *harness.Observation) { o.Outcome.ExitCode = 1 }},
		{"429 but the gateway says authentication failed", "SF-8", nil, strict, harness.Gateway, "R7",
			func(o *harness.Observation) {
				o.Outcome.Reply.Reply = "authentication failed: " + o.Outcome.Reply.Reply
			}},
		{"429 but the gateway class is auth", "SF-8", nil, strict, harness.Gateway, "R7",
			func(o *harness.Observation) { o.Outcome.Reply.Class = "auth" }},
		{"429 but the cli gives a re-login hint", "SF-8", nil, strict, harness.CLI, "R7",
			func(o *harness.Observation) { o.Outcome.Stdout += checkReloginHint("openai-codex") + "\n" }},
		{"429 but the cli shows no retry-after", "SF-8", nil, strict, harness.CLI, "R7",
			func(o *harness.Observation) { o.Outcome.Stdout = "openai-codex is rate-limiting requests\n" }},

		// R8: empty chain.
		{"empty chain but another message surfaced", "SF-5", nil, strict, harness.Oneshot, "R8",
			func(o *harness.Observation) { failedOf(o).Code = "xai_auth_token_expired" }},
		{"empty chain, relogin required, but no hint", "SF-5", nil, strict, harness.CLI, "R8",
			func(o *harness.Observation) { o.Outcome.Stdout = firstLine(o.Outcome.Stdout) }},

		// R9: walk order and bound.
		{"an entry skipped", "SF-2", nil, strict, harness.Oneshot, "R9",
			func(o *harness.Observation) {
				o.Calls = []fakes.Call{o.Calls[0], resolveCall("anthropic", "claude-opus-4-7"), o.Calls[2]}
			}},
		{"more resolves than 1+len(chain)", "SF-3", nil, strict, harness.CLI, "R9",
			func(o *harness.Observation) { o.Calls = append(o.Calls, resolveCall("anthropic", "claude-opus-4-7")) }},
		{"landed on the wrong entry", "SF-3", nil, strict, harness.Gateway, "R9",
			func(o *harness.Observation) { startedOf(o).Provider, startedOf(o).LandedAt = "openai-codex", ptrTo(0) }},
		{"fell back but exits 1", "SF-2", nil, strict, harness.CLI, "R9",
			func(o *harness.Observation) { o.Outcome.ExitCode = 1 }},

		// R10: effective model.
		{"entry without model takes the provider default", "SF-6", nil, strict, harness.Oneshot, "R10",
			func(o *harness.Observation) { startedOf(o).Model = "gpt-5.5" }},

		// R11: a non-auth entry error stops the walk.
		{"entry 503 but the walk goes on", "SF-3", entryFault("openai-codex", "503"), strict, harness.Oneshot, "R11",
			func(o *harness.Observation) { o.Calls = append(o.Calls, resolveCall("anthropic", "claude-opus-4-7")) }},
		{"entry 503 surfaced as an AuthError", "SF-3", entryFault("openai-codex", "503"), strict, harness.Gateway, "R11",
			func(o *harness.Observation) { failedOf(o).Type, failedOf(o).Provider = "auth", "openai-codex" }},

		// R12: a repeated primary is resolved once more.
		{"repeated primary deduplicated", "SF-9", nil, strict, harness.Oneshot, "R12",
			func(o *harness.Observation) { o.Calls = slices.Delete(slices.Clone(o.Calls), 1, 2) }},

		// R13: all fail, last error.
		{"all fail but the primary's error surfaced", "SF-4", nil, strict, harness.Oneshot, "R13",
			func(o *harness.Observation) {
				*failedOf(o) = harness.EventError{Type: "auth", Provider: "xai-oauth", Code: "xai_auth_token_expired", Message: "the xai token expired"}
			}},
		{"all fail but stderr names no error", "SF-4", nil, strict, harness.Oneshot, "R13",
			func(o *harness.Observation) { o.Outcome.Stderr = "failed\n" }},
		{"all fail but the gateway does not say authentication failed", "SF-4", nil, strict, harness.Gateway, "R13",
			func(o *harness.Observation) { o.Outcome.Reply.Reply = "sorry" }},
		{"all fail but started", "SF-4", nil, strict, harness.CLI, "R13",
			func(o *harness.Observation) {
				o.Outcome.Events = append(o.Outcome.Events, harness.Event{Event: harness.EventStarted, Provider: "anthropic", LandedAt: ptrTo(1)})
			}},

		// R14: hand-off.
		{"whole chain handed off", "SF-2", nil, strict, harness.Oneshot, "R14",
			func(o *harness.Observation) {
				startedOf(o).Remaining = &resolver.Chain{{Provider: "openai-codex", Model: "gpt-5.5"}, {Provider: "anthropic", Model: "claude-opus-4-7"}}
			}},
		{"oneshot stdout is not exactly the answer", "SF-1", nil, strict, harness.Oneshot, "R14",
			func(o *harness.Observation) { o.Outcome.Stdout = "thinking...\n" + o.Outcome.Stdout }},
		{"gateway reply is not the answer", "SF-2", nil, strict, harness.Gateway, "R14",
			func(o *harness.Observation) { o.Outcome.Reply.Reply = "something" }},

		// R15: loud fallback.
		{"silent fallback", "SF-2", nil, strict, harness.Oneshot, "R15",
			func(o *harness.Observation) { o.Outcome.Events = o.Outcome.Events[1:] }},
		{"two fallback events", "SF-3", nil, strict, harness.Gateway, "R15",
			func(o *harness.Observation) {
				o.Outcome.Events = append([]harness.Event{o.Outcome.Events[0]}, o.Outcome.Events...)
			}},
		{"fallback event for a primary that resolved", "SF-1", nil, strict, harness.CLI, "R15",
			func(o *harness.Observation) {
				o.Outcome.Events = append([]harness.Event{{Event: harness.EventFallback, From: &harness.EventEntry{}, To: &harness.EventEntry{}, Index: ptrTo(0), Reason: "auth"}}, o.Outcome.Events...)
			}},
		{"fallback event with the wrong reason", "SF-6", nil, strict, harness.Oneshot, "R15",
			func(o *harness.Observation) { o.Outcome.Events[0].Reason = "rate_limit" }},
		{"no notice on oneshot stderr", "SF-2", nil, strict, harness.Oneshot, "R15",
			func(o *harness.Observation) { o.Outcome.Stderr = "" }},
		{"cli notice names only the new provider", "SF-9", nil, strict, harness.CLI, "R15",
			func(o *harness.Observation) {
				o.Outcome.Stdout = strings.Replace(o.Outcome.Stdout, "primary xai-oauth failed; using", "now using", 1)
			}},
		{"no gateway notice", "SF-2", nil, strict, harness.Gateway, "R15",
			func(o *harness.Observation) { o.Outcome.Reply.Notice = "" }},
		{"gateway notice without a fallback", "SF-1", nil, strict, harness.Gateway, "R15",
			func(o *harness.Observation) { o.Outcome.Reply.Notice = "primary failed" }},
		{"fallback event for a start-up that failed", "SF-4", nil, strict, harness.Oneshot, "R15",
			func(o *harness.Observation) {
				o.Outcome.Events = append(o.Outcome.Events, harness.Event{Event: harness.EventFallback, Reason: "auth"})
			}},

		// R16: no secrets.
		{"key on stderr", "SF-1", nil, strict, harness.Oneshot, "R16",
			func(o *harness.Observation) { o.Outcome.Stderr += "debug: key " + checkSecret + "\n" }},
		{"key in the gateway reply", "SF-2", nil, strict, harness.Gateway, "R16",
			func(o *harness.Observation) { o.Outcome.Reply.Notice += " key=" + checkSecret }},
		{"key in an event field the harness does not know", "SF-2", nil, strict, harness.Oneshot, "R16",
			func(o *harness.Observation) {
				// ParseEvents keeps the raw line; an unknown field is dropped
				// from the parsed event but must still be scanned.
				o.Outcome.Events[0].Raw = `{"event":"fallback","debug_api_key":"` + checkSecret + `"}`
			}},
		{"key in a failed event", "SF-5", nil, strict, harness.CLI, "R16",
			func(o *harness.Observation) {
				// The message stays verbatim in the event; the leak is in a
				// field the checker does not otherwise judge.
				failedOf(o).Type = "auth " + checkSecret
			}},

		// R17: bounded.
		{"timeout", "SF-2", nil, strict, harness.Oneshot, "R17",
			func(o *harness.Observation) { o.Outcome.Failure = "timed out after 10s; killed its process group" }},
		{"no gateway reply on success", "SF-1", nil, strict, harness.Gateway, "R17",
			func(o *harness.Observation) { o.Outcome.Reply = nil }},
		{"no gateway reply on failure", "SF-4", nil, strict, harness.Gateway, "R17",
			func(o *harness.Observation) { o.Outcome.Reply = nil }},

		// protocol.
		{"malformed events", "SF-1", nil, strict, harness.CLI, "protocol",
			func(o *harness.Observation) {
				o.Outcome.Failure = `protocol: events:1: not a JSON object in line "oops"`
			}},

		// usage: --provider without a model.
		{"bad usage exits 1", "SF-7", providerWithoutModel, strict, harness.Oneshot, "usage",
			func(o *harness.Observation) { o.Outcome.ExitCode = 1 }},
		{"bad usage resolves anyway", "SF-7", providerWithoutModel, strict, harness.CLI, "usage",
			func(o *harness.Observation) { o.Calls = append(o.Calls, resolveCall("xai-oauth", "")) }},
		{"bad usage on the gateway answered ok", "SF-7", providerWithoutModel, strict, harness.Gateway, "usage",
			func(o *harness.Observation) { o.Outcome.Reply.OK, o.Outcome.Reply.Class = true, "" }},
		{"bad usage on the gateway resolves anyway", "SF-7", providerWithoutModel, strict, harness.Gateway, "usage",
			func(o *harness.Observation) { o.Calls = append(o.Calls, resolveCall("xai-oauth", "")) }},
		{"bad usage on the gateway, no reply", "SF-7", providerWithoutModel, strict, harness.Gateway, "R17",
			func(o *harness.Observation) { o.Outcome.Reply = nil }},

		// Profiles: the checker judges against the claimed profile.
		{"upstream: all fail, but the last error surfaced", "SF-4", nil, resolver.Upstream, harness.Oneshot, "R13",
			func(o *harness.Observation) {
				*failedOf(o) = harness.EventError{Type: "auth", Provider: "anthropic", Code: "anthropic_not_logged_in", Message: "logged out"}
			}},
		{"upstream: pinned, but not walked", "SF-7", nil, resolver.Upstream, harness.Oneshot, "R9",
			func(o *harness.Observation) { o.Calls = o.Calls[:1] }},
	}
}

// checkBroken runs Check on the honest outcome of sc on surface under
// profile, which must pass, and returns what Check says once mutate has
// broken that outcome.
func checkBroken(t *testing.T, sc harness.Scenario, profile resolver.Profile, surface string, mutate func(*harness.Observation)) error {
	t.Helper()
	want := mustPredict(t, sc, profile, model.Options{})
	if err := model.Check(want, honestObservation(want, surface)); err != nil {
		t.Fatalf("Check(honest %s/%s) = \n%v\nwant nil", sc.ID, surface, err)
	}
	obs := honestObservation(want, surface)
	mutate(&obs)
	return model.Check(want, obs)
}

// TestCheckCitesRule: each row breaks one thing and Check cites exactly its
// rule; the unbroken observation passes.
func TestCheckCitesRule(t *testing.T) {
	for _, row := range checkRows() {
		t.Run(row.scenario+"/"+row.surface+"/"+row.name, func(t *testing.T) {
			sc := builtin(t, row.scenario, row.change)
			err := checkBroken(t, sc, row.profile, row.surface, row.mutate)
			if err == nil {
				t.Fatalf("Check(%s/%s, %s) = nil; want a violation of %s", sc.ID, row.surface, row.name, row.rule)
			}
			vs := harness.AsViolations(err)
			if vs == nil {
				t.Fatalf("Check returned %T %v; want harness.Violations", err, err)
			}
			if diff := cmp.Diff([]string{row.rule}, vs.Rules()); diff != "" {
				t.Errorf("Check(%s/%s, %s) cited the wrong rules (-want +got):\n%s\nviolations:\n%v", sc.ID, row.surface, row.name, diff, err)
			}
			if got := err.Error(); strings.Count(got, "\n")+1 != len(vs) {
				t.Errorf("Violations.Error() is not one line per violation:\n%s", got)
			}
		})
	}
}

// TestCheckRowsCoverEveryRule guards the table: every rule the checker can
// cite has a row.
func TestCheckRowsCoverEveryRule(t *testing.T) {
	want := []string{"R4", "R5", "R6", "R7", "R8", "R9", "R10", "R11", "R12", "R13", "R14", "R15", "R16", "R17", "protocol", "usage"}
	var got []string
	for _, r := range checkRows() {
		if !slices.Contains(got, r.rule) {
			got = append(got, r.rule)
		}
	}
	for _, r := range want {
		if !slices.Contains(got, r) {
			t.Errorf("no checkRow cites %s", r)
		}
	}
}

// TestCheckFixturesAreNotVacuous (STYLE 8): the rows above prove something
// only if their scenarios set up what they claim. SF-8's fakes really serve
// a 429 with a Retry-After, and the model's ledger for SF-8 starts with it;
// SF-7 is really pinned; SF-4 really surfaces a different provider than the
// primary; SF-2 really falls back.
func TestCheckFixturesAreNotVacuous(t *testing.T) {
	ctx := context.Background()
	sf8 := builtin(t, "SF-8", nil)
	specs, err := sf8.FakeProviders()
	if err != nil {
		t.Fatal(err)
	}
	fleet, err := fakes.NewFleet(fakes.Config{Providers: specs, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer fleet.Close()
	u, err := url.Parse(fleet.BaseURL("openai-codex") + "/resolve")
	if err != nil {
		t.Fatal(err)
	}
	a, err := fleet.Do(ctx, fakes.Request{URL: u, Body: []byte(`{"model":"gpt-5.5","base_url":null}`)})
	if err != nil {
		t.Fatalf("SF-8's primary resolve: %v", err)
	}
	var body struct {
		Error struct {
			Type       string `json:"type"`
			Code       string `json:"code"`
			RetryAfter any    `json:"retry_after"`
		} `json:"error"`
	}
	if json.Unmarshal(a.Body, &body) != nil || a.Status != 429 || body.Error.Type != "auth" || body.Error.Code != resolver.RateLimitCode ||
		(body.Error.RetryAfter == nil && a.Header.Get("Retry-After") == "") {
		t.Errorf("SF-8's primary fake answered %d %s (Retry-After %q); want a 429 auth %s with a retry-after", a.Status, a.Body, a.Header.Get("Retry-After"), resolver.RateLimitCode)
	}
	calls := fleet.Ledger().Calls()
	if len(calls) != 1 || calls[0].Status != 429 || calls[0].Served != fakes.ServedRateLimit {
		t.Errorf("SF-8's primary fake served %v; want one 429 rate_limit", calls)
	}
	var ae *resolver.AuthError
	want := mustPredict(t, sf8, resolver.Strict, model.Options{})
	if obs := honestObservation(want, harness.Oneshot); len(obs.Calls) != 1 || obs.Calls[0].Status != 429 {
		t.Errorf("SF-8's expected ledger is %v; want exactly the primary's 429", obs.Calls)
	}
	if !errors.As(want.Err, &ae) || !ae.RateLimited() || ae.RetryAfter <= 0 {
		t.Errorf("SF-8's primary resolve failed with %v in the model; want a rate-limited AuthError with a retry-after", want.Err)
	}
	if want.Rule != "R7" || want.Exit != harness.ExitRateLimited {
		t.Errorf("SF-8 predicted rule %s exit %d; want R7, exit 75", want.Rule, want.Exit)
	}
	if w := mustPredict(t, builtin(t, "SF-7", nil), resolver.Strict, model.Options{}); !w.Request.Pinned || w.Rule != "R6" {
		t.Errorf("SF-7 predicted pinned=%t rule %s; want a pinned start-up decided by R6", w.Request.Pinned, w.Rule)
	}
	if w := mustPredict(t, builtin(t, "SF-4", nil), resolver.Strict, model.Options{}); w.Rule != "R13" || !errors.As(w.Err, &ae) || ae.Provider == w.Request.Primary.Provider {
		t.Errorf("SF-4 predicted rule %s error %v; want R13 surfacing a provider other than the primary", w.Rule, w.Err)
	}
	if w := mustPredict(t, builtin(t, "SF-2", nil), resolver.Strict, model.Options{}); !w.Decision.FellBack() || len(w.Decision.Remaining) == 0 {
		t.Errorf("SF-2 predicted landed %d remaining %v; want a fallback with a remaining chain", w.Decision.Landed, w.Decision.Remaining)
	}
	if w := mustPredict(t, builtin(t, "SF-7", providerWithoutModel), resolver.Strict, model.Options{}); !w.BadUsage {
		t.Errorf("SF-7 with --provider and no --model predicted %+v; want bad usage", w)
	}
}

// TestCheckListsEveryViolation: Check does not stop at the first problem.
func TestCheckListsEveryViolation(t *testing.T) {
	want := mustPredict(t, builtin(t, "SF-8", nil), resolver.Strict, model.Options{})
	obs := honestObservation(want, harness.Oneshot)
	obs.Outcome.ExitCode = 0
	obs.Outcome.Stderr = "key " + checkSecret
	vs := harness.AsViolations(model.Check(want, obs))
	if diff := cmp.Diff([]string{"R16", "R7"}, vs.Rules()); diff != "" {
		t.Errorf("rules (-want +got):\n%s\n%v", diff, vs)
	}
}

func startedOf(o *harness.Observation) *harness.Event {
	for i := range o.Outcome.Events {
		if o.Outcome.Events[i].Event == harness.EventStarted {
			return &o.Outcome.Events[i]
		}
	}
	panic("no started event")
}

func failedOf(o *harness.Observation) *harness.EventError {
	for i := range o.Outcome.Events {
		if e := o.Outcome.Events[i]; e.Event == harness.EventFailed {
			return e.Error // each honestObservation builds its own
		}
	}
	panic("no failed event")
}

func resolveCall(provider, model string) fakes.Call {
	return ledgerCall(99, fakes.EndpointResolve, resolver.Entry{Provider: provider, Model: model}, nil)
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line + "\n"
}

func primaryFault(plan string) func(*harness.Scenario) {
	return func(s *harness.Scenario) {
		p, _ := s.Config.Resolved()
		s.Faults[p.Primary.Provider] = plan
	}
}

func entryFault(provider, plan string) func(*harness.Scenario) {
	return func(s *harness.Scenario) { s.Faults[provider] = plan }
}

func providerWithoutModel(s *harness.Scenario) {
	s.Pin = harness.Args{Provider: s.Pin.Provider}
}

// TestCheckDescribesSurfacedError: a wrong surfaced error is quoted as
// what it is: another provider's AuthError with its code, or a non-auth
// error with its type, never an AuthError with blank fields.
func TestCheckDescribesSurfacedError(t *testing.T) {
	want := mustPredict(t, builtin(t, "SF-7", nil), resolver.Strict, model.Options{})
	for _, tt := range []struct {
		name   string
		mutate func(*harness.EventError)
		quote  string
	}{
		{"another provider's", func(e *harness.EventError) {
			e.Provider, e.Code, e.Message = "openai-codex", "codex_auth_refresh_revoked", "openai-codex: refresh revoked"
		}, `surfaced openai-codex's error "openai-codex: refresh revoked" (codex_auth_refresh_revoked); want xai-oauth verbatim`},
		{"a non-auth error", func(e *harness.EventError) {
			e.Type, e.Provider, e.Code, e.Message = "other", "", "", "openai-codex: 502 bad gateway"
		}, `surfaced a non-auth (other) error "openai-codex: 502 bad gateway"; want xai-oauth verbatim`},
	} {
		obs := honestObservation(want, harness.Oneshot)
		tt.mutate(failedOf(&obs))
		err := model.Check(want, obs)
		if err == nil || !strings.Contains(err.Error(), tt.quote) {
			t.Errorf("%s: Check = %v; want it to say %q", tt.name, err, tt.quote)
		}
	}
}
