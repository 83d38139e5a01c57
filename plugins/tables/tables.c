/* tables.c — the tables plugin: reads zone/province/port and
 * region/prefecture/county tables by the words of their header row.
 *
 * Which columns mean what, which columns are linked by which predicate and
 * which rows are totals all come from ontology/tables.tsv (see the comment
 * at the top of that file); nothing here knows a table number, a province or
 * a port.  For each table block of the document:
 *
 *   1. Find the header row (first rows of the block; only the first row of a
 *      "续表" continuation) and give each of its columns a role.  A
 *      continuation without a header row goes on with the previous table's
 *      roles.
 *   2. For each data row, carry the value of each leading blank cell down
 *      from the row above ("same as above"), split cells into lists
 *      (、，,；;) and parenthetical aliases (章凤（陇川）), skip totals and
 *      dashes, warn about cells that are not plausible names.
 *   3. Emit one fact per link and pair of entities, once per table, with
 *      the row as evidence; entities that took part in no fact get "type".
 */
#define _POSIX_C_SOURCE 200809L

#include <kouan/plugin.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TB_FILE            "tables.tsv"
#define TB_MAX_HEADER_CP   20   /* a header cell is at most this long */
#define TB_MAX_NAME_CP     30   /* a longer cell is prose, not a name */
#define TB_HEADER_SCAN     3    /* rows of a table searched for its header */

/* ---- small containers ---------------------------------------------------- */

typedef struct tb_strvec {
    char  **v;
    size_t  n, cap;
} tb_strvec;

static int strvec_push(tb_strvec *sv, char *s)      /* takes s */
{
    if (sv->n == sv->cap) {
        size_t cap = sv->cap ? sv->cap * 2 : 4;
        char **v = realloc(sv->v, cap * sizeof *v);
        if (!v)
            return KOUAN_ENOMEM;
        sv->v = v;
        sv->cap = cap;
    }
    sv->v[sv->n++] = s;
    return KOUAN_OK;
}

static void strvec_free(tb_strvec *sv)
{
    for (size_t i = 0; i < sv->n; i++)
        free(sv->v[i]);
    free(sv->v);
    sv->v = NULL;
    sv->n = sv->cap = 0;
}

/* A set of strings (open addressing), to emit each fact once per table. */
typedef struct tb_set {
    char  **slot;
    size_t  cap, n;
} tb_set;

static size_t hash_str(const char *s)
{
    size_t h = (size_t)1469598103934665603ULL;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * (size_t)1099511628211ULL;
    return h;
}

static void set_clear(tb_set *s)
{
    for (size_t i = 0; i < s->cap; i++)
        free(s->slot[i]);
    free(s->slot);
    s->slot = NULL;
    s->cap = s->n = 0;
}

/* Insert key (taken).  Returns 1 if added, 0 if it was there (key freed),
 * KOUAN_ENOMEM (key freed). */
static int set_add(tb_set *s, char *key)
{
    if ((s->n + 1) * 2 > s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 64;
        char **slot = calloc(cap, sizeof *slot);
        if (!slot) {
            free(key);
            return KOUAN_ENOMEM;
        }
        for (size_t i = 0; i < s->cap; i++) {
            if (!s->slot[i])
                continue;
            size_t j = hash_str(s->slot[i]) & (cap - 1);
            while (slot[j])
                j = (j + 1) & (cap - 1);
            slot[j] = s->slot[i];
        }
        free(s->slot);
        s->slot = slot;
        s->cap = cap;
    }
    size_t j = hash_str(key) & (s->cap - 1);
    while (s->slot[j]) {
        if (strcmp(s->slot[j], key) == 0) {
            free(key);
            return 0;
        }
        j = (j + 1) & (s->cap - 1);
    }
    s->slot[j] = key;
    s->n++;
    return 1;
}

/* ---- UTF-8 helpers --------------------------------------------------------- */

/* Byte length of the whitespace character at s, or 0. */
static size_t space_at(const char *s)
{
    const unsigned char *u = (const unsigned char *)s;
    if (u[0] == ' ' || u[0] == '\t' || u[0] == '\r' || u[0] == '\n' ||
        u[0] == '\f' || u[0] == '\v')
        return 1;
    if (u[0] == 0xC2 && u[1] == 0xA0)                       /* U+00A0 */
        return 2;
    if (u[0] == 0xE3 && u[1] == 0x80 && u[2] == 0x80)       /* U+3000 */
        return 3;
    return 0;
}

/* Byte length of a list separator at s (、，,；;), or 0. */
static size_t sep_at(const char *s)
{
    const unsigned char *u = (const unsigned char *)s;
    if (u[0] == ',' || u[0] == ';')
        return 1;
    if (u[0] == 0xE3 && u[1] == 0x80 && u[2] == 0x81)       /* 、 */
        return 3;
    if (u[0] == 0xEF && u[1] == 0xBC && (u[2] == 0x8C || u[2] == 0x9B))
        return 3;                                           /* ， ； */
    return 0;
}

static size_t open_at(const char *s)
{
    const unsigned char *u = (const unsigned char *)s;
    if (u[0] == '(')
        return 1;
    if (u[0] == 0xEF && u[1] == 0xBC && u[2] == 0x88)       /* （ */
        return 3;
    return 0;
}

static size_t close_at(const char *s)
{
    const unsigned char *u = (const unsigned char *)s;
    if (u[0] == ')')
        return 1;
    if (u[0] == 0xEF && u[1] == 0xBC && u[2] == 0x89)       /* ） */
        return 3;
    return 0;
}

/* Length of the (possibly malformed) UTF-8 sequence starting at s. */
static size_t char_len(const char *s)
{
    unsigned char c = (unsigned char)s[0];
    size_t n = c < 0x80 ? 1 : c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
    for (size_t i = 1; i < n; i++)
        if (((unsigned char)s[i] & 0xC0) != 0x80)
            return i;
    return n;
}

static size_t cp_count(const char *s)
{
    size_t n = 0;
    while (*s) {
        s += char_len(s);
        n++;
    }
    return n;
}

/* ASCII or fullwidth digit at s: its byte length (value in *d), or 0. */
static size_t digit_at(const char *s, int *d)
{
    const unsigned char *u = (const unsigned char *)s;
    if (u[0] >= '0' && u[0] <= '9') {
        *d = u[0] - '0';
        return 1;
    }
    if (u[0] == 0xEF && u[1] == 0xBC && u[2] >= 0x90 && u[2] <= 0x99) {
        *d = u[2] - 0x90;
        return 3;
    }
    return 0;
}

static int has_digit(const char *s)
{
    int d;
    for (; *s; s += char_len(s))
        if (digit_at(s, &d))
            return 1;
    return 0;
}

/* A copy of s without any whitespace (边 境 口 岸 -> 边境口岸). */
static char *strip_spaces(const char *s)
{
    char *r = malloc(strlen(s) + 1), *w = r;
    if (!r)
        return NULL;
    while (*s) {
        size_t n = space_at(s);
        if (n) {
            s += n;
            continue;
        }
        n = char_len(s);
        memcpy(w, s, n);
        w += n;
        s += n;
    }
    *w = '\0';
    return r;
}

static int is_blank(const char *s)
{
    while (*s) {
        size_t n = space_at(s);
        if (!n)
            return 0;
        s += n;
    }
    return 1;
}

/* Non-empty text made only of dashes, slashes, ellipses and spaces: "no
 * value" in a table cell. */
static int is_dash(const char *s)
{
    static const char *const dash[] = {
        "-", "/", "\xE2\x80\x90", "\xE2\x80\x93", "\xE2\x80\x94",
        "\xE2\x80\x95", "\xE2\x80\xA6", "\xE2\x94\x80", "\xEF\xBC\x8D",
        "\xEF\xBC\x8F", "\xE3\x80\x9C", "\xEF\xBD\x9E", "~", NULL
    };
    int any = 0;
    while (*s) {
        size_t n = space_at(s);
        if (n) {
            s += n;
            continue;
        }
        n = char_len(s);
        int ok = 0;
        for (size_t i = 0; dash[i]; i++)
            if (strlen(dash[i]) == n && memcmp(dash[i], s, n) == 0)
                ok = 1;
        if (!ok)
            return 0;
        any = 1;
        s += n;
    }
    return any;
}

/* A trimmed copy of s[0..n): whitespace at both ends, and footnote marks
 * (①…⑳, *) at the end. */
static char *trim_copy(const char *s, size_t n)
{
    size_t a = 0, b = n, k;
    while (a < b && (k = space_at(s + a)) != 0)
        a += k;
    for (;;) {
        if (b > a && (s[b - 1] == ' ' || s[b - 1] == '\t' ||
                      s[b - 1] == '\r' || s[b - 1] == '\n' || s[b - 1] == '*'))
            b--;
        else if (b >= a + 2 && (unsigned char)s[b - 2] == 0xC2 &&
                 (unsigned char)s[b - 1] == 0xA0)
            b -= 2;
        else if (b >= a + 3 && (unsigned char)s[b - 3] == 0xE3 &&
                 (unsigned char)s[b - 2] == 0x80 &&
                 (unsigned char)s[b - 1] == 0x80)
            b -= 3;
        else if (b >= a + 3 && (unsigned char)s[b - 3] == 0xE2 &&
                 (((unsigned char)s[b - 2] == 0x91 &&
                   (unsigned char)s[b - 1] >= 0xA0 &&
                   (unsigned char)s[b - 1] <= 0xB3)))
            b -= 3;
        else
            break;
    }
    char *r = malloc(b - a + 1);
    if (!r)
        return NULL;
    memcpy(r, s + a, b - a);
    r[b - a] = '\0';
    return r;
}

/* At most max code points of s, for messages. */
static void excerpt(char *buf, size_t size, const char *s, size_t max)
{
    size_t i = 0, cps = 0;
    while (s[i] && cps < max) {
        size_t n = char_len(s + i);
        if (i + n + 4 >= size)
            break;
        i += n;
        cps++;
    }
    memcpy(buf, s, i);
    strcpy(buf + i, s[i] ? "…" : "");
}

static int starts_with(const char *s, const char *p)
{
    return strncmp(s, p, strlen(p)) == 0;
}

/* ---- the layout file -------------------------------------------------------- */

typedef struct tb_role {
    char        *name;
    kouan_class  cls;
    char        *datatype;   /* literals: XSD local name or NULL (@zh) */
    tb_strvec    kw;         /* header keywords */
    char        *rule_type;  /* "tables:<role>-type" */
    char        *rule_alt;   /* "tables:<role>-altLabel" */
} tb_role;

typedef struct tb_link {
    size_t  subj, obj;
    char   *pred;
    size_t *req;
    size_t  n_req;
    char   *rule;            /* "tables:<subj>-<pred>" */
} tb_link;

typedef struct tb_state {
    tb_role   *roles;
    size_t     n_roles;
    tb_link   *links;
    size_t     n_links;
    tb_strvec  skip;
} tb_state;

static void state_free(tb_state *st)
{
    if (!st)
        return;
    for (size_t i = 0; i < st->n_roles; i++) {
        free(st->roles[i].name);
        free(st->roles[i].datatype);
        strvec_free(&st->roles[i].kw);
        free(st->roles[i].rule_type);
        free(st->roles[i].rule_alt);
    }
    free(st->roles);
    for (size_t i = 0; i < st->n_links; i++) {
        free(st->links[i].pred);
        free(st->links[i].req);
        free(st->links[i].rule);
    }
    free(st->links);
    strvec_free(&st->skip);
    free(st);
}

static char *str_printf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return NULL;
    char *s = malloc((size_t)n + 1);
    if (!s)
        return NULL;
    va_start(ap, fmt);
    vsnprintf(s, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return s;
}

static int report(const kouan_config *cfg, int code, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (cfg->error)
        return cfg->error(cfg, code, msg);
    return code;
}

static const struct {
    const char  *name;
    kouan_class  cls;
} tb_classes[] = {
    { "Port", KOUAN_CLASS_PORT },
    { "Province", KOUAN_CLASS_PROVINCE },
    { "TradeZone", KOUAN_CLASS_TRADE_ZONE },
    { "Country", KOUAN_CLASS_COUNTRY },
    { "Prefecture", KOUAN_CLASS_PREFECTURE },
    { "County", KOUAN_CLASS_COUNTY },
    { "OpenBorderCity", KOUAN_CLASS_OPEN_BORDER_CITY },
    { "Transport", KOUAN_CLASS_TRANSPORT },
};

/* Split s in place on spaces into words; returns KOUAN_OK or ENOMEM. */
static int split_words(char *s, tb_strvec *out)
{
    char *save = NULL;
    for (char *w = strtok_r(s, " ", &save); w; w = strtok_r(NULL, " ", &save)) {
        char *c = strdup(w);
        if (!c || strvec_push(out, c) < 0) {
            free(c);
            return KOUAN_ENOMEM;
        }
    }
    return KOUAN_OK;
}

static int find_role(const tb_state *st, const char *name, size_t *idx)
{
    for (size_t i = 0; i < st->n_roles; i++)
        if (strcmp(st->roles[i].name, name) == 0) {
            *idx = i;
            return 1;
        }
    return 0;
}

static int is_identifier(const char *s)
{
    if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z')))
        return 0;
    for (s++; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
              (*s >= '0' && *s <= '9') || *s == '_'))
            return 0;
    return 1;
}

#define TB_NOMEM(cfg) report(cfg, KOUAN_ENOMEM, "tables: out of memory")

static int parse_column(const kouan_config *cfg, tb_state *st,
                        const char *path, size_t ln, char **f, size_t nf)
{
    if (nf != 4)
        return report(cfg, KOUAN_EINVAL, "%s:%zu: expected "
                      "\"column<TAB>ROLE<TAB>CLASS<TAB>KEYWORDS\" (4 fields, "
                      "found %zu)", path, ln, nf);
    size_t dup;
    if (!is_identifier(f[1]))
        return report(cfg, KOUAN_EINVAL, "%s:%zu: expected a role name "
                      "(letters, digits, _), found \"%s\"", path, ln, f[1]);
    if (find_role(st, f[1], &dup))
        return report(cfg, KOUAN_EINVAL, "%s:%zu: expected a new role name, "
                      "\"%s\" is already declared", path, ln, f[1]);
    tb_role r;
    memset(&r, 0, sizeof r);
    if (strcmp(f[2], "literal") == 0) {
        r.cls = KOUAN_CLASS_LITERAL;
        r.datatype = strdup("integer");
        if (!r.datatype)
            return TB_NOMEM(cfg);
    } else if (starts_with(f[2], "literal:")) {
        const char *dt = f[2] + strlen("literal:");
        if (!is_identifier(dt))
            return report(cfg, KOUAN_EINVAL, "%s:%zu: expected literal:TYPE "
                          "with an XSD local name, found \"%s\"", path, ln, f[2]);
        r.cls = KOUAN_CLASS_LITERAL;
        if (strcmp(dt, "zh") != 0 && strcmp(dt, "string") != 0) {
            r.datatype = strdup(dt);
            if (!r.datatype)
                return TB_NOMEM(cfg);
        }
    } else {
        size_t i, n = sizeof tb_classes / sizeof tb_classes[0];
        for (i = 0; i < n; i++)
            if (strcmp(f[2], tb_classes[i].name) == 0)
                break;
        if (i == n)
            return report(cfg, KOUAN_EINVAL, "%s:%zu: expected a class (Port, "
                          "Province, TradeZone, Country, Prefecture, County, "
                          "OpenBorderCity, Transport, literal), found \"%s\"",
                          path, ln, f[2]);
        r.cls = tb_classes[i].cls;
    }
    int rc = split_words(f[3], &r.kw);
    r.name = strdup(f[1]);
    r.rule_type = str_printf("tables:%s-type", f[1]);
    r.rule_alt = str_printf("tables:%s-altLabel", f[1]);
    tb_role *roles = realloc(st->roles, (st->n_roles + 1) * sizeof *roles);
    if (rc < 0 || !r.name || !r.rule_type || !r.rule_alt || !roles) {
        if (roles)
            st->roles = roles;
        free(r.name);
        free(r.datatype);
        strvec_free(&r.kw);
        free(r.rule_type);
        free(r.rule_alt);
        return TB_NOMEM(cfg);
    }
    st->roles = roles;
    if (r.kw.n == 0) {
        st->roles[st->n_roles++] = r;   /* freed with the state */
        return report(cfg, KOUAN_EINVAL, "%s:%zu: expected at least one "
                      "header keyword", path, ln);
    }
    st->roles[st->n_roles++] = r;
    return KOUAN_OK;
}

static int parse_link(const kouan_config *cfg, tb_state *st,
                      const char *path, size_t ln, char **f, size_t nf)
{
    if (nf != 4 && nf != 5)
        return report(cfg, KOUAN_EINVAL, "%s:%zu: expected "
                      "\"link<TAB>SUBJECT<TAB>PREDICATE<TAB>OBJECT"
                      "[<TAB>REQUIRED ROLES]\" (4 or 5 fields, found %zu)",
                      path, ln, nf);
    tb_link l;
    memset(&l, 0, sizeof l);
    if (!find_role(st, f[1], &l.subj))
        return report(cfg, KOUAN_EINVAL, "%s:%zu: expected a role declared "
                      "by an earlier column line, found \"%s\"", path, ln, f[1]);
    if (!find_role(st, f[3], &l.obj))
        return report(cfg, KOUAN_EINVAL, "%s:%zu: expected a role declared "
                      "by an earlier column line, found \"%s\"", path, ln, f[3]);
    if (st->roles[l.subj].cls == KOUAN_CLASS_LITERAL)
        return report(cfg, KOUAN_EINVAL, "%s:%zu: expected an entity role as "
                      "subject, \"%s\" is a literal", path, ln, f[1]);
    if (l.subj == l.obj)
        return report(cfg, KOUAN_EINVAL, "%s:%zu: expected two different "
                      "roles", path, ln);
    if (!is_identifier(f[2]))
        return report(cfg, KOUAN_EINVAL, "%s:%zu: expected a predicate local "
                      "name, found \"%s\"", path, ln, f[2]);
    tb_strvec req = { 0 };
    if (nf == 5 && split_words(f[4], &req) < 0) {
        strvec_free(&req);
        return TB_NOMEM(cfg);
    }
    if (req.n) {
        l.req = malloc(req.n * sizeof *l.req);
        if (!l.req) {
            strvec_free(&req);
            return TB_NOMEM(cfg);
        }
        for (size_t i = 0; i < req.n; i++) {
            if (!find_role(st, req.v[i], &l.req[i])) {
                int rc = report(cfg, KOUAN_EINVAL, "%s:%zu: expected roles "
                                "declared by earlier column lines, found \"%s\"",
                                path, ln, req.v[i]);
                free(l.req);
                strvec_free(&req);
                return rc;
            }
        }
        l.n_req = req.n;
    }
    strvec_free(&req);
    l.pred = strdup(f[2]);
    l.rule = str_printf("tables:%s-%s", f[1], f[2]);
    tb_link *links = realloc(st->links, (st->n_links + 1) * sizeof *links);
    if (!l.pred || !l.rule || !links) {
        if (links)
            st->links = links;
        free(l.pred);
        free(l.rule);
        free(l.req);
        return TB_NOMEM(cfg);
    }
    st->links = links;
    st->links[st->n_links++] = l;
    return KOUAN_OK;
}

static int load_layout(const kouan_config *cfg, tb_state *st)
{
    const char *dir = cfg->ontology_dir ? cfg->ontology_dir : ".";
    char *path = str_printf("%s/%s", dir, TB_FILE);
    if (!path)
        return TB_NOMEM(cfg);
    FILE *fp = fopen(path, "r");
    if (!fp) {
        int rc = report(cfg, KOUAN_EIO,
                        "%s: cannot read the table layouts: %s", path,
                        strerror(errno));
        free(path);
        return rc;
    }
    char *line = NULL;
    size_t cap = 0, ln = 0;
    ssize_t len;
    int rc = KOUAN_OK;
    while (rc == KOUAN_OK && (len = getline(&line, &cap, fp)) >= 0) {
        ln++;
        if ((size_t)len != strlen(line)) {
            rc = report(cfg, KOUAN_EINVAL, "%s:%zu: expected text, found a "
                        "NUL byte", path, ln);
            break;
        }
        /* comments: '#' at the start or after a blank */
        for (char *p = line; *p; p++)
            if (*p == '#' && (p == line || p[-1] == '\t' || p[-1] == ' ')) {
                *p = '\0';
                break;
            }
        char *f[8];
        size_t nf = 0;
        char *save = NULL;
        for (char *t = strtok_r(line, "\t\r\n", &save); t;
             t = strtok_r(NULL, "\t\r\n", &save)) {
            /* trim spaces around the field */
            while (*t == ' ')
                t++;
            char *e = t + strlen(t);
            while (e > t && e[-1] == ' ')
                *--e = '\0';
            if (!*t)
                continue;
            if (nf == sizeof f / sizeof f[0]) {
                nf++;
                break;
            }
            f[nf++] = t;
        }
        if (nf == 0)
            continue;
        if (nf > sizeof f / sizeof f[0]) {
            rc = report(cfg, KOUAN_EINVAL, "%s:%zu: expected at most 5 "
                        "TAB-separated fields", path, ln);
        } else if (strcmp(f[0], "column") == 0) {
            rc = parse_column(cfg, st, path, ln, f, nf);
        } else if (strcmp(f[0], "link") == 0) {
            rc = parse_link(cfg, st, path, ln, f, nf);
        } else if (strcmp(f[0], "skip") == 0) {
            if (nf != 2)
                rc = report(cfg, KOUAN_EINVAL, "%s:%zu: expected "
                            "\"skip<TAB>WORDS\" (2 fields, found %zu)",
                            path, ln, nf);
            else if (split_words(f[1], &st->skip) < 0)
                rc = TB_NOMEM(cfg);
        } else {
            rc = report(cfg, KOUAN_EINVAL, "%s:%zu: expected \"column\", "
                        "\"link\" or \"skip\", found \"%s\"", path, ln, f[0]);
        }
    }
    if (rc == KOUAN_OK && ferror(fp))
        rc = report(cfg, KOUAN_EIO, "%s: read error", path);
    if (rc == KOUAN_OK && st->n_links == 0)
        rc = report(cfg, KOUAN_EINVAL, "%s:%zu: expected at least one "
                    "\"link\" line", path, ln);
    free(line);
    fclose(fp);
    free(path);
    return rc;
}

/* ---- reading tables ----------------------------------------------------------- */

/* The logical table being read: a table block and its 续表 continuations. */
typedef struct tb_table {
    int     active;
    int    *col_role;    /* role of each column, -1 for none */
    size_t  n_cols;
    char  **carry;       /* per role: last value, for blank leading cells */
    size_t *carry_at;    /* per role: where the row that wrote it starts */
    tb_set  seen;        /* facts already emitted */
} tb_table;

/* One entity (or literal value) read from a cell. */
typedef struct tb_ent {
    char      *name;
    tb_strvec  alias;
    int        linked;
} tb_ent;

typedef struct tb_cellval {
    tb_ent *e;
    size_t  n, cap;
    int     present;     /* the table has a column with this role */
    int     fresh;       /* the value was written on this row (not carried) */
    size_t  from;        /* where the value is written: its cell, or the
                            row it was carried down from */
} tb_cellval;

static void table_reset(tb_table *t, size_t n_roles)
{
    t->active = 0;
    free(t->col_role);
    t->col_role = NULL;
    t->n_cols = 0;
    for (size_t i = 0; i < n_roles; i++) {
        free(t->carry[i]);
        t->carry[i] = NULL;
    }
    set_clear(&t->seen);
}

static void cellvals_free(tb_cellval *cv, size_t n_roles)
{
    for (size_t r = 0; r < n_roles; r++) {
        for (size_t i = 0; i < cv[r].n; i++) {
            free(cv[r].e[i].name);
            strvec_free(&cv[r].e[i].alias);
        }
        free(cv[r].e);
        memset(&cv[r], 0, sizeof cv[r]);
    }
}

/* If row is a header row, fill roles[0..n_cells) and return 1; else 0. */
static int header_roles(const tb_state *st, const kouan_row *row, int *roles)
{
    if (row->n_cells < 2 || is_blank(row->cells[0].text.str))
        return 0;
    char used[64];
    if (st->n_roles > sizeof used)
        return 0;
    memset(used, 0, sizeof used);
    size_t matched = 0, nonempty = 0;
    for (size_t c = 0; c < row->n_cells; c++) {
        roles[c] = -1;
        char *s = strip_spaces(row->cells[c].text.str);
        if (!s)
            return KOUAN_ENOMEM;
        if (!*s) {
            free(s);
            continue;
        }
        nonempty++;
        if (has_digit(s) || cp_count(s) > TB_MAX_HEADER_CP) {
            free(s);
            return 0;
        }
        for (size_t r = 0; r < st->n_roles && roles[c] < 0; r++) {
            if (used[r])
                continue;
            for (size_t k = 0; k < st->roles[r].kw.n; k++)
                if (strstr(s, st->roles[r].kw.v[k])) {
                    roles[c] = (int)r;
                    used[r] = 1;
                    matched++;
                    break;
                }
        }
        free(s);
    }
    if (matched < 2 || matched * 2 < nonempty)
        return 0;
    for (size_t l = 0; l < st->n_links; l++)
        if (used[st->links[l].subj] && used[st->links[l].obj])
            return 1;
    return 0;
}

static int cellval_add(tb_cellval *cv, char *name, tb_strvec *alias)
{
    if (cv->n == cv->cap) {
        size_t cap = cv->cap ? cv->cap * 2 : 8;
        tb_ent *e = realloc(cv->e, cap * sizeof *e);
        if (!e)
            return KOUAN_ENOMEM;
        cv->e = e;
        cv->cap = cap;
    }
    cv->e[cv->n].name = name;
    cv->e[cv->n].alias = *alias;
    cv->e[cv->n].linked = 0;
    cv->n++;
    memset(alias, 0, sizeof *alias);
    return KOUAN_OK;
}

/* A literal value: integers are normalised (fullwidth digits, a trailing
 * 个); returns NULL in *out if the text is not a value of the datatype. */
static int literal_value(const tb_role *role, const char *text, char **out)
{
    *out = NULL;
    char *s = strip_spaces(text);
    if (!s)
        return KOUAN_ENOMEM;
    if (role->datatype && (strcmp(role->datatype, "integer") == 0 ||
                           strcmp(role->datatype, "decimal") == 0)) {
        int dec = strcmp(role->datatype, "decimal") == 0, dot = 0, nd = 0;
        char *w = s;
        const char *p = s;
        while (*p) {
            int d;
            size_t n = digit_at(p, &d);
            if (n) {
                *w++ = (char)('0' + d);
                nd++;
                p += n;
            } else if (dec && *p == '.' && !dot && nd) {
                *w++ = '.';
                dot = 1;
                p++;
            } else if (strcmp(p, "\xE4\xB8\xAA") == 0 && nd) {   /* 个 */
                break;
            } else {
                free(s);
                return KOUAN_OK;
            }
        }
        *w = '\0';
        if (!nd || w[-1] == '.') {
            free(s);
            return KOUAN_OK;
        }
        *out = s;
        return KOUAN_OK;
    }
    free(s);
    *out = trim_copy(text, strlen(text));
    return *out ? KOUAN_OK : KOUAN_ENOMEM;
}

static void warn_cell(kouan_emitter *out, const kouan_cell *cell,
                      const char *what, const char *text, const tb_role *role)
{
    char ex[160], msg[512];
    excerpt(ex, sizeof ex, text, 30);
    snprintf(msg, sizeof msg, "\"%s\" in a %s column %s; skipped",
             ex, role->name, what);
    out->warn(out, cell->span.start, msg);
}

/* Push the alias text [s, s+n) (trimmed) if it is a plausible name. */
static int push_alias(tb_strvec *alias, const char *s, size_t n)
{
    char *a = trim_copy(s, n);
    if (!a)
        return KOUAN_ENOMEM;
    if (!*a || is_dash(a) || has_digit(a) || cp_count(a) > TB_MAX_NAME_CP) {
        free(a);
        return KOUAN_OK;
    }
    return strvec_push(alias, a) < 0 ? (free(a), KOUAN_ENOMEM) : KOUAN_OK;
}

/* Read one list item [s, s+n): the name outside parentheses, the aliases
 * inside.  Returns KOUAN_OK (item added or skipped) or ENOMEM. */
static int read_item(const tb_state *st, const tb_role *role, tb_cellval *cv,
                     const char *s, size_t n, const kouan_cell *cell,
                     kouan_emitter *out)
{
    char *name = malloc(n + 1), *w = name;
    tb_strvec alias = { 0 };
    int depth = 0, rc = KOUAN_OK;
    size_t a0 = 0;               /* start of the current alias */
    if (!name)
        return KOUAN_ENOMEM;
    for (size_t i = 0; i < n && rc == KOUAN_OK;) {
        size_t k;
        if ((k = open_at(s + i)) != 0) {
            if (depth++ == 0)    /* nested parentheses stay alias text */
                a0 = i + k;
            i += k;
        } else if (depth > 0 && (k = close_at(s + i)) != 0) {
            if (--depth == 0)
                rc = push_alias(&alias, s + a0, i - a0);
            i += k;
        } else if (depth == 1 && (k = sep_at(s + i)) != 0) {
            rc = push_alias(&alias, s + a0, i - a0);
            i += k;
            a0 = i;
        } else {
            k = char_len(s + i);
            if (depth == 0) {
                memcpy(w, s + i, k);
                w += k;
            }
            i += k;
        }
    }
    if (rc == KOUAN_OK && depth > 0)          /* unclosed: alias to the end */
        rc = push_alias(&alias, s + a0, n - a0);
    *w = '\0';
    char *t = rc == KOUAN_OK ? trim_copy(name, strlen(name)) : NULL;
    free(name);
    if (!t) {
        strvec_free(&alias);
        return KOUAN_ENOMEM;
    }
    int skip = !*t || is_dash(t);
    for (size_t i = 0; !skip && i < st->skip.n; i++)
        if (strcmp(t, st->skip.v[i]) == 0)
            skip = 1;
    if (!skip && has_digit(t)) {
        if (cv->fresh)
            warn_cell(out, cell, "is not a name (it has digits)", t, role);
        skip = 1;
    } else if (!skip && cp_count(t) > TB_MAX_NAME_CP) {
        if (cv->fresh)
            warn_cell(out, cell, "is too long for a name", t, role);
        skip = 1;
    }
    if (skip) {
        free(t);
        strvec_free(&alias);
        return KOUAN_OK;
    }
    rc = cellval_add(cv, t, &alias);
    if (rc < 0) {
        free(t);
        strvec_free(&alias);
    }
    return rc;
}

/* Read a cell's text into cv: a list of names, or one literal value. */
static int read_cell(const tb_state *st, const tb_role *role, tb_cellval *cv,
                     const char *text, const kouan_cell *cell,
                     kouan_emitter *out)
{
    if (role->cls == KOUAN_CLASS_LITERAL) {
        char *v;
        int rc = literal_value(role, text, &v);
        if (rc < 0)
            return rc;
        if (!v || !*v) {
            if (cv->fresh && v == NULL)
                warn_cell(out, cell, role->datatype ?
                          "is not a number" : "is empty", text, role);
            free(v);
            return KOUAN_OK;
        }
        tb_strvec none = { 0 };
        rc = cellval_add(cv, v, &none);
        if (rc < 0)
            free(v);
        return rc;
    }
    size_t i = 0, start = 0, n = strlen(text);
    int depth = 0;
    while (i <= n) {
        size_t k = 0;
        if (i == n || (depth == 0 && (k = sep_at(text + i)) != 0)) {
            int rc = read_item(st, role, cv, text + start, i - start, cell, out);
            if (rc < 0)
                return rc;
            if (i == n)
                break;
            i += k;
            start = i;
            continue;
        }
        if ((k = open_at(text + i)) != 0)
            depth++;
        else if ((k = close_at(text + i)) != 0 && depth > 0)
            depth--;
        else
            k = char_len(text + i);
        i += k;
    }
    return KOUAN_OK;
}

/* Appends s and a 0x1f separator at p; returns the end. */
static char *key_part(char *p, const char *s, size_t n)
{
    memcpy(p, s, n);
    p[n] = '\x1f';
    return p + n + 1;
}

/* Appends v in decimal at p; returns the end. */
static char *key_int(char *p, int v)
{
    char d[16];
    size_t n = 0;
    unsigned u = v < 0 ? 0u - (unsigned)v : (unsigned)v;
    do d[n++] = (char)('0' + u % 10); while (u /= 10);
    if (v < 0) *p++ = '-';
    while (n) *p++ = d[--n];
    return p;
}

/* f's identity in a table: rule, predicate, classes, subject and object,
 * separated by 0x1f (malloc'd; built by hand: vsnprintf, called twice per
 * fact, was 5% of an extraction's instructions). */
static char *fact_key(const kouan_fact *f)
{
    const char *rule = f->rule ? f->rule : "(null)",
               *pred = f->predicate ? f->predicate : "(null)",
               *subj = f->subject ? f->subject : "(null)",
               *obj = f->object ? f->object : "";
    size_t nr = strlen(rule), np = strlen(pred), ns = strlen(subj), no = strlen(obj);
    char *key = malloc(nr + np + ns + no + 2 * 12 + 6);
    if (!key)
        return NULL;
    char *p = key_part(key, rule, nr);
    p = key_part(p, pred, np);
    p = key_int(p, (int)f->subject_class);
    *p++ = '\x1f';
    p = key_part(p, subj, ns);
    p = key_int(p, (int)f->object_class);
    *p++ = '\x1f';
    memcpy(p, obj, no + 1);
    return key;
}

/* Emit f unless this table already has it. */
static int emit_once(tb_table *t, kouan_emitter *out, const kouan_fact *f)
{
    char *key = fact_key(f);
    if (!key)
        return KOUAN_ENOMEM;
    int rc = set_add(&t->seen, key);
    if (rc <= 0)
        return rc;
    return out->emit(out, f);
}

static int row_is_total(const tb_state *st, const kouan_row *row)
{
    int first = 1, total = 0;
    for (size_t c = 0; c < row->n_cells && !total; c++) {
        char *s = strip_spaces(row->cells[c].text.str);
        if (!s)
            return KOUAN_ENOMEM;
        if (*s) {
            for (size_t i = 0; i < st->skip.n && !total; i++)
                if (strcmp(s, st->skip.v[i]) == 0 ||
                    (first && starts_with(s, st->skip.v[i])))
                    total = 1;
            first = 0;
        }
        free(s);
    }
    return total;
}

static int read_row(const tb_state *st, tb_table *t, const kouan_row *row,
                    kouan_emitter *out)
{
    size_t first = 0;
    while (first < row->n_cells && is_blank(row->cells[first].text.str))
        first++;
    if (first == row->n_cells)
        return KOUAN_OK;                       /* a blank row */
    int rc = row_is_total(st, row);
    if (rc != 0)
        return rc < 0 ? rc : KOUAN_OK;
    if (row->n_cells != t->n_cols) {         /* ragged: say so, read what fits */
        char msg[160];
        snprintf(msg, sizeof msg, "a table row with %zu cells where the header has "
                 "%zu: %s", row->n_cells, t->n_cols,
                 row->n_cells > t->n_cols ? "the extra cells are ignored"
                                          : "the missing cells are read as empty");
        out->warn(out, row->span.start, msg);
    }

    tb_cellval *cv = calloc(st->n_roles, sizeof *cv);
    if (!cv)
        return KOUAN_ENOMEM;
    for (size_t c = 0; c < t->n_cols && rc == KOUAN_OK; c++) {
        int r = t->col_role[c];
        if (r < 0)
            continue;
        const kouan_cell *cell = c < row->n_cells ? &row->cells[c] : NULL;
        const char *text = cell ? cell->text.str : "";
        const tb_role *role = &st->roles[r];
        cv[r].present = 1;
        if (is_blank(text) && c < first) {
            if (!t->carry[r])
                continue;
            cv[r].fresh = 0;
            cv[r].from = t->carry_at[r];
            rc = read_cell(st, role, &cv[r], t->carry[r], cell, out);
        } else if (is_blank(text) || is_dash(text)) {
            free(t->carry[r]);
            t->carry[r] = NULL;
        } else {
            char *copy = strdup(text);
            if (!copy) {
                rc = KOUAN_ENOMEM;
                break;
            }
            free(t->carry[r]);
            t->carry[r] = copy;
            t->carry_at[r] = row->span.start;
            cv[r].fresh = 1;
            /* an HTML rowspan cell lies in the row where it was written */
            cv[r].from = cell->span.end > cell->span.start ? cell->span.start : row->span.start;
            rc = read_cell(st, role, &cv[r], text, cell, out);
        }
    }

    /* links */
    for (size_t l = 0; l < st->n_links && rc == KOUAN_OK; l++) {
        const tb_link *lk = &st->links[l];
        tb_cellval *s = &cv[lk->subj], *o = &cv[lk->obj];
        if (!s->present || !o->present)
            continue;
        int ok = 1;
        for (size_t q = 0; q < lk->n_req; q++)
            if (!cv[lk->req[q]].present)
                ok = 0;
        if (!ok)
            continue;
        const tb_role *sr = &st->roles[lk->subj], *orl = &st->roles[lk->obj];
        /* a value carried down from a row above (a blank cell, an HTML
           rowspan): the evidence runs from where it is written, so that it
           holds the names of both ends */
        kouan_span ev = row->span;
        if (s->from < ev.start) ev.start = s->from;
        if (o->from < ev.start) ev.start = o->from;
        for (size_t i = 0; i < s->n && rc == KOUAN_OK; i++)
            for (size_t j = 0; j < o->n && rc == KOUAN_OK; j++) {
                kouan_fact f = { sr->cls, s->e[i].name, lk->pred, orl->cls,
                                 o->e[j].name,
                                 orl->cls == KOUAN_CLASS_LITERAL ?
                                     orl->datatype : NULL,
                                 ev, lk->rule, NULL, NULL, NULL };
                rc = emit_once(t, out, &f);
                s->e[i].linked = o->e[j].linked = 1;
            }
    }

    /* aliases, and "type" for what took part in no fact */
    for (size_t r = 0; r < st->n_roles && rc == KOUAN_OK; r++) {
        const tb_role *role = &st->roles[r];
        if (!cv[r].fresh || role->cls == KOUAN_CLASS_LITERAL)
            continue;
        for (size_t i = 0; i < cv[r].n && rc == KOUAN_OK; i++) {
            tb_ent *e = &cv[r].e[i];
            for (size_t a = 0; a < e->alias.n && rc == KOUAN_OK; a++) {
                kouan_fact f = { role->cls, e->name, "altLabel",
                                 KOUAN_CLASS_LITERAL, e->alias.v[a], NULL,
                                 row->span, role->rule_alt, NULL, NULL, NULL };
                rc = emit_once(t, out, &f);
                e->linked = 1;
            }
            if (!e->linked && rc == KOUAN_OK) {
                kouan_fact f = { role->cls, e->name, "type", 0, NULL, NULL,
                                 row->span, role->rule_type, NULL, NULL, NULL };
                rc = emit_once(t, out, &f);
            }
        }
    }
    cellvals_free(cv, st->n_roles);
    free(cv);
    return rc;
}

static int install_roles(tb_table *t, const int *roles, size_t n)
{
    int *cr = malloc((n ? n : 1) * sizeof *cr);
    if (!cr)
        return KOUAN_ENOMEM;
    memcpy(cr, roles, n * sizeof *cr);
    free(t->col_role);
    t->col_role = cr;
    t->n_cols = n;
    t->active = 1;
    return KOUAN_OK;
}

/* 1 if row repeats the current header (a page break inside the block). */
static int repeats_header(const tb_state *st, const tb_table *t,
                          const kouan_row *row, int *roles)
{
    int rc = header_roles(st, row, roles);
    if (rc <= 0)
        return rc;
    for (size_t c = 0; c < row->n_cells; c++) {
        int cur = c < t->n_cols ? t->col_role[c] : -1;
        if (roles[c] != cur)
            return 0;
    }
    return 1;
}

static int read_block(const tb_state *st, tb_table *t, const kouan_block *b,
                      kouan_emitter *out)
{
    if (!b->continued)
        table_reset(t, st->n_roles);
    size_t maxc = 1;
    for (size_t i = 0; i < b->n_rows; i++)
        if (b->rows[i].n_cells > maxc)
            maxc = b->rows[i].n_cells;
    int *roles = malloc(maxc * sizeof *roles);
    if (!roles)
        return KOUAN_ENOMEM;

    size_t start = 0, scan = b->continued ? 1 : TB_HEADER_SCAN;
    int found = 0, rc = KOUAN_OK;
    for (size_t i = 0; i < b->n_rows && i < scan; i++) {
        rc = header_roles(st, &b->rows[i], roles);
        if (rc < 0)
            goto done;
        if (rc > 0) {
            rc = install_roles(t, roles, b->rows[i].n_cells);
            if (rc < 0)
                goto done;
            found = 1;
            start = i + 1;
            break;
        }
    }
    rc = KOUAN_OK;
    if (!found) {
        if (!(b->continued && t->active)) {
            table_reset(t, st->n_roles);       /* not a table we can read */
            goto done;
        }
        start = 0;
    }
    for (size_t i = start; i < b->n_rows && rc == KOUAN_OK; i++) {
        rc = repeats_header(st, t, &b->rows[i], roles);
        if (rc != 0) {
            rc = rc < 0 ? rc : KOUAN_OK;
            continue;
        }
        rc = read_row(st, t, &b->rows[i], out);
    }
done:
    free(roles);
    return rc;
}

/* ---- the plugin callbacks ---------------------------------------------------- */

static int tables_init(const kouan_config *cfg, void **state)
{
    *state = NULL;
    tb_state *st = calloc(1, sizeof *st);
    if (!st)
        return TB_NOMEM(cfg);
    int rc = load_layout(cfg, st);
    if (rc == KOUAN_OK && st->n_roles > 64)
        rc = report(cfg, KOUAN_EINVAL, "%s/%s: expected at most 64 column "
                    "roles", cfg->ontology_dir ? cfg->ontology_dir : ".",
                    TB_FILE);
    if (rc < 0) {
        state_free(st);
        return rc;
    }
    *state = st;
    return KOUAN_OK;
}

static int tables_process(void *state, const kouan_doc *doc,
                          kouan_emitter *out)
{
    const tb_state *st = state;
    if (!st || !doc || !out)
        return KOUAN_EINVAL;
    tb_table t;
    memset(&t, 0, sizeof t);
    t.carry = calloc(st->n_roles ? st->n_roles : 1, sizeof *t.carry);
    t.carry_at = calloc(st->n_roles ? st->n_roles : 1, sizeof *t.carry_at);
    if (!t.carry || !t.carry_at) {
        free(t.carry);
        free(t.carry_at);
        return KOUAN_ENOMEM;
    }
    int rc = KOUAN_OK;
    for (size_t i = 0; i < doc->n_blocks && rc == KOUAN_OK; i++) {
        const kouan_block *b = &doc->blocks[i];
        if (b->kind != KOUAN_BLOCK_TABLE)
            continue;
        rc = read_block(st, &t, b, out);
    }
    table_reset(&t, st->n_roles);
    free(t.carry);
    free(t.carry_at);
    return rc;
}

static void tables_fini(void *state)
{
    state_free(state);
}

KOUAN_PLUGIN_DEFINE(tables, "0.1.0",
                    "reads zone/province/port and region/prefecture/county "
                    "tables by their header words",
                    "MIT", KOUAN_STAGE_STRUCTURE,
                    tables_init, tables_process, tables_fini);
