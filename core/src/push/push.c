/* push.c — `kouan push`: each document's named graph sent to any SPARQL
 * store with the SPARQL 1.1 Graph Store HTTP Protocol (PUT replaces a
 * graph, DELETE removes it), incrementally; see kouan_push in kouan.h.
 *
 * What was last pushed where is kept in a state file (push-state.tsv in a
 * kouan:DIR store's folder, or --state FILE), not in the store: push stays
 * a reader of the store (it never waits for or blocks a writer), works the
 * same on a read-only or remote store, and the records — which are about
 * one endpoint, not about the documents — never leak into exports or into
 * the graphs being pushed.  The file is an append-only log (one line per
 * PUT or DELETE that succeeded, flushed at once, so an interrupted push
 * loses nothing it did), compacted at the end of each run. */
#include "session.h"
#include "util/error.h"
#include "util/strmap.h"
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#define RDF_TYPE  "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
#define KO        KOUAN_NS_ONTOLOGY
#define STATE_FILE "push-state.tsv"
#ifndef KOUAN_VERSION
#define KOUAN_VERSION "0"
#endif

/* ---- the documents of the store ------------------------------------------ */

typedef struct push_doc {
    char *graph, *sha256;
} push_doc;

typedef struct doc_list {
    push_doc *v;
    size_t    n, cap;
} doc_list;

static void docs_free(doc_list *d)
{
    for (size_t i = 0; i < d->n; i++) { free(d->v[i].graph); free(d->v[i].sha256); }
    free(d->v);
}

static int cmp_doc(const void *a, const void *b)
{
    return strcmp(((const push_doc *)a)->graph, ((const push_doc *)b)->graph);
}

/* True when the graph ctx says that subject is a kouan:Document. */
static int is_document(librdf_world *w, librdf_model *m, librdf_node *ctx, librdf_node *subject)
{
    librdf_node *p = librdf_new_node_from_uri_string(w, (const unsigned char *)RDF_TYPE);
    librdf_node *o = librdf_new_node_from_uri_string(w, (const unsigned char *)KO "Document");
    librdf_node *s = librdf_new_node_from_node(subject);
    librdf_statement *pat = p && o && s ? librdf_new_statement_from_nodes(w, s, p, o) : NULL;
    if (!pat) {                   /* from_nodes owns its nodes, even failing */
        if (p) librdf_free_node(p);
        if (o) librdf_free_node(o);
        if (s) librdf_free_node(s);
        return 0;
    }
    librdf_stream *st = librdf_model_find_statements_in_context(m, pat, ctx);
    int yes = st && !librdf_stream_end(st);
    if (st) librdf_free_stream(st);
    librdf_free_statement(pat);
    return yes;
}

/* A digest of the ports graph ctx holds (the sum of each IRI's FNV-1a, so
 * the order they come in does not matter).  The file's SHA-256 alone does
 * not say when a document's graph changed: kouan_reconcile re-extracts an
 * unchanged file whose port names other documents now resolve otherwise,
 * and what changes then is which ports its graph holds. */
static uint64_t ports_digest(librdf_world *w, librdf_model *m, librdf_node *ctx)
{
    librdf_node *p = librdf_new_node_from_uri_string(w, (const unsigned char *)RDF_TYPE);
    librdf_node *o = librdf_new_node_from_uri_string(w, (const unsigned char *)KO "Port");
    librdf_statement *pat = p && o ? librdf_new_statement_from_nodes(w, NULL, p, o) : NULL;
    if (!pat) {
        if (p) librdf_free_node(p);
        if (o) librdf_free_node(o);
        return 0;
    }
    uint64_t sum = 0;
    librdf_stream *st = librdf_model_find_statements_in_context(m, pat, ctx);
    for (; st && !librdf_stream_end(st); librdf_stream_next(st)) {
        librdf_node *subj = librdf_statement_get_subject(librdf_stream_get_object(st));
        if (!librdf_node_is_resource(subj)) continue;
        uint64_t h = 1469598103934665603ULL;
        for (const unsigned char *c = librdf_uri_as_string(librdf_node_get_uri(subj)); *c; c++)
            h = (h ^ *c) * 1099511628211ULL;
        sum += h;
    }
    if (st) librdf_free_stream(st);
    librdf_free_statement(pat);
    return sum;
}

/* Every graph holding a kouan:Document with a kouan:sha256, sorted; its
 * version is "SHA-256+PORTS" (the file's bytes and the ports its graph
 * resolved them to). */
static int list_documents(kouan *k, doc_list *out, kouan_error *err)
{
    librdf_world *w = k->world;
    librdf_model *m = kouan_store_model(k->store);
    librdf_iterator *it = librdf_model_get_contexts(m);
    if (!it) return kouan_error_set(err, KOUAN_ESTORE, "cannot list the store's graphs");
    int rc = KOUAN_OK;
    for (; !librdf_iterator_end(it) && !rc; librdf_iterator_next(it)) {
        librdf_node *ctx = librdf_iterator_get_object(it);          /* borrowed */
        if (!ctx || !librdf_node_is_resource(ctx)) continue;
        librdf_node *p = librdf_new_node_from_uri_string(w, (const unsigned char *)KO "sha256");
        librdf_statement *pat = p ? librdf_new_statement_from_nodes(w, NULL, p, NULL) : NULL;
        if (!pat) { rc = kouan_error_set(err, KOUAN_ENOMEM, "out of memory"); break; }
        librdf_stream *st = librdf_model_find_statements_in_context(m, pat, ctx);
        for (; st && !librdf_stream_end(st); librdf_stream_next(st)) {
            librdf_statement *s = librdf_stream_get_object(st);
            librdf_node *subj = librdf_statement_get_subject(s);
            librdf_node *obj = librdf_statement_get_object(s);
            if (!librdf_node_is_literal(obj) || !is_document(w, m, ctx, subj)) continue;
            if (out->n == out->cap) {
                size_t cap = out->cap ? out->cap * 2 : 64;
                push_doc *v = realloc(out->v, cap * sizeof *v);
                if (!v) { rc = KOUAN_ENOMEM; break; }
                out->v = v;
                out->cap = cap;
            }
            push_doc *d = &out->v[out->n];
            d->graph = strdup((const char *)librdf_uri_as_string(librdf_node_get_uri(ctx)));
            char version[128];
            snprintf(version, sizeof version, "%s+%016llx",
                     (const char *)librdf_node_get_literal_value(obj),
                     (unsigned long long)ports_digest(w, m, ctx));
            d->sha256 = strdup(version);
            if (!d->graph || !d->sha256) {
                free(d->graph); free(d->sha256);
                rc = KOUAN_ENOMEM;
                break;
            }
            out->n++;
            break;                       /* one document per graph */
        }
        if (st) librdf_free_stream(st);
        librdf_free_statement(pat);
        if (rc == KOUAN_ENOMEM) kouan_error_set(err, rc, "out of memory");
    }
    librdf_free_iterator(it);
    if (!rc && out->n) qsort(out->v, out->n, sizeof *out->v, cmp_doc);
    return rc;
}

/* ---- the graph as N-Triples ------------------------------------------------ */

/* N-Triples 1.1, UTF-8 kept as is (valid Turtle too). */
static void nt_term(FILE *m, librdf_node *n)
{
    if (librdf_node_is_resource(n)) {
        fputc('<', m);
        for (const unsigned char *p = librdf_uri_as_string(librdf_node_get_uri(n)); *p; p++) {
            if (*p <= 0x20 || strchr("<>\"{}|^`\\", *p)) fprintf(m, "\\u%04X", *p);
            else fputc(*p, m);
        }
        fputc('>', m);
        return;
    }
    if (librdf_node_is_blank(n)) {
        fprintf(m, "_:%s", (const char *)librdf_node_get_blank_identifier(n));
        return;
    }
    fputc('"', m);
    for (const unsigned char *p = librdf_node_get_literal_value(n); p && *p; p++) {
        switch (*p) {
        case '"':  fputs("\\\"", m); break;
        case '\\': fputs("\\\\", m); break;
        case '\n': fputs("\\n", m); break;
        case '\r': fputs("\\r", m); break;
        default:
            if (*p < 0x20) fprintf(m, "\\u%04X", *p);
            else fputc(*p, m);
        }
    }
    fputc('"', m);
    const char *lang = librdf_node_get_literal_value_language(n);
    librdf_uri *dt = librdf_node_get_literal_value_datatype_uri(n);
    if (lang && *lang) fprintf(m, "@%s", lang);
    else if (dt) fprintf(m, "^^<%s>", (const char *)librdf_uri_as_string(dt));
}

/* The graph's statements as an N-Triples body (*body malloc'd, the
 * caller's). */
static int graph_body(kouan *k, const char *graph, char **body, size_t *len,
                      size_t *triples, kouan_error *err)
{
    *body = NULL;
    *len = *triples = 0;
    librdf_node *ctx = librdf_new_node_from_uri_string(k->world, (const unsigned char *)graph);
    FILE *m = ctx ? open_memstream(body, len) : NULL;
    if (!m) {
        if (ctx) librdf_free_node(ctx);
        return kouan_error_set(err, KOUAN_ENOMEM, "out of memory");
    }
    librdf_stream *st = librdf_model_context_as_stream(kouan_store_model(k->store), ctx);
    for (; st && !librdf_stream_end(st); librdf_stream_next(st)) {
        librdf_statement *s = librdf_stream_get_object(st);
        nt_term(m, librdf_statement_get_subject(s));
        fputc(' ', m);
        nt_term(m, librdf_statement_get_predicate(s));
        fputc(' ', m);
        nt_term(m, librdf_statement_get_object(s));
        fputs(" .\n", m);
        ++*triples;
    }
    if (st) librdf_free_stream(st);
    librdf_free_node(ctx);
    if (fclose(m) != 0 || !*body) {
        free(*body);
        *body = NULL;
        return kouan_error_set(err, KOUAN_ENOMEM, "out of memory building graph <%s>", graph);
    }
    return KOUAN_OK;
}

/* ---- push records ------------------------------------------------------------ */

typedef struct record {
    char  *endpoint, *graph, *sha256, *when;
    size_t triples;
    int    live;            /* 0 once deleted */
} record;

typedef struct state {
    char        *path;
    int          lock_fd;
    FILE        *log;       /* appended to as the push goes */
    record      *v;
    size_t       n, cap;
    kouan_strmap index;     /* endpoint \x1f graph → record index + 1 */
} state;

static char *key_of(const char *endpoint, const char *graph)
{
    size_t a = strlen(endpoint), b = strlen(graph);
    char *k = malloc(a + b + 2);
    if (k) { memcpy(k, endpoint, a); k[a] = '\x1f'; memcpy(k + a + 1, graph, b + 1); }
    return k;
}

static record *state_find(state *s, const char *endpoint, const char *graph)
{
    char *k = key_of(endpoint, graph);
    uintptr_t i = k ? (uintptr_t)kouan_strmap_get(&s->index, k) : 0;
    free(k);
    return i ? &s->v[i - 1] : NULL;
}

/* Sets (put) or clears (delete) the record of (endpoint, graph). */
static int state_apply(state *s, int put, const char *endpoint, const char *graph,
                       const char *sha256, size_t triples, const char *when)
{
    record *r = state_find(s, endpoint, graph);
    if (!r) {
        if (!put) return KOUAN_OK;
        if (s->n == s->cap) {
            size_t cap = s->cap ? s->cap * 2 : 64;
            record *v = realloc(s->v, cap * sizeof *v);
            if (!v) return KOUAN_ENOMEM;
            s->v = v;
            s->cap = cap;
        }
        r = &s->v[s->n];
        memset(r, 0, sizeof *r);
        char *k = key_of(endpoint, graph);
        r->endpoint = strdup(endpoint);
        r->graph = strdup(graph);
        if (!k || !r->endpoint || !r->graph ||
            kouan_strmap_put(&s->index, k, (void *)(uintptr_t)(s->n + 1)) != 0) {
            free(k); free(r->endpoint); free(r->graph);
            return KOUAN_ENOMEM;
        }
        free(k);
        s->n++;
    }
    free(r->sha256);
    free(r->when);
    r->sha256 = r->when = NULL;
    r->live = put;
    r->triples = triples;
    if (put && (!(r->sha256 = strdup(sha256 ? sha256 : "")) ||
                !(r->when = strdup(when ? when : ""))))
        return KOUAN_ENOMEM;
    return KOUAN_OK;
}

static void state_free(state *s)
{
    for (size_t i = 0; i < s->n; i++) {
        free(s->v[i].endpoint); free(s->v[i].graph);
        free(s->v[i].sha256); free(s->v[i].when);
    }
    free(s->v);
    kouan_strmap_free(&s->index);
    if (s->log) fclose(s->log);
    if (s->lock_fd >= 0) close(s->lock_fd);    /* releases the flock */
    free(s->path);
}

/* Splits line at tabs into at most n fields; returns how many. */
static size_t split_tabs(char *line, char **f, size_t n)
{
    size_t i = 0;
    f[i++] = line;
    for (char *p = line; *p && i < n; p++)
        if (*p == '\t') { *p = '\0'; f[i++] = p + 1; }
    return i;
}

/* Opens and replays the state file (missing: empty) under an exclusive
 * lock on PATH.lock; read_only (dry run) takes a shared one. */
static int state_open(state *s, const char *path, int read_only, kouan_error *err)
{
    memset(s, 0, sizeof *s);
    s->lock_fd = -1;
    if (!(s->path = strdup(path))) return kouan_error_set(err, KOUAN_ENOMEM, "out of memory");
    char lock[4200];
    snprintf(lock, sizeof lock, "%s.lock", path);
    s->lock_fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0666);
    if (s->lock_fd < 0 && !(read_only && errno == EACCES))
        return kouan_error_set(err, KOUAN_EIO, "push records %s: cannot open %s: %s",
                               path, lock, strerror(errno));
    if (s->lock_fd >= 0 && flock(s->lock_fd, (read_only ? LOCK_SH : LOCK_EX) | LOCK_NB) != 0)
        return kouan_error_set(err, KOUAN_EIO, "push records %s are in use by another "
                               "`kouan push`; try again when it has finished", path);
    FILE *f = fopen(path, "r");
    if (!f && errno != ENOENT)
        return kouan_error_set(err, KOUAN_EIO, "push records %s: cannot read: %s",
                               path, strerror(errno));
    char *line = NULL;
    size_t cap = 0, lineno = 0;
    int rc = KOUAN_OK;
    while (f && !rc && getline(&line, &cap, f) > 0) {
        lineno++;
        line[strcspn(line, "\r\n")] = '\0';
        if (!*line || *line == '#') continue;
        char *fld[6];
        size_t nf = split_tabs(line, fld, 6);
        int put = strcmp(fld[0], "put") == 0, del = strcmp(fld[0], "delete") == 0;
        if ((!put && !del) || nf < (put ? 6u : 3u)) {
            rc = kouan_error_set(err, KOUAN_EINVAL, "%s:%zu: expected “put<TAB>ENDPOINT<TAB>"
                                 "GRAPH<TAB>SHA256<TAB>TRIPLES<TAB>TIME” or “delete<TAB>"
                                 "ENDPOINT<TAB>GRAPH”; delete the file to push everything "
                                 "again", path, lineno);
            break;
        }
        rc = state_apply(s, put, fld[1], fld[2], put ? fld[3] : NULL,
                         put ? strtoul(fld[4], NULL, 10) : 0, put ? fld[5] : NULL);
        if (rc) kouan_error_set(err, rc, "out of memory");
    }
    free(line);
    if (f) fclose(f);
    if (!rc && !read_only && !(s->log = fopen(path, "a")))
        rc = kouan_error_set(err, KOUAN_EIO, "push records %s: cannot write: %s",
                             path, strerror(errno));
    return rc;
}

/* Appends one line and flushes it, so a push stopped at any moment keeps
 * the record of what it did. */
static int state_log(state *s, int put, const char *endpoint, const record *r,
                     const char *graph)
{
    if (put) fprintf(s->log, "put\t%s\t%s\t%s\t%zu\t%s\n", endpoint, graph, r->sha256,
                     r->triples, r->when);
    else fprintf(s->log, "delete\t%s\t%s\n", endpoint, graph);
    return fflush(s->log) == 0 && !ferror(s->log) ? 0 : -1;
}

/* Rewrites the file with the live records only (temporary file, then
 * rename). */
static int state_compact(state *s, kouan_error *err)
{
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s.tmp", s->path);
    FILE *f = fopen(tmp, "w");
    if (!f) return kouan_error_set(err, KOUAN_EIO, "push records: cannot write %s: %s",
                                   tmp, strerror(errno));
    fputs("# kouan push: what was last sent to which endpoint (written by kouan push;\n"
          "# delete this file to send every document again)\n"
          "# put<TAB>endpoint<TAB>graph<TAB>sha256<TAB>triples<TAB>time\n", f);
    for (size_t i = 0; i < s->n; i++)
        if (s->v[i].live)
            fprintf(f, "put\t%s\t%s\t%s\t%zu\t%s\n", s->v[i].endpoint, s->v[i].graph,
                    s->v[i].sha256, s->v[i].triples, s->v[i].when);
    if (fclose(f) != 0 || rename(tmp, s->path) != 0) {
        int e = errno;
        unlink(tmp);
        return kouan_error_set(err, KOUAN_EIO, "push records: cannot replace %s: %s",
                               s->path, strerror(e));
    }
    return KOUAN_OK;
}

/* ---- HTTP -------------------------------------------------------------------- */

typedef struct http {
    CURL              *curl;
    const kouan_push_options *o;
    char               errbuf[CURL_ERROR_SIZE];
    char              *reply;       /* the server's answer (capped) */
    size_t             reply_len;
} http;

static size_t on_reply(char *p, size_t size, size_t n, void *user)
{
    http *h = user;
    size_t len = size * n, keep = len;
    if (h->reply_len + keep > 16384) keep = h->reply_len < 16384 ? 16384 - h->reply_len : 0;
    if (keep) {
        char *r = realloc(h->reply, h->reply_len + keep + 1);
        if (!r) return 0;
        memcpy(r + h->reply_len, p, keep);
        h->reply = r;
        h->reply_len += keep;
        r[h->reply_len] = '\0';
    }
    return len;
}

/* The server's answer as one line a person can read: markup dropped
 * (with <head>), blanks collapsed, at most ~300 bytes. */
static void reply_text(const char *reply, char *out, size_t n)
{
    size_t o = 0;
    int in_tag = 0, space = 0;
    const char *head_end = reply ? strcasestr(reply, "</head>") : NULL;
    const char *p = head_end ? head_end + 7 : reply;
    for (; p && *p && o + 8 < n && o < 300; p++) {
        if (*p == '<') { in_tag = 1; space = 1; continue; }
        if (in_tag) { if (*p == '>') in_tag = 0; continue; }
        if (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r') { space = 1; continue; }
        if (space && o) out[o++] = ' ';
        space = 0;
        out[o++] = *p;
    }
    while (o && ((unsigned char)out[o - 1] & 0xC0) == 0x80) o--;   /* cut at a character */
    if (o && ((unsigned char)out[o - 1] & 0xC0) == 0xC0) o--;
    out[o] = '\0';
}

static int http_init(http *h, const kouan_push_options *o, kouan_error *err)
{
    memset(h, 0, sizeof *h);
    h->o = o;
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0 || !(h->curl = curl_easy_init()))
        return kouan_error_set(err, KOUAN_ENOMEM, "cannot start libcurl");
    return KOUAN_OK;
}

static void http_free(http *h)
{
    if (h->curl) curl_easy_cleanup(h->curl);
    free(h->reply);
}

/* url?graph=IRI (or &graph= when url has a query already). */
static char *graph_url(CURL *c, const char *endpoint, const char *graph)
{
    char *esc = curl_easy_escape(c, graph, 0);
    if (!esc) return NULL;
    size_t n = strlen(endpoint) + strlen(esc) + 16;
    char *u = malloc(n);
    if (u) snprintf(u, n, "%s%sgraph=%s", endpoint, strchr(endpoint, '?') ? "&" : "?", esc);
    curl_free(esc);
    return u;
}

/* Whether a failure is worth another try: no answer, 5xx, 429. */
static int transient(CURLcode cc, long status)
{
    if (cc != CURLE_OK)
        return cc == CURLE_COULDNT_CONNECT || cc == CURLE_COULDNT_RESOLVE_HOST ||
               cc == CURLE_OPERATION_TIMEDOUT || cc == CURLE_SEND_ERROR ||
               cc == CURLE_RECV_ERROR || cc == CURLE_GOT_NOTHING ||
               cc == CURLE_PARTIAL_FILE || cc == CURLE_SSL_CONNECT_ERROR;
    return status >= 500 || status == 429;
}

typedef struct outcome {
    long     status;        /* 0: no answer */
    unsigned attempts;
    int      ok;
    int      unreachable;   /* no answer at all, every attempt */
    char     message[800];
} outcome;

/* Resets h's handle for a request to url: reply capture, time limits,
 * user agent and the push's credentials. */
static CURL *setup(http *h, const char *url, long timeout_s)
{
    const kouan_push_options *o = h->o;
    CURL *c = h->curl;
    curl_easy_reset(c);
    h->reply_len = 0;
    if (h->reply) h->reply[0] = '\0';
    h->errbuf[0] = '\0';
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, h->errbuf);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_reply);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, h);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 10L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, timeout_s);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_USERAGENT, "kouan/" KOUAN_VERSION);
    if (o->user) {
        curl_easy_setopt(c, CURLOPT_HTTPAUTH, (long)(CURLAUTH_BASIC | CURLAUTH_DIGEST));
        curl_easy_setopt(c, CURLOPT_USERNAME, o->user);
        curl_easy_setopt(c, CURLOPT_PASSWORD, o->password ? o->password : "");
    }
    return c;
}

/* The status a bodiless HEAD of url gets with the push's credentials, or
 * 0 when none comes. */
static long probe(http *h, const char *url)
{
    CURL *c = setup(h, url, 30L);
    curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
    long status = 0;
    if (curl_easy_perform(c) == CURLE_OK) curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    return status;
}

/* One request (PUT with body, or DELETE), tried again with back-off. */
static void request(http *h, const char *method, const char *url, const char *body,
                    size_t len, outcome *out)
{
    const kouan_push_options *o = h->o;
    memset(out, 0, sizeof *out);
    double delay = o->retry_delay_s;
    for (unsigned attempt = 0;; attempt++) {
        CURL *c = setup(h, url, (long)(o->timeout_s ? o->timeout_s : 300));
        struct curl_slist *hdr = NULL;
        curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
        if (body) {
            hdr = curl_slist_append(hdr, o->turtle ? "Content-Type: text/turtle; charset=utf-8"
                                                   : "Content-Type: application/n-triples");
            curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
            curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
        }
        if (hdr) curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdr);
        CURLcode cc = curl_easy_perform(c);
        long status = 0;
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
        /* a server that refuses the request (401, 403, 413) may answer and
           close before reading the body: the send then fails, but the
           answer came and is what to report */
        if (cc == CURLE_SEND_ERROR && status >= 400) cc = CURLE_OK;
        if (cc != CURLE_OK) status = 0;
        curl_slist_free_all(hdr);
        out->attempts = attempt + 1;
        out->status = status;
        out->ok = cc == CURLE_OK && (status / 100 == 2 ||
                                     (status == 404 && !strcmp(method, "DELETE")));
        if (out->ok) return;
        out->unreachable = cc != CURLE_OK;
        /* the connection was reset while the body went out: a server that
           refuses the credentials (Virtuoso) answers 401 and closes before
           reading it.  Ask again without a body to learn which it was. */
        if (cc == CURLE_SEND_ERROR && o->user && body) {
            long st = probe(h, url);
            if (st == 401 || st == 403) {
                out->unreachable = 0;
                out->status = st;
                snprintf(out->message, sizeof out->message, "HTTP %ld: the server refused "
                         "the credentials of %s (it closed the connection while the body "
                         "was sent; a request without a body was answered %ld)",
                         st, o->user, st);
                return;
            }
        }
        if (cc != CURLE_OK) {
            snprintf(out->message, sizeof out->message, "%s", h->errbuf[0] ? h->errbuf
                     : curl_easy_strerror(cc));
        } else {
            char said[400];
            reply_text(h->reply, said, sizeof said);
            snprintf(out->message, sizeof out->message, "HTTP %ld%s%s", status,
                     said[0] ? ": " : "", said);
        }
        if (attempt >= o->retries || !transient(cc, status)) return;
        if (delay > 0) {
            struct timespec ts = { (time_t)delay, (long)((delay - (time_t)delay) * 1e9) };
            nanosleep(&ts, NULL);
        }
        delay = delay > 0 ? delay * 2 : 0;
    }
}

/* ---- the push ------------------------------------------------------------------ */

static const char *doc_id_of(const char *graph)
{
    size_t n = strlen(KOUAN_NS_DOC);
    return strncmp(graph, KOUAN_NS_DOC, n) == 0 && graph[n] ? graph + n : graph;
}

int kouan_push_state_path(kouan *k, const kouan_push_options *o, char *out, size_t n,
                          kouan_error *err)
{
    if (o->state_path && *o->state_path) {
        snprintf(out, n, "%s", o->state_path);
        return KOUAN_OK;
    }
    const char *dir = k->store ? kouan_store_dir(k->store) : NULL;
    if (!dir)
        return kouan_error_set(err, KOUAN_EINVAL, "this store keeps no folder for the push "
                               "records: name a file with --state FILE (kouan remembers "
                               "there what it sent to each endpoint)");
    snprintf(out, n, "%s/" STATE_FILE, dir);
    return KOUAN_OK;
}

static void emit(kouan_push_cb cb, void *user, kouan_push_action a, const char *graph,
                 size_t triples, size_t bytes, const outcome *oc, int deleting)
{
    if (!cb) return;
    kouan_push_event e = { a, graph, doc_id_of(graph), triples, bytes,
                           oc ? oc->status : 0, oc ? oc->attempts : 0, deleting,
                           oc && a == KOUAN_PUSH_FAILED ? oc->message : NULL };
    cb(&e, user);
}

int kouan_push(kouan *k, const kouan_push_options *o, kouan_push_cb cb, void *user,
               kouan_push_totals *totals, kouan_error *err)
{
    kouan_push_totals t = {0};
    if (totals) *totals = t;
    if (!k->store) return kouan_error_set(err, KOUAN_EINVAL, "push needs a store");
    if (!o->endpoint || (strncmp(o->endpoint, "http://", 7) && strncmp(o->endpoint, "https://", 8)))
        return kouan_error_set(err, KOUAN_EINVAL, "endpoint “%s”: expected an http:// or "
                               "https:// URL of a SPARQL Graph Store (e.g. "
                               "http://localhost:8890/sparql-graph-crud-auth)",
                               o->endpoint ? o->endpoint : "");
    char path[4200];
    int rc = kouan_push_state_path(k, o, path, sizeof path, err);
    if (rc) return rc;
    /* a push of every graph reads the whole store: its mapped pages kept
       bounded, as export's are (the 200 MB corpus' store mapped 1.3 GB) */
    kouan_store_limit_resident(k->store, KOUAN_WRITER_RESIDENT);
    doc_list docs = {0};
    state st;
    http h;
    int have_state = 0, have_http = 0;
    if ((rc = list_documents(k, &docs, err))) goto done;
    if ((rc = state_open(&st, path, o->dry_run, err))) { have_state = 1; goto done; }
    have_state = 1;
    if (!o->dry_run) {
        if ((rc = http_init(&h, o, err))) goto done;
        have_http = 1;
    }
    kouan_strmap here = {0};     /* graphs in the store now */
    int stop = 0;
    char stop_message[900] = "";
    for (size_t i = 0; i < docs.n && !stop; i++) {
        push_doc *d = &docs.v[i];
        if (kouan_strmap_put(&here, d->graph, (void *)1) != 0) {
            rc = kouan_error_set(err, KOUAN_ENOMEM, "out of memory");
            break;
        }
        record *r = state_find(&st, o->endpoint, d->graph);
        if (!o->force && r && r->live && strcmp(r->sha256, d->sha256) == 0) {
            t.unchanged++;
            outcome none = {0};
            emit(cb, user, KOUAN_PUSH_UNCHANGED, d->graph, r->triples, 0, &none, 0);
            continue;
        }
        char *body = NULL;
        size_t len = 0, triples = 0;
        if ((rc = graph_body(k, d->graph, &body, &len, &triples, err))) break;
        outcome oc = {0};
        if (o->dry_run) {
            oc.ok = 1;
        } else {
            char *url = graph_url(h.curl, o->endpoint, d->graph);
            if (!url) { free(body); rc = kouan_error_set(err, KOUAN_ENOMEM, "out of memory"); break; }
            request(&h, "PUT", url, body, len, &oc);
            free(url);
        }
        free(body);
        if (oc.ok) {
            t.sent++;
            t.triples += triples;
            t.bytes += len;
            if (!o->dry_run) {
                char when[32];
                time_t now = time(NULL);
                strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
                if (state_apply(&st, 1, o->endpoint, d->graph, d->sha256, triples, when) ||
                    state_log(&st, 1, o->endpoint, state_find(&st, o->endpoint, d->graph),
                              d->graph)) {
                    rc = kouan_error_set(err, KOUAN_EIO, "push records %s: cannot write: %s",
                                         path, strerror(errno));
                    break;
                }
            }
            emit(cb, user, KOUAN_PUSH_SENT, d->graph, triples, len, &oc, 0);
        } else {
            t.failed++;
            emit(cb, user, KOUAN_PUSH_FAILED, d->graph, triples, len, &oc, 0);
            if (oc.unreachable) {
                stop = 1;
                snprintf(stop_message, sizeof stop_message, "%s", oc.message);
            }
        }
    }
    /* graphs pushed before that the store no longer has */
    for (size_t i = 0; i < st.n && !rc && !stop; i++) {
        record *r = &st.v[i];
        if (!r->live || strcmp(r->endpoint, o->endpoint) != 0 ||
            kouan_strmap_get(&here, r->graph))
            continue;
        outcome oc = {0};
        if (o->dry_run) {
            oc.ok = 1;
        } else {
            char *url = graph_url(h.curl, o->endpoint, r->graph);
            if (!url) { rc = kouan_error_set(err, KOUAN_ENOMEM, "out of memory"); break; }
            request(&h, "DELETE", url, NULL, 0, &oc);
            free(url);
        }
        if (oc.ok) {
            t.deleted++;
            char *graph = strdup(r->graph);
            if (!graph) { rc = kouan_error_set(err, KOUAN_ENOMEM, "out of memory"); break; }
            if (!o->dry_run &&
                (state_apply(&st, 0, o->endpoint, graph, NULL, 0, NULL) ||
                 state_log(&st, 0, o->endpoint, NULL, graph))) {
                free(graph);
                rc = kouan_error_set(err, KOUAN_EIO, "push records %s: cannot write: %s",
                                     path, strerror(errno));
                break;
            }
            emit(cb, user, KOUAN_PUSH_DELETED, graph, 0, 0, &oc, 1);
            free(graph);
        } else {
            t.failed++;
            emit(cb, user, KOUAN_PUSH_FAILED, r->graph, 0, 0, &oc, 1);
            if (oc.unreachable) {
                stop = 1;
                snprintf(stop_message, sizeof stop_message, "%s", oc.message);
            }
        }
    }
    kouan_strmap_free(&here);
    if (!rc && !o->dry_run) rc = state_compact(&st, err);
    if (!rc && stop)
        rc = kouan_error_set(err, KOUAN_EIO, "%s does not answer (%s); stopped after %zu "
                             "sent, the rest is sent on the next push", o->endpoint,
                             stop_message, t.sent);
    else if (!rc && t.failed)
        rc = kouan_error_set(err, KOUAN_EIO, "%zu document%s could not be pushed to %s",
                             t.failed, t.failed == 1 ? "" : "s", o->endpoint);
done:
    if (have_http) http_free(&h);
    if (have_state) state_free(&st);
    docs_free(&docs);
    if (totals) *totals = t;
    return rc;
}
