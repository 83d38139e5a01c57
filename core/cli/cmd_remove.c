/* cmd_remove.c — `kouan remove FILE|ID…`: drop documents' graphs. */
#include "cli.h"

static void on_again(const char *path, const kouan_extract_report *rep,
                     const kouan_error *err, void *user)
{
    (void)user;
    if (err) cli_error("%s", err->message);
    else printf("%s: extracted again, the removal renames its ports (%s): %zu facts\n",
                path, rep->why, rep->facts);
}

static void on_warning(const char *message, void *user)
{
    (void)user;
    fprintf(stderr, "kouan: warning: %s\n", message);
}

static int run(const cli_globals *g, int argc, char **argv)
{
    if (argc < 2)
        return cli_usage_error(&cmd_remove, "name at least one document (file or id)");
    for (int i = 1; i < argc; i++)
        if (argv[i][0] == '-' && argv[i][1])
            return cli_usage_error(&cmd_remove, "unknown option “%s”", argv[i]);
    kouan *k = cli_open(g, 0, 0, 1);   /* plugins: documents may be extracted again */
    if (!k) return EXIT_FAIL;
    int failed = 0;
    for (int i = 1; i < argc; i++) {
        kouan_error err = {0};
        size_t n = 0;
        if (kouan_remove_document(k, argv[i], &n, &err) != 0) {
            cli_error("%s", err.message);
            failed++;
        } else {
            printf("%s: removed %zu statements\n", argv[i], n);
        }
    }
    /* documents whose port names the removed ones had taught */
    kouan_error err = {0};
    if (failed < argc - 1 && kouan_reconcile(k, on_again, on_warning, NULL, NULL, &err) != 0) {
        cli_error("%s", err.message);
        failed++;
    }
    kouan_close(k);
    return failed ? EXIT_FAIL : EXIT_OK;
}

const cli_command cmd_remove = {
    "remove", "drop a document's graph from the store",
    "Usage: kouan [--store SPEC] remove FILE|ID…\n"
    "\n"
    "Removes the named graph of each document — given by the file it was\n"
    "extracted from or by its id (the file name without extension) — with\n"
    "all its facts and evidence.  The file itself need not exist any more.\n"
    "Documents whose port names the removed ones had taught (a port's\n"
    "official name, a place before a port: ontology/learn.tsv) are extracted\n"
    "again from their files, so the store holds exactly the graphs of the\n"
    "documents left.\n"
    "\n"
    "Example:\n"
    "  kouan remove corpus/000_7180f7658f0f6251.md\n",
    run
};
