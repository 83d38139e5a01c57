/* segment.h — the lexicon-driven segmenter: a compiled lexicon loaded with
 * mmap (general Chinese words with frequencies, the ontology's gazetteer
 * names with their classes, user lexicons), a per-document word set (names
 * the structure plugins emitted), best-path segmentation, and rules for
 * numbers with units, Latin words and place-name suffixes. */
#ifndef KOUAN_SEGMENT_H
#define KOUAN_SEGMENT_H
#include <stddef.h>
#include "kouan/kouan.h"

typedef struct kouan_lexicon kouan_lexicon;

/* Opens a lexicon file compiled at build time (mmap; read-only, shareable
 * between threads).  NULL with err naming the file and what is wrong. */
kouan_lexicon *kouan_lexicon_open(const char *path, kouan_error *err);
void           kouan_lexicon_close(kouan_lexicon *lx);

/* The default lexicon path: $KOUAN_LEXICON, else the build's file. */
const char *kouan_lexicon_default_path(void);

/* Words of one document, added at run time (copied). */
typedef struct kouan_wordset kouan_wordset;
kouan_wordset *kouan_wordset_new(void);
int  kouan_wordset_add(kouan_wordset *ws, const char *word, size_t len,
                       kouan_class cls);
void kouan_wordset_free(kouan_wordset *ws);

typedef struct kouan_seg {
    size_t           start, end;  /* [start, end) into the segmented text */
    kouan_token_kind kind;
    kouan_class      cls;         /* entities: class; else 0 */
} kouan_seg;

/* Segments text[0..len) (normalised UTF-8; doc may be NULL).  Appends the
 * tokens in order to *out (realloc'd, caller frees; *cap its capacity) and
 * sets *n.  Whitespace is skipped, every other byte is in exactly one
 * token.  Returns 0 or KOUAN_ENOMEM. */
int kouan_segment(const kouan_lexicon *lx, const kouan_wordset *doc,
                  const char *text, size_t len,
                  kouan_seg **out, size_t *n, size_t *cap);
#endif
