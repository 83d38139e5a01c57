/* learn.c — names documents teach; see learn.h. */
#include "learn.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MIN_PART 6    /* bytes: a place prefix and a port name keep two
                         characters each (CJK is 3 bytes a character) */

static int fail(kouan_error *err, int code, const char *path, size_t line,
                const char *what)
{
    err->code = code;
    snprintf(err->message, sizeof err->message, "%s:%zu: %s", path, line, what);
    return code;
}

static int add_suffixes(kouan_learn_rules *lr, char *list)
{
    size_t k = 0;
    while (lr->place_suffixes && lr->place_suffixes[k]) k++;
    char *save = NULL;
    for (char *s = strtok_r(list, " ", &save); s; s = strtok_r(NULL, " ", &save)) {
        char **v = realloc(lr->place_suffixes, (k + 2) * sizeof *v);
        if (!v) return KOUAN_ENOMEM;
        lr->place_suffixes = v;
        if (!(v[k] = strdup(s))) { v[k] = NULL; return KOUAN_ENOMEM; }
        v[++k] = NULL;
    }
    return KOUAN_OK;
}

int kouan_learn_line(kouan_learn_rules *lr, char **fld, size_t n,
                     int (*class_by_name)(const char *), const char *path,
                     size_t lineno, kouan_error *err)
{
    int rc = KOUAN_OK;
    if (n == 2 && strcmp(fld[0], "official") == 0 && fld[1][0]) {
        free(lr->official);
        if (!(lr->official = strdup(fld[1]))) rc = KOUAN_ENOMEM;
    } else if (n == 3 && strcmp(fld[0], "prefix") == 0 && fld[1][0]) {
        char *save = NULL;
        for (char *c = strtok_r(fld[1], " ", &save); c && !rc;
             c = strtok_r(NULL, " ", &save)) {
            int cls = class_by_name(c);
            if (cls < 0 || cls >= (int)(sizeof lr->place_class / sizeof lr->place_class[0]))
                return fail(err, KOUAN_EINVAL, path, lineno,
                            "prefix: expected class names of kouan.ttl "
                            "(County, Prefecture, OpenBorderCity, …)");
            lr->place_class[cls] = 1;
        }
        if (!rc) rc = add_suffixes(lr, fld[2]);
        lr->prefix = 1;
    } else {
        return fail(err, KOUAN_EINVAL, path, lineno,
                    "expected official<TAB>predicate or "
                    "prefix<TAB>Class Class …<TAB>suffix suffix …");
    }
    return rc == KOUAN_ENOMEM ? fail(err, rc, path, lineno, "out of memory") : rc;
}

void kouan_learn_free(kouan_learn_rules *lr)
{
    free(lr->official);
    for (char **s = lr->place_suffixes; s && *s; s++) free(*s);
    free(lr->place_suffixes);
    memset(lr, 0, sizeof *lr);
}

void kouan_names_init(kouan_names *n) { memset(n, 0, sizeof *n); }

void kouan_names_free(kouan_names *n)
{
    kouan_strmap_free(&n->ports);
    kouan_strmap_free(&n->places);
    for (size_t i = 0; i < n->official.cap; i++) free(n->official.vals[i]);
    kouan_strmap_free(&n->official);
    memset(n, 0, sizeof *n);
}

int kouan_names_add_port(kouan_names *n, const char *label)
{
    return kouan_strmap_add(&n->ports, label, (void *)1) < 0 ? KOUAN_ENOMEM : KOUAN_OK;
}

int kouan_names_add_place(kouan_names *n, const kouan_learn_rules *lr,
                          const char *label)
{
    if (kouan_strmap_add(&n->places, label, (void *)1) < 0) return KOUAN_ENOMEM;
    size_t len = strlen(label);
    for (char **s = lr->place_suffixes; s && *s; s++) {
        size_t sl = strlen(*s);
        if (len >= sl + MIN_PART && memcmp(label + len - sl, *s, sl) == 0) {
            char cut[256];
            if (len - sl >= sizeof cut) continue;
            memcpy(cut, label, len - sl);
            cut[len - sl] = '\0';
            if (kouan_strmap_add(&n->places, cut, (void *)1) < 0) return KOUAN_ENOMEM;
        }
    }
    return KOUAN_OK;
}

int kouan_names_add_official(kouan_names *n, const char *official_label,
                             const char *port_label)
{
    if (strcmp(official_label, port_label) == 0) return KOUAN_OK;
    char *v = kouan_strmap_get(&n->official, official_label);
    /* two ports claiming one official name: the smaller label, so that the
       answer does not depend on which document came first */
    if (v && strcmp(v, port_label) <= 0) return KOUAN_OK;
    char *copy = strdup(port_label);
    if (!copy) return KOUAN_ENOMEM;
    if (kouan_strmap_put(&n->official, official_label, copy) != KOUAN_OK) {
        free(copy);
        return KOUAN_ENOMEM;
    }
    free(v);
    return KOUAN_OK;
}

int kouan_names_merge(kouan_names *dst, const kouan_names *src)
{
    for (size_t i = 0; i < src->ports.cap; i++)
        if (src->ports.keys[i] && kouan_strmap_add(&dst->ports, src->ports.keys[i], (void *)1) < 0)
            return KOUAN_ENOMEM;
    /* places: src holds each label with and without its suffix already */
    for (size_t i = 0; i < src->places.cap; i++)
        if (src->places.keys[i] && kouan_strmap_add(&dst->places, src->places.keys[i], (void *)1) < 0)
            return KOUAN_ENOMEM;
    for (size_t i = 0; i < src->official.cap; i++)
        if (src->official.keys[i] &&
            kouan_names_add_official(dst, src->official.keys[i], src->official.vals[i]))
            return KOUAN_ENOMEM;
    return KOUAN_OK;
}

static int has(const kouan_names *const *layers, size_t n, size_t which,
               const char *key)
{
    for (size_t i = 0; i < n; i++) {
        if (!layers[i]) continue;
        const kouan_strmap *m = which == 0 ? &layers[i]->ports : &layers[i]->places;
        if (kouan_strmap_get(m, key)) return 1;
    }
    return 0;
}

/* The smallest port label any layer gives the official name label. */
static const char *official_of(const kouan_names *const *layers, size_t n,
                               const char *label)
{
    const char *best = NULL;
    for (size_t i = 0; i < n; i++) {
        if (!layers[i]) continue;
        const char *v = kouan_strmap_get(&layers[i]->official, label);
        if (v && (!best || strcmp(v, best) < 0)) best = v;
    }
    return best;
}

/* label written as <known place><known port>: the port, the longest one
 * when several splits work.  NULL when none does. */
static const char *unprefixed(const kouan_learn_rules *lr,
                              const kouan_names *const *layers, size_t n,
                              const char *label, char *buf, size_t size)
{
    if (!lr->prefix) return NULL;
    size_t len = strlen(label);
    if (len >= size) return NULL;
    for (size_t cut = MIN_PART; cut + MIN_PART <= len; cut++) {
        if (((unsigned char)label[cut] & 0xC0) == 0x80) continue;  /* mid-character */
        memcpy(buf, label, cut);
        buf[cut] = '\0';
        if (!has(layers, n, 1, buf)) continue;
        if (has(layers, n, 0, label + cut)) {
            memmove(buf, label + cut, len - cut + 1);
            return buf;
        }
    }
    return NULL;
}

const char *kouan_names_alias(const kouan_learn_rules *lr,
                              const kouan_names *const *layers, size_t n,
                              const char *label, char *out, size_t size,
                              const char **why)
{
    *why = NULL;
    char buf[256];
    const char *to = official_of(layers, n, label);
    if (to) *why = "officialName";
    else if ((to = unprefixed(lr, layers, n, label, buf, sizeof buf))) {
        *why = "prefix";
        const char *o = official_of(layers, n, to);   /* 凭祥X, X officially Y */
        if (o) to = o;
    } else {
        to = label;
    }
    if (size) {                         /* snprintf "%s", without printf */
        size_t l = strlen(to);
        if (l >= size) l = size - 1;
        memmove(out, to, l);
        out[l] = '\0';
    }
    return out;
}
