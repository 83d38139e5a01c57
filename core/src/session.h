/* session.h — what a kouan session holds (private to core/src). */
#ifndef KOUAN_SESSION_H
#define KOUAN_SESSION_H
#include <redland.h>
#include "kouan/kouan.h"
#include "graph/resolve.h"
#include "graph/vocab.h"
#include "plugin/loader.h"
#include "store/store.h"

struct kouan {
    librdf_world     *world;
    kouan_store      *store;
    kouan_vocab       vocab;
    kouan_resolver    resolver;
    kouan_plugin_set  plugins;
    char             *ontology_dir;
    int               have_vocab, have_resolver;
};
#endif
