/* reader.c — the Markdown-like chapter reader: lines become headings,
 * paragraphs, footnotes and tab-separated tables; inline HTML and Markdown
 * are removed from the text extractors read, with a byte map back to the
 * original file.
 *
 * Data flow: bytes ─▶ lines ─▶ blocks (raw spans) ─▶ for each block, the
 * cleaned text (text_buf) copied into the document's arena.  Entities are
 * decoded with libxml2's HTML entity table. */
#include "doc.h"
#include "text/utf8check.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <libxml/HTMLparser.h>
#include <utf8proc.h>

/* ---- growable text with an offset map ------------------------------------ */

typedef struct text_buf {
    char   *s;
    size_t *orig;
    size_t  len, cap;
    int     failed;   /* an allocation failed: the result is unusable */
} text_buf;

static void tb_reserve(text_buf *t, size_t more)
{
    if (t->failed || t->len + more + 1 <= t->cap) return;
    size_t cap = t->cap ? t->cap : 256;
    while (cap < t->len + more + 1) cap *= 2;
    char *s = realloc(t->s, cap);
    if (s) t->s = s;
    size_t *o = realloc(t->orig, cap * sizeof *o);
    if (o) t->orig = o;
    if (!s || !o) { t->failed = 1; return; }
    t->cap = cap;
}

/* Append n bytes that came from original offsets at, at+1, … */
static void tb_copy(text_buf *t, const char *p, size_t n, size_t at)
{
    tb_reserve(t, n);
    if (t->failed) return;
    for (size_t i = 0; i < n; i++) {
        t->s[t->len] = p[i];
        t->orig[t->len++] = at + i;
    }
}

/* Append n bytes that all stand for the original byte at (a decoded
 * entity, an inserted space). */
static void tb_put(text_buf *t, const char *p, size_t n, size_t at)
{
    tb_reserve(t, n);
    if (t->failed) return;
    for (size_t i = 0; i < n; i++) {
        t->s[t->len] = p[i];
        t->orig[t->len++] = at;
    }
}

/* Append src (text and map) to dst. */
static void tb_append(text_buf *dst, const text_buf *src)
{
    tb_reserve(dst, src->len);
    if (dst->failed || src->failed) { dst->failed = 1; return; }
    memcpy(dst->s + dst->len, src->s, src->len);
    memcpy(dst->orig + dst->len, src->orig, src->len * sizeof *src->orig);
    dst->len += src->len;
}

static void tb_trim_end(text_buf *t)
{
    while (t->len && (t->s[t->len - 1] == ' ' || t->s[t->len - 1] == '\t'))
        t->len--;
}

/* Copy the buffer into the arena as a kouan_text; end is the original
 * offset just past the source. Resets t for reuse. */
static int tb_finish(text_buf *t, kouan_arena *a, size_t end, kouan_text *out)
{
    tb_trim_end(t);
    if (t->failed) return KOUAN_ENOMEM;
    char *s = kouan_arena_strndup(a, t->s ? t->s : "", t->len);
    size_t *o = kouan_arena_alloc(a, (t->len + 1) * sizeof *o);
    if (!s || !o) return KOUAN_ENOMEM;
    if (t->len) memcpy(o, t->orig, t->len * sizeof *o);
    o[t->len] = end;
    out->str = s; out->len = t->len; out->orig = o;
    t->len = 0;
    return KOUAN_OK;
}

static void tb_free(text_buf *t) { free(t->s); free(t->orig); }

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
static void clean_inline(text_buf *t, const char *base, const char *s, const char *e)
{
    const char *p = s;
    while (p < e) {
        size_t at = (size_t)(p - base);
        char c = *p;
        if (c == '<') {
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

typedef struct block_list {
    kouan_block *v;
    size_t n, cap;
} block_list;

static kouan_block *push_block(block_list *bl)
{
    if (bl->n == bl->cap) {
        size_t cap = bl->cap ? bl->cap * 2 : 64;
        kouan_block *v = realloc(bl->v, cap * sizeof *v);
        if (!v) return NULL;
        bl->v = v; bl->cap = cap;
    }
    kouan_block *b = &bl->v[bl->n++];
    memset(b, 0, sizeof *b);
    return b;
}

/* Build one heading/paragraph/footnote block from lines [l0, l1). */
static int text_block(kouan_document *d, block_list *bl, text_buf *t,
                      const line *ls, size_t l0, size_t l1,
                      kouan_block_kind kind, int level)
{
    const char *b = d->bytes;
    for (size_t i = l0; i < l1; i++) {
        const char *s = skip_space(b + ls[i].start, b + ls[i].end);
        const char *e = b + ls[i].end;
        if (kind == KOUAN_BLOCK_HEADING) {
            while (s < e && *s == '#') s++;
            s = skip_space(s, e);
            while (e > s && (e[-1] == '#' || is_blank_byte(e[-1]))) e--;
        }
        /* joining lines: Chinese needs no space; "and  \nProspects" does */
        if (t->len && s < e && ascii_alnum((unsigned char)t->s[t->len - 1]) &&
            ascii_alnum((unsigned char)*s))
            tb_put(t, " ", 1, ls[i - 1].end);
        clean_inline(t, b, s, e);
        tb_trim_end(t);
    }
    kouan_block *k = push_block(bl);
    if (!k) return KOUAN_ENOMEM;
    k->kind = kind;
    k->level = level;
    k->span.start = ls[l0].start;
    k->span.end = ls[l1 - 1].end;
    k->line = ls[l0].no;
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
 * continue). */
static void link_tables(kouan_block *v, size_t n)
{
    const kouan_text *last_caption = NULL;
    for (size_t i = 0; i < n; i++) {
        if (v[i].kind != KOUAN_BLOCK_TABLE) continue;
        v[i].caption = NULL;
        if (i > 0 && v[i - 1].kind == KOUAN_BLOCK_PARAGRAPH) {
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

static int parse_blocks(kouan_document *d)
{
    const char *b = d->bytes;
    size_t len = d->view.len;
    /* split into lines */
    size_t nl = 1;
    for (size_t i = 0; i < len; i++) nl += b[i] == '\n';
    line *ls = malloc(nl * sizeof *ls);
    if (!ls) return KOUAN_ENOMEM;
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
    block_list bl = {0};
    text_buf t = {0};
    int rc = KOUAN_OK;
    size_t i = 0;
    while (i < n && rc == KOUAN_OK) {
        int level = 0;
        line_kind k = classify(b, &ls[i], &level);
        size_t j = i + 1;
        switch (k) {
        case L_BLANK:
            i = j;
            continue;
        case L_HEADING:
            rc = text_block(d, &bl, &t, ls, i, j, KOUAN_BLOCK_HEADING, level);
            break;
        case L_TABLE:
            while (j < n && classify(b, &ls[j], &level) == L_TABLE) j++;
            rc = table_block(d, &bl, &t, ls, i, j);
            break;
        case L_FOOTNOTE:
        case L_TEXT:
            while (j < n && classify(b, &ls[j], &level) == L_TEXT) j++;
            rc = text_block(d, &bl, &t, ls, i, j,
                            k == L_FOOTNOTE ? KOUAN_BLOCK_FOOTNOTE : KOUAN_BLOCK_PARAGRAPH, 0);
            break;
        }
        i = j;
    }
    tb_free(&t);
    free(ls);
    if (rc == KOUAN_OK) {
        kouan_block *v = kouan_arena_alloc(&d->arena, (bl.n ? bl.n : 1) * sizeof *v);
        if (!v) rc = KOUAN_ENOMEM;
        else {
            if (bl.n) memcpy(v, bl.v, bl.n * sizeof *v);
            link_tables(v, bl.n);
            d->view.blocks = v;
            d->view.n_blocks = bl.n;
        }
    }
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
    if (parse_blocks(d) != KOUAN_OK) {
        kouan_document_free(d);
        set_err(err, KOUAN_ENOMEM, "%s: out of memory while reading%s", path, "");
        return NULL;
    }
    return d;
}

kouan_document *kouan_document_load(const char *path, kouan_error *err)
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
    return parse_owned(path, buf, len, err);
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
