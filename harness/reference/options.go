package reference

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/fallbackgate/fallbackgate/harness"
	"github.com/fallbackgate/fallbackgate/resolver"
)

// This file is the reference implementation of the three surfaces: the
// in-process Surface of the harness and the program behind
// `fallbackgate subject oneshot|gateway|cli`. Every surface makes its start-up
// decision in one place, Options.startUp, which calls resolver.Resolve; the
// surfaces differ only in how they show the result (CONTRACT.md, "What every
// surface must show").

// Options configures the reference surfaces. The zero value is the contract
// as written: profile strict, with the runtime hand-off of the
// runtime-fallback capability. A deliberately broken variant (a mutant) is an
// Options value too, so that it shares every line of code it does not break.
type Options struct {
	// Profile selects deliberate differences from the contract; the zero
	// Profile is resolver.Strict.
	Profile resolver.Profile
	// Decide makes the start-up decision; nil means resolver.Resolve. A
	// mutant wraps it to change the request or the ResolveFunc it passes
	// on, or the decision it returns.
	Decide func(resolver.Request, resolver.ResolveFunc) (resolver.Decision, error)
	// NoRuntimeFallback stops after the landed runtime's first failed
	// completion instead of moving along the remaining chain.
	NoRuntimeFallback bool
	// RequestTimeout bounds each request to a provider (see
	// Providers.Timeout).
	RequestTimeout time.Duration

	// Mutation hooks. Each one breaks a single thing a surface must show,
	// so that a mutant (see Mutants) can be one bug and share every other
	// line with the reference. The zero value of every hook is the
	// contract; no production path sets them.

	// Handoff, when set, replaces the remaining chain of a start-up that
	// landed (R1, R14): it is given the case, the request as read and the
	// decision, and returns the chain the runtime gets.
	Handoff func(c harness.Case, req resolver.Request, dec resolver.Decision) resolver.Chain
	// Walk, when set, replaces resolver.Walk, the runtime walk of R18 along
	// the remaining chain after the landed runtime failed.
	Walk func(req resolver.Request, dec resolver.Decision, run func(i int, e resolver.Entry, model string) error) error
	// DropFallbackEvent leaves out the fallback event of a start-up that
	// landed on a chain entry (R15).
	DropFallbackEvent bool
	// LeakKey writes the landed runtime's API key to the oneshot's and the
	// cli's stderr (R16).
	LeakKey bool
	// ExitCode, when set, maps the error that ended a oneshot or cli run to
	// its exit code instead of the contract's mapping.
	ExitCode func(error) int
	// GatewayDiesOnFailure makes the gateway stop serving, without a reply,
	// when a start-up fails (R17).
	GatewayDiesOnFailure bool
	// GatewayFailureText, when set, words a failed gateway reply instead of
	// the contract's wording.
	GatewayFailureText func(error) string
	// RateLimitOnlyFromPrimary shows a rate limit as one (exit 75, class
	// rate_limit, the retry-after, no hint) only when it is the primary's:
	// the last entry's rate limit under R13 is shown as an auth failure
	// (R7).
	RateLimitOnlyFromPrimary bool
	// OperatorNotice, when set, words the fallback notice of the oneshot's
	// stderr and the gateway's reply instead of FallbackNotice (R15); the
	// cli's line stays FallbackNotice.
	OperatorNotice func(primary, now resolver.Entry) string
	// AcceptRuntimeWithoutKey takes a 200 whose runtime has no api_key for
	// a resolved runtime (PROTOCOL.md: an other error, R5 and R11).
	AcceptRuntimeWithoutKey bool
	// NoReloginHint leaves the cli's re-login hint out even when the
	// surfaced error says relogin_required.
	NoReloginHint bool
	// IgnorePinnedModel resolves a model pinned alone with the configured
	// model instead (R6: a pin replaces the primary).
	IgnorePinnedModel bool
	// GatewayDefaultsPinnedModel makes the gateway take a session override
	// that names a provider without a model as a pin of that provider with
	// the configured model, instead of refusing it as bad usage (R6).
	GatewayDefaultsPinnedModel bool
	// DropShorthandEntries reads the chain as a loader that knows only
	// mappings does: every "provider/model" string is dropped without a
	// word (R2, R3).
	DropShorthandEntries bool
	// EmptyChainHidesFallbackModel reads a present but empty
	// fallback_providers as "no chain at all", dropping the legacy
	// fallback_model that the contract appends to it (R8: the chain is
	// fallback_providers, then fallback_model).
	EmptyChainHidesFallbackModel bool
}

// readConfig is the case's config as the start-up reads it: as written,
// unless a loader mutation drops entries from it.
func (o Options) readConfig(cfg harness.CaseConfig) harness.CaseConfig {
	if o.DropShorthandEntries && len(cfg.FallbackProviders) > 0 {
		kept := []harness.ConfigEntry{}
		for _, e := range cfg.FallbackProviders {
			if !e.Shorthand {
				kept = append(kept, e)
			}
		}
		cfg.FallbackProviders = kept
		if cfg.FallbackModel != nil && cfg.FallbackModel.Shorthand {
			cfg.FallbackModel = nil
		}
	}
	if o.EmptyChainHidesFallbackModel && cfg.FallbackProviders != nil && len(cfg.FallbackProviders) == 0 {
		cfg.FallbackModel = nil
	}
	return cfg
}

// shown is the start-up failure err as a surface shows it (exit code,
// reply class, words): err itself, unless RateLimitOnlyFromPrimary makes a
// rate limit of a chain entry look like an auth failure.
func (o Options) shown(s startup) error {
	var ae *resolver.AuthError
	if o.RateLimitOnlyFromPrimary && errors.As(s.err, &ae) && ae.RateLimited() && ae.Provider != s.req.Primary.Provider {
		shown := *ae
		shown.ReloginRequired = true
		return &shown
	}
	return s.err
}

// operatorNotice is the fallback notice of the oneshot's stderr and the
// gateway's reply.
func (o Options) operatorNotice(primary, now resolver.Entry) string {
	if o.OperatorNotice != nil {
		return o.OperatorNotice(primary, now)
	}
	return FallbackNotice(primary, now)
}

// exitCode maps the error that ended a oneshot or cli run to its exit code:
// the contract's mapping, or the ExitCode hook's.
func (o Options) exitCode(err error) int {
	if o.ExitCode != nil && err != nil {
		return o.ExitCode(err)
	}
	return harness.ExitFor(err)
}

// Env is what a reference surface runs with: the streams of its process, the
// events stream and the HTTP client that reaches the fake providers.
type Env struct {
	// Stdin is read by the cli (the prompt) and the gateway (requests).
	Stdin io.Reader
	// Stdout and Stderr are the process's output; nil discards.
	Stdout, Stderr io.Writer
	// Events receives one JSON event per line; nil discards. Writes are
	// serialized, one whole line per Write.
	Events io.Writer
	// Client sends every request to the fakes; nil means
	// http.DefaultClient.
	Client  *http.Client
	Options Options
}

// startup is the outcome of one start-up.
type startup struct {
	req resolver.Request
	dec resolver.Decision
	// err is nil on success, else the surfaced error, unchanged.
	err error
}

// startRequest reads the chain once (R1) from cfg and applies the pin: a
// non-blank pin.Provider replaces the primary, with pin.Model as its model;
// a non-blank pin.Model alone replaces the primary's model. Either pins the
// start-up (R6). A provider without a model is bad usage.
func startRequest(cfg harness.CaseConfig, pin harness.Args, profile resolver.Profile) (resolver.Request, error) {
	provider, model := strings.TrimSpace(pin.Provider), strings.TrimSpace(pin.Model)
	if provider != "" && model == "" {
		return resolver.Request{}, harness.ErrProviderWithoutModel
	}
	c, err := cfg.Resolved()
	if err != nil {
		return resolver.Request{}, err
	}
	req := resolver.Request{Primary: c.Primary, Chain: c.Chain, Profile: profile}
	if provider != "" {
		req.Primary = resolver.Entry{Provider: provider, Model: model}
	} else if model != "" {
		req.Primary.Model = model
	}
	req.Pinned = provider != "" || model != ""
	return req, nil
}

// landing is the entry the start-up landed on.
func (s startup) landing() resolver.Entry { return s.dec.Landing(s.req) }

// startUp performs one start-up and is the only place where a reference
// surface decides anything. It reads the chain once (R1) from the case's
// config, applies the pin (non-blank pin.Provider replaces the primary
// provider, non-blank pin.Model the model), calls Decide with a ResolveFunc
// that talks to the fakes, and emits the events of R15: a fallback event when
// the start-up landed on a chain entry, then started; or failed. A provider
// pinned without a model fails with ErrProviderWithoutModel before any
// resolve and emits nothing.
func (o Options) startUp(ctx context.Context, c harness.Case, pin harness.Args, p Providers, emit func(harness.Event)) startup {
	fail := func(s startup) startup {
		emit(harness.Event{Event: harness.EventFailed, Error: eventError(s.err)})
		return s
	}
	if c.Protocol != "" {
		if err := harness.CheckProtocol("case", c.Protocol); err != nil {
			return fail(startup{err: &ProviderError{Type: "config", Message: err.Error()}})
		}
	}
	if o.IgnorePinnedModel && strings.TrimSpace(pin.Provider) == "" {
		pin.Model = ""
	}
	req, err := startRequest(o.readConfig(c.Config), pin, o.Profile)
	if errors.Is(err, harness.ErrProviderWithoutModel) {
		return startup{err: err}
	}
	if err != nil {
		msg := strings.ReplaceAll(err.Error(), "\n", "; ")
		return fail(startup{err: &ProviderError{Type: "config", Message: "malformed config: " + msg}})
	}

	decide := o.Decide
	if decide == nil {
		decide = resolver.Resolve
	}
	dec, err := decide(req, func(e resolver.Entry) (resolver.Runtime, error) { return p.Resolve(ctx, e) })
	s := startup{req: req, dec: dec, err: err}
	if err != nil {
		return fail(s)
	}
	to := s.landing()
	if o.Handoff != nil {
		s.dec.Remaining = o.Handoff(c, req, dec)
		dec = s.dec
	}
	if dec.FellBack() && !o.DropFallbackEvent {
		emit(harness.Event{Event: harness.EventFallback,
			From:  &harness.EventEntry{Provider: req.Primary.Provider, Model: req.Primary.Model},
			To:    &harness.EventEntry{Provider: to.Provider, Model: dec.Model},
			Index: ptr(dec.Landed), Reason: "auth"})
	}
	remaining := dec.Remaining.Clone()
	emit(harness.Event{Event: harness.EventStarted, Provider: to.Provider, Model: dec.Model, LandedAt: ptr(dec.Landed), Remaining: &remaining})
	return s
}

// answer sends the prompt to the landed runtime. When that completion fails
// it hands off along the remaining chain, as an agent's runtime loop does
// (PROTOCOL.md, "Runtime hand-off"): a resolve and a completion on
// remaining[0], then remaining[1], and so on. It never goes back to the
// primary or to an entry before the landed one, because it only ever reads
// the remaining chain. note is told about every move; the error is the last
// failure when every runtime failed.
func (o Options) answer(ctx context.Context, s startup, p Providers, prompt string, note func(string)) (string, error) {
	var (
		text string
		at   resolver.Entry // the runtime tried last
		last error          // and how it failed
	)
	walk := o.Walk
	if walk == nil {
		walk = resolver.Walk
	}
	err := walk(s.req, s.dec, func(i int, e resolver.Entry, model string) error {
		rt := s.dec.Runtime
		if i >= 0 {
			if o.NoRuntimeFallback {
				return last
			}
			note(fmt.Sprintf("runtime: %s failed (%v); moving to %s", at, last, e))
			var err error
			if rt, err = p.Resolve(ctx, e); err != nil {
				at, last = resolver.Entry{Provider: e.Provider, Model: model}, err
				return err
			}
		}
		at = resolver.Entry{Provider: e.Provider, Model: model}
		text, last = p.Complete(ctx, rt, model, prompt)
		return last
	})
	return text, err
}

// providers returns the HTTP side for a case: each request bounded by the
// case's request_timeout_ms (PROTOCOL.md), else by Options.RequestTimeout.
func (o Options) providers(client *http.Client, c harness.Case) Providers {
	timeout := o.RequestTimeout
	if t := c.RequestTimeout(); t > 0 {
		timeout = t
	}
	return Providers{Client: client, URLs: c.Providers, Timeout: timeout, AcceptRuntimeWithoutKey: o.AcceptRuntimeWithoutKey}
}

// FallbackNotice is the one line every surface shows when a start-up lands
// on a chain entry: "primary xai-oauth failed; using openai-codex/gpt-5.5".
// It names both providers and never a hint word of the cli's re-login rule.
func FallbackNotice(primary, now resolver.Entry) string {
	return fmt.Sprintf("primary %s failed; using %s", primary.Provider, now)
}

// ReloginHint is the cli's re-login hint for provider; it is shown only for
// an auth failure whose relogin_required is true.
func ReloginHint(provider string) string {
	return fmt.Sprintf("run `fallbackgate login %s` to log in again", provider)
}

// failureLines says in words why a start-up failed, as a person reads it.
// An auth failure says "authentication failed" and, only when
// relogin_required, adds the re-login hint; a rate limit says that the
// provider is rate-limiting and when to retry, and never mentions
// authentication or logging in. withCode adds the AuthError's code (the code
// is left out of what a person reads, since a code may contain the word
// "login").
func failureLines(err error, withCode bool) []string {
	var ae *resolver.AuthError
	if !errors.As(err, &ae) {
		return []string{"error: " + err.Error()}
	}
	code := ""
	if withCode {
		code = fmt.Sprintf(" (%s)", ae.Code)
	}
	if ae.RateLimited() {
		retry := "retry later"
		if ae.RetryAfter > 0 {
			retry = "retry after " + strconv.FormatFloat(ae.RetryAfter.Seconds(), 'f', -1, 64) + "s"
		}
		return []string{fmt.Sprintf("%s is rate-limiting requests: %s%s; %s", ae.Provider, ae.Message, code, retry)}
	}
	lines := []string{fmt.Sprintf("authentication failed for %s: %s%s", ae.Provider, ae.Message, code)}
	if ae.ReloginRequired {
		lines = append(lines, ReloginHint(ae.Provider))
	}
	return lines
}

// eventError is the error of a failed event: every AuthError (a rate limit
// included) as the provider sent it, with type "auth"; any other error with
// its type and message only.
func eventError(err error) *harness.EventError {
	var ae *resolver.AuthError
	if errors.As(err, &ae) {
		return &harness.EventError{Type: "auth", Provider: ae.Provider, Code: ae.Code,
			ReloginRequired: ptr(ae.ReloginRequired), Message: ae.Message}
	}
	var pe *ProviderError
	if errors.As(err, &pe) {
		return &harness.EventError{Type: pe.Type, Message: pe.Error()}
	}
	return &harness.EventError{Type: "other", Message: err.Error()}
}

// RunOneshot runs the oneshot worker surface for c and returns its exit
// code: 0 with exactly the answer on stdout (no newline added), 1 on a
// start-up failure (stderr names the surfaced error's provider and message),
// 75 whenever the surfaced error is rate-limited (the primary's under R7, or
// the last entry's under R13), 2 for a --provider without a --model. The
// fallback notice is one line on stderr.
func RunOneshot(ctx context.Context, c harness.Case, env Env) int {
	stdout, stderr := orDiscard(env.Stdout), orDiscard(env.Stderr)
	say := func(line string) { fmt.Fprintln(stderr, "fallbackgate: "+line) }
	return runProcess(ctx, c, c.Prompt, env, processView{
		usage:    say,
		notice:   say,
		failure:  func(err error) { sayAll(say, failureLines(err, true)) },
		answer:   func(text string) { io.WriteString(stdout, text) },
		progress: say,
		operator: true,
	})
}

// RunCLI runs the interactive CLI surface for c: it reads the prompt from
// env.Stdin to end-of-file (c.Prompt when stdin is empty) and returns the
// exit code, as RunOneshot does. stdout is what a person sees: the fallback
// notice, then the answer; or the failure in words, with the re-login hint
// only when relogin_required. Runtime hand-off notes and bad usage go to
// stderr.
func RunCLI(ctx context.Context, c harness.Case, env Env) int {
	stdout, stderr := orDiscard(env.Stdout), orDiscard(env.Stderr)
	prompt := c.Prompt
	if env.Stdin != nil {
		b, err := io.ReadAll(env.Stdin)
		if err != nil {
			fmt.Fprintf(stderr, "fallbackgate: reading the prompt: %v\n", err)
			return harness.ExitFailure
		}
		if p := strings.TrimSpace(string(b)); p != "" {
			prompt = p
		}
	}
	show := func(line string) { fmt.Fprintln(stdout, line) }
	return runProcess(ctx, c, prompt, env, processView{
		usage:  func(line string) { fmt.Fprintln(stderr, "usage: "+line) },
		notice: show,
		failure: func(err error) {
			lines := failureLines(err, false)
			if env.Options.NoReloginHint {
				lines = slices.DeleteFunc(lines, func(l string) bool { return strings.HasPrefix(l, "run `fallbackgate login") })
			}
			sayAll(show, lines)
		},
		answer:   show,
		progress: func(line string) { fmt.Fprintln(stderr, line) },
	})
}

// processView is how a one-process surface shows each outcome.
type processView struct {
	usage, notice, answer, progress func(string)
	failure                         func(error)
	// operator is set for the oneshot, whose notice an operator reads on
	// stderr; the cli's is a person's line.
	operator bool
}

// runProcess is the life of a oneshot or cli process: start up, show the
// notice, answer, exit.
func runProcess(ctx context.Context, c harness.Case, prompt string, env Env, view processView) int {
	events := newLineWriter(env.Events)
	p := env.Options.providers(env.Client, c)
	s := env.Options.startUp(ctx, c, c.Args, p, func(ev harness.Event) { events.writeJSON(ev) })
	if errors.Is(s.err, harness.ErrProviderWithoutModel) {
		view.usage(s.err.Error())
		return harness.ExitUsage
	}
	if s.err != nil {
		shown := env.Options.shown(s)
		view.failure(shown)
		return env.Options.exitCode(shown)
	}
	if env.Options.LeakKey {
		view.progress("debug: runtime " + s.dec.Runtime.Provider + " key " + s.dec.Runtime.APIKey.Reveal())
	}
	if s.dec.FellBack() {
		now := resolver.Entry{Provider: s.landing().Provider, Model: s.dec.Model}
		if view.operator {
			view.notice(env.Options.operatorNotice(s.req.Primary, now))
		} else {
			view.notice(FallbackNotice(s.req.Primary, now))
		}
	}
	text, err := env.Options.answer(ctx, s, p, prompt, view.progress)
	if err != nil {
		view.failure(err)
		return env.Options.exitCode(err)
	}
	view.answer(text)
	return harness.ExitOK
}

func sayAll(say func(string), lines []string) {
	for _, l := range lines {
		say(l)
	}
}

func orDiscard(w io.Writer) io.Writer {
	if w == nil {
		return io.Discard
	}
	return w
}

func ptr[T any](v T) *T { return &v }

// lineWriter writes whole lines to w, one Write per line, one line at a
// time, so that concurrent sessions never interleave their output.
type lineWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func newLineWriter(w io.Writer) *lineWriter { return &lineWriter{w: orDiscard(w)} }

// writeJSON writes v as one JSON line. Values here marshal without error
// (a Secret marshals as "[redacted]").
func (l *lineWriter) writeJSON(v any) {
	b, err := json.Marshal(v)
	if err != nil {
		b, _ = json.Marshal(map[string]string{"error": err.Error()})
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.w.Write(append(b, '\n'))
}
