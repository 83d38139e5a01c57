/* utf8check.c — UTF-8 validation with messages a user can act on; the
 * decoding itself is utf8proc's.  When a file is not UTF-8, says what it
 * looks like instead: UTF-16 (with or without a byte-order mark) or GBK /
 * GB18030, the encodings Chinese documents most often arrive in. */
#include "utf8check.h"

#include <iconv.h>
#include <stdio.h>
#include <string.h>
#include <utf8proc.h>

/* Why the sequence at p (n bytes left) is not valid UTF-8. */
static const char *diagnose(const unsigned char *p, size_t n)
{
    unsigned c = p[0];
    if (c >= 0x80 && c <= 0xBF)
        return "a continuation byte where a character should start";
    if (c == 0xC0 || c == 0xC1)
        return "an overlong encoding (lead byte 0xC0/0xC1)";
    if (c >= 0xF5)
        return "a byte that never occurs in UTF-8 (0xF5-0xFF)";
    size_t need = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
    for (size_t i = 1; i < need; i++) {
        if (i >= n) return "a sequence cut off by the end of the file";
        if ((p[i] & 0xC0) != 0x80)
            return "a lead byte without the continuation bytes (0x80-0xBF) it needs";
    }
    if (c == 0xED && p[1] >= 0xA0)
        return "a UTF-16 surrogate (U+D800-U+DFFF), not allowed in UTF-8";
    if ((c == 0xE0 && p[1] < 0xA0) || (c == 0xF0 && p[1] < 0x90))
        return "an overlong encoding";
    return "a code point beyond U+10FFFF";
}

/* ---- what the bytes look like instead ----------------------------------------- */

/* A code point that Chinese text is made of: CJK ideographs, CJK and
 * fullwidth punctuation, general punctuation, printable ASCII, tab, CR, LF. */
static int cjk_text_char(unsigned long u)
{
    return (u >= 0x20 && u <= 0x7E) || u == '\t' || u == '\n' || u == '\r' ||
           (u >= 0x4E00 && u <= 0x9FFF) || (u >= 0x3400 && u <= 0x4DBF) ||
           (u >= 0x3000 && u <= 0x303F) || (u >= 0xFF00 && u <= 0xFFEF) ||
           (u >= 0x2000 && u <= 0x206F) || (u >= 0x00A0 && u <= 0x00FF);
}

/* Whether b[0..n) reads as UTF-16 text of that byte order (big: 1 for BE):
 * at least three code units, nine in ten of them text characters, no NUL
 * unit, surrogates paired, and (under 16 units) one ASCII character. */
static int looks_utf16(const unsigned char *b, size_t n, int big)
{
    size_t units = 0, good = 0, ascii = 0;
    n &= ~(size_t)1;
    for (size_t i = 0; i + 1 < n; i += 2) {
        unsigned u = big ? (unsigned)b[i] << 8 | b[i + 1] : (unsigned)b[i + 1] << 8 | b[i];
        units++;
        if (u == 0) return 0;
        if (u >= 0xD800 && u <= 0xDBFF && i + 3 < n) {
            unsigned v = big ? (unsigned)b[i + 2] << 8 | b[i + 3]
                             : (unsigned)b[i + 3] << 8 | b[i + 2];
            if (v < 0xDC00 || v > 0xDFFF) return 0;
            i += 2;
            good++;
            continue;
        }
        good += cjk_text_char(u);
        ascii += u < 0x80;
    }
    /* a short sample must show a line break, space or digit of its own */
    return units >= 3 && good * 10 >= units * 9 && (ascii > 0 || units >= 16);
}

/* Whether b[0..n) decodes as GB18030 (a superset of GBK and GB2312) into
 * Chinese text: at least two ideographs, every character a text character.
 * A sequence cut off by the end of the sample is allowed when cut is set.
 * Writes up to 4 of the decoded characters to shown (UTF-8). */
static int looks_gb18030(const unsigned char *b, size_t n, int cut, char *shown, size_t cap)
{
    iconv_t cd = iconv_open("UTF-8", "GB18030");
    if (cd == (iconv_t)-1) return 0;
    char out[1024];
    char *in = (char *)b, *o = out;
    size_t inleft = n, outleft = sizeof out - 1;
    size_t r = iconv(cd, &in, &inleft, &o, &outleft);
    iconv_close(cd);
    if (r == (size_t)-1 && !(cut && inleft > 0 && inleft < 4 && o > out)) return 0;
    *o = '\0';
    size_t hanzi = 0, shown_chars = 0, used = 0;
    for (const char *p = out; p < o; ) {
        utf8proc_int32_t u;
        utf8proc_ssize_t k = utf8proc_iterate((const utf8proc_uint8_t *)p, o - p, &u);
        if (k <= 0 || !cjk_text_char((unsigned long)u)) return 0;
        if ((u >= 0x4E00 && u <= 0x9FFF) || (u >= 0x3400 && u <= 0x4DBF)) hanzi++;
        if (u >= 0x80 && shown_chars < 4 && used + (size_t)k < cap) {
            memcpy(shown + used, p, (size_t)k);
            used += (size_t)k;
            shown_chars++;
        }
        p += k;
    }
    shown[used] = '\0';
    return hanzi >= 2;
}

/* Whether b[0..n) holds at least as many valid multi-byte UTF-8 characters
 * of three or four bytes (Chinese) as bytes that fit no UTF-8 character. */
static int mostly_utf8(const unsigned char *b, size_t n)
{
    size_t good = 0, bad = 0;
    for (size_t i = 0; i < n; ) {
        if (b[i] < 0x80) { i++; continue; }
        utf8proc_int32_t cp;
        utf8proc_ssize_t k = utf8proc_iterate(b + i, n - i > 4 ? 4 : (utf8proc_ssize_t)(n - i), &cp);
        if (k >= 3) good++;
        else if (k < 0) bad++;
        i += k > 0 ? (size_t)k : 1;
    }
    return good >= bad;
}

static _Thread_local char why_buf[512];

/* why, plus what the bytes look like when that is clear; returns why_buf or
 * why itself. */
static const char *with_guess(const unsigned char *b, size_t len, size_t at,
                              const char *why)
{
    size_t sample = len < 4096 ? len : 4096;
    if (looks_utf16(b, sample, 0) || looks_utf16(b, sample, 1)) {
        int big = !looks_utf16(b, sample, 0);
        snprintf(why_buf, sizeof why_buf,
                 "%s: the file looks like UTF-16%s without a byte-order mark; convert "
                 "it with `iconv -f UTF-16%s -t UTF-8`", why, big ? "BE" : "LE",
                 big ? "BE" : "LE");
        return why_buf;
    }
    /* GBK bytes: from the bad byte to the end of its line (at most 256),
     * unless they are rather UTF-8 with a damaged character (吉隆 after a
     * stray byte also decodes as GBK, into nonsense) */
    size_t end = at;
    while (end < len && end - at < 256 && b[end] != '\n') end++;
    char shown[64];
    if (b[at] >= 0x81 && end > at + 1 && !mostly_utf8(b + at, end - at) &&
        looks_gb18030(b + at, end - at, end < len && b[end] != '\n', shown, sizeof shown)) {
        snprintf(why_buf, sizeof why_buf,
                 "%s: the bytes from here look like GBK/GB18030 (they read “%s”); "
                 "convert the file with `iconv -f GB18030 -t UTF-8`", why, shown);
        return why_buf;
    }
    return why;
}

int kouan_utf8_check(const char *bytes, size_t len, size_t *bad_at,
                     const char **why)
{
    const unsigned char *b = (const unsigned char *)bytes;
    if (len >= 2 && ((b[0] == 0xFF && b[1] == 0xFE) || (b[0] == 0xFE && b[1] == 0xFF))) {
        *bad_at = 0;
        *why = b[0] == 0xFF
            ? "a UTF-16 byte-order mark: the file looks like UTF-16LE; "
              "convert it with `iconv -f UTF-16 -t UTF-8`"
            : "a UTF-16 byte-order mark: the file looks like UTF-16BE; "
              "convert it with `iconv -f UTF-16 -t UTF-8`";
        return -1;
    }
    size_t i = 0;
    while (i < len) {
        if (b[i] < 0x80) {
            if (b[i] == 0) {
                *bad_at = i;
                const char *w = with_guess(b, len, i, "a NUL byte");
                *why = w != why_buf ? "a NUL byte: this looks like a binary file, "
                                      "not UTF-8 text" : w;
                return -1;
            }
            i++;
            continue;
        }
        utf8proc_int32_t cp;
        size_t left = len - i;
        utf8proc_ssize_t n = utf8proc_iterate(b + i, left > 4 ? 4 : (utf8proc_ssize_t)left, &cp);
        if (n < 0) {
            *bad_at = i;
            *why = with_guess(b, len, i, diagnose(b + i, left));
            return -1;
        }
        i += (size_t)n;
    }
    return 0;
}

void kouan_line_col(const char *bytes, size_t len, size_t at,
                    size_t *line, size_t *col)
{
    size_t l = 1, c = 1;
    for (size_t i = 0; i < at && i < len; i++) {
        unsigned char ch = (unsigned char)bytes[i];
        if (ch == '\n') { l++; c = 1; }
        else if ((ch & 0xC0) != 0x80) c++;
    }
    *line = l; *col = c;
}
