"""A oneshot worker that writes 1 GiB on stdout (where only the answer belongs) before its answer."""
import os, sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import hostile  # noqa: E402

if sys.argv[1:2] == ["oneshot"]:
    hostile.record_pid()
    chunk = b"o" * (1 << 20)
    try:
        for _ in range(1024):
            os.write(1, chunk)
    except OSError:
        pass
hostile.run()
