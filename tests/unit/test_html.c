/* test_html.c — HTML pages: headings, paragraphs, <br>, entities, dropped
 * elements, tables with rowspan/colspan laid out one cell per column,
 * captions, <meta charset> refusals, and exact byte maps. */
#include "doccheck.h"

static kouan_document *load(const char *name)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", FIXTURES_DIR, name);
    kouan_error err = {0};
    kouan_document *doc = kouan_document_load(path, &err);
    if (!doc) fprintf(stderr, "%s\n", err.message);
    return doc;
}

static const char *cell(const kouan_block *b, size_t r, size_t c)
{
    if (r >= b->n_rows || c >= b->rows[r].n_cells) return "(none)";
    return b->rows[r].cells[c].text.str;
}

static void test_page(void)
{
    kouan_document *doc = load("ports.html");
    CHECK(doc != NULL);
    if (!doc) return;
    const kouan_doc *d = &doc->view;
    check_doc_exact(d);
    CHECK(d->n_blocks == 9);
    if (d->n_blocks != 9) { kouan_document_free(doc); return; }
    const kouan_block *b = d->blocks;

    /* <head>, <style>, <script>, <nav> are gone: the first block is <h1> */
    CHECK(b[0].kind == KOUAN_BLOCK_HEADING && b[0].level == 1 && b[0].line == 11);
    CHECK_STR(b[0].text.str, "中国陆地边境口岸");
    for (size_t i = 0; i < d->n_blocks; i++) {
        CHECK(strstr(d->blocks[i].text.str, "不是正文") == NULL);
        CHECK(strstr(d->blocks[i].text.str, "首页") == NULL);
        CHECK(strstr(d->blocks[i].text.str, "color") == NULL);
    }
    /* entities decoded (mapped to their '&'), <br> a line break, the
       source's line break between Chinese characters gone */
    CHECK(b[1].kind == KOUAN_BLOCK_PARAGRAPH && b[1].line == 12);
    CHECK_STR(b[1].text.str, "本页列出部分边境口岸&所在地，数据截至2013年底。\n"
              "第二行：樟木口岸\xC2\xA0位于聂拉木县，对尼泊尔开放。");
    const char *amp = strchr(b[1].text.str, '&');
    CHECK(memcmp(d->bytes + b[1].text.orig[amp - b[1].text.str], "&amp;", 5) == 0);
    const char *nl = strchr(b[1].text.str, '\n');
    CHECK(memcmp(d->bytes + b[1].text.orig[nl - b[1].text.str], "<br>", 4) == 0);
    /* the span covers the text, from its first to its last byte */
    CHECK(memcmp(d->bytes + b[1].span.start, "本页", strlen("本页")) == 0);
    CHECK(memcmp(d->bytes + b[1].span.end - strlen("开放。"), "开放。", strlen("开放。")) == 0);
    CHECK_STR(b[2].text.str, "满洲里口岸是中国最大的陆路口岸。");   /* &#12290; */
    CHECK(d->bytes[b[2].text.orig[b[2].text.len - 1]] == '&');
    CHECK(b[2].span.end > b[2].text.orig[b[2].text.len - 1] + 7);  /* covers "&#12290;" */

    /* the table: one cell per column, rowspan repeated down, colspan right */
    const kouan_block *t = &b[4];
    CHECK(t->kind == KOUAN_BLOCK_TABLE && t->n_rows == 6 && t->line == 17);
    CHECK(t->caption == &b[3].text);                 /* the "表 2-1" paragraph */
    for (size_t r = 0; r < t->n_rows; r++) CHECK(t->rows[r].n_cells == 4);
    CHECK_STR(cell(t, 0, 0), "口岸名称");
    CHECK_STR(cell(t, 0, 3), "运输方式");
    CHECK_STR(cell(t, 1, 1), "内蒙古");
    CHECK_STR(cell(t, 2, 0), "二连浩特");
    CHECK_STR(cell(t, 2, 1), "内蒙古");              /* rowspan="2" */
    CHECK_STR(cell(t, 2, 2), "蒙古");
    CHECK_STR(cell(t, 2, 3), "铁路、公路");
    CHECK(t->rows[2].cells[1].span.start == t->rows[1].cells[1].span.start);
    CHECK_STR(cell(t, 3, 2), "尼泊尔 公路");          /* colspan="2" */
    CHECK_STR(cell(t, 3, 3), "尼泊尔 公路");
    CHECK_STR(cell(t, 5, 0), "吉隆");                /* rowspan on the first column */
    CHECK_STR(cell(t, 5, 1), "西藏");
    CHECK_STR(cell(t, 5, 3), "公路<新>");
    CHECK(t->rows[2].line == 20);
    CHECK(strstr(t->text.str, "二连浩特\t内蒙古\t蒙古\t铁路、公路\n") != NULL);
    const kouan_cell *c = &t->rows[1].cells[0];
    CHECK(c->span.end - c->span.start == strlen("满洲里"));
    CHECK(memcmp(d->bytes + c->span.start, "满洲里", strlen("满洲里")) == 0);

    /* <caption> */
    CHECK(b[5].kind == KOUAN_BLOCK_TABLE && b[5].caption != NULL);
    if (b[5].caption) CHECK_STR(b[5].caption->str, "表 2-2 新疆口岸");
    CHECK(b[5].n_rows == 1 && b[5].rows[0].n_cells == 2);

    CHECK(b[6].kind == KOUAN_BLOCK_HEADING && b[6].level == 2);
    CHECK_STR(b[7].text.str, "霍尔果斯口岸对哈萨克斯坦开放。");   /* one <li> each */
    CHECK_STR(b[8].text.str, "红其拉甫口岸对巴基斯坦开放。");
    kouan_document_free(doc);
}

static void test_detection_and_refusals(void)
{
    kouan_error err = {0};
    char path[1024];
    snprintf(path, sizeof path, "%s/gbk.html", FIXTURES_DIR);
    CHECK(kouan_document_load(path, &err) == NULL);
    CHECK(err.code == KOUAN_EINPUT);
    CHECK(strstr(err.message, "gbk.html: line 2: the page declares charset \"gbk\"") != NULL);
    snprintf(path, sizeof path, "%s/gb2312.htm", FIXTURES_DIR);
    CHECK(kouan_document_load(path, &err) == NULL);
    CHECK(strstr(err.message, "charset \"GB2312\"") != NULL);   /* not a UTF-8 complaint */

    /* a .txt that looks like HTML is still plain text */
    kouan_document *doc = load("looks_like.txt");
    CHECK(doc && doc->view.n_blocks == 1);
    if (doc) {
        CHECK_STR(doc->view.blocks[0].text.str, "这不是网页，是纯文本。");
        check_doc_exact(&doc->view);
    }
    kouan_document_free(doc);

    /* no extension: sniffed by its first bytes */
    static const char page[] = "\xEF\xBB\xBF\n<!doctype HTML><p>甲&lt;乙</p><p>丙</p>";
    doc = kouan_document_parse("page", page, sizeof page - 1, &err);
    CHECK(doc && doc->view.n_blocks == 2);
    if (doc && doc->view.n_blocks == 2) {
        CHECK_STR(doc->view.blocks[0].text.str, "甲<乙");
        check_doc_exact(&doc->view);
    }
    kouan_document_free(doc);

    /* invalid UTF-8 in a page: refused with the byte offset */
    static const char bad[] = "<html><body><p>中\x80文</p></body></html>";
    CHECK(kouan_document_parse("bad.html", bad, sizeof bad - 1, &err) == NULL);
    CHECK(strstr(err.message, "at byte 18") != NULL);

    /* an unclosed table, a stray cell, CRLF line ends */
    static const char rough[] = "<html>\r\n<body>\r\n<h2>标题\r\n一</h2>\r\n"
                                "<table><td>甲<td rowspan=9>乙\r\n<tr><td>丙</table>"
                                "<p>尾&amp;</p><table><tr><td>未闭合";
    doc = kouan_document_parse("rough.html", rough, sizeof rough - 1, &err);
    CHECK(doc != NULL);
    if (doc) {
        const kouan_doc *d = &doc->view;
        check_doc_exact(d);
        CHECK(d->n_blocks == 4);
        if (d->n_blocks == 4) {
            CHECK_STR(d->blocks[0].text.str, "标题一");
            CHECK(d->blocks[1].n_rows == 2);
            CHECK_STR(cell(&d->blocks[1], 1, 1), "乙");   /* rowspan capped at the table */
            CHECK_STR(cell(&d->blocks[1], 1, 0), "丙");
            CHECK(d->blocks[3].kind == KOUAN_BLOCK_TABLE);
        }
    }
    kouan_document_free(doc);
}

int main(void)
{
    test_page();
    test_detection_and_refusals();
    if (failures) fprintf(stderr, "%d checks failed\n", failures);
    return failures != 0;
}
