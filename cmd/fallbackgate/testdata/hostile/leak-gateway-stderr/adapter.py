"""Logs the API key it resolved on the gateway's stderr, and otherwise keeps the contract."""
import os, sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import hostile  # noqa: E402

hostile.on_resolved(lambda runtime: hostile.adapter.log("debug: key " + runtime["api_key"]))
hostile.run()
