package reports_test

import (
	"bytes"
	"fmt"
	"html"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/fallbackgate/fallbackgate/fakes"
	"github.com/fallbackgate/fallbackgate/harness"
	"github.com/fallbackgate/fallbackgate/harness/chaos"
	"github.com/fallbackgate/fallbackgate/harness/prop"
	"github.com/fallbackgate/fallbackgate/reports"
)

// The stage fixtures' names, paths and commands, as the JUnit, Markdown
// and HTML reports must show them.
const (
	propTitle    = "properties (100 checks on oneshot,gateway,cli)"
	propSaved    = "out/prop-counterexample.yaml"
	propSearch   = "fallbackgate prop --subject hand --checks 100 --seed 1"
	chaosTitle   = "chaos (gateway, 8 sessions × 20 turns)"
	chaosHistory = "out/chaos-history.jsonl"
	chaosCounter = "out/chaos-counterexample.yaml"
	chaosRepro   = "fallbackgate chaos --subject hand --surface gateway --seed 1"
	propScenario = "id: PROP-1\nname: shrunk counterexample\nconfig:\n  model: {provider: openai-codex, default: gpt-5.5}\n"
	propR7       = "quota amplification: 2 request(s) to xai-oauth after the primary's 429; want none"
	propR9       = "landed on anthropic; want xai-oauth (the first entry that resolves)"
	chaosR7      = "quota amplification: 1 request(s) to anthropic after the primary's 429; want none"
	chaosR13     = "the last error was not surfaced: exit 0; want 75"
)

func propReplay(surface string) string {
	return "fallbackgate run --scenario-file " + propSaved + " --surface " + surface + " --seed 1"
}

// handProperties is a property stage built from a hand-made report: kind
// "pass" (every class met), "fail" (a counterexample that breaks R7 on the
// gateway and R9 and R7 on the cli, and passes on oneshot) or "vacuous"
// (no case pinned).
func handProperties(kind string) *reports.Properties {
	rep := &prop.Report{Target: "hand", Seed: 1, Cases: 100, Duration: 2 * time.Second,
		Counts: prop.Counts{prop.FellBack: 31, prop.Pinned: 27, prop.RateLimited: 9, prop.Exhausted: 4}}
	switch kind {
	case "vacuous":
		rep.Counts[prop.Pinned] = 0
		rep.Vacuous = rep.Counts.Vacuous()
	case "fail":
		rep.Cases = 37
		model := "gpt-5.5"
		result := func(surf string, vs ...harness.Violation) harness.Result {
			r := harness.Result{Scenario: "PROP-1", ScenarioName: "shrunk counterexample", Surface: surf, Subject: "hand",
				Profile: "strict", Seed: 1, Status: harness.StatusPass, Violations: vs}
			if len(vs) > 0 {
				r.Status = harness.StatusFail
				r.Outcome.Stdout = "landed on the wrong provider\n"
				r.Ledger = []fakes.Call{
					{Seq: 1, Provider: "openai-codex", Endpoint: "resolve", At: 2 * time.Millisecond, Model: &model, Status: 429, Served: fakes.ServedRateLimit, Code: "codex_rate_limited"},
					{Seq: 2, Provider: "xai-oauth", Endpoint: "resolve", At: 5 * time.Millisecond, Model: &model, Status: 200, Served: fakes.ServedOK},
				}
			}
			return r
		}
		rep.Failure = &prop.Failure{YAML: []byte(propScenario), Saved: propSaved, Shrinks: 7,
			Outcome: prop.CaseOutcome{Results: []harness.Result{
				result(harness.Oneshot),
				result(harness.Gateway, harness.Violation{Rule: "R7", Message: propR7}),
				result(harness.CLI, harness.Violation{Rule: "R9", Message: propR9}, harness.Violation{Rule: "R7", Message: propR7}),
			}}}
	}
	replay := func(saved, surface string) string {
		return "fallbackgate run --scenario-file " + saved + " --surface " + surface + " --seed 1"
	}
	return reports.NewProperties(rep, harness.Surfaces, 100, propSearch, replay)
}

// chaosIDs returns n start-up ids from t5/s0 on, eight sessions a turn.
func chaosIDs(n int) []string {
	var ids []string
	for i := range n {
		ids = append(ids, fmt.Sprintf("t%d/s%d", 5+i/8, i%8))
	}
	return ids
}

// handChaos is a chaos stage built from a hand-made report: kind "pass",
// "fail" (R7 on nine start-ups, R13 on one) or "vacuous" (no fault met).
func handChaos(kind string) *reports.Chaos {
	rep := &chaos.Report{Info: chaos.RunInfo{Subject: "hand", Surface: harness.Gateway, Sessions: 8, Turns: 20, Seed: 1},
		Startups: 160, Faults: map[string]int{"auth": 61, "rate_limit": 20}, Elapsed: 3 * time.Second}
	counter := ""
	switch kind {
	case "fail":
		for _, id := range chaosIDs(9) {
			rep.Problems = append(rep.Problems, chaos.Problem{Startup: id, Violation: harness.Violation{Rule: "R7", Message: chaosR7}})
		}
		rep.Problems = append(rep.Problems, chaos.Problem{Startup: "t7/s2", Violation: harness.Violation{Rule: "R13", Message: chaosR13}})
		rep.Failed = 10
		counter = chaosCounter
	case "vacuous":
		rep.Faults = nil
		rep.Problems = []chaos.Problem{{Violation: harness.Violation{Rule: chaos.RuleVacuous, Message: "no provider call met a fault; the run injected nothing"}}}
	}
	return reports.NewChaos(rep, chaosHistory, counter, chaosRepro)
}

// withStages is the hand report with the stages attached (nil for none).
func withStages(p *reports.Properties, c *reports.Chaos) *reports.Results {
	r := reports.New(handReport(), nil)
	if p != nil {
		r.SetProperties(p)
	}
	if c != nil {
		r.SetChaos(c)
	}
	return r
}

// stageJUnit checks the run's JUnit against the xUnit schema and the
// order of its suites (the stage suites follow the run suite, properties
// first, and precede the mutation suite), and returns the one testcase of
// the stage suite name with the suite's counts.
func stageJUnit(t *testing.T, r *reports.Results, name string) (tc xmlElem, tests, failures string) {
	t.Helper()
	data := junitOf(t, r)
	root := parseJUnit(t, data)
	if errs := checkXUnitSchema(root); len(errs) > 0 {
		t.Errorf("the JUnit XML breaks the xUnit schema:\n%s\n%s", strings.Join(errs, "\n"), data)
	}
	var names []string
	var suite *xmlElem
	for _, s := range root.children("testsuite") {
		n, _ := s.attr("name")
		names = append(names, n)
		if n == name {
			suite = &s
		}
	}
	want := []string{"oneshot", "gateway", "cli", "run"}
	if r.Properties != nil {
		want = append(want, "properties")
	}
	if r.Chaos != nil {
		want = append(want, "chaos")
	}
	if r.Mutation != nil {
		want = append(want, "mutation")
	}
	if diff := cmp.Diff(want, names); diff != "" {
		t.Errorf("testsuites (-want +got):\n%s", diff)
	}
	if suite == nil {
		t.Fatalf("no %q testsuite:\n%s", name, data)
	}
	cases := suite.children("testcase")
	if len(cases) != 1 {
		t.Fatalf("the %s suite has %d testcases; want one", name, len(cases))
	}
	tests, _ = suite.attr("tests")
	failures, _ = suite.attr("failures")
	return cases[0], tests, failures
}

// junitFailureOf returns the type, message and text of tc's one failure.
func junitFailureOf(t *testing.T, tc xmlElem) (typ, msg, text string) {
	t.Helper()
	f := tc.children("failure")
	if len(f) != 1 {
		name, _ := tc.attr("name")
		t.Fatalf("testcase %q has %d failures; want one", name, len(f))
	}
	typ, _ = f[0].attr("type")
	msg, _ = f[0].attr("message")
	return typ, msg, f[0].Text
}

// mdSection returns the Markdown section that starts with heading, up to
// the next "### " heading.
func mdSection(t *testing.T, md, heading string) string {
	t.Helper()
	at := strings.Index(md, "\n"+heading+"\n")
	if at < 0 {
		t.Fatalf("the markdown has no %q section:\n%s", heading, md)
	}
	s := md[at+1:]
	if next := strings.Index(s[len(heading):], "\n### "); next >= 0 {
		s = s[:len(heading)+next]
	}
	return s
}

// htmlSection returns the HTML <section> of class class.
func htmlSection(t *testing.T, page, class string) string {
	t.Helper()
	s := regexp.MustCompile(`(?s)<section class="` + class + `" data-subject="hand">.*?</section>`).FindString(page)
	if s == "" {
		t.Fatalf("the HTML has no %s section", class)
	}
	return s
}

// esc escapes text as html/template does in an element's text (for text
// without a plus sign).
var esc = html.EscapeString

func containsAll(t *testing.T, what, s string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(s, w) {
			t.Errorf("%s lacks %q:\n%s", what, w, s)
		}
	}
}

// TestNoStagesNoMention checks that a run without a property or chaos
// stage says nothing about one in any format.
func TestNoStagesNoMention(t *testing.T) {
	for name, out := range render(t, reports.New(handReport(), nil)) {
		if name == "junit" { // every suite has <properties>: what the run was
			out = strings.NewReplacer("<properties>", "", "</properties>", "").Replace(out)
		}
		for _, word := range []string{"properties", "chaos", "counterexample"} {
			if strings.Contains(strings.ToLower(out), word) {
				t.Errorf("%s report of a run without --prop or --chaos mentions %q", name, word)
			}
		}
	}
}

// TestStagesPassedInEveryFormat checks that passing stages change no
// count, pass in JUnit, and read as one line each in Markdown and HTML,
// after the matrix and before the mutation self-test and the failures.
func TestStagesPassedInEveryFormat(t *testing.T) {
	base := reports.New(handReport(), nil).Gate
	r := withStages(handProperties("pass"), handChaos("pass"))
	r.SetMutation(handMutation(false))
	if r.Gate != base {
		t.Errorf("gate %+v with passing stages; want it unchanged, %+v", r.Gate, base)
	}

	for _, stage := range []struct{ suite, title string }{{"properties", propTitle}, {"chaos", chaosTitle}} {
		tc, tests, failures := stageJUnit(t, r, stage.suite)
		if name, _ := tc.attr("name"); name != stage.title || len(tc.Children) != 0 || tests != "1" || failures != "0" {
			t.Errorf("%s suite: tests=%s failures=%s, testcase %q with %d children; want one passing testcase %q",
				stage.suite, tests, failures, name, len(tc.Children), stage.title)
		}
	}
	statuses := gitlabStatuses(parseJUnit(t, junitOf(t, r)))
	for _, k := range []string{"properties/" + propTitle, "chaos/" + chaosTitle} {
		if statuses[k] != "success" {
			t.Errorf("%s reads %q to GitLab; want success", k, statuses[k])
		}
	}

	md := render(t, r)["markdown"]
	props := mdSection(t, md, "### Properties")
	if want := "### Properties\n\n✅ **" + propTitle + "**: 100 cases passed; fell back 31, pinned 27, rate-limited 9, exhausted 4.\n"; props != want {
		t.Errorf("properties section (-want +got):\n%s", cmp.Diff(want, props))
	}
	chaos := mdSection(t, md, "### Chaos")
	if want := "### Chaos\n\n✅ **" + chaosTitle + "**: 160 start-ups passed; faults met: auth 61, rate\\_limit 20; history `" + chaosHistory + "`.\n"; chaos != want {
		t.Errorf("chaos section (-want +got):\n%s", cmp.Diff(want, chaos))
	}
	order := []string{"| scenario |", "### Properties", "### Chaos", "### Mutation self-test", "### Failures"}
	for i := 1; i < len(order); i++ {
		if a, b := strings.Index(md, order[i-1]), strings.Index(md, order[i]); a < 0 || b < 0 || a > b {
			t.Errorf("markdown: want %q (at %d) before %q (at %d)", order[i-1], a, order[i], b)
		}
	}

	page := htmlOf(t, r)
	containsAll(t, "the HTML properties section", htmlSection(t, page, "properties"),
		`<p class="verdict ok">`+propTitle+`: 100 cases passed; fell back 31, pinned 27, rate-limited 9, exhausted 4</p>`)
	containsAll(t, "the HTML chaos section", htmlSection(t, page, "chaos"),
		`<p class="verdict ok">`+chaosTitle+`: 160 start-ups passed; faults met: auth 61, rate_limit 20</p>`,
		`history <code>`+chaosHistory+`</code>`)
	if strings.Contains(page, `<details class="stage`) {
		t.Error("the HTML shows failure details for passing stages")
	}
	order = []string{`id="matrix"`, `id="properties"`, `id="chaos"`, `id="mutation"`, `id="cases"`}
	for i := 1; i < len(order); i++ {
		if a, b := strings.Index(page, order[i-1]), strings.Index(page, order[i]); a < 0 || b < 0 || a > b {
			t.Errorf("HTML: want %q (at %d) before %q (at %d)", order[i-1], a, order[i], b)
		}
	}
}

// TestPropertiesFailureInEveryFormat checks that a shrunk counterexample
// fails the gate once and that every format shows its rules, the
// scenario, each failing surface's violations and replay command, and the
// command that repeats the search.
func TestPropertiesFailureInEveryFormat(t *testing.T) {
	base := reports.New(handReport(), nil).Gate
	p := handProperties("fail")
	if got := p.Failure.Rules; !cmp.Equal(got, []string{"R7", "R9"}) {
		t.Fatalf("the fixture's rules are %v; want R7, R9", got)
	}
	r := withStages(p, nil)
	if r.OK() || r.Gate.Failed != base.Failed+1 {
		t.Errorf("gate %+v with a failing property stage; want one more failure than %d", r.Gate, base.Failed)
	}

	tc, tests, failures := stageJUnit(t, r, "properties")
	if tests != "1" || failures != "1" {
		t.Errorf("properties suite: tests=%s failures=%s; want 1 and 1", tests, failures)
	}
	typ, msg, text := junitFailureOf(t, tc)
	if typ != "R7" {
		t.Errorf("failure type %q; want the first rule, R7", typ)
	}
	containsAll(t, "the properties failure message", msg, "R7, R9", "gateway, cli", "37 case(s)")
	containsAll(t, "the properties failure text", text,
		propTitle+": FAIL R7,R9 after 37 case(s)", "saved as "+propSaved, propScenario,
		"--- gateway ---", "R7: "+propR7, "--- cli ---", "R9: "+propR9,
		"#1 +2ms openai-codex resolve model=gpt-5.5 429 rate_limit codex_rate_limited",
		"reproduce: "+propReplay("gateway"), "reproduce: "+propReplay("cli"),
		"reproduce the search: "+propSearch)
	if strings.Contains(text, "--- oneshot ---") {
		t.Error("the properties failure shows oneshot, which passed the counterexample")
	}
	if s := gitlabStatuses(parseJUnit(t, junitOf(t, r)))["properties/"+propTitle]; s != "failed" {
		t.Errorf("the properties testcase reads %q to GitLab; want failed", s)
	}

	md := render(t, r)["markdown"]
	if want := fmt.Sprintf("## ❌ fallbackgate: %d passed, %d failed, 1 skipped\n", base.Passed, base.Failed+1); !strings.HasPrefix(md, want) {
		t.Errorf("markdown heading %q; want %q", md[:strings.Index(md, "\n")+1], want)
	}
	containsAll(t, "the markdown properties section", mdSection(t, md, "### Properties"),
		"❌ **"+propTitle+"**: FAIL R7,R9 after 37 case(s); shrunk counterexample saved as `"+propSaved+"`.\n",
		"<details><summary>counterexample scenario</summary>\n\n```yaml\n"+propScenario+"```\n</details>\n",
		"**`gateway`**: R7\n\n- **R7**: "+propR7+"\n",
		"**`cli`**: R9, R7\n\n- **R9**: "+propR9+"\n- **R7**: "+propR7+"\n",
		"<details><summary>ledger</summary>\n\n```\n#1 +2ms openai-codex resolve model=gpt-5.5 429 rate_limit codex_rate_limited\n",
		"Replay:\n\n```sh\n"+propReplay("gateway")+"\n```\n",
		"Replay:\n\n```sh\n"+propReplay("cli")+"\n```\n",
		"Reproduce the search:\n\n```sh\n"+propSearch+"\n```\n")

	page := htmlOf(t, r)
	if !strings.Contains(page, `<p class="verdict bad" id="verdict">does not conform: `) {
		t.Error("the HTML verdict does not say the run does not conform")
	}
	sec := htmlSection(t, page, "properties")
	containsAll(t, "the HTML properties section", sec,
		`<p class="verdict bad">`+propTitle+`: FAIL R7,R9 after 37 case(s)</p>`,
		`<details class="stage fail" open data-stage="counterexample">`, `saved as <code>`+propSaved+`</code>`,
		`<pre class="scenario">`+esc(propScenario)+`</pre>`,
		`<details class="stage fail" open data-surface="gateway">`, `<details class="stage fail" open data-surface="cli">`,
		`<span class="rule">R7</span> `+esc(propR7), `<span class="rule">R9</span> `+esc(propR9),
		`<ol class="timeline">`, `<strong>openai-codex</strong> resolve`,
		`<pre class="repro"><code>`+propReplay("gateway")+`</code></pre>`, `<pre class="repro"><code>`+propReplay("cli")+`</code></pre>`,
		`<h4>Reproduce the search</h4><pre class="repro"><code>`+propSearch+`</code></pre>`)
	if strings.Contains(sec, `data-surface="oneshot"`) {
		t.Error("the HTML shows oneshot, which passed the counterexample")
	}
}

// TestPropertiesVacuous checks that a vacuous property run fails as
// "vacuous" and says which classes it never met.
func TestPropertiesVacuous(t *testing.T) {
	p := handProperties("vacuous")
	if !strings.Contains(p.Vacuous, "no generated case pinned") {
		t.Fatalf("the fixture is not vacuous about pinned: %q", p.Vacuous)
	}
	r := withStages(p, nil)
	tc, _, failures := stageJUnit(t, r, "properties")
	typ, msg, text := junitFailureOf(t, tc)
	if typ != "vacuous" || failures != "1" {
		t.Errorf("failure type %q, failures=%s; want vacuous, 1", typ, failures)
	}
	containsAll(t, "the vacuous failure message", msg, p.Vacuous)
	containsAll(t, "the vacuous failure text", text, "fell back 31, pinned 0, rate-limited 9, exhausted 4", "reproduce the search: "+propSearch)

	md := mdSection(t, render(t, r)["markdown"], "### Properties")
	containsAll(t, "the markdown properties section", md,
		"❌ **"+propTitle+"**: FAIL: 100 cases passed, but vacuous run: no generated case pinned",
		"(fell back 31, pinned 0, rate-limited 9, exhausted 4).\n", "Reproduce the search:\n\n```sh\n"+propSearch+"\n```\n")

	containsAll(t, "the HTML properties section", htmlSection(t, htmlOf(t, r), "properties"),
		`<p class="verdict bad">`+propTitle+`: FAIL: 100 cases passed, but `+esc(p.Vacuous)+`</p>`,
		`<pre class="repro"><code>`+propSearch+`</code></pre>`)
}

// TestChaosFailureInEveryFormat checks that a failing chaos run fails the
// gate once, and that every format shows each problem with its start-ups
// (a long list shortened), the counterexample, the history and the
// command that repeats the run.
func TestChaosFailureInEveryFormat(t *testing.T) {
	base := reports.New(handReport(), nil).Gate
	r := withStages(nil, handChaos("fail"))
	if r.OK() || r.Gate.Failed != base.Failed+1 {
		t.Errorf("gate %+v with a failing chaos stage; want one more failure than %d", r.Gate, base.Failed)
	}
	ids := "t5/s0, t5/s1, t5/s2, t5/s3, t5/s4, t5/s5, … (2 more) …, t6/s0"

	tc, tests, failures := stageJUnit(t, r, "chaos")
	if tests != "1" || failures != "1" {
		t.Errorf("chaos suite: tests=%s failures=%s; want 1 and 1", tests, failures)
	}
	typ, msg, text := junitFailureOf(t, tc)
	if typ != "R7" {
		t.Errorf("failure type %q; want the first problem's rule, R7", typ)
	}
	if want := "chaos: FAIL: 10 of 160 start-ups, 2 distinct problem(s); first: R7: " + chaosR7; msg != want {
		t.Errorf("failure message %q; want %q", msg, want)
	}
	containsAll(t, "the chaos failure text", text,
		chaosTitle+": FAIL: 10 of 160 start-ups, 2 distinct problem(s)", "faults met: auth 61, rate_limit 20",
		"  R7: "+chaosR7+"\n      9 start-up(s): "+ids+"\n", "  R13: "+chaosR13+"\n      1 start-up(s): t7/s2\n",
		"counterexample (first failing start-up): "+chaosCounter,
		"history: "+chaosHistory+" (re-check: fallbackgate check "+chaosHistory+")", "reproduce: "+chaosRepro)

	md := render(t, r)["markdown"]
	if want := fmt.Sprintf("## ❌ fallbackgate: %d passed, %d failed, 1 skipped\n", base.Passed, base.Failed+1); !strings.HasPrefix(md, want) {
		t.Errorf("markdown heading %q; want %q", md[:strings.Index(md, "\n")+1], want)
	}
	containsAll(t, "the markdown chaos section", mdSection(t, md, "### Chaos"),
		"❌ **"+chaosTitle+"**: FAIL: 10 of 160 start-ups, 2 distinct problem(s).\n\n",
		"- **R7**: "+chaosR7+" (9 start-up(s): "+ids+")\n- **R13**: "+chaosR13+" (1 start-up(s): t7/s2)\n",
		"Counterexample (the first failing start-up): `"+chaosCounter+"`",
		"History: `"+chaosHistory+"` (re-check: `fallbackgate check "+chaosHistory+"`)",
		"Reproduce:\n\n```sh\n"+chaosRepro+"\n```\n")

	containsAll(t, "the HTML chaos section", htmlSection(t, htmlOf(t, r), "chaos"),
		`<p class="verdict bad">`+chaosTitle+`: FAIL: 10 of 160 start-ups, 2 distinct problem(s)</p>`,
		`<details class="stage fail" open data-stage="problems">`, `<span class="badge fail">FAIL R7</span> 2 distinct problem(s)`,
		`<li><span class="rule">R7</span> `+esc(chaosR7)+` <span class="muted">(9 start-up(s): `+ids+`)</span></li>`,
		`<li><span class="rule">R13</span> `+esc(chaosR13)+` <span class="muted">(1 start-up(s): t7/s2)</span></li>`,
		`<code>`+chaosCounter+`</code>`, `<code>fallbackgate check `+chaosHistory+`</code>`,
		`<pre class="repro"><code>`+chaosRepro+`</code></pre>`)
}

// TestChaosVacuous checks that a chaos run that met no fault fails as
// "vacuous".
func TestChaosVacuous(t *testing.T) {
	c := handChaos("vacuous")
	if !c.Vacuous {
		t.Fatal("the fixture is not vacuous")
	}
	r := withStages(nil, c)
	tc, _, _ := stageJUnit(t, r, "chaos")
	typ, msg, text := junitFailureOf(t, tc)
	if want := "chaos: FAIL: no fault was injected, so the run proves nothing"; typ != "vacuous" || msg != want {
		t.Errorf("failure type %q, message %q; want vacuous, %q", typ, msg, want)
	}
	containsAll(t, "the vacuous chaos failure text", text,
		"no fault was injected, so the run proves nothing", "faults met: none", "history: "+chaosHistory, "reproduce: "+chaosRepro)

	md := mdSection(t, render(t, r)["markdown"], "### Chaos")
	containsAll(t, "the markdown chaos section", md,
		"❌ **"+chaosTitle+"**: FAIL: no fault was injected, so the run proves nothing.\n",
		"Reproduce:\n\n```sh\n"+chaosRepro+"\n```\n")
	containsAll(t, "the HTML chaos section", htmlSection(t, htmlOf(t, r), "chaos"),
		`<p class="verdict bad">`+chaosTitle+`: FAIL: no fault was injected, so the run proves nothing</p>`,
		`<span class="badge fail">FAIL vacuous</span>`, `<pre class="repro"><code>`+chaosRepro+`</code></pre>`)
}

// TestChaosProblemOfTheRun checks a problem of the whole run rather than
// of start-ups (the gateway's shutdown): its rule is the failure's type,
// and no format counts start-ups for it.
func TestChaosProblemOfTheRun(t *testing.T) {
	v := harness.Violation{Rule: "R17", Message: "gateway: the subject did not shut down cleanly: exit status 2"}
	problem := v.String()
	c := handChaos("pass")
	c.Problems = []reports.ChaosProblem{{Violation: v}}
	r := withStages(nil, c)
	tc, _, _ := stageJUnit(t, r, "chaos")
	typ, msg, text := junitFailureOf(t, tc)
	if typ != "R17" {
		t.Errorf("failure type %q; want the rule the problem names, R17", typ)
	}
	containsAll(t, "the chaos failure", msg+"\n"+text, "first: "+problem, "\n  "+problem+"\n\nhistory: ")
	out := render(t, r)
	containsAll(t, "the markdown chaos section", mdSection(t, out["markdown"], "### Chaos"), "\n- **R17**: "+v.Message+"\n")
	containsAll(t, "the HTML chaos section", htmlSection(t, out["html"], "chaos"),
		`<span class="badge fail">FAIL R17</span>`, `<li><span class="rule">R17</span> `+v.Message+"</li>")
	for _, name := range []string{"junit", "markdown", "html"} {
		if strings.Contains(out[name], "start-up(s):") {
			t.Errorf("the %s report counts start-ups for a problem of the whole run", name)
		}
	}
}

// TestChaosManyProblems checks that the Markdown lists at most ten
// distinct problems and counts the rest, while JUnit and HTML list all.
func TestChaosManyProblems(t *testing.T) {
	c := handChaos("fail")
	c.Problems = nil
	for i := range 12 {
		v := harness.Violation{Rule: fmt.Sprintf("R%d", i+1), Message: fmt.Sprintf("problem number %d", i+1)}
		c.Problems = append(c.Problems, reports.ChaosProblem{Violation: v, Startups: []string{fmt.Sprintf("t%d/s0", i)}})
	}
	r := withStages(nil, c)
	out := render(t, r)
	md := mdSection(t, out["markdown"], "### Chaos")
	if n := strings.Count(md, "\n- **R"); n != 10 {
		t.Errorf("the markdown lists %d problems; want 10:\n%s", n, md)
	}
	containsAll(t, "the markdown chaos section", md, "- **R10**: problem number 10", "- …and 2 more distinct problem(s)")
	if strings.Contains(md, "problem number 11") {
		t.Error("the markdown lists the eleventh problem")
	}
	tc, _, _ := stageJUnit(t, r, "chaos")
	_, _, text := junitFailureOf(t, tc)
	sec := htmlSection(t, out["html"], "chaos")
	for i := range 12 {
		containsAll(t, "the JUnit chaos failure", text, fmt.Sprintf("R%d: problem number %d\n", i+1, i+1))
		containsAll(t, "the HTML chaos section", sec, fmt.Sprintf(`<span class="rule">R%d</span> problem number %d `, i+1, i+1))
	}
}

// TestStagesEscaped checks that markup in a counterexample and a chaos
// problem is escaped in Markdown and HTML, and stays intact in JUnit.
func TestStagesEscaped(t *testing.T) {
	evil := `<script>alert("x")</script><img src=x onerror=alert(1)> ]]> | *`
	p := handProperties("fail")
	p.Failure.Scenario = "name: " + evil + "\n"
	p.Failure.Results[0].Violations[0].Message = evil
	p.Failure.Results[0].Stdout = evil
	c := handChaos("fail")
	c.Problems[0].Message = evil
	r := withStages(p, c)
	out := render(t, r)
	if page := out["html"]; strings.Contains(page, "<img src=x") || strings.Count(page, "<script>") != 1 {
		t.Error("stage text reached the HTML unescaped")
	}
	// The scenario is in a fenced code block, where GitHub shows markup as
	// text; everywhere else it must be escaped.
	md := out["markdown"]
	if strings.Contains(strings.ReplaceAll(md, "```yaml\nname: "+evil, ""), "<script>") {
		t.Errorf("stage text reached the markdown unescaped outside the scenario's code block:\n%s", md)
	}
	for _, suite := range []string{"properties", "chaos"} {
		tc, _, _ := stageJUnit(t, r, suite)
		_, _, text := junitFailureOf(t, tc)
		containsAll(t, "the JUnit "+suite+" failure", text, evil)
	}
}

// TestStagesRedacted plants secret-shaped strings in a property
// counterexample (a result's stdout and stderr, a violation, the scenario,
// the ledger) and in a chaos problem; no format may carry one, and each
// shows where it was redacted.
func TestStagesRedacted(t *testing.T) {
	key := "fgk-0123456789abcdef0123456789abcdef"
	token := "tok.0123456789abcdefABCDEF"
	p := handProperties("fail")
	f := p.Failure
	f.Scenario += "api_key: " + key + "\n"
	res := &f.Results[0]
	res.Stdout, res.Stderr = "using key "+key+"\n", "Authorization: Bearer "+token+"\n"
	res.Violations = append(res.Violations, harness.Violation{Rule: "R16", Message: "the key " + key + " leaked"})
	res.Ledger[0].Code = key
	c := handChaos("fail")
	c.Problems = append(c.Problems, reports.ChaosProblem{Violation: harness.Violation{Rule: "R16", Message: "Bearer " + token + " in the log, key " + key}, Startups: []string{"t9/s1"}})
	r := withStages(p, c)
	for name, out := range render(t, r) {
		for _, s := range []string{key, token} {
			if strings.Contains(out, s) {
				t.Errorf("the %s report contains the secret %s", name, s)
			}
		}
		wants := []string{"Bearer " + reports.Redacted + " in the log, key " + reports.Redacted}
		switch name {
		case "junit", "html":
			wants = append(wants, "using key "+reports.Redacted, "Bearer "+reports.Redacted+"\n", "api_key: "+reports.Redacted, "the key "+reports.Redacted+" leaked")
		case "markdown":
			wants = append(wants, "api_key: "+reports.Redacted, "the key "+reports.Redacted+" leaked")
		}
		containsAll(t, "the "+name+" report", out, wants...)
	}
}

// TestPropRunSaysShrinkCut: the terminal line of a property run says when
// the shrink time cut a counterexample's shrinking, and says nothing when
// none was.
func TestPropRunSaysShrinkCut(t *testing.T) {
	p := handProperties("fail")
	for _, cut := range []bool{false, true} {
		f := &prop.Failure{Shrinks: 3, ShrinkCut: cut}
		rep := &prop.Report{Cases: 10, Failure: f, Failures: []*prop.Failure{f}, Shrinks: 3}
		var b bytes.Buffer
		if err := reports.WritePropRun(&b, rep, p); err != nil {
			t.Fatal(err)
		}
		said := strings.Contains(b.String(), "cut short by the shrink time for 1 counterexample(s): they may not be minimal (raise --shrink-time)")
		if said != cut {
			t.Errorf("cut %v: the line says so: %v\n%s", cut, said, b.String())
		}
	}
}
