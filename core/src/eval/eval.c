/* eval.c — `kouan eval`: the store's facts against gold facts (TSV, as in
 * corpus/gold/README.md), label-level, with per-predicate and overall
 * precision, recall and F1, and the missed and spurious facts with their
 * evidence.  Owned by the eval module; reads the store through librdf
 * (read-only), never writes it.
 *
 * What is compared.
 *  - Gold: "subject<TAB>predicate<TAB>object" lines; blank lines and lines
 *    starting with '#' are skipped.  A predicate ending in '?' marks a fact
 *    that is neither required nor penalised.  Duplicate lines count once.
 *  - Scored predicates are those with at least one required gold fact; a
 *    store fact counts as extracted only when its predicate is scored, so a
 *    gold file about tables does not penalise other predicates.  For `type`
 *    only the classes the gold types anything with are counted.
 *  - An entity matches a gold label when one of its rdfs:label /
 *    skos:altLabel (or, for a vocabulary term such as kouan:Rail, its local
 *    name) equals the gold label after kouan_eval_norm_label().  An
 *    altLabel that is the rdfs:label plus a suffix (樟木口岸 for 樟木) is not
 *    a fact of its own and is not counted.
 *  - Statistics (a gold object that reads "VALUE [UNIT] [@YEAR]"): the store
 *    object may be a literal "VALUE [UNIT] [@YEAR]" (year also taken from
 *    kouan:year on the fact's statement node) or a node (an observation) with
 *    a value property (rdf:value, …numericValue, …obsValue,
 *    …hasSimpleResult) and optionally a unit and a year: see stat_of_node().
 *  - One store fact matches at most one gold fact and the other way round;
 *    a second store fact for an already matched gold fact (two entities with
 *    the same label) is spurious and marked as a duplicate.
 * The hashes store returns a triple once per graph: triples are de-duplicated
 * as they are read. */
#include "eval.h"
#include "doc/doc.h"
#include "graph/resolve.h"
#include "util/arena.h"
#include "util/error.h"
#include "util/strmap.h"
#include "session.h"

#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RDF   "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
#define RDFS  "http://www.w3.org/2000/01/rdf-schema#"
#define SKOS  "http://www.w3.org/2004/02/skos/core#"
#define PROV  "http://www.w3.org/ns/prov#"
#define KO    KOUAN_NS_ONTOLOGY

#define LIST_MAX   10    /* missed/spurious lines printed without -v */
#define NAMES_MAX  32    /* labels kept per entity when matching */
#define LABEL_MAX  256
#define QUOTE_SHOW 180   /* bytes of an evidence quote shown */

/* ---- labels and statistics ---------------------------------------------------------- */

static int ends_with(const char *s, size_t n, const char *suffix, size_t *cut)
{
    size_t m = strlen(suffix);
    if (m >= n || memcmp(s + n - m, suffix, m) != 0) return 0;
    *cut = m;
    return 1;
}

void kouan_eval_norm_label(const char *label, char *out, size_t n)
{
    if (!n) return;
    while (*label == ' ' || *label == '\t') label++;
    size_t len = strlen(label);
    while (len && (label[len - 1] == ' ' || label[len - 1] == '\t' ||
                   label[len - 1] == '\r' || label[len - 1] == '\n'))
        len--;
    if (len >= n) len = n - 1;
    memcpy(out, label, len);
    out[len] = '\0';
    /* longest first where one suffix ends another */
    static const char *const SUFFIXES[] = {
        "维吾尔族自治区", "维吾尔自治区", "壮族自治区", "回族自治区", "自治区",
        "边境贸易区", "口岸", "省", "国", NULL };
    for (;;) {
        size_t cut = 0;
        for (size_t i = 0; SUFFIXES[i]; i++)
            if (ends_with(out, len, SUFFIXES[i], &cut)) break;
        if (!cut) return;
        len -= cut;
        out[len] = '\0';
    }
}

int kouan_eval_parse_stat(const char *s, kouan_eval_stat *st)
{
    memset(st, 0, sizeof *st);
    while (*s == ' ') s++;
    const char *p = s;
    if (*p == '+' || *p == '-') p++;
    if (!isdigit((unsigned char)*p) && !(*p == '.' && isdigit((unsigned char)p[1])))
        return 0;
    char *end;
    errno = 0;
    st->value = strtod(s, &end);
    if (end == s || errno == ERANGE) return 0;
    int have_unit = 0, have_year = 0;
    for (p = end;;) {
        while (*p == ' ') p++;
        if (!*p) return 1;
        if (p == end) return 0;            /* "19abc": not a number */
        const char *w = p;
        while (*p && *p != ' ') p++;
        size_t wl = (size_t)(p - w);
        if (*w == '@') {
            if (have_year || wl != 5) return 0;
            for (size_t i = 1; i < wl; i++)
                if (!isdigit((unsigned char)w[i])) return 0;
            st->year = atoi(w + 1);
            have_year = 1;
        } else {
            if (have_unit || have_year || wl >= sizeof st->unit) return 0;
            memcpy(st->unit, w, wl);
            st->unit[wl] = '\0';
            have_unit = 1;
        }
    }
}

int kouan_eval_stat_match(const kouan_eval_stat *gold, const kouan_eval_stat *got)
{
    /* no libm: the core links without it */
    double a = gold->value < 0 ? -gold->value : gold->value;
    double b = got->value < 0 ? -got->value : got->value;
    double d = gold->value - got->value, scale = a > b ? a : b;
    if (d < 0) d = -d;
    if (d > 1e-12 * (scale > 1 ? scale : 1)) return 0;
    if (got->unit[0] && gold->unit[0] && strcmp(got->unit, gold->unit) != 0) return 0;
    if (got->year && gold->year && got->year != gold->year) return 0;
    return 1;
}

/* ---- the store's triples, de-duplicated ------------------------------------------------ */

enum { T_IRI = 'I', T_BLANK = 'B', T_LIT = 'L' };

typedef struct ev_triple {
    const char *s, *p, *o;     /* IRI, "_:id" or literal text (arena) */
    char        o_kind;
    size_t      next;          /* next triple of the same subject, + 1 */
} ev_triple;

typedef struct ev_graph {
    kouan_arena  arena;
    ev_triple   *v;
    size_t       n, cap;
    kouan_strmap seen;        /* triple key → 1 */
    kouan_strmap subjects;    /* subject → its first triple + 1 */
    kouan_strmap evidence;    /* fact key → statement node (arena) */
} ev_graph;

static void graph_free(ev_graph *g)
{
    free(g->v);
    kouan_strmap_free(&g->seen);
    kouan_strmap_free(&g->subjects);
    kouan_strmap_free(&g->evidence);
    kouan_arena_clear(&g->arena);
}

/* The node's text (borrowed from librdf or written into buf) and kind. */
static const char *node_text(librdf_node *n, char *buf, size_t len, char *kind)
{
    if (!n) { *kind = T_LIT; return ""; }
    if (librdf_node_is_resource(n)) {
        *kind = T_IRI;
        return (const char *)librdf_uri_as_string(librdf_node_get_uri(n));
    }
    if (librdf_node_is_blank(n)) {
        *kind = T_BLANK;
        snprintf(buf, len, "_:%s", (const char *)librdf_node_get_blank_identifier(n));
        return buf;
    }
    *kind = T_LIT;
    const char *v = (const char *)librdf_node_get_literal_value(n);
    return v ? v : "";
}

/* "s␟p␟Ko": one key per triple (and per fact, for evidence). */
static char *fact_key(const char *s, const char *p, char o_kind, const char *o)
{
    size_t n = strlen(s) + strlen(p) + strlen(o) + 5;
    char *k = malloc(n);
    if (k) snprintf(k, n, "%s\x1f%s\x1f%c%s", s, p, o_kind, o);
    return k;
}

static int graph_add(ev_graph *g, const char *s, const char *p, const char *o, char ok)
{
    char *key = fact_key(s, p, ok, o);
    if (!key) return KOUAN_ENOMEM;
    int rc = KOUAN_OK;
    if (kouan_strmap_get(&g->seen, key)) goto out;
    if (g->n == g->cap) {
        size_t cap = g->cap ? g->cap * 2 : 1024;
        ev_triple *v = realloc(g->v, cap * sizeof *v);
        if (!v) { rc = KOUAN_ENOMEM; goto out; }
        g->v = v;
        g->cap = cap;
    }
    ev_triple *t = &g->v[g->n];
    t->s = kouan_arena_strdup(&g->arena, s);
    t->p = kouan_arena_strdup(&g->arena, p);
    t->o = kouan_arena_strdup(&g->arena, o);
    t->o_kind = ok;
    if (!t->s || !t->p || !t->o) { rc = KOUAN_ENOMEM; goto out; }
    t->next = (size_t)(uintptr_t)kouan_strmap_get(&g->subjects, s);
    if ((rc = kouan_strmap_put(&g->seen, key, (void *)1)) == KOUAN_OK &&
        (rc = kouan_strmap_put(&g->subjects, s, (void *)(uintptr_t)(g->n + 1))) == KOUAN_OK)
        g->n++;
out:
    free(key);
    return rc;
}

static int graph_load(ev_graph *g, librdf_model *model, librdf_node *ctx)
{
    librdf_stream *st = ctx ? librdf_model_context_as_stream(model, ctx)
                            : librdf_model_as_stream(model);
    if (!st) return ctx ? KOUAN_OK : KOUAN_ESTORE;   /* no such context: empty */
    int rc = KOUAN_OK;
    char b1[256], b2[256], b3[256];
    for (; !rc && !librdf_stream_end(st); librdf_stream_next(st)) {
        librdf_statement *x = librdf_stream_get_object(st);
        char ks, kp, ko;
        const char *s = node_text(librdf_statement_get_subject(x), b1, sizeof b1, &ks);
        const char *p = node_text(librdf_statement_get_predicate(x), b2, sizeof b2, &kp);
        const char *o = node_text(librdf_statement_get_object(x), b3, sizeof b3, &ko);
        rc = graph_add(g, s, p, o, ko);
    }
    librdf_free_stream(st);
    return rc;
}

/* First object of (subject, predicate), or NULL; *kind gets its kind. */
static const char *object_of(const ev_graph *g, const char *s, const char *p, char *kind)
{
    for (size_t i = (size_t)(uintptr_t)kouan_strmap_get(&g->subjects, s); i;
         i = g->v[i - 1].next)
        if (strcmp(g->v[i - 1].p, p) == 0) {
            if (kind) *kind = g->v[i - 1].o_kind;
            return g->v[i - 1].o;
        }
    return NULL;
}

/* Maps each fact (s p o) to the first rdf:Statement node that reifies it. */
static int index_evidence(ev_graph *g)
{
    for (size_t i = 0; i < g->n; i++) {
        const ev_triple *t = &g->v[i];
        if (strcmp(t->p, RDF "subject") != 0) continue;
        char ok = T_LIT;
        const char *p = object_of(g, t->s, RDF "predicate", NULL);
        const char *o = object_of(g, t->s, RDF "object", &ok);
        if (!p || !o) continue;
        char *key = fact_key(t->o, p, ok, o);
        if (!key) return KOUAN_ENOMEM;
        int rc = KOUAN_OK;
        if (!kouan_strmap_get(&g->evidence, key))
            rc = kouan_strmap_put(&g->evidence, key, (void *)t->s);
        free(key);
        if (rc) return rc;
    }
    return KOUAN_OK;
}

static const char *evidence_of(const ev_graph *g, const char *s, const char *p,
                               char ok, const char *o)
{
    char *key = fact_key(s, p, ok, o);
    const char *node = key ? kouan_strmap_get(&g->evidence, key) : NULL;
    free(key);
    return node;
}

static const char *local_name(const char *iri)
{
    return strncmp(iri, KO, strlen(KO)) == 0 ? iri + strlen(KO) : NULL;
}

/* The normalised names of a node: labels, altLabels, and for kouan: terms
 * (kouan:Rail) the local name.  Returns how many were written. */
static size_t names_of(const ev_graph *g, const char *node, char names[][LABEL_MAX])
{
    size_t n = 0;
    const char *ln = local_name(node);
    if (ln && *ln) snprintf(names[n++], LABEL_MAX, "%s", ln);
    for (size_t i = (size_t)(uintptr_t)kouan_strmap_get(&g->subjects, node);
         i && n < NAMES_MAX; i = g->v[i - 1].next) {
        const ev_triple *t = &g->v[i - 1];
        if (t->o_kind != T_LIT ||
            (strcmp(t->p, RDFS "label") != 0 && strcmp(t->p, SKOS "altLabel") != 0))
            continue;
        kouan_eval_norm_label(t->o, names[n], LABEL_MAX);
        size_t j = 0;
        while (j < n && strcmp(names[j], names[n]) != 0) j++;
        if (j == n) n++;
    }
    return n;
}

/* The label to show for a node: its smallest rdfs:label, a kouan: local
 * name, or the node itself. */
static const char *display_of(const ev_graph *g, const char *node, char kind)
{
    if (kind == T_LIT) return node;
    const char *best = NULL;
    for (size_t i = (size_t)(uintptr_t)kouan_strmap_get(&g->subjects, node); i;
         i = g->v[i - 1].next) {
        const ev_triple *t = &g->v[i - 1];
        if (t->o_kind == T_LIT && strcmp(t->p, RDFS "label") == 0 &&
            (!best || strcmp(t->o, best) < 0))
            best = t->o;
    }
    if (best) return best;
    const char *ln = local_name(node);
    return ln && *ln ? ln : node;
}

/* A year from a literal such as "2013" or "2013-01-01"; 0 if none. */
static int year_of(const char *s)
{
    if (!s || strlen(s) < 4) return 0;
    for (int i = 0; i < 4; i++)
        if (!isdigit((unsigned char)s[i])) return 0;
    if (s[4] && s[4] != '-' && s[4] != '^') return 0;
    return atoi(s);
}

/* A statistic given as a node (an observation): its value property, and a
 * unit and a year when it states them.  Property names are matched by their
 * last segment so that kouan:, RDF Data Cube, SOSA and QUDT terms all work. */
static int stat_of_node(const ev_graph *g, const char *node, kouan_eval_stat *st)
{
    memset(st, 0, sizeof *st);
    int have = 0;
    for (size_t i = (size_t)(uintptr_t)kouan_strmap_get(&g->subjects, node); i;
         i = g->v[i - 1].next) {
        const ev_triple *t = &g->v[i - 1];
        const char *last = t->p + strlen(t->p);
        while (last > t->p && last[-1] != '#' && last[-1] != '/') last--;
        if (!have && t->o_kind == T_LIT &&
            (!strcmp(last, "value") || !strcmp(last, "numericValue") ||
             !strcmp(last, "obsValue") || !strcmp(last, "hasSimpleResult"))) {
            kouan_eval_stat v;
            if (kouan_eval_parse_stat(t->o, &v)) {
                st->value = v.value;
                if (v.unit[0] && !st->unit[0]) snprintf(st->unit, sizeof st->unit, "%s", v.unit);
                if (v.year && !st->year) st->year = v.year;
                have = 1;
            }
        } else if (!strcmp(last, "unit") || !strcmp(last, "unitMeasure") ||
                   !strcmp(last, "hasUnit")) {
            const char *u = t->o;
            if (t->o_kind != T_LIT) {
                u = t->o + strlen(t->o);
                while (u > t->o && u[-1] != '#' && u[-1] != '/') u--;
            }
            snprintf(st->unit, sizeof st->unit, "%s", u);
        } else if (!strcmp(last, "year") || !strcmp(last, "refPeriod") ||
                   !strcmp(last, "date") || !strcmp(last, "phenomenonTime")) {
            int y = year_of(t->o);
            if (!y && t->o_kind != T_LIT) {        /* reference.data.gov.uk/id/year/2013 */
                const char *e = t->o + strlen(t->o);
                while (e > t->o && e[-1] != '/' && e[-1] != '#') e--;
                y = year_of(e);
            }
            if (y) st->year = y;
        }
    }
    return have;
}

/* ---- gold facts ---------------------------------------------------------------------- */

typedef struct gold_fact {
    char           *s, *p, *o;   /* as written (p without '?'), arena */
    char           *ns, *no;     /* normalised labels */
    size_t          line, pred, next;   /* next: same (pred, ns), + 1 */
    int             optional, matched, is_stat;
    kouan_eval_stat stat;
} gold_fact;

typedef struct ev_pred {
    char   name[64];
    size_t gold, optional, extracted, correct;
} ev_pred;

typedef struct ev_gold {
    gold_fact   *v;
    size_t       n, cap, dup_lines;
    ev_pred     *preds;
    size_t       n_preds;
    kouan_strmap by_subject;   /* "pred␟ns" → first fact + 1 */
    kouan_strmap seen;         /* normalised fact → 1 */
    kouan_strmap classes;      /* classes the gold types anything with */
} ev_gold;

static void gold_free(ev_gold *gd)
{
    free(gd->v);
    free(gd->preds);
    kouan_strmap_free(&gd->by_subject);
    kouan_strmap_free(&gd->seen);
    kouan_strmap_free(&gd->classes);
}

static size_t pred_index(ev_gold *gd, const char *name, int add)
{
    for (size_t i = 0; i < gd->n_preds; i++)
        if (strcmp(gd->preds[i].name, name) == 0) return i;
    if (!add) return (size_t)-1;
    ev_pred *v = realloc(gd->preds, (gd->n_preds + 1) * sizeof *v);
    if (!v) return (size_t)-1;
    gd->preds = v;
    memset(&v[gd->n_preds], 0, sizeof *v);
    snprintf(v[gd->n_preds].name, sizeof v->name, "%s", name);
    return gd->n_preds++;
}

static char *trim(char *s)
{
    while (*s == ' ') s++;
    size_t n = strlen(s);
    while (n && s[n - 1] == ' ') s[--n] = '\0';
    return s;
}

/* Reads gold facts from f, named path in messages; f stays open. */
static int gold_read(ev_gold *gd, kouan_arena *a, FILE *f, const char *path,
                     kouan_error *err)
{
    char *line = NULL;
    size_t cap = 0, no = 0;
    ssize_t len;
    int rc = KOUAN_OK;
    static const char *const FIELD[] = { "subject", "predicate", "object" };
    while (!rc && (len = getline(&line, &cap, f)) != -1) {
        no++;
        while (len && (line[len - 1] == '\n' || line[len - 1] == '\r')) line[--len] = '\0';
        char *l = line;
        if (no == 1 && strncmp(l, "\xEF\xBB\xBF", 3) == 0) l += 3;
        const char *q = l;
        while (*q == ' ' || *q == '\t') q++;
        if (!*q || *q == '#') continue;
        char *field[3] = { 0 };
        size_t nf = 0;
        for (char *p = l;; ) {
            char *tab = strchr(p, '\t');
            if (nf < 3) field[nf] = p;
            nf++;
            if (!tab) break;
            *tab = '\0';
            p = tab + 1;
        }
        if (nf != 3) {
            rc = kouan_error_set(err, KOUAN_EINVAL,
                                 "%s:%zu: expected 3 tab-separated fields (subject, "
                                 "predicate, object), found %zu", path, no, nf);
            break;
        }
        for (int i = 0; i < 3 && !rc; i++)
            if (!*(field[i] = trim(field[i])))
                rc = kouan_error_set(err, KOUAN_EINVAL, "%s:%zu: empty %s (expected "
                                     "subject<TAB>predicate<TAB>object)", path, no, FIELD[i]);
        if (rc) break;
        int optional = 0;
        size_t pl = strlen(field[1]);
        if (field[1][pl - 1] == '?') { optional = 1; field[1][--pl] = '\0'; }
        if (!pl || pl >= sizeof gd->preds->name) {
            rc = kouan_error_set(err, KOUAN_EINVAL, "%s:%zu: expected a predicate name "
                                 "such as province or tradeZone", path, no);
            break;
        }
        gold_fact g = { 0 };
        g.line = no;
        g.optional = optional;
        char buf[LABEL_MAX];
        g.s = kouan_arena_strdup(a, field[0]);
        g.p = kouan_arena_strdup(a, field[1]);
        g.o = kouan_arena_strdup(a, field[2]);
        kouan_eval_norm_label(field[0], buf, sizeof buf);
        g.ns = kouan_arena_strdup(a, buf);
        kouan_eval_norm_label(field[2], buf, sizeof buf);
        g.no = kouan_arena_strdup(a, buf);
        g.is_stat = kouan_eval_parse_stat(field[2], &g.stat);
        if ((g.pred = pred_index(gd, g.p, 1)) == (size_t)-1 ||
            !g.s || !g.p || !g.o || !g.ns || !g.no) {
            rc = kouan_error_set(err, KOUAN_ENOMEM, "out of memory");
            break;
        }
        if (!strcmp(g.p, "type") &&
            (rc = kouan_strmap_put(&gd->classes, g.o, (void *)1)))
            break;
        /* a fact listed twice counts once; required wins over optional */
        char *key = fact_key(g.ns, g.p, 'G', g.no);
        if (!key) { rc = kouan_error_set(err, KOUAN_ENOMEM, "out of memory"); break; }
        if (kouan_strmap_get(&gd->seen, key)) {
            for (size_t i = 0; i < gd->n; i++)
                if (gd->v[i].pred == g.pred && !strcmp(gd->v[i].ns, g.ns) &&
                    !strcmp(gd->v[i].no, g.no)) {
                    if (gd->v[i].optional && !optional) {
                        gd->v[i].optional = 0;
                        gd->preds[g.pred].optional--;
                        gd->preds[g.pred].gold++;
                    }
                    break;
                }
            gd->dup_lines++;
            free(key);
            continue;
        }
        rc = kouan_strmap_put(&gd->seen, key, (void *)1);
        free(key);
        if (rc) break;
        if (gd->n == gd->cap) {
            size_t c = gd->cap ? gd->cap * 2 : 256;
            gold_fact *v = realloc(gd->v, c * sizeof *v);
            if (!v) { rc = kouan_error_set(err, KOUAN_ENOMEM, "out of memory"); break; }
            gd->v = v;
            gd->cap = c;
        }
        char *sk = fact_key(g.p, "", 'G', g.ns);
        if (!sk) { rc = kouan_error_set(err, KOUAN_ENOMEM, "out of memory"); break; }
        g.next = (size_t)(uintptr_t)kouan_strmap_get(&gd->by_subject, sk);
        rc = kouan_strmap_put(&gd->by_subject, sk, (void *)(uintptr_t)(gd->n + 1));
        free(sk);
        if (rc) break;
        gd->v[gd->n++] = g;
        if (optional) gd->preds[g.pred].optional++;
        else gd->preds[g.pred].gold++;
    }
    if (!rc && ferror(f))
        rc = kouan_error_set(err, KOUAN_EIO, "%s: cannot read: %s", path, strerror(errno));
    free(line);
    if (!rc && gd->n == 0)
        rc = kouan_error_set(err, KOUAN_EINVAL, "%s: no gold facts (expected lines "
                             "subject<TAB>predicate<TAB>object)", path);
    return rc;
}

static int gold_load(ev_gold *gd, kouan_arena *a, const char *path, kouan_error *err)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return kouan_error_set(err, KOUAN_ENOTFOUND, "%s: cannot open the gold facts: %s",
                               path, strerror(errno));
    int rc = gold_read(gd, a, f, path, err);
    fclose(f);
    return rc;
}

int kouan_eval_gold_check(FILE *f, const char *path, size_t *n_facts, kouan_error *err)
{
    ev_gold gd = { 0 };
    kouan_arena a = { 0 };
    int rc = gold_read(&gd, &a, f, path, err);
    if (n_facts) *n_facts = rc ? 0 : gd.n;
    gold_free(&gd);
    kouan_arena_clear(&a);
    return rc;
}

/* ---- store facts ------------------------------------------------------------------------- */

enum { X_SPURIOUS = 0, X_CORRECT, X_DUPLICATE, X_OPTIONAL };

typedef struct ext_fact {
    const char *s, *p_iri, *o;   /* borrowed from the ev_graph */
    char        o_kind;
    size_t      pred;
    const char *sl, *ol;         /* labels to show */
    int         state;
} ext_fact;

/* The gold predicate name for a store triple, or NULL when it is not one
 * of the kinds eval compares. */
static const char *gold_name_of(const ev_triple *t, const ev_gold *gd)
{
    if (!strcmp(t->p, RDF "type")) {
        const char *cls = t->o_kind == T_IRI ? local_name(t->o) : NULL;
        return cls && kouan_strmap_get(&gd->classes, cls) ? "type" : NULL;
    }
    if (!strcmp(t->p, SKOS "altLabel")) return "altLabel";
    if (!strcmp(t->p, RDFS "label")) return "label";
    return local_name(t->p);
}

static int object_matches(const ev_graph *g, const ext_fact *e, const gold_fact *gf,
                          char onames[][LABEL_MAX], size_t n_onames)
{
    if (!strcmp(gf->p, "type")) {
        const char *cls = local_name(e->o);
        return cls && !strcmp(cls, gf->o);
    }
    if (gf->is_stat) {
        kouan_eval_stat got;
        if (e->o_kind == T_LIT) {
            if (!kouan_eval_parse_stat(e->o, &got)) return 0;
            if (!got.year) {
                const char *ev = evidence_of(g, e->s, e->p_iri, e->o_kind, e->o);
                if (ev) got.year = year_of(object_of(g, ev, KO "year", NULL));
            }
        } else if (!stat_of_node(g, e->o, &got)) {
            return 0;
        }
        return kouan_eval_stat_match(&gf->stat, &got);
    }
    for (size_t i = 0; i < n_onames; i++)
        if (!strcmp(onames[i], gf->no)) return 1;
    return 0;
}

static void match_fact(const ev_graph *g, ev_gold *gd, ext_fact *e)
{
    static char snames[NAMES_MAX][LABEL_MAX], onames[NAMES_MAX][LABEL_MAX];
    size_t ns = names_of(g, e->s, snames), no = 0;
    if (e->o_kind == T_LIT) kouan_eval_norm_label(e->o, onames[no++], LABEL_MAX);
    else no = names_of(g, e->o, onames);
    const char *pname = gd->preds[e->pred].name;
    gold_fact *taken = NULL, *optional = NULL;
    for (size_t i = 0; i < ns; i++) {
        char *sk = fact_key(pname, "", 'G', snames[i]);
        size_t j = sk ? (size_t)(uintptr_t)kouan_strmap_get(&gd->by_subject, sk) : 0;
        free(sk);
        for (; j; j = gd->v[j - 1].next) {
            gold_fact *gf = &gd->v[j - 1];
            if (!object_matches(g, e, gf, onames, no)) continue;
            if (gf->optional) { optional = gf; continue; }
            if (gf->matched) { taken = gf; continue; }
            gf->matched = 1;
            e->state = X_CORRECT;
            return;
        }
    }
    e->state = taken ? X_DUPLICATE : optional ? X_OPTIONAL : X_SPURIOUS;
}

static int ext_cmp(const void *a, const void *b)
{
    const ext_fact *x = a, *y = b;
    if (x->pred != y->pred) return x->pred < y->pred ? -1 : 1;
    int c = strcmp(x->sl, y->sl);
    return c ? c : strcmp(x->ol, y->ol);
}

/* An altLabel that is the entity's label plus a suffix (樟木口岸 of 樟木). */
static int suffixed_form(const ev_graph *g, const ev_triple *t)
{
    const char *label = object_of(g, t->s, RDFS "label", NULL);
    size_t n = label ? strlen(label) : 0;
    return n && strlen(t->o) > n && strncmp(t->o, label, n) == 0;
}

/* ---- the report ---------------------------------------------------------------------------- */

static double ratio(size_t a, size_t b) { return b ? (double)a / (double)b : 0.0; }
static double f1_of(double p, double r) { return p + r > 0 ? 2 * p * r / (p + r) : 0.0; }

/* The quote on one line, cut at a character boundary. */
static void print_quote(FILE *out, const char *q)
{
    size_t n = 0;
    fputs("“", out);
    for (const char *p = q; *p; p++, n++) {
        if (n >= QUOTE_SHOW && ((unsigned char)*p & 0xC0) != 0x80) {
            fputs("…", out);
            break;
        }
        fputc(*p == '\n' || *p == '\t' || *p == '\r' ? ' ' : *p, out);
    }
    fputs("”", out);
}

static void print_evidence(FILE *out, const ev_graph *g, const ext_fact *e)
{
    const char *ev = evidence_of(g, e->s, e->p_iri, e->o_kind, e->o);
    const char *how = "";
    if (!ev && !strcmp(e->p_iri, RDF "type")) {
        /* types carry no statement node: show a fact that typed the entity */
        for (size_t i = 0; i < g->n && !ev; i++)
            if ((!strcmp(g->v[i].p, RDF "subject") || !strcmp(g->v[i].p, RDF "object")) &&
                g->v[i].o_kind != T_LIT && !strcmp(g->v[i].o, e->s))
                ev = g->v[i].s;
        how = "typed by the fact at ";
    }
    if (!ev) {
        fputs("    (no evidence in the store)\n", out);
        return;
    }
    const char *doc = object_of(g, ev, PROV "wasDerivedFrom", NULL);
    const char *line = object_of(g, ev, KO "line", NULL);
    const char *rule = object_of(g, ev, KO "rule", NULL);
    const char *quote = object_of(g, ev, KO "quote", NULL);
    if (doc && !strncmp(doc, KOUAN_NS_DOC, strlen(KOUAN_NS_DOC)))
        doc += strlen(KOUAN_NS_DOC);
    fprintf(out, "    %s%s:%s", how, doc ? doc : "?", line ? line : "?");
    if (rule) fprintf(out, " [%s]", rule);
    if (quote) { fputc(' ', out); print_quote(out, quote); }
    fputc('\n', out);
}

int kouan_eval(kouan *k, const kouan_eval_options *o, FILE *out,
               kouan_eval_result *res, kouan_error *err)
{
    kouan_eval_result local;
    if (!res) res = &local;
    memset(res, 0, sizeof *res);
    if (!o || !o->gold_path || !*o->gold_path)
        return kouan_error_set(err, KOUAN_EINVAL, "eval: name the gold facts file (--gold FILE.tsv)");
    ev_gold gd = { 0 };
    ev_graph g = { 0 };
    kouan_arena gold_arena = { 0 };
    ext_fact *ext = NULL;
    size_t n_ext = 0;
    librdf_node *ctx = NULL;
    char graph_iri[800] = "";
    int rc = gold_load(&gd, &gold_arena, o->gold_path, err);
    if (rc) goto done;

    if (o->doc && *o->doc) {
        char id[256], esc[600];
        kouan_document_id(o->doc, id, sizeof id);
        if (!id[0] || kouan_iri_escape(id, esc, sizeof esc) != 0) {
            rc = kouan_error_set(err, KOUAN_EINVAL, "“%s”: expected a document file "
                                 "name or id", o->doc);
            goto done;
        }
        snprintf(graph_iri, sizeof graph_iri, "%s%s", KOUAN_NS_DOC, esc);
        ctx = librdf_new_node_from_uri_string(k->world, (const unsigned char *)graph_iri);
        if (!ctx) { rc = kouan_error_set(err, KOUAN_ENOMEM, "out of memory"); goto done; }
    }
    librdf_model *model = kouan_store_model(k->store);
    if ((rc = graph_load(&g, model, ctx))) {
        kouan_error_set(err, rc, rc == KOUAN_ENOMEM ? "out of memory"
                        : "cannot read the store's statements");
        goto done;
    }
    if (ctx && g.n == 0) {
        rc = kouan_error_set(err, KOUAN_ENOTFOUND, "%s: no document in the store with "
                             "that id (its graph <%s> is empty)", o->doc, graph_iri);
        goto done;
    }
    if ((rc = index_evidence(&g))) {
        kouan_error_set(err, rc, "out of memory");
        goto done;
    }

    /* the store's facts of the scored predicates */
    if (!(ext = calloc(g.n ? g.n : 1, sizeof *ext))) {
        rc = kouan_error_set(err, KOUAN_ENOMEM, "out of memory");
        goto done;
    }
    for (size_t i = 0; i < g.n; i++) {
        const ev_triple *t = &g.v[i];
        const char *name = gold_name_of(t, &gd);
        size_t pi = name ? pred_index(&gd, name, 0) : (size_t)-1;
        if (pi == (size_t)-1 || gd.preds[pi].gold == 0) continue;
        if (!strcmp(name, "altLabel") && t->o_kind == T_LIT && suffixed_form(&g, t)) continue;
        ext_fact *e = &ext[n_ext++];
        e->s = t->s;
        e->p_iri = t->p;
        e->o = t->o;
        e->o_kind = t->o_kind;
        e->pred = pi;
        e->sl = display_of(&g, t->s, T_IRI);
        e->ol = !strcmp(name, "type") ? local_name(t->o) : display_of(&g, t->o, t->o_kind);
    }
    if (n_ext) qsort(ext, n_ext, sizeof *ext, ext_cmp);
    for (size_t i = 0; i < n_ext; i++) {
        match_fact(&g, &gd, &ext[i]);
        ev_pred *p = &gd.preds[ext[i].pred];
        if (ext[i].state == X_OPTIONAL) continue;
        p->extracted++;
        if (ext[i].state == X_CORRECT) p->correct++;
    }

    /* the table */
    size_t n_opt = 0;
    for (size_t i = 0; i < gd.n_preds; i++) {
        ev_pred *p = &gd.preds[i];
        n_opt += p->optional;
        if (!p->gold) continue;
        res->gold += p->gold;
        res->extracted += p->extracted;
        res->correct += p->correct;
    }
    res->precision = ratio(res->correct, res->extracted);
    res->recall = ratio(res->correct, res->gold);
    res->f1 = f1_of(res->precision, res->recall);

    fprintf(out, "gold:  %s (%zu facts scored; %zu optional, neither required nor "
            "penalised", o->gold_path, res->gold, n_opt);
    if (gd.dup_lines) fprintf(out, ", %zu repeated lines counted once", gd.dup_lines);
    fprintf(out, ")\nstore: %s\n", ctx ? graph_iri : "all documents");
    fputs("Only the gold's predicates are scored: store facts of other predicates "
          "are not counted.\n", out);
    if (pred_index(&gd, "type", 0) != (size_t)-1) {
        fputs("`type` counts the classes the gold types:", out);
        for (size_t i = 0; i < gd.n; i++) {
            if (strcmp(gd.v[i].p, "type")) continue;
            size_t j = 0;
            while (j < i && (strcmp(gd.v[j].p, "type") || strcmp(gd.v[j].o, gd.v[i].o))) j++;
            if (j == i) fprintf(out, " %s", gd.v[i].o);
        }
        fputc('\n', out);
    }
    fprintf(out, "\n%-20s %6s %9s %7s %9s %7s %7s\n", "predicate", "gold", "extracted",
            "correct", "precision", "recall", "F1");
    for (size_t i = 0; i < gd.n_preds; i++) {
        ev_pred *p = &gd.preds[i];
        if (!p->gold) {
            fprintf(out, "%-20s (optional facts only: not scored)\n", p->name);
            continue;
        }
        double pr = ratio(p->correct, p->extracted), re = ratio(p->correct, p->gold);
        if (p->extracted)
            fprintf(out, "%-20s %6zu %9zu %7zu %9.3f %7.3f %7.3f\n", p->name, p->gold,
                    p->extracted, p->correct, pr, re, f1_of(pr, re));
        else    /* precision of nothing is undefined; F1 is 0 */
            fprintf(out, "%-20s %6zu %9zu %7zu %9s %7.3f %7.3f\n", p->name, p->gold,
                    p->extracted, p->correct, "-", re, 0.0);
        if (!strcmp(p->name, "type") || !strcmp(p->name, "label") ||
            !strcmp(p->name, "altLabel"))
            continue;
        if (!kouan_vocab_prop(&k->vocab, p->name))
            fprintf(out, "%-20s ^ not a term of ontology/kouan.ttl: nothing in the "
                    "store can match it\n", "");
    }
    fprintf(out, "%-20s %6zu %9zu %7zu %9.3f %7.3f %7.3f\n", "overall (micro)", res->gold,
            res->extracted, res->correct, res->precision, res->recall, res->f1);

    /* what went wrong */
    size_t missed = res->gold - res->correct, spurious = res->extracted - res->correct;
    if (missed) {
        fprintf(out, "\nmissed (in the gold, not in the store): %zu\n", missed);
        size_t shown = 0;
        for (size_t i = 0; i < gd.n; i++) {
            gold_fact *gf = &gd.v[i];
            if (gf->optional || gf->matched) continue;
            if (!o->verbose && shown == LIST_MAX) {
                fprintf(out, "  … and %zu more (-v lists them all)\n", missed - shown);
                break;
            }
            fprintf(out, "  %s\t%s\t%s\t(gold line %zu)\n", gf->s, gf->p, gf->o, gf->line);
            shown++;
        }
    }
    if (spurious) {
        fprintf(out, "\nspurious (in the store, not in the gold): %zu\n", spurious);
        size_t shown = 0;
        for (size_t i = 0; i < n_ext; i++) {
            ext_fact *e = &ext[i];
            if (e->state != X_SPURIOUS && e->state != X_DUPLICATE) continue;
            if (!o->verbose && shown == LIST_MAX) {
                fprintf(out, "  … and %zu more (-v lists them all)\n", spurious - shown);
                break;
            }
            fprintf(out, "  %s\t%s\t%s%s\n", e->sl, gd.preds[e->pred].name, e->ol,
                    e->state == X_DUPLICATE ? "\t(duplicate: another entity with these "
                    "labels already matched this gold fact)" : "");
            print_evidence(out, &g, e);
            shown++;
        }
    }
    rc = KOUAN_OK;
done:
    if (ctx) librdf_free_node(ctx);
    free(ext);
    graph_free(&g);
    gold_free(&gd);
    kouan_arena_clear(&gold_arena);
    return rc;
}
