package reports_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/fallbackgate/fallbackgate/fakes"
	"github.com/fallbackgate/fallbackgate/harness"
	"github.com/fallbackgate/fallbackgate/harness/chaos"
	"github.com/fallbackgate/fallbackgate/harness/prop"
	"github.com/fallbackgate/fallbackgate/reports"
)

func TestGroupProblems(t *testing.T) {
	r7 := harness.Violation{Rule: "R7", Message: "quota amplification"}
	r15 := harness.Violation{Rule: "R15", Message: "1 fallback event(s) for a start-up that failed"}
	vacuous := harness.Violation{Rule: chaos.RuleVacuous, Message: "no provider call met a fault; the run injected nothing"}
	got := reports.GroupProblems([]chaos.Problem{
		{Startup: "t1/s0", Violation: r7},
		{Startup: "t1/s1", Violation: r7},
		{Startup: "t1/s1", Violation: r15},
		{Startup: "t1/s1", Violation: r15},
		{Startup: "t12/s3", Violation: r7},
		{Violation: vacuous},
	})
	want := []reports.ChaosProblem{
		{Violation: r7, Startups: []string{"t1/s0", "t1/s1", "t12/s3"}},
		{Violation: r15, Startups: []string{"t1/s1"}},
		{Violation: vacuous},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("GroupProblems (-want +got):\n%s", diff)
	}
}

func TestShortList(t *testing.T) {
	ids := []string{"a", "b", "c", "d", "e", "f", "g", "h", "i"}
	for _, tt := range []struct {
		ids  []string
		want string
	}{
		{ids, "a, b, c, d, e, f, … (2 more) …, i"},
		{ids[:7], "a, b, c, d, e, f, g"},
		{nil, ""},
	} {
		if got := reports.ShortList(tt.ids, 6); got != tt.want {
			t.Errorf("ShortList(%q) = %q; want %q", tt.ids, got, tt.want)
		}
	}
}

// stagesText renders the text report of a passing hand-made run with the
// given stages.
func stagesText(t *testing.T, p *reports.Properties, c *reports.Chaos) string {
	t.Helper()
	r := reports.New(handReport(), nil)
	r.SetProperties(p)
	r.SetChaos(c)
	var b strings.Builder
	if err := reports.WriteText(&b, r); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func TestStagesText(t *testing.T) {
	classes := map[string]int{"fell back": 9, "pinned": 28, "rate-limited": 12, "exhausted": 5}
	passing := stagesText(t,
		&reports.Properties{Surfaces: []string{"oneshot", "gateway"}, Checks: 100, Cases: 100, Classes: classes, Repro: "fallbackgate prop --seed 1"},
		&reports.Chaos{Surface: "gateway", Sessions: 8, Turns: 20, Startups: 160, Faults: map[string]int{"rate_limit": 3, "auth": 55}, History: "out/chaos.jsonl"})
	for _, want := range []string{
		"\nproperties (100 checks on oneshot,gateway): 100 cases passed; fell back 9, pinned 28, rate-limited 12, exhausted 5\n",
		"\nchaos (gateway, 8 sessions × 20 turns): 160 start-ups passed; faults met: auth 55, rate_limit 3; history out/chaos.jsonl\n",
	} {
		if !strings.Contains(passing, want) {
			t.Errorf("passing stages: output lacks %q:\n%s", want, passing)
		}
	}

	res := reports.NewJudgement(harness.Result{Surface: "oneshot", Status: harness.StatusFail,
		Violations: harness.Violations{{Rule: "R7", Message: "quota amplification: 1 request(s) to openai-codex after the primary's 429; want none"}},
		Ledger:     []fakes.Call{{Seq: 1, Provider: "openrouter", Endpoint: "resolve", Status: 429, Served: fakes.ServedRateLimit, Code: "codex_rate_limited"}},
		Repro:      "fallbackgate run --scenario-file ce/prop-1.yaml --surface oneshot --seed 4"})
	failing := stagesText(t,
		&reports.Properties{Surfaces: []string{"oneshot"}, Checks: 100, Cases: 20, Classes: classes, Repro: "fallbackgate prop --surface oneshot --checks 100 --seed 4",
			Failure: &reports.PropertyFailure{Rules: []string{"R7"}, Scenario: "id: prop-1\nrules: [R7]\n", Saved: "ce/prop-1.yaml", Results: []reports.Judgement{res}}},
		&reports.Chaos{Surface: "gateway", Sessions: 8, Turns: 20, Startups: 160, Failed: 4, Faults: map[string]int{"auth": 6},
			Problems: []reports.ChaosProblem{{Violation: harness.Violation{Rule: "R7", Message: "quota amplification"}, Startups: []string{"t5/s1", "t5/s2"}}},
			History:  "out/chaos.jsonl", Counterexample: "ce/prop-2.yaml", Repro: "fallbackgate chaos --seed 4"})
	for _, want := range []string{
		"\nproperties (100 checks on oneshot): FAIL R7 after 20 case(s); shrunk counterexample, saved as ce/prop-1.yaml:\n\n    id: prop-1\n    rules: [R7]\n",
		"  oneshot:\n    R7: quota amplification: 1 request(s) to openai-codex after the primary's 429; want none\n    ledger:\n      #1 +0s openrouter resolve model=- 429 rate_limit codex_rate_limited\n    reproduce: fallbackgate run --scenario-file ce/prop-1.yaml --surface oneshot --seed 4\n",
		"  reproduce the search: fallbackgate prop --surface oneshot --checks 100 --seed 4\n",
		"\nchaos (gateway, 8 sessions × 20 turns): FAIL: 4 of 160 start-ups, 1 distinct problem(s):\n    R7: quota amplification\n        2 start-up(s): t5/s1, t5/s2\n",
		"  first failing start-up saved as ce/prop-2.yaml\n  history: out/chaos.jsonl (re-check: fallbackgate check out/chaos.jsonl)\n  reproduce: fallbackgate chaos --seed 4\n",
	} {
		if !strings.Contains(failing, want) {
			t.Errorf("failing stages: output lacks %q:\n%s", want, failing)
		}
	}
	// Each failing stage is one failure of the gate.
	base := reports.New(handReport(), nil).Gate.Failed
	if want := fmt.Sprintf(", %d failed", base+2); !strings.Contains(failing, want) {
		t.Errorf("the counts do not include the two failing stages (want %q):\n%s", want, failing)
	}

	vacuous := stagesText(t, &reports.Properties{Surfaces: []string{"gateway"}, Checks: 1, Cases: 1, Classes: map[string]int{"pinned": 1},
		Vacuous: "vacuous run: no generated case fell back", Repro: "fallbackgate prop --checks 1"}, nil)
	if want := "properties (1 checks on gateway): FAIL: 1 cases passed, but vacuous run: no generated case fell back"; !strings.Contains(vacuous, want) {
		t.Errorf("vacuous stage: output lacks %q:\n%s", want, vacuous)
	}
}

// TestNewPropertiesReplay: each failing result of a counterexample
// reproduces with the replay of the saved file; one that was not saved
// says so instead of keeping the generated case's own command, which
// names no scenario the command line knows.
func TestNewPropertiesReplay(t *testing.T) {
	fail := harness.Result{Surface: harness.Gateway, Status: harness.StatusFail, Repro: "fallbackgate run --scenario gen --surface gateway --seed 1",
		Violations: harness.Violations{{Rule: "R7", Message: "quota amplification"}}}
	rep := func(saved string) *prop.Report {
		return &prop.Report{Seed: 1, Cases: 3, Counts: prop.Counts{},
			Failure: &prop.Failure{Saved: saved, Outcome: prop.CaseOutcome{Results: []harness.Result{fail}}}}
	}
	replay := func(saved, surface string) string {
		return "fallbackgate run --scenario-file " + saved + " --surface " + surface + " --seed 1"
	}
	for _, tt := range []struct{ saved, want string }{
		{"ce/p.yaml", "fallbackgate run --scenario-file ce/p.yaml --surface gateway --seed 1"},
		{"", "(the counterexample was not saved: repeat the search)"},
	} {
		p := reports.NewProperties(rep(tt.saved), []string{harness.Gateway}, 3, "fallbackgate prop --seed 1", replay)
		if got := p.Failure.Results[0].Repro; got != tt.want {
			t.Errorf("saved %q: repro %q; want %q", tt.saved, got, tt.want)
		}
	}
}
