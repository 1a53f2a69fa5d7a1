"""Logs its whole environment on stderr (free text), and otherwise keeps the contract."""
import os, sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import hostile  # noqa: E402

for k in sorted(os.environ):
    hostile.adapter.log(f"env {k}={os.environ[k]}")
hostile.run()
