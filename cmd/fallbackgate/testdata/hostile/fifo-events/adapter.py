"""Keeps the contract, then turns its events file into a FIFO no one writes to."""
import json, os, sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import hostile  # noqa: E402

hostile.record_pid()
code = hostile.adapter.main(sys.argv[:2])
with open(os.environ["FALLBACKGATE_CASE"]) as f:
    events = json.load(f)["events"]
os.remove(events)
os.mkfifo(events)
sys.exit(code)
