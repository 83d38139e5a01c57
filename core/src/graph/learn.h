/* learn.h — names documents teach: when two port names are one port.
 *
 * The fixed resolution (resolve.h: gazetteers, suffixes, merges.tsv) sees
 * one name at a time.  Some merges need what a document says:
 *   - 樟木口岸的官方名称为聂拉木口岸: a port named 聂拉木 is 樟木
 *     (the port's kouan:officialName);
 *   - 凭祥友谊关 is 友谊关 when 凭祥(市) is a place some document names
 *     and 友谊关 a port some document names (a place name written before a
 *     port's name).
 * ontology/learn.tsv says which predicate and which classes and suffixes
 * (data, not code).  What a store's documents teach is a kouan_names; a
 * port's canonical name is kouan_names_alias() over the layers that apply
 * (the store's documents, the document itself), so the result depends on
 * the set of documents only — never on the order they came in. */
#ifndef KOUAN_LEARN_H
#define KOUAN_LEARN_H
#include "kouan/kouan.h"
#include "util/strmap.h"

/* ontology/learn.tsv, as read. */
typedef struct kouan_learn_rules {
    char  *official;          /* predicate local name ("officialName"), owned;
                                 NULL: no official-name merges */
    int    place_class[16];   /* 1 for the classes whose labels are places */
    char **place_suffixes;    /* owned, NULL-terminated: 市 县 … */
    int    prefix;            /* place-prefix merges enabled */
} kouan_learn_rules;

/* One data line of ontology/learn.tsv (fields split at tabs; resolve.c
 * reads the file).  class_by_name maps a class local name to its
 * kouan_class, or -1.  Returns 0, or KOUAN_EINVAL with err saying
 * path:lineno and what was expected. */
int  kouan_learn_line(kouan_learn_rules *lr, char **fields, size_t n,
                      int (*class_by_name)(const char *), const char *path,
                      size_t lineno, kouan_error *err);
void kouan_learn_free(kouan_learn_rules *lr);

/* What a set of documents teaches.  All strings are copied and owned. */
typedef struct kouan_names {
    kouan_strmap ports;       /* port names as documents write them (after
                                 the fixed resolution) */
    kouan_strmap places;      /* place labels, and each without a suffix */
    kouan_strmap official;    /* an official name (as a port label) → the
                                 label of the port it names (owned values) */
} kouan_names;

void kouan_names_init(kouan_names *n);
void kouan_names_free(kouan_names *n);
int  kouan_names_add_port(kouan_names *n, const char *label);
int  kouan_names_add_place(kouan_names *n, const kouan_learn_rules *lr,
                           const char *label);
int  kouan_names_add_official(kouan_names *n, const char *official_label,
                              const char *port_label);
/* Adds everything src teaches to dst (as if dst's documents and src's
 * were one set).  Returns 0 or KOUAN_ENOMEM. */
int  kouan_names_merge(kouan_names *dst, const kouan_names *src);

/* The canonical name of the port named label (a fixed-resolution label)
 * under what layers[0..n) teach (NULL layers are skipped): the port an
 * official name names, else the known port after a known place prefix,
 * else label itself.  Writes it to out (at most size bytes) and returns
 * out; *why is "officialName", "prefix", or NULL when it is label. */
const char *kouan_names_alias(const kouan_learn_rules *lr,
                              const kouan_names *const *layers, size_t n,
                              const char *label, char *out, size_t size,
                              const char **why);
#endif
