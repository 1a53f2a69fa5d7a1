package incident

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/fallbackgate/fallbackgate/fakes"
	"github.com/fallbackgate/fallbackgate/harness"
	"github.com/fallbackgate/fallbackgate/harness/reference"
	"github.com/fallbackgate/fallbackgate/resolver"
)

// This file reads an incident file strictly: every key known, every value
// of its kind, every problem an error "FILE:LINE: field: problem", located
// by the yaml.Node positions of the value at fault.

// fileKeys are the top-level keys of an incident file, in the order the
// README documents them.
var fileKeys = []string{"id", "name", "date", "story", "summary", "config", "faults", "vanishes_at", "dispatcher", "pre_fix", "reproduced", "holds"}

// problems collects what is wrong with a file, each at its line.
type problems struct {
	file string
	list []string
}

// add records problem at n's line for field.
func (p *problems) add(n *yaml.Node, field, format string, args ...any) {
	line := 0
	if n != nil {
		line = n.Line
	}
	p.addAt(line, field, fmt.Sprintf(format, args...))
}

func (p *problems) addAt(line int, field, problem string) {
	loc := p.file
	if line > 0 {
		loc += ":" + strconv.Itoa(line)
	}
	if field != "" {
		problem = field + ": " + problem
	}
	p.list = append(p.list, loc+": "+problem)
}

func (p *problems) err() error {
	if len(p.list) == 0 {
		return nil
	}
	return errors.New(strings.Join(p.list, "\n"))
}

// ParseIncident reads an incident file (the format of
// scenarios/incidents/*.yaml, documented in the README) strictly. The
// error lists every problem, one per line, each "NAME:LINE: field: what is
// wrong": an unknown key, a value of the wrong kind, a bad config or fault
// plan, a dispatcher without workers, an unknown pre_fix mutant, an empty
// or malformed assertion list.
func ParseIncident(name string, data []byte) (Incident, error) {
	inc := Incident{Source: name}
	p := &problems{file: name}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		if line, rest := splitLine(err.Error()); line > 0 {
			return inc, fmt.Errorf("%s:%d: %s", name, line, rest)
		}
		return inc, fmt.Errorf("%s: %v", name, strings.TrimPrefix(err.Error(), "yaml: "))
	}
	if len(doc.Content) == 0 {
		return inc, fmt.Errorf("%s: empty file: want an incident (id, name, story, config, faults, dispatcher, pre_fix, reproduced, holds)", name)
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		return inc, fmt.Errorf("%s:%d: an incident file is a mapping of %s", name, root.Line, strings.Join(fileKeys, ", "))
	}
	seen := map[string]*yaml.Node{}
	for k, v := range pairs(root) {
		if !slices.Contains(fileKeys, k.Value) {
			p.add(k, k.Value, "unknown key (known: %s)", strings.Join(fileKeys, ", "))
			continue
		}
		if seen[k.Value] != nil {
			p.add(k, k.Value, "appears twice")
			continue
		}
		seen[k.Value] = v
	}
	var rootLine = root.Line
	need := func(key string) *yaml.Node {
		n := seen[key]
		if n == nil {
			p.addAt(rootLine, key, "missing")
		}
		return n
	}
	if n := need("id"); n != nil {
		inc.ID = p.text(n, "id")
	}
	if n := need("name"); n != nil {
		inc.Name = p.text(n, "name")
	}
	if n := seen["date"]; n != nil {
		inc.Date = p.scalar(n, "date")
	}
	switch story, summary := seen["story"], seen["summary"]; {
	case story != nil && summary != nil:
		p.add(summary, "summary", "the older spelling of story: give one of them")
	case story != nil:
		inc.Story = p.text(story, "story")
	case summary != nil:
		inc.Story = p.text(summary, "summary")
	default:
		p.addAt(rootLine, "story", "missing: a paragraph that says what happened")
	}
	if n := need("config"); n != nil {
		inc.Config = p.config(n)
	}
	if n := seen["faults"]; n != nil {
		inc.Faults = p.faults(n)
	}
	if n := seen["vanishes_at"]; n != nil {
		inc.VanishesAt = p.duration(n, "vanishes_at", false)
	}
	if n := need("dispatcher"); n != nil {
		p.dispatcher(n, &inc)
	}
	if n := need("pre_fix"); n != nil {
		inc.PreFix = p.text(n, "pre_fix")
		if inc.PreFix != "" {
			if _, err := reference.MutantByName(inc.PreFix); err != nil {
				p.add(n, "pre_fix", "%v", err)
			}
		}
	}
	if n := need("reproduced"); n != nil {
		inc.Reproduced = p.assertions(n, "reproduced")
	}
	if n := need("holds"); n != nil {
		inc.Holds = p.assertions(n, "holds")
	}
	return inc, p.err()
}

// pairs yields the keys and values of a mapping node.
func pairs(n *yaml.Node) func(yield func(k, v *yaml.Node) bool) {
	return func(yield func(k, v *yaml.Node) bool) {
		for i := 0; i+1 < len(n.Content); i += 2 {
			if !yield(n.Content[i], n.Content[i+1]) {
				return
			}
		}
	}
}

// show quotes a node's value for an error: a scalar as written, else its
// kind.
func show(n *yaml.Node) string {
	switch n.Kind {
	case yaml.ScalarNode:
		return strconv.Quote(n.Value)
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	}
	return "an alias"
}

// scalar returns a scalar's value, or records that field wants one.
func (p *problems) scalar(n *yaml.Node, field string) string {
	if n.Kind != yaml.ScalarNode || n.Tag == "!!null" {
		p.add(n, field, "want a string, got %s", showNull(n))
		return ""
	}
	return n.Value
}

// text is a scalar that must not be blank.
func (p *problems) text(n *yaml.Node, field string) string {
	s := p.scalar(n, field)
	if n.Kind == yaml.ScalarNode && n.Tag != "!!null" && strings.TrimSpace(s) == "" {
		p.add(n, field, "want a non-blank string, got %q", s)
	}
	return strings.TrimSpace(s)
}

func showNull(n *yaml.Node) string {
	if n.Tag == "!!null" {
		return "nothing"
	}
	return show(n)
}

// duration reads a Go duration ("1m50s"): positive when positive is set,
// else at least zero.
func (p *problems) duration(n *yaml.Node, field string, positive bool) time.Duration {
	want := "a duration >= 0 like 1m50s"
	if positive {
		want = "a duration > 0 like 30s"
	}
	if n.Kind != yaml.ScalarNode || n.Tag == "!!null" {
		p.add(n, field, "want %s, got %s", want, showNull(n))
		return 0
	}
	d, err := time.ParseDuration(n.Value)
	if err != nil || d < 0 || (positive && d == 0) {
		p.add(n, field, "want %s, got %q", want, n.Value)
		return 0
	}
	return d
}

// whole reads a whole number of at least min.
func (p *problems) whole(n *yaml.Node, field string, min int) int {
	if n.Kind == yaml.ScalarNode && n.Tag == "!!int" {
		if v, err := strconv.Atoi(n.Value); err == nil && v >= min {
			return v
		}
	}
	p.add(n, field, "want a whole number >= %d, got %s", min, showNull(n))
	return 0
}

// boolean reads true or false.
func (p *problems) boolean(n *yaml.Node, field string) bool {
	if n.Kind == yaml.ScalarNode && n.Tag == "!!bool" {
		return n.Value == "true"
	}
	p.add(n, field, "want true or false, got %s", showNull(n))
	return false
}

// mapping checks that n is a mapping with only keys of known, once each,
// and returns its values by key.
func (p *problems) mapping(n *yaml.Node, field string, known ...string) map[string]*yaml.Node {
	out := map[string]*yaml.Node{}
	if n.Kind != yaml.MappingNode {
		p.add(n, field, "want a mapping of %s, got %s", strings.Join(known, ", "), showNull(n))
		return out
	}
	for k, v := range pairs(n) {
		switch {
		case !slices.Contains(known, k.Value):
			p.add(k, field+"."+k.Value, "unknown key (known: %s)", strings.Join(known, ", "))
		case out[k.Value] != nil:
			p.add(k, field+"."+k.Value, "appears twice")
		default:
			out[k.Value] = v
		}
	}
	return out
}

// config reads the profile's configuration: its keys checked here, its
// entries read as a scenario's are, then the whole read as the contract
// reads it (CaseConfig.Resolved), each problem at its value's line.
func (p *problems) config(n *yaml.Node) harness.CaseConfig {
	var cfg harness.CaseConfig
	m := p.mapping(n, "config", "model", "fallback_providers", "fallback_model")
	if len(p.list) > 0 && n.Kind != yaml.MappingNode {
		return cfg
	}
	if mn := m["model"]; mn != nil {
		p.mapping(mn, "config.model", "provider", "default", "base_url")
	}
	before := len(p.list)
	if err := n.Decode(&cfg); err != nil {
		for _, msg := range yamlErrors(err) {
			line, rest := splitLine(msg)
			if line == 0 {
				line = n.Line
			}
			p.addAt(line, "config", rest)
		}
	}
	if len(p.list) > before {
		return cfg
	}
	if _, err := cfg.Resolved(); err != nil {
		for _, e := range configErrors(err) {
			at := locate(n, e.Field)
			line := n.Line
			if at != nil {
				line = at.Line
			}
			msg := e.Problem
			if e.Value != "" {
				msg += " (got " + e.Value + ")"
			}
			p.addAt(line, "config."+e.Field, msg)
		}
	}
	return cfg
}

// yamlErrors splits a decoding error into its messages, each in the words
// of the file (harness.YAMLProblem): "line 6: want a list, got \"3\"", not
// the decoder's Go type names.
func yamlErrors(err error) []string {
	var te *yaml.TypeError
	if !errors.As(err, &te) {
		return []string{harness.YAMLProblem(err)}
	}
	out := make([]string, len(te.Errors))
	for i, e := range te.Errors {
		out[i] = harness.YAMLProblem(&yaml.TypeError{Errors: []string{e}})
	}
	return out
}

// splitLine takes "line N: rest" apart.
func splitLine(msg string) (int, string) {
	msg = strings.TrimPrefix(msg, "yaml: ")
	if rest, ok := strings.CutPrefix(msg, "line "); ok {
		num, tail, ok := strings.Cut(rest, ": ")
		if n, err := strconv.Atoi(num); ok && err == nil {
			return n, tail
		}
	}
	return 0, msg
}

// configErrors returns the ConfigErrors joined in err.
func configErrors(err error) []*resolver.ConfigError {
	var out []*resolver.ConfigError
	var walk func(error)
	walk = func(err error) {
		if j, ok := err.(interface{ Unwrap() []error }); ok {
			for _, e := range j.Unwrap() {
				walk(e)
			}
			return
		}
		var ce *resolver.ConfigError
		if errors.As(err, &ce) {
			out = append(out, ce)
			return
		}
		out = append(out, &resolver.ConfigError{Problem: err.Error()})
	}
	walk(err)
	return out
}

// locate finds the node of a config field path such as
// "fallback_providers[2].model" under the config mapping n; nil when it is
// not there.
func locate(n *yaml.Node, field string) *yaml.Node {
	for _, part := range strings.Split(field, ".") {
		if part == "" {
			continue
		}
		key, index, indexed := part, 0, false
		if i := strings.IndexByte(part, '['); i >= 0 && strings.HasSuffix(part, "]") {
			v, err := strconv.Atoi(part[i+1 : len(part)-1])
			if err != nil {
				return n
			}
			key, index, indexed = part[:i], v, true
		}
		var next *yaml.Node
		if n.Kind == yaml.MappingNode {
			for k, v := range pairs(n) {
				if k.Value == key {
					next = v
				}
			}
		}
		if next == nil {
			return n
		}
		if indexed {
			if next.Kind != yaml.SequenceNode || index < 0 || index >= len(next.Content) {
				return next
			}
			next = next.Content[index]
		}
		n = next
	}
	return n
}

// faults reads the fault plans: provider -> plan in the fakes' language.
func (p *problems) faults(n *yaml.Node) map[string]string {
	out := map[string]string{}
	if n.Kind != yaml.MappingNode {
		p.add(n, "faults", "want a mapping of provider to fault plan, got %s", showNull(n))
		return out
	}
	for k, v := range pairs(n) {
		field := "faults." + k.Value
		if _, dup := out[k.Value]; dup {
			p.add(k, field, "appears twice")
			continue
		}
		plan := p.text(v, field)
		if plan == "" {
			continue
		}
		if _, err := fakes.Parse(plan); err != nil {
			p.add(v, field, "%v", err)
		}
		out[k.Value] = plan
	}
	return out
}

// dispatcher reads the dispatcher: workers, every, jitter, heartbeat.
func (p *problems) dispatcher(n *yaml.Node, inc *Incident) {
	m := p.mapping(n, "dispatcher", "workers", "every", "jitter", "heartbeat")
	if n.Kind != yaml.MappingNode {
		return
	}
	d := &inc.Dispatcher
	if v := m["workers"]; v != nil {
		d.Workers = p.whole(v, "dispatcher.workers", 1)
	} else {
		p.add(n, "dispatcher.workers", "missing: how many workers the dispatcher starts")
	}
	if v := m["every"]; v != nil {
		d.Every = p.duration(v, "dispatcher.every", true)
	} else {
		p.add(n, "dispatcher.every", "missing: how long between two workers' starts")
	}
	if v := m["jitter"]; v != nil {
		d.Jitter = p.duration(v, "dispatcher.jitter", false)
	}
	if v := m["heartbeat"]; v != nil {
		hb := p.mapping(v, "dispatcher.heartbeat", "window", "threshold")
		if w := hb["window"]; w != nil {
			d.Heartbeat.Window = p.duration(w, "dispatcher.heartbeat.window", true)
		}
		if t := hb["threshold"]; t != nil {
			d.Heartbeat.Threshold = p.whole(t, "dispatcher.heartbeat.threshold", 1)
		}
		if v.Kind == yaml.MappingNode && (hb["window"] == nil) != (hb["threshold"] == nil) {
			p.add(v, "dispatcher.heartbeat", "want both window and threshold")
		}
	}
}
