package reference_test

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/fallbackgate/fallbackgate/harness"
	"github.com/fallbackgate/fallbackgate/harness/reference"
	"github.com/fallbackgate/fallbackgate/resolver"
)

// refRow is one row of the per-surface table, run on every surface.
type refRow struct {
	id    string
	chain []string
	args  harness.Args
	// resolve and complete are the fault plans per provider.
	resolve, complete map[string][]refFault
	opts              reference.Options

	// What must happen.
	resolves []string
	// landed is the entry landed on ("" when the start-up fails) and at its
	// index (-1 for the primary).
	landed    string
	at        int
	remaining []string
	// answeredBy is the provider/model whose completion answered.
	answeredBy string
	// surfaced is the provider/code of the surfaced AuthError.
	surfaced string
	class    resolver.Class
	exit     int
	relogin  bool
	// usage marks bad usage: exit 2 before any resolve.
	usage bool
	// failedType is the failed event's error type.
	failedType string
	// quiet lists providers that must never be contacted.
	quiet []string
}

func refRows() []refRow {
	xaiExpired := refAuth("xai_token_expired", true)
	return []refRow{{
		id: "SF-1", chain: []string{refA},
		resolves: []string{refPrimary}, landed: refPrimary, at: -1, remaining: []string{refA}, answeredBy: refPrimary,
		quiet: []string{"openai-codex", "anthropic"},
	}, {
		id: "SF-2", chain: []string{refA, refB},
		resolve:  map[string][]refFault{"xai-oauth": {xaiExpired}},
		resolves: []string{refPrimary, refA}, landed: refA, at: 0, remaining: []string{refB}, answeredBy: refA,
		quiet: []string{"anthropic"},
	}, {
		id: "SF-3", chain: []string{refA, refB},
		resolve: map[string][]refFault{"xai-oauth": {xaiExpired},
			"openai-codex": {refAuth("codex_refresh_revoked", true)}},
		resolves: []string{refPrimary, refA, refB}, landed: refB, at: 1, remaining: []string{}, answeredBy: refB,
	}, {
		id: "SF-4", chain: []string{refA, refB},
		resolve: map[string][]refFault{"xai-oauth": {xaiExpired},
			"openai-codex": {refAuth("codex_refresh_revoked", false)},
			"anthropic":    {refAuth("anthropic_logged_out", true)}},
		resolves: []string{refPrimary, refA, refB}, surfaced: "anthropic/anthropic_logged_out",
		class: resolver.ClassAuth, exit: 1, relogin: true, failedType: "auth",
	}, {
		id: "SF-5", chain: nil,
		resolve:  map[string][]refFault{"xai-oauth": {xaiExpired}},
		resolves: []string{refPrimary}, surfaced: "xai-oauth/xai_token_expired",
		class: resolver.ClassAuth, exit: 1, relogin: true, failedType: "auth",
	}, {
		id: "SF-6", chain: []string{"openai-codex"},
		resolve:  map[string][]refFault{"xai-oauth": {xaiExpired}},
		resolves: []string{refPrimary, "openai-codex"}, landed: "openai-codex/grok-4.3", at: 0, remaining: []string{},
		answeredBy: "openai-codex/grok-4.3",
	}, {
		id: "SF-7", chain: []string{refA}, args: harness.Args{Provider: "xai-oauth", Model: "grok-4.3"},
		resolve:  map[string][]refFault{"xai-oauth": {refAuth("xai_token_expired", false)}},
		resolves: []string{refPrimary}, surfaced: "xai-oauth/xai_token_expired",
		class: resolver.ClassAuth, exit: 1, relogin: false, failedType: "auth", quiet: []string{"openai-codex"},
	}, {
		id: "SF-8", chain: []string{refA, refB},
		resolve:  map[string][]refFault{"xai-oauth": {refRateLimit(30)}},
		resolves: []string{refPrimary}, surfaced: "xai-oauth/" + resolver.RateLimitCode,
		class: resolver.ClassRateLimited, exit: 75, failedType: "auth", quiet: []string{"openai-codex", "anthropic"},
	}, {
		id: "SF-9", chain: []string{refPrimary, refA},
		resolve:  map[string][]refFault{"xai-oauth": {xaiExpired}},
		resolves: []string{refPrimary, refPrimary, refA}, landed: refA, at: 1, remaining: []string{}, answeredBy: refA,
	}, {
		id: "other-error-primary", chain: []string{refA},
		resolve:  map[string][]refFault{"xai-oauth": {refDown}},
		resolves: []string{refPrimary}, class: resolver.ClassOther, exit: 1, failedType: "unavailable",
		quiet: []string{"openai-codex"},
	}, {
		id: "reset-primary", chain: []string{refA},
		resolve:  map[string][]refFault{"xai-oauth": {refReset}},
		resolves: []string{refPrimary}, class: resolver.ClassOther, exit: 1, failedType: "network",
		quiet: []string{"openai-codex"},
	}, {
		id: "hang-primary", chain: []string{refA}, opts: reference.Options{RequestTimeout: 50 * time.Millisecond},
		resolve:  map[string][]refFault{"xai-oauth": {refHang}},
		resolves: []string{refPrimary}, class: resolver.ClassOther, exit: 1, failedType: "network",
		quiet: []string{"openai-codex"},
	}, {
		id: "malformed-primary", chain: []string{refA},
		resolve:  map[string][]refFault{"xai-oauth": {refGarbage}},
		resolves: []string{refPrimary}, class: resolver.ClassOther, exit: 1, failedType: "malformed",
		quiet: []string{"openai-codex"},
	}, {
		id: "entry-other-error-stops", chain: []string{refA, refB},
		resolve:  map[string][]refFault{"xai-oauth": {xaiExpired}, "openai-codex": {refDown}},
		resolves: []string{refPrimary, refA}, class: resolver.ClassOther, exit: 1, failedType: "unavailable",
		quiet: []string{"anthropic"},
	}, {
		id: "unknown-provider-entry", chain: []string{"ghost/m1", refA},
		resolve:  map[string][]refFault{"xai-oauth": {xaiExpired}},
		resolves: []string{refPrimary}, class: resolver.ClassOther, exit: 1, failedType: "unknown_provider",
		quiet: []string{"openai-codex"},
	}, {
		id: "pin-provider-and-model", chain: []string{refB}, args: harness.Args{Provider: "openai-codex", Model: "gpt-5.5"},
		resolve:  map[string][]refFault{"xai-oauth": {xaiExpired}},
		resolves: []string{refA}, landed: refA, at: -1, remaining: []string{refB}, answeredBy: refA,
		quiet: []string{"xai-oauth", "anthropic"},
	}, {
		id: "pin-model-only", chain: []string{refA}, args: harness.Args{Model: "grok-4.3-fast"},
		resolve:  map[string][]refFault{"xai-oauth": {refAuth("xai_token_expired", false)}},
		resolves: []string{"xai-oauth/grok-4.3-fast"}, surfaced: "xai-oauth/xai_token_expired",
		class: resolver.ClassAuth, exit: 1, failedType: "auth", quiet: []string{"openai-codex"},
	}, {
		id: "bad-usage", chain: []string{refA}, args: harness.Args{Provider: "openai-codex"},
		resolves: nil, class: resolver.ClassOther, exit: 2, usage: true,
		quiet: []string{"xai-oauth", "openai-codex"},
	}, {
		id: "rate-limited-entry-moves-on", chain: []string{refA, refB},
		resolve:  map[string][]refFault{"xai-oauth": {xaiExpired}, "openai-codex": {refRateLimit(5)}},
		resolves: []string{refPrimary, refA, refB}, landed: refB, at: 1, remaining: []string{}, answeredBy: refB,
	}, {
		id: "runtime-hand-off-from-primary", chain: []string{refA, refB},
		complete: map[string][]refFault{"xai-oauth": {refBroken}},
		resolves: []string{refPrimary, refA}, landed: refPrimary, at: -1, remaining: []string{refA, refB}, answeredBy: refA,
		quiet: []string{"anthropic"},
	}, {
		id: "runtime-hand-off-from-landed", chain: []string{refA, refB},
		resolve:  map[string][]refFault{"xai-oauth": {xaiExpired}},
		complete: map[string][]refFault{"openai-codex": {refBroken}},
		resolves: []string{refPrimary, refA, refB}, landed: refA, at: 0, remaining: []string{refB}, answeredBy: refB,
	}, {
		id: "runtime-hand-off-on-401-and-429", chain: []string{refA, refB},
		complete: map[string][]refFault{"xai-oauth": {refAuth("xai_token_expired", true)},
			"openai-codex": {refRateLimit(1)}},
		resolves: []string{refPrimary, refA, refB}, landed: refPrimary, at: -1, remaining: []string{refA, refB}, answeredBy: refB,
	}, {
		id: "runtime-all-fail", chain: []string{refA},
		complete: map[string][]refFault{"xai-oauth": {refBroken}, "openai-codex": {refBroken}},
		resolves: []string{refPrimary, refA}, landed: refPrimary, at: -1, remaining: []string{refA},
		class: resolver.ClassOther, exit: 1,
	}, {
		id: "runtime-fallback-disabled", chain: []string{refA}, opts: reference.Options{NoRuntimeFallback: true},
		complete: map[string][]refFault{"xai-oauth": {refBroken}},
		resolves: []string{refPrimary}, landed: refPrimary, at: -1, remaining: []string{refA},
		class: resolver.ClassOther, exit: 1, quiet: []string{"openai-codex"},
	}}
}

// TestReferenceSurfaces runs every row on every surface of the in-process
// reference subject and checks what CONTRACT.md's per-surface table asks.
func TestReferenceSurfaces(t *testing.T) {
	for _, row := range refRows() {
		for _, surface := range harness.Surfaces {
			t.Run(row.id+"/"+surface, func(t *testing.T) {
				t.Parallel()
				fleet, client := newRefFleet()
				fleet.resolve, fleet.complete = row.resolve, row.complete
				if fleet.resolve == nil {
					fleet.resolve = map[string][]refFault{}
				}
				if fleet.complete == nil {
					fleet.complete = map[string][]refFault{}
				}
				ref := reference.NewSurface(surface, client, row.opts)
				t.Cleanup(func() {
					if err := ref.Close(); err != nil {
						t.Errorf("Close: %v", err)
					}
				})
				c := refNewCase(fleet, row.id+"/"+surface, row.chain...)
				c.Surface, c.Args = surface, row.args
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				defer cancel()
				o, err := ref.Start(ctx, c)
				if err != nil {
					t.Fatalf("Start: %v", err)
				}
				if err := refCheck(row, fleet, o); err != nil {
					t.Errorf("%s on %s:\n%v\nstdout: %q\nstderr: %q\nevents: %s\nledger: %v",
						row.id, surface, err, o.Stdout, o.Stderr, refJSON(o.Events), fleet.calls())
				}
			})
		}
	}
}

// refHint matches a re-login hint (PROTOCOL.md, "cli").
var refHint = regexp.MustCompile(`(?i)log in|login|re-authenticate`)

// refCheck returns every way o differs from what row asks, one per line.
func refCheck(row refRow, fleet *refFleet, o harness.Outcome) error {
	var problems []string
	bad := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	if o.Failure != "" {
		bad("failure: %s", o.Failure)
	}
	if diff := cmp.Diff(row.resolves, fleet.resolves()); diff != "" {
		bad("resolves (-want +got):\n%s", diff)
	}
	for _, call := range fleet.calls() {
		if slices.Contains(row.quiet, call.Provider) {
			bad("%s was contacted (%s) but must not be", call.Provider, call.Endpoint)
		}
	}
	all := o.Stdout + o.Stderr + refJSON(o.Events) + refJSON(o.Reply)
	if strings.Contains(all, refSecret) {
		bad("R16: an API key appears in the output")
	}

	// Events.
	var fallbacks, started, failed []harness.Event
	for _, ev := range o.Events {
		switch ev.Event {
		case harness.EventFallback:
			fallbacks = append(fallbacks, ev)
		case harness.EventStarted:
			started = append(started, ev)
		case harness.EventFailed:
			failed = append(failed, ev)
		}
		if o.Surface == harness.Gateway && (o.Reply == nil || ev.ID != o.Reply.ID) {
			bad("gateway event %s carries id %q, not the request's", ev.Event, ev.ID)
		}
	}
	success := row.landed != ""
	fellBack := success && row.at >= 0
	if want := map[bool]int{true: 1}[fellBack]; len(fallbacks) != want {
		bad("R15: %d fallback events; want %d", len(fallbacks), want)
	}
	landed, _ := resolver.ParseEntry(row.landed)
	if fellBack && len(fallbacks) == 1 {
		ev := fallbacks[0]
		want := harness.Event{Event: harness.EventFallback, ID: ev.ID,
			From: &harness.EventEntry{Provider: "xai-oauth", Model: "grok-4.3"},
			To:   &harness.EventEntry{Provider: landed.Provider, Model: landed.Model}, Index: &row.at, Reason: "auth", Raw: ev.Raw}
		if diff := cmp.Diff(want, ev); diff != "" {
			bad("fallback event (-want +got):\n%s", diff)
		}
		if i := slices.IndexFunc(o.Events, func(e harness.Event) bool { return e.Event == harness.EventStarted }); i >= 0 && i < 1 {
			bad("started event comes before the fallback event")
		}
	}
	switch {
	case row.usage:
		if len(o.Events) > 0 {
			bad("bad usage emitted events: %s", refJSON(o.Events))
		}
	case success:
		if len(started) != 1 || len(failed) != 0 {
			bad("want one started event and no failed event")
			break
		}
		ev := started[0]
		if ev.Provider != landed.Provider || ev.Model != landed.Model || ev.LandedAt == nil || *ev.LandedAt != row.at {
			bad("started at %s/%s landed_at %v; want %s at %d", ev.Provider, ev.Model, refJSON(ev.LandedAt), row.landed, row.at)
		}
		if got := ev.Remaining.Strings(); !slices.Equal(got, row.remaining) {
			bad("R14: remaining %q; want %q", got, row.remaining)
		}
	default:
		if len(failed) != 1 || len(started) != 0 {
			bad("want one failed event and no started event")
			break
		}
		e := failed[0].Error
		if e.Type != row.failedType {
			bad("failed event type %q; want %q", e.Type, row.failedType)
		}
		if row.surfaced != "" {
			provider, code, _ := strings.Cut(row.surfaced, "/")
			fault := row.resolve[provider][0]
			if e.Provider != provider || e.Code != code || e.Message != refMessage(provider, fault) ||
				e.ReloginRequired == nil || *e.ReloginRequired != fault.Relogin {
				bad("surfaced %s; want %s verbatim with message %q", refJSON(e), row.surfaced, refMessage(provider, fault))
			}
		}
	}
	if row.surfaced == "" && row.class == resolver.ClassAuth {
		bad("test row: an auth failure must say what is surfaced")
	}

	// The surface.
	var notice, message string
	if fellBack {
		notice = reference.FallbackNotice(resolver.Entry{Provider: "xai-oauth"}, landed)
	}
	if row.surfaced != "" {
		provider, _, _ := strings.Cut(row.surfaced, "/")
		message = refMessage(provider, row.resolve[provider][0])
	}
	switch o.Surface {
	case harness.Oneshot, harness.CLI:
		want := row.exit
		if o.ExitCode != want {
			bad("exit %d; want %d", o.ExitCode, want)
		}
		person := o.Stdout
		if o.Surface == harness.Oneshot {
			person = o.Stderr
		}
		if success && row.class == resolver.ClassNone {
			answer := refAnswerOf(row.answeredBy)
			if o.Surface == harness.Oneshot && o.Stdout != answer {
				bad("stdout %q; want exactly %q", o.Stdout, answer)
			}
			if o.Surface == harness.CLI && !slices.Contains(strings.Split(o.Stdout, "\n"), answer) {
				bad("stdout has no line %q", answer)
			}
		}
		if notice != "" && !refHasLine(person, "xai-oauth", landed.Provider, landed.Model) {
			bad("R15: no notice line naming xai-oauth and %s", landed)
		}
		if notice == "" && strings.Contains(person, "; using ") {
			bad("R15: a notice without a fallback")
		}
		if message != "" && !refHasLine(person, strings.Split(row.surfaced, "/")[0], message) {
			bad("the failure does not name %s with its message %q", row.surfaced, message)
		}
		if o.Surface == harness.CLI {
			hint := refHint.MatchString(o.Stdout)
			if hint != row.relogin {
				bad("re-login hint shown: %v; want %v (relogin_required %v)", hint, row.relogin, row.relogin)
			}
			if row.class == resolver.ClassRateLimited && !strings.Contains(o.Stdout, "30s") {
				bad("rate-limit message has no retry-after")
			}
		}
	case harness.Gateway:
		r := o.Reply
		if r == nil {
			bad("no reply")
			break
		}
		if ok := row.class == resolver.ClassNone; r.OK != ok {
			bad("reply ok %v; want %v", r.OK, ok)
		}
		if r.OK {
			if want := refAnswerOf(row.answeredBy); r.Reply != want {
				bad("reply %q; want %q", r.Reply, want)
			}
			if r.Notice != notice {
				bad("notice %q; want %q", r.Notice, notice)
			}
			break
		}
		if r.Class != row.class.String() {
			bad("reply class %q; want %q", r.Class, row.class)
		}
		says := strings.Contains(strings.ToLower(r.Reply), "authentication failed")
		if row.class == resolver.ClassRateLimited && (says || !strings.Contains(r.Reply, "rate-limiting")) {
			bad("rate_limit reply %q must say rate-limiting and not authentication failed", r.Reply)
		}
		if row.class == resolver.ClassAuth && !says {
			bad("auth reply %q does not say authentication failed", r.Reply)
		}
	}
	if len(problems) == 0 {
		return nil
	}
	return fmt.Errorf("%s", strings.Join(problems, "\n"))
}

// refHasLine reports whether some line of s contains every one of words.
func refHasLine(s string, words ...string) bool {
	for line := range strings.SplitSeq(s, "\n") {
		if !slices.ContainsFunc(words, func(w string) bool { return !strings.Contains(line, w) }) {
			return true
		}
	}
	return false
}

func refJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// refAnswerOf is the answer of the entry "provider/model".
func refAnswerOf(entry string) string {
	provider, model, _ := strings.Cut(entry, "/")
	return refAnswer(provider, model)
}
