/* lmdb_storage.h — kouan's own Redland storage module ("kouan"), on LMDB.
 *
 * Registered with Redland's factory API, so Rasqal, the parsers, the
 * serializers and every kouan command use it through librdf_model_* like
 * any other storage:
 *
 *   librdf_new_storage(world, "kouan", NULL, "dir='DIR',write='yes'")
 *
 * Options: dir='DIR' (required; the folder must exist), write='no' opens
 * read-only, map-size='BYTES' (default 64 GiB, sparse), unindexed='IRI …'
 * (a new store's predicates, at most 8, whose literal objects are indexed
 * by subject and graph only), unlinked='IRI …' (a new store's predicates,
 * at most 8, whose quads OSPC leaves out: a pattern with only the object
 * bound reads them from POSC); later opens read the store's own sets.  The
 * files are DIR/data.mdb and DIR/lock.mdb.  Design, semantics and numbers: the
 * comment at the top of lmdb_storage.c and README.md ("The store"). */
#ifndef KOUAN_LMDB_STORAGE_H
#define KOUAN_LMDB_STORAGE_H
#include <redland.h>
#include <stddef.h>
#include <stdint.h>

#define KOUAN_LMDB_STORAGE_NAME "kouan"

/* Registers the "kouan" storage factory with world (once per world; a
 * second call is a no-op).  Returns 0, or non-zero when Redland refused. */
int kouan_lmdb_register(librdf_world *world);

/* The file in a store's folder that says its first batch is not yet
 * flushed to disk (lmdb_storage.c, "a new store's first fill"). */
#define KOUAN_LMDB_FILL_MARK "unflushed"

/* What `kouan store info` prints. */
typedef struct kouan_lmdb_stats {
    size_t quads;        /* statements, each in its graph (= librdf size) */
    size_t triples;      /* distinct (s, p, o) over all graphs */
    size_t graphs;       /* named graphs (the default graph not counted) */
    size_t terms;        /* dictionary entries (never removed) */
    size_t used_bytes;   /* pages in use */
    size_t file_bytes;   /* size of data.mdb on disk */
    size_t map_bytes;    /* the map size */
    int    format;       /* 5; 4 (until 2026-12-05: every quad in OSPC);
                            3 (before 2026-12-04: plain literals keyed by
                            their bytes in `ids`); 2 (before 2026-12-03:
                            every quad indexed by value); 1: a format-1
                            store opened read-only (it is upgraded to 2
                            when next opened for writing) */
    int    unindexed;    /* predicates whose literal objects are in SPOC and
                            CSPO only (unindexed='…'; formats 3-5) */
    int    unlinked;     /* predicates whose quads are not in OSPC
                            (unlinked='…'; format 5) */
    char   upgraded[128];/* "from format 1 at TIME, N terms", or "" */
    size_t backlog;      /* quads written by a group commit whose POSC and
                            OSPC entries wait in the backlog (merged when
                            the group ends or by the next writer); 0 */
    size_t backlog_terms;/* plain literals whose `ids` entries wait in the
                            backlog of `ids` (format 4), likewise; 0 */
    long   filling;      /* the pid of the writer of a new store's first
                            batch, not yet flushed to disk (its marker
                            DIR/unflushed: "a new store's first fill"); 0 */
    int    filling_gone; /* … and that writer is no longer running (killed:
                            the next writer flushes the store) */
} kouan_lmdb_stats;

/* Where the writer's time went in this process, since the store was first
 * opened in it (all storages on the folder share these; wall seconds):
 * for `kouan extract --timings`. */
typedef struct kouan_lmdb_times {
    double flush;    /* sorting pending quads and putting them into the
                        indexes (SPOC, CSPO; POSC and OSPC or the backlog's
                        runs) before a commit or a read */
    double commit;   /* mdb_txn_commit: writing the dirty pages, syncing */
    size_t commits;
    double merge;    /* merging the backlog into POSC and OSPC */
    size_t prefault_bytes; /* the file's tail put in the page cache ahead of
                        the writer, by a helper thread ("the file's tail") */
    double prefault; /* the helper's seconds doing so */
    size_t drops;    /* the map's pages dropped from the process
                        (kouan_lmdb_limit_resident), by any thread */
    size_t probe_drops; /* of them, after a kouan_lmdb_has_quad (the
                        workers' "is this file stored?") */
    double fill_flush; /* flushing a new store filled without a flush per
                        commit, when its groups ended ("a new store's
                        first fill") */
} kouan_lmdb_times;

/* Fills t (zeroes when storage is not ours: -1). */
int kouan_lmdb_times_get(librdf_storage *storage, kouan_lmdb_times *t);

/* Merges the backlog now (lmdb_storage.c, "the backlog"), committing the
 * storage's implicit transaction first; *merged (may be NULL): the quads
 * that waited.  0 (also when none waited), or -1 when storage is not
 * ours, is read-only, is inside an explicit transaction, or LMDB failed
 * (logged). */
int kouan_lmdb_merge(librdf_storage *storage, size_t *merged);

/* Fills st for a storage of this module (from a read snapshot, or the
 * open write transaction).  Returns 0, or -1 when storage is not a "kouan"
 * storage or LMDB failed. */
int kouan_lmdb_stats_get(librdf_storage *storage, kouan_lmdb_stats *st);

/* An estimate of how many quads match the pattern (s p o), NULL parts
 * unbound, in graph ctx (NULL: any graph), for ordering a query's triple
 * patterns (core/src/query/source.c): with one term bound it is exact (the
 * key's duplicate count in its index, one seek); with two or more it counts
 * the range up to cap, and past cap gives the first key's count (an upper
 * bound); with none it is the number of quads.  A triple held
 * by several graphs counts once per graph, so it can exceed what the merged
 * default graph answers.  0 when a bound term is not in the store.  Returns
 * SIZE_MAX when storage is not a "kouan" storage or LMDB failed. */
size_t kouan_lmdb_estimate(librdf_storage *storage, librdf_node *s, librdf_node *p,
                           librdf_node *o, librdf_node *ctx, size_t cap);

/* ---- reads by term id, for kouan's Rasqal triples source (source.c):
 * the matches find_statements gives, without Redland streams, statements
 * or nodes per row.  Ids are valid for the storage's life. */

/* The id of node: 0 with *id set; 1 when the term is not in the store (so
 * nothing matches it); -1 when storage is not ours or LMDB failed. */
int kouan_lmdb_node_id(librdf_storage *storage, librdf_node *node, uint64_t *id);

/* A match of the quad pattern q (s p o c; 0 unbound): with_c, the quads of
 * graph q[3] (0: the default graph); else the merged default graph, each
 * triple once with the first graph holding it (0: the default graph), as
 * librdf_model_find_statements answers; with_c = 2: every quad of every
 * graph matching q[0..2].  NULL when storage is not ours or
 * LMDB failed.  Holds a reference on the storage until closed. */
typedef struct kouan_lmdb_match kouan_lmdb_match;
kouan_lmdb_match *kouan_lmdb_match_open(librdf_storage *storage, const uint64_t q[4], int with_c);
/* The next quad into quad[4]: 1, or 0 at the end. */
int kouan_lmdb_match_next(kouan_lmdb_match *m, uint64_t quad[4]);
void kouan_lmdb_match_close(kouan_lmdb_match *m);

/* Which read snapshot reads see now, for caching answers across lookups:
 * the same non-zero value means the same data.  0 inside a write
 * transaction (its data changes with each write) or when no read is open
 * (the next read may start a newer snapshot). */
unsigned kouan_lmdb_snapshot(librdf_storage *storage);

/* A stored term: kind 'U' (IRI: value), 'B' (blank id: value) or 'L'
 * (literal: value, lang and datatype IRI, each lang_len / dt_len 0 when
 * absent).  Not NUL-terminated; valid only during the callback. */
typedef struct kouan_lmdb_term {
    char kind;
    const unsigned char *value, *datatype;
    const char *lang;
    size_t len, lang_len, dt_len;
} kouan_lmdb_term;
/* Calls fn with the term of id and returns what it returns; NULL (without
 * calling fn) when id is unknown, storage is not ours or LMDB failed. */
void *kouan_lmdb_term_with(librdf_storage *storage, uint64_t id,
                           void *(*fn)(void *ud, const kouan_lmdb_term *t), void *ud);

/* A triple as strings, for kouan_lmdb_replace_graph: s and p are IRIs; o
 * an IRI, or a literal's value with its language or datatype (a datatype
 * wins over a language, an empty language is none — as Redland's nodes). */
typedef struct kouan_lmdb_triple {
    const char *s, *p, *o;
    int         o_literal;
    const char *lang, *datatype;
} kouan_lmdb_triple;

/* Term ids looked up off the writer's thread.  A store's terms are never
 * removed and an id a commit gave is never given again, so the ids a read
 * snapshot shows stay true for every later transaction: kouan extract's
 * workers look up their document's terms (kouan_lmdb_lookup_ids), and the
 * writer, the bottleneck, numbers only the terms the snapshot lacked.
 * A cache (one per calling thread, never shared) keeps the ids found for
 * the next documents, which name mostly the same ports, classes and
 * predicates. */
typedef struct kouan_lmdb_idcache kouan_lmdb_idcache;
kouan_lmdb_idcache *kouan_lmdb_idcache_new(void);          /* NULL: no memory */
void kouan_lmdb_idcache_free(kouan_lmdb_idcache *c);
/* Sets ids[3i..3i+2] to the ids of t[i]'s s, p and o in the store's last
 * commit (0 for a term it lacks), in a read snapshot of its own.  Safe
 * from any thread while the storage writes; c (may be NULL) must be this
 * thread's and used on one storage only.  Never logs.  0; -1 when storage
 * is not a writable store of this module or a read failed (ids then all
 * 0: the writer looks them up).  graph (may be NULL): the graph t is
 * for; when the snapshot lacks its IRI the document was never stored,
 * and the IRIs it mints (graph + "#…": its facts' evidence nodes) are
 * given 0 without a search. */
int kouan_lmdb_lookup_ids(librdf_storage *storage, kouan_lmdb_idcache *c, const char *graph,
                          const kouan_lmdb_triple *t, size_t n, uint64_t *ids);

/* Whether graph `graph` holds triple t in the store's last commit, read in
 * a snapshot of its own: safe from any thread while the storage writes
 * (kouan extract's workers ask whether the store holds a document's bytes
 * already, so that they skip it instead of extracting it for nothing).
 * 1 yes, 0 no, -1 when storage is not a store of this module (format 2 or
 * 3) or a read failed.  Never logs. */
int kouan_lmdb_has_quad(librdf_storage *storage, const kouan_lmdb_triple *t,
                        const char *graph);

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
/* kouan_lmdb_replace_graph with ids (3 a triple, may be NULL) as
 * kouan_lmdb_lookup_ids gave them on this storage: a term with an id is
 * not looked up, and its string may be NULL. */
int kouan_lmdb_replace_graph_ids(librdf_storage *storage, const char *graph,
                                 const kouan_lmdb_triple *t, const uint64_t *ids, size_t n,
                                 size_t *bad);

/* Group commit for kouan_lmdb_replace_graph.  With ms > 0, each replaced
 * graph is still written whole or not at all (a transaction nested in the
 * storage's implicit write transaction), but the implicit transaction is
 * committed — made durable and visible to other processes — only when it
 * has been open ms milliseconds or holds `quads` quads (0: no limit), at
 * librdf_model_sync, at close, or when ms is set again.  A commit that
 * fails then loses every graph of the group (logged, naming how many); a
 * crash loses at most the last ms of them; the store is always a state
 * some commit left.  ms = 0 (the default): each replace commits.  Commits
 * what is due first.  A group's POSC and OSPC entries wait in a backlog
 * (lmdb_storage.c, "the backlog": reads stay complete, through SPOC and
 * CSPO); setting ms = 0 after a group merges it, as does the next write
 * that is not an add.  Statements added through librdf outside a
 * transaction (librdf_model_context_add_statement) are grouped the same
 * way: they wait, and commit when the group holds `quads` of them.
 * Returns 0, or -1 when storage is not ours or that commit or merge
 * failed (logged). */
int kouan_lmdb_set_group(librdf_storage *storage, unsigned ms, size_t quads);

/* Whether the writer's process leaves a core idle for the helper that
 * caches the store file's tail ahead of a group writer (the default: 1).
 * With 0 the helper caches nothing, and only sends a new store's commits
 * to the disk.  Takes effect when groups are next set on.  Returns 0, or
 * -1 when storage is not ours. */
int kouan_lmdb_set_spare_core(librdf_storage *storage, int spare);

/* How many graphs replace_graph wrote since the last commit (0: all of them
 * are committed). */
size_t kouan_lmdb_group_pending(librdf_storage *storage);

/* Bounds the memory the map's pages take in this process: every few dozen
 * reads and puts, when the map's resident pages exceed `bytes` (the
 * process' file-backed pages less those that are not the map's, measured
 * with the map dropped: libraries, the lexicon), the map's are dropped from
 * it (the kernel's page cache keeps them; the next read maps them again).  For long writers (kouan extract over a large
 * corpus), whose reads of a large store would otherwise keep every page
 * they touched mapped.  0: no limit (the default).  Tests set a limit of
 * their own with KOUAN_LMDB_RESIDENT_KB (a limit set is replaced by it), so
 * that a small store goes over it.  Returns 0, or -1 when storage is not
 * ours. */
int kouan_lmdb_limit_resident(librdf_storage *storage, size_t bytes);

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
