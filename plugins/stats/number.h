/* number.h — exact decimal numbers for the stats plugin: the digits of a
 * figure as the text writes them (1685.5, 1,685.5), multiplied by magnitudes
 * and unit factors (亿 = 100000000, 公顷 = 0.01) without ever passing through
 * a float, and printed as the plain decimal an xsd:decimal or xsd:integer
 * literal needs (168550000000, never 1.6855e11).  Private to plugins/stats
 * (hidden in its shared object); the unit tests compile it in directly. */
#ifndef KOUAN_STATS_NUMBER_H
#define KOUAN_STATS_NUMBER_H
#include <stddef.h>

#define ST_HIDDEN __attribute__((visibility("hidden")))

/* Significant digits a number may have; a longer one is refused. */
#define ST_DEC_DIGITS 80

/* value = digits × 10^scale.  digits[0..n) are the decimal digits (0–9, not
 * characters), most significant first, without leading zeros and, after
 * st_dec_norm, without trailing zeros (they move into scale).  Zero is
 * n = 1, digits[0] = 0, scale = 0.  A plain value: copy it freely. */
typedef struct st_dec {
    unsigned char digits[ST_DEC_DIGITS];
    size_t        n;
    int           scale;
} st_dec;

/* Reads the number at the start of s (at most len bytes): ASCII digits, an
 * optional '.' followed by digits, and ',' between groups of exactly three
 * digits before the point (1,685.5).  Returns the bytes read, or 0 when s
 * does not start with a number or it has more than ST_DEC_DIGITS digits.
 * Full-width digits are not read: the core hands plugins NFKC text, where
 * １６８５ is already 1685. */
ST_HIDDEN size_t st_dec_prefix(const char *s, size_t len, st_dec *out);

/* Reads all of s[0..len) as a number; 0 on success, -1 if anything else is
 * there (data-file factors: "0.01", "100000000"). */
ST_HIDDEN int st_dec_parse(const char *s, size_t len, st_dec *out);

/* *out = a × b (out may alias a or b).  0, or -1 when the product has more
 * than ST_DEC_DIGITS significant digits. */
ST_HIDDEN int st_dec_mul(const st_dec *a, const st_dec *b, st_dec *out);

/* 1 when d has no fractional part. */
ST_HIDDEN int st_dec_is_integer(const st_dec *d);

/* Writes d as a plain decimal into buf (size bytes, NUL-terminated):
 * "168550000000", "0.205", "0.01" — no exponent, no trailing fractional
 * zeros, no leading zeros but the one before a point.  Returns the length,
 * or -1 when buf is too small. */
ST_HIDDEN int st_dec_format(const st_dec *d, char *buf, size_t size);

#endif /* KOUAN_STATS_NUMBER_H */
