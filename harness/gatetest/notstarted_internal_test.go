package gatetest

import (
	"strings"
	"testing"

	"github.com/fallbackgate/fallbackgate/fakes"
	"github.com/fallbackgate/fallbackgate/harness"
)

// TestNotStartedTextRedacts: the stderr a subject that could not be
// started wrote is shown in the subtest's output without the fakes'
// secrets, as every report shows a subject's words.
func TestNotStartedTextRedacts(t *testing.T) {
	key := "fgk-" + strings.Repeat("0123456789abcdef", 2)
	res := harness.Result{Scenario: "SF-1", Surface: harness.Oneshot}
	res.Outcome.ExitCode = 1
	res.Outcome.Stderr = "Traceback (most recent call last):\nKeyError: api_key " + key + "\n"
	got := notStartedText(&harness.Subject{Name: "crashes"}, harness.Oneshot, res)
	if strings.Contains(got, key) || !strings.Contains(got, "KeyError: api_key "+fakes.Redacted) {
		t.Errorf("the stderr excerpt is not redacted:\n%s", got)
	}
}
