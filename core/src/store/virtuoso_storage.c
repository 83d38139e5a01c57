/* virtuoso_storage.c — kouan's view of a Virtuoso server as a Redland
 * storage ("kouan-virtuoso"), over Redland's own virtuoso storage; see
 * virtuoso_storage.h.
 *
 * Why not Redland's virtuoso storage as it is (librdf-storage-virtuoso
 * 1.0.17, measured here):
 *   - find_statements and serialise read only the graph named by the
 *     storage's name, so queries and exports over kouan's document graphs
 *     saw nothing, and librdf_model_size answers 0;
 *   - a literal's language tag (and custom datatype) is read back from a
 *     cache that keeps it without its terminating NUL: "西藏"@zh comes back
 *     as "西藏"@zh followed by heap bytes; xsd:dateTime loses its "T";
 *   - one SQL round trip per added statement (~2k statements/s), and its
 *     "transactions" turn autocommit on: a rollback undoes nothing.
 * So every read and write here is SPARQL run by Virtuoso through Redland's
 * "vsparql" query engine (registered from the storage module, which does
 * not do it itself) on the inner storage's ODBC connections:
 *   - patterns over the default graph are the union of kouan's document
 *     graphs (IRIs under KOUAN_NS_DOC), each triple once (DISTINCT), as
 *     kouan's own store answers; Virtuoso's system graphs stay out;
 *   - objects are read as STR / LANG / STR(DATATYPE) / isIRI / isBlank
 *     columns and rebuilt here, never through the broken cache;
 *   - adds are batched into INSERT DATA of up to 1000 triples per graph,
 *     sent when the batch is full, on sync, and before any read;
 *   - there are no transactions (the factory offers none, so
 *     librdf_model_transaction_start fails and store.c knows).
 *
 * Ownership (Redland): a stream's statement and context, and an iterator's
 * node, are ours, lent until the next call; streams and iterators hold a
 * reference on the storage.  Nodes passed to us are borrowed. */
#include "virtuoso_storage.h"
#include "kouan/kouan.h"
#include "util/strbuf.h"
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define XSD_STRING "http://www.w3.org/2001/XMLSchema#string"
#define BATCH_TRIPLES 1000


typedef struct vstore {
    librdf_world   *world;
    librdf_storage *storage;       /* ours */
    librdf_storage *inner;         /* Redland's virtuoso storage */
    librdf_model   *inner_model;
    char           *prefix;        /* kouan's graphs: IRIs starting so */
    kouan_strbuf            batch;         /* triples waiting for INSERT DATA */
    size_t          batch_n;
    librdf_node    *batch_ctx;
    int             failed;        /* a batch was refused */
} vstore;

/* ---- SPARQL text ------------------------------------------------------------ */

static void sp_iri(kouan_strbuf *b, const char *iri)
{
    kouan_strbuf_put(b, "<", 1);
    for (const unsigned char *p = (const unsigned char *)iri; *p; p++) {
        if (*p <= 0x20 || strchr("<>\"{}|^`\\", *p)) {
            char esc[12];
            snprintf(esc, sizeof esc, "%%%02X", *p);   /* not allowed in an IRIREF */
            kouan_strbuf_puts(b, esc);
        } else kouan_strbuf_put(b, (const char *)p, 1);
    }
    kouan_strbuf_put(b, ">", 1);
}

static void sp_string(kouan_strbuf *b, const char *v)
{
    kouan_strbuf_put(b, "\"", 1);
    for (const unsigned char *p = (const unsigned char *)v; p && *p; p++) {
        switch (*p) {
        case '"':  kouan_strbuf_puts(b, "\\\""); break;
        case '\\': kouan_strbuf_puts(b, "\\\\"); break;
        case '\n': kouan_strbuf_puts(b, "\\n"); break;
        case '\r': kouan_strbuf_puts(b, "\\r"); break;
        case '\t': kouan_strbuf_puts(b, "\\t"); break;
        default:
            if (*p < 0x20) {
                char esc[12];
                snprintf(esc, sizeof esc, "\\u%04X", *p);
                kouan_strbuf_puts(b, esc);
            } else kouan_strbuf_put(b, (const char *)p, 1);
        }
    }
    kouan_strbuf_put(b, "\"", 1);
}

/* node as a SPARQL term; a blank node as Virtuoso names it */
static void sp_term(kouan_strbuf *b, librdf_node *n)
{
    if (librdf_node_is_resource(n)) {
        sp_iri(b, (const char *)librdf_uri_as_string(librdf_node_get_uri(n)));
    } else if (librdf_node_is_blank(n)) {
        kouan_strbuf_puts(b, "<nodeID://");
        kouan_strbuf_puts(b, (const char *)librdf_node_get_blank_identifier(n));
        kouan_strbuf_puts(b, ">");
    } else {
        sp_string(b, (const char *)librdf_node_get_literal_value(n));
        const char *lang = librdf_node_get_literal_value_language(n);
        librdf_uri *dt = librdf_node_get_literal_value_datatype_uri(n);
        if (lang && *lang) { kouan_strbuf_put(b, "@", 1); kouan_strbuf_puts(b, lang); }
        else if (dt) { kouan_strbuf_puts(b, "^^"); sp_iri(b, (const char *)librdf_uri_as_string(dt)); }
    }
}

/* ---- running SPARQL on the server ---------------------------------------------- */

/* Runs text; *q and the results are the caller's (free both), NULL when
 * Virtuoso refused it (the reason went to the world's logger). */
static librdf_query_results *run(vstore *v, const char *text, librdf_query **q)
{
    *q = librdf_new_query(v->world, "vsparql", NULL, (const unsigned char *)text, NULL);
    if (!*q) return NULL;
    librdf_query_results *r = librdf_model_query_execute(v->inner_model, *q);
    if (!r) { librdf_free_query(*q); *q = NULL; }
    return r;
}

static void done(librdf_query *q, librdf_query_results *r)
{
    if (r) librdf_free_query_results(r);
    if (q) librdf_free_query(q);
}

static int flush(vstore *v)
{
    if (!v->batch_n) return v->failed;
    kouan_strbuf b = {0};
    kouan_strbuf_puts(&b, "INSERT DATA { GRAPH ");
    sp_term(&b, v->batch_ctx);
    kouan_strbuf_puts(&b, " {\n");
    kouan_strbuf_put(&b, v->batch.s, v->batch.len);
    kouan_strbuf_puts(&b, "} }");
    librdf_query *q = NULL;
    librdf_query_results *r = b.oom || v->batch.oom ? NULL : run(v, b.s, &q);
    if (!r) v->failed = 1;
    done(q, r);
    free(b.s);
    kouan_strbuf_clear(&v->batch);
    v->batch_n = 0;
    return v->failed;
}

/* An integer column (isIRI …) as 0/1. */
static int flag_of(librdf_node *n)
{
    const unsigned char *s = n && librdf_node_is_literal(n) ? librdf_node_get_literal_value(n) : NULL;
    return s && atoi((const char *)s) != 0;
}

static const char *text_of(librdf_node *n)
{
    if (!n) return NULL;
    if (librdf_node_is_literal(n)) return (const char *)librdf_node_get_literal_value(n);
    if (librdf_node_is_resource(n)) return (const char *)librdf_uri_as_string(librdf_node_get_uri(n));
    return (const char *)librdf_node_get_blank_identifier(n);
}

/* A subject, predicate or graph column: IRIs come back as IRIs, blank nodes
 * as nodeID:// strings or blank nodes. */
static librdf_node *resource_of(vstore *v, librdf_node *n)
{
    if (!n) return NULL;
    const char *t = text_of(n);
    if (librdf_node_is_literal(n) || (t && !strncmp(t, "nodeID://", 9))) {
        if (t && !strncmp(t, "nodeID://", 9)) t += 9;
        else if (t && !strncmp(t, "_:", 2)) t += 2;
        librdf_node *b = librdf_new_node_from_blank_identifier(v->world, (const unsigned char *)t);
        librdf_free_node(n);
        return b;
    }
    return n;
}

/* The object from its five columns (is IRI, is blank, STR, LANG,
 * STR(DATATYPE)); frees them. */
static librdf_node *object_of(vstore *v, librdf_node **c)
{
    librdf_node *o = NULL;
    const char *lex = text_of(c[2]) ? text_of(c[2]) : "";
    if (flag_of(c[0])) {
        o = librdf_new_node_from_uri_string(v->world, (const unsigned char *)lex);
    } else if (flag_of(c[1])) {
        const char *id = !strncmp(lex, "nodeID://", 9) ? lex + 9 : !strncmp(lex, "_:", 2) ? lex + 2 : lex;
        o = librdf_new_node_from_blank_identifier(v->world, (const unsigned char *)id);
    } else {
        const char *lang = text_of(c[3]);
        const char *dt = text_of(c[4]);
        if (lang && !*lang) lang = NULL;
        if (lang || (dt && !strcmp(dt, XSD_STRING))) dt = NULL;
        librdf_uri *u = dt && *dt ? librdf_new_uri(v->world, (const unsigned char *)dt) : NULL;
        o = librdf_new_node_from_typed_literal(v->world, (const unsigned char *)lex, lang, u);
        if (u) librdf_free_uri(u);
    }
    for (int i = 0; i < 5; i++) if (c[i]) librdf_free_node(c[i]);
    return o;
}

static const char OBJ_COLS[] =
    "(isIRI(?o) AS ?oi) (isBlank(?o) AS ?ob) (STR(?o) AS ?ol) (LANG(?o) AS ?lg) "
    "(STR(DATATYPE(?o)) AS ?dt)";

static void filter_graphs(vstore *v, kouan_strbuf *b)
{
    kouan_strbuf_puts(b, " FILTER(STRSTARTS(STR(?g), ");
    sp_string(b, v->prefix);
    kouan_strbuf_puts(b, "))");
}

/* ---- statement streams ------------------------------------------------------------ */

typedef struct vstream {
    vstore               *v;
    librdf_query         *q;
    librdf_query_results *r;
    librdf_statement     *st;          /* current, ours */
    librdf_node          *ctx;         /* current graph, ours */
    librdf_node          *bs, *bp, *bo, *bctx;   /* bound parts (copies) */
    int                   with_g;      /* ?g is the first column */
    int                   end;
} vstream;

static int vs_read(vstream *s)
{
    if (s->st) { librdf_free_statement(s->st); s->st = NULL; }
    if (s->ctx) { librdf_free_node(s->ctx); s->ctx = NULL; }
    if (!s->r || librdf_query_results_finished(s->r)) { s->end = 1; return 1; }
    int col = 0;
    librdf_world *w = s->v->world;
    if (s->with_g) s->ctx = resource_of(s->v, librdf_query_results_get_binding_value(s->r, col++));
    else if (s->bctx) s->ctx = librdf_new_node_from_node(s->bctx);
    librdf_node *sn = s->bs ? librdf_new_node_from_node(s->bs)
                            : resource_of(s->v, librdf_query_results_get_binding_value(s->r, col++));
    librdf_node *pn = s->bp ? librdf_new_node_from_node(s->bp)
                            : resource_of(s->v, librdf_query_results_get_binding_value(s->r, col++));
    librdf_node *on;
    if (s->bo) {
        on = librdf_new_node_from_node(s->bo);
    } else {
        librdf_node *c[5];
        for (int i = 0; i < 5; i++) c[i] = librdf_query_results_get_binding_value(s->r, col++);
        on = object_of(s->v, c);
    }
    if (!sn || !pn || !on) {
        if (sn) librdf_free_node(sn);
        if (pn) librdf_free_node(pn);
        if (on) librdf_free_node(on);
        s->end = 1;
        return 1;
    }
    s->st = librdf_new_statement_from_nodes(w, sn, pn, on);
    if (!s->st) { s->end = 1; return 1; }
    return 0;
}

static int vs_end(void *c) { return ((vstream *)c)->end; }

static int vs_next(void *c)
{
    vstream *s = c;
    if (s->end) return 1;
    librdf_query_results_next(s->r);
    return vs_read(s);
}

static void *vs_get(void *c, int flags)
{
    vstream *s = c;
    if (flags == LIBRDF_ITERATOR_GET_METHOD_GET_OBJECT) return s->st;
    if (flags == LIBRDF_ITERATOR_GET_METHOD_GET_CONTEXT) return s->ctx;
    return NULL;
}

static void vs_finished(void *c)
{
    vstream *s = c;
    if (s->st) librdf_free_statement(s->st);
    if (s->ctx) librdf_free_node(s->ctx);
    if (s->bs) librdf_free_node(s->bs);
    if (s->bp) librdf_free_node(s->bp);
    if (s->bo) librdf_free_node(s->bo);
    if (s->bctx) librdf_free_node(s->bctx);
    done(s->q, s->r);
    librdf_storage_remove_reference(s->v->storage);
    free(s);
}

/* Statements matching pattern (NULL: all) in graph ctx, or in every kouan
 * graph: with_g gives each quad with its graph, else each triple once. */
static librdf_stream *find(vstore *v, librdf_statement *pattern, librdf_node *ctx, int with_g)
{
    flush(v);                  /* reads see what was added */
    vstream *s = calloc(1, sizeof *s);
    if (!s) return NULL;
    s->v = v;
    librdf_storage_add_reference(v->storage);
    librdf_node *ps = pattern ? librdf_statement_get_subject(pattern) : NULL;
    librdf_node *pp = pattern ? librdf_statement_get_predicate(pattern) : NULL;
    librdf_node *po = pattern ? librdf_statement_get_object(pattern) : NULL;
    if (ps) s->bs = librdf_new_node_from_node(ps);
    if (pp) s->bp = librdf_new_node_from_node(pp);
    if (po) s->bo = librdf_new_node_from_node(po);
    if (ctx) s->bctx = librdf_new_node_from_node(ctx);
    s->with_g = !ctx && with_g;
    kouan_strbuf b = {0};
    kouan_strbuf_puts(&b, ctx || s->with_g ? "SELECT " : "SELECT DISTINCT ");
    if (s->with_g) kouan_strbuf_puts(&b, "?g ");
    if (!ps) kouan_strbuf_puts(&b, "?s ");
    if (!pp) kouan_strbuf_puts(&b, "?p ");
    if (!po) kouan_strbuf_puts(&b, OBJ_COLS);
    if (ps && pp && po) kouan_strbuf_puts(&b, "(1 AS ?one)");
    kouan_strbuf_puts(&b, " WHERE { GRAPH ");
    if (ctx) sp_term(&b, ctx); else kouan_strbuf_puts(&b, "?g");
    kouan_strbuf_puts(&b, " { ");
    if (ps) sp_term(&b, ps); else kouan_strbuf_puts(&b, "?s");
    kouan_strbuf_put(&b, " ", 1);
    if (pp) sp_term(&b, pp); else kouan_strbuf_puts(&b, "?p");
    kouan_strbuf_put(&b, " ", 1);
    if (po) sp_term(&b, po); else kouan_strbuf_puts(&b, "?o");
    kouan_strbuf_puts(&b, " }");
    if (!ctx) filter_graphs(v, &b);
    kouan_strbuf_puts(&b, " }");
    if (ps && pp && po && !s->with_g) kouan_strbuf_puts(&b, " LIMIT 1");
    s->r = b.oom ? NULL : run(v, b.s, &s->q);
    free(b.s);
    if (!s->r) s->end = 1;
    else vs_read(s);
    librdf_stream *st = librdf_new_stream(v->world, s, vs_end, vs_next, vs_get, vs_finished);
    if (!st) vs_finished(s);
    return st;
}

/* ---- the factory -------------------------------------------------------------------- */

/* Redland's storage module registers the storage but not its "vsparql"
 * query engine; the module exports the function that does. */
static int register_vsparql(librdf_world *w)
{
    const char *name;
    /* deprecated for librdf_query_language_get_description, which lists
       Rasqal's languages only (librdf's rdf_query.c): librdf's own query
       factories, vsparql among them, are listed by this call alone */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
    for (unsigned i = 0; !librdf_query_languages_enumerate(w, i, &name, NULL); i++)
        if (!strcmp(name, "vsparql")) return 0;
#pragma GCC diagnostic pop
    void *h = dlopen("librdf_storage_virtuoso.so", RTLD_NOW | RTLD_NOLOAD);
    if (!h) h = dlopen(KOUAN_REDLAND_MODULE_DIR "/librdf_storage_virtuoso.so", RTLD_NOW | RTLD_NOLOAD);
    void (*init)(librdf_world *) = h ? (void (*)(librdf_world *))dlsym(h, "librdf_init_query_virtuoso") : NULL;
    if (!init) {
        librdf_log(w, 0, LIBRDF_LOG_ERROR, LIBRDF_FROM_STORAGE, NULL,
                   "Redland's virtuoso storage module (librdf-storage-virtuoso) has no "
                   "librdf_init_query_virtuoso: cannot run SPARQL on the server");
        if (h) dlclose(h);
        return -1;
    }
    init(w);
    dlclose(h);          /* RTLD_NOLOAD took one more reference */
    return 0;
}

static char *opt(librdf_hash *o, const char *key)
{
    return o ? librdf_hash_get_del(o, key) : NULL;
}

static int v_init(librdf_storage *storage, const char *name, librdf_hash *options)
{
    vstore *v = calloc(1, sizeof *v);
    if (!v) { if (options) librdf_free_hash(options); return 1; }
    librdf_storage_set_instance(storage, v);
    v->storage = storage;
    v->world = librdf_storage_get_world(storage);
    static const char *const keys[] = { "dsn", "user", "password", "host", "database", "charset", NULL };
    kouan_strbuf inner = {0};
    for (size_t i = 0; keys[i]; i++) {
        char *val = opt(options, keys[i]);
        if (!val) continue;
        if (inner.len) kouan_strbuf_put(&inner, ",", 1);
        kouan_strbuf_puts(&inner, keys[i]);
        kouan_strbuf_puts(&inner, "='");
        kouan_strbuf_puts(&inner, val);
        kouan_strbuf_puts(&inner, "'");
        free(val);
    }
    char *prefix = opt(options, "graphs");
    v->prefix = strdup(prefix ? prefix : KOUAN_NS_DOC);
    free(prefix);
    if (options) librdf_free_hash(options);
    int rc = 1;
    if (!inner.oom && v->prefix &&
        (v->inner = librdf_new_storage(v->world, "virtuoso", "kouan", inner.s ? inner.s : "")) &&
        (v->inner_model = librdf_new_model(v->world, v->inner, NULL)) &&
        register_vsparql(v->world) == 0 &&
        /* connect now, through the storage's own size (it survives a failed
           connection; a vsparql query without one crashes in Redland) */
        librdf_storage_size(v->inner) >= 0)
        rc = 0;
    free(inner.s);
    return rc;
}

static void v_terminate(librdf_storage *storage)
{
    vstore *v = librdf_storage_get_instance(storage);
    if (!v) return;
    flush(v);
    if (v->batch_ctx) librdf_free_node(v->batch_ctx);
    if (v->inner_model) librdf_free_model(v->inner_model);
    if (v->inner) librdf_free_storage(v->inner);
    free(v->batch.s);
    free(v->prefix);
    free(v);
}

static int v_open(librdf_storage *storage, librdf_model *model) { return 0; }

static int v_close(librdf_storage *storage)
{
    return flush(librdf_storage_get_instance(storage));
}

static int v_sync(librdf_storage *storage)
{
    vstore *v = librdf_storage_get_instance(storage);
    int rc = flush(v);
    v->failed = 0;
    return rc;
}

static int v_size(librdf_storage *storage)
{
    vstore *v = librdf_storage_get_instance(storage);
    flush(v);
    kouan_strbuf b = {0};
    kouan_strbuf_puts(&b, "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o }");
    filter_graphs(v, &b);
    kouan_strbuf_puts(&b, " }");
    librdf_query *q = NULL;
    librdf_query_results *r = b.oom ? NULL : run(v, b.s, &q);
    free(b.s);
    int n = -1;
    librdf_node *c = r && !librdf_query_results_finished(r)
                     ? librdf_query_results_get_binding_value(r, 0) : NULL;
    if (c) { n = atoi(text_of(c) ? text_of(c) : "-1"); librdf_free_node(c); }
    done(q, r);
    return n;
}

static int v_context_add_statement(librdf_storage *storage, librdf_node *ctx,
                                   librdf_statement *st)
{
    vstore *v = librdf_storage_get_instance(storage);
    if (!ctx) {
        librdf_log(v->world, 0, LIBRDF_LOG_ERROR, LIBRDF_FROM_STORAGE, NULL,
                   "kouan's Virtuoso store keeps statements in named graphs only");
        return 1;
    }
    if (v->batch_n && (v->batch_n >= BATCH_TRIPLES || !librdf_node_equals(v->batch_ctx, ctx)))
        if (flush(v)) return 1;
    if (!v->batch_n) {
        if (v->batch_ctx) librdf_free_node(v->batch_ctx);
        v->batch_ctx = librdf_new_node_from_node(ctx);
    }
    sp_term(&v->batch, librdf_statement_get_subject(st));
    kouan_strbuf_put(&v->batch, " ", 1);
    sp_term(&v->batch, librdf_statement_get_predicate(st));
    kouan_strbuf_put(&v->batch, " ", 1);
    sp_term(&v->batch, librdf_statement_get_object(st));
    kouan_strbuf_puts(&v->batch, " .\n");
    v->batch_n++;
    return v->batch.oom;
}

static int v_add_statement(librdf_storage *storage, librdf_statement *st)
{
    return v_context_add_statement(storage, NULL, st);
}

static int v_add_statements(librdf_storage *storage, librdf_stream *in)
{
    return v_context_add_statement(storage, NULL, NULL);
}

static int update(vstore *v, kouan_strbuf *b)
{
    if (flush(v)) return 1;
    librdf_query *q = NULL;
    librdf_query_results *r = b->oom ? NULL : run(v, b->s, &q);
    int rc = r ? 0 : 1;
    done(q, r);
    free(b->s);
    return rc;
}

static int v_context_remove_statement(librdf_storage *storage, librdf_node *ctx,
                                      librdf_statement *st)
{
    vstore *v = librdf_storage_get_instance(storage);
    kouan_strbuf b = {0};
    kouan_strbuf_puts(&b, "DELETE DATA { GRAPH ");
    if (ctx) sp_term(&b, ctx); else kouan_strbuf_puts(&b, "<kouan>");
    kouan_strbuf_puts(&b, " { ");
    sp_term(&b, librdf_statement_get_subject(st));
    kouan_strbuf_put(&b, " ", 1);
    sp_term(&b, librdf_statement_get_predicate(st));
    kouan_strbuf_put(&b, " ", 1);
    sp_term(&b, librdf_statement_get_object(st));
    kouan_strbuf_puts(&b, " } }");
    return update(v, &b);
}

static int v_remove_statement(librdf_storage *storage, librdf_statement *st)
{
    return v_context_remove_statement(storage, NULL, st);
}

static int v_context_remove_statements(librdf_storage *storage, librdf_node *ctx)
{
    vstore *v = librdf_storage_get_instance(storage);
    if (!ctx) return 1;
    kouan_strbuf b = {0};
    kouan_strbuf_puts(&b, "CLEAR GRAPH ");
    sp_term(&b, ctx);
    return update(v, &b);
}

static int v_contains_statement(librdf_storage *storage, librdf_statement *st)
{
    librdf_stream *s = find(librdf_storage_get_instance(storage), st, NULL, 0);
    int yes = s && !librdf_stream_end(s);
    if (s) librdf_free_stream(s);
    return yes;
}

static librdf_stream *v_serialise(librdf_storage *storage)
{
    return find(librdf_storage_get_instance(storage), NULL, NULL, 1);
}

static librdf_stream *v_find_statements(librdf_storage *storage, librdf_statement *st)
{
    return find(librdf_storage_get_instance(storage), st, NULL, 0);
}

static librdf_stream *v_context_serialise(librdf_storage *storage, librdf_node *ctx)
{
    return find(librdf_storage_get_instance(storage), NULL, ctx, 0);
}

static librdf_stream *v_find_in_context(librdf_storage *storage, librdf_statement *st,
                                        librdf_node *ctx)
{
    return find(librdf_storage_get_instance(storage), st, ctx, 0);
}

/* ---- graphs ------------------------------------------------------------------------- */

typedef struct viter {
    vstore               *v;
    librdf_query         *q;
    librdf_query_results *r;
    librdf_node          *cur;
} viter;

static int vi_read(viter *it)
{
    if (it->cur) { librdf_free_node(it->cur); it->cur = NULL; }
    if (!it->r || librdf_query_results_finished(it->r)) return 1;
    it->cur = resource_of(it->v, librdf_query_results_get_binding_value(it->r, 0));
    return it->cur ? 0 : 1;
}
static int vi_end(void *c) { return ((viter *)c)->cur == NULL; }
static int vi_next(void *c)
{
    viter *it = c;
    if (!it->cur) return 1;
    librdf_query_results_next(it->r);
    return vi_read(it);
}
static void *vi_get(void *c, int flags) { return ((viter *)c)->cur; }
static void vi_finished(void *c)
{
    viter *it = c;
    if (it->cur) librdf_free_node(it->cur);
    done(it->q, it->r);
    librdf_storage_remove_reference(it->v->storage);
    free(it);
}

static librdf_iterator *v_get_contexts(librdf_storage *storage)
{
    vstore *v = librdf_storage_get_instance(storage);
    flush(v);
    viter *it = calloc(1, sizeof *it);
    if (!it) return NULL;
    it->v = v;
    librdf_storage_add_reference(storage);
    kouan_strbuf b = {0};
    kouan_strbuf_puts(&b, "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o }");
    filter_graphs(v, &b);
    kouan_strbuf_puts(&b, " } ORDER BY ?g");
    it->r = b.oom ? NULL : run(v, b.s, &it->q);
    free(b.s);
    vi_read(it);
    librdf_iterator *i = librdf_new_iterator(v->world, it, vi_end, vi_next, vi_get, vi_finished);
    if (!i) vi_finished(it);
    return i;
}

static librdf_node *v_get_feature(librdf_storage *storage, librdf_uri *feature)
{
    const char *u = feature ? (const char *)librdf_uri_as_string(feature) : NULL;
    if (u && !strcmp(u, LIBRDF_MODEL_FEATURE_CONTEXTS))
        return librdf_new_node_from_typed_literal(librdf_storage_get_world(storage),
                                                  (const unsigned char *)"1", NULL, NULL);
    return NULL;
}

static void v_register(librdf_storage_factory *f)
{
    f->version = LIBRDF_STORAGE_INTERFACE_VERSION;
    f->init = v_init;
    f->terminate = v_terminate;
    f->open = v_open;
    f->close = v_close;
    f->size = v_size;
    f->add_statement = v_add_statement;
    f->add_statements = v_add_statements;
    f->remove_statement = v_remove_statement;
    f->contains_statement = v_contains_statement;
    f->serialise = v_serialise;
    f->find_statements = v_find_statements;
    f->context_add_statement = v_context_add_statement;
    f->context_remove_statement = v_context_remove_statement;
    f->context_remove_statements = v_context_remove_statements;
    f->context_serialise = v_context_serialise;
    f->find_statements_in_context = v_find_in_context;
    f->sync = v_sync;
    f->get_contexts = v_get_contexts;
    f->get_feature = v_get_feature;
}

int kouan_virtuoso_register(librdf_world *world)
{
    const char *name;
    for (unsigned i = 0; librdf_storage_enumerate(world, i, &name, NULL) == 0; i++)
        if (strcmp(name, KOUAN_VIRTUOSO_STORAGE_NAME) == 0) return 0;
    return librdf_storage_register_factory(world, KOUAN_VIRTUOSO_STORAGE_NAME,
                                           "kouan's document graphs on a Virtuoso server",
                                           v_register);
}
