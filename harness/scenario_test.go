package harness_test

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/fallbackgate/fallbackgate/fakes"
	"github.com/fallbackgate/fallbackgate/harness"
)

func TestParseScenarioRejects(t *testing.T) {
	const base = "id: X-1\nname: x\nconfig:\n  model: {provider: xai-oauth, default: grok-4.3}\n  fallback_providers: [openai-codex/gpt-5.5]\n"
	tests := []struct {
		name, yaml string
		want       []string
	}{
		{"malformed plan", base + "faults: {xai-oauth: \"2*ok -> \"}\n", []string{"x.yaml", "faults.xai-oauth", "at 8", "expected a fault"}},
		{"unknown provider in faults", base + "faults: {anthropic: ok}\n", []string{"faults.anthropic", "neither the primary nor in the chain"}},
		{"unknown key", base + "fautls: {}\n", []string{"x.yaml", "fautls"}},
		{"unknown profile", base + "profiles: {lenient: {exit: 1}}\n", []string{"profiles.lenient", "unknown profile"}},
		{"bad id", strings.Replace(base, "X-1", "1 2", 1), []string{"id:", `"1 2"`}},
		{"bad entry", strings.Replace(base, "[openai-codex/gpt-5.5]", "[{provider: \" \"}]", 1), []string{"config:", "fallback_providers[0]"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := harness.ParseScenario("x.yaml", []byte(tt.yaml))
			if err == nil {
				t.Fatalf("ParseScenario accepted:\n%s", tt.yaml)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}

// TestScenarioWithoutPlanIsHealthy: a provider the scenario names no plan
// for is served healthy, not refused.
func TestScenarioWithoutPlanIsHealthy(t *testing.T) {
	sc, err := harness.ParseScenario("x.yaml", []byte("id: X-2\nname: x\nconfig:\n  model: {provider: xai-oauth, default: grok-4.3}\n  fallback_providers: [openai-codex/gpt-5.5]\nfaults: {xai-oauth: expired}\n"))
	if err != nil {
		t.Fatal(err)
	}
	specs, err := sc.FakeProviders()
	if err != nil {
		t.Fatalf("FakeProviders: %v", err)
	}
	plans := map[string]string{}
	for _, sp := range specs {
		plans[sp.Name] = sp.Plan.String()
	}
	if diff := cmp.Diff(map[string]string{"xai-oauth": "expired", "openai-codex": "ok"}, plans); diff != "" {
		t.Errorf("FakeProviders plans (-want +got):\n%s", diff)
	}
	fleet, err := fakes.NewFleet(fakes.Config{Providers: specs, Seed: 1})
	if err != nil {
		t.Fatalf("NewFleet: %v", err)
	}
	defer fleet.Close()
	if got := fleet.Providers(); len(got) != 2 {
		t.Errorf("fleet serves %v; want xai-oauth and openai-codex", got)
	}
	// The provider without a plan answers a resolve with a runtime.
	u, err := url.Parse(fleet.BaseURL("openai-codex") + "/resolve")
	if err != nil {
		t.Fatal(err)
	}
	a, err := fleet.Do(context.Background(), fakes.Request{URL: u, Body: []byte(`{"model":"gpt-5.5","base_url":null}`)})
	if err != nil || a.Status != 200 {
		t.Errorf("resolve on openai-codex (no plan) = status %d, %v; want 200", a.Status, err)
	}
}
