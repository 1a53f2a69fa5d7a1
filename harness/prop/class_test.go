package prop_test

import (
	"context"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/fallbackgate/fallbackgate/harness"
	"github.com/fallbackgate/fallbackgate/harness/prop"
)

// TestClassOf: a failing result's class is its surface and the rules it
// broke, in contract order, without the rules known accepts; a result that
// did not fail has none.
func TestClassOf(t *testing.T) {
	r := harness.Result{Surface: harness.Gateway, Status: harness.StatusFail, Violations: harness.Violations{
		{Rule: "R15"}, {Rule: "usage"}, {Rule: "R7"}, {Rule: "R15"}, {Rule: "R10"}}}
	c, ok := prop.ClassOf(r, nil)
	if want := (prop.Class{Surface: harness.Gateway, Rules: []string{"R7", "R10", "R15", "usage"}}); !ok || !cmp.Equal(c, want) {
		t.Errorf("ClassOf = %v, %t; want %v", c, ok, want)
	}
	if got := c.String(); got != "gateway R7,R10,R15,usage" {
		t.Errorf("String() = %q", got)
	}
	c, _ = prop.ClassOf(r, func(_, rule string) bool { return rule == "R15" })
	if !cmp.Equal(c.Rules, []string{"R7", "R10", "usage"}) {
		t.Errorf("with R15 known, the class's rules are %v; want R7, R10, usage", c.Rules)
	}
	r.Status = harness.StatusKnown
	if _, ok := prop.ClassOf(r, nil); ok {
		t.Error("a known failure has a class")
	}
}

// TestRunCollectsDistinctClasses: with MaxFailures above the number of
// classes a mutant shows, a run goes through every case, meets classes
// more than once, and keeps each once; every counterexample still fails
// with the class it was shrunk for, and stands for every class its results
// show that the run met.
func TestRunCollectsDistinctClasses(t *testing.T) {
	var log strings.Builder
	rep, err := prop.Run(context.Background(), prop.Config{Target: inProcess("mutant", mutant("falls-back-on-rate-limit").Options, strictProfile()),
		Checks: 300, Seed: 1, MaxFailures: 100, Log: &log})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Cases != 300 {
		t.Errorf("ran %d cases; want all 300: fewer than 100 classes exist", rep.Cases)
	}
	failing, met := 0, 0
	for _, line := range strings.Split(log.String(), "\n") {
		if v, ok := strings.CutPrefix(line, "[prop] verdict: fail "); ok {
			failing++
			met += len(strings.Split(v, "; "))
		}
	}
	classes := rep.Classes()
	if len(classes) < 2 || met <= len(classes) {
		t.Fatalf("%d failing cases met %d classes, %d distinct; want several distinct classes, some met more than once", failing, met, len(classes))
	}
	seen := map[string]bool{}
	for _, c := range classes {
		if seen[c.String()] {
			t.Errorf("class %s is reported twice", c)
		}
		seen[c.String()] = true
	}
	for _, f := range rep.Failures {
		for _, c := range f.Classes {
			if !hasClass(f.Outcome, c) {
				t.Errorf("counterexample %s stands for %s, which its results do not show:\n%s", f.Scenario.ID, c, f.YAML)
			}
		}
	}
	t.Logf("%d failing cases, %d classes met, %d distinct, %d counterexamples", failing, met, len(classes), len(rep.Failures))
}

func hasClass(o prop.CaseOutcome, c prop.Class) bool {
	for _, r := range o.Results {
		if got, ok := prop.ClassOf(r, nil); ok && got.Equal(c) {
			return true
		}
	}
	return false
}
