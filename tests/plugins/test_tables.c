/* test_tables.c — the tables plugin, through the public API (kouan.h):
 *
 *   1. a fixture of our own (tests/plugins/fixtures/tables_sample.md) whose
 *      tables use other header words and made-up names: header-driven
 *      reading, "same as above" cells, a 续表 continuation without header,
 *      aliases, 合计 rows, dashes, a cell with digits (a warning), a table of
 *      contents and a statistics table that must not be read;
 *   2. the seed chapter, checked against its gold facts read at run time;
 *   3. a malformed ontology/tables.tsv refused at open;
 *   4. plugins of a wrong ABI refused with both versions and the file.
 *
 * Usage: test_tables [PLUGIN_DIR ONTOLOGY_DIR FIXTURES_DIR CORPUS_DIR
 *                     WRONG_ABI_DIR]   (defaults: compile definitions)
 */
#ifndef _GNU_SOURCE
#  define _GNU_SOURCE
#endif
#include <kouan/kouan.h>

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef KOUAN_TEST_PLUGIN_DIR
#  define KOUAN_TEST_PLUGIN_DIR "build/plugins"
#endif
#ifndef KOUAN_TEST_ONTOLOGY_DIR
#  define KOUAN_TEST_ONTOLOGY_DIR "ontology"
#endif
#ifndef KOUAN_TEST_FIXTURES
#  define KOUAN_TEST_FIXTURES "tests/plugins/fixtures"
#endif
#ifndef KOUAN_TEST_CORPUS
#  define KOUAN_TEST_CORPUS "corpus"
#endif
#ifndef KOUAN_TEST_WRONG_ABI_DIR
#  define KOUAN_TEST_WRONG_ABI_DIR "build/tests/plugins/wrong_abi"
#endif

#define SEED_ID "000_7180f7658f0f6251"

static const char *plugin_dir   = KOUAN_TEST_PLUGIN_DIR;
static const char *ontology_dir = KOUAN_TEST_ONTOLOGY_DIR;
static const char *fixtures_dir = KOUAN_TEST_FIXTURES;
static const char *corpus_dir   = KOUAN_TEST_CORPUS;
static const char *wrong_dir    = KOUAN_TEST_WRONG_ABI_DIR;

static int failures, checks;

static void check(int ok, const char *fmt, ...)
{
    checks++;
    if (ok)
        return;
    failures++;
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "FAIL: ");
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

/* ---- a sorted set of strings ---------------------------------------------- */

typedef struct strset {
    char  **v;
    size_t  n, cap;
} strset;

static void set_add(strset *s, const char *str)
{
    if (s->n == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 16;
        s->v = realloc(s->v, s->cap * sizeof *s->v);
        if (!s->v) {
            perror("realloc");
            exit(2);
        }
    }
    s->v[s->n] = strdup(str);
    if (!s->v[s->n]) {
        perror("strdup");
        exit(2);
    }
    s->n++;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sort and drop duplicates. */
static void set_finish(strset *s)
{
    if (!s->n)
        return;
    qsort(s->v, s->n, sizeof *s->v, cmp_str);
    size_t w = 1;
    for (size_t i = 1; i < s->n; i++) {
        if (strcmp(s->v[i], s->v[w - 1]) == 0)
            free(s->v[i]);
        else
            s->v[w++] = s->v[i];
    }
    s->n = w;
}

static int set_has(const strset *s, const char *str)
{
    return s->n && bsearch(&str, s->v, s->n, sizeof *s->v, cmp_str) != NULL;
}

static void set_free(strset *s)
{
    for (size_t i = 0; i < s->n; i++)
        free(s->v[i]);
    free(s->v);
    memset(s, 0, sizeof *s);
}

static void set_print(const char *what, const strset *s)
{
    fprintf(stderr, "  %s (%zu):", what, s->n);
    for (size_t i = 0; i < s->n; i++)
        fprintf(stderr, " [%s]", s->v[i]);
    fputc('\n', stderr);
}

/* Every element of want is in got and nothing else. */
static void check_equal(const char *what, const strset *got, const strset *want)
{
    int ok = got->n == want->n;
    for (size_t i = 0; ok && i < want->n; i++)
        ok = strcmp(got->v[i], want->v[i]) == 0;
    check(ok, "%s: sets differ", what);
    if (!ok) {
        set_print("got", got);
        set_print("want", want);
    }
}

static strset set_of(const char *const *items)
{
    strset s = { 0 };
    for (; *items; items++)
        set_add(&s, *items);
    set_finish(&s);
    return s;
}

/* ---- running queries -------------------------------------------------------- */

/* Run sparql; the rows of its TSV result (without the header line), each
 * "v1\tv2…", as a set.  Fails the test if the query fails.  The queries
 * avoid DISTINCT (the set drops duplicates): Rasqal 0.9.33 leaks rows with
 * it, which would hide real leaks under valgrind. */
static strset query_rows(kouan *k, const char *sparql)
{
    strset rows = { 0 };
    char *buf = NULL;
    size_t len = 0, n = 0;
    FILE *out = open_memstream(&buf, &len);
    if (!out) {
        perror("open_memstream");
        exit(2);
    }
    kouan_error err = { 0 };
    int rc = kouan_query(k, sparql, KOUAN_RESULTS_TSV, out, &n, &err);
    fclose(out);
    check(rc == 0, "query failed (%d): %s\n  %s", rc, err.message, sparql);
    if (rc == 0 && buf) {
        char *save = NULL;
        int header = 1;
        for (char *line = strtok_r(buf, "\n", &save); line;
             line = strtok_r(NULL, "\n", &save)) {
            if (header) {
                header = 0;
                continue;
            }
            set_add(&rows, line);
        }
    }
    free(buf);
    set_finish(&rows);
    return rows;
}

/* Pairs "subject label\tobject" of the facts a given rule of the tables
 * plugin stated with predicate pred (a prefixed name), found through the
 * statement nodes that carry the evidence (kouan:rule is a plain literal;
 * matching it as a constant is fast, a FILTER over all rules is not).  The
 * object is its label for an entity, its lexical form for a literal. */
static strset rule_pairs(kouan *k, const char *pred, const char *rule,
                         int literal)
{
    char q[2048];
    snprintf(q, sizeof q,
             "SELECT ?a ?b WHERE {\n"
             "  ?st kouan:rule \"%s\" ; rdf:predicate %s ;\n"
             "      rdf:subject ?s ; rdf:object ?o .\n"
             "  ?s rdfs:label ?a .\n"
             "  %s\n"
             "}",
             rule, pred, literal ? "BIND(STR(?o) AS ?b)" : "?o rdfs:label ?b .");
    return query_rows(k, q);
}

/* Distinct first fields of "a\tb" rows. */
static strset firsts(const strset *pairs)
{
    strset s = { 0 };
    for (size_t i = 0; i < pairs->n; i++) {
        char *tab = strchr(pairs->v[i], '\t');
        char *a = strndup(pairs->v[i], tab ? (size_t)(tab - pairs->v[i])
                                           : strlen(pairs->v[i]));
        set_add(&s, a);
        free(a);
    }
    set_finish(&s);
    return s;
}

/* ---- session helpers ---------------------------------------------------------- */

typedef struct warnings {
    strset msgs;
} warnings;

static void on_warn(const char *message, void *user)
{
    warnings *w = user;
    set_add(&w->msgs, message);
}

static kouan *open_session(const char *plugins, const char *ontology,
                           kouan_error *err)
{
    kouan_options o;
    memset(&o, 0, sizeof o);
    o.store_spec = "memory:";
    o.ontology_dir = ontology;
    o.plugin_path = plugins;
    memset(err, 0, sizeof *err);
    return kouan_open(&o, err);
}

static int extract(kouan *k, const char *path, warnings *w,
                   kouan_extract_report *rep)
{
    kouan_error err = { 0 };
    memset(rep, 0, sizeof *rep);
    int rc = kouan_extract_file(k, path, rep, on_warn, w, &err);
    check(rc == 0, "extract %s failed (%d): %s", path, rc, err.message);
    return rc;
}

/* ---- 1. the fixture ---------------------------------------------------------- */

static void test_fixture(void)
{
    kouan_error err;
    kouan *k = open_session(plugin_dir, ontology_dir, &err);
    check(k != NULL, "kouan_open(%s) failed: %s", plugin_dir, err.message);
    if (!k)
        return;

    int found = 0;
    for (size_t i = 0; i < kouan_plugin_count(k); i++) {
        const kouan_plugin_info *pi = kouan_plugin_get(k, i);
        if (pi && pi->name && strcmp(pi->name, "tables") == 0) {
            found = 1;
            check(pi->version && strcmp(pi->version, "0.1.0") == 0,
                  "tables plugin version is %s", pi->version);
            check(pi->stage == KOUAN_STAGE_STRUCTURE,
                  "tables plugin stage is %d", pi->stage);
            check(pi->license && strcmp(pi->license, "MIT") == 0,
                  "tables plugin license is %s", pi->license);
        }
    }
    check(found, "the tables plugin is not loaded from %s", plugin_dir);

    char path[4096];
    snprintf(path, sizeof path, "%s/tables_sample.md", fixtures_dir);
    warnings w = { { 0 } };
    kouan_extract_report rep;
    if (extract(k, path, &w, &rep) == 0) {
        check(rep.facts > 0, "no facts from the fixture");
        /* the one cell with digits: 12号界碑 */
        set_finish(&w.msgs);
        int digits = 0;
        for (size_t i = 0; i < w.msgs.n; i++)
            if (strstr(w.msgs.v[i], "12号界碑") &&
                strstr(w.msgs.v[i], "tables_sample.md:"))
                digits = 1;
        check(digits, "no warning about the cell 12号界碑 with file:line");
        if (!digits)
            set_print("warnings", &w.msgs);
    }
    set_free(&w.msgs);

    /* ports: the header said 主要口岸 / 省 份 / 边境贸易区; 沙泉子 comes
     * from the 续表 without header; 石门口岸 is labelled 石门 by the core */
    static const char *const ports[] = {
        "松岭口\t吉林", "白桦沟\t吉林", "石门\t吉林", "鹿鸣\t黑龙江",
        "北渡\t黑龙江", "雪莲关\t新疆", "红柳泉\t新疆", "沙泉子\t甘肃", NULL
    };
    strset got = rule_pairs(k, "kouan:province", "tables:port-province", 0);
    strset want = set_of(ports);
    check_equal("fixture port-province", &got, &want);
    set_free(&got);
    set_free(&want);

    /* zones: blank cells carried down, also into the continuation; the
     * row 西南 云南 — still links the province to its zone */
    static const char *const zones[] = {
        "吉林\t东北", "黑龙江\t东北", "新疆\t西北", "甘肃\t西北",
        "云南\t西南", NULL
    };
    got = rule_pairs(k, "kouan:tradeZone", "tables:province-tradeZone", 0);
    want = set_of(zones);
    check_equal("fixture province-tradeZone", &got, &want);
    set_free(&got);
    set_free(&want);

    static const char *const counties[] = {
        "雾岭县\t西山傣族自治州", "青石县\t西山傣族自治州", "竹溪县\t南河市",
        NULL
    };
    got = rule_pairs(k, "kouan:prefecture", "tables:county-prefecture", 0);
    want = set_of(counties);
    check_equal("fixture county-prefecture", &got, &want);
    set_free(&got);
    set_free(&want);

    static const char *const prefs[] = {
        "西山傣族自治州\t云南", "南河市\t云南", NULL
    };
    got = rule_pairs(k, "kouan:province", "tables:prefecture-province", 0);
    want = set_of(prefs);
    check_equal("fixture prefecture-province", &got, &want);
    set_free(&got);
    set_free(&want);

    static const char *const counts[] = { "云南\t3", NULL };
    got = rule_pairs(k, "kouan:borderCountyCount",
                     "tables:province-borderCountyCount", 1);
    want = set_of(counts);
    check_equal("fixture borderCountyCount", &got, &want);
    set_free(&got);
    set_free(&want);

    static const char *const alts[] = { "白桦沟\t桦沟", "北渡\t北渡口", NULL };
    got = rule_pairs(k, "skos:altLabel", "tables:port-altLabel", 1);
    want = set_of(alts);
    check_equal("fixture altLabel", &got, &want);
    set_free(&got);
    set_free(&want);

    /* 雾岭口: a port in a table without a province column: typed only */
    got = query_rows(k,
        "SELECT ?l WHERE { ?p a kouan:Port ; rdfs:label ?l .\n"
        "  FILTER(STR(?l) = \"雾岭口\")\n"
        "  OPTIONAL { ?p kouan:province ?v } FILTER(!BOUND(?v)) }");
    check(got.n == 1, "雾岭口 should be a Port without province (%zu rows)",
          got.n);
    set_free(&got);

    /* nothing read from totals, dashes, the digits cell, the table of
     * contents or the statistics table */
    got = query_rows(k, "SELECT ?l WHERE { ?s rdfs:label ?l }");
    check(got.n > 0, "no labels at all");
    for (size_t i = 0; i < got.n; i++) {
        const char *l = got.v[i];
        check(strcmp(l, "合计") != 0 && strcmp(l, "—") != 0 &&
              strstr(l, "界碑") == NULL && strstr(l, "第一章") == NULL &&
              strstr(l, "第二章") == NULL && strstr(l, "年份") == NULL &&
              strstr(l, "2012") == NULL && strcmp(l, "8") != 0,
              "fixture: \"%s\" should not be an entity", l);
    }
    set_free(&got);
    kouan_close(k);
}

/* ---- 2. the seed chapter ------------------------------------------------------ */

typedef struct gold {
    strset facts;      /* "s\tp\to" */
    strset ports;      /* subjects typed Port */
    strset counties;   /* subjects typed County */
    strset prefs;      /* subjects typed Prefecture */
} gold;

static int read_gold(const char *path, gold *g)
{
    FILE *fp = fopen(path, "r");
    if (!fp) {
        check(0, "cannot read %s: %s", path, strerror(errno));
        return -1;
    }
    char *line = NULL;
    size_t cap = 0;
    while (getline(&line, &cap, fp) >= 0) {
        line[strcspn(line, "\r\n")] = '\0';
        char *p1 = strchr(line, '\t');
        char *p2 = p1 ? strchr(p1 + 1, '\t') : NULL;
        if (!p2)
            continue;
        set_add(&g->facts, line);
        *p1 = '\0';
        if (strcmp(p1 + 1, "type\tPort") == 0)
            set_add(&g->ports, line);
        else if (strcmp(p1 + 1, "type\tCounty") == 0)
            set_add(&g->counties, line);
        else if (strcmp(p1 + 1, "type\tPrefecture") == 0)
            set_add(&g->prefs, line);
    }
    free(line);
    fclose(fp);
    set_finish(&g->facts);
    set_finish(&g->ports);
    set_finish(&g->counties);
    set_finish(&g->prefs);
    return 0;
}

/* Gold pairs "s\to" for predicate pred whose subject is in among (or any
 * subject when among is NULL). */
static strset gold_pairs(const gold *g, const char *pred, const strset *among)
{
    strset s = { 0 };
    size_t pl = strlen(pred);
    for (size_t i = 0; i < g->facts.n; i++) {
        const char *f = g->facts.v[i];
        const char *t1 = strchr(f, '\t');
        if (!t1 || strncmp(t1 + 1, pred, pl) != 0 || t1[1 + pl] != '\t')
            continue;
        char *subj = strndup(f, (size_t)(t1 - f));
        if (!among || set_has(among, subj)) {
            char *pair = NULL;
            if (asprintf(&pair, "%s\t%s", subj, t1 + 2 + pl) < 0)
                exit(2);
            set_add(&s, pair);
            free(pair);
        }
        free(subj);
    }
    set_finish(&s);
    return s;
}

/* Every element of got is in want. */
static void check_subset(const char *what, const strset *got,
                         const strset *want)
{
    for (size_t i = 0; i < got->n; i++)
        check(set_has(want, got->v[i]), "%s: [%s] is not in the gold facts",
              what, got->v[i]);
}

static void test_seed(void)
{
    char path[4096], gpath[4096];
    snprintf(path, sizeof path, "%s/%s.md", corpus_dir, SEED_ID);
    /* corpus/gold/<id>.tsv, or the older corpus/<id>.gold.tsv */
    snprintf(gpath, sizeof gpath, "%s/gold/%s.tsv", corpus_dir, SEED_ID);
    if (access(gpath, R_OK) != 0)
        snprintf(gpath, sizeof gpath, "%s/%s.gold.tsv", corpus_dir, SEED_ID);
    gold g;
    memset(&g, 0, sizeof g);
    if (read_gold(gpath, &g) < 0)
        return;

    kouan_error err;
    kouan *k = open_session(plugin_dir, ontology_dir, &err);
    check(k != NULL, "kouan_open failed: %s", err.message);
    warnings w = { { 0 } };
    kouan_extract_report rep;
    if (!k || extract(k, path, &w, &rep) != 0)
        goto out;

    /* 表 1-1: 91 ports, each with its province as the gold says */
    strset ports = rule_pairs(k, "kouan:province", "tables:port-province", 0);
    strset names = firsts(&ports);
    check(names.n == 91, "seed: %zu distinct ports with a province, want 91",
          names.n);
    check(ports.n == names.n, "seed: some port has two provinces");
    strset gp = gold_pairs(&g, "province", &g.ports);
    check_subset("seed port-province", &ports, &gp);

    /* the ports of 西藏, from the gold file */
    strset xz = { 0 }, want_xz = { 0 };
    for (size_t i = 0; i < ports.n; i++) {
        const char *tab = strchr(ports.v[i], '\t');
        if (tab && strcmp(tab + 1, "西藏") == 0)
            set_add(&xz, ports.v[i]);
    }
    for (size_t i = 0; i < gp.n; i++) {
        const char *tab = strchr(gp.v[i], '\t');
        if (tab && strcmp(tab + 1, "西藏") == 0)
            set_add(&want_xz, gp.v[i]);
    }
    set_finish(&xz);
    set_finish(&want_xz);
    check(want_xz.n == 4, "gold: %zu ports of 西藏, expected 4", want_xz.n);
    check_equal("seed ports of 西藏", &xz, &want_xz);
    set_free(&xz);
    set_free(&want_xz);
    set_free(&names);
    set_free(&ports);
    set_free(&gp);

    /* 表 1-1: the zone of each province */
    strset got = rule_pairs(k, "kouan:tradeZone", "tables:province-tradeZone", 0);
    strset want = gold_pairs(&g, "tradeZone", NULL);
    check(got.n == 9, "seed: %zu province-zone pairs, want 9", got.n);
    check_equal("seed province-tradeZone", &got, &want);
    set_free(&got);
    set_free(&want);

    /* 表 1-2 and its two 续表: counties, prefectures, counts */
    got = rule_pairs(k, "kouan:prefecture", "tables:county-prefecture", 0);
    want = gold_pairs(&g, "prefecture", NULL);
    names = firsts(&got);
    check(names.n == 139, "seed: %zu counties with a prefecture, want 139",
          names.n);
    check_equal("seed county-prefecture", &got, &want);
    set_free(&names);
    set_free(&got);
    set_free(&want);

    got = rule_pairs(k, "kouan:province", "tables:prefecture-province", 0);
    want = gold_pairs(&g, "province", &g.prefs);
    check(got.n == want.n && got.n >= 45,
          "seed: %zu prefecture-province pairs, gold has %zu", got.n, want.n);
    check_equal("seed prefecture-province", &got, &want);
    set_free(&got);
    set_free(&want);

    got = rule_pairs(k, "kouan:borderCountyCount",
                     "tables:province-borderCountyCount", 1);
    want = gold_pairs(&g, "borderCountyCount", NULL);
    check(got.n == 9, "seed: %zu borderCountyCount values, want 9", got.n);
    check_equal("seed borderCountyCount", &got, &want);
    set_free(&got);
    set_free(&want);

    /* 章凤（陇川） */
    got = rule_pairs(k, "skos:altLabel", "tables:port-altLabel", 1);
    check(set_has(&got, "章凤\t陇川"), "seed: no altLabel 陇川 for 章凤");
    set_free(&got);

    /* the 合计 row and the table of contents give nothing */
    got = query_rows(k, "SELECT ?l WHERE { ?s rdfs:label ?l }");
    for (size_t i = 0; i < got.n; i++)
        check(strcmp(got.v[i], "合计") != 0 && strstr(got.v[i], "第一节") == NULL
              && strcmp(got.v[i], "—") != 0,
              "seed: \"%s\" should not be an entity", got.v[i]);
    set_free(&got);
out:
    set_finish(&w.msgs);
    for (size_t i = 0; i < w.msgs.n; i++)
        check(!(strstr(w.msgs.v[i], " column ") &&
                strstr(w.msgs.v[i], "skipped")),
              "seed: unexpected warning from the tables plugin: %s",
              w.msgs.v[i]);
    set_free(&w.msgs);
    kouan_close(k);
    set_free(&g.facts);
    set_free(&g.ports);
    set_free(&g.counties);
    set_free(&g.prefs);
}

/* ---- 3. a malformed layout file ---------------------------------------------- */

/* A temporary ontology folder: links to every entry of ontology_dir but
 * tables.tsv, which is the bad fixture. */
static int make_bad_ontology(char *dir, size_t n)
{
    const char *tmp = getenv("TMPDIR");
    snprintf(dir, n, "%s/kouan-test-tables-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(dir)) {
        check(0, "mkdtemp: %s", strerror(errno));
        return -1;
    }
    char abs_onto[4096];
    if (!realpath(ontology_dir, abs_onto)) {
        check(0, "realpath(%s): %s", ontology_dir, strerror(errno));
        return -1;
    }
    DIR *d = opendir(abs_onto);
    if (!d) {
        check(0, "opendir(%s): %s", abs_onto, strerror(errno));
        return -1;
    }
    struct dirent *e;
    char from[8192], to[8192];
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.' || strcmp(e->d_name, "tables.tsv") == 0)
            continue;
        snprintf(from, sizeof from, "%s/%s", abs_onto, e->d_name);
        snprintf(to, sizeof to, "%s/%s", dir, e->d_name);
        if (symlink(from, to) != 0)
            check(0, "symlink %s: %s", to, strerror(errno));
    }
    closedir(d);
    char bad[4096];
    snprintf(bad, sizeof bad, "%s/bad_tables.tsv", fixtures_dir);
    if (!realpath(bad, from)) {
        check(0, "realpath(%s): %s", bad, strerror(errno));
        return -1;
    }
    snprintf(to, sizeof to, "%s/tables.tsv", dir);
    if (symlink(from, to) != 0) {
        check(0, "symlink %s: %s", to, strerror(errno));
        return -1;
    }
    return 0;
}

static void remove_bad_ontology(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *e;
    char p[8192];
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
        unlink(p);
    }
    closedir(d);
    rmdir(dir);
}

static void test_bad_layout(void)
{
    char dir[4096];
    if (make_bad_ontology(dir, sizeof dir) == 0) {
        kouan_error err;
        kouan *k = open_session(plugin_dir, dir, &err);
        check(k == NULL, "kouan_open accepted a malformed tables.tsv");
        check(strstr(err.message, "tables.tsv:4: expected") != NULL,
              "malformed tables.tsv: message \"%s\" does not say "
              "tables.tsv:4: expected …", err.message);
        kouan_close(k);
    }
    remove_bad_ontology(dir);
}

/* ---- 4. plugins of a wrong ABI ---------------------------------------------- */

typedef struct scan_seen {
    int major, minor, accepted;
} scan_seen;

static void on_scan(const kouan_plugin_info *info, const char *file,
                    const char *problem, void *user)
{
    scan_seen *s = user;
    if (info) {
        s->accepted++;
        return;
    }
    char major[32], minor[32], core[32];
    snprintf(major, sizeof major, "%d.%d", KOUAN_PLUGIN_ABI_MAJOR + 1,
             KOUAN_PLUGIN_ABI_MINOR);
    snprintf(minor, sizeof minor, "%d.%d", KOUAN_PLUGIN_ABI_MAJOR,
             KOUAN_PLUGIN_ABI_MINOR + 1);
    snprintf(core, sizeof core, "%d.%d", KOUAN_PLUGIN_ABI_MAJOR,
             KOUAN_PLUGIN_ABI_MINOR);
    if (file && strstr(file, "wrong_abi_major")) {
        s->major++;
        check(problem && strstr(problem, major) && strstr(problem, core),
              "scan: the problem with %s does not name %s and %s: %s",
              file, major, core, problem ? problem : "(null)");
    } else if (file && strstr(file, "wrong_abi_minor")) {
        s->minor++;
        check(problem && strstr(problem, minor) && strstr(problem, core),
              "scan: the problem with %s does not name %s and %s: %s",
              file, minor, core, problem ? problem : "(null)");
    }
}

static void test_wrong_abi(void)
{
    char major[32], minor[32], core[32];
    snprintf(major, sizeof major, "%d.%d", KOUAN_PLUGIN_ABI_MAJOR + 1,
             KOUAN_PLUGIN_ABI_MINOR);
    snprintf(minor, sizeof minor, "%d.%d", KOUAN_PLUGIN_ABI_MAJOR,
             KOUAN_PLUGIN_ABI_MINOR + 1);
    snprintf(core, sizeof core, "%d.%d", KOUAN_PLUGIN_ABI_MAJOR,
             KOUAN_PLUGIN_ABI_MINOR);

    kouan_error err;
    kouan *k = open_session(wrong_dir, ontology_dir, &err);
    check(k == NULL, "kouan_open accepted the plugins in %s", wrong_dir);
    const char *m = err.message;
    int names_major = strstr(m, "wrong_abi_major") && strstr(m, major);
    int names_minor = strstr(m, "wrong_abi_minor") && strstr(m, minor);
    check(k != NULL || ((names_major || names_minor) && strstr(m, core)),
          "wrong ABI: the message should name the file and both versions "
          "(%s or %s, and %s): \"%s\"", major, minor, core, m);
    check(k != NULL || err.code == KOUAN_EPLUGIN,
          "wrong ABI: error code %d, want KOUAN_EPLUGIN", err.code);
    kouan_close(k);

    scan_seen s = { 0, 0, 0 };
    int refused = kouan_plugin_scan(wrong_dir, on_scan, &s);
    check(refused == 2, "scan of %s: %d refused, want 2", wrong_dir, refused);
    check(s.major == 1 && s.minor == 1 && s.accepted == 0,
          "scan of %s: major %d minor %d accepted %d", wrong_dir, s.major,
          s.minor, s.accepted);
}

int main(int argc, char **argv)
{
    if (argc == 6) {
        plugin_dir = argv[1];
        ontology_dir = argv[2];
        fixtures_dir = argv[3];
        corpus_dir = argv[4];
        wrong_dir = argv[5];
    } else if (argc != 1) {
        fprintf(stderr, "usage: %s [PLUGIN_DIR ONTOLOGY_DIR FIXTURES_DIR "
                "CORPUS_DIR WRONG_ABI_DIR]\n", argv[0]);
        return 2;
    }
    test_fixture();
    test_seed();
    test_bad_layout();
    test_wrong_abi();
    printf("test_tables: %d checks, %d failed\n", checks, failures);
    return failures ? 1 : 0;
}
