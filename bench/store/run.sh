#!/bin/bash
# run.sh [QUADS] — kouan's LMDB store vs Redland hashes vs rdflib, side by
# side on one generated knowledge-graph-shaped data set (default 1M quads;
# hashes on 100k: its natural-form queries do not finish at 1M).
# Needs a build in ../../build (for the sources) and python3-rdflib.
set -euo pipefail
N=${1:-1000000}
HERE=$(cd "$(dirname "$0")" && pwd)
SRC=$(cd "$HERE/../.." && pwd)
W=$(mktemp -d "${TMPDIR:-/tmp}/kouan-bench-store.XXXXXX")
trap 'rm -rf "$W"' EXIT
gcc -O2 -o "$W/bench_store" "$HERE/bench_store.c" "$SRC/core/src/store/lmdb_storage.c" \
    -I"$SRC/core/src" $(pkg-config --cflags --libs redland lmdb)
B=$W/bench_store
$B gen "$N" "$W/kg.nq"
$B gen 100000 "$W/kg100k.nq"
echo "== kouan (LMDB), $N quads"
$B load "kouan:$W/k" "$W/kg.nq"
$B query "kouan:$W/k" 3
$B replace "kouan:$W/k" "$W/kg.nq" 3
echo "== kouan (LMDB), 100k quads"
$B load "kouan:$W/k100" "$W/kg100k.nq"
$B query "kouan:$W/k100" 3
echo "== Redland hashes (BDB), 100k quads (each query stopped after 300 s)"
$B load "hashes:$W/h100" "$W/kg100k.nq"
timeout 300 $B query "hashes:$W/h100" 1 || echo "query	>300	(stopped)"
echo "== rdflib, $N quads"
(cd "$HERE" && /usr/bin/python3 rdflib_bench.py "$W/kg.nq" 1)
