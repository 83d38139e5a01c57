/* test_reader.c — the Markdown-like reader: blocks, tables, captions,
 * inline markup, page-break joins, front matter and contents as furniture,
 * and the byte map back to the original file. */
#include "doccheck.h"
#include "text/utf8check.h"

/* ONTOLOGY_DIR is <source>/ontology: the corpus and fixtures are beside it */
#define SOURCE_DIR ONTOLOGY_DIR "/.."
#define SEED SOURCE_DIR "/corpus/000_7180f7658f0f6251.md"
#define FIXTURE(name) SOURCE_DIR "/tests/unit/fixtures/" name

/* Every byte of t that was copied (not decoded) must equal the original. */
static void check_map(const kouan_doc *d, const kouan_text *t)
{
    for (size_t i = 0; i < t->len; i++) {
        CHECK(t->orig[i] < d->len);
        if (t->orig[i] >= d->len) return;
    }
    CHECK(t->orig[t->len] <= d->len);
}

static const char DOC[] =
    "# 第一章 口岸\n"                                   /* line 1 */
    "\n"
    "边境口岸是边境贸易的载体，<sup>①</sup>国家城镇化\n"  /* 3: joined with 4 */
    "进程的一部分。The Reality and  \n"
    "Prospects &amp; more\\_x [链接](http://a.b/c_d)。\n"
    "\n"
    "表 1-1 中国边境贸易区和主要边境口岸\n"              /* 7 */
    "\n"
    "边贸区\t省区\t边 境 口 岸\n"                          /* 9 */
    "东北\t黑龙江\t黑河、嘉荫\n"
    "\t吉林\t<b>珲春</b>、图们\n"
    "\n"
    "<sup>①</sup> 注释文字。\n"                         /* 13 */
    "\n"
    "续表\n"
    "\n"
    "\t辽宁\t丹东\n";                                    /* 17 */

static void test_blocks(void)
{
    kouan_error err = {0};
    kouan_document *doc = kouan_document_parse("t.md", DOC, sizeof DOC - 1, &err);
    CHECK(doc != NULL);
    if (!doc) { fprintf(stderr, "%s\n", err.message); return; }
    const kouan_doc *d = &doc->view;
    CHECK_STR(d->id, "t");
    CHECK(d->n_blocks == 7);
    if (d->n_blocks != 7) { kouan_document_free(doc); return; }
    const kouan_block *b = d->blocks;

    CHECK(b[0].kind == KOUAN_BLOCK_HEADING && b[0].level == 1 && b[0].line == 1);
    CHECK_STR(b[0].text.str, "第一章 口岸");

    CHECK(b[1].kind == KOUAN_BLOCK_PARAGRAPH && b[1].line == 3);
    /* a sentence broken across lines is joined without a space; ASCII words
       keep one; tags, entities, escapes, link targets and footnote markers
       (<sup>①</sup>: the evidence bytes keep them) are gone */
    CHECK_STR(b[1].text.str, "边境口岸是边境贸易的载体，国家城镇化进程的一部分。"
              "The Reality and Prospects & more_x 链接。");
    check_map(d, &b[1].text);
    check_doc_exact(d);
    /* the map leads back: "进程" starts line 4 */
    const char *p = strstr(b[1].text.str, "进程");
    size_t at = b[1].text.orig[p - b[1].text.str];
    CHECK(memcmp(d->bytes + at, "进程", strlen("进程")) == 0);
    /* the decoded & maps to the '&' of "&amp;" */
    p = strchr(b[1].text.str, '&');
    CHECK(d->bytes[b[1].text.orig[p - b[1].text.str]] == '&');

    CHECK(b[2].kind == KOUAN_BLOCK_PARAGRAPH);
    CHECK(b[3].kind == KOUAN_BLOCK_TABLE && b[3].n_rows == 3 && b[3].line == 9);
    CHECK(b[3].caption == &b[2].text);
    CHECK(!b[3].continued);
    const kouan_row *r = b[3].rows;
    CHECK(r[0].n_cells == 3 && r[2].n_cells == 3);
    CHECK_STR(r[0].cells[2].text.str, "边 境 口 岸");
    CHECK_STR(r[2].cells[0].text.str, "");            /* "same as above" */
    CHECK_STR(r[2].cells[2].text.str, "珲春、图们");  /* <b> removed */
    CHECK(r[1].line == 10);
    /* cell spans point at the cell's own bytes */
    const kouan_cell *c = &r[1].cells[1];
    CHECK(c->span.end - c->span.start == strlen("黑龙江"));
    CHECK(memcmp(d->bytes + c->span.start, "黑龙江", strlen("黑龙江")) == 0);
    check_map(d, &r[2].cells[2].text);
    CHECK(strstr(b[3].text.str, "东北\t黑龙江\t黑河、嘉荫\n") != NULL);

    CHECK(b[4].kind == KOUAN_BLOCK_FOOTNOTE && b[4].line == 13);
    CHECK_STR(b[4].text.str, "① 注释文字。");
    CHECK(b[5].kind == KOUAN_BLOCK_PARAGRAPH);
    CHECK(b[6].kind == KOUAN_BLOCK_TABLE && b[6].continued == 1);
    CHECK(b[6].caption == &b[2].text);                /* inherited */
    CHECK(b[6].rows[0].n_cells == 3);
    kouan_document_free(doc);
}

static void test_refusals(void)
{
    kouan_error err = {0};
    CHECK(kouan_document_parse("e.md", "", 0, &err) == NULL);
    CHECK(strstr(err.message, "e.md: the file is empty") != NULL);

    static const char bad[] = "口岸\n中\x80文";          /* byte 10 */
    CHECK(kouan_document_parse("b.md", bad, sizeof bad - 1, &err) == NULL);
    CHECK(err.code == KOUAN_EINPUT);
    CHECK(strstr(err.message, "at byte 10 (line 2, column 2)") != NULL);
    CHECK(strstr(err.message, "continuation byte") != NULL);

    CHECK(kouan_document_load("/nonexistent/x.md", &err) == NULL);
    CHECK(err.code == KOUAN_ENOTFOUND);
    CHECK(strstr(err.message, "/nonexistent/x.md: cannot open") != NULL);
}

static void test_utf8(void)
{
    size_t at; const char *why;
    CHECK(kouan_utf8_check("樟木 ok", strlen("樟木 ok"), &at, &why) == 0);
    CHECK(kouan_utf8_check("ab\xC0\xAF", 4, &at, &why) != 0 && at == 2);
    CHECK(strstr(why, "overlong") != NULL);
    CHECK(kouan_utf8_check("a\xED\xA0\x80", 4, &at, &why) != 0 && at == 1);
    CHECK(strstr(why, "surrogate") != NULL);
    CHECK(kouan_utf8_check("ab\xE6\xA8", 4, &at, &why) != 0 && at == 2);
    CHECK(strstr(why, "cut off") != NULL);
    CHECK(kouan_utf8_check("\xFF\xFEx\0", 4, &at, &why) != 0 && at == 0);
    CHECK(strstr(why, "UTF-16") != NULL);
    CHECK(kouan_utf8_check("ab\0c", 4, &at, &why) != 0 && at == 2);
    CHECK(strstr(why, "binary") != NULL);
    size_t l, col;
    kouan_line_col("ab\n樟木x", 10, 9, &l, &col);
    CHECK(l == 2 && col == 3);
}

static void test_doc_id(void)
{
    char id[64];
    kouan_document_id("corpus/000_7180f7658f0f6251.md", id, sizeof id);
    CHECK_STR(id, "000_7180f7658f0f6251");
    kouan_document_id("a b/c d#1.txt", id, sizeof id);
    CHECK_STR(id, "c_d_1");
    kouan_document_id("西藏口岸.md", id, sizeof id);
    CHECK_STR(id, "西藏口岸");
}

static kouan_document *load(const char *path)
{
    kouan_error err = {0};
    kouan_document *doc = kouan_document_load(path, &err);
    if (!doc) fprintf(stderr, "%s\n", err.message);
    CHECK(doc != NULL);
    return doc;
}

/* A sentence broken by blank lines is one paragraph, also across a
 * footnote, which stays a block of its own; captions, tables, unfinished
 * paragraphs before a new unit are not joined. */
static void test_page_breaks(void)
{
    kouan_document *doc = load(FIXTURE("pagebreak.md"));
    if (!doc) return;
    const kouan_doc *d = &doc->view;
    check_doc_exact(d);
    CHECK(d->n_blocks == 8);
    if (d->n_blocks != 8) { kouan_document_free(doc); return; }
    const kouan_block *b = d->blocks;
    CHECK(b[0].kind == KOUAN_BLOCK_HEADING);
    CHECK(b[1].kind == KOUAN_BLOCK_PARAGRAPH && b[1].line == 3);
    CHECK_STR(b[1].text.str, "边境口岸是边境贸易的载体，随着对外开放的扩大，"
              "口岸建设成为国家城镇化进程的一个组成部分。");
    CHECK(memcmp(d->bytes + b[1].span.end - strlen("部分。"), "部分。", strlen("部分。")) == 0);
    const char *p = strstr(b[1].text.str, "进程");
    CHECK(p && memcmp(d->bytes + b[1].text.orig[p - b[1].text.str], "进程", 6) == 0);
    CHECK(b[2].kind == KOUAN_BLOCK_PARAGRAPH && b[2].line == 7);
    CHECK_STR(b[2].text.str, "到 1978 年改革开放时我国只有 51 个口岸，水运口岸开放仅限于沿海。");
    CHECK(b[3].kind == KOUAN_BLOCK_FOOTNOTE && b[3].line == 9);
    CHECK(b[3].span.start > b[2].span.start && b[3].span.end < b[2].span.end);
    CHECK(b[4].kind == KOUAN_BLOCK_PARAGRAPH);           /* 表 1-1 */
    CHECK(b[5].kind == KOUAN_BLOCK_TABLE && b[5].caption == &b[4].text);
    CHECK_STR(b[6].text.str, "这一段没有句号");       /* （一） starts a unit */
    CHECK_STR(b[7].text.str, "（一）新的小节开头");
    kouan_document_free(doc);
}

static void test_front_matter(void)
{
    kouan_document *doc = load(FIXTURE("frontmatter.md"));
    if (!doc) return;
    const kouan_doc *d = &doc->view;
    check_doc_exact(d);
    size_t i = 0;
    while (i < d->n_blocks && d->blocks[i].kind == KOUAN_BLOCK_FURNITURE) i++;
    CHECK(i == 7);           /* 丛书, title, 著者, ISBN, 定价, 目录, entries */
    CHECK(i < d->n_blocks && d->blocks[i].kind == KOUAN_BLOCK_HEADING);
    if (i < d->n_blocks) CHECK_STR(d->blocks[i].text.str, "第一章 绪论");
    if (i >= 2) CHECK_STR(d->blocks[1].text.str, "边境口岸研究");   /* no '#' */
    if (i == 7) CHECK_STR(d->blocks[6].text.str, "第一章 绪论 ……… 1\n第二章 口岸 ……… 15");
    CHECK(i + 1 < d->n_blocks && d->blocks[i + 1].kind == KOUAN_BLOCK_PARAGRAPH);
    kouan_document_free(doc);

    /* no publishing cues, no contents: nothing is furniture */
    static const char plain[] = "前言文字\n\n# 第一章\n\n正文。\n";
    kouan_error err = {0};
    doc = kouan_document_parse("p.md", plain, sizeof plain - 1, &err);
    CHECK(doc && doc->view.n_blocks == 3 && doc->view.blocks[0].kind == KOUAN_BLOCK_PARAGRAPH);
    kouan_document_free(doc);
    /* a data table with numbers in its last column is no contents */
    static const char tab[] = "# 第一章\n\n表 1 口岸\n\n口岸\t开放年份\n樟木\t1965\n";
    doc = kouan_document_parse("t.md", tab, sizeof tab - 1, &err);
    CHECK(doc && doc->view.n_blocks == 3 && doc->view.blocks[2].kind == KOUAN_BLOCK_TABLE);
    kouan_document_free(doc);
}

/* The seed chapter: front matter and contents are furniture, 第一章 is the
 * first heading, the page-broken paragraphs are whole, tables as before,
 * and every text leads back to the file. */
static void test_seed(void)
{
    kouan_document *doc = load(SEED);
    if (!doc) return;
    const kouan_doc *d = &doc->view;
    check_doc_exact(d);
    size_t i = 0;
    while (i < d->n_blocks && d->blocks[i].kind == KOUAN_BLOCK_FURNITURE) i++;
    CHECK(i > 10 && i < d->n_blocks);
    if (i >= d->n_blocks) { kouan_document_free(doc); return; }
    CHECK(d->blocks[i].kind == KOUAN_BLOCK_HEADING);
    CHECK_STR(d->blocks[i].text.str, "第一章");
    size_t furniture_after = 0, tables = 0, joined = 0, with_note = 0;
    for (size_t k = 0; k < d->n_blocks; k++) {
        const kouan_block *b = &d->blocks[k];
        if (k > i && b->kind == KOUAN_BLOCK_FURNITURE) furniture_after++;
        if (k < i) CHECK(b->kind == KOUAN_BLOCK_FURNITURE);
        if (b->kind == KOUAN_BLOCK_TABLE) {
            tables++;
            CHECK(b->caption != NULL);
        }
        if (strstr(b->text.str, "国家城镇化进程的一个组成部分")) {
            joined++;
            CHECK(b->kind == KOUAN_BLOCK_PARAGRAPH);
        }
        if (strstr(b->text.str, "我国只有 51 个口岸")) {
            with_note++;
            CHECK(k + 1 < d->n_blocks && d->blocks[k + 1].kind == KOUAN_BLOCK_FOOTNOTE);
        }
    }
    CHECK(furniture_after == 0);
    CHECK(tables == 4);                     /* 表 1-1, 表 1-2 and two 续表 */
    CHECK(joined == 1 && with_note == 1);
    /* the contents (tab-separated lines with dot leaders) are no tables */
    for (size_t k = 0; k < i; k++) CHECK(d->blocks[k].n_rows == 0);
    kouan_document_free(doc);
}

int main(void)
{
    test_blocks();
    test_page_breaks();
    test_front_matter();
    test_seed();
    test_refusals();
    test_utf8();
    test_doc_id();
    if (failures) fprintf(stderr, "%d checks failed\n", failures);
    return failures != 0;
}
