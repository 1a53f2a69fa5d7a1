package fakes

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"sync"
	"text/tabwriter"
	"time"
)

// Endpoint names one of a fake provider's two endpoints.
type Endpoint string

// The endpoints of PROTOCOL.md.
const (
	EndpointResolve     Endpoint = "resolve"
	EndpointCompletions Endpoint = "completions"
)

// Served is what kind of answer a request got; the ledger records it as
// "outcome".
type Served string

// What a ledger records a request was served.
const (
	ServedOK          Served = "ok"
	ServedAuth        Served = "auth"
	ServedRateLimit   Served = "rate_limit"
	ServedConfig      Served = "config"
	ServedUnavailable Served = "unavailable"
	ServedMalformed   Served = "malformed"
	ServedReset       Served = "reset"
	ServedHang        Served = "hang"
)

// Call is one request a fake provider received, as the ledger records it.
// It holds no secret.
type Call struct {
	// Seq numbers the fleet's calls from 1 in the order they arrived.
	Seq      int      `json:"seq"`
	Provider string   `json:"provider"`
	Endpoint Endpoint `json:"endpoint"`
	// At is the call's offset from fleet start on the fleet's clock.
	At time.Duration `json:"at_ns"`
	// Model is the requested model; nil when the request named none.
	Model *string `json:"model"`
	// BaseURL is the base URL the request's body named (a /resolve
	// carries the entry's own, R9); nil when it named none.
	BaseURL *string `json:"base_url,omitempty"`
	// Status is the HTTP status sent; 0 for a reset or a hang.
	Status int    `json:"status"`
	Served Served `json:"outcome"`
	// Code is the AuthError code sent, if any.
	Code string `json:"code,omitempty"`
	// Fault is the plan step's fault that served the call, in the plan
	// language; a call that was refused before the plan (a malformed
	// request, a bad bearer) still names the step's fault.
	Fault string `json:"fault"`
}

// ModelString returns the requested model, or "-" when there was none.
func (c Call) ModelString() string {
	if c.Model == nil {
		return "-"
	}
	return *c.Model
}

// String returns one line such as
// `#3 +1.5s xai-oauth resolve model=grok-4.3 401 auth xai_auth_missing_access_token`,
// with `base_url=URL` after the model when the request named one. The
// offset is rounded to the microsecond for reading; At keeps it exact.
func (c Call) String() string {
	s := fmt.Sprintf("#%d +%s %s %s model=%s", c.Seq, c.At.Round(time.Microsecond), c.Provider, c.Endpoint, c.ModelString())
	if c.BaseURL != nil {
		s += " base_url=" + *c.BaseURL
	}
	s += fmt.Sprintf(" %d %s", c.Status, c.Served)
	if c.Code != "" {
		s += " " + c.Code
	}
	return s
}

// Ledger records every request a fleet's fakes received, in arrival order.
// It is the ground truth for "resolved in this order", "never contacted" and
// "zero requests after a 429". It is safe for concurrent use; every query
// returns a copy.
type Ledger struct {
	mu    sync.Mutex
	calls []Call
	// changed is closed on the next append; nil while nobody awaits one.
	changed chan struct{}
}

func newLedger() *Ledger {
	return &Ledger{calls: make([]Call, 0, 4)}
}

// record appends c, numbering it, and returns it.
func (l *Ledger) record(c Call) Call {
	l.mu.Lock()
	defer l.mu.Unlock()
	c.Seq = len(l.calls) + 1
	l.calls = append(l.calls, c)
	if l.changed != nil {
		close(l.changed)
		l.changed = nil
	}
	return c
}

// filter returns the calls for which keep is true.
func (l *Ledger) filter(keep func(Call) bool) []Call {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := []Call{}
	for _, c := range l.calls {
		if keep(c) {
			out = append(out, c)
		}
	}
	return out
}

// Calls returns every call in order.
func (l *Ledger) Calls() []Call {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append(make([]Call, 0, len(l.calls)), l.calls...)
}

// Len returns the number of calls recorded.
func (l *Ledger) Len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.calls)
}

// To returns the calls to provider, both endpoints, in order.
func (l *Ledger) To(provider string) []Call {
	return l.filter(func(c Call) bool { return c.Provider == provider })
}

// Resolves returns the /resolve calls of every provider in order: the
// order in which a subject tried its chain.
func (l *Ledger) Resolves() []Call {
	return l.filter(func(c Call) bool { return c.Endpoint == EndpointResolve })
}

// Since returns the calls at or after offset at from fleet start.
func (l *Ledger) Since(at time.Duration) []Call {
	return l.filter(func(c Call) bool { return c.At >= at })
}

// After returns the calls that arrived after the call numbered seq.
func (l *Ledger) After(seq int) []Call {
	return l.filter(func(c Call) bool { return c.Seq > seq })
}

// Count returns how many calls provider received, both endpoints.
func (l *Ledger) Count(provider string) int {
	return len(l.To(provider))
}

// Counts returns the number of calls per provider; a provider never
// contacted is absent.
func (l *Ledger) Counts() map[string]int {
	l.mu.Lock()
	defer l.mu.Unlock()
	m := map[string]int{}
	for _, c := range l.calls {
		m[c.Provider]++
	}
	return m
}

// Await blocks until the ledger holds at least n calls or ctx is done, and
// returns ctx's error in the latter case. It lets a test wait for a request
// that will never be answered (a hang) without sleeping.
func (l *Ledger) Await(ctx context.Context, n int) error {
	for {
		l.mu.Lock()
		have := len(l.calls)
		if l.changed == nil {
			l.changed = make(chan struct{})
		}
		ch := l.changed
		l.mu.Unlock()
		if have >= n {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return fmt.Errorf("ledger has %d calls, awaited %d: %w", have, n, ctx.Err())
		}
	}
}

// MarshalJSON writes the calls as a JSON array.
func (l *Ledger) MarshalJSON() ([]byte, error) {
	return json.Marshal(l.Calls())
}

// WriteTable writes the calls as an aligned text table for a person.
func (l *Ledger) WriteTable(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SEQ\tAT\tPROVIDER\tENDPOINT\tMODEL\tBASE_URL\tFAULT\tSTATUS\tOUTCOME\tCODE")
	for _, c := range l.Calls() {
		code, base := c.Code, "-"
		if code == "" {
			code = "-"
		}
		if c.BaseURL != nil {
			base = *c.BaseURL
		}
		fmt.Fprintf(tw, "%d\t+%s\t%s\t%s\t%s\t%s\t%s\t%d\t%s\t%s\n", c.Seq, c.At, c.Provider, c.Endpoint, c.ModelString(), base, c.Fault, c.Status, c.Served, code)
	}
	return tw.Flush()
}
