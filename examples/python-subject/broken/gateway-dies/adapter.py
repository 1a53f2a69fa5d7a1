#!/usr/bin/env python3
"""Deliberately broken subject: the gateway process dies when one start-up fails.

It runs the good adapter (../../adapter.py), except that on the gateway a failed start-up
(auth, rate limit or other) ends the whole process with exit code 1 instead of answering that
request and serving the others (CONTRACT.md R17). oneshot and cli are unchanged.
"""
import os
import sys

sys.dont_write_bytecode = True  # leave no __pycache__ in the example folder
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
import adapter  # noqa: E402

good_start_up = adapter.start_up


def start_up_or_die(case, args, emit):
    """adapter.start_up, but a failure kills the process (every thread) at once."""
    try:
        return good_start_up(case, args, emit)
    except (adapter.AuthError, adapter.OtherError) as err:
        adapter.log(f"fatal: start-up failed: {err}")
        os._exit(1)  # BROKEN: the good gateway replies ok=false and keeps serving


if __name__ == "__main__":
    if sys.argv[1:] == ["gateway"]:
        adapter.start_up = start_up_or_die
    sys.exit(adapter.main(sys.argv))
