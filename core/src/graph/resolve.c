/* resolve.c — gazetteers and canonical names; see resolve.h. */
#include "resolve.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct entry {
    struct entry *next;
    kouan_class   cls;
    char         *label, *code;
    char        **forms;      /* aliases and abbreviations, NULL-terminated */
    size_t        n_forms;
} entry;

static int add_form(entry *e, const char *form)
{
    char **v = realloc(e->forms, (e->n_forms + 2) * sizeof *v);
    if (!v) return KOUAN_ENOMEM;
    e->forms = v;
    if (!(v[e->n_forms] = strdup(form))) { v[e->n_forms] = NULL; return KOUAN_ENOMEM; }
    v[++e->n_forms] = NULL;
    return KOUAN_OK;
}

static const struct {
    const char *name;   /* vocabulary class */
    const char *path;   /* IRI path segment under id/ */
    const char *file;   /* gazetteer for closed classes */
} CLASSES[KOUAN_N_CLASSES] = {
    [KOUAN_CLASS_PORT]             = { "Port", "port", NULL },
    [KOUAN_CLASS_PROVINCE]         = { "Province", "province", "gazetteer/provinces.tsv" },
    [KOUAN_CLASS_TRADE_ZONE]       = { "TradeZone", "zone", "gazetteer/trade-zones.tsv" },
    [KOUAN_CLASS_COUNTRY]          = { "Country", "country", "gazetteer/countries.tsv" },
    [KOUAN_CLASS_PREFECTURE]       = { "Prefecture", "prefecture", NULL },
    [KOUAN_CLASS_COUNTY]           = { "County", "county", NULL },
    [KOUAN_CLASS_OPEN_BORDER_CITY] = { "OpenBorderCity", "city", NULL },
    [KOUAN_CLASS_TRANSPORT]        = { "TransportMode", NULL, "gazetteer/transport-modes.tsv" },
};

const char *kouan_class_name(kouan_class cls)
{
    return (unsigned)cls < KOUAN_N_CLASSES ? CLASSES[cls].name : NULL;
}

_Static_assert(KOUAN_N_CLASSES <= sizeof ((kouan_learn_rules *)0)->place_class /
               sizeof ((kouan_learn_rules *)0)->place_class[0], "learn.h: place_class");

static int class_by_name(const char *name)
{
    for (int i = 1; i < KOUAN_N_CLASSES; i++)
        if (CLASSES[i].name && strcmp(CLASSES[i].name, name) == 0) return i;
    return -1;
}

static int fail(kouan_error *err, int code, const char *file, size_t line,
                const char *what)
{
    err->code = code;
    if (line)
        snprintf(err->message, sizeof err->message, "%s:%zu: %s", file, line, what);
    else
        snprintf(err->message, sizeof err->message, "%s: %s", file, what);
    return code;
}

/* Split line (modified in place) at tabs into at most max fields. */
static size_t split_tabs(char *line, char **f, size_t max)
{
    size_t n = 0;
    char *p = line;
    while (n < max) {
        f[n++] = p;
        char *t = strchr(p, '\t');
        if (!t) break;
        *t = '\0';
        p = t + 1;
    }
    return n;
}

/* Reads one data file line by line; cb gets the fields of each data line. */
typedef int (*line_cb)(kouan_resolver *r, int cls, char **f, size_t n,
                       const char *file, size_t lineno, kouan_error *err);

static int read_table(kouan_resolver *r, int cls, const char *dir,
                      const char *rel, line_cb cb, kouan_error *err)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, rel);
    FILE *f = fopen(path, "r");
    if (!f) {
        char what[256];
        snprintf(what, sizeof what, "cannot open: %s (is --ontology / "
                 "KOUAN_ONTOLOGY the project's ontology/ folder?)", strerror(errno));
        return fail(err, KOUAN_ENOTFOUND, path, 0, what);
    }
    char *line = NULL;
    size_t cap = 0, lineno = 0;
    ssize_t got;
    int rc = KOUAN_OK;
    while (rc == KOUAN_OK && (got = getline(&line, &cap, f)) >= 0) {
        lineno++;
        while (got > 0 && (line[got - 1] == '\n' || line[got - 1] == '\r'))
            line[--got] = '\0';
        if (got == 0 || line[0] == '#') continue;
        char *fields[8] = { 0 };   /* past n: NULL, not garbage */
        size_t n = split_tabs(line, fields, 8);
        rc = cb(r, cls, fields, n, path, lineno, err);
    }
    free(line);
    fclose(f);
    return rc;
}

static int add_name(kouan_resolver *r, int cls, const char *name, entry *e,
                    const char *file, size_t lineno, kouan_error *err)
{
    entry *old = kouan_strmap_get(&r->by_name[cls], name);
    if (old && old != e) {
        char what[512];
        snprintf(what, sizeof what, "the name “%s” already stands for “%s”; "
                 "a name may belong to one entry only", name, old->label);
        return fail(err, KOUAN_EINVAL, file, lineno, what);
    }
    if (kouan_strmap_put(&r->by_name[cls], name, e) != KOUAN_OK)
        return fail(err, KOUAN_ENOMEM, file, lineno, "out of memory");
    return KOUAN_OK;
}

/* label<TAB>code<TAB>aliases<TAB>abbreviations */
static int gazetteer_line(kouan_resolver *r, int cls, char **f, size_t n,
                          const char *file, size_t lineno, kouan_error *err)
{
    if (n < 3 || n > 4 || !*f[0] || !*f[1])
        return fail(err, KOUAN_EINVAL, file, lineno,
                    "expected label<TAB>code<TAB>aliases[<TAB>abbreviations] "
                    "(label and code not empty; aliases may be empty)");
    for (const char *c = f[1]; *c; c++)
        if ((unsigned char)*c <= ' ' || (unsigned char)*c >= 0x7F)
            return fail(err, KOUAN_EINVAL, file, lineno,
                        "expected an ASCII code without spaces in field 2");
    entry *e = calloc(1, sizeof *e);
    if (!e || !(e->label = strdup(f[0])) || !(e->code = strdup(f[1]))) {
        if (e) { free(e->label); free(e); }
        return fail(err, KOUAN_ENOMEM, file, lineno, "out of memory");
    }
    e->cls = cls;
    e->next = r->entries;
    r->entries = e;
    int rc = add_name(r, cls, e->label, e, file, lineno, err);
    /* aliases: full names; abbreviations are for rules (not resolved here,
       a one-character name is too ambiguous on its own) */
    char *save = NULL;
    for (char *a = strtok_r(f[2], " ", &save); a && rc == KOUAN_OK;
         a = strtok_r(NULL, " ", &save)) {
        rc = add_name(r, cls, a, e, file, lineno, err);
        if (!rc && add_form(e, a)) rc = fail(err, KOUAN_ENOMEM, file, lineno, "out of memory");
    }
    for (char *a = n == 4 ? strtok_r(f[3], " ", &save) : NULL; a && rc == KOUAN_OK;
         a = strtok_r(NULL, " ", &save))
        if (add_form(e, a)) rc = fail(err, KOUAN_ENOMEM, file, lineno, "out of memory");
    return rc;
}

/* Class<TAB>suffix suffix … */
static int names_line(kouan_resolver *r, int unused, char **f, size_t n,
                      const char *file, size_t lineno, kouan_error *err)
{
    int cls = n == 2 ? class_by_name(f[0]) : -1;
    if (cls < 0)
        return fail(err, KOUAN_EINVAL, file, lineno,
                    "expected Class<TAB>suffixes, Class one of Port, Province, "
                    "TradeZone, Country, Prefecture, County, OpenBorderCity");
    size_t k = 0;
    char **v = r->suffixes[cls];
    while (v && v[k]) k++;
    char *save = NULL;
    for (char *s = strtok_r(f[1], " ", &save); s; s = strtok_r(NULL, " ", &save)) {
        char **nv = realloc(v, (k + 2) * sizeof *nv);
        if (!nv || !(nv[k] = strdup(s))) {
            if (nv) { nv[k] = NULL; r->suffixes[cls] = nv; }
            return fail(err, KOUAN_ENOMEM, file, lineno, "out of memory");
        }
        nv[++k] = NULL;
        v = r->suffixes[cls] = nv;
    }
    return KOUAN_OK;
}

/* gazetteer/references.tsv: Class<TAB>label<TAB>forms (evidence only) */
static int references_line(kouan_resolver *r, int unused, char **f, size_t n,
                           const char *file, size_t lineno, kouan_error *err)
{
    (void)unused;
    int cls = n == 3 ? class_by_name(f[0]) : -1;
    entry *e = cls > 0 && CLASSES[cls].file ? kouan_strmap_get(&r->by_name[cls], f[1]) : NULL;
    if (!e || strcmp(e->label, f[1]) != 0 || !*f[2])
        return fail(err, KOUAN_EINVAL, file, lineno,
                    "expected Class<TAB>label<TAB>forms, Class one of Province, TradeZone, "
                    "Country and label as its gazetteer writes it");
    char *save = NULL;
    for (char *a = strtok_r(f[2], " ", &save); a; a = strtok_r(NULL, " ", &save))
        if (add_form(e, a)) return fail(err, KOUAN_ENOMEM, file, lineno, "out of memory");
    return KOUAN_OK;
}

/* merges.tsv: same<TAB>Class<TAB>name<TAB>canonical, or
 * distinct<TAB>Class<TAB>name (keep the name as it is written). */
static int merges_line(kouan_resolver *r, int unused, char **f, size_t n,
                       const char *file, size_t lineno, kouan_error *err)
{
    int is_same = n == 4 && strcmp(f[0], "same") == 0;
    int is_distinct = n == 3 && strcmp(f[0], "distinct") == 0;
    int cls = (is_same || is_distinct) ? class_by_name(f[1]) : -1;
    if (cls < 0 || !*f[2] || (is_same && !*f[3]))
        return fail(err, KOUAN_EINVAL, file, lineno,
                    "expected same<TAB>Class<TAB>name<TAB>canonical name, or "
                    "distinct<TAB>Class<TAB>name (Class: Port, Prefecture, County, …)");
    if (is_distinct)
        return kouan_strmap_put(&r->distinct[cls], f[2], (void *)1) == KOUAN_OK
            ? KOUAN_OK : fail(err, KOUAN_ENOMEM, file, lineno, "out of memory");
    char *to = strdup(f[3]);
    if (!to || kouan_strmap_put(&r->same[cls], f[2], to) != KOUAN_OK) {
        free(to);
        return fail(err, KOUAN_ENOMEM, file, lineno, "out of memory");
    }
    return KOUAN_OK;
}

static int learn_line(kouan_resolver *r, int unused, char **f, size_t n,
                      const char *file, size_t lineno, kouan_error *err)
{
    (void)unused;
    return kouan_learn_line(&r->learn, f, n, class_by_name, file, lineno, err);
}

int kouan_resolver_load(kouan_resolver *r, const char *dir, kouan_error *err)
{
    memset(r, 0, sizeof *r);
    for (int c = 1; c < KOUAN_N_CLASSES; c++) {
        if (!CLASSES[c].file) continue;
        int rc = read_table(r, c, dir, CLASSES[c].file, gazetteer_line, err);
        if (rc) { kouan_resolver_free(r); return rc; }
    }
    int rc = read_table(r, 0, dir, "names.tsv", names_line, err);
    /* optional: references that are not names (我国), a user's merges, what
       documents may teach each other */
    static const struct { const char *rel; line_cb cb; } optional[] = {
        { "gazetteer/references.tsv", references_line },
        { "merges.tsv", merges_line },
        { "learn.tsv", learn_line },
    };
    for (size_t i = 0; !rc && i < sizeof optional / sizeof optional[0]; i++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, optional[i].rel);
        if (access(path, F_OK) == 0)
            rc = read_table(r, 0, dir, optional[i].rel, optional[i].cb, err);
    }
    if (rc) kouan_resolver_free(r);
    return rc;
}

void kouan_resolver_free(kouan_resolver *r)
{
    for (int c = 0; c < KOUAN_N_CLASSES; c++) {
        kouan_strmap_free(&r->by_name[c]);
        for (size_t i = 0; i < r->same[c].cap; i++) free(r->same[c].vals[i]);
        kouan_strmap_free(&r->same[c]);
        kouan_strmap_free(&r->distinct[c]);
        for (char **s = r->suffixes[c]; s && *s; s++) free(*s);
        free(r->suffixes[c]);
    }
    entry *e = r->entries;
    while (e) {
        entry *n = e->next;
        for (size_t i = 0; i < e->n_forms; i++) free(e->forms[i]);
        free(e->forms);
        free(e->label); free(e->code); free(e);
        e = n;
    }
    kouan_learn_free(&r->learn);
    memset(r, 0, sizeof *r);
}

int kouan_iri_escape(const char *s, char *out, size_t n)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t k = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        int keep = *p >= 0x80 || (*p >= '0' && *p <= '9') ||
                   (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
                   *p == '-' || *p == '.' || *p == '_' || *p == '~';
        if (k + (keep ? 1 : 3) + 1 > n) return -1;
        if (keep) out[k++] = (char)*p;
        else { out[k++] = '%'; out[k++] = hex[*p >> 4]; out[k++] = hex[*p & 15]; }
    }
    out[k] = '\0';
    return 0;
}

int kouan_resolve(const kouan_resolver *r, kouan_class cls, const char *surface,
                  kouan_resolved *out, const char **problem)
{
    *problem = NULL;
    out->known = 0;
    if ((unsigned)cls >= KOUAN_N_CLASSES || cls == KOUAN_CLASS_LITERAL) {
        *problem = "not an entity class";
        return KOUAN_EINVAL;
    }
    if (!surface || !*surface || strlen(surface) >= sizeof out->label) {
        *problem = "empty or overlong name";
        return KOUAN_EINVAL;
    }
    char key[640];
    const char *written = surface;
    char norm[256];
    out->why = NULL;
    if (r->nz) {
        kouan_normtext nt = {0};
        kouan_error e2 = {0};
        if (kouan_normalize(r->nz, surface, strlen(surface), &nt, &e2) == KOUAN_OK &&
            nt.len < sizeof norm) {
            memcpy(norm, nt.str, nt.len + 1);
            if (strcmp(norm, surface) != 0) { surface = norm; out->why = "simplified"; }
        }
        kouan_normtext_free(&nt);
    }
    const char *merged = kouan_strmap_get(&r->same[cls], surface);
    if (!merged) merged = kouan_strmap_get(&r->same[cls], written);
    if (merged) { surface = merged; out->why = "merges.tsv"; }
    const entry *e = kouan_strmap_get(&r->by_name[cls], surface);
    if (!e && surface != written) e = kouan_strmap_get(&r->by_name[cls], written);
    if (e && strcmp(e->label, written) != 0 && !out->why) out->why = "gazetteer";
    if (e && cls == KOUAN_CLASS_TRANSPORT) {
        /* the individuals kouan:Rail and kouan:Road of the vocabulary */
        snprintf(out->label, sizeof out->label, "%s", e->label);
        snprintf(out->iri, sizeof out->iri, "%s%s", KOUAN_NS_ONTOLOGY, e->code);
        out->known = 1;
        return KOUAN_OK;
    }
    if (e) {
        size_t ll = strlen(e->label);
        if (ll >= sizeof out->label) ll = sizeof out->label - 1;
        memcpy(out->label, e->label, ll);
        out->label[ll] = '\0';
        if (kouan_iri_escape(e->code, key, sizeof key) != 0) return KOUAN_EINVAL;
        out->known = 1;
    } else if (CLASSES[cls].file) {
        static const char *why[KOUAN_N_CLASSES] = {
            [KOUAN_CLASS_PROVINCE] = "not a province in ontology/gazetteer/provinces.tsv",
            [KOUAN_CLASS_TRADE_ZONE] = "not a trade zone in ontology/gazetteer/trade-zones.tsv",
            [KOUAN_CLASS_COUNTRY] = "not a country in ontology/gazetteer/countries.tsv",
            [KOUAN_CLASS_TRANSPORT] = "not a transport mode in ontology/gazetteer/transport-modes.tsv",
        };
        *problem = why[cls];
        return KOUAN_ENOTFOUND;
    } else {
        size_t len = strlen(surface);
        int keep = kouan_strmap_get(&r->distinct[cls], surface) != NULL;
        for (char **s = r->suffixes[cls]; !keep && s && *s; s++) {
            size_t sl = strlen(*s);
            /* keep at least two characters' worth of name */
            if (len > sl + 3 && memcmp(surface + len - sl, *s, sl) == 0) {
                len -= sl;
                if (!out->why) out->why = "suffix";
                break;
            }
        }
        memcpy(out->label, surface, len);     /* len < sizeof out->label */
        out->label[len] = '\0';
        if (kouan_iri_escape(out->label, key, sizeof key) != 0) return KOUAN_EINVAL;
    }
    /* KOUAN_NS_ID PATH "/" KEY, by memcpy (snprintf was most of a lookup) */
    size_t ln = sizeof KOUAN_NS_ID - 1, lp = strlen(CLASSES[cls].path), lk = strlen(key);
    if (ln + lp + 1 + lk >= sizeof out->iri) {
        *problem = "name too long for an IRI";
        return KOUAN_EINVAL;
    }
    char *w = out->iri;
    memcpy(w, KOUAN_NS_ID, ln); w += ln;
    memcpy(w, CLASSES[cls].path, lp); w += lp;
    *w++ = '/';
    memcpy(w, key, lk + 1);
    return KOUAN_OK;
}

const char *const *kouan_resolver_forms(const kouan_resolver *r, kouan_class cls,
                                        const char *label)
{
    if ((unsigned)cls >= KOUAN_N_CLASSES || !CLASSES[cls].file) return NULL;
    const entry *e = kouan_strmap_get(&r->by_name[cls], label);
    return e && e->forms ? (const char *const *)e->forms : NULL;
}
