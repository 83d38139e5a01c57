/* lang.h — the rule language of the rules plugin: parsing ontology/rules/
 * *.rules files (syntax: ontology/rules/README.md) and matching a rule's
 * pattern against one sentence's tokens.  Private to plugins/rules; every
 * function is hidden in the plugin's shared object.  Owned by the rules
 * plugin. */
#ifndef KOUAN_RULES_LANG_H
#define KOUAN_RULES_LANG_H
#include <kouan/plugin.h>
#include <stddef.h>

#define RL_HIDDEN __attribute__((visibility("hidden")))

/* ---- the data a rule set needs: country abbreviations, declared predicates ---- */

typedef struct rl_abbrev {
    char ch[8];          /* one UTF-8 character: 蒙 */
    char label[64];      /* the country's canonical label: 蒙古 */
} rl_abbrev;

typedef struct rl_pred {
    char name[64];
    int  datatype;       /* 1: takes a literal; 0: takes an entity; -1: type */
} rl_pred;

typedef struct rl_data {
    rl_abbrev *abbrevs;
    size_t     n_abbrevs;
    rl_pred   *preds;
    size_t     n_preds;
} rl_data;

/* ---- compiled rules ---------------------------------------------------------- */

typedef struct rl_node rl_node;      /* a pattern, opaque */

typedef enum rl_term_kind { RL_CAPTURE = 1, RL_CONST = 2, RL_LITERAL = 3 } rl_term_kind;

typedef struct rl_term {
    rl_term_kind kind;
    char        *text;      /* capture name, constant name, or literal value */
    int          cls;       /* class override / constant's class; 0: none */
    char        *datatype;  /* literals: XSD local name or NULL */
} rl_term;

typedef struct rl_emit {
    rl_term  s, o;
    char    *pred;          /* vocabulary local name, or "type" */
    int      zip;           /* pair the i-th subject with the i-th object */
    int      has_object;    /* 0 for "emit $x type" */
    size_t   line;
} rl_emit;

typedef struct rl_rule {
    char     *id, *file;
    size_t    line;
    rl_node  *pattern;
    rl_node **context;      /* patterns searched before the match, same block */
    size_t    n_context;
    char    **unless;       /* words that refuse the sentence up to the match end */
    size_t    n_unless;
    rl_emit  *emits;
    size_t    n_emits;
} rl_rule;

typedef struct rl_ruleset {
    rl_rule *rules;
    size_t   n;
} rl_ruleset;

/* Parses one rule file's text and appends its rules to rs.  On a mistake
 * returns KOUAN_EINVAL and writes "file:line: expected …" to msg.
 * data (abbreviations, predicates) must outlive nothing: it is only read. */
RL_HIDDEN int  rl_parse(rl_ruleset *rs, const char *file, const char *text,
                        const rl_data *data, char *msg, size_t n);
RL_HIDDEN void rl_ruleset_free(rl_ruleset *rs);

/* ---- matching ------------------------------------------------------------------- */

/* One sentence prepared for matching: its tokens' texts concatenated
 * (fullwidth forms folded to ASCII), with each token's place in that string. */
typedef struct rl_sentence {
    const kouan_sentence *sent;
    char   *text;
    size_t  len;
    size_t *tok_start, *tok_end;   /* per token, into text */
    int    *tok_at;                /* per byte of text: the token holding it */
} rl_sentence;

RL_HIDDEN int  rl_sentence_init(rl_sentence *s, const kouan_sentence *sent);
RL_HIDDEN void rl_sentence_free(rl_sentence *s);

/* One captured value. */
typedef struct rl_value {
    const char *name;      /* the capture's name (borrowed from the rule) */
    char       *text;      /* owned */
    int         cls;       /* kouan_class, or 0 */
    const void *list;      /* the list or repetition it was captured in */
    size_t      iter;      /* which element of that list */
    size_t      start, end;  /* bytes of rl_sentence.text */
} rl_value;

typedef struct rl_match {
    size_t    start, end;  /* bytes of rl_sentence.text */
    rl_value *v;
    size_t    n;
} rl_match;

/* Finds the leftmost match of pattern starting at a token at or after byte
 * from.  Returns 1 and fills m (free with rl_match_free), 0 when there is
 * none, or KOUAN_ENOMEM. */
RL_HIDDEN int  rl_search(const rl_node *pattern, const rl_sentence *s, size_t from,
                         const rl_data *data, rl_match *m);
RL_HIDDEN void rl_match_free(rl_match *m);

/* Folds fullwidth ASCII forms (，→ ,) and the ideographic space in place. */
RL_HIDDEN void rl_fold(char *s);

/* Class by vocabulary local name ("Port"), or -1. */
RL_HIDDEN int  rl_class_by_name(const char *name);
#endif
