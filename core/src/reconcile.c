/* reconcile.c — names across documents: what the store's documents teach
 * (learn.h), and bringing every document in line with it after documents
 * were added or removed.
 *
 * Each document's graph lists the port names it uses as the fixed
 * resolution reads them (kouan:namesPort).  From those, the places and the
 * official names of every graph, the ports a document's names should be
 * follow (kouan_names_alias); a graph whose Port entities are not exactly
 * those was resolved against another set of documents, and is extracted
 * again from its file.  Rounds repeat until no graph changes (a
 * re-extraction can change an official name's port), at most MAX_ROUNDS.
 * kouan_extract_batch's names pass (kouan_names_read) gives a batch's
 * documents the batch's names before they are extracted, so after a batch
 * this mostly finds the documents stored before it that the batch renames. */
#include "session.h"
#include "util/error.h"
#include "util/strmap.h"
#include "store/lmdb_storage.h"

#include <stdlib.h>
#include <string.h>

#define RDF  "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
#define RDFS "http://www.w3.org/2000/01/rdf-schema#"
#define DCT  "http://purl.org/dc/terms/"
#define KO   KOUAN_NS_ONTOLOGY
#define MAX_ROUNDS 4
#define SAY_MAX    3     /* documents left out of line named one by one */

/* Calls cb on every statement matching (s, p, o) (NULL: any; strings are
 * IRIs) in ctx, or in the merged view when ctx is NULL.  Stops at cb's
 * first non-zero return, which it returns. */
typedef int (*stmt_cb)(librdf_statement *st, void *user);
static int each(kouan *k, librdf_node *ctx, const char *s, const char *p,
                const char *o, stmt_cb cb, void *user)
{
    librdf_world *w = k->world;
    librdf_node *ns = s ? librdf_new_node_from_uri_string(w, (const unsigned char *)s) : NULL;
    librdf_node *np = p ? librdf_new_node_from_uri_string(w, (const unsigned char *)p) : NULL;
    librdf_node *no = o ? librdf_new_node_from_uri_string(w, (const unsigned char *)o) : NULL;
    if ((s && !ns) || (p && !np) || (o && !no)) {
        if (ns) librdf_free_node(ns);
        if (np) librdf_free_node(np);
        if (no) librdf_free_node(no);
        return KOUAN_ENOMEM;
    }
    librdf_statement *pat = librdf_new_statement_from_nodes(w, ns, np, no);  /* owns them */
    if (!pat) return KOUAN_ENOMEM;
    librdf_model *m = kouan_store_model(k->store);
    librdf_stream *st = ctx ? librdf_model_find_statements_in_context(m, pat, ctx)
                            : librdf_model_find_statements(m, pat);
    int rc = KOUAN_OK;
    for (; st && !librdf_stream_end(st) && !rc; librdf_stream_next(st))
        rc = cb(librdf_stream_get_object(st), user);
    if (st) librdf_free_stream(st);
    librdf_free_statement(pat);
    return rc;
}

static const char *literal(librdf_node *n)
{
    return n && librdf_node_is_literal(n) ? (const char *)librdf_node_get_literal_value(n) : NULL;
}

static const char *iri(librdf_node *n)
{
    return n && librdf_node_is_resource(n)
        ? (const char *)librdf_uri_as_string(librdf_node_get_uri(n)) : NULL;
}

/* ---- what the store teaches ----------------------------------------------------- */

typedef struct loading { kouan *k; kouan_names *n; } loading;

static int port_name(librdf_statement *st, void *user)
{
    loading *l = user;
    const char *v = literal(librdf_statement_get_object(st));
    return v ? kouan_names_add_port(l->n, v) : KOUAN_OK;
}

/* Each distinct literal object of predicate p's triples, through
 * kouan:DIR's index: kouan_names_add_port with it.  A store's port names
 * (kouan:namesPort, ~100 a document) went through Redland a statement at
 * a time, a node each: 2.5 s of a 200 MB store's 3.6 s of reconciling.
 * Here each distinct object is decoded once.  KOUAN_OK, KOUAN_ENOMEM, or
 * -1 when the store is not kouan:DIR or cannot be read so (then `each`:
 * adding a name twice changes nothing). */
typedef struct lit_buf { loading *l; int rc; } lit_buf;

static void *add_port_term(void *ud, const kouan_lmdb_term *t)
{
    lit_buf *b = ud;
    if (t->kind != 'L') return b;
    char small[512], *v = t->len < sizeof small ? small : malloc(t->len + 1);
    if (!v) { b->rc = KOUAN_ENOMEM; return b; }
    memcpy(v, t->value, t->len);
    v[t->len] = '\0';
    b->rc = kouan_names_add_port(b->l->n, v);
    if (v != small) free(v);
    return b;
}

static uint64_t node_id_of(librdf_storage *st, librdf_world *w, const char *iri_s);

static int cmp_id(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

static int port_names_fast(kouan *k, const char *p, loading *l)
{
    librdf_storage *st = librdf_model_get_storage(kouan_store_model(k->store));
    if (!st || !kouan_lmdb_is_ours(st)) return -1;
    uint64_t pid = node_id_of(st, k->world, p);
    if (!pid) return -1;                 /* not a term (no names), or unread: `each` says */
    uint64_t q[4] = { 0, pid, 0, 0 }, quad[4];
    kouan_lmdb_match *m = kouan_lmdb_match_open(st, q, 0);
    if (!m) return -1;
    /* the objects' ids, sorted: each distinct one decoded once */
    size_t n = 0, cap = 0;
    uint64_t *ids = NULL;
    lit_buf b = { l, KOUAN_OK };
    while (kouan_lmdb_match_next(m, quad)) {
        if (n == cap) {
            uint64_t *more = realloc(ids, (cap = cap ? 2 * cap : 4096) * sizeof *ids);
            if (!more) { b.rc = KOUAN_ENOMEM; break; }
            ids = more;
        }
        ids[n++] = quad[2];
    }
    kouan_lmdb_match_close(m);
    if (!b.rc) qsort(ids, n, sizeof *ids, cmp_id);
    for (size_t i = 0; i < n && !b.rc; i++)
        if ((i == 0 || ids[i] != ids[i - 1]) &&
            !kouan_lmdb_term_with(st, ids[i], add_port_term, &b) && !b.rc)
            b.rc = -1;
    free(ids);
    return b.rc;
}

/* The rdfs:label literals of node n, each through cb. */
static int each_label(kouan *k, librdf_node *n, int (*cb)(loading *, const char *, void *),
                      loading *l, void *extra)
{
    librdf_node *p = librdf_new_node_from_uri_string(k->world, (const unsigned char *)RDFS "label");
    if (!p) return KOUAN_ENOMEM;
    librdf_iterator *it = librdf_model_get_targets(kouan_store_model(k->store), n, p);
    int rc = KOUAN_OK;
    for (; it && !librdf_iterator_end(it) && !rc; librdf_iterator_next(it)) {
        const char *v = literal(librdf_iterator_get_object(it));
        if (v) rc = cb(l, v, extra);
    }
    if (it) librdf_free_iterator(it);
    librdf_free_node(p);
    return rc;
}

static int add_place(loading *l, const char *label, void *unused)
{
    (void)unused;
    return kouan_names_add_place(l->n, &l->k->resolver.learn, label);
}

static int place(librdf_statement *st, void *user)
{
    loading *l = user;
    return each_label(l->k, librdf_statement_get_subject(st), add_place, l, NULL);
}

static int add_official(loading *l, const char *port_label, void *official_label)
{
    return kouan_names_add_official(l->n, official_label, port_label);
}

static int official(librdf_statement *st, void *user)
{
    loading *l = user;
    const char *v = literal(librdf_statement_get_object(st)), *problem;
    kouan_resolved r;
    if (!v || kouan_resolve(&l->k->resolver, KOUAN_CLASS_PORT, v, &r, &problem) != KOUAN_OK)
        return KOUAN_OK;
    return each_label(l->k, librdf_statement_get_subject(st), add_official, l, r.label);
}

int kouan_load_store_names(kouan *k, kouan_error *err)
{
    kouan_names_free(&k->store_names);
    k->names = NULL;
    if (!k->store) return KOUAN_OK;
    const kouan_learn_rules *lr = &k->resolver.learn;
    loading l = { k, &k->store_names };
    int rc = port_names_fast(k, KO "namesPort", &l);
    if (rc == -1) rc = each(k, NULL, NULL, KO "namesPort", NULL, port_name, &l);
    for (int c = 1; c < KOUAN_N_CLASSES && !rc; c++) {
        if (!lr->place_class[c]) continue;
        char type[256];
        snprintf(type, sizeof type, "%s%s", KO, kouan_class_name((kouan_class)c));
        rc = each(k, NULL, NULL, RDF "type", type, place, &l);
    }
    if (!rc && lr->official) {
        char p[256];
        snprintf(p, sizeof p, "%s%s", KO, lr->official);
        rc = each(k, NULL, NULL, p, NULL, official, &l);
    }
    if (rc) {
        kouan_names_free(&k->store_names);
        return kouan_error_set(err, rc, "reading the names the store's documents use: out of memory");
    }
    k->names = &k->store_names;
    return KOUAN_OK;
}

/* ---- which documents are out of line ------------------------------------------- */

typedef struct checking {
    kouan        *k;
    kouan_strmap  want;       /* port IRIs the graph's names should give */
    size_t        have, extra;
    char          why[160];   /* one name that moved: "A → B" */
} checking;

static int expect(librdf_statement *st, void *user)
{
    checking *c = user;
    const char *x = literal(librdf_statement_get_object(st)), *why, *problem;
    if (!x) return KOUAN_OK;
    char to[256];
    const kouan_names *layers[1] = { c->k->names };
    kouan_names_alias(&c->k->resolver.learn, layers, 1, x, to, sizeof to, &why);
    kouan_resolved r;
    if (kouan_resolve(&c->k->resolver, KOUAN_CLASS_PORT, to, &r, &problem) != KOUAN_OK)
        return KOUAN_OK;
    const char *same = kouan_strmap_get(&c->want, r.iri);
    if (!same && kouan_strmap_put(&c->want, r.iri, (void *)1) != KOUAN_OK) return KOUAN_ENOMEM;
    if (why && !c->why[0]) snprintf(c->why, sizeof c->why, "%s → %s", x, to);
    return KOUAN_OK;
}

static int actual(librdf_statement *st, void *user)
{
    checking *c = user;
    const char *s = iri(librdf_statement_get_subject(st));
    if (!s) return KOUAN_OK;
    if (kouan_strmap_get(&c->want, s)) c->have++;
    else {
        c->extra++;
        if (!c->why[0]) {
            const char *slash = strrchr(s, '/');
            snprintf(c->why, sizeof c->why, "%s is not one of its ports any more",
                     slash ? slash + 1 : s);
        }
    }
    return KOUAN_OK;
}

/* ---- the ports of every graph at once (kouan:DIR) --------------------------------
 *
 * out_of_line asks each graph for its Port entities: through Redland, a
 * range of the graph's quads or of every graph's (rdf:type, kouan:Port)
 * quads — read again for each graph, so reconciling N documents read
 * ~N² quads or each graph whole (21 s on a 5,905-document store).  In
 * kouan's own store the (rdf:type, kouan:Port) quads of all graphs are
 * read once instead, as (graph id, port id) pairs sorted, and each graph's
 * ports are a binary search. */

typedef struct port_of { uint64_t c, s; } port_of;
typedef struct port_index {
    librdf_storage *st;        /* NULL: not kouan:DIR, or not built */
    port_of        *v;
    size_t          n;
} port_index;

static int cmp_port_of(const void *a, const void *b)
{
    const port_of *x = a, *y = b;
    if (x->c != y->c) return x->c < y->c ? -1 : 1;
    return (x->s > y->s) - (x->s < y->s);
}

static uint64_t node_id_of(librdf_storage *st, librdf_world *w, const char *iri_s)
{
    librdf_node *n = librdf_new_node_from_uri_string(w, (const unsigned char *)iri_s);
    uint64_t id = 0;
    if (!n || kouan_lmdb_node_id(st, n, &id) != 0) id = 0;
    if (n) librdf_free_node(n);
    return id;
}

/* Builds the index when the store is kouan:DIR (else leaves it empty: the
 * slow path).  0, or KOUAN_ENOMEM. */
static int ports_index(kouan *k, port_index *x)
{
    memset(x, 0, sizeof *x);
    librdf_storage *st = librdf_model_get_storage(kouan_store_model(k->store));
    if (!st || !kouan_lmdb_is_ours(st)) return KOUAN_OK;
    uint64_t q[4] = { 0, node_id_of(st, k->world, RDF "type"), node_id_of(st, k->world, KO "Port"), 0 };
    if (!q[1] || !q[2]) { x->st = st; return KOUAN_OK; }     /* no ports at all */
    kouan_lmdb_match *m = kouan_lmdb_match_open(st, q, 2);
    if (!m) return KOUAN_OK;                                 /* the slow path */
    size_t cap = 0;
    uint64_t quad[4];
    int rc = KOUAN_OK;
    while (kouan_lmdb_match_next(m, quad)) {
        if (x->n == cap) {
            cap = cap ? cap * 2 : 4096;
            port_of *v = realloc(x->v, cap * sizeof *v);
            if (!v) { rc = KOUAN_ENOMEM; break; }
            x->v = v;
        }
        x->v[x->n++] = (port_of){ quad[3], quad[0] };
    }
    kouan_lmdb_match_close(m);
    if (rc) { free(x->v); memset(x, 0, sizeof *x); return rc; }
    qsort(x->v, x->n, sizeof *x->v, cmp_port_of);
    x->st = st;
    return KOUAN_OK;
}

/* The ports of graph c: v[*lo .. *hi). */
static void ports_of(const port_index *x, uint64_t c, size_t *lo, size_t *hi)
{
    size_t a = 0, b = x->n;
    while (a < b) { size_t m = a + (b - a) / 2; if (x->v[m].c < c) a = m + 1; else b = m; }
    *lo = a;
    for (b = a; b < x->n && x->v[b].c == c; b++) {}
    *hi = b;
}

/* out_of_line through the index: 1 out of line, 0 in line, -1 cannot tell
 * (then the slow path, which also says why). */
static int out_of_line_fast(kouan *k, const port_index *x, librdf_node *ctx, const char *g)
{
    checking c = { .k = k };
    if (each(k, ctx, g, KO "namesPort", NULL, expect, &c) != KOUAN_OK) {
        kouan_strmap_free(&c.want);
        return -1;
    }
    uint64_t cid = 0;
    int off = -1;
    if (kouan_lmdb_node_id(x->st, ctx, &cid) == 0) {
        size_t lo = 0, hi = 0, have = 0;
        ports_of(x, cid, &lo, &hi);
        for (size_t i = 0; i < c.want.cap; i++) {       /* each wanted port */
            const char *w = c.want.keys ? c.want.keys[i] : NULL;
            if (!w) continue;
            uint64_t id = node_id_of(x->st, k->world, w);
            port_of key = { cid, id };
            if (id && bsearch(&key, x->v + lo, hi - lo, sizeof key, cmp_port_of)) have++;
        }
        off = have != c.want.count || hi - lo != have;
    }
    kouan_strmap_free(&c.want);
    return off;
}

/* Whether graph ctx's ports are those its names now give (1: out of line,
 * with why), 0, or a negative error. */
static int out_of_line(kouan *k, librdf_node *ctx, char *why, size_t n)
{
    checking c = { .k = k };
    const char *g = iri(ctx);
    int rc = each(k, ctx, g, KO "namesPort", NULL, expect, &c);
    if (!rc) rc = each(k, ctx, NULL, RDF "type", KO "Port", actual, &c);
    int off = !rc && (c.extra || c.have != c.want.count);
    if (off) {
        if (!c.why[0]) snprintf(c.why, sizeof c.why, "a port its names now give is missing");
        snprintf(why, n, "%s", c.why);
    }
    kouan_strmap_free(&c.want);
    return rc ? rc : off;
}

/* ---- reconciling ------------------------------------------------------------------ */

typedef struct doc_ref { char *graph, *path, *sha256, *why; } doc_ref;

static int first_literal(librdf_statement *st, void *user)
{
    char **out = user;
    const char *v = literal(librdf_statement_get_object(st));
    if (v && !*out && !(*out = strdup(v))) return KOUAN_ENOMEM;
    return KOUAN_OK;
}

/* The document graphs that are out of line, in graph order. */
static int list_out_of_line(kouan *k, doc_ref **out, size_t *n, kouan_error *err)
{
    *out = NULL;
    *n = 0;
    librdf_iterator *it = librdf_model_get_contexts(kouan_store_model(k->store));
    if (!it) return KOUAN_OK;                       /* a store without graphs */
    port_index px;
    int rc = ports_index(k, &px);
    size_t cap = 0;
    for (; !librdf_iterator_end(it) && !rc; librdf_iterator_next(it)) {
        librdf_node *ctx = librdf_iterator_get_object(it);           /* borrowed */
        const char *g = iri(ctx);
        if (!g || strncmp(g, KOUAN_NS_DOC, strlen(KOUAN_NS_DOC)) != 0) continue;
        char why[160];
        if (px.st && out_of_line_fast(k, &px, ctx, g) == 0) continue;
        int off = out_of_line(k, ctx, why, sizeof why);
        if (off < 0) { rc = off; break; }
        if (!off) continue;
        if (*n == cap) {
            cap = cap ? cap * 2 : 16;
            doc_ref *v = realloc(*out, cap * sizeof *v);
            if (!v) { rc = KOUAN_ENOMEM; break; }
            *out = v;
        }
        doc_ref *d = &(*out)[*n];
        memset(d, 0, sizeof *d);
        (*n)++;
        if (!(d->graph = strdup(g)) || !(d->why = strdup(why))) { rc = KOUAN_ENOMEM; break; }
        rc = each(k, ctx, g, DCT "source", NULL, first_literal, &d->path);
        if (!rc) rc = each(k, ctx, g, KO "sha256", NULL, first_literal, &d->sha256);
    }
    librdf_free_iterator(it);
    free(px.v);
    if (rc) return kouan_error_set(err, rc, "listing the store's documents: out of memory");
    return KOUAN_OK;
}

static void free_refs(doc_ref *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(v[i].graph); free(v[i].path); free(v[i].sha256); free(v[i].why);
    }
    free(v);
}

static void say(kouan_warn_cb warn, void *user, const char *fmt, const char *a,
                const char *b, const char *c)
{
    if (!warn) return;
    char msg[1500];
    snprintf(msg, sizeof msg, fmt, a, b ? b : "", c ? c : "");
    warn(msg, user);
}

int kouan_reconcile(kouan *k, kouan_done_cb done, kouan_warn_cb warn,
                    void *user, size_t *redone, kouan_error *err)
{
    if (redone) *redone = 0;
    if (!k->store) return kouan_error_set(err, KOUAN_ESTORE, "this session has no store");
    /* it reads every graph: after remove too, keep the map's pages bounded */
    kouan_store_limit_resident(k->store, KOUAN_WRITER_RESIDENT);
    kouan_strmap skipped = {0};        /* graphs that cannot be brought in line */
    size_t n_skipped = 0;              /* said one by one up to SAY_MAX */
    int rc = KOUAN_OK, force = k->force;
    k->force = 1;
    for (int round = 0; round < MAX_ROUNDS && !rc; round++) {
        if ((rc = kouan_load_store_names(k, err))) break;
        doc_ref *v;
        size_t n, changed = 0;
        if ((rc = list_out_of_line(k, &v, &n, err))) break;
        for (size_t i = 0; i < n && !rc; i++) {
            doc_ref *d = &v[i];
            if (kouan_strmap_get(&skipped, d->graph)) continue;
            if (!d->path) {
                if (++n_skipped <= SAY_MAX)
                    say(warn, user, "<%s>: its port names now resolve otherwise (%s), but the "
                        "store does not say which file it came from: extract it again",
                        d->graph, d->why, NULL);
                if (kouan_strmap_put(&skipped, d->graph, (void *)1)) rc = KOUAN_ENOMEM;
                continue;
            }
            kouan_extracted *x = malloc(sizeof *x);
            if (!x) { rc = kouan_error_set(err, KOUAN_ENOMEM, "out of memory"); break; }
            int xrc = kouan_extract_doc(k, d->path, x, NULL, NULL);
            if (xrc || !d->sha256 || strcmp(x->rep.sha256, d->sha256) != 0) {
                if (++n_skipped <= SAY_MAX)
                    say(warn, user, "%s: its port names now resolve otherwise (%s), but %s; "
                        "left as it was: extract it again", d->path, d->why,
                        xrc ? "it cannot be read again" : "the file changed since it was extracted");
                if (kouan_strmap_put(&skipped, d->graph, (void *)1)) rc = KOUAN_ENOMEM;
            } else {
                kouan_error werr = {0};
                int wrc = kouan_write_doc(k, x, NULL, &werr);
                x->rep.reconciled = 1;
                snprintf(x->rep.why, sizeof x->rep.why, "%s", d->why);
                if (done) done(d->path, &x->rep, wrc ? &werr : NULL, user);
                if (wrc) { *err = werr; rc = wrc; }
                else { changed++; if (redone) (*redone)++; }
            }
            kouan_extracted_free(x);
            free(x);
        }
        free_refs(v, n);
        if (!changed) break;
    }
    k->force = force;
    if (n_skipped > SAY_MAX && warn) {
        char msg[300];
        snprintf(msg, sizeof msg, "%zu documents in all are left as they were, their port "
                 "names out of line with the other documents (dcterms:source is the path as "
                 "given, relative to where each was extracted): extract them again",
                 n_skipped);
        warn(msg, user);
    }
    kouan_strmap_free(&skipped);
    return rc;
}
