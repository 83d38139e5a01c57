#!/bin/bash
# corpus_eval.sh ID MIN_PRECISION MIN_RECALL — one corpus document through
# every plugin into a fresh store, then `kouan eval` against its gold, keeping
# to that document: the relation predicates the gold has (province,
# tradeZone, neighbour, opensTo, counterpart, country, transport, prefecture)
# must reach the given precision and recall.  Environment: KOUAN, SRC,
# KOUAN_PLUGIN_PATH.
set -euo pipefail
: "${KOUAN:?}" "${SRC:?}" "${KOUAN_PLUGIN_PATH:?}"
unset KOUAN_STORE KOUAN_ONTOLOGY
ID=$1 MINP=$2 MINR=$3
FILE=$(ls "$SRC"/corpus/"$ID".* | head -1)
T=$(mktemp -d "${TMPDIR:-/tmp}/kouan-corpus.XXXXXX")
trap 'rm -rf "$T"' EXIT
K=("$KOUAN" --store "hashes:$T/store")
fail() { echo "FAIL: $ID: $*" >&2; [ -s "$T/out" ] && cat "$T/out" >&2; exit 1; }

"${K[@]}" extract -q "$FILE" || fail "extract"
"${K[@]}" eval --gold "$SRC/corpus/gold/$ID.tsv" --doc "$ID" -v >"$T/out" || fail "eval"
read -r g x c < <(awk '$1 ~ /^(province|tradeZone|neighbour|opensTo|counterpart|country|prefecture|transport)$/ \
    { g += $2; x += $3; c += $4 } END { print g + 0, x + 0, c + 0 }' "$T/out")
[ "$g" -gt 0 ] || fail "the gold has no relation facts"
awk -v g="$g" -v x="$x" -v c="$c" -v mp="$MINP" -v mr="$MINR" -v id="$ID" 'BEGIN {
    p = x ? c / x : 0; r = g ? c / g : 0
    printf "%s relations: gold %d, extracted %d, correct %d: precision %.3f, recall %.3f\n", id, g, x, c, p, r
    exit !(p >= mp && r >= mr) }' || fail "relation predicates below precision $MINP / recall $MINR"
