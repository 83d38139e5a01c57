/* strmap.c — string-keyed hash map; see strmap.h. */
#include "strmap.h"
#include "kouan/plugin.h"
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Eight bytes at a time, then splitmix64's finaliser (the low bits pick
 * the slot): FNV-1a, a byte at a time, made the graph's triple keys (~150
 * bytes) cost ~1,200 instructions a lookup. */
static uint64_t hash_str(const char *s)
{
    size_t n = strlen(s);
    uint64_t h = 0x9E3779B97F4A7C15ULL ^ (uint64_t)n, w;
    for (; n >= 8; s += 8, n -= 8) {
        memcpy(&w, s, 8);
        h = (h ^ w) * 0xBF58476D1CE4E5B9ULL;
        h ^= h >> 31;
    }
    w = 0;
    memcpy(&w, s, n);
    h ^= w;
    h ^= h >> 30; h *= 0xBF58476D1CE4E5B9ULL;
    h ^= h >> 27; h *= 0x94D049BB133111EBULL;
    h ^= h >> 31;
    return h;
}

/* The slot holding key, or the empty one where it would go.  Each slot's
 * hash is kept, so most slots that are not key cost no string compare. */
static size_t slot_of(char *const *keys, const uint64_t *hashes, size_t cap,
                      const char *key, uint64_t h)
{
    size_t i = h & (cap - 1);
    while (keys[i] && (hashes[i] != h || strcmp(keys[i], key) != 0)) i = (i + 1) & (cap - 1);
    return i;
}

void *kouan_strmap_get(const kouan_strmap *m, const char *key)
{
    if (!m->cap) return NULL;
    size_t i = slot_of(m->keys, m->hashes, m->cap, key, hash_str(key));
    return m->keys[i] ? m->vals[i] : NULL;
}

static int grow(kouan_strmap *m)
{
    size_t cap = m->cap ? m->cap * 2 : 64;
    char **keys = calloc(cap, sizeof *keys);
    void **vals = calloc(cap, sizeof *vals);
    uint64_t *hashes = calloc(cap, sizeof *hashes);
    if (!keys || !vals || !hashes) { free(keys); free(vals); free(hashes); return KOUAN_ENOMEM; }
    for (size_t i = 0; i < m->cap; i++) {          /* the same slots as by rehashing */
        if (!m->keys[i]) continue;
        size_t j = m->hashes[i] & (cap - 1);
        while (keys[j]) j = (j + 1) & (cap - 1);
        keys[j] = m->keys[i]; vals[j] = m->vals[i]; hashes[j] = m->hashes[i];
    }
    free(m->keys); free(m->vals); free(m->hashes);
    m->keys = keys; m->vals = vals; m->hashes = hashes; m->cap = cap;
    return KOUAN_OK;
}

int kouan_strmap_put(kouan_strmap *m, const char *key, void *val)
{
    if ((m->count + 1) * 4 > m->cap * 3 && grow(m) != KOUAN_OK)
        return KOUAN_ENOMEM;
    uint64_t h = hash_str(key);
    size_t i = slot_of(m->keys, m->hashes, m->cap, key, h);
    if (!m->keys[i]) {
        if (!(m->keys[i] = strdup(key))) return KOUAN_ENOMEM;
        m->hashes[i] = h;
        m->count++;
    }
    m->vals[i] = val;
    return KOUAN_OK;
}

int kouan_strmap_add(kouan_strmap *m, const char *key, void *val)
{
    if ((m->count + 1) * 4 > m->cap * 3 && grow(m) != KOUAN_OK)
        return KOUAN_ENOMEM;
    uint64_t h = hash_str(key);
    size_t i = slot_of(m->keys, m->hashes, m->cap, key, h);
    if (m->keys[i]) return 0;
    if (!(m->keys[i] = strdup(key))) return KOUAN_ENOMEM;
    m->hashes[i] = h;
    m->vals[i] = val;
    m->count++;
    return 1;
}

void kouan_strmap_free(kouan_strmap *m)
{
    for (size_t i = 0; i < m->cap; i++) free(m->keys[i]);
    free(m->keys); free(m->vals); free(m->hashes);
    memset(m, 0, sizeof *m);
}
