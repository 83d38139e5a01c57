/* query.h — kouan_query with a bound on the rows written, for callers
 * inside the core that must not answer without limit (the endpoint). */
#ifndef KOUAN_QUERY_QUERY_H
#define KOUAN_QUERY_QUERY_H
#include <stdio.h>
#include "kouan/kouan.h"

/* kouan_query, writing at most max_rows rows (triples for CONSTRUCT; 0: no
 * limit).  *truncated (may be NULL) is set to 1 when the query had more;
 * *rows receives the number written. */
int kouan_query_bounded(kouan *k, const char *sparql, kouan_result_format fmt,
                        FILE *out, size_t max_rows, int *truncated, size_t *rows,
                        kouan_error *err);
/* SPARQL's one-variable VALUES blocks (`VALUES ?v { a b }`) in q written
 * in their full form (`VALUES (?v) { (a) (b) }`), which Rasqal 0.9.33
 * reads right (values.c).  *out: the query rewritten (malloc'd), or NULL
 * when q holds no such block.  KOUAN_OK or KOUAN_ENOMEM. */
int kouan_sparql_values_full(const char *q, char **out);
/* kouan_export for the people formats (DOT, SVG, PNG, CSV):
 * export_people.c. */
int kouan_export_people(kouan *k, kouan_export_format fmt, FILE *out,
                        kouan_error *err);
#endif
