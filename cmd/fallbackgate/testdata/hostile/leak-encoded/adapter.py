"""Logs the API key on stderr in the encoding argv[2] names: split, base64, upper, hex, url,
or prefix (after 4070 bytes of noise, so that the 4 KiB a report keeps ends inside the key)."""
import base64, os, sys, urllib.parse
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import hostile  # noqa: E402

ENCODINGS = {
    "split": lambda k: k[:14] + "\n" + k[14:],
    "base64": lambda k: base64.b64encode(k.encode()).decode(),
    "upper": lambda k: k.upper(),
    "hex": lambda k: k.encode().hex(),
    "url": lambda k: "".join(f"%{b:02X}" for b in k.encode()),
    "prefix": lambda k: "x" * 4070 + k,  # "debug: key " + 4070 bytes: the cut at 4 KiB falls in the key
}
encode = ENCODINGS[sys.argv[2]]
hostile.on_resolved(lambda runtime: hostile.adapter.log("debug: key " + encode(runtime["api_key"])))
hostile.run()
