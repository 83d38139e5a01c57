/* lang.c — the rule language: a parser for ontology/rules/NAME.rules and a
 * backtracking matcher over one sentence's tokens (see lang.h, and
 * ontology/rules/README.md for the language).  Owned by the rules plugin.
 *
 * Matching works on the sentence's token texts joined into one string, so a
 * literal matches whatever way the segmenter cut it (分别为 = 分别 + 为, 对蒙 =
 * 对 + 蒙); entity and token-kind elements must start at a token and take
 * whole tokens.  The matcher is written in continuation-passing style: each
 * element, once matched, calls "the rest of the pattern"; a failure returns
 * and the caller tries its next choice. */
#define _POSIX_C_SOURCE 200809L
#include "lang.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RL_STEP_LIMIT  200000   /* matcher steps per start token: no blow-ups */
#define RL_NAME_MIN    2        /* {NAME}: characters */
#define RL_NAME_MAX    10
#define RL_MAX_FRAMES  32

typedef enum {
    N_LIT, N_ENT, N_KIND, N_NAME, N_WORDAS, N_GAP,
    N_SEQ, N_ALT, N_LIST, N_REPEAT, N_CAPTURE
} rl_ntype;

enum { K_ANY = 0, K_ENTITY = -1 };   /* N_KIND extras beside kouan_token_kind */

struct rl_node {
    rl_ntype  type;
    char     *lit;        /* LIT text; KIND PUNCT:x text (folded) */
    int       cls;        /* ENT, NAME, WORDAS: class */
    int       abbrev;     /* ENT Country: also one-character abbreviations */
    int       kind;       /* KIND */
    size_t    min, max;   /* REPEAT, GAP */
    unsigned  no_cls;     /* GAP: bit c set: never skip a name of class c */
    unsigned  no_kind;    /* GAP: bit k set: never skip a token of kind k */
    rl_node **kids;       /* SEQ items; ALT branches; LIST: element, separator;
                             REPEAT, CAPTURE: the one child */
    size_t    n;
    char     *name;       /* CAPTURE */
    /* a pattern's root only: what every match needs somewhere in the
       sentence, so that rl_search can skip a sentence that lacks it */
    const char **need_lit;   /* literals (borrowed from the nodes) */
    size_t    n_need_lit;
    unsigned  need_cls;   /* bit c: a name of class c (a token or mention) */
    unsigned  need_kind;  /* bit k: a token of kind k */
    int       can_empty;  /* can match no bytes (set by mark_empty) */
    /* a pattern's root only: what a token must be for may_start() to hold
       there (set by firsts(); a superset: may_start decides) */
    int       first_any;     /* any token */
    unsigned  first_kind;    /* bit k: a token of kind k */
    unsigned  first_cls;     /* bit c: an entity token of class c */
    int       first_mention; /* a mention starting at the token */
    unsigned char first_byte[32];   /* bit b: a token whose first byte is b */
};

static const char *const CLASS_NAMES[] = {
    [KOUAN_CLASS_PORT] = "Port", [KOUAN_CLASS_PROVINCE] = "Province",
    [KOUAN_CLASS_TRADE_ZONE] = "TradeZone", [KOUAN_CLASS_COUNTRY] = "Country",
    [KOUAN_CLASS_PREFECTURE] = "Prefecture", [KOUAN_CLASS_COUNTY] = "County",
    [KOUAN_CLASS_OPEN_BORDER_CITY] = "OpenBorderCity",
    [KOUAN_CLASS_TRANSPORT] = "TransportMode",
};

int rl_class_by_name(const char *name)
{
    for (int i = 1; i < (int)(sizeof CLASS_NAMES / sizeof CLASS_NAMES[0]); i++)
        if (CLASS_NAMES[i] && strcmp(CLASS_NAMES[i], name) == 0) return i;
    return -1;
}

void rl_fold(char *s)
{
    unsigned char *r = (unsigned char *)s, *w = r;
    while (*r) {
        /* U+FF01..U+FF5E: EF BC 81..BF, EF BD 80..9E → 0x21..0x7E */
        if (r[0] == 0xEF && (r[1] == 0xBC || r[1] == 0xBD) && (r[2] & 0xC0) == 0x80) {
            unsigned cp = (0xFu << 12) | ((r[1] & 0x3Fu) << 6) | (r[2] & 0x3Fu);
            if (cp >= 0xFF01 && cp <= 0xFF5E) {
                *w++ = (unsigned char)(cp - 0xFF01 + 0x21);
                r += 3;
                continue;
            }
        }
        *w++ = *r++;
    }
    *w = '\0';
}

static size_t utf8_len(unsigned char c)
{
    return c < 0x80 ? 1 : c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
}

static unsigned utf8_cp(const unsigned char *p, size_t n)
{
    switch (n) {
    case 2: return ((p[0] & 0x1Fu) << 6) | (p[1] & 0x3Fu);
    case 3: return ((p[0] & 0x0Fu) << 12) | ((p[1] & 0x3Fu) << 6) | (p[2] & 0x3Fu);
    case 4: return ((p[0] & 0x07u) << 18) | ((p[1] & 0x3Fu) << 12) |
                   ((p[2] & 0x3Fu) << 6) | (p[3] & 0x3Fu);
    default: return p[0];
    }
}

static int is_ideograph(unsigned cp)
{
    return (cp >= 0x3400 && cp <= 0x9FFF) || (cp >= 0xF900 && cp <= 0xFAFF) ||
           (cp >= 0x20000 && cp <= 0x3FFFF);
}

size_t rl_chars(const char *s, size_t n)
{
    size_t c = 0;
    for (size_t i = 0; i < n; i += utf8_len((unsigned char)s[i])) c++;
    return c;
}

const char *rl_canonical(const rl_data *data, int cls, const char *name)
{
    for (size_t i = 0; i < data->n_aliases; i++)
        if (data->aliases[i].cls == cls && !strcmp(data->aliases[i].form, name))
            return data->aliases[i].label;
    return name;
}

/* ---- nodes ------------------------------------------------------------------------ */

static rl_node *node_new(rl_ntype t)
{
    rl_node *n = calloc(1, sizeof *n);
    if (n) n->type = t;
    return n;
}

static void node_free(rl_node *n)
{
    if (!n) return;
    for (size_t i = 0; i < n->n; i++) node_free(n->kids[i]);
    free(n->kids);
    free(n->lit);
    free(n->name);
    free(n->need_lit);
    free(n);
}

static int node_add(rl_node *parent, rl_node *kid)
{
    rl_node **v = realloc(parent->kids, (parent->n + 1) * sizeof *v);
    if (!v) return KOUAN_ENOMEM;
    parent->kids = v;
    v[parent->n++] = kid;
    return KOUAN_OK;
}

/* ---- parsing ----------------------------------------------------------------------- */

typedef struct parser {
    const char *p;          /* cursor in the clause */
    const char *file;
    size_t      line;
    char       *msg;
    size_t      msg_n;
    int         failed;
} parser;

static rl_node *fail_at(parser *ps, const char *fmt, const char *arg)
{
    if (!ps->failed) {
        char what[400];
        snprintf(what, sizeof what, fmt, arg);
        snprintf(ps->msg, ps->msg_n, "%s:%zu: %s", ps->file, ps->line, what);
        ps->failed = 1;
    }
    return NULL;
}

static void skip_space(parser *ps)
{
    while (*ps->p == ' ' || *ps->p == '\t') ps->p++;
}

static int is_special(char c)
{
    return c == '(' || c == ')' || c == '{' || c == '}' || c == '[' || c == ']' ||
           c == '|' || c == '?' || c == '*' || c == '+' || c == ',' || c == '"' ||
           c == ' ' || c == '\t' || c == '\0';
}

/* An ASCII name followed by ':' (a capture) — length of the name, or 0. */
static size_t capture_name(const char *p)
{
    size_t n = 0;
    if (!(isalpha((unsigned char)*p) || *p == '_')) return 0;
    while (isalnum((unsigned char)p[n]) || p[n] == '_' || p[n] == '-') n++;
    return p[n] == ':' ? n : 0;
}

static rl_node *parse_alt(parser *ps);

static rl_node *literal_node(parser *ps, const char *s, size_t n)
{
    rl_node *l = node_new(N_LIT);
    if (!l || !(l->lit = strndup(s, n))) { node_free(l); return fail_at(ps, "%s", "out of memory"); }
    rl_fold(l->lit);
    if (!*l->lit) { node_free(l); return fail_at(ps, "%s", "expected a non-empty literal"); }
    return l;
}

static rl_node *parse_spec(parser *ps)
{
    const char *end = strchr(ps->p, '}');
    if (!end) return fail_at(ps, "expected ‘}’ to close “{%s”", ps->p);
    char spec[128];
    size_t n = (size_t)(end - ps->p);
    if (n >= sizeof spec) return fail_at(ps, "%s", "expected a short element inside { }");
    memcpy(spec, ps->p, n);
    spec[n] = '\0';
    ps->p = end + 1;
    char *colon = strchr(spec, ':'), *bar = strchr(spec, '|');
    if (colon) *colon++ = '\0';
    if (bar) *bar++ = '\0';
    static const struct { const char *name; int kind; } KINDS[] = {
        { "NUMBER", KOUAN_TOKEN_NUMBER }, { "WORD", KOUAN_TOKEN_WORD },
        { "PUNCT", KOUAN_TOKEN_PUNCT }, { "LATIN", KOUAN_TOKEN_LATIN },
        { "ENTITY", K_ENTITY }, { "ANY", K_ANY } };
    if (!strcmp(spec, "NAME") || (!strcmp(spec, "WORD") && colon)) {
        rl_node *x = node_new(!strcmp(spec, "NAME") ? N_NAME : N_WORDAS);
        if (!x) return fail_at(ps, "%s", "out of memory");
        if (colon && (x->cls = rl_class_by_name(colon)) < 0) {
            node_free(x);
            return fail_at(ps, "expected a class after ‘:’ (Port, Province, TradeZone, "
                           "Country, Prefecture, County, OpenBorderCity), not “%s”", colon);
        }
        if (x->cls < 0) x->cls = 0;
        if (bar) { node_free(x); return fail_at(ps, "%s", "expected ‘}’ after the class"); }
        return x;
    }
    for (size_t i = 0; i < sizeof KINDS / sizeof KINDS[0]; i++) {
        if (strcmp(spec, KINDS[i].name)) continue;
        if (bar || (colon && KINDS[i].kind != KOUAN_TOKEN_PUNCT))
            return fail_at(ps, "expected ‘}’ after “%s” (only PUNCT takes ‘:’ and a "
                           "character)", spec);
        rl_node *x = node_new(N_KIND);
        if (!x) return fail_at(ps, "%s", "out of memory");
        x->kind = KINDS[i].kind;
        if (colon) {
            if (!*colon || !(x->lit = strdup(colon))) {
                node_free(x);
                return fail_at(ps, "%s", "expected a punctuation mark after “PUNCT:”");
            }
            rl_fold(x->lit);
        }
        return x;
    }
    int cls = rl_class_by_name(spec);
    if (cls < 0)
        return fail_at(ps, "expected a class (Port, Province, TradeZone, Country, "
                       "Prefecture, County, OpenBorderCity) or a token kind (NUMBER, "
                       "WORD, PUNCT, LATIN, ENTITY, ANY, NAME) inside { }, not “%s”", spec);
    if (colon) return fail_at(ps, "expected ‘}’ after “%s”", spec);
    if (bar && (strcmp(bar, "abbrev") || cls != KOUAN_CLASS_COUNTRY))
        return fail_at(ps, "expected {Country|abbrev} (abbreviations are known for "
                       "countries only), not “|%s”", bar);
    rl_node *x = node_new(N_ENT);
    if (!x) return fail_at(ps, "%s", "out of memory");
    x->cls = cls;
    x->abbrev = bar != NULL;
    return x;
}

static rl_node *parse_atom(parser *ps)
{
    skip_space(ps);
    const char *p = ps->p;
    if (*p == '(') {
        ps->p++;
        rl_node *a = parse_alt(ps);
        if (!a) return NULL;
        skip_space(ps);
        if (*ps->p != ')') { node_free(a); return fail_at(ps, "expected ‘)’ at “%s”", ps->p); }
        ps->p++;
        return a;
    }
    if (*p == '{') {
        ps->p++;
        return parse_spec(ps);
    }
    if (*p == '[') {                    /* [0,8] or [0,8 no Port PUNCT] */
        unsigned long lo, hi;
        int used = 0;
        if (sscanf(p, "[%lu,%lu%n", &lo, &hi, &used) != 2 || !used || lo > hi || hi > 200)
            return fail_at(ps, "expected a gap [MIN,MAX] of tokens (0 ≤ MIN ≤ MAX ≤ 200) "
                           "at “%s”", p);
        const char *q = p + used, *close = strchr(q, ']');
        unsigned no_cls = 0, no_kind = 0;
        if (close && q < close) {
            while (*q == ' ') q++;
            if (strncmp(q, "no ", 3)) close = NULL;
            else q += 3;
            while (close && q < close) {
                char w[32];
                size_t n = 0;
                while (q < close && *q == ' ') q++;
                while (q + n < close && q[n] != ' ') n++;
                if (!n) break;
                if (n >= sizeof w) { close = NULL; break; }
                memcpy(w, q, n);
                w[n] = '\0';
                q += n;
                int c = rl_class_by_name(w);
                if (c > 0) no_cls |= 1u << c;
                else if (!strcmp(w, "PUNCT")) no_kind |= 1u << KOUAN_TOKEN_PUNCT;
                else if (!strcmp(w, "NUMBER")) no_kind |= 1u << KOUAN_TOKEN_NUMBER;
                else if (!strcmp(w, "ENTITY")) no_kind |= 1u << KOUAN_TOKEN_ENTITY;
                else close = NULL;
            }
        }
        if (!close)
            return fail_at(ps, "expected a gap [MIN,MAX] or [MIN,MAX no Class|PUNCT|NUMBER|"
                           "ENTITY …] at “%s”", p);
        ps->p = close + 1;
        rl_node *g = node_new(N_GAP);
        if (!g) return fail_at(ps, "%s", "out of memory");
        g->min = lo;
        g->max = hi;
        g->no_cls = no_cls;
        g->no_kind = no_kind;
        return g;
    }
    if (!strncmp(p, "list(", 5)) {
        ps->p += 5;
        rl_node *l = node_new(N_LIST), *e = NULL, *sep = NULL;
        if (!l) return fail_at(ps, "%s", "out of memory");
        if (!(e = parse_alt(ps)) || node_add(l, e)) { node_free(e); node_free(l); return NULL; }
        skip_space(ps);
        if (*ps->p != ',') {
            node_free(l);
            return fail_at(ps, "expected ‘,’ and separators in list(ELEMENT, SEPARATORS) "
                           "at “%s”", ps->p);
        }
        ps->p++;
        if (!(sep = parse_alt(ps)) || node_add(l, sep)) { node_free(sep); node_free(l); return NULL; }
        skip_space(ps);
        if (*ps->p != ')') { node_free(l); return fail_at(ps, "expected ‘)’ to close list( at “%s”", ps->p); }
        ps->p++;
        return l;
    }
    if (*p == '"') {
        const char *q = strchr(p + 1, '"');
        if (!q) return fail_at(ps, "expected a closing ‘\"’ after “%s”", p);
        ps->p = q + 1;
        return literal_node(ps, p + 1, (size_t)(q - p - 1));
    }
    size_t n = 0;
    while (!is_special(p[n])) n++;
    if (!n) return fail_at(ps, "expected an element (text, {Class}, (…), list(…), [m,n]) "
                           "at “%s”", *p ? p : "the end of the line");
    ps->p += n;
    return literal_node(ps, p, n);
}

static rl_node *parse_item(parser *ps)
{
    skip_space(ps);
    size_t cn = capture_name(ps->p);
    char *name = NULL;
    if (cn) {
        if (!(name = strndup(ps->p, cn))) return fail_at(ps, "%s", "out of memory");
        ps->p += cn + 1;
    }
    rl_node *a = parse_atom(ps);
    if (!a) { free(name); return NULL; }
    char q = *ps->p;
    if (q == '?' || q == '*' || q == '+') {
        ps->p++;
        rl_node *r = node_new(N_REPEAT);
        if (!r || node_add(r, a)) { node_free(r); node_free(a); free(name); return fail_at(ps, "%s", "out of memory"); }
        r->min = q == '+';
        r->max = q == '?' ? 1 : (size_t)-1;
        a = r;
    }
    if (name) {
        rl_node *c = node_new(N_CAPTURE);
        if (!c || node_add(c, a)) { node_free(c); node_free(a); free(name); return fail_at(ps, "%s", "out of memory"); }
        c->name = name;
        a = c;
    }
    return a;
}

static rl_node *parse_seq(parser *ps)
{
    rl_node *s = node_new(N_SEQ);
    if (!s) return fail_at(ps, "%s", "out of memory");
    for (;;) {
        skip_space(ps);
        char c = *ps->p;
        if (!c || c == ')' || c == '|' || c == ',') break;
        rl_node *it = parse_item(ps);
        if (!it || node_add(s, it)) { node_free(it); node_free(s); return NULL; }
    }
    if (!s->n) { node_free(s); return fail_at(ps, "expected an element at “%s”", *ps->p ? ps->p : "the end"); }
    return s;
}

static rl_node *parse_alt(parser *ps)
{
    rl_node *first = parse_seq(ps);
    if (!first) return NULL;
    skip_space(ps);
    if (*ps->p != '|') return first;
    rl_node *alt = node_new(N_ALT);
    if (!alt || node_add(alt, first)) { node_free(alt); node_free(first); return fail_at(ps, "%s", "out of memory"); }
    while (*ps->p == '|') {
        ps->p++;
        rl_node *b = parse_seq(ps);
        if (!b || node_add(alt, b)) { node_free(b); node_free(alt); return NULL; }
        skip_space(ps);
    }
    return alt;
}

/* Adds to root what every match of n needs: the literals it must match,
 * the classes of the names and the kinds of the tokens (alternatives and
 * optional parts need nothing). */
static int needs(rl_node *root, const rl_node *n)
{
    if ((n->type == N_LIT || n->type == N_KIND) && n->lit && *n->lit) {
        const char **v = realloc(root->need_lit, (root->n_need_lit + 1) * sizeof *v);
        if (!v) return KOUAN_ENOMEM;
        root->need_lit = v;
        v[root->n_need_lit++] = n->lit;
    }
    switch (n->type) {
    case N_ENT:
        if (!n->abbrev) root->need_cls |= 1u << n->cls;
        return KOUAN_OK;
    case N_KIND:
        if (n->kind == K_ENTITY) root->need_kind |= 1u << KOUAN_TOKEN_ENTITY;
        else if (n->kind != K_ANY) root->need_kind |= 1u << n->kind;
        return KOUAN_OK;
    case N_REPEAT:
        return n->min ? needs(root, n->kids[0]) : KOUAN_OK;
    case N_LIST: case N_CAPTURE:                  /* a list has a first element */
        return needs(root, n->kids[0]);
    case N_SEQ:
        for (size_t i = 0; i < n->n; i++)
            if (needs(root, n->kids[i])) return KOUAN_ENOMEM;
        return KOUAN_OK;
    case N_ALT:
        return n->n == 1 ? needs(root, n->kids[0]) : KOUAN_OK;
    default:
        return KOUAN_OK;
    }
}

/* Adds to root's first_* what a token where may_start(n) holds can be
 * (follows may_start; needs can_empty set). */
static void firsts(rl_node *root, const rl_node *n)
{
    switch (n->type) {
    case N_LIT:
        if (!*n->lit) root->first_any = 1;
        else root->first_byte[(unsigned char)n->lit[0] >> 3] |= (unsigned char)(1u << ((unsigned char)n->lit[0] & 7));
        return;
    case N_ENT:
        if (n->abbrev) { root->first_any = 1; return; }
        root->first_cls |= 1u << n->cls;
        root->first_mention = 1;
        return;
    case N_KIND:
        if (n->kind == K_ANY) root->first_any = 1;
        else root->first_kind |= 1u << (n->kind == K_ENTITY ? KOUAN_TOKEN_ENTITY : n->kind);
        return;
    case N_WORDAS:
        root->first_kind |= 1u << KOUAN_TOKEN_WORD | 1u << KOUAN_TOKEN_LATIN;
        return;
    case N_SEQ:
        for (size_t i = 0; i < n->n; i++) {
            firsts(root, n->kids[i]);
            if (!n->kids[i]->can_empty) return;
        }
        return;
    case N_ALT:
        for (size_t i = 0; i < n->n; i++) firsts(root, n->kids[i]);
        return;
    case N_REPEAT:
        if (n->max > 0) firsts(root, n->kids[0]);
        return;
    case N_LIST:
        firsts(root, n->kids[0]);
        if (n->kids[0]->can_empty) firsts(root, n->kids[1]);
        return;
    case N_CAPTURE:
        firsts(root, n->kids[0]);
        return;
    default:                          /* a name, a gap: any token */
        root->first_any = 1;
        return;
    }
}

/* Sets can_empty on n and its descendants. */
static void mark_empty(rl_node *n)
{
    for (size_t i = 0; i < n->n; i++) mark_empty(n->kids[i]);
    switch (n->type) {
    case N_LIT:     n->can_empty = !*n->lit; break;
    case N_GAP:     n->can_empty = n->min == 0; break;
    case N_REPEAT:  n->can_empty = n->min == 0 || n->kids[0]->can_empty; break;
    case N_LIST: case N_CAPTURE: n->can_empty = n->kids[0]->can_empty; break;
    case N_SEQ:
        n->can_empty = 1;
        for (size_t i = 0; i < n->n; i++) n->can_empty &= n->kids[i]->can_empty;
        break;
    case N_ALT:
        n->can_empty = 0;
        for (size_t i = 0; i < n->n; i++) n->can_empty |= n->kids[i]->can_empty;
        break;
    default:        n->can_empty = 0;    /* names and tokens take bytes */
    }
}

static rl_node *parse_pattern(parser *ps, const char *text)
{
    ps->p = text;
    rl_node *n = parse_alt(ps);
    if (!n) return NULL;
    skip_space(ps);
    if (*ps->p) {
        node_free(n);
        return fail_at(ps, "expected the end of the pattern at “%s” (a stray ‘)’ or ‘,’?)", ps->p);
    }
    if (needs(n, n)) {
        node_free(n);
        return fail_at(ps, "%s", "out of memory");
    }
    mark_empty(n);
    firsts(n, n);
    return n;
}

/* Does the pattern capture name? */
static int has_capture(const rl_node *n, const char *name)
{
    if (!n) return 0;
    if (n->type == N_CAPTURE && !strcmp(n->name, name)) return 1;
    for (size_t i = 0; i < n->n; i++)
        if (has_capture(n->kids[i], name)) return 1;
    return 0;
}

static void rule_free(rl_rule *r)
{
    free(r->id);
    free(r->file);
    node_free(r->pattern);
    for (size_t i = 0; i < r->n_context; i++) node_free(r->context[i]);
    free(r->context);
    for (size_t i = 0; i < r->n_unless; i++) free(r->unless[i]);
    free(r->unless);
    for (size_t i = 0; i < r->n_emits; i++) {
        free(r->emits[i].s.text); free(r->emits[i].s.datatype); free(r->emits[i].s.pred);
        free(r->emits[i].o.text); free(r->emits[i].o.datatype); free(r->emits[i].o.pred);
        free(r->emits[i].pred);
    }
    free(r->emits);
    memset(r, 0, sizeof *r);
}

void rl_ruleset_free(rl_ruleset *rs)
{
    for (size_t i = 0; i < rs->n; i++) rule_free(&rs->rules[i]);
    free(rs->rules);
    rs->rules = NULL;
    rs->n = 0;
}

static char *next_word(char **p)
{
    while (**p == ' ' || **p == '\t') (*p)++;
    if (!**p) return NULL;
    char *w = *p;
    if (*w == '"') {                      /* a quoted literal, with ^^type after */
        char *q = strchr(w + 1, '"');
        if (q) *p = q + 1;
        else *p = w + strlen(w);
    }
    while (**p && **p != ' ' && **p != '\t') (*p)++;
    if (**p) *(*p)++ = '\0';
    return w;
}

/* $name, $name:Class, Class:text, "text" or "text"^^type. */
static int parse_term(parser *ps, char *w, rl_term *t)
{
    memset(t, 0, sizeof *t);
    if (*w == '$') {
        char *dt = strstr(w, "^^");
        if (dt) {
            *dt = '\0';
            if (!dt[2]) { fail_at(ps, "%s", "expected a datatype after ^^ (integer, decimal, gYear)"); return KOUAN_EINVAL; }
            if (!(t->datatype = strdup(dt + 2))) return KOUAN_ENOMEM;
        }
        char *colon = strchr(w, ':');
        if (colon) {
            *colon++ = '\0';
            if ((t->cls = rl_class_by_name(colon)) < 0) {
                fail_at(ps, "expected a class after “$name:”, not “%s”", colon);
                return KOUAN_EINVAL;
            }
        }
        t->kind = RL_CAPTURE;
        if (!w[1]) { fail_at(ps, "%s", "expected a capture name after ‘$’"); return KOUAN_EINVAL; }
        return (t->text = strdup(w + 1)) ? KOUAN_OK : KOUAN_ENOMEM;
    }
    if (*w == '"') {
        char *q = strchr(w + 1, '"');
        if (!q) { fail_at(ps, "expected a closing ‘\"’ in %s", w); return KOUAN_EINVAL; }
        *q = '\0';
        t->kind = RL_LITERAL;
        if (!strncmp(q + 1, "^^", 2)) {
            if (!q[3]) { fail_at(ps, "%s", "expected a datatype after ^^ (integer, decimal, gYear)"); return KOUAN_EINVAL; }
            if (!(t->datatype = strdup(q + 3))) return KOUAN_ENOMEM;
        } else if (q[1]) {
            fail_at(ps, "expected a space after the literal \"%s\"", w + 1);
            return KOUAN_EINVAL;
        }
        return (t->text = strdup(w + 1)) ? KOUAN_OK : KOUAN_ENOMEM;
    }
    char *br = strchr(w, '[');
    if (br) {                             /* Port[province=$p] */
        char *eq = strchr(br, '='), *close = strchr(br, ']');
        *br = '\0';
        if ((t->cls = rl_class_by_name(w)) < 0 || !eq || !close || close < eq ||
            eq[1] != '$' || close[1] || eq == br + 1 || close == eq + 2) {
            fail_at(ps, "expected Class[predicate=$capture] (Port[province=$p]), "
                    "not “%s[…”", w);
            return KOUAN_EINVAL;
        }
        *eq = '\0';
        *close = '\0';
        t->kind = RL_EACH;
        if (!(t->pred = strdup(br + 1)) || !(t->text = strdup(eq + 2))) return KOUAN_ENOMEM;
        return KOUAN_OK;
    }
    char *colon = strchr(w, ':');
    if (colon) {
        *colon++ = '\0';
        if ((t->cls = rl_class_by_name(w)) < 0 || !*colon) {
            fail_at(ps, "expected a constant Class:name (Country:中国, TransportMode:Rail), "
                    "not “%s”", w);
            return KOUAN_EINVAL;
        }
        t->kind = RL_CONST;
        return (t->text = strdup(colon)) ? KOUAN_OK : KOUAN_ENOMEM;
    }
    fail_at(ps, "expected $capture, Class:name or \"literal\", not “%s”", w);
    return KOUAN_EINVAL;
}

static const rl_pred *find_pred(const rl_data *d, const char *name);

/* Port[province=$p]: the predicate must take an entity. */
static int each_ok(parser *ps, const rl_data *d, const rl_term *t)
{
    if (t->kind != RL_EACH) return KOUAN_OK;
    const rl_pred *p = find_pred(d, t->pred);
    if (p && p->datatype == 0) return KOUAN_OK;
    fail_at(ps, "expected a predicate between entities inside [ ] (province, opensTo, …), "
            "not “%s”", t->pred);
    return KOUAN_EINVAL;
}

static const rl_pred *find_pred(const rl_data *d, const char *name)
{
    for (size_t i = 0; i < d->n_preds; i++)
        if (!strcmp(d->preds[i].name, name)) return &d->preds[i];
    return NULL;
}

static int term_known(const rl_rule *r, const rl_term *t)
{
    if (t->kind != RL_CAPTURE && t->kind != RL_EACH) return 1;
    if (has_capture(r->pattern, t->text)) return 1;
    for (size_t i = 0; i < r->n_context; i++)
        if (has_capture(r->context[i], t->text)) return 1;
    return 0;
}

static int parse_emit(parser *ps, rl_rule *r, char *rest, const rl_data *data)
{
    rl_emit e = { 0 };
    e.line = ps->line;
    char *w = next_word(&rest);
    if (w && !strcmp(w, "zip")) { e.zip = 1; w = next_word(&rest); }
    char *pw = next_word(&rest), *ow = next_word(&rest);
    if (!w || !pw) {
        fail_at(ps, "%s", "expected emit [zip] SUBJECT PREDICATE OBJECT");
        return KOUAN_EINVAL;
    }
    int rc = parse_term(ps, w, &e.s);
    if (!rc) rc = each_ok(ps, data, &e.s);
    if (rc) goto bad;
    if (e.s.kind == RL_LITERAL) { fail_at(ps, "expected an entity as subject, not \"%s\"", e.s.text); rc = KOUAN_EINVAL; goto bad; }
    if (!(e.pred = strdup(pw))) { rc = KOUAN_ENOMEM; goto bad; }
    const rl_pred *pd = strcmp(pw, "type") ? find_pred(data, pw) : NULL;
    if (strcmp(pw, "type") && !pd) {
        fail_at(ps, "expected a predicate declared in kouan.ttl (province, tradeZone, "
                "neighbour, opensTo, …) or type, not “%s”", pw);
        rc = KOUAN_EINVAL;
        goto bad;
    }
    if (ow) {
        if (!pd) { fail_at(ps, "%s", "expected nothing after “type” (emit $x type; the class "
                            "comes from the capture or $x:Class)"); rc = KOUAN_EINVAL; goto bad; }
        if ((rc = parse_term(ps, ow, &e.o)) || (rc = each_ok(ps, data, &e.o))) goto bad;
        e.has_object = 1;
        if (pd->datatype == 1 && e.o.kind == RL_CONST) {
            fail_at(ps, "expected a literal or a capture as object of “%s” (it takes a "
                    "value, not an entity)", pw);
            rc = KOUAN_EINVAL;
            goto bad;
        }
        if (pd->datatype == 0 && e.o.kind == RL_LITERAL) {
            fail_at(ps, "expected an entity as object of “%s”, not a literal", pw);
            rc = KOUAN_EINVAL;
            goto bad;
        }
    } else if (pd) {
        fail_at(ps, "expected an object after “%s”", pw);
        rc = KOUAN_EINVAL;
        goto bad;
    }
    if (next_word(&rest)) { fail_at(ps, "%s", "expected the end of the emit line"); rc = KOUAN_EINVAL; goto bad; }
    if (!term_known(r, &e.s) || (e.has_object && !term_known(r, &e.o))) {
        fail_at(ps, "expected a capture of this rule's match or context, not $%s",
                !term_known(r, &e.s) ? e.s.text : e.o.text);
        rc = KOUAN_EINVAL;
        goto bad;
    }
    rl_emit *v = realloc(r->emits, (r->n_emits + 1) * sizeof *v);
    if (!v) { rc = KOUAN_ENOMEM; goto bad; }
    r->emits = v;
    v[r->n_emits++] = e;
    return KOUAN_OK;
bad:
    free(e.s.text); free(e.s.datatype); free(e.s.pred);
    free(e.o.text); free(e.o.datatype); free(e.o.pred); free(e.pred);
    if (rc == KOUAN_ENOMEM) fail_at(ps, "%s", "out of memory");
    return rc;
}

static int finish_rule(parser *ps, rl_rule *r)
{
    if (!r->id) return KOUAN_OK;
    size_t save = ps->line;
    ps->line = r->line;
    int rc = KOUAN_OK;
    if (!r->pattern) { fail_at(ps, "expected a “match PATTERN” line in rule %s", r->id); rc = KOUAN_EINVAL; }
    else if (!r->n_emits) { fail_at(ps, "expected at least one “emit …” line in rule %s", r->id); rc = KOUAN_EINVAL; }
    ps->line = save;
    return rc;
}

int rl_parse(rl_ruleset *rs, const char *file, const char *text, const rl_data *data,
             char *msg, size_t n)
{
    parser ps = { NULL, file, 0, msg, n, 0 };
    char *copy = strdup(text);
    if (!copy) { snprintf(msg, n, "%s: out of memory", file); return KOUAN_ENOMEM; }
    rl_rule cur = { 0 };
    int rc = KOUAN_OK;
    char *clause = NULL;          /* match/context text being continued */
    size_t clause_line = 0, clause_indent = 0;
    int clause_kind = 0;          /* 1 match, 2 context */
    size_t line_no = 0;
    /* lines are handled one at a time; a match/context clause continues on
       lines indented deeper than its keyword that start with no keyword */
    for (char *line = copy, *nl; line && !rc; line = nl) {
        nl = strchr(line, '\n');
        if (nl) *nl++ = '\0';
        line_no++;
        size_t len = strlen(line);
        if (len && line[len - 1] == '\r') line[--len] = '\0';
        char *p = line;
        while (*p == ' ' || *p == '\t') p++;
        size_t indent = (size_t)(p - line);
        if (*p == '#' || !*p) continue;
        char *kw_end = p;
        while (*kw_end && *kw_end != ' ' && *kw_end != '\t') kw_end++;
        size_t kl = (size_t)(kw_end - p);
        int is_kw = (kl == 4 && !strncmp(p, "rule", 4)) || (kl == 5 && !strncmp(p, "match", 5)) ||
                    (kl == 6 && !strncmp(p, "unless", 6)) || (kl == 7 && !strncmp(p, "context", 7)) ||
                    (kl == 4 && !strncmp(p, "emit", 4));
        if (!is_kw && clause && indent > clause_indent) {   /* continuation */
            size_t a = strlen(clause), b = strlen(p);
            char *c = realloc(clause, a + b + 2);
            if (!c) { rc = KOUAN_ENOMEM; break; }
            clause = c;
            clause[a] = ' ';
            memcpy(clause + a + 1, p, b + 1);
            continue;
        }
        /* the pending clause is complete: compile it */
        if (clause) {
            ps.line = clause_line;
            rl_node *pat = parse_pattern(&ps, clause);
            free(clause);
            clause = NULL;
            if (!pat) { rc = KOUAN_EINVAL; break; }
            if (clause_kind == 1) cur.pattern = pat;
            else {
                rl_node **v = realloc(cur.context, (cur.n_context + 1) * sizeof *v);
                if (!v) { node_free(pat); rc = KOUAN_ENOMEM; break; }
                cur.context = v;
                v[cur.n_context++] = pat;
            }
        }
        ps.line = line_no;
        if (!is_kw) {
            fail_at(&ps, "expected rule, match, unless, context or emit at “%s”", p);
            rc = KOUAN_EINVAL;
            break;
        }
        char *rest = kw_end;
        while (*rest == ' ' || *rest == '\t') rest++;
        if (!strncmp(p, "rule", 4)) {
            if ((rc = finish_rule(&ps, &cur))) break;
            if (cur.id) {
                rl_rule *v = realloc(rs->rules, (rs->n + 1) * sizeof *v);
                if (!v) { rc = KOUAN_ENOMEM; break; }
                rs->rules = v;
                v[rs->n++] = cur;
                memset(&cur, 0, sizeof cur);
            }
            char *id = next_word(&rest);
            if (!id || next_word(&rest)) {
                fail_at(&ps, "%s", "expected “rule ID” with one word as the id");
                rc = KOUAN_EINVAL;
                break;
            }
            for (size_t i = 0; i < rs->n; i++)
                if (!strcmp(rs->rules[i].id, id)) {
                    char what[300];
                    snprintf(what, sizeof what, "expected a new rule id: “%s” is already "
                             "used at %s:%zu", id, rs->rules[i].file, rs->rules[i].line);
                    fail_at(&ps, "%s", what);
                    rc = KOUAN_EINVAL;
                }
            if (rc) break;
            cur.line = line_no;
            if (!(cur.id = strdup(id)) || !(cur.file = strdup(file))) { rc = KOUAN_ENOMEM; break; }
            continue;
        }
        if (!cur.id) {
            fail_at(&ps, "expected “rule ID” before “%s”", p);
            rc = KOUAN_EINVAL;
            break;
        }
        if (!strncmp(p, "match", 5) || !strncmp(p, "context", 7)) {
            clause_kind = p[0] == 'm' ? 1 : 2;
            if (clause_kind == 1 && cur.pattern) {
                fail_at(&ps, "expected one “match” line in rule %s", cur.id);
                rc = KOUAN_EINVAL;
                break;
            }
            if (!*rest) { fail_at(&ps, "expected a pattern after “%s”", clause_kind == 1 ? "match" : "context"); rc = KOUAN_EINVAL; break; }
            if (!(clause = strdup(rest))) { rc = KOUAN_ENOMEM; break; }
            clause_line = line_no;
            clause_indent = indent;
        } else if (!strncmp(p, "unless", 6)) {
            char *w;
            /* words separated by | or spaces */
            for (char *q = rest; *q; q++) if (*q == '|') *q = ' ';
            while ((w = next_word(&rest))) {
                char **v = realloc(cur.unless, (cur.n_unless + 1) * sizeof *v);
                if (!v) { rc = KOUAN_ENOMEM; break; }
                cur.unless = v;
                if (!(v[cur.n_unless] = strdup(w))) { rc = KOUAN_ENOMEM; break; }
                rl_fold(v[cur.n_unless++]);
            }
            if (!rc && !cur.n_unless) { fail_at(&ps, "%s", "expected words after “unless” (将|未来|拟)"); rc = KOUAN_EINVAL; }
        } else {                                        /* emit */
            if (!cur.pattern) {
                fail_at(&ps, "expected “match PATTERN” before “emit” in rule %s", cur.id);
                rc = KOUAN_EINVAL;
                break;
            }
            rc = parse_emit(&ps, &cur, rest, data);
        }
    }
    if (!rc && clause) {
        ps.line = clause_line;
        rl_node *pat = parse_pattern(&ps, clause);
        if (!pat) rc = KOUAN_EINVAL;
        else if (clause_kind == 1) cur.pattern = pat;
        else {
            rl_node **v = realloc(cur.context, (cur.n_context + 1) * sizeof *v);
            if (!v) { node_free(pat); rc = KOUAN_ENOMEM; }
            else { cur.context = v; v[cur.n_context++] = pat; }
        }
    }
    free(clause);
    if (!rc) rc = finish_rule(&ps, &cur);
    if (!rc && cur.id) {
        rl_rule *v = realloc(rs->rules, (rs->n + 1) * sizeof *v);
        if (!v) rc = KOUAN_ENOMEM;
        else { rs->rules = v; v[rs->n++] = cur; memset(&cur, 0, sizeof cur); }
    }
    rule_free(&cur);
    free(copy);
    if (rc == KOUAN_ENOMEM) snprintf(msg, n, "%s: out of memory", file);
    return rc;
}

/* ---- sentences ------------------------------------------------------------------------ */

int rl_sentence_init(rl_sentence *s, const kouan_sentence *sent)
{
    memset(s, 0, sizeof *s);
    s->sent = sent;
    size_t total = 0;
    for (size_t i = 0; i < sent->n_tokens; i++)
        total += sent->tokens[i].text ? strlen(sent->tokens[i].text) : 0;
    s->text = malloc(total + 1);
    s->tok_start = calloc(sent->n_tokens + 1, sizeof *s->tok_start);
    s->tok_end = calloc(sent->n_tokens + 1, sizeof *s->tok_end);
    s->tok_at = calloc(total + 1, sizeof *s->tok_at);
    if (!s->text || !s->tok_start || !s->tok_end || !s->tok_at) {
        rl_sentence_free(s);
        return KOUAN_ENOMEM;
    }
    size_t at = 0;
    for (size_t i = 0; i < sent->n_tokens; i++) {
        const char *t = sent->tokens[i].text ? sent->tokens[i].text : "";
        char buf[512];                      /* at most 511 bytes of it, as before */
        size_t tl = strnlen(t, sizeof buf - 1);
        memcpy(buf, t, tl);
        buf[tl] = '\0';
        rl_fold(buf);                       /* never longer than the original */
        size_t n = strlen(buf);
        s->tok_start[i] = at;
        s->kinds |= 1u << sent->tokens[i].kind;
        if (sent->tokens[i].kind == KOUAN_TOKEN_ENTITY) s->classes |= 1u << sent->tokens[i].cls;
        memcpy(s->text + at, buf, n);
        for (size_t j = 0; j < n; j++) s->tok_at[at + j] = (int)i;
        at += n;
        s->tok_end[i] = at;
    }
    s->text[at] = '\0';
    s->len = at;
    s->tok_at[at] = (int)sent->n_tokens;
    return KOUAN_OK;
}

int rl_sentence_index(rl_sentence *s)
{
    free(s->mention_first);
    free(s->mention_next);
    free(s->mention_cls);
    s->mention_first = malloc((s->len + 1) * sizeof *s->mention_first);
    s->mention_next = malloc((s->n_mentions ? s->n_mentions : 1) * sizeof *s->mention_next);
    s->mention_cls = calloc(s->len + 1, sizeof *s->mention_cls);
    if (!s->mention_first || !s->mention_next || !s->mention_cls) {
        free(s->mention_first);
        free(s->mention_next);
        free(s->mention_cls);
        s->mention_first = s->mention_next = NULL;
        s->mention_cls = NULL;
        return KOUAN_ENOMEM;
    }
    for (size_t i = 0; i <= s->len; i++) s->mention_first[i] = -1;
    for (size_t i = s->n_mentions; i-- > 0; ) {      /* chains in array order */
        const rl_mention *m = &s->mentions[i];
        s->mention_next[i] = s->mention_first[m->start];
        s->mention_first[m->start] = (int)i;
        for (size_t b = m->start; b < m->end && b < s->len; b++)
            s->mention_cls[b] |= 1u << m->cls;
        s->classes |= 1u << m->cls;
    }
    return KOUAN_OK;
}

void rl_sentence_free(rl_sentence *s)
{
    for (size_t i = 0; i < s->n_mentions; i++) free(s->mentions[i].name);
    free(s->mentions);
    free(s->mention_first);
    free(s->mention_next);
    free(s->mention_cls);
    free(s->text);
    free(s->tok_start);
    free(s->tok_end);
    free(s->tok_at);
    memset(s, 0, sizeof *s);
}

/* The token starting at pos, or -1. */
static int token_at_start(const rl_sentence *s, size_t pos)
{
    if (pos >= s->len) return -1;
    int t = s->tok_at[pos];
    return s->tok_start[t] == pos ? t : -1;
}

/* The index of the first mention after mention i (-1: from the start)
 * that starts at byte pos, in array order; -1 when there is none. */
static long mention_from(const rl_sentence *s, size_t pos, long i)
{
    if (s->mention_first)
        return i < 0 ? (pos <= s->len ? s->mention_first[pos] : -1) : s->mention_next[i];
    for (size_t j = (size_t)(i + 1); j < s->n_mentions; j++)
        if (s->mentions[j].start == pos) return (long)j;
    return -1;
}

/* ---- matching ---------------------------------------------------------------------------- */

enum { KT_END, KT_SEQ, KT_REP, KT_LIST, KT_LISTSEP, KT_CAP };

typedef struct kont {
    int                type;
    const rl_node     *node;
    size_t             i;      /* SEQ: next item; REP: iterations done; LIST: element */
    size_t             pos0;   /* REP: where this iteration began; CAP: capture start */
    const struct kont *next;
} kont;

typedef struct frame { const rl_node *list; size_t iter; } frame;

typedef struct mstate {
    const rl_sentence *s;
    const rl_data     *data;
    rl_value          *caps;
    size_t             n_caps, cap_caps;
    frame              frames[RL_MAX_FRAMES];
    size_t             n_frames;
    int                last_cls;          /* the last entity-like element matched */
    size_t             last_start;
    const char        *last_abbr;         /* its country label, when an abbreviation */
    size_t             last_abbr_start, last_abbr_end;
    size_t             steps;
    int                oom;
    rl_match          *out;
    size_t             match_start;
} mstate;

static int match(mstate *st, const rl_node *n, size_t pos, const kont *k);

static int push_frame(mstate *st, const rl_node *list, size_t iter)
{
    if (st->n_frames == RL_MAX_FRAMES) return 0;
    st->frames[st->n_frames].list = list;
    st->frames[st->n_frames++].iter = iter;
    return 1;
}

static int run(mstate *st, const kont *k, size_t pos);

static int repeat(mstate *st, const rl_node *n, size_t count, size_t pos, const kont *next)
{
    if (count < n->max && push_frame(st, n, count)) {
        kont nk = { KT_REP, n, count + 1, pos, next };
        int r = match(st, n->kids[0], pos, &nk);
        st->n_frames--;
        if (r) return r;
    }
    return count >= n->min ? run(st, next, pos) : 0;
}

static int run(mstate *st, const kont *k, size_t pos)
{
    if (st->oom) return 0;
    switch (k->type) {
    case KT_END: {
        rl_match *m = st->out;
        m->start = st->match_start;
        m->end = pos;
        m->n = 0;
        m->v = calloc(st->n_caps ? st->n_caps : 1, sizeof *m->v);
        if (!m->v) { st->oom = 1; return 0; }
        for (size_t i = 0; i < st->n_caps; i++) {
            m->v[i] = st->caps[i];
            const rl_value *c = &st->caps[i];
            m->v[i].text = c->text ? strdup(c->text)
                                   : strndup(st->s->text + c->start, c->end - c->start);
            if (!m->v[i].text) { st->oom = 1; rl_match_free(m); return 0; }
            m->n++;
        }
        return 1;
    }
    case KT_SEQ: {
        if (k->i == k->node->n) return run(st, k->next, pos);
        kont nk = { KT_SEQ, k->node, k->i + 1, 0, k->next };
        return match(st, k->node->kids[k->i], pos, &nk);
    }
    case KT_REP: {                      /* one iteration ended: leave its frame */
        frame saved = st->frames[--st->n_frames];
        int r;
        if (pos == k->pos0)             /* an empty iteration: do not loop */
            r = k->i >= k->node->min ? run(st, k->next, pos) : 0;
        else
            r = repeat(st, k->node, k->i, pos, k->next);
        st->frames[st->n_frames++] = saved;
        return r;
    }
    case KT_LIST: {                     /* element k->i ended: a separator and more? */
        frame saved = st->frames[--st->n_frames];
        kont sk = { KT_LISTSEP, k->node, k->i + 1, pos, k->next };
        int r = match(st, k->node->kids[1], pos, &sk);
        if (!r) r = run(st, k->next, pos);
        st->frames[st->n_frames++] = saved;
        return r;
    }
    case KT_LISTSEP: {
        if (pos == k->pos0 || !push_frame(st, k->node, k->i)) return 0;
        kont ek = { KT_LIST, k->node, k->i, 0, k->next };
        int r = match(st, k->node->kids[0], pos, &ek);
        st->n_frames--;
        return r;
    }
    case KT_CAP: {
        if (pos == k->pos0) return run(st, k->next, pos);   /* nothing captured */
        if (st->n_caps == st->cap_caps) {
            size_t c = st->cap_caps ? st->cap_caps * 2 : 16;
            rl_value *v = realloc(st->caps, c * sizeof *v);
            if (!v) { st->oom = 1; return 0; }
            st->caps = v;
            st->cap_caps = c;
        }
        rl_value *v = &st->caps[st->n_caps++];
        memset(v, 0, sizeof *v);
        v->name = k->node->name;
        v->start = k->pos0;
        v->end = pos;
        if (st->last_abbr && st->last_abbr_start == k->pos0 && st->last_abbr_end == pos)
            v->text = (char *)st->last_abbr;      /* copied at the end; not owned here */
        v->cls = st->last_start >= k->pos0 && st->last_start < pos ? st->last_cls : 0;
        if (st->n_frames) {
            v->list = st->frames[st->n_frames - 1].list;
            v->iter = st->frames[st->n_frames - 1].iter;
        }
        int r = run(st, k->next, pos);
        if (!r) st->n_caps--;
        return r;
    }
    }
    return 0;
}

/* Marks an entity-like element as the last one matched, runs the rest,
 * and restores the mark when the rest fails. */
static int run_marked(mstate *st, const kont *k, size_t start, size_t end, int cls,
                      const char *abbr)
{
    int oc = st->last_cls;
    size_t os = st->last_start, oas = st->last_abbr_start, oae = st->last_abbr_end;
    const char *oa = st->last_abbr;
    st->last_cls = cls;
    st->last_start = start;
    if (abbr) { st->last_abbr = abbr; st->last_abbr_start = start; st->last_abbr_end = end; }
    int r = run(st, k, end);
    if (!r) {
        st->last_cls = oc; st->last_start = os; st->last_abbr = oa;
        st->last_abbr_start = oas; st->last_abbr_end = oae;
    }
    return r;
}

/* Length of literal lit when s's text has it at pos, else -1: the first
 * three bytes compared here (most tries fail on them), the rest by memcmp. */
static long lit_at(const char *lit, const rl_sentence *s, size_t pos)
{
    if (pos > s->len) return -1;
    const char *t = s->text + pos;
    size_t left = s->len - pos;
    for (size_t i = 0; i < 3; i++) {
        if (!lit[i]) return (long)i;
        if (i >= left || t[i] != lit[i]) return -1;
    }
    size_t l = 3 + strlen(lit + 3);
    return l <= left && !memcmp(t + 3, lit + 3, l - 3) ? (long)l : -1;
}

static int match(mstate *st, const rl_node *n, size_t pos, const kont *k)
{
    if (++st->steps > RL_STEP_LIMIT || st->oom) return 0;
    const rl_sentence *s = st->s;
    switch (n->type) {
    case N_LIT: {
        long l = lit_at(n->lit, s, pos);
        return l >= 0 ? run(st, k, pos + (size_t)l) : 0;
    }
    case N_ENT: {
        int t = token_at_start(s, pos);
        if (t >= 0) {
            const kouan_token *tok = &s->sent->tokens[t];
            if (tok->kind == KOUAN_TOKEN_ENTITY && (int)tok->cls == n->cls &&
                run_marked(st, k, pos, s->tok_end[t], n->cls, NULL))
                return 1;
        }
        /* a name the mention pass found (磨憨 of 磨憨口岸); its name may be
           the document's spelling of a variant */
        for (long i = mention_from(s, pos, -1); i >= 0; i = mention_from(s, pos, i)) {
            const rl_mention *mn = &s->mentions[i];
            if (mn->start != pos || mn->cls != n->cls) continue;
            int same = mn->end - mn->start == strlen(mn->name) &&
                       !memcmp(s->text + pos, mn->name, mn->end - mn->start);
            if (run_marked(st, k, pos, mn->end, n->cls, same ? NULL : mn->name)) return 1;
        }
        if (n->abbrev && pos < s->len) {
            size_t cl = utf8_len((unsigned char)s->text[pos]);
            for (size_t i = 0; i < st->data->n_abbrevs; i++) {
                const rl_abbrev *a = &st->data->abbrevs[i];
                if (strlen(a->ch) == cl && !memcmp(a->ch, s->text + pos, cl))
                    return run_marked(st, k, pos, pos + cl, KOUAN_CLASS_COUNTRY, a->label);
            }
        }
        return 0;
    }
    case N_KIND: {
        int t = token_at_start(s, pos);
        if (t < 0) return 0;
        const kouan_token *tok = &s->sent->tokens[t];
        if (n->kind == K_ENTITY ? tok->kind != KOUAN_TOKEN_ENTITY
            : n->kind != K_ANY && (int)tok->kind != n->kind)
            return 0;
        if (n->lit && (s->tok_end[t] - pos != strlen(n->lit) ||
                       memcmp(s->text + pos, n->lit, strlen(n->lit))))
            return 0;
        if (tok->kind == KOUAN_TOKEN_ENTITY)
            return run_marked(st, k, pos, s->tok_end[t], (int)tok->cls, NULL);
        return run(st, k, s->tok_end[t]);
    }
    case N_WORDAS: {
        int t = token_at_start(s, pos);
        if (t < 0 || (s->sent->tokens[t].kind != KOUAN_TOKEN_WORD &&
                      s->sent->tokens[t].kind != KOUAN_TOKEN_LATIN))
            return 0;
        return run_marked(st, k, pos, s->tok_end[t], n->cls, NULL);
    }
    case N_NAME: {                      /* shortest first */
        if (token_at_start(s, pos) < 0) return 0;
        size_t p = pos;
        for (size_t chars = 1; chars <= RL_NAME_MAX && p < s->len; chars++) {
            size_t cl = utf8_len((unsigned char)s->text[p]);
            /* a name the lexicon does not know: ideographs of WORD tokens only */
            if (p + cl > s->len || !is_ideograph(utf8_cp((const unsigned char *)s->text + p, cl)) ||
                s->sent->tokens[s->tok_at[p]].kind != KOUAN_TOKEN_WORD)
                return 0;
            p += cl;
            if (chars >= RL_NAME_MIN && run_marked(st, k, pos, p, n->cls, NULL)) return 1;
        }
        return 0;
    }
    case N_GAP: {                       /* fewest tokens first */
        size_t p = pos;
        for (size_t count = 0; count <= n->max; count++) {
            if (count >= n->min && run(st, k, p)) return 1;
            if (p >= s->len) break;
            const kouan_token *t = &s->sent->tokens[s->tok_at[p]];
            if (n->no_kind & (1u << t->kind)) break;
            if (t->kind == KOUAN_TOKEN_ENTITY && (n->no_cls & (1u << t->cls))) break;
            size_t next = s->tok_end[s->tok_at[p]];
            int named = 0;
            if (s->mention_cls)
                for (size_t b = p; b < next && !named; b++)
                    named = (s->mention_cls[b] & n->no_cls) != 0;
            else
                for (size_t i = 0; i < s->n_mentions && n->no_cls; i++)
                    named |= s->mentions[i].start < next && p < s->mentions[i].end &&
                             (n->no_cls & (1u << s->mentions[i].cls));
            if (named) break;
            p = next;
        }
        return 0;
    }
    case N_SEQ: {
        kont nk = { KT_SEQ, n, 0, 0, k };
        return run(st, &nk, pos);
    }
    case N_ALT:
        for (size_t i = 0; i < n->n; i++)
            if (match(st, n->kids[i], pos, k)) return 1;
        return 0;
    case N_REPEAT:
        return repeat(st, n, 0, pos, k);
    case N_LIST: {
        if (!push_frame(st, n, 0)) return 0;
        kont ek = { KT_LIST, n, 0, 0, k };
        int r = match(st, n->kids[0], pos, &ek);
        st->n_frames--;
        return r;
    }
    case N_CAPTURE: {
        kont ck = { KT_CAP, n, 0, pos, k };
        return match(st, n->kids[0], pos, &ck);
    }
    }
    return 0;
}

/* Whether n could match bytes starting at pos: a cheap test of its first
 * elements, false only when match() would find no non-empty match there. */
static int may_start(const rl_node *n, const rl_sentence *s, size_t pos)
{
    switch (n->type) {
    case N_LIT:
        return lit_at(n->lit, s, pos) >= 0;
    case N_ENT: {
        if (n->abbrev) return 1;
        int t = token_at_start(s, pos);
        if (t >= 0 && s->sent->tokens[t].kind == KOUAN_TOKEN_ENTITY &&
            (int)s->sent->tokens[t].cls == n->cls)
            return 1;
        for (long i = mention_from(s, pos, -1); i >= 0; i = mention_from(s, pos, i))
            if (s->mentions[i].cls == n->cls) return 1;
        return 0;
    }
    case N_KIND: {
        int t = token_at_start(s, pos);
        if (t < 0) return 0;
        const kouan_token *tok = &s->sent->tokens[t];
        return n->kind == K_ENTITY ? tok->kind == KOUAN_TOKEN_ENTITY
                                   : n->kind == K_ANY || (int)tok->kind == n->kind;
    }
    case N_WORDAS: {
        int t = token_at_start(s, pos);
        return t >= 0 && (s->sent->tokens[t].kind == KOUAN_TOKEN_WORD ||
                          s->sent->tokens[t].kind == KOUAN_TOKEN_LATIN);
    }
    case N_NAME:
        return token_at_start(s, pos) >= 0;
    case N_SEQ:                       /* the first part that takes bytes */
        for (size_t i = 0; i < n->n; i++) {
            if (may_start(n->kids[i], s, pos)) return 1;
            if (!n->kids[i]->can_empty) return 0;
        }
        return 0;
    case N_ALT:
        for (size_t i = 0; i < n->n; i++)
            if (may_start(n->kids[i], s, pos)) return 1;
        return 0;
    case N_REPEAT:                    /* an empty first iteration ends it */
        return n->max > 0 && may_start(n->kids[0], s, pos);
    case N_LIST:                      /* an empty first element, then a separator */
        return may_start(n->kids[0], s, pos) ||
               (n->kids[0]->can_empty && may_start(n->kids[1], s, pos));
    case N_CAPTURE:
        return may_start(n->kids[0], s, pos);
    default:                          /* a gap: anything */
        return 1;
    }
}

/* Whether token t can start a match of pattern by its first_* (firsts()):
 * false only when may_start() is false there; a few instructions where
 * may_start walks the pattern. */
static int first_token(const rl_node *pattern, const rl_sentence *s, size_t t)
{
    if (pattern->first_any) return 1;
    const kouan_token *tok = &s->sent->tokens[t];
    if (pattern->first_kind & (1u << tok->kind)) return 1;
    if (tok->kind == KOUAN_TOKEN_ENTITY && (pattern->first_cls & (1u << tok->cls))) return 1;
    size_t pos = s->tok_start[t];
    if (pattern->first_mention && (!s->mention_first || s->mention_first[pos] >= 0)) return 1;
    unsigned char b = (unsigned char)s->text[pos];
    return (pattern->first_byte[b >> 3] >> (b & 7)) & 1;
}

/* Whether s has what every match of pattern needs (see needs()). */
static int may_match(const rl_node *pattern, const rl_sentence *s)
{
    if ((pattern->need_kind & s->kinds) != pattern->need_kind) return 0;
    if (s->mention_first && (pattern->need_cls & s->classes) != pattern->need_cls) return 0;
    for (size_t i = 0; i < pattern->n_need_lit; i++)
        if (!memmem(s->text, s->len, pattern->need_lit[i], strlen(pattern->need_lit[i])))
            return 0;
    return 1;
}

int rl_search(const rl_node *pattern, const rl_sentence *s, size_t from,
              const rl_data *data, rl_match *m)
{
    memset(m, 0, sizeof *m);
    if (!may_match(pattern, s)) return 0;
    mstate st = { 0 };
    st.s = s;
    st.data = data;
    st.out = m;
    size_t t = from < s->len ? (size_t)s->tok_at[from] : s->sent->n_tokens;
    for (; t < s->sent->n_tokens; t++) {
        if (s->tok_start[t] < from || s->tok_start[t] == s->tok_end[t]) continue;
        if (!pattern->can_empty &&
            (!first_token(pattern, s, t) || !may_start(pattern, s, s->tok_start[t])))
            continue;
        /* a fresh state for this start, the captures' buffer kept */
        st.n_caps = 0;
        st.n_frames = 0;
        st.last_cls = 0;
        st.last_start = 0;
        st.last_abbr = NULL;
        st.last_abbr_start = st.last_abbr_end = 0;
        st.steps = 0;
        st.match_start = s->tok_start[t];
        kont end = { KT_END, NULL, 0, 0, NULL };
        int r = match(&st, pattern, s->tok_start[t], &end);
        if (st.oom || r) {
            free(st.caps);
            return st.oom ? KOUAN_ENOMEM : 1;
        }
    }
    free(st.caps);
    return 0;
}

void rl_match_free(rl_match *m)
{
    for (size_t i = 0; i < m->n; i++) free(m->v[i].text);
    free(m->v);
    memset(m, 0, sizeof *m);
}
