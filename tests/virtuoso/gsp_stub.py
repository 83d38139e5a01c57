#!/usr/bin/python3
"""gsp_stub.py — a tiny SPARQL 1.1 Graph Store Protocol server for tests.

    gsp_stub.py LOG PORTFILE [--user U --password P] [--flaky N] [--reject TEXT]

Listens on 127.0.0.1 (a free port, written to PORTFILE), keeps graphs in
memory and appends one JSON line per request to LOG: method, path, the
decoded graph IRI, Content-Type, Authorization, body bytes and triples
(non-blank lines), and the status it answered.  With --user, a request
without the right Basic credentials gets 401 and a Basic challenge.
--flaky N answers 503 to the first N PUTs; --reject TEXT answers 400 with
a message to a PUT whose graph IRI contains TEXT.  --bodies DIR keeps each
accepted body as DIR/<last segment of the graph IRI>.nt.
"""
import argparse
import base64
import json
import os
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

ap = argparse.ArgumentParser()
ap.add_argument("log")
ap.add_argument("portfile")
ap.add_argument("--user")
ap.add_argument("--password")
ap.add_argument("--flaky", type=int, default=0)
ap.add_argument("--reject")
ap.add_argument("--bodies", help="keep each accepted PUT body in this folder")
args = ap.parse_args()

graphs = {}
lock = threading.Lock()
state = {"flaky": args.flaky}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def record(self, status, body=b""):
        q = parse_qs(urlsplit(self.path).query)
        entry = {
            "method": self.command,
            "path": self.path,
            "graph": q.get("graph", [None])[0],
            "content_type": self.headers.get("Content-Type"),
            "authorization": self.headers.get("Authorization"),
            "bytes": len(body),
            "triples": sum(1 for l in body.decode("utf-8").splitlines() if l.strip()),
            "status": status,
        }
        with lock, open(args.log, "a") as f:
            f.write(json.dumps(entry, ensure_ascii=False) + "\n")

    def answer(self, status, text="", extra=None):
        data = text.encode("utf-8")
        self.send_response(status)
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def authorised(self):
        if not args.user:
            return True
        want = "Basic " + base64.b64encode(
            f"{args.user}:{args.password}".encode()).decode()
        return self.headers.get("Authorization") == want

    def body(self):
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else b""

    def do_PUT(self):
        body = self.body()
        graph = parse_qs(urlsplit(self.path).query).get("graph", [None])[0]
        if not self.authorised():
            self.record(401, body)
            return self.answer(401, "who are you?",
                               {"WWW-Authenticate": 'Basic realm="stub"'})
        if state["flaky"] > 0:
            state["flaky"] -= 1
            self.record(503, body)
            return self.answer(503, "busy, try later")
        if args.reject and graph and args.reject in graph:
            self.record(400, body)
            return self.answer(400, "Bad request: syntax error at line 1 of the body")
        with lock:
            created = graph not in graphs
            graphs[graph] = body
            if args.bodies:
                name = graph.rsplit("/", 1)[-1] + ".nt"
                with open(os.path.join(args.bodies, name), "wb") as f:
                    f.write(body)
        self.record(201 if created else 204, body)
        self.answer(201 if created else 204)

    def do_DELETE(self):
        graph = parse_qs(urlsplit(self.path).query).get("graph", [None])[0]
        if not self.authorised():
            self.record(401)
            return self.answer(401, "who are you?",
                               {"WWW-Authenticate": 'Basic realm="stub"'})
        with lock:
            found = graphs.pop(graph, None) is not None
        self.record(204 if found else 404)
        self.answer(204 if found else 404, "" if found else "no such graph")


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
with open(args.portfile + ".tmp", "w") as f:
    f.write(str(server.server_address[1]))
os.rename(args.portfile + ".tmp", args.portfile)
try:
    server.serve_forever()
except KeyboardInterrupt:
    pass
