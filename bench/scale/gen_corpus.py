#!/usr/bin/python3
"""gen_corpus.py NAMES.tsv OUTDIR MB [SEED] — a large corpus that reads like
corpus/: each document is chapters (## sections, tables whole) drawn from the
corpus's Markdown files, about 30 kB like the seed chapter, with the names of
ports, counties and prefectures permuted among names of the same class (a
fresh permutation per document), so every fact stays plausible: a port
still sits in a province and faces a country, just another port.
Provinces, trade zones and countries (closed classes, with aliases and
codes in the gazetteers) are kept.

NAMES.tsv: class<TAB>label lines (bench/scale/run.sh writes it from a store
of corpus/).  Deterministic for a given SEED (default 1)."""
import os
import random
import re
import sys

names_path, out, mb = sys.argv[1], sys.argv[2], float(sys.argv[3])
rng = random.Random(int(sys.argv[4]) if len(sys.argv) > 4 else 1)
src = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "corpus")

by_class = {}
for line in open(names_path, encoding="utf-8"):
    cls, _, label = line.rstrip("\n").partition("\t")
    if len(label) >= 2:
        by_class.setdefault(cls, set()).add(label)
by_class = {c: sorted(v) for c, v in by_class.items() if len(v) > 1}
every = sorted({n for v in by_class.values() for n in v}, key=len, reverse=True)
pattern = re.compile("|".join(map(re.escape, every)))
cls_of = {n: c for c, v in by_class.items() for n in v}

# chapters: the preamble and each "## " section of every Markdown document
chapters = []
for name in sorted(os.listdir(src)):
    if not name.endswith(".md"):
        continue
    text = open(os.path.join(src, name), encoding="utf-8").read()
    parts = re.split(r"(?m)^(?=## )", text)
    chapters += [p for p in parts if len(p.strip()) > 200]
weights = [len(c) for c in chapters]

os.makedirs(out, exist_ok=True)
target = int(mb * 1024 * 1024)
total, i = 0, 0
while total < target:
    perm = {}
    for c, v in by_class.items():
        shuffled = v[:]
        rng.shuffle(shuffled)
        perm.update(zip(v, shuffled))
    body, size = [f"# 边境口岸文集 第 {i + 1} 篇\n\n"], 0
    while size < 30000:
        ch = rng.choices(chapters, weights)[0]
        body.append(ch if ch.endswith("\n") else ch + "\n")
        size += len(ch.encode("utf-8"))
    text = pattern.sub(lambda m: perm.get(m.group(0), m.group(0)), "".join(body))
    data = text.encode("utf-8")
    sub = os.path.join(out, f"{i // 1000:03d}")
    os.makedirs(sub, exist_ok=True)
    with open(os.path.join(sub, f"scale_{i:06d}.md"), "wb") as f:
        f.write(data)
    total += len(data)
    i += 1
print(f"{i} documents, {total / 1e6:.1f} MB ({total / 1048576:.1f} MiB) in {out} "
      f"({len(every)} names permuted in {len(by_class)} classes)")
