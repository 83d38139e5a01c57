/* build.h — private to core/src/doc/: the growable text-with-map buffer and
 * the block list that the Markdown-like reader (reader.c) and the HTML
 * reader (html.c) both fill, and the step that hands blocks to the
 * document.  Small helpers are static inline so that nothing here is an
 * exported symbol except kouan_doc_set_blocks. */
#ifndef KOUAN_DOC_BUILD_H
#define KOUAN_DOC_BUILD_H
#include "doc.h"
#include <stdlib.h>
#include <string.h>

/* ---- growable text with an offset map ------------------------------------ */

typedef struct text_buf {
    char   *s;
    size_t *orig;
    size_t  len, cap;
    int     failed;   /* an allocation failed: the result is unusable */
} text_buf;

static inline void tb_reserve(text_buf *t, size_t more)
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
static inline void tb_copy(text_buf *t, const char *p, size_t n, size_t at)
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
static inline void tb_put(text_buf *t, const char *p, size_t n, size_t at)
{
    tb_reserve(t, n);
    if (t->failed) return;
    for (size_t i = 0; i < n; i++) {
        t->s[t->len] = p[i];
        t->orig[t->len++] = at;
    }
}

/* Append src (text and map) to dst. */
static inline void tb_append(text_buf *dst, const text_buf *src)
{
    tb_reserve(dst, src->len);
    if (dst->failed || src->failed) { dst->failed = 1; return; }
    if (src->len == 0) return;          /* src->s may still be NULL */
    memcpy(dst->s + dst->len, src->s, src->len);
    memcpy(dst->orig + dst->len, src->orig, src->len * sizeof *src->orig);
    dst->len += src->len;
}

static inline void tb_trim_end(text_buf *t)
{
    while (t->len && (t->s[t->len - 1] == ' ' || t->s[t->len - 1] == '\t'))
        t->len--;
}

/* Copy the buffer into the arena as a kouan_text; end is the original
 * offset just past the source. Resets t for reuse. */
static inline int tb_finish(text_buf *t, kouan_arena *a, size_t end, kouan_text *out)
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

static inline void tb_free(text_buf *t) { free(t->s); free(t->orig); }

typedef struct block_list {
    kouan_block *v;
    size_t n, cap;
} block_list;

static inline kouan_block *push_block(block_list *bl)
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

/* Copy the blocks of bl into the document's arena (bl is left to the
 * caller to free), attach table captions and mark 续表 continuations.
 * Returns KOUAN_OK or KOUAN_ENOMEM.  Defined in reader.c. */
int kouan_doc_set_blocks(kouan_document *d, const block_list *bl);
#endif
