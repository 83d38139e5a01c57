/* test_stats.c — the stats plugin (build/plugins/stats.so, loaded as the core
 * loads it) with the real ontology/stats.tsv on hand-built sentences: the
 * seed's figures however the segmenter cuts them, subjects from the clause,
 * 其, the paragraph and the heading, and everything it must not assert
 * (no cue, no subject, a list of regions, a forecast, a bare percentage, a
 * unit the measure does not take); then file:line errors for malformed
 * stats.tsv files. */
#define _POSIX_C_SOURCE 200809L
#include <kouan/plugin.h>

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int failures;
#define CHECK(cond) do { if (!(cond)) { failures++; \
    fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); } } while (0)

/* ---- a capturing emitter --------------------------------------------------------- */

typedef struct fact {
    char s[64], p[32], o[64], dt[16], year[8], unit[16], share[16], rule[32];
    int  scls;
    kouan_span ev;
} fact;
static fact facts[64];
static size_t n_facts, n_warnings;

#define COPY(dst, src) snprintf(dst, sizeof dst, "%s", (src) ? (src) : "")
static int emit_cb(kouan_emitter *self, const kouan_fact *f)
{
    (void)self;
    if (n_facts == sizeof facts / sizeof facts[0]) return KOUAN_ENOMEM;
    fact *x = &facts[n_facts++];
    COPY(x->s, f->subject);
    COPY(x->p, f->predicate);
    COPY(x->o, f->object);
    COPY(x->dt, f->datatype);
    COPY(x->year, f->year);
    COPY(x->unit, f->unit);
    COPY(x->share, f->share);
    COPY(x->rule, f->rule);
    x->scls = f->subject_class;
    x->ev = f->evidence;
    return KOUAN_OK;
}
static void warn_cb(kouan_emitter *self, size_t at, const char *m)
{
    (void)self; (void)at; (void)m;
    n_warnings++;
}

static void dump(void)
{
    for (size_t i = 0; i < n_facts; i++)
        fprintf(stderr, "    got %s %s %s^^%s year=%s unit=%s share=%s [%s]\n", facts[i].s,
                facts[i].p, facts[i].o, facts[i].dt, facts[i].year, facts[i].unit,
                facts[i].share, facts[i].rule);
}

/* A fact with these fields ("" year/share: must be absent). */
static int has(const char *s, const char *p, const char *o, const char *year,
               const char *unit, const char *share)
{
    for (size_t i = 0; i < n_facts; i++) {
        const fact *f = &facts[i];
        if (!strcmp(f->s, s) && !strcmp(f->p, p) && !strcmp(f->o, o) &&
            !strcmp(f->year, year) && !strcmp(f->unit, unit) && !strcmp(f->share, share))
            return 1;
    }
    return 0;
}
#define EXPECT(s, p, o, y, u, sh) do { if (!has(s, p, o, y, u, sh)) { failures++; \
    fprintf(stderr, "%s:%d: missing %s %s %s year=%s unit=%s share=%s\n", __FILE__, \
            __LINE__, s, p, o, y, u, sh); dump(); } } while (0)
#define EXPECT_NONE() do { if (n_facts) { failures++; \
    fprintf(stderr, "%s:%d: expected no fact\n", __FILE__, __LINE__); dump(); } } while (0)

/* ---- hand-built documents ----------------------------------------------------------- */

/* "text/K[:cls]": K is W(ord), E(ntity), N(umber), P(unct); cls a class
 * number.  "||" separates sentences, "##" starts a new paragraph block,
 * "#H2" a heading block of level 2. */
typedef struct built {
    char           bytes[4096];
    kouan_token    toks[256];
    kouan_sentence sents[32];
    kouan_block    blocks[16];
    kouan_doc      doc;
} built;

static void build(built *b, const char *const *spec)
{
    memset(b, 0, sizeof *b);
    size_t len = 0, nt = 0, ns = 0, nb = 1, first = 0;
    b->blocks[0].kind = KOUAN_BLOCK_PARAGRAPH;
    for (size_t i = 0;; i++) {
        const char *w = spec[i];
        int new_block = w && w[0] == '#';
        if (!w || !strcmp(w, "||") || new_block) {
            if (nt > first) {
                kouan_sentence *s = &b->sents[ns++];
                s->tokens = &b->toks[first];
                s->n_tokens = nt - first;
                s->span.start = b->toks[first].span.start;
                s->span.end = b->toks[nt - 1].span.end;
                s->line = 1;
                s->block = nb - 1;
            }
            first = nt;
            if (!w) break;
            if (new_block) {
                kouan_block *bl = &b->blocks[nb++];
                bl->kind = w[1] == 'H' ? KOUAN_BLOCK_HEADING : KOUAN_BLOCK_PARAGRAPH;
                bl->level = w[1] == 'H' ? atoi(w + 2) : 0;
            }
            continue;
        }
        const char *slash = strrchr(w, '/');
        size_t n = (size_t)(slash - w);
        kouan_token *t = &b->toks[nt++];
        memcpy(b->bytes + len, w, n);
        t->text = strndup(w, n);
        t->len = n;
        t->span.start = len;
        t->span.end = len + n;
        len += n;
        t->kind = slash[1] == 'E' ? KOUAN_TOKEN_ENTITY : slash[1] == 'N' ? KOUAN_TOKEN_NUMBER
                : slash[1] == 'P' ? KOUAN_TOKEN_PUNCT : KOUAN_TOKEN_WORD;
        t->cls = slash[2] == ':' ? (kouan_class)atoi(slash + 3) : KOUAN_CLASS_LITERAL;
    }
    b->doc.path = "hand-built";
    b->doc.id = "hand-built";
    b->doc.bytes = b->bytes;
    b->doc.len = len;
    b->doc.sentences = b->sents;
    b->doc.n_sentences = ns;
    b->doc.blocks = b->blocks;
    b->doc.n_blocks = nb;
}

static const kouan_plugin *plugin;
static char cfg_message[1024];

static int cfg_error(const kouan_config *cfg, int code, const char *message)
{
    (void)cfg;
    snprintf(cfg_message, sizeof cfg_message, "%s", message);
    return code;
}

static int init_with(const char *dir, void **state)
{
    kouan_config cfg = { KOUAN_PLUGIN_ABI_MAJOR, KOUAN_PLUGIN_ABI_MINOR, dir, cfg_error, NULL };
    cfg_message[0] = '\0';
    return plugin->init(&cfg, state);
}

static built last;   /* the last document run, for evidence checks */

static void run_doc(void *state, const char *const *spec)
{
    for (size_t i = 0; i < 256; i++) free((char *)last.toks[i].text);
    build(&last, spec);
    kouan_emitter out = { emit_cb, warn_cb, NULL };
    n_facts = n_warnings = 0;
    CHECK(plugin->process(state, &last.doc, &out) == KOUAN_OK);
}

#define P "2"   /* Province */
#define T "3"   /* TradeZone */

/* ---- what it reads ------------------------------------------------------------------ */

static void test_seed(void *st)
{
    /* the seed's 东北 paragraph, cut as the segmenter cuts `197 万平方公里`
     * (number and unit apart), 其 referring back to the sentence before */
    static const char *const dongbei[] = {
        "#H3", "(/P", "一/W", ")/P", "东北边境贸易区/E:" T, "##",
        "东北边境贸易区/E:" T, "包括/W", "辽宁/E:" P, "、/P", "吉林/E:" P, ",/P", "主要/W",
        "贸易/W", "对象/W", "为/W", "东北/E:" T, "亚/W", "国家/W", "。/P", "||",
        "以/W", "全部/W", "区域/W", "范围/W", "计/W", ",/P", "其/W", "面积/W", "为/W",
        "197/N", "万平方公里/W", ",/P", "约/W", "占/W", "全国/W", "总面积/W", "的/W",
        "20.5%/N", ";/P", "2013/N", "年/W", "人口/W", "为/W", "13448/N", "万/W", "人/W",
        ",/P", "约/W", "占/W", "全国/W", "总人口/W", "的/W", "10%/N", ";/P", "2013/N",
        "年/W", "对外贸易/W", "额/W", "为/W", "1685.5/N", "亿美元/W", ",/P", "约/W", "占/W",
        "全国/W", "贸易总额/W", "的/W", "4.63%/N", "。/P", NULL };
    run_doc(st, dongbei);
    EXPECT("东北边境贸易区", "area", "1970000", "", "km2", "0.205");
    EXPECT("东北边境贸易区", "population", "134480000", "2013", "persons", "0.1");
    EXPECT("东北边境贸易区", "tradeVolume", "168550000000", "2013", "USD", "0.0463");
    CHECK(n_facts == 3);
    for (size_t i = 0; i < n_facts; i++) {
        char rule[48];
        snprintf(rule, sizeof rule, "stats:%s", facts[i].p);
        CHECK(!strcmp(facts[i].rule, rule));
        CHECK(!strcmp(facts[i].dt, strcmp(facts[i].p, "population") ? "decimal" : "integer"));
        CHECK(facts[i].scls == KOUAN_CLASS_TRADE_ZONE);
        /* evidence: from the sentence that names the region 其 refers to,
           through the whole statistics sentence */
        CHECK(facts[i].ev.start == last.sents[1].span.start &&
              facts[i].ev.end == last.sents[2].span.end);
    }

    /* the 西北 paragraph, where number and unit are one token, and no
     * sentence before it: 其 is the region the heading names */
    static const char *const xibei[] = {
        "#H3", "(/P", "二/W", ")/P", "西北边境贸易区/E:" T, "##",
        "以/W", "全部/W", "区域/W", "范围/W", "计/W", ",/P", "其/W", "面积/W", "为/W",
        "211万平方公里/N", ",/P", "约/W", "占/W", "全国/W", "总面积/W", "的/W", "22%/N",
        ";/P", "2013年/N", "人口/W", "为/W", "4773万人/N", ",/P", "约/W", "占/W", "全国/W",
        "总人口/W", "的/W", "3.5%/N", ";/P", "2013年/N", "对外贸易/W", "额/W", "为/W",
        "315.48亿美元/N", ",/P", "占/W", "全国/W", "贸易总额/W", "的/W", "0.87%/N", "。/P",
        NULL };
    run_doc(st, xibei);
    EXPECT("西北边境贸易区", "area", "2110000", "", "km2", "0.22");
    EXPECT("西北边境贸易区", "population", "47730000", "2013", "persons", "0.035");
    EXPECT("西北边境贸易区", "tradeVolume", "31548000000", "2013", "USD", "0.0087");
    CHECK(n_facts == 3);
}

static void test_readings(void *st)
{
    /* a subject in the clause, with 的 and a modifier; magnitudes chain */
    static const char *const explicit_[] = {
        "西藏/E:" P, "的/W", "土地/W", "面积/W", "约为/W", "120.2万平方公里/N", ",/P",
        "外贸/W", "总额/W", "2.5万亿美元/N", "。/P", NULL };
    run_doc(st, explicit_);
    EXPECT("西藏", "area", "1202000", "", "km2", "");
    EXPECT("西藏", "tradeVolume", "2500000000000", "", "USD", "");
    CHECK(n_facts == 2);

    /* a year between cue and value; no unit word: persons by default */
    static const char *const year_after[] = {
        "西藏/E:" P, "人口/W", "2013年/N", "为/W", "312.04万/N", "。/P", NULL };
    run_doc(st, year_after);
    EXPECT("西藏", "population", "3120400", "2013", "persons", "");
    /* …but 4773万 人口 is not 4773万人: a unit ends on a token boundary */
    static const char *const bare[] = {
        "西藏/E:" P, "2013年末/N", "常住人口/W", "为/W", "4773万/N", "人口/W", "。/P", NULL };
    run_doc(st, bare);
    EXPECT("西藏", "population", "47730000", "2013", "persons", "");
    /* units with a factor: 公顷 → km2 × 0.01; 1,685.5 with a separator */
    static const char *const hectare[] = {
        "西藏/E:" P, "面积/W", "5000公顷/N", ",/P", "进出口/W", "总额/W", "达/W",
        "1,685.5/N", "亿/W", "美元/W", "。/P", NULL };
    run_doc(st, hectare);
    EXPECT("西藏", "area", "50", "", "km2", "");
    EXPECT("西藏", "tradeVolume", "168550000000", "", "USD", "");

    /* the paragraph's region carries to an omitted subject in the next
     * sentence; a new paragraph forgets it */
    static const char *const para[] = {
        "云南/E:" P, "位于/W", "西南/W", "。/P", "||", "人口/W", "为/W", "4700万人/N", "。/P",
        "##", "其/W", "面积/W", "为/W", "39万平方公里/N", "。/P", NULL };
    run_doc(st, para);
    EXPECT("云南", "population", "47000000", "", "persons", "");
    CHECK(n_facts == 1);

    /* a deeper heading without a region leaves the one above in force; a
     * new heading of the same level replaces it */
    static const char *const headings[] = {
        "#H2", "西南边境贸易区/E:" T, "#H3", "概况/W", "##",
        "其/W", "面积/W", "为/W", "100万平方公里/N", "。/P",
        "#H2", "口岸/W", "发展/W", "##", "其/W", "面积/W", "为/W", "200万平方公里/N", "。/P",
        NULL };
    run_doc(st, headings);
    EXPECT("西南边境贸易区", "area", "1000000", "", "km2", "");
    CHECK(n_facts == 1);
}

static void test_refusals(void *st)
{
    /* a region that is not the subject: 我国边境地区人口 */
    static const char *const other[] = {
        "#H3", "东北边境贸易区/E:" T, "##",
        "我国/W", "边境地区/W", "人口/W", "约/W", "2450/N", "万/W", "人/W", "。/P", NULL };
    run_doc(st, other);
    EXPECT_NONE();
    /* 边境贸易额 is not 贸易额: a cue never matches inside a token */
    static const char *const border_trade[] = {
        "西藏/E:" P, "边境贸易/W", "额/W", "为/W", "10亿美元/N", "。/P", "||",
        "西藏/E:" P, "边境/W", "贸易额/W", "为/W", "10亿美元/N", "。/P", NULL };
    run_doc(st, border_trade);
    EXPECT_NONE();
    /* several regions together */
    static const char *const list[] = {
        "辽宁/E:" P, "、/P", "吉林/E:" P, "面积/W", "为/W", "100万平方公里/N", "。/P", "||",
        "辽宁/E:" P, "和/W", "吉林/E:" P, "面积/W", "为/W", "100万平方公里/N", "。/P", NULL };
    run_doc(st, list);
    EXPECT_NONE();
    /* forecasts and plans */
    static const char *const future[] = {
        "预计/W", "到/W", "2020年/N", ",/P", "西藏/E:" P, "对外贸易/W", "额/W", "将/W",
        "达到/W", "50亿美元/N", "。/P", "||",
        "规划/W", "到/W", "2020年/N", ",/P", "西藏/E:" P, "人口/W", "达/W", "400万人/N", "。/P",
        NULL };
    run_doc(st, future);
    EXPECT_NONE();
    /* a percentage alone is not a value; a number without a cue is not one */
    static const char *const percent[] = {
        "西藏/E:" P, "人口/W", "占/W", "全国/W", "的/W", "0.2%/N", "。/P", "||",
        "西藏/E:" P, "面积/W", "为/W", "20.5%/N", "。/P", "||",
        "西藏/E:" P, "有/W", "197万平方公里/N", "的/W", "草原/W", "。/P", "||",
        "西藏/E:" P, "面积/W", "为/W", "197/N", "。/P", NULL };
    run_doc(st, percent);
    EXPECT_NONE();
    /* no region anywhere: nothing to hang it on */
    static const char *const nobody[] = {
        "以/W", "全部/W", "区域/W", "范围/W", "计/W", ",/P", "其/W", "面积/W", "为/W",
        "197万平方公里/N", "。/P", NULL };
    run_doc(st, nobody);
    EXPECT_NONE();
    /* a unit the measure does not take: warned, not asserted */
    static const char *const wrong_unit[] = {
        "西藏/E:" P, "贸易额/W", "为/W", "300亿元/N", ",/P", "面积/W", "为/W",
        "3亿美元/N", ",/P", "人口/W", "为/W", "2.345678万人/N", "。/P", NULL };
    run_doc(st, wrong_unit);
    EXPECT_NONE();
    CHECK(n_warnings == 2);
    /* a figure in a forecast clause does not stop the next clause */
    static const char *const mixed[] = {
        "西藏/E:" P, "人口/W", "为/W", "300万人/N", ";/P", "预计/W", "2020年/N", "人口/W",
        "达/W", "400万人/N", "。/P", NULL };
    run_doc(st, mixed);
    EXPECT("西藏", "population", "3000000", "", "persons", "");
    CHECK(n_facts == 1);
}

/* ---- malformed stats.tsv ------------------------------------------------------------- */

static char tmpdir[256];

static void write_stats(const char *text)
{
    char cmd[600], path[512];
    snprintf(cmd, sizeof cmd, "rm -rf '%s' && mkdir -p '%s'", tmpdir, tmpdir);
    CHECK(system(cmd) == 0);
    snprintf(path, sizeof path, "%s/stats.tsv", tmpdir);
    FILE *f = fopen(path, "w");
    fputs(text, f);
    fclose(f);
}

#define GOOD "# a comment\nmeasure\tarea\tdecimal\tkm2\t面积 # cue\nunit\t平方公里\tkm2\t1\n" \
             "subject\tProvince\n"

static void test_malformed(void)
{
    static const struct { const char *text; size_t line; const char *words; } BAD[] = {
        { GOOD "measure\tpopulation\tinteger\tpersons\n", 5, "expected 5 TAB-separated fields" },
        { GOOD "magnitude\t万\t1e4\n", 5, "expected a positive decimal factor" },
        { GOOD "unit\t公顷\tkm2\t-0.01\n", 5, "expected a positive decimal factor" },
        { GOOD "magnitude\t万\t0\n", 5, "expected a positive decimal factor" },
        { GOOD "\nmeasur\tarea\tdecimal\tkm2\t面积\n", 6, "expected a directive" },
        { GOOD "subject\tProvince Harbour\n", 5, "expected a class" },
        { "bare\tpopulation\tpersons\n" GOOD, 1, "expected a predicate declared by an earlier measure" },
        { GOOD "bare\tarea\tpersons\n", 5, "expected one of the units of measure area" },
        { GOOD "measure\tpopulation\tfloat\tpersons\t人口\n", 5, "expected the datatype" },
        { GOOD "measure\tarea\tdecimal\tkm2\t面积\n", 5, "expected one measure line per predicate" },
        { GOOD "share\t占\n", 5, "expected 3 TAB-separated fields" },
        { GOOD "link\n", 5, "expected 2 TAB-separated fields" },
        { "measure\tarea\tdecimal\tkm2\t面积\nunit\t人\tpersons\t1\nsubject\tProvince\n", 1,
          "expected the units of measure area to be base units" },
    };
    for (size_t i = 0; i < sizeof BAD / sizeof BAD[0]; i++) {
        write_stats(BAD[i].text);
        void *st = NULL;
        int rc = init_with(tmpdir, &st);
        char where[600];
        snprintf(where, sizeof where, "%s/stats.tsv:%zu: ", tmpdir, BAD[i].line);
        if (rc == KOUAN_OK || strncmp(cfg_message, where, strlen(where)) != 0 ||
            !strstr(cfg_message, BAD[i].words)) {
            failures++;
            fprintf(stderr, "malformed case %zu: rc %d, message “%s”; expected “%s…%s”\n",
                    i, rc, cfg_message, where, BAD[i].words);
        }
        if (rc == KOUAN_OK) plugin->fini(st);
    }
    /* whole-file problems name the file */
    static const struct { const char *text; const char *words; } WHOLE[] = {
        { "# nothing\n", "expected at least one measure line" },
        { "measure\tarea\tdecimal\tkm2\t面积\nunit\t平方公里\tkm2\t1\n", "expected a subject line" },
    };
    for (size_t i = 0; i < sizeof WHOLE / sizeof WHOLE[0]; i++) {
        write_stats(WHOLE[i].text);
        void *st = NULL;
        int rc = init_with(tmpdir, &st);
        char where[600];
        snprintf(where, sizeof where, "%s/stats.tsv: ", tmpdir);
        if (rc == KOUAN_OK || strncmp(cfg_message, where, strlen(where)) ||
            !strstr(cfg_message, WHOLE[i].words)) {
            failures++;
            fprintf(stderr, "whole-file case %zu: rc %d, message “%s”\n", i, rc, cfg_message);
        }
        if (rc == KOUAN_OK) plugin->fini(st);
    }
    /* a missing file */
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s' && mkdir -p '%s'", tmpdir, tmpdir);
    CHECK(system(cmd) == 0);
    void *st = NULL;
    CHECK(init_with(tmpdir, &st) == KOUAN_EIO && strstr(cfg_message, "stats.tsv: cannot read"));
    /* the small good file works: comments, runs of TABs */
    write_stats(GOOD "magnitude\t\t万\t10000\n");
    st = NULL;
    CHECK(init_with(tmpdir, &st) == KOUAN_OK);
    if (st) {
        static const char *const s[] = { "西藏/E:" P, "面积/W", "120万平方公里/N", "。/P", NULL };
        run_doc(st, s);
        EXPECT("西藏", "area", "1200000", "", "km2", "");
        plugin->fini(st);
    } else {
        fprintf(stderr, "good file refused: %s\n", cfg_message);
    }
}

int main(void)
{
    char so[1024];
    snprintf(so, sizeof so, "%s/stats.so", PLUGIN_DIR);
    void *h = dlopen(so, RTLD_NOW | RTLD_LOCAL);
    if (!h) { fprintf(stderr, "%s\n", dlerror()); return 1; }
    plugin = dlsym(h, KOUAN_PLUGIN_SYMBOL);
    if (!plugin) { fprintf(stderr, "no descriptor in %s\n", so); return 1; }
    CHECK(plugin->stage == KOUAN_STAGE_PROSE);
    CHECK(plugin->abi_major == KOUAN_PLUGIN_ABI_MAJOR && plugin->abi_minor >= 2);

    void *st = NULL;
    if (init_with(ONTOLOGY_DIR, &st) != KOUAN_OK) {
        fprintf(stderr, "init with %s: %s\n", ONTOLOGY_DIR, cfg_message);
        return 1;
    }
    test_seed(st);
    test_readings(st);
    test_refusals(st);
    plugin->fini(st);

    snprintf(tmpdir, sizeof tmpdir, "%s/kouan-stats-%d",
             getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp", (int)getpid());
    test_malformed();
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    if (system(cmd) != 0) failures++;
    for (size_t i = 0; i < 256; i++) free((char *)last.toks[i].text);
    dlclose(h);
    if (failures) fprintf(stderr, "%d failures\n", failures);
    else printf("ok: stats plugin\n");
    return failures != 0;
}
