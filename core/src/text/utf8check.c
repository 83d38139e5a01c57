/* utf8check.c — UTF-8 validation with messages a user can act on; the
 * decoding itself is utf8proc's. */
#include "utf8check.h"
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

int kouan_utf8_check(const char *bytes, size_t len, size_t *bad_at,
                     const char **why)
{
    const unsigned char *b = (const unsigned char *)bytes;
    if (len >= 2 && ((b[0] == 0xFF && b[1] == 0xFE) || (b[0] == 0xFE && b[1] == 0xFF))) {
        *bad_at = 0;
        *why = "a UTF-16 byte-order mark: the file looks like UTF-16; "
               "convert it with `iconv -f UTF-16 -t UTF-8`";
        return -1;
    }
    size_t i = 0;
    while (i < len) {
        if (b[i] < 0x80) {
            if (b[i] == 0) {
                *bad_at = i;
                *why = "a NUL byte: this looks like a binary file (or UTF-16), "
                       "not UTF-8 text";
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
            *why = diagnose(b + i, left);
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
