package resolver

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"
)

// Config is what start-up reads from a profile: the primary and the fallback
// chain. It is read once per start-up (R1); the same Chain serves the
// fallback walk and the remaining chain handed to the runtime.
type Config struct {
	// Primary is model.provider with model.default (and model.base_url).
	Primary Entry
	// Chain is fallback_providers followed by the legacy fallback_model.
	Chain Chain
}

// ConfigError is one thing wrong with a configuration. Errors from
// [ParseConfig] wrap one ConfigError per problem (use [errors.As] for the
// first, or unwrap the joined error for all).
type ConfigError struct {
	// File is the name given to ParseConfig; empty when none was given.
	File string
	// Line and Column locate the offending value; zero when unknown.
	Line, Column int
	// Field is the path of the value, e.g. "fallback_providers[2].model".
	Field string
	// Index is the 0-based index of the chain entry at fault within its
	// list, or -1 when the problem is not in an entry.
	Index int
	// Value is the offending value as written, quoted; empty when absent.
	Value string
	// Problem says what is wrong.
	Problem string
}

// Error reads "file:line:col: field: problem (got value)".
func (e *ConfigError) Error() string {
	var b strings.Builder
	if e.File != "" {
		b.WriteString(e.File)
		if e.Line > 0 {
			fmt.Fprintf(&b, ":%d:%d", e.Line, e.Column)
		}
		b.WriteString(": ")
	} else if e.Line > 0 {
		fmt.Fprintf(&b, "line %d:%d: ", e.Line, e.Column)
	}
	if e.Field != "" {
		b.WriteString(e.Field)
		b.WriteString(": ")
	}
	b.WriteString(e.Problem)
	if e.Value != "" {
		fmt.Fprintf(&b, " (got %s)", e.Value)
	}
	return b.String()
}

// ParseConfig reads a configuration in YAML or JSON (JSON is read as YAML):
//
//	model: {provider: xai-oauth, default: grok-4.3, base_url: ...}
//	fallback_providers:
//	  - {provider: openai-codex, model: gpt-5.5}
//	  - anthropic/claude-opus-4-7
//	fallback_model: openrouter/some-model   # legacy, optional, appended
//
// Unknown top-level keys are ignored (real configs have many), but an entry
// must be a mapping with only provider, model and base_url, or a shorthand
// string. Nothing malformed is dropped (R3): every problem is reported, each
// as a [*ConfigError] naming the file, line, field path with the entry's
// index, and the value. name is used in those errors; it may be empty.
func ParseConfig(name string, data []byte) (Config, error) {
	doc, err := parseDocument(data)
	if err != nil {
		return Config{}, withFile(err, name)
	}
	p := parser{file: name}
	cfg := p.config(doc)
	if err := p.err(); err != nil {
		return Config{}, err
	}
	return cfg, nil
}

// Written is a configuration held as values rather than text: each field
// as a config file would write it, before ParseConfig's normalisation and
// checks. It is the fast path for a caller that would otherwise write the
// configuration out and parse it again (see [Written.Config]).
type Written struct {
	// Primary is the model section written as a mapping: model.provider,
	// model.default (as Model) and model.base_url.
	Primary Entry
	// Chain is fallback_providers; nil or empty when there is none.
	Chain []WrittenEntry
	// Legacy is the legacy fallback_model; nil when it is absent.
	Legacy *WrittenEntry
}

// WrittenEntry is one chain entry as written: the mapping Entry, or, when
// Shorthand is set, the string Text ("provider/model").
type WrittenEntry struct {
	Entry     Entry
	Shorthand bool
	Text      string
}

// Config returns the Config that ParseConfig reads from w written out as
// YAML or JSON, every string as a quoted scalar and every mapping with only
// the fields that are not empty (Primary's provider and default always):
// the same normalisation (R2), the same shorthand split, the same checks.
// ok is false when ParseConfig would report a problem, and also when a
// string holds anything but graphic characters, spaces and tabs, or is not
// UTF-8, because quoting such a string (a line break, a control character)
// may not carry it verbatim; the caller then writes the text and calls
// ParseConfig, which gives the located errors. The proof of equality is a
// property of harness.CaseConfig.Resolved.
func (w Written) Config() (cfg Config, ok bool) {
	if cfg.Primary, ok = (WrittenEntry{Entry: w.Primary}).entry(); !ok {
		return Config{}, false
	}
	written := w.Chain
	if w.Legacy != nil {
		written = append(slices.Clip(written), *w.Legacy)
	}
	cfg.Chain = make(Chain, len(written))
	for i, we := range written {
		if cfg.Chain[i], ok = we.entry(); !ok {
			return Config{}, false
		}
	}
	return cfg, true
}

// entry is parser.entry for a written entry: false when parser.entry
// would report a problem or a string is not plain.
func (we WrittenEntry) entry() (Entry, bool) {
	if we.Shorthand {
		if !plain(we.Text) {
			return Entry{}, false
		}
		e, err := ParseEntry(we.Text)
		return e, err == nil
	}
	if !plain(we.Entry.Provider) || !plain(we.Entry.Model) || !plain(we.Entry.BaseURL) {
		return Entry{}, false
	}
	e := we.Entry.Normalize()
	return e, validSlug(e.Provider)
}

// plain reports whether s is UTF-8 made only of graphic characters,
// spaces and tabs: a string that a quoted YAML or JSON scalar carries
// verbatim.
func plain(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= utf8.RuneSelf || c < ' ' && c != '\t' || c == 0x7f {
			return plainRunes(s[i:])
		}
	}
	return true
}

func plainRunes(s string) bool {
	for _, r := range s {
		if r == utf8.RuneError || !(r == '\t' || unicode.IsGraphic(r)) {
			return false
		}
	}
	return true
}

// parseDocument decodes YAML or JSON into the root node of its single
// document. An empty document is an empty mapping.
func parseDocument(data []byte) (*yaml.Node, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		// Some valid JSON is not valid YAML: the escapes "\/" and
		// surrogate pairs "\ud83d\ude00". Read it as JSON then.
		if n, jerr := jsonDocument(data); jerr == nil {
			return n, nil
		}
		return nil, &ConfigError{Index: -1, Problem: "not valid YAML or JSON: " + strings.TrimPrefix(err.Error(), "yaml: ")}
	}
	if doc.Kind == 0 {
		return &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}, nil
	}
	if doc.Kind == yaml.DocumentNode && len(doc.Content) == 1 {
		return resolveAlias(doc.Content[0]), nil
	}
	return resolveAlias(&doc), nil
}

func withFile(err error, name string) error {
	var ce *ConfigError
	if errors.As(err, &ce) {
		ce.File = name
	}
	return err
}

// parser walks the YAML tree and collects every problem it finds.
type parser struct {
	file string
	errs []error
}

func (p *parser) err() error { return errors.Join(p.errs...) }

func (p *parser) fail(n *yaml.Node, field string, index int, problem string) {
	ce := &ConfigError{File: p.file, Field: field, Index: index, Problem: problem}
	if n != nil {
		ce.Line, ce.Column = n.Line, n.Column
		ce.Value = describe(n)
	}
	p.errs = append(p.errs, ce)
}

func (p *parser) config(root *yaml.Node) Config {
	var cfg Config
	if root.Kind != yaml.MappingNode {
		p.fail(root, "", -1, "the configuration must be a mapping")
		return cfg
	}
	var haveModel bool
	var legacy *yaml.Node
	seen := map[string]bool{}
	for key, val := range pairs(root) {
		switch key.Value {
		case "model", "fallback_providers", "fallback_model":
			if seen[key.Value] {
				p.fail(key, key.Value, -1, "appears twice")
				continue
			}
			seen[key.Value] = true
		}
		switch key.Value {
		case "model":
			haveModel = true
			cfg.Primary = p.primary(val)
		case "fallback_providers":
			cfg.Chain = p.chain(val)
		case "fallback_model":
			legacy = val
		}
	}
	if !haveModel {
		p.fail(nil, "model", -1, "missing: the primary needs model.provider and model.default")
	}
	if legacy != nil && !isNull(legacy) {
		if e, ok := p.entry(legacy, "fallback_model", -1); ok {
			cfg.Chain = append(cfg.Chain, e)
		}
	}
	if cfg.Chain == nil {
		cfg.Chain = Chain{}
	}
	return cfg
}

func (p *parser) primary(n *yaml.Node) Entry {
	if n.Kind == yaml.ScalarNode && n.Tag == "!!str" {
		e, err := ParseEntry(n.Value)
		if err != nil {
			p.fail(n, "model", -1, "blank provider in shorthand \"provider/model\"")
		}
		return e
	}
	if n.Kind != yaml.MappingNode {
		p.fail(n, "model", -1, "must be a mapping {provider, default, base_url} or a string \"provider/model\"")
		return Entry{}
	}
	var e Entry
	var providerNode *yaml.Node
	seen := map[string]bool{}
	for key, val := range pairs(n) {
		field := "model." + key.Value
		switch key.Value {
		case "provider", "default", "model", "base_url":
			if seen[key.Value] {
				p.fail(key, field, -1, "appears twice")
				continue
			}
			seen[key.Value] = true
		}
		switch key.Value {
		case "provider":
			e.Provider, providerNode = p.str(val, field, -1), val
		case "default", "model":
			e.Model = p.str(val, field, -1)
		case "base_url":
			e.BaseURL = p.str(val, field, -1)
		}
	}
	e = e.Normalize()
	if providerNode == nil || isNull(providerNode) || providerNode.Tag == "!!str" {
		p.checkProvider(e, providerNode, n, "model", -1, "the primary needs a provider")
	}
	return e
}

func (p *parser) chain(n *yaml.Node) Chain {
	if isNull(n) {
		return Chain{}
	}
	if n.Kind != yaml.SequenceNode {
		p.fail(n, "fallback_providers", -1, "must be a list of entries")
		return Chain{}
	}
	c := make(Chain, 0, len(n.Content))
	for i, item := range n.Content {
		if e, ok := p.entry(resolveAlias(item), fmt.Sprintf("fallback_providers[%d]", i), i); ok {
			c = append(c, e)
		}
	}
	return c
}

// entry parses one entry at field; index is its position in its list.
func (p *parser) entry(n *yaml.Node, field string, index int) (Entry, bool) {
	before := len(p.errs)
	switch {
	case n.Kind == yaml.ScalarNode && n.Tag == "!!str":
		e, err := ParseEntry(n.Value)
		if err != nil {
			p.fail(n, field, index, "blank provider in shorthand \"provider/model\"")
			return Entry{}, false
		}
		return e, true
	case n.Kind == yaml.MappingNode:
		var e Entry
		var providerNode *yaml.Node
		seen := map[string]bool{}
		for key, val := range pairs(n) {
			sub := field + "." + key.Value
			if seen[key.Value] {
				p.fail(key, sub, index, "appears twice")
				continue
			}
			seen[key.Value] = true
			switch key.Value {
			case "provider":
				e.Provider, providerNode = p.str(val, sub, index), val
			case "model":
				e.Model = p.str(val, sub, index)
			case "base_url":
				e.BaseURL = p.str(val, sub, index)
			default:
				p.fail(key, sub, index, "unknown field: an entry has only provider, model and base_url")
			}
		}
		e = e.Normalize()
		if providerNode == nil || isNull(providerNode) || providerNode.Tag == "!!str" {
			// A provider of the wrong type was reported by str already.
			p.checkProvider(e, providerNode, n, field, index, "every entry needs a provider")
		}
		return e, len(p.errs) == before
	default:
		p.fail(n, field, index, "must be a mapping {provider, model, base_url} or a string \"provider/model\"")
		return Entry{}, false
	}
}

// checkProvider reports a blank provider of the mapping n at field, naming the
// provider's value when one was written (pn) and the mapping otherwise, and a
// provider slug that contains a slash (slugs never do, R2: it is the
// shorthand "provider/model" written where a slug belongs).
func (p *parser) checkProvider(e Entry, pn, n *yaml.Node, field string, index int, need string) {
	if validSlug(e.Provider) {
		return
	}
	switch {
	case e.Provider == "" && pn == nil:
		p.fail(n, field+".provider", index, "missing: "+need)
	case e.Provider == "":
		p.fail(pn, field+".provider", index, "blank: "+need)
	default:
		p.fail(pn, field+".provider", index, "a provider slug never contains \"/\"; write the model in model")
	}
}

// validSlug reports whether a normalised provider is one checkProvider
// accepts: not blank, and without a slash.
func validSlug(provider string) bool {
	return provider != "" && !strings.Contains(provider, "/")
}

// str reads an optional string field; null is the same as absent.
func (p *parser) str(n *yaml.Node, field string, index int) string {
	if isNull(n) {
		return ""
	}
	if n.Kind != yaml.ScalarNode || n.Tag != "!!str" {
		p.fail(n, field, index, "must be a string")
		return ""
	}
	return n.Value
}

// pairs yields the keys and values of a mapping node, aliases resolved.
func pairs(n *yaml.Node) func(yield func(k, v *yaml.Node) bool) {
	return func(yield func(k, v *yaml.Node) bool) {
		for i := 0; i+1 < len(n.Content); i += 2 {
			if !yield(n.Content[i], resolveAlias(n.Content[i+1])) {
				return
			}
		}
	}
}

func resolveAlias(n *yaml.Node) *yaml.Node {
	for n != nil && n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	return n
}

func isNull(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.Tag == "!!null"
}

// describe renders a node's value for an error message, short and quoted.
func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.ScalarNode:
		if n.Tag == "!!null" {
			return "null"
		}
		if n.Tag == "!!str" {
			return quote(n.Value)
		}
		return fmt.Sprintf("%s %s", strings.TrimPrefix(n.Tag, "!!"), n.Value)
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return fmt.Sprintf("a list of %d", len(n.Content))
	}
	return "an unexpected value"
}

func quote(s string) string {
	const max = 60
	if len(s) > max {
		s = s[:max] + "…"
	}
	return strconv.Quote(s)
}
