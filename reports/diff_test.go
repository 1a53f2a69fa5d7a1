package reports_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/fallbackgate/fallbackgate/harness"
	"github.com/fallbackgate/fallbackgate/reports"
)

func TestDiff(t *testing.T) {
	old := handReport()
	new := handReport()
	// SF-1/oneshot regresses, SF-8/gateway is fixed, SF-1/cli breaks a new
	// rule on top of an old one.
	new.Results[0].Status = harness.StatusFail
	new.Results[0].Violations = harness.Violations{{Rule: "R9", Message: "x"}}
	new.Results[4].Status, new.Results[4].Violations = harness.StatusPass, nil
	old.Results[2].Status, old.Results[2].Violations = harness.StatusFail, harness.Violations{{Rule: "R14", Message: "y"}}
	new.Results[2].Status, new.Results[2].Violations = harness.StatusFail, harness.Violations{{Rule: "R14", Message: "y"}, {Rule: "R15", Message: "z"}}
	new.Parity = nil
	ch := reports.Diff(reports.New(old, nil), reports.New(new, nil))
	ids := func(cs []reports.Change) string {
		var out []string
		for _, c := range cs {
			out = append(out, c.ID+": "+c.Why)
		}
		return strings.Join(out, "; ")
	}
	if got, want := ids(ch.Regressions), "SF-1/oneshot: newly failing; SF-1/cli: now also breaks R15"; got != want {
		t.Errorf("regressions %q; want %q", got, want)
	}
	if got, want := ids(ch.Fixes), "SF-8/gateway: fixed; parity SF-8: fixed"; got != want {
		t.Errorf("fixes %q; want %q", got, want)
	}
	var b bytes.Buffer
	if err := reports.WriteDiff(&b, ch); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Regressions (2):", "SF-1/oneshot", "pass -> FAIL R9", "reproduce: fallbackgate run --scenario SF-1 --surface oneshot", "Fixes (2):", "2 regression(s), 2 fix(es)"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("diff output lacks %q:\n%s", want, b.String())
		}
	}
	if same := reports.Diff(reports.New(old, nil), reports.New(old, nil)); len(same.Regressions)+len(same.Fixes) != 0 {
		t.Errorf("a run differs from itself: %+v", same)
	}
}
