/* loader.h — finding plugin files on the path, checking their ABI and
 * keeping them loaded for a session. */
#ifndef KOUAN_LOADER_H
#define KOUAN_LOADER_H
#include "kouan/kouan.h"

typedef struct kouan_loaded_plugin {
    const kouan_plugin *desc;    /* inside the loaded object */
    void               *handle;  /* dlopen handle */
    void               *state;   /* from init() */
    kouan_plugin_info   info;    /* strings borrowed from desc / file */
    char               *file;    /* owned */
} kouan_loaded_plugin;

typedef struct kouan_plugin_set {
    kouan_loaded_plugin *v;
    size_t               n;
} kouan_plugin_set;

/* The path to search: explicit, else $KOUAN_PLUGIN_PATH, else the build's
 * plugin folder ("-" asks for the build's folder itself).  Borrowed (static
 * or from the environment). */
const char *kouan_plugin_default_path(const char *explicit_path);

/* Loads every *.so on path (sorted by file name within a folder, folders in
 * order; a name loaded once is not loaded again), checks its ABI and calls
 * init.  Fails on the first refused plugin, naming the file and why. */
int  kouan_plugins_load(kouan_plugin_set *set, const char *path,
                        const kouan_config *cfg, kouan_error *err);
void kouan_plugins_unload(kouan_plugin_set *set);
#endif
