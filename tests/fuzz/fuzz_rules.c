/* fuzz_rules.c — the rule language's parser (plugins/rules/lang.c, compiled
 * into this program) on any bytes as the text of a .rules file, with the
 * data the rules plugin would give it (predicates of ontology/kouan.ttl,
 * country abbreviations, aliases, mention cues — a fixed sample here).
 * A refusal must say file:line: what was expected. */
#include "fuzz.h"
#include "lang.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static rl_pred PREDS[] = {
    { "province", 0 }, { "tradeZone", 0 }, { "neighbour", 0 }, { "opensTo", 0 },
    { "counterpart", 0 }, { "country", 0 }, { "transport", 0 }, { "prefecture", 0 },
    { "county", 0 }, { "officialName", 1 }, { "area", 1 }, { "population", 1 },
    { "tradeVolume", 1 }, { "borderCountyCount", 1 }, { "year", 1 },
};
static rl_abbrev ABBREVS[] = { { "蒙", "蒙古" }, { "俄", "俄罗斯" }, { "尼", "尼泊尔" } };
static rl_alias ALIASES[] = {
    { KOUAN_CLASS_PROVINCE, "西藏自治区", "西藏" },
    { KOUAN_CLASS_COUNTRY, "蒙古国", "蒙古" },
};
static char *HEAD[] = { "口岸" }, *GENERIC[] = { "边境" }, *STOP[] = { "的" },
            *DASH[] = { "—", "-" }, *CLAUSE[] = { "，", "。" },
            *SIDE[] = { "方", "一侧" };
static size_t HEAD_LEN[] = { 6 }, GENERIC_LEN[] = { 6 }, STOP_LEN[] = { 3 },
              DASH_LEN[] = { 3, 1 }, CLAUSE_LEN[] = { 3, 3 }, SIDE_LEN[] = { 3, 6 };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const rl_data rd = {
        ABBREVS, sizeof ABBREVS / sizeof ABBREVS[0],
        PREDS, sizeof PREDS / sizeof PREDS[0],
        ALIASES, sizeof ALIASES / sizeof ALIASES[0],
        { { HEAD, HEAD_LEN, 1 }, { GENERIC, GENERIC_LEN, 1 }, { STOP, STOP_LEN, 1 },
          { DASH, DASH_LEN, 2 }, { CLAUSE, CLAUSE_LEN, 2 },
          { SIDE, SIDE_LEN, 2 } },
    };
    char *text = malloc(size + 1);          /* rl_parse reads a C string */
    if (!text) return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    rl_ruleset rs = { 0 };
    char msg[512] = "";
    int rc = rl_parse(&rs, "fuzz.rules", text, &rd, msg, sizeof msg);
    if (rc != KOUAN_OK)
        FUZZ_ASSERT(strncmp(msg, "fuzz.rules:", 11) == 0);
    rl_ruleset_free(&rs);
    free(text);
    return 0;
}
