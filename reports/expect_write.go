package reports

import (
	"bytes"
	"fmt"
	"io"
	"slices"

	"go.yaml.in/yaml/v3"

	"github.com/fallbackgate/fallbackgate/harness"
)

// ExpectationsFrom returns the known failures that make r's failures
// expected, for adopting the gate on a subject that does not conform yet:
// every expectation r was judged with that still holds (met, or about
// cases that did not run), then one per rule of each unexpected failure
// (scenario, surface, rule) and one per parity divergence, with a reason
// that quotes what the run saw. Stale expectations are left out: those
// cases pass now.
func ExpectationsFrom(r *Results) []KnownFailure {
	var out []KnownFailure
	add := func(e KnownFailure) {
		e.Line = 0
		if !slices.ContainsFunc(out, func(o KnownFailure) bool {
			return o.Scenario == e.Scenario && o.Surface == e.Surface && o.Rule == e.Rule
		}) {
			out = append(out, e)
		}
	}
	for _, e := range r.Expectations {
		if e.Status != ExpectationStale {
			add(e.KnownFailure)
		}
	}
	for _, c := range r.Cases {
		if c.Status != harness.StatusFail {
			continue
		}
		for _, rule := range c.Unexpected {
			i := slices.IndexFunc(c.Violations, func(v harness.Violation) bool { return v.Rule == rule })
			add(KnownFailure{Scenario: c.Scenario, Surface: c.Surface, Rule: rule, Reason: seenReason(r, c.Violations[i].Message)})
		}
	}
	for _, p := range r.Parity {
		if p.Status == harness.StatusFail {
			add(KnownFailure{Scenario: p.Scenario, Surface: AnySurface, Rule: RuleParity, Reason: seenReason(r, p.Message)})
		}
	}
	return out
}

// seenReason is the reason of a generated expectation: what the run saw.
func seenReason(r *Results, message string) string {
	return fmt.Sprintf("seen with seed %d: %s", r.Seed, clipMiddle(message, 160))
}

// WriteExpectations writes ExpectationsFrom(r) as an expectations file
// (the format of --expect, which LoadExpectations reads), with a header
// that says where it came from and what it cannot hold: a surface that
// could not be started, a failing property or chaos stage, a shutdown.
func WriteExpectations(w io.Writer, r *Results) error {
	var b bytes.Buffer
	fmt.Fprintf(&b, "# Known failures of subject %s (profile %s), written by fallbackgate run --write-expect\n", r.Subject, r.Profile)
	fmt.Fprintf(&b, "# from the run with seed %d. Pass it to run --expect: the run then fails only on a new\n", r.Seed)
	b.WriteString("# failure or on an expectation that no longer fails. Replace each reason with a link to its issue.\n")
	var left []string
	if len(r.NotStarted) > 0 {
		left = append(left, "surfaces that could not be started")
	}
	if r.Shutdown != "" {
		left = append(left, "the subject's shutdown")
	}
	if p := r.Properties; p != nil && !p.OK() {
		left = append(left, "the property stage")
	}
	if c := r.Chaos; c != nil && !c.OK() {
		left = append(left, "the chaos stage")
	}
	if len(left) > 0 {
		fmt.Fprintf(&b, "# Not listed (an expectation is a scenario, surface and rule): %s.\n", joinAnd(left))
	}
	file := struct {
		KnownFailures []KnownFailure `yaml:"known_failures"`
	}{KnownFailures: ExpectationsFrom(r)}
	if file.KnownFailures == nil {
		file.KnownFailures = []KnownFailure{}
	}
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(file); err != nil {
		return err
	}
	if err := enc.Close(); err != nil {
		return err
	}
	_, err := w.Write(redactBytes(b.Bytes()))
	return err
}

// joinAnd joins "a", "b" and "c" as "a, b and c".
func joinAnd(s []string) string {
	if len(s) < 2 {
		return fmt.Sprint(s[0])
	}
	out := ""
	for i, x := range s {
		switch {
		case i == 0:
			out = x
		case i == len(s)-1:
			out += " and " + x
		default:
			out += ", " + x
		}
	}
	return out
}
