package reports_test

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/fallbackgate/fallbackgate/harness"
	"github.com/fallbackgate/fallbackgate/harness/chaos"
	"github.com/fallbackgate/fallbackgate/harness/prop"
	"github.com/fallbackgate/fallbackgate/reports"
)

// handCoverage is the rule coverage of 200 cases on surfaces in which
// every rule was exercised but R8 (on none of them) and R18 (not on the
// last surface).
func handCoverage(surfaces ...string) *prop.Coverage {
	c := prop.NewCoverage(surfaces)
	for i, s := range surfaces {
		c.Cases[s] = 200
		for k, r := range prop.Rules {
			if r == "R8" || (r == "R18" && i == len(surfaces)-1) {
				continue
			}
			c.Rules[r][s] = k + 1
		}
	}
	return c
}

// TestCoverageInEveryFormat: the rule coverage of a property stage and of
// a chaos stage is a table in the terminal (prop and chaos print it after
// their run: WritePropRun, WriteChaosRun), Markdown and HTML, and in
// results.json; each names the rules no case exercised, and the run's
// terminal report says so in a line. A gap does not fail the gate.
func TestCoverageInEveryFormat(t *testing.T) {
	p, c := handProperties("pass"), handChaos("pass")
	p.Coverage = handCoverage(harness.Oneshot, harness.Gateway, harness.CLI)
	c.Coverage = handCoverage(harness.Gateway)
	r := withStages(p, c)
	base := withStages(handProperties("pass"), handChaos("pass"))
	if r.OK() != base.OK() || r.Gate != base.Gate {
		t.Errorf("gate %+v with coverage gaps; want %+v, as without: a gap does not fail the run", r.Gate, base.Gate)
	}

	var table bytes.Buffer
	if err := reports.WritePropRun(&table, &prop.Report{Cases: 200, Coverage: p.Coverage}, p); err != nil {
		t.Fatal(err)
	}
	containsAll(t, "the coverage table", table.String(),
		"rule coverage (generated cases that exercised each rule, of 200 on each surface):\n",
		"  RULE  ONESHOT  GATEWAY  CLI\n", "  R1    1        1        1\n", "  R8    0        0        0\n", "  R18   18       18       0\n",
		"  not exercised: R8 (every surface), R18 (cli); the run proves nothing about them there (a gap does not fail the run)\n")
	table.Reset()
	if err := reports.WriteChaosRun(&table, &chaos.Report{Coverage: handCoverage(harness.Gateway, harness.Oneshot)}, "chaos.jsonl"); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(table.String(), "rule coverage (start-ups that exercised each rule, of 200 on each surface):\n") ||
		!strings.Contains(table.String(), "not exercised: R8 (every surface), R18 (oneshot)") {
		t.Errorf("the coverage table of two surfaces:\n%s", table.String())
	}

	out := render(t, r)
	containsAll(t, "the run's terminal report", out["text"],
		"  rule coverage: no generated case exercised R8 (every surface), R18 (cli); the run proves nothing about them there (a gap does not fail the run)\n",
		"  rule coverage: no start-up exercised R8 (gateway), R18 (gateway);")
	containsAll(t, "the Markdown properties section", mdSection(t, out["markdown"], "### Properties"),
		"<details><summary>Rule coverage: not exercised R8 (every surface), R18 (cli)</summary>",
		"| rule | oneshot | gateway | cli |\n|---|---:|---:|---:|\n", "| R8 | **0** | **0** | **0** |\n", "| R18 | 18 | 18 | **0** |\n")
	containsAll(t, "the Markdown chaos section", mdSection(t, out["markdown"], "### Chaos"),
		"<details><summary>Rule coverage: not exercised R8 (gateway), R18 (gateway)</summary>", "start-ups that exercised each rule, of 200 on gateway.")
	page := htmlOf(t, r)
	containsAll(t, "the HTML properties section", htmlSection(t, page, "properties"),
		`<details class="coverage" data-stage="coverage" open>`, `<span class="rule">not exercised</span> R8 (every surface), R18 (cli)`,
		`<tr><th>R18</th><td class="pass">18</td><td class="pass">18</td><td class="fail">0</td></tr>`)
	containsAll(t, "the HTML chaos section", htmlSection(t, page, "chaos"), `<tr><th>R8</th><td class="fail">0</td></tr>`)
	var doc struct {
		Properties, Chaos struct{ Coverage *prop.Coverage }
	}
	if err := json.Unmarshal([]byte(out["json"]), &doc); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(p.Coverage, doc.Properties.Coverage, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("results.json: the properties' coverage (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(c.Coverage, doc.Chaos.Coverage, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("results.json: the chaos coverage (-want +got):\n%s", diff)
	}

	p.Coverage, c.Coverage = handCoverage(harness.Oneshot), handCoverage(harness.Gateway)
	for _, rule := range prop.Rules {
		p.Coverage.Rules[rule][harness.Oneshot], c.Coverage.Rules[rule][harness.Gateway] = 1, 1
	}
	out = render(t, withStages(p, c))
	if strings.Contains(out["text"], "rule coverage") {
		t.Errorf("the run's terminal report names a gap without one:\n%s", out["text"])
	}
	containsAll(t, "the Markdown report", out["markdown"], "<details><summary>Rule coverage: every rule was exercised on every surface</summary>")
}

// withCoverage is a run whose property and chaos stages carry their rule
// coverage.
func withCoverage() *reports.Results {
	p, c := handProperties("pass"), handChaos("pass")
	p.Coverage, c.Coverage = handCoverage(harness.Oneshot, harness.Gateway, harness.CLI), handCoverage(harness.Gateway)
	return withStages(p, c)
}
