/* sentence.h — splitting normalised text into sentences: on 。！？；!?;
 * (and line structure), never inside quotes 「」“”‘’《》 or brackets
 * （）()【】[], keeping closing quotes/brackets with their sentence. */
#ifndef KOUAN_SENTENCE_H
#define KOUAN_SENTENCE_H
#include <stddef.h>

typedef struct kouan_range {
    size_t start, end;   /* [start, end) byte offsets into the text */
} kouan_range;

/* Splits text[0..len) into sentences, written to *out (realloc'd; caller
 * frees) with *n entries.  Leading/trailing spaces are not part of a
 * sentence; empty sentences are dropped.  Returns 0 or KOUAN_ENOMEM. */
int kouan_sentences(const char *text, size_t len, kouan_range **out, size_t *n);

/* Clauses of one sentence: split on ，、：,: outside quotes and brackets. */
int kouan_clauses(const char *text, size_t len, kouan_range **out, size_t *n);
#endif
