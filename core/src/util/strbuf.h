/* strbuf.h — a growable byte string, NUL-terminated, whose appends remember
 * a failed allocation: a caller may append many pieces and check once. */
#ifndef KOUAN_UTIL_STRBUF_H
#define KOUAN_UTIL_STRBUF_H
#include <stddef.h>

typedef struct kouan_strbuf {
    char  *s;        /* malloc'd (the caller frees it), NULL until the first append */
    size_t len, cap;
    int    oom;      /* an append ran out of memory: every later one is refused */
} kouan_strbuf;

/* Appends p[0..n), keeping a NUL after the bytes.  0, or -1 when memory ran
 * out (then or before: nothing is appended and oom is set). */
int kouan_strbuf_put(kouan_strbuf *b, const char *p, size_t n);
/* kouan_strbuf_put of a C string. */
int kouan_strbuf_puts(kouan_strbuf *b, const char *s);
/* Back to its first len bytes (len ≤ b->len): what was appended after is
 * taken back; a failed append stays failed (oom is kept). */
void kouan_strbuf_cut(kouan_strbuf *b, size_t len);
/* Empty again, with its memory kept, ready for use after a failure too. */
void kouan_strbuf_clear(kouan_strbuf *b);
#endif
