package reports_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/fallbackgate/fallbackgate/harness"
	"github.com/fallbackgate/fallbackgate/reports"
)

// longTraceback is a 40-line stderr whose first line and last line both
// matter, with a secret-shaped token in the middle of the tail.
func longTraceback() string {
	var b strings.Builder
	b.WriteString("panic: the first line says why\n")
	for i := range 38 {
		fmt.Fprintf(&b, "  frame %02d\n", i)
	}
	b.WriteString("debug key=sk-live-0123456789abcdefghijkl\n")
	b.WriteString("ModuleNotFoundError: No module named 'agent_worker_sdk'\n")
	return b.String()
}

func TestStderrExcerpt(t *testing.T) {
	lines := func(n int) string {
		var out []string
		for i := 1; i <= n; i++ {
			out = append(out, fmt.Sprintf("l%d", i))
		}
		return strings.Join(out, "\n") + "\n"
	}
	for _, tt := range []struct {
		name, in string
		want     []string
	}{
		{"empty", "", nil},
		{"blank", "\n \n", nil},
		{"short", "\nonly line\r\n\n", []string{"only line"}},
		{"25 lines: all", lines(25), strings.Split(strings.TrimSuffix(lines(25), "\n"), "\n")},
		{"26 lines: head and tail", lines(26), append([]string{"l1", "l2", "l3", "l4", "l5", "… (1 line(s) not shown) …"},
			strings.Split(strings.TrimSuffix(strings.TrimPrefix(lines(26), lines(6)), "\n"), "\n")...)},
	} {
		if diff := cmp.Diff(tt.want, reports.StderrExcerpt(tt.in)); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tt.name, diff)
		}
	}
	long := strings.Repeat("a", 300) + strings.Repeat("b", 700) + "END"
	got := reports.StderrExcerpt(long)
	if len(got) != 1 || !strings.HasPrefix(got[0], "aaa") || !strings.HasSuffix(got[0], "bbbEND") || len(got[0]) > 450 {
		t.Errorf("a long line is cut in its middle, keeping both ends: %q", got)
	}
}

// TestFailureShowsStderr: a failing case shows the first and the last
// lines of the subject's stderr, redacted, in the terminal report, the
// Markdown, the HTML and the JUnit failure; the middle is left out.
func TestFailureShowsStderr(t *testing.T) {
	rep := handReport()
	for i := range rep.Results {
		if rep.Results[i].Status == harness.StatusFail {
			rep.Results[i].Outcome.Stderr = longTraceback()
		}
	}
	out := render(t, reports.New(rep, nil))
	// JUnit carries all of stderr in <system-err>; its failure text shows
	// the excerpt.
	root := parseJUnit(t, []byte(out["junit"]))
	tc := root.children("testsuite")[1].children("testcase")[1]
	errs := tc.children("system-err")
	if len(errs) != 1 || !strings.Contains(errs[0].Text, "frame 10") || strings.Contains(errs[0].Text, "sk-live-0123456789") {
		t.Errorf("SF-8/gateway's <system-err> does not carry all of stderr, redacted: %+v", tc)
	}
	out["junit"] = tc.children("failure")[0].Text
	for _, format := range []string{"text", "markdown", "html", "junit"} {
		got := out[format]
		for _, want := range []string{"panic: the first line says why", "No module named", "frame 37", "(first 5 and last 20 of 41 lines)"} {
			if !strings.Contains(got, want) {
				t.Errorf("%s lacks %q", format, want)
			}
		}
		if strings.Contains(got, "frame 10") {
			t.Errorf("%s shows the middle of stderr (frame 10); want the first 5 and the last 20 lines", format)
		}
		if strings.Contains(got, "sk-live-0123456789") {
			t.Errorf("%s shows a secret from stderr", format)
		}
	}
	if !strings.Contains(out["text"], "  stderr (first 5 and last 20 of 41 lines):\n    | panic: the first line says why\n") {
		t.Errorf("the terminal report does not show stderr under the failure:\n%s", out["text"])
	}
}

// TestNotStartedReports: a subject that could not be started is reported
// once per distinct stderr, with its surfaces, in every format; its cases
// leave the matrix and the counts, and the gate fails.
func TestNotStartedReports(t *testing.T) {
	r := reports.New(handReport(), nil)
	tb := "Traceback (most recent call last):\n  File \"adapter.py\", line 4\nModuleNotFoundError: No module named 'sdk'\n"
	r.SetNotStarted([]harness.NotStarted{
		{Surface: harness.Oneshot, Command: []string{"python3", "adapter.py", "oneshot"}, Reason: "exited with code 1 before speaking the protocol, on each of its 2 case(s)", Cases: 2, Stderr: tb},
		{Surface: harness.Gateway, Command: []string{"python3", "adapter.py", "gateway"}, Reason: "exited before speaking the protocol, on each of its 2 case(s)", Cases: 2, Stderr: tb},
	})
	if r.OK() {
		t.Error("a subject that could not be started passes the gate")
	}
	for _, c := range r.Cases {
		if c.Surface != harness.CLI {
			t.Errorf("case %s is still in the results", c.ID())
		}
	}
	out := render(t, r)
	for _, format := range []string{"text", "markdown", "html", "junit", "json"} {
		if n := strings.Count(out[format], "No module named"); n == 0 || (format != "junit" && format != "json" && n != 1) {
			t.Errorf("%s shows the traceback %d times; want once (junit: per surface)", format, n)
		}
	}
	if !strings.Contains(out["text"], "oneshot surface (python3 adapter.py oneshot): exited with code 1 before speaking the protocol") ||
		!strings.HasSuffix(out["text"], "1 passed, 1 failed, 1 skipped, 4 not started\n") {
		t.Errorf("terminal report:\n%s", out["text"])
	}
	if !strings.Contains(out["junit"], `<error type="not-started" message="the oneshot surface (python3 adapter.py oneshot) could not be started`) {
		t.Errorf("junit has no not-started error:\n%s", out["junit"])
	}
}
