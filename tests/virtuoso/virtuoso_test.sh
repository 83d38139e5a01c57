#!/bin/bash
# virtuoso_test.sh KOUAN SRC — kouan and a private Virtuoso, both ways:
#   store:  extract, query, export, explain, check, remove, serve through
#           --store virtuoso:…, compared with the same work on kouan:DIR;
#   push:   the corpus pushed to Virtuoso's Graph Store endpoint (Digest
#           auth), graphs and triples counted on both sides, incrementally.
# The server is private (its own folder and free ports on 127.0.0.1, its
# own ODBC files) and stopped by its PID, also on failure.  Exit 77 (CTest:
# skipped) with a loud message only when Virtuoso is not installed or does
# not start; anything else that goes wrong fails.
set -euo pipefail
KOUAN=${1:?usage: virtuoso_test.sh KOUAN SRC}
SRC=${2:?usage: virtuoso_test.sh KOUAN SRC}
HERE=$(cd "$(dirname "$0")" && pwd)
PY=/usr/bin/python3
unset KOUAN_STORE KOUAN_ONTOLOGY
DOC=https://w3id.org/kouan/doc
. "$HERE/virtuoso.sh"

skip() {
    {
        echo "################################################################"
        echo "## SKIPPED: $*"
        echo "## The Virtuoso tests did not run.  Install: scripts/install-deps"
        echo "## (virtuoso-opensource librdf-storage-virtuoso unixodbc)"
        echo "################################################################"
    } >&2
    exit 77
}
vt_available || skip "virtuoso-t, isql-vt, $VT_DRIVER or $VT_REDLAND is missing"

T=$(mktemp -d "${TMPDIR:-/tmp}/kouan-virtuoso.XXXXXX")
SERVE_PID=
cleanup() {
    if [ -n "$SERVE_PID" ]; then kill "$SERVE_PID" 2>/dev/null; wait "$SERVE_PID" 2>/dev/null || true; fi
    vt_stop
    rm -rf "$T"
}
trap cleanup EXIT
vt_start "$T/vt" || skip "virtuoso-t did not start (log above)"
echo "virtuoso-t pid $VT_PID, SQL port $VT_SQL_PORT, HTTP port $VT_HTTP_PORT"
VS=$VT_STORE                 # virtuoso:dsn=…;user=dba;password-file=…
KS=kouan:$T/k

fail() {
    echo "FAIL: $*" >&2
    for f in out err; do
        [ -s "$T/$f" ] && { echo "--- std$f:" >&2; head -c 3000 "$T/$f" >&2; echo >&2; }
    done
    exit 1
}
pass() { echo "ok: $*"; }
run() { set +e; "$@" >"$T/out" 2>"$T/err"; RC=$?; set -e; }
expect_exit() { local want=$1; shift; run "$@"; [ "$RC" -eq "$want" ] || fail "exit $RC, expected $want: $*"; }
has() { grep -qF -- "$1" "$2" || fail "“$1” not in $2"; }
# sparql QUERY: the server's own SPARQL endpoint, TSV without the header.
sparql() {
    curl -sS --fail -G "http://127.0.0.1:$VT_HTTP_PORT/sparql" \
         --data-urlencode "query=$1" -H 'Accept: text/tab-separated-values' | tail -n +2
}
# the N-Quads of a store without the extraction time (it differs by run)
quads() { "$KOUAN" --store "$1" export --format nquads | grep -v 'prov#generatedAtTime'; }

cd "$SRC"                    # dcterms:source is the path as given: the same on both sides
FILES=(corpus/000_7180f7658f0f6251.md corpus/001_southwest_northwest.md
       corpus/002_ports_table.html corpus/003_northeast_traditional.md)

# ---- opening: what a wrong spec, DSN or password says --------------------------
expect_exit 1 "$KOUAN" --store "virtuoso:dsn=$VT_DSN;user=dba" store info
has "missing password-file" "$T/err"
printf 'wrong\n' >"$T/wrong.pw"
expect_exit 1 "$KOUAN" --store "virtuoso:dsn=$VT_DSN;user=dba;password-file=$T/wrong.pw" store info
has "Virtuoso does not answer" "$T/err"
expect_exit 1 "$KOUAN" --store "virtuoso:dsn=nowhere;user=dba;password-file=$VT_PASSWORD_FILE" store info
has "Virtuoso does not answer" "$T/err"
pass "a missing key, a wrong password, an unknown DSN: exit 1 with what to check"

# ---- the store: extract, export, query, explain, check --------------------------
expect_exit 0 "$KOUAN" --store "$KS" extract "${FILES[@]}"
expect_exit 0 "$KOUAN" --store "$VS" extract -j 2 "${FILES[@]}"
cat "$T/out" "$T/err" | grep -qF "4 of 4 files extracted" || fail "extract did not report 4 of 4"
quads "$KS" >"$T/k.nq"
quads "$VS" >"$T/v.nq"
[ "$(wc -l <"$T/k.nq")" -gt 6000 ] || fail "kouan: store holds too little"
cmp -s "$T/k.nq" "$T/v.nq" || { diff "$T/k.nq" "$T/v.nq" | head -20 >&2; fail "export --format nquads differs from kouan:DIR"; }
"$KOUAN" --store "$VS" export -o "$T/v.ttl"
"$PY" -c "import rdflib,sys; g=rdflib.Graph(); g.parse(sys.argv[1]); assert len(g) > 5000" "$T/v.ttl" ||
    fail "rdflib cannot read the Turtle export"
pass "extract -j 2 into Virtuoso: N-Quads export identical to kouan:DIR ($(wc -l <"$T/v.nq") quads); Turtle reads"

expect_exit 0 "$KOUAN" --store "$VS" store info
has "(Virtuoso)" "$T/out"
has "graphs    4" "$T/out"
n_k=$("$KOUAN" --store "$KS" store info | sed -n 's/^quads *\([0-9]*\).*/\1/p')
grep -q "^quads *$n_k " "$T/out" || fail "store info: quads differ from kouan:DIR ($n_k)"
pass "store info: $n_k quads in 4 graphs, as kouan:DIR"

Q1='SELECT ?port WHERE { ?v rdfs:label "西藏"@zh . ?p kouan:province ?v ; a kouan:Port ; rdfs:label ?port } ORDER BY ?port'
Q2='SELECT ?province (COUNT(?p) AS ?n) WHERE { ?p a kouan:Port ; kouan:province ?v . ?v rdfs:label ?province } GROUP BY ?province ORDER BY ?province'
Q3='SELECT ?port ?zone WHERE { ?p a kouan:Port ; rdfs:label ?port ; kouan:province ?v . ?v kouan:tradeZone ?z . ?z rdfs:label ?zone } ORDER BY ?port ?zone'
Q4='SELECT ?line ?quote WHERE { ?e rdf:subject ?p ; rdf:predicate kouan:province ; kouan:line ?line ; kouan:quote ?quote . ?p rdfs:label "樟木"@zh } ORDER BY ?line'
i=0
for q in "$Q1" "$Q2" "$Q3" "$Q4"; do
    i=$((i + 1))
    for fmt in table json; do
        "$KOUAN" --store "$KS" query --format $fmt "$q" >"$T/qk" || fail "query $i on kouan:DIR"
        run "$KOUAN" --store "$VS" query --format $fmt "$q"
        [ "$RC" -eq 0 ] || fail "query $i ($fmt) on Virtuoso: exit $RC"
        cmp -s "$T/qk" "$T/out" || { diff "$T/qk" "$T/out" | head >&2; fail "query $i ($fmt) differs"; }
    done
    [ "$(wc -l <"$T/qk")" -gt 2 ] || fail "query $i found nothing"
done
has "@zh" <(  "$KOUAN" --store "$VS" query --format json "$Q1" | sed 's/"xml:lang" *: *"zh"/@zh/g' ) ||
    fail "a language tag came back wrong"
expect_exit 1 "$KOUAN" --store "$VS" query 'SELECT ?x WHERE { ?x'
has "query:" "$T/err"
pass "queries (ports of 西藏, ports per province, port → zone, evidence) give the same table and JSON; a bad query says where"

for cmd in "explain 樟木" "explain 西藏" "check"; do
    set +e
    "$KOUAN" --store "$KS" $cmd >"$T/ek" 2>&1; a=$?
    "$KOUAN" --store "$VS" $cmd >"$T/ev" 2>&1; b=$?
    set -e
    [ "$a" = "$b" ] || fail "$cmd: exit $b on Virtuoso, $a on kouan:DIR"
    # the same lines; facts come in each storage's own order
    cmp -s <(sort "$T/ek") <(sort "$T/ev") || { diff "$T/ek" "$T/ev" | head >&2; fail "$cmd differs"; }
done
pass "explain and check print the same facts as on kouan:DIR"

# ---- incremental: unchanged, remove ----------------------------------------------
expect_exit 0 "$KOUAN" --store "$VS" extract "${FILES[0]}"
cat "$T/out" "$T/err" | grep -qF "unchanged" || fail "a second extract was not skipped as unchanged"
expect_exit 0 "$KOUAN" --store "$VS" remove 001_southwest_northwest
expect_exit 0 "$KOUAN" --store "$KS" remove 001_southwest_northwest
quads "$KS" >"$T/k.nq"
quads "$VS" >"$T/v.nq"
cmp -s "$T/k.nq" "$T/v.nq" || fail "after remove, the stores differ"
"$KOUAN" --store "$VS" store info | grep -q "^graphs    3" || fail "remove left the graph"
pass "an unchanged file is skipped; remove drops exactly that graph"

# ---- serve on the Virtuoso store ----------------------------------------------
port=$(vt_free_port)
"$KOUAN" --store "$VS" serve --port "$port" --quiet --workers 1 >"$T/serve.out" 2>&1 &
SERVE_PID=$!
for _ in $(seq 1 100); do curl -s -o /dev/null "http://127.0.0.1:$port/" && break; sleep 0.1; done
curl -sS --fail -G "http://127.0.0.1:$port/sparql" --data-urlencode "query=$Q1" \
     --data-urlencode format=csv >"$T/serve.csv" || { cat "$T/serve.out" >&2; fail "serve did not answer"; }
"$KOUAN" --store "$KS" query --format csv "$Q1" >"$T/qk.csv"
cmp -s "$T/qk.csv" "$T/serve.csv" || { diff "$T/qk.csv" "$T/serve.csv" | head >&2; fail "serve answered differently"; }
kill "$SERVE_PID"; wait "$SERVE_PID" 2>/dev/null || true; SERVE_PID=
pass "serve answers SPARQL from the Virtuoso store"

# leave the server's kouan graphs empty for the push
for f in "${FILES[@]}"; do "$KOUAN" --store "$VS" remove "$f" >/dev/null 2>&1 || true; done
[ -z "$(sparql "SELECT ?g WHERE { GRAPH ?g { ?s ?p ?o } FILTER(STRSTARTS(STR(?g), \"$DOC/\")) } LIMIT 1")" ] ||
    fail "kouan's graphs are still on the server after removing every document"

# ---- push: the Graph Store Protocol with Digest auth ----------------------------
expect_exit 0 "$KOUAN" --store "$KS" extract "${FILES[@]}"
"$KOUAN" --store "$KS" export --format nquads >"$T/k.nq"
expect_exit 0 "$KOUAN" --store "$KS" push --endpoint "$VT_CRUD" --user dba --password-file "$VT_PASSWORD_FILE"
has "4 sent" "$T/out"
has "0 failed" "$T/out"
count_server() {
    sparql "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } FILTER(STRSTARTS(STR(?g), \"$DOC/\")) } GROUP BY ?g ORDER BY ?g" |
        tr -d '"<>' | sort
}
count_store() { awk '{ g = $NF == "." ? $(NF-1) : $NF; gsub(/[<>]/, "", g); n[g]++ } END { for (g in n) print g "\t" n[g] }' "$1" | sort; }
count_server >"$T/server.counts"
count_store "$T/k.nq" >"$T/store.counts"
cmp -s "$T/store.counts" "$T/server.counts" ||
    { paste "$T/store.counts" "$T/server.counts" >&2; fail "graphs or triples differ after push"; }
[ "$(wc -l <"$T/server.counts")" = 4 ] || fail "expected 4 graphs on the server"
pass "push: 4 graphs, $(awk -F'\t' '{s+=$2} END {print s}' "$T/server.counts") triples, the same on both sides"

# the server's copy of a graph is the store's (rdflib compares the triples)
curl -sS --fail --digest -u "dba:$(cat "$VT_PASSWORD_FILE")" -H 'Accept: text/turtle' \
     "$VT_CRUD?graph=$DOC/000_7180f7658f0f6251" >"$T/seed.ttl"
"$PY" - "$T/k.nq" "$T/seed.ttl" "$DOC/000_7180f7658f0f6251" <<'EOF' || fail "the pushed seed graph differs from the store's"
import sys, rdflib
ds = rdflib.ConjunctiveGraph(); ds.parse(sys.argv[1], format="nquads")
want = set(ds.get_context(rdflib.URIRef(sys.argv[3])))
got = set(rdflib.Graph().parse(sys.argv[2], format="turtle"))
from decimal import Decimal
XSD = "http://www.w3.org/2001/XMLSchema#"
def value(o):   # Virtuoso's Turtle writes a whole xsd:decimal as an integer
    if isinstance(o, rdflib.Literal) and str(o.datatype or "") in (XSD + "decimal", XSD + "integer"):
        return ("number", Decimal(str(o)))
    return o
def norm(ts):   # ... and xsd:dateTime its own way: compare the rest
    return {(s, p, value(o)) for s, p, o in ts if not str(p).endswith("generatedAtTime")}
if norm(want) != norm(got):
    sys.exit(f"{len(want)} in the store, {len(got)} on the server, "
             f"{len(norm(want) ^ norm(got))} differ")
EOF
pass "the seed chapter's graph on the server is the store's, triple for triple"

expect_exit 0 "$KOUAN" --store "$KS" push --endpoint "$VT_CRUD" --user dba --password-file "$VT_PASSWORD_FILE"
has "4 unchanged" "$T/out"
expect_exit 0 "$KOUAN" --store "$KS" remove 002_ports_table
expect_exit 0 "$KOUAN" --store "$KS" push --endpoint "$VT_CRUD" --user dba --password-file "$VT_PASSWORD_FILE"
has "deleted    002_ports_table" "$T/out"
has "3 unchanged" "$T/out"
[ "$(count_server | wc -l)" = 3 ] || fail "the deleted graph is still on the server"
expect_exit 1 "$KOUAN" --store "$KS" push --endpoint "$VT_CRUD" --user dba --password-file "$T/wrong.pw" --force --retries 0
has "HTTP 401" "$T/err"
pass "push again: unchanged; a removed document DELETEd; a wrong password: HTTP 401"

# the server holds what it was given: SPARQL answers from it
[ "$(sparql 'SELECT (COUNT(DISTINCT ?p) AS ?n) WHERE { ?p a <https://w3id.org/kouan/ontology#Port> }')" -gt 50 ] ||
    fail "Virtuoso's own SPARQL sees too few ports"
pass "Virtuoso's SPARQL endpoint answers over the pushed graphs"
echo "virtuoso_test: all passed"
