package resolver_test

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/fallbackgate/fallbackgate/resolver"
)

// script is a scripted ResolveFunc: it answers each entry from a map keyed by
// the entry's shorthand, or by "shorthand@base_url" when that key is present
// (an entry not in the map, or mapped to nil, resolves), and records every
// call in order.
type script struct {
	errs  map[string]error
	calls []resolver.Entry
}

func newScript(errs map[string]error) *script { return &script{errs: errs} }

func (s *script) resolve(e resolver.Entry) (resolver.Runtime, error) {
	s.calls = append(s.calls, e)
	if err, ok := s.errs[e.String()+"@"+e.BaseURL]; ok && e.BaseURL != "" {
		if err != nil {
			return resolver.Runtime{}, err
		}
		return runtimeFor(e), nil
	}
	if err := s.errs[e.String()]; err != nil {
		return resolver.Runtime{}, err
	}
	return runtimeFor(e), nil
}

// runtimeFor is the runtime a healthy fake answers for e.
func runtimeFor(e resolver.Entry) resolver.Runtime {
	return resolver.Runtime{Provider: e.Provider, Model: e.Model, BaseURL: e.BaseURL, APIKey: resolver.NewSecret("sk-live-" + e.Provider)}
}

func authErr(provider, code, msg string) *resolver.AuthError {
	return &resolver.AuthError{Provider: provider, Code: code, ReloginRequired: true, Message: msg}
}

func rateLimited(provider string) *resolver.AuthError {
	return &resolver.AuthError{Provider: provider, Code: resolver.RateLimitCode, RetryAfter: 30e9, Message: "429: quota exhausted"}
}

// describeRequest renders a request compactly for failure messages.
func describeRequest(r resolver.Request) string {
	p := r.Profile.Name
	if p == "" {
		p = "strict"
	}
	return fmt.Sprintf("{primary=%s chain=[%s] pinned=%t profile=%s}", r.Primary, strings.Join(r.Chain.Strings(), " "), r.Pinned, p)
}

// checkTrace reports every way in which d's trace disagrees with the calls
// actually made: same entries, same order, Called flags, chain indexes
// increasing and pointing at the entry the step names.
func checkTrace(r resolver.Request, d resolver.Decision, calls []resolver.Entry) error {
	var errs []error
	var called []resolver.Entry
	prev := -2
	read := r.Chain
	if r.Profile.Name != "" {
		read = r.Profile.ReadChain(r.Chain)
	}
	for k, s := range d.Trace {
		if s.Index <= prev {
			errs = append(errs, fmt.Errorf("trace step %d has index %d after %d; want increasing", k, s.Index, prev))
		}
		prev = s.Index
		switch {
		case s.Index == -1 && s.Entry != r.Primary:
			errs = append(errs, fmt.Errorf("trace step %d is the primary but names %v; want %v", k, s.Entry, r.Primary))
		case s.Index >= 0 && (s.Index >= len(read) || s.Entry != read[s.Index]):
			errs = append(errs, fmt.Errorf("trace step %d names chain[%d] = %v, which is not in the chain as read", k, s.Index, s.Entry))
		}
		called = append(called, s.Entry)
		if s.Rule == "" {
			errs = append(errs, fmt.Errorf("trace step %d has no rule", k))
		}
	}
	if len(d.Trace) == 0 || d.Trace[0].Index != -1 {
		errs = append(errs, errors.New("trace does not start with the primary"))
	}
	if !slices.Equal(called, calls) {
		errs = append(errs, fmt.Errorf("trace says called %v; the resolve func saw %v", called, calls))
	}
	if d.Attempts() != len(calls) {
		errs = append(errs, fmt.Errorf("Attempts() = %d; the resolve func saw %d calls", d.Attempts(), len(calls)))
	}
	return errors.Join(errs...)
}

// lastRule is the rule of the step that decided the start-up.
func lastRule(d resolver.Decision) string {
	if len(d.Trace) == 0 {
		return ""
	}
	return d.Trace[len(d.Trace)-1].Rule
}
