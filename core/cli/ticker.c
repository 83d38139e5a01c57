/* ticker.c — a progress line on a terminal for the long reads of the whole
 * store (`kouan export`, `kouan store import|export`), fed by the
 * library's progress calls (kouan_set_progress): the phase, what is done,
 * the rate and, when the total is known, the share and the time left.
 * Redrawn at most every 0.25 s, and at the end of each phase; on stderr,
 * and only when the caller found it to be a terminal. */
#include "cli.h"
#include <string.h>

void cli_ticker_init(cli_ticker *t, const char *what, int on)
{
    memset(t, 0, sizeof *t);
    t->what = what;
    t->on = on;
    t->t0 = cli_now();
}

void cli_count(char *buf, size_t cap, uint64_t n)
{
    if (n >= 1000000) snprintf(buf, cap, "%.2f M", (double)n / 1e6);
    else if (n >= 1000) snprintf(buf, cap, "%llu,%03llu", (unsigned long long)(n / 1000),
                                 (unsigned long long)(n % 1000));
    else snprintf(buf, cap, "%llu", (unsigned long long)n);
}

void cli_ticker_cb(const char *phase, uint64_t done, uint64_t total, void *user)
{
    cli_ticker *t = user;
    double now = cli_now();
    if (strcmp(phase, t->phase)) {          /* a new phase: since the last call */
        snprintf(t->phase, sizeof t->phase, "%s", phase);
        t->phase_t0 = t->called_at ? t->called_at : t->t0;
        t->drawn_at = 0;
    }
    t->called_at = now;
    t->done = done;
    t->total = total;
    /* the library calls every KOUAN_PROGRESS_EVERY statements, and once
       more at a phase's end (a count that is not a multiple) */
    int end = done % KOUAN_PROGRESS_EVERY != 0;
    if (!t->on || (!end && now - t->drawn_at < 0.25)) return;
    t->drawn_at = now;
    char d[32], tot[32], line[200];
    cli_count(d, sizeof d, done);
    double secs = now - t->phase_t0, rate = secs > 0 ? (double)done / secs : 0;
    int n = snprintf(line, sizeof line, "kouan: %s: %s %s", t->what, phase, d);
    if (total && n > 0 && (size_t)n < sizeof line) {
        cli_count(tot, sizeof tot, total);
        n += snprintf(line + n, sizeof line - (size_t)n, " of %s", tot);
    }
    if (n > 0 && (size_t)n < sizeof line)
        n += snprintf(line + n, sizeof line - (size_t)n, " statements");
    if (total && n > 0 && (size_t)n < sizeof line)
        n += snprintf(line + n, sizeof line - (size_t)n, " (%.0f %%)",
                      100.0 * (double)done / (double)total);
    if (n > 0 && (size_t)n < sizeof line && rate > 0) {
        cli_count(d, sizeof d, (uint64_t)rate);
        n += snprintf(line + n, sizeof line - (size_t)n, ", %s/s", d);
        if (total > done && (size_t)n < sizeof line)
            snprintf(line + n, sizeof line - (size_t)n, ", %.0f s left",
                     (double)(total - done) / rate);
    }
    fprintf(stderr, "\r\033[K%s", line);
    fflush(stderr);
    t->drawn = 1;
}

void cli_ticker_end(cli_ticker *t)
{
    if (t->on && t->drawn) {
        fputs("\r\033[K", stderr);
        fflush(stderr);
    }
    t->drawn = 0;
}

double cli_ticker_seconds(const cli_ticker *t)
{
    return cli_now() - t->t0;
}
