#!/bin/bash
# cli_test.sh CASE — `kouan tokenize` and `mklexicon` as a user runs them.
# Environment (tests/text/CMakeLists.txt): KOUAN, MKLEXICON, SRC, JIEBA_DICT.
set -euo pipefail
CASE=${1:?usage: cli_test.sh CASE}
: "${KOUAN:?}" "${MKLEXICON:?}" "${SRC:?}"
SEED=$SRC/corpus/000_7180f7658f0f6251.md
T=$(mktemp -d "${TMPDIR:-/tmp}/kouan-text-$CASE.XXXXXX")
trap 'rm -rf "$T"' EXIT
cd "$T"

fail() { echo "FAIL [$CASE]: $*" >&2; for f in out err; do [ -s "$T/$f" ] && { echo "--- std$f:" >&2; head -c 2000 "$T/$f" >&2; echo >&2; }; done; exit 1; }
pass() { echo "ok [$CASE]: $*"; }
run() { set +e; "$@" >"$T/out" 2>"$T/err"; RC=$?; set -e; }
expect_exit() { local want=$1; shift; run "$@"; [ "$RC" -eq "$want" ] || fail "exit $RC, expected $want: $*"; }
expect_contains() { grep -qF -- "$1" "$2" || fail "expected “$1” in $2"; }

case $CASE in
help)
    expect_exit 0 "$KOUAN" tokenize --help
    expect_contains "--format" out
    expect_contains "KOUAN_LEXICON" out
    expect_exit 0 "$KOUAN" --help
    expect_contains "tokenize" out
    pass "help";;
usage)
    expect_exit 2 "$KOUAN" tokenize
    expect_contains "tokenize --help" err
    expect_exit 2 "$KOUAN" tokenize --format xml "$SEED"
    expect_contains "unknown format" err
    expect_exit 2 "$KOUAN" tokenize --frobnicate "$SEED"
    expect_exit 2 "$KOUAN" tokenize a.md b.md
    pass "usage errors exit 2";;
errors)
    expect_exit 1 "$KOUAN" tokenize missing.md
    expect_contains "missing.md" err
    printf 'ok\n\xe5\x8f\xa3\xff text\n' > bad.md
    expect_exit 1 "$KOUAN" tokenize bad.md
    expect_contains "bad.md" err
    expect_contains "byte" err
    KOUAN_LEXICON=$T/nowhere.lex expect_exit 1 env KOUAN_LEXICON="$T/nowhere.lex" "$KOUAN" tokenize "$SEED"
    expect_contains "$T/nowhere.lex" err
    expect_contains "KOUAN_LEXICON" err
    [ "$(wc -l < err)" -eq 1 ] || fail "one line of error expected"
    pass "missing file, bad UTF-8, missing lexicon: exit 1 with the path";;
formats)
    # text: one output line per input line, for a plain-text file too
    printf '我国边境贸易区和主要边境口岸见表1-1。\n\n2013年对外贸易额为1685.5亿美元。\n截至2013年底，全国共有285个口岸\n' > plain.txt
    expect_exit 0 "$KOUAN" tokenize plain.txt
    [ "$(wc -l < out)" -eq 4 ] || fail "text: $(wc -l < out) lines for 4"
    expect_contains "1685.5亿 美元" out
    expect_contains "285 个 口岸" out
    expect_exit 0 "$KOUAN" tokenize "$SEED"
    want=$(wc -l < "$SEED")
    [ -z "$(tail -c 1 "$SEED")" ] || want=$((want + 1))   # a last line without \n
    [ "$(wc -l < out)" -eq "$want" ] || fail "text: $(wc -l < out) lines for $want"
    # every token on its own line: the footnote of line 170 is on line 170
    sed -n 170p out | grep -q '^① 樟木 口岸' || fail "text: line 170 is “$(sed -n 170p out | head -c 60)”"
    expect_exit 0 "$KOUAN" tokenize --format tsv "$SEED"
    [ "$(head -1 out)" = "$(printf 'token\tstart\tend\tkind\tclass\tline')" ] || fail "tsv header"
    grep -qP '^甘其毛都\t\d+\t\d+\tentity\tPort\t' out || fail "tsv: 甘其毛都 is not a Port entity"
    grep -qP '^哈萨克斯坦\t\d+\t\d+\tentity\tCountry\t' out || fail "tsv: 哈萨克斯坦"
    expect_exit 0 "$KOUAN" tokenize --format=json "$SEED"
    /usr/bin/python3 -c '
import json, sys
a = json.load(open(sys.argv[1]))
assert len(a) > 1000, len(a)
assert all({"token", "start", "end", "line", "kind"} <= set(t) for t in a)
assert any(t.get("class") == "Port" for t in a)
assert a[0].get("sentence_start") is True
' out || fail "json does not parse or lacks fields"
    pass "text, tsv and json";;
mklexicon)
    printf '口岸 500 n\n边境 3000 n\n贸易 5000 n\n' > dict.txt
    printf '西藏\tCN-XZ\t西藏自治区\t藏\n' > prov.tsv
    printf '# a comment\n边境口岸\n甘其毛都\t300\tPort\n' > good.txt
    expect_exit 0 "$MKLEXICON" -o ok.lex -j dict.txt -g Province=prov.tsv good.txt
    expect_contains "7 words" out
    printf '边境口岸\n\n甘其毛都\tmany\n' > bad1.txt
    expect_exit 1 "$MKLEXICON" -o x.lex -j dict.txt bad1.txt
    expect_contains "bad1.txt:3: expected a positive frequency" err
    printf '甘其毛都\t30\tHarbour\n' > bad2.txt
    expect_exit 1 "$MKLEXICON" -o x.lex -j dict.txt bad2.txt
    expect_contains "bad2.txt:1: expected a class" err
    printf '# c\nWTO\n' > bad3.txt
    expect_exit 1 "$MKLEXICON" -o x.lex -j dict.txt bad3.txt
    expect_contains "bad3.txt:2: expected a word without ASCII" err
    printf 'a\tb\tPort\textra\n' > bad4.txt
    expect_exit 1 "$MKLEXICON" -o x.lex -j dict.txt bad4.txt
    expect_contains "bad4.txt:1: expected" err
    printf '西藏 only-one-field\n' > badgaz.tsv
    expect_exit 1 "$MKLEXICON" -o x.lex -j dict.txt -g Province=badgaz.tsv
    expect_contains "badgaz.tsv:1: expected label<TAB>code<TAB>aliases" err
    [ ! -e x.lex ] || fail "a failed build left x.lex"
    # the compiled file works: the abbreviation 藏 is not a word
    printf '西藏的甘其毛都边境口岸\n' > s.txt
    KOUAN_LEXICON=$T/ok.lex expect_exit 0 env KOUAN_LEXICON="$T/ok.lex" "$KOUAN" tokenize --format tsv s.txt
    grep -qP '^甘其毛都\t.*\tentity\tPort\t' out || fail "user word with class"
    grep -qP '^边境口岸\t.*\tword\t' out || fail "user word"
    grep -qP '^西藏\t.*\tentity\tProvince\t' out || fail "gazetteer name"
    pass "mklexicon: user lexicon errors name file:line";;
*) fail "no case $CASE";;
esac
