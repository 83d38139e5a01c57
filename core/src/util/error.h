/* error.h — filling a caller's kouan_error. */
#ifndef KOUAN_ERROR_H
#define KOUAN_ERROR_H
#include "kouan/kouan.h"

/* Sets err (may be NULL) to code and the formatted message; returns code. */
int kouan_error_set(kouan_error *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
#endif
