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
    const char *store_spec;    /* "hashes:DIR", "memory:", "NAME:OPTIONS";
                                  NULL: $KOUAN_STORE, else "hashes:kouan.store" */
    const char *ontology_dir;  /* NULL: $KOUAN_ONTOLOGY, else the built-in path */
    const char *plugin_path;   /* colon-separated folders; NULL:
                                  $KOUAN_PLUGIN_PATH, else the build's folder */
    int         read_only;     /* open the store without creating it */
    int         no_plugins;    /* do not load plugins (query/export/remove) */
    int         no_create;     /* writable, but refuse to create a new store */
} kouan_options;

typedef struct kouan kouan;

/* Open a session: the store, the vocabulary, the gazetteers and (unless
 * opts->no_plugins) every plugin on the path.  Returns NULL and fills err if
 * anything is refused.  Free with kouan_close(). */
kouan *kouan_open(const kouan_options *opts, kouan_error *err);
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
} kouan_extract_report;

/* Read path, run every plugin, and replace the document's named graph with
 * the result.  The store is changed only when the whole document was read
 * and extracted without error.  warn (may be NULL) receives non-fatal
 * problems, already formatted as "file:line: message". */
typedef void (*kouan_warn_cb)(const char *message, void *user);
int kouan_extract_file(kouan *k, const char *path, kouan_extract_report *rep,
                       kouan_warn_cb warn, void *user, kouan_error *err);

/* Set to re-extract files whose SHA-256 the store already holds (by default
 * they are skipped and reported unchanged). */
void kouan_set_force(kouan *k, int force);

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
    KOUAN_EXPORT_TURTLE, KOUAN_EXPORT_NTRIPLES, KOUAN_EXPORT_NQUADS
} kouan_export_format;

/* Write the whole store: Turtle and N-Triples are the merged view of all
 * graphs, N-Quads keeps each statement's graph. */
int kouan_export(kouan *k, kouan_export_format fmt, FILE *out,
                 kouan_error *err);

/* Number of statements (quads) in the store, counted by streaming. */
long kouan_store_size(kouan *k);

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

#ifdef __cplusplus
}
#endif
#endif /* KOUAN_H */
