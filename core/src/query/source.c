/* source.c — kouan's Rasqal triples source; see source.h.
 *
 * Why our own: Rasqal 0.9.33 joins a basic graph pattern's triple patterns
 * in the order written (a nested loop, one find_statements per row of the
 * patterns before), and librdf's source is static in librdf, so the only
 * place to change the order is a triples source of our own: Rasqal asks
 * the factory for one (rasqal_query_engine_algebra_execute_init) after the
 * query is prepared and before it turns the graph patterns into its
 * algebra and rowsources, which read the triples by column.
 *
 * The matching itself is what librdf's source does (rdf_query_rasqal.c,
 * librdf 1.0.17): a pattern's constants and bound variables become a
 * librdf_statement for librdf_model_find_statements (in_context for a
 * GRAPH), each statement read binds the variables Rasqal asks for, a
 * variable used twice in one pattern must match itself, and GRAPH ?g binds
 * the stream's context.  FROM / FROM NAMED graphs are dropped and the
 * model's graphs become the dataset's named graphs, as librdf does (what
 * Rasqal's GRAPH ?g iterates: each graph in turn, its triples through
 * find_statements_in_context).
 *
 * On a kouan: store the same matches are read by term id instead
 * (kouan_lmdb_match_*): no librdf stream, statement or node per row; a
 * term's Rasqal literal is cached by id and a literal's id by pointer (both
 * tables small: a scan evicts what it made moments ago), and a lookup's
 * few answers are remembered while the store's read snapshot is the same;
 * a fully bound check asked again and again with the same two constants
 * (`?p a kouan:Port` once per port a join found) is, after enough rows, a
 * probe into the set of ids those constants hold, read by one range scan
 * (idset).  KOUAN_SOURCE_GENERIC=1 reads a kouan: store as any other.
 *
 * Reordering a basic graph pattern (columns start..end of the query's
 * triple sequence) needs two things Rasqal does not expose:
 *   - the triple structs are swapped in place (rasqal_triple is public);
 *   - Rasqal's per-triple use map (rasqal_query.triples_use_map, one row of
 *     unsigned shorts per column, a column per variable) says in which
 *     column a variable is first BOUND (bits 4-7) and where it is only
 *     USED (bits 0-3); the triples rowsource binds by it.  Its rows are
 *     permuted with the triples, and each variable the pattern binds is
 *     marked BOUND again in the first pattern that mentions it in the new
 *     order, USE after: what Rasqal's own builder
 *     (rasqal_query_triples_build_variables_use_map_binds) computes for
 *     that order.  Nothing else depends on the order: the per-graph-pattern
 *     use map is a union over the pattern's triples, the rowsource's
 *     variables are listed by variable offset.
 * The map is reached at the offset Rasqal 0.9.33 keeps it (0x98, next to
 * vars_table at 0x88, as its rasqal_query_variable_bound_in_triple reads
 * them); the code checks the version, that 0x88 holds the query's
 * variables table, and that every row of the map agrees with the triple it
 * describes, and leaves the groups not yet reordered in written order
 * (counted as skipped) when any check fails; a group is only ever
 * rewritten whole, after its checks passed.  The librdf model comes from librdf's query
 * context (struct layouts of librdf 1.0.17, checked by its back pointers).
 *
 * The estimate: each pattern's count with its constants (the store's;
 * counted up to CAP on other storages), then greedily the cheapest pattern
 * next, where a variable bound by a pattern already placed (or outside this
 * group)
 * divides the count by a fixed factor for its position (a bound subject
 * leaves ~one statement per predicate, an object tens, a predicate most).
 * Ties keep the written order. */
#include "query/source.h"
#include "store/lmdb_storage.h"
#include <rasqal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CAP 1000           /* a range counted past this is estimated (kouan:) or
                              ranks equal (other storages: a capped count) */
#define MAX_BGP 64         /* longer groups stay as written */
#define URI_LITS 1024u     /* IRI → rasqal literal, per query execution */
#define ID_SLOTS 512u      /* kouan: store, term id ↔ rasqal literal, per execution
                              (small: a scan evicts what it just made, still in cache) */

static kouan_source_counters counters;

void kouan_query_source_counters(kouan_source_counters *out) { *out = counters; }
void kouan_query_source_counters_reset(void) { memset(&counters, 0, sizeof counters); }

/* ---- librdf 1.0.17's private query structs (rdf_query.h, rdf_query_rasqal.c) */

typedef struct {
    librdf_world *world;
    int usage;
    void *context;
    void *factory;
    void *results;
} lq_layout;

typedef struct {
    librdf_query *query;
    librdf_model *model;
    rasqal_query *rq;
} lq_rasqal_layout;

static librdf_model *model_of(rasqal_query *rq, librdf_world *world)
{
    lq_layout *q = rasqal_query_get_user_data(rq);
    if (!q || q->world != world || !q->context) return NULL;
    lq_rasqal_layout *c = q->context;
    if (c->query != (librdf_query *)q || c->rq != rq) return NULL;
    return c->model;
}

/* ---- literal ↔ node -------------------------------------------------------------- */

typedef struct uri_lit { librdf_uri *uri; rasqal_literal *lit; } uri_lit;

typedef struct id_lit { uint64_t id; rasqal_literal *lit; } id_lit;

/* a lookup's few answers, for the same lookup again in the same snapshot
   (a join asks for a province's label once per port) */
#define MEMO_SLOTS 256u
#define MEMO_QUADS 8
typedef struct memo {
    unsigned snap;               /* kouan_lmdb_snapshot; 0: empty */
    int      with_c, n;
    uint64_t q[4];
    uint64_t v[MEMO_QUADS][4];
} memo;

/* a check's answers as a set: a pattern with two constants and one
   variable bound by the rows before it (`?p a kouan:Port` after `?p
   kouan:province ?v`) is asked once per row, each a seek from the store's
   root; after enough of them, the ids the constants hold at the variable's
   place are read by one range scan into a hash set and each later check
   is a probe.  Built only while the scan is at most SET_PER_CHECK ids per
   check so far (else tried again when the checks have doubled: the wasted
   scans sum to less than the last), at most SET_MAX ids. */
#define SETS 8
#define SET_FIRST 32
#define SET_PER_CHECK 24
#define SET_MAX (1u << 20)
typedef struct idset {
    unsigned  snap;              /* kouan_lmdb_snapshot; 0: unused slot */
    int       pos;               /* the variable's place: 0 subject, 2 object */
    uint64_t  k[2];              /* the constants' ids, in s p o order */
    size_t    checks, next_try;  /* checks seen; when to try building */
    uint64_t *tab;               /* open addressing, 0 empty; NULL: not built */
    size_t    mask;
} idset;

/* an aggregate rewritten (see "aggregates") and the arguments given it */
typedef struct keyed { rasqal_expression *e; raptor_sequence *keys; } keyed;
typedef struct src {
    librdf_world  *world;
    rasqal_world  *rworld;
    raptor_world  *raptor;
    librdf_model  *model;
    uri_lit       *uris;         /* URI_LITS slots, or NULL */
    librdf_storage *lmdb;        /* kouan's store: matched by term id */
    id_lit        *by_id;        /* ID_SLOTS: term id → literal */
    id_lit        *by_lit;       /* ID_SLOTS: literal (pointer) → term id */
    memo          *memos;        /* MEMO_SLOTS, made at the first lookup */
    idset          sets[SETS];
    keyed         *keyed;        /* the aggregates rewritten (count_keys), */
    size_t         nkeyed, cap_keyed;   /* their arguments freed by ts_free */
} src;

static librdf_node *lit_node(librdf_world *w, rasqal_literal *l, int *bad)
{
    if (!l) return NULL;
    switch (rasqal_literal_get_rdf_term_type(l)) {
    case RASQAL_LITERAL_URI:
        return librdf_new_node_from_uri(w, (librdf_uri *)l->value.uri);
    case RASQAL_LITERAL_STRING:
        return librdf_new_node_from_typed_literal(w, l->string, l->language,
                                                  (librdf_uri *)l->datatype);
    case RASQAL_LITERAL_BLANK:
        return librdf_new_node_from_blank_identifier(w, l->string);
    default:
        *bad = 1;
        return NULL;
    }
}

static char *dup_str(const char *s, size_t n)
{
    char *d = rasqal_alloc_memory(n + 1);
    if (d) { memcpy(d, s, n); d[n] = 0; }
    return d;
}

static rasqal_literal *node_lit(src *ts, librdf_node *n)
{
    if (librdf_node_is_resource(n)) {
        librdf_uri *u = librdf_node_get_uri(n);
        uri_lit *c = NULL;
        if (ts->uris) {
            uintptr_t h = (uintptr_t)u;
            h ^= h >> 17;
            c = &ts->uris[(h * 0x9E3779B97F4A7C15ull >> 40) % URI_LITS];
            if (c->uri == u) return rasqal_new_literal_from_literal(c->lit);
        }
        rasqal_literal *l = rasqal_new_uri_literal(ts->rworld,
                                                   (raptor_uri *)librdf_new_uri_from_uri(u));
        if (l && c) {        /* the slot holds a reference on the IRI: its pointer stays its */
            if (c->lit) rasqal_free_literal(c->lit);
            if (c->uri) librdf_free_uri(c->uri);
            c->uri = librdf_new_uri_from_uri(u);
            c->lit = c->uri ? rasqal_new_literal_from_literal(l) : NULL;
            if (!c->lit && c->uri) { librdf_free_uri(c->uri); c->uri = NULL; }
        }
        return l;
    }
    if (librdf_node_is_literal(n)) {
        size_t len;
        const char *v = (const char *)librdf_node_get_literal_value_as_counted_string(n, &len);
        const char *lang = librdf_node_get_literal_value_language(n);
        librdf_uri *dt = librdf_node_get_literal_value_datatype_uri(n);
        char *sv = dup_str(v ? v : "", v ? len : 0);
        char *sl = lang ? dup_str(lang, strlen(lang)) : NULL;
        if (!sv || (lang && !sl)) {
            if (sv) rasqal_free_memory(sv);
            return NULL;
        }
        return rasqal_new_string_literal(ts->rworld, (unsigned char *)sv, sl,
                                         dt ? (raptor_uri *)librdf_new_uri_from_uri(dt) : NULL,
                                         NULL);
    }
    const char *b = (const char *)librdf_node_get_blank_identifier(n);
    char *sb = b ? dup_str(b, strlen(b)) : NULL;
    return sb ? rasqal_new_simple_literal(ts->rworld, RASQAL_LITERAL_BLANK, (unsigned char *)sb)
              : NULL;
}

/* ---- triple matches ----------------------------------------------------------------- */

typedef struct tmatch {
    src              *ts;
    librdf_statement *qs;
    librdf_node      *origin;
    librdf_stream    *stream;
} tmatch;

static int same(librdf_node *a, librdf_node *b) { return a && b && librdf_node_equals(a, b); }

static void bind(rasqal_variable *v, src *ts, librdf_node *n)
{
    rasqal_variable_set_value(v, n ? node_lit(ts, n) : NULL);
}

static rasqal_triple_parts tm_bind(struct rasqal_triples_match_s *rtm, void *ud,
                                   rasqal_variable *b[4], rasqal_triple_parts parts)
{
    (void)ud;
    tmatch *m = rtm->user_data;
    librdf_statement *st = librdf_stream_get_object(m->stream);
    if (!st) return 0;
    librdf_node *n[3] = { librdf_statement_get_subject(st), librdf_statement_get_predicate(st),
                          librdf_statement_get_object(st) };
    int r = 0;
    counters.rows++;
    if (b[0] && (parts & RASQAL_TRIPLE_SUBJECT)) {
        bind(b[0], m->ts, n[0]);
        r |= RASQAL_TRIPLE_SUBJECT;
    }
    if (b[1] && (parts & RASQAL_TRIPLE_PREDICATE)) {
        if (b[0] == b[1]) {
            if (!same(n[0], n[1])) return 0;
        } else {
            bind(b[1], m->ts, n[1]);
            r |= RASQAL_TRIPLE_PREDICATE;
        }
    }
    if (b[2] && (parts & RASQAL_TRIPLE_OBJECT)) {
        int do_bind = 1;
        if (b[0] == b[2]) {
            if (!same(n[0], n[2])) return 0;
            do_bind = 0;
        }
        if (b[1] == b[2] && b[0] != b[1]) {
            if (!same(n[1], n[2])) return 0;
            do_bind = 0;
        }
        if (do_bind) {
            bind(b[2], m->ts, n[2]);
            r |= RASQAL_TRIPLE_OBJECT;
        }
    }
    if (b[3] && (parts & RASQAL_TRIPLE_ORIGIN)) {
        librdf_node *c = librdf_stream_get_context2(m->stream);
        int do_bind = 1;
        for (int k = 0; k < 3; k++)
            if (b[k] == b[3]) {
                if (!same(n[k], c)) return 0;
                do_bind = 0;
            }
        if (do_bind) {
            bind(b[3], m->ts, c);
            r |= RASQAL_TRIPLE_ORIGIN;
        }
    }
    return (rasqal_triple_parts)r;
}

static void tm_next(struct rasqal_triples_match_s *rtm, void *ud)
{
    (void)ud;
    tmatch *m = rtm->user_data;
    librdf_stream_next(m->stream);
}

static int tm_is_end(struct rasqal_triples_match_s *rtm, void *ud)
{
    (void)ud;
    tmatch *m = rtm->user_data;
    return librdf_stream_end(m->stream);
}

static void tm_finish(struct rasqal_triples_match_s *rtm, void *ud)
{
    (void)ud;
    tmatch *m = rtm->user_data;
    if (!m) return;
    if (m->stream) librdf_free_stream(m->stream);
    if (m->qs) librdf_free_statement(m->qs);
    if (m->origin) librdf_free_node(m->origin);
    free(m);
    rtm->user_data = NULL;
}

/* The node for a pattern part: a constant, a variable's current value, or
 * NULL (unbound); sets *v to the variable (or NULL). */
static librdf_node *part_node(src *ts, rasqal_literal *l, rasqal_variable **v, int *bad)
{
    *v = rasqal_literal_as_variable(l);
    if (*v) return (*v)->value ? lit_node(ts->world, (*v)->value, bad) : NULL;
    return lit_node(ts->world, l, bad);
}

static int fast_init_match(rasqal_triples_match *rtm, src *ts, rasqal_triple_meta *meta,
                           rasqal_triple *t);

static int ts_init_match(rasqal_triples_match *rtm, rasqal_triples_source *rts, void *ud,
                         rasqal_triple_meta *meta, rasqal_triple *t)
{
    (void)rts;
    src *ts = ud;
    if (ts->lmdb) return fast_init_match(rtm, ts, meta, t);
    rtm->bind_match = tm_bind;
    rtm->next_match = tm_next;
    rtm->is_end = tm_is_end;
    rtm->finish = tm_finish;
    tmatch *m = calloc(1, sizeof *m);
    if (!m) return 1;
    rtm->user_data = m;
    m->ts = ts;
    int bad = 0;
    librdf_node *n[3];
    n[0] = part_node(ts, t->subject, &meta->bindings[0], &bad);
    n[1] = part_node(ts, t->predicate, &meta->bindings[1], &bad);
    n[2] = part_node(ts, t->object, &meta->bindings[2], &bad);
    if (t->origin) m->origin = part_node(ts, t->origin, &meta->bindings[3], &bad);
    if (bad) {
        for (int k = 0; k < 3; k++) if (n[k]) librdf_free_node(n[k]);
        librdf_log(ts->world, 0, LIBRDF_LOG_ERROR, LIBRDF_FROM_QUERY, NULL,
                   "query: a triple pattern holds a term that is not an IRI, literal or "
                   "blank node");
        return 1;
    }
    m->qs = librdf_new_statement_from_nodes(ts->world, n[0], n[1], n[2]);
    if (!m->qs) return 1;
    counters.matches++;
    m->stream = m->origin ? librdf_model_find_statements_in_context(ts->model, m->qs, m->origin)
                          : librdf_model_find_statements(ts->model, m->qs);
    return m->stream ? 0 : 1;
}

static int ts_triple_present(rasqal_triples_source *rts, void *ud, rasqal_triple *t)
{
    (void)rts;
    src *ts = ud;
    int bad = 0;
    librdf_node *s = lit_node(ts->world, t->subject, &bad);
    librdf_node *p = lit_node(ts->world, t->predicate, &bad);
    librdf_node *o = lit_node(ts->world, t->object, &bad);
    librdf_node *c = t->origin ? lit_node(ts->world, t->origin, &bad) : NULL;
    librdf_statement *st = !bad && s && p && o
                           ? librdf_new_statement_from_nodes(ts->world, s, p, o) : NULL;
    if (!st) {
        if (s) librdf_free_node(s);
        if (p) librdf_free_node(p);
        if (o) librdf_free_node(o);
        if (c) librdf_free_node(c);
        return 0;
    }
    int rc;
    if (c) {
        librdf_stream *str = librdf_model_find_statements_in_context(ts->model, st, c);
        rc = str && !librdf_stream_end(str);
        if (str) librdf_free_stream(str);
        librdf_free_node(c);
    } else {
        rc = librdf_model_contains_statement(ts->model, st) != 0;   /* -1 from hashes */
    }
    librdf_free_statement(st);
    return rc;
}

static void unkey_counts(src *ts);
static void ts_free(void *ud)
{
    src *ts = ud;
    unkey_counts(ts);
    for (int t = 0; t < 2; t++) {
        id_lit *tab = t ? ts->by_lit : ts->by_id;
        if (!tab) continue;
        for (unsigned i = 0; i < ID_SLOTS; i++)
            if (tab[i].lit) rasqal_free_literal(tab[i].lit);
        free(tab);
    }
    ts->by_id = ts->by_lit = NULL;
    free(ts->memos);
    ts->memos = NULL;
    for (int i = 0; i < SETS; i++) free(ts->sets[i].tab);
    memset(ts->sets, 0, sizeof ts->sets);
    if (ts->uris) {
        for (unsigned i = 0; i < URI_LITS; i++) {
            if (ts->uris[i].lit) rasqal_free_literal(ts->uris[i].lit);
            if (ts->uris[i].uri) librdf_free_uri(ts->uris[i].uri);
        }
        free(ts->uris);
        ts->uris = NULL;
    }
}

/* ---- kouan's store: matches by term id ----------------------------------------------
 * Rows come from kouan_lmdb_match as ids; a bound variable's value is the
 * literal cached for its id (by_id), and a literal Rasqal hands back (a
 * variable's value, a constant) finds its id by pointer (by_lit).  Both
 * tables hold a reference on their literals, so a cached pointer is never
 * freed and reused for another term while it is in the table. */

/* One mixer for every table here: the id caches, the memos, the sets. */
static uint64_t id_hash(uint64_t x)
{
    x ^= x >> 31;
    x *= 0x9E3779B97F4A7C15ull;
    return x ^ x >> 29;
}

static unsigned slot_of(uint64_t x)
{
    return (unsigned)(id_hash(x) >> 24) % ID_SLOTS;
}

static void slot_set(id_lit *c, uint64_t id, rasqal_literal *l)
{
    if (c->lit) rasqal_free_literal(c->lit);
    c->id = id;
    c->lit = rasqal_new_literal_from_literal(l);
}

static char *dup_z(const void *p, size_t n)
{
    char *d = rasqal_alloc_memory(n + 1);
    if (d) { if (n) memcpy(d, p, n); d[n] = 0; }
    return d;
}

static void *term_lit(void *ud, const kouan_lmdb_term *t)
{
    src *ts = ud;
    if (t->kind == 'U') {
        raptor_uri *u = raptor_new_uri_from_counted_string(ts->raptor, t->value, t->len);
        return u ? rasqal_new_uri_literal(ts->rworld, u) : NULL;
    }
    if (t->kind == 'B') {
        char *b = dup_z(t->value, t->len);
        return b ? rasqal_new_simple_literal(ts->rworld, RASQAL_LITERAL_BLANK, (unsigned char *)b)
                 : NULL;
    }
    char *v = dup_z(t->value, t->len);
    char *lang = t->lang_len ? dup_z(t->lang, t->lang_len) : NULL;
    raptor_uri *dt = t->dt_len ? raptor_new_uri_from_counted_string(ts->raptor, t->datatype,
                                                                      t->dt_len) : NULL;
    if (!v || (t->lang_len && !lang) || (t->dt_len && !dt)) {
        if (v) rasqal_free_memory(v);
        if (lang) rasqal_free_memory(lang);
        if (dt) raptor_free_uri(dt);
        return NULL;
    }
    return rasqal_new_string_literal(ts->rworld, (unsigned char *)v, lang, dt, NULL);
}

/* A new reference to the literal of term id, or NULL. */
static rasqal_literal *id_literal(src *ts, uint64_t id)
{
    id_lit *c = &ts->by_id[slot_of(id)];
    if (c->lit && c->id == id) return rasqal_new_literal_from_literal(c->lit);
    rasqal_literal *l = kouan_lmdb_term_with(ts->lmdb, id, term_lit, ts);
    if (!l) {
        librdf_log(ts->world, 0, LIBRDF_LOG_ERROR, LIBRDF_FROM_QUERY, NULL,
                   "query: kouan store: term %llu cannot be read", (unsigned long long)id);
        return NULL;
    }
    slot_set(c, id, l);
    slot_set(&ts->by_lit[slot_of((uintptr_t)l)], id, l);
    return l;
}

/* The term id of literal l: 0 with *id set, 1 when not in the store, -1. */
static int literal_id(src *ts, rasqal_literal *l, uint64_t *id)
{
    id_lit *c = &ts->by_lit[slot_of((uintptr_t)l)];
    if (c->lit == l) { *id = c->id; return 0; }
    int bad = 0;
    librdf_node *n = lit_node(ts->world, l, &bad);
    if (!n) return -1;
    int rc = kouan_lmdb_node_id(ts->lmdb, n, id);
    librdf_free_node(n);
    if (rc == 0) slot_set(c, *id, l);
    return rc;
}

typedef struct fmatch {
    src              *ts;
    kouan_lmdb_match *m;
    uint64_t          cur[4];
    int               have;
    memo             *slot;       /* where to record the answers, or NULL */
    memo              rec;        /* the answers so far (served from: m NULL) */
    int               served;
} fmatch;

static memo *memo_of(src *ts, const uint64_t q[4], int with_c)
{
    if (!ts->memos && !(ts->memos = calloc(MEMO_SLOTS, sizeof *ts->memos))) return NULL;
    uint64_t h = q[0] ^ q[1] * 3 ^ q[2] * 5 ^ q[3] * 7 ^ (uint64_t)with_c;
    return &ts->memos[slot_of(h) % MEMO_SLOTS];
}

/* the next quad of m (from the store, recorded; or from the memo) */
static int fm_step(fmatch *m)
{
    if (!m->m) {
        if (m->served >= m->rec.n) return 0;
        memcpy(m->cur, m->rec.v[m->served++], sizeof m->cur);
        return 1;
    }
    if (!kouan_lmdb_match_next(m->m, m->cur)) {
        if (m->slot && m->rec.n <= MEMO_QUADS) *m->slot = m->rec;   /* complete: keep */
        m->slot = NULL;
        return 0;
    }
    if (m->slot) {
        if (m->rec.n < MEMO_QUADS) memcpy(m->rec.v[m->rec.n], m->cur, sizeof m->cur);
        if (++m->rec.n > MEMO_QUADS) m->slot = NULL;
    }
    return 1;
}

static void fbind(rasqal_variable *v, src *ts, uint64_t id, int *fail)
{
    rasqal_literal *l = NULL;
    if (id && !(l = id_literal(ts, id))) *fail = 1;
    rasqal_variable_set_value(v, l);
}

static rasqal_triple_parts fm_bind(struct rasqal_triples_match_s *rtm, void *ud,
                                   rasqal_variable *b[4], rasqal_triple_parts parts)
{
    (void)ud;
    fmatch *m = rtm->user_data;
    if (!m->have) return 0;
    const uint64_t *n = m->cur;
    int r = 0, fail = 0;
    counters.rows++;
    if (b[0] && (parts & RASQAL_TRIPLE_SUBJECT)) {
        fbind(b[0], m->ts, n[0], &fail);
        r |= RASQAL_TRIPLE_SUBJECT;
    }
    if (b[1] && (parts & RASQAL_TRIPLE_PREDICATE)) {
        if (b[0] == b[1]) {
            if (n[0] != n[1]) return 0;
        } else {
            fbind(b[1], m->ts, n[1], &fail);
            r |= RASQAL_TRIPLE_PREDICATE;
        }
    }
    if (b[2] && (parts & RASQAL_TRIPLE_OBJECT)) {
        int do_bind = 1;
        if (b[0] == b[2]) {
            if (n[0] != n[2]) return 0;
            do_bind = 0;
        }
        if (b[1] == b[2] && b[0] != b[1]) {
            if (n[1] != n[2]) return 0;
            do_bind = 0;
        }
        if (do_bind) {
            fbind(b[2], m->ts, n[2], &fail);
            r |= RASQAL_TRIPLE_OBJECT;
        }
    }
    if (b[3] && (parts & RASQAL_TRIPLE_ORIGIN)) {
        int do_bind = 1;
        for (int k = 0; k < 3; k++)
            if (b[k] == b[3]) {
                if (!n[3] || n[k] != n[3]) return 0;
                do_bind = 0;
            }
        if (do_bind) {
            fbind(b[3], m->ts, n[3], &fail);     /* 0, the default graph: unbound */
            r |= RASQAL_TRIPLE_ORIGIN;
        }
    }
    return fail ? 0 : (rasqal_triple_parts)r;
}

static void fm_next(struct rasqal_triples_match_s *rtm, void *ud)
{
    (void)ud;
    fmatch *m = rtm->user_data;
    m->have = fm_step(m);
}

static int fm_is_end(struct rasqal_triples_match_s *rtm, void *ud)
{
    (void)ud;
    fmatch *m = rtm->user_data;
    return !m->have;
}

static void fm_finish(struct rasqal_triples_match_s *rtm, void *ud)
{
    (void)ud;
    fmatch *m = rtm->user_data;
    if (!m) return;
    kouan_lmdb_match_close(m->m);
    free(m);
    rtm->user_data = NULL;
}

/* Reads the ids at set->pos of the triples holding its constants, if at
 * most limit: 1 built, 0 more than limit (not built), -1 error. */
static int idset_build(src *ts, idset *set, size_t limit)
{
    uint64_t q[4] = { 0, 0, 0, 0 };
    q[set->pos == 0 ? 1 : 0] = set->k[0];
    q[set->pos == 0 ? 2 : 1] = set->k[1];
    kouan_lmdb_match *m = kouan_lmdb_match_open(ts->lmdb, q, 0);
    if (!m) return -1;
    size_t n = 0, room = 0;
    uint64_t *ids = NULL, quad[4];
    int rc = 1;
    while (rc == 1 && kouan_lmdb_match_next(m, quad)) {
        if (n == limit) rc = 0;
        else if (n == room) {
            uint64_t *more = realloc(ids, (room = room ? 2 * room : 256) * sizeof *ids);
            if (!more) rc = -1;
            else ids = more;
        }
        if (rc == 1) ids[n++] = quad[set->pos];
    }
    kouan_lmdb_match_close(m);
    size_t cap = 16;
    while (cap < 2 * n) cap *= 2;
    uint64_t *tab = rc == 1 ? calloc(cap, sizeof *tab) : NULL;
    if (rc == 1 && !tab) rc = -1;
    for (size_t j = 0; rc == 1 && j < n; j++) {
        size_t i = id_hash(ids[j]) & (cap - 1);
        while (tab[i] && tab[i] != ids[j]) i = (i + 1) & (cap - 1);
        tab[i] = ids[j];
    }
    free(ids);
    if (rc != 1) return rc;
    set->tab = tab;
    set->mask = cap - 1;
    counters.sets++;
    return 1;
}

/* For a pattern t whose three parts are bound (ids q): whether the triple
 * is in the store (1, 0) by a membership set, or -1 when no set answers. */
static int idset_check(src *ts, const rasqal_triple *t, const uint64_t q[4])
{
    int vs = rasqal_literal_as_variable(t->subject) != NULL;
    int vp = rasqal_literal_as_variable(t->predicate) != NULL;
    int vo = rasqal_literal_as_variable(t->object) != NULL;
    if (vp || vs == vo) return -1;
    int pos = vs ? 0 : 2;
    uint64_t k0 = pos == 0 ? q[1] : q[0], k1 = pos == 0 ? q[2] : q[1];
    unsigned snap = kouan_lmdb_snapshot(ts->lmdb);
    if (!snap) return -1;                 /* inside a write transaction */
    idset *set = NULL, *free_slot = NULL;
    for (int i = 0; i < SETS && !set; i++) {
        idset *c = &ts->sets[i];
        if (c->snap == snap && c->pos == pos && c->k[0] == k0 && c->k[1] == k1) set = c;
        else if (!free_slot && c->snap != snap) free_slot = c;
    }
    if (!set) {
        if (!free_slot) return -1;
        free(free_slot->tab);
        *free_slot = (idset){ snap, pos, { k0, k1 }, 0, SET_FIRST, NULL, 0 };
        set = free_slot;
    }
    if (!set->tab) {
        if (++set->checks < set->next_try) return -1;
        size_t limit = set->checks < SET_MAX / SET_PER_CHECK ? set->checks * SET_PER_CHECK
                                                             : SET_MAX;
        int r = idset_build(ts, set, limit);
        if (r <= 0) {                    /* too many (for now, or for good), or an error */
            set->next_try = r < 0 || limit == SET_MAX ? (size_t)-1 : set->checks * 2;
            return -1;
        }
    }
    uint64_t id = q[pos];
    for (size_t i = id_hash(id) & set->mask;; i = (i + 1) & set->mask) {
        if (set->tab[i] == id) return 1;
        if (!set->tab[i]) return 0;
    }
}

/* The id for a pattern part into *id (0: unbound); 1 when its term is not
 * in the store; -1 on error.  Sets *v to the variable (or NULL). */
static int part_id(src *ts, rasqal_literal *l, rasqal_variable **v, uint64_t *id)
{
    *id = 0;
    *v = rasqal_literal_as_variable(l);
    rasqal_literal *val = *v ? (*v)->value : l;
    return val ? literal_id(ts, val, id) : 0;
}

static int fast_init_match(rasqal_triples_match *rtm, src *ts, rasqal_triple_meta *meta,
                           rasqal_triple *t)
{
    rtm->bind_match = fm_bind;
    rtm->next_match = fm_next;
    rtm->is_end = fm_is_end;
    rtm->finish = fm_finish;
    fmatch *m = calloc(1, sizeof *m);
    if (!m) return 1;
    rtm->user_data = m;
    m->ts = ts;
    uint64_t q[4];
    int rc[4] = { 0, 0, 0, 0 };
    rc[0] = part_id(ts, t->subject, &meta->bindings[0], &q[0]);
    rc[1] = part_id(ts, t->predicate, &meta->bindings[1], &q[1]);
    rc[2] = part_id(ts, t->object, &meta->bindings[2], &q[2]);
    int with_c = 0;
    q[3] = 0;
    if (t->origin) {
        rc[3] = part_id(ts, t->origin, &meta->bindings[3], &q[3]);
        with_c = q[3] != 0 || rc[3] == 1;
    }
    counters.matches++;
    for (int k = 0; k < 4; k++) {
        if (rc[k] < 0) {
            librdf_log(ts->world, 0, LIBRDF_LOG_ERROR, LIBRDF_FROM_QUERY, NULL,
                       "query: kouan store: a pattern's term cannot be looked up");
            return 1;
        }
        if (rc[k] == 1) return 0;          /* a term the store lacks: no match */
    }
    if (!t->origin && q[0] && q[1] && q[2]) {
        int in = idset_check(ts, t, q);
        if (in >= 0) {                   /* served as a memo of 0 or 1 quad */
            m->rec.n = in;
            if (in) memcpy(m->rec.v[0], q, sizeof q);
            m->have = fm_step(m);
            return 0;
        }
    }
    unsigned snap = kouan_lmdb_snapshot(ts->lmdb);
    memo *slot = snap ? memo_of(ts, q, with_c) : NULL;
    if (slot && slot->snap == snap && slot->with_c == with_c &&
        memcmp(slot->q, q, sizeof slot->q) == 0) {
        m->rec = *slot;                 /* asked before in this snapshot */
        m->have = fm_step(m);
        return 0;
    }
    if (!(m->m = kouan_lmdb_match_open(ts->lmdb, q, with_c))) return 1;
    if (slot && (snap = kouan_lmdb_snapshot(ts->lmdb)) != 0) {
        m->slot = slot;
        m->rec.snap = snap;
        m->rec.with_c = with_c;
        memcpy(m->rec.q, q, sizeof q);
    }
    m->have = fm_step(m);
    return 0;
}

/* ---- reordering ------------------------------------------------------------------------- */

/* exported by librasqal 0.9.33 but not in rasqal.h (rasqal_internal.h) */
int rasqal_variables_table_get_total_variables_count(rasqal_variables_table *vt);

#define RQ_VARS_TABLE 0x88        /* rasqal 0.9.33: offsetof(rasqal_query, vars_table) */
#define RQ_TRIPLES_USE_MAP 0x98   /*                offsetof(rasqal_query, triples_use_map) */

typedef struct plan {
    src             *ts;
    rasqal_query    *rq;
    raptor_sequence *triples;
    unsigned short  *map;
    int              width;
    int              ok;         /* 0 once something did not look as expected */
} plan;

/* The use bits a triple's row must have for variable v: its parts. */
static unsigned parts_of(const rasqal_triple *t, const rasqal_variable *v)
{
    unsigned r = 0;
    if (rasqal_literal_as_variable(t->subject) == v) r |= RASQAL_TRIPLE_SUBJECT;
    if (rasqal_literal_as_variable(t->predicate) == v) r |= RASQAL_TRIPLE_PREDICATE;
    if (rasqal_literal_as_variable(t->object) == v) r |= RASQAL_TRIPLE_OBJECT;
    if (t->origin && rasqal_literal_as_variable(t->origin) == v) r |= RASQAL_TRIPLE_ORIGIN;
    return r;
}

/* The count of a pattern's constants (variables unbound), capped. */
static double base_count(plan *pl, const rasqal_triple *t)
{
    src *ts = pl->ts;
    librdf_node *n[4] = { NULL, NULL, NULL, NULL };
    rasqal_literal *l[4] = { t->subject, t->predicate, t->object, t->origin };
    int bad = 0;
    for (int k = 0; k < 4; k++)
        if (l[k] && !rasqal_literal_as_variable(l[k])) n[k] = lit_node(ts->world, l[k], &bad);
    double r = 1e9;           /* unknown: last */
    if (!bad) {
        librdf_storage *sto = librdf_model_get_storage(ts->model);
        size_t e = kouan_lmdb_estimate(sto, n[0], n[1], n[2], n[3], CAP);
        if (e == SIZE_MAX) {            /* not kouan's store: count what it answers */
            librdf_statement *qs = librdf_new_statement_from_nodes(
                ts->world, n[0] ? librdf_new_node_from_node(n[0]) : NULL,
                n[1] ? librdf_new_node_from_node(n[1]) : NULL,
                n[2] ? librdf_new_node_from_node(n[2]) : NULL);
            librdf_stream *s = !qs ? NULL
                               : n[3] ? librdf_model_find_statements_in_context(ts->model, qs, n[3])
                                      : librdf_model_find_statements(ts->model, qs);
            if (s) {
                e = 0;
                for (; !librdf_stream_end(s) && e < CAP; librdf_stream_next(s)) e++;
                librdf_free_stream(s);
            }
            if (qs) librdf_free_statement(qs);
        }
        if (e != SIZE_MAX) r = (double)e;
    }
    for (int k = 0; k < 4; k++) if (n[k]) librdf_free_node(n[k]);
    return r;
}

static int column_of(plan *pl, rasqal_triple *t)
{
    int n = raptor_sequence_size(pl->triples);
    for (int c = 0; c < n; c++)
        if (raptor_sequence_get_at(pl->triples, c) == t) return c;
    return -1;
}

static void reorder_bgp(plan *pl, rasqal_graph_pattern *gp)
{
    int n = 0;
    rasqal_triple *first = rasqal_graph_pattern_get_triple(gp, 0);
    if (!first) return;
    while (n <= MAX_BGP && rasqal_graph_pattern_get_triple(gp, n)) n++;
    if (n < 2 || n > MAX_BGP) return;
    int start = column_of(pl, first);
    if (start < 0 || start + n > raptor_sequence_size(pl->triples)) { pl->ok = 0; return; }
    const int w = pl->width;
    rasqal_triple *t[MAX_BGP];
    for (int i = 0; i < n; i++) {
        t[i] = rasqal_graph_pattern_get_triple(gp, i);
        if (t[i] != raptor_sequence_get_at(pl->triples, start + i)) { pl->ok = 0; return; }
    }
    /* the map must describe these triples; note what this group binds */
    unsigned char *binds = calloc((size_t)w, 1), *known = calloc((size_t)w, 1);
    if (!binds || !known) { free(binds); free(known); pl->ok = 0; return; }
    for (int i = 0; i < n && pl->ok; i++)
        for (int v = 0; v < w; v++) {
            rasqal_variable *var = rasqal_query_get_variable(pl->rq, v);
            unsigned bits = pl->map[(start + i) * w + v];
            unsigned want = var ? parts_of(t[i], var) : 0;
            if (bits & ~0xffu) { pl->ok = 0; break; }
            unsigned use = bits & 0xf, bound = bits >> 4;
            /* USE and BOUND together: Rasqal's builder passes a group twice
               when it sits in an OPTIONAL or UNION; BOUND is what counts */
            if ((use | bound) != want || (use & ~want) || (bound & ~want)) {
                if (getenv("KOUAN_SOURCE_DEBUG"))
                    fprintf(stderr, "source: column %d variable %d (%s): map %#x, triple %#x\n",
                            start + i, v, var ? (const char *)var->name : "?", bits, want);
                pl->ok = 0;
                break;
            }
            if (bound) binds[v] = 1 + ((use & bound) != 0);
        }
    if (!pl->ok) { free(binds); free(known); return; }
    /* variables of the group that it does not bind come from outside */
    for (int i = 0; i < n; i++)
        for (int v = 0; v < w; v++)
            if (pl->map[(start + i) * w + v] && !binds[v]) known[v] = 1;

    double base[MAX_BGP];
    for (int i = 0; i < n; i++) base[i] = base_count(pl, t[i]);
    int perm[MAX_BGP], used[MAX_BGP] = {0};
    static const double FACTOR[4] = { 1e-4, 0.1, 1e-2, 0.1 };   /* s p o graph */
    for (int k = 0; k < n; k++) {
        int best = -1;
        double best_est = 0;
        for (int i = 0; i < n; i++) {
            if (used[i]) continue;
            rasqal_literal *l[4] = { t[i]->subject, t[i]->predicate, t[i]->object, t[i]->origin };
            double est = base[i];
            for (int p = 0; p < 4; p++) {
                rasqal_variable *var = l[p] ? rasqal_literal_as_variable(l[p]) : NULL;
                if (var && var->offset >= 0 && var->offset < w && known[var->offset])
                    est *= FACTOR[p];
            }
            if (best < 0 || est < best_est) { best = i; best_est = est; }
        }
        used[best] = 1;
        perm[k] = best;
        for (int v = 0; v < w; v++)
            if (pl->map[(start + best) * w + v]) known[v] = 1;
    }
    int moved = 0;
    for (int k = 0; k < n; k++) moved |= perm[k] != k;
    if (getenv("KOUAN_SOURCE_DEBUG")) {
        fprintf(stderr, "source: group of %d at column %d, counts", n, start);
        for (int i = 0; i < n; i++) fprintf(stderr, " %.0f", base[i]);
        fprintf(stderr, "; order");
        for (int k = 0; k < n; k++) fprintf(stderr, " %d", perm[k]);
        fputc('\n', stderr);
    }
    if (moved) {
        rasqal_triple tmp[MAX_BGP];
        unsigned short *rows = malloc(sizeof *rows * (size_t)n * (size_t)w);
        if (!rows) { free(binds); free(known); return; }
        for (int k = 0; k < n; k++) {
            tmp[k] = *t[perm[k]];
            memcpy(rows + k * w, pl->map + (start + perm[k]) * w, sizeof *rows * (size_t)w);
        }
        for (int k = 0; k < n; k++) {
            *t[k] = tmp[k];     /* the sequence's k-th struct takes the k-th pattern */
            memcpy(pl->map + (start + k) * w, rows + k * w, sizeof *rows * (size_t)w);
        }
        free(rows);
        /* a variable this group binds is BOUND where first mentioned, USE after
           (and USE there too when Rasqal had marked its binding row so) */
        for (int v = 0; v < w; v++) {
            if (!binds[v]) continue;
            int seen = 0;
            for (int k = 0; k < n; k++) {
                unsigned short *b = &pl->map[(start + k) * w + v];
                unsigned nib = (*b | *b >> 4) & 0xf;
                if (!nib) continue;
                *b = (unsigned short)(seen ? nib : nib << 4 | (binds[v] == 2 ? nib : 0));
                seen = 1;
            }
        }
        counters.reordered++;
    }
    free(binds);
    free(known);
}

static void reorder_tree(plan *pl, rasqal_graph_pattern *gp)
{
    if (!gp || !pl->ok) return;
    if (rasqal_graph_pattern_get_operator(gp) == RASQAL_GRAPH_PATTERN_OPERATOR_BASIC)
        reorder_bgp(pl, gp);
    for (int i = 0; pl->ok; i++) {
        rasqal_graph_pattern *sub = rasqal_graph_pattern_get_sub_graph_pattern(gp, i);
        if (!sub) break;
        reorder_tree(pl, sub);
    }
}

static void reorder(src *ts, rasqal_query *rq)
{
    plan pl = { ts, rq, rasqal_query_get_triple_sequence(rq), NULL, 0, 1 };
    rasqal_graph_pattern *root = rasqal_query_get_query_graph_pattern(rq);
    if (!pl.triples || raptor_sequence_size(pl.triples) < 2 || !root) return;
    rasqal_variable *v0 = rasqal_query_get_variable(rq, 0);
    void *vt = *(void **)((char *)rq + RQ_VARS_TABLE);
    if (rasqal_version_decimal != 933 || !v0 || (void *)v0->vars_table != vt) {
        counters.skipped++;
        return;
    }
    pl.width = rasqal_variables_table_get_total_variables_count(v0->vars_table);
    pl.map = *(unsigned short **)((char *)rq + RQ_TRIPLES_USE_MAP);
    if (pl.width <= 0 || !pl.map) { counters.skipped++; return; }
    reorder_tree(&pl, root);
    if (!pl.ok) counters.skipped++;
}

/* ---- aggregates ---------------------------------------------------------------------------
 *
 * Rasqal 0.9.33 gets three things about aggregates wrong, each seen on
 * corpus/ (cli.count_distinct):
 *   - COUNT(DISTINCT x) keeps x's values in a binary tree ordered by
 *     rasqal_literal_compare without RASQAL_COMPARE_URI
 *     (rasqal_rowsource_aggregation.c, compare_flags 0), which cannot order
 *     two IRIs (an error read as "equal", then the values' addresses) nor
 *     the strings CONCAT makes: a value already in the tree is looked for
 *     down the wrong branch and counted again — or, per group, lost.  The
 *     ports per province came out 3, 2, 2 where each province has 14–17.
 *   - COUNT(x) counts a row where x is unbound (an unbound variable
 *     evaluates to NULL without an error): 110 counterparts for 16.
 *   - two aggregates of one SELECT that differ only in their variables are
 *     computed once (rasqal_expression_compare compares variables by their
 *     values, all unbound when it runs): COUNT(?c) and COUNT(?p) both 110.
 * Before Rasqal builds its algebra (ts_new), each aggregate of the query's
 * projection and HAVING is rewritten in place (Rasqal then moves it into
 * its algebra; unkey_counts frees what Rasqal does not; an aggregate in
 * ORDER BY Rasqal refuses itself):
 *   - its arguments (expr->args, which rasqal_new_aggregation_rowsource reads
 *     before arg1): for COUNT(DISTINCT x) four plain strings naming x's RDF
 *     term — "I", "B" or "L" (IRI, blank node, literal); STR(x); its
 *     language tag or ""; its datatype's IRI, "@" with a language tag, or
 *     "" for an IRI — which the tree compares well, as a sequence, and
 *     which are equal only for the same term; for COUNT(x) the first of
 *     them only; for SUM, AVG, MIN, MAX and SAMPLE, x itself.  An unbound x
 *     makes each an error, so nothing is counted (and all blank nodes are
 *     one value, STR being an error for one: kouan's graphs hold none);
 *   - its arg1, which Rasqal then only compares and reads for variables:
 *     COALESCE(x, "kouan-aggregate <flags> <the aggregate as Rasqal prints
 *     it>"), equal for two aggregates only when they are written the same
 *     (the projection's COUNT(?p) and HAVING's, which must be computed once:
 *     Rasqal does not compute an aggregate only HAVING holds).
 * SUM, AVG, MIN, MAX, SAMPLE and GROUP_CONCAT with DISTINCT, and
 * COUNT(DISTINCT *), are refused with what to write instead.  A query with
 * a sub-SELECT is left as Rasqal has it (key_counts). */
static rasqal_expression *x_copy(rasqal_expression *x) { return rasqal_new_expression_from_expression(x); }

static rasqal_expression *x_op1(rasqal_world *w, rasqal_op op, rasqal_expression *a)
{
    return a ? rasqal_new_1op_expression(w, op, a) : NULL;
}

static rasqal_expression *x_str(rasqal_world *w, const char *text)
{
    size_t n = strlen(text);
    unsigned char *d = rasqal_alloc_memory(n + 1);
    if (!d) return NULL;
    memcpy(d, text, n + 1);
    rasqal_literal *l = rasqal_new_string_literal(w, d, NULL, NULL, NULL);
    return l ? rasqal_new_literal_expression(w, l) : NULL;
}

static rasqal_expression *x_op3(rasqal_world *w, rasqal_op op, rasqal_expression *a,
                                rasqal_expression *b, rasqal_expression *c)
{
    if (a && b && c) return rasqal_new_3op_expression(w, op, a, b, c);
    if (a) rasqal_free_expression(a);
    if (b) rasqal_free_expression(b);
    if (c) rasqal_free_expression(c);
    return NULL;
}

/* A sequence owning the n expressions given (all freed, and NULL, when one
 * is NULL or memory runs out). */
static raptor_sequence *x_seq(int n, rasqal_expression *const *items)
{
    raptor_sequence *seq = raptor_new_sequence((raptor_data_free_handler)rasqal_free_expression,
                                               (raptor_data_print_handler)rasqal_expression_print);
    int i = 0, ok = seq != NULL;
    for (; ok && i < n; i++)                  /* a failed push frees its item */
        ok = items[i] && raptor_sequence_push(seq, items[i]) == 0;
    if (ok) return seq;
    for (int j = seq ? i : 0; j < n; j++)    /* those not taken by the sequence */
        if (items[j]) rasqal_free_expression(items[j]);
    if (seq) raptor_free_sequence(seq);
    return NULL;
}

/* "" from x, an error when x is: SUBSTR(STR(x), 1, 0) */
static rasqal_expression *x_empty_of(rasqal_world *w, rasqal_expression *x)
{
    rasqal_literal *one = rasqal_new_integer_literal(w, RASQAL_LITERAL_INTEGER, 1);
    rasqal_literal *zero = rasqal_new_integer_literal(w, RASQAL_LITERAL_INTEGER, 0);
    rasqal_expression *e1 = one ? rasqal_new_literal_expression(w, one) : NULL;
    rasqal_expression *e0 = zero ? rasqal_new_literal_expression(w, zero) : NULL;
    return x_op3(w, RASQAL_EXPR_SUBSTR, x_op1(w, RASQAL_EXPR_STR, x_copy(x)), e1, e0);
}

/* The four expressions naming x's term (above), or NULL; only the first
 * when kind_only. */
static raptor_sequence *term_keys(rasqal_world *w, rasqal_expression *x, int kind_only)
{
    rasqal_expression *k[4] = { 0 };
    int n = kind_only ? 1 : 4;
    k[0] = x_op3(w, RASQAL_EXPR_IF, x_op1(w, RASQAL_EXPR_ISURI, x_copy(x)), x_str(w, "I"),
                 x_op3(w, RASQAL_EXPR_IF, x_op1(w, RASQAL_EXPR_ISBLANK, x_copy(x)),
                       x_str(w, "B"), x_str(w, "L")));
    if (!kind_only) {
        k[1] = x_op1(w, RASQAL_EXPR_STR, x_copy(x));
        k[2] = x_op3(w, RASQAL_EXPR_IF, x_op1(w, RASQAL_EXPR_ISLITERAL, x_copy(x)),
                     x_op1(w, RASQAL_EXPR_LANG, x_copy(x)), x_empty_of(w, x));
        rasqal_expression *lang = x_op1(w, RASQAL_EXPR_LANG, x_copy(x)), *none = x_str(w, "");
        rasqal_expression *no_lang = lang && none
            ? rasqal_new_2op_expression(w, RASQAL_EXPR_EQ, lang, none) : NULL;
        if (!no_lang) {
            if (lang) rasqal_free_expression(lang);
            if (none) rasqal_free_expression(none);
        }
        k[3] = x_op3(w, RASQAL_EXPR_IF, x_op1(w, RASQAL_EXPR_ISLITERAL, x_copy(x)),
                     x_op3(w, RASQAL_EXPR_IF, no_lang,
                           x_op1(w, RASQAL_EXPR_STR, x_op1(w, RASQAL_EXPR_DATATYPE, x_copy(x))),
                           x_str(w, "@")),
                     x_empty_of(w, x));
    }
    return x_seq(n, k);
}

/* COALESCE(x, "kouan-aggregate <e as Rasqal prints it>"): x's variables for
 * Rasqal's analysis, and a constant that is the same for two aggregates only
 * when they are written the same (the projection's COUNT(?p) and HAVING's,
 * which Rasqal computes once and must: it does not compute an aggregate only
 * HAVING holds). */
static rasqal_expression *x_tagged(rasqal_world *w, rasqal_expression *e)
{
    char *name = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&name, &len);
    if (!f) return NULL;
    fprintf(f, "kouan-aggregate %u ", e->flags);    /* DISTINCT: Rasqal prints it not */
    rasqal_expression_print(e, f);
    if (fclose(f) != 0) { free(name); return NULL; }
    rasqal_expression *args[2] = { x_copy(e->arg1), x_str(w, name) };
    free(name);
    raptor_sequence *seq = x_seq(2, args);
    return seq ? rasqal_new_expr_seq_expression(w, RASQAL_EXPR_COALESCE, seq) : NULL;
}

/* Fixes every aggregate under e (see above); 1 when e holds a DISTINCT
 * aggregate that cannot be keyed (refused), -1 out of memory. */
static int count_keys(src *ts, rasqal_expression *e)
{
    if (!e) return 0;
    switch (e->op) {
    case RASQAL_EXPR_COUNT: case RASQAL_EXPR_SUM: case RASQAL_EXPR_AVG: case RASQAL_EXPR_MIN:
    case RASQAL_EXPR_MAX: case RASQAL_EXPR_SAMPLE: case RASQAL_EXPR_GROUP_CONCAT: {
        int distinct = (e->flags & RASQAL_EXPR_FLAG_DISTINCT) != 0;
        if (e->op == RASQAL_EXPR_GROUP_CONCAT) return distinct;
        if (!e->arg1 || e->arg1->op == RASQAL_EXPR_VARSTAR)
            return distinct;                   /* COUNT(*) counts every row, as it should */
        if (distinct && e->op != RASQAL_EXPR_COUNT) return 1;
        if (e->args) return 1;                 /* not as the parser leaves an aggregate */
        if (ts->nkeyed == ts->cap_keyed) {
            size_t cap = ts->cap_keyed ? 2 * ts->cap_keyed : 8;
            keyed *more = realloc(ts->keyed, cap * sizeof *more);
            if (!more) return -1;
            ts->keyed = more;
            ts->cap_keyed = cap;
        }
        rasqal_expression *x = e->op == RASQAL_EXPR_COUNT ? NULL : x_copy(e->arg1);
        raptor_sequence *keys = e->op == RASQAL_EXPR_COUNT
            ? term_keys(ts->rworld, e->arg1, !distinct)
            : x_seq(1, &x);                    /* evaluated as it was written */
        rasqal_expression *tag = keys ? x_tagged(ts->rworld, e) : NULL;
        if (!tag) {
            if (keys) raptor_free_sequence(keys);
            return -1;
        }
        ts->keyed[ts->nkeyed++] = (keyed){ e, keys };
        rasqal_free_expression(e->arg1);       /* the tag holds a reference of its own */
        e->args = keys;
        e->arg1 = tag;                         /* e's, as its arg1 was */
        return 0;
    }
    default:
        break;
    }
    rasqal_expression *sub[4] = { e->arg1, e->arg2, e->arg3, e->arg4 };
    for (int i = 0; i < 4; i++) {
        int rc = count_keys(ts, sub[i]);
        if (rc) return rc;
    }
    for (int i = 0; e->args && i < raptor_sequence_size(e->args); i++) {
        int rc = count_keys(ts, raptor_sequence_get_at(e->args, i));
        if (rc) return rc;
    }
    return 0;
}

static int has_operator(rasqal_query *rq, rasqal_graph_pattern_operator op);

/* The query's projection and HAVING (see count_keys); a query with a
 * sub-SELECT is left to Rasqal (its projection's variables carry the
 * sub-SELECT's aggregates, whose variables Rasqal scopes after this). */
static int key_counts(src *ts, rasqal_query *rq)
{
    int rc = 0;
    if (has_operator(rq, RASQAL_GRAPH_PATTERN_OPERATOR_SELECT) == 1) return 0;
    raptor_sequence *vars = rasqal_query_get_bound_variable_sequence(rq);
    for (int i = 0; !rc && vars && i < raptor_sequence_size(vars); i++) {
        rasqal_variable *v = raptor_sequence_get_at(vars, i);
        if (v) rc = count_keys(ts, v->expression);
    }
    rasqal_expression *e;
    for (int i = 0; !rc && (e = rasqal_query_get_having_condition(rq, i)); i++) rc = count_keys(ts, e);
    if (rc == 0) counters.aggregates += ts->nkeyed;
    return rc;
}

/* The argument sequences freed: Rasqal's aggregation rowsource holds its
 * own references to their expressions, and frees an aggregate's arg1 (the
 * tag) but never its args.  Rasqal moves an aggregate out of the query into
 * its algebra (rasqal_expression_convert_aggregate_to_variable: the query's
 * expression becomes a variable), so the query is not put back as parsed;
 * an aggregate still in place (no algebra was built) loses its args. */
static void unkey_counts(src *ts)
{
    for (size_t i = ts->nkeyed; i-- > 0; ) {
        keyed *k = &ts->keyed[i];
        if (k->e->args == k->keys) k->e->args = NULL;
        raptor_free_sequence(k->keys);
    }
    free(ts->keyed);
    ts->keyed = NULL;
    ts->nkeyed = ts->cap_keyed = 0;
}

/* ---- the factory ----------------------------------------------------------------------- */

typedef struct op_seen { rasqal_graph_pattern_operator op; int found; } op_seen;

static int op_visit(rasqal_query *q, rasqal_graph_pattern *gp, void *ud)
{
    (void)q;
    op_seen *o = ud;
    if (rasqal_graph_pattern_get_operator(gp) != o->op) return 0;
    o->found = 1;
    return 1;                                        /* stop: one is enough */
}

/* Whether the query has a pattern of operator op anywhere (sub-SELECTs
 * included); -1 when it has no graph pattern. */
static int has_operator(rasqal_query *rq, rasqal_graph_pattern_operator op)
{
    rasqal_graph_pattern *gp = rasqal_query_get_query_graph_pattern(rq);
    op_seen o = { op, 0 };
    if (!gp) return -1;
    rasqal_graph_pattern_visit(rq, gp, op_visit, &o);
    return o.found;
}

/* Whether the query has a GRAPH pattern anywhere (sub-SELECTs included). */
static int uses_graph(rasqal_query *rq)
{
    return has_operator(rq, RASQAL_GRAPH_PATTERN_OPERATOR_GRAPH) != 0;   /* none seen: as before */
}

static int ts_new(rasqal_query *rq, void *factory_user_data, void *user_data,
                  rasqal_triples_source *rts)
{
    librdf_world *world = factory_user_data;
    src *ts = user_data;
    memset(ts, 0, sizeof *ts);
    raptor_sequence *seq = rasqal_query_get_data_graph_sequence(rq);
    while (seq && raptor_sequence_size(seq) > 0)       /* FROM: no loads (as librdf) */
        rasqal_free_data_graph(raptor_sequence_pop(seq));
    ts->world = world;
    ts->rworld = librdf_world_get_rasqal(world);
    int kc = key_counts(ts, rq);
    if (kc) {
        unkey_counts(ts);
        librdf_log(world, 0, LIBRDF_LOG_ERROR, LIBRDF_FROM_QUERY, NULL, "%s",
                   kc < 0 ? "rewriting the query's aggregates: out of memory"
                          : "SUM, AVG, MIN, MAX, SAMPLE and GROUP_CONCAT with DISTINCT, and "
                            "COUNT(DISTINCT *), are miscounted by Rasqal 0.9.33 (it cannot "
                            "order IRIs in their set), so kouan refuses them; aggregate the "
                            "rows of a SELECT DISTINCT instead: SELECT (GROUP_CONCAT(?x) AS "
                            "?xs) WHERE { SELECT DISTINCT ?x WHERE { … } }, with GROUP BY "
                            "keys in both SELECTs");
        return 1;
    }
    ts->model = model_of(rq, world);
    if (!ts->model) {
        librdf_log(world, 0, LIBRDF_LOG_ERROR, LIBRDF_FROM_QUERY, NULL,
                   "query: cannot find the model this query runs on (kouan's triples "
                   "source expects librdf 1.0.17's query structures)");
        return 1;
    }
    /* the model's graphs are the dataset's named graphs, which Rasqal's
       GRAPH ?g iterates (and GRAPH <g> checks), as librdf 1.0.17 does —
       only for a query with a GRAPH pattern: naming every graph reads each
       graph's IRI from the dictionary, one page a graph (a query on a
       5,905-document store faulted in 800 MB for it before it began) */
    if (uses_graph(rq) && librdf_model_supports_contexts(ts->model)) {
        librdf_iterator *it = librdf_model_get_contexts(ts->model);
        for (; it && !librdf_iterator_end(it); librdf_iterator_next(it)) {
            librdf_node *g = librdf_iterator_get_object(it);
            librdf_uri *gu = g ? librdf_node_get_uri(g) : NULL;
            raptor_uri *u = gu ? raptor_new_uri(librdf_world_get_raptor(world),
                                                librdf_uri_as_string(gu)) : NULL;
            if (!u) continue;
            rasqal_data_graph *dg = rasqal_new_data_graph_from_uri(
                ts->rworld, u, u, RASQAL_DATA_GRAPH_NAMED, NULL, NULL, NULL);
            if (dg) rasqal_query_add_data_graph(rq, dg);
            raptor_free_uri(u);
        }
        if (it) librdf_free_iterator(it);
    }
    ts->raptor = librdf_world_get_raptor(world);
    ts->uris = calloc(URI_LITS, sizeof *ts->uris);   /* optional: without it, no cache */
    librdf_storage *sto = librdf_model_get_storage(ts->model);
    const char *gen = getenv("KOUAN_SOURCE_GENERIC");
    if (sto && kouan_lmdb_is_ours(sto) && !(gen && *gen && strcmp(gen, "0") != 0)) {
        ts->by_id = calloc(ID_SLOTS, sizeof *ts->by_id);
        ts->by_lit = calloc(ID_SLOTS, sizeof *ts->by_lit);
        if (ts->by_id && ts->by_lit) ts->lmdb = sto;
    }
    counters.sources++;
    const char *no = getenv("KOUAN_NO_REORDER");
    if (!(no && *no && strcmp(no, "0") != 0)) reorder(ts, rq);
    rts->version = 1;
    rts->init_triples_match = ts_init_match;
    rts->triple_present = ts_triple_present;
    rts->free_triples_source = ts_free;
    return 0;
}

static int factory_register(rasqal_triples_source_factory *f)
{
    f->version = 1;
    f->user_data_size = sizeof(src);
    f->new_triples_source = ts_new;
    return 0;
}

/* Called by librdf on the Raptor world it made, before opening it. */
static void no_interning(void *ud, raptor_world *rw)
{
    (void)ud;
    raptor_world_set_flag(rw, RAPTOR_WORLD_FLAG_URI_INTERNING, 0);
}

void kouan_query_world_prepare(librdf_world *world)
{
    if (world) librdf_world_set_raptor_init_handler(world, NULL, no_interning);
}

int kouan_query_source_install(librdf_world *world)
{
    rasqal_world *rw = world ? librdf_world_get_rasqal(world) : NULL;
    if (!rw) return -1;
    return rasqal_set_triples_source_factory(rw, factory_register, world) ? -1 : 0;
}
