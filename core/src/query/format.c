/* format.c — writes SPARQL query results as a table, CSV, TSV, JSON, XML or (for graphs) Turtle. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <utf8proc.h>

#include "format.h"
#include "util/error.h"

#define SPARQL_RESULTS_NS "http://www.w3.org/2005/sparql-results#"

/* ---- errors ------------------------------------------------------------- */


/* fflush + ferror: a full disk or closed pipe shows up only here. */
static int check_written(FILE *out, kouan_error *err)
{
    if (fflush(out) != 0 || ferror(out))
        return kouan_error_set(err, KOUAN_EIO, "cannot write query results: write error");
    return 0;
}

/* ---- display width ------------------------------------------------------ */

size_t kouan_display_width(const char *s)
{
    size_t w = 0;
    const utf8proc_uint8_t *p = (const utf8proc_uint8_t *)s;
    size_t left;

    if (!s)
        return 0;
    left = strlen(s);
    while (left > 0) {
        utf8proc_int32_t cp;
        utf8proc_ssize_t n = utf8proc_iterate(p, (utf8proc_ssize_t)left, &cp);
        if (n <= 0) {          /* invalid byte: shown as one replacement cell */
            w += 1;
            p += 1;
            left -= 1;
            continue;
        }
        {
            int cw = utf8proc_charwidth(cp);
            if (cw > 0)
                w += (size_t)cw;
        }
        p += n;
        left -= (size_t)n;
    }
    return w;
}

/* ---- a growable string (owns its buffer; free with sb_free) -------------- */

typedef struct {
    char  *p;
    size_t len, cap;
} strbuf;

static int sb_add(strbuf *b, const char *s, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 32;
        char  *np;
        while (cap < b->len + n + 1)
            cap *= 2;
        np = realloc(b->p, cap);
        if (!np)
            return -1;
        b->p = np;
        b->cap = cap;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
    return 0;
}

static int sb_adds(strbuf *b, const char *s) { return sb_add(b, s, strlen(s)); }

/* Hand the buffer to the caller (who frees it); "" if nothing was added. */
static char *sb_take(strbuf *b)
{
    char *s = b->p ? b->p : strdup("");
    b->p = NULL;
    b->len = b->cap = 0;
    return s;
}

static void sb_free(strbuf *b)
{
    free(b->p);
    b->p = NULL;
    b->len = b->cap = 0;
}

/* ---- node access (all returned strings are borrowed from the node) ------- */

typedef enum { TERM_NONE, TERM_IRI, TERM_LITERAL, TERM_BLANK } term_kind;

/* A view of one node; every pointer is borrowed from the node and lives as
 * long as it does. */
typedef struct {
    term_kind   kind;
    const char *value;      /* IRI, lexical form or blank id */
    size_t      len;
    const char *lang;       /* literal language or NULL */
    const char *datatype;   /* literal datatype IRI or NULL */
} term;

static term term_of(librdf_node *node)
{
    term t = { TERM_NONE, "", 0, NULL, NULL };
    if (!node)
        return t;
    switch (librdf_node_get_type(node)) {
    case LIBRDF_NODE_TYPE_RESOURCE: {
        librdf_uri *u = librdf_node_get_uri(node);
        if (u) {
            size_t n = 0;
            t.value = (const char *)librdf_uri_as_counted_string(u, &n);
            t.len = n;
            t.kind = TERM_IRI;
        }
        break;
    }
    case LIBRDF_NODE_TYPE_LITERAL: {
        size_t n = 0;
        const unsigned char *v =
            librdf_node_get_literal_value_as_counted_string(node, &n);
        librdf_uri *dt = librdf_node_get_literal_value_datatype_uri(node);
        t.kind = TERM_LITERAL;
        t.value = v ? (const char *)v : "";
        t.len = v ? n : 0;
        t.lang = librdf_node_get_literal_value_language(node);
        if (t.lang && !*t.lang)
            t.lang = NULL;
        t.datatype = dt ? (const char *)librdf_uri_as_string(dt) : NULL;
        break;
    }
    case LIBRDF_NODE_TYPE_BLANK: {
        size_t n = 0;
        const unsigned char *v = librdf_node_get_counted_blank_identifier(node, &n);
        if (v) {
            t.kind = TERM_BLANK;
            t.value = (const char *)v;
            t.len = n;
        }
        break;
    }
    default:
        break;
    }
    return t;
}

/* ---- variables ---------------------------------------------------------- */

/* Names are borrowed from the results and live as long as they do.
 * On success *names_out is a malloc'd array the caller frees. */
static int get_vars(librdf_query_results *res, const char *const *fallback,
                    const char ***names_out, int *n_out, kouan_error *err)
{
    const char **names;
    int n, i;

    /* rasqal learns the variable names from the first row, fetched lazily:
     * make sure it has tried.  An empty result therefore has no variables. */
    (void)librdf_query_results_finished(res);
    n = librdf_query_results_get_bindings_count(res);
    if (n <= 0 && fallback && librdf_query_results_finished(res)) {
        /* no rows: take the names the caller read off the parsed query */
        for (n = 0; fallback[n]; n++) {}
        names = calloc((size_t)n + 1, sizeof *names);
        if (!names)
            return kouan_error_set(err, KOUAN_ENOMEM, "out of memory listing result variables");
        for (i = 0; i < n; i++)
            names[i] = fallback[i];
        *names_out = names;
        *n_out = n;
        return 0;
    }

    if (n < 0)
        return kouan_error_set(err, KOUAN_EQUERY, "query results have no variables");
    names = calloc((size_t)n + 1, sizeof *names);
    if (!names)
        return kouan_error_set(err, KOUAN_ENOMEM, "out of memory listing result variables");
    for (i = 0; i < n; i++) {
        names[i] = librdf_query_results_get_binding_name(res, i);
        if (!names[i])
            names[i] = "";
    }
    *names_out = names;
    *n_out = n;
    return 0;
}

/* ---- table --------------------------------------------------------------- */

/* A local name we dare to show after "prefix:". */
static int simple_local(const char *s)
{
    size_t n = strlen(s), i;
    if (n == 0 || s[0] == '-' || s[0] == '.' || s[n - 1] == '.')
        return 0;
    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (!(c >= 0x80 || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.'))
            return 0;
    }
    return 1;
}

/* Appends iri, abbreviated as prefix:local when a kouan prefix fits (longest
 * namespace wins), else as <iri>. */
static int add_iri_display(strbuf *b, const char *iri)
{
    size_t best = 0;
    int    bi = -1, i;
    for (i = 0; kouan_prefixes[i][0]; i++) {
        size_t nl = strlen(kouan_prefixes[i][1]);
        if (nl > best && strncmp(iri, kouan_prefixes[i][1], nl) == 0 &&
            simple_local(iri + nl)) {
            best = nl;
            bi = i;
        }
    }
    if (bi >= 0) {
        if (sb_adds(b, kouan_prefixes[bi][0]) || sb_add(b, ":", 1) ||
            sb_adds(b, iri + best))
            return -1;
        return 0;
    }
    if (sb_add(b, "<", 1) || sb_adds(b, iri) || sb_add(b, ">", 1))
        return -1;
    return 0;
}

/* Literal text for a table cell: control characters that would break the
 * layout are shown as \n, \t, \r or \xNN. */
static int add_display_text(strbuf *b, const char *s, size_t n)
{
    size_t i, start = 0;
    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        char esc[8];
        if (c >= 0x20 && c != 0x7f)
            continue;
        if (sb_add(b, s + start, i - start))
            return -1;
        if (c == '\n')      strcpy(esc, "\\n");
        else if (c == '\t') strcpy(esc, "\\t");
        else if (c == '\r') strcpy(esc, "\\r");
        else snprintf(esc, sizeof esc, "\\x%02X", c);
        if (sb_adds(b, esc))
            return -1;
        start = i + 1;
    }
    return sb_add(b, s + start, n - start);
}

/* A new malloc'd cell string for node (NULL node: ""), or NULL on OOM. */
static char *table_cell(librdf_node *node)
{
    strbuf b = { 0 };
    term   t = term_of(node);
    int    rc = 0;
    switch (t.kind) {
    case TERM_IRI:     rc = add_iri_display(&b, t.value); break;
    case TERM_LITERAL: rc = add_display_text(&b, t.value, t.len); break;
    case TERM_BLANK:   rc = sb_add(&b, "_:", 2) || add_display_text(&b, t.value, t.len); break;
    default: break;
    }
    if (rc) {
        sb_free(&b);
        return NULL;
    }
    return sb_take(&b);
}

/* One table line: cells padded to widths, " | " between, trailing blanks
 * trimmed (a line ending in unbound cells ends with "|").  -1 on OOM. */
static int put_table_line(FILE *out, char *const *cells, const size_t *widths, int n)
{
    strbuf b = { 0 };
    int    i;
    for (i = 0; i < n; i++) {
        size_t pad = widths[i] - kouan_display_width(cells[i]);
        if ((i > 0 && sb_add(&b, " | ", 3)) || sb_adds(&b, cells[i]))
            goto oom;
        while (pad--)
            if (sb_add(&b, " ", 1))
                goto oom;
    }
    while (b.len > 0 && b.p[b.len - 1] == ' ')
        b.len--;
    if (b.len)
        fwrite(b.p, 1, b.len, out);
    fputc('\n', out);
    sb_free(&b);
    return 0;
oom:
    sb_free(&b);
    return -1;
}

/* The value of column i in the current row: a new node (NULL when unbound)
 * the caller frees; from the synthetic row when synth is set. */
static librdf_node *value_at(librdf_query_results *res, librdf_node *const *synth_row,
                             int synth, int i)
{
    if (!synth)
        return librdf_query_results_get_binding_value(res, i);
    return synth_row[i] ? librdf_new_node_from_node(synth_row[i]) : NULL;
}

/* Advance to the next row; returns 1 while there is a row to write.
 * *synth is set when the row to write is empty_row (a query whose
 * aggregates ran over nothing: SPARQL answers one row, Rasqal none). */
static int next_row(librdf_query_results *res, librdf_node *const *empty_row,
                    size_t nrows, int *synth)
{
    if (*synth) { *synth = 0; return 0; }
    if (nrows > 0) librdf_query_results_next(res);
    if (!librdf_query_results_finished(res)) return 1;
    if (nrows == 0 && empty_row) { *synth = 1; return 1; }
    return 0;
}

static int write_table(librdf_query_results *res, const char *const *vars,
                       librdf_node *const *empty_row, FILE *out, size_t max_rows,
                       int *truncated, size_t *rows, kouan_error *err)
{
    const char **names = NULL;
    char       **cells = NULL;     /* nrows * n cells, each malloc'd: ours */
    size_t      *widths = NULL;
    size_t       nrows = 0, cap = 0, r;
    int          n = 0, i, rc;

    if ((rc = get_vars(res, vars, &names, &n, err)))
        return rc;
    widths = calloc((size_t)n + 1, sizeof *widths);
    if (!widths) {
        rc = kouan_error_set(err, KOUAN_ENOMEM, "out of memory formatting the table");
        goto done;
    }
    for (i = 0; i < n; i++)
        widths[i] = kouan_display_width(names[i]);

    int synth = 0;
    while (next_row(res, empty_row, nrows, &synth)) {
        if (max_rows && nrows == max_rows) {   /* one row more is there */
            if (truncated) *truncated = 1;
            break;
        }
        if (nrows == cap) {
            size_t ncap = cap ? cap * 2 : 16;
            char **nc = realloc(cells, ncap * ((size_t)n + 1) * sizeof *nc);
            if (!nc) {
                rc = kouan_error_set(err, KOUAN_ENOMEM, "out of memory formatting the table");
                goto done;
            }
            cells = nc;
            cap = ncap;
        }
        for (i = 0; i < n; i++) {
            /* a new node (NULL if unbound): ours */
            librdf_node *node = value_at(res, empty_row, synth, i);
            char *c = table_cell(node);
            if (node)
                librdf_free_node(node);
            if (!c) {
                int j;
                for (j = 0; j < i; j++)
                    free(cells[nrows * (size_t)n + (size_t)j]);
                rc = kouan_error_set(err, KOUAN_ENOMEM, "out of memory formatting the table");
                goto done;
            }
            cells[nrows * (size_t)n + (size_t)i] = c;
            {
                size_t w = kouan_display_width(c);
                if (w > widths[i])
                    widths[i] = w;
            }
        }
        nrows++;
    }

    if (n > 0) {
        if (put_table_line(out, (char *const *)names, widths, n)) {
            rc = kouan_error_set(err, KOUAN_ENOMEM, "out of memory formatting the table");
            goto done;
        }
        for (i = 0; i < n; i++) {
            size_t k;
            if (i > 0)
                fputs("-+-", out);
            for (k = 0; k < widths[i]; k++)
                fputc('-', out);
        }
        fputc('\n', out);
        for (r = 0; r < nrows; r++)
            if (put_table_line(out, cells + r * (size_t)n, widths, n)) {
                rc = kouan_error_set(err, KOUAN_ENOMEM, "out of memory formatting the table");
                goto done;
            }
    }
    if ((rc = check_written(out, err)))
        goto done;
    {
        int fd = fileno(out);
        if (fd >= 0 && isatty(fd))
            fprintf(stderr, "(%zu %s)\n", nrows, nrows == 1 ? "row" : "rows");
    }
    if (rows)
        *rows = nrows;

done:
    if (cells)
        for (r = 0; r < nrows * (size_t)n; r++)
            free(cells[r]);
    free(cells);
    free(widths);
    free(names);
    return rc;
}

/* ---- CSV ---------------------------------------------------------------- */

static void put_csv_field(FILE *out, const char *s, size_t n)
{
    size_t i;
    int    quote = 0;
    for (i = 0; i < n; i++)
        if (s[i] == ',' || s[i] == '"' || s[i] == '\r' || s[i] == '\n') {
            quote = 1;
            break;
        }
    if (!quote) {
        fwrite(s, 1, n, out);
        return;
    }
    fputc('"', out);
    for (i = 0; i < n; i++) {
        if (s[i] == '"')
            fputc('"', out);
        fputc(s[i], out);
    }
    fputc('"', out);
}

/* ---- TSV ---------------------------------------------------------------- */

static void put_tsv_escaped(FILE *out, const char *s, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++) {
        switch (s[i]) {
        case '\t': fputs("\\t", out); break;
        case '\n': fputs("\\n", out); break;
        case '\r': fputs("\\r", out); break;
        case '\\': fputs("\\\\", out); break;
        default:   fputc(s[i], out); break;
        }
    }
}

/* ---- JSON --------------------------------------------------------------- */

/* A JSON string literal; UTF-8 passes through unchanged. */
static void put_json_string(FILE *out, const char *s, size_t n)
{
    size_t i;
    fputc('"', out);
    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"')
            fputs("\\\"", out);
        else if (c == '\\')
            fputs("\\\\", out);
        else if (c < 0x20)
            fprintf(out, "\\u%04X", c);
        else
            fputc(c, out);
    }
    fputc('"', out);
}

static void put_json_cstr(FILE *out, const char *s)
{
    put_json_string(out, s, strlen(s));
}

static void put_json_term(FILE *out, const term *t)
{
    fputs("{\"type\":", out);
    switch (t->kind) {
    case TERM_IRI:     fputs("\"uri\"", out); break;
    case TERM_BLANK:   fputs("\"bnode\"", out); break;
    default:           fputs("\"literal\"", out); break;
    }
    fputs(",\"value\":", out);
    put_json_string(out, t->value, t->len);
    if (t->kind == TERM_LITERAL) {
        if (t->lang) {
            fputs(",\"xml:lang\":", out);
            put_json_cstr(out, t->lang);
        } else if (t->datatype) {
            fputs(",\"datatype\":", out);
            put_json_cstr(out, t->datatype);
        }
    }
    fputc('}', out);
}

/* ---- XML ---------------------------------------------------------------- */

/* XML text or attribute value.  CR is written as &#13; so it survives
 * parsing; control characters XML 1.0 cannot carry become U+FFFD. */
static void put_xml_escaped(FILE *out, const char *s, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        switch (c) {
        case '&':  fputs("&amp;", out); break;
        case '<':  fputs("&lt;", out); break;
        case '>':  fputs("&gt;", out); break;
        case '"':  fputs("&quot;", out); break;
        case '\r': fputs("&#13;", out); break;
        case '\t': case '\n': fputc(c, out); break;
        default:
            if (c < 0x20)
                fputs("\xEF\xBF\xBD", out);
            else
                fputc(c, out);
        }
    }
}

static void put_xml_cstr(FILE *out, const char *s)
{
    put_xml_escaped(out, s, strlen(s));
}

static void put_xml_term(FILE *out, const term *t)
{
    switch (t->kind) {
    case TERM_IRI:
        fputs("<uri>", out);
        put_xml_escaped(out, t->value, t->len);
        fputs("</uri>", out);
        break;
    case TERM_BLANK:
        fputs("<bnode>", out);
        put_xml_escaped(out, t->value, t->len);
        fputs("</bnode>", out);
        break;
    default:
        fputs("<literal", out);
        if (t->lang) {
            fputs(" xml:lang=\"", out);
            put_xml_cstr(out, t->lang);
            fputc('"', out);
        } else if (t->datatype) {
            fputs(" datatype=\"", out);
            put_xml_cstr(out, t->datatype);
            fputc('"', out);
        }
        fputc('>', out);
        put_xml_escaped(out, t->value, t->len);
        fputs("</literal>", out);
        break;
    }
}

/* ---- streaming formats (csv, tsv, json, xml) ----------------------------- */

static void put_stream_head(FILE *out, kouan_result_format fmt,
                            const char **names, int n)
{
    int i;
    switch (fmt) {
    case KOUAN_RESULTS_CSV:
        for (i = 0; i < n; i++) {
            if (i > 0)
                fputc(',', out);
            put_csv_field(out, names[i], strlen(names[i]));
        }
        fputs("\r\n", out);
        break;
    case KOUAN_RESULTS_TSV:
        for (i = 0; i < n; i++) {
            if (i > 0)
                fputc('\t', out);
            fputc('?', out);
            fputs(names[i], out);
        }
        fputc('\n', out);
        break;
    case KOUAN_RESULTS_JSON:
        fputs("{\"head\":{\"vars\":[", out);
        for (i = 0; i < n; i++) {
            if (i > 0)
                fputc(',', out);
            put_json_cstr(out, names[i]);
        }
        fputs("]},\"results\":{\"bindings\":[", out);
        break;
    case KOUAN_RESULTS_XML:
        fputs("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
              "<sparql xmlns=\"" SPARQL_RESULTS_NS "\">\n  <head>\n", out);
        for (i = 0; i < n; i++) {
            fputs("    <variable name=\"", out);
            put_xml_cstr(out, names[i]);
            fputs("\"/>\n", out);
        }
        fputs("  </head>\n  <results>\n", out);
        break;
    default:
        break;
    }
}

static void put_stream_tail(FILE *out, kouan_result_format fmt, size_t nrows)
{
    if (fmt == KOUAN_RESULTS_JSON)
        fputs(nrows ? "\n]}}\n" : "]}}\n", out);
    else if (fmt == KOUAN_RESULTS_XML)
        fputs("  </results>\n</sparql>\n", out);
}

/* One value in a row; t->kind == TERM_NONE means unbound. */
static void put_stream_value(FILE *out, kouan_result_format fmt, int i,
                             const char *name, const term *t, int *first)
{
    switch (fmt) {
    case KOUAN_RESULTS_CSV:
        if (i > 0)
            fputc(',', out);
        if (t->kind == TERM_BLANK)
            fputs("_:", out);
        if (t->kind != TERM_NONE)
            put_csv_field(out, t->value, t->len);
        break;
    case KOUAN_RESULTS_TSV:
        if (i > 0)
            fputc('\t', out);
        if (t->kind == TERM_IRI) {
            fputc('<', out);
            put_tsv_escaped(out, t->value, t->len);
            fputc('>', out);
        } else if (t->kind == TERM_BLANK) {
            fputs("_:", out);
            put_tsv_escaped(out, t->value, t->len);
        } else if (t->kind == TERM_LITERAL) {
            put_tsv_escaped(out, t->value, t->len);
        }
        break;
    case KOUAN_RESULTS_JSON:
        if (t->kind == TERM_NONE)
            break;
        if (!*first)
            fputc(',', out);
        *first = 0;
        put_json_cstr(out, name);
        fputc(':', out);
        put_json_term(out, t);
        break;
    case KOUAN_RESULTS_XML:
        if (t->kind == TERM_NONE)
            break;
        fputs("      <binding name=\"", out);
        put_xml_cstr(out, name);
        fputs("\">", out);
        put_xml_term(out, t);
        fputs("</binding>\n", out);
        break;
    default:
        break;
    }
}

static int write_stream(librdf_query_results *res, const char *const *vars,
                        librdf_node *const *empty_row, kouan_result_format fmt,
                        FILE *out, size_t max_rows, int *truncated, size_t *rows,
                        kouan_error *err)
{
    const char **names = NULL;
    size_t       nrows = 0;
    int          n = 0, i, rc;

    if ((rc = get_vars(res, vars, &names, &n, err)))
        return rc;
    put_stream_head(out, fmt, names, n);

    int synth = 0;
    while (next_row(res, empty_row, nrows, &synth)) {
        int first = 1;
        if (max_rows && nrows == max_rows) {   /* one row more is there */
            if (truncated) *truncated = 1;
            break;
        }
        if (fmt == KOUAN_RESULTS_JSON)
            fputs(nrows ? ",\n{" : "\n{", out);
        else if (fmt == KOUAN_RESULTS_XML)
            fputs("    <result>\n", out);
        for (i = 0; i < n; i++) {
            /* a new node, or NULL when unbound: ours to free */
            librdf_node *node = value_at(res, empty_row, synth, i);
            term t = term_of(node);
            put_stream_value(out, fmt, i, names[i], &t, &first);
            if (node)
                librdf_free_node(node);
        }
        if (fmt == KOUAN_RESULTS_JSON)
            fputc('}', out);
        else if (fmt == KOUAN_RESULTS_XML)
            fputs("    </result>\n", out);
        else
            fputs(fmt == KOUAN_RESULTS_CSV ? "\r\n" : "\n", out);
        nrows++;
        if (ferror(out))
            break;
    }
    put_stream_tail(out, fmt, nrows);
    free(names);
    if ((rc = check_written(out, err)))
        return rc;
    if (rows)
        *rows = nrows;
    return 0;
}

/* ---- booleans ----------------------------------------------------------- */

static int write_boolean(librdf_query_results *res, kouan_result_format fmt,
                         FILE *out, size_t *rows, kouan_error *err)
{
    int         b = librdf_query_results_get_boolean(res);
    const char *v;
    int         rc;

    if (b < 0)
        return kouan_error_set(err, KOUAN_EQUERY, "the ASK query could not be evaluated");
    v = b ? "true" : "false";
    switch (fmt) {
    case KOUAN_RESULTS_JSON:
        fprintf(out, "{\"head\":{},\"boolean\":%s}\n", v);
        break;
    case KOUAN_RESULTS_XML:
        fprintf(out, "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
                     "<sparql xmlns=\"" SPARQL_RESULTS_NS "\">\n"
                     "  <head/>\n  <boolean>%s</boolean>\n</sparql>\n", v);
        break;
    default:
        fprintf(out, "%s\n", v);
        break;
    }
    if ((rc = check_written(out, err)))
        return rc;
    if (rows)
        *rows = 1;
    return 0;
}

/* ---- graphs ------------------------------------------------------------- */

/* Stream map that counts the statements passing through and, past the
 * limit, drops them (a map returning NULL skips the statement). */
typedef struct graph_count { size_t n, max; int over; } graph_count;

static librdf_statement *count_statement(librdf_stream *stream, void *ctx,
                                         librdf_statement *st)
{
    graph_count *c = ctx;
    (void)stream;
    if (c->max && c->n >= c->max) {
        c->over = 1;
        return NULL;
    }
    c->n++;
    return st;
}

static int write_graph(librdf_world *world, librdf_query_results *res,
                       FILE *out, size_t max_rows, int *truncated, size_t *rows,
                       kouan_error *err)
{
    librdf_serializer *ser;
    librdf_stream     *stream;
    graph_count        count = { 0, max_rows, 0 };
    int                i, rc;

    ser = librdf_new_serializer(world, "turtle", NULL, NULL);   /* ours */
    if (!ser)
        return kouan_error_set(err, KOUAN_EINVAL, "the Turtle serializer is not available");
    for (i = 0; kouan_prefixes[i][0]; i++) {
        /* the serializer copies the URI into its namespace: we free ours */
        librdf_uri *u = librdf_new_uri(world,
                                       (const unsigned char *)kouan_prefixes[i][1]);
        if (!u) {
            librdf_free_serializer(ser);
            return kouan_error_set(err, KOUAN_ENOMEM, "out of memory setting Turtle prefixes");
        }
        librdf_serializer_set_namespace(ser, u, kouan_prefixes[i][0]);
        librdf_free_uri(u);
    }

    /* A new stream (ours).  Redland's source (rdf_query_rasqal.c) returns
     * NULL when it cannot build the first statement; 1.0.17 gives an empty
     * stream for an empty CONSTRUCT, but an empty stream stands in either way
     * so the prefixes are still written. */
    stream = librdf_query_results_as_stream(res);
    if (!stream)
        stream = librdf_new_empty_stream(world);
    if (!stream) {
        librdf_free_serializer(ser);
        return kouan_error_set(err, KOUAN_ENOMEM, "cannot read the query's triples");
    }
    if (librdf_stream_add_map(stream, count_statement, NULL, &count)) {
        librdf_free_stream(stream);
        librdf_free_serializer(ser);
        return kouan_error_set(err, KOUAN_ENOMEM, "out of memory reading the query's triples");
    }
    rc = librdf_serializer_serialize_stream_to_file_handle(ser, out, NULL, stream);
    librdf_free_stream(stream);
    librdf_free_serializer(ser);
    if (check_written(out, err))
        return KOUAN_EIO;
    if (rc)
        return kouan_error_set(err, KOUAN_EIO, "cannot write the query's triples as Turtle");
    if (rows)
        *rows = count.n;
    if (truncated && count.over)
        *truncated = 1;
    return 0;
}

/* ---- entry point -------------------------------------------------------- */

int kouan_results_write(librdf_world *world, librdf_query_results *res,
                        kouan_result_format fmt, FILE *out, size_t *rows,
                        kouan_error *err)
{
    return kouan_results_write_vars(world, res, NULL, NULL, fmt, out, rows, err);
}

int kouan_results_write_vars(librdf_world *world, librdf_query_results *res,
                             const char *const *vars, librdf_node *const *empty_row,
                             kouan_result_format fmt, FILE *out, size_t *rows,
                             kouan_error *err)
{
    return kouan_results_write_bounded(world, res, vars, empty_row, fmt, out, 0,
                                       NULL, rows, err);
}

int kouan_results_write_bounded(librdf_world *world, librdf_query_results *res,
                                const char *const *vars, librdf_node *const *empty_row,
                                kouan_result_format fmt, FILE *out, size_t max_rows,
                                int *truncated, size_t *rows, kouan_error *err)
{
    if (rows)
        *rows = 0;
    if (truncated)
        *truncated = 0;
    if (!world || !res || !out)
        return kouan_error_set(err, KOUAN_EINVAL, "kouan_results_write: missing argument");

    if (librdf_query_results_is_bindings(res)) {
        switch (fmt) {
        case KOUAN_RESULTS_TABLE:
            return write_table(res, vars, empty_row, out, max_rows, truncated, rows, err);
        case KOUAN_RESULTS_CSV:
        case KOUAN_RESULTS_TSV:
        case KOUAN_RESULTS_JSON:
        case KOUAN_RESULTS_XML:
            return write_stream(res, vars, empty_row, fmt, out, max_rows, truncated,
                                rows, err);
        default:
            return kouan_error_set(err, KOUAN_EINVAL, "unknown result format %d", (int)fmt);
        }
    }
    if (fmt < KOUAN_RESULTS_TABLE || fmt > KOUAN_RESULTS_XML)
        return kouan_error_set(err, KOUAN_EINVAL, "unknown result format %d", (int)fmt);
    if (librdf_query_results_is_boolean(res))
        return write_boolean(res, fmt, out, rows, err);
    if (librdf_query_results_is_graph(res))
        return write_graph(world, res, out, max_rows, truncated, rows, err);
    return kouan_error_set(err, KOUAN_EINVAL,
                "unsupported query result type (neither bindings, boolean nor graph)");
}
