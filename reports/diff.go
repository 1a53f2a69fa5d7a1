package reports

import (
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/fallbackgate/fallbackgate/harness"
)

// Change is one case, or one scenario's parity, that differs between two
// runs.
type Change struct {
	// ID is "SF-8/gateway", or "parity SF-8".
	ID string `json:"id"`
	// Old and New read "pass", "FAIL R7,R15", "n/a" or "absent".
	Old string `json:"old"`
	New string `json:"new"`
	// Why says what changed, e.g. "newly failing" or "now also breaks R15".
	Why string `json:"why"`
	// Repro reproduces the new case alone; empty for parity.
	Repro string `json:"repro,omitempty"`
}

// Changes are the differences between two runs, by the contract's verdict
// (expectations do not change what a case did).
type Changes struct {
	Old, New *Results
	// Regressions: a case that passed, or was absent, now fails; a failing
	// case breaks a rule it did not; a surface that passed is no longer
	// implemented.
	Regressions []Change `json:"regressions"`
	// Fixes: a failing case passes, or breaks fewer rules.
	Fixes []Change `json:"fixes"`
	// Unchanged counts the cases that read the same in both runs.
	Unchanged int `json:"unchanged"`
	// Gone lists the cases of the old run the new one did not run.
	Gone []string `json:"gone,omitempty"`
}

// Diff compares two runs case by case, keyed by scenario and surface.
func Diff(old, new *Results) *Changes {
	ch := &Changes{Old: old, New: new}
	type verdict struct {
		state string // pass, fail, n/a
		rules []string
		repro string
	}
	index := func(r *Results) (map[string]verdict, []string) {
		m := map[string]verdict{}
		var order []string
		for _, c := range r.Cases {
			state := "pass"
			switch c.Judged() {
			case harness.StatusFail:
				state = "fail"
			case harness.StatusNotImplemented:
				state = "n/a"
			}
			m[c.ID()] = verdict{state: state, rules: c.Violations.Rules(), repro: c.Repro}
			order = append(order, c.ID())
		}
		for _, id := range r.scenarioIDs() {
			key := RuleParity + " " + id
			v := verdict{state: "pass"}
			for _, p := range r.Parity {
				if p.Scenario == id {
					v = verdict{state: "fail", rules: []string{RuleParity}}
				}
			}
			m[key] = v
			order = append(order, key)
		}
		return m, order
	}
	read := func(v verdict, ok bool) string {
		switch {
		case !ok:
			return "absent"
		case v.state == "fail":
			return "FAIL " + strings.Join(v.rules, ",")
		}
		return v.state
	}
	olds, oldOrder := index(old)
	news, newOrder := index(new)
	for _, id := range newOrder {
		n := news[id]
		o, had := olds[id]
		c := Change{ID: id, Old: read(o, had), New: read(n, true), Repro: n.repro}
		switch {
		case n.state == "fail" && (!had || o.state != "fail"):
			c.Why = "newly failing"
			ch.Regressions = append(ch.Regressions, c)
		case n.state == "fail":
			added, removed := ruleDiff(o.rules, n.rules)
			switch {
			case len(added) > 0:
				c.Why = "now also breaks " + strings.Join(added, ", ")
				ch.Regressions = append(ch.Regressions, c)
			case len(removed) > 0:
				c.Why = "no longer breaks " + strings.Join(removed, ", ")
				ch.Fixes = append(ch.Fixes, c)
			default:
				ch.Unchanged++
			}
		case had && o.state == "fail":
			c.Why = "fixed"
			if n.state == "n/a" {
				c.Why = "no longer fails, but the surface is no longer implemented"
				ch.Regressions = append(ch.Regressions, c)
				break
			}
			ch.Fixes = append(ch.Fixes, c)
		case had && o.state == "pass" && n.state == "n/a":
			c.Why = "the surface is no longer implemented"
			ch.Regressions = append(ch.Regressions, c)
		default:
			ch.Unchanged++
		}
	}
	for _, id := range oldOrder {
		if _, ok := news[id]; !ok {
			ch.Gone = append(ch.Gone, id)
		}
	}
	return ch
}

// ruleDiff returns the rules in b and not a, and in a and not b.
func ruleDiff(a, b []string) (added, removed []string) {
	for _, r := range b {
		if !slices.Contains(a, r) {
			added = append(added, r)
		}
	}
	for _, r := range a {
		if !slices.Contains(b, r) {
			removed = append(removed, r)
		}
	}
	return added, removed
}

// WriteDiff writes the changes for a terminal or a CI log: the
// regressions, each with the command that reproduces it, then the fixes,
// then a last line counting both.
func WriteDiff(w io.Writer, ch *Changes) error {
	var b strings.Builder
	fmt.Fprintf(&b, "old: subject %s, profile %s, seed %d, %s\n", ch.Old.Subject, ch.Old.Profile, ch.Old.Seed, ch.Old.countsLine())
	fmt.Fprintf(&b, "new: subject %s, profile %s, seed %d, %s\n", ch.New.Subject, ch.New.Profile, ch.New.Seed, ch.New.countsLine())
	if ch.Old.Subject != ch.New.Subject || ch.Old.Profile != ch.New.Profile {
		b.WriteString("note: the runs are of different subjects or profiles\n")
	}
	section := func(title string, cs []Change) {
		if len(cs) == 0 {
			return
		}
		fmt.Fprintf(&b, "\n%s (%d):\n", title, len(cs))
		for _, c := range cs {
			fmt.Fprintf(&b, "  %-16s %s -> %s: %s\n", c.ID, c.Old, c.New, c.Why)
			if c.Repro != "" && title == "Regressions" {
				fmt.Fprintf(&b, "  %16s reproduce: %s\n", "", c.Repro)
			}
		}
	}
	section("Regressions", ch.Regressions)
	section("Fixes", ch.Fixes)
	if len(ch.Gone) > 0 {
		fmt.Fprintf(&b, "\nnot in the new run: %s\n", strings.Join(ch.Gone, ", "))
	}
	fmt.Fprintf(&b, "\n%d regression(s), %d fix(es), %d unchanged\n", len(ch.Regressions), len(ch.Fixes), ch.Unchanged)
	_, err := io.WriteString(w, redact(b.String()))
	return err
}
