/* session.h — what a kouan session holds (private to core/src). */
#ifndef KOUAN_SESSION_H
#define KOUAN_SESSION_H
#include <redland.h>
#include "kouan/kouan.h"
#include "graph/resolve.h"
#include "graph/vocab.h"
#include "plugin/loader.h"
#include "store/store.h"
#include "text/normalize.h"
#include "text/segment.h"

struct kouan {
    librdf_world     *world;
    kouan_store      *store;
    kouan_vocab       vocab;
    kouan_resolver    resolver;
    kouan_plugin_set  plugins;
    char             *ontology_dir;
    int               have_vocab, have_resolver;
    /* the text layer, opened on the first document a prose plugin reads */
    kouan_normalizer *normalizer;
    kouan_lexicon    *lexicon;
    int               force;       /* re-extract unchanged files */
};
/* The lexical form of one literal object of (s, p) in the store, copied to
 * out; 0 when found, KOUAN_ENOTFOUND otherwise (query.c). */
int kouan_lookup_literal(kouan *k, const char *s_iri, const char *p_iri,
                         char *out, size_t n);
#endif
