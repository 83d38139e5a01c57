/* cmd_query.c — `kouan query`: SPARQL over the store. */
#include "cli.h"
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <unistd.h>
#include <string.h>

static char *read_all(FILE *f)
{
    size_t len = 0, cap = 4096;
    char *buf = malloc(cap);
    if (!buf) return NULL;
    size_t got;
    while ((got = fread(buf + len, 1, cap - len - 1, f)) > 0) {
        len += got;
        if (cap - len - 1 == 0) {
            char *nb = realloc(buf, cap *= 2);
            if (!nb) { free(buf); return NULL; }
            buf = nb;
        }
    }
    if (ferror(f)) { free(buf); return NULL; }
    buf[len] = '\0';
    return buf;
}

static int parse_format(const char *s, kouan_result_format *f)
{
    static const struct { const char *name; kouan_result_format f; } F[] = {
        { "table", KOUAN_RESULTS_TABLE }, { "csv", KOUAN_RESULTS_CSV },
        { "tsv", KOUAN_RESULTS_TSV }, { "json", KOUAN_RESULTS_JSON },
        { "xml", KOUAN_RESULTS_XML } };
    for (size_t i = 0; i < sizeof F / sizeof F[0]; i++)
        if (!strcmp(s, F[i].name)) { *f = F[i].f; return 0; }
    return -1;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static int run(const cli_globals *g, int argc, char **argv)
{
    static const struct option opts[] = {
        { "format", required_argument, NULL, 'F' },
        { "file", required_argument, NULL, 'f' }, { "time", no_argument, NULL, 'T' },
        { "repeat", required_argument, NULL, 'R' }, { NULL, 0, NULL, 0 } };
    kouan_result_format fmt = KOUAN_RESULTS_TABLE;
    const char *file = NULL;
    int c, timed = 0;
    long repeat = 1;
    char *end;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "+:F:f:", opts, NULL)) != -1) {
        switch (c) {
        case 'F':
            if (parse_format(optarg, &fmt) != 0)
                return cli_usage_error(&cmd_query, "unknown format “%s” (expected "
                                       "table, csv, tsv, json or xml)", optarg);
            break;
        case 'f': file = optarg; break;
        case 'T': timed = 1; break;
        case 'R':
            repeat = strtol(optarg, &end, 10);
            if (end == optarg || *end || repeat < 1 || repeat > 100000)
                return cli_usage_error(&cmd_query, "--repeat takes a number of runs from 1 "
                                       "to 100000, not “%s”", optarg);
            break;
        case ':': return cli_usage_error(&cmd_query, "option “%s” needs a value", argv[optind - 1]);
        default:  return cli_usage_error(&cmd_query, "unknown option “%s”", argv[optind - 1]);
        }
    }
    int nargs = argc - optind;
    if ((file && nargs != 0) || (!file && nargs != 1))
        return cli_usage_error(&cmd_query, "give the query as one argument, or with -f FILE");
    char *text = NULL;
    if (file) {
        FILE *f = strcmp(file, "-") ? fopen(file, "rb") : stdin;
        if (!f) {
            cli_error("%s: cannot open: %s", file, strerror(errno));
            return EXIT_FAIL;
        }
        text = read_all(f);
        if (f != stdin) fclose(f);
        if (!text) {
            cli_error("%s: cannot read", file);
            return EXIT_FAIL;
        }
    } else if (!(text = strdup(argv[optind]))) {
        cli_error("out of memory");
        return EXIT_FAIL;
    }
    double t0 = 1e3 * cli_now();
    kouan *k = cli_open(g, 1, 1, 0);
    if (!k) { free(text); return EXIT_FAIL; }
    double t1 = 1e3 * cli_now();
    kouan_error err = {0};
    size_t rows = 0;
    int rc = kouan_query(k, text, fmt, stdout, &rows, &err);
    if (rc) cli_error("%s%s%s", file ? file : "", file ? ": " : "", err.message);
    /* the table is for people: an empty one (its header alone) says why,
       to a person (stderr a terminal); the other formats are for programs,
       and a script's stderr stays empty */
    if (!rc && rows == 0 && fmt == KOUAN_RESULTS_TABLE && isatty(STDERR_FILENO)) {
        fflush(stdout);
        fprintf(stderr, "kouan query: no results: the query ran, and nothing in the store "
                "matched it\n");
    }
    double first = 1e3 * cli_now() - t1;
    /* --repeat: the same query again in this process, its results written
       to /dev/null — the time a warm engine takes, as a server or a
       benchmark's in-memory peer answers */
    double *warm = repeat > 1 && !rc ? malloc((size_t)(repeat - 1) * sizeof *warm) : NULL;
    FILE *sink = warm ? fopen("/dev/null", "w") : NULL;
    long runs = 0;
    for (; sink && runs < repeat - 1 && !rc; runs++) {
        size_t r = 0;
        double t = 1e3 * cli_now();
        rc = kouan_query(k, text, fmt, sink, &r, &err);
        warm[runs] = 1e3 * cli_now() - t;
        if (rc) cli_error("%s%s%s (run %ld)", file ? file : "", file ? ": " : "", err.message,
                          runs + 2);
    }
    if (sink) fclose(sink);
    if (timed && !rc) {
        fflush(stdout);
        fprintf(stderr, "time: query %.3f ms (%zu row%s, parsing, running and printing), "
                "opening the session and store %.3f ms", first, rows,
                rows == 1 ? "" : "s", t1 - t0);
        if (runs > 0) {
            qsort(warm, (size_t)runs, sizeof *warm, cmp_double);
            fprintf(stderr, "; %ld runs again: median %.3f ms, fastest %.3f ms", runs,
                    runs % 2 ? warm[runs / 2] : (warm[runs / 2 - 1] + warm[runs / 2]) / 2,
                    warm[0]);
        }
        fputc('\n', stderr);
    }
    free(warm);
    kouan_close(k);
    free(text);
    return rc ? EXIT_FAIL : EXIT_OK;
}

const cli_command cmd_query = {
    "query", "run a SPARQL query over the store",
    "Usage: kouan [--store SPEC] query [--format FORMAT] [--time] [--repeat N]\n"
    "                                 (SPARQL | -f FILE)\n"
    "\n"
    "Runs a SPARQL 1.1 query (through Rasqal) over all documents' graphs.\n"
    "The prefixes rdf, rdfs, owl, xsd, skos, prov, dcterms, sosa\n"
    "and kouan (https://w3id.org/kouan/ontology#) are predeclared.  Chinese is\n"
    "written as UTF-8 in every format.  -f - reads the query from stdin.\n"
    "\n"
    "Formats:\n"
    "  table  aligned columns for a terminal (default)\n"
    "  csv    SPARQL 1.1 CSV results (plain values)\n"
    "  tsv    header ?var…, then plain values: a literal's text, <iri>, _:blank\n"
    "  json   SPARQL 1.1 JSON results\n"
    "  xml    SPARQL 1.1 XML results\n"
    "ASK prints true or false; CONSTRUCT prints Turtle.\n"
    "\n"
    "--time prints on stderr how long the query took (parsed, run, its results\n"
    "printed) and, apart, opening the session and the store.  --repeat N runs\n"
    "it N times in this process (the results printed once): with --time, the\n"
    "median and fastest of the runs after the first, a warm engine's time.\n"
    "\n"
    "Not supported by Rasqal 0.9.33: property paths (a/b, a|b, a+) and\n"
    "DESCRIBE.  Write a|b as a UNION, a/b as two triple patterns.\n"
    "COUNT(DISTINCT ?x), COUNT(?x) and several aggregates in one SELECT are\n"
    "corrected (Rasqal miscounts them); SUM, GROUP_CONCAT… with DISTINCT are\n"
    "refused: aggregate a sub-SELECT DISTINCT's rows instead.  Order by an\n"
    "aggregate's alias (ORDER BY DESC(?n)), not by the aggregate.\n"
    "VALUES ?v { a b } is run as VALUES (?v) { (a) (b) }, which Rasqal reads\n"
    "right (it gave the one-variable form's first value only).\n"
    "Patterns may be written in any order: kouan orders each group by the\n"
    "store's counts before Rasqal joins it (KOUAN_NO_REORDER=1: as written).\n"
    "Match rule ids as constants (?s kouan:rule \"tables:port-province\"),\n"
    "not with FILTER, which the store cannot count.\n"
    "The same triple stated by two documents is stored once per document:\n"
    "use SELECT DISTINCT when counting across documents.\n"
    "\n"
    "Examples:\n"
    "  # the ports of 西藏 and the chain port → province → trade zone\n"
    "  kouan query 'SELECT ?port ?zone WHERE { ?v rdfs:label \"西藏\"@zh ;\n"
    "      kouan:tradeZone ?z . ?z rdfs:label ?zone .\n"
    "      ?p kouan:province ?v ; a kouan:Port ; rdfs:label ?port }'\n"
    "  # ports per province, as CSV\n"
    "  kouan query --format csv 'SELECT ?prov (COUNT(?p) AS ?ports) WHERE {\n"
    "      ?p a kouan:Port ; kouan:province ?v . ?v rdfs:label ?prov }\n"
    "      GROUP BY ?prov ORDER BY DESC(?ports)'\n"
    "  # where a fact came from\n"
    "  kouan query 'SELECT ?line ?quote WHERE { ?e rdf:subject ?p ;\n"
    "      rdf:predicate kouan:province ; kouan:line ?line ; kouan:quote ?quote .\n"
    "      ?p rdfs:label \"樟木\"@zh }'\n"
    "\n"
    "Exit status: 0 success (also when nothing matched), 1 a bad query or\n"
    "store (the message gives the line, and the column where Rasqal knows\n"
    "it), 2 bad usage.\n",
    run
};
