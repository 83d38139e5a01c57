/* cmd_push.c — `kouan push`: send each changed document's graph to a SPARQL
 * store with the Graph Store HTTP Protocol, and remove those gone. */
#include "cli.h"
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

typedef struct push_view {
    int    dry_run, quiet;
    double started;
} push_view;

static void on_event(const kouan_push_event *e, void *user)
{
    push_view *v = user;
    switch (e->action) {
    case KOUAN_PUSH_SENT:
        if (!v->quiet)
            printf("%-10s %s  %zu triples, %.1f kB%s\n", v->dry_run ? "would send" : "sent",
                   e->doc_id, e->triples, e->bytes / 1024.0,
                   e->attempts > 1 ? " (after retrying)" : "");
        break;
    case KOUAN_PUSH_UNCHANGED:
        if (!v->quiet) printf("%-10s %s\n", "unchanged", e->doc_id);
        break;
    case KOUAN_PUSH_DELETED:
        if (!v->quiet)
            printf("%-10s %s%s\n", v->dry_run ? "would delete" : "deleted", e->doc_id,
                   e->http_status == 404 ? "  (the endpoint had no such graph)" : "");
        break;
    case KOUAN_PUSH_FAILED:
        printf("%-10s %s\n", "failed", e->doc_id);
        fflush(stdout);
        cli_error("%s <%s>: %s%s", e->deleting ? "DELETE" : "PUT", e->graph,
                  e->message ? e->message : "failed",
                  e->attempts > 1 ? " (after retries)" : "");
        break;
    }
    fflush(stdout);
}

/* The first line of path, without its newline, in out. */
static int read_password(const char *path, char *out, size_t n)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        cli_error("password file %s: %s", path, strerror(errno));
        return -1;
    }
    if (!fgets(out, (int)n, f)) out[0] = '\0';
    fclose(f);
    out[strcspn(out, "\r\n")] = '\0';
    if (!out[0]) {
        cli_error("password file %s: the first line is empty (expected the password)", path);
        return -1;
    }
    return 0;
}

static int run(const cli_globals *g, int argc, char **argv)
{
    static const struct option opts[] = {
        { "endpoint",      required_argument, NULL, 'e' },
        { "user",          required_argument, NULL, 'u' },
        { "password-file", required_argument, NULL, 'p' },
        { "state",         required_argument, NULL, 's' },
        { "dry-run",       no_argument,       NULL, 'n' },
        { "force",         no_argument,       NULL, 'f' },
        { "format",        required_argument, NULL, 'F' },
        { "retries",       required_argument, NULL, 'r' },
        { "retry-delay",   required_argument, NULL, 'd' },
        { "timeout",       required_argument, NULL, 't' },
        { "quiet",         no_argument,       NULL, 'q' },
        { NULL, 0, NULL, 0 } };
    kouan_push_options o = { .retries = 3, .retry_delay_s = 1.0 };
    const char *password_file = NULL;
    push_view view = {0};
    char *end;
    int c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "+:e:u:p:s:nfF:r:d:t:q", opts, NULL)) != -1) {
        switch (c) {
        case 'e': o.endpoint = optarg; break;
        case 'u': o.user = optarg; break;
        case 'p': password_file = optarg; break;
        case 's': o.state_path = optarg; break;
        case 'n': o.dry_run = 1; break;
        case 'f': o.force = 1; break;
        case 'q': view.quiet = 1; break;
        case 'F':
            if (!strcmp(optarg, "ntriples") || !strcmp(optarg, "nt")) o.turtle = 0;
            else if (!strcmp(optarg, "turtle") || !strcmp(optarg, "ttl")) o.turtle = 1;
            else return cli_usage_error(&cmd_push, "unknown format “%s” (expected ntriples "
                                        "or turtle)", optarg);
            break;
        case 'r': {
            long v = strtol(optarg, &end, 10);
            if (*end || v < 0 || v > 100)
                return cli_usage_error(&cmd_push, "--retries “%s”: expected a whole number "
                                       "from 0 to 100", optarg);
            o.retries = (unsigned)v;
            break;
        }
        case 'd':
            o.retry_delay_s = strtod(optarg, &end);
            if (*end || o.retry_delay_s < 0 || o.retry_delay_s > 3600)
                return cli_usage_error(&cmd_push, "--retry-delay “%s”: expected seconds "
                                       "(e.g. 0.5)", optarg);
            break;
        case 't': {
            long v = strtol(optarg, &end, 10);
            if (*end || v < 1 || v > 86400)
                return cli_usage_error(&cmd_push, "--timeout “%s”: expected seconds (1 to "
                                       "86400)", optarg);
            o.timeout_s = (unsigned)v;
            break;
        }
        case ':': return cli_usage_error(&cmd_push, "option “%s” needs a value", argv[optind - 1]);
        default:  return cli_usage_error(&cmd_push, "unknown option “%s”", argv[optind - 1]);
        }
    }
    if (optind < argc)
        return cli_usage_error(&cmd_push, "unexpected argument “%s”", argv[optind]);
    if (!o.endpoint)
        return cli_usage_error(&cmd_push, "which store? give --endpoint URL, the SPARQL "
                               "Graph Store URL (e.g. http://localhost:8890/"
                               "sparql-graph-crud-auth for Virtuoso)");
    if (strncmp(o.endpoint, "http://", 7) && strncmp(o.endpoint, "https://", 8))
        return cli_usage_error(&cmd_push, "--endpoint “%s”: expected an http:// or https:// "
                               "URL", o.endpoint);
    if (o.user && !password_file)
        return cli_usage_error(&cmd_push, "--user needs --password-file FILE (the password "
                               "on its first line; never on the command line)");
    if (password_file && !o.user)
        return cli_usage_error(&cmd_push, "--password-file needs --user NAME");
    char password[1024];
    if (password_file) {
        if (read_password(password_file, password, sizeof password) != 0) return EXIT_FAIL;
        o.password = password;
    }
    kouan *k = cli_open(g, 1, 1, 0);
    if (!k) return EXIT_FAIL;
    view.dry_run = o.dry_run;
    view.started = cli_now();
    kouan_push_totals t;
    kouan_error err = {0};
    int rc = kouan_push(k, &o, on_event, &view, &t, &err);
    double secs = cli_now() - view.started;
    char state[4200] = "";
    kouan_error ignored = {0};
    kouan_push_state_path(k, &o, state, sizeof state, &ignored);
    if (rc == KOUAN_OK || t.sent || t.unchanged || t.deleted || t.failed)
        printf("%s%zu sent (%zu triples, %.1f MB), %zu unchanged, %zu deleted, %zu failed "
               "in %.1f s%s%s\n", o.dry_run ? "dry run: " : "", t.sent, t.triples,
               t.bytes / 1048576.0, t.unchanged, t.deleted, t.failed, secs,
               !o.dry_run && state[0] ? "; records in " : "",
               !o.dry_run ? state : "");
    memset(password, 0, sizeof password);
    if (rc) cli_error("%s", err.message);
    kouan_close(k);
    return rc ? EXIT_FAIL : EXIT_OK;
}

const cli_command cmd_push = {
    "push", "send changed documents to a SPARQL store (Graph Store Protocol)",
    "Usage: kouan [--store SPEC] push --endpoint URL [--user NAME --password-file FILE]\n"
    "                  [--dry-run] [--force] [--state FILE] [--format ntriples|turtle]\n"
    "                  [--retries N] [--retry-delay SECONDS] [--timeout SECONDS] [-q]\n"
    "\n"
    "Copies the store to any SPARQL 1.1 store (Virtuoso, Fuseki, GraphDB, Stardog,\n"
    "Oxigraph, Neptune…) with the Graph Store HTTP Protocol, one named graph per\n"
    "document, incrementally:\n"
    "  PUT    URL?graph=IRI  a document whose SHA-256 differs from the one last\n"
    "                        pushed to this URL (or never pushed): replaces its graph\n"
    "  DELETE URL?graph=IRI  a document pushed before that the store no longer\n"
    "                        has (`kouan remove`)\n"
    "Unchanged documents are not sent.  Bodies are N-Triples in UTF-8\n"
    "(Content-Type application/n-triples; --format turtle labels the same body\n"
    "text/turtle, for servers that take only Turtle).\n"
    "\n"
    "What was pushed where is recorded in push-state.tsv in the store's folder\n"
    "(kouan:DIR), or in --state FILE (needed for other stores), a line per\n"
    "request as it succeeds: an interrupted push resumes where it stopped.\n"
    "Delete the file, or give --force, to send everything again.\n"
    "\n"
    "  --endpoint URL         the Graph Store URL, e.g.\n"
    "                         http://localhost:8890/sparql-graph-crud-auth (Virtuoso,\n"
    "                         Digest auth) or http://localhost:3030/ds/data (Fuseki)\n"
    "  --user NAME            authenticate (HTTP Basic or Digest, as the server asks)\n"
    "  --password-file FILE   the password, on the file's first line\n"
    "  --dry-run, -n          say what would be sent and deleted; send nothing\n"
    "  --force                send every document, changed or not\n"
    "  --retries N            after no answer, a 5xx or 429 answer (default 3), with\n"
    "  --retry-delay SECONDS  a back-off starting there and doubling (default 1)\n"
    "  --timeout SECONDS      per request (default 300)\n"
    "  -q, --quiet            print failures and the totals only\n"
    "\n"
    "Prints one line per document (sent, unchanged, deleted, failed) and the\n"
    "totals; a failure names the HTTP status and what the server said.  When the\n"
    "endpoint stops answering, the push stops (the rest goes next time).\n"
    "Exit status: 0 all pushed, 1 a document failed (or nothing could start),\n"
    "2 bad usage.\n"
    "\n"
    "Examples:\n"
    "  kouan push --endpoint http://localhost:8890/sparql-graph-crud-auth \\\n"
    "             --user dba --password-file ~/.config/kouan/virtuoso.password\n"
    "  kouan push -n --endpoint http://localhost:3030/kouan/data\n"
    "  kouan --store 'virtuoso:dsn=VOS;user=dba;password-file=pw' push \\\n"
    "        --state push.tsv --endpoint http://fuseki:3030/kouan/data\n",
    run
};
