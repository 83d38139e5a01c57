/* test_normalize.c — NFKC + traditional→simplified with the byte map. */
#include "text/normalize.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int failures;
#define CHECK(cond) do { if (!(cond)) { failures++; \
    fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); } } while (0)
#define CHECK_STR(a, b) do { if (strcmp((a), (b)) != 0) { failures++; \
    fprintf(stderr, "%s:%d: got “%s”, expected “%s”\n", __FILE__, __LINE__, (a), (b)); } } while (0)

/* The map is monotone, inside the input, starts characters, and every
 * output byte of an unchanged character is the input byte it maps to. */
static void check_map(const char *in, size_t len, const kouan_normtext *t)
{
    CHECK(t->src[t->len] == len);
    for (size_t i = 0; i < t->len; i++) {
        CHECK(t->src[i] < len);
        if (t->src[i] >= len) return;
        CHECK(((unsigned char)in[t->src[i]] & 0xC0) != 0x80);
        if (i) CHECK(t->src[i] >= t->src[i - 1]);
    }
}

static void norm(kouan_normalizer *n, const char *in, const char *want)
{
    kouan_normtext t;
    kouan_error err = {0};
    int rc = kouan_normalize(n, in, strlen(in), &t, &err);
    CHECK(rc == 0);
    if (rc) { fprintf(stderr, "%s\n", err.message); return; }
    CHECK_STR(t.str, want);
    CHECK(t.len == strlen(want));
    check_map(in, strlen(in), &t);
    kouan_normtext_free(&t);
}

static void test_table(kouan_normalizer *n)
{
    static const char *cases[][2] = {
        { "（２０１３）", "(2013)" },
        { "滿洲里", "满洲里" },
        { "琿春", "珲春" },
        { "黑龍江", "黑龙江" },
        { "黑龍江省的口岸：綏芬河、東寧。", "黑龙江省的口岸:绥芬河、东宁。" },
        { "口岸\xE3\x80\x80名称", "口岸 名称" },          /* ideographic space */
        { "ＡＢＣ　１２３", "ABC 123" },
        { "ﬁ", "fi" },                                    /* compatibility ligature */
        { "㎞", "km" },
        { "é", "é" },                                     /* stays composed */
        { "载体①国家", "载体①国家" },                      /* footnote marker kept */
        { "甘其\xE2\x80\x8B毛都", "甘其毛都" },            /* zero-width space dropped */
        { "樟木口岸 ok", "樟木口岸 ok" },
        { "", "" },
        { "「引號」《書名》", "「引号」《书名》" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
        norm(n, cases[i][0], cases[i][1]);
}

static void test_map(kouan_normalizer *n)
{
    /* "（２０１３）年滿洲里" : each output char maps to its input char */
    const char *in = "（２０１３）年滿洲里";
    kouan_normtext t;
    kouan_error err = {0};
    CHECK(kouan_normalize(n, in, strlen(in), &t, &err) == 0);
    CHECK_STR(t.str, "(2013)年满洲里");
    CHECK(t.src[0] == 0);          /* ( ← （ at 0 */
    CHECK(t.src[1] == 3);          /* 2 ← ２ at 3 */
    CHECK(t.src[5] == 15);         /* ) ← ） at 15 */
    CHECK(t.src[6] == 18 && t.src[7] == 18 && t.src[8] == 18);   /* 年 */
    const char *p = strstr(t.str, "满");
    CHECK(p && t.src[p - t.str] == 21);
    CHECK(memcmp(in + t.src[p - t.str], "滿", 3) == 0);
    p = strstr(t.str, "里");
    CHECK(p && memcmp(in + t.src[p - t.str], "里", 3) == 0);
    CHECK(t.src[t.len] == strlen(in));
    kouan_normtext_free(&t);

    /* a character expanding to several: all of them map to its start */
    in = "a…b";
    CHECK(kouan_normalize(n, in, strlen(in), &t, &err) == 0);
    CHECK_STR(t.str, "a...b");
    CHECK(t.src[1] == 1 && t.src[2] == 1 && t.src[3] == 1 && t.src[4] == 4);
    kouan_normtext_free(&t);

    /* a long mixed text: the map stays character-exact */
    char big[8192];
    size_t k = 0;
    while (k + 64 < sizeof big) {
        const char *piece = "中國邊境口岸（２０１３），ＡＢ滿洲里、琿春：1,000。";
        size_t pl = strlen(piece);
        if (k + pl >= sizeof big) break;
        memcpy(big + k, piece, pl);
        k += pl;
    }
    big[k] = '\0';
    CHECK(kouan_normalize(n, big, k, &t, &err) == 0);
    check_map(big, k, &t);
    CHECK(strstr(t.str, "中国边境口岸(2013),AB满洲里、珲春:1,000。") == t.str);
    kouan_normtext_free(&t);
}

int main(void)
{
    kouan_error err = {0};
    kouan_normalizer *n = kouan_normalizer_new(&err);
    CHECK(n != NULL);
    if (!n) { fprintf(stderr, "%s\n", err.message); return 1; }
    test_table(n);
    test_map(n);
    kouan_normalizer_free(n);
    kouan_normalizer_free(NULL);

    /* a missing configuration is an error with words, not a crash */
    setenv("KOUAN_OPENCC_CONFIG", "/nonexistent/t2s.json", 1);
    n = kouan_normalizer_new(&err);
    CHECK(n == NULL);
    CHECK(strstr(err.message, "/nonexistent/t2s.json") != NULL);
    kouan_normalizer_free(n);
    unsetenv("KOUAN_OPENCC_CONFIG");
    if (failures) fprintf(stderr, "%d checks failed\n", failures);
    return failures != 0;
}
