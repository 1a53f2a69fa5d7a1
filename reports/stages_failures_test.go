package reports_test

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/fallbackgate/fallbackgate/harness"
	"github.com/fallbackgate/fallbackgate/harness/prop"
	"github.com/fallbackgate/fallbackgate/reports"
)

// handFailures is a property stage with two counterexamples
// (prop --max-failures): the first stands for the classes "gateway R7" and
// "cli R7", the second for "oneshot R10".
func handFailures() *reports.Properties {
	result := func(surf, rule, msg string) harness.Result {
		return harness.Result{Scenario: "gen", Surface: surf, Subject: "hand", Profile: "strict", Status: harness.StatusFail,
			Violations: harness.Violations{{Rule: rule, Message: msg}}}
	}
	rep := &prop.Report{Target: "hand", Seed: 1, Cases: 80, Duration: 3 * time.Second, Generating: 2 * time.Second,
		Shrinking: time.Second, Shrinks: 12, Counts: prop.Counts{prop.FellBack: 31, prop.Pinned: 27, prop.RateLimited: 9, prop.Exhausted: 4}}
	rep.Failures = []*prop.Failure{
		{YAML: []byte("id: prop-aaaa0001\n"), Saved: "ce/prop-aaaa0001.yaml", Shrinks: 7,
			Classes: []prop.Class{{Surface: "gateway", Rules: []string{"R7"}}, {Surface: "cli", Rules: []string{"R7"}}},
			Outcome: prop.CaseOutcome{Results: []harness.Result{result("gateway", "R7", propR7), result("cli", "R7", propR7)}}},
		{YAML: []byte("id: prop-bbbb0002\n"), Saved: "ce/prop-bbbb0002.yaml", Shrinks: 5,
			Classes: []prop.Class{{Surface: "oneshot", Rules: []string{"R10"}}},
			Outcome: prop.CaseOutcome{Results: []harness.Result{result("oneshot", "R10", "kept the primary model")}}},
	}
	rep.Failure = rep.Failures[0]
	replay := func(saved, surface string) string {
		return "fallbackgate run --scenario-file " + saved + " --surface " + surface
	}
	return reports.NewProperties(rep, harness.Surfaces, 100, propSearch, replay)
}

// TestPropertiesFailuresInEveryFormat: a property stage with several
// counterexamples shows each one, with the failure classes it stands for,
// in every format, and fails the gate once; results.json keeps failure (the
// first) for readers that know only that, and lists them all in failures,
// each with its classes.
func TestPropertiesFailuresInEveryFormat(t *testing.T) {
	p := handFailures()
	base := reports.New(handReport(), nil).Gate
	r := withStages(p, nil)
	if r.Gate.Failed != base.Failed+1 {
		t.Errorf("gate %+v; want one more failure than %d: the stage fails once", r.Gate, base.Failed)
	}
	const summary = "FAIL R7,R10 after 80 case(s), 3 distinct failure classes"
	out := render(t, r)

	var text bytes.Buffer
	if err := reports.WriteProperties(&text, p); err != nil {
		t.Fatal(err)
	}
	containsAll(t, "the terminal properties section", text.String(),
		propTitle+": "+summary+":\n",
		"\n  1. gateway R7; cli R7: shrunk counterexample, saved as ce/prop-aaaa0001.yaml:\n\n      id: prop-aaaa0001\n",
		"\n  2. oneshot R10: shrunk counterexample, saved as ce/prop-bbbb0002.yaml:\n\n      id: prop-bbbb0002\n",
		"      R10: kept the primary model\n", "      reproduce: fallbackgate run --scenario-file ce/prop-bbbb0002.yaml --surface oneshot\n",
		"  reproduce the search: "+propSearch)
	for _, class := range []string{"gateway R7", "cli R7", "oneshot R10"} {
		if n := strings.Count(text.String(), class); n != 1 {
			t.Errorf("the terminal names class %q %d times; want once:\n%s", class, n, text.String())
		}
	}
	if !strings.Contains(out["text"], propTitle+": "+summary) {
		t.Errorf("run's terminal report does not carry the stage:\n%s", out["text"])
	}

	containsAll(t, "the markdown properties section", mdSection(t, out["markdown"], "### Properties"),
		"**"+propTitle+"**: "+summary+".\n", "#### 1. gateway R7; cli R7\n\nShrunk counterexample saved as `ce/prop-aaaa0001.yaml`.",
		"#### 2. oneshot R10\n\nShrunk counterexample saved as `ce/prop-bbbb0002.yaml`.", "- **R10**: kept the primary model\n")

	tc, _, _ := stageJUnit(t, r, "properties")
	_, msg, jtext := junitFailureOf(t, tc)
	containsAll(t, "the properties failure message", msg, "3 distinct failure classes", "2 counterexamples", "R7, R10")
	containsAll(t, "the properties failure text", jtext,
		"shrunk counterexample 1 of 2 (gateway R7; cli R7), saved as ce/prop-aaaa0001.yaml",
		"shrunk counterexample 2 of 2 (oneshot R10), saved as ce/prop-bbbb0002.yaml", "R10: kept the primary model")

	containsAll(t, "the HTML properties section", htmlSection(t, htmlOf(t, r), "properties"),
		"shrunk counterexample for gateway R7; cli R7, saved as <code>ce/prop-aaaa0001.yaml</code>",
		"shrunk counterexample for oneshot R10, saved as <code>ce/prop-bbbb0002.yaml</code>",
		`<span class="rule">R10</span> kept the primary model`)

	var gh bytes.Buffer
	if err := reports.WriteGitHub(&gh, r); err != nil {
		t.Fatal(err)
	}
	containsAll(t, "the GitHub annotations", gh.String(), "::error file=ce/prop-aaaa0001.yaml,title=R7::", "::error file=ce/prop-bbbb0002.yaml,title=R10::")

	var doc struct {
		Properties struct {
			Failure  struct{ Saved string }
			Failures []struct {
				Saved   string
				Classes []prop.Class
			}
			Generating int64 `json:"generating_ns"`
			Shrinking  int64 `json:"shrinking_ns"`
			Shrinks    int
		}
	}
	if err := json.Unmarshal([]byte(out["json"]), &doc); err != nil {
		t.Fatal(err)
	}
	got := doc.Properties
	if got.Failure.Saved != "ce/prop-aaaa0001.yaml" || len(got.Failures) != 2 {
		t.Fatalf("results.json: failure %q and %d failures; want the first and both", got.Failure.Saved, len(got.Failures))
	}
	want := []prop.Class{{Surface: "oneshot", Rules: []string{"R10"}}}
	if diff := cmp.Diff(want, got.Failures[1].Classes); diff != "" {
		t.Errorf("results.json: the second counterexample's classes (-want +got):\n%s", diff)
	}
	if got.Generating != int64(2*time.Second) || got.Shrinking != int64(time.Second) || got.Shrinks != 12 {
		t.Errorf("results.json: generating %d, shrinking %d, shrinks %d; want 2s, 1s and 12", got.Generating, got.Shrinking, got.Shrinks)
	}
}
