/* batch.c — extracting many documents on all cores with one ordered writer.
 *
 * Workers are threads, each with its own session opened without a store
 * (its own plugins' state, normaliser and lexicon map: nothing shared but
 * read-only data).  They take the next file index, extract it into a slot
 * of a small ring, and wait while the ring is full, so memory is bounded by
 * a few documents, never the corpus.  The calling thread is the writer: it
 * writes slot i when it is done, in input order — one graph, one
 * transaction per document — and reports it.
 *
 * Into a store, the workers first do the names pass (kouan_names_read),
 * each document with what the store's documents teach, and the writer
 * adds what each one teaches to the batch's names in input order; then,
 * with all of them, the extraction.  A document's pass does not see what
 * the batch's other documents teach, so the names do not depend on -j or
 * on the order of the documents (learn.h: adding names is a set union,
 * two ports claiming one official name resolved by their labels). */
#include "session.h"
#include "util/error.h"
#include "util/procio.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

typedef struct slot {
    kouan_extracted x;
    kouan_names     learned;   /* the names pass: what the document teaches */
    int             nrc;       /* … and its outcome (0 or KOUAN_ENOMEM) */
    int             ready;     /* extracted, waiting for the writer */
} slot;

typedef struct batch {
    char *const    *paths;
    size_t          n;
    size_t          next;      /* next index to take */
    size_t          written;   /* indexes below are written */
    size_t          window;    /* ring size: how far ahead workers may go */
    slot           *ring;
    int             stop;      /* the writer failed: workers quit */
    int             names;     /* the names pass runs (then the extraction) */
    FILE           *emit;      /* --emit nquads: workers format the graphs */
    kouan_store    *store;     /* the writer's store (NULL for --emit) */
    pthread_mutex_t mu;
    pthread_cond_t  cond;
    pthread_mutex_t warn_mu;   /* one warning at a time */
    kouan_warn_cb   warn;
    void           *user;
} batch;

typedef struct worker {
    batch     *b;
    kouan     *k;
    pthread_t  thread;
    int        started;
    kouan_store_idcache *ids;  /* the ids this worker found */
    int        nice;           /* how many nice levels below the writer it ran */
} worker;

/* Into a store, the one writer is the batch's critical path: the workers
 * outrun it (bench/scale/README.md), and with two workers and the writer
 * on two cores the scheduler gave the writer's core away to a worker
 * often enough that at 40 MB the writer wrote for 16.0–17.3 s with -j 2
 * against 14.8 s with -j 1.  So a worker runs WORKER_NICE nice
 * levels below the writer: the writer gets a core whenever it can run,
 * the workers share what is left (the writer still waited for them
 * 0.1–0.3 s; +5, +10 and +19 gave the same batch times, +5 is the least
 * that does).  On Linux the nice value is a thread's own. */
#define WORKER_NICE 5
static int lower_priority(void)
{
    id_t tid = (id_t)gettid();
    errno = 0;
    int was = getpriority(PRIO_PROCESS, tid);    /* the writer's: a thread starts with its creator's */
    if (errno || setpriority(PRIO_PROCESS, tid, was + WORKER_NICE) != 0) return 0;
    int now = getpriority(PRIO_PROCESS, tid);
    return errno ? 0 : now - was;
}

static void warn_serialised(const char *message, void *user)
{
    batch *b = user;
    pthread_mutex_lock(&b->warn_mu);
    if (b->warn) b->warn(message, b->user);
    pthread_mutex_unlock(&b->warn_mu);
}

static void *work(void *arg)
{
    worker *w = arg;
    batch *b = w->b;
    if (b->store) w->nice = lower_priority();
    for (;;) {
        pthread_mutex_lock(&b->mu);
        /* after the names pass's last document, wait for the extraction */
        while (!b->stop && (b->next < b->n ? b->next >= b->written + b->window : b->names))
            pthread_cond_wait(&b->cond, &b->mu);
        if (b->stop || b->next >= b->n) {
            pthread_mutex_unlock(&b->mu);
            return NULL;
        }
        size_t i = b->next++;
        int names = b->names;
        pthread_mutex_unlock(&b->mu);

        slot *s = &b->ring[i % b->window];
        if (names) {
            s->nrc = kouan_names_read(w->k, b->paths[i], &s->learned, &s->x.rep);
        } else {
            kouan_extract_doc(w->k, b->paths[i], &s->x, warn_serialised, b);
            if (b->emit) kouan_format_doc(&s->x);     /* the writer only writes */
            if (b->store && !s->x.rc && s->x.have_graph) {
                /* the writer only numbers the terms the store lacks
                   (kouan:DIR; other stores: no ids) */
                kouan_store_lookup_ids(b->store, &w->ids, s->x.graph.iri, s->x.graph.v,
                                       s->x.graph.n, &s->x.ids);
                /* and needs only the triples, and only the strings of
                   the terms without an id: a document waiting for it
                   holds a few hundred kB, not megabytes, so more can
                   wait (b.window); ENOMEM: it stays whole */
                if (kouan_graph_keep_triples(&s->x.graph, s->x.ids) == KOUAN_OK) {
                    kouan_document_free(s->x.doc);
                    s->x.doc = NULL;
                }
            }
        }

        pthread_mutex_lock(&b->mu);
        s->ready = 1;
        pthread_cond_broadcast(&b->cond);
        pthread_mutex_unlock(&b->mu);
    }
}

/* Whether the writer's store holds the bytes x was extracted from, as
 * of what it wrote since (a worker asked the last commit only). */
static int unchanged(kouan *k, kouan_extracted *x)
{
    return x->rc == KOUAN_OK && x->rep.graph[0] &&
           kouan_holds_bytes(k, x->rep.graph, x->rep.sha256);
}

/* One document's names pass, done by a worker (rep from a session without
 * a store) or by k itself: what it teaches added to the batch's names
 * unless the store holds its bytes already.  Frees *learned. */
static int add_names(kouan *k, kouan_names *into, kouan_names *learned,
                     const kouan_extract_report *rep, int rc)
{
    if (!rc && !rep->unchanged && !kouan_holds_bytes(k, rep->graph, rep->sha256))
        rc = kouan_names_merge(into, learned);
    kouan_names_free(learned);
    return rc;
}

/* ---- where the time goes (kouan_batch_last_timings) ------------------------------
 *
 * Phases follow one another: lap() closes the current one now and says
 * how long it took. */
typedef struct batch_clock {
    kouan_batch_timings *t;
    double               t0, mark;
    struct rusage        ru0;
    unsigned long long   w0;
    kouan_store_times    s0;         /* the store's, at the batch's start */
} batch_clock;

static void clock_start(batch_clock *c, kouan *k, size_t n)
{
    memset(&k->timings, 0, sizeof k->timings);
    c->t = &k->timings;
    c->t->documents = n;
    c->t0 = c->mark = kouan_seconds();
    getrusage(RUSAGE_SELF, &c->ru0);
    c->w0 = kouan_bytes_written();
    memset(&c->s0, 0, sizeof c->s0);
    if (k->store) kouan_store_write_times(k->store, &c->s0);
    c->t->store_timed = k->store && kouan_store_is_lmdb(k->store);
}

/* Seconds since the last mark, and a new mark. */
static double lap(batch_clock *c)
{
    double now = kouan_seconds(), d = now - c->mark;
    c->mark = now;
    return d;
}

static double tv(struct timeval a, struct timeval b)
{
    return (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_usec - a.tv_usec) / 1e6;
}

static void clock_stop(batch_clock *c)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    unsigned long long w = kouan_bytes_written();
    c->t->total = kouan_seconds() - c->t0;
    c->t->cpu_user = tv(c->ru0.ru_utime, ru.ru_utime);
    c->t->cpu_system = tv(c->ru0.ru_stime, ru.ru_stime);
    c->t->bytes_written = w >= c->w0 && c->w0 ? w - c->w0 : 0;
}

/* ---- reports held until their documents are committed -------------------------
 *
 * With group commit (kouan_set_commit_interval) a document written is not
 * durable until the store commits its group, so done() is called for it —
 * and for every document after it, to keep the input order — when the
 * group is committed; when the commit fails, with the error that lost it. */
typedef struct held_doc {
    size_t               i;
    int                  written;   /* in the uncommitted group */
    int                  has_err;
    kouan_extract_report rep;
    kouan_error          err;
} held_doc;

typedef struct held {
    int        on;                  /* grouping: reports wait for the commit */
    held_doc  *v;
    size_t     n, cap;
    size_t     lost;                /* documents a failed commit lost */
    kouan_error last_lost;          /* what done was told for the last of them */
} held;

/* Calls done for every held report, in order; the documents of the group
 * with `lost` (a failed commit's error), else as they were. */
static void release(held *h, char *const *paths, const kouan_error *lost,
                    kouan_done_cb done, void *user)
{
    for (size_t j = 0; j < h->n; j++) {
        held_doc *d = &h->v[j];
        if (d->written && lost) {
            kouan_error e = { .code = lost->code };
            snprintf(e.message, sizeof e.message, "%s: not stored: %s", paths[d->i], lost->message);
            h->lost++;
            h->last_lost = e;
            if (done) done(paths[d->i], &d->rep, &e, user);
        } else if (done) done(paths[d->i], &d->rep, d->has_err ? &d->err : NULL, user);
    }
    h->n = 0;
}

/* Document i's outcome: reported now, or held until the group it is in (or
 * one before it) is committed.  wrc: the store's write failed, which may
 * have lost the group (the store then holds no group). */
static void report(kouan *k, held *h, char *const *paths, size_t i,
                   const kouan_extract_report *rep, const kouan_error *err, int written,
                   int wrc, kouan_done_cb done, void *user)
{
    if (!h->on) { if (done) done(paths[i], rep, err, user); return; }
    size_t pending = kouan_store_pending_graphs(k->store);
    if (wrc && !pending) release(h, paths, err, done, user);   /* the group lost with it */
    if (h->n == h->cap) {
        size_t cap = h->cap ? h->cap * 2 : 16;
        held_doc *v = realloc(h->v, cap * sizeof *v);
        if (!v) {                                   /* say it now, out of order */
            release(h, paths, NULL, done, user);
            if (done) done(paths[i], rep, err, user);
            return;
        }
        h->v = v;
        h->cap = cap;
    }
    held_doc *d = &h->v[h->n++];
    d->i = i;
    d->written = written;
    d->rep = *rep;
    d->has_err = err != NULL;
    if (err) d->err = *err;
    if (!pending) release(h, paths, NULL, done, user);          /* committed */
}

/* report for document i as the writer left it: its extraction's error, or
 * its write's (wrc, werr), or written (unless unchanged). */
static void report_doc(kouan *k, held *h, char *const *paths, size_t i,
                       const kouan_extracted *x, int wrc, const kouan_error *werr,
                       kouan_done_cb done, void *user)
{
    report(k, h, paths, i, &x->rep, x->rc ? &x->err : wrc ? werr : NULL,
           !x->rc && !wrc && !x->rep.unchanged, !x->rc && wrc, done, user);
}

/* The batch's outcome; in a store, the group's last commit (the held
 * reports said), then every document brought in line with the names the
 * store's documents teach (kouan_reconcile, a commit per document) — also
 * when nothing was written, so that a run killed before that step is
 * healed by the next one. */
static int finish(kouan *k, held *h, char *const *paths, int rc, int failed, FILE *emit,
                  kouan_done_cb done, kouan_warn_cb warn, void *user, kouan_error *err,
                  batch_clock *c)
{
    c->t->extract = lap(c);
    kouan_store_times st;
    if (k->store) {
        kouan_store_write_times(k->store, &st);
        c->t->flush = st.flush - c->s0.flush;
        c->t->commit = st.commit - c->s0.commit;
        c->t->commits = st.commits - c->s0.commits;
    }
    if (h->on) {
        h->on = 0;
        kouan_error cerr = { 0 };
        int crc = kouan_store_set_group(k->store, 0, 0, &cerr);
        release(h, paths, crc ? &cerr : NULL, done, user);
        if (crc && !rc) {
            /* said per document; the last one's words are the batch's */
            *err = h->lost ? h->last_lost : cerr;
            rc = crc;
        }
    }
    failed += (int)h->lost;
    free(h->v);
    c->t->finish = lap(c);
    if (!rc && !emit && k->store)
        rc = kouan_reconcile(k, done, warn, user, NULL, err);
    if (k->store) {        /* after reconciling, which drops the map too (it
                              merges and caches nothing: groups have ended) */
        kouan_store_write_times(k->store, &st);
        c->t->merge = st.merge - c->s0.merge;
        c->t->fill_flush = st.fill_flush - c->s0.fill_flush;
        c->t->prefault = st.prefault - c->s0.prefault;
        c->t->prefault_bytes = st.prefault_bytes - c->s0.prefault_bytes;
        c->t->map_drops = st.drops - c->s0.drops;
        c->t->probe_drops = st.probe_drops - c->s0.probe_drops;
    }
    c->t->reconcile = lap(c);
    clock_stop(c);
    return rc ? rc : failed ? KOUAN_EINPUT : KOUAN_OK;
}

int kouan_usable_cores(void)
{
    cpu_set_t cpus;
    long n = sched_getaffinity(0, sizeof cpus, &cpus) == 0 ? CPU_COUNT(&cpus)
           : sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (int)n : 1;
}

/* Group commit into the store for the batch (kouan_set_commit_interval),
 * and the store's map kept from filling the memory: a batch over a large
 * store reads most of its pages, and each stays mapped (resident) until
 * dropped.  GROUP_QUADS bounds a group's pending quads and dirty pages. */
enum { GROUP_QUADS = 150000 };
static int group_start(kouan *k, held *h, FILE *emit, int threads, kouan_error *err)
{
    if (emit || !k->store || !k->commit_ms) return KOUAN_OK;
    /* the store's helper caches the file ahead of the writer on a core the
       batch's threads leave idle, if any (lmdb_storage.c, "the file's
       tail"): -j 1 is one thread, -j N the writer and N workers */
    kouan_store_set_spare_core(k->store, threads < kouan_usable_cores());
    int rc = kouan_store_set_group(k->store, k->commit_ms, GROUP_QUADS, err);
    h->on = rc == KOUAN_OK && kouan_store_is_lmdb(k->store);
    return rc;
}

const kouan_batch_timings *kouan_batch_last_timings(const kouan *k)
{
    return &k->timings;
}

int kouan_extract_batch(kouan *k, char *const *paths, size_t n, int jobs,
                        FILE *emit, kouan_done_cb done, kouan_warn_cb warn,
                        void *user, kouan_error *err)
{
    if (!emit && !k->store)
        return kouan_error_set(err, KOUAN_ESTORE, "this session has no store");
    if (jobs <= 0) jobs = kouan_usable_cores();
    if ((size_t)jobs > n) jobs = n ? (int)n : 1;
    batch_clock clk;
    clock_start(&clk, k, n);
    k->timings.workers = (size_t)jobs;
    int failed = 0, rc = KOUAN_OK;
    held h = { 0 };                          /* reports waiting for a commit */
    /* a batch reads much of a large store (names, reconciling) and writes
       into it: its map's pages are not kept past KOUAN_WRITER_RESIDENT */
    if (k->store && !emit) kouan_store_limit_resident(k->store, KOUAN_WRITER_RESIDENT);
    /* what the store's documents teach about port names, for every worker */
    if (k->store && (rc = kouan_load_store_names(k, err))) return rc;
    k->timings.start = lap(&clk);
    /* and what the batch's own documents will teach once stored (the names
       pass: the plugins without triples, evidence or writes), so that most
       documents are extracted once, with the names they will keep, and
       kouan_reconcile finds little to extract (and write) again — what is
       left: a changed document's old names still in the store, an official
       name whose port the store labels otherwise.  With --emit, each
       document is resolved with what it teaches itself. */
    int names = k->store && !emit && n > 1 && k->plugins.n;
    k->timings.names_pass = names;
    kouan_names batch_names;                 /* what the batch teaches */
    kouan_names_init(&batch_names);

    /* no threads: this session does all (a session opened without plugins,
       as for --emit with workers, has the one worker do it) */
    if (jobs == 1 && k->plugins.n) {
        for (size_t i = 0; names && i < n && !rc; i++) {
            kouan_names learned;
            kouan_extract_report r;
            int nrc = kouan_names_read(k, paths[i], &learned, &r);
            rc = add_names(k, &batch_names, &learned, &r, nrc);
        }
        if (names && !rc) rc = kouan_names_merge(&k->store_names, &batch_names);
        kouan_names_free(&batch_names);
        if (rc) return kouan_error_set(err, rc, "reading the batch's names: out of memory");
        k->timings.names = lap(&clk);
        kouan_extracted *x = malloc(sizeof *x);
        if (!x) return kouan_error_set(err, KOUAN_ENOMEM, "out of memory");
        rc = group_start(k, &h, emit, 1, err);
        for (size_t i = 0; i < n && !rc; i++) {
            kouan_extract_doc(k, paths[i], x, warn, user);
            kouan_error werr = {0};
            double w0 = kouan_seconds();
            int wrc = x->rc ? x->rc : kouan_write_doc(k, x, emit, &werr);
            k->timings.write += kouan_seconds() - w0;
            if (x->rc) failed++;
            report_doc(k, &h, paths, i, x, wrc, &werr, done, user);
            if (!x->rc && wrc) { *err = werr; rc = wrc; }
            kouan_extracted_free(x);
        }
        free(x);
        return finish(k, &h, paths, rc, failed, emit, done, warn, user, err, &clk);
    }

    batch b;
    memset(&b, 0, sizeof b);
    b.paths = paths;
    b.n = n;
    /* into a store, the one writer is the slow part, and stops to commit
       a group (~0.2 s, two dozen documents' worth of the workers' time):
       with a document ready for it and no more, the workers then idled,
       and it waited for them after (4.4 of 22 s at 40 MB).  A document
       waiting holds only its triples and the strings of its new terms
       (~0.7 MB: kouan_graph_keep_triples).  With 4 documents a worker
       (+4) ahead it still waited 1.5–1.7 s at 40 MB; 8 each (+8, 24 with
       -j 2): 0.02–0.10 s, the batch 1–3 s faster, for ~12 MB more at peak
       (paid for by fixed malloc thresholds in `kouan extract`).  For
       --emit, writing is quick: twice as far. */
    b.window = emit ? (size_t)jobs * 2 : (size_t)jobs * 8 + 8;
    b.emit = emit;
    b.store = emit ? NULL : k->store;
    b.names = names;
    b.warn = warn;
    b.user = user;
    b.ring = calloc(b.window, sizeof *b.ring);
    worker *ws = calloc((size_t)jobs, sizeof *ws);
    if (!b.ring || !ws) {
        free(b.ring);
        free(ws);
        return kouan_error_set(err, KOUAN_ENOMEM, "out of memory");
    }
    pthread_mutex_init(&b.mu, NULL);
    pthread_cond_init(&b.cond, NULL);
    pthread_mutex_init(&b.warn_mu, NULL);

    /* worker sessions: the same ontology and plugins, no store; opened here,
       one after the other (Redland parses the vocabulary at open), each
       worker started as soon as its session is open, so the first ones
       work while the next ones open; one normaliser for all (OpenCC's
       dictionaries: ~0.25 G instructions to load, read-only after), the
       writer's when it has one */
    kouan_options o = k->opts;
    o.no_store = 1;
    o.read_only = 1;
    o.no_plugins = 0;                    /* the writer's session may have none */
    o.ontology_dir = k->ontology_dir;
    for (int j = 0; j < jobs && !rc; j++) {
        ws[j].b = &b;
        kouan_normalizer *nz = k->normalizer ? k->normalizer : j ? ws[0].k->normalizer : NULL;
        if (!(ws[j].k = kouan_open_sharing(&o, nz, err))) {
            rc = err->code ? err->code : KOUAN_EPLUGIN;
            break;
        }
        /* a worker skips a document the store's last commit holds (the
           writer checks again with what it wrote since) */
        ws[j].k->force = k->force;
        ws[j].k->probe = b.store;
        ws[j].k->names = k->names;       /* borrowed: read-only while they run */
        if (pthread_create(&ws[j].thread, NULL, work, &ws[j]) != 0) {
            rc = kouan_error_set(err, KOUAN_ENOMEM, "cannot start a worker thread");
            break;
        }
        ws[j].started = 1;
    }

    /* the names pass: document i's names added as soon as it is read, in
       order; then the workers extract with all of them */
    for (size_t i = 0; names && i < n && !rc; i++) {
        slot *s = &b.ring[i % b.window];
        pthread_mutex_lock(&b.mu);
        while (!s->ready) pthread_cond_wait(&b.cond, &b.mu);
        pthread_mutex_unlock(&b.mu);
        if ((rc = add_names(k, &batch_names, &s->learned, &s->x.rep, s->nrc)))
            rc = kouan_error_set(err, rc, "reading the batch's names: out of memory");
        pthread_mutex_lock(&b.mu);
        s->ready = 0;
        b.written = i + 1;
        pthread_cond_broadcast(&b.cond);
        pthread_mutex_unlock(&b.mu);
    }
    if (names) {
        /* every document's pass is done: no worker reads the names now */
        if (!rc && (rc = kouan_names_merge(&k->store_names, &batch_names)))
            rc = kouan_error_set(err, rc, "reading the batch's names: out of memory");
        pthread_mutex_lock(&b.mu);
        b.names = 0;
        b.next = b.written = 0;
        if (rc) b.stop = 1;
        pthread_cond_broadcast(&b.cond);
        pthread_mutex_unlock(&b.mu);
    }
    kouan_names_free(&batch_names);
    k->timings.names = lap(&clk);

    /* the writer: document i as soon as it is extracted, in order */
    if (!rc) rc = group_start(k, &h, emit, jobs + 1, err);
    for (size_t i = 0; i < n && !rc; i++) {
        slot *s = &b.ring[i % b.window];
        double w0 = kouan_seconds();
        pthread_mutex_lock(&b.mu);
        while (!s->ready) pthread_cond_wait(&b.cond, &b.mu);
        pthread_mutex_unlock(&b.mu);
        double w1 = kouan_seconds();
        k->timings.wait += w1 - w0;

        kouan_extracted *x = &s->x;
        if (x->rep.unchanged && !x->rc && !unchanged(k, x)) {
            /* the worker found the bytes in the last commit, but this batch
               has since written another version of the document (a second
               file of the same name): extracted here, as it now differs */
            kouan_extracted_free(x);
            kouan_extract_doc(k, paths[i], x, warn, user);
        }
        if (unchanged(k, x)) x->rep.unchanged = 1;
        kouan_error werr = {0};
        int wrc = x->rc ? x->rc : kouan_write_doc(k, x, emit, &werr);
        k->timings.write += kouan_seconds() - w1;
        if (x->rc) failed++;
        report_doc(k, &h, paths, i, x, wrc, &werr, done, user);
        if (!x->rc && wrc) { *err = werr; rc = wrc; }
        /* no malloc_trim here (every 32 documents until 2026-12-06): each
           page given back was faulted in again, on cores -j 2 keeps busy
           (1.5–2.5 s of 35 at 200 MB); the peak it cut came from the map,
           bounded in lmdb_storage.c (map_drop).  Heaps' tops are trimmed
           past 8 MB (kouan extract's mallopt) */
        kouan_extracted_free(x);

        pthread_mutex_lock(&b.mu);
        s->ready = 0;
        b.written = i + 1;
        pthread_cond_broadcast(&b.cond);
        pthread_mutex_unlock(&b.mu);
    }

    pthread_mutex_lock(&b.mu);
    b.stop = 1;                          /* on success all are taken anyway */
    pthread_cond_broadcast(&b.cond);
    pthread_mutex_unlock(&b.mu);
    for (int j = 0, seen = 0; j < jobs; j++)
        if (ws[j].started) {
            pthread_join(ws[j].thread, NULL);
            if (!seen++ || ws[j].nice < k->timings.workers_nice)
                k->timings.workers_nice = ws[j].nice;     /* the least */
        }
    for (int j = jobs; j-- > 0; ) {      /* worker 0 last: the others may borrow its normaliser */
        kouan_close(ws[j].k);
        kouan_store_idcache_free(ws[j].ids);
    }
    for (size_t i = 0; i < b.window; i++) {      /* left over after a failure */
        if (b.ring[i].ready) kouan_extracted_free(&b.ring[i].x);
        kouan_names_free(&b.ring[i].learned);
    }
    pthread_mutex_destroy(&b.mu);
    pthread_cond_destroy(&b.cond);
    pthread_mutex_destroy(&b.warn_mu);
    free(b.ring);
    free(ws);
    return finish(k, &h, paths, rc, failed, emit, done, warn, user, err, &clk);
}
