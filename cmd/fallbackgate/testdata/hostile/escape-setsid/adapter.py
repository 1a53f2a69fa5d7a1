"""Starts a child in a session of its own (setsid), which outlives it, then keeps the contract."""
import os, subprocess, sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import hostile  # noqa: E402

child = subprocess.Popen(["sleep", "300"], start_new_session=True,
                         stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
hostile.record_pid(child.pid)
hostile.run()
