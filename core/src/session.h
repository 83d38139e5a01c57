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
#include "doc/doc.h"
#include "graph/graph.h"

/* The map's pages a long writer (a batch, reconciling after remove) keeps
 * resident: kouan_store_limit_resident.  Until 2026-12-03 the limit also
 * counted the process' other file-backed pages (~30 MiB: libraries, the
 * lexicon) and was 36 MiB, which left the map 6–10 MiB: dropped 5,600
 * times in a 40 MB batch.  Now it is the map's own: 20 MiB (2,350 drops at
 * 16 MiB, 1,250 at 24); with the group's dirty pages (≤ 64 MiB) a batch of
 * the 200 MB corpus peaks at 191 MB (bench/scale/README.md). */
#define KOUAN_WRITER_RESIDENT ((size_t)20 << 20)

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
    int               normalizer_borrowed;   /* another session's: not freed */
    kouan_lexicon    *lexicon;
    int               force;       /* re-extract unchanged files */
    unsigned          commit_ms;   /* kouan_extract_batch into kouan:DIR: commit
                                      at most this often (0: every document) */
    /* what the store's documents teach about names (learn.h): loaded by
       kouan_extract_batch from the store; worker sessions borrow it */
    kouan_names       store_names;
    const kouan_names *names;      /* &store_names, a borrowed one, or NULL */
    kouan_options     opts;        /* as opened (for worker sessions) */
    kouan_batch_timings timings;   /* of the last kouan_extract_batch */
    /* a worker session: the writer's store, borrowed, asked from the
       worker's thread whether it holds a document's bytes already
       (kouan_store_has_literal: its last commit), so that an unchanged
       document is skipped, not extracted for the writer to drop
       (kouan_holds_bytes); NULL with --emit and in the writer's own
       session */
    kouan_store      *probe;
    kouan_progress_cb progress;    /* kouan_set_progress: NULL, or called */
    void             *progress_user;   /* as long reads go */
};
/* One document extracted but not yet written: its bytes, blocks and graph
 * (owned), the report and the outcome.  Free with kouan_extracted_free. */
typedef struct kouan_extracted {
    kouan_document      *doc;
    kouan_graph          graph;
    int                  have_graph;
    kouan_extract_report rep;
    kouan_error          err;
    int                  rc;
    char                *nquads;      /* the graph formatted by a worker, or NULL */
    size_t               nquads_len;
    uint64_t            *ids;         /* the graph's term ids a worker found in the
                                         store (kouan_store_lookup_ids), or NULL */
} kouan_extracted;

/* kouan_open, with nz (when not NULL) as the session's normaliser instead
 * of a new one: OpenCC's converter is read-only once loaded and safe to
 * share between threads (OpenCC issue #231), and loading its dictionaries
 * is nearly all of a session's start (~0.25 G instructions).  nz must
 * outlive the session. */
kouan *kouan_open_sharing(const kouan_options *opts, kouan_normalizer *nz, kouan_error *err);

/* Reads and extracts path with k's plugins (k->store, when there is one,
 * only tells whether the same bytes are already there).  Fills x; returns
 * x->rc.  warn may be called during the call. */
int  kouan_extract_doc(kouan *k, const char *path, kouan_extracted *x,
                       kouan_warn_cb warn, void *user);
/* The names pass of one document: reads path and runs the plugins with a
 * graph that keeps of their facts only what they teach about names (port
 * names, places, official names: learn.h) and what the prose stage reads
 * (the words and facts of the structure stage) — no triples, evidence or
 * N-Quads — with k->names as what the other documents teach.  What path
 * teaches goes to *learned (initialised here; the caller frees it), empty
 * when the file cannot be read or its bytes are in k->store already
 * (unless k->force: rep->unchanged then); rep gets the document's SHA-256
 * and graph IRI, so that a session without a store (a worker) can leave
 * that check to the writer.  Returns 0 or KOUAN_ENOMEM. */
/* Whether k's store holds graph's document with these bytes (its
 * kouan:sha256), so that extracting it again would change nothing: the
 * store as k sees it (its writer's open group included), or, in a worker
 * session, the writer's store's last commit (k->probe).  0 with k->force. */
int  kouan_holds_bytes(kouan *k, const char *graph, const char *sha256);
int  kouan_names_read(kouan *k, const char *path, kouan_names *learned,
                      kouan_extract_report *rep);
/* Fills k->store_names from the store's documents and points k->names at
 * it (reconcile.c).  Returns 0 or KOUAN_ENOMEM. */
int  kouan_load_store_names(kouan *k, kouan_error *err);

/* Writes x: to the store (replacing the document's graph), or as N-Quads
 * to emit when emit is not NULL.  Nothing for a failed or unchanged one. */
int  kouan_write_doc(kouan *k, kouan_extracted *x, FILE *emit, kouan_error *err);
/* Formats x's graph as N-Quads now (x->nquads), so that a worker does the
 * work and the writer only writes the bytes, and frees the graph and the
 * document (x keeps its report and the bytes); on failure x->nquads stays
 * NULL, the graph is kept and kouan_write_doc formats it (and reports). */
void kouan_format_doc(kouan_extracted *x);
void kouan_extracted_free(kouan_extracted *x);

/* The lexical form of one literal object of (s, p) in the store, copied to
 * out; 0 when found, KOUAN_ENOTFOUND otherwise (query.c). */
int kouan_lookup_literal(kouan *k, const char *s_iri, const char *p_iri,
                         char *out, size_t n);
#endif
