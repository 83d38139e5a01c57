/* lines.c — see lines.h. */
#include "lines.h"
#include "kouan/plugin.h"
#include <stdlib.h>
#include <string.h>

int kouan_lines_build(kouan_lines *l, const char *bytes, size_t len)
{
    size_t n = 1;
    for (const char *p = bytes; (p = memchr(p, '\n', len - (size_t)(p - bytes))); p++) n++;
    l->start = malloc(n * sizeof *l->start);
    if (!l->start) { l->n = 0; return KOUAN_ENOMEM; }
    size_t k = 0;
    l->start[k++] = 0;
    for (size_t i = 0; i < len; i++)
        if (bytes[i] == '\n') l->start[k++] = i + 1;
    l->n = k;
    return KOUAN_OK;
}

size_t kouan_lines_of(const kouan_lines *l, size_t at)
{
    size_t lo = 0, hi = l->n;
    if (hi == 0) return 1;
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (l->start[mid] <= at) lo = mid; else hi = mid;
    }
    return lo + 1;
}

void kouan_lines_free(kouan_lines *l)
{
    free(l->start);
    l->start = NULL;
    l->n = 0;
}
