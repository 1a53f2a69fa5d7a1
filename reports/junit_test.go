package reports_test

import (
	"bytes"
	"encoding/xml"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/fallbackgate/fallbackgate/harness"
	"github.com/fallbackgate/fallbackgate/reports"
)

// xmlElem is a generic XML tree, so that tests see exactly what a CI
// parser sees: element names, attributes and text.
type xmlElem struct {
	XMLName  xml.Name
	Attrs    []xml.Attr `xml:",any,attr"`
	Children []xmlElem  `xml:",any"`
	Text     string     `xml:",chardata"`
}

func (e xmlElem) attr(name string) (string, bool) {
	for _, a := range e.Attrs {
		if a.Name.Local == name {
			return a.Value, true
		}
	}
	return "", false
}

func (e xmlElem) children(name string) []xmlElem {
	var out []xmlElem
	for _, c := range e.Children {
		if c.XMLName.Local == name {
			out = append(out, c)
		}
	}
	return out
}

func parseJUnit(t *testing.T, data []byte) xmlElem {
	t.Helper()
	var root xmlElem
	if err := xml.Unmarshal(data, &root); err != nil {
		t.Fatalf("the JUnit XML does not parse: %v\n%s", err, data)
	}
	return root
}

func junitOf(t *testing.T, r *reports.Results) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := reports.WriteJUnit(&b, r); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestJUnitParsesBack reads the XML back and checks one suite per surface,
// one testcase per scenario, and that each failure carries its rules.
func TestJUnitParsesBack(t *testing.T) {
	r := broken(t, nil)
	root := parseJUnit(t, junitOf(t, r))
	suites := root.children("testsuite")
	if len(suites) != len(r.Surfaces)+1 {
		t.Fatalf("%d testsuites; want one per surface (%d) and the run suite", len(suites), len(r.Surfaces))
	}
	failures := 0
	for i, surf := range r.Surfaces {
		s := suites[i]
		if name, _ := s.attr("name"); name != surf {
			t.Errorf("testsuite %d is %q; want %q", i, name, surf)
		}
		cases := s.children("testcase")
		if tests, _ := s.attr("tests"); tests != strconv.Itoa(len(cases)) || len(cases) != 9 {
			t.Errorf("suite %s: tests=%s, %d testcases; want 9", surf, tests, len(cases))
		}
		nf := 0
		for _, tc := range cases {
			name, _ := tc.attr("name")
			f := tc.children("failure")
			if len(f) == 0 {
				continue
			}
			nf++
			id := strings.Fields(name)[0] + "/" + surf
			var want reports.CaseResult
			for _, c := range r.Cases {
				if c.ID() == id {
					want = c
				}
			}
			typ, _ := f[0].attr("type")
			msg, _ := f[0].attr("message")
			if rules := want.Violations.Rules(); typ != rules[0] {
				t.Errorf("%s: failure type %q; want the first rule %q", id, typ, rules[0])
			}
			for _, v := range want.Violations {
				if !strings.Contains(f[0].Text, v.String()) {
					t.Errorf("%s: failure text lacks violation %q", id, v)
				}
			}
			if !strings.Contains(msg, want.Violations[0].Rule) || !strings.Contains(f[0].Text, want.Repro) {
				t.Errorf("%s: failure message %q or text lacks the rule or the reproduce command", id, msg)
			}
		}
		if got, _ := s.attr("failures"); got != strconv.Itoa(nf) {
			t.Errorf("suite %s: failures=%s; want %d", surf, got, nf)
		}
		failures += nf
	}
	if failures != r.Gate.Failed {
		t.Errorf("%d failures in the XML; want %d", failures, r.Gate.Failed)
	}
}

// gitlabStatuses reads the XML the way GitLab's parser
// (lib/gitlab/ci/parsers/test/junit.rb) does: one top-level <testsuites>,
// testcases of every <testsuite> below it, status from the presence of a
// failure, error or skipped child, else success. It returns the status of
// each "suite/testcase name".
func gitlabStatuses(root xmlElem) map[string]string {
	out := map[string]string{}
	for _, s := range root.children("testsuite") {
		suite, _ := s.attr("name")
		for _, tc := range s.children("testcase") {
			name, _ := tc.attr("name")
			status := "success"
			switch {
			case len(tc.children("failure")) > 0:
				status = "failed"
			case len(tc.children("error")) > 0:
				status = "error"
			case len(tc.children("skipped")) > 0:
				status = "skipped"
			}
			out[suite+"/"+name] = status
		}
	}
	return out
}

// TestJUnitMeetsCIParsers checks the XML against the xUnit schema's
// constraints and reads it as GitLab does, for a run with passes,
// failures, a known failure, a stale expectation, a surface not
// implemented and a parity failure; and checks that the fixture, a JUnit
// file in the shape those parsers document, passes the same checks (so the
// checker itself is not vacuous) and that a file breaking them fails.
func TestJUnitMeetsCIParsers(t *testing.T) {
	exp, err := reports.ParseExpectations("expect.yaml", []byte(`known_failures:
  - {scenario: SF-8, surface: gateway, rule: R7, reason: "issue 42"}
  - {scenario: SF-1, surface: oneshot, rule: R9, reason: "was broken"}
  - {scenario: SF-1, rule: parity, reason: "surfaces used to disagree"}
`))
	if err != nil {
		t.Fatal(err)
	}
	r := reports.New(handReport(), exp)
	data := junitOf(t, r)
	root := parseJUnit(t, data)
	if errs := checkXUnitSchema(root); len(errs) > 0 {
		t.Errorf("the JUnit XML breaks the xUnit schema:\n%s\n%s", strings.Join(errs, "\n"), data)
	}
	want := map[string]string{
		"oneshot/SF-1 primary-succeeds":     "failed", // stale expectation
		"gateway/SF-1 primary-succeeds":     "success",
		"cli/SF-1 primary-succeeds":         "success",
		"oneshot/SF-8 rate-limited-primary": "success",
		"gateway/SF-8 rate-limited-primary": "skipped", // known failure
		"cli/SF-8 rate-limited-primary":     "skipped", // not implemented
		"run/parity SF-1":                   "failed",  // stale parity expectation
		"run/parity SF-8":                   "failed",
	}
	if diff := cmp.Diff(want, gitlabStatuses(root)); diff != "" {
		t.Errorf("statuses as GitLab reads them (-want +got):\n%s", diff)
	}
	for _, tc := range root.children("testsuite")[3].children("testcase") {
		f := tc.children("failure")
		switch n, _ := tc.attr("name"); n {
		case "parity SF-8":
			if len(f) != 1 || !strings.Contains(f[0].Text, "decided differently") {
				t.Errorf("parity SF-8 does not carry the divergence: %+v", tc)
			}
		case "parity SF-1":
			if len(f) != 1 {
				t.Errorf("parity SF-1: %d failures; want the stale expectation", len(f))
			} else if typ, _ := f[0].attr("type"); typ != "stale-expectation" || !strings.Contains(f[0].Text, "surfaces used to disagree") {
				t.Errorf("parity SF-1 does not report the stale expectation: %+v", tc)
			}
		}
	}

	fixture, err := os.ReadFile("testdata/junit-ci-fixture.xml")
	if err != nil {
		t.Fatal(err)
	}
	if errs := checkXUnitSchema(parseJUnit(t, fixture)); len(errs) > 0 {
		t.Errorf("the fixture breaks the checker: %s", strings.Join(errs, "\n"))
	}
	broken := []byte(`<testsuites tests="1"><testsuite name="x" tests="1" failures="0" errors="0" time="1s" timestamp="2026-01-01T00:00:00Z" hostname="h" package="p" id="0"><testcase name="a" classname="b" time="0.1"><failure message="no type"/><system-out>x</system-out></testcase><properties/></testsuite></testsuites>`)
	if errs := checkXUnitSchema(parseJUnit(t, broken)); len(errs) < 5 {
		t.Errorf("the checker found only %d problem(s) in a file that breaks the schema 5 ways: %v", len(errs), errs)
	}
}

// TestJUnitEscapesHostileText puts XML-breaking text in every field a
// subject controls: markup, a CDATA terminator, control characters and an
// ANSI escape. The XML must still parse and keep the text.
func TestJUnitEscapesHostileText(t *testing.T) {
	rep := handReport()
	hostile := "<b>&amp;</b> ]]> \x00\x1b[31mred\x1b[0m \"quoted\" 'single' ünïcødé"
	for i := range rep.Results {
		if rep.Results[i].Status == harness.StatusFail {
			rep.Results[i].Outcome.Stdout = hostile
			rep.Results[i].Violations[0].Message = hostile
		}
	}
	r := reports.New(rep, nil)
	root := parseJUnit(t, junitOf(t, r))
	tc := root.children("testsuite")[1].children("testcase")[1]
	f := tc.children("failure")
	if len(f) != 1 {
		t.Fatalf("no failure on gateway SF-8: %+v", tc)
	}
	msg, _ := f[0].attr("message")
	for _, want := range []string{"<b>&amp;</b> ]]>", "red", `"quoted"`, "ünïcødé"} {
		if !strings.Contains(f[0].Text, want) || !strings.Contains(msg, want) {
			t.Errorf("failure lost %q:\nmessage %q\ntext %q", want, msg, f[0].Text)
		}
	}
}
