"""Keeps the contract, then appends one 15 MB event to its events file."""
import json, os, sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import hostile  # noqa: E402

hostile.record_pid()
code = hostile.adapter.main(sys.argv[:2])
with open(os.environ["FALLBACKGATE_CASE"]) as f:
    events = json.load(f)["events"]
with open(events, "a") as f:
    f.write(json.dumps({"event": "started", "provider": "x", "model": "m" * (15 << 20),
                        "landed_at": -1, "remaining": []}) + "\n")
sys.exit(code)
