#!/bin/bash
# seed_eval.sh — the seed chapter through every plugin (tables + rules), then
# `kouan eval` against its gold: the relation predicates must reach the
# issue's targets (precision ≥ 0.98, recall ≥ 0.97), every prose relation
# named by a rule must have its evidence, and none may be asserted from
# future tense.  Environment: KOUAN, SRC, KOUAN_PLUGIN_PATH.
set -euo pipefail
: "${KOUAN:?}" "${SRC:?}" "${KOUAN_PLUGIN_PATH:?}"
unset KOUAN_STORE KOUAN_ONTOLOGY
ID=000_7180f7658f0f6251
T=$(mktemp -d "${TMPDIR:-/tmp}/kouan-rules-seed.XXXXXX")
trap 'rm -rf "$T"' EXIT
K=("$KOUAN" --store "hashes:$T/store")
fail() { echo "FAIL: $*" >&2; [ -s "$T/out" ] && head -c 6000 "$T/out" >&2; exit 1; }

"${K[@]}" extract -q "$SRC/corpus/$ID.md" || fail "extract"
"${K[@]}" eval --gold "$SRC/corpus/gold/$ID.tsv" -v >"$T/out" || fail "eval"
cat "$T/out"

# relation predicates, summed: gold, extracted, correct
read -r g x c < <(awk '$1 ~ /^(province|tradeZone|neighbour|opensTo|counterpart|prefecture|transport)$/ \
    { g += $2; x += $3; c += $4 } END { print g, x, c }' "$T/out")
awk -v g="$g" -v x="$x" -v c="$c" 'BEGIN {
    p = x ? c / x : 0; r = g ? c / g : 0
    printf "relations: gold %d, extracted %d, correct %d: precision %.3f, recall %.3f\n", g, x, c, p, r
    exit !(p >= 0.98 && r >= 0.97) }' || fail "relation predicates below precision 0.98 / recall 0.97"

# each prose relation the rules found is in the gold (none spurious) …
for p in neighbour opensTo counterpart country transport officialName; do
    row=$(grep -E "^$p +[0-9]" "$T/out" | tr -s ' ')
    set -- $row
    [ "$3" -gt 0 ] || fail "$p: nothing extracted (are the rules loaded?)"
    [ "$3" = "$4" ] || fail "$p: $3 extracted but only $4 correct"
done
# … and nothing from 樟木、吉隆口岸将成为铁路、公路运输兼备的口岸
"${K[@]}" query --format tsv 'ASK { ?p kouan:transport kouan:Rail ; rdfs:label "樟木"@zh }' >"$T/ask"
grep -qx false "$T/ask" || fail "樟木 transport Rail was asserted from future tense"
# every rules fact has its evidence sentence
"${K[@]}" query --format tsv 'SELECT (COUNT(?e) AS ?n) WHERE { ?e kouan:plugin ?pl ;
    kouan:quote ?q ; kouan:line ?l . FILTER(STRSTARTS(?pl, "rules")) }' >"$T/n"
n=$(tail -1 "$T/n")
[ "$n" -gt 20 ] || fail "only $n rules facts with evidence"
echo "ok: $n rules facts, each with its evidence"
