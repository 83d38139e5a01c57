/* sentence.c — sentences and clauses of (normalised) text, never split
 * inside quotes or brackets.
 *
 * Two passes.  The first pairs openers with closers (a stack of expected
 * closers; a closer pops back to its opener, openers left inside are
 * unclosed); a line break ends every open pair.  Only paired brackets
 * protect their contents, so an unclosed "（" or "“" protects nothing and
 * cannot swallow the rest of the block.  The second pass walks the text with
 * the nesting depth of paired brackets and cuts at depth 0.
 *
 * A piece keeps its ending punctuation: a run of terminators ("？！", "。")
 * and the closing quotes/brackets right after it stay with the sentence; a
 * clause keeps its separator ("A、" "B，").  Spaces around a piece are not
 * part of it.  Both the full-width forms and their NFKC forms are
 * recognised (，→ ,  ：→ :  ；→ ;  ！→ !  ？→ ?  （）→ ()), so the functions
 * work on normalised and original text alike.
 *
 * 、 separates clause items, so "A、B和C" gives the clauses "A、" and "B和C":
 * rules that want enumerations see 、 as a punctuation token anyway and
 * should read them from the tokens of the sentence, not from clauses.
 * ASCII ',' between digits in thousands grouping (1,000) and ':' in a time
 * (10:30) or before "//" (a URL) do not cut clauses. */
#include "sentence.h"
#include "kouan/plugin.h"

#include <stdlib.h>
#include <string.h>

/* Decode one UTF-8 code point at s[i] (valid or not: a bad byte is itself). */
static unsigned decode(const unsigned char *s, size_t len, size_t i, size_t *k)
{
    unsigned c = s[i];
    if (c < 0x80 || i + 1 >= len) { *k = 1; return c; }
    if (c >= 0xF0 && i + 3 < len) {
        *k = 4;
        return ((c & 7u) << 18) | ((s[i + 1] & 63u) << 12) | ((s[i + 2] & 63u) << 6) |
               (s[i + 3] & 63u);
    }
    if (c >= 0xE0 && i + 2 < len) {
        *k = 3;
        return ((c & 15u) << 12) | ((s[i + 1] & 63u) << 6) | (s[i + 2] & 63u);
    }
    if (c >= 0xC0) { *k = 2; return ((c & 31u) << 6) | (s[i + 1] & 63u); }
    *k = 1;
    return c;
}

/* The closer an opener expects, or 0. */
static unsigned closer_of(unsigned c)
{
    switch (c) {
    case 0x300C: return 0x300D;   /* 「」 */
    case 0x300E: return 0x300F;   /* 『』 */
    case 0x201C: return 0x201D;   /* “” */
    case 0x2018: return 0x2019;   /* ‘’ */
    case 0x300A: return 0x300B;   /* 《》 */
    case 0x3008: return 0x3009;   /* 〈〉 */
    case 0xFF08: return 0xFF09;   /* （） */
    case '(':    return ')';
    case 0x3010: return 0x3011;   /* 【】 */
    case 0x3016: return 0x3017;   /* 〖〗 */
    case 0xFF3B: return 0xFF3D;   /* ［］ */
    case '[':    return ']';
    default:     return 0;
    }
}

static int is_closer(unsigned c)
{
    switch (c) {
    case 0x300D: case 0x300F: case 0x201D: case 0x2019: case 0x300B:
    case 0x3009: case 0xFF09: case ')': case 0x3011: case 0x3017:
    case 0xFF3D: case ']':
        return 1;
    default:
        return 0;
    }
}

/* Same bracket in either width: （ matches ) after a partial normalisation. */
static int closes(unsigned want, unsigned c)
{
    if (want == c) return 1;
    return (want == 0xFF09 && c == ')') || (want == ')' && c == 0xFF09) ||
           (want == 0xFF3D && c == ']') || (want == ']' && c == 0xFF3D);
}

static int is_terminator(unsigned c)
{
    return c == 0x3002 /* 。 */ || c == 0xFF01 || c == 0xFF1F || c == 0xFF1B ||
           c == '!' || c == '?' || c == ';' || c == 0xFF61 /* ｡ */;
}

static int is_separator(unsigned c)
{
    return c == 0xFF0C /* ， */ || c == 0x3001 /* 、 */ || c == 0xFF1A /* ： */ ||
           c == ',' || c == ':' || c == 0xFE50 || c == 0xFE51 || c == 0xFF64;
}

static int is_space(unsigned c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == 0x3000 ||
           c == 0xA0 || c == 0xFEFF;
}

static int is_digit(unsigned char c) { return c >= '0' && c <= '9'; }

/* Pass 1: flags[i] = 1 at a paired opener, 2 at its closer. */
static int pair_brackets(const unsigned char *s, size_t len, unsigned char *flags)
{
    typedef struct { size_t at; unsigned want; } open_t;
    open_t *st = NULL;
    size_t n = 0, cap = 0;
    size_t k;
    for (size_t i = 0; i < len; i += k) {
        unsigned c = decode(s, len, i, &k);
        unsigned want;
        if (c == '\n') {
            n = 0;                       /* a line break ends every pair */
        } else if ((want = closer_of(c)) != 0) {
            if (n == cap) {
                size_t nc = cap ? cap * 2 : 16;
                open_t *v = realloc(st, nc * sizeof *v);
                if (!v) { free(st); return KOUAN_ENOMEM; }
                st = v; cap = nc;
            }
            st[n].at = i;
            st[n++].want = want;
        } else if (is_closer(c)) {
            size_t j = n;
            while (j > 0 && !closes(st[j - 1].want, c)) j--;
            if (j > 0) {                 /* openers above j-1 stay unclosed */
                flags[st[j - 1].at] = 1;
                flags[i] = 2;
                n = j - 1;
            }
        }
    }
    free(st);
    return KOUAN_OK;
}

typedef struct ranges {
    kouan_range *v;
    size_t n, cap;
} ranges;

/* Append [a, b) trimmed of spaces, if anything is left. */
static int add_range(ranges *r, const unsigned char *s, size_t len, size_t a, size_t b)
{
    size_t k;
    while (a < b && is_space(decode(s, len, a, &k))) a += k;
    while (b > a) {
        size_t p = b - 1;
        while (p > a && (s[p] & 0xC0) == 0x80) p--;
        if (!is_space(decode(s, len, p, &k))) break;
        b = p;
    }
    if (a >= b) return KOUAN_OK;
    if (r->n == r->cap) {
        size_t nc = r->cap ? r->cap * 2 : 16;
        kouan_range *v = realloc(r->v, nc * sizeof *v);
        if (!v) return KOUAN_ENOMEM;
        r->v = v; r->cap = nc;
    }
    r->v[r->n].start = a;
    r->v[r->n++].end = b;
    return KOUAN_OK;
}

/* Does the separator at s[i] (one byte, ASCII) sit inside a number, a time
 * or a URL rather than between clauses? */
static int ascii_glue(const unsigned char *s, size_t len, size_t i)
{
    if (s[i] == ',') {
        /* 1,000 and 12,345,678: a digit before, exactly three after */
        return i > 0 && is_digit(s[i - 1]) && i + 3 < len &&
               is_digit(s[i + 1]) && is_digit(s[i + 2]) && is_digit(s[i + 3]) &&
               (i + 4 >= len || !is_digit(s[i + 4]));
    }
    if (s[i] == ':') {
        if (i + 2 < len && s[i + 1] == '/' && s[i + 2] == '/') return 1;
        return i > 0 && is_digit(s[i - 1]) && i + 1 < len && is_digit(s[i + 1]);
    }
    return 0;
}

/* The shared walk: cut after terminators (sentences) or after terminators
 * and separators (clauses), at bracket depth 0. */
static int split(const char *text, size_t len, int clauses,
                 kouan_range **out, size_t *nout)
{
    const unsigned char *s = (const unsigned char *)text;
    *out = NULL;
    *nout = 0;
    if (len == 0) return KOUAN_OK;
    unsigned char *flags = calloc(len, 1);
    if (!flags) return KOUAN_ENOMEM;
    int rc = pair_brackets(s, len, flags);
    ranges r = {0};
    size_t start = 0, k;
    long depth = 0;
    for (size_t i = 0; i < len && rc == KOUAN_OK; i += k) {
        unsigned c = decode(s, len, i, &k);
        if (flags[i] == 1) { depth++; continue; }
        if (flags[i] == 2) { if (depth > 0) depth--; continue; }
        if (c == '\n') {
            depth = 0;
            rc = add_range(&r, s, len, start, i);
            start = i + 1;
            continue;
        }
        if (depth > 0) continue;
        int cut = is_terminator(c) ||
                  (clauses && is_separator(c) && !(c < 0x80 && ascii_glue(s, len, i)));
        if (!cut) continue;
        /* take the run of terminators/separators and unpaired closers after it */
        size_t e = i + k, k2;
        while (e < len) {
            unsigned d = decode(s, len, e, &k2);
            if (flags[e] == 1 || d == '\n') break;
            if (is_terminator(d) || (clauses && is_separator(d)) ||
                (is_closer(d) && flags[e] != 2))
                e += k2;
            else
                break;
        }
        rc = add_range(&r, s, len, start, e);
        start = e;
        k = e - i;
    }
    if (rc == KOUAN_OK) rc = add_range(&r, s, len, start, len);
    free(flags);
    if (rc != KOUAN_OK) {
        free(r.v);
        return rc;
    }
    *out = r.v;
    *nout = r.n;
    return KOUAN_OK;
}

int kouan_sentences(const char *text, size_t len, kouan_range **out, size_t *n)
{
    return split(text, len, 0, out, n);
}

int kouan_clauses(const char *text, size_t len, kouan_range **out, size_t *n)
{
    return split(text, len, 1, out, n);
}
