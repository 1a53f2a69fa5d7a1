#!/usr/bin/env python3
"""A worked example of a fallbackgate subject (PROTOCOL.md, fallbackgate/1).

A toy agent worker that obeys the startup fallback contract (CONTRACT.md, profile `strict`,
capability `runtime-fallback`), on all three surfaces:

    python3 adapter.py oneshot   # one job: case from $FALLBACKGATE_CASE, answer on stdout
    python3 adapter.py cli       # one session: prompt on stdin, a person reads stdout
    python3 adapter.py gateway   # long-lived: one JSON request per stdin line, one reply line each

To adapt it to your framework, replace `resolve_entry` (credential resolution) and `complete`
(one agent turn) with calls into your own code. Keep `resolve_runtime_with_fallback` as it is:
that function is the contract (R4-R14). Standard library only, Python 3.9+.
"""
import json
import math
import os
import sys
import threading
import urllib.error
import urllib.request

PROTOCOL = "fallbackgate/1"
TIMEOUT = 30.0  # seconds per HTTP request when the case names no request_timeout_ms
CASE = threading.local()  # the case being served on this thread: its request timeout
EX_USAGE, EX_TEMPFAIL = 2, 75  # bad usage; rate-limited: the dispatcher requeues the job
LOCK = threading.Lock()  # one line at a time on stdout, stderr and the events file
# Reach the fakes directly: an http_proxy in the environment must not intercept loopback.
OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


class AuthError(Exception):
    """A provider rejected the credentials: expired, revoked, missing, logged out, rate-limited."""

    def __init__(self, provider, code, relogin_required, retry_after, message):
        super().__init__(f"{provider}: {message} ({code})")
        self.provider, self.code, self.message = provider, code, message
        self.relogin_required, self.retry_after = relogin_required, retry_after

    @property
    def rate_limited(self):
        # A 429 or quota wall: logging in again cannot fix it.
        return self.code == "codex_rate_limited" and not self.relogin_required


class OtherError(Exception):
    """Any failure that is not an AuthError. It is never a reason to fall back (R5, R11)."""

    def __init__(self, message, kind="other"):  # kind: "other", "config" or "unavailable"
        super().__init__(message)
        self.message, self.kind = message, kind


class UsageError(Exception):
    """Bad usage: exit 2 before anything is resolved."""


# --- Configuration (R1-R3) -------------------------------------------------------------------

def parse_entry(raw, where):
    """Returns a chain entry {provider, model, base_url} from a mapping or "provider/model"."""
    if isinstance(raw, str):
        provider, _, model = raw.partition("/")  # split at the first "/": models may have one
        raw = {"provider": provider, "model": model}
    if not isinstance(raw, dict):
        raise OtherError(f'{where}: must be a mapping or a "provider/model" string', "config")
    for key in ("provider", "model", "base_url"):
        if raw.get(key) is not None and not isinstance(raw[key], str):
            raise OtherError(f"{where}.{key}: must be a string", "config")
    entry = {"provider": (raw.get("provider") or "").strip(),
             "model": (raw.get("model") or "").strip(),
             "base_url": (raw.get("base_url") or "").strip().rstrip("/")}
    if not entry["provider"]:  # never drop a malformed entry silently (R3)
        raise OtherError(f"{where}.provider: missing or blank", "config")
    return entry


def load_config(config, args):
    """Reads the primary and the chain once for this start-up (R1) and applies a pin.

    Returns (primary, chain, pinned). A non-blank args provider or model pins the start-up and
    replaces the primary's provider or model (R6); environment and config never pin.
    """
    pin_provider = (args.get("provider") or "").strip()
    pin_model = (args.get("model") or "").strip()
    if pin_provider and not pin_model:  # a pinned provider comes with a pinned model (R6)
        raise UsageError("--provider needs --model")
    if not isinstance(config, dict):
        raise OtherError("config: must be a mapping", "config")
    model = config.get("model")
    if isinstance(model, dict):  # model: {provider, default, base_url}
        model = {"provider": model.get("provider"), "model": model.get("default"),
                 "base_url": model.get("base_url")}
    primary = parse_entry(model, "model")
    raw_chain = config.get("fallback_providers") or []
    if not isinstance(raw_chain, list):
        raise OtherError("fallback_providers: must be a list", "config")
    chain = [parse_entry(raw, f"fallback_providers[{i}]") for i, raw in enumerate(raw_chain)]
    if config.get("fallback_model") is not None:  # the legacy single fallback goes last
        chain.append(parse_entry(config["fallback_model"], "fallback_model"))
    if pin_provider:  # the pin replaces the primary: its provider, its model, no configured URL
        primary = {"provider": pin_provider, "model": pin_model, "base_url": ""}
    elif pin_model:  # a model pinned alone keeps the configured provider
        primary["model"] = pin_model
    return primary, chain, bool(pin_provider or pin_model)


def request_timeout(case):
    """The case's request_timeout_ms in seconds: past it a request to a fake is given up."""
    ms = case.get("request_timeout_ms")
    if isinstance(ms, (int, float)) and not isinstance(ms, bool) and ms > 0:
        return ms / 1000.0
    return TIMEOUT


# --- Talking to providers (replace these two functions with your framework's code) -----------

def post_json(url, body, api_key=None):
    """POSTs JSON and returns (status, headers, decoded body or None).

    Raises OtherError when no HTTP answer came (refused, reset, timed out).
    """
    headers = {"Content-Type": "application/json"}
    if api_key:
        headers["Authorization"] = "Bearer " + api_key  # the key goes here and nowhere else (R16)
    request = urllib.request.Request(url, json.dumps(body).encode(), headers, method="POST")
    try:
        try:
            with OPENER.open(request, timeout=getattr(CASE, "timeout", TIMEOUT)) as resp:
                status, resp_headers, data = resp.status, resp.headers, resp.read()
        except urllib.error.HTTPError as err:  # a 4xx/5xx answer still has a JSON body
            status, resp_headers, data = err.code, err.headers, err.read()
    except Exception as err:  # URLError, no answer in time, reset, truncated answer: no usable answer
        raise OtherError(f"no answer from {url}: {err.__class__.__name__}: {err}", "unavailable")
    try:
        return status, resp_headers, json.loads(data)
    except ValueError:
        return status, resp_headers, None


def resolve_entry(providers, entry):
    """Resolves an entry into a runtime {provider, model, base_url, api_key} via POST /resolve.

    Raises AuthError (401/403/429 with an "auth" error, fields verbatim) or OtherError.
    """
    provider = entry["provider"]
    base = providers.get(provider)
    if not base:
        raise OtherError(f"{provider}: unknown provider", "config")
    status, headers, body = post_json(base.rstrip("/") + "/resolve",
                                      {"model": entry["model"] or None,
                                       "base_url": entry["base_url"] or None})
    error = body.get("error") if isinstance(body, dict) else None
    if status == 200 and isinstance(body, dict) and isinstance(body.get("runtime"), dict):
        runtime = body["runtime"]
        if all(isinstance(runtime.get(k), str) and runtime[k] for k in ("base_url", "api_key")):
            return runtime  # a 200 without both is an other error, like any malformed answer
    elif status in (401, 403, 429) and isinstance(error, dict) and error.get("type") == "auth":
        retry_after = error.get("retry_after")
        if retry_after is None:
            retry_after = headers.get("Retry-After")
        raise AuthError(error.get("provider") or provider, error.get("code") or "",
                        error.get("relogin_required") is True, retry_after,
                        error.get("message") or "")
    elif isinstance(error, dict) and isinstance(error.get("message"), str):
        kind = error.get("type") if error.get("type") in ("config", "unavailable") else "other"
        raise OtherError(f"{provider}: {error['message']}", kind)
    raise OtherError(f"{provider}: unexpected answer to /resolve (HTTP {status})")


def complete(runtime, model, prompt):
    """Runs one turn on a resolved runtime (an OpenAI-style chat completion); returns the text."""
    status, _, body = post_json(runtime["base_url"].rstrip("/") + "/v1/chat/completions",
                                {"model": model, "messages": [{"role": "user", "content": prompt}]},
                                api_key=runtime["api_key"])
    try:
        text = body["choices"][0]["message"]["content"]
        if status == 200 and isinstance(text, str):
            return text
    except (KeyError, IndexError, TypeError):
        pass
    raise OtherError(f"{runtime.get('provider')}: chat completion failed (HTTP {status})")


# --- The contract ------------------------------------------------------------------------------

def resolve_runtime_with_fallback(primary, chain, pinned, resolve):
    """Resolves the start-up runtime, walking the fallback chain on an auth failure (R4-R14).

    Mirrors `_resolve_runtime_with_fallback` of PR #9. `chain` is the list read once for this
    start-up (R1); `resolve(entry)` returns a runtime or raises AuthError or another error.
    Returns (runtime, effective_model, landed_index, remaining_chain); landed_index is -1 when
    the primary resolved. Raises the error to surface when the start-up fails.
    """
    try:
        return resolve(primary), primary["model"], -1, list(chain)  # R4: whole chain handed on
    except AuthError as err:  # R5: any other error propagates unchanged, nothing else resolved
        primary_error = err
    # The three safety bounds: an explicit pin must not silently downgrade (R6); walking past a
    # rate limit would burn every other provider's quota in milliseconds (R7); no chain (R8).
    if pinned or primary_error.rate_limited or not chain:
        raise primary_error
    last_error = primary_error
    for index, entry in enumerate(chain):  # R9: in order, each once, repeats included (R12)
        try:
            runtime = resolve(entry)
        except AuthError as err:  # R11: an AuthError moves on; any other error propagates
            last_error = err
            continue
        model = entry["model"] or primary["model"]  # R10: provider and model switch together
        return runtime, model, index, chain[index + 1:]  # R14: only the entries after it
    raise last_error  # R13: the last entry's error, the one the operator must fix


# --- What every surface shares -----------------------------------------------------------------

def log(line):
    """Writes one line to stderr."""
    with LOCK:
        print(line, file=sys.stderr, flush=True)


def emitter(path, request_id=None):
    """Returns emit(event), which appends one JSON line to the events file at path."""
    def emit(event):
        if request_id is not None:
            event = dict(event, id=request_id)
        if path:
            with LOCK, open(path, "a", encoding="utf-8") as events:
                events.write(json.dumps(event) + "\n")
    return emit


def start_up(case, args, emit):
    """Runs one start-up and emits its events.

    Returns (runtime, model, remaining, notice, primary_model); the runtime loop needs the
    primary model for a remaining entry without one (R10).
    """
    providers = case.get("providers") or {}
    try:
        primary, chain, pinned = load_config(case.get("config"), args)
        runtime, model, landed, remaining = resolve_runtime_with_fallback(
            primary, chain, pinned, lambda entry: resolve_entry(providers, entry))
    except (AuthError, OtherError) as err:
        if isinstance(err, AuthError):
            error = {"type": "auth", "provider": err.provider, "code": err.code,
                     "relogin_required": err.relogin_required, "message": err.message}
        else:
            error = {"type": err.kind, "message": err.message}
        emit({"event": "failed", "error": error})
        raise
    landing, notice = primary, None
    if landed >= 0:  # loud fallback (R15): one event, one notice
        landing = chain[landed]
        notice = f"primary {primary['provider']} failed; using {landing['provider']}/{model}"
        emit({"event": "fallback", "index": landed, "reason": "auth",
              "from": {"provider": primary["provider"], "model": primary["model"]},
              "to": {"provider": landing["provider"], "model": model}})
    emit({"event": "started", "provider": landing["provider"], "model": model, "landed_at": landed,
          "remaining": [{k: v for k, v in e.items() if v} for e in remaining]})
    return runtime, model, remaining, notice, primary["model"]


def run_turn(providers, runtime, model, remaining, prompt, primary_model):
    """Answers the prompt; the agent's runtime fallback loop (capability runtime-fallback).

    When a completion fails, moves on through the remaining chain only: never back to the
    primary or to an entry before the landed one (R14).
    """
    try:
        return complete(runtime, model, prompt)
    except (AuthError, OtherError) as err:
        last_error = err
    for entry in remaining:
        log(f"runtime fallback: {last_error}; trying {entry['provider']}")
        try:
            next_model = entry["model"] or primary_model  # R10, as at start-up
            return complete(resolve_entry(providers, entry), next_model, prompt)
        except (AuthError, OtherError) as err:
            last_error = err
    raise OtherError(f"the model call failed: {last_error}")


def failure_lines(err):
    """What a person is told when a start-up fails.

    Only an auth failure with relogin_required gets the re-login hint; no other line may say
    "log in", "login" or "re-authenticate", so the error code is not shown here.
    """
    if isinstance(err, AuthError) and err.rate_limited:
        try:
            wait = f"retry after {math.ceil(float(str(err.retry_after).rstrip('s')))} seconds"
        except (ValueError, OverflowError):
            wait = "retry later"
        return [f"{err.provider} is rate-limiting requests: {err.message} ({wait})"]
    if isinstance(err, AuthError):
        lines = [f"authentication failed for {err.provider}: {err.message}"]
        if err.relogin_required:
            lines.append(f"hint: log in to {err.provider} again, then retry")
        return lines
    return [f"error: {err.message}"]


def exit_code(err):
    """75 for a rate limit (the dispatcher requeues), 1 for any other failure."""
    return EX_TEMPFAIL if isinstance(err, AuthError) and err.rate_limited else 1


def read_case():
    """Reads the case named by $FALLBACKGATE_CASE; returns (case, args, emit)."""
    path = os.environ.get("FALLBACKGATE_CASE")
    if not path:
        raise UsageError("FALLBACKGATE_CASE is not set")
    try:
        with open(path, encoding="utf-8") as f:
            case = json.load(f)
    except (OSError, ValueError) as err:
        raise UsageError(f"cannot read the case file: {err}")
    if not isinstance(case, dict) or case.get("protocol", PROTOCOL) != PROTOCOL:
        raise UsageError(f"{path}: not a {PROTOCOL} case")
    args = case.get("args") or {}
    CASE.timeout = request_timeout(case)
    return case, args, emitter(case.get("events") or os.environ.get("FALLBACKGATE_EVENTS"))


# --- The three surfaces ------------------------------------------------------------------------

def oneshot():
    """One job: stdout is exactly the answer; notices and errors go to stderr."""
    case, args, emit = read_case()
    try:
        runtime, model, remaining, notice, primary_model = start_up(case, args, emit)
    except (AuthError, OtherError) as err:
        for line in failure_lines(err):
            log(line)
        return exit_code(err)
    if notice:
        log(notice)
    try:
        answer = run_turn(case.get("providers") or {}, runtime, model, remaining, case.get("prompt", ""), primary_model)
    except OtherError as err:
        log(f"error: {err.message}")
        return 1
    sys.stdout.write(answer)
    return 0


def cli():
    """One interactive session: the prompt comes on stdin; a person reads stdout."""
    case, args, emit = read_case()
    prompt = sys.stdin.read().strip() or case.get("prompt", "")
    try:
        runtime, model, remaining, notice, primary_model = start_up(case, args, emit)
    except (AuthError, OtherError) as err:
        print("\n".join(failure_lines(err)), flush=True)
        return exit_code(err)
    if notice:
        print(notice, flush=True)
    try:
        print(run_turn(case.get("providers") or {}, runtime, model, remaining, prompt, primary_model))
    except OtherError as err:
        print(f"error: {err.message}")
        return 1
    return 0


def answer_request(request, events_path):
    """Handles one gateway request; returns the reply's fields after id and session."""
    case = request.get("case") or {}
    CASE.timeout = request_timeout(case)
    emit = emitter(events_path, request.get("id"))
    try:
        runtime, model, remaining, notice, primary_model = start_up(case, request.get("override") or {}, emit)
        answer = run_turn(case.get("providers") or {}, runtime, model, remaining, case.get("prompt", ""), primary_model)
    except UsageError as err:  # bad usage (R6): a failed reply of class other, before any resolve
        return {"ok": False, "class": "other", "reply": f"bad usage: {err}"}
    except (AuthError, OtherError) as err:
        kind = "other"
        if isinstance(err, AuthError):
            kind = "rate_limit" if err.rate_limited else "auth"
        return {"ok": False, "class": kind, "reply": "; ".join(failure_lines(err))}
    return dict({"ok": True, "reply": answer}, **({"notice": notice} if notice else {}))


def serve(line, events_path):
    """Writes exactly one reply line for one request line; never raises."""
    request_id = session = None
    try:
        request = json.loads(line)
        request_id, session = request.get("id"), request.get("session")
        reply = answer_request(request, events_path)
    except Exception as err:  # a bad line or a bug here: answer it and keep serving (R17)
        reply = {"ok": False, "class": "other", "reply": f"bad request: {err.__class__.__name__}: {err}"}
    with LOCK:
        sys.stdout.write(json.dumps(dict({"id": request_id, "session": session}, **reply)) + "\n")
        sys.stdout.flush()


def gateway():
    """Serves requests, each on its own thread, until stdin closes; then answers the rest, exit 0."""
    events_path = os.environ.get("FALLBACKGATE_EVENTS")
    threads = []
    for line in sys.stdin:
        if line.strip():
            threads.append(threading.Thread(target=serve, args=(line, events_path)))
            threads[-1].start()
    for thread in threads:
        thread.join()
    return 0


def main(argv):
    """Runs the surface named by argv[1] and returns the exit code."""
    surfaces = {"oneshot": oneshot, "cli": cli, "gateway": gateway}
    for stream in (sys.stdout, sys.stderr):
        stream.reconfigure(encoding="utf-8")
    if len(argv) != 2 or argv[1] not in surfaces:
        log("usage: adapter.py oneshot|cli|gateway")
        return EX_USAGE
    try:
        return surfaces[argv[1]]()
    except UsageError as err:
        log(f"usage: {err}")
        return EX_USAGE
    except Exception as err:  # a bug in this adapter: one line, never a traceback (R17)
        log(f"internal error: {err.__class__.__name__}: {err}")
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
