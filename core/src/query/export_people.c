/* export_people.c — the graph for people rather than RDF tools: Graphviz
 * DOT clustered by border trade zone (zone → province → port, and the
 * countries ports open to), rendered to SVG or PNG through libgvc, and a
 * CSV of ports for a spreadsheet (port, province, zone, countries,
 * transport, counterpart).
 *
 * Reads the store through the model API with one term bound (every storage
 * indexes that; Rasqal would scan), and sorts every list by label, so the
 * output depends only on the facts, not on the storage's order.  A triple
 * held by two documents comes back once per graph from hashes: lists drop
 * repeats. */
#include "format.h"
#include "query.h"
#include "session.h"
#include "util/error.h"

#include <graphviz/cgraph.h>
#include <graphviz/gvc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RDF   "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
#define RDFS  "http://www.w3.org/2000/01/rdf-schema#"
#define KO    KOUAN_NS_ONTOLOGY

/* ---- entities ------------------------------------------------------------------ */

/* An entity: its IRI and label (both owned). */
typedef struct ent { char *iri, *label; } ent;
typedef struct ents { ent *v; size_t n, cap; } ents;

typedef struct kport {
    ent   self;
    ents  provinces, countries, transport, counterparts;
} kport;

typedef struct people {
    kouan        *k;
    librdf_model *m;
    ents          zones, provinces, countries;
    long         *pzone;          /* parallel to provinces: index in zones, or -1 */
    kport         *ports;
    size_t        nports;
} people;

static int cmp_ent(const void *a, const void *b)
{
    const ent *x = a, *y = b;
    int c = strcmp(x->label, y->label);
    return c ? c : strcmp(x->iri, y->iri);
}

static void ents_free(ents *e)
{
    for (size_t i = 0; i < e->n; i++) { free(e->v[i].iri); free(e->v[i].label); }
    free(e->v);
    memset(e, 0, sizeof *e);
}

static int ents_add(ents *e, const char *iri, const char *label)
{
    for (size_t i = 0; i < e->n; i++)
        if (strcmp(e->v[i].iri, iri) == 0) return 0;       /* once */
    if (e->n == e->cap) {
        size_t cap = e->cap ? e->cap * 2 : 8;
        ent *v = realloc(e->v, cap * sizeof *v);
        if (!v) return KOUAN_ENOMEM;
        e->v = v;
        e->cap = cap;
    }
    e->v[e->n].iri = strdup(iri);
    e->v[e->n].label = strdup(label);
    if (!e->v[e->n].iri || !e->v[e->n].label) {
        free(e->v[e->n].iri);
        free(e->v[e->n].label);
        return KOUAN_ENOMEM;
    }
    e->n++;
    return 0;
}

static const char *uri_of(librdf_node *n)
{
    return n && librdf_node_is_resource(n)
        ? (const char *)librdf_uri_as_string(librdf_node_get_uri(n)) : NULL;
}

/* The rdfs:label of iri (the smallest, should there be several), else the
 * IRI's last segment; into buf. */
static const char *label(people *p, const char *iri, char *buf, size_t n)
{
    librdf_node *s = librdf_new_node_from_uri_string(p->k->world, (const unsigned char *)iri);
    librdf_node *l = librdf_new_node_from_uri_string(p->k->world, (const unsigned char *)RDFS "label");
    librdf_iterator *it = s && l ? librdf_model_get_targets(p->m, s, l) : NULL;
    buf[0] = '\0';
    for (; it && !librdf_iterator_end(it); librdf_iterator_next(it)) {
        librdf_node *o = librdf_iterator_get_object(it);
        const char *v = o && librdf_node_is_literal(o)
            ? (const char *)librdf_node_get_literal_value(o) : NULL;
        if (v && (!buf[0] || strcmp(v, buf) < 0)) snprintf(buf, n, "%s", v);
    }
    if (it) librdf_free_iterator(it);
    if (s) librdf_free_node(s);
    if (l) librdf_free_node(l);
    if (!buf[0]) {
        const char *t = strrchr(iri, '#') ? strrchr(iri, '#') + 1 : strrchr(iri, '/') ? strrchr(iri, '/') + 1 : iri;
        snprintf(buf, n, "%s", t);
    }
    return buf;
}

/* Adds to out every IRI object of (iri, pred), with its label. */
static int targets(people *p, const char *iri, const char *pred, ents *out)
{
    librdf_node *s = librdf_new_node_from_uri_string(p->k->world, (const unsigned char *)iri);
    librdf_node *pn = librdf_new_node_from_uri_string(p->k->world, (const unsigned char *)pred);
    librdf_iterator *it = s && pn ? librdf_model_get_targets(p->m, s, pn) : NULL;
    int rc = s && pn ? 0 : KOUAN_ENOMEM;
    char buf[512];
    for (; it && !rc && !librdf_iterator_end(it); librdf_iterator_next(it)) {
        const char *o = uri_of(librdf_iterator_get_object(it));
        if (!o) continue;
        /* vocabulary terms (kouan:Rail) are shown by local name */
        if (strncmp(o, KO, strlen(KO)) == 0) rc = ents_add(out, o, o + strlen(KO));
        else rc = ents_add(out, o, label(p, o, buf, sizeof buf));
    }
    if (it) librdf_free_iterator(it);
    if (s) librdf_free_node(s);
    if (pn) librdf_free_node(pn);
    if (out->n) qsort(out->v, out->n, sizeof *out->v, cmp_ent);   /* v may be NULL */
    return rc;
}

/* Every entity of class cls (a local name of the vocabulary), sorted. */
static int of_class(people *p, const char *cls, ents *out)
{
    char c[256];
    snprintf(c, sizeof c, KO "%s", cls);
    librdf_node *t = librdf_new_node_from_uri_string(p->k->world, (const unsigned char *)RDF "type");
    librdf_node *cn = librdf_new_node_from_uri_string(p->k->world, (const unsigned char *)c);
    librdf_iterator *it = t && cn ? librdf_model_get_sources(p->m, t, cn) : NULL;
    int rc = t && cn ? 0 : KOUAN_ENOMEM;
    char buf[512];
    for (; it && !rc && !librdf_iterator_end(it); librdf_iterator_next(it)) {
        const char *s = uri_of(librdf_iterator_get_object(it));
        if (s) rc = ents_add(out, s, label(p, s, buf, sizeof buf));
    }
    if (it) librdf_free_iterator(it);
    if (t) librdf_free_node(t);
    if (cn) librdf_free_node(cn);
    if (out->n) qsort(out->v, out->n, sizeof *out->v, cmp_ent);   /* v may be NULL */
    return rc;
}

static void people_free(people *p)
{
    ents_free(&p->zones);
    ents_free(&p->provinces);
    ents_free(&p->countries);
    free(p->pzone);
    for (size_t i = 0; i < p->nports; i++) {
        free(p->ports[i].self.iri);
        free(p->ports[i].self.label);
        ents_free(&p->ports[i].provinces);
        ents_free(&p->ports[i].countries);
        ents_free(&p->ports[i].transport);
        ents_free(&p->ports[i].counterparts);
    }
    free(p->ports);
}

/* The zone of a province (the first by label), or NULL. */
static const ent *zone_of(const people *p, const char *province)
{
    for (size_t i = 0; i < p->provinces.n; i++)
        if (strcmp(p->provinces.v[i].iri, province) == 0)
            return p->pzone[i] >= 0 ? &p->zones.v[p->pzone[i]] : NULL;
    return NULL;
}

static int people_load(people *p, kouan *k)
{
    memset(p, 0, sizeof *p);
    p->k = k;
    p->m = kouan_store_model(k->store);
    ents ports = {0};
    int rc = of_class(p, "TradeZone", &p->zones);
    if (!rc) rc = of_class(p, "Province", &p->provinces);
    if (!rc) rc = of_class(p, "Country", &p->countries);
    if (!rc && p->provinces.n && !(p->pzone = calloc(p->provinces.n, sizeof *p->pzone)))
        rc = KOUAN_ENOMEM;
    for (size_t i = 0; !rc && i < p->provinces.n; i++) {
        ents z = {0};
        p->pzone[i] = -1;
        rc = targets(p, p->provinces.v[i].iri, KO "tradeZone", &z);
        if (!rc && z.n) {        /* the first by label; typed TradeZone or not */
            size_t j = 0;
            while (j < p->zones.n && strcmp(p->zones.v[j].iri, z.v[0].iri) != 0) j++;
            if (j == p->zones.n) rc = ents_add(&p->zones, z.v[0].iri, z.v[0].label);
            p->pzone[i] = (long)j;
        }
        ents_free(&z);
    }
    if (!rc) rc = of_class(p, "Port", &ports);
    if (!rc && ports.n && !(p->ports = calloc(ports.n, sizeof *p->ports))) rc = KOUAN_ENOMEM;
    for (size_t i = 0; !rc && i < ports.n; i++) {
        kport *pt = &p->ports[p->nports++];
        pt->self = ports.v[i];
        ports.v[i].iri = ports.v[i].label = NULL;      /* moved */
        rc = targets(p, pt->self.iri, KO "province", &pt->provinces);
        if (!rc) rc = targets(p, pt->self.iri, KO "opensTo", &pt->countries);
        if (!rc) rc = targets(p, pt->self.iri, KO "transport", &pt->transport);
        if (!rc) rc = targets(p, pt->self.iri, KO "counterpart", &pt->counterparts);
        /* a counterpart's country is a country the port opens to */
        for (size_t j = 0; !rc && j < pt->counterparts.n; j++)
            rc = targets(p, pt->counterparts.v[j].iri, KO "country", &pt->countries);
    }
    ents_free(&ports);
    return rc;
}

/* A foreign port: no province, but a country of its own. */
static int is_foreign(people *p, const kport *pt)
{
    if (pt->provinces.n) return 0;
    ents c = {0};
    int foreign = targets(p, pt->self.iri, KO "country", &c) == 0 && c.n > 0;
    ents_free(&c);
    return foreign;
}

/* ---- CSV ---------------------------------------------------------------------- */

static void csv_field(FILE *out, const char *s)
{
    if (!strpbrk(s, ",\"\r\n")) { fputs(s, out); return; }
    fputc('"', out);
    for (; *s; s++) {
        if (*s == '"') fputc('"', out);
        fputc(*s, out);
    }
    fputc('"', out);
}

static void csv_list(FILE *out, const ents *e)
{
    fputc(',', out);
    if (e->n == 1) { csv_field(out, e->v[0].label); return; }
    size_t len = 1;
    for (size_t i = 0; i < e->n; i++) len += strlen(e->v[i].label) + 2;
    char *s = malloc(len);
    if (!s) return;
    s[0] = '\0';
    for (size_t i = 0; i < e->n; i++) {
        if (i) strcat(s, "; ");
        strcat(s, e->v[i].label);
    }
    csv_field(out, s);
    free(s);
}

typedef struct row { const kport *pt; const char *zone, *province; } row;

static int cmp_row(const void *a, const void *b)
{
    const row *x = a, *y = b;
    /* ports with no province last */
    int c = (!x->province[0]) - (!y->province[0]);
    if (c) return c;
    if ((c = strcmp(x->zone, y->zone))) return c;
    if ((c = strcmp(x->province, y->province))) return c;
    if ((c = strcmp(x->pt->self.label, y->pt->self.label))) return c;
    return strcmp(x->pt->self.iri, y->pt->self.iri);
}

/* One row per Chinese port (foreign ones appear as counterparts), sorted
 * by zone, province and port.  A port in two provinces lists both. */
static int write_csv(people *p, FILE *out)
{
    row *rows = calloc(p->nports + 1, sizeof *rows);
    size_t n = 0;
    if (!rows) return KOUAN_ENOMEM;
    for (size_t i = 0; i < p->nports; i++) {
        const kport *pt = &p->ports[i];
        if (is_foreign(p, pt)) continue;
        const ent *z = pt->provinces.n ? zone_of(p, pt->provinces.v[0].iri) : NULL;
        rows[n++] = (row){ pt, z ? z->label : "", pt->provinces.n ? pt->provinces.v[0].label : "" };
    }
    if (n) qsort(rows, n, sizeof *rows, cmp_row);   /* rows may be NULL */
    fputs("port,province,zone,countries,transport,counterpart\r\n", out);
    for (size_t i = 0; i < n; i++) {
        const kport *pt = rows[i].pt;
        ents zones = {0};
        for (size_t j = 0; j < pt->provinces.n; j++) {
            const ent *z = zone_of(p, pt->provinces.v[j].iri);
            if (z) ents_add(&zones, z->iri, z->label);
        }
        csv_field(out, pt->self.label);
        csv_list(out, &pt->provinces);
        csv_list(out, &zones);
        csv_list(out, &pt->countries);
        csv_list(out, &pt->transport);
        csv_list(out, &pt->counterparts);
        fputs("\r\n", out);
        ents_free(&zones);
    }
    free(rows);
    return 0;
}

/* ---- DOT ---------------------------------------------------------------------- */

/* A DOT double-quoted string. */
static void dot_str(FILE *out, const char *s)
{
    fputc('"', out);
    for (; *s; s++) {
        if (*s == '"' || *s == '\\') fputc('\\', out);
        if (*s == '\n') { fputs("\\n", out); continue; }
        fputc(*s, out);
    }
    fputc('"', out);
}

/* Colours by class, as on the page (web/kouan.js). */
#define C_PORT     "#dbeafe"
#define C_PROVINCE "#fde68a"
#define C_ZONE     "#fca5a5"
#define C_COUNTRY  "#bbf7d0"

static void dot_node(FILE *out, const char *indent, const ent *e, const char *shape,
                     const char *fill)
{
    fputs(indent, out);
    dot_str(out, e->iri);
    fputs(" [label=", out);
    dot_str(out, e->label);
    fprintf(out, ", shape=%s, fillcolor=\"%s\"];\n", shape, fill);
}

static void dot_edge(FILE *out, const char *a, const char *b, const char *attrs)
{
    fputs("  ", out);
    dot_str(out, a);
    fputs(" -> ", out);
    dot_str(out, b);
    fprintf(out, "%s;\n", attrs);
}

static int write_dot(people *p, FILE *out)
{
    fputs("// kouan: border ports, provinces, border trade zones and the countries\n"
          "// ports open to; one cluster per trade zone.  Render: dot -Tsvg\n"
          "digraph kouan {\n"
          "  graph [rankdir=LR, fontname=\"WenQuanYi Micro Hei,Noto Sans CJK SC,sans-serif\","
          " labelloc=t, label=\"口岸 → 省区 → 边境贸易区；口岸 → 国家\", nodesep=0.15,"
          " ranksep=1.2];\n"
          "  node [fontname=\"WenQuanYi Micro Hei,Noto Sans CJK SC,sans-serif\", style=filled,"
          " fontsize=11, height=0.3];\n"
          "  edge [color=\"#64748b\", arrowsize=0.6];\n", out);
    /* one cluster per zone (and one for provinces without a zone) */
    for (size_t z = 0; z <= p->zones.n; z++) {
        const ent *zone = z < p->zones.n ? &p->zones.v[z] : NULL;
        int any = 0;
        for (size_t i = 0; i < p->provinces.n && !any; i++) {
            const ent *pz = zone_of(p, p->provinces.v[i].iri);
            any = zone ? pz && strcmp(pz->iri, zone->iri) == 0 : !pz;
        }
        if (!zone && !any) continue;
        fprintf(out, "  subgraph \"cluster_%zu\" {\n    label=", z);
        dot_str(out, zone ? zone->label : "（未归入边境贸易区）");
        fputs(";\n    style=\"rounded,filled\"; fillcolor=\"#f8fafc\"; color=\"#94a3b8\";\n", out);
        if (zone) dot_node(out, "    ", zone, "doubleoctagon", C_ZONE);
        for (size_t i = 0; i < p->provinces.n; i++) {
            const ent *pz = zone_of(p, p->provinces.v[i].iri);
            if (zone ? !pz || strcmp(pz->iri, zone->iri) != 0 : pz != NULL) continue;
            dot_node(out, "    ", &p->provinces.v[i], "box", C_PROVINCE);
            /* the province's ports, in its zone's cluster */
            for (size_t j = 0; j < p->nports; j++) {
                const kport *pt = &p->ports[j];
                if (pt->provinces.n && strcmp(pt->provinces.v[0].iri, p->provinces.v[i].iri) == 0)
                    dot_node(out, "    ", &pt->self, "ellipse", C_PORT);
            }
        }
        fputs("  }\n", out);
    }
    /* countries and ports that belong to no province */
    for (size_t i = 0; i < p->countries.n; i++) {     /* those a port opens to */
        int used = 0;
        for (size_t j = 0; j < p->nports && !used; j++)
            for (size_t c = 0; c < p->ports[j].countries.n && !used; c++)
                used = !is_foreign(p, &p->ports[j]) &&
                       strcmp(p->ports[j].countries.v[c].iri, p->countries.v[i].iri) == 0;
        if (used) dot_node(out, "  ", &p->countries.v[i], "hexagon", C_COUNTRY);
    }
    for (size_t j = 0; j < p->nports; j++)
        if (!p->ports[j].provinces.n && !is_foreign(p, &p->ports[j]))
            dot_node(out, "  ", &p->ports[j].self, "ellipse", C_PORT);
    /* the chain: port → province → zone, port → country */
    for (size_t i = 0; i < p->provinces.n; i++) {
        const ent *z = zone_of(p, p->provinces.v[i].iri);
        if (z) dot_edge(out, p->provinces.v[i].iri, z->iri, " [color=\"#b91c1c\", penwidth=1.5]");
    }
    for (size_t j = 0; j < p->nports; j++) {
        const kport *pt = &p->ports[j];
        if (is_foreign(p, pt)) continue;
        for (size_t i = 0; i < pt->provinces.n; i++)
            dot_edge(out, pt->self.iri, pt->provinces.v[i].iri, "");
        for (size_t i = 0; i < pt->countries.n; i++) {
            int known = 0;
            for (size_t c = 0; c < p->countries.n && !known; c++)
                known = strcmp(p->countries.v[c].iri, pt->countries.v[i].iri) == 0;
            if (known) dot_edge(out, pt->self.iri, pt->countries.v[i].iri,
                                " [style=dashed, color=\"#15803d\"]");
        }
    }
    fputs("}\n", out);
    return 0;
}

/* ---- rendering ---------------------------------------------------------------- */

static int render(const char *dot, const char *format, FILE *out, kouan_error *err)
{
    GVC_t *gvc = gvContext();
    if (!gvc) return kouan_error_set(err, KOUAN_EIO, "export: cannot start Graphviz (libgvc)");
    Agraph_t *g = agmemread(dot);
    int rc = 0;
    if (!g)
        rc = kouan_error_set(err, KOUAN_EIO, "export: Graphviz could not read the graph");
    else if (gvLayout(gvc, g, "dot") != 0)
        rc = kouan_error_set(err, KOUAN_EIO, "export: Graphviz could not lay the graph out "
                             "(is the dot layout plugin installed? package graphviz)");
    else {
        if (gvRender(gvc, g, format, out) != 0)
            rc = kouan_error_set(err, KOUAN_EIO, "export: Graphviz has no %s renderer "
                                 "(package libgvc6 with its plugins; `dot -c` registers them)",
                                 format);
        gvFreeLayout(gvc, g);
    }
    if (g) agclose(g);
    gvFreeContext(gvc);
    return rc;
}

int kouan_export_people(kouan *k, kouan_export_format fmt, FILE *out, kouan_error *err)
{
    people p;
    int rc = people_load(&p, k);
    if (rc) {
        people_free(&p);
        return kouan_error_set(err, rc, "export: out of memory reading the store");
    }
    if (fmt == KOUAN_EXPORT_CSV) {
        rc = write_csv(&p, out);
    } else if (fmt == KOUAN_EXPORT_DOT) {
        rc = write_dot(&p, out);
    } else if (fmt == KOUAN_EXPORT_SVG || fmt == KOUAN_EXPORT_PNG) {
        char *dot = NULL;
        size_t len = 0;
        FILE *mem = open_memstream(&dot, &len);
        if (!mem) rc = KOUAN_ENOMEM;
        else {
            rc = write_dot(&p, mem);
            fclose(mem);
        }
        if (!rc) rc = render(dot, fmt == KOUAN_EXPORT_SVG ? "svg" : "png", out, err);
        else kouan_error_set(err, rc, "export: out of memory");
        free(dot);
    } else {
        rc = kouan_error_set(err, KOUAN_EINVAL, "export: unknown format %d", (int)fmt);
    }
    people_free(&p);
    if (!rc && (fflush(out) != 0 || ferror(out)))
        rc = kouan_error_set(err, KOUAN_EIO, "export: writing the output failed");
    if (rc && !err->message[0]) kouan_error_set(err, rc, "export: out of memory");
    return rc;
}
