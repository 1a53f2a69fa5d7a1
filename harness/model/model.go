package model

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/fallbackgate/fallbackgate/fakes"
	"github.com/fallbackgate/fallbackgate/harness"
	"github.com/fallbackgate/fallbackgate/resolver"
)

// Options tunes how Predict reaches the case's fakes; the zero value is the
// gate's: the real clock, harness.DefaultRequestTimeout, a hang waited out.
type Options struct {
	// Clock drives the model's fleet (token expiry, "until" steps); nil
	// means the real clock.
	Clock fakes.Clock
	// Start is the fleet's start on Clock (fakes.Config.Start); zero means
	// the clock's now.
	Start time.Time
	// RequestTimeout bounds each request, as a subject's request timeout
	// does; zero means harness.DefaultRequestTimeout. A surface judged
	// against the prediction should use the same bound, so that a hanging
	// fake costs both the same wait.
	RequestTimeout time.Duration
	// CutHangs fails a request that meets a hang fault at once, as an
	// in-process surface's hang-cutting client does, instead of waiting for
	// RequestTimeout.
	CutHangs bool
}

// Predict returns what a conforming surface of a subject that claims
// profile does with scenario sc: the start-up's decision (resolver.Resolve
// over the scenario's fakes, seeded by seed), the error it surfaces, the
// exit code, the answer after the runtime walk of R18, and the resolve
// requests the fakes must see. It reaches a fresh fleet of its own without
// HTTP. The error is for a scenario the model cannot run (a config
// resolver cannot read) or a landed runtime that cannot answer: both are
// bugs of the scenario, not of a subject.
func Predict(ctx context.Context, sc harness.Scenario, profile resolver.Profile, seed int64, opts Options) (harness.Expected, error) {
	req, err := Request(sc.Config, sc.Pin, profile)
	if errors.Is(err, harness.ErrProviderWithoutModel) {
		return harness.Expected{BadUsage: true, Exit: harness.ExitUsage, Rule: "usage"}, nil
	}
	if err != nil {
		return harness.Expected{}, fmt.Errorf("%s: %w", sc.Source, err)
	}
	specs, err := sc.FakeProviders()
	if err != nil {
		return harness.Expected{}, err
	}
	fleet, err := fakes.NewFleet(fakes.Config{Providers: specs, Seed: seed, Clock: opts.Clock, Start: opts.Start})
	if err != nil {
		return harness.Expected{}, err
	}
	defer fleet.Close()
	p := fleetClient{fleet: fleet, timeout: opts.RequestTimeout, cutHangs: opts.CutHangs}
	dec, rerr := resolver.Resolve(req, func(e resolver.Entry) (resolver.Runtime, error) { return p.resolve(ctx, e) })
	want := harness.Expected{Request: req, Decision: dec, Err: rerr, Rule: dec.Trace[len(dec.Trace)-1].Rule, Exit: harness.ExitFor(rerr)}
	if rerr != nil {
		want.Class = Class(rerr)
	}
	if rerr == nil {
		if want.Answer, err = p.walk(ctx, req, dec, sc.Prompt); err != nil {
			return harness.Expected{}, fmt.Errorf("%s: the model's runtime (landed on %s) could not answer: %w", sc.ID, dec.Landing(req), err)
		}
	}
	want.Shorthand = shorthand(sc.Config, req.Chain)
	want.Resolves = Resolves(fleet.Ledger().Calls())
	want.ResolveCalls = fleet.Ledger().Resolves()
	return want, nil
}

// Request builds the start-up a surface makes for a configuration and its
// pin, as CONTRACT.md says: the chain is read once (R1); a pin replaces the
// primary (R6): a pinned provider comes with its pinned model, and a model
// pinned alone keeps the configured provider with that model. Either pins
// the start-up. A provider pinned without a model is bad usage:
// harness.ErrProviderWithoutModel, before anything is resolved.
func Request(cfg harness.CaseConfig, pin harness.Args, profile resolver.Profile) (resolver.Request, error) {
	provider, model := strings.TrimSpace(pin.Provider), strings.TrimSpace(pin.Model)
	if provider != "" && model == "" {
		return resolver.Request{}, harness.ErrProviderWithoutModel
	}
	c, err := cfg.Resolved()
	if err != nil {
		return resolver.Request{}, err
	}
	req := resolver.Request{Primary: c.Primary, Chain: profile.ReadChain(c.Chain), Profile: profile, Pinned: provider != "" || model != ""}
	switch {
	case provider != "":
		req.Primary = resolver.Entry{Provider: provider, Model: model}
	case model != "":
		req.Primary.Model = model
	}
	return req, nil
}

// Class is the class a failed gateway reply must carry for a start-up that
// surfaced err: "rate_limit" whenever the error is rate-limited (R7),
// "auth" for another AuthError, else "other".
func Class(err error) string { return resolver.Classify(err).String() }

// shorthand marks each entry of chain (the chain as read) that cfg wrote
// as a "provider/model" string: the first written entry equal to it.
func shorthand(cfg harness.CaseConfig, chain resolver.Chain) []bool {
	out := make([]bool, len(chain))
	for i, e := range chain {
		for j := range len(cfg.FallbackProviders) + 1 {
			var we harness.ConfigEntry
			switch {
			case j < len(cfg.FallbackProviders):
				we = cfg.FallbackProviders[j]
			case cfg.FallbackModel != nil:
				we = *cfg.FallbackModel
			default:
				continue
			}
			if we.Entry.Normalize() == e {
				out[i] = we.Shorthand
				break
			}
		}
	}
	return out
}
