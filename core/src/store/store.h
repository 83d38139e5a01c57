/* store.h — the only module that opens, writes and removes from librdf
 * storages.  Everything storage-specific (spec syntax, options, locking,
 * the traps of the hashes storage) lives behind this interface so the
 * storage can be swapped. */
#ifndef KOUAN_STORE_H
#define KOUAN_STORE_H
#include <redland.h>
#include <stdint.h>
#include "kouan/kouan.h"
#include "graph/graph.h"

typedef struct kouan_store kouan_store;

/* Opens the store that spec names:
 *   kouan:DIR      kouan's own storage module on LMDB in DIR (the default,
 *                  kouan.store when DIR is empty); readers take no lock, a
 *                  second writer waits for the first (a line on stderr
 *                  after a second says so)
 *   hashes:DIR     Redland "hashes" on Berkeley DB in DIR, contexts on
 *                  (created when missing unless read_only or no_create)
 *   memory:        hashes in memory (tests; gone at exit)
 *   NAME:OPTIONS   any Redland storage; a name='…' option becomes the
 *                  storage name
 * hashes: a writer takes an exclusive lock on DIR/kouan.lock, readers a
 * shared one, and a conflict is an error.
 * Returns NULL with err filled (what was expected, which path). */
kouan_store *kouan_store_open(librdf_world *world, const char *spec,
                              int read_only, int no_create, kouan_error *err);
void kouan_store_close(kouan_store *s);

/* The model to query or serialize (borrowed, lives as long as s). */
librdf_model *kouan_store_model(kouan_store *s);

/* Replaces the named graph with n triples.  All nodes are built before the
 * old graph is touched, so a bad triple leaves the store as it was.  On
 * kouan: one transaction through kouan_lmdb_replace_graph (no Redland
 * nodes; only the graph's changes are written). */
int kouan_store_replace_graph(kouan_store *s, const char *graph,
                              const kouan_triple *t, size_t n, kouan_error *err);

/* kouan_store_replace_graph with the term ids kouan_store_lookup_ids found
 * for t (3 a triple: s, p, o; 0 for a term to look up; ids may be NULL).
 * ids must come from this store. */
int kouan_store_replace_graph_ids(kouan_store *s, const char *graph, const kouan_triple *t,
                                  const uint64_t *ids, size_t n, kouan_error *err);
/* kouan:DIR: *ids (malloc'd, 3 a triple) the ids of t's terms in the
 * store's last commit, 0 for a term it lacks — looked up in a snapshot,
 * safe on another thread while this store's writer works, so that the
 * writer numbers only new terms (kouan_lmdb_lookup_ids; graph, may be
 * NULL: the graph t is for, whose own IRIs a new document's are not
 * searched for).  *cache is the
 * calling thread's (made on first use; kouan_store_idcache_free).  *ids
 * is NULL on other stores, or when memory is short or a read failed: the
 * writer then looks every term up itself. */
typedef struct kouan_store_idcache kouan_store_idcache;
/* kouan:DIR: whether graph `graph` holds (s, p, "literal") in the store's
 * last commit, from a snapshot: safe on another thread while this store's
 * writer works (kouan_lmdb_has_quad).  1 yes, 0 no, -1 unknown (other
 * stores, a read failed). */
int kouan_store_has_literal(kouan_store *s, const char *graph, const char *subject,
                            const char *predicate, const char *literal);
void kouan_store_lookup_ids(kouan_store *s, kouan_store_idcache **cache, const char *graph,
                            const kouan_triple *t, size_t n, uint64_t **ids);
void kouan_store_idcache_free(kouan_store_idcache *cache);

/* Group commit for kouan_store_replace_graph on kouan:DIR (other stores:
 * nothing changes): each graph is still written whole or not at all, but
 * commits — durability, visibility to other processes — come when ms
 * milliseconds have passed since the last or `quads` quads (0: no limit)
 * have been written, and when the store closes or this is called again;
 * ms = 0 commits every graph on its own (the default).  Commits what is
 * due; an error when that commit fails (every graph since the last commit
 * lost, the store as that commit left it). */
int kouan_store_set_group(kouan_store *s, unsigned ms, size_t quads, kouan_error *err);
/* kouan:DIR: whether the writer's process leaves a core idle for the
 * store's helpers (kouan_lmdb_set_spare_core), before set_group; other
 * stores: nothing. */
void kouan_store_set_spare_core(kouan_store *s, int spare);
/* kouan:DIR: merges the backlog of the predicate and object indexes now
 * (kouan_lmdb_merge); *merged: the quads that waited.  Other stores:
 * KOUAN_EINVAL. */
int kouan_store_merge(kouan_store *s, size_t *merged, kouan_error *err);

/* kouan:DIR: the writer's time in this process so far (wall seconds):
 * flushing pending quads into the indexes, committing (writing pages,
 * syncing), merging the backlog; other stores: zeroes. */
typedef struct kouan_store_times {
    double flush, commit, merge, prefault;
    size_t commits, drops, prefault_bytes;
    size_t probe_drops;  /* of drops, after a worker asked whether a file's
                            bytes are stored */
    double fill_flush;   /* a new store flushed once, when its groups ended */
} kouan_store_times;
void kouan_store_write_times(kouan_store *s, kouan_store_times *t);

/* How many graphs written since the last commit wait for the next (0:
 * every graph written is committed; kouan_store_set_group groups only on
 * kouan:DIR, kouan_store_is_lmdb). */
size_t kouan_store_pending_graphs(kouan_store *s);

/* kouan:DIR: drop the map's pages from this process when they exceed
 * `bytes` (0: never; see kouan_lmdb_limit_resident); other stores:
 * nothing. */
void kouan_store_limit_resident(kouan_store *s, size_t bytes);

/* Removes the named graph; *removed gets the number of statements
 * (0 and KOUAN_ENOTFOUND when there was no such graph). */
int kouan_store_remove_graph(kouan_store *s, const char *graph,
                             size_t *removed, kouan_error *err);

/* Number of statements (quads, all graphs): librdf_model_size() for
 * kouan:, counted by streaming for others (hashes' size answers -1). */
long kouan_store_count(kouan_store *s);

/* Fills info (kouan_store_info: kouan.h) (LMDB: from one snapshot; others: by streaming). */
int kouan_store_stats(kouan_store *s, kouan_store_info *info, kouan_error *err);

/* True for a kouan: store; its folder (borrowed, NULL for others). */
int kouan_store_is_lmdb(const kouan_store *s);
const char *kouan_store_dir(const kouan_store *s);

/* Copies every quad of src into dst; *quads gets the number read.  Into a
 * kouan: store this session made (kouan_store_made), in groups committed
 * as they fill (memory bounded; on failure discard dst); into any other,
 * in one transaction when dst has them, rolled back on failure (kouan:). */
int kouan_store_copy(kouan_store *src, kouan_store *dst, size_t *quads,
                     kouan_progress_cb progress, void *user, kouan_error *err);

/* Whether opening s made it: a kouan:DIR with no store there before. */
int kouan_store_made(const kouan_store *s);
/* Closes s; a kouan: store that opening made and that holds no quad when
 * closed (a first extract whose every file failed) is removed, so that a
 * command that wrote nothing leaves nothing behind.  NULL: nothing. */
void kouan_store_close_or_discard(kouan_store *s);

/* Closes s and, when opening it made it (kouan_store_made), removes what
 * it made: the store's files, and the folder when it was made too.  0, or
 * -1 when something could not be removed. */
int kouan_store_discard(kouan_store *s);
#endif
