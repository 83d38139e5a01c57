/* fuzz_gold.c — the gold-facts parser of kouan eval (core/src/eval/eval.c,
 * kouan_eval_gold_check) on any bytes as a gold .tsv file.  A refusal must
 * name the file. */
#include "fuzz.h"
#include "eval/eval.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    FILE *f = fmemopen(size ? (void *)data : (void *)"", size, "rb");
    if (!f) return 0;
    kouan_error err = { 0 };
    size_t n = 0;
    if (kouan_eval_gold_check(f, "fuzz.tsv", &n, &err) != 0)
        FUZZ_ASSERT(strncmp(err.message, "fuzz.tsv", 8) == 0);
    else
        FUZZ_ASSERT(n > 0);
    fclose(f);
    return 0;
}
