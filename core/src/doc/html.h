/* html.h — private to core/src/doc/: reading whole HTML pages into blocks. */
#ifndef KOUAN_DOC_HTML_H
#define KOUAN_DOC_HTML_H
#include "doc.h"

/* Is this file an HTML page?  By extension (.html, .htm: yes; .txt, .md,
 * .markdown: no), otherwise by its first bytes (<!DOCTYPE html or <html,
 * after a BOM and spaces). */
int kouan_html_is_page(const char *path, const char *bytes, size_t len);

/* Refuses a page whose <meta charset> or http-equiv content names an
 * encoding other than UTF-8: returns KOUAN_EINPUT with err naming the file,
 * the line and the charset; else KOUAN_OK.  Runs before the UTF-8 check so
 * that a GBK page is told so, not only that a byte is wrong. */
int kouan_html_check_charset(const char *path, const char *bytes, size_t len,
                             kouan_error *err);

/* Parses d->bytes (valid UTF-8) with libxml2's HTML parser into d's blocks.
 * Returns KOUAN_OK, or an error code with err filled. */
int kouan_html_parse(kouan_document *d, kouan_error *err);
#endif
