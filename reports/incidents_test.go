package reports_test

import (
	"bytes"
	"context"
	"encoding/xml"
	"strings"
	"testing"

	"github.com/fallbackgate/fallbackgate/harness/incident"
	"github.com/fallbackgate/fallbackgate/harness/reference"
	"github.com/fallbackgate/fallbackgate/reports"
	"github.com/fallbackgate/fallbackgate/scenarios"
)

// withIncidents is a hand report with three incidents, replayed for real:
// v6.6 held by the reference, quota-wall failed by the mutant that falls
// back on a 429, and a v6.6 whose reproduced list the pre-fix side cannot
// meet (a broken file).
func withIncidents(t *testing.T) *reports.Results {
	t.Helper()
	replay := func(name string, cfg incident.ReplayConfig, edit func(*incident.Incident)) reports.Incident {
		inc, err := scenarios.Incident(name)
		if err != nil {
			t.Fatal(err)
		}
		if edit != nil {
			edit(&inc)
		}
		rep, err := incident.ReplayIncident(context.Background(), inc, cfg)
		if err != nil {
			t.Fatal(err)
		}
		return reports.NewIncident(rep, "fallbackgate replay "+inc.Source+" --seed 1")
	}
	m, err := reference.MutantByName("falls-back-on-rate-limit")
	if err != nil {
		t.Fatal(err)
	}
	r := reports.New(handReport(), nil)
	r.SetIncidents([]reports.Incident{
		replay("v6.6", incident.ReplayConfig{Seed: 1}, nil),
		replay("quota-wall", incident.ReplayConfig{Seed: 1, Subject: reference.Subject("mutant", m.Options), InProcess: true, Label: "mutant falls-back-on-rate-limit"}, nil),
		replay("v6.6", incident.ReplayConfig{Seed: 1}, func(inc *incident.Incident) {
			inc.ID, inc.Reproduced = "INC-v6.6-broken", inc.Holds // the pre-fix side does not land
		}),
	})
	return r
}

// TestIncidentsInEveryFormat: each incident a run replayed is a row of
// every format, a failing one with its failed assertions and the command
// that replays it, and each counts in the gate: one passed, two failed.
func TestIncidentsInEveryFormat(t *testing.T) {
	r := withIncidents(t)
	if got := r.Gate; got.OK || got.Failed != 4 || got.Passed != 5 { // the hand report's SF-8 and its parity fail too
		t.Errorf("gate %+v; want not OK, 5 passed (4 cases and v6.6), 4 failed (SF-8, its parity and two incidents)", got)
	}
	if b := r.Broken(); len(b) != 1 || b[0].ID != "INC-v6.6-broken" {
		t.Errorf("Broken() = %v; want the broken v6.6", b)
	}
	failed := "FAIL  resolve requests to anthropic, at most 0: 6"
	var text bytes.Buffer
	if err := reports.WriteText(&text, r); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"INC-v6.6 v6.6 (incident)  ", "INC-quota-wall quota-wall (incident)  FAIL", "INC-v6.6-broken v6.6 (incident)       BROKEN",
		"INC-quota-wall (scenarios/incidents/quota-wall.yaml, oneshot): subject mutant falls-back-on-rate-limit does not hold the contract: 5 of 9 assertion(s) failed",
		failed, "replay: fallbackgate replay scenarios/incidents/quota-wall.yaml --seed 1",
		"INC-v6.6-broken (scenarios/incidents/v6.6.yaml, oneshot): the pre-fix side (mutant ignores-chain) did not reproduce the incident"} {
		if !strings.Contains(text.String(), want) {
			t.Errorf("terminal report lacks %q:\n%s", want, text.String())
		}
	}
	for _, f := range reports.Formats {
		var b bytes.Buffer
		if err := f.Write(&b, r); err != nil {
			t.Fatal(err)
		}
		out := b.String()
		for _, want := range []string{"INC-v6.6", "INC-quota-wall", "INC-v6.6-broken", "resolve requests to anthropic, at most 0: 6"} {
			if !strings.Contains(out, want) {
				t.Errorf("%s lacks %q", f.File, want)
			}
		}
		if f.Name == "junit" {
			var doc struct {
				Suites []struct {
					Name     string `xml:"name,attr"`
					Tests    int    `xml:"tests,attr"`
					Failures int    `xml:"failures,attr"`
					Errors   int    `xml:"errors,attr"`
				} `xml:"testsuite"`
			}
			if err := xml.Unmarshal(b.Bytes(), &doc); err != nil {
				t.Fatal(err)
			}
			last := doc.Suites[len(doc.Suites)-1]
			if last.Name != "incidents" || last.Tests != 3 || last.Failures != 1 || last.Errors != 1 {
				t.Errorf("junit's last suite %+v; want incidents: 3 tests, 1 failure, 1 error (the broken file)", last)
			}
		}
	}
	back, err := reports.ReadJSON("results.json", jsonBytes(t, r))
	if err != nil {
		t.Fatal(err)
	}
	if len(back.Incidents) != 3 || !back.Incidents[0].OK() || back.Incidents[1].Holds || back.Incidents[2].Reproduced {
		t.Errorf("results.json incidents read back as %+v", back.Incidents)
	}
}

func jsonBytes(t *testing.T, r *reports.Results) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := reports.WriteJSON(&b, r); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}
