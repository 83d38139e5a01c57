/* view.h — building the token view (kouan_doc.sentences) of a document. */
#ifndef KOUAN_VIEW_H
#define KOUAN_VIEW_H
#include "doc/doc.h"
#include "text/normalize.h"
#include "text/segment.h"
#include "text/sentence.h"

/* Fills d->view.sentences / n_sentences (tokens and texts in d's arena)
 * from the prose blocks (headings, paragraphs, footnotes).  ws (may be
 * NULL) holds the names this document taught.  Returns 0 or an error. */
int kouan_view_build(kouan_document *d, kouan_normalizer *nz,
                     const kouan_lexicon *lx, const kouan_wordset *ws,
                     kouan_error *err);
#endif
