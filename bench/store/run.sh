#!/bin/bash
# run.sh [QUADS] — kouan's LMDB store vs Jena (in memory) vs rdflib vs
# Redland hashes, side by side on one generated knowledge-graph-shaped data
# set (default 1M quads; hashes on 100k: its natural-form queries do not
# finish at 1M), then one table of the results.
#
# Needs gcc, pkg-config, librdf0-dev and liblmdb-dev (what kouan builds
# with), and for the peers default-jdk-headless + libapache-jena-java
# (bench only: not in scripts/install-deps, so CI stays lean) and
# python3-rdflib (the tests need it too).  A missing one is installed with
# apt-get (through sudo when not root), and when that cannot be done the
# peer is skipped with the command to run.
#
# Environment: HASHES=0 skips the hashes run (its first query alone takes
# the 300 s it is given); REPEAT=N runs each query best of N (default 3).
# Timings are wall-clock: on a shared machine, run it when it is quiet, or
# raise REPEAT.
set -euo pipefail
N=${1:-1000000}
REPEAT=${REPEAT:-3}
HERE=$(cd "$(dirname "$0")" && pwd)
SRC=$(cd "$HERE/../.." && pwd)
W=$(mktemp -d "${TMPDIR:-/tmp}/kouan-bench-store.XXXXXX")
trap 'rm -rf "$W"' EXIT

# have PACKAGE TEST…: 0 when TEST succeeds, after installing PACKAGE if
# needed and possible; else 1 with what to run.
have() {
    local pkg=$1
    shift
    "$@" >/dev/null 2>&1 && return 0
    local sudo=
    [ "$(id -u)" -eq 0 ] || sudo=sudo
    if [ -z "$sudo" ] || sudo -n true 2>/dev/null; then
        echo "run.sh: installing $pkg (bench only)" >&2
        DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y --no-install-recommends "$pkg" \
            >"$W/apt-$pkg.log" 2>&1 || tail -n 5 "$W/apt-$pkg.log" >&2
        "$@" >/dev/null 2>&1 && return 0
    fi
    echo "run.sh: skipping the peer that needs $pkg; install it with: sudo apt-get install $pkg" >&2
    return 1
}

gcc -O2 -g -o "$W/bench_store" "$HERE/bench_store.c" "$SRC/core/src/store/lmdb_storage.c" \
    "$SRC/core/src/query/source.c" -I"$SRC/core/src" $(pkg-config --cflags --libs redland rasqal lmdb)
B=$W/bench_store
$B gen "$N" "$W/kg.nq"
$B gen 100000 "$W/kg100k.nq"
# the query suite for the Java side: the prefixes, then NAME<TAB>QUERY
(cd "$HERE" && python3 -c 'from bench_queries import QUERIES, PREFIXES
print(PREFIXES.replace("\n", " "))
for name, q in QUERIES: print(name + "\t" + q)') >"$W/queries.tsv"

echo "== kouan (LMDB), $N quads"
{
    $B insert "kouan:$W/ki" "$W/kg.nq"
    rm -rf "$W/ki"
    $B load "kouan:$W/k" "$W/kg.nq"
    $B query "kouan:$W/k" "$REPEAT"
    $B replace "kouan:$W/k" "$W/kg.nq" 3
} 2> >(grep -v 'agg\$\$0 was used but is not bound' >&2) | tee "$W/kouan.tsv"
rm -rf "$W/k"

echo "== Jena (in memory: createTxnMem, queries on the union graph), $N quads"
if have default-jdk-headless javac -version && have libapache-jena-java test -f /usr/share/java/jena-arq.jar; then
    # the jars of Jena and of everything it depends on, as Debian installs them
    pkgs=$(apt-cache depends --recurse --no-recommends --no-suggests --no-conflicts \
               --no-breaks --no-replaces --no-enhances libapache-jena-java |
           grep -E '^lib[^ ]*-java$' | sort -u)
    cp=$(for p in $pkgs; do dpkg -L "$p" 2>/dev/null; done |
         grep -E '^/usr/share/java/[^/]+\.jar$' |
         grep -vE '/(slf4j-(log4j12|jcl|jdk14|simple|migrator|ext|reload4j)|maven3-slf4j)' |
         sort -u | tr '\n' ':')
    # Debian's jena-core 4.5.0 holds its Xerces twice, once as xerces.*
    # without the message bundles, and XSD datatypes fail to initialise
    # ("internal error" in XSSimpleTypeDecl) unless they are there
    mkdir -p "$W/jena/fix" "$W/jena/classes"
    (cd "$W/jena/fix" && unzip -q /usr/share/java/jena-core.jar 'org/apache/jena/ext/xerces/*.properties' &&
        mkdir -p xerces && cp -r org/apache/jena/ext/xerces/* xerces/)
    javac -nowarn -d "$W/jena/classes" -cp "$cp" "$HERE/JenaBench.java"
    java -Xmx4g -cp "$W/jena/classes:$W/jena/fix:$cp" JenaBench "$W/kg.nq" "$W/queries.tsv" "$REPEAT" |
        tee "$W/jena.tsv"
fi

echo "== rdflib (Dataset, default_union), $N quads"
if have python3-rdflib /usr/bin/python3 -c 'import rdflib'; then   # Debian's python
    (cd "$HERE" && /usr/bin/python3 rdflib_bench.py "$W/kg.nq" "$REPEAT") | tee "$W/rdflib.tsv"
fi

echo "== kouan (LMDB), 100k quads"
$B load "kouan:$W/k100" "$W/kg100k.nq" | tee "$W/kouan100k.tsv"
$B query "kouan:$W/k100" "$REPEAT" 2>/dev/null | tee -a "$W/kouan100k.tsv"

if [ "${HASHES:-1}" != 0 ]; then
    echo "== Redland hashes (BDB), 100k quads (each query stopped after 300 s)"
    $B load "hashes:$W/h100" "$W/kg100k.nq" | tee "$W/hashes100k.tsv"
    (timeout 300 $B query "hashes:$W/h100" 1 2>/dev/null || echo "query	>300	(stopped)") |
        tee -a "$W/hashes100k.tsv"
fi

# one table: a row per measure, a column per engine (ms for queries)
echo
echo "== side by side ($N quads unless marked; queries best of $REPEAT, ms)"
python3 - "$W" "$N" <<'EOF'
import os, sys
w, n = sys.argv[1], sys.argv[2]
cols = [("kouan", "kouan.tsv"), ("Jena", "jena.tsv"), ("rdflib", "rdflib.tsv"),
        ("kouan 100k", "kouan100k.tsv"), ("hashes 100k", "hashes100k.tsv")]
data = {}
for label, f in cols:
    p = os.path.join(w, f)
    if not os.path.exists(p):
        continue
    d = {}
    for line in open(p, encoding="utf-8"):
        parts = line.rstrip("\n").split("\t")
        if len(parts) >= 2:
            d.setdefault(parts[0], (parts[1], parts[2] if len(parts) > 2 else ""))
    data[label] = d
rows = ["insert", "load", "reopen", "disk", "replace"] + sorted(
    {k for d in data.values() for k in d if k.startswith("query.") and k != "query.memory"},
    key=lambda k: ["ports_of_province", "chain", "count_per_province",
                   "contains_label", "s_p_o"].index(k[6:]) if k[6:] in
                  ["ports_of_province", "chain", "count_per_province", "contains_label", "s_p_o"] else 99)
if any("query" in d for d in data.values()):
    rows.append("query")                      # hashes: stopped after 300 s
def cell(row, v):
    secs, detail = v
    try:
        s = float(secs)
    except ValueError:
        return f"{secs} s {detail}"
    if row == "disk":
        return detail.split(", ")[-1]
    if row in ("load", "insert"):
        rate = [x for x in detail.split(", ") if x.endswith("quads/s")]
        return f"{s:.2f} s" + (f" ({rate[0]})" if rate else "")
    if row.startswith("query.") or row == "reopen":
        ms = s * 1000
        return (f"{ms:.1f}" if ms >= 1 else f"{ms:.3f}") + (f" ({detail})" if row.startswith("query.") else "")
    return f"{s:.2f} s"
labels = list(data)
print("| | " + " | ".join(labels) + " |")
print("|---" * (len(labels) + 1) + "|")
for r in rows:
    if not any(r in data[l] for l in labels):
        continue
    print(f"| {r} | " + " | ".join(cell(r, data[l][r]) if r in data[l] else "—" for l in labels) + " |")
EOF
