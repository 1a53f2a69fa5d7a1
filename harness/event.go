package harness

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/fallbackgate/fallbackgate/fakes"
	"github.com/fallbackgate/fallbackgate/resolver"
)

// Event is one line of an events file (PROTOCOL.md "Events").
type Event struct {
	Event string `json:"event"`
	// ID is the gateway request the event belongs to.
	ID string `json:"id,omitempty"`

	// fallback
	From   *EventEntry `json:"from,omitempty"`
	To     *EventEntry `json:"to,omitempty"`
	Index  *int        `json:"index,omitempty"`
	Reason string      `json:"reason,omitempty"`

	// started
	Provider  string          `json:"provider,omitempty"`
	Model     string          `json:"model,omitempty"`
	LandedAt  *int            `json:"landed_at,omitempty"`
	Remaining *resolver.Chain `json:"remaining,omitempty"`

	// failed
	Error *EventError `json:"error,omitempty"`

	// Raw is the line as the subject wrote it, fields the harness does not
	// know included, so that the secret check (R16) sees all of it. It is
	// not marshalled.
	Raw string `json:"-"`
}

// RemainingStrings returns a started event's remaining chain as
// EntryString does; nil when the event has none.
func (e Event) RemainingStrings() []string {
	if e.Remaining == nil {
		return nil
	}
	return ChainStrings(*e.Remaining)
}

// EntryString writes an entry as scenario files and reports do:
// "provider/model" (the bare provider without a model), then " @ URL" when
// it has a base URL, after R2's trailing-slash strip:
// "openai-codex/gpt-5.5 @ https://eu.example/v1".
func EntryString(e resolver.Entry) string {
	s := e.String()
	if base := strings.TrimRight(strings.TrimSpace(e.BaseURL), "/"); base != "" {
		s += BaseURLMark + base
	}
	return s
}

// BaseURLMark separates an entry from its base URL in EntryString.
const BaseURLMark = " @ "

// ChainStrings returns EntryString of every entry of c; an empty list
// for an empty chain.
func ChainStrings(c resolver.Chain) []string {
	out := make([]string, len(c))
	for i, e := range c {
		out[i] = EntryString(e)
	}
	return out
}

// EventEntry is a provider and model in a fallback event.
type EventEntry struct {
	Provider string `json:"provider"`
	Model    string `json:"model"`
}

// EventError is the error of a failed event. For a non-auth error only Type
// and Message are set.
type EventError struct {
	Type            string `json:"type"`
	Provider        string `json:"provider,omitempty"`
	Code            string `json:"code,omitempty"`
	ReloginRequired *bool  `json:"relogin_required,omitempty"`
	Message         string `json:"message"`
}

// The event names of PROTOCOL.md.
const (
	EventFallback = "fallback"
	EventStarted  = "started"
	EventFailed   = "failed"
)

// ParseEvents reads an events stream, one JSON object per line. Blank lines
// are ignored. A line that is not a JSON object, an unknown event, or a
// missing field is a protocol violation: the error quotes the line and names
// its number. source names the stream in errors.
func ParseEvents(source string, data []byte) ([]Event, error) {
	var events []Event
	for i, line := range strings.Split(string(data), "\n") {
		if strings.TrimSpace(line) == "" {
			continue
		}
		ev, err := ParseEvent([]byte(line))
		if err != nil {
			return events, fmt.Errorf("%s:%d: %v in line %s", source, i+1, err, QuoteLine(line))
		}
		events = append(events, ev)
	}
	return events, nil
}

// ParseEvent reads one line of an events stream strictly: a JSON object
// naming a known event with every field that event needs. The error says
// what is wrong, without the line.
func ParseEvent(line []byte) (Event, error) {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(line, &fields); err != nil {
		return Event{}, fmt.Errorf("not a JSON object")
	}
	var ev Event
	if err := json.Unmarshal(line, &ev); err != nil {
		return Event{}, fmt.Errorf("malformed event: %v", err)
	}
	var need []string
	switch ev.Event {
	case EventFallback:
		need = []string{"from", "to", "index", "reason"}
	case EventStarted:
		need = []string{"provider", "model", "landed_at", "remaining"}
	case EventFailed:
		need = []string{"error"}
	case "":
		return Event{}, fmt.Errorf(`missing field "event"`)
	default:
		return Event{}, fmt.Errorf("unknown event %q", ev.Event)
	}
	for _, f := range need {
		if v, ok := fields[f]; !ok || string(v) == "null" {
			return Event{}, fmt.Errorf("%s event is missing field %q", ev.Event, f)
		}
	}
	if ev.Event == EventFailed && (ev.Error.Type == "" || ev.Error.Message == "") {
		return Event{}, fmt.Errorf(`failed event's error needs "type" and "message"`)
	}
	ev.Raw = string(line)
	return ev, nil
}

// QuoteLine quotes a line a subject wrote for an error message, redacted
// (fakes.Redact), then cut at 200 bytes: a cut never leaves a prefix of a
// key.
func QuoteLine(line string) string {
	const max = 200
	line = fakes.Redact(line)
	if len(line) > max {
		line = line[:max] + "…"
	}
	return fmt.Sprintf("%q", line)
}

// EventsNamed returns the events called name, in order.
func EventsNamed(events []Event, name string) []Event {
	var out []Event
	for _, e := range events {
		if e.Event == name {
			out = append(out, e)
		}
	}
	return out
}
