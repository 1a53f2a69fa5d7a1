package reports_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/fallbackgate/fallbackgate/harness"
	"github.com/fallbackgate/fallbackgate/reports"
)

// TestMarkdownMatrixFirstThenFailures checks the order a pull-request
// reader needs: verdict, matrix, then each failure with its rule and its
// reproduce command.
func TestMarkdownMatrixFirstThenFailures(t *testing.T) {
	r := broken(t, nil)
	var b bytes.Buffer
	if err := reports.WriteMarkdown(&b, r); err != nil {
		t.Fatal(err)
	}
	md := b.String()
	if !strings.HasPrefix(md, "## ❌ fallbackgate: ") {
		t.Errorf("markdown does not start with the verdict: %q", md[:min(80, len(md))])
	}
	matrix := strings.Index(md, "| scenario | oneshot | gateway | cli |")
	failures := strings.Index(md, "### Failures")
	if matrix < 0 || failures < 0 || matrix > failures {
		t.Fatalf("want the matrix (at %d) before the failures (at %d):\n%s", matrix, failures, md)
	}
	for _, row := range []string{"| SF-1 primary-succeeds | ✅ pass | ✅ pass | ✅ pass |", "| SF-8 rate-limited-primary | ❌ FAIL R7,R15 |"} {
		if !strings.Contains(md, row) {
			t.Errorf("matrix lacks %q", row)
		}
	}
	for _, c := range r.Cases {
		if c.Status != harness.StatusFail {
			continue
		}
		at := strings.Index(md, "`"+c.ID()+"`")
		if at < failures {
			t.Errorf("failure %s has no section after the matrix", c.ID())
			continue
		}
		section := md[at:]
		if next := strings.Index(section[1:], "\n#### "); next > 0 {
			section = section[:next]
		}
		if !strings.Contains(section, "**"+c.Violations[0].Rule+"**") || !strings.Contains(section, "```sh\n"+c.Repro+"\n```") {
			t.Errorf("failure %s lacks its rule or reproduce command:\n%s", c.ID(), section)
		}
	}
}

func TestMarkdownEscapesTableBreakers(t *testing.T) {
	rep := handReport()
	rep.Results[4].Violations[0].Message = "a | b <script>alert(1)</script> *bold* `code`"
	var b bytes.Buffer
	if err := reports.WriteMarkdown(&b, reports.New(rep, nil)); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(b.String(), "<script>") || !strings.Contains(b.String(), `a \| b &lt;script&gt;`) {
		t.Errorf("markdown does not escape a violation's markup:\n%s", b.String())
	}
}
