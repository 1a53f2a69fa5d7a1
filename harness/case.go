package harness

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/fallbackgate/fallbackgate/resolver"
)

// Protocol is the version of PROTOCOL.md this harness speaks.
const Protocol = "fallbackgate/1"

// SupportedProtocols lists every protocol version the harness accepts.
var SupportedProtocols = []string{Protocol}

// CheckProtocol reports an error naming the version found and the ones
// supported when v is not a version the harness knows. what names the file
// or stream, e.g. "case file" or "manifest".
func CheckProtocol(what, v string) error {
	if slices.Contains(SupportedProtocols, v) {
		return nil
	}
	return fmt.Errorf("%s: protocol %q is not supported (supported: %s)", what, v, strings.Join(SupportedProtocols, ", "))
}

// The three surfaces of CONTRACT.md.
const (
	Oneshot = "oneshot"
	Gateway = "gateway"
	CLI     = "cli"
)

// Surfaces lists the surface names in report order.
var Surfaces = []string{Oneshot, Gateway, CLI}

// Case is the case file of PROTOCOL.md: what one start-up of one surface is
// given. It marshals to exactly the JSON a subject reads from
// FALLBACKGATE_CASE.
type Case struct {
	Protocol string     `json:"protocol"`
	ID       string     `json:"id"`
	Surface  string     `json:"surface"`
	Config   CaseConfig `json:"config"`
	Args     Args       `json:"args"`
	Prompt   string     `json:"prompt"`
	// Providers maps each provider slug to its fake's base URL.
	Providers map[string]string `json:"providers"`
	// Events is the events file for oneshot and cli; empty for the gateway.
	Events string `json:"events,omitempty"`
	// Home holds config.yaml; empty for the gateway.
	Home string `json:"home,omitempty"`
}

// Pinned reports whether the case's arguments pin the start-up (R6).
func (c Case) Pinned() bool {
	return strings.TrimSpace(c.Args.Model) != "" || strings.TrimSpace(c.Args.Provider) != ""
}

// Args are the command-line arguments the case would have been started with.
// For the gateway they are the session's override.
type Args struct {
	Model    string `json:"model"`
	Provider string `json:"provider"`
}

// CaseConfig is the profile configuration, in the shape of PROTOCOL.md.
type CaseConfig struct {
	Model             PrimaryConfig `json:"model" yaml:"model"`
	FallbackProviders []ConfigEntry `json:"fallback_providers" yaml:"fallback_providers"`
	// FallbackModel is the legacy single fallback, appended to the chain.
	FallbackModel *ConfigEntry `json:"fallback_model,omitempty" yaml:"fallback_model,omitempty"`
}

// PrimaryConfig is the config's model section.
type PrimaryConfig struct {
	Provider string `json:"provider" yaml:"provider"`
	Default  string `json:"default" yaml:"default"`
	BaseURL  string `json:"base_url,omitempty" yaml:"base_url,omitempty"`
}

// ConfigEntry is a chain entry as written in a config: a mapping, or the
// shorthand string "provider/model" when Shorthand is set.
type ConfigEntry struct {
	resolver.Entry
	Shorthand bool
}

// MarshalJSON writes the shorthand string or the mapping.
func (e ConfigEntry) MarshalJSON() ([]byte, error) {
	if e.Shorthand {
		return json.Marshal(e.Entry.String())
	}
	return json.Marshal(e.Entry)
}

// MarshalYAML writes the shorthand string or the mapping.
func (e ConfigEntry) MarshalYAML() (any, error) {
	if e.Shorthand {
		return e.Entry.String(), nil
	}
	return e.Entry, nil
}

// UnmarshalJSON reads either form, remembering which.
func (e *ConfigEntry) UnmarshalJSON(b []byte) error {
	e.Shorthand = len(bytes.TrimSpace(b)) > 0 && bytes.TrimSpace(b)[0] == '"'
	return e.Entry.UnmarshalJSON(b)
}

// Resolved returns the configuration as the contract reads it: what
// resolver.ParseConfig reads from the case file's config (c as JSON), so
// that the reference model and every subject start from the same chain. A
// config ParseConfig accepts is read without the text (resolver.Written,
// equal by the property TestResolvedIsParseConfig); any other is written
// out and parsed, for ParseConfig's located errors.
func (c CaseConfig) Resolved() (resolver.Config, error) {
	if cfg, ok := c.written().Config(); ok {
		return cfg, nil
	}
	return c.parsed()
}

// parsed is Resolved the long way: c as JSON through resolver.ParseConfig.
func (c CaseConfig) parsed() (resolver.Config, error) {
	b, err := json.Marshal(c)
	if err != nil {
		return resolver.Config{}, err
	}
	return resolver.ParseConfig("case config", b)
}

// written returns c as resolver.Written, field for field as MarshalJSON
// writes it.
func (c CaseConfig) written() resolver.Written {
	w := resolver.Written{Primary: resolver.Entry{Provider: c.Model.Provider, Model: c.Model.Default, BaseURL: c.Model.BaseURL}}
	if len(c.FallbackProviders) > 0 {
		w.Chain = make([]resolver.WrittenEntry, len(c.FallbackProviders))
		for i, e := range c.FallbackProviders {
			w.Chain[i] = e.written()
		}
	}
	if c.FallbackModel != nil {
		l := c.FallbackModel.written()
		w.Legacy = &l
	}
	return w
}

// written returns e as MarshalJSON writes it.
func (e ConfigEntry) written() resolver.WrittenEntry {
	if e.Shorthand {
		return resolver.WrittenEntry{Shorthand: true, Text: e.Entry.String()}
	}
	return resolver.WrittenEntry{Entry: e.Entry}
}

// Outcome is everything a surface did in one case that the checker may
// judge.
type Outcome struct {
	Surface string
	// ExitCode is the process's exit code for oneshot and cli; -1 when it
	// was killed or never exited.
	ExitCode int
	// Stdout and Stderr are what the process wrote, cut at the capture
	// limit (see Truncated).
	Stdout, Stderr string
	// Truncated is set when output went past the capture limit.
	Truncated bool
	// Events are the events the start-up emitted, in order.
	Events []Event
	// Reply is the gateway's answer; nil for other surfaces or when none
	// came.
	Reply *Reply
	// Failure says why the subject, not the contract, failed the case: a
	// timeout, a crash, a protocol violation. Empty when the subject
	// behaved as a process should.
	Failure string
	// GatewayDied is set when the case failed because the gateway process
	// died (crashed, stopped answering, broke the protocol) while its
	// request was in flight or before it was sent: the death may come from
	// another case. The runner then re-runs the case alone on a fresh
	// gateway to tell the case that kills the gateway from its victims.
	GatewayDied bool `json:"-"`
	// Dir is the scratch folder of the case (case.json, events.jsonl,
	// home/) when the exec surface was told to keep it (KeepDir); empty
	// otherwise.
	Dir string
}

// Reply is one line of a gateway's stdout, matched to a request by ID.
type Reply struct {
	ID      string `json:"id"`
	Session string `json:"session"`
	OK      bool   `json:"ok"`
	Class   string `json:"class,omitempty"`
	Reply   string `json:"reply"`
	Notice  string `json:"notice,omitempty"`
}

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
		ev, err := parseEvent([]byte(line))
		if err != nil {
			return events, fmt.Errorf("%s:%d: %v in line %s", source, i+1, err, quoteLine(line))
		}
		events = append(events, ev)
	}
	return events, nil
}

func parseEvent(line []byte) (Event, error) {
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

func quoteLine(line string) string {
	const max = 200
	if len(line) > max {
		line = line[:max] + "…"
	}
	return fmt.Sprintf("%q", line)
}
