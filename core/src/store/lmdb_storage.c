/* lmdb_storage.c — kouan's Redland storage module on LMDB: a term
 * dictionary and four quad indexes, one write transaction per document,
 * readers on MVCC snapshots.  See lmdb_storage.h for the options.
 *
 * Layout (one LMDB environment, six named databases; format 5):
 *   terms   id (8 bytes, big-endian) → the term: 'U' IRI | 'B' blank id |
 *           'L' u8 langlen, lang, u16 dtlen, datatype IRI, value.
 *           A new term's id is the next of a counter (meta "next-id"; 0 is
 *           reserved for "no context"), so the terms one document brings
 *           (its evidence nodes, new subjects and literals) are numbered
 *           together, above every older id: they are appended to `terms`
 *           (MDB_APPEND), their quads come after every stored key in SPOC,
 *           OSPC and CSPO and after a key's stored values (a new evidence
 *           node under an old object in OSPC, at the end of a (p, o) group
 *           in POSC): a commit copies and writes half the pages it did
 *           with hashed ids (9.4 MB instead of 19.4 a document into a 3 MB
 *           corpus' store, 16.9 instead of 33.8 into a 10 MB one; what is
 *           left is mostly the old objects a document names, each a key on
 *           its own page of OSPC and POSC: bench/scale/README.md).
 *   ids     the term bytes → id (8 bytes): a term is looked up by its bytes.
 *           A term longer than a key (LMDB: 511 bytes), and a plain literal
 *           (no language, no datatype: the sentences and rows kouan quotes
 *           as evidence), is under 0xFF and a 64-bit hash of its bytes
 *           instead, the id checked against `terms`, the next hash value
 *           taken on a collision (ids_hashed).  Other terms are keyed by
 *           their bytes rather than by a hash: the IRIs a document mints
 *           share a prefix (…/doc/NAME#f1, #f2 …), so they land on a few
 *           adjacent pages where a hash would scatter each on its own page
 *           (the writes per commit format 2 removed); a lookup is one
 *           B-tree search either way.  Quotes share no prefix, so keyed by
 *           their bytes they scattered anyway; hashed, a group's new ones
 *           wait in the backlog of `ids` and reach it in key order (below).
 *           It costs ~13 bytes a quad on disk (bench/store).
 *   spoc posc ospc cspo   MDB_DUPSORT|MDB_DUPFIXED: the key is the first id
 *           of the order, the value the other three (24 bytes).  Fixed-size
 *           duplicates are packed without per-entry headers (that is what
 *           keeps a quad at ~155 bytes on disk with four indexes and `ids`
 *           after a bulk load), and MDB_NODUPDATA makes "add" report an
 *           existing quad.
 *   meta    "format" → "kouan-lmdb 5" (+ " +backlog" while a backlog
 *           waits, below); "next-id" → the counter; "unindexed" → the ids
 *           of the unindexed predicates (8 bytes each, below); "unlinked"
 *           → those of the unlinked predicates (likewise); after an
 *           upgrade "upgraded" → "from format 1 at TIME, N terms"; the
 *           backlog's runs and progress ("backlog", 'R' i n, 'D' i n,
 *           "backlog-removed": see "the backlog" below; "id-runs" → how
 *           many runs of `ids` were ever written, 8 bytes).
 *
 * Format 4 ("kouan-lmdb 4", until 2026-12-05): no unlinked predicates —
 * every quad in OSPC; read and written as it is (its set is empty).  A
 * kouan from before format 5 (2026-12-05) refuses a format-5 store.
 *
 * Format 3 ("kouan-lmdb 3", before 2026-12-04): plain literals keyed by
 * their bytes in `ids`, so no backlog of `ids`; read and written as it is
 * (ids_hashed keeps its keys).  A kouan before 2026-12-04 refuses format 4.
 *
 * Unindexed objects (formats 3 and 4).  A new store is given a set of predicates
 * (option unindexed='IRI IRI …', at most 8; kouan's store.c names the
 * evidence positions kouan:evidenceStart, kouan:evidenceEnd, kouan:line
 * and, since 2026-12-05, the sentence kouan:quote)
 * whose quads with a literal object are written to SPOC and CSPO only,
 * not to POSC and OSPC.  Those objects are integers thousands of facts
 * share: under POSC's (p, o) order and OSPC's key each is a place of its
 * own among old entries, so every document's commit copied and wrote a
 * page per offset (a quarter of the writer's time, a fifth of the file
 * on the 10 MB corpus: bench/scale/README.md); a quote is a literal of
 * its own per sentence, which only made the backlog longer.  Reads stay complete: a
 * pattern that POSC or OSPC would answer and that such a quad can match —
 * p unindexed with o unbound or a literal, or p unbound with o a literal
 * (misses_unindexed: one `terms` read says whether o is one) — is read
 * from SPOC instead (from s's key when s is bound, else all of it) or from
 * the graph's CSPO run; kouan_lmdb_estimate says a scan costs every quad.
 * The set is fixed when the store is made and read from `meta` on open.
 *
 * Unlinked predicates (format 5).  A new store is also given predicates
 * (option unlinked='IRI …', at most 8; store.c names rdf:type and the
 * statement node's rdf:subject, rdf:predicate, rdf:object,
 * prov:wasDerivedFrom, kouan:plugin and kouan:rule) whose quads go into
 * SPOC, POSC and CSPO but not OSPC.  They are 43 % of the quads that the
 * end of a batch merges into POSC and OSPC, the one phase of `extract -j 2`
 * that runs on one core (bench/scale/README.md, nineteenth session), and
 * a query reaches them from their subject or their predicate.  Reads stay
 * complete: a pattern that would read OSPC's range of o (p unbound: (?s ?p o),
 * (s ?p o), with or without a graph) reads it and then, for each unlinked
 * predicate p', POSC's (p', o[, s]) range — a union of ranges, each
 * distinct from the others by its predicate (scan_next_range); estimates
 * count the same ranges (link_count).  The flag U_UNLINKED marks such a
 * quad (quad_flags); an unindexed quad (a literal object of an unindexed
 * predicate) is in neither POSC nor OSPC whatever its predicate.
 * Format 2 ("kouan-lmdb 2"): the same without the set — every quad in all
 * four indexes; read and written as it is (its set is empty).
 * The counter is read from `meta` in each write transaction (another
 * process may have written since) and written back before its commit, so
 * an abort, a failed commit or a kill -9 reverts it with the terms it
 * numbered (in memory: kenv.next_loaded, voided when a write transaction
 * ends; the term caches by kenv.agen).
 *
 * Format 1 ("kouan-lmdb 1", before 2026-12-02): no `ids` and no counter;
 * a term's id was a 64-bit hash of its bytes, the next free id on a
 * collision, so one document's quads landed on pages all over each index
 * (~13.6 MB written per commit into a 120 MB store).  Opened read-only, a
 * format-1 store is read as it is (term_id_v1 hashes and probes); opened
 * for writing, it is upgraded in place to format 2 in the transaction that
 * opens it (upgrade_v1: `ids` built from `terms`, every old id kept, so no quad is
 * rewritten; the counter starts past the largest old id — hash ids spread
 * over 2^64 leave ~2^64 / terms above it — or at 1 when that is within
 * 2^32 of the top, stepping over the old ids it meets), all or nothing.
 * `kouan store info` says the format and when it was upgraded.  A reader
 * that opened the store as format 1 before another process upgraded it
 * does not find the terms added after the upgrade until it reopens.
 *
 * Every triple pattern is a prefix range of one index: s, sp, spo → SPOC;
 * p, po → POSC; o, os → OSPC (format 5: and the unlinked predicates'
 * POSC ranges); nothing bound → SPOC.  With a context, CSPO
 * answers c, cs, csp, cspo; other shapes take the triple index's range and
 * keep the context's quads (or CSPO filtered, when mdb_cursor_count says the
 * graph is the smaller range).  A fully bound quad is one seek.  A shape
 * that can match an unindexed quad reads SPOC or CSPO instead (above).
 *
 * Semantics (Redland leaves them open; hashes differs):
 *   - find_statements (the merged default graph) returns each triple ONCE,
 *     however many graphs hold it: the context is last in SPOC/POSC/OSPC,
 *     so copies are adjacent and skipped.  Its stream's context is the first
 *     graph holding the triple.  (A Rasqal `GRAPH ?g` does not use this
 *     view: librdf names every graph, and Rasqal reads each in turn.)
 *   - serialise (librdf_model_as_stream) returns every quad with its graph.
 *   - size is the exact number of quads (mdb_stat, O(1)).
 *   - add/remove without a context act on the default graph (context id 0).
 *   - Writes outside librdf_model_transaction_start() collect in an implicit
 *     write transaction committed by librdf_model_sync() or close.
 *   - Inside an explicit transaction, adds wait in kenv.pend and a whole
 *     graph's removal (context_remove_statements) in kenv.drop until the
 *     next flush (a read, a single remove, the commit): the removal is
 *     then merged with the adds after it, so a graph replaced by nearly
 *     the same quads (a document extracted again) costs its changes
 *     (drop_merge).  kouan_lmdb_replace_graph does that from strings, in
 *     a transaction of its own: the writer of `kouan extract` (store.c).
 *   - Group commit (kouan_lmdb_set_group, kouan extract's writer):
 *     replace_graph of a graph the store does not name writes its terms in
 *     a transaction nested in the implicit one and leaves its quads in
 *     kenv.pend; the implicit transaction is committed when due (time, a
 *     quad count that shrinks when a commit writes more than GROUP_DIRTY),
 *     so one flush serves many graphs.  Reads look terms up before
 *     writing pend (rd_begin_lazy): the writer's per-document lookups of
 *     a new graph leave the group pending.  Statements added one by one
 *     (librdf add) in a group wait in pend too and commit when the group
 *     holds its quads (kouan_store_copy into a new store).  kouan_lmdb_limit_resident
 *     keeps a long writer's mapped pages bounded (resident_trim).
 *   - The backlog (group commit only).  A group's new quads land all over
 *     POSC and OSPC (their keys are predicates and objects old and new),
 *     so putting them there copied and wrote a page per few quads at
 *     every commit: at 200 MB of corpus the commits took 69 s of 158.  In
 *     a group's implicit transaction flush puts SPOC and CSPO as before
 *     and keeps POSC's and OSPC's keys (kenv.bl); the group's commit
 *     writes them as one sorted run per index (meta values of 512 KiB
 *     chunks, runs_save).  When groups end (kouan_lmdb_set_group(…, 0)) or
 *     before a write that is not an add (a removal, an explicit
 *     transaction: wr_txn), drain merges the runs (a heap, on a thread of
 *     its own a chunk ahead of the writer: dfeed; the runs read with
 *     pread, not through the map) and puts them in index order, in
 *     transactions of ~DRAIN_DIRTY dirty bytes that record how far each
 *     run is merged and delete the chunks merged past (so the next ones
 *     write over their pages, which the page cache holds, instead of
 *     growing the file), so a merge cut short (kill -9) goes on from
 *     there; the last removes what is left of the runs.  While runs
 *     exist, a read that would take POSC or OSPC
 *     takes SPOC or CSPO (scan_open, as for unindexed quads; slower, never
 *     incomplete), estimates say so, and "format" carries " +backlog" so
 *     that a kouan without backlogs refuses the store.  A group's new plain
 *     literals wait likewise, as a run of `ids` (format 4: "the backlog of
 *     ids" below), merged last.  A graph replaced
 *     while runs exist (its removal cannot take its quads out of a run)
 *     sets "backlog-removed": the merge then puts only quads SPOC holds.
 *     Closing does not merge: the next writer does.
 *   - The file's tail (group commit only): a helper thread keeps the next
 *     PREFAULT_MB past LMDB's last page allocated and in the page cache, so
 *     that a commit's new pages are written into cached pages (prefault).
 *   - Durability: MDB_NOMETASYNC — a commit flushes its data pages; the
 *     meta page naming the new root is flushed by the next commit or when
 *     the last writer closes the environment (env_release).  A power loss
 *     can so undo the last commit (wholly: two meta pages), never a part
 *     of one; kill -9 loses nothing committed.  Except a new store's first
 *     fill: groups into a store holding no quads commit without a flush,
 *     the file flushed once when they end, a marker refusing the store
 *     after a system crash until then ("a new store's first fill").
 *   - A read (stream, contains, size) inside a write transaction sees that
 *     transaction; otherwise it uses a shared read snapshot, taken when the
 *     first open stream starts and released when the last one ends.
 *   - One MDB_env per folder per process (LMDB forbids two), shared by the
 *     storages opened on it, with their write transaction.
 *
 * Caches (a join through Rasqal asks find_* once per row, so per-call cost
 * is what matters; all are voided when a write transaction is lost, since
 * its term ids are then given again to other terms — kenv.agen):
 *   - term bytes → id (kenv.cache) and IRI pointer → id (kstore.uris);
 *   - id → node for hot terms (kstore.nodes);
 *   - a two-bound-term find_* answer per read snapshot (kstore.memo);
 *   - idle read cursors (kenv.pool).
 *
 * Ownership (Redland): init owns and frees the options hash;
 * librdf_new_statement_from_nodes takes its three nodes; a stream's
 * statement and context node, and an iterator's node, are ours and only
 * lent to the caller until the next call; streams and iterators hold a
 * reference on the storage (librdf_storage_add_reference) so it outlives
 * them.  Nodes passed to us are borrowed. */
#include "lmdb_storage.h"
#include "util/procio.h"
#include <lmdb.h>
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

enum { I_SPOC, I_POSC, I_OSPC, I_CSPO, N_IDX };
static const char *const IDX_NAME[N_IDX] = { "spoc", "posc", "ospc", "cspo" };
/* position in the index → quad component (0 s, 1 p, 2 o, 3 c) */
/* I_IDS: not an index but the backlog of `ids` (format 4): its runs are
   merged as the backlog's runs of POSC and OSPC are, their 32-byte keys the
   hash and id of a new plain literal (then zeros) — a quad (h, id, 0, 0) */
enum { I_IDS = N_IDX };
static const int PERM[N_IDX + 1][4] = { {0,1,2,3}, {1,2,0,3}, {2,0,1,3}, {3,0,1,2}, {0,1,2,3} };

#define FORMAT_TAG "kouan-lmdb 5"
#define FORMAT_TAG_4 "kouan-lmdb 4"  /* every quad in OSPC (no unlinked set) */
#define FORMAT_TAG_3 "kouan-lmdb 3"  /* plain literals keyed by their bytes */
#define FORMAT_TAG_2 "kouan-lmdb 2"  /* every quad in all four indexes */
#define FORMAT_TAG_1 "kouan-lmdb 1"  /* hashed ids, no `ids`: read, upgraded */
/* appended to the tag while the store holds a backlog (below): a kouan
   that does not know backlogs would read POSC and OSPC without it, so it
   refuses the store ("unknown format") until a writer has merged it */
#define FORMAT_BACKLOG " +backlog"
#define MAX_UNINDEXED 8              /* predicates given by unindexed='…' */
#define LONG_KEY 0xFF                /* `ids` key of a term too long for one
                                        (or, format 4, a plain literal): 0xFF,
                                        a probe of its hash (8 bytes) */
#define IDRUNS_KEY "id-runs"         /* meta: runs of `ids` ever written */
#define CACHE_SLOTS 65536u
#define NODE_SLOTS  1024u     /* id → node, per storage (its world's nodes) */
#define POOL_CURSORS 8        /* idle read cursors kept per index */
#define URI_SLOTS   1024u     /* IRI (Raptor's interned pointer) → id */
#define MEMO_SLOTS  256u      /* (two bound terms → values) per snapshot */
#define MEMO_VALS   4

/* ---- the environment: one per folder per process ------------------------------ */

typedef struct cache_slot { uint64_t h, id; uint32_t len; unsigned char *bytes; } cache_slot;

/* a plain literal's hash and id, in the backlog of `ids` */
typedef struct idpair { uint64_t h, id; } idpair;

/* the slots cache_put filled since the last clear, so that clearing
   touches only those (a query process fills a few: scanning all 65 536
   faulted in 2 MB at exit, ~10 ms here); past CACHE_LOG, all are scanned */
#define CACHE_LOG 4096u

/* the drops whose measures of the other file-backed pages make the base
   (map_drop) */
#define BASE_SEEN 8u

typedef struct kenv {
    struct kenv *next;
    uint32_t     cache_log[CACHE_LOG];
    size_t       cache_nlog;  /* slots logged; > CACHE_LOG: too many, scan */
    dev_t        dev;
    ino_t        ino;
    pid_t        pid;         /* an env is not usable after fork() */
    int          refs, read_only;
    MDB_env     *env;
    MDB_dbi      terms, meta, ids, idx[N_IDX];
    int          format;      /* 4; 3; 2; 1: a format-1 store opened read-only */
    uint64_t     unidx[MAX_UNINDEXED]; /* predicates whose literal objects */
    int          nunidx;      /* are not in POSC and OSPC (formats 3-5) */
    uint64_t     unlinked[MAX_UNINDEXED]; /* predicates whose quads are not */
    int          nunlinked;   /* in OSPC (format 5; "Unlinked predicates") */
    unsigned     keymax;      /* LMDB's largest key (511) */
    uint64_t     next_id;     /* the counter, loaded in this write txn */
    uint64_t     terms_last;  /* the largest id in `terms` (next_loaded) */
    int          next_loaded, next_dirty;
    MDB_txn     *wtxn;        /* the write transaction, or NULL */
    int          explicit_txn;/* started by transaction_start */
    unsigned     wgen;        /* bumped when a write transaction ends */
    MDB_txn     *rtxn;        /* the shared read snapshot (reset when idle) */
    int          rusers;
    unsigned     rsnap;       /* which snapshot rtxn is: bumped at each start */
    cache_slot  *cache;       /* term bytes → id, only terms known stored */
    unsigned     agen;        /* bumped when a write transaction is lost:
                                 the ids of its terms may be given again */
    MDB_cursor  *pool[N_IDX][POOL_CURSORS]; /* idle cursors of rtxn's kind */
    int          npool[N_IDX];
    struct pend *pend;        /* quads added in the explicit transaction, */
    size_t       npend, cappend; /* written sorted, index by index, by flush */
    struct pend *pend_tmp;    /* flush's second buffer for the other orders */
    size_t       cap_tmp;
    int          check_order; /* KOUAN_LMDB_CHECK_ORDER (tests): flush checks
                                 each order it derives, and aborts if wrong */
    int          pend_spoc;   /* pend is in SPOC order (drop_merge sorted it) */
    int          drop;        /* a graph removal not yet written: drop_c's */
    uint64_t     drop_c;      /* quads go when flush runs, but for those the
                                 pending adds put back (see drop_merge) */
    /* group commit (kouan_lmdb_set_group): replace_graph leaves a new
       graph's quads pending in the implicit transaction (its terms written
       in a nested one), committed when it has been open group_ms or holds
       gq_eff quads */
    unsigned     group_ms;    /* 0: each replace_graph commits */
    size_t       group_quads;
    double       gstart;      /* when the implicit transaction began (s) */
    size_t       gquads, ggraphs; /* written into it by grouped replaces */
    size_t       gq_eff;      /* the quads a group takes now: group_quads,
                                 less when a commit wrote more than
                                 GROUP_DIRTY bytes (its dirty pages are
                                 memory until the commit) */
    size_t       resident_max;/* kouan_lmdb_limit_resident: 0 none; set
                                 before kouan extract's workers start and
                                 only read after (idc_trim) */
    size_t       base_seen[BASE_SEEN];/* statm's "shared" just after each
                                 of the last drops, 0: none (atomic:
                                 workers trim too); the least of them is
                                 the base, the process' other file-backed
                                 pages (libraries, the lexicon) */
    unsigned     base_next;   /* base_seen's next slot (atomic) */
    int          map_missing; /* map_find failed: no trimming */
    void        *map_at;      /* the map (found by resident_trim) */
    unsigned     steps;       /* scan steps, to check the resident pages */
    unsigned     reads;       /* read operations begun, likewise */
    int          statm_fd;    /* /proc/self/statm, open once (-1: not yet) */
    size_t       map_len;
    int          bl_valid, bl_w, bl_val; /* backlog_in's answer for the */
    unsigned     bl_gen;      /* write txn (wgen) or snapshot (rsnap) */
    unsigned char *bl[2];     /* the open group's POSC and OSPC keys (32 */
    size_t       bl_n[2], bl_cap[2]; /* bytes each), a run at its commit */
    size_t      *bl_seg[2];   /* where each flush's keys (sorted) begin */
    size_t       bl_nseg[2], bl_segcap[2];
    kouan_lmdb_times times;   /* where the writer's time went */
    size_t       drops;       /* map_drop calls (atomic: workers drop too) */
    unsigned     probes;      /* kouan_lmdb_has_quad calls (atomic: workers') */
    size_t       probe_drops; /* map_drop calls after one (atomic) */
    struct prefault *pf;      /* the file's tail faulted in ahead of a
                                 group writer (prefault_start), or NULL */
    int          no_spare;    /* kouan_lmdb_set_spare_core(…, 0): the
                                 writer's process keeps every core busy */
    /* the backlog of `ids` (format 4; see "the backlog of ids"): the
       writer's answers for the plain literals the runs hold */
    int          grouped;     /* a grouped replace's nested transaction is
                                 open: a new plain literal goes to ig */
    idpair      *ig;          /* the open group's new plain literals, */
    size_t       ig_n, ig_cap;/* in the order numbered */
    uint32_t    *ig_slot;     /* their hash table: position in ig + 1 */
    size_t       ig_slots;    /* (a power of two, or 0) */
    idpair      *im;          /* the committed runs' pairs, sorted */
    size_t       im_n, im_cap;
    uint64_t     im_runs;     /* meta "id-runs" when im was made */
    uint64_t     im_runs_next;/* what the open group's commit makes it */
    int          im_known;    /* im was made (in this process) */
    unsigned     im_wgen;     /* wgen when "id-runs" was last compared */
    char        *dir;         /* the folder (the fill's marker is in it) */
    int          fill;        /* a new store's first fill: commits are not
                                 flushed, the marker is there (fill_begin) */
} kenv;

static void resident_trim(kenv *e);
static void prefault_stop(kenv *e);
static void prefault_writeback(kenv *e);
/* Reads (or puts, scan steps) between two looks at the map's resident
 * pages: one may map ~320 KB (a large folio), so 256 of them overshot the
 * limit by up to 80 MB; a look is one pread of /proc/self/statm. */
#define TRIM_EVERY 64
static int backlog_in(kenv *e, MDB_txn *txn, int is_w);
/* the backlog's meta keys (see "the backlog" below) */
#define BACKLOG_KEY   "backlog"
#define BACKLOG_STALE "backlog-removed"

/* dup: a copy of the quad before it (or stored already); keep: in the
 * graph being replaced, so neither removed nor added */
typedef struct pend { uint64_t q[4]; unsigned char dup, keep, u; } pend;

/* u, the indexes a quad is left out of, set when the quad is added
 * (quad_flags) and skipped by in_index: U_UNINDEXED, the predicate is
 * unindexed and the object a literal — SPOC and CSPO only (formats 3-5;
 * "Unindexed objects"); U_UNLINKED, the predicate is unlinked — all but
 * OSPC (format 5; "Unlinked predicates"). */
enum { U_UNINDEXED = 1, U_UNLINKED = 2 };

static int in_set(const uint64_t *set, int n, uint64_t p)
{
    for (int i = 0; i < n; i++)
        if (set[i] == p) return 1;
    return 0;
}

static int is_unindexed(const kenv *e, uint64_t p)
{
    return in_set(e->unidx, e->nunidx, p);
}

/* The flags p alone decides: U_UNLINKED or 0 (what a removal, which does
 * not know whether o is a literal, can tell). */
static int pred_flags(const kenv *e, uint64_t p)
{
    return in_set(e->unlinked, e->nunlinked, p) ? U_UNLINKED : 0;
}

static int quad_flags(const kenv *e, uint64_t p, int o_literal)
{
    if (o_literal && is_unindexed(e, p)) return U_UNINDEXED;
    return pred_flags(e, p);
}

/* Whether index i holds a quad whose flags are u. */
static int in_index(int i, int u)
{
    if (u & U_UNINDEXED) return i != I_POSC && i != I_OSPC;
    return !(u & U_UNLINKED) || i != I_OSPC;
}

static kenv *envs;            /* open environments of this process */

/* id → node: a query asks for the same few terms again and again (Rasqal
 * joins row by row: 30 000 ports, one province label each), and building a
 * Redland node from stored bytes costs an LMDB get plus Raptor's URI
 * interning.  A stored id always names the same term (terms are never
 * removed), so a node once built can be lent again; only a lost write
 * transaction (kenv.agen) can free an id for another term.  Only hot
 * terms: one enters on its second miss in a slot (a scan over 30 000
 * distinct ports would otherwise evict them), and the cache is small, since
 * every node kept also keeps its URI in Raptor's interning tree, which
 * every URI built later searches (16 384 slots made a label scan 7 %
 * slower). */
typedef struct node_slot {
    uint64_t     id;          /* the id of node */
    librdf_node *node;
    uint64_t     cand;        /* another id that missed here once */
} node_slot;

/* IRI → id without serialising and hashing it: Raptor interns IRIs, so
 * while we hold a reference the same IRI is the same pointer (and no other
 * IRI can have that address).  Every statement added or looked up names
 * the same few predicates, classes and graphs. */
typedef struct uri_slot { librdf_uri *uri; uint64_t id; } uri_slot;

/* The answer of a find_sources/arcs/targets with two bound terms, within
 * one read snapshot (which cannot change).  Rasqal's nested-loop join asks
 * the same question once per row of the outer pattern — a province's
 * label, once for each of its ports — and each answer is a seek and a few
 * steps; from here it is a lookup.  Only small answers are kept. */
typedef struct memo_slot {
    unsigned snap;            /* kenv.rsnap when filled; 0: empty */
    uint64_t q[3];            /* the bound ids at their places, 0 elsewhere */
    int      part, n;
    uint64_t v[MEMO_VALS], c[MEMO_VALS];   /* each value and its first graph */
} memo_slot;

typedef struct kstore {
    struct kstore  *next;
    librdf_world   *world;
    librdf_storage *storage;
    kenv           *e;
    char           *dir;
    node_slot      *nodes;    /* NODE_SLOTS, each node a reference we own */
    unsigned        nodes_agen;
    uri_slot       *uris;     /* URI_SLOTS, each URI a reference we own */
    unsigned        uris_agen;
    memo_slot      *memo;     /* MEMO_SLOTS */
} kstore;

static kstore *stores;        /* live instances, for kouan_lmdb_is_ours */

/* ---- ids, keys, hashing ------------------------------------------------------- */

/* Big-endian, so that LMDB's memcmp order is the numeric order.  htobe64
 * and a memcpy (one load and a bswap): a byte loop here was 8 % of a join
 * query, which decodes every quad it steps over. */
static void put64(unsigned char *b, uint64_t v)
{
    v = htobe64(v);
    memcpy(b, &v, 8);
}

static uint64_t get64(const unsigned char *b)
{
    uint64_t v;
    memcpy(&v, b, 8);
    return be64toh(v);
}

/* The quad indexes' order, for LMDB (mdb_set_compare, mdb_set_dupsort):
 * their keys (8 bytes) and values (24) are big-endian ids, so comparing
 * them a 64-bit word at a time gives memcmp's order, which every other
 * reader of the file (mdb_dump, an older kouan) keeps using — LMDB's own
 * memcmp was an eighth of the backlog's merge and a twentieth of the
 * writer (perf, bench/scale/README.md).  Other sizes (none are written):
 * memcmp's order as LMDB's default has it, the shorter first on a tie. */
static int cmp_ids(const MDB_val *a, const MDB_val *b)
{
    if (a->mv_size == b->mv_size && (a->mv_size == 8 || a->mv_size == 24)) {
        const unsigned char *x = a->mv_data, *y = b->mv_data;
        for (size_t k = 0; k < a->mv_size; k += 8) {
            uint64_t u = get64(x + k), v = get64(y + k);
            if (u != v) return u < v ? -1 : 1;
        }
        return 0;
    }
    size_t n = a->mv_size < b->mv_size ? a->mv_size : b->mv_size;
    int c = n ? memcmp(a->mv_data, b->mv_data, n) : 0;
    if (c) return c;
    return a->mv_size < b->mv_size ? -1 : a->mv_size > b->mv_size;
}


static uint64_t mix64(uint64_t x)
{
    x ^= x >> 30; x *= 0xbf58476d1ce4e5b9ULL;
    x ^= x >> 27; x *= 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

static uint64_t hash_bytes(const unsigned char *p, size_t n)
{
    uint64_t h = 0x9E3779B97F4A7C15ULL ^ (n * 0xff51afd7ed558ccdULL);
    while (n >= 8) {
        uint64_t w;
        memcpy(&w, p, 8);
        h = mix64(h ^ w);
        p += 8; n -= 8;
    }
    uint64_t w = 0;
    memcpy(&w, p, n);
    h = mix64(h ^ w ^ ((uint64_t)n << 56));
    return h ? h : 1;
}

/* quad q (s p o c) → the 32 bytes of index i (key 8, value 24) */
static void encode_quad(int i, const uint64_t q[4], unsigned char out[32])
{
    for (int k = 0; k < 4; k++) put64(out + 8 * k, q[PERM[i][k]]);
}

static void decode_quad(int i, const unsigned char key[8], const unsigned char val[24],
                        uint64_t q[4])
{
    q[PERM[i][0]] = get64(key);
    for (int k = 1; k < 4; k++) q[PERM[i][k]] = get64(val + 8 * (k - 1));
}

/* ---- terms ----------------------------------------------------------------------- */

typedef struct tbuf { unsigned char *p; size_t len; unsigned char small[512]; } tbuf;

static void tbuf_free(tbuf *b) { if (b->p != b->small) free(b->p); }

/* The stored form of a term: kind ('U', 'B' or 'L'); for a literal its
 * language (length byte, bytes) and datatype IRI (two length bytes,
 * bytes); then the value.  Into b (b->p is b->small or malloc'd).
 * Returns 0, or -1 when a length does not fit or memory is short. */
static int term_bytes(tbuf *b, char kind, const unsigned char *v, size_t vlen,
                      const char *lang, size_t langlen, const unsigned char *dt, size_t dtlen)
{
    size_t head = 1;
    b->p = b->small;
    if (kind == 'L') {
        if (langlen > 255 || dtlen > 65535) return -1;
        head = 1 + 1 + langlen + 2 + dtlen;
    }
    b->len = head + vlen;
    if (b->len > sizeof b->small && !(b->p = malloc(b->len))) { b->p = b->small; return -1; }
    unsigned char *o = b->p;
    *o++ = (unsigned char)kind;
    if (kind == 'L') {
        *o++ = (unsigned char)langlen;
        if (langlen) memcpy(o, lang, langlen);
        o += langlen;
        *o++ = (unsigned char)(dtlen >> 8);
        *o++ = (unsigned char)dtlen;
        if (dtlen) memcpy(o, dt, dtlen);
        o += dtlen;
    }
    if (vlen) memcpy(o, v, vlen);
    return 0;
}

/* Serialises node into b (b->p is b->small or malloc'd).  Returns 0 or -1. */
static int term_encode(librdf_node *n, tbuf *b)
{
    const unsigned char *v = NULL, *dt = NULL;
    const char *lang = NULL;
    size_t vlen = 0, dtlen = 0, langlen = 0;
    char kind;
    b->p = b->small;
    if (librdf_node_is_resource(n)) {
        kind = 'U';
        v = librdf_uri_as_counted_string(librdf_node_get_uri(n), &vlen);
    } else if (librdf_node_is_blank(n)) {
        kind = 'B';
        v = librdf_node_get_counted_blank_identifier(n, &vlen);
    } else if (librdf_node_is_literal(n)) {
        kind = 'L';
        v = librdf_node_get_literal_value_as_counted_string(n, &vlen);
        lang = librdf_node_get_literal_value_language(n);
        langlen = lang ? strlen(lang) : 0;
        librdf_uri *du = librdf_node_get_literal_value_datatype_uri(n);
        if (du) dt = librdf_uri_as_counted_string(du, &dtlen);
    } else return -1;
    if (!v) { v = (const unsigned char *)""; vlen = 0; }
    return term_bytes(b, kind, v, vlen, lang, langlen, dt, dtlen);
}

/* A new node for the stored term bytes (the caller owns it), or NULL. */
static librdf_node *term_decode(librdf_world *w, const unsigned char *p, size_t n)
{
    if (n < 1) return NULL;
    if (p[0] == 'U') return librdf_new_node_from_counted_uri_string(w, p + 1, n - 1);
    if (p[0] == 'B') return librdf_new_node_from_counted_blank_identifier(w, p + 1, n - 1);
    if (p[0] != 'L' || n < 4) return NULL;
    size_t langlen = p[1];
    if (2 + langlen + 2 > n) return NULL;
    const unsigned char *lang = p + 2;
    size_t dtlen = (size_t)p[2 + langlen] << 8 | p[3 + langlen];
    const unsigned char *dt = p + 4 + langlen;
    if (4 + langlen + dtlen > n) return NULL;
    const unsigned char *v = dt + dtlen;
    size_t vlen = n - 4 - langlen - dtlen;
    librdf_uri *du = NULL;
    if (dtlen) {
        char stackbuf[512], *s = dtlen < sizeof stackbuf ? stackbuf : malloc(dtlen + 1);
        if (!s) return NULL;
        memcpy(s, dt, dtlen);
        s[dtlen] = '\0';
        du = librdf_new_uri(w, (const unsigned char *)s);
        if (s != stackbuf) free(s);
        if (!du) return NULL;
    }
    /* the value must be NUL-terminated for Redland's counted constructor */
    char stackv[512], *vs = vlen < sizeof stackv ? stackv : malloc(vlen + 1);
    librdf_node *node = NULL;
    if (vs) {
        memcpy(vs, v, vlen);
        vs[vlen] = '\0';
        node = librdf_new_node_from_typed_counted_literal(w, (const unsigned char *)vs, vlen,
                   langlen ? (const char *)lang : NULL, langlen, du);
        if (vs != stackv) free(vs);
    }
    if (du) librdf_free_uri(du);
    return node;
}

static void cache_clear(kenv *e)
{
    if (!e->cache) return;
    if (e->cache_nlog <= CACHE_LOG) {
        for (size_t j = 0; j < e->cache_nlog; j++) {
            cache_slot *c = &e->cache[e->cache_log[j]];
            free(c->bytes);
            *c = (cache_slot){0};
        }
    } else {
        for (size_t i = 0; i < CACHE_SLOTS; i++) {
            free(e->cache[i].bytes);
            e->cache[i] = (cache_slot){0};
        }
    }
    e->cache_nlog = 0;
}

static int cache_get(kenv *e, uint64_t h, const tbuf *b, uint64_t *id)
{
    cache_slot *c = &e->cache[h & (CACHE_SLOTS - 1)];
    if (c->h == h && c->len == b->len && c->bytes && memcmp(c->bytes, b->p, b->len) == 0) {
        *id = c->id;
        return 1;
    }
    return 0;
}

static void cache_put(kenv *e, uint64_t h, const tbuf *b, uint64_t id)
{
    if (b->len > 256) return;                      /* long literals: not worth it */
    cache_slot *c = &e->cache[h & (CACHE_SLOTS - 1)];
    unsigned char *bytes = c->len >= b->len && c->bytes ? c->bytes : realloc(c->bytes, b->len ? b->len : 1);
    if (!bytes) return;
    if (!c->bytes && e->cache_nlog++ < CACHE_LOG)      /* a slot newly filled */
        e->cache_log[e->cache_nlog - 1] = (uint32_t)(h & (CACHE_SLOTS - 1));
    memcpy(bytes, b->p, b->len);
    *c = (cache_slot){ h, id, (uint32_t)b->len, bytes };
}

/* Format 1 (read-only): the id is the hash of the bytes, or the first id
 * after it in `terms` holding them (ids taken by other terms probed over). */
static int term_id_v1(kenv *e, MDB_txn *txn, const tbuf *b, uint64_t h, uint64_t *id)
{
    for (uint64_t probe = h;; probe = probe + 1 ? probe + 1 : 1) {
        unsigned char k[8];
        put64(k, probe);
        MDB_val key = { 8, k }, val;
        int rc = mdb_get(txn, e->terms, &key, &val);
        if (rc) return rc;                          /* MDB_NOTFOUND: not stored */
        if (val.mv_size == b->len && memcmp(val.mv_data, b->p, b->len) == 0) {
            *id = probe;
            return 0;
        }
    }
}

/* The counter of the open write transaction, read from `meta` once per
 * transaction (another process may have written since), with the largest
 * id in `terms` (so a new id past it can be appended). */
static int next_load(kenv *e, MDB_txn *txn)
{
    if (e->next_loaded) return 0;
    MDB_val key = { 7, "next-id" }, val;
    int rc = mdb_get(txn, e->meta, &key, &val), missing = rc == MDB_NOTFOUND;
    if (missing) rc = 0;
    else if (rc == 0) e->next_id = val.mv_size == 8 ? get64(val.mv_data) : 0;
    if (rc) return rc;
    if (!missing && e->next_id == 0) return MDB_CORRUPTED;
    MDB_cursor *c;
    if ((rc = mdb_cursor_open(txn, e->terms, &c))) return rc;
    rc = mdb_cursor_get(c, &key, &val, MDB_LAST);
    e->terms_last = rc == 0 && key.mv_size == 8 ? get64(key.mv_data) : 0;
    mdb_cursor_close(c);
    if (rc && rc != MDB_NOTFOUND) return rc;
    /* no counter yet (a new store): past the largest id, as an upgrade */
    if (missing) e->next_id = e->terms_last < UINT64_MAX - ((uint64_t)1 << 32) ? e->terms_last + 1 : 1;
    e->next_loaded = 1;
    e->next_dirty = 0;
    return 0;
}

/* Writes the counter into `meta` (in the transaction: a rollback or a
 * kill -9 before the commit reverts it with the terms it numbered). */
static int next_save(kenv *e, MDB_txn *txn)
{
    if (!e->next_loaded || !e->next_dirty) return 0;
    unsigned char v[8];
    put64(v, e->next_id);
    MDB_val key = { 7, "next-id" }, val = { 8, v };
    int rc = mdb_put(txn, e->meta, &key, &val, 0);
    if (!rc) e->next_dirty = 0;
    return rc;
}

/* Stores new term bytes b under the next free id of the counter: one past
 * the largest id (appended: no search, full pages), or, in a store whose
 * old hash ids lie above the counter, the next id no old term holds. */
static int term_new(kenv *e, MDB_txn *txn, const tbuf *b, uint64_t *id)
{
    int rc = next_load(e, txn);
    if (rc) return rc;
    for (;;) {
        uint64_t n = e->next_id;
        if (n == 0 || n == UINT64_MAX) return MDB_MAP_FULL;     /* 2^64 terms */
        unsigned char k[8];
        put64(k, n);
        MDB_val key = { 8, k }, val = { b->len, b->p };
        rc = mdb_put(txn, e->terms, &key, &val, n > e->terms_last ? MDB_APPEND : MDB_NOOVERWRITE);
        e->next_id = n + 1;
        e->next_dirty = 1;
        if (rc == MDB_KEYEXIST) continue;           /* an old hash id: skipped */
        if (rc) return rc;
        if (n > e->terms_last) e->terms_last = n;
        *id = n;
        return 0;
    }
}

/* Whether term bytes b are keyed in `ids` by a hash: a term longer than a
 * key; in format 4 also a plain literal (no language, no datatype: 'L', 0,
 * 0, 0) — the sentences and table rows kouan quotes as evidence, which
 * share no useful prefix (keyed by their bytes, each new one landed on a
 * page of its own, as by a hash) and which a group leaves to the backlog of
 * `ids` (below), so that they reach it in one ordered pass.  Labels and
 * numbers (a language or a datatype) keep their bytes as key: they are the
 * terms looked up most, and a hashed key costs a read of `terms` more. */
static int ids_hashed(const kenv *e, const tbuf *b)
{
    return b->len > e->keymax ||
           (e->format >= 4 && b->len >= 4 && b->p[0] == 'L' && b->p[1] == 0 && b->p[2] == 0 &&
            b->p[3] == 0);
}

/* The `ids` key of term bytes b: the bytes themselves, or when hashed
 * (ids_hashed) LONG_KEY and probe (big-endian).  Sets key (into buf). */
static void ids_key(const kenv *e, const tbuf *b, uint64_t probe, unsigned char buf[9],
                    MDB_val *key)
{
    if (!ids_hashed(e, b)) { *key = (MDB_val){ b->len, b->p }; return; }
    buf[0] = LONG_KEY;
    put64(buf + 1, probe);
    *key = (MDB_val){ 9, buf };
}

/* Whether `terms` holds bytes b under id: 0, MDB_NOTFOUND (another
 * term), MDB_CORRUPTED (no term), or an LMDB error. */
static int term_is(kenv *e, MDB_txn *txn, uint64_t id, const tbuf *b)
{
    unsigned char tk[8];
    put64(tk, id);
    MDB_val tkey = { 8, tk }, tval;
    int rc = mdb_get(txn, e->terms, &tkey, &tval);
    if (rc) return rc == MDB_NOTFOUND ? MDB_CORRUPTED : rc;
    return tval.mv_size == b->len && memcmp(tval.mv_data, b->p, b->len) == 0 ? 0 : MDB_NOTFOUND;
}

static int idb_find(kenv *e, MDB_txn *txn, const tbuf *b, uint64_t h, uint64_t *id);
static int ig_add(kenv *e, uint64_t h, uint64_t id);

/* The id of term bytes b in `ids` (formats 2–4) or, for a hashed term in
 * format 4 with runs set, in the backlog of `ids`; when absent and create,
 * a new id, stored in `terms` and in `ids` — or, in a group (kenv.grouped),
 * in the group's pairs for the backlog.  A hashed term's key is a probe of
 * its hash: each candidate id is verified against `terms`, and a taken
 * key probed over.  Workers look with runs 0: a term only the backlog
 * holds is then not found, and the writer, asked, finds it. */
static int term_id_v2(kenv *e, MDB_txn *txn, const tbuf *b, uint64_t h, int create,
                      int runs, uint64_t *id)
{
    int longk = ids_hashed(e, b);
    if (create && !longk) {
        /* the writer's common case: a short term the workers did not
           find, numbered by appending.  One descent of `ids` instead of
           two (a lookup that misses, then the put): the put of the id the
           term would get, refused with the stored id when the term is
           there (MDB_NOOVERWRITE: nothing written then) */
        int rc = next_load(e, txn);
        if (rc) return rc;
        uint64_t n = e->next_id;               /* past every id: appended */
        if (n > e->terms_last) {
            unsigned char v[8];
            put64(v, n);
            MDB_val key = { b->len, b->p }, val = { 8, v };
            rc = mdb_put(txn, e->ids, &key, &val, MDB_NOOVERWRITE);
            if (rc == MDB_KEYEXIST) {
                if (val.mv_size != 8) return MDB_CORRUPTED;
                *id = get64(val.mv_data);
                return 0;
            }
            if (rc) return rc;
            uint64_t got;
            if ((rc = term_new(e, txn, b, &got))) return rc;
            if (got != n) return MDB_CORRUPTED;      /* appended: it cannot differ */
            *id = n;
            return 0;
        }
    }
    for (uint64_t probe = h;; probe++) {
        unsigned char kb[9];
        MDB_val key, val;
        ids_key(e, b, probe, kb, &key);
        int rc = mdb_get(txn, e->ids, &key, &val);
        if (rc == 0) {
            if (val.mv_size != 8) return MDB_CORRUPTED;
            uint64_t cand = get64(val.mv_data);
            if (!longk) { *id = cand; return 0; }
            if ((rc = term_is(e, txn, cand, b)) == 0) { *id = cand; return 0; }
            if (rc != MDB_NOTFOUND) return rc;
            continue;                               /* another long term's hash */
        }
        if (rc != MDB_NOTFOUND) return rc;
        if (longk && runs && e->format >= 4 && (rc = idb_find(e, txn, b, h, id)) != MDB_NOTFOUND)
            return rc;                              /* in the backlog (or an error) */
        if (!create) return MDB_NOTFOUND;
        uint64_t n;
        if ((rc = term_new(e, txn, b, &n))) return rc;
        if (longk && e->grouped && e->format >= 4) {   /* to the group's run */
            if ((rc = ig_add(e, h, n))) return rc;
            *id = n;
            return 0;
        }
        unsigned char v[8];
        put64(v, n);
        val = (MDB_val){ 8, v };
        if ((rc = mdb_put(txn, e->ids, &key, &val, 0))) return rc;
        *id = n;
        return 0;
    }
}

/* The id of term bytes: 0 with *id set, MDB_NOTFOUND when the term is not
 * stored (and create is 0), or an LMDB error. */
static int term_id_bytes(kenv *e, MDB_txn *txn, const tbuf *b, int create, uint64_t *id)
{
    uint64_t h = hash_bytes(b->p, b->len);
    if (cache_get(e, h, b, id)) return 0;
    int rc = e->format == 1 ? (create ? EACCES : term_id_v1(e, txn, b, h, id))
                            : term_id_v2(e, txn, b, h, create, 1, id);
    if (rc == 0) cache_put(e, h, b, *id);
    return rc;
}

static int term_id(kenv *e, MDB_txn *txn, librdf_node *n, int create, uint64_t *id)
{
    tbuf b;
    if (term_encode(n, &b) != 0) return ENOMEM;
    int rc = term_id_bytes(e, txn, &b, create, id);
    tbuf_free(&b);
    return rc;
}

/* The bytes term_encode gives for the node Redland builds from these
 * strings (store.c's term_node: a datatype wins over a language, an empty
 * language is none), without building it: 'U' IRI or 'L' literal. */
static int term_encode_str(int literal, const char *v, const char *lang, const char *dt,
                           tbuf *b)
{
    b->p = b->small;
    if (!v) return -1;
    size_t langlen = 0, dtlen = 0;
    if (literal) {
        if (dt) lang = NULL;
        langlen = lang ? strlen(lang) : 0;
        dtlen = dt ? strlen(dt) : 0;
    }
    return term_bytes(b, literal ? 'L' : 'U', (const unsigned char *)v, strlen(v), lang, langlen,
                      (const unsigned char *)dt, dtlen);
}

/* Term k (0 s, 1 p, 2 o) of x as term_encode_str gives it (an empty
 * language is none).  0, or -1 (a length that does not fit, no memory). */
static int triple_term(const kouan_lmdb_triple *x, int k, tbuf *b)
{
    if (k < 2) return term_encode_str(0, k ? x->p : x->s, NULL, NULL, b);
    return term_encode_str(x->o_literal, x->o, x->lang && *x->lang ? x->lang : NULL,
                           x->datatype, b);
}

static void uri_remember(kstore *k, librdf_uri *u, uint64_t id);

static void nodes_clear(kstore *k)
{
    for (size_t i = 0; k->nodes && i < NODE_SLOTS; i++) {
        if (k->nodes[i].node) librdf_free_node(k->nodes[i].node);
        k->nodes[i] = (node_slot){0};
    }
}

/* A new node for id (the caller owns it), or NULL: from the storage's
 * cache (a new reference, no allocation) or decoded from the dictionary. */
static librdf_node *id_node(kstore *ks, MDB_txn *txn, uint64_t id)
{
    kenv *e = ks->e;
    if (ks->nodes_agen != e->agen) { nodes_clear(ks); ks->nodes_agen = e->agen; }
    node_slot *c = ks->nodes ? &ks->nodes[id & (NODE_SLOTS - 1)] : NULL;
    if (c && c->node && c->id == id) return librdf_new_node_from_node(c->node);
    /* a stream's statements map a page of `terms` or more each */
    if (e->resident_max && (++e->reads & (TRIM_EVERY - 1)) == 0) resident_trim(e);
    unsigned char k[8];
    put64(k, id);
    MDB_val key = { 8, k }, val;
    if (mdb_get(txn, e->terms, &key, &val) != 0) return NULL;
    librdf_node *n = term_decode(ks->world, val.mv_data, val.mv_size);
    if (n && c) {
        if (c->cand != id) c->cand = id;                 /* first miss: noted */
        else {
            librdf_node *keep = librdf_new_node_from_node(n);
            if (keep) {
                if (c->node) librdf_free_node(c->node);
                *c = (node_slot){ id, keep, 0 };
            }
        }
    }
    return n;
}

/* Whether world's Raptor interns IRIs: two IRIs made from one string are
 * then one object. */
static int uris_interned(librdf_world *w)
{
    static const unsigned char probe[] = "https://w3id.org/kouan/interning-probe";
    librdf_uri *a = librdf_new_uri(w, probe), *b = librdf_new_uri(w, probe);
    int same = a && a == b;
    if (a) librdf_free_uri(a);
    if (b) librdf_free_uri(b);
    return same;
}

static void uris_clear(kstore *k)
{
    for (size_t i = 0; k->uris && i < URI_SLOTS; i++) {
        if (k->uris[i].uri) librdf_free_uri(k->uris[i].uri);
        k->uris[i] = (uri_slot){0};
    }
}

static uri_slot *uri_slot_of(kstore *k, librdf_uri *u)
{
    if (k->uris_agen != k->e->agen) { uris_clear(k); k->uris_agen = k->e->agen; }
    uintptr_t h = (uintptr_t)u;
    return &k->uris[(h >> 4 ^ h >> 14) & (URI_SLOTS - 1)];
}

/* Records that IRI u (a stored term) has id. */
static void uri_remember(kstore *k, librdf_uri *u, uint64_t id)
{
    if (!k->uris || !u) return;
    uri_slot *c = uri_slot_of(k, u);
    if (c->uri == u) { c->id = id; return; }
    librdf_uri *keep = librdf_new_uri_from_uri(u);
    if (!keep) return;
    if (c->uri) librdf_free_uri(c->uri);
    *c = (uri_slot){ keep, id };
}

/* term_id through the storage's IRI cache (see uri_slot). */
static int kterm_id(kstore *k, MDB_txn *txn, librdf_node *n, int create, uint64_t *id)
{
    librdf_uri *u = k->uris && librdf_node_is_resource(n) ? librdf_node_get_uri(n) : NULL;
    if (u) {
        uri_slot *c = uri_slot_of(k, u);
        if (c->uri == u) { *id = c->id; return 0; }
    }
    int rc = term_id(k->e, txn, n, create, id);
    if (rc == 0 && u) uri_remember(k, u, *id);
    return rc;
}

/* ---- transactions ------------------------------------------------------------- */

static void log_mdb(librdf_world *w, const char *what, int rc)
{
    librdf_log(w, 0, LIBRDF_LOG_ERROR, LIBRDF_FROM_STORAGE, NULL,
               "kouan store: %s: %s", what, mdb_strerror(rc));
}

static int flush(kenv *e);

/* The transaction a read should use: the write transaction when one is
 * open (its pending quads written first), else the shared snapshot
 * (counted: pair with rd_end). */
static MDB_txn *rd_begin_lazy(kenv *e, int *is_w);

static MDB_txn *rd_begin(kenv *e, int *is_w)
{
    if (e->wtxn) { *is_w = 1; return flush(e) ? NULL : e->wtxn; }
    return rd_begin_lazy(e, is_w);
}

/* rd_begin without writing the pending quads: for looking terms up (they
 * are written at once), flush before reading an index. */
static MDB_txn *rd_begin_lazy(kenv *e, int *is_w)
{
    /* many short reads (a lookup, a graph's few statements: reconcile
       asks each graph) map pages as a long scan does (scan_step) */
    if (e->resident_max && (++e->reads & (TRIM_EVERY - 1)) == 0) resident_trim(e);
    if (e->wtxn) { *is_w = 1; return e->wtxn; }
    *is_w = 0;
    if (e->rusers == 0) {
        int rc = e->rtxn ? mdb_txn_renew(e->rtxn)
                         : mdb_txn_begin(e->env, NULL, MDB_RDONLY, &e->rtxn);
        if (rc) {
            if (e->rtxn) { mdb_txn_abort(e->rtxn); e->rtxn = NULL; }
            return NULL;
        }
        if (++e->rsnap == 0) e->rsnap = 1;        /* a new snapshot: memos void */
    }
    e->rusers++;
    return e->rtxn;
}

static void rd_end(kenv *e, int is_w)
{
    if (is_w || e->rusers <= 0) return;
    if (--e->rusers == 0) mdb_txn_reset(e->rtxn);
}

static int wr_commit(kstore *k);
static int runs_save(kenv *e);
static void bl_drop(kenv *e);
static int drain(kstore *k);

/* The write transaction, started (implicitly) when none is open.  Unless
 * it only adds (adds_only), it has no backlog: one is merged first (drain;
 * an open implicit transaction is committed before), since a removal from
 * POSC or OSPC must find the quads the backlog still holds. */
static MDB_txn *wr_txn(kstore *k, int adds_only)
{
    kenv *e = k->e;
    if (e->read_only) {
        librdf_log(k->world, 0, LIBRDF_LOG_ERROR, LIBRDF_FROM_STORAGE, NULL,
                   "kouan store %s was opened read-only", k->dir);
        return NULL;
    }
    for (int tries = 0; ; tries++) {
        if (!e->wtxn) {
            int rc = mdb_txn_begin(e->env, NULL, 0, &e->wtxn);
            if (rc) { e->wtxn = NULL; log_mdb(k->world, "starting a write transaction", rc); return NULL; }
            e->explicit_txn = 0;
            e->next_loaded = e->next_dirty = 0;      /* read again, in this txn */
            e->gstart = kouan_seconds();
            e->gquads = e->ggraphs = 0;
        }
        if (adds_only || e->explicit_txn || !backlog_in(e, e->wtxn, 1)) return e->wtxn;
        if (tries) {                                 /* a drain that did not empty it */
            librdf_log(k->world, 0, LIBRDF_LOG_ERROR, LIBRDF_FROM_STORAGE, NULL,
                       "kouan store %s: the backlog could not be merged", k->dir);
            return NULL;
        }
        if (wr_commit(k) || drain(k)) return NULL;   /* logged */
    }
}

static void wr_abort(kenv *e);
static void ig_clear(kenv *e);
static int ig_absorb(kenv *e);

/* A commit's failure: with a group, every graph since the last commit. */
static void log_lost(kstore *k, const char *what, int rc, size_t graphs)
{
    if (graphs > 1)
        librdf_log(k->world, 0, LIBRDF_LOG_ERROR, LIBRDF_FROM_STORAGE, NULL,
                   "kouan store %s: %s for the last %zu graphs written: %s; none of "
                   "them is stored", k->dir, what, graphs, mdb_strerror(rc));
    else log_mdb(k->world, what, rc);
}

#define GROUP_DIRTY ((unsigned long long)64 << 20)

static int wr_commit(kstore *k)
{
    kenv *e = k->e;
    if (!e->wtxn) return 0;
    size_t graphs = e->ggraphs, gquads = e->gquads;
    e->gquads = e->ggraphs = 0;
    int rc = flush(e);
    double t0 = kouan_seconds();
    if (!rc) rc = runs_save(e);
    e->times.flush += kouan_seconds() - t0;
    if (rc) { log_lost(k, "writing the transaction's statements", rc, graphs); wr_abort(e); return 1; }
    if ((rc = next_save(e, e->wtxn))) { log_lost(k, "numbering terms", rc, graphs); wr_abort(e); return 1; }
    /* a group's commit writes its dirty pages, held in memory until now:
       when that was more than GROUP_DIRTY, the next groups take fewer
       quads (a larger store has more pages per quad), never below 1/16.
       Measured for any group but one graph, which cannot be split (a
       copy's statements come with no graph count) */
    unsigned long long w0 = e->group_ms && gquads && graphs != 1 ? kouan_bytes_written() : 0;
    t0 = kouan_seconds();
    rc = mdb_txn_commit(e->wtxn);
    e->times.commit += kouan_seconds() - t0;
    e->times.commits++;
    if (!rc && w0) {
        unsigned long long dirty = kouan_bytes_written() - w0;
        if (dirty > 0 && gquads > 0) {
            double fit = (double)gquads * (double)GROUP_DIRTY / (double)dirty;
            size_t lo = e->group_quads / 16;
            e->gq_eff = fit > (double)e->group_quads ? e->group_quads
                      : fit < (double)lo ? lo : (size_t)fit;
        }
    }
    e->wtxn = NULL;
    e->next_loaded = e->next_dirty = 0;
    e->explicit_txn = 0;
    e->wgen++;
    if (rc) {
        cache_clear(e);                 /* terms of the lost transaction */
        ig_clear(e);
        e->agen++;
        log_lost(k, "committing", rc, graphs);
        return 1;
    }
    ig_absorb(e);                       /* the group's plain literals: a run now */
    resident_trim(e);
    return 0;
}

/* kouan_lmdb_limit_resident: when the process' file-backed pages (the map's,
 * mostly; statm's "shared") exceed the limit after a commit, the map's pages
 * are dropped from the process (MADV_DONTNEED on a shared read-only file
 * mapping: the kernel's page cache keeps them, and the next access maps
 * them again, a minor fault, with the same bytes: without MDB_WRITEMAP the
 * map is only read, and LMDB never rewrites a page a live snapshot uses). */
/* Finds the map of data.mdb in this process (*at, *len).  0, or -1 when
 * it is not found. */
static int map_locate(kenv *e, void **at, size_t *len)
{
    /* LMDB tells the map's address only for MDB_FIXEDMAP: the mapping
       of data.mdb (its inode) in /proc/self/maps */
    struct stat st;
    const char *dir = NULL;
    char path[4096];
    int ok = mdb_env_get_path(e->env, &dir) == 0 && dir &&
             snprintf(path, sizeof path, "%s/data.mdb", dir) < (int)sizeof path &&
             stat(path, &st) == 0;
    FILE *m = ok ? fopen("/proc/self/maps", "r") : NULL;
    char line[4096 + 128];
    *at = NULL;
    *len = 0;
    while (m && fgets(line, sizeof line, m)) {
        unsigned long lo, hi, off, ino;
        char perms[8], dev[32];
        if (sscanf(line, "%lx-%lx %7s %lx %31s %lu", &lo, &hi, perms, &off, dev, &ino) == 6 &&
            ino == (unsigned long)st.st_ino && hi - lo > *len) {
            *at = (void *)lo;
            *len = hi - lo;
        }
    }
    if (m) fclose(m);
    return *at ? 0 : -1;
}

static int map_find(kenv *e)
{
    return map_locate(e, &e->map_at, &e->map_len);
}

/* The process' file-backed resident pages (statm's "shared", read through
 * *fd, opened on first use), bytes; 0 when unknown. */
static size_t resident_shared(int *fd)
{
    /* a pread of an fd kept open, not fopen and fscanf: it is asked
       every TRIM_EVERY reads or writes */
    if (*fd < 0) *fd = open("/proc/self/statm", O_RDONLY | O_CLOEXEC);
    char buf[128];
    ssize_t got_n = *fd >= 0 ? pread(*fd, buf, sizeof buf - 1, 0) : -1;
    unsigned long size = 0, resident = 0, shared = 0;
    if (got_n <= 0) return 0;
    buf[got_n] = 0;
    long page = sysconf(_SC_PAGESIZE);
    return sscanf(buf, "%lu %lu %lu", &size, &resident, &shared) == 3 && page > 0
         ? (size_t)shared * (size_t)page : 0;
}

/* Whether the map's resident pages exceed e->resident_max: the process'
 * file-backed pages less those that are not the map's (the base, the
 * least of base_seen: map_drop).
 * Until 2026-12-03 the libraries and the lexicon (~30 MB) counted against
 * the limit (36 MB then), which left the map 6–10 MB: a B-tree descent
 * maps a whole large folio of the page cache (~320 KB a random page on
 * this machine's kernel), so the map was dropped 5,600 times in a 40 MB
 * extract, and its branch pages faulted in again after each drop. */
static int resident_over(kenv *e, int *fd)
{
    size_t base = 0;                    /* none measured yet: 0, the stricter bound */
    for (unsigned i = 0; i < BASE_SEEN; i++) {
        size_t v = __atomic_load_n(&e->base_seen[i], __ATOMIC_RELAXED);
        if (v && (!base || v < base)) base = v;
    }
    return resident_shared(fd) > base + e->resident_max;
}

/* Drops the map's pages from the process (the page cache keeps them) and
 * measures what is left: the other file-backed pages, and whatever the
 * map's other readers (kouan extract's workers) faulted in again between
 * the drop and the measure.  That much the measure is too high, and the
 * limit with it: at 200 MB with -j 2, measures after a drop ran from 15
 * to 50 MiB, and the file-backed pages peaked at 67–71 MiB against ~30
 * (the lexicon, the libraries) + 20.  So the base is the least of the
 * last BASE_SEEN measures: a rise of the other pages that lasts (the
 * lexicon paged in) counts BASE_SEEN drops later; one reader's refaults
 * do not (the peak 165–175 MiB, was 176–182; drops about as many). */
static void map_drop(kenv *e, void *at, size_t len, int *fd)
{
    madvise(at, len, MADV_DONTNEED);
    unsigned slot = __atomic_fetch_add(&e->base_next, 1, __ATOMIC_RELAXED) % BASE_SEEN;
    __atomic_store_n(&e->base_seen[slot], resident_shared(fd), __ATOMIC_RELAXED);
    __atomic_add_fetch(&e->drops, 1, __ATOMIC_RELAXED);
}

static void resident_trim(kenv *e)
{
    if (!e->resident_max || e->map_missing || !resident_over(e, &e->statm_fd))
        return;
    if (!e->map_at && map_find(e)) { e->map_missing = 1; return; }   /* not found: no trimming */
    map_drop(e, e->map_at, e->map_len, &e->statm_fd);
}

int kouan_lmdb_limit_resident(librdf_storage *storage, size_t bytes)
{
    if (!kouan_lmdb_is_ours(storage)) return -1;
    kstore *k = librdf_storage_get_instance(storage);
    const char *kb = getenv("KOUAN_LMDB_RESIDENT_KB");   /* tests: a small store over it */
    if (bytes && kb && *kb) bytes = (size_t)strtoul(kb, NULL, 10) << 10;
    k->e->resident_max = bytes;
    /* what is not the map is measured at the first drop: until then
       every file-backed page counts (the stricter bound) */
    for (unsigned i = 0; i < BASE_SEEN; i++)
        __atomic_store_n(&k->e->base_seen[i], 0, __ATOMIC_RELAXED);
    return 0;
}

/* ---- a new store's first fill: one disk flush, at its end ----------------------
 *
 * A commit waits for the disk: LMDB writes the transaction's pages and
 * flushes them (fdatasync) before it returns, ~30 MB a group.  That was
 * 4–6 s of a 40 MB batch's 23–25 s and 30–55 s of a 200 MB one's 130–170,
 * the writer — the batch's critical path — idle meanwhile.  LMDB cannot
 * flush a commit while the next one is written, and committing without a
 * flush (MDB_NOSYNC) is safe only against a crash of the process: a crash
 * of the system can leave on disk a meta page naming pages that never got
 * there, a damaged store.  A store holding no quads has nothing to lose,
 * so a group writer that finds one empty (kouan extract's first batch into
 * a new store) commits without flushing and flushes the whole file once,
 * when groups end (fill_end) — as PostgreSQL loads a table created in the
 * same transaction without its write-ahead log.  A marker says so while
 * it lasts: DIR/unflushed (FILL_MARK), written and flushed before the
 * first such commit, removed after the last flush, holding the system's
 * boot id and the writer's pid.  Opening a store with the marker there:
 *   - the system restarted since (another boot id): refused, naming the
 *     marker — commits may be missing from the disk;
 *   - the same boot, its writer gone (killed): every commit is in the page
 *     cache, the store is whole; a writer flushes it and removes the
 *     marker, a reader reads it as it is;
 *   - its writer still running: opened as usual.
 * A commit's documents are still reported when it is done: a kill loses
 * what it lost before, a power loss during the first batch the batch.
 * KOUAN_LMDB_FILL_FLUSH=each: a new store's commits are flushed one by one
 * as any other's. */
#define FILL_MARK KOUAN_LMDB_FILL_MARK

/* This boot of the system (Linux: a random id per boot): 0, or -1 when it
 * cannot be read (then there is no fill: commits flush). */
static int boot_id(char out[64])
{
    int fd = open("/proc/sys/kernel/random/boot_id", O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    ssize_t n = read(fd, out, 63);
    close(fd);
    if (n <= 0) return -1;
    out[n] = 0;
    out[strcspn(out, "\n")] = 0;
    return out[0] ? 0 : -1;
}

static int fsync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return -1;
    int rc = fsync(fd);
    close(fd);
    return rc;
}

/* The marker of dir's store: 1 with its boot id and pid, 0 when there is
 * none, -1 when it cannot be read (errno). */
static int fill_read(const char *dir, char boot[64], long *pid)
{
    char path[4200], line[256];
    snprintf(path, sizeof path, "%s/" FILL_MARK, dir);
    FILE *f = fopen(path, "re");
    if (!f) return errno == ENOENT ? 0 : -1;
    boot[0] = 0;
    *pid = 0;
    while (fgets(line, sizeof line, f)) {
        if (!strncmp(line, "boot ", 5)) {
            snprintf(boot, 64, "%s", line + 5);
            boot[strcspn(boot, "\n")] = 0;
        } else if (!strncmp(line, "pid ", 4)) *pid = strtol(line + 4, NULL, 10);
    }
    fclose(f);
    return 1;
}

/* Whether process pid runs (a pid this process may not signal does). */
static int pid_alive(long pid)
{
    return pid > 0 && (kill((pid_t)pid, 0) == 0 || errno == EPERM);
}

/* The marker removed, once the store is flushed. */
static void fill_unmark(const char *dir)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/" FILL_MARK, dir);
    if (unlink(path) == 0) fsync_dir(dir);
}

/* A group writer's start: when the store holds no quads, the marker is
 * written and flushed and commits stop flushing.  Nothing when it cannot
 * (the commits flush as before). */
static void fill_begin(kenv *e)
{
    if (e->fill || e->read_only || e->explicit_txn || e->wtxn || !e->dir) return;
    const char *v = getenv("KOUAN_LMDB_FILL_FLUSH");
    if (v && !strcmp(v, "each")) return;
    char boot[64];
    if (boot_id(boot)) return;
    MDB_txn *t;
    MDB_stat st;
    if (mdb_txn_begin(e->env, NULL, MDB_RDONLY, &t)) return;
    int empty = mdb_stat(t, e->idx[I_SPOC], &st) == 0 && st.ms_entries == 0;
    mdb_txn_abort(t);
    if (!empty) return;
    char path[4200], text[512];
    snprintf(path, sizeof path, "%s/" FILL_MARK, e->dir);
    int len = snprintf(text, sizeof text,
                       "kouan: this new store's first batch is being written without a disk flush\n"
                       "per commit; the store is flushed once, at the batch's end, and this file\n"
                       "removed.  Still here after the system restarted: the store may be damaged.\n"
                       "boot %s\npid %ld\n", boot, (long)getpid());
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
    if (fd < 0) return;
    int ok = write(fd, text, (size_t)len) == len && fsync(fd) == 0;
    close(fd);
    if (!ok || fsync_dir(e->dir) || mdb_env_set_flags(e->env, MDB_NOSYNC, 1)) {
        unlink(path);
        return;
    }
    e->fill = 1;
    prefault_writeback(e);
}

/* The fill's end: the whole file flushed (every commit since the marker),
 * then the marker removed and commits flushed again.  0, or LMDB's error
 * (the marker stays: the next writer flushes). */
static int fill_end(kenv *e)
{
    if (!e->fill) return 0;
    double t0 = kouan_seconds();
    int rc = mdb_env_sync(e->env, 1);
    e->times.fill_flush += kouan_seconds() - t0;
    if (rc) return rc;
    mdb_env_set_flags(e->env, MDB_NOSYNC, 0);
    e->fill = 0;
    fill_unmark(e->dir);
    return 0;
}

/* At open: the marker of a fill, if any (see above).  0, or -1 (logged):
 * the store is not to be opened. */
static int fill_check(kenv *e, librdf_world *w, const char *dir)
{
    char boot[64], now[64];
    long pid;
    int r = fill_read(dir, boot, &pid);
    if (r == 0) return 0;
    if (r < 0) {
        librdf_log(w, 0, LIBRDF_LOG_ERROR, LIBRDF_FROM_STORAGE, NULL,
                   "kouan store %s: cannot read %s/" FILL_MARK " (%s), which says whether "
                   "its first batch reached the disk", dir, dir, strerror(errno));
        return -1;
    }
    if (boot_id(now) || strcmp(boot, now) != 0) {
        librdf_log(w, 0, LIBRDF_LOG_ERROR, LIBRDF_FROM_STORAGE, NULL,
                   "kouan store %s: the system restarted while the store's first batch was "
                   "being written (%s/" FILL_MARK " is still there): that batch is flushed to "
                   "disk only at its end, so the store may be damaged; remove the folder and "
                   "extract the documents again (or delete %s/" FILL_MARK " to open it as it "
                   "is, at your own risk)", dir, dir, dir);
        return -1;
    }
    if (e->read_only) return 0;
    if (pid != (long)getpid() && pid_alive(pid)) return 0;   /* its writer is still at work */
    /* its writer is gone, what it committed is in the page cache: on disk
       now, as its fill would have ended */
    e->fill = 1;
    int rc = fill_end(e);
    if (rc) {
        librdf_log(w, 0, LIBRDF_LOG_ERROR, LIBRDF_FROM_STORAGE, NULL,
                   "kouan store %s: flushing the store its first batch left failed: %s",
                   dir, mdb_strerror(rc));
        return -1;
    }
    return 0;
}

/* ---- the file's tail, in the page cache before the writer writes it ------------ */

/* A commit writes its new pages past the end of data.mdb, and writing a page
 * the page cache does not hold yet costs far more than rewriting one it does:
 * the kernel allocates and zeroes the page inside the writer's pwrite (on a
 * virtual machine whose host backs a guest page at its first touch, ~10 ms a
 * MB here: a quarter of the writer's time in a 40 MB batch, against 0.3 ms a
 * MB for a cached page).  So while groups are on (kouan extract's writer) a
 * helper thread keeps the PREFAULT_MB past the last commit's end allocated
 * (fallocate: the file grows and never shrinks, what LMDB wrote stays) and in
 * the page cache (readahead of blocks never written: zeroed, clean pages),
 * on the core the workers leave idle; the writer then writes into cached
 * pages.  When groups end, the file is cut back to LMDB's last page under the
 * write lock (prefault_stop).  A writer killed before that leaves up to
 * PREFAULT_MB of allocated tail that LMDB never reads (past its last page)
 * and the next group writer cuts.  The helper reads LMDB's last page number
 * (mdb_env_info) and nothing else of it.  KOUAN_LMDB_PREFAULT_MB: how far
 * ahead (0: no helper).
 *
 * Only on a core the writer's process leaves idle (kouan_lmdb_set_spare_core:
 * kouan extract -j 1 on two cores, not -j 2).  With none, the helper's time
 * came from the writer and the workers even at SCHED_IDLE: the 200 MB
 * batch with -j 2 took 35.4–37.2 s with it against 32.0–36.1 s without
 * (three runs each, interleaved), the writer writing 23.3–23.7 s against
 * 19.8–21.4; with -j 1 the two were level on the machine of 2026-12-06
 * (67.1–67.4 s without, 67.3–69.1 with), whose guest pages the host had
 * backed already. */
#define PREFAULT_MB 96
typedef struct prefault {
    pthread_t        th;
    int              stop;      /* atomic: the writer asks the helper to end */
    int              fd;        /* data.mdb, a descriptor of the helper's own */
    MDB_env         *env;
    off_t            psize, ahead;
    off_t            done;      /* allocated and cached up to here */
    int              writeback; /* atomic: a new store's fill is on: each
                                   commit's pages are sent to the disk now
                                   (fill_begin), not at the fill's end */
    size_t           bytes;     /* the helper's: read by the writer after the join */
    double           seconds;
} prefault;

/* The end of LMDB's pages in the file (its last committed page + 1), or -1;
 * *txnid (may be NULL): the last committed transaction's id. */
static off_t pages_end(MDB_env *env, off_t psize, size_t *txnid)
{
    MDB_envinfo info;
    if (mdb_env_info(env, &info) != 0) return -1;
    if (txnid) *txnid = info.me_last_txnid;
    return (off_t)(info.me_last_pgno + 1) * psize;
}

static void *prefault_main(void *arg)
{
    prefault *p = arg;
    /* only on a core nothing else wants: never slows the writer or the
       workers (with a normal priority it took the writer's core at times).
       A helper that only sends commits to the disk (no core to spare:
       p->ahead 0) keeps its priority: a call a commit, and what it does
       not send the fill's last flush waits for */
    struct sched_param sp = { 0 };
    if (p->ahead) pthread_setschedparam(pthread_self(), SCHED_IDLE, &sp);
    const off_t step = (off_t)2 << 20;  /* a readahead's reach; stop heard between */
    size_t seen = 0, txnid = 0;
    while (!__atomic_load_n(&p->stop, __ATOMIC_ACQUIRE)) {
        off_t used = pages_end(p->env, p->psize, &txnid);
        /* a fill's commits are not flushed: what a commit wrote is sent to
           the disk once the commit is seen (a new transaction id: the
           merge's commits write over freed pages, not past the end),
           without waiting for it, so that the fill's one flush at its end
           finds little left to write */
        if (used >= 0 && txnid != seen && __atomic_load_n(&p->writeback, __ATOMIC_ACQUIRE)) {
            (void)sync_file_range(p->fd, 0, 0, SYNC_FILE_RANGE_WRITE);
            seen = txnid;
        }
        if (used >= 0 && p->ahead) {
            off_t from = p->done > used ? p->done : used, to = used + p->ahead;
            double t0 = kouan_seconds();
            for (off_t o = from; o < to && !__atomic_load_n(&p->stop, __ATOMIC_ACQUIRE); o += step) {
                off_t n = to - o < step ? to - o : step;
                if (fallocate(p->fd, 0, o, n) != 0) {   /* no room, or not supported */
                    __atomic_store_n(&p->stop, 1, __ATOMIC_RELEASE);
                    break;
                }
                if (readahead(p->fd, o, (size_t)n) != 0) break;
                p->done = o + n;
                p->bytes += (size_t)n;
            }
            if (from < to) p->seconds += kouan_seconds() - t0;
        }
        /* a group commits every few hundred ms: the end is read again in
           20 ms (so a stop waits at most that, once a batch) */
        nanosleep(&(struct timespec){ 0, 20 * 1000000L }, NULL);
    }
    return NULL;
}

/* Starts the helper for a group writer (nothing when one runs, the store
 * is read-only, or KOUAN_LMDB_PREFAULT_MB is 0).  With no core to spare
 * (kouan_lmdb_set_spare_core) it caches nothing ahead, and runs only to
 * send a new store's commits to the disk.  Failing to start it is not an
 * error: the writer only runs slower. */
static void prefault_start(kenv *e)
{
    if (e->pf || e->read_only) return;
    const char *v = getenv("KOUAN_LMDB_PREFAULT_MB");
    long mb = v && *v ? strtol(v, NULL, 10) : PREFAULT_MB;
    if (mb <= 0) return;
    if (e->no_spare) mb = 0;
    if (!mb && !e->fill) return;                 /* nothing to do */
    int lfd;
    MDB_stat st;
    if (mdb_env_get_fd(e->env, &lfd) || mdb_env_stat(e->env, &st)) return;
    prefault *p = calloc(1, sizeof *p);
    if (!p) return;
    p->env = e->env;
    p->writeback = e->fill;
    p->psize = (off_t)st.ms_psize;
    p->ahead = (off_t)mb << 20;
    p->fd = fcntl(lfd, F_DUPFD_CLOEXEC, 0);
    if (p->fd < 0 || pthread_create(&p->th, NULL, prefault_main, p) != 0) {
        if (p->fd >= 0) close(p->fd);
        free(p);
        return;
    }
    e->pf = p;
}

/* A fill began with the helper running: it sends commits to the disk. */
static void prefault_writeback(kenv *e)
{
    if (e->pf) __atomic_store_n(&e->pf->writeback, 1, __ATOMIC_RELEASE);
}

/* Ends the helper and cuts the file back to LMDB's last page, inside a
 * write transaction (the write lock: no other writer extends the file
 * meanwhile), when none is open here; else the tail stays for the next. */
static void prefault_stop(kenv *e)
{
    prefault *p = e->pf;
    if (!p) return;
    e->pf = NULL;
    if (e->pid == getpid()) {                /* a forked child has no helper */
        __atomic_store_n(&p->stop, 1, __ATOMIC_RELEASE);
        pthread_join(p->th, NULL);
        e->times.prefault_bytes += p->bytes;
        e->times.prefault += p->seconds;
        MDB_txn *t;
        if (!e->wtxn && mdb_txn_begin(e->env, NULL, 0, &t) == 0) {
            off_t used = pages_end(e->env, p->psize, NULL);
            struct stat sb;
            /* a failed cut leaves the tail: LMDB never reads past its last page */
            if (used > 0 && fstat(p->fd, &sb) == 0 && sb.st_size > used)
                (void)!ftruncate(p->fd, used);
            mdb_txn_abort(t);
        }
    }
    close(p->fd);
    free(p);
}

static void wr_abort(kenv *e)
{
    e->npend = 0;
    bl_drop(e);
    ig_clear(e);
    e->drop = 0;
    e->next_loaded = e->next_dirty = 0;         /* the counter as committed */
    if (!e->wtxn) return;
    mdb_txn_abort(e->wtxn);
    e->wtxn = NULL;
    e->explicit_txn = 0;
    e->wgen++;
    e->agen++;
    cache_clear(e);
}

/* ---- quads -------------------------------------------------------------------- */

/* Adds quad q: 0 added, 1 already there, else an LMDB error. */
static int quad_add(kenv *e, MDB_txn *txn, const uint64_t q[4], int u)
{
    unsigned char b[32];
    encode_quad(I_SPOC, q, b);
    MDB_val key = { 8, b }, val = { 24, b + 8 };
    int rc = mdb_put(txn, e->idx[I_SPOC], &key, &val, MDB_NODUPDATA);
    if (rc == MDB_KEYEXIST) return 1;
    for (int i = 1; i < N_IDX && rc == 0; i++) {
        if (!in_index(i, u)) continue;
        encode_quad(i, q, b);
        key = (MDB_val){ 8, b };
        val = (MDB_val){ 24, b + 8 };
        rc = mdb_put(txn, e->idx[i], &key, &val, MDB_NODUPDATA);
        if (rc == MDB_KEYEXIST) rc = 0;
    }
    return rc;
}

/* Removes quad q: 0 removed, MDB_NOTFOUND when absent, else an error. */
static int quad_del(kenv *e, MDB_txn *txn, const uint64_t q[4], int skip_cspo)
{
    int rc = 0;
    for (int i = 0; i < N_IDX && rc == 0; i++) {
        if (i == I_CSPO && skip_cspo) continue;
        if (!in_index(i, pred_flags(e, q[1]))) continue;   /* not there */
        unsigned char b[32];
        encode_quad(i, q, b);
        MDB_val key = { 8, b }, val = { 24, b + 8 };
        rc = mdb_del(txn, e->idx[i], &key, &val);
        if (rc == MDB_NOTFOUND && i > 0) rc = 0;   /* indexes agree; be lenient */
    }
    return rc;
}

/* Sorting pending quads in each index's order: a quicksort per order with
 * the comparison inlined (qsort called its comparator through a pointer
 * ~20 times per quad and copied elements through a buffer: a sixth of a
 * bulk load).  Median of three, the smaller side first (depth log n),
 * insertion sort below 16. */
#define SORT_PEND(name, a0, a1, a2, a3)                                        \
    static inline int name##_lt(const pend *a, const pend *b)                 \
    {                                                                          \
        const uint64_t *x = a->q, *y = b->q;                                   \
        if (x[a0] != y[a0]) return x[a0] < y[a0];                              \
        if (x[a1] != y[a1]) return x[a1] < y[a1];                              \
        if (x[a2] != y[a2]) return x[a2] < y[a2];                              \
        return x[a3] < y[a3];                                                  \
    }                                                                          \
    static void name(pend *v, size_t n)                                        \
    {                                                                          \
        pend t;                                                                \
        while (n > 16) {                                                       \
            pend *a = v, *b = v + n / 2, *c = v + n - 1;                       \
            if (name##_lt(b, a)) { t = *a; *a = *b; *b = t; }                  \
            if (name##_lt(c, b)) {                                             \
                t = *b; *b = *c; *c = t;                                       \
                if (name##_lt(b, a)) { t = *a; *a = *b; *b = t; }              \
            }                                                                  \
            const pend pivot = *b;                                             \
            ptrdiff_t i = -1, j = (ptrdiff_t)n;                                \
            for (;;) {                                                         \
                do i++; while (name##_lt(&v[i], &pivot));                      \
                do j--; while (name##_lt(&pivot, &v[j]));                      \
                if (i >= j) break;                                             \
                t = v[i]; v[i] = v[j]; v[j] = t;                               \
            }                                                                  \
            size_t left = (size_t)j + 1, right = n - left;                     \
            if (left < right) { name(v, left); v += left; n = right; }         \
            else { name(v + left, right); n = left; }                          \
        }                                                                      \
        for (size_t k = 1; k < n; k++) {                                       \
            t = v[k];                                                          \
            size_t m = k;                                                      \
            for (; m > 0 && name##_lt(&t, &v[m - 1]); m--) v[m] = v[m - 1];    \
            v[m] = t;                                                          \
        }                                                                      \
    }
SORT_PEND(sort_spoc, 0, 1, 2, 3)
SORT_PEND(sort_posc, 1, 2, 0, 3)
SORT_PEND(sort_ospc, 2, 0, 1, 3)
SORT_PEND(sort_cspo, 3, 0, 1, 2)
static void (*const SORT_OF[N_IDX])(pend *, size_t) = {
    sort_spoc, sort_posc, sort_ospc, sort_cspo
};
static int (*const LT_OF[N_IDX])(const pend *, const pend *) = {
    sort_spoc_lt, sort_posc_lt, sort_ospc_lt, sort_cspo_lt
};

/* The other orders from SPOC's, stably: sorting quads in (s, p, o, c)
 * order by o alone, keeping ties in place, gives (o, s, p, c) — OSPC;
 * that by p, (p, o, s, c) — POSC; SPOC's by c, (c, s, p, o) — CSPO.  A
 * stable sort by one id is a radix sort: a pass per 11 bits of the
 * largest id (two for a 40 MB corpus' 730,000 terms), linear, where the
 * quicksorts above compared ~17 times a quad (a tenth of the writer's
 * time on a 40 MB corpus).  Reads src[0..n), writes dst; their roles swap
 * each pass.  Returns the buffer that holds the result (src or dst). */
static pend *radix_by(pend *src, pend *dst, size_t n, int k)
{
    uint64_t max = 0;
    for (size_t j = 0; j < n; j++)
        if (src[j].q[k] > max) max = src[j].q[k];
    for (unsigned shift = 0; shift < 64 && (max >> shift); shift += 11) {
        size_t count[2048] = { 0 };
        for (size_t j = 0; j < n; j++) count[(src[j].q[k] >> shift) & 2047]++;
        for (size_t b = 0, sum = 0; b < 2048; b++) {
            size_t c = count[b];
            count[b] = sum;
            sum += c;
        }
        for (size_t j = 0; j < n; j++) dst[count[(src[j].q[k] >> shift) & 2047]++] = src[j];
        pend *t = src; src = dst; dst = t;
    }
    return src;
}

/* SPOC's order for a flush, with tmp (room for n) to spare: a radix sort
 * by subject (radix_by: two passes up to 4 million terms), then each
 * subject's quads by (p, o, c), most of them a statement node's dozen
 * (insertion sort).  A group's quads come a document at a time, each
 * subject's together but out of order (158,000 quads in 33,000 ascending
 * runs at 40 MB): the quicksort compared ~17 times a quad, a twentieth of
 * the writer's time. */
static void sort_spoc_by_s(pend *v, pend *tmp, size_t n)
{
    pend *r = radix_by(v, tmp, n, 0);
    if (r != v) memcpy(v, r, n * sizeof *v);
    for (size_t a = 0, b; a < n; a = b) {
        for (b = a + 1; b < n && v[b].q[0] == v[a].q[0]; b++) {}
        if (b - a > 1) sort_spoc(v + a, b - a);
    }
}

/* CSPO's order from SPOC's: src[0..n) stably by c into dst (src kept).
 * A flush holds the quads of a few graphs (a group's documents): a
 * counting sort over their distinct contexts (a quad's found by a linear
 * search, once to count it and once to place it); past 64 of them, a copy
 * sorted. */
static void by_graph(const pend *src, pend *dst, size_t n)
{
    enum { MAXG = 64 };
    uint64_t g[MAXG];
    size_t ng = 0, at[MAXG];
    for (size_t j = 0; j < n; j++) {
        size_t b = 0;
        while (b < ng && g[b] != src[j].q[3]) b++;
        if (b == ng) {
            if (ng == MAXG) {
                memcpy(dst, src, n * sizeof *dst);
                sort_cspo(dst, n);
                return;
            }
            g[ng] = src[j].q[3];
            at[ng++] = 0;
        }
        at[b]++;
    }
    for (size_t a = 1; a < ng; a++)                 /* the contexts in order */
        for (size_t b = a; b > 0 && g[b] < g[b - 1]; b--) {
            uint64_t t = g[b]; g[b] = g[b - 1]; g[b - 1] = t;
            size_t u = at[b]; at[b] = at[b - 1]; at[b - 1] = u;
        }
    for (size_t b = 0, sum = 0; b < ng; b++) {      /* counts → first places */
        size_t c = at[b];
        at[b] = sum;
        sum += c;
    }
    for (size_t j = 0; j < n; j++) {
        size_t b = 0;
        while (g[b] != src[j].q[3]) b++;
        dst[at[b]++] = src[j];
    }
}

/* For tests (KOUAN_LMDB_CHECK_ORDER): v[0..n) is in index i's order. */
static void check_order(const pend *v, size_t n, int i)
{
    for (size_t j = 1; j < n; j++)
        if (LT_OF[i](&v[j], &v[j - 1])) {
            fprintf(stderr, "kouan store: flush: quads %zu and %zu out of %s order\n",
                    j - 1, j, IDX_NAME[i]);
            abort();
        }
}

/* Writes the pending quads: sorted in each index's order, through one
 * cursor per index, so that the B-tree is walked in order (about twice as
 * fast as inserting each quad into four indexes as it comes).  A quad
 * already stored (SPOC says so) is skipped in the other indexes.
 *
 * The quads that sort after the index's last entry are appended, each
 * key's values in one MDB_MULTIPLE put (MDB_APPEND for a new key,
 * MDB_APPENDDUP after the last value of the last key): no search from the
 * root, and LMDB then fills pages instead of splitting them in half.  In a
 * bulk load into an empty store (kouan store import and migrate, which
 * copy in one transaction; bench/store) that is every quad; in a store that
 * holds data, those of the document's new terms (ids from the counter are
 * above every stored one).  Inside the index, a key's run of values past
 * its last stored value is one MDB_APPENDDUP put too (see below). */
/* Writes the removal of graph e->drop_c, merged with the pending adds:
 * a quad the graph holds and an add puts back (a document extracted again
 * states mostly what it stated before) is marked keep — neither removed
 * nor added — and only the others are removed, from each index in its
 * order.  So replacing a graph costs what changed in it, not twice its
 * size: reading the graph's CSPO run is sequential, removing and adding
 * are a B-tree search and a page copy each.  The result is the same as
 * removing every quad and adding the pending ones: kept quads are in the
 * graph before and after. */
static int drop_merge(kenv *e)
{
    uint64_t c = e->drop_c;
    pend *v = NULL;                          /* the graph's quads, CSPO order */
    size_t n = 0, cap = 0;
    MDB_cursor *cur;
    int rc = mdb_cursor_open(e->wtxn, e->idx[I_CSPO], &cur);
    if (rc) return rc;
    unsigned char kb[8];
    put64(kb, c);
    MDB_val key = { 8, kb }, val;
    size_t count = 0;
    rc = mdb_cursor_get(cur, &key, &val, MDB_SET_KEY);
    if (rc == 0 && mdb_cursor_count(cur, &count) == 0 && count > 0) {
        cap = count;
        if (!(v = malloc(cap * sizeof *v))) { mdb_cursor_close(cur); return ENOMEM; }
    }
    for (; rc == 0; rc = mdb_cursor_get(cur, &key, &val, MDB_NEXT_DUP)) {
        if (n == cap) {
            cap = cap ? cap * 2 : 1024;
            void *nv = realloc(v, cap * sizeof *v);
            if (!nv) { free(v); mdb_cursor_close(cur); return ENOMEM; }
            v = nv;
        }
        decode_quad(I_CSPO, key.mv_data, val.mv_data, v[n].q);
        v[n++].keep = 0;
    }
    mdb_cursor_close(cur);
    if (rc != MDB_NOTFOUND) { free(v); return rc; }
    if (!n) { free(v); return 0; }
    /* the merge: pending adds in SPOC order against the graph's run (its
       CSPO run is in (s, p, o) order: SPOC order within one graph); flush
       then finds them sorted for SPOC */
    size_t kept = 0;
    if (e->npend) {
        sort_spoc(e->pend, e->npend);
        e->pend_spoc = 1;
        size_t k = 0;
        for (size_t j = 0; j < e->npend; j++) {
            pend *p = &e->pend[j];
            p->keep = 0;
            if (p->q[3] != c) continue;
            while (k < n && sort_spoc_lt(&v[k], p)) k++;
            if (k < n && memcmp(v[k].q, p->q, sizeof p->q) == 0) {
                p->keep = 1;                  /* copies of it too */
                if (!v[k].keep) { v[k].keep = 1; kept++; }
            }
        }
    }
    rc = 0;
    if (kept == 0) {
        key = (MDB_val){ 8, kb };
        rc = mdb_del(e->wtxn, e->idx[I_CSPO], &key, NULL);    /* every duplicate */
    }
    size_t m = 0;                            /* the quads that go, compacted */
    for (size_t j = 0; j < n; j++)
        if (!v[j].keep) v[m++] = v[j];
    if (m && backlog_in(e, e->wtxn, 1)) {   /* the backlog may hold some of them */
        MDB_val sk = { sizeof BACKLOG_STALE - 1, BACKLOG_STALE }, sv = { 0, "" };
        rc = mdb_put(e->wtxn, e->meta, &sk, &sv, 0);
    }
    for (int i = 0; i < N_IDX && !rc; i++) {
        if (i == I_CSPO && kept == 0) continue;      /* done at once above */
        if (i != I_SPOC && i != I_CSPO) SORT_OF[i](v, m);   /* else read so */
        for (size_t j = 0; j < m && !rc; j++) {
            if (!in_index(i, pred_flags(e, v[j].q[1]))) continue;   /* not there */
            unsigned char b[32];
            encode_quad(i, v[j].q, b);
            MDB_val kk = { 8, b }, vv = { 24, b + 8 };
            rc = mdb_del(e->wtxn, e->idx[i], &kk, &vv);
            if (rc == MDB_NOTFOUND) rc = 0;
        }
    }
    free(v);
    return rc;
}

static int drop_merge(kenv *e);

/* The run of pending quads from j on (sorted for index i) whose key is
 * key[0..7]: their values into run, their positions into run_j, at most
 * max; duplicates and kept quads skipped.  Returns how many. */
static size_t key_run(const kenv *e, int i, size_t j, const unsigned char *key,
                      unsigned char *run, size_t *run_j, size_t max)
{
    size_t n = 0;
    for (size_t k = j; k < e->npend && n < max; k++) {
        if (e->pend[k].dup || e->pend[k].keep || !in_index(i, e->pend[k].u)) continue;
        unsigned char bk[32];
        encode_quad(i, e->pend[k].q, bk);
        if (memcmp(bk, key, 8) != 0) break;
        memcpy(run + 24 * n, bk + 8, 24);
        run_j[n++] = k;
    }
    return n;
}

/* Puts pend (sorted for index i; dup and kept quads and those index i
 * does not hold skipped) into index i through cursor cur, as flush
 * describes.  run and run_j: room for RUN_MAX values.  Adds to *cost an
 * estimate of the dirty bytes: a page a put inside the index, 24 bytes an
 * appended value (the backlog's merge commits by it). */
enum { RUN_MAX = 1024 };
static int put_index(kenv *e, int i, MDB_cursor *cur, unsigned char *run, size_t *run_j,
                     size_t trim_every, size_t *cost)
{
    int rc = 0;
    unsigned char last[32];
    MDB_val key, val;
    int have_last = 0, appending = 0;
    size_t solo_end = 0;                 /* pend[< solo_end]: one put each */
    int g = mdb_cursor_get(cur, &key, &val, MDB_LAST);
    if (g == 0 && key.mv_size == 8 && val.mv_size == 24) {
        memcpy(last, key.mv_data, 8);
        memcpy(last + 8, val.mv_data, 24);
        have_last = 1;
    } else if (g == MDB_NOTFOUND) appending = 1;          /* empty */
    else if (g) return g;
    for (size_t j = 0, trim_at = trim_every; j < e->npend && !rc; j++) {
        pend *p = &e->pend[j];
        if (p->dup || p->keep) continue;
        if (!in_index(i, p->u)) continue;
        if (j >= trim_at) {              /* a group's flush reads many pages */
            resident_trim(e);
            trim_at = j + trim_every;
        }
        unsigned char b[32];
        encode_quad(i, p->q, b);
        if (!appending && have_last && memcmp(b, last, 32) > 0) appending = 1;
        if (appending) {
            /* this key's run of values (all after the last entry, as
               they sort after this one) in one put: with MDB_MULTIPLE
               LMDB stays on the leaf instead of searching for the key
               again for each value (that search was a third of a load) */
            size_t n = key_run(e, i, j, b, run, run_j, RUN_MAX);
            unsigned flags = have_last && memcmp(b, last, 8) == 0
                             ? MDB_APPENDDUP : MDB_APPEND | MDB_APPENDDUP;
            MDB_val data[2] = { { 24, run }, { n, NULL } };
            key = (MDB_val){ 8, b };
            rc = mdb_cursor_put(cur, &key, data, flags | MDB_MULTIPLE);
            size_t done = rc == 0 ? n : data[1].mv_size;
            if (done > 0) {
                memcpy(last, b, 8);
                memcpy(last + 8, run + 24 * (done - 1), 24);
                have_last = 1;
            }
            if (rc == 0) { *cost += 24 * n; j = run_j[n - 1]; continue; }
            if (rc != MDB_KEYEXIST) break;
            /* LMDB refused an append (it cannot with memcmp order, but a
               refusal must not lose a quad): ordinary puts decide from
               the first value not written */
            rc = 0;
            appending = 0;
            have_last = 0;
            j = run_j[done];
            p = &e->pend[j];
            encode_quad(i, p->q, b);
        }
        /* inside the index: a key's run of two or more values that all
           sort after the key's last value (a document's new evidence
           nodes under an old object in OSPC, a re-extracted graph's new
           subjects in CSPO), or a key not stored yet, is one put
           (MDB_APPENDDUP: LMDB fills the key's pages instead of
           splitting them); a run among the key's values, one put each */
        size_t n = j >= solo_end ? key_run(e, i, j, b, run, run_j, RUN_MAX) : 0;
        if (n >= 2) {
            solo_end = run_j[n - 1] + 1;  /* not again for this run's quads */
            key = (MDB_val){ 8, b };
            int g = mdb_cursor_get(cur, &key, &val, MDB_SET_KEY);
            unsigned flags = ~0u;
            if (g == MDB_NOTFOUND) flags = 0;
            else if (g == 0 && (g = mdb_cursor_get(cur, &key, &val, MDB_LAST_DUP)) == 0 &&
                     val.mv_size == 24 && memcmp(run, val.mv_data, 24) > 0)
                flags = MDB_APPENDDUP;
            if (g && g != MDB_NOTFOUND) { rc = g; break; }
            if (flags != ~0u) {
                MDB_val data[2] = { { 24, run }, { n, NULL } };
                key = (MDB_val){ 8, b };
                rc = mdb_cursor_put(cur, &key, data, flags | MDB_MULTIPLE);
                if (rc == 0) { *cost += 4096 + 24 * n; j = run_j[n - 1]; continue; }
                if (rc != MDB_KEYEXIST) break;
                rc = 0;                   /* as above: one put each from here */
                j = run_j[data[1].mv_size < n ? data[1].mv_size : n - 1];
                p = &e->pend[j];
                encode_quad(i, p->q, b);
            }
        }
        key = (MDB_val){ 8, b };
        val = (MDB_val){ 24, b + 8 };
        rc = mdb_cursor_put(cur, &key, &val, MDB_NODUPDATA);
        *cost += 4096;
        if (rc == MDB_KEYEXIST) { rc = 0; if (i == I_SPOC) p->dup = 1; }
    }
    return rc;
}

static int bl_add(kenv *e, int i);
static int flush_pend(kenv *e);

/* Writes the pending quads (and a pending graph removal) into the write
 * transaction, index by index, sorted; timed (kouan_lmdb_times.flush). */
static int flush(kenv *e)
{
    if (!e->wtxn) { e->npend = 0; e->drop = 0; return 0; }
    if (!e->drop && !e->npend) { e->pend_spoc = 0; return 0; }
    double t0 = kouan_seconds();
    int rc = flush_pend(e);
    e->times.flush += kouan_seconds() - t0;
    return rc;
}

static int flush_pend(kenv *e)
{
    e->pend_spoc = 0;
    if (e->drop) {
        int rc = drop_merge(e);
        e->drop = 0;
        if (rc) { e->npend = 0; return rc; }
    }
    if (!e->npend) return 0;
    unsigned char *run = malloc(24 * RUN_MAX);       /* one key's values */
    size_t *run_j = malloc(sizeof *run_j * RUN_MAX);  /* and their quads */
    if (!run || !run_j) { free(run); free(run_j); return ENOMEM; }
    /* a group's implicit transaction leaves POSC and OSPC to the backlog
       (see "The backlog" above) */
    int backlog = e->group_ms && !e->explicit_txn;
    int rc = 0;
    size_t cost = 0;                                 /* the merge's measure, unused here */
    /* SPOC sorted, then the others derived from it (radix_by) in a second
       buffer: CSPO and OSPC from SPOC's order, POSC from OSPC's.  Past
       DERIVE_MAX quads (one transaction of a bulk import, not a group's
       flush: ≤ 150,000) or without room for the buffer, each order is
       sorted on its own, in place: no second copy of a large flush */
    enum { DERIVE_MAX = 262144 };                    /* 10 MB of buffer */
    if (e->cap_tmp < e->npend && e->npend <= DERIVE_MAX) {
        pend *t = realloc(e->pend_tmp, e->npend * sizeof *t);
        if (t) {
            e->pend_tmp = t;
            e->cap_tmp = e->npend;
        }
    }
    int derive = e->cap_tmp >= e->npend && e->npend <= DERIVE_MAX;
    pend *const own = e->pend;                       /* restored below */
    pend *spoc = own, *other = e->pend_tmp;
    static const int ORDER[N_IDX] = { I_SPOC, I_CSPO, I_OSPC, I_POSC };
    for (int step = 0; step < N_IDX && !rc; step++) {
        int i = ORDER[step];
        if (!derive) {
            if (i != I_SPOC || !e->pend_spoc) SORT_OF[i](own, e->npend);
        } else if (i == I_SPOC) {
            if (!e->pend_spoc) sort_spoc_by_s(own, other, e->npend);
        } else if (i == I_CSPO) {                    /* into other: own keeps SPOC's */
            by_graph(spoc, other, e->npend);
            e->pend = other;
        } else {                                     /* OSPC from SPOC's, POSC from OSPC's */
            pend *from = i == I_OSPC ? spoc : e->pend;
            pend *into = from == own ? other : own;
            e->pend = radix_by(from, into, e->npend, i == I_OSPC ? 2 : 1);
        }
        if (e->check_order) check_order(e->pend, e->npend, i);
        if (i == I_SPOC)                              /* twice in the commit */
            for (size_t j = 0; j < e->npend; j++)
                e->pend[j].dup = j && memcmp(e->pend[j].q, e->pend[j - 1].q, sizeof e->pend[j].q) == 0;
        if (backlog && (i == I_POSC || i == I_OSPC)) { rc = bl_add(e, i); continue; }
        MDB_cursor *cur;
        if ((rc = mdb_cursor_open(e->wtxn, e->idx[i], &cur))) break;
        rc = put_index(e, i, cur, run, run_j, TRIM_EVERY, &cost);
        mdb_cursor_close(cur);
    }
    e->pend = own;
    free(run);
    free(run_j);
    e->npend = 0;
    return rc;
}

/* ---- the backlog: POSC and OSPC of a group's quads, merged later ------------- */

/* meta keys: "backlog" → the next run's number (8 bytes; present while runs
   exist); 'R' i n k → a chunk of run n of index i: the run's keys k on
   (k: 8 bytes, big-endian; RUN_CHUNK of them, fewer in the last chunk; the
   quads as sorted keys, 32 bytes each, index i's order); 'D' i n → how
   many of run n's
   keys are merged (8 bytes); "backlog-removed" (empty) → a graph replaced
   while the runs existed removed quads from SPOC that a run may still
   hold: the merge then puts only quads SPOC still has.
   A run is kept in chunks so that the merge deletes each chunk once it is
   past it: the pages freed are the next merge transactions' (LMDB reuses
   a page freed by a committed transaction no reader sees), so the merge
   writes POSC and OSPC over the runs' pages — pages the page cache holds —
   instead of growing the file by them (with runs of one value each, a
   40 MB corpus' store ended 28 % free pages, the size of its runs).
   'R' i n with no chunk number (10 bytes: kouan of 2026-12-03) is a run in
   one value: read the same way, deleted with the backlog. */
enum { RUN_KEY = 10, RUN_CHUNK_KEY = 18, DRAIN_CHUNK = 65536 };
enum { RUN_CHUNK = 16384 };          /* keys a chunk (512 KiB) */

/* Tests make chunks and merge transactions small, to cut a merge short
 * inside a run: KOUAN_LMDB_RUN_CHUNK (keys a chunk), KOUAN_LMDB_DRAIN_BYTES
 * (a merge transaction's dirty bytes). */
static size_t env_size(const char *name, size_t dflt)
{
    const char *v = getenv(name);
    char *end;
    unsigned long long n = v && *v ? strtoull(v, &end, 10) : 0;
    return v && *v && !*end && n > 0 ? (size_t)n : dflt;
}
#define DRAIN_DIRTY ((size_t)32 << 20)
enum { DRAIN_TRIM = 32 };   /* puts between trims: a fault maps a whole folio */

static int backlog_in(kenv *e, MDB_txn *txn, int is_w)
{
    if (is_w && (e->bl_n[0] || e->bl_n[1])) return 1;    /* not yet a run */
    unsigned gen = is_w ? e->wgen : e->rsnap;
    if (e->bl_valid && e->bl_w == is_w && e->bl_gen == gen) return e->bl_val;
    MDB_val key = { sizeof BACKLOG_KEY - 1, BACKLOG_KEY }, val;
    e->bl_val = mdb_get(txn, e->meta, &key, &val) == 0;
    e->bl_valid = 1;
    e->bl_w = is_w;
    e->bl_gen = gen;
    return e->bl_val;
}

/* Sets meta "format" to the store's tag, with FORMAT_BACKLOG when
 * backlog (a kouan without backlogs then refuses the store), in txn. */
static int format_mark(kenv *e, MDB_txn *txn, int backlog)
{
    const char *tag = e->format == 2 ? FORMAT_TAG_2 : e->format == 3 ? FORMAT_TAG_3
                    : e->format == 4 ? FORMAT_TAG_4 : FORMAT_TAG;
    char buf[64];
    int n = snprintf(buf, sizeof buf, "%s%s", tag, backlog ? FORMAT_BACKLOG : "");
    MDB_val key = { 6, "format" }, val = { (size_t)n, buf };
    return mdb_put(txn, e->meta, &key, &val, 0);
}

/* Adds pend's quads that index i (POSC or OSPC) holds to the group's keys
 * for it, e->bl: they become one run at the group's commit (runs_save),
 * not one a flush (a read in the group flushes: a run per document made
 * the merge's heap thousands of runs wide). */
static int bl_add(kenv *e, int i)
{
    int b = i == I_OSPC;
    if (e->bl_nseg[b] == e->bl_segcap[b]) {
        size_t cap = e->bl_segcap[b] ? 2 * e->bl_segcap[b] : 256;
        size_t *ns = realloc(e->bl_seg[b], cap * sizeof *ns);
        if (!ns) return ENOMEM;
        e->bl_seg[b] = ns;
        e->bl_segcap[b] = cap;
    }
    if (e->bl_cap[b] - e->bl_n[b] < e->npend) {          /* room for all of pend */
        size_t cap = e->bl_cap[b] ? e->bl_cap[b] : 65536;
        while (cap - e->bl_n[b] < e->npend) cap *= 2;
        unsigned char *nb = realloc(e->bl[b], 32 * cap);
        if (!nb) return ENOMEM;
        e->bl[b] = nb;
        e->bl_cap[b] = cap;
    }
    unsigned char *start = e->bl[b] + 32 * e->bl_n[b], *out = start;
    for (size_t j = 0; j < e->npend; j++) {
        pend *p = &e->pend[j];
        if (p->dup || p->keep || !in_index(i, p->u)) continue;
        encode_quad(i, p->q, out);
        out += 32;
    }
    if (out == start) return 0;
    e->bl_seg[b][e->bl_nseg[b]++] = e->bl_n[b];
    e->bl_n[b] += (size_t)(out - start) / 32;
    return 0;
}

static void bl_drop(kenv *e)
{
    for (int b = 0; b < 2; b++) {
        free(e->bl[b]);
        free(e->bl_seg[b]);
        e->bl[b] = NULL;
        e->bl_seg[b] = NULL;
        e->bl_n[b] = e->bl_cap[b] = e->bl_nseg[b] = e->bl_segcap[b] = 0;
    }
}

/* A sorted run of 32-byte keys being merged: a group's flushes' segments
 * into a run (runs_save; buf is the keys themselves), or the backlog's
 * runs into POSC and OSPC (drain).  A backlog run's keys are read with
 * pread into buf, a part at a time, not through the map: a fault on the map maps the page cache's
 * whole folio (large folios: up to megabytes on ext4 since Linux 6.16),
 * so reading a few hundred runs side by side through the map held
 * ~2 MB of each in the process' resident memory. */
typedef struct bchunk {
    size_t               start, n;   /* the run's keys [start, start + n) */
    const unsigned char *p;          /* in the transaction's map */
    off_t                off;        /* and in data.mdb (-1: read from p) */
    int                  own_key;    /* 'R' i n k (deleted once merged) */
} bchunk;

typedef struct brun {
    unsigned char  key[RUN_KEY];
    bchunk        *ch;        /* its chunks, in order (a backlog run) */
    size_t         nch;
    size_t         n, at;     /* how many keys; merged so far */
    unsigned char *buf;       /* keys [lo, lo + nbuf) */
    size_t         lo, nbuf;
} brun;

static void runs_free(brun *runs, size_t n)
{
    for (size_t j = 0; runs && j < n; j++) free(runs[j].ch);
    free(runs);
}

static const unsigned char *brun_cur(const brun *r)
{
    return r->buf + 32 * (r->at - r->lo);
}

static int brun_lt(const brun *a, const brun *b)
{
    return memcmp(brun_cur(a), brun_cur(b), 32) < 0;
}

/* Reads r's next keys, from r->at on, up to cap of them and no further
 * than the chunk r->at is in, into r->buf.  EIO when no chunk holds r->at
 * (a chunk missing before the run's end). */
static int brun_fill(int fd, brun *r, size_t cap)
{
    const bchunk *c = NULL;
    for (size_t j = 0; j < r->nch && !c; j++)
        if (r->at >= r->ch[j].start && r->at < r->ch[j].start + r->ch[j].n) c = &r->ch[j];
    if (!c) return EIO;
    size_t left = c->start + c->n - r->at, k = left < cap ? left : cap;
    size_t from = r->at - c->start;
    r->lo = r->at;
    r->nbuf = k;
    if (c->off < 0) {
        memcpy(r->buf, c->p + 32 * from, 32 * k);
        return 0;
    }
    size_t want = 32 * k, got = 0;
    off_t at = c->off + (off_t)(32 * from);
    while (got < want) {
        ssize_t m = pread(fd, r->buf + got, want - got, at + (off_t)got);
        if (m < 0 && errno == EINTR) continue;
        if (m <= 0) return m < 0 ? errno : EIO;
        got += (size_t)m;
    }
    return 0;
}

static void heap_down(brun **h, size_t n, size_t i)
{
    for (;;) {
        size_t l = 2 * i + 1, m = i;
        if (l < n && brun_lt(h[l], h[m])) m = l;
        if (l + 1 < n && brun_lt(h[l + 1], h[m])) m = l + 1;
        if (m == i) return;
        brun *t = h[i]; h[i] = h[m]; h[m] = t;
        i = m;
    }
}

/* Merging the sorted segments of keys (32 bytes) at seg[0..nseg) of src
 * (n keys in all), in order, a part at a time (kseg_take). */
typedef struct kseg {
    brun  *r, **h;
    size_t nh;
} kseg;

static int kseg_init(kseg *m, const unsigned char *src, size_t n, const size_t *seg,
                     size_t nseg)
{
    m->r = malloc((nseg ? nseg : 1) * sizeof *m->r);
    m->h = malloc((nseg ? nseg : 1) * sizeof *m->h);
    m->nh = 0;
    if (!m->r || !m->h) { free(m->r); free(m->h); m->r = NULL; m->h = NULL; return ENOMEM; }
    for (size_t j = 0; j < nseg; j++) {
        size_t end = j + 1 < nseg ? seg[j + 1] : n;
        if (end == seg[j]) continue;
        m->r[j] = (brun){ .buf = (unsigned char *)src + 32 * seg[j], .n = end - seg[j] };
        m->r[j].nbuf = m->r[j].n;
        m->h[m->nh++] = &m->r[j];
    }
    for (size_t j = m->nh; j-- > 0; ) heap_down(m->h, m->nh, j);
    return 0;
}

/* The next k keys (or all that are left) into out; how many. */
static size_t kseg_take(kseg *m, unsigned char *out, size_t k)
{
    size_t done = 0;
    while (m->nh && done < k) {
        memcpy(out, brun_cur(m->h[0]), 32);
        out += 32;
        done++;
        if (++m->h[0]->at == m->h[0]->n) m->h[0] = m->h[--m->nh];
        heap_down(m->h, m->nh, 0);
    }
    return done;
}

static void kseg_free(kseg *m)
{
    free(m->r);
    free(m->h);
}

static int idpair_cmp(const void *a, const void *b);

/* The next run's key ('R' i n) in e->wtxn, its number taken from meta
 * "backlog" (the store marked as holding a backlog at the first). */
static int run_next(kenv *e, int i, unsigned char rk[RUN_KEY])
{
    MDB_val bk = { sizeof BACKLOG_KEY - 1, BACKLOG_KEY }, bv;
    uint64_t seq = 0;
    int rc = mdb_get(e->wtxn, e->meta, &bk, &bv);
    if (rc == 0 && bv.mv_size == 8) seq = get64(bv.mv_data);
    else if (rc != MDB_NOTFOUND && rc) return rc;
    unsigned char sb[8];
    put64(sb, seq + 1);
    rk[0] = 'R';
    rk[1] = (unsigned char)i;
    put64(rk + 2, seq);
    bv = (MDB_val){ 8, sb };
    if ((rc = mdb_put(e->wtxn, e->meta, &bk, &bv, 0))) return rc;
    return seq == 0 ? format_mark(e, e->wtxn, 1) : 0;   /* the first run */
}

/* Chunk k (its first key's place in the run) of run rk: room for c keys. */
static int run_chunk(kenv *e, const unsigned char rk[RUN_KEY], size_t k, size_t c,
                     unsigned char **room)
{
    unsigned char ck[RUN_CHUNK_KEY];
    memcpy(ck, rk, RUN_KEY);
    put64(ck + RUN_KEY, (uint64_t)k);
    MDB_val key = { RUN_CHUNK_KEY, ck }, val = { 32 * c, NULL };
    int rc = mdb_put(e->wtxn, e->meta, &key, &val, MDB_RESERVE);
    *room = rc ? NULL : val.mv_data;
    return rc;
}

/* Writes the group's keys (e->bl) as the next run of POSC and of OSPC in
 * e->wtxn, and its new plain literals (e->ig, sorted) as the next run of
 * `ids`, counted in "id-runs" (kenv.im_runs_next): meta 'R' i n k, a value
 * per chunk, its flushes' sorted keys merged into the values' room
 * (MDB_RESERVE: no copy beside it). */
static int runs_save(kenv *e)
{
    int rc = 0;
    size_t per = env_size("KOUAN_LMDB_RUN_CHUNK", RUN_CHUNK);
    for (int b = 0; b < 2 && !rc; b++) {
        size_t n = e->bl_n[b];
        if (!n) continue;
        unsigned char rk[RUN_KEY];
        if ((rc = run_next(e, b ? I_OSPC : I_POSC, rk))) break;
        kseg m;
        if ((rc = kseg_init(&m, e->bl[b], n, e->bl_seg[b], e->bl_nseg[b]))) break;
        for (size_t k = 0; !rc && k < n; k += per) {
            size_t c = n - k < per ? n - k : per;
            unsigned char *room;
            if (!(rc = run_chunk(e, rk, k, c, &room)) && kseg_take(&m, room, c) != c)
                rc = MDB_CORRUPTED;                   /* cannot be: n keys in all */
        }
        kseg_free(&m);
    }
    bl_drop(e);                           /* not kept: a group's worth */
    if (rc || !e->ig_n) return rc;
    qsort(e->ig, e->ig_n, sizeof *e->ig, idpair_cmp);   /* its table is void now */
    unsigned char rk[RUN_KEY];
    if ((rc = run_next(e, I_IDS, rk))) return rc;
    for (size_t k = 0; !rc && k < e->ig_n; k += per) {
        size_t c = e->ig_n - k < per ? e->ig_n - k : per;
        unsigned char *room;
        if ((rc = run_chunk(e, rk, k, c, &room))) break;
        memset(room, 0, 32 * c);
        for (size_t j = 0; j < c; j++) {
            put64(room + 32 * j, e->ig[k + j].h);
            put64(room + 32 * j + 8, e->ig[k + j].id);
        }
    }
    MDB_val ck = { sizeof IDRUNS_KEY - 1, IDRUNS_KEY }, cval;
    uint64_t count = 0;
    int g = rc ? rc : mdb_get(e->wtxn, e->meta, &ck, &cval);
    if (g == 0 && cval.mv_size == 8) count = get64(cval.mv_data);
    else if (g != MDB_NOTFOUND) return g ? g : MDB_CORRUPTED;
    unsigned char cv[8];
    put64(cv, count + 1);
    cval = (MDB_val){ 8, cv };
    if (!(rc = mdb_put(e->wtxn, e->meta, &ck, &cval, 0))) e->im_runs_next = count + 1;
    return rc;
}

/* The runs of index i in txn, with how far each is merged: each run's
 * chunks ('R' i n k) gathered, or its one value ('R' i n).  *out is
 * malloc'd (runs_free); 0 or an LMDB error. */
static int runs_load(kenv *e, MDB_txn *txn, int i, brun **out, size_t *nout)
{
    *out = NULL;
    *nout = 0;
    MDB_cursor *cur;
    int rc = mdb_cursor_open(txn, e->meta, &cur);
    if (rc) return rc;
    unsigned char first[2] = { 'R', (unsigned char)i };
    MDB_val key = { 2, first }, val;
    size_t cap = 0, seen = 0;
    for (rc = mdb_cursor_get(cur, &key, &val, MDB_SET_RANGE); rc == 0;
         rc = mdb_cursor_get(cur, &key, &val, MDB_NEXT)) {
        if ((key.mv_size != RUN_KEY && key.mv_size != RUN_CHUNK_KEY) ||
            memcmp(key.mv_data, first, 2) != 0) break;
        /* reading a value maps its first page, and with it the page
           cache's folio around it (up to megabytes: a run's chunks were
           written side by side): hundreds of runs held most of a
           gigabyte, and 16 chunks between trims ~100 MB */
        if ((++seen & 3) == 0) resident_trim(e);
        int chunked = key.mv_size == RUN_CHUNK_KEY;
        brun *r = *nout ? &(*out)[*nout - 1] : NULL;
        if (!r || memcmp(r->key, key.mv_data, RUN_KEY) != 0) {   /* a new run */
            if (*nout == cap) {
                cap = cap ? 2 * cap : 64;
                brun *nv = realloc(*out, cap * sizeof *nv);
                if (!nv) { rc = ENOMEM; break; }
                *out = nv;
            }
            r = &(*out)[(*nout)++];
            memset(r, 0, sizeof *r);
            memcpy(r->key, key.mv_data, RUN_KEY);
        }
        if (r->nch % 16 == 0) {
            bchunk *nc = realloc(r->ch, (r->nch + 16) * sizeof *nc);
            if (!nc) { rc = ENOMEM; break; }
            r->ch = nc;
        }
        uint64_t start = chunked ? get64((const unsigned char *)key.mv_data + RUN_KEY) : 0;
        /* a run's chunks follow one another (those merged are gone) */
        if (val.mv_size % 32 || val.mv_size == 0 || start > SIZE_MAX / 2 ||
            (r->nch && (!chunked || start != r->n))) { rc = MDB_CORRUPTED; break; }
        r->ch[r->nch++] = (bchunk){ (size_t)start, val.mv_size / 32, val.mv_data, -1, chunked };
        r->n = (size_t)start + val.mv_size / 32;
    }
    mdb_cursor_close(cur);
    if (rc && rc != MDB_NOTFOUND) { runs_free(*out, *nout); *out = NULL; *nout = 0; return rc; }
    for (size_t j = 0; j < *nout; j++) {
        unsigned char dk[RUN_KEY];
        memcpy(dk, (*out)[j].key, RUN_KEY);
        dk[0] = 'D';
        MDB_val k2 = { RUN_KEY, dk }, v2;
        if (mdb_get(txn, e->meta, &k2, &v2) == 0 && v2.mv_size == 8) {
            uint64_t at = get64(v2.mv_data);
            (*out)[j].at = at < (*out)[j].n ? (size_t)at : (*out)[j].n;
        }
    }
    return 0;
}

/* ---- the backlog of `ids` (format 4, group commit) ---------------------------
 *
 * A group's new plain literals (ids_hashed: the quoted sentences and rows, a
 * thousand a group) each landed on a page of their own in `ids`, copied and
 * written at the commit: a quarter of the writer's commits at 40 MB of
 * corpus (bench/scale/README.md).  In a group they are numbered and stored
 * in `terms` as any term, but their (hash, id) pairs go to kenv.ig instead
 * of `ids`, and the group's commit writes them as one run of the backlog,
 * index I_IDS (meta 'R' 4 n k: 32-byte keys, hash then id, sorted) and
 * counts it in meta "id-runs" (never reset).  The merge puts the runs into
 * `ids` in hash order — the order of their keys there — so each page of
 * `ids` is written once, not once a group.  Until then:
 *   - the writer answers from memory: kenv.im, the committed runs' pairs
 *     sorted (16 bytes a literal), and kenv.ig's hash table; each candidate
 *     checked against `terms`.  im is made again from the runs when "id-runs"
 *     is not what this process last saw (another process wrote runs: a
 *     batch killed before its merge, or one beside this one);
 *   - other readers, when `ids` misses and a backlog exists, search each
 *     run's chunks (binary search by hash: runs_find) — complete, slower;
 *   - workers (kouan_lmdb_lookup_ids) search `ids` only: a miss is the
 *     writer's to answer, as for any new term.
 * A lost group loses its pairs with its terms (ig emptied); a lost nested
 * transaction, the pairs it added (ig_cut). */

static int idpair_cmp(const void *a, const void *b)
{
    const idpair *x = a, *y = b;
    return x->h != y->h ? (x->h < y->h ? -1 : 1) : x->id != y->id ? (x->id < y->id ? -1 : 1) : 0;
}

/* ig's hash table made again for its first n pairs (its size kept, or
 * grown to hold twice them). */
static int ig_rehash(kenv *e, size_t want)
{
    size_t slots = e->ig_slots ? e->ig_slots : 1024;
    while (slots < 2 * want) slots *= 2;
    if (slots != e->ig_slots) {
        uint32_t *ns = malloc(slots * sizeof *ns);
        if (!ns) return ENOMEM;
        free(e->ig_slot);
        e->ig_slot = ns;
        e->ig_slots = slots;
    }
    memset(e->ig_slot, 0, e->ig_slots * sizeof *e->ig_slot);
    for (size_t j = 0; j < e->ig_n; j++) {
        size_t i = e->ig[j].h & (e->ig_slots - 1);
        while (e->ig_slot[i]) i = (i + 1) & (e->ig_slots - 1);
        e->ig_slot[i] = (uint32_t)(j + 1);
    }
    return 0;
}

static int ig_add(kenv *e, uint64_t h, uint64_t id)
{
    if (e->ig_n == e->ig_cap) {
        size_t cap = e->ig_cap ? 2 * e->ig_cap : 4096;
        if (cap >= UINT32_MAX) return ENOMEM;        /* the table holds 32-bit places */
        idpair *np = realloc(e->ig, cap * sizeof *np);
        if (!np) return ENOMEM;
        e->ig = np;
        e->ig_cap = cap;
    }
    if (2 * (e->ig_n + 1) > e->ig_slots) {
        int rc = ig_rehash(e, e->ig_n + 1);
        if (rc) return rc;
    }
    e->ig[e->ig_n] = (idpair){ h, id };
    size_t i = h & (e->ig_slots - 1);
    while (e->ig_slot[i]) i = (i + 1) & (e->ig_slots - 1);
    e->ig_slot[i] = (uint32_t)++e->ig_n;
    return 0;
}

/* Keeps ig's first n pairs (a nested transaction lost: its pairs go). */
static void ig_cut(kenv *e, size_t n)
{
    if (n >= e->ig_n) return;
    e->ig_n = n;
    if (ig_rehash(e, n)) {               /* no room to rehash: all go, table too */
        free(e->ig_slot);
        e->ig_slot = NULL;
        e->ig_slots = 0;
        e->ig_n = 0;
    }
}

static void ig_clear(kenv *e)
{
    e->ig_n = 0;
    e->im_runs_next = e->im_runs;        /* no run of them written */
    if (e->ig_slot) memset(e->ig_slot, 0, e->ig_slots * sizeof *e->ig_slot);
}

static void im_free(kenv *e)
{
    free(e->im);
    e->im = NULL;
    e->im_n = e->im_cap = 0;
}

/* The group's pairs (sorted by runs_save) join im: its commit succeeded. */
static int ig_absorb(kenv *e)
{
    e->im_runs = e->im_runs_next;
    if (!e->ig_n) return 0;
    if (e->im_cap - e->im_n < e->ig_n) {
        size_t cap = e->im_n + e->ig_n;
        cap += cap / 2;
        idpair *np = realloc(e->im, cap * sizeof *np);
        if (!np) { e->im_known = 0; im_free(e); ig_clear(e); return 0; }  /* made again */
        e->im = np;
        e->im_cap = cap;
    }
    /* both sorted: merged from the end, in place */
    size_t a = e->im_n, b = e->ig_n, o = a + b;
    while (b) {
        if (a && idpair_cmp(&e->im[a - 1], &e->ig[b - 1]) > 0) e->im[--o] = e->im[--a];
        else e->im[--o] = e->ig[--b];
    }
    e->im_n += e->ig_n;
    ig_clear(e);
    return 0;
}

/* im made current in the write transaction txn: compared with meta
 * "id-runs" once a transaction, made again from the runs when another
 * process has written some. */
static int im_sync(kenv *e, MDB_txn *txn)
{
    if (e->im_known && e->im_wgen == e->wgen) return 0;
    uint64_t runs = 0;
    MDB_val key = { sizeof IDRUNS_KEY - 1, IDRUNS_KEY }, val;
    int rc = mdb_get(txn, e->meta, &key, &val);
    if (rc == 0 && val.mv_size == 8) runs = get64(val.mv_data);
    else if (rc && rc != MDB_NOTFOUND) return rc;
    if (!e->im_known || runs != e->im_runs) {
        brun *r = NULL;
        size_t nr = 0, total = 0;
        e->im_n = 0;
        if ((rc = runs_load(e, txn, I_IDS, &r, &nr))) return rc;
        for (size_t j = 0; j < nr; j++)
            for (size_t c = 0; c < r[j].nch; c++) total += r[j].ch[c].n;
        if (total > e->im_cap) {
            idpair *np = realloc(e->im, total * sizeof *np);
            if (!np) { runs_free(r, nr); return ENOMEM; }
            e->im = np;
            e->im_cap = total;
        }
        for (size_t j = 0; j < nr; j++)
            for (size_t c = 0; c < r[j].nch; c++)
                for (size_t k = 0; k < r[j].ch[c].n; k++) {
                    const unsigned char *p = r[j].ch[c].p + 32 * k;
                    e->im[e->im_n++] = (idpair){ get64(p), get64(p + 8) };
                }
        runs_free(r, nr);
        if (e->im_n) qsort(e->im, e->im_n, sizeof *e->im, idpair_cmp);
        e->im_runs = runs;
        e->im_known = 1;
    }
    e->im_runs_next = e->im_runs;
    e->im_wgen = e->wgen;
    return 0;
}

/* A pair of hash h in the backlog naming bytes b: from ig and im in the
 * writer's transaction, else from the runs in txn (runs_find).  0 with
 * *id, MDB_NOTFOUND, or an error. */
static int runs_find(kenv *e, MDB_txn *txn, const tbuf *b, uint64_t h, uint64_t *id);
static int idb_find(kenv *e, MDB_txn *txn, const tbuf *b, uint64_t h, uint64_t *id)
{
    if (txn != e->wtxn) return runs_find(e, txn, b, h, id);
    int rc = im_sync(e, txn);
    if (rc) return rc;
    for (size_t i = e->ig_slots ? h & (e->ig_slots - 1) : 0; e->ig_slots && e->ig_slot[i];
         i = (i + 1) & (e->ig_slots - 1)) {
        const idpair *p = &e->ig[e->ig_slot[i] - 1];
        if (p->h != h) continue;
        if ((rc = term_is(e, txn, p->id, b)) != MDB_NOTFOUND) { if (!rc) *id = p->id; return rc; }
    }
    size_t lo = 0, hi = e->im_n;                    /* the first pair of hash >= h */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (e->im[mid].h < h) lo = mid + 1; else hi = mid;
    }
    for (; lo < e->im_n && e->im[lo].h == h; lo++)
        if ((rc = term_is(e, txn, e->im[lo].id, b)) != MDB_NOTFOUND) {
            if (!rc) *id = e->im[lo].id;
            return rc;
        }
    return MDB_NOTFOUND;
}

static int runs_find(kenv *e, MDB_txn *txn, const tbuf *b, uint64_t h, uint64_t *id)
{
    MDB_val bk = { sizeof BACKLOG_KEY - 1, BACKLOG_KEY }, bv;
    int rc = mdb_get(txn, e->meta, &bk, &bv);
    if (rc) return rc;                              /* MDB_NOTFOUND: no backlog */
    brun *r = NULL;
    size_t nr = 0;
    if ((rc = runs_load(e, txn, I_IDS, &r, &nr))) return rc;
    rc = MDB_NOTFOUND;
    for (size_t j = 0; j < nr && rc == MDB_NOTFOUND; j++)
        for (size_t c = 0; c < r[j].nch && rc == MDB_NOTFOUND; c++) {
            const bchunk *ch = &r[j].ch[c];
            size_t lo = 0, hi = ch->n;
            while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                if (get64(ch->p + 32 * mid) < h) lo = mid + 1; else hi = mid;
            }
            for (; lo < ch->n && get64(ch->p + 32 * lo) == h && rc == MDB_NOTFOUND; lo++) {
                uint64_t cand = get64(ch->p + 32 * lo + 8);
                if ((rc = term_is(e, txn, cand, b)) == 0) *id = cand;
            }
        }
    runs_free(r, nr);
    return rc;
}

/* The merge's puts of the backlog of `ids` (e->pend: (h, id) pairs in hash
 * order) into `ids` through cur: each under LONG_KEY and the first free
 * probe of its hash, as term_id_v2 would have put it.  *cost: ~the dirty
 * bytes (pairs in key order share their pages: an eighth of one each). */
static int put_ids(kenv *e, MDB_cursor *cur, size_t *cost)
{
    int rc = 0;
    for (size_t j = 0; j < e->npend && !rc; j++) {
        uint64_t h = e->pend[j].q[0], id = e->pend[j].q[1];
        unsigned char kb[9], v[8];
        kb[0] = LONG_KEY;
        put64(v, id);
        for (uint64_t probe = h;; probe++) {
            put64(kb + 1, probe);
            MDB_val key = { 9, kb }, val = { 8, v };
            rc = mdb_cursor_put(cur, &key, &val, MDB_NOOVERWRITE);
            if (rc != MDB_KEYEXIST) break;
            rc = 0;
            if (val.mv_size == 8 && get64(val.mv_data) == id) break;   /* there already */
        }
        *cost += 512;
        if ((j & (DRAIN_TRIM * 8 - 1)) == DRAIN_TRIM * 8 - 1) resident_trim(e);
    }
    return rc;
}

/* Removes every backlog key from meta (the merge is complete). */
static int backlog_clear(kenv *e, MDB_txn *txn)
{
    int fr = format_mark(e, txn, 0);
    if (fr) return fr;
    MDB_cursor *cur;
    int rc = mdb_cursor_open(txn, e->meta, &cur);
    if (rc) return rc;
    MDB_val key, val;
    size_t seen = 0;
    for (rc = mdb_cursor_get(cur, &key, &val, MDB_FIRST); rc == 0;
         rc = mdb_cursor_get(cur, &key, &val, MDB_NEXT)) {
        if ((++seen & 15) == 0) resident_trim(e);       /* as in runs_load */
        const unsigned char *kb = key.mv_data;
        int ours = (key.mv_size == RUN_KEY && (kb[0] == 'R' || kb[0] == 'D')) ||
                   (key.mv_size == RUN_CHUNK_KEY && kb[0] == 'R') ||
                   (key.mv_size == sizeof BACKLOG_KEY - 1 &&
                    memcmp(kb, BACKLOG_KEY, key.mv_size) == 0) ||
                   (key.mv_size == sizeof BACKLOG_STALE - 1 &&
                    memcmp(kb, BACKLOG_STALE, key.mv_size) == 0);
        if (ours && (rc = mdb_cursor_del(cur, 0))) break;
    }
    mdb_cursor_close(cur);
    return rc == MDB_NOTFOUND ? 0 : rc;
}

/* The merge's feed: the runs of one index merged in index order (a heap of
 * runs by their next key), DRAIN_CHUNK quads at a time into one of two
 * buffers — on a thread of its own when it can start, so that the core the
 * writer leaves idle at the end of a batch merges the next chunk while the
 * writer puts this one (the heap was an eighth of the merge's time: perf,
 * bench/scale/README.md).  The feed owns the heap and the runs' progress
 * (runs[].at) while it runs; each buffer records where every run was after
 * it (at[]), so that the writer, when it stops at its transaction's budget
 * with a chunk merged and not put, puts the runs back to what it put.  It
 * reads the runs with pread (or from the map, whose committed pages a write
 * transaction never changes) and touches nothing else of the store. */
typedef struct dfeed {
    int             idx, fd;
    size_t          cap;                /* keys a run's buffer holds */
    brun          **heap;
    size_t          nh;
    brun           *runs;
    size_t          nruns, take;
    pend           *buf[2];
    size_t          nbuf[2];
    size_t         *at[2];              /* runs[].at after buf[b] */
    int             full[2];            /* buf[b] merged, not yet put */
    int             stop, rc;           /* the writer is done; a read failed */
    int             threaded;
    pthread_t       th;
    pthread_mutex_t mu;
    pthread_cond_t  cv;
} dfeed;

/* Merges the next chunk into buf[b] (the feed's side). */
static void dfeed_fill(dfeed *f, int b)
{
    size_t n = 0;
    int rc = 0;
    pend *out = f->buf[b];
    while (!rc && f->nh && n < f->take) {
        brun *r = f->heap[0];
        const unsigned char *k = brun_cur(r);
        pend *p = &out[n++];
        decode_quad(f->idx, k, k + 8, p->q);
        p->dup = p->keep = p->u = 0;
        if (++r->at == r->n) f->heap[0] = f->heap[--f->nh];
        else if (r->at == r->lo + r->nbuf) rc = brun_fill(f->fd, r, f->cap);
        heap_down(f->heap, f->nh, 0);
    }
    for (size_t j = 0; j < f->nruns; j++) f->at[b][j] = f->runs[j].at;
    f->nbuf[b] = n;
    if (rc) f->rc = rc;
}

static void *dfeed_main(void *arg)
{
    dfeed *f = arg;
    for (int b = 0;; b ^= 1) {
        pthread_mutex_lock(&f->mu);
        while (f->full[b] && !f->stop) pthread_cond_wait(&f->cv, &f->mu);
        int stop = f->stop;
        pthread_mutex_unlock(&f->mu);
        if (stop) return NULL;
        dfeed_fill(f, b);                /* buf[b] is the feed's until full */
        pthread_mutex_lock(&f->mu);
        f->full[b] = 1;
        int last = f->nbuf[b] == 0 || f->rc;
        pthread_cond_broadcast(&f->cv);
        pthread_mutex_unlock(&f->mu);
        if (last) return NULL;
    }
}

/* The writer's side: buf[b] once merged (NULL, *n 0: every run merged),
 * or NULL with an error. */
static pend *dfeed_take(dfeed *f, int b, size_t *n, int *rc)
{
    if (f->threaded) {
        pthread_mutex_lock(&f->mu);
        while (!f->full[b]) pthread_cond_wait(&f->cv, &f->mu);
        pthread_mutex_unlock(&f->mu);
    } else {
        dfeed_fill(f, b);
    }
    *rc = f->rc;
    *n = f->nbuf[b];
    return *rc || !*n ? NULL : f->buf[b];
}

/* buf[b] is put: the feed may merge into it again. */
static void dfeed_give(dfeed *f, int b)
{
    if (!f->threaded) return;
    pthread_mutex_lock(&f->mu);
    f->full[b] = 0;
    pthread_cond_broadcast(&f->cv);
    pthread_mutex_unlock(&f->mu);
}

/* One transaction of the merge: the runs of index idx (in txn; how far
 * each is merged in runs[].at) merged in index order (the feed, above) and
 * put through one cursor (appended past the index's last key, as flush
 * does) until about DRAIN_DIRTY bytes are dirty; then every run's progress
 * ('D' keys).  With "backlog-removed", only quads SPOC still holds.  run
 * and run_j: put_index's room.  0 or an LMDB error. */
static int drain_txn(kenv *e, MDB_txn *txn, int idx, brun *runs, size_t nruns,
                     unsigned char *run, size_t *run_j)
{
    dfeed f;
    memset(&f, 0, sizeof f);
    f.idx = idx;
    f.runs = runs;
    f.nruns = nruns;
    size_t nr = nruns ? nruns : 1;
    f.heap = malloc(nr * sizeof *f.heap);
    /* each run's buffer: ~8 MB over all, 128 to 2048 keys each */
    f.cap = ((size_t)8 << 20) / 32 / nr;
    f.cap = f.cap < 128 ? 128 : f.cap > 2048 ? 2048 : f.cap;
    unsigned char *bufs = malloc(nr * f.cap * 32);
    size_t *ats = malloc(3 * nr * sizeof *ats);     /* at[0], at[1], as put */
    size_t budget = env_size("KOUAN_LMDB_DRAIN_BYTES", DRAIN_DIRTY);
    f.take = budget / 24 < DRAIN_CHUNK ? budget / 24 + 1 : DRAIN_CHUNK;
    f.buf[0] = e->pend;                              /* DRAIN_CHUNK of room */
    f.buf[1] = malloc(f.take * sizeof *f.buf[1]);
    MDB_cursor *cur = NULL, *spoc = NULL;
    int rc = f.heap && bufs && ats && f.buf[1]
             ? mdb_cursor_open(txn, idx == I_IDS ? e->ids : e->idx[idx], &cur) : ENOMEM;
    MDB_val sk = { sizeof BACKLOG_STALE - 1, BACKLOG_STALE }, sv;
    if (!rc && idx != I_IDS && mdb_get(txn, e->meta, &sk, &sv) == 0)
        rc = mdb_cursor_open(txn, e->idx[I_SPOC], &spoc);
    f.fd = -1;
    e->map_at = NULL;                                /* found again: a grown map moves */
    e->map_len = 0;
    if (mdb_env_get_fd(e->env, &f.fd) || map_find(e)) f.fd = -1;
    for (size_t j = 0; !rc && j < nruns; j++) {
        brun *r = &runs[j];
        r->buf = bufs + j * f.cap * 32;
        const unsigned char *m0 = e->map_at;
        for (size_t c = 0; c < r->nch; c++) {
            bchunk *ch = &r->ch[c];
            if (f.fd >= 0 && ch->p >= m0 && ch->p + 32 * ch->n <= m0 + e->map_len)
                ch->off = (off_t)(ch->p - m0);
        }
        if (r->at < r->n && !(rc = brun_fill(f.fd, r, f.cap))) f.heap[f.nh++] = r;
    }
    for (size_t j = f.nh; !rc && j-- > 0; ) heap_down(f.heap, f.nh, j);
    size_t *put_at = ats ? ats + 2 * nr : NULL;      /* the runs as far as put */
    if (!rc) {
        f.at[0] = ats;
        f.at[1] = ats + nr;
        for (size_t j = 0; j < nruns; j++) put_at[j] = runs[j].at;
        pthread_mutex_init(&f.mu, NULL);
        pthread_cond_init(&f.cv, NULL);
        f.threaded = pthread_create(&f.th, NULL, dfeed_main, &f) == 0;
    }
    size_t cost = 0;
    pend *const own = e->pend;
    for (int b = 0; !rc && cost < budget; b ^= 1) {
        size_t n;
        pend *chunk = dfeed_take(&f, b, &n, &rc);
        if (!chunk) break;
        if (spoc) {                                  /* the quads SPOC still holds */
            size_t m = 0;
            for (size_t j = 0; j < n && !rc; j++) {
                unsigned char sb[32];
                encode_quad(I_SPOC, chunk[j].q, sb);
                MDB_val kk = { 8, sb }, vv = { 24, sb + 8 };
                int g = mdb_cursor_get(spoc, &kk, &vv, MDB_GET_BOTH);
                if (g == 0) chunk[m++] = chunk[j];
                else if (g != MDB_NOTFOUND) rc = g;  /* else: removed since */
                if ((j & 0xFF) == 0xFF) resident_trim(e);   /* SPOC's pages */
            }
            n = m;
        }
        e->pend = chunk;                             /* put_index reads e->pend */
        e->npend = n;
        if (!rc) rc = idx == I_IDS ? put_ids(e, cur, &cost)
                                   : put_index(e, idx, cur, run, run_j, DRAIN_TRIM, &cost);
        e->pend = own;
        e->npend = 0;
        if (!rc) memcpy(put_at, f.at[b], nruns * sizeof *put_at);
        dfeed_give(&f, b);
    }
    if (f.threaded) {
        pthread_mutex_lock(&f.mu);
        f.stop = 1;
        pthread_cond_broadcast(&f.cv);
        pthread_mutex_unlock(&f.mu);
        pthread_join(f.th, NULL);
    }
    if (f.at[0]) {                                   /* the feed was set up */
        pthread_mutex_destroy(&f.mu);
        pthread_cond_destroy(&f.cv);
        for (size_t j = 0; j < nruns; j++) runs[j].at = put_at[j];
    }
    if (spoc) mdb_cursor_close(spoc);
    if (cur) mdb_cursor_close(cur);
    free(f.heap);
    free(bufs);
    free(ats);
    free(f.buf[1]);
    size_t deleted = 0;
    for (size_t j = 0; !rc && j < nruns; j++) {
        unsigned char dk[RUN_KEY], at[8];
        memcpy(dk, runs[j].key, RUN_KEY);
        dk[0] = 'D';
        put64(at, runs[j].at);
        MDB_val kk = { RUN_KEY, dk }, vv = { 8, at };
        rc = mdb_put(txn, e->meta, &kk, &vv, 0);
        /* the chunks merged past: their pages are the next transactions'
           (deleting one reads its first page: a folio mapped, trimmed) */
        for (size_t c = 0; !rc && c < runs[j].nch; c++) {
            const bchunk *ch = &runs[j].ch[c];
            if (!ch->own_key || ch->start + ch->n > runs[j].at) continue;
            unsigned char ck[RUN_CHUNK_KEY];
            memcpy(ck, runs[j].key, RUN_KEY);
            put64(ck + RUN_KEY, (uint64_t)ch->start);
            MDB_val ckey = { RUN_CHUNK_KEY, ck };
            rc = mdb_del(txn, e->meta, &ckey, NULL);
            if ((++deleted & 3) == 0) resident_trim(e);
        }
    }
    return rc;
}

/* Merges the backlog into POSC and OSPC, POSC's runs first, a transaction
 * at a time (drain_txn), each recording how far every run is merged, so
 * that a merge cut short (kill -9, a full disk) goes on from there; the
 * last removes the runs.  Until then readers take SPOC and CSPO
 * (scan_open).  No write transaction may be open.  0, or an LMDB error
 * (logged). */
static int drain_txns(kstore *k);
static int drain(kstore *k)
{
    double t0 = kouan_seconds();
    int rc = drain_txns(k);
    k->e->times.merge += kouan_seconds() - t0;
    return rc;
}

static int drain_txns(kstore *k)
{
    kenv *e = k->e;
    if (e->wtxn) return MDB_BAD_TXN;
    unsigned char *run = malloc(24 * RUN_MAX);
    size_t *run_j = malloc(sizeof *run_j * RUN_MAX);
    if (run && run_j && e->cappend < DRAIN_CHUNK) {      /* room for a chunk */
        pend *np = realloc(e->pend, DRAIN_CHUNK * sizeof *np);
        if (np) {
            e->pend = np;
            e->cappend = DRAIN_CHUNK;
        }
    }
    if (!run || !run_j || e->cappend < DRAIN_CHUNK) {
        free(run);
        free(run_j);
        log_mdb(k->world, "merging the backlog", ENOMEM);
        return ENOMEM;
    }
    const char *limit = getenv("KOUAN_LMDB_DRAIN_TXNS");   /* tests: stop early */
    long txns_left = limit && *limit ? strtol(limit, NULL, 10) : -1;
    int rc = 0, done = 0, merged = 0;
    while (!rc && !done && txns_left != 0) {
        if (txns_left > 0) txns_left--;
        MDB_txn *txn;
        if ((rc = mdb_txn_begin(e->env, NULL, 0, &txn))) break;
        e->wtxn = txn;                               /* for resident_trim and the caches */
        brun *runs = NULL;
        size_t nruns = 0;
        int idx = -1;
        MDB_val bk = { sizeof BACKLOG_KEY - 1, BACKLOG_KEY }, bv;
        rc = mdb_get(txn, e->meta, &bk, &bv);
        if (rc == MDB_NOTFOUND) { rc = 0; done = 1; }
        static const int ORDER[] = { I_POSC, I_OSPC, I_IDS };
        for (int o = 0; !rc && !done && o < 3 && idx < 0; o++) {
            int i = ORDER[o];
            runs_free(runs, nruns);
            runs = NULL;
            nruns = 0;
            if ((rc = runs_load(e, txn, i, &runs, &nruns))) break;
            for (size_t j = 0; j < nruns; j++)
                if (runs[j].at < runs[j].n) { idx = i; break; }
        }
        if (!rc && !done && idx < 0) {               /* all merged: the runs go */
            rc = backlog_clear(e, txn);
            done = merged = 1;
        } else if (!rc && !done) rc = drain_txn(e, txn, idx, runs, nruns, run, run_j);
        runs_free(runs, nruns);
        e->wtxn = NULL;
        e->wgen++;
        if (rc) { mdb_txn_abort(txn); break; }
        if ((rc = mdb_txn_commit(txn))) break;
        resident_trim(e);
    }
    free(run);
    free(run_j);
    if (merged) im_free(e);             /* the plain literals are in `ids` */
    if (rc) log_mdb(k->world, "merging the backlog into POSC, OSPC and ids", rc);
    else if (merged && e->map_at) {
        /* the map's pages the merge read are dropped from this process.
           The file's page cache is kept: advising it away too (until
           2026-12-03) made reconciling after a batch read the store from
           disk again — 9.4 s instead of 5.0 at 200 MB, 1.3–1.6 s instead
           of 0.3–0.5 at 40 MB — for 7 MB less at peak, and the next
           process's queries too */
        map_drop(e, e->map_at, e->map_len, &e->statm_fd);
    }
    return rc;
}

/* ---- scans: a prefix range of one index, filtered ---------------------------- */

typedef struct scan {
    kenv          *e;
    MDB_txn       *txn;
    MDB_cursor    *cur;
    int            is_w;
    unsigned       wgen;
    int            idx;
    unsigned char  prefix[32];
    int            plen;          /* bytes of prefix: 0, 8, 16, 24 or 32 */
    uint64_t       want[4];       /* 0: any; else this id (s p o c) */
    int            want_c;        /* the context must equal want[3] (even 0) */
    int            distinct;      /* merged view: skip copies of a triple */
    int            done;
    uint64_t       q[4];          /* the current quad */
    uint64_t       prev[3];
    int            have_prev;
    /* a union (format 5, "Unlinked predicates"): after this range, the
       POSC range (e->unlinked[k], alt_o[, alt_s]) for each k from ialt on */
    uint64_t       alt_o, alt_s;
    int            nalt, ialt;
} scan;

static int scan_alive(scan *s)
{
    if (s->done) return 0;
    if (s->is_w && (s->e->wtxn != s->txn || s->e->wgen != s->wgen)) {
        s->cur = NULL;                /* the transaction ended: its cursors too */
        s->done = 1;
        return 0;
    }
    return 1;
}

/* 1: the quad matches; 0: it does not, go on; -2: a copy of the last triple
 * in another graph (merged view), go on; -1: past the range. */
static int scan_match(scan *s, const MDB_val *key, const MDB_val *val)
{
    if (s->plen > 8 && memcmp(val->mv_data, s->prefix + 8, (size_t)s->plen - 8) != 0)
        return -1;                                    /* past the range */
    decode_quad(s->idx, key->mv_data, val->mv_data, s->q);
    for (int k = 0; k < 3; k++)
        if (s->want[k] && s->q[k] != s->want[k]) return 0;
    if (s->want_c && s->q[3] != s->want[3]) return 0;
    if (s->distinct) {
        if (s->have_prev && s->q[0] == s->prev[0] && s->q[1] == s->prev[1] &&
            s->q[2] == s->prev[2]) return -2;          /* another graph's copy */
        memcpy(s->prev, s->q, sizeof s->prev);
        s->have_prev = 1;
    }
    return 1;
}

/* A cursor on index idx in txn: an idle one renewed when txn is the read
 * snapshot (a read cursor may be reused, saving LMDB's malloc and free per
 * lookup: a join makes one per row), else a new one. */
static int cursor_get(kenv *e, MDB_txn *txn, int is_w, int idx, MDB_cursor **cur)
{
    if (!is_w && e->npool[idx] > 0) {
        MDB_cursor *c = e->pool[idx][--e->npool[idx]];
        if (mdb_cursor_renew(txn, c) == 0) { *cur = c; return 0; }
        mdb_cursor_close(c);
    }
    return mdb_cursor_open(txn, e->idx[idx], cur);
}

/* The scan's cursor back to the pool (a read), or closed — unless its
 * write transaction has ended, which closed it. */
static void cursor_release(scan *s)
{
    if (s->cur && !s->is_w && s->e->npool[s->idx] < POOL_CURSORS)
        s->e->pool[s->idx][s->e->npool[s->idx]++] = s->cur;  /* for cursor_get */
    else if (s->cur && !(s->is_w && (s->e->wtxn != s->txn || s->e->wgen != s->wgen)))
        mdb_cursor_close(s->cur);
    s->cur = NULL;
}

/* A union's next range: 1 when there is one and its cursor is open. */
static int scan_next_range(scan *s)
{
    if (s->ialt >= s->nalt) return 0;
    cursor_release(s);
    s->idx = I_POSC;
    put64(s->prefix, s->e->unlinked[s->ialt++]);
    put64(s->prefix + 8, s->alt_o);
    s->plen = 16;
    if (s->alt_s) { put64(s->prefix + 16, s->alt_s); s->plen = 24; }
    if (cursor_get(s->e, s->txn, s->is_w, I_POSC, &s->cur)) { s->cur = NULL; return 0; }
    return 1;
}

/* Positions the cursor at the start of the scan's range. */
static int scan_seek(scan *s, MDB_val *key, MDB_val *val, unsigned char pad[24])
{
    *key = (MDB_val){ 8, s->prefix };
    if (s->plen == 0) return mdb_cursor_get(s->cur, key, val, MDB_FIRST);
    if (s->plen == 8) return mdb_cursor_get(s->cur, key, val, MDB_SET_KEY);
    memset(pad, 0, 24);
    memcpy(pad, s->prefix + 8, (size_t)s->plen - 8);
    *val = (MDB_val){ 24, pad };
    return mdb_cursor_get(s->cur, key, val, MDB_GET_BOTH_RANGE);
}

/* Moves to the first (first != 0) or next match; sets done at the end
 * (of the last range, for a union). */
static void scan_step(scan *s, int first)
{
    if (!scan_alive(s)) return;
    if (s->e->resident_max && (++s->e->steps & (TRIM_EVERY - 1)) == 0)
        resident_trim(s->e);             /* a long writer's reads (reconcile) */
    MDB_val key, val;
    int rc;
    unsigned char pad[24];
    if (first) rc = scan_seek(s, &key, &val, pad);
    else rc = mdb_cursor_get(s->cur, &key, &val, s->plen ? MDB_NEXT_DUP : MDB_NEXT);
    int copies = 0;
    unsigned char kb[8], nv[24];     /* a seek's key and value: LMDB may hand
                                        them back as the key found, so they
                                        live as long as the loop */
    for (;;) {
        if (rc != 0) goto over;
        int m = scan_match(s, &key, &val);
        if (m == -2 && ++copies >= 4 && s->plen >= 8 && s->idx != I_CSPO) {
            /* a triple many documents state: past its other graphs in one
               seek, to the first value after (v0, v1, *) of this key (the
               context is a value's last 8 bytes in SPOC, POSC and OSPC) */
            memcpy(kb, key.mv_data, 8);
            memcpy(nv, val.mv_data, 16);
            memset(nv + 16, 0, 8);
            int i = 15;
            while (i >= 0 && ++nv[i] == 0) i--;       /* + 1, big-endian */
            if (i < 0) goto over;
            key = (MDB_val){ 8, kb };
            val = (MDB_val){ 24, nv };
            rc = mdb_cursor_get(s->cur, &key, &val, MDB_GET_BOTH_RANGE);
            copies = 0;
            continue;
        }
        if (m == -1) goto over;
        if (m > 0) return;
        rc = mdb_cursor_get(s->cur, &key, &val, s->plen ? MDB_NEXT_DUP : MDB_NEXT);
        continue;
    over:                            /* the range is over: a union's next one */
        if (!scan_next_range(s)) { s->done = 1; return; }
        rc = scan_seek(s, &key, &val, pad);
        copies = 0;
    }
}

static void scan_close(scan *s)
{
    cursor_release(s);
    if (s->txn) rd_end(s->e, s->is_w);
    s->txn = NULL;
}

static size_t dup_count(kenv *e, MDB_txn *txn, int idx, uint64_t first)
{
    MDB_cursor *c;
    if (mdb_cursor_open(txn, e->idx[idx], &c)) return SIZE_MAX;
    unsigned char k[8];
    put64(k, first);
    MDB_val key = { 8, k }, val;
    size_t n = 0;
    if (mdb_cursor_get(c, &key, &val, MDB_SET_KEY) == 0 && mdb_cursor_count(c, &n) != 0) n = 0;
    mdb_cursor_close(c);
    return n;
}

/* How many values of key a in index idx start with b (a (p, o) range of
 * POSC), counted up to cap + 1: past cap it stops. */
static size_t pair_count(kenv *e, MDB_txn *txn, int idx, uint64_t a, uint64_t b, size_t cap)
{
    MDB_cursor *c;
    if (mdb_cursor_open(txn, e->idx[idx], &c)) return SIZE_MAX;
    unsigned char k[8], v[24];
    put64(k, a);
    memset(v, 0, sizeof v);
    put64(v, b);
    MDB_val key = { 8, k }, val = { 24, v };
    size_t n = 0;
    int rc = mdb_cursor_get(c, &key, &val, MDB_GET_BOTH_RANGE);
    for (; rc == 0 && n <= cap && val.mv_size == 24 && memcmp(val.mv_data, v, 8) == 0;
         rc = mdb_cursor_get(c, &key, &val, MDB_NEXT_DUP))
        n++;
    mdb_cursor_close(c);
    return n;
}

/* Whether term id is a literal (its bytes in `terms` start with 'L'). */
static int id_is_literal(kenv *e, MDB_txn *txn, uint64_t id)
{
    unsigned char k[8];
    put64(k, id);
    MDB_val key = { 8, k }, val;
    return mdb_get(txn, e->terms, &key, &val) == 0 && val.mv_size > 0 &&
           ((const unsigned char *)val.mv_data)[0] == 'L';
}

/* Whether the POSC or OSPC range a pattern with s unbound would read can
 * miss quads of it: those of an unindexed predicate with a literal object
 * (formats 3 and 4), which only SPOC and CSPO hold.  With p bound, the POSC range
 * misses them when p is unindexed and o is unbound or a literal; with p
 * unbound and o bound, the OSPC range when o is a literal. */
static int misses_unindexed(kenv *e, MDB_txn *txn, uint64_t P, uint64_t O)
{
    if (!e->nunidx) return 0;
    if (P) return is_unindexed(e, P) && (!O || id_is_literal(e, txn, O));
    return O && id_is_literal(e, txn, O);
}

/* How many quads have object O (format 5: OSPC's key O and, for each
 * unlinked predicate, POSC's (p, O) range, counted up to cap + 1 each). */
static size_t link_count(kenv *e, MDB_txn *txn, uint64_t O, size_t cap)
{
    size_t n = dup_count(e, txn, I_OSPC, O);
    for (int k = 0; k < e->nunlinked && n != SIZE_MAX; k++) {
        size_t m = pair_count(e, txn, I_POSC, e->unlinked[k], O, cap);
        n = m == SIZE_MAX ? SIZE_MAX : n + m;
    }
    return n;
}

/* Plans and opens a scan for pattern q (0 = unbound); with_c: only quads of
 * context q[3] (0 = the default graph); else the merged view (distinct).
 * quads: every quad (serialise), no distinct.  Returns 0 or an LMDB error. */
static int scan_open(scan *s, kenv *e, const uint64_t q[4], int with_c, int quads)
{
    memset(s, 0, sizeof *s);
    s->e = e;
    if (!(s->txn = rd_begin(e, &s->is_w))) return MDB_BAD_TXN;
    s->wgen = e->wgen;
    uint64_t S = q[0], P = q[1], O = q[2], C = q[3];
    int idx, n;           /* how many leading components of the order are bound */
    /* the unindexed quads a POSC or OSPC range would miss: the graph's
       CSPO run, or a scan of SPOC (from s's key when s is bound) */
    int miss = (!S || !P) && (P || O) &&
               (backlog_in(e, s->txn, s->is_w) || misses_unindexed(e, s->txn, P, O));
    if (with_c) {
        s->want_c = 1;
        s->want[3] = C;
        if (S || (!P && !O) || miss) {
            idx = I_CSPO;
            n = 1 + (S ? 1 + (P ? 1 + (O ? 1 : 0) : 0) : 0);
        } else if (P && O) {
            /* the (p, o) range over all graphs, or the graph's quads: the
               smaller (reconcile asks each graph for its ports, whose
               (rdf:type, kouan:Port) range spans every graph) */
            size_t nc = dup_count(e, s->txn, I_CSPO, C);
            if (pair_count(e, s->txn, I_POSC, P, O, nc) > nc) { idx = I_CSPO; n = 1; }
            else { idx = I_POSC; n = 2; }
        } else if (O) {
            size_t nc = dup_count(e, s->txn, I_CSPO, C);
            idx = (e->nunlinked ? link_count(e, s->txn, O, nc) : dup_count(e, s->txn, I_OSPC, O))
                  <= nc ? I_OSPC : I_CSPO;
            n = 1;
        } else {          /* p alone: the smaller of the predicate and the graph */
            idx = dup_count(e, s->txn, I_POSC, P) <= dup_count(e, s->txn, I_CSPO, C)
                  ? I_POSC : I_CSPO;
            n = 1;
        }
    } else {
        s->distinct = !quads;
        if (miss) { idx = I_SPOC; n = S ? 1 : 0; }
        else if (S && O && !P) { idx = I_OSPC; n = 2; }
        else if (S) { idx = I_SPOC; n = 1 + (P ? 1 + (O ? 1 : 0) : 0); }
        else if (P) { idx = I_POSC; n = 1 + (O ? 1 : 0); }
        else if (O) { idx = I_OSPC; n = 1; }
        else { idx = I_SPOC; n = 0; }
    }
    if (idx == I_OSPC && e->nunlinked) {
        /* format 5: OSPC lacks the unlinked predicates' quads; POSC's
           (p, o[, s]) range of each follows OSPC's (scan_next_range) */
        s->nalt = e->nunlinked;
        s->alt_o = O;
        s->alt_s = S;
    }
    s->idx = idx;
    s->plen = 8 * n;
    for (int k = 0; k < n; k++) put64(s->prefix + 8 * k, q[PERM[idx][k]]);
    for (int k = 0; k < 3; k++) s->want[k] = q[k];
    int rc = cursor_get(e, s->txn, s->is_w, idx, &s->cur);
    if (rc) { s->cur = NULL; scan_close(s); return rc; }
    scan_step(s, 1);
    return 0;
}

/* ---- the pattern of a statement → ids ----------------------------------------- */

/* Fills q[0..2] from statement (NULL parts: 0) and q[3] from context.
 * Returns 0, MDB_NOTFOUND when a bound term is not in the dictionary (so
 * nothing can match), or an error. */
static int pattern_ids(kstore *ks, MDB_txn *txn, librdf_statement *st, librdf_node *ctx,
                       int create, uint64_t q[4])
{
    librdf_node *n[4] = { NULL, NULL, NULL, ctx };
    if (st) {
        n[0] = librdf_statement_get_subject(st);
        n[1] = librdf_statement_get_predicate(st);
        n[2] = librdf_statement_get_object(st);
    }
    for (int k = 0; k < 4; k++) {
        q[k] = 0;
        if (!n[k]) continue;
        int rc = kterm_id(ks, txn, n[k], create, &q[k]);
        if (rc) return rc;
    }
    return 0;
}

/* ---- streams ------------------------------------------------------------------ */

typedef struct kstream {
    kstore           *k;
    scan              sc;
    librdf_statement *st;         /* current statement (ours, lent) */
    librdf_node      *ctx;        /* current context node (ours, lent) */
    uint64_t          node_id[3]; /* last ids, to reuse their nodes (a bound */
    librdf_node      *node[3];    /* part: the pattern's node, never decoded) */
    librdf_node      *ctx_fixed;  /* with a context: the caller's, copied */
} kstream;

static void ks_clear_current(kstream *ks)
{
    if (ks->st) { librdf_free_statement(ks->st); ks->st = NULL; }
    if (ks->ctx) { librdf_free_node(ks->ctx); ks->ctx = NULL; }
}

static int ks_is_end(void *c)
{
    kstream *ks = c;
    return ks->sc.done || !scan_alive(&ks->sc);
}

static int ks_next(void *c)
{
    kstream *ks = c;
    ks_clear_current(ks);
    scan_step(&ks->sc, 0);
    return ks->sc.done;
}

static librdf_node *ks_node(kstream *ks, int k)
{
    uint64_t id = ks->sc.q[k];
    if (!ks->node[k] || ks->node_id[k] != id) {
        if (ks->node[k]) librdf_free_node(ks->node[k]);
        ks->node[k] = id_node(ks->k, ks->sc.txn, id);
        ks->node_id[k] = id;
    }
    return ks->node[k] ? librdf_new_node_from_node(ks->node[k]) : NULL;
}

static void *ks_get(void *c, int flags)
{
    kstream *ks = c;
    if (!scan_alive(&ks->sc)) return NULL;
    if (flags == LIBRDF_STREAM_GET_METHOD_GET_OBJECT) {
        if (!ks->st) {
            librdf_node *s = ks_node(ks, 0), *p = ks_node(ks, 1), *o = ks_node(ks, 2);
            if (!s || !p || !o) {
                if (s) librdf_free_node(s);
                if (p) librdf_free_node(p);
                if (o) librdf_free_node(o);
                return NULL;
            }
            ks->st = librdf_new_statement_from_nodes(ks->k->world, s, p, o);   /* owns s p o */
        }
        return ks->st;
    }
    if (flags == LIBRDF_STREAM_GET_METHOD_GET_CONTEXT) {
        if (!ks->sc.q[3]) return NULL;
        if (ks->ctx_fixed) return ks->ctx_fixed;
        if (!ks->ctx) ks->ctx = id_node(ks->k, ks->sc.txn, ks->sc.q[3]);
        return ks->ctx;
    }
    return NULL;
}

static void ks_finish(void *c)
{
    kstream *ks = c;
    ks_clear_current(ks);
    for (int k = 0; k < 3; k++) if (ks->node[k]) librdf_free_node(ks->node[k]);
    if (ks->ctx_fixed) librdf_free_node(ks->ctx_fixed);
    scan_close(&ks->sc);
    librdf_storage_remove_reference(ks->k->storage);
    free(ks);
}

static librdf_stream *stream_for(librdf_storage *storage, librdf_statement *pattern,
                                 librdf_node *ctx, int with_c, int quads)
{
    kstore *k = librdf_storage_get_instance(storage);
    kenv *e = k->e;
    int is_w;
    MDB_txn *txn = rd_begin(e, &is_w);
    if (!txn) { log_mdb(k->world, "starting a read transaction", MDB_BAD_TXN); return NULL; }
    uint64_t q[4];
    int rc = pattern_ids(k, txn, pattern, ctx, 0, q);
    if (rc == MDB_NOTFOUND) { rd_end(e, is_w); return librdf_new_empty_stream(k->world); }
    if (rc) { rd_end(e, is_w); log_mdb(k->world, "reading the dictionary", rc); return NULL; }
    kstream *ks = calloc(1, sizeof *ks);
    if (!ks) { rd_end(e, is_w); return NULL; }
    ks->k = k;
    /* a bound part of every result is the pattern's term: its node is
       reused, not decoded (a join binds all but one part per row) */
    for (int i = 0; i < 3 && pattern; i++) {
        librdf_node *n = i == 0 ? librdf_statement_get_subject(pattern)
                       : i == 1 ? librdf_statement_get_predicate(pattern)
                                : librdf_statement_get_object(pattern);
        if (n && (ks->node[i] = librdf_new_node_from_node(n))) ks->node_id[i] = q[i];
    }
    if (with_c && ctx) ks->ctx_fixed = librdf_new_node_from_node(ctx);
    rc = scan_open(&ks->sc, e, q, with_c, quads);
    rd_end(e, is_w);                  /* the scan holds its own use */
    if (rc) {
        for (int i = 0; i < 3; i++) if (ks->node[i]) librdf_free_node(ks->node[i]);
        if (ks->ctx_fixed) librdf_free_node(ks->ctx_fixed);
        free(ks);
        log_mdb(k->world, "opening a cursor", rc);
        return NULL;
    }
    librdf_storage_add_reference(storage);
    return librdf_new_stream(k->world, ks, ks_is_end, ks_next, ks_get, ks_finish);
    /* librdf_new_stream fails only without memory; ks leaks then, as in
       Redland's own storages */
}

/* ---- iterators over distinct nodes (sources, arcs, targets, contexts) -------- */

typedef struct kiter {
    kstore      *k;
    scan         sc;
    int          part;            /* quad component to return */
    uint64_t     last;
    librdf_node *node, *ctx;
    /* answering from a memo (sc holds the snapshot, no cursor): values
       v[i] with graphs c[i]; or recording one for memo slot rec (NULL:
       not, or too many values) */
    int          from_memo, n, i;
    uint64_t     v[MEMO_VALS], c[MEMO_VALS];
    memo_slot   *rec;
    uint64_t     rec_q[3];
} kiter;

/* The memo slot for (q, part); its snap says whether it is filled. */
static memo_slot *memo_slot_of(kstore *k, const uint64_t q[3], int part)
{
    uint64_t h = mix64(q[0] ^ mix64(q[1] ^ mix64(q[2] + (uint64_t)part)));
    return &k->memo[h & (MEMO_SLOTS - 1)];
}

static void ki_record(kiter *it)
{
    if (!it->rec) return;
    if (it->sc.done) {                            /* complete: keep it */
        memo_slot *m = it->rec;
        m->snap = it->k->e->rsnap;
        memcpy(m->q, it->rec_q, sizeof m->q);
        m->part = it->part;
        m->n = it->n;
        memcpy(m->v, it->v, sizeof m->v);
        memcpy(m->c, it->c, sizeof m->c);
        it->rec = NULL;
        return;
    }
    if (it->n == MEMO_VALS) { it->rec = NULL; return; }
    it->v[it->n] = it->sc.q[it->part];
    it->c[it->n++] = it->sc.q[3];
}

static int ki_is_end(void *c)
{
    kiter *it = c;
    if (it->from_memo) return it->i >= it->n;
    return it->sc.done || !scan_alive(&it->sc);
}

/* Moves the scan to the first entry whose part is after it->last, when the
 * part comes right after the scan's prefix in its index (so entries with
 * the same value differ only after it): a seek to (prefix, last + 1, 0…).
 * Otherwise, or at the top id, leaves the scan where it is. */
static void ki_skip(kiter *it)
{
    scan *s = &it->sc;
    int pos = s->plen / 8;                    /* index position after the prefix */
    if (pos < 1 || pos > 2 || PERM[s->idx][pos] != it->part || it->last == UINT64_MAX ||
        !scan_alive(s))
        return;
    unsigned char v[24] = {0};
    memcpy(v, s->prefix + 8, (size_t)s->plen - 8);
    put64(v + s->plen - 8, it->last + 1);
    MDB_val key = { 8, s->prefix }, val = { 24, v };
    int rc = mdb_cursor_get(s->cur, &key, &val, MDB_GET_BOTH_RANGE);
    for (;;) {
        if (rc != 0) break;
        int m = scan_match(s, &key, &val);
        if (m == -1) break;                           /* -2, a copy: on */
        if (m > 0) return;
        rc = mdb_cursor_get(s->cur, &key, &val, MDB_NEXT_DUP);
    }
    if (scan_next_range(s)) scan_step(s, 1);          /* a union's next range */
    else s->done = 1;
}

static int ki_next(void *c)
{
    kiter *it = c;
    if (it->node) { librdf_free_node(it->node); it->node = NULL; }
    if (it->ctx) { librdf_free_node(it->ctx); it->ctx = NULL; }
    if (it->from_memo) return ++it->i >= it->n;
    /* the wanted part is last-but-context in its index, so copies (other
       graphs, or for contexts every quad) are adjacent.  A few steps, then,
       when those are copies too, a seek past them: a label said by ten
       documents costs three steps and a seek, not ten steps (a join asks
       for it per row).  A seek searches from the root, so it only pays
       after a few copies (seeking after one made a scan of ports, most in
       one or two graphs, 4 % slower). */
    int steps = 0;
    do scan_step(&it->sc, 0);
    while (!it->sc.done && it->sc.q[it->part] == it->last && ++steps < 3);
    if (!it->sc.done && it->sc.q[it->part] == it->last) ki_skip(it);
    while (!it->sc.done && it->sc.q[it->part] == it->last) scan_step(&it->sc, 0);
    if (!it->sc.done) it->last = it->sc.q[it->part];
    ki_record(it);
    return it->sc.done;
}

static void *ki_get(void *c, int flags)
{
    kiter *it = c;
    if (it->from_memo ? it->i >= it->n : !scan_alive(&it->sc)) return NULL;
    uint64_t v = it->from_memo ? it->v[it->i] : it->sc.q[it->part];
    uint64_t g = it->from_memo ? it->c[it->i] : it->sc.q[3];
    if (flags == LIBRDF_ITERATOR_GET_METHOD_GET_OBJECT) {
        if (!it->node && (it->node = id_node(it->k, it->sc.txn, v)) &&
            librdf_node_is_resource(it->node))
            /* a join hands a value it got here back as a bound term of its
               next pattern (Rasqal keeps the interned IRI): remembered,
               its id is then a pointer lookup.  Not done for streams: a
               scan of every label would only churn the cache. */
            uri_remember(it->k, librdf_node_get_uri(it->node), v);
        return it->node;
    }
    if (flags == LIBRDF_ITERATOR_GET_METHOD_GET_CONTEXT) {
        if (it->part == 3 || !g) return NULL;
        if (!it->ctx) it->ctx = id_node(it->k, it->sc.txn, g);
        return it->ctx;
    }
    return NULL;
}

static void ki_finish(void *c)
{
    kiter *it = c;
    if (it->node) librdf_free_node(it->node);
    if (it->ctx) librdf_free_node(it->ctx);
    scan_close(&it->sc);
    librdf_storage_remove_reference(it->k->storage);
    free(it);
}

/* contexts: next key of CSPO (not every quad) */
static int kc_next(void *c)
{
    kiter *it = c;
    if (it->node) { librdf_free_node(it->node); it->node = NULL; }
    if (!scan_alive(&it->sc)) return 1;
    MDB_val key, val;
    if (mdb_cursor_get(it->sc.cur, &key, &val, MDB_NEXT_NODUP) != 0) { it->sc.done = 1; return 1; }
    decode_quad(I_CSPO, key.mv_data, val.mv_data, it->sc.q);
    return 0;
}

/* An iterator over the distinct values of part among the quads matching
 * (a, b) placed at parts pa, pb (NULL node: unbound). */
static librdf_iterator *iter_for(librdf_storage *storage, librdf_node *a, int pa,
                                 librdf_node *b, int pb, int part)
{
    kstore *k = librdf_storage_get_instance(storage);
    kenv *e = k->e;
    int is_w;
    MDB_txn *txn = rd_begin_lazy(e, &is_w);
    if (!txn) return NULL;
    uint64_t q[4] = {0, 0, 0, 0};
    int rc = 0;
    if (a) rc = kterm_id(k, txn, a, 0, &q[pa]);
    if (!rc && b) rc = kterm_id(k, txn, b, 0, &q[pb]);
    /* a term the store does not name: nothing matches, and a group's
       pending quads need not be written to say so (kouan extract asks for
       each new document's stored SHA-256) */
    if (rc == MDB_NOTFOUND) { rd_end(e, is_w); return librdf_new_empty_iterator(k->world); }
    if (!rc && is_w) rc = flush(e);
    if (rc) { rd_end(e, is_w); return NULL; }
    kiter *it = calloc(1, sizeof *it);
    if (!it) { rd_end(e, is_w); return NULL; }
    it->k = k;
    it->part = part;
    memo_slot *m = a && b && part != 3 && !is_w && k->memo ? memo_slot_of(k, q, part) : NULL;
    if (m && m->snap == e->rsnap && m->part == part && memcmp(m->q, q, sizeof m->q) == 0) {
        /* answered in this snapshot already; keep using the snapshot */
        it->from_memo = 1;
        it->n = m->n;
        memcpy(it->v, m->v, sizeof it->v);
        memcpy(it->c, m->c, sizeof it->c);
        it->sc.e = e;
        it->sc.txn = rd_begin(e, &it->sc.is_w);
        rd_end(e, is_w);
        if (!it->sc.txn) { free(it); return NULL; }
        librdf_storage_add_reference(storage);
        return librdf_new_iterator(k->world, it, ki_is_end, ki_next, ki_get, ki_finish);
    }
    if (m) { it->rec = m; memcpy(it->rec_q, q, sizeof it->rec_q); }
    if (part == 3) {
        /* contexts: the keys of CSPO, skipping the default graph (0) */
        memset(&it->sc, 0, sizeof it->sc);
        it->sc.e = e;
        it->sc.txn = rd_begin(e, &it->sc.is_w);
        it->sc.wgen = e->wgen;
        it->sc.idx = I_CSPO;
        rc = it->sc.txn ? cursor_get(e, it->sc.txn, it->sc.is_w, I_CSPO, &it->sc.cur) : MDB_BAD_TXN;
        if (!rc) scan_step(&it->sc, 1);
        if (!rc && !it->sc.done && it->sc.q[3] == 0) {
            MDB_val key, val;     /* jump over the default graph's quads */
            if (mdb_cursor_get(it->sc.cur, &key, &val, MDB_NEXT_NODUP) == 0)
                decode_quad(I_CSPO, key.mv_data, val.mv_data, it->sc.q);
            else it->sc.done = 1;
        }
    } else {
        rc = scan_open(&it->sc, e, q, 0, 1);
    }
    rd_end(e, is_w);
    if (rc) { if (part == 3) scan_close(&it->sc); free(it); return NULL; }
    it->last = it->sc.q[part];
    ki_record(it);
    librdf_storage_add_reference(storage);
    return librdf_new_iterator(k->world, it, ki_is_end, part == 3 ? kc_next : ki_next,
                               ki_get, ki_finish);
}

/* ---- the factory's methods ------------------------------------------------------ */

/* Format 1 → 2, in place, in the transaction that opens the store for
 * writing (so all or nothing: a kill -9 during it leaves format 1): `ids`
 * is built from `terms` — every old (hash) id stays the id of its term, so
 * no quad changes — and the counter starts past the largest old id (hash
 * ids are spread over 2^64, so there is room, ~2^64 / terms ids; when the
 * largest is within 2^32 of the top, it starts at 1 and steps over the old
 * ids it meets: term_new). */
static int upgrade_v1(kenv *e, MDB_txn *txn)
{
    int rc = mdb_dbi_open(txn, "ids", MDB_CREATE, &e->ids);
    if (rc) return rc;
    MDB_cursor *c;
    if ((rc = mdb_cursor_open(txn, e->terms, &c))) return rc;
    MDB_val key, val;
    uint64_t last = 0;
    size_t n = 0;
    for (rc = mdb_cursor_get(c, &key, &val, MDB_FIRST); rc == 0;
         rc = mdb_cursor_get(c, &key, &val, MDB_NEXT)) {
        if (key.mv_size != 8) { rc = MDB_CORRUPTED; break; }
        last = get64(key.mv_data);
        tbuf b = { .p = val.mv_data, .len = val.mv_size };
        uint64_t h = hash_bytes(b.p, b.len);
        unsigned char v[8];
        put64(v, last);
        MDB_val idv = { 8, v };
        for (uint64_t probe = h;; probe++) {
            unsigned char kb[9];
            MDB_val ik;
            ids_key(e, &b, probe, kb, &ik);
            rc = mdb_put(txn, e->ids, &ik, &idv, MDB_NOOVERWRITE);
            /* a short term twice (format 1 never wrote one twice): the
               first is kept; a long term's hash taken: the next probe */
            if (rc != MDB_KEYEXIST || b.len <= e->keymax) break;
        }
        if (rc == MDB_KEYEXIST) rc = 0;
        if (rc) break;
        n++;
    }
    mdb_cursor_close(c);
    if (rc != MDB_NOTFOUND) return rc;
    uint64_t next = last < UINT64_MAX - ((uint64_t)1 << 32) ? last + 1 : 1;
    unsigned char nv[8];
    put64(nv, next);
    char note[128];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    int len = snprintf(note, sizeof note, "from format 1 at %04d-%02d-%02dT%02d:%02d:%02dZ, %zu terms",
                       tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
                       tm.tm_sec, n);
    MDB_val k1 = { 7, "next-id" }, v1 = { 8, nv };
    MDB_val k2 = { 8, "upgraded" }, v2 = { (size_t)len, note };
    MDB_val k3 = { 6, "format" }, v3 = { strlen(FORMAT_TAG_2), FORMAT_TAG_2 };
    if ((rc = mdb_put(txn, e->meta, &k1, &v1, 0)) || (rc = mdb_put(txn, e->meta, &k2, &v2, 0)) ||
        (rc = mdb_put(txn, e->meta, &k3, &v3, 0)))
        return rc;
    return 0;
}

static void env_release(kenv *e)
{
    if (!e || --e->refs > 0) return;
    for (int i = 0; i < N_IDX; i++)
        while (e->npool[i] > 0) mdb_cursor_close(e->pool[i][--e->npool[i]]);
    if (e->wtxn) mdb_txn_abort(e->wtxn);         /* uncommitted: not kept */
    e->wtxn = NULL;
    if (e->rtxn) mdb_txn_abort(e->rtxn);
    e->rtxn = NULL;
    prefault_stop(e);                            /* (a write transaction of its own) */
    if (!e->read_only && e->pid == getpid() && (!e->fill || fill_end(e)))
        mdb_env_sync(e->env, 1);        /* the last commit's meta page (NOMETASYNC) */
    mdb_env_close(e->env);
    if (e->statm_fd >= 0) close(e->statm_fd);
    cache_clear(e);
    free(e->cache);
    free(e->pend);
    free(e->pend_tmp);
    bl_drop(e);
    free(e->ig);
    free(e->ig_slot);
    im_free(e);
    free(e->dir);
    for (kenv **pp = &envs; *pp; pp = &(*pp)->next)
        if (*pp == e) { *pp = e->next; break; }
    free(e);
}

/* A new store's unindexed predicates (formats 3-5) or unlinked ones
 * (format 5): the IRIs of list (space-separated, at most MAX_UNINDEXED)
 * numbered as terms in txn and their ids kept in meta key (8 bytes each:
 * "unindexed", "unlinked"), which later opens read (preds_load); the
 * caller saves the counter once both are numbered (next_save). */
static int preds_create(kenv *e, MDB_txn *txn, const char *list, const char *mkey,
                        uint64_t *set, int *n)
{
    *n = 0;
    for (const char *p = list ? list : ""; *p;) {
        while (*p == ' ') p++;
        size_t len = strcspn(p, " ");
        if (!len) break;
        if (*n == MAX_UNINDEXED) return EINVAL;
        char iri[1024];
        if (len >= sizeof iri) return EINVAL;
        memcpy(iri, p, len);
        iri[len] = 0;
        p += len;
        tbuf b;
        if (term_encode_str(0, iri, NULL, NULL, &b)) return ENOMEM;
        uint64_t id;
        int rc = term_id_v2(e, txn, &b, hash_bytes(b.p, b.len), 1, 0, &id);
        tbuf_free(&b);
        if (rc) return rc;
        if (!in_set(set, *n, id)) set[(*n)++] = id;
    }
    unsigned char v[8 * MAX_UNINDEXED];
    for (int i = 0; i < *n; i++) put64(v + 8 * i, set[i]);
    MDB_val key = { strlen(mkey), (void *)mkey }, val = { 8 * (size_t)*n, v };
    return mdb_put(txn, e->meta, &key, &val, 0);
}

static int preds_load(kenv *e, MDB_txn *txn, const char *mkey, uint64_t *set, int *n)
{
    MDB_val key = { strlen(mkey), (void *)mkey }, val;
    int rc = mdb_get(txn, e->meta, &key, &val);
    if (rc) return rc == MDB_NOTFOUND ? MDB_CORRUPTED : rc;
    if (val.mv_size % 8 || val.mv_size > 8 * MAX_UNINDEXED) return MDB_CORRUPTED;
    *n = (int)(val.mv_size / 8);
    for (int i = 0; i < *n; i++) set[i] = get64((const unsigned char *)val.mv_data + 8 * i);
    return 0;
}

static kenv *env_acquire(librdf_world *w, const char *dir, int read_only, size_t map_size,
                         const char *unindexed, const char *unlinked)
{
    struct stat sb;
    if (stat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
        librdf_log(w, 0, LIBRDF_LOG_ERROR, LIBRDF_FROM_STORAGE, NULL,
                   "kouan store %s: not a folder", dir);
        return NULL;
    }
    for (kenv *e = envs; e; e = e->next)
        if (e->dev == sb.st_dev && e->ino == sb.st_ino && e->pid == getpid()) {
            if (e->read_only && !read_only) {
                librdf_log(w, 0, LIBRDF_LOG_ERROR, LIBRDF_FROM_STORAGE, NULL,
                           "kouan store %s is open read-only in this process", dir);
                return NULL;
            }
            e->refs++;
            return e;
        }
    kenv *e = calloc(1, sizeof *e);
    if (!e || !(e->cache = calloc(CACHE_SLOTS, sizeof *e->cache))) { free(e); return NULL; }
    e->dev = sb.st_dev;
    e->ino = sb.st_ino;
    e->statm_fd = -1;
    const char *co = getenv("KOUAN_LMDB_CHECK_ORDER");
    e->check_order = co && *co && strcmp(co, "0") != 0;
    e->pid = getpid();
    e->refs = 1;
    e->read_only = read_only;
    if (!(e->dir = strdup(dir))) { free(e->cache); free(e); return NULL; }
    /* the map is address space, not memory; where that much cannot be
       reserved (valgrind, ulimit -v, a 32-bit system) a smaller one is
       tried, down to 1 GiB — LMDB grows it to the file's size on open */
    int rc;
    for (;;) {
        rc = mdb_env_create(&e->env);
        if (!rc) rc = mdb_env_set_maxdbs(e->env, 8);
        if (!rc) rc = mdb_env_set_mapsize(e->env, map_size);
        /* MDB_NOMETASYNC: a commit syncs its data pages, not the meta page
           that points at them (it is written, and synced by the next
           commit or at close: env_release) — one disk flush per document
           instead of two.  LMDB keeps two meta pages, so a power loss can
           only undo the last commit, whole; kill -9 loses nothing
           committed (the kernel holds the written pages). */
        if (!rc) rc = mdb_env_open(e->env, dir, MDB_NOTLS | MDB_NORDAHEAD |
                                   (read_only ? MDB_RDONLY : MDB_NOMETASYNC), 0666);
        if ((rc != EINVAL && rc != ENOMEM) || map_size <= ((size_t)1 << 30)) break;
        mdb_env_close(e->env);
        e->env = NULL;
        map_size /= 4;
    }
    /* a new store's first batch cut short (logged when refused) */
    if (!rc && fill_check(e, w, dir)) rc = -1;
    const char *what = "opening";
    MDB_txn *txn = NULL;
    if (!rc) { what = "starting"; rc = mdb_txn_begin(e->env, NULL, read_only ? MDB_RDONLY : 0, &txn); }
    unsigned create = read_only ? 0 : MDB_CREATE;
    if (!rc) { what = "opening the dictionary"; rc = mdb_dbi_open(txn, "terms", create, &e->terms); }
    if (!rc) rc = mdb_dbi_open(txn, "meta", create, &e->meta);
    for (int i = 0; i < N_IDX && !rc; i++) {
        rc = mdb_dbi_open(txn, IDX_NAME[i], create | MDB_DUPSORT | MDB_DUPFIXED, &e->idx[i]);
        if (!rc) rc = mdb_set_compare(txn, e->idx[i], cmp_ids);
        if (!rc) rc = mdb_set_dupsort(txn, e->idx[i], cmp_ids);
    }
    if (!rc) e->keymax = (unsigned)mdb_env_get_maxkeysize(e->env);
    if (!rc) {
        MDB_val key = { 6, "format" }, val;
        int g = mdb_get(txn, e->meta, &key, &val);
        size_t bl = sizeof FORMAT_BACKLOG - 1;
        if (g == 0 && val.mv_size > bl &&               /* its backlog: below */
            memcmp((const char *)val.mv_data + val.mv_size - bl, FORMAT_BACKLOG, bl) == 0)
            val.mv_size -= bl;
        int is1 = g == 0 && val.mv_size == strlen(FORMAT_TAG_1) &&
                  memcmp(val.mv_data, FORMAT_TAG_1, val.mv_size) == 0;
        int is2 = g == 0 && val.mv_size == strlen(FORMAT_TAG_2) &&
                  memcmp(val.mv_data, FORMAT_TAG_2, val.mv_size) == 0;
        int is3 = g == 0 && val.mv_size == strlen(FORMAT_TAG_3) &&
                  memcmp(val.mv_data, FORMAT_TAG_3, val.mv_size) == 0;
        int is4 = g == 0 && val.mv_size == strlen(FORMAT_TAG_4) &&
                  memcmp(val.mv_data, FORMAT_TAG_4, val.mv_size) == 0;
        int is5 = g == 0 && val.mv_size == strlen(FORMAT_TAG) &&
                  memcmp(val.mv_data, FORMAT_TAG, val.mv_size) == 0;
        e->format = 5;
        if (g == MDB_NOTFOUND && !read_only) {         /* a new store */
            val = (MDB_val){ strlen(FORMAT_TAG), FORMAT_TAG };
            rc = mdb_put(txn, e->meta, &key, &val, 0);
            if (!rc) rc = mdb_dbi_open(txn, "ids", MDB_CREATE, &e->ids);
            what = "numbering the unindexed predicates (unindexed='IRI …', at most 8)";
            if (!rc) rc = preds_create(e, txn, unindexed, "unindexed", e->unidx, &e->nunidx);
            if (!rc) what = "numbering the unlinked predicates (unlinked='IRI …', at most 8)";
            if (!rc) rc = preds_create(e, txn, unlinked, "unlinked", e->unlinked, &e->nunlinked);
            if (!rc) rc = next_save(e, txn);          /* the predicates' ids */
            e->next_loaded = e->next_dirty = 0;       /* read again by each write txn */
        } else if (is5 || is4 || is3 || is2) {
            what = "opening the term index";
            rc = mdb_dbi_open(txn, "ids", create, &e->ids);
            /* 4: every quad in OSPC; 3: plain literals keyed by their
               bytes; 2: every quad indexed */
            e->format = is5 ? 5 : is4 ? 4 : is3 ? 3 : 2;
            if (!rc) what = "reading the unindexed predicates";
            if (!rc && !is2) rc = preds_load(e, txn, "unindexed", e->unidx, &e->nunidx);
            if (!rc) what = "reading the unlinked predicates";
            if (!rc && is5) rc = preds_load(e, txn, "unlinked", e->unlinked, &e->nunlinked);
        } else if (is1 && read_only) {
            e->format = 1;                              /* read as it is */
        } else if (is1) {
            what = "upgrading the store from format 1";
            e->format = 2;                              /* ids_key: format 2's keys */
            rc = upgrade_v1(e, txn);
        } else if (g == 0) {
            librdf_log(w, 0, LIBRDF_LOG_ERROR, LIBRDF_FROM_STORAGE, NULL,
                       "kouan store %s: unknown format “%.*s” (this kouan reads “%s”, “%s”, “%s”, "
                       "“%s” and “%s”)", dir, (int)val.mv_size, (const char *)val.mv_data,
                       FORMAT_TAG, FORMAT_TAG_4, FORMAT_TAG_3, FORMAT_TAG_2, FORMAT_TAG_1);
            rc = -1;
        } else rc = g;
    }
    if (txn) {
        if (!rc) { what = "creating the databases"; rc = mdb_txn_commit(txn); }
        else mdb_txn_abort(txn);
    }
    if (rc) {
        if (rc > 0 || rc < -1)
            librdf_log(w, 0, LIBRDF_LOG_ERROR, LIBRDF_FROM_STORAGE, NULL,
                       "kouan store %s: %s: %s", dir, what,
                       rc == MDB_NOTFOUND ? "not a kouan store (no indexes)" : mdb_strerror(rc));
        mdb_env_close(e->env);
        free(e->cache);
        free(e->dir);
        free(e);
        return NULL;
    }
    e->next = envs;
    envs = e;
    return e;
}

static int k_init(librdf_storage *storage, const char *name, librdf_hash *options)
{
    librdf_world *w = librdf_storage_get_world(storage);
    kstore *k = calloc(1, sizeof *k);
    char *dir = options ? librdf_hash_get(options, "dir") : NULL;
    int read_only = options && librdf_hash_get_as_boolean(options, "write") == 0;
    char *ms = options ? librdf_hash_get(options, "map-size") : NULL;
    char *unidx = options ? librdf_hash_get(options, "unindexed") : NULL;
    char *unlinked = options ? librdf_hash_get(options, "unlinked") : NULL;
    size_t map_size = ms ? (size_t)strtoull(ms, NULL, 10) : 0;
    const char *tm = getenv("KOUAN_LMDB_MAP_BYTES");   /* tests: a map to fill */
    if (!map_size && tm && *tm) map_size = (size_t)strtoull(tm, NULL, 10);
    if (!map_size) map_size = (size_t)64 << 30;
    if (ms) librdf_free_memory(ms);
    if (options) librdf_free_hash(options);       /* ours since init */
    if (!k || !dir) {
        if (!dir) librdf_log(w, 0, LIBRDF_LOG_ERROR, LIBRDF_FROM_STORAGE, NULL,
                             "kouan store: the option dir='FOLDER' is required");
        if (dir) librdf_free_memory(dir);
        if (unidx) librdf_free_memory(unidx);
        if (unlinked) librdf_free_memory(unlinked);
        free(k);
        return 1;
    }
    k->world = w;
    k->storage = storage;
    k->dir = strdup(dir);
    librdf_free_memory(dir);
    k->nodes = calloc(NODE_SLOTS, sizeof *k->nodes);   /* none: no cache */
    /* the IRI cache is keyed by pointer: it pays only when Raptor interns
       IRIs (one object per IRI); kouan's own world does not (query/source.h) */
    if (uris_interned(w)) k->uris = calloc(URI_SLOTS, sizeof *k->uris);
    k->memo = calloc(MEMO_SLOTS, sizeof *k->memo);     /* none: no memo */
    k->e = k->dir ? env_acquire(w, k->dir, read_only, map_size, unidx, unlinked) : NULL;
    if (unidx) librdf_free_memory(unidx);
    if (unlinked) librdf_free_memory(unlinked);
    if (!k->e) {
        free(k->nodes);
        free(k->uris);
        free(k->memo);
        free(k->dir);
        free(k);
        return 1;
    }
    k->nodes_agen = k->uris_agen = k->e->agen;
    k->next = stores;
    stores = k;
    librdf_storage_set_instance(storage, k);
    return 0;
}

static void k_terminate(librdf_storage *storage)
{
    kstore *k = librdf_storage_get_instance(storage);
    if (!k) return;
    kenv *e = k->e;
    if (e->wtxn && !e->explicit_txn && e->refs == 1) wr_commit(k);   /* implicit: keep */
    env_release(e);
    nodes_clear(k);
    free(k->nodes);
    uris_clear(k);
    free(k->uris);
    free(k->memo);
    for (kstore **pp = &stores; *pp; pp = &(*pp)->next)
        if (*pp == k) { *pp = k->next; break; }
    free(k->dir);
    free(k);
}

static int k_open(librdf_storage *storage, librdf_model *model) { return 0; }

static int k_close(librdf_storage *storage)
{
    kstore *k = librdf_storage_get_instance(storage);
    if (k->e->wtxn && !k->e->explicit_txn) return wr_commit(k);
    return 0;
}

static int k_size(librdf_storage *storage)
{
    kstore *k = librdf_storage_get_instance(storage);
    int is_w;
    MDB_txn *txn = rd_begin(k->e, &is_w);
    if (!txn) return -1;
    MDB_stat st;
    int rc = mdb_stat(txn, k->e->idx[I_SPOC], &st);
    rd_end(k->e, is_w);
    if (rc) return -1;
    return st.ms_entries > INT32_MAX ? INT32_MAX : (int)st.ms_entries;
}

static int k_context_add_statement(librdf_storage *storage, librdf_node *ctx,
                                   librdf_statement *statement)
{
    kstore *k = librdf_storage_get_instance(storage);
    if (!librdf_statement_is_complete(statement)) return 1;
    MDB_txn *txn = wr_txn(k, 1);
    if (!txn) return 1;
    uint64_t q[4];
    kenv *e = k->e;
    /* in a group (kouan_store_copy into a new store): the statements wait
       in pend, their POSC and OSPC keys go to the backlog and new plain
       literals to the backlog of `ids`, as a grouped replace's do, and the
       group commits when due — memory bounded by the group, not by the
       copy (one transaction held 4.2 GB at 200 MB of corpus) */
    int grouped = e->group_ms && !e->explicit_txn;
    e->grouped = grouped;
    int rc = pattern_ids(k, txn, statement, ctx, 1, q);
    e->grouped = 0;
    int lit = librdf_node_is_literal(librdf_statement_get_object(statement)) != 0;
    if (!rc && (e->explicit_txn || grouped)) {     /* written sorted by flush */
        if (e->npend == e->cappend) {
            size_t cap = e->cappend ? e->cappend * 2 : 4096;
            pend *np = realloc(e->pend, cap * sizeof *np);
            if (!np) { log_mdb(k->world, "adding a statement", ENOMEM); return 1; }
            e->pend = np;
            e->cappend = cap;
        }
        pend *np = &e->pend[e->npend++];
        memcpy(np->q, q, sizeof q);
        np->dup = np->keep = 0;
        np->u = (unsigned char)quad_flags(e, q[1], lit);
        if (grouped && ++e->gquads >= e->gq_eff) return wr_commit(k);   /* logged */
        return 0;
    }
    if (!rc) rc = quad_add(e, txn, q, quad_flags(e, q[1], lit));
    if (rc == 1) return 0;                         /* already stored: once */
    if (rc) {
        log_mdb(k->world, "adding a statement", rc);
        if (rc == MDB_MAP_FULL || rc == MDB_TXN_FULL || rc == MDB_BAD_TXN) {
            /* the transaction cannot go on: an explicit one is kept for
               rollback to discard; an implicit one is discarded now */
            if (!k->e->explicit_txn) wr_abort(k->e);
        }
        return 1;
    }
    return 0;
}

static int k_add_statement(librdf_storage *storage, librdf_statement *statement)
{
    return k_context_add_statement(storage, NULL, statement);
}

static int k_add_statements(librdf_storage *storage, librdf_stream *stream)
{
    for (; !librdf_stream_end(stream); librdf_stream_next(stream)) {
        librdf_statement *st = librdf_stream_get_object(stream);
        librdf_node *ctx = librdf_stream_get_context2(stream);
        if (!st || k_context_add_statement(storage, ctx, st)) return 1;
    }
    return 0;
}

static int k_context_remove_statement(librdf_storage *storage, librdf_node *ctx,
                                      librdf_statement *statement)
{
    kstore *k = librdf_storage_get_instance(storage);
    if (!librdf_statement_is_complete(statement)) return 1;
    MDB_txn *txn = wr_txn(k, 0);
    if (!txn) return 1;
    uint64_t q[4];
    int rc = flush(k->e);
    if (!rc) rc = pattern_ids(k, txn, statement, ctx, 0, q);
    if (rc == MDB_NOTFOUND) return 0;              /* nothing to remove */
    if (!rc) rc = quad_del(k->e, txn, q, 0);
    if (rc == MDB_NOTFOUND) return 0;
    if (rc) { log_mdb(k->world, "removing a statement", rc); return 1; }
    return 0;
}

static int k_remove_statement(librdf_storage *storage, librdf_statement *statement)
{
    return k_context_remove_statement(storage, NULL, statement);
}

/* Removes a whole graph.  In an explicit transaction the removal waits for
 * the next flush (a read, a commit), which merges it with the adds that
 * come after it (drop_merge): a graph replaced by nearly the same quads
 * costs only its changes.  Adds pending before it are written first, so
 * the order of the calls is what counts. */
static int k_context_remove_statements(librdf_storage *storage, librdf_node *ctx)
{
    kstore *k = librdf_storage_get_instance(storage);
    kenv *e = k->e;
    MDB_txn *txn = wr_txn(k, 0);
    if (!txn) return 1;
    uint64_t c = 0;
    int rc = flush(e);
    if (!rc && ctx) rc = kterm_id(k, txn, ctx, 0, &c);
    if (rc == MDB_NOTFOUND) return 0;
    if (rc) { log_mdb(k->world, "reading the dictionary", rc); return 1; }
    e->drop = 1;
    e->drop_c = c;
    if (e->explicit_txn) return 0;
    if ((rc = flush(e))) { log_mdb(k->world, "removing a graph", rc); return 1; }
    return 0;
}

static int k_contains_statement(librdf_storage *storage, librdf_statement *statement)
{
    kstore *k = librdf_storage_get_instance(storage);
    int is_w;
    MDB_txn *txn = rd_begin(k->e, &is_w);
    if (!txn) return 0;
    uint64_t q[4];
    int found = 0;
    if (pattern_ids(k, txn, statement, NULL, 0, q) == 0) {
        MDB_cursor *cur;
        if (mdb_cursor_open(txn, k->e->idx[I_SPOC], &cur) == 0) {
            unsigned char b[32];
            q[3] = 0;
            encode_quad(I_SPOC, q, b);
            MDB_val key = { 8, b }, val = { 24, b + 8 };
            /* the first quad at or after (s, p, o, 0): any graph */
            if (mdb_cursor_get(cur, &key, &val, MDB_GET_BOTH_RANGE) == 0 &&
                memcmp(val.mv_data, b + 8, 16) == 0)
                found = 1;
            mdb_cursor_close(cur);
        }
    }
    rd_end(k->e, is_w);
    return found;
}

static librdf_stream *k_serialise(librdf_storage *storage)
{
    return stream_for(storage, NULL, NULL, 0, 1);
}

static librdf_stream *k_find_statements(librdf_storage *storage, librdf_statement *st)
{
    return stream_for(storage, st, NULL, 0, 0);
}

static librdf_stream *k_find_in_context(librdf_storage *storage, librdf_statement *st,
                                        librdf_node *ctx)
{
    if (!ctx) return stream_for(storage, st, NULL, 0, 0);
    return stream_for(storage, st, ctx, 1, 0);
}

static librdf_stream *k_context_serialise(librdf_storage *storage, librdf_node *ctx)
{
    return stream_for(storage, NULL, ctx, 1, 0);
}

static librdf_iterator *k_find_sources(librdf_storage *s, librdf_node *arc, librdf_node *target)
{ return iter_for(s, arc, 1, target, 2, 0); }
static librdf_iterator *k_find_arcs(librdf_storage *s, librdf_node *src, librdf_node *target)
{ return iter_for(s, src, 0, target, 2, 1); }
static librdf_iterator *k_find_targets(librdf_storage *s, librdf_node *src, librdf_node *arc)
{ return iter_for(s, src, 0, arc, 1, 2); }
static librdf_iterator *k_get_arcs_in(librdf_storage *s, librdf_node *node)
{ return iter_for(s, node, 2, NULL, 0, 1); }
static librdf_iterator *k_get_arcs_out(librdf_storage *s, librdf_node *node)
{ return iter_for(s, node, 0, NULL, 0, 1); }

static librdf_iterator *k_get_contexts(librdf_storage *storage)
{
    return iter_for(storage, NULL, 0, NULL, 0, 3);
}

/* has_arc_in(node, property): is there (?, property, node)?  Redland's
 * header and its code disagree on the direction; we follow the code. */
static int k_has_arc_in(librdf_storage *storage, librdf_node *node, librdf_node *property)
{
    librdf_iterator *it = k_find_sources(storage, property, node);
    int r = it && !librdf_iterator_end(it);
    if (it) librdf_free_iterator(it);
    return r;
}

static int k_has_arc_out(librdf_storage *storage, librdf_node *node, librdf_node *property)
{
    librdf_iterator *it = k_find_targets(storage, node, property);
    int r = it && !librdf_iterator_end(it);
    if (it) librdf_free_iterator(it);
    return r;
}

static int k_sync(librdf_storage *storage)
{
    kstore *k = librdf_storage_get_instance(storage);
    if (k->e->wtxn && !k->e->explicit_txn) return wr_commit(k);
    return 0;
}

static librdf_node *k_get_feature(librdf_storage *storage, librdf_uri *feature)
{
    const unsigned char *u = feature ? librdf_uri_as_string(feature) : NULL;
    if (u && strcmp((const char *)u, LIBRDF_MODEL_FEATURE_CONTEXTS) == 0)
        return librdf_new_node_from_typed_literal(librdf_storage_get_world(storage),
                                                  (const unsigned char *)"1", NULL, NULL);
    return NULL;
}

static int k_transaction_start(librdf_storage *storage)
{
    kstore *k = librdf_storage_get_instance(storage);
    if (k->e->explicit_txn) {
        librdf_log(k->world, 0, LIBRDF_LOG_ERROR, LIBRDF_FROM_STORAGE, NULL,
                   "kouan store %s: a transaction is already open", k->dir);
        return 1;
    }
    if (k->e->wtxn && wr_commit(k)) return 1;     /* earlier implicit writes */
    if (!wr_txn(k, 0)) return 1;
    k->e->explicit_txn = 1;
    return 0;
}

static int k_transaction_commit(librdf_storage *storage)
{
    kstore *k = librdf_storage_get_instance(storage);
    if (!k->e->explicit_txn) return 1;
    return wr_commit(k);
}

static int k_transaction_rollback(librdf_storage *storage)
{
    kstore *k = librdf_storage_get_instance(storage);
    if (!k->e->explicit_txn) return 1;
    wr_abort(k->e);
    return 0;
}

static void *k_transaction_get_handle(librdf_storage *storage)
{
    kstore *k = librdf_storage_get_instance(storage);
    return k->e->explicit_txn ? k->e->wtxn : NULL;
}

static void k_register(librdf_storage_factory *f)
{
    f->version = LIBRDF_STORAGE_INTERFACE_VERSION;
    f->init = k_init;
    f->terminate = k_terminate;
    f->open = k_open;
    f->close = k_close;
    f->size = k_size;
    f->add_statement = k_add_statement;
    f->add_statements = k_add_statements;
    f->remove_statement = k_remove_statement;
    f->contains_statement = k_contains_statement;
    f->has_arc_in = k_has_arc_in;
    f->has_arc_out = k_has_arc_out;
    f->serialise = k_serialise;
    f->find_statements = k_find_statements;
    f->find_sources = k_find_sources;
    f->find_arcs = k_find_arcs;
    f->find_targets = k_find_targets;
    f->get_arcs_in = k_get_arcs_in;
    f->get_arcs_out = k_get_arcs_out;
    f->context_add_statement = k_context_add_statement;
    f->context_remove_statement = k_context_remove_statement;
    f->context_remove_statements = k_context_remove_statements;
    f->context_serialise = k_context_serialise;
    f->find_statements_in_context = k_find_in_context;
    f->sync = k_sync;
    f->get_contexts = k_get_contexts;
    f->get_feature = k_get_feature;
    f->transaction_start = k_transaction_start;
    f->transaction_commit = k_transaction_commit;
    f->transaction_rollback = k_transaction_rollback;
    f->transaction_get_handle = k_transaction_get_handle;
}

int kouan_lmdb_register(librdf_world *world)
{
    const char *name;
    for (unsigned i = 0; librdf_storage_enumerate(world, i, &name, NULL) == 0; i++)
        if (strcmp(name, KOUAN_LMDB_STORAGE_NAME) == 0) return 0;
    return librdf_storage_register_factory(world, KOUAN_LMDB_STORAGE_NAME,
                                           "kouan quad store on LMDB", k_register);
}

/* The id of IRI iri (added when new), unless iri is the same string as
 * *last, whose id *id holds already: a document's triples come grouped by
 * subject and name few predicates.  0, EINVAL, or an LMDB error. */
static int iri_id_as_last(kenv *e, MDB_txn *txn, const char *iri, const char **last,
                          uint64_t *id)
{
    if (iri == *last) return 0;
    tbuf b;
    if (term_encode_str(0, iri, NULL, NULL, &b)) return EINVAL;
    int rc = term_id_bytes(e, txn, &b, 1, id);
    tbuf_free(&b);
    if (!rc) *last = iri;
    return rc;
}

/* Appends the quads of t in graph c to the pending adds of the open write
 * transaction (flush writes them).  0; or an LMDB error with *bad the index
 * of a triple that cannot be stored (EINVAL), else n — and the pending adds
 * as before the call. */
static int add_strings(kstore *k, uint64_t c, const kouan_lmdb_triple *t, const uint64_t *ids,
                       size_t n, size_t *bad)
{
    static const uint64_t none[3];
    kenv *e = k->e;
    MDB_txn *txn = e->wtxn;
    size_t start = e->npend, i = 0;
    *bad = n;
    if (e->cappend - e->npend < n) {
        size_t cap = e->npend + n;
        pend *np = realloc(e->pend, cap * sizeof *np);
        if (!np) return ENOMEM;
        e->pend = np;
        e->cappend = cap;
    }
    tbuf b;
    int rc = 0;
    uint64_t s_id = 0, p_id = 0;
    const char *last_s = NULL, *last_p = NULL;
    for (; i < n && !rc; i++) {
        const kouan_lmdb_triple *x = &t[i];
        const uint64_t *id = ids ? ids + 3 * i : none;
        pend *pq = &e->pend[e->npend];
        /* a term may come as its id alone (kouan_lmdb_lookup_ids) */
        if ((!x->s && !id[0]) || (!x->p && !id[1]) || (!x->o && !id[2])) {
            rc = EINVAL;
            break;
        }
        /* a document's triples come grouped by subject, and name a few
           predicates: the same string as the last one needs no lookup */
        /* ids a worker found (kouan_lmdb_lookup_ids) need no lookup */
        if (id[0]) { s_id = id[0]; last_s = x->s; }
        else if ((rc = iri_id_as_last(e, txn, x->s, &last_s, &s_id))) break;
        if (id[1]) { p_id = id[1]; last_p = x->p; }
        else if ((rc = iri_id_as_last(e, txn, x->p, &last_p, &p_id))) break;
        if (id[2]) pq->q[2] = id[2];
        else {
            if (triple_term(x, 2, &b)) { rc = EINVAL; break; }
            rc = term_id_bytes(e, txn, &b, 1, &pq->q[2]);
            tbuf_free(&b);
            if (rc) break;
        }
        pq->q[0] = s_id;
        pq->q[1] = p_id;
        pq->q[3] = c;
        pq->dup = pq->keep = 0;
        pq->u = (unsigned char)quad_flags(e, p_id, x->o_literal);
        e->npend++;
    }
    if (rc) {
        if (rc == EINVAL) *bad = i;
        e->npend = start;
    }
    return rc;
}

/* ---- term ids off the writer's thread (kouan_lmdb_lookup_ids) ----------------------
 *
 * A found id is true for good (lmdb_storage.h), so the cache keeps it
 * across calls; a term not found is remembered only for the call that
 * looked (its snapshot): a later one may hold it. */
enum { IDC_SLOTS = 8192, IDC_BYTES = 128 };      /* ~1.3 MB at most a thread */
enum { IDC_TRIM_EVERY = TRIM_EVERY };              /* dictionary reads between trims */
typedef struct idc_slot { uint64_t h, id; uint32_t len, missed_in; unsigned char *bytes; } idc_slot;
struct kouan_lmdb_idcache {
    uint32_t call;
    unsigned reads;            /* dictionary reads since the last check */
    int      statm_fd;         /* resident_over's */
    int      map_tried;
    void    *map_at;           /* the map, once map_locate found it */
    size_t   map_len;
    idc_slot slot[IDC_SLOTS];
};

kouan_lmdb_idcache *kouan_lmdb_idcache_new(void)
{
    kouan_lmdb_idcache *c = calloc(1, sizeof *c);
    if (c) c->statm_fd = -1;
    return c;
}

void kouan_lmdb_idcache_free(kouan_lmdb_idcache *c)
{
    for (size_t i = 0; c && i < IDC_SLOTS; i++) free(c->slot[i].bytes);
    if (c && c->statm_fd >= 0) close(c->statm_fd);
    free(c);
}

/* A thread other than the writer (a worker's lookups and probes): the
 * map's pages dropped when over the writer's limit, as its own reads are
 * (resident_trim; e->resident_max is set before workers start).  *fd is
 * statm's; *at and *len the map, looked up once (*tried) in
 * /proc/self/maps, since the writer's map_at is its own.  1 when dropped. */
static int trim_off_writer(kenv *e, int *fd, int *tried, void **at, size_t *len)
{
    if (!e->resident_max || !resident_over(e, fd)) return 0;
    if (!*tried) *tried = 1, map_locate(e, at, len);
    if (!*at) return 0;
    map_drop(e, *at, *len, fd);
    return 1;
}

/* Lookups all over the dictionary map a folio (up to 2 MB) each. */
static void idc_trim(kenv *e, kouan_lmdb_idcache *c)
{
    trim_off_writer(e, &c->statm_fd, &c->map_tried, &c->map_at, &c->map_len);
}

/* The id of term bytes b in txn's snapshot: 0 with *id set (0 when the
 * snapshot lacks the term), or an LMDB error.  Reads only what the writer
 * never changes after the open (the environment, its handles, keymax). */
static int idc_lookup(kenv *e, MDB_txn *txn, kouan_lmdb_idcache *c, const tbuf *b,
                      uint64_t *id)
{
    uint64_t h = hash_bytes(b->p, b->len);
    idc_slot *sl = c ? &c->slot[h & (IDC_SLOTS - 1)] : NULL;
    if (sl && sl->bytes && sl->h == h && sl->len == b->len && memcmp(sl->bytes, b->p, b->len) == 0 &&
        (sl->id || sl->missed_in == c->call)) {
        *id = sl->id;
        return 0;
    }
    int rc = term_id_v2(e, txn, b, h, 0, 0, id);    /* not the backlog: the writer's */
    if (rc == MDB_NOTFOUND) { *id = 0; rc = 0; }
    if (c && ++c->reads >= IDC_TRIM_EVERY) {
        c->reads = 0;
        idc_trim(e, c);
    }
    if (rc || !sl || b->len > IDC_BYTES) return rc;
    if (!sl->bytes && !(sl->bytes = malloc(IDC_BYTES))) return 0;
    memcpy(sl->bytes, b->p, b->len);
    sl->h = h;
    sl->len = (uint32_t)b->len;
    sl->id = *id;
    sl->missed_in = *id ? 0 : c->call;
    return 0;
}

int kouan_lmdb_lookup_ids(librdf_storage *storage, kouan_lmdb_idcache *c, const char *graph,
                          const kouan_lmdb_triple *t, size_t n, uint64_t *ids)
{
    memset(ids, 0, 3 * n * sizeof *ids);
    kstore *k = storage ? librdf_storage_get_instance(storage) : NULL;
    kenv *e = k ? k->e : NULL;
    /* format 1 numbers terms by hash and is only read */
    if (!e || e->read_only || e->format == 1) return -1;
    if (c && !++c->call) c->call = 1;                /* 0 marks no miss */
    MDB_txn *txn = NULL;
    if (mdb_txn_begin(e->env, NULL, MDB_RDONLY, &txn)) return -1;
    int rc = 0;
    /* a document never stored (its graph's IRI is not a term yet): the
       IRIs it mints under its graph's — a third of its terms, the
       evidence nodes — and its quotes are new, not searched for (a term
       without an id is the writer's to look up, so a wrong guess costs
       only time) */
    size_t own = 0;
    if (graph) {
        tbuf b;
        uint64_t gid = 1;
        if (!term_encode_str(0, graph, NULL, NULL, &b)) {
            rc = term_id_v2(e, txn, &b, hash_bytes(b.p, b.len), 0, 0, &gid);
            if (rc == MDB_NOTFOUND) { gid = 0; rc = 0; }
        }
        tbuf_free(&b);
        if (!gid) own = strlen(graph);
    }
    for (size_t i = 0; i < n && !rc; i++) {
        const kouan_lmdb_triple *x = &t[i];
        uint64_t *id = ids + 3 * i;
        if (!x->s || !x->p || !x->o) continue;       /* the writer says what is wrong */
        for (int j = 0; j < 3 && !rc; j++) {
            /* a document's triples come grouped by subject: as the last */
            if (j < 2 && i > 0 && (j ? x->p == t[i - 1].p : x->s == t[i - 1].s)) {
                id[j] = id[j - 3];
                continue;
            }
            const char *v = j == 0 ? x->s : j == 2 && !x->o_literal ? x->o : NULL;
            if (own && v && strncmp(v, graph, own) == 0 && v[own] == '#') continue;   /* 0 */
            /* and its plain literals, the sentences it quotes: 300,000
               lookups at 40 MB, none found, each a search of `ids` and a
               slot of the cache taken from a term that recurs */
            if (own && j == 2 && x->o_literal && !(x->lang && *x->lang) &&
                !(x->datatype && *x->datatype))
                continue;
            tbuf b;
            if (!triple_term(x, j, &b)) rc = idc_lookup(e, txn, c, &b, &id[j]);   /* else: the writer says */
            tbuf_free(&b);
        }
    }
    mdb_txn_abort(txn);
    if (rc) memset(ids, 0, 3 * n * sizeof *ids);
    if (c) idc_trim(e, c);
    return rc ? -1 : 0;
}

/* Every PROBE_TRIM_EVERY-th probe (kouan_lmdb_has_quad) looks at the map's
 * resident pages, and drops them past the writer's limit, as the workers'
 * id lookups do (idc_trim).  A probe is a document's "are these bytes
 * stored?": its four terms and its SPOC key, pages all over the store.
 * Untrimmed, extracting an unchanged 200 MB corpus again mapped 757 MB of
 * the store in the names pass (both passes probe every document).  A
 * probe has no per-thread state: the look opens statm and finds the map
 * each time (trim_off_writer). */
enum { PROBE_TRIM_EVERY = 16 };
static void probe_trim(kenv *e)
{
    int fd = -1, tried = 0;
    void *at = NULL;
    size_t len = 0;
    if (trim_off_writer(e, &fd, &tried, &at, &len))
        __atomic_add_fetch(&e->probe_drops, 1, __ATOMIC_RELAXED);
    if (fd >= 0) close(fd);
}

int kouan_lmdb_has_quad(librdf_storage *storage, const kouan_lmdb_triple *t,
                        const char *graph)
{
    kstore *k = storage && kouan_lmdb_is_ours(storage) ? librdf_storage_get_instance(storage)
                                                       : NULL;
    kenv *e = k ? k->e : NULL;
    if (!e || e->format == 1 || !t->s || !t->p || !t->o || !graph) return -1;
    MDB_txn *txn = NULL;
    if (mdb_txn_begin(e->env, NULL, MDB_RDONLY, &txn)) return -1;
    uint64_t q[4] = { 0 };
    int rc = 0;
    for (int j = 0; j < 4 && !rc; j++) {
        tbuf b;
        if (j < 3 ? triple_term(t, j, &b) : term_encode_str(0, graph, NULL, NULL, &b)) {
            rc = ENOMEM;
            break;
        }
        rc = term_id_v2(e, txn, &b, hash_bytes(b.p, b.len), 0, 1, &q[j]);
        tbuf_free(&b);
    }
    int has = 0;
    if (!rc) {                          /* SPOC holds every quad (no backlog) */
        unsigned char kb[32];
        encode_quad(I_SPOC, q, kb);
        MDB_cursor *cur;
        MDB_val key = { 8, kb }, val = { 24, kb + 8 };
        if ((rc = mdb_cursor_open(txn, e->idx[I_SPOC], &cur)) == 0) {
            rc = mdb_cursor_get(cur, &key, &val, MDB_GET_BOTH);
            has = rc == 0;
            mdb_cursor_close(cur);
        }
    }
    mdb_txn_abort(txn);
    if (e->resident_max &&
        __atomic_add_fetch(&e->probes, 1, __ATOMIC_RELAXED) % PROBE_TRIM_EVERY == 0)
        probe_trim(e);
    return rc == 0 || rc == MDB_NOTFOUND ? has : -1;
}

static void log_bad(kstore *k, int rc, size_t bad)
{
    if (rc == EINVAL)
        librdf_log(k->world, 0, LIBRDF_LOG_ERROR, LIBRDF_FROM_STORAGE, NULL,
                   "kouan store: triple %zu cannot be stored (a missing term, or a language "
                   "tag over 255 or a datatype IRI over 65535 bytes)", bad + 1);
    else log_mdb(k->world, "adding statements", rc);
}

/* The id of graph IRI g: 0 with *c set, MDB_NOTFOUND (create 0), or an error. */
static int graph_id(kenv *e, const char *g, int create, uint64_t *c)
{
    tbuf b;
    int rc = term_encode_str(0, g, NULL, NULL, &b) ? ENOMEM
           : term_id_bytes(e, e->wtxn, &b, create, c);
    tbuf_free(&b);
    return rc;
}

/* replace_graph in a group (kouan_lmdb_set_group).  A graph the store does
 * not name yet — the common case, a new document — has its terms written
 * in a transaction nested in the implicit one (so a failure leaves none of
 * them) and its quads left pending with the group's: flush writes them all
 * at the group's commit, sorted together, so the old keys many documents
 * share (a class, a rule, an offset) are each visited once a group, not
 * once a document.  A graph the store may hold already is written at once
 * (the group's pending quads first), its removal merged with its adds as
 * outside a group.  A failed flush or commit loses the whole group, and
 * says so (wr_commit). */
static int replace_grouped(kstore *k, const char *graph, const kouan_lmdb_triple *t,
                           const uint64_t *ids, size_t n, size_t *bad)
{
    kenv *e = k->e;
    if (!wr_txn(k, 1)) return -1;                    /* logged */
    uint64_t c = 0;
    int rc = graph_id(e, graph, 0, &c);
    int known = rc == 0;
    if (rc && rc != MDB_NOTFOUND) { log_mdb(k->world, "reading the dictionary", rc); return -1; }
    if (!known && n == 0) return 0;                  /* nothing to remove or add */
    MDB_txn *parent = e->wtxn, *child = NULL;
    if (known && (rc = flush(e))) {                  /* the group's pending quads */
        log_lost(k, "writing the transaction's statements", rc, e->ggraphs + 1);
        wr_abort(e);                                 /* the group lost with it */
        return -1;
    }
    size_t start = e->npend;
    if ((rc = mdb_txn_begin(e->env, parent, 0, &child))) {
        log_mdb(k->world, "starting a write transaction", rc);
        return -1;
    }
    e->wtxn = child;
    e->explicit_txn = 1;                             /* nothing commits under it */
    e->grouped = 1;                                  /* plain literals: to the backlog */
    size_t ig_mark = e->ig_n;
    e->next_loaded = e->next_dirty = 0;              /* the counter: read in the child */
    if (!known && (rc = graph_id(e, graph, 1, &c))) log_mdb(k->world, "adding a term", rc);
    else if ((rc = add_strings(k, c, t, ids, n, bad))) log_bad(k, rc, *bad);
    else if (known) {
        e->drop = 1;                                 /* merged with the adds */
        e->drop_c = c;
        if ((rc = flush(e))) log_mdb(k->world, "writing the graph", rc);
    }
    if (!rc && (rc = next_save(e, child))) log_mdb(k->world, "numbering terms", rc);
    if (!rc && (rc = mdb_txn_commit(child))) log_mdb(k->world, "writing the graph", rc);
    else if (rc) mdb_txn_abort(child);
    e->wtxn = parent;
    e->explicit_txn = 0;
    e->grouped = 0;
    e->next_loaded = e->next_dirty = 0;              /* the group's counter: read again */
    e->wgen++;
    if (rc) {                                        /* the graph not written; the group kept */
        ig_cut(e, ig_mark);                          /* and the plain literals it numbered */
        e->npend = start;
        e->drop = 0;
        e->agen++;                                   /* ids the child gave may be given again */
        cache_clear(e);
        return -1;
    }
    e->ggraphs++;
    e->gquads += n;
    resident_trim(e);                                /* its term lookups read pages */
    if (e->gquads >= e->gq_eff || kouan_seconds() - e->gstart >= e->group_ms / 1000.0)
        return wr_commit(k) ? -1 : 0;                /* logged */
    return 0;
}

size_t kouan_lmdb_group_pending(librdf_storage *storage)
{
    if (!kouan_lmdb_is_ours(storage)) return 0;
    kenv *e = ((kstore *)librdf_storage_get_instance(storage))->e;
    return e->wtxn && !e->explicit_txn ? e->ggraphs : 0;
}

int kouan_lmdb_set_spare_core(librdf_storage *storage, int spare)
{
    if (!kouan_lmdb_is_ours(storage)) return -1;
    ((kstore *)librdf_storage_get_instance(storage))->e->no_spare = !spare;
    return 0;
}

int kouan_lmdb_set_group(librdf_storage *storage, unsigned ms, size_t quads)
{
    if (!kouan_lmdb_is_ours(storage)) return -1;
    kstore *k = librdf_storage_get_instance(storage);
    kenv *e = k->e;
    int rc = e->wtxn && !e->explicit_txn ? wr_commit(k) : 0;   /* what is due now */
    /* the group's backlog merged into POSC and OSPC when groups end */
    if (!rc && !ms && e->group_ms && !e->explicit_txn) rc = drain(k);
    if (ms) {
        if (!rc) fill_begin(e);              /* a new store: one flush, at the end */
        prefault_start(e);
    } else {
        prefault_stop(e);
        int f = fill_end(e);
        if (f) log_mdb(k->world, "flushing the new store to disk", f);
        if (!rc) rc = f;
    }
    e->group_ms = ms;
    e->group_quads = e->gq_eff = quads ? quads : SIZE_MAX;
    return rc ? -1 : 0;
}

int kouan_lmdb_replace_graph(librdf_storage *storage, const char *graph,
                             const kouan_lmdb_triple *t, size_t n, size_t *bad)
{
    return kouan_lmdb_replace_graph_ids(storage, graph, t, NULL, n, bad);
}

int kouan_lmdb_replace_graph_ids(librdf_storage *storage, const char *graph,
                                 const kouan_lmdb_triple *t, const uint64_t *ids, size_t n,
                                 size_t *bad)
{
    *bad = n;
    if (!kouan_lmdb_is_ours(storage) || !graph) return -1;
    kstore *k = librdf_storage_get_instance(storage);
    kenv *e = k->e;
    if (e->group_ms && !e->explicit_txn && !e->read_only)
        return replace_grouped(k, graph, t, ids, n, bad);
    if (k_transaction_start(storage)) return -1;     /* logged */
    uint64_t c = 0;
    int rc = graph_id(e, graph, n > 0, &c);
    if (rc == MDB_NOTFOUND && n == 0) { wr_abort(e); return 0; }   /* nothing to do */
    if (rc) { log_mdb(k->world, "reading the dictionary", rc); wr_abort(e); return -1; }
    e->drop = 1;                                    /* merged at the commit's flush */
    e->drop_c = c;
    if ((rc = add_strings(k, c, t, ids, n, bad))) { log_bad(k, rc, *bad); wr_abort(e); return -1; }
    return wr_commit(k) ? -1 : 0;                   /* logged, aborted */
}

int kouan_lmdb_add_triples(librdf_storage *storage, const char *graph,
                           const kouan_lmdb_triple *t, size_t n, size_t *bad)
{
    *bad = n;
    if (!kouan_lmdb_is_ours(storage) || !graph) return -1;
    kstore *k = librdf_storage_get_instance(storage);
    kenv *e = k->e;
    if (!e->explicit_txn || !e->wtxn) {
        librdf_log(k->world, 0, LIBRDF_LOG_ERROR, LIBRDF_FROM_STORAGE, NULL,
                   "kouan store %s: adding triples needs an open transaction", k->dir);
        return -1;
    }
    uint64_t c = 0;
    int rc = graph_id(e, graph, 1, &c);
    if (!rc) rc = add_strings(k, c, t, NULL, n, bad);
    if (rc) { log_bad(k, rc, *bad); return -1; }
    return 0;
}

int kouan_lmdb_is_ours(librdf_storage *storage)
{
    void *inst = storage ? librdf_storage_get_instance(storage) : NULL;
    for (kstore *k = stores; k && inst; k = k->next)
        if (k == inst && k->storage == storage) return 1;
    return 0;
}

/* Entries of index i (POSC, OSPC or I_IDS) the backlog holds: its runs'
 * not yet merged, and the open group's not yet a run. */
static size_t runs_left(kenv *e, MDB_txn *txn, int is_w, int i)
{
    if (!backlog_in(e, txn, is_w)) return 0;
    brun *runs = NULL;
    size_t nruns = 0, left = !is_w ? 0                              /* not yet a run: */
                          : i == I_IDS ? e->ig_n : e->bl_n[i == I_OSPC];   /* the group's */
    if (runs_load(e, txn, i, &runs, &nruns) == 0)
        for (size_t j = 0; j < nruns; j++) left += runs[j].n - runs[j].at;
    runs_free(runs, nruns);
    return left;
}

/* Quads waiting in the backlog: those of POSC or of OSPC, whichever has
 * more left to merge. */
static size_t backlog_left(kenv *e, MDB_txn *txn, int is_w)
{
    size_t p = runs_left(e, txn, is_w, I_POSC), o = runs_left(e, txn, is_w, I_OSPC);
    return p > o ? p : o;
}

int kouan_lmdb_merge(librdf_storage *storage, size_t *merged)
{
    if (merged) *merged = 0;
    if (!kouan_lmdb_is_ours(storage)) return -1;
    kstore *k = librdf_storage_get_instance(storage);
    kenv *e = k->e;
    if (e->read_only) {
        librdf_log(k->world, 0, LIBRDF_LOG_ERROR, LIBRDF_FROM_STORAGE, NULL,
                   "kouan store %s was opened read-only: its backlog cannot be merged", k->dir);
        return -1;
    }
    if (e->explicit_txn) {
        librdf_log(k->world, 0, LIBRDF_LOG_ERROR, LIBRDF_FROM_STORAGE, NULL,
                   "kouan store %s: a transaction is open: the backlog is merged after it",
                   k->dir);
        return -1;
    }
    if (e->wtxn && wr_commit(k)) return -1;          /* logged */
    int is_w;
    MDB_txn *txn = rd_begin(e, &is_w);
    if (!txn) return -1;
    size_t n = backlog_left(e, txn, is_w);
    rd_end(e, is_w);
    if (drain(k)) return -1;                         /* logged */
    if (merged) *merged = n;
    return 0;
}

int kouan_lmdb_times_get(librdf_storage *storage, kouan_lmdb_times *t)
{
    memset(t, 0, sizeof *t);
    if (!kouan_lmdb_is_ours(storage)) return -1;
    kenv *e = ((kstore *)librdf_storage_get_instance(storage))->e;
    *t = e->times;
    t->drops = __atomic_load_n(&e->drops, __ATOMIC_RELAXED);
    t->probe_drops = __atomic_load_n(&e->probe_drops, __ATOMIC_RELAXED);
    return 0;
}

int kouan_lmdb_stats_get(librdf_storage *storage, kouan_lmdb_stats *out)
{
    if (!kouan_lmdb_is_ours(storage)) return -1;
    kstore *k = librdf_storage_get_instance(storage);
    kenv *e = k->e;
    memset(out, 0, sizeof *out);
    int is_w;
    MDB_txn *txn = rd_begin(e, &is_w);
    if (!txn) return -1;
    MDB_stat st;
    int rc = mdb_stat(txn, e->idx[I_SPOC], &st);
    if (!rc) out->quads = st.ms_entries;
    if (!rc && !(rc = mdb_stat(txn, e->terms, &st))) out->terms = st.ms_entries;
    out->format = e->format;
    out->unindexed = e->nunidx;
    out->unlinked = e->nunlinked;
    if (!rc) out->backlog = backlog_left(e, txn, is_w);
    if (!rc) out->backlog_terms = runs_left(e, txn, is_w, I_IDS);
    MDB_val ukey = { 8, "upgraded" }, uval;
    if (!rc && mdb_get(txn, e->meta, &ukey, &uval) == 0)
        snprintf(out->upgraded, sizeof out->upgraded, "%.*s",
                 (int)(uval.mv_size < sizeof out->upgraded ? uval.mv_size : sizeof out->upgraded - 1),
                 (const char *)uval.mv_data);
    MDB_cursor *cur = NULL;
    MDB_val key, val;
    /* distinct triples: SPOC holds a triple's graphs next to each other */
    if (!rc && !(rc = mdb_cursor_open(txn, e->idx[I_SPOC], &cur))) {
        unsigned char last[24];
        int have = 0;
        size_t steps = 0;
        for (int r = mdb_cursor_get(cur, &key, &val, MDB_FIRST); r == 0;
             r = mdb_cursor_get(cur, &key, &val, MDB_NEXT)) {
            if (e->resident_max && (++steps & 0xFF) == 0)
                resident_trim(e);      /* all of SPOC: its pages kept bounded */
            unsigned char now[24];
            memcpy(now, key.mv_data, 8);
            memcpy(now + 8, val.mv_data, 16);
            if (!have || memcmp(now, last, 24) != 0) out->triples++;
            memcpy(last, now, 24);
            have = 1;
        }
        mdb_cursor_close(cur);
    }
    if (!rc && !(rc = mdb_cursor_open(txn, e->idx[I_CSPO], &cur))) {
        for (int r = mdb_cursor_get(cur, &key, &val, MDB_FIRST); r == 0;
             r = mdb_cursor_get(cur, &key, &val, MDB_NEXT_NODUP)) {
            if (get64(key.mv_data) != 0) out->graphs++;
            if (e->resident_max && (out->graphs & 7) == 0)
                resident_trim(e);       /* each graph's first page: a fault maps 16 */
        }
        mdb_cursor_close(cur);
    }
    rd_end(e, is_w);
    MDB_envinfo info;
    if (!rc && !mdb_env_info(e->env, &info)) {
        MDB_stat es;
        mdb_env_stat(e->env, &es);
        out->used_bytes = (info.me_last_pgno + 1) * (size_t)es.ms_psize;
        out->map_bytes = info.me_mapsize;
    }
    char path[4200], boot[64];
    snprintf(path, sizeof path, "%s/data.mdb", k->dir);
    struct stat sb;
    if (stat(path, &sb) == 0) out->file_bytes = (size_t)sb.st_blocks * 512;
    long pid;
    if (fill_read(k->dir, boot, &pid) == 1) {
        out->filling = pid > 0 ? pid : -1;
        out->filling_gone = !pid_alive(pid);
    }
    return rc ? -1 : 0;
}

size_t kouan_lmdb_estimate(librdf_storage *storage, librdf_node *s, librdf_node *p,
                           librdf_node *o, librdf_node *ctx, size_t cap)
{
    if (!kouan_lmdb_is_ours(storage)) return SIZE_MAX;
    kstore *k = librdf_storage_get_instance(storage);
    kenv *e = k->e;
    int is_w;
    MDB_txn *txn = rd_begin(e, &is_w);
    if (!txn) return SIZE_MAX;
    librdf_node *n[4] = { s, p, o, ctx };
    uint64_t q[4] = { 0, 0, 0, 0 };
    int bound = 0, first = -1;
    size_t out = SIZE_MAX;
    for (int i = 0; i < 4; i++) {
        if (!n[i]) continue;
        int rc = kterm_id(k, txn, n[i], 0, &q[i]);
        if (rc == MDB_NOTFOUND) { out = 0; goto done; }
        if (rc) goto done;
        bound++;
        first = i;
    }
    if (bound == 0 || (bound == 1 && (first == 1 || first == 2) &&      /* as scan_open */
                       (backlog_in(e, txn, is_w) || misses_unindexed(e, txn, q[1], q[2])))) {
        MDB_stat st;                  /* every quad (a scan of SPOC costs that) */
        if (mdb_stat(txn, e->idx[I_SPOC], &st) == 0) out = st.ms_entries;
    } else if (bound == 1) {
        /* s → SPOC, p → POSC, o → OSPC, c → CSPO: the key's values (o,
           format 5: and the unlinked predicates' (p, o) ranges) */
        static const int IDX_OF[4] = { I_SPOC, I_POSC, I_OSPC, I_CSPO };
        out = first == 2 && e->nunlinked ? link_count(e, txn, q[2], cap)
                                         : dup_count(e, txn, IDX_OF[first], q[first]);
    } else {
        scan sc;
        if (scan_open(&sc, e, q, ctx != NULL, 1) == 0) {
            out = 0;
            while (!sc.done && out < cap) { out++; scan_step(&sc, 0); }
            /* past cap: the first key's count, an upper bound (one seek) */
            if (!sc.done && sc.plen >= 8) {
                size_t ub = sc.nalt ? link_count(e, txn, sc.alt_o, cap)
                                    : dup_count(e, txn, sc.idx, get64(sc.prefix));
                if (ub != SIZE_MAX && ub > out) out = ub;
            }
            scan_close(&sc);
        }
    }
done:
    rd_end(e, is_w);
    return out;
}

/* ---- reads by term id (kouan's Rasqal triples source) --------------------------- */

struct kouan_lmdb_match { kstore *k; scan sc; };

int kouan_lmdb_node_id(librdf_storage *storage, librdf_node *node, uint64_t *id)
{
    if (!kouan_lmdb_is_ours(storage) || !node) return -1;
    kstore *k = librdf_storage_get_instance(storage);
    int is_w;
    MDB_txn *txn = rd_begin(k->e, &is_w);
    if (!txn) return -1;
    int rc = kterm_id(k, txn, node, 0, id);
    rd_end(k->e, is_w);
    return rc == 0 ? 0 : rc == MDB_NOTFOUND ? 1 : -1;
}

kouan_lmdb_match *kouan_lmdb_match_open(librdf_storage *storage, const uint64_t q[4], int with_c)
{
    if (!kouan_lmdb_is_ours(storage)) return NULL;
    kouan_lmdb_match *m = calloc(1, sizeof *m);
    if (!m) return NULL;
    m->k = librdf_storage_get_instance(storage);
    int rc = scan_open(&m->sc, m->k->e, q, with_c == 1, with_c == 2);
    if (rc) {
        log_mdb(m->k->world, "opening a cursor", rc);
        free(m);
        return NULL;
    }
    librdf_storage_add_reference(storage);
    return m;
}

int kouan_lmdb_match_next(kouan_lmdb_match *m, uint64_t quad[4])
{
    if (!scan_alive(&m->sc)) return 0;
    memcpy(quad, m->sc.q, sizeof m->sc.q);
    scan_step(&m->sc, 0);
    return 1;
}

unsigned kouan_lmdb_snapshot(librdf_storage *storage)
{
    if (!kouan_lmdb_is_ours(storage)) return 0;
    kenv *e = ((kstore *)librdf_storage_get_instance(storage))->e;
    return !e->wtxn && e->rusers > 0 ? e->rsnap : 0;
}

void kouan_lmdb_match_close(kouan_lmdb_match *m)
{
    if (!m) return;
    scan_close(&m->sc);
    librdf_storage_remove_reference(m->k->storage);
    free(m);
}

void *kouan_lmdb_term_with(librdf_storage *storage, uint64_t id,
                           void *(*fn)(void *ud, const kouan_lmdb_term *t), void *ud)
{
    if (!kouan_lmdb_is_ours(storage)) return NULL;
    kstore *k = librdf_storage_get_instance(storage);
    int is_w;
    MDB_txn *txn = rd_begin(k->e, &is_w);
    if (!txn) return NULL;
    unsigned char kb[8];
    put64(kb, id);
    MDB_val key = { 8, kb }, val;
    void *r = NULL;
    if (mdb_get(txn, k->e->terms, &key, &val) == 0 && val.mv_size >= 1) {
        const unsigned char *p = val.mv_data;
        size_t n = val.mv_size;
        kouan_lmdb_term t = { (char)p[0], p + 1, NULL, NULL, n - 1, 0, 0 };
        int ok = p[0] == 'U' || p[0] == 'B';
        if (p[0] == 'L' && n >= 4) {
            size_t langlen = p[1];
            if (4 + langlen <= n) {
                size_t dtlen = (size_t)p[2 + langlen] << 8 | p[3 + langlen];
                if (4 + langlen + dtlen <= n) {
                    t.lang = langlen ? (const char *)p + 2 : NULL;
                    t.lang_len = langlen;
                    t.datatype = dtlen ? p + 4 + langlen : NULL;
                    t.dt_len = dtlen;
                    t.value = p + 4 + langlen + dtlen;
                    t.len = n - 4 - langlen - dtlen;
                    ok = 1;
                }
            }
        }
        if (ok) r = fn(ud, &t);
    }
    rd_end(k->e, is_w);
    return r;
}
