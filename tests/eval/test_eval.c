/* test_eval.c — the pieces of `kouan eval` that decide a match: label
 * normalisation (the gold README's suffixes) and statistic values. */
#include "eval/eval.h"
#include <stdio.h>
#include <string.h>

static int failures;
#define CHECK(cond) do { if (!(cond)) { failures++; \
    fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); } } while (0)

static void norm_is(const char *in, const char *want)
{
    char out[256];
    kouan_eval_norm_label(in, out, sizeof out);
    if (strcmp(out, want) != 0) {
        failures++;
        fprintf(stderr, "norm(“%s”) = “%s”, expected “%s”\n", in, out, want);
    }
}

int main(void)
{
    norm_is("西藏自治区", "西藏");
    norm_is("广西壮族自治区", "广西");
    norm_is("新疆维吾尔自治区", "新疆");
    norm_is("宁夏回族自治区", "宁夏");
    norm_is("樟木口岸", "樟木");
    norm_is("东北边境贸易区", "东北");
    norm_is("黑龙江省", "黑龙江");
    norm_is("蒙古国", "蒙古");
    norm_is(" 满洲里市 ", "满洲里市");   /* 市 is part of a county's name */
    norm_is("口岸", "口岸");              /* never down to nothing */
    norm_is("国", "国");
    norm_is("中国", "中");                /* both sides lose 国 alike */

    kouan_eval_stat a, b;
    CHECK(kouan_eval_parse_stat("168550000000 USD @2013", &a));
    CHECK(a.value == 168550000000.0 && !strcmp(a.unit, "USD") && a.year == 2013);
    CHECK(kouan_eval_parse_stat("1970000 km2", &a) && a.year == 0 && !strcmp(a.unit, "km2"));
    CHECK(kouan_eval_parse_stat("134480000 @2013", &a) && !a.unit[0] && a.year == 2013);
    CHECK(kouan_eval_parse_stat("19", &a) && a.value == 19);
    CHECK(kouan_eval_parse_stat("1.6855e11", &a));
    CHECK(!kouan_eval_parse_stat("西南", &a));
    CHECK(!kouan_eval_parse_stat("19abc", &a));
    CHECK(!kouan_eval_parse_stat("19 @13", &a));
    CHECK(!kouan_eval_parse_stat("19 @2013 USD", &a));   /* unit before year */

    /* the store may omit unit and year; what it states must agree */
    kouan_eval_parse_stat("168550000000 USD @2013", &a);
    kouan_eval_parse_stat("168550000000", &b);
    CHECK(kouan_eval_stat_match(&a, &b));
    kouan_eval_parse_stat("1.6855e11 USD @2013", &b);
    CHECK(kouan_eval_stat_match(&a, &b));
    kouan_eval_parse_stat("168550000000 USD @2012", &b);
    CHECK(!kouan_eval_stat_match(&a, &b));
    kouan_eval_parse_stat("168550000000 CNY", &b);
    CHECK(!kouan_eval_stat_match(&a, &b));
    kouan_eval_parse_stat("168550000001", &b);
    CHECK(!kouan_eval_stat_match(&a, &b));
    kouan_eval_parse_stat("19", &a);
    kouan_eval_parse_stat("18", &b);
    CHECK(!kouan_eval_stat_match(&a, &b));

    if (failures) fprintf(stderr, "%d failures\n", failures);
    else printf("ok: eval labels and statistics\n");
    return failures != 0;
}
