package gate_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"

	"github.com/fallbackgate/fallbackgate/fakes"
	"github.com/fallbackgate/fallbackgate/harness"
	"github.com/fallbackgate/fallbackgate/harness/gate"
	"github.com/fallbackgate/fallbackgate/resolver"
)

// leakySurface prints the key it was handed on stdout across the end of
// the first KiB a result keeps of it (where clipOutput cuts), base64-encoded
// on stderr, and in its failure.
type leakySurface struct{}

const leakedKey = "fgk-00112233445566778899aabbccddeeff"

func (leakySurface) Name() string { return harness.Oneshot }

func (leakySurface) Start(_ context.Context, c harness.Case) (harness.Outcome, error) {
	return harness.Outcome{Surface: harness.Oneshot, ExitCode: 0,
		Stdout:  strings.Repeat("x", 1010) + leakedKey + strings.Repeat("y", 3200),
		Stderr:  "key " + base64.StdEncoding.EncodeToString([]byte(leakedKey)),
		Failure: "protocol violation: quoted " + strings.ToUpper(leakedKey),
	}, nil
}

// TestJudgeRedactsBeforeClipping: every channel that holds the key is an
// R16 violation naming its encoding, and the result (what every report and
// history is written from) holds neither the key nor a prefix of it.
func TestJudgeRedactsBeforeClipping(t *testing.T) {
	sub := &harness.Subject{Name: "leaky", Profile: resolver.Strict, Surfaces: map[string]harness.Surface{harness.Oneshot: leakySurface{}}}
	res, err := gate.RunCase(context.Background(), gate.Setup{Subject: sub, Scenario: checkScenario(t, "SF-1", nil), Seed: 1}, harness.Oneshot)
	if err != nil {
		t.Fatal(err)
	}
	var r16 []string
	for _, v := range res.Violations {
		if v.Rule == "R16" {
			r16 = append(r16, v.Message)
		}
	}
	want := []string{
		"an API key issued by the fakes appears in stdout",
		"an API key issued by the fakes appears in stderr (base64)",
		"an API key issued by the fakes appears in the output it quoted (upper-case)",
	}
	if strings.Join(r16, "\n") != strings.Join(want, "\n") {
		t.Errorf("R16 violations:\n%s\nwant:\n%s", strings.Join(r16, "\n"), strings.Join(want, "\n"))
	}
	b, err := json.Marshal(res)
	if err != nil {
		t.Fatal(err)
	}
	if fakes.HasSecret(string(b)) || strings.Contains(strings.ToLower(string(b)), leakedKey[:8]) {
		t.Errorf("the result carries the key or a prefix of it: %s", b)
	}
	if !strings.Contains(res.Outcome.Stdout, "[redac") {
		t.Errorf("stdout %q…: want the key redacted before the cut", res.Outcome.Stdout[1000:1100])
	}
}
