/* cmd_store.c — `kouan store info|merge|import|export|migrate`: what a
 * store holds, merging its backlog, and copying statements (with their
 * graphs) between stores. */
#include "cli.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void human(size_t b, char *out, size_t n)
{
    if (b >= (size_t)1 << 30) snprintf(out, n, "%.1f GB", b / 1073741824.0);
    else if (b >= (size_t)1 << 20) snprintf(out, n, "%.1f MB", b / 1048576.0);
    else if (b >= 1024) snprintf(out, n, "%.1f kB", b / 1024.0);
    else snprintf(out, n, "%zu bytes", b);
}

static int info(const cli_globals *g)
{
    kouan *k = cli_open(g, 1, 1, 0);
    if (!k) return EXIT_FAIL;
    kouan_store_info in;
    kouan_error err = {0};
    int rc = kouan_store_get_info(k, &in, &err);
    if (rc) {
        cli_error("%s", err.message);
        kouan_close(k);
        return EXIT_FAIL;
    }
    const char *spec = g->store ? g->store : getenv("KOUAN_STORE");
    printf("store     %s (%s)\n", spec && *spec ? spec : "kouan:kouan.store", in.kind);
    if (in.triples != (size_t)-1) printf("triples   %zu (distinct, all graphs)\n", in.triples);
    else printf("triples   (not counted by this storage: `kouan export --format ntriples | wc -l`)\n");
    printf("quads     %zu (statements in their document graphs)\n", in.quads);
    printf("graphs    %zu\n", in.graphs);
    if (in.terms != (size_t)-1) printf("terms     %zu\n", in.terms);
    if (in.format) printf("format    %d (%s)\n", in.format, in.format_note);
    if (in.disk_bytes) {
        char d[32], u[32];
        human(in.disk_bytes, d, sizeof d);
        human(in.used_bytes, u, sizeof u);
        printf("disk      %s (%s in use", d, u);
        if (in.quads) printf(", %zu bytes a quad", in.used_bytes / in.quads);
        printf(")\n");
    }
    kouan_close(k);
    return EXIT_OK;
}

static int copy(const cli_globals *g, const char *other, int import)
{
    /* import writes the session's store (creating it); export only reads it */
    kouan *k = cli_open(g, !import, 1, 0);
    if (!k) return EXIT_FAIL;
    kouan_error err = {0};
    size_t n = 0;
    cli_ticker tick;                /* a progress line on a terminal; the time taken */
    cli_ticker_init(&tick, import ? "store import" : "store export", isatty(STDERR_FILENO));
    kouan_set_progress(k, cli_ticker_cb, &tick);
    int rc = import ? kouan_store_import(k, other, &n, &err)
                    : kouan_store_export(k, other, &n, &err);
    cli_ticker_end(&tick);
    if (rc) cli_error("store %s %s: %s", import ? "import" : "export", other, err.message);
    else fprintf(stderr, "kouan: %s %zu statements %s %s in %.2f s\n",
                 import ? "imported" : "exported", n, import ? "from" : "to", other,
                 cli_ticker_seconds(&tick));
    kouan_close(k);
    return rc ? EXIT_FAIL : EXIT_OK;
}

static int merge(const cli_globals *g)
{
    kouan *k = cli_open(g, 0, 1, 1);                 /* not made when missing */
    if (!k) return EXIT_FAIL;
    kouan_error err = {0};
    size_t n = 0;
    double t0 = cli_now();
    int rc = kouan_store_merge_backlog(k, &n, &err);
    if (rc) cli_error("store merge: %s", err.message);
    else if (n) fprintf(stderr, "kouan: merged %zu quads of the backlog into the predicate and "
                        "object indexes in %.2f s\n", n, cli_now() - t0);
    else fprintf(stderr, "kouan: the store has no backlog: nothing to merge\n");
    kouan_close(k);
    return rc ? EXIT_FAIL : EXIT_OK;
}

/* hashes:DIR → kouan:DIR, keeping the old store as DIR.hashes */
static int migrate(const cli_globals *g, const char *dir)
{
    char old[4200], check[4300];
    snprintf(old, sizeof old, "%s.hashes", dir);
    snprintf(check, sizeof check, "%s/kouan-sp2o.db", dir);
    if (access(check, F_OK) != 0) {
        cli_error("store migrate: %s holds no Redland hashes store (no %s)", dir, check);
        return EXIT_FAIL;
    }
    if (access(old, F_OK) == 0) {
        cli_error("store migrate: %s already exists: move it away first", old);
        return EXIT_FAIL;
    }
    if (rename(dir, old) != 0) {
        cli_error("store migrate: cannot rename %s to %s: %s", dir, old, strerror(errno));
        return EXIT_FAIL;
    }
    char from[4300], to[4300];
    snprintf(from, sizeof from, "hashes:%s", old);
    snprintf(to, sizeof to, "kouan:%s", dir);
    cli_globals g2 = *g;
    g2.store = to;
    int rc = copy(&g2, from, 1);
    if (rc != EXIT_OK) {
        char cmd[9000];
        snprintf(cmd, sizeof cmd, "rm -rf -- '%s'", dir);     /* the half-made new store */
        if (!strchr(dir, '\'') && system(cmd) == 0 && rename(old, dir) == 0)
            fprintf(stderr, "kouan: the hashes store is back at %s\n", dir);
        return rc;
    }
    fprintf(stderr, "kouan: %s is now kouan's own store; the hashes store is kept at %s\n",
            dir, old);
    return EXIT_OK;
}

static int run(const cli_globals *g, int argc, char **argv)
{
    if (argc < 2)
        return cli_usage_error(&cmd_store, "expected info, merge, import SPEC, export SPEC or "
                               "migrate [DIR]");
    const char *sub = argv[1];
    if (strcmp(sub, "info") == 0) {
        if (argc > 2) return cli_usage_error(&cmd_store, "unexpected argument “%s”", argv[2]);
        return info(g);
    }
    if (strcmp(sub, "merge") == 0) {
        if (argc > 2) return cli_usage_error(&cmd_store, "unexpected argument “%s”", argv[2]);
        return merge(g);
    }
    if (strcmp(sub, "import") == 0 || strcmp(sub, "export") == 0) {
        if (argc != 3)
            return cli_usage_error(&cmd_store, "store %s needs one SPEC (e.g. hashes:old.store)", sub);
        return copy(g, argv[2], sub[0] == 'i');
    }
    if (strcmp(sub, "migrate") == 0) {
        if (argc > 3) return cli_usage_error(&cmd_store, "unexpected argument “%s”", argv[3]);
        const char *dir = argc == 3 ? argv[2] : "kouan.store";
        if (g->store || strchr(dir, '\''))
            return cli_usage_error(&cmd_store, "store migrate takes a folder (DIR), not --store");
        return migrate(g, dir);
    }
    return cli_usage_error(&cmd_store, "unknown subcommand “%s” (expected info, merge, "
                           "import, export or migrate)", sub);
}

const cli_command cmd_store = {
    "store", "what the store holds; copy between stores; migrate from hashes",
    "Usage: kouan [--store SPEC] store info\n"
    "       kouan [--store SPEC] store merge\n"
    "       kouan [--store SPEC] store import OTHER-SPEC\n"
    "       kouan [--store SPEC] store export OTHER-SPEC\n"
    "       kouan store migrate [DIR]\n"
    "\n"
    "  info      triples (distinct over all graphs), quads (statements in their\n"
    "            document graphs), graphs, dictionary terms, the store format\n"
    "            and size on disk.  New kouan: stores are format 5 (evidence\n"
    "            offsets, lines and quotes not indexed by value; quotes found\n"
    "            by a hash; statement nodes' links and rdf:type not indexed\n"
    "            by object alone); formats 4 (until 2026-12-05), 3 (before\n"
    "            2026-12-04) and 2 (before 2026-12-03) are read and written\n"
    "            as they are, `store export kouan:NEW` copies one into\n"
    "            format 5; format 1 (before 2026-12-02) is upgraded in place\n"
    "            to format 2 when a command first opens it for writing;\n"
    "            read-only commands read it as is.  It also says how many\n"
    "            quads and quotes wait in the backlog (below)\n"
    "  merge     kouan:DIR only: merges the backlog now.  `extract` writes the\n"
    "            predicate and object indexes of its groups, and the term\n"
    "            index's entries of the quotes they add, as sorted runs and\n"
    "            merges them when its documents are done; a run killed before\n"
    "            leaves them waiting (queries stay complete, slower; a kouan\n"
    "            before 2026-12-03 refuses the store) until the next write or\n"
    "            this command\n"
    "  import    copies every statement, with its graph, from OTHER-SPEC into\n"
    "            the store (created when missing).  Into a kouan: store it\n"
    "            makes, the copy commits as it goes (memory stays bounded)\n"
    "            and, if it fails, removes what it made; into a store that\n"
    "            exists, it is one transaction: all of it or none\n"
    "  export    copies the store into OTHER-SPEC (created when missing),\n"
    "            the same way.  Both show the statements copied on a\n"
    "            terminal's stderr as they go, then what was copied\n"
    "  migrate   turns the Redland hashes store in DIR (default kouan.store)\n"
    "            into kouan's own: the old one is kept as DIR.hashes\n"
    "\n"
    "SPEC is kouan:DIR (kouan's own store on LMDB, the default), hashes:DIR\n"
    "(Redland hashes on Berkeley DB) or any Redland storage as NAME:OPTIONS.\n"
    "\n"
    "Examples:\n"
    "  kouan store info\n"
    "  kouan store merge\n"
    "  kouan --store kouan:new.store store import hashes:old.store\n"
    "  kouan store export kouan:/backup/kouan.store\n",
    run
};
