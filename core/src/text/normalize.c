/* normalize.c — text for matching: NFKC per character (utf8proc), then
 * traditional → simplified Chinese (OpenCC t2s), with a byte map back to
 * the input.
 *
 * Two passes over one block of text:
 *
 *  1. NFKC, one input character at a time (utf8proc_decompose_char with
 *     COMPAT, then canonical composition of that character's own
 *     decomposition).  Doing it per character keeps the map exact: NFKC over
 *     a whole string may compose a base letter with a following combining
 *     mark, and then no output character has a single source.  Every code
 *     point of the intermediate text records the input offset of the
 *     character that produced it.  Default-ignorable code points (zero-width
 *     space, soft hyphen, BOM) are dropped.  Exception: enclosed
 *     alphanumerics (①②…, ⑴, ⒈, ㉑) are kept as they are: in these books
 *     they are footnote markers, and NFKC would turn "载体①国家" into
 *     "载体1国家", gluing the marker to a number.
 *  2. OpenCC t2s, run by run: a run of CJK ideographs is handed to OpenCC
 *     (one call per run, so phrase rules see their context) only when it
 *     holds a character that t2s changes on its own.  OpenCC costs some
 *     hundred instructions per byte (a trie prefix search per character),
 *     and simplified text, nearly all of the input, needs none of it: the
 *     normaliser learns at start-up which characters of U+3400..U+9FFF t2s
 *     changes (one OpenCC call over all of them, about 15 ms) and keeps
 *     them in a bitmap.  A phrase of characters that are all unchanged on
 *     their own is taken as simplified already.  t2s is almost always
 *     character for character: when the converted run has as many code
 *     points as the run, output code point i maps to the source of input
 *     code point i; otherwise the run is converted one character at a time
 *     (character table only, no phrase context), so the map stays exact at
 *     character granularity in every case.
 *
 * Full-width punctuation becomes ASCII under NFKC: ，→ ,  ：→ :  ；→ ;
 * （）→ ()  ！？→ !?  and the ideographic space U+3000 → ' '; 、。“”《》【】
 * stay.  "…" becomes "...".  Rules and the sentence splitter see these
 * normalised forms; spans always lead back to the original bytes. */
#include "normalize.h"
#include "util/error.h"

#include <opencc/opencc.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

/* Where Debian's libopencc-data installs t2s.json; OpenCC also finds the
 * bare name in its own data folder. */
#define T2S_NAME "t2s.json"
#define T2S_PATH "/usr/share/opencc/t2s.json"

/* The bitmap covers CJK extension A and the unified block. */
#define TRAD_FIRST 0x3400
#define TRAD_LAST  0x9FFF

struct kouan_normalizer {
    opencc_t      cc;
    unsigned char trad[(TRAD_LAST - TRAD_FIRST + 1 + 7) / 8];  /* t2s changes it */
};

static int learn_traditional(kouan_normalizer *n);

kouan_normalizer *kouan_normalizer_new(kouan_error *err)
{
    kouan_normalizer *n = calloc(1, sizeof *n);
    if (!n) {
        kouan_error_set(err, KOUAN_ENOMEM, "out of memory opening the normaliser");
        return NULL;
    }
    const char *env = getenv("KOUAN_OPENCC_CONFIG");
    if (env && !*env) env = NULL;
    /* an explicit KOUAN_OPENCC_CONFIG is the only one tried */
    const char *tries[] = { env, env ? NULL : T2S_NAME, env ? NULL : T2S_PATH };
    n->cc = (opencc_t)-1;
    for (size_t i = 0; i < sizeof tries / sizeof *tries && n->cc == (opencc_t)-1; i++)
        if (tries[i]) n->cc = opencc_open(tries[i]);
    if (n->cc == (opencc_t)-1) {
        const char *why = opencc_error();
        kouan_error_set(err, KOUAN_EINVAL,
                        "cannot open OpenCC's traditional→simplified configuration "
                        "%s (%s): install Debian's libopencc-data, or point "
                        "KOUAN_OPENCC_CONFIG at a t2s.json",
                        env ? env : T2S_PATH, why ? why : "no reason given");
        free(n);
        return NULL;
    }
    if (learn_traditional(n) != KOUAN_OK) {
        kouan_error_set(err, KOUAN_ENOMEM,
                        "cannot read OpenCC's traditional→simplified table (%s)",
                        opencc_error() ? opencc_error() : "out of memory");
        kouan_normalizer_free(n);
        return NULL;
    }
    return n;
}

void kouan_normalizer_free(kouan_normalizer *n)
{
    if (!n) return;
    if (n->cc != (opencc_t)-1) opencc_close(n->cc);
    free(n);
}

void kouan_normtext_free(kouan_normtext *t)
{
    if (!t) return;
    free(t->str);
    free(t->src);
    t->str = NULL;
    t->src = NULL;
    t->len = 0;
}

/* ---- code points with their source offsets -------------------------------- */

typedef struct cpbuf {
    utf8proc_int32_t *cp;
    size_t           *src;
    size_t            n, cap;
} cpbuf;

static int cp_reserve(cpbuf *b, size_t more)
{
    if (b->n + more <= b->cap) return 0;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < b->n + more) cap *= 2;
    utf8proc_int32_t *cp = realloc(b->cp, cap * sizeof *cp);
    if (cp) b->cp = cp;
    size_t *src = realloc(b->src, cap * sizeof *src);
    if (src) b->src = src;
    if (!cp || !src) return -1;
    b->cap = cap;
    return 0;
}

static void cp_free(cpbuf *b) { free(b->cp); free(b->src); }

/* Ideographs OpenCC may convert: CJK unified (+ extension A, B…), and
 * compatibility ideographs (already unified by NFKC, but cheap to allow). */
static int is_han(utf8proc_int32_t c)
{
    return (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF) ||
           (c >= 0x20000 && c <= 0x3FFFF) || (c >= 0xF900 && c <= 0xFAFF);
}

/* Characters NFKC leaves alone for sure: the fast path. */
static int nfkc_stable(utf8proc_int32_t c)
{
    return c < 0xA0 || (c >= 0x4E00 && c <= 0x9FFF) ||
           (c >= 0x3400 && c <= 0x4DBF) || (c >= 0x3001 && c <= 0x3035);
}

/* Footnote markers kept as they are (see the file comment). */
static int keep_as_is(utf8proc_int32_t c)
{
    return (c >= 0x2460 && c <= 0x24FF) || (c >= 0x2776 && c <= 0x2793) ||
           (c >= 0x3251 && c <= 0x325F) || (c >= 0x32B1 && c <= 0x32BF);
}

/* Pass 1: NFKC of each character of in[0..len) into b. */
static int nfkc_pass(const char *in, size_t len, cpbuf *b)
{
    const utf8proc_uint8_t *s = (const utf8proc_uint8_t *)in;
    size_t i = 0;
    while (i < len) {
        utf8proc_int32_t c;
        utf8proc_ssize_t k = utf8proc_iterate(s + i, (utf8proc_ssize_t)(len - i), &c);
        if (k <= 0) return KOUAN_EINVAL;
        if (nfkc_stable(c) || keep_as_is(c)) {
            if (cp_reserve(b, 1)) return KOUAN_ENOMEM;
            b->cp[b->n] = c;
            b->src[b->n++] = i;
        } else {
            utf8proc_int32_t d[32];
            int last = 0;
            utf8proc_ssize_t m = utf8proc_decompose_char(
                c, d, 32, UTF8PROC_DECOMPOSE | UTF8PROC_COMPAT | UTF8PROC_IGNORE, &last);
            if (m < 0 || m > 32) {          /* cannot happen for valid input */
                d[0] = c;
                m = 1;
            } else if (m > 1) {
                m = utf8proc_normalize_utf32(d, m, UTF8PROC_COMPOSE | UTF8PROC_STABLE);
                if (m < 0) { d[0] = c; m = 1; }
            }
            if (cp_reserve(b, (size_t)m)) return KOUAN_ENOMEM;
            for (utf8proc_ssize_t j = 0; j < m; j++) {
                b->cp[b->n] = d[j];
                b->src[b->n++] = i;
            }
        }
        i += (size_t)k;
    }
    return KOUAN_OK;
}

/* UTF-8 of b->cp[from..to) into a malloc'd string (length in *n). */
static char *encode(const cpbuf *b, size_t from, size_t to, size_t *n)
{
    char *s = malloc((to - from) * 4 + 1);
    if (!s) return NULL;
    size_t k = 0;
    for (size_t i = from; i < to; i++)
        k += (size_t)utf8proc_encode_char(b->cp[i], (utf8proc_uint8_t *)s + k);
    s[k] = '\0';
    *n = k;
    return s;
}

static size_t count_cps(const char *s)
{
    size_t n = 0;
    for (; *s; s++) n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

/* Output: bytes with their source offsets. */
typedef struct outbuf {
    char   *s;
    size_t *src;
    size_t  len, cap;
} outbuf;

static int out_put(outbuf *o, const char *p, size_t n, const size_t *srcs, size_t one)
{
    if (o->len + n + 1 > o->cap) {
        size_t cap = o->cap ? o->cap : 128;
        while (cap < o->len + n + 1) cap *= 2;
        char *s = realloc(o->s, cap);
        if (s) o->s = s;
        size_t *src = realloc(o->src, cap * sizeof *src);
        if (src) o->src = src;
        if (!s || !src) return -1;
        o->cap = cap;
    }
    /* srcs: one source per code point of p; else every byte gets `one` */
    size_t cpi = 0;
    for (size_t i = 0; i < n; i++) {
        if (srcs && i > 0 && ((unsigned char)p[i] & 0xC0) != 0x80) cpi++;
        o->s[o->len] = p[i];
        o->src[o->len++] = srcs ? srcs[cpi] : one;
    }
    return 0;
}

/* Append converted text conv whose code points correspond one to one to
 * b->src[from..). */
static int put_aligned(outbuf *o, const char *conv, size_t conv_len,
                       const cpbuf *b, size_t from)
{
    return out_put(o, conv, conv_len, b->src + from, 0);
}

/* Convert b->cp[from..to) (one run) and append it; see the file comment. */
static int convert_run(kouan_normalizer *n, outbuf *o, const cpbuf *b,
                       size_t from, size_t to)
{
    size_t ilen;
    char *in = encode(b, from, to, &ilen);
    if (!in) return KOUAN_ENOMEM;
    char *conv = opencc_convert_utf8(n->cc, in, ilen);
    int rc = KOUAN_OK;
    if (conv && count_cps(conv) == to - from) {
        if (put_aligned(o, conv, strlen(conv), b, from)) rc = KOUAN_ENOMEM;
    } else {
        /* one character at a time: exact map, character table only */
        for (size_t i = from; i < to && rc == KOUAN_OK; i++) {
            char one[8];
            size_t k = (size_t)utf8proc_encode_char(b->cp[i], (utf8proc_uint8_t *)one);
            char *c1 = opencc_convert_utf8(n->cc, one, k);
            const char *use = c1 ? c1 : one;
            size_t ul = c1 ? strlen(c1) : k;
            if (out_put(o, use, ul, NULL, b->src[i])) rc = KOUAN_ENOMEM;
            if (c1) opencc_convert_utf8_free(c1);
        }
    }
    if (conv) opencc_convert_utf8_free(conv);
    free(in);
    return rc;
}

/* May t2s change c?  Outside the bitmap: assume so. */
static int maybe_traditional(const kouan_normalizer *n, utf8proc_int32_t c)
{
    if (c < TRAD_FIRST || c > TRAD_LAST) return 1;
    unsigned k = (unsigned)(c - TRAD_FIRST);
    return (n->trad[k >> 3] >> (k & 7)) & 1;
}

/* Pass 2: copy everything, converting the runs of ideographs that hold a
 * character t2s changes. */
static int convert_runs(kouan_normalizer *n, outbuf *o, const cpbuf *b)
{
    size_t i = 0;
    while (i < b->n) {
        size_t j = i;
        int han = is_han(b->cp[i]), trad = 0;
        while (j < b->n && is_han(b->cp[j]) == han) {
            if (han && !trad && n) trad = maybe_traditional(n, b->cp[j]);
            j++;
        }
        if (trad) {
            int rc = convert_run(n, o, b, i, j);
            if (rc) return rc;
        } else {
            for (size_t k = i; k < j; k++) {
                char buf[8];
                size_t m = (size_t)utf8proc_encode_char(b->cp[k], (utf8proc_uint8_t *)buf);
                if (out_put(o, buf, m, NULL, b->src[k])) return KOUAN_ENOMEM;
            }
        }
        i = j;
    }
    return KOUAN_OK;
}

/* Fill n->trad: convert every character of the bitmap's range in one call,
 * one per line so that no phrase rule applies, and compare line by line. */
static int learn_traditional(kouan_normalizer *n)
{
    size_t cap = (size_t)(TRAD_LAST - TRAD_FIRST + 1) * 4 + 1, len = 0;
    char *all = malloc(cap);
    if (!all) return KOUAN_ENOMEM;
    for (utf8proc_int32_t c = TRAD_FIRST; c <= TRAD_LAST; c++) {
        len += (size_t)utf8proc_encode_char(c, (utf8proc_uint8_t *)all + len);
        all[len++] = '\n';
    }
    all[len] = '\0';
    char *conv = opencc_convert_utf8(n->cc, all, len);
    if (!conv) { free(all); return KOUAN_EINVAL; }
    const char *p = all, *q = conv;
    for (utf8proc_int32_t c = TRAD_FIRST; c <= TRAD_LAST && *p && *q; c++) {
        const char *pe = strchr(p, '\n'), *qe = strchr(q, '\n');
        if (!pe || !qe) {          /* out of step: assume the rest may change */
            for (; c <= TRAD_LAST; c++) {
                unsigned k = (unsigned)(c - TRAD_FIRST);
                n->trad[k >> 3] |= (unsigned char)(1u << (k & 7));
            }
            break;
        }
        if (pe - p != qe - q || memcmp(p, q, (size_t)(pe - p)) != 0) {
            unsigned k = (unsigned)(c - TRAD_FIRST);
            n->trad[k >> 3] |= (unsigned char)(1u << (k & 7));
        }
        p = pe + 1;
        q = qe + 1;
    }
    opencc_convert_utf8_free(conv);
    free(all);
    return KOUAN_OK;
}

int kouan_normalize(kouan_normalizer *n, const char *in, size_t len,
                    kouan_normtext *out, kouan_error *err)
{
    memset(out, 0, sizeof *out);
    cpbuf b = {0};
    outbuf o = {0};
    int rc = nfkc_pass(in, len, &b);
    if (rc == KOUAN_EINVAL) {
        cp_free(&b);
        return kouan_error_set(err, KOUAN_EINVAL,
                               "normalising text: not valid UTF-8 (the reader "
                               "should have refused it)");
    }
    if (rc == KOUAN_OK) rc = convert_runs(n, &o, &b);
    if (rc == KOUAN_OK && out_put(&o, "", 0, NULL, 0)) rc = KOUAN_ENOMEM;
    cp_free(&b);
    if (rc != KOUAN_OK) {
        free(o.s);
        free(o.src);
        return kouan_error_set(err, rc, "normalising text: out of memory");
    }
    o.s[o.len] = '\0';
    o.src[o.len] = len;
    out->str = o.s;
    out->len = o.len;
    out->src = o.src;
    return KOUAN_OK;
}
