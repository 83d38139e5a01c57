/* rules.c — the rules plugin: prose relation extraction driven by the rule
 * files in ontology/rules/NAME.rules (language: ontology/rules/README.md;
 * parser and matcher: lang.c).  A prose-stage plugin: it reads the token view
 * (kouan_doc.sentences, ABI 1.1) and emits, for each match of a rule, the
 * facts its emit lines build from the captures, with the sentence as
 * evidence and the rule's id as the rule.  Owned by the rules plugin.
 *
 * Data it reads at init, all from cfg->ontology_dir: rules/NAME.rules (in file
 * name order; a missing folder means no rules), gazetteer/countries.tsv (the
 * 4th field: one-character abbreviations, for {Country|abbrev}) and kouan.ttl
 * (which predicates exist and whether they take an entity or a value, so a
 * rule with a wrong predicate is refused at start-up, not mid-document),
 * gazetteer/{provinces,countries,trade-zones}.tsv (labels and aliases: a
 * province written 西藏自治区 is 西藏 when compared with the structure
 * stage's facts) and mentions.tsv (cues of the mention pass, mention.c; a
 * missing file means no mention pass). */
#define _POSIX_C_SOURCE 200809L
#include <kouan/plugin.h>
#include "lang.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct rules_state {
    rl_data    data;
    rl_ruleset set;
} rules_state;

/* ---- data files ---------------------------------------------------------------- */

static char *read_file(const char *path, int *missing)
{
    FILE *f = fopen(path, "rb");
    if (!f) { if (missing) *missing = errno == ENOENT; return NULL; }
    size_t len = 0, cap = 8192;
    char *buf = malloc(cap);
    size_t got;
    while (buf && (got = fread(buf + len, 1, cap - len - 1, f)) > 0) {
        len += got;
        if (len + 1 == cap) {
            char *nb = realloc(buf, cap *= 2);
            if (!nb) { free(buf); buf = NULL; }
            else buf = nb;
        }
    }
    if (buf && ferror(f)) { free(buf); buf = NULL; }
    fclose(f);
    if (buf) buf[len] = '\0';
    return buf;
}

static int fail(const kouan_config *cfg, int code, const char *fmt, const char *a, const char *b)
{
    char msg[1024];
    snprintf(msg, sizeof msg, fmt, a, b);
    return cfg->error ? cfg->error(cfg, code, msg) : code;
}

/* The 4th field of countries.tsv: abbreviation characters → label. */
static int load_abbrevs(rl_data *d, const kouan_config *cfg)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/gazetteer/countries.tsv", cfg->ontology_dir);
    char *text = read_file(path, NULL);
    if (!text) return fail(cfg, KOUAN_EIO, "%s: cannot read (%s)", path, strerror(errno));
    int rc = KOUAN_OK;
    for (char *line = text, *nl; line && !rc; line = nl) {
        nl = strchr(line, '\n');
        if (nl) *nl++ = '\0';
        if (*line == '#' || !*line) continue;
        char *f[4] = { line, NULL, NULL, NULL };
        for (int i = 1; i < 4; i++) {
            char *tab = f[i - 1] ? strchr(f[i - 1], '\t') : NULL;
            if (tab) { *tab = '\0'; f[i] = tab + 1; }
        }
        if (!f[3]) continue;
        char *save = NULL;
        for (char *w = strtok_r(f[3], " \r", &save); w; w = strtok_r(NULL, " \r", &save)) {
            rl_abbrev *v = realloc(d->abbrevs, (d->n_abbrevs + 1) * sizeof *v);
            if (!v) { rc = KOUAN_ENOMEM; break; }
            d->abbrevs = v;
            snprintf(v[d->n_abbrevs].ch, sizeof v->ch, "%s", w);
            snprintf(v[d->n_abbrevs].label, sizeof v->label, "%s", f[0]);
            d->n_abbrevs++;
        }
    }
    free(text);
    return rc ? fail(cfg, rc, "%s%s", "out of memory", "") : KOUAN_OK;
}

/* Labels and aliases of a gazetteer (label TAB code TAB aliases …). */
static int load_aliases(rl_data *d, const kouan_config *cfg, const char *file, int cls)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/gazetteer/%s", cfg->ontology_dir, file);
    char *text = read_file(path, NULL);
    if (!text) return fail(cfg, KOUAN_EIO, "%s: cannot read (%s)", path, strerror(errno));
    int rc = KOUAN_OK;
    for (char *line = text, *nl; line && !rc; line = nl) {
        nl = strchr(line, '\n');
        if (nl) *nl++ = '\0';
        if (*line == '#' || !*line) continue;
        char *f[3] = { line, NULL, NULL };
        for (int i = 1; i < 3; i++) {
            char *tab = f[i - 1] ? strchr(f[i - 1], '\t') : NULL;
            if (tab) { *tab = '\0'; f[i] = tab + 1; }
        }
        if (f[2]) { char *tab = strchr(f[2], '\t'); if (tab) *tab = '\0'; }
        char *save = NULL;
        for (char *w = f[2] ? strtok_r(f[2], " \r", &save) : NULL; ; w = strtok_r(NULL, " \r", &save)) {
            const char *form = w ? w : f[0];
            rl_alias *v = realloc(d->aliases, (d->n_aliases + 1) * sizeof *v);
            if (!v) { rc = KOUAN_ENOMEM; break; }
            d->aliases = v;
            v[d->n_aliases].cls = cls;
            snprintf(v[d->n_aliases].form, sizeof v->form, "%s", form);
            snprintf(v[d->n_aliases].label, sizeof v->label, "%s", f[0]);
            d->n_aliases++;
            if (!w) break;
        }
    }
    free(text);
    return rc ? fail(cfg, rc, "%s%s", "out of memory", "") : KOUAN_OK;
}

static int words_add(rl_words *w, const char *word)
{
    char **v = realloc(w->w, (w->n + 1) * sizeof *v);
    if (!v) return KOUAN_ENOMEM;
    w->w = v;
    size_t *l = realloc(w->len, (w->n + 1) * sizeof *l);
    if (!l) return KOUAN_ENOMEM;
    w->len = l;
    if (!(v[w->n] = strdup(word))) return KOUAN_ENOMEM;
    rl_fold(v[w->n]);
    l[w->n] = strlen(v[w->n]);
    w->n++;
    return KOUAN_OK;
}

static void words_free(rl_words *w)
{
    for (size_t i = 0; i < w->n; i++) free(w->w[i]);
    free(w->w);
    free(w->len);
    memset(w, 0, sizeof *w);
}

/* mentions.tsv: "cue<TAB>word word …" per line; the cues are head, generic,
 * stop, dash, clause and side.  Missing: no mention pass. */
static int load_cues(rl_data *d, const kouan_config *cfg)
{
    char path[4096];
    int missing = 0;
    snprintf(path, sizeof path, "%s/mentions.tsv", cfg->ontology_dir);
    char *text = read_file(path, &missing);
    if (!text) return missing ? KOUAN_OK
                      : fail(cfg, KOUAN_EIO, "%s: cannot read (%s)", path, strerror(errno));
    static const char *const KEYS[] = { "head", "generic", "stop", "dash", "clause", "side" };
    rl_words *lists[] = { &d->cues.head, &d->cues.generic, &d->cues.stop, &d->cues.dash,
                          &d->cues.clause, &d->cues.side };
    const size_t nkeys = sizeof KEYS / sizeof *KEYS;
    int rc = KOUAN_OK;
    size_t line_no = 0;
    for (char *line = text, *nl; line && !rc; line = nl) {
        nl = strchr(line, '\n');
        if (nl) *nl++ = '\0';
        line_no++;
        if (*line == '#' || !*line || *line == '\r') continue;
        char *tab = strchr(line, '\t');
        if (tab) *tab = '\0';
        size_t k = 0;
        while (k < nkeys && strcmp(line, KEYS[k])) k++;
        if (!tab || k == nkeys) {
            char msg[600];
            snprintf(msg, sizeof msg, "%s:%zu: expected head, generic, stop, dash, clause or side, "
                     "a TAB and words separated by spaces, not “%.60s”", path, line_no, line);
            free(text);
            return fail(cfg, KOUAN_EINVAL, "%s%s", msg, "");
        }
        char *save = NULL;
        for (char *w = strtok_r(tab + 1, " \t\r", &save); w && !rc; w = strtok_r(NULL, " \t\r", &save))
            rc = words_add(lists[k], w);
    }
    free(text);
    return rc ? fail(cfg, rc, "%s%s", "out of memory", "") : KOUAN_OK;
}

/* Properties declared in kouan.ttl: a block starting "kouan:NAME" at the
 * start of a line, up to the line ending in '.', that says
 * owl:ObjectProperty or owl:DatatypeProperty. */
static int load_predicates(rl_data *d, const kouan_config *cfg)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/kouan.ttl", cfg->ontology_dir);
    char *text = read_file(path, NULL);
    if (!text) return fail(cfg, KOUAN_EIO, "%s: cannot read (%s)", path, strerror(errno));
    for (char *p = text; (p = strstr(p, "\nkouan:")); ) {
        p += 7;
        size_t n = 0;
        while (p[n] && p[n] != ' ' && p[n] != '\n' && p[n] != '\t') n++;
        char *end = strstr(p, " .\n");
        if (!end) end = p + strlen(p);
        char save = *end;
        *end = '\0';
        int kind = strstr(p, "owl:DatatypeProperty") ? 1 : strstr(p, "owl:ObjectProperty") ? 0 : -1;
        *end = save;
        if (kind < 0 || !n || n >= sizeof d->preds->name) continue;
        rl_pred *v = realloc(d->preds, (d->n_preds + 1) * sizeof *v);
        if (!v) { free(text); return fail(cfg, KOUAN_ENOMEM, "%s%s", "out of memory", ""); }
        d->preds = v;
        memcpy(v[d->n_preds].name, p, n);
        v[d->n_preds].name[n] = '\0';
        v[d->n_preds++].datatype = kind;
    }
    free(text);
    if (!d->n_preds)
        return fail(cfg, KOUAN_EINVAL, "%s: no properties found (expected "
                    "“kouan:NAME a owl:ObjectProperty” blocks)%s", path, "");
    return KOUAN_OK;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int load_rules(rules_state *st, const kouan_config *cfg)
{
    char dir[4096];
    snprintf(dir, sizeof dir, "%s/rules", cfg->ontology_dir);
    DIR *dp = opendir(dir);
    if (!dp) return errno == ENOENT ? KOUAN_OK   /* no rules: nothing to do */
                  : fail(cfg, KOUAN_EIO, "%s: cannot read the rules folder (%s)", dir, strerror(errno));
    char **names = NULL;
    size_t n = 0;
    int rc = KOUAN_OK;
    struct dirent *e;
    while ((e = readdir(dp))) {
        size_t l = strlen(e->d_name);
        if (l < 7 || strcmp(e->d_name + l - 6, ".rules") || e->d_name[0] == '.') continue;
        char **v = realloc(names, (n + 1) * sizeof *v);
        if (!v || !(v[n] = strdup(e->d_name))) { if (v) names = v; rc = KOUAN_ENOMEM; break; }
        names = v;
        n++;
    }
    closedir(dp);
    if (!rc) qsort(names, n, sizeof *names, by_name);
    for (size_t i = 0; i < n && !rc; i++) {
        char path[8192], msg[1024];
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        char *text = read_file(path, NULL);
        if (!text) { rc = fail(cfg, KOUAN_EIO, "%s: cannot read (%s)", path, strerror(errno)); break; }
        if ((rc = rl_parse(&st->set, path, text, &st->data, msg, sizeof msg)))
            rc = fail(cfg, rc, "%s%s", msg, "");
        free(text);
    }
    for (size_t i = 0; i < n; i++) free(names[i]);
    free(names);
    if (rc == KOUAN_ENOMEM) fail(cfg, rc, "%s%s", "out of memory", "");
    return rc;
}

static void rules_fini(void *state)
{
    rules_state *st = state;
    if (!st) return;
    rl_ruleset_free(&st->set);
    free(st->data.abbrevs);
    free(st->data.preds);
    free(st->data.aliases);
    words_free(&st->data.cues.head);
    words_free(&st->data.cues.generic);
    words_free(&st->data.cues.stop);
    words_free(&st->data.cues.dash);
    words_free(&st->data.cues.clause);
    words_free(&st->data.cues.side);
    free(st);
}

static int rules_init(const kouan_config *cfg, void **state)
{
    rules_state *st = calloc(1, sizeof *st);
    if (!st) return fail(cfg, KOUAN_ENOMEM, "%s%s", "out of memory", "");
    int rc = load_abbrevs(&st->data, cfg);
    if (!rc) rc = load_predicates(&st->data, cfg);
    if (!rc) rc = load_aliases(&st->data, cfg, "provinces.tsv", KOUAN_CLASS_PROVINCE);
    if (!rc) rc = load_aliases(&st->data, cfg, "countries.tsv", KOUAN_CLASS_COUNTRY);
    if (!rc) rc = load_aliases(&st->data, cfg, "trade-zones.tsv", KOUAN_CLASS_TRADE_ZONE);
    if (!rc) rc = load_cues(&st->data, cfg);
    if (!rc) rc = load_rules(st, cfg);
    if (rc) { rules_fini(st); return rc; }
    *state = st;
    return KOUAN_OK;
}

/* ---- emitting ---------------------------------------------------------------------- */

typedef struct values {
    const rl_value **v;
    size_t           n;
    rl_value        *each;     /* RL_EACH: the values found (owned array; texts borrowed) */
} values;

/* Every value a term stands for: a capture's values (from the match and the
 * context matches), or the one constant/literal (in *tmp). */
static int term_values(const rl_term *t, const rl_match *m, const rl_match *ctx,
                       size_t n_ctx, rl_value *tmp, values *out, const kouan_doc *doc,
                       const rl_data *data)
{
    out->n = 0;
    out->each = NULL;
    size_t cap = 1 + m->n;
    for (size_t c = 0; c < n_ctx; c++) cap += ctx[c].n;
    if (t->kind == RL_EACH) cap += doc->n_facts;
    if (!(out->v = malloc(cap * sizeof *out->v))) return KOUAN_ENOMEM;
    if (t->kind == RL_EACH) {
        /* every entity of the class that a known fact relates to the capture's value */
        rl_term cap_t = { RL_CAPTURE, t->text, 0, NULL, NULL };
        values keys = { 0 };
        int rc = term_values(&cap_t, m, ctx, n_ctx, tmp, &keys, doc, data);
        if (rc) return rc;
        /* the keys' canonical names, for the class of the facts' objects
           (computed again when it changes) */
        const char **canon = malloc((keys.n ? keys.n : 1) * sizeof *canon);
        if (!canon || !(out->each = calloc(doc->n_facts + 1, sizeof *out->each))) {
            free(canon);
            free(keys.v);
            return KOUAN_ENOMEM;
        }
        int canon_cls = -1;
        for (size_t i = 0; i < doc->n_facts; i++) {
            const kouan_known_fact *f = &doc->facts[i];
            if ((int)f->subject_class != t->cls || strcmp(f->predicate, t->pred) || !f->object) continue;
            if ((int)f->object_class != canon_cls) {
                canon_cls = (int)f->object_class;
                for (size_t k = 0; k < keys.n; k++)
                    canon[k] = rl_canonical(data, canon_cls, keys.v[k]->text);
            }
            int hit = 0;
            for (size_t k = 0; k < keys.n && !hit; k++)
                hit = !strcmp(canon[k], f->object);
            for (size_t j = 0; j < out->n && hit; j++)
                hit = strcmp(out->v[j]->text, f->subject) != 0;
            if (!hit) continue;
            rl_value *v = &out->each[out->n];
            v->text = (char *)f->subject;
            v->cls = t->cls;
            if (doc->fact_evidence) {      /* where the set membership is stated */
                v->ev = doc->fact_evidence[i];
                v->has_ev = 1;
            }
            out->v[out->n++] = v;
        }
        free(canon);
        free(keys.v);
        return KOUAN_OK;
    }
    if (t->kind != RL_CAPTURE) {
        memset(tmp, 0, sizeof *tmp);
        tmp->text = t->text;
        tmp->cls = t->cls;
        out->v[out->n++] = tmp;
        return KOUAN_OK;
    }
    for (size_t i = 0; i < m->n; i++)
        if (!strcmp(m->v[i].name, t->text)) out->v[out->n++] = &m->v[i];
    for (size_t c = 0; c < n_ctx; c++)
        for (size_t i = 0; i < ctx[c].n; i++)
            if (!strcmp(ctx[c].v[i].name, t->text)) out->v[out->n++] = &ctx[c].v[i];
    return KOUAN_OK;
}

/* Values of one list pair up element by element; others go with each other. */
static int pairs_with(const rl_value *a, const rl_value *b)
{
    return !(a->list && a->list == b->list && a->iter != b->iter);
}

/* A numeric datatype keeps the number only: "1992年" → "1992". */
static void numeric_value(const char *in, char *out, size_t n)
{
    size_t j = 0;
    for (const char *p = in; *p && j + 1 < n; p++) {
        if ((*p >= '0' && *p <= '9') || *p == '.' || (*p == '-' && j == 0)) out[j++] = *p;
        else if (j) break;
    }
    out[j] = '\0';
}

static int emit_one(kouan_emitter *out, const rl_rule *r, const rl_emit *e,
                    const rl_value *s, const rl_value *o, kouan_span ev)
{
    kouan_fact f = { 0 };
    f.subject_class = (kouan_class)(e->s.cls ? e->s.cls : s->cls);
    f.subject = s->text;
    f.predicate = e->pred;
    /* a member of a set (每个西藏的口岸): the evidence runs from where its
       membership is stated (a table row) to the sentence, or back */
    for (int k = 0; k < 2; k++) {
        const rl_value *x = k ? o : s;
        if (!x || !x->has_ev) continue;
        if (x->ev.start < ev.start) ev.start = x->ev.start;
        if (x->ev.end > ev.end) ev.end = x->ev.end;
    }
    f.evidence = ev;
    f.rule = r->id;
    char msg[300], num[64];
    if (!f.subject_class) {
        snprintf(msg, sizeof msg, "rule %s (%s:%zu): “%s” has no class: write $name:Class",
                 r->id, r->file, e->line, s->text);
        out->warn(out, ev.start, msg);
        return KOUAN_OK;
    }
    if (o) {
        f.object_class = (kouan_class)(e->o.cls ? e->o.cls : o->cls);
        f.object = o->text;
        if (e->o.kind == RL_LITERAL || e->o.datatype) {
            f.object_class = KOUAN_CLASS_LITERAL;
            f.datatype = e->o.datatype;
        }
        if (f.datatype && strcmp(f.datatype, "string")) {
            numeric_value(o->text, num, sizeof num);
            f.object = num;
        }
    }
    int rc = out->emit(out, &f);
    return rc == KOUAN_ENOMEM ? rc : KOUAN_OK;   /* the core has said what was wrong */
}

static int run_emit(kouan_emitter *out, const rl_rule *r, const rl_emit *e,
                    const rl_match *m, const rl_match *ctx, size_t n_ctx, kouan_span ev,
                    const kouan_doc *doc, const rl_data *data)
{
    rl_value ts, to;
    values S = { 0 }, O = { 0 };
    int rc = term_values(&e->s, m, ctx, n_ctx, &ts, &S, doc, data);
    if (!rc && e->has_object) rc = term_values(&e->o, m, ctx, n_ctx, &to, &O, doc, data);
    if (rc) goto done;
    if (!e->has_object) {
        for (size_t i = 0; i < S.n && !rc; i++) rc = emit_one(out, r, e, S.v[i], NULL, ev);
    } else if (e->zip) {
        if (S.n != O.n) {
            char msg[300];
            snprintf(msg, sizeof msg, "rule %s (%s:%zu): zip of %zu subjects with %zu "
                     "objects; nothing emitted", r->id, r->file, e->line, S.n, O.n);
            out->warn(out, ev.start, msg);
        } else {
            for (size_t i = 0; i < S.n && !rc; i++) rc = emit_one(out, r, e, S.v[i], O.v[i], ev);
        }
    } else {
        for (size_t i = 0; i < S.n && !rc; i++)
            for (size_t j = 0; j < O.n && !rc; j++)
                if (pairs_with(S.v[i], O.v[j])) rc = emit_one(out, r, e, S.v[i], O.v[j], ev);
    }
done:
    free(S.v);
    free(O.v);
    free(S.each);
    free(O.each);
    return rc;
}

/* ---- documents ---------------------------------------------------------------------- */

/* Does the sentence, up to byte end, contain one of the rule's unless words? */
static int refused(const rl_rule *r, const rl_sentence *s, size_t end)
{
    for (size_t i = 0; i < r->n_unless; i++) {
        const char *hit = strstr(s->text, r->unless[i]);
        if (hit && (size_t)(hit - s->text) + strlen(r->unless[i]) <= end) return 1;
    }
    return 0;
}

/* The last match of pat in sentence i's block, before byte `before` of
 * sentence i.  Returns 1 (m filled), 0 or KOUAN_ENOMEM. */
static int last_in_block(const rl_node *pat, const kouan_doc *doc, rl_sentence *sents,
                         size_t i, size_t before, const rl_data *data, rl_match *m,
                         size_t *in)
{
    size_t block = doc->sentences[i].block;
    for (size_t j = i + 1; j-- > 0 && doc->sentences[j].block == block; ) {
        rl_match cur = { 0 }, best = { 0 };
        int found = 0;
        for (size_t from = 0;;) {
            int r = rl_search(pat, &sents[j], from, data, &cur);
            if (r < 0) { rl_match_free(&best); return r; }
            if (!r || (j == i && cur.end > before)) { rl_match_free(&cur); break; }
            rl_match_free(&best);
            best = cur;
            found = 1;
            from = cur.end > cur.start ? cur.end : cur.start + 1;
        }
        if (found) { *m = best; *in = j; return 1; }
    }
    return 0;
}

/* A sentence of more tokens than this is read in pieces of at most this
 * many: the matcher and the mention pass take time that grows faster than a
 * sentence's length (a 1 MB "sentence" took minutes), and no sentence of
 * prose is this long (the corpus's longest line has about 240 tokens). */
#define RL_PIECE_TOKENS 2048

/* The document's sentences, those longer than RL_PIECE_TOKENS cut into
 * pieces (after the last punctuation token of a piece's second half when
 * there is one, else at the limit), each a sentence of its own with its
 * bytes and line; a warning names each sentence cut.  Fills *cut, a copy
 * of doc whose sentences are *pieces (the caller frees *pieces); returns
 * KOUAN_OK or KOUAN_ENOMEM. */
static int cut_long_sentences(const kouan_doc *doc, kouan_emitter *out,
                              kouan_doc *cut, kouan_sentence **pieces)
{
    size_t n = 0;
    for (size_t i = 0; i < doc->n_sentences; i++)
        n += (doc->sentences[i].n_tokens + RL_PIECE_TOKENS - 1) / RL_PIECE_TOKENS + 1;
    kouan_sentence *v = malloc((n ? n : 1) * sizeof *v);
    if (!v) return KOUAN_ENOMEM;
    size_t k = 0;
    for (size_t i = 0; i < doc->n_sentences; i++) {
        const kouan_sentence *s = &doc->sentences[i];
        if (s->n_tokens <= RL_PIECE_TOKENS) { v[k++] = *s; continue; }
        char msg[300];
        snprintf(msg, sizeof msg, "a sentence of %zu tokens (bytes %zu to %zu): the rules "
                 "read it in pieces of at most %d tokens, and find nothing across a cut",
                 s->n_tokens, s->span.start, s->span.end, RL_PIECE_TOKENS);
        out->warn(out, s->span.start, msg);
        size_t line = s->line, at = s->span.start;
        for (size_t t = 0; t < s->n_tokens;) {
            size_t end = t + RL_PIECE_TOKENS;
            if (end >= s->n_tokens) end = s->n_tokens;
            else
                for (size_t c = end; c > t + RL_PIECE_TOKENS / 2; c--)
                    if (s->tokens[c - 1].kind == KOUAN_TOKEN_PUNCT) { end = c; break; }
            kouan_sentence *p = &v[k++];
            *p = *s;
            p->tokens = s->tokens + t;
            p->n_tokens = end - t;
            p->span.start = t ? s->tokens[t].span.start : s->span.start;
            p->span.end = end < s->n_tokens ? s->tokens[end].span.start : s->span.end;
            for (; at < p->span.start; at++) line += doc->bytes[at] == '\n';
            p->line = line;
            t = end;
        }
    }
    *cut = *doc;
    cut->sentences = v;
    cut->n_sentences = k;
    *pieces = v;
    return KOUAN_OK;
}

static int rules_process(void *state, const kouan_doc *whole, kouan_emitter *out)
{
    rules_state *st = state;
    if (!st->set.n || !whole->sentences || !whole->n_sentences) return KOUAN_OK;
    kouan_doc cut;
    kouan_sentence *pieces;
    if (cut_long_sentences(whole, out, &cut, &pieces)) return KOUAN_ENOMEM;
    const kouan_doc *doc = &cut;
    rl_sentence *sents = calloc(doc->n_sentences, sizeof *sents);
    if (!sents) { free(pieces); return KOUAN_ENOMEM; }
    int rc = KOUAN_OK;
    for (size_t i = 0; i < doc->n_sentences && !rc; i++)
        rc = rl_sentence_init(&sents[i], &doc->sentences[i]);
    /* the mention pass: ports named in prose (mention.c), and the spellings
       it merged with a known port, each an altLabel with its sentence */
    rl_variant *variants = NULL;
    size_t n_variants = 0;
    if (!rc) rc = rl_mentions_find(sents, doc->n_sentences, doc, &st->data, &variants, &n_variants);
    for (size_t v = 0; v < n_variants && !rc; v++) {
        rc = kouan_emit_value(out, KOUAN_CLASS_PORT, variants[v].label, "altLabel",
                              variants[v].alt, NULL, doc->sentences[variants[v].sentence].span,
                              "mention-variant");
        if (rc != KOUAN_ENOMEM) rc = KOUAN_OK;
    }
    rl_variants_free(variants, n_variants);
    for (size_t i = 0; i < doc->n_sentences && !rc; i++) rc = rl_sentence_index(&sents[i]);
    if (!rc && getenv("KOUAN_RULES_MENTIONS"))      /* a debugging aid: the mentions found */
        for (size_t i = 0; i < doc->n_sentences; i++)
            for (size_t m = 0; m < sents[i].n_mentions; m++)
                fprintf(stderr, "%s:%zu: mention %s “%.*s”%s\n", doc->path, doc->sentences[i].line,
                        sents[i].mentions[m].name, (int)(sents[i].mentions[m].end - sents[i].mentions[m].start),
                        sents[i].text + sents[i].mentions[m].start,
                        sents[i].mentions[m].learned ? " (learned)" : "");
    for (size_t i = 0; i < doc->n_sentences && !rc; i++) {
        kouan_span ev = doc->sentences[i].span;
        for (size_t ri = 0; ri < st->set.n && !rc; ri++) {
            const rl_rule *r = &st->set.rules[ri];
            for (size_t from = 0; !rc;) {
                rl_match m;
                int found = rl_search(r->pattern, &sents[i], from, &st->data, &m);
                if (found < 0) { rc = found; break; }
                if (!found) break;
                from = m.end > m.start ? m.end : m.start + 1;
                if (refused(r, &sents[i], m.end)) { rl_match_free(&m); continue; }
                rl_match ctx[8] = { { 0 } };
                size_t n_ctx = 0;
                /* what a context found in an earlier sentence is part of
                   the evidence: it runs from that sentence */
                kouan_span fev = ev;
                for (size_t c = 0; c < r->n_context && c < 8 && !rc; c++) {
                    size_t in = i;
                    int f = last_in_block(r->context[c], doc, sents, i, m.start, &st->data,
                                          &ctx[n_ctx], &in);
                    if (f < 0) rc = f;
                    else if (f) {
                        n_ctx++;
                        if (doc->sentences[in].span.start < fev.start)
                            fev.start = doc->sentences[in].span.start;
                    }
                }
                for (size_t k = 0; k < r->n_emits && !rc; k++)
                    rc = run_emit(out, r, &r->emits[k], &m, ctx, n_ctx, fev, doc, &st->data);
                for (size_t c = 0; c < n_ctx; c++) rl_match_free(&ctx[c]);
                rl_match_free(&m);
            }
        }
    }
    for (size_t i = 0; i < doc->n_sentences; i++) rl_sentence_free(&sents[i]);
    free(sents);
    free(pieces);
    return rc;
}

KOUAN_PLUGIN_DEFINE(rules, "0.1.0",
                    "prose relations by the pattern rules in ontology/rules/*.rules",
                    "MIT", KOUAN_STAGE_PROSE, rules_init, rules_process, rules_fini);
