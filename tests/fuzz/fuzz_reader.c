/* fuzz_reader.c — the document reader (kouan_document_parse) on any bytes,
 * read as FUZZ_PATH says: fuzz.md (Markdown-like) or fuzz.html (libxml2's
 * HTML parser).  Beside crashes, checks what plugins rely on: every span,
 * row, cell and byte map stays inside the file, texts are NUL-terminated. */
#include "fuzz.h"
#include "doc/doc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef FUZZ_PATH
#  define FUZZ_PATH "fuzz.md"
#endif

static void check_span(kouan_span s, size_t len, const char *what, size_t i)
{
    if (!(s.start <= s.end && s.end <= len))
        fprintf(stderr, "%s of block %zu: [%zu, %zu) in a file of %zu bytes\n",
                what, i, s.start, s.end, len);
    FUZZ_ASSERT(s.start <= s.end && s.end <= len);
}

static void check_text(const kouan_text *t, size_t len)
{
    if (!t->str) return;
    FUZZ_ASSERT(t->str[t->len] == '\0');
    FUZZ_ASSERT(t->orig != NULL);
    for (size_t i = 0; i <= t->len; i++) FUZZ_ASSERT(t->orig[i] <= len);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    kouan_error err = { 0 };
    kouan_document *d = kouan_document_parse(FUZZ_PATH, (const char *)data, size, &err);
    if (!d) {
        FUZZ_ASSERT(err.code != 0 && err.message[0]);   /* a refusal says why */
        return 0;
    }
    const kouan_doc *v = &d->view;
    FUZZ_ASSERT(v->len == size && v->bytes[size] == '\0');
    for (size_t i = 0; i < v->n_blocks; i++) {
        const kouan_block *b = &v->blocks[i];
        check_span(b->span, size, b->kind == KOUAN_BLOCK_TABLE ? "the span of a table" : "the span", i);
        check_text(&b->text, size);
        if (b->caption) check_text(b->caption, size);
        for (size_t r = 0; r < b->n_rows; r++) {
            check_span(b->rows[r].span, size, "a row", i);
            for (size_t c = 0; c < b->rows[r].n_cells; c++) {
                check_span(b->rows[r].cells[c].span, size, "a cell", i);
                check_text(&b->rows[r].cells[c].text, size);
            }
        }
    }
    kouan_document_free(d);
    return 0;
}
