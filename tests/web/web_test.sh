#!/bin/bash
# web_test.sh — the page of `kouan serve` in headless Chromium: installs
# playwright-core (pinned in package-lock.json) with `npm ci` into the build
# folder when it is not there yet, serves the seed chapter and runs
# page.test.mjs.  Fails, never skips: without Debian's chromium, or when npm
# cannot reach its registry on the first run, it says so and exits 1.
#
# Environment (set by tests/web/CMakeLists.txt): KOUAN, KOUAN_PLUGIN_PATH,
# SRC (the source tree), WORK (a folder of the build for node_modules).
set -euo pipefail
: "${KOUAN:?}" "${SRC:?}" "${KOUAN_PLUGIN_PATH:?}" "${WORK:?}"
HERE=$SRC/tests/web
unset KOUAN_STORE KOUAN_ONTOLOGY
fail() { echo "FAIL [web]: $*" >&2; [ -n "${LOG:-}" ] && [ -s "$LOG" ] && tail -20 "$LOG" >&2; exit 1; }

[ -x /usr/bin/chromium ] || fail "/usr/bin/chromium is missing: install Debian's chromium (scripts/install-deps does)"
command -v node >/dev/null && command -v npm >/dev/null || fail "node and npm are missing (scripts/install-deps installs nodejs)"

# playwright-core, as the lock file pins it
mkdir -p "$WORK"
cp "$HERE/package.json" "$HERE/package-lock.json" "$HERE/page.test.mjs" "$WORK/"
want=$(node -e 'console.log(require(process.argv[1]).packages["node_modules/playwright-core"].version)' "$WORK/package-lock.json")
have=$(node -e 'try { console.log(require(process.argv[1]).version) } catch (e) { console.log("none") }' \
       "$WORK/node_modules/playwright-core/package.json")
if [ "$have" != "$want" ]; then
    echo "web: npm ci (playwright-core $want) in $WORK" >&2
    ( cd "$WORK" && timeout 300 npm ci --no-audit --no-fund --loglevel=error ) >"$WORK/npm.log" 2>&1 \
        || { LOG=$WORK/npm.log; fail "npm ci could not install playwright-core $want (is the npm registry reachable? it is needed once, then node_modules stays in $WORK)"; }
fi

T=$(mktemp -d "${TMPDIR:-/tmp}/kouan-web.XXXXXX")
SERVER_PID=
cleanup() {
    if [ -n "$SERVER_PID" ]; then kill -TERM "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; fi
    rm -rf "$T"
}
trap cleanup EXIT
LOG=$T/log
"$KOUAN" --store "kouan:$T/store" extract "$SRC/corpus/000_7180f7658f0f6251.md" >/dev/null 2>"$LOG" || fail "extract"
"$KOUAN" --store "kouan:$T/store" serve --port 0 2>"$LOG" &
SERVER_PID=$!
for _ in $(seq 1 100); do
    grep -q 'listening on' "$LOG" && break
    kill -0 "$SERVER_PID" 2>/dev/null || fail "kouan serve exited at start"
    sleep 0.1
done
URL=$(grep -o 'http://127\.0\.0\.1:[0-9]*' "$LOG" | head -1)
[ -n "$URL" ] || fail "kouan serve did not start"
( cd "$WORK" && timeout 120 node page.test.mjs "$URL/" "$WORK" ) || fail "the page test failed (screenshot, if any: $WORK/page.png)"
echo "ok [web]: the page in headless Chromium: query typed and run, rows, graph, a fact's sentence (screenshot: $WORK/page.png)"
