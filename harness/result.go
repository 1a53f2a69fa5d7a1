package harness

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/fallbackgate/fallbackgate/fakes"
	"github.com/fallbackgate/fallbackgate/resolver"
)

// Status is what a case, a stage or a whole run means for the gate: the one
// status vocabulary of every stage and every report.
type Status string

// The statuses.
const (
	// StatusPass: it conforms.
	StatusPass Status = "pass"
	// StatusFail: it broke a rule. It fails the gate.
	StatusFail Status = "fail"
	// StatusKnown: it failed, and every rule it broke is a known failure
	// of an expectations file. It does not fail the gate.
	StatusKnown Status = "known-failure"
	// StatusStale: it conforms, but an expectations file says it fails;
	// the expectation is out of date, which fails the gate until it is
	// removed.
	StatusStale Status = "stale"
	// StatusNotImplemented: the subject has no such surface, or the case
	// does not apply to it.
	StatusNotImplemented Status = "n/a"
)

// Result is the judgement of one case, one scenario on one surface, by
// every stage: the gate, properties, chaos, mutation and the incident
// replay. What a report writes of it is the report's business (package
// reports owns the results schema).
type Result struct {
	Scenario     string
	ScenarioName string
	Surface      string
	Subject      string
	Profile      string
	// Seed seeded the case's fakes.
	Seed       int64
	Status     Status
	Violations Violations
	// Handoff is set when the case checked the runtime hand-off end to end
	// (the landed provider's first completion failed).
	Handoff bool
	// Expected is the model's decision; Observed the surface's.
	Expected, Observed Summary
	// Trace is the model's decision trace, a line per attempt.
	Trace []string
	// Outcome is what the surface did, redacted.
	Outcome Outcome
	// Ledger is every request the case's fakes received.
	Ledger []fakes.Call
	// Repro is the command that runs the case again.
	Repro    string
	Duration time.Duration

	// Source is the scenario's file (harness.Scenario.Source), e.g.
	// "scenarios/files/SF-8.yaml"; empty for a generated case.
	Source string
}

// Failed reports whether the case broke the contract.
func (r Result) Failed() bool { return r.Status == StatusFail }

// KnownFunc says whether breaking rule on surface is a known, accepted
// failure (an expectations file, --expect).
type KnownFunc func(surface, rule string) bool

// ApplyKnown marks a failed result whose every violation known accepts as
// a known failure (StatusKnown) and reports whether it did. A result with
// one violation known does not accept stays failed, every violation kept.
func (r *Result) ApplyKnown(known KnownFunc) bool {
	if known == nil || !r.Failed() {
		return false
	}
	for _, v := range r.Violations {
		if !known(r.Surface, v.Rule) {
			return false
		}
	}
	r.Status = StatusKnown
	return true
}

// Summary is a decision in a few words: where a start-up landed, or the
// error it surfaced. Parity compares them across surfaces.
//
// Its JSON form is shared by every file that records a decision
// (results.json, a chaos history).
type Summary struct {
	Landed    *int     `json:"landed,omitempty"`
	Provider  string   `json:"provider,omitempty"`
	Model     string   `json:"model,omitempty"`
	Remaining []string `json:"remaining,omitempty"`
	// Error is "provider code" of the surfaced error, or "other: message".
	Error string `json:"error,omitempty"`
	Exit  int    `json:"exit"`
}

// String reads "landed 0 on openai-codex/gpt-5.5" or "failed: anthropic
// anthropic_not_logged_in".
func (s Summary) String() string {
	if s.Landed != nil {
		return fmt.Sprintf("landed %d on %s/%s", *s.Landed, s.Provider, s.Model)
	}
	if s.Error != "" {
		return "failed: " + s.Error
	}
	return "no decision"
}

// Decision is what parity compares: where it landed, with the remaining
// chain, or what it surfaced.
func (s Summary) Decision() string {
	if s.Landed != nil {
		return fmt.Sprintf("landed %d on %s/%s with remaining [%s]", *s.Landed, s.Provider, s.Model, strings.Join(s.Remaining, ", "))
	}
	return "failed: " + s.Error
}

// Headline compares the model's summary with the surface's in a few words
// and names what differs: "expected landed 0 on openai-codex/gpt-5.5,
// observed failed: ..." when the decisions differ; when they match, the
// field that does not ("landed -1 on xai-oauth/grok-4.3 as expected, but
// the remaining chain is [...]; want [...]"), or, when no field of the
// summaries differs, that the violations say what does.
func Headline(want, got Summary) string {
	if want.String() != got.String() {
		return fmt.Sprintf("expected %s, observed %s", want, got)
	}
	var diffs []string
	if !slices.Equal(want.Remaining, got.Remaining) {
		diffs = append(diffs, fmt.Sprintf("the remaining chain is [%s]; want [%s]", strings.Join(got.Remaining, ", "), strings.Join(want.Remaining, ", ")))
	}
	if want.Exit != got.Exit && got.Exit >= 0 {
		diffs = append(diffs, fmt.Sprintf("it exited %d; want %d", got.Exit, want.Exit))
	}
	if len(diffs) == 0 {
		return want.String() + " as expected; the violations say what differs"
	}
	return want.String() + " as expected, but " + strings.Join(diffs, ", and ")
}

// ExpectedSummary is the model's expectation in a few words.
func ExpectedSummary(w Expected) Summary {
	if w.BadUsage {
		return Summary{Error: "usage: " + ErrProviderWithoutModel.Error(), Exit: w.Exit}
	}
	if w.Err != nil {
		return Summary{Error: errorSummary(w.Err), Exit: w.Exit}
	}
	landing := w.Decision.Landing(w.Request)
	return Summary{Landed: &w.Decision.Landed, Provider: landing.Provider, Model: w.Decision.Model,
		Remaining: ChainStrings(w.Decision.Remaining), Exit: 0}
}

// errorSummary reads a surfaced error as "provider code" for an AuthError
// and "other: message" for the rest.
func errorSummary(err error) string {
	var ae *resolver.AuthError
	if errors.As(err, &ae) {
		return ae.Provider + " " + ae.Code
	}
	return "other: " + err.Error()
}

// ObservedSummary is what a surface's events say it decided.
func ObservedSummary(o Outcome) Summary {
	s := Summary{Exit: o.ExitCode}
	for _, ev := range o.Events {
		switch ev.Event {
		case EventStarted:
			s.Landed, s.Provider, s.Model, s.Remaining = ev.LandedAt, ev.Provider, ev.Model, ev.RemainingStrings()
		case EventFailed:
			if ev.Error.Type == "auth" {
				s.Error = ev.Error.Provider + " " + ev.Error.Code
			} else {
				s.Error = "other: " + ev.Error.Message
			}
		}
	}
	return s
}
