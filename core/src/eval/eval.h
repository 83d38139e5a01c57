/* eval.h — pieces of `kouan eval` (core/src/eval/eval.c) that tests check
 * on their own: label normalisation and statistic values.  The entry point,
 * kouan_eval(), is declared in kouan/kouan.h.  Owned by the eval module. */
#ifndef KOUAN_EVAL_H
#define KOUAN_EVAL_H
#include <stddef.h>
#include <stdio.h>
#include "kouan/kouan.h"

/* Writes the label-level form of label to out (at most n bytes, always
 * NUL-terminated): surrounding spaces trimmed, then the suffixes the gold
 * README names dropped repeatedly from the end — 口岸, 边境贸易区, 省, 国,
 * 自治区 with its ethnic forms (壮族, 回族, 维吾尔(族)) — unless nothing would
 * remain.  西藏自治区 → 西藏, 广西壮族自治区 → 广西, 蒙古国 → 蒙古,
 * 樟木口岸 → 樟木; 满洲里市 stays as it is. */
void kouan_eval_norm_label(const char *label, char *out, size_t n);

/* A statistic as gold files and literals write it: "VALUE [UNIT] [@YEAR]",
 * e.g. "168550000000 USD @2013", "1970000 km2", "19".  VALUE is a decimal
 * number (a leading + or -, digits, one '.', an exponent); UNIT any word
 * not starting with '@'. */
typedef struct kouan_eval_stat {
    double value;
    char   unit[32];   /* "" when not given */
    int    year;       /* 0 when not given */
} kouan_eval_stat;

/* Returns 1 and fills st when s is such a statistic, else 0. */
int kouan_eval_parse_stat(const char *s, kouan_eval_stat *st);

/* Whether a statistic read from the store matches a gold one: equal values
 * (relative difference under 1e-12); unit and year compared only when the
 * store states them (the vocabulary fixes each predicate's unit, and the
 * year may live elsewhere). */
int kouan_eval_stat_match(const kouan_eval_stat *gold, const kouan_eval_stat *got);

/* Reads a gold file from f (named path in messages; f stays open, the
 * caller closes it) exactly as kouan eval does, and keeps nothing.  Returns
 * 0 with *n_facts set (may be NULL), or an error code with err naming
 * path:line and what was expected.  For tests and the fuzzer. */
int kouan_eval_gold_check(FILE *f, const char *path, size_t *n_facts,
                          kouan_error *err);
#endif
