/* number.c — exact decimal arithmetic for the stats plugin (see number.h). */
#include "number.h"

#include <string.h>

/* Strips leading zeros and moves trailing zeros into the scale. */
static void st_dec_norm(st_dec *d)
{
    size_t lead = 0;
    while (lead + 1 < d->n && d->digits[lead] == 0)
        lead++;
    if (lead) {
        memmove(d->digits, d->digits + lead, d->n - lead);
        d->n -= lead;
    }
    if (d->n == 1 && d->digits[0] == 0) {
        d->scale = 0;
        return;
    }
    while (d->n > 1 && d->digits[d->n - 1] == 0) {
        d->n--;
        d->scale++;
    }
}

/* Exactly three digits at s[i..i+3), and no fourth right after them. */
static int three_digits(const char *s, size_t i, size_t len)
{
    for (size_t k = i; k < i + 3; k++)
        if (k >= len || s[k] < '0' || s[k] > '9')
            return 0;
    return i + 3 >= len || s[i + 3] < '0' || s[i + 3] > '9';
}

size_t st_dec_prefix(const char *s, size_t len, st_dec *out)
{
    size_t i = 0, n = 0;
    int frac = 0, seen_point = 0;
    size_t group = 0;          /* digits since the last ',' (or start) */
    int grouped = 0;

    memset(out, 0, sizeof *out);
    while (i < len) {
        char c = s[i];
        if (c >= '0' && c <= '9') {
            if (n == ST_DEC_DIGITS)
                return 0;
            out->digits[n++] = (unsigned char)(c - '0');
            if (seen_point)
                frac++;
            else
                group++;
            i++;
        } else if (c == ',' && !seen_point && n > 0
                   && (grouped ? group == 3 : group <= 3) && three_digits(s, i + 1, len)) {
            grouped = 1;
            group = 0;
            i++;
        } else if (c == '.' && !seen_point && n > 0 && i + 1 < len
                   && s[i + 1] >= '0' && s[i + 1] <= '9') {
            if (grouped && group != 3)
                return 0;
            seen_point = 1;
            i++;
        } else {
            break;
        }
    }
    if (!n || (grouped && !seen_point && group != 3))
        return 0;
    out->n = n;
    out->scale = -frac;
    st_dec_norm(out);
    return i;
}

int st_dec_parse(const char *s, size_t len, st_dec *out)
{
    return len && st_dec_prefix(s, len, out) == len ? 0 : -1;
}

int st_dec_mul(const st_dec *a, const st_dec *b, st_dec *out)
{
    unsigned acc[2 * ST_DEC_DIGITS] = { 0 };
    size_t n = a->n + b->n;
    /* schoolbook, least significant digit at the end of acc[0..n) */
    for (size_t i = a->n; i-- > 0; )
        for (size_t j = b->n; j-- > 0; )
            acc[i + j + 1] += (unsigned)a->digits[i] * b->digits[j];
    for (size_t k = n; k-- > 1; ) {
        acc[k - 1] += acc[k] / 10;
        acc[k] %= 10;
    }
    size_t lead = 0;
    while (lead + 1 < n && acc[lead] == 0)
        lead++;
    size_t trail = n;
    int scale = a->scale + b->scale;
    while (trail - 1 > lead && acc[trail - 1] == 0) {
        trail--;
        scale++;
    }
    if (trail - lead > ST_DEC_DIGITS)
        return -1;
    st_dec r;
    r.n = trail - lead;
    for (size_t k = 0; k < r.n; k++)
        r.digits[k] = (unsigned char)acc[lead + k];
    r.scale = scale;
    st_dec_norm(&r);
    *out = r;
    return 0;
}

int st_dec_is_integer(const st_dec *d)
{
    return d->scale >= 0;
}

int st_dec_format(const st_dec *d, char *buf, size_t size)
{
    size_t len = 0;
#define PUT(c) do { if (len + 1 >= size) return -1; buf[len++] = (char)(c); } while (0)
    if (d->scale >= 0) {
        for (size_t k = 0; k < d->n; k++)
            PUT('0' + d->digits[k]);
        if (!(d->n == 1 && d->digits[0] == 0))
            for (int k = 0; k < d->scale; k++)
                PUT('0');
    } else {
        size_t frac = (size_t)-d->scale;
        if (d->n <= frac) {
            PUT('0');
            PUT('.');
            for (size_t k = d->n; k < frac; k++)
                PUT('0');
            for (size_t k = 0; k < d->n; k++)
                PUT('0' + d->digits[k]);
        } else {
            for (size_t k = 0; k < d->n; k++) {
                if (k == d->n - frac)
                    PUT('.');
                PUT('0' + d->digits[k]);
            }
        }
    }
#undef PUT
    if (!size)
        return -1;
    buf[len] = '\0';
    return (int)len;
}
