package reports_test

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// checkXUnitSchema checks a JUnit document against the structure of the
// common JUnit schema, written out as code: Ant's JUnit.xsd (as
// github.com/windyroad/JUnit-Schema states it), with the additions its
// common readers document and accept (the Jenkins JUnit plugin's schema,
// GitLab's and the GitHub Actions reporters' parsers):
//
//   - <testsuites> holds only <testsuite>s; its attributes, all optional,
//     are the run's totals: name, tests, failures, errors, disabled, time
//     (and, when present, they add up);
//   - a <testsuite> of an aggregated document has exactly the attributes
//     name, package (non-empty tokens), id, tests, failures, errors (ints),
//     time (a decimal), timestamp (ISO 8601 without a zone) and hostname
//     (a non-empty token), plus an optional skipped (an int), and its
//     counts match its testcases; its children are, in this order, one
//     <properties>, its <testcase>s, one <system-out>, one <system-err>;
//   - <properties> holds <property>s, each with a name (a non-empty token)
//     and a value;
//   - a <testcase> has name and classname (tokens) and time (a decimal),
//     and may have file (the source it tests: the readers' addition); its
//     children are at most one of <failure>, <error> (each with a type and
//     an optional message) or <skipped> (type and message optional), then
//     at most one <system-out> and one <system-err> (the readers' addition:
//     the case's own output).
//
// Anything else is an error. It returns every problem found.
func checkXUnitSchema(root xmlElem) []string {
	var errs []string
	bad := func(format string, args ...any) { errs = append(errs, fmt.Sprintf(format, args...)) }
	attrs := func(where string, e xmlElem, required []string, optional ...string) map[string]string {
		got := map[string]string{}
		for _, a := range e.Attrs {
			if !slices.Contains(required, a.Name.Local) && !slices.Contains(optional, a.Name.Local) {
				bad("%s: attribute %q is not in the schema", where, a.Name.Local)
			}
			got[a.Name.Local] = a.Value
		}
		for _, r := range required {
			if _, ok := got[r]; !ok {
				bad("%s: required attribute %q is missing", where, r)
			}
		}
		return got
	}
	match := func(where string, got map[string]string, re *regexp.Regexp, names ...string) {
		for _, n := range names {
			if v, ok := got[n]; ok && !re.MatchString(v) {
				bad("%s: %s=%q does not match %s", where, n, v, re)
			}
		}
	}
	token := func(where string, got map[string]string, names ...string) {
		for _, n := range names {
			if v, ok := got[n]; ok && (v == "" || strings.Join(strings.Fields(v), " ") != v) {
				bad("%s: %s=%q is not a non-empty token (no leading, trailing or repeated white space)", where, n, v)
			}
		}
	}

	if root.XMLName.Local != "testsuites" {
		bad("root is <%s>; want <testsuites>", root.XMLName.Local)
	}
	top := attrs("testsuites", root, nil, "name", "tests", "failures", "errors", "disabled", "time")
	match("testsuites", top, xsdInt, "tests", "failures", "errors", "disabled")
	match("testsuites", top, xsdDecimal, "time")
	sums := map[string]int{}
	for i, s := range root.Children {
		where := fmt.Sprintf("testsuite[%d]", i)
		if s.XMLName.Local != "testsuite" {
			bad("%s: <%s> inside <testsuites>", where, s.XMLName.Local)
			continue
		}
		got := attrs(where, s, []string{"name", "package", "id", "tests", "failures", "errors", "time", "timestamp", "hostname"}, "skipped")
		token(where, got, "name", "package", "hostname")
		match(where, got, xsdInt, "id", "tests", "failures", "errors", "skipped")
		match(where, got, xsdDecimal, "time")
		match(where, got, xsdTimestamp, "timestamp")

		// properties, testcase*, system-out, system-err: in that order.
		var order []string
		for _, c := range s.Children {
			name := c.XMLName.Local
			if name == "testcase" && len(order) > 0 && order[len(order)-1] == "testcase*" {
				continue
			}
			if name == "testcase" {
				name = "testcase*"
			}
			order = append(order, name)
		}
		if want := []string{"properties", "testcase*", "system-out", "system-err"}; !slices.Equal(order, want) && !slices.Equal(order, slices.Delete(slices.Clone(want), 1, 2)) {
			bad("%s: children %v; want properties, the testcases, system-out, system-err", where, order)
		}
		for _, props := range s.children("properties") {
			if len(props.Attrs) > 0 {
				bad("%s/properties: attributes are not in the schema", where)
			}
			for j, p := range props.Children {
				pw := fmt.Sprintf("%s/properties/property[%d]", where, j)
				if p.XMLName.Local != "property" {
					bad("%s: <%s> inside <properties>", pw, p.XMLName.Local)
					continue
				}
				token(pw, attrs(pw, p, []string{"name", "value"}), "name")
			}
		}
		for _, o := range append(s.children("system-out"), s.children("system-err")...) {
			if len(o.Attrs) > 0 || len(o.Children) > 0 {
				bad("%s/%s: only text is allowed", where, o.XMLName.Local)
			}
		}

		counts := map[string]int{}
		for j, tc := range s.children("testcase") {
			where := fmt.Sprintf("%s/testcase[%d]", where, j)
			counts["tests"]++
			got := attrs(where, tc, []string{"name", "classname", "time"}, "file")
			token(where, got, "name", "classname", "file")
			match(where, got, xsdDecimal, "time")
			var kids []string
			for _, ch := range tc.Children {
				kids = append(kids, ch.XMLName.Local)
				switch ch.XMLName.Local {
				case "failure", "error":
					attrs(where+"/"+ch.XMLName.Local, ch, []string{"type"}, "message")
					counts[map[string]string{"failure": "failures", "error": "errors"}[ch.XMLName.Local]]++
				case "skipped":
					attrs(where+"/skipped", ch, nil, "type", "message")
					counts["skipped"]++
				case "system-out", "system-err":
					if len(ch.Attrs) > 0 || len(ch.Children) > 0 {
						bad("%s/%s: only text is allowed", where, ch.XMLName.Local)
					}
				default:
					bad("%s: <%s> is not allowed in a testcase", where, ch.XMLName.Local)
				}
			}
			if !testcaseChildren.MatchString(strings.Join(kids, " ")) {
				bad("%s: children %v; want at most one of failure, error, skipped, then at most one system-out and one system-err", where, kids)
			}
		}
		for _, n := range []string{"tests", "failures", "errors", "skipped"} {
			v, ok := got[n]
			if !ok {
				continue
			}
			if want := strconv.Itoa(counts[n]); v != want {
				bad("%s: %s=%s, but it holds %s", where, n, v, want)
			}
			k, _ := strconv.Atoi(v)
			sums[n] += k
		}
	}
	for _, n := range []string{"tests", "failures", "errors"} {
		if v, ok := top[n]; ok && v != strconv.Itoa(sums[n]) {
			bad("testsuites: %s=%s, but its suites hold %d", n, v, sums[n])
		}
	}
	return errs
}

var (
	xsdTimestamp = regexp.MustCompile(`^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}$`)
	xsdDecimal   = regexp.MustCompile(`^[0-9]+(\.[0-9]+)?$`)
	xsdInt       = regexp.MustCompile(`^[0-9]+$`)
	// testcaseChildren is the content model of a testcase, its children's
	// names joined by spaces.
	testcaseChildren = regexp.MustCompile(`^((failure|error|skipped)( |$))?(system-out( |$))?(system-err)?$`)
)

// TestJUnitSchemaChecker: the checker accepts a minimal valid document and
// rejects each way of breaking the schema, one at a time, so that no rule
// of it is vacuous.
func TestJUnitSchemaChecker(t *testing.T) {
	const valid = `<testsuites name="x" tests="2" failures="1" errors="0" time="0.5">` +
		`<testsuite name="s" package="p" id="0" tests="2" failures="1" errors="0" skipped="0" time="0.5" timestamp="2026-01-01T00:00:00" hostname="h">` +
		`<properties><property name="seed" value="1"/></properties>` +
		`<testcase name="a" classname="p.s" time="0.1" file="scenarios/files/SF-1.yaml"><failure type="R7" message="m">text</failure><system-out>o</system-out><system-err>e</system-err></testcase>` +
		`<testcase name="b" classname="p.s" time="0.1"/>` +
		`<system-out></system-out><system-err></system-err></testsuite></testsuites>`
	if errs := checkXUnitSchema(parseJUnit(t, []byte(valid))); len(errs) > 0 {
		t.Fatalf("the valid document is rejected: %v", errs)
	}
	for _, tt := range []struct{ old, new, want string }{
		{`<testsuites name="x"`, `<testsuites colour="x"`, `attribute "colour" is not in the schema`},
		{`<testsuites name="x" tests="2"`, `<testsuites name="x" tests="3"`, "testsuites: tests=3, but its suites hold 2"},
		{` hostname="h"`, ``, `required attribute "hostname" is missing`},
		{` package="p"`, ` package=" p"`, "package=\" p\" is not a non-empty token"},
		{`timestamp="2026-01-01T00:00:00"`, `timestamp="2026-01-01T00:00:00Z"`, "timestamp="},
		{`time="0.5" timestamp`, `time="0.5s" timestamp`, `time="0.5s" does not match`},
		{`tests="2" failures="1" errors="0" skipped`, `tests="1" failures="1" errors="0" skipped`, "tests=1, but it holds 2"},
		{`<properties><property name="seed" value="1"/></properties>`, ``, "children [testcase* system-out system-err]"},
		{`<system-out></system-out><system-err></system-err></testsuite>`, `</testsuite>`, "children [properties testcase*]"},
		{`<system-out></system-out><system-err></system-err></testsuite>`, `<system-err></system-err><system-out></system-out></testsuite>`, "want properties, the testcases"},
		{`<property name="seed" value="1"/>`, `<property name="seed"/>`, `required attribute "value" is missing`},
		{`<property name="seed"`, `<prop name="seed"`, "<prop> inside <properties>"},
		{`<failure type="R7" message="m">`, `<failure message="m">`, `required attribute "type" is missing`},
		{`<testcase name="a" classname="p.s" time="0.1"`, `<testcase name="a" time="0.1"`, `required attribute "classname" is missing`},
		{` file="scenarios/files/SF-1.yaml"`, ` line="3"`, `attribute "line" is not in the schema`},
		{`<system-out>o</system-out><system-err>e</system-err></testcase>`, `<system-err>e</system-err><system-out>o</system-out></testcase>`, "children [failure system-err system-out]"},
		{`text</failure>`, `text</failure><error type="x"/>`, "children [failure error system-out system-err]"},
		{`<testcase name="b" classname="p.s" time="0.1"/>`, `<testcase name="b" classname="p.s" time="0.1"><note/></testcase>`, "<note> is not allowed in a testcase"},
		{`<testcase name="b"`, `<testcase name="b  c"`, "is not a non-empty token"},
		{`</testsuite></testsuites>`, `</testsuite><suite/></testsuites>`, "<suite> inside <testsuites>"},
	} {
		doc := strings.Replace(valid, tt.old, tt.new, 1)
		if doc == valid {
			t.Fatalf("%q is not in the valid document", tt.old)
		}
		errs := checkXUnitSchema(parseJUnit(t, []byte(doc)))
		if !slices.ContainsFunc(errs, func(e string) bool { return strings.Contains(e, tt.want) }) {
			t.Errorf("replacing %q with %q: the checker found %v; want a problem containing %q", tt.old, tt.new, errs, tt.want)
		}
	}
}
