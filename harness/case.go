package harness

import (
	"bytes"
	"encoding/json"
	"strings"
	"time"

	"github.com/fallbackgate/fallbackgate/resolver"
)

// Case is the case file of PROTOCOL.md: what one start-up of one surface is
// given. It marshals to exactly the JSON a subject reads from
// FALLBACKGATE_CASE.
type Case struct {
	Protocol string     `json:"protocol"`
	ID       string     `json:"id"`
	Surface  string     `json:"surface"`
	Config   CaseConfig `json:"config"`
	Args     Args       `json:"args"`
	Prompt   string     `json:"prompt"`
	// Providers maps each provider slug to its fake's base URL.
	Providers map[string]string `json:"providers"`
	// Events is the events file for oneshot and cli; empty for the gateway.
	Events string `json:"events,omitempty"`
	// Home holds config.yaml; empty for the gateway.
	Home string `json:"home,omitempty"`
	// RequestTimeoutMS bounds every request the subject makes to a fake:
	// past it the subject gives up on that request and treats it as a
	// non-auth error (PROTOCOL.md). It is well under the case's timeout.
	RequestTimeoutMS int `json:"request_timeout_ms,omitempty"`
}

// RequestTimeout returns RequestTimeoutMS as a duration; zero when the
// case names none.
func (c Case) RequestTimeout() time.Duration {
	return time.Duration(c.RequestTimeoutMS) * time.Millisecond
}

// Pinned reports whether the case's arguments pin the start-up (R6).
func (c Case) Pinned() bool {
	return strings.TrimSpace(c.Args.Model) != "" || strings.TrimSpace(c.Args.Provider) != ""
}

// BadUsage reports whether the case's arguments name a provider without a
// model: bad usage on every surface, refused before any resolve (R6).
func (c Case) BadUsage() bool {
	return strings.TrimSpace(c.Args.Provider) != "" && strings.TrimSpace(c.Args.Model) == ""
}

// Args are the command-line arguments the case would have been started with.
// For the gateway they are the session's override.
type Args struct {
	Model    string `json:"model"`
	Provider string `json:"provider"`
}

// CaseConfig is the profile configuration, in the shape of PROTOCOL.md.
type CaseConfig struct {
	Model             PrimaryConfig `json:"model" yaml:"model"`
	FallbackProviders []ConfigEntry `json:"fallback_providers" yaml:"fallback_providers"`
	// FallbackModel is the legacy single fallback, appended to the chain.
	FallbackModel *ConfigEntry `json:"fallback_model,omitempty" yaml:"fallback_model,omitempty"`
}

// PrimaryConfig is the config's model section.
type PrimaryConfig struct {
	Provider string `json:"provider" yaml:"provider"`
	Default  string `json:"default" yaml:"default"`
	BaseURL  string `json:"base_url,omitempty" yaml:"base_url,omitempty"`
}

// ConfigEntry is a chain entry as written in a config: a mapping, or the
// shorthand string "provider/model" when Shorthand is set.
type ConfigEntry struct {
	resolver.Entry
	Shorthand bool
}

// MarshalJSON writes the shorthand string or the mapping.
func (e ConfigEntry) MarshalJSON() ([]byte, error) {
	if e.Shorthand {
		return json.Marshal(e.Entry.String())
	}
	return json.Marshal(e.Entry)
}

// MarshalYAML writes the shorthand string or the mapping.
func (e ConfigEntry) MarshalYAML() (any, error) {
	if e.Shorthand {
		return e.Entry.String(), nil
	}
	return e.Entry, nil
}

// UnmarshalJSON reads either form, remembering which.
func (e *ConfigEntry) UnmarshalJSON(b []byte) error {
	e.Shorthand = len(bytes.TrimSpace(b)) > 0 && bytes.TrimSpace(b)[0] == '"'
	return e.Entry.UnmarshalJSON(b)
}

// Resolved returns the configuration as the contract reads it: what
// resolver.ParseConfig reads from the case file's config (c as JSON), so
// that the reference model and every subject start from the same chain. A
// config ParseConfig accepts is read without the text (resolver.Written,
// equal by the property TestResolvedIsParseConfig); any other is written
// out and parsed, for ParseConfig's located errors.
func (c CaseConfig) Resolved() (resolver.Config, error) {
	if cfg, ok := c.written().Config(); ok {
		return cfg, nil
	}
	return c.parsed()
}

// parsed is Resolved the long way: c as JSON through resolver.ParseConfig.
func (c CaseConfig) parsed() (resolver.Config, error) {
	b, err := json.Marshal(c)
	if err != nil {
		return resolver.Config{}, err
	}
	return resolver.ParseConfig("case config", b)
}

// written returns c as resolver.Written, field for field as MarshalJSON
// writes it.
func (c CaseConfig) written() resolver.Written {
	w := resolver.Written{Primary: resolver.Entry{Provider: c.Model.Provider, Model: c.Model.Default, BaseURL: c.Model.BaseURL}}
	if len(c.FallbackProviders) > 0 {
		w.Chain = make([]resolver.WrittenEntry, len(c.FallbackProviders))
		for i, e := range c.FallbackProviders {
			w.Chain[i] = e.written()
		}
	}
	if c.FallbackModel != nil {
		l := c.FallbackModel.written()
		w.Legacy = &l
	}
	return w
}

// written returns e as MarshalJSON writes it.
func (e ConfigEntry) written() resolver.WrittenEntry {
	if e.Shorthand {
		return resolver.WrittenEntry{Shorthand: true, Text: e.Entry.String()}
	}
	return resolver.WrittenEntry{Entry: e.Entry}
}
