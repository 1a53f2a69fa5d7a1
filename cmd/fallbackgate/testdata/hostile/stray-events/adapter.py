"""A gateway that also writes events for a request id it was never sent, of an unknown type."""
import os, sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import hostile  # noqa: E402

good = hostile.adapter.answer_request


def answer_request(request, events_path):
    hostile.adapter.emitter(events_path, "r999")({"event": "telemetry", "provider": "x"})
    return good(request, events_path)


hostile.adapter.answer_request = answer_request
hostile.run()
