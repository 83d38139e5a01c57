#!/bin/bash
# push_stub_test.sh KOUAN SRC — `kouan push` against a tiny Graph Store
# server (gsp_stub.py) that records every request, so the protocol is
# asserted exactly: method, URL (?graph= percent-encoded), Content-Type,
# Basic credentials after the challenge, the body's triples; incremental
# pushes (unchanged, deleted), retries on 503, a 400 with the server's
# words, an endpoint that does not answer, --dry-run, usage errors.
set -euo pipefail
KOUAN=${1:?usage: push_stub_test.sh KOUAN SRC}
SRC=${2:?usage: push_stub_test.sh KOUAN SRC}
PY=/usr/bin/python3
HERE=$(cd "$(dirname "$0")" && pwd)
unset KOUAN_STORE KOUAN_ONTOLOGY
SEED=000_7180f7658f0f6251
DOC=https://w3id.org/kouan/doc

T=$(mktemp -d "${TMPDIR:-/tmp}/kouan-push-stub.XXXXXX")
STUB_PID=
cleanup() {
    if [ -n "$STUB_PID" ]; then kill "$STUB_PID" 2>/dev/null; wait "$STUB_PID" 2>/dev/null || true; fi
    rm -rf "$T"
}
trap cleanup EXIT
cd "$T"
S=kouan:$T/store

fail() {
    echo "FAIL: $*" >&2
    for f in out err; do
        [ -s "$T/$f" ] && { echo "--- std$f:" >&2; head -c 3000 "$T/$f" >&2; echo >&2; }
    done
    [ -s "$T/log" ] && { echo "--- stub log:" >&2; tail -n 20 "$T/log" >&2; }
    exit 1
}
pass() { echo "ok: $*"; }
run() { set +e; "$@" >"$T/out" 2>"$T/err"; RC=$?; set -e; }
expect_exit() { local want=$1; shift; run "$@"; [ "$RC" -eq "$want" ] || fail "exit $RC, expected $want: $*"; }
has() { grep -qF -- "$1" "$2" || fail "“$1” not in $2"; }

# stub [ARGS…]: (re)starts the stub with a fresh log; sets URL.
stub() {
    if [ -n "$STUB_PID" ]; then kill "$STUB_PID"; wait "$STUB_PID" 2>/dev/null || true; fi
    rm -f "$T/port" "$T/log"
    : >"$T/log"
    "$PY" "$HERE/gsp_stub.py" "$T/log" "$T/port" "$@" &
    STUB_PID=$!
    for _ in $(seq 1 100); do [ -s "$T/port" ] && break; sleep 0.05; done
    [ -s "$T/port" ] || fail "the stub server did not start"
    # each server its own endpoint, even when the system hands out the port
    # of the one before again (push keeps its records per endpoint)
    STUBS=$((${STUBS:-0} + 1))
    URL="http://127.0.0.1:$(cat "$T/port")/store/data"
    [ "$STUBS" -eq 1 ] || URL="$URL-$STUBS"
}
# q FILTER: the stub's log through a Python expression over the entries `e`.
q() { "$PY" -c "import json,sys; e=[json.loads(l) for l in open('$T/log')]; print($1)"; }

printf 'secret\n' >"$T/pw"

# ---- usage ----------------------------------------------------------------------
expect_exit 0 "$KOUAN" push --help
has "--endpoint URL" "$T/out"
expect_exit 2 "$KOUAN" push
has "--endpoint" "$T/err"
expect_exit 2 "$KOUAN" push --endpoint ftp://x/y
has "expected an http:// or https:// URL" "$T/err"
expect_exit 2 "$KOUAN" push --endpoint http://x/y --user dba
has "--password-file" "$T/err"
expect_exit 2 "$KOUAN" push --endpoint http://x/y --retries many
expect_exit 1 "$KOUAN" push --endpoint http://x/y --user dba --password-file "$T/nope"
has "password file $T/nope" "$T/err"
expect_exit 1 "$KOUAN" --store memory: push --endpoint http://127.0.0.1:9/x
has "--state FILE" "$T/err"
pass "usage: --help, missing endpoint, bad URL, --user without password, --state"

# ---- a first push: every document, with Basic auth after the challenge -------
expect_exit 0 "$KOUAN" --store "$S" extract "$SRC/corpus/$SEED.md" "$SRC/corpus/001_southwest_northwest.md"
"$KOUAN" --store "$S" export --format nquads >"$T/store.nq"
mkdir "$T/bodies"
stub --user dba --password secret --bodies "$T/bodies"
expect_exit 0 "$KOUAN" --store "$S" push --endpoint "$URL" --user dba --password-file "$T/pw"
has "sent       $SEED" "$T/out"
has "sent       001_southwest_northwest" "$T/out"
has "2 sent" "$T/out"
has "0 failed" "$T/out"
[ "$(q "len([x for x in e if x['method']=='PUT' and x['status']==201])")" = 2 ] || fail "expected 2 PUTs answered 201"
want_auth="Basic $(printf 'dba:secret' | base64)"
[ "$(q "sorted(set(x['authorization'] for x in e if x['status']==201))")" = "['$want_auth']" ] ||
    fail "the PUTs did not carry Basic dba:secret"
[ "$(q "sorted(set(x['content_type'] for x in e if x['status']==201))")" = "['application/n-triples']" ] ||
    fail "Content-Type is not application/n-triples"
want_path="/store/data?graph=https%3A%2F%2Fw3id.org%2Fkouan%2Fdoc%2F$SEED"
[ "$(q "[x['path'] for x in e if x['status']==201][0]")" = "$want_path" ] ||
    fail "PUT path is not $want_path: $(q "[x['path'] for x in e][0]")"
for g in "$SEED" 001_southwest_northwest; do
    n_store=$(grep -c "<$DOC/$g> \.\$" "$T/store.nq")
    n_sent=$(q "[x['triples'] for x in e if x['status']==201 and x['graph']=='$DOC/$g'][0]")
    [ "$n_store" = "$n_sent" ] || fail "$g: $n_sent triples sent, the store has $n_store"
done
[ -s "$T/store/push-state.tsv" ] || fail "no push records in the store's folder"
has "put	$URL	$DOC/$SEED	" "$T/store/push-state.tsv"
pass "first push: 2 PUTs, exact URL, N-Triples, Basic auth, every triple; records kept"

# each body, read by rdflib as N-Triples, is exactly the store's graph
"$PY" - "$T/store.nq" "$T/bodies" "$DOC" <<'EOF' || fail "a body is not what the store holds"
import os, sys, rdflib
ds = rdflib.ConjunctiveGraph()
ds.parse(sys.argv[1], format="nquads")
names = sorted(os.listdir(sys.argv[2]))
assert len(names) == 2, names
for name in names:
    body = rdflib.Graph().parse(os.path.join(sys.argv[2], name), format="nt")
    want = set(ds.get_context(rdflib.URIRef(sys.argv[3] + "/" + name[:-3])))
    got = set(body)
    if got != want or len(got) < 100:
        sys.exit(f"{name}: {len(got)} triples sent, {len(want)} in the store, "
                 f"{len(got ^ want)} differ")
EOF
pass "the bodies are N-Triples with exactly each graph's triples (rdflib)"

# ---- again: nothing changed, nothing sent -------------------------------------
: >"$T/log"
expect_exit 0 "$KOUAN" --store "$S" push --endpoint "$URL" --user dba --password-file "$T/pw"
has "unchanged  $SEED" "$T/out"
has "0 sent" "$T/out"
has "2 unchanged" "$T/out"
[ ! -s "$T/log" ] || fail "an unchanged push sent requests"
pass "second push: 2 unchanged, no request"

# ---- a document removed, another added ----------------------------------------
# removing 001 (which names 友谊关) gives the seed's 凭祥友谊关 back its own
# port: the seed's file is unchanged but its graph is not, so it is sent too
expect_exit 0 "$KOUAN" --store "$S" remove 001_southwest_northwest
has "extracted again" "$T/out"
expect_exit 0 "$KOUAN" --store "$S" extract "$SRC/corpus/002_ports_table.html"
expect_exit 0 "$KOUAN" --store "$S" push --endpoint "$URL" --user dba --password-file "$T/pw"
has "sent       002_ports_table" "$T/out"
has "sent       $SEED" "$T/out"
has "deleted    001_southwest_northwest" "$T/out"
has "2 sent" "$T/out"
has "0 unchanged" "$T/out"
has "1 deleted" "$T/out"
[ "$(q "[(x['method'],x['path'],x['status']) for x in e if x['status'] < 400 and x['method']=='DELETE']")" = \
  "[('DELETE', '/store/data?graph=https%3A%2F%2Fw3id.org%2Fkouan%2Fdoc%2F001_southwest_northwest', 204)]" ] ||
    fail "expected one DELETE of 001_southwest_northwest"
grep -qF "$DOC/001_southwest_northwest" "$T/store/push-state.tsv" && fail "the deleted graph is still in the records"
pass "third push: the new document sent, the removed one DELETEd, the seed (its ports changed) sent again"

# ---- dry run: says, sends nothing, records nothing ----------------------------
cp "$T/store/push-state.tsv" "$T/state.before"
stub
expect_exit 0 "$KOUAN" --store "$S" push -n --endpoint "$URL"
has "would send $SEED" "$T/out"
has "dry run: 2 sent" "$T/out"
[ ! -s "$T/log" ] || fail "--dry-run sent requests"
cmp -s "$T/state.before" "$T/store/push-state.tsv" || fail "--dry-run changed the records"
pass "--dry-run: no request, records untouched"

# ---- 503 once: retried with back-off ------------------------------------------
stub --flaky 1
expect_exit 0 "$KOUAN" --store "$S" push --endpoint "$URL" --retry-delay 0.05
has "(after retrying)" "$T/out"
[ "$(q "[x['status'] for x in e]")" = "[503, 201, 201]" ] || fail "expected 503, 201, 201: $(q "[x['status'] for x in e]")"
pass "503: retried, then sent"

# ---- 400: the server's words, exit 1, the others still sent -------------------
stub --reject 002_ports
expect_exit 1 "$KOUAN" --store "$S" push --endpoint "$URL" --retry-delay 0.05
has "failed     002_ports_table" "$T/out"
has "1 sent" "$T/out"
has "1 failed" "$T/out"
has "PUT <$DOC/002_ports_table>: HTTP 400: Bad request: syntax error at line 1 of the body" "$T/err"
[ "$(q "len([x for x in e if x['status']==400])")" = 1 ] || fail "a 400 was retried"
expect_exit 1 "$KOUAN" --store "$S" push --endpoint "$URL" --retry-delay 0.05
has "unchanged  $SEED" "$T/out"
has "failed     002_ports_table" "$T/out"
pass "400: reported with the server's message, not retried, the rest pushed; retried next time"

# ---- wrong password: 401 ------------------------------------------------------
stub --user dba --password secret
printf 'wrong\n' >"$T/bad"
expect_exit 1 "$KOUAN" --store "$S" push --endpoint "$URL" --user dba --password-file "$T/bad"
has "HTTP 401: who are you?" "$T/err"
pass "wrong password: HTTP 401 and the server's words"

# ---- nobody listening: retried, then stopped ----------------------------------
port=$("$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
expect_exit 1 "$KOUAN" --store "$S" push --endpoint "http://127.0.0.1:$port/x" --retries 2 --retry-delay 0.01
has "does not answer" "$T/err"
has "1 failed" "$T/out"
pass "no server: retried, then stopped with a message"

# ---- --state for a store without a folder -------------------------------------
stub
expect_exit 0 "$KOUAN" --store "$S" push --endpoint "$URL" --state "$T/elsewhere.tsv" -q
[ ! -s "$T/out" ] || grep -q "^2 sent" "$T/out" || fail "-q printed more than the totals"
has "put	$URL	$DOC/$SEED	" "$T/elsewhere.tsv"
pass "--state FILE and -q"
echo "push_stub_test: all passed"
