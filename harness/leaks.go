package harness

import (
	"encoding/json"
	"slices"
	"strings"

	"github.com/fallbackgate/fallbackgate/fakes"
)

// Leaks returns what R16 says of an outcome: for each channel a subject
// wrote (stdout, stderr, the gateway's stderr, the events, the gateway's
// reply, a failure quoting its output) that holds a key or token of the
// fakes, in any encoding fakes.FindSecrets knows, or one of secrets (the
// fleet's), a message naming the channel and the encoding; then each
// channel the surface itself found a leak in (Outcome.Leaks). The same
// detector serves every surface and every stage.
func Leaks(o Outcome, secrets []string) []string {
	var raw strings.Builder
	for _, ev := range o.Events {
		raw.WriteString(ev.Raw)
		raw.WriteByte('\n')
	}
	events, _ := json.Marshal(o.Events)
	var reply []byte
	if o.Reply != nil {
		reply, _ = json.Marshal(o.Reply)
	}
	stderr := "stderr"
	if o.Surface == Gateway {
		stderr = "gateway stderr"
	}
	outputs := []struct{ name, text string }{
		{"stdout", o.Stdout}, {stderr, o.Stderr}, {"events", raw.String() + string(events)}, {"gateway reply", string(reply)},
		{"the output it quoted", o.Failure},
	}
	var out, seen []string
	for _, ch := range outputs {
		if ch.text == "" {
			continue
		}
		var encs []string
		for _, l := range fakes.FindSecrets(ch.text) {
			if !slices.Contains(encs, l.Encoding) {
				encs = append(encs, l.Encoding)
			}
		}
		if len(encs) == 0 && slices.ContainsFunc(secrets, func(s string) bool { return s != "" && strings.Contains(ch.text, s) }) {
			encs = append(encs, fakes.EncodingPlain)
		}
		if len(encs) > 0 {
			seen = append(seen, ch.name)
			out = append(out, leakMessage(ch.name, encs))
		}
	}
	for _, ch := range o.Leaks {
		if !slices.Contains(seen, ch) {
			seen = append(seen, ch)
			out = append(out, leakMessage(ch, nil))
		}
	}
	return out
}

func leakMessage(channel string, encodings []string) string {
	msg := "an API key issued by the fakes appears in " + channel
	if len(encodings) > 0 && !slices.Equal(encodings, []string{fakes.EncodingPlain}) {
		msg += " (" + strings.Join(encodings, ", ") + ")"
	}
	return msg
}
