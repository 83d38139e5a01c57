/* arena.h — bump allocation for data that lives exactly as long as one
 * document (its blocks, texts, offset maps and facts): freed all at once. */
#ifndef KOUAN_ARENA_H
#define KOUAN_ARENA_H
#include <stddef.h>

typedef struct kouan_arena_chunk kouan_arena_chunk;
typedef struct kouan_arena {
    kouan_arena_chunk *head;
} kouan_arena;

/* Returns zeroed memory aligned for any type, owned by the arena, or NULL. */
void *kouan_arena_alloc(kouan_arena *a, size_t size);
/* Copies n bytes of s and a NUL into the arena. */
char *kouan_arena_strndup(kouan_arena *a, const char *s, size_t n);
char *kouan_arena_strdup(kouan_arena *a, const char *s);
/* Frees every allocation; the arena may be reused afterwards. */
void  kouan_arena_clear(kouan_arena *a);
#endif
