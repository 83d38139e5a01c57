/* explain.c — `kouan explain` (everything known about an entity, with the
 * sentences that say it) and `kouan check` (constraints over the whole
 * graph, each violation shown with its facts and their evidence).
 *
 * Both walk the store through the model API (librdf_model_find_statements
 * with one or two terms bound, which every storage indexes) rather than
 * SPARQL: Rasqal would fill patterns in completely and scan.  The hashes
 * store returns a triple once per graph, so results are de-duplicated. */
#include "format.h"
#include "session.h"
#include "util/strmap.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RDF   "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
#define RDFS  "http://www.w3.org/2000/01/rdf-schema#"
#define SKOS  "http://www.w3.org/2004/02/skos/core#"
#define PROV  "http://www.w3.org/ns/prov#"
#define KO    KOUAN_NS_ONTOLOGY

typedef struct ctx {
    kouan        *k;
    librdf_world *w;
    librdf_model *m;
    FILE         *out;
    int           color;
} ctx;

static librdf_node *iri(ctx *c, const char *s)
{
    return librdf_new_node_from_uri_string(c->w, (const unsigned char *)s);
}

static const char *uri_of(librdf_node *n)
{
    return n && librdf_node_is_resource(n)
        ? (const char *)librdf_uri_as_string(librdf_node_get_uri(n)) : NULL;
}

/* Appends a node's identity to key (malloc'd, grown). */
static int key_node(char **key, size_t *len, librdf_node *n)
{
    const char *a = "", *b = "", *c = "";
    if (librdf_node_is_resource(n)) a = uri_of(n);
    else if (librdf_node_is_blank(n)) a = (const char *)librdf_node_get_blank_identifier(n);
    else {
        a = (const char *)librdf_node_get_literal_value(n);
        b = librdf_node_get_literal_value_language(n);
        librdf_uri *dt = librdf_node_get_literal_value_datatype_uri(n);
        c = dt ? (const char *)librdf_uri_as_string(dt) : "";
        if (!b) b = "";
    }
    size_t add = strlen(a) + strlen(b) + strlen(c) + 4;
    char *k = realloc(*key, *len + add + 1);
    if (!k) return KOUAN_ENOMEM;
    *len += (size_t)sprintf(k + *len, "%s\x1f%s\x1f%s\x1e", a, b, c);
    *key = k;
    return KOUAN_OK;
}

/* Calls fn for each distinct statement matching (s, p, o) (NULL = any);
 * the statement is borrowed for the call. */
typedef int (*stmt_fn)(ctx *c, librdf_statement *st, void *user);

static int each(ctx *c, librdf_node *s, librdf_node *p, librdf_node *o,
                stmt_fn fn, void *user)
{
    librdf_statement *pat = librdf_new_statement_from_nodes(c->w,
        s ? librdf_new_node_from_node(s) : NULL,
        p ? librdf_new_node_from_node(p) : NULL,
        o ? librdf_new_node_from_node(o) : NULL);
    if (!pat) return KOUAN_ENOMEM;
    librdf_stream *st = librdf_model_find_statements(c->m, pat);
    kouan_strmap seen = {0};
    int rc = KOUAN_OK;
    for (; st && !librdf_stream_end(st) && rc == KOUAN_OK; librdf_stream_next(st)) {
        librdf_statement *x = librdf_stream_get_object(st);
        char *key = NULL;
        size_t len = 0;
        if (key_node(&key, &len, librdf_statement_get_subject(x)) ||
            key_node(&key, &len, librdf_statement_get_predicate(x)) ||
            key_node(&key, &len, librdf_statement_get_object(x))) {
            free(key);
            rc = KOUAN_ENOMEM;
            break;
        }
        if (!kouan_strmap_get(&seen, key)) {
            rc = kouan_strmap_put(&seen, key, (void *)1);
            if (!rc) rc = fn(c, x, user);
        }
        free(key);
    }
    if (st) librdf_free_stream(st);
    librdf_free_statement(pat);
    kouan_strmap_free(&seen);
    return rc;
}

/* The first literal value of (s, p), or NULL; *buf receives it. */
static const char *literal(ctx *c, librdf_node *s, const char *p, char *buf, size_t n)
{
    librdf_node *pn = iri(c, p);
    librdf_node *o = pn ? librdf_model_get_target(c->m, s, pn) : NULL;
    const char *r = NULL;
    if (o && librdf_node_is_literal(o)) {
        snprintf(buf, n, "%s", (const char *)librdf_node_get_literal_value(o));
        r = buf;
    } else if (o && librdf_node_is_resource(o)) {
        snprintf(buf, n, "%s", uri_of(o));
        r = buf;
    }
    if (o) librdf_free_node(o);
    if (pn) librdf_free_node(pn);
    return r;
}

/* A node for people: an entity's label, a vocabulary term's local name, a
 * literal's text. */
static void show(ctx *c, librdf_node *n, char *buf, size_t sz)
{
    if (librdf_node_is_literal(n)) {
        snprintf(buf, sz, "%s", (const char *)librdf_node_get_literal_value(n));
        return;
    }
    const char *u = uri_of(n);
    if (!u) { snprintf(buf, sz, "_:%s", librdf_node_get_blank_identifier(n)); return; }
    if (strncmp(u, KO, strlen(KO)) == 0) { snprintf(buf, sz, "%s", u + strlen(KO)); return; }
    if (!literal(c, n, RDFS "label", buf, sz)) snprintf(buf, sz, "<%s>", u);
}

/* Writes the quote with every occurrence of the names highlighted (bold
 * yellow) when writing to a terminal. */
static void put_quote(ctx *c, const char *q, const char *a, const char *b)
{
    fputs("    “", c->out);
    for (const char *p = q; *p; ) {
        const char *hit = NULL;
        size_t len = 0;
        if (c->color) {
            const char *names[2] = { a, b };
            for (int i = 0; i < 2; i++)
                if (names[i] && *names[i] && strncmp(p, names[i], strlen(names[i])) == 0 &&
                    strlen(names[i]) > len) { hit = names[i]; len = strlen(names[i]); }
        }
        if (hit) {
            fprintf(c->out, "\033[1;33m%.*s\033[0m", (int)len, p);
            p += len;
        } else {
            fputc(*p == '\n' ? ' ' : *p == '\t' ? ' ' : *p, c->out);
            p++;
        }
    }
    fputs("”\n", c->out);
}

/* Evidence of the triple (s, p, o): each statement node's document, line,
 * rule and quote. */
typedef struct ev_ctx {
    librdf_node *p, *o;
    const char  *sl, *ol;   /* the names to highlight */
    int          found;
} ev_ctx;

static int on_statement_node(ctx *c, librdf_statement *st, void *user)
{
    ev_ctx *e = user;
    librdf_node *node = librdf_statement_get_subject(st);
    librdf_node *pp = iri(c, RDF "predicate"), *po = iri(c, RDF "object");
    librdf_node *gp = pp ? librdf_model_get_target(c->m, node, pp) : NULL;
    librdf_node *go = po ? librdf_model_get_target(c->m, node, po) : NULL;
    int match = gp && go && librdf_node_equals(gp, e->p) && librdf_node_equals(go, e->o);
    if (gp) librdf_free_node(gp);
    if (go) librdf_free_node(go);
    if (pp) librdf_free_node(pp);
    if (po) librdf_free_node(po);
    if (!match) return KOUAN_OK;
    char doc[600], file[300], line[32], rule[200], quote[2000];
    const char *d = literal(c, node, PROV "wasDerivedFrom", doc, sizeof doc);
    const char *f = NULL;
    if (d) {
        librdf_node *dn = iri(c, d);
        if (dn) { f = literal(c, dn, KO "fileName", file, sizeof file); librdf_free_node(dn); }
        if (!f) f = strrchr(d, '/') ? strrchr(d, '/') + 1 : d;
    }
    const char *l = literal(c, node, KO "line", line, sizeof line);
    const char *r = literal(c, node, KO "rule", rule, sizeof rule);
    fprintf(c->out, "    %s:%s  (%s)\n", f ? f : "?", l ? l : "?", r ? r : "no rule");
    if (literal(c, node, KO "quote", quote, sizeof quote))
        put_quote(c, quote, e->sl, e->ol);
    e->found++;
    return KOUAN_OK;
}

static int evidence(ctx *c, librdf_statement *t, const char *sl, const char *ol)
{
    ev_ctx e = { librdf_statement_get_predicate(t), librdf_statement_get_object(t), sl, ol, 0 };
    librdf_node *ps = iri(c, RDF "subject");
    int rc = ps ? each(c, NULL, ps, librdf_statement_get_subject(t), on_statement_node, &e)
                : KOUAN_ENOMEM;
    if (ps) librdf_free_node(ps);
    if (!rc && !e.found) fputs("    (no evidence recorded)\n", c->out);
    return rc;
}

/* ---- explain ------------------------------------------------------------------- */

typedef struct fact_row {
    char              *pred;      /* shown predicate, with ← for incoming */
    librdf_statement  *st;        /* owned copy */
} fact_row;

typedef struct rows { fact_row *v; size_t n, cap; int incoming; } rows;

static int skip_predicate(const char *p)
{
    static const char *const skip[] = { RDF "type", RDFS "label", RDF "subject",
        RDF "object", "http://www.w3.org/ns/sosa/hasFeatureOfInterest",
        "http://www.w3.org/ns/sosa/hasSimpleResult", NULL };
    for (size_t i = 0; skip[i]; i++) if (strcmp(p, skip[i]) == 0) return 1;
    return 0;
}

static int collect(ctx *c, librdf_statement *st, void *user)
{
    rows *r = user;
    const char *p = uri_of(librdf_statement_get_predicate(st));
    if (!p || skip_predicate(p)) return KOUAN_OK;
    if (r->n == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 32;
        fact_row *v = realloc(r->v, cap * sizeof *v);
        if (!v) return KOUAN_ENOMEM;
        r->v = v; r->cap = cap;
    }
    char name[300];
    const char *local = strrchr(p, '#') ? strrchr(p, '#') + 1 : strrchr(p, '/') + 1;
    snprintf(name, sizeof name, "%s%s", r->incoming ? "← " : "", local);
    r->v[r->n].pred = strdup(name);
    r->v[r->n].st = librdf_new_statement_from_statement(st);
    if (!r->v[r->n].pred || !r->v[r->n].st) return KOUAN_ENOMEM;
    r->n++;
    return KOUAN_OK;
}

static int cmp_rows(const void *a, const void *b)
{
    return strcmp(((const fact_row *)a)->pred, ((const fact_row *)b)->pred);
}

/* Everything about one entity. */
static int explain_entity(ctx *c, const char *entity_iri, const char *cls)
{
    librdf_node *e = iri(c, entity_iri);
    if (!e) return KOUAN_ENOMEM;
    char label[300];
    if (!literal(c, e, RDFS "label", label, sizeof label)) snprintf(label, sizeof label, "%s", entity_iri);
    fprintf(c->out, "%s%s%s  (%s)  <%s>\n", c->color ? "\033[1m" : "", label,
            c->color ? "\033[0m" : "", cls, entity_iri);
    rows out = {0}, in = {0};
    in.incoming = 1;
    int rc = each(c, e, NULL, NULL, collect, &out);
    if (!rc) rc = each(c, NULL, NULL, e, collect, &in);
    rows *both[2] = { &out, &in };
    for (int k = 0; k < 2 && !rc; k++) {
        if (both[k]->n)                  /* v is NULL when n is 0 */
            qsort(both[k]->v, both[k]->n, sizeof *both[k]->v, cmp_rows);
        const char *last = "";
        for (size_t i = 0; i < both[k]->n && !rc; i++) {
            fact_row *f = &both[k]->v[i];
            if (strcmp(f->pred, last) != 0) fprintf(c->out, "  %s\n", f->pred);
            last = f->pred;
            char other[600];
            librdf_node *on = k == 0 ? librdf_statement_get_object(f->st)
                                     : librdf_statement_get_subject(f->st);
            show(c, on, other, sizeof other);
            fprintf(c->out, "   %s\n", other);
            if (strstr(f->pred, "altLabel")) continue;   /* names: no sentences */
            rc = evidence(c, f->st, label, other);
        }
    }
    for (int k = 0; k < 2; k++) {
        for (size_t i = 0; i < both[k]->n; i++) {
            free(both[k]->v[i].pred);
            librdf_free_statement(both[k]->v[i].st);
        }
        free(both[k]->v);
    }
    librdf_free_node(e);
    return rc;
}

int kouan_explain(kouan *k, const char *name, FILE *out, int color,
                  size_t *found, kouan_error *err)
{
    ctx c = { k, k->world, kouan_store_model(k->store), out, color };
    *found = 0;
    int rc = KOUAN_OK;
    /* names resolve normalised (traditional → simplified), as extraction did */
    if (!k->normalizer && !(k->normalizer = kouan_normalizer_new(err)))
        return err->code ? err->code : KOUAN_EINVAL;
    k->resolver.nz = k->normalizer;
    /* and a port through what the store's documents teach: 聂拉木口岸 is
       樟木 where a document says so */
    if ((rc = kouan_load_store_names(k, err))) return rc;
    /* the name as each class would resolve it: 樟木口岸, 滿洲里 and
       西藏自治区 find their entities */
    for (int cls = KOUAN_CLASS_PORT; cls <= KOUAN_CLASS_OPEN_BORDER_CITY && !rc; cls++) {
        kouan_resolved r;
        const char *why;
        if (kouan_resolve(&k->resolver, (kouan_class)cls, name, &r, &why) != KOUAN_OK) continue;
        if (cls == KOUAN_CLASS_PORT) {
            char to[sizeof r.label];
            const kouan_names *layers[1] = { k->names };
            kouan_names_alias(&k->resolver.learn, layers, 1, r.label, to, sizeof to, &why);
            kouan_resolved m;
            const char *problem;
            if (why && kouan_resolve(&k->resolver, KOUAN_CLASS_PORT, to, &m, &problem) == KOUAN_OK)
                r = m;
        }
        librdf_node *e = iri(&c, r.iri), *t = iri(&c, RDF "type");
        char tbuf[300];
        snprintf(tbuf, sizeof tbuf, "%s%s", KO, kouan_class_name((kouan_class)cls));
        librdf_node *cn = iri(&c, tbuf);
        librdf_statement *s = e && t && cn ? librdf_new_statement_from_nodes(k->world,
                                  librdf_new_node_from_node(e), librdf_new_node_from_node(t),
                                  librdf_new_node_from_node(cn)) : NULL;
        int there = s && librdf_model_contains_statement(c.m, s);
        if (s) librdf_free_statement(s);
        if (e) librdf_free_node(e);
        if (t) librdf_free_node(t);
        if (cn) librdf_free_node(cn);
        if (!there) continue;
        if (*found) fputc('\n', out);
        (*found)++;
        rc = explain_entity(&c, r.iri, kouan_class_name((kouan_class)cls));
    }
    if (rc) {
        err->code = rc;
        snprintf(err->message, sizeof err->message, "explain: out of memory");
    }
    return rc;
}

/* ---- check ---------------------------------------------------------------------- */

typedef struct check_ctx {
    size_t      violations;
    const char *pred;        /* the functional predicate being checked */
    const char *what;        /* how to say the violation */
} check_ctx;

/* The number of distinct objects of (s, p), counting up to 3; the first two
 * are handed to *first / *second (new nodes, the caller's) when asked. */
static int node_count(ctx *c, librdf_node *s, const char *p, librdf_node **first,
                      librdf_node **second)
{
    librdf_node *pn = iri(c, p);
    librdf_iterator *it = pn ? librdf_model_get_targets(c->m, s, pn) : NULL;
    librdf_node *seen[2] = { NULL, NULL };
    int n = 0;
    for (; it && !librdf_iterator_end(it) && n < 3; librdf_iterator_next(it)) {
        librdf_node *o = librdf_iterator_get_object(it);
        if ((seen[0] && librdf_node_equals(o, seen[0])) ||
            (seen[1] && librdf_node_equals(o, seen[1]))) continue;   /* per graph */
        if (n < 2) seen[n] = librdf_new_node_from_node(o);
        n++;
    }
    if (it) librdf_free_iterator(it);
    if (pn) librdf_free_node(pn);
    if (first) *first = seen[0]; else if (seen[0]) librdf_free_node(seen[0]);
    if (second) *second = seen[1]; else if (seen[1]) librdf_free_node(seen[1]);
    return n;
}

static void violation(ctx *c, check_ctx *cc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    cc->violations++;
    fprintf(c->out, "%s✗%s ", c->color ? "\033[1;31m" : "", c->color ? "\033[0m" : "");
    vfprintf(c->out, fmt, ap);
    fputc('\n', c->out);
    va_end(ap);
}

/* Shows the fact (s p o) and its evidence. */
static int show_fact(ctx *c, librdf_node *s, const char *p, librdf_node *o)
{
    librdf_node *pn = iri(c, p);
    librdf_statement *st = pn ? librdf_new_statement_from_nodes(c->w,
        librdf_new_node_from_node(s), pn, librdf_new_node_from_node(o)) : NULL;
    if (!st) return KOUAN_ENOMEM;
    char sl[300], ol[300];
    show(c, s, sl, sizeof sl);
    show(c, o, ol, sizeof ol);
    fprintf(c->out, "  %s %s %s\n", sl, strrchr(p, '#') + 1, ol);
    int rc = evidence(c, st, sl, ol);
    librdf_free_statement(st);
    return rc;
}

/* Each subject of class cls has at most one object of pred. */
static int functional(ctx *c, librdf_statement *st, void *user)
{
    check_ctx *cc = user;
    librdf_node *s = librdf_statement_get_subject(st), *a = NULL, *b = NULL;
    int n = node_count(c, s, cc->pred, &a, &b);
    int rc = KOUAN_OK;
    if (n > 1) {
        char sl[300];
        show(c, s, sl, sizeof sl);
        violation(c, cc, "%s %s (%s%d found):", sl, cc->what, n > 2 ? "at least " : "", n);
        rc = show_fact(c, s, cc->pred, a);
        if (!rc) rc = show_fact(c, s, cc->pred, b);
    }
    if (a) librdf_free_node(a);
    if (b) librdf_free_node(b);
    return rc;
}

/* Each subject of class cls has at least one object of pred. */
static int required(ctx *c, librdf_statement *st, void *user)
{
    check_ctx *cc = user;
    librdf_node *s = librdf_statement_get_subject(st);
    if (node_count(c, s, cc->pred, NULL, NULL) > 0) return KOUAN_OK;
    char sl[300];
    show(c, s, sl, sizeof sl);
    violation(c, cc, "%s %s", sl, cc->what);
    return KOUAN_OK;
}

static int is_a(ctx *c, librdf_node *n, const char *cls)
{
    librdf_node *t = iri(c, RDF "type"), *k = iri(c, cls);
    librdf_statement *s = t && k ? librdf_new_statement_from_nodes(c->w,
        librdf_new_node_from_node(n), t, k) : NULL;
    int r = s && librdf_model_contains_statement(c->m, s);
    if (s) librdf_free_statement(s);
    else { if (t) librdf_free_node(t); if (k) librdf_free_node(k); }
    return r;
}

/* opensTo must name a Country. */
static int opens_to_country(ctx *c, librdf_statement *st, void *user)
{
    check_ctx *cc = user;
    librdf_node *o = librdf_statement_get_object(st);
    if (is_a(c, o, KO "Country")) return KOUAN_OK;
    char sl[300], ol[300];
    show(c, librdf_statement_get_subject(st), sl, sizeof sl);
    show(c, o, ol, sizeof ol);
    violation(c, cc, "%s opensTo %s, which is not a kouan:Country:", sl, ol);
    return show_fact(c, librdf_statement_get_subject(st), KO "opensTo", o);
}

/* A counterpart's country is among the port's opensTo. */
static int counterpart_country(ctx *c, librdf_statement *st, void *user)
{
    check_ctx *cc = user;
    librdf_node *p = librdf_statement_get_subject(st), *q = librdf_statement_get_object(st);
    librdf_node *cp = iri(c, KO "country"), *op = iri(c, KO "opensTo");
    librdf_node *qc = cp ? librdf_model_get_target(c->m, q, cp) : NULL;
    int rc = KOUAN_OK;
    if (qc && op && node_count(c, p, KO "opensTo", NULL, NULL) > 0) {
        librdf_statement *want = librdf_new_statement_from_nodes(c->w,
            librdf_new_node_from_node(p), librdf_new_node_from_node(op),
            librdf_new_node_from_node(qc));
        if (want && !librdf_model_contains_statement(c->m, want)) {
            char pl[300], ql[300], cl[300];
            show(c, p, pl, sizeof pl);
            show(c, q, ql, sizeof ql);
            show(c, qc, cl, sizeof cl);
            violation(c, cc, "%s faces %s, a port of %s, but does not open to %s:",
                      pl, ql, cl, cl);
            rc = show_fact(c, p, KO "counterpart", q);
            if (!rc) rc = show_fact(c, q, KO "country", qc);
        }
        if (want) librdf_free_statement(want);
    }
    if (qc) librdf_free_node(qc);
    if (cp) librdf_free_node(cp);
    if (op) librdf_free_node(op);
    return rc;
}

int kouan_check(kouan *k, FILE *out, int color, size_t *violations, kouan_error *err)
{
    ctx c = { k, k->world, kouan_store_model(k->store), out, color };
    librdf_node *type = iri(&c, RDF "type");
    struct {
        const char *cls, *pred, *what;
        stmt_fn fn;
    } rules[] = {
        { KO "Port", KO "province", "is placed in more than one province", functional },
        { KO "Province", KO "tradeZone", "belongs to more than one trade zone", functional },
        { KO "County", KO "prefecture", "belongs to no prefecture (kouan:prefecture)", required },
    };
    check_ctx cc = { 0, NULL, NULL };
    int rc = type ? KOUAN_OK : KOUAN_ENOMEM;
    for (size_t i = 0; i < sizeof rules / sizeof rules[0] && !rc; i++) {
        librdf_node *cls = iri(&c, rules[i].cls);
        cc.pred = rules[i].pred;
        cc.what = rules[i].what;
        rc = cls ? each(&c, NULL, type, cls, rules[i].fn, &cc) : KOUAN_ENOMEM;
        if (cls) librdf_free_node(cls);
    }
    librdf_node *p = NULL;
    if (!rc && (p = iri(&c, KO "opensTo"))) rc = each(&c, NULL, p, NULL, opens_to_country, &cc);
    if (p) librdf_free_node(p);
    p = NULL;
    if (!rc && (p = iri(&c, KO "counterpart"))) rc = each(&c, NULL, p, NULL, counterpart_country, &cc);
    if (p) librdf_free_node(p);
    if (type) librdf_free_node(type);
    *violations = cc.violations;
    if (rc) {
        err->code = rc;
        snprintf(err->message, sizeof err->message, "check: out of memory");
    }
    return rc;
}
