/* error.c — see error.h. */
#include "error.h"
#include <stdarg.h>
#include <stdio.h>

int kouan_error_set(kouan_error *err, int code, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        err->code = code;
        vsnprintf(err->message, sizeof err->message, fmt, ap);
        va_end(ap);
    }
    return code;
}
