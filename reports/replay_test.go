package reports_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/fallbackgate/fallbackgate/reports"
)

// TestReplayRedacted plants a secret where a subject on the contract's side
// controls the words, a worker's surfaced error and its failure: no
// rendering of the replay, text, picture or page, may carry it.
func TestReplayRedacted(t *testing.T) {
	key := "fgk-0123456789abcdef0123456789abcdef"
	rep := handReplay(t)
	w := &rep.Fixed.Timeline.Lines[2]
	w.Result.Error, w.Result.Failure = "other: rejected key "+key, "printed Bearer "+key
	for name, write := range map[string]func(*bytes.Buffer) error{
		"text": func(b *bytes.Buffer) error { return reports.WriteReplay(b, rep) },
		"svg":  func(b *bytes.Buffer) error { return reports.WriteReplaySVG(b, rep) },
		"html": func(b *bytes.Buffer) error { return reports.WriteReplayHTML(b, rep) },
	} {
		var b bytes.Buffer
		if err := write(&b); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if strings.Contains(b.String(), key) {
			t.Errorf("the %s replay contains the secret %s", name, key)
		}
		if !strings.Contains(b.String(), "rejected key "+reports.Redacted) {
			t.Errorf("the %s replay does not show where the secret was redacted:\n%s", name, b.String())
		}
	}
}
