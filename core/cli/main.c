/* main.c — `kouan`: global options, the command table and help. */
#include "cli.h"
#include <stdarg.h>
#include <malloc.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const cli_command *const COMMANDS[] = {
    &cmd_extract, &cmd_query, &cmd_export, &cmd_remove, &cmd_eval, &cmd_explain, &cmd_check, &cmd_tokenize,
    &cmd_store, &cmd_serve, &cmd_push, &cmd_plugins, NULL
};

static const char MAIN_HELP[] =
"kouan — turn Chinese documents about border ports into an RDF knowledge graph\n"
"\n"
"Usage: kouan [GLOBAL OPTIONS] COMMAND [ARGS…]\n"
"\n"
"Commands:\n"
"%s"
"\n"
"Global options (before the command):\n"
"  --store SPEC        where the graph lives (default: $KOUAN_STORE, else\n"
"                      kouan:kouan.store in the current folder)\n"
"                        kouan:DIR      kouan's own store on LMDB\n"
"                        hashes:DIR     Redland hashes storage on Berkeley DB\n"
"                        memory:        in memory, gone when kouan exits\n"
"                        NAME:OPTIONS   any Redland storage, e.g.\n"
"                                       sqlite:name='g.db',new='yes'\n"
"  --ontology DIR      vocabulary and gazetteers (default: $KOUAN_ONTOLOGY,\n"
"                      else %s)\n"
"  --plugin-path PATH  colon-separated plugin folders (default:\n"
"                      $KOUAN_PLUGIN_PATH, else %s)\n"
"  -h, --help          this help; `kouan COMMAND --help` explains a command\n"
"  -V, --version       print the version\n"
"\n"
"A first session:\n"
"  kouan extract corpus/000_7180f7658f0f6251.md\n"
"  kouan query 'SELECT ?port WHERE { ?v rdfs:label \"西藏\"@zh .\n"
"               ?p kouan:province ?v ; a kouan:Port ; rdfs:label ?port }'\n"
"  kouan export -o graph.ttl\n"
"\n"
"Exit status: 0 success, 1 the work failed (message on stderr), 2 bad usage.\n";


static void print_help(FILE *out)
{
    /* the command list, sized to fit however many commands there are */
    char *list = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&list, &len);
    for (size_t i = 0; m && COMMANDS[i]; i++)
        fprintf(m, "  %-10s %s\n", COMMANDS[i]->name, COMMANDS[i]->summary);
    if (m) fclose(m);
    fprintf(out, MAIN_HELP, list ? list : "", kouan_builtin_ontology_dir(),
            kouan_builtin_plugin_dir());
    free(list);
}

double cli_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void cli_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("kouan: error: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

int cli_usage_error(const cli_command *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "kouan%s%s: ", c ? " " : "", c ? c->name : "");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\nTry `kouan %s%s--help`.\n", c ? c->name : "", c ? " " : "");
    va_end(ap);
    return EXIT_USAGE;
}

int cli_wants_help(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--") == 0) return 0;
        if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) return 1;
    }
    return 0;
}

kouan *cli_open(const cli_globals *g, int read_only, int no_plugins, int no_create)
{
    kouan_options o = { .store_spec = g->store, .ontology_dir = g->ontology,
                        .plugin_path = g->plugin_path, .read_only = read_only,
                        .no_plugins = no_plugins, .no_create = no_create };
    kouan_error err = {0};
    kouan *k = kouan_open(&o, &err);
    if (!k) cli_error("%s", err.message);
    return k;
}

/* Takes "--opt VALUE" or "--opt=VALUE"; returns the value or NULL. */
static const char *opt_value(int argc, char **argv, int *i, const char *name)
{
    size_t n = strlen(name);
    if (strncmp(argv[*i], name, n) != 0) return NULL;
    if (argv[*i][n] == '=') return argv[*i] + n + 1;
    if (argv[*i][n] != '\0') return NULL;
    if (*i + 1 >= argc) return "";
    return argv[++*i];
}

int main(int argc, char **argv)
{
    /* a full disk or a file-size limit must be an error we report, not a
       signal that kills us mid-write (SIGPIPE keeps its default: `kouan
       export | head` should just stop) */
    signal(SIGXFSZ, SIG_IGN);
    /* a document's graph and its N-Quads take a few MB, freed when it is
       written: keep that memory for the next document instead of mapping
       and faulting it in again each time (a third of extraction's CPU time
       went to page faults); peak memory is unchanged */
    mallopt(M_MMAP_THRESHOLD, 64 << 20);
    mallopt(M_TRIM_THRESHOLD, 128 << 20);
    cli_globals g = {0};
    int i = 1;
    for (; i < argc && argv[i][0] == '-'; i++) {
        const char *v;
        if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
            print_help(stdout);
            return EXIT_OK;
        }
        if (!strcmp(argv[i], "-V") || !strcmp(argv[i], "--version")) {
            printf("kouan %s (plugin ABI %d.%d)\n", kouan_version(),
                   KOUAN_PLUGIN_ABI_MAJOR, KOUAN_PLUGIN_ABI_MINOR);
            return EXIT_OK;
        }
        if ((v = opt_value(argc, argv, &i, "--store"))) g.store = v;
        else if ((v = opt_value(argc, argv, &i, "--ontology"))) g.ontology = v;
        else if ((v = opt_value(argc, argv, &i, "--plugin-path"))) g.plugin_path = v;
        else return cli_usage_error(NULL, "unknown option “%s”", argv[i]);
        if (!*v) return cli_usage_error(NULL, "option “%s” needs a value", argv[i]);
    }
    if (i >= argc) {
        print_help(stderr);
        return EXIT_USAGE;
    }
    const char *name = argv[i];
    if (!strcmp(name, "help")) {
        if (i + 1 < argc) {
            for (size_t c = 0; COMMANDS[c]; c++)
                if (!strcmp(COMMANDS[c]->name, argv[i + 1])) {
                    fputs(COMMANDS[c]->usage, stdout);
                    return EXIT_OK;
                }
            return cli_usage_error(NULL, "no command “%s”", argv[i + 1]);
        }
        print_help(stdout);
        return EXIT_OK;
    }
    for (size_t c = 0; COMMANDS[c]; c++) {
        if (strcmp(COMMANDS[c]->name, name) != 0) continue;
        if (cli_wants_help(argc - i, argv + i)) {
            fputs(COMMANDS[c]->usage, stdout);
            return EXIT_OK;
        }
        return COMMANDS[c]->run(&g, argc - i, argv + i);
    }
    char names[512] = "";
    size_t off = 0;
    for (size_t c = 0; COMMANDS[c] && off < sizeof names; c++)
        off += (size_t)snprintf(names + off, sizeof names - off, "%s%s",
                                c ? ", " : "", COMMANDS[c]->name);
    return cli_usage_error(NULL, "unknown command “%s” (commands: %s)", name, names);
}
