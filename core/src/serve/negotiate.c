/* negotiate.c — the query's form and the answer's media type (see
 * negotiate.h).  Pure functions: no I/O, no Redland. */
#include "negotiate.h"
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- the query's form ------------------------------------------------------ */

static const char *skip_space(const char *p)
{
    for (;;) {
        while (*p && isspace((unsigned char)*p)) p++;
        if (*p != '#') return p;
        while (*p && *p != '\n') p++;           /* a comment to end of line */
    }
}

static size_t word_len(const char *p)
{
    size_t n = 0;
    while (isalpha((unsigned char)p[n])) n++;
    return n;
}

/* Past an IRI reference "<…>" (p at '<'); NULL when it does not close. */
static const char *skip_iri(const char *p)
{
    if (*p != '<') return NULL;
    const char *e = strchr(p, '>');
    return e ? e + 1 : NULL;
}

sparql_form kouan_sparql_form(const char *q, char *keyword, size_t n)
{
    static const struct { const char *w; sparql_form f; } K[] = {
        { "SELECT", SPARQL_FORM_SELECT }, { "ASK", SPARQL_FORM_ASK },
        { "CONSTRUCT", SPARQL_FORM_CONSTRUCT }, { "DESCRIBE", SPARQL_FORM_DESCRIBE },
        { "INSERT", SPARQL_FORM_UPDATE }, { "DELETE", SPARQL_FORM_UPDATE },
        { "LOAD", SPARQL_FORM_UPDATE }, { "CLEAR", SPARQL_FORM_UPDATE },
        { "CREATE", SPARQL_FORM_UPDATE }, { "DROP", SPARQL_FORM_UPDATE },
        { "COPY", SPARQL_FORM_UPDATE }, { "MOVE", SPARQL_FORM_UPDATE },
        { "ADD", SPARQL_FORM_UPDATE }, { "WITH", SPARQL_FORM_UPDATE } };
    if (keyword && n) keyword[0] = '\0';
    if (!q) return SPARQL_FORM_UNKNOWN;
    const char *p = skip_space(q);
    for (;;) {
        size_t w = word_len(p);
        if (w == 6 && strncasecmp(p, "PREFIX", 6) == 0) {
            p = skip_space(p + 6);
            while (*p && *p != ':' && !isspace((unsigned char)*p)) p++;   /* pname */
            if (*p != ':') return SPARQL_FORM_UNKNOWN;
            if (!(p = skip_iri(skip_space(p + 1)))) return SPARQL_FORM_UNKNOWN;
            p = skip_space(p);
        } else if (w == 4 && strncasecmp(p, "BASE", 4) == 0) {
            if (!(p = skip_iri(skip_space(p + 4)))) return SPARQL_FORM_UNKNOWN;
            p = skip_space(p);
        } else {
            if (keyword && n) {
                size_t m = w < n - 1 ? w : n - 1;
                for (size_t i = 0; i < m; i++) keyword[i] = (char)toupper((unsigned char)p[i]);
                keyword[m] = '\0';
            }
            for (size_t i = 0; i < sizeof K / sizeof K[0]; i++)
                if (strlen(K[i].w) == w && strncasecmp(p, K[i].w, w) == 0) return K[i].f;
            return SPARQL_FORM_UNKNOWN;
        }
    }
}

/* Past a string (p at its quote): '…', "…" or their long forms of three
 * quotes, with backslash escapes; at the end of q when it does not close. */
static const char *skip_string(const char *p)
{
    char qc = *p;
    int longs = p[1] == qc && p[2] == qc;
    p += longs ? 3 : 1;
    while (*p) {
        if (*p == '\\' && p[1]) { p += 2; continue; }
        if (*p == qc && (!longs || (p[1] == qc && p[2] == qc))) return p + (longs ? 3 : 1);
        if (!longs && *p == '\n') return p;        /* unterminated: Rasqal says so */
        p++;
    }
    return p;
}

static int name_char(unsigned char c)
{
    return isalnum(c) || c == '_' || c == '-' || c == ':' || c == '.' || c >= 0x80;
}

int kouan_sparql_uses_service(const char *q)
{
    if (!q) return 0;
    for (const char *p = q; *p;) {
        unsigned char c = (unsigned char)*p;
        if (c == '#') {
            while (*p && *p != '\n') p++;
        } else if (c == '"' || c == '\'') {
            p = skip_string(p);
        } else if (c == '<') {                   /* an IRI, or less-than */
            const char *e = p + 1;
            while (*e && *e != '>' && *e != '<' && *e != '"' && *e != ' ' &&
                   *e != '\n' && *e != '{' && *e != '}')
                e++;
            p = *e == '>' ? e + 1 : p + 1;
        } else if (c == '?' || c == '$' || name_char(c)) {   /* a variable or a name */
            const char *w = p;
            p++;
            while (*p && name_char((unsigned char)*p)) p++;
            if ((size_t)(p - w) == 7 && strncasecmp(w, "SERVICE", 7) == 0) return 1;
        } else {
            p++;
        }
    }
    return 0;
}

/* ---- media types ----------------------------------------------------------- */

typedef struct offer { const char *type; serve_format fmt; const char *content_type; } offer;

/* In order of preference: the first is the default. */
static const offer RESULTS[] = {
    { "application/sparql-results+json", SERVE_JSON, "application/sparql-results+json" },
    { "application/sparql-results+xml", SERVE_XML, "application/sparql-results+xml" },
    { "text/csv", SERVE_CSV, "text/csv; charset=utf-8" },
    { "text/tab-separated-values", SERVE_TSV, "text/tab-separated-values; charset=utf-8" },
    { "application/json", SERVE_JSON, "application/json" },
    { "application/xml", SERVE_XML, "application/xml" },
    { "text/xml", SERVE_XML, "text/xml; charset=utf-8" },
    { NULL, 0, NULL } };
static const offer GRAPHS[] = {
    { "text/turtle", SERVE_TURTLE, "text/turtle; charset=utf-8" },
    { "application/n-triples", SERVE_NTRIPLES, "application/n-triples" },
    { "application/x-turtle", SERVE_TURTLE, "application/x-turtle" },
    { "text/plain", SERVE_NTRIPLES, "text/plain; charset=utf-8" },
    { NULL, 0, NULL } };

static const struct { const char *name; serve_format fmt; } NAMES[] = {
    { "json", SERVE_JSON }, { "srj", SERVE_JSON }, { "xml", SERVE_XML },
    { "srx", SERVE_XML }, { "csv", SERVE_CSV }, { "tsv", SERVE_TSV },
    { "turtle", SERVE_TURTLE }, { "ttl", SERVE_TURTLE },
    { "ntriples", SERVE_NTRIPLES }, { "n-triples", SERVE_NTRIPLES },
    { "nt", SERVE_NTRIPLES } };

/* The q of the most specific range in accept matching type; -1 if none. */
static double accept_q(const char *accept, const char *type)
{
    const char *slash = strchr(type, '/');
    size_t major = (size_t)(slash - type);
    double best_q = -1;
    int best_spec = 0;
    const char *p = accept;
    while (*p) {
        const char *end = strchr(p, ',');
        if (!end) end = p + strlen(p);
        /* the range: up to ';' */
        const char *r = p;
        while (r < end && isspace((unsigned char)*r)) r++;
        const char *re = r;
        while (re < end && *re != ';' && !isspace((unsigned char)*re)) re++;
        size_t rl = (size_t)(re - r);
        int spec = 0;
        if (rl == 3 && strncmp(r, "*/*", 3) == 0) spec = 1;
        else if (rl == major + 2 && strncasecmp(r, type, major + 1) == 0 && r[major + 1] == '*') spec = 2;
        else if (rl == strlen(type) && strncasecmp(r, type, rl) == 0) spec = 3;
        if (spec) {
            double q = 1.0;
            for (const char *s = re; s < end; s++)
                if (*s == ';') {
                    const char *v = s + 1;
                    while (v < end && isspace((unsigned char)*v)) v++;
                    if ((v[0] == 'q' || v[0] == 'Q') && v[1] == '=') q = strtod(v + 2, NULL);
                }
            if (spec > best_spec) { best_spec = spec; best_q = q; }
        }
        p = *end ? end + 1 : end;
    }
    return best_q;
}

static void list_offers(const offer *o, char *buf, size_t n)
{
    size_t off = 0;
    buf[0] = '\0';
    for (size_t i = 0; o[i].type && off < n; i++)
        off += (size_t)snprintf(buf + off, n - off, "%s%s", i ? ", " : "", o[i].type);
}

int kouan_negotiate(sparql_form form, const char *format, const char *accept,
                    serve_format *fmt, const char **content_type,
                    char *why, size_t n)
{
    int graph = form == SPARQL_FORM_CONSTRUCT || form == SPARQL_FORM_DESCRIBE;
    const offer *o = graph ? GRAPHS : RESULTS;
    const char *what = graph ? "a CONSTRUCT or DESCRIBE answers" : "a SELECT or ASK answers";
    const char *names = graph ? "turtle, ntriples" : "json, xml, csv, tsv";
    char offers[400];
    list_offers(o, offers, sizeof offers);

    if (format && *format) {
        for (size_t i = 0; o[i].type; i++)
            if (strcasecmp(format, o[i].type) == 0) {
                *fmt = o[i].fmt;
                *content_type = o[i].content_type;
                return 0;
            }
        for (size_t i = 0; i < sizeof NAMES / sizeof NAMES[0]; i++) {
            if (strcasecmp(format, NAMES[i].name) != 0) continue;
            for (size_t j = 0; o[j].type; j++)
                if (o[j].fmt == NAMES[i].fmt) {
                    *fmt = o[j].fmt;
                    *content_type = o[j].content_type;
                    return 0;
                }
        }
        snprintf(why, n, "format “%s” cannot be made: %s %s (format=) or %s (Accept)",
                 format, what, names, offers);
        return -1;
    }
    if (!accept || !*accept) {
        *fmt = o[0].fmt;
        *content_type = o[0].content_type;
        return 0;
    }
    double best = 0;
    int bi = -1;
    for (int i = 0; o[i].type; i++) {
        double q = accept_q(accept, o[i].type);
        if (q > best) { best = q; bi = i; }
    }
    if (bi < 0) {
        snprintf(why, n, "nothing in “Accept: %s” can be made: %s %s",
                 accept, what, offers);
        return -1;
    }
    *fmt = o[bi].fmt;
    *content_type = o[bi].content_type;
    return 0;
}
