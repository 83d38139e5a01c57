#!/usr/bin/env python3
"""rdflib_bench.py FILE.nq — the same natural-form query suite on rdflib
(in memory, Dataset with default_union so the default graph is the merge)."""
import sys, time, resource
from rdflib import Dataset
from bench_queries import QUERIES, PREFIXES

t0 = time.monotonic()
ds = Dataset(default_union=True)
ds.parse(sys.argv[1], format="nquads")
print(f"load\t{time.monotonic() - t0:.3f}\t{len(ds)} quads", flush=True)
for name, q in QUERIES:
    best, rows = 1e9, 0
    for _ in range(int(sys.argv[2]) if len(sys.argv) > 2 else 1):
        t = time.monotonic()
        rows = len(list(ds.query(PREFIXES + q)))
        best = min(best, time.monotonic() - t)
    print(f"query.{name}\t{best:.4f}\t{rows} rows", flush=True)
print(f"memory\t0\tpeak {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024} MB")
