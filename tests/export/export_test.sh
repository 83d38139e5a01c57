#!/bin/bash
# export_test.sh CASE — `kouan export` for people (DOT, SVG, PNG, CSV) and
# the determinism of the RDF exports (sorted in bounded memory: runs merged
# from temporary files), over the seed chapter.
#
# Environment (set by tests/export/CMakeLists.txt): KOUAN, KOUAN_PLUGIN_PATH,
# SRC (the source tree).
set -euo pipefail

CASE=${1:?usage: export_test.sh CASE}
: "${KOUAN:?}" "${SRC:?}" "${KOUAN_PLUGIN_PATH:?}"
PY=/usr/bin/python3
SEED=$SRC/corpus/000_7180f7658f0f6251.md
SECOND=$SRC/corpus/001_southwest_northwest.md
unset KOUAN_STORE KOUAN_ONTOLOGY

T=$(mktemp -d "${TMPDIR:-/tmp}/kouan-export-$CASE.XXXXXX")
trap 'rm -rf "$T"' EXIT
cd "$T"
STORE=kouan:$T/store
fail() { echo "FAIL [$CASE]: $*" >&2; [ -s "$T/err" ] && head -c 2000 "$T/err" >&2; exit 1; }
pass() { echo "ok [$CASE]: $*"; }
"$KOUAN" --store "$STORE" extract "$SEED" >/dev/null 2>"$T/err" || fail "extract"

case "$CASE" in

dot)
    "$KOUAN" --store "$STORE" export --format dot -o g.dot 2>"$T/err" || fail "export --format dot"
    dot -Tsvg g.dot -o g.svg 2>"$T/err" || fail "dot -Tsvg does not read the DOT"
    grep -q 'subgraph "cluster_' g.dot || fail "no clusters"
    for z in 东北 西北 西南; do grep -q "label=\"$z\"" g.dot || fail "no cluster for $z"; done
    # the chain for all nine provinces: province → zone edges, a port → each province
    "$PY" - g.dot <<'PYEOF' || fail "the chain is not there for every province"
import re, sys
dot = open(sys.argv[1], encoding="utf-8").read()
edges = re.findall(r'"([^"]+)" -> "([^"]+)"', dot)
prov = lambda x: "/province/" in x
zone_of = {a: b for a, b in edges if prov(a) and "/zone/" in b}
assert len(zone_of) == 9, zone_of
ported = {b for a, b in edges if "/port/" in a and prov(b)}
assert ported == set(zone_of), set(zone_of) - ported
assert any("/port/" in a and "/country/" in b for a, b in edges)
PYEOF
    pass "DOT parses with dot -Tsvg; three zone clusters; port → province → zone for nine provinces"
    ;;

svg_png)
    "$KOUAN" --store "$STORE" export --format svg -o g.svg 2>"$T/err" || fail "export --format svg"
    xmllint --noout g.svg || fail "the SVG is not XML"
    grep -q '樟木' g.svg || fail "the SVG lacks 樟木"
    for p in 西藏 黑龙江 吉林 辽宁 内蒙古 新疆 甘肃 云南 广西; do
        grep -q ">$p<" g.svg || fail "the SVG lacks $p"
    done
    "$KOUAN" --store "$STORE" export --format png -o g.png 2>"$T/err" || fail "export --format png"
    [ "$(head -c 8 g.png | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ] || fail "not a PNG"
    [ "$(stat -c %s g.png)" -gt 10000 ] || fail "the PNG is tiny"
    pass "SVG (XML, 樟木 and the nine provinces) and PNG through libgvc"
    ;;

csv)
    "$KOUAN" --store "$STORE" export --format csv -o ports.csv 2>"$T/err" || fail "export --format csv"
    "$PY" - ports.csv "$SEED" <<'PYEOF' || fail "the CSV does not hold 表 1-1"
import csv, re, sys
rows = list(csv.reader(open(sys.argv[1], encoding="utf-8", newline="")))
assert rows[0] == ["port", "province", "zone", "countries", "transport", "counterpart"], rows[0]
by_port = {r[0]: r for r in rows[1:]}
# 表 1-1 of the seed: zone (blank: same as above), province, ports joined by 、
lines = open(sys.argv[2], encoding="utf-8").read().split("\n")
start = lines.index("表 1-1 中国边境贸易区和主要边境口岸") + 3
want, zone = [], None
for line in lines[start:]:
    if not line.strip(): break
    z, p, ports = line.split("\t")
    zone = z or zone
    for port in ports.split("、"):
        want.append((re.sub(r"（.*）", "", port), p, zone))
assert len(want) == 91, len(want)
missing = [w for w in want if w[0] not in by_port]
assert not missing, missing
wrong = [(w, by_port[w[0]][1:3]) for w in want if by_port[w[0]][1:3] != [w[1], w[2]]]
assert not wrong, wrong
assert by_port["二连浩特"][3] == "蒙古" and by_port["二连浩特"][4] == "Rail", by_port["二连浩特"]
assert by_port["甘其毛都"][5] == "嘎舒苏海图", by_port["甘其毛都"]
PYEOF
    pass "CSV header and the 91 ports of 表 1-1 with province and zone"
    ;;

deterministic)
    "$KOUAN" --store "$STORE" export -o a.ttl && "$KOUAN" --store "$STORE" export -o b.ttl
    cmp -s a.ttl b.ttl || fail "two Turtle exports of one store differ"
    # another store, other documents first, another storage: the same bytes
    "$KOUAN" --store "$STORE" extract "$SECOND" >/dev/null
    "$KOUAN" --store "$STORE" export -o a.ttl
    "$KOUAN" --store "hashes:$T/h" extract "$SECOND" "$SEED" >/dev/null
    "$KOUAN" --store "hashes:$T/h" export -o c.ttl
    # prov:generatedAtTime is when each extraction ran: the one line allowed to differ
    grep -v 'prov:generatedAtTime' a.ttl >a.cmp
    grep -v 'prov:generatedAtTime' c.ttl >c.cmp
    cmp -s a.cmp c.cmp || { diff a.cmp c.cmp | head -20 >"$T/err" || true
                            fail "extraction order or storage changes the Turtle"; }
    ! grep -q '_:' a.ttl || fail "blank nodes in the export (their labels would not be stable)"
    for f in csv dot; do
        "$KOUAN" --store "$STORE" export --format $f -o 1.$f
        "$KOUAN" --store "hashes:$T/h" export --format $f -o 2.$f
        cmp -s 1.$f 2.$f || fail "the $f export depends on the store"
    done
    pass "Turtle (but for the extraction times), CSV and DOT: same bytes whatever the storage or the order documents came in"
    ;;

trig)
    "$KOUAN" --store "$STORE" extract "$SECOND" >/dev/null 2>"$T/err" || fail "extract the second document"
    "$KOUAN" --store "$STORE" export --format trig -o g.trig 2>"$T/err" || fail "export --format trig"
    "$KOUAN" --store "$STORE" export --format nquads -o g.nq 2>"$T/err" || fail "export --format nquads"
    n=$(rapper -i trig -c g.trig 2>&1 | grep -o 'returned [0-9]*' | grep -o '[0-9]*') || fail "rapper cannot read the TriG"
    [ "$n" = "$(wc -l <g.nq)" ] || fail "rapper reads $n statements from TriG, N-Quads has $(wc -l <g.nq)"
    grep -q '^<https://w3id.org/kouan/doc/000_7180f7658f0f6251> {$' g.trig || fail "no GRAPH block for the seed"
    grep -q '^<https://w3id.org/kouan/doc/001_southwest_northwest> {$' g.trig || fail "no GRAPH block for 001"
    # the same quads, graph by graph, as the N-Quads export (rdflib reads both)
    "$PY" - g.trig g.nq <<'PYEOF' >"$T/err" 2>&1 || fail "TriG and N-Quads hold different quads"
import sys
from rdflib import Dataset
def quads(path, fmt):
    d = Dataset()
    d.parse(path, format=fmt)
    return {(s, p, o, getattr(g, "identifier", g))
            for s, p, o, g in d.quads((None, None, None, None))}
a, b = quads(sys.argv[1], "trig"), quads(sys.argv[2], "nquads")
assert a == b, (len(a), len(b), list(a ^ b)[:5])
assert len({q[3] for q in a}) == 2, {q[3] for q in a}
PYEOF
    pass "TriG: one GRAPH block per document; rapper and rdflib read exactly the N-Quads export's quads"
    ;;

external)
    # the external merge sort: with runs of 1 KiB (hundreds of temporary
    # files, a line in several runs) every RDF format gives the bytes it
    # gives in memory, and the temporary files are gone
    "$KOUAN" --store "$STORE" extract "$SECOND" >/dev/null 2>"$T/err" || fail "extract the second document"
    mkdir tmp
    for f in turtle ntriples nquads trig; do
        "$KOUAN" --store "$STORE" export --format $f -o mem.$f 2>"$T/err" || fail "export --format $f"
        TMPDIR=$T/tmp KOUAN_EXPORT_RUN_BYTES=1024 "$KOUAN" --store "$STORE" export --format $f \
            -o runs.$f 2>"$T/err" || fail "export --format $f in runs of 1 KiB"
        cmp -s mem.$f runs.$f || { diff mem.$f runs.$f | head -20 >"$T/err" || true
                                   fail "$f: the merged runs differ from the sort in memory"; }
    done
    [ -z "$(ls tmp)" ] || fail "temporary files left in TMPDIR: $(ls tmp | head -3)"
    # each statement once and sorted: N-Triples are the merged view's
    # distinct triples, N-Quads every quad (two graphs share triples)
    sort -c mem.ntriples 2>"$T/err" && sort -c mem.nquads 2>"$T/err" || fail "not sorted"
    [ "$(sort -u mem.ntriples | wc -l)" = "$(wc -l <mem.ntriples)" ] || fail "a triple twice"
    n=$("$PY" -c 'import rdflib, sys
g = rdflib.Graph(); g.parse(sys.argv[1], format="turtle"); print(len(g))' mem.turtle) \
        || fail "rdflib cannot parse the Turtle"
    [ "$n" = "$(wc -l <mem.ntriples)" ] || fail "rdflib reads $n triples from the Turtle, N-Triples has $(wc -l <mem.ntriples)"
    # Turtle as Raptor writes it: integers bare, tabs as \t, a document
    # before its own facts (an IRI before those it is a prefix of)
    grep -qE '^    kouan:line [0-9]+ ;$' mem.turtle || fail "integers not written bare"
    grep -q 'kouan:quote "[^"]*\\t' mem.turtle || fail "a TAB not written as \\t"
    doc=$(grep -n '^<https://w3id.org/kouan/doc/000_7180f7658f0f6251>$' mem.turtle | cut -d: -f1)
    f1=$(grep -n '^<https://w3id.org/kouan/doc/000_7180f7658f0f6251#f1>$' mem.turtle | cut -d: -f1)
    [ -n "$doc" ] && [ -n "$f1" ] && [ "$doc" -lt "$f1" ] || fail "the document's subject ($doc) not before #f1 ($f1)"
    # a folder for temporary files that cannot be written: a clear error
    # naming it, and the good export left as it was
    cp mem.nquads keep.nquads
    set +e
    TMPDIR=$T/absent KOUAN_EXPORT_RUN_BYTES=1024 "$KOUAN" --store "$STORE" export --format nquads \
        -o mem.nquads 2>"$T/err"; rc=$?
    KOUAN_EXPORT_RUN_BYTES=12x "$KOUAN" --store "$STORE" export 2>"$T/err2"; rc2=$?
    set -e
    [ "$rc" = 1 ] || fail "TMPDIR absent: exit $rc"
    grep -q "temporary file in $T/absent" "$T/err" || fail "the message does not name TMPDIR's folder"
    cmp -s keep.nquads mem.nquads || fail "a failed export replaced the good one"
    [ "$rc2" = 1 ] && grep -q 'KOUAN_EXPORT_RUN_BYTES=12x: expected a number of bytes' "$T/err2" \
        || fail "a bad KOUAN_EXPORT_RUN_BYTES: exit $rc2, $(cat "$T/err2")"
    pass "runs of 1 KiB merged: the same bytes as in memory for all four formats; sorted, once; a bad TMPDIR named"
    ;;

usage)
    set +e
    "$KOUAN" --store "$STORE" export --format jpeg 2>"$T/err"; rc=$?
    set -e
    [ "$rc" = 2 ] || fail "unknown format: exit $rc"
    grep -q 'dot, svg, png or csv' "$T/err" || fail "the message does not list the formats"
    "$KOUAN" export --help | grep -q 'one cluster per border trade zone' || fail "--help"
    pass "an unknown format is a usage error naming the formats"
    ;;

*) echo "export_test.sh: unknown case $CASE" >&2; exit 2 ;;
esac
