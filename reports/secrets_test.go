package reports_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/fallbackgate/fallbackgate/fakes"
	"github.com/fallbackgate/fallbackgate/harness"
	"github.com/fallbackgate/fallbackgate/harness/gate"
	"github.com/fallbackgate/fallbackgate/reports"
	"github.com/fallbackgate/fallbackgate/resolver"
	"github.com/fallbackgate/fallbackgate/scenarios"
)

// leaky is a surface that resolves a real key from the case's fakes and
// leaks it everywhere a subject can: stdout, stderr, an event, the gateway
// reply and a protocol failure that quotes it.
type leaky struct {
	name string
	mu   sync.Mutex
	keys []string
}

func (l *leaky) Name() string { return l.name }

func (l *leaky) Start(ctx context.Context, c harness.Case) (harness.Outcome, error) {
	var key string
	for _, base := range c.Providers {
		body := fmt.Sprintf(`{"model": %q, "base_url": %q}`, c.Config.Model.Default, base)
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, base+"/resolve", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			continue
		}
		var rt struct {
			Runtime struct {
				APIKey string `json:"api_key"`
			} `json:"runtime"`
		}
		json.NewDecoder(resp.Body).Decode(&rt)
		resp.Body.Close()
		if key = rt.Runtime.APIKey; key != "" {
			break
		}
	}
	l.mu.Lock()
	l.keys = append(l.keys, key)
	l.mu.Unlock()
	out := harness.Outcome{
		Surface: l.name, ExitCode: 1,
		Stdout:  "using key " + key + "\n",
		Stderr:  "POST /v1/chat/completions\nAuthorization: Bearer " + key + "\n",
		Events:  []harness.Event{{Event: harness.EventFailed, Error: &harness.EventError{Type: "other", Message: "auth header was Bearer " + key}}},
		Failure: fmt.Sprintf(`protocol: events.jsonl:1: unknown event in line {"event": "key", "api_key": %q}`, key),
	}
	if l.name == harness.Gateway {
		out.Reply = &harness.Reply{ID: "r1", Session: "s1", OK: true, Reply: key, Notice: "key " + key}
	}
	return out, nil
}

// TestNoSecretInAnyReport runs a subject that leaks the keys the fakes
// issue into every output it controls, and checks that no report format
// carries any of them, while the gate still reports the leak (R16).
func TestNoSecretInAnyReport(t *testing.T) {
	sub := &harness.Subject{Name: "leaky", Profile: resolver.Strict, Surfaces: map[string]harness.Surface{}}
	surfaces := map[string]*leaky{}
	for _, n := range harness.Surfaces {
		surfaces[n] = &leaky{name: n}
		sub.Surfaces[n] = surfaces[n]
	}
	sel, err := scenarios.Select([]string{"SF-1", "SF-2", "SF-3"})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := gate.Run(context.Background(), gate.Config{Subject: sub, Scenarios: sel, Seed: 11})
	if err != nil {
		t.Fatal(err)
	}
	var secrets []string
	for _, l := range surfaces {
		for _, k := range l.keys {
			if k != "" {
				secrets = append(secrets, k)
			}
		}
	}
	if len(secrets) < 9 {
		t.Fatalf("the leaky subject got %d keys from the fakes; want one per case (9)", len(secrets))
	}
	leakedRaw := false
	for _, r := range rep.Results {
		raw, _ := json.Marshal(r)
		for _, s := range secrets {
			leakedRaw = leakedRaw || strings.Contains(string(raw), s)
		}
		if !slices.Contains(r.Violations.Rules(), "R16") {
			t.Errorf("%s/%s: the leak is not reported as R16: %v", r.Scenario, r.Surface, r.Violations)
		}
	}
	if !leakedRaw {
		t.Log("note: the harness now redacts every field itself; the reports' own redaction is the second line of defence")
	}
	res := reports.New(rep, nil)
	for name, out := range render(t, res) {
		for _, s := range secrets {
			if strings.Contains(out, s) {
				t.Errorf("the %s report contains the fakes' key %s", name, s)
			}
		}
		if !strings.Contains(out, reports.Redacted) && name != "markdown" {
			t.Errorf("the %s report shows no %s where the keys were", name, reports.Redacted)
		}
	}
}

// TestNoFleetSecretInAnyReport takes every secret a fleet of fakes
// issues (access and refresh tokens) and plants them in every field of a
// report; no format may carry one.
func TestNoFleetSecretInAnyReport(t *testing.T) {
	fleet, err := fakes.NewFleet(fakes.Config{Seed: 5, Providers: []fakes.Provider{{Name: "xai-oauth"}, {Name: "openai-codex"}}})
	if err != nil {
		t.Fatal(err)
	}
	defer fleet.Close()
	for _, p := range []string{"xai-oauth", "openai-codex"} {
		for range 3 {
			body := fmt.Sprintf(`{"model": "m", "base_url": %q}`, fleet.BaseURL(p))
			resp, err := fleet.Client().Post(fleet.BaseURL(p)+"/resolve", "application/json", strings.NewReader(body))
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
		}
	}
	secrets := fleet.Secrets()
	if len(secrets) < 2 {
		t.Fatalf("the fleet issued %d secrets; want access and refresh tokens", len(secrets))
	}
	all := strings.Join(secrets, " ")
	rep := handReport()
	for i := range rep.Results {
		r := &rep.Results[i]
		r.Outcome.Stdout, r.Outcome.Stderr, r.Outcome.Failure, r.ScenarioName = all, "Bearer "+secrets[0], all, "name "+secrets[1]
		r.Trace = append(r.Trace, all)
		r.Violations = append(r.Violations, harness.Violation{Rule: "R16", Message: all})
		r.Outcome.Events = append(r.Outcome.Events, harness.Event{Event: harness.EventFailed, Error: &harness.EventError{Type: "other", Message: all}})
		r.Ledger = append(r.Ledger, fakes.Call{Seq: 9, Provider: "xai-oauth", Endpoint: "resolve", Fault: all, Code: secrets[0]})
		r.Outcome.Reply = &harness.Reply{Reply: all, Notice: all, Class: secrets[0]}
		r.Repro = "fallbackgate run --scenario " + secrets[0]
		r.Expected.Error, r.Observed.Error = all, all
	}
	rep.Parity = append(rep.Parity, harness.Violation{Rule: "parity", Message: "SF-1: " + all})
	res := reports.New(rep, nil)
	res.SetShutdown(fmt.Errorf("stderr said %s", all))
	for name, out := range render(t, res) {
		for _, s := range secrets {
			if strings.Contains(out, s) {
				t.Errorf("the %s report contains the fleet's secret %s", name, s)
			}
		}
	}
}
