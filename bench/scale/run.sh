#!/bin/bash
# run.sh [MB] — kouan at scale, on a generated corpus of MB megabytes
# (default 200): extraction MB/s with -j 1 and -j 2 (to --emit nquads and
# into kouan's store), peak memory, the store's Turtle export, store write
# rates (kouan:DIR, and Virtuoso through --store virtuoso: and through
# `kouan push`), query latency at ~10^4, 10^5 and 10^6 quads against
# rdflib, and jieba's segmentation speed; prints one table.  Needs a build in ../../build,
# python3-rdflib and python3-jieba; Virtuoso rows need virtuoso-opensource
# and librdf-storage-virtuoso (scripts/install-deps), else they say so.
# A megabyte here is 10^6 bytes, as `kouan extract --timings` counts it (the
# corpus is generated to MB × 2^20 bytes: 209.7 MB for 200).
#
# Environment: KOUAN (binary), BENCH_DIR (work folder, kept; default a
# temporary one, removed), VIRT_DOCS (documents pushed to / extracted into
# Virtuoso, default 160 ≈ 10^6 quads; PUSH_ALL=1 pushes the whole corpus and
# counts graphs and triples on both sides), RUNS (query repetitions, 5),
# STORE_RUNS (rounds of -j 1 and -j 2 into the store, 3: the median shown),
# PARTS (default "extract virtuoso queries jieba"; with a kept BENCH_DIR,
# PARTS=queries runs again on the same corpus and stores; PARTS=none only
# makes the corpus).
set -euo pipefail
MB=${1:-200}
HERE=$(cd "$(dirname "$0")" && pwd)
SRC=$(cd "$HERE/../.." && pwd)
export KOUAN=${KOUAN:-$SRC/build/kouan}
PY=/usr/bin/python3
VIRT_DOCS=${VIRT_DOCS:-160}
PARTS=" ${PARTS:-extract virtuoso queries jieba} "
part() { [[ "$PARTS" == *" $1 "* ]]; }
if [ -n "${BENCH_DIR:-}" ]; then W=$BENCH_DIR; mkdir -p "$W"; KEEP=1
else W=$(mktemp -d "${TMPDIR:-/tmp}/kouan-bench-scale.XXXXXX"); KEEP=; fi
. "$SRC/tests/virtuoso/virtuoso.sh"
cleanup() { vt_stop; [ -n "$KEEP" ] || rm -rf "$W"; }
trap cleanup EXIT
K=$KOUAN
ROWS=()
row() { ROWS+=("$(printf '%-58s %s' "$1" "$2")"); printf '  %-58s %s\n' "$1" "$2" >&2; }
# timed LOG CMD…: runs CMD, stdout to LOG; sets SECS, RSS_MB (peak) and CPU
# (user + system seconds of CMD and its children: on a shared machine the
# wall time also counts what others run).
timed() {
    local log=$1; shift
    /usr/bin/time -f '%e %M %U %S' -o "$W/time" "$@" >"$log" 2>"$log.err"
    local u s
    read -r SECS RSS_KB u s <"$W/time"
    RSS_MB=$((RSS_KB / 1024))
    CPU=$(awk -v u="$u" -v s="$s" 'BEGIN { printf "%.1f", u + s }')
}
rate() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
kquads() { "$K" --store "$1" store info | sed -n 's/^quads *\([0-9]*\).*/\1/p'; }

# ---- the corpus ----------------------------------------------------------------
echo "== corpus: $MB MB in $W" >&2
if [ ! -s "$W/names.tsv" ]; then
    "$K" --store "kouan:$W/src" extract "$SRC/corpus" >/dev/null 2>&1
    for t in Port County Prefecture; do
        "$K" --store "kouan:$W/src" query --format tsv \
            "SELECT DISTINCT ?l WHERE { ?x a kouan:$t ; rdfs:label ?l }" | tail -n +2 | sed "s/^/$t\t/"
    done >"$W/names.tsv"
fi
[ -d "$W/corpus" ] || "$PY" "$HERE/gen_corpus.py" "$W/names.tsv" "$W/corpus" "$MB" >&2
BYTES=$(find "$W/corpus" -name '*.md' -printf '%s\n' | awk '{s+=$1} END {print s}')
NDOCS=$(find "$W/corpus" -name '*.md' | wc -l)
CMB=$(awk -v b="$BYTES" 'BEGIN { printf "%.1f", b / 1e6 }')
row "corpus" "$NDOCS documents, $CMB MB"

# ---- extraction ----------------------------------------------------------------
if part extract; then
echo "== extraction" >&2
for j in 1 2; do
    timed "$W/emit.$j" bash -c "'$K' extract -j $j --emit nquads '$W/corpus' | wc -l"
    Q=$(cat "$W/emit.$j")
    row "extract -j $j --emit nquads" "$(rate "$CMB" "$SECS") MB/s ($SECS s, cpu $CPU s, $Q quads, peak $RSS_MB MiB)"
    eval "EMIT_$j=$SECS"
done
row "  -j 2 speed-up (--emit nquads)" "$(rate "$EMIT_1" "$EMIT_2")×"
# Into the store, STORE_RUNS rounds of -j 1 then -j 2 (default 3), each
# row the median run: on this shared virtual machine one run of the same
# binary took 58 to 74 s with -j 1 and 33 to 42 s with -j 2 within a day,
# more than the -j 2 speed-up's target leaves room for.  Each run starts
# with no store of an earlier run on disk: -j 2 right after -j 1 with the
# 4 GB of store.1 still in the page cache took 42.4 s against 40.0 s
# without (its commits 10.6 s against 4.8: the page cache's new pages came
# from reclaiming store.1's).
STORE_RUNS=${STORE_RUNS:-3}
rm -f "$W/store.1.runs" "$W/store.2.runs"
for r in $(seq 1 "$STORE_RUNS"); do
    for j in 1 2; do
        rm -rf "$W/store.1" "$W/store.2"
        timed "$W/store.$j.$r.log" "$K" --store "kouan:$W/store.$j" extract -j "$j" --timings "$W/corpus"
        echo "$SECS $r $CPU $RSS_MB" >>"$W/store.$j.runs"
    done
done
# the quads of the last store (-j 2): every run stores the same corpus'
# (counting one takes ~11 s; emit_identical checks -j does not change them)
Q=$(kquads "kouan:$W/store.2")
for j in 1 2; do
    # the median run (by wall time), and every run's time
    read -r SECS r CPU RSS_MB < <(sort -n "$W/store.$j.runs" | awk '{ a[NR] = $0 } END { print a[int((NR + 1) / 2)] }')
    ALL=$(awk '{ printf "%s%s", (NR > 1 ? ", " : ""), $1 }' "$W/store.$j.runs")
    PEAK=$(sort -k4 -n "$W/store.$j.runs" | tail -1 | cut -d' ' -f4)
    rm -f "$W/store.$j.runs"
    row "extract -j $j into kouan:DIR" "$(rate "$CMB" "$SECS") MB/s (median $SECS s of $ALL; cpu $CPU s, $Q quads = $(rate "$Q" "$SECS" | cut -d. -f1) quads/s, peak $PEAK MiB)"
    # where the median run's time went (extract --timings): one row of phases
    row "  phases, s" "$(awk '/^  (start|names|extraction|finish|reconcile) / { printf "%s%s %s", n++ ? ", " : "", $1, $2 }
        /writing [0-9.]+ s/ { for (i = 1; i <= NF; i++) { if ($i == "writing") w = $(i+1); if ($i == "workers") x = $(i+1) } }
        /the backlog merged in/ { for (i = 1; i + 2 <= NF; i++) if ($i == "merged" && $(i+1) == "in") m = $(i+2) }
        END { printf " (writer writing %s%s%s)", w, x != "" ? ", waiting " x : "", m != "" ? "; merge " m : "" }' "$W/store.$j.$r.log.err")"
    eval "STORE_$j=$SECS"
done
row "  -j 2 speed-up (into the store, medians)" "$(rate "$STORE_1" "$STORE_2")×"
# the same corpus again: every file found stored, none parsed
timed "$W/again.log" "$K" --store "kouan:$W/store.2" extract -j 2 "$W/corpus"
row "extract -j 2 again, nothing changed" "$SECS s (cpu $CPU s, peak $RSS_MB MiB; $(grep -c ': unchanged (sha256' "$W/again.log") of $NDOCS files unchanged)"
timed "$W/copy.log" "$K" --store "kouan:$W/store.2" store export "kouan:$W/copy"
Q=$(kquads "kouan:$W/copy")
row "kouan:DIR write (store export → a new kouan:DIR)" "$(rate "$Q" "$SECS" | cut -d. -f1) quads/s ($Q quads in $SECS s, peak $RSS_MB MiB)"
rm -rf "$W/copy"
# the whole store as Turtle (sorted in 64 MiB runs: memory stays bounded)
timed "$W/export.count" bash -c "'$K' --store 'kouan:$W/store.2' export | wc -c"
row "export → Turtle (the whole store)" "$(awk -v b="$(cat "$W/export.count")" 'BEGIN { printf "%.0f", b / 1e6 }') MB in $SECS s (cpu $CPU s, peak $RSS_MB MiB)"
fi
# the Virtuoso push and the query stores read the corpus' store
if part virtuoso || part queries; then
    [ -d "$W/store.2" ] || { rm -rf "$W/store.2"; "$K" --store "kouan:$W/store.2" extract -j 2 "$W/corpus" >/dev/null 2>&1; }
fi

# ---- Virtuoso ----------------------------------------------------------------------
if part virtuoso; then
echo "== Virtuoso" >&2
rm -rf "$W/vsub" "$W/vt" "$W/vt2"
mkdir -p "$W/vsub"
# the first n files: awk reads to the end where head would exit early, and
# under pipefail sort's SIGPIPE (exit 141) ended the whole run
find "$W/corpus" -name '*.md' | sort | awk -v n="$VIRT_DOCS" 'NR <= n' | xargs -I{} cp {} "$W/vsub/"
VMB=$(du -sb "$W/vsub" | awk '{printf "%.1f", $1 / 1e6}')
if vt_available && VT_BUFFERS=200000 VT_DIRTY_BUFFERS=150000 vt_start "$W/vt" >&2; then
    timed "$W/vx.log" "$K" --store "$VT_STORE" extract -j 2 "$W/vsub"
    Q=$("$K" --store "$VT_STORE" store info | sed -n 's/^quads *\([0-9]*\).*/\1/p')
    row "extract -j 2 into --store virtuoso: ($VIRT_DOCS docs, $VMB MB)" "$(rate "$Q" "$SECS" | cut -d. -f1) quads/s ($Q quads in $SECS s)"
    "$K" --store "$VT_STORE" export --format nquads | wc -l >"$W/vx.count"
    row "  quads read back from Virtuoso (export)" "$(cat "$W/vx.count")"
    vt_stop                  # a fresh server for the push
    VT_BUFFERS=200000 VT_DIRTY_BUFFERS=150000 vt_start "$W/vt2" >&2
    rm -rf "$W/ksub"
    "$K" --store "kouan:$W/ksub" extract -j 2 "$W/vsub" >/dev/null 2>&1
    timed "$W/push.log" "$K" --store "kouan:$W/ksub" push -q --endpoint "$VT_CRUD" \
        --user dba --password-file "$VT_PASSWORD_FILE"
    Q=$(kquads "kouan:$W/ksub")
    row "kouan push → Virtuoso Graph Store ($VIRT_DOCS docs)" "$(rate "$Q" "$SECS" | cut -d. -f1) quads/s ($Q quads in $SECS s, peak $RSS_MB MiB)"
    if [ -n "${PUSH_ALL:-}" ]; then
        timed "$W/pushall.log" "$K" --store "kouan:$W/store.2" push -q --endpoint "$VT_CRUD" \
            --user dba --password-file "$VT_PASSWORD_FILE" --state "$W/pushall.tsv"
        Q=$(kquads "kouan:$W/store.2")
        row "kouan push, the whole corpus" "$(rate "$Q" "$SECS" | cut -d. -f1) quads/s ($Q quads in $SECS s, peak $RSS_MB MiB)"
        on_server=$(curl -sS -G "http://127.0.0.1:$VT_HTTP_PORT/sparql" -H 'Accept: text/tab-separated-values' \
            --data-urlencode 'query=SELECT (COUNT(DISTINCT ?g) AS ?g) (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } FILTER(STRSTARTS(STR(?g), "https://w3id.org/kouan/doc/scale_")) }' | tail -1)
        in_store=$("$K" --store "kouan:$W/store.2" store info | awk '/^graphs/ {g=$2} /^quads/ {q=$2} END {print g "\t" q}')
        row "  graphs, quads: store | Virtuoso" "$in_store | $on_server"
    fi
    vt_stop
else
    row "Virtuoso" "not measured: virtuoso-t is not installed or did not start"
fi
fi

# ---- queries: kouan vs rdflib at 10^4, 10^5, 10^6 quads --------------------------
if part queries; then
echo "== queries" >&2
docs_per_doc_quads=$(( $(kquads "kouan:$W/store.2") / NDOCS ))
for target in 10000 100000 1000000; do
    n=$(( (target + docs_per_doc_quads - 1) / docs_per_doc_quads ))
    rm -rf "$W/q" "$W/qdocs"; mkdir -p "$W/qdocs"
    find "$W/corpus" -name '*.md' | sort | awk -v n="$n" 'NR <= n' | xargs -I{} cp {} "$W/qdocs/"
    "$K" --store "kouan:$W/q" extract -j 2 "$W/qdocs" >/dev/null 2>&1
    Q=$(kquads "kouan:$W/q")
    "$K" --store "kouan:$W/q" export -o "$W/q.ttl"
    "$PY" "$HERE/queries.py" kouan "kouan:$W/q" >"$W/qk.tsv"
    timeout 3600 "$PY" "$HERE/queries.py" rdflib "$W/q.ttl" >"$W/qr.tsv" || echo "load	-	-" >"$W/qr.tsv"
    row "queries on $Q quads ($n docs), median ms: kouan warm (--repeat) | kouan query alone (--time) | kouan process | rdflib (rows)" ""
    while IFS=$'\t' read -r name ms rows own warm; do
        r=$(awk -F'\t' -v n="$name" '$1 == n { print $2 }' "$W/qr.tsv")
        row "  $name" "$warm | $own | $ms | ${r:--} ($rows)"
    done <"$W/qk.tsv"
    row "  rdflib: parsing the Turtle" "$(awk -F'\t' '$1 == "load" { printf "%.1f s", $2 / 1000 }' "$W/qr.tsv")"
done
fi

# ---- jieba: segmentation alone --------------------------------------------------
if part jieba; then
echo "== jieba" >&2
find "$W/corpus" -name '*.md' | sort | awk 'NR <= 70' | xargs cat >"$W/jieba.txt"
JMB=$(du -b "$W/jieba.txt" | awk '{printf "%.2f", $1 / 1e6}')
JS=$("$PY" -c "
import jieba, sys, time
jieba.setLogLevel(60); jieba.initialize()
t = open(sys.argv[1], encoding='utf-8').read()
s = time.perf_counter(); n = sum(1 for _ in jieba.cut(t)); print(f'{time.perf_counter() - s:.2f}')" "$W/jieba.txt")
row "jieba.cut on $JMB MB (segmentation only, one core)" "$(rate "$JMB" "$JS") MB/s"
fi

echo
echo "kouan bench/scale — $(date -u +%Y-%m-%d), $(nproc) cores, kouan $("$K" --version | awk '{print $2}')"
printf '%s\n' "${ROWS[@]}"
