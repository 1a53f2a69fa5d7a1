package resolver_test

import (
	"fmt"

	"github.com/fallbackgate/fallbackgate/resolver"
)

// A worker starts up the morning of INC-v6.6: the xAI OAuth token is gone, so
// the primary fails with an AuthError and the start-up falls back to the
// first entry of fallback_providers instead of crashing.
func ExampleResolve() {
	cfg, err := resolver.ParseConfig("profile.yaml", []byte(`
model: {provider: xai-oauth, default: grok-4.3}
fallback_providers: [openai-codex/gpt-5.5, xai-oauth/grok-4.3]
`))
	if err != nil {
		fmt.Println(err)
		return
	}
	resolve := func(e resolver.Entry) (resolver.Runtime, error) {
		if e.Provider == "xai-oauth" {
			return resolver.Runtime{}, &resolver.AuthError{Provider: "xai-oauth", Code: "xai_token_missing",
				ReloginRequired: true, Message: "access token not found"}
		}
		return resolver.Runtime{Provider: e.Provider, Model: e.Model, APIKey: resolver.NewSecret("sk-live-not-for-printing")}, nil
	}
	d, err := resolver.Resolve(resolver.Request{Primary: cfg.Primary, Chain: cfg.Chain}, resolve)
	if err != nil {
		fmt.Println("start-up failed:", err)
		return
	}
	fmt.Printf("fell back: %t to %s (index %d), model %s\n", d.FellBack(), d.Landing(resolver.Request{Chain: cfg.Chain}), d.Landed, d.Model)
	fmt.Println("runtime:", d.Runtime)
	fmt.Println("remaining:", d.Remaining.Strings())
	for _, s := range d.Trace {
		fmt.Println(s)
	}
	// Output:
	// fell back: true to openai-codex/gpt-5.5 (index 0), model gpt-5.5
	// runtime: {openai-codex gpt-5.5  [redacted]}
	// remaining: [xai-oauth/grok-4.3]
	// primary xai-oauth/grok-4.3: auth; R9: primary failed with an AuthError; walking the chain in order
	// [0] openai-codex/gpt-5.5: ok; R9: first entry to resolve wins; R10: model "gpt-5.5" is the entry's model; R14: the runtime gets 1 entries after it
}
