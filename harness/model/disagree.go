package model

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/fallbackgate/fallbackgate/harness"
	"github.com/fallbackgate/fallbackgate/resolver"
)

// CheckExpectations compares what a scenario file states (its expect
// block for strict, and each profile under profiles) with what the model
// predicts, and returns an error naming, for every field that differs, the
// file, the field's line, the field, what the file says and what the model
// says. data is the file's text (for the lines). A file with no expect
// block states nothing to compare. The checker never trusts a file's
// expectations; a file that states wrong ones is bad input, so that it
// cannot mislead the person who reads it.
func CheckExpectations(ctx context.Context, sc harness.Scenario, data []byte) error {
	var root yaml.Node
	_ = yaml.Unmarshal(data, &root)
	var problems []string
	check := func(where string, block *yaml.Node, stated harness.Expectation, profile resolver.Profile) error {
		want, err := Predict(ctx, sc, profile, 1, Options{RequestTimeout: 2 * time.Second, CutHangs: true})
		if err != nil {
			return err
		}
		got := Expectation(want)
		for _, f := range expectationFields(stated, got) {
			line := block.Line
			if n := mappingValue(block, f.key); n != nil {
				line = n.Line
			}
			problems = append(problems, fmt.Sprintf("%s:%d: %s.%s: the file says %s, the model says %s (profile %s)", sc.Source, line, where, f.key, f.file, f.model, profile.Name))
		}
		return nil
	}
	top := document(&root)
	if expect := mappingValue(top, "expect"); expect != nil {
		if err := check("expect", expect, sc.Expect, resolver.Strict); err != nil {
			return err
		}
	}
	if profiles := mappingValue(top, "profiles"); profiles != nil {
		for name, e := range sc.Profiles {
			p, err := resolver.ProfileByName(name)
			if err != nil {
				return err
			}
			if err := check("profiles."+name, mappingValue(profiles, name), e, p); err != nil {
				return err
			}
		}
	}
	if len(problems) > 0 {
		slices.Sort(problems)
		return errors.New(strings.Join(problems, "\n"))
	}
	return nil
}

type fieldDiff struct{ key, file, model string }

// expectationFields lists the fields of an expectation that differ, as the
// file spells them; an absent list and an empty one are alike.
func expectationFields(file, model harness.Expectation) []fieldDiff {
	var out []fieldDiff
	list := func(key string, a, b []string) {
		if len(a) == 0 && len(b) == 0 || slices.Equal(a, b) {
			return
		}
		out = append(out, fieldDiff{key, "[" + strings.Join(a, ", ") + "]", "[" + strings.Join(b, ", ") + "]"})
	}
	str := func(key, a, b string) {
		if a != b {
			out = append(out, fieldDiff{key, quoteOrAbsent(a), quoteOrAbsent(b)})
		}
	}
	list("resolves", file.Resolves, model.Resolves)
	if !reflect.DeepEqual(file.Landed, model.Landed) {
		out = append(out, fieldDiff{"landed", intOrAbsent(file.Landed), intOrAbsent(model.Landed)})
	}
	str("model", file.Model, model.Model)
	list("remaining", file.Remaining, model.Remaining)
	str("surfaced", file.Surfaced, model.Surfaced)
	if file.Exit != model.Exit {
		out = append(out, fieldDiff{"exit", strconv.Itoa(file.Exit), strconv.Itoa(model.Exit)})
	}
	if file.FallbackEvents != model.FallbackEvents {
		out = append(out, fieldDiff{"fallback_events", strconv.Itoa(file.FallbackEvents), strconv.Itoa(model.FallbackEvents)})
	}
	return out
}

func quoteOrAbsent(s string) string {
	if s == "" {
		return "nothing"
	}
	return strconv.Quote(s)
}

func intOrAbsent(p *int) string {
	if p == nil {
		return "nothing"
	}
	return strconv.Itoa(*p)
}

func document(n *yaml.Node) *yaml.Node {
	if n.Kind == yaml.DocumentNode && len(n.Content) == 1 {
		return n.Content[0]
	}
	return n
}

// mappingValue returns the value of key in the mapping n, or nil.
func mappingValue(n *yaml.Node, key string) *yaml.Node {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}
