/* test_sentence.c — sentences and clauses, quotes and brackets respected. */
#include "text/sentence.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int failures;
#define CHECK(cond) do { if (!(cond)) { failures++; \
    fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); } } while (0)

/* Split text and compare with the expected pieces joined by '|'. */
static void expect(int clauses, const char *text, const char *want, int line)
{
    kouan_range *r = NULL;
    size_t n = 0;
    int rc = clauses ? kouan_clauses(text, strlen(text), &r, &n)
                     : kouan_sentences(text, strlen(text), &r, &n);
    char got[4096];
    size_t k = 0;
    for (size_t i = 0; i < n && k + (r[i].end - r[i].start) + 2 < sizeof got; i++) {
        if (i) got[k++] = '|';
        memcpy(got + k, text + r[i].start, r[i].end - r[i].start);
        k += r[i].end - r[i].start;
        if (i && r[i].start < r[i - 1].end) { failures++; fprintf(stderr, "overlap\n"); }
    }
    got[k] = '\0';
    if (rc != 0 || strcmp(got, want) != 0) {
        failures++;
        fprintf(stderr, "%s:%d: got “%s”, expected “%s”\n", __FILE__, line, got, want);
    }
    free(r);
}
#define S(t, w) expect(0, t, w, __LINE__)
#define C(t, w) expect(1, t, w, __LINE__)

int main(void)
{
    S("", "");
    S("   ", "");
    S("樟木口岸位于聂拉木县。吉隆口岸对尼泊尔开放！", "樟木口岸位于聂拉木县。|吉隆口岸对尼泊尔开放！");
    S("真的吗？！是的。", "真的吗？！|是的。");
    S("A; B!? C", "A;|B!?|C");
    S("甲；乙", "甲；|乙");
    /* no cut inside quotes or titles; the closer stays with its sentence */
    S("他说：“口岸开放。边贸发展。”随后离开。下一句",
      "他说：“口岸开放。边贸发展。”随后离开。|下一句");
    S("见《关于口岸开放的若干规定。》一文。完", "见《关于口岸开放的若干规定。》一文。|完");
    S("（注：此处从略。）正文。", "（注：此处从略。）正文。");
    S("(2013年。)正文。尾", "(2013年。)正文。|尾");
    S("「甲。」乙。", "「甲。」乙。");
    S("【说明。】乙。丙", "【说明。】乙。|丙");
    /* an unclosed bracket does not swallow the rest */
    S("边境（未闭合。第二句。第三句", "边境（未闭合。|第二句。|第三句");
    S("他说“没有结束。下一句。", "他说“没有结束。|下一句。");
    /* a stray closer after a terminator stays with the sentence */
    S("结束。”下一句。", "结束。”|下一句。");
    /* lines are sentence boundaries; spaces are trimmed */
    S("第一行\n 第二行。 \n\n第三行", "第一行|第二行。|第三行");
    S("（跨行\n开始。）", "（跨行|开始。）");

    C("我国与朝鲜、俄罗斯和蒙古接壤，口岸众多：铁路、公路。",
      "我国与朝鲜、|俄罗斯和蒙古接壤，|口岸众多：|铁路、|公路。");
    C("据《中华人民共和国海关法，第一条》规定，口岸开放", "据《中华人民共和国海关法，第一条》规定，|口岸开放");
    C("（甲，乙）丙,丁:戊", "（甲，乙）丙,|丁:|戊");
    C("共1,000个,其中10:30开放,见http://a.b", "共1,000个,|其中10:30开放,|见http://a.b");
    C("1,2,3", "1,|2,|3");
    C("A、B和C", "A、|B和C");
    if (failures) fprintf(stderr, "%d checks failed\n", failures);
    return failures != 0;
}
