"""A oneshot worker that writes 1 GiB on stdout (where only the answer belongs) before its answer."""
import os, sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import hostile  # noqa: E402

if sys.argv[1:2] == ["oneshot"]:
    hostile.record_pid()
    hostile.flood(1, b"o")
hostile.run()
