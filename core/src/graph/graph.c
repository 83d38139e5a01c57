/* graph.c — turning plugins' facts into one document's triples; see
 * graph.h.  Provenance: each fact gets a statement node (rdf:Statement,
 * reification) in the document's graph that carries its evidence. */
#include "graph.h"
#include "util/error.h"
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RDF   "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
#define RDFS  "http://www.w3.org/2000/01/rdf-schema#"
#define XSD   "http://www.w3.org/2001/XMLSchema#"
#define SKOS  "http://www.w3.org/2004/02/skos/core#"
#define PROV  "http://www.w3.org/ns/prov#"
#define DCT   "http://purl.org/dc/terms/"
#define SOSA  "http://www.w3.org/ns/sosa/"
#define KO    KOUAN_NS_ONTOLOGY

/* The longest evidence quote kept, in bytes (cut at a character boundary). */
#define QUOTE_MAX 1200
#define QUOTE_GAP " … "

/* n bytes of t or fewer, cut back to a character boundary. */
static size_t char_cut(const char *t, size_t n)
{
    while (n && ((unsigned char)t[n] & 0xC0) == 0x80) n--;
    return n;
}

/* The quote of span [a, b) of the document's bytes d: the span's text, or
 * when longer than QUOTE_MAX its two ends joined by " … ": its first line
 * and its last (each cut to half of QUOTE_MAX).  A long span joins two
 * places — a set's member placed by a table row far from the sentence
 * about the set, a context sentence before the match — and each end
 * names what the fact links, where the middle is text between them. */
static char *quote_of(kouan_arena *ar, const char *d, size_t a, size_t b)
{
    size_t n = b - a;
    if (n <= QUOTE_MAX) return kouan_arena_strndup(ar, d + a, n);
    const size_t half = (QUOTE_MAX - (sizeof QUOTE_GAP - 1)) / 2;
    while (b - a > QUOTE_MAX && (d[a] == '\n' || d[a] == '\r')) a++;   /* ends, not */
    while (b - a > QUOTE_MAX && (d[b - 1] == '\n' || d[b - 1] == '\r')) b--;   /* breaks */
    const char *nl = memchr(d + a, '\n', half);
    size_t head = nl ? (size_t)(nl - (d + a)) : char_cut(d + a, half);
    if (head && d[a + head - 1] == '\r') head--;
    size_t from = b - half;                          /* the last line's start */
    while (from < b && ((unsigned char)d[from] & 0xC0) == 0x80) from++;
    for (size_t i = b; i > from; i--)
        if (d[i - 1] == '\n') { from = i; break; }
    size_t tail = b - from;
    char *q = kouan_arena_alloc(ar, head + sizeof QUOTE_GAP - 1 + tail + 1);
    if (!q) return NULL;
    memcpy(q, d + a, head);
    memcpy(q + head, QUOTE_GAP, sizeof QUOTE_GAP - 1);
    memcpy(q + head + sizeof QUOTE_GAP - 1, d + from, tail);
    q[head + sizeof QUOTE_GAP - 1 + tail] = '\0';
    return q;
}

/* Appends the triple as it is: every term (NULL when copying it failed)
 * is a string literal or an arena string of g. */
static int append_kept(kouan_graph *g, const char *s, const char *p, const char *o,
                       kouan_term_kind kind, const char *lang, const char *dt)
{
    if (!s || !p || !o) return KOUAN_ENOMEM;
    if (g->n == g->cap) {
        /* first about a triple per 4 bytes of document (a fact-dense
           chapter gives one per 5), so that most graphs are not copied
           by realloc as they grow */
        size_t first = g->doc && g->doc->len / 4 > 256 ? g->doc->len / 4 : 256;
        size_t cap = g->cap ? g->cap * 2 : first < 65536 ? first : 65536;
        kouan_triple *v = realloc(g->v, cap * sizeof *v);
        if (!v) return KOUAN_ENOMEM;
        g->v = v; g->cap = cap;
    }
    kouan_triple *t = &g->v[g->n++];
    t->s = s;
    t->p = p;
    t->o = o;
    t->o_kind = kind;
    t->lang = lang;
    t->datatype = dt;
    return KOUAN_OK;
}

/* Appends the triple (s, an arena string of g, or NULL when copying it
 * failed; the other terms are copied). */
static int append(kouan_graph *g, const char *s, const char *p, const char *o,
                  kouan_term_kind kind, const char *lang, const char *dt)
{
    const char *lc = lang ? kouan_arena_strdup(&g->arena, lang) : NULL;
    const char *dc = dt ? kouan_arena_strdup(&g->arena, dt) : NULL;
    if ((lang && !lc) || (dt && !dc)) return KOUAN_ENOMEM;
    return append_kept(g, s, kouan_arena_strdup(&g->arena, p),
                       kouan_arena_strdup(&g->arena, o), kind, lc, dc);
}

/* snprintf(buf, n, "%s%s", a, b) without the formatting machinery (it
 * was ~1% of an extraction, once per fact). */
static void join2(char *buf, size_t n, const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (!n) return;
    if (la >= n) la = n - 1;
    memcpy(buf, a, la);
    if (lb >= n - la) lb = n - la - 1;
    memcpy(buf + la, b, lb);
    buf[la + lb] = '\0';
}

static int add(kouan_graph *g, const char *s, const char *p, const char *o,
               kouan_term_kind kind, const char *lang, const char *dt)
{
    size_t ls = strlen(s), lp = strlen(p), lo = strlen(o);
    size_t ll = lang ? strlen(lang) : 0, ld = dt ? strlen(dt) : 0;
    size_t need = ls + lp + lo + ll + ld + 8;
    char small[2048];
    char *key = need <= sizeof small ? small : malloc(need);
    if (!key) return KOUAN_ENOMEM;
    /* "s\x1fp\x1fo\x1fKINDlang\x1fdt" */
    char *k = key;
    memcpy(k, s, ls); k += ls; *k++ = '\x1f';
    memcpy(k, p, lp); k += lp; *k++ = '\x1f';
    memcpy(k, o, lo); k += lo; *k++ = '\x1f';
    *k++ = (char)('0' + (int)kind);
    if (ll) memcpy(k, lang, ll);
    k += ll; *k++ = '\x1f';
    if (ld) memcpy(k, dt, ld);
    k += ld; *k = '\0';
    /* one probe: the key is either new (added) or a triple already held */
    int rc = kouan_strmap_add(&g->seen, key, (void *)1);
    if (key != small) free(key);
    if (rc != 1) return rc;
    return append(g, kouan_arena_strndup(&g->arena, s, ls), p, o, kind, lang, dt);
}

/* Adds a triple about a statement node minted for one fact (evidence()):
 * it cannot be in the graph yet, so it is not looked up.  node is an
 * arena string of g. */
static int add_new(kouan_graph *g, const char *node, const char *p, const char *o,
                   kouan_term_kind kind, const char *lang, const char *dt)
{
    return append(g, node, p, o, kind, lang, dt);
}

static int add_new_int(kouan_graph *g, const char *node, const char *p, size_t v)
{
    char buf[32], *q = buf + sizeof buf;
    *--q = '\0';
    do { *--q = (char)('0' + v % 10); v /= 10; } while (v);
    /* p is a string literal (evidence()'s) */
    return append_kept(g, node, p, kouan_arena_strndup(&g->arena, q, (size_t)(buf + sizeof buf - 1 - q)),
                       KOUAN_TERM_LITERAL, NULL, XSD "integer");
}

static int add_iri(kouan_graph *g, const char *s, const char *p, const char *o)
{
    return add(g, s, p, o, KOUAN_TERM_IRI, NULL, NULL);
}

static int add_zh(kouan_graph *g, const char *s, const char *p, const char *o)
{
    return add(g, s, p, o, KOUAN_TERM_LITERAL, "zh", NULL);
}

static int add_int(kouan_graph *g, const char *s, const char *p, size_t v)
{
    char buf[32];
    snprintf(buf, sizeof buf, "%zu", v);
    return add(g, s, p, buf, KOUAN_TERM_LITERAL, NULL, XSD "integer");
}

static int index_notes(kouan_graph *g);

int kouan_graph_doc_iri(const char *doc_id, char *out, size_t n)
{
    char iri[600];
    if (kouan_iri_escape(doc_id, iri, sizeof iri) != 0) return KOUAN_EINVAL;
    int w = snprintf(out, n, "%s%s", KOUAN_NS_DOC, iri);
    return w < 0 || (size_t)w >= n ? KOUAN_EINVAL : KOUAN_OK;
}

int kouan_graph_init(kouan_graph *g, const kouan_vocab *v,
                     const kouan_resolver *r, const kouan_doc *doc)
{
    memset(g, 0, sizeof *g);
    g->vocab = v;
    g->resolver = r;
    g->doc = doc;
    char full[KOUAN_GRAPH_IRI_MAX];
    if (kouan_graph_doc_iri(doc->id, full, sizeof full) != KOUAN_OK) return KOUAN_EINVAL;
    if (!(g->iri = kouan_arena_strdup(&g->arena, full))) return KOUAN_ENOMEM;
    int rc = kouan_lines_build(&g->lines, doc->bytes, doc->len);
    if (!rc) rc = add_iri(g, g->iri, RDF "type", KO "Document");
    if (!rc) rc = add(g, g->iri, DCT "source", doc->path, KOUAN_TERM_LITERAL, NULL, NULL);
    if (!rc) rc = add_int(g, g->iri, KO "byteLength", doc->len);
    for (size_t i = 0; i < doc->n_blocks && !rc; i++)
        if (doc->blocks[i].kind == KOUAN_BLOCK_HEADING) {
            rc = add_zh(g, g->iri, DCT "title", doc->blocks[i].text.str);
            break;
        }
    if (!rc) rc = index_notes(g);
    return rc;
}

int kouan_graph_document_meta(kouan_graph *g, const char *sha256,
                              const char *when, const char *agent)
{
    int rc = add(g, g->iri, KO "sha256", sha256, KOUAN_TERM_LITERAL, NULL, NULL);
    if (!rc) rc = add(g, g->iri, PROV "generatedAtTime", when, KOUAN_TERM_LITERAL,
                      NULL, XSD "dateTime");
    if (!rc) rc = add(g, g->iri, PROV "wasAttributedTo", agent, KOUAN_TERM_LITERAL,
                      NULL, NULL);
    const char *base = strrchr(g->doc->path, '/');
    if (!rc) rc = add(g, g->iri, KO "fileName", base ? base + 1 : g->doc->path,
                      KOUAN_TERM_LITERAL, NULL, NULL);
    return rc;
}

/* A copy of s in a (NULL when s is, or when need is 0). */
static const char *keep_str(kouan_arena *a, const char *s, int need, int *oom)
{
    if (!s || !need) return NULL;
    const char *c = kouan_arena_strdup(a, s);
    if (!c) *oom = 1;
    return c;
}

int kouan_graph_keep_triples(kouan_graph *g, const uint64_t *ids)
{
    kouan_arena kept = { 0 };
    kouan_triple *nv = malloc((g->n ? g->n : 1) * sizeof *nv);
    int oom = !nv;
    const char *iri = keep_str(&kept, g->iri, 1, &oom);
    for (size_t i = 0; i < g->n && !oom; i++) {
        const kouan_triple *t = &g->v[i];
        int need[3];                             /* the term has no id */
        for (int j = 0; j < 3; j++) need[j] = !ids || !ids[3 * i + j];
        kouan_triple *k = &nv[i];
        *k = *t;
        /* a subject or predicate the same string as the last triple's
           keeps the same copy: the writer's "as the last" test is == */
        k->s = i && need[0] && t->s == g->v[i - 1].s ? nv[i - 1].s : keep_str(&kept, t->s, need[0], &oom);
        k->p = i && need[1] && t->p == g->v[i - 1].p ? nv[i - 1].p : keep_str(&kept, t->p, need[1], &oom);
        k->o = keep_str(&kept, t->o, need[2], &oom);
        k->lang = keep_str(&kept, t->lang, need[2], &oom);
        k->datatype = keep_str(&kept, t->datatype, need[2], &oom);
    }
    if (oom) {                                   /* g as it was */
        free(nv);
        kouan_arena_clear(&kept);
        return KOUAN_ENOMEM;
    }
    size_t n = g->n;
    kouan_graph_free(g);                         /* all the rest */
    g->arena = kept;
    g->iri = iri;
    g->v = nv;
    g->n = g->cap = n;
    return KOUAN_OK;
}

void kouan_graph_free(kouan_graph *g)
{
    free(g->v);
    free(g->known);
    free(g->known_ev);
    kouan_lines_free(&g->lines);
    kouan_strmap_free(&g->seen);
    kouan_strmap_free(&g->names);
    kouan_strmap_free(&g->written);
    kouan_names_free(&g->learned);
    kouan_strmap_free(&g->described);
    kouan_strmap_free(&g->resolved);
    kouan_strmap_free(&g->aliased);
    kouan_normtext_free(&g->span_nt);
    kouan_arena_clear(&g->arena);
    memset(g, 0, sizeof *g);
}

int kouan_graph_set_plugin(kouan_graph *g, const char *name, const char *version,
                           unsigned abi_minor)
{
    g->plugin_minor = abi_minor;
    char buf[256];
    snprintf(buf, sizeof buf, "%s %s", name, version);
    g->plugin = kouan_arena_strdup(&g->arena, buf);
    g->plugin_facts = 0;
    return g->plugin ? KOUAN_OK : KOUAN_ENOMEM;
}

/* Type, label and (when the text wrote it otherwise) altLabel of an entity. */
static int evidence(kouan_graph *g, const kouan_fact *f, const char *s,
                    const char *p, const char *o, kouan_term_kind kind,
                    const char *lang, const char *dt);

/* Type, label and (when the text wrote it otherwise) altLabel of an entity;
 * the first time a form is merged into an entity, the altLabel gets a
 * statement node saying why (kouan:rule "resolve:suffix", …) and where. */
static int describe(kouan_graph *g, kouan_class cls, const kouan_resolved *e,
                    const char *surface, const kouan_fact *f)
{
    /* done before with the same names: nothing would change (the facts of
       a table name the same entities again and again) */
    size_t li = strlen(e->iri), ll = strlen(e->label), lsu = strlen(surface);
    char small[1024];
    char *key = li + ll + lsu + 8 <= sizeof small ? small : malloc(li + ll + lsu + 8);
    if (!key) return KOUAN_ENOMEM;
    char *k = key;
    *k++ = (char)('A' + (int)cls);
    memcpy(k, e->iri, li); k += li; *k++ = '\x1f';
    memcpy(k, e->label, ll); k += ll; *k++ = '\x1f';
    memcpy(k, surface, lsu); k += lsu; *k = '\0';
    int fresh = kouan_strmap_add(&g->described, key, (void *)1);
    if (key != small) free(key);
    if (fresh <= 0) return fresh;                  /* 0: described; or ENOMEM */
    char type[256];
    join2(type, sizeof type, KO, kouan_class_name(cls));
    int rc = add_iri(g, e->iri, RDF "type", type);
    if (cls == KOUAN_CLASS_TRANSPORT) return rc;   /* described by kouan.ttl */
    if (!rc && kouan_strmap_add(&g->names, surface, (void *)(intptr_t)cls) < 0)
        rc = KOUAN_ENOMEM;
    if (!rc && kouan_strmap_add(&g->names, e->label, (void *)(intptr_t)cls) < 0)
        rc = KOUAN_ENOMEM;
    if (!rc) rc = add_zh(g, e->iri, RDFS "label", e->label);
    if (!rc && strcmp(surface, e->label) != 0) {
        size_t before = g->n;
        rc = add_zh(g, e->iri, SKOS "altLabel", surface);
        if (!rc && g->n > before && e->why) {
            char rule[64];
            snprintf(rule, sizeof rule, "resolve:%s", e->why);
            kouan_fact why = *f;
            why.rule = rule;
            why.year = why.unit = why.share = NULL;
            unsigned minor = g->plugin_minor;
            g->plugin_minor = 0;            /* no statistics qualifiers */
            rc = evidence(g, &why, e->iri, SKOS "altLabel", surface,
                          KOUAN_TERM_LITERAL, "zh", NULL);
            g->plugin_minor = minor;
        }
    }
    return rc;
}

/* The names pass's describe(): only the words the entity gives the
 * document's token view (g->names), as describe() records them. */
static int note_names(kouan_graph *g, kouan_class cls, const kouan_resolved *e,
                      const char *surface)
{
    if (cls == KOUAN_CLASS_TRANSPORT) return KOUAN_OK;
    if (kouan_strmap_add(&g->names, surface, (void *)(intptr_t)cls) < 0 ||
        kouan_strmap_add(&g->names, e->label, (void *)(intptr_t)cls) < 0)
        return KOUAN_ENOMEM;
    return KOUAN_OK;
}

/* A footnote of the document: "<sup>①</sup> 《…》，http://…" */
struct kouan_note {
    size_t      start;      /* where the footnote block starts */
    char        marker[8];  /* its marker character (UTF-8), e.g. ① */
    const char *iri;        /* <graph>#note-LINE (arena) */
};

/* Length of a footnote marker (① … ⑳, U+2460–U+2473) at p, or 0. */
static size_t marker_at(const char *p, const char *end)
{
    const unsigned char *u = (const unsigned char *)p;
    if (end - p >= 3 && u[0] == 0xE2 && u[1] == 0x91 && u[2] >= 0xA0 && u[2] <= 0xB3)
        return 3;
    return 0;
}

/* Finds the footnote blocks and gives each a node: its text and line. */
static int index_notes(kouan_graph *g)
{
    const kouan_doc *d = g->doc;
    size_t n = 0;
    for (size_t i = 0; i < d->n_blocks; i++) n += d->blocks[i].kind == KOUAN_BLOCK_FOOTNOTE;
    if (!n) return KOUAN_OK;
    g->notes = kouan_arena_alloc(&g->arena, n * sizeof *g->notes);
    if (!g->notes) return KOUAN_ENOMEM;
    for (size_t i = 0; i < d->n_blocks; i++) {
        const kouan_block *b = &d->blocks[i];
        if (b->kind != KOUAN_BLOCK_FOOTNOTE) continue;
        size_t m = marker_at(b->text.str, b->text.str + b->text.len);
        if (!m) continue;
        struct kouan_note *note = &g->notes[g->n_notes];
        note->start = b->span.start;
        memcpy(note->marker, b->text.str, m);
        note->marker[m] = '\0';
        char iri[800];
        size_t line = kouan_lines_of(&g->lines, b->span.start);
        snprintf(iri, sizeof iri, "%s#note-%zu", g->iri, line);
        if (!(note->iri = kouan_arena_strdup(&g->arena, iri))) return KOUAN_ENOMEM;
        int rc = add_iri(g, note->iri, RDF "type", KO "Footnote");
        if (!rc) rc = add_zh(g, note->iri, RDFS "label", b->text.str);
        if (!rc) rc = add_int(g, note->iri, KO "line", line);
        if (!rc) rc = add_iri(g, note->iri, DCT "isPartOf", g->iri);
        if (rc) return rc;
        g->n_notes++;
    }
    return KOUAN_OK;
}

/* Cites (dcterms:source) every footnote whose marker the evidence bytes
 * carry: the first footnote with that marker after the marker itself
 * (books number notes per page). */
static int cite_notes(kouan_graph *g, const char *node, kouan_span ev)
{
    const char *b = g->doc->bytes, *end = b + ev.end;
    for (const char *p = b + ev.start; p < end; p++) {
        size_t m = marker_at(p, end);
        if (!m) continue;
        size_t at = (size_t)(p - b);
        int own = 0;          /* the marker that opens a footnote itself */
        for (size_t i = 0; i < g->n_notes; i++)
            own |= g->notes[i].start <= at && at - g->notes[i].start < 16;
        for (size_t i = 0; i < g->n_notes && !own; i++) {
            const struct kouan_note *n = &g->notes[i];
            if (n->start <= at || memcmp(n->marker, p, m) != 0) continue;
            int rc = add_iri(g, node, DCT "source", n->iri);
            if (rc) return rc;
            break;
        }
        p += m - 1;
    }
    return KOUAN_OK;
}

/* The statement node: what was said, where, by which plugin and rule. */
static int evidence(kouan_graph *g, const kouan_fact *f, const char *s,
                    const char *p, const char *o, kouan_term_kind kind,
                    const char *lang, const char *dt)
{
    /* node: <graph>#fN, minted here */
    char num[24], *q = num + sizeof num;
    size_t v = ++g->evidence, li = strlen(g->iri);
    do { *--q = (char)('0' + v % 10); v /= 10; } while (v);
    size_t ln = (size_t)(num + sizeof num - q);
    char *node = kouan_arena_alloc(&g->arena, li + 2 + ln + 1);
    if (!node) return KOUAN_ENOMEM;
    memcpy(node, g->iri, li);
    memcpy(node + li, "#f", 2);
    memcpy(node + li + 2, q, ln);
    node[li + 2 + ln] = '\0';
    /* the terms the node's triples share, copied once; the predicates are
       string literals, g->iri, g->plugin and the quote arena strings */
    s = kouan_arena_strdup(&g->arena, s);
    p = kouan_arena_strdup(&g->arena, p);
    o = kouan_arena_strdup(&g->arena, o);
    if (lang && !(lang = kouan_arena_strdup(&g->arena, lang))) return KOUAN_ENOMEM;
    if (dt && !(dt = kouan_arena_strdup(&g->arena, dt))) return KOUAN_ENOMEM;
    /* every triple but the footnotes cited (a marker may come twice) is
       new: node is minted here */
    int rc = append_kept(g, node, RDF "type", RDF "Statement", KOUAN_TERM_IRI, NULL, NULL);
    if (!rc) rc = append_kept(g, node, RDF "subject", s, KOUAN_TERM_IRI, NULL, NULL);
    if (!rc) rc = append_kept(g, node, RDF "predicate", p, KOUAN_TERM_IRI, NULL, NULL);
    if (!rc) rc = append_kept(g, node, RDF "object", o, kind, lang, dt);
    if (!rc) rc = append_kept(g, node, PROV "wasDerivedFrom", g->iri, KOUAN_TERM_IRI, NULL, NULL);
    if (!rc) rc = add_new_int(g, node, KO "evidenceStart", f->evidence.start);
    if (!rc) rc = add_new_int(g, node, KO "evidenceEnd", f->evidence.end);
    if (!rc) rc = add_new_int(g, node, KO "line", kouan_lines_of(&g->lines, f->evidence.start));
    if (!rc) rc = cite_notes(g, node, f->evidence);
    if (!rc && f->rule && *f->rule)
        rc = add_new(g, node, KO "rule", f->rule, KOUAN_TERM_LITERAL, NULL, NULL);
    if (!rc && g->plugin)
        rc = append_kept(g, node, KO "plugin", g->plugin, KOUAN_TERM_LITERAL, NULL, NULL);
    if (!rc) {
        char *qt = quote_of(&g->arena, g->doc->bytes, f->evidence.start, f->evidence.end);
        if (!qt) return KOUAN_ENOMEM;
        rc = append_kept(g, node, KO "quote", qt, KOUAN_TERM_LITERAL, NULL, NULL);
    }
    /* a statistic: the statement node is also a SOSA observation of the
       subject, dated and with its unit and share of the national total */
    if (!rc && g->plugin_minor >= 2 && (f->year || f->unit || f->share)) {
        rc = append_kept(g, node, RDF "type", SOSA "Observation", KOUAN_TERM_IRI, NULL, NULL);
        if (!rc) rc = append_kept(g, node, SOSA "hasFeatureOfInterest", s, KOUAN_TERM_IRI, NULL, NULL);
        if (!rc) rc = append_kept(g, node, SOSA "observedProperty", p, KOUAN_TERM_IRI, NULL, NULL);
        if (!rc) rc = append_kept(g, node, SOSA "hasSimpleResult", o, kind, lang, dt);
        if (!rc && f->year)
            rc = add_new(g, node, KO "year", f->year, KOUAN_TERM_LITERAL, NULL, XSD "gYear");
        if (!rc && f->unit)
            rc = add_new(g, node, KO "unit", f->unit, KOUAN_TERM_LITERAL, NULL, NULL);
        if (!rc && f->share)
            rc = add_new(g, node, KO "share", f->share, KOUAN_TERM_LITERAL, NULL, XSD "decimal");
    }
    return rc;
}

/* kouan_resolve's answer for (cls, surface), asked once per document:
 * the resolver's tables are fixed, so the answer is too (and normalising a
 * name through OpenCC costs thousands of instructions). */
struct memo_resolved {
    int             rc;
    const char     *problem;
    kouan_resolved  r;
};

static int resolve(kouan_graph *g, kouan_class cls, const char *surface,
                   kouan_resolved *out, const char **problem)
{
    size_t n = surface ? strlen(surface) : 0;
    char small[512];
    if (!surface || n + 2 > sizeof small)
        return kouan_resolve(g->resolver, cls, surface, out, problem);
    small[0] = (char)('A' + (int)cls);
    memcpy(small + 1, surface, n + 1);
    struct memo_resolved *m = kouan_strmap_get(&g->resolved, small);
    if (!m) {
        if (!(m = kouan_arena_alloc(&g->arena, sizeof *m))) return KOUAN_ENOMEM;
        m->rc = kouan_resolve(g->resolver, cls, surface, &m->r, &m->problem);
        if (kouan_strmap_put(&g->resolved, small, m) != KOUAN_OK) return KOUAN_ENOMEM;
    }
    *problem = m->problem;
    if (m->rc == KOUAN_OK) *out = m->r;
    return m->rc;
}

/* Remembers a fact with canonical labels for the prose stage. */
static int remember(kouan_graph *g, kouan_class scls, const char *s, const char *p,
                    kouan_class ocls, const char *o, kouan_span ev)
{
    if (g->n_known == g->cap_known) {
        size_t cap = g->cap_known ? g->cap_known * 2 : 64;
        kouan_known_fact *v = realloc(g->known, cap * sizeof *v);
        if (!v) return KOUAN_ENOMEM;
        g->known = v;
        kouan_span *e = realloc(g->known_ev, cap * sizeof *e);
        if (!e) return KOUAN_ENOMEM;
        g->known_ev = e;
        g->cap_known = cap;
    }
    g->known_ev[g->n_known] = ev;
    kouan_known_fact *k = &g->known[g->n_known];
    k->subject_class = scls;
    k->subject = kouan_arena_strdup(&g->arena, s);
    k->predicate = kouan_arena_strdup(&g->arena, p);
    k->object_class = ocls;
    k->object = kouan_arena_strdup(&g->arena, o);
    if (!k->subject || !k->predicate || !k->object) return KOUAN_ENOMEM;
    g->n_known++;
    return KOUAN_OK;
}

static const char *xsd_type(const char *local, char *buf, size_t n)
{
    static const char *const known[] = { "integer", "decimal", "double",
        "gYear", "date", "string", "boolean", NULL };
    for (size_t i = 0; known[i]; i++)
        if (strcmp(local, known[i]) == 0) {
            join2(buf, n, XSD, local);
            return buf;
        }
    return NULL;
}

/* A port's name under what the documents teach (learn.h), its fixed name
 * kept as one this document uses; a place's label kept as a place. */
static int learn(kouan_graph *g, kouan_class cls, kouan_resolved *e)
{
    const kouan_learn_rules *lr = &g->resolver->learn;
    if (cls == KOUAN_CLASS_PORT) {
        if (kouan_names_add_port(&g->learned, e->label)) return KOUAN_ENOMEM;
        /* the layers are fixed for the graph's life: one answer per label */
        struct memo_resolved *a = kouan_strmap_get(&g->aliased, e->label);
        if (!a) {
            char to[sizeof e->label];
            const char *why, *problem;
            if (!(a = kouan_arena_alloc(&g->arena, sizeof *a))) return KOUAN_ENOMEM;
            kouan_names_alias(lr, g->layers, 2, e->label, to, sizeof to, &why);
            a->rc = why ? resolve(g, cls, to, &a->r, &problem) : KOUAN_ENOTFOUND;
            if (a->rc == KOUAN_ENOMEM) return a->rc;
            a->r.why = why;
            if (kouan_strmap_put(&g->aliased, e->label, a) != KOUAN_OK) return KOUAN_ENOMEM;
        }
        if (a->rc == KOUAN_OK) *e = a->r;
        return KOUAN_OK;
    }
    if (lr->place_class[cls] && kouan_names_add_place(&g->learned, lr, e->label))
        return KOUAN_ENOMEM;
    return KOUAN_OK;
}

/* port officialName "N" (learn.tsv's predicate): a port named N is port. */
static int learn_official(kouan_graph *g, const kouan_fact *f, const char *port)
{
    const kouan_learn_rules *lr = &g->resolver->learn;
    if (!lr->official || f->subject_class != KOUAN_CLASS_PORT ||
        f->object_class != KOUAN_CLASS_LITERAL || strcmp(f->predicate, lr->official) != 0)
        return KOUAN_OK;
    kouan_resolved o;
    const char *problem;
    if (resolve(g, KOUAN_CLASS_PORT, f->object, &o, &problem) != KOUAN_OK)
        return KOUAN_OK;
    return kouan_names_add_official(&g->learned, o.label, port);
}

static int span_has(const char *text, size_t n, const char *name)
{
    size_t k = strlen(name);
    return k && memmem(text, n, name, k) != NULL;
}

/* When the evidence names a closed-class entity by another form than its
 * label and the surface the plugin gave — 朝 in 中朝边境口岸, 蒙 in 对蒙口岸,
 * a gazetteer abbreviation or alias — that form becomes a skos:hiddenLabel
 * of the entity (for matching, not display), with a statement node
 * (kouan:rule "resolve:form"): every fact's evidence then holds a name of
 * each entity it links. */
/* A label-like statement (altLabel or hiddenLabel) with a statement node
 * whose kouan:rule is rule, once per document. */
static int label_with_reason(kouan_graph *g, const kouan_fact *f, const char *iri,
                             const char *pred, const char *form, const char *rule)
{
    size_t before = g->n;
    int rc = add_zh(g, iri, pred, form);
    if (!rc && g->n > before) {
        kouan_fact why = *f;
        why.rule = rule;
        unsigned minor = g->plugin_minor;
        g->plugin_minor = 0;            /* no statistics qualifiers */
        rc = evidence(g, &why, iri, pred, form, KOUAN_TERM_LITERAL, "zh", NULL);
        g->plugin_minor = minor;
    }
    return rc;
}

/* Where the evidence does not hold the entity's name byte for byte (the
 * plugin read normalised text), the name as the file writes it — 滿洲里 for
 * 满洲里, full-width forms — becomes an skos:altLabel (kouan:rule
 * "resolve:simplified"), once per entity and document. */
static int note_written(kouan_graph *g, const kouan_resolved *e, const char *surface,
                        const kouan_fact *f, const kouan_normtext *nt, const char *at,
                        size_t len)
{
    int added = kouan_strmap_add(&g->written, e->iri, (void *)1);
    if (added < 0) return KOUAN_ENOMEM;
    if (!added) return KOUAN_OK;
    size_t pos = (size_t)(at - nt->str);
    size_t from = nt->src[pos], to = nt->src[pos + len];
    if (to <= from || to - from >= 256) return KOUAN_OK;
    char orig[256];
    memcpy(orig, g->doc->bytes + f->evidence.start + from, to - from);
    orig[to - from] = '\0';
    if (!strcmp(orig, surface) || !strcmp(orig, e->label)) return KOUAN_OK;
    return label_with_reason(g, f, e->iri, SKOS "altLabel", orig, "resolve:simplified");
}

static int note_form(kouan_graph *g, kouan_class cls, const kouan_resolved *e,
                     const char *surface, const kouan_fact *f)
{
    if (cls == KOUAN_CLASS_TRANSPORT) return KOUAN_OK;
    const char *text = g->doc->bytes + f->evidence.start;
    size_t n = f->evidence.end - f->evidence.start;
    if (span_has(text, n, e->label) || span_has(text, n, surface)) return KOUAN_OK;
    const char *const *forms = e->known ? kouan_resolver_forms(g->resolver, cls, e->label) : NULL;
    if (!forms && (!g->resolver->nz || kouan_strmap_get(&g->written, e->iri)))
        return KOUAN_OK;                /* nothing more to learn from the span */
    kouan_normtext nt = {0};
    kouan_error err = {0};
    if (g->resolver->nz) {              /* 滿洲里 for 满洲里, 中國 for 中国 */
        /* the facts of one row or sentence share its span: normalised once */
        if (!g->span_nt.str || g->span_at.start != f->evidence.start ||
            g->span_at.end != f->evidence.end) {
            kouan_normtext_free(&g->span_nt);
            memset(&g->span_nt, 0, sizeof g->span_nt);
            if (kouan_normalize(g->resolver->nz, text, n, &g->span_nt, &err) != KOUAN_OK) {
                kouan_normtext_free(&g->span_nt);
                memset(&g->span_nt, 0, sizeof g->span_nt);
                return KOUAN_OK;
            }
            g->span_at = f->evidence;
        }
        nt = g->span_nt;                /* borrowed: not freed below */
        text = nt.str;
        n = nt.len;
    }
    int rc = KOUAN_OK;
    const char *hit = nt.str ? memmem(text, n, surface, strlen(surface)) : NULL;
    size_t hit_len = strlen(surface);
    if (nt.str && !hit && *e->label) {
        hit = memmem(text, n, e->label, strlen(e->label));
        hit_len = strlen(e->label);
    }
    if (hit)
        rc = note_written(g, e, surface, f, &nt, hit, hit_len);
    else if (forms)
        for (size_t i = 0; forms[i]; i++) {
            if (!span_has(text, n, forms[i])) continue;
            rc = label_with_reason(g, f, e->iri, SKOS "hiddenLabel", forms[i], "resolve:form");
            break;
        }
    return rc;
}

int kouan_graph_finish(kouan_graph *g)
{
    int rc = KOUAN_OK;
    for (size_t i = 0; i < g->learned.ports.cap && !rc; i++)
        if (g->learned.ports.keys[i])
            rc = add_zh(g, g->iri, KO "namesPort", g->learned.ports.keys[i]);
    return rc;
}

int kouan_graph_add_fact(kouan_graph *g, const kouan_fact *f, char *msg, size_t n)
{
    const char *problem = NULL;
    if (!f || !f->predicate || !f->subject) {
        snprintf(msg, n, "a fact without subject or predicate");
        return KOUAN_EINVAL;
    }
    if (f->evidence.start > f->evidence.end || f->evidence.end > g->doc->len) {
        snprintf(msg, n, "evidence span [%zu,%zu) lies outside the document (%zu bytes)",
                 f->evidence.start, f->evidence.end, g->doc->len);
        return KOUAN_EINVAL;
    }
    kouan_resolved subj;
    int rc = resolve(g, f->subject_class, f->subject, &subj, &problem);
    if (rc) {
        snprintf(msg, n, "subject “%s”: %s", f->subject, problem);
        return rc;
    }
    char subj_fixed[sizeof subj.label];      /* before what documents teach */
    memcpy(subj_fixed, subj.label, sizeof subj_fixed);
    if ((rc = learn(g, f->subject_class, &subj))) return rc;
    const char *pred = f->predicate;
    int is_type = strcmp(pred, "type") == 0;
    int is_alt = strcmp(pred, "altLabel") == 0 || strcmp(pred, "label") == 0;
    int kind = is_type || is_alt ? 0 : kouan_vocab_prop(g->vocab, pred);
    if (!is_type && !is_alt && !kind) {
        snprintf(msg, n, "predicate “%s” is not declared in ontology/kouan.ttl", pred);
        return KOUAN_EINVAL;
    }
    if (is_type) {
        if ((rc = g->names_only ? note_names(g, f->subject_class, &subj, f->subject)
                                : describe(g, f->subject_class, &subj, f->subject, f)))
            return rc;
        if ((rc = remember(g, f->subject_class, subj.label, "type", f->subject_class,
                           kouan_class_name(f->subject_class), f->evidence))) return rc;
        g->facts++; g->plugin_facts++;
        return KOUAN_OK;
    }
    if (!f->object || !*f->object) {
        snprintf(msg, n, "predicate “%s” of “%s” has no object", pred, f->subject);
        return KOUAN_EINVAL;
    }
    char piri[300];
    join2(piri, sizeof piri, is_alt ? SKOS : KO, is_alt ? "altLabel" : pred);
    kouan_resolved obj;
    const char *o, *lang = NULL, *dt = NULL;
    kouan_term_kind okind;
    char dtbuf[128];
    if (is_alt || kind == KOUAN_PROP_DATATYPE) {
        if (f->object_class != KOUAN_CLASS_LITERAL) {
            snprintf(msg, n, "“%s” takes a literal, not an entity", pred);
            return KOUAN_EINVAL;
        }
        o = f->object;
        okind = KOUAN_TERM_LITERAL;
        if (f->datatype && !is_alt) {
            if (!(dt = xsd_type(f->datatype, dtbuf, sizeof dtbuf))) {
                snprintf(msg, n, "unknown datatype “%s” (expected an XSD name "
                         "such as integer, decimal, gYear)", f->datatype);
                return KOUAN_EINVAL;
            }
        } else {
            lang = "zh";
        }
    } else {
        if (f->object_class == KOUAN_CLASS_LITERAL) {
            snprintf(msg, n, "“%s” takes an entity, not a literal", pred);
            return KOUAN_EINVAL;
        }
        rc = resolve(g, f->object_class, f->object, &obj, &problem);
        if (rc) {
            snprintf(msg, n, "object “%s”: %s", f->object, problem);
            return rc;
        }
        if ((rc = learn(g, f->object_class, &obj))) return rc;
        o = obj.iri;
        okind = KOUAN_TERM_IRI;
    }
    /* the names pass: what the fact teaches, and the fact for the prose
       stage; no triples */
    if (g->names_only) {
        if ((rc = note_names(g, f->subject_class, &subj, f->subject))) return rc;
        if (okind == KOUAN_TERM_IRI && (rc = note_names(g, f->object_class, &obj, f->object)))
            return rc;
        if ((rc = learn_official(g, f, subj_fixed))) return rc;
        if (is_alt && strcmp(o, subj.label) == 0) return KOUAN_OK;
        if ((rc = remember(g, f->subject_class, subj.label, is_alt ? "altLabel" : pred,
                           okind == KOUAN_TERM_IRI ? f->object_class : KOUAN_CLASS_LITERAL,
                           okind == KOUAN_TERM_IRI ? obj.label : o, f->evidence))) return rc;
        g->facts++; g->plugin_facts++;
        return KOUAN_OK;
    }
    /* an altLabel equal to the canonical label says nothing */
    if (is_alt && strcmp(o, subj.label) == 0)
        return describe(g, f->subject_class, &subj, f->subject, f);
    if ((rc = describe(g, f->subject_class, &subj, f->subject, f))) return rc;
    if (okind == KOUAN_TERM_IRI &&
        (rc = describe(g, f->object_class, &obj, f->object, f))) return rc;
    if ((rc = add(g, subj.iri, piri, o, okind, lang, dt))) return rc;
    if ((rc = evidence(g, f, subj.iri, piri, o, okind, lang, dt))) return rc;
    if ((rc = learn_official(g, f, subj_fixed))) return rc;
    if ((rc = note_form(g, f->subject_class, &subj, f->subject, f))) return rc;
    if (okind == KOUAN_TERM_IRI && (rc = note_form(g, f->object_class, &obj, f->object, f)))
        return rc;
    if ((rc = remember(g, f->subject_class, subj.label, is_alt ? "altLabel" : pred,
                       okind == KOUAN_TERM_IRI ? f->object_class : KOUAN_CLASS_LITERAL,
                       okind == KOUAN_TERM_IRI ? obj.label : o, f->evidence))) return rc;
    g->facts++; g->plugin_facts++;
    return KOUAN_OK;
}

/* ---- the emitter ---------------------------------------------------------------- */

typedef struct emitter_core {
    kouan_graph *g;
    char         error[512];   /* the first fact a plugin got wrong */
} emitter_core;

static int emit_cb(kouan_emitter *self, const kouan_fact *f)
{
    kouan_graph *g = self->core;
    char msg[512];
    int rc = kouan_graph_add_fact(g, f, msg, sizeof msg);
    if (rc == KOUAN_ENOTFOUND) {     /* not the plugin's fault: say so, go on */
        if (g->warn) g->warn(g->warn_user, f->evidence.start, msg);
        return KOUAN_OK;
    }
    if (rc && g->warn) g->warn(g->warn_user, f && f->evidence.start <= g->doc->len
                               ? f->evidence.start : 0, msg);
    return rc;
}

static void warn_cb(kouan_emitter *self, size_t at, const char *message)
{
    kouan_graph *g = self->core;
    if (g->warn) g->warn(g->warn_user, at, message);
}

void kouan_graph_emitter(kouan_graph *g, kouan_emitter *out)
{
    out->emit = emit_cb;
    out->warn = warn_cb;
    out->core = g;
}

/* ---- N-Quads ---------------------------------------------------------------- */

/* A growing byte buffer; oom once any growth failed. */
typedef struct nq_buf {
    char  *p;
    size_t len, cap;
    int    oom;
} nq_buf;

static inline int nq_room(nq_buf *b, size_t n);

static void nq_put(nq_buf *b, const void *v, size_t n)
{
    if (!nq_room(b, n)) return;
    memcpy(b->p + b->len, v, n);
    b->len += n;
}

static void nq_puts(nq_buf *b, const char *s) { nq_put(b, s, strlen(s)); }

/* Bytes that a term cannot hold as they are: 1 in an IRI, 2 in a literal,
 * 3 in both (N-Triples 1.1). */
static unsigned char nq_escape[256];

static void nq_escape_init(void)
{
    for (int c = 0; c < 0x20; c++) nq_escape[c] = 3;
    nq_escape[0x20] = 1;
    for (const char *q = "<>{}|^`"; *q; q++) nq_escape[(unsigned char)*q] = 1;
    nq_escape['"'] = nq_escape['\\'] = 3;
}

static int nq_grow(nq_buf *b, size_t n);

/* Makes room for n more bytes; 0 when out of memory (b->oom set). */
static inline int nq_room(nq_buf *b, size_t n)
{
    return b->len + n <= b->cap && !b->oom ? 1 : nq_grow(b, n);
}

static int nq_grow(nq_buf *b, size_t n)
{
    if (b->oom) return 0;
    if (b->len + n <= b->cap) return 1;
    size_t cap = b->cap ? b->cap : 1 << 16;
    while (cap < b->len + n) cap *= 2;
    char *p = realloc(b->p, cap);
    if (!p) { b->oom = 1; return 0; }
    b->p = p;
    b->cap = cap;
    return 1;
}

/* Writes a term (N-Triples 1.1 escaping, UTF-8 kept): room for the worst
 * case is made once, runs of bytes that need no escape go out in one copy
 * (this is the hot loop of --emit). */
static void nq_term(nq_buf *m, const char *v, int iri, const char *lang, const char *dt);

/* The first byte at or after p that a literal cannot hold as it is, or
 * end: eight bytes at a time while none is below 0x20, '"' or '\\' (the
 * quotes of prose are long and seldom escaped). */
static const unsigned char *nq_plain_literal(const unsigned char *p, const unsigned char *end)
{
    const uint64_t ones = 0x0101010101010101ULL, high = 0x8080808080808080ULL;
    for (; end - p >= 8; p += 8) {
        uint64_t x, q, bs;
        memcpy(&x, p, 8);
        q = x ^ (ones * '"');
        bs = x ^ (ones * '\\');
        if ((((x - ones * 0x20) & ~x) | ((q - ones) & ~q) | ((bs - ones) & ~bs)) & high)
            break;                      /* one of them is in these eight */
    }
    while (p < end && !(nq_escape[*p] & 2)) p++;
    return p;
}

static void nq_term_n(nq_buf *m, const char *v, size_t n, int iri, const char *lang,
                      const char *dt)
{
    if (!nq_room(m, 6 * n + 2)) return;        /* \u00XX: 6 bytes for 1 */
    char *w = m->p + m->len;
    const unsigned char *p = (const unsigned char *)v, *run = p, *end = p + n;
    *w++ = iri ? '<' : '"';
    for (;;) {
        if (iri)
            while (p < end && !(nq_escape[*p] & 1)) p++;
        else
            p = nq_plain_literal(p, end);
        if (p == end) break;
        unsigned char c = *p;
        memcpy(w, run, (size_t)(p - run));
        w += p - run;
        run = ++p;
        if (iri || c < 0x20) {
            if (!iri && c == '\n') { *w++ = '\\'; *w++ = 'n'; }
            else if (!iri && c == '\r') { *w++ = '\\'; *w++ = 'r'; }
            else {
                static const char hex[] = "0123456789ABCDEF";
                memcpy(w, "\\u00", 4);
                w[4] = hex[c >> 4];
                w[5] = hex[c & 15];
                w += 6;
            }
        } else {
            *w++ = '\\';
            *w++ = (char)c;
        }
    }
    memcpy(w, run, (size_t)(p - run));
    w += p - run;
    *w++ = iri ? '>' : '"';
    m->len = (size_t)(w - m->p);
    if (iri) return;
    if (dt) { nq_put(m, "^^", 2); nq_term(m, dt, 1, NULL, NULL); }
    else if (lang) { nq_put(m, "@", 1); nq_puts(m, lang); }
}

static void nq_term(nq_buf *m, const char *v, int iri, const char *lang, const char *dt)
{
    nq_term_n(m, v, strlen(v), iri, lang, dt);
}

/* One line of the buffer: where it is, how long, how many bytes its
 * subject term takes ("<…>"), and its subject's rank. */
typedef struct nq_line {
    size_t   at, len;
    uint32_t slen, rank;
} nq_line;

/* A distinct subject: where its term was first formatted. */
typedef struct nq_subj {
    size_t   at;
    uint32_t len, id;
} nq_subj;

static int cmp_subj(const void *a, const void *b, void *ctx)
{
    const nq_subj *x = a, *y = b;
    const char *base = ctx;
    /* two distinct IRI terms: neither is a prefix of the other (each ends
       with its only '>'), so the first difference decides */
    int r = memcmp(base + x->at, base + y->at, x->len < y->len ? x->len : y->len);
    return r ? r : (x->len > y->len) - (x->len < y->len);
}

/* Lines of one subject: by the bytes after the subject (no line is a
 * prefix of another: each ends with its only '\n'). */
static int cmp_rest(const char *base, const nq_line *x, const nq_line *y)
{
    size_t lx = x->len - x->slen, ly = y->len - y->slen;
    int r = memcmp(base + x->at + x->slen, base + y->at + y->slen, lx < ly ? lx : ly);
    return r ? r : (lx > ly) - (lx < ly);
}

static int cmp_rest_r(const void *a, const void *b, void *ctx)
{
    return cmp_rest(ctx, a, b);
}

/* A term formatted before (a predicate, an IRI object, a short literal):
 * its source string and where its bytes are in the buffer. */
typedef struct nq_memo {
    const char     *v, *lang, *dt;
    kouan_term_kind kind;
    size_t          at, len;
} nq_memo;

#define NQ_MEMO 512          /* direct-mapped, a power of two */
#define NQ_MEMO_MAX 160      /* longer literals (quotes) are not looked for */

static size_t nq_memo_slot(const char *v, size_t n, kouan_term_kind kind)
{
    const unsigned char *u = (const unsigned char *)v;
    size_t h = n * 131u + (size_t)kind;
    if (n) h = h * 31u + u[n - 1];
    if (n > 1) h = h * 31u + u[n - 2];
    if (n > 4) h = h * 31u + u[n / 2];
    return h & (NQ_MEMO - 1);
}

static int same_opt(const char *a, const char *b)
{
    return a == b || (a && b && strcmp(a, b) == 0);
}

/* nq_term for t's object or predicate, by copy when formatted before. */
static void nq_term_memo(nq_buf *m, nq_memo *memo, const char *v, kouan_term_kind kind,
                         const char *lang, const char *dt)
{
    size_t n = strlen(v);
    if (n > NQ_MEMO_MAX && kind != KOUAN_TERM_IRI) {
        nq_term_n(m, v, n, 0, lang, dt);
        return;
    }
    nq_memo *e = &memo[nq_memo_slot(v, n, kind)];
    if (e->v && e->kind == kind && (e->v == v || strcmp(e->v, v) == 0) &&
        same_opt(e->lang, lang) && same_opt(e->dt, dt)) {
        if (nq_room(m, e->len)) {
            memcpy(m->p + m->len, m->p + e->at, e->len);
            m->len += e->len;
        }
        return;
    }
    size_t at = m->len;
    nq_term_n(m, v, n, kind == KOUAN_TERM_IRI, lang, dt);
    if (m->oom) return;
    e->v = v; e->lang = lang; e->dt = dt; e->kind = kind;
    e->at = at; e->len = m->len - at;
}

/* The lines come out sorted as strcmp sorts them (what sort(1) with
 * LC_ALL=C gives): lines are grouped by subject — a line's order is its
 * subject's, then the rest's — so the distinct subjects (a few hundred per
 * document) are sorted once and each subject's few lines among themselves. */
int kouan_graph_format_nquads(const kouan_graph *g, char **out, size_t *out_len,
                              kouan_error *err)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, nq_escape_init);
    *out = NULL;
    *out_len = 0;
    nq_buf b = { 0 };
    size_t n = g->n;
    nq_line *lines = malloc((n ? n : 1) * sizeof *lines);
    nq_subj *subj = malloc((n ? n : 1) * sizeof *subj);
    nq_memo *memo = calloc(NQ_MEMO, sizeof *memo);
    kouan_strmap ids = { 0 };                  /* subject → id + 1 */
    size_t n_subj = 0;
    uint32_t *rank = NULL, *start = NULL;
    nq_line *order = NULL;
    char *sorted = NULL;
    int rc = KOUAN_ENOMEM;
    if (!lines || !subj || !memo) goto done;
    /* room for lines of 256 bytes at once (a corpus line averages ~190,
       its sentence quoted in each statement node): growing from 64 kB
       by doubling copied the buffer 5 times a document, 2 % of --emit's
       instructions; pages not written to are never made resident */
    if (n && n <= SIZE_MAX / 512) nq_room(&b, 256 * n);
    nq_buf tail = { 0 };                       /* " <graph> .\n", the same on every line */
    nq_put(&tail, " ", 1);
    nq_term(&tail, g->iri, 1, NULL, NULL);
    nq_put(&tail, " .\n", 3);
    b.oom = tail.oom;
    const char *prev_s = NULL;
    uint32_t prev_id = 0;
    for (size_t i = 0; i < n && !b.oom; i++) {
        const kouan_triple *t = &g->v[i];
        nq_line *l = &lines[i];
        l->at = b.len;
        uint32_t id;
        if (prev_s && (t->s == prev_s || strcmp(t->s, prev_s) == 0)) {
            id = prev_id;                      /* a statement node's run */
        } else {
            void *known = kouan_strmap_get(&ids, t->s);
            if (known) id = (uint32_t)((uintptr_t)known - 1);
            else {
                id = (uint32_t)n_subj;
                if (kouan_strmap_put(&ids, t->s, (void *)(uintptr_t)(id + 1))) { b.oom = 1; break; }
                subj[n_subj].at = SIZE_MAX;
                subj[n_subj].id = id;
                n_subj++;
            }
            prev_s = t->s;
            prev_id = id;
        }
        nq_subj *sj = &subj[id];
        if (sj->at == SIZE_MAX) {
            nq_term(&b, t->s, 1, NULL, NULL);
            if (b.oom) break;
            sj->at = l->at;
            sj->len = (uint32_t)(b.len - l->at);
        } else if (nq_room(&b, sj->len)) {
            memcpy(b.p + b.len, b.p + sj->at, sj->len);
            b.len += sj->len;
        }
        l->slen = sj->len;
        l->rank = id;
        nq_put(&b, " ", 1);
        nq_term_memo(&b, memo, t->p, KOUAN_TERM_IRI, NULL, NULL);
        nq_put(&b, " ", 1);
        nq_term_memo(&b, memo, t->o, t->o_kind, t->lang, t->datatype);
        nq_put(&b, tail.p, tail.len);
        l->len = b.len - l->at;
    }
    free(tail.p);
    if (b.oom) goto done;
    /* subjects in order; then each line's rank is its subject's */
    qsort_r(subj, n_subj, sizeof *subj, cmp_subj, b.p);
    rank = malloc((n_subj ? n_subj : 1) * sizeof *rank);
    start = calloc(n_subj + 1, sizeof *start);
    order = malloc((n ? n : 1) * sizeof *order);
    sorted = malloc(b.len ? b.len : 1);
    if (!rank || !start || !order || !sorted) goto done;
    for (size_t r = 0; r < n_subj; r++) rank[subj[r].id] = (uint32_t)r;
    for (size_t i = 0; i < n; i++) start[(lines[i].rank = rank[lines[i].rank]) + 1]++;
    for (size_t r = 0; r < n_subj; r++) start[r + 1] += start[r];
    for (size_t i = 0; i < n; i++) order[start[lines[i].rank]++] = lines[i];
    /* start[r] is now where rank r + 1 begins: sort each subject's lines */
    size_t from = 0;
    for (size_t r = 0; r < n_subj; r++) {
        size_t to = start[r], k = to - from;
        nq_line *v = order + from;
        if (k > 24) qsort_r(v, k, sizeof *v, cmp_rest_r, b.p);
        else
            for (size_t i = 1; i < k; i++) {          /* insertion sort */
                nq_line x = v[i];
                size_t j = i;
                while (j > 0 && cmp_rest(b.p, &v[j - 1], &x) > 0) { v[j] = v[j - 1]; j--; }
                v[j] = x;
            }
        from = to;
    }
    size_t at = 0;
    for (size_t i = 0; i < n; i++) {
        memcpy(sorted + at, b.p + order[i].at, order[i].len);
        at += order[i].len;
    }
    *out = sorted;
    *out_len = at;
    sorted = NULL;
    rc = KOUAN_OK;
done:
    free(lines);
    free(subj);
    free(memo);
    free(rank);
    free(start);
    free(order);
    free(sorted);
    free(b.p);
    kouan_strmap_free(&ids);
    return rc ? kouan_error_set(err, rc, "out of memory writing N-Quads") : KOUAN_OK;
}

int kouan_graph_write_nquads(const kouan_graph *g, FILE *out, kouan_error *err)
{
    char *text;
    size_t len;
    int rc = kouan_graph_format_nquads(g, &text, &len, err);
    if (rc) return rc;
    if (fwrite(text, 1, len, out) != len || fflush(out) != 0 || ferror(out))
        rc = kouan_error_set(err, KOUAN_EIO, "writing N-Quads failed");
    free(text);
    return rc;
}
