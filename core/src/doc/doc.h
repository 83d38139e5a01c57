/* doc.h — reading a file into the block tree that plugins see
 * (kouan_doc, defined in plugin.h).  Every block, row, cell and text keeps
 * byte offsets into the original file. */
#ifndef KOUAN_DOC_H
#define KOUAN_DOC_H
#include "kouan/kouan.h"
#include "util/arena.h"

typedef struct kouan_document {
    kouan_doc   view;      /* what plugins see; all pointers into arena/bytes */
    char       *bytes;     /* the file, malloc'd, NUL-terminated */
    kouan_arena arena;     /* blocks, rows, cells, texts, maps */
} kouan_document;

/* Reads path and parses it.  Returns a document owned by the caller (free
 * with kouan_document_free) or NULL with err filled: missing or unreadable
 * file, not UTF-8 (with byte offset, line and column), empty, or binary. */
kouan_document *kouan_document_load(const char *path, kouan_error *err);

/* kouan_document_load in two steps, so that a caller can look at the bytes
 * before they are parsed (kouan extract: is this version stored already?).
 * kouan_document_read: the file's bytes, malloc'd, NUL after them, or NULL
 * with err filled (missing, unreadable, not a regular file).
 * kouan_document_from_read: them parsed, owned by the call from now on
 * (kept by the document or freed); NULL with err filled as load's. */
char *kouan_document_read(const char *path, size_t *len, kouan_error *err);
kouan_document *kouan_document_from_read(const char *path, char *buf, size_t len,
                                         kouan_error *err);

/* Parses bytes[0..len) (copied) as if read from path; for tests and fuzzing. */
kouan_document *kouan_document_parse(const char *path, const char *bytes,
                                     size_t len, kouan_error *err);

void kouan_document_free(kouan_document *d);

/* The document id for a path: its file name without the extension, with
 * characters outside [A-Za-z0-9._-] and non-ASCII kept as UTF-8 but '/',
 * space and control bytes replaced by '_'.  Writes at most n bytes. */
void kouan_document_id(const char *path, char *out, size_t n);
#endif
