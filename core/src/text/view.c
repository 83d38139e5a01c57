/* view.c — the token view of a document: prose blocks normalised, split
 * into sentences and segmented, with every token's span in the original
 * file.  Built after the structure stage, before the prose stage.
 *
 * Offsets go through two maps: a token [a, b) of the normalised text maps
 * to the block text through normtext.src, and the block text maps to the
 * original file through kouan_text.orig. */
#include "view.h"
#include "util/lines.h"
#include <stdlib.h>
#include <string.h>

/* Original byte span of block-text bytes [p, q). */
static kouan_span original_span(const kouan_text *t, size_t p, size_t q)
{
    kouan_span s;
    s.start = t->orig[p];
    /* orig[q - 1] is the last byte of the last character: one past it is
       the end (a decoded entity ends at its '&': documented in plugin.h) */
    s.end = q > p ? t->orig[q - 1] + 1 : s.start;
    return s;
}

static int is_prose(kouan_block_kind k)
{
    return k == KOUAN_BLOCK_HEADING || k == KOUAN_BLOCK_PARAGRAPH ||
           k == KOUAN_BLOCK_FOOTNOTE;
}

typedef struct vec {
    void  *v;
    size_t n, cap, size;
} vec;

static void *vec_push(vec *x)
{
    if (x->n == x->cap) {
        size_t cap = x->cap ? x->cap * 2 : 64;
        void *v = realloc(x->v, cap * x->size);
        if (!v) return NULL;
        x->v = v;
        x->cap = cap;
    }
    return (char *)x->v + x->size * x->n++;
}

int kouan_view_build(kouan_document *d, kouan_normalizer *nz,
                     const kouan_lexicon *lx, const kouan_wordset *ws,
                     kouan_error *err)
{
    kouan_doc *doc = &d->view;
    vec sents = { NULL, 0, 0, sizeof(kouan_sentence) };
    vec toks = { NULL, 0, 0, sizeof(kouan_token) };
    vec sent_first = { NULL, 0, 0, sizeof(size_t) };   /* first token index */
    kouan_seg *segs = NULL;
    size_t nseg = 0, segcap = 0;
    kouan_range *ranges = NULL;
    int rc = KOUAN_OK;
    /* lines by binary search: blocks joined across a page break are not in
       file order */
    kouan_lines lines = {0};
    rc = kouan_lines_build(&lines, doc->bytes, doc->len);

    for (size_t b = 0; b < doc->n_blocks && rc == KOUAN_OK; b++) {
        const kouan_block *blk = &doc->blocks[b];
        if (!is_prose(blk->kind) || blk->text.len == 0) continue;
        kouan_normtext nt = {0};
        if ((rc = kouan_normalize(nz, blk->text.str, blk->text.len, &nt, err))) break;
        size_t nr = 0;
        free(ranges);
        ranges = NULL;
        if ((rc = kouan_sentences(nt.str, nt.len, &ranges, &nr))) {
            kouan_normtext_free(&nt);
            break;
        }
        for (size_t r = 0; r < nr && rc == KOUAN_OK; r++) {
            size_t a = ranges[r].start, z = ranges[r].end;
            if ((rc = kouan_segment(lx, ws, nt.str + a, z - a, &segs, &nseg, &segcap))) break;
            if (nseg == 0) continue;
            kouan_sentence *s = vec_push(&sents);
            size_t *first = vec_push(&sent_first);
            if (!s || !first) { rc = KOUAN_ENOMEM; break; }
            memset(s, 0, sizeof *s);
            *first = toks.n;
            s->n_tokens = nseg;
            s->block = b;
            s->span = original_span(&blk->text, nt.src[a], nt.src[z]);
            s->line = kouan_lines_of(&lines, s->span.start);
            for (size_t i = 0; i < nseg; i++) {
                kouan_token *t = vec_push(&toks);
                if (!t) { rc = KOUAN_ENOMEM; break; }
                size_t ta = a + segs[i].start, tz = a + segs[i].end;
                t->text = kouan_arena_strndup(&d->arena, nt.str + ta, tz - ta);
                if (!t->text) { rc = KOUAN_ENOMEM; break; }
                t->len = tz - ta;
                t->span = original_span(&blk->text, nt.src[ta], nt.src[tz]);
                t->kind = segs[i].kind;
                t->cls = segs[i].cls;
            }
        }
        kouan_normtext_free(&nt);
    }
    if (rc == KOUAN_OK && sents.n) {
        kouan_sentence *sv = kouan_arena_alloc(&d->arena, sents.n * sizeof *sv);
        kouan_token *tv = kouan_arena_alloc(&d->arena, (toks.n ? toks.n : 1) * sizeof *tv);
        if (!sv || !tv) rc = KOUAN_ENOMEM;
        else {
            memcpy(sv, sents.v, sents.n * sizeof *sv);
            if (toks.n) memcpy(tv, toks.v, toks.n * sizeof *tv);
            for (size_t i = 0; i < sents.n; i++)
                sv[i].tokens = tv + ((size_t *)sent_first.v)[i];
            doc->sentences = sv;
            doc->n_sentences = sents.n;
        }
    }
    if (rc == KOUAN_ENOMEM && err && !err->message[0]) {
        err->code = rc;
        strcpy(err->message, "out of memory building the token view");
    }
    kouan_lines_free(&lines);
    free(ranges);
    free(segs);
    free(sents.v);
    free(toks.v);
    free(sent_first.v);
    return rc;
}
