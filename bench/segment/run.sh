#!/bin/bash
# run.sh [MB] — segmentation throughput, load time and peak memory of kouan's
# segmenter against jieba (python3-jieba, accurate mode, without and with
# HMM) and friso (libfriso, complex mode), side by side on the same file of
# at least MB megabytes (default 20): the corpus chapters, repeated.  Every
# tool segments the file line by line on one thread.  Not part of ctest
# (jieba needs about a minute); see README.md here for the numbers.
#
# Needs: a build (cmake -S . -B build && cmake --build build), python3-jieba,
# libfriso-dev and friso-dict (scripts/install-deps installs them all).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
BUILD=${BUILD:-$ROOT/build}
MB=${1:-20}
FRISO_INI=${FRISO_INI:-/etc/friso/friso.ini}
PY=/usr/bin/python3

cmake --build "$BUILD" --target segbench kouan_lexicon >/dev/null
LEX=${KOUAN_LEXICON:-$BUILD/lexicon/kouan.lex}
W=$(mktemp -d "${TMPDIR:-/tmp}/kouan-bench.XXXXXX")
trap 'rm -rf "$W"' EXIT

# ---- the corpus: whole chapters, repeated up to MB megabytes ----------------
want=$((MB * 1000 * 1000))
: > "$W/corpus.txt"
while [ "$(stat -c %s "$W/corpus.txt")" -lt "$want" ]; do
    for f in "$ROOT"/corpus/*.md; do cat "$f"; echo; done >> "$W/corpus.txt"
done
bytes=$(stat -c %s "$W/corpus.txt")
echo "corpus: $bytes bytes, $(wc -l < "$W/corpus.txt") lines ($(ls "$ROOT"/corpus/*.md | wc -l) chapter(s) repeated)"

cc -O2 -o "$W/frisobench" "$HERE/frisobench.c" -lfriso

cat > "$W/jiebabench.py" <<'PY'
import logging, sys, time
import jieba
jieba.setLogLevel(logging.WARNING)
path, hmm = sys.argv[1], sys.argv[2] == '1'
t0 = time.perf_counter(); jieba.initialize(); load = time.perf_counter() - t0
data = open(path, encoding='utf-8').read()
lines = data.split('\n')
n = 0
t0 = time.perf_counter()
for line in lines:
    for _ in jieba.cut(line, HMM=hmm):
        n += 1
seg = time.perf_counter() - t0
size = len(data.encode('utf-8'))
print(f"jieba{'+HMM' if hmm else ''}\tload_s={load:.4f}\tseg_s={seg:.3f}\t"
      f"MB/s={size / 1e6 / seg:.1f}\tbytes={size}\tlines={len(lines)}\ttokens={n}")
PY
$PY -c 'import jieba, logging; jieba.setLogLevel(logging.WARNING); jieba.initialize()'  # warm jieba's cache

# run NAME CMD… — one line of results: the tool's own line plus peak RSS.
run() {
    local name=$1; shift
    /usr/bin/time -v "$@" > "$W/$name.out" 2> "$W/$name.time"
    local rss
    rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$W/$name.time")
    echo "$(cat "$W/$name.out")	peak_rss_MB=$(awk -v k="$rss" 'BEGIN {printf "%.1f", k / 1024}')"
}
{
    run kouan "$BUILD/bench/segbench" "$LEX" "$W/corpus.txt"
    run jieba $PY "$W/jiebabench.py" "$W/corpus.txt" 0
    run jieba_hmm $PY "$W/jiebabench.py" "$W/corpus.txt" 1
    run friso "$W/frisobench" "$FRISO_INI" "$W/corpus.txt"
} | tee "$W/results.tsv"

echo
awk -F'\t' '
    { name = $1; for (i = 2; i <= NF; i++) { split($i, kv, "="); v[name, kv[1]] = kv[2] }
      order[++n] = name }
    END {
      k = v["kouan", "MB/s"]
      printf "%-10s %10s %10s %12s %14s\n", "segmenter", "load s", "MB/s", "peak RSS MB", "kouan is ×"
      for (i = 1; i <= n; i++) {
        t = order[i]
        printf "%-10s %10s %10s %12s %14.1f\n", t, v[t, "load_s"], v[t, "MB/s"],
               v[t, "peak_rss_MB"], k / v[t, "MB/s"]
      }
    }' "$W/results.tsv"
