package fakes

import (
	"fmt"
	"strings"
	"time"
)

// Kind is what a fake provider does with one request: answer normally, fail
// with one of the credential failures of CONTRACT.md, fail with a non-auth
// error, or misbehave at the transport level. Its String is the word the plan
// language uses for it.
type Kind int

// The kinds of fault, in the order the plan language lists them.
const (
	// OK answers normally: a runtime for /resolve (issuing or refreshing the
	// OAuth access token as needed), a completion for a valid bearer.
	OK Kind = iota
	// Expired fails with 401: the access token expired and the refresh
	// token is no longer valid (relogin_required).
	Expired
	// Revoked fails with 401: the refresh token was revoked
	// (invalid_grant; relogin_required).
	Revoked
	// Missing fails with 401: the stored access token vanished (the v6.6
	// incident; code "<prefix>_auth_missing_access_token").
	Missing
	// LoggedOut fails with 401: the account is logged out (code
	// "<prefix>_not_logged_in").
	LoggedOut
	// InvalidKey fails with 401: the API key was rejected (not
	// relogin_required).
	InvalidKey
	// Unconfigured fails with 401: no credential was ever configured (code
	// "<prefix>_auth_missing", the closed-missing profile's suffix).
	Unconfigured
	// Unauthorized fails with a generic 401.
	Unauthorized
	// Forbidden fails with 403: the account may not use the model.
	Forbidden
	// RateLimited fails with 429, code "codex_rate_limited", not
	// relogin_required, with a Retry-After header and retry_after field.
	RateLimited
	// BadRequest fails with 400, type "config".
	BadRequest
	// NotFound fails with 404, type "config".
	NotFound
	// ServerError fails with 500, type "unavailable".
	ServerError
	// BadGateway fails with 502, type "unavailable".
	BadGateway
	// Unavailable fails with 503, type "unavailable": a provider outage.
	Unavailable
	// Malformed answers 200 with a body that is not the protocol's shape.
	Malformed
	// Reset closes the connection without an answer (a TCP reset on
	// loopback, an ECONNRESET error in-process).
	Reset
	// Hang never answers: the request blocks until the client gives up or
	// the fleet closes.
	Hang
	numKinds
)

var kindNames = [numKinds]string{
	OK: "ok", Expired: "expired", Revoked: "revoked", Missing: "missing",
	LoggedOut: "logged_out", InvalidKey: "invalid_key", Unconfigured: "unconfigured",
	Unauthorized: "401", Forbidden: "403", RateLimited: "429",
	BadRequest: "400", NotFound: "404", ServerError: "500", BadGateway: "502",
	Unavailable: "503", Malformed: "malformed", Reset: "reset", Hang: "hang",
}

var kindStatus = [numKinds]int{
	OK: 200, Expired: 401, Revoked: 401, Missing: 401, LoggedOut: 401,
	InvalidKey: 401, Unconfigured: 401, Unauthorized: 401, Forbidden: 403,
	RateLimited: 429, BadRequest: 400, NotFound: 404, ServerError: 500,
	BadGateway: 502, Unavailable: 503, Malformed: 200, Reset: 0, Hang: 0,
}

// Kinds returns every kind in plan-language order.
func Kinds() []Kind {
	ks := make([]Kind, numKinds)
	for i := range ks {
		ks[i] = Kind(i)
	}
	return ks
}

// String returns the kind's word in the plan language, e.g. "expired" or
// "429".
func (k Kind) String() string {
	if k < 0 || k >= numKinds {
		return fmt.Sprintf("Kind(%d)", int(k))
	}
	return kindNames[k]
}

// Status returns the HTTP status a fault of this kind answers with; 0 for
// Reset and Hang, which send no answer.
func (k Kind) Status() int {
	if k < 0 || k >= numKinds {
		return 0
	}
	return kindStatus[k]
}

// Auth reports whether the kind answers with an AuthError body (401, 403
// or 429).
func (k Kind) Auth() bool {
	return k >= Expired && k <= RateLimited
}

// Served returns what the ledger records of a request that met this fault.
func (k Kind) Served() Served {
	switch {
	case k == OK:
		return ServedOK
	case k == RateLimited:
		return ServedRateLimit
	case k.Auth():
		return ServedAuth
	case k == BadRequest || k == NotFound:
		return ServedConfig
	case k >= ServerError && k <= Unavailable:
		return ServedUnavailable
	case k == Malformed:
		return ServedMalformed
	case k == Reset:
		return ServedReset
	case k == Hang:
		return ServedHang
	}
	return ""
}

// kindByName maps a plan word to its kind.
func kindByName(name string) (Kind, bool) {
	for k, n := range kindNames {
		if n == name {
			return Kind(k), true
		}
	}
	return 0, false
}

// DefaultRetryAfter is the Retry-After of a bare "429".
const DefaultRetryAfter = 30 * time.Second

// Fault is one answer a fake provider gives: a kind and, for RateLimited,
// how long the client is asked to wait. Faults are comparable values; the
// zero Fault is OK.
type Fault struct {
	Kind Kind
	// RetryAfter is the wait a RateLimited fault asks for, in whole
	// seconds; zero for every other kind.
	RetryAfter time.Duration
}

// String returns the fault in the plan language, e.g. "revoked" or
// "429(retry_after=30s)".
func (f Fault) String() string {
	if f.Kind == RateLimited {
		return fmt.Sprintf("%s(retry_after=%s)", f.Kind, f.RetryAfter)
	}
	return f.Kind.String()
}

// Validate reports what is wrong with f, or nil.
func (f Fault) Validate() error {
	switch {
	case f.Kind < 0 || f.Kind >= numKinds:
		return fmt.Errorf("unknown fault kind %d", int(f.Kind))
	case f.Kind == RateLimited && (f.RetryAfter < time.Second || f.RetryAfter%time.Second != 0):
		return fmt.Errorf("429: retry_after must be a whole number of seconds, at least 1s; got %s", f.RetryAfter)
	case f.Kind != RateLimited && f.RetryAfter != 0:
		return fmt.Errorf("%s: retry_after is only for 429", f.Kind)
	}
	return nil
}

// Step is one step of a plan: a fault served for Count calls, or until Until
// has passed on the fleet's clock, whichever ends first. The last step of a
// sequence never ends.
type Step struct {
	Fault Fault
	// Count is how many calls the step serves; 0 means no limit, which
	// needs Until.
	Count int
	// Until is the offset from fleet start at which the step ends; 0
	// means no deadline.
	Until time.Duration
}

// String returns the step in the plan language: "ok", "3*ok",
// "ok until 30s" or "2*ok until 30s".
func (s Step) String() string {
	var b strings.Builder
	if s.Count > 1 || (s.Count == 1 && s.Until > 0) {
		fmt.Fprintf(&b, "%d*", s.Count)
	}
	b.WriteString(s.Fault.String())
	if s.Until > 0 {
		fmt.Fprintf(&b, " until %s", s.Until)
	}
	return b.String()
}

// Validate reports what is wrong with s, or nil.
func (s Step) Validate() error {
	if err := s.Fault.Validate(); err != nil {
		return err
	}
	switch {
	case s.Count < 0 || s.Count > MaxCount:
		return fmt.Errorf("step %q: count must be between 1 and %d", s, MaxCount)
	case s.Until < 0:
		return fmt.Errorf("step %q: until must be positive", s)
	case s.Count == 0 && s.Until == 0:
		return fmt.Errorf("step %q: needs a count or an until", s)
	}
	return nil
}

// MaxCount is the largest count a step may have.
const MaxCount = 1_000_000

// Plan is the fault plan of one fake provider: a sequence of steps for
// /resolve and one for /v1/chat/completions. A nil sequence answers OK to
// every call; the zero Plan is a healthy provider. Parse reads a plan from
// the plan language and String prints it back.
type Plan struct {
	Resolve     []Step
	Completions []Step
}

// String returns the plan in canonical form: the resolve sequence alone
// when completions has no plan, else "resolve: ...; completions: ...".
// Parse(p.String()) equals p for every valid plan except the zero Plan,
// which prints as "ok".
func (p Plan) String() string {
	switch {
	case p.Resolve == nil && p.Completions == nil:
		return "ok"
	case p.Completions == nil:
		return seqString(p.Resolve)
	case p.Resolve == nil:
		return "completions: " + seqString(p.Completions)
	}
	return "resolve: " + seqString(p.Resolve) + "; completions: " + seqString(p.Completions)
}

func seqString(steps []Step) string {
	parts := make([]string, len(steps))
	for i, s := range steps {
		parts[i] = s.String()
	}
	return strings.Join(parts, " -> ")
}

// Validate reports the first invalid step, or nil.
func (p Plan) Validate() error {
	for _, sec := range []struct {
		name  string
		steps []Step
	}{{"resolve", p.Resolve}, {"completions", p.Completions}} {
		if sec.steps != nil && len(sec.steps) == 0 {
			return fmt.Errorf("%s: empty sequence", sec.name)
		}
		for i, s := range sec.steps {
			if err := s.Validate(); err != nil {
				return fmt.Errorf("%s step %d: %w", sec.name, i+1, err)
			}
		}
	}
	return nil
}

// MarshalText returns the canonical form, so that a Plan reads the same in
// JSON and YAML files as on a command line.
func (p Plan) MarshalText() ([]byte, error) {
	return []byte(p.String()), nil
}

// UnmarshalText parses the plan language.
func (p *Plan) UnmarshalText(b []byte) error {
	q, err := Parse(string(b))
	if err != nil {
		return err
	}
	*p = q
	return nil
}

// cursor is the position of one endpoint in its plan.
type cursor struct {
	i    int // current step
	used int // calls served by the current step
}

// next returns the fault for a call at offset at and advances the cursor.
func (c *cursor) next(steps []Step, at time.Duration) Fault {
	if len(steps) == 0 {
		return Fault{}
	}
	for c.i < len(steps)-1 {
		s := steps[c.i]
		if (s.Count > 0 && c.used >= s.Count) || (s.Until > 0 && at >= s.Until) {
			c.i++
			c.used = 0
			continue
		}
		break
	}
	c.used++
	return steps[c.i].Fault
}
