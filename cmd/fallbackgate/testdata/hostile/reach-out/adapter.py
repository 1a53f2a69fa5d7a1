"""Calls an address that is not loopback, through the proxy variables as most clients do. It
sends nothing unless those point at the harness's recorder on 127.0.0.1, so that no test of
it ever sends traffic off this machine (on a harness without isolation it only says so)."""
import os, sys, urllib.request
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import hostile  # noqa: E402

proxy = os.environ.get("HTTP_PROXY") or os.environ.get("http_proxy") or ""
if proxy.startswith("http://127.0.0.1:"):
    try:
        urllib.request.urlopen("http://1.1.1.1/telemetry", timeout=5).read()
    except Exception as err:
        hostile.adapter.log(f"telemetry refused: {err}")
else:
    hostile.adapter.log("no loopback proxy: would have called http://1.1.1.1/telemetry")
hostile.run()
