/* fuzz_text.c — the text layer on any valid UTF-8: normalisation (NFKC +
 * traditional → simplified, with its byte map), sentences, clauses and the
 * segmenter with the build's lexicon (build/lexicon/kouan.lex, or
 * $KOUAN_LEXICON).  Input: optional document words, one a line, then a
 * 0x01 byte, then the text (no 0x01: all text).  Checks the promises of
 * normalize.h, sentence.h and segment.h: maps and ranges in bounds and in
 * order, tokens not overlapping. */
#include "fuzz.h"
#include "text/normalize.h"
#include "text/segment.h"
#include "text/sentence.h"
#include "text/utf8check.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static kouan_normalizer *nz;
static kouan_lexicon *lx;

static void setup(void)
{
    kouan_error err = { 0 };
    if (!(nz = kouan_normalizer_new(&err)) ||
        !(lx = kouan_lexicon_open(kouan_lexicon_default_path(), &err))) {
        fprintf(stderr, "fuzz_text: %s\n", err.message);
        exit(1);
    }
}

static void check_ranges(const kouan_range *r, size_t n, size_t lo, size_t hi)
{
    size_t at = lo;
    for (size_t i = 0; i < n; i++) {
        FUZZ_ASSERT(r[i].start >= at && r[i].start < r[i].end && r[i].end <= hi);
        at = r[i].end;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!nz) setup();
    const char *in = (const char *)data;
    size_t bad_at;
    const char *why;
    if (kouan_utf8_check(in, size, &bad_at, &why) != 0) return 0;

    kouan_wordset *ws = NULL;
    const char *sep = memchr(in, 0x01, size);
    if (sep) {
        ws = kouan_wordset_new();
        FUZZ_ASSERT(ws);
        for (const char *w = in; w < sep; ) {
            const char *nl = memchr(w, '\n', (size_t)(sep - w));
            const char *e = nl ? nl : sep;
            if (e > w) kouan_wordset_add(ws, w, (size_t)(e - w), KOUAN_CLASS_PORT);
            w = e + 1;
        }
        size -= (size_t)(sep + 1 - in);
        in = sep + 1;
    }

    kouan_normtext nt = { 0 };
    kouan_error err = { 0 };
    if (kouan_normalize(nz, in, size, &nt, &err) != 0) {
        kouan_wordset_free(ws);
        return 0;
    }
    FUZZ_ASSERT(nt.str[nt.len] == '\0' && nt.src[nt.len] == size);
    for (size_t i = 0; i < nt.len; i++) FUZZ_ASSERT(nt.src[i] <= nt.src[i + 1]);

    kouan_range *sents = NULL, *clauses = NULL;
    size_t n_sents = 0, n_clauses = 0, n_segs = 0, cap = 0;
    kouan_seg *segs = NULL;
    FUZZ_ASSERT(kouan_sentences(nt.str, nt.len, &sents, &n_sents) == 0);
    check_ranges(sents, n_sents, 0, nt.len);
    for (size_t s = 0; s < n_sents; s++) {
        const char *t = nt.str + sents[s].start;
        size_t len = sents[s].end - sents[s].start;
        FUZZ_ASSERT(kouan_clauses(t, len, &clauses, &n_clauses) == 0);
        check_ranges(clauses, n_clauses, 0, len);
        free(clauses);                    /* kouan_clauses starts afresh */
        clauses = NULL;
        FUZZ_ASSERT(kouan_segment(lx, ws, t, len, &segs, &n_segs, &cap) == 0);
        size_t at = 0;
        for (size_t i = 0; i < n_segs; i++) {
            FUZZ_ASSERT(segs[i].start >= at && segs[i].start < segs[i].end &&
                        segs[i].end <= len);
            at = segs[i].end;
        }
    }
    free(sents);
    free(segs);
    kouan_normtext_free(&nt);
    kouan_wordset_free(ws);
    return 0;
}
