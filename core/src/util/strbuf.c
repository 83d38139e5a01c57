/* strbuf.c — see strbuf.h. */
#include "strbuf.h"

#include <stdlib.h>
#include <string.h>

int kouan_strbuf_put(kouan_strbuf *b, const char *p, size_t n)
{
    if (b->oom) return -1;
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + n + 1) cap *= 2;
        char *s = realloc(b->s, cap);
        if (!s) {
            b->oom = 1;
            return -1;
        }
        b->s = s;
        b->cap = cap;
    }
    if (n) memcpy(b->s + b->len, p, n);
    b->len += n;
    b->s[b->len] = '\0';
    return 0;
}

int kouan_strbuf_puts(kouan_strbuf *b, const char *s)
{
    return kouan_strbuf_put(b, s, strlen(s));
}

void kouan_strbuf_cut(kouan_strbuf *b, size_t len)
{
    if (len > b->len) return;
    b->len = len;
    if (b->s) b->s[len] = '\0';
}

void kouan_strbuf_clear(kouan_strbuf *b)
{
    kouan_strbuf_cut(b, 0);
    b->oom = 0;
}
