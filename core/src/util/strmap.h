/* strmap.h — an open-addressing hash map from NUL-terminated strings to
 * pointers.  Keys are copied and owned by the map; values are borrowed. */
#ifndef KOUAN_STRMAP_H
#define KOUAN_STRMAP_H
#include <stddef.h>
#include <stdint.h>

typedef struct kouan_strmap {
    char     **keys;
    void     **vals;
    uint64_t  *hashes;    /* each key's hash (internal) */
    size_t     cap, count;
} kouan_strmap;

/* Returns the value stored under key, or NULL. */
void *kouan_strmap_get(const kouan_strmap *m, const char *key);
/* Stores val under key (replacing). Returns 0, or KOUAN_ENOMEM. */
int   kouan_strmap_put(kouan_strmap *m, const char *key, void *val);
/* Stores val under key unless key is there already, in one probe.
 * Returns 1 when added, 0 when key was present (nothing changed), or
 * KOUAN_ENOMEM. */
int   kouan_strmap_add(kouan_strmap *m, const char *key, void *val);
/* Frees the keys and tables (not the values). */
void  kouan_strmap_free(kouan_strmap *m);
#endif
