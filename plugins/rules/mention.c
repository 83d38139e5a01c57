/* mention.c — the mention pass of the rules plugin: finds the ports a
 * document's prose names without a table having taught them (磨憨口岸,
 * 瑞丽 口岸, 乌力吉—查干德勒乌拉口岸, 对应俄罗斯 后贝加尔斯克口岸), so that
 * {Port} in a rule matches them.  The cues (the head word 口岸, generic
 * modifiers such as 边境 or 铁路, words that are never names) are data:
 * ontology/mentions.tsv.  Owned by the rules plugin.
 *
 * A sentence's mentions are found in four steps:
 *   1. cue: a name token (ordinary word or Latin, ≥ 2 characters, not generic,
 *      not a stop word) right before the head word, or the part before the
 *      head of one word (磨憨口岸 → 磨憨), less a country's side at its start
 *      (尼方热索瓦口岸, 尼泊尔 方热索瓦口岸 → 热索瓦);
 *   2. foreign names cut into pieces by the segmenter: after a country
 *      (俄罗斯 后 贝加尔 斯克口岸) the pieces between it and the cue join;
 *   3. pairs: a name token before a dash whose clause ends in the head word
 *      (乌力吉—查干德勒乌拉口岸), pieces of one or two characters joined;
 *   4. learned names: once the document wrote X口岸, a bare X elsewhere in it
 *      (其中阿拉山口是铁路口岸) is the port too.
 * Then variants: a name the structure stage does not know, one character
 * away from a port it does know (阿拉哈沙特 / 阿日哈沙特), becomes that port
 * when its sentence also names the known port's province or another port of
 * that province. */
#define _POSIX_C_SOURCE 200809L
#include "lang.h"

#include <stdlib.h>
#include <string.h>

#define MAX_NAME_CHARS 10     /* a port's name: at most this many characters */
#define MAX_PIECE_CHARS 4     /* a piece of a foreign name cut by the segmenter */

static int in_words(const rl_words *w, const char *s, size_t n)
{
    for (size_t i = 0; i < w->n; i++)
        if (w->len[i] == n && (!n || w->w[i][0] == s[0]) && !memcmp(w->w[i], s, n)) return 1;
    return 0;
}

/* Longest word of w that s[0..n) starts with, or 0. */
static size_t starts_with_word(const rl_words *w, const char *s, size_t n)
{
    size_t best = 0;
    for (size_t i = 0; i < w->n; i++) {
        size_t l = w->len[i];
        if (l <= n && l > best && w->w[i][0] == s[0] && !memcmp(w->w[i], s, l)) best = l;
    }
    return best;
}

static size_t char_len(unsigned char c)
{
    return c < 0x80 ? 1 : c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
}

/* Is a country abbreviation (蒙, 俄) at s? Its length, or 0. */
static size_t abbrev_at(const rl_data *d, const char *s, size_t n)
{
    if (!n) return 0;
    size_t cl = char_len((unsigned char)*s);
    for (size_t i = 0; i < d->n_abbrevs && cl <= n; i++)
        if (strlen(d->abbrevs[i].ch) == cl && !memcmp(d->abbrevs[i].ch, s, cl)) return cl;
    return 0;
}

/* Is s[0..n) made only of generic modifiers and 中X / 对X (中俄, 对蒙)? Then
 * X口岸 names a kind of port (边境口岸, 对俄口岸, 一类口岸), not one port. */
static int is_generic(const rl_data *d, const char *s, size_t n)
{
    if (!n) return 1;
    size_t l = starts_with_word(&d->cues.generic, s, n);
    if (l && is_generic(d, s + l, n - l)) return 1;
    if (n >= 3 && (!memcmp(s, "中", 3) || !memcmp(s, "对", 3))) {
        size_t a = abbrev_at(d, s + 3, n - 3);
        if (a && is_generic(d, s + 3 + a, n - 3 - a)) return 1;
        size_t b = a ? abbrev_at(d, s + 3 + a, n - 3 - a) : 0;   /* 中俄蒙 */
        if (b && is_generic(d, s + 3 + a + b, n - 3 - a - b)) return 1;
    }
    return 0;
}

static const kouan_token *tok(const rl_sentence *s, size_t i)
{
    return &s->sent->tokens[i];
}

static size_t tok_chars(const rl_sentence *s, size_t i)
{
    return rl_chars(s->text + s->tok_start[i], s->tok_end[i] - s->tok_start[i]);
}

/* Bytes at the start of x[0..n), the start of token i, that name a
 * country's side, not a port: a one-character abbreviation and a side word
 * (尼方热索瓦口岸 → 尼方), or a side word right after a country token
 * (尼泊尔 方热索瓦口岸 → 方).  0 when there are none. */
static size_t side_prefix(const rl_sentence *s, const rl_data *d, size_t i,
                          const char *x, size_t n)
{
    int after_country = i > 0 && tok(s, i - 1)->kind == KOUAN_TOKEN_ENTITY &&
                        tok(s, i - 1)->cls == KOUAN_CLASS_COUNTRY;
    size_t a = after_country ? 0 : abbrev_at(d, x, n);
    if (!after_country && !a) return 0;
    size_t w = starts_with_word(&d->cues.side, x + a, n - a);
    return w ? a + w : 0;
}

/* A token that may be (part of) a name: an ordinary word or Latin, not a
 * stop word nor a generic modifier. */
static int name_piece(const rl_sentence *s, const rl_data *d, size_t i)
{
    const kouan_token *t = tok(s, i);
    if (t->kind != KOUAN_TOKEN_WORD && t->kind != KOUAN_TOKEN_LATIN) return 0;
    const char *x = s->text + s->tok_start[i];
    size_t n = s->tok_end[i] - s->tok_start[i];
    return n && !in_words(&d->cues.stop, x, n) && !is_generic(d, x, n) &&
           !in_words(&d->cues.head, x, n);
}

/* A whole token that may name a port before the head word: a name piece of
 * ≥ 2 characters, or a town the tables know as another class (a county or
 * city gives its name to its port: 瑞丽 口岸). */
static int name_token(const rl_sentence *s, const rl_data *d, size_t i)
{
    const kouan_token *t = tok(s, i);
    if (t->kind == KOUAN_TOKEN_ENTITY)
        return t->cls == KOUAN_CLASS_COUNTY || t->cls == KOUAN_CLASS_PREFECTURE ||
               t->cls == KOUAN_CLASS_OPEN_BORDER_CITY;
    return name_piece(s, d, i) && tok_chars(s, i) >= 2;
}

static int add_mention(rl_sentence *s, size_t start, size_t end, int learned)
{
    if (end <= start) return KOUAN_OK;
    for (size_t i = 0; i < s->n_mentions; i++) {
        rl_mention *m = &s->mentions[i];
        if (start < m->end && m->start < end) {          /* overlap: keep the longer */
            if (end - start <= m->end - m->start) return KOUAN_OK;
            char *nm = strndup(s->text + start, end - start);
            if (!nm) return KOUAN_ENOMEM;
            free(m->name);
            m->name = nm;
            m->start = start;
            m->end = end;
            m->learned = learned;
            return KOUAN_OK;
        }
    }
    rl_mention *v = realloc(s->mentions, (s->n_mentions + 1) * sizeof *v);
    if (!v) return KOUAN_ENOMEM;
    s->mentions = v;
    rl_mention *m = &v[s->n_mentions];
    if (!(m->name = strndup(s->text + start, end - start))) return KOUAN_ENOMEM;
    m->start = start;
    m->end = end;
    m->cls = KOUAN_CLASS_PORT;
    m->learned = learned;
    s->n_mentions++;
    return KOUAN_OK;
}

/* Step 2: pieces of a foreign name between a country (or a pair's dash)
 * and the cue.  first is the name's first token, core_chars the characters
 * found so far.  Returns the token the name starts at (first when nothing
 * joins). */
static size_t join_after_country(const rl_sentence *s, const rl_data *d, size_t first,
                                 size_t core_chars)
{
    size_t chars = core_chars, k = first;
    while (k > 0 && name_piece(s, d, k - 1) && tok_chars(s, k - 1) <= MAX_PIECE_CHARS &&
           chars + tok_chars(s, k - 1) <= MAX_NAME_CHARS) {
        chars += tok_chars(s, k - 1);
        k--;
    }
    if (k == first || k == 0) return first;
    const kouan_token *c = tok(s, k - 1);
    const char *x = s->text + s->tok_start[k - 1];
    size_t n = s->tok_end[k - 1] - s->tok_start[k - 1];
    return (c->kind == KOUAN_TOKEN_ENTITY && c->cls == KOUAN_CLASS_COUNTRY) ||
           (c->kind == KOUAN_TOKEN_PUNCT && in_words(&d->cues.dash, x, n)) ? k : first;
}

/* Step 3: pieces joined to the left of token last while one of two
 * neighbours has a single character (阿拉 哈 沙特 → 阿拉哈沙特). */
static size_t join_pieces(const rl_sentence *s, const rl_data *d, size_t last)
{
    size_t chars = tok_chars(s, last), k = last;
    while (k > 0 && name_piece(s, d, k - 1) &&
           (tok_chars(s, k - 1) == 1 || tok_chars(s, k) == 1) &&
           tok_chars(s, k - 1) <= MAX_PIECE_CHARS &&
           chars + tok_chars(s, k - 1) <= MAX_NAME_CHARS) {
        chars += tok_chars(s, k - 1);
        k--;
    }
    return k;
}

/* Does the clause after token i (up to ， ； 。) contain the head word? */
static int clause_has_head(const rl_sentence *s, const rl_data *d, size_t i)
{
    for (size_t j = i + 1; j < s->sent->n_tokens; j++) {
        const char *x = s->text + s->tok_start[j];
        size_t n = s->tok_end[j] - s->tok_start[j];
        if (tok(s, j)->kind == KOUAN_TOKEN_PUNCT && in_words(&d->cues.clause, x, n)) return 0;
        for (size_t h = 0; h < d->cues.head.n; h++) {
            size_t hl = d->cues.head.len[h];
            if (n >= hl && !memcmp(x + n - hl, d->cues.head.w[h], hl)) return 1;
        }
    }
    return 0;
}

/* Steps 1–3 on one sentence. */
static int cue_mentions(rl_sentence *s, const rl_data *d)
{
    size_t n = s->sent->n_tokens;
    for (size_t i = 0; i < n; i++) {
        const char *x = s->text + s->tok_start[i];
        size_t len = s->tok_end[i] - s->tok_start[i];
        const kouan_token *t = tok(s, i);
        int rc = KOUAN_OK;
        if (in_words(&d->cues.head, x, len)) {                     /* 瑞丽 口岸 */
            if (i == 0) continue;
            size_t j = i - 1;
            if (tok(s, j)->kind == KOUAN_TOKEN_ENTITY && tok(s, j)->cls == KOUAN_CLASS_PORT)
                continue;
            if (name_token(s, d, j)) {
                size_t f = join_after_country(s, d, j, tok_chars(s, j));
                rc = add_mention(s, s->tok_start[f], s->tok_end[j], 0);
            } else if (name_piece(s, d, j)) {                       /* 斯特 克 口岸 */
                size_t f = join_after_country(s, d, j, tok_chars(s, j));
                if (f != j) rc = add_mention(s, s->tok_start[f], s->tok_end[j], 0);
            }
        } else if (t->kind == KOUAN_TOKEN_WORD) {                  /* 磨憨口岸 */
            for (size_t h = 0; h < d->cues.head.n; h++) {
                size_t hl = d->cues.head.len[h];
                if (len <= hl || memcmp(x + len - hl, d->cues.head.w[h], hl)) continue;
                size_t pre = len - hl, side = side_prefix(s, d, i, x, pre);
                const char *nm = x + side;                  /* 尼方热索瓦口岸 → 热索瓦 */
                size_t nl = pre - side, pc = rl_chars(nm, nl);
                if (is_generic(d, nm, nl) || in_words(&d->cues.stop, nm, nl)) break;
                size_t f = side ? i : join_after_country(s, d, i, pc);
                size_t from = f == i ? s->tok_start[i] + side : s->tok_start[f];
                if (pc >= 2 || f != i) rc = add_mention(s, from, s->tok_start[i] + pre, 0);
                break;
            }
        } else if (t->kind == KOUAN_TOKEN_PUNCT && in_words(&d->cues.dash, x, len) && i > 0 &&
                   clause_has_head(s, d, i)) {                      /* 乌力吉—查干德勒乌拉口岸 */
            size_t j = i - 1;
            if (name_piece(s, d, j)) {
                size_t f = join_pieces(s, d, j);
                if (rl_chars(s->text + s->tok_start[f], s->tok_end[j] - s->tok_start[f]) >= 2)
                    rc = add_mention(s, s->tok_start[f], s->tok_end[j], 0);
            }
        }
        if (rc) return rc;
    }
    return KOUAN_OK;
}

/* Step 4: a name learned from a cue, written bare at a token start and
 * ending at a token end (or before the head word). */
static int learned_mentions(rl_sentence *s, const rl_data *d, char **names,
                            const size_t *lens, size_t n_names)
{
    for (size_t i = 0; i < s->sent->n_tokens; i++) {
        const kouan_token *t = tok(s, i);
        if (t->kind != KOUAN_TOKEN_WORD && t->kind != KOUAN_TOKEN_LATIN) continue;
        size_t at = s->tok_start[i];
        for (size_t k = 0; k < n_names; k++) {
            size_t l = lens[k];
            if (at + l > s->len || s->text[at] != names[k][0] ||
                memcmp(s->text + at, names[k], l)) continue;
            size_t end = at + l;
            int ends = end == s->len || s->tok_start[s->tok_at[end]] == end;
            if (!ends) {
                for (size_t h = 0; h < d->cues.head.n && !ends; h++)
                    ends = !strncmp(s->text + end, d->cues.head.w[h], d->cues.head.len[h]);
            }
            if (!ends) continue;
            int covered = 0;
            for (size_t m = 0; m < s->n_mentions; m++)
                covered |= at < s->mentions[m].end && s->mentions[m].start < end;
            if (!covered) {
                int rc = add_mention(s, at, end, 1);
                if (rc) return rc;
            }
        }
    }
    return KOUAN_OK;
}

/* ---- variants ---------------------------------------------------------------------- */

/* The port labels the structure stage knows, and their provinces. */
static const char *known_province(const kouan_doc *doc, const char *port)
{
    for (size_t i = 0; i < doc->n_facts; i++) {
        const kouan_known_fact *f = &doc->facts[i];
        if (f->subject_class == KOUAN_CLASS_PORT && f->object_class == KOUAN_CLASS_PROVINCE &&
            !strcmp(f->predicate, "province") && !strcmp(f->subject, port))
            return f->object;
    }
    return NULL;
}

static int known_port(const kouan_doc *doc, const char *name)
{
    for (size_t i = 0; i < doc->n_facts; i++) {
        const kouan_known_fact *f = &doc->facts[i];
        if ((f->subject_class == KOUAN_CLASS_PORT && !strcmp(f->subject, name)) ||
            (f->object_class == KOUAN_CLASS_PORT && f->object && !strcmp(f->object, name)))
            return 1;
    }
    return 0;
}

/* Same number of characters (≥ 3), exactly one of them different. */
static int one_char_apart(const char *a, const char *b)
{
    size_t diff = 0, chars = 0;
    while (*a && *b) {
        size_t la = char_len((unsigned char)*a), lb = char_len((unsigned char)*b);
        if (la != lb || memcmp(a, b, la)) diff++;
        a += la;
        b += lb;
        chars++;
    }
    return !*a && !*b && diff == 1 && chars >= 3;
}

/* Does sentence s name province prov, or a known port of prov (other than
 * the variant's own mention)? */
static int sentence_names_province(const rl_sentence *s, const kouan_doc *doc,
                                   const rl_data *d, const char *prov)
{
    for (size_t i = 0; i < s->sent->n_tokens; i++) {
        const kouan_token *t = tok(s, i);
        if (t->kind != KOUAN_TOKEN_ENTITY) continue;
        if (t->cls == KOUAN_CLASS_PROVINCE && !strcmp(rl_canonical(d, KOUAN_CLASS_PROVINCE, t->text), prov))
            return 1;
        if (t->cls == KOUAN_CLASS_PORT) {
            const char *p = known_province(doc, t->text);
            if (p && !strcmp(p, prov)) return 1;
        }
    }
    return 0;
}

static int find_variants(rl_sentence *sents, size_t n, const kouan_doc *doc,
                         const rl_data *d, rl_variant **out, size_t *n_out)
{
    for (size_t i = 0; i < n; i++) {
        rl_sentence *s = &sents[i];
        for (size_t m = 0; m < s->n_mentions; m++) {
            rl_mention *mn = &s->mentions[m];
            if (known_port(doc, mn->name)) continue;
            /* the one known port a character away */
            const char *cand = NULL;
            int many = 0;
            for (size_t f = 0; f < doc->n_facts && !many; f++) {
                const kouan_known_fact *k = &doc->facts[f];
                if (k->subject_class != KOUAN_CLASS_PORT || !one_char_apart(k->subject, mn->name))
                    continue;
                if (cand && strcmp(cand, k->subject)) many = 1;
                cand = k->subject;
            }
            if (!cand || many) continue;
            const char *prov = known_province(doc, cand);
            if (!prov || !sentence_names_province(s, doc, d, prov)) continue;
            int seen = 0;
            for (size_t v = 0; v < *n_out; v++)
                seen |= !strcmp((*out)[v].alt, mn->name);
            if (!seen) {
                rl_variant *v = realloc(*out, (*n_out + 1) * sizeof *v);
                if (!v) return KOUAN_ENOMEM;
                *out = v;
                v[*n_out].label = strdup(cand);
                v[*n_out].alt = strdup(mn->name);
                v[*n_out].sentence = i;
                (*n_out)++;
                if (!v[*n_out - 1].label || !v[*n_out - 1].alt) return KOUAN_ENOMEM;
            }
        }
    }
    /* every mention of a merged spelling names the known port */
    for (size_t v = 0; v < *n_out; v++)
        for (size_t i = 0; i < n; i++)
            for (size_t m = 0; m < sents[i].n_mentions; m++) {
                rl_mention *mn = &sents[i].mentions[m];
                if (strcmp(mn->name, (*out)[v].alt)) continue;
                char *nm = strdup((*out)[v].label);
                if (!nm) return KOUAN_ENOMEM;
                free(mn->name);
                mn->name = nm;
            }
    return KOUAN_OK;
}

void rl_variants_free(rl_variant *v, size_t n)
{
    for (size_t i = 0; i < n; i++) { free(v[i].label); free(v[i].alt); }
    free(v);
}

int rl_mentions_find(rl_sentence *sents, size_t n, const kouan_doc *doc, const rl_data *d,
                     rl_variant **variants, size_t *n_variants)
{
    *variants = NULL;
    *n_variants = 0;
    if (!d->cues.head.n) return KOUAN_OK;              /* no cues: no mentions */
    int rc = KOUAN_OK;
    for (size_t i = 0; i < n && !rc; i++) rc = cue_mentions(&sents[i], d);
    /* the names learned from cues, longest first */
    char **names = NULL;
    size_t n_names = 0;
    for (size_t i = 0; i < n && !rc; i++)
        for (size_t m = 0; m < sents[i].n_mentions && !rc; m++) {
            const char *nm = sents[i].mentions[m].name;
            int dup = 0;
            for (size_t k = 0; k < n_names; k++) dup |= !strcmp(names[k], nm);
            if (dup) continue;
            char **v = realloc(names, (n_names + 1) * sizeof *v);
            if (!v) { rc = KOUAN_ENOMEM; break; }
            names = v;
            names[n_names++] = (char *)nm;
        }
    for (size_t a = 1; a < n_names; a++)              /* longest first: 阿拉山口 before 阿拉 */
        for (size_t b = a; b > 0 && strlen(names[b]) > strlen(names[b - 1]); b--) {
            char *t = names[b]; names[b] = names[b - 1]; names[b - 1] = t;
        }
    /* copy them: learned_mentions may move the mentions they point into */
    size_t *lens = n_names ? malloc(n_names * sizeof *lens) : NULL;
    if (n_names && !lens) {              /* names still point into mentions: not ours */
        n_names = 0;
        rc = KOUAN_ENOMEM;
    }
    for (size_t k = 0; k < n_names && !rc; k++)
        if (!(names[k] = strdup(names[k]))) {
            for (size_t j = 0; j < k; j++) free(names[j]);
            n_names = 0;
            rc = KOUAN_ENOMEM;
        } else {
            lens[k] = strlen(names[k]);
        }
    for (size_t i = 0; i < n && !rc; i++) rc = learned_mentions(&sents[i], d, names, lens, n_names);
    for (size_t k = 0; k < n_names; k++) free(names[k]);
    free(names);
    free(lens);
    if (!rc && doc->facts) rc = find_variants(sents, n, doc, d, variants, n_variants);
    return rc;
}
