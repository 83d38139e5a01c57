/* test_number.c — the stats plugin's exact decimals (plugins/stats/number.c,
 * compiled in): figures as the text writes them, times magnitudes and unit
 * factors, printed as plain decimals — never through a float. */
#include "number.h"

#include <stdio.h>
#include <string.h>

static int failures;
#define CHECK(cond) do { if (!(cond)) { failures++; \
    fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); } } while (0)

/* text × factor × factor2 ("" for none) printed, compared with want. */
static void product(const char *text, const char *factor, const char *factor2, const char *want,
                    int line)
{
    st_dec a, f;
    char got[256] = "(error)";
    size_t used = st_dec_prefix(text, strlen(text), &a);
    int ok = used > 0;
    if (ok && *factor)
        ok = !st_dec_parse(factor, strlen(factor), &f) && !st_dec_mul(&a, &f, &a);
    if (ok && *factor2)
        ok = !st_dec_parse(factor2, strlen(factor2), &f) && !st_dec_mul(&a, &f, &a);
    if (ok)
        ok = st_dec_format(&a, got, sizeof got) > 0;
    if (!ok || strcmp(got, want)) {
        failures++;
        fprintf(stderr, "%s:%d: %s × %s × %s gave %s, expected %s\n", __FILE__, line,
                text, factor, factor2, got, want);
    }
}
#define PRODUCT(t, f, f2, w) product(t, f, f2, w, __LINE__)

int main(void)
{
    /* magnitudes: 万, 亿, 万亿; decimals shift exactly */
    PRODUCT("1685.5", "100000000", "", "168550000000");     /* 1685.5亿美元 */
    PRODUCT("315.48", "100000000", "", "31548000000");
    PRODUCT("2.28", "10000", "", "22800");                  /* 2.28万公里 */
    PRODUCT("13448", "10000", "", "134480000");             /* 13448万人 */
    PRODUCT("197", "10000", "1", "1970000");                /* 197万平方公里 */
    PRODUCT("2.5", "10000", "100000000", "2500000000000");  /* 2.5万亿 */
    PRODUCT("0.0001", "10000", "", "1");
    PRODUCT("120.2", "10000", "", "1202000");
    /* factors below one: 公顷 → km2 × 0.01; percentages */
    PRODUCT("5000", "0.01", "", "50");
    PRODUCT("3", "0.01", "", "0.03");
    PRODUCT("20.5", "0.01", "", "0.205");
    PRODUCT("10", "0.01", "", "0.1");
    PRODUCT("4.63", "0.01", "", "0.0463");
    PRODUCT("0.87", "0.01", "", "0.0087");
    /* leading and trailing zeros, zero itself */
    PRODUCT("007.50", "", "", "7.5");
    PRODUCT("0", "100000000", "", "0");
    PRODUCT("100", "", "", "100");
    /* thousands separators: 1,685.5 亿 */
    PRODUCT("1,685.5", "100000000", "", "168550000000");
    PRODUCT("12,345,678", "", "", "12345678");
    /* more digits than a double holds, still exact */
    PRODUCT("123456789012345678.25", "100000000", "", "12345678901234567825000000");

    /* where a number stops: a unit after it, a bad group, a lone point */
    st_dec d;
    CHECK(st_dec_prefix("1685.5亿美元", strlen("1685.5亿美元"), &d) == 6);
    CHECK(st_dec_prefix("20.5%", 5, &d) == 4);
    CHECK(st_dec_prefix("2013年", strlen("2013年"), &d) == 4);
    CHECK(st_dec_prefix("12.", 3, &d) == 2);
    CHECK(st_dec_prefix("1,23", 4, &d) == 1);           /* not a thousands group */
    CHECK(st_dec_prefix("1,2345", 6, &d) == 1);
    CHECK(st_dec_prefix("亿", strlen("亿"), &d) == 0);
    CHECK(st_dec_prefix(".5", 2, &d) == 0);
    /* full-width digits are the core's business: NFKC turns them into ASCII
       before a plugin sees them, so they are not a number here */
    CHECK(st_dec_prefix("１６８５", strlen("１６８５"), &d) == 0);
    /* whole-string parse, as for data-file factors */
    CHECK(st_dec_parse("0.01", 4, &d) == 0 && d.scale == -2 && d.n == 1);
    CHECK(st_dec_parse("1e8", 3, &d) == -1);
    CHECK(st_dec_parse("", 0, &d) == -1);
    CHECK(st_dec_parse("100000000", 9, &d) == 0 && d.n == 1 && d.scale == 8);
    /* integers and fractions */
    CHECK(st_dec_parse("2.5", 3, &d) == 0 && !st_dec_is_integer(&d));
    st_dec m;
    CHECK(st_dec_parse("10000", 5, &m) == 0 && st_dec_mul(&d, &m, &d) == 0 && st_dec_is_integer(&d));
    /* a buffer too small is an error, not a cut number */
    char small[4];
    CHECK(st_dec_parse("12345", 5, &d) == 0 && st_dec_format(&d, small, sizeof small) == -1);
    /* too many digits is refused, not wrapped */
    char big[ST_DEC_DIGITS + 2];
    memset(big, '7', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    CHECK(st_dec_prefix(big, strlen(big), &d) == 0);
    st_dec h;
    CHECK(st_dec_parse(big, ST_DEC_DIGITS, &h) == 0 && st_dec_mul(&h, &h, &d) == -1);

    if (failures)
        fprintf(stderr, "%d failures\n", failures);
    else
        printf("ok: stats numbers\n");
    return failures != 0;
}
