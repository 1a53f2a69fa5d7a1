package reports

import (
	"bytes"
	"fmt"
	"html/template"
	"io"
	"strings"

	"github.com/fallbackgate/fallbackgate/harness/incident"
)

// WriteReplayHTML writes a self-contained HTML page of a replay (no
// external asset, no script): the incident's name, id, date and story,
// the profile and the dispatcher, the timeline picture of WriteReplaySVG
// inline, each side's verdict, and the text replay of WriteReplay for
// reading tick by tick, the page redacted as a whole. The same replay
// writes the same bytes.
func WriteReplayHTML(w io.Writer, rep *incident.Replay) error {
	var svg, text bytes.Buffer
	writeReplaySVG(&svg, rep)
	writeReplay(&text, rep)
	inc := rep.Incident
	cfg, _ := inc.Config.Resolved()
	v := replayPage{
		Title: fmt.Sprintf("Incident %s replayed", inc.Name),
		ID:    inc.ID, Date: inc.Date, Seed: rep.Seed, Story: inc.Story,
		Profile:    fmt.Sprintf("primary %s, fallback_providers [%s]", cfg.Primary, strings.Join(cfg.Chain.Strings(), ", ")),
		Dispatcher: dispatcherText(rep),
		SVG:        template.HTML(svg.String()),
		Text:       text.String(),
	}
	for i, side := range []incident.ReplaySide{rep.PreFix, rep.Fixed} {
		v.Sides = append(v.Sides, replayPageSide{Key: sideKeys[i], Label: side.Label, Mark: okWord(side.OK), OK: side.OK, Verdict: side.Verdict})
	}
	var buf bytes.Buffer
	if err := replayTemplate.Execute(&buf, v); err != nil {
		return err
	}
	_, err := w.Write(redactBytes(buf.Bytes()))
	return err
}

// The view replayTemplate renders.
type (
	replayPage struct {
		Title, ID, Date, Story, Profile, Dispatcher string
		Seed                                        int64
		SVG                                         template.HTML
		Sides                                       []replayPageSide
		Text                                        string
	}
	replayPageSide struct {
		Key, Label, Mark, Verdict string
		OK                        bool
	}
)

var replayTemplate = template.Must(template.New("replay").Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}} ({{.ID}}, seed {{.Seed}}) · fallbackgate</title>
<style>
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 0 auto; max-width: 1500px; padding: 1rem 1.5rem 3rem; color: #1f2328; }
h1 { font-size: 1.5rem; margin: .2rem 0; }
h2 { font-size: 1.2rem; margin-top: 1.6rem; border-bottom: 1px solid #d0d7de; }
.meta, .muted { color: #57606a; }
.story { max-width: 60rem; }
figure { margin: 1rem 0; overflow-x: auto; }
figure svg { max-width: 100%; height: auto; }
ul.verdicts { list-style: none; padding: 0; }
ul.verdicts li { margin: .3rem 0; }
.verdict.ok { color: #1a7f37; } .verdict.bad { color: #cf222e; }
.mark { font-weight: 700; }
pre { background: #f6f8fa; padding: .5rem .7rem; overflow-x: auto; margin: 0; font-size: 12px; }
</style>
</head>
<body>
<header>
<h1>{{.Title}}</h1>
<p class="meta">{{.ID}} · {{.Date}} · seed {{.Seed}}</p>
{{with .Story}}<p class="story">{{.}}</p>{{end}}
<p class="muted">profile: {{.Profile}}<br>dispatcher: {{.Dispatcher}}</p>
</header>
<main>
<figure>
{{.SVG}}<figcaption class="muted">One row per worker, virtual time across; hover a start-up for its exit code, landing or error, and ledger.</figcaption>
</figure>
<h2>Verdicts</h2>
<ul class="verdicts">
{{range .Sides}}<li class="verdict {{if .OK}}ok{{else}}bad{{end}}" data-side="{{.Key}}"><span class="mark">{{.Mark}}</span> {{.Label}}: {{.Verdict}}</li>
{{end}}</ul>
<details>
<summary>The replay as text</summary>
<pre class="replay">{{.Text}}</pre>
</details>
</main>
</body>
</html>
`))
