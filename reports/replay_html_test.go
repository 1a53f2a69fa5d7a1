package reports_test

import (
	"bytes"
	"html"
	"strings"
	"testing"

	"github.com/fallbackgate/fallbackgate/harness/incident"
	"github.com/fallbackgate/fallbackgate/reports"
)

func renderHTML(t *testing.T, rep *incident.Replay) string {
	t.Helper()
	var b bytes.Buffer
	if err := reports.WriteReplayHTML(&b, rep); err != nil {
		t.Fatalf("WriteReplayHTML: %v", err)
	}
	return b.String()
}

// TestReplayHTML checks the replay's page: the incident's name, id, date,
// seed and story, the picture of WriteReplaySVG inline byte for byte,
// each side's verdict marked ok or FAIL, the text replay of WriteReplay,
// nothing that loads or runs anything, and the same bytes every time.
func TestReplayHTML(t *testing.T) {
	for _, tc := range []struct {
		name     string
		rep      *incident.Replay
		verdicts []string
	}{
		{"v6.6", replayOf(t, v66Replay), nil},
		{"by hand", handReplay(t), []string{
			`<li class="verdict ok" data-side="pre-fix"><span class="mark">ok</span> pre-fix: by hand</li>`,
			`<li class="verdict bad" data-side="contract"><span class="mark">FAIL</span> contract: by hand</li>`,
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rep := tc.rep
			page := renderHTML(t, rep)
			var svg, text bytes.Buffer
			if err := reports.WriteReplaySVG(&svg, rep); err != nil {
				t.Fatal(err)
			}
			if err := reports.WriteReplay(&text, rep); err != nil {
				t.Fatal(err)
			}
			inc := rep.Incident
			want := []string{
				"<h1>Incident " + inc.Name + " replayed</h1>",
				"<p class=\"meta\">" + inc.ID + " · " + inc.Date + " · seed ",
				svg.String(),
			}
			_, pre, _ := strings.Cut(page, `<pre class="replay">`)
			pre, _, _ = strings.Cut(pre, "</pre>")
			if got := html.UnescapeString(pre); got != text.String() {
				t.Errorf("the page's text replay reads\n%s\nwant WriteReplay's\n%s", got, text.String())
			}
			if inc.Story != "" {
				want = append(want, `<p class="story">`+html.EscapeString(inc.Story)+`</p>`)
			} else if strings.Contains(page, `class="story"`) {
				t.Error("the page has a story paragraph for an incident without a story")
			}
			for i, side := range []incident.ReplaySide{rep.PreFix, rep.Fixed} {
				mark, class := "ok", "ok"
				if !side.OK {
					mark, class = "FAIL", "bad"
				}
				want = append(want, `<li class="verdict `+class+`" data-side="`+[]string{"pre-fix", "contract"}[i]+`"><span class="mark">`+mark+`</span> `+
					html.EscapeString(side.Label)+": "+html.EscapeString(side.Verdict)+"</li>")
			}
			want = append(want, tc.verdicts...)
			for _, part := range want {
				if !strings.Contains(page, part) {
					t.Errorf("the page lacks %q", part[:min(len(part), 300)])
				}
			}
			for _, bad := range []string{"<script", "src=", "href", "<link", "url(", "@import"} {
				if strings.Contains(page, bad) {
					t.Errorf("the page holds %q: it must not load or run anything", bad)
				}
			}
			if again := renderHTML(t, rep); again != page {
				t.Error("two pages of the same replay differ")
			}
		})
	}
}
