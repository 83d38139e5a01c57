/* negotiate.h — what a SPARQL request asks for: the query's form, read off
 * its first keyword, and the result format, from format= or Accept. */
#ifndef KOUAN_SERVE_NEGOTIATE_H
#define KOUAN_SERVE_NEGOTIATE_H
#include <stddef.h>

typedef enum sparql_form {
    SPARQL_FORM_UNKNOWN,       /* Rasqal will say what is wrong */
    SPARQL_FORM_SELECT, SPARQL_FORM_ASK, SPARQL_FORM_CONSTRUCT,
    SPARQL_FORM_DESCRIBE,
    SPARQL_FORM_UPDATE         /* INSERT, DELETE, LOAD, CLEAR, DROP … */
} sparql_form;

/* The form of query q: the first keyword after comments and the prologue
 * (BASE, PREFIX).  keyword (may be NULL) receives that word, upper-case. */
sparql_form kouan_sparql_form(const char *q, char *keyword, size_t n);

/* Whether query q names SERVICE as a keyword anywhere (comments, strings,
 * IRIs, variables and prefixed names aside): Rasqal would fetch from that
 * endpoint (raptor's libcurl), and the server makes no outbound requests. */
int kouan_sparql_uses_service(const char *q);

typedef enum serve_format {
    SERVE_JSON, SERVE_XML, SERVE_CSV, SERVE_TSV,   /* SELECT, ASK */
    SERVE_TURTLE, SERVE_NTRIPLES                    /* CONSTRUCT, DESCRIBE */
} serve_format;

/* Chooses the format: format (format= or output=, may be NULL: a short
 * name such as json or ttl, or a media type) wins over accept (the Accept
 * header, may be NULL: q-values honoured, the most specific range counts).
 * On success returns 0, sets *fmt and *content_type (a static string).
 * Returns -1 when nothing acceptable can be made (HTTP 406), with why
 * saying what is offered. */
int kouan_negotiate(sparql_form form, const char *format, const char *accept,
                    serve_format *fmt, const char **content_type,
                    char *why, size_t n);
#endif
