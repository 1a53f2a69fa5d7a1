package model

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/fallbackgate/fallbackgate/fakes"
	"github.com/fallbackgate/fallbackgate/harness"
	"github.com/fallbackgate/fallbackgate/resolver"
)

// Check judges an observation against the model's expectation and returns
// nil or a Violations listing every problem, one per line, each citing its
// rule.
func Check(want harness.Expected, got harness.Observation) error {
	c := checker{want: want, got: got}
	c.secrets()
	if f := got.Outcome.Failure; f != "" {
		rule := "R17"
		if strings.HasPrefix(f, "protocol") {
			rule = "protocol"
		}
		c.add(rule, "%s", f)
		return c.result()
	}
	if want.BadUsage {
		c.badUsage()
		return c.result()
	}
	c.ledger()
	if want.Err == nil {
		c.landed()
	} else {
		c.failed()
	}
	return c.result()
}

type checker struct {
	want harness.Expected
	got  harness.Observation
	vs   harness.Violations
}

func (c *checker) add(rule, format string, args ...any) {
	c.vs = append(c.vs, harness.Violation{Rule: rule, Message: fmt.Sprintf(format, args...)})
}

func (c *checker) result() error {
	if len(c.vs) == 0 {
		return nil
	}
	return c.vs
}

// secrets checks R16 on every output of the case with the one detector
// (see leaks.go).
func (c *checker) secrets() {
	for _, l := range harness.Leaks(c.got.Outcome, c.got.Secrets) {
		c.add("R16", "%s", l)
	}
}

func (c *checker) badUsage() {
	o := c.got.Outcome
	switch {
	case o.Surface == harness.Gateway && o.Reply == nil:
		c.add("R17", "no gateway reply")
	case o.Surface == harness.Gateway:
		// The gateway has no exit code: an override naming a provider
		// without a model is a failed reply of class other (CONTRACT.md,
		// contract 1.1).
		if o.Reply.OK || o.Reply.Class != "other" {
			c.add("usage", "gateway replied ok=%t class=%q to an override that names a provider without a model; want ok=false class=\"other\" before any resolve", o.Reply.OK, o.Reply.Class)
		}
	case o.ExitCode != 2:
		c.add("usage", "--provider without a model must exit 2 before any resolve; exited %d", o.ExitCode)
	}
	if n := len(c.got.Calls); n > 0 {
		c.add("usage", "bad usage must fail before any resolve; the fakes saw %d request(s)", n)
	}
}

// ledger checks the resolve requests against the model's walk (R5–R9, R12).
func (c *checker) ledger() {
	w := c.want
	got := Resolves(c.got.Calls)
	want := w.Resolves
	primary := w.Request.Primary.Provider
	switch w.Rule {
	case "R7":
		if n, who := callsOtherThan(c.got.Calls, primary); n > 0 {
			c.add("R7", "quota amplification: %d request(s) to %s after the primary's 429; want none", n, strings.Join(who, ", "))
			return
		}
		if len(got) > 1 {
			c.add("R7", "quota amplification: %d more resolve(s) after the primary's 429 (%s); want none", len(got)-1, strings.Join(got[1:], ", "))
			return
		}
	case "R6":
		if n, who := callsOtherThan(c.got.Calls, primary); n > 0 {
			c.add("R6", "pinned to %s, but %d request(s) went to %s (silent downgrade)", primary, n, strings.Join(who, ", "))
			return
		}
		if len(got) > 1 {
			c.add("R6", "pinned to %s, but the start-up went on to resolve %s; want nothing else resolved", primary, strings.Join(got[1:], ", "))
			return
		}
	case "R5":
		if len(got) > 1 {
			c.add("R5", "the primary failed with an error that is not an AuthError, but %d chain entr(ies) were resolved: %s", len(got)-1, strings.Join(got[1:], ", "))
			return
		}
	case "R11":
		if len(got) > len(want) && slices.Equal(got[:len(want)], want) {
			c.add("R11", "an entry failed with an error that is not an AuthError, but the walk went on to %s", strings.Join(got[len(want):], ", "))
			return
		}
	}
	if slices.Equal(got, want) {
		return
	}
	if msg := fieldDiffs(resolveEntries(c.got.Calls), resolveEntries(w.ResolveCalls), func(i int) string { return fmt.Sprintf("resolve #%d", i+1) }); msg != "" {
		if w.Request.Pinned && strings.HasPrefix(msg, "resolve #1 ") {
			c.add("R6", "%s (a pin replaces the primary: a pinned provider with its pinned model, a model pinned alone with the configured provider)", msg)
			return
		}
		c.add("R9", "%s (each entry is resolved with its own provider, model and base URL)", msg)
		return
	}
	if n := w.Decision.Attempts(); w.Err == nil && len(want) > n && len(got) >= n && slices.Equal(got[:n], want[:n]) {
		if !c.handedOffOther() {
			c.runtimeWalk(got[n:], want[n:])
		}
		return
	}
	bound := 1 + len(w.Request.Chain)
	if len(got) > bound {
		rule, why := "R9", ""
		if hasRepeat(w.Request) && loopsOnPrimary(got, target(w.ResolveCalls[0])) {
			rule, why = "R12", ": an entry equal to the primary must be resolved once more, never retried in a loop"
		}
		c.add(rule, "%d resolves for a chain of %d (at most %d)%s: %s", len(got), len(w.Request.Chain), bound, why, strings.Join(got, ", "))
		return
	}
	if len(got) > 0 && len(want) > 0 && got[0] == want[0] {
		if c.skipped(got, want) {
			return
		}
	}
	c.add("R9", "resolves in order were [%s]; want [%s]", strings.Join(got, ", "), strings.Join(want, ", "))
}

// skipped reports, citing its rule, a start-up walk that passed over
// exactly one kind of chain entry and was otherwise the chain in order:
// the entries equal to the failed primary (R12: resolved once more, never
// deduplicated), those written as shorthand strings (R2/R3: the v6.6
// failure, an entry dropped without a word), or those without a model
// (R10: resolved, with the primary model). got and want start with the
// same primary resolve.
func (c *checker) skipped(got, want []string) bool {
	w := c.want
	chain := w.Request.Chain
	kinds := []struct {
		rule, what string
		is         func(i int, e resolver.Entry) bool
	}{
		{"R12", "equal to the failed primary (an entry equal to the primary is resolved once more, not skipped or deduplicated)",
			func(_ int, e resolver.Entry) bool { return e == w.Request.Primary }},
		{"R2", "written as shorthand \"provider/model\" strings (R2: a shorthand string is an entry; R3: no entry is dropped without a word; the v6.6 failure)",
			func(i int, _ resolver.Entry) bool { return i < len(w.Shorthand) && w.Shorthand[i] }},
		{"R10", "without a model (an entry without a model is resolved and runs the primary model)",
			func(_ int, e resolver.Entry) bool { return e.Model == "" }},
	}
	walked := got[1:]
	for _, k := range kinds {
		var rest []string // the chain without this kind of entry
		var restAt []int  // each one's chain index
		for i, e := range chain {
			if !k.is(i, e) {
				rest, restAt = append(rest, harness.EntryString(e)), append(restAt, i)
			}
		}
		if len(walked) > len(rest) || !slices.Equal(walked, rest[:len(walked)]) {
			continue
		}
		// The walk passed every entry of this kind before the last one
		// it resolved; all of them when it went to the end of the chain.
		stop := -1
		switch {
		case len(walked) == len(rest):
			stop = len(chain)
		case len(walked) > 0:
			stop = restAt[len(walked)-1]
		}
		var skipped []string
		for i, e := range chain[:max(stop, 0)] {
			if k.is(i, e) {
				skipped = append(skipped, fmt.Sprintf("chain[%d] %s", i, harness.EntryString(e)))
			}
		}
		if len(skipped) == 0 {
			continue
		}
		c.add(k.rule, "the walk skipped exactly the chain entries %s: %s; resolves were [%s], want [%s]",
			k.what, strings.Join(skipped, ", "), strings.Join(got, ", "), strings.Join(want, ", "))
		return true
	}
	return false
}

// loopsOnPrimary reports whether the resolves beyond the chain's bound are
// retries of the primary's entry.
func loopsOnPrimary(got []string, primary string) bool {
	n := 0
	for _, g := range got {
		if g == primary {
			n++
		}
	}
	return n > 2
}

// handedOffOther reports whether the started event hands the runtime
// another remaining chain than the model's: then the runtime walks that
// chain, and the violation is the hand-off's (R14, judged with the event),
// not the walk's.
func (c *checker) handedOffOther() bool {
	started := harness.EventsNamed(c.got.Outcome.Events, harness.EventStarted)
	return len(started) == 1 && !slices.Equal(started[0].RemainingStrings(), harness.ChainStrings(c.want.Decision.Remaining))
}

// runtimeWalk judges the resolves of the runtime walk of R18 (PROTOCOL.md,
// "Runtime hand-off"): after the landed runtime's completion failed, got
// must be want, remaining[0] onwards, each at most once, on any failure
// the next entry. The message says which step went wrong. A walk along a
// wrong remaining chain is R14's (the started event says so); this judges
// the walk itself.
func (c *checker) runtimeWalk(got, want []string) {
	w := c.want
	remaining := harness.ChainStrings(w.Decision.Remaining)
	primary := harness.EntryString(w.Request.Primary)
	before := map[string]bool{}
	for _, e := range w.Request.Chain[:max(w.Decision.Landed+1, 0)] {
		before[harness.EntryString(e)] = true
	}
	seen := map[string]bool{}
	for k, g := range got {
		if k < len(want) && g == want[k] {
			seen[g] = true
			continue
		}
		switch {
		case g == primary && !slices.Contains(remaining[k:], g):
			c.add("R18", "after the landed runtime failed, the runtime resolved the primary %s again; the walk never returns to the dead primary (want remaining[%d] %s)", g, k, orNone(want, k))
		case before[g] && !slices.Contains(remaining[min(k, len(remaining)):], g):
			c.add("R18", "after the landed runtime failed, the runtime went back to %s, an entry before remaining[0]; the walk never returns to an entry before the landed one (want remaining[%d] %s)", g, k, orNone(want, k))
		case seen[g]:
			c.add("R18", "the runtime walk resolved %s more than once; each entry at most once", g)
		case k >= len(want):
			c.add("R18", "the runtime walk went on to %s after remaining[%d] %s answered", g, len(want)-1, want[len(want)-1])
		default:
			c.add("R18", "the runtime walk resolved %s as step %d; want remaining[%d] %s (the remaining chain in order)", g, k+1, k, want[k])
		}
		return
	}
	switch k := len(got); {
	case k == 0:
		c.add("R18", "after the landed runtime's completion failed, the runtime resolved nothing; want remaining[0] %s next", want[0])
	case k < len(want):
		c.add("R18", "the runtime walk stopped after remaining[%d] %s failed; want it to go on to remaining[%d] %s (any failure of an entry moves on)", k-1, got[k-1], k, want[k])
	}
}

func orNone(list []string, i int) string {
	if i < len(list) {
		return list[i]
	}
	return "(none: the walk had ended)"
}

func (c *checker) landed() {
	w, o := c.want, c.got.Outcome
	landing := w.Decision.Landing(w.Request)
	rule := "R9"
	if w.Decision.Landed < 0 {
		rule = "R4"
	}
	switch o.Surface {
	case harness.Gateway:
		if o.Reply == nil {
			c.add("R17", "no gateway reply")
			return
		}
		if !o.Reply.OK {
			c.add(rule, "gateway replied ok=false class=%q %q; want a reply from %s", o.Reply.Class, o.Reply.Reply, landing)
		} else if strings.TrimSpace(o.Reply.Reply) != w.Answer {
			c.add("R14", "gateway reply is %q; want the answer %q", clip(o.Reply.Reply), w.Answer)
		}
	default:
		if o.ExitCode != 0 {
			c.add(rule, "exited %d; want 0, landed on %s", o.ExitCode, landing)
		}
		if o.Surface == harness.Oneshot && strings.TrimSuffix(o.Stdout, "\n") != w.Answer {
			c.add("R14", "stdout must be exactly the answer %q; got %q", w.Answer, clip(o.Stdout))
		}
		if o.Surface == harness.CLI && !strings.Contains(o.Stdout, w.Answer) {
			c.add("R14", "stdout does not show the answer %q", w.Answer)
		}
	}
	started := harness.EventsNamed(o.Events, harness.EventStarted)
	switch {
	case len(started) != 1:
		c.add(rule, "%d started events; want exactly 1", len(started))
	default:
		ev := started[0]
		if ev.Provider != landing.Provider || ev.LandedAt == nil || *ev.LandedAt != w.Decision.Landed {
			c.add(rule, "started on %s at landed_at=%s; want %s at %d", ev.Provider, intPtr(ev.LandedAt), landing.Provider, w.Decision.Landed)
		}
		if ev.Model != w.Decision.Model {
			c.add("R10", "effective model is %q; want %q (%s)", ev.Model, w.Decision.Model, modelReason(w))
		}
		if got, want := ev.RemainingStrings(), harness.ChainStrings(w.Decision.Remaining); !slices.Equal(got, want) {
			if msg := fieldDiffs(eventChain(ev), w.Decision.Remaining, func(i int) string { return fmt.Sprintf("remaining[%d]", i) }); msg != "" {
				c.add("R14", "remaining chain handed to the runtime: %s", msg)
			} else {
				c.add("R14", "remaining chain handed to the runtime is [%s]; want [%s]", strings.Join(got, ", "), strings.Join(want, ", "))
			}
		}
	}
	if n := len(harness.EventsNamed(o.Events, harness.EventFailed)); n > 0 {
		c.add(rule, "%d failed event(s) for a start-up that succeeded", n)
	}
	c.fallbackEvent()
	c.notice()
}

func (c *checker) fallbackEvent() {
	w, o := c.want, c.got.Outcome
	fb := harness.EventsNamed(o.Events, harness.EventFallback)
	if !w.Decision.FellBack() {
		if len(fb) > 0 {
			c.add("R15", "%d fallback event(s) for a start-up that did not fall back", len(fb))
		}
		return
	}
	if len(fb) != 1 {
		c.add("R15", "%d fallback events for a start-up that fell back; want exactly 1", len(fb))
		return
	}
	ev, landing := fb[0], w.Decision.Landing(w.Request)
	wantFrom := harness.EventEntry{Provider: w.Request.Primary.Provider, Model: w.Request.Primary.Model}
	wantTo := harness.EventEntry{Provider: landing.Provider, Model: w.Decision.Model}
	if ev.From == nil || *ev.From != wantFrom || ev.To == nil || *ev.To != wantTo || ev.Index == nil || *ev.Index != w.Decision.Landed || ev.Reason != "auth" {
		got, _ := json.Marshal(ev)
		c.add("R15", "fallback event %s; want from %s/%s to %s/%s, index %d, reason \"auth\"", got,
			wantFrom.Provider, wantFrom.Model, wantTo.Provider, wantTo.Model, w.Decision.Landed)
	}
}

// notice checks the person-visible fallback notice of each surface (R15).
func (c *checker) notice() {
	w, o := c.want, c.got.Outcome
	primary, landing := w.Request.Primary.Provider, w.Decision.Landing(w.Request).Provider
	if !w.Decision.FellBack() {
		if o.Surface == harness.Gateway && o.Reply != nil && o.Reply.Notice != "" {
			c.add("R15", "gateway reply carries the notice %q, but the start-up did not fall back", o.Reply.Notice)
		}
		return
	}
	switch o.Surface {
	case harness.Oneshot:
		if !hasLineWith(o.Stderr, primary, landing) {
			c.add("R15", "no fallback notice on stderr naming both the failed primary %s and the provider now used %s", primary, landing)
		}
	case harness.CLI:
		if !hasLineWith(o.Stdout, primary, landing) {
			c.add("R15", "no visible line naming the failed primary %s and the provider now used %s", primary, landing)
		}
	case harness.Gateway:
		if o.Reply != nil && o.Reply.OK && !(strings.Contains(o.Reply.Notice, primary) && strings.Contains(o.Reply.Notice, landing)) {
			c.add("R15", "gateway notice %q does not name both the failed primary %s and the provider now used %s", o.Reply.Notice, primary, landing)
		}
	}
}

// failed checks a start-up that must fail: the surfaced error verbatim, the
// exit code or reply class, and the surface's message.
func (c *checker) failed() {
	w, o := c.want, c.got.Outcome
	ae, _ := w.Err.(*resolver.AuthError)
	rule := w.Rule
	if len(harness.EventsNamed(o.Events, harness.EventStarted)) > 0 {
		c.add(rule, "the start-up succeeded (started event); want it to fail with %s", describeErr(w.Err))
	}
	if n := len(harness.EventsNamed(o.Events, harness.EventFallback)); n > 0 {
		c.add("R15", "%d fallback event(s) for a start-up that failed", n)
	}
	failed := harness.EventsNamed(o.Events, harness.EventFailed)
	if len(failed) != 1 {
		c.add(rule, "%d failed events; want exactly 1 carrying %s", len(failed), describeErr(w.Err))
	} else if e := failed[0].Error; ae != nil {
		if e.Provider != ae.Provider || e.Code != ae.Code || e.Message != ae.Message {
			c.add(rule, "surfaced %s; want %s verbatim: %q (%s)%s",
				describeEventError(*e), ae.Provider, ae.Message, ae.Code, ruleHint(w))
		}
		if e.ReloginRequired != nil && *e.ReloginRequired != ae.ReloginRequired {
			c.add(rule, "surfaced relogin_required=%t; the provider said %t", *e.ReloginRequired, ae.ReloginRequired)
		}
	} else if e.Type == "auth" {
		c.add(rule, "surfaced an AuthError from %s; want the non-auth error %q", e.Provider, w.Err.Error())
	}
	switch o.Surface {
	case harness.Gateway:
		c.gatewayFailure()
	default:
		if o.ExitCode != w.Exit {
			c.add(exitRule(w), "exited %d; want %d (%s)", o.ExitCode, w.Exit, exitReason(w))
		}
		text, where := o.Stderr, "stderr"
		if o.Surface == harness.CLI {
			text, where = o.Stdout, "stdout"
		}
		if ae != nil && !(strings.Contains(text, ae.Provider) && strings.Contains(text, ae.Message)) {
			c.add(rule, "%s does not name the surfaced error's provider %s and message %q", where, ae.Provider, ae.Message)
		}
		if o.Surface == harness.CLI {
			c.cliHint(ae)
		}
	}
}

func (c *checker) gatewayFailure() {
	r := c.got.Outcome.Reply
	if r == nil {
		c.add("R17", "no gateway reply")
		return
	}
	want := c.want.Class
	if r.OK || r.Class != want {
		c.add(exitRule(c.want), "gateway replied ok=%t class=%q; want ok=false class=%q", r.OK, r.Class, want)
	}
	said := strings.Contains(strings.ToLower(r.Reply), "authentication failed")
	switch {
	case want == "rate_limit" && said:
		c.add("R7", "a rate-limit reply says \"authentication failed\": %q", clip(r.Reply))
	case want == "auth" && !said && !r.OK:
		c.add(c.want.Rule, "an auth-failure reply must say authentication failed: %q", clip(r.Reply))
	}
}

// cliHint checks the re-login hint: only when relogin_required, never for a
// rate limit; and a rate limit shows its retry-after.
func (c *checker) cliHint(ae *resolver.AuthError) {
	o := c.got.Outcome
	hint := hintLine(o.Stdout)
	wantHint := ae != nil && ae.ReloginRequired && !ae.RateLimited()
	switch {
	case wantHint && hint == "":
		c.add(c.want.Rule, "no re-login hint, although %s requires a new login", ae.Provider)
	case !wantHint && hint != "" && ae != nil && ae.RateLimited():
		c.add("R7", "re-login hint %q for a rate limit: re-logging in cannot fix it (no hint for a surfaced rate limit)", hint)
	case !wantHint && hint != "":
		c.add(c.want.Rule, "re-login hint %q, although re-logging in cannot fix this error", hint)
	}
	if ae != nil && ae.RateLimited() && ae.RetryAfter > 0 {
		if secs := strconv.Itoa(int(ae.RetryAfter.Seconds())); !strings.Contains(o.Stdout, secs) {
			c.add("R7", "the rate-limit message does not show the retry-after (%ss)", secs)
		}
	}
}

func hintLine(text string) string {
	for line := range strings.SplitSeq(text, "\n") {
		l := strings.ToLower(line)
		for _, w := range harness.ReloginWords {
			if strings.Contains(l, w) {
				return line
			}
		}
	}
	return ""
}

func hasLineWith(text string, words ...string) bool {
	for line := range strings.SplitSeq(text, "\n") {
		all := true
		for _, w := range words {
			all = all && strings.Contains(line, w)
		}
		if all {
			return true
		}
	}
	return false
}

// Resolves lists the resolve requests among calls, in order, as
// "provider/model" (the bare provider for a request that named no model),
// then " @ URL" for a request that named a base URL: the form scenario
// files use (EntryString).
func Resolves(calls []fakes.Call) []string {
	var out []string
	for _, c := range calls {
		if c.Endpoint == fakes.EndpointResolve {
			out = append(out, target(c))
		}
	}
	return out
}

// resolveEntries returns the entry each resolve request among calls asked
// for (callEntry), in order.
func resolveEntries(calls []fakes.Call) resolver.Chain {
	var out resolver.Chain
	for _, c := range calls {
		if c.Endpoint == fakes.EndpointResolve {
			out = append(out, callEntry(c))
		}
	}
	return out
}

// eventChain returns a started event's remaining chain, base URLs after
// R2's trailing-slash strip.
func eventChain(ev harness.Event) resolver.Chain {
	if ev.Remaining == nil {
		return nil
	}
	out := make(resolver.Chain, len(*ev.Remaining))
	for i, e := range *ev.Remaining {
		e.BaseURL = strings.TrimRight(strings.TrimSpace(e.BaseURL), "/")
		out[i] = e
	}
	return out
}

// fieldDiffs compares two lists of entries of the same length and the same
// providers in the same order, field by field, and says which fields of
// which entries differ: `resolve #2 (openai-codex/gpt-5.5): base_url
// "https://a"; want "https://b"`. It returns "" when the lists differ in
// length or in a provider (an order problem, not a field problem) or not at
// all. label names the i-th entry (0-based).
func fieldDiffs(got, want resolver.Chain, label func(i int) string) string {
	if len(got) != len(want) {
		return ""
	}
	var diffs []string
	for i := range got {
		g, w := got[i], want[i]
		w.BaseURL = strings.TrimRight(w.BaseURL, "/")
		if g.Provider != w.Provider {
			return ""
		}
		var fields []string
		if g.Model != w.Model {
			fields = append(fields, fmt.Sprintf("model %q; want %q", g.Model, w.Model))
		}
		if g.BaseURL != w.BaseURL {
			fields = append(fields, fmt.Sprintf("base_url %q; want %q", g.BaseURL, w.BaseURL))
		}
		if len(fields) > 0 {
			diffs = append(diffs, fmt.Sprintf("%s (%s): %s", label(i), w.Provider, strings.Join(fields, ", ")))
		}
	}
	return strings.Join(diffs, "; ")
}

// callsOtherThan counts calls, on any endpoint, to providers other than p.
func callsOtherThan(calls []fakes.Call, p string) (int, []string) {
	n, who := 0, []string{}
	for _, c := range calls {
		if c.Provider != p {
			n++
			if !slices.Contains(who, c.Provider) {
				who = append(who, c.Provider)
			}
		}
	}
	return n, who
}

func hasRepeat(r resolver.Request) bool {
	for _, e := range r.Chain {
		if e.Provider == r.Primary.Provider {
			return true
		}
	}
	return false
}

func intPtr(p *int) string {
	if p == nil {
		return "(missing)"
	}
	return strconv.Itoa(*p)
}

func modelReason(w harness.Expected) string {
	if l := w.Decision.Landing(w.Request); l.Model != "" {
		return "the landed entry's model"
	}
	return "the landed entry names no model, so the primary's"
}

func describeErr(err error) string {
	if ae, ok := err.(*resolver.AuthError); ok {
		return fmt.Sprintf("%s's error %q (%s)", ae.Provider, ae.Message, ae.Code)
	}
	return fmt.Sprintf("the error %q", err.Error())
}

func ruleHint(w harness.Expected) string {
	switch w.Rule {
	case "R13":
		if w.Request.Profile.SurfacePrimaryWhenAllFail {
			return "; every attempt failed and the profile surfaces the primary's"
		}
		return "; every attempt failed and the last entry attempted is " + w.Decision.Trace[len(w.Decision.Trace)-1].Entry.Provider
	case "R6":
		return "; the start-up was pinned"
	case "R7":
		return "; the primary was rate-limited"
	case "R8":
		return "; the chain is empty"
	}
	return ""
}

func exitRule(w harness.Expected) string {
	if resolver.IsRateLimited(w.Err) {
		return "R7"
	}
	return w.Rule
}

func exitReason(w harness.Expected) string {
	switch resolver.Classify(w.Err) {
	case resolver.ClassRateLimited:
		return "rate-limited: EX_TEMPFAIL so the dispatcher requeues"
	case resolver.ClassAuth:
		return "auth failure surfaced"
	}
	return "start-up failed with an error that is not an AuthError"
}

func clip(s string) string {
	const max = 120
	if len(s) > max {
		return s[:max] + "…"
	}
	return s
}

// target renders a call's provider, requested model and base URL as
// Resolves does.
func target(c fakes.Call) string { return harness.EntryString(callEntry(c)) }

// callEntry is the entry a call asked for: its provider, requested model
// and base URL, after R2's trailing-slash strip.
func callEntry(c fakes.Call) resolver.Entry {
	e := resolver.Entry{Provider: c.Provider}
	if c.Model != nil {
		e.Model = *c.Model
	}
	if c.BaseURL != nil {
		e.BaseURL = strings.TrimRight(strings.TrimSpace(*c.BaseURL), "/")
	}
	return e
}

// describeEventError reads a failed event's error: `xai-oauth's error
// "…" (xai_auth_token_expired)` for an AuthError, `an other error "…"`
// for the rest.
func describeEventError(e harness.EventError) string {
	if e.Type == "auth" {
		return fmt.Sprintf("%s's error %q (%s)", e.Provider, e.Message, e.Code)
	}
	return fmt.Sprintf("a non-auth (%s) error %q", e.Type, e.Message)
}
