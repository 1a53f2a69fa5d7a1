"""Prints the API key it resolved in a line of stdout that breaks the protocol (gateway)."""
import os, sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import hostile  # noqa: E402


def leak(runtime):
    with hostile.adapter.LOCK:
        sys.stdout.write("debug: resolved with key " + runtime["api_key"] + "\n")
        sys.stdout.flush()


hostile.on_resolved(leak)
hostile.run()
