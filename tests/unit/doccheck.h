/* doccheck.h — shared by the reader tests: every block, row, cell and text
 * of a document leads back to the original file exactly. */
#ifndef KOUAN_TEST_DOCCHECK_H
#define KOUAN_TEST_DOCCHECK_H
#include "doc/doc.h"
#include <stdio.h>
#include <string.h>

static int failures;
#define CHECK(cond) do { if (!(cond)) { failures++; \
    fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); } } while (0)
#define CHECK_STR(a, b) do { if (strcmp((a), (b)) != 0) { failures++; \
    fprintf(stderr, "%s:%d: got “%s”, expected “%s”\n", __FILE__, __LINE__, (a), (b)); } } while (0)

static int ws_byte(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

/* Every byte of t is the original byte it maps to, except a decoded entity
 * (maps to its '&'), an inserted or collapsed space or line break (maps to
 * whitespace or to a tag's '<'), and in table text the '\t'/'\n' joints. */
static void check_text_exact(const kouan_doc *d, const kouan_text *t, int table,
                             const char *what, size_t index)
{
    int bad = 0;
    CHECK(t->str[t->len] == '\0');
    CHECK(t->orig[t->len] <= d->len);
    for (size_t i = 0; i < t->len && bad < 3; i++) {
        size_t o = t->orig[i];
        if (o >= d->len) { bad++; continue; }
        if (i && o < t->orig[i - 1] && !table) bad++;        /* monotone */
        char c = t->str[i], src = d->bytes[o];
        if (c == src || src == '&') continue;
        if ((c == ' ' || c == '\n') && (ws_byte(src) || src == '<' ||
                                        (unsigned char)src == 0xE3)) continue;
        if (table && (c == '\t' || c == '\n')) continue;
        bad++;
        fprintf(stderr, "%s %s %zu: byte %zu '%c' maps to %zu '%c'\n",
                d->path, what, index, i, c, o, src);
    }
    if (bad) failures++;
}

static size_t line_at(const kouan_doc *d, size_t at)
{
    size_t n = 1;
    for (size_t i = 0; i < at; i++) n += d->bytes[i] == '\n';
    return n;
}

static void check_doc_exact(const kouan_doc *d)
{
    for (size_t i = 0; i < d->n_blocks; i++) {
        const kouan_block *b = &d->blocks[i];
        CHECK(b->span.start <= b->span.end && b->span.end <= d->len);
        CHECK(b->line == line_at(d, b->span.start));
        if (i) CHECK(b->span.start >= d->blocks[i - 1].span.start);
        check_text_exact(d, &b->text, b->kind == KOUAN_BLOCK_TABLE, "block", i);
        if (b->kind == KOUAN_BLOCK_FURNITURE) CHECK(b->n_rows == 0);
        for (size_t r = 0; r < b->n_rows; r++) {
            const kouan_row *row = &b->rows[r];
            CHECK(row->span.start >= b->span.start && row->span.end <= b->span.end);
            CHECK(row->line == line_at(d, row->span.start));
            for (size_t c = 0; c < row->n_cells; c++) {
                const kouan_cell *cell = &row->cells[c];
                CHECK(cell->span.start <= cell->span.end && cell->span.end <= d->len);
                check_text_exact(d, &cell->text, 0, "cell", c);
                /* a cell's text lies inside its span */
                if (cell->text.len)
                    CHECK(cell->text.orig[0] >= cell->span.start &&
                          cell->text.orig[cell->text.len - 1] < cell->span.end);
            }
        }
    }
}
#endif
