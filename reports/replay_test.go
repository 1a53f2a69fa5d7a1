package reports_test

import (
	"bytes"
	"html"
	"strings"
	"testing"

	"github.com/fallbackgate/fallbackgate/harness"
	"github.com/fallbackgate/fallbackgate/harness/incident"
	"github.com/fallbackgate/fallbackgate/reports"
)

// TestReplayDispatcherLine checks what the text replay and the page say of
// the dispatcher: its workers and the surface they run on, its cadence,
// and its jitter and heartbeat only when the incident has them.
func TestReplayDispatcherLine(t *testing.T) {
	gateway := handReplay(t)
	gateway.Surface = harness.Gateway
	for _, tc := range []struct {
		name string
		rep  *incident.Replay
		want string
	}{
		{"oneshot", handReplay(t), "dispatcher: 3 oneshot workers, one every 20s\n"},
		{"gateway", gateway, "dispatcher: 3 workers, each a session of one gateway, one every 20s\n"},
		{"jitter and heartbeat", replayOf(t, mixedReplay), "dispatcher: 12 oneshot workers, one every 30s (+ jitter below 10s); heartbeat every 2m0s, alert at 3 fallbacks\n"},
	} {
		var text, page bytes.Buffer
		if err := reports.WriteReplay(&text, tc.rep); err != nil {
			t.Fatal(err)
		}
		if err := reports.WriteReplayHTML(&page, tc.rep); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(text.String(), tc.want) {
			t.Errorf("%s: the text replay lacks %q:\n%s", tc.name, tc.want, text.String())
		}
		if want := "<br>" + strings.TrimSuffix(tc.want, "\n") + "</p>"; !strings.Contains(html.UnescapeString(page.String()), want) {
			t.Errorf("%s: the page's header lacks %q", tc.name, want)
		}
	}
}

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
