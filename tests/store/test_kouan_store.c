/* test_kouan_store.c — kouan:DIR through store.c: replacing graphs, exact
 * counts, the messages, readers that never wait, a second writer that
 * waits (and says so), copying from a hashes store. */
#include "store/store.h"
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int failures;
#define CHECK(cond) do { if (!(cond)) { failures++; \
    fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); } } while (0)

#define G1 "https://w3id.org/kouan/doc/a"
#define G2 "https://w3id.org/kouan/doc/b"
#define P  KOUAN_NS_ONTOLOGY "province"

static const kouan_triple T[] = {
    { KOUAN_NS_ID "port/樟木", P, KOUAN_NS_ID "province/CN-XZ", KOUAN_TERM_IRI, NULL, NULL },
    { KOUAN_NS_ID "port/樟木", "http://www.w3.org/2000/01/rdf-schema#label", "樟木",
      KOUAN_TERM_LITERAL, "zh", NULL },
    { KOUAN_NS_ID "province/CN-XZ", KOUAN_NS_ONTOLOGY "borderCountyCount", "21",
      KOUAN_TERM_LITERAL, NULL, "http://www.w3.org/2001/XMLSchema#integer" },
    { KOUAN_NS_ID "port/樟木", P, KOUAN_NS_ID "province/CN-XZ", KOUAN_TERM_IRI, NULL, NULL },
};

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static librdf_world *new_world(void);
static librdf_world *W0;   /* the world of the store being counted */

static size_t merged(kouan_store *s)
{
    librdf_statement *all = librdf_new_statement(W0);
    librdf_stream *st = librdf_model_find_statements(kouan_store_model(s), all);
    size_t n = 0;
    for (; st && !librdf_stream_end(st); librdf_stream_next(st)) n++;
    if (st) librdf_free_stream(st);
    librdf_free_statement(all);
    return n;
}

static void test_replace(librdf_world *w, const char *spec)
{
    kouan_error err = {0};
    kouan_store *s = kouan_store_open(w, spec, 0, 0, &err);
    CHECK(s != NULL && kouan_store_is_lmdb(s));
    if (!s) { fprintf(stderr, "%s\n", err.message); return; }
    CHECK(kouan_store_count(s) == 0);
    /* the duplicate 4th triple is stored once */
    CHECK(kouan_store_replace_graph(s, G1, T, 4, &err) == 0);
    CHECK(kouan_store_count(s) == 3);
    CHECK(kouan_store_replace_graph(s, G1, T, 4, &err) == 0);
    CHECK(kouan_store_count(s) == 3);
    CHECK(kouan_store_replace_graph(s, G1, T, 1, &err) == 0);
    CHECK(kouan_store_count(s) == 1);
    /* a triple that cannot be stored (a language tag over 255 bytes):
       refused with the triple named, the graph as it was */
    char lang[300];
    memset(lang, 'a', sizeof lang - 1);
    lang[sizeof lang - 1] = '\0';
    kouan_triple bad[3] = { T[1], T[2], T[1] };
    bad[2].lang = lang;
    err = (kouan_error){0};
    CHECK(kouan_store_replace_graph(s, G1, bad, 3, &err) == KOUAN_EINVAL);
    CHECK(strstr(err.message, "cannot build the triple") && strstr(err.message, "樟木") &&
          strstr(err.message, "the store was not changed"));
    CHECK(kouan_store_count(s) == 1 && merged(s) == 1);
    /* the graph replaced by a set that keeps one of its triples */
    CHECK(kouan_store_replace_graph(s, G1, T, 3, &err) == 0);
    CHECK(kouan_store_count(s) == 3);
    CHECK(kouan_store_replace_graph(s, G1, T + 1, 1, &err) == 0);
    CHECK(kouan_store_count(s) == 1);
    CHECK(kouan_store_replace_graph(s, G1, T, 1, &err) == 0);
    CHECK(kouan_store_count(s) == 1);
    /* two graphs say the same: two quads, but the merged graph has each
       triple once (hashes would answer 4) */
    CHECK(kouan_store_replace_graph(s, G2, T, 3, &err) == 0);
    CHECK(kouan_store_count(s) == 4);
    CHECK(merged(s) == 3);
    kouan_store_info in;
    CHECK(kouan_store_stats(s, &in, &err) == 0 && in.quads == 4 && in.triples == 3 &&
          in.graphs == 2 && in.terms >= 6 && in.disk_bytes > 0);
    size_t n = 0;
    CHECK(kouan_store_remove_graph(s, G2, &n, &err) == 0 && n == 3);
    CHECK(kouan_store_count(s) == 1);
    CHECK(kouan_store_remove_graph(s, G2, &n, &err) == KOUAN_ENOTFOUND);
    kouan_store_close(s);
}

/* A copy's progress (kouan_set_progress): the calls and the last count. */
typedef struct copied { int calls; uint64_t last; } copied;
static void on_copy(const char *phase, uint64_t done, uint64_t total, void *user)
{
    copied *c = user;
    if (strcmp(phase, "copying") || total != 0) return;
    c->calls++;
    c->last = done;
}

static void test_messages(librdf_world *w, const char *dir)
{
    kouan_error err = {0};
    char spec[600], sub[600];
    snprintf(sub, sizeof sub, "%s/absent", dir);
    snprintf(spec, sizeof spec, "kouan:%s", sub);
    CHECK(kouan_store_open(w, spec, 1, 0, &err) == NULL && strstr(err.message, "no store at"));
    CHECK(kouan_store_open(w, spec, 0, 1, &err) == NULL && strstr(err.message, "no store at"));
    CHECK(access(sub, F_OK) != 0);
    CHECK(kouan_store_open(w, "kouan:/proc/kouan-no/such", 0, 0, &err) == NULL);
    CHECK(strstr(err.message, "/proc/kouan-no/such") != NULL);
    CHECK(kouan_store_open(w, "nonsense", 0, 0, &err) == NULL);
    CHECK(strstr(err.message, "kouan:DIR") != NULL);
    /* a hashes store opened as kouan: says how to migrate */
    snprintf(sub, sizeof sub, "%s/old", dir);
    snprintf(spec, sizeof spec, "hashes:%s", sub);
    kouan_store *h = kouan_store_open(w, spec, 0, 0, &err);
    CHECK(h && kouan_store_replace_graph(h, G1, T, 3, &err) == 0);
    CHECK(h && kouan_store_replace_graph(h, G2, T, 3, &err) == 0);
    kouan_store_close(h);
    snprintf(spec, sizeof spec, "kouan:%s", sub);
    CHECK(kouan_store_open(w, spec, 1, 0, &err) == NULL);
    CHECK(strstr(err.message, "kouan store migrate") != NULL);
    /* copying hashes → kouan: six quads, three triples */
    snprintf(spec, sizeof spec, "hashes:%s", sub);
    h = kouan_store_open(w, spec, 1, 0, &err);
    snprintf(spec, sizeof spec, "kouan:%s/new", dir);
    kouan_store *k = kouan_store_open(w, spec, 0, 0, &err);
    size_t n = 0;
    copied seen = { 0, 0 };
    CHECK(h && k && kouan_store_copy(h, k, &n, on_copy, &seen, &err) == 0 && n == 6);
    CHECK(seen.calls == 1 && seen.last == 6);        /* the end of the phase */
    CHECK(k && kouan_store_count(k) == 6 && merged(k) == 3);
    kouan_store_close(h);
    kouan_store_close(k);
    /* two sessions of one process on one store share it (no self-wait) */
    kouan_store *a = kouan_store_open(w, spec, 0, 0, &err);
    kouan_store *b = kouan_store_open(w, spec, 0, 0, &err);
    CHECK(a && b && kouan_store_count(b) == 6);
    kouan_store_close(a);
    kouan_store_close(b);
}

static void test_waiting(const char *dir)
{
    char spec[600];
    snprintf(spec, sizeof spec, "kouan:%s/wait", dir);
    int pfd[2];
    CHECK(pipe(pfd) == 0);
    pid_t pid = fork();
    if (pid == 0) {
        librdf_world *w = new_world();
        kouan_error err = {0};
        kouan_store *s = kouan_store_open(w, spec, 0, 0, &err);
        if (s) kouan_store_replace_graph(s, G1, T, 3, &err);
        if (write(pfd[1], s ? "y" : "n", 1) != 1) _exit(2);
        struct timespec ts = { 1, 500000000L };
        nanosleep(&ts, NULL);
        kouan_store_close(s);
        librdf_free_world(w);
        _exit(s ? 0 : 1);
    }
    char c = 0;
    CHECK(read(pfd[0], &c, 1) == 1 && c == 'y');
    librdf_world *w = new_world();
    kouan_error err = {0};
    /* a reader does not wait for the writer */
    double t0 = now_s();
    kouan_store *r = kouan_store_open(w, spec, 1, 0, &err);
    CHECK(r != NULL && now_s() - t0 < 0.5);
    CHECK(r && kouan_store_count(r) == 3);
    kouan_store_close(r);
    /* a second writer waits, and says so on stderr */
    char log[700];
    snprintf(log, sizeof log, "%s/stderr.txt", dir);
    fflush(stderr);
    int saved = dup(2), fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(fd, 2);
    t0 = now_s();
    kouan_store *s = kouan_store_open(w, spec, 0, 0, &err);
    double waited = now_s() - t0;
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    close(fd);
    CHECK(s != NULL && waited > 1.0);
    char buf[1000] = "";
    FILE *f = fopen(log, "r");
    if (f) { size_t n = fread(buf, 1, sizeof buf - 1, f); buf[n] = '\0'; fclose(f); }
    CHECK(strstr(buf, "is being used by another kouan process") != NULL);
    CHECK(s && kouan_store_count(s) == 3);
    kouan_store_close(s);
    int status = 0;
    waitpid(pid, &status, 0);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    librdf_free_world(w);
    close(pfd[0]);
    close(pfd[1]);
}

static int quiet(void *u, librdf_log_message *m) { (void)u; (void)m; return 1; }

static librdf_world *new_world(void)
{
    librdf_world *w = librdf_new_world();
    librdf_world_set_logger(w, NULL, quiet);
    librdf_world_open(w);
    return w;
}

int main(void)
{
    char dir[] = "/tmp/kouan-kstore-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    librdf_world *w = new_world();
    W0 = w;
    char spec[600];
    snprintf(spec, sizeof spec, "kouan:%s/st", dir);
    test_replace(w, spec);
    test_messages(w, dir);
    librdf_free_world(w);
    test_waiting(dir);
    char cmd[700];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    CHECK(system(cmd) == 0);
    if (failures) fprintf(stderr, "%d checks failed\n", failures);
    return failures != 0;
}
