package prop_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"testing"
	"testing/synctest"
	"time"

	"github.com/fallbackgate/fallbackgate/fakes"
	"github.com/fallbackgate/fallbackgate/harness"
	"github.com/fallbackgate/fallbackgate/harness/gate"
	"github.com/fallbackgate/fallbackgate/harness/model"
	"github.com/fallbackgate/fallbackgate/harness/reference"
	"github.com/fallbackgate/fallbackgate/resolver"
)

// The model reaches its fleet without HTTP (fakes.Fleet.Do, in
// harness/model) and every reference surface reaches it over HTTP
// (reference.Providers): two readings of the same answers. This file
// proves them the same from outside both: for every fault kind, on both
// endpoints, a case judged on every surface of the reference passes,
// which Check grants only when the surface surfaced the error, the exit
// code, the events, the answer and the ledger the model predicted. It
// does so on both in-process paths: hangs cut at once (gate.InProcess),
// and the fleet's own client with hangs waited out on the virtual time of
// a synctest bubble.

// directCases are the cases of one fault: served once, then ok, by the
// primary (xai-oauth) on resolve, with no chain (its error is surfaced)
// and with a chain (an auth error falls back); and on completions, where
// the runtime walk moves on to the chain.
func directCases(fault fakes.Fault) []harness.Scenario {
	once := func(steps ...fakes.Step) []fakes.Step { return steps }
	f1, ok := fakes.Step{Fault: fault, Count: 1}, fakes.Step{Fault: fakes.Fault{Kind: fakes.OK}, Count: 1}
	primary := harness.PrimaryConfig{Provider: "xai-oauth", Default: "grok-4.3"}
	chain := []harness.ConfigEntry{{Entry: resolver.Entry{Provider: "anthropic", Model: "claude-opus-4-7", BaseURL: "https://proxy.example/v1"}}}
	sc := func(id string, fbs []harness.ConfigEntry, plan fakes.Plan) harness.Scenario {
		return harness.Scenario{ID: id, Name: id, Prompt: harness.DefaultPrompt,
			Config: harness.CaseConfig{Model: primary, FallbackProviders: fbs},
			Faults: map[string]string{"xai-oauth": plan.String()}}
	}
	return []harness.Scenario{
		sc("resolve-alone", []harness.ConfigEntry{}, fakes.Plan{Resolve: once(f1, ok)}),
		sc("resolve-chain", chain, fakes.Plan{Resolve: once(f1, ok)}),
		sc("completions", chain, fakes.Plan{Resolve: once(ok), Completions: once(f1, ok)}),
	}
}

// boundTo binds an in-process surface to the fleet's own client: no
// sockets, and a hang waited out until the request's bound.
func boundTo(fleet *fakes.Fleet, surf harness.Surface) (gate.Conn, error) {
	b, ok := surf.(harness.Bindable)
	if !ok {
		return gate.Conn{}, fmt.Errorf("the %s surface does not run in this process", surf.Name())
	}
	bound := b.Bind(fleet.Client())
	release := func() error {
		if c, ok := bound.(io.Closer); ok {
			return c.Close()
		}
		return nil
	}
	return gate.Conn{URLs: fleet.BaseURLs(), Surface: bound, Release: release}, nil
}

// answerKind names what the model read from the surfaced error.
func answerKind(err error) string {
	var ae *resolver.AuthError
	var oe *model.OtherError
	switch {
	case err == nil:
		return "ok"
	case errors.As(err, &ae) && ae.RateLimited():
		return "rate limit"
	case errors.As(err, &ae):
		return "auth"
	case errors.As(err, &oe):
		return oe.Type
	}
	return "other"
}

// TestDirectIsHTTP checks, for every fault kind, that the model's direct
// path predicts what the reference's HTTP path does.
func TestDirectIsHTTP(t *testing.T) {
	var faults []fakes.Fault
	for _, k := range fakes.Kinds() {
		f := fakes.Fault{Kind: k}
		if k == fakes.RateLimited {
			f.RetryAfter = 30 * time.Second
		}
		faults = append(faults, f)
	}
	const timeout = time.Second
	paths := []struct {
		name  string
		hooks func(fakes.Clock) gate.Hooks
	}{
		{"hang cut", gate.InProcess},
		{"fleet client", func(c fakes.Clock) gate.Hooks {
			return gate.Hooks{Clock: c, Transport: boundTo, RequestTimeout: timeout}
		}},
	}
	kinds := map[string]bool{}
	completions := map[fakes.Kind]bool{}
	for _, path := range paths {
		for _, fault := range faults {
			t.Run(fmt.Sprintf("%s/%s", path.name, fault), func(t *testing.T) {
				synctest.Test(t, func(t *testing.T) {
					sub := reference.Subject("reference", reference.Options{RequestTimeout: timeout})
					if path.name == "hang cut" {
						sub = reference.Subject("reference", reference.Options{RequestTimeout: gate.PropRequestTimeout})
					}
					defer sub.Close()
					for _, sc := range directCases(fault) {
						p, err := gate.Prepare(context.Background(), gate.Setup{Subject: sub, Scenario: sc, Seed: 7, Hooks: path.hooks(fakes.NewManualClock(harness.Epoch))})
						if err != nil {
							t.Fatalf("%s: %v", sc.ID, err)
						}
						if sc.ID == "resolve-alone" {
							kinds[answerKind(p.Expected().Err)] = true
						}
						for _, surf := range harness.Surfaces {
							res, err := p.Run(context.Background(), surf)
							if err != nil {
								t.Fatalf("%s on %s: %v", sc.ID, surf, err)
							}
							if res.Status != harness.StatusPass {
								t.Errorf("fault %s, %s on %s: the surface did not do what the model predicted:\n%s", fault, sc.ID, surf, res.Violations)
							}
							for _, c := range res.Ledger {
								if sc.ID == "completions" && c.Endpoint == fakes.EndpointCompletions && c.Provider == "xai-oauth" && c.Served != fakes.ServedOK {
									completions[fault.Kind] = true
								}
							}
						}
					}
				})
			})
		}
	}
	// Guard against a vacuous pass: the model read every kind of answer
	// from a resolve, and every fault was met on completions.
	for _, k := range []string{"ok", "auth", "rate limit", "network", "malformed", "config", "unavailable"} {
		if !kinds[k] {
			t.Errorf("no resolve surfaced a %s answer (got %v)", k, kinds)
		}
	}
	for _, f := range faults {
		if f.Kind != fakes.OK && !completions[f.Kind] {
			t.Errorf("no completion met the %s fault", f)
		}
	}
}
