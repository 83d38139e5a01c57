/* segment.c — the segmenter: rules for what no lexicon holds (numbers with
 * units, Latin runs, punctuation), and, for runs of Chinese, the most
 * probable path through the lattice of lexicon words, document words and
 * Chinese numerals (jieba's method), then place-name suffixes joined to the
 * unknown characters before them.
 *
 * Speed: no allocation per character or token.  A Chinese run is decoded
 * once into per-thread scratch arrays that grow and are kept; the lexicon is
 * a mapped trie (lexicon.h) walked from every position, right to left, as
 * the dynamic programme needs. */
#include "text/lexicon.h"
#include "text/segment.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

/* Scores (natural log-probabilities).  Document words beat any split: they
 * are more probable than the most frequent general word (的 ≈ -5.2).
 * Chinese numerals weigh as a common word, so a lexicon word that contains
 * one (一日游, 统一) can still win. */
#define DOC_LOGP    (-3.0f)
#define NUMBER_LOGP (-7.0f)
/* Added to every word of a path (a word-insertion bonus, e^1.5 ≈ 4.5 in
 * probability).  Pure maximum probability over jieba's frequencies prefers
 * the long compounds its dictionary lists (新世纪, 个人所得税, 改革开放)
 * where news segmentation standards write two words; on samples of the
 * PKU and MSR bakeoff test sets the bonus raised word F1 by 1–3 points
 * (bench/segment/README.md), and 1.5 was best on held-out text too. */
#define WORD_BONUS  1.5f

/* ---- the document word set --------------------------------------------- */

#define WS_BUCKETS 1024u

typedef struct doc_word {
    char     *w;
    uint32_t  len;
    uint32_t  next;   /* index + 1 of the next word in the bucket, 0 = end */
    uint8_t   cls;
} doc_word;

struct kouan_wordset {
    doc_word *v;
    size_t    n, cap;
    uint32_t  head[WS_BUCKETS];        /* index + 1, 0 = empty */
    uint64_t  bloom[WS_BUCKETS / 64];  /* buckets that hold a word */
};

kouan_wordset *kouan_wordset_new(void) { return calloc(1, sizeof(kouan_wordset)); }

void kouan_wordset_free(kouan_wordset *ws)
{
    if (!ws) return;
    for (size_t i = 0; i < ws->n; i++) free(ws->v[i].w);
    free(ws->v);
    free(ws);
}

/* Decodes the character at s (n bytes left); invalid bytes decode as
 * U+FFFD of length 1. */
static inline uint32_t decode(const unsigned char *s, size_t n, int *len)
{
    unsigned char c = s[0];
    if (c < 0x80) { *len = 1; return c; }
    if (c >= 0xE0 && c < 0xF0 && n >= 3 && (s[1] & 0xC0) == 0x80 && (s[2] & 0xC0) == 0x80) {
        *len = 3;
        return ((uint32_t)(c & 0x0F) << 12) | ((uint32_t)(s[1] & 0x3F) << 6) | (s[2] & 0x3F);
    }
    if (c >= 0xC2 && c < 0xE0 && n >= 2 && (s[1] & 0xC0) == 0x80) {
        *len = 2;
        return ((uint32_t)(c & 0x1F) << 6) | (s[1] & 0x3F);
    }
    if (c >= 0xF0 && c < 0xF5 && n >= 4 && (s[1] & 0xC0) == 0x80 &&
        (s[2] & 0xC0) == 0x80 && (s[3] & 0xC0) == 0x80) {
        *len = 4;
        return ((uint32_t)(c & 0x07) << 18) | ((uint32_t)(s[1] & 0x3F) << 12) |
               ((uint32_t)(s[2] & 0x3F) << 6) | (s[3] & 0x3F);
    }
    *len = 1;
    return 0xFFFD;
}

int kouan_wordset_add(kouan_wordset *ws, const char *word, size_t len,
                      kouan_class cls)
{
    if (!ws || !word || len == 0 || len > 0xFFFF) return KOUAN_EINVAL;
    int l;
    uint32_t first = decode((const unsigned char *)word, len, &l);
    uint32_t b = first & (WS_BUCKETS - 1);
    for (uint32_t i = ws->head[b]; i; i = ws->v[i - 1].next) {
        doc_word *d = &ws->v[i - 1];
        if (d->len == len && !memcmp(d->w, word, len)) {
            if (!d->cls) d->cls = (uint8_t)cls;   /* the first class stays */
            return KOUAN_OK;
        }
    }
    if (ws->n == ws->cap) {
        size_t cap = ws->cap ? ws->cap * 2 : 64;
        doc_word *v = realloc(ws->v, cap * sizeof *v);
        if (!v) return KOUAN_ENOMEM;
        ws->v = v;
        ws->cap = cap;
    }
    char *copy = malloc(len + 1);
    if (!copy) return KOUAN_ENOMEM;
    memcpy(copy, word, len);
    copy[len] = '\0';
    ws->v[ws->n] = (doc_word){ copy, (uint32_t)len, ws->head[b], (uint8_t)cls };
    ws->head[b] = (uint32_t)++ws->n;
    ws->bloom[b / 64] |= 1ull << (b % 64);
    return KOUAN_OK;
}

/* ---- characters ---------------------------------------------------------- */

enum ch {
    CH_SPACE, CH_DIGIT, CH_LATIN, CH_PUNCT, CH_OTHERNUM, CH_HAN
};

static enum ch ascii_class(unsigned char c)
{
    if (c <= ' ' || c == 0x7F) return CH_SPACE;
    if (c >= '0' && c <= '9') return CH_DIGIT;
    if ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') return CH_LATIN;
    return CH_PUNCT;
}

static enum ch char_class(uint32_t cp)
{
    if (cp < 0x80) return ascii_class((unsigned char)cp);
    if (cp >= 0x4E00 && cp <= 0x9FFF) return CH_HAN;
    if (cp >= 0xFF10 && cp <= 0xFF19) return CH_DIGIT;
    if ((cp >= 0xFF21 && cp <= 0xFF3A) || (cp >= 0xFF41 && cp <= 0xFF5A)) return CH_LATIN;
    if (cp == 0xFFFD || cp == 0x3007 || cp == 0x25CB) return CH_HAN;   /* 〇 ○: 二○○一 */
    switch (utf8proc_category((utf8proc_int32_t)cp)) {
    case UTF8PROC_CATEGORY_ZS: case UTF8PROC_CATEGORY_ZL: case UTF8PROC_CATEGORY_ZP:
    case UTF8PROC_CATEGORY_CC: case UTF8PROC_CATEGORY_CF:
        return CH_SPACE;
    case UTF8PROC_CATEGORY_PC: case UTF8PROC_CATEGORY_PD: case UTF8PROC_CATEGORY_PS:
    case UTF8PROC_CATEGORY_PE: case UTF8PROC_CATEGORY_PI: case UTF8PROC_CATEGORY_PF:
    case UTF8PROC_CATEGORY_PO: case UTF8PROC_CATEGORY_SM: case UTF8PROC_CATEGORY_SC:
    case UTF8PROC_CATEGORY_SK: case UTF8PROC_CATEGORY_SO:
        return CH_PUNCT;
    case UTF8PROC_CATEGORY_NO: case UTF8PROC_CATEGORY_NL:
        return CH_OTHERNUM;
    case UTF8PROC_CATEGORY_ND:
        return CH_LATIN;
    case UTF8PROC_CATEGORY_LU: case UTF8PROC_CATEGORY_LL: case UTF8PROC_CATEGORY_LT:
    case UTF8PROC_CATEGORY_LM:
        return cp < 0x2E80 ? CH_LATIN : CH_HAN;
    case UTF8PROC_CATEGORY_LO:
        return cp < 0x2E80 && !(cp >= 0x1100 && cp <= 0x11FF) ? CH_LATIN : CH_HAN;
    default:
        return CH_HAN;
    }
}

/* Class of the character at s, with its length. */
static inline enum ch class_at(const unsigned char *s, size_t n, uint32_t *cp, int *len)
{
    if (s[0] < 0x80) { *len = 1; *cp = s[0]; return ascii_class(s[0]); }
    *cp = decode(s, n, len);
    return char_class(*cp);
}

/* Chinese numerals: digits (〇…九, 两, 十) and magnitudes (百千万亿). */
static inline int cn_digit(uint32_t c)
{
    switch (c) {
    case 0x3007: case 0x96F6: case 0x4E00: case 0x4E8C: case 0x4E09: case 0x56DB:
    case 0x4E94: case 0x516D: case 0x4E03: case 0x516B: case 0x4E5D: case 0x5341:
    case 0x4E24: case 0x25CB:
        return 1;   /* 〇 零 一 二 三 四 五 六 七 八 九 十 两 ○ */
    default:
        return 0;
    }
}
static inline int cn_magnitude(uint32_t c)
{
    return c == 0x767E || c == 0x5343 || c == 0x4E07 || c == 0x4EBF; /* 百千万亿 */
}

/* What a number keeps after it: time units (2013年, 10月, 31日, 1990年代,
 * 9时30分) and per cent.  Measure words, currencies and classifiers are
 * words of their own (55.6亿 元, 2.28万 公里, 28 个, 17 世纪), as the
 * Peking University segmentation standard (the People's Daily corpus of
 * the SIGHAN bakeoffs) writes them; the stats plugin reads a unit from the
 * words after the number.  After digits any of them; after Chinese
 * numerals only those marked 1 (十二月, 一九九二年, not 三分). */
typedef struct unit { const char *s; unsigned char len, after_cn; } unit;
#define U(s, cn) { s, sizeof(s) - 1, cn }
static const unit UNITS[] = {
    U("年代", 1), U("年", 1), U("月", 1), U("日", 1), U("时", 0), U("分", 0),
    U("秒", 0), U("%", 0), U("％", 0), U("‰", 0),
};
#undef U

/* Length of the unit at s (n bytes left), or 0. */
static size_t unit_at(const char *s, size_t n, int after_cn)
{
    if (n == 0) return 0;
    unsigned char c = (unsigned char)s[0];
    if (c < 0x80 && c != '%') return 0;
    for (size_t i = 0; i < sizeof UNITS / sizeof *UNITS; i++) {
        const unit *u = &UNITS[i];
        if (u->len <= n && (unsigned char)u->s[0] == c && !memcmp(u->s, s, u->len) &&
            (!after_cn || u->after_cn))
            return u->len;
    }
    return 0;
}

/* After a number ending at p: magnitudes (万, 亿…), 余/多, then one unit.
 * Returns the new end. */
static size_t number_tail(const char *t, size_t p, size_t len)
{
    const unsigned char *s = (const unsigned char *)t;
    for (int k = 0; k < 3 && p < len; k++) {
        int l;
        uint32_t c = decode(s + p, len - p, &l);
        if (!cn_magnitude(c) && c != 0x5341 /* 十 */) break;
        p += (size_t)l;
    }
    if (p < len) {
        int l;
        uint32_t c = decode(s + p, len - p, &l);
        if (c == 0x4F59 || c == 0x591A) {   /* 余 多 */
            p += (size_t)l;
        }
    }
    return p + unit_at(t + p, len - p, 0);
}

static inline int is_digit_at(const unsigned char *s, size_t n)
{
    if (s[0] >= '0' && s[0] <= '9') return 1;
    return n >= 3 && s[0] == 0xEF && s[1] == 0xBC && s[2] >= 0x90 && s[2] <= 0x99;
}

/* A number of ASCII or full-width digits at p, with decimals and thousands
 * separators; returns its end (before any unit). */
static size_t digits_end(const char *t, size_t p, size_t len)
{
    const unsigned char *s = (const unsigned char *)t;
    for (;;) {
        while (p < len && is_digit_at(s + p, len - p)) p += s[p] < 0x80 ? 1 : 3;
        if (p + 1 < len && (s[p] == '.' ) && is_digit_at(s + p + 1, len - p - 1)) {
            p++;
            continue;
        }
        if (p + 3 < len && s[p] == 0xEF && s[p + 1] == 0xBC && s[p + 2] == 0x8E &&
            is_digit_at(s + p + 3, len - p - 3)) {   /* full-width ． */
            p += 3;
            continue;
        }
        if (p + 3 < len && s[p] == ',' && s[p + 1] >= '0' && s[p + 1] <= '9' &&
            s[p + 2] >= '0' && s[p + 2] <= '9' && s[p + 3] >= '0' && s[p + 3] <= '9' &&
            (p + 4 >= len || s[p + 4] < '0' || s[p + 4] > '9')) {
            p++;
            continue;
        }
        return p;
    }
}

/* ---- output -------------------------------------------------------------- */

typedef struct outv {
    kouan_seg **v;
    size_t     *n, *cap;
} outv;

static int emit(outv *o, size_t a, size_t b, kouan_token_kind kind, kouan_class cls)
{
    if (*o->n == *o->cap) {
        size_t cap = *o->cap ? *o->cap * 2 : 64;
        kouan_seg *v = realloc(*o->v, cap * sizeof *v);
        if (!v) return KOUAN_ENOMEM;
        *o->v = v;
        *o->cap = cap;
    }
    (*o->v)[(*o->n)++] = (kouan_seg){ a, b, kind, cls };
    return KOUAN_OK;
}

/* ---- Chinese runs -------------------------------------------------------- */

/* Per-thread scratch for one run, grown as needed and kept. */
typedef struct scratch {
    uint32_t *cp;     /* code points */
    uint32_t *off;    /* byte offset of each character; off[n] = run end */
    float    *score;  /* best log-probability of the rest from here */
    uint32_t *next;   /* where the best first word from here ends */
    uint32_t *path;   /* starts of the words of the best path */
    uint8_t  *kind, *cls;
    size_t    cap;
} scratch;

static _Thread_local scratch S;

/* A thread's scratch is freed when the thread ends (a key destructor; the
 * thread-local S is still there while destructors run), so worker threads
 * that segment leave nothing behind. */
static pthread_key_t scratch_key;
static pthread_once_t scratch_once = PTHREAD_ONCE_INIT;

static void scratch_free(void *p)
{
    scratch *s = p;
    free(s->cp); free(s->off); free(s->score); free(s->next); free(s->path);
    free(s->kind); free(s->cls);
    memset(s, 0, sizeof *s);
}

static void scratch_key_new(void) { pthread_key_create(&scratch_key, scratch_free); }

static int scratch_reserve(size_t n)
{
    if (n + 1 <= S.cap) return KOUAN_OK;
    if (!S.cap) {
        pthread_once(&scratch_once, scratch_key_new);
        pthread_setspecific(scratch_key, &S);
    }
    size_t cap = S.cap ? S.cap : 256;
    while (cap < n + 1) cap *= 2;
    uint32_t *cp = realloc(S.cp, cap * sizeof *cp);
    if (cp) S.cp = cp;
    uint32_t *off = realloc(S.off, cap * sizeof *off);
    if (off) S.off = off;
    float *score = realloc(S.score, cap * sizeof *score);
    if (score) S.score = score;
    uint32_t *next = realloc(S.next, cap * sizeof *next);
    if (next) S.next = next;
    uint32_t *path = realloc(S.path, cap * sizeof *path);
    if (path) S.path = path;
    uint8_t *kind = realloc(S.kind, cap);
    if (kind) S.kind = kind;
    uint8_t *cls = realloc(S.cls, cap);
    if (cls) S.cls = cls;
    if (!cp || !off || !score || !next || !path || !kind || !cls) return KOUAN_ENOMEM;
    S.cap = cap;
    return KOUAN_OK;
}

/* Characters that never start or sit inside a place name before a suffix
 * (function words): 的了在和与及是对从向为由以将把被也并或于至经各该此这那有
 * 等个其之而但又即每到给使就按如共 */
static int stop_char(uint32_t c)
{
    static const uint32_t STOP[] = {
        0x7684, 0x4E86, 0x5728, 0x548C, 0x4E0E, 0x53CA, 0x662F, 0x5BF9, 0x4ECE,
        0x5411, 0x4E3A, 0x7531, 0x4EE5, 0x5C06, 0x628A, 0x88AB, 0x4E5F, 0x5E76,
        0x6216, 0x4E8E, 0x81F3, 0x7ECF, 0x5404, 0x8BE5, 0x6B64, 0x8FD9, 0x90A3,
        0x6709, 0x7B49, 0x4E2A, 0x5176, 0x4E4B, 0x800C, 0x4F46, 0x53C8, 0x5373,
        0x6BCF, 0x5230, 0x7ED9, 0x4F7F, 0x5C31, 0x6309, 0x5982, 0x5171,
    };
    for (size_t i = 0; i < sizeof STOP / sizeof *STOP; i++)
        if (STOP[i] == c) return 1;
    return 0;
}

/* Place-name suffixes: an unknown name before them joins them. */
static int suffix_word(const uint32_t *cp, size_t n)
{
    if (n > 3) return 0;
    switch (cp[0]) {   /* 口 自 地 县 旗 盟 市: most words stop here */
    case 0x53E3: case 0x81EA: case 0x5730: case 0x53BF: case 0x65D7: case 0x76DF:
    case 0x5E02:
        break;
    default:
        return 0;
    }
    static const uint32_t SUF[][3] = {
        { 0x53E3, 0x5CB8, 0 },      /* 口岸 */
        { 0x81EA, 0x6CBB, 0x5DDE },  /* 自治州 */
        { 0x81EA, 0x6CBB, 0x53BF },  /* 自治县 */
        { 0x5730, 0x533A, 0 },      /* 地区 */
        { 0x53BF, 0, 0 },           /* 县 */
        { 0x65D7, 0, 0 },           /* 旗 */
        { 0x76DF, 0, 0 },           /* 盟 */
        { 0x5E02, 0, 0 },           /* 市 */
    };
    for (size_t i = 0; i < sizeof SUF / sizeof *SUF; i++) {
        size_t len = SUF[i][2] ? 3 : SUF[i][1] ? 2 : 1;
        if (len == n && !memcmp(SUF[i], cp, n * sizeof *cp)) return 1;
    }
    return 0;
}

/* Chinese-numeral candidate starting at i (at a run start, or at 第):
 * returns its end (chars), or 0 if none. */
static size_t cn_number(const uint32_t *cp, const uint32_t *off, const char *t,
                        size_t i, size_t n)
{
    size_t j = i;
    if (cp[j] == 0x7B2C) j++;                 /* 第 */
    size_t d = j;
    while (j < n && (cn_digit(cp[j]) || cn_magnitude(cp[j]))) j++;
    if (j == d || !cn_digit(cp[d])) return 0; /* 万/亿 alone are not numbers */
    size_t digits = j - d;
    size_t ulen = j < n ? unit_at(t + off[j], off[n] - off[j], 1) : 0;
    if (ulen) {
        size_t end = off[j] + ulen;
        while (j < n && off[j] < end) j++;
        if (off[j] != end) return 0;          /* unit ends inside a character */
        return j;
    }
    if (cp[i] == 0x7B2C) return 0;            /* 第 needs a unit: 第十届 */
    if (digits < 2 || cp[d] == 0x4E24) return 0;   /* 一 alone; 两 needs a unit */
    return j;
}

/* Segments text[a..b), a run of Chinese (and other non-Latin letters). */
static int segment_run(const kouan_lexicon *lx, const kouan_wordset *doc,
                       const char *t, size_t a, size_t b, outv *o)
{
    const unsigned char *s = (const unsigned char *)t;
    size_t n = 0;
    if (scratch_reserve(b - a)) return KOUAN_ENOMEM;
    for (size_t p = a; p < b;) {
        int l;
        S.off[n] = (uint32_t)(p - a);
        S.cp[n++] = decode(s + p, b - p, &l);
        p += (size_t)l;
    }
    S.off[n] = (uint32_t)(b - a);
    const char *r = t + a;            /* run text; off[] is relative to it */
    uint32_t *cp = S.cp, *off = S.off, *next = S.next;
    float *score = S.score;
    uint8_t *kind = S.kind, *cls = S.cls;
    const float unknown = lx->unknown_logp + WORD_BONUS;

    score[n] = 0;
    for (size_t i = n; i-- > 0;) {
        float best = unknown + score[i + 1];
        uint32_t bend = (uint32_t)i + 1;
        uint8_t bkind = KOUAN_TOKEN_WORD, bcls = 0;
        const kouan_lex_node *nd = kouan_lex_first(lx, cp[i]);
        for (size_t k = i; nd;) {
            if (nd->logp < 0) {
                float sc = nd->logp + WORD_BONUS + score[k + 1];
                if (sc >= best) {
                    best = sc;
                    bend = (uint32_t)k + 1;
                    bcls = (uint8_t)KOUAN_LEX_CLASS(nd);
                    bkind = bcls ? KOUAN_TOKEN_ENTITY : KOUAN_TOKEN_WORD;
                }
            }
            if (++k == n || KOUAN_LEX_KIDS(nd) == 0) break;
            nd = kouan_lex_child(lx, nd, cp[k]);
        }
        if (doc) {
            uint32_t bk = cp[i] & (WS_BUCKETS - 1);
            if (doc->bloom[bk / 64] >> (bk % 64) & 1) {
                for (uint32_t w = doc->head[bk]; w; w = doc->v[w - 1].next) {
                    const doc_word *d = &doc->v[w - 1];
                    size_t end = off[i] + d->len;
                    if (end > off[n] || memcmp(r + off[i], d->w, d->len)) continue;
                    size_t k = i + 1;
                    while (off[k] < end) k++;
                    if (off[k] != end) continue;
                    float sc = DOC_LOGP + WORD_BONUS + score[k];
                    if (sc >= best) {
                        best = sc;
                        bend = (uint32_t)k;
                        bcls = d->cls;
                        bkind = d->cls ? KOUAN_TOKEN_ENTITY : KOUAN_TOKEN_WORD;
                    }
                }
            }
        }
        if ((cn_digit(cp[i]) && (i == 0 || !(cn_digit(cp[i - 1]) || cn_magnitude(cp[i - 1])))) ||
            cp[i] == 0x7B2C) {
            size_t k = cn_number(cp, off, r, i, n);
            if (k) {
                float sc = NUMBER_LOGP + WORD_BONUS + score[k];
                if (k == bend) {              /* a lexicon word that is a number */
                    if (sc > best) best = sc;
                    bkind = KOUAN_TOKEN_NUMBER;
                    bcls = 0;
                } else if (sc >= best) {
                    best = sc;
                    bend = (uint32_t)k;
                    bkind = KOUAN_TOKEN_NUMBER;
                    bcls = 0;
                }
            }
        }
        score[i] = best;
        next[i] = bend;
        kind[i] = bkind;
        cls[i] = bcls;
    }

    /* The best path as word starts (char indices): path[w] starts word w. */
    uint32_t *path = S.path;
    size_t np = 0;
    for (size_t i = 0; i < n; i = next[i]) path[np++] = (uint32_t)i;
    path[np] = (uint32_t)n;

    /* Place-name suffixes: 2–8 unknown single characters (no function word
       or numeral among them) before 口岸/县/旗/盟/自治州/自治县/地区/市
       join the suffix: 日屋口岸. */
    for (size_t w = 0; w < np; w++) {
        uint32_t ws = path[w], we = path[w + 1];
        if (kind[ws] != KOUAN_TOKEN_WORD || !suffix_word(cp + ws, we - ws)) continue;
        size_t p = w, chars = 0;
        while (p > 0 && chars < 9) {
            uint32_t ps = path[p - 1];
            if (path[p] - ps != 1 || kind[ps] != KOUAN_TOKEN_WORD ||
                stop_char(cp[ps]) || cn_digit(cp[ps]))
                break;
            p--;
            chars++;
        }
        if (chars < 2 || chars > 8) continue;
        uint32_t start = path[p];
        next[start] = we;
        kind[start] = KOUAN_TOKEN_WORD;
        cls[start] = 0;
        memmove(path + p + 1, path + w + 1, (np - w) * sizeof *path);
        np -= w - p;
        w = p;
    }
    for (size_t w = 0; w < np; w++) {
        uint32_t ws = path[w];
        if (emit(o, a + off[ws], a + off[path[w + 1]], kind[ws], cls[ws]))
            return KOUAN_ENOMEM;
    }
    return KOUAN_OK;
}

/* ---- the segmenter ------------------------------------------------------- */

int kouan_segment(const kouan_lexicon *lx, const kouan_wordset *doc,
                  const char *text, size_t len,
                  kouan_seg **out, size_t *n, size_t *cap)
{
    outv o = { out, n, cap };
    const unsigned char *s = (const unsigned char *)text;
    *n = 0;
    if (doc && doc->n == 0) doc = NULL;
    size_t i = 0;
    while (i < len) {
        uint32_t c;
        int l;
        enum ch k = class_at(s + i, len - i, &c, &l);
        size_t j;
        int rc = KOUAN_OK;
        switch (k) {
        case CH_SPACE:
            i += (size_t)l;
            continue;
        case CH_DIGIT:
        case CH_LATIN: {
            /* digits: a number with its unit; with a letter: a Latin run */
            j = k == CH_DIGIT ? digits_end(text, i, len) : i;
            int l2;
            uint32_t c2;
            if (j < len && class_at(s + j, len - j, &c2, &l2) == CH_LATIN) k = CH_LATIN;
            if (k == CH_DIGIT) {
                j = number_tail(text, j, len);
                rc = emit(&o, i, j, KOUAN_TOKEN_NUMBER, 0);
                break;
            }
            j = i;
            while (j < len) {
                enum ch kj = class_at(s + j, len - j, &c2, &l2);
                if (kj == CH_LATIN || kj == CH_DIGIT) { j += (size_t)l2; continue; }
                /* joiners inside a word: U.S.A, e-mail, AT&T, don't */
                if (j + 1 < len && (s[j] == '.' || s[j] == '-' || s[j] == '_' ||
                                    s[j] == '&' || s[j] == '\'')) {
                    enum ch kn = class_at(s + j + 1, len - j - 1, &c2, &l2);
                    if (kn == CH_LATIN || kn == CH_DIGIT) { j++; continue; }
                }
                break;
            }
            rc = emit(&o, i, j, KOUAN_TOKEN_LATIN, 0);
            break;
        }
        case CH_PUNCT:
            j = i + (size_t)l;
            if (c == '.') {                       /* ... and NFKC's …… */
                while (j < len && s[j] == '.') j++;
            } else if (c == 0x2014 || c == 0x2026) {  /* —— ——— …… */
                int l2;
                while (j < len && decode(s + j, len - j, &l2) == c) j += (size_t)l2;
            }
            rc = emit(&o, i, j, KOUAN_TOKEN_PUNCT, 0);
            break;
        case CH_OTHERNUM:
            j = i + (size_t)l;
            rc = emit(&o, i, j, KOUAN_TOKEN_NUMBER, 0);
            break;
        case CH_HAN:
        default:
            j = i + (size_t)l;
            while (j < len) {
                uint32_t c2;
                int l2;
                if (s[j] < 0x80) break;
                if (class_at(s + j, len - j, &c2, &l2) != CH_HAN) break;
                j += (size_t)l2;
            }
            rc = segment_run(lx, doc, text, i, j, &o);
            break;
        }
        if (rc) return rc;
        i = j;
    }
    return KOUAN_OK;
}
