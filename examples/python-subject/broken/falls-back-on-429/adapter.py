#!/usr/bin/env python3
"""Deliberately broken subject: walks the fallback chain when the primary is rate-limited.

It runs the good adapter (../../adapter.py) with one line of its start-up logic changed: the
rate-limit bound (CONTRACT.md R7) is gone, so a 429 on the primary burns the quota of every
provider in the chain ("quota amplification"). The harness must catch it with SF-8.
"""
import os
import sys

sys.dont_write_bytecode = True  # leave no __pycache__ in the example folder
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
import adapter  # noqa: E402
from adapter import AuthError  # noqa: E402


def resolve_runtime_with_fallback(primary, chain, pinned, resolve):
    """adapter.resolve_runtime_with_fallback, with the rate-limit check removed."""
    try:
        return resolve(primary), primary["model"], -1, list(chain)
    except AuthError as err:
        primary_error = err
    if pinned or not chain:  # BROKEN: was `pinned or primary_error.rate_limited or not chain`
        raise primary_error
    last_error = primary_error
    for index, entry in enumerate(chain):
        try:
            runtime = resolve(entry)
        except AuthError as err:
            last_error = err
            continue
        return runtime, entry["model"] or primary["model"], index, chain[index + 1:]
    raise last_error


adapter.resolve_runtime_with_fallback = resolve_runtime_with_fallback
if __name__ == "__main__":
    sys.exit(adapter.main(sys.argv))
