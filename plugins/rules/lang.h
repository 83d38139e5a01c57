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

/* A name of a closed class and its canonical label (the gazetteers):
 * 西藏自治区 → 西藏. */
typedef struct rl_alias {
    int  cls;
    char form[96];
    char label[64];
} rl_alias;

/* A list of words (mention cues), NUL-terminated UTF-8, folded. */
typedef struct rl_words {
    char  **w;
    size_t *len;        /* strlen of each */
    size_t  n;
} rl_words;

/* Cues for port mentions in prose (ontology/mentions.tsv). */
typedef struct rl_cues {
    rl_words head;      /* the word that makes a name a port: 口岸 */
    rl_words generic;   /* modifiers that make X口岸 a kind of port, not a name */
    rl_words stop;      /* words that are never (part of) a port's name */
    rl_words dash;      /* marks between the two ports of a pair: — - ~ */
    rl_words clause;    /* punctuation that ends a clause: ， ； 。 */
    rl_words side;      /* a country's side after its name: 尼方, 越南一侧 */
} rl_cues;

typedef struct rl_data {
    rl_abbrev *abbrevs;
    size_t     n_abbrevs;
    rl_pred   *preds;
    size_t     n_preds;
    rl_alias  *aliases;
    size_t     n_aliases;
    rl_cues    cues;
} rl_data;

/* ---- compiled rules ---------------------------------------------------------- */

typedef struct rl_node rl_node;      /* a pattern, opaque */

typedef enum rl_term_kind {
    RL_CAPTURE = 1, RL_CONST = 2, RL_LITERAL = 3,
    RL_EACH = 4     /* Port[province=$p]: every entity the structure stage's
                       facts (kouan_doc.facts) relate to the capture's value */
} rl_term_kind;

typedef struct rl_term {
    rl_term_kind kind;
    char        *text;      /* capture name, constant name, or literal value */
    int          cls;       /* class override / constant's class; 0: none */
    char        *datatype;  /* literals: XSD local name or NULL */
    char        *pred;      /* RL_EACH: the predicate of the known facts */
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
/* A name the mention pass found in a sentence: {Port} matches it as if
 * it were a token of that class (mention.c). */
typedef struct rl_mention {
    size_t start, end;      /* bytes of rl_sentence.text */
    int    cls;
    char  *name;            /* what to emit: the text, or the document's
                               spelling of a variant (owned) */
    int    learned;         /* found by the name alone, not by its cue */
} rl_mention;

typedef struct rl_sentence {
    const kouan_sentence *sent;
    char   *text;
    size_t  len;
    size_t *tok_start, *tok_end;   /* per token, into text */
    int    *tok_at;                /* per byte of text: the token holding it */
    unsigned kinds;                /* bit k: a token of kind k */
    unsigned classes;              /* bit c: an entity token of class c, or
                                      (once indexed) a mention of class c */
    rl_mention *mentions;          /* the mention pass's names (mention.c) */
    size_t      n_mentions;
    /* an index of the mentions (rl_sentence_index), or NULL: the matcher
       then scans them all */
    int        *mention_first;     /* per byte: first mention starting there, or -1 */
    int        *mention_next;      /* per mention: the next one with its start, or -1 */
    unsigned   *mention_cls;       /* per byte: bit c set when a mention of class c covers it */
} rl_sentence;

RL_HIDDEN int  rl_sentence_init(rl_sentence *s, const kouan_sentence *sent);
/* Indexes s's mentions by byte, so that matching at a byte costs the same
 * however many mentions the sentence has; call it once the mentions are
 * final (after rl_mentions_find).  Returns KOUAN_OK or KOUAN_ENOMEM. */
RL_HIDDEN int  rl_sentence_index(rl_sentence *s);
RL_HIDDEN void rl_sentence_free(rl_sentence *s);

/* One captured value. */
typedef struct rl_value {
    const char *name;      /* the capture's name (borrowed from the rule) */
    char       *text;      /* owned */
    int         cls;       /* kouan_class, or 0 */
    const void *list;      /* the list or repetition it was captured in */
    size_t      iter;      /* which element of that list */
    size_t      start, end;  /* bytes of rl_sentence.text */
    kouan_span  ev;          /* RL_EACH values: where their known fact is
                                stated (has_ev) */
    int         has_ev;
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

/* The canonical label of a closed-class name (西藏自治区 → 西藏), or the
 * name itself.  Borrowed from data or from name. */
RL_HIDDEN const char *rl_canonical(const rl_data *data, int cls, const char *name);

/* ---- the mention pass (mention.c) ------------------------------------------------- */

/* A spelling of a known port that the prose writes differently (阿拉哈沙特
 * for the tables' 阿日哈沙特), merged by the mention pass. */
typedef struct rl_variant {
    char  *label;            /* the known name (owned) */
    char  *alt;              /* the prose spelling (owned) */
    size_t sentence;         /* where the evidence is */
} rl_variant;

/* Finds the port mentions of every sentence of doc (sents[i] prepared from
 * doc->sentences[i]) and stores them in sents[i].mentions; variants of
 * known ports found on the way go to *variants (free with
 * rl_variants_free).  Returns KOUAN_OK or KOUAN_ENOMEM. */
RL_HIDDEN int  rl_mentions_find(rl_sentence *sents, size_t n, const kouan_doc *doc,
                                const rl_data *data, rl_variant **variants,
                                size_t *n_variants);
RL_HIDDEN void rl_variants_free(rl_variant *v, size_t n);

/* Number of UTF-8 characters in the n bytes at s. */
RL_HIDDEN size_t rl_chars(const char *s, size_t n);

/* Class by vocabulary local name ("Port"), or -1. */
RL_HIDDEN int  rl_class_by_name(const char *name);
#endif
