package reports_test

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/fallbackgate/fallbackgate/harness"
	"github.com/fallbackgate/fallbackgate/resolver"
)

// gitlabCase is a testcase as GitLab's parser
// (lib/gitlab/ci/parsers/test/junit.rb) reads it: its status from the
// child element, its output from the failure's, error's or skipped's text,
// and its file attribute.
type gitlabCase struct {
	Suite, Name, Classname, Status, Output, File string
}

func gitlabCases(root xmlElem) []gitlabCase {
	var out []gitlabCase
	for _, s := range root.children("testsuite") {
		suite, _ := s.attr("name")
		for _, tc := range s.children("testcase") {
			c := gitlabCase{Suite: suite, Status: "success"}
			c.Name, _ = tc.attr("name")
			c.Classname, _ = tc.attr("classname")
			c.File, _ = tc.attr("file")
			for _, k := range []struct{ el, status string }{{"failure", "failed"}, {"error", "error"}, {"skipped", "skipped"}} {
				if e := tc.children(k.el); len(e) > 0 && c.Status == "success" {
					c.Status, c.Output = k.status, e[0].Text
				}
			}
			out = append(out, c)
		}
	}
	return out
}

// githubAnnotation is what mikepenz/action-junit-report makes of a failed
// testcase: a check-run annotation on the testcase's file attribute, or,
// without one, on a path made from its classname (which is how a failure
// used to point at "oneshot"), titled with the suite and the testcase and
// carrying the failure's message.
type githubAnnotation struct{ Path, Title, Message string }

func githubAnnotations(root xmlElem) []githubAnnotation {
	var out []githubAnnotation
	for _, s := range root.children("testsuite") {
		suite, _ := s.attr("name")
		for _, tc := range s.children("testcase") {
			f := append(tc.children("failure"), tc.children("error")...)
			if len(f) == 0 {
				continue
			}
			name, _ := tc.attr("name")
			path, ok := tc.attr("file")
			if !ok {
				cls, _ := tc.attr("classname")
				path = cls[strings.LastIndex(cls, ".")+1:]
			}
			msg, _ := f[0].attr("message")
			out = append(out, githubAnnotation{Path: path, Title: suite + " / " + name, Message: msg})
		}
	}
	return out
}

// TestJUnitAsReadersReadIt reads a run with failures the way GitHub's and
// GitLab's test reporters do: the totals on <testsuites> are the sums of
// the cases, every failure's annotation points at the scenario file that
// reproduces it (a file of this repository), GitLab's output of a failure
// holds its violations and reproduce command, and each case carries what
// the subject wrote, and every suite what the run was.
func TestJUnitAsReadersReadIt(t *testing.T) {
	r := broken(t, nil)
	for i := range r.Cases {
		if r.Cases[i].ID() == "SF-8/oneshot" {
			r.Cases[i].Stdout, r.Cases[i].Stderr = "the answer\n", "Traceback (most recent call last):\nValueError: boom\n"
		}
	}
	data := junitOf(t, r)
	root := parseJUnit(t, data)
	if errs := checkXUnitSchema(root); len(errs) > 0 {
		t.Fatalf("the JUnit XML breaks the schema:\n%s", strings.Join(errs, "\n"))
	}

	cases := gitlabCases(root)
	counts := map[string]int{}
	for _, c := range cases {
		counts[c.Status]++
	}
	for attr, want := range map[string]int{"tests": len(cases), "failures": counts["failed"], "errors": counts["error"]} {
		if got, _ := root.attr(attr); got != strconv.Itoa(want) {
			t.Errorf("<testsuites %s=%q>; the cases say %d", attr, got, want)
		}
	}
	if counts["failed"] == 0 {
		t.Fatal("no failure to read")
	}

	anns := githubAnnotations(root)
	if len(anns) != counts["failed"]+counts["error"] {
		t.Errorf("%d annotations for %d failures", len(anns), counts["failed"]+counts["error"])
	}
	for _, a := range anns {
		id := strings.Fields(strings.TrimPrefix(strings.SplitN(a.Title, " / ", 2)[1], "parity "))[0]
		if want := "scenarios/files/" + id + ".yaml"; a.Path != want {
			t.Errorf("annotation %q points at %q; want %q", a.Title, a.Path, want)
		}
		if _, err := os.Stat(filepath.Join("..", a.Path)); err != nil {
			t.Errorf("annotation %q points at a file that is not in the repository: %v", a.Title, err)
		}
		if !strings.Contains(a.Message, ": ") {
			t.Errorf("annotation %q has no message naming the rule: %q", a.Title, a.Message)
		}
	}
	for _, c := range cases {
		if c.Status == "failed" && c.Suite != "run" && (!strings.Contains(c.Output, "violations:") || !strings.Contains(c.Output, "reproduce: ")) {
			t.Errorf("GitLab's output of %s/%s lacks the violations or the reproduce command:\n%s", c.Suite, c.Name, c.Output)
		}
	}

	for _, s := range root.children("testsuite") {
		props := map[string]string{}
		for _, p := range s.children("properties")[0].children("property") {
			n, _ := p.attr("name")
			props[n], _ = p.attr("value")
		}
		want := map[string]string{"subject": r.Subject, "profile": "strict", "seed": strconv.FormatInt(r.Seed, 10),
			"contract_version": resolver.ContractVersion(), "protocol": harness.Protocol}
		for k, v := range want {
			if props[k] != v {
				name, _ := s.attr("name")
				t.Errorf("suite %s: property %s=%q; want %q", name, k, props[k], v)
			}
		}
	}
	oneshot := root.children("testsuite")[0]
	for _, tc := range oneshot.children("testcase") {
		name, _ := tc.attr("name")
		out, errs := tc.children("system-out"), tc.children("system-err")
		if strings.HasPrefix(name, "SF-8 ") {
			if len(out) != 1 || out[0].Text != "the answer\n" || len(errs) != 1 || !strings.Contains(errs[0].Text, "ValueError: boom") {
				t.Errorf("SF-8/oneshot does not carry its stdout and stderr: %+v", tc)
			}
		}
	}
}
