#!/usr/bin/env python3
"""Deliberately broken subject: the adapter crashes before it speaks the protocol.

It imports the worker's own module, which is not installed here, so every surface dies with a
traceback before it writes an event, calls a fake or replies. The harness must report it once as
"could not be started", with the traceback's last line (the error), and exit 3: no contract rule
was judged.
"""
import sys

sys.dont_write_bytecode = True  # leave no __pycache__ in the example folder
import agent_worker_sdk  # noqa: E402,F401  the worker's own package: not installed
