package reports_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/fallbackgate/fallbackgate/harness"
	"github.com/fallbackgate/fallbackgate/harness/gate"
	"github.com/fallbackgate/fallbackgate/reports"
)

// TestWriteExpectations: the expectations written from a run hold every
// unexpected failure (a rule per case) and parity divergence, keep the
// expectations the run was judged with that still hold, drop the stale
// ones, and read back with ParseExpectations; judged with them, the same
// run passes the gate.
func TestWriteExpectations(t *testing.T) {
	exp, err := reports.ParseExpectations("old.yaml", []byte(`known_failures:
  - {scenario: SF-8, surface: "*", rule: R7, reason: "issue 42"}
  - {scenario: SF-1, surface: oneshot, rule: R9, reason: "fixed since"}
`))
	if err != nil {
		t.Fatal(err)
	}
	r := reports.New(handReportWith(t, "R15"), exp)
	if r.OK() {
		t.Fatal("the run must fail: R15 is not known, SF-1's expectation is stale")
	}
	var b bytes.Buffer
	if err := reports.WriteExpectations(&b, r); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(b.String(), "# Known failures of subject hand (profile strict)") {
		t.Errorf("no header:\n%s", b.String())
	}
	got, err := reports.ParseExpectations("new.yaml", b.Bytes())
	if err != nil {
		t.Fatalf("the written file does not read back: %v\n%s", err, b.String())
	}
	type brief struct{ Scenario, Surface, Rule, Reason string }
	var briefs []brief
	for _, k := range got.Known {
		briefs = append(briefs, brief{k.Scenario, k.Surface, k.Rule, k.Reason})
	}
	want := []brief{
		{"SF-8", "*", "R7", "issue 42"},
		{"SF-8", "gateway", "R15", "seen with seed 1: no notice"},
		{"SF-8", "*", "parity", "seen with seed 1: SF-8: the surfaces decided differently (oneshot: failed: x; gateway: landed 0 on xai-oauth/grok-4.3)"},
	}
	if diff := cmp.Diff(want, briefs); diff != "" {
		t.Errorf("expectations (-want +got):\n%s\n%s", diff, b.String())
	}
	if again := reports.New(handReportWith(t, "R15"), got); !again.OK() {
		t.Errorf("judged with the written expectations, the run still fails: %+v", again.Gate)
	}
}

// handReportWith is handReport with the failing case also breaking rule.
func handReportWith(t *testing.T, rule string) *gate.Report {
	t.Helper()
	rep := handReport()
	for i := range rep.Results {
		if rep.Results[i].Status == harness.StatusFail {
			rep.Results[i].Violations = append(rep.Results[i].Violations, harness.Violation{Rule: rule, Message: "no notice"})
		}
	}
	return rep
}
