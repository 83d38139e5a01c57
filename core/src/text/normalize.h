/* normalize.h — text for matching: NFKC (utf8proc: full-width （２０１３）
 * → (2013)) and traditional → simplified Chinese (OpenCC, t2s), with a map
 * from every output byte back to the input.  The original forms stay in the
 * file; tokens point at them through the map. */
#ifndef KOUAN_NORMALIZE_H
#define KOUAN_NORMALIZE_H
#include <stddef.h>
#include "kouan/kouan.h"

typedef struct kouan_normalizer kouan_normalizer;

/* Opens the converters (OpenCC's t2s configuration).  NULL with err filled
 * when OpenCC's data cannot be found. */
kouan_normalizer *kouan_normalizer_new(kouan_error *err);
void              kouan_normalizer_free(kouan_normalizer *n);

typedef struct kouan_normtext {
    char   *str;   /* normalised UTF-8, NUL-terminated (owned) */
    size_t  len;
    size_t *src;   /* len + 1 entries (owned): src[i] is the input offset of
                      the start of the input character that produced output
                      byte i; src[len] = input length */
} kouan_normtext;

/* Normalises in[0..len) (valid UTF-8).  Returns 0 or KOUAN_ENOMEM /
 * KOUAN_EINVAL with err filled.  Free out with kouan_normtext_free. */
int  kouan_normalize(kouan_normalizer *n, const char *in, size_t len,
                     kouan_normtext *out, kouan_error *err);
void kouan_normtext_free(kouan_normtext *t);
#endif
