package reports_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/fallbackgate/fallbackgate/harness"
	"github.com/fallbackgate/fallbackgate/reports"
)

// schema is a JSON Schema (draft 2020-12) of the subset results.schema.json
// uses: type (a name or a list), properties, required,
// additionalProperties (false or a schema), items, enum, const, minimum,
// format "date-time", and local $ref into $defs; $schema, $id, title and
// description are annotations. A schema with any other keyword is
// refused, so that the file cannot say more than this validator checks.
// (A dozen keywords do not need a dependency.)
type schema struct {
	doc  map[string]any // the whole document, for $ref
	errs []string
}

var schemaKeywords = []string{"$schema", "$id", "$defs", "title", "description", "type", "properties", "required",
	"additionalProperties", "items", "enum", "const", "minimum", "format", "$ref"}

// loadSchema reads a schema document and checks that it uses only the
// keywords the validator knows.
func loadSchema(t *testing.T, path string) *schema {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	var walk func(where string, s map[string]any)
	walk = func(where string, s map[string]any) {
		for k, v := range s {
			if !slices.Contains(schemaKeywords, k) {
				t.Errorf("%s: %s: keyword %q is not one the validator checks", path, where, k)
				continue
			}
			switch k {
			case "properties", "$defs":
				for name, sub := range v.(map[string]any) {
					walk(where+"/"+k+"/"+name, sub.(map[string]any))
				}
			case "items":
				walk(where+"/items", v.(map[string]any))
			case "additionalProperties":
				if sub, ok := v.(map[string]any); ok {
					walk(where+"/additionalProperties", sub)
				}
			case "format":
				if v != "date-time" {
					t.Errorf("%s: %s: format %q is not one the validator checks", path, where, v)
				}
			}
		}
	}
	walk("#", doc)
	return &schema{doc: doc}
}

// validate checks the JSON value v against the document's root schema and
// returns every problem, each with the JSON pointer of the value.
func (s *schema) validate(v any) []string {
	s.errs = nil
	s.check("", s.doc, v)
	return s.errs
}

func (s *schema) bad(at, format string, args ...any) {
	if at == "" {
		at = "/"
	}
	s.errs = append(s.errs, at+": "+fmt.Sprintf(format, args...))
}

func (s *schema) check(at string, sch map[string]any, v any) {
	if ref, ok := sch["$ref"].(string); ok {
		name, found := strings.CutPrefix(ref, "#/$defs/")
		def, ok := s.doc["$defs"].(map[string]any)[name].(map[string]any)
		if !found || !ok {
			s.bad(at, "unresolved $ref %q", ref)
			return
		}
		s.check(at, def, v)
	}
	if t, ok := sch["type"]; ok {
		var types []string
		switch t := t.(type) {
		case string:
			types = []string{t}
		case []any:
			for _, x := range t {
				types = append(types, x.(string))
			}
		}
		if !slices.ContainsFunc(types, func(name string) bool { return jsonIs(v, name) }) {
			s.bad(at, "%s is not of type %s", jsonText(v), strings.Join(types, " or "))
			return
		}
	}
	if c, ok := sch["const"]; ok && !jsonEqual(c, v) {
		s.bad(at, "%s is not %s", jsonText(v), jsonText(c))
	}
	if e, ok := sch["enum"].([]any); ok && !slices.ContainsFunc(e, func(x any) bool { return jsonEqual(x, v) }) {
		s.bad(at, "%s is not one of %s", jsonText(v), jsonText(e))
	}
	if m, ok := sch["minimum"].(float64); ok {
		if n, isNum := v.(float64); isNum && n < m {
			s.bad(at, "%v is less than %v", n, m)
		}
	}
	if sch["format"] == "date-time" {
		if str, ok := v.(string); ok {
			if _, err := time.Parse(time.RFC3339Nano, str); err != nil {
				s.bad(at, "%q is not a date-time: %v", str, err)
			}
		}
	}
	switch v := v.(type) {
	case map[string]any:
		props, _ := sch["properties"].(map[string]any)
		for _, r := range anySlice(sch["required"]) {
			if _, ok := v[r.(string)]; !ok {
				s.bad(at, "required property %q is missing", r)
			}
		}
		for _, k := range slices.Sorted(maps.Keys(v)) {
			if p, ok := props[k].(map[string]any); ok {
				s.check(at+"/"+k, p, v[k])
				continue
			}
			switch ap := sch["additionalProperties"].(type) {
			case bool:
				if !ap {
					s.bad(at, "property %q is not in the schema", k)
				}
			case map[string]any:
				s.check(at+"/"+k, ap, v[k])
			}
		}
	case []any:
		if items, ok := sch["items"].(map[string]any); ok {
			for i, x := range v {
				s.check(fmt.Sprintf("%s/%d", at, i), items, x)
			}
		}
	}
}

func anySlice(v any) []any {
	s, _ := v.([]any)
	return s
}

// jsonIs reports whether the decoded JSON value v is of the JSON Schema
// type name.
func jsonIs(v any, name string) bool {
	switch name {
	case "object":
		_, ok := v.(map[string]any)
		return ok
	case "array":
		_, ok := v.([]any)
		return ok
	case "string":
		_, ok := v.(string)
		return ok
	case "boolean":
		_, ok := v.(bool)
		return ok
	case "null":
		return v == nil
	case "number":
		_, ok := v.(float64)
		return ok
	case "integer":
		n, ok := v.(float64)
		return ok && n == math.Trunc(n)
	}
	return false
}

func jsonEqual(a, b any) bool { return jsonText(a) == jsonText(b) }

func jsonText(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// goldenValues puts values of the right type back where the golden files'
// normalizer (golden_test.go) left placeholders for what varies between
// runs: the wall clock and durations.
var goldenValues = strings.NewReplacer(`"<TIME>"`, `"2026-01-02T03:04:05.6Z"`, `: <DUR>`, `: 1000`, `: <AT>`, `: 1000`)

func decodeJSON(t *testing.T, data []byte) any {
	t.Helper()
	data = []byte(goldenValues.Replace(string(data)))
	dec := json.NewDecoder(bytes.NewReader(data))
	var v any
	if err := dec.Decode(&v); err != nil {
		t.Fatal(err)
	}
	return v
}

// TestResultsSchema validates every golden results.json, and results with
// every optional part (expectations, properties, chaos, mutation, a
// surface that could not be started), against results.schema.json.
func TestResultsSchema(t *testing.T) {
	s := loadSchema(t, "results.schema.json")
	goldens, err := filepath.Glob(filepath.Join("testdata", "golden", "*", "results.json"))
	if err != nil || len(goldens) == 0 {
		t.Fatalf("no golden results.json (%v)", err)
	}
	docs := map[string][]byte{}
	for _, g := range goldens {
		data, err := os.ReadFile(g)
		if err != nil {
			t.Fatal(err)
		}
		docs[g] = data
	}
	exp, err := reports.ParseExpectations("expect.yaml", []byte("known_failures:\n  - {scenario: SF-8, surface: gateway, rule: R7, reason: issue 42}\n  - {scenario: SF-1, rule: parity, reason: was so}\n"))
	if err != nil {
		t.Fatal(err)
	}
	withNotStarted := reports.New(handReport(), exp)
	withNotStarted.SetNotStarted([]harness.NotStarted{{Surface: harness.CLI, Command: []string{"python3", "a.py"}, Reason: "exited", Cases: 2, Stderr: "boom"}})
	shard := withStages(handProperties("fail"), handChaos("fail"))
	shard.Properties.Failure.Case = 36
	shard.Chaos.First = &reports.ChaosFirst{Startup: "t7/s2", Turn: 7, Session: 2, ExpectedError: "anthropic anthropic_auth_token_expired"}
	shard.SetShard(harness.Shard{K: 2, N: 3}, []string{"SF-1", "SF-8"})
	for name, r := range map[string]*reports.Results{
		"broken run":                   broken(t, nil),
		"expectations, not started":    withNotStarted,
		"failing properties, chaos":    withStages(handProperties("fail"), handChaos("fail")),
		"vacuous properties and chaos": withStages(handProperties("vacuous"), handChaos("vacuous")),
		"stages with coverage":         withCoverage(),
		"mutation with a survivor":     withMutation(true),
		"a shard with counterexamples": shard,
		"incidents":                    withIncidents(t),
	} {
		var b bytes.Buffer
		if err := reports.WriteJSON(&b, r); err != nil {
			t.Fatal(err)
		}
		docs[name] = b.Bytes()
	}
	for name, data := range docs {
		if errs := s.validate(decodeJSON(t, data)); len(errs) > 0 {
			t.Errorf("%s does not match results.schema.json:\n%s", name, strings.Join(errs, "\n"))
		}
	}
}

// TestResultsSchemaRejects: the schema and its validator reject a file
// that breaks it in each way, so that the test above can fail.
func TestResultsSchemaRejects(t *testing.T) {
	s := loadSchema(t, "results.schema.json")
	data, err := os.ReadFile(filepath.Join("testdata", "golden", "python-falls-back-on-429-seed1", "results.json"))
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name   string
		change func(doc map[string]any)
		want   string
	}{
		{"other version", func(d map[string]any) { d["version"] = "fallbackgate/results/2" }, `/version: "fallbackgate/results/2" is not "fallbackgate/results/1"`},
		{"unknown field", func(d map[string]any) { d["colour"] = "red" }, `/: property "colour" is not in the schema`},
		{"missing field", func(d map[string]any) { delete(d, "gate") }, `required property "gate" is missing`},
		{"wrong type", func(d map[string]any) { d["seed"] = "1" }, `/seed: "1" is not of type integer`},
		{"a fraction", func(d map[string]any) { d["seed"] = 1.5 }, `/seed: 1.5 is not of type integer`},
		{"bad enum", func(d map[string]any) { d["cases"].([]any)[0].(map[string]any)["surface"] = "desktop" }, `/cases/0/surface: "desktop" is not one of`},
		{"negative", func(d map[string]any) { d["elapsed_ns"] = -1.0 }, `/elapsed_ns: -1 is less than 0`},
		{"bad time", func(d map[string]any) { d["started"] = "yesterday" }, `/started: "yesterday" is not a date-time`},
		{"shard 0", func(d map[string]any) { d["shard"] = map[string]any{"k": 0.0, "n": 3.0} }, `/shard/k: 0 is less than 1`},
		{"shard without N", func(d map[string]any) { d["shard"] = map[string]any{"k": 1.0} }, `/shard: required property "n" is missing`},
		{"deep field", func(d map[string]any) {
			d["cases"].([]any)[0].(map[string]any)["ledger"].([]any)[0].(map[string]any)["secret"] = "x"
		}, `/cases/0/ledger/0: property "secret" is not in the schema`},
	} {
		doc := decodeJSON(t, data).(map[string]any)
		tt.change(doc)
		errs := s.validate(doc)
		if !slices.ContainsFunc(errs, func(e string) bool { return strings.Contains(e, tt.want) }) {
			t.Errorf("%s: errors %v; want one containing %q", tt.name, errs, tt.want)
		}
	}
}
