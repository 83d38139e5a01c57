/* lmdb_storage.h — kouan's own Redland storage module ("kouan"), on LMDB.
 *
 * Registered with Redland's factory API, so Rasqal, the parsers, the
 * serializers and every kouan command use it through librdf_model_* like
 * any other storage:
 *
 *   librdf_new_storage(world, "kouan", NULL, "dir='DIR',write='yes'")
 *
 * Options: dir='DIR' (required; the folder must exist), write='no' opens
 * read-only, map-size='BYTES' (default 64 GiB, sparse).  The files are
 * DIR/data.mdb and DIR/lock.mdb.  Design, semantics and numbers: the
 * comment at the top of lmdb_storage.c and README.md ("The store"). */
#ifndef KOUAN_LMDB_STORAGE_H
#define KOUAN_LMDB_STORAGE_H
#include <redland.h>
#include <stddef.h>

#define KOUAN_LMDB_STORAGE_NAME "kouan"

/* Registers the "kouan" storage factory with world (once per world; a
 * second call is a no-op).  Returns 0, or non-zero when Redland refused. */
int kouan_lmdb_register(librdf_world *world);

/* What `kouan store info` prints. */
typedef struct kouan_lmdb_stats {
    size_t quads;        /* statements, each in its graph (= librdf size) */
    size_t triples;      /* distinct (s, p, o) over all graphs */
    size_t graphs;       /* named graphs (the default graph not counted) */
    size_t terms;        /* dictionary entries (never removed) */
    size_t used_bytes;   /* pages in use */
    size_t file_bytes;   /* size of data.mdb on disk */
    size_t map_bytes;    /* the map size */
} kouan_lmdb_stats;

/* Fills st for a storage of this module (from a read snapshot, or the
 * open write transaction).  Returns 0, or -1 when storage is not a "kouan"
 * storage or LMDB failed. */
int kouan_lmdb_stats_get(librdf_storage *storage, kouan_lmdb_stats *st);

/* A triple as strings, for kouan_lmdb_replace_graph: s and p are IRIs; o
 * an IRI, or a literal's value with its language or datatype (a datatype
 * wins over a language, an empty language is none — as Redland's nodes). */
typedef struct kouan_lmdb_triple {
    const char *s, *p, *o;
    int         o_literal;
    const char *lang, *datatype;
} kouan_lmdb_triple;

/* Replaces named graph `graph` of a storage of this module with the n
 * triples t, in one write transaction of its own, committed (durable once
 * this returns 0).  The quads the graph already holds and t states again
 * are left in place; the others are removed, the new ones added — the
 * same result as librdf_model_context_remove_statements and n
 * librdf_model_context_add_statement, without a Redland node per term.
 * A triple stated twice is stored once.  Returns 0; or -1 with the
 * storage unchanged and the reason logged through the world's logger
 * (*bad = the index of a triple that cannot be stored, else n), also when
 * a transaction is already open. */
int kouan_lmdb_replace_graph(librdf_storage *storage, const char *graph,
                             const kouan_lmdb_triple *t, size_t n, size_t *bad);

/* Adds the n triples t to named graph `graph` inside the transaction the
 * caller opened (librdf_model_transaction_start), written at its commit:
 * a bulk load without a Redland node per term.  Returns 0; or -1 with
 * nothing of this call added, the transaction still open (*bad as above),
 * also when no transaction is open. */
int kouan_lmdb_add_triples(librdf_storage *storage, const char *graph,
                           const kouan_lmdb_triple *t, size_t n, size_t *bad);

/* True when storage was made by this module. */
int kouan_lmdb_is_ours(librdf_storage *storage);
#endif
