package harness

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/fallbackgate/fallbackgate/fakes"
	"github.com/fallbackgate/fallbackgate/resolver"
)

// Scenario is one scenario file: a set-up (configuration, pin, a fault plan
// per provider) and the expectations a person wrote for it. The checker does
// not trust the expectations: it judges every run against what the reference
// model predicts, and a test proves each file's expectations equal the
// model's prediction.
type Scenario struct {
	ID      string     `yaml:"id"`
	Name    string     `yaml:"name"`
	Summary string     `yaml:"summary"`
	Rules   []string   `yaml:"rules"`
	Config  CaseConfig `yaml:"config"`
	// Pin holds the command-line arguments (or the gateway session's
	// override); non-blank pins the start-up.
	Pin Args `yaml:"pin"`
	// Faults maps each provider to its fault plan, in the fakes' plan
	// language. A provider with no plan is healthy.
	Faults map[string]string `yaml:"faults"`
	// Prompt is the user's prompt; a default is used when empty.
	Prompt string `yaml:"prompt"`
	// Expect is what the strict profile must do.
	Expect Expectation `yaml:"expect"`
	// Profiles holds the expectations of profiles that differ from strict;
	// a profile not listed must behave as strict does.
	Profiles map[string]Expectation `yaml:"profiles"`
	// Source is the file the scenario was read from.
	Source string `yaml:"-"`
}

// Expectation is what a scenario says a start-up must do, in the words of
// the contract.
type Expectation struct {
	// Resolves lists the resolve requests in order, as "provider/model"
	// (or "provider" for a request with no model).
	Resolves []string `yaml:"resolves"`
	// Landed is -1 for the primary or the chain index; absent when the
	// start-up fails.
	Landed *int `yaml:"landed,omitempty"`
	// Model is the effective model when the start-up succeeds.
	Model string `yaml:"model,omitempty"`
	// Remaining is the chain handed to the runtime, as "provider/model".
	Remaining []string `yaml:"remaining,omitempty"`
	// Surfaced names the provider whose error is surfaced when the start-up
	// fails; its code and message must be what that provider's fake said.
	Surfaced string `yaml:"surfaced,omitempty"`
	// Exit is the oneshot worker's exit code: 0, 1, 75 or 2.
	Exit int `yaml:"exit"`
	// FallbackEvents is the number of fallback events (0 or 1).
	FallbackEvents int `yaml:"fallback_events"`
}

// ExpectationFor returns the expectation the file states for profile.
func (s Scenario) ExpectationFor(profile string) Expectation {
	if e, ok := s.Profiles[profile]; ok {
		return e
	}
	return s.Expect
}

// DefaultPrompt is the prompt of a scenario that names none.
const DefaultPrompt = "Reply with one word."

var scenarioID = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9.-]*$`)

// ParseScenario reads a scenario file. Unknown keys, a missing id or
// config, a malformed fault plan target, or an unknown profile are
// rejected with an error that names the file and the field.
func ParseScenario(name string, data []byte) (Scenario, error) {
	var s Scenario
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&s); err != nil {
		if errors.Is(err, io.EOF) {
			return s, fmt.Errorf("%s: empty scenario file", name)
		}
		return s, fmt.Errorf("%s: %v", name, YAMLProblem(err))
	}
	s.Source = name
	var problems []string
	for i, r := range s.Rules {
		if !KnownRule(r) {
			problems = append(problems, fmt.Sprintf("rules[%d]: %q is not a rule of CONTRACT.md (R1 … R18, or protocol, usage, parity)", i, r))
		}
	}
	if !scenarioID.MatchString(s.ID) {
		problems = append(problems, fmt.Sprintf("id: want a name like SF-1, got %q", s.ID))
	}
	if _, err := s.Config.Resolved(); err != nil {
		problems = append(problems, "config: "+strings.ReplaceAll(err.Error(), "\n", "; "))
	}
	cfg, _ := s.Config.Resolved()
	known := map[string]bool{cfg.Primary.Provider: true}
	for _, e := range cfg.Chain {
		known[e.Provider] = true
	}
	if p := strings.TrimSpace(s.Pin.Provider); p != "" {
		known[p] = true
	}
	for _, p := range sortedKeys(s.Faults) {
		if !known[p] {
			problems = append(problems, fmt.Sprintf("faults.%s: provider is neither the primary nor in the chain", p))
		}
		if text := s.Faults[p]; strings.TrimSpace(text) != "" {
			if _, err := fakes.Parse(text); err != nil {
				problems = append(problems, fmt.Sprintf("faults.%s: %v", p, err))
			}
		}
	}
	for _, p := range sortedKeys(s.Profiles) {
		if _, err := resolver.ProfileByName(p); err != nil {
			problems = append(problems, fmt.Sprintf("profiles.%s: %v", p, err))
		}
	}
	if len(problems) > 0 {
		return s, fmt.Errorf("%s: %s", name, strings.Join(problems, "\n"+name+": "))
	}
	if s.Prompt == "" {
		s.Prompt = DefaultPrompt
	}
	return s, nil
}

// Providers lists every provider the scenario's fleet must serve, sorted.
func (s Scenario) Providers() []string {
	set := map[string]bool{}
	cfg, _ := s.Config.Resolved()
	set[cfg.Primary.Provider] = true
	for _, e := range cfg.Chain {
		set[e.Provider] = true
	}
	if p := strings.TrimSpace(s.Pin.Provider); p != "" {
		set[p] = true
	}
	for p := range s.Faults {
		set[p] = true
	}
	return sortedKeys(set)
}

// FakeProviders returns every provider the scenario's fleet serves, with
// its parsed fault plan; a provider without a plan is healthy.
func (s Scenario) FakeProviders() ([]fakes.Provider, error) {
	var specs []fakes.Provider
	for _, p := range s.Providers() {
		var plan fakes.Plan // no plan: healthy
		if text := s.Faults[p]; strings.TrimSpace(text) != "" {
			var err error
			if plan, err = fakes.Parse(text); err != nil {
				return nil, fmt.Errorf("%s: faults.%s: %w", s.Source, p, err)
			}
		}
		specs = append(specs, fakes.Provider{Name: p, Plan: plan})
	}
	return specs, nil
}

// Case returns the case file for running s on surface with the given
// provider URLs.
func (s Scenario) Case(surface string, providers map[string]string) Case {
	return Case{
		Protocol:  Protocol,
		ID:        s.ID + "/" + surface,
		Surface:   surface,
		Config:    s.Config,
		Args:      s.Pin,
		Prompt:    s.Prompt,
		Providers: providers,
	}
}

// WithHandoff returns s with provider's first completion failing with 500:
// the case that checks the runtime hand-off end to end (PROTOCOL.md,
// "Runtime hand-off").
func (s Scenario) WithHandoff(provider string) Scenario {
	faults := make(map[string]string, len(s.Faults)+1)
	for k, v := range s.Faults {
		faults[k] = v
	}
	plan := faults[provider]
	if plan == "" {
		plan = "ok"
	}
	faults[provider] = plan + "; completions: 500 -> ok"
	s.Faults = faults
	return s
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// UnmarshalYAML reads an entry as a mapping or a "provider/model" string.
func (e *ConfigEntry) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode && n.Tag == "!!str" {
		en, err := resolver.ParseEntry(n.Value)
		if err != nil {
			return fmt.Errorf("line %d: %v", n.Line, err)
		}
		e.Entry, e.Shorthand = en, true
		return nil
	}
	var raw struct {
		Provider string `yaml:"provider"`
		Model    string `yaml:"model"`
		BaseURL  string `yaml:"base_url"`
	}
	if n.Kind != yaml.MappingNode {
		return fmt.Errorf("line %d: an entry is a mapping or a \"provider/model\" string", n.Line)
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if k := n.Content[i].Value; !slices.Contains([]string{"provider", "model", "base_url"}, k) {
			return fmt.Errorf("line %d: unknown entry field %q", n.Content[i].Line, k)
		}
	}
	if err := n.Decode(&raw); err != nil {
		return err
	}
	e.Entry = resolver.Entry{Provider: raw.Provider, Model: raw.Model, BaseURL: raw.BaseURL}
	return nil
}
