package fakes

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/jarcoal/httpmock"
)

// ErrClosed is returned for requests that reach a fleet after Close.
var ErrClosed = errors.New("fakes: fleet is closed")

// ErrNoFake is wrapped by the error for a request that reached no fake: an
// unknown provider, path, method or host.
var ErrNoFake = errors.New("fakes: no fake for this request")

// DefaultTokenTTL is how long an issued access token lives when
// Config.TokenTTL is zero.
const DefaultTokenTTL = time.Hour

// Config describes a fleet.
type Config struct {
	// Providers are the fakes to run, in the order Providers lists them.
	Providers []Provider
	// Clock drives token expiry, "until" steps and ledger offsets; nil
	// means the real clock.
	Clock Clock
	// Seed seeds the generator of secrets; equal seeds and equal request
	// orders issue equal secrets.
	Seed int64
	// TokenTTL is the lifetime of an issued access token; zero means
	// DefaultTokenTTL.
	TokenTTL time.Duration
	// Start is the fleet's start on Clock: "until" steps and ledger offsets
	// count from it. The zero value means Clock's now when the fleet is
	// made. A fleet made late on a shared virtual clock (one start-up of
	// an incident replay) gives Start to meet the plans as they stand at
	// that moment.
	Start time.Time
}

// Provider is one fake provider of a fleet.
type Provider struct {
	// Name is the provider slug, e.g. "xai-oauth"; it is the path segment
	// of the base URL.
	Name string
	// Plan is the provider's fault plan; the zero Plan is healthy.
	Plan Plan
	// DefaultModel is echoed by /resolve when the request names no model;
	// empty means DefaultModel(Name).
	DefaultModel string
}

var defaultModels = map[string]string{
	"xai-oauth":    "grok-4.3",
	"openai-codex": "gpt-5.5",
	"anthropic":    "claude-opus-4-7",
}

// DefaultModel returns the model a fake provider answers with when neither
// the request nor the Provider names one: grok-4.3 for xai-oauth, gpt-5.5
// for openai-codex, claude-opus-4-7 for anthropic, else "default-model".
func DefaultModel(provider string) string {
	if m, ok := defaultModels[provider]; ok {
		return m
	}
	return "default-model"
}

var codePrefixes = map[string]string{
	"xai-oauth":    "xai",
	"openai-codex": "codex",
	"anthropic":    "anthropic",
}

// CodePrefix returns the prefix of a provider's AuthError codes: "xai" for
// xai-oauth, "codex" for openai-codex, "anthropic" for anthropic, else the
// name with every character other than a letter or digit replaced by '_'.
func CodePrefix(provider string) string {
	if p, ok := codePrefixes[provider]; ok {
		return p
	}
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
			return r
		}
		return '_'
	}, provider)
}

// provider is the live state of one fake.
type provider struct {
	name, model, prefix string

	mu          sync.Mutex // guards the fields below
	plan        Plan
	resolve     cursor
	completions cursor
	cred        credential
}

// issued is what the fleet remembers about an access token it handed out.
type issued struct {
	provider string
	expires  time.Time
}

// Fleet is a set of fake providers speaking PROTOCOL.md, with one ledger of
// every request. It serves in-process through an httpmock transport
// (Client, Transport, BaseURL), without HTTP (Do) and on loopback
// (ServeLoopback), all with the same handlers and ledger. The caller must
// call Close.
type Fleet struct {
	clock     Clock
	start     time.Time
	ttl       time.Duration
	ledger    *Ledger
	names     []string
	providers map[string]*provider
	mockOnce  sync.Once // makes mock and client on first use
	mock      *httpmock.MockTransport
	client    *http.Client
	done      chan struct{} // closed by Close
	inflight  sync.WaitGroup

	mu      sync.Mutex // guards the fields below
	rng     rand.PCG
	secrets []string
	seen    map[string]bool
	keys    map[string]issued
	strays  []error
	closed  bool
	servers []*Server
}

// NewFleet returns a fleet of the configured providers, whose clock starts
// at Config.Start (now, by default). It rejects a blank, malformed or repeated provider name and an
// invalid plan. The caller must call Close.
func NewFleet(cfg Config) (*Fleet, error) {
	if cfg.Clock == nil {
		cfg.Clock = systemClock{}
	}
	if cfg.TokenTTL <= 0 {
		cfg.TokenTTL = DefaultTokenTTL
	}
	if cfg.Start.IsZero() {
		cfg.Start = cfg.Clock.Now()
	}
	f := &Fleet{
		clock:     cfg.Clock,
		start:     cfg.Start,
		ttl:       cfg.TokenTTL,
		ledger:    newLedger(),
		providers: make(map[string]*provider, len(cfg.Providers)),
		names:     make([]string, 0, len(cfg.Providers)),
		done:      make(chan struct{}),
	}
	f.rng.Seed(uint64(cfg.Seed), 0x9e3779b97f4a7c15)
	for i, p := range cfg.Providers {
		if err := checkName(p.Name); err != nil {
			return nil, fmt.Errorf("fakes: provider %d: %w", i, err)
		}
		if _, dup := f.providers[p.Name]; dup {
			return nil, fmt.Errorf("fakes: provider %q is listed twice", p.Name)
		}
		if err := p.Plan.Validate(); err != nil {
			return nil, fmt.Errorf("fakes: provider %q: plan %q: %w", p.Name, p.Plan, err)
		}
		model := p.DefaultModel
		if model == "" {
			model = DefaultModel(p.Name)
		}
		fp := &provider{name: p.Name, model: model, prefix: CodePrefix(p.Name), plan: p.Plan}
		fp.cred = credential{ttl: f.ttl, mint: f.mint}
		f.providers[p.Name] = fp
		f.names = append(f.names, p.Name)
	}
	return f, nil
}

func checkName(name string) error {
	if name == "" {
		return errors.New("blank name")
	}
	for _, r := range name {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.') {
			return fmt.Errorf("name %q: %q is not allowed (letters, digits, '-', '_', '.')", name, r)
		}
	}
	return nil
}

// Providers returns the provider names in configuration order.
func (f *Fleet) Providers() []string {
	return slices.Clone(f.names)
}

// Ledger returns the fleet's ledger.
func (f *Fleet) Ledger() *Ledger {
	return f.ledger
}

// SetPlan replaces provider's plan and restarts both of its sequences from
// their first step; "until" deadlines still count from fleet start. The
// credential keeps its state.
func (f *Fleet) SetPlan(provider string, p Plan) error {
	fp, ok := f.providers[provider]
	if !ok {
		return fmt.Errorf("fakes: SetPlan: unknown provider %q (have %s)", provider, strings.Join(f.names, ", "))
	}
	if err := p.Validate(); err != nil {
		return fmt.Errorf("fakes: provider %q: plan %q: %w", provider, p, err)
	}
	fp.mu.Lock()
	defer fp.mu.Unlock()
	fp.plan = p
	fp.resolve, fp.completions = cursor{}, cursor{}
	return nil
}

// Secrets returns every secret the fleet has created (access and refresh
// tokens), in order, so that a harness can scan output for leaks (R16).
func (f *Fleet) Secrets() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.secrets)
}

// Err returns an error listing every request that reached no fake (unknown
// provider, path, method or host), or nil.
func (f *Fleet) Err() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	return errors.Join(f.strays...)
}

// Close stops every loopback server, ends every hanging request and waits
// until every handler has returned. Requests after Close fail with
// ErrClosed. Close is idempotent.
func (f *Fleet) Close() error {
	f.mu.Lock()
	if f.closed {
		f.mu.Unlock()
		return nil
	}
	f.closed = true
	close(f.done)
	servers := f.servers
	f.mu.Unlock()
	var errs []error
	for _, s := range servers {
		errs = append(errs, s.Close())
	}
	f.inflight.Wait()
	return errors.Join(errs...)
}

// enter registers a request in flight; false once the fleet is closed.
func (f *Fleet) enter() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed {
		return false
	}
	f.inflight.Add(1)
	return true
}

// mint creates a new secret with the given prefix and records it.
func (f *Fleet) mint(prefix string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	for {
		var b [16]byte
		for i := range b {
			b[i] = byte(f.rng.Uint64() >> 32) // as rand.Rand.Uint32 draws it
		}
		s := prefix + hex.EncodeToString(b[:])
		if f.seen == nil {
			f.seen = map[string]bool{}
		}
		if !f.seen[s] {
			f.seen[s] = true
			f.secrets = append(f.secrets, s)
			return s
		}
	}
}

// stray records and returns an error for a request (method, u) that reached
// no fake.
func (f *Fleet) stray(method string, u *url.URL, format string, args ...any) error {
	err := fmt.Errorf("%w: %s %s: %s", ErrNoFake, method, u.Redacted(), fmt.Sprintf(format, args...))
	f.mu.Lock()
	f.strays = append(f.strays, err)
	f.mu.Unlock()
	return err
}

// answer is what a fake sends back, as values; kind Reset or Hang sends
// nothing. body encodes it as JSON for the paths that speak HTTP.
type answer struct {
	kind       Kind
	status     int
	retryAfter time.Duration
	runtime    *Runtime   // a 200 to /resolve
	text       *string    // a 200 to /v1/chat/completions: the assistant's text
	err        *ErrorBody // an error answer
	raw        []byte     // a body that is not the protocol's shape (malformed)
}

// Runtime is the runtime of a 200 answer to /resolve.
type Runtime struct {
	Provider string `json:"provider"`
	Model    string `json:"model"`
	BaseURL  string `json:"base_url"`
	APIKey   string `json:"api_key"`
}

// ErrorBody is the error object of an error answer: Type "auth" with every
// field for an AuthError (RetryAfter, in seconds, nil unless a 429), and
// Type "config" or "unavailable" with Provider and Message only otherwise.
type ErrorBody struct {
	Type            string
	Provider        string
	Code            string
	ReloginRequired bool
	RetryAfter      *int64
	Message         string
}

// body returns the answer's JSON body, as PROTOCOL.md writes it.
func (a answer) body() []byte {
	var v any
	switch {
	case a.raw != nil:
		return a.raw
	case a.runtime != nil:
		v = struct {
			Runtime *Runtime `json:"runtime"`
		}{a.runtime}
	case a.text != nil:
		type message struct {
			Role    string `json:"role"`
			Content string `json:"content"`
		}
		type choice struct {
			Message message `json:"message"`
		}
		v = struct {
			Choices []choice `json:"choices"`
		}{[]choice{{message{"assistant", *a.text}}}}
	case a.err != nil && a.err.Type == "auth":
		e := a.err
		v = struct {
			Error any `json:"error"`
		}{struct {
			Type            string `json:"type"`
			Provider        string `json:"provider"`
			Code            string `json:"code"`
			ReloginRequired bool   `json:"relogin_required"`
			RetryAfter      *int64 `json:"retry_after"`
			Message         string `json:"message"`
		}{e.Type, e.Provider, e.Code, e.ReloginRequired, e.RetryAfter, e.Message}}
	case a.err != nil:
		v = struct {
			Error any `json:"error"`
		}{struct {
			Message  string `json:"message"`
			Provider string `json:"provider"`
			Type     string `json:"type"`
		}{a.err.Message, a.err.Provider, a.err.Type}}
	default:
		return nil
	}
	b, _ := json.Marshal(v)
	return b
}

// route finds the provider and endpoint of a request (method, u).
func (f *Fleet) route(method string, u *url.URL) (*provider, Endpoint, error) {
	rest, ok := strings.CutPrefix(u.Path, "/p/")
	if !ok {
		return nil, "", f.stray(method, u, "path does not start with /p/<provider>/")
	}
	name, tail, _ := strings.Cut(rest, "/")
	fp, ok := f.providers[name]
	if !ok {
		return nil, "", f.stray(method, u, "unknown provider %q (have %s)", name, strings.Join(f.names, ", "))
	}
	var ep Endpoint
	switch tail {
	case "resolve":
		ep = EndpointResolve
	case "v1/chat/completions":
		ep = EndpointCompletions
	default:
		return nil, "", f.stray(method, u, "provider %q has no endpoint %q (resolve, v1/chat/completions)", name, "/"+tail)
	}
	if method != http.MethodPost {
		return nil, "", f.stray(method, u, "provider %q: %s needs POST", name, ep)
	}
	return fp, ep, nil
}

// request is what a fake reads of a request: the body's model and
// base_url, or why the body could not be read.
type request struct {
	model, baseURL *string
	bad            error
}

// decodeRequest reads a request body.
func decodeRequest(body []byte) request {
	var req struct {
		Model   *string `json:"model"`
		BaseURL *string `json:"base_url"`
	}
	err := json.Unmarshal(body, &req)
	return request{model: req.Model, baseURL: req.BaseURL, bad: err}
}

// serve runs one routed request through its provider's plan, records it
// in the ledger and returns the answer. host is the request's host, for
// the base URL of a runtime; authz its Authorization header. Every path
// in (the in-process transport, Do, Exchange, loopback) serves through
// here.
func (f *Fleet) serve(fp *provider, ep Endpoint, host, authz string, req request) answer {
	base := "http://" + host + "/p/" + fp.name

	fp.mu.Lock()
	defer fp.mu.Unlock()
	now := f.clock.Now()
	at := now.Sub(f.start)
	call := Call{Provider: fp.name, Endpoint: ep, At: at, Model: req.model, BaseURL: req.baseURL}
	var a answer
	if req.bad != nil {
		// A request the protocol cannot read is refused before the plan.
		call.Fault = "-"
		a = fp.nonAuth(BadRequest, fmt.Sprintf("%s: request body is not a JSON object: %v", fp.name, req.bad))
	} else if ep == EndpointResolve {
		fault := fp.resolve.next(fp.plan.Resolve, at)
		call.Fault = fault.String()
		a = f.resolve(fp, fault, now, base, req.model)
	} else {
		fault := fp.completions.next(fp.plan.Completions, at)
		call.Fault = fault.String()
		a = f.complete(fp, fault, now, authz, req.model)
	}
	call.Status = a.status
	call.Served = a.kind.Served()
	if a.kind.Auth() && a.err != nil {
		call.Code = a.err.Code
	}
	f.ledger.record(call)
	return a
}

// handle runs one HTTP request through serve, or returns an error when no
// fake serves it.
func (f *Fleet) handle(r *http.Request) (answer, error) {
	fp, ep, err := f.route(r.Method, r.URL)
	if err != nil {
		return answer{}, err
	}
	var body []byte
	if r.Body != nil {
		body, err = io.ReadAll(io.LimitReader(r.Body, maxBody))
		if err != nil {
			return answer{}, fmt.Errorf("fakes: reading %s request body for %q: %w", ep, fp.name, err)
		}
	}
	host := r.Host
	if host == "" {
		host = r.URL.Host
	}
	return f.serve(fp, ep, host, r.Header.Get("Authorization"), decodeRequest(body)), nil
}

// maxBody is how much of a request body a fake reads.
const maxBody = 1 << 20

// resolve answers /resolve with fault applied to the credential.
func (f *Fleet) resolve(fp *provider, fault Fault, now time.Time, base string, model *string) answer {
	k := fault.Kind
	if k == Malformed {
		// A 200 whose runtime has a base_url but an empty api_key: not a
		// usable runtime (PROTOCOL.md), which a subject must check.
		return answer{kind: Malformed, status: http.StatusOK, runtime: &Runtime{Provider: fp.name, Model: orDefault(model, fp.model), BaseURL: base}}
	}
	if k > Unconfigured {
		return fp.fail(fault, model)
	}
	key, k := fp.cred.apply(k, now)
	if k != OK {
		return fp.fail(Fault{Kind: k}, model)
	}
	f.mu.Lock()
	if f.keys == nil {
		f.keys = map[string]issued{}
	}
	f.keys[key] = issued{provider: fp.name, expires: fp.cred.expires}
	f.mu.Unlock()
	return answer{kind: OK, status: http.StatusOK, runtime: &Runtime{Provider: fp.name, Model: orDefault(model, fp.model), BaseURL: base, APIKey: key}}
}

// complete answers /v1/chat/completions.
func (f *Fleet) complete(fp *provider, fault Fault, now time.Time, authz string, model *string) answer {
	if fault.Kind != OK {
		return fp.fail(fault, model)
	}
	key, ok := strings.CutPrefix(authz, "Bearer ")
	f.mu.Lock()
	iss, known := f.keys[key]
	f.mu.Unlock()
	switch {
	case !ok || key == "":
		return fp.auth(InvalidKey, fp.prefix+"_invalid_api_key", false, 0,
			fmt.Sprintf("%s: request has no Authorization bearer", fp.name))
	case !known || iss.provider != fp.name:
		return fp.auth(InvalidKey, fp.prefix+"_invalid_api_key", false, 0,
			fmt.Sprintf("%s: the bearer was not issued by %s", fp.name, fp.name))
	case !now.Before(iss.expires):
		return fp.auth(Expired, fp.prefix+"_auth_token_expired", true, 0,
			fmt.Sprintf("%s: the access token expired at +%s", fp.name, iss.expires.Sub(f.start)))
	}
	text := Reply(fp.name, orDefault(model, fp.model))
	return answer{kind: OK, status: http.StatusOK, text: &text}
}

// Reply returns the text a fake provider's completion answers with: the
// final answer a subject must print when it lands on provider and model.
func Reply(provider, model string) string {
	return fmt.Sprintf("reply from %s/%s", provider, model)
}

// fail answers with the error of a fault other than OK.
func (fp *provider) fail(fault Fault, model *string) answer {
	n, p := fp.name, fp.prefix
	m := fp.model
	if model != nil && *model != "" {
		m = *model
	}
	switch fault.Kind {
	case Expired:
		return fp.auth(Expired, p+"_auth_token_expired", true, 0,
			fmt.Sprintf("%s: the OAuth access token expired and the refresh token could not renew it", n))
	case Revoked:
		return fp.auth(Revoked, p+"_auth_refresh_revoked", true, 0,
			fmt.Sprintf("%s: the refresh token was revoked (invalid_grant)", n))
	case Missing:
		return fp.auth(Missing, p+"_auth_missing_access_token", true, 0,
			fmt.Sprintf("%s: no access token in the credential store", n))
	case LoggedOut:
		return fp.auth(LoggedOut, p+"_not_logged_in", true, 0,
			fmt.Sprintf("%s: the account is signed out", n))
	case InvalidKey:
		return fp.auth(InvalidKey, p+"_invalid_api_key", false, 0,
			fmt.Sprintf("%s: the API key was rejected", n))
	case Unconfigured:
		return fp.auth(Unconfigured, p+"_auth_missing", false, 0,
			fmt.Sprintf("%s: no credential is configured", n))
	case Unauthorized:
		return fp.auth(Unauthorized, p+"_auth_unauthorized", true, 0,
			fmt.Sprintf("%s: 401 Unauthorized", n))
	case Forbidden:
		return fp.auth(Forbidden, p+"_auth_forbidden", false, 0,
			fmt.Sprintf("%s: this account may not use model %s", n, m))
	case RateLimited:
		return fp.auth(RateLimited, "codex_rate_limited", false, fault.RetryAfter,
			fmt.Sprintf("%s: usage quota exhausted; retry after %s", n, fault.RetryAfter))
	case BadRequest:
		return fp.nonAuth(BadRequest, fmt.Sprintf("%s: 400 bad request: the provider rejected the configuration", n))
	case NotFound:
		return fp.nonAuth(NotFound, fmt.Sprintf("%s: 404 not found: model %s does not exist", n, m))
	case ServerError:
		return fp.nonAuth(ServerError, fmt.Sprintf("%s: 500 internal server error", n))
	case BadGateway:
		return fp.nonAuth(BadGateway, fmt.Sprintf("%s: 502 bad gateway", n))
	case Unavailable:
		return fp.nonAuth(Unavailable, fmt.Sprintf("%s: 503 service unavailable (outage)", n))
	case Malformed:
		return answer{kind: Malformed, status: http.StatusOK, raw: []byte(`{"runtime":[],"choices":"none"}`)}
	case Reset, Hang:
		return answer{kind: fault.Kind}
	}
	return fp.nonAuth(ServerError, fmt.Sprintf("%s: fault %s has no answer", n, fault))
}

// auth answers with an AuthError.
func (fp *provider) auth(k Kind, code string, relogin bool, retryAfter time.Duration, msg string) answer {
	e := &ErrorBody{Type: "auth", Provider: fp.name, Code: code, ReloginRequired: relogin, Message: msg}
	if retryAfter > 0 {
		s := int64(retryAfter / time.Second)
		e.RetryAfter = &s
	}
	return answer{kind: k, status: k.Status(), retryAfter: retryAfter, err: e}
}

// nonAuth answers with a config or unavailable error.
func (fp *provider) nonAuth(k Kind, msg string) answer {
	typ := "unavailable"
	if k == BadRequest || k == NotFound {
		typ = "config"
	}
	return answer{kind: k, status: k.Status(), err: &ErrorBody{Type: typ, Provider: fp.name, Message: msg}}
}

// header returns the answer's headers.
func (a answer) header() http.Header {
	h := http.Header{"Content-Type": {"application/json"}}
	if a.retryAfter > 0 {
		h.Set("Retry-After", fmt.Sprint(int64(a.retryAfter/time.Second)))
	}
	return h
}

// orDefault returns *model, or def when the request named none.
func orDefault(model *string, def string) string {
	if model != nil && *model != "" {
		return *model
	}
	return def
}
