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
    /* The children of the wide nodes (more than KOUAN_LEX_SCAN: 5,429 of
       jieba's first characters, with 216k children), found by one probe of
       a hash of (parent, code point) instead of a binary search over up to
       thousands of them: the segmenter 23 → 29 MB/s (segbench).  A slot is
       (fingerprint << kid_vbits) | (child index + 1), 0 when empty: 4
       bytes, 2 MB for jieba's lexicon; a fingerprint that matches is
       checked against the child itself.  Built at open (kid_table); NULL:
       binary search. */
    uint32_t             *kid;
    uint32_t              kid_mask;
    int                   kid_shift, kid_vbits;  /* fingerprints: 32 - kid_vbits bits */
};

#define KOUAN_LEX_SCAN 8

/* Where child cp of node `parent` is hashed in kid: its first slot, and
 * (*fp) its fingerprint. */
static inline uint32_t kouan_lex_kid_slot(const kouan_lexicon *lx, uint32_t parent, uint32_t cp,
                                          uint32_t *fp)
{
    uint64_t h = ((uint64_t)parent << 21 | cp) * 0x9E3779B97F4A7C15ull;
    int fbits = 32 - lx->kid_vbits;
    *fp = (uint32_t)(h >> (lx->kid_shift - fbits)) & ((1u << fbits) - 1);
    return (uint32_t)(h >> lx->kid_shift);
}

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
    if (k <= KOUAN_LEX_SCAN) {
        for (uint32_t i = 0; i < k; i++)
            if (c[i].cp == cp) return &c[i];
            else if (c[i].cp > cp) return NULL;
        return NULL;
    }
    if (lx->kid) {
        uint32_t fp, s = kouan_lex_kid_slot(lx, (uint32_t)(n - lx->nodes), cp, &fp);
        uint32_t vmask = (1u << lx->kid_vbits) - 1;
        for (;; s = (s + 1) & lx->kid_mask) {
            uint32_t at = lx->kid[s];
            if (!at) return NULL;
            if (at >> lx->kid_vbits != fp) continue;
            uint32_t j = (at & vmask) - 1;
            if (j >= n->first && j - n->first < k && lx->nodes[j].cp == cp) return &lx->nodes[j];
        }
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
