package harness

import (
	"errors"
	"slices"
	"strings"
)

// Violation is one way an outcome broke the contract, citing its rule.
type Violation struct {
	// Rule is the rule broken, e.g. "R13", or "parity" for a divergence
	// between surfaces and "protocol" for a malformed stream.
	Rule    string `json:"rule"`
	Message string `json:"message"`
}

// String reads "R13: surfaced error came from ...".
func (v Violation) String() string { return v.Rule + ": " + v.Message }

// Violations is every violation of one case; as an error it lists them one
// per line.
type Violations []Violation

func (vs Violations) Error() string {
	lines := make([]string, len(vs))
	for i, v := range vs {
		lines[i] = v.String()
	}
	return strings.Join(lines, "\n")
}

// Rules returns the distinct rules cited, in order of first citation.
func (vs Violations) Rules() []string {
	var out []string
	for _, v := range vs {
		if !slices.Contains(out, v.Rule) {
			out = append(out, v.Rule)
		}
	}
	return out
}

// AsViolations returns the violations in err, or nil when err is nil or
// not a Violations.
func AsViolations(err error) Violations {
	var vs Violations
	if errors.As(err, &vs) {
		return vs
	}
	return nil
}
