package reports_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/fallbackgate/fallbackgate/harness"
	"github.com/fallbackgate/fallbackgate/reports"
)

// TestJSONRoundTrip writes the results model and reads it back unchanged,
// and checks that every field the README documents is in the file.
func TestJSONRoundTrip(t *testing.T) {
	r := broken(t, nil)
	var b bytes.Buffer
	if err := reports.WriteJSON(&b, r); err != nil {
		t.Fatal(err)
	}
	back, err := reports.ReadJSON("results.json", b.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(r, back, cmpopts.EquateEmpty(), cmpopts.EquateApproxTime(0)); diff != "" {
		t.Errorf("results changed through JSON (-wrote +read):\n%s", diff)
	}
	var doc map[string]any
	json.Unmarshal(b.Bytes(), &doc)
	if doc["version"] != reports.Version {
		t.Errorf("version %v; want %q", doc["version"], reports.Version)
	}
	for _, k := range []string{"subject", "profile", "seed", "surfaces", "started", "gate", "cases"} {
		if _, ok := doc[k]; !ok {
			t.Errorf("results.json lacks %q", k)
		}
	}
	fail := firstFailure(t, r)
	var c map[string]any
	for _, x := range doc["cases"].([]any) {
		m := x.(map[string]any)
		if m["scenario"] == fail.Scenario && m["surface"] == fail.Surface {
			c = m
		}
	}
	for _, k := range []string{"scenario", "surface", "subject", "profile", "seed", "verdict", "status", "violations", "trace", "events", "ledger", "exit_code", "repro", "expected", "observed"} {
		if _, ok := c[k]; !ok {
			t.Errorf("case %s in results.json lacks %q", fail.ID(), k)
		}
	}
	if v := c["violations"].([]any)[0].(map[string]any); v["rule"] == "" {
		t.Errorf("violation without a rule: %v", v)
	}
	if l := c["ledger"].([]any); len(l) == 0 || l[0].(map[string]any)["at_ns"] == nil {
		t.Errorf("ledger without times: %v", l)
	}
}

func TestReadJSONRejectsOtherVersions(t *testing.T) {
	for _, tt := range []struct{ data, want string }{
		{`{"version": "fallbackgate/results/0"}`, `results.json: version: "fallbackgate/results/0" is not supported`},
		{`{"subject": "x"}`, "results.json: version: missing"},
		{`[1, 2]`, "results.json: not a fallbackgate results file"},
	} {
		if _, err := reports.ReadJSON("results.json", []byte(tt.data)); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("ReadJSON(%s) = %v; want an error containing %q", tt.data, err, tt.want)
		}
	}
}

func TestCountsMatchTheHarness(t *testing.T) {
	rep, _ := brokenRun()
	passed, failed, skipped := harnessCounts(rep)
	g := broken(t, nil).Gate
	if g.Passed != passed || g.Failed != failed || g.Skipped != skipped || g.OK != (failed == 0) {
		t.Errorf("gate %+v; the harness counts %d passed, %d failed, %d skipped", g, passed, failed, skipped)
	}
}

func TestTextEndsWithCounts(t *testing.T) {
	r := reports.New(handReport(), nil)
	var b bytes.Buffer
	if err := reports.WriteText(&b, r, "reports written to out (junit.xml, results.json, summary.md, report.html)"); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(b.String()), "\n")
	if got := lines[len(lines)-1]; got != "4 passed, 2 failed, 1 skipped" {
		t.Errorf("last line %q; want %q", got, "4 passed, 2 failed, 1 skipped")
	}
	for _, want := range []string{"SF-8 rate-limited-primary", "FAIL R7", "n/a", "reports written to out", "reproduce: fallbackgate run --scenario SF-8 --surface gateway", "parity: SF-8: the surfaces decided differently"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("text report lacks %q:\n%s", want, b.String())
		}
	}
	_ = harness.Surfaces
}

// TestJSONNotImplementedSpelling: fallbackgate/results/1 writes a surface
// the subject does not implement as verdict "not implemented" and status
// "n/a", as before the harness and the reports shared one status type, and
// reads it back as harness.StatusNotImplemented.
func TestJSONNotImplementedSpelling(t *testing.T) {
	var b bytes.Buffer
	if err := reports.WriteJSON(&b, reports.New(handReport(), nil)); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Cases []map[string]any `json:"cases"`
	}
	if err := json.Unmarshal(b.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range doc.Cases {
		if c["scenario"] == "SF-8" && c["surface"] == harness.CLI {
			got = append(got, fmt.Sprint(c["verdict"]), fmt.Sprint(c["status"]))
		}
	}
	if want := []string{"not implemented", "n/a"}; !cmp.Equal(got, want) {
		t.Errorf("SF-8/cli in results.json: verdict and status %q; want %q", got, want)
	}
	back, err := reports.ReadJSON("results.json", b.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range back.Cases {
		if c.ID() == "SF-8/cli" && (c.Judged() != harness.StatusNotImplemented || c.Status != harness.StatusNotImplemented) {
			t.Errorf("SF-8/cli read back as verdict %q, status %q; want %q", c.Judged(), c.Status, harness.StatusNotImplemented)
		}
	}
}
