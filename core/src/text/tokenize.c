/* tokenize.c — kouan_tokenize_file: a document's prose as the prose stage
 * sees it (normalised, split into sentences, segmented with the names the
 * document's own tables teach), each token with its span in the original
 * file and its line.  No plugin runs and the store is not touched.
 *
 * The document word set.  Extraction fills it from the facts the structure
 * plugins emit; here it is built directly from the tables: each cell of a
 * column whose header names a class in ontology/tables.tsv ("column" lines:
 * 口岸 → Port, 县 → County, …) is normalised, split on 、，,；; and its
 * bracketed parts ("章凤（陇川）") become names of their own.  So
 * `kouan tokenize` shows what the prose stage will see.
 *
 * Spans go through the two maps as in view.c: a decoded HTML entity
 * ("&amp;") is one byte of text mapped to its '&', so a token ending with
 * one ends just after that '&' (plugin.h). */
#include "kouan/kouan.h"
#include "doc/doc.h"
#include "session.h"
#include "text/normalize.h"
#include "text/segment.h"
#include "text/view.h"
#include "util/error.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef KOUAN_ONTOLOGY_DIR
#define KOUAN_ONTOLOGY_DIR "ontology"
#endif

/* ---- column roles from ontology/tables.tsv ------------------------------- */

#define MAX_ROLES 32
#define MAX_SKIP  16

typedef struct roles {
    struct { kouan_class cls; int literal; char words[256]; } v[MAX_ROLES];
    size_t n;
    char   skip[MAX_SKIP][64];
    size_t n_skip;
} roles;

static int class_by_name(const char *s, kouan_class *cls)
{
    static const char *const N[] = { "literal", "Port", "Province", "TradeZone",
        "Country", "Prefecture", "County", "OpenBorderCity", "Transport" };
    for (int i = 0; i < (int)(sizeof N / sizeof *N); i++)
        if (!strcmp(s, N[i])) { *cls = (kouan_class)i; return 0; }
    return -1;
}

/* Reads the "column" and "skip" lines; a missing file gives no roles (the
 * document word set is then empty), a malformed line an error. */
static int roles_load(roles *r, const char *dir, kouan_error *err)
{
    memset(r, 0, sizeof *r);
    char path[4096];
    snprintf(path, sizeof path, "%s/tables.tsv", dir);
    FILE *f = fopen(path, "r");
    if (!f) return KOUAN_OK;
    char *line = NULL;
    size_t cap = 0, lineno = 0;
    int rc = KOUAN_OK;
    while (getline(&line, &cap, f) != -1) {
        lineno++;
        line[strcspn(line, "\r\n")] = '\0';
        char *hash = strchr(line, '#');
        if (hash) *hash = '\0';
        char *fld[4] = {0};
        int nf = 0;
        for (char *p = line, *t; nf < 4 && p; p = t ? t + 1 : NULL) {
            t = strchr(p, '\t');
            if (t) *t = '\0';
            fld[nf++] = p;
        }
        if (!strcmp(fld[0], "column")) {
            kouan_class cls;
            if (nf < 4 || class_by_name(fld[2], &cls) != 0) {
                rc = kouan_error_set(err, KOUAN_EINVAL, "%s:%zu: expected "
                        "column<TAB>role<TAB>Class<TAB>header words", path, lineno);
                break;
            }
            if (r->n < MAX_ROLES) {
                r->v[r->n].cls = cls;
                r->v[r->n].literal = cls == KOUAN_CLASS_LITERAL;
                snprintf(r->v[r->n].words, sizeof r->v[r->n].words, "%s", fld[3]);
                r->n++;
            }
        } else if (!strcmp(fld[0], "skip") && nf >= 2) {
            for (char *p = strtok(fld[1], " "); p && r->n_skip < MAX_SKIP;
                 p = strtok(NULL, " "))
                snprintf(r->skip[r->n_skip++], sizeof r->skip[0], "%s", p);
        }
    }
    free(line);
    fclose(f);
    return rc;
}

/* The class a header cell names (spaces ignored: "边 境 口 岸"): 1 and *cls
 * when it names one (literal columns give KOUAN_CLASS_LITERAL), else 0. */
static int header_class(const roles *r, const char *cell, kouan_class *cls)
{
    char h[512];
    size_t n = 0;
    for (const char *p = cell; *p && n + 1 < sizeof h; p++)
        if (*p != ' ' && *p != '\t') h[n++] = *p;
    h[n] = '\0';
    for (size_t i = 0; i < r->n; i++) {
        char words[256];
        snprintf(words, sizeof words, "%s", r->v[i].words);
        char *save = NULL;
        for (char *w = strtok_r(words, " ", &save); w; w = strtok_r(NULL, " ", &save))
            if (strstr(h, w)) { *cls = r->v[i].cls; return 1; }
    }
    return 0;
}

/* ---- the document word set ----------------------------------------------- */

/* A name worth adding: two or more characters, at least one of them Chinese,
 * no digits. */
static int name_like(const char *s, size_t n)
{
    size_t chars = 0;
    int han = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= '0' && c <= '9') return 0;
        if ((c & 0xC0) != 0x80) chars++;
        if (c >= 0xE2) han = 1;
    }
    return chars >= 2 && han;
}

static int add_piece(kouan_wordset *ws, const roles *r, const char *s, size_t n,
                     kouan_class cls)
{
    while (n && s[0] == ' ') { s++; n--; }
    while (n && s[n - 1] == ' ') n--;
    if (!name_like(s, n)) return KOUAN_OK;
    for (size_t i = 0; i < r->n_skip; i++)
        if (strlen(r->skip[i]) == n && !memcmp(r->skip[i], s, n)) return KOUAN_OK;
    return kouan_wordset_add(ws, s, n, cls);
}

/* Splits a normalised cell on 、,; and adds each name; "(…)" parts are
 * names of their own. */
static int add_cell(kouan_wordset *ws, const roles *r, const char *s, size_t n,
                    kouan_class cls)
{
    char outer[1024], inner[1024];
    size_t on = 0, in = 0;
    int depth = 0, rc = KOUAN_OK;
    for (size_t i = 0; i <= n && rc == KOUAN_OK; i++) {
        int sep = i == n || s[i] == ',' || s[i] == ';' ||
                  (i + 2 < n && !memcmp(s + i, "、", 3));
        if (sep && depth == 0) {
            rc = add_piece(ws, r, outer, on, cls);
            on = 0;
            if (i < n && s[i] == (char)0xE3) i += 2;   /* 、 */
            continue;
        }
        if (s[i] == '(') {
            if (depth++ == 0) in = 0;
            continue;
        }
        if (s[i] == ')' && depth > 0) {
            if (--depth == 0) rc = add_piece(ws, r, inner, in, cls);
            continue;
        }
        if (depth == 0) { if (on < sizeof outer) outer[on++] = s[i]; }
        else if (in < sizeof inner) inner[in++] = s[i];
    }
    return rc;
}

static int build_wordset(const kouan_doc *doc, kouan_normalizer *nz,
                         const roles *r, kouan_wordset *ws, kouan_error *err)
{
    kouan_class cols[64];
    size_t ncols = 0;
    for (size_t b = 0; b < doc->n_blocks; b++) {
        const kouan_block *blk = &doc->blocks[b];
        if (blk->kind != KOUAN_BLOCK_TABLE || blk->n_rows == 0) continue;
        /* the header row names the columns; a continued table without one
           keeps the previous table's columns */
        kouan_class hc[64];
        int named = 0;
        const kouan_row *h = &blk->rows[0];
        for (size_t c = 0; c < h->n_cells && c < 64; c++) {
            hc[c] = (kouan_class)-1;
            if (header_class(r, h->cells[c].text.str, &hc[c])) named = 1;
        }
        size_t first = 1;
        if (named) {
            ncols = h->n_cells < 64 ? h->n_cells : 64;
            memcpy(cols, hc, ncols * sizeof *cols);
        } else if (blk->continued && ncols) {
            first = 0;
        } else {
            ncols = 0;
            continue;
        }
        for (size_t i = first; i < blk->n_rows; i++) {
            const kouan_row *row = &blk->rows[i];
            for (size_t c = 0; c < row->n_cells && c < ncols; c++) {
                if ((int)cols[c] <= 0 || row->cells[c].text.len == 0) continue;
                kouan_normtext nt = {0};
                int rc = kouan_normalize(nz, row->cells[c].text.str,
                                         row->cells[c].text.len, &nt, err);
                if (!rc) rc = add_cell(ws, r, nt.str, nt.len, cols[c]);
                kouan_normtext_free(&nt);
                if (rc == KOUAN_ENOMEM)
                    return kouan_error_set(err, rc, "out of memory");
                if (rc) return rc;
            }
        }
    }
    return KOUAN_OK;
}

/* The document word set from doc's tables (see the top of this file). */
static int doc_words(const kouan_doc *doc, kouan_normalizer *nz,
                     const char *ontology_dir, kouan_wordset *ws, kouan_error *err)
{
    roles r;
    int rc = roles_load(&r, ontology_dir ? ontology_dir : KOUAN_ONTOLOGY_DIR, err);
    if (!rc) rc = build_wordset(doc, nz, &r, ws, err);
    return rc;
}

/* ---- tokens ---------------------------------------------------------------- */

int kouan_tokenize_file(kouan *k, const char *path, kouan_token_cb cb,
                        void *user, kouan_error *err)
{
    /* The session's lexicon and normaliser (opened on first use, closed by
       kouan_close); without a session, our own for this call. */
    kouan_lexicon *own_lx = NULL;
    kouan_normalizer *own_nz = NULL;
    kouan_lexicon **lxp = k ? &k->lexicon : &own_lx;
    kouan_normalizer **nzp = k ? &k->normalizer : &own_nz;
    kouan_document *d = NULL;
    kouan_wordset *ws = NULL;
    size_t *line_start = NULL;
    int rc = KOUAN_OK;
    if (!*lxp && !(*lxp = kouan_lexicon_open(kouan_lexicon_default_path(), err)))
        rc = err->code ? err->code : KOUAN_ENOTFOUND;
    else if (!*nzp && !(*nzp = kouan_normalizer_new(err)))
        rc = err->code ? err->code : KOUAN_EINVAL;
    else if (!(d = kouan_document_load(path, err)))
        rc = err->code ? err->code : KOUAN_EINPUT;
    else if (!(ws = kouan_wordset_new()))
        rc = kouan_error_set(err, KOUAN_ENOMEM, "out of memory");
    kouan_lexicon *lx = *lxp;
    kouan_normalizer *nz = *nzp;
    if (!rc)
        rc = doc_words(&d->view, nz, k ? k->ontology_dir : NULL, ws, err);
    if (!rc && (rc = kouan_view_build(d, nz, lx, ws, err)) && !err->message[0])
        kouan_error_set(err, rc, "%s: cannot segment", path);

    const kouan_doc *doc = d ? &d->view : NULL;
    size_t nlines = 1;
    if (!rc) {
        for (size_t i = 0; i < doc->len; i++) nlines += doc->bytes[i] == '\n';
        if (!(line_start = malloc(nlines * sizeof *line_start)))
            rc = kouan_error_set(err, KOUAN_ENOMEM, "out of memory");
    }
    if (!rc) {
        size_t m = 0;
        line_start[m++] = 0;
        for (size_t i = 0; i < doc->len; i++)
            if (doc->bytes[i] == '\n') line_start[m++] = i + 1;
        size_t lo = 0;   /* tokens come in file order almost always: walk on */
        for (size_t s = 0; s < doc->n_sentences; s++) {
            const kouan_sentence *se = &doc->sentences[s];
            for (size_t t = 0; t < se->n_tokens; t++) {
                const kouan_token *tk = &se->tokens[t];
                size_t at = tk->span.start;
                if (lo >= nlines || line_start[lo] > at) lo = 0;
                size_t hi = nlines;
                if (lo + 1 < nlines && line_start[lo + 1] > at) hi = lo + 1;
                while (hi - lo > 1) {
                    size_t mid = (lo + hi) / 2;
                    if (line_start[mid] <= at) lo = mid; else hi = mid;
                }
                kouan_token_info info = { tk->text, tk->len, tk->span.start,
                                          tk->span.end, lo + 1, (int)tk->kind,
                                          (int)tk->cls, t == 0 };
                if (cb(&info, user)) goto done;
            }
        }
    }
done:
    free(line_start);
    kouan_wordset_free(ws);
    kouan_document_free(d);
    kouan_normalizer_free(own_nz);
    kouan_lexicon_close(own_lx);
    return rc;
}
