package harness

import (
	"encoding/json"
	"strings"

	"github.com/fallbackgate/fallbackgate/fakes"
	"github.com/fallbackgate/fallbackgate/resolver"
)

// redact returns s with every one of secrets replaced by
// resolver.Redacted, then every secret the one redactor finds
// (fakes.Redact: the fakes' keys and tokens in any encoding, other
// key-shaped tokens).
func redact(s string, secrets []string) string {
	for _, sec := range secrets {
		if sec != "" {
			s = strings.ReplaceAll(s, sec, resolver.Redacted)
		}
	}
	return fakes.Redact(s)
}

// RedactOutcome returns o with every one of secrets, and every secret
// fakes.Redact finds, replaced in everything a subject wrote: stdout,
// stderr, the failure, the events (whose raw lines are dropped) and the
// gateway's reply. A caller that cuts an output must redact it first.
func RedactOutcome(o Outcome, secrets []string) Outcome {
	o.Stdout, o.Stderr = redact(o.Stdout, secrets), redact(o.Stderr, secrets)
	o.Failure = redact(o.Failure, secrets)
	o.Events = redactEvents(o.Events, secrets)
	if o.Reply != nil {
		r := *o.Reply
		r.Reply, r.Notice = redact(r.Reply, secrets), redact(r.Notice, secrets)
		o.Reply = &r
	}
	return o
}

// redactEvents returns events with every secret replaced in every field;
// the raw lines are dropped, since reports marshal the parsed events.
func redactEvents(events []Event, secrets []string) []Event {
	out := make([]Event, 0, len(events))
	for _, ev := range events {
		raw := ev.Raw
		ev.Raw = ""
		if raw != "" && redact(raw, secrets) == raw {
			// The line the event was read from holds no secret in any
			// encoding, so neither does any field read from it.
			out = append(out, ev)
			continue
		}
		b, err := json.Marshal(ev)
		if err != nil {
			continue
		}
		clean := ev
		if r := redact(string(b), secrets); r != string(b) {
			clean = Event{}
			if err := json.Unmarshal([]byte(r), &clean); err != nil {
				continue
			}
		}
		out = append(out, clean)
	}
	return out
}
