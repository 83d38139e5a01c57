/* store.h — the only module that opens, writes and removes from librdf
 * storages.  Everything storage-specific (spec syntax, options, locking,
 * the traps of the hashes storage) lives behind this interface so the
 * storage can be swapped. */
#ifndef KOUAN_STORE_H
#define KOUAN_STORE_H
#include <redland.h>
#include "kouan/kouan.h"
#include "graph/graph.h"

typedef struct kouan_store kouan_store;

/* Opens the store that spec names:
 *   hashes:DIR     Redland "hashes" on Berkeley DB in DIR, contexts on
 *                  (created when missing unless read_only or no_create)
 *   memory:        hashes in memory (tests; gone at exit)
 *   NAME:OPTIONS   any Redland storage; a name='…' option becomes the
 *                  storage name
 * A writer takes an exclusive lock on DIR/kouan.lock; readers a shared one.
 * Returns NULL with err filled (what was expected, which path). */
kouan_store *kouan_store_open(librdf_world *world, const char *spec,
                              int read_only, int no_create, kouan_error *err);
void kouan_store_close(kouan_store *s);

/* The model to query or serialize (borrowed, lives as long as s). */
librdf_model *kouan_store_model(kouan_store *s);

/* Replaces the named graph with n triples.  All nodes are built before the
 * old graph is touched, so a bad triple leaves the store as it was. */
int kouan_store_replace_graph(kouan_store *s, const char *graph,
                              const kouan_triple *t, size_t n, kouan_error *err);

/* Removes the named graph; *removed gets the number of statements
 * (0 and KOUAN_ENOTFOUND when there was no such graph). */
int kouan_store_remove_graph(kouan_store *s, const char *graph,
                             size_t *removed, kouan_error *err);

/* Number of statements (all graphs), counted by streaming: hashes' own
 * librdf_model_size() answers -1. */
long kouan_store_count(kouan_store *s);
#endif
