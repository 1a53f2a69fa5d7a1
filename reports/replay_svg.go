package reports

import (
	"bytes"
	"cmp"
	"fmt"
	"html"
	"io"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/fallbackgate/fallbackgate/fakes"
	"github.com/fallbackgate/fallbackgate/harness/incident"
	"github.com/fallbackgate/fallbackgate/resolver"
)

// This file draws a replay as a picture: the pre-fix side and the
// contract's side as two panels side by side, one row per worker, virtual
// time across. Every coordinate is a whole pixel computed in integers and
// every collection is walked in a fixed order, so the same replay draws the
// same bytes.

// The classes of a start-up mark: where the start-up landed, or what the
// dispatcher did with it.
const (
	startupPrimary  = "landed-primary"
	startupChain    = "landed-chain"
	startupFailed   = "failed"
	startupRequeued = "requeued"
)

// startupClass says where a worker's start-up landed: startupRequeued or
// startupFailed by its fate, startupPrimary when it landed on the
// configuration's primary (its provider, and its model when the primary
// names one), else startupChain (it fell back). A worker the dispatcher
// counted done that landed nowhere did not start either: it is
// startupFailed.
func startupClass(r incident.Line, primary resolver.Entry) string {
	switch {
	case r.Fate == incident.FateRequeued:
		return startupRequeued
	case r.Fate == incident.FateFailed || r.Result.Provider == "":
		return startupFailed
	case r.Result.Provider == primary.Provider && (primary.Model == "" || r.Result.Model == primary.Model):
		return startupPrimary
	}
	return startupChain
}

// faultChange is a moment a provider's fault plan changes state on the
// replay's virtual clock: an "until" step ending, e.g. "ok until 1m50s ->
// missing" changes from ok to missing at 1m50s.
type faultChange struct {
	At       time.Duration
	Provider string
	// Endpoint is "resolve" or "completions" when the plan has a sequence
	// for each; empty when it has one for /resolve alone.
	Endpoint string
	From, To fakes.Fault
}

// String returns the change as the picture labels it: "xai-oauth: ok →
// missing", with the endpoint after the provider when the plan has two.
func (c faultChange) String() string {
	who := c.Provider
	if c.Endpoint != "" {
		who += " " + c.Endpoint
	}
	return fmt.Sprintf("%s: %s → %s", who, c.From, c.To)
}

// faultChanges returns the changes of an incident's fault plans, by time,
// then provider, then endpoint. A step that ends after a count of calls is
// not a moment in time (each worker's fakes count afresh) and a step that
// changes to the same fault changes nothing: neither is a change. A plan
// that does not parse has none (ParseIncident rejects it).
func faultChanges(inc incident.Incident) []faultChange {
	var out []faultChange
	for _, provider := range slices.Sorted(maps.Keys(inc.Faults)) {
		plan, err := fakes.Parse(inc.Faults[provider])
		if err != nil {
			continue
		}
		for _, seq := range []struct {
			endpoint fakes.Endpoint
			steps    []fakes.Step
		}{{fakes.EndpointResolve, plan.Resolve}, {fakes.EndpointCompletions, plan.Completions}} {
			endpoint := ""
			if plan.Completions != nil {
				endpoint = string(seq.endpoint)
			}
			for i := 0; i+1 < len(seq.steps); i++ {
				s, next := seq.steps[i], seq.steps[i+1]
				if s.Until > 0 && s.Fault != next.Fault {
					out = append(out, faultChange{At: s.Until, Provider: provider, Endpoint: endpoint, From: s.Fault, To: next.Fault})
				}
			}
		}
	}
	slices.SortStableFunc(out, func(a, b faultChange) int { return cmp.Compare(a.At, b.At) })
	return out
}

// WriteReplaySVG writes the replay as a self-contained SVG picture (no
// external reference, no script): the pre-fix side and the contract's side
// as two panels side by side, each headed by its label and verdict, with
// one row per worker (w01 …) and virtual time across, ticked in readable
// units. Each start-up is a mark at its tick: a green circle when it
// landed on the primary, a blue diamond when it landed on a chain entry, a
// red cross when the worker failed, a purple square with a dashed
// connector to its next attempt when it was requeued. Dashed vertical
// lines mark the fault plans' changes ("xai-oauth: ok → missing"), and a
// row under the workers the heartbeats, a filled triangle for an alert.
// Hovering a start-up shows its worker, attempt, tick, exit code, landing
// or error, and its ledger. Marks carry classes (startup and its class,
// fault-change, alert, heartbeat, requeue) and data-side, data-worker,
// data-attempt and data-at attributes. The same replay writes the same
// bytes.
func WriteReplaySVG(w io.Writer, rep *incident.Replay) error {
	var b bytes.Buffer
	writeReplaySVG(&b, rep)
	_, err := w.Write(redactBytes(b.Bytes()))
	return err
}

// The picture's geometry, in pixels.
const (
	svgMargin  = 20
	svgTitleH  = 36
	panelW     = 680
	panelGap   = 36
	gutterW    = 76 // the row labels
	plotPadR   = 36
	plotW      = panelW - gutterW - plotPadR
	rowH       = 24
	lineH      = 17
	beatH      = 44
	axisH      = 44
	legendRowH = 22
	markR      = 6
	verdictMax = 98 // characters of a verdict line before it wraps
)

// The picture's colours: Paul Tol's colour-blind safe palette, each class
// also with a shape of its own.
const (
	colorPrimary  = "#228833"
	colorChain    = "#4477aa"
	colorFailed   = "#cc3311"
	colorRequeued = "#aa3377"
	colorAlert    = "#ee7733"
	colorChange   = "#555555"
	colorText     = "#1f2328"
	colorMuted    = "#57606a"
	colorGrid     = "#d0d7de"
	colorStripe   = "#f6f8fa"
	colorOK       = "#1a7f37"
	colorFail     = "#cf222e"
)

// sideKeys name the two panels in data-side attributes.
var sideKeys = [2]string{"pre-fix", "contract"}

// picture is what the two panels share: one time scale, one set of rows,
// one set of fault changes, so that the sides compare at a glance.
type picture struct {
	rep      *incident.Replay
	primary  resolver.Entry
	changes  []faultChange
	jobs     []int // the workers, one row each
	span     time.Duration
	step     time.Duration
	verdicts [2][]string // each side's heading lines after its label
	headH    int
	bandH    int
	plotH    int
}

func newPicture(rep *incident.Replay) *picture {
	cfg, _ := rep.Incident.Config.Resolved()
	p := &picture{rep: rep, primary: cfg.Primary, changes: faultChanges(rep.Incident)}
	var end time.Duration
	jobs := map[int]bool{}
	for _, c := range p.changes {
		end = max(end, c.At)
	}
	for i, side := range p.sides() {
		p.verdicts[i] = wrapWords("verdict ("+okWord(side.OK)+"): "+side.Verdict, verdictMax)
		for _, r := range side.Timeline.Lines {
			end = max(end, r.At, r.RequeueAt)
			if r.Kind == incident.LineWorker {
				jobs[r.Job.ID] = true
			}
		}
	}
	p.jobs = slices.Sorted(maps.Keys(jobs))
	p.step = tickStep(end)
	p.span = max(p.step, (end+p.step-1)/p.step*p.step)
	p.headH = 24 + lineH*max(len(p.verdicts[0]), len(p.verdicts[1])) + 6
	p.bandH = lineH*max(1, len(p.changes)) + 8
	p.plotH = rowH * max(1, len(p.jobs))
	return p
}

func (p *picture) sides() [2]incident.ReplaySide {
	return [2]incident.ReplaySide{p.rep.PreFix, p.rep.Fixed}
}

// x is the horizontal pixel of a tick in a panel whose plot starts at left.
func (p *picture) x(left int, at time.Duration) int {
	return left + int(int64(at)*int64(plotW)/int64(p.span))
}

// tickStep is the axis's step: the smallest readable unit that gives at
// most ten ticks over end.
func tickStep(end time.Duration) time.Duration {
	for _, s := range []time.Duration{
		time.Second, 5 * time.Second, 10 * time.Second, 15 * time.Second, 30 * time.Second,
		time.Minute, 2 * time.Minute, 5 * time.Minute, 10 * time.Minute, 15 * time.Minute, 30 * time.Minute, time.Hour,
	} {
		if end <= 10*s {
			return s
		}
	}
	return (end/time.Hour/10 + 1) * time.Hour
}

// tickLabel prints an offset for the axis: "0", "45s", "1m", "1m30s", "2h".
func tickLabel(d time.Duration) string {
	if d == 0 {
		return "0"
	}
	var b strings.Builder
	h, m, s := d/time.Hour, d%time.Hour/time.Minute, d%time.Minute/time.Second
	if h > 0 {
		fmt.Fprintf(&b, "%dh", h)
	}
	if m > 0 {
		fmt.Fprintf(&b, "%dm", m)
	}
	if s > 0 || b.Len() == 0 {
		fmt.Fprintf(&b, "%ds", s)
	}
	return b.String()
}

// esc escapes text for SVG text and attribute values.
func esc(s string) string { return html.EscapeString(s) }

func writeReplaySVG(b *bytes.Buffer, rep *incident.Replay) {
	p := newPicture(rep)
	inc := rep.Incident
	panelH := p.headH + p.bandH + p.plotH + beatH + axisH
	width := 2*svgMargin + 2*panelW + panelGap
	legendY := svgTitleH + panelH + 8
	height := legendY + 2*legendRowH + svgMargin

	fmt.Fprintf(b, `<svg xmlns="http://www.w3.org/2000/svg" class="replay-timeline" width="%d" height="%d" viewBox="0 0 %d %d" role="img" aria-labelledby="replay-title replay-desc" font-family="system-ui, -apple-system, 'Segoe UI', sans-serif" font-size="12" fill="%s">`+"\n",
		width, height, width, height, colorText)
	title := fmt.Sprintf("%s (%s, %s) replayed with seed %d: the pre-fix start-up beside the contract's", inc.Name, inc.ID, inc.Date, rep.Seed)
	fmt.Fprintf(b, "<title id=\"replay-title\">%s</title>\n", esc(title))
	fmt.Fprintf(b, "<desc id=\"replay-desc\">%s</desc>\n", esc(p.describe()))
	fmt.Fprintf(b, `<rect width="%d" height="%d" fill="#ffffff"/>`+"\n", width, height)
	fmt.Fprintf(b, `<text x="%d" y="24" font-size="16" font-weight="700">%s</text>`+"\n", svgMargin, esc(title))
	for i, side := range p.sides() {
		p.panel(b, i, side, svgMargin+i*(panelW+panelGap), svgTitleH)
	}
	p.legend(b, svgMargin, legendY)
	b.WriteString("</svg>\n")
}

// describe is the picture in words, for the SVG's <desc>: what each panel
// holds, counted.
func (p *picture) describe() string {
	var parts []string
	parts = append(parts, fmt.Sprintf("Two panels side by side, one row per worker and virtual time across (ticks every %s).", tickLabel(p.step)))
	for i, side := range p.sides() {
		n := map[string]int{}
		for _, r := range side.Timeline.Workers() {
			n[startupClass(r, p.primary)]++
		}
		alerts := len(side.Timeline.Alerts())
		parts = append(parts, fmt.Sprintf("%s panel, %s: %d landed on the primary %s, %d on a chain entry, %d failed, %d requeued; %d heartbeat alerts; verdict (%s): %s.",
			strings.ToUpper(sideKeys[i][:1])+sideKeys[i][1:], side.Label, n[startupPrimary], p.primary, n[startupChain], n[startupFailed], n[startupRequeued], alerts, okWord(side.OK), side.Verdict))
	}
	if len(p.changes) > 0 {
		cs := make([]string, len(p.changes))
		for i, c := range p.changes {
			cs[i] = fmt.Sprintf("at t=%s %s", tickLabel(c.At), c)
		}
		parts = append(parts, "Fault plan changes: "+strings.Join(cs, "; ")+".")
	}
	return strings.Join(parts, " ")
}

// panel draws one side at (left, top).
func (p *picture) panel(b *bytes.Buffer, i int, side incident.ReplaySide, left, top int) {
	key := sideKeys[i]
	fmt.Fprintf(b, "<g class=\"side\" id=\"side-%s\" data-side=\"%s\" data-ok=\"%t\">\n", key, key, side.OK)
	fmt.Fprintf(b, `<text x="%d" y="%d" font-size="14" font-weight="700">%s</text>`+"\n", left, top+16, esc(side.Label))
	color := colorOK
	if !side.OK {
		color = colorFail
	}
	for j, line := range p.verdicts[i] {
		fmt.Fprintf(b, `<text class="verdict" x="%d" y="%d" fill="%s" font-weight="600">%s</text>`+"\n", left, top+24+lineH*(j+1)-3, color, esc(line))
	}

	plotLeft := left + gutterW
	plotTop := top + p.headH + p.bandH
	beatY := plotTop + p.plotH + beatH/2 - 6
	axisY := plotTop + p.plotH + beatH

	// Rows: a stripe every other worker, the worker's name in the gutter.
	for j, id := range p.jobs {
		y := plotTop + j*rowH
		if j%2 == 1 {
			fmt.Fprintf(b, `<rect x="%d" y="%d" width="%d" height="%d" fill="%s"/>`+"\n", plotLeft, y, plotW, rowH, colorStripe)
		}
		fmt.Fprintf(b, `<text x="%d" y="%d" text-anchor="end" fill="%s">w%02d</text>`+"\n", plotLeft-10, y+rowH/2+4, colorMuted, id)
	}
	fmt.Fprintf(b, `<text x="%d" y="%d" text-anchor="end" fill="%s">heartbeat</text>`+"\n", plotLeft-10, beatY+4, colorMuted)

	// The time axis: a grid line and a label per tick.
	for at := time.Duration(0); at <= p.span; at += p.step {
		x := p.x(plotLeft, at)
		fmt.Fprintf(b, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="%s" stroke-width="1" shape-rendering="crispEdges"/>`+"\n", x, plotTop, x, axisY, colorGrid)
		fmt.Fprintf(b, `<text class="tick" x="%d" y="%d" text-anchor="middle" fill="%s">%s</text>`+"\n", x, axisY+16, colorMuted, tickLabel(at))
	}
	fmt.Fprintf(b, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="%s" stroke-width="1" shape-rendering="crispEdges"/>`+"\n", plotLeft, axisY, plotLeft+plotW, axisY, colorMuted)
	fmt.Fprintf(b, `<text x="%d" y="%d" text-anchor="middle" fill="%s">virtual time t since the first worker&#39;s start (ticks every %s)</text>`+"\n",
		plotLeft+plotW/2, axisY+34, colorMuted, tickLabel(p.step))

	// The fault plans' changes: a dashed line across the rows, its label
	// in the band above, one band line per change so that none overlap.
	for j, c := range p.changes {
		x := p.x(plotLeft, c.At)
		ly := top + p.headH + lineH*(j+1) - 2
		anchor, tx := "start", x+4
		if x > plotLeft+plotW*3/5 {
			anchor, tx = "end", x-4
		}
		fmt.Fprintf(b, "<g class=\"fault-change\" data-side=\"%s\" data-provider=\"%s\" data-at=\"%s\">\n", key, esc(c.Provider), c.At)
		fmt.Fprintf(b, "<title>%s</title>\n", esc(fmt.Sprintf("at t=%s the fault plan of %s", tickLabel(c.At), c)))
		fmt.Fprintf(b, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="%s" stroke-width="2" stroke-dasharray="6 4"/>`+"\n", x, ly+4, x, axisY, colorChange)
		fmt.Fprintf(b, `<text x="%d" y="%d" text-anchor="%s" font-weight="600" fill="%s">%s</text>`+"\n", tx, ly, anchor, colorChange, esc(c.String()))
		b.WriteString("</g>\n")
	}

	row := map[int]int{}
	for j, id := range p.jobs {
		row[id] = j
	}
	// Requeue connectors first, so that the marks sit on top of them.
	for _, r := range side.Timeline.Workers() {
		if r.Fate != incident.FateRequeued {
			continue
		}
		y := plotTop + row[r.Job.ID]*rowH + rowH/2
		fmt.Fprintf(b, `<line class="requeue" data-side="%s" data-worker="w%02d" data-attempt="%d" x1="%d" y1="%d" x2="%d" y2="%d" stroke="%s" stroke-width="1.5" stroke-dasharray="3 3"/>`+"\n",
			key, r.Job.ID, r.Job.Attempt, p.x(plotLeft, r.At), y, p.x(plotLeft, r.RequeueAt), y, colorRequeued)
	}
	for _, r := range side.Timeline.Lines {
		switch {
		case r.Kind == incident.LineWorker:
			p.startup(b, key, r, p.x(plotLeft, r.At), plotTop+row[r.Job.ID]*rowH+rowH/2)
		case r.Kind == incident.LineHeartbeat:
			p.heartbeat(b, key, r, p.x(plotLeft, r.At), beatY)
		}
	}
	b.WriteString("</g>\n")
}

// startup draws one worker start centred at (x, y), with its hover title.
func (p *picture) startup(b *bytes.Buffer, key string, r incident.Line, x, y int) {
	class := startupClass(r, p.primary)
	fmt.Fprintf(b, "<g class=\"startup %s\" data-side=\"%s\" data-worker=\"w%02d\" data-attempt=\"%d\" data-at=\"%s\">\n", class, key, r.Job.ID, r.Job.Attempt, r.At)
	fmt.Fprintf(b, "<title>%s</title>\n", esc(startupTitle(r, class)))
	// A transparent disc under every shape: the cross is thin to hover.
	fmt.Fprintf(b, `<circle cx="%d" cy="%d" r="%d" fill="#ffffff" fill-opacity="0"/>`+"\n", x, y, markR+3)
	b.WriteString(shape(class, x, y))
	b.WriteString("\n</g>\n")
}

// shape is the mark of a start-up class at (x, y): each class has a shape
// of its own as well as a colour.
func shape(class string, x, y int) string {
	r := markR
	switch class {
	case startupPrimary:
		return fmt.Sprintf(`<circle cx="%d" cy="%d" r="%d" fill="%s" stroke="#ffffff" stroke-width="1"/>`, x, y, r, colorPrimary)
	case startupChain:
		return fmt.Sprintf(`<path d="M%d %dL%d %dL%d %dL%d %dZ" fill="%s" stroke="#ffffff" stroke-width="1"/>`, x, y-r-1, x+r+1, y, x, y+r+1, x-r-1, y, colorChain)
	case startupFailed:
		return fmt.Sprintf(`<path d="M%d %dL%d %dM%d %dL%d %d" stroke="%s" stroke-width="3" stroke-linecap="round" fill="none"/>`, x-r+1, y-r+1, x+r-1, y+r-1, x-r+1, y+r-1, x+r-1, y-r+1, colorFailed)
	case startupRequeued:
		return fmt.Sprintf(`<rect x="%d" y="%d" width="%d" height="%d" fill="#ffffff" stroke="%s" stroke-width="2.5"/>`, x-r+1, y-r+1, 2*r-2, 2*r-2, colorRequeued)
	}
	return ""
}

// triangle is a heartbeat's mark at (x, y): filled for an alert, hollow
// otherwise.
func triangle(x, y int, alert bool) string {
	if alert {
		return fmt.Sprintf(`<path d="M%d %dL%d %dL%d %dZ" fill="%s" stroke="%s" stroke-width="1.5"/>`, x, y-8, x+8, y+6, x-8, y+6, colorAlert, colorText)
	}
	return fmt.Sprintf(`<path d="M%d %dL%d %dL%d %dZ" fill="#ffffff" stroke="%s" stroke-width="1.5"/>`, x, y-6, x+6, y+5, x-6, y+5, colorMuted)
}

// heartbeat draws one heartbeat at (x, y): an alert labelled with its
// counts, a quiet one as a small hollow mark.
func (p *picture) heartbeat(b *bytes.Buffer, key string, r incident.Line, x, y int) {
	class, say := "heartbeat", fmt.Sprintf("heartbeat at t=%s: %d of %d start-ups fell back", tickLabel(r.At), r.WindowFallbacks, r.Startups)
	if r.Alert != "" {
		class, say = "alert", fmt.Sprintf("heartbeat at t=%s: ALERT %s", tickLabel(r.At), r.Alert)
	}
	fmt.Fprintf(b, "<g class=\"%s\" data-side=\"%s\" data-at=\"%s\">\n<title>%s</title>\n%s\n", class, key, r.At, esc(say), triangle(x, y, r.Alert != ""))
	if r.Alert != "" {
		fmt.Fprintf(b, `<text x="%d" y="%d" text-anchor="middle" font-weight="600">alert %d/%d</text>`+"\n", x, y+22, r.WindowFallbacks, r.Startups)
	}
	b.WriteString("</g>\n")
}

// startupTitle is a start-up's hover text: the worker, attempt and tick,
// the exit code and fate, where it landed or the error it surfaced, and
// its ledger, one request a line. The ledger holds no credentials.
func startupTitle(r incident.Line, class string) string {
	res := r.Result
	var b strings.Builder
	fmt.Fprintf(&b, "w%02d, attempt %d, at t=%s\n", r.Job.ID, r.Job.Attempt, tickLabel(r.At))
	fate := r.Fate
	if r.Fate == incident.FateRequeued {
		fate += " for t=" + tickLabel(r.RequeueAt)
		if res.RetryAfter > 0 {
			fate += " (Retry-After " + tickLabel(res.RetryAfter) + ")"
		}
	}
	fmt.Fprintf(&b, "exit %d, %s\n", res.Exit, fate)
	switch {
	case res.Provider != "":
		fmt.Fprintf(&b, "landed on %s/%s, remaining [%s]", res.Provider, res.Model, strings.Join(res.Remaining, ", "))
		if class == startupChain {
			b.WriteString(" (fell back)")
		}
		b.WriteString("\n")
	case res.Error != "":
		fmt.Fprintf(&b, "error: %s\n", res.Error)
	}
	if res.Failure != "" {
		fmt.Fprintf(&b, "failure: %s\n", res.Failure)
	}
	if len(res.Violations) > 0 {
		fmt.Fprintf(&b, "contract rules broken: %s\n", strings.Join(res.Violations.Rules(), ", "))
	}
	word := "requests"
	if len(res.Ledger) == 1 {
		word = "request"
	}
	fmt.Fprintf(&b, "ledger (%d %s):", len(res.Ledger), word)
	for _, c := range res.Ledger {
		fmt.Fprintf(&b, "\n%s", ledgerLine(c))
	}
	return b.String()
}

// ledgerLine is one request of a worker's ledger: "#1 xai-oauth resolve
// model=grok-4.3 → 401 auth xai_auth_missing_access_token".
func ledgerLine(c fakes.Call) string {
	s := fmt.Sprintf("#%d %s %s model=%s → %d %s", c.Seq, c.Provider, c.Endpoint, c.ModelString(), c.Status, c.Served)
	if c.Code != "" {
		s += " " + c.Code
	}
	return s
}

// legend draws the classes and markers at (left, top), four to a row.
func (p *picture) legend(b *bytes.Buffer, left, top int) {
	col := (2*panelW + panelGap) / 4
	items := []struct {
		icon func(x, y int) string
		dx   int // where the text starts after the icon
		text string
	}{
		{func(x, y int) string { return shape(startupPrimary, x, y) }, 14, "landed on the primary " + p.primary.String()},
		{func(x, y int) string { return shape(startupChain, x, y) }, 14, "landed on a chain entry (fell back)"},
		{func(x, y int) string { return shape(startupFailed, x, y) }, 14, "failed: exited non-zero, not requeued"},
		{func(x, y int) string {
			return fmt.Sprintf(`<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="%s" stroke-width="1.5" stroke-dasharray="3 3"/>`, x, y, x+24, y, colorRequeued) + shape(startupRequeued, x, y)
		}, 32, "requeued (exit 75), dashed to its next attempt"},
		{func(x, y int) string {
			return fmt.Sprintf(`<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="%s" stroke-width="2" stroke-dasharray="6 4"/>`, x, y-9, x, y+9, colorChange)
		}, 14, "a provider's fault plan changes"},
		{func(x, y int) string { return triangle(x, y, true) }, 14, "heartbeat alert N/M: N of M start-ups fell back"},
		{func(x, y int) string { return triangle(x, y, false) }, 14, "heartbeat, no alert"},
		{func(x, y int) string { return "" }, 0, "hover a start-up for its exit, landing and ledger"},
	}
	b.WriteString("<g class=\"legend\">\n")
	for i, it := range items {
		x, y := left+(i%4)*col+8, top+(i/4)*legendRowH+8
		fmt.Fprintf(b, "%s\n<text x=\"%d\" y=\"%d\" fill=\"%s\">%s</text>\n", it.icon(x, y), x+it.dx, y+4, colorText, esc(it.text))
	}
	b.WriteString("</g>\n")
}
