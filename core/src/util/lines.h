/* lines.h — byte offset → 1-based line number, by binary search over the
 * starts of a text's lines (built once per document). */
#ifndef KOUAN_LINES_H
#define KOUAN_LINES_H
#include <stddef.h>

typedef struct kouan_lines {
    size_t *start;   /* owned: start offset of each line */
    size_t  n;
} kouan_lines;

/* Indexes bytes[0..len).  Returns 0 or KOUAN_ENOMEM. */
int    kouan_lines_build(kouan_lines *l, const char *bytes, size_t len);
/* The 1-based line holding byte offset at. */
size_t kouan_lines_of(const kouan_lines *l, size_t at);
void   kouan_lines_free(kouan_lines *l);
#endif
