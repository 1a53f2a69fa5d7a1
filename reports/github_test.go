package reports_test

import (
	"bytes"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/fallbackgate/fallbackgate/harness"
	"github.com/fallbackgate/fallbackgate/reports"
)

// ghAnnotation is a workflow command as the Actions runner reads it:
// ::LEVEL key=value,key=value::MESSAGE, each part unescaped.
type ghAnnotation struct{ Level, File, Title, Message string }

var ghLine = regexp.MustCompile(`^::(error|warning|notice)(?: ([^:]*))?::(.*)$`)

func parseGitHub(t *testing.T, out string) []ghAnnotation {
	t.Helper()
	unescape := strings.NewReplacer("%0D", "\r", "%0A", "\n", "%3A", ":", "%2C", ",", "%25", "%").Replace
	var anns []ghAnnotation
	for _, line := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
		m := ghLine.FindStringSubmatch(line)
		if m == nil {
			t.Fatalf("not a workflow command: %q", line)
		}
		a := ghAnnotation{Level: m[1], Message: unescape(m[3])}
		for _, kv := range strings.Split(m[2], ",") {
			k, v, _ := strings.Cut(kv, "=")
			switch k {
			case "file":
				a.File = unescape(v)
			case "title":
				a.Title = unescape(v)
			case "":
			default:
				t.Errorf("unknown property %q in %q", k, line)
			}
		}
		anns = append(anns, a)
	}
	return anns
}

// TestWriteGitHub: one error annotation per unexpected failure, on the
// scenario's file, titled with its rules; parity, stale expectations and a
// surface that could not be started are errors too, a known failure a
// warning; the message keeps its lines through the runner's escaping, and
// nothing is written for a run that passes.
func TestWriteGitHub(t *testing.T) {
	rep := handReport()
	for i := range rep.Results {
		rep.Results[i].Source = "scenarios/files/" + rep.Results[i].Scenario + ".yaml"
		if rep.Results[i].Status == harness.StatusFail {
			rep.Results[i].Violations = append(rep.Results[i].Violations, harness.Violation{Rule: "R15", Message: "50% of: the notice, missing"})
			rep.Results[i].Outcome.Stderr = "Traceback\nValueError: key sk-live-0123456789abcdefghijkl is bad\n"
		}
	}
	exp, err := reports.ParseExpectations("expect.yaml", []byte("known_failures:\n  - {scenario: SF-1, surface: oneshot, rule: R9, reason: was broken}\n"))
	if err != nil {
		t.Fatal(err)
	}
	r := reports.New(rep, exp)
	r.SetNotStarted([]harness.NotStarted{{Surface: harness.CLI, Reason: "exited with code 1", Cases: 1, Stderr: "ImportError: x\n"}})
	var b bytes.Buffer
	if err := reports.WriteGitHub(&b, r); err != nil {
		t.Fatal(err)
	}
	anns := parseGitHub(t, b.String())
	type brief struct{ Level, File, Title string }
	var got []brief
	for _, a := range anns {
		got = append(got, brief{a.Level, a.File, a.Title})
	}
	want := []brief{
		{"error", "scenarios/files/SF-1.yaml", "stale expectation"},
		{"error", "scenarios/files/SF-8.yaml", "R7,R15"},
		{"error", "scenarios/files/SF-8.yaml", "parity"},
		{"error", "", "could not be started"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("annotations (-want +got):\n%s\n%s", diff, b.String())
	}
	msg := anns[1].Message
	for _, line := range []string{"SF-8/gateway (rate-limited-primary): expected failed: openai-codex codex_rate_limited",
		"R7: quota amplification", "R15: 50% of: the notice, missing", "stderr: ValueError: key [redacted] is bad", "reproduce: fallbackgate run --scenario SF-8"} {
		if !strings.Contains(msg, line) {
			t.Errorf("the SF-8 annotation lacks %q:\n%s", line, msg)
		}
	}
	if strings.Contains(b.String(), "sk-live") {
		t.Error("an annotation carries a secret")
	}
	if !strings.Contains(anns[3].Message, "ImportError: x") {
		t.Errorf("the not-started annotation lacks its stderr: %q", anns[3].Message)
	}

	known, err := reports.ParseExpectations("expect.yaml", []byte("known_failures:\n  - {scenario: SF-8, surface: gateway, rule: R7, reason: issue 42}\n  - {scenario: SF-8, surface: gateway, rule: R15, reason: issue 43}\n"))
	if err != nil {
		t.Fatal(err)
	}
	b.Reset()
	if err := reports.WriteGitHub(&b, reports.New(rep, known)); err != nil {
		t.Fatal(err)
	}
	if anns := parseGitHub(t, b.String()); anns[0].Level != "warning" || anns[0].Title != "known R7,R15" || !strings.Contains(anns[0].Message, "issue 42") {
		t.Errorf("a known failure is not a warning: %+v", anns)
	}

	pass := handReport()
	pass.Results, pass.Parity = pass.Results[:3], nil
	b.Reset()
	if err := reports.WriteGitHub(&b, reports.New(pass, nil)); err != nil || b.Len() != 0 {
		t.Errorf("a passing run annotates: %v %q", err, b.String())
	}
}
