package resolver

import (
	"bytes"
	"encoding/json"
	"io"
	"strings"
	"unicode"
)

// Entry is one provider the chain may fall back to: a provider slug, an
// optional model and an optional base URL (R2). A parsed Entry always has a
// non-blank Provider without surrounding white space and a BaseURL without a
// trailing slash.
type Entry struct {
	Provider string `json:"provider" yaml:"provider"`
	Model    string `json:"model,omitempty" yaml:"model,omitempty"`
	BaseURL  string `json:"base_url,omitempty" yaml:"base_url,omitempty"`
}

// String returns the entry in the shorthand form "provider/model", or the
// bare provider when the entry has no model. The base URL is left out.
func (e Entry) String() string {
	if e.Model == "" {
		return e.Provider
	}
	return e.Provider + "/" + e.Model
}

// Normalize returns e with white space stripped from the provider and model
// and trailing slashes stripped from the base URL, as R2 asks. It is
// idempotent: white space left before a stripped slash is stripped too.
func (e Entry) Normalize() Entry {
	return Entry{
		Provider: strings.TrimSpace(e.Provider),
		Model:    strings.TrimSpace(e.Model),
		BaseURL: strings.TrimSpace(strings.TrimRightFunc(e.BaseURL, func(r rune) bool {
			return r == '/' || unicode.IsSpace(r)
		})),
	}
}

// ParseEntry parses the shorthand "provider/model", split at the first slash
// (provider slugs never contain one, models may). A string without a slash is
// a provider with no model. It reports an error for a blank provider.
func ParseEntry(s string) (Entry, error) {
	provider, model, _ := strings.Cut(s, "/")
	e := Entry{Provider: provider, Model: model}.Normalize()
	if e.Provider == "" {
		return Entry{}, &ConfigError{Index: -1, Value: quote(s), Problem: "blank provider in shorthand \"provider/model\""}
	}
	return e, nil
}

// UnmarshalJSON accepts an entry as a mapping or a shorthand string, with the
// same checks as [ParseConfig].
func (e *Entry) UnmarshalJSON(data []byte) error {
	if got, ok := plainJSONEntry(data); ok {
		*e = got
		return nil
	}
	return e.unmarshalJSONSlow(data)
}

// unmarshalJSONSlow is UnmarshalJSON through ParseConfig's parser, which
// reports located errors.
func (e *Entry) unmarshalJSONSlow(data []byte) error {
	n, err := parseDocument(data)
	if err != nil {
		return err
	}
	var p parser
	got, ok := p.entry(n, "entry", -1)
	if !ok {
		return p.err()
	}
	*e = got
	return nil
}

// Chain is an ordered list of fallback entries: the profile's
// fallback_providers, then its legacy fallback_model.
type Chain []Entry

// MarshalJSON writes a nil chain as an empty list, never null.
func (c Chain) MarshalJSON() ([]byte, error) {
	if c == nil {
		return []byte("[]"), nil
	}
	return json.Marshal([]Entry(c))
}

// Strings returns the shorthand form of every entry.
func (c Chain) Strings() []string {
	out := make([]string, len(c))
	for i, e := range c {
		out[i] = e.String()
	}
	return out
}

// Clone returns a copy of c that shares no memory with it; a nil or empty
// chain gives an empty, non-nil chain.
func (c Chain) Clone() Chain {
	out := make(Chain, len(c))
	copy(out, c)
	return out
}

// plainJSONEntry reads the JSON of an entry the way ParseConfig's parser
// does, without the YAML parser, for the common case: a string, or an
// object with only "provider", "model" and "base_url" (each once, each a
// string or null), that the parser accepts (see [WrittenEntry]). ok is
// false for anything else, and UnmarshalJSON takes the parser's way, which
// reports the problem. FuzzEntryUnmarshalJSON proves the two ways agree.
func plainJSONEntry(data []byte) (Entry, bool) {
	if we, ok := simpleJSONEntry(data); ok {
		return we.entry()
	}
	d := json.NewDecoder(bytes.NewReader(data))
	tok, err := d.Token()
	if err != nil {
		return Entry{}, false
	}
	var we WrittenEntry
	switch t := tok.(type) {
	case string:
		we = WrittenEntry{Shorthand: true, Text: t}
	case json.Delim:
		if t != '{' {
			return Entry{}, false
		}
		seen := map[string]bool{}
		for d.More() {
			k, err := d.Token()
			key, _ := k.(string)
			if err != nil || seen[key] {
				return Entry{}, false
			}
			seen[key] = true
			v, err := d.Token()
			if err != nil {
				return Entry{}, false
			}
			val, isString := v.(string)
			if !isString && v != nil {
				return Entry{}, false
			}
			switch key {
			case "provider":
				we.Entry.Provider = val
			case "model":
				we.Entry.Model = val
			case "base_url":
				we.Entry.BaseURL = val
			default:
				return Entry{}, false
			}
		}
		if end, err := d.Token(); err != nil || end != json.Delim('}') {
			return Entry{}, false
		}
	default:
		return Entry{}, false
	}
	if _, err := d.Token(); err != io.EOF {
		return Entry{}, false // more than one value
	}
	return we.entry()
}

// simpleJSONEntry reads, without a decoder, the JSON an entry usually is:
// a string, or an object of the keys "provider", "model" and "base_url"
// (each at most once) with string or null values, none of it escaped. ok
// is false for anything else, which plainJSONEntry then reads with a
// decoder.
func simpleJSONEntry(data []byte) (we WrittenEntry, ok bool) {
	i := 0
	space := func() {
		for i < len(data) && (data[i] == ' ' || data[i] == '\t' || data[i] == '\n' || data[i] == '\r') {
			i++
		}
	}
	str := func() (string, bool) {
		if i >= len(data) || data[i] != '"' {
			return "", false
		}
		j := i + 1
		for j < len(data) && data[j] != '"' {
			if data[j] == '\\' || data[j] < 0x20 || data[j] >= 0x80 {
				return "", false // an escape, a control or a non-ASCII byte: the decoder's job
			}
			j++
		}
		if j >= len(data) {
			return "", false
		}
		s := string(data[i+1 : j])
		i = j + 1
		return s, true
	}
	space()
	if i < len(data) && data[i] == '"' {
		t, ok := str()
		if !ok {
			return we, false
		}
		we = WrittenEntry{Shorthand: true, Text: t}
	} else {
		if i >= len(data) || data[i] != '{' {
			return we, false
		}
		i++
		var seen [3]bool
		for n := 0; ; n++ {
			space()
			if i < len(data) && data[i] == '}' && n == 0 {
				i++
				break
			}
			key, ok := str()
			if !ok {
				return we, false
			}
			space()
			if i >= len(data) || data[i] != ':' {
				return we, false
			}
			i++
			space()
			var val string
			if len(data)-i >= 4 && string(data[i:i+4]) == "null" {
				i += 4
			} else if val, ok = str(); !ok {
				return we, false
			}
			var k int
			switch key {
			case "provider":
				k, we.Entry.Provider = 0, val
			case "model":
				k, we.Entry.Model = 1, val
			case "base_url":
				k, we.Entry.BaseURL = 2, val
			default:
				return we, false
			}
			if seen[k] {
				return we, false
			}
			seen[k] = true
			space()
			if i < len(data) && data[i] == ',' {
				i++
				continue
			}
			if i < len(data) && data[i] == '}' {
				i++
				break
			}
			return we, false
		}
	}
	space()
	return we, i == len(data)
}
