/* mklexicon.c — build-time tool: compiles jieba's dict.txt, the ontology's
 * gazetteers and the user lexicons into one kouan.lex file (a trie that the
 * core maps into memory and uses without parsing; see
 * core/src/text/lexicon_format.h).
 *
 *   mklexicon -o OUT -j DICT [-g CLASS=GAZETTEER.tsv]… [USER.txt]…
 *
 * Inputs (all UTF-8):
 *   DICT        jieba's dict.txt: "word freq pos" per line (MIT licence)
 *   GAZETTEER   label<TAB>code<TAB>aliases[<TAB>abbreviations], # comments;
 *               labels and aliases of two or more characters become words of
 *               CLASS (Province, Country, TradeZone…); abbreviations are not
 *               words (they are one character and ambiguous)
 *   USER        word[<TAB>freq[<TAB>Class]], # comments (ontology/lexicon/)
 * A word given by several inputs keeps its highest frequency, except that a
 * gazetteer name jieba knows keeps jieba's frequency (unknown names get a
 * high one); its class comes from the user lexicon, else the gazetteer.  Words with ASCII characters are
 * left out: the segmenter reads ASCII runs by rule, never from the lexicon.
 * Errors name the file and line and say what was expected; exit status 1. */
#include "text/lexicon_format.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Gazetteer names and user words without a frequency get at least this: high
 * enough that a name stays whole rather than split into common words. */
#define ENTITY_FREQ 20000.0
#define USER_FREQ   10000.0

enum { FROM_DICT = 0, FROM_GAZETTEER = 1, FROM_USER = 2 };

typedef struct entry {
    size_t   cp;      /* index of the first code point in the pool */
    uint32_t len;     /* code points */
    uint8_t  cls, from;
    double   freq;
} entry;

static uint32_t *pool;
static size_t    pool_n, pool_cap;
static entry    *ents;
static size_t    ents_n, ents_cap;

static void die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("mklexicon: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(1);
}

static void *grow(void *p, size_t *cap, size_t need, size_t size)
{
    if (need <= *cap) return p;
    size_t c = *cap ? *cap : 1024;
    while (c < need) c *= 2;
    void *q = realloc(p, c * size);
    if (!q) die("out of memory");
    *cap = c;
    return q;
}

/* Decodes one UTF-8 character; returns its length or 0 if invalid. */
static int utf8_decode(const unsigned char *s, size_t n, uint32_t *cp)
{
    if (n == 0) return 0;
    if (s[0] < 0x80) { *cp = s[0]; return 1; }
    int len = s[0] >= 0xF0 ? 4 : s[0] >= 0xE0 ? 3 : s[0] >= 0xC0 ? 2 : 0;
    if (!len || (size_t)len > n || s[0] > 0xF4) return 0;
    uint32_t c = s[0] & (0x7F >> len);
    for (int i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80) return 0;
        c = (c << 6) | (s[i] & 0x3F);
    }
    *cp = c;
    return len;
}

/* Adds word w[0..n) unless it has ASCII characters or fewer than min_chars.
 * Returns 1 when added, 0 when skipped, -1 when not UTF-8. */
static int add_word(const char *w, size_t n, double freq, int cls, int from,
                    uint32_t min_chars)
{
    size_t start = pool_n;
    for (size_t i = 0; i < n;) {
        uint32_t c;
        int l = utf8_decode((const unsigned char *)w + i, n - i, &c);
        if (!l) { pool_n = start; return -1; }
        if (c < 0x80) { pool_n = start; return 0; }
        pool = grow(pool, &pool_cap, pool_n + 1, sizeof *pool);
        pool[pool_n++] = c;
        i += (size_t)l;
    }
    uint32_t len = (uint32_t)(pool_n - start);
    if (len == 0 || len < min_chars) { pool_n = start; return 0; }
    ents = grow(ents, &ents_cap, ents_n + 1, sizeof *ents);
    ents[ents_n++] = (entry){ start, len, (uint8_t)cls, (uint8_t)from, freq };
    return 1;
}

static FILE *open_or_die(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f) die("%s: cannot open: %s", path, strerror(errno));
    return f;
}

static void chomp(char *s, size_t *n)
{
    while (*n && (s[*n - 1] == '\n' || s[*n - 1] == '\r')) s[--*n] = '\0';
}

static void read_jieba(const char *path)
{
    FILE *f = open_or_die(path);
    char *line = NULL;
    size_t cap = 0, lineno = 0;
    ssize_t got;
    while ((got = getline(&line, &cap, f)) != -1) {
        size_t n = (size_t)got;
        lineno++;
        chomp(line, &n);
        if (n == 0) continue;
        char *sp = strchr(line, ' ');
        char *end = NULL;
        double freq = sp ? strtod(sp + 1, &end) : 0;
        if (!sp || end == sp + 1 || freq <= 0)
            die("%s:%zu: expected \"word frequency [tag]\"", path, lineno);
        if (add_word(line, (size_t)(sp - line), freq, 0, FROM_DICT, 1) < 0)
            die("%s:%zu: expected UTF-8 text", path, lineno);
    }
    free(line);
    fclose(f);
}

static void read_gazetteer(const char *path, int cls)
{
    FILE *f = open_or_die(path);
    char *line = NULL;
    size_t cap = 0, lineno = 0;
    ssize_t got;
    while ((got = getline(&line, &cap, f)) != -1) {
        size_t n = (size_t)got;
        lineno++;
        chomp(line, &n);
        if (n == 0 || line[0] == '#') continue;
        char *tab1 = strchr(line, '\t');
        char *tab2 = tab1 ? strchr(tab1 + 1, '\t') : NULL;
        if (!tab1 || !tab2)
            die("%s:%zu: expected label<TAB>code<TAB>aliases", path, lineno);
        char *tab3 = strchr(tab2 + 1, '\t');   /* abbreviations: not words */
        if (tab3) *tab3 = '\0';
        if (add_word(line, (size_t)(tab1 - line), ENTITY_FREQ, cls,
                     FROM_GAZETTEER, 2) < 0)
            die("%s:%zu: expected UTF-8 text", path, lineno);
        for (char *p = tab2 + 1; *p;) {
            char *e = strchr(p, ' ');
            size_t len = e ? (size_t)(e - p) : strlen(p);
            if (len && add_word(p, len, ENTITY_FREQ, cls, FROM_GAZETTEER, 2) < 0)
                die("%s:%zu: expected UTF-8 text", path, lineno);
            p += len + (e != NULL);
        }
    }
    free(line);
    fclose(f);
}

static const char *const CLASS_NAMES[] = {
    NULL, "Port", "Province", "TradeZone", "Country", "Prefecture", "County",
    "OpenBorderCity", "Transport"
};

static int class_of(const char *name)
{
    for (int i = 1; i < (int)(sizeof CLASS_NAMES / sizeof *CLASS_NAMES); i++)
        if (!strcmp(name, CLASS_NAMES[i])) return i;
    return -1;
}

static void read_user(const char *path)
{
    FILE *f = open_or_die(path);
    char *line = NULL;
    size_t cap = 0, lineno = 0;
    ssize_t got;
    static const char FORMAT[] = "word[<TAB>frequency[<TAB>Class]]";
    while ((got = getline(&line, &cap, f)) != -1) {
        size_t n = (size_t)got;
        lineno++;
        chomp(line, &n);
        if (n == 0 || line[0] == '#') continue;
        char *field[4] = { line, NULL, NULL, NULL };
        int nf = 1;
        for (char *p = line; (p = strchr(p, '\t')); ) {
            *p++ = '\0';
            if (nf == 3) die("%s:%zu: expected %s, found more than three fields",
                             path, lineno, FORMAT);
            field[nf++] = p;
        }
        if (!*field[0] || strpbrk(field[0], " \t"))
            die("%s:%zu: expected a word without spaces, then %s", path, lineno,
                FORMAT + 4);
        double freq = USER_FREQ;
        if (nf >= 2) {
            char *end = NULL;
            errno = 0;
            freq = strtod(field[1], &end);
            if (!*field[1] || *end || errno || !(freq > 0) || !isfinite(freq))
                die("%s:%zu: expected a positive frequency after the word, found "
                    "\"%s\"", path, lineno, field[1]);
        }
        int cls = 0;
        if (nf == 3 && (cls = class_of(field[2])) < 0)
            die("%s:%zu: expected a class (Port, Province, TradeZone, Country, "
                "Prefecture, County, OpenBorderCity, Transport), found \"%s\"",
                path, lineno, field[2]);
        int r = add_word(field[0], strlen(field[0]), freq, cls, FROM_USER, 1);
        if (r < 0) die("%s:%zu: expected UTF-8 text", path, lineno);
        if (r == 0)
            die("%s:%zu: expected a word without ASCII characters (Latin words "
                "and numbers are read by rule), found \"%s\"", path, lineno, field[0]);
    }
    free(line);
    fclose(f);
}

static int cmp_entry(const void *a, const void *b)
{
    const entry *x = a, *y = b;
    uint32_t n = x->len < y->len ? x->len : y->len;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t p = pool[x->cp + i], q = pool[y->cp + i];
        if (p != q) return p < q ? -1 : 1;
    }
    if (x->len != y->len) return x->len < y->len ? -1 : 1;
    return (int)x->from - (int)y->from;
}

/* Sorts and merges duplicates: highest frequency, class from the
 * highest-priority input that gives one. */
static void merge(void)
{
    qsort(ents, ents_n, sizeof *ents, cmp_entry);
    size_t out = 0;
    for (size_t i = 0; i < ents_n; i++) {
        if (out && ents[out - 1].len == ents[i].len &&
            !memcmp(pool + ents[out - 1].cp, pool + ents[i].cp,
                    ents[i].len * sizeof *pool)) {
            entry *m = &ents[out - 1];
            /* a gazetteer name the general lexicon knows keeps its own
               frequency (boosting 东北 would split 东北亚); names it does
               not know get ENTITY_FREQ, user words their own */
            if (ents[i].from == FROM_GAZETTEER && m->from == FROM_DICT) {
                /* keep m->freq */
            } else if (m->from == FROM_GAZETTEER && ents[i].from == FROM_DICT) {
                m->freq = ents[i].freq;
            } else {
                m->freq = fmax(m->freq, ents[i].freq);
            }
            if (ents[i].cls) m->cls = ents[i].cls;   /* later = higher priority */
            m->from = ents[i].from;
            continue;
        }
        ents[out++] = ents[i];
    }
    ents_n = out;
}

typedef struct item { uint32_t node; size_t lo, hi; uint32_t depth; } item;

int main(int argc, char **argv)
{
    const char *out = NULL, *dict = NULL;
    int i = 1;
    for (; i < argc && argv[i][0] == '-'; i++) {
        if (!strcmp(argv[i], "-o") && i + 1 < argc) out = argv[++i];
        else if (!strcmp(argv[i], "-j") && i + 1 < argc) dict = argv[++i];
        else if (!strcmp(argv[i], "-g") && i + 1 < argc) {
            char *spec = argv[++i], *eq = strchr(spec, '=');
            if (!eq) die("-g expects CLASS=FILE, found \"%s\"", spec);
            *eq = '\0';
            int cls = class_of(spec);
            if (cls < 0) die("-g: unknown class \"%s\"", spec);
            read_gazetteer(eq + 1, cls);
        } else die("usage: mklexicon -o OUT -j DICT [-g CLASS=FILE]… [USER.txt]…");
    }
    if (!out || !dict)
        die("usage: mklexicon -o OUT -j DICT [-g CLASS=FILE]… [USER.txt]…");
    read_jieba(dict);
    for (; i < argc; i++) read_user(argv[i]);
    merge();

    double total = 0;
    for (size_t k = 0; k < ents_n; k++) total += ents[k].freq;
    double log_total = log(total);

    /* Breadth-first trie: the children of a node are contiguous. */
    kouan_lex_node *nodes = NULL;
    size_t n_nodes = 1, nodes_cap = 0;
    nodes = grow(nodes, &nodes_cap, 1, sizeof *nodes);
    memset(nodes, 0, sizeof *nodes);
    item *queue = NULL;
    size_t qh = 0, qt = 0, qcap = 0;
    queue = grow(queue, &qcap, 1, sizeof *queue);
    queue[qt++] = (item){ 0, 0, ents_n, 0 };
    while (qh < qt) {
        item it = queue[qh++];
        size_t lo = it.lo;
        if (lo < it.hi && ents[lo].len == it.depth) {
            nodes[it.node].logp = (float)(log(ents[lo].freq) - log_total);
            if (nodes[it.node].logp >= 0) nodes[it.node].logp = -1e-6f;
            nodes[it.node].kids |= (uint32_t)ents[lo].cls << 24;
            lo++;
        }
        uint32_t first = (uint32_t)n_nodes, kids = 0;
        for (size_t a = lo; a < it.hi;) {
            uint32_t c = pool[ents[a].cp + it.depth];
            size_t b = a + 1;
            while (b < it.hi && pool[ents[b].cp + it.depth] == c) b++;
            nodes = grow(nodes, &nodes_cap, n_nodes + 1, sizeof *nodes);
            nodes[n_nodes] = (kouan_lex_node){ c, 0, 0, 0.0f };
            queue = grow(queue, &qcap, qt + 1, sizeof *queue);
            queue[qt++] = (item){ (uint32_t)n_nodes, a, b, it.depth + 1 };
            n_nodes++;
            kids++;
            a = b;
        }
        if (kids > 0xFFFFFFu) die("too many children under one node");
        nodes[it.node].first = first;
        nodes[it.node].kids |= kids;
    }

    static uint32_t bmp[KOUAN_LEX_BMP];
    for (uint32_t k = 0; k < KOUAN_LEX_KIDS(&nodes[0]); k++) {
        uint32_t idx = nodes[0].first + k;
        if (nodes[idx].cp < KOUAN_LEX_BMP) bmp[nodes[idx].cp] = idx;
    }

    kouan_lex_header h;
    memset(&h, 0, sizeof h);
    memcpy(h.magic, KOUAN_LEX_MAGIC, 8);
    h.version = KOUAN_LEX_VERSION;
    h.n_nodes = (uint32_t)n_nodes;
    h.n_words = (uint32_t)ents_n;
    h.node_size = sizeof(kouan_lex_node);
    h.bmp_offset = sizeof h;
    h.nodes_offset = h.bmp_offset + sizeof bmp;
    h.file_size = h.nodes_offset + n_nodes * sizeof *nodes;
    h.log_total = log_total;
    h.unknown_logp = (float)-log_total;

    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s.tmp", out);
    FILE *f = fopen(tmp, "wb");
    if (!f) die("%s: cannot write: %s", tmp, strerror(errno));
    if (fwrite(&h, sizeof h, 1, f) != 1 || fwrite(bmp, sizeof bmp, 1, f) != 1 ||
        fwrite(nodes, sizeof *nodes, n_nodes, f) != n_nodes || fclose(f) != 0)
        die("%s: cannot write: %s", tmp, strerror(errno));
    if (rename(tmp, out) != 0) die("%s: cannot rename: %s", out, strerror(errno));
    printf("mklexicon: %s: %zu words, %zu trie nodes, %.1f MB\n", out, ents_n,
           n_nodes, (double)h.file_size / 1e6);
    free(nodes); free(queue); free(ents); free(pool);
    return 0;
}
