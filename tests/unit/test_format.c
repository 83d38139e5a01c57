/* test_format.c — unit test of query/format.c: every result format, on a small in-memory graph with Chinese labels. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libxml/parser.h>
#include <libxml/tree.h>

#include "query/format.h"

static int failures = 0;

#define CHECK(cond) do { if (!(cond)) { \
    fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
    failures++; } } while (0)

#define CHECK_STR(got, want) do { const char *g_ = (got), *w_ = (want); \
    if (!g_ || strcmp(g_, w_) != 0) { \
        fprintf(stderr, "%s:%d: mismatch\n--- want ---\n%s\n--- got ---\n%s\n", \
                __FILE__, __LINE__, w_, g_ ? g_ : "(null)"); \
        failures++; } } while (0)

#define CHECK_HAS(hay, needle) do { const char *h_ = (hay), *n_ = (needle); \
    if (!h_ || !strstr(h_, n_)) { \
        fprintf(stderr, "%s:%d: output lacks \"%s\":\n%s\n", \
                __FILE__, __LINE__, n_, h_ ? h_ : "(null)"); \
        failures++; } } while (0)

#define CHECK_LACKS(hay, needle) do { const char *h_ = (hay), *n_ = (needle); \
    if (h_ && strstr(h_, n_)) { \
        fprintf(stderr, "%s:%d: output should not contain \"%s\":\n%s\n", \
                __FILE__, __LINE__, n_, h_); \
        failures++; } } while (0)

#define PFX \
    "PREFIX kouan: <https://w3id.org/kouan/ontology#>\n" \
    "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"

static const char *TTL =
    "@prefix kouan: <https://w3id.org/kouan/ontology#> .\n"
    "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
    "@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .\n"
    "<https://w3id.org/kouan/id/port/樟木> a kouan:Port ;\n"
    "    rdfs:label \"樟木\"@zh ;\n"
    "    kouan:inRegion <https://w3id.org/kouan/id/region/西藏自治区> ;\n"
    "    kouan:laneCount \"12\"^^xsd:integer ;\n"
    "    kouan:note \"a\\tb\\nc \\\"q\\\", d\\\\e\" ;\n"
    "    kouan:operator _:op .\n"
    "<https://w3id.org/kouan/id/port/zhangmu> a kouan:Port ;\n"
    "    rdfs:label \"Zhangmu\" .\n"
    "<https://w3id.org/kouan/id/region/西藏自治区> rdfs:label \"西藏自治区\"@zh .\n"
    "_:op rdfs:label \"海关\" .\n";

static librdf_world *world;
static int           redland_errors;

/* Keeps Redland's warnings ("variable bound but unused") off the test log;
 * counts errors. */
static int quiet_logger(void *user, librdf_log_message *m)
{
    (void)user;
    if (librdf_log_message_level(m) >= LIBRDF_LOG_ERROR) {
        redland_errors++;
        fprintf(stderr, "redland: %s\n", librdf_log_message_message(m));
    }
    return 1;
}
static librdf_model *model;

/* Runs q and writes its results in fmt; returns the output (caller frees),
 * *rc the return code, *rows the row count. */
static char *run(const char *q, kouan_result_format fmt, size_t *rows, int *rc,
                 kouan_error *err)
{
    char   *buf = NULL;
    size_t  len = 0;
    FILE   *out = open_memstream(&buf, &len);
    librdf_query *query;
    librdf_query_results *res;

    *rc = -999;
    if (!out)
        return NULL;
    query = librdf_new_query(world, "sparql", NULL, (const unsigned char *)q, NULL);
    if (!query) {
        fclose(out);
        free(buf);
        fprintf(stderr, "cannot parse query:\n%s\n", q);
        return NULL;
    }
    res = librdf_model_query_execute(model, query);
    if (!res) {
        librdf_free_query(query);
        fclose(out);
        free(buf);
        fprintf(stderr, "cannot execute query:\n%s\n", q);
        return NULL;
    }
    memset(err, 0, sizeof *err);
    *rc = kouan_results_write(world, res, fmt, out, rows, err);
    librdf_free_query_results(res);
    librdf_free_query(query);
    fclose(out);
    return buf;
}

/* Display width of line up to (not including) the first occurrence of sep. */
static long width_before(const char *line, const char *sep)
{
    const char *p = strstr(line, sep);
    char       *prefix;
    long        w;
    if (!p)
        return -1;
    prefix = strndup(line, (size_t)(p - line));
    if (!prefix)
        return -1;
    w = (long)kouan_display_width(prefix);
    free(prefix);
    return w;
}

static void test_display_width(void)
{
    CHECK(kouan_display_width("樟木") == 4);
    CHECK(kouan_display_width("abc") == 3);
    CHECK(kouan_display_width("樟a") == 3);
    CHECK(kouan_display_width("\xC3\xA9") == 1);          /* é precomposed */
    CHECK(kouan_display_width("e\xCC\x81") == 1);         /* e + combining acute */
    CHECK(kouan_display_width("\xFF" "a") == 2);          /* invalid byte = 1 */
    CHECK(kouan_display_width("") == 0);
    CHECK(kouan_display_width(NULL) == 0);
    CHECK(kouan_display_width("西藏自治区") == 10);
}

static const char *Q_PORTS =
    PFX "SELECT ?label ?n WHERE { ?p a kouan:Port ; rdfs:label ?label .\n"
    "  OPTIONAL { ?p kouan:laneCount ?n } } ORDER BY ?n";

static void test_tsv(void)
{
    size_t rows = 0;
    int rc;
    kouan_error err;
    char *s = run(Q_PORTS, KOUAN_RESULTS_TSV, &rows, &rc, &err);
    CHECK(rc == 0);
    CHECK(rows == 2);
    CHECK_STR(s, "?label\t?n\nZhangmu\t\n樟木\t12\n");
    CHECK_LACKS(s, "\\u");
    free(s);

    s = run(PFX "SELECT ?note WHERE { ?p kouan:note ?note }", KOUAN_RESULTS_TSV,
            &rows, &rc, &err);
    CHECK(rc == 0 && rows == 1);
    CHECK_STR(s, "?note\na\\tb\\nc \"q\", d\\\\e\n");
    free(s);

    s = run(PFX "SELECT ?r ?o WHERE { ?p kouan:inRegion ?r ; kouan:operator ?o }",
            KOUAN_RESULTS_TSV, &rows, &rc, &err);
    CHECK(rc == 0 && rows == 1);
    CHECK_HAS(s, "?r\t?o\n<https://w3id.org/kouan/id/region/西藏自治区>\t_:");
    free(s);
}

static void test_csv(void)
{
    size_t rows = 0;
    int rc;
    kouan_error err;
    char *s = run(Q_PORTS, KOUAN_RESULTS_CSV, &rows, &rc, &err);
    CHECK(rc == 0 && rows == 2);
    CHECK_STR(s, "label,n\r\nZhangmu,\r\n樟木,12\r\n");
    free(s);

    s = run(PFX "SELECT ?note ?r WHERE { ?p kouan:note ?note ; kouan:inRegion ?r }",
            KOUAN_RESULTS_CSV, &rows, &rc, &err);
    CHECK(rc == 0 && rows == 1);
    CHECK_STR(s, "note,r\r\n\"a\tb\nc \"\"q\"\", d\\e\","
                 "https://w3id.org/kouan/id/region/西藏自治区\r\n");
    free(s);
}

static void test_json(void)
{
    size_t rows = 0;
    int rc;
    kouan_error err;
    char *s = run(Q_PORTS, KOUAN_RESULTS_JSON, &rows, &rc, &err);
    CHECK(rc == 0 && rows == 2);
    CHECK_STR(s,
        "{\"head\":{\"vars\":[\"label\",\"n\"]},\"results\":{\"bindings\":[\n"
        "{\"label\":{\"type\":\"literal\",\"value\":\"Zhangmu\"}},\n"
        "{\"label\":{\"type\":\"literal\",\"value\":\"樟木\",\"xml:lang\":\"zh\"},"
        "\"n\":{\"type\":\"literal\",\"value\":\"12\","
        "\"datatype\":\"http://www.w3.org/2001/XMLSchema#integer\"}}\n"
        "]}}\n");
    free(s);

    s = run(PFX "SELECT ?r ?note ?o WHERE { ?p kouan:note ?note ; kouan:inRegion ?r ;"
                " kouan:operator ?o }", KOUAN_RESULTS_JSON, &rows, &rc, &err);
    CHECK(rc == 0 && rows == 1);
    CHECK_HAS(s, "\"r\":{\"type\":\"uri\",\"value\":\"https://w3id.org/kouan/id/region/西藏自治区\"}");
    CHECK_HAS(s, "\"note\":{\"type\":\"literal\",\"value\":\"a\\u0009b\\u000Ac \\\"q\\\", d\\\\e\"}");
    CHECK_HAS(s, "\"o\":{\"type\":\"bnode\",\"value\":\"");
    free(s);

    s = run(PFX "SELECT ?x WHERE { ?x a kouan:Nothing }", KOUAN_RESULTS_JSON,
            &rows, &rc, &err);
    CHECK(rc == 0 && rows == 0);
    /* rasqal 0.9.33 learns variable names from the first row, so an empty
     * result has none (roqet shows the same) */
    CHECK_STR(s, "{\"head\":{\"vars\":[]},\"results\":{\"bindings\":[]}}\n");
    free(s);
}

/* Text of the first element named name (caller frees with xmlFree). */
static xmlChar *first_text(xmlNode *n, const char *name)
{
    for (; n; n = n->next) {
        if (n->type == XML_ELEMENT_NODE && !strcmp((const char *)n->name, name))
            return xmlNodeGetContent(n);
        {
            xmlChar *t = first_text(n->children, name);
            if (t)
                return t;
        }
    }
    return NULL;
}

static void test_xml(void)
{
    size_t rows = 0;
    int rc;
    kouan_error err;
    char *s = run(Q_PORTS, KOUAN_RESULTS_XML, &rows, &rc, &err);
    CHECK(rc == 0 && rows == 2);
    CHECK_STR(s,
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
        "<sparql xmlns=\"http://www.w3.org/2005/sparql-results#\">\n"
        "  <head>\n"
        "    <variable name=\"label\"/>\n"
        "    <variable name=\"n\"/>\n"
        "  </head>\n"
        "  <results>\n"
        "    <result>\n"
        "      <binding name=\"label\"><literal>Zhangmu</literal></binding>\n"
        "    </result>\n"
        "    <result>\n"
        "      <binding name=\"label\"><literal xml:lang=\"zh\">樟木</literal></binding>\n"
        "      <binding name=\"n\"><literal datatype=\"http://www.w3.org/2001/XMLSchema#integer\">12</literal></binding>\n"
        "    </result>\n"
        "  </results>\n"
        "</sparql>\n");
    free(s);

    s = run(PFX "SELECT ?note ?r ?o WHERE { ?p kouan:note ?note ; kouan:inRegion ?r ;"
                " kouan:operator ?o }", KOUAN_RESULTS_XML, &rows, &rc, &err);
    CHECK(rc == 0 && rows == 1);
    CHECK_HAS(s, "<literal>a\tb\nc &quot;q&quot;, d\\e</literal>");
    CHECK_HAS(s, "<uri>https://w3id.org/kouan/id/region/西藏自治区</uri>");
    CHECK_HAS(s, "<bnode>");
    if (s) {
        xmlDoc *doc = xmlReadMemory(s, (int)strlen(s), "results.xml", NULL,
                                    XML_PARSE_NONET | XML_PARSE_NOERROR);
        CHECK(doc != NULL);
        if (doc) {
            xmlNode *root = xmlDocGetRootElement(doc);
            xmlChar *lit = first_text(root, "literal");
            xmlChar *uri = first_text(root, "uri");
            CHECK(root && !strcmp((const char *)root->name, "sparql"));
            CHECK_STR((const char *)lit, "a\tb\nc \"q\", d\\e");
            CHECK_STR((const char *)uri, "https://w3id.org/kouan/id/region/西藏自治区");
            xmlFree(lit);
            xmlFree(uri);
            xmlFreeDoc(doc);
        }
    }
    free(s);
}

static void test_table(void)
{
    size_t rows = 0;
    int rc;
    kouan_error err;
    char *s = run(PFX "SELECT ?label ?p ?n WHERE { ?p a kouan:Port ; rdfs:label ?label ."
                      " OPTIONAL { ?p kouan:laneCount ?n } } ORDER BY ?n",
                  KOUAN_RESULTS_TABLE, &rows, &rc, &err);
    CHECK(rc == 0 && rows == 2);
    CHECK_STR(s,
        "label   | p                                        | n\n"
        "--------+------------------------------------------+---\n"
        "Zhangmu | <https://w3id.org/kouan/id/port/zhangmu> |\n"
        "樟木    | <https://w3id.org/kouan/id/port/樟木>    | 12\n");
    if (s) {
        /* every line has column 2 and column 3 at the same display offset */
        char *copy = strdup(s), *save = NULL, *line;
        long  c2 = -1, c3 = -1;
        int   n = 0;
        CHECK(copy != NULL);
        for (line = copy ? strtok_r(copy, "\n", &save) : NULL; line;
             line = strtok_r(NULL, "\n", &save), n++) {
            const char *sep = n == 1 ? "+" : "|";
            const char *second = strstr(line, sep);
            long w2 = width_before(line, sep);
            long w3 = second ? width_before(second + 1, sep) : -1;
            if (n == 0) {
                c2 = w2;
                c3 = w3;
            }
            CHECK(w2 == c2 && w2 > 0);
            CHECK(w3 == c3 && w3 > 0);
        }
        CHECK(n == 4);
        free(copy);
    }
    free(s);

    /* prefixes: kouan:Port abbreviated, id: entities stay full IRIs */
    /* (no DISTINCT here: rasqal 0.9.33 leaks every distinct rowsource) */
    s = run(PFX "SELECT ?t WHERE { <https://w3id.org/kouan/id/port/zhangmu> a ?t }",
            KOUAN_RESULTS_TABLE, &rows, &rc, &err);
    CHECK(rc == 0 && rows == 1);
    CHECK_STR(s, "t\n----------\nkouan:Port\n");
    free(s);

    /* control characters do not break the layout */
    s = run(PFX "SELECT ?note WHERE { ?p kouan:note ?note }", KOUAN_RESULTS_TABLE,
            &rows, &rc, &err);
    CHECK(rc == 0 && rows == 1);
    CHECK_STR(s, "note\n----------------\na\\tb\\nc \"q\", d\\e\n");
    free(s);

    /* empty result: no variables known (see test_json), so nothing at all */
    s = run(PFX "SELECT ?x WHERE { ?x a kouan:Nothing }", KOUAN_RESULTS_TABLE,
            &rows, &rc, &err);
    CHECK(rc == 0 && rows == 0);
    CHECK_STR(s, "");
    free(s);
}

static void test_ask(void)
{
    static const kouan_result_format fmts[] = {
        KOUAN_RESULTS_TABLE, KOUAN_RESULTS_CSV, KOUAN_RESULTS_TSV };
    const char *yes = PFX "ASK { ?p rdfs:label \"樟木\"@zh }";
    const char *no = PFX "ASK { ?p rdfs:label \"拉萨\"@zh }";
    size_t rows = 0, i;
    int rc;
    kouan_error err;
    char *s;

    for (i = 0; i < sizeof fmts / sizeof fmts[0]; i++) {
        s = run(yes, fmts[i], &rows, &rc, &err);
        CHECK(rc == 0 && rows == 1);
        CHECK_STR(s, "true\n");
        free(s);
        s = run(no, fmts[i], &rows, &rc, &err);
        CHECK(rc == 0 && rows == 1);
        CHECK_STR(s, "false\n");
        free(s);
    }
    s = run(yes, KOUAN_RESULTS_JSON, &rows, &rc, &err);
    CHECK(rc == 0 && rows == 1);
    CHECK_STR(s, "{\"head\":{},\"boolean\":true}\n");
    free(s);
    s = run(no, KOUAN_RESULTS_JSON, &rows, &rc, &err);
    CHECK_STR(s, "{\"head\":{},\"boolean\":false}\n");
    free(s);
    s = run(no, KOUAN_RESULTS_XML, &rows, &rc, &err);
    CHECK(rc == 0 && rows == 1);
    CHECK_STR(s, "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
                 "<sparql xmlns=\"http://www.w3.org/2005/sparql-results#\">\n"
                 "  <head/>\n  <boolean>false</boolean>\n</sparql>\n");
    if (s) {
        xmlDoc *doc = xmlReadMemory(s, (int)strlen(s), "ask.xml", NULL, XML_PARSE_NONET);
        CHECK(doc != NULL);
        xmlFreeDoc(doc);
    }
    free(s);
}

static void test_construct(void)
{
    size_t rows = 99;
    int rc;
    kouan_error err;
    char *s = run(PFX "CONSTRUCT { ?p rdfs:label ?l ; a kouan:Port } "
                      "WHERE { ?p a kouan:Port ; rdfs:label ?l }",
                  KOUAN_RESULTS_JSON, &rows, &rc, &err);
    CHECK(rc == 0);
    CHECK(rows == 4);
    CHECK_HAS(s, "@prefix kouan: <https://w3id.org/kouan/ontology#> .");
    CHECK_HAS(s, "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .");
    CHECK_HAS(s, "\"樟木\"@zh");
    CHECK_HAS(s, "kouan:Port");
    CHECK_LACKS(s, "\\u");
    free(s);

    /* no matching triples: still Turtle, zero rows */
    rows = 99;
    s = run(PFX "CONSTRUCT { ?p a kouan:Port } WHERE { ?p a kouan:Nothing }",
            KOUAN_RESULTS_TABLE, &rows, &rc, &err);
    CHECK(rc == 0);
    CHECK(rows == 0);
    CHECK_LACKS(s, "\"");
    free(s);
}

static void test_errors(void)
{
    size_t rows = 0;
    int rc;
    kouan_error err;
    char *s = run(Q_PORTS, (kouan_result_format)42, &rows, &rc, &err);
    CHECK(rc == KOUAN_EINVAL);
    CHECK(err.code == KOUAN_EINVAL && err.message[0] != '\0');
    free(s);

    /* a full disk is a write error */
    {
        FILE *full = fopen("/dev/full", "w");
        if (full) {
            librdf_query *q = librdf_new_query(world, "sparql", NULL,
                                               (const unsigned char *)Q_PORTS, NULL);
            librdf_query_results *res = q ? librdf_model_query_execute(model, q) : NULL;
            CHECK(res != NULL);
            if (res) {
                memset(&err, 0, sizeof err);
                rc = kouan_results_write(world, res, KOUAN_RESULTS_TSV, full, &rows, &err);
                CHECK(rc == KOUAN_EIO);
                CHECK(err.code == KOUAN_EIO && err.message[0] != '\0');
                librdf_free_query_results(res);
            }
            if (q)
                librdf_free_query(q);
            fclose(full);
        } else {
            fprintf(stderr, "note: /dev/full missing, write-error check skipped\n");
        }
    }
}

int main(void)
{
    librdf_storage *storage;
    librdf_parser  *parser;
    librdf_uri     *base;

    test_display_width();

    world = librdf_new_world();
    CHECK(world != NULL);
    if (!world)
        return 1;
    librdf_world_set_logger(world, NULL, quiet_logger);
    librdf_world_open(world);
    storage = librdf_new_storage(world, "memory", NULL, NULL);
    model = storage ? librdf_new_model(world, storage, NULL) : NULL;
    parser = librdf_new_parser(world, "turtle", NULL, NULL);
    base = librdf_new_uri(world, (const unsigned char *)"https://w3id.org/kouan/test/");
    CHECK(storage && model && parser && base);
    if (!(storage && model && parser && base))
        return 1;
    CHECK(librdf_parser_parse_string_into_model(parser, (const unsigned char *)TTL,
                                                base, model) == 0);
    CHECK(librdf_model_size(model) == 10);

    test_tsv();
    test_csv();
    test_json();
    test_xml();
    test_table();
    test_ask();
    test_construct();
    test_errors();

    librdf_free_uri(base);
    librdf_free_parser(parser);
    librdf_free_model(model);
    librdf_free_storage(storage);
    librdf_free_world(world);
    xmlCleanupParser();

    CHECK(redland_errors == 0);
    if (failures) {
        fprintf(stderr, "test_format: %d check(s) failed\n", failures);
        return 1;
    }
    printf("test_format: all checks passed\n");
    return 0;
}
