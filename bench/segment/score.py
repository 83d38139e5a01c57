#!/usr/bin/env python3
"""score.py GOLD HYP [N] — word precision, recall and F1 of a segmentation
against a gold one, the way the SIGHAN bakeoffs' `score` script counts them:
a word is right when its character span (whitespace removed) is a gold
word's span.  Both files: one sentence per line, words separated by spaces.
With N, also the N most frequent differences (+ only in HYP, - only in GOLD).
"""
import sys
from collections import Counter


def spans(line):
    out, p = set(), 0
    for w in line.split():
        out.add((p, p + len(w)))
        p += len(w)
    return out, p


def located(line, text):
    """Spans of line's words found in order in text: for a segmenter that
    drops characters (friso leaves out ——, ○), so one dropped character
    costs its own words, not every word after it."""
    out, p = set(), 0
    for w in line.split():
        i = text.find(w, p)
        if i >= 0:
            out.add((i, i + len(w)))
            p = i + len(w)
    return out


def main():
    if len(sys.argv) not in (3, 4):
        sys.exit(__doc__.strip())
    gold = open(sys.argv[1], encoding='utf-8').read().splitlines()
    hyp = open(sys.argv[2], encoding='utf-8').read().splitlines()
    if len(gold) != len(hyp):
        sys.exit(f'score.py: {sys.argv[1]} has {len(gold)} lines, {sys.argv[2]} {len(hyp)}')
    tp = ng = nh = 0
    diff = Counter()
    for i, (g, h) in enumerate(zip(gold, hyp), 1):
        gs, gl = spans(g)
        hs, hl = spans(h)
        if gl != hl:
            print(f'score.py: line {i}: {gl} characters in gold, {hl} in {sys.argv[2]}',
                  file=sys.stderr)
            hs = located(h, ''.join(g.split()))
        tp += len(gs & hs)
        ng += len(gs)
        nh += len(hs)
        if len(sys.argv) == 4:
            text = ''.join(g.split())
            diff.update('+' + text[a:b] for a, b in hs - gs)
            diff.update('-' + text[a:b] for a, b in gs - hs)
    p = tp / nh if nh else 0.0
    r = tp / ng if ng else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    print(f'P={p:.4f}\tR={r:.4f}\tF1={f:.4f}\tgold_words={ng}\thyp_words={nh}')
    if len(sys.argv) == 4:
        for k, v in diff.most_common(int(sys.argv[3])):
            print(f'{v}\t{k}')


if __name__ == '__main__':
    main()
