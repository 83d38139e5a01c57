/* reader.c — the Markdown-like chapter reader: lines become headings,
 * paragraphs, footnotes, tab-separated tables and furniture (front matter,
 * table of contents); inline HTML and Markdown are removed from the text
 * extractors read, with a byte map back to the original file.  HTML pages
 * go to html.c instead (kouan_html_is_page decides).
 *
 * Data flow: bytes ─▶ lines ─▶ units (runs of lines of one kind) ─▶
 * furniture marked, page-break halves joined ─▶ blocks, each with its
 * cleaned text (text_buf) copied into the document's arena.
 *
 * Inline markup (<b>, <sup>①</sup>, <br>) is dropped by a hand scanner,
 * not by libxml2's HTML parser, on purpose: parsing a fragment makes
 * libxml2 invent <html><body><p>, re-nest or auto-close tags that open on
 * one line and close on another, and report positions only through parser
 * internals (input->cur at callback time) that are exact for verbatim runs
 * but not for what it repairs; and a stray "<" in prose ("a<b") would be
 * taken for a tag.  Dropping a well-formed tag needs none of that, and the
 * scanner's map is exact by construction.  Entities are decoded with
 * libxml2's HTML entity table (htmlEntityLookup).  Whole pages, where the
 * structure matters, do go through libxml2 (html.c). */
#include "build.h"
#include "html.h"
#include "text/utf8check.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <libxml/HTMLparser.h>
#include <utf8proc.h>

/* The longest line a Markdown-like or plain-text document may have. */
#define KOUAN_MAX_LINE (1 << 20)

/* ---- inline markup ----------------------------------------------------------- */

static int is_blank_byte(char c) { return c == ' ' || c == '\t' || c == '\r'; }

/* Length of an HTML tag starting at p[0] == '<' within [p, end), or 0 if
 * this '<' does not start a tag (a literal "<" in text). */
static size_t tag_length(const char *p, const char *end)
{
    if (end - p < 3) return 0;
    char c = p[1];
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '/' || c == '!'))
        return 0;
    for (const char *q = p + 1; q < end && q - p < 512; q++) {
        if (*q == '>') return (size_t)(q - p + 1);
        if (*q == '<' || *q == '\n') return 0;
    }
    return 0;
}

/* Decode an entity "&…;" at p; returns its length and writes its UTF-8
 * (up to 4 bytes) to buf (length in *n), or 0 if it is not a known entity. */
static size_t entity_decode(const char *p, const char *end, char *buf, size_t *n)
{
    const char *semi = memchr(p, ';', (size_t)(end - p) < 33 ? (size_t)(end - p) : 33);
    if (!semi || semi - p < 3) return 0;
    char name[33];
    size_t nl = (size_t)(semi - p - 1);
    memcpy(name, p + 1, nl);
    name[nl] = '\0';
    long cp = -1;
    if (name[0] == '#') {
        char *e;
        cp = (name[1] == 'x' || name[1] == 'X') ? strtol(name + 2, &e, 16)
                                                : strtol(name + 1, &e, 10);
        if (*e || cp <= 0) cp = -1;
    } else {
        const htmlEntityDesc *d = htmlEntityLookup((const xmlChar *)name);
        if (d) cp = (long)d->value;
    }
    if (cp < 0 || !utf8proc_codepoint_valid((utf8proc_int32_t)cp)) return 0;
    utf8proc_ssize_t k = utf8proc_encode_char((utf8proc_int32_t)cp, (utf8proc_uint8_t *)buf);
    *n = (size_t)k;
    return (size_t)(semi - p + 1);
}

/* Append the cleaned text of bytes [s, e) of the file (base = file start):
 * tags dropped, entities decoded, Markdown escapes and link targets removed,
 * runs of spaces collapsed. */
/* Length of "<sup>M</sup>" at p when M is a footnote marker (one circled
 * number ①–⑳, or 1–3 digits, optionally in brackets), else 0. */
static size_t sup_marker_length(const char *p, const char *e)
{
    if (e - p < 12 || strncasecmp(p, "<sup>", 5) != 0) return 0;
    const char *q = p + 5, *close = NULL;
    for (const char *r = q; r < e && r - q < 16; r++)
        if (*r == '<') { close = r; break; }
    if (!close || e - close < 6 || strncasecmp(close, "</sup>", 6) != 0) return 0;
    size_t n = (size_t)(close - q);
    const unsigned char *u = (const unsigned char *)q;
    int marker = (n == 3 && u[0] == 0xE2 && u[1] == 0x91 && u[2] >= 0xA0 && u[2] <= 0xB3);
    if (!marker) {
        size_t i = 0, digits = 0;
        if (i < n && (q[i] == '[' || q[i] == '(')) i++;
        while (i < n && q[i] >= '0' && q[i] <= '9') { i++; digits++; }
        if (i < n && (q[i] == ']' || q[i] == ')')) i++;
        marker = digits >= 1 && digits <= 3 && i == n;
    }
    return marker ? (size_t)(close + 6 - p) : 0;
}

static void clean_inline(text_buf *t, const char *base, const char *s, const char *e)
{
    const char *p = s;
    while (p < e) {
        size_t at = (size_t)(p - base);
        char c = *p;
        if (c == '<') {
            /* a footnote marker inside a sentence or a cell (樟木<sup>①</sup>、)
               is not part of the text rules and tables read: the evidence
               bytes keep it, and the graph cites the note from there.  A
               note's own leading marker (t is still empty) stays. */
            size_t sup = t->len ? sup_marker_length(p, e) : 0;
            if (sup) { p += sup; continue; }
            size_t n = tag_length(p, e);
            if (n) { p += n; continue; }
        } else if (c == '&') {
            char buf[8]; size_t n = 0;
            size_t used = entity_decode(p, e, buf, &n);
            if (used) { tb_put(t, buf, n, at); p += used; continue; }
        } else if (c == '\\' && p + 1 < e && strchr("\\`*_{}[]()#+-.!<>|~", p[1])) {
            tb_copy(t, p + 1, 1, at + 1);
            p += 2;
            continue;
        } else if (c == '[') {
            /* [text](target): keep the text, drop the target */
            const char *close = NULL;
            int depth = 0;
            for (const char *q = p + 1; q < e; q++) {
                if (*q == '\\') { q++; continue; }
                if (*q == '[') depth++;
                else if (*q == ']' && depth-- == 0) { close = q; break; }
            }
            if (close && close + 1 < e && close[1] == '(') {
                const char *rp = NULL;
                for (const char *q = close + 2; q < e; q++) {
                    if (*q == '\\') { q++; continue; }
                    if (*q == ')') { rp = q; break; }
                }
                if (rp) {
                    clean_inline(t, base, p + 1, close);
                    p = rp + 1;
                    continue;
                }
            }
        } else if (is_blank_byte(c)) {
            while (p < e && is_blank_byte(*p)) p++;
            if (t->len && t->s[t->len - 1] != ' ')
                tb_put(t, " ", 1, at);
            continue;
        }
        tb_copy(t, p, 1, at);
        p++;
    }
}

/* ---- lines and blocks ------------------------------------------------------------ */

typedef struct line {
    size_t start, end;   /* without the line break */
    size_t no;           /* 1-based */
} line;

typedef enum line_kind { L_BLANK, L_HEADING, L_TABLE, L_FOOTNOTE, L_TEXT } line_kind;

/* Skip spaces, tabs, the ideographic space U+3000, no-break space and a
 * byte-order mark. */
static const char *skip_space(const char *p, const char *e)
{
    for (;;) {
        if (p < e && is_blank_byte(*p)) p++;
        else if (e - p >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0) p += 3;
        else if (e - p >= 3 && (unsigned char)p[0] == 0xE3 &&
                 (unsigned char)p[1] == 0x80 && (unsigned char)p[2] == 0x80) p += 3;
        else if (e - p >= 2 && (unsigned char)p[0] == 0xC2 &&
                 (unsigned char)p[1] == 0xA0) p += 2;
        else return p;
    }
}

static line_kind classify(const char *b, const line *l, int *level)
{
    const char *s = b + l->start, *e = b + l->end;
    const char *p = skip_space(s, e);
    if (p == e) return L_BLANK;
    if (*p == '#') {
        int n = 0;
        while (p + n < e && p[n] == '#') n++;
        if (n <= 6 && (p + n == e || p[n] == ' ')) { *level = n; return L_HEADING; }
    }
    if (memchr(s, '\t', (size_t)(e - s))) return L_TABLE;
    if (e - p >= 5 && strncmp(p, "<sup>", 5) == 0) return L_FOOTNOTE;
    return L_TEXT;
}

static int ascii_alnum(unsigned char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* Build one heading/paragraph/footnote/furniture block from the lines
 * listed in idx[0..n) (in order; blank ones contribute nothing).  Lines are
 * joined without a space (Chinese needs none) unless two ASCII words meet;
 * with lines_apart, each line ends with '\n' instead (furniture such as a
 * table of contents stays one entry per line). */
static int text_block(kouan_document *d, block_list *bl, text_buf *t,
                      const line *ls, const size_t *idx, size_t n,
                      kouan_block_kind kind, int level, int lines_apart)
{
    const char *b = d->bytes;
    for (size_t k = 0; k < n; k++) {
        size_t i = idx[k];
        const char *s = skip_space(b + ls[i].start, b + ls[i].end);
        const char *e = b + ls[i].end;
        if (kind == KOUAN_BLOCK_HEADING) {
            while (s < e && *s == '#') s++;
            s = skip_space(s, e);
            while (e > s && (e[-1] == '#' || is_blank_byte(e[-1]))) e--;
        }
        if (s == e) continue;
        if (lines_apart && t->len) {
            tb_trim_end(t);
            tb_put(t, "\n", 1, ls[idx[k - 1]].end);
        } else if (t->len && ascii_alnum((unsigned char)t->s[t->len - 1]) &&
                   ascii_alnum((unsigned char)*s)) {
            tb_put(t, " ", 1, ls[idx[k - 1]].end);
        }
        clean_inline(t, b, s, e);
        tb_trim_end(t);
    }
    kouan_block *k = push_block(bl);
    if (!k) return KOUAN_ENOMEM;
    k->kind = kind;
    k->level = level;
    k->span.start = ls[idx[0]].start;
    k->span.end = ls[idx[n - 1]].end;
    k->line = ls[idx[0]].no;
    return tb_finish(t, &d->arena, k->span.end, &k->text);
}

/* Build one table block from the tab-separated lines [l0, l1). */
static int table_block(kouan_document *d, block_list *bl, text_buf *t,
                       const line *ls, size_t l0, size_t l1)
{
    const char *b = d->bytes;
    size_t nrows = l1 - l0;
    kouan_row *rows = kouan_arena_alloc(&d->arena, nrows * sizeof *rows);
    if (!rows) return KOUAN_ENOMEM;
    text_buf all = {0};
    for (size_t r = 0; r < nrows; r++) {
        const line *l = &ls[l0 + r];
        size_t ncells = 1;
        for (size_t i = l->start; i < l->end; i++) ncells += b[i] == '\t';
        kouan_cell *cells = kouan_arena_alloc(&d->arena, ncells * sizeof *cells);
        if (!cells) { tb_free(&all); return KOUAN_ENOMEM; }
        size_t cs = l->start;
        for (size_t c = 0; c < ncells; c++) {
            size_t ce = cs;
            while (ce < l->end && b[ce] != '\t') ce++;
            const char *s = skip_space(b + cs, b + ce), *e = b + ce;
            while (e > s && is_blank_byte(e[-1])) e--;
            cells[c].span.start = (size_t)(s - b);
            cells[c].span.end = (size_t)(e - b);
            clean_inline(t, b, s, e);
            if (c) tb_put(&all, "\t", 1, cs - 1);
            tb_trim_end(t);
            tb_append(&all, t);   /* the table text repeats the cells */
            int rc = tb_finish(t, &d->arena, cells[c].span.end, &cells[c].text);
            if (rc) { tb_free(&all); return rc; }
            cs = ce + 1;
        }
        if (r + 1 < nrows) tb_put(&all, "\n", 1, l->end);
        rows[r].cells = cells;
        rows[r].n_cells = ncells;
        rows[r].span.start = l->start;
        rows[r].span.end = l->end;
        rows[r].line = l->no;
    }
    kouan_block *k = push_block(bl);
    if (!k) { tb_free(&all); return KOUAN_ENOMEM; }
    k->kind = KOUAN_BLOCK_TABLE;
    k->span.start = ls[l0].start;
    k->span.end = ls[l1 - 1].end;
    k->line = ls[l0].no;
    k->rows = rows;
    k->n_rows = nrows;
    int rc = tb_finish(&all, &d->arena, k->span.end, &k->text);
    tb_free(&all);
    return rc;
}

static int starts_with(const kouan_text *t, const char *prefix)
{
    size_t n = strlen(prefix);
    return t->len >= n && memcmp(t->str, prefix, n) == 0;
}

/* Tables: attach the caption paragraph ("表 1-1 …") before them, and mark
 * "续表" continuations (which inherit the caption of the table they
 * continue).  A caption the reader already set (HTML <caption>) stays. */
static void link_tables(kouan_block *v, size_t n)
{
    const kouan_text *last_caption = NULL;
    for (size_t i = 0; i < n; i++) {
        if (v[i].kind != KOUAN_BLOCK_TABLE) continue;
        if (!v[i].caption && i > 0 && v[i - 1].kind == KOUAN_BLOCK_PARAGRAPH) {
            const kouan_text *p = &v[i - 1].text;
            if (starts_with(p, "续表") && p->len <= strlen("续表") + 2) {
                v[i].continued = 1;
                v[i].caption = last_caption;
            } else if (starts_with(p, "表") && p->len > 4 &&
                       (p->str[3] == ' ' || (p->str[3] >= '0' && p->str[3] <= '9'))) {
                v[i].caption = p;
            }
        }
        if (v[i].caption) last_caption = v[i].caption;
    }
}

int kouan_doc_set_blocks(kouan_document *d, const block_list *bl)
{
    kouan_block *v = kouan_arena_alloc(&d->arena, (bl->n ? bl->n : 1) * sizeof *v);
    if (!v) return KOUAN_ENOMEM;
    if (bl->n) memcpy(v, bl->v, bl->n * sizeof *v);
    link_tables(v, bl->n);
    d->view.blocks = v;
    d->view.n_blocks = bl->n;
    return KOUAN_OK;
}

/* ---- units: runs of lines of one kind, before they become blocks -----------
 *
 * The page-break and front-matter rules look at a whole run of lines (a
 * "unit") and its neighbours, so lines are grouped first, then classified,
 * then joined, and only then turned into blocks. */

typedef struct unit {
    line_kind kind;
    int       level;
    size_t    l0, l1;        /* lines [l0, l1) */
    int       furniture;     /* front matter or table of contents */
    int       joined;        /* 1: appended to an earlier paragraph */
} unit;

/* The raw bytes of line i, spaces and tags trimmed at both ends. */
static void line_core(const char *b, const line *l, const char **ps, const char **pe)
{
    const char *s = b + l->start, *e = b + l->end;
    for (;;) {
        s = skip_space(s, e);
        size_t n = s < e && *s == '<' ? tag_length(s, e) : 0;
        if (!n) break;
        s += n;
    }
    for (;;) {
        while (e > s && (is_blank_byte(e[-1]) || e[-1] == '\\')) e--;
        if (e - s >= 3 && (unsigned char)e[-3] == 0xE3 && (unsigned char)e[-2] == 0x80 &&
            (unsigned char)e[-1] == 0x80) { e -= 3; continue; }
        if (e > s && e[-1] == '>') {
            const char *lt = e - 1;
            while (lt > s && *lt != '<') lt--;
            if (*lt == '<' && tag_length(lt, e) == (size_t)(e - lt)) { e = lt; continue; }
        }
        break;
    }
    *ps = s;
    *pe = e;
}

static int has(const char *s, const char *e, const char *needle)
{
    return memmem(s, (size_t)(e - s), needle, strlen(needle)) != NULL;
}

static int begins(const char *s, const char *e, const char *prefix)
{
    size_t n = strlen(prefix);
    return (size_t)(e - s) >= n && memcmp(s, prefix, n) == 0;
}

/* The last code point of [s, e), or 0. */
static int32_t last_cp(const char *s, const char *e)
{
    if (e <= s) return 0;
    const char *p = e - 1;
    while (p > s && ((unsigned char)*p & 0xC0) == 0x80) p--;
    utf8proc_int32_t c = 0;
    utf8proc_iterate((const utf8proc_uint8_t *)p, e - p, &c);
    return c;
}

/* Does text that ends with c end a sentence (or a unit that stands alone)? */
static int ends_unit(int32_t c)
{
    static const int32_t fin[] = {
        0x3002, 0xFF01, 0xFF1F, 0xFF1B, 0xFF1A, '!', '?', ';', ':', '.',
        0x2026, 0x201D, 0x2019, 0x300D, 0x300F, 0x300B, 0xFF09, ')', 0x3011,
        ']', 0xFF0E, 0x2014
    };
    for (size_t i = 0; i < sizeof fin / sizeof *fin; i++)
        if (c == fin[i]) return 1;
    return 0;
}

static const char *const NUMERALS[] = {
    "一", "二", "三", "四", "五", "六", "七", "八", "九", "十", NULL
};

static int numeral_at(const char *s, const char *e)
{
    for (size_t i = 0; NUMERALS[i]; i++)
        if (begins(s, e, NUMERALS[i])) return 1;
    return 0;
}

/* Does this line start a new unit: a caption, a note, a source, a list
 * item, a chapter or section title? */
static int starts_unit(const char *raw, const char *s, const char *e)
{
    const char *r = skip_space(raw, e);
    if (begins(r, e, "<sup>") || begins(r, e, "#")) return 1;
    static const char *const leads[] = {
        "表", "图", "注", "续表", "资料来源", "来源", "数据来源", "说明",
        "第", "附", "•", "·", "●", "○", "■", "□", "◆", "※", "★",
        "- ", "* ", "+ ", NULL
    };
    for (size_t i = 0; leads[i]; i++)
        if (begins(s, e, leads[i])) return 1;
    int32_t c = 0;
    utf8proc_iterate((const utf8proc_uint8_t *)s, e - s, &c);
    if (c >= 0x2460 && c <= 0x24FF) return 1;                 /* ① ⑴ ⒈ */
    const char *p = s;
    if (begins(p, e, "(") || begins(p, e, "（")) {              /* (1) （一） */
        p += *p == '(' ? 1 : 3;
        p = skip_space(p, e);
        if ((p < e && *p >= '0' && *p <= '9') || numeral_at(p, e)) return 1;
        return 0;
    }
    if (p < e && *p >= '0' && *p <= '9') {                     /* 1. 1、 1) */
        while (p < e && *p >= '0' && *p <= '9') p++;
        return begins(p, e, ".") || begins(p, e, "、") || begins(p, e, ")") ||
               begins(p, e, "）") || begins(p, e, "．");
    }
    if (numeral_at(p, e)) {                                    /* 一、 */
        while (numeral_at(p, e)) p += 3;
        return begins(p, e, "、") || begins(p, e, " ") || begins(p, e, "．");
    }
    return 0;
}

/* Is line l an entry of a table of contents: a dot leader, then (spaces,
 * a tab, tags) a page number at the end?  With loose (inside a 目录
 * section), a trailing page number after a tab or spaces is enough. */
static int toc_line(const char *b, const line *l, int loose)
{
    const char *s, *e;
    line_core(b, l, &s, &e);
    const char *p = e;
    while (p > s && ((p[-1] >= '0' && p[-1] <= '9') || p[-1] == 'i' || p[-1] == 'v' ||
                     p[-1] == 'x'))
        p--;
    if (p == e || e - p > 4) return 0;
    const char *q = p;
    int gap = 0;
    for (;;) {                          /* spaces, tabs and tags before the number */
        if (q > s && (is_blank_byte(q[-1]))) { q--; gap = 1; continue; }
        if (q > s && q[-1] == '>') {
            const char *lt = q - 1;
            while (lt > s && *lt != '<') lt--;
            if (*lt == '<') { q = lt; gap = 1; continue; }
        }
        break;
    }
    int dots = 0;
    for (;;) {
        if (q > s && (q[-1] == '.' || q[-1] == ' ')) { dots += q[-1] == '.'; q--; continue; }
        if (q - s >= 3 && (memcmp(q - 3, "…", 3) == 0 || memcmp(q - 3, "·", 2) == 0 ||
                           memcmp(q - 3, "．", 3) == 0)) {
            dots += 2;
            q -= 3;
            continue;
        }
        if (q - s >= 2 && memcmp(q - 2, "·", 2) == 0) { dots++; q -= 2; continue; }
        break;
    }
    if (q == s) return 0;               /* a bare number is no entry */
    return dots >= 3 || (loose && gap);
}

static int toc_unit(const char *b, const line *ls, const unit *u, int loose)
{
    size_t yes = 0, all = 0;
    for (size_t i = u->l0; i < u->l1; i++) {
        if (ls[i].start == ls[i].end) continue;
        all++;
        yes += toc_line(b, &ls[i], loose);
    }
    return all && yes * 2 >= all;
}

/* Raw text of a unit without spaces, for short comparisons. */
static int unit_is(const char *b, const line *ls, const unit *u, const char *const *words)
{
    char buf[64];
    size_t n = 0;
    for (size_t i = u->l0; i < u->l1; i++)
        for (size_t k = ls[i].start; k < ls[i].end; k++) {
            char c = b[k];
            if (c == '#' || is_blank_byte(c)) continue;
            if (n + 1 >= sizeof buf) return 0;
            buf[n++] = c;
        }
    buf[n] = '\0';
    /* ideographic spaces inside ("目　录") */
    char *w;
    while ((w = strstr(buf, "\xE3\x80\x80")) != NULL) memmove(w, w + 3, strlen(w + 3) + 1);
    for (size_t i = 0; words[i]; i++)
        if (strcasecmp(buf, words[i]) == 0) return 1;
    return 0;
}

static int unit_has(const char *b, const line *ls, const unit *u, const char *needle)
{
    return has(b + ls[u->l0].start, b + ls[u->l1 - 1].end, needle);
}

/* A heading that opens the body of a book: 第…章, 前言, 绪论, … */
static int chapter_heading(const char *b, const line *ls, const unit *u)
{
    static const char *const words[] = {
        "前言", "序", "序言", "绪论", "导论", "引言", "导言", "总论", "概论",
        "概述", "摘要", "内容提要", "Preface", "Introduction", NULL
    };
    if (u->kind != L_HEADING) return 0;
    if (unit_is(b, ls, u, words)) return 1;
    const char *s, *e;
    line_core(b, &ls[u->l0], &s, &e);
    while (s < e && *s == '#') s++;
    s = skip_space(s, e);
    if (!begins(s, e, "第")) return begins(s, e, "Chapter") || begins(s, e, "CHAPTER");
    const char *p = s + 3;
    while (p < e && ((*p >= '0' && *p <= '9') || *p == ' ' || numeral_at(p, e) ||
                     begins(p, e, "百") || begins(p, e, "零")))
        p += (unsigned char)*p < 0x80 ? 1 : 3;
    return p > s + 3 && (begins(p, e, "章") || begins(p, e, "篇") || begins(p, e, "部分") ||
                         begins(p, e, "编") || begins(p, e, "讲"));
}

/* Front matter and tables of contents become furniture.
 *
 * A table of contents is a run of units whose lines end in a page number
 * after a dot leader (or, under a 目录 heading, after a gap), with the 目录
 * heading itself.  The body starts at the first chapter heading (第…章,
 * 前言, 绪论, …) that is not such an entry; failing one, at the first
 * heading after the contents.  Everything before the body is front matter
 * when it holds contents or at least two kinds of publishing cues (ISBN,
 * CIP, 版次, 定价, 印张, 书号, 开本, 责任编辑, 印刷); with cues but no body
 * heading, front matter runs to the last cue. */
static void mark_furniture(const char *b, const line *ls, unit *u, size_t n)
{
    static const char *const toc_words[] = {
        "目录", "目次", "Contents", "TableofContents", NULL
    };
    static const char *const cues[] = {
        "ISBN", "CIP", "版次", "定价", "印张", "书号", "开本", "责任编辑", "印刷", NULL
    };
    int in_toc = 0;
    for (size_t i = 0; i < n; i++) {
        if (u[i].kind == L_HEADING && unit_is(b, ls, &u[i], toc_words)) {
            u[i].furniture = 1;
            in_toc = 1;
        } else if (u[i].kind != L_FOOTNOTE && toc_unit(b, ls, &u[i], in_toc)) {
            u[i].furniture = 1;
        } else {
            in_toc = 0;
        }
    }
    size_t body = n;
    for (size_t i = 0; i < n && body == n; i++)
        if (!u[i].furniture && chapter_heading(b, ls, &u[i])) body = i;
    int toc_front = 0;
    size_t last_toc = 0;
    for (size_t i = 0; i < body; i++)
        if (u[i].furniture) { toc_front = 1; last_toc = i; }
    if (body == n && toc_front)
        for (size_t i = last_toc + 1; i < n && body == n; i++)
            if (u[i].kind == L_HEADING) body = i;
    int kinds = 0;
    size_t last_cue = 0;
    for (size_t c = 0; cues[c]; c++) {
        int seen = 0;
        for (size_t i = 0; i < body; i++)
            if (unit_has(b, ls, &u[i], cues[c])) {
                seen = 1;
                if (i > last_cue) last_cue = i;
            }
        kinds += seen;
    }
    if (!toc_front && kinds < 2) return;
    size_t end = body < n ? body : (kinds >= 2 ? last_cue + 1 : 0);
    for (size_t i = 0; i < end; i++) u[i].furniture = 1;
}

/* Page-break artefacts: a paragraph that does not end a sentence, followed
 * (across blank lines and footnotes) by a paragraph that does not start a
 * new unit, continues in it. */
static int continues(const char *b, const line *ls, const unit *a, const unit *next)
{
    if (a->kind != L_TEXT || next->kind != L_TEXT || a->furniture || next->furniture)
        return 0;
    const char *s, *e;
    line_core(b, &ls[a->l0], &s, &e);
    if (starts_unit(b + ls[a->l0].start, s, e)) return 0;  /* a caption, a note… */
    line_core(b, &ls[a->l1 - 1], &s, &e);
    if (e == s || ends_unit(last_cp(s, e))) return 0;
    line_core(b, &ls[next->l0], &s, &e);
    return e > s && !starts_unit(b + ls[next->l0].start, s, e);
}

static int parse_blocks(kouan_document *d)
{
    const char *b = d->bytes;
    size_t len = d->view.len;
    /* split into lines */
    size_t nl = 1;
    for (size_t i = 0; i < len; i++) nl += b[i] == '\n';
    line *ls = malloc(nl * sizeof *ls);
    unit *us = malloc(nl * sizeof *us);
    size_t *idx = malloc(nl * sizeof *idx);
    if (!ls || !us || !idx) { free(ls); free(us); free(idx); return KOUAN_ENOMEM; }
    size_t n = 0, s = 0;
    for (size_t i = 0; i <= len; i++) {
        if (i == len || b[i] == '\n') {
            size_t e = i;
            if (e > s && b[e - 1] == '\r') e--;
            ls[n].start = s; ls[n].end = e; ls[n].no = n + 1;
            n++;
            s = i + 1;
        }
    }
    /* group lines into units */
    size_t nu = 0;
    for (size_t i = 0; i < n;) {
        int level = 0;
        line_kind k = classify(b, &ls[i], &level);
        size_t j = i + 1;
        if (k == L_BLANK) { i = j; continue; }
        if (k == L_TABLE)
            while (j < n && classify(b, &ls[j], &level) == L_TABLE) j++;
        else if (k == L_FOOTNOTE || k == L_TEXT)
            while (j < n && classify(b, &ls[j], &level) == L_TEXT) j++;
        unit *u = &us[nu++];
        memset(u, 0, sizeof *u);
        u->kind = k;
        u->level = k == L_HEADING ? level : 0;
        u->l0 = i;
        u->l1 = j;
        i = j;
    }
    mark_furniture(b, ls, us, nu);

    block_list bl = {0};
    text_buf t = {0};
    int rc = KOUAN_OK;
    for (size_t i = 0; i < nu && rc == KOUAN_OK; i++) {
        unit *u = &us[i];
        if (u->joined) continue;
        size_t m = 0;
        for (size_t l = u->l0; l < u->l1; l++) idx[m++] = l;
        if (u->furniture) {
            /* headings lose their '#', tables their cells: text only */
            rc = text_block(d, &bl, &t, ls, idx, m, u->kind == L_HEADING ?
                            KOUAN_BLOCK_HEADING : KOUAN_BLOCK_FURNITURE, 0, 1);
            if (rc == KOUAN_OK) bl.v[bl.n - 1].kind = KOUAN_BLOCK_FURNITURE;
            continue;
        }
        switch (u->kind) {
        case L_HEADING:
            rc = text_block(d, &bl, &t, ls, idx, m, KOUAN_BLOCK_HEADING, u->level, 0);
            break;
        case L_TABLE:
            rc = table_block(d, &bl, &t, ls, u->l0, u->l1);
            break;
        case L_FOOTNOTE:
            rc = text_block(d, &bl, &t, ls, idx, m, KOUAN_BLOCK_FOOTNOTE, 0, 0);
            break;
        default: {
            /* join the continuations, stepping over footnotes between */
            size_t last = i, notes0 = i + 1, notes1 = i + 1;
            for (size_t j = i + 1; j < nu; j++) {
                if (us[j].kind == L_FOOTNOTE && !us[j].furniture) continue;
                if (!continues(b, ls, &us[last], &us[j])) break;
                for (size_t l = us[j].l0; l < us[j].l1; l++) idx[m++] = l;
                us[j].joined = 1;
                notes1 = j;
                last = j;
            }
            rc = text_block(d, &bl, &t, ls, idx, m, KOUAN_BLOCK_PARAGRAPH, 0, 0);
            /* footnotes that sat between the halves follow the paragraph */
            for (size_t j = notes0; j < notes1 && rc == KOUAN_OK; j++) {
                if (us[j].kind != L_FOOTNOTE) continue;
                size_t fm = 0;
                for (size_t l = us[j].l0; l < us[j].l1; l++) idx[fm++] = l;
                rc = text_block(d, &bl, &t, ls, idx, fm, KOUAN_BLOCK_FOOTNOTE, 0, 0);
                us[j].joined = 1;
            }
            break;
        }
        }
    }
    tb_free(&t);
    free(ls);
    free(us);
    free(idx);
    if (rc == KOUAN_OK) rc = kouan_doc_set_blocks(d, &bl);
    free(bl.v);
    return rc;
}

/* ---- loading ---------------------------------------------------------------- */

static int set_err(kouan_error *err, int code, const char *fmt, const char *a,
                   const char *b)
{
    if (err) {
        err->code = code;
        snprintf(err->message, sizeof err->message, fmt, a, b);
    }
    return code;
}

void kouan_document_id(const char *path, char *out, size_t n)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    const char *dot = strrchr(base, '.');
    size_t len = dot && dot != base ? (size_t)(dot - base) : strlen(base);
    size_t k = 0;
    for (size_t i = 0; i < len && k + 1 < n; i++) {
        unsigned char c = (unsigned char)base[i];
        int ok = c >= 0x80 || ascii_alnum(c) || c == '.' || c == '_' || c == '-';
        out[k++] = ok ? (char)c : '_';
    }
    out[k] = '\0';
}

/* Parse the file bytes in buf (malloc'd, len + 1 bytes, owned by this call
 * from now on: kept by the document or freed). */
static kouan_document *parse_owned(const char *path, char *buf, size_t len,
                                   kouan_error *err)
{
    const char *bytes = buf;
    if (len == 0) {
        free(buf);
        set_err(err, KOUAN_EINPUT, "%s: the file is empty: nothing to extract%s", path, "");
        return NULL;
    }
    int html = kouan_html_is_page(path, bytes, len);
    if (html && kouan_html_check_charset(path, bytes, len, err) != KOUAN_OK) {
        free(buf);
        return NULL;
    }
    size_t bad;
    const char *why;
    if (kouan_utf8_check(bytes, len, &bad, &why) != 0) {
        size_t l, c;
        kouan_line_col(bytes, len, bad, &l, &c);
        if (err) {
            err->code = KOUAN_EINPUT;
            snprintf(err->message, sizeof err->message,
                     "%s: not UTF-8 text: at byte %zu (line %zu, column %zu) found %s",
                     path, bad, l, c, why);
        }
        free(buf);
        return NULL;
    }
    /* a line is a paragraph or a table row: one of megabytes is no prose
     * (a data dump, a minified file) and would only cost time downstream */
    for (size_t i = 0, start = 0; !html && i <= len; i++) {
        if (i < len && bytes[i] != '\n') continue;
        if (i - start > KOUAN_MAX_LINE) {
            size_t l, c;
            kouan_line_col(bytes, len, start, &l, &c);
            if (err) {
                err->code = KOUAN_EINPUT;
                snprintf(err->message, sizeof err->message, "%s: line %zu (from byte %zu) "
                         "is %zu bytes long: expected lines of text of at most %d bytes; "
                         "is this a data dump or a file without line breaks?",
                         path, l, start, i - start, KOUAN_MAX_LINE);
            }
            free(buf);
            return NULL;
        }
        start = i + 1;
    }
    kouan_document *d = calloc(1, sizeof *d);
    char *copy = buf;
    char *p = strdup(path);
    char id[256];
    kouan_document_id(path, id, sizeof id);
    char *idc = strdup(id);
    if (!d || !copy || !p || !idc) {
        free(d); free(copy); free(p); free(idc);
        set_err(err, KOUAN_ENOMEM, "%s: out of memory%s", path, "");
        return NULL;
    }
    copy[len] = '\0';
    d->bytes = copy;
    d->view.bytes = copy;
    d->view.len = len;
    d->view.path = p;
    d->view.id = idc;
    if (html) {
        if (kouan_html_parse(d, err) != KOUAN_OK) {
            kouan_document_free(d);
            return NULL;
        }
    } else if (parse_blocks(d) != KOUAN_OK) {
        kouan_document_free(d);
        set_err(err, KOUAN_ENOMEM, "%s: out of memory while reading%s", path, "");
        return NULL;
    }
    return d;
}

kouan_document *kouan_document_load(const char *path, kouan_error *err)
{
    size_t len;
    char *buf = kouan_document_read(path, &len, err);
    return buf ? parse_owned(path, buf, len, err) : NULL;
}

kouan_document *kouan_document_from_read(const char *path, char *buf, size_t len,
                                         kouan_error *err)
{
    return parse_owned(path, buf, len, err);
}

char *kouan_document_read(const char *path, size_t *len_out, kouan_error *err)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        set_err(err, errno == ENOENT ? KOUAN_ENOTFOUND : KOUAN_EIO,
                "%s: cannot open: %s", path, strerror(errno));
        return NULL;
    }
    struct stat st;
    if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
        fclose(f);
        set_err(err, KOUAN_EINPUT, "%s: not a regular file%s", path, "");
        return NULL;
    }
    size_t len = (size_t)st.st_size;
    char *buf = malloc(len + 1);
    if (!buf) {
        fclose(f);
        set_err(err, KOUAN_ENOMEM, "%s: out of memory reading the file%s", path, "");
        return NULL;
    }
    size_t got = fread(buf, 1, len, f);
    int rerr = ferror(f);
    fclose(f);
    if (rerr || got != len) {
        free(buf);
        set_err(err, KOUAN_EIO, "%s: read error: %s", path, strerror(errno));
        return NULL;
    }
    buf[len] = '\0';
    *len_out = len;
    return buf;
}

kouan_document *kouan_document_parse(const char *path, const char *bytes,
                                     size_t len, kouan_error *err)
{
    char *buf = malloc(len + 1);
    if (!buf) {
        set_err(err, KOUAN_ENOMEM, "%s: out of memory%s", path, "");
        return NULL;
    }
    memcpy(buf, bytes, len);
    return parse_owned(path, buf, len, err);
}

void kouan_document_free(kouan_document *d)
{
    if (!d) return;
    kouan_arena_clear(&d->arena);
    free((char *)d->view.path);
    free((char *)d->view.id);
    free(d->bytes);
    free(d);
}
