#!/bin/bash
# store_cli_test.sh KOUAN SRC — the kouan program on its own store (kouan:DIR,
# the default): the seed chapter's triple count equals the distinct count of
# a hashes store, re-extraction changes nothing, export/import round trip,
# `kouan store info`, evidence positions asked by value (formats 3-5) and the
# statement nodes' links asked by object (format 5) as the hashes store
# answers them, and migrating a hashes store.
set -euo pipefail
KOUAN=${1:?usage: store_cli_test.sh KOUAN SRC}
SRC=${2:?usage: store_cli_test.sh KOUAN SRC}
export KOUAN_PLUGIN_PATH=${KOUAN_PLUGIN_PATH:-$(dirname "$KOUAN")/plugins}
unset KOUAN_STORE KOUAN_ONTOLOGY
SEED=$SRC/corpus/000_7180f7658f0f6251.md
T=$(mktemp -d "${TMPDIR:-/tmp}/kouan-store-cli.XXXXXX")
trap 'rm -rf "$T"' EXIT
cd "$T"
fail() { echo "FAIL: $*" >&2; exit 1; }
info() { "$KOUAN" "$@" store info; }
field() { awk -v f="$1" '$1 == f { print $2 }'; }

# the default store is kouan's own
"$KOUAN" extract "$SEED" >/dev/null
[ -f kouan.store/data.mdb ] || fail "the default store is not kouan:kouan.store"
# a new store's first batch is flushed once, at its end: the marker that
# says it is not yet is gone when extract is done
[ ! -e kouan.store/unflushed ] || fail "extract left kouan.store/unflushed behind"
info > info1
triples=$(field triples < info1)
quads=$(field quads < info1)
grep -qx 'format    5 (term ids from a counter; the literal objects of 4 evidence properties not indexed by value; quotes (plain literals) found by a hash of their bytes; 7 properties of statement nodes and types indexed by predicate, not by object alone)' info1 ||
    fail "store info: no format 5 line: $(cat info1)"

# the same document in a hashes store: its distinct triples (export
# de-duplicates) equal ours
"$KOUAN" --store "hashes:$T/h" extract "$SEED" >/dev/null
distinct=$("$KOUAN" --store "hashes:$T/h" export --format ntriples | wc -l)
[ "$triples" = "$distinct" ] || fail "kouan store has $triples triples, hashes $distinct distinct"
[ "$quads" = "$distinct" ] || fail "one graph: quads $quads should equal triples $distinct"
grep -q "^graphs    1$" info1 || fail "graphs: $(cat info1)"

# format 3 leaves the evidence positions (and, since 2026-12-05, quotes) out
# of the by-value indexes: asked by value (a line, any property with that
# value, inside GRAPH, through a join, two facts sharing a quote) kouan:
# answers as the hashes store does, and not with nothing
line=$("$KOUAN" query --format tsv 'SELECT ?l WHERE { ?e kouan:line ?l } ORDER BY ?l LIMIT 1' | sed -n 2p)
[[ "$line" =~ ^[0-9]+$ ]] || fail "no kouan:line in the seed's graph"
for q in "SELECT (COUNT(*) AS ?n) WHERE { ?e kouan:line $line }" \
         "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p $line }" \
         "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p $line } }" \
         "SELECT (COUNT(*) AS ?n) WHERE { ?e ?p ?x . ?e kouan:line $line }" \
         "SELECT (COUNT(*) AS ?n) WHERE { ?e kouan:evidenceStart ?x }" \
         "SELECT (COUNT(*) AS ?n) WHERE { ?e kouan:quote ?q }" \
         "SELECT (COUNT(*) AS ?n) WHERE { ?a kouan:quote ?q . ?b kouan:quote ?q }" \
         "SELECT (COUNT(*) AS ?n) WHERE { ?a kouan:quote ?q . ?s ?p ?q }"; do
    ours=$("$KOUAN" query --format tsv "$q" | tail -1)
    theirs=$("$KOUAN" --store "hashes:$T/h" query --format tsv "$q" | tail -1)
    [ "$ours" = "$theirs" ] && [[ "$ours" =~ ^[1-9][0-9]*$ ]] || fail "$q: kouan $ours, hashes $theirs"
done
grep -q "^terms " info1 && grep -q "^disk " info1 || fail "info lacks terms/disk: $(cat info1)"

# format 5 leaves the statement nodes' links (rdf:subject, rdf:object …)
# and rdf:type out of OSPC: a pattern with only the object bound (what
# `kouan explain` asks of an entity) reads them from POSC, and kouan:
# answers as the hashes store does — per predicate, inside GRAPH, joined
x=$("$KOUAN" query --format tsv 'SELECT ?x WHERE { ?n rdf:subject ?x . ?n rdf:object ?y . ?y a ?c } ORDER BY ?x LIMIT 1' | sed -n 2p)
[[ "$x" == \<*\> ]] || fail "no statement node links two entities in the seed's graph: “$x”"
for q in "SELECT ?p (COUNT(*) AS ?n) WHERE { ?s ?p $x } GROUP BY ?p ORDER BY ?p" \
         "SELECT ?p (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p $x } } GROUP BY ?p ORDER BY ?p" \
         "SELECT ?p (COUNT(*) AS ?n) WHERE { ?s ?p kouan:Port } GROUP BY ?p ORDER BY ?p" \
         "SELECT (COUNT(*) AS ?n) WHERE { ?n rdf:subject $x . ?n ?p ?o . ?m ?q ?o }" \
         "SELECT ?p (COUNT(*) AS ?n) WHERE { ?y a kouan:Port . ?s ?p ?y } GROUP BY ?p ORDER BY ?p"; do
    ours=$("$KOUAN" query --format tsv "$q")
    theirs=$("$KOUAN" --store "hashes:$T/h" query --format tsv "$q")
    [ "$ours" = "$theirs" ] && [ "$(echo "$ours" | wc -l)" -ge 2 ] ||
        fail "$q: kouan “$ours”, hashes “$theirs”"
done
grep -q "rdf-syntax-ns#subject" <<<"$("$KOUAN" query --format tsv "SELECT ?p WHERE { ?s ?p $x }")" ||
    fail "?s ?p $x: no rdf:subject link"

# the marker of a first batch that a restart of the system cut short: the
# store is refused (it may miss pages), saying which file, what to do, and
# that the store was left alone; without the marker it opens again
cp -r kouan.store restarted.store
printf 'left by a test\nboot 00000000-0000-0000-0000-000000000000\npid 1\n' > restarted.store/unflushed
if "$KOUAN" --store kouan:restarted.store query 'ASK {}' > out 2> err; then
    fail "a store whose first batch a restart cut short was opened"
fi
grep -q "the system restarted while the store's first batch was being written" err &&
    grep -q "restarted.store/unflushed" err && grep -q "remove the folder and extract" err ||
    fail "no clear refusal: $(cat err)"
# a first batch still running (its marker: this boot, a live pid): the
# store opens, and `store info` says it is not yet flushed
printf 'left by a test\nboot %s\npid %d\n' "$(cat /proc/sys/kernel/random/boot_id)" $$ \
    > restarted.store/unflushed
"$KOUAN" --store kouan:restarted.store store info > info-filling ||
    fail "a store being filled does not open"
grep -q "being filled by its first batch (pid $$), flushed to disk once when it ends" info-filling ||
    fail "store info does not say the store is being filled: $(cat info-filling)"
# … its writer gone (a pid that has ended): says the next write flushes it;
# a writer (store merge) does, and removes the marker
sh -c 'exit 0' & gone=$!
wait $gone
printf 'left by a test\nboot %s\npid %d\n' "$(cat /proc/sys/kernel/random/boot_id)" $gone \
    > restarted.store/unflushed
"$KOUAN" --store kouan:restarted.store store info > info-gone
grep -q "its first batch (pid $gone) stopped before flushing it to disk" info-gone ||
    fail "store info does not say the filling writer is gone: $(cat info-gone)"
"$KOUAN" --store kouan:restarted.store store merge 2>/dev/null
[ ! -e restarted.store/unflushed ] || fail "a writer did not flush and unmark the store"
[ "$("$KOUAN" --store kouan:restarted.store query --format tsv 'ASK {}' | tail -1)" = true ] ||
    fail "the store without its marker does not open"

# re-extracting leaves the store unchanged (only the extraction time differs)
"$KOUAN" export --format nquads | grep -v generatedAtTime > before.nq
"$KOUAN" extract "$SEED" >/dev/null
"$KOUAN" export --format nquads | grep -v generatedAtTime > after.nq
cmp -s before.nq after.nq || fail "re-extraction changed the graph"
[ "$(info | field quads)" = "$quads" ] || fail "re-extraction changed the count"

# a graph replaced in place (only its changes written) equals the same
# document written into a new store: again with --force, then a changed
# version of the file under the same name (a table row and a paragraph
# gone, a port renamed), then the original again
mkdir -p v
"$KOUAN" extract --force "$SEED" >/dev/null
"$KOUAN" export --format nquads | grep -v generatedAtTime > forced.nq
cmp -s before.nq forced.nq || fail "extract --force changed the graph"
sed -e '0,/^|.*口岸.*|$/{/^|.*口岸.*|$/d}' -e '0,/。$/{/。$/d}' -e 's/樟木/樟木木/g' \
    "$SEED" > "v/$(basename "$SEED")"
cmp -s "$SEED" "v/$(basename "$SEED")" && fail "the changed copy is not changed"
"$KOUAN" extract "v/$(basename "$SEED")" >/dev/null
"$KOUAN" --store "kouan:$T/fresh" extract "v/$(basename "$SEED")" >/dev/null
"$KOUAN" export --format nquads | grep -v generatedAtTime > replaced.nq
"$KOUAN" --store "kouan:$T/fresh" export --format nquads | grep -v generatedAtTime > fresh.nq
cmp -s replaced.nq fresh.nq || fail "a replaced graph differs from the same document in a new store: $(diff replaced.nq fresh.nq | head -5)"
cmp -s replaced.nq before.nq && fail "the changed document did not change the graph"
[ "$(info | field quads)" = "$("$KOUAN" --store "kouan:$T/fresh" store info | field quads)" ] ||
    fail "a replaced graph's count differs from a fresh store's"
"$KOUAN" extract "$SEED" >/dev/null
"$KOUAN" export --format nquads | grep -v generatedAtTime > back.nq
cmp -s before.nq back.nq || fail "extracting the original again did not restore the graph"
[ "$(info | field quads)" = "$quads" ] || fail "extracting the original again: count"

# export to another kouan store and import back into a third: identical
"$KOUAN" store export "kouan:$T/copy" 2>/dev/null
"$KOUAN" --store "kouan:$T/back" store import "kouan:$T/copy" 2>/dev/null
"$KOUAN" export --format nquads > a.nq
"$KOUAN" --store "kouan:$T/back" export --format nquads > b.nq
cmp -s a.nq b.nq || fail "export/import round trip differs"
# a copy into a store it makes commits as it goes (memory bounded); when
# it fails (here the target's map is too small: KOUAN_LMDB_MAP_BYTES, a
# test's setting) it removes what it made and says so — the folder too
# when it made it, an existing empty folder kept empty
if KOUAN_LMDB_MAP_BYTES=262144 "$KOUAN" store export "kouan:$T/small" 2>err; then
    fail "a copy into a full map succeeded"; fi
grep -q "the new store $T/small was removed" err || fail "failed copy's message: $(cat err)"
grep -q "MDB_MAP_FULL" err || fail "failed copy's reason: $(cat err)"
[ ! -e "$T/small" ] || fail "the failed copy left $(ls -A "$T/small")"
mkdir "$T/empty"
if KOUAN_LMDB_MAP_BYTES=262144 "$KOUAN" store export "kouan:$T/empty" 2>err; then
    fail "a copy into a full map succeeded"; fi
[ -d "$T/empty" ] && [ -z "$(ls -A "$T/empty")" ] || fail "the failed copy into an empty folder left: $(ls -A "$T/empty")"
if KOUAN_LMDB_MAP_BYTES=262144 "$KOUAN" --store "kouan:$T/small2" store import kouan:kouan.store 2>err; then
    fail "an import into a full map succeeded"; fi
grep -q "the new store $T/small2 was removed" err || fail "failed import's message: $(cat err)"
[ ! -e "$T/small2" ] || fail "the failed import left $(ls -A "$T/small2")"
# and through hashes
"$KOUAN" --store "kouan:$T/fromh" store import "hashes:$T/h" 2>/dev/null
[ "$("$KOUAN" --store "kouan:$T/fromh" store info | field triples)" = "$distinct" ] ||
    fail "import from hashes"
# a store onto itself is refused
if "$KOUAN" store import kouan:kouan.store 2>err; then fail "self-import accepted"; fi
grep -q "need two stores" err || fail "self-import message: $(cat err)"

# a hashes store in the default place: a clear message, then migrate
mv kouan.store k.bak
cp -r h kouan.store
if "$KOUAN" query 'ASK { ?s ?p ?o }' >/dev/null 2>err; then fail "a hashes store opened as kouan:"; fi
grep -q "kouan store migrate" err || fail "no migration hint: $(cat err)"
"$KOUAN" store migrate 2>err || fail "migrate: $(cat err)"
[ -d kouan.store.hashes ] && [ -f kouan.store/data.mdb ] || fail "migrate left $(ls)"
[ "$(info | field triples)" = "$distinct" ] || fail "migrated store count"

# query results on kouan: equal those on hashes (DISTINCT not needed)
Q='SELECT ?port WHERE { ?v rdfs:label "西藏"@zh . ?p kouan:province ?v ; a kouan:Port ; rdfs:label ?port } ORDER BY ?port'
"$KOUAN" query --format tsv "$Q" > q1
"$KOUAN" --store "hashes:$T/h" query --format tsv "$Q" > q2
cmp -s q1 q2 || fail "query results differ: $(diff q1 q2 | head)"
[ "$(wc -l < q1)" -ge 4 ] || fail "too few ports: $(cat q1)"
echo "store.cli: ok ($triples triples)"
