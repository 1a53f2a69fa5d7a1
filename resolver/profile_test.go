package resolver_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/fallbackgate/fallbackgate/resolver"
)

// TestReadChain shows the Profiles table's two "when the chain is read"
// rows: strict and closed-missing read every entry as written; upstream
// drops model-less entries and collapses identical ones (provider, model,
// base URL), keeping the first. A shorthand string is an entry like any
// other in every profile (R2/R3): read from a config, it is kept.
func TestReadChain(t *testing.T) {
	cfg, err := resolver.ParseConfig("config.yaml", []byte(`model: {provider: xai-oauth, default: grok-4.3}
fallback_providers:
  - openai-codex/gpt-5.5
  - {provider: openrouter}
  - {provider: openai-codex, model: gpt-5.5}
  - {provider: openai-codex, model: gpt-5.5, base_url: "https://eu.openai.test/v1/"}
  - openrouter
  - {provider: anthropic, model: claude-opus-4-7, base_url: "https://eu.openai.test/v1"}
  - {provider: openai-codex, model: gpt-5.5, base_url: "https://eu.openai.test/v1"}
`))
	if err != nil {
		t.Fatal(err)
	}
	a := resolver.Entry{Provider: "openai-codex", Model: "gpt-5.5"}
	aEU := resolver.Entry{Provider: "openai-codex", Model: "gpt-5.5", BaseURL: "https://eu.openai.test/v1"}
	noModel := resolver.Entry{Provider: "openrouter"}
	b := resolver.Entry{Provider: "anthropic", Model: "claude-opus-4-7", BaseURL: "https://eu.openai.test/v1"}
	asWritten := resolver.Chain{a, noModel, a, aEU, noModel, b, aEU}
	if diff := cmp.Diff(asWritten, cfg.Chain); diff != "" {
		t.Fatalf("ParseConfig chain (-want +got):\n%s", diff)
	}
	for _, tc := range []struct {
		profile resolver.Profile
		want    resolver.Chain
	}{
		{resolver.Strict, asWritten},
		{resolver.ClosedMissing, asWritten},
		{resolver.Upstream, resolver.Chain{a, aEU, b}},
	} {
		got := tc.profile.ReadChain(cfg.Chain)
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("%s.ReadChain (-want +got):\n%s", tc.profile.Name, diff)
		}
		if again := tc.profile.ReadChain(got); !cmp.Equal(again, got) {
			t.Errorf("%s.ReadChain is not idempotent: %v, then %v", tc.profile.Name, got, again)
		}
	}
	if diff := cmp.Diff(asWritten, cfg.Chain); diff != "" {
		t.Errorf("ReadChain changed the chain it read (-want +got):\n%s", diff)
	}
}
