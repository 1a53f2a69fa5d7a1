// Package fakes owns the fake providers of PROTOCOL.md: a [Fleet] of fakes
// that answer POST /p/<provider>/resolve and
// POST /p/<provider>/v1/chat/completions as each provider's fault [Plan]
// says, keep a per-provider OAuth credential driven by an injected [Clock],
// and record every request in a [Ledger], the harness's ground truth for
// "resolved in this order", "never contacted" and "zero requests after a
// 429".
//
// # Serving
//
// [NewFleet] builds a fleet from a [Config]; the caller must call
// [Fleet.Close], which ends hanging requests and waits for every handler.
// The same handlers and ledger serve two ways:
//
//   - in-process: [Fleet.Client] (or [Fleet.Transport], an httpmock
//     MockTransport owned by the fleet, never the global one) with base URLs
//     from [Fleet.BaseURL], "http://fakes.invalid/p/<provider>". A request
//     to an unknown host, provider, path or method fails with an error
//     wrapping [ErrNoFake] that names it. [Fleet.HangCutTransport] serves
//     the same way but fails a hanging request at once, and [Fleet.Do]
//     serves a request without HTTP at all (a harness's own model); both
//     give exactly the answers, errors and ledger records of the client.
//   - loopback: [Fleet.ServeLoopback] listens on 127.0.0.1 (a free port by
//     default) and refuses any non-loopback address with [ErrNotLoopback];
//     [Server.BaseURL] is "http://127.0.0.1:PORT/p/<provider>". A request
//     that reaches no fake gets a 404 and is listed by [Fleet.Err].
//
// A /resolve answer's runtime.base_url is the base URL the request came in
// on, so completions go back to the same fake. Its api_key is a fresh
// secret ("fgk-" and 32 hex digits from Config.Seed); [Fleet.Secrets]
// lists every secret the fleet created so that output can be scanned for
// leaks (R16). No secret appears in the ledger, in errors or in String
// output. A completion answers 200 only to a bearer that the same provider
// issued and that has not expired.
//
// # Faults
//
// A [Fault] is a value: a [Kind] and, for a 429, a Retry-After. The
// credential kinds drive the provider's credential on /resolve: ok logs in
// again when needed and renews an expired access token with the refresh
// token (a new secret); expired, revoked, missing, logged_out, invalid_key
// and unconfigured break it. Answers, with <p> the provider's [CodePrefix]
// (xai, codex, anthropic, ...):
//
//	ok            200 {"runtime": {provider, model, base_url, api_key}}
//	expired       401 <p>_auth_token_expired        relogin_required true
//	revoked       401 <p>_auth_refresh_revoked      relogin_required true (invalid_grant)
//	missing       401 <p>_auth_missing_access_token relogin_required true (the v6.6 case)
//	logged_out    401 <p>_not_logged_in             relogin_required true
//	invalid_key   401 <p>_invalid_api_key           relogin_required false
//	unconfigured  401 <p>_auth_missing              relogin_required false (never configured)
//	401           401 <p>_auth_unauthorized         relogin_required true
//	403           403 <p>_auth_forbidden            relogin_required false
//	429(retry_after=30s)
//	              429 codex_rate_limited relogin_required false, retry_after 30,
//	                  header Retry-After: 30
//	400, 404      {"error": {"type": "config", provider, message}}
//	500, 502, 503 {"error": {"type": "unavailable", provider, message}}
//	malformed     200 without a usable answer: /resolve's runtime has an empty api_key,
//	              the completion has no choices
//	reset         the connection is dropped (TCP RST; ECONNRESET in-process)
//	hang          no answer until the client gives up or the fleet closes
//
// Every AuthError body has type "auth", the provider, the code,
// relogin_required, retry_after (null unless 429) and a message; no message
// contains a re-login hint, which is the subject's job.
//
// # Plan language
//
// A plan is printable text, the same in a scenario file, a rapid generator
// and a report. [Parse] reads it; [Plan.String] prints the canonical form,
// and Parse(p.String()) equals p. Grammar (spaces are free between tokens):
//
//	plan     = section [ ";" section ]
//	section  = [ endpoint ":" ] sequence    an unlabelled section is resolve,
//	                                         and only the first may be unlabelled
//	endpoint = "resolve" | "completions"
//	sequence = step { "->" step }
//	step     = [ count "*" ] fault [ "until" duration ]
//	fault    = "ok" | "expired" | "revoked" | "missing" | "logged_out"
//	         | "invalid_key" | "unconfigured" | "401" | "403"
//	         | "429" [ "(" "retry_after" "=" duration ")" ]
//	         | "400" | "404" | "500" | "502" | "503"
//	         | "malformed" | "reset" | "hang"
//	count    = decimal integer from 1 to 1000000
//	duration = Go duration (time.ParseDuration), positive; whole seconds
//	           for retry_after (default 30s)
//
// Each endpoint walks its own sequence, one step per call. A step serves
// count calls (one without a count); a step with "until" serves calls
// while the fleet's clock is before that offset from fleet start (and at
// most count calls when it also has a count). The last step never ends.
// An endpoint without a section answers ok. Examples:
//
//	2*ok -> missing                  two runtimes, then the v6.6 missing token
//	ok until 30s -> expired          healthy for 30s of fleet time
//	429(retry_after=30s)             rate-limited forever
//	resolve: ok; completions: 500    resolves, but every completion fails
//
// A malformed plan is a [*PlanError] naming the byte offset and what was
// expected, e.g. `plan "2*ok -> " at 8: expected a fault (ok, expired, ...)`.
//
// # Ledger
//
// Each [Call] has a sequence number, provider, endpoint, offset from fleet
// start on the fleet's clock, requested model (nil when none), status,
// [Served], AuthError code and the plan fault that served it. The ledger
// is safe for concurrent use, marshals to JSON and has the queries the
// checker needs: [Ledger.To], [Ledger.Resolves], [Ledger.Since],
// [Ledger.After], [Ledger.Count], [Ledger.Counts] and [Ledger.Await].
//
// # Command
//
// [Serve] runs a plan file (YAML mapping of provider to plan) on loopback
// for a person until its context is cancelled, then prints the ledger;
// the CLI exposes it as "fallbackgate fakes serve --plan FILE".
package fakes
