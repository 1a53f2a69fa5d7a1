package resolver_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"go.yaml.in/yaml/v3"

	"github.com/fallbackgate/fallbackgate/resolver"
)

var goodConfigs = []struct {
	name string
	in   string
	want resolver.Config
}{
	{
		name: "yaml mappings",
		in: `model:
  provider: xai-oauth
  default: grok-4.3
  base_url: https://api.x.ai/v1
fallback_providers:
  - provider: openai-codex
    model: gpt-5.5
  - {provider: anthropic, model: claude-opus-4-7, base_url: "https://api.anthropic.com"}
`,
		want: resolver.Config{
			Primary: resolver.Entry{Provider: "xai-oauth", Model: "grok-4.3", BaseURL: "https://api.x.ai/v1"},
			Chain:   chain(resolver.Entry{Provider: "openai-codex", Model: "gpt-5.5"}, resolver.Entry{Provider: "anthropic", Model: "claude-opus-4-7", BaseURL: "https://api.anthropic.com"}),
		},
	},
	{
		name: "yaml shorthand, models containing a slash",
		in: `model: xai-oauth/grok-4.3
fallback_providers: [openai-codex/gpt-5.5, openrouter/meta-llama/llama-4-maverick, "nous/a/b/c", anthropic]
`,
		want: resolver.Config{
			Primary: resolver.Entry{Provider: "xai-oauth", Model: "grok-4.3"},
			Chain: chain(
				resolver.Entry{Provider: "openai-codex", Model: "gpt-5.5"},
				resolver.Entry{Provider: "openrouter", Model: "meta-llama/llama-4-maverick"},
				resolver.Entry{Provider: "nous", Model: "a/b/c"},
				resolver.Entry{Provider: "anthropic"}),
		},
	},
	{
		name: "base_url trailing slashes stripped",
		in: `model: {provider: xai-oauth, default: grok-4.3, base_url: "https://api.x.ai/v1/"}
fallback_providers:
  - {provider: local, model: qwen, base_url: "http://127.0.0.1:8080//"}
  - {provider: other, base_url: " http://h/ / "}
`,
		want: resolver.Config{
			Primary: resolver.Entry{Provider: "xai-oauth", Model: "grok-4.3", BaseURL: "https://api.x.ai/v1"},
			Chain:   chain(resolver.Entry{Provider: "local", Model: "qwen", BaseURL: "http://127.0.0.1:8080"}, resolver.Entry{Provider: "other", BaseURL: "http://h"}),
		},
	},
	{
		name: "white space stripped",
		in: `model: {provider: "  xai-oauth ", default: " grok-4.3\t"}
fallback_providers:
  - {provider: "	openai-codex  ", model: "  gpt-5.5 "}
  - " anthropic / claude-opus-4-7 "
`,
		want: resolver.Config{
			Primary: resolver.Entry{Provider: "xai-oauth", Model: "grok-4.3"},
			Chain:   chain(resolver.Entry{Provider: "openai-codex", Model: "gpt-5.5"}, resolver.Entry{Provider: "anthropic", Model: "claude-opus-4-7"}),
		},
	},
	{
		name: "legacy fallback_model appended, even when written first",
		in: `fallback_model: openrouter/some-model
model: {provider: xai-oauth, default: grok-4.3}
fallback_providers: [openai-codex/gpt-5.5]
`,
		want: resolver.Config{
			Primary: resolver.Entry{Provider: "xai-oauth", Model: "grok-4.3"},
			Chain:   chain(resolver.Entry{Provider: "openai-codex", Model: "gpt-5.5"}, resolver.Entry{Provider: "openrouter", Model: "some-model"}),
		},
	},
	{
		name: "legacy fallback_model as a mapping, without fallback_providers",
		in: `model: {provider: xai-oauth, default: grok-4.3}
fallback_model: {provider: anthropic, model: claude-opus-4-7}
`,
		want: resolver.Config{
			Primary: resolver.Entry{Provider: "xai-oauth", Model: "grok-4.3"},
			Chain:   chain(resolver.Entry{Provider: "anthropic", Model: "claude-opus-4-7"}),
		},
	},
	{
		name: "null chain and null legacy",
		in: `model: {provider: xai-oauth, default: grok-4.3}
fallback_providers: null
fallback_model: ~
`,
		want: resolver.Config{Primary: resolver.Entry{Provider: "xai-oauth", Model: "grok-4.3"}, Chain: chain()},
	},
	{
		name: "empty chain",
		in:   "model: {provider: xai-oauth, default: grok-4.3}\nfallback_providers: []\n",
		want: resolver.Config{Primary: resolver.Entry{Provider: "xai-oauth", Model: "grok-4.3"}, Chain: chain()},
	},
	{
		name: "no chain at all",
		in:   "model: {provider: xai-oauth, default: grok-4.3}\n",
		want: resolver.Config{Primary: resolver.Entry{Provider: "xai-oauth", Model: "grok-4.3"}, Chain: chain()},
	},
	{
		name: "null fields are absent; unknown top-level and primary keys ignored",
		in: `agent: {name: worker}
model: {provider: xai-oauth, default: grok-4.3, context_length: 131072, base_url: null}
fallback_providers: [{provider: anthropic, model: null, base_url: ~}]
toolsets: [web]
`,
		want: resolver.Config{Primary: resolver.Entry{Provider: "xai-oauth", Model: "grok-4.3"}, Chain: chain(resolver.Entry{Provider: "anthropic"})},
	},
	{
		name: "primary model spelt model",
		in:   "model: {provider: xai-oauth, model: grok-4.3}\n",
		want: resolver.Config{Primary: resolver.Entry{Provider: "xai-oauth", Model: "grok-4.3"}, Chain: chain()},
	},
	{
		name: "anchors and aliases",
		in: `codex: &codex {provider: openai-codex, model: gpt-5.5}
model: {provider: xai-oauth, default: grok-4.3}
fallback_providers: [*codex, *codex]
`,
		want: resolver.Config{
			Primary: resolver.Entry{Provider: "xai-oauth", Model: "grok-4.3"},
			Chain:   chain(resolver.Entry{Provider: "openai-codex", Model: "gpt-5.5"}, resolver.Entry{Provider: "openai-codex", Model: "gpt-5.5"}),
		},
	},
	{
		name: "quoted numbers are strings",
		in:   "model: {provider: '42', default: '3.5'}\nfallback_providers: ['7/8']\n",
		want: resolver.Config{Primary: resolver.Entry{Provider: "42", Model: "3.5"}, Chain: chain(resolver.Entry{Provider: "7", Model: "8"})},
	},
	{
		name: "json",
		in: `{
  "model": {"provider": "xai-oauth", "default": "grok-4.3", "base_url": "https://api.x.ai/v1/"},
  "fallback_providers": [
    {"provider": "openai-codex", "model": "gpt-5.5"},
    "openrouter/meta-llama/llama-4",
    {"provider": " anthropic "}
  ],
  "fallback_model": "nous/hermes-4"
}`,
		want: resolver.Config{
			Primary: resolver.Entry{Provider: "xai-oauth", Model: "grok-4.3", BaseURL: "https://api.x.ai/v1"},
			Chain: chain(
				resolver.Entry{Provider: "openai-codex", Model: "gpt-5.5"},
				resolver.Entry{Provider: "openrouter", Model: "meta-llama/llama-4"},
				resolver.Entry{Provider: "anthropic"},
				resolver.Entry{Provider: "nous", Model: "hermes-4"}),
		},
	},
	{
		name: "json indented with tabs, null chain",
		in:   "{\n\t\"model\": \"xai-oauth/grok-4.3\",\n\t\"fallback_providers\": null\n}\n",
		want: resolver.Config{Primary: resolver.Entry{Provider: "xai-oauth", Model: "grok-4.3"}, Chain: chain()},
	},
	{
		// Valid JSON that YAML rejects: the escape \/ (as PHP and others
		// write every slash) and a surrogate pair.
		name: `json with \/ and surrogate pair escapes`,
		in:   `{"model": "xai-oauth\/grok-4.3", "note": "\ud83d\ude00", "fallback_providers": ["openrouter\/meta-llama\/llama-4", {"provider": "x", "base_url": "https:\/\/h\/"}]}`,
		want: resolver.Config{
			Primary: resolver.Entry{Provider: "xai-oauth", Model: "grok-4.3"},
			Chain:   chain(resolver.Entry{Provider: "openrouter", Model: "meta-llama/llama-4"}, resolver.Entry{Provider: "x", BaseURL: "https://h"}),
		},
	},
}

func TestParseConfigGood(t *testing.T) {
	for _, tt := range goodConfigs {
		t.Run(tt.name, func(t *testing.T) {
			got, err := resolver.ParseConfig("cfg", []byte(tt.in))
			if err != nil {
				t.Fatalf("ParseConfig(%q) error: %v", tt.in, err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ParseConfig(%q) (-want +got):\n%s", tt.in, diff)
			}
			if got.Chain == nil {
				t.Errorf("ParseConfig(%q) chain is nil; want a non-nil (maybe empty) chain", tt.in)
			}
		})
	}
}

// badConfig is a malformed configuration and the first problem it must
// report.
type badConfig struct {
	name    string
	in      string
	index   int    // ConfigError.Index
	field   string // ConfigError.Field
	value   string // ConfigError.Value
	problem string // a word of ConfigError.Problem
}

const okModel = "model: {provider: xai-oauth, default: grok-4.3}\n"

var badConfigs = []badConfig{
	{"entry is a number", okModel + "fallback_providers: [openai-codex/gpt-5.5, 42]\n", 1, "fallback_providers[1]", "int 42", "must be a mapping"},
	{"entry is a bool", okModel + "fallback_providers: [true]\n", 0, "fallback_providers[0]", "bool true", "must be a mapping"},
	{"entry is a list", okModel + "fallback_providers: [[openai-codex, gpt-5.5]]\n", 0, "fallback_providers[0]", "a list of 2", "must be a mapping"},
	{"entry is null", okModel + "fallback_providers: [a/b, b/c, ~]\n", 2, "fallback_providers[2]", "null", "must be a mapping"},
	{"blank shorthand", okModel + "fallback_providers: [a/b, '   ']\n", 1, "fallback_providers[1]", `"   "`, "blank provider"},
	{"shorthand without provider", okModel + "fallback_providers: [/gpt-5.5]\n", 0, "fallback_providers[0]", `"/gpt-5.5"`, "blank provider"},
	{"mapping without provider", okModel + "fallback_providers: [{model: gpt-5.5}]\n", 0, "fallback_providers[0].provider", "a mapping", "missing"},
	{"blank provider", okModel + "fallback_providers: [a/b, {provider: '  ', model: m}]\n", 1, "fallback_providers[1].provider", `"  "`, "blank"},
	{"null provider", okModel + "fallback_providers: [{provider: null, model: m}]\n", 0, "fallback_providers[0].provider", "null", "blank"},
	{"provider is a number", okModel + "fallback_providers: [{provider: 7}]\n", 0, "fallback_providers[0].provider", "int 7", "must be a string"},
	{"model is a list", okModel + "fallback_providers: [{provider: a, model: [x]}]\n", 0, "fallback_providers[0].model", "a list of 1", "must be a string"},
	{"model is a float", okModel + "fallback_providers: [{provider: a, model: 4.5}]\n", 0, "fallback_providers[0].model", "float 4.5", "must be a string"},
	{"base_url is a mapping", okModel + "fallback_providers: [{provider: a, base_url: {host: h}}]\n", 0, "fallback_providers[0].base_url", "a mapping", "must be a string"},
	{"unknown entry field", okModel + "fallback_providers: [{provider: a, modle: m}]\n", 0, "fallback_providers[0].modle", `"modle"`, "unknown field"},
	{"field twice", okModel + "fallback_providers: [{provider: a, provider: b}]\n", 0, "fallback_providers[0].provider", `"provider"`, "appears twice"},
	{"provider slug with a slash", okModel + "fallback_providers: [{provider: openai-codex/gpt-5.5}]\n", 0, "fallback_providers[0].provider", `"openai-codex/gpt-5.5"`, `never contains "/"`},
	{"chain is a string", okModel + "fallback_providers: openai-codex/gpt-5.5\n", -1, "fallback_providers", `"openai-codex/gpt-5.5"`, "must be a list"},
	{"chain is a mapping", okModel + "fallback_providers: {provider: a}\n", -1, "fallback_providers", "a mapping", "must be a list"},
	{"chain twice", okModel + "fallback_providers: [a/b]\nfallback_providers: [c/d]\n", -1, "fallback_providers", `"fallback_providers"`, "appears twice"},
	{"legacy fallback_model is a number", okModel + "fallback_model: 5\n", -1, "fallback_model", "int 5", "must be a mapping"},
	{"legacy fallback_model blank", okModel + "fallback_model: ' '\n", -1, "fallback_model", `" "`, "blank provider"},
	{"no primary", "fallback_providers: [a/b]\n", -1, "model", "", "missing"},
	{"empty document", "", -1, "model", "", "missing"},
	{"primary is a number", "model: 5\n", -1, "model", "int 5", "must be a mapping"},
	{"primary blank provider", "model: {provider: ' ', default: grok-4.3}\n", -1, "model.provider", `" "`, "blank"},
	{"primary without provider", "model: {default: grok-4.3}\n", -1, "model.provider", "a mapping", "missing"},
	{"primary twice", okModel + okModel, -1, "model", `"model"`, "appears twice"},
	{"not a mapping", "- a/b\n", -1, "", "a list of 1", "must be a mapping"},
	{"not YAML", "model: [a\n", -1, "", "", "not valid YAML or JSON"},
	{"json blank provider", `{"model": "x/y", "fallback_providers": ["a/b", {"provider": ""}]}`, 1, "fallback_providers[1].provider", `""`, "blank"},
	{"json entry is a number", `{"model": "x\/y", "fallback_providers": [1]}`, 0, "fallback_providers[0]", "int 1", "must be a mapping"},
}

// configErrors returns every *ConfigError in err.
func configErrors(err error) []*resolver.ConfigError {
	var out []*resolver.ConfigError
	var walk func(error)
	walk = func(err error) {
		var ce *resolver.ConfigError
		if errors.As(err, &ce) && ce == err {
			out = append(out, ce)
			return
		}
		if j, ok := err.(interface{ Unwrap() []error }); ok {
			for _, e := range j.Unwrap() {
				walk(e)
			}
		} else if e := errors.Unwrap(err); e != nil {
			walk(e)
		}
	}
	walk(err)
	return out
}

func TestParseConfigBad(t *testing.T) {
	if len(badConfigs) < 15 {
		t.Fatalf("only %d bad inputs; want at least 15", len(badConfigs))
	}
	for _, tt := range badConfigs {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := resolver.ParseConfig("cfg.yaml", []byte(tt.in))
			if err == nil {
				t.Fatalf("ParseConfig(%q) = %+v, nil; want an error (R3: nothing malformed is dropped silently)", tt.in, cfg)
			}
			var ce *resolver.ConfigError
			if !errors.As(err, &ce) {
				t.Fatalf("ParseConfig(%q) error %v (%T) holds no *ConfigError", tt.in, err, err)
			}
			got := badConfig{name: tt.name, in: tt.in, index: ce.Index, field: ce.Field, value: ce.Value, problem: tt.problem}
			if !strings.Contains(ce.Problem, tt.problem) {
				got.problem = ce.Problem
			}
			if diff := cmp.Diff(tt, got, cmp.AllowUnexported(badConfig{})); diff != "" {
				t.Errorf("ParseConfig(%q) first problem (-want +got):\n%s\nerror: %v", tt.in, diff, err)
			}
			msg := err.Error()
			for _, want := range []string{"cfg.yaml", tt.field, tt.value, tt.problem} {
				if !strings.Contains(msg, want) {
					t.Errorf("ParseConfig(%q) error %q does not name %q", tt.in, msg, want)
				}
			}
			if ce.File != "cfg.yaml" {
				t.Errorf("ConfigError.File = %q; want %q", ce.File, "cfg.yaml")
			}
			if tt.value != "" && ce.Line == 0 {
				t.Errorf("ParseConfig(%q): ConfigError has no line for value %s", tt.in, tt.value)
			}
			if len(cfg.Chain) != 0 || cfg.Primary != (resolver.Entry{}) {
				t.Errorf("ParseConfig(%q) returned a partial config %+v with its error", tt.in, cfg)
			}
		})
	}
}

func TestParseConfigReportsEveryProblem(t *testing.T) {
	in := `model: {provider: " ", default: grok-4.3}
fallback_providers:
  - openai-codex/gpt-5.5
  - 42
  - {provider: anthropic, model: [x], colour: blue}
  - {model: gpt-5.5}
  - "  "
fallback_model: true
`
	_, err := resolver.ParseConfig("profile.yaml", []byte(in))
	type where struct {
		Index int
		Field string
		Line  int
	}
	var got []where
	for _, ce := range configErrors(err) {
		got = append(got, where{ce.Index, ce.Field, ce.Line})
	}
	want := []where{
		{-1, "model.provider", 1},
		{1, "fallback_providers[1]", 4},
		{2, "fallback_providers[2].model", 5},
		{2, "fallback_providers[2].colour", 5},
		{3, "fallback_providers[3].provider", 6},
		{4, "fallback_providers[4]", 7},
		{-1, "fallback_model", 8},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("ParseConfig problems (-want +got):\n%s\nerror:\n%v", diff, err)
	}
	if n := strings.Count(err.Error(), "\n") + 1; n != len(want) {
		t.Errorf("error has %d lines; want one per problem (%d):\n%v", n, len(want), err)
	}
	if !strings.HasPrefix(err.Error(), "profile.yaml:1:") {
		t.Errorf("error %q does not start with file:line", err)
	}
}

func TestParseEntry(t *testing.T) {
	for in, want := range map[string]resolver.Entry{
		"openai-codex/gpt-5.5":      {Provider: "openai-codex", Model: "gpt-5.5"},
		"openrouter/a/b":            {Provider: "openrouter", Model: "a/b"},
		"anthropic":                 {Provider: "anthropic"},
		"anthropic/":                {Provider: "anthropic"},
		" anthropic / claude-opus ": {Provider: "anthropic", Model: "claude-opus"},
	} {
		got, err := resolver.ParseEntry(in)
		if err != nil || got != want {
			t.Errorf("ParseEntry(%q) = %+v, %v; want %+v", in, got, err, want)
		}
	}
	for _, in := range []string{"", " ", "/m", " /m"} {
		if got, err := resolver.ParseEntry(in); err == nil {
			t.Errorf("ParseEntry(%q) = %+v; want an error for a blank provider", in, got)
		}
	}
}

func TestEntryJSON(t *testing.T) {
	var es []resolver.Entry
	if err := json.Unmarshal([]byte(`["a/b", {"provider": " c ", "base_url": "http://h/"}]`), &es); err != nil {
		t.Fatal(err)
	}
	want := []resolver.Entry{{Provider: "a", Model: "b"}, {Provider: "c", BaseURL: "http://h"}}
	if diff := cmp.Diff(want, es); diff != "" {
		t.Errorf("json.Unmarshal entries (-want +got):\n%s", diff)
	}
	for _, bad := range []string{`[{"model": "m"}]`, `[42]`, `[{"provider": "a", "x": 1}]`} {
		if err := json.Unmarshal([]byte(bad), &es); err == nil {
			t.Errorf("json.Unmarshal(%s) into []Entry succeeded; want an error", bad)
		}
	}
	b, err := json.Marshal(resolver.Chain(nil))
	if err != nil || string(b) != "[]" {
		t.Errorf("json.Marshal(nil Chain) = %s, %v; want []", b, err)
	}
}

// FuzzParseConfig checks that ParseConfig never panics, and that what it
// accepts satisfies R2 and survives a round trip through YAML and JSON.
func FuzzParseConfig(f *testing.F) {
	for _, c := range goodConfigs {
		f.Add([]byte(c.in))
	}
	for _, c := range badConfigs {
		f.Add([]byte(c.in))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, err := resolver.ParseConfig("fuzz", data)
		if err != nil {
			if len(configErrors(err)) == 0 {
				t.Fatalf("ParseConfig error %v holds no *ConfigError", err)
			}
			return
		}
		for i, e := range append(resolver.Chain{cfg.Primary}, cfg.Chain...) {
			if e.Provider == "" || strings.TrimSpace(e.Provider) != e.Provider || strings.Contains(e.Provider, "/") {
				t.Errorf("entry %d (-1 is the primary) has provider %q; want a non-blank slug without surrounding space or slash", i-1, e.Provider)
			}
			if strings.TrimSpace(e.Model) != e.Model {
				t.Errorf("entry %d has model %q with surrounding white space", i-1, e.Model)
			}
			if strings.HasSuffix(e.BaseURL, "/") || strings.TrimSpace(e.BaseURL) != e.BaseURL {
				t.Errorf("entry %d has base_url %q with a trailing slash or white space", i-1, e.BaseURL)
			}
		}
		if cfg.Chain == nil {
			t.Error("chain is nil")
		}
		for _, format := range []string{"yaml", "json"} {
			out, err := marshalConfig(cfg, format)
			if err != nil {
				t.Fatalf("marshal %s: %v", format, err)
			}
			again, err := resolver.ParseConfig("again", out)
			if err != nil {
				t.Fatalf("parsing the %s re-marshalled config failed: %v\n%s", format, err, out)
			}
			if diff := cmp.Diff(cfg, again); diff != "" {
				t.Errorf("%s round trip (-first +again):\n%s\n%s", format, diff, out)
			}
		}
	})
}

// marshalConfig writes cfg in the configuration format, entries as mappings.
func marshalConfig(cfg resolver.Config, format string) ([]byte, error) {
	type primaryDoc struct {
		Provider string `json:"provider" yaml:"provider"`
		Default  string `json:"default,omitempty" yaml:"default,omitempty"`
		BaseURL  string `json:"base_url,omitempty" yaml:"base_url,omitempty"`
	}
	doc := struct {
		Model             primaryDoc       `json:"model" yaml:"model"`
		FallbackProviders []resolver.Entry `json:"fallback_providers" yaml:"fallback_providers"`
	}{primaryDoc{cfg.Primary.Provider, cfg.Primary.Model, cfg.Primary.BaseURL}, cfg.Chain}
	if format == "json" {
		return json.Marshal(doc)
	}
	return yaml.Marshal(doc)
}

// FuzzEntryUnmarshalJSON checks that Entry.UnmarshalJSON's fast path for
// plain entries agrees with the parser's way: the same entry, or an error
// both ways.
func FuzzEntryUnmarshalJSON(f *testing.F) {
	for _, s := range []string{
		`"openai-codex/gpt-5.5"`, `"xai-oauth"`, `" anthropic / claude "`, `"/x"`, `""`, `"a\u0000b"`,
		`{"provider": "openai-codex", "model": "gpt-5.5", "base_url": "https://proxy.example/v1/"}`,
		`{"provider": "xai-oauth"}`, `{"provider": "xai-oauth", "model": null}`, `{"provider": "a/b"}`,
		`{"provider": " "}`, `{"provider": "x", "provider": "y"}`, `{"provider": "x", "extra": 1}`,
		`{"provider": "x", "model": 5}`, `{"Provider": "x"}`, `{}`, `[]`, `null`, `1`, `{"provider": "x"} {}`,
		`{"provider": "x\ty"}`, `{"provider": "x\/y"}`, `{"provider": "\u00e9t\u00e9"}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var fast, slow resolver.Entry
		errFast := fast.UnmarshalJSON(data)
		errSlow := resolver.UnmarshalJSONSlow(&slow, data)
		if (errFast == nil) != (errSlow == nil) {
			t.Fatalf("%q: fast path error %v, parser error %v", data, errFast, errSlow)
		}
		if errFast == nil && fast != slow {
			t.Fatalf("%q: fast path %+v, parser %+v", data, fast, slow)
		}
	})
}
