/* bench_store.c — kouan's LMDB storage vs Redland hashes on one
 * knowledge-graph-shaped store: load, reopen, disk, the natural-form query
 * suite, replacing a document graph, resident memory.
 *
 *   bench_store gen N FILE.nq            write N quads (10 document graphs)
 *   bench_store load SPEC FILE.nq        load in one transaction (when the
 *                                        storage has them); print timings
 *   bench_store query SPEC [REPEAT]      reopen, run the query suite
 *   bench_store insert SPEC FILE.nq      the same, the statements parsed first:
 *                                        times only the adds and the commit
 *   bench_store load-bulk DIR FILE.nq    the same into kouan:DIR through
 *                                        kouan_lmdb_add_triples (strings, no
 *                                        Redland nodes), one transaction
 *   bench_store replace SPEC FILE.nq G [F]  replace graph number G (remove +
 *                                        add) by graph F's triples (default G:
 *                                        the same ones again)
 *
 * SPEC: kouan:DIR or hashes:DIR.  Output: "name<TAB>seconds<TAB>detail".
 * Environment: BENCH_ONLY=NAME runs only that query (for profiling);
 * BENCH_MAP_SIZE=BYTES the LMDB map size (valgrind cannot map the default
 * 64 GiB); KOUAN_NO_REORDER=1 keeps each query's written join order.
 * Queries run through kouan's Rasqal triples source (core/src/query/
 * source.c, installed as the kouan program installs it), so this measures
 * what `kouan query` does. */
#include "query/source.h"
#include "store/lmdb_storage.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define NS "https://w3id.org/kouan/"
#define ID NS "id/"
#define ON NS "ontology#"
#define RDF "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
#define RDFS "http://www.w3.org/2000/01/rdf-schema#"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* CPU time of this process: on a machine shared with builds the wall
 * clock includes waiting for a core; this does not (both are printed). */
static double cpu_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* "peak 200 MB, now: anonymous 12 MB + file-backed (LMDB map) 180 MB" */
static const char *mem(void)
{
    static char out[160];
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long hwm = -1, anon = -1, file = -1;
    while (f && fgets(line, sizeof line, f)) {
        sscanf(line, "VmHWM: %ld kB", &hwm);
        sscanf(line, "RssAnon: %ld kB", &anon);
        sscanf(line, "RssFile: %ld kB", &file);
    }
    if (f) fclose(f);
    snprintf(out, sizeof out, "peak %ld MB; now anonymous %ld MB + file-backed (map) %ld MB",
             hwm / 1024, anon / 1024, file / 1024);
    return out;
}

/* ---- a knowledge-graph-shaped data set -------------------------------------- */

static const char *const ZONES[] = { "东北", "西北", "西南" };

static void gen(long n, const char *path)
{
    FILE *f = fopen(path, "w");
    if (!f) { perror(path); exit(1); }
    long per_doc = n / 10, written = 0;
    for (int d = 0; d < 10; d++) {
        char g[128];
        snprintf(g, sizeof g, "<" NS "doc/d%d>", d);
        long w = 0;
        /* closed classes, said by every document */
        for (int p = 0; p < 34; p++) {
            fprintf(f, "<" ID "province/P%d> <" RDF "type> <" ON "Province> %s .\n", p, g);
            fprintf(f, "<" ID "province/P%d> <" RDFS "label> \"省份%d\"@zh %s .\n", p, p, g);
            fprintf(f, "<" ID "province/P%d> <" ON "tradeZone> <" ID "zone/Z%d> %s .\n", p, p % 3, g);
            w += 3;
        }
        for (int z = 0; z < 3; z++) {
            fprintf(f, "<" ID "zone/Z%d> <" RDFS "label> \"%s\"@zh %s .\n", z, ZONES[z], g);
            w++;
        }
        for (int c = 0; c < 20; c++) {
            fprintf(f, "<" ID "country/C%d> <" RDFS "label> \"国家%d\"@zh %s .\n", c, c, g);
            fprintf(f, "<" ID "country/C%d> <" RDF "type> <" ON "Country> %s .\n", c, g);
            w += 2;
        }
        /* ports: each with facts and an evidence node per fact; documents
           overlap by a quarter, so triples repeat across graphs */
        for (long port = d * 2400L; w < per_doc; port++) {
            long pid = port % 30000;
            int prov = (int)(pid % 34), country = (int)(pid % 20);
            char s[96];
            snprintf(s, sizeof s, "<" ID "port/%ld>", pid);
            fprintf(f, "%s <" RDF "type> <" ON "Port> %s .\n", s, g);
            fprintf(f, "%s <" RDFS "label> \"口岸%ld\"@zh %s .\n", s, pid, g);
            fprintf(f, "%s <http://www.w3.org/2004/02/skos/core#altLabel> \"口岸%ld口岸\"@zh %s .\n", s, pid, g);
            fprintf(f, "%s <" ON "province> <" ID "province/P%d> %s .\n", s, prov, g);
            fprintf(f, "%s <" ON "opensTo> <" ID "country/C%d> %s .\n", s, country, g);
            w += 5;
            const char *preds[3] = { ON "province", ON "opensTo", RDFS "label" };
            for (int k = 0; k < 3; k++) {
                char e[128];
                snprintf(e, sizeof e, "<" NS "doc/d%d#e%ld-%d>", d, pid, k);
                fprintf(f, "%s <" RDF "type> <" RDF "Statement> %s .\n", e, g);
                fprintf(f, "%s <" RDF "subject> %s %s .\n", e, s, g);
                fprintf(f, "%s <" RDF "predicate> <%s> %s .\n", e, preds[k], g);
                fprintf(f, "%s <" ON "line> \"%ld\"^^<http://www.w3.org/2001/XMLSchema#integer> %s .\n",
                        e, 10 + port % 5000, g);
                fprintf(f, "%s <" ON "quote> \"%ld号口岸位于省份%d，对国家%d开放。\" %s .\n",
                        e, pid, prov, country, g);
                fprintf(f, "%s <" ON "rule> \"tables:port-province\" %s .\n", e, g);
                w += 6;
            }
        }
        written += w;
    }
    fclose(f);
    fprintf(stderr, "wrote %ld quads to %s\n", written, path);
}

/* ---- opening -------------------------------------------------------------------- */

static librdf_world *W;
static librdf_storage *ST;
static librdf_model *M;

static void open_spec(const char *spec, int write, int create)
{
    const char *dir = strchr(spec, ':') + 1;
    char opts[4300];
    if (create) mkdir(dir, 0777);
    if (strncmp(spec, "kouan:", 6) == 0) {
        kouan_lmdb_register(W);
        snprintf(opts, sizeof opts, "dir='%s',write='%s',map-size='%s'", dir,
                 write ? "yes" : "no", getenv("BENCH_MAP_SIZE") ? getenv("BENCH_MAP_SIZE") : "0");
        ST = librdf_new_storage(W, "kouan", NULL, opts);
    } else {
        snprintf(opts, sizeof opts, "hash-type='bdb',dir='%s',contexts='yes',write='%s',new='%s'",
                 dir, write ? "yes" : "no", create ? "yes" : "no");
        ST = librdf_new_storage(W, "hashes", "kouan", opts);
    }
    M = ST ? librdf_new_model(W, ST, NULL) : NULL;
    if (!M) { fprintf(stderr, "cannot open %s\n", spec); exit(1); }
}

static void close_spec(void)
{
    librdf_model_sync(M);
    librdf_free_model(M);
    librdf_free_storage(ST);
}

static size_t du_bytes(const char *dir)
{
    char cmd[4400];
    snprintf(cmd, sizeof cmd, "du -sk '%s'", dir);
    FILE *p = popen(cmd, "r");
    long kb = 0;
    if (p && fscanf(p, "%ld", &kb) != 1) kb = 0;
    if (p) pclose(p);
    return (size_t)kb * 1024;
}

/* One term of our generated N-Quads at *pp: <iri>, "v"@lang, "v"^^<dt>
 * or "v" (no escapes: gen writes none).  A new node, or NULL. */
static librdf_node *term(char **pp)
{
    char *p = *pp;
    while (*p == ' ') p++;
    librdf_node *n = NULL;
    if (*p == '<') {
        char *e = strchr(p, '>');
        *e = '\0';
        n = librdf_new_node_from_uri_string(W, (const unsigned char *)p + 1);
        p = e + 1;
    } else if (*p == '"') {
        char *e = strchr(p + 1, '"');
        *e = '\0';
        const char *v = p + 1, *lang = NULL;
        librdf_uri *dt = NULL;
        p = e + 1;
        if (*p == '@') {
            lang = ++p;
            while (*p != ' ') p++;
            *p++ = '\0';
        } else if (p[0] == '^') {
            char *d = strchr(p, '>');
            *d = '\0';
            dt = librdf_new_uri(W, (const unsigned char *)p + 3);
            p = d + 1;
        }
        n = librdf_new_node_from_typed_literal(W, (const unsigned char *)v, lang, dt);
        if (dt) librdf_free_uri(dt);
    }
    *pp = p;
    return n;
}

/* Adds the quads of file (only graph g_only when >= 0) to M. */
static long add_file(const char *path, int g_only)
{
    FILE *f = fopen(path, "r");
    if (!f) { perror(path); exit(1); }
    char *line = NULL, want[96];
    size_t cap = 0;
    long n = 0;
    snprintf(want, sizeof want, "<" NS "doc/d%d>", g_only);
    while (getline(&line, &cap, f) > 0) {
        if (g_only >= 0 && !strstr(line, want)) continue;
        char *p = line;
        librdf_node *s = term(&p), *pr = term(&p), *o = term(&p), *g = term(&p);
        librdf_statement *st = librdf_new_statement_from_nodes(W, s, pr, o);
        if (librdf_model_context_add_statement(M, g, st)) { fprintf(stderr, "add failed\n"); exit(1); }
        librdf_free_statement(st);
        librdf_free_node(g);
        n++;
    }
    free(line);
    fclose(f);
    return n;
}

/* The store's own insert rate: every quad of file parsed into Redland
 * statements first (untimed), then added through
 * librdf_model_context_add_statement in one transaction, committed and
 * closed (timed).  load times the same with the parsing interleaved, as
 * the peers' loads do. */
static void insert_file(const char *spec, const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f) { perror(path); exit(1); }
    char *line = NULL;
    size_t cap = 0, n = 0, room = 0;
    librdf_statement **st = NULL;
    librdf_node **g = NULL;
    while (getline(&line, &cap, f) > 0) {
        if (n == room) {
            room = room ? room * 2 : 1 << 16;
            st = realloc(st, room * sizeof *st);
            g = realloc(g, room * sizeof *g);
            if (!st || !g) { fprintf(stderr, "out of memory\n"); exit(1); }
        }
        char *p = line;
        librdf_node *s = term(&p), *pr = term(&p), *o = term(&p);
        g[n] = term(&p);
        st[n++] = librdf_new_statement_from_nodes(W, s, pr, o);
    }
    free(line);
    fclose(f);
    double t0 = now_s(), c0 = cpu_s();
    open_spec(spec, 1, 1);
    int txn = librdf_model_transaction_start(M) == 0;
    for (size_t i = 0; i < n; i++)
        if (librdf_model_context_add_statement(M, g[i], st[i])) { fprintf(stderr, "add failed\n"); exit(1); }
    if (txn && librdf_model_transaction_commit(M)) { fprintf(stderr, "commit failed\n"); exit(1); }
    close_spec();
    double t = now_s() - t0, c = cpu_s() - c0;
    printf("insert\t%.3f\t%zu quads, %.0f quads/s%s (statements built beforehand), cpu %.2f s "
           "(%.0f quads/s)\n", t, n, n / t, txn ? ", one transaction" : "", c, n / c);
    for (size_t i = 0; i < n; i++) {
        librdf_free_statement(st[i]);
        librdf_free_node(g[i]);
    }
    free(st);
    free(g);
}

/* One term of a generated line at *pp as strings, cut in place. */
static void term_str(char **pp, const char **v, int *lit, const char **lang, const char **dt)
{
    char *p = *pp;
    while (*p == ' ') p++;
    *lang = *dt = NULL;
    *lit = *p == '"';
    char *e = strchr(p + 1, *lit ? '"' : '>');
    *e = '\0';
    *v = p + 1;
    p = e + 1;
    if (*lit && *p == '@') {
        *lang = ++p;
        while (*p != ' ') p++;
        *p++ = '\0';
    } else if (*lit && p[0] == '^') {
        char *d = strchr(p, '>');
        *d = '\0';
        *dt = p + 3;
        p = d + 1;
    }
    *pp = p;
}

/* load-bulk: the file's quads, graph by graph (gen writes them so), through
 * kouan_lmdb_add_triples in the transaction the caller opened. */
static long add_file_bulk(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f) { perror(path); exit(1); }
    size_t cap = 1 << 16, n = 0;
    kouan_lmdb_triple *t = malloc(cap * sizeof *t);
    char **lines = malloc(cap * sizeof *lines), *line = NULL, graph[128] = "";
    size_t lcap = 0;
    long total = 0;
    for (int more = 1; more;) {
        ssize_t len = getline(&line, &lcap, f);
        more = len > 0;
        char *copy = NULL, *g = NULL;
        kouan_lmdb_triple x = { 0 };
        if (more) {
            copy = strdup(line);
            char *p = copy;
            const char *dummy;
            int gl;
            term_str(&p, &x.s, &gl, &dummy, &dummy);
            term_str(&p, &x.p, &gl, &dummy, &dummy);
            term_str(&p, &x.o, &x.o_literal, &x.lang, &x.datatype);
            term_str(&p, (const char **)&g, &gl, &dummy, &dummy);
        }
        if (n && (!more || strcmp(g, graph) != 0)) {
            size_t bad;
            if (kouan_lmdb_add_triples(ST, graph, t, n, &bad)) { fprintf(stderr, "add failed\n"); exit(1); }
            for (size_t i = 0; i < n; i++) free(lines[i]);
            total += (long)n;
            n = 0;
        }
        if (!more) break;
        snprintf(graph, sizeof graph, "%s", g);
        if (n == cap) {
            cap *= 2;
            t = realloc(t, cap * sizeof *t);
            lines = realloc(lines, cap * sizeof *lines);
        }
        lines[n] = copy;
        t[n++] = x;
    }
    free(line);
    free(lines);
    free(t);
    fclose(f);
    return total;
}

/* ---- the query suite, in its natural form ------------------------------------ */

static const char *const QUERIES[][2] = {
    { "ports_of_province",
      "SELECT ?label WHERE { ?prov rdfs:label \"省份7\"@zh . ?port a kouan:Port ; "
      "kouan:province ?prov ; rdfs:label ?label }" },
    { "chain",
      "SELECT ?prov ?zone ?country WHERE { ?p rdfs:label \"口岸1234\"@zh ; kouan:province ?v . "
      "?v kouan:tradeZone ?z . ?z rdfs:label ?zone . ?v rdfs:label ?prov . "
      "?p kouan:opensTo ?c . ?c rdfs:label ?country }" },
    { "count_per_province",
      "SELECT ?province (COUNT(?p) AS ?n) WHERE { ?p a kouan:Port ; kouan:province ?v . "
      "?v rdfs:label ?province } GROUP BY ?province" },
    { "contains_label",
      "SELECT ?s ?l WHERE { ?s rdfs:label ?l . FILTER(CONTAINS(?l, \"口岸123\")) }" },
    { "s_p_o",
      "SELECT ?p ?o WHERE { <https://w3id.org/kouan/id/port/1234> ?p ?o }" },
};

static const char PREFIXES[] =
    "PREFIX rdf: <" RDF "> PREFIX rdfs: <" RDFS "> PREFIX kouan: <" ON ">\n";

static void run_queries(int repeat)
{
    const char *only = getenv("BENCH_ONLY");      /* one query, for profiling */
    for (size_t i = 0; i < sizeof QUERIES / sizeof QUERIES[0]; i++) {
        if (only && strcmp(only, QUERIES[i][0]) != 0) continue;
        char text[2048];
        snprintf(text, sizeof text, "%s%s", PREFIXES, QUERIES[i][1]);
        double best = 1e9, best_cpu = 1e9;
        long rows = 0;
        for (int r = 0; r < repeat; r++) {
            double t0 = now_s(), c0 = cpu_s();
            librdf_query *q = librdf_new_query(W, "sparql", NULL, (const unsigned char *)text, NULL);
            librdf_query_results *res = librdf_query_execute(q, M);
            rows = 0;
            while (res && !librdf_query_results_finished(res)) {
                rows++;
                librdf_query_results_next(res);
            }
            if (res) librdf_free_query_results(res);
            librdf_free_query(q);
            double t = now_s() - t0, c = cpu_s() - c0;
            if (t < best) best = t;
            if (c < best_cpu) best_cpu = c;
        }
        printf("query.%s\t%.6f\t%ld rows, cpu %.2f ms\n", QUERIES[i][0], best, rows, best_cpu * 1000);
        fflush(stdout);
    }
}

int main(int argc, char **argv)
{
    if (argc >= 4 && strcmp(argv[1], "gen") == 0) { gen(atol(argv[2]), argv[3]); return 0; }
    W = librdf_new_world();
    /* as the kouan program does (query/source.h); BENCH_INTERNING=1 keeps
       Raptor's default, for comparison */
    if (!getenv("BENCH_INTERNING")) kouan_query_world_prepare(W);
    librdf_world_open(W);
    if (kouan_query_source_install(W) != 0) {
        fprintf(stderr, "bench_store: Rasqal refused kouan's triples source\n");
        return 1;
    }
    if (argc >= 4 && strcmp(argv[1], "load") == 0) {
        const char *dir = strchr(argv[2], ':') + 1;
        double t0 = now_s();
        open_spec(argv[2], 1, 1);
        int txn = librdf_model_transaction_start(M) == 0;
        long n = add_file(argv[3], -1);
        if (txn) librdf_model_transaction_commit(M);
        close_spec();
        double t = now_s() - t0, c = cpu_s();
        printf("load\t%.3f\t%ld quads, %.0f quads/s%s, cpu %.2f s (%.0f quads/s)\n", t, n, n / t,
               txn ? ", one transaction" : "", c, n / c);
        size_t b = du_bytes(dir);
        printf("disk\t0\t%zu bytes, %.0f bytes/quad\n", b, (double)b / n);
        printf("load.memory\t0\t%s\n", mem());
    } else if (argc >= 4 && strcmp(argv[1], "insert") == 0) {
        insert_file(argv[2], argv[3]);
    } else if (argc >= 4 && strcmp(argv[1], "load-bulk") == 0) {
        char spec[4200];
        snprintf(spec, sizeof spec, "kouan:%s", argv[2]);
        double t0 = now_s();
        open_spec(spec, 1, 1);
        if (librdf_model_transaction_start(M)) { fprintf(stderr, "no transaction\n"); return 1; }
        long n = add_file_bulk(argv[3]);
        if (librdf_model_transaction_commit(M)) { fprintf(stderr, "commit failed\n"); return 1; }
        close_spec();
        double t = now_s() - t0, c = cpu_s();
        printf("load.bulk\t%.3f\t%ld quads, %.0f quads/s, one transaction, strings (no Redland "
               "nodes), cpu %.2f s (%.0f quads/s)\n", t, n, n / t, c, n / c);
        size_t b = du_bytes(argv[2]);
        printf("disk.bulk\t0\t%zu bytes, %.0f bytes/quad\n", b, (double)b / n);
    } else if (argc >= 3 && strcmp(argv[1], "query") == 0) {
        double t0 = now_s();
        open_spec(argv[2], 0, 0);
        printf("reopen\t%.4f\t\n", now_s() - t0);
        run_queries(argc > 3 ? atoi(argv[3]) : 3);
        printf("query.memory\t0\t%s\n", mem());
        close_spec();
    } else if (argc >= 5 && strcmp(argv[1], "replace") == 0) {
        int g = atoi(argv[4]), from = argc >= 6 ? atoi(argv[5]) : g;
        open_spec(argv[2], 1, 0);
        /* parse first (as kouan builds a document's triples before writing) */
        librdf_storage *mem = librdf_new_storage(W, "memory", NULL, "contexts='yes'");
        librdf_model *mm = librdf_new_model(W, mem, NULL);
        librdf_model *keep = M;
        M = mm;
        long n = add_file(argv[3], from);
        M = keep;
        char gu[96], fu[96];
        snprintf(gu, sizeof gu, NS "doc/d%d", g);
        snprintf(fu, sizeof fu, NS "doc/d%d", from);
        librdf_node *ctx = librdf_new_node_from_uri_string(W, (const unsigned char *)gu);
        librdf_node *fctx = librdf_new_node_from_uri_string(W, (const unsigned char *)fu);
        double t0 = now_s(), c0 = cpu_s();
        int txn = librdf_model_transaction_start(M) == 0;
        librdf_model_context_remove_statements(M, ctx);
        librdf_stream *st = librdf_model_context_as_stream(mm, fctx);
        for (; st && !librdf_stream_end(st); librdf_stream_next(st))
            librdf_model_context_add_statement(M, ctx, librdf_stream_get_object(st));
        if (st) librdf_free_stream(st);
        if (txn) librdf_model_transaction_commit(M);
        librdf_model_sync(M);
        if (from == g)
            printf("replace\t%.3f\t%ld quads in one graph%s, the same quads again, cpu %.2f s\n",
                   now_s() - t0, n, txn ? ", one transaction" : "", cpu_s() - c0);
        else
            printf("replace.other\t%.3f\t%ld quads in one graph%s, by graph %d's, cpu %.2f s\n",
                   now_s() - t0, n, txn ? ", one transaction" : "", from, cpu_s() - c0);
        librdf_free_node(ctx);
        librdf_free_node(fctx);
        librdf_free_model(mm);
        librdf_free_storage(mem);
        close_spec();
    } else {
        fprintf(stderr, "usage: see the comment at the top of bench_store.c\n");
        return 2;
    }
    librdf_free_world(W);
    return 0;
}
