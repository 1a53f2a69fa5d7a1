"""Starts a setsid child, says it is ready on the FIFO FG_READY, then never finishes (oneshot)
or never answers (gateway): only the harness's own way out can end it."""
import os, subprocess, sys, time
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import hostile  # noqa: E402

hostile.record_pid()
child = subprocess.Popen(["sleep", "300"], start_new_session=True,
                         stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
hostile.record_pid(child.pid)
ready = os.environ.get("FG_READY")
if ready:
    with open(ready, "w") as f:  # blocks until the test reads: no sleep to synchronise
        f.write("ready\n")
while True:
    time.sleep(3600)
