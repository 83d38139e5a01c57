/* kouan/kouan.h — the embedding API: open a store, extract documents into it,
 * query it with SPARQL, export it as RDF.
 *
 * Conventions.  Functions return 0 on success or a negative KOUAN_E* code;
 * on failure they fill in the caller's kouan_error with a message a user can
 * act on (file, line or byte offset, what was expected).  Nothing here calls
 * exit().  Objects come in _new/_free (or _open/_close) pairs and every free
 * function accepts NULL.
 */
#ifndef KOUAN_H
#define KOUAN_H

#include <stdio.h>
#include <stddef.h>
#include <stdint.h>
#include <kouan/plugin.h>

#ifdef __cplusplus
extern "C" {
#endif

#define KOUAN_ENOTFOUND (-4)  /* file, document or plugin not there */
#define KOUAN_EQUERY    (-5)  /* malformed SPARQL */
#define KOUAN_ESTORE    (-6)  /* the store cannot be opened or written */
#define KOUAN_EPLUGIN   (-7)  /* a plugin was refused or failed */
#define KOUAN_EINPUT    (-8)  /* a document is not readable text */

#define KOUAN_NS_ONTOLOGY "https://w3id.org/kouan/ontology#"
#define KOUAN_NS_ID       "https://w3id.org/kouan/id/"
#define KOUAN_NS_DOC      "https://w3id.org/kouan/doc/"

/* Caller-owned error record; message is always NUL-terminated. */
typedef struct kouan_error {
    int  code;
    char message[1024];
} kouan_error;

const char *kouan_version(void);

/* Where this build looks when nothing says otherwise (static strings). */
const char *kouan_builtin_ontology_dir(void);
const char *kouan_builtin_plugin_dir(void);

/* ---- opening ------------------------------------------------------------ */

typedef struct kouan_options {
    const char *store_spec;    /* "kouan:DIR", "hashes:DIR", "memory:",
                                  "NAME:OPTIONS"; NULL: $KOUAN_STORE, else
                                  "kouan:kouan.store" */
    const char *ontology_dir;  /* NULL: $KOUAN_ONTOLOGY, else the built-in path */
    const char *plugin_path;   /* colon-separated folders; NULL:
                                  $KOUAN_PLUGIN_PATH, else the build's folder */
    int         read_only;     /* open the store without creating it */
    int         no_plugins;    /* do not load plugins (query/export/remove) */
    int         no_create;     /* writable, but refuse to create a new store */
    int         no_store;      /* open no store (extraction to N-Quads only) */
} kouan_options;

typedef struct kouan kouan;

/* Open a session: the store, the vocabulary, the gazetteers and (unless
 * opts->no_plugins) every plugin on the path.  Returns NULL and fills err if
 * anything is refused.  Free with kouan_close(). */
kouan *kouan_open(const kouan_options *opts, kouan_error *err);
/* Closes the session.  A kouan: store that kouan_open made (no store in
 * its folder before) and that holds no quad now is removed, with the
 * folder when kouan_open made it: a first extract whose every file failed
 * leaves nothing behind. */
void   kouan_close(kouan *k);

/* ---- plugins ------------------------------------------------------------ */

typedef struct kouan_plugin_info {
    const char *name, *version, *description, *license, *file;
    unsigned    abi_major, abi_minor;
    int         stage;
} kouan_plugin_info;

size_t                   kouan_plugin_count(const kouan *k);
const kouan_plugin_info *kouan_plugin_get(const kouan *k, size_t i);

/* Check every plugin file on path (NULL: as kouan_open would) without
 * keeping it loaded.  Calls cb for each file: info is NULL when the file was
 * refused, and problem then says why.  Returns the number refused. */
typedef void (*kouan_plugin_scan_cb)(const kouan_plugin_info *info,
                                     const char *file, const char *problem,
                                     void *user);
int kouan_plugin_scan(const char *path, kouan_plugin_scan_cb cb, void *user);

/* ---- extraction --------------------------------------------------------- */

typedef struct kouan_plugin_tally {
    const char *plugin;   /* borrowed from the session */
    size_t      facts;
} kouan_plugin_tally;

typedef struct kouan_extract_report {
    char               doc_id[256];
    char               graph[512];   /* the document's named graph IRI */
    size_t             facts;        /* facts emitted by all plugins */
    size_t             triples;      /* triples written (facts, types, labels,
                                        evidence) */
    size_t             warnings;
    kouan_plugin_tally per_plugin[32];
    size_t             n_plugins;
    char               sha256[65];   /* of the file's bytes, hex */
    int                unchanged;    /* the store already held this version:
                                        nothing was done */
    int                reconciled;   /* extracted again by kouan_reconcile():
                                        its port names now resolve otherwise */
    char               why[160];     /* then: one name that did, "A → B" */
} kouan_extract_report;

/* Read path, run every plugin, and replace the document's named graph with
 * the result.  The store is changed only when the whole document was read
 * and extracted without error.  warn (may be NULL) receives non-fatal
 * problems, already formatted as "file:line: message". */
typedef void (*kouan_warn_cb)(const char *message, void *user);
int kouan_extract_file(kouan *k, const char *path, kouan_extract_report *rep,
                       kouan_warn_cb warn, void *user, kouan_error *err);

/* The CPUs this process may run on (its affinity, as taskset sets it;
 * else the online ones), at least 1: what jobs 0 below means. */
int kouan_usable_cores(void);

/* Extracts n files with jobs worker threads (0: kouan_usable_cores()) and one
 * ordered writer: each document is written — to the store, one graph and
 * one transaction per document, or as N-Quads to emit when emit is not
 * NULL — in the order given, as soon as it and those before it are done;
 * at most a few documents wait in memory.  done (may be NULL) is called in
 * that order, from the calling thread, with err NULL on success; warn may
 * be called from any thread (never two at once).  Returns 0 when every
 * file was extracted, KOUAN_EINPUT when some were not (each reported), or
 * the error that stopped the writer (the store, the output). */
typedef void (*kouan_done_cb)(const char *path, const kouan_extract_report *rep,
                              const kouan_error *err, void *user);
int kouan_extract_batch(kouan *k, char *const *paths, size_t n, int jobs,
                        FILE *emit, kouan_done_cb done, kouan_warn_cb warn,
                        void *user, kouan_error *err);

/* Where the last kouan_extract_batch of k spent its time (wall seconds,
 * from its start; phases follow one another): for `kouan extract
 * --timings` and benchmarks.  Zeroes before the first batch. */
typedef struct kouan_batch_timings {
    double start;      /* reading the store's names (learn.h) */
    double names;      /* the names pass: workers read every document for the
                          names it teaches (when names_pass: not for one
                          document, nor with --emit) */
    double extract;    /* extracting and writing, until the last document
                          is written; of which the writer spent: */
    double write;      /*   writing documents (the store's or the output's
                            time, commits included; with -j 1 the rest of
                            `extract` is the extraction itself) */
    double wait;       /*   waiting for the workers (0 with -j 1) */
    double flush;      /*   kouan:DIR, in `write`: sorting and putting the
                            pending quads into the indexes */
    double commit;     /*   kouan:DIR, in `write`: committing (writing
                            dirty pages, syncing the disk) */
    size_t commits;    /*   … how many commits that was */
    double finish;     /* the last group written and committed and,
                          kouan:DIR, the backlog merged into the predicate
                          and object indexes */
    double merge;      /*   of which the merge */
    double fill_flush; /*   of which, kouan:DIR, flushing a new store's first
                            batch to disk (its commits were not flushed one
                            by one: lmdb_storage.c, "a new store's first
                            fill"); 0 for a store that held quads */
    size_t map_drops;  /* kouan:DIR: how often the store's map was dropped
                          from the process to keep its pages under the
                          writer's limit (any phase, any thread) */
    size_t probe_drops;/*   of which after the workers' probes: is a
                          file's version (its SHA-256) stored already? */
    size_t prefault_bytes; /* kouan:DIR: the store file's tail put in the
                          page cache ahead of the writer by a helper thread */
    double prefault;   /*   the helper's seconds (beside the others) */
    double reconcile;  /* documents brought in line with the store's names */
    double total;
    size_t documents, workers;
    int    workers_nice;   /* how many nice levels below the writer the
                              workers ran (into a store: 5, unless the
                              system refused; else 0) */
    int    store_timed;                /* kouan:DIR: flush, commit, merge set */
    int    names_pass;                 /* the names pass ran */
    double cpu_user, cpu_system;      /* the process's CPU seconds */
    unsigned long long bytes_written; /* by the process (/proc/self/io
                                         wchar; 0 where unknown) */
} kouan_batch_timings;
const kouan_batch_timings *kouan_batch_last_timings(const kouan *k);

/* Set to re-extract files whose SHA-256 the store already holds (by default
 * they are skipped and reported unchanged). */
void kouan_set_force(kouan *k, int force);

/* How often kouan_extract_batch commits into a kouan:DIR store (other
 * stores: every document).  0 (the default): each document in a commit of
 * its own, durable when done is called for it.  ms > 0: each document is
 * still written whole or not at all (a nested transaction), but the
 * commit that makes the documents durable and visible to other processes
 * comes when ms milliseconds have passed since the last one (or about
 * 200,000 quads were written), and at the batch's end: one disk flush for
 * many documents.  A crash then loses the documents of the last ms, not
 * yet committed (the next run extracts them again: their SHA-256 is not in
 * the store); a commit that fails loses every document since the last
 * one, and the batch stops saying so.  Into a kouan:DIR store holding no
 * quads, the commits are not flushed to disk one by one: the store is
 * flushed once when the batch ends (a system crash before that leaves a
 * store kouan refuses; a killed process loses nothing more). */
void kouan_set_commit_interval(kouan *k, unsigned ms);

/* Names across documents (ontology/learn.tsv): a port's official name, a
 * place written before a port's name, taught by any document in the store,
 * decide which port a name is.  After documents were added or removed,
 * every document whose port names now resolve otherwise is extracted again
 * from its file (dcterms:source; relative to where it was first extracted)
 * and written, until none is left, so the store is the same whatever order
 * documents came in.  done (may be NULL) is called for each document
 * extracted again (rep->reconciled set); a document whose file is gone or
 * changed since is left as it is, with a warning.  *redone (may be NULL)
 * counts them.  kouan_extract_batch calls it at its end (also when every
 * file was unchanged: a run killed before this step is healed by the next);
 * call it after kouan_remove_document. */
int kouan_reconcile(kouan *k, kouan_done_cb done, kouan_warn_cb warn,
                    void *user, size_t *redone, kouan_error *err);

/* Drop the named graph of the document read from path (or of that doc id).
 * Returns KOUAN_ENOTFOUND if the store has no such document. */
int kouan_remove_document(kouan *k, const char *path_or_id, size_t *removed,
                          kouan_error *err);

/* ---- query and export --------------------------------------------------- */

typedef enum kouan_result_format {
    KOUAN_RESULTS_TABLE, KOUAN_RESULTS_CSV, KOUAN_RESULTS_TSV,
    KOUAN_RESULTS_JSON, KOUAN_RESULTS_XML
} kouan_result_format;

/* Run a SPARQL query (the standard prefixes rdf, rdfs, owl, xsd, skos, prov,
 * dcterms, sosa and kouan are predeclared) and write its results to out.
 * CONSTRUCT/DESCRIBE results are written as Turtle. */
int kouan_query(kouan *k, const char *sparql, kouan_result_format fmt,
                FILE *out, size_t *rows, kouan_error *err);

typedef enum kouan_export_format {
    KOUAN_EXPORT_TURTLE, KOUAN_EXPORT_NTRIPLES, KOUAN_EXPORT_NQUADS,
    /* for people: Graphviz DOT clustered by trade zone, rendered SVG or
       PNG (libgvc), and a CSV of ports (port, province, zone, countries,
       transport, counterpart) */
    KOUAN_EXPORT_DOT, KOUAN_EXPORT_SVG, KOUAN_EXPORT_PNG, KOUAN_EXPORT_CSV,
    /* TriG: each document's graph as a GRAPH block, with prefixes */
    KOUAN_EXPORT_TRIG
} kouan_export_format;

/* Progress of a long read of the whole store (kouan_export in an RDF
 * format, kouan_store_import and kouan_store_export): cb is called from
 * the calling thread every KOUAN_PROGRESS_EVERY statements and once at
 * the end of each phase, with what is done: phase "reading" (statements
 * read from the store, total 0: not known), "writing" (lines written of
 * total, the statements read, repeats included: each is written once)
 * or "copying" (statements copied, total 0).  NULL (the default) turns
 * it off.  For a progress line on a terminal: `kouan export`. */
#define KOUAN_PROGRESS_EVERY 65536
typedef void (*kouan_progress_cb)(const char *phase, uint64_t done, uint64_t total,
                                  void *user);
void kouan_set_progress(kouan *k, kouan_progress_cb cb, void *user);

/* Write the whole store: Turtle and N-Triples are the merged view of all
 * graphs, N-Quads and TriG keep each statement's graph. */
int kouan_export(kouan *k, kouan_export_format fmt, FILE *out,
                 kouan_error *err);

/* Number of statements (quads) in the store, counted by streaming. */
long kouan_store_size(kouan *k);

/* ---- serving ------------------------------------------------------------ */

typedef struct kouan_serve_options {
    const char *bind;       /* address to listen on; NULL: 127.0.0.1 */
    unsigned    port;       /* 0: any free port (the start line names it) */
    unsigned    timeout_s;  /* per query, and for waiting for a free worker */
    size_t      max_rows;   /* rows (triples) per answer; 0: no limit */
    size_t      max_body;   /* bytes of a POST body */
    unsigned    workers;    /* worker processes: queries answered at a time */
    unsigned    queue;      /* requests that may wait for a worker (then 503) */
    int         quiet;      /* no request log on stderr */
} kouan_serve_options;

/* Serves the store named by open (opened read-only by each worker process)
 * over HTTP: the SPARQL 1.1 Protocol at /sparql, the page at /, a fact's
 * evidence at /evidence.  Runs until SIGINT or SIGTERM; returns 0 then, or a
 * negative KOUAN_E* code with err filled when it cannot start (the store,
 * the address).  Workers are this program started again with
 * `serve --worker-fd 3`, which must call kouan_serve_worker_main. */
int kouan_serve(const kouan_options *open, const kouan_serve_options *o,
                kouan_error *err);

/* A worker's whole life: opens the session, says so on fd, answers the
 * server's requests until fd closes.  Returns a process exit status. */
int kouan_serve_worker_main(const kouan_options *open, int fd);

/* ---- explain and check ------------------------------------------------ */

/* Writes everything the store knows about the entities a name stands for
 * (each class it resolves in), grouped by predicate, each fact with its
 * document, line, rule and sentence; color highlights the names in the
 * sentences (for a terminal).  *found = number of entities shown. */
int kouan_explain(kouan *k, const char *name, FILE *out, int color,
                  size_t *found, kouan_error *err);

/* Checks constraints over the whole graph — a port in two provinces, a
 * province in two trade zones, an opensTo that is not a Country, a
 * counterpart whose country the port does not open to, a county without a
 * prefecture — writing each violation with its facts and evidence.
 * *violations = how many. */
int kouan_check(kouan *k, FILE *out, int color, size_t *violations,
                kouan_error *err);

/* ---- tokens ------------------------------------------------------------- */

typedef struct kouan_token_info {
    const char *text;       /* normalised token text (borrowed, for the call) */
    size_t      len;
    size_t      start, end; /* bytes of the original file */
    size_t      line;       /* 1-based line of start */
    int         kind;       /* kouan_token_kind */
    int         cls;        /* kouan_class for entities, else 0 */
    int         sentence_start; /* 1 for the first token of a sentence */
} kouan_token_info;

/* Called for each token in document order; return non-zero to stop. */
typedef int (*kouan_token_cb)(const kouan_token_info *t, void *user);

/* Reads path and segments its prose (as the prose stage sees it, without
 * running plugins or touching the store).  Returns 0 or an error. */
int kouan_tokenize_file(kouan *k, const char *path, kouan_token_cb cb,
                        void *user, kouan_error *err);

/* ---- evaluation --------------------------------------------------------- */

typedef struct kouan_eval_options {
    const char *gold_path;  /* gold facts, TSV as in corpus/gold/README.md */
    const char *doc;        /* only this document's graph (file or id); NULL: all */
    int         verbose;    /* list missed and spurious facts with evidence */
} kouan_eval_options;

typedef struct kouan_eval_result {
    double precision, recall, f1;   /* overall, over the gold's predicates */
    size_t gold, extracted, correct;
} kouan_eval_result;

/* Compares the store with gold facts (label-level, suffix-normalised) and
 * writes a report (per predicate precision, recall, F1; missed and spurious
 * facts with their evidence sentence) to out. */
int kouan_eval(kouan *k, const kouan_eval_options *o, FILE *out,
               kouan_eval_result *res, kouan_error *err);

/* ---- the store ------------------------------------------------------------ */

/* What a store holds (kouan store info). */
typedef struct kouan_store_info {
    char   kind[32];        /* "kouan (LMDB)" or "Redland" */
    size_t quads;           /* statements, each in its document graph */
    size_t triples;         /* distinct triples over all graphs;
                               (size_t)-1 when the storage cannot say */
    size_t graphs;          /* named graphs */
    size_t terms;           /* dictionary entries; (size_t)-1 when not known */
    size_t used_bytes;      /* bytes in use, 0 when not known */
    size_t disk_bytes;      /* bytes the store's files take on disk */
    int    format;          /* kouan (LMDB): the store format (1 to 4); else 0 */
    char   format_note[512];/* kouan (LMDB): what the format means for it */
} kouan_store_info;

int kouan_store_get_info(kouan *k, kouan_store_info *info, kouan_error *err);

/* Merges what waits in kouan's own store's backlog (a group commit's
 * predicate- and object-index entries, normally merged when `extract`
 * ends; a run killed before that leaves them to the next writer) into
 * those indexes now; *merged (may be NULL): the quads that waited, 0 when
 * none.  Needs a writable session; other stores: KOUAN_EINVAL. */
int kouan_store_merge_backlog(kouan *k, size_t *merged, kouan_error *err);

/* Copies every statement, with its graph, between the session's store and
 * the store other_spec names (any SPEC; created when missing on import's
 * target side).  import: other → session; export: session → other.  A
 * kouan: target that opening made (no store in its folder before) is
 * filled in groups committed as they fill, memory bounded; if the copy
 * fails, what was made is removed (the folder too when it was made) and
 * the message says so — on import the session is then left without a
 * store.  Any other target is written in one transaction when its storage
 * has them (kouan:), so it receives all or nothing.  *quads gets the
 * number of statements read.  The same store on both sides is refused. */
int kouan_store_import(kouan *k, const char *other_spec, size_t *quads, kouan_error *err);
int kouan_store_export(kouan *k, const char *other_spec, size_t *quads, kouan_error *err);

/* ---- push: the SPARQL 1.1 Graph Store HTTP Protocol ------------------- */

typedef struct kouan_push_options {
    const char *endpoint;      /* the Graph Store URL (http:// or https://);
                                  "?graph=IRI" (or "&graph=IRI") is added */
    const char *user;          /* NULL: no authentication */
    const char *password;      /* with user: Basic or Digest, as the server asks */
    const char *state_path;    /* the push records; NULL: push-state.tsv in
                                  a kouan:DIR store's folder */
    int         dry_run;       /* say what would be done; send and record nothing */
    int         force;         /* send every document, changed or not */
    int         turtle;        /* label bodies text/turtle (they are N-Triples,
                                  which is Turtle) instead of application/n-triples */
    unsigned    retries;       /* tries again after no answer, 5xx or 429 */
    double      retry_delay_s; /* before the first retry; doubles each time */
    unsigned    timeout_s;     /* per request; 0: 300 s */
} kouan_push_options;

typedef enum kouan_push_action {
    KOUAN_PUSH_SENT, KOUAN_PUSH_UNCHANGED, KOUAN_PUSH_DELETED, KOUAN_PUSH_FAILED
} kouan_push_action;

/* One document's outcome; the strings are borrowed for the call. */
typedef struct kouan_push_event {
    kouan_push_action action;
    const char *graph;         /* the document's named graph IRI */
    const char *doc_id;        /* graph without KOUAN_NS_DOC */
    size_t      triples;       /* in the graph (sent or as last sent) */
    size_t      bytes;         /* of the request body */
    long        http_status;   /* the last answer; 0: none */
    unsigned    attempts;      /* requests made (retries + 1); 0: none */
    int         deleting;      /* the request was a DELETE */
    const char *message;       /* FAILED: the HTTP status and the server's
                                  words, or why there was no answer */
} kouan_push_event;

typedef void (*kouan_push_cb)(const kouan_push_event *e, void *user);

typedef struct kouan_push_totals {
    size_t sent, unchanged, deleted, failed, triples, bytes;
} kouan_push_totals;

/* Sends every document graph of the store (a graph holding a
 * kouan:Document with its kouan:sha256) whose SHA-256 differs from the
 * one last pushed to o->endpoint with PUT, and DELETEs the graphs pushed
 * there before that the store no longer has; cb (may be NULL) hears of each
 * document, in graph order, then of each deletion.  Records of what was
 * pushed are kept in the state file and written as each request succeeds.
 * Returns 0 when nothing failed; KOUAN_EIO when a document failed (err
 * says how many; each failure was reported to cb) or the endpoint stopped
 * answering (the push stops there); another code when it could not start. */
int kouan_push(kouan *k, const kouan_push_options *o, kouan_push_cb cb, void *user,
               kouan_push_totals *totals, kouan_error *err);

/* The state file kouan_push would use, copied to out. */
int kouan_push_state_path(kouan *k, const kouan_push_options *o, char *out, size_t n,
                          kouan_error *err);

#ifdef __cplusplus
}
#endif
#endif /* KOUAN_H */
