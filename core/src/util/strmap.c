/* strmap.c — string-keyed hash map; see strmap.h. */
#include "strmap.h"
#include "kouan/plugin.h"
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static uint64_t hash_str(const char *s)
{
    uint64_t h = 1469598103934665603ULL;           /* FNV-1a */
    for (; *s; s++) { h ^= (unsigned char)*s; h *= 1099511628211ULL; }
    return h;
}

static size_t slot_of(char *const *keys, size_t cap, const char *key)
{
    size_t i = hash_str(key) & (cap - 1);
    while (keys[i] && strcmp(keys[i], key) != 0) i = (i + 1) & (cap - 1);
    return i;
}

void *kouan_strmap_get(const kouan_strmap *m, const char *key)
{
    if (!m->cap) return NULL;
    size_t i = slot_of(m->keys, m->cap, key);
    return m->keys[i] ? m->vals[i] : NULL;
}

static int grow(kouan_strmap *m)
{
    size_t cap = m->cap ? m->cap * 2 : 64;
    char **keys = calloc(cap, sizeof *keys);
    void **vals = calloc(cap, sizeof *vals);
    if (!keys || !vals) { free(keys); free(vals); return KOUAN_ENOMEM; }
    for (size_t i = 0; i < m->cap; i++) {
        if (!m->keys[i]) continue;
        size_t j = slot_of(keys, cap, m->keys[i]);
        keys[j] = m->keys[i]; vals[j] = m->vals[i];
    }
    free(m->keys); free(m->vals);
    m->keys = keys; m->vals = vals; m->cap = cap;
    return KOUAN_OK;
}

int kouan_strmap_put(kouan_strmap *m, const char *key, void *val)
{
    if ((m->count + 1) * 4 > m->cap * 3 && grow(m) != KOUAN_OK)
        return KOUAN_ENOMEM;
    size_t i = slot_of(m->keys, m->cap, key);
    if (!m->keys[i]) {
        if (!(m->keys[i] = strdup(key))) return KOUAN_ENOMEM;
        m->count++;
    }
    m->vals[i] = val;
    return KOUAN_OK;
}

int kouan_strmap_add(kouan_strmap *m, const char *key, void *val)
{
    if ((m->count + 1) * 4 > m->cap * 3 && grow(m) != KOUAN_OK)
        return KOUAN_ENOMEM;
    size_t i = slot_of(m->keys, m->cap, key);
    if (m->keys[i]) return 0;
    if (!(m->keys[i] = strdup(key))) return KOUAN_ENOMEM;
    m->vals[i] = val;
    m->count++;
    return 1;
}

void kouan_strmap_free(kouan_strmap *m)
{
    for (size_t i = 0; i < m->cap; i++) free(m->keys[i]);
    free(m->keys); free(m->vals);
    memset(m, 0, sizeof *m);
}
