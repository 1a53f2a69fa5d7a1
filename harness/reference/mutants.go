package reference

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/fallbackgate/fallbackgate/harness"
	"github.com/fallbackgate/fallbackgate/resolver"
)

// Mutant is a deliberately broken variant of the reference subject: one bug
// a real implementation has had, as an Options value, so that it shares
// every line of the reference it does not break. The gate must kill every
// mutant (some scenario or property must fail on it); a mutant that survives
// names a rule the gate cannot enforce.
type Mutant struct {
	// Name is how the command line names it: `fallbackgate subject
	// --mutant NAME`, `fallbackgate mutate --mutant NAME`.
	Name string
	// Bug says in one line what the mutant does wrong.
	Bug string
	// Rule is the contract rule the bug breaks.
	Rule string
	// Options is the reference, broken.
	Options Options
}

// Mutants returns the catalogue of mutants, in a stable order: the pre-fix
// start-up of the v6.6 incident first.
func Mutants() []Mutant {
	return []Mutant{
		{Name: "ignores-chain", Rule: "R9",
			Bug:     "start-up ignores the chain: an auth failure of the primary crashes the worker (v6.6, before PR 9)",
			Options: Options{Decide: ignoreChain}},
		{Name: "falls-back-when-pinned", Rule: "R6",
			Bug:     "falls back although --model/--provider pinned the start-up (silent downgrade)",
			Options: Options{Decide: withProfile(func(p *resolver.Profile) { p.WalkWhenPinned = true })}},
		{Name: "falls-back-on-rate-limit", Rule: "R7",
			Bug:     "falls back on a rate-limited primary (quota amplification)",
			Options: Options{Decide: withProfile(func(p *resolver.Profile) { p.WalkOnRateLimit = true })}},
		{Name: "hands-whole-chain", Rule: "R14",
			Bug:     "hands the runtime the whole chain, dead primary and landed entry included",
			Options: Options{Decide: withProfile(func(p *resolver.Profile) { p.HandOffWholeChain = true })}},
		{Name: "surfaces-primary-error", Rule: "R13",
			Bug:     "surfaces the primary's error, not the last entry's, when every attempt fails",
			Options: Options{Decide: withProfile(func(p *resolver.Profile) { p.SurfacePrimaryWhenAllFail = true })}},
		{Name: "skips-primary-in-chain", Rule: "R12",
			Bug:     "skips (deduplicates) a chain entry equal to the failed primary instead of resolving it once more",
			Options: Options{Decide: skipPrimaryInChain}},
		{Name: "loops-on-repeated-provider", Rule: "R12",
			Bug:     "retries a chain entry equal to the failed primary in a loop (bounded here: 3 tries)",
			Options: Options{Decide: loopOnRepeatedProvider(3)}},
		{Name: "reads-chain-twice", Rule: "R1",
			Bug:     "reads the chain a second time, from home/config.yaml, for the hand-off; the config may have changed in between",
			Options: Options{Handoff: rereadChain}},
		{Name: "falls-back-on-other-error", Rule: "R5",
			Bug:     "falls back when the primary fails with an error that is not an AuthError (an outage)",
			Options: Options{Decide: fallBackOnOtherError}},
		{Name: "keeps-primary-model", Rule: "R10",
			Bug:     "keeps the primary's model on the provider it fell back to",
			Options: Options{Decide: keepPrimaryModel}},
		{Name: "resolves-with-primary-base-url", Rule: "R9",
			Bug:     "resolves every chain entry against the primary's base URL instead of the entry's own",
			Options: Options{Decide: resolveWithPrimaryBaseURL}},
		{Name: "runtime-resolves-primary-again", Rule: "R18",
			Bug:     "when the landed runtime fails, the runtime loop tries the dead primary again before the remaining chain",
			Options: Options{Walk: walkPrimaryFirst}},
		{Name: "runtime-stops-after-first-entry", Rule: "R18",
			Bug:     "when the landed runtime fails, the runtime loop tries remaining[0] only, and fails the turn when that fails too",
			Options: Options{Walk: walkFirstEntryOnly}},
		{Name: "exit-1-on-last-entry-rate-limit", Rule: "R7",
			Bug:     "shows a rate limit as one (exit 75, class rate_limit, retry-after, no hint) only when it is the primary's, not the last entry's under R13",
			Options: Options{RateLimitOnlyFromPrimary: true}},
		{Name: "notice-omits-primary", Rule: "R15",
			Bug:     "the oneshot's and the gateway's fallback notice name only the provider now used, not the failed primary",
			Options: Options{OperatorNotice: func(_, now resolver.Entry) string { return "using " + now.String() }}},
		{Name: "cli-no-relogin-hint", Rule: "R13",
			Bug:     "the cli never shows the re-login hint, although the surfaced error says relogin_required",
			Options: Options{NoReloginHint: true}},
		{Name: "ignores-pinned-model", Rule: "R6",
			Bug:     "a --model pinned alone is ignored: the start-up resolves the configured model",
			Options: Options{IgnorePinnedModel: true}},
		{Name: "gateway-defaults-pinned-model", Rule: "R6",
			Bug:     "the gateway takes an override naming a provider without a model as that provider with the configured model, instead of refusing it as bad usage",
			Options: Options{GatewayDefaultsPinnedModel: true}},
		{Name: "accepts-runtime-without-key", Rule: "R5",
			Bug:     "takes a 200 whose runtime has no api_key for a resolved runtime, instead of an other error",
			Options: Options{AcceptRuntimeWithoutKey: true}},
		{Name: "no-fallback-event", Rule: "R15",
			Bug:     "emits no fallback event when it lands on a chain entry (the failing primary stays invisible)",
			Options: Options{DropFallbackEvent: true}},
		{Name: "leaks-key", Rule: "R16",
			Bug:     "writes the runtime's API key to stderr in a debug line",
			Options: Options{LeakKey: true}},
		{Name: "exit-1-on-rate-limit", Rule: "R7",
			Bug:     "exits 1 instead of 75 (EX_TEMPFAIL) on a rate-limited primary, so the dispatcher never requeues",
			Options: Options{ExitCode: exitOneOnRateLimit}},
		{Name: "gateway-dies-on-failure", Rule: "R17",
			Bug:     "the gateway process dies on a failed start-up instead of replying and serving every other session",
			Options: Options{GatewayDiesOnFailure: true}},
		{Name: "gateway-rate-limit-says-auth", Rule: "R7",
			Bug:     `the gateway replies "authentication failed" to a rate-limited start-up`,
			Options: Options{GatewayFailureText: sayAuthenticationFailed}},
		{Name: "drops-shorthand-entries", Rule: "R2",
			Bug:     `reads only mapping entries of the chain: a "provider/model" string is dropped without a word (R2, R3)`,
			Options: Options{DropShorthandEntries: true}},
		{Name: "empty-chain-hides-fallback-model", Rule: "R9",
			Bug:     "a present but empty fallback_providers hides the legacy fallback_model: the chain is read as empty",
			Options: Options{EmptyChainHidesFallbackModel: true}},
	}
}

// MutantNames returns the names of every mutant, in catalogue order.
func MutantNames() []string {
	var names []string
	for _, m := range Mutants() {
		names = append(names, m.Name)
	}
	return names
}

// MutantByName returns the mutant called name. An unknown name is an error
// that lists the known ones.
func MutantByName(name string) (Mutant, error) {
	for _, m := range Mutants() {
		if m.Name == name {
			return m, nil
		}
	}
	return Mutant{}, fmt.Errorf("unknown mutant %q (known: %s)", name, strings.Join(MutantNames(), ", "))
}

// decide is the reference's start-up decision.
type decide = func(resolver.Request, resolver.ResolveFunc) (resolver.Decision, error)

// withRequest decides as the reference does, on a request changed by edit.
func withRequest(edit func(*resolver.Request)) decide {
	return func(r resolver.Request, resolve resolver.ResolveFunc) (resolver.Decision, error) {
		edit(&r)
		return resolver.Resolve(r, resolve)
	}
}

// ignoreChain resolves the primary alone, as the start-up did before PR 9:
// its failure is the worker's, and only a start-up that succeeds hands the
// chain on, to the runtime loop.
func ignoreChain(r resolver.Request, resolve resolver.ResolveFunc) (resolver.Decision, error) {
	chain := r.Chain
	r.Chain = nil
	d, err := resolver.Resolve(r, resolve)
	if err == nil {
		d.Remaining = chain.Clone()
	}
	return d, err
}

// withProfile decides as the reference does, with one profile switch
// flipped. The subject still claims its profile: the switch is the bug.
func withProfile(edit func(*resolver.Profile)) decide {
	return withRequest(func(r *resolver.Request) {
		if r.Profile.Name == "" {
			r.Profile = resolver.Strict
		}
		edit(&r.Profile)
	})
}

// skipPrimaryInChain drops every chain entry equal to the primary before the
// walk, as `chain = [e for e in chain if e != primary]` does, and reports
// the landed index and remaining chain of the shortened chain.
func skipPrimaryInChain(r resolver.Request, resolve resolver.ResolveFunc) (resolver.Decision, error) {
	var kept resolver.Chain
	for _, e := range r.Chain {
		if e.Provider != r.Primary.Provider || (e.Model != "" && e.Model != r.Primary.Model) {
			kept = append(kept, e)
		}
	}
	r.Chain = kept
	return resolver.Resolve(r, resolve)
}

// loopOnRepeatedProvider retries a chain entry whose provider is the
// primary's while it keeps failing with an AuthError, up to tries times in
// all, a "maybe it recovered" loop. It stays bounded so the mutant ends.
func loopOnRepeatedProvider(tries int) decide {
	return func(r resolver.Request, resolve resolver.ResolveFunc) (resolver.Decision, error) {
		calls := 0
		return resolver.Resolve(r, func(e resolver.Entry) (resolver.Runtime, error) {
			calls++
			rt, err := resolve(e)
			if calls == 1 || e.Provider != r.Primary.Provider {
				return rt, err
			}
			for n := 1; n < tries && resolver.Classify(err) == resolver.ClassAuth; n++ {
				rt, err = resolve(e)
			}
			return rt, err
		})
	}
}

// rereadChain is the hand-off of a start-up that reads the chain a second
// time: from the case's home/config.yaml when there is one (a subject that
// reads its config file again), else from the case's config.
func rereadChain(c harness.Case, req resolver.Request, dec resolver.Decision) resolver.Chain {
	chain := req.Chain
	if c.Home != "" {
		if data, err := os.ReadFile(filepath.Join(c.Home, "config.yaml")); err == nil {
			if cfg, err := resolver.ParseConfig("config.yaml", data); err == nil {
				chain = cfg.Chain
			}
		}
	} else if cfg, err := c.Config.Resolved(); err == nil {
		chain = cfg.Chain
	}
	if !dec.FellBack() {
		return chain.Clone()
	}
	if dec.Landed+1 >= len(chain) {
		return resolver.Chain{}
	}
	return chain[dec.Landed+1:].Clone()
}

// fallBackOnOtherError treats a primary's error that is not an AuthError as
// an auth failure, as an `except Exception:` around the primary does.
func fallBackOnOtherError(r resolver.Request, resolve resolver.ResolveFunc) (resolver.Decision, error) {
	first := true
	return resolver.Resolve(r, func(e resolver.Entry) (resolver.Runtime, error) {
		rt, err := resolve(e)
		if first && resolver.Classify(err) == resolver.ClassOther {
			err = &resolver.AuthError{Provider: e.Provider, Code: "unavailable", ReloginRequired: false, Message: err.Error()}
		}
		first = false
		return rt, err
	})
}

// resolveWithPrimaryBaseURL resolves each chain entry with the primary's
// base URL in place of its own, as a loader that keeps one base URL per
// profile does.
func resolveWithPrimaryBaseURL(r resolver.Request, resolve resolver.ResolveFunc) (resolver.Decision, error) {
	return resolver.Resolve(r, func(e resolver.Entry) (resolver.Runtime, error) {
		e.BaseURL = r.Primary.BaseURL
		return resolve(e)
	})
}

// walkPrimaryFirst is the runtime walk of a loop that retries the primary
// (it may have recovered) before it moves along the remaining chain.
func walkPrimaryFirst(req resolver.Request, dec resolver.Decision, run func(int, resolver.Entry, string) error) error {
	return resolver.Walk(req, dec, func(i int, e resolver.Entry, model string) error {
		if i == 0 && dec.FellBack() {
			if err := run(0, req.Primary, req.Primary.Model); err == nil {
				return nil
			}
		}
		return run(i, e, model)
	})
}

// walkFirstEntryOnly is the runtime walk of a loop that hands off once, to
// remaining[0], and gives up when that fails too.
func walkFirstEntryOnly(req resolver.Request, dec resolver.Decision, run func(int, resolver.Entry, string) error) error {
	var last error
	return resolver.Walk(req, dec, func(i int, e resolver.Entry, model string) error {
		if i > 0 {
			return last
		}
		last = run(i, e, model)
		return last
	})
}

// keepPrimaryModel lands where the reference lands but keeps the primary's
// model as the effective model.
func keepPrimaryModel(r resolver.Request, resolve resolver.ResolveFunc) (resolver.Decision, error) {
	d, err := resolver.Resolve(r, resolve)
	if err == nil && d.FellBack() {
		d.Model = r.Primary.Model
	}
	return d, err
}

func exitOneOnRateLimit(err error) int {
	if errors.Is(err, harness.ErrProviderWithoutModel) {
		return harness.ExitUsage
	}
	return harness.ExitFailure
}

func sayAuthenticationFailed(err error) string {
	var ae *resolver.AuthError
	if errors.As(err, &ae) {
		return fmt.Sprintf("authentication failed for %s: %s", ae.Provider, ae.Message)
	}
	return "error: " + err.Error()
}
