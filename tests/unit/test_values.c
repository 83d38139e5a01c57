/* test_values.c — query/values.c: the one-variable VALUES block written in
 * full (Rasqal 0.9.33 reads `VALUES ?v { a b }` as one row of two columns),
 * and nothing else in a query touched: strings, IRIs, comments, prefixed
 * names and variables that spell "values", blocks already in full, blocks
 * that do not parse (left for Rasqal to report). */
#include "query/query.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int failures;
#define CHECK(cond) do { if (!(cond)) { failures++; \
    fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); } } while (0)

/* q rewritten must be want (NULL: left as it is) */
static void expect(const char *q, const char *want, int line)
{
    char *out = (char *)"unset";
    int rc = kouan_sparql_values_full(q, &out);
    if (rc != KOUAN_OK) {
        failures++;
        fprintf(stderr, "%s:%d: rc %d for %s\n", __FILE__, line, rc, q);
        return;
    }
    if (!want ? out != NULL : !out || strcmp(out, want) != 0) {
        failures++;
        fprintf(stderr, "%s:%d: for\n  %s\ngot\n  %s\nexpected\n  %s\n", __FILE__, line, q,
                out ? out : "(unchanged)", want ? want : "(unchanged)");
    }
    free(out);
}
#define EXPECT(q, want) expect((q), (want), __LINE__)

int main(void)
{
    /* the form Rasqal misreads, inside a pattern and after the query */
    EXPECT("SELECT ?p WHERE { VALUES ?v { \"西藏\"@zh \"云南\"@zh } ?x rdfs:label ?v }",
           "SELECT ?p WHERE { VALUES (?v) { (\"西藏\"@zh) (\"云南\"@zh) } ?x rdfs:label ?v }");
    EXPECT("SELECT * { ?s ?p ?v } values $v {1 -2.5 1e3 true UNDEF}",
           "SELECT * { ?s ?p ?v } values ($v) {(1) (-2.5) (1e3) (true) (UNDEF)}");
    /* IRIs, prefixed names, datatypes, long strings with braces and quotes */
    EXPECT("SELECT * { VALUES ?o { <http://x/a#b> kouan:Port \"3\"^^xsd:integer "
           "\"4\"^^<http://www.w3.org/2001/XMLSchema#integer> '''a } \"b'''  } }",
           "SELECT * { VALUES (?o) { (<http://x/a#b>) (kouan:Port) (\"3\"^^xsd:integer) "
           "(\"4\"^^<http://www.w3.org/2001/XMLSchema#integer>) ('''a } \"b''')  } }");
    /* line breaks and comments kept where they were: Rasqal's line numbers hold */
    EXPECT("SELECT * {\n  VALUES ?v # the provinces\n  { \"a\" # first\n    \"b\" }\n}",
           "SELECT * {\n  VALUES (?v) # the provinces\n  { (\"a\") # first\n    (\"b\") }\n}");
    /* a variable's name ends at a dot: ?o.VALUES is ?o, '.', the keyword */
    EXPECT("SELECT * { ?s ?p ?o.VALUES ?o { 1 2 } }",
           "SELECT * { ?s ?p ?o.VALUES (?o) { (1) (2) } }");
    /* empty: no rows */
    EXPECT("SELECT * { VALUES ?v { } }", "SELECT * { VALUES (?v) { } }");
    /* two blocks, one of each form */
    EXPECT("SELECT * { VALUES (?a) { (1) } VALUES ?b { 2 3 } }",
           "SELECT * { VALUES (?a) { (1) } VALUES (?b) { (2) (3) } }");

    /* nothing to do */
    EXPECT("SELECT * { VALUES (?v) { (1) (2) } }", NULL);
    EXPECT("SELECT * { VALUES (?v ?w) { (1 2) } }", NULL);
    EXPECT("SELECT * { ?s ?p \"VALUES ?v { 1 2 }\" }", NULL);
    EXPECT("SELECT * { ?s ?p '''VALUES ?v { 1 2 }''' }", NULL);
    EXPECT("SELECT * { ?s <http://x/VALUES> ?v }", NULL);
    EXPECT("SELECT * { ?s ex:values ?v . ?values ?p _:values }", NULL);
    EXPECT("SELECT * { ?s :VALUES ?v {1} }", NULL);   /* not valid SPARQL, but not VALUES */
    EXPECT("SELECT * { ?s ?p \"x\"@values }", NULL);
    EXPECT("SELECT * { ?s ?p ?o } # VALUES ?v { 1 2 }", NULL);
    EXPECT("SELECT * { ?s ?p ?o FILTER(?o < 3 && ?o > 1) }", NULL);
    /* not readable to its '}': left for Rasqal to report */
    EXPECT("SELECT * { VALUES ?v { 1 2 ", NULL);
    EXPECT("SELECT * { VALUES ?v { \"open } }", NULL);
    EXPECT("SELECT * { VALUES ?v { (1) } }", NULL);
    EXPECT("SELECT * { VALUES ?v 1 2 }", NULL);
    EXPECT("", NULL);

    if (failures) fprintf(stderr, "%d failures\n", failures);
    else printf("values: all checks passed\n");
    return failures ? 1 : 0;
}
