package reports

import (
	"bytes"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/fallbackgate/fallbackgate/harness"
	"github.com/fallbackgate/fallbackgate/harness/incident"
)

// WriteReplay writes the replay for a person: the incident (its story,
// profile, fault plans and dispatcher), then per side a timeline table
// (tick, worker, landed provider or error, exit code, fallback events so
// far, the dispatcher's action), the verdict and one line per assertion.
// Everything in it is drawn from virtual time and the seed, so the same
// seed writes the same bytes. Like every report it is redacted: a subject
// on the contract's side writes its workers' errors and failures.
func WriteReplay(w io.Writer, rep *incident.Replay) error {
	var b bytes.Buffer
	writeReplay(&b, rep)
	_, err := w.Write(redactBytes(b.Bytes()))
	return err
}

func writeReplay(b *bytes.Buffer, rep *incident.Replay) {
	inc := rep.Incident
	cfg, _ := inc.Config.Resolved()
	fmt.Fprintf(b, "fallbackgate replay %s: %s", inc.Name, inc.ID)
	if inc.Date != "" {
		fmt.Fprintf(b, " (%s)", inc.Date)
	}
	fmt.Fprintf(b, ", seed %d\n", rep.Seed)
	if inc.Story != "" {
		b.WriteString(strings.Join(wrapWords(inc.Story, 96), "\n") + "\n")
	}
	fmt.Fprintf(b, "profile: primary %s, chain [%s]\n", cfg.Primary, strings.Join(cfg.Chain.Strings(), ", "))
	var plans []string
	for _, p := range slices.Sorted(maps.Keys(inc.Faults)) {
		plans = append(plans, p+": "+inc.Faults[p])
	}
	if len(plans) > 0 {
		fmt.Fprintf(b, "faults: %s\n", strings.Join(plans, "; "))
	}
	fmt.Fprintf(b, "dispatcher: %s\n", dispatcherText(rep))
	for _, side := range []incident.ReplaySide{rep.PreFix, rep.Fixed} {
		fmt.Fprintf(b, "\n== %s ==\n", side.Label)
		writeTimeline(b, side.Timeline)
		fmt.Fprintf(b, "verdict (%s): %s\n", okWord(side.OK), side.Verdict)
		for _, c := range side.Checks {
			b.WriteString(checkLine(c.Held, c.Text))
		}
	}
}

// dispatcherText says what the replay's dispatcher does: its workers and
// on which surface, its cadence, and its heartbeat when it has one.
func dispatcherText(rep *incident.Replay) string {
	d := rep.Incident.Dispatcher
	workers := "oneshot workers"
	if rep.Surface == harness.Gateway {
		workers = "workers, each a session of one gateway"
	}
	text := fmt.Sprintf("%d %s, one every %s", d.Workers, workers, d.Every)
	if d.Jitter > 0 {
		text += fmt.Sprintf(" (+ jitter below %s)", d.Jitter)
	}
	if d.Heartbeat.Window > 0 && d.Heartbeat.Threshold > 0 {
		text += fmt.Sprintf("; heartbeat every %s, alert at %d fallbacks", d.Heartbeat.Window, d.Heartbeat.Threshold)
	}
	return text
}

// checkLine is one assertion of an incident as the text replay, the
// terminal report and JUnit list it: "  ok    text" or "  FAIL  text".
func checkLine(held bool, text string) string {
	return fmt.Sprintf("  %-4s  %s\n", okWord(held), text)
}

func okWord(ok bool) string {
	if ok {
		return "ok"
	}
	return "FAIL"
}

// wrapWords breaks s into lines of at most width characters at spaces.
func wrapWords(s string, width int) []string {
	var lines []string
	line := ""
	for _, w := range strings.Fields(s) {
		if line != "" && len([]rune(line))+1+len([]rune(w)) > width {
			lines = append(lines, line)
			line = w
			continue
		}
		line = strings.TrimPrefix(line+" "+w, " ")
	}
	return append(lines, line)
}

func writeTimeline(w io.Writer, tl *incident.Timeline) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "TICK\tWORKER\tLANDED / ERROR\tEXIT\tFALLBACKS\tDISPATCHER")
	for _, r := range tl.Lines {
		if r.Kind == incident.LineHeartbeat {
			say := fmt.Sprintf("%d of %d start-ups fell back", r.WindowFallbacks, r.Startups)
			if r.Alert != "" {
				say = "ALERT " + r.Alert
			}
			fmt.Fprintf(tw, "%s\theartbeat\t\t\t%d\t%s\n", tick(r.At), r.Fallbacks, say)
			continue
		}
		res := r.Result
		what := res.Error
		if res.Provider != "" {
			what = fmt.Sprintf("%s/%s remaining [%s]", res.Provider, res.Model, strings.Join(res.Remaining, ", "))
		}
		if res.Failure != "" {
			what = strings.TrimSpace(what + " (" + res.Failure + ")")
		}
		worker := fmt.Sprintf("w%02d", r.Job.ID)
		if r.Job.Attempt > 1 {
			worker += fmt.Sprintf(" (try %d)", r.Job.Attempt)
		}
		fate := r.Fate
		if r.Fate == incident.FateRequeued {
			fate += " for t=" + tick(r.RequeueAt)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%d\t%s\n", tick(r.At), worker, what, res.Exit, r.Fallbacks, fate)
	}
	tw.Flush()
}

// tick prints a virtual-time offset to the second: "1m50s".
func tick(d time.Duration) string {
	return d.Truncate(time.Second).String()
}
