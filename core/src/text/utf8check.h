/* utf8check.h — deciding whether a file is UTF-8 text, and saying exactly
 * where and why it is not. */
#ifndef KOUAN_UTF8CHECK_H
#define KOUAN_UTF8CHECK_H
#include <stddef.h>

/* Checks that bytes[0..len) are UTF-8 text (no NUL bytes, no UTF-16).
 * Returns 0, or -1 with *bad_at set to the byte offset of the first problem
 * and *why saying what was found there and, when the bytes make it clear,
 * what encoding the file looks like instead (UTF-16LE/BE with or without a
 * byte-order mark, GBK/GB18030 with the characters they read as) and the
 * iconv command that converts it.  *why is static or thread-local: valid
 * until the next call in the same thread. */
int kouan_utf8_check(const char *bytes, size_t len, size_t *bad_at,
                     const char **why);

/* 1-based line and column (in characters) of byte offset at. */
void kouan_line_col(const char *bytes, size_t len, size_t at,
                    size_t *line, size_t *col);
#endif
