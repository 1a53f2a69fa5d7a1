package resolver_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/fallbackgate/fallbackgate/resolver"
)

func TestClassify(t *testing.T) {
	var nilAuth *resolver.AuthError
	rl := &resolver.AuthError{Provider: "openai-codex", Code: "codex_rate_limited", RetryAfter: 30e9, Message: "429"}
	rlRelogin := &resolver.AuthError{Provider: "openai-codex", Code: "codex_rate_limited", ReloginRequired: true, Message: "429 and revoked"}
	auth := &resolver.AuthError{Provider: "xai-oauth", Code: "xai_token_expired", ReloginRequired: true, Message: "expired"}
	tests := []struct {
		name        string
		err         error
		want        resolver.Class
		rateLimited bool
	}{
		{"nil", nil, resolver.ClassNone, false},
		{"plain error", errors.New("connection reset"), resolver.ClassOther, false},
		{"auth", auth, resolver.ClassAuth, false},
		{"auth without relogin", &resolver.AuthError{Code: "xai_token_expired"}, resolver.ClassAuth, false},
		{"rate limited", rl, resolver.ClassRateLimited, true},
		{"rate limit code with relogin_required is an auth failure", rlRelogin, resolver.ClassAuth, false},
		{"other code, no relogin", &resolver.AuthError{Code: "quota_exceeded"}, resolver.ClassAuth, false},
		{"code must match exactly: upper case", &resolver.AuthError{Code: "CODEX_RATE_LIMITED"}, resolver.ClassAuth, false},
		{"code must match exactly: suffix", &resolver.AuthError{Code: "codex_rate_limited_soft"}, resolver.ClassAuth, false},
		{"code must match exactly: prefix", &resolver.AuthError{Code: "x_codex_rate_limited"}, resolver.ClassAuth, false},
		{"wrapped %w auth", fmt.Errorf("resolve: %w", auth), resolver.ClassAuth, false},
		{"wrapped %w rate limited", fmt.Errorf("resolve: %w", rl), resolver.ClassRateLimited, true},
		{"twice wrapped rate limited", fmt.Errorf("a: %w", fmt.Errorf("b: %w", rl)), resolver.ClassRateLimited, true},
		{"wrapped %w rate limit with relogin", fmt.Errorf("resolve: %w", rlRelogin), resolver.ClassAuth, false},
		{"wrapped %v is not an AuthError", fmt.Errorf("resolve: %v", rl), resolver.ClassOther, false},
		{"joined with a rate limit", errors.Join(errors.New("x"), rl), resolver.ClassRateLimited, true},
		{"typed nil *AuthError", nilAuth, resolver.ClassOther, false},
		{"wrapped typed nil *AuthError", fmt.Errorf("x: %w", nilAuth), resolver.ClassOther, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := resolver.Classify(tt.err); got != tt.want {
				t.Errorf("Classify(%v) = %v; want %v", tt.err, got, tt.want)
			}
			if got := resolver.IsRateLimited(tt.err); got != tt.rateLimited {
				t.Errorf("IsRateLimited(%v) = %t; want %t", tt.err, got, tt.rateLimited)
			}
		})
	}
}

func TestClassString(t *testing.T) {
	for c, want := range map[resolver.Class]string{
		resolver.ClassNone: "none", resolver.ClassAuth: "auth", resolver.ClassRateLimited: "rate_limit",
		resolver.ClassOther: "other", resolver.Class(42): "Class(42)",
	} {
		if got := c.String(); got != want {
			t.Errorf("Class(%d).String() = %q; want %q", int(c), got, want)
		}
	}
}

func TestMissingCredential(t *testing.T) {
	for code, want := range map[string]bool{
		"xai_auth_missing":        true,
		"anthropic_auth_missing":  true,
		"missing_api_key":         true,
		"openai_missing_api_key":  true,
		"not_logged_in":           true,
		"anthropic_not_logged_in": true,
		"auth_missing":            false, // the suffix is "_auth_missing"
		"xai_auth_missing_soon":   false,
		"missing_api_key_rotated": false,
		"xai_token_expired":       false,
		"codex_rate_limited":      false,
		"":                        false,
	} {
		e := &resolver.AuthError{Code: code}
		if got := e.MissingCredential(); got != want {
			t.Errorf("AuthError{Code: %q}.MissingCredential() = %t; want %t", code, got, want)
		}
	}
	var nilAuth *resolver.AuthError
	if nilAuth.MissingCredential() || nilAuth.RateLimited() {
		t.Error("a nil *AuthError reports a missing credential or a rate limit")
	}
}

func TestAuthErrorMessage(t *testing.T) {
	e := &resolver.AuthError{Provider: "xai-oauth", Code: "xai_token_revoked", Message: "token revoked"}
	for _, want := range []string{"xai-oauth", "token revoked", "xai_token_revoked"} {
		if !strings.Contains(e.Error(), want) {
			t.Errorf("%#v.Error() = %q; want it to name %q", e, e.Error(), want)
		}
	}
}

// TestSecretNeverPrints checks R16 at the source: a Secret, and a Runtime or
// Decision holding one, never shows the value however it is printed.
func TestSecretNeverPrints(t *testing.T) {
	const value = "sk-live-0123456789abcdef"
	rt := resolver.Runtime{Provider: "openai-codex", Model: "gpt-5.5", BaseURL: "https://api.test", APIKey: resolver.NewSecret(value)}
	d := resolver.Decision{Runtime: rt, Landed: 0}
	hexValue := fmt.Sprintf("%x", value)

	// %p on a non-pointer is reported by fmt before any method is
	// consulted, with the raw fields: the value sits behind a pointer, so
	// that shows an address.
	var outputs []string
	for _, verb := range []string{"%v", "%s", "%+v", "%#v", "%q", "%x", "%X", "%d", "%t", "%c", "%U", "%e", "%10.3s", "%-30v", "%T", "%p", "%#p"} {
		for _, arg := range []any{rt.APIKey, rt, &rt, d, &d, []resolver.Runtime{rt}, map[string]resolver.Secret{"k": rt.APIKey}} {
			outputs = append(outputs, verb+" "+fmt.Sprintf(verb, arg))
		}
	}
	outputs = append(outputs, fmt.Sprint(rt), fmt.Sprintln(rt.APIKey), rt.APIKey.String())
	for _, v := range []any{rt, &rt, d, rt.APIKey} {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatalf("json.Marshal(%T): %v", v, err)
		}
		outputs = append(outputs, "json "+string(b))
		y, err := yaml.Marshal(v)
		if err != nil {
			t.Fatalf("yaml.Marshal(%T): %v", v, err)
		}
		outputs = append(outputs, "yaml "+string(y))
	}
	var logs bytes.Buffer
	slog.New(slog.NewJSONHandler(&logs, nil)).Info("start-up", "runtime", rt, "key", rt.APIKey)
	slog.New(slog.NewTextHandler(&logs, nil)).Log(context.Background(), slog.LevelInfo, "start-up", "runtime", rt, "key", rt.APIKey)
	outputs = append(outputs, logs.String())

	for _, out := range outputs {
		if strings.Contains(out, value) || strings.Contains(strings.ToLower(out), hexValue) || strings.Contains(out, "0123456789abcdef") {
			t.Errorf("R16: the secret leaks: %s", out)
		}
	}
	if !strings.Contains(outputs[0], resolver.Redacted) {
		t.Errorf("Secret printed as %q; want %q", outputs[0], resolver.Redacted)
	}
	if got := rt.APIKey.Reveal(); got != value {
		t.Errorf("Reveal() = %q; want the value", got)
	}
}
