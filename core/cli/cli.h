/* cli.h — shared pieces of the kouan command-line program. */
#ifndef KOUAN_CLI_H
#define KOUAN_CLI_H
#include <stdio.h>
#include "kouan/kouan.h"

/* Exit codes: 0 success, 1 the work failed, 2 the command line was wrong. */
enum { EXIT_OK = 0, EXIT_FAIL = 1, EXIT_USAGE = 2 };

/* Options that come before the command. */
typedef struct cli_globals {
    const char *store;        /* --store SPEC */
    const char *ontology;     /* --ontology DIR */
    const char *plugin_path;  /* --plugin-path PATH */
} cli_globals;

typedef struct cli_command {
    const char *name;
    const char *summary;
    const char *usage;        /* full --help text */
    int (*run)(const cli_globals *g, int argc, char **argv);
} cli_command;

extern const cli_command cmd_extract, cmd_query, cmd_export, cmd_remove, cmd_plugins;
extern const cli_command cmd_eval;
extern const cli_command cmd_explain, cmd_check;
extern const cli_command cmd_tokenize;
extern const cli_command cmd_store;
extern const cli_command cmd_serve;
extern const cli_command cmd_push;

/* Prints "kouan: error: …" to stderr. */
void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Prints a usage error and a hint to run --help; returns EXIT_USAGE. */
int  cli_usage_error(const cli_command *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Opens a session from the globals. */
kouan *cli_open(const cli_globals *g, int read_only, int no_plugins, int no_create);
/* True when argv[i] asks for help. */
int  cli_wants_help(int argc, char **argv);
/* Seconds on the monotonic clock: for elapsed times. */
double cli_now(void);

/* A progress line on stderr for a long read of the whole store (ticker.c):
 * init with what ("export") and whether to draw (stderr a terminal); pass
 * cli_ticker_cb and the ticker to kouan_set_progress; end clears the line. */
typedef struct cli_ticker {
    const char *what;
    int         on, drawn;
    char        phase[16];
    double      t0, phase_t0, drawn_at, called_at;
    uint64_t    done, total;     /* the last call's */
} cli_ticker;
void   cli_ticker_init(cli_ticker *t, const char *what, int on);
void   cli_ticker_cb(const char *phase, uint64_t done, uint64_t total, void *user);
void   cli_ticker_end(cli_ticker *t);
double cli_ticker_seconds(const cli_ticker *t);
/* n as people read it: 812, 12,345 or 1.23 M */
void   cli_count(char *buf, size_t cap, uint64_t n);
#endif
