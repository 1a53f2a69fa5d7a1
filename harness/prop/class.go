package prop

import (
	"slices"
	"strconv"
	"strings"

	"github.com/fallbackgate/fallbackgate/harness"
)

// Class is a kind of failure: the rules a case broke on one surface,
// leaving out those an expectations file accepts (Config.Known). Two
// failing cases of the same class are, as far as a property run can tell,
// one bug; a run with Config.MaxFailures above one collects distinct
// classes, each shrunk and saved once.
type Class struct {
	Surface string `json:"surface"`
	// Rules are sorted by rule number (R2 before R15), then the named
	// checks (parity, protocol, usage) by name.
	Rules []string `json:"rules"`
}

// String reads "gateway R7,R15".
func (c Class) String() string { return c.Surface + " " + strings.Join(c.Rules, ",") }

// Equal reports whether two classes are the same.
func (c Class) Equal(o Class) bool { return c.Surface == o.Surface && slices.Equal(c.Rules, o.Rules) }

// ClassOf returns the class of a failing result: its surface and the rules
// it broke that known does not accept (every rule when known is nil). ok
// is false when the result did not fail.
func ClassOf(r harness.Result, known harness.KnownFunc) (c Class, ok bool) {
	if !r.Failed() {
		return Class{}, false
	}
	c.Surface = r.Surface
	for _, rule := range r.Violations.Rules() {
		if known == nil || !known(r.Surface, rule) {
			c.Rules = append(c.Rules, rule)
		}
	}
	sortRules(c.Rules)
	return c, true
}

// classes returns the failure classes of a case's results, in surface
// order.
func (o CaseOutcome) classes(known harness.KnownFunc) []Class {
	var out []Class
	for _, r := range o.Results {
		if c, ok := ClassOf(r, known); ok {
			out = append(out, c)
		}
	}
	return out
}

// has reports whether the case fails with class c.
func (o CaseOutcome) has(c Class, known harness.KnownFunc) bool {
	return slices.ContainsFunc(o.classes(known), c.Equal)
}

// sortRules sorts rule names in contract order: R1…R18 by number, then
// any other name (parity, protocol, usage) alphabetically.
func sortRules(rules []string) {
	slices.SortFunc(rules, func(a, b string) int {
		na, aok := ruleNumber(a)
		nb, bok := ruleNumber(b)
		switch {
		case aok && bok:
			return na - nb
		case aok:
			return -1
		case bok:
			return 1
		}
		return strings.Compare(a, b)
	})
}

// ruleNumber returns n for "Rn".
func ruleNumber(rule string) (int, bool) {
	s, ok := strings.CutPrefix(rule, "R")
	if !ok {
		return 0, false
	}
	n, err := strconv.Atoi(s)
	return n, err == nil
}
