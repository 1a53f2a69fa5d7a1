package model_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/fallbackgate/fallbackgate/harness"
	"github.com/fallbackgate/fallbackgate/harness/model"
	"github.com/fallbackgate/fallbackgate/resolver"
	"github.com/fallbackgate/fallbackgate/scenarios"
)

// A messageRow breaks one thing in the honest outcome of a scenario (a
// built-in one or an extra, by its file's ID) and wants Check to cite
// exactly rule with a message that contains every one of says (and none of
// those written "!text"): the message must say what differs, not only that
// something does.
type messageRow struct {
	name     string
	scenario string
	change   func(*harness.Scenario)
	profile  resolver.Profile
	surface  string
	rule     string
	says     []string
	mutate   func(*harness.Observation)
}

func messageRows() []messageRow {
	strict := resolver.Strict
	return []messageRow{
		// Base URLs (issue 12, item 2): R9 compares each resolve field by
		// field, R14 each remaining entry.
		{"entry resolved with the primary's base URL", "MX-3", nil, strict, harness.Oneshot, "R9",
			[]string{"resolve #2 (openai-codex)", `base_url "https://xai.proxy.example/v1"; want "https://eu.openai.example/v1"`},
			func(o *harness.Observation) { o.Calls[1].BaseURL = ptrTo("https://xai.proxy.example/v1") }},
		{"entry resolved without its base URL", "MX-3", nil, strict, harness.Gateway, "R9",
			[]string{"resolve #2 (openai-codex)", `base_url ""; want "https://eu.openai.example/v1"`},
			func(o *harness.Observation) { o.Calls[1].BaseURL = nil }},
		{"entry resolved with another model", "MX-3", nil, strict, harness.CLI, "R9",
			[]string{"resolve #2 (openai-codex)", `model "gpt-5"; want "gpt-5.5"`},
			func(o *harness.Observation) { o.Calls[1].Model = ptrTo("gpt-5") }},
		{"a trailing slash is R2's to strip, not a difference", "MX-3", nil, strict, harness.Oneshot, "",
			nil,
			func(o *harness.Observation) { o.Calls[1].BaseURL = ptrTo("https://eu.openai.example/v1/") }},
		// R18: the runtime walk, step by step (MX-4 with the hand-off
		// check: openai-codex's completion fails; anthropic answers 404;
		// openrouter, model-less, answers).
		{"runtime resolved the primary again", "MX-4", handoff("openai-codex"), strict, harness.Oneshot, "R18",
			[]string{"resolved the primary xai-oauth/grok-4.3 again", "want remaining[0] anthropic/claude-opus-4-7"},
			func(o *harness.Observation) {
				o.Calls = slices.Insert(o.Calls, 2, resolveCall("xai-oauth", "grok-4.3"))
			}},
		{"runtime stopped after remaining[0] failed", "MX-4", handoff("openai-codex"), strict, harness.Gateway, "R18",
			[]string{"stopped after remaining[0] anthropic/claude-opus-4-7 failed", "go on to remaining[1] openrouter"},
			func(o *harness.Observation) { o.Calls = slices.Delete(o.Calls, 3, 4) }},
		{"runtime went back to the landed entry", "MX-4", handoff("openai-codex"), strict, harness.CLI, "R18",
			[]string{"went back to openai-codex/gpt-5.5, an entry before remaining[0]"},
			func(o *harness.Observation) {
				o.Calls = slices.Insert(o.Calls, 2, resolveCall("openai-codex", "gpt-5.5"))
			}},
		{"runtime did not walk", "MX-4", handoff("openai-codex"), strict, harness.Oneshot, "R18",
			[]string{"resolved nothing; want remaining[0] anthropic/claude-opus-4-7 next"},
			func(o *harness.Observation) { o.Calls = slices.Delete(o.Calls, 2, 4) }},

		// Item 8: a walk that skipped exactly one kind of entry says so.
		{"the entry equal to the primary deduplicated", "SF-9", nil, strict, harness.Oneshot, "R12",
			[]string{"skipped exactly the chain entries equal to the failed primary", "chain[0] xai-oauth/grok-4.3"},
			func(o *harness.Observation) { o.Calls = slices.Delete(o.Calls, 1, 2) }},
		{"another order in a chain that repeats the primary is R9, not R12", "SF-9", nil, strict, harness.Oneshot, "R9",
			[]string{"resolves in order were [xai-oauth/grok-4.3, openai-codex/gpt-5.5, xai-oauth/grok-4.3]"},
			func(o *harness.Observation) { o.Calls[1], o.Calls[2] = o.Calls[2], o.Calls[1] }},
		{"the shorthand entries skipped (v6.6)", "SF-2", shorthandFirst, strict, harness.Oneshot, "R2",
			[]string{"skipped exactly the chain entries written as shorthand", "chain[0] openai-codex/gpt-5.5", "v6.6"},
			func(o *harness.Observation) { o.Calls[1] = resolveCall("anthropic", "claude-opus-4-7") }},
		{"the model-less entries skipped", "SF-6", modelLessThenB, strict, harness.Oneshot, "R10",
			[]string{"skipped exactly the chain entries without a model", "chain[0] openrouter"},
			func(o *harness.Observation) { o.Calls[1] = resolveCall("anthropic", "claude-opus-4-7") }},

		// R7 for every surfaced rate limit: the last entry's under R13
		// (MX-5) is shown as a rate limit on every surface.
		{"last entry's rate limit exits 1", "MX-5", nil, strict, harness.Oneshot, "R7",
			[]string{"exited 1; want 75"},
			func(o *harness.Observation) { o.Outcome.ExitCode = 1 }},
		{"last entry's rate limit in class auth", "MX-5", nil, strict, harness.Gateway, "R7",
			[]string{`class="auth"; want ok=false class="rate_limit"`},
			func(o *harness.Observation) { o.Outcome.Reply.Class = "auth" }},
		{"last entry's rate limit says authentication failed", "MX-5", nil, strict, harness.Gateway, "R7",
			[]string{`a rate-limit reply says "authentication failed"`},
			func(o *harness.Observation) {
				o.Outcome.Reply.Reply = "authentication failed: " + o.Outcome.Reply.Reply
			}},
		{"last entry's rate limit with a re-login hint", "MX-5", nil, strict, harness.CLI, "R7",
			[]string{"re-login hint", "for a rate limit"},
			func(o *harness.Observation) { o.Outcome.Stdout += checkReloginHint("openai-codex") + "\n" }},

		// The surfaced error is named where a person reads it: stderr on
		// the oneshot, stdout on the cli.
		{"oneshot stderr silent about the surfaced error", "SF-4", nil, strict, harness.Oneshot, "R13",
			[]string{"stderr does not name the surfaced error's provider anthropic"},
			func(o *harness.Observation) { o.Outcome.Stderr = "start-up failed\n" }},
		{"cli stdout silent about the surfaced error", "SF-4", nil, strict, harness.CLI, "R13",
			[]string{"stdout does not name the surfaced error's provider anthropic"},
			func(o *harness.Observation) {
				o.Outcome.Stdout = "start-up failed\n" + checkReloginHint("anthropic") + "\n"
			}},

		// R15: the notice names both providers on every surface.
		{"oneshot notice names only the provider now used", "SF-2", nil, strict, harness.Oneshot, "R15",
			[]string{"naming both the failed primary xai-oauth and the provider now used openai-codex"},
			func(o *harness.Observation) { o.Outcome.Stderr = "using openai-codex/gpt-5.5\n" }},
		{"gateway notice names only the provider now used", "SF-2", nil, strict, harness.Gateway, "R15",
			[]string{"does not name both the failed primary xai-oauth and the provider now used openai-codex"},
			func(o *harness.Observation) { o.Outcome.Reply.Notice = "using openai-codex/gpt-5.5" }},

		// The cli's re-login hint, if and only if relogin_required.
		{"no hint although relogin_required", "SF-4", nil, strict, harness.CLI, "R13",
			[]string{"no re-login hint, although anthropic requires a new login"},
			func(o *harness.Observation) { o.Outcome.Stdout = firstLine(o.Outcome.Stdout) }},

		// R6: what a pin replaces, and bad usage on the gateway.
		{"model pinned alone ignored", "MX-6", nil, strict, harness.Oneshot, "R6",
			[]string{"resolve #1 (xai-oauth)", `model "grok-4.3"; want "grok-4.3-mini"`, "a pin replaces the primary"},
			func(o *harness.Observation) { o.Calls[0].Model = ptrTo("grok-4.3") }},
		{"gateway bad usage in class auth", "MX-7", nil, strict, harness.Gateway, "usage",
			[]string{`want ok=false class="other" before any resolve`},
			func(o *harness.Observation) { o.Outcome.Reply.Class = "auth" }},

		// Item 8: the "authentication failed" wording is judged on failed
		// replies only; an ok reply where a failure is due is the
		// class's violation alone.
		{"ok reply for an auth failure", "SF-4", nil, strict, harness.Gateway, "R13",
			[]string{`gateway replied ok=true class=""`, "!must say authentication failed"},
			func(o *harness.Observation) {
				o.Outcome.Reply = &harness.Reply{ID: "r1", Session: "s1", OK: true, Reply: "hello"}
			}},

		// A malformed 200 is an other error: R5 for the primary.
		{"malformed 200 taken for a runtime", "MX-8", nil, strict, harness.Oneshot, "R5",
			[]string{"the start-up succeeded (started event); want it to fail"},
			func(o *harness.Observation) {
				o.Outcome.Events = append(o.Outcome.Events, harness.Event{Event: harness.EventStarted, Provider: "xai-oauth", Model: "grok-4.3", LandedAt: ptrTo(-1)})
			}},

		{"remaining entry handed on without its base URL", "MX-3", nil, strict, harness.Oneshot, "R14",
			[]string{"remaining[0] (anthropic)", `base_url ""; want "https://eu.anthropic.example/v1"`},
			func(o *harness.Observation) { (*startedOf(o).Remaining)[0].BaseURL = "" }},
	}
}

// TestCheckSaysWhichFieldDiffers runs the message rows.
func TestCheckSaysWhichFieldDiffers(t *testing.T) {
	for _, row := range messageRows() {
		t.Run(row.scenario+"/"+row.surface+"/"+row.name, func(t *testing.T) {
			sc := builtin(t, row.scenario, row.change)
			err := checkBroken(t, sc, row.profile, row.surface, row.mutate)
			if row.rule == "" {
				if err != nil {
					t.Fatalf("Check(%s/%s, %s) = \n%v\nwant nil", sc.ID, row.surface, row.name, err)
				}
				return
			}
			vs := harness.AsViolations(err)
			if diff := cmp.Diff([]string{row.rule}, vs.Rules()); diff != "" {
				t.Fatalf("Check(%s/%s, %s) cited the wrong rules (-want +got):\n%s\nviolations:\n%v", sc.ID, row.surface, row.name, diff, err)
			}
			for _, s := range row.says {
				if not, ok := strings.CutPrefix(s, "!"); ok {
					if strings.Contains(err.Error(), not) {
						t.Errorf("Check(%s/%s, %s) says %q, which it must not:\n%v", sc.ID, row.surface, row.name, not, err)
					}
					continue
				}
				if !strings.Contains(err.Error(), s) {
					t.Errorf("Check(%s/%s, %s) does not say %q:\n%v", sc.ID, row.surface, row.name, s, err)
				}
			}
		})
	}
}

// TestCheckHonestExtras: the honest outcome of every extra scenario passes
// on every surface under every profile, as TestCheckHonest shows for the
// nine.
func TestCheckHonestExtras(t *testing.T) {
	for _, sc := range scenarios.Extra() {
		for _, p := range resolver.Profiles() {
			want := mustPredict(t, sc, p, model.Options{})
			for _, surf := range harness.Surfaces {
				if err := model.Check(want, honestObservation(want, surf)); err != nil {
					t.Errorf("Check(%s/%s, profile %s, honest outcome) = \n%v\nwant nil", sc.ID, surf, p.Name, err)
				}
			}
		}
	}
}

// handoff makes the provider's first completion fail: the hand-off check.
func handoff(provider string) func(*harness.Scenario) {
	return func(s *harness.Scenario) { *s = s.WithHandoff(provider) }
}

// shorthandFirst writes the first chain entry as a "provider/model" string.
func shorthandFirst(s *harness.Scenario) {
	s.Config.FallbackProviders = slices.Clone(s.Config.FallbackProviders)
	s.Config.FallbackProviders[0].Shorthand = true
}

// modelLessThenB makes the chain [openrouter (no model), anthropic].
func modelLessThenB(s *harness.Scenario) {
	s.Config.FallbackProviders = []harness.ConfigEntry{
		{Entry: resolver.Entry{Provider: "openrouter"}},
		{Entry: resolver.Entry{Provider: "anthropic", Model: "claude-opus-4-7"}},
	}
}
