/* test_lmdb.c — kouan's LMDB storage module through the librdf API alone:
 * every pattern shape with and without a context against a brute-force
 * answer, a triple in two graphs returned once, duplicates stored once,
 * contexts, transactions, reopening, MVCC snapshots, kill -9, and format 1
 * (hashed term ids): read as it is, upgraded in place when opened for
 * writing, the counter stepping over old ids and rolled back with its
 * transaction; group commit (what other processes see, the limits, a
 * refused graph, kill -9, a commit that does not fit) and the resident
 * limit on the map's pages; format 3's unindexed literal objects; the
 * backlog of a group's POSC and OSPC entries (reads complete while it
 * waits, the format tag, a replaced graph, a merge cut short with
 * KOUAN_LMDB_DRAIN_TXNS and resumed); term ids looked up off the writer's
 * thread (kouan_lmdb_lookup_ids) and triples written by id alone. */
#include "store/lmdb_storage.h"
#include <lmdb.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int failures;
#define CHECK(cond) do { if (!(cond)) { failures++; \
    fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); } } while (0)

static librdf_world *W;
static char DIR_[256];

#define EX "http://example.org/"

/* ---- a small data set: terms and quads (context -1 = default graph) ------- */

enum { S1, S2, BN, P1, P2, O1, LZH, LEN, LINT, LPLAIN, G1, G2, NT };
static librdf_node *T[NT];

static void make_terms(void)
{
    T[S1] = librdf_new_node_from_uri_string(W, (const unsigned char *)EX "s1");
    T[S2] = librdf_new_node_from_uri_string(W, (const unsigned char *)EX "s2");
    T[BN] = librdf_new_node_from_blank_identifier(W, (const unsigned char *)"b0");
    T[P1] = librdf_new_node_from_uri_string(W, (const unsigned char *)EX "p1");
    T[P2] = librdf_new_node_from_uri_string(W, (const unsigned char *)EX "p2");
    T[O1] = librdf_new_node_from_uri_string(W, (const unsigned char *)EX "o1");
    T[LZH] = librdf_new_node_from_typed_literal(W, (const unsigned char *)"樟木", "zh", NULL);
    T[LEN] = librdf_new_node_from_typed_literal(W, (const unsigned char *)"樟木", "en", NULL);
    librdf_uri *xint = librdf_new_uri(W, (const unsigned char *)"http://www.w3.org/2001/XMLSchema#integer");
    T[LINT] = librdf_new_node_from_typed_literal(W, (const unsigned char *)"21", NULL, xint);
    librdf_free_uri(xint);
    T[LPLAIN] = librdf_new_node_from_typed_literal(W, (const unsigned char *)"21", NULL, NULL);
    T[G1] = librdf_new_node_from_uri_string(W, (const unsigned char *)EX "g1");
    T[G2] = librdf_new_node_from_uri_string(W, (const unsigned char *)EX "g2");
}

static const int Q[][4] = {
    { S1, P1, O1, G1 }, { S1, P1, O1, G2 },        /* one triple in two graphs */
    { S1, P1, LZH, G1 }, { S1, P2, LEN, G1 }, { S1, P2, LINT, G2 },
    { S2, P1, O1, G2 }, { S2, P1, LPLAIN, G2 }, { S2, P2, S1, G1 },
    { BN, P1, O1, -1 }, { BN, P2, LZH, -1 }, { S1, P1, O1, -1 },  /* default graph */
    { S2, P2, BN, G1 }, { O1, P1, S2, G2 },
};
#define NQ (sizeof Q / sizeof Q[0])

static librdf_storage *open_storage(const char *write)
{
    char opts[400];
    snprintf(opts, sizeof opts, "dir='%s',write='%s'", DIR_, write);
    return librdf_new_storage(W, KOUAN_LMDB_STORAGE_NAME, NULL, opts);
}

static librdf_statement *stmt(int s, int p, int o)
{
    return librdf_new_statement_from_nodes(W,
        s >= 0 ? librdf_new_node_from_node(T[s]) : NULL,
        p >= 0 ? librdf_new_node_from_node(T[p]) : NULL,
        o >= 0 ? librdf_new_node_from_node(T[o]) : NULL);
}

static int term_of(librdf_node *n)
{
    for (int i = 0; i < NT; i++) if (n && librdf_node_equals(n, T[i])) return i;
    return -2;
}

static size_t count_stream(librdf_stream *st)
{
    size_t n = 0;
    for (; st && !librdf_stream_end(st); librdf_stream_next(st)) n++;
    if (st) librdf_free_stream(st);
    return n;
}

/* ---- every shape × {merged, each graph, default graph} vs brute force ---- */

static void check_shape(librdf_model *m, int s, int p, int o, int ctx_mode, int g)
{
    /* expected: distinct triples (merged) or the quads of graph g */
    int want[NQ], nwant = 0;
    for (size_t i = 0; i < NQ; i++) {
        if ((s >= 0 && Q[i][0] != s) || (p >= 0 && Q[i][1] != p) || (o >= 0 && Q[i][2] != o))
            continue;
        if (ctx_mode && Q[i][3] != g) continue;
        int dup = 0;
        for (int j = 0; j < nwant && !ctx_mode; j++)
            if (Q[want[j]][0] == Q[i][0] && Q[want[j]][1] == Q[i][1] && Q[want[j]][2] == Q[i][2])
                dup = 1;
        if (!dup) want[nwant++] = (int)i;
    }
    librdf_statement *pat = stmt(s, p, o);
    librdf_stream *st = ctx_mode ? librdf_model_find_statements_in_context(m, pat,
                                       g >= 0 ? T[g] : NULL)
                                 : librdf_model_find_statements(m, pat);
    int seen[NQ] = {0}, got = 0, bad = 0;
    for (; st && !librdf_stream_end(st); librdf_stream_next(st)) {
        librdf_statement *r = librdf_stream_get_object(st);
        int a = term_of(librdf_statement_get_subject(r)), b = term_of(librdf_statement_get_predicate(r)),
            c = term_of(librdf_statement_get_object(r));
        librdf_node *rc = librdf_stream_get_context2(st);
        int found = -1;
        for (int j = 0; j < nwant; j++)
            if (Q[want[j]][0] == a && Q[want[j]][1] == b && Q[want[j]][2] == c) found = j;
        if (found < 0 || seen[found]++) bad++;
        if (ctx_mode && g >= 0 && (!rc || !librdf_node_equals(rc, T[g]))) bad++;
        got++;
    }
    if (st) librdf_free_stream(st);
    librdf_free_statement(pat);
    if (got != nwant || bad)
        fprintf(stderr, "shape s=%d p=%d o=%d ctx=%d g=%d: got %d (bad %d), want %d\n",
                s, p, o, ctx_mode, g, got, bad, nwant);
    CHECK(got == nwant && bad == 0);
}

static void test_shapes(librdf_model *m)
{
    /* bind parts from every stored quad, and from absent combinations */
    for (size_t i = 0; i < NQ; i++)
        for (int mask = 0; mask < 8; mask++) {
            int s = mask & 1 ? Q[i][0] : -1, p = mask & 2 ? Q[i][1] : -1,
                o = mask & 4 ? Q[i][2] : -1;
            check_shape(m, s, p, o, 0, 0);
            check_shape(m, s, p, o, 1, G1);
            check_shape(m, s, p, o, 1, G2);
        }
    check_shape(m, S2, P2, LZH, 0, 0);            /* terms stored, triple not */
    check_shape(m, LZH, -1, -1, 0, 0);            /* a literal as subject */
    check_shape(m, -1, -1, LEN, 1, G2);
    /* a term the store has never seen: nothing, not an error */
    librdf_node *x = librdf_new_node_from_uri_string(W, (const unsigned char *)EX "nowhere");
    librdf_statement *pat = librdf_new_statement_from_nodes(W, x, NULL, NULL);
    librdf_stream *st = librdf_model_find_statements(m, pat);
    CHECK(st != NULL && count_stream(st) == 0);
    librdf_free_statement(pat);
}

/* ---- the merged view, sizes, contexts ------------------------------------- */

static void test_basics(librdf_model *m)
{
    CHECK(librdf_model_size(m) == (int)NQ);
    /* s1 p1 o1 is in g1, g2 and the default graph: once in the merged view,
       three times in as_stream */
    librdf_statement *t = stmt(S1, P1, O1);
    CHECK(count_stream(librdf_model_find_statements(m, t)) == 1);
    CHECK(librdf_model_contains_statement(m, t));
    librdf_free_statement(t);
    CHECK(count_stream(librdf_model_as_stream(m)) == NQ);
    /* every quad of as_stream carries its graph */
    librdf_stream *st = librdf_model_as_stream(m);
    size_t in_g = 0;
    for (; !librdf_stream_end(st); librdf_stream_next(st)) if (librdf_stream_get_context2(st)) in_g++;
    librdf_free_stream(st);
    CHECK(in_g == NQ - 3);
    /* contexts: g1 and g2, not the default graph */
    librdf_iterator *it = librdf_model_get_contexts(m);
    int g1 = 0, g2 = 0, other = 0;
    for (; it && !librdf_iterator_end(it); librdf_iterator_next(it)) {
        int k = term_of(librdf_iterator_get_object(it));
        if (k == G1) g1++; else if (k == G2) g2++; else other++;
    }
    if (it) librdf_free_iterator(it);
    CHECK(g1 == 1 && g2 == 1 && other == 0);
    CHECK(count_stream(librdf_model_context_as_stream(m, T[G1])) == 5);
    /* nodes through the indexes */
    librdf_iterator *src = librdf_model_get_sources(m, T[P1], T[O1]);
    int n = 0;
    for (; src && !librdf_iterator_end(src); librdf_iterator_next(src)) n++;
    if (src) librdf_free_iterator(src);
    CHECK(n == 3);                               /* s1, s2, _:b0 — each once */
    librdf_node *tgt = librdf_model_get_target(m, T[S2], T[P2]);
    CHECK(tgt && (term_of(tgt) == S1 || term_of(tgt) == BN));
    if (tgt) librdf_free_node(tgt);
    librdf_iterator *arcs = librdf_model_get_arcs(m, T[S1], T[O1]);
    n = 0;
    for (; arcs && !librdf_iterator_end(arcs); librdf_iterator_next(arcs)) n++;
    if (arcs) librdf_free_iterator(arcs);
    CHECK(n == 1);
    CHECK(librdf_model_has_arc_out(m, T[S1], T[P2]));
    CHECK(!librdf_model_has_arc_out(m, T[O1], T[P2]));
    CHECK(librdf_model_has_arc_in(m, T[LINT], T[P2]));
    CHECK(!librdf_model_has_arc_in(m, T[LINT], T[P1]));
    /* literals keep language and datatype: "21" typed and plain differ */
    librdf_statement *typed = stmt(S1, P2, LINT), *plain = stmt(S1, P2, LPLAIN);
    CHECK(librdf_model_contains_statement(m, typed) && !librdf_model_contains_statement(m, plain));
    librdf_free_statement(typed);
    librdf_free_statement(plain);
}

static void load(librdf_model *m)
{
    for (size_t i = 0; i < NQ; i++) {
        librdf_statement *s = stmt(Q[i][0], Q[i][1], Q[i][2]);
        CHECK(librdf_model_context_add_statement(m, Q[i][3] >= 0 ? T[Q[i][3]] : NULL, s) == 0);
        librdf_free_statement(s);
    }
}

static void test_duplicates_and_removal(librdf_model *m)
{
    /* adding what is there changes nothing */
    load(m);
    CHECK(librdf_model_size(m) == (int)NQ);
    /* remove one quad: the triple stays visible through its other graphs */
    librdf_statement *t = stmt(S1, P1, O1);
    CHECK(librdf_model_context_remove_statement(m, T[G1], t) == 0);
    CHECK(librdf_model_size(m) == (int)NQ - 1);
    CHECK(librdf_model_contains_statement(m, t));
    CHECK(librdf_model_context_add_statement(m, T[G1], t) == 0);
    librdf_free_statement(t);
    /* remove a whole graph through the context index */
    CHECK(librdf_model_context_remove_statements(m, T[G2]) == 0);
    CHECK(librdf_model_size(m) == (int)NQ - 5);
    CHECK(count_stream(librdf_model_context_as_stream(m, T[G2])) == 0);
    librdf_statement *gone = stmt(S2, P1, LPLAIN);
    CHECK(!librdf_model_contains_statement(m, gone));
    librdf_free_statement(gone);
    CHECK(librdf_model_sync(m) == 0);
    load(m);
    CHECK(librdf_model_size(m) == (int)NQ);
}

static void test_transactions(librdf_model *m)
{
    librdf_node *g3 = librdf_new_node_from_uri_string(W, (const unsigned char *)EX "g3");
    librdf_statement *t = stmt(S2, P2, LEN);
    CHECK(librdf_model_transaction_start(m) == 0);
    CHECK(librdf_model_context_add_statement(m, g3, t) == 0);
    CHECK(librdf_model_size(m) == (int)NQ + 1);       /* the transaction sees itself */
    CHECK(librdf_model_transaction_rollback(m) == 0);
    CHECK(librdf_model_size(m) == (int)NQ);
    CHECK(!librdf_model_contains_statement(m, t));
    CHECK(librdf_model_transaction_start(m) == 0);
    CHECK(librdf_model_transaction_start(m) != 0);   /* no nesting */
    CHECK(librdf_model_context_add_statement(m, g3, t) == 0);
    CHECK(librdf_model_transaction_commit(m) == 0);
    CHECK(librdf_model_size(m) == (int)NQ + 1 && librdf_model_contains_statement(m, t));
    CHECK(librdf_model_context_remove_statements(m, g3) == 0 && librdf_model_sync(m) == 0);
    CHECK(librdf_model_size(m) == (int)NQ);
    librdf_free_statement(t);
    librdf_free_node(g3);
}

/* ---- repeated lookups: answers kept per snapshot, never past it ----------- */

static int count_targets(librdf_model *m, librdf_node *s, librdf_node *p)
{
    librdf_iterator *it = librdf_model_get_targets(m, s, p);
    int n = 0;
    for (; it && !librdf_iterator_end(it); librdf_iterator_next(it))
        n += librdf_iterator_get_object(it) != NULL;
    if (it) librdf_free_iterator(it);
    return n;
}

static void test_repeated_lookups(librdf_model *m)
{
    /* s2 p2: s1 and _:b0.  Asked twice in one snapshot (an open stream
       holds it), then after a commit, inside a transaction and after a
       rollback: each time what that snapshot or transaction holds */
    librdf_stream *hold = librdf_model_as_stream(m);
    CHECK(count_targets(m, T[S2], T[P2]) == 2);
    CHECK(count_targets(m, T[S2], T[P2]) == 2);
    librdf_free_stream(hold);
    librdf_statement *t = stmt(S2, P2, O1);
    CHECK(librdf_model_context_add_statement(m, T[G2], t) == 0 && librdf_model_sync(m) == 0);
    CHECK(count_targets(m, T[S2], T[P2]) == 3);
    CHECK(librdf_model_transaction_start(m) == 0);
    CHECK(librdf_model_context_remove_statement(m, T[G2], t) == 0);
    CHECK(count_targets(m, T[S2], T[P2]) == 2);
    CHECK(librdf_model_transaction_rollback(m) == 0);
    CHECK(count_targets(m, T[S2], T[P2]) == 3);
    CHECK(librdf_model_context_remove_statement(m, T[G2], t) == 0 && librdf_model_sync(m) == 0);
    CHECK(count_targets(m, T[S2], T[P2]) == 2);
    librdf_free_statement(t);
    /* the value's graph comes with it, from a kept answer too */
    for (int round = 0; round < 2; round++) {
        librdf_iterator *it = librdf_model_get_targets(m, T[S1], T[P2]);
        int ok = 0;
        for (; it && !librdf_iterator_end(it); librdf_iterator_next(it)) {
            int v = term_of(librdf_iterator_get_object(it));
            librdf_node *g = librdf_iterator_get_context(it);
            ok += (v == LEN && g && term_of(g) == G1) || (v == LINT && g && term_of(g) == G2);
        }
        if (it) librdf_free_iterator(it);
        CHECK(ok == 2);
    }
}

/* ---- bulk transactions: the sorted, appending write of a commit ----------- */

static librdf_statement *bulk_stmt(int i)
{
    char s[64], o[64];
    snprintf(s, sizeof s, EX "bulk/%d", i);
    snprintf(o, sizeof o, "值 %d", i % 37);        /* shared objects */
    return librdf_new_statement_from_nodes(W,
        librdf_new_node_from_uri_string(W, (const unsigned char *)s),
        librdf_new_node_from_node(T[i % 3 ? P1 : P2]),
        librdf_new_node_from_typed_literal(W, (const unsigned char *)o, "zh", NULL));
}

static int bulk_add(librdf_model *m, int from, int to, librdf_node *g)
{
    int rc = 0;
    for (int i = from; i < to && !rc; i++) {
        librdf_statement *st = bulk_stmt(i);
        rc = librdf_model_context_add_statement(m, g, st);
        librdf_free_statement(st);
    }
    return rc;
}

static int bulk_present(librdf_model *m, int from, int to)
{
    int n = 0;
    for (int i = from; i < to; i++) {
        librdf_statement *st = bulk_stmt(i);
        n += librdf_model_contains_statement(m, st) != 0;   /* -1: there */
        librdf_free_statement(st);
    }
    return n;
}

static void test_bulk(void)
{
    /* a store of its own: an empty store takes the first commit by appends
       only; the second commit's quads fall before, between and after the
       stored ones (ids are hashes), some already stored, some twice */
    char dir[256];
    snprintf(dir, sizeof dir, "/tmp/kouan-lmdb-bulk-XXXXXX");
    CHECK(mkdtemp(dir) != NULL);
    char opts[400];
    snprintf(opts, sizeof opts, "dir='%s',write='yes'", dir);
    librdf_storage *s = librdf_new_storage(W, KOUAN_LMDB_STORAGE_NAME, NULL, opts);
    librdf_model *m = s ? librdf_new_model(W, s, NULL) : NULL;
    CHECK(m != NULL);
    if (!m) return;
    CHECK(librdf_model_transaction_start(m) == 0);
    CHECK(bulk_add(m, 0, 2000, T[G1]) == 0);
    CHECK(bulk_add(m, 1000, 1500, T[G1]) == 0);       /* twice in one commit */
    CHECK(librdf_model_transaction_commit(m) == 0);
    CHECK(librdf_model_size(m) == 2000);
    CHECK(bulk_present(m, 0, 2000) == 2000);
    CHECK(librdf_model_transaction_start(m) == 0);
    CHECK(bulk_add(m, 1500, 3000, T[G1]) == 0);       /* 500 stored, 1000 new */
    CHECK(bulk_add(m, 0, 100, T[G2]) == 0);           /* stored triples, new graph */
    CHECK(librdf_model_transaction_commit(m) == 0);
    CHECK(librdf_model_size(m) == 3100);
    CHECK(bulk_present(m, 0, 3000) == 3000);
    CHECK(count_stream(librdf_model_context_as_stream(m, T[G1])) == 3000);
    CHECK(count_stream(librdf_model_context_as_stream(m, T[G2])) == 100);
    librdf_statement *pat = librdf_new_statement_from_nodes(W, NULL,
        librdf_new_node_from_node(T[P1]), NULL);
    CHECK(count_stream(librdf_model_find_statements(m, pat)) == 2000);  /* i % 3 != 0 */
    librdf_free_statement(pat);
    pat = librdf_new_statement_from_nodes(W, NULL, NULL,                 /* through OSPC */
        librdf_new_node_from_typed_literal(W, (const unsigned char *)"值 0", "zh", NULL));
    CHECK(count_stream(librdf_model_find_statements(m, pat)) == 82);    /* i % 37 == 0 */
    librdf_free_statement(pat);
    /* a rolled-back bulk leaves nothing, and its terms are not found */
    CHECK(librdf_model_transaction_start(m) == 0);
    CHECK(bulk_add(m, 3000, 3500, T[G2]) == 0);
    CHECK(librdf_model_transaction_rollback(m) == 0);
    CHECK(librdf_model_size(m) == 3100);
    CHECK(bulk_present(m, 3000, 3500) == 0);
    librdf_node *gone = librdf_new_node_from_uri_string(W, (const unsigned char *)EX "bulk/3003");
    librdf_statement *gp = librdf_new_statement_from_nodes(W, gone, NULL, NULL);
    CHECK(count_stream(librdf_model_find_statements(m, gp)) == 0);
    librdf_free_statement(gp);
    librdf_free_model(m);
    librdf_free_storage(s);
    /* reopened: the same */
    s = librdf_new_storage(W, KOUAN_LMDB_STORAGE_NAME, NULL, opts);
    m = s ? librdf_new_model(W, s, NULL) : NULL;
    CHECK(m && librdf_model_size(m) == 3100 && bulk_present(m, 0, 3000) == 3000);
    if (m) librdf_free_model(m);
    if (s) librdf_free_storage(s);
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    CHECK(system(cmd) == 0);
}

/* ---- another process: snapshots and kill -9 ------------------------------- */

/* ---- replacing a graph: a removal merged with the adds after it -------- */

/* The quads of graph g as "s p o" of term indexes, sorted, in out. */
static size_t graph_terms(librdf_model *m, librdf_node *g, int out[][3], size_t max)
{
    librdf_stream *st = librdf_model_context_as_stream(m, g);
    size_t n = 0;
    for (; st && !librdf_stream_end(st); librdf_stream_next(st)) {
        librdf_statement *x = librdf_stream_get_object(st);
        if (n < max) {
            out[n][0] = term_of(librdf_statement_get_subject(x));
            out[n][1] = term_of(librdf_statement_get_predicate(x));
            out[n][2] = term_of(librdf_statement_get_object(x));
        }
        n++;
    }
    if (st) librdf_free_stream(st);
    return n;
}

/* Whether graph g holds exactly the n distinct triples want (term indexes). */
static int graph_is(librdf_model *m, librdf_node *g, const int want[][3], size_t n)
{
    int got[64][3];
    size_t k = graph_terms(m, g, got, 64);
    if (k != n) return 0;
    for (size_t i = 0; i < n; i++) {
        int found = 0;
        for (size_t j = 0; j < k && !found; j++)
            found = !memcmp(got[j], want[i], sizeof got[j]);
        if (!found) return 0;
    }
    return 1;
}

static void add3(librdf_model *m, librdf_node *g, const int t[3])
{
    librdf_statement *x = stmt(t[0], t[1], t[2]);
    CHECK(librdf_model_context_add_statement(m, g, x) == 0);
    librdf_free_statement(x);
}

static void test_replace_merge(librdf_model *m)
{
    librdf_node *g = librdf_new_node_from_uri_string(W, (const unsigned char *)EX "g5");
    static const int A[][3] = { { S1, P1, O1 }, { S1, P2, LZH }, { S2, P1, LINT },
                                { S2, P2, LPLAIN }, { BN, P1, S2 }, { O1, P2, LEN } };
    static const int B[][3] = { { S1, P2, LZH }, { S2, P1, LINT }, { S2, P2, LEN },
                                { O1, P1, BN } };
    int base = librdf_model_size(m);
    CHECK(librdf_model_transaction_start(m) == 0);
    for (int i = 0; i < 6; i++) add3(m, g, A[i]);
    CHECK(librdf_model_transaction_commit(m) == 0);
    CHECK(graph_is(m, g, A, 6) && librdf_model_size(m) == base + 6);
    /* remove, then B: two kept, four gone, two new (one stated twice) */
    CHECK(librdf_model_transaction_start(m) == 0);
    CHECK(librdf_model_context_remove_statements(m, g) == 0);
    for (int i = 0; i < 4; i++) add3(m, g, B[i]);
    add3(m, g, B[3]);
    CHECK(librdf_model_size(m) == base + 4);          /* seen inside */
    CHECK(graph_is(m, g, B, 4));
    librdf_statement *gone = stmt(BN, P1, S2);
    CHECK(!librdf_model_contains_statement(m, gone));
    CHECK(librdf_model_transaction_commit(m) == 0);
    CHECK(graph_is(m, g, B, 4) && librdf_model_size(m) == base + 4);
    CHECK(!librdf_model_contains_statement(m, gone));
    librdf_free_statement(gone);
    /* the other graphs keep their copies of the triples g lost (s1 p1 o1) */
    librdf_statement *kept = stmt(S1, P1, O1);
    CHECK(librdf_model_contains_statement(m, kept));
    librdf_free_statement(kept);
    /* a rolled-back replacement leaves B */
    CHECK(librdf_model_transaction_start(m) == 0);
    CHECK(librdf_model_context_remove_statements(m, g) == 0);
    add3(m, g, A[0]);
    CHECK(graph_is(m, g, A, 1));
    CHECK(librdf_model_transaction_rollback(m) == 0);
    CHECK(graph_is(m, g, B, 4) && librdf_model_size(m) == base + 4);
    /* adds before the removal go with it; two removals in a row */
    CHECK(librdf_model_transaction_start(m) == 0);
    add3(m, g, A[4]);
    CHECK(librdf_model_context_remove_statements(m, g) == 0);
    CHECK(librdf_model_context_remove_statements(m, g) == 0);
    add3(m, g, A[5]);
    add3(m, g, B[0]);
    CHECK(librdf_model_transaction_commit(m) == 0);
    static const int C[][3] = { { O1, P2, LEN }, { S1, P2, LZH } };
    CHECK(graph_is(m, g, C, 2) && librdf_model_size(m) == base + 2);
    /* outside a transaction the removal is at once */
    CHECK(librdf_model_context_remove_statements(m, g) == 0);
    CHECK(librdf_model_size(m) == base && librdf_model_sync(m) == 0);
    CHECK(graph_terms(m, g, NULL, 0) == 0);
    librdf_free_node(g);
}

/* kouan_lmdb_replace_graph: the bulk entry store.c uses, on strings */
static void test_replace_bulk(librdf_model *m, librdf_storage *s)
{
    static const char XINT[] = "http://www.w3.org/2001/XMLSchema#integer";
    const kouan_lmdb_triple A[] = {
        { EX "s1", EX "p1", EX "o1", 0, NULL, NULL },
        { EX "s1", EX "p1", "樟木", 1, "zh", NULL },
        { EX "s2", EX "p2", "21", 1, NULL, XINT },
        { EX "s2", EX "p2", "21", 1, "", NULL },   /* "" is no language */
        { EX "s1", EX "p1", EX "o1", 0, NULL, NULL },   /* twice: once */
    };
    static const int WA[][3] = { { S1, P1, O1 }, { S1, P1, LZH }, { S2, P2, LINT },
                                 { S2, P2, LPLAIN } };
    librdf_node *g = librdf_new_node_from_uri_string(W, (const unsigned char *)EX "g6");
    int base = librdf_model_size(m);
    kouan_lmdb_stats before, after;
    CHECK(kouan_lmdb_stats_get(s, &before) == 0);
    size_t bad = 99;
    CHECK(kouan_lmdb_replace_graph(s, EX "g6", A, 5, &bad) == 0);
    /* the terms written from strings are the ones Redland's nodes name:
       found by librdf patterns, and no term twice in the dictionary */
    CHECK(graph_is(m, g, WA, 4) && librdf_model_size(m) == base + 4);
    CHECK(kouan_lmdb_stats_get(s, &after) == 0 && after.terms == before.terms + 1);
    librdf_statement *x = stmt(S2, P2, LINT);
    CHECK(librdf_model_contains_statement(m, x));
    librdf_free_statement(x);
    /* again with a changed set: exactly the new set */
    const kouan_lmdb_triple B[] = {
        { EX "s2", EX "p2", "21", 1, NULL, XINT },
        { EX "o1", EX "p1", EX "s2", 0, NULL, NULL },
        { EX "s1", EX "p1", "樟木", 1, "en", NULL },
    };
    static const int WB[][3] = { { S2, P2, LINT }, { O1, P1, S2 }, { S1, P1, LEN } };
    CHECK(kouan_lmdb_replace_graph(s, EX "g6", B, 3, &bad) == 0);
    CHECK(graph_is(m, g, WB, 3) && librdf_model_size(m) == base + 3);
    /* a triple that cannot be stored: refused, the store as it was */
    char lang[300];
    memset(lang, 'a', sizeof lang - 1);
    lang[sizeof lang - 1] = '\0';
    const kouan_lmdb_triple C[] = {
        { EX "s1", EX "p1", EX "o1", 0, NULL, NULL },
        { EX "s9", EX "p9", EX "o9", 0, NULL, NULL },
        { EX "s1", EX "p1", "x", 1, lang, NULL },
    };
    CHECK(kouan_lmdb_replace_graph(s, EX "g6", C, 3, &bad) != 0 && bad == 2);
    CHECK(graph_is(m, g, WB, 3) && librdf_model_size(m) == base + 3);
    librdf_node *s9 = librdf_new_node_from_uri_string(W, (const unsigned char *)EX "s9");
    librdf_statement *p9 = librdf_new_statement_from_nodes(W, s9, NULL, NULL);
    CHECK(count_stream(librdf_model_find_statements(m, p9)) == 0);
    librdf_free_statement(p9);
    /* not inside an open transaction */
    CHECK(librdf_model_transaction_start(m) == 0);
    CHECK(kouan_lmdb_replace_graph(s, EX "g6", A, 5, &bad) != 0);
    CHECK(librdf_model_transaction_rollback(m) == 0);
    /* no triples: the graph is gone */
    CHECK(kouan_lmdb_replace_graph(s, EX "g6", NULL, 0, &bad) == 0);
    CHECK(graph_terms(m, g, NULL, 0) == 0 && librdf_model_size(m) == base);
    CHECK(kouan_lmdb_replace_graph(s, EX "never-there", NULL, 0, &bad) == 0);
    CHECK(librdf_model_size(m) == base);
    /* kouan_lmdb_add_triples: only in an open transaction; a bad triple
       adds nothing of its call and leaves the transaction open */
    CHECK(kouan_lmdb_add_triples(s, EX "g6", A, 5, &bad) != 0);
    CHECK(librdf_model_transaction_start(m) == 0);
    CHECK(kouan_lmdb_add_triples(s, EX "g6", A, 5, &bad) == 0);
    CHECK(kouan_lmdb_add_triples(s, EX "g6", C, 3, &bad) != 0 && bad == 2);
    CHECK(kouan_lmdb_add_triples(s, EX "g6", B, 3, &bad) == 0);
    CHECK(librdf_model_size(m) == base + 6);        /* A's 4 and B's 2 new */
    CHECK(librdf_model_transaction_commit(m) == 0);
    CHECK(librdf_model_size(m) == base + 6);
    CHECK(kouan_lmdb_replace_graph(s, EX "g6", NULL, 0, &bad) == 0);
    CHECK(librdf_model_size(m) == base);
    librdf_free_node(g);
}

static librdf_node *graph_n(int i)
{
    char u[64];
    snprintf(u, sizeof u, EX "doc/%d", i);
    return librdf_new_node_from_uri_string(W, (const unsigned char *)u);
}

/* Writes document i: n quads in graph doc/i, in one transaction. */
static int write_doc(librdf_model *m, int i, int n)
{
    librdf_node *g = graph_n(i);
    int rc = librdf_model_transaction_start(m);
    for (int j = 0; j < n && !rc; j++) {
        char s[64], o[64];
        snprintf(s, sizeof s, EX "e/%d/%d", i, j);
        snprintf(o, sizeof o, "value %d of %d", j, i);
        librdf_statement *st = librdf_new_statement_from_nodes(W,
            librdf_new_node_from_uri_string(W, (const unsigned char *)s),
            librdf_new_node_from_node(T[P1]),
            librdf_new_node_from_typed_literal(W, (const unsigned char *)o, "zh", NULL));
        rc = librdf_model_context_add_statement(m, g, st);
        librdf_free_statement(st);
    }
    if (!rc) rc = librdf_model_transaction_commit(m);
    librdf_free_node(g);
    return rc;
}

static void test_snapshot(librdf_model *m)
{
    /* a reader's open stream keeps its snapshot while another process commits */
    librdf_stream *st = librdf_model_as_stream(m);
    int pfd[2];
    CHECK(pipe(pfd) == 0);
    pid_t pid = fork();
    if (pid == 0) {
        librdf_storage *s2 = open_storage("yes");
        librdf_model *m2 = s2 ? librdf_new_model(W, s2, NULL) : NULL;
        int rc = m2 ? write_doc(m2, 900, 100) : 1;
        if (m2) librdf_free_model(m2);
        if (s2) librdf_free_storage(s2);
        _exit(rc);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    CHECK(count_stream(st) == NQ);                 /* the old snapshot */
    CHECK(librdf_model_size(m) == (int)NQ + 100);  /* a new one */
    librdf_node *g = graph_n(900);
    CHECK(librdf_model_context_remove_statements(m, g) == 0 && librdf_model_sync(m) == 0);
    librdf_free_node(g);
    close(pfd[0]);
    close(pfd[1]);
}

static void test_crash(void)
{
    /* a child writes documents of 3000 quads, one transaction each, until
       it is killed at some moment; every document must be all or nothing */
    for (int round = 0; round < 6; round++) {
        pid_t pid = fork();
        if (pid == 0) {
            librdf_storage *s = open_storage("yes");
            librdf_model *m = s ? librdf_new_model(W, s, NULL) : NULL;
            for (int i = 0; m; i++) write_doc(m, round * 1000 + i, 3000);
            _exit(1);
        }
        struct timespec ts = { 0, (long)(40 + 37 * round) * 1000000L };
        nanosleep(&ts, NULL);
        kill(pid, SIGKILL);
        int status;
        waitpid(pid, &status, 0);
        CHECK(WIFSIGNALED(status));
        librdf_storage *s = open_storage("yes");
        librdf_model *m = s ? librdf_new_model(W, s, NULL) : NULL;
        CHECK(m != NULL);
        if (!m) { if (s) librdf_free_storage(s); return; }
        int docs = 0, partial = 0;
        librdf_iterator *it = librdf_model_get_contexts(m);
        for (; it && !librdf_iterator_end(it); librdf_iterator_next(it)) {
            librdf_node *g = librdf_iterator_get_object(it);
            const char *u = (const char *)librdf_uri_as_string(librdf_node_get_uri(g));
            if (!strstr(u, "/doc/") || strstr(u, "/doc/99999")) continue;
            size_t n = count_stream(librdf_model_context_as_stream(m, g));
            docs++;
            if (n != 3000) partial++;
        }
        if (it) librdf_free_iterator(it);
        CHECK(partial == 0);
        /* and the store still takes writes */
        CHECK(write_doc(m, 99999, 10) == 0);
        librdf_node *g = graph_n(99999);
        CHECK(count_stream(librdf_model_context_as_stream(m, g)) == 10);
        librdf_free_node(g);
        if (round == 5) fprintf(stderr, "crash test: %d whole documents survived, none partial\n", docs);
        librdf_free_model(m);
        librdf_free_storage(s);
    }
}

/* kill -9 while kouan_lmdb_replace_graph swaps a graph between two versions
 * that share half their quads (so each replacement keeps 1500 quads,
 * removes 1500 and adds 1500): the graph is always one version whole. */
static void replace_version(librdf_storage *s, int v)
{
    static char str[3000][48];
    kouan_lmdb_triple t[3000];
    for (int j = 0; j < 3000; j++) {
        int shared = j < 1500;
        snprintf(str[j], sizeof str[j], "%s %d", shared ? "S" : v ? "B" : "A", j);
        t[j] = (kouan_lmdb_triple){ EX "r/e", EX "p1", str[j], 1, NULL, NULL };
    }
    size_t bad;
    if (kouan_lmdb_replace_graph(s, EX "doc/777", t, 3000, &bad) != 0) _exit(2);
}

static void test_crash_replace(void)
{
    int seen[3] = { 0, 0, 0 };                  /* none yet, A, B */
    for (int round = 0; round < 6; round++) {
        pid_t pid = fork();
        if (pid == 0) {
            librdf_storage *s = open_storage("yes");
            for (int i = 0; s; i++) replace_version(s, i & 1);
            _exit(1);
        }
        struct timespec ts = { 0, (long)(150 + 61 * round) * 1000000L };
        nanosleep(&ts, NULL);
        kill(pid, SIGKILL);
        int status;
        waitpid(pid, &status, 0);
        CHECK(WIFSIGNALED(status));
        librdf_storage *s = open_storage("yes");
        librdf_model *m = s ? librdf_new_model(W, s, NULL) : NULL;
        CHECK(m != NULL);
        if (!m) { if (s) librdf_free_storage(s); return; }
        librdf_node *g = librdf_new_node_from_uri_string(W, (const unsigned char *)EX "doc/777");
        librdf_stream *st = librdf_model_context_as_stream(m, g);
        int n = 0, a = 0, b = 0, sh = 0;
        for (; st && !librdf_stream_end(st); librdf_stream_next(st), n++) {
            const char *o = (const char *)librdf_node_get_literal_value(
                librdf_statement_get_object(librdf_stream_get_object(st)));
            a += o && o[0] == 'A';
            b += o && o[0] == 'B';
            sh += o && o[0] == 'S';
        }
        if (st) librdf_free_stream(st);
        /* the first replacement may not have committed yet: then nothing */
        CHECK(n == 0 || (n == 3000 && sh == 1500 && ((a == 1500 && b == 0) || (a == 0 && b == 1500))));
        if (n && !(n == 3000 && sh == 1500 && (a == 0 || b == 0)))
            fprintf(stderr, "round %d: %d quads, A %d B %d shared %d\n", round, n, a, b, sh);
        seen[n == 0 ? 0 : a ? 1 : 2]++;
        if (round == 5)
            fprintf(stderr, "crash test (replace): after 6 kills the graph was whole: "
                    "%d times A, %d times B, %d times not yet written\n", seen[1], seen[2], seen[0]);
        librdf_free_node(g);
        librdf_free_model(m);
        librdf_free_storage(s);
    }
}

/* ---- format 1 (hashed ids): a writer of its layout, the upgrade to 2 ---- */

/* lmdb_storage.c's format-1 id: a 64-bit hash of the term bytes (the same
 * function), the first free id from it taken on a collision */
static uint64_t v1_mix(uint64_t x)
{
    x ^= x >> 30; x *= 0xbf58476d1ce4e5b9ULL;
    x ^= x >> 27; x *= 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

static uint64_t v1_hash(const unsigned char *p, size_t n)
{
    uint64_t h = 0x9E3779B97F4A7C15ULL ^ (n * 0xff51afd7ed558ccdULL);
    while (n >= 8) {
        uint64_t w;
        memcpy(&w, p, 8);
        h = v1_mix(h ^ w);
        p += 8; n -= 8;
    }
    uint64_t w = 0;
    memcpy(&w, p, n);
    h = v1_mix(h ^ w ^ ((uint64_t)n << 56));
    return h ? h : 1;
}

static void be64(unsigned char *b, uint64_t v)
{
    for (int i = 7; i >= 0; i--) { b[i] = (unsigned char)v; v >>= 8; }
}

/* The stored bytes of a term (both formats): 'U' IRI | 'B' blank id | 'L'
 * u8 langlen, lang, u16 dtlen, datatype IRI, value. */
static size_t term_stored(librdf_node *n, unsigned char *out)
{
    size_t len = 0;
    const unsigned char *v;
    if (librdf_node_is_resource(n)) {
        v = librdf_uri_as_counted_string(librdf_node_get_uri(n), &len);
        out[0] = 'U';
        memcpy(out + 1, v, len);
        return len + 1;
    }
    if (librdf_node_is_blank(n)) {
        v = librdf_node_get_counted_blank_identifier(n, &len);
        out[0] = 'B';
        memcpy(out + 1, v, len);
        return len + 1;
    }
    v = librdf_node_get_literal_value_as_counted_string(n, &len);
    const char *lang = librdf_node_get_literal_value_language(n);
    size_t ll = lang ? strlen(lang) : 0, dl = 0;
    librdf_uri *du = librdf_node_get_literal_value_datatype_uri(n);
    const unsigned char *dt = du ? librdf_uri_as_counted_string(du, &dl) : NULL;
    unsigned char *o = out;
    *o++ = 'L';
    *o++ = (unsigned char)ll;
    if (ll) memcpy(o, lang, ll);
    o += ll;
    *o++ = (unsigned char)(dl >> 8);
    *o++ = (unsigned char)dl;
    if (dl) memcpy(o, dt, dl);
    o += dl;
    if (len) memcpy(o, v, len);
    return (size_t)(o - out) + len;
}

/* Writes the data set Q as a format-1 store (kouan-lmdb 1: terms at hash
 * ids, no `ids` database) into dir: each term T[i] at force[i] when
 * non-zero (ids of terms probed past collisions lie anywhere), else at its
 * hash; plus, when filler, one more term at id filler.  ids[] gets each
 * term's id.  Returns 0. */
static int v1_write(const char *dir, const uint64_t *force, uint64_t filler, uint64_t ids[NT])
{
    MDB_env *env;
    MDB_txn *txn;
    MDB_dbi terms, meta, idx[4];
    int rc = mdb_env_create(&env);
    if (!rc) rc = mdb_env_set_maxdbs(env, 8);
    if (!rc) rc = mdb_env_set_mapsize(env, (size_t)1 << 26);
    if (!rc) rc = mdb_env_open(env, dir, 0, 0666);
    if (!rc) rc = mdb_txn_begin(env, NULL, 0, &txn);
    if (rc) return rc;
    static const char *const name[4] = { "spoc", "posc", "ospc", "cspo" };
    static const int perm[4][4] = { {0,1,2,3}, {1,2,0,3}, {2,0,1,3}, {3,0,1,2} };
    rc = mdb_dbi_open(txn, "terms", MDB_CREATE, &terms);
    if (!rc) rc = mdb_dbi_open(txn, "meta", MDB_CREATE, &meta);
    for (int i = 0; i < 4 && !rc; i++)
        rc = mdb_dbi_open(txn, name[i], MDB_CREATE | MDB_DUPSORT | MDB_DUPFIXED, &idx[i]);
    MDB_val key = { 6, "format" }, val = { 12, "kouan-lmdb 1" };
    if (!rc) rc = mdb_put(txn, meta, &key, &val, 0);
    for (int i = 0; i < NT && !rc; i++) {
        unsigned char b[512], k[8];
        size_t n = term_stored(T[i], b);
        uint64_t id = force && force[i] ? force[i] : v1_hash(b, n);
        for (;; id++) {             /* a collision (none here): the next id */
            be64(k, id);
            key = (MDB_val){ 8, k };
            val = (MDB_val){ n, b };
            rc = mdb_put(txn, terms, &key, &val, MDB_NOOVERWRITE);
            if (rc != MDB_KEYEXIST) break;
        }
        ids[i] = id;
    }
    if (!rc && filler) {
        unsigned char k[8];
        be64(k, filler);
        key = (MDB_val){ 8, k };
        val = (MDB_val){ 19, "Uhttp://filler.org/" };
        rc = mdb_put(txn, terms, &key, &val, 0);
    }
    for (size_t q = 0; q < NQ && !rc; q++) {
        uint64_t id[4] = { ids[Q[q][0]], ids[Q[q][1]], ids[Q[q][2]], Q[q][3] >= 0 ? ids[Q[q][3]] : 0 };
        for (int i = 0; i < 4 && !rc; i++) {
            unsigned char b[32];
            for (int k = 0; k < 4; k++) be64(b + 8 * k, id[perm[i][k]]);
            key = (MDB_val){ 8, b };
            val = (MDB_val){ 24, b + 8 };
            rc = mdb_put(txn, idx[i], &key, &val, MDB_NODUPDATA);
        }
    }
    if (!rc) rc = mdb_txn_commit(txn);
    else mdb_txn_abort(txn);
    mdb_env_close(env);
    return rc;
}

static librdf_storage *open_dir(const char *dir, const char *write)
{
    char opts[400];
    snprintf(opts, sizeof opts, "dir='%s',write='%s'", dir, write);
    return librdf_new_storage(W, KOUAN_LMDB_STORAGE_NAME, NULL, opts);
}

/* every quad of as_stream is one of Q, each once */
static int holds_exactly_q(librdf_model *m)
{
    int seen[NQ] = {0}, bad = 0;
    size_t n = 0;
    librdf_stream *st = librdf_model_as_stream(m);
    for (; st && !librdf_stream_end(st); librdf_stream_next(st), n++) {
        librdf_statement *r = librdf_stream_get_object(st);
        librdf_node *c = librdf_stream_get_context2(st);
        int a = term_of(librdf_statement_get_subject(r)), b = term_of(librdf_statement_get_predicate(r)),
            o = term_of(librdf_statement_get_object(r)), g = c ? term_of(c) : -1;
        size_t i = 0;
        while (i < NQ && !(Q[i][0] == a && Q[i][1] == b && Q[i][2] == o && Q[i][3] == g)) i++;
        if (i == NQ || seen[i]++) bad++;
    }
    if (st) librdf_free_stream(st);
    return n == NQ && bad == 0;
}

static uint64_t id_of(librdf_storage *s, librdf_node *n)
{
    uint64_t id = 0;
    int rc = kouan_lmdb_node_id(s, n, &id);
    return rc == 0 ? id : rc == 1 ? 0 : UINT64_MAX;
}

static librdf_node *iri(const char *u)
{
    return librdf_new_node_from_uri_string(W, (const unsigned char *)u);
}

static int add_quad(librdf_model *m, librdf_node *s, librdf_node *p, librdf_node *o, librdf_node *g)
{
    librdf_statement *st = librdf_new_statement_from_nodes(W, librdf_new_node_from_node(s),
        librdf_new_node_from_node(p), librdf_new_node_from_node(o));
    int rc = librdf_model_context_add_statement(m, g, st);
    librdf_free_statement(st);
    return rc;
}

static void *term_iri(void *ud, const kouan_lmdb_term *t)
{
    const char *want = ud;
    return t->kind == 'U' && t->len == strlen(want) && memcmp(t->value, want, t->len) == 0
           ? (void *)want : NULL;
}

static librdf_storage *open_with(const char *dir, const char *write, const char *more);

/* Entries of index db (spoc, posc, ospc, cspo) of the store in dir, read
 * with LMDB itself (no storage may have it open in this process). */
static long index_entries(const char *dir, const char *db)
{
    MDB_env *env;
    MDB_txn *txn;
    MDB_dbi dbi;
    MDB_stat st;
    long n = -1;
    if (mdb_env_create(&env)) return -1;
    if (mdb_env_set_maxdbs(env, 8) == 0 && mdb_env_open(env, dir, MDB_RDONLY, 0) == 0 &&
        mdb_txn_begin(env, NULL, MDB_RDONLY, &txn) == 0) {
        if (mdb_dbi_open(txn, db, 0, &dbi) == 0 && mdb_stat(txn, dbi, &st) == 0)
            n = (long)st.ms_entries;
        mdb_txn_abort(txn);
    }
    mdb_env_close(env);
    return n;
}

/* A format-1 store: read as it is when opened read-only (its hash ids
 * looked up as format 1 did); opened for writing, upgraded in place with
 * every quad and every term's id kept; new terms then numbered past the
 * largest old id. */
static void test_format1_upgrade(void)
{
    char dir[256];
    snprintf(dir, sizeof dir, "%s/v1", DIR_);
    CHECK(mkdir(dir, 0777) == 0);
    uint64_t ids[NT], max = 0;
    CHECK(v1_write(dir, NULL, 0, ids) == 0);
    for (int i = 0; i < NT; i++) if (ids[i] > max) max = ids[i];

    librdf_storage *s = open_dir(dir, "no");
    librdf_model *m = s ? librdf_new_model(W, s, NULL) : NULL;
    CHECK(m != NULL);
    if (!m) return;
    kouan_lmdb_stats st;
    CHECK(kouan_lmdb_stats_get(s, &st) == 0 && st.format == 1 && st.upgraded[0] == '\0');
    CHECK(st.quads == NQ && st.terms == NT);
    test_basics(m);
    test_shapes(m);
    CHECK(holds_exactly_q(m));
    for (int i = 0; i < NT; i++) CHECK(id_of(s, T[i]) == ids[i]);
    librdf_free_model(m);
    librdf_free_storage(s);

    s = open_dir(dir, "yes");                     /* upgraded here */
    m = s ? librdf_new_model(W, s, NULL) : NULL;
    CHECK(m != NULL);
    if (!m) return;
    CHECK(kouan_lmdb_stats_get(s, &st) == 0 && st.format == 2);
    char nterms[32];
    snprintf(nterms, sizeof nterms, ", %d terms", NT);
    CHECK(strstr(st.upgraded, "from format 1") && strstr(st.upgraded, nterms));
    CHECK(st.quads == NQ && st.terms == NT);
    test_basics(m);
    test_shapes(m);
    CHECK(holds_exactly_q(m));
    for (int i = 0; i < NT; i++) CHECK(id_of(s, T[i]) == ids[i]);   /* old ids kept */
    /* a new term: the counter starts past the largest old id */
    librdf_node *nw = iri(EX "new");
    CHECK(add_quad(m, nw, T[P1], T[LZH], T[G1]) == 0);
    CHECK(librdf_model_sync(m) == 0);
    uint64_t want = max < UINT64_MAX - ((uint64_t)1 << 32) ? max + 1 : 1;
    CHECK(id_of(s, nw) == want);
    librdf_free_model(m);
    librdf_free_storage(s);

    s = open_dir(dir, "no");                      /* format 2 now, read-only */
    m = s ? librdf_new_model(W, s, NULL) : NULL;
    CHECK(m != NULL);
    if (m) {
        kouan_lmdb_stats st2;
        CHECK(kouan_lmdb_stats_get(s, &st2) == 0 && st2.format == 2 &&
              strcmp(st2.upgraded, st.upgraded) == 0 && st2.quads == NQ + 1);
        CHECK(id_of(s, nw) == want);
        for (int i = 0; i < NT; i++) CHECK(id_of(s, T[i]) == ids[i]);
        librdf_statement *t = librdf_new_statement_from_nodes(W, librdf_new_node_from_node(nw),
            librdf_new_node_from_node(T[P1]), librdf_new_node_from_node(T[LZH]));
        CHECK(librdf_model_contains_statement(m, t));
        librdf_free_statement(t);
        librdf_free_model(m);
    }
    if (s) librdf_free_storage(s);
    /* written again with unindexed='…': a format-2 store stays format 2,
       every quad indexed (the option names a new store's set) */
    s = open_with(dir, "yes", ",unindexed='" EX "p2'");
    m = s ? librdf_new_model(W, s, NULL) : NULL;
    CHECK(m != NULL);
    if (m) {
        librdf_node *n2 = iri(EX "new2");
        CHECK(add_quad(m, n2, T[P2], T[LZH], T[G1]) == 0 && librdf_model_sync(m) == 0);
        kouan_lmdb_stats st3;
        CHECK(kouan_lmdb_stats_get(s, &st3) == 0 && st3.format == 2 && st3.unindexed == 0);
        librdf_free_node(n2);
        librdf_free_model(m);
    }
    if (s) librdf_free_storage(s);
    CHECK(index_entries(dir, "posc") == (long)NQ + 2 && index_entries(dir, "ospc") == (long)NQ + 2);
    librdf_free_node(nw);
}

/* Old ids where the counter runs: a format-1 store whose largest id is
 * near 2^64 (so the counter starts at 1) and whose terms hold ids 1, 2 and
 * 4 (probed hash ids can be any): new terms take 3, 5, 6 — the old terms
 * and their quads untouched. */
static void test_id_collision(void)
{
    char dir[256];
    snprintf(dir, sizeof dir, "%s/v1c", DIR_);
    CHECK(mkdir(dir, 0777) == 0);
    uint64_t force[NT] = {0}, ids[NT];
    force[S1] = 1;
    force[P1] = 2;
    force[O1] = 4;
    CHECK(v1_write(dir, force, UINT64_MAX - 5, ids) == 0);
    librdf_storage *s = open_dir(dir, "yes");
    librdf_model *m = s ? librdf_new_model(W, s, NULL) : NULL;
    CHECK(m != NULL);
    if (!m) return;
    CHECK(holds_exactly_q(m));
    test_shapes(m);
    librdf_node *a = iri(EX "na"), *b = iri(EX "nb"), *c = iri(EX "nc");
    CHECK(librdf_model_transaction_start(m) == 0);
    CHECK(add_quad(m, a, b, c, T[G1]) == 0);
    CHECK(librdf_model_transaction_commit(m) == 0);
    CHECK(id_of(s, a) == 3 && id_of(s, b) == 5 && id_of(s, c) == 6);
    CHECK(id_of(s, T[S1]) == 1 && id_of(s, T[P1]) == 2 && id_of(s, T[O1]) == 4);
    CHECK(kouan_lmdb_term_with(s, 1, term_iri, EX "s1") != NULL);
    CHECK(kouan_lmdb_term_with(s, 3, term_iri, EX "na") != NULL);
    CHECK(kouan_lmdb_term_with(s, 4, term_iri, EX "o1") != NULL);
    CHECK(librdf_model_size(m) == (int)NQ + 1);
    librdf_free_model(m);
    librdf_free_storage(s);
    s = open_dir(dir, "no");
    m = s ? librdf_new_model(W, s, NULL) : NULL;
    CHECK(m != NULL);
    if (m) {
        librdf_statement *t = librdf_new_statement_from_nodes(W, librdf_new_node_from_node(a),
            librdf_new_node_from_node(b), librdf_new_node_from_node(c));
        CHECK(librdf_model_contains_statement(m, t));
        librdf_free_statement(t);
        CHECK(librdf_model_remove_statement(m, t = stmt(S1, P1, O1)) != 0);   /* read-only */
        librdf_free_statement(t);
        librdf_free_model(m);
    }
    if (s) librdf_free_storage(s);
    librdf_free_node(a);
    librdf_free_node(b);
    librdf_free_node(c);
}

/* The counter is in the transaction: a rollback, or a writer killed before
 * its commit, gives the ids it took out again. */
static void test_counter_rollback(void)
{
    char dir[256];
    snprintf(dir, sizeof dir, "%s/ctr", DIR_);
    CHECK(mkdir(dir, 0777) == 0);
    librdf_storage *s = open_dir(dir, "yes");
    librdf_model *m = s ? librdf_new_model(W, s, NULL) : NULL;
    CHECK(m != NULL);
    if (!m) return;
    librdf_node *x = iri(EX "x"), *a = iri(EX "a"), *b = iri(EX "b"), *c = iri(EX "c"),
                *d = iri(EX "d");
    CHECK(add_quad(m, x, T[P1], T[O1], T[G1]) == 0);
    CHECK(librdf_model_sync(m) == 0);
    uint64_t ix = id_of(s, x);
    CHECK(ix >= 1 && ix < 16);
    CHECK(librdf_model_transaction_start(m) == 0);
    CHECK(add_quad(m, a, T[P1], T[O1], T[G1]) == 0);
    uint64_t ia = id_of(s, a);                     /* seen inside the txn */
    CHECK(ia > ix && ia != UINT64_MAX);
    CHECK(librdf_model_transaction_rollback(m) == 0);
    CHECK(id_of(s, a) == 0);                       /* gone with its id */
    CHECK(librdf_model_transaction_start(m) == 0);
    CHECK(add_quad(m, b, T[P1], T[O1], T[G1]) == 0);
    CHECK(librdf_model_transaction_commit(m) == 0);
    CHECK(id_of(s, b) == ia && id_of(s, a) == 0);
    CHECK(kouan_lmdb_term_with(s, ia, term_iri, EX "b") != NULL);
    librdf_free_model(m);
    librdf_free_storage(s);
    /* a writer killed inside its transaction */
    pid_t pid = fork();
    if (pid == 0) {
        librdf_storage *cs = open_dir(dir, "yes");
        librdf_model *cm = cs ? librdf_new_model(W, cs, NULL) : NULL;
        if (cm && librdf_model_transaction_start(cm) == 0 && add_quad(cm, c, T[P1], T[O1], T[G1]) == 0 &&
            id_of(cs, c) == ia + 1)
            raise(SIGKILL);
        _exit(1);
    }
    int status;
    waitpid(pid, &status, 0);
    CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
    s = open_dir(dir, "yes");
    m = s ? librdf_new_model(W, s, NULL) : NULL;
    CHECK(m != NULL);
    if (m) {
        CHECK(id_of(s, c) == 0);
        CHECK(add_quad(m, d, T[P1], T[O1], T[G1]) == 0);
        CHECK(librdf_model_sync(m) == 0);
        CHECK(id_of(s, d) == ia + 1);
        CHECK(librdf_model_size(m) == 3);          /* x, b, d */
        librdf_free_model(m);
    }
    if (s) librdf_free_storage(s);
    librdf_free_node(x);
    librdf_free_node(a);
    librdf_free_node(b);
    librdf_free_node(c);
    librdf_free_node(d);
}

/* Terms longer than an LMDB key (511 bytes): under a hash of their bytes in
 * `ids`, checked against the dictionary — written, found, told apart when
 * they differ in their last byte, read back; and in a format-1 store, found
 * again after the upgrade under their old ids. */
static librdf_node *long_literal(size_t n, char last)
{
    char *v = malloc(n + 1);
    memset(v, 'x', n);
    v[n - 1] = last;
    v[n] = '\0';
    librdf_node *l = librdf_new_node_from_typed_literal(W, (const unsigned char *)v, "zh", NULL);
    free(v);
    return l;
}

static void *term_len(void *ud, const kouan_lmdb_term *t)
{
    return t->kind == 'L' && t->len == *(size_t *)ud ? ud : NULL;
}

static int has(librdf_model *m, librdf_node *s, librdf_node *p, librdf_node *o)
{
    librdf_statement *t = librdf_new_statement_from_nodes(W, librdf_new_node_from_node(s),
        librdf_new_node_from_node(p), librdf_new_node_from_node(o));
    int r = librdf_model_contains_statement(m, t);
    librdf_free_statement(t);
    return r;
}

static void test_long_terms(void)
{
    enum { NL = 4 };
    static const size_t len[NL] = { 600, 600, 5000, 512 };
    static const char last[NL] = { 'a', 'b', 'a', 'a' };
    librdf_node *L[NL];
    for (int i = 0; i < NL; i++) L[i] = long_literal(len[i], last[i]);
    char buf[300];
    snprintf(buf, sizeof buf, "%s/long", DIR_);
    CHECK(mkdir(buf, 0777) == 0);
    librdf_storage *s = open_dir(buf, "yes");
    librdf_model *m = s ? librdf_new_model(W, s, NULL) : NULL;
    CHECK(m != NULL);
    if (!m) return;
    for (int i = 0; i < NL - 1; i++) CHECK(add_quad(m, T[S1], T[P1], L[i], T[G1]) == 0);
    CHECK(add_quad(m, T[S1], T[P1], L[0], T[G2]) == 0);            /* found, not new */
    CHECK(librdf_model_sync(m) == 0);
    uint64_t id[NL];
    for (int i = 0; i < NL; i++) id[i] = id_of(s, L[i]);
    CHECK(id[0] && id[1] && id[2] && id[0] != id[1] && id[1] != id[2] && id[0] != id[2]);
    CHECK(id[3] == 0);                                              /* never added */
    CHECK(librdf_model_size(m) == 4);
    librdf_free_model(m);
    librdf_free_storage(s);
    s = open_dir(buf, "no");
    m = s ? librdf_new_model(W, s, NULL) : NULL;
    CHECK(m != NULL);
    if (m) {
        for (int i = 0; i < NL - 1; i++) CHECK(has(m, T[S1], T[P1], L[i]) && id_of(s, L[i]) == id[i]);
        CHECK(!has(m, T[S1], T[P1], L[3]));
        size_t want = 5000;                          /* the value, read back whole */
        CHECK(kouan_lmdb_term_with(s, id[2], term_len, &want) != NULL);
        librdf_free_model(m);
    }
    if (s) librdf_free_storage(s);

    /* format 1 with long terms at their hash ids: upgraded, found again */
    snprintf(buf, sizeof buf, "%s/long1", DIR_);
    CHECK(mkdir(buf, 0777) == 0);
    uint64_t ids[NT];
    CHECK(v1_write(buf, NULL, 0, ids) == 0);
    MDB_env *env;
    MDB_txn *txn;
    MDB_dbi terms, spoc;
    int rc = mdb_env_create(&env);
    if (!rc) rc = mdb_env_set_maxdbs(env, 8);
    if (!rc) rc = mdb_env_open(env, buf, 0, 0666);
    if (!rc) rc = mdb_txn_begin(env, NULL, 0, &txn);
    if (!rc) rc = mdb_dbi_open(txn, "terms", 0, &terms);
    if (!rc) rc = mdb_dbi_open(txn, "spoc", MDB_DUPSORT | MDB_DUPFIXED, &spoc);
    uint64_t hid[NL - 1];
    for (int i = 0; i < NL - 1 && !rc; i++) {        /* (s1 p1 L[i]) in the default graph */
        unsigned char *b = malloc(len[i] + 8), k[8], q[32];
        size_t n = term_stored(L[i], b);
        hid[i] = v1_hash(b, n);
        be64(k, hid[i]);
        MDB_val key = { 8, k }, val = { n, b };
        rc = mdb_put(txn, terms, &key, &val, MDB_NOOVERWRITE);
        free(b);
        be64(q, ids[S1]); be64(q + 8, ids[P1]); be64(q + 16, hid[i]); be64(q + 24, 0);
        key = (MDB_val){ 8, q };
        val = (MDB_val){ 24, q + 8 };
        if (!rc) rc = mdb_put(txn, spoc, &key, &val, 0);  /* SPOC alone: enough for contains */
    }
    CHECK(rc == 0);
    if (!rc) CHECK(mdb_txn_commit(txn) == 0);
    mdb_env_close(env);
    s = open_dir(buf, "no");                          /* format 1: hashed */
    if (s) {
        for (int i = 0; i < NL - 1; i++) CHECK(id_of(s, L[i]) == hid[i]);
        librdf_free_storage(s);
    }
    s = open_dir(buf, "yes");                         /* upgraded */
    m = s ? librdf_new_model(W, s, NULL) : NULL;
    CHECK(m != NULL);
    if (m) {
        kouan_lmdb_stats st;
        CHECK(kouan_lmdb_stats_get(s, &st) == 0 && st.format == 2);
        for (int i = 0; i < NL - 1; i++) CHECK(id_of(s, L[i]) == hid[i] && has(m, T[S1], T[P1], L[i]));
        CHECK(id_of(s, L[3]) == 0);
        CHECK(add_quad(m, T[S2], T[P2], L[3], T[G1]) == 0);
        CHECK(librdf_model_sync(m) == 0);
        uint64_t n3 = id_of(s, L[3]);
        CHECK(n3 != 0 && n3 != UINT64_MAX && n3 != hid[0] && n3 != hid[1] && n3 != hid[2]);
        CHECK(has(m, T[S2], T[P2], L[3]));
        librdf_free_model(m);
    }
    if (s) librdf_free_storage(s);
    for (int i = 0; i < NL; i++) librdf_free_node(L[i]);
}

static int quiet(void *u, librdf_log_message *msg)
{
    (void)u;
    if (getenv("KOUAN_TEST_VERBOSE")) fprintf(stderr, "redland: %s\n", librdf_log_message_message(msg));
    return 1;
}

/* ---- format 3: an unindexed predicate's literal objects ------------------ */

/* Quads of Q whose predicate is p and whose object is a literal. */
static long literal_quads_of(int p)
{
    long n = 0;
    for (size_t i = 0; i < NQ; i++)
        if (Q[i][1] == p && librdf_node_is_literal(T[Q[i][2]])) n++;
    return n;
}

/* A store made with unindexed='p2 …' keeps p2's literal-object quads in
 * SPOC and CSPO only, and answers every pattern shape as a store that
 * indexes them (test_shapes' brute force): by a scan where POSC or OSPC
 * would miss them, written one by one, in a transaction, and removed. */
static char last_error[1024];
static int capture(void *u, librdf_log_message *msg);

static void check_iterators(librdf_model *m);

/* A new store in dir given 9 predicates as option name (at most 8): refused
 * with a message naming what (the folder holds no store after it). */
static void check_nine_refused(const char *dir, const char *name, const char *what)
{
    char nine[400];
    snprintf(nine, sizeof nine, ",%s='", name);
    for (int i = 0; i < 9; i++) snprintf(nine + strlen(nine), sizeof nine - strlen(nine), EX "u%d ", i);
    strcat(nine, "'");
    last_error[0] = '\0';
    librdf_world_set_logger(W, NULL, capture);
    librdf_storage *refused = open_with(dir, "yes", nine);
    librdf_world_set_logger(W, NULL, quiet);
    fprintf(stderr, "%s test: 9 predicates refused: %s\n", name, last_error);
    CHECK(refused == NULL && strstr(last_error, what) && strstr(last_error, "at most 8"));
    if (refused) librdf_free_storage(refused);
}

/* The store in dir opened read-only without options (it keeps its sets):
 * its stats into *st, and every pattern shape (and iterator) checked. */
static void check_reopened(const char *dir, kouan_lmdb_stats *st, int iterators)
{
    memset(st, 0, sizeof *st);
    librdf_storage *s = open_with(dir, "no", NULL);
    librdf_model *m = s ? librdf_new_model(W, s, NULL) : NULL;
    CHECK(m != NULL);
    if (m) {
        CHECK(kouan_lmdb_stats_get(s, st) == 0);
        test_basics(m);
        test_shapes(m);
        if (iterators) check_iterators(m);
        librdf_free_model(m);
    }
    if (s) librdf_free_storage(s);
}

static void test_unindexed(void)
{
    char dir[300];
    snprintf(dir, sizeof dir, "%s/unindexed", DIR_);
    CHECK(mkdir(dir, 0700) == 0);
    /* more than 8 predicates: refused with a message; the folder holds no
       store after it (the next open makes one) */
    check_nine_refused(dir, "unindexed", "unindexed predicates");
    const char *opt = ",unindexed='" EX "p2 " EX "never-used'";
    librdf_storage *s = open_with(dir, "yes", opt);
    librdf_model *m = s ? librdf_new_model(W, s, NULL) : NULL;
    CHECK(m != NULL);
    if (!m) return;
    load(m);                                     /* one quad at a time */
    CHECK(librdf_model_sync(m) == 0);
    kouan_lmdb_stats st;
    CHECK(kouan_lmdb_stats_get(s, &st) == 0 && st.format == 5 && st.unindexed == 2);
    test_basics(m);
    test_shapes(m);
    test_duplicates_and_removal(m);
    test_transactions(m);
    test_shapes(m);
    /* a scan's cost, for ordering a query: every quad */
    CHECK(kouan_lmdb_estimate(s, NULL, T[P2], NULL, NULL, 100) == NQ);
    CHECK(kouan_lmdb_estimate(s, NULL, NULL, T[LZH], NULL, 100) == NQ);
    size_t with_o1 = 0;                           /* an IRI object: OSPC's count */
    for (size_t i = 0; i < NQ; i++) with_o1 += Q[i][2] == O1;
    CHECK(kouan_lmdb_estimate(s, NULL, NULL, T[O1], NULL, 100) == with_o1);
    librdf_free_model(m);
    librdf_free_storage(s);
    long lit = literal_quads_of(P2);
    CHECK(lit == 3);
    CHECK(index_entries(dir, "spoc") == (long)NQ && index_entries(dir, "cspo") == (long)NQ);
    CHECK(index_entries(dir, "posc") == (long)NQ - lit && index_entries(dir, "ospc") == (long)NQ - lit);

    /* reopened without the option, read-only: the store keeps its set */
    check_reopened(dir, &st, 0);
    CHECK(st.format == 5 && st.unindexed == 2);

    /* written in one explicit transaction (sorted by flush), and by
       replace_graph from strings */
    char dir2[320];
    snprintf(dir2, sizeof dir2, "%s/unindexed-txn", DIR_);
    CHECK(mkdir(dir2, 0700) == 0);
    s = open_with(dir2, "yes", opt);
    m = s ? librdf_new_model(W, s, NULL) : NULL;
    CHECK(m != NULL);
    if (!m) return;
    CHECK(librdf_model_transaction_start(m) == 0);
    load(m);
    CHECK(librdf_model_transaction_commit(m) == 0);
    test_basics(m);
    test_shapes(m);
    kouan_lmdb_triple t[2] = {
        { EX "s9", EX "p2", "42", 1, NULL, "http://www.w3.org/2001/XMLSchema#integer" },
        { EX "s9", EX "p2", EX "o1", 0, NULL, NULL },              /* an IRI: indexed */
    };
    size_t bad;
    CHECK(kouan_lmdb_replace_graph(s, EX "g9", t, 2, &bad) == 0);
    librdf_uri *xint = librdf_new_uri(W, (const unsigned char *)"http://www.w3.org/2001/XMLSchema#integer");
    librdf_node *n42 = librdf_new_node_from_typed_literal(W, (const unsigned char *)"42", NULL, xint);
    librdf_free_uri(xint);
    librdf_statement *pat = librdf_new_statement_from_nodes(W, NULL, NULL, n42);  /* owns n42 */
    CHECK(count_stream(librdf_model_find_statements(m, pat)) == 1);     /* by a scan */
    librdf_free_statement(pat);
    librdf_iterator *src = librdf_model_get_sources(m, T[P2], T[O1]);   /* POSC */
    int nsrc = 0;
    for (; src && !librdf_iterator_end(src); librdf_iterator_next(src)) nsrc++;
    if (src) librdf_free_iterator(src);
    CHECK(nsrc == 1);
    librdf_free_model(m);
    librdf_free_storage(s);
    CHECK(index_entries(dir2, "posc") == (long)NQ - lit + 1 &&
          index_entries(dir2, "spoc") == (long)NQ + 2);

}

/* ---- group commit (kouan_lmdb_set_group) and the resident limit ----------- */

static char GDIR[256];
static char last_error[1024];

static librdf_storage *open_with(const char *dir, const char *write, const char *more)
{
    char opts[600];
    snprintf(opts, sizeof opts, "dir='%s',write='%s'%s", dir, write, more ? more : "");
    return librdf_new_storage(W, KOUAN_LMDB_STORAGE_NAME, NULL, opts);
}

/* A new store in folder PARENT/name (options `more`; the folder also in
 * out_dir unless NULL), its model in *m: the storage, or NULL (a failed
 * check).  fresh_store: in GDIR. */
static librdf_storage *fresh_store_in(const char *parent, const char *name, const char *more,
                                      librdf_model **m, char out_dir[300])
{
    char own[300], *dir = out_dir ? out_dir : own;
    snprintf(dir, 300, "%s/%s", parent, name);
    CHECK(mkdir(dir, 0700) == 0);
    librdf_storage *s = open_with(dir, "yes", more);
    *m = s ? librdf_new_model(W, s, NULL) : NULL;
    CHECK(*m != NULL);
    if (!*m && s) { librdf_free_storage(s); s = NULL; }
    return s;
}

static librdf_storage *fresh_store(const char *name, const char *more, librdf_model **m,
                                   char out_dir[300])
{
    return fresh_store_in(GDIR, name, more, m, out_dir);
}

/* Runs fn(arg, out) in a child process — another process on the store,
 * while this one's storages stay open — and gives the n values it set
 * (-1 those it did not) through a pipe into out.  0, or -1. */
static int in_child(void (*fn)(void *arg, long *out), void *arg, long *out, size_t n)
{
    int pfd[2];
    if (n > 8 || pipe(pfd) != 0) return -1;
    pid_t pid = fork();
    if (pid == 0) {
        long v[8] = { -1, -1, -1, -1, -1, -1, -1, -1 };
        fn(arg, v);
        if (write(pfd[1], v, n * sizeof *v) != (ssize_t)(n * sizeof *v)) _exit(1);
        _exit(0);
    }
    int ok = pid > 0 && read(pfd[0], out, n * sizeof *out) == (ssize_t)(n * sizeof *out);
    int status = 0;
    if (pid > 0) waitpid(pid, &status, 0);
    close(pfd[0]);
    close(pfd[1]);
    return ok ? 0 : -1;
}

static void model_size_child(void *dir, long *out)
{
    librdf_storage *s = open_with(dir, "no", NULL);
    librdf_model *m = s ? librdf_new_model(W, s, NULL) : NULL;
    out[0] = m ? librdf_model_size(m) : -1;
}

/* Quads another process sees in GDIR's store: what is committed. */
static int committed_quads(void)
{
    long n = -1;
    return in_child(model_size_child, GDIR, &n, 1) ? -1 : (int)n;
}

/* … in dir's store. */
static int committed_quads_in(const char *dir)
{
    long n = -1;
    return in_child(model_size_child, (void *)dir, &n, 1) ? -1 : (int)n;
}

/* Graph doc/i with n triples (subjects shared between graphs, values not). */
static int replace_n(librdf_storage *s, int i, int n, const char *lang)
{
    static char o[64][48];
    char g[64];
    kouan_lmdb_triple t[64];
    for (int j = 0; j < n && j < 64; j++) {
        snprintf(o[j], sizeof o[j], "value %d of %d", j, i);
        t[j] = (kouan_lmdb_triple){ EX "s1", EX "p1", o[j], 1, lang, NULL };
    }
    snprintf(g, sizeof g, EX "doc/%d", i);
    size_t bad;
    return kouan_lmdb_replace_graph(s, g, t, (size_t)n, &bad);
}

/* A child process opens dir's store for writing, starts groups, does ops
 * in order — {i, n}: graph doc/i with n triples (replace_n); {0, 0}: a
 * commit (set_group again) — and is killed by SIGKILL.  Its pid. */
static pid_t killed_in_group(const char *dir, const int (*ops)[2], size_t n)
{
    pid_t pid = fork();
    if (pid == 0) {
        librdf_storage *s2 = open_with(dir, "yes", NULL);
        if (!s2 || kouan_lmdb_set_group(s2, 3600 * 1000, 0) != 0) _exit(1);
        for (size_t i = 0; i < n; i++)
            if (ops[i][0] ? replace_n(s2, ops[i][0], ops[i][1], NULL)
                          : kouan_lmdb_set_group(s2, 3600 * 1000, 0))
                _exit(1);
        raise(SIGKILL);
        _exit(1);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    CHECK(pid > 0 && WIFSIGNALED(status));
    return pid;
}

static size_t quads_of(librdf_model *m, int i)
{
    librdf_node *g = graph_n(i);
    size_t n = count_stream(librdf_model_context_as_stream(m, g));
    librdf_free_node(g);
    return n;
}

static int capture(void *u, librdf_log_message *msg)
{
    (void)u;
    if (librdf_log_message_level(msg) >= LIBRDF_LOG_ERROR)
        snprintf(last_error, sizeof last_error, "%s", librdf_log_message_message(msg));
    return 1;
}

static void test_group(void)
{
    snprintf(GDIR, sizeof GDIR, "/tmp/kouan-lmdb-group-XXXXXX");
    CHECK(mkdtemp(GDIR) != NULL);
    librdf_storage *s = open_with(GDIR, "yes", NULL);
    librdf_model *m = s ? librdf_new_model(W, s, NULL) : NULL;
    CHECK(m != NULL);
    if (!m) return;
    CHECK(kouan_lmdb_set_group(s, 3600 * 1000, 0) == 0);
    /* graphs written into the group: seen by this process, not by others */
    CHECK(replace_n(s, 1, 3, NULL) == 0 && replace_n(s, 2, 3, NULL) == 0);
    CHECK(committed_quads() == 0);
    CHECK(quads_of(m, 1) == 3 && quads_of(m, 2) == 3 && librdf_model_size(m) == 6);
    /* a graph already there is replaced at once, merged with its removal */
    CHECK(replace_n(s, 1, 2, NULL) == 0 && quads_of(m, 1) == 2);
    CHECK(replace_n(s, 3, 4, NULL) == 0);
    /* a graph that cannot be stored: refused whole, the group kept */
    char lang[300];
    memset(lang, 'a', sizeof lang - 1);
    lang[sizeof lang - 1] = '\0';
    CHECK(replace_n(s, 4, 3, lang) != 0);
    CHECK(quads_of(m, 4) == 0 && librdf_model_size(m) == 9);
    CHECK(committed_quads() == 0);
    /* set again: committed, durable, seen by others */
    CHECK(kouan_lmdb_set_group(s, 3600 * 1000, 5) == 0);
    CHECK(committed_quads() == 9);
    /* the quad limit: the graph that reaches 5 commits the group */
    CHECK(replace_n(s, 5, 3, NULL) == 0 && committed_quads() == 9);
    CHECK(replace_n(s, 6, 3, NULL) == 0 && committed_quads() == 15);
    /* the time limit: due 50 ms after the group began (1 ms was flaky on a
       loaded machine: graph 7's own write could take that long, so it was
       committed alone and graph 8 began a group not yet due) */
    CHECK(kouan_lmdb_set_group(s, 50, 0) == 0);
    CHECK(replace_n(s, 7, 3, NULL) == 0);
    struct timespec ts = { 0, 100 * 1000000L };
    nanosleep(&ts, NULL);
    CHECK(replace_n(s, 8, 3, NULL) == 0 && committed_quads() == 21);
    CHECK(kouan_lmdb_set_group(s, 0, 0) == 0);
    /* kill -9 inside a group: what the last commit left, every graph whole */
    static const int killed_ops[][2] = { { 9, 3 }, { 0, 0 }, { 10, 3 }, { 9, 1 } };
    killed_in_group(GDIR, killed_ops, 4);
    CHECK(committed_quads() == 24);
    CHECK(quads_of(m, 9) == 3 && quads_of(m, 10) == 0);
    librdf_free_model(m);
    librdf_free_storage(s);

    /* a group whose commit fails (the map is full): every graph of it lost,
       said so, the store as the last commit left it */
    char dir2[300];
    snprintf(dir2, sizeof dir2, "%s/small", GDIR);
    if (!(s = fresh_store("small", ",map-size='1048576'", &m, NULL))) return;
    CHECK(replace_n(s, 1, 60, NULL) == 0);              /* committed alone */
    CHECK(kouan_lmdb_set_group(s, 3600 * 1000, 0) == 0);
    librdf_world_set_logger(W, NULL, capture);
    int i = 2, rc = 0;
    for (; i < 4000 && !(rc = replace_n(s, i, 60, NULL)); i++) {}
    CHECK(rc != 0);                                     /* the map filled */
    last_error[0] = '\0';
    int crc = kouan_lmdb_set_group(s, 0, 0);
    librdf_world_set_logger(W, NULL, quiet);
    librdf_free_model(m);
    librdf_free_storage(s);
    s = open_with(dir2, "no", NULL);
    m = s ? librdf_new_model(W, s, NULL) : NULL;
    CHECK(m != NULL);
    if (m) {
        size_t whole = 0, partial = 0;
        for (int j = 1; j <= i; j++) {
            size_t n = quads_of(m, j);
            if (n == 60) whole++;
            else if (n) partial++;
        }
        CHECK(partial == 0 && quads_of(m, 1) == 60);
        if (crc != 0) {
            /* the group's flush did not fit: none of its graphs is there */
            CHECK(whole == 1);
            CHECK(strstr(last_error, "none of them is stored") != NULL);
            fprintf(stderr, "group test: the map filled at graph %d; its group's commit "
                    "failed: %s\n", i, last_error);
        } else {
            CHECK(whole == (size_t)i - 1);              /* the ones before the refused */
            fprintf(stderr, "group test: the map filled at graph %d; the group before it "
                    "was committed\n", i);
        }
        librdf_free_model(m);
    }
    if (s) librdf_free_storage(s);
}


/* ---- a new store's first fill: one disk flush, at its end ------------------ */

/* This boot's id (Linux), "" when it cannot be read. */
static void boot_now(char now[64])
{
    FILE *b = fopen("/proc/sys/kernel/random/boot_id", "r");
    if (!b || !fgets(now, 64, b)) now[0] = 0;
    if (b) fclose(b);
    now[strcspn(now, "\n")] = 0;
}

/* The marker of dir's fill: 1 with its pid (and whether its boot id is
 * this boot's), 0 when there is none. */
static int fill_marker(const char *dir, long *pid, int *this_boot)
{
    char path[400], line[256], boot[64] = "", now[64];
    snprintf(path, sizeof path, "%s/unflushed", dir);
    FILE *f = fopen(path, "r");
    if (!f) return 0;
    *pid = -1;
    while (fgets(line, sizeof line, f)) {
        if (!strncmp(line, "boot ", 5)) snprintf(boot, sizeof boot, "%s", line + 5);
        else if (!strncmp(line, "pid ", 4)) *pid = strtol(line + 4, NULL, 10);
    }
    fclose(f);
    boot[strcspn(boot, "\n")] = 0;
    boot_now(now);
    *this_boot = now[0] && strcmp(boot, now) == 0;
    return 1;
}

static void write_marker(const char *dir, const char *boot, long pid)
{
    char path[400];
    snprintf(path, sizeof path, "%s/unflushed", dir);
    FILE *f = fopen(path, "w");
    CHECK(f != NULL);
    if (!f) return;
    fprintf(f, "a test's marker\nboot %s\npid %ld\n", boot, pid);
    fclose(f);
}

static void test_fill(void)
{
    char dir[300], dir2[300];
    librdf_model *m;
    librdf_storage *s = fresh_store("fill", NULL, &m, dir);
    if (!s) return;
    long pid;
    int this_boot;
    /* groups into a store with no quads: the marker, with this boot and pid */
    CHECK(fill_marker(dir, &pid, &this_boot) == 0);
    CHECK(kouan_lmdb_set_group(s, 3600 * 1000, 0) == 0);
    CHECK(fill_marker(dir, &pid, &this_boot) == 1 && pid == (long)getpid() && this_boot);
    CHECK(replace_n(s, 1, 3, NULL) == 0 && replace_n(s, 2, 3, NULL) == 0);
    CHECK(kouan_lmdb_set_group(s, 3600 * 1000, 0) == 0);          /* a commit */
    CHECK(committed_quads_in(dir) == 6);
    CHECK(fill_marker(dir, &pid, &this_boot) == 1);               /* still filling */
    /* groups end: flushed, the marker gone */
    CHECK(kouan_lmdb_set_group(s, 0, 0) == 0);
    CHECK(fill_marker(dir, &pid, &this_boot) == 0);
    kouan_lmdb_times t;
    CHECK(kouan_lmdb_times_get(s, &t) == 0 && t.fill_flush > 0);
    /* a store holding quads: commits flush, no marker */
    CHECK(kouan_lmdb_set_group(s, 3600 * 1000, 0) == 0);
    CHECK(fill_marker(dir, &pid, &this_boot) == 0);
    CHECK(replace_n(s, 3, 3, NULL) == 0 && kouan_lmdb_set_group(s, 0, 0) == 0);
    librdf_free_model(m);
    librdf_free_storage(s);

    /* a writer killed in its fill: the marker stays; a reader opens the
       store as it is (the marker too), a writer flushes it and removes it */
    snprintf(dir2, sizeof dir2, "%s/fill-killed", GDIR);
    CHECK(mkdir(dir2, 0700) == 0);
    static const int fill_ops[][2] = { { 1, 3 }, { 2, 3 }, { 0, 0 }, { 3, 3 } };
    pid_t child = killed_in_group(dir2, fill_ops, 4);
    CHECK(fill_marker(dir2, &pid, &this_boot) == 1 && pid == (long)child && this_boot);
    CHECK(committed_quads_in(dir2) == 6);                       /* read-only */
    CHECK(fill_marker(dir2, &pid, &this_boot) == 1);
    s = open_with(dir2, "yes", NULL);
    CHECK(s != NULL);
    CHECK(fill_marker(dir2, &pid, &this_boot) == 0);
    if (s) librdf_free_storage(s);
    CHECK(committed_quads_in(dir2) == 6);

    /* a marker whose writer is still running (this process's parent stands
       for it): a writer opens the store and leaves the marker */
    char now[64];
    boot_now(now);
    CHECK(now[0] != 0);
    write_marker(dir2, now, (long)getppid());
    s = open_with(dir2, "yes", NULL);
    CHECK(s != NULL);
    if (s) librdf_free_storage(s);
    CHECK(fill_marker(dir2, &pid, &this_boot) == 1 && pid == (long)getppid());

    /* the system restarted during a fill (another boot id): refused, for
       reading too, naming the marker; without the marker it opens */
    write_marker(dir2, "00000000-0000-0000-0000-000000000000", (long)child);
    librdf_world_set_logger(W, NULL, capture);
    last_error[0] = '\0';
    s = open_with(dir2, "no", NULL);
    CHECK(s == NULL);
    CHECK(strstr(last_error, "the system restarted") != NULL &&
          strstr(last_error, "/unflushed") != NULL);
    if (s) librdf_free_storage(s);
    last_error[0] = '\0';
    s = open_with(dir2, "yes", NULL);
    CHECK(s == NULL && strstr(last_error, "may be damaged") != NULL);
    if (s) librdf_free_storage(s);
    librdf_world_set_logger(W, NULL, quiet);
    char path[400];
    snprintf(path, sizeof path, "%s/unflushed", dir2);
    CHECK(unlink(path) == 0);
    CHECK(committed_quads_in(dir2) == 6);

    /* KOUAN_LMDB_FILL_FLUSH=each: a new store's commits flush one by one */
    setenv("KOUAN_LMDB_FILL_FLUSH", "each", 1);
    s = fresh_store("fill-each", NULL, &m, dir);
    if (s) {
        CHECK(kouan_lmdb_set_group(s, 3600 * 1000, 0) == 0);
        CHECK(fill_marker(dir, &pid, &this_boot) == 0);
        CHECK(replace_n(s, 1, 3, NULL) == 0 && kouan_lmdb_set_group(s, 0, 0) == 0);
        librdf_free_model(m);
        librdf_free_storage(s);
    }
    unsetenv("KOUAN_LMDB_FILL_FLUSH");
}

/* ---- the backlog: a group's POSC and OSPC entries, merged later ----------- */

enum { BL_S = 5, BL_P = 3 };

/* Graph doc/i holds n triples: s<j % 5> p<j % 3> "value j of tag". */
static int replace_mixed(librdf_storage *s, int i, int n, int tag)
{
    static char sub[64][32], pre[64][32], obj[64][48];
    char g[64];
    kouan_lmdb_triple t[64];
    for (int j = 0; j < n && j < 64; j++) {
        snprintf(sub[j], sizeof sub[j], EX "s%d", j % BL_S);
        snprintf(pre[j], sizeof pre[j], EX "p%d", j % BL_P);
        snprintf(obj[j], sizeof obj[j], "value %d of %d", j, tag);
        t[j] = (kouan_lmdb_triple){ sub[j], pre[j], obj[j], 1, NULL, NULL };
    }
    snprintf(g, sizeof g, EX "doc/%d", i);
    size_t bad;
    return kouan_lmdb_replace_graph(s, g, t, (size_t)n, &bad);
}

/* Matches of (?s p ?o) over all graphs, with p = EX "p<p>" (-1: unbound)
 * and o = "value j of tag" (j < 0: unbound), through find_statements. */
static size_t bl_count(librdf_model *m, int p, int j, int tag)
{
    char pi[64], ov[64];
    snprintf(pi, sizeof pi, EX "p%d", p);
    snprintf(ov, sizeof ov, "value %d of %d", j, tag);
    librdf_node *pn = p >= 0 ? iri(pi) : NULL;
    librdf_node *on = j >= 0 ? librdf_new_node_from_typed_literal(W, (const unsigned char *)ov,
                                                                 NULL, NULL) : NULL;
    librdf_statement *q = librdf_new_statement_from_nodes(W, NULL, pn, on);
    size_t n = count_stream(librdf_model_find_statements(m, q));
    librdf_free_statement(q);
    return n;
}

/* In a child (the parent's storage stays open): the entries of SPOC, POSC,
 * OSPC and whether meta "format" names a backlog, from what is committed. */
static void bl_committed_child(void *arg, long *v)
{
    const char *dir = arg;
    v[0] = index_entries(dir, "spoc");
    v[1] = index_entries(dir, "posc");
    v[2] = index_entries(dir, "ospc");
    MDB_env *env;
    MDB_txn *txn;
    MDB_dbi dbi;
    if (mdb_env_create(&env) == 0 && mdb_env_set_maxdbs(env, 8) == 0 &&
        mdb_env_open(env, dir, MDB_RDONLY, 0) == 0 &&
        mdb_txn_begin(env, NULL, MDB_RDONLY, &txn) == 0) {
        MDB_val k = { 6, "format" }, val;
        if (mdb_dbi_open(txn, "meta", 0, &dbi) == 0 && mdb_get(txn, dbi, &k, &val) == 0)
            v[3] = val.mv_size > 9 &&
                   memcmp((char *)val.mv_data + val.mv_size - 9, " +backlog", 9) == 0;
        mdb_txn_abort(txn);
    }
}

static int bl_committed(const char *dir, long out[4])
{
    return in_child(bl_committed_child, (void *)dir, out, 4);
}

/* Expected matches: graphs [from, to] with n triples each (tag = graph),
 * graph `small` instead with ns triples of tag 100 + small. */
static size_t bl_expect(int p, int from, int to, int n, int small, int ns)
{
    size_t c = 0;
    for (int g = from; g <= to; g++)
        for (int j = 0; j < (g == small ? ns : n); j++) c += p < 0 || j % BL_P == p;
    return c;
}

static void test_backlog(void)
{
    librdf_model *m;
    char dir[300];
    librdf_storage *s = fresh_store("backlog", NULL, &m, dir);
    if (!s) return;
    long c[4];
    /* graphs in groups of about 60 quads: each commit leaves a run */
    CHECK(kouan_lmdb_set_group(s, 3600 * 1000, 60) == 0);
    for (int i = 1; i <= 12; i++) CHECK(replace_mixed(s, i, 20, i) == 0);
    kouan_lmdb_stats st;
    CHECK(kouan_lmdb_stats_get(s, &st) == 0 && st.backlog > 0 && st.quads == 240);
    CHECK(bl_committed(dir, c) == 0);
    CHECK(c[0] >= 180 && c[1] < c[0] && c[2] < c[0]);   /* POSC and OSPC wait */
    CHECK(c[3] == 1);                                    /* old kouan: refused */
    /* every read is complete meanwhile: by predicate, by object, both */
    for (int p = 0; p < BL_P; p++) {
        CHECK(bl_count(m, p, -1, 0) == bl_expect(p, 1, 12, 20, 0, 0));
        librdf_node *pn = iri(p == 0 ? EX "p0" : p == 1 ? EX "p1" : EX "p2");
        CHECK(kouan_lmdb_estimate(s, NULL, pn, NULL, NULL, 1000) >= bl_expect(p, 1, 12, 20, 0, 0));
        librdf_free_node(pn);
    }
    CHECK(bl_count(m, -1, 7, 5) == 1 && bl_count(m, 1, 7, 5) == 1 && bl_count(m, 2, 7, 5) == 0);
    /* a graph replaced while its quads wait: the merge must not bring its
       old quads back into POSC and OSPC */
    CHECK(replace_mixed(s, 3, 4, 103) == 0);
    CHECK(bl_count(m, -1, 7, 3) == 0 && bl_count(m, -1, 2, 103) == 1);
    /* the groups end: merged, POSC and OSPC hold every quad, no backlog */
    CHECK(kouan_lmdb_set_group(s, 0, 0) == 0);
    CHECK(kouan_lmdb_stats_get(s, &st) == 0 && st.backlog == 0 && st.quads == 224);
    CHECK(bl_committed(dir, c) == 0);
    CHECK(c[0] == 224 && c[1] == 224 && c[2] == 224 && c[3] == 0);
    for (int p = 0; p < BL_P; p++) CHECK(bl_count(m, p, -1, 0) == bl_expect(p, 1, 12, 20, 3, 4));
    CHECK(bl_count(m, -1, 7, 3) == 0 && bl_count(m, -1, 7, 5) == 1);

    /* a merge cut short (one transaction: POSC only) goes on at the next
       write that is not an add, and reads are complete in between */
    CHECK(kouan_lmdb_set_group(s, 3600 * 1000, 60) == 0);
    for (int i = 13; i <= 24; i++) CHECK(replace_mixed(s, i, 20, i) == 0);
    setenv("KOUAN_LMDB_DRAIN_TXNS", "1", 1);
    CHECK(kouan_lmdb_set_group(s, 0, 0) == 0);
    unsetenv("KOUAN_LMDB_DRAIN_TXNS");
    CHECK(bl_committed(dir, c) == 0);
    CHECK(c[0] == 464 && c[1] == 464 && c[2] < 464 && c[3] == 1);
    CHECK(kouan_lmdb_stats_get(s, &st) == 0 && st.backlog == (size_t)(464 - c[2]));
    CHECK(bl_count(m, -1, 9, 20) == 1 && bl_count(m, 0, 9, 20) == 1);
    librdf_node *sub = iri(EX "s0"), *pre = iri(EX "p0");
    librdf_node *obj = librdf_new_node_from_typed_literal(W, (const unsigned char *)"value 0 of 20",
                                                          NULL, NULL);
    librdf_node *g = graph_n(20);
    librdf_statement *q = librdf_new_statement_from_nodes(W, sub, pre, obj);
    CHECK(librdf_model_context_remove_statement(m, g, q) == 0);
    librdf_free_statement(q);
    librdf_free_node(g);
    CHECK(librdf_model_sync(m) == 0);
    CHECK(bl_committed(dir, c) == 0);
    CHECK(c[0] == 463 && c[1] == 463 && c[2] == 463 && c[3] == 0);
    CHECK(bl_count(m, -1, 0, 20) == 0 && bl_count(m, 0, -1, 0) == bl_expect(0, 1, 24, 20, 3, 4) - 1);
    librdf_free_model(m);
    librdf_free_storage(s);
}

/* One flush of 100 graphs (more than by_graph counts, so CSPO's order is a
 * copy sorted) and one of 40 (counted), over shared subjects, predicates
 * and objects, ids past 2^11 (two radix passes): under
 * KOUAN_LMDB_CHECK_ORDER every order is checked; then every read by
 * predicate, and each graph's quads, as written. */
static void test_flush_orders(void)
{
    librdf_model *m;
    librdf_storage *s = fresh_store("orders", NULL, &m, NULL);
    if (!s) return;
    CHECK(kouan_lmdb_set_group(s, 3600 * 1000, 0) == 0);
    for (int i = 1; i <= 100; i++) CHECK(replace_mixed(s, i, 20 + i % 7, i) == 0);
    CHECK(kouan_lmdb_set_group(s, 0, 0) == 0);
    CHECK(kouan_lmdb_set_group(s, 3600 * 1000, 0) == 0);
    for (int i = 101; i <= 140; i++) CHECK(replace_mixed(s, i, 40, i) == 0);
    CHECK(kouan_lmdb_set_group(s, 0, 0) == 0);
    size_t want[BL_P] = { 0 }, all = 0;
    for (int g = 1; g <= 140; g++) {
        int n = g <= 100 ? 20 + g % 7 : 40;
        for (int j = 0; j < n; j++) want[j % BL_P]++;
        all += (size_t)n;
        librdf_node *gn = graph_n(g);
        CHECK(count_stream(librdf_model_context_as_stream(m, gn)) == (size_t)n);
        librdf_free_node(gn);
    }
    kouan_lmdb_stats st;
    CHECK(kouan_lmdb_stats_get(s, &st) == 0 && st.quads == all && st.terms > 2048);
    for (int p = 0; p < BL_P; p++) CHECK(bl_count(m, p, -1, 0) == want[p]);
    CHECK(bl_count(m, -1, 33, 120) == 1 && bl_count(m, 0, 33, 120) == 1);
    librdf_free_model(m);
    librdf_free_storage(s);
}

/* In a child: how many run values ('R' keys: chunks, or a whole run as a
 * kouan of 2026-12-03 wrote it) meta holds; with unchunk, each run's
 * chunks are first rewritten as one value under 'R' i n (that layout). */
typedef struct runs_arg { const char *dir; int unchunk; } runs_arg;

static void bl_runs_child(void *arg, long *out)
{
    const char *dir = ((runs_arg *)arg)->dir;
    int unchunk = ((runs_arg *)arg)->unchunk;
    long n = -1;
    MDB_env *env;
    MDB_txn *txn;
    MDB_dbi meta;
    MDB_cursor *cur;
    if (mdb_env_create(&env) == 0 && mdb_env_set_maxdbs(env, 8) == 0 &&
        mdb_env_open(env, dir, unchunk ? 0 : MDB_RDONLY, 0) == 0 &&
        mdb_txn_begin(env, NULL, unchunk ? 0 : MDB_RDONLY, &txn) == 0 &&
        mdb_dbi_open(txn, "meta", 0, &meta) == 0) {
        static unsigned char joined[64][10 + 32 * 4096];   /* run key, keys */
        size_t len[64] = { 0 }, nrun = 0;
        MDB_val k, v;
        int ok = mdb_cursor_open(txn, meta, &cur) == 0;
        n = 0;
        for (int rc = ok ? mdb_cursor_get(cur, &k, &v, MDB_FIRST) : -1; rc == 0;
             rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
            const unsigned char *kb = k.mv_data;
            if (kb[0] != 'R' || (k.mv_size != 10 && k.mv_size != 18)) continue;
            n++;
            if (!unchunk || k.mv_size != 18) continue;
            if (nrun == 0 || memcmp(joined[nrun - 1], kb, 10) != 0) {
                if (nrun == 64) { ok = 0; break; }
                memcpy(joined[nrun++], kb, 10);
            }
            if (len[nrun - 1] + v.mv_size > 32 * 4096) { ok = 0; break; }
            memcpy(joined[nrun - 1] + 10 + len[nrun - 1], v.mv_data, v.mv_size);
            len[nrun - 1] += v.mv_size;
            if (mdb_cursor_del(cur, 0)) { ok = 0; break; }
        }
        if (ok) mdb_cursor_close(cur);
        for (size_t r = 0; ok && r < nrun; r++) {
            MDB_val rk = { 10, joined[r] }, rv = { len[r], joined[r] + 10 };
            ok = mdb_put(txn, meta, &rk, &rv, 0) == 0;
        }
        if (unchunk && ok) n = mdb_txn_commit(txn) == 0 ? (long)nrun : -1;
        else mdb_txn_abort(txn);
        if (!ok) n = -1;
    }
    out[0] = n;
}

static long bl_runs(const char *dir, int unchunk)
{
    runs_arg a = { dir, unchunk };
    long n = -1;
    return in_child(bl_runs_child, &a, &n, 1) ? -1 : n;
}

/* Runs kept in chunks (tests: 8 keys a chunk) and a merge cut short inside
 * them: the chunks it passed are deleted in the transaction that records
 * how far it got (their pages go to the merge's next transactions), reads
 * stay complete, and the next writer merges the rest, every quad once.
 * A run in one value (the layout of kouan of 2026-12-03) is merged too. */
static void test_backlog_chunks(void)
{
    librdf_model *m;
    char dir[300];
    librdf_storage *s = fresh_store("chunks", NULL, &m, dir);
    if (!s) return;
    long c[4];
    setenv("KOUAN_LMDB_RUN_CHUNK", "8", 1);
    setenv("KOUAN_LMDB_DRAIN_TXNS", "0", 1);        /* the groups end, the runs stay */
    CHECK(kouan_lmdb_set_group(s, 3600 * 1000, 60) == 0);
    for (int i = 1; i <= 12; i++) CHECK(replace_mixed(s, i, 20, i) == 0);
    CHECK(kouan_lmdb_set_group(s, 0, 0) == 0);
    unsetenv("KOUAN_LMDB_RUN_CHUNK");
    long whole = bl_runs(dir, 0);                   /* POSC's and OSPC's chunks */
    CHECK(whole >= 2 * (240 / 8));
    /* a merge cut short: three transactions of ~20 keys (POSC's runs, ~60
       keys each, are 8 chunks each) */
    setenv("KOUAN_LMDB_DRAIN_TXNS", "3", 1);
    setenv("KOUAN_LMDB_DRAIN_BYTES", "480", 1);
    CHECK(kouan_lmdb_merge(s, NULL) == 0);
    unsetenv("KOUAN_LMDB_DRAIN_TXNS");
    long left = bl_runs(dir, 0);
    CHECK(bl_committed(dir, c) == 0);
    CHECK(c[0] == 240 && c[1] > 0 && c[1] < 240 && c[2] == 0 && c[3] == 1);
    CHECK(left > 0 && left < whole);                /* merged chunks are gone */
    kouan_lmdb_stats st;
    CHECK(kouan_lmdb_stats_get(s, &st) == 0 && st.backlog == 240);   /* OSPC's, all */
    for (int p = 0; p < BL_P; p++) CHECK(bl_count(m, p, -1, 0) == bl_expect(p, 1, 12, 20, 0, 0));
    CHECK(bl_count(m, -1, 7, 5) == 1 && bl_count(m, 1, 7, 5) == 1);
    /* the rest, a transaction at a time */
    CHECK(kouan_lmdb_merge(s, NULL) == 0);
    unsetenv("KOUAN_LMDB_DRAIN_BYTES");
    CHECK(bl_committed(dir, c) == 0);
    CHECK(c[0] == 240 && c[1] == 240 && c[2] == 240 && c[3] == 0);
    CHECK(bl_runs(dir, 0) == 0);
    for (int p = 0; p < BL_P; p++) CHECK(bl_count(m, p, -1, 0) == bl_expect(p, 1, 12, 20, 0, 0));

    /* runs in one value each, as kouan wrote them the day before chunks */
    setenv("KOUAN_LMDB_DRAIN_TXNS", "0", 1);        /* the groups end, the runs stay */
    CHECK(kouan_lmdb_set_group(s, 3600 * 1000, 60) == 0);
    for (int i = 13; i <= 24; i++) CHECK(replace_mixed(s, i, 20, i) == 0);
    CHECK(kouan_lmdb_set_group(s, 0, 0) == 0);
    unsetenv("KOUAN_LMDB_DRAIN_TXNS");
    CHECK(bl_runs(dir, 1) >= 2);                    /* rewritten: POSC's and OSPC's */
    CHECK(kouan_lmdb_stats_get(s, &st) == 0 && st.backlog == 240);
    for (int p = 0; p < BL_P; p++) CHECK(bl_count(m, p, -1, 0) == bl_expect(p, 1, 24, 20, 0, 0));
    CHECK(kouan_lmdb_merge(s, NULL) == 0);
    CHECK(bl_committed(dir, c) == 0);
    CHECK(c[0] == 480 && c[1] == 480 && c[2] == 480 && c[3] == 0);
    CHECK(bl_runs(dir, 0) == 0);
    for (int p = 0; p < BL_P; p++) CHECK(bl_count(m, p, -1, 0) == bl_expect(p, 1, 24, 20, 0, 0));
    librdf_free_model(m);
    librdf_free_storage(s);
}

/* A triple many graphs state: the merged view steps past its copies with a
 * seek after a few (scan_step); every distinct triple must still come once. */
static void test_many_copies(void)
{
    librdf_model *m;
    librdf_storage *s = fresh_store("copies", NULL, &m, NULL);
    if (!s) return;
    static char val[16][32];
    for (int g = 0; g < 9; g++) {
        kouan_lmdb_triple t[16];
        int n = 0;
        for (int v = 0; v < 6; v++) {            /* in every graph */
            snprintf(val[n], sizeof val[n], "v%d", v);
            t[n] = (kouan_lmdb_triple){ EX "cp/s", EX "p1", val[n], 1, NULL, NULL };
            n++;
        }
        snprintf(val[n], sizeof val[n], "only %d", g);
        t[n] = (kouan_lmdb_triple){ EX "cp/s", EX "p1", val[n], 1, NULL, NULL };
        n++;
        t[n++] = (kouan_lmdb_triple){ EX "cp/s", EX "p2", EX "o1", 0, NULL, NULL };
        char gi[64];
        snprintf(gi, sizeof gi, EX "cp/g%d", g);
        size_t bad;
        CHECK(kouan_lmdb_replace_graph(s, gi, t, (size_t)n, &bad) == 0);
    }
    librdf_node *sn = librdf_new_node_from_uri_string(W, (const unsigned char *)EX "cp/s");
    librdf_statement *pat = librdf_new_statement_from_nodes(W, librdf_new_node_from_node(sn),
                                                           librdf_new_node_from_node(T[P1]), NULL);
    CHECK(count_stream(librdf_model_find_statements(m, pat)) == 6 + 9);   /* each once */
    librdf_free_statement(pat);
    pat = librdf_new_statement_from_nodes(W, librdf_new_node_from_node(sn), NULL, NULL);
    CHECK(count_stream(librdf_model_find_statements(m, pat)) == 6 + 9 + 1);
    librdf_free_statement(pat);
    librdf_node *v3 = librdf_new_node_from_typed_literal(W, (const unsigned char *)"v3", NULL, NULL);
    pat = librdf_new_statement_from_nodes(W, NULL, librdf_new_node_from_node(T[P1]), v3);
    CHECK(count_stream(librdf_model_find_statements(m, pat)) == 1);
    librdf_free_statement(pat);
    CHECK(librdf_model_size(m) == 9 * 8);                                /* every quad */
    librdf_free_node(sn);
    librdf_free_model(m);
    librdf_free_storage(s);
}

/* The file-backed pages of this process (kB), from /proc/self/status. */
static long rss_file_kb(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long kb = -1;
    while (f && fgets(line, sizeof line, f))
        if (sscanf(line, "RssFile: %ld kB", &kb) == 1) break;
    if (f) fclose(f);
    return kb;
}

/* A new store GDIR/name (its folder in dir) of `docs` graphs of 1,000
 * quads, closed: 0, or -1 (a failed check). */
static int filled_store(const char *name, int docs, char dir[300])
{
    librdf_model *m;
    librdf_storage *s = fresh_store(name, NULL, &m, dir);
    if (!s) return -1;
    for (int i = 0; i < docs; i++) CHECK(write_doc(m, i, 1000) == 0);
    librdf_free_model(m);
    librdf_free_storage(s);
    return 0;
}

static void test_resident(void)
{
    char dir[300];
    if (filled_store("resident", 40, dir)) return;
    librdf_storage *s = open_with(dir, "yes", NULL);
    librdf_model *m = librdf_new_model(W, s, NULL);
    size_t all = count_stream(librdf_model_as_stream(m));   /* every page mapped */
    long before = rss_file_kb();
    CHECK(kouan_lmdb_limit_resident(s, 1) == 0);
    CHECK(write_doc(m, 100, 10) == 0);                    /* a commit: trimmed */
    long after = rss_file_kb();
    /* a scan under the limit drops pages as it goes (every 256 steps, as
       lookups and the statements a stream builds do) */
    size_t again = count_stream(librdf_model_as_stream(m));
    long scanned = rss_file_kb();
    fprintf(stderr, "resident test: %ld kB file-backed after a scan, %ld after the commit, "
            "%ld after a scan under the limit\n", before, after, scanned);
    CHECK(before > 0 && after >= 0 && after < before - 2048);
    CHECK(scanned >= 0 && scanned < after + 1536);
    /* counting the distinct triples (`kouan store info`) reads all of SPOC:
       under the limit, it too drops pages as it goes */
    CHECK(kouan_lmdb_limit_resident(s, 0) == 0);
    count_stream(librdf_model_as_stream(m));              /* all mapped again */
    long mapped = rss_file_kb();
    CHECK(kouan_lmdb_limit_resident(s, 1) == 0);
    CHECK(write_doc(m, 101, 10) == 0);                    /* trimmed */
    long trimmed = rss_file_kb();
    kouan_lmdb_stats st;
    CHECK(kouan_lmdb_stats_get(s, &st) == 0);
    long counted = rss_file_kb();
    fprintf(stderr, "resident test: %ld kB mapped, %ld trimmed, %ld after counting triples\n",
            mapped, trimmed, counted);
    CHECK(st.quads == 40020 && st.triples == 40020);
    CHECK(counted >= 0 && counted < trimmed + 1536);
    /* the same bytes when mapped again */
    CHECK(all == 40000 && again == 40010);
    CHECK(quads_of(m, 7) == 1000);
    librdf_free_model(m);
    librdf_free_storage(s);
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", GDIR);
    CHECK(system(cmd) == 0);
}

/* The resident pages (kB) of this process' mapping of file `path`, from
 * /proc/self/smaps; 0 when it is not mapped. */
static long map_rss_kb(const char *path)
{
    FILE *f = fopen("/proc/self/smaps", "r");
    char line[4400];
    long kb = 0, v;
    int in = 0;
    size_t n = strlen(path);
    while (f && fgets(line, sizeof line, f)) {
        size_t len = strcspn(line, "\n");
        line[len] = '\0';
        unsigned long lo, hi;
        if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2)   /* a mapping's first line */
            in = len >= n && strcmp(line + len - n, path) == 0;
        else if (in && sscanf(line, "Rss: %ld kB", &v) == 1) kb += v;
    }
    if (f) fclose(f);
    return kb;
}

/* A store of 20 documents for a resident test: dir, data (its data.mdb)
 * and other (a file to map beside it); returns the store file's size, kB,
 * or -1 when it could not be made. */
static long resident_store(const char *name, char dir[300], char data[340], char other[340])
{
    if (filled_store(name, 20, dir)) return -1;
    snprintf(data, 340, "%s/data.mdb", dir);
    snprintf(other, 340, "%s/other.bin", GDIR);
    struct stat st;
    CHECK(stat(data, &st) == 0);
    return (long)(st.st_size >> 10);
}

/* File path made kb long, mapped shared and every page touched (resident
 * file-backed pages of this process); *fd its descriptor.  NULL when that
 * failed (checked). */
static unsigned char *resident_other(const char *path, long kb, int *fd)
{
    *fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
    CHECK(*fd >= 0 && ftruncate(*fd, (off_t)kb << 10) == 0);
    unsigned char *o = *fd >= 0 ? mmap(NULL, (size_t)kb << 10, PROT_READ | PROT_WRITE,
                                       MAP_SHARED, *fd, 0) : MAP_FAILED;
    CHECK(o != MAP_FAILED);
    if (o == MAP_FAILED) {
        if (*fd >= 0) close(*fd);
        return NULL;
    }
    for (long i = 0; i < kb << 10; i += 4096) o[i] = 1;
    return o;
}

/* Unmaps and removes what resident_other made. */
static void resident_other_end(const char *path, unsigned char *o, long kb, int fd)
{
    munmap(o, (size_t)kb << 10);
    close(fd);
    unlink(path);
}

/* The limit is the map's: a process whose other file-backed pages (its
 * libraries, kouan's lexicon: ~30 MB) exceed it keeps the map's pages up
 * to the limit.  Until 2026-12-03 the other pages counted against it, so
 * the map was dropped at every look (5,600 times in a 40 MB batch): this
 * test then finds the map empty after the scan. */
static void test_resident_map_only(void)
{
    char dir[300], data[340], other[340];
    long store_kb = resident_store("resident_map", dir, data, other);
    if (store_kb < 0) return;
    /* another file, mapped and read: twice the limit below */
    long limit_kb = store_kb + 2048, other_kb = 2 * limit_kb;
    int fd;
    unsigned char *o = resident_other(other, other_kb, &fd);
    if (!o) return;
    librdf_storage *s = open_with(dir, "yes", NULL);
    librdf_model *m = librdf_new_model(W, s, NULL);
    CHECK(kouan_lmdb_limit_resident(s, (size_t)limit_kb << 10) == 0);
    size_t all = count_stream(librdf_model_as_stream(m));   /* every page mapped */
    long kept = map_rss_kb(data), others = rss_file_kb();
    /* under a limit below the store: the scan drops the map's pages */
    CHECK(kouan_lmdb_limit_resident(s, 256 << 10) == 0);
    size_t again = count_stream(librdf_model_as_stream(m));
    long bounded = map_rss_kb(data);
    fprintf(stderr, "resident map test: store %ld kB, another file %ld kB (%ld kB "
            "file-backed in all); the map %ld kB after a scan under %ld kB, %ld kB under "
            "256 kB\n", store_kb, other_kb, others, kept, limit_kb, bounded);
    CHECK(all == 20000 && again == 20000);
    CHECK(kept > store_kb / 2);                  /* kept: the other file does not count */
    CHECK(kept <= limit_kb + 1024);
    CHECK(bounded < store_kb / 2 && bounded < kept);
    resident_other_end(other, o, other_kb, fd);
    librdf_free_model(m);
    librdf_free_storage(s);
}

/* The limit is measured from the fewest other file-backed pages seen
 * after the last drops, not from the last measure alone: a measure is
 * taken just after a drop, and kouan extract's workers fault the map's
 * pages in again meanwhile, which lifted the limit by as much (at 200 MB
 * the map's pages then peaked 20 MiB over it).  Here another file's
 * pages stand for those refaults: mapped for one drop only (a probe's),
 * they must not lift the limit of the scan after; with the last measure
 * as the base, the whole store stayed mapped through that scan. */
static void test_resident_base_least(void)
{
    char dir[300], data[340], other[340];
    long store_kb = resident_store("resident_base", dir, data, other);
    if (store_kb < 0) return;
    long other_kb = 2 * store_kb;
    librdf_storage *s = open_with(dir, "yes", NULL);
    librdf_model *m = librdf_new_model(W, s, NULL);
    CHECK(kouan_lmdb_limit_resident(s, 256 << 10) == 0);
    size_t all = count_stream(librdf_model_as_stream(m));  /* drops: the true base */
    kouan_lmdb_times t0, t1, t2;
    CHECK(kouan_lmdb_times_get(s, &t0) == 0);
    /* another file's pages, resident for one drop */
    int fd;
    unsigned char *o = resident_other(other, other_kb, &fd);
    if (!o) {
        librdf_free_model(m);
        librdf_free_storage(s);
        return;
    }
    /* a probe looks at the resident pages every 16th time: one drop */
    kouan_lmdb_triple q = { EX "e/0/0", EX "p1", "value 0 of 0", 1, "zh", NULL };
    char g[64];
    snprintf(g, sizeof g, EX "doc/%d", 0);
    for (int i = 0; i < 16; i++) CHECK(kouan_lmdb_has_quad(s, &q, g) == 1);
    CHECK(kouan_lmdb_times_get(s, &t1) == 0);
    resident_other_end(other, o, other_kb, fd);
    size_t again = count_stream(librdf_model_as_stream(m));
    long mapped = map_rss_kb(data);
    CHECK(kouan_lmdb_times_get(s, &t2) == 0);
    fprintf(stderr, "resident base test: store %ld kB; drops %zu in the first scan, %zu by "
            "the probes, %zu in the scan after; the map %ld kB after it\n", store_kb,
            t0.drops, t1.drops - t0.drops, t2.drops - t1.drops, mapped);
    CHECK(all == 20000 && again == 20000);
    CHECK(t0.drops >= 8);                        /* the first scan measured the base */
    CHECK(t1.drops == t0.drops + 1);             /* the other file's one drop */
    CHECK(t2.drops > t1.drops);                  /* the scan after: dropped as it went */
    CHECK(mapped >= 0 && mapped < store_kb / 2);
    librdf_free_model(m);
    librdf_free_storage(s);
}

/* How much of file path's [from, from + len) the page cache holds, kB
 * (mincore on a mapping: nothing is read); -1 on an error. */
static long cached_kb(const char *path, off_t from, size_t len)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0) return -1;
    void *p = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, from);
    close(fd);
    if (p == MAP_FAILED) return -1;
    size_t page = (size_t)sysconf(_SC_PAGESIZE), pages = (len + page - 1) / page;
    unsigned char *v = malloc(pages);
    long kb = -1;
    if (v && mincore(p, len, v) == 0) {
        kb = 0;
        for (size_t i = 0; i < pages; i++)
            if (v[i] & 1) kb += (long)(page >> 10);
    }
    free(v);
    munmap(p, len);
    return kb;
}

/* data.mdb's size, or -1 */
static off_t file_size(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0 ? sb.st_size : -1;
}

/* Waits up to 20 s (the helper runs on idle cores only) until data.mdb
 * reaches `want` bytes and the page cache holds [from, want): 1, or 0. */
static int tail_cached(const char *data, off_t from, off_t want)
{
    for (int t = 0; t < 2000; t++) {
        if (file_size(data) >= want &&
            cached_kb(data, from, (size_t)(want - from)) == (long)((want - from) >> 10))
            return 1;
        usleep(10000);
    }
    return 0;
}

/* The file's tail in the page cache ahead of a group writer: while groups
 * are on, a helper keeps KOUAN_LMDB_PREFAULT_MB past the last commit's end
 * allocated and cached (the writer's pwrites then find cached pages); when
 * they end, data.mdb is cut back to LMDB's last page; a store left with
 * such a tail (a writer killed mid-batch) opens, reads and writes as any,
 * and its next group writer cuts it. */
static void test_prefault(void)
{
    char dir[300], data[340];
    if (filled_store("prefault", 4, dir)) return;
    snprintf(data, sizeof data, "%s/data.mdb", dir);
    setenv("KOUAN_LMDB_PREFAULT_MB", "4", 1);
    librdf_storage *s = open_with(dir, "yes", NULL);
    librdf_model *m = s ? librdf_new_model(W, s, NULL) : NULL;
    CHECK(m != NULL);
    if (!m) return;
    kouan_lmdb_stats st;
    CHECK(kouan_lmdb_stats_get(s, &st) == 0 && file_size(data) == (off_t)st.used_bytes);
    off_t used = (off_t)st.used_bytes, ahead = (off_t)4 << 20;
    CHECK(kouan_lmdb_set_group(s, 3600 * 1000, 0) == 0);
    CHECK(tail_cached(data, used, used + ahead));
    /* a group's commit writes past the old end: the helper follows */
    for (int i = 10; i < 20; i++) CHECK(write_doc(m, i, 500) == 0);
    CHECK(kouan_lmdb_set_group(s, 3600 * 1000, 0) == 0);     /* commits the group */
    CHECK(kouan_lmdb_stats_get(s, &st) == 0 && (off_t)st.used_bytes > used);
    CHECK(tail_cached(data, (off_t)st.used_bytes, (off_t)st.used_bytes + ahead));
    /* groups end: the file is LMDB's pages again, and holds every quad */
    CHECK(kouan_lmdb_set_group(s, 0, 0) == 0);
    CHECK(kouan_lmdb_stats_get(s, &st) == 0);
    CHECK(file_size(data) == (off_t)st.used_bytes);
    CHECK(st.quads == 4 * 1000 + 10 * 500 && quads_of(m, 15) == 500);
    kouan_lmdb_times t;
    CHECK(kouan_lmdb_times_get(s, &t) == 0 && t.prefault_bytes >= (size_t)ahead);
    librdf_free_model(m);
    librdf_free_storage(s);

    /* a tail left by a writer killed mid-batch: opened and used as any */
    used = file_size(data);
    CHECK(truncate(data, used + ahead) == 0);
    s = open_with(dir, "yes", NULL);
    m = s ? librdf_new_model(W, s, NULL) : NULL;
    CHECK(m != NULL);
    if (!m) return;
    CHECK(count_stream(librdf_model_as_stream(m)) == 9000);
    CHECK(write_doc(m, 30, 100) == 0 && quads_of(m, 30) == 100 && quads_of(m, 2) == 1000);
    CHECK(kouan_lmdb_set_group(s, 3600 * 1000, 0) == 0 && kouan_lmdb_set_group(s, 0, 0) == 0);
    CHECK(kouan_lmdb_stats_get(s, &st) == 0 && file_size(data) == (off_t)st.used_bytes);
    /* no core to spare (kouan extract -j 2 on two cores): nothing cached
       ahead, the file stays LMDB's; then a spare core again: cached */
    CHECK(kouan_lmdb_times_get(s, &t) == 0);
    size_t cached_before = t.prefault_bytes;
    CHECK(kouan_lmdb_set_spare_core(s, 0) == 0);
    CHECK(kouan_lmdb_set_group(s, 3600 * 1000, 0) == 0);
    usleep(200 * 1000);
    CHECK(file_size(data) == (off_t)st.used_bytes);
    CHECK(write_doc(m, 31, 100) == 0 && quads_of(m, 31) == 100);
    CHECK(kouan_lmdb_set_group(s, 0, 0) == 0);
    CHECK(kouan_lmdb_times_get(s, &t) == 0 && t.prefault_bytes == cached_before);
    CHECK(kouan_lmdb_stats_get(s, &st) == 0 && file_size(data) == (off_t)st.used_bytes);
    CHECK(kouan_lmdb_set_spare_core(s, 1) == 0);
    CHECK(kouan_lmdb_set_group(s, 3600 * 1000, 0) == 0);
    CHECK(tail_cached(data, (off_t)st.used_bytes, (off_t)st.used_bytes + ahead));
    CHECK(kouan_lmdb_set_group(s, 0, 0) == 0);
    CHECK(kouan_lmdb_stats_get(s, &st) == 0 && file_size(data) == (off_t)st.used_bytes);
    /* KOUAN_LMDB_PREFAULT_MB=0: no helper, the file stays LMDB's */
    setenv("KOUAN_LMDB_PREFAULT_MB", "0", 1);
    CHECK(kouan_lmdb_set_group(s, 3600 * 1000, 0) == 0);
    usleep(200 * 1000);
    CHECK(file_size(data) == (off_t)st.used_bytes);
    CHECK(kouan_lmdb_set_group(s, 0, 0) == 0);
    unsetenv("KOUAN_LMDB_PREFAULT_MB");
    librdf_free_model(m);
    librdf_free_storage(s);
}

/* ---- term ids off the writer's thread ---------------------------------------- */

typedef struct lookup_job {
    librdf_storage    *s;
    kouan_lmdb_triple  t[2];
    uint64_t           id[6];
    int                rounds, rc;
} lookup_job;

static void *lookup_thread(void *arg)
{
    lookup_job *j = arg;
    kouan_lmdb_idcache *c = kouan_lmdb_idcache_new();
    for (int r = 0; r < j->rounds && !j->rc; r++) j->rc = kouan_lmdb_lookup_ids(j->s, c, NULL, j->t, 2, j->id);
    kouan_lmdb_idcache_free(c);
    return NULL;
}

/* Statements (s p o) in graph g of m, o an IRI (literal 0) or a plain literal. */
static size_t count_in(librdf_model *m, const char *g, const char *s, const char *p,
                       const char *o, int literal)
{
    librdf_node *gn = librdf_new_node_from_uri_string(W, (const unsigned char *)g);
    librdf_statement *st = librdf_new_statement_from_nodes(W,
        librdf_new_node_from_uri_string(W, (const unsigned char *)s),
        librdf_new_node_from_uri_string(W, (const unsigned char *)p),
        literal ? librdf_new_node_from_literal(W, (const unsigned char *)o, NULL, 0)
                : librdf_new_node_from_uri_string(W, (const unsigned char *)o));
    size_t n = count_stream(librdf_model_find_statements_in_context(m, st, gn));
    librdf_free_statement(st);
    librdf_free_node(gn);
    return n;
}

/* kouan_lmdb_lookup_ids gives the ids of the last commit (a term only the
 * open group numbered: 0, the writer numbers it), keeps a miss no longer
 * than its call, works from another thread while this one writes and
 * commits groups; replace_graph takes a term by its id alone, and refuses
 * a term with neither string nor id. */
static void test_lookup_ids(void)
{
    librdf_model *m;
    librdf_storage *s = fresh_store("ids", NULL, &m, NULL);
    if (!s) return;
    size_t bad;
    kouan_lmdb_triple A[] = {
        { EX "a", EX "p", EX "b", 0, NULL, NULL },
        { EX "a", EX "q", "lit", 1, "zh", NULL },
    };
    CHECK(kouan_lmdb_replace_graph(s, EX "g1", A, 2, &bad) == 0);
    kouan_lmdb_idcache *c = kouan_lmdb_idcache_new();
    CHECK(c != NULL);
    kouan_lmdb_triple B[] = {
        { EX "a", EX "p", EX "new", 0, NULL, NULL },
        { EX "new", EX "q", "lit", 1, "zh", NULL },
        { EX "new", EX "q", "lit", 1, "en", NULL },            /* another term */
    };
    uint64_t b[9], cid[3];
    CHECK(kouan_lmdb_lookup_ids(s, c, NULL, B, 3, b) == 0);
    CHECK(b[0] && b[1] && !b[2]);                               /* a p, not new */
    CHECK(!b[3] && b[4] && b[5] && !b[8]);                      /* q "lit"@zh, not @en */
    CHECK(b[0] != b[1] && b[4] != b[1]);
    CHECK(kouan_lmdb_term_with(s, b[0], term_iri, EX "a") != NULL);
    CHECK(kouan_lmdb_term_with(s, b[4], term_iri, EX "q") != NULL);
    /* the writer numbers what the lookup lacked; written with the ids */
    CHECK(kouan_lmdb_set_group(s, 3600 * 1000, 0) == 0);
    CHECK(kouan_lmdb_replace_graph_ids(s, EX "g2", B, b, 3, &bad) == 0);
    CHECK(count_in(m, EX "g2", EX "a", EX "p", EX "new", 0) == 1);
    /* numbered in the open group, not committed: not in a snapshot */
    kouan_lmdb_triple C[] = { { EX "new", EX "p", EX "a", 0, NULL, NULL } };
    CHECK(kouan_lmdb_lookup_ids(s, c, NULL, C, 1, cid) == 0 && !cid[0] && cid[2] == b[0]);
    /* another thread looks up while this one writes, committing a group
       every 100 quads */
    lookup_job j = { s, { { EX "a", EX "p", EX "b", 0, NULL, NULL },
                          { EX "new", EX "q", "lit", 1, "zh", NULL } }, { 0 }, 300, 0 };
    pthread_t th;
    CHECK(kouan_lmdb_set_group(s, 3600 * 1000, 100) == 0);
    int started = pthread_create(&th, NULL, lookup_thread, &j) == 0;
    CHECK(started);
    for (int i = 10; i < 60; i++) CHECK(replace_n(s, i, 20, NULL) == 0);
    if (started) pthread_join(th, NULL);
    CHECK(j.rc == 0 && j.id[0] == b[0] && j.id[1] == b[1] && j.id[4] == b[4] && j.id[5] == b[5]);
    /* committed: found now, through the same cache (a miss lasts a call) */
    CHECK(kouan_lmdb_set_group(s, 0, 0) == 0);
    CHECK(kouan_lmdb_lookup_ids(s, c, NULL, C, 1, cid) == 0 && cid[0] && cid[1] == b[1]);
    CHECK(kouan_lmdb_term_with(s, cid[0], term_iri, EX "new") != NULL);
    /* a graph the store lacks: the IRIs minted under it are not searched
       for (0), other terms are; one already stored (here by another
       graph) is found by the writer, not numbered again */
    kouan_lmdb_triple E[] = {
        { EX "g4#f1", EX "p", EX "a", 0, NULL, NULL },
        { EX "g4#f1", EX "q", EX "g4#f2", 0, NULL, NULL },
        { EX "g4x#f1", EX "q", EX "g4", 0, NULL, NULL },    /* not under g4 */
    };
    kouan_lmdb_triple E0[] = { { EX "g4#f1", EX "p", EX "b", 0, NULL, NULL } };
    CHECK(kouan_lmdb_replace_graph(s, EX "g1", E0, 1, &bad) == 0);   /* g4#f1 stored */
    uint64_t e[9], e_all[9];
    CHECK(kouan_lmdb_lookup_ids(s, c, NULL, E, 3, e_all) == 0 && e_all[0]);
    CHECK(kouan_lmdb_lookup_ids(s, c, EX "g4", E, 3, e) == 0);
    CHECK(!e[0] && e[1] == e_all[1] && e[2] == e_all[2]);        /* g4#f1 not searched */
    CHECK(!e[3] && !e[5] && e[4] == e_all[4]);
    CHECK(e[6] == e_all[6] && e[6] == 0 && e[8] == e_all[8]);    /* g4x#f1: searched */
    CHECK(kouan_lmdb_set_group(s, 3600 * 1000, 0) == 0);
    CHECK(kouan_lmdb_replace_graph_ids(s, EX "g4", E, e, 3, &bad) == 0);
    CHECK(kouan_lmdb_set_group(s, 0, 0) == 0);
    CHECK(kouan_lmdb_lookup_ids(s, c, NULL, E, 1, e) == 0 && e[0] == e_all[0]);
    CHECK(count_in(m, EX "g4", EX "g4#f1", EX "p", EX "a", 0) == 1);
    /* once stored, the graph's own IRIs are searched for */
    CHECK(kouan_lmdb_lookup_ids(s, c, EX "g4", E, 3, e) == 0 && e[0] == e_all[0] && e[5]);
    /* terms given by their ids alone, strings dropped (as kouan extract's
       workers leave them) */
    kouan_lmdb_triple D[] = {
        { NULL, NULL, NULL, 0, NULL, NULL },
        { EX "d", NULL, "x", 1, NULL, NULL },
    };
    uint64_t d[6] = { cid[0], cid[1], cid[2], 0, cid[1], 0 };
    CHECK(kouan_lmdb_replace_graph_ids(s, EX "g3", D, d, 2, &bad) == 0);
    CHECK(count_in(m, EX "g3", EX "new", EX "p", EX "a", 0) == 1);
    CHECK(count_in(m, EX "g3", EX "d", EX "p", "x", 1) == 1);
    /* neither a string nor an id: refused, graph g3 as it was */
    d[3] = d[4] = d[5] = 0;
    CHECK(kouan_lmdb_replace_graph_ids(s, EX "g3", D, d, 2, &bad) != 0 && bad == 1);
    CHECK(count_in(m, EX "g3", EX "d", EX "p", "x", 1) == 1);
    CHECK(count_in(m, EX "g3", EX "new", EX "p", EX "a", 0) == 1);
    kouan_lmdb_idcache_free(c);
    librdf_free_model(m);
    librdf_free_storage(s);
}

/* A term another process numbered since this one last wrote: not in this
 * writer's term cache, so numbering it tries to store a new id and must
 * be given the stored one instead (term_id_v2's one descent of `ids`,
 * refused by MDB_NOOVERWRITE with the id it holds). */
static void test_term_numbered_elsewhere(void)
{
    librdf_model *m;
    char dir[300];
    librdf_storage *s = fresh_store("elsewhere", NULL, &m, dir);
    if (!s) return;
    size_t bad;
    kouan_lmdb_triple A[] = { { EX "a", EX "p", EX "b", 0, NULL, NULL } };
    CHECK(kouan_lmdb_replace_graph(s, EX "g1", A, 1, &bad) == 0);
    pid_t pid = fork();
    if (pid == 0) {
        librdf_storage *s2 = open_with(dir, "yes", NULL);
        kouan_lmdb_triple X[] = { { EX "x", EX "p", EX "elsewhere", 0, NULL, NULL },
                                  { EX "x", EX "q", "numbered there", 1, NULL, NULL } };
        int ok = s2 && kouan_lmdb_replace_graph(s2, EX "g2", X, 2, &bad) == 0;
        if (s2) librdf_free_storage(s2);
        _exit(ok ? 0 : 1);
    }
    int status = 1;
    CHECK(pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
          WEXITSTATUS(status) == 0);
    kouan_lmdb_triple B[] = { { EX "a", EX "p", EX "elsewhere", 0, NULL, NULL },
                              { EX "a", EX "q", "numbered there", 1, NULL, NULL },
                              { EX "a", EX "q", "numbered here", 1, NULL, NULL } };
    kouan_lmdb_stats st0, st1;
    CHECK(kouan_lmdb_stats_get(s, &st0) == 0);
    CHECK(kouan_lmdb_replace_graph(s, EX "g3", B, 3, &bad) == 0);
    /* each triple found under the ids `ids` holds (kouan_lmdb_has_quad
       reads the dictionary, not this writer's term cache, which maps a
       string to whatever id it was given) */
    for (int i = 0; i < 3; i++) CHECK(kouan_lmdb_has_quad(s, &B[i], EX "g3") == 1);
    /* three quads; two terms more: g3's IRI and "numbered here", the two
       numbered there reused */
    CHECK(kouan_lmdb_stats_get(s, &st1) == 0 && st1.quads == st0.quads + 3);
    CHECK(st1.terms == st0.terms + 2);
    librdf_free_model(m);
    librdf_free_storage(s);
}

/* Graph doc/i: n triples (s<i> p "<tag> sentence j"), and the plain
 * literal `shared` under p2 when not NULL. */
static int replace_sentences(librdf_storage *s, int i, int n, const char *tag, const char *shared)
{
    static char sub[32], obj[64][64];
    char g[64];
    kouan_lmdb_triple t[65];
    snprintf(sub, sizeof sub, EX "s%d", i);
    for (int j = 0; j < n && j < 64; j++) {
        snprintf(obj[j], sizeof obj[j], "%s sentence %d of %d", tag, j, i);
        t[j] = (kouan_lmdb_triple){ sub, EX "p", obj[j], 1, NULL, NULL };
    }
    if (shared) t[n++] = (kouan_lmdb_triple){ sub, EX "p2", shared, 1, NULL, NULL };
    snprintf(g, sizeof g, EX "doc/%d", i);
    size_t bad;
    return kouan_lmdb_replace_graph(s, g, t, (size_t)n, &bad);
}

/* Statements whose object is the plain literal lit, all graphs, as m reads. */
static size_t with_literal(librdf_model *m, const char *lit)
{
    librdf_statement *q = librdf_new_statement_from_nodes(W, NULL, NULL,
        librdf_new_node_from_literal(W, (const unsigned char *)lit, NULL, 0));
    size_t n = count_stream(librdf_model_find_statements(m, q));
    librdf_free_statement(q);
    return n;
}

typedef struct lit_arg { const char *dir, *lit; } lit_arg;

static void with_literal_child(void *arg, long *out)
{
    lit_arg *a = arg;
    librdf_storage *s = open_with(a->dir, "no", NULL);
    librdf_model *m = s ? librdf_new_model(W, s, NULL) : NULL;
    out[0] = m ? (long)with_literal(m, a->lit) : -1;
}

/* with_literal in another process, on what the store in dir has committed. */
static long with_literal_elsewhere(const char *dir, const char *lit)
{
    lit_arg a = { dir, lit };
    long n = -1;
    return in_child(with_literal_child, &a, &n, 1) ? -1 : n;
}

/* The backlog of `ids` (format 4): a group's new plain literals reach
 * `ids` only at the merge.  Meanwhile a literal keeps one id across groups
 * (the writer's memory of the runs), across a worker's lookup (which does
 * not see the runs: the writer numbers it), after a nested transaction
 * lost (its pairs gone with its ids), and across processes — another
 * process reads it from the runs, and a writer finds the runs a killed
 * batch left.  A term with two ids would be found under one of them: a
 * lookup by value would then count one statement of two. */
static void test_id_backlog(void)
{
    librdf_model *m;
    char dir[300];
    librdf_storage *s = fresh_store("idlog", NULL, &m, dir);
    if (!s) return;
    kouan_lmdb_stats st;
    CHECK(kouan_lmdb_stats_get(s, &st) == 0 && st.format == 5);
    CHECK(kouan_lmdb_set_group(s, 3600 * 1000, 40) == 0);
    /* quoted by graphs 1 and 2 (one group) and 9 (a later one); longer
       than the writer's term cache keeps, so each is looked up */
    char shared[400];
    memset(shared, 'q', 300);
    snprintf(shared + 300, 100, " a sentence three documents quote");
    for (int i = 1; i <= 8; i++) CHECK(replace_sentences(s, i, 20, "A", i <= 2 ? shared : NULL) == 0);
    CHECK(replace_sentences(s, 9, 20, "A", shared) == 0);    /* groups later */
    CHECK(replace_sentences(s, 10, 20, "A", NULL) == 0);     /* 9's group committed */
    CHECK(kouan_lmdb_stats_get(s, &st) == 0 && st.backlog_terms > 100);
    CHECK(with_literal(m, shared) == 3);
    CHECK(with_literal(m, "A sentence 3 of 4") == 1);
    /* another process, on the committed runs */
    CHECK(with_literal_elsewhere(dir, shared) == 3);
    CHECK(with_literal_elsewhere(dir, "A sentence 5 of 7") == 1);
    CHECK(with_literal_elsewhere(dir, "A sentence 5 of 99") == 0);
    /* a worker's lookup misses a literal only the runs hold; the writer,
       given the ids it found, numbers it as the runs say */
    kouan_lmdb_triple W1[] = { { EX "w", EX "p", "A sentence 1 of 2", 1, NULL, NULL } };
    uint64_t wid[3];
    kouan_lmdb_idcache *c = kouan_lmdb_idcache_new();
    CHECK(c && kouan_lmdb_lookup_ids(s, c, NULL, W1, 1, wid) == 0 && wid[1] && !wid[2]);
    size_t bad;
    CHECK(kouan_lmdb_replace_graph_ids(s, EX "doc/w", W1, wid, 1, &bad) == 0);
    kouan_lmdb_idcache_free(c);
    CHECK(with_literal(m, "A sentence 1 of 2") == 2);
    /* a graph refused after numbering a new literal: its id is given again,
       and the literal, quoted next, is numbered anew */
    kouan_lmdb_triple bad_doc[] = { { EX "b", EX "p", "quoted by a refused graph", 1, NULL, NULL },
                                    { EX "b", NULL, "x", 1, NULL, NULL } };
    CHECK(kouan_lmdb_replace_graph(s, EX "doc/refused", bad_doc, 2, &bad) != 0 && bad == 1);
    kouan_lmdb_triple after[] = { { EX "b", EX "p", "quoted by a refused graph", 1, NULL, NULL } };
    CHECK(kouan_lmdb_replace_graph(s, EX "doc/after", after, 1, &bad) == 0);
    CHECK(with_literal(m, "quoted by a refused graph") == 1);
    CHECK(kouan_lmdb_set_group(s, 0, 0) == 0);      /* merged */
    /* a batch killed before its merge: its runs stay, and this writer
       (which knew other runs) reads them before numbering */
    setenv("KOUAN_LMDB_DRAIN_TXNS", "0", 1);
    pid_t pid = fork();
    if (pid == 0) {
        librdf_storage *s2 = open_with(dir, "yes", NULL);
        int ok = s2 && kouan_lmdb_set_group(s2, 3600 * 1000, 40) == 0;
        for (int i = 20; ok && i <= 25; i++)
            ok = replace_sentences(s2, i, 20, "K", i == 21 ? "quoted by the killed batch" : NULL) == 0;
        ok = ok && kouan_lmdb_set_group(s2, 0, 0) == 0;   /* committed, not merged */
        _exit(ok ? 0 : 1);                               /* as if killed: no close */
    }
    int status = 1;
    CHECK(pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
          WEXITSTATUS(status) == 0);
    unsetenv("KOUAN_LMDB_DRAIN_TXNS");
    CHECK(kouan_lmdb_stats_get(s, &st) == 0 && st.backlog_terms > 100);
    CHECK(kouan_lmdb_set_group(s, 3600 * 1000, 40) == 0);
    CHECK(replace_sentences(s, 30, 20, "A", "quoted by the killed batch") == 0);
    CHECK(replace_sentences(s, 31, 20, "A", shared) == 0);
    CHECK(with_literal(m, "quoted by the killed batch") == 2);
    CHECK(kouan_lmdb_set_group(s, 0, 0) == 0);
    /* all in `ids` now, found by every process, each under one id */
    CHECK(kouan_lmdb_stats_get(s, &st) == 0 && st.backlog_terms == 0 && st.backlog == 0);
    CHECK(with_literal_elsewhere(dir, "quoted by the killed batch") == 2);
    CHECK(with_literal_elsewhere(dir, shared) == 4);
    CHECK(with_literal_elsewhere(dir, "K sentence 19 of 25") == 1);
    CHECK(with_literal_elsewhere(dir, "A sentence 1 of 2") == 2);
    CHECK(with_literal_elsewhere(dir, "quoted by a refused graph") == 1);
    long cnt[4];
    CHECK(bl_committed(dir, cnt) == 0 && cnt[3] == 0);
    librdf_free_model(m);
    librdf_free_storage(s);
}

/* Keys of `ids` in the store in dir whose first byte is first (LMDB itself,
 * no storage open on dir in this process); with tag, meta "format" is set
 * to it first.  -1 on failure. */
static long ids_keys_from(const char *dir, unsigned char first, const char *tag)
{
    MDB_env *env;
    MDB_txn *txn;
    MDB_dbi ids, meta;
    MDB_cursor *cur;
    long n = -1;
    if (mdb_env_create(&env)) return -1;
    if (mdb_env_set_maxdbs(env, 8) == 0 && mdb_env_open(env, dir, 0, 0) == 0 &&
        mdb_txn_begin(env, NULL, 0, &txn) == 0) {
        MDB_val k = { 6, "format" }, v = { tag ? strlen(tag) : 0, (void *)tag }, key, val;
        int ok = mdb_dbi_open(txn, "ids", 0, &ids) == 0 && mdb_dbi_open(txn, "meta", 0, &meta) == 0 &&
                 (!tag || mdb_put(txn, meta, &k, &v, 0) == 0) && mdb_cursor_open(txn, ids, &cur) == 0;
        if (ok) {
            n = 0;
            for (int rc = mdb_cursor_get(cur, &key, &val, MDB_FIRST); rc == 0;
                 rc = mdb_cursor_get(cur, &key, &val, MDB_NEXT))
                n += key.mv_size > 0 && ((const unsigned char *)key.mv_data)[0] == first;
            mdb_cursor_close(cur);
        }
        if (!ok || mdb_txn_commit(txn)) n = -1;
    }
    mdb_env_close(env);
    return n;
}

/* A format-3 store (a kouan before 2026-12-04 made it) stays format 3:
 * its plain literals keep their bytes as key, with no backlog of `ids`,
 * and are found and shared as before; a new store keys them by hash. */
static void test_format3_kept(void)
{
    librdf_model *m;
    char dir[300];
    librdf_storage *s = fresh_store("f3", NULL, &m, dir);
    if (!s) return;
    librdf_free_model(m);
    librdf_free_storage(s);
    CHECK(ids_keys_from(dir, 'L', "kouan-lmdb 3") == 0);       /* made format 3 */
    s = open_with(dir, "yes", NULL);
    m = s ? librdf_new_model(W, s, NULL) : NULL;
    CHECK(m != NULL);
    if (!m) { if (s) librdf_free_storage(s); return; }
    kouan_lmdb_stats st;
    CHECK(kouan_lmdb_stats_get(s, &st) == 0 && st.format == 3);
    CHECK(kouan_lmdb_set_group(s, 3600 * 1000, 40) == 0);
    for (int i = 1; i <= 6; i++) CHECK(replace_sentences(s, i, 20, "T", i % 3 ? NULL : "twice") == 0);
    CHECK(kouan_lmdb_stats_get(s, &st) == 0 && st.backlog > 0 && st.backlog_terms == 0);
    CHECK(with_literal(m, "twice") == 2 && with_literal(m, "T sentence 4 of 5") == 1);
    CHECK(kouan_lmdb_set_group(s, 0, 0) == 0);
    CHECK(with_literal(m, "twice") == 2);
    librdf_free_model(m);
    librdf_free_storage(s);
    CHECK(ids_keys_from(dir, 'L', NULL) == 121 && ids_keys_from(dir, 0xFF, NULL) == 0);
    /* the same in a new store: hashed */
    s = fresh_store("f4", NULL, &m, dir);
    if (!s) return;
    CHECK(kouan_lmdb_set_group(s, 3600 * 1000, 40) == 0);
    for (int i = 1; i <= 6; i++) CHECK(replace_sentences(s, i, 20, "T", i % 3 ? NULL : "twice") == 0);
    CHECK(kouan_lmdb_set_group(s, 0, 0) == 0);
    CHECK(with_literal(m, "twice") == 2);
    librdf_free_model(m);
    librdf_free_storage(s);
    CHECK(ids_keys_from(dir, 'L', NULL) == 0 && ids_keys_from(dir, 0xFF, NULL) == 121);
}

/* ---- format 5: unlinked predicates, left out of OSPC --------------------- */

static long quads_with_p(int p)
{
    long n = 0;
    for (size_t i = 0; i < NQ; i++) n += Q[i][1] == p;
    return n;
}

/* The nodes an iterator gives, as term numbers (-2: not one of T). */
static int iter_terms(librdf_iterator *it, int *out, int max)
{
    int n = 0;
    for (; it && !librdf_iterator_end(it); librdf_iterator_next(it))
        if (n < max) out[n++] = term_of(librdf_iterator_get_object(it));
    if (it) librdf_free_iterator(it);
    return n;
}

/* find_sources (p, o), find_arcs (s, o) and find_targets (s, p) for the
 * terms of every quad, against the distinct values Q holds (each once). */
static void check_iterators(librdf_model *m)
{
    for (size_t i = 0; i < NQ; i++)
        for (int shape = 0; shape < 3; shape++) {
            /* shape 0: sources (p, o); 1: arcs (s, o); 2: targets (s, p) */
            static const int A[3] = { 1, 0, 0 }, B[3] = { 2, 2, 1 };
            int a = A[shape], b = B[shape], want_part = shape;
            int want[NQ], nwant = 0;
            for (size_t j = 0; j < NQ; j++) {
                if (Q[j][a] != Q[i][a] || Q[j][b] != Q[i][b]) continue;
                int v = Q[j][want_part], dup = 0;
                for (int k = 0; k < nwant; k++) dup |= want[k] == v;
                if (!dup) want[nwant++] = v;
            }
            int got[NQ + 4];
            int n = iter_terms(shape == 0 ? librdf_model_get_sources(m, T[Q[i][1]], T[Q[i][2]])
                               : shape == 1 ? librdf_model_get_arcs(m, T[Q[i][0]], T[Q[i][2]])
                                            : librdf_model_get_targets(m, T[Q[i][0]], T[Q[i][1]]),
                               got, NQ + 4);
            int bad = n != nwant;
            for (int k = 0; k < n && k < nwant && !bad; k++) {
                int found = 0;
                for (int j = 0; j < nwant; j++) found |= got[k] == want[j];
                for (int j = 0; j < k; j++) found &= got[j] != got[k];
                bad = !found;
            }
            if (bad)
                fprintf(stderr, "iterator shape %d of quad %zu: %d nodes, want %d\n", shape, i, n,
                        nwant);
            CHECK(!bad);
        }
}

/* A store made with unlinked='p1 …' leaves p1's quads out of OSPC, and
 * answers every pattern shape and iterator as a store that holds them
 * (test_shapes' brute force): a pattern with the object bound and the
 * predicate unbound reads OSPC's range and then POSC's (p1, o) range.
 * The same through a group commit's backlog, before and after its merge.
 * A format-4 store (no set) stays format 4, every quad in OSPC. */
static void test_unlinked(void)
{
    char dir[300];
    snprintf(dir, sizeof dir, "%s/unlinked", DIR_);
    CHECK(mkdir(dir, 0700) == 0);
    check_nine_refused(dir, "unlinked", "unlinked predicates");
    /* as kouan's stores: p2's literals unindexed, p1 unlinked (its objects
       IRIs and literals, so both kinds of o meet the union) */
    const char *opt = ",unindexed='" EX "p2',unlinked='" EX "p1 " EX "never-used'";
    librdf_storage *s = open_with(dir, "yes", opt);
    librdf_model *m = s ? librdf_new_model(W, s, NULL) : NULL;
    CHECK(m != NULL);
    if (!m) return;
    load(m);
    CHECK(librdf_model_sync(m) == 0);
    kouan_lmdb_stats st;
    CHECK(kouan_lmdb_stats_get(s, &st) == 0 && st.format == 5 && st.unindexed == 1 &&
          st.unlinked == 2);
    test_basics(m);
    test_shapes(m);
    check_iterators(m);
    size_t with_o1 = 0, with_s2 = 0, s1_o1 = 0;   /* every quad with that object */
    for (size_t i = 0; i < NQ; i++) {
        with_o1 += Q[i][2] == O1;
        with_s2 += Q[i][2] == S2;
        s1_o1 += Q[i][0] == S1 && Q[i][2] == O1;
    }
    CHECK(kouan_lmdb_estimate(s, NULL, NULL, T[O1], NULL, 100) == with_o1);
    CHECK(kouan_lmdb_estimate(s, NULL, NULL, T[S2], NULL, 100) == with_s2);
    CHECK(kouan_lmdb_estimate(s, T[S1], NULL, T[O1], NULL, 100) == s1_o1);
    test_duplicates_and_removal(m);
    test_transactions(m);
    test_shapes(m);
    check_iterators(m);
    librdf_free_model(m);
    librdf_free_storage(s);
    long lit = literal_quads_of(P2), p1 = quads_with_p(P1);
    CHECK(lit == 3 && p1 == 8);
    CHECK(index_entries(dir, "spoc") == (long)NQ && index_entries(dir, "cspo") == (long)NQ);
    CHECK(index_entries(dir, "posc") == (long)NQ - lit);
    CHECK(index_entries(dir, "ospc") == (long)NQ - lit - p1);

    /* reopened read-only without options: the store keeps its sets */
    check_reopened(dir, &st, 1);
    CHECK(st.format == 5 && st.unlinked == 2 && st.unindexed == 1);

    /* a group commit: the graphs' OSPC keys wait in the backlog's runs
       (reads scan SPOC or CSPO meanwhile), and its merge leaves p1 out */
    char dir2[300];
    if (!(s = fresh_store_in(DIR_, "unlinked-group", opt, &m, dir2))) return;
    CHECK(kouan_lmdb_set_group(s, 3600 * 1000, 1000) == 0);
    enum { G = 6 };
    static char node[G][32], ent[2][32], gname[G][32];
    snprintf(ent[0], sizeof ent[0], EX "e0");
    snprintf(ent[1], sizeof ent[1], EX "e1");
    for (int i = 0; i < G; i++) {
        snprintf(node[i], sizeof node[i], EX "f%d", i);
        snprintf(gname[i], sizeof gname[i], EX "doc/%d", i);
        /* hub's two triples in every graph: a find_arcs (hub, e0) steps
           over p3's copies with a seek past the end of OSPC's range, and
           must go on to POSC's (p1, e0, hub) range (ki_skip) */
        kouan_lmdb_triple t[5] = {
            { node[i], EX "p1", ent[i % 2], 0, NULL, NULL },      /* unlinked */
            { node[i], EX "p3", ent[i % 2], 0, NULL, NULL },      /* linked */
            { node[i], EX "p1", "said", 1, NULL, NULL },          /* unlinked literal */
            { EX "hub", EX "p3", ent[0], 0, NULL, NULL },
            { EX "hub", EX "p1", ent[0], 0, NULL, NULL },
        };
        size_t bad;
        CHECK(kouan_lmdb_replace_graph(s, gname[i], t, 5, &bad) == 0);
    }
    CHECK(kouan_lmdb_stats_get(s, &st) == 0 && st.backlog > 0);
    librdf_node *e0 = librdf_new_node_from_uri_string(W, (const unsigned char *)EX "e0");
    librdf_node *f2 = librdf_new_node_from_uri_string(W, (const unsigned char *)EX "f2");
    librdf_node *hub = librdf_new_node_from_uri_string(W, (const unsigned char *)EX "hub");
    for (int pass = 0; pass < 2; pass++) {          /* in the backlog; merged */
        librdf_statement *pat = librdf_new_statement_from_nodes(W, NULL, NULL,
                                                                librdf_new_node_from_node(e0));
        CHECK(count_stream(librdf_model_find_statements(m, pat)) == G + 2); /* 3 × p1, p3; hub's */
        librdf_free_statement(pat);
        int got[8];
        CHECK(iter_terms(librdf_model_get_arcs(m, f2, e0), got, 8) == 2);
        CHECK(iter_terms(librdf_model_get_arcs(m, hub, e0), got, 8) == 2);
        librdf_node *g2 = librdf_new_node_from_uri_string(W, (const unsigned char *)EX "doc/2");
        pat = librdf_new_statement_from_nodes(W, NULL, NULL, librdf_new_node_from_node(e0));
        CHECK(count_stream(librdf_model_find_statements_in_context(m, pat, g2)) == 4);
        librdf_free_statement(pat);
        librdf_free_node(g2);
        CHECK(kouan_lmdb_estimate(s, NULL, NULL, e0, NULL, 100) == (size_t)(pass ? 3 * G : 5 * G));
        if (!pass) CHECK(kouan_lmdb_set_group(s, 0, 0) == 0);   /* the merge */
    }
    CHECK(kouan_lmdb_stats_get(s, &st) == 0 && st.backlog == 0);
    librdf_free_node(e0);
    librdf_free_node(f2);
    librdf_free_node(hub);
    librdf_free_model(m);
    librdf_free_storage(s);
    CHECK(index_entries(dir2, "ospc") == 2 * G && index_entries(dir2, "posc") == 5 * G);

    /* format 4 (a kouan until 2026-12-05 made it): no set, so every quad
       in OSPC; it stays format 4 when written */
    char dir3[300];
    s = fresh_store_in(DIR_, "format4", ",unindexed='" EX "p2'", &m, dir3);
    if (m) librdf_free_model(m);
    if (s) librdf_free_storage(s);
    CHECK(ids_keys_from(dir3, 'L', "kouan-lmdb 4") == 0);
    s = open_with(dir3, "yes", opt);                 /* its own (empty) set */
    m = s ? librdf_new_model(W, s, NULL) : NULL;
    CHECK(m != NULL);
    if (!m) { if (s) librdf_free_storage(s); return; }
    CHECK(kouan_lmdb_stats_get(s, &st) == 0 && st.format == 4 && st.unlinked == 0);
    CHECK(kouan_lmdb_set_group(s, 3600 * 1000, 1000) == 0);
    CHECK(replace_sentences(s, 1, 3, "F", NULL) == 0);
    CHECK(kouan_lmdb_set_group(s, 0, 0) == 0);
    load(m);
    CHECK(librdf_model_sync(m) == 0);
    CHECK(kouan_lmdb_stats_get(s, &st) == 0 && st.format == 4);
    librdf_free_model(m);
    librdf_free_storage(s);
    CHECK(index_entries(dir3, "ospc") == (long)NQ - lit + 3);
    s = open_with(dir3, "no", NULL);
    CHECK(s && kouan_lmdb_stats_get(s, &st) == 0 && st.format == 4);
    if (s) librdf_free_storage(s);
}

/* Statements added one at a time in a group — kouan_store_copy into a new
 * store: they wait in pend and commit when the group is full (in one
 * transaction, a copy of a 200 MB corpus' store held 4.2 GB), their POSC
 * and OSPC keys and new plain literals wait in the backlog until groups
 * end; every pattern shape and iterator reads as a store written at once
 * (test_shapes' brute force), before and after the merge. */
static void test_grouped_adds(void)
{
    const char *opt = ",unindexed='" EX "p2',unlinked='" EX "p1'";
    char dir[300];
    librdf_model *m;
    librdf_storage *s = fresh_store_in(DIR_, "grouped-adds", opt, &m, dir);
    if (!s) return;
    CHECK(kouan_lmdb_set_group(s, 3600 * 1000, 4) == 0);
    load(m);                                         /* NQ quads, groups of 4 */
    kouan_lmdb_times t;
    CHECK(kouan_lmdb_times_get(s, &t) == 0 && t.commits >= NQ / 4);
    int seen = committed_quads_in(dir);              /* another process */
    CHECK(seen >= (int)(NQ / 4 * 4) && seen <= (int)NQ);
    kouan_lmdb_stats st;
    CHECK(kouan_lmdb_stats_get(s, &st) == 0 && st.backlog > 0);
    test_shapes(m);                                  /* through SPOC and CSPO */
    check_iterators(m);
    CHECK(kouan_lmdb_set_group(s, 0, 0) == 0);       /* the last group, the merge */
    CHECK(kouan_lmdb_stats_get(s, &st) == 0 && st.backlog == 0 && st.quads == NQ);
    CHECK(committed_quads_in(dir) == (int)NQ);
    test_shapes(m);
    check_iterators(m);
    librdf_free_model(m);
    librdf_free_storage(s);
    long lit = literal_quads_of(P2), p1 = quads_with_p(P1);
    CHECK(index_entries(dir, "spoc") == (long)NQ && index_entries(dir, "cspo") == (long)NQ);
    CHECK(index_entries(dir, "posc") == (long)NQ - lit);
    CHECK(index_entries(dir, "ospc") == (long)NQ - lit - p1);

    /* many: the pending quads never pass a group's, the plain literals
       (hashed in `ids`, through its backlog) found again after the merge */
    if (!(s = fresh_store_in(DIR_, "grouped-adds-bulk", opt, &m, dir))) return;
    CHECK(kouan_lmdb_set_group(s, 3600 * 1000, 100) == 0);
    librdf_node *g = graph_n(7);
    CHECK(bulk_add(m, 0, 1000, g) == 0);
    for (int i = 0; i < 300; i++) {
        char sv[64], ov[64];
        snprintf(sv, sizeof sv, EX "said/%d", i);
        snprintf(ov, sizeof ov, "句子 %d", i);
        librdf_statement *q = librdf_new_statement_from_nodes(W,
            librdf_new_node_from_uri_string(W, (const unsigned char *)sv),
            librdf_new_node_from_uri_string(W, (const unsigned char *)EX "says"),
            librdf_new_node_from_literal(W, (const unsigned char *)ov, NULL, 0));
        CHECK(librdf_model_context_add_statement(m, g, q) == 0);
        librdf_free_statement(q);
    }
    seen = committed_quads_in(dir);
    CHECK(seen >= 1200 && seen <= 1300);
    CHECK(kouan_lmdb_set_group(s, 0, 0) == 0);
    CHECK(committed_quads_in(dir) == 1300);
    CHECK(bulk_present(m, 0, 1000) == 1000);
    for (int i = 0; i < 300; i += 37) {
        char ov[64];
        snprintf(ov, sizeof ov, "句子 %d", i);
        librdf_node *o = librdf_new_node_from_literal(W, (const unsigned char *)ov, NULL, 0);
        librdf_statement *pat = librdf_new_statement_from_nodes(W, NULL, NULL, o);
        CHECK(count_stream(librdf_model_find_statements(m, pat)) == 1);
        librdf_free_statement(pat);
    }
    librdf_free_node(g);
    librdf_free_model(m);
    librdf_free_storage(s);
}

int main(void)
{
    /* every flush checks the orders it derives (radix_by, by_graph) and
       aborts on one out of place */
    setenv("KOUAN_LMDB_CHECK_ORDER", "1", 1);
    W = librdf_new_world();
    librdf_world_set_logger(W, NULL, quiet);
    librdf_world_open(W);
    CHECK(kouan_lmdb_register(W) == 0);
    CHECK(kouan_lmdb_register(W) == 0);           /* twice: a no-op */
    make_terms();
    snprintf(DIR_, sizeof DIR_, "/tmp/kouan-lmdb-XXXXXX");
    CHECK(mkdtemp(DIR_) != NULL);

    /* no dir option, or not a folder: refused with a message */
    CHECK(librdf_new_storage(W, KOUAN_LMDB_STORAGE_NAME, NULL, "write='yes'") == NULL);
    CHECK(librdf_new_storage(W, KOUAN_LMDB_STORAGE_NAME, NULL, "dir='/nonexistent/x'") == NULL);

    librdf_storage *s = open_storage("yes");
    librdf_model *m = s ? librdf_new_model(W, s, NULL) : NULL;
    CHECK(m != NULL);
    if (!m) return 1;
    CHECK(kouan_lmdb_is_ours(s));
    load(m);
    CHECK(librdf_model_sync(m) == 0);
    test_basics(m);
    test_shapes(m);
    test_duplicates_and_removal(m);
    test_transactions(m);
    test_repeated_lookups(m);
    test_snapshot(m);
    test_replace_merge(m);
    test_replace_bulk(m, s);
    kouan_lmdb_stats st;
    CHECK(kouan_lmdb_stats_get(s, &st) == 0 && st.quads == NQ && st.graphs == 2);
    CHECK(st.triples == NQ - 2);                   /* s1 p1 o1 three times */
    librdf_free_model(m);
    librdf_free_storage(s);

    /* reopening (read-only) finds everything again */
    s = open_storage("no");
    m = s ? librdf_new_model(W, s, NULL) : NULL;
    CHECK(m != NULL);
    if (m) {
        test_basics(m);
        test_shapes(m);
        librdf_statement *t = stmt(S2, P2, LEN);
        CHECK(librdf_model_add_statement(m, t) != 0);   /* read-only */
        librdf_free_statement(t);
        librdf_free_model(m);
    }
    if (s) librdf_free_storage(s);

    test_format1_upgrade();
    test_id_collision();
    test_counter_rollback();
    test_long_terms();
    test_bulk();
    test_crash();
    test_crash_replace();
    test_group();
    test_fill();
    test_backlog_chunks();
    test_flush_orders();
    test_backlog();
    test_lookup_ids();
    test_term_numbered_elsewhere();
    test_id_backlog();
    test_format3_kept();
    test_many_copies();
    test_resident_map_only();
    test_resident_base_least();
    test_prefault();
    test_resident();
    test_unindexed();
    test_unlinked();
    test_grouped_adds();

    for (int i = 0; i < NT; i++) librdf_free_node(T[i]);
    librdf_free_world(W);
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", DIR_);
    CHECK(system(cmd) == 0);
    if (failures) fprintf(stderr, "%d checks failed\n", failures);
    return failures != 0;
}
