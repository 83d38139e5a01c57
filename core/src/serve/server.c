/* server.c — `kouan serve`: the HTTP side (libmicrohttpd, a thread per
 * connection) and the pool of worker processes it hands queries to (see
 * serve.h for why processes).
 *
 * A request that needs the store takes a free worker; when all are busy it
 * waits, at most --timeout seconds and with at most --queue others, else it
 * is answered 503 at once.  A worker that runs past --timeout is killed
 * (503 to its client) and started again on next use; one that dies is
 * reported (500) and started again.  A client that goes away only loses
 * its answer: MHD sends with MSG_NOSIGNAL and SIGPIPE is ignored.
 *
 * Routes: /sparql (GET, POST: the SPARQL 1.1 Protocol query operation),
 * /evidence (GET s=, p=, o=: the sentences behind a fact, JSON), /graph
 * (POST IRIs, one a line: labels, classes and the facts between them,
 * JSON), and the page's files (/, /kouan.js, /kouan.css). */
#include "negotiate.h"
#include "serve.h"
#include "wire.h"
#include "util/error.h"

#include <microhttpd.h>
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

#define TEXT_TYPE "text/plain; charset=utf-8"
#define JSON_TYPE "application/json"

/* ---- the pool of workers ---------------------------------------------------- */

typedef struct worker {
    pid_t pid;
    int   fd;        /* our end of the socket; -1 when not running */
    int   busy;
} worker;

typedef struct server {
    kouan_serve_options o;
    kouan_options       open;       /* how workers open the store */
    char                exe[4096];
    pthread_mutex_t     mu;
    pthread_cond_t      cv;
    worker             *w;
    unsigned            nw, waiting;
    int                 stopping;   /* set under mu; the reaper reads it
                                       without (__atomic: ThreadSanitizer
                                       found the plain read racing) */
    pthread_mutex_t     conn_mu;    /* guards conns */
    struct conn        *conns;      /* open connections, for the reaper */
} server;

/* ---- slow clients ------------------------------------------------------------- */

/* A request must arrive whole — headers and body — within REQUEST_DEADLINE_S
 * of its connection opening (or of the last answer on a kept-alive one);
 * else the reaper shuts the socket and MHD closes the connection.  MHD's
 * own CONNECTION_TIMEOUT counts only silence, which a slowloris client
 * dribbling a byte a second never gives it. */
#define REQUEST_DEADLINE_S 15

typedef struct conn {
    struct conn *next;
    int          fd;
    int64_t      since;      /* ms: opened, or last answered */
    int          arrived;    /* the request is whole: being answered */
    int          reaped;
} conn;

static void on_connection(void *cls, struct MHD_Connection *c, void **socket_context,
                          enum MHD_ConnectionNotificationCode code)
{
    server *sv = cls;
    if (code == MHD_CONNECTION_NOTIFY_STARTED) {
        const union MHD_ConnectionInfo *ci =
            MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
        conn *k = ci ? calloc(1, sizeof *k) : NULL;
        if (!k) return;               /* untracked: MHD's timeout still applies */
        k->fd = ci->connect_fd;
        k->since = wire_now_ms();
        pthread_mutex_lock(&sv->conn_mu);
        k->next = sv->conns;
        sv->conns = k;
        pthread_mutex_unlock(&sv->conn_mu);
        *socket_context = k;
    } else if (code == MHD_CONNECTION_NOTIFY_CLOSED && *socket_context) {
        conn *k = *socket_context;   /* before MHD closes the socket */
        pthread_mutex_lock(&sv->conn_mu);
        for (conn **pp = &sv->conns; *pp; pp = &(*pp)->next)
            if (*pp == k) { *pp = k->next; break; }
        pthread_mutex_unlock(&sv->conn_mu);
        free(k);
        *socket_context = NULL;
    }
}

/* The connection's request is whole (arrived 1), or answered (0: the
 * deadline starts again for the next request on it). */
static void conn_mark(server *sv, struct MHD_Connection *c, int arrived)
{
    const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c,
                                             MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    if (!ci || !ci->socket_context) return;
    conn *k = ci->socket_context;
    pthread_mutex_lock(&sv->conn_mu);
    k->arrived = arrived;
    k->since = wire_now_ms();
    pthread_mutex_unlock(&sv->conn_mu);
}

static void *reap_slow(void *arg)
{
    server *sv = arg;
    while (!__atomic_load_n(&sv->stopping, __ATOMIC_ACQUIRE)) {
        usleep(250000);
        int64_t now = wire_now_ms();
        pthread_mutex_lock(&sv->conn_mu);
        for (conn *k = sv->conns; k; k = k->next)
            if (!k->arrived && !k->reaped && now - k->since > REQUEST_DEADLINE_S * 1000) {
                shutdown(k->fd, SHUT_RDWR);   /* MHD sees the end and closes it */
                k->reaped = 1;
            }
        pthread_mutex_unlock(&sv->conn_mu);
    }
    return NULL;
}

static void stop_worker(worker *w)
{
    if (w->fd >= 0) close(w->fd);
    if (w->pid > 0) {
        kill(w->pid, SIGKILL);
        while (waitpid(w->pid, NULL, 0) < 0 && errno == EINTR) {}
    }
    w->fd = -1;
    w->pid = 0;
}

/* Starts one worker: `kouan [--store …] [--ontology …] serve --worker-fd 3`
 * with its socket on fd 3, and waits for its ready frame.  0, or -1 with
 * why filled (the worker's own message when it could not open the store). */
static int start_worker(server *sv, worker *w, char *why, size_t n)
{
    int sp[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp) != 0) {
        snprintf(why, n, "cannot make a socket for a worker: %s", strerror(errno));
        return -1;
    }
    /* the child's end must not already be fd 3 (dup2 onto itself would
       keep close-on-exec) */
    int child = fcntl(sp[1], F_DUPFD_CLOEXEC, 10);
    close(sp[1]);
    if (child < 0) {
        close(sp[0]);
        snprintf(why, n, "cannot make a socket for a worker: %s", strerror(errno));
        return -1;
    }
    char *argv[12];
    int a = 0;
    argv[a++] = sv->exe;
    if (sv->open.store_spec) { argv[a++] = "--store"; argv[a++] = (char *)sv->open.store_spec; }
    if (sv->open.ontology_dir) { argv[a++] = "--ontology"; argv[a++] = (char *)sv->open.ontology_dir; }
    argv[a++] = "serve";
    argv[a++] = "--worker-fd";
    argv[a++] = "3";
    argv[a] = NULL;

    posix_spawn_file_actions_t fa;
    posix_spawnattr_t at;
    sigset_t none, defaults;
    sigemptyset(&none);
    sigemptyset(&defaults);
    sigaddset(&defaults, SIGPIPE);
    sigaddset(&defaults, SIGINT);
    sigaddset(&defaults, SIGTERM);
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, child, 3);
    posix_spawnattr_init(&at);
    posix_spawnattr_setsigmask(&at, &none);
    posix_spawnattr_setsigdefault(&at, &defaults);
    posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
    pid_t pid;
    int rc = posix_spawn(&pid, sv->exe, &fa, &at, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&at);
    close(child);
    if (rc != 0) {
        close(sp[0]);
        snprintf(why, n, "cannot start a worker (%s): %s", sv->exe, strerror(rc));
        return -1;
    }
    w->pid = pid;
    w->fd = sp[0];
    wire_answer ready;
    rc = wire_read_answer(w->fd, &ready, wire_now_ms() + 60000);
    if (rc == 0 && ready.status == 0) {
        wire_answer_free(&ready);
        return 0;
    }
    if (rc == 0) {
        snprintf(why, n, "%s", ready.body);
        size_t l = strlen(why);
        while (l && why[l - 1] == '\n') why[--l] = '\0';
        wire_answer_free(&ready);
    } else
        snprintf(why, n, "a worker did not start (see the messages above)");
    stop_worker(w);
    return -1;
}

enum { CALL_OK, CALL_BUSY, CALL_TIMEOUT, CALL_DIED, CALL_NOWORKER };

/* Runs req on a worker.  CALL_OK with *ans filled (caller frees), or why
 * it could not be done with why filled. */
static int pool_call(server *sv, const wire_request *req, wire_answer *ans,
                     char *why, size_t n)
{
    int64_t t0 = wire_now_ms();
    int64_t deadline = t0 + (int64_t)sv->o.timeout_s * 1000;
    worker *w = NULL;

    pthread_mutex_lock(&sv->mu);
    for (;;) {
        for (unsigned i = 0; i < sv->nw && !w; i++)
            if (!sv->w[i].busy) w = &sv->w[i];
        if (w || sv->stopping) break;
        if (sv->waiting >= sv->o.queue) {
            pthread_mutex_unlock(&sv->mu);
            snprintf(why, n, "busy: all %u workers are answering queries and %u requests "
                     "are waiting; try again shortly", sv->nw, sv->waiting);
            return CALL_BUSY;
        }
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        int64_t left = deadline - wire_now_ms();
        if (left <= 0) break;
        ts.tv_sec += left / 1000;
        ts.tv_nsec += (left % 1000) * 1000000;
        if (ts.tv_nsec >= 1000000000) { ts.tv_sec++; ts.tv_nsec -= 1000000000; }
        sv->waiting++;
        pthread_cond_timedwait(&sv->cv, &sv->mu, &ts);
        sv->waiting--;
    }
    if (w) w->busy = 1;
    pthread_mutex_unlock(&sv->mu);
    if (!w) {
        snprintf(why, n, "busy: no worker was free within %u s (all %u are answering "
                 "queries); try again shortly", sv->o.timeout_s, sv->nw);
        return CALL_BUSY;
    }

    int rc = CALL_OK;
    if (w->fd < 0 && start_worker(sv, w, why, n) != 0) rc = CALL_NOWORKER;
    if (rc == CALL_OK) {
        int r = wire_send_request(w->fd, req);
        if (r == 0) r = wire_read_answer(w->fd, ans, deadline);
        if (r == -2) {
            stop_worker(w);            /* Rasqal cannot be told to stop */
            snprintf(why, n, "the query ran longer than the time limit of %u s and was "
                     "stopped; make it more selective (a label or constant first), or "
                     "start kouan serve with a larger --timeout", sv->o.timeout_s);
            rc = CALL_TIMEOUT;
        } else if (r != 0) {
            int st = 0;
            close(w->fd);
            w->fd = -1;
            if (w->pid > 0) while (waitpid(w->pid, &st, 0) < 0 && errno == EINTR) {}
            w->pid = 0;
            if (WIFSIGNALED(st))
                snprintf(why, n, "the worker answering this request stopped (signal %d); "
                         "the endpoint goes on with a new one", WTERMSIG(st));
            else
                snprintf(why, n, "the worker answering this request stopped (exit %d); "
                         "the endpoint goes on with a new one", WEXITSTATUS(st));
            rc = CALL_DIED;
        }
    }
    pthread_mutex_lock(&sv->mu);
    w->busy = 0;
    pthread_cond_signal(&sv->cv);
    pthread_mutex_unlock(&sv->mu);
    return rc;
}

/* ---- requests ---------------------------------------------------------------- */

typedef struct request {
    int64_t t0;
    char    method[16];
    char    path[256];
    char   *body;
    size_t  len;
    int     too_big, answered;
    unsigned status;
    size_t  rows;
    char    note[64];
} request;

typedef struct header { const char *name, *value; } header;

static enum MHD_Result reply(struct MHD_Connection *c, request *r, unsigned status,
                             const char *type, const void *body, size_t len,
                             enum MHD_ResponseMemoryMode mode, const header *extra)
{
    struct MHD_Response *res = MHD_create_response_from_buffer(len, (void *)body, mode);
    if (!res) return MHD_NO;
    MHD_add_response_header(res, "Content-Type", type);
    MHD_add_response_header(res, "Cache-Control", "no-store");
    for (; extra && extra->name; extra++)
        MHD_add_response_header(res, extra->name, extra->value);
    r->status = status;
    r->answered = 1;
    enum MHD_Result ret = MHD_queue_response(c, status, res);
    MHD_destroy_response(res);
    return ret;
}

static enum MHD_Result reply_text(struct MHD_Connection *c, request *r, unsigned status,
                                  const header *extra, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

static enum MHD_Result reply_text(struct MHD_Connection *c, request *r, unsigned status,
                                  const header *extra, const char *fmt, ...)
{
    char msg[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg - 1, fmt, ap);
    va_end(ap);
    size_t l = strlen(msg);
    if (!l || msg[l - 1] != '\n') { msg[l++] = '\n'; msg[l] = '\0'; }
    return reply(c, r, status, TEXT_TYPE, msg, l, MHD_RESPMEM_MUST_COPY, extra);
}

static const header CORS[] = { { "Access-Control-Allow-Origin", "*" },
                               { "Vary", "Accept" }, { NULL, NULL } };

/* Answers with what a worker said, or with why it could not. */
static enum MHD_Result reply_call(struct MHD_Connection *c, request *r, int rc,
                                  wire_answer *ans, const char *type, const char *why,
                                  const server *sv)
{
    if (rc == CALL_BUSY || rc == CALL_TIMEOUT || rc == CALL_NOWORKER) {
        static const header retry[] = { { "Retry-After", "2" },
            { "Access-Control-Allow-Origin", "*" }, { NULL, NULL } };
        snprintf(r->note, sizeof r->note, "%s", rc == CALL_BUSY ? "busy" :
                 rc == CALL_TIMEOUT ? "timeout" : "no worker");
        return reply_text(c, r, 503, retry, "%s", why);
    }
    if (rc == CALL_DIED) {
        snprintf(r->note, sizeof r->note, "worker died");
        return reply_text(c, r, 500, CORS, "%s", why);
    }
    r->rows = ans->rows;
    if (ans->status != 200)
        return reply(c, r, ans->status, ans->content_type, ans->body, ans->len,
                     MHD_RESPMEM_MUST_COPY, CORS);
    char rows[32], limit[32];
    snprintf(rows, sizeof rows, "%u", ans->rows);
    snprintf(limit, sizeof limit, "%zu", sv->o.max_rows);
    header h[] = { { "Access-Control-Allow-Origin", "*" }, { "Vary", "Accept" },
                   { "X-Kouan-Rows", rows },
                   { (ans->flags & WIRE_TRUNCATED) ? "X-Kouan-Truncated" : NULL, limit },
                   { NULL, NULL } };
    if (ans->flags & WIRE_TRUNCATED) snprintf(r->note, sizeof r->note, "truncated");
    return reply(c, r, 200, type ? type : ans->content_type, ans->body, ans->len,
                 MHD_RESPMEM_MUST_COPY, h);
}

/* application/x-www-form-urlencoded: the value of name, decoded (malloc),
 * or NULL. */
static char *form_value(const char *body, const char *name)
{
    size_t nl = strlen(name);
    for (const char *p = body; p && *p; ) {
        const char *amp = strchr(p, '&');
        const char *end = amp ? amp : p + strlen(p);
        if ((size_t)(end - p) > nl && strncmp(p, name, nl) == 0 && p[nl] == '=') {
            const char *v = p + nl + 1;
            char *out = malloc((size_t)(end - v) + 1), *o = out;
            if (!out) return NULL;
            for (; v < end; v++) {
                if (*v == '+') *o++ = ' ';
                else if (*v == '%' && end - v >= 3 &&
                         strchr("0123456789abcdefABCDEF", v[1]) &&
                         strchr("0123456789abcdefABCDEF", v[2])) {
                    char hex[3] = { v[1], v[2], 0 };
                    *o++ = (char)strtol(hex, NULL, 16);
                    v += 2;
                } else *o++ = *v;
            }
            *o = '\0';
            return out;
        }
        p = amp ? amp + 1 : NULL;
    }
    return NULL;
}

/* The media type of a Content-Type header, lower-case, without parameters. */
static void media_type(const char *ct, char *out, size_t n)
{
    size_t i = 0;
    for (; ct && *ct && *ct != ';' && i + 1 < n; ct++)
        if (*ct != ' ' && *ct != '\t') out[i++] = (char)(*ct >= 'A' && *ct <= 'Z' ? *ct + 32 : *ct);
    out[i] = '\0';
}

static enum MHD_Result on_sparql(server *sv, struct MHD_Connection *c, request *r)
{
    static const header allow[] = { { "Allow", "GET, POST" }, { NULL, NULL } };
    int post = strcmp(r->method, "POST") == 0;
    if (!post && strcmp(r->method, "GET") != 0 && strcmp(r->method, "HEAD") != 0)
        return reply_text(c, r, 405, allow, "%s is not a SPARQL query operation: use GET "
                          "/sparql?query=… or POST (a form with query=…, or a body of "
                          "type application/sparql-query)", r->method);
    char *query = NULL, *update = NULL, *format = NULL;
    const char *arg;
    if ((arg = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "format")) ||
        (arg = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "output")))
        format = strdup(arg);
    if (post) {
        char mt[128];
        media_type(MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Type"), mt, sizeof mt);
        if (strcmp(mt, "application/x-www-form-urlencoded") == 0) {
            query = form_value(r->body ? r->body : "", "query");
            update = form_value(r->body ? r->body : "", "update");
            if (!format && !(format = form_value(r->body ? r->body : "", "format")))
                format = form_value(r->body ? r->body : "", "output");
        } else if (strcmp(mt, "application/sparql-query") == 0) {
            query = strdup(r->body ? r->body : "");
        } else if (strcmp(mt, "application/sparql-update") == 0) {
            update = strdup(r->body ? r->body : "");
        } else {
            free(format);
            return reply_text(c, r, 415, CORS, "a POST to /sparql takes a body of type "
                              "application/x-www-form-urlencoded (query=…) or "
                              "application/sparql-query, not “%s”", mt[0] ? mt : "(none)");
        }
    } else {
        if ((arg = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "query")))
            query = strdup(arg);
        if ((arg = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "update")))
            update = strdup(arg);
    }
    enum MHD_Result ret;
    char kw[32];
    if (update || (query && kouan_sparql_form(query, kw, sizeof kw) == SPARQL_FORM_UPDATE)) {
        if (update) kouan_sparql_form(update, kw, sizeof kw);
        ret = reply_text(c, r, 403, CORS, "this endpoint is read-only: SPARQL Update%s%s%s is "
                         "refused; change the store with `kouan extract` or `kouan remove`",
                         kw[0] ? " (" : "", kw, kw[0] ? ")" : "");
        goto done;
    }
    if (!query || !*query) {
        ret = reply_text(c, r, 400, CORS, "no query: give it as /sparql?query=… (GET), as a "
                         "form field query=… (POST, application/x-www-form-urlencoded), or as "
                         "a POST body of type application/sparql-query");
        goto done;
    }
    if (kouan_sparql_uses_service(query)) {
        ret = reply_text(c, r, 403, CORS, "SERVICE is refused: this endpoint makes no "
                         "requests to other endpoints (federated queries are not served)");
        goto done;
    }
    const char *dg = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "default-graph-uri");
    const char *ng = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "named-graph-uri");
    if ((dg && *dg) || (ng && *ng)) {
        ret = reply_text(c, r, 400, CORS, "default-graph-uri and named-graph-uri are not "
                         "supported: the default graph is every document's graph merged; "
                         "use GRAPH <https://w3id.org/kouan/doc/…> { … } in the query");
        goto done;
    }
    sparql_form form = kouan_sparql_form(query, kw, sizeof kw);
    serve_format fmt;
    const char *type;
    char why[1200];
    if (kouan_negotiate(form, format, MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Accept"),
                        &fmt, &type, why, sizeof why) != 0) {
        ret = reply_text(c, r, 406, CORS, "%s", why);
        goto done;
    }
    wire_request req = { WIRE_QUERY, (uint32_t)fmt, (uint32_t)sv->o.max_rows,
                         { query, NULL, NULL }, { 0, 0, 0 } };
    wire_answer ans = {0};
    int rc = pool_call(sv, &req, &ans, why, sizeof why);
    ret = reply_call(c, r, rc, &ans, type, why, sv);
    wire_answer_free(&ans);
done:
    free(query);
    free(update);
    free(format);
    return ret;
}

static enum MHD_Result on_evidence(server *sv, struct MHD_Connection *c, request *r)
{
    static const header allow[] = { { "Allow", "GET" }, { NULL, NULL } };
    if (strcmp(r->method, "GET") != 0 && strcmp(r->method, "HEAD") != 0)
        return reply_text(c, r, 405, allow, "/evidence takes GET ?s=…&p=…&o=…");
    const char *s = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "s");
    const char *p = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "p");
    const char *o = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "o");
    if (!s || !*s || !p || !*p || !o || !*o)
        return reply_text(c, r, 400, CORS, "/evidence needs s=, p= and o=: the fact's "
                          "subject and predicate IRIs and its object (an IRI, or "
                          "\"text\"@lang)");
    wire_request req = { WIRE_EVIDENCE, 0, 0, { (char *)s, (char *)p, (char *)o }, { 0, 0, 0 } };
    wire_answer ans = {0};
    char why[1200];
    int rc = pool_call(sv, &req, &ans, why, sizeof why);
    enum MHD_Result ret = reply_call(c, r, rc, &ans, NULL, why, sv);
    wire_answer_free(&ans);
    return ret;
}

static enum MHD_Result on_graph(server *sv, struct MHD_Connection *c, request *r)
{
    static const header allow[] = { { "Allow", "POST" }, { NULL, NULL } };
    if (strcmp(r->method, "POST") != 0)
        return reply_text(c, r, 405, allow, "/graph takes POST with IRIs, one a line");
    wire_request req = { WIRE_GRAPH, 0, 0, { r->body ? r->body : "", NULL, NULL }, { 0, 0, 0 } };
    wire_answer ans = {0};
    char why[1200];
    int rc = pool_call(sv, &req, &ans, why, sizeof why);
    enum MHD_Result ret = reply_call(c, r, rc, &ans, NULL, why, sv);
    wire_answer_free(&ans);
    return ret;
}

static enum MHD_Result on_asset(struct MHD_Connection *c, request *r)
{
    const char *path = strcmp(r->path, "/") == 0 ? "/index.html" : r->path;
    for (const kouan_web_asset *a = kouan_web_assets; a->path; a++) {
        if (strcmp(a->path, path) != 0) continue;
        static const header allow[] = { { "Allow", "GET, HEAD" }, { NULL, NULL } };
        if (strcmp(r->method, "GET") != 0 && strcmp(r->method, "HEAD") != 0)
            return reply_text(c, r, 405, allow, "%s is a page file: use GET", r->path);
        return reply(c, r, 200, a->type, a->data, a->size, MHD_RESPMEM_PERSISTENT, NULL);
    }
    return reply_text(c, r, 404, NULL, "nothing at %s: the SPARQL endpoint is /sparql, "
                      "the page is /", r->path);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version,
                                  const char *upload, size_t *upload_size, void **con_cls)
{
    server *sv = cls;
    request *r = *con_cls;
    (void)version;
    if (!r) {
        if (!(r = calloc(1, sizeof *r))) return MHD_NO;
        r->t0 = wire_now_ms();
        snprintf(r->method, sizeof r->method, "%s", method);
        snprintf(r->path, sizeof r->path, "%s", url);
        *con_cls = r;
        const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Length");
        if (cl && strtoull(cl, NULL, 10) > sv->o.max_body)
            r->too_big = 1;
        if (r->too_big) {
            conn_mark(sv, c, 1);
            return reply_text(c, r, 413, NULL, "the request body is larger than %zu bytes "
                              "(kouan serve --max-body)", sv->o.max_body);
        }
        return MHD_YES;
    }
    if (*upload_size) {
        if (!r->too_big && r->len + *upload_size > sv->o.max_body) {
            r->too_big = 1;
            free(r->body);
            r->body = NULL;
        }
        if (!r->too_big) {
            char *b = realloc(r->body, r->len + *upload_size + 1);
            if (!b) return MHD_NO;
            memcpy(b + r->len, upload, *upload_size);
            r->len += *upload_size;
            b[r->len] = '\0';
            r->body = b;
        }
        *upload_size = 0;
        return MHD_YES;
    }
    if (r->answered) return MHD_YES;
    conn_mark(sv, c, 1);              /* whole: no deadline while it is answered */
    if (r->too_big)
        return reply_text(c, r, 413, NULL, "the request body is larger than %zu bytes "
                          "(kouan serve --max-body)", sv->o.max_body);
    if (strcmp(r->path, "/sparql") == 0) return on_sparql(sv, c, r);
    if (strcmp(r->path, "/evidence") == 0) return on_evidence(sv, c, r);
    if (strcmp(r->path, "/graph") == 0) return on_graph(sv, c, r);
    return on_asset(c, r);
}

/* One line per request on stderr: method, path, status, rows, ms. */
static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    server *sv = cls;
    request *r = *con_cls;
    conn_mark(sv, c, 0);              /* kept alive: the next request's deadline */
    if (!r) return;
    if (!sv->o.quiet) {
        const char *gone = toe == MHD_REQUEST_TERMINATED_COMPLETED_OK ? "" :
            toe == MHD_REQUEST_TERMINATED_TIMEOUT_REACHED ? " (connection timed out)" :
            toe == MHD_REQUEST_TERMINATED_DAEMON_SHUTDOWN ? " (shutting down)" :
            " (client gone)";
        fprintf(stderr, "%s %s %u %zu rows %lld ms%s%s%s\n", r->method, r->path,
                r->status, r->rows, (long long)(wire_now_ms() - r->t0),
                r->note[0] ? " " : "", r->note, gone);
    }
    free(r->body);
    free(r);
    *con_cls = NULL;
}

/* ---- start and stop ------------------------------------------------------------ */

static int parse_bind(const char *bind, unsigned port, struct sockaddr_storage *ss,
                      int *v6, kouan_error *err)
{
    memset(ss, 0, sizeof *ss);
    struct sockaddr_in *a4 = (struct sockaddr_in *)ss;
    struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)ss;
    if (inet_pton(AF_INET, bind, &a4->sin_addr) == 1) {
        a4->sin_family = AF_INET;
        a4->sin_port = htons((uint16_t)port);
        *v6 = 0;
        return 0;
    }
    if (inet_pton(AF_INET6, bind, &a6->sin6_addr) == 1) {
        a6->sin6_family = AF_INET6;
        a6->sin6_port = htons((uint16_t)port);
        *v6 = 1;
        return 0;
    }
    struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM }, *res = NULL;
    if (getaddrinfo(bind, NULL, &hints, &res) != 0 || !res)
        return kouan_error_set(err, KOUAN_EINVAL, "--bind %s: expected an IP address "
                               "(127.0.0.1, ::1, 0.0.0.0) or a host name of this machine", bind);
    memcpy(ss, res->ai_addr, res->ai_addrlen);
    *v6 = res->ai_family == AF_INET6;
    if (*v6) a6->sin6_port = htons((uint16_t)port);
    else a4->sin_port = htons((uint16_t)port);
    freeaddrinfo(res);
    return 0;
}

static int is_loopback(const struct sockaddr_storage *ss)
{
    if (ss->ss_family == AF_INET)
        return (ntohl(((const struct sockaddr_in *)ss)->sin_addr.s_addr) >> 24) == 127;
    return IN6_IS_ADDR_LOOPBACK(&((const struct sockaddr_in6 *)ss)->sin6_addr);
}

/* A worker's watchdog: ends the process when the server's end of the
 * socket closes, even in the middle of a query (PR_SET_PDEATHSIG would
 * fire when the server *thread* that started us ends, and connection
 * threads come and go). */
static void *watch_server(void *arg)
{
    struct pollfd p = { *(int *)arg, POLLRDHUP, 0 };
    for (;;) {
        int r = poll(&p, 1, -1);
        if (r > 0 && (p.revents & (POLLRDHUP | POLLHUP | POLLERR | POLLNVAL))) _exit(0);
        if (r < 0 && errno != EINTR) _exit(0);
    }
    return NULL;
}

int kouan_serve_worker_main(const kouan_options *open, int fd)
{
    static int watched;
    pthread_t watchdog;
    watched = fd;
    if (pthread_create(&watchdog, NULL, watch_server, &watched) == 0)
        pthread_detach(watchdog);
    signal(SIGINT, SIG_IGN);            /* Ctrl-C is the server's to handle */
    signal(SIGPIPE, SIG_IGN);
    kouan_options o = open ? *open : (kouan_options){0};
    o.read_only = 1;
    o.no_plugins = 1;
    kouan_error err = {0};
    kouan *k = kouan_open(&o, &err);
    if (!k) {
        wire_send_answer(fd, 500, 0, 0, TEXT_TYPE, err.message, strlen(err.message));
        return 1;
    }
    if (wire_send_answer(fd, 0, 0, 0, TEXT_TYPE, "ready", 5) != 0) {
        kouan_close(k);
        return 1;
    }
    int rc = kouan_serve_worker(k, fd);
    kouan_close(k);
    return rc ? 1 : 0;
}

int kouan_serve(const kouan_options *open, const kouan_serve_options *opts,
                kouan_error *err)
{
    server sv;
    memset(&sv, 0, sizeof sv);
    sv.o = *opts;
    if (open) sv.open = *open;
    const char *spec = sv.open.store_spec ? sv.open.store_spec : getenv("KOUAN_STORE");
    if (spec && strncmp(spec, "memory:", 7) == 0)
        return kouan_error_set(err, KOUAN_EINVAL, "kouan serve needs a store on disk: "
                               "a memory: store would be empty in every worker process");
    if (!sv.o.bind) sv.o.bind = "127.0.0.1";
    if (!sv.o.workers) sv.o.workers = 1;
    if (!sv.o.timeout_s) sv.o.timeout_s = 30;
    ssize_t l = readlink("/proc/self/exe", sv.exe, sizeof sv.exe - 1);
    if (l <= 0)
        return kouan_error_set(err, KOUAN_EINVAL, "cannot find this program (/proc/self/exe): %s",
                               strerror(errno));
    sv.exe[l] = '\0';
    struct sockaddr_storage ss;
    int v6 = 0;
    int rc = parse_bind(sv.o.bind, sv.o.port, &ss, &v6, err);
    if (rc) return rc;

    /* SIGPIPE: a client gone mid-answer must not end the server.  SIGINT
       and SIGTERM are blocked in every thread and taken by sigwait below. */
    signal(SIGPIPE, SIG_IGN);
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop, NULL);

    pthread_mutex_init(&sv.mu, NULL);
    pthread_cond_init(&sv.cv, NULL);
    sv.nw = sv.o.workers;
    sv.w = calloc(sv.nw, sizeof *sv.w);
    if (!sv.w) return kouan_error_set(err, KOUAN_ENOMEM, "out of memory");
    for (unsigned i = 0; i < sv.nw; i++) sv.w[i].fd = -1;
    /* all workers now: a store that cannot be opened stops us here */
    for (unsigned i = 0; i < sv.nw; i++) {
        char why[1024];
        if (start_worker(&sv, &sv.w[i], why, sizeof why) != 0) {
            for (unsigned j = 0; j < i; j++) stop_worker(&sv.w[j]);
            free(sv.w);
            return kouan_error_set(err, KOUAN_ESTORE, "%s", why);
        }
    }

    /* Connections: a slow or idle one costs a thread and a descriptor, no
       worker, and lives at most REQUEST_DEADLINE_S before its request is
       whole; so allow many (1024 beyond the workers and the queue, within
       the descriptors we may open), that a crowd of slow clients cannot
       lock out a quick query.  On a loopback address every client is
       127.0.0.1: no limit per address (it would lock out this machine's
       own users); on another, one address may hold a quarter. */
    unsigned limit = sv.o.workers + sv.o.queue + 1024;
    struct rlimit nofile;
    if (getrlimit(RLIMIT_NOFILE, &nofile) == 0 && nofile.rlim_cur != RLIM_INFINITY &&
        nofile.rlim_cur < (rlim_t)limit + 2 * sv.nw + 64)
        limit = nofile.rlim_cur > 2 * sv.nw + 96 ? (unsigned)(nofile.rlim_cur - 2 * sv.nw - 64)
                                                 : 32;
    unsigned per_ip = is_loopback(&ss) ? 0 : (limit / 4 ? limit / 4 : 1);
    pthread_mutex_init(&sv.conn_mu, NULL);
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION |
                     MHD_USE_POLL | MHD_USE_ERROR_LOG | (v6 ? MHD_USE_IPv6 : 0);
    struct MHD_Daemon *d = MHD_start_daemon(flags, (uint16_t)sv.o.port, NULL, NULL,
        on_request, &sv,
        MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
        MHD_OPTION_NOTIFY_COMPLETED, on_completed, &sv,
        MHD_OPTION_NOTIFY_CONNECTION, on_connection, &sv,
        MHD_OPTION_CONNECTION_LIMIT, limit,
        MHD_OPTION_PER_IP_CONNECTION_LIMIT, per_ip,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)(sv.o.timeout_s + 30),
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(256 * 1024),
        MHD_OPTION_END);
    pthread_t reaper;
    int reaping = d && pthread_create(&reaper, NULL, reap_slow, &sv) == 0;
    if (!d) {
        for (unsigned i = 0; i < sv.nw; i++) stop_worker(&sv.w[i]);
        free(sv.w);
        return kouan_error_set(err, KOUAN_EIO, "cannot listen on %s port %u: %s "
                               "(another program on that port? try --port 0 for any free one)",
                               sv.o.bind, sv.o.port, strerror(errno));
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
    unsigned port = info ? info->port : sv.o.port;
    const char *host = v6 ? "[" : "", *host_end = v6 ? "]" : "";
    fprintf(stderr, "kouan serve: listening on http://%s%s%s:%u/ (SPARQL endpoint "
            "http://%s%s%s:%u/sparql); %u workers, time limit %u s, %zu rows at most; "
            "Ctrl-C stops\n", host, sv.o.bind, host_end, port, host, sv.o.bind, host_end,
            port, sv.nw, sv.o.timeout_s, sv.o.max_rows);
    if (!is_loopback(&ss))
        fprintf(stderr, "kouan serve: warning: %s is not a loopback address: anyone who "
                "can reach this machine can query the store\n", sv.o.bind);
    fflush(stderr);

    int sig = 0;
    sigwait(&stop, &sig);
    fprintf(stderr, "kouan serve: %s: stopping\n", sig == SIGINT ? "interrupted" : "terminated");
    pthread_mutex_lock(&sv.mu);
    __atomic_store_n(&sv.stopping, 1, __ATOMIC_RELEASE);
    pthread_cond_broadcast(&sv.cv);
    for (unsigned i = 0; i < sv.nw; i++)    /* ends queries in progress at once */
        if (sv.w[i].pid > 0) kill(sv.w[i].pid, SIGKILL);
    pthread_mutex_unlock(&sv.mu);
    if (reaping) pthread_join(reaper, NULL);
    MHD_stop_daemon(d);
    for (unsigned i = 0; i < sv.nw; i++) stop_worker(&sv.w[i]);
    free(sv.w);
    pthread_mutex_destroy(&sv.mu);
    pthread_cond_destroy(&sv.cv);
    pthread_mutex_destroy(&sv.conn_mu);
    return 0;
}
