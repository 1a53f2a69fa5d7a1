"""Shared by the hostile adapters: the good example adapter, and how each one records what it
started (so that a test can prove nothing is left running) and where the key is."""
import os
import sys

sys.dont_write_bytecode = True  # leave no __pycache__ in the repository
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "..", "..", "examples", "python-subject"))
import adapter  # noqa: E402,F401


def record_pid(pid=None):
    """Appends a pid to FG_PIDFILE (passed through pass_env), so the test can check it is gone."""
    path = os.environ.get("FG_PIDFILE")
    if path:
        with open(path, "a") as f:
            f.write(f"{pid or os.getpid()}\n")


def flood(fd, byte):
    """Writes 1 GiB of byte on fd, a MiB at a time, until it is done or the harness closes the pipe."""
    chunk = byte * (1 << 20)
    try:
        for _ in range(1024):
            os.write(fd, chunk)
    except OSError:
        pass


def on_resolved(hook):
    """Calls hook(runtime) on every runtime the good adapter resolves."""
    good = adapter.resolve_entry

    def resolve_entry(providers, entry):
        runtime = good(providers, entry)
        hook(runtime)
        return runtime
    adapter.resolve_entry = resolve_entry


def run(argv=None):
    record_pid()
    argv = argv or sys.argv
    sys.exit(adapter.main(argv[:2]))
