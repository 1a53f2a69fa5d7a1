package reports_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/fallbackgate/fallbackgate/harness"
	"github.com/fallbackgate/fallbackgate/harness/gate"
	"github.com/fallbackgate/fallbackgate/harness/reference"
	"github.com/fallbackgate/fallbackgate/reports"
	"github.com/fallbackgate/fallbackgate/scenarios"
)

// mutantResults runs the scenarios ids in-process on the reference broken
// as the mutant name, and returns the results.
func mutantResults(t *testing.T, name string, ids ...string) *reports.Results {
	t.Helper()
	m, err := reference.MutantByName(name)
	if err != nil {
		t.Fatal(err)
	}
	sub := reference.Subject(name, m.Options)
	defer sub.Close()
	sel, err := scenarios.Select(ids)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := gate.Run(context.Background(), gate.Config{Subject: sub, Scenarios: sel, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	return reports.New(rep, nil)
}

// TestHeadlineNamesWhatDiffers: when a case lands where the model says but
// hands off another remaining chain, the headline of the terminal and the
// Markdown report and of the GitHub annotation names the remaining chain,
// not "expected landed 0 on X, observed landed 0 on X" (issue 12, item 8).
func TestHeadlineNamesWhatDiffers(t *testing.T) {
	r := mutantResults(t, "hands-whole-chain", "SF-2")
	out := render(t, r)
	var gh bytes.Buffer
	if err := reports.WriteGitHub(&gh, r); err != nil {
		t.Fatal(err)
	}
	out["github"] = gh.String()
	for _, f := range []string{"text", "markdown", "github"} {
		if strings.Contains(out[f], "observed landed 0 on openai-codex/gpt-5.5") {
			t.Errorf("%s: the headline reads expected and observed alike:\n%s", f, out[f])
		}
		want := "landed 0 on openai-codex/gpt-5.5 as expected, but the remaining chain is [openai-codex/gpt-5.5, anthropic/claude-opus-4-7]; want [anthropic/claude-opus-4-7]"
		if !strings.Contains(strings.ReplaceAll(out[f], `\`, ""), want) { // Markdown escapes brackets
			t.Errorf("%s does not say %q:\n%s", f, want, out[f])
		}
	}
}

// TestHeadline: the rules of the headline, case by case.
func TestHeadline(t *testing.T) {
	zero, one := -1, 0
	for _, tc := range []struct {
		want, got harness.Summary
		says      string
	}{
		{harness.Summary{Landed: &one, Provider: "a", Model: "m", Remaining: []string{"b"}}, harness.Summary{Error: "a code"},
			"expected landed 0 on a/m, observed failed: a code"},
		{harness.Summary{Landed: &zero, Provider: "a", Model: "m"}, harness.Summary{Landed: &zero, Provider: "a", Model: "m", Exit: 1},
			"landed -1 on a/m as expected, but it exited 1; want 0"},
		{harness.Summary{Landed: &zero, Provider: "a", Model: "m"}, harness.Summary{Landed: &zero, Provider: "a", Model: "m", Exit: -1},
			"landed -1 on a/m as expected; the violations say what differs"},
	} {
		if got := harness.Headline(tc.want, tc.got); got != tc.says {
			t.Errorf("Headline(%v, %v) = %q; want %q", tc.want, tc.got, got, tc.says)
		}
	}
}

// TestParityClaimNeedsEveryDecision: "every scenario reached the same
// decision on every surface" is printed only when every case reached a
// decision; a gateway that died on SF-4 reached none, and the line says so.
func TestParityClaimNeedsEveryDecision(t *testing.T) {
	r := mutantResults(t, "gateway-dies-on-failure", "SF-4")
	var b bytes.Buffer
	if err := reports.WriteText(&b, r); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(b.String(), "every scenario reached the same decision") {
		t.Errorf("parity claims agreement although SF-4/gateway reached no decision:\n%s", b.String())
	}
	if want := "parity: the surfaces that reached a decision agree; 1 case(s) reached none: SF-4/gateway"; !strings.Contains(b.String(), want) {
		t.Errorf("text report lacks %q:\n%s", want, b.String())
	}
	out := render(t, mutantResults(t, "no-fallback-event", "SF-1"))
	if !strings.Contains(out["text"], "parity: every scenario reached the same decision on every surface") {
		t.Errorf("every surface decided, but the text does not say they agree:\n%s", out["text"])
	}
}
