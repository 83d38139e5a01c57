/* cmd_extract.c — `kouan extract FILE…`: read documents, run the plugins,
 * replace each document's graph in the store. */
#include "cli.h"
#include <getopt.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static void print_warning(const char *message, void *user)
{
    int *quiet = user;
    if (!*quiet) fprintf(stderr, "kouan: warning: %s\n", message);
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int run(const cli_globals *g, int argc, char **argv)
{
    static const struct option opts[] = {
        { "quiet", no_argument, NULL, 'q' }, { "force", no_argument, NULL, 'f' },
        { NULL, 0, NULL, 0 } };
    int quiet = 0, force = 0, c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "+qf", opts, NULL)) != -1) {
        if (c == 'q') quiet = 1;
        else if (c == 'f') force = 1;
        else return cli_usage_error(&cmd_extract, "unknown option “%s”", argv[optind - 1]);
    }
    if (optind >= argc)
        return cli_usage_error(&cmd_extract, "name at least one FILE to extract");
    kouan *k = cli_open(g, 0, 0, 0);
    if (!k) return EXIT_FAIL;
    kouan_set_force(k, force);
    int failed = 0, total = argc - optind;
    int progress = !quiet && total > 1 && isatty(fileno(stderr));
    double start = now();
    for (int i = optind; i < argc; i++) {
        if (progress)
            fprintf(stderr, "\r\033[K[%d/%d %.0fs] %s", i - optind + 1, total,
                    now() - start, argv[i]);
        kouan_extract_report rep;
        kouan_error err = {0};
        int rc = kouan_extract_file(k, argv[i], &rep, print_warning, &quiet, &err);
        if (progress) fputs("\r\033[K", stderr);
        if (rc) {
            cli_error("%s", err.message);
            failed++;
            continue;
        }
        if (quiet) continue;
        if (rep.unchanged) {
            printf("%s: unchanged (sha256 %.12s…), skipped; --force extracts it again\n",
                   argv[i], rep.sha256);
            continue;
        }
        printf("%s: %zu facts (", argv[i], rep.facts);
        for (size_t p = 0; p < rep.n_plugins; p++)
            printf("%s%s %zu", p ? ", " : "", rep.per_plugin[p].plugin, rep.per_plugin[p].facts);
        printf("), %zu triples in <%s>", rep.triples, rep.graph);
        if (rep.warnings) printf(", %zu warnings", rep.warnings);
        putchar('\n');
    }
    if (!quiet && total > 1)
        printf("%d of %d files extracted in %.1fs\n", total - failed, total, now() - start);
    kouan_close(k);
    return failed ? EXIT_FAIL : EXIT_OK;
}

const cli_command cmd_extract = {
    "extract", "read documents and store their facts (one named graph each)",
    "Usage: kouan [--store SPEC] extract [-q] [--force] FILE…\n"
    "\n"
    "Reads each FILE (Markdown-like chapters with tab-separated tables and\n"
    "inline HTML, or plain text; UTF-8), runs every extractor plugin on it and\n"
    "replaces the document's named graph https://w3id.org/kouan/doc/<name> in\n"
    "the store: extracting a file again never duplicates its facts, and a\n"
    "file whose SHA-256 the store already holds is skipped.  A file\n"
    "that cannot be read or extracted leaves the store as it was; the other\n"
    "files are still extracted.\n"
    "\n"
    "Prints, per file, how many facts each plugin produced and how many\n"
    "triples were written (facts, types, labels and one evidence node per fact:\n"
    "byte span, line, quote, rule, plugin).  Warnings (a name the gazetteers do\n"
    "not know, a cell that is not a name) go to stderr as file:line:col.\n"
    "\n"
    "Options:\n"
    "  -q, --quiet   print errors only\n"
    "  -f, --force   extract files again even when unchanged\n"
    "\n"
    "Example:\n"
    "  kouan extract corpus/*.md\n"
    "\n"
    "Exit status: 0 when every file was extracted, 1 otherwise, 2 bad usage.\n",
    run
};
