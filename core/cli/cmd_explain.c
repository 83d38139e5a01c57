/* cmd_explain.c — `kouan explain NAME`: an entity and the sentences behind it. */
#include "cli.h"
#include <unistd.h>

static int run(const cli_globals *g, int argc, char **argv)
{
    if (argc != 2)
        return cli_usage_error(&cmd_explain, "give one NAME (樟木, 西藏自治区, 滿洲里)");
    if (argv[1][0] == '-' && argv[1][1])
        return cli_usage_error(&cmd_explain, "unknown option “%s”", argv[1]);
    kouan *k = cli_open(g, 1, 1, 0);
    if (!k) return EXIT_FAIL;
    kouan_error err = {0};
    size_t found = 0;
    int rc = kouan_explain(k, argv[1], stdout, isatty(fileno(stdout)), &found, &err);
    if (rc) cli_error("%s", err.message);
    else if (!found)
        cli_error("nothing in the store is called “%s” (try another form, or "
                  "`kouan query` with CONTAINS)", argv[1]);
    kouan_close(k);
    return rc || !found ? EXIT_FAIL : EXIT_OK;
}

const cli_command cmd_explain = {
    "explain", "everything known about an entity, with its sentences",
    "Usage: kouan [--store SPEC] explain NAME\n"
    "\n"
    "Finds the entities NAME stands for — as each class resolves it, so\n"
    "樟木口岸, 西藏自治区 and the traditional 滿洲里 find 樟木, 西藏 and 满洲里 —\n"
    "and prints every fact about each, grouped by predicate (← marks facts\n"
    "where it is the object: the ports of a province), each with its\n"
    "document, line, rule and the sentence or table row that says it (the\n"
    "names highlighted on a terminal).\n"
    "\n"
    "Example:\n"
    "  kouan explain 樟木\n"
    "\n"
    "Exit status: 0 when something was found, 1 otherwise.\n",
    run
};
