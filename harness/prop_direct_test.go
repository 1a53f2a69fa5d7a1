package harness

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/fallbackgate/fallbackgate/fakes"
	"github.com/fallbackgate/fallbackgate/resolver"
)

// The model reaches its fleet without HTTP (Providers.fleet, fakes.Fleet.Do)
// and every surface reaches it over HTTP. This file proves the two paths
// the same: for every fault kind, on both endpoints, they give equal
// runtimes, answers and errors, and leave equal ledgers, secrets and stray
// reports.

// directStep is what one request of the script gave.
type directStep struct {
	What    string
	Runtime resolver.Runtime
	Key     string // the runtime's API key, revealed
	Text    string
	Err     error
}

// directScript runs the same requests through the Providers that reach
// makes for a fresh fleet on a manual clock, and returns what each gave
// and the fleet's ledger, secrets and strays. The fleet's xai-oauth fake
// serves fault once on each endpoint, then ok.
func directScript(t *testing.T, fault fakes.Fault, reach func(*fakes.Fleet) Providers) ([]directStep, []fakes.Call, []string, string) {
	t.Helper()
	once := []fakes.Step{{Fault: fault, Count: 1}, {Fault: fakes.Fault{Kind: fakes.OK}, Count: 1}}
	clock := fakes.NewManualClock(propEpoch)
	fleet, err := fakes.NewFleet(fakes.Config{
		Providers: []fakes.Provider{
			{Name: "xai-oauth", Plan: fakes.Plan{Resolve: once, Completions: once}},
			{Name: "anthropic"},
		},
		Seed: 7, Clock: clock, TokenTTL: time.Hour,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer fleet.Close()
	p := reach(fleet)
	p.Timeout = time.Second
	ctx := context.Background()
	var steps []directStep
	resolve := func(what string, p Providers, e resolver.Entry) resolver.Runtime {
		rt, err := p.Resolve(ctx, e)
		steps = append(steps, directStep{What: what, Runtime: rt, Key: rt.APIKey.Reveal(), Err: err})
		return rt
	}
	complete := func(what string, rt resolver.Runtime, model string) {
		text, err := p.Complete(ctx, rt, model, DefaultPrompt)
		steps = append(steps, directStep{What: what, Text: text, Err: err})
	}

	resolve("resolve with a model: the fault", p, resolver.Entry{Provider: "xai-oauth", Model: "grok-4.3", BaseURL: "https://proxy.example/v1"})
	rt := resolve("resolve without a model: ok", p, resolver.Entry{Provider: "xai-oauth"})
	if rt.BaseURL == "" {
		t.Fatalf("%s: the second resolve failed: %v", fault, steps[1].Err)
	}
	complete("complete: the fault", rt, "grok-4.3")
	complete("complete: ok", rt, "grok-4.3")
	bad := rt
	bad.APIKey = resolver.NewSecret("not-a-key")
	complete("complete with a key never issued", bad, "grok-4.3")
	other := resolve("resolve another provider", p, resolver.Entry{Provider: "anthropic", Model: "claude-opus-4-7"})
	cross := rt
	cross.APIKey = other.APIKey
	complete("complete with another provider's key", cross, "grok-4.3")
	noKey := rt
	noKey.APIKey = resolver.Secret{}
	complete("complete without a bearer", noKey, "grok-4.3")
	clock.Advance(2 * time.Hour)
	complete("complete with an expired key", rt, "grok-4.3")
	resolve("resolve a provider the case gives no URL", p, resolver.Entry{Provider: "openrouter"})
	ghost := p
	ghost.URLs = map[string]string{"ghost": fleet.BaseURL("ghost"), "path": fleet.BaseURL("xai-oauth") + "/nowhere", "host": "http://elsewhere.invalid/p/xai-oauth", "bad": "http://%zz"}
	for _, name := range []string{"ghost", "path", "host", "bad"} {
		resolve("resolve "+name+": no fake", ghost, resolver.Entry{Provider: name})
	}
	stray := ""
	if err := fleet.Err(); err != nil {
		stray = err.Error()
	}
	return steps, fleet.Ledger().Calls(), fleet.Secrets(), stray
}

// TestDirectIsHTTP checks, for every fault kind, that the model's direct
// path gives what the HTTP path gives: through the fleet's own client
// against a nil-Client PredictOptions, and through HangCutClient against
// PredictOptions.CutHangs. Time is virtual, so an uncut hang costs
// nothing.
func TestDirectIsHTTP(t *testing.T) {
	faults := []fakes.Fault{}
	for _, k := range fakes.Kinds() {
		f := fakes.Fault{Kind: k}
		if k == fakes.RateLimited {
			f.RetryAfter = 30 * time.Second
		}
		faults = append(faults, f)
	}
	pairs := []struct {
		name         string
		http, direct func(*fakes.Fleet) Providers
	}{
		{"fleet client",
			func(f *fakes.Fleet) Providers { return Providers{Client: f.Client(), URLs: f.BaseURLs()} },
			func(f *fakes.Fleet) Providers { return Providers{URLs: f.BaseURLs(), fleet: f} }},
		{"hang cut",
			func(f *fakes.Fleet) Providers { return Providers{Client: HangCutClient(f), URLs: f.BaseURLs()} },
			func(f *fakes.Fleet) Providers { return Providers{URLs: f.BaseURLs(), fleet: f, cutHangs: true} }},
	}
	kinds := map[string]bool{}
	for _, pair := range pairs {
		for _, fault := range faults {
			t.Run(fmt.Sprintf("%s/%s", pair.name, fault), func(t *testing.T) {
				synctest.Test(t, func(t *testing.T) {
					wantSteps, wantCalls, wantSecrets, wantStray := directScript(t, fault, pair.http)
					gotSteps, gotCalls, gotSecrets, gotStray := directScript(t, fault, pair.direct)
					if diff := cmp.Diff(wantSteps, gotSteps); diff != "" {
						t.Errorf("fault %s: direct path's results differ from HTTP's (-http +direct):\n%s", fault, diff)
					}
					if diff := cmp.Diff(wantCalls, gotCalls); diff != "" {
						t.Errorf("fault %s: ledgers differ (-http +direct):\n%s", fault, diff)
					}
					if diff := cmp.Diff(wantSecrets, gotSecrets); diff != "" {
						t.Errorf("fault %s: secrets differ (-http +direct):\n%s", fault, diff)
					}
					if wantStray != gotStray {
						t.Errorf("fault %s: strays differ:\nhttp:   %s\ndirect: %s", fault, wantStray, gotStray)
					}
					for _, s := range gotSteps {
						kinds[errorKind(s.Err)] = true
					}
				})
			})
		}
	}
	// Guard against a vacuous pass: the script met every kind of answer.
	for _, k := range []string{"ok", "auth", "rate limit", "unknown_provider", "network", "malformed", "config", "unavailable"} {
		if !kinds[k] {
			t.Errorf("no request of the script got a %s answer", k)
		}
	}
}

func errorKind(err error) string {
	var ae *resolver.AuthError
	var pe *ProviderError
	switch {
	case err == nil:
		return "ok"
	case errors.As(err, &ae) && ae.RateLimited():
		return "rate limit"
	case errors.As(err, &ae):
		return "auth"
	case errors.As(err, &pe):
		return pe.Type
	}
	return "other"
}
