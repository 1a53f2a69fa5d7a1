package harness

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/fallbackgate/fallbackgate/fakes"
	"github.com/fallbackgate/fallbackgate/resolver"
)

// Call is one request in the fakes' ledger.
type Call = fakes.Call

// Expected is what the reference model predicts for one case: the decision
// a conforming surface reaches, the error it surfaces, the resolves the
// fakes must see, the answer and the exit code.
type Expected struct {
	// Request is the start-up as the model read it (primary after pins,
	// chain, pin, profile).
	Request resolver.Request
	// Decision is the model's decision, with its trace.
	Decision resolver.Decision
	// Err is the surfaced error, nil when the start-up lands.
	Err error
	// Rule is the rule that decided the outcome: the last trace step's.
	Rule string
	// Resolves are the resolve requests in order, as "provider/model".
	Resolves []string
	// Answer is the final answer on success.
	Answer string
	// Exit is the oneshot and cli exit code.
	Exit int
	// BadUsage is set when the arguments are bad usage (exit 2, no
	// resolve).
	BadUsage bool
}

// StartRequest builds the start-up request a surface makes for a
// configuration and its pin: the chain is read once (R1); a non-blank
// pin.Provider replaces the primary's provider and a non-blank pin.Model its
// model; either pins the start-up (R6). A provider pinned without a model is
// bad usage: ErrProviderWithoutModel, before anything is resolved.
func StartRequest(cfg CaseConfig, pin Args, profile resolver.Profile) (resolver.Request, error) {
	pin = Args{Provider: strings.TrimSpace(pin.Provider), Model: strings.TrimSpace(pin.Model)}
	if pin.Provider != "" && pin.Model == "" {
		return resolver.Request{}, ErrProviderWithoutModel
	}
	c, err := cfg.Resolved()
	if err != nil {
		return resolver.Request{}, err
	}
	req := resolver.Request{Primary: c.Primary, Chain: c.Chain, Profile: profile}
	if pin.Provider != "" {
		req.Primary = resolver.Entry{Provider: pin.Provider, Model: pin.Model}
	} else if pin.Model != "" {
		req.Primary.Model = pin.Model
	}
	req.Pinned = pin.Provider != "" || pin.Model != ""
	return req, nil
}

// Fleet starts the scenario's fake providers, each with its fault plan; a
// provider without a plan is healthy. The caller must Close the fleet.
func (s Scenario) Fleet(seed int64, clock fakes.Clock) (*fakes.Fleet, error) {
	specs, err := s.FakeProviders()
	if err != nil {
		return nil, err
	}
	return fakes.NewFleet(fakes.Config{Providers: specs, Seed: seed, Clock: clock})
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

// Predict runs the reference model on scenario s for profile: resolver.Resolve
// against a fresh, in-process fleet with the scenario's fault plans, through
// the reference Providers (reaching the fleet without HTTP, see
// PredictOptions.Client). What it returns is the single source of
// expected outcomes for every surface.
func Predict(ctx context.Context, s Scenario, profile resolver.Profile, seed int64) (Expected, error) {
	return PredictWith(ctx, s, profile, seed, PredictOptions{})
}

// PredictOptions tunes how Predict runs the model; the zero value is what
// Predict uses.
type PredictOptions struct {
	// Clock drives the model's fleet (token expiry, "until" steps); nil
	// means the real clock.
	Clock fakes.Clock
	// RequestTimeout bounds each request of the model, as
	// Providers.Timeout does; zero means DefaultRequestTimeout. A surface
	// judged against the prediction should use the same bound, so that a
	// hanging fake costs both the same wait.
	RequestTimeout time.Duration
	// Client returns the HTTP client the model reaches its fleet with; nil
	// means the fleet itself, without HTTP (fakes.Fleet.Do), which answers
	// exactly as the fleet's own client (fleet.Client()) does.
	Client func(*fakes.Fleet) *http.Client
	// CutHangs, with a nil Client, fails a request that meets a hang
	// fault at once, as HangCutClient does, instead of waiting for
	// RequestTimeout.
	CutHangs bool
}

// PredictWith is Predict with the model's clock and request bound chosen by
// opts.
func PredictWith(ctx context.Context, s Scenario, profile resolver.Profile, seed int64, opts PredictOptions) (Expected, error) {
	req, err := StartRequest(s.Config, s.Pin, profile)
	if errors.Is(err, ErrProviderWithoutModel) {
		return Expected{BadUsage: true, Exit: ExitUsage, Rule: "usage"}, nil
	}
	if err != nil {
		return Expected{}, fmt.Errorf("%s: %w", s.Source, err)
	}
	fleet, err := s.Fleet(seed, opts.Clock)
	if err != nil {
		return Expected{}, err
	}
	defer fleet.Close()
	p := Providers{URLs: fleet.BaseURLs(), Timeout: opts.RequestTimeout, fleet: fleet, cutHangs: opts.CutHangs}
	if opts.Client != nil {
		p.Client, p.fleet = opts.Client(fleet), nil
	}
	dec, rerr := resolver.Resolve(req, func(e resolver.Entry) (resolver.Runtime, error) { return p.Resolve(ctx, e) })
	want := Expected{Request: req, Decision: dec, Err: rerr, Rule: dec.Trace[len(dec.Trace)-1].Rule, Exit: exitCode(rerr)}
	if rerr == nil {
		// The runtime loop of the reference surfaces: the landed runtime
		// answers, or the hand-off moves along the remaining chain.
		want.Answer, err = Options{}.answer(ctx, startup{req: req, dec: dec}, p, s.Prompt, func(string) {})
		if err != nil {
			return Expected{}, fmt.Errorf("%s: the model's runtime (landed on %s) could not answer: %w", s.ID, dec.Landing(req), err)
		}
	}
	want.Resolves = resolvesOf(fleet.Ledger().Calls())
	return want, nil
}
