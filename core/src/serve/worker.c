/* worker.c — one worker process of `kouan serve`: reads requests from the
 * server, answers each with its own read-only session (see serve.h).
 *
 * Queries go through kouan_query_bounded and the result writers of
 * format.c; a CONSTRUCT asked for as N-Triples is written as Turtle and
 * turned into N-Triples by Raptor.  Evidence and the page's graph walk the
 * model with one or two terms bound, as explain.c does, since Rasqal would
 * scan; the hashes storage returns a triple once per graph, so both drop
 * repeats. */
#include "negotiate.h"
#include "serve.h"
#include "wire.h"
#include "query/query.h"
#include "session.h"
#include "util/strmap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RDF   "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
#define RDFS  "http://www.w3.org/2000/01/rdf-schema#"
#define PROV  "http://www.w3.org/ns/prov#"
#define KO    KOUAN_NS_ONTOLOGY

#define JSON_TYPE "application/json"
#define TEXT_TYPE "text/plain; charset=utf-8"
#define GRAPH_MAX_NODES 2000

/* ---- JSON ------------------------------------------------------------------- */

static void json_str(FILE *f, const char *s)
{
    fputc('"', f);
    for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++) {
        if (*p == '"' || *p == '\\') { fputc('\\', f); fputc(*p, f); }
        else if (*p == '\n') fputs("\\n", f);
        else if (*p < 0x20) fprintf(f, "\\u%04x", *p);
        else fputc(*p, f);
    }
    fputc('"', f);
}

/* ---- the model ---------------------------------------------------------------- */

static librdf_node *iri(kouan *k, const char *s)
{
    return librdf_new_node_from_uri_string(k->world, (const unsigned char *)s);
}

static const char *uri_of(librdf_node *n)
{
    return n && librdf_node_is_resource(n)
        ? (const char *)librdf_uri_as_string(librdf_node_get_uri(n)) : NULL;
}

/* The target of (s, p) as text (an IRI or a literal's lexical form) in buf,
 * or NULL. */
static const char *target(kouan *k, librdf_node *s, const char *p, char *buf, size_t n)
{
    librdf_node *pn = iri(k, p);
    librdf_node *o = pn ? librdf_model_get_target(kouan_store_model(k->store), s, pn) : NULL;
    const char *r = NULL;
    if (o && librdf_node_is_literal(o)) {
        snprintf(buf, n, "%s", (const char *)librdf_node_get_literal_value(o));
        r = buf;
    } else if (o && librdf_node_is_resource(o)) {
        snprintf(buf, n, "%s", uri_of(o));
        r = buf;
    }
    if (o) librdf_free_node(o);              /* get_target gives a new node */
    if (pn) librdf_free_node(pn);
    return r;
}

/* An object term as the page sends it: an IRI, or "text"@lang, or
 * "text"^^<datatype>, or "text".  A new node, or NULL. */
static librdf_node *object_node(kouan *k, const char *o)
{
    if (o[0] != '"') return *o ? iri(k, o) : NULL;
    const char *end = strrchr(o, '"');
    if (end == o) return NULL;
    size_t n = (size_t)(end - o - 1);
    char *lex = malloc(n + 1), *w = lex;
    if (!lex) return NULL;
    for (const char *p = o + 1; p < end; p++) {
        if (*p == '\\' && p + 1 < end) p++;
        *w++ = *p;
    }
    *w = '\0';
    librdf_node *node = NULL;
    if (end[1] == '@')
        node = librdf_new_node_from_literal(k->world, (const unsigned char *)lex, end + 2, 0);
    else if (end[1] == '^' && end[2] == '^' && end[3] == '<') {
        char dt[1024];
        snprintf(dt, sizeof dt, "%s", end + 4);
        char *gt = strchr(dt, '>');
        if (gt) *gt = '\0';
        librdf_uri *u = librdf_new_uri(k->world, (const unsigned char *)dt);
        if (u) {
            node = librdf_new_node_from_typed_literal(k->world, (const unsigned char *)lex, NULL, u);
            librdf_free_uri(u);
        }
    } else
        node = librdf_new_node_from_literal(k->world, (const unsigned char *)lex, NULL, 0);
    free(lex);
    return node;
}

/* The label of an entity for people (rdfs:label), else the IRI's tail. */
static void label_of(kouan *k, librdf_node *n, char *buf, size_t sz)
{
    if (librdf_node_is_literal(n)) {
        snprintf(buf, sz, "%s", (const char *)librdf_node_get_literal_value(n));
        return;
    }
    const char *u = uri_of(n);
    if (!u) { snprintf(buf, sz, "_:%s", librdf_node_get_blank_identifier(n)); return; }
    if (target(k, n, RDFS "label", buf, sz) && strncmp(buf, "http", 4) != 0) return;
    const char *tail = strrchr(u, '#') ? strrchr(u, '#') + 1 : strrchr(u, '/') ? strrchr(u, '/') + 1 : u;
    snprintf(buf, sz, "%s", tail);
}

/* Every distinct statement matching (s, p, o) (NULL = any), as new copies;
 * *n receives how many.  NULL with *n = 0 when none (or out of memory). */
static librdf_statement **find_all(kouan *k, librdf_node *s, librdf_node *p,
                                   librdf_node *o, size_t *n)
{
    librdf_statement *pat = librdf_new_statement_from_nodes(k->world,
        s ? librdf_new_node_from_node(s) : NULL, p ? librdf_new_node_from_node(p) : NULL,
        o ? librdf_new_node_from_node(o) : NULL);
    *n = 0;
    if (!pat) return NULL;
    librdf_stream *st = librdf_model_find_statements(kouan_store_model(k->store), pat);
    librdf_statement **v = NULL;
    size_t cap = 0;
    for (; st && !librdf_stream_end(st); librdf_stream_next(st)) {
        librdf_statement *x = librdf_stream_get_object(st);
        int seen = 0;
        for (size_t i = 0; i < *n && !seen; i++) seen = librdf_statement_equals(v[i], x);
        if (seen) continue;
        if (*n == cap) {
            size_t nc = cap ? cap * 2 : 16;
            librdf_statement **nv = realloc(v, nc * sizeof *nv);
            if (!nv) break;
            v = nv;
            cap = nc;
        }
        if (!(v[*n] = librdf_new_statement_from_statement(x))) break;
        ++*n;
    }
    if (st) librdf_free_stream(st);
    librdf_free_statement(pat);
    return v;
}

static void free_all(librdf_statement **v, size_t n)
{
    for (size_t i = 0; i < n; i++) librdf_free_statement(v[i]);
    free(v);
}

/* ---- evidence ----------------------------------------------------------------- */

/* {"subject":…, "predicate":…, "object":…, "subjectLabel":…, "objectLabel":…,
 *  "evidence":[{"document","file","line","quote","rule","plugin"}…]} */
static int evidence(kouan *k, const char *s, const char *p, const char *o,
                    FILE *out, size_t *rows, char *why, size_t whyn)
{
    if (!*s || !*p || !*o) {
        snprintf(why, whyn, "evidence needs s=, p= and o= (the fact's subject and predicate "
                 "IRIs, and its object: an IRI or \"text\"@lang)");
        return 400;
    }
    librdf_node *sn = iri(k, s), *pn = iri(k, p), *on = object_node(k, o);
    librdf_node *rs = iri(k, RDF "subject"), *rp = iri(k, RDF "predicate"), *ro = iri(k, RDF "object");
    if (!sn || !pn || !on || !rs || !rp || !ro) {
        snprintf(why, whyn, "evidence: cannot read the fact (s=%s p=%s o=%s)", s, p, o);
        if (sn) librdf_free_node(sn);
        if (pn) librdf_free_node(pn);
        if (on) librdf_free_node(on);
        if (rs) librdf_free_node(rs);
        if (rp) librdf_free_node(rp);
        if (ro) librdf_free_node(ro);
        return 400;
    }
    librdf_model *m = kouan_store_model(k->store);
    char buf[4096];
    fputs("{\"subject\":", out); json_str(out, s);
    fputs(",\"predicate\":", out); json_str(out, p);
    fputs(",\"object\":", out); json_str(out, o);
    label_of(k, sn, buf, sizeof buf);
    fputs(",\"subjectLabel\":", out); json_str(out, buf);
    label_of(k, on, buf, sizeof buf);
    fputs(",\"objectLabel\":", out); json_str(out, buf);
    fputs(",\"evidence\":[", out);
    size_t n = 0, found = 0;
    librdf_statement **v = find_all(k, NULL, rs, sn, &n);
    kouan_strmap seen = {0};
    for (size_t i = 0; i < n; i++) {
        librdf_node *e = librdf_statement_get_subject(v[i]);
        const char *eu = uri_of(e);
        if (eu && kouan_strmap_get(&seen, eu)) continue;
        librdf_node *gp = librdf_model_get_target(m, e, rp);
        librdf_node *go = librdf_model_get_target(m, e, ro);
        int match = gp && go && librdf_node_equals(gp, pn) && librdf_node_equals(go, on);
        if (gp) librdf_free_node(gp);
        if (go) librdf_free_node(go);
        if (!match) continue;
        if (eu) kouan_strmap_put(&seen, eu, (void *)1);
        char doc[1024] = "", file[512] = "", line[32] = "", rule[256] = "", plugin[128] = "";
        if (target(k, e, PROV "wasDerivedFrom", doc, sizeof doc)) {
            librdf_node *dn = iri(k, doc);
            if (dn) {
                target(k, dn, KO "fileName", file, sizeof file);
                librdf_free_node(dn);
            }
        }
        target(k, e, KO "line", line, sizeof line);
        target(k, e, KO "rule", rule, sizeof rule);
        target(k, e, KO "plugin", plugin, sizeof plugin);
        fputs(found ? ",\n{" : "\n{", out);
        fputs("\"node\":", out); json_str(out, eu ? eu : "");
        fputs(",\"document\":", out); json_str(out, doc);
        fputs(",\"file\":", out); json_str(out, file);
        fprintf(out, ",\"line\":%ld", line[0] ? strtol(line, NULL, 10) : 0L);
        fputs(",\"quote\":", out);
        json_str(out, target(k, e, KO "quote", buf, sizeof buf) ? buf : "");
        fputs(",\"rule\":", out); json_str(out, rule);
        fputs(",\"plugin\":", out); json_str(out, plugin);
        fputc('}', out);
        found++;
    }
    fputs("]}\n", out);
    kouan_strmap_free(&seen);
    free_all(v, n);
    librdf_free_node(sn); librdf_free_node(pn); librdf_free_node(on);
    librdf_free_node(rs); librdf_free_node(rp); librdf_free_node(ro);
    *rows = found;
    return 200;
}

/* ---- the page's graph --------------------------------------------------------- */

/* The class the page colours by: the first of these the entity has. */
static const char *const CLASSES[] = { "Port", "Province", "TradeZone", "Country",
    "Prefecture", "County", "OpenBorderCity", "TransportMode", "Document", NULL };

static const char *class_of(kouan *k, librdf_node *n)
{
    librdf_node *type = iri(k, RDF "type");
    size_t cnt = 0;
    librdf_statement **v = type ? find_all(k, n, type, NULL, &cnt) : NULL;
    const char *best = NULL;
    size_t rank = (size_t)-1;
    for (size_t i = 0; i < cnt; i++) {
        const char *u = uri_of(librdf_statement_get_object(v[i]));
        if (!u || strncmp(u, KO, strlen(KO)) != 0) continue;
        for (size_t c = 0; CLASSES[c]; c++)
            if (strcmp(u + strlen(KO), CLASSES[c]) == 0 && c < rank) { rank = c; best = CLASSES[c]; }
    }
    free_all(v, cnt);
    if (type) librdf_free_node(type);
    return best ? best : "Other";
}

/* {"nodes":[{"id","label","class"}…], "edges":[{"s","p","o","label"}…]}:
 * the entities asked for, and the kouan: facts between them. */
static int graph(kouan *k, char *iris, FILE *out, size_t *rows, char *why, size_t whyn)
{
    kouan_strmap set = {0};
    char **ids = NULL;
    size_t n = 0, cap = 0;
    for (char *line = strtok(iris, "\r\n"); line; line = strtok(NULL, "\r\n")) {
        if (!*line || kouan_strmap_get(&set, line)) continue;
        if (n == GRAPH_MAX_NODES) {
            snprintf(why, whyn, "graph: more than %d entities asked for", GRAPH_MAX_NODES);
            kouan_strmap_free(&set);
            free(ids);
            return 413;
        }
        if (n == cap) {
            cap = cap ? cap * 2 : 64;
            char **ni = realloc(ids, cap * sizeof *ni);
            if (!ni) break;
            ids = ni;
        }
        ids[n++] = line;
        kouan_strmap_put(&set, line, (void *)1);
    }
    char buf[2048];
    size_t edges = 0;
    fputs("{\"nodes\":[", out);
    for (size_t i = 0; i < n; i++) {
        librdf_node *node = iri(k, ids[i]);
        if (!node) continue;
        label_of(k, node, buf, sizeof buf);
        fputs(i ? ",\n{\"id\":" : "\n{\"id\":", out); json_str(out, ids[i]);
        fputs(",\"label\":", out); json_str(out, buf);
        fputs(",\"class\":", out); json_str(out, class_of(k, node));
        fputc('}', out);
        librdf_free_node(node);
    }
    fputs("],\n\"edges\":[", out);
    for (size_t i = 0; i < n; i++) {
        librdf_node *node = iri(k, ids[i]);
        size_t cnt = 0;
        librdf_statement **v = node ? find_all(k, node, NULL, NULL, &cnt) : NULL;
        for (size_t j = 0; j < cnt; j++) {
            const char *p = uri_of(librdf_statement_get_predicate(v[j]));
            const char *o = uri_of(librdf_statement_get_object(v[j]));
            if (!p || !o || strncmp(p, KO, strlen(KO)) != 0 || !kouan_strmap_get(&set, o))
                continue;
            fputs(edges ? ",\n{\"s\":" : "\n{\"s\":", out); json_str(out, ids[i]);
            fputs(",\"p\":", out); json_str(out, p);
            fputs(",\"o\":", out); json_str(out, o);
            fputs(",\"label\":", out); json_str(out, p + strlen(KO));
            fputc('}', out);
            edges++;
        }
        free_all(v, cnt);
        if (node) librdf_free_node(node);
    }
    fputs("]}\n", out);
    kouan_strmap_free(&set);
    free(ids);
    *rows = edges;
    return 200;
}

/* ---- queries ------------------------------------------------------------------ */

typedef struct nt_out { raptor_serializer *ser; } nt_out;

static void nt_statement(void *user, raptor_statement *st)
{
    raptor_serializer_serialize_statement(((nt_out *)user)->ser, st);
}

/* Turtle (as format.c writes it) → N-Triples, in a new buffer (malloc). */
static char *turtle_to_ntriples(kouan *k, const char *ttl, size_t n, size_t *len)
{
    raptor_world *rw = librdf_world_get_raptor(k->world);
    raptor_uri *base = raptor_new_uri(rw, (const unsigned char *)"http://localhost/");
    raptor_parser *p = raptor_new_parser(rw, "turtle");
    raptor_serializer *s = raptor_new_serializer(rw, "ntriples");
    void *buf = NULL;
    size_t blen = 0;
    char *r = NULL;
    if (base && p && s && raptor_serializer_start_to_string(s, base, &buf, &blen) == 0) {
        nt_out ctx = { s };
        raptor_parser_set_statement_handler(p, &ctx, nt_statement);
        int bad = raptor_parser_parse_start(p, base) ||
                  raptor_parser_parse_chunk(p, (const unsigned char *)ttl, n, 1);
        raptor_serializer_serialize_end(s);
        raptor_free_serializer(s);            /* finishes the string */
        s = NULL;
        if (!bad && buf && (r = malloc(blen + 1))) {
            memcpy(r, buf, blen);
            r[blen] = '\0';
            *len = blen;
        }
        if (buf) raptor_free_memory(buf);
    }
    if (s) raptor_free_serializer(s);
    if (p) raptor_free_parser(p);
    if (base) raptor_free_uri(base);
    return r;
}

static int query(kouan *k, const char *text, serve_format fmt, size_t max_rows,
                 FILE *out, size_t *rows, int *truncated, char *why, size_t whyn)
{
    static const kouan_result_format F[] = {
        [SERVE_JSON] = KOUAN_RESULTS_JSON, [SERVE_XML] = KOUAN_RESULTS_XML,
        [SERVE_CSV] = KOUAN_RESULTS_CSV, [SERVE_TSV] = KOUAN_RESULTS_TSV,
        [SERVE_TURTLE] = KOUAN_RESULTS_JSON, [SERVE_NTRIPLES] = KOUAN_RESULTS_JSON };
    kouan_error err = {0};
    if (fmt > SERVE_NTRIPLES) fmt = SERVE_JSON;
    int rc = kouan_query_bounded(k, text, F[fmt], out, max_rows, truncated, rows, &err);
    if (rc == KOUAN_EQUERY) {
        snprintf(why, whyn, "%s", err.message);
        return 400;
    }
    if (rc) {
        snprintf(why, whyn, "%s", err.message);
        return 500;
    }
    return 200;
}

/* ---- the loop ------------------------------------------------------------------- */

int kouan_serve_worker(kouan *k, int fd)
{
    for (;;) {
        wire_request r;
        if (wire_read_request(fd, &r)) return 0;      /* the server is gone */
        char *body = NULL;
        size_t len = 0, rows = 0;
        int truncated = 0, status;
        char why[1200] = "";
        const char *type = JSON_TYPE;
        FILE *out = open_memstream(&body, &len);
        if (!out) {
            status = 500;
            snprintf(why, sizeof why, "out of memory");
        } else if (r.kind == WIRE_QUERY) {
            status = query(k, r.s[0], (serve_format)r.a, r.b, out, &rows, &truncated,
                           why, sizeof why);
        } else if (r.kind == WIRE_EVIDENCE) {
            status = evidence(k, r.s[0], r.s[1], r.s[2], out, &rows, why, sizeof why);
        } else if (r.kind == WIRE_GRAPH) {
            status = graph(k, r.s[0], out, &rows, why, sizeof why);
        } else {
            status = 500;
            snprintf(why, sizeof why, "worker: unknown request kind %u", r.kind);
        }
        if (out) fclose(out);
        if (status == 200 && r.kind == WIRE_QUERY && r.a == SERVE_NTRIPLES) {
            size_t nl = 0;
            char *nt = turtle_to_ntriples(k, body, len, &nl);
            free(body);
            body = nt;
            len = nl;
            if (!nt) {
                status = 500;
                snprintf(why, sizeof why, "cannot write the triples as N-Triples");
            }
        }
        int failed;
        if (status == 200) {
            failed = wire_send_answer(fd, 200, (uint32_t)rows, truncated ? WIRE_TRUNCATED : 0,
                                      type, body, len);
        } else {
            strncat(why, "\n", sizeof why - strlen(why) - 1);
            failed = wire_send_answer(fd, (uint32_t)status, 0, 0, TEXT_TYPE, why, strlen(why));
        }
        free(body);
        wire_request_free(&r);
        if (failed) return 0;
    }
}
