/* cmd_check.c — `kouan check`: constraints over the whole graph. */
#include "cli.h"
#include <unistd.h>

static int run(const cli_globals *g, int argc, char **argv)
{
    if (argc > 1)
        return cli_usage_error(&cmd_check, "unexpected argument “%s”", argv[1]);
    kouan *k = cli_open(g, 1, 1, 0);
    if (!k) return EXIT_FAIL;
    kouan_error err = {0};
    size_t n = 0;
    int rc = kouan_check(k, stdout, isatty(fileno(stdout)), &n, &err);
    if (rc) cli_error("%s", err.message);
    else if (n) fprintf(stderr, "kouan check: %zu violation%s\n", n, n == 1 ? "" : "s");
    else printf("kouan check: no violations\n");
    kouan_close(k);
    return rc || n ? EXIT_FAIL : EXIT_OK;
}

const cli_command cmd_check = {
    "check", "check the graph's constraints (exit 1 on a violation)",
    "Usage: kouan [--store SPEC] check\n"
    "\n"
    "Checks the whole graph and prints each violation with the facts that\n"
    "conflict and their evidence (document, line, sentence):\n"
    "  - a port placed in more than one province;\n"
    "  - a province in more than one trade zone;\n"
    "  - a port that opensTo something that is not a kouan:Country;\n"
    "  - a counterpart whose country the port does not open to;\n"
    "  - a county with no prefecture.\n"
    "Use it in CI over your corpus: the exit status is 1 when any is\n"
    "violated, 0 when none is.\n",
    run
};
