package cli

import (
	"strings"
	"testing"
)

func TestReplayV66(t *testing.T) {
	stdout, stderr, code := run(t, "replay", "v6.6", "--seed", "1")
	if code != ExitConforms {
		t.Fatalf("replay v6.6 exited %d; want 0\n%s%s", code, stdout, stderr)
	}
	for _, want := range []string{
		"== pre-fix: start-up ignores the chain (mutant ignores-chain) ==",
		"verdict (ok): incident reproduced: 1 of 1 assertions held\n  ok    every worker started at or after t=1m50s exits non-zero: 12 of 12\n",
		"== contract: the reference subject ==",
		"verdict (ok): the contract holds: 4 of 4 assertions held\n",
		"  ok    every worker started at or after t=1m50s lands on openai-codex/gpt-5.5 with remaining [xai-oauth/grok-4.3]: 12 of 12\n",
	} {
		if !strings.Contains(stdout, want) {
			t.Errorf("replay output lacks %q:\n%s", want, stdout)
		}
	}
	if second, _, _ := run(t, "replay", "--seed", "1", "v6.6"); second != stdout {
		t.Errorf("the same seed printed different bytes (flags before and after the incident)")
	}
}

func TestReplayUsage(t *testing.T) {
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"replay"}, "name an incident (legacy-fallback-model, login-revoked, quota-wall, v6.6)"},
		{[]string{"replay", "v9.9"}, `unknown incident "v9.9" (known: legacy-fallback-model, login-revoked, quota-wall, v6.6)`},
		{[]string{"replay", "v6.6", "extra"}, `unexpected argument "extra"`},
		{[]string{"replay", "v6.6", "--subject", "/nonexistent/subject.yaml"}, "/nonexistent/subject.yaml"},
	} {
		_, stderr, code := run(t, tt.args...)
		if code != ExitUsage || !strings.Contains(stderr, tt.want) {
			t.Errorf("%v: exit %d, stderr %q; want 2 and %q", tt.args, code, stderr, tt.want)
		}
	}
}
