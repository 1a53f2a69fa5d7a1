package resolver_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/fallbackgate/fallbackgate/resolver"
)

// The cast of the tables: the INC-v6.6 primary and chain, and a few more.
var (
	primary   = resolver.Entry{Provider: "xai-oauth", Model: "grok-4.3"}
	entryA    = resolver.Entry{Provider: "openai-codex", Model: "gpt-5.5"}
	entryB    = resolver.Entry{Provider: "anthropic", Model: "claude-opus-4-7", BaseURL: "https://api.anthropic.test/v1"}
	entryC    = resolver.Entry{Provider: "openrouter", Model: "meta-llama/llama-4"}
	entryAEU  = resolver.Entry{Provider: "openai-codex", Model: "gpt-5.5", BaseURL: "https://eu.openai.test/v1"}
	noModel   = resolver.Entry{Provider: "openrouter"}
	primaryRL = rateLimited("xai-oauth")

	errPrimary = authErr("xai-oauth", "xai_token_revoked", "xAI OAuth token revoked")
	errA       = authErr("openai-codex", "codex_login_expired", "Codex login expired")
	errB       = authErr("anthropic", "anthropic_logged_out", "Anthropic logged out")
	errNet     = errors.New("dial tcp 10.0.0.1:443: connection refused")
	errANet    = fmt.Errorf("openai-codex: provider unavailable: %w", errors.New("503"))
	errRelogin = &resolver.AuthError{Provider: "xai-oauth", Code: resolver.RateLimitCode, ReloginRequired: true, Message: "rate limited; session revoked, log in again"}
	errWrapped = fmt.Errorf("resolving xai-oauth: %w", errPrimary)
)

func chain(es ...resolver.Entry) resolver.Chain { return append(resolver.Chain{}, es...) }

// outcome is what one profile must make of a case.
type outcome struct {
	landed    int
	model     string
	remaining resolver.Chain // nil on failure
	calls     []resolver.Entry
	err       error // the very value the script returned; nil on success
	rule      string
}

// all says every profile gives the same outcome (fixUp gives upstream the
// whole chain as its hand-off).
func all(o outcome) map[string]outcome {
	return map[string]outcome{"strict": o, "upstream": o, "closed-missing": o}
}

// differ gives strict and closed-missing one outcome, upstream another.
func differ(strict, upstream outcome) map[string]outcome {
	return map[string]outcome{"strict": strict, "upstream": upstream, "closed-missing": strict}
}

// closedOnly gives closed-missing one outcome and the others another.
func closedOnly(walk, closed outcome) map[string]outcome {
	return map[string]outcome{"strict": walk, "upstream": walk, "closed-missing": closed}
}

func calls(es ...resolver.Entry) []resolver.Entry { return es }

type resolveCase struct {
	name    string
	primary resolver.Entry
	chain   resolver.Chain
	pinned  bool
	errs    map[string]error // by shorthand; absent resolves
	want    map[string]outcome
}

// resolveCases has one case per rule R4–R14, and one per difference in the
// Profiles table of CONTRACT.md, each with the outcome of every profile.
var resolveCases = []resolveCase{
	{
		name: "R4/primary-resolves", primary: primary, chain: chain(entryA, entryB),
		want: all(outcome{landed: -1, model: "grok-4.3", remaining: chain(entryA, entryB), calls: calls(primary), rule: "R4"}),
	},
	{
		name: "R4/primary-resolves-empty-chain", primary: primary, chain: chain(),
		want: all(outcome{landed: -1, model: "grok-4.3", remaining: chain(), calls: calls(primary), rule: "R4"}),
	},
	{
		name: "R5/primary-other-error", primary: primary, chain: chain(entryA),
		errs: map[string]error{"xai-oauth/grok-4.3": errNet},
		want: all(outcome{landed: -1, calls: calls(primary), err: errNet, rule: "R5"}),
	},
	{
		name: "R5/primary-other-error-pinned", primary: primary, chain: chain(entryA), pinned: true,
		errs: map[string]error{"xai-oauth/grok-4.3": errNet},
		want: all(outcome{landed: -1, calls: calls(primary), err: errNet, rule: "R5"}),
	},
	{
		name: "R5/wrapped-auth-error-walks", primary: primary, chain: chain(entryA),
		errs: map[string]error{"xai-oauth/grok-4.3": errWrapped},
		want: all(outcome{landed: 0, model: "gpt-5.5", remaining: chain(), calls: calls(primary, entryA), rule: "R9"}),
	},
	{
		// Profiles table, row "pin (R6)".
		name: "R6/pinned", primary: primary, chain: chain(entryA), pinned: true,
		errs: map[string]error{"xai-oauth/grok-4.3": errPrimary},
		want: differ(
			outcome{landed: -1, calls: calls(primary), err: errPrimary, rule: "R6"},
			outcome{landed: 0, model: "gpt-5.5", remaining: chain(entryA), calls: calls(primary, entryA), rule: "R9"}),
	},
	{
		// Profiles table, row "rate-limited primary (R7)".
		name: "R7/rate-limited-primary", primary: primary, chain: chain(entryA, entryB),
		errs: map[string]error{"xai-oauth/grok-4.3": primaryRL},
		want: differ(
			outcome{landed: -1, calls: calls(primary), err: primaryRL, rule: "R7"},
			outcome{landed: 0, model: "gpt-5.5", remaining: chain(entryA, entryB), calls: calls(primary, entryA), rule: "R9"}),
	},
	{
		name: "R7/wrapped-rate-limited-primary", primary: primary, chain: chain(entryA),
		errs: map[string]error{"xai-oauth/grok-4.3": fmt.Errorf("start-up: %w", primaryRL)},
		want: differ(
			outcome{landed: -1, calls: calls(primary), rule: "R7"}, // err filled in by the test: the wrapper
			outcome{landed: 0, model: "gpt-5.5", remaining: chain(entryA), calls: calls(primary, entryA), rule: "R9"}),
	},
	{
		name: "R7/relogin-required-is-an-auth-failure", primary: primary, chain: chain(entryA),
		errs: map[string]error{"xai-oauth/grok-4.3": errRelogin},
		want: all(outcome{landed: 0, model: "gpt-5.5", remaining: chain(), calls: calls(primary, entryA), rule: "R9"}),
	},
	{
		name: "R8/empty-chain", primary: primary, chain: chain(),
		errs: map[string]error{"xai-oauth/grok-4.3": errPrimary},
		want: all(outcome{landed: -1, calls: calls(primary), err: errPrimary, rule: "R8"}),
	},
	{
		name: "R9/in-order-first-wins", primary: primary, chain: chain(entryA, entryB, entryC),
		errs: map[string]error{"xai-oauth/grok-4.3": errPrimary, "openai-codex/gpt-5.5": errA},
		want: differ(
			outcome{landed: 1, model: "claude-opus-4-7", remaining: chain(entryC), calls: calls(primary, entryA, entryB), rule: "R9"},
			outcome{landed: 1, model: "claude-opus-4-7", remaining: chain(entryA, entryB, entryC), calls: calls(primary, entryA, entryB), rule: "R9"}),
	},
	{
		// Profiles table, row "entry without a model": upstream drops it
		// when the chain is read, so its chain as read is [A], landed 0.
		name: "R10/entry-without-model", primary: primary, chain: chain(noModel, entryA),
		errs: map[string]error{"xai-oauth/grok-4.3": errPrimary},
		want: differ(
			outcome{landed: 0, model: "grok-4.3", remaining: chain(entryA), calls: calls(primary, noModel), rule: "R9"},
			outcome{landed: 0, model: "gpt-5.5", remaining: chain(entryA), calls: calls(primary, entryA), rule: "R9"}),
	},
	{
		// Upstream reads a chain of model-less entries as an empty chain:
		// the primary's error, by R8.
		name: "R10/only-entry-without-model", primary: primary, chain: chain(noModel),
		errs: map[string]error{"xai-oauth/grok-4.3": errPrimary},
		want: differ(
			outcome{landed: 0, model: "grok-4.3", remaining: chain(), calls: calls(primary, noModel), rule: "R9"},
			outcome{landed: -1, calls: calls(primary), err: errPrimary, rule: "R8"}),
	},
	{
		// The primary resolves: strict hands on the chain as written,
		// upstream the chain as read (no model-less entry, no repeat).
		name: "R14/hand-off-chain-as-read", primary: primary, chain: chain(noModel, entryA, entryA, entryB),
		want: differ(
			outcome{landed: -1, model: "grok-4.3", remaining: chain(noModel, entryA, entryA, entryB), calls: calls(primary), rule: "R4"},
			outcome{landed: -1, model: "grok-4.3", remaining: chain(entryA, entryB), calls: calls(primary), rule: "R4"}),
	},
	{
		// Profiles table, row "entry error that is not an AuthError (R11)".
		name: "R11/entry-other-error", primary: primary, chain: chain(entryA, entryB),
		errs: map[string]error{"xai-oauth/grok-4.3": errPrimary, "openai-codex/gpt-5.5": errANet},
		want: differ(
			outcome{landed: -1, calls: calls(primary, entryA), err: errANet, rule: "R11"},
			outcome{landed: 1, model: "claude-opus-4-7", remaining: chain(entryA, entryB), calls: calls(primary, entryA, entryB), rule: "R9"}),
	},
	{
		name: "R11/entry-rate-limited-moves-on", primary: primary, chain: chain(entryA, entryB),
		errs: map[string]error{"xai-oauth/grok-4.3": errPrimary, "openai-codex/gpt-5.5": rateLimited("openai-codex")},
		want: differ(
			outcome{landed: 1, model: "claude-opus-4-7", remaining: chain(), calls: calls(primary, entryA, entryB), rule: "R9"},
			outcome{landed: 1, model: "claude-opus-4-7", remaining: chain(entryA, entryB), calls: calls(primary, entryA, entryB), rule: "R9"}),
	},
	{
		// A chain entry whose credential was never configured is an
		// AuthError like any other (R11) in every profile: closed-missing
		// fails closed only for the primary.
		name: "R11/entry-missing-credential-moves-on", primary: primary, chain: chain(entryA, entryB),
		errs: map[string]error{"xai-oauth/grok-4.3": errPrimary, "openai-codex/gpt-5.5": authErr("openai-codex", "missing_api_key", "OPENAI_API_KEY is not set")},
		want: differ(
			outcome{landed: 1, model: "claude-opus-4-7", remaining: chain(), calls: calls(primary, entryA, entryB), rule: "R9"},
			outcome{landed: 1, model: "claude-opus-4-7", remaining: chain(entryA, entryB), calls: calls(primary, entryA, entryB), rule: "R9"}),
	},
	{
		name: "R12/primary-again-in-chain", primary: primary, chain: chain(primary, entryA),
		errs: map[string]error{"xai-oauth/grok-4.3": errPrimary},
		want: differ(
			outcome{landed: 1, model: "gpt-5.5", remaining: chain(), calls: calls(primary, primary, entryA), rule: "R9"},
			outcome{landed: 1, model: "gpt-5.5", remaining: chain(primary, entryA), calls: calls(primary, primary, entryA), rule: "R9"}),
	},
	{
		// Profiles table, row "identical entries": strict resolves each in
		// turn; upstream collapsed them when it read the chain.
		name: "R12/same-entry-twice-all-fail", primary: primary, chain: chain(entryA, entryA),
		errs: map[string]error{"xai-oauth/grok-4.3": errPrimary, "openai-codex/gpt-5.5": errA},
		want: differ(
			outcome{landed: -1, calls: calls(primary, entryA, entryA), err: errA, rule: "R13"},
			outcome{landed: -1, calls: calls(primary, entryA), err: errPrimary, rule: "R13"}),
	},
	{
		// Entries identical but for the base URL are different entries in
		// every profile: upstream keeps both.
		name: "R12/same-entry-other-base-url", primary: primary, chain: chain(entryA, entryAEU),
		errs: map[string]error{"xai-oauth/grok-4.3": errPrimary, "openai-codex/gpt-5.5": errA, "openai-codex/gpt-5.5@" + entryAEU.BaseURL: nil},
		want: differ(
			outcome{landed: 1, model: "gpt-5.5", remaining: chain(), calls: calls(primary, entryA, entryAEU), rule: "R9"},
			outcome{landed: 1, model: "gpt-5.5", remaining: chain(entryA, entryAEU), calls: calls(primary, entryA, entryAEU), rule: "R9"}),
	},
	{
		// Profiles table, row "all fail (R13)".
		name: "R13/all-fail", primary: primary, chain: chain(entryA, entryB),
		errs: map[string]error{"xai-oauth/grok-4.3": errPrimary, "openai-codex/gpt-5.5": errA, "anthropic/claude-opus-4-7": errB},
		want: differ(
			outcome{landed: -1, calls: calls(primary, entryA, entryB), err: errB, rule: "R13"},
			outcome{landed: -1, calls: calls(primary, entryA, entryB), err: errPrimary, rule: "R13"}),
	},
	{
		// Profiles table, row "hand-off (R14)".
		name: "R14/hand-off", primary: primary, chain: chain(entryA, entryB, entryC),
		errs: map[string]error{"xai-oauth/grok-4.3": errPrimary},
		want: differ(
			outcome{landed: 0, model: "gpt-5.5", remaining: chain(entryB, entryC), calls: calls(primary, entryA), rule: "R9"},
			outcome{landed: 0, model: "gpt-5.5", remaining: chain(entryA, entryB, entryC), calls: calls(primary, entryA), rule: "R9"}),
	},
	// Profiles table, row "AuthError for a credential that was never
	// configured": one case per code suffix.
	missingCase("xai_auth_missing"),
	missingCase("missing_api_key"),
	missingCase("openai_missing_api_key"),
	missingCase("not_logged_in"),
	missingCase("anthropic_not_logged_in"),
	{
		// The pin is decided before the missing credential: R6 in
		// closed-missing too.
		name: "closed-missing/pinned-missing-credential", primary: primary, chain: chain(entryA), pinned: true,
		errs: map[string]error{"xai-oauth/grok-4.3": authErr("xai-oauth", "xai_auth_missing", "no token")},
		want: map[string]outcome{
			"strict":         {landed: -1, calls: calls(primary), rule: "R6"},
			"upstream":       {landed: 0, model: "gpt-5.5", remaining: chain(entryA), calls: calls(primary, entryA), rule: "R9"},
			"closed-missing": {landed: -1, calls: calls(primary), rule: "R6"},
		},
	},
}

func missingCase(code string) resolveCase {
	err := authErr("xai-oauth", code, "credential never configured")
	return resolveCase{
		name: "missing-credential/" + code, primary: primary, chain: chain(entryA),
		errs: map[string]error{"xai-oauth/grok-4.3": err},
		want: map[string]outcome{
			"strict":         {landed: 0, model: "gpt-5.5", remaining: chain(), calls: calls(primary, entryA), rule: "R9"},
			"upstream":       {landed: 0, model: "gpt-5.5", remaining: chain(entryA), calls: calls(primary, entryA), rule: "R9"},
			"closed-missing": {landed: -1, calls: calls(primary), err: err, rule: "closed-missing"},
		},
	}
}

// fixUp fills in what the table leaves implicit: the upstream hand-off is the
// whole chain, and a failure with no err named surfaces the primary's error.
func fixUp(c resolveCase, profile string, o outcome) outcome {
	if profile == "upstream" && o.landed >= 0 {
		o.remaining = resolver.Upstream.ReadChain(c.chain).Clone()
	}
	if o.remaining == nil && o.landed == -1 && o.err == nil && o.model == "" {
		o.err = c.errs[c.primary.String()]
	}
	return o
}

func TestResolveRules(t *testing.T) {
	for _, c := range resolveCases {
		for _, p := range resolver.Profiles() {
			t.Run(c.name+"/"+p.Name, func(t *testing.T) {
				want, ok := c.want[p.Name]
				if !ok {
					t.Fatalf("case has no outcome for profile %s", p.Name)
				}
				want = fixUp(c, p.Name, want)
				req := resolver.Request{Primary: c.primary, Chain: c.chain, Pinned: c.pinned, Profile: p}
				s := newScript(c.errs)
				d, err := resolver.Resolve(req, s.resolve)
				checkDecision(t, req, want, d, err, s.calls)
			})
		}
	}
}

// checkDecision compares a Decision with the outcome wanted.
func checkDecision(t *testing.T, req resolver.Request, want outcome, d resolver.Decision, err error, got []resolver.Entry) {
	t.Helper()
	if err != want.err {
		t.Errorf("Resolve(%v) error = %v (%p); want the very value %v (%p)", describeRequest(req), err, err, want.err, want.err)
	}
	if d.Landed != want.landed {
		t.Errorf("Resolve(%v) landed at %d; want %d", describeRequest(req), d.Landed, want.landed)
	}
	if d.Model != want.model {
		t.Errorf("Resolve(%v) effective model %q; want %q", describeRequest(req), d.Model, want.model)
	}
	if diff := cmp.Diff(want.remaining, d.Remaining); diff != "" {
		t.Errorf("Resolve(%v) remaining chain (-want +got):\n%s", describeRequest(req), diff)
	}
	if diff := cmp.Diff(want.calls, got); diff != "" {
		t.Errorf("Resolve(%v) resolve calls (-want +got):\n%s", describeRequest(req), diff)
	}
	if r := lastRule(d); r != want.rule {
		t.Errorf("Resolve(%v) decided by %q; want %q\ntrace:\n%s", describeRequest(req), r, want.rule, traceText(d))
	}
	if err := checkTrace(req, d, got); err != nil {
		t.Errorf("Resolve(%v) trace:\n%v\ntrace:\n%s", describeRequest(req), err, traceText(d))
	}
	if err == nil {
		if wantRT := runtimeFor(d.Landing(req)); d.Runtime != wantRT {
			t.Errorf("Resolve(%v) runtime = %+v; want the landed entry's %+v", describeRequest(req), d.Runtime, wantRT)
		}
		if d.FellBack() != (want.landed >= 0) {
			t.Errorf("Resolve(%v) FellBack() = %t with landed %d", describeRequest(req), d.FellBack(), d.Landed)
		}
	} else if d.Runtime != (resolver.Runtime{}) || d.Model != "" || d.Remaining != nil {
		t.Errorf("Resolve(%v) failed but the decision carries a runtime, model or remaining chain: %+v", describeRequest(req), d)
	}
}

func traceText(d resolver.Decision) string {
	var s string
	for _, st := range d.Trace {
		s += "  " + st.String() + "\n"
	}
	return s
}

// TestResolveCoversEveryRule guards the table against losing a rule or a
// profile difference.
func TestResolveCoversEveryRule(t *testing.T) {
	have := map[string]bool{}
	for _, c := range resolveCases {
		rule, _, _ := strings.Cut(c.name, "/")
		have[rule] = true
	}
	for _, r := range []string{"R4", "R5", "R6", "R7", "R8", "R9", "R10", "R11", "R12", "R13", "R14", "missing-credential"} {
		if !have[r] {
			t.Errorf("no case for %s", r)
		}
	}
	differs := 0
	for _, c := range resolveCases {
		s, u, m := c.want["strict"], c.want["upstream"], c.want["closed-missing"]
		if !cmp.Equal(s, u, cmp.AllowUnexported(outcome{}), cmp.Comparer(func(a, b error) bool { return a == b })) ||
			!cmp.Equal(s, m, cmp.AllowUnexported(outcome{}), cmp.Comparer(func(a, b error) bool { return a == b })) {
			differs++
		}
	}
	if differs < 8 {
		t.Errorf("only %d cases tell the profiles apart; the Profiles table has 8 rows", differs)
	}
}

// TestResolveZeroProfileIsStrict checks that a Request without a profile is
// decided as strict.
func TestResolveZeroProfileIsStrict(t *testing.T) {
	req := resolver.Request{Primary: primary, Chain: chain(entryA), Pinned: true}
	s := newScript(map[string]error{"xai-oauth/grok-4.3": errPrimary})
	d, err := resolver.Resolve(req, s.resolve)
	if err != errPrimary || len(s.calls) != 1 || lastRule(d) != "R6" {
		t.Errorf("Resolve(%v) = error %v after %d calls by %s; want the primary's error after 1 call by R6", describeRequest(req), err, len(s.calls), lastRule(d))
	}
}

// TestResolveTypedNilAuthError checks that a ResolveFunc returning a nil
// *AuthError as a non-nil error (a common Go bug) neither crashes the
// start-up (R17) nor starts a walk: it propagates like any other error (R5).
func TestResolveTypedNilAuthError(t *testing.T) {
	var nilAuth *resolver.AuthError
	req := resolver.Request{Primary: primary, Chain: chain(entryA)}
	s := newScript(map[string]error{"xai-oauth/grok-4.3": nilAuth})
	// The script treats a nil map value as success, so answer directly.
	resolve := func(e resolver.Entry) (resolver.Runtime, error) {
		s.calls = append(s.calls, e)
		return resolver.Runtime{}, nilAuth
	}
	d, err := resolver.Resolve(req, resolve)
	if err == nil || len(s.calls) != 1 || lastRule(d) != "R5" {
		t.Errorf("Resolve(%v) with a typed nil *AuthError = error %v after %d calls by %s; want it propagated after 1 call by R5", describeRequest(req), err, len(s.calls), lastRule(d))
	}
}

// TestResolveDoesNotAliasChain checks that the remaining chain handed off
// shares no memory with the request's chain (R1: the list read once is not
// changed by the runtime's use of the hand-off).
func TestResolveDoesNotAliasChain(t *testing.T) {
	for _, p := range resolver.Profiles() {
		c := chain(entryA, entryB, entryC)
		req := resolver.Request{Primary: primary, Chain: c, Profile: p}
		d, err := resolver.Resolve(req, newScript(map[string]error{"xai-oauth/grok-4.3": errPrimary}).resolve)
		if err != nil || len(d.Remaining) == 0 {
			t.Fatalf("Resolve(%v) = %v, remaining %v", describeRequest(req), err, d.Remaining)
		}
		d.Remaining[0] = resolver.Entry{Provider: "mutated"}
		if diff := cmp.Diff(chain(entryA, entryB, entryC), c); diff != "" {
			t.Errorf("%s: writing to the hand-off changed the request's chain (-want +got):\n%s", p, diff)
		}
	}
}
