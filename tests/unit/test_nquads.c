/* test_nquads.c — the N-Quads writer of graph/graph.c: N-Triples 1.1
 * escaping of IRIs and literals, and lines in strcmp order (the writer
 * sorts on a key taken after the lines' common prefix). */
#include "graph/graph.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int failures;
#define CHECK(cond) do { if (!(cond)) { failures++; \
    fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); } } while (0)

static char *format(kouan_triple *v, size_t n, const char *graph, size_t *len)
{
    kouan_graph g;
    memset(&g, 0, sizeof g);
    g.v = v;
    g.n = g.cap = n;
    g.iri = graph;
    kouan_error err = { 0 };
    char *text = NULL;
    CHECK(kouan_graph_format_nquads(&g, &text, len, &err) == KOUAN_OK);
    return text;
}

static void test_escapes(void)
{
    kouan_triple v[] = {
        { "http://x/s", "http://x/p", "a\"b\\c\nd\re\tf\x01g 樟木", KOUAN_TERM_LITERAL, "zh", NULL },
        { "http://x/a b<c>{d}|e^f`g\\h\"i", "http://x/p", "http://x/o", KOUAN_TERM_IRI, NULL, NULL },
        { "http://x/s", "http://x/n", "12", KOUAN_TERM_LITERAL, NULL,
          "http://www.w3.org/2001/XMLSchema#integer" },
    };
    size_t len;
    char *t = format(v, 3, "http://x/g", &len);
    const char *want =
        "<http://x/a\\u0020b\\u003Cc\\u003E\\u007Bd\\u007D\\u007Ce\\u005Ef\\u0060g\\u005Ch\\u0022i>"
        " <http://x/p> <http://x/o> <http://x/g> .\n"
        "<http://x/s> <http://x/n> \"12\"^^<http://www.w3.org/2001/XMLSchema#integer> <http://x/g> .\n"
        "<http://x/s> <http://x/p> \"a\\\"b\\\\c\\nd\\re\\u0009f\\u0001g 樟木\"@zh <http://x/g> .\n";
    CHECK(t && len == strlen(want) && memcmp(t, want, len) == 0);
    if (t && (len != strlen(want) || memcmp(t, want, len)))
        fprintf(stderr, "got:\n%.*s\nwanted:\n%s", (int)len, t, want);
    free(t);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Lines that share a long prefix and differ late, or by length only just
 * after the 8-byte key: the order is strcmp's. */
static void test_order(void)
{
    enum { N = 400 };
    kouan_triple v[N];
    char subj[N][64], obj[N][32];
    unsigned r = 12345;
    for (size_t i = 0; i < N; i++) {
        r = r * 1103515245u + 12345u;
        snprintf(subj[i], sizeof subj[i], "https://w3id.org/kouan/doc/d#f%u", (r >> 8) % 97);
        snprintf(obj[i], sizeof obj[i], "%zu", i % 13 * 7919 % 1000);
        v[i] = (kouan_triple){ subj[i], i % 3 ? "http://x/p" : "http://x/pp", obj[i],
                               KOUAN_TERM_LITERAL, NULL, NULL };
    }
    /* duplicates would be one triple in a real graph: drop them here */
    size_t n = 0;
    for (size_t i = 0; i < N; i++) {
        int dup = 0;
        for (size_t j = 0; j < n && !dup; j++)
            dup = !strcmp(v[j].s, v[i].s) && !strcmp(v[j].p, v[i].p) && !strcmp(v[j].o, v[i].o);
        if (!dup) v[n++] = v[i];
    }
    size_t len;
    char *t = format(v, n, "https://w3id.org/kouan/doc/d", &len);
    if (!t) return;
    /* split, sort with strcmp, join: must be what the writer wrote */
    char *copy = malloc(len + 1), **lines = malloc(n * sizeof *lines);
    memcpy(copy, t, len);
    copy[len] = '\0';
    size_t k = 0;
    for (char *p = copy, *nl; k < n && (nl = strchr(p, '\n')); p = nl + 1) {
        *nl = '\0';
        lines[k++] = p;
    }
    CHECK(k == n);
    qsort(lines, k, sizeof *lines, cmp_str);
    size_t at = 0;
    int same = 1;
    for (size_t i = 0; i < k && same; i++) {
        size_t l = strlen(lines[i]);
        same = at + l < len && !memcmp(t + at, lines[i], l) && t[at + l] == '\n';
        at += l + 1;
    }
    CHECK(same && at == len);
    free(lines);
    free(copy);
    free(t);
}

int main(void)
{
    test_escapes();
    test_order();
    if (failures) fprintf(stderr, "%d check(s) failed\n", failures);
    return failures ? 1 : 0;
}
