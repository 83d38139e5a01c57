/* cmd_export.c — `kouan export`: the store as Turtle, N-Triples, N-Quads or TriG,
 * or for people as a Graphviz picture (DOT, SVG, PNG) or a CSV of ports. */
#include "cli.h"
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int run(const cli_globals *g, int argc, char **argv)
{
    static const struct option opts[] = {
        { "format", required_argument, NULL, 'F' },
        { "output", required_argument, NULL, 'o' }, { NULL, 0, NULL, 0 } };
    kouan_export_format fmt = KOUAN_EXPORT_TURTLE;
    const char *output = NULL;
    int c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "+:F:o:", opts, NULL)) != -1) {
        switch (c) {
        case 'F':
            if (!strcmp(optarg, "turtle") || !strcmp(optarg, "ttl")) fmt = KOUAN_EXPORT_TURTLE;
            else if (!strcmp(optarg, "ntriples") || !strcmp(optarg, "nt")) fmt = KOUAN_EXPORT_NTRIPLES;
            else if (!strcmp(optarg, "nquads") || !strcmp(optarg, "nq")) fmt = KOUAN_EXPORT_NQUADS;
            else if (!strcmp(optarg, "trig")) fmt = KOUAN_EXPORT_TRIG;
            else if (!strcmp(optarg, "dot") || !strcmp(optarg, "gv")) fmt = KOUAN_EXPORT_DOT;
            else if (!strcmp(optarg, "svg")) fmt = KOUAN_EXPORT_SVG;
            else if (!strcmp(optarg, "png")) fmt = KOUAN_EXPORT_PNG;
            else if (!strcmp(optarg, "csv")) fmt = KOUAN_EXPORT_CSV;
            else return cli_usage_error(&cmd_export, "unknown format “%s” (expected "
                                        "turtle, ntriples, nquads, trig, dot, svg, png or csv)", optarg);
            break;
        case 'o': output = optarg; break;
        case ':': return cli_usage_error(&cmd_export, "option “%s” needs a value", argv[optind - 1]);
        default:  return cli_usage_error(&cmd_export, "unknown option “%s”", argv[optind - 1]);
        }
    }
    if (optind < argc)
        return cli_usage_error(&cmd_export, "unexpected argument “%s”", argv[optind]);
    if (fmt == KOUAN_EXPORT_PNG && (!output || !strcmp(output, "-")) && isatty(STDOUT_FILENO))
        return cli_usage_error(&cmd_export, "a PNG is not for a terminal: give -o FILE.png "
                               "(or redirect stdout)");
    kouan *k = cli_open(g, 1, 1, 0);
    if (!k) return EXIT_FAIL;
    /* write to a temporary file and rename, so a failure never leaves a
       truncated export where a good one was */
    char *tmp = NULL;
    FILE *out = stdout;
    if (output && strcmp(output, "-") != 0) {
        size_t n = strlen(output) + 32;
        tmp = malloc(n);
        if (tmp) snprintf(tmp, n, "%s.tmp.%ld", output, (long)getpid());
        out = tmp ? fopen(tmp, "wb") : NULL;
        if (!out) {
            cli_error("%s: cannot write: %s", output, strerror(errno));
            free(tmp);
            kouan_close(k);
            return EXIT_FAIL;
        }
    }
    kouan_error err = {0};
    /* a progress line when stderr is a terminal the output does not go to */
    cli_ticker tick;
    cli_ticker_init(&tick, "export", isatty(STDERR_FILENO) && (tmp || !isatty(STDOUT_FILENO)));
    kouan_set_progress(k, cli_ticker_cb, &tick);
    int rc = kouan_export(k, fmt, out, &err);
    cli_ticker_end(&tick);
    if (tmp) {
        if (fclose(out) != 0 && !rc) {
            rc = KOUAN_EIO;
            snprintf(err.message, sizeof err.message, "export: writing failed: %s", strerror(errno));
        }
        if (!rc && rename(tmp, output) != 0) {
            rc = KOUAN_EIO;
            snprintf(err.message, sizeof err.message, "cannot rename %s to %s: %s",
                     tmp, output, strerror(errno));
        }
        if (rc) unlink(tmp);
        free(tmp);
    }
    if (rc) cli_error("%s%s%s", output ? output : "", output ? ": " : "", err.message);
    else if (tick.on && tick.phase[0]) {            /* on a terminal: what was done */
        char n[32];
        cli_count(n, sizeof n, tick.total);
        fprintf(stderr, "kouan: exported %s statements to %s in %.1f s\n", n,
                tmp ? output : "stdout", cli_ticker_seconds(&tick));
    }
    kouan_close(k);
    return rc ? EXIT_FAIL : EXIT_OK;
}

const cli_command cmd_export = {
    "export", "write the graph as RDF, a Graphviz picture or a CSV of ports",
    "Usage: kouan [--store SPEC] export [--format FORMAT] [-o FILE]\n"
    "\n"
    "RDF: every statement of the store, sorted, each once, so that exporting\n"
    "the same store again gives the same bytes (a re-export diffs cleanly).\n"
    "  turtle    the merged view of all documents, with prefixes (default)\n"
    "  ntriples  the merged view, one triple a line\n"
    "  nquads    keeps each statement's document graph, one quad a line\n"
    "  trig      keeps the graphs too, one GRAPH block per document, with\n"
    "            prefixes and statements grouped by subject (readable)\n"
    "For people:\n"
    "  dot       Graphviz: one cluster per border trade zone holding its\n"
    "            provinces and their ports; port → province → zone, and dashed\n"
    "            port → country; render with dot -Tsvg\n"
    "  svg, png  that graph laid out by Graphviz (libgvc)\n"
    "  csv       one row per Chinese port: port, province, zone, countries,\n"
    "            transport, counterpart (several values joined by \"; \"),\n"
    "            sorted by zone, province and port; for a spreadsheet\n"
    "Output goes to stdout, or to FILE (written to a temporary file first and\n"
    "renamed, so a failed export never replaces a good file).  When stderr is\n"
    "a terminal and the output is not, the RDF formats draw a progress line:\n"
    "the statements read, then written (with the time left), and a last line\n"
    "says what was done; a script's stderr gets nothing.\n"
    "\n"
    "Memory: the RDF formats sort 64 MiB of lines at a time; a larger store's\n"
    "sorted runs go to temporary files in $TMPDIR (else /tmp; about 60 % of\n"
    "the N-Quads export's size), merged and removed as the output is written.\n"
    "KOUAN_EXPORT_RUN_BYTES sets the bytes sorted in memory at once.\n"
    "\n"
    "Examples:\n"
    "  kouan export -o out/border-ports.ttl && rapper -i turtle -c out/border-ports.ttl\n"
    "  kouan export --format svg -o out/ports.svg\n"
    "  kouan export --format csv -o out/ports.csv\n",
    run
};
