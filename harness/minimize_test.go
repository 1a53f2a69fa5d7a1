package harness_test

import (
	"context"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/fallbackgate/fallbackgate/harness"
	"github.com/fallbackgate/fallbackgate/resolver"
)

func entry(provider, model, baseURL string) harness.ConfigEntry {
	return harness.ConfigEntry{Entry: resolver.Entry{Provider: provider, Model: model, BaseURL: baseURL}}
}

// TestMinimize: a failure that needs the primary's 429 and a chain entry
// on xai-oauth keeps exactly those; everything else goes.
func TestMinimize(t *testing.T) {
	legacy := entry("anthropic", "claude-opus-4-7", "")
	sc := harness.Scenario{
		ID: "chaos",
		Config: harness.CaseConfig{
			Model: harness.PrimaryConfig{Provider: "openai-codex", Default: "gpt-5.5", BaseURL: "https://proxy.example/v1"},
			FallbackProviders: []harness.ConfigEntry{
				entry("anthropic", "claude-opus-4-7", "https://proxy.example/v1"),
				entry("xai-oauth", "grok-4.3", "https://proxy.example/v1"),
				entry("openai-codex", "gpt-5.5", ""),
			},
			FallbackModel: &legacy,
		},
		Pin:    harness.Args{Model: "gpt-5.5"},
		Faults: map[string]string{"openai-codex": "429(retry_after=30s)", "anthropic": "missing", "xai-oauth": "ok"},
	}
	orig := sc.Config.FallbackProviders[1]
	fails := func(_ context.Context, c harness.Scenario) (bool, error) {
		hasXAI := slices.ContainsFunc(c.Config.FallbackProviders, func(e harness.ConfigEntry) bool { return e.Provider == "xai-oauth" })
		return hasXAI && c.Faults["openai-codex"] != "", nil
	}
	got, tries, err := harness.Minimize(context.Background(), sc, 100, fails)
	if err != nil {
		t.Fatal(err)
	}
	want := harness.Scenario{
		ID: "chaos",
		Config: harness.CaseConfig{
			Model:             harness.PrimaryConfig{Provider: "openai-codex", Default: "gpt-5.5"},
			FallbackProviders: []harness.ConfigEntry{entry("xai-oauth", "grok-4.3", "")},
		},
		Faults: map[string]string{"openai-codex": "429(retry_after=30s)", "xai-oauth": "ok"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("minimized scenario (-want +got):\n%s", diff)
	}
	if tries == 0 || tries > 40 {
		t.Errorf("%d tries; want a few dozen at most", tries)
	}
	// The input is not changed.
	if sc.Config.FallbackProviders[1] != orig || len(sc.Config.FallbackProviders) != 3 || sc.Faults["anthropic"] != "missing" {
		t.Errorf("Minimize changed its input: %+v", sc)
	}

	// The budget bounds the runs.
	if _, tries, _ := harness.Minimize(context.Background(), sc, 3, fails); tries != 3 {
		t.Errorf("%d tries with a budget of 3", tries)
	}
	// A failure that nothing simpler keeps is returned as it was.
	same, _, _ := harness.Minimize(context.Background(), sc, 100, func(_ context.Context, c harness.Scenario) (bool, error) {
		return cmp.Equal(c, sc), nil
	})
	if !cmp.Equal(same, sc) {
		t.Errorf("a scenario with no simpler failing form changed")
	}
}
