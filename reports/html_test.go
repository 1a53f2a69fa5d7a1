package reports_test

import (
	"bytes"
	"regexp"
	"strings"
	"testing"

	"github.com/fallbackgate/fallbackgate/reports"
)

func htmlOf(t *testing.T, runs ...*reports.Results) string {
	t.Helper()
	var b bytes.Buffer
	if err := reports.WriteHTML(&b, runs...); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// TestHTMLSelfContained checks that the report loads nothing: no src or
// external href, no CSS import or url(), and a content security policy
// that forbids the network.
func TestHTMLSelfContained(t *testing.T) {
	page := htmlOf(t, broken(t, nil))
	for _, re := range []*regexp.Regexp{
		regexp.MustCompile(`(?i)\ssrc\s*=`),
		regexp.MustCompile(`(?i)href\s*=\s*"(?:[a-z]+:|//)`),
		regexp.MustCompile(`(?i)@import|url\(`),
		regexp.MustCompile(`(?i)<link\b|<iframe\b|<img\b|fetch\(|XMLHttpRequest`),
	} {
		if m := re.FindString(page); m != "" {
			t.Errorf("the HTML report loads something: %q", m)
		}
	}
	if !strings.Contains(page, `content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'"`) {
		t.Error("the HTML report has no content security policy forbidding the network")
	}
}

// TestHTMLEscapesSubjectText puts markup in everything a subject controls.
func TestHTMLEscapesSubjectText(t *testing.T) {
	rep := handReport()
	evil := `<script>alert("x")</script><img src=x onerror=alert(1)>`
	rep.Results[4].Outcome.Stdout = evil
	rep.Results[4].Violations[0].Message = evil
	rep.Results[4].Outcome.Reply.Reply = evil
	page := htmlOf(t, reports.New(rep, nil))
	if strings.Contains(page, "<img src=x") || strings.Count(page, "<script>") != 1 {
		t.Errorf("subject text reached the HTML unescaped")
	}
}

// TestHTMLSeveralSubjects renders two runs in one matrix: the header names
// both subjects, each row has a cell per subject and surface.
func TestHTMLSeveralSubjects(t *testing.T) {
	a := broken(t, nil)
	b := reports.New(handReport(), nil)
	page := htmlOf(t, a, b)
	for _, want := range []string{`<th colspan="3">broken`, `<th colspan="3">hand`, `data-subject="hand" data-surface="gateway"`, `id="case-hand-SF-8-gateway"`} {
		if !strings.Contains(page, want) {
			t.Errorf("the two-subject report lacks %q", want)
		}
	}
	row := regexp.MustCompile(`(?s)<tr data-scenario="SF-2">.*?</tr>`).FindString(page)
	if n := strings.Count(row, "<td"); n != 6 {
		t.Errorf("SF-2's row has %d cells; want 6 (hand did not run SF-2: 3 empty)", n)
	}
}
