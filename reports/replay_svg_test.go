package reports_test

import (
	"bytes"
	"context"
	"encoding/xml"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fallbackgate/fallbackgate/fakes"
	"github.com/fallbackgate/fallbackgate/harness/incident"
	"github.com/fallbackgate/fallbackgate/reports"
	"github.com/fallbackgate/fallbackgate/scenarios"
)

// mixedIncident meets every class of start-up mark: a rate-limited primary
// (requeued workers), then a vanished token (workers fall back), then an
// outage of the first chain entry (workers fail on the contract's side
// too), with two providers' plans changing four times.
const mixedIncident = `id: INC-mixed
name: mixed
date: "2026-06-08"
config:
  model: {provider: xai-oauth, default: grok-4.3}
  fallback_providers: [openai-codex/gpt-5.5, xai-oauth/grok-4.3]
faults:
  xai-oauth: ok until 1m -> 429(retry_after=40s) until 2m -> missing
  openai-codex: ok until 4m -> 503 until 5m -> ok
vanishes_at: 2m
dispatcher:
  workers: 12
  every: 30s
  jitter: 10s
  heartbeat: {window: 2m, threshold: 3}
story: A test incident that meets every class of start-up mark.
pre_fix: ignores-chain
reproduced:
  - every_worker: {after: 2m, before: 4m, exits: nonzero}
holds:
  - no_violations: true
`

// The replays the picture tests draw, each run once with seed 1.
var (
	v66Replay = sync.OnceValues(func() (*incident.Replay, error) {
		inc, err := scenarios.Incident("v6.6")
		if err != nil {
			return nil, err
		}
		return incident.ReplayIncident(context.Background(), inc, incident.ReplayConfig{Seed: 1})
	})
	mixedReplay = sync.OnceValues(func() (*incident.Replay, error) {
		inc, err := incident.ParseIncident("mixed.yaml", []byte(mixedIncident))
		if err != nil {
			return nil, err
		}
		return incident.ReplayIncident(context.Background(), inc, incident.ReplayConfig{Seed: 1})
	})
)

func replayOf(t *testing.T, run func() (*incident.Replay, error)) *incident.Replay {
	t.Helper()
	rep, err := run()
	if err != nil {
		t.Fatalf("ReplayIncident: %v", err)
	}
	return rep
}

// svgNode is an element of a parsed SVG.
type svgNode struct {
	XMLName  xml.Name
	Attrs    []xml.Attr `xml:",any,attr"`
	Children []svgNode  `xml:",any"`
	Text     string     `xml:",chardata"`
}

func (n svgNode) attr(name string) string {
	for _, a := range n.Attrs {
		if a.Name.Local == name {
			return a.Value
		}
	}
	return ""
}

// classes returns the node's class list.
func (n svgNode) classes() []string { return strings.Fields(n.attr("class")) }

// child returns the node's first child element called name.
func (n svgNode) child(name string) (svgNode, bool) {
	for _, c := range n.Children {
		if c.XMLName.Local == name {
			return c, true
		}
	}
	return svgNode{}, false
}

// all returns every element under n, n included, in document order, whose
// class list holds class.
func (n svgNode) all(class string) []svgNode {
	var out []svgNode
	if slices.Contains(n.classes(), class) {
		out = append(out, n)
	}
	for _, c := range n.Children {
		out = append(out, c.all(class)...)
	}
	return out
}

// onSide keeps the nodes whose data-side is side.
func onSide(nodes []svgNode, side string) []svgNode {
	var out []svgNode
	for _, n := range nodes {
		if n.attr("data-side") == side {
			out = append(out, n)
		}
	}
	return out
}

// renderSVG draws rep and parses the picture as XML: a picture that is not
// well-formed fails here.
func renderSVG(t *testing.T, rep *incident.Replay) (svgNode, string) {
	t.Helper()
	var b bytes.Buffer
	if err := reports.WriteReplaySVG(&b, rep); err != nil {
		t.Fatalf("WriteReplaySVG: %v", err)
	}
	var root svgNode
	if err := xml.Unmarshal(b.Bytes(), &root); err != nil {
		t.Fatalf("the SVG is not well-formed XML: %v\n%s", err, b.String())
	}
	return root, b.String()
}

// sidesOf pairs a panel's data-side with the replay's side.
func sidesOf(rep *incident.Replay) []struct {
	key  string
	side incident.ReplaySide
} {
	return []struct {
		key  string
		side incident.ReplaySide
	}{{"pre-fix", rep.PreFix}, {"contract", rep.Fixed}}
}

// wantClass is where a worker line must be drawn, read from the line as the
// dispatcher recorded it: its fate, and for a worker that is done whether
// it landed on the incident's primary, xai-oauth/grok-4.3.
func wantClass(r incident.Line) string {
	switch {
	case r.Fate == incident.FateRequeued:
		return "requeued"
	case r.Fate == incident.FateFailed:
		return "failed"
	case r.Result.Provider == "xai-oauth" && r.Result.Model == "grok-4.3":
		return "landed-primary"
	}
	return "landed-chain"
}

// TestReplaySVGMarks draws the replays of v6.6 and of an incident with
// every class of start-up, and counts the picture's marks against the
// timelines, per side: one start-up mark per worker line, in the line's
// order, at its worker, attempt and tick, classed by its landing or fate
// (the per-class counts add up to the dispatcher's done, failed and
// requeued); one requeue connector per requeued line; one fault-change
// marker per change of the incident's plans, labelled; one alert marker
// per alert and a quiet heartbeat for the others; later ticks further
// right and higher workers lower.
func TestReplaySVGMarks(t *testing.T) {
	for _, tc := range []struct {
		name    string
		run     func() (*incident.Replay, error)
		changes []string // data-at and label of each fault change
		// counts are the start-up marks per side and class, in the order
		// landed-primary, landed-chain, failed, requeued; nil means only
		// "the contract's side shows every class".
		counts map[string][4]int
		alerts map[string]int
		ticks  string
	}{
		{
			name:    "v6.6",
			run:     v66Replay,
			changes: []string{"1m50s xai-oauth: ok → missing"},
			counts:  map[string][4]int{"pre-fix": {4, 0, 12, 0}, "contract": {4, 12, 0, 0}},
			alerts:  map[string]int{"pre-fix": 0, "contract": 3},
			ticks:   "0 1m 2m 3m 4m 5m 6m 7m 8m",
		},
		{
			name: "mixed",
			run:  mixedReplay,
			changes: []string{
				"1m0s xai-oauth: ok → 429(retry_after=40s)", "2m0s xai-oauth: 429(retry_after=40s) → missing",
				"4m0s openai-codex: ok → 503", "5m0s openai-codex: 503 → ok",
			},
			ticks: "0 1m 2m 3m 4m 5m 6m",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rep := replayOf(t, tc.run)
			root, _ := renderSVG(t, rep)
			var ticks []string
			for _, n := range onSide(root.all("side"), "pre-fix")[0].all("tick") {
				ticks = append(ticks, n.Text)
			}
			if got := strings.Join(ticks, " "); got != tc.ticks {
				t.Errorf("the time axis reads %q; want %q", got, tc.ticks)
			}
			for _, s := range sidesOf(rep) {
				tl := s.side.Timeline
				lines := tl.Workers()
				marks := onSide(root.all("startup"), s.key)
				if len(marks) != len(lines) {
					t.Fatalf("%s: %d start-up marks; want one per worker line, %d", s.key, len(marks), len(lines))
				}
				n := map[string]int{}
				lastX, firstX := -1, -1
				rowY := map[string]int{}
				for i, m := range marks {
					r := lines[i]
					if w, a, at := m.attr("data-worker"), m.attr("data-attempt"), m.attr("data-at"); w != fmt.Sprintf("w%02d", r.Job.ID) || a != strconv.Itoa(r.Job.Attempt) || at != r.At.String() {
						t.Errorf("%s mark %d is worker %s attempt %s at %s; want w%02d attempt %d at %s", s.key, i, w, a, at, r.Job.ID, r.Job.Attempt, r.At)
					}
					class := m.classes()[1]
					if want := wantClass(r); class != want {
						t.Errorf("%s w%02d attempt %d (fate %s, landed %s/%s) is drawn %s; want %s", s.key, r.Job.ID, r.Job.Attempt, r.Fate, r.Result.Provider, r.Result.Model, class, want)
					}
					n[class]++
					disc, ok := m.child("circle")
					if !ok {
						t.Fatalf("%s mark %d has no circle to place it by", s.key, i)
					}
					x, _ := strconv.Atoi(disc.attr("cx"))
					y, _ := strconv.Atoi(disc.attr("cy"))
					if firstX < 0 {
						firstX = x
					}
					if x < lastX {
						t.Errorf("%s: w%02d at %s is drawn left of the start-up before it (x %d < %d)", s.key, r.Job.ID, r.At, x, lastX)
					}
					lastX = x
					key := m.attr("data-worker")
					if prev, seen := rowY[key]; seen && prev != y {
						t.Errorf("%s: %s is drawn on two rows (y %d and %d)", s.key, key, prev, y)
					}
					rowY[key] = y
				}
				if lastX <= firstX {
					t.Errorf("%s: every start-up is drawn at x=%d: the time axis spreads nothing", s.key, firstX)
				}
				workers := slices.Sorted(func(yield func(string) bool) {
					for k := range rowY {
						if !yield(k) {
							return
						}
					}
				})
				for i := 1; i < len(workers); i++ {
					if rowY[workers[i]] <= rowY[workers[i-1]] {
						t.Errorf("%s: row %s (y %d) is not below row %s (y %d)", s.key, workers[i], rowY[workers[i]], workers[i-1], rowY[workers[i-1]])
					}
				}
				if got, want := n["landed-primary"]+n["landed-chain"], tl.Done; got != want {
					t.Errorf("%s: %d landed marks; the dispatcher counted %d done", s.key, got, want)
				}
				if n["failed"] != tl.Failed || n["requeued"] != tl.Requeued {
					t.Errorf("%s: %d failed and %d requeued marks; the dispatcher counted %d and %d", s.key, n["failed"], n["requeued"], tl.Failed, tl.Requeued)
				}
				got := [4]int{n["landed-primary"], n["landed-chain"], n["failed"], n["requeued"]}
				if want, ok := tc.counts[s.key]; ok && got != want {
					t.Errorf("%s: marks per class (primary, chain, failed, requeued) %v; want %v", s.key, got, want)
				}
				if tc.counts == nil && s.key == "contract" && slices.Contains(got[:], 0) {
					t.Errorf("contract: marks per class (primary, chain, failed, requeued) %v; this incident must show every class", got)
				}

				connectors := onSide(root.all("requeue"), s.key)
				var requeued []string
				for _, r := range lines {
					if r.Fate == incident.FateRequeued {
						requeued = append(requeued, fmt.Sprintf("w%02d.%d", r.Job.ID, r.Job.Attempt))
					}
				}
				var drawn []string
				for _, c := range connectors {
					drawn = append(drawn, c.attr("data-worker")+"."+c.attr("data-attempt"))
				}
				if !slices.Equal(drawn, requeued) {
					t.Errorf("%s: requeue connectors %v; want one per requeued start-up %v", s.key, drawn, requeued)
				}

				var changes []string
				for _, c := range onSide(root.all("fault-change"), s.key) {
					label, _ := c.child("text")
					changes = append(changes, c.attr("data-at")+" "+label.Text)
				}
				if !slices.Equal(changes, tc.changes) {
					t.Errorf("%s: fault-change markers %q; want %q", s.key, changes, tc.changes)
				}

				alerts, beats := onSide(root.all("alert"), s.key), onSide(root.all("heartbeat"), s.key)
				want := tl.Alerts()
				if len(alerts) != len(want) {
					t.Errorf("%s: %d alert markers; want %d, one per alert", s.key, len(alerts), len(want))
				}
				for i := range min(len(alerts), len(want)) {
					title, _ := alerts[i].child("title")
					if alerts[i].attr("data-at") != want[i].At.String() || !strings.Contains(title.Text, want[i].Alert) {
						t.Errorf("%s: alert %d at %s reads %q; want at %s: %q", s.key, i, alerts[i].attr("data-at"), title.Text, want[i].At, want[i].Alert)
					}
				}
				if want, ok := tc.alerts[s.key]; ok && len(alerts) != want {
					t.Errorf("%s: %d alert markers; want %d", s.key, len(alerts), want)
				}
				heartbeats := 0
				for _, r := range tl.Lines {
					if r.Kind == incident.LineHeartbeat {
						heartbeats++
					}
				}
				if len(alerts)+len(beats) != heartbeats {
					t.Errorf("%s: %d alert and %d quiet heartbeat markers; the timeline has %d heartbeats", s.key, len(alerts), len(beats), heartbeats)
				}
			}
		})
	}
}

// TestReplaySVGSelfContained checks the picture stands alone and says what
// it shows: an <svg> root whose first children are its <title> and
// <desc>, the desc counting each panel's classes, each panel headed by its
// label and verdict, and nothing that loads or runs anything.
func TestReplaySVGSelfContained(t *testing.T) {
	rep := replayOf(t, v66Replay)
	root, text := renderSVG(t, rep)
	if root.XMLName.Local != "svg" || root.XMLName.Space != "http://www.w3.org/2000/svg" {
		t.Fatalf("the root is %v; want an svg element in the SVG namespace", root.XMLName)
	}
	if len(root.Children) < 2 || root.Children[0].XMLName.Local != "title" || root.Children[1].XMLName.Local != "desc" {
		t.Fatal("the svg does not start with a <title> and a <desc>")
	}
	if title := root.Children[0].Text; !strings.Contains(title, "v6.6 (INC-v6.6, 2026-06-07) replayed with seed 1") {
		t.Errorf("the svg's title %q does not name the incident and seed", title)
	}
	desc := root.Children[1].Text
	for _, part := range []string{
		"Pre-fix panel, " + rep.PreFix.Label + ": 4 landed on the primary xai-oauth/grok-4.3, 0 on a chain entry, 12 failed, 0 requeued; 0 heartbeat alerts",
		"Contract panel, " + rep.Fixed.Label + ": 4 landed on the primary xai-oauth/grok-4.3, 12 on a chain entry, 0 failed, 0 requeued; 3 heartbeat alerts",
		"verdict (ok): " + rep.Fixed.Verdict,
		"Fault plan changes: at t=1m50s xai-oauth: ok → missing.",
	} {
		if !strings.Contains(desc, part) {
			t.Errorf("the svg's desc lacks %q:\n%s", part, desc)
		}
	}
	for _, s := range sidesOf(rep) {
		panel := onSide(root.all("side"), s.key)
		if len(panel) != 1 {
			t.Fatalf("%d panels with data-side %q; want 1", len(panel), s.key)
		}
		heading, _ := panel[0].child("text")
		var verdict []string
		for _, v := range panel[0].all("verdict") {
			verdict = append(verdict, v.Text)
		}
		if heading.Text != s.side.Label || strings.Join(verdict, " ") != "verdict (ok): "+s.side.Verdict {
			t.Errorf("the %s panel is headed %q, %q; want %q, %q", s.key, heading.Text, verdict, s.side.Label, "verdict (ok): "+s.side.Verdict)
		}
	}
	for _, bad := range []string{"<script", "href", "url(", "<image", "<foreignObject", "@import"} {
		if strings.Contains(text, bad) {
			t.Errorf("the svg holds %q: it must not load or run anything", bad)
		}
	}
}

// TestReplaySVGHoverTitles checks each start-up's hover title: worker,
// attempt, tick, exit code and fate, landing or error, and its ledger, one
// line per request; and that no title holds a secret.
func TestReplaySVGHoverTitles(t *testing.T) {
	rep := replayOf(t, v66Replay)
	root, _ := renderSVG(t, rep)
	titleOf := func(side, worker string) string {
		for _, m := range onSide(root.all("startup"), side) {
			if m.attr("data-worker") == worker {
				title, _ := m.child("title")
				return title.Text
			}
		}
		t.Fatalf("no %s mark for %s", side, worker)
		return ""
	}
	for _, tc := range []struct{ side, worker, want string }{
		{"contract", "w05", "w05, attempt 1, at t=2m9s\nexit 0, done\nlanded on openai-codex/gpt-5.5, remaining [xai-oauth/grok-4.3] (fell back)\n" +
			"ledger (3 requests):\n#1 xai-oauth resolve model=grok-4.3 → 401 auth xai_auth_missing_access_token\n" +
			"#2 openai-codex resolve model=gpt-5.5 → 200 ok\n#3 openai-codex completions model=gpt-5.5 → 200 ok"},
		{"pre-fix", "w05", "w05, attempt 1, at t=2m9s\nexit 1, failed\nerror: xai-oauth xai_auth_missing_access_token\n" +
			"contract rules broken: R2, R9, R14, R15\nledger (1 request):\n#1 xai-oauth resolve model=grok-4.3 → 401 auth xai_auth_missing_access_token"},
		{"pre-fix", "w01", "w01, attempt 1, at t=0\nexit 0, done\nlanded on xai-oauth/grok-4.3, remaining [openai-codex/gpt-5.5, xai-oauth/grok-4.3]\n" +
			"ledger (2 requests):\n#1 xai-oauth resolve model=grok-4.3 → 200 ok\n#2 xai-oauth completions model=grok-4.3 → 200 ok"},
	} {
		if got := titleOf(tc.side, tc.worker); got != tc.want {
			t.Errorf("%s %s's title:\n%s\nwant:\n%s", tc.side, tc.worker, got, tc.want)
		}
	}
	for _, s := range sidesOf(rep) {
		lines := s.side.Timeline.Workers()
		for i, m := range onSide(root.all("startup"), s.key) {
			title, _ := m.child("title")
			_, ledger, _ := strings.Cut(title.Text, "):\n")
			if got, want := len(strings.Split(ledger, "\n")), len(lines[i].Result.Ledger); ledger == "" || got != want {
				t.Errorf("%s %s: the title's ledger has %d lines; the worker's ledger %d requests:\n%s", s.key, m.attr("data-worker"), got, want, title.Text)
			}
			if fakes.HasSecret(title.Text) || strings.Contains(strings.ToLower(title.Text), "bearer") {
				t.Errorf("%s %s: the title holds a secret:\n%s", s.key, m.attr("data-worker"), title.Text)
			}
		}
	}
}

// TestReplaySVGDeterministic draws the same replay ten times and wants the
// same bytes: the mixed incident has two providers' plans, so a map walked
// in Go's random order would show.
func TestReplaySVGDeterministic(t *testing.T) {
	rep := replayOf(t, mixedReplay)
	_, first := renderSVG(t, rep)
	for range 10 {
		if _, again := renderSVG(t, rep); again != first {
			t.Fatal("two drawings of the same replay differ")
		}
	}
}

// handReplay is a replay built by hand, for what a real run rarely shows:
// a worker that exited 0 without landing, one that landed on the
// primary's provider with another model, plans whose steps change on one
// tick for two providers, count steps, a step that changes to the same
// fault, and a plan with a sequence per endpoint.
func handReplay(t *testing.T) *incident.Replay {
	t.Helper()
	inc, err := incident.ParseIncident("hand.yaml", []byte(`id: INC-hand
name: hand
date: "2026-06-09"
config:
  model: {provider: xai-oauth, default: grok-4.3}
  fallback_providers: [openai-codex/gpt-5.5]
faults:
  xai-oauth: 2*ok -> ok until 30s -> ok until 1m -> missing
  openai-codex: "resolve: ok until 1m -> 503; completions: 500 until 45s -> ok"
dispatcher: {workers: 3, every: 20s}
story: A hand-built timeline.
pre_fix: ignores-chain
reproduced: [no_crashes: true]
holds: [no_crashes: true]
`))
	if err != nil {
		t.Fatal(err)
	}
	line := func(id int, at string, fate, provider, model string) incident.Line {
		d, err := time.ParseDuration(at)
		if err != nil {
			t.Fatal(err)
		}
		return incident.Line{At: d, Kind: incident.LineWorker, Job: incident.Job{ID: id, Attempt: 1}, Fate: fate,
			Result: incident.WorkerResult{Provider: provider, Model: model}}
	}
	tl := &incident.Timeline{Lines: []incident.Line{
		line(1, "0s", incident.FateDone, "xai-oauth", "grok-4.3"),
		line(2, "20s", incident.FateDone, "xai-oauth", "grok-4.1-fast"),
		line(3, "40s", incident.FateDone, "", ""),
	}, Done: 3}
	return &incident.Replay{Incident: inc, Seed: 3,
		PreFix: incident.ReplaySide{Label: "pre-fix", Timeline: tl, Verdict: "by hand", OK: true},
		Fixed:  incident.ReplaySide{Label: "contract", Timeline: tl, Verdict: "by hand", OK: false}}
}

// TestReplaySVGByHand checks the classes and fault changes a real replay
// of the built-in incidents does not show: landing on the primary's
// provider with another model is a fallback, exiting 0 without landing is
// a failure; count steps and a change to the same fault are no change;
// two providers changing on one tick are drawn in provider order, and a
// plan with two sequences names the endpoint; a failing side's verdict
// reads FAIL, in red.
func TestReplaySVGByHand(t *testing.T) {
	rep := handReplay(t)
	root, _ := renderSVG(t, rep)
	var classes []string
	for _, m := range onSide(root.all("startup"), "contract") {
		classes = append(classes, m.attr("data-worker")+" "+m.classes()[1])
	}
	if want := []string{"w01 landed-primary", "w02 landed-chain", "w03 failed"}; !slices.Equal(classes, want) {
		t.Errorf("start-up marks %q; want %q", classes, want)
	}
	var changes []string
	for _, c := range onSide(root.all("fault-change"), "pre-fix") {
		label, _ := c.child("text")
		changes = append(changes, c.attr("data-at")+" "+label.Text)
	}
	want := []string{"45s openai-codex completions: 500 → ok", "1m0s openai-codex resolve: ok → 503", "1m0s xai-oauth: ok → missing"}
	if !slices.Equal(changes, want) {
		t.Errorf("fault-change markers %q; want %q", changes, want)
	}
	for _, s := range []struct{ key, want string }{{"pre-fix", "verdict (ok): by hand"}, {"contract", "verdict (FAIL): by hand"}} {
		if v := onSide(root.all("side"), s.key)[0].all("verdict"); len(v) != 1 || v[0].Text != s.want {
			t.Errorf("the %s panel's verdict reads %v; want %q", s.key, v, s.want)
		} else if fill, want := v[0].attr("fill"), map[string]string{"pre-fix": "#1a7f37", "contract": "#cf222e"}[s.key]; fill != want {
			t.Errorf("the %s panel's verdict is drawn in %s; want %s", s.key, fill, want)
		}
	}
}
