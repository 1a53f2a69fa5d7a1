package fakes

import (
	"testing"
	"time"
)

func TestCallString(t *testing.T) {
	model := "grok-4.3"
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
	}
	for _, tt := range tests {
		if got := tt.call.String(); got != tt.want {
			t.Errorf("String() = %q, want %q", got, tt.want)
		}
	}
}
