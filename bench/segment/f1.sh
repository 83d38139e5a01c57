#!/bin/bash
# f1.sh GOLD... — word F1 of kouan, jieba (HMM off and on) and friso on
# segmentation test sets in the SIGHAN bakeoff format (one sentence per
# line, words separated by spaces: icwb2-data's gold/pku_test_gold.utf8,
# gold/msr_test_gold.utf8, or any part of them).  Each gold file's words
# are joined back into plain lines, every tool segments those lines, and
# score.py compares.  The test sets are not redistributed here (the
# bakeoff data is free for research use only): bring your own copy.
#
# Needs a build (build/), python3-jieba, libfriso-dev and friso-dict.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
BUILD=${BUILD:-$ROOT/build}
FRISO_INI=${FRISO_INI:-/etc/friso/friso.ini}
PY=/usr/bin/python3
[ $# -ge 1 ] || { sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
W=$(mktemp -d "${TMPDIR:-/tmp}/kouan-f1.XXXXXX")
trap 'rm -rf "$W"' EXIT
cmake --build "$BUILD" --target kouan kouan_lexicon >/dev/null
cc -O2 -o "$W/frisobench" "$HERE/frisobench.c" -lfriso

printf '| test set | words | kouan | jieba (HMM off) | jieba (HMM on) | friso |\n|---|---:|---:|---:|---:|---:|\n'
for gold in "$@"; do
    [ -r "$gold" ] || { echo "f1.sh: cannot read $gold" >&2; exit 1; }
    "$PY" -c 'import re,sys
for l in open(sys.argv[1], encoding="utf-8"): print(re.sub(r"\s+", "", l))' "$gold" > "$W/in.txt"
    "$BUILD/kouan" tokenize --format text "$W/in.txt" > "$W/kouan.txt"
    for hmm in 0 1; do
        "$PY" -c 'import logging,sys,jieba
jieba.setLogLevel(logging.WARNING)
for l in open(sys.argv[1], encoding="utf-8").read().splitlines():
    print(" ".join(w for w in jieba.cut(l, HMM=sys.argv[2] == "1") if w.strip()))' "$W/in.txt" $hmm > "$W/jieba$hmm.txt"
    done
    "$W/frisobench" -o "$W/friso.txt" "$FRISO_INI" "$W/in.txt" >/dev/null
    row="| $(basename "$gold") | $("$PY" "$HERE/score.py" "$gold" "$W/kouan.txt" 2>/dev/null | sed 's/.*gold_words=\([0-9]*\).*/\1/')"
    for t in kouan jieba0 jieba1 friso; do
        f=$("$PY" "$HERE/score.py" "$gold" "$W/$t.txt" 2>/dev/null | sed 's/.*F1=\([0-9.]*\).*/\1/') || f="(lines differ)"
        row="$row | $f"
    done
    echo "$row |"
done
