/* cmd_tokenize.c — `kouan tokenize`: a document's prose, segmented, with
 * each token's bytes in the original file. */
#include "cli.h"
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

typedef enum { FMT_TEXT, FMT_TSV, FMT_JSON } tok_format;

typedef struct text_tok {
    size_t line, start, end, seq;
    int    norm;       /* print text (normalised) instead of the file's bytes */
    char  *text;
} text_tok;

typedef struct printer {
    tok_format  fmt;
    FILE       *out;
    const char *bytes;    /* the original file (text format prints its bytes) */
    size_t      len;
    int         first;    /* json: no token yet */
    text_tok   *toks;     /* text: every token, printed at the end */
    size_t      n, cap;
} printer;

static int by_line(const void *a, const void *b)
{
    const text_tok *x = a, *y = b;
    if (x->line != y->line) return x->line < y->line ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* One output line per input line, tokens separated by single spaces. */
static void print_text(printer *p)
{
    if (p->n) qsort(p->toks, p->n, sizeof *p->toks, by_line);   /* toks NULL when n is 0 */
    size_t lines = 0;
    for (size_t i = 0; i < p->len; i++) lines += p->bytes[i] == '\n';
    if (p->len && p->bytes[p->len - 1] != '\n') lines++;
    size_t line = 1, k = 0;
    for (; line <= lines || k < p->n; line++) {
        for (int first = 1; k < p->n && p->toks[k].line == line; k++, first = 0) {
            if (!first) fputc(' ', p->out);
            if (p->toks[k].norm) fputs(p->toks[k].text, p->out);
            else fwrite(p->bytes + p->toks[k].start, 1,
                        p->toks[k].end - p->toks[k].start, p->out);
        }
        fputc('\n', p->out);
    }
}

static const char *kind_name(int k)
{
    switch (k) {
    case KOUAN_TOKEN_WORD:   return "word";
    case KOUAN_TOKEN_ENTITY: return "entity";
    case KOUAN_TOKEN_NUMBER: return "number";
    case KOUAN_TOKEN_PUNCT:  return "punct";
    case KOUAN_TOKEN_LATIN:  return "latin";
    default:                 return "other";
    }
}

static const char *class_name(int c)
{
    static const char *const N[] = { "", "Port", "Province", "TradeZone", "Country",
        "Prefecture", "County", "OpenBorderCity", "Transport" };
    return c > 0 && c < (int)(sizeof N / sizeof *N) ? N[c] : "";
}

static void json_string(FILE *f, const char *s, size_t n)
{
    fputc('"', f);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\') fprintf(f, "\\%c", c);
        else if (c < 0x20) fprintf(f, "\\u%04x", c);
        else fputc(c, f);
    }
    fputc('"', f);
}

static int on_token(const kouan_token_info *t, void *user)
{
    printer *p = user;
    switch (p->fmt) {
    case FMT_TEXT: {
        /* kept, then printed by line: a footnote inside a paragraph joined
           across a page break comes after that paragraph's later lines */
        if (p->n == p->cap) {
            size_t cap = p->cap ? p->cap * 2 : 1024;
            text_tok *v = realloc(p->toks, cap * sizeof *v);
            if (!v) return 1;
            p->toks = v;
            p->cap = cap;
        }
        text_tok *k = &p->toks[p->n++];
        k->line = t->line;
        k->start = t->start;
        k->end = t->end;
        k->seq = p->n;
        /* the original bytes, so that the output keeps the input's
           characters (what segmentation scorers compare), unless markup, an
           entity or a line break lies inside: then the normalised text */
        size_t a = t->start, b = t->end <= p->len ? t->end : p->len;
        k->norm = !p->bytes || a >= b || memchr(p->bytes + a, '<', b - a) ||
                  memchr(p->bytes + a, '&', b - a) || memchr(p->bytes + a, '\n', b - a);
        k->text = k->norm ? strndup(t->text, t->len) : NULL;
        if (k->norm && !k->text) return 1;
        break;
    }
    case FMT_TSV:
        fprintf(p->out, "%.*s\t%zu\t%zu\t%s\t%s\t%zu\n", (int)t->len, t->text,
                t->start, t->end, kind_name(t->kind), class_name(t->cls), t->line);
        break;
    case FMT_JSON:
        fputs(p->first ? "\n  {\"token\": " : ",\n  {\"token\": ", p->out);
        p->first = 0;
        json_string(p->out, t->text, t->len);
        fprintf(p->out, ", \"start\": %zu, \"end\": %zu, \"line\": %zu, "
                "\"kind\": \"%s\"", t->start, t->end, t->line, kind_name(t->kind));
        if (t->cls) fprintf(p->out, ", \"class\": \"%s\"", class_name(t->cls));
        if (t->sentence_start) fputs(", \"sentence_start\": true", p->out);
        fputc('}', p->out);
        break;
    }
    return ferror(p->out) ? 1 : 0;
}

/* Reads the whole file (for the text format's original bytes and line
 * count); NULL when it cannot (the tokenizer then reports why). */
static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    size_t cap = 1 << 16, n = 0, got;
    char *buf = malloc(cap);
    while (buf && (got = fread(buf + n, 1, cap - n, f)) > 0) {
        n += got;
        if (n == cap) {
            char *nb = realloc(buf, cap *= 2);
            if (!nb) { free(buf); buf = NULL; }
            else buf = nb;
        }
    }
    fclose(f);
    *len = n;
    return buf;
}

static int run(const cli_globals *g, int argc, char **argv)
{
    static const struct option opts[] = {
        { "format", required_argument, NULL, 'F' }, { NULL, 0, NULL, 0 } };
    tok_format fmt = FMT_TEXT;
    int c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "+:F:", opts, NULL)) != -1) {
        switch (c) {
        case 'F':
            if (!strcmp(optarg, "text")) fmt = FMT_TEXT;
            else if (!strcmp(optarg, "tsv")) fmt = FMT_TSV;
            else if (!strcmp(optarg, "json")) fmt = FMT_JSON;
            else return cli_usage_error(&cmd_tokenize, "unknown format “%s” (expected "
                                        "text, tsv or json)", optarg);
            break;
        case ':': return cli_usage_error(&cmd_tokenize, "option “%s” needs a value",
                                         argv[optind - 1]);
        default:  return cli_usage_error(&cmd_tokenize, "unknown option “%s”",
                                         argv[optind - 1]);
        }
    }
    if (argc - optind != 1)
        return cli_usage_error(&cmd_tokenize, "give exactly one FILE to tokenize");
    const char *path = argv[optind];

    /* No store is needed, and no plugins run. */
    kouan_options o = { .ontology_dir = g->ontology, .plugin_path = g->plugin_path,
                        .no_plugins = 1, .no_store = 1 };
    kouan_error err = {0};
    kouan *k = kouan_open(&o, &err);
    if (!k) {
        cli_error("%s", err.message);
        return EXIT_FAIL;
    }
    printer p = { fmt, stdout, NULL, 0, 0, NULL, 0, 0 };
    if (fmt == FMT_TEXT) p.bytes = slurp(path, &p.len);
    if (fmt == FMT_TSV) fputs("token\tstart\tend\tkind\tclass\tline\n", stdout);
    if (fmt == FMT_JSON) { fputc('[', stdout); p.first = 1; }
    int rc = kouan_tokenize_file(k, path, on_token, &p, &err);
    if (!rc && fmt == FMT_TEXT) print_text(&p);
    for (size_t i = 0; i < p.n; i++) free(p.toks[i].text);
    free(p.toks);
    if (!rc && fmt == FMT_JSON) fputs(p.first ? "]\n" : "\n]\n", stdout);
    free((char *)p.bytes);
    kouan_close(k);
    if (rc) {
        cli_error("%s", err.message);
        return EXIT_FAIL;
    }
    if (fflush(stdout) != 0 || ferror(stdout)) {
        cli_error("cannot write the output: %s", strerror(errno));
        return EXIT_FAIL;
    }
    return EXIT_OK;
}

const cli_command cmd_tokenize = {
    "tokenize", "segment a document's prose into tokens (words, names, numbers)",
    "Usage: kouan tokenize [--format text|tsv|json] FILE\n"
    "\n"
    "Reads FILE as `kouan extract` does (Markdown-like chapters, tables,\n"
    "footnotes), normalises its prose (NFKC, traditional → simplified),\n"
    "splits it into sentences and segments them, and prints the tokens.\n"
    "Tables are not printed: their names become words of this document, so\n"
    "a port listed in a table (甘其毛都) is one token in the prose — what the\n"
    "prose extractors will see.  No plugin runs; no store is opened.\n"
    "\n"
    "Formats:\n"
    "  text  one output line per input line, its tokens separated by single\n"
    "        spaces, in the file's own characters (the format segmentation\n"
    "        benchmarks score; lines without prose stay empty)  [default]\n"
    "  tsv   a header, then one token per line:\n"
    "          token  start  end  kind  class  line\n"
    "        token is the normalised text; [start, end) are byte offsets into\n"
    "        FILE (cutting them out gives the token as written); kind is word,\n"
    "        entity, number, punct or latin; class names an entity's class\n"
    "        (Port, Province, Country, County, …), empty otherwise\n"
    "  json  an array of {token, start, end, line, kind, class?,\n"
    "        sentence_start?} objects\n"
    "\n"
    "The lexicon: $KOUAN_LEXICON, else the build's lexicon/kouan.lex (compiled\n"
    "from jieba's dictionary, ontology/gazetteer/*.tsv and\n"
    "ontology/lexicon/*.txt by tools/mklexicon).\n"
    "\n"
    "Examples:\n"
    "  kouan tokenize corpus/000_7180f7658f0f6251.md | less\n"
    "  # every entity and its class\n"
    "  kouan tokenize --format tsv FILE | awk -F'\\t' '$4 == \"entity\"'\n"
    "  # a plain-text file, one sentence per line, for a segmentation scorer\n"
    "  kouan tokenize sentences.txt > segmented.txt\n"
    "\n"
    "Exit status: 0 success, 1 the file or the lexicon could not be read\n"
    "(the message names the file and, for bad text, the byte offset), 2 bad\n"
    "usage.\n",
    run
};
