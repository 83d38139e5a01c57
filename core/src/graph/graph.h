/* graph.h — one document's graph under construction: plugins' facts are
 * checked against the vocabulary, their entities resolved to IRIs, and the
 * result kept as plain triples (no librdf here) until the store writes them
 * in one go.  Everything is owned by the builder's arena. */
#ifndef KOUAN_GRAPH_H
#define KOUAN_GRAPH_H
#include <stdint.h>
#include <stdio.h>
#include "kouan/kouan.h"
#include "util/arena.h"
#include "util/strmap.h"
#include "util/lines.h"
#include "resolve.h"
#include "learn.h"
#include "vocab.h"

typedef enum kouan_term_kind { KOUAN_TERM_IRI = 0, KOUAN_TERM_LITERAL = 1 } kouan_term_kind;

typedef struct kouan_triple {
    const char     *s, *p, *o;    /* s and p are absolute IRIs */
    kouan_term_kind o_kind;
    const char     *lang;         /* literal language, or NULL */
    const char     *datatype;     /* literal datatype IRI, or NULL */
} kouan_triple;

typedef struct kouan_graph {
    const kouan_vocab    *vocab;     /* borrowed */
    const kouan_resolver *resolver;  /* borrowed */
    const kouan_doc      *doc;       /* borrowed */
    const char           *iri;       /* the document's graph IRI (arena) */
    kouan_arena           arena;
    kouan_triple         *v;
    size_t                n, cap;
    kouan_strmap          seen;      /* triples and entities already added */
    kouan_strmap          names;     /* every entity name seen (surface forms
                                        and canonical labels) → its class:
                                        the words this document teaches */
    kouan_strmap          described; /* class, IRI, label and surface form of
                                        each entity described already */
    size_t                facts, evidence;
    /* the plugin being run, for provenance */
    const char           *plugin;    /* "name version" (arena) */
    unsigned              plugin_minor; /* the plugin's ABI minor: which
                                           kouan_fact fields it fills */
    size_t                plugin_facts;
    /* the facts added so far, with canonical labels (arena strings): the
       prose stage sees the structure stage's (kouan_doc.facts) */
    kouan_known_fact     *known;
    kouan_span           *known_ev;  /* each known fact's evidence */
    size_t                n_known, cap_known;
    kouan_lines           lines;     /* byte offset → line */
    /* footnotes: where each starts, its marker (①) and its node IRI */
    struct kouan_note    *notes;
    size_t                n_notes;
    /* names across documents (learn.h): what this document teaches (its
       port names as written, places, official names; owned), and the
       layers its ports resolve through (borrowed, NULL when none: the
       store's documents, this document's own first reading) */
    kouan_strmap          written;   /* entities whose form as written
                                        (traditional, full-width) was
                                        looked for in an evidence span */
    kouan_names           learned;
    const kouan_names    *layers[2];
    /* memos: a document names the same entities hundreds of times */
    kouan_strmap          resolved;  /* class + surface → struct memo_resolved
                                        (arena): kouan_resolve's answer */
    kouan_strmap          aliased;   /* port label → what learn() makes of it
                                        under layers (arena string, "" for
                                        itself) */
    int                   names_only; /* the names pass: facts only teach
                                        (learned), no triples are made */
    kouan_normtext        span_nt;   /* the last evidence span normalised */
    kouan_span            span_at;   /* (note_form), and which span it is */
    /* non-fatal problems */
    void                (*warn)(void *user, size_t at, const char *message);
    void                 *warn_user;
} kouan_graph;

/* Records what the document teaches about names (kouan:namesPort, one
 * per port name it uses, as the fixed resolution reads it): call once, after
 * the last fact. */
int  kouan_graph_finish(kouan_graph *g);

/* The IRI of a document's graph (KOUAN_NS_DOC + its id, escaped) into
 * out[0..n): KOUAN_OK, or KOUAN_EINVAL when it does not fit.  An id's
 * graph IRI fits in KOUAN_GRAPH_IRI_MAX bytes. */
#define KOUAN_GRAPH_IRI_MAX 700
int  kouan_graph_doc_iri(const char *doc_id, char *out, size_t n);

/* Starts the graph of doc; adds the kouan:Document description. */
int  kouan_graph_init(kouan_graph *g, const kouan_vocab *v,
                      const kouan_resolver *r, const kouan_doc *doc);
void kouan_graph_free(kouan_graph *g);
/* Frees all but what writing the graph needs: its IRI and its triples,
 * their strings copied into an arena of their own; a term whose id ids
 * gives (3 a triple: s, p, o; non-zero: kouan_store_lookup_ids) keeps no
 * string (NULL; an object's language and datatype with it), since the
 * writer reads the id.  So a document waiting for the writer holds a few
 * hundred kB, not megabytes.  Only g->iri, g->v and g->n remain; nothing
 * may be added after.  KOUAN_OK, or KOUAN_ENOMEM with g unchanged. */
int kouan_graph_keep_triples(kouan_graph *g, const uint64_t *ids);

/* Adds the document's provenance: SHA-256 of its bytes, when and by which
 * kouan it was extracted (prov:generatedAtTime, prov:wasAttributedTo). */
int  kouan_graph_document_meta(kouan_graph *g, const char *sha256,
                               const char *when, const char *agent);

/* Sets the plugin whose facts follow ("tables 0.1.0") and the ABI minor it
 * was built for. */
int  kouan_graph_set_plugin(kouan_graph *g, const char *name, const char *version,
                            unsigned abi_minor);

/* Adds one fact: the triple, type and label of each entity, an altLabel
 * when the surface form is not the canonical name, and a statement node
 * with the evidence.  Returns 0; KOUAN_EINVAL for a fact the plugin got
 * wrong (message in msg); KOUAN_ENOTFOUND when a closed-class name is not in
 * the gazetteers (the fact is dropped, msg says why); KOUAN_ENOMEM. */
int  kouan_graph_add_fact(kouan_graph *g, const kouan_fact *f, char *msg, size_t n);

/* The graph as N-Quads (UTF-8 kept, lines sorted) in *text, *len bytes;
 * the caller frees *text.  Returns 0 or KOUAN_ENOMEM.  Reads g only, so
 * a worker can format while the writer writes another document. */
int  kouan_graph_format_nquads(const kouan_graph *g, char **text, size_t *len,
                               kouan_error *err);
/* Writes the graph as N-Quads (as kouan_graph_format_nquads) to out. */
int  kouan_graph_write_nquads(const kouan_graph *g, FILE *out, kouan_error *err);

/* The emitter handed to plugins, writing into g. */
void kouan_graph_emitter(kouan_graph *g, kouan_emitter *out);
#endif
