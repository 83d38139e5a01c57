/* lexicon.c — opening a compiled lexicon (kouan.lex, written by
 * tools/mklexicon): mmap, check the header and every index, done. */
#include "text/lexicon.h"
#include "util/error.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef KOUAN_LEXICON_BUILD_PATH
#define KOUAN_LEXICON_BUILD_PATH "lexicon/kouan.lex"
#endif

const char *kouan_lexicon_default_path(void)
{
    const char *p = getenv("KOUAN_LEXICON");
    return p && *p ? p : KOUAN_LEXICON_BUILD_PATH;
}

static kouan_lexicon *refuse(kouan_lexicon *lx, kouan_error *err,
                             const char *path, const char *what)
{
    kouan_error_set(err, KOUAN_EINVAL, "%s: not a kouan lexicon (%s); rebuild it "
                    "with `cmake --build build` (tools/mklexicon)", path, what);
    kouan_lexicon_close(lx);
    return NULL;
}

/* The children of every node wider than KOUAN_LEX_SCAN hashed (lexicon.h:
 * kouan_lexicon.kid), ~10 ms at open; with no memory for it, or a lexicon
 * too large for the slots' fingerprints, lookups search as before. */
static void kid_table(kouan_lexicon *lx)
{
    size_t n = 0;
    for (uint32_t i = 1; i < lx->n_nodes; i++)      /* the root's: bmp */
        if (KOUAN_LEX_KIDS(&lx->nodes[i]) > KOUAN_LEX_SCAN) n += KOUAN_LEX_KIDS(&lx->nodes[i]);
    int vbits = 1;
    while (vbits < 32 && ((uint64_t)1 << vbits) <= lx->n_nodes) vbits++;   /* index + 1 */
    if (!n || vbits > 26) return;                   /* a fingerprint of 6 bits at least */
    int bits = 1;
    while (((size_t)1 << bits) < 2 * n) bits++;      /* at most half full */
    if (bits > 31 || !(lx->kid = calloc((size_t)1 << bits, sizeof *lx->kid))) return;
    lx->kid_mask = (uint32_t)(((size_t)1 << bits) - 1);
    lx->kid_shift = 64 - bits;
    lx->kid_vbits = vbits;
    for (uint32_t i = 1; i < lx->n_nodes; i++) {
        const kouan_lex_node *p = &lx->nodes[i];
        if (KOUAN_LEX_KIDS(p) <= KOUAN_LEX_SCAN) continue;
        for (uint32_t j = p->first; j < p->first + KOUAN_LEX_KIDS(p); j++) {
            uint32_t fp, s = kouan_lex_kid_slot(lx, i, lx->nodes[j].cp, &fp);
            while (lx->kid[s]) s = (s + 1) & lx->kid_mask;
            lx->kid[s] = fp << vbits | (j + 1);
        }
    }
}

kouan_lexicon *kouan_lexicon_open(const char *path, kouan_error *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        kouan_error_set(err, errno == ENOENT ? KOUAN_ENOTFOUND : KOUAN_EIO,
                        "cannot open the lexicon %s: %s (build it with `cmake "
                        "--build build`, or set KOUAN_LEXICON to a kouan.lex file)",
                        path, strerror(errno));
        return NULL;
    }
    struct stat st;
    if (fstat(fd, &st) != 0) {
        kouan_error_set(err, KOUAN_EIO, "%s: %s", path, strerror(errno));
        close(fd);
        return NULL;
    }
    kouan_lexicon *lx = calloc(1, sizeof *lx);
    if (!lx) {
        close(fd);
        kouan_error_set(err, KOUAN_ENOMEM, "out of memory opening %s", path);
        return NULL;
    }
    lx->size = (size_t)st.st_size;
    if (lx->size < sizeof(kouan_lex_header)) {
        close(fd);
        return refuse(lx, err, path, "too short");
    }
    lx->map = mmap(NULL, lx->size, PROT_READ, MAP_SHARED, fd, 0);
    close(fd);
    if (lx->map == MAP_FAILED) {
        lx->map = NULL;
        kouan_error_set(err, KOUAN_EIO, "%s: cannot map: %s", path, strerror(errno));
        kouan_lexicon_close(lx);
        return NULL;
    }
    const kouan_lex_header *h = lx->map;
    if (memcmp(h->magic, KOUAN_LEX_MAGIC, 8) != 0)
        return refuse(lx, err, path, "wrong magic number");
    if (h->version != KOUAN_LEX_VERSION || h->node_size != sizeof(kouan_lex_node))
        return refuse(lx, err, path, "another format version");
    if (h->file_size != lx->size || h->n_nodes == 0 ||
        h->bmp_offset != sizeof *h ||
        h->nodes_offset != h->bmp_offset + KOUAN_LEX_BMP * sizeof(uint32_t) ||
        h->nodes_offset + (uint64_t)h->n_nodes * sizeof(kouan_lex_node) != lx->size)
        return refuse(lx, err, path, "sizes do not match: truncated?");
    lx->bmp = (const uint32_t *)((const char *)lx->map + h->bmp_offset);
    lx->nodes = (const kouan_lex_node *)((const char *)lx->map + h->nodes_offset);
    lx->n_nodes = h->n_nodes;
    lx->n_words = h->n_words;
    lx->unknown_logp = h->unknown_logp;
    /* Every index must stay inside the file: a damaged file is refused here
       rather than crashing the segmenter. */
    for (uint32_t i = 0; i < KOUAN_LEX_BMP; i++)
        if (lx->bmp[i] >= lx->n_nodes) return refuse(lx, err, path, "bad index");
    for (uint32_t i = 0; i < lx->n_nodes; i++) {
        const kouan_lex_node *n = &lx->nodes[i];
        if ((uint64_t)n->first + KOUAN_LEX_KIDS(n) > lx->n_nodes ||
            !(n->logp <= 0) || KOUAN_LEX_CLASS(n) > KOUAN_CLASS_TRANSPORT)
            return refuse(lx, err, path, "bad node");
    }
    kid_table(lx);
    return lx;
}

void kouan_lexicon_close(kouan_lexicon *lx)
{
    if (!lx) return;
    if (lx->map) munmap(lx->map, lx->size);
    free(lx->kid);
    free(lx);
}

/* Decodes one UTF-8 character of s[0..n); 0 when invalid. */
static int decode(const unsigned char *s, size_t n, uint32_t *cp)
{
    if (s[0] < 0x80) { *cp = s[0]; return 1; }
    int len = s[0] >= 0xF0 ? 4 : s[0] >= 0xE0 ? 3 : s[0] >= 0xC0 ? 2 : 0;
    if (!len || (size_t)len > n) return 0;
    uint32_t c = s[0] & (0x7F >> len);
    for (int i = 1; i < len; i++) c = (c << 6) | (s[i] & 0x3F);
    *cp = c;
    return len;
}

int kouan_lexicon_lookup(const kouan_lexicon *lx, const char *word, size_t len,
                         float *logp, kouan_class *cls)
{
    const unsigned char *s = (const unsigned char *)word;
    const kouan_lex_node *n = NULL;
    for (size_t i = 0; i < len;) {
        uint32_t cp;
        int l = decode(s + i, len - i, &cp);
        if (!l) return 0;
        n = i == 0 ? kouan_lex_first(lx, cp) : kouan_lex_child(lx, n, cp);
        if (!n) return 0;
        i += (size_t)l;
    }
    if (!n || !(n->logp < 0)) return 0;
    if (logp) *logp = n->logp;
    if (cls) *cls = (kouan_class)KOUAN_LEX_CLASS(n);
    return 1;
}
