#!/usr/bin/env python3
"""Mock image search engine for the crawl tests; binds 127.0.0.1 only.

    mock_engine.py --port 0 --log requests.jsonl [--results N] [--page-size K]
                   [--latency-ms MS] [--faults]

Prints "PORT=<n>" first. Serves the result formats of three engines over one list of
N results (N can grow while running: GET /control/results?n=M):

  /ddg/?q=Q                                   page with a vqd token
  /ddg/i.js?q=Q&o=json&vqd=T&s=OFFSET         duckduckgo JSON, `next` while more remain
  /openverse/v1/images/?q=Q&page=P&page_size=S
  /wikimedia/w/api.php?...&gsroffset=O&gsrlimit=L
  /broken/...                                 always HTTP 500

Each page repeats the last two results of the page before it (duplicates across pages).
Result i is /img/<i>.jpg, a distinct 128x128 JPEG. With --faults, some results are
fault routes instead: a 404, a 500 that succeeds on retry, a 3-hop redirect chain, a slow
response, HTML served as image/jpeg, a truncated body, and a second URL with the bytes of
result 0. /fault/to-ftp.jpg redirects to ftp:// and /fault/heic.jpg serves HEIC bytes
(routes for URL lists). /fault/503-until-healed/<i>.jpg answers 503 until GET /control/heal,
then image i. --latency-ms delays every response. GET /control/max-active returns
the largest number of image requests that were in progress at once. Every request is logged as a JSON line.
"""
import argparse
import io
import json
import math
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

STATE = {"results": 10, "page_size": 10, "latency": 0.0, "faults": False, "seen": set(), "active": 0,
         "max_active": 0, "healed": False}
LOCK = threading.Lock()
LOG = None
IMAGES = {}
OVERLAP = 2

FAULTS = {
    2: "/fault/404.jpg",
    4: "/fault/500-once/4.jpg",
    6: "/fault/chain/3/6.jpg",
    8: "/fault/slow/8.jpg",
    10: "/fault/html-as-jpeg.jpg",
    12: "/fault/truncated.jpg",
    14: "/img/0.jpg?copy=1",
}
LICENSES = [("by", "4.0"), ("cc0", "1.0"), ("by-nc", "4.0"), ("by-sa", "4.0")]
WIKI_LICENSES = ["CC BY-SA 4.0", "CC0", "CC BY-NC 4.0"]


def image_bytes(i):
    """A distinct JPEG per index (PIL when available, else a minimal JPEG-signed blob)."""
    with LOCK:
        if i in IMAGES:
            return IMAGES[i]
    try:
        from PIL import Image
        picture = Image.new("RGB", (128, 128), ((i * 37) % 256, (i * 71) % 256, (i * 113) % 256))
        picture.putpixel((i % 128, (i // 128) % 128), (255 - (i % 256), 0, 0))
        buffer = io.BytesIO()
        picture.save(buffer, "JPEG", quality=90)
        data = buffer.getvalue()
    except ImportError:
        data = b"\xff\xd8\xff\xe0" + (b"mock image %d " % i) * 200 + b"\xff\xd9"
    with LOCK:
        IMAGES[i] = data
    return data


def result_path(i):
    if STATE["faults"] and i in FAULTS:
        return FAULTS[i]
    return "/img/%d.jpg" % i


def page_range(start, size):
    """Indices of a page starting at `start`, repeating OVERLAP results of the page before."""
    total = STATE["results"]
    return list(range(max(0, start - OVERLAP), min(total, start + size)))


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def _log(self, status):
        if LOG is None:
            return
        record = {"t": round(time.time(), 3), "path": self.path, "status": status, "ua": self.headers.get("User-Agent")}
        with LOCK, open(LOG, "a", encoding="utf-8") as f:
            f.write(json.dumps(record) + "\n")

    def send(self, status, body=b"", ctype="text/plain", extra=None):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        for key, value in (extra or {}).items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        self._log(status)

    def send_json(self, data):
        self.send(200, json.dumps(data).encode(), "application/json")

    def base(self):
        return "http://127.0.0.1:%d" % self.server.server_address[1]

    def do_GET(self):
        url = urlsplit(self.path)
        q = {k: v[0] for k, v in parse_qs(url.query).items()}
        is_image = url.path.startswith("/img/")
        if is_image:  # counts image requests in progress at once (GET /control/max-active)
            with LOCK:
                STATE["active"] += 1
                STATE["max_active"] = max(STATE["max_active"], STATE["active"])
        try:
            if STATE["latency"]:
                time.sleep(STATE["latency"])
            self.route(url.path, q)
        except (BrokenPipeError, ConnectionResetError):
            self._log("client-closed")
        finally:
            if is_image:
                with LOCK:
                    STATE["active"] -= 1

    def route(self, path, q):
        if path == "/control/results":
            STATE["results"] = int(q["n"])
            return self.send(200, b"ok")
        if path.startswith("/broken"):
            return self.send(500, b"engine down")
        if path == "/ddg/":
            return self.send(200, b'<html><script>vqd="4-31337_x";</script></html>', "text/html")
        if path == "/ddg/i.js":
            return self.duckduckgo(q)
        if path == "/openverse/v1/images/":
            return self.openverse(q)
        if path == "/wikimedia/w/api.php":
            return self.wikimedia(q)
        if path == "/control/heal":
            STATE["healed"] = True
            return self.send(200, b"ok")
        if path == "/control/max-active":
            return self.send_json({"max_active": STATE["max_active"]})
        if path.startswith("/img/"):
            return self.send(200, image_bytes(int(path[5:].split(".")[0])), "image/jpeg")
        return self.fault(path)

    def duckduckgo(self, q):
        if q.get("vqd") != "4-31337_x":
            return self.send(403, b"missing token")
        start, size = int(q.get("s", "0")), STATE["page_size"]
        results = [{"image": self.base() + result_path(i), "url": "http://site.invalid/%d" % i,
                    "title": "result %d" % i, "width": 128, "height": 128} for i in page_range(start, size)]
        data = {"results": results}
        if start + size < STATE["results"]:
            data["next"] = "i.js?q=%s&o=json&s=%d&vqd=4-31337_x" % (q.get("q", ""), start + size)
        return self.send_json(data)

    def openverse(self, q):
        page, size = int(q.get("page", "1")), int(q.get("page_size", "20"))
        results = []
        for i in page_range((page - 1) * size, size):
            license, version = LICENSES[i % len(LICENSES)]
            results.append({"url": self.base() + result_path(i), "foreign_landing_url": "http://site.invalid/%d" % i,
                            "creator": "creator %d" % i, "license": license, "license_version": version,
                            "title": "result %d" % i})
        count = STATE["results"]
        return self.send_json({"result_count": count, "page_count": max(1, math.ceil(count / size)),
                               "results": results})

    def wikimedia(self, q):
        start, size = int(q.get("gsroffset", "0")), int(q.get("gsrlimit", "50"))
        pages = {}
        for i in page_range(start, size):
            pages[str(1000 + i)] = {
                "pageid": 1000 + i, "ns": 6, "title": "File:Result %d.jpg" % i, "index": i + 1,
                "imageinfo": [{"url": self.base() + result_path(i), "descriptionurl": "http://site.invalid/%d" % i,
                               "mime": "image/jpeg", "width": 128, "height": 128,
                               "extmetadata": {"LicenseShortName": {"value": WIKI_LICENSES[i % 3]},
                                               "Artist": {"value": "<a href=\"/wiki/User:A%d\">Artist %d</a>" % (i, i)}}}]}
        data = {"batchcomplete": "", "query": {"pages": pages}}
        if start + size < STATE["results"]:
            data["continue"] = {"gsroffset": start + size, "continue": "gsroffset||"}
        return self.send_json(data)

    def fault(self, path):
        if path == "/fault/404.jpg":
            return self.send(404, b"<html>not found</html>", "text/html")
        if path.startswith("/fault/500-once/"):
            with LOCK:
                first = path not in STATE["seen"]
                STATE["seen"].add(path)
            if first:
                return self.send(500, b"try again")
            return self.send(200, image_bytes(int(path.rsplit("/", 1)[1].split(".")[0])), "image/jpeg")
        if path.startswith("/fault/503-until-healed/"):
            if not STATE["healed"]:
                return self.send(503, b"down for maintenance")
            return self.send(200, image_bytes(int(path.rsplit("/", 1)[1].split(".")[0])), "image/jpeg")
        if path.startswith("/fault/chain/"):
            _, _, _, hops, name = path.split("/")
            target = "/img/" + name if int(hops) <= 1 else "/fault/chain/%d/%s" % (int(hops) - 1, name)
            return self.send(302, b"", "text/html", {"Location": target})
        if path.startswith("/fault/slow/"):
            time.sleep(0.3)
            return self.send(200, image_bytes(int(path.rsplit("/", 1)[1].split(".")[0])), "image/jpeg")
        if path == "/fault/to-ftp.jpg":
            return self.send(302, b"", "text/html", {"Location": "ftp://127.0.0.1/picture.jpg"})
        if path == "/fault/heic.jpg":
            heic = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + bytes(2000)
            return self.send(200, heic, "image/jpeg")
        if path == "/fault/html-as-jpeg.jpg":
            return self.send(200, b"<!DOCTYPE html><html><body>gone</body></html>", "image/jpeg")
        if path == "/fault/truncated.jpg":
            data = image_bytes(12)
            self.send_response(200)
            self.send_header("Content-Type", "image/jpeg")
            self.send_header("Content-Length", str(len(data) + 5000))
            self.end_headers()
            self.wfile.write(data)
            self.wfile.flush()
            self._log("200-truncated")
            self.close_connection = True
            return
        return self.send(404, b"no such route")


def main():
    global LOG
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--log", default=None)
    parser.add_argument("--results", type=int, default=10)
    parser.add_argument("--page-size", type=int, default=10, help="duckduckgo page size")
    parser.add_argument("--latency-ms", type=float, default=0)
    parser.add_argument("--faults", action="store_true")
    args = parser.parse_args()
    LOG = args.log
    STATE.update(results=args.results, page_size=args.page_size, latency=args.latency_ms / 1000.0, faults=args.faults)
    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    server.daemon_threads = True
    print("PORT=%d" % server.server_address[1], flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    sys.exit(main())
