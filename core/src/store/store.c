/* store.c — Redland storages behind kouan's store interface; see store.h.
 *
 * Ownership (Redland): librdf_model_context_add_statement copies the
 * statement, so ours are freed after adding; librdf_new_statement_from_nodes
 * takes ownership of its three nodes even when it fails.
 *
 * Traps of the hashes storage, measured (see README): model_size is -1, so
 * we count by streaming; context_add_statement does not de-duplicate, so a
 * document's graph is removed before it is written again;
 * index-predicates makes graph removal quadratic, so it stays off. */
#include "util/error.h"
#include "util/rdflog.h"
#include "store.h"
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

struct kouan_store {
    librdf_world   *world;    /* borrowed */
    librdf_storage *storage;
    librdf_model   *model;
    int             lock_fd;  /* -1 when there is nothing to lock */
    char            last_log[512];
};


/* Redland reports storage problems through the world's logger. */
static int store_log(void *user, librdf_log_message *m)
{
    kouan_store *s = user;
    if (librdf_log_message_level(m) >= LIBRDF_LOG_ERROR && !s->last_log[0])
        snprintf(s->last_log, sizeof s->last_log, "%s", librdf_log_message_message(m));
    return 1;
}

static int mkdir_p(const char *dir)
{
    char buf[4096];
    snprintf(buf, sizeof buf, "%s", dir);
    for (char *p = buf + 1; *p; p++) {
        if (*p != '/') continue;
        *p = '\0';
        if (mkdir(buf, 0777) != 0 && errno != EEXIST) return -1;
        *p = '/';
    }
    return mkdir(buf, 0777) != 0 && errno != EEXIST ? -1 : 0;
}

static int file_exists(const char *dir, const char *name)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    return access(path, F_OK) == 0;
}

static int take_lock(kouan_store *s, const char *dir, int read_only, kouan_error *err)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/kouan.lock", dir);
    s->lock_fd = open(path, read_only ? O_RDONLY : O_RDWR | O_CREAT, 0666);
    if (s->lock_fd < 0) {
        if (read_only && errno == ENOENT) return KOUAN_OK;   /* older store */
        return kouan_error_set(err, KOUAN_ESTORE, "store %s: cannot open %s: %s",
                       dir, path, strerror(errno));
    }
    if (flock(s->lock_fd, (read_only ? LOCK_SH : LOCK_EX) | LOCK_NB) != 0)
        return kouan_error_set(err, KOUAN_ESTORE,
                       "store %s is being %s by another kouan process; "
                       "try again when it has finished", dir,
                       read_only ? "written" : "used");
    return KOUAN_OK;
}

kouan_store *kouan_store_open(librdf_world *world, const char *spec,
                              int read_only, int no_create, kouan_error *err)
{
    kouan_store *s = calloc(1, sizeof *s);
    if (!s) { kouan_error_set(err, KOUAN_ENOMEM, "out of memory"); return NULL; }
    s->world = world;
    s->lock_fd = -1;
    const char *colon = spec ? strchr(spec, ':') : NULL;
    if (!colon || colon == spec) {
        kouan_error_set(err, KOUAN_EINVAL, "store spec “%s”: expected hashes:DIR, memory: "
                "or NAME:OPTIONS (a Redland storage)", spec ? spec : "");
        free(s);
        return NULL;
    }
    size_t nl = (size_t)(colon - spec);
    const char *rest = colon + 1;
    char storage[64], options[4400], name[1024] = "kouan";
    snprintf(storage, sizeof storage, "%.*s", (int)(nl < 63 ? nl : 63), spec);
    if (strcmp(storage, "memory") == 0) {
        snprintf(storage, sizeof storage, "hashes");
        snprintf(options, sizeof options, "hash-type='memory',contexts='yes'");
    } else if (strcmp(storage, "hashes") == 0) {
        const char *dir = *rest ? rest : "kouan.store";
        if (strchr(dir, '\'') || strlen(dir) > 4000) {
            kouan_error_set(err, KOUAN_EINVAL, "store spec “%s”: the folder name may not "
                    "contain a quote (') and must be shorter than 4000 bytes", spec);
            free(s);
            return NULL;
        }
        int exists = file_exists(dir, "kouan-sp2o.db");
        if (!exists && (read_only || no_create)) {
            kouan_error_set(err, KOUAN_ENOTFOUND, "no store at %s: run `kouan extract FILE…` "
                    "first, or name another store with --store or KOUAN_STORE", dir);
            free(s);
            return NULL;
        }
        if (!read_only && mkdir_p(dir) != 0) {
            kouan_error_set(err, KOUAN_ESTORE, "store %s: cannot create the folder: %s",
                    dir, strerror(errno));
            free(s);
            return NULL;
        }
        if (!read_only && access(dir, W_OK) != 0) {
            kouan_error_set(err, KOUAN_ESTORE, "store %s: the folder is not writable: %s",
                    dir, strerror(errno));
            free(s);
            return NULL;
        }
        if (take_lock(s, dir, read_only, err) != KOUAN_OK) {
            kouan_store_close(s);
            return NULL;
        }
        snprintf(options, sizeof options,
                 "hash-type='bdb',dir='%s',contexts='yes',write='%s',new='%s'",
                 dir, read_only ? "no" : "yes", exists ? "no" : "yes");
    } else {
        /* raw Redland: NAME:OPTIONS, with an optional name='…' */
        snprintf(options, sizeof options, "%s", rest);
        const char *n = strstr(options, "name='");
        if (n && (n == options || n[-1] == ',' || n[-1] == ' ')) {
            const char *end = strchr(n + 6, '\'');
            if (end) {
                snprintf(name, sizeof name, "%.*s", (int)(end - n - 6), n + 6);
                const char *after = end[1] == ',' ? end + 2 : end + 1;
                memmove((char *)n, after, strlen(after) + 1);
            }
        }
    }
    librdf_world_set_logger(world, s, store_log);
    s->storage = librdf_new_storage(world, storage, name, options);
    if (s->storage) s->model = librdf_new_model(world, s->storage, NULL);
    KOUAN_RDF_LOG_RESET(world);
    if (!s->model) {
        kouan_error_set(err, KOUAN_ESTORE, "cannot open store “%s” (Redland storage “%s”)%s%s",
                spec, storage, s->last_log[0] ? ": " : "", s->last_log);
        kouan_store_close(s);
        return NULL;
    }
    return s;
}

void kouan_store_close(kouan_store *s)
{
    if (!s) return;
    if (s->model) { librdf_model_sync(s->model); librdf_free_model(s->model); }
    if (s->storage) librdf_free_storage(s->storage);
    if (s->lock_fd >= 0) close(s->lock_fd);   /* releases the flock */
    free(s);
}

librdf_model *kouan_store_model(kouan_store *s) { return s->model; }

static librdf_node *term_node(librdf_world *w, const char *v, kouan_term_kind kind,
                              const char *lang, const char *dt)
{
    if (kind == KOUAN_TERM_IRI)
        return librdf_new_node_from_uri_string(w, (const unsigned char *)v);
    librdf_uri *dtu = dt ? librdf_new_uri(w, (const unsigned char *)dt) : NULL;
    if (dt && !dtu) return NULL;
    librdf_node *n = librdf_new_node_from_typed_literal(w, (const unsigned char *)v,
                                                        dt ? NULL : lang, dtu);
    if (dtu) librdf_free_uri(dtu);
    return n;
}

static librdf_statement *make_statement(librdf_world *w, const kouan_triple *t)
{
    librdf_node *s = librdf_new_node_from_uri_string(w, (const unsigned char *)t->s);
    librdf_node *p = librdf_new_node_from_uri_string(w, (const unsigned char *)t->p);
    librdf_node *o = term_node(w, t->o, t->o_kind, t->lang, t->datatype);
    if (!s || !p || !o) {
        if (s) librdf_free_node(s);
        if (p) librdf_free_node(p);
        if (o) librdf_free_node(o);
        return NULL;
    }
    return librdf_new_statement_from_nodes(w, s, p, o);   /* owns s, p, o */
}

int kouan_store_replace_graph(kouan_store *s, const char *graph,
                              const kouan_triple *t, size_t n, kouan_error *err)
{
    librdf_world *w = s->world;
    librdf_statement **st = calloc(n ? n : 1, sizeof *st);
    librdf_node *ctx = librdf_new_node_from_uri_string(w, (const unsigned char *)graph);
    int rc = KOUAN_OK;
    if (!st || !ctx) rc = kouan_error_set(err, KOUAN_ENOMEM, "out of memory");
    for (size_t i = 0; i < n && rc == KOUAN_OK; i++)
        if (!(st[i] = make_statement(w, &t[i])))
            rc = kouan_error_set(err, KOUAN_EINVAL, "cannot build the triple <%s> <%s> “%s”",
                         t[i].s, t[i].p, t[i].o);
    if (rc == KOUAN_OK) {
        s->last_log[0] = '\0';
        librdf_world_set_logger(w, s, store_log);
        int txn = librdf_model_transaction_start(s->model) == 0;
        /* hashes keeps duplicates: drop the old graph first (ignore "no
           such context") */
        librdf_model_context_remove_statements(s->model, ctx);
        size_t i = 0;
        for (; i < n; i++)
            if (librdf_model_context_add_statement(s->model, ctx, st[i]) != 0) break;
        if (i < n) {
            if (txn) librdf_model_transaction_rollback(s->model);
            else librdf_model_context_remove_statements(s->model, ctx);
            rc = kouan_error_set(err, KOUAN_ESTORE, "writing graph <%s> failed after %zu of "
                         "%zu statements%s%s; %s", graph, i, n,
                         s->last_log[0] ? ": " : "", s->last_log,
                         txn ? "nothing was changed"
                             : "the document's graph was removed: extract it again");
        } else {
            if (txn && librdf_model_transaction_commit(s->model) != 0)
                rc = kouan_error_set(err, KOUAN_ESTORE, "committing graph <%s> failed%s%s",
                             graph, s->last_log[0] ? ": " : "", s->last_log);
            if (rc == KOUAN_OK && librdf_model_sync(s->model) != 0)
                rc = kouan_error_set(err, KOUAN_ESTORE, "flushing the store to disk failed%s%s",
                             s->last_log[0] ? ": " : "", s->last_log);
        }
        KOUAN_RDF_LOG_RESET(w);
    }
    for (size_t i = 0; st && i < n; i++)
        if (st[i]) librdf_free_statement(st[i]);
    free(st);
    if (ctx) librdf_free_node(ctx);
    return rc;
}

static size_t count_stream(librdf_stream *st)
{
    size_t n = 0;
    if (!st) return 0;
    for (; !librdf_stream_end(st); librdf_stream_next(st)) n++;
    librdf_free_stream(st);
    return n;
}

int kouan_store_remove_graph(kouan_store *s, const char *graph,
                             size_t *removed, kouan_error *err)
{
    librdf_node *ctx = librdf_new_node_from_uri_string(s->world, (const unsigned char *)graph);
    if (!ctx) return kouan_error_set(err, KOUAN_ENOMEM, "out of memory");
    size_t n = count_stream(librdf_model_context_as_stream(s->model, ctx));
    int rc = KOUAN_OK;
    if (n == 0) {
        rc = kouan_error_set(err, KOUAN_ENOTFOUND, "the store has no graph <%s>", graph);
    } else if (librdf_model_context_remove_statements(s->model, ctx) != 0 ||
               librdf_model_sync(s->model) != 0) {
        rc = kouan_error_set(err, KOUAN_ESTORE, "removing graph <%s> failed", graph);
    }
    librdf_free_node(ctx);
    if (removed) *removed = rc == KOUAN_OK ? n : 0;
    return rc;
}

long kouan_store_count(kouan_store *s)
{
    return (long)count_stream(librdf_model_as_stream(s->model));
}
