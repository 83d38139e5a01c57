/* serve.h — `kouan serve`: a SPARQL 1.1 Protocol endpoint and the browser
 * page, over a pool of worker processes that each hold a read-only session.
 *
 * Why processes: a Redland world is not thread-safe, and kouan's LMDB
 * storage keeps one environment per folder per process whose read snapshot
 * is shared by the sessions opened on it; and Rasqal cannot cancel a query.
 * A worker process per concurrent query gives each its own session, lets
 * queries run side by side on both cores, and makes the time limit real:
 * a worker over time is killed and replaced. */
#ifndef KOUAN_SERVE_H
#define KOUAN_SERVE_H
#include <stddef.h>
#include "kouan/kouan.h"

/* kouan_serve_options and kouan_serve() are in kouan/kouan.h. */

/* The worker's loop: answers requests read from fd with the session k
 * until fd closes.  Returns 0 on a clean end. */
int kouan_serve_worker(kouan *k, int fd);

/* A file of the page, compiled in from web/ (web_assets.c, generated). */
typedef struct kouan_web_asset {
    const char          *path;   /* "/index.html", "/kouan.js" … */
    const char          *type;   /* Content-Type */
    const unsigned char *data;
    size_t               size;
} kouan_web_asset;
extern const kouan_web_asset kouan_web_assets[];  /* ends with path NULL */

#endif
