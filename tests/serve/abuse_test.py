#!/usr/bin/env python3
"""abuse_test.py KOUAN SRC — `kouan serve` under abuse, on 127.0.0.1 only
(issue 9, item 5).

  1. 1,000 malformed requests, 16 at a time: garbage bytes, broken HTTP,
     oversized headers, bad SPARQL, huge and lying bodies, path traversal,
     updates, LOAD, SERVICE.  None may crash the server, none may be
     answered with a file from outside its page, updates and SERVICE are
     refused (and SERVICE makes no outbound connection: a listener here
     would see it), and the store is unchanged.
  2. 200 slow clients at once that open a connection and dribble a
     request's headers a byte at a time; while they hang on, and after they
     are gone, a normal query is answered within one second, and the server
     cuts each of them off once its request is not whole after 15 s.
Then the server still stops cleanly on SIGTERM (exit 0).

Environment: KOUAN_PLUGIN_PATH; KOUAN_ABUSE_SEED (printed).
"""
import concurrent.futures
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

KOUAN, SRC = sys.argv[1], sys.argv[2]
SEED = int(os.environ.get("KOUAN_ABUSE_SEED", str(int(time.time() * 1000) % 1000000)))
print(f"abuse_test: seed {SEED} (replay with KOUAN_ABUSE_SEED={SEED})", flush=True)
rng = random.Random(SEED)
for v in ("KOUAN_STORE", "KOUAN_ONTOLOGY"):
    os.environ.pop(v, None)
T = tempfile.mkdtemp(prefix="kouan-abuse.")
STORE = f"kouan:{T}/store"
server = None
log = None


def fail(msg):
    print(f"FAIL (seed {SEED}): {msg}", file=sys.stderr, flush=True)
    if log:
        log.flush()
        print("--- server log (tail):\n" + open(log.name, errors="replace").read()[-3000:],
              file=sys.stderr)
    sys.exit(1)


def exchange(raw, timeout=10.0, linger=0.0):
    """Sends raw bytes on a new connection; returns (status or None, reply bytes)."""
    s = socket.create_connection(("127.0.0.1", PORT), timeout=timeout)
    try:
        try:
            s.sendall(raw)
            if linger:
                time.sleep(linger)
            s.shutdown(socket.SHUT_WR)
        except OSError:
            pass                       # the server may hang up on garbage: fine
        data = b""
        try:
            while len(data) < 1 << 20:
                chunk = s.recv(65536)
                if not chunk:
                    break
                data += chunk
        except (ConnectionResetError, socket.timeout):
            pass
    finally:
        s.close()
    m = re.match(rb"HTTP/1\.[01] (\d{3})", data)
    return (int(m.group(1)) if m else None), data


def get(path, headers="", timeout=10.0):
    return exchange(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
                    f"{headers}\r\n".encode(), timeout)


NORMAL = 'SELECT ?l WHERE { ?p a kouan:Port ; rdfs:label ?l . FILTER(?l = "樟木"@zh) }'


def normal_query(limit, when):
    t = time.monotonic()
    status, data = get("/sparql?query=" + urllib.parse.quote(NORMAL), "Accept: text/csv\r\n",
                       timeout=limit + 5)
    took = time.monotonic() - t
    if status != 200 or "樟木".encode() not in data:
        fail(f"{when}: the normal query got {status}: {data[:300]!r}")
    if took > limit:
        fail(f"{when}: the normal query took {took:.2f} s (more than {limit} s)")
    return took


try:
    os.chdir(T)
    subprocess.run([KOUAN, "--store", STORE, "extract", "-q",
                    os.path.join(SRC, "corpus", "000_7180f7658f0f6251.md")], check=True)
    before = subprocess.run([KOUAN, "--store", STORE, "export", "--format", "nquads"],
                            check=True, capture_output=True).stdout
    # a listener standing for "another endpoint": SERVICE must never reach it
    outbound = socket.socket()
    outbound.bind(("127.0.0.1", 0))
    outbound.listen(16)
    outbound.settimeout(0.2)
    OUT = outbound.getsockname()[1]
    reached = []

    def watch():
        while not stop_watch.is_set():
            try:
                c, _ = outbound.accept()
                reached.append(c.recv(200))
                c.close()
            except OSError:
                pass
    stop_watch = threading.Event()
    threading.Thread(target=watch, daemon=True).start()

    log = open(os.path.join(T, "serve.log"), "w+")
    server = subprocess.Popen([KOUAN, "--store", STORE, "serve", "--port", "0",
                               "--timeout", "10", "--max-body", "65536"],
                              stdout=subprocess.DEVNULL, stderr=log)
    PORT = None
    for _ in range(300):
        m = re.search(r"listening on http://127\.0\.0\.1:(\d+)/", open(log.name).read())
        if m:
            PORT = int(m.group(1))
            break
        if server.poll() is not None:
            fail(f"kouan serve exited at start ({server.returncode})")
        time.sleep(0.1)
    if not PORT:
        fail("no 'listening on' line from kouan serve")
    normal_query(1.0, "before the abuse")

    # ---- 1,000 malformed requests ------------------------------------------------
    PAGE = get("/")[1]
    passwd = open("/etc/passwd", "rb").read().split(b"\n")[0]
    traversal = ["/../../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd", "/..%2f..%2fetc%2fpasswd",
                 "/%2e%2e%2f%2e%2e%2fetc%2fpasswd", "//etc/passwd", "/./../etc/passwd",
                 "/kouan.js/../../../../etc/passwd", "/..\\..\\etc\\passwd",
                 "/%252e%252e/etc/passwd", "/index.html%00.js", "/sparql/../../etc/passwd",
                 "/" + "../" * 40 + "etc/passwd", "/web/index.html", "/README.md",
                 "/core/src/serve/server.c", "/proc/self/environ", "file:///etc/passwd",
                 "http://127.0.0.1/../../etc/passwd"]
    updates = ["INSERT DATA { <urn:a> <urn:b> \"c\" }", "DELETE WHERE { ?s ?p ?o }",
               "LOAD <file:///etc/passwd>", "LOAD <http://127.0.0.1:%d/x> INTO GRAPH <urn:g>",
               "CLEAR ALL", "DROP ALL", "PREFIX a: <urn:a#> # c\nload <file:///etc/passwd>",
               "SELECT * WHERE { ?s ?p ?o } LOAD <file:///etc/passwd>"]
    services = ["SELECT * WHERE { SERVICE <http://127.0.0.1:%d/sparql> { ?s ?p ?o } }",
                "select * { service silent <http://127.0.0.1:%d/> {?s ?p ?o} }",
                "ASK { FILTER EXISTS { SERVICE <http://127.0.0.1:%d/> { ?s ?p ?o } } }",
                "SELECT * { ?x a kouan:Port . SERVICE\n<http://localhost:%d/q> { ?x ?p ?o } }"]

    def malformed(i):
        """The i-th malformed request; returns (raw bytes, what is expected)."""
        k = i % 12
        r = random.Random(SEED * 1000 + i)
        if k == 0:                                       # garbage bytes
            return bytes(r.getrandbits(8) for _ in range(r.randint(1, 3000))), "any"
        if k == 1:                                       # broken request lines
            return r.choice([b"GET\r\n\r\n", b"GET /sparql\r\n\r\n", b"FOO / HTTP/1.1\r\n\r\n",
                             b"GET / HTTP/9.9\r\nHost: x\r\n\r\n", b"\r\n\r\n\r\n",
                             b"GET /sparql HTTP/1.1\r\nHost x\r\n\r\n",
                             b"GET / HTTP/1.1\r\nHost: x\r\nBad\x00Header: y\r\n\r\n",
                             b"GET /\x00/ HTTP/1.1\r\nHost: x\r\n\r\n",
                             b"G\xffT / HTTP/1.1\r\n\r\n", b" " * 5000 + b"\r\n\r\n"]), "any"
        if k == 2:                                       # oversized headers
            n = r.choice([300_000, 1_000_000])      # past the 256 kB a connection may use
            return (b"GET /sparql?query=ASK%7B%7D HTTP/1.1\r\nHost: x\r\nX-Big: " +
                    b"a" * n + b"\r\n\r\n"), "error"
        if k == 3:                                       # very many headers
            return (b"GET / HTTP/1.1\r\nHost: x\r\n" +
                    b"".join(b"X-%d: y\r\n" % j for j in range(20000)) + b"\r\n"), "error"
        if k == 4:                                       # bad SPARQL
            q = r.choice(["SELECT ?s WHERE { ?s ?p }", "SELEKT * {}", "{" * 5000,
                          "SELECT * WHERE { " + "OPTIONAL { " * 500, "\x00\x01",
                          "SELECT * WHERE { ?s ?p \"unterminated }", "ASK { ?s ?p ?o } }}}",
                          bytes(r.getrandbits(8) for _ in range(200)).decode("latin-1")])
            return (f"GET /sparql?query={urllib.parse.quote(q)} HTTP/1.1\r\nHost: x\r\n"
                    "Connection: close\r\n\r\n").encode(), "4xx"
        if k == 5:                                       # a huge body, announced
            return (b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: "
                    b"application/sparql-query\r\nContent-Length: 1000000000\r\n\r\n" +
                    b"x" * 200_000), "error"
        if k == 6:                                       # a huge body, chunked
            return (b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/"
                    b"sparql-query\r\nTransfer-Encoding: chunked\r\n\r\n" +
                    b"".join(b"8000\r\n" + b"y" * 0x8000 + b"\r\n" for _ in range(8)) +
                    b"0\r\n\r\n"), "error"
        if k == 7:                                       # lying lengths, bad chunks
            return r.choice([
                b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\nASK{}",
                b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999999999\r\n\r\n",
                b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nASK {}",
                b"POST /sparql HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
                b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 9"
                b"\r\n\r\nASK"]), "any"
        if k == 8:                                       # path traversal
            path = traversal[r.randrange(len(traversal))]
            return (f"GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").encode(), \
                "nofile"
        if k == 9:                                       # updates and LOAD
            u = updates[r.randrange(len(updates))].replace("%d", str(OUT))
            how = r.choice(["query", "update", "body"])
            if how == "body":
                body = u.encode()
                return (b"POST /sparql HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                        b"Content-Type: application/sparql-update\r\nContent-Length: %d\r\n\r\n"
                        % len(body) + body), "refused"
            return (f"GET /sparql?{how}={urllib.parse.quote(u)} HTTP/1.1\r\nHost: x\r\n"
                    "Connection: close\r\n\r\n").encode(), "refused"
        if k == 10:                                      # SERVICE
            q = services[r.randrange(len(services))].replace("%d", str(OUT))
            body = urllib.parse.urlencode({"query": q}).encode()
            return (b"POST /sparql HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: "
                    b"application/x-www-form-urlencoded\r\nContent-Length: %d\r\n\r\n"
                    % len(body) + body), "no-service"
        # k == 11: a valid head with a random method, path and header garbage
        method = r.choice(["GET", "POST", "PUT", "DELETE", "OPTIONS", "TRACE", "CONNECT"])
        path = r.choice(["/sparql", "/evidence?s=%ZZ", "/graph", "/", "/%", "/?" + "a=" * 2000])
        return (f"{method} {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                f"Accept: {'*/' * r.randint(0, 500)}\r\n\r\n").encode(), "any"

    def one(i):
        raw, want = malformed(i)
        status, data = exchange(raw, timeout=20)
        body = data.split(b"\r\n\r\n", 1)[-1]
        if want == "nofile":
            if passwd in data or b"kouan serve" in body or b"#include" in body:
                return f"request {i}: a file from outside the page: {raw[:80]!r}"
            if status not in (400, 404) and not (status == 200 and body == PAGE.split(
                    b"\r\n\r\n", 1)[-1]):
                return f"request {i}: {raw[:80]!r} got {status}, expected 400 or 404"
        elif want == "refused":
            if status not in (400, 403):
                return f"request {i}: {raw[:120]!r} got {status}, expected 403 (or 400)"
        elif want == "no-service":           # refused before any worker runs it
            if status != 403 or b"SERVICE is refused" not in body:
                return f"request {i}: {raw[-120:]!r} got {status} {body[:120]!r}, expected 403 " \
                       "saying SERVICE is refused"
        elif want == "4xx":
            if status is None or not 400 <= status < 500:
                return f"request {i}: bad SPARQL {raw[:80]!r} got {status}, expected 4xx"
        elif want == "error":
            if status is not None and status < 400:
                return f"request {i}: {raw[:80]!r} got {status}, expected an error or a hang-up"
        return None

    t = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(16) as pool:
        problems = [p for p in pool.map(one, range(1000)) if p]
    if server.poll() is not None:
        fail(f"kouan serve died during the malformed requests (exit {server.returncode})")
    if problems:
        fail(f"{len(problems)} of 1000 malformed requests were answered wrongly:\n" +
             "\n".join(problems[:10]))
    if reached:
        fail(f"SERVICE made an outbound request: {reached[0]!r}")
    took = normal_query(1.0, "after 1,000 malformed requests")
    print(f"abuse_test: 1000 malformed requests in {time.monotonic() - t:.1f} s, "
          f"none crashed or misanswered; a normal query then took {took:.3f} s", flush=True)

    # ---- 200 slow clients, dribbling headers -------------------------------------
    slow = []
    opened = time.monotonic()
    for i in range(200):
        s = socket.create_connection(("127.0.0.1", PORT), timeout=5)
        s.sendall(b"GET /sparql?query=ASK%7B%7D HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        slow.append(s)
    stop_dribble = threading.Event()

    def dribble():
        n = 0
        while not stop_dribble.is_set():
            for s in slow:
                try:
                    s.sendall(b"X-Slow-%d: y\r\n" % n if n % 8 == 0 else b"z")
                except OSError:
                    pass                  # a server may drop a slow client: fine
            n += 1
            stop_dribble.wait(0.5)
    dribbler = threading.Thread(target=dribble, daemon=True)
    dribbler.start()
    worst = 0.0
    for _ in range(6):                    # for about six seconds, while they hang on
        time.sleep(1.0)
        worst = max(worst, normal_query(1.0, "while 200 slow clients hang on"))
    # past the server's deadline for a whole request (REQUEST_DEADLINE_S,
    # 15 s, in core/src/serve/server.c) every slow client has been cut off
    time.sleep(max(0.0, opened + 15 + 3 - time.monotonic()))
    stop_dribble.set()
    dribbler.join()
    open_still = 0
    for s in slow:
        s.setblocking(False)
        try:
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break                 # closed by the server
        except BlockingIOError:
            open_still += 1               # still open: nothing to read, no end
        except OSError:
            pass                          # reset by the server
        s.close()
    if open_still:
        fail(f"{open_still} of 200 slow clients were still connected 18 s after they "
             "opened; the server should cut off a request not whole within 15 s")
    if server.poll() is not None:
        fail(f"kouan serve died with the slow clients (exit {server.returncode})")
    time.sleep(0.2)
    after = normal_query(1.0, "after the slow clients left")
    print(f"abuse_test: 200 slow clients, cut off by the server after 15 s; normal "
          f"queries meanwhile took at most {worst:.3f} s, after {after:.3f} s", flush=True)

    now = subprocess.run([KOUAN, "--store", STORE, "export", "--format", "nquads"],
                         check=True, capture_output=True).stdout
    if now != before:
        fail("the store changed")
    server.send_signal(signal.SIGTERM)
    try:
        rc = server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        fail("kouan serve did not stop within 30 s of SIGTERM")
    server = None
    if rc != 0:
        fail(f"kouan serve exited {rc} after SIGTERM")
    stop_watch.set()
    print("abuse_test: ok", flush=True)
finally:
    if server is not None and server.poll() is None:
        server.kill()
        server.wait()
    os.chdir("/")
    shutil.rmtree(T, ignore_errors=True)
