/* format.h — writing SPARQL results (bindings, booleans, graphs) in the
 * formats `kouan query` offers.  Chinese stays Chinese: no \u escapes. */
#ifndef KOUAN_QUERY_FORMAT_H
#define KOUAN_QUERY_FORMAT_H

#include <stdio.h>
#include <redland.h>
#include "kouan/kouan.h"

/* Write all of res to out in fmt.  Bindings: table (aligned, CJK counted
 * double width), csv (RFC 4180, SPARQL 1.1 CSV header), tsv (header "?var",
 * values plain: lexical form of literals, <iri> for IRIs, _:b for blank
 * nodes; tab/newline/backslash escaped as \t \n \\), json (SPARQL 1.1 JSON
 * results), xml (SPARQL XML results).  Booleans (ASK): table/csv/tsv print
 * "true"/"false", json/xml the standard forms.  Graphs (CONSTRUCT/DESCRIBE):
 * Turtle with the kouan prefixes, whatever fmt says.
 * *rows (may be NULL) receives the number of result rows (triples for graphs).
 * Returns 0, or a negative KOUAN_E* code with err filled. */
int kouan_results_write(librdf_world *world, librdf_query_results *res,
                        kouan_result_format fmt, FILE *out, size_t *rows,
                        kouan_error *err);

/* The same, with the query's variable names (NULL-terminated, borrowed) to
 * use when a SELECT has no rows (Rasqal learns names from the first row),
 * and, when empty_row is not NULL, one row of values (one per variable,
 * NULL = unbound, borrowed) to write when there are no rows: an aggregate
 * without GROUP BY over nothing answers one row in SPARQL, none in Rasqal. */
int kouan_results_write_vars(librdf_world *world, librdf_query_results *res,
                             const char *const *vars, librdf_node *const *empty_row,
                             kouan_result_format fmt, FILE *out, size_t *rows,
                             kouan_error *err);

/* The same, writing at most max_rows rows (triples for a graph; 0: no
 * limit).  *truncated (may be NULL) is set to 1 when the results had more. */
int kouan_results_write_bounded(librdf_world *world, librdf_query_results *res,
                                const char *const *vars, librdf_node *const *empty_row,
                                kouan_result_format fmt, FILE *out, size_t max_rows,
                                int *truncated, size_t *rows, kouan_error *err);

/* Display width of a UTF-8 string in terminal columns (CJK = 2). */
size_t kouan_display_width(const char *s);

/* The prefixes kouan predeclares, NULL-terminated pairs {prefix, uri}. */
extern const char *const kouan_prefixes[][2];

#endif
