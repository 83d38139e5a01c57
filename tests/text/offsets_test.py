#!/usr/bin/python3
"""offsets_test.py KOUAN FILE… — offsets are exact, for every corpus file.

For every token of `kouan tokenize --format tsv FILE`, the bytes
[start, end) of the original file must give the token's text: equal to it,
or equal once normalised as kouan normalises (inline tags dropped, HTML
entities decoded, NFKC; traditional → simplified is checked as "a Chinese
character where the token has a Chinese character", since OpenCC is not
available to Python here).  A token in a paragraph that the reader
joined across a page break may span the break ("发\n\n展"): then the first
line's end and the last line's start must give the token.  A decoded HTML
entity maps to its '&' (plugin.h), so a token ending in one is read up to
the entity's ';'.  A token's line must be the line of its start byte.
"""
import html
import re
import subprocess
import sys
import unicodedata

kouan, files = sys.argv[1], sys.argv[2:]
HAN = re.compile(r'[\u3400-\u9fff\U00020000-\U0002ffff]')


def normalise(s):
    s = re.sub(r'<[^>]*>', '', s)
    s = html.unescape(s)
    return ''.join(c if 0x2460 <= ord(c) <= 0x24ff or 0x3251 <= ord(c) <= 0x32bf
                   else unicodedata.normalize('NFKC', c) for c in s)


def same(cut, tok):
    if cut == tok:
        return True
    if '\n\n' in cut:
        # a paragraph the reader joined across a page break ("发\n\n展",
        # maybe with a footnote between): the token is the end of the first
        # line and the start of the last one
        return same(cut[:cut.index('\n')] + cut[cut.rindex('\n') + 1:], tok)
    n = normalise(cut)
    if n == tok:
        return True
    if len(n) != len(tok):
        return False
    return all(a == b or (HAN.match(a) and HAN.match(b)) for a, b in zip(n, tok))


bad = total = 0
for path in files:
    data = open(path, 'rb').read()
    line_starts = [0] + [m.end() for m in re.finditer(b'\n', data)]
    out = subprocess.run([kouan, 'tokenize', '--format', 'tsv', path],
                         capture_output=True)
    if out.returncode != 0:
        print(f'FAIL {path}: kouan tokenize exited {out.returncode}: '
              f'{out.stderr.decode()}')
        bad += 1
        continue
    rows = out.stdout.decode('utf-8').split('\n')
    if rows[0] != 'token\tstart\tend\tkind\tclass\tline':
        print(f'FAIL {path}: header {rows[0]!r}')
        bad += 1
    n = 0
    for row in rows[1:]:
        if not row:
            continue
        tok, start, end, kind, cls, line = row.split('\t')
        start, end, line = int(start), int(end), int(line)
        n += 1
        # a decoded HTML entity maps to its '&' (plugin.h): read it whole
        m = re.match(rb'&#?\w+;', data[end - 1:end + 12]) if end > start else None
        if m and data[end - 1:end] == b'&':
            end = end - 1 + m.end()
        try:
            cut = data[start:end].decode('utf-8')
        except UnicodeDecodeError:
            cut = None
        import bisect
        want_line = bisect.bisect_right(line_starts, start)
        if cut is None or not same(cut, tok) or line != want_line:
            bad += 1
            if bad <= 20:
                print(f'FAIL {path}: token {tok!r} [{start},{end}) line {line} '
                      f'(start is on line {want_line}): the file has {cut!r}')
    total += n
    if n == 0:
        print(f'FAIL {path}: no tokens')
        bad += 1
print(f'{len(files)} file(s), {total} tokens, {bad} problem(s)')
sys.exit(1 if bad else 0)
