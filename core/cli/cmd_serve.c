/* cmd_serve.c — `kouan serve`: the SPARQL endpoint and the browser page. */
#include "cli.h"
#include <getopt.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

/* A whole number in [lo, hi] from s; -1 when it is not one. */
static long long number(const char *s, long long lo, long long hi)
{
    char *end;
    if (!*s) return -1;
    long long v = strtoll(s, &end, 10);
    if (*end || v < lo || v > hi) return -1;
    return v;
}

static int run(const cli_globals *g, int argc, char **argv)
{
    static const struct option opts[] = {
        { "bind", required_argument, NULL, 'b' }, { "port", required_argument, NULL, 'p' },
        { "timeout", required_argument, NULL, 't' }, { "max-rows", required_argument, NULL, 'r' },
        { "max-body", required_argument, NULL, 'B' }, { "workers", required_argument, NULL, 'w' },
        { "queue", required_argument, NULL, 'q' }, { "quiet", no_argument, NULL, 'Q' },
        { "worker-fd", required_argument, NULL, 'W' }, { NULL, 0, NULL, 0 } };
    kouan_serve_options so = { "127.0.0.1", 8890, 30, 10000, 1u << 20, 4, 64, 0 };
    int worker_fd = -1, c;
    long long v;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "+:b:p:t:r:B:w:q:QW:", opts, NULL)) != -1) {
        switch (c) {
        case 'b': so.bind = optarg; break;
        case 'p':
            if ((v = number(optarg, 0, 65535)) < 0)
                return cli_usage_error(&cmd_serve, "--port “%s”: expected a port number "
                                       "from 0 (any free one) to 65535", optarg);
            so.port = (unsigned)v;
            break;
        case 't':
            if ((v = number(optarg, 1, 86400)) < 0)
                return cli_usage_error(&cmd_serve, "--timeout “%s”: expected seconds, "
                                       "1 to 86400", optarg);
            so.timeout_s = (unsigned)v;
            break;
        case 'r':
            if ((v = number(optarg, 0, UINT_MAX)) < 0)
                return cli_usage_error(&cmd_serve, "--max-rows “%s”: expected a number of "
                                       "rows (0: no limit)", optarg);
            so.max_rows = (size_t)v;
            break;
        case 'B':
            if ((v = number(optarg, 1, 256LL << 20)) < 0)
                return cli_usage_error(&cmd_serve, "--max-body “%s”: expected bytes, "
                                       "1 to 268435456", optarg);
            so.max_body = (size_t)v;
            break;
        case 'w':
            if ((v = number(optarg, 1, 64)) < 0)
                return cli_usage_error(&cmd_serve, "--workers “%s”: expected 1 to 64", optarg);
            so.workers = (unsigned)v;
            break;
        case 'q':
            if ((v = number(optarg, 0, 10000)) < 0)
                return cli_usage_error(&cmd_serve, "--queue “%s”: expected 0 to 10000", optarg);
            so.queue = (unsigned)v;
            break;
        case 'Q': so.quiet = 1; break;
        case 'W':
            if ((v = number(optarg, 0, 1023)) < 0)
                return cli_usage_error(&cmd_serve, "--worker-fd “%s”: expected a file "
                                       "descriptor", optarg);
            worker_fd = (int)v;
            break;
        case ':': return cli_usage_error(&cmd_serve, "option “%s” needs a value", argv[optind - 1]);
        default:  return cli_usage_error(&cmd_serve, "unknown option “%s”", argv[optind - 1]);
        }
    }
    if (optind < argc)
        return cli_usage_error(&cmd_serve, "unexpected argument “%s”", argv[optind]);
    kouan_options ko = { .store_spec = g->store, .ontology_dir = g->ontology,
                         .plugin_path = g->plugin_path, .read_only = 1, .no_plugins = 1 };
    if (worker_fd >= 0) return kouan_serve_worker_main(&ko, worker_fd);
    kouan_error err = {0};
    if (kouan_serve(&ko, &so, &err) != 0) {
        cli_error("%s", err.message);
        return EXIT_FAIL;
    }
    return EXIT_OK;
}

const cli_command cmd_serve = {
    "serve", "answer SPARQL over HTTP, with a page for browsers",
    "Usage: kouan [--store SPEC] serve [--bind ADDR] [--port N] [--timeout S]\n"
    "                                  [--max-rows N] [--workers N] [--queue N]\n"
    "                                  [--max-body BYTES] [--quiet]\n"
    "\n"
    "Serves the store, read-only, until Ctrl-C:\n"
    "  /sparql    the SPARQL 1.1 Protocol: GET /sparql?query=…, or POST a form\n"
    "             (query=…) or a body of type application/sparql-query.\n"
    "             SELECT and ASK answer JSON, XML, CSV or TSV, CONSTRUCT Turtle or\n"
    "             N-Triples, chosen by the Accept header or by format=json|xml|\n"
    "             csv|tsv|turtle|ntriples.  SPARQL Update (LOAD too) and SERVICE\n"
    "             are refused (403): the server changes nothing and fetches\n"
    "             nothing from elsewhere.\n"
    "  /          a page: a query editor with examples, the results as a table\n"
    "             and as a graph; click a fact to read the sentence it came from\n"
    "  /evidence  ?s=IRI&p=IRI&o=IRI: a fact's sentences, as JSON\n"
    "\n"
    "Options:\n"
    "  --bind ADDR     address to listen on (default 127.0.0.1: this machine\n"
    "                  only; 0.0.0.0 opens it to the network)\n"
    "  --port N        port (default 8890; 0: any free one, named at start)\n"
    "  --timeout S     a query running longer is stopped with 503; a request\n"
    "                  waits at most this long for a free worker (default 30)\n"
    "  --max-rows N    rows (or triples) per answer at most (default 10000; 0: no\n"
    "                  limit); a cut answer has the header X-Kouan-Truncated\n"
    "  --workers N     queries answered at a time, each by its own process with\n"
    "                  its own read-only session (default 4)\n"
    "  --queue N       requests that may wait for a worker; more get 503 at once\n"
    "                  (default 64)\n"
    "  --max-body B    largest POST body in bytes (default 1048576; larger: 413)\n"
    "  --quiet         no request log (otherwise one line per request on stderr:\n"
    "                  method, path, status, rows, milliseconds)\n"
    "\n"
    "Status codes: 200; 400 a malformed query (Rasqal's message, with line and\n"
    "column) or a missing one; 403 an update or SERVICE; 404; 405 a method the path does\n"
    "not take; 406 no format the Accept header allows; 413 a body too large;\n"
    "415 a POST body of another type; 500 a worker failed; 503 busy, or the\n"
    "query ran past --timeout.\n"
    "\n"
    "A request must arrive whole (headers and body) within 15 s of its\n"
    "connection opening, else the connection is closed: slow clients cost a\n"
    "thread each, never a worker, and about a thousand may wait at once.\n"
    "\n"
    "Examples:\n"
    "  kouan serve --port 8890 &\n"
    "  curl -H 'Accept: text/csv' --data-urlencode 'query=SELECT ?port WHERE {\n"
    "       ?v rdfs:label \"西藏\"@zh . ?p kouan:province ?v ; a kouan:Port ;\n"
    "       rdfs:label ?port }' http://127.0.0.1:8890/sparql\n"
    "  python3 -c 'from SPARQLWrapper import SPARQLWrapper, JSON; …'\n"
    "  open http://127.0.0.1:8890/ in a browser\n"
    "\n"
    "Exit status: 0 after Ctrl-C or SIGTERM, 1 when it cannot start (the store,\n"
    "the address), 2 bad usage.\n",
    run
};
