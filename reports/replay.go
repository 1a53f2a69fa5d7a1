package reports

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/fallbackgate/fallbackgate/harness/incident"
)

// WriteReplay writes the replay for a person: the incident, then per side a
// timeline table (tick, worker, landed provider or error, exit code,
// fallback events so far, the dispatcher's action) and the verdict.
// Everything in it is drawn from virtual time and the seed, so the same
// seed writes the same bytes.
func WriteReplay(w io.Writer, rep *incident.Replay) error {
	inc := rep.Incident
	cfg, _ := inc.Config.Resolved()
	var b bytes.Buffer
	fmt.Fprintf(&b, "fallbackgate replay %s: %s (%s), seed %d\n", inc.Name, inc.ID, inc.Date, rep.Seed)
	fmt.Fprintf(&b, "profile: primary %s, fallback_providers [%s]\n", cfg.Primary, strings.Join(cfg.Chain.Strings(), ", "))
	d := inc.Dispatcher
	fmt.Fprintf(&b, "dispatcher: %d oneshot workers, one every %s (+ jitter below %s); heartbeat every %s, alert at %d fallbacks\n",
		d.Workers, d.Every, d.Jitter, d.Heartbeat.Window, d.Heartbeat.Threshold)
	fmt.Fprintf(&b, "at t=%s the %s access token vanishes\n", inc.VanishesAt, cfg.Primary.Provider)
	for _, side := range []incident.ReplaySide{rep.PreFix, rep.Fixed} {
		fmt.Fprintf(&b, "\n== %s ==\n", side.Label)
		writeTimeline(&b, side.Timeline)
		mark := "ok"
		if !side.OK {
			mark = "FAIL"
		}
		fmt.Fprintf(&b, "verdict (%s): %s\n", mark, side.Verdict)
	}
	_, err := w.Write(b.Bytes())
	return err
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
