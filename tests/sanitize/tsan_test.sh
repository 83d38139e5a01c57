#!/usr/bin/env bash
# tsan.threads: kouan's threaded paths under ThreadSanitizer (a build with
# -DKOUAN_TSAN=ON: scripts/test's build-tsan/).  Any report fails the test:
#   - extract -j 2 into a new kouan: store (the workers, the ordered writer
#     with its group commits, the helper thread sending them to the disk,
#     the map dropped by any thread), then again into the same store (the
#     workers skip unchanged files by asking the last commit);
#   - extract -j 1 into a new store (the writer, and the helper caching the
#     file's tail on the core -j 1 leaves idle: with -j 2 on two cores it
#     caches nothing);
#   - extract -j 2 --emit nquads (the workers format, the writer prints);
#   - serve with two query workers: concurrent SPARQL and evidence requests
#     (the HTTP threads, the queue, the slow-request reaper), then Ctrl-C
#     while the reaper runs (the shutdown that ThreadSanitizer caught racing
#     with the reaper's read of `stopping`, fixed 2026-12-04).
# Needs KOUAN (the TSan build's kouan), KOUAN_PLUGIN_PATH and SRC.
set -euo pipefail
: "${KOUAN:?}" "${SRC:?}"
T=$(mktemp -d)
SERVER_PID=
cleanup() {
    [ -z "$SERVER_PID" ] || kill -KILL "$SERVER_PID" 2>/dev/null || true
    rm -rf "$T"
}
trap cleanup EXIT
fail() { echo "FAIL [tsan]: $*" >&2; exit 1; }
# every report is printed and makes the process exit 66 at its end; the
# test reads both
export TSAN_OPTIONS="halt_on_error=0:exitcode=66:second_deadlock_stack=1"
# gcc 12's ThreadSanitizer cannot start under a kernel that randomises
# mappings over more bits than it knows (vm.mmap_rnd_bits > 28: "unexpected
# memory mapping"); then every kouan runs with address randomisation off
# for itself (setarch -R), which is what the sanitizer needs
WRAP=()
if ! "$KOUAN" --version >"$T/probe.out" 2>"$T/probe.err"; then
    grep -q 'unexpected memory mapping' "$T/probe.err" \
        || { cat "$T/probe.err" >&2; fail "kouan --version failed"; }
    WRAP=(setarch "$(uname -m)" -R)
    "${WRAP[@]}" "$KOUAN" --version >/dev/null 2>"$T/probe.err" \
        || { cat "$T/probe.err" >&2; fail "ThreadSanitizer cannot start, even with setarch -R"; }
    echo "tsan: this kernel's address randomisation stops ThreadSanitizer: kouan runs under setarch -R"
fi

# verdict NAME ERR RC: fails on a report in the stderr file ERR or on a
# non-zero exit status RC
verdict() {
    if grep -q 'ThreadSanitizer' "$2"; then
        cat "$2" >&2
        fail "$1: ThreadSanitizer reported (above)"
    fi
    [ "$3" -eq 0 ] || { tail -n 20 "$2" >&2; fail "$1: exit $3"; }
}

# run NAME CMD…: runs CMD, its stderr into $T/NAME.err, and judges it
run() {
    local name=$1 rc=0
    shift
    "${WRAP[@]}" "$@" >"$T/$name.out" 2>"$T/$name.err" || rc=$?
    verdict "$name" "$T/$name.err" "$rc"
}

mkdir "$T/c"                       # the corpus five times: several groups
n=0
for i in 0 1 2 3 4; do
    for f in "$SRC"/corpus/*.md "$SRC"/corpus/*.html; do
        # each copy a document of its own (a different SHA-256), so every
        # one is extracted and written
        { cat "$f"; printf '\n<!-- copy %s -->\n' "$i"; } >"$T/c/$i-$(basename "$f")"
        n=$((n + 1))
    done
done

# small merge transactions: the backlog's merge hands many chunks from its
# feed thread to the writer and stops each transaction with one merged
# ahead and not put
run extract env KOUAN_LMDB_DRAIN_BYTES=200000 \
    "$KOUAN" --store "kouan:$T/s" extract -q -j 2 --commit-every 0.05 --timings "$T/c"
grep -q "timings: $n documents" "$T/extract.err" || fail "extract: not $n documents: $(head -1 "$T/extract.err")"
grep -qE '[0-9]+ commits' "$T/extract.err" || fail "extract: no group commits"
grep -q 'the backlog merged in' "$T/extract.err" || fail "extract: no backlog merged"
run again "$KOUAN" --store "kouan:$T/s" extract -j 2 "$T/c"
grep -q "unchanged" "$T/again.out" || fail "the second extract did not skip unchanged files"
run one "$KOUAN" --store "kouan:$T/s1" extract -q -j 1 --timings "$T/c"
if [ "$(nproc)" -gt 1 ]; then
    grep -q 'cached ahead of the writer' "$T/one.err" || fail "extract -j 1: no helper caching the file's tail"
fi
run emit "$KOUAN" extract -q -j 2 --emit nquads "$T/c"
[ "$(wc -l <"$T/emit.out")" -gt 1000 ] || fail "--emit nquads wrote almost nothing"

"${WRAP[@]}" "$KOUAN" --store "kouan:$T/s" serve --port 0 --workers 2 2>"$T/serve.err" &
SERVER_PID=$!
URL=
for _ in $(seq 1 300); do
    URL=$(grep -o 'http://127\.0\.0\.1:[0-9]*' "$T/serve.err" | head -1 || true)
    [ -z "$URL" ] || break
    kill -0 "$SERVER_PID" 2>/dev/null || fail "kouan serve exited at start: $(cat "$T/serve.err")"
    sleep 0.1
done
[ -n "$URL" ] || fail "no 'listening on' line from kouan serve"
python3 - "$URL" <<'EOF' || fail "the concurrent requests failed"
import sys, urllib.parse, urllib.request
from concurrent.futures import ThreadPoolExecutor
url = sys.argv[1]
q = "SELECT ?port ?prov WHERE { ?port kouan:province ?prov } LIMIT 20"
def get(i):
    if i % 3 == 2:
        path = "/evidence?s=x"                       # a 400, answered at once
    else:
        query = q if i % 3 == 0 else "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
        path = "/sparql?" + urllib.parse.urlencode({"query": query, "format": "csv"})
    try:
        with urllib.request.urlopen(url + path, timeout=120) as r:
            return r.status
    except urllib.error.HTTPError as e:
        return e.code
with ThreadPoolExecutor(8) as ex:
    codes = list(ex.map(get, range(24)))
assert codes.count(200) == 16 and codes.count(400) == 8, codes
EOF
sleep 0.6                          # the reaper wakes every 250 ms
kill -INT "$SERVER_PID"
rc=0
wait "$SERVER_PID" || rc=$?
SERVER_PID=
verdict "serve (after Ctrl-C)" "$T/serve.err" "$rc"
echo "ok [tsan]: extract -j 2 into a store and again, --emit, serve under load and its Ctrl-C: no report"
