package reports_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/fallbackgate/fallbackgate/reports"
)

// chromium returns the headless browser to render the HTML report with:
// $FALLBACKGATE_CHROMIUM, else the first of chromium, chromium-browser,
// google-chrome on PATH. Without one the test is skipped on a developer's
// machine, but fails in CI (CI set), where .ci/run installs Debian's
// chromium package: the browser test must really run there.
func chromium(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("FALLBACKGATE_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatal("no chromium on PATH, and CI is set: the browser test must run in CI (apt-get install -y chromium)")
	}
	t.Skip("no chromium on PATH (install Debian's chromium package, or set FALLBACKGATE_CHROMIUM); skipped outside CI")
	return ""
}

// dumpDOM loads url in headless Chromium, with the network features off
// and a fresh profile, and returns the DOM after the page's scripts ran.
func dumpDOM(t *testing.T, browser, url string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	profile := t.TempDir()
	cmd := exec.CommandContext(ctx, browser,
		"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--disable-dev-shm-usage", "--user-data-dir="+profile, "--dump-dom", url)
	cmd.Env = append(os.Environ(), "HOME="+profile)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s --dump-dom %s: %v\n%s", browser, url, err, stderr.String())
	}
	return string(out)
}

// TestHTMLInBrowser renders the HTML report of a run with failures in
// headless Chromium, opened at a passing case's anchor, and checks the
// rendered DOM: the inline script ran (it marks the page ready and opens
// the case the URL names), the matrix has a cell per case with its
// verdict, and a failure's detail is there: its violations, its ledger
// timeline, its events, its trace and its reproduce command.
func TestHTMLInBrowser(t *testing.T) {
	browser := chromium(t)
	r := broken(t, nil)
	path := filepath.Join(t.TempDir(), "report.html")
	if err := reports.Formats[3].WriteFile(path, r); err != nil {
		t.Fatal(err)
	}
	pass := "case-broken-SF-1-gateway"
	dom := dumpDOM(t, browser, "file://"+path+"#"+pass)

	if !regexp.MustCompile(`<html[^>]*data-ready="true"`).MatchString(dom) {
		t.Fatalf("the page's script did not run (no data-ready on <html>):\n%s", dom[:min(len(dom), 2000)])
	}
	if !regexp.MustCompile(`<details class="case pass" id="` + pass + `"[^>]*\bopen\b`).MatchString(dom) {
		t.Errorf("the case the URL names (%s) is not open: the script did not open it", pass)
	}
	cells := regexp.MustCompile(`<td class="cell ([a-z-]+)"[^>]*data-subject="broken" data-surface="([a-z]+)"[^>]*><a href="#(case-[^"]+)"[^>]*>([^<]+)</a></td>`).FindAllStringSubmatch(dom, -1)
	if len(cells) != len(r.Cases) {
		t.Errorf("the matrix has %d case cells; want %d", len(cells), len(r.Cases))
	}
	want := map[string]string{}
	for _, c := range r.Cases {
		want["case-broken-"+c.Scenario+"-"+c.Surface] = string(c.Status)
	}
	for _, m := range cells {
		if want[m[3]] != m[1] {
			t.Errorf("cell %s reads %q (class %s); want class %s", m[3], m[4], m[1], want[m[3]])
		}
	}
	if !strings.Contains(dom, ">FAIL R7,R15</a>") {
		t.Error("the matrix shows no SF-8 failure cell \"FAIL R7,R15\"")
	}

	fail := firstFailure(t, r)
	for _, c := range r.Cases {
		if c.Scenario == "SF-8" && c.Surface == "gateway" {
			fail = c
		}
	}
	id := "case-broken-SF-8-gateway"
	detail := regexp.MustCompile(`(?s)<details class="case fail" id="` + id + `"[^>]*>.*?</details>`).FindString(dom)
	if detail == "" {
		t.Fatalf("no detail element for %s in the DOM", id)
	}
	// A serialized DOM escapes &, < and > in text, not quotes.
	esc := strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")
	for _, part := range []string{
		"<strong>SF-8</strong>", "expected (reference model", esc.Replace(fail.Expected.String()), esc.Replace(fail.Observed.String()),
		`<span class="rule">R7</span>`, esc.Replace(fail.Violations[0].Message),
		`<ol class="timeline">`, `class="dot" style="left:`, "openai-codex</strong> resolve", "rate_limit",
		`<pre class="events">`, `"event":"started"`,
		`<ol class="trace">`, esc.Replace(fail.Trace[0]),
		`<pre class="repro"><code>` + esc.Replace(fail.Repro),
	} {
		if !strings.Contains(detail, part) {
			t.Errorf("the failure's detail lacks %q", part)
		}
	}
}

// TestHTMLStagesInBrowser renders a run whose property and chaos stages
// failed in headless Chromium and checks that the script still runs and
// that both failures are open in the rendered DOM, with the rule, the
// counterexample and the commands that reproduce them.
func TestHTMLStagesInBrowser(t *testing.T) {
	browser := chromium(t)
	r := withStages(handProperties("fail"), handChaos("fail"))
	path := filepath.Join(t.TempDir(), "report.html")
	if err := reports.Formats[3].WriteFile(path, r); err != nil {
		t.Fatal(err)
	}
	dom := dumpDOM(t, browser, "file://"+path)
	if !regexp.MustCompile(`<html[^>]*data-ready="true"`).MatchString(dom) {
		t.Fatalf("the page's script did not run (no data-ready on <html>):\n%s", dom[:min(len(dom), 2000)])
	}
	for _, stage := range []struct{ class, open string }{
		{"properties", `data-surface="gateway"`},
		{"chaos", `data-stage="problems"`},
	} {
		sec := regexp.MustCompile(`(?s)<section class="` + stage.class + `"[^>]*>.*?</section>`).FindString(dom)
		if sec == "" {
			t.Errorf("no %s section in the DOM", stage.class)
			continue
		}
		if !regexp.MustCompile(`<details class="stage fail"[^>]*\bopen\b[^>]*` + stage.open).MatchString(sec) {
			t.Errorf("the %s failure is not open in the DOM:\n%s", stage.class, sec)
		}
	}
	for _, part := range []string{
		`<span class="rule">R9</span>`, "<pre class=\"scenario\">id: PROP-1\n",
		`<pre class="repro"><code>` + propReplay("gateway") + `</code></pre>`, `<pre class="repro"><code>` + propSearch + `</code></pre>`,
		`<span class="rule">R13</span>`, `<code>` + chaosCounter + `</code>`, `<pre class="repro"><code>` + chaosRepro + `</code></pre>`,
	} {
		if !strings.Contains(dom, part) {
			t.Errorf("the stages' DOM lacks %q", part)
		}
	}
}

// TestReplayHTMLInBrowser renders the replay page of v6.6 (seed 1) in
// headless Chromium and counts the picture's marks in the rendered DOM
// against the timelines, per side: a start-up mark per worker line, with
// its class, worker, attempt and tick, an alert marker per alert and a
// fault-change marker per change of the plans (one, xai-oauth: ok →
// missing). The browser's HTML parser must keep the inline SVG whole.
func TestReplayHTMLInBrowser(t *testing.T) {
	browser := chromium(t)
	rep := replayOf(t, v66Replay)
	path := filepath.Join(t.TempDir(), "timeline.html")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := reports.WriteReplayHTML(f, rep); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	dom := dumpDOM(t, browser, "file://"+path)
	if !regexp.MustCompile(`<svg [^>]*class="replay-timeline"`).MatchString(dom) {
		t.Fatalf("no inline timeline svg in the DOM:\n%s", dom[:min(len(dom), 2000)])
	}
	startups := regexp.MustCompile(`<g class="startup ([a-z-]+)" data-side="([a-z-]+)" data-worker="(w\d+)" data-attempt="(\d+)" data-at="([^"]+)">\s*<title>`).FindAllStringSubmatch(dom, -1)
	alerts := regexp.MustCompile(`<g class="alert" data-side="([a-z-]+)" data-at="([^"]+)">\s*<title>`).FindAllStringSubmatch(dom, -1)
	changes := regexp.MustCompile(`<g class="fault-change" data-side="([a-z-]+)" data-provider="([^"]+)" data-at="([^"]+)">`).FindAllStringSubmatch(dom, -1)
	for _, s := range sidesOf(rep) {
		var want, got []string
		for _, r := range s.side.Timeline.Workers() {
			want = append(want, fmt.Sprintf("%s w%02d.%d@%s", wantClass(r), r.Job.ID, r.Job.Attempt, r.At))
		}
		for _, m := range startups {
			if m[2] == s.key {
				got = append(got, fmt.Sprintf("%s %s.%s@%s", m[1], m[3], m[4], m[5]))
			}
		}
		if !slices.Equal(got, want) {
			t.Errorf("%s: the DOM's start-up marks\n%q\nwant one per worker line\n%q", s.key, got, want)
		}
		var wantAlerts, gotAlerts []string
		for _, r := range s.side.Timeline.Alerts() {
			wantAlerts = append(wantAlerts, r.At.String())
		}
		for _, m := range alerts {
			if m[1] == s.key {
				gotAlerts = append(gotAlerts, m[2])
			}
		}
		if !slices.Equal(gotAlerts, wantAlerts) {
			t.Errorf("%s: the DOM's alert markers at %q; want one per alert, at %q", s.key, gotAlerts, wantAlerts)
		}
		var gotChanges []string
		for _, m := range changes {
			if m[1] == s.key {
				gotChanges = append(gotChanges, m[2]+"@"+m[3])
			}
		}
		if want := []string{"xai-oauth@1m50s"}; !slices.Equal(gotChanges, want) {
			t.Errorf("%s: the DOM's fault-change markers %q; want %q", s.key, gotChanges, want)
		}
	}
	if !strings.Contains(dom, "alert 4/4</text>") || !strings.Contains(dom, "xai-oauth: ok → missing</text>") {
		t.Error("the DOM lacks the alert's label \"alert 4/4\" or the change's label \"xai-oauth: ok → missing\"")
	}
}
