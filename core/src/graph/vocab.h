/* vocab.h — the vocabulary as ontology/kouan.ttl declares it: which
 * predicate names a plugin may emit and whether they take an entity or a
 * literal. */
#ifndef KOUAN_VOCAB_H
#define KOUAN_VOCAB_H
#include <redland.h>
#include "kouan/kouan.h"
#include "util/strmap.h"

typedef enum kouan_prop_kind {
    KOUAN_PROP_OBJECT = 1,     /* owl:ObjectProperty: object is an entity */
    KOUAN_PROP_DATATYPE = 2    /* owl:DatatypeProperty: object is a literal */
} kouan_prop_kind;

typedef struct kouan_vocab {
    kouan_strmap props;        /* local name → (void*)(intptr_t)kind */
    size_t       n_classes;
} kouan_vocab;

/* Parses dir/kouan.ttl.  Returns 0, or an error naming the file (and the
 * line, for a syntax error). */
int  kouan_vocab_load(kouan_vocab *v, librdf_world *world, const char *dir,
                      kouan_error *err);
void kouan_vocab_free(kouan_vocab *v);

/* KOUAN_PROP_* for a kouan: local name, or 0 when the vocabulary lacks it. */
int  kouan_vocab_prop(const kouan_vocab *v, const char *local);
#endif
