package harness

import (
	"errors"
	"fmt"
	"regexp"
	"strings"

	"go.yaml.in/yaml/v3"
)

// This file holds what every loader of an input file shares: an input that
// lies is bad input (exit 2) with a message naming the file, the line and
// the field, in the words of the file, never in Go's (no type names).

// yamlTypeProblem is a yaml decoder's type error: line, YAML kind, value,
// Go type.
var (
	yamlTypeProblem  = regexp.MustCompile(`^line (\d+): cannot unmarshal !!(\w+)(?: ` + "`" + `(.*)` + "`" + `)? into (.+)$`)
	yamlFieldProblem = regexp.MustCompile(`^line (\d+): field (\S+) not found in type .+$`)
)

// YAMLProblem rewrites the error of a yaml decoder for a person: "line 3:
// colour: unknown key" rather than "field colour not found in type
// harness.Scenario", and "line 5: want a number, got \"abc\"" rather than
// "cannot unmarshal !!str `abc` into int". Several problems are joined by
// "; ".
func YAMLProblem(err error) string {
	var te *yaml.TypeError
	if !errors.As(err, &te) {
		return strings.TrimPrefix(err.Error(), "yaml: ")
	}
	var out []string
	for _, e := range te.Errors {
		switch {
		case yamlFieldProblem.MatchString(e):
			m := yamlFieldProblem.FindStringSubmatch(e)
			out = append(out, fmt.Sprintf("line %s: %s: unknown key", m[1], m[2]))
		case yamlTypeProblem.MatchString(e):
			m := yamlTypeProblem.FindStringSubmatch(e)
			got := yamlKind(m[2])
			if m[3] != "" {
				got = fmt.Sprintf("%q", m[3])
			}
			out = append(out, fmt.Sprintf("line %s: want %s, got %s", m[1], goKind(m[4]), got))
		default:
			out = append(out, e)
		}
	}
	return strings.Join(out, "; ")
}

// yamlKind names a YAML tag for a person.
func yamlKind(tag string) string {
	switch tag {
	case "map":
		return "a mapping"
	case "seq":
		return "a list"
	case "null":
		return "nothing"
	case "str":
		return "a string"
	case "int", "float":
		return "a number"
	case "bool":
		return "true or false"
	}
	return tag
}

// goKind names what a Go type reads, for a person.
func goKind(t string) string {
	t = strings.TrimPrefix(t, "*")
	switch {
	case strings.HasPrefix(t, "[]"):
		return "a list"
	case strings.HasPrefix(t, "map["), strings.HasPrefix(t, "struct"), strings.Contains(t, "."):
		return "a mapping"
	case strings.HasPrefix(t, "int"), strings.HasPrefix(t, "uint"), strings.HasPrefix(t, "float"):
		return "a number"
	case t == "bool":
		return "true or false"
	case t == "string":
		return "a string"
	}
	return "something else"
}

// ruleName is a rule of CONTRACT.md, R1 … R18, or what a violation cites
// beyond them: protocol, usage, parity.
var ruleName = regexp.MustCompile(`^(R([1-9]|1[0-8])|protocol|usage|parity)$`)

// KnownRule reports whether r names a rule a violation can cite.
func KnownRule(r string) bool { return ruleName.MatchString(r) }

// CheckUniqueIDs returns an error naming every scenario whose ID another
// one already has (IDs compare case-insensitively, as --scenario selects
// them), with both sources.
func CheckUniqueIDs(scs []Scenario) error {
	first := map[string]Scenario{}
	var problems []string
	for _, s := range scs {
		key := strings.ToUpper(s.ID)
		if f, ok := first[key]; ok {
			problems = append(problems, fmt.Sprintf("%s: id: %s is already the id of %s; every scenario needs an id of its own", s.Source, s.ID, sourceOf(f)))
			continue
		}
		first[key] = s
	}
	if len(problems) > 0 {
		return errors.New(strings.Join(problems, "\n"))
	}
	return nil
}

func sourceOf(s Scenario) string {
	if s.Source == "" {
		return "scenario " + s.ID
	}
	return s.Source
}
