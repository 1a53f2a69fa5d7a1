package model_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/fallbackgate/fallbackgate/fakes"
	"github.com/fallbackgate/fallbackgate/harness"
	"github.com/fallbackgate/fallbackgate/harness/model"
	"github.com/fallbackgate/fallbackgate/resolver"
	"github.com/fallbackgate/fallbackgate/scenarios"
)

// prediction is what a test reads of a harness.Expected: the decision in
// words, the surfaced error by kind, the exit code, the deciding rule, the
// resolves the fakes must see and the answer.
type prediction struct {
	BadUsage bool
	Pinned   bool
	// Landed is "-1 xai-oauth/grok-4.3" (index, provider/effective model);
	// empty when the start-up failed.
	Landed    string
	Remaining []string
	// Err is "auth PROVIDER CODE" for an AuthError, "other PROVIDER TYPE
	// STATUS" for a *model.OtherError; empty when the start-up landed.
	Err      string
	Exit     int
	Class    string
	Rule     string
	Resolves []string
	Answer   string
}

func readPrediction(w harness.Expected) prediction {
	p := prediction{BadUsage: w.BadUsage, Pinned: w.Request.Pinned, Exit: w.Exit, Rule: w.Rule, Resolves: w.Resolves, Answer: w.Answer}
	if w.BadUsage {
		return p
	}
	p.Class = model.Class(w.Err)
	if w.Err != nil {
		p.Err = describe(w.Err)
		return p
	}
	p.Landed = fmt.Sprintf("%d %s/%s", w.Decision.Landed, w.Decision.Landing(w.Request).Provider, w.Decision.Model)
	p.Remaining = w.Decision.Remaining.Strings()
	return p
}

// describe names an error by its kind and the fields the contract judges.
func describe(err error) string {
	var ae *resolver.AuthError
	var oe *model.OtherError
	switch {
	case errors.As(err, &ae):
		return fmt.Sprintf("auth %s %s", ae.Provider, ae.Code)
	case errors.As(err, &oe):
		return fmt.Sprintf("other %s %s %d", oe.Provider, oe.Type, oe.Status)
	}
	return fmt.Sprintf("%T %v", err, err)
}

// builtin returns the scenario id of package scenarios, changed by edit (a
// copy: the faults map is cloned first).
func builtin(t testing.TB, id string, edit func(*harness.Scenario)) harness.Scenario {
	t.Helper()
	sel, err := scenarios.Select([]string{id})
	if err != nil {
		t.Fatal(err)
	}
	sc := sel[0]
	if edit != nil {
		faults := make(map[string]string, len(sc.Faults))
		for k, v := range sc.Faults {
			faults[k] = v
		}
		sc.Faults = faults
		edit(&sc)
	}
	return sc
}

// chainScenario builds a scenario from scratch: primary xai-oauth/grok-4.3,
// the chain given in shorthand, and faults.
func chainScenario(t testing.TB, id string, chain []string, faults map[string]string) harness.Scenario {
	t.Helper()
	sc := harness.Scenario{ID: id, Name: id, Source: id + ".yaml", Prompt: harness.DefaultPrompt, Faults: faults,
		Config: harness.CaseConfig{Model: harness.PrimaryConfig{Provider: "xai-oauth", Default: "grok-4.3"}, FallbackProviders: []harness.ConfigEntry{}}}
	for _, s := range chain {
		e, err := resolver.ParseEntry(s)
		if err != nil {
			t.Fatal(err)
		}
		sc.Config.FallbackProviders = append(sc.Config.FallbackProviders, harness.ConfigEntry{Entry: e, Shorthand: true})
	}
	return sc
}

func mustPredict(t testing.TB, sc harness.Scenario, p resolver.Profile, opts model.Options) harness.Expected {
	t.Helper()
	want, err := model.Predict(context.Background(), sc, p, 1, opts)
	if err != nil {
		t.Fatalf("Predict(%s, profile %s): %v", sc.ID, p.Name, err)
	}
	return want
}

const (
	xai       = "xai-oauth/grok-4.3"
	codex     = "openai-codex/gpt-5.5"
	anthropic = "anthropic/claude-opus-4-7"
)

func reply(entry string) string {
	provider, m, _ := strings.Cut(entry, "/")
	return fakes.Reply(provider, m)
}

// TestPredict: the model's prediction for the built-in scenarios and a few
// built here, under the strict and the upstream profile: the decision,
// the surfaced error, the exit code and gateway class, the deciding rule,
// the resolves and the answer after the runtime walk.
func TestPredict(t *testing.T) {
	tests := []struct {
		name    string
		sc      func(t testing.TB) harness.Scenario
		profile resolver.Profile
		want    prediction
	}{
		{"SF-1 primary resolves", func(t testing.TB) harness.Scenario { return builtin(t, "SF-1", nil) }, resolver.Strict,
			prediction{Landed: "-1 " + xai, Remaining: []string{codex}, Class: "none", Rule: "R4", Resolves: []string{xai}, Answer: reply(xai)}},
		{"SF-2 first entry takes over", func(t testing.TB) harness.Scenario { return builtin(t, "SF-2", nil) }, resolver.Strict,
			prediction{Landed: "0 " + codex, Remaining: []string{anthropic}, Class: "none", Rule: "R9", Resolves: []string{xai, codex}, Answer: reply(codex)}},
		{"SF-2 upstream hands the whole chain", func(t testing.TB) harness.Scenario { return builtin(t, "SF-2", nil) }, resolver.Upstream,
			prediction{Landed: "0 " + codex, Remaining: []string{codex, anthropic}, Class: "none", Rule: "R9", Resolves: []string{xai, codex}, Answer: reply(codex)}},
		{"SF-3 second entry takes over", func(t testing.TB) harness.Scenario { return builtin(t, "SF-3", nil) }, resolver.Strict,
			prediction{Landed: "1 " + anthropic, Remaining: []string{}, Class: "none", Rule: "R9", Resolves: []string{xai, codex, anthropic}, Answer: reply(anthropic)}},
		{"SF-4 all fail, the last error surfaces", func(t testing.TB) harness.Scenario { return builtin(t, "SF-4", nil) }, resolver.Strict,
			prediction{Err: "auth anthropic anthropic_not_logged_in", Exit: harness.ExitFailure, Class: "auth", Rule: "R13", Resolves: []string{xai, codex, anthropic}}},
		{"SF-4 upstream surfaces the primary's", func(t testing.TB) harness.Scenario { return builtin(t, "SF-4", nil) }, resolver.Upstream,
			prediction{Err: "auth xai-oauth xai_auth_token_expired", Exit: harness.ExitFailure, Class: "auth", Rule: "R13", Resolves: []string{xai, codex, anthropic}}},
		{"SF-5 empty chain", func(t testing.TB) harness.Scenario { return builtin(t, "SF-5", nil) }, resolver.Strict,
			prediction{Err: "auth xai-oauth xai_auth_refresh_revoked", Exit: harness.ExitFailure, Class: "auth", Rule: "R8", Resolves: []string{xai}}},
		{"SF-6 entry without model keeps the primary model", func(t testing.TB) harness.Scenario { return builtin(t, "SF-6", nil) }, resolver.Strict,
			prediction{Landed: "0 openai-codex/grok-4.3", Remaining: []string{}, Class: "none", Rule: "R9", Resolves: []string{xai, "openai-codex"}, Answer: fakes.Reply("openai-codex", "grok-4.3")}},
		{"SF-7 pinned", func(t testing.TB) harness.Scenario { return builtin(t, "SF-7", nil) }, resolver.Strict,
			prediction{Pinned: true, Err: "auth xai-oauth xai_auth_token_expired", Exit: harness.ExitFailure, Class: "auth", Rule: "R6", Resolves: []string{xai}}},
		{"SF-7 upstream walks although pinned", func(t testing.TB) harness.Scenario { return builtin(t, "SF-7", nil) }, resolver.Upstream,
			prediction{Pinned: true, Landed: "0 " + codex, Remaining: []string{codex}, Class: "none", Rule: "R9", Resolves: []string{xai, codex}, Answer: reply(codex)}},
		{"SF-8 rate-limited primary", func(t testing.TB) harness.Scenario { return builtin(t, "SF-8", nil) }, resolver.Strict,
			prediction{Err: "auth openai-codex " + resolver.RateLimitCode, Exit: harness.ExitRateLimited, Class: "rate_limit", Rule: "R7", Resolves: []string{codex}}},
		{"SF-8 upstream walks past the 429", func(t testing.TB) harness.Scenario { return builtin(t, "SF-8", nil) }, resolver.Upstream,
			prediction{Landed: "0 " + xai, Remaining: []string{xai, anthropic}, Class: "none", Rule: "R9", Resolves: []string{codex, xai}, Answer: reply(xai)}},
		{"SF-9 repeated primary is resolved once more", func(t testing.TB) harness.Scenario { return builtin(t, "SF-9", nil) }, resolver.Strict,
			prediction{Landed: "1 " + codex, Remaining: []string{}, Class: "none", Rule: "R9", Resolves: []string{xai, xai, codex}, Answer: reply(codex)}},
		{"provider pinned without a model is bad usage", func(t testing.TB) harness.Scenario {
			return builtin(t, "SF-7", func(sc *harness.Scenario) { sc.Pin = harness.Args{Provider: "xai-oauth"} })
		}, resolver.Strict,
			prediction{BadUsage: true, Exit: harness.ExitUsage, Rule: "usage"}},
		{"model pinned alone keeps the provider", func(t testing.TB) harness.Scenario {
			return builtin(t, "SF-1", func(sc *harness.Scenario) { sc.Pin = harness.Args{Model: "grok-4.3-fast"} })
		}, resolver.Strict,
			prediction{Pinned: true, Landed: "-1 xai-oauth/grok-4.3-fast", Remaining: []string{codex}, Class: "none", Rule: "R4",
				Resolves: []string{"xai-oauth/grok-4.3-fast"}, Answer: fakes.Reply("xai-oauth", "grok-4.3-fast")}},
		{"pinned provider replaces the primary", func(t testing.TB) harness.Scenario {
			return builtin(t, "SF-2", func(sc *harness.Scenario) { sc.Pin = harness.Args{Provider: "anthropic", Model: "claude-opus-4-7"} })
		}, resolver.Strict,
			prediction{Pinned: true, Landed: "-1 " + anthropic, Remaining: []string{codex, anthropic}, Class: "none", Rule: "R4",
				Resolves: []string{anthropic}, Answer: reply(anthropic)}},
		{"primary outage stops the start-up (R5)", func(t testing.TB) harness.Scenario {
			return builtin(t, "SF-2", func(sc *harness.Scenario) { sc.Faults["xai-oauth"] = "503" })
		}, resolver.Strict,
			prediction{Err: "other xai-oauth unavailable 503", Exit: harness.ExitFailure, Class: "other", Rule: "R5", Resolves: []string{xai}}},
		{"entry outage stops the walk (R11)", func(t testing.TB) harness.Scenario {
			return builtin(t, "SF-3", func(sc *harness.Scenario) { sc.Faults["openai-codex"] = "502" })
		}, resolver.Strict,
			prediction{Err: "other openai-codex unavailable 502", Exit: harness.ExitFailure, Class: "other", Rule: "R11", Resolves: []string{xai, codex}}},
		{"runtime hand-off: the landed runtime fails, remaining[0] answers", func(t testing.TB) harness.Scenario {
			return builtin(t, "SF-2", nil).WithHandoff("openai-codex")
		}, resolver.Strict,
			prediction{Landed: "0 " + codex, Remaining: []string{anthropic}, Class: "none", Rule: "R9", Resolves: []string{xai, codex, anthropic}, Answer: reply(anthropic)}},
		{"runtime hand-off from the primary skips nothing", func(t testing.TB) harness.Scenario {
			return chainScenario(t, "HO-1", []string{codex, anthropic}, map[string]string{"xai-oauth": "ok; completions: 500", "openai-codex": "ok; completions: malformed"})
		}, resolver.Strict,
			prediction{Landed: "-1 " + xai, Remaining: []string{codex, anthropic}, Class: "none", Rule: "R4", Resolves: []string{xai, codex, anthropic}, Answer: reply(anthropic)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sc := tt.sc(t)
			got := readPrediction(mustPredict(t, sc, tt.profile, model.Options{}))
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Predict(%s, profile %s) differs (-want +got):\n%s", sc.ID, tt.profile.Name, diff)
			}
		})
	}
}

// TestPredictIsRepeatable: the same scenario, profile and seed give the
// same prediction (the model runs a fresh fleet every time).
func TestPredictIsRepeatable(t *testing.T) {
	for _, sc := range scenarios.All() {
		a := readPrediction(mustPredict(t, sc, resolver.Strict, model.Options{}))
		b := readPrediction(mustPredict(t, sc, resolver.Strict, model.Options{}))
		if diff := cmp.Diff(a, b); diff != "" {
			t.Errorf("Predict(%s) twice differs (-first +second):\n%s", sc.ID, diff)
		}
	}
}

// TestPredictRuntimeCannotAnswer: a landed start-up whose every runtime
// fails is a bug of the scenario, not of a subject: Predict says so.
func TestPredictRuntimeCannotAnswer(t *testing.T) {
	sc := chainScenario(t, "HO-2", []string{codex}, map[string]string{"xai-oauth": "ok; completions: 500", "openai-codex": "ok; completions: 503"})
	_, err := model.Predict(context.Background(), sc, resolver.Strict, 1, model.Options{})
	if err == nil || !strings.Contains(err.Error(), "could not answer") || !strings.Contains(err.Error(), "HO-2") {
		t.Errorf("Predict(every runtime fails) = %v; want an error naming the scenario and saying the runtime could not answer", err)
	}
}

// TestPredictBadConfig: a config resolver cannot read is an error of the
// scenario, named by its source, and not bad usage.
func TestPredictBadConfig(t *testing.T) {
	sc := chainScenario(t, "BAD-1", nil, nil)
	sc.Config.Model.Provider = " "
	want, err := model.Predict(context.Background(), sc, resolver.Strict, 1, model.Options{})
	if err == nil || !strings.Contains(err.Error(), "BAD-1.yaml") || errors.Is(err, harness.ErrProviderWithoutModel) {
		t.Errorf("Predict(blank primary provider) = %+v, %v; want an error naming BAD-1.yaml", want, err)
	}
}

// TestExitAndClass: the exit code of a oneshot or cli process and the class
// of a failed gateway reply, for every kind of error a start-up surfaces.
func TestExitAndClass(t *testing.T) {
	rateLimit := &resolver.AuthError{Provider: "openai-codex", Code: resolver.RateLimitCode, RetryAfter: 30 * time.Second, Message: "quota"}
	expired := &resolver.AuthError{Provider: "xai-oauth", Code: "xai_auth_token_expired", ReloginRequired: true, Message: "expired"}
	tests := []struct {
		name  string
		err   error
		exit  int
		class string
	}{
		{"success", nil, harness.ExitOK, "none"},
		{"bad usage", harness.ErrProviderWithoutModel, harness.ExitUsage, "other"},
		{"bad usage, wrapped", fmt.Errorf("oneshot: %w", harness.ErrProviderWithoutModel), harness.ExitUsage, "other"},
		{"auth failure", expired, harness.ExitFailure, "auth"},
		{"auth failure, not relogin", &resolver.AuthError{Provider: "anthropic", Code: "anthropic_invalid_api_key", Message: "rejected"}, harness.ExitFailure, "auth"},
		{"rate limit", rateLimit, harness.ExitRateLimited, "rate_limit"},
		{"rate limit, wrapped", fmt.Errorf("walk: %w", rateLimit), harness.ExitRateLimited, "rate_limit"},
		{"rate-limit code that asks for a login is an auth failure", &resolver.AuthError{Provider: "openai-codex", Code: resolver.RateLimitCode, ReloginRequired: true, Message: "odd"},
			harness.ExitFailure, "auth"},
		{"outage", &model.OtherError{Provider: "xai-oauth", Type: "unavailable", Status: 503, Message: "down"}, harness.ExitFailure, "other"},
		{"malformed answer", &model.OtherError{Provider: "xai-oauth", Type: "malformed", Status: 200, Message: "garbage"}, harness.ExitFailure, "other"},
		{"no answer", &model.OtherError{Provider: "xai-oauth", Type: "network", Message: "no answer in time"}, harness.ExitFailure, "other"},
		{"plain error", errors.New("boom"), harness.ExitFailure, "other"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := harness.ExitFor(tt.err); got != tt.exit {
				t.Errorf("Exit(%v) = %d; want %d", tt.err, got, tt.exit)
			}
			if got := model.Class(tt.err); got != tt.class {
				t.Errorf("Class(%v) = %q; want %q", tt.err, got, tt.class)
			}
		})
	}
	for _, c := range harness.ReplyClasses {
		found := false
		for _, tt := range tests {
			found = found || tt.class == c
		}
		if !found {
			t.Errorf("no row has the reply class %q of PROTOCOL.md", c)
		}
	}
}

// TestRequest: how a configuration and its pin become the start-up
// request (R1, R6).
func TestRequest(t *testing.T) {
	cfg := harness.CaseConfig{
		Model: harness.PrimaryConfig{Provider: "xai-oauth", Default: "grok-4.3", BaseURL: "https://proxy.example/v1"},
		FallbackProviders: []harness.ConfigEntry{
			{Entry: resolver.Entry{Provider: "openai-codex", Model: "gpt-5.5"}},
			{Entry: resolver.Entry{Provider: "anthropic"}, Shorthand: true},
		},
	}
	chain := resolver.Chain{{Provider: "openai-codex", Model: "gpt-5.5"}, {Provider: "anthropic"}}
	configured := resolver.Entry{Provider: "xai-oauth", Model: "grok-4.3", BaseURL: "https://proxy.example/v1"}
	tests := []struct {
		name    string
		cfg     harness.CaseConfig
		pin     harness.Args
		profile resolver.Profile
		want    resolver.Request
		wantErr error
	}{
		{"no pin", cfg, harness.Args{}, resolver.Strict,
			resolver.Request{Primary: configured, Chain: chain, Profile: resolver.Strict}, nil},
		{"blank pin does not pin; upstream reads the chain without its model-less entry", cfg, harness.Args{Provider: " ", Model: "\t"}, resolver.Upstream,
			resolver.Request{Primary: configured, Chain: chain[:1], Profile: resolver.Upstream}, nil},
		{"model alone keeps the provider and its base URL", cfg, harness.Args{Model: "grok-4.3-fast"}, resolver.Strict,
			resolver.Request{Primary: resolver.Entry{Provider: "xai-oauth", Model: "grok-4.3-fast", BaseURL: "https://proxy.example/v1"},
				Chain: chain, Pinned: true, Profile: resolver.Strict}, nil},
		{"provider and model replace the primary and drop its base URL", cfg, harness.Args{Provider: "anthropic", Model: "claude-opus-4-7"}, resolver.Strict,
			resolver.Request{Primary: resolver.Entry{Provider: "anthropic", Model: "claude-opus-4-7"}, Chain: chain, Pinned: true, Profile: resolver.Strict}, nil},
		{"pinning the configured provider still drops the base URL", cfg, harness.Args{Provider: "xai-oauth", Model: "grok-4.3"}, resolver.Strict,
			resolver.Request{Primary: resolver.Entry{Provider: "xai-oauth", Model: "grok-4.3"}, Chain: chain, Pinned: true, Profile: resolver.Strict}, nil},
		{"pins are trimmed", cfg, harness.Args{Provider: " openai-codex ", Model: " gpt-5.5\t"}, resolver.Strict,
			resolver.Request{Primary: resolver.Entry{Provider: "openai-codex", Model: "gpt-5.5"}, Chain: chain, Pinned: true, Profile: resolver.Strict}, nil},
		{"provider without a model is bad usage", cfg, harness.Args{Provider: "openai-codex"}, resolver.Strict,
			resolver.Request{}, harness.ErrProviderWithoutModel},
		{"provider with a blank model is bad usage", cfg, harness.Args{Provider: "openai-codex", Model: "  "}, resolver.Strict,
			resolver.Request{}, harness.ErrProviderWithoutModel},
		{"bad usage comes before the config is read", harness.CaseConfig{}, harness.Args{Provider: "openai-codex"}, resolver.Strict,
			resolver.Request{}, harness.ErrProviderWithoutModel},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := model.Request(tt.cfg, tt.pin, tt.profile)
			if !errors.Is(err, tt.wantErr) || (err == nil) != (tt.wantErr == nil) {
				t.Fatalf("Request(pin %+v) error %v; want %v", tt.pin, err, tt.wantErr)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Request(pin %+v) differs (-want +got):\n%s", tt.pin, diff)
			}
		})
	}

	t.Run("malformed config", func(t *testing.T) {
		_, err := model.Request(harness.CaseConfig{Model: harness.PrimaryConfig{Default: "grok-4.3"}}, harness.Args{}, resolver.Strict)
		if err == nil || errors.Is(err, harness.ErrProviderWithoutModel) {
			t.Errorf("Request(config without a primary provider) error %v; want a config error, not bad usage", err)
		}
	})
}

// TestMalformedIsOtherError: a 200 that carries nothing usable (the
// "malformed" fault) is a *model.OtherError, never an AuthError: on the
// primary it stops the start-up (R5), on an entry it stops the walk (R11).
func TestMalformedIsOtherError(t *testing.T) {
	tests := []struct {
		name     string
		sc       harness.Scenario
		provider string
		rule     string
		resolves []string
	}{
		{"primary", chainScenario(t, "MF-1", []string{codex}, map[string]string{"xai-oauth": "malformed"}), "xai-oauth", "R5", []string{xai}},
		{"entry", chainScenario(t, "MF-2", []string{codex, anthropic}, map[string]string{"xai-oauth": "expired", "openai-codex": "malformed"}), "openai-codex", "R11", []string{xai, codex}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := mustPredict(t, tt.sc, resolver.Strict, model.Options{})
			var oe *model.OtherError
			if !errors.As(want.Err, &oe) {
				t.Fatalf("Predict(malformed %s) surfaced %T %v; want a *model.OtherError", tt.name, want.Err, want.Err)
			}
			if diff := cmp.Diff(model.OtherError{Provider: tt.provider, Type: "malformed", Status: 200}, *oe,
				cmpIgnoreMessage); diff != "" {
				t.Errorf("the malformed answer's error differs (-want +got):\n%s", diff)
			}
			if oe.Message == "" || !strings.Contains(oe.Error(), tt.provider) || !strings.Contains(oe.Error(), "HTTP 200") {
				t.Errorf("OtherError.Error() = %q; want it to name %s, its message and HTTP 200", oe.Error(), tt.provider)
			}
			got := prediction{Rule: want.Rule, Exit: want.Exit, Class: model.Class(want.Err), Resolves: want.Resolves}
			if diff := cmp.Diff(prediction{Rule: tt.rule, Exit: harness.ExitFailure, Class: "other", Resolves: tt.resolves}, got); diff != "" {
				t.Errorf("Predict(malformed %s) differs (-want +got):\n%s", tt.name, diff)
			}
		})
	}
}

// cmpIgnoreMessage compares OtherErrors without their wording.
var cmpIgnoreMessage = cmp.Transformer("noMessage", func(e model.OtherError) model.OtherError {
	e.Message = ""
	return e
})

// TestHangCutHangs: a hanging fake costs the model RequestTimeout, or
// nothing at all with CutHangs; either way it is a non-auth "network"
// error that stops the start-up (R5). Virtual time (synctest) measures the
// wait exactly.
func TestHangCutHangs(t *testing.T) {
	sc := chainScenario(t, "HG-1", []string{codex}, map[string]string{"xai-oauth": "hang"})
	tests := []struct {
		name    string
		opts    model.Options
		elapsed time.Duration
		message string
	}{
		{"cut at once", model.Options{CutHangs: true, RequestTimeout: time.Hour}, 0, "hangs"},
		{"waited out", model.Options{RequestTimeout: 2 * time.Second}, 2 * time.Second, "no answer in time"},
		{"waited out, default bound", model.Options{}, harness.DefaultRequestTimeout, "no answer in time"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				start := time.Now()
				want := mustPredict(t, sc, resolver.Strict, tt.opts)
				if elapsed := time.Since(start); elapsed != tt.elapsed {
					t.Errorf("Predict took %v of virtual time; want %v", elapsed, tt.elapsed)
				}
				var oe *model.OtherError
				if !errors.As(want.Err, &oe) || oe.Type != "network" || oe.Provider != "xai-oauth" || oe.Status != 0 ||
					!strings.Contains(oe.Message, tt.message) {
					t.Fatalf("Predict(hang) surfaced %s; want a network OtherError from xai-oauth saying %q", describe(want.Err), tt.message)
				}
				got := prediction{Rule: want.Rule, Exit: want.Exit, Class: model.Class(want.Err), Resolves: want.Resolves}
				if diff := cmp.Diff(prediction{Rule: "R5", Exit: harness.ExitFailure, Class: "other", Resolves: []string{xai}}, got); diff != "" {
					t.Errorf("Predict(hang) differs (-want +got):\n%s", diff)
				}
			})
		})
	}
}

// TestExpectation: the model's prediction in the words of a scenario
// file's expect block equals what the built-in files state, and bad usage
// and a non-auth error read as the file would write them.
func TestExpectation(t *testing.T) {
	for _, id := range []string{"SF-1", "SF-2", "SF-4", "SF-6", "SF-8"} {
		sc := builtin(t, id, nil)
		for _, p := range []resolver.Profile{resolver.Strict, resolver.Upstream} {
			got := model.Expectation(mustPredict(t, sc, p, model.Options{}))
			if diff := cmp.Diff(sc.ExpectationFor(p.Name), got); diff != "" {
				t.Errorf("Expectation(%s, %s) differs from the file (-file +model):\n%s", id, p.Name, diff)
			}
		}
	}
	usage := builtin(t, "SF-7", func(sc *harness.Scenario) { sc.Pin = harness.Args{Provider: "xai-oauth"} })
	if diff := cmp.Diff(harness.Expectation{Exit: harness.ExitUsage}, model.Expectation(mustPredict(t, usage, resolver.Strict, model.Options{}))); diff != "" {
		t.Errorf("Expectation(bad usage) (-want +got):\n%s", diff)
	}
	outage := chainScenario(t, "OT-1", []string{codex}, map[string]string{"xai-oauth": "503"})
	if diff := cmp.Diff(harness.Expectation{Resolves: []string{xai}, Surfaced: "xai-oauth", Exit: harness.ExitFailure},
		model.Expectation(mustPredict(t, outage, resolver.Strict, model.Options{}))); diff != "" {
		t.Errorf("Expectation(primary outage) (-want +got):\n%s", diff)
	}
}

// TestPredictEveryFault: the model reads every answer of PROTOCOL.md's
// table as a subject must. On the primary's resolve (empty chain, so the
// surfaced error is exactly what the model read): an auth answer is an
// AuthError with the fake's code and relogin_required (R8), a 429 a rate
// limit with its retry-after (R7), anything else a *model.OtherError with
// the answer's type and status (R5). On the landed runtime's completion,
// every failure moves the runtime walk on to remaining[0] (R18).
func TestPredictEveryFault(t *testing.T) {
	type read struct {
		Err        string
		Relogin    bool
		RetryAfter time.Duration
		Rule       string
		Exit       int
	}
	auth := func(code string, relogin bool) read {
		return read{Err: "auth xai-oauth " + code, Relogin: relogin, Rule: "R8", Exit: harness.ExitFailure}
	}
	other := func(typ string, status int) read {
		return read{Err: fmt.Sprintf("other xai-oauth %s %d", typ, status), Rule: "R5", Exit: harness.ExitFailure}
	}
	wants := map[fakes.Kind]read{
		fakes.OK:           {Rule: "R4"},
		fakes.Expired:      auth("xai_auth_token_expired", true),
		fakes.Revoked:      auth("xai_auth_refresh_revoked", true),
		fakes.Missing:      auth("xai_auth_missing_access_token", true),
		fakes.LoggedOut:    auth("xai_not_logged_in", true),
		fakes.InvalidKey:   auth("xai_invalid_api_key", false),
		fakes.Unconfigured: auth("xai_auth_missing", false),
		fakes.Unauthorized: auth("xai_auth_unauthorized", true),
		fakes.Forbidden:    auth("xai_auth_forbidden", false),
		fakes.RateLimited: {Err: "auth xai-oauth " + resolver.RateLimitCode, RetryAfter: fakes.DefaultRetryAfter,
			Rule: "R7", Exit: harness.ExitRateLimited},
		fakes.BadRequest:  other("config", 400),
		fakes.NotFound:    other("config", 404),
		fakes.ServerError: other("unavailable", 500),
		fakes.BadGateway:  other("unavailable", 502),
		fakes.Unavailable: other("unavailable", 503),
		fakes.Malformed:   other("malformed", 200),
		fakes.Reset:       other("network", 0),
		fakes.Hang:        other("network", 0),
	}
	opts := model.Options{CutHangs: true}
	for _, k := range fakes.Kinds() {
		want, ok := wants[k]
		if !ok {
			t.Errorf("no row for the fault %s", k)
			continue
		}
		t.Run("resolve/"+k.String(), func(t *testing.T) {
			w := mustPredict(t, chainScenario(t, "FR-"+k.String(), nil, map[string]string{"xai-oauth": k.String()}), resolver.Strict, opts)
			got := read{Rule: w.Rule, Exit: w.Exit}
			if w.Err != nil {
				got.Err = describe(w.Err)
			}
			var ae *resolver.AuthError
			if errors.As(w.Err, &ae) {
				got.Relogin, got.RetryAfter = ae.ReloginRequired, ae.RetryAfter
				if ae.Message == "" {
					t.Errorf("the AuthError carries no message: %+v", ae)
				}
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("the model read a %s resolve as (-want +got):\n%s", k, diff)
			}
			if diff := cmp.Diff([]string{xai}, w.Resolves); diff != "" {
				t.Errorf("resolves (-want +got):\n%s", diff)
			}
		})
		t.Run("completions/"+k.String(), func(t *testing.T) {
			sc := chainScenario(t, "FC-"+k.String(), []string{codex}, map[string]string{"xai-oauth": "ok; completions: " + k.String()})
			w := mustPredict(t, sc, resolver.Strict, opts)
			answeredBy, resolves := codex, []string{xai, codex}
			if k == fakes.OK {
				answeredBy, resolves = xai, []string{xai}
			}
			got := readPrediction(w)
			want := prediction{Landed: "-1 " + xai, Remaining: []string{codex}, Class: "none", Rule: "R4", Resolves: resolves, Answer: reply(answeredBy)}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("a %s completion of the landed primary (-want +got):\n%s", k, diff)
			}
		})
	}
}
