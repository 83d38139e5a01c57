/* test_segment.c — the compiled lexicon (lookup, classes, refusal of bad
 * files) and the segmenter (numbers with units, document words, gazetteer
 * entities, punctuation, Latin runs, every byte covered once).
 * Usage: test_segment LEXICON (the build's kouan.lex). */
#include "text/lexicon.h"
#include "text/segment.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int failures;
#define CHECK(cond, ...) do { if (!(cond)) { failures++; \
    fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__); \
    fprintf(stderr, __VA_ARGS__); fputc('\n', stderr); } } while (0)

static const kouan_lexicon *LX;
static kouan_seg *segs;
static size_t nseg, segcap;

/* Segments s and returns the tokens joined by '|' (static buffer). */
static const char *seg(const kouan_wordset *ws, const char *s)
{
    static char buf[8192];
    int rc = kouan_segment(LX, ws, s, strlen(s), &segs, &nseg, &segcap);
    if (rc) return "ERROR";
    size_t o = 0;
    for (size_t i = 0; i < nseg && o + 1 < sizeof buf; i++)
        o += (size_t)snprintf(buf + o, sizeof buf - o, "%s%.*s", i ? "|" : "",
                              (int)(segs[i].end - segs[i].start), s + segs[i].start);
    buf[o] = '\0';
    return buf;
}

/* The token of s that is exactly word, or NULL. */
static const kouan_seg *token(const char *s, const char *word)
{
    const char *at = strstr(s, word);
    if (!at) return NULL;
    size_t a = (size_t)(at - s), b = a + strlen(word);
    for (size_t i = 0; i < nseg; i++)
        if (segs[i].start == a && segs[i].end == b) return &segs[i];
    return NULL;
}

static void expect_token(const kouan_wordset *ws, const char *s, const char *word,
                         kouan_token_kind kind, kouan_class cls)
{
    const char *got = seg(ws, s);
    const kouan_seg *t = token(s, word);
    CHECK(t, "%s: expected one token %s, got %s", s, word, got);
    if (!t) return;
    CHECK(t->kind == kind, "%s: %s has kind %d, expected %d (%s)", s, word,
          (int)t->kind, (int)kind, got);
    CHECK(t->cls == cls, "%s: %s has class %d, expected %d", s, word, (int)t->cls,
          (int)cls);
}

/* Every non-space byte in exactly one token, in order, none empty, no token
 * starting or ending inside a character. */
static void expect_cover(const kouan_wordset *ws, const char *s, size_t len)
{
    int valid = 1;   /* character boundaries only mean something in UTF-8 */
    for (size_t p = 0; p < len;) {
        unsigned char c = (unsigned char)s[p];
        size_t l = c < 0x80 ? 1 : c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 ? 2 : 0;
        if (!l || p + l > len) { valid = 0; break; }
        for (size_t k = 1; k < l; k++)
            if (((unsigned char)s[p + k] & 0xC0) != 0x80) valid = 0;
        p += l;
    }
    int rc = kouan_segment(LX, ws, s, len, &segs, &nseg, &segcap);
    CHECK(rc == 0, "segment failed");
    size_t pos = 0;
    for (size_t i = 0; i < nseg; i++) {
        CHECK(segs[i].start < segs[i].end, "empty token %zu", i);
        CHECK(segs[i].start >= pos, "token %zu overlaps the one before", i);
        for (size_t p = pos; p < segs[i].start; p++)
            CHECK(strchr(" \t\n\r", s[p]) || (unsigned char)s[p] >= 0x80,
                  "byte %zu (%02x) is in no token", p, (unsigned char)s[p]);
        CHECK(!valid || ((unsigned char)s[segs[i].start] & 0xC0) != 0x80,
              "token %zu starts inside a character", i);
        CHECK(!valid || segs[i].end == len ||
              ((unsigned char)s[segs[i].end] & 0xC0) != 0x80,
              "token %zu ends inside a character", i);
        for (size_t p = segs[i].start; p < segs[i].end; p++)
            CHECK(!strchr(" \t\n\r", s[p]) || !s[p], "space inside token %zu", i);
        pos = segs[i].end;
    }
}

static void test_lexicon(const char *path)
{
    float lp;
    kouan_class cls;
    CHECK(kouan_lexicon_lookup(LX, "口岸", strlen("口岸"), &lp, &cls) && lp < 0 &&
          cls == 0, "口岸 should be a general word");
    CHECK(kouan_lexicon_lookup(LX, "西藏", strlen("西藏"), &lp, &cls) &&
          cls == KOUAN_CLASS_PROVINCE, "西藏 should be a Province");
    CHECK(kouan_lexicon_lookup(LX, "内蒙古自治区", strlen("内蒙古自治区"), &lp, &cls) &&
          cls == KOUAN_CLASS_PROVINCE, "内蒙古自治区 should be a Province");
    CHECK(kouan_lexicon_lookup(LX, "哈萨克斯坦", strlen("哈萨克斯坦"), &lp, &cls) &&
          cls == KOUAN_CLASS_COUNTRY, "哈萨克斯坦 should be a Country");
    CHECK(kouan_lexicon_lookup(LX, "东北", strlen("东北"), &lp, &cls) &&
          cls == KOUAN_CLASS_TRADE_ZONE, "东北 should be a TradeZone");
    /* one-character abbreviations are not names: 藏 may be a word, never a
       Province */
    CHECK(!kouan_lexicon_lookup(LX, "藏", strlen("藏"), &lp, &cls) || cls == 0,
          "藏 must not be a Province");
    CHECK(!kouan_lexicon_lookup(LX, "甘其毛都", strlen("甘其毛都"), NULL, NULL),
          "甘其毛都 comes from documents, not the lexicon");
    CHECK(!kouan_lexicon_lookup(LX, "口", 1, NULL, NULL), "a partial character");

    kouan_error err = {0};
    CHECK(!kouan_lexicon_open("/nonexistent/kouan.lex", &err), "missing file opened");
    CHECK(strstr(err.message, "/nonexistent/kouan.lex") && strstr(err.message, "KOUAN_LEXICON"),
          "missing lexicon message: %s", err.message);
    /* a file that is not a lexicon, and a truncated one */
    char tmp[] = "/tmp/kouan-lex-XXXXXX";
    int fd = mkstemp(tmp);
    FILE *f = fdopen(fd, "wb");
    FILE *src = fopen(path, "rb");
    char buf[4096];
    size_t got = src ? fread(buf, 1, sizeof buf, src) : 0;
    if (src) fclose(src);
    fwrite(buf, 1, got, f);                 /* header and a little: truncated */
    fclose(f);
    memset(&err, 0, sizeof err);
    CHECK(!kouan_lexicon_open(tmp, &err) && strstr(err.message, "truncated"),
          "truncated lexicon: %s", err.message);
    f = fopen(tmp, "wb");
    fputs("word\t12\n this is a text file, long enough to hold a header......\n", f);
    fclose(f);
    memset(&err, 0, sizeof err);
    CHECK(!kouan_lexicon_open(tmp, &err) && strstr(err.message, "not a kouan lexicon"),
          "text file as lexicon: %s", err.message);
    remove(tmp);
}

/* The wide nodes' children through the hash table (kouan_lexicon.kid)
 * against a binary search of the children themselves: every child found
 * as itself, and the code points around each child — most not children,
 * some another child — answered as the search answers them. */
static void test_child_table(void)
{
    CHECK(LX->kid != NULL, "no table of the wide nodes' children");
    if (!LX->kid) return;
    size_t wide = 0, asked = 0, wrong = 0;
    for (uint32_t i = 1; i < LX->n_nodes; i++) {
        const kouan_lex_node *p = &LX->nodes[i];
        uint32_t k = KOUAN_LEX_KIDS(p);
        if (k <= KOUAN_LEX_SCAN) continue;
        wide++;
        const kouan_lex_node *c = LX->nodes + p->first;
        for (uint32_t j = 0; j < k; j++)
            for (int d = -2; d <= 2; d++) {
                uint32_t cp = c[j].cp + (uint32_t)d;
                const kouan_lex_node *want = NULL;
                uint32_t lo = 0, hi = k;
                while (lo < hi) {
                    uint32_t mid = (lo + hi) / 2;
                    if (c[mid].cp < cp) lo = mid + 1; else hi = mid;
                }
                if (lo < k && c[lo].cp == cp) want = &c[lo];
                asked++;
                wrong += kouan_lex_child(LX, p, cp) != want;
            }
    }
    CHECK(wide > 1000 && wrong == 0, "%zu of %zu lookups under %zu wide nodes wrong",
          wrong, asked, wide);
}

static void test_numbers(void)
{
    /* a number keeps its magnitudes and a time unit; a measure word,
       currency or classifier after it is a word of its own (the PKU
       standard: 55.6亿 元, 28 个) */
    static const char *const N[][2] = {
        { "1685.5亿", "美元" }, { "2.28万", "公里" }, { "17", "世纪" },
        { "1990年代", NULL }, { "2013年", NULL }, { "14", "个" },
        { "13448万", "人" }, { "20.5%", NULL }, { "197万", "平方公里" },
        { "8000", "元" }, { "十四", NULL }, { "一九九二年", NULL },
        { "２０１３年", NULL }, { "3,500", "吨" }, { "100多", "个" },
        { "二○○一年", NULL }, { "二〇〇一年", NULL }, { "十二月", NULL },
        { "9时", NULL }, { "30分", NULL },
    };
    char s[256];
    for (size_t i = 0; i < sizeof N / sizeof *N; i++) {
        snprintf(s, sizeof s, "约为%s%s，其中", N[i][0], N[i][1] ? N[i][1] : "");
        expect_token(NULL, s, N[i][0], KOUAN_TOKEN_NUMBER, 0);
        if (N[i][1]) expect_token(NULL, s, N[i][1], KOUAN_TOKEN_WORD, 0);
    }
    /* words that contain a numeral stay words */
    const char *s1 = "一般来说统一的一些规定";
    const char *got = seg(NULL, s1);
    CHECK(token(s1, "一般来说") && token(s1, "统一") && token(s1, "一些"), "numerals "
          "inside words: %s", got);
    const char *s2 = "2013年10月和2014年8月";
    got = seg(NULL, s2);
    CHECK(!strcmp(got, "2013年|10月|和|2014年|8月"), "dates: %s", got);
}

/* The word bonus: jieba's dictionary lists 改革开放 and 各族人民 as words,
 * with frequencies that make pure maximum probability keep them whole;
 * news segmentation standards write two words.  Words no standard splits
 * stay whole. */
static void test_compounds(void)
{
    const char *s = "我国社会主义改革开放和现代化建设，各族人民团结奋斗";
    const char *got = seg(NULL, s);
    CHECK(token(s, "改革") && token(s, "开放") && token(s, "各族") && token(s, "人民"),
          "compounds split: %s", got);
    const char *s2 = "中华人民共和国的社会主义现代化建设";
    got = seg(NULL, s2);
    CHECK(token(s2, "中华人民共和国") && token(s2, "社会主义") && token(s2, "现代化"),
          "words stay whole: %s", got);
    const char *s3 = "二○○一年新年贺词——新世纪———元旦";
    got = seg(NULL, s3);
    CHECK(token(s3, "二○○一年") && token(s3, "——") && token(s3, "———"),
          "○ numerals and dash runs: %s", got);
}

static void test_names(void)
{
    kouan_wordset *ws = kouan_wordset_new();
    CHECK(ws, "wordset");
    const char *s = "积极推动甘其毛都—嘎舒苏海图口岸升格，珠恩嘎达布其口岸";
    const char *got = seg(NULL, s);
    CHECK(!token(s, "甘其毛都"), "without the document's words 甘其毛都 should "
          "not be known (got %s): the test below would prove nothing", got);
    CHECK(kouan_wordset_add(ws, "甘其毛都", strlen("甘其毛都"), KOUAN_CLASS_PORT) == 0, "add");
    CHECK(kouan_wordset_add(ws, "珠恩嘎达布其", strlen("珠恩嘎达布其"), KOUAN_CLASS_PORT) == 0, "add");
    CHECK(kouan_wordset_add(ws, "甘其毛都", strlen("甘其毛都"), KOUAN_CLASS_COUNTY) == 0,
          "adding twice");
    expect_token(ws, s, "甘其毛都", KOUAN_TOKEN_ENTITY, KOUAN_CLASS_PORT);
    expect_token(ws, s, "珠恩嘎达布其", KOUAN_TOKEN_ENTITY, KOUAN_CLASS_PORT);
    expect_token(ws, s, "—", KOUAN_TOKEN_PUNCT, 0);

    expect_token(NULL, "东北边境贸易区包括内蒙古自治区和西藏，毗邻哈萨克斯坦。",
                 "内蒙古自治区", KOUAN_TOKEN_ENTITY, KOUAN_CLASS_PROVINCE);
    expect_token(NULL, "东北边境贸易区包括内蒙古自治区和西藏，毗邻哈萨克斯坦。",
                 "西藏", KOUAN_TOKEN_ENTITY, KOUAN_CLASS_PROVINCE);
    expect_token(NULL, "东北边境贸易区包括内蒙古自治区和西藏，毗邻哈萨克斯坦。",
                 "哈萨克斯坦", KOUAN_TOKEN_ENTITY, KOUAN_CLASS_COUNTRY);
    expect_token(NULL, "西北部毗邻吉尔吉斯斯坦、塔吉克斯坦",
                 "吉尔吉斯斯坦", KOUAN_TOKEN_ENTITY, KOUAN_CLASS_COUNTRY);
    /* a place-name suffix joins the unknown name before it */
    const char *s3 = "西藏的日屋口岸";
    got = seg(NULL, s3);
    CHECK(token(s3, "日屋口岸"), "suffix: %s", got);
    const char *s4 = "这些沿海口岸";
    got = seg(NULL, s4);
    CHECK(token(s4, "口岸") && token(s4, "沿海"), "known words before a "
          "suffix stay apart: %s", got);
    kouan_wordset_free(ws);
    kouan_wordset_free(NULL);
}

static void test_punct_latin(void)
{
    const char *s = "根据世界贸易组织（WTO）的规定，“基本原则”——例外……见www.ssap.com.cn。";
    const char *got = seg(NULL, s);
    expect_token(NULL, s, "（", KOUAN_TOKEN_PUNCT, 0);
    expect_token(NULL, s, "WTO", KOUAN_TOKEN_LATIN, 0);
    expect_token(NULL, s, "——", KOUAN_TOKEN_PUNCT, 0);
    expect_token(NULL, s, "……", KOUAN_TOKEN_PUNCT, 0);
    expect_token(NULL, s, "“", KOUAN_TOKEN_PUNCT, 0);
    expect_token(NULL, s, "www.ssap.com.cn", KOUAN_TOKEN_LATIN, 0);
    expect_token(NULL, s, "。", KOUAN_TOKEN_PUNCT, 0);
    (void)got;
    const char *n = "NFKC gives ... and (2013), UNDP";
    expect_token(NULL, n, "...", KOUAN_TOKEN_PUNCT, 0);
    expect_token(NULL, n, "(", KOUAN_TOKEN_PUNCT, 0);
    expect_token(NULL, n, "2013", KOUAN_TOKEN_NUMBER, 0);
}

static void test_cover(void)
{
    static const char *const S[] = {
        "", " ", "\n\n", "口岸", "a", "1", "。", "①樟木口岸的官方名称为聂拉木口岸①",
        "  混合 text 与 123 数字，ABC-12 和 ｆｕｌｌ　ｗｉｄｔｈ　１２３ ※★ 한국어 ελληνικά ",
        "2.28万公里……——(2013)",
        "\xE5\x8F", "bad \xFF\xFE bytes \xE5 here 口\xE5\xB2", "𠀀𠀁 ext-B 字",
    };
    for (size_t i = 0; i < sizeof S / sizeof *S; i++) expect_cover(NULL, S[i], strlen(S[i]));
    /* a long run: no per-run limit, and the scratch grows */
    size_t n = 200000;
    char *big = malloc(n * 3 + 1);
    for (size_t i = 0; i < n; i++) memcpy(big + 3 * i, i % 7 ? "口" : "岸", 3);
    big[n * 3] = '\0';
    expect_cover(NULL, big, n * 3);
    free(big);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: test_segment LEXICON\n");
        return 2;
    }
    kouan_error err = {0};
    kouan_lexicon *lx = kouan_lexicon_open(argv[1], &err);
    if (!lx) {
        fprintf(stderr, "FAIL: %s\n", err.message);
        return 1;
    }
    LX = lx;
    test_lexicon(argv[1]);
    test_child_table();
    test_numbers();
    test_compounds();
    test_names();
    test_punct_latin();
    test_cover();
    free(segs);
    kouan_lexicon_close(lx);
    if (failures) fprintf(stderr, "%d failure(s)\n", failures);
    else printf("ok: lexicon and segmenter\n");
    return failures ? 1 : 0;
}
