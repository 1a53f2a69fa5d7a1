package fakes

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// PlanError is a plan that does not parse: the plan text, the byte offset
// (from 0) where parsing stopped, and what was wrong or expected there.
type PlanError struct {
	Plan string
	Pos  int
	Msg  string
}

// Error returns e.g. `plan "2*ok -> " at 8: expected a fault (ok, ...)`.
func (e *PlanError) Error() string {
	return fmt.Sprintf("plan %q at %d: %s", e.Plan, e.Pos, e.Msg)
}

// expectedFault lists every fault word, for error messages.
var expectedFault = func() string {
	names := make([]string, numKinds)
	for k := range numKinds {
		names[k] = k.String()
	}
	return "a fault (" + strings.Join(names, ", ") + ")"
}()

// MustParse is Parse for plans written in code; it panics on a malformed
// plan.
func MustParse(s string) Plan {
	p, err := Parse(s)
	if err != nil {
		panic(err)
	}
	return p
}

// Parse reads a plan in the plan language (see the package documentation).
// A malformed plan yields a *PlanError with the position and what was
// expected there.
func Parse(s string) (Plan, error) {
	if p, ok := parsed.get(s); ok {
		return p, nil
	}
	ps := &parser{src: s}
	p, err := ps.plan()
	if err != nil {
		return Plan{}, err
	}
	parsed.put(s, p)
	return p, nil
}

// parsed remembers the plans of recent texts: property runs and chaos
// parse the same few plans over and over. A hit is a copy the caller may
// change.
var parsed = planCache{plans: map[string]Plan{}}

// planCache is a bounded cache of parsed plans, safe for concurrent use.
type planCache struct {
	mu    sync.RWMutex
	plans map[string]Plan
}

// maxCachedPlans bounds the cache; past it, it starts over.
const maxCachedPlans = 4096

func (c *planCache) get(s string) (Plan, bool) {
	c.mu.RLock()
	p, ok := c.plans[s]
	c.mu.RUnlock()
	if !ok {
		return Plan{}, false
	}
	return Plan{Resolve: slices.Clone(p.Resolve), Completions: slices.Clone(p.Completions)}, true
}

func (c *planCache) put(s string, p Plan) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.plans) >= maxCachedPlans {
		c.plans = map[string]Plan{}
	}
	c.plans[s] = Plan{Resolve: slices.Clone(p.Resolve), Completions: slices.Clone(p.Completions)}
}

type parser struct {
	src string
	pos int
}

func (ps *parser) fail(pos int, format string, args ...any) error {
	return &PlanError{Plan: ps.src, Pos: pos, Msg: fmt.Sprintf(format, args...)}
}

func (ps *parser) skipSpace() {
	for ps.pos < len(ps.src) && strings.IndexByte(" \t\r\n", ps.src[ps.pos]) >= 0 {
		ps.pos++
	}
}

// peek reports whether lit comes next (after spaces), without consuming it.
func (ps *parser) peek(lit string) bool {
	ps.skipSpace()
	return strings.HasPrefix(ps.src[ps.pos:], lit)
}

// accept consumes lit if it comes next.
func (ps *parser) accept(lit string) bool {
	if ps.peek(lit) {
		ps.pos += len(lit)
		return true
	}
	return false
}

// word reads a run of letters, digits, '_', '.' and 'µ' and returns it with
// its position; an empty word when none comes next.
func (ps *parser) word() (string, int) {
	ps.skipSpace()
	start := ps.pos
	for ps.pos < len(ps.src) {
		c := ps.src[ps.pos]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '_', c == '.':
			ps.pos++
		case strings.HasPrefix(ps.src[ps.pos:], "µ"):
			ps.pos += len("µ")
		default:
			return ps.src[start:ps.pos], start
		}
	}
	return ps.src[start:ps.pos], start
}

// peekWord returns the next word without consuming it.
func (ps *parser) peekWord() string {
	save := ps.pos
	w, _ := ps.word()
	ps.pos = save
	return w
}

func (ps *parser) plan() (Plan, error) {
	var p Plan
	seen := map[string]bool{}
	for first := true; ; first = false {
		ps.skipSpace()
		labelPos := ps.pos
		endpoint := "resolve"
		if w := ps.peekWord(); w == "resolve" || w == "completions" {
			save := ps.pos
			ps.word()
			if ps.accept(":") {
				endpoint = w
			} else {
				ps.pos = save
			}
		}
		if endpoint == "resolve" && ps.pos == labelPos && !first {
			return Plan{}, ps.fail(ps.pos, `expected an endpoint ("resolve:" or "completions:")`)
		}
		if seen[endpoint] {
			return Plan{}, ps.fail(labelPos, "%s plan given twice", endpoint)
		}
		seen[endpoint] = true
		steps, err := ps.sequence()
		if err != nil {
			return Plan{}, err
		}
		if endpoint == "resolve" {
			p.Resolve = steps
		} else {
			p.Completions = steps
		}
		ps.skipSpace()
		if ps.pos == len(ps.src) {
			return p, nil
		}
		if !ps.accept(";") {
			return Plan{}, ps.fail(ps.pos, `expected "->", ";" or the end of the plan`)
		}
	}
}

func (ps *parser) sequence() ([]Step, error) {
	var steps []Step
	for {
		s, err := ps.step()
		if err != nil {
			return nil, err
		}
		steps = append(steps, s)
		if !ps.accept("->") {
			return steps, nil
		}
	}
}

func (ps *parser) step() (Step, error) {
	s := Step{Count: 1}
	w, pos := ps.word()
	counted := ps.accept("*")
	if counted {
		n, err := strconv.Atoi(w)
		switch {
		case w == "" || err != nil && !isDigits(w):
			return Step{}, ps.fail(pos, "expected a count before %q", "*")
		case err != nil || n > MaxCount:
			return Step{}, ps.fail(pos, "count %s is more than %d", w, MaxCount)
		case n < 1:
			return Step{}, ps.fail(pos, "count must be at least 1")
		}
		s.Count = n
		w, pos = ps.word()
	}
	f, err := ps.fault(w, pos)
	if err != nil {
		return Step{}, err
	}
	s.Fault = f
	save := ps.pos
	if u, _ := ps.word(); u == "until" {
		d, err := ps.duration("until")
		if err != nil {
			return Step{}, err
		}
		s.Until = d
		if !counted {
			// "ok until 30s" has no count: it lasts until the deadline.
			s.Count = 0
		}
	} else {
		ps.pos = save
	}
	return s, nil
}

func isDigits(s string) bool {
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return s != ""
}

// fault reads a fault whose name w at pos has already been read.
func (ps *parser) fault(w string, pos int) (Fault, error) {
	if w == "" {
		return Fault{}, ps.fail(pos, "expected %s", expectedFault)
	}
	k, ok := kindByName(w)
	if !ok {
		return Fault{}, ps.fail(pos, "unknown fault %q; expected %s", w, expectedFault)
	}
	f := Fault{Kind: k}
	if k == RateLimited {
		f.RetryAfter = DefaultRetryAfter
	}
	ps.skipSpace()
	paren := ps.pos
	if !ps.accept("(") {
		return f, nil
	}
	if k != RateLimited {
		return Fault{}, ps.fail(paren, "%s takes no parameters", k)
	}
	for {
		name, npos := ps.word()
		if name != "retry_after" {
			if name == "" {
				return Fault{}, ps.fail(npos, "expected a parameter (retry_after)")
			}
			return Fault{}, ps.fail(npos, "unknown parameter %q; 429 takes retry_after", name)
		}
		if !ps.accept("=") {
			return Fault{}, ps.fail(ps.pos, `expected "=" after %s`, name)
		}
		ps.skipSpace()
		dpos := ps.pos
		d, err := ps.duration(name)
		if err != nil {
			return Fault{}, err
		}
		if d%time.Second != 0 {
			return Fault{}, ps.fail(dpos, "retry_after must be a whole number of seconds, got %s", d)
		}
		f.RetryAfter = d
		if ps.accept(")") {
			return f, nil
		}
		if !ps.accept(",") {
			return Fault{}, ps.fail(ps.pos, `expected "," or ")"`)
		}
	}
}

// duration reads a positive Go duration such as 30s or 1m30s.
func (ps *parser) duration(what string) (time.Duration, error) {
	w, pos := ps.word()
	if w == "" {
		return 0, ps.fail(pos, "expected a duration after %s (e.g. 30s)", what)
	}
	d, err := time.ParseDuration(w)
	if err != nil {
		return 0, ps.fail(pos, "%q is not a duration (e.g. 30s, 1m30s)", w)
	}
	if d <= 0 {
		return 0, ps.fail(pos, "%s must be positive, got %s", what, w)
	}
	return d, nil
}
