#!/usr/bin/python3
"""names_test.py KOUAN ONTOLOGY FILE — the segmenter's accuracy target.

Every place name that one of FILE's tables lists (ports, prefectures,
counties: the cells of its tab-separated lines under headers naming 口岸,
自治州/盟, 县), and every province and country of the gazetteers, must be
ONE token wherever it appears in FILE's prose: a token that is exactly the
name, or a token that contains it whole (an entity such as 内蒙古自治区 around
内蒙古, or a word that starts or ends with it: 东北部, 朝鲜族).  The expected
names are computed from the document here, never listed by hand.
Occurrences in text that has no tokens (tables, table of contents) are not
prose and are skipped.
"""
import re
import subprocess
import sys

kouan, ontology, path = sys.argv[1:4]
data = open(path, 'rb').read()
text = data.decode('utf-8')

# ---- names from the document's tables -------------------------------------
NAME_HEADERS = ('口岸', '自治州', '盟', '县')     # port, prefecture, county


def pieces(cell):
    """Split a cell on 、，,；; and take (…)/（…） parts as names of their own."""
    out = []
    for inner in re.findall(r'[（(]([^）)]*)[）)]', cell):
        out.append(inner)
    cell = re.sub(r'[（(][^）)]*[）)]', '', cell)
    out += re.split(r'[、，,；;]', cell)
    return [p.strip() for p in out
            if len(p.strip()) >= 2 and re.search(r'[\u4e00-\u9fff]', p)
            and not re.search(r'[0-9]', p)]


names = set()
cols = None
for line in text.split('\n'):
    if '\t' not in line:
        continue
    cells = line.split('\t')
    heads = [c.replace(' ', '') for c in cells]
    if any(h and any(w in h for w in NAME_HEADERS + ('省区', '地区', '边贸区', '个数'))
           for h in heads) and not any(re.search(r'[0-9]', h) for h in heads):
        cols = [any(w in h for w in NAME_HEADERS) and '个数' not in h for h in heads]
        continue
    if cols is None:
        continue
    for i, c in enumerate(cells):
        if i < len(cols) and cols[i]:
            for p in pieces(c):
                if p not in ('合计', '总计', '小计'):
                    names.add(p)

table_names = set(names)
for gaz in ('provinces.tsv', 'countries.tsv'):
    for line in open(f'{ontology}/gazetteer/{gaz}', encoding='utf-8'):
        if line.startswith('#') or not line.strip():
            continue
        f = line.rstrip('\n').split('\t')
        for n in [f[0]] + (f[2].split(' ') if len(f) > 2 else []):
            if len(n) >= 2:
                names.add(n)

if len(table_names) < 50:
    sys.exit(f'FAIL: only {len(table_names)} names found in the tables of {path}')

# ---- tokens ------------------------------------------------------------------
out = subprocess.run([kouan, 'tokenize', '--format', 'tsv', path],
                     capture_output=True, check=True).stdout.decode('utf-8')
toks = []
for row in out.split('\n')[1:]:
    if row:
        f = row.split('\t')
        toks.append((int(f[1]), int(f[2]), f[0], f[3]))
toks.sort()
starts = [t[0] for t in toks]

import bisect


def covering(a, b):
    """Tokens overlapping bytes [a, b)."""
    i = bisect.bisect_right(starts, a) - 1
    i = max(i, 0)
    res = []
    while i < len(toks) and toks[i][0] < b:
        if toks[i][1] > a:
            res.append(toks[i])
        i += 1
    return res


checked = bad = 0
failures = []
seen_names = set()
for name in sorted(names, key=len, reverse=True):
    nb = name.encode('utf-8')
    for m in re.finditer(re.escape(nb), data):
        a, b = m.start(), m.end()
        ov = covering(a, b)
        if not ov:
            continue                       # not prose
        checked += 1
        seen_names.add(name)
        if len(ov) == 1:
            s, e, tok, kind = ov[0]
            if (s, e) == (a, b) or kind == 'entity' or s == a or e == b:
                continue
        bad += 1
        lo = max(0, a - 12)
        ctx = data[lo:b + 12].decode('utf-8', 'replace').replace('\n', ' ')
        failures.append(f'  {name}: ' + ' | '.join(t[2] for t in ov) + f'   …{ctx}…')

print(f'{len(table_names)} table names, {len(names)} names in all; '
      f'{len(seen_names)} occur in the prose, {checked} occurrences checked, {bad} split')
if failures:
    print('split names (name: tokens   …context…):')
    print('\n'.join(failures))
    sys.exit(1)
