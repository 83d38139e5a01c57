/* query.c — SPARQL through Rasqal with kouan's prefixes predeclared, and
 * export of the store as Turtle, N-Triples, N-Quads or TriG (sorted in
 * bounded memory, without the duplicates the hashes storage keeps when two
 * graphs hold one triple). */
#include "util/rdflog.h"
#include "format.h"
#include "session.h"
#include "query.h"
#include "util/strbuf.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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
    char *full = NULL;                  /* VALUES ?v { … } as Rasqal reads it right */
    if (kouan_sparql_values_full(sparql, &full) != KOUAN_OK) {
        err->code = KOUAN_ENOMEM;
        snprintf(err->message, sizeof err->message, "out of memory");
        return err->code;
    }
    const char *user = sparql;          /* the query as written: for error positions */
    if (full) sparql = full;
    /* predeclare the prefixes on one line, so line numbers stay the user's */
    size_t need = strlen(sparql) + 2;
    for (size_t i = 0; kouan_prefixes[i][0]; i++)
        need += strlen(kouan_prefixes[i][0]) + strlen(kouan_prefixes[i][1]) + 16;
    char *text = malloc(need);
    if (!text) {
        free(full);
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
        locate_quoted(user, ql.message, &ql.line, &ql.column);
        if (ql.errors && ql.line > 1 && ql.column > 0)
            snprintf(where, sizeof where, " line %d, column %d:", ql.line - 1, ql.column);
        else if (ql.errors && ql.line > 1)
            snprintf(where, sizeof where, " line %d:", ql.line - 1);
        /* Rasqal's words for a limit of its own, not of SPARQL: what to
           write instead */
        const char *instead = ql.errors && strstr(ql.message, "general scalar expression")
            ? " (Rasqal, kouan's SPARQL engine, cannot evaluate an aggregate inside "
              "ORDER BY or another expression: name it in the SELECT and use the name, e.g. "
              "SELECT ?v (COUNT(?p) AS ?n) WHERE { … } GROUP BY ?v ORDER BY DESC(?n))"
            : "";
        snprintf(err->message, sizeof err->message, "query:%s %s%s", where,
                 ql.errors ? ql.message : "the query could not be run", instead);
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
    free(full);
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


/* IRI_END: in the lines TriG and Turtle sort, an IRI's closing '>' (and a
 * datatype's) is written as 0x01, which no N-Triples line holds raw (control
 * characters are escaped), so that an IRI sorts before the IRIs it is a
 * prefix of (…/doc/X before …/doc/X#f1, #f1 before #f10), as Raptor orders
 * them; the writer puts the '>' back. */
#define IRI_END '\x01'

/* N-Triples 1.1 term, UTF-8 kept as is; IRIs closed by end. */
static int nt_term_end(kouan_strbuf *b, librdf_node *n, char end)
{
    char esc[16];
    if (librdf_node_is_resource(n)) {
        const unsigned char *u = librdf_uri_as_string(librdf_node_get_uri(n));
        int rc = kouan_strbuf_put(b, "<", 1);
        for (; *u && !rc; u++) {
            if (*u <= 0x20 || strchr("<>\"{}|^`\\", *u)) {
                snprintf(esc, sizeof esc, "\\u%04X", *u);
                rc = kouan_strbuf_puts(b, esc);
            } else rc = kouan_strbuf_put(b, (const char *)u, 1);
        }
        return rc ? rc : kouan_strbuf_put(b, &end, 1);
    }
    if (librdf_node_is_blank(n)) {
        int rc = kouan_strbuf_puts(b, "_:");
        return rc ? rc : kouan_strbuf_puts(b, (const char *)librdf_node_get_blank_identifier(n));
    }
    const unsigned char *v = librdf_node_get_literal_value(n);
    int rc = kouan_strbuf_put(b, "\"", 1);
    for (; v && *v && !rc; v++) {
        switch (*v) {
        case '"':  rc = kouan_strbuf_puts(b, "\\\""); break;
        case '\\': rc = kouan_strbuf_puts(b, "\\\\"); break;
        case '\n': rc = kouan_strbuf_puts(b, "\\n"); break;
        case '\r': rc = kouan_strbuf_puts(b, "\\r"); break;
        default:
            if (*v < 0x20) { snprintf(esc, sizeof esc, "\\u%04X", *v); rc = kouan_strbuf_puts(b, esc); }
            else rc = kouan_strbuf_put(b, (const char *)v, 1);
        }
    }
    if (!rc) rc = kouan_strbuf_put(b, "\"", 1);
    const char *lang = librdf_node_get_literal_value_language(n);
    librdf_uri *dt = librdf_node_get_literal_value_datatype_uri(n);
    if (!rc && lang && *lang) { rc = kouan_strbuf_put(b, "@", 1); if (!rc) rc = kouan_strbuf_puts(b, lang); }
    else if (!rc && dt) {
        rc = kouan_strbuf_puts(b, "^^<");
        if (!rc) rc = kouan_strbuf_puts(b, (const char *)librdf_uri_as_string(dt));
        if (!rc) rc = kouan_strbuf_put(b, &end, 1);
    }
    return rc;
}

/* ---- export: every statement sorted, each once, in bounded memory -----------
 *
 * Each statement becomes a line: its N-Triples (or N-Quads) text, or for
 * TriG and Turtle "G S P O" (G empty for Turtle, the merged view) with the
 * lengths of G, S and P, which the writer groups by.  Lines are sorted by
 * their bytes (strcmp) and equal lines written once: the same store gives
 * the same bytes, whatever its storage or the order documents came in.
 *
 * A store can hold far more lines than memory (200 MB of documents: 37 M
 * quads, ~9 GB of lines), so the sort is an external merge sort: lines
 * collect in one buffer of run_bytes (default 64 MiB; KOUAN_EXPORT_RUN_BYTES)
 * with their records; a full buffer is sorted and written as a run to an
 * unlinked temporary file in $TMPDIR (else /tmp); at the end the runs are
 * merged through a heap.  A store whose lines fit in one buffer never
 * touches the disk.  Memory is the buffer, a 64 KiB read buffer a run and
 * the store's mapped pages (bounded by kouan_store_limit_resident).
 *
 * Turtle is written here too, as TriG's default graph is: Raptor's Turtle
 * serializer keeps every statement in memory until the end (a tree of all
 * subjects, to abbreviate), which a large store does not fit. */

typedef struct rec {
    size_t   off;            /* of the line in the run buffer */
    unsigned len, g, s, p;   /* its bytes; TriG/Turtle: G, S and P lengths */
} rec;

typedef struct run {
    FILE    *f;
    char    *key;            /* the current line, read from f */
    size_t   cap;
    unsigned len, g, s, p;
    char    *iobuf;
} run;

typedef struct xsort {
    char       *buf;          /* the lines of the run being collected */
    size_t      used, cap;
    rec        *v;
    size_t      n, vcap;
    run        *runs;
    size_t      nruns, rcap;
    const char *tmpdir;
    char        why[300];    /* what failed (an I/O error), for the message */
} xsort;

/* The array p (*cap elements of size elem) with room for need (need > 0),
 * doubling from first: p itself when it has room, NULL when memory is out
 * (p is then untouched and still the caller's). */
static void *grow(void *p, size_t *cap, size_t need, size_t elem, size_t first)
{
    if (need <= *cap) return p;
    size_t c = *cap ? *cap : first;
    while (c < need) c *= 2;
    void *np = realloc(p, c * elem);
    if (np) *cap = c;
    return np;
}

static int key_cmp(const char *a, size_t la, const char *b, size_t lb)
{
    int d = memcmp(a, b, la < lb ? la : lb);
    return d ? d : (la > lb) - (la < lb);   /* = strcmp: lines hold no NUL */
}

static int cmp_rec(const void *x, const void *y, void *base)
{
    const rec *a = x, *b = y;
    const char *buf = base;
    return key_cmp(buf + a->off, a->len, buf + b->off, b->len);
}

/* LEB128: 7 bits a byte, the high bit set on all but the last. */
static int put_varint(FILE *f, unsigned v)
{
    while (v >= 0x80) {
        if (putc((int)(v & 0x7F) | 0x80, f) == EOF) return -1;
        v >>= 7;
    }
    return putc((int)v, f) == EOF ? -1 : 0;
}

static int get_varint(FILE *f, unsigned *v)
{
    unsigned x = 0;
    for (int shift = 0; shift < 35; shift += 7) {
        int c = getc(f);
        if (c == EOF) return -1;
        x |= (unsigned)(c & 0x7F) << shift;
        if (!(c & 0x80)) { *v = x; return 0; }
    }
    return -1;
}

static int xs_spill(xsort *x)
{
    if (!x->n) return KOUAN_OK;
    qsort_r(x->v, x->n, sizeof *x->v, cmp_rec, x->buf);
    run *runs = grow(x->runs, &x->rcap, x->nruns + 1, sizeof *runs, 16);
    if (!runs) return KOUAN_ENOMEM;
    x->runs = runs;
    char path[4200];
    snprintf(path, sizeof path, "%s/kouan-export.XXXXXX", x->tmpdir);
    int fd = mkstemp(path);
    FILE *f = fd >= 0 ? fdopen(fd, "w+b") : NULL;
    if (!f) {
        snprintf(x->why, sizeof x->why, "cannot create a temporary file in %s: %s "
                 "(TMPDIR names the folder)", x->tmpdir, strerror(errno));
        if (fd >= 0) close(fd);
        return KOUAN_EIO;
    }
    unlink(path);                      /* gone when closed, whatever happens */
    x->runs[x->nruns++] = (run){ .f = f };
    const rec *prev = NULL;
    for (size_t i = 0; i < x->n; i++) {
        const rec *r = &x->v[i];
        if (prev && cmp_rec(prev, r, x->buf) == 0) continue;   /* a smaller run */
        /* sorted lines share long prefixes (a subject and its predicates):
           each record is the bytes it shares with the one before and the
           rest, its numbers as varints: a run takes 57 % of its lines'
           bytes (N-Quads of the 40 MB corpus' store), 108 % as whole lines */
        const char *k = x->buf + r->off, *pk = prev ? x->buf + prev->off : NULL;
        unsigned shared = 0;
        while (prev && shared < r->len && shared < prev->len && k[shared] == pk[shared]) shared++;
        if (put_varint(f, shared) || put_varint(f, r->len - shared) || put_varint(f, r->g) ||
            put_varint(f, r->s) || put_varint(f, r->p) ||
            fwrite(k + shared, 1, r->len - shared, f) != r->len - shared)
            break;
        prev = r;
    }
    if (fflush(f) != 0 || ferror(f) || fseek(f, 0, SEEK_SET) != 0) {
        snprintf(x->why, sizeof x->why, "writing a temporary file in %s failed: %s "
                 "(TMPDIR names the folder)", x->tmpdir, strerror(errno));
        return KOUAN_EIO;
    }
    x->used = x->n = 0;
    return KOUAN_OK;
}

/* Adds a line (b's bytes; g, s, p as for rec) to the sort. */
static int xs_add(xsort *x, const char *b, size_t len, unsigned g, unsigned s, unsigned p)
{
    if (x->used + len > x->cap && x->n) {
        int rc = xs_spill(x);
        if (rc) return rc;
    }
    char *buf = grow(x->buf, &x->cap, len, 1, len);   /* a line longer than it */
    if (!buf) return KOUAN_ENOMEM;
    x->buf = buf;
    rec *v = grow(x->v, &x->vcap, x->n + 1, sizeof *v, 4096);
    if (!v) return KOUAN_ENOMEM;
    x->v = v;
    memcpy(x->buf + x->used, b, len);
    x->v[x->n++] = (rec){ x->used, (unsigned)len, g, s, p };
    x->used += len;
    return KOUAN_OK;
}

/* Reads run r's next line (after the line before, still in r->key):
 * 1 read, 0 at its end, -1 on an error. */
static int run_next(run *r)
{
    unsigned h[5];                     /* shared, rest, g, s, p */
    int c = getc(r->f);
    if (c == EOF) return feof(r->f) ? 0 : -1;
    ungetc(c, r->f);
    for (int i = 0; i < 5; i++)
        if (get_varint(r->f, &h[i])) return -1;
    size_t len = (size_t)h[0] + h[1];
    if (h[0] > r->len) return -1;       /* shares more than the line before has */
    char *key = grow(r->key, &r->cap, len + 1, 1, 64);
    if (!key) return -1;
    r->key = key;
    if (fread(r->key + h[0], 1, h[1], r->f) != h[1]) return -1;
    r->key[len] = '\0';
    r->len = (unsigned)len; r->g = h[2]; r->s = h[3]; r->p = h[4];
    return 1;
}

static void xs_free(xsort *x)
{
    for (size_t i = 0; i < x->nruns; i++) {
        if (x->runs[i].f) fclose(x->runs[i].f);
        free(x->runs[i].key);
        free(x->runs[i].iobuf);
    }
    free(x->runs);
    free(x->buf);
    free(x->v);
}

/* ---- writing sorted lines ----------------------------------------------------- */

typedef struct writer {
    kouan_export_format fmt;
    FILE    *out;
    char    *prev;           /* the line before, as sorted: each line once, */
    size_t   pcap;           /* and TriG/Turtle group by it */
    unsigned plen, g, s, p;
    int      have;
    char    *line;           /* TriG/Turtle: this line with its '>' back */
    size_t   lcap;
    uint64_t offered, total; /* lines put (repeats too), of the statements read */
    kouan_progress_cb progress;
    void    *user;
} writer;

/* A literal's lexical form t[0..n) (N-Triples escapes, quotes excluded) as
 * Turtle writes it: the same, but TAB, BS and FF escaped as \t, \b, \f
 * rather than N-Triples' \u0009, \u0008, \u000C. */
static void lit_body(const char *t, size_t n, FILE *out)
{
    for (size_t i = 0; i < n; i++) {
        if (t[i] != '\\' || i + 1 >= n) { fputc(t[i], out); continue; }
        if (t[i + 1] == 'u' && i + 5 < n && t[i + 2] == '0' && t[i + 3] == '0' && t[i + 4] == '0') {
            char c = t[i + 5], r = c == '9' ? 't' : c == '8' ? 'b' : c == 'C' ? 'f' : 0;
            if (r) { fputc('\\', out); fputc(r, out); i += 5; continue; }
        }
        fputc('\\', out);              /* an escape: both characters as they are */
        fputc(t[++i], out);
    }
}

/* Whether v[0..n) is the lexical form Turtle writes bare for datatype dt
 * (an IRI without brackets): integer, decimal, boolean. */
static int bare_literal(const char *v, size_t n, const char *dt, size_t dn)
{
    static const char XSD[] = "http://www.w3.org/2001/XMLSchema#";
    size_t xl = sizeof XSD - 1;
    if (dn <= xl || memcmp(dt, XSD, xl) != 0 || n == 0) return 0;
    const char *ty = dt + xl;
    size_t tl = dn - xl;
    if (tl == 7 && !memcmp(ty, "boolean", 7))
        return (n == 4 && !memcmp(v, "true", 4)) || (n == 5 && !memcmp(v, "false", 5));
    int integer = tl == 7 && !memcmp(ty, "integer", 7);
    if (!integer && !(tl == 7 && !memcmp(ty, "decimal", 7))) return 0;
    size_t i = v[0] == '+' || v[0] == '-', digits = 0, after = 0, dot = 0;
    for (; i < n; i++) {
        if (v[i] >= '0' && v[i] <= '9') { digits++; after += dot; }
        else if (v[i] == '.' && !integer && !dot) dot = 1;
        else return 0;
    }
    return integer ? digits > 0 : after > 0;
}

/* Writes an IRI <…> (t[0..n), brackets included) as a prefixed name when it
 * starts with one of kouan_prefixes and the rest is a plain ASCII local name
 * (letters, digits, _ and -: always a valid PN_LOCAL), else as it is. */
static void iri_out(const char *iri, size_t n, FILE *out)
{
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
    fwrite(iri, 1, n, out);
}

/* Writes the N-Triples term t[0..n) (its IRIs closed by '>') as TriG and
 * Turtle write it: IRIs as prefixed names where they can be, rdf:type as
 * `a` in the predicate, integers, decimals and booleans bare. */
static void trig_term(const char *t, size_t n, int predicate, FILE *out)
{
    static const char RDF_TYPE[] = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>";
    if (predicate && n == sizeof RDF_TYPE - 1 && memcmp(t, RDF_TYPE, n) == 0) {
        fputc('a', out);
        return;
    }
    if (t[0] == '<') { iri_out(t, n, out); return; }
    if (t[0] != '"') { fwrite(t, 1, n, out); return; }   /* a blank node */
    size_t q = n;                      /* the closing quote */
    while (q-- > 1 && t[q] != '"') {}
    const char *dt = q + 3 < n && t[q + 1] == '^' ? t + q + 3 : NULL;
    if (dt && bare_literal(t + 1, q - 1, dt + 1, (size_t)(t + n - dt) - 2)) {
        fwrite(t + 1, 1, q - 1, out);
        return;
    }
    fputc('"', out);
    lit_body(t + 1, q - 1, out);
    fputc('"', out);
    if (dt) { fputs("^^", out); iri_out(dt, (size_t)(t + n - dt), out); }
    else fwrite(t + q + 1, 1, n - q - 1, out);           /* @lang */
}

static void w_begin(writer *w)
{
    if (w->fmt != KOUAN_EXPORT_TRIG && w->fmt != KOUAN_EXPORT_TURTLE) return;
    for (size_t i = 0; kouan_prefixes[i][0]; i++)
        fprintf(w->out, "@prefix %s: <%s> .\n", kouan_prefixes[i][0], kouan_prefixes[i][1]);
}

/* One line, in sorted order; a line equal to the one before is dropped
 * (each statement once: the runs and the graphs repeat them).  N-Triples
 * and N-Quads lines are written as they are.  TriG/Turtle lines (IRIs
 * closed by IRI_END) are sorted by graph, subject, predicate: for TriG one
 * block per graph (the default graph's triples first, outside any block),
 * subjects grouped with ';' and objects with ','; for Turtle, as Raptor
 * lays it out, each subject on a line of its own, its predicates below
 * it, a predicate's objects on one line. */
static int w_put(writer *w, const char *k, unsigned len, unsigned g, unsigned s, unsigned p)
{
    FILE *out = w->out;
    if (++w->offered % KOUAN_PROGRESS_EVERY == 0 && w->progress)
        w->progress("writing", w->offered, w->total, w->user);
    if (w->have && w->plen == len && memcmp(w->prev, k, len) == 0) return KOUAN_OK;
    int grouped = w->fmt == KOUAN_EXPORT_TRIG || w->fmt == KOUAN_EXPORT_TURTLE;
    if (!grouped) fwrite(k, 1, len, out);
    else {
        const char *pk = w->prev;
        size_t sep = w->fmt == KOUAN_EXPORT_TRIG;   /* the space after G */
        int same_g = w->have && w->g == g && memcmp(pk, k, g) == 0;
        const char *ks = k + g + sep, *ps = w->have ? pk + w->g + sep : NULL;
        int same_s = same_g && w->s == s && memcmp(ps, ks, s) == 0;
        const char *kp = ks + s + 1, *pp = w->have ? ps + w->s + 1 : NULL;
        int same_p = same_s && w->p == p && memcmp(pp, kp, p) == 0;
        /* the terms written come from this line with its '>' back */
        char *t = grow(w->line, &w->lcap, len, 1, 64);
        if (!t) return KOUAN_ENOMEM;
        w->line = t;
        for (unsigned i = 0; i < len; i++) t[i] = k[i] == IRI_END ? '>' : k[i];
        const char *ts = t + (ks - k), *tp = t + (kp - k), *to = tp + p + 1;
        size_t olen = len - (size_t)(to - t);
        if (w->fmt == KOUAN_EXPORT_TURTLE) {
            if (same_p) fputs(", ", out);
            else if (same_s) fputs(" ;\n    ", out);
            else {
                fputs(w->have ? " .\n\n" : "\n", out);
                trig_term(ts, s, 0, out);
                fputs("\n    ", out);
            }
            if (!same_p) { trig_term(tp, p, 1, out); fputc(' ', out); }
        } else {
            const char *indent = g ? "    " : "";
            if (!same_g) {
                if (w->have) fputs(w->g ? " .\n}\n" : " .\n", out);
                fputc('\n', out);
                if (g) { fwrite(t, 1, g, out); fputs(" {\n", out); }
            }
            if (same_p) fputs(" ,\n", out);
            else if (same_s) fprintf(out, " ;\n%s    ", indent);
            else {
                if (same_g) fputs(" .\n", out);
                fputs(indent, out);
                trig_term(ts, s, 0, out);
                fputc(' ', out);
            }
            if (same_p) fprintf(out, "%s        ", indent);
            else { trig_term(tp, p, 1, out); fputc(' ', out); }
        }
        trig_term(to, olen, 0, out);
    }
    char *prev = grow(w->prev, &w->pcap, len, 1, 64);
    if (!prev) return KOUAN_ENOMEM;
    memcpy(w->prev = prev, k, len);
    w->plen = len; w->g = g; w->s = s; w->p = p;
    w->have = 1;
    return KOUAN_OK;
}

static void w_end(writer *w)
{
    if ((w->fmt == KOUAN_EXPORT_TRIG || w->fmt == KOUAN_EXPORT_TURTLE) && w->have)
        fputs(w->fmt == KOUAN_EXPORT_TRIG && w->g ? " .\n}\n" : " .\n", w->out);
    free(w->prev);
    free(w->line);
}

/* Whether run i's current line sorts before run j's. */
static int run_lt(const xsort *x, size_t i, size_t j)
{
    const run *a = &x->runs[i], *b = &x->runs[j];
    return key_cmp(a->key, a->len, b->key, b->len) < 0;
}

/* Merges the runs (and what is still in the buffer, sorted and written as
 * the last run) into w, which writes each line once. */
static int xs_merge(xsort *x, writer *w)
{
    if (x->nruns == 0) {               /* all in memory */
        if (x->n) qsort_r(x->v, x->n, sizeof *x->v, cmp_rec, x->buf);   /* v NULL when 0 */
        int rc = KOUAN_OK;
        for (size_t i = 0; i < x->n && !rc; i++) {
            const rec *r = &x->v[i];
            rc = w_put(w, x->buf + r->off, r->len, r->g, r->s, r->p);
        }
        return rc;
    }
    int rc = xs_spill(x);
    if (rc) return rc;
    free(x->buf); x->buf = NULL; x->cap = 0;   /* the merge needs none of it */
    free(x->v); x->v = NULL; x->vcap = 0;
    size_t *heap = malloc(x->nruns * sizeof *heap), nh = 0;
    if (!heap) return KOUAN_ENOMEM;
    for (size_t i = 0; i < x->nruns && !rc; i++) {
        run *r = &x->runs[i];
        if ((r->iobuf = malloc(1 << 16))) setvbuf(r->f, r->iobuf, _IOFBF, 1 << 16);
        int got = run_next(r);
        if (got < 0) rc = KOUAN_EIO;
        else if (got) {                /* sift up */
            size_t c = nh++;
            heap[c] = i;
            while (c > 0) {
                size_t up = (c - 1) / 2;
                if (!run_lt(x, heap[c], heap[up])) break;
                size_t t = heap[c]; heap[c] = heap[up]; heap[up] = t;
                c = up;
            }
        }
    }
    while (nh && !rc) {
        run *r = &x->runs[heap[0]];
        rc = w_put(w, r->key, r->len, r->g, r->s, r->p);   /* drops repeats */
        if (rc) break;
        int got = run_next(r);
        if (got < 0) { rc = KOUAN_EIO; break; }
        if (!got) heap[0] = heap[--nh];
        for (size_t c = 0;;) {         /* sift down */
            size_t l = 2 * c + 1, m = c;
            if (l >= nh) break;
            if (run_lt(x, heap[l], heap[m])) m = l;
            if (l + 1 < nh && run_lt(x, heap[l + 1], heap[m])) m = l + 1;
            if (m == c) break;
            size_t t = heap[c]; heap[c] = heap[m]; heap[m] = t;
            c = m;
        }
    }
    if (rc == KOUAN_EIO && !x->why[0])
        snprintf(x->why, sizeof x->why, "reading back a temporary file in %s failed: %s",
                 x->tmpdir, errno ? strerror(errno) : "truncated");
    free(heap);
    return rc;
}

int kouan_export(kouan *k, kouan_export_format fmt, FILE *out, kouan_error *err)
{
    if (fmt >= KOUAN_EXPORT_DOT && fmt <= KOUAN_EXPORT_CSV)
        return kouan_export_people(k, fmt, out, err);
    xsort x = {0};
    const char *t = getenv("TMPDIR");
    x.tmpdir = t && *t ? t : "/tmp";
    x.cap = (size_t)64 << 20;
    const char *rb = getenv("KOUAN_EXPORT_RUN_BYTES");
    if (rb && *rb) {
        char *end;
        unsigned long long v = strtoull(rb, &end, 10);
        if (*end || v < 1024) {
            err->code = KOUAN_EINVAL;
            snprintf(err->message, sizeof err->message,
                     "KOUAN_EXPORT_RUN_BYTES=%s: expected a number of bytes, at least 1024", rb);
            return KOUAN_EINVAL;
        }
        x.cap = (size_t)v;
    }
    x.buf = malloc(x.cap);
    /* a long read of the whole store: its mapped pages kept bounded */
    kouan_store_limit_resident(k->store, KOUAN_WRITER_RESIDENT);
    librdf_model *m = kouan_store_model(k->store);
    librdf_stream *st = x.buf ? librdf_model_as_stream(m) : NULL;
    int rc = x.buf ? KOUAN_OK : KOUAN_ENOMEM;
    int graphs = fmt == KOUAN_EXPORT_TRIG || fmt == KOUAN_EXPORT_NQUADS;
    int grouped = fmt == KOUAN_EXPORT_TRIG || fmt == KOUAN_EXPORT_TURTLE;
    kouan_strbuf b = {0};
    uint64_t nread = 0;
    for (; st && !librdf_stream_end(st) && rc == KOUAN_OK; librdf_stream_next(st)) {
        if (++nread % KOUAN_PROGRESS_EVERY == 0 && k->progress)
            k->progress("reading", nread, 0, k->progress_user);
        librdf_statement *s = librdf_stream_get_object(st);
        librdf_node *ctx = graphs ? librdf_stream_get_context2(st) : NULL;
        kouan_strbuf_cut(&b, 0);
        unsigned lg = 0, ls = 0, lp = 0;
        int e = 0;
        if (fmt == KOUAN_EXPORT_TRIG) {   /* graph first: the sort groups by it; */
            if (ctx) e = nt_term_end(&b, ctx, IRI_END);  /* the default graph's */
                                                         /* " S P O" first */
            lg = (unsigned)b.len;
            if (!e) e = kouan_strbuf_put(&b, " ", 1);
        }
        char end = grouped ? IRI_END : '>';
        size_t at = b.len;
        if (!e) e = nt_term_end(&b, librdf_statement_get_subject(s), end);
        ls = (unsigned)(b.len - at);
        if (!e) e = kouan_strbuf_put(&b, " ", 1);
        at = b.len;
        if (!e) e = nt_term_end(&b, librdf_statement_get_predicate(s), end);
        lp = (unsigned)(b.len - at);
        if (!e) e = kouan_strbuf_put(&b, " ", 1) || nt_term_end(&b, librdf_statement_get_object(s), end);
        if (!e && fmt == KOUAN_EXPORT_NQUADS && ctx) e = kouan_strbuf_put(&b, " ", 1) || nt_term_end(&b, ctx, '>');
        if (!e && !grouped) e = kouan_strbuf_puts(&b, " .\n");
        rc = e ? KOUAN_ENOMEM : xs_add(&x, b.s, b.len, lg, ls, lp);
    }
    free(b.s);
    if (st) librdf_free_stream(st);
    if (rc == KOUAN_OK && k->progress) k->progress("reading", nread, 0, k->progress_user);
    if (rc == KOUAN_OK) {
        writer w = { .fmt = fmt, .out = out, .total = nread, .progress = k->progress,
                     .user = k->progress_user };
        w_begin(&w);
        rc = xs_merge(&x, &w);
        w_end(&w);
        if (rc == KOUAN_OK && w.progress) w.progress("writing", w.offered, nread, w.user);
        if (rc == KOUAN_OK && (fflush(out) != 0 || ferror(out))) {
            rc = KOUAN_EIO;
            snprintf(x.why, sizeof x.why, "writing the output failed: %s", strerror(errno));
        }
    }
    if (rc) {
        err->code = rc;
        snprintf(err->message, sizeof err->message, "export: %s",
                 x.why[0] ? x.why : rc == KOUAN_ENOMEM ? "out of memory" : "failed");
    }
    xs_free(&x);
    return rc;
}
