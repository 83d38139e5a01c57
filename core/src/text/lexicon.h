/* lexicon.h — the mapped lexicon as segment.c walks it (private to
 * core/src/text; the file layout is in lexicon_format.h). */
#ifndef KOUAN_LEXICON_H
#define KOUAN_LEXICON_H
#include <stddef.h>
#include <stdint.h>
#include "text/lexicon_format.h"
#include "text/segment.h"

struct kouan_lexicon {
    void                 *map;      /* the whole file, read-only (munmap) */
    size_t                size;
    const uint32_t       *bmp;      /* code point → node, 0 = no word starts so */
    const kouan_lex_node *nodes;
    uint32_t              n_nodes;
    uint32_t              n_words;
    float                 unknown_logp;
};

/* The node reached from the root by cp, or NULL. */
static inline const kouan_lex_node *kouan_lex_first(const kouan_lexicon *lx,
                                                    uint32_t cp)
{
    if (cp < KOUAN_LEX_BMP) {
        uint32_t i = lx->bmp[cp];
        return i ? &lx->nodes[i] : NULL;
    }
    const kouan_lex_node *root = lx->nodes;
    size_t lo = root->first, hi = lo + KOUAN_LEX_KIDS(root);
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (lx->nodes[mid].cp < cp) lo = mid + 1; else hi = mid;
    }
    return lo < root->first + KOUAN_LEX_KIDS(root) && lx->nodes[lo].cp == cp
           ? &lx->nodes[lo] : NULL;
}

/* The child of n reached by cp, or NULL. */
static inline const kouan_lex_node *kouan_lex_child(const kouan_lexicon *lx,
                                                    const kouan_lex_node *n,
                                                    uint32_t cp)
{
    uint32_t k = KOUAN_LEX_KIDS(n);
    const kouan_lex_node *c = lx->nodes + n->first;
    if (k <= 8) {
        for (uint32_t i = 0; i < k; i++)
            if (c[i].cp == cp) return &c[i];
            else if (c[i].cp > cp) return NULL;
        return NULL;
    }
    uint32_t lo = 0, hi = k;
    while (lo < hi) {
        uint32_t mid = (lo + hi) / 2;
        if (c[mid].cp < cp) lo = mid + 1; else hi = mid;
    }
    return lo < k && c[lo].cp == cp ? &c[lo] : NULL;
}

/* Looks up a whole word (UTF-8): its log-probability (< 0) and class, or
 * returns 0 when the lexicon does not hold it.  For tests and tools. */
int kouan_lexicon_lookup(const kouan_lexicon *lx, const char *word, size_t len,
                         float *logp, kouan_class *cls);
#endif
