/* stats.c — the stats plugin: area, population and trade volume of regions
 * from prose ("其面积为 197 万平方公里，约占全国总面积的 20.5%；2013 年人口为
 * 13448 万人"), as values in base units with their year, unit and share of
 * the national total (ABI 1.2 qualifiers: the core writes the statement node
 * as a sosa:Observation).  A prose-stage plugin reading the token view.
 *
 * Every word it looks for — measure cues, links, magnitudes, units and their
 * factors, year suffixes, anaphors, share and future cues, the classes that
 * can be subjects — comes from ontology/stats.tsv (its header explains the
 * reading); nothing here knows a region or a figure.  For each paragraph
 * sentence, each measure cue followed across link words by a number with an
 * accepted unit becomes one fact, when its subject is found and the clause
 * states no plan or forecast. */
#define _POSIX_C_SOURCE 200809L

#include <kouan/plugin.h>
#include "number.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ST_FILE          "stats.tsv"
#define ST_UNIT_TOKENS   3    /* tokens after a number that may hold its magnitude and unit */
#define ST_SHARE_TOKENS  16   /* tokens after a value searched for its share phrase */
#define ST_HEADING_LEVELS 7   /* heading levels 1..6 */

/* ---- the data of stats.tsv ---------------------------------------------------- */

/* A list of words, each matched against whole tokens. */
typedef struct st_words {
    char  **v;
    size_t  n;
    /* which first characters (3 bytes, hashed) the words of 3 bytes or
       more start with: match_at skips a token no word can start at */
    unsigned char lead3[512];
} st_words;

static size_t lead3_bit(const char *p)
{
    const unsigned char *u = (const unsigned char *)p;
    return ((size_t)u[0] * 961u + (size_t)u[1] * 31u + u[2]) & 4095u;
}

typedef struct st_measure {
    char     *predicate;     /* area */
    char     *datatype;      /* decimal | integer */
    st_words  units;         /* base units it takes: km2 */
    st_words  cues;          /* 面积 土地面积 */
    char     *bare;          /* unit of a value without a unit word, or NULL */
} st_measure;

typedef struct st_factor {
    char   *word;            /* 亿, 公顷 */
    char   *base;            /* units: km2; magnitudes: NULL */
    st_dec  factor;
} st_factor;

typedef struct stats_state {
    st_measure *measures;
    size_t      n_measures;
    st_factor  *magnitudes, *units;
    size_t      n_magnitudes, n_units;
    st_words    links, years, anaphors, modifiers, conjunctions;
    st_words    share_verbs, share_national, future;
    unsigned    subject_classes;     /* bit per kouan_class */
} stats_state;

static void words_free(st_words *w)
{
    for (size_t i = 0; i < w->n; i++)
        free(w->v[i]);
    free(w->v);
    w->v = NULL;
    w->n = 0;
    memset(w->lead3, 0, sizeof w->lead3);
}

static void stats_free(stats_state *st)
{
    if (!st)
        return;
    for (size_t i = 0; i < st->n_measures; i++) {
        free(st->measures[i].predicate);
        free(st->measures[i].datatype);
        free(st->measures[i].bare);
        words_free(&st->measures[i].units);
        words_free(&st->measures[i].cues);
    }
    free(st->measures);
    for (size_t i = 0; i < st->n_magnitudes; i++)
        free(st->magnitudes[i].word);
    free(st->magnitudes);
    for (size_t i = 0; i < st->n_units; i++) {
        free(st->units[i].word);
        free(st->units[i].base);
    }
    free(st->units);
    st_words *lists[] = { &st->links, &st->years, &st->anaphors, &st->modifiers,
                          &st->conjunctions, &st->share_verbs, &st->share_national,
                          &st->future };
    for (size_t i = 0; i < sizeof lists / sizeof lists[0]; i++)
        words_free(lists[i]);
    free(st);
}

/* ---- reading stats.tsv ---------------------------------------------------------- */

typedef struct st_reader {
    const kouan_config *cfg;
    const char         *path;
    size_t              line;
} st_reader;

static int fail_at(const st_reader *r, int code, const char *fmt, ...)
{
    char msg[1024], what[900];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    if (r->line)
        snprintf(msg, sizeof msg, "%s:%zu: %s", r->path, r->line, what);
    else
        snprintf(msg, sizeof msg, "%s: %s", r->path, what);
    return r->cfg->error ? r->cfg->error(r->cfg, code, msg) : code;
}

#define ST_NOMEM(r) fail_at((r), KOUAN_ENOMEM, "out of memory")

/* Appends the space-separated words of field to w.  KOUAN_OK or ENOMEM. */
static int words_add(st_words *w, const char *field)
{
    const char *p = field;
    while (*p) {
        while (*p == ' ')
            p++;
        size_t n = strcspn(p, " ");
        if (!n)
            break;
        char **v = realloc(w->v, (w->n + 1) * sizeof *v);
        if (!v)
            return KOUAN_ENOMEM;
        w->v = v;
        if (!(w->v[w->n] = strndup(p, n)))
            return KOUAN_ENOMEM;
        if (n >= 3) {
            size_t b = lead3_bit(w->v[w->n]);
            w->lead3[b >> 3] |= (unsigned char)(1u << (b & 7));
        }
        w->n++;
        p += n;
    }
    return KOUAN_OK;
}

static int words_has(const st_words *w, const char *s)
{
    for (size_t i = 0; i < w->n; i++)
        if (!strcmp(w->v[i], s))
            return 1;
    return 0;
}

/* Splits a line into TAB-separated fields (runs of TABs count as one),
 * dropping a comment ('#' at the start or after a TAB/space).  Returns the
 * number of fields (at most max). */
static size_t split_fields(char *line, char **f, size_t max)
{
    for (char *p = line; *p; p++)
        if (*p == '#' && (p == line || p[-1] == '\t' || p[-1] == ' ')) {
            *p = '\0';
            break;
        }
    size_t n = 0;
    char *p = line;
    while (*p) {
        while (*p == '\t')
            p++;
        if (!*p)
            break;
        char *end = p + strcspn(p, "\t");
        char *q = end;
        while (q > p && q[-1] == ' ')
            q--;
        char save = *end;
        *q = '\0';
        if (*p && n < max)
            f[n++] = p;
        else if (*p)
            n++;
        if (!save)
            break;
        p = end + 1;
    }
    return n;
}

static const struct { const char *name; kouan_class cls; } class_names[] = {
    { "Port", KOUAN_CLASS_PORT }, { "Province", KOUAN_CLASS_PROVINCE },
    { "TradeZone", KOUAN_CLASS_TRADE_ZONE }, { "Country", KOUAN_CLASS_COUNTRY },
    { "Prefecture", KOUAN_CLASS_PREFECTURE }, { "County", KOUAN_CLASS_COUNTY },
    { "OpenBorderCity", KOUAN_CLASS_OPEN_BORDER_CITY },
};

static st_measure *find_measure(stats_state *st, const char *predicate)
{
    for (size_t i = 0; i < st->n_measures; i++)
        if (!strcmp(st->measures[i].predicate, predicate))
            return &st->measures[i];
    return NULL;
}

static int unit_base_known(const stats_state *st, const char *base)
{
    for (size_t i = 0; i < st->n_units; i++)
        if (!strcmp(st->units[i].base, base))
            return 1;
    return 0;
}

/* One directive.  f[0] is its kind; n the number of fields. */
static int read_directive(stats_state *st, st_reader *r, char **f, size_t n)
{
    const char *kind = f[0];
    if (!strcmp(kind, "measure")) {
        if (n != 5)
            return fail_at(r, KOUAN_EINVAL, "expected 5 TAB-separated fields "
                           "(measure PREDICATE DATATYPE UNITS CUES), found %zu", n);
        if (strcmp(f[2], "decimal") && strcmp(f[2], "integer"))
            return fail_at(r, KOUAN_EINVAL, "expected the datatype decimal or "
                           "integer, found “%s”", f[2]);
        if (find_measure(st, f[1]))
            return fail_at(r, KOUAN_EINVAL, "expected one measure line per "
                           "predicate; “%s” is declared twice", f[1]);
        st_measure *v = realloc(st->measures, (st->n_measures + 1) * sizeof *v);
        if (!v)
            return ST_NOMEM(r);
        st->measures = v;
        st_measure *m = memset(&v[st->n_measures++], 0, sizeof *m);
        if (!(m->predicate = strdup(f[1])) || !(m->datatype = strdup(f[2])) ||
            words_add(&m->units, f[3]) || words_add(&m->cues, f[4]))
            return ST_NOMEM(r);
        return KOUAN_OK;
    }
    if (!strcmp(kind, "bare")) {
        if (n != 3)
            return fail_at(r, KOUAN_EINVAL, "expected 3 TAB-separated fields "
                           "(bare PREDICATE UNIT), found %zu", n);
        st_measure *m = find_measure(st, f[1]);
        if (!m)
            return fail_at(r, KOUAN_EINVAL, "expected a predicate declared by an "
                           "earlier measure line, found “%s”", f[1]);
        if (!words_has(&m->units, f[2]))
            return fail_at(r, KOUAN_EINVAL, "expected one of the units of measure "
                           "%s, found “%s”", f[1], f[2]);
        free(m->bare);
        if (!(m->bare = strdup(f[2])))
            return ST_NOMEM(r);
        return KOUAN_OK;
    }
    if (!strcmp(kind, "magnitude") || !strcmp(kind, "unit")) {
        int is_unit = kind[0] == 'u';
        size_t want = is_unit ? 4 : 3;
        if (n != want)
            return fail_at(r, KOUAN_EINVAL, "expected %zu TAB-separated fields (%s), "
                           "found %zu", want, is_unit ? "unit WORD BASE FACTOR"
                                                      : "magnitude WORD FACTOR", n);
        const char *factor = f[want - 1];
        st_dec d;
        if (st_dec_parse(factor, strlen(factor), &d) || (d.n == 1 && d.digits[0] == 0))
            return fail_at(r, KOUAN_EINVAL, "expected a positive decimal factor "
                           "(10000, 0.01), found “%s”", factor);
        st_factor **vp = is_unit ? &st->units : &st->magnitudes;
        size_t *np = is_unit ? &st->n_units : &st->n_magnitudes;
        st_factor *v = realloc(*vp, (*np + 1) * sizeof *v);
        if (!v)
            return ST_NOMEM(r);
        *vp = v;
        st_factor *x = &v[(*np)++];
        x->base = NULL;
        x->factor = d;
        if (!(x->word = strdup(f[1])) || (is_unit && !(x->base = strdup(f[2]))))
            return ST_NOMEM(r);
        return KOUAN_OK;
    }
    if (!strcmp(kind, "share")) {
        if (n != 3)
            return fail_at(r, KOUAN_EINVAL, "expected 3 TAB-separated fields "
                           "(share VERBS NATIONAL), found %zu", n);
        if (words_add(&st->share_verbs, f[1]) || words_add(&st->share_national, f[2]))
            return ST_NOMEM(r);
        return KOUAN_OK;
    }
    if (!strcmp(kind, "subject")) {
        if (n != 2)
            return fail_at(r, KOUAN_EINVAL, "expected 2 TAB-separated fields "
                           "(subject CLASSES), found %zu", n);
        st_words w = { 0 };
        if (words_add(&w, f[1])) {
            words_free(&w);
            return ST_NOMEM(r);
        }
        for (size_t i = 0; i < w.n; i++) {
            size_t k = 0;
            while (k < sizeof class_names / sizeof class_names[0] &&
                   strcmp(class_names[k].name, w.v[i]))
                k++;
            if (k == sizeof class_names / sizeof class_names[0]) {
                int rc = fail_at(r, KOUAN_EINVAL, "expected a class (Port, Province, "
                                 "TradeZone, Country, Prefecture, County, "
                                 "OpenBorderCity), found “%s”", w.v[i]);
                words_free(&w);
                return rc;
            }
            st->subject_classes |= 1u << class_names[k].cls;
        }
        words_free(&w);
        return KOUAN_OK;
    }
    static const char *const list_kinds[] = { "link", "year", "anaphor", "modifier",
                                              "conjunction", "future" };
    st_words *lists[] = { &st->links, &st->years, &st->anaphors, &st->modifiers,
                          &st->conjunctions, &st->future };
    for (size_t i = 0; i < sizeof list_kinds / sizeof list_kinds[0]; i++) {
        if (strcmp(kind, list_kinds[i]))
            continue;
        if (n != 2)
            return fail_at(r, KOUAN_EINVAL, "expected 2 TAB-separated fields "
                           "(%s WORDS), found %zu", kind, n);
        return words_add(lists[i], f[1]) ? ST_NOMEM(r) : KOUAN_OK;
    }
    return fail_at(r, KOUAN_EINVAL, "expected a directive (measure, bare, magnitude, "
                   "unit, link, year, subject, anaphor, modifier, conjunction, share, "
                   "future), found “%s”", kind);
}

/* Reads path into st.  KOUAN_OK, or an error already reported through cfg. */
static int read_stats_file(stats_state *st, const kouan_config *cfg, const char *path)
{
    st_reader r = { cfg, path, 0 };
    FILE *in = fopen(path, "r");
    if (!in)
        return fail_at(&r, KOUAN_EIO, "cannot read (%s)", strerror(errno));
    char *line = NULL;
    size_t cap = 0;
    ssize_t got;
    int rc = KOUAN_OK;
    size_t measure_line = 0;
    while (!rc && (got = getline(&line, &cap, in)) >= 0) {
        r.line++;
        while (got > 0 && (line[got - 1] == '\n' || line[got - 1] == '\r'))
            line[--got] = '\0';
        char *f[8];
        size_t n = split_fields(line, f, 8);
        if (!n)
            continue;
        if (!strcmp(f[0], "measure") && !measure_line)
            measure_line = r.line;
        rc = read_directive(st, &r, f, n);   /* n > 8: a count error */
    }
    free(line);
    fclose(in);
    if (rc)
        return rc;
    /* whole-file checks */
    r.line = 0;
    if (!st->n_measures)
        return fail_at(&r, KOUAN_EINVAL, "expected at least one measure line "
                       "(measure PREDICATE DATATYPE UNITS CUES)");
    if (!st->subject_classes)
        return fail_at(&r, KOUAN_EINVAL, "expected a subject line (subject CLASSES)");
    for (size_t i = 0; i < st->n_measures; i++)
        for (size_t k = 0; k < st->measures[i].units.n; k++)
            if (!unit_base_known(st, st->measures[i].units.v[k])) {
                r.line = measure_line;
                return fail_at(&r, KOUAN_EINVAL, "expected the units of measure %s to "
                               "be base units of unit lines; no unit line converts "
                               "to “%s”", st->measures[i].predicate,
                               st->measures[i].units.v[k]);
            }
    return KOUAN_OK;
}

static int stats_init(const kouan_config *cfg, void **state)
{
    stats_state *st = calloc(1, sizeof *st);
    if (!st)
        return cfg->error ? cfg->error(cfg, KOUAN_ENOMEM, "stats: out of memory")
                          : KOUAN_ENOMEM;
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", cfg->ontology_dir ? cfg->ontology_dir : ".",
             ST_FILE);
    int rc = read_stats_file(st, cfg, path);
    if (rc) {
        stats_free(st);
        return rc;
    }
    *state = st;
    return KOUAN_OK;
}

static void stats_fini(void *state)
{
    stats_free(state);
}

/* ---- matching words against tokens ----------------------------------------------- */

typedef struct st_sent {
    const kouan_token *t;
    size_t             n;
} st_sent;

/* Tokens that word w covers exactly from token i on (w may span several
 * tokens, never part of one); 0 if it does not. */
static size_t covers(const st_sent *s, size_t i, const char *w)
{
    /* most words fail on their first byte: say so before measuring them */
    if (i >= s->n || !s->t[i].len || s->t[i].text[0] != w[0]) return 0;
    size_t wl = strlen(w), pos = 0, j = i;
    while (pos < wl && j < s->n) {
        const kouan_token *t = &s->t[j];
        if (!t->len || t->len > wl - pos || memcmp(w + pos, t->text, t->len))
            return 0;
        pos += t->len;
        j++;
    }
    return pos == wl ? j - i : 0;
}

/* The longest word of list starting at token i: tokens covered (0: none);
 * the word's index in *which. */
static size_t match_at(const st_sent *s, size_t i, const st_words *list, size_t *which)
{
    size_t best = 0, best_len = 0;
    /* a token of 3 bytes or more is the start of a word only if the word's
       first 3 bytes are the token's (covers() wants the whole token) */
    if (i < s->n && s->t[i].len >= 3) {
        size_t b = lead3_bit(s->t[i].text);
        if (!(list->lead3[b >> 3] & (1u << (b & 7)))) return 0;
    }
    for (size_t k = 0; k < list->n; k++) {
        size_t c = covers(s, i, list->v[k]);
        size_t l = c ? strlen(list->v[k]) : 0;
        if (c && l > best_len) {
            best = c;
            best_len = l;
            if (which)
                *which = k;
        }
    }
    return best;
}

/* Tokens of a word of list ending exactly at token i (inclusive); 0: none. */
static size_t match_ending(const st_sent *s, size_t i, const st_words *list)
{
    for (size_t back = 1; back <= 4 && back <= i + 1; back++)
        if (match_at(s, i + 1 - back, list, NULL) == back)
            return back;
    return 0;
}

static int is_punct(const kouan_token *t, const char *mark)
{
    return t->kind == KOUAN_TOKEN_PUNCT && (!mark || !strcmp(t->text, mark));
}

/* Ends a clause: the sentence's own marks between statements (；) and its end. */
static int is_clause_end(const kouan_token *t)
{
    return is_punct(t, ";") || is_punct(t, "；") || is_punct(t, "。") ||
           is_punct(t, "!") || is_punct(t, "?") || is_punct(t, "！") || is_punct(t, "？");
}

/* Four ASCII digits at the start of s. */
static int four_digits(const char *s)
{
    for (int k = 0; k < 4; k++)
        if (s[k] < '0' || s[k] > '9')
            return 0;
    return s[4] < '0' || s[4] > '9';
}

/* A year at token i (2013年, 2013年末, or 2013 then 年): the tokens it takes
 * (0: none); its four digits copied to year. */
static size_t year_at(const stats_state *st, const st_sent *s, size_t i, char year[5])
{
    const kouan_token *t = &s->t[i];
    if (t->kind != KOUAN_TOKEN_NUMBER || t->len < 4 || !four_digits(t->text))
        return 0;
    size_t taken = 0;
    if (t->len > 4 && words_has(&st->years, t->text + 4))
        taken = 1;
    else if (t->len == 4 && i + 1 < s->n && words_has(&st->years, s->t[i + 1].text))
        taken = 2;
    if (taken) {
        memcpy(year, t->text, 4);
        year[4] = '\0';
    }
    return taken;
}

/* A year ending at token i: the tokens it takes (0: none). */
static size_t year_ending(const stats_state *st, const st_sent *s, size_t i)
{
    char y[5];
    if (year_at(st, s, i, y) == 1)
        return 1;
    if (i >= 1 && year_at(st, s, i - 1, y) == 2)
        return 2;
    return 0;
}

/* ---- values --------------------------------------------------------------------- */

typedef struct st_value {
    st_dec      value;       /* in base units */
    const char *unit;        /* base unit, or NULL when the text gives none */
    int         magnitude;   /* a magnitude word was read */
    size_t      end;         /* first token after the value */
} st_value;

/* The longest entry of table whose word starts s[0..len): its byte length. */
static size_t factor_at(const st_factor *table, size_t n, const char *s, size_t len,
                        const st_factor **found)
{
    size_t best = 0;
    for (size_t k = 0; k < n; k++) {
        size_t l = strlen(table[k].word);
        if (l > best && l <= len && !memcmp(s, table[k].word, l)) {
            best = l;
            *found = &table[k];
        }
    }
    return best;
}

/* Reads a value at token i: a NUMBER token whose text starts with a number,
 * then magnitudes and at most one unit, in the rest of that token and up to
 * ST_UNIT_TOKENS word tokens after it, ending on a token boundary
 * (4773万 人口 reads 4773万, not 4773万人).  1 with *v filled, or 0. */
static int value_at(const stats_state *st, const st_sent *s, size_t i, st_value *v)
{
    const kouan_token *t = &s->t[i];
    if (t->kind != KOUAN_TOKEN_NUMBER)
        return 0;
    st_dec num;
    size_t used = st_dec_prefix(t->text, t->len, &num);
    if (!used)
        return 0;
    /* the text after the digits, and where its tokens end */
    char rest[256];
    size_t len = 0, bounds[ST_UNIT_TOKENS + 1], nb = 0;
    size_t tok_end[ST_UNIT_TOKENS + 1];
    if (t->len - used >= sizeof rest)
        return 0;
    memcpy(rest, t->text + used, t->len - used);
    len = t->len - used;
    bounds[nb] = len;
    tok_end[nb++] = i + 1;
    for (size_t j = i + 1; j < s->n && nb <= ST_UNIT_TOKENS; j++) {
        const kouan_token *u = &s->t[j];
        if (u->kind != KOUAN_TOKEN_WORD || len + u->len >= sizeof rest)
            break;
        memcpy(rest + len, u->text, u->len);
        len += u->len;
        bounds[nb] = len;
        tok_end[nb++] = j + 1;
    }
    /* magnitudes, then one unit; remember each reading that ends on a bound */
    st_value best = { num, NULL, 0, 0 };
    int have = 0;
    st_dec cur = num;
    int mags = 0;
    size_t pos = 0;
    for (;;) {
        for (size_t b = 0; b < nb; b++)
            if (bounds[b] == pos) {
                best.value = cur;
                best.unit = NULL;
                best.magnitude = mags;
                best.end = tok_end[b];
                have = 1;
            }
        const st_factor *f = NULL;
        size_t l = factor_at(st->units, st->n_units, rest + pos, len - pos, &f);
        if (l) {
            st_dec u;
            if (st_dec_mul(&cur, &f->factor, &u))
                break;
            for (size_t b = 0; b < nb; b++)
                if (bounds[b] == pos + l) {
                    best.value = u;
                    best.unit = f->base;
                    best.magnitude = mags;
                    best.end = tok_end[b];
                    have = 1;
                }
            /* a unit ends the value; a unit that ends inside a token does
               not count, but magnitudes before it still may */
            if (have && best.unit)
                break;
        }
        l = factor_at(st->magnitudes, st->n_magnitudes, rest + pos, len - pos, &f);
        if (!l || st_dec_mul(&cur, &f->factor, &cur))
            break;
        mags++;
        pos += l;
    }
    if (!have)
        return 0;
    *v = best;
    return 1;
}

/* A percentage at token i (20.5% or 20.5 then %): its fraction ("0.205") in
 * out.  1, or 0 when there is none. */
static int percent_at(const st_sent *s, size_t i, char *out, size_t size)
{
    const kouan_token *t = &s->t[i];
    if (t->kind != KOUAN_TOKEN_NUMBER)
        return 0;
    st_dec d, hundredth;
    size_t used = st_dec_prefix(t->text, t->len, &d);
    if (!used)
        return 0;
    const char *after = t->text + used;
    int ok = !strcmp(after, "%") ||
             (!*after && i + 1 < s->n && !strcmp(s->t[i + 1].text, "%"));
    if (!ok || st_dec_parse("0.01", 4, &hundredth) || st_dec_mul(&d, &hundredth, &d))
        return 0;
    return st_dec_format(&d, out, size) > 0;
}

/* ---- reading a document ------------------------------------------------------------ */

typedef struct st_ctx {
    const stats_state *st;
    const kouan_doc   *doc;
    kouan_emitter     *out;
    const kouan_token *heading[ST_HEADING_LEVELS];  /* region each heading names */
    const kouan_token *topic;   /* the region of the current paragraph */
} st_ctx;

static int is_subject(const stats_state *st, const kouan_token *t)
{
    return t->kind == KOUAN_TOKEN_ENTITY && t->cls < 32 &&
           (st->subject_classes >> t->cls & 1u);
}

/* The region the paragraph is about, else the one the nearest heading names. */
static const kouan_token *current_region(const st_ctx *c)
{
    if (c->topic)
        return c->topic;
    for (int l = ST_HEADING_LEVELS - 1; l >= 1; l--)
        if (c->heading[l])
            return c->heading[l];
    return NULL;
}

/* The subject of the cue at token i: scanning back over years and modifiers,
 * a region entity (not in a list), an anaphor or the clause's start (the
 * current region); anything else means the figure is about something else. */
static const kouan_token *subject_of(const st_ctx *c, const st_sent *s, size_t i)
{
    const stats_state *st = c->st;
    size_t k = i;
    while (k > 0) {
        size_t at = k - 1, n;
        const kouan_token *t = &s->t[at];
        if ((n = year_ending(st, s, at)) || (n = match_ending(s, at, &st->modifiers))) {
            k -= n;
            continue;
        }
        if (is_subject(st, t)) {
            if (at > 0 && match_ending(s, at - 1, &st->conjunctions))
                return NULL;            /* 辽宁、吉林面积: several regions */
            return t;
        }
        if (match_ending(s, at, &st->anaphors))
            return current_region(c);
        if (t->kind == KOUAN_TOKEN_PUNCT && !match_ending(s, at, &st->conjunctions))
            return current_region(c);
        return NULL;
    }
    return current_region(c);
}

/* A future or planning cue anywhere in tokens [from, to). */
static int has_future(const stats_state *st, const st_sent *s, size_t from, size_t to)
{
    for (size_t k = from; k < to; k++)
        if (match_at(s, k, &st->future, NULL))
            return 1;
    return 0;
}

/* The share phrase after a value ending at token i, up to the clause's end
 * or the next cue: a share verb, a national word, then a percentage. */
static int share_after(const stats_state *st, const st_sent *s, size_t i,
                       char *out, size_t size)
{
    size_t limit = i + ST_SHARE_TOKENS < s->n ? i + ST_SHARE_TOKENS : s->n;
    for (size_t k = i; k < limit; k++) {
        if (is_clause_end(&s->t[k]) || s->t[k].kind == KOUAN_TOKEN_NUMBER)
            return 0;
        for (size_t m = 0; m < st->n_measures; m++)
            if (match_at(s, k, &st->measures[m].cues, NULL))
                return 0;
        size_t n = match_at(s, k, &st->share_verbs, NULL);
        if (!n)
            continue;
        int national = 0;
        for (size_t j = k + n; j < limit; j++) {
            if (s->t[j].kind == KOUAN_TOKEN_NUMBER)
                return national && percent_at(s, j, out, size);
            if (s->t[j].kind == KOUAN_TOKEN_PUNCT)
                return 0;
            if (match_at(s, j, &st->share_national, NULL))
                national = 1;
        }
        return 0;
    }
    return 0;
}

/* Emits one statistic. */
static int emit_stat(st_ctx *c, const kouan_sentence *sent,
                     const st_measure *m, const kouan_token *subj, const st_value *v,
                     const char *year, const char *share)
{
    char value[ST_DEC_DIGITS * 2 + 8], rule[96];
    if (st_dec_format(&v->value, value, sizeof value) < 0)
        return KOUAN_OK;
    snprintf(rule, sizeof rule, "stats:%s", m->predicate);
    /* a subject named before the sentence (其面积…, a heading): the
       evidence runs from where it is named */
    kouan_span ev = sent->span;
    if (subj->span.start < ev.start) ev.start = subj->span.start;
    kouan_fact f = {
        subj->cls, subj->text, m->predicate, KOUAN_CLASS_LITERAL, value,
        m->datatype, ev, rule,
        year && *year ? year : NULL, v->unit ? v->unit : m->bare,
        share && *share ? share : NULL
    };
    return c->out->emit(c->out, &f);
}

/* Tries the measure cue of m covering tokens [i, i + cue) at token i.
 * Returns KOUAN_OK (a fact or nothing) or an emitter error. */
static int try_stat(st_ctx *c, const st_sent *s, const kouan_sentence *sent,
                    const st_measure *m, size_t i, size_t cue, size_t clause_start,
                    const char *year)
{
    const stats_state *st = c->st;
    char own_year[5] = "";
    size_t j = i + cue, n;
    /* across links (and a year: 人口 2013 年为) to the value */
    for (;;) {
        if (j >= s->n)
            return KOUAN_OK;
        if ((n = year_at(st, s, j, own_year))) {
            j += n;
            continue;
        }
        if ((n = match_at(s, j, &st->links, NULL))) {
            j += n;
            continue;
        }
        break;
    }
    st_value v;
    if (!value_at(st, s, j, &v))
        return KOUAN_OK;
    const char *unit = v.unit ? v.unit : m->bare;
    if (!unit || (!v.unit && !v.magnitude))
        return KOUAN_OK;                        /* 197万 of what?  a bare 197? */
    if (!words_has(&m->units, unit)) {
        char msg[256];
        snprintf(msg, sizeof msg, "a %s in %s is not read (the vocabulary's "
                 "%s takes %s)", m->predicate, unit, m->predicate, m->units.v[0]);
        c->out->warn(c->out, s->t[j].span.start, msg);
        return KOUAN_OK;
    }
    if (!strcmp(m->datatype, "integer") && !st_dec_is_integer(&v.value))
        return KOUAN_OK;                        /* 2.345678万人: not a count */
    if (has_future(st, s, clause_start, v.end))
        return KOUAN_OK;                        /* 预计…将达到 */
    const kouan_token *subj = subject_of(c, s, i);
    if (!subj)
        return KOUAN_OK;
    c->topic = subj;                            /* later clauses: 其, or nobody */
    char share[64] = "";
    share_after(st, s, v.end, share, sizeof share);
    return emit_stat(c, sent, m, subj, &v, *own_year ? own_year : year, share);
}

/* One paragraph sentence. */
static int read_sentence(st_ctx *c, const kouan_sentence *sent)
{
    const stats_state *st = c->st;
    st_sent s = { sent->tokens, sent->n_tokens };
    char year[5] = "";
    size_t clause_start = 0;

    /* a sentence that opens with a region is about it */
    size_t first = 0;
    while (first < s.n && s.t[first].kind == KOUAN_TOKEN_PUNCT)
        first++;
    if (first < s.n && is_subject(st, &s.t[first]))
        c->topic = &s.t[first];

    for (size_t i = 0; i < s.n; ) {
        size_t n;
        if (is_clause_end(&s.t[i])) {
            clause_start = ++i;
            continue;
        }
        if ((n = year_at(st, &s, i, year))) {
            i += n;
            continue;
        }
        size_t best = 0, which = 0;
        for (size_t m = 0; m < st->n_measures; m++) {
            size_t l = match_at(&s, i, &st->measures[m].cues, NULL);
            if (l > best) {
                best = l;
                which = m;
            }
        }
        if (best) {
            int rc = try_stat(c, &s, sent, &st->measures[which], i, best, clause_start, year);
            if (rc)
                return rc;
            i += best;
            continue;
        }
        i++;
    }
    return KOUAN_OK;
}

static int stats_process(void *state, const kouan_doc *doc, kouan_emitter *out)
{
    st_ctx c;
    memset(&c, 0, sizeof c);
    c.st = state;
    c.doc = doc;
    c.out = out;
    size_t block = (size_t)-1;
    for (size_t k = 0; k < doc->n_sentences; k++) {
        const kouan_sentence *sent = &doc->sentences[k];
        const kouan_block *b = doc->blocks && sent->block < doc->n_blocks
                             ? &doc->blocks[sent->block] : NULL;
        if (sent->block != block) {             /* a new paragraph */
            block = sent->block;
            c.topic = NULL;
            if (b && b->kind == KOUAN_BLOCK_HEADING) {
                int level = b->level >= 1 && b->level < ST_HEADING_LEVELS ? b->level : 1;
                for (int l = level; l < ST_HEADING_LEVELS; l++)
                    c.heading[l] = NULL;
            }
        }
        if (b && b->kind == KOUAN_BLOCK_HEADING) {
            int level = b->level >= 1 && b->level < ST_HEADING_LEVELS ? b->level : 1;
            for (size_t i = 0; i < sent->n_tokens && !c.heading[level]; i++)
                if (is_subject(c.st, &sent->tokens[i]))
                    c.heading[level] = &sent->tokens[i];
            continue;
        }
        if (b && b->kind != KOUAN_BLOCK_PARAGRAPH)
            continue;                           /* footnotes, furniture */
        int rc = read_sentence(&c, sent);
        if (rc)
            return rc;
    }
    return KOUAN_OK;
}

KOUAN_PLUGIN_DEFINE(stats, "0.1.0",
                    "statistics of regions in prose: area, population, trade volume",
                    "MIT", KOUAN_STAGE_PROSE, stats_init, stats_process, stats_fini);
