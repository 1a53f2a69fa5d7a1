package incident

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/fallbackgate/fallbackgate/fakes"
	"github.com/fallbackgate/fallbackgate/harness"
	"github.com/fallbackgate/fallbackgate/resolver"
)

// This file is the assertion vocabulary of an incident file: what
// "reproduced" and "holds" mean, as checks on one side's timeline. Each
// assertion is a mapping with one kind key:
//
//	- every_worker: {after: 1m50s, before: 4m, exits: nonzero}   # or exits: 0, 1, 75
//	- every_worker: {after: 1m50s, lands_on: openai-codex/gpt-5.5, remaining: [xai-oauth/grok-4.3]}
//	- no_crashes: true          # no worker exits other than 0 or 75, or fails as a process
//	- no_violations: true       # no worker breaks the contract as the model judges it
//	- requeued: {at_least: 1}   # requeues in all; per_worker: true bounds each worker's
//	- alert: {before: 5m}       # the heartbeat raises an alert at or before t=5m; or: alert: never
//	- requests: {provider: openai-codex, at_most: 0}   # /resolve requests in the workers' ledgers

// The kinds of an Assertion.
const (
	KindEveryWorker  = "every_worker"
	KindNoCrashes    = "no_crashes"
	KindNoViolations = "no_violations"
	KindRequeued     = "requeued"
	KindAlert        = "alert"
	KindRequests     = "requests"
)

// Kinds are the assertion kinds, in the order the README documents them.
var Kinds = []string{KindEveryWorker, KindNoCrashes, KindNoViolations, KindRequeued, KindAlert, KindRequests}

// Nonzero is Assertion.Exits's "any exit but 0".
const Nonzero = -1

// Assertion is one check on a side's timeline.
type Assertion struct {
	Kind string
	// Line is the assertion's line in its file.
	Line int
	// After and Before bound the worker starts every_worker looks at:
	// at or after After, and before Before unless Before is zero (a
	// before the file gives is positive). Before is alert's deadline.
	After, Before time.Duration
	// Exits is every_worker's exit code (Nonzero: any but 0); nil when
	// it names none.
	Exits *int
	// LandsOn is every_worker's landing "provider/model"; Remaining,
	// when HasRemaining, the chain handed on.
	LandsOn      string
	Remaining    []string
	HasRemaining bool
	// AtLeast and AtMost bound requeued's and requests' counts.
	AtLeast, AtMost *int
	// PerWorker makes requeued count each worker's requeues.
	PerWorker bool
	// Provider is the provider whose /resolve requests requests counts.
	Provider string
	// Never is alert's "never".
	Never bool
}

// Check is an evaluated assertion: one line of a verdict.
type Check struct {
	// Text says what was asserted and what was seen, e.g. "every worker
	// started at or after t=1m50s exits non-zero: 12 of 12".
	Text string
	Held bool
}

// assertions reads a non-empty list of assertions.
func (p *problems) assertions(n *yaml.Node, field string) []Assertion {
	if n.Kind != yaml.SequenceNode || len(n.Content) == 0 {
		p.add(n, field, "want a non-empty list of assertions (%s), got %s", strings.Join(Kinds, ", "), showNull(n))
		return nil
	}
	var out []Assertion
	for i, item := range n.Content {
		f := fmt.Sprintf("%s[%d]", field, i)
		if item.Kind != yaml.MappingNode || len(item.Content) != 2 {
			p.add(item, f, "want a mapping with one kind key (%s), got %s", strings.Join(Kinds, ", "), show(item))
			continue
		}
		k, v := item.Content[0], item.Content[1]
		a := Assertion{Kind: k.Value, Line: k.Line}
		f += "." + k.Value
		switch k.Value {
		case KindEveryWorker:
			m := p.mapping(v, f, "after", "before", "exits", "lands_on", "remaining")
			if x := m["after"]; x != nil {
				a.After = p.duration(x, f+".after", false)
			}
			if x := m["before"]; x != nil {
				a.Before = p.duration(x, f+".before", true)
				if a.Before <= a.After {
					p.add(x, f+".before", "want a time after %q, got %q", a.After, x.Value)
				}
			}
			if x := m["exits"]; x != nil {
				code := Nonzero
				if !(x.Kind == yaml.ScalarNode && x.Value == "nonzero") {
					code = p.whole(x, f+".exits", 0)
				}
				a.Exits = &code
			}
			if x := m["lands_on"]; x != nil {
				a.LandsOn = p.text(x, f+".lands_on")
				if e, err := resolver.ParseEntry(a.LandsOn); a.LandsOn != "" && (err != nil || e.Model == "") {
					p.add(x, f+".lands_on", "want \"provider/model\", got %q", a.LandsOn)
				}
			}
			if x := m["remaining"]; x != nil {
				a.HasRemaining = true
				a.Remaining = []string{}
				if x.Kind != yaml.SequenceNode {
					p.add(x, f+".remaining", "want a list of \"provider/model\" entries, got %s", showNull(x))
				}
				for j, e := range x.Content {
					a.Remaining = append(a.Remaining, p.text(e, fmt.Sprintf("%s.remaining[%d]", f, j)))
				}
				if m["lands_on"] == nil {
					p.add(x, f+".remaining", "goes with lands_on")
				}
			}
			if v.Kind == yaml.MappingNode && a.Exits == nil && a.LandsOn == "" && m["lands_on"] == nil {
				p.add(v, f, "want exits or lands_on")
			}
		case KindNoCrashes, KindNoViolations:
			if !p.boolean(v, f) && v.Kind == yaml.ScalarNode && v.Tag == "!!bool" {
				p.add(v, f, "want true (leave the assertion out instead of false)")
			}
		case KindRequeued:
			m := p.mapping(v, f, "at_least", "at_most", "per_worker")
			a.AtLeast, a.AtMost = p.bounds(v, m, f)
			if x := m["per_worker"]; x != nil {
				a.PerWorker = p.boolean(x, f+".per_worker")
			}
		case KindAlert:
			if v.Kind == yaml.ScalarNode && v.Value == "never" {
				a.Never = true
				break
			}
			if v.Kind == yaml.ScalarNode {
				p.add(v, f, "want never or {before: DURATION}, got %q", v.Value)
				break
			}
			m := p.mapping(v, f, "before")
			if x := m["before"]; x != nil {
				a.Before = p.duration(x, f+".before", true)
			} else if v.Kind == yaml.MappingNode {
				p.add(v, f+".before", "missing: by when the heartbeat must raise its alert")
			}
		case KindRequests:
			m := p.mapping(v, f, "provider", "at_least", "at_most")
			if x := m["provider"]; x != nil {
				a.Provider = p.text(x, f+".provider")
			} else if v.Kind == yaml.MappingNode {
				p.add(v, f+".provider", "missing: whose /resolve requests to count")
			}
			a.AtLeast, a.AtMost = p.bounds(v, m, f)
		default:
			p.add(k, f, "unknown assertion (known: %s)", strings.Join(Kinds, ", "))
			continue
		}
		out = append(out, a)
	}
	return out
}

// bounds reads at_least and at_most; at least one is needed.
func (p *problems) bounds(n *yaml.Node, m map[string]*yaml.Node, field string) (atLeast, atMost *int) {
	if x := m["at_least"]; x != nil {
		v := p.whole(x, field+".at_least", 0)
		atLeast = &v
	}
	if x := m["at_most"]; x != nil {
		v := p.whole(x, field+".at_most", 0)
		atMost = &v
	}
	if n.Kind == yaml.MappingNode && atLeast == nil && atMost == nil {
		p.add(n, field, "want at_least or at_most")
	}
	if atLeast != nil && atMost != nil && *atLeast > *atMost {
		p.add(m["at_most"], field+".at_most", "want at least at_least (%d), got %d", *atLeast, *atMost)
	}
	return atLeast, atMost
}

// Evaluate checks a on a side's timeline.
func (a Assertion) Evaluate(tl *Timeline) Check {
	switch a.Kind {
	case KindEveryWorker:
		return a.everyWorker(tl)
	case KindNoCrashes:
		rows := tl.Workers()
		crashed := 0
		for _, r := range rows {
			if crashes(r.Result) {
				crashed++
			}
		}
		return Check{Text: fmt.Sprintf("no worker crashes (exit other than 0 and 75, or a process failure): %d of %d crashed", crashed, len(rows)), Held: crashed == 0 && len(rows) > 0}
	case KindNoViolations:
		rows := tl.Workers()
		broke, first := 0, ""
		for _, r := range rows {
			if vs := r.Result.Violations; len(vs) > 0 {
				if broke++; first == "" {
					first = fmt.Sprintf(" (first: %s: %s)", workerName(r.Job), vs[0])
				}
			}
		}
		return Check{Text: fmt.Sprintf("no worker breaks the contract as the model judges it: %d of %d did%s", broke, len(rows), first), Held: broke == 0 && len(rows) > 0}
	case KindRequeued:
		return a.requeued(tl)
	case KindAlert:
		alerts := tl.Alerts()
		if a.Never {
			return Check{Text: fmt.Sprintf("the heartbeat never raises an alert: %d alert(s)", len(alerts)), Held: len(alerts) == 0}
		}
		if len(alerts) == 0 {
			return Check{Text: fmt.Sprintf("the heartbeat raises an alert by t=%s: none raised", a.Before)}
		}
		return Check{Text: fmt.Sprintf("the heartbeat raises an alert by t=%s: first at t=%s", a.Before, tick(alerts[0].At)), Held: alerts[0].At <= a.Before}
	case KindRequests:
		n := 0
		for _, r := range tl.Workers() {
			for _, c := range r.Result.Ledger {
				if c.Provider == a.Provider && c.Endpoint == fakes.EndpointResolve {
					n++
				}
			}
		}
		return Check{Text: fmt.Sprintf("resolve requests to %s, %s: %d", a.Provider, boundText(a.AtLeast, a.AtMost), n), Held: within(n, a.AtLeast, a.AtMost)}
	}
	return Check{Text: "unknown assertion " + a.Kind}
}

// crashes says whether a worker crashed: it exited other than 0 (landed)
// and 75 (requeued), or failed as a process.
func crashes(r WorkerResult) bool {
	return r.Failure != "" || (r.Exit != harness.ExitOK && r.Exit != harness.ExitRateLimited)
}

func (a Assertion) everyWorker(tl *Timeline) Check {
	var rows []Line
	for _, r := range tl.Workers() {
		if r.At >= a.After && (a.Before == 0 || r.At < a.Before) {
			rows = append(rows, r)
		}
	}
	var want []string
	if a.Exits != nil {
		if *a.Exits == Nonzero {
			want = append(want, "exits non-zero")
		} else {
			want = append(want, "exits "+strconv.Itoa(*a.Exits))
		}
	}
	if a.LandsOn != "" {
		w := "lands on " + a.LandsOn
		if a.HasRemaining {
			w += " with remaining [" + strings.Join(a.Remaining, ", ") + "]"
		}
		want = append(want, w)
	}
	who := "every worker"
	switch {
	case a.Before > 0:
		who += fmt.Sprintf(" started in [t=%s, t=%s)", tick(a.After), tick(a.Before))
	case a.After > 0:
		who += fmt.Sprintf(" started at or after t=%s", tick(a.After))
	}
	text := who + " " + strings.Join(want, " and ")
	if len(rows) == 0 {
		return Check{Text: text + ": no worker started then"}
	}
	met := 0
	for _, r := range rows {
		if a.matches(r.Result) {
			met++
		}
	}
	return Check{Text: fmt.Sprintf("%s: %d of %d", text, met, len(rows)), Held: met == len(rows)}
}

func (a Assertion) matches(r WorkerResult) bool {
	if a.Exits != nil {
		switch {
		case *a.Exits == Nonzero && r.Exit == harness.ExitOK && r.Failure == "":
			return false
		case *a.Exits != Nonzero && (r.Exit != *a.Exits || (r.Exit == harness.ExitOK && r.Failure != "")):
			return false
		}
	}
	if a.LandsOn != "" {
		if r.Exit != harness.ExitOK || r.Provider == "" || r.Provider+"/"+r.Model != a.LandsOn {
			return false
		}
		if a.HasRemaining && !slices.Equal(r.Remaining, a.Remaining) {
			return false
		}
	}
	return true
}

func (a Assertion) requeued(tl *Timeline) Check {
	if !a.PerWorker {
		return Check{Text: fmt.Sprintf("requeues in all, %s: %d", boundText(a.AtLeast, a.AtMost), tl.Requeued), Held: within(tl.Requeued, a.AtLeast, a.AtMost)}
	}
	per := map[int]int{}
	for _, r := range tl.Workers() {
		n := per[r.Job.ID] // every worker that started counts, requeued or not
		if r.Fate == FateRequeued {
			n++
		}
		per[r.Job.ID] = n
	}
	if len(per) == 0 {
		return Check{Text: "requeues of each worker, " + boundText(a.AtLeast, a.AtMost) + ": no worker started"}
	}
	ids := slices.Sorted(maps.Keys(per))
	lo, hi := ids[0], ids[0]
	held := true
	for _, id := range ids {
		if per[id] < per[lo] {
			lo = id
		}
		if per[id] > per[hi] {
			hi = id
		}
		held = held && within(per[id], a.AtLeast, a.AtMost)
	}
	return Check{Text: fmt.Sprintf("requeues of each worker, %s: fewest %d (w%02d), most %d (w%02d)", boundText(a.AtLeast, a.AtMost), per[lo], lo, per[hi], hi), Held: held}
}

// boundText reads "at least 1", "at most 0" or "between 1 and 3".
func boundText(atLeast, atMost *int) string {
	switch {
	case atLeast != nil && atMost != nil:
		return fmt.Sprintf("between %d and %d", *atLeast, *atMost)
	case atLeast != nil:
		return fmt.Sprintf("at least %d", *atLeast)
	case atMost != nil:
		return fmt.Sprintf("at most %d", *atMost)
	}
	return "any number"
}

func within(n int, atLeast, atMost *int) bool {
	return (atLeast == nil || n >= *atLeast) && (atMost == nil || n <= *atMost)
}

// workerName is "w03", or "w03 (try 2)" for a requeued job's later start.
func workerName(j Job) string {
	s := fmt.Sprintf("w%02d", j.ID)
	if j.Attempt > 1 {
		s += fmt.Sprintf(" (try %d)", j.Attempt)
	}
	return s
}

// tick prints a virtual-time offset to the second: "1m50s".
func tick(d time.Duration) string {
	return d.Truncate(time.Second).String()
}

// Evaluate evaluates every assertion on tl; ok when all held.
func Evaluate(as []Assertion, tl *Timeline) (checks []Check, ok bool) {
	ok = len(as) > 0
	for _, a := range as {
		c := a.Evaluate(tl)
		checks = append(checks, c)
		ok = ok && c.Held
	}
	return checks, ok
}
