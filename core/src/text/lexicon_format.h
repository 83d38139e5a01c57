/* lexicon_format.h — the layout of a compiled lexicon file (kouan.lex),
 * shared by the writer (tools/mklexicon.c) and the reader (lexicon.c).
 *
 * The file is used as it lies on disk (mmap, no parsing): a header, a table
 * from every BMP code point to the trie node of the one-character prefix,
 * and the trie nodes in breadth-first order, so that the children of a node
 * are contiguous and sorted by code point (binary search).  All integers are
 * little-endian as written by the machine that built it; the header's magic,
 * version and sizes are checked at open. */
#ifndef KOUAN_LEXICON_FORMAT_H
#define KOUAN_LEXICON_FORMAT_H
#include <stdint.h>

#define KOUAN_LEX_MAGIC   "KOUANLX\x01"
#define KOUAN_LEX_VERSION 1u
#define KOUAN_LEX_BMP     0x10000u

/* A node is a word when logp < 0; its class (kouan_class) is in the top 8
 * bits of kids, the number of children in the low 24. */
typedef struct kouan_lex_node {
    uint32_t cp;      /* the code point leading to this node */
    uint32_t first;   /* index of the first child */
    uint32_t kids;    /* (class << 24) | number of children */
    float    logp;    /* ln(freq / total) when a word, else 0 */
} kouan_lex_node;

typedef struct kouan_lex_header {
    char     magic[8];
    uint32_t version;
    uint32_t n_nodes;      /* node 0 is the root */
    uint32_t n_words;
    uint32_t node_size;    /* sizeof(kouan_lex_node), checked at open */
    uint64_t bmp_offset;   /* uint32_t[KOUAN_LEX_BMP]: node index, 0 = none */
    uint64_t nodes_offset; /* kouan_lex_node[n_nodes] */
    uint64_t file_size;
    double   log_total;    /* ln(sum of all frequencies) */
    float    unknown_logp; /* a character no word covers: ln(1 / total) */
    float    pad;
} kouan_lex_header;

#define KOUAN_LEX_KIDS(n)  ((n)->kids & 0xFFFFFFu)
#define KOUAN_LEX_CLASS(n) ((int)((n)->kids >> 24))
#endif
