/* values.c — SPARQL's one-variable VALUES block written out in full before
 * Rasqal reads a query.
 *
 * Rasqal 0.9.33 (rasqal_new_bindings_from_var_values, rasqal_bindings.c)
 * turns `VALUES ?v { a b c }` into one row of three columns instead of
 * three rows of one: the query then sees only `a`, and inside a group
 * pattern the extra columns land on other variables (the seed chapter's
 * ports of two provinces came back as the province's name, 4 times).  The
 * full form, `VALUES (?v) { (a) (b) (c) }`, is read right, and means the
 * same (SPARQL 1.1, 18.2.4.1).  So kouan_query_bounded gives Rasqal that.
 *
 * The scan knows just enough of SPARQL's lexical grammar not to see a
 * VALUES where there is none: strings (the four quotings, with escapes),
 * IRIs (`<` up to `>` with nothing an IRIREF excludes between, else it is
 * the operator), comments, variable names and words (a prefixed name such
 * as ex:values is not the keyword).  Only whitespace and parentheses are
 * added, never a line break, so the line numbers of Rasqal's errors stay
 * the user's.  A block it cannot read to its `}` (a value it does not
 * recognise, a missing brace) is left as written, for Rasqal to report. */
#include "query.h"
#include "util/strbuf.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* s[i] opens a string ('…', "…", '''…''', """…"""): the offset past its
 * closing quote, or 0 when it is not closed (a short string at a line end). */
static size_t string_end(const char *s, size_t i, size_t n)
{
    char q = s[i];
    int triple = i + 2 < n && s[i + 1] == q && s[i + 2] == q;
    for (i += triple ? 3 : 1; i < n; i++) {
        if (s[i] == '\\') { i++; continue; }
        if (s[i] == q) {
            if (!triple) return i + 1;
            if (i + 2 < n && s[i + 1] == q && s[i + 2] == q) return i + 3;
        } else if (!triple && (s[i] == '\n' || s[i] == '\r')) {
            return 0;
        }
    }
    return 0;
}

/* s[i] is '<': the offset past an IRIREF's '>', or 0 (the operator). */
static size_t iri_end(const char *s, size_t i, size_t n)
{
    for (i++; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '>') return i + 1;
        if (c <= 0x20 || strchr("<\"{}|^`\\", c)) return 0;
    }
    return 0;
}

/* Letters, digits, and every byte of a multi-byte UTF-8 character. */
static int alnum_byte(unsigned char c)
{
    return c >= 0x80 || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/* A word's bytes: keywords, prefixed names, numbers (alnum_byte and
 * _ - . : % +); a backslash keeps the byte after it (PN_LOCAL_ESC). */
static size_t word_end(const char *s, size_t i, size_t n)
{
    while (i < n) {
        unsigned char c = (unsigned char)s[i];
        if (c == '\\' && i + 1 < n) { i += 2; continue; }
        if (alnum_byte(c) || (c && strchr("_-.:%+", c))) i++;
        else break;
    }
    return i;
}

/* A variable's name from i (after its ? or $): alnum_byte and _ only, so
 * that `?o.VALUES` ends the name at the dot (VARNAME). */
static size_t var_end(const char *s, size_t i, size_t n)
{
    while (i < n && (alnum_byte((unsigned char)s[i]) || s[i] == '_')) i++;
    return i;
}

/* Past a language tag when s[i] is '@' (the tag's letters, digits and
 * hyphens); i when there is none. */
static size_t lang_end(const char *s, size_t i, size_t n)
{
    if (i >= n || s[i] != '@') return i;
    size_t k = i + 1;
    while (k < n && (s[k] == '-' || ((unsigned char)s[k] < 0x80 && alnum_byte((unsigned char)s[k])))) k++;
    return k > i + 1 ? k : i;
}

/* Whitespace and comments from i on. */
static size_t gap_end(const char *s, size_t i, size_t n)
{
    while (i < n) {
        if (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r') i++;
        else if (s[i] == '#') while (i < n && s[i] != '\n' && s[i] != '\r') i++;
        else break;
    }
    return i;
}

/* One DataBlockValue from i: an IRI, a literal (with its language tag or
 * datatype), or a word (prefixed name, number, true, false, UNDEF).  The
 * offset past it, or 0. */
static size_t value_end(const char *s, size_t i, size_t n)
{
    if (s[i] == '<') return iri_end(s, i, n);
    if (s[i] == '"' || s[i] == '\'') {
        size_t j = string_end(s, i, n);
        if (!j) return 0;
        if (j < n && s[j] == '@') {
            size_t k = lang_end(s, j, n);
            return k > j ? k : 0;
        }
        if (j + 1 < n && s[j] == '^' && s[j + 1] == '^') {
            size_t k = j + 2;
            if (k < n && s[k] == '<') return iri_end(s, k, n);
            size_t e = word_end(s, k, n);
            return e > k ? e : 0;
        }
        return j;
    }
    size_t e = word_end(s, i, n);
    return e > i ? e : 0;
}

/* Appends s[a..b) in parentheses. */
static void put_wrapped(kouan_strbuf *out, const char *s, size_t a, size_t b)
{
    kouan_strbuf_put(out, "(", 1);
    kouan_strbuf_put(out, s + a, b - a);
    kouan_strbuf_put(out, ")", 1);
}

/* At s[i], just past the keyword VALUES: the one-variable form written in
 * full onto b, returning the offset past its '}'; 0 when it is not that
 * form or a value is not understood (the caller takes back what was
 * written: kouan_strbuf_cut). */
static size_t one_var(kouan_strbuf *b, const char *s, size_t i, size_t n)
{
    size_t v = gap_end(s, i, n);
    if (v >= n || (s[v] != '?' && s[v] != '$')) return 0;
    size_t ve = var_end(s, v + 1, n);
    if (ve == v + 1) return 0;
    size_t open = gap_end(s, ve, n);
    if (open >= n || s[open] != '{') return 0;
    kouan_strbuf_put(b, s + i, v - i);
    put_wrapped(b, s, v, ve);
    kouan_strbuf_put(b, s + ve, open + 1 - ve);
    for (size_t k = open + 1;;) {
        size_t g = gap_end(s, k, n);
        kouan_strbuf_put(b, s + k, g - k);
        if (g >= n) return 0;
        if (s[g] == '}') { kouan_strbuf_put(b, "}", 1); return g + 1; }
        size_t e = value_end(s, g, n);
        if (!e) return 0;
        put_wrapped(b, s, g, e);
        k = e;
    }
}

int kouan_sparql_values_full(const char *q, char **out)
{
    *out = NULL;
    size_t n = strlen(q), i = 0, copied = 0;
    kouan_strbuf b = { 0 };
    int changed = 0;
    while (i < n) {
        unsigned char c = (unsigned char)q[i];
        size_t e;
        if (c == '"' || c == '\'') {
            e = string_end(q, i, n);
            i = lang_end(q, e ? e : n, n);       /* a language tag is not a keyword */
        } else if (c == '<') {
            e = iri_end(q, i, n);
            i = e ? e : i + 1;
        } else if (c == '#') {
            while (i < n && q[i] != '\n' && q[i] != '\r') i++;
        } else if (c == '?' || c == '$') {
            i = var_end(q, i + 1, n);
        } else if (alnum_byte(c) || c == '_' || c == ':') {   /* :values is a name */
            e = word_end(q, i, n);
            if (e - i == 6 && strncasecmp(q + i, "VALUES", 6) == 0) {
                size_t at = b.len;
                kouan_strbuf_put(&b, q + copied, e - copied);
                size_t past = one_var(&b, q, e, n);
                if (past) {
                    copied = past;
                    changed = 1;
                    i = past;
                    continue;
                }
                kouan_strbuf_cut(&b, at);        /* not the one-variable form */
            }
            i = e;
        } else {
            i++;
        }
    }
    if (!changed) {
        free(b.s);
        return KOUAN_OK;
    }
    kouan_strbuf_put(&b, q + copied, n - copied);
    if (b.oom) {
        free(b.s);
        return KOUAN_ENOMEM;
    }
    *out = b.s;
    return KOUAN_OK;
}
