#!/bin/bash
# seed_eval.sh — statistics end to end: the seed chapter through every
# plugin, then `kouan eval` against its gold, where area, population and
# tradeVolume must each reach precision 1.0 and recall 1.0 (read from eval's
# table); a SPARQL query must find 东北's trade volume as a sosa:Observation
# dated 2013, in USD, with its share of the national total; and a document
# in full-width digits (NFKC) with a forecast and figures about no region
# gives exactly its three current figures.  Environment: KOUAN, SRC,
# KOUAN_PLUGIN_PATH, FIXTURES.
set -euo pipefail
: "${KOUAN:?}" "${SRC:?}" "${KOUAN_PLUGIN_PATH:?}" "${FIXTURES:?}"
unset KOUAN_STORE KOUAN_ONTOLOGY
ID=000_7180f7658f0f6251
T=$(mktemp -d "${TMPDIR:-/tmp}/kouan-stats-seed.XXXXXX")
trap 'rm -rf "$T"' EXIT
K=("$KOUAN" --store "hashes:$T/store")
fail() { echo "FAIL: $*" >&2; [ -s "$T/out" ] && head -c 6000 "$T/out" >&2; exit 1; }

"${K[@]}" plugins | grep -q stats || fail "the stats plugin is not loaded"
"${K[@]}" extract -q "$SRC/corpus/$ID.md" || fail "extract"
"${K[@]}" eval --gold "$SRC/corpus/gold/$ID.tsv" --doc "$ID" -v >"$T/out" || fail "eval"

# predicate gold extracted correct precision recall F1
for p in area population tradeVolume; do
    row=$(grep -E "^$p +[0-9]" "$T/out" | tr -s ' ') || fail "$p: no row in eval's output"
    set -- $row
    echo "$p: gold $2, extracted $3, correct $4, precision $5, recall $6"
    [ "$2" -gt 0 ] || fail "$p: the gold has no $p facts"
    [ "$5" = 1.000 ] && [ "$6" = 1.000 ] || fail "$p: precision $5, recall $6 (want 1.000 and 1.000)"
done

# the observation node of 东北's trade volume: dated, with unit and share
"${K[@]}" query --format tsv 'SELECT ?v ?y ?u ?s WHERE {
    ?z rdfs:label "东北"@zh .
    ?o sosa:hasFeatureOfInterest ?z ; a sosa:Observation ;
       sosa:observedProperty kouan:tradeVolume ; sosa:hasSimpleResult ?v ;
       kouan:year ?y ; kouan:unit ?u ; kouan:share ?s ;
       rdf:subject ?z ; kouan:rule "stats:tradeVolume" ; kouan:quote ?q .
    FILTER(?y = "2013"^^xsd:gYear) }' >"$T/obs" || fail "observation query"
cat "$T/obs"
[ "$(tail -n +2 "$T/obs")" = "$(printf '168550000000\t2013\tUSD\t0.0463')" ] ||
    fail "东北 tradeVolume observation: got $(tail -n +2 "$T/obs" | tr '\t\n' ' ')"

# full-width digits, a forecast, figures about no region
"${K[@]}" extract -q "$FIXTURES/fullwidth.md" || fail "extract fullwidth.md"
"${K[@]}" query --format tsv 'SELECT ?p ?v WHERE {
    ?e kouan:plugin ?pl ; rdf:predicate ?p ; rdf:object ?v ; prov:wasDerivedFrom ?d .
    FILTER(STRSTARTS(?pl, "stats") && STRENDS(STR(?d), "/fullwidth")) } ORDER BY ?v' >"$T/fw" ||
    fail "fullwidth query"
cat "$T/fw"
want=$(printf '%s\n' "https://w3id.org/kouan/ontology#population	178670000" \
    "https://w3id.org/kouan/ontology#area	2550000" \
    "https://w3id.org/kouan/ontology#tradeVolume	55620000000")
got=$(tail -n +2 "$T/fw" | sed 's/[<>]//g')
[ "$(sort <<<"$got")" = "$(sort <<<"$want")" ] || fail "fullwidth.md: got $got"
echo "ok: statistics"
