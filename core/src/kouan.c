/* kouan.c — the session: opening the store, vocabulary, gazetteers and
 * plugins, and one document's way through them (read → plugins by stage →
 * graph → store). */
#include "kouan/kouan.h"
#include "doc/doc.h"
#include "graph/graph.h"
#include "plugin/loader.h"
#include "query/source.h"
#include "store/store.h"
#include "text/utf8check.h"
#include "text/view.h"
#include "util/error.h"
#include "util/rdflog.h"
#include "session.h"

#include <stdint.h>
#include <libxml/parser.h>
#include <time.h>
#include <nettle/sha2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef KOUAN_VERSION
#define KOUAN_VERSION "0.0.0"
#endif
#ifndef KOUAN_ONTOLOGY_DIR
#define KOUAN_ONTOLOGY_DIR "ontology"
#endif

const char *kouan_version(void) { return KOUAN_VERSION; }
const char *kouan_builtin_ontology_dir(void) { return KOUAN_ONTOLOGY_DIR; }
const char *kouan_builtin_plugin_dir(void) { return kouan_plugin_default_path("-"); }

static int cfg_error(const kouan_config *cfg, int code, const char *message)
{
    kouan_error *e = cfg->core;
    e->code = code;
    snprintf(e->message, sizeof e->message, "%s", message ? message : "error");
    return code;
}

kouan *kouan_open(const kouan_options *opts, kouan_error *err)
{
    return kouan_open_sharing(opts, NULL, err);
}

kouan *kouan_open_sharing(const kouan_options *opts, kouan_normalizer *nz, kouan_error *err)
{
    kouan_options o = opts ? *opts : (kouan_options){0};
    if (!o.store_spec) o.store_spec = getenv("KOUAN_STORE");
    if (!o.store_spec || !*o.store_spec) o.store_spec = "kouan:kouan.store";
    if (!o.ontology_dir) o.ontology_dir = getenv("KOUAN_ONTOLOGY");
    if (!o.ontology_dir || !*o.ontology_dir) o.ontology_dir = KOUAN_ONTOLOGY_DIR;

    kouan *k = calloc(1, sizeof *k);
    if (k) k->opts = o;   /* strings borrowed from the caller/environment */
    if (!k || !(k->ontology_dir = strdup(o.ontology_dir))) {
        free(k);
        err->code = KOUAN_ENOMEM;
        snprintf(err->message, sizeof err->message, "out of memory");
        return NULL;
    }
    k->world = librdf_new_world();
    if (!k->world) {
        err->code = KOUAN_ENOMEM;
        snprintf(err->message, sizeof err->message, "cannot start Redland");
        kouan_close(k);
        return NULL;
    }
    KOUAN_RDF_LOG_RESET(k->world);
    kouan_query_world_prepare(k->world);     /* Raptor's URI interning off */
    librdf_world_open(k->world);
    /* Rasqal reads triple patterns through kouan's source: the same matches
       as librdf's, each basic graph pattern reordered by the store's counts
       (query/source.h; KOUAN_NO_REORDER=1 keeps the written order) */
    if (kouan_query_source_install(k->world) != 0) {
        err->code = KOUAN_ENOMEM;
        snprintf(err->message, sizeof err->message, "cannot install kouan's query source in Rasqal");
        kouan_close(k);
        return NULL;
    }
    xmlInitParser();   /* once, before worker threads read HTML */
    int rc = kouan_vocab_load(&k->vocab, k->world, k->ontology_dir, err);
    if (!rc) {
        k->have_vocab = 1;
        rc = kouan_resolver_load(&k->resolver, k->ontology_dir, err);
    }
    if (!rc) {
        k->have_resolver = 1;
        /* names are matched normalised (NFKC, traditional → simplified), so
           滿洲里 and 满洲里 are one entity: extraction needs the normaliser */
        if (nz) {
            k->normalizer = nz;
            k->normalizer_borrowed = 1;
        } else if (!o.no_plugins && !(k->normalizer = kouan_normalizer_new(err))) {
            rc = err->code ? err->code : KOUAN_EINVAL;
        }
        k->resolver.nz = k->normalizer;
    }
    if (!rc) {
        if (!o.no_plugins) {
            kouan_config cfg = { KOUAN_PLUGIN_ABI_MAJOR, KOUAN_PLUGIN_ABI_MINOR,
                                 k->ontology_dir, cfg_error, NULL };
            rc = kouan_plugins_load(&k->plugins, kouan_plugin_default_path(o.plugin_path),
                                    &cfg, err);
            if (!rc && k->plugins.n == 0) {
                err->code = rc = KOUAN_EPLUGIN;
                snprintf(err->message, sizeof err->message,
                         "no extractor plugins found in %s (set KOUAN_PLUGIN_PATH to "
                         "the folder holding tables.so)",
                         kouan_plugin_default_path(o.plugin_path));
            }
        }
    }
    if (!rc && !o.no_store && !(k->store = kouan_store_open(k->world, o.store_spec, o.read_only,
                                                 o.no_create, err)))
        rc = err->code ? err->code : KOUAN_ESTORE;
    if (rc) {
        kouan_close(k);
        return NULL;
    }
    return k;
}

void kouan_close(kouan *k)
{
    if (!k) return;
    kouan_store_close_or_discard(k->store);     /* made and left empty: removed */
    kouan_plugins_unload(&k->plugins);
    if (!k->normalizer_borrowed) kouan_normalizer_free(k->normalizer);
    kouan_lexicon_close(k->lexicon);
    if (k->have_resolver) kouan_resolver_free(&k->resolver);
    if (k->have_vocab) kouan_vocab_free(&k->vocab);
    kouan_names_free(&k->store_names);
    if (k->world) librdf_free_world(k->world);
    free(k->ontology_dir);
    free(k);
}

size_t kouan_plugin_count(const kouan *k) { return k->plugins.n; }

const kouan_plugin_info *kouan_plugin_get(const kouan *k, size_t i)
{
    return i < k->plugins.n ? &k->plugins.v[i].info : NULL;
}

long kouan_store_size(kouan *k) { return k->store ? kouan_store_count(k->store) : -1; }

/* ---- extraction ---------------------------------------------------------------- */

typedef struct warn_ctx {
    const kouan_doc *doc;
    const char      *plugin;
    kouan_warn_cb    cb;
    void            *user;
    size_t           count;
} warn_ctx;

static void on_warn(void *user, size_t at, const char *message)
{
    warn_ctx *w = user;
    w->count++;
    if (!w->cb) return;
    size_t line, col;
    kouan_line_col(w->doc->bytes, w->doc->len, at, &line, &col);
    char buf[1400];
    snprintf(buf, sizeof buf, "%s:%zu:%zu: %s%s%s", w->doc->path, line, col,
             w->plugin ? w->plugin : "", w->plugin ? ": " : "", message);
    w->cb(buf, w->user);
}

/* Opens the normaliser and the lexicon on first use. */
static int open_text_layer(kouan *k, kouan_error *err)
{
    if (!k->normalizer && !(k->normalizer = kouan_normalizer_new(err)))
        return err->code ? err->code : KOUAN_EINVAL;
    if (!k->lexicon && !(k->lexicon = kouan_lexicon_open(kouan_lexicon_default_path(), err)))
        return err->code ? err->code : KOUAN_ENOTFOUND;
    return KOUAN_OK;
}

/* The token view for the prose stage: the names the structure stage
 * resolved (surface forms and canonical labels, normalised as prose is)
 * become words of this document. */
static int build_token_view(kouan *k, kouan_document *d, const kouan_graph *g,
                            kouan_error *err)
{
    int rc = open_text_layer(k, err);
    if (rc) return rc;
    kouan_wordset *ws = kouan_wordset_new();
    if (!ws) return KOUAN_ENOMEM;
    for (size_t i = 0; i < g->names.cap && rc == KOUAN_OK; i++) {
        const char *name = g->names.keys[i];
        if (!name) continue;
        kouan_normtext nt = {0};
        if ((rc = kouan_normalize(k->normalizer, name, strlen(name), &nt, err))) break;
        rc = kouan_wordset_add(ws, nt.str, nt.len,
                               (kouan_class)(intptr_t)g->names.vals[i]);
        kouan_normtext_free(&nt);
    }
    if (rc == KOUAN_OK) rc = kouan_view_build(d, k->normalizer, k->lexicon, ws, err);
    kouan_wordset_free(ws);
    return rc;
}

void kouan_set_force(kouan *k, int force) { k->force = force; }

void kouan_set_commit_interval(kouan *k, unsigned ms) { k->commit_ms = ms; }

void kouan_set_progress(kouan *k, kouan_progress_cb cb, void *user)
{
    k->progress = cb;
    k->progress_user = user;
}

/* Hex SHA-256 of bytes (nettle). */
static void sha256_hex(const char *bytes, size_t len, char out[65])
{
    struct sha256_ctx ctx;
    uint8_t digest[SHA256_DIGEST_SIZE];
    sha256_init(&ctx);
    sha256_update(&ctx, len, (const uint8_t *)bytes);
    sha256_digest(&ctx, sizeof digest, digest);
    for (size_t i = 0; i < sizeof digest; i++)
        sprintf(out + 2 * i, "%02x", digest[i]);
}

void kouan_extracted_free(kouan_extracted *x)
{
    if (x->have_graph) kouan_graph_free(&x->graph);
    kouan_document_free(x->doc);
    free(x->nquads);
    x->nquads = NULL;
    free(x->ids);
    x->ids = NULL;
    x->have_graph = 0;
    x->doc = NULL;
}

/* One reading of path; self (may be NULL) is what a first reading of the
 * same document taught. */
static int extract_pass(kouan *k, const char *path, kouan_extracted *x,
                        kouan_warn_cb warn, void *user, const kouan_names *self,
                        int names_only)
{
    kouan_extract_report *rep = &x->rep;
    kouan_error *err = &x->err;
    memset(x, 0, sizeof *x);
    if (k->plugins.n == 0) {
        err->code = x->rc = KOUAN_EPLUGIN;
        snprintf(err->message, sizeof err->message,
                 "this session was opened without plugins: nothing can extract");
        return x->rc;
    }
    /* the same bytes are already in the store: nothing to do, and nothing
       parsed (an unchanged 200 MB corpus was parsed twice to find that) */
    size_t len;
    char *bytes = kouan_document_read(path, &len, err);
    if (!bytes) return x->rc = err->code;
    sha256_hex(bytes, len, rep->sha256);
    char iri[KOUAN_GRAPH_IRI_MAX];
    kouan_document_id(path, rep->doc_id, sizeof rep->doc_id);
    if (kouan_graph_doc_iri(rep->doc_id, iri, sizeof iri) == KOUAN_OK) {
        snprintf(rep->graph, sizeof rep->graph, "%s", iri);
        if (kouan_holds_bytes(k, iri, rep->sha256)) {
            free(bytes);
            rep->unchanged = 1;
            return KOUAN_OK;
        }
    }
    kouan_document *d = x->doc = kouan_document_from_read(path, bytes, len, err);
    if (!d) return x->rc = err->code;
    kouan_graph *g = &x->graph;
    int rc = kouan_graph_init(g, &k->vocab, &k->resolver, &d->view);
    x->have_graph = 1;
    g->layers[0] = k->names;
    g->layers[1] = self;
    g->names_only = names_only;
    if (!rc && !names_only) {
        char when[40], agent[64];
        time_t now = time(NULL);
        struct tm tm;
        gmtime_r(&now, &tm);
        strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
        snprintf(agent, sizeof agent, "kouan %s", KOUAN_VERSION);
        rc = kouan_graph_document_meta(g, rep->sha256, when, agent);
    }
    warn_ctx wc = { &d->view, NULL, warn, user, 0 };
    g->warn = on_warn;
    g->warn_user = &wc;
    /* structure plugins first: they read tables the prose plugins rely on */
    for (int stage = KOUAN_STAGE_STRUCTURE; stage <= KOUAN_STAGE_PROSE && !rc; stage++) {
        if (stage == KOUAN_STAGE_PROSE) {
            int any = 0;
            for (size_t i = 0; i < k->plugins.n; i++)
                any |= (int)k->plugins.v[i].desc->stage == KOUAN_STAGE_PROSE;
            if (!any) break;
            /* the structure stage's facts, for rules about sets: a copy,
               since the prose stage's facts grow g->known */
            kouan_known_fact *kf = kouan_arena_alloc(&d->arena,
                                       (g->n_known ? g->n_known : 1) * sizeof *kf);
            if (!kf) { rc = KOUAN_ENOMEM; break; }
            if (g->n_known) memcpy(kf, g->known, g->n_known * sizeof *kf);
            kouan_span *ke = kouan_arena_alloc(&d->arena,
                                 (g->n_known ? g->n_known : 1) * sizeof *ke);
            if (!ke) { rc = KOUAN_ENOMEM; break; }
            if (g->n_known) memcpy(ke, g->known_ev, g->n_known * sizeof *ke);
            d->view.facts = kf;
            d->view.fact_evidence = ke;
            d->view.n_facts = g->n_known;
            if ((rc = build_token_view(k, d, g, err))) {
                char inner[900];
                snprintf(inner, sizeof inner, "%s", err->message);
                snprintf(err->message, sizeof err->message,
                         "%s: reading the prose failed: %s; the store was not changed",
                         path, inner);
                break;
            }
        }
        for (size_t i = 0; i < k->plugins.n && !rc; i++) {
            kouan_loaded_plugin *p = &k->plugins.v[i];
            if ((int)p->desc->stage != stage) continue;
            if ((rc = kouan_graph_set_plugin(g, p->desc->name, p->desc->version,
                                             p->desc->abi_minor))) break;
            wc.plugin = p->desc->name;
            kouan_emitter out;
            kouan_graph_emitter(g, &out);
            rc = p->desc->process(p->state, &d->view, &out);
            if (rc) {
                err->code = KOUAN_EPLUGIN;
                snprintf(err->message, sizeof err->message,
                         "%s: plugin %s failed (code %d); the store was not changed",
                         path, p->desc->name, rc);
                rc = err->code;
                break;
            }
            if (rep->n_plugins < sizeof rep->per_plugin / sizeof rep->per_plugin[0]) {
                rep->per_plugin[rep->n_plugins].plugin = p->desc->name;
                rep->per_plugin[rep->n_plugins++].facts = g->plugin_facts;
            }
        }
    }
    g->warn = NULL;            /* wc lives on this stack frame only */
    g->warn_user = NULL;
    if (!rc) rc = kouan_graph_finish(g);
    rep->facts = g->facts;
    rep->triples = g->n;
    rep->warnings = wc.count;
    if (rc == KOUAN_ENOMEM && !err->message[0]) {
        err->code = rc;
        snprintf(err->message, sizeof err->message, "%s: out of memory", path);
    }
    return x->rc = rc;
}

int kouan_holds_bytes(kouan *k, const char *graph, const char *sha256)
{
    if (k->force || !graph[0]) return 0;
    if (k->store) {
        char old[80];
        return kouan_lookup_literal(k, graph, KOUAN_NS_ONTOLOGY "sha256", old,
                                    sizeof old) == KOUAN_OK && strcmp(old, sha256) == 0;
    }
    return k->probe && kouan_store_has_literal(k->probe, graph, graph,
                                               KOUAN_NS_ONTOLOGY "sha256", sha256) == 1;
}

int kouan_names_read(kouan *k, const char *path, kouan_names *learned,
                     kouan_extract_report *rep)
{
    kouan_names_init(learned);
    memset(rep, 0, sizeof *rep);
    kouan_extracted *x = malloc(sizeof *x);
    if (!x) return KOUAN_ENOMEM;
    int rc = extract_pass(k, path, x, NULL, NULL, NULL, 1);
    *rep = x->rep;
    if (!rc && !x->rep.unchanged) {       /* moved: the graph's copy is not freed */
        *learned = x->graph.learned;
        kouan_names_init(&x->graph.learned);
    }
    kouan_extracted_free(x);
    free(x);
    return rc == KOUAN_ENOMEM ? rc : KOUAN_OK;   /* extraction reports the rest */
}

/* Whether what g's document teaches (its own official names and places)
 * changes the name of one of its ports: then it is read again with it. */
static int teaches_itself(const kouan *k, const kouan_graph *g)
{
    const kouan_names *without[2] = { k->names, NULL }, *with[2] = { k->names, &g->learned };
    const kouan_learn_rules *lr = &k->resolver.learn;
    for (size_t i = 0; i < g->learned.ports.cap; i++) {
        const char *x = g->learned.ports.keys[i], *w1, *w2;
        if (!x) continue;
        char a[256], b[256];
        kouan_names_alias(lr, without, 2, x, a, sizeof a, &w1);
        kouan_names_alias(lr, with, 2, x, b, sizeof b, &w2);
        if (strcmp(a, b) != 0) return 1;
    }
    return 0;
}

int kouan_extract_doc(kouan *k, const char *path, kouan_extracted *x,
                      kouan_warn_cb warn, void *user)
{
    int rc = extract_pass(k, path, x, warn, user, NULL, 0);
    if (rc || x->rep.unchanged || !teaches_itself(k, &x->graph)) return rc;
    /* a second reading with the names the first one taught: its ports
       then resolve as they will once the document is in the store */
    kouan_names self = x->graph.learned;
    kouan_names_init(&x->graph.learned);
    size_t warnings = x->rep.warnings;
    kouan_extracted_free(x);
    rc = extract_pass(k, path, x, NULL, NULL, &self, 0);   /* warned once already */
    x->rep.warnings = warnings;
    kouan_names_free(&self);
    return rc;
}

int kouan_write_doc(kouan *k, kouan_extracted *x, FILE *emit, kouan_error *err)
{
    if (x->rc || x->rep.unchanged) return KOUAN_OK;
    if (emit && x->nquads) {
        if (fwrite(x->nquads, 1, x->nquads_len, emit) != x->nquads_len ||
            fflush(emit) != 0 || ferror(emit))
            return kouan_error_set(err, KOUAN_EIO, "writing N-Quads failed");
        return KOUAN_OK;
    }
    if (emit) return kouan_graph_write_nquads(&x->graph, emit, err);
    return kouan_store_replace_graph_ids(k->store, x->graph.iri, x->graph.v, x->ids,
                                         x->graph.n, err);
}

void kouan_format_doc(kouan_extracted *x)
{
    kouan_error err = { 0 };
    if (!x->rc && !x->rep.unchanged && x->have_graph && !x->nquads)
        kouan_graph_format_nquads(&x->graph, &x->nquads, &x->nquads_len, &err);
    /* the bytes are all the writer needs: the graph and the document are
       freed here, by the thread that allocated them (a free into another
       thread's malloc arena takes that arena's lock), and sooner */
    if (x->nquads) {
        if (x->have_graph) kouan_graph_free(&x->graph);
        x->have_graph = 0;
        kouan_document_free(x->doc);
        x->doc = NULL;
    }
}

int kouan_extract_file(kouan *k, const char *path, kouan_extract_report *rep,
                       kouan_warn_cb warn, void *user, kouan_error *err)
{
    kouan_extracted *x = malloc(sizeof *x);
    if (!x) {
        err->code = KOUAN_ENOMEM;
        snprintf(err->message, sizeof err->message, "%s: out of memory", path);
        return err->code;
    }
    int rc = kouan_extract_doc(k, path, x, warn, user);
    if (rc) *err = x->err;
    else if (!k->store) {
        err->code = rc = KOUAN_ESTORE;
        snprintf(err->message, sizeof err->message, "this session has no store");
    } else rc = kouan_write_doc(k, x, NULL, err);
    if (rep) *rep = x->rep;
    kouan_extracted_free(x);
    free(x);
    return rc;
}

int kouan_remove_document(kouan *k, const char *path_or_id, size_t *removed,
                          kouan_error *err)
{
    char id[256], esc[600], graph[700];
    kouan_document_id(path_or_id, id, sizeof id);
    if (!id[0] || kouan_iri_escape(id, esc, sizeof esc) != 0) {
        err->code = KOUAN_EINVAL;
        snprintf(err->message, sizeof err->message,
                 "“%s”: expected a document file name or id", path_or_id);
        return err->code;
    }
    snprintf(graph, sizeof graph, "%s%s", KOUAN_NS_DOC, esc);
    int rc = kouan_store_remove_graph(k->store, graph, removed, err);
    if (rc == KOUAN_ENOTFOUND)
        snprintf(err->message, sizeof err->message,
                 "%s: no document “%s” in the store (its graph <%s> is empty)",
                 path_or_id, id, graph);
    return rc;
}
