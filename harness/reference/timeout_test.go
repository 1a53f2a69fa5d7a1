package reference_test

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/fallbackgate/fallbackgate/fakes"
	"github.com/fallbackgate/fallbackgate/harness"
	"github.com/fallbackgate/fallbackgate/harness/reference"
	"github.com/fallbackgate/fallbackgate/resolver"
)

// TestRequestTimeoutFromCase: the reference gives up on a request to a
// hanging fake after the case's request_timeout_ms (PROTOCOL.md), not after
// its own default bound, and treats it as a non-auth error: the primary's
// hang propagates (R5), nothing else is resolved and the oneshot exits 1.
// Time is virtual (synctest): the request times out at exactly 250ms.
func TestRequestTimeoutFromCase(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		fleet, err := fakes.NewFleet(fakes.Config{Providers: []fakes.Provider{
			{Name: "xai-oauth", Plan: fakes.MustParse("hang")},
			{Name: "openai-codex"},
		}})
		if err != nil {
			t.Fatal(err)
		}
		defer fleet.Close()
		c := harness.Case{
			Protocol: harness.Protocol, ID: "hang/oneshot", Surface: harness.Oneshot,
			Config: harness.CaseConfig{
				Model:             harness.PrimaryConfig{Provider: "xai-oauth", Default: "grok-4.3"},
				FallbackProviders: []harness.ConfigEntry{{Entry: resolver.Entry{Provider: "openai-codex", Model: "gpt-5.5"}}},
			},
			Prompt: harness.DefaultPrompt, Providers: fleet.BaseURLs(), RequestTimeoutMS: 250,
		}
		var stdout, stderr bytes.Buffer
		start := time.Now()
		code := reference.RunOneshot(context.Background(), c, reference.Env{Stdout: &stdout, Stderr: &stderr, Client: fleet.Client()})
		if took := time.Since(start); took != 250*time.Millisecond {
			t.Errorf("the start-up took %v; want the case's request_timeout_ms, 250ms", took)
		}
		if code != harness.ExitFailure || !strings.Contains(stderr.String(), "no answer in time") {
			t.Errorf("exit %d, stderr %q; want 1 and a non-auth error (no answer in time)", code, stderr.String())
		}
		if n := fleet.Ledger().Len(); n != 1 {
			t.Errorf("%d requests; want the primary's resolve alone (R5)", n)
		}
	})
}
