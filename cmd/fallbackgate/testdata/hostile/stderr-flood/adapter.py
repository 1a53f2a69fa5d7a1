"""A gateway that writes 1 GiB on stderr before its first answer."""
import os, sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import hostile  # noqa: E402

good = hostile.adapter.answer_request
flooded = []


def answer_request(request, events_path):
    if not flooded:
        flooded.append(True)
        hostile.flood(2, b"e")
    return good(request, events_path)


hostile.adapter.answer_request = answer_request
hostile.run()
