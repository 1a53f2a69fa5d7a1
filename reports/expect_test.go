package reports_test

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/fallbackgate/fallbackgate/harness"
	"github.com/fallbackgate/fallbackgate/reports"
)

func TestParseExpectationsErrorsNameFileLineFieldValue(t *testing.T) {
	tests := []struct {
		name, yaml string
		want       []string
	}{
		{"unknown key", "known_failures:\n  - {scenario: SF-8, surface: cli, rule: R7, reason: x, note: y}\n", []string{"expect.yaml", "line 2", "note"}},
		{"bad surface", "known_failures:\n  - scenario: SF-8\n    surface: gatway\n    rule: R7\n    reason: x\n", []string{"expect.yaml:2", "known_failures[0].surface", `"gatway"`, "unknown surface"}},
		{"bad rule", "known_failures:\n  - {scenario: SF-8, surface: cli, rule: R-7, reason: x}\n", []string{"expect.yaml:2", "rule", `"R-7"`}},
		{"no reason", "known_failures:\n  - {scenario: SF-8, surface: cli, rule: R7}\n", []string{"reason: missing"}},
		{"no surface", "known_failures:\n  - {scenario: SF-8, rule: R7, reason: x}\n", []string{"surface: missing"}},
		{"parity on a surface", "known_failures:\n  - {scenario: SF-8, surface: cli, rule: parity, reason: x}\n", []string{"parity failure is across surfaces"}},
		{"twice", "known_failures:\n  - {scenario: SF-8, surface: cli, rule: R7, reason: x}\n  - {scenario: SF-8, surface: cli, rule: R7, reason: y}\n", []string{"expect.yaml:3", "listed twice", "line 2"}},
		{"empty", "", []string{"expect.yaml: empty"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := reports.ParseExpectations("expect.yaml", []byte(tt.yaml))
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
}

// TestExpectations judges the broken subject's run (SF-8 fails R7 and R15
// on every surface; SF-1 passes) under several expectations files.
func TestExpectations(t *testing.T) {
	type caseWant struct {
		id     string
		status harness.Status
	}
	tests := []struct {
		name  string
		yaml  string
		cases []caseWant
		exps  []string // statuses of the expectations, in order
		ok    bool
	}{
		{
			name:  "no expectations",
			yaml:  "known_failures: []\n",
			cases: []caseWant{{"SF-8/gateway", harness.StatusFail}, {"SF-1/cli", harness.StatusPass}},
		},
		{
			name:  "every rule known on one surface",
			yaml:  "known_failures:\n  - {scenario: SF-8, surface: gateway, rule: R7, reason: a}\n  - {scenario: SF-8, surface: gateway, rule: R15, reason: b}\n",
			cases: []caseWant{{"SF-8/gateway", harness.StatusKnown}, {"SF-8/cli", harness.StatusFail}},
			exps:  []string{reports.ExpectationMet, reports.ExpectationMet},
		},
		{
			name:  "a rule not known",
			yaml:  "known_failures:\n  - {scenario: SF-8, surface: '*', rule: R7, reason: a}\n",
			cases: []caseWant{{"SF-8/oneshot", harness.StatusFail}, {"SF-8/cli", harness.StatusFail}},
			exps:  []string{reports.ExpectationMet},
		},
		{
			name:  "stale on one surface",
			yaml:  "known_failures:\n  - {scenario: SF-1, surface: cli, rule: R9, reason: fixed since}\n",
			cases: []caseWant{{"SF-1/cli", harness.StatusStale}, {"SF-1/oneshot", harness.StatusPass}},
			exps:  []string{reports.ExpectationStale},
		},
		{
			name:  "a scenario that did not run",
			yaml:  "known_failures:\n  - {scenario: SF-42, surface: cli, rule: R9, reason: elsewhere}\n",
			cases: []caseWant{{"SF-1/cli", harness.StatusPass}},
			exps:  []string{reports.ExpectationNotRun},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			exp, err := reports.ParseExpectations("expect.yaml", []byte(tt.yaml))
			if err != nil {
				t.Fatal(err)
			}
			r := broken(t, exp)
			got := map[string]harness.Status{}
			for _, c := range r.Cases {
				got[c.ID()] = c.Status
			}
			for _, w := range tt.cases {
				if got[w.id] != w.status {
					t.Errorf("%s is %q; want %q", w.id, got[w.id], w.status)
				}
			}
			var statuses []string
			for _, e := range r.Expectations {
				statuses = append(statuses, e.Status)
			}
			if diff := cmp.Diff(tt.exps, statuses); diff != "" {
				t.Errorf("expectation statuses (-want +got):\n%s", diff)
			}
			if r.OK() {
				t.Errorf("gate OK; the broken subject has unexpected failures")
			}
		})
	}
}

// TestExpectationsMakeTheGatePass lists every failure of the broken run
// as known: the gate passes; remove one and it fails; add one for a
// passing case and it fails as stale.
func TestExpectationsMakeTheGatePass(t *testing.T) {
	r := broken(t, nil)
	var lines []string
	for _, c := range r.Cases {
		for _, rule := range c.Violations.Rules() {
			lines = append(lines, "  - {scenario: "+c.Scenario+", surface: "+c.Surface+", rule: "+rule+", reason: known}")
		}
	}
	all := "known_failures:\n" + strings.Join(lines, "\n") + "\n"
	judge := func(yaml string) *reports.Results {
		exp, err := reports.ParseExpectations("expect.yaml", []byte(yaml))
		if err != nil {
			t.Fatal(err)
		}
		return broken(t, exp)
	}
	if g := judge(all).Gate; !g.OK || g.Known != r.Gate.Failed || g.Failed != 0 {
		t.Errorf("every failure known: gate %+v; want OK with %d known", g, r.Gate.Failed)
	}
	if g := judge("known_failures:\n" + strings.Join(lines[1:], "\n") + "\n").Gate; g.OK || g.Failed != 1 {
		t.Errorf("one failure not known: gate %+v; want 1 failed", g)
	}
	if g := judge(all + "  - {scenario: SF-1, surface: oneshot, rule: R4, reason: old}\n").Gate; g.OK || g.Stale != 1 || g.Failed != 0 {
		t.Errorf("one stale expectation: gate %+v; want 1 stale", g)
	}
}

func TestParityExpectation(t *testing.T) {
	exp, err := reports.ParseExpectations("e.yaml", []byte("known_failures:\n  - {scenario: SF-8, rule: parity, reason: gateway differs}\n  - {scenario: SF-8, surface: gateway, rule: R7, reason: x}\n"))
	if err != nil {
		t.Fatal(err)
	}
	r := reports.New(handReport(), exp)
	if len(r.Parity) != 1 || r.Parity[0].Status != harness.StatusKnown {
		t.Fatalf("parity %+v; want one known failure", r.Parity)
	}
	if !r.OK() {
		t.Errorf("gate %+v; want OK: the only failures are known", r.Gate)
	}
}
