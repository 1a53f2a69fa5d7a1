package reports

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/fallbackgate/fallbackgate/harness"
)

// AnySurface in an expectation's surface stands for every surface.
const AnySurface = "*"

// RuleParity is the rule a parity divergence cites.
const RuleParity = "parity"

// KnownFailure is one known failure: scenario on surface breaks rule, for
// reason. It lets a subject join the gate before it fully conforms.
type KnownFailure struct {
	Scenario string `json:"scenario" yaml:"scenario"`
	// Surface is one surface, or AnySurface; for RuleParity it is always
	// AnySurface.
	Surface string `json:"surface" yaml:"surface"`
	Rule    string `json:"rule" yaml:"rule"`
	Reason  string `json:"reason" yaml:"reason"`
	// Line is where the entry starts in its file.
	Line int `json:"line,omitempty" yaml:"-"`
}

// String reads "SF-8/gateway R7".
func (e KnownFailure) String() string { return e.Scenario + "/" + e.Surface + " " + e.Rule }

// KnownRule reports whether breaking rule on surface is a known failure of
// some expectation, whatever its scenario: a generated case (prop, chaos)
// has no scenario ID of its own, so an expectation covers its rule on its
// surface in every one. Parity entries cover no case.
func (x *Expectations) KnownRule(surface, rule string) bool {
	if x == nil {
		return false
	}
	for _, e := range x.Known {
		if e.Rule != RuleParity && e.Rule == rule && (e.Surface == AnySurface || e.Surface == surface) {
			return true
		}
	}
	return false
}

// covers reports whether e is about the case scenario/surface.
func (e KnownFailure) covers(scenario, surface string) bool {
	return e.Rule != RuleParity && e.Scenario == scenario && (e.Surface == AnySurface || e.Surface == surface)
}

// Expectations are the known failures of an expectations file.
type Expectations struct {
	File  string
	Known []KnownFailure
}

// The statuses of an expectation after a run.
const (
	// ExpectationMet: at least one case it covers broke its rule.
	ExpectationMet = "met"
	// ExpectationStale: cases it covers ran, and none broke its rule. It
	// fails the gate: remove it, the subject got better.
	ExpectationStale = "stale"
	// ExpectationNotRun: no case it covers ran (filtered out, or the
	// surface is not implemented). It does not fail the gate.
	ExpectationNotRun = "not run"
)

// KnownFailureResult is an expectation and what became of it.
type KnownFailureResult struct {
	KnownFailure
	Status string `json:"status"`
	// Cases are the cases that broke its rule ("SF-8/gateway").
	Cases []string `json:"cases,omitempty"`
}

// ruleID is what a rule in an expectation may be: a contract rule, or one
// of the harness's own rule names.
var ruleID = regexp.MustCompile(`^(R[0-9]+|parity|protocol|usage)$`)

// LoadExpectations reads the expectations file at path.
func LoadExpectations(path string) (*Expectations, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return ParseExpectations(path, data)
}

// ParseExpectations reads an expectations file: YAML with one key,
// known_failures, a list of {scenario, surface, rule, reason}. name is the
// file's name in errors, which give the line, the field and the value.
func ParseExpectations(name string, data []byte) (*Expectations, error) {
	var file struct {
		KnownFailures []KnownFailure `yaml:"known_failures"`
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&file); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("%s: empty; want a known_failures list", name)
		}
		return nil, fmt.Errorf("%s: %v", name, harness.YAMLProblem(err))
	}
	var root yaml.Node
	_ = yaml.Unmarshal(data, &root)
	lines := itemLines(&root)
	exp := &Expectations{File: name}
	var errs []error
	seen := map[KnownFailure]int{}
	for i, e := range file.KnownFailures {
		if i < len(lines) {
			e.Line = lines[i]
		}
		where := fmt.Sprintf("%s:%d: known_failures[%d]", name, e.Line, i)
		e.Scenario, e.Surface, e.Rule, e.Reason = strings.TrimSpace(e.Scenario), strings.TrimSpace(e.Surface), strings.TrimSpace(e.Rule), strings.TrimSpace(e.Reason)
		switch {
		case e.Scenario == "":
			errs = append(errs, fmt.Errorf("%s.scenario: missing", where))
		case !ruleID.MatchString(e.Rule):
			errs = append(errs, fmt.Errorf("%s.rule: %q is not a rule (want R4…R17, parity, protocol or usage)", where, e.Rule))
		case e.Reason == "":
			errs = append(errs, fmt.Errorf("%s.reason: missing; say why the failure is known (an issue link)", where))
		case e.Rule == RuleParity && e.Surface != "" && e.Surface != AnySurface:
			errs = append(errs, fmt.Errorf("%s.surface: %q: a parity failure is across surfaces; leave surface out", where, e.Surface))
		case e.Rule != RuleParity && e.Surface == "":
			errs = append(errs, fmt.Errorf("%s.surface: missing; want one of %s, or %q for every surface", where, strings.Join(harness.Surfaces, ", "), AnySurface))
		case e.Surface != "" && e.Surface != AnySurface && !slices.Contains(harness.Surfaces, e.Surface):
			errs = append(errs, fmt.Errorf("%s.surface: %q: unknown surface (known: %s, or %q)", where, e.Surface, strings.Join(harness.Surfaces, ", "), AnySurface))
		default:
			if e.Rule == RuleParity {
				e.Surface = AnySurface
			}
			key := e
			key.Line, key.Reason = 0, ""
			if first, dup := seen[key]; dup {
				errs = append(errs, fmt.Errorf("%s: %s is listed twice (first on line %d)", where, e, first))
				continue
			}
			seen[key] = e.Line
			exp.Known = append(exp.Known, e)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return exp, nil
}

// itemLines returns the line of each item of the known_failures list.
func itemLines(root *yaml.Node) []int {
	if root == nil || len(root.Content) == 0 {
		return nil
	}
	m := root.Content[0]
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == "known_failures" {
			var lines []int
			for _, it := range m.Content[i+1].Content {
				lines = append(lines, it.Line)
			}
			return lines
		}
	}
	return nil
}

// parityScenario returns the scenario a parity violation names: its
// message starts "SF-8: ".
func parityScenario(v harness.Violation) string {
	id, _, _ := strings.Cut(v.Message, ": ")
	return id
}

// applyKnown gives every case, parity failure and expectation its status and
// counts them.
func (r *Results) applyKnown(known []KnownFailure) {
	fired := make([][]string, len(known)) // cases that broke each expectation's rule
	covered := make([]bool, len(known))   // whether a case it covers ran
	for i := range r.Cases {
		c := &r.Cases[i]
		if c.Judged() == harness.StatusNotImplemented {
			continue
		}
		rules := c.Violations.Rules()
		for k, e := range known {
			if !e.covers(c.Scenario, c.Surface) {
				continue
			}
			covered[k] = true
			if slices.Contains(rules, e.Rule) {
				fired[k] = append(fired[k], c.ID())
			}
		}
	}
	ran := map[string]int{} // surfaces each scenario ran on, for parity
	for _, c := range r.Cases {
		if c.Judged() != harness.StatusNotImplemented {
			ran[c.Scenario]++
		}
	}
	for k, e := range known {
		if e.Rule != RuleParity {
			continue
		}
		covered[k] = ran[e.Scenario] > 1
		for _, p := range r.Parity {
			if p.Scenario == e.Scenario {
				fired[k] = append(fired[k], RuleParity+" "+p.Scenario)
			}
		}
	}
	r.Expectations = nil
	stale := make([]bool, len(known))
	for k, e := range known {
		er := KnownFailureResult{KnownFailure: e, Cases: fired[k]}
		switch {
		case len(fired[k]) > 0:
			er.Status = ExpectationMet
		case covered[k]:
			er.Status, stale[k] = ExpectationStale, true
		default:
			er.Status = ExpectationNotRun
		}
		r.Expectations = append(r.Expectations, er)
	}

	for i := range r.Cases {
		c := &r.Cases[i]
		c.Status, c.Unexpected, c.Known = "", nil, nil
		if c.Judged() == harness.StatusNotImplemented {
			c.Status = harness.StatusNotImplemented
			continue
		}
		var knownRules []string
		staleHere := false
		for k, e := range known {
			if !e.covers(c.Scenario, c.Surface) {
				continue
			}
			c.Known = append(c.Known, e)
			knownRules = append(knownRules, e.Rule)
			// A passing case is stale when an expectation names it alone,
			// or when an expectation for every surface fired nowhere.
			if e.Surface != AnySurface || stale[k] {
				staleHere = true
			}
		}
		if c.Judged() != harness.StatusFail {
			c.Status = harness.StatusPass
			if staleHere {
				c.Status = harness.StatusStale
			}
			continue
		}
		for _, rule := range c.Violations.Rules() {
			if !slices.Contains(knownRules, rule) {
				c.Unexpected = append(c.Unexpected, rule)
			}
		}
		c.Status = harness.StatusKnown
		if len(c.Unexpected) > 0 {
			c.Status = harness.StatusFail
		}
	}
	for i := range r.Parity {
		p := &r.Parity[i]
		p.Status, p.Known = harness.StatusFail, nil
		for _, e := range known {
			if e.Rule == RuleParity && e.Scenario == p.Scenario {
				p.Status = harness.StatusKnown
				p.Known = append(p.Known, e)
			}
		}
	}
	r.count()
}
