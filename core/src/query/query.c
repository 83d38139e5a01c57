/* query.c — SPARQL through Rasqal with kouan's prefixes predeclared, and
 * export of the store as Turtle, N-Triples or N-Quads (sorted, without the
 * duplicates the hashes storage keeps when two graphs hold one triple). */
#include "util/rdflog.h"
#include "format.h"
#include "session.h"
#include "query.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- query ------------------------------------------------------------------------ */

typedef struct query_log {
    char message[600];
    int  line, column, errors;
} query_log;

static int log_query(void *user, librdf_log_message *m)
{
    query_log *ql = user;
    if (librdf_log_message_level(m) < LIBRDF_LOG_ERROR) return 1;
    if (!ql->errors++) {
        raptor_locator *loc = librdf_log_message_locator(m);
        ql->line = loc ? raptor_locator_line(loc) : -1;
        ql->column = loc ? raptor_locator_column(loc) : -1;
        snprintf(ql->message, sizeof ql->message, "%s", librdf_log_message_message(m));
    }
    return 1;
}

/* Rasqal gives no position for some errors ('The namespace prefix in
 * "foo:bar" was not declared.'): find the quoted text in the user's query
 * and set *line (counting our prefix line, like Rasqal) and *column. */
static void locate_quoted(const char *sparql, const char *message, int *line, int *column)
{
    if (*line > 1) return;
    const char *q1 = strchr(message, '"');
    const char *q2 = q1 ? strchr(q1 + 1, '"') : NULL;
    if (!q1 || !q2 || q2 == q1 + 1) return;
    char needle[256];
    snprintf(needle, sizeof needle, "%.*s", (int)(q2 - q1 - 1), q1 + 1);
    const char *at = strstr(sparql, needle);
    if (!at) return;
    int l = 2, c = 1;
    for (const char *p = sparql; p < at; p++) {
        if (*p == '\n') { l++; c = 1; }
        else if (((unsigned char)*p & 0xC0) != 0x80) c++;
    }
    *line = l;
    *column = c;
}

/* For a SELECT whose projection aggregates without GROUP BY, the row SPARQL
 * answers over no solutions: COUNT and SUM are 0, other aggregates unbound.
 * NULL when the query is not of that kind.  The nodes are the caller's. */
static librdf_node **aggregate_row(librdf_world *w, rasqal_query *rq,
                                   raptor_sequence *seq, int nv)
{
    if (rasqal_query_get_verb(rq) != RASQAL_QUERY_VERB_SELECT ||
        rasqal_query_get_group_condition(rq, 0) != NULL)
        return NULL;
    int aggregates = 0;
    for (int i = 0; i < nv; i++) {
        rasqal_variable *v = raptor_sequence_get_at(seq, i);
        if (!v || !v->expression) return NULL;   /* a plain variable: no row */
        switch (v->expression->op) {
        case RASQAL_EXPR_COUNT: case RASQAL_EXPR_SUM: case RASQAL_EXPR_AVG:
        case RASQAL_EXPR_MIN: case RASQAL_EXPR_MAX: case RASQAL_EXPR_SAMPLE:
        case RASQAL_EXPR_GROUP_CONCAT:
            aggregates++;
            break;
        default:
            return NULL;
        }
    }
    librdf_node **row = aggregates ? calloc((size_t)nv, sizeof *row) : NULL;
    if (!row) return NULL;
    librdf_uri *xint = librdf_new_uri(w, (const unsigned char *)
                                      "http://www.w3.org/2001/XMLSchema#integer");
    for (int i = 0; i < nv && xint; i++) {
        rasqal_op op = ((rasqal_variable *)raptor_sequence_get_at(seq, i))->expression->op;
        if (op == RASQAL_EXPR_COUNT || op == RASQAL_EXPR_SUM)
            row[i] = librdf_new_node_from_typed_literal(w, (const unsigned char *)"0", NULL, xint);
    }
    if (xint) librdf_free_uri(xint);
    return row;
}

int kouan_query(kouan *k, const char *sparql, kouan_result_format fmt,
                FILE *out, size_t *rows, kouan_error *err)
{
    return kouan_query_bounded(k, sparql, fmt, out, 0, NULL, rows, err);
}

int kouan_query_bounded(kouan *k, const char *sparql, kouan_result_format fmt,
                        FILE *out, size_t max_rows, int *truncated, size_t *rows,
                        kouan_error *err)
{
    if (truncated) *truncated = 0;
    /* predeclare the prefixes on one line, so line numbers stay the user's */
    size_t need = strlen(sparql) + 2;
    for (size_t i = 0; kouan_prefixes[i][0]; i++)
        need += strlen(kouan_prefixes[i][0]) + strlen(kouan_prefixes[i][1]) + 16;
    char *text = malloc(need);
    if (!text) {
        err->code = KOUAN_ENOMEM;
        snprintf(err->message, sizeof err->message, "out of memory");
        return err->code;
    }
    size_t off = 0;
    for (size_t i = 0; kouan_prefixes[i][0]; i++) {
        /* a user's own PREFIX of the same name wins: skip ours */
        char decl[64];
        snprintf(decl, sizeof decl, "%s:", kouan_prefixes[i][0]);
        const char *p = sparql;
        int declared = 0;
        while ((p = strcasestr(p, "prefix"))) {
            p += 6;
            while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r') p++;
            if (strncmp(p, decl, strlen(decl)) == 0) { declared = 1; break; }
        }
        if (!declared)
            off += (size_t)sprintf(text + off, "PREFIX %s: <%s> ",
                                   kouan_prefixes[i][0], kouan_prefixes[i][1]);
    }
    sprintf(text + off, "\n%s", sparql);

    query_log ql = {0};
    librdf_world_set_logger(k->world, &ql, log_query);
    librdf_query *q = librdf_new_query(k->world, "sparql", NULL,
                                       (const unsigned char *)text, NULL);
    librdf_query_results *res = q ? librdf_query_execute(q, kouan_store_model(k->store)) : NULL;
    KOUAN_RDF_LOG_RESET(k->world);
    int rc = KOUAN_OK;
    if (!q || !res || ql.errors) {
        rc = KOUAN_EQUERY;
        err->code = rc;
        char where[64] = "";
        locate_quoted(sparql, ql.message, &ql.line, &ql.column);
        if (ql.errors && ql.line > 1 && ql.column > 0)
            snprintf(where, sizeof where, " line %d, column %d:", ql.line - 1, ql.column);
        else if (ql.errors && ql.line > 1)
            snprintf(where, sizeof where, " line %d:", ql.line - 1);
        snprintf(err->message, sizeof err->message, "query:%s %s", where,
                 ql.errors ? ql.message : "the query could not be run");
    } else {
        /* Rasqal names a SELECT's variables only from its first row; read
           them off the parsed query so an empty result still has a header */
        const char **vars = NULL;
        librdf_node **empty_row = NULL;
        int nv = 0;
        rasqal_query *rq = NULL;
        if (librdf_query_results_is_bindings(res)) {
            rq = rasqal_new_query(librdf_world_get_rasqal(k->world), "sparql", NULL);
            raptor_sequence *seq = rq && rasqal_query_prepare(rq, (const unsigned char *)text, NULL) == 0
                ? rasqal_query_get_bound_variable_sequence(rq) : NULL;
            nv = seq ? raptor_sequence_size(seq) : 0;
            if (nv > 0 && (vars = calloc((size_t)nv + 1, sizeof *vars)))
                for (int i = 0; i < nv; i++) {
                    rasqal_variable *v = raptor_sequence_get_at(seq, i);
                    vars[i] = v && v->name ? (const char *)v->name : "";
                }
            if (vars) empty_row = aggregate_row(k->world, rq, seq, nv);
        }
        rc = kouan_results_write_bounded(k->world, res, vars,
                                         (librdf_node *const *)empty_row, fmt, out,
                                         max_rows, truncated, rows, err);
        for (int i = 0; empty_row && i < nv; i++)
            if (empty_row[i]) librdf_free_node(empty_row[i]);
        free(empty_row);
        free(vars);
        if (rq) rasqal_free_query(rq);
    }
    if (res) librdf_free_query_results(res);
    if (q) librdf_free_query(q);
    free(text);
    return rc;
}

int kouan_lookup_literal(kouan *k, const char *s_iri, const char *p_iri,
                         char *out, size_t n)
{
    librdf_node *s = librdf_new_node_from_uri_string(k->world, (const unsigned char *)s_iri);
    librdf_node *p = librdf_new_node_from_uri_string(k->world, (const unsigned char *)p_iri);
    librdf_node *o = s && p ? librdf_model_get_target(kouan_store_model(k->store), s, p) : NULL;
    int rc = KOUAN_ENOTFOUND;
    if (o && librdf_node_is_literal(o)) {
        snprintf(out, n, "%s", (const char *)librdf_node_get_literal_value(o));
        rc = KOUAN_OK;
    }
    if (o) librdf_free_node(o);          /* get_target returns a new node */
    if (s) librdf_free_node(s);
    if (p) librdf_free_node(p);
    return rc;
}

/* ---- export ------------------------------------------------------------------------ */

typedef struct sbuf {
    char  *s;
    size_t len, cap;
} sbuf;

static int sb_put(sbuf *b, const char *p, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 256;
        while (cap < b->len + n + 1) cap *= 2;
        char *s = realloc(b->s, cap);
        if (!s) return -1;
        b->s = s; b->cap = cap;
    }
    memcpy(b->s + b->len, p, n);
    b->len += n;
    b->s[b->len] = '\0';
    return 0;
}

static int sb_str(sbuf *b, const char *s) { return sb_put(b, s, strlen(s)); }

/* N-Triples 1.1 term, UTF-8 kept as is. */
static int nt_term(sbuf *b, librdf_node *n)
{
    char esc[16];
    if (librdf_node_is_resource(n)) {
        const unsigned char *u = librdf_uri_as_string(librdf_node_get_uri(n));
        int rc = sb_put(b, "<", 1);
        for (; *u && !rc; u++) {
            if (*u <= 0x20 || strchr("<>\"{}|^`\\", *u)) {
                snprintf(esc, sizeof esc, "\\u%04X", *u);
                rc = sb_str(b, esc);
            } else rc = sb_put(b, (const char *)u, 1);
        }
        return rc ? rc : sb_put(b, ">", 1);
    }
    if (librdf_node_is_blank(n)) {
        int rc = sb_str(b, "_:");
        return rc ? rc : sb_str(b, (const char *)librdf_node_get_blank_identifier(n));
    }
    const unsigned char *v = librdf_node_get_literal_value(n);
    int rc = sb_put(b, "\"", 1);
    for (; v && *v && !rc; v++) {
        switch (*v) {
        case '"':  rc = sb_str(b, "\\\""); break;
        case '\\': rc = sb_str(b, "\\\\"); break;
        case '\n': rc = sb_str(b, "\\n"); break;
        case '\r': rc = sb_str(b, "\\r"); break;
        default:
            if (*v < 0x20) { snprintf(esc, sizeof esc, "\\u%04X", *v); rc = sb_str(b, esc); }
            else rc = sb_put(b, (const char *)v, 1);
        }
    }
    if (!rc) rc = sb_put(b, "\"", 1);
    const char *lang = librdf_node_get_literal_value_language(n);
    librdf_uri *dt = librdf_node_get_literal_value_datatype_uri(n);
    if (!rc && lang && *lang) { rc = sb_put(b, "@", 1); if (!rc) rc = sb_str(b, lang); }
    else if (!rc && dt) {
        rc = sb_str(b, "^^<");
        if (!rc) rc = sb_str(b, (const char *)librdf_uri_as_string(dt));
        if (!rc) rc = sb_put(b, ">", 1);
    }
    return rc;
}

typedef struct quad {
    char             *key;   /* the N-Triples / N-Quads line; for TriG
                                "G S P O" (G empty for the default graph) */
    librdf_statement *st;    /* owned copy (turtle only) */
    unsigned          g, s, p;  /* TriG: lengths of the G, S and P terms */
} quad;

static int cmp_quad(const void *a, const void *b)
{
    return strcmp(((const quad *)a)->key, ((const quad *)b)->key);
}

/* A librdf stream over a sorted array of statements, for the serializer. */
typedef struct array_stream { quad *v; size_t n, i; } array_stream;
static int as_end(void *c) { array_stream *a = c; return a->i >= a->n; }
static int as_next(void *c) { array_stream *a = c; a->i++; return a->i >= a->n; }
static void *as_get(void *c, int flags)
{
    array_stream *a = c;
    return flags == LIBRDF_STREAM_GET_METHOD_GET_OBJECT ? a->v[a->i].st : NULL;
}
static void as_finish(void *c) { (void)c; }

/* ---- TriG ------------------------------------------------------------------ */

/* Writes the N-Triples term t[0..n) to out, as a prefixed name when an IRI
 * (or a literal's datatype) starts with one of kouan_prefixes and the rest
 * is a plain ASCII local name (letters, digits, _ and -: always a valid
 * PN_LOCAL); every other term is written as it is, which TriG accepts. */
static void trig_term(const char *t, size_t n, int predicate, FILE *out)
{
    static const char RDF_TYPE[] = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>";
    if (predicate && n == sizeof RDF_TYPE - 1 && memcmp(t, RDF_TYPE, n) == 0) {
        fputc('a', out);
        return;
    }
    const char *iri = t;       /* where "<…>" starts inside the term */
    if (t[0] == '"') {
        const char *dt = NULL;
        for (size_t i = n; i-- > 1;)
            if (t[i] == '"') { dt = i + 3 < n && t[i + 1] == '^' ? t + i + 3 : NULL; break; }
        if (!dt) { fwrite(t, 1, n, out); return; }
        fwrite(t, 1, (size_t)(dt - t), out);
        iri = dt;
        n -= (size_t)(dt - t);
    }
    if (iri[0] == '<') {
        for (size_t i = 0; kouan_prefixes[i][0]; i++) {
            size_t ln = strlen(kouan_prefixes[i][1]);
            if (n <= ln + 2 || memcmp(iri + 1, kouan_prefixes[i][1], ln) != 0) continue;
            const char *local = iri + 1 + ln;
            size_t k = n - ln - 2;
            int ok = 1;
            for (size_t j = 0; j < k && ok; j++)
                ok = (local[j] >= 'a' && local[j] <= 'z') || (local[j] >= 'A' && local[j] <= 'Z') ||
                     (local[j] >= '0' && local[j] <= '9') || local[j] == '_' ||
                     (local[j] == '-' && j > 0);
            if (!ok) continue;
            fprintf(out, "%s:%.*s", kouan_prefixes[i][0], (int)k, local);
            return;
        }
    }
    fwrite(iri, 1, n, out);
}

/* v is sorted by graph, subject, predicate: one block per graph (the
 * default graph's triples first, outside any block), subjects grouped
 * with ';' and objects with ','. */
static void write_trig(const quad *v, size_t n, FILE *out)
{
    for (size_t i = 0; kouan_prefixes[i][0]; i++)
        fprintf(out, "@prefix %s: <%s> .\n", kouan_prefixes[i][0], kouan_prefixes[i][1]);
    for (size_t i = 0; i < n; i++) {
        const quad *q = &v[i], *prev = i ? &v[i - 1] : NULL;
        const char *k = q->key, *pk = prev ? prev->key : NULL;
        int same_g = prev && prev->g == q->g && memcmp(pk, k, q->g) == 0;
        const char *s = k + q->g + 1, *ps = prev ? pk + prev->g + 1 : NULL;
        int same_s = same_g && prev->s == q->s && memcmp(ps, s, q->s) == 0;
        const char *p = s + q->s + 1, *pp = prev ? ps + prev->s + 1 : NULL;
        int same_p = same_s && prev->p == q->p && memcmp(pp, p, q->p) == 0;
        const char *o = p + q->p + 1;
        const char *indent = q->g ? "    " : "";
        if (!same_g) {
            if (prev) fputs(prev->g ? " .\n}\n" : " .\n", out);
            fputc('\n', out);
            if (q->g) { fwrite(k, 1, q->g, out); fputs(" {\n", out); }
        }
        if (same_p) fputs(" ,\n", out);
        else if (same_s) fprintf(out, " ;\n%s    ", indent);
        else {
            if (same_g) fputs(" .\n", out);
            fputs(indent, out);
            trig_term(s, q->s, 0, out);
            fputc(' ', out);
        }
        if (same_p) fprintf(out, "%s        ", indent);
        else { trig_term(p, q->p, 1, out); fputc(' ', out); }
        trig_term(o, strlen(o), 0, out);
    }
    if (n) fputs(v[n - 1].g ? " .\n}\n" : " .\n", out);
}

int kouan_export(kouan *k, kouan_export_format fmt, FILE *out, kouan_error *err)
{
    if (fmt >= KOUAN_EXPORT_DOT && fmt <= KOUAN_EXPORT_CSV)
        return kouan_export_people(k, fmt, out, err);
    librdf_model *m = kouan_store_model(k->store);
    librdf_stream *st = librdf_model_as_stream(m);
    quad *v = NULL;
    size_t n = 0, cap = 0;
    int rc = KOUAN_OK;
    for (; st && !librdf_stream_end(st) && rc == KOUAN_OK; librdf_stream_next(st)) {
        librdf_statement *s = librdf_stream_get_object(st);
        sbuf b = {0};
        unsigned lg = 0, ls = 0, lp = 0;
        int e = 0;
        if (fmt == KOUAN_EXPORT_TRIG) {   /* graph first: the sort groups by it */
            librdf_node *ctx = librdf_stream_get_context2(st);
            if (ctx) e = nt_term(&b, ctx);
            lg = (unsigned)b.len;
            if (!e) e = sb_put(&b, " ", 1);
        }
        if (!e) e = nt_term(&b, librdf_statement_get_subject(s));
        ls = (unsigned)(b.len - lg - (fmt == KOUAN_EXPORT_TRIG));
        if (!e) e = sb_put(&b, " ", 1) || nt_term(&b, librdf_statement_get_predicate(s));
        lp = (unsigned)(b.len - lg - ls - 1 - (fmt == KOUAN_EXPORT_TRIG));
        if (!e) e = sb_put(&b, " ", 1) || nt_term(&b, librdf_statement_get_object(s));
        if (!e && fmt == KOUAN_EXPORT_NQUADS) {
            librdf_node *ctx = librdf_stream_get_context2(st);
            if (ctx) e = sb_put(&b, " ", 1) || nt_term(&b, ctx);
        }
        if (!e && fmt != KOUAN_EXPORT_TRIG) e = sb_str(&b, " .\n");
        if (!e && n == cap) {
            cap = cap ? cap * 2 : 1024;
            quad *nv = realloc(v, cap * sizeof *nv);
            if (nv) v = nv; else e = 1;
        }
        if (!e) {
            v[n].key = b.s;
            v[n].g = lg; v[n].s = ls; v[n].p = lp;
            v[n].st = fmt == KOUAN_EXPORT_TURTLE ? librdf_new_statement_from_statement(s) : NULL;
            if (fmt == KOUAN_EXPORT_TURTLE && !v[n].st) e = 1;
            else n++;
        }
        if (e) {
            free(b.s);
            rc = KOUAN_ENOMEM;
        }
    }
    if (st) librdf_free_stream(st);
    if (rc == KOUAN_OK) {
        if (n) qsort(v, n, sizeof *v, cmp_quad);   /* v is NULL when n is 0 */
        size_t u = 0;                    /* drop duplicates */
        for (size_t i = 0; i < n; i++) {
            if (u && strcmp(v[u - 1].key, v[i].key) == 0) {
                free(v[i].key);
                if (v[i].st) librdf_free_statement(v[i].st);
                continue;
            }
            v[u++] = v[i];
        }
        n = u;
        if (fmt == KOUAN_EXPORT_TURTLE) {
            librdf_serializer *ser = librdf_new_serializer(k->world, "turtle", NULL, NULL);
            for (size_t i = 0; ser && kouan_prefixes[i][0]; i++) {
                librdf_uri *u2 = librdf_new_uri(k->world, (const unsigned char *)kouan_prefixes[i][1]);
                if (u2) {
                    librdf_serializer_set_namespace(ser, u2, kouan_prefixes[i][0]);
                    librdf_free_uri(u2);
                }
            }
            array_stream as = { v, n, 0 };
            librdf_stream *s2 = librdf_new_stream(k->world, &as, as_end, as_next, as_get, as_finish);
            if (!ser || !s2 ||
                librdf_serializer_serialize_stream_to_file_handle(ser, out, NULL, s2) != 0)
                rc = KOUAN_EIO;
            if (s2) librdf_free_stream(s2);
            if (ser) librdf_free_serializer(ser);
        } else if (fmt == KOUAN_EXPORT_TRIG) {
            write_trig(v, n, out);
        } else {
            for (size_t i = 0; i < n; i++) fputs(v[i].key, out);
        }
        if (rc == KOUAN_OK && (fflush(out) != 0 || ferror(out))) rc = KOUAN_EIO;
        if (rc) {
            err->code = rc;
            snprintf(err->message, sizeof err->message, "export: writing the output failed");
        }
    } else {
        err->code = rc;
        snprintf(err->message, sizeof err->message, "export: out of memory");
    }
    for (size_t i = 0; i < n; i++) {
        free(v[i].key);
        if (v[i].st) librdf_free_statement(v[i].st);
    }
    free(v);
    return rc;
}
