package harness

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
	"pgregory.net/rapid"

	"github.com/fallbackgate/fallbackgate/resolver"
)

// The property of this file proves that CaseConfig.Resolved's fast path
// (resolver.Written, no text) reads every config exactly as the long way
// does: the config as JSON through resolver.ParseConfig.

// genConfigString draws a string a config may hold: pool names and
// models, padded with white space, with slashes where they matter, and now
// and then a character a quoted scalar may not carry verbatim (a line
// break, NEL, a control character, invalid UTF-8) or that YAML treats
// specially unquoted.
func genConfigString(t *rapid.T, label string, pool []string) string {
	base := rapid.SampledFrom(pool).Draw(t, label+".base")
	pad := rapid.SampledFrom([]string{"", "", "", " ", "  ", "\t", " \t "}).Draw(t, label+".pad")
	switch rapid.IntRange(0, 9).Draw(t, label+".shape") {
	case 0:
		base = pad + base
	case 1:
		base = base + pad
	case 2:
		base = pad + base + pad
	case 3:
		odd := rapid.SampledFrom([]string{
			"\n", "\r\n", "\u0085", "\u2028", "\u2029", "\u00a0", "\x00", "\x7f", "\x1b", "\ufeff", "\xff", "\xc3",
			"\u00e9", "\U0001F600", "\\/", `"`, "'", "<&>", ": ", " #", "- ", "{", "[", "null", "~", "yes", "1e3", "*a", "&a", "!tag", "\ufffd",
		}).Draw(t, label+".odd")
		at := rapid.IntRange(0, len(base)).Draw(t, label+".at")
		base = base[:at] + odd + base[at:]
	}
	return base
}

var (
	propProviders = []string{"xai-oauth", "openai-codex", "anthropic", "openrouter", "", " ", "a/b", "/x", "openrouter/"}
	propModels    = []string{"", "", "grok-4.3", "gpt-5.5", "meta/llama-4", "qwen/qwen3/x", " ", "/", "m/"}
	propBaseURLs  = []string{"", "", "https://proxy.example/v1", "https://proxy.example/v1/", "https://p.example//", " / ", "/", "http://x/ \t/"}
)

func genConfigEntry(t *rapid.T, label string) ConfigEntry {
	e := ConfigEntry{Entry: resolver.Entry{
		Provider: genConfigString(t, label+".provider", propProviders),
		Model:    genConfigString(t, label+".model", propModels),
		BaseURL:  genConfigString(t, label+".base_url", propBaseURLs),
	}}
	e.Shorthand = rapid.Bool().Draw(t, label+".shorthand")
	return e
}

func genCaseConfig(t *rapid.T) CaseConfig {
	var c CaseConfig
	c.Model = PrimaryConfig{
		Provider: genConfigString(t, "model.provider", propProviders),
		Default:  genConfigString(t, "model.default", propModels),
		BaseURL:  genConfigString(t, "model.base_url", propBaseURLs),
	}
	switch rapid.IntRange(0, 4).Draw(t, "chain.shape") {
	case 0: // nil: written as null
	case 1:
		c.FallbackProviders = []ConfigEntry{}
	default:
		n := rapid.IntRange(1, 4).Draw(t, "chain.len")
		for i := range n {
			c.FallbackProviders = append(c.FallbackProviders, genConfigEntry(t, "chain["+string(rune('0'+i))+"]"))
		}
	}
	if rapid.IntRange(0, 2).Draw(t, "legacy") == 0 {
		l := genConfigEntry(t, "fallback_model")
		c.FallbackModel = &l
	}
	return c
}

// longWay is what Resolved must equal: c as JSON through ParseConfig.
func longWay(t *rapid.T, c CaseConfig) (resolver.Config, error) {
	b, err := json.Marshal(c)
	if err != nil {
		t.Fatalf("marshal: %v", err)
	}
	return resolver.ParseConfig("case config", b)
}

// TestResolvedIsParseConfig checks that Resolved gives exactly the config
// and the error of the JSON round trip through resolver.ParseConfig, for
// configs with shorthand strings, white space, trailing slashes, slashes
// in slugs, blank fields, the legacy fallback_model, and characters a
// quoted scalar may not carry verbatim; and that the fast path is taken for
// every config the long way accepts whose strings are plain, so that it is
// neither wrong nor unused.
func TestResolvedIsParseConfig(t *testing.T) {
	var fast, rejected, fastShorthand, fastLegacy, fastSpace, fastSlash int
	rapid.Check(t, func(rt *rapid.T) {
		c := genCaseConfig(rt)
		want, wantErr := longWay(rt, c)
		got, gotErr := c.Resolved()
		if (wantErr == nil) != (gotErr == nil) || wantErr != nil && wantErr.Error() != gotErr.Error() {
			rt.Fatalf("Resolved error %v; want ParseConfig's %v", gotErr, wantErr)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			rt.Fatalf("Resolved differs from ParseConfig (-want +got):\n%s", diff)
		}
		_, ok := c.written().Config()
		if wantErr != nil {
			rejected++
			return
		}
		b, _ := json.Marshal(c)
		if !ok && !hasOdd(c) {
			rt.Fatalf("the fast path refused a plain config that ParseConfig accepts: %s", b)
		}
		if !ok {
			return
		}
		fast++
		text := string(b)
		for _, e := range append(c.FallbackProviders, derefEntry(c.FallbackModel)...) {
			if e.Shorthand {
				fastShorthand++
			}
		}
		if c.FallbackModel != nil {
			fastLegacy++
		}
		if strings.Contains(text, ` "`) || strings.Contains(text, `\t`) || strings.Contains(text, ` ,`) || strings.Contains(text, `" `) {
			fastSpace++
		}
		if strings.Contains(text, `/"`) || strings.Contains(text, `/ `) {
			fastSlash++
		}
	})
	t.Logf("fast %d, rejected %d, shorthand %d, legacy %d, padded %d, slash %d", fast, rejected, fastShorthand, fastLegacy, fastSpace, fastSlash)
	for what, n := range map[string]int{
		"config through the fast path": fast, "config ParseConfig rejects": rejected,
		"shorthand entry through the fast path": fastShorthand, "legacy fallback_model through the fast path": fastLegacy,
		"padded string through the fast path": fastSpace, "trailing slash through the fast path": fastSlash,
	} {
		if n == 0 {
			t.Errorf("vacuous: no %s", what)
		}
	}
}

// hasOdd reports whether some string of c is not plain (see
// resolver.Written.Config).
func hasOdd(c CaseConfig) bool {
	ss := []string{c.Model.Provider, c.Model.Default, c.Model.BaseURL}
	for _, e := range append(c.FallbackProviders, derefEntry(c.FallbackModel)...) {
		ss = append(ss, e.Provider, e.Model, e.BaseURL)
	}
	for _, s := range ss {
		for _, r := range s {
			if r == utf8.RuneError || r != '\t' && !unicode.IsGraphic(r) {
				return true
			}
		}
	}
	return false
}

func derefEntry(e *ConfigEntry) []ConfigEntry {
	if e == nil {
		return nil
	}
	return []ConfigEntry{*e}
}
