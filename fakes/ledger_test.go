package fakes

import (
	"testing"
	"time"
)

func TestCallString(t *testing.T) {
	model, base := "grok-4.3", "https://eu.anthropic.example/v1"
	tests := []struct {
		call Call
		want string
	}{
		{
			Call{Seq: 3, Provider: "xai-oauth", Endpoint: "resolve", At: 1500 * time.Millisecond, Model: &model, Status: 401, Served: "auth", Code: "xai_auth_missing_access_token"},
			"#3 +1.5s xai-oauth resolve model=grok-4.3 401 auth xai_auth_missing_access_token",
		},
		{
			// Real time: the offset reads to the microsecond.
			Call{Seq: 1, Provider: "openai-codex", Endpoint: "completions", At: 345625403 * time.Nanosecond, Status: 200, Served: "ok"},
			"#1 +345.625ms openai-codex completions model=- 200 ok",
		},
		{
			// A resolve that named a base URL shows it after the model.
			Call{Seq: 2, Provider: "anthropic", Endpoint: "resolve", At: time.Second, Model: &model, BaseURL: &base, Status: 200, Served: "ok"},
			"#2 +1s anthropic resolve model=grok-4.3 base_url=https://eu.anthropic.example/v1 200 ok",
		},
	}
	for _, tt := range tests {
		if got := tt.call.String(); got != tt.want {
			t.Errorf("String() = %q, want %q", got, tt.want)
		}
	}
}

// TestLedgerRecordsBaseURL: the ledger records each request's requested
// model and base URL as its body named them (PROTOCOL.md), nil for a null
// or missing field.
func TestLedgerRecordsBaseURL(t *testing.T) {
	f, err := NewFleet(Config{Providers: []Provider{{Name: "anthropic"}}})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, body := range []string{
		`{"model": "claude-opus-4-7", "base_url": "https://eu.anthropic.example/v1"}`,
		`{"model": null, "base_url": null}`,
		`{}`,
	} {
		f.serve(f.providers["anthropic"], EndpointResolve, "127.0.0.1:1", "", decodeRequest([]byte(body)))
	}
	calls := f.Ledger().Calls()
	if len(calls) != 3 {
		t.Fatalf("ledger has %d calls; want 3", len(calls))
	}
	if c := calls[0]; c.Model == nil || *c.Model != "claude-opus-4-7" || c.BaseURL == nil || *c.BaseURL != "https://eu.anthropic.example/v1" {
		t.Errorf("call 1 recorded model %v base_url %v; want claude-opus-4-7 and https://eu.anthropic.example/v1", c.ModelString(), c.BaseURL)
	}
	for _, c := range calls[1:] {
		if c.Model != nil || c.BaseURL != nil {
			t.Errorf("call %d recorded model %v base_url %v; want both nil", c.Seq, c.Model, c.BaseURL)
		}
	}
}
