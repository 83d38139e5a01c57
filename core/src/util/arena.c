/* arena.c — bump allocator; see arena.h. */
#include "arena.h"
#include <stdlib.h>
#include <string.h>
#include <stdalign.h>

struct kouan_arena_chunk {
    kouan_arena_chunk *next;
    size_t used, size;
    alignas(max_align_t) unsigned char data[];
};

/* size bytes, not zeroed. */
static void *alloc_raw(kouan_arena *a, size_t size)
{
    const size_t align = alignof(max_align_t);
    size = (size + align - 1) & ~(align - 1);
    if (size == 0) size = align;
    kouan_arena_chunk *c = a->head;
    if (!c || c->size - c->used < size) {
        size_t cap = size > 60000 ? size : 60000;
        c = malloc(sizeof *c + cap);
        if (!c) return NULL;
        c->next = a->head; c->used = 0; c->size = cap;
        a->head = c;
    }
    void *p = c->data + c->used;
    c->used += size;
    return p;
}

void *kouan_arena_alloc(kouan_arena *a, size_t size)
{
    void *p = alloc_raw(a, size);
    if (p) memset(p, 0, size);
    return p;
}

char *kouan_arena_strndup(kouan_arena *a, const char *s, size_t n)
{
    char *p = alloc_raw(a, n + 1);
    if (!p) return NULL;
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *kouan_arena_strdup(kouan_arena *a, const char *s)
{
    return kouan_arena_strndup(a, s, strlen(s));
}

void kouan_arena_clear(kouan_arena *a)
{
    kouan_arena_chunk *c = a->head;
    while (c) { kouan_arena_chunk *n = c->next; free(c); c = n; }
    a->head = NULL;
}
