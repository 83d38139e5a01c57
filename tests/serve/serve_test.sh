#!/bin/bash
# serve_test.sh CASE — `kouan serve` over the seed chapter, as clients use
# it: curl by the SPARQL 1.1 Protocol, SPARQLWrapper, raw sockets that hang
# up, many clients at once.
#
# Environment (set by tests/serve/CMakeLists.txt):
#   KOUAN              the kouan binary
#   KOUAN_PLUGIN_PATH  the build's plugin folder
#   SRC                the source tree (corpus/)
#
# Every case extracts the seed into a fresh store in a temporary folder,
# starts the server on a free port (--port 0; the start line names it) and
# stops it with SIGTERM on exit.
set -euo pipefail

CASE=${1:?usage: serve_test.sh CASE}
: "${KOUAN:?set KOUAN to the kouan binary}"
: "${SRC:?set SRC to the source tree}"
: "${KOUAN_PLUGIN_PATH:?set KOUAN_PLUGIN_PATH to the plugin folder}"
PY=/usr/bin/python3            # the system python: SPARQLWrapper, json
SEED=$SRC/corpus/000_7180f7658f0f6251.md
unset KOUAN_STORE KOUAN_ONTOLOGY

T=$(mktemp -d "${TMPDIR:-/tmp}/kouan-serve-$CASE.XXXXXX")
SERVER_PID=
cleanup() {
    if [ -n "$SERVER_PID" ]; then kill -TERM "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; fi
    rm -rf "$T"
}
trap cleanup EXIT
cd "$T"
STORE=kouan:$T/store

fail() {
    echo "FAIL [$CASE]: $*" >&2
    for f in "$T/body" "$T/log"; do
        if [ -s "$f" ]; then echo "--- ${f##*/}:" >&2; tail -c 3000 "$f" >&2; echo >&2; fi
    done
    exit 1
}
pass() { echo "ok [$CASE]: $*"; }

# start_server [SERVE OPTIONS…]: extracts the seed (once) and serves it;
# sets URL.
start_server() {
    [ -e "$T/store" ] || "$KOUAN" --store "$STORE" extract "$SEED" >/dev/null 2>"$T/log" \
        || fail "extract failed"
    "$KOUAN" --store "$STORE" serve --port 0 "$@" 2>"$T/log" &
    SERVER_PID=$!
    for _ in $(seq 1 100); do
        if grep -q 'listening on' "$T/log"; then break; fi
        kill -0 "$SERVER_PID" 2>/dev/null || fail "kouan serve exited at start"
        sleep 0.1
    done
    URL=$(grep -o 'http://127\.0\.0\.1:[0-9]*' "$T/log" | head -1)
    [ -n "$URL" ] || fail "no 'listening on' line from kouan serve"
}

stop_server() {
    kill -TERM "$SERVER_PID"
    set +e; wait "$SERVER_PID"; local rc=$?; set -e
    SERVER_PID=
    [ "$rc" -eq 0 ] || fail "kouan serve exited $rc after SIGTERM"
}

# get_q QUERY [CURL OPTIONS…]: GET /sparql?query=…; status in $CODE, body
# in $T/body, headers in $T/headers.
get_q() {
    local q=$1; shift
    CODE=$(curl -s -o "$T/body" -D "$T/headers" -w '%{http_code}' -G "$URL/sparql" \
        --data-urlencode "query=$q" "$@")
}
expect_code() { [ "$CODE" = "$1" ] || fail "HTTP $CODE, expected $1: $2"; }
expect_body() { grep -qF -- "$1" "$T/body" || fail "the answer lacks “$1”: $2"; }
expect_header() { grep -qi -- "$1" "$T/headers" || fail "no header “$1”: $2"; }

Q_XZ='SELECT ?port WHERE { ?v rdfs:label "西藏"@zh . ?p kouan:province ?v ; a kouan:Port ; rdfs:label ?port } ORDER BY ?port'
# about 1.5 s on one core: 9 × 329 × 329 rows counted
Q_SLOW='SELECT (COUNT(*) AS ?n) WHERE { ?c a kouan:Province . ?a rdfs:label ?x . ?b rdfs:label ?y }'
# hours: 329³ rows
Q_ENDLESS='SELECT (COUNT(*) AS ?n) WHERE { ?a rdfs:label ?x . ?b rdfs:label ?y . ?c rdfs:label ?z }'

case "$CASE" in

formats)
    start_server
    get_q "$Q_XZ"
    expect_code 200 "JSON by default"
    expect_header 'Content-Type: application/sparql-results+json' "default JSON"
    "$PY" - "$T/body" <<'PYEOF' || fail "JSON answer is wrong"
import json, sys
d = json.load(open(sys.argv[1], encoding="utf-8"))
got = sorted(b["port"]["value"] for b in d["results"]["bindings"])
assert d["head"]["vars"] == ["port"], d["head"]
assert got == sorted(["吉隆", "普兰", "日屋", "樟木"]), got
PYEOF
    get_q "$Q_XZ" -H 'Accept: application/sparql-results+xml'
    expect_code 200 "XML by Accept"
    expect_header 'Content-Type: application/sparql-results+xml' "XML"
    xmllint --noout "$T/body" || fail "XML answer does not parse"
    expect_body '<literal xml:lang="zh">樟木</literal>' "XML"
    get_q "$Q_XZ" -H 'Accept: text/csv'
    expect_header 'Content-Type: text/csv' "CSV"
    [ "$(tr -d '\r' <"$T/body")" = "$(printf 'port\n吉隆\n日屋\n普兰\n樟木')" ] \
        || [ "$(tr -d '\r' <"$T/body" | head -1)" = port ] || fail "CSV answer is wrong"
    expect_body '樟木' "CSV"
    get_q "$Q_XZ" --data-urlencode format=tsv
    expect_header 'Content-Type: text/tab-separated-values' "TSV by format="
    [ "$(head -1 "$T/body")" = '?port' ] || fail "TSV header is not ?port"
    # q-values: CSV preferred to JSON
    get_q "$Q_XZ" -H 'Accept: application/sparql-results+json;q=0.5, text/csv'
    expect_header 'Content-Type: text/csv' "Accept with q-values"
    # POST, form-encoded and as application/sparql-query
    CODE=$(curl -s -o "$T/body" -w '%{http_code}' --data-urlencode "query=$Q_XZ" "$URL/sparql")
    expect_code 200 "POST form"; expect_body '"value":"樟木"' "POST form"
    CODE=$(curl -s -o "$T/body" -w '%{http_code}' -H 'Content-Type: application/sparql-query' \
        -H 'Accept: text/csv' --data-binary "$Q_XZ" "$URL/sparql")
    expect_code 200 "POST sparql-query"; expect_body '樟木' "POST sparql-query"
    # ASK, CONSTRUCT
    get_q 'ASK { ?x rdfs:label "樟木"@zh }'
    expect_body '"boolean":true' "ASK as JSON"
    get_q 'ASK { ?x rdfs:label "樟木"@zh }' -H 'Accept: application/sparql-results+xml'
    expect_body '<boolean>true</boolean>' "ASK as XML"
    Q_C='CONSTRUCT { ?x kouan:province ?v } WHERE { ?x rdfs:label "樟木"@zh . ?x kouan:province ?v }'
    get_q "$Q_C"
    expect_code 200 "CONSTRUCT"; expect_header 'Content-Type: text/turtle' "CONSTRUCT → Turtle"
    rapper -q -i turtle -c "$T/body" 2>/dev/null || fail "CONSTRUCT Turtle does not parse"
    expect_body 'province/CN-XZ' "CONSTRUCT"
    get_q "$Q_C" -H 'Accept: application/n-triples'
    expect_header 'Content-Type: application/n-triples' "CONSTRUCT → N-Triples"
    rapper -i ntriples -c "$T/body" 2>&1 | grep -q 'returned 1 triple$' \
        || fail "N-Triples answer is not one triple"
    # an empty result still names its variables
    get_q 'SELECT ?nothing WHERE { ?nothing rdfs:label "没有这个"@zh }'
    expect_body '"vars":["nothing"]' "empty result header"
    stop_server
    pass "JSON, XML, CSV, TSV, q-values, POST both ways, ASK, CONSTRUCT as Turtle and N-Triples"
    ;;

sparqlwrapper)
    start_server
    "$PY" - "$URL/sparql" <<'PYEOF' || fail "SPARQLWrapper got wrong answers"
import sys, csv, io
from SPARQLWrapper import SPARQLWrapper, JSON, XML, CSV, POST
Q = 'SELECT ?port WHERE { ?v rdfs:label "西藏"@zh . ?p kouan:province ?v ; a kouan:Port ; rdfs:label ?port }'
want = sorted(["吉隆", "普兰", "日屋", "樟木"])
s = SPARQLWrapper(sys.argv[1]); s.setQuery(Q)
s.setReturnFormat(JSON)
assert sorted(b["port"]["value"] for b in s.query().convert()["results"]["bindings"]) == want
s.setReturnFormat(XML)
doc = s.query().convert()
assert sorted(n.firstChild.data for n in doc.getElementsByTagName("literal")) == want
s.setReturnFormat(CSV)
rows = list(csv.reader(io.StringIO(s.query().convert().decode("utf-8"))))
assert rows[0] == ["port"] and sorted(r[0] for r in rows[1:]) == want, rows
s.setMethod(POST); s.setReturnFormat(JSON)
assert len(s.query().convert()["results"]["bindings"]) == 4
PYEOF
    stop_server
    pass "SPARQLWrapper: JSON, XML, CSV, POST"
    ;;

errors)
    start_server --max-body 1000
    get_q 'SELECT ?port WHERE { ?v rdfs:label "西藏"@zh .
  ?p kouan:province ?v  a kouan:Port }'
    expect_code 400 "malformed query"
    expect_body 'line 2' "the 400 names the line"
    expect_body 'syntax error' "the 400 carries Rasqal's message"
    get_q 'SELECT ?x WHERE { ?x foo:bar ?y }'
    expect_code 400 "undeclared prefix"; expect_body 'foo:bar' "undeclared prefix"
    CODE=$(curl -s -o "$T/body" -w '%{http_code}' "$URL/sparql")
    expect_code 400 "no query"; expect_body 'no query' "no query"
    CODE=$(curl -s -o "$T/body" -D "$T/headers" -w '%{http_code}' -X PUT "$URL/sparql")
    expect_code 405 "PUT"; expect_header 'Allow: GET, POST' "405 says what is allowed"
    CODE=$(curl -s -o "$T/body" -w '%{http_code}' -X DELETE "$URL/")
    expect_code 405 "DELETE /"
    get_q "$Q_XZ" -H 'Accept: image/png'
    expect_code 406 "Accept: image/png"; expect_body 'text/csv' "406 lists what is offered"
    get_q "$Q_XZ" --data-urlencode format=turtle
    expect_code 406 "format=turtle for a SELECT"
    head -c 5000 /dev/zero | tr '\0' ' ' >"$T/big"
    echo 'ASK {}' >>"$T/big"
    CODE=$(curl -s -o "$T/body" -w '%{http_code}' -H 'Content-Type: application/sparql-query' \
        --data-binary @"$T/big" "$URL/sparql")
    expect_code 413 "a body over --max-body"; expect_body 'max-body' "413 names the option"
    CODE=$(curl -s -o "$T/body" -w '%{http_code}' -H 'Content-Type: text/plain' --data 'ASK {}' "$URL/sparql")
    expect_code 415 "text/plain body"
    CODE=$(curl -s -o "$T/body" -w '%{http_code}' "$URL/no/such/thing")
    expect_code 404 "unknown path"
    # the server is still fine
    get_q "$Q_XZ"; expect_code 200 "after the errors"
    grep -q '^GET /sparql 400 0 rows [0-9]* ms' "$T/log" || fail "no request log line for the 400"
    grep -q '^POST /sparql 413 ' "$T/log" || fail "no request log line for the 413"
    stop_server
    pass "400 with Rasqal's message and line, 405, 406, 413, 415, 404, one log line each"
    ;;

read_only)
    start_server
    before=$("$KOUAN" --store "$STORE" export --format nquads | md5sum)
    CODE=$(curl -s -o "$T/body" -w '%{http_code}' --data-urlencode \
        'update=INSERT DATA { <urn:a> <urn:b> "c" }' "$URL/sparql")
    expect_code 403 "update= form"; expect_body 'read-only' "403 says why"
    CODE=$(curl -s -o "$T/body" -w '%{http_code}' -H 'Content-Type: application/sparql-update' \
        --data-binary 'DELETE WHERE { ?s ?p ?o }' "$URL/sparql")
    expect_code 403 "application/sparql-update"
    get_q 'PREFIX x: <urn:x#>  # a comment
insert data { <urn:a> <urn:b> "c" }'
    expect_code 403 "INSERT as query="
    get_q 'CLEAR ALL'; expect_code 403 "CLEAR as query="
    after=$("$KOUAN" --store "$STORE" export --format nquads | md5sum)
    [ "$before" = "$after" ] || fail "the store changed"
    stop_server
    pass "INSERT, DELETE, CLEAR refused with 403; the store unchanged"
    ;;

limits)
    start_server --max-rows 3
    get_q 'SELECT ?s WHERE { ?s a kouan:Port }'
    expect_code 200 "over the row limit"
    expect_header 'X-Kouan-Truncated: 3' "a cut answer says so"
    [ "$("$PY" -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["results"]["bindings"]))' "$T/body")" = 3 ] \
        || fail "not 3 rows"
    get_q 'SELECT ?s WHERE { ?s a kouan:Port } LIMIT 2'
    grep -qi 'X-Kouan-Truncated' "$T/headers" && fail "a LIMIT 2 answer is not cut"
    expect_header 'X-Kouan-Rows: 2' "LIMIT 2"
    get_q 'CONSTRUCT { ?s a kouan:Port } WHERE { ?s a kouan:Port }' -H 'Accept: application/n-triples'
    [ "$(grep -c . "$T/body")" = 3 ] || fail "CONSTRUCT not cut to 3 triples"
    expect_header 'X-Kouan-Truncated' "CONSTRUCT cut"
    stop_server
    pass "--max-rows cuts SELECT and CONSTRUCT and says so; LIMIT below it is kept"
    ;;

timeout)
    start_server --timeout 2 --workers 2
    start=$(date +%s)
    get_q "$Q_ENDLESS"
    took=$(( $(date +%s) - start ))
    expect_code 503 "a query over the time limit"
    expect_body 'time limit' "503 says why"
    [ "$took" -le 6 ] || fail "the time limit of 2 s took ${took} s"
    get_q "$Q_XZ"; expect_code 200 "after a timeout"
    get_q "$Q_XZ"; expect_code 200 "after a timeout (the other worker)"
    grep -q 'timeout' "$T/log" || fail "the log does not say timeout"
    stop_server
    pass "a query past --timeout gets 503 in time, and the worker is replaced"
    ;;

busy)
    start_server --workers 1 --queue 0 --timeout 20
    curl -s -o /dev/null -G "$URL/sparql" --data-urlencode "query=$Q_SLOW" &
    slow=$!
    sleep 0.3
    get_q "$Q_XZ"
    expect_code 503 "the only worker busy, no queue"
    expect_header 'Retry-After' "503 busy says when to retry"
    expect_body 'busy' "503 says busy"
    wait "$slow"
    get_q "$Q_XZ"; expect_code 200 "after the slow query"
    stop_server
    pass "no free worker and a full queue: 503 at once, with Retry-After"
    ;;

concurrent)
    start_server --workers 2 --timeout 60
    # a slow query does not hold up a fast one
    curl -s -o "$T/slow1" -w '%{http_code}' -G "$URL/sparql" --data-urlencode "query=$Q_SLOW" >"$T/code1" &
    p1=$!
    curl -s -o "$T/slow2" -w '%{http_code}' -G "$URL/sparql" --data-urlencode "query=$Q_SLOW" >"$T/code2" &
    p2=$!
    wait "$p1" "$p2"
    [ "$(cat "$T/code1") $(cat "$T/code2")" = "200 200" ] || fail "two slow queries: $(cat "$T/code1") $(cat "$T/code2")"
    grep -q '"value":"974169"' "$T/slow1" && grep -q '"value":"974169"' "$T/slow2" \
        || fail "a slow query's count is wrong"
    # while a query that would run for hours holds one worker, the other
    # answers at once
    curl -s -o /dev/null -G "$URL/sparql" --data-urlencode "query=$Q_ENDLESS" --max-time 30 &
    endless=$!
    sleep 0.5
    start=$(date +%s%N)
    get_q "$Q_XZ"
    ms=$(( ($(date +%s%N) - start) / 1000000 ))
    expect_code 200 "a fast query beside an endless one"
    [ "$ms" -lt 3000 ] || fail "the fast query waited ${ms} ms"
    kill "$endless" 2>/dev/null || true
    wait "$endless" 2>/dev/null || true
    stop_server
    pass "two slow queries answered side by side; a fast one answered in ${ms} ms beside an endless one"
    ;;

many_clients)
    start_server --timeout 20
    curl -s -o /dev/null -w '%{http_code}\n' -G "$URL/sparql" --data-urlencode "query=$Q_SLOW" >"$T/slow" &
    slow=$!
    seq 1 50 | xargs -P 50 -I{} curl -s -o /dev/null -w '%{http_code}\n' -G "$URL/sparql" \
        --data-urlencode "query=$Q_XZ" >"$T/codes"
    wait "$slow"
    cat "$T/slow" >>"$T/codes"
    n=$(grep -c . "$T/codes")
    bad=$(grep -vcE '^(200|503)$' "$T/codes" || true)
    [ "$n" = 51 ] || fail "$n answers for 51 clients"
    [ "$bad" = 0 ] || fail "answers other than 200 or 503: $(sort "$T/codes" | uniq -c | tr '\n' ' ')"
    grep -q '^200$' "$T/codes" || fail "nobody got an answer"
    get_q "$Q_XZ"; expect_code 200 "after the crowd"
    stop_server
    pass "51 clients at once, one slow: $(sort "$T/codes" | uniq -c | tr -s ' \n' ' ')"
    ;;

disconnect)
    start_server --timeout 20 --workers 2
    "$PY" - "$URL" <<'PYEOF' || fail "raw socket clients"
import socket, sys, urllib.parse, time
host, port = sys.argv[1][len("http://"):].split(":")
def send(q, read=0):
    s = socket.create_connection((host, int(port)))
    path = "/sparql?query=" + urllib.parse.quote(q)
    s.sendall(("GET %s HTTP/1.1\r\nHost: x\r\nAccept: text/tab-separated-values\r\n\r\n" % path).encode())
    if read: s.recv(read)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
    s.close()      # RST: the server finds the peer gone while writing
# hang up before the answer of a slow query, and in the middle of a big one
send('SELECT (COUNT(*) AS ?n) WHERE { ?c a kouan:Province . ?a rdfs:label ?x . ?b rdfs:label ?y }')
for _ in range(5):
    send('SELECT ?s ?p ?o WHERE { ?s ?p ?o }', read=100)
    send('SELECT ?s ?p ?o WHERE { ?s ?p ?o }')
time.sleep(2.5)
PYEOF
    kill -0 "$SERVER_PID" || fail "kouan serve died when clients hung up"
    get_q "$Q_XZ"; expect_code 200 "after clients hung up"
    # (whether MHD sees a hang-up depends on how much of the answer the
    # kernel had already taken, so the log's "client gone" is not required)
    gone=$(grep -c 'client gone' "$T/log" || true)
    stop_server
    pass "clients that hang up before and during the answer do no harm ($gone logged as gone)"
    ;;

evidence)
    start_server
    Z=https://w3id.org/kouan/id/port/%E6%A8%9F%E6%9C%A8
    CODE=$(curl -s -o "$T/body" -w '%{http_code}' "$URL/evidence?s=$Z&p=https://w3id.org/kouan/ontology%23province&o=https://w3id.org/kouan/id/province/CN-XZ")
    expect_code 200 "evidence of 樟木 province 西藏"
    "$PY" - "$T/body" <<'PYEOF' || fail "evidence JSON is wrong"
import json, sys
d = json.load(open(sys.argv[1], encoding="utf-8"))
assert d["subjectLabel"] == "樟木" and d["objectLabel"] == "西藏", d
ev = d["evidence"]
assert ev and all(e["file"] == "000_7180f7658f0f6251.md" and e["line"] > 0 for e in ev), ev
assert any("樟木" in e["quote"] for e in ev), ev
PYEOF
    CODE=$(curl -s -o "$T/body" -w '%{http_code}' "$URL/evidence?s=$Z")
    expect_code 400 "evidence without p and o"
    printf '%s\n' "https://w3id.org/kouan/id/port/樟木" "https://w3id.org/kouan/id/province/CN-XZ" \
        "https://w3id.org/kouan/id/zone/xinan" >"$T/iris"
    CODE=$(curl -s -o "$T/body" -w '%{http_code}' -H 'Content-Type: text/plain' --data-binary @"$T/iris" "$URL/graph")
    expect_code 200 "graph"
    expect_body '"class":"Port"' "graph classes"; expect_body '"label":"province"' "graph edges"
    stop_server
    pass "/evidence gives the sentence, file and line of 樟木's province; /graph its facts"
    ;;

hashes)
    STORE=hashes:$T/store
    start_server --workers 3
    seq 1 6 | xargs -P 6 -I{} curl -s -o /dev/null -w '%{http_code}\n' -G "$URL/sparql" \
        --data-urlencode "query=$Q_XZ" >"$T/codes"
    [ "$(sort -u "$T/codes")" = 200 ] || fail "hashes store: $(sort "$T/codes" | uniq -c)"
    stop_server
    pass "a hashes: store served by three workers at once"
    ;;

usage)
    set +e
    "$KOUAN" serve --port 70000 2>"$T/body"; rc=$?
    set -e
    [ "$rc" = 2 ] || fail "--port 70000 exit $rc, expected 2"
    expect_body 'expected a port number' "--port 70000"
    set +e
    "$KOUAN" --store "kouan:$T/none" serve --port 0 2>"$T/body"; rc=$?
    set -e
    [ "$rc" = 1 ] || fail "a missing store: exit $rc, expected 1"
    expect_body 'no store at' "a missing store"
    set +e
    "$KOUAN" --store memory: serve --port 0 2>"$T/body"; rc=$?
    set -e
    [ "$rc" = 1 ] || fail "memory: exit $rc, expected 1"
    start_server
    set +e
    "$KOUAN" --store "$STORE" serve --port "${URL##*:}" 2>"$T/body"; rc=$?
    set -e
    [ "$rc" = 1 ] || fail "a port in use: exit $rc, expected 1"
    expect_body 'cannot listen' "a port in use"
    "$KOUAN" serve --help | grep -q 'SPARQL 1.1 Protocol' || fail "serve --help"
    stop_server
    pass "bad port (2), missing store, memory: and a port in use (1), --help"
    ;;

*)
    echo "serve_test.sh: unknown case $CASE" >&2
    exit 2
    ;;
esac
