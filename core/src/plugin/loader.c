/* loader.c — dlopen, ABI check and init of extractor plugins; see loader.h.
 * A plugin is refused when built for another ABI major, or for a newer
 * minor than this core (it may read fields this core does not fill). */
#include "loader.h"
#include <dirent.h>
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef KOUAN_PLUGIN_BUILD_DIR
#define KOUAN_PLUGIN_BUILD_DIR "plugins"
#endif

const char *kouan_plugin_default_path(const char *explicit_path)
{
    if (explicit_path && strcmp(explicit_path, "-") == 0) return KOUAN_PLUGIN_BUILD_DIR;
    if (explicit_path && *explicit_path) return explicit_path;
    const char *env = getenv("KOUAN_PLUGIN_PATH");
    if (env && *env) return env;
    return KOUAN_PLUGIN_BUILD_DIR;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Calls visit for each *.so of each folder on path, in order. */
typedef int (*visit_fn)(const char *file, void *user, kouan_error *err);

static int walk_path(const char *path, visit_fn visit, void *user, kouan_error *err)
{
    char *copy = strdup(path);
    if (!copy) { err->code = KOUAN_ENOMEM; snprintf(err->message, sizeof err->message, "out of memory"); return KOUAN_ENOMEM; }
    int rc = KOUAN_OK;
    char *save = NULL;
    for (char *dir = strtok_r(copy, ":", &save); dir && rc == KOUAN_OK;
         dir = strtok_r(NULL, ":", &save)) {
        DIR *d = opendir(dir);
        if (!d) continue;    /* a missing folder on a search path is not an error */
        char **names = NULL;
        size_t n = 0, cap = 0;
        struct dirent *e;
        while ((e = readdir(d))) {
            size_t l = strlen(e->d_name);
            if (l < 4 || strcmp(e->d_name + l - 3, ".so") != 0) continue;
            if (n == cap) {
                cap = cap ? cap * 2 : 16;
                char **nn = realloc(names, cap * sizeof *nn);
                if (!nn) break;
                names = nn;
            }
            if (!(names[n] = malloc(strlen(dir) + l + 2))) break;
            sprintf(names[n++], "%s/%s", dir, e->d_name);
        }
        closedir(d);
        if (n) qsort(names, n, sizeof *names, cmp_str);
        for (size_t i = 0; i < n; i++) {
            if (rc == KOUAN_OK) rc = visit(names[i], user, err);
            free(names[i]);
        }
        free(names);
    }
    free(copy);
    return rc;
}

/* dlopen file and check its descriptor; on success *handle and *desc are set. */
static int open_plugin(const char *file, void **handle, const kouan_plugin **desc,
                       kouan_error *err)
{
    *handle = dlopen(file, RTLD_NOW | RTLD_LOCAL);
    if (!*handle) {
        err->code = KOUAN_EPLUGIN;
        snprintf(err->message, sizeof err->message, "plugin %s: cannot load: %s",
                 file, dlerror());
        return err->code;
    }
    *desc = dlsym(*handle, KOUAN_PLUGIN_SYMBOL);
    const kouan_plugin *d = *desc;
    const char *why = NULL;
    char buf[400];
    if (!d) {
        why = "exports no " KOUAN_PLUGIN_SYMBOL " (define it with KOUAN_PLUGIN_DEFINE)";
    } else if (d->abi_major != KOUAN_PLUGIN_ABI_MAJOR || d->abi_minor > KOUAN_PLUGIN_ABI_MINOR) {
        snprintf(buf, sizeof buf, "built for plugin ABI %u.%u, but this kouan "
                 "supports ABI %u.%u (same major, minor at most %u): rebuild "
                 "the plugin against this kouan's plugin.h",
                 d->abi_major, d->abi_minor, KOUAN_PLUGIN_ABI_MAJOR,
                 KOUAN_PLUGIN_ABI_MINOR, KOUAN_PLUGIN_ABI_MINOR);
        why = buf;
    } else if (!d->name || !*d->name || !d->version || !d->process) {
        why = "its descriptor lacks a name, version or process callback";
    } else if (d->stage != KOUAN_STAGE_STRUCTURE && d->stage != KOUAN_STAGE_PROSE) {
        why = "its descriptor has an unknown stage";
    }
    if (why) {
        err->code = KOUAN_EPLUGIN;
        snprintf(err->message, sizeof err->message, "plugin %s refused: %s", file, why);
        dlclose(*handle);
        *handle = NULL;
        return err->code;
    }
    return KOUAN_OK;
}

typedef struct load_ctx {
    kouan_plugin_set   *set;
    const kouan_config *cfg;
} load_ctx;

static int load_one(const char *file, void *user, kouan_error *err)
{
    load_ctx *lc = user;
    void *h;
    const kouan_plugin *d;
    int rc = open_plugin(file, &h, &d, err);
    if (rc) return rc;
    for (size_t i = 0; i < lc->set->n; i++)
        if (strcmp(lc->set->v[i].desc->name, d->name) == 0) {   /* shadowed */
            dlclose(h);
            return KOUAN_OK;
        }
    kouan_loaded_plugin *nv = realloc(lc->set->v, (lc->set->n + 1) * sizeof *nv);
    char *fc = strdup(file);
    if (!nv || !fc) {
        if (nv) lc->set->v = nv;
        free(fc);
        dlclose(h);
        err->code = KOUAN_ENOMEM;
        snprintf(err->message, sizeof err->message, "out of memory");
        return err->code;
    }
    lc->set->v = nv;
    kouan_loaded_plugin *p = &nv[lc->set->n];
    memset(p, 0, sizeof *p);
    p->desc = d; p->handle = h; p->file = fc;
    p->info = (kouan_plugin_info){ d->name, d->version,
        d->description ? d->description : "", d->license ? d->license : "",
        fc, d->abi_major, d->abi_minor, d->stage };
    if (d->init) {
        /* the config carries the error sink; messages land in err */
        kouan_config cfg = *lc->cfg;
        cfg.core = err;
        err->message[0] = '\0';
        rc = d->init(&cfg, &p->state);
        if (rc) {
            char inner[800];
            snprintf(inner, sizeof inner, "%s", err->message[0] ? err->message
                     : "init failed without a message");
            err->code = KOUAN_EPLUGIN;
            snprintf(err->message, sizeof err->message, "plugin %s (%s): %s",
                     d->name, file, inner);
            free(fc);
            dlclose(h);
            return err->code;
        }
    }
    lc->set->n++;
    return KOUAN_OK;
}

int kouan_plugins_load(kouan_plugin_set *set, const char *path,
                       const kouan_config *cfg, kouan_error *err)
{
    memset(set, 0, sizeof *set);
    load_ctx lc = { set, cfg };
    int rc = walk_path(path, load_one, &lc, err);
    if (rc) kouan_plugins_unload(set);
    return rc;
}

void kouan_plugins_unload(kouan_plugin_set *set)
{
    for (size_t i = 0; i < set->n; i++) {
        kouan_loaded_plugin *p = &set->v[i];
        if (p->desc->fini) p->desc->fini(p->state);
        dlclose(p->handle);
        free(p->file);
    }
    free(set->v);
    memset(set, 0, sizeof *set);
}

/* ---- scanning for `kouan plugins` ------------------------------------------------ */

typedef struct scan_ctx {
    kouan_plugin_scan_cb cb;
    void *user;
    int refused;
} scan_ctx;

static int scan_one(const char *file, void *user, kouan_error *err)
{
    scan_ctx *sc = user;
    void *h;
    const kouan_plugin *d;
    kouan_error e = {0};
    if (open_plugin(file, &h, &d, &e) != KOUAN_OK) {
        sc->refused++;
        sc->cb(NULL, file, e.message, sc->user);
        return KOUAN_OK;
    }
    kouan_plugin_info info = { d->name, d->version, d->description ? d->description : "",
        d->license ? d->license : "", file, d->abi_major, d->abi_minor, d->stage };
    sc->cb(&info, file, NULL, sc->user);
    dlclose(h);
    return KOUAN_OK;
}

int kouan_plugin_scan(const char *path, kouan_plugin_scan_cb cb, void *user)
{
    scan_ctx sc = { cb, user, 0 };
    kouan_error err = {0};
    walk_path(kouan_plugin_default_path(path), scan_one, &sc, &err);
    return sc.refused;
}
