package gatetest

import (
	"fmt"
	"slices"
	"strings"

	"github.com/onsi/gomega/types"

	"github.com/fallbackgate/fallbackgate/harness"
	"github.com/fallbackgate/fallbackgate/reports"
)

// HaveViolated succeeds when a case broke rule (e.g. "R7", "parity",
// "protocol"): actual is a harness.Result (or a pointer to one), a
// reports.Judgement or reports.CaseResult, harness.Violations, or the
// error model.Check returns.
//
//	Expect(result).To(gatetest.HaveViolated("R7"))
func HaveViolated(rule string) types.GomegaMatcher { return violated{rule: rule} }

type violated struct{ rule string }

func (m violated) Match(actual any) (bool, error) {
	vs, err := violationsOf(actual)
	if err != nil {
		return false, err
	}
	return slices.Contains(vs.Rules(), m.rule), nil
}

func (m violated) FailureMessage(actual any) string {
	return fmt.Sprintf("Expected a violation of %s, got %s", m.rule, describe(actual))
}

func (m violated) NegatedFailureMessage(actual any) string {
	return fmt.Sprintf("Expected no violation of %s, got %s", m.rule, describe(actual))
}

// violationsOf returns the violations of what HaveViolated matches.
func violationsOf(actual any) (harness.Violations, error) {
	switch a := actual.(type) {
	case harness.Result:
		return a.Violations, nil
	case *harness.Result:
		if a != nil {
			return a.Violations, nil
		}
	case reports.Judgement:
		return a.Violations, nil
	case reports.CaseResult:
		return a.Violations, nil
	case *reports.CaseResult:
		if a != nil {
			return a.Violations, nil
		}
	case harness.Violations:
		return a, nil
	case []harness.Violation:
		return a, nil
	case nil:
		return nil, nil // model.Check's nil: no violation
	case error:
		if vs := harness.AsViolations(a); vs != nil {
			return vs, nil
		}
	}
	return nil, fmt.Errorf("HaveViolated matches a harness.Result, a reports.Judgement or CaseResult, harness.Violations or the error of model.Check; got %T", actual)
}

// describe names what actual violated.
func describe(actual any) string {
	vs, err := violationsOf(actual)
	if err != nil {
		return fmt.Sprintf("%T", actual)
	}
	if len(vs) == 0 {
		return "no violation"
	}
	lines := make([]string, len(vs))
	for i, v := range vs {
		lines[i] = "  " + v.String()
	}
	head := ""
	if r, ok := actual.(harness.Result); ok {
		head = r.Scenario + "/" + r.Surface + " "
	}
	return head + "violations:\n" + strings.Join(lines, "\n")
}
