/* resolve.h — from (class, surface form) to one canonical label and one
 * stable IRI.  Closed classes (provinces, trade zones, countries) resolve
 * through the gazetteers in ontology/gazetteer/; open classes (ports,
 * prefectures, counties, cities) by dropping the suffixes ontology/names.tsv
 * lists for their class. */
#ifndef KOUAN_RESOLVE_H
#define KOUAN_RESOLVE_H
#include "kouan/kouan.h"
#include "util/strmap.h"
#include "text/normalize.h"
#include "learn.h"

#define KOUAN_N_CLASSES 9

typedef struct kouan_resolver {
    kouan_strmap by_name[KOUAN_N_CLASSES];   /* surface → entry (borrowed) */
    void        *entries;                    /* list of owned entries */
    char       **suffixes[KOUAN_N_CLASSES];  /* owned, NULL-terminated */
    kouan_strmap same[KOUAN_N_CLASSES];      /* merges.tsv: name → canonical
                                                name (owned strings) */
    kouan_strmap distinct[KOUAN_N_CLASSES];  /* merges.tsv: names kept apart */
    kouan_normalizer *nz;                    /* borrowed, may be NULL: NFKC and
                                                traditional → simplified */
    kouan_learn_rules learn;                 /* learn.tsv: which facts make two
                                                port names one port */
} kouan_resolver;

/* Loads the gazetteers, names.tsv, merges.tsv and learn.tsv from dir.  Returns 0 or KOUAN_EINVAL /
 * KOUAN_ENOTFOUND with err saying file:line and what was expected. */
int  kouan_resolver_load(kouan_resolver *r, const char *dir, kouan_error *err);
void kouan_resolver_free(kouan_resolver *r);

typedef struct kouan_resolved {
    char        label[256];  /* canonical name */
    char        iri[640];    /* absolute IRI */
    int         known;       /* found in a gazetteer */
    const char *why;         /* why the surface form is not the label, for
                                the record: "gazetteer", "suffix",
                                "simplified", "merges.tsv"; NULL when equal */
} kouan_resolved;

/* Resolves surface (UTF-8, trimmed) of class cls: normalised (NFKC,
 * traditional → simplified) when r->nz is set, then merges.tsv, the
 * gazetteers, the suffixes.  The same name gives the same IRI on every run
 * and machine (the IRI is built from the code or canonical label only).
 * Returns 0, or
 * KOUAN_ENOTFOUND for a closed-class name no gazetteer lists (*problem then
 * says which file to add it to) or KOUAN_EINVAL for an empty name. */
int kouan_resolve(const kouan_resolver *r, kouan_class cls, const char *surface,
                  kouan_resolved *out, const char **problem);

/* The other forms a gazetteer lists for the closed-class entity labelled
 * label (aliases, then abbreviations such as 蒙 for 蒙古), NULL-terminated
 * and owned by r; NULL when there are none. */
const char *const *kouan_resolver_forms(const kouan_resolver *r, kouan_class cls,
                                        const char *label);

/* The class's local name in the vocabulary ("Port"), or NULL. */
const char *kouan_class_name(kouan_class cls);

/* Appends s to out as IRI-safe text: UTF-8 kept, ASCII outside the
 * unreserved set percent-encoded.  Returns 0 or -1 if out is too small. */
int kouan_iri_escape(const char *s, char *out, size_t n);
#endif
