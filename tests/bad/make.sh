#!/bin/bash
# make.sh — regenerates the bad-input corpus of tests/bad with printf, so
# every byte of it is written down here.  The generated files are committed
# too, so the corpus can be browsed; run this after changing it:
#   bash tests/bad/make.sh          (writes into tests/bad)
#   bash tests/bad/make.sh DIR      (writes into DIR; bad.inputs does this
#                                    to check the committed files are current)
# Each NAME has NAME.expected: one line, a substring kouan's error message
# for NAME must contain (besides the file name).  bad.inputs (registered in
# tests/cli/CMakeLists.txt, run by tests/cli/cli_test.sh) also re-derives
# every "at byte N (line L, column C)" from the bytes themselves, so an
# .expected that names the wrong byte fails too.
set -euo pipefail
cd "${1:-$(dirname "$0")}"

# bad NAME 'printf FORMAT' 'expected substring'
bad() {
    printf "$2" > "$1"
    printf '%s\n' "$3" > "$1.expected"
}

H='# 西藏边境口岸\n\n'                       # 22 bytes: line 1, blank line 2

# A stray continuation byte 0x80 between two Chinese words of a table row.
bad invalid-utf8-lead.md "$H"'西藏\t樟木\x80口岸\n' \
    'not UTF-8 text: at byte 35 (line 3, column 6) found a continuation byte where a character should start'

# C0 AF: "/" encoded in two bytes (overlong).
bad overlong.md "$H"'口岸\t普兰\xC0\xAF吉隆\n' \
    'not UTF-8 text: at byte 35 (line 3, column 6) found an overlong encoding (lead byte 0xC0/0xC1)'

# E0 80 AF: "/" encoded in three bytes (overlong, lead byte E0).
bad overlong3.md "$H"'口岸\t普兰\xE0\x80\xAF\n' \
    'not UTF-8 text: at byte 35 (line 3, column 6) found an overlong encoding'

# ED A0 80: the UTF-16 high surrogate U+D800 written as UTF-8.
bad surrogate.md "$H"'西藏\t日屋\xED\xA0\x80\n' \
    'not UTF-8 text: at byte 35 (line 3, column 6) found a UTF-16 surrogate (U+D800-U+DFFF), not allowed in UTF-8'

# F4 90 80 80: U+110000, beyond the last code point.
bad beyond-10ffff.md "$H"'吉隆\xF4\x90\x80\x80\n' \
    'not UTF-8 text: at byte 28 (line 3, column 3) found a code point beyond U+10FFFF'

# 0xFF never occurs in UTF-8 (a Latin-1 ÿ, say).
bad latin1-ff.md "$H"'Nyal\xFFm\n' \
    'not UTF-8 text: at byte 26 (line 3, column 5) found a byte that never occurs in UTF-8 (0xF5-0xFF)'

# GBK bytes in a UTF-8 file: 口岸 in GBK is BF DA B0 B6; BF is a
# continuation byte, so the first GBK byte is already wrong.
bad gbk.md "$H"'樟木\xBF\xDA\xB0\xB6\n' \
    'not UTF-8 text: at byte 28 (line 3, column 3) found a continuation byte where a character should start: the bytes from here look like GBK/GB18030 (they read “口岸”)'

# A whole file in GBK: 樟木口岸位于聂拉木县。 (iconv -t GB18030); the first byte
# is already wrong, and kouan names the encoding and shows the characters.
bad gbk-file.md '\xD5\xC1\xC4\xBE\xBF\xDA\xB0\xB6\xCE\xBB\xD3\xDA\xC4\xF4\xC0\xAD\xC4\xBE\xCF\xD8\xA1\xA3\n' \
    'not UTF-8 text: at byte 0 (line 1, column 1) found a lead byte without the continuation bytes (0x80-0xBF) it needs: the bytes from here look like GBK/GB18030 (they read “樟木口岸”); convert the file with `iconv -f GB18030 -t UTF-8`'

# A lead byte E5 followed by ASCII: 口 (E5 8F A3) lost its last two bytes.
bad lead-then-ascii.md "$H"'樟木\xE5口岸\n' \
    'not UTF-8 text: at byte 28 (line 3, column 3) found a lead byte without the continuation bytes (0x80-0xBF) it needs'

# The file ends in the middle of 口 (E5 8F A3): only E5 8F are there.
bad truncated.md "$H"'西藏\t樟木\xE5\x8F' \
    'not UTF-8 text: at byte 35 (line 3, column 6) found a sequence cut off by the end of the file'

# UTF-16LE with its byte-order mark: "口岸\n" = FF FE, E3 53, B8 5C, 0A 00.
bad utf16le.txt '\xFF\xFE\xE3\x53\xB8\x5C\x0A\x00' \
    'not UTF-8 text: at byte 0 (line 1, column 1) found a UTF-16 byte-order mark'

# UTF-16BE with its byte-order mark: "口岸\n" = FE FF, 53 E3, 5C B8, 00 0A.
bad utf16be.txt '\xFE\xFF\x53\xE3\x5C\xB8\x00\x0A' \
    'not UTF-8 text: at byte 0 (line 1, column 1) found a UTF-16 byte-order mark'

# UTF-16LE without a byte-order mark: "口岸" = E3 53 B8 5C; E3 53 is a lead
# byte followed by ASCII.
bad utf16le-nobom.txt '\xE3\x53\xB8\x5C\x0A\x00' \
    'not UTF-8 text: at byte 0 (line 1, column 1) found a lead byte without the continuation bytes (0x80-0xBF) it needs: the file looks like UTF-16LE without a byte-order mark; convert it with `iconv -f UTF-16LE -t UTF-8`'

# UTF-16BE without a byte-order mark: "樟木口岸\n" = 6A 1F, 67 28, 53 E3,
# 5C B8, 00 0A; the first byte that is not UTF-8 is E3 followed by 5C.
bad utf16be-nobom.txt '\x6A\x1F\x67\x28\x53\xE3\x5C\xB8\x00\x0A' \
    'not UTF-8 text: at byte 5 (line 1, column 6) found a lead byte without the continuation bytes (0x80-0xBF) it needs: the file looks like UTF-16BE without a byte-order mark; convert it with `iconv -f UTF-16BE -t UTF-8`'

# The start of an ELF file: NUL bytes.
bad binary.bin '\x7FELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00' \
    'not UTF-8 text: at byte 7 (line 1, column 8) found a NUL byte'

# A NUL byte in the middle of otherwise good Chinese text.
bad nul-in-text.md "$H"'西藏\t樟木\x00口岸\n' \
    'not UTF-8 text: at byte 35 (line 3, column 6) found a NUL byte'

# Zero bytes.
bad empty.md '' \
    'the file is empty: nothing to extract'
