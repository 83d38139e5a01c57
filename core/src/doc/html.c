/* html.c — whole HTML pages: libxml2's HTML parser (SAX) gives the
 * structure; every text byte keeps its offset in the original file.
 *
 * Offsets.  libxml2 does not report where a text node came from, but at
 * each SAX callback the parser has consumed the input exactly up to the end
 * of what it reports (xmlByteConsumed: the input is UTF-8, declared so,
 * and no encoder changes lengths).  A characters() chunk of n bytes that
 * ends at byte p is therefore, when copied verbatim, bytes [p - n, p); that
 * is checked byte by byte (walking back, tolerating a '\r' the parser
 * dropped).  A chunk that does not match is a decoded entity: its bytes map
 * to the '&' that starts the reference.  Anything else falls back to a
 * forward search from the last mapped byte, and failing that maps to it:
 * the map never goes backwards and never leaves the file.
 *
 * Structure.  <h1>–<h6> become headings; text in <p>, <div>, <li>, … (and
 * loose text in <body>) paragraphs, one per block element; <br> a line
 * break ('\n'; a space inside table cells); <script>, <style>, <nav>,
 * <head>, <noscript>, <template>, <iframe>, <svg>, <select> are dropped.
 * Whitespace runs collapse to one space, and vanish when they hold a line
 * break between two non-ASCII characters (Chinese wrapped in the source).
 * A <table> becomes a TABLE block with one cell per column: a rowspan cell
 * repeats its text (and span) in the rows below, a colspan cell in the
 * columns to the right, as the HTML table model places them; the caption
 * is the <caption>, else the "表 …" paragraph before the table (reader.c
 * links it).  A table inside a cell adds its text to that cell. */
#include "html.h"
#include "build.h"
#include "util/error.h"

#include <ctype.h>
#include <stdio.h>
#include <strings.h>
#include <libxml/HTMLparser.h>
#include <libxml/parserInternals.h>

/* ---- deciding and refusing ------------------------------------------------ */

static int ext_is(const char *path, const char *ext)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    const char *dot = strrchr(base, '.');
    return dot && strcasecmp(dot + 1, ext) == 0;
}

static int prefix_ci(const char *p, const char *e, const char *w)
{
    size_t n = strlen(w);
    return (size_t)(e - p) >= n && strncasecmp(p, w, n) == 0;
}

int kouan_html_is_page(const char *path, const char *bytes, size_t len)
{
    if (ext_is(path, "html") || ext_is(path, "htm") || ext_is(path, "xhtml")) return 1;
    if (ext_is(path, "txt") || ext_is(path, "md") || ext_is(path, "markdown")) return 0;
    const char *p = bytes, *e = bytes + len;
    if (e - p >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0) p += 3;
    while (p < e && isspace((unsigned char)*p)) p++;
    return prefix_ci(p, e, "<!doctype html") || prefix_ci(p, e, "<html");
}

int kouan_html_check_charset(const char *path, const char *bytes, size_t len,
                             kouan_error *err)
{
    /* the declaration lives in <head>: look at the first 64 KiB */
    size_t lim = len < 65536 ? len : 65536;
    const char *e = bytes + lim;
    for (const char *p = bytes; p < e; p++) {
        if (*p != '<' || !prefix_ci(p, e, "<meta")) continue;
        const char *gt = memchr(p, '>', (size_t)(e - p));
        if (!gt) break;
        for (const char *q = p; q + 7 < gt; q++) {
            if (!prefix_ci(q, gt, "charset")) continue;
            const char *v = q + 7;
            while (v < gt && isspace((unsigned char)*v)) v++;
            if (v >= gt || *v != '=') continue;
            v++;
            while (v < gt && (isspace((unsigned char)*v) || *v == '"' || *v == '\'')) v++;
            const char *ve = v;
            while (ve < gt && (isalnum((unsigned char)*ve) || *ve == '-' || *ve == '_' ||
                               *ve == '.' || *ve == ':'))
                ve++;
            size_t n = (size_t)(ve - v);
            if (n == 0) continue;
            if ((n == 5 && strncasecmp(v, "utf-8", 5) == 0) ||
                (n == 4 && strncasecmp(v, "utf8", 4) == 0) ||
                (n == 8 && strncasecmp(v, "us-ascii", 8) == 0))
                return KOUAN_OK;
            size_t line = 1;
            for (const char *r = bytes; r < p; r++) line += *r == '\n';
            return kouan_error_set(err, KOUAN_EINPUT,
                "%s: line %zu: the page declares charset \"%.*s\" (<meta>): kouan "
                "reads UTF-8 only; convert it first (iconv -f %.*s -t UTF-8)",
                path, line, (int)n, v, (int)n, v);
        }
        p = gt;
    }
    return KOUAN_OK;
}

/* ---- the parse state -------------------------------------------------------- */

/* Text being collected for one block or cell, with its source extent. */
typedef struct sink {
    text_buf tb;
    size_t   start, end;   /* source bytes of the content; start valid if has */
    int      has;          /* any non-space content */
    int      pend;         /* whitespace seen since the last character */
    int      pend_nl;      /* … and it held a line break */
    size_t   pend_at;
} sink;

typedef struct rawcell {
    kouan_text text;       /* in the arena */
    kouan_span span;
    size_t     rowspan, colspan;
} rawcell;

typedef struct rawrow {
    rawcell *cells;
    size_t   n, cap;
    size_t   start, end, line;
} rawrow;

typedef struct table_b {
    rawrow *rows;
    size_t  n, cap;
    int     in_row, in_cell, in_caption;
    sink    cell, caption;
    size_t  cell_rowspan, cell_colspan, cell_tag;
    size_t  start;
} table_b;

typedef struct html_state {
    kouan_document *d;
    htmlParserCtxtPtr ctxt;
    block_list bl;
    sink       flow;
    int        heading;     /* level of the open <hN>, or 0 */
    int        skip;        /* depth inside dropped elements */
    int        tables;      /* depth of <table> */
    table_b    tab;
    size_t     cursor;      /* the map never goes back before this */
    size_t    *line_at;     /* start offset of each line */
    size_t     n_lines;
    int        rc;
} html_state;

static size_t line_of(const html_state *st, size_t at)
{
    size_t lo = 0, hi = st->n_lines;      /* last line start <= at */
    while (hi - lo > 1) {
        size_t mid = (lo + hi) / 2;
        if (st->line_at[mid] <= at) lo = mid; else hi = mid;
    }
    return lo + 1;
}

/* Bytes of the original consumed so far. */
static size_t consumed(const html_state *st)
{
    long c = xmlByteConsumed(st->ctxt);
    size_t len = st->d->view.len;
    if (c < 0) return st->cursor;
    return (size_t)c > len ? len : (size_t)c;
}

/* Where the tag just consumed began: the last '<' before pos. */
static size_t tag_start(const html_state *st, size_t pos)
{
    const char *b = st->d->bytes;
    size_t p = pos;
    while (p > st->cursor && p > 0 && b[p - 1] != '<') p--;
    return p > 0 && b[p - 1] == '<' ? p - 1 : pos;
}

/* ---- collecting text ------------------------------------------------------------ */

static int is_ws(unsigned char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f'; }

static void sink_reset(sink *s)
{
    s->tb.len = 0;
    s->has = s->pend = s->pend_nl = 0;
    s->start = s->end = 0;
}

/* Append one character (UTF-8 bytes p[0..n)) that came from source bytes
 * [at, end); whitespace is collapsed. */
static void sink_char(sink *s, const char *p, size_t n, const size_t *at, size_t end)
{
    if (n == 1 && is_ws((unsigned char)*p)) {
        if (!s->pend) s->pend_at = at[0];
        s->pend = 1;
        s->pend_nl |= *p == '\n' || *p == '\r';
        return;
    }
    if (s->pend && s->has && s->tb.len && s->tb.s[s->tb.len - 1] != '\n') {
        unsigned char prev = (unsigned char)s->tb.s[s->tb.len - 1];
        int wrapped = s->pend_nl && prev >= 0x80 && (unsigned char)*p >= 0x80;
        if (!wrapped) tb_put(&s->tb, " ", 1, s->pend_at);
    }
    s->pend = s->pend_nl = 0;
    if (!s->has) { s->start = at[0]; s->has = 1; }
    tb_reserve(&s->tb, n);
    if (!s->tb.failed)
        for (size_t i = 0; i < n; i++) {
            s->tb.s[s->tb.len] = p[i];
            s->tb.orig[s->tb.len++] = at[i];
        }
    if (end > s->end) s->end = end;
}

/* A hard line break (<br>) at source [at, end). */
static void sink_break(sink *s, size_t at, size_t end, int in_cell)
{
    if (!s->has) return;
    if (in_cell) {
        s->pend = 1;
        s->pend_nl = 0;
        s->pend_at = at;
        return;
    }
    tb_trim_end(&s->tb);
    tb_put(&s->tb, "\n", 1, at);
    s->pend = s->pend_nl = 0;
    if (end > s->end) s->end = end;
}

static sink *current_sink(html_state *st)
{
    if (st->tables > 0) {
        if (st->tab.in_caption) return &st->tab.caption;
        if (st->tab.in_cell) return &st->tab.cell;
        return NULL;                      /* stray text between cells */
    }
    return &st->flow;
}

/* Map a chunk of n decoded bytes that ends at source byte pos; see the file
 * comment.  at[i] receives the source of byte i; *entity tells whether the
 * chunk stands for a reference. */
static void map_chunk(html_state *st, const char *ch, size_t n, size_t pos,
                      size_t *at, int *entity)
{
    const char *b = st->d->bytes;
    *entity = 0;
    /* verbatim, walking back (the parser may drop a '\r') */
    size_t i = n, j = pos;
    while (i > 0 && j > st->cursor) {
        if (ch[i - 1] == b[j - 1]) { at[--i] = --j; continue; }
        if (b[j - 1] == '\r') { j--; continue; }
        break;
    }
    if (i == 0) return;
    /* a reference: the last '&' before pos, with no tag in between */
    size_t amp = pos;
    while (amp > st->cursor && b[amp - 1] != '&' && b[amp - 1] != '>') amp--;
    if (amp > st->cursor && b[amp - 1] == '&') {
        for (size_t k = 0; k < n; k++) at[k] = amp - 1;
        *entity = 1;
        return;
    }
    /* elsewhere after the cursor; text found nowhere (libxml2 may hand over
     * text after the whole file was consumed) maps to the cursor, kept
     * inside the file so that spans and maps never pass its end */
    size_t len = st->d->view.len;
    const char *hit = n && st->cursor < len ? memmem(b + st->cursor, len - st->cursor, ch, n)
                                            : NULL;
    size_t nowhere = st->cursor < len ? st->cursor : len ? len - 1 : 0;
    for (size_t k = 0; k < n; k++)
        at[k] = hit ? (size_t)(hit - b) + k : nowhere;
}

static void on_text(void *ctx, const xmlChar *ch, int len)
{
    html_state *st = ctx;
    if (st->rc || st->skip || len <= 0) return;
    size_t n = (size_t)len, pos = consumed(st);
    sink *s = current_sink(st);
    size_t stack[256];
    size_t *at = n <= 256 ? stack : malloc(n * sizeof *at);
    if (!at) { st->rc = KOUAN_ENOMEM; return; }
    int entity;
    map_chunk(st, (const char *)ch, n, pos, at, &entity);
    if (s) {
        for (size_t i = 0; i < n;) {
            size_t k = 1;
            unsigned char c = ch[i];
            if (c >= 0xF0) k = 4; else if (c >= 0xE0) k = 3; else if (c >= 0xC0) k = 2;
            if (i + k > n) k = n - i;
            size_t end = entity ? pos : at[i + k - 1] + 1;
            sink_char(s, (const char *)ch + i, k, at + i, end);
            i += k;
        }
        if (s->tb.failed) st->rc = KOUAN_ENOMEM;
    }
    size_t last = n ? at[n - 1] + 1 : st->cursor;
    if (entity) last = pos;
    if (last > st->cursor) st->cursor = last;
    if (at != stack) free(at);
}

/* ---- blocks ------------------------------------------------------------------ */

static int finish_sink(html_state *st, sink *s, kouan_text *out)
{
    size_t end = s->has ? s->end : s->start;
    while (s->tb.len && (s->tb.s[s->tb.len - 1] == '\n' || s->tb.s[s->tb.len - 1] == ' '))
        s->tb.len--;
    return tb_finish(&s->tb, &st->d->arena, end, out);
}

/* The collected flow text becomes a paragraph or heading. */
static void flush_flow(html_state *st)
{
    sink *s = &st->flow;
    if (st->rc) return;
    if (!s->has) { sink_reset(s); return; }
    kouan_block *k = push_block(&st->bl);
    if (!k) { st->rc = KOUAN_ENOMEM; return; }
    k->kind = st->heading ? KOUAN_BLOCK_HEADING : KOUAN_BLOCK_PARAGRAPH;
    k->level = st->heading;
    k->span.start = s->start;
    k->span.end = s->end;
    k->line = line_of(st, s->start);
    st->rc = finish_sink(st, s, &k->text);
    sink_reset(s);
}

static size_t attr_int(const xmlChar **atts, const char *name)
{
    for (size_t i = 0; atts && atts[i]; i += 2)
        if (strcasecmp((const char *)atts[i], name) == 0 && atts[i + 1]) {
            long v = strtol((const char *)atts[i + 1], NULL, 10);
            if (v < 1) return 1;
            return (size_t)(v > 1000 ? 1000 : v);
        }
    return 1;
}

static void close_cell(html_state *st, size_t pos)
{
    table_b *t = &st->tab;
    if (!t->in_cell || st->rc) return;
    t->in_cell = 0;
    if (!t->in_row || t->n == 0) return;
    rawrow *r = &t->rows[t->n - 1];
    if (r->n == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 8;
        rawcell *v = realloc(r->cells, cap * sizeof *v);
        if (!v) { st->rc = KOUAN_ENOMEM; return; }
        r->cells = v; r->cap = cap;
    }
    rawcell *c = &r->cells[r->n++];
    memset(c, 0, sizeof *c);
    c->rowspan = t->cell_rowspan;
    c->colspan = t->cell_colspan;
    c->span.start = t->cell.has ? t->cell.start : t->cell_tag;
    c->span.end = t->cell.has ? t->cell.end : t->cell_tag;
    st->rc = finish_sink(st, &t->cell, &c->text);
    sink_reset(&t->cell);
    if (pos > r->end) r->end = pos;
}

static void close_row(html_state *st, size_t pos)
{
    table_b *t = &st->tab;
    close_cell(st, pos);
    if (!t->in_row) return;
    t->in_row = 0;
    if (t->n && pos > t->rows[t->n - 1].end) t->rows[t->n - 1].end = pos;
}

static void open_row(html_state *st, size_t at)
{
    table_b *t = &st->tab;
    close_row(st, at);
    if (st->rc) return;
    if (t->n == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 16;
        rawrow *v = realloc(t->rows, cap * sizeof *v);
        if (!v) { st->rc = KOUAN_ENOMEM; return; }
        t->rows = v; t->cap = cap;
    }
    rawrow *r = &t->rows[t->n++];
    memset(r, 0, sizeof *r);
    r->start = r->end = at;
    r->line = line_of(st, at);
    t->in_row = 1;
}

static void free_table(table_b *t)
{
    for (size_t i = 0; i < t->n; i++) free(t->rows[i].cells);
    free(t->rows);
    tb_free(&t->cell.tb);
    tb_free(&t->caption.tb);
    memset(t, 0, sizeof *t);
}

/* Lay the cells out on the grid (rowspan down, colspan right) and emit the
 * table block. */
static void emit_table(html_state *st, size_t end)
{
    table_b *t = &st->tab;
    kouan_arena *a = &st->d->arena;
    size_t nrows = 0;
    for (size_t r = 0; r < t->n; r++) nrows += t->rows[r].n > 0;
    if (nrows == 0 || st->rc) return;
    /* the rows that have cells, in order */
    rawrow **rows = malloc(nrows * sizeof *rows);
    if (!rows) { st->rc = KOUAN_ENOMEM; return; }
    for (size_t r = 0, k = 0; r < t->n; r++)
        if (t->rows[r].n) rows[k++] = &t->rows[r];
    size_t width = 0;
    const rawcell **grid = NULL;       /* nrows × width */
    for (size_t r = 0; r < nrows && !st->rc; r++) {
        size_t col = 0;
        for (size_t c = 0; c < rows[r]->n; c++) {
            const rawcell *cell = &rows[r]->cells[c];
            while (col < width && grid[r * width + col]) col++;
            size_t need = col + cell->colspan;
            if (need > width) {        /* widen the grid */
                const rawcell **g = calloc(nrows * need, sizeof *g);
                if (!g) { st->rc = KOUAN_ENOMEM; break; }
                for (size_t i = 0; i < nrows; i++)
                    for (size_t j = 0; j < width; j++) g[i * need + j] = grid[i * width + j];
                free(grid);
                grid = g;
                width = need;
            }
            size_t down = cell->rowspan;
            if (down > nrows - r) down = nrows - r;
            for (size_t i = r; i < r + down; i++)
                for (size_t j = col; j < col + cell->colspan; j++)
                    if (!grid[i * width + j]) grid[i * width + j] = cell;
            col += cell->colspan;
        }
    }
    kouan_row *out = st->rc ? NULL : kouan_arena_alloc(a, nrows * sizeof *out);
    text_buf all = {0};
    if (!st->rc && !out) st->rc = KOUAN_ENOMEM;
    for (size_t r = 0; r < nrows && !st->rc; r++) {
        kouan_cell *cells = kouan_arena_alloc(a, (width ? width : 1) * sizeof *cells);
        if (!cells) { st->rc = KOUAN_ENOMEM; break; }
        for (size_t j = 0; j < width; j++) {
            const rawcell *c = grid[r * width + j];
            if (c) {
                cells[j].text = c->text;
                cells[j].span = c->span;
            } else {                   /* a hole: an empty cell at the row end */
                size_t *o = kouan_arena_alloc(a, sizeof *o);
                if (!o) { st->rc = KOUAN_ENOMEM; break; }
                *o = rows[r]->end;
                cells[j].text.str = "";
                cells[j].text.len = 0;
                cells[j].text.orig = o;
                cells[j].span.start = cells[j].span.end = rows[r]->end;
            }
            if (j) tb_put(&all, "\t", 1, cells[j].span.start);
            tb_reserve(&all, cells[j].text.len);
            if (!all.failed) {
                memcpy(all.s + all.len, cells[j].text.str, cells[j].text.len);
                memcpy(all.orig + all.len, cells[j].text.orig,
                       cells[j].text.len * sizeof *all.orig);
                all.len += cells[j].text.len;
            }
        }
        if (r + 1 < nrows) tb_put(&all, "\n", 1, rows[r]->end);
        out[r].cells = cells;
        out[r].n_cells = width;
        out[r].span.start = rows[r]->start;
        out[r].span.end = rows[r]->end;
        out[r].line = rows[r]->line;
    }
    if (!st->rc) {
        kouan_block *k = push_block(&st->bl);
        if (!k) st->rc = KOUAN_ENOMEM;
        else {
            k->kind = KOUAN_BLOCK_TABLE;
            /* the table covers its rows even when libxml2 reported a row's
             * position before the <table> tag (it does on broken markup) */
            k->span.start = t->start < rows[0]->start ? t->start : rows[0]->start;
            k->span.end = end > t->start ? end : rows[nrows - 1]->end;
            if (k->span.end < k->span.start) k->span.end = k->span.start;
            if (k->span.end < rows[nrows - 1]->end) k->span.end = rows[nrows - 1]->end;
            k->line = line_of(st, t->start);
            k->rows = out;
            k->n_rows = nrows;
            /* the block text ends where the table's last row ends */
            st->rc = tb_finish(&all, a, rows[nrows - 1]->end, &k->text);
            if (!st->rc && t->caption.has) {
                kouan_text *cap = kouan_arena_alloc(a, sizeof *cap);
                if (!cap) st->rc = KOUAN_ENOMEM;
                else {
                    st->rc = finish_sink(st, &t->caption, cap);
                    k = &st->bl.v[st->bl.n - 1];
                    k->caption = cap;
                }
            }
        }
    }
    tb_free(&all);
    free(grid);
    free(rows);
}

/* ---- SAX callbacks ---------------------------------------------------------- */

static int name_in(const xmlChar *name, const char *const *list)
{
    for (size_t i = 0; list[i]; i++)
        if (strcasecmp((const char *)name, list[i]) == 0) return 1;
    return 0;
}

static const char *const DROPPED[] = {
    "script", "style", "nav", "head", "title", "noscript", "template", "iframe",
    "svg", "select", NULL
};

/* Elements that end the paragraph before them and start a new one. */
static const char *const BLOCKS[] = {
    "p", "div", "li", "ul", "ol", "dl", "dt", "dd", "blockquote", "pre",
    "section", "article", "header", "footer", "main", "aside", "figure",
    "figcaption", "form", "hr", "address", "body", "center", "fieldset",
    "details", "summary", "h1", "h2", "h3", "h4", "h5", "h6", NULL
};

static int heading_level(const xmlChar *name)
{
    if ((name[0] == 'h' || name[0] == 'H') && name[1] >= '1' && name[1] <= '6' && !name[2])
        return name[1] - '0';
    return 0;
}

static void on_start(void *ctx, const xmlChar *name, const xmlChar **atts)
{
    html_state *st = ctx;
    if (st->rc) return;
    if (st->skip || name_in(name, DROPPED)) { st->skip++; return; }
    size_t pos = consumed(st);
    size_t at = tag_start(st, pos);
    table_b *t = &st->tab;
    if (strcasecmp((const char *)name, "table") == 0) {
        if (st->tables++ == 0) {
            flush_flow(st);
            free_table(t);
            t->start = at;
        }
    } else if (st->tables == 1 && strcasecmp((const char *)name, "caption") == 0) {
        t->in_caption = 1;
    } else if (st->tables == 1 && strcasecmp((const char *)name, "tr") == 0) {
        open_row(st, at);
    } else if (st->tables == 1 && (strcasecmp((const char *)name, "td") == 0 ||
                                   strcasecmp((const char *)name, "th") == 0)) {
        close_cell(st, at);
        if (!t->in_row) open_row(st, at);
        t->in_cell = 1;
        t->cell_tag = at;
        t->cell_rowspan = attr_int(atts, "rowspan");
        t->cell_colspan = attr_int(atts, "colspan");
        sink_reset(&t->cell);
    } else if (strcasecmp((const char *)name, "br") == 0) {
        sink *s = current_sink(st);
        if (s) sink_break(s, at, pos, st->tables > 0);
    } else if (st->tables == 0 && name_in(name, BLOCKS)) {
        flush_flow(st);
        int level = heading_level(name);
        if (level) st->heading = level;
    }
    if (pos > st->cursor) st->cursor = pos;
}

static void on_end(void *ctx, const xmlChar *name)
{
    html_state *st = ctx;
    if (st->rc) return;
    if (st->skip) { st->skip--; return; }
    size_t pos = consumed(st);
    table_b *t = &st->tab;
    if (strcasecmp((const char *)name, "table") == 0) {
        if (st->tables > 0 && --st->tables == 0) {
            close_row(st, pos);
            emit_table(st, pos);
            free_table(t);
        }
    } else if (st->tables == 1 && strcasecmp((const char *)name, "caption") == 0) {
        t->in_caption = 0;
    } else if (st->tables == 1 && strcasecmp((const char *)name, "tr") == 0) {
        close_row(st, pos);
    } else if (st->tables == 1 && (strcasecmp((const char *)name, "td") == 0 ||
                                   strcasecmp((const char *)name, "th") == 0)) {
        close_cell(st, pos);
    } else if (st->tables == 0 && name_in(name, BLOCKS)) {
        flush_flow(st);
        if (heading_level(name)) st->heading = 0;
    }
    if (pos > st->cursor) st->cursor = pos;
}

static void quiet(void *ctx, const char *msg, ...) { (void)ctx; (void)msg; }

int kouan_html_parse(kouan_document *d, kouan_error *err)
{
    const char *path = d->view.path;
    html_state st;
    memset(&st, 0, sizeof st);
    st.d = d;
    size_t nl = 1;
    for (size_t i = 0; i < d->view.len; i++) nl += d->bytes[i] == '\n';
    st.line_at = malloc(nl * sizeof *st.line_at);
    if (!st.line_at)
        return kouan_error_set(err, KOUAN_ENOMEM, "%s: out of memory while reading", path);
    st.line_at[st.n_lines++] = 0;
    for (size_t i = 0; i < d->view.len; i++)
        if (d->bytes[i] == '\n') st.line_at[st.n_lines++] = i + 1;

    htmlParserCtxtPtr ctxt = htmlCreateMemoryParserCtxt(d->bytes, (int)d->view.len);
    if (!ctxt) {
        free(st.line_at);
        return kouan_error_set(err, KOUAN_ENOMEM, "%s: cannot start the HTML parser", path);
    }
    st.ctxt = ctxt;
    htmlSAXHandler sax;
    memset(&sax, 0, sizeof sax);
    sax.startElement = on_start;
    sax.endElement = on_end;
    sax.characters = on_text;
    sax.ignorableWhitespace = on_text;
    sax.cdataBlock = on_text;
    sax.warning = quiet;
    sax.error = quiet;
    sax.initialized = 1;
    memcpy(ctxt->sax, &sax, sizeof sax);
    ctxt->userData = &st;
    htmlCtxtUseOptions(ctxt, HTML_PARSE_NONET | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING);
    /* the bytes are UTF-8 (checked): no <meta> may switch the decoder */
    xmlSwitchEncoding(ctxt, XML_CHAR_ENCODING_UTF8);
    htmlParseDocument(ctxt);
    /* a fatal error (libxml2 stops at elements nested 256 deep) loses the
     * rest of the page: refuse it rather than read half of it */
    const xmlError *fatal = xmlCtxtGetLastError(ctxt);
    if (!st.rc && fatal && fatal->level == XML_ERR_FATAL) {
        char what[200];
        snprintf(what, sizeof what, "%s", fatal->message ? fatal->message : "a fatal error");
        for (char *q = what; *q; q++) if (*q == '\n') *q = ' ';
        size_t at = consumed(&st);
        st.rc = kouan_error_set(err, KOUAN_EINPUT, "%s: line %zu (byte %zu): the HTML parser "
                                "stopped: %s (expected elements nested less than 256 deep)",
                                path, line_of(&st, at), at, what);
    }
    /* libxml2 closes what is open at the end; anything left is ours */
    if (st.tables > 0 && !st.rc) {
        close_row(&st, d->view.len);
        emit_table(&st, d->view.len);
    }
    flush_flow(&st);
    if (ctxt->myDoc) xmlFreeDoc(ctxt->myDoc);
    htmlFreeParserCtxt(ctxt);
    int rc = st.rc;
    if (rc == KOUAN_OK) rc = kouan_doc_set_blocks(d, &st.bl);
    free_table(&st.tab);
    tb_free(&st.flow.tb);
    free(st.bl.v);
    free(st.line_at);
    if (rc == KOUAN_EINPUT) return rc;             /* err says what */
    if (rc != KOUAN_OK)
        return kouan_error_set(err, rc, "%s: out of memory while reading the page", path);
    return KOUAN_OK;
}
