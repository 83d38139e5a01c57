#!/usr/bin/python3
"""queries.py kouan STORE | rdflib FILE.ttl — the fixed query suite, each
query run RUNS times (env, default 5); prints "name<TAB>median ms<TAB>rows"
per query (rdflib: first a "load" line with the milliseconds to parse the
file).  The kouan side runs `kouan --store STORE query --time` (KOUAN: the
binary) and prints a fourth column: the median of the query's own time as
`--time` reports it (parsed, run and printed, the store open: what rdflib's
`Graph.query` on a graph in memory is), while the second is the whole
process (start, open, query, print); `startup` is an ASK {} for scale.  A
fifth column: the median of RUNS runs after the first in one process
(`--repeat`), the engine warm as rdflib's is."""
import os
import re
import statistics
import subprocess
import sys
import time

PREFIXES = """PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX kouan: <https://w3id.org/kouan/ontology#>
"""
SUITE = [
    ("ports-of-province",
     'SELECT ?port WHERE { ?v rdfs:label "西藏"@zh . ?p kouan:province ?v ; '
     'a kouan:Port ; rdfs:label ?port }'),
    ("port-province-zone-country",
     'SELECT ?port ?prov ?zone ?country WHERE { ?p a kouan:Port ; rdfs:label ?port ; '
     'kouan:province ?v . ?v rdfs:label ?prov ; kouan:tradeZone ?z . ?z rdfs:label ?zone . '
     '?p kouan:opensTo ?c . ?c rdfs:label ?country }'),
    ("ports-per-province",
     'SELECT ?province (COUNT(?p) AS ?n) WHERE { ?p a kouan:Port ; kouan:province ?v . '
     '?v rdfs:label ?province } GROUP BY ?province'),
    ("label-search",
     'SELECT ?x ?l WHERE { ?x rdfs:label ?l . FILTER(CONTAINS(STR(?l), "木")) }'),
]
RUNS = int(os.environ.get("RUNS", "5"))


def kouan(store):
    k = os.environ["KOUAN"]
    for name, q in [("startup", "ASK {}")] + SUITE:
        times, own, rows = [], [], 0
        for _ in range(RUNS):
            t = time.perf_counter()
            p = subprocess.run([k, "--store", store, "query", "--time", "--format", "tsv", q],
                               check=True, capture_output=True)
            times.append(time.perf_counter() - t)
            rows = max(0, p.stdout.count(b"\n") - 1)
            m = re.search(rb"^time: query ([0-9.]+) ms", p.stderr, re.M)
            own.append(float(m.group(1)) if m else float("nan"))
        # warm: the same query again in one process (--repeat), as rdflib
        # answers from a graph it has in memory
        p = subprocess.run([k, "--store", store, "query", "--time", "--format", "tsv",
                            "--repeat", str(RUNS + 1), q], check=True, capture_output=True)
        m = re.search(rb"runs again: median ([0-9.]+) ms", p.stderr)
        warm = float(m.group(1)) if m else float("nan")
        print(f"{name}\t{statistics.median(times) * 1000:.1f}\t{rows}\t{statistics.median(own):.2f}"
              f"\t{warm:.2f}", flush=True)


def rdflib_side(path):
    import rdflib
    t = time.perf_counter()
    g = rdflib.Graph()
    g.parse(path, format="turtle")
    print(f"load\t{(time.perf_counter() - t) * 1000:.0f}\t{len(g)}", flush=True)
    for name, q in SUITE:
        times, rows = [], 0
        for _ in range(RUNS):
            t = time.perf_counter()
            rows = len(list(g.query(PREFIXES + q)))
            times.append(time.perf_counter() - t)
        print(f"{name}\t{statistics.median(times) * 1000:.1f}\t{rows}", flush=True)


if sys.argv[1] == "kouan":
    kouan(sys.argv[2])
else:
    rdflib_side(sys.argv[2])
