package reports_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/fallbackgate/fallbackgate/harness/mutation"
	"github.com/fallbackgate/fallbackgate/reports"
)

// handMutation is a mutation report built by hand: ignores-chain killed by
// a scenario case, reads-chain-twice killed by the drift stage and, when
// survivor is set, falls-back-on-rate-limit surviving every stage.
func handMutation(survivor bool) *mutation.Report {
	rep := &mutation.Report{Path: "in-process", Seed: 1, Stages: []string{"scenarios", "drift"},
		Results: []mutation.Fate{
			{Name: "ignores-chain", Bug: "walks a chain of its own", Breaks: "R9",
				Killed: &mutation.Kill{Stage: "scenarios", By: "SF-2/oneshot", Rule: "R9", Message: "landed on the wrong provider"}},
			{Name: "reads-chain-twice", Bug: "reads the chain again after the walk", Breaks: "R1",
				Killed: &mutation.Kill{Stage: "drift", By: "MX-1/oneshot", Rule: "R1", Message: "handed over the tail of the rewritten chain"}},
		}}
	if survivor {
		rep.Results = append(rep.Results, mutation.Fate{Name: "falls-back-on-rate-limit", Bug: "walks on past a 429", Breaks: "R7"})
	}
	return rep
}

// withMutation is the hand report with the mutation run attached.
func withMutation(survivor bool) *reports.Results {
	r := reports.New(handReport(), nil)
	r.SetMutation(handMutation(survivor))
	return r
}

// TestNoMutationNoMention checks that a run without a mutation self-test
// says nothing about one in any format.
func TestNoMutationNoMention(t *testing.T) {
	for name, out := range render(t, reports.New(handReport(), nil)) {
		for _, word := range []string{"mutation", "mutant"} {
			if strings.Contains(strings.ToLower(out), word) {
				t.Errorf("%s report of a run without --mutate mentions %q", name, word)
			}
		}
	}
}

// TestMutationScoreInEveryFormat checks that every format shows the score.
func TestMutationScoreInEveryFormat(t *testing.T) {
	r := withMutation(false)
	if m := r.Mutation; m.Killed != 2 || m.Total != 2 || m.Score != "mutation score: 2/2 (100%)" {
		t.Fatalf("mutation %+v; want 2 of 2 killed", m)
	}
	for name, out := range render(t, r) {
		if name == "junit" {
			// The strict schema has no room for text on a passing
			// testcase: the score is the mutation suite's counts.
			continue
		}
		if !strings.Contains(out, "mutation score: 2/2 (100%)") {
			t.Errorf("%s report lacks the mutation score:\n%s", name, out)
		}
		for _, want := range []string{"ignores-chain", "SF-2/oneshot", "reads-chain-twice", "MX-1/oneshot"} {
			if !strings.Contains(out, want) {
				t.Errorf("%s report lacks %q", name, want)
			}
		}
	}
}

func TestMutationJSONRoundTrip(t *testing.T) {
	r := withMutation(true)
	var b bytes.Buffer
	if err := reports.WriteJSON(&b, r); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"version": "fallbackgate/results/1"`, `"mutation": {`, `"killed": 2`, `"total": 3`, `"score": "mutation score: 2/3 (66%)"`,
		`"killed_by": "SF-2/oneshot"`, `"description": "walks on past a 429"`, `"rule": "R7"`} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("results.json lacks %s:\n%s", want, b.String())
		}
	}
	back, err := reports.ReadJSON("results.json", b.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(r, back, cmpopts.EquateEmpty(), cmpopts.EquateApproxTime(0)); diff != "" {
		t.Errorf("results changed through JSON (-wrote +read):\n%s", diff)
	}

	b.Reset()
	if err := reports.WriteJSON(&b, reports.New(handReport(), nil)); err != nil {
		t.Fatal(err)
	}
	if back, err := reports.ReadJSON("results.json", b.Bytes()); err != nil || back.Mutation != nil {
		t.Errorf("a run without --mutate read back with mutation %+v (err %v); want none", back.Mutation, err)
	}
}

// TestMutationTextBeforeSeed checks that the terminal report prints the
// score line before the seed and keeps the counts last.
func TestMutationTextBeforeSeed(t *testing.T) {
	var b bytes.Buffer
	if err := reports.WriteText(&b, withMutation(false), "reports written to out"); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(b.String()), "\n")
	n := len(lines)
	if got, want := lines[n-4:], []string{"mutation score: 2/2 (100%)", "reports written to out", "seed 1", "4 passed, 2 failed, 1 skipped"}; !cmp.Equal(got, want) {
		t.Errorf("last lines (-want +got):\n%s", cmp.Diff(want, got))
	}
}

// TestMutationSurvivor checks that a surviving mutant fails the gate, and
// that every format names the rule with no teeth; in JUnit it is a
// failure of the mutation suite.
func TestMutationSurvivor(t *testing.T) {
	r := withMutation(true)
	if r.OK() || r.Gate.Failed != 2 {
		t.Errorf("gate %+v with a survivor; want not OK, the case counts unchanged (2 failed)", r.Gate)
	}
	out := render(t, r)
	for name, want := range map[string]string{
		"text":     "survivor falls-back-on-rate-limit: walks on past a 429; rule R7 has no teeth",
		"markdown": "| falls-back-on-rate-limit | walks on past a 429 | ❌ **survived** | **R7** has no teeth |",
		"html":     `<span class="rule">R7</span> has no teeth`,
		"json":     `"name": "falls-back-on-rate-limit"`,
	} {
		if !strings.Contains(out[name], want) {
			t.Errorf("%s report lacks %q:\n%s", name, want, out[name])
		}
	}

	root := parseJUnit(t, []byte(out["junit"]))
	suites := root.children("testsuite")
	last := suites[len(suites)-1]
	if name, _ := last.attr("name"); name != "mutation" {
		t.Fatalf("last testsuite %q; want the mutation suite", name)
	}
	if errs := checkXUnitSchema(root); len(errs) > 0 {
		t.Errorf("the JUnit XML breaks the xUnit schema:\n%s", strings.Join(errs, "\n"))
	}
	if tests, _ := last.attr("tests"); tests != "3" {
		t.Errorf("mutation suite has %s tests; want one per mutant (3)", tests)
	}
	if failures, _ := last.attr("failures"); failures != "1" {
		t.Errorf("mutation suite has %s failures; want the survivor (1)", failures)
	}
	var failed []string
	for _, tc := range last.children("testcase") {
		for _, f := range tc.children("failure") {
			name, _ := tc.attr("name")
			typ, _ := f.attr("type")
			msg, _ := f.attr("message")
			failed = append(failed, name+" "+typ+": "+msg)
		}
	}
	want := []string{"mutant falls-back-on-rate-limit (R7) surviving-mutant: mutant falls-back-on-rate-limit survived every stage: rule R7 has no teeth"}
	if diff := cmp.Diff(want, failed); diff != "" {
		t.Errorf("mutation failures (-want +got):\n%s", diff)
	}
}

// TestMutationKilledIsNoJUnitFailure checks that killed mutants pass: the
// mutation suite's counts read as the score, 2 of 2.
func TestMutationKilledIsNoJUnitFailure(t *testing.T) {
	root := parseJUnit(t, junitOf(t, withMutation(false)))
	if errs := checkXUnitSchema(root); len(errs) > 0 {
		t.Errorf("the JUnit XML breaks the xUnit schema:\n%s", strings.Join(errs, "\n"))
	}
	want := map[string]string{"mutation/mutant ignores-chain (R9)": "success", "mutation/mutant reads-chain-twice (R1)": "success"}
	got := map[string]string{}
	for k, v := range gitlabStatuses(root) {
		if strings.HasPrefix(k, "mutation/") {
			got[k] = v
		}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("mutation statuses as GitLab reads them (-want +got):\n%s", diff)
	}
	suites := root.children("testsuite")
	last := suites[len(suites)-1]
	if name, _ := last.attr("name"); name != "mutation" {
		t.Fatalf("last testsuite %q; want the mutation suite", name)
	}
	if tests, _ := last.attr("tests"); tests != "2" {
		t.Errorf("mutation suite has %s tests; want 2", tests)
	}
	if failures, _ := last.attr("failures"); failures != "0" {
		t.Errorf("mutation suite has %s failures; want 0", failures)
	}
}
