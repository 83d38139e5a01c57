/* kouan/plugin.h — the only header an extractor plugin includes.
 *
 * A plugin is a shared object (built as a CMake MODULE) that exports one
 * descriptor, defined with KOUAN_PLUGIN_DEFINE().  The core loads it with
 * dlopen(RTLD_NOW|RTLD_LOCAL), checks the ABI version and calls:
 *
 *   init(cfg, &state)          once, after loading
 *   process(state, doc, out)   once per document
 *   fini(state)                once, before unloading
 *
 * The plugin reads the document through the read-only view below and emits
 * facts through the emitter.  It never sees an IRI it must mint or a librdf
 * object it must free: it names entities by class and surface form
 * ({KOUAN_CLASS_PORT, "樟木口岸"}), predicates by their vocabulary local name
 * ("province") and evidence by a byte span into the original file.
 *
 * ABI rules.  KOUAN_PLUGIN_ABI_MAJOR changes when anything here changes
 * incompatibly; the loader refuses a plugin of another major.  The minor grows
 * when fields are appended to kouan_doc, kouan_config or the emitter (reached
 * through one pointer: never inserted or reordered), when enum values are
 * added (plugins skip kinds they do not know), or when callbacks take reserved
 * slots.  Structures that come in arrays (block, row, cell, sentence, token)
 * are frozen within a major: their size is part of the ABI.  The loader
 * refuses a plugin built for a newer minor than the core's, since it may
 * read fields this core does not fill in.
 */
#ifndef KOUAN_PLUGIN_H
#define KOUAN_PLUGIN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define KOUAN_PLUGIN_ABI_MAJOR 1
#define KOUAN_PLUGIN_ABI_MINOR 3

/* The exported symbol the loader looks up. */
#define KOUAN_PLUGIN_SYMBOL "kouan_plugin_descriptor"

/* Return codes of callbacks and emitter functions. */
#define KOUAN_OK      0
#define KOUAN_EINVAL  (-1)  /* bad argument or malformed data file */
#define KOUAN_ENOMEM  (-2)
#define KOUAN_EIO     (-3)

/* ---- the document view (read-only, owned by the core) -------------------
 * Every pointer in these structures is borrowed: it stays valid for the
 * duration of the process() call that received the document, no longer.  */

/* A half-open byte range [start, end) in the original file. */
typedef struct kouan_span {
    size_t start, end;
} kouan_span;

/* Text as the extractors should read it (markup removed, entities decoded),
 * NUL-terminated UTF-8, with a map back to the original file: byte i of str
 * came from original byte orig[i]; orig[len] is the end of the source.    */
typedef struct kouan_text {
    const char   *str;
    size_t        len;
    const size_t *orig;   /* len + 1 entries */
} kouan_text;

typedef struct kouan_cell {
    kouan_text text;      /* whitespace-trimmed */
    kouan_span span;      /* the cell's bytes in the original file */
} kouan_cell;

typedef struct kouan_row {
    const kouan_cell *cells;
    size_t            n_cells;
    kouan_span        span;  /* the whole line */
    size_t            line;  /* 1-based line number of the row */
} kouan_row;

typedef enum kouan_block_kind {
    KOUAN_BLOCK_HEADING   = 1,  /* level = 1..6 */
    KOUAN_BLOCK_PARAGRAPH = 2,
    KOUAN_BLOCK_TABLE     = 3,  /* rows, cells */
    KOUAN_BLOCK_FOOTNOTE  = 4,  /* a note such as "<sup>①</sup> …" */
    KOUAN_BLOCK_FURNITURE = 5   /* ABI 1.1: front matter, table of contents,
                                   page furniture: not prose, not data */
} kouan_block_kind;

typedef struct kouan_block {
    kouan_block_kind  kind;
    int               level;     /* heading level; 0 otherwise */
    kouan_span        span;      /* the block's bytes in the original file */
    size_t            line;      /* 1-based line of the first byte */
    kouan_text        text;      /* heading/paragraph/footnote text; for a
                                    table, its rows joined by '\n', cells by '\t' */
    const kouan_row  *rows;      /* tables only */
    size_t            n_rows;
    const kouan_text *caption;   /* tables: the "表 1-1 …" line before it, or NULL */
    int               continued; /* tables: preceded by "续表" (continues the
                                    previous table) */
} kouan_block;

/* Entity classes of the vocabulary; KOUAN_CLASS_LITERAL marks a literal
 * object.  Values are part of the ABI: never renumber. */
typedef enum kouan_class {
    KOUAN_CLASS_LITERAL        = 0,
    KOUAN_CLASS_PORT           = 1,
    KOUAN_CLASS_PROVINCE       = 2,
    KOUAN_CLASS_TRADE_ZONE     = 3,
    KOUAN_CLASS_COUNTRY        = 4,
    KOUAN_CLASS_PREFECTURE     = 5,
    KOUAN_CLASS_COUNTY         = 6,
    KOUAN_CLASS_OPEN_BORDER_CITY = 7,
    KOUAN_CLASS_TRANSPORT      = 8   /* kouan:Rail, kouan:Road */
} kouan_class;

/* ---- the token view (ABI 1.1) ------------------------------------------
 * Prose blocks (headings, paragraphs, footnotes) are split into sentences
 * and segmented into tokens after the structure stage, so the names that
 * structure plugins emitted (a table listing 甘其毛都) are words of this
 * document's prose.  Prose plugins read them; structure plugins see
 * n_sentences == 0. */

typedef enum kouan_token_kind {
    KOUAN_TOKEN_WORD   = 1,  /* a word of the general lexicon, or unknown */
    KOUAN_TOKEN_ENTITY = 2,  /* a name of a known class: see kouan_token.cls */
    KOUAN_TOKEN_NUMBER = 3,  /* digits or Chinese numerals with their magnitudes
                                and a time unit: 1685.5亿, 2.28万, 1990年代,
                                2013年, 20.5%; a measure word or currency
                                after it is the next token (美元, 公里, 个) */
    KOUAN_TOKEN_PUNCT  = 4,  /* punctuation: 、，。；：（）“”《》— … */
    KOUAN_TOKEN_LATIN  = 5   /* a run of Latin letters/digits: WTO, UNDP */
} kouan_token_kind;

typedef struct kouan_token {
    const char      *text;   /* normalised form (NFKC, simplified Chinese),
                                NUL-terminated: what rules match against */
    size_t           len;    /* bytes of text */
    kouan_span       span;   /* the token's bytes in the original file: cutting
                                them out gives the original form */
    kouan_token_kind kind;
    kouan_class      cls;    /* ENTITY: its class (first one when several);
                                otherwise KOUAN_CLASS_LITERAL (0) */
} kouan_token;

typedef struct kouan_sentence {
    const kouan_token *tokens;
    size_t             n_tokens;
    kouan_span         span;   /* original bytes, ending punctuation included */
    size_t             line;   /* 1-based line of the first byte */
    size_t             block;  /* index into kouan_doc.blocks */
} kouan_sentence;

/* ---- facts already known (ABI 1.2) ----------------------------------------
 * What the structure stage established for this document, with names
 * resolved to their canonical labels: a prose rule about a set ("西藏现有
 * 边境口岸均为公路运输口岸") applies to the ports the document's tables place
 * in 西藏.  Frozen within a major (an array element). */
typedef struct kouan_known_fact {
    kouan_class  subject_class;
    const char  *subject;       /* canonical label (西藏, 樟木) */
    const char  *predicate;     /* vocabulary local name */
    kouan_class  object_class;  /* KOUAN_CLASS_LITERAL for a literal */
    const char  *object;        /* canonical label or lexical value */
} kouan_known_fact;

typedef struct kouan_doc {
    const char        *path;     /* as given by the user */
    const char        *id;       /* stable document id (file name stem) */
    const char        *bytes;    /* the original file, NUL-terminated */
    size_t             len;
    const kouan_block *blocks;
    size_t             n_blocks;
    /* ABI 1.1 */
    const kouan_sentence *sentences;  /* prose stage only; else NULL */
    size_t                n_sentences;
    /* ABI 1.2 */
    const kouan_known_fact *facts;    /* prose stage only: the structure
                                         stage's facts; else NULL */
    size_t                  n_facts;
    /* ABI 1.3 */
    const kouan_span       *fact_evidence; /* facts[i]'s evidence in the
                                              original file (parallel to
                                              facts; prose stage only) */
    /* later minors append fields here */
} kouan_doc;

/* ---- facts ---------------------------------------------------------------- */


/* One fact: subject predicate object, with its evidence.
 * Emitting a fact about an entity also types and labels it; to state only
 * that an entity exists, emit predicate "type" with object NULL.
 * Strings are copied by the core; they need live only during the call.   */
typedef struct kouan_fact {
    kouan_class  subject_class;
    const char  *subject;        /* surface form as the text writes it */
    const char  *predicate;      /* vocabulary local name: "province",
                                    "tradeZone", "altLabel", "type", … */
    kouan_class  object_class;   /* KOUAN_CLASS_LITERAL for a literal */
    const char  *object;         /* surface form or lexical value */
    const char  *datatype;       /* literals: XSD local name ("integer",
                                    "decimal", "gYear") or NULL for a
                                    Chinese string (@zh) */
    kouan_span   evidence;       /* bytes of the original file that say it */
    const char  *rule;           /* id of the rule or reading that found it */
    /* ABI 1.2: qualifiers of a statistic (NULL when not given); the core
     * reads them only from plugins built for 1.2 or later */
    const char  *year;           /* the year it refers to: "2013" */
    const char  *unit;           /* the unit of the value: "km2", "USD",
                                    "persons" (values are in base units) */
    const char  *share;          /* share of the national total, a decimal
                                    fraction: "0.205" for 20.5% */
} kouan_fact;

/* The sink a plugin writes to.  Owned by the core. */
typedef struct kouan_emitter kouan_emitter;
struct kouan_emitter {
    /* Record one fact.  Returns KOUAN_OK, or KOUAN_EINVAL (unknown predicate,
     * empty name, span outside the document: the message says which) or
     * KOUAN_ENOMEM.  A plugin should stop and return the error. */
    int  (*emit)(kouan_emitter *self, const kouan_fact *fact);
    /* Report a problem with the input that does not stop extraction
     * (printed with file:line).  at is a byte offset in the original file. */
    void (*warn)(kouan_emitter *self, size_t at, const char *message);
    void *core;                  /* private to the core */
};

/* ---- configuration handed to init() --------------------------------------- */

typedef struct kouan_config {
    uint16_t    abi_major, abi_minor;  /* the core's ABI */
    const char *ontology_dir;          /* folder with kouan.ttl, gazetteers,
                                          rules and table layouts */
    /* Set an error message for the user (copied by the core); returns code. */
    int (*error)(const struct kouan_config *cfg, int code, const char *message);
    void *core;                        /* private to the core */
} kouan_config;

/* ---- the descriptor ------------------------------------------------------- */

typedef enum kouan_stage {
    KOUAN_STAGE_STRUCTURE = 1,   /* tables, footnotes: run first */
    KOUAN_STAGE_PROSE     = 2    /* sentences: run after all structure plugins */
} kouan_stage;

typedef struct kouan_plugin {
    uint16_t    abi_major, abi_minor;  /* filled in by KOUAN_PLUGIN_DEFINE */
    const char *name;                  /* short, unique: "tables" */
    const char *version;               /* the plugin's own version */
    const char *description;           /* one line for `kouan plugins` */
    const char *license;               /* SPDX identifier */
    kouan_stage stage;
    /* init: allocate state, read data files from cfg->ontology_dir.  On
     * failure return a negative code after cfg->error(...). May be NULL. */
    int  (*init)(const kouan_config *cfg, void **state);
    /* process: read doc, emit facts. Return KOUAN_OK or a negative code. */
    int  (*process)(void *state, const kouan_doc *doc, kouan_emitter *out);
    /* fini: free state. May be NULL. */
    void (*fini)(void *state);
    void       *reserved[8];           /* must be NULL: room to grow */
} kouan_plugin;

#if defined(__GNUC__)
#  define KOUAN_PLUGIN_EXPORT __attribute__((visibility("default")))
#else
#  define KOUAN_PLUGIN_EXPORT
#endif

/* Define the plugin's descriptor.  Use once per plugin, at file scope:
 *
 *   KOUAN_PLUGIN_DEFINE(tables, "0.1.0", "zone/province/port tables",
 *                       "MIT", KOUAN_STAGE_STRUCTURE,
 *                       tables_init, tables_process, tables_fini);
 */
#define KOUAN_PLUGIN_DEFINE(NAME, VERSION, DESCRIPTION, LICENSE, STAGE,       \
                            INIT, PROCESS, FINI)                              \
    KOUAN_PLUGIN_EXPORT const kouan_plugin kouan_plugin_descriptor = {        \
        KOUAN_PLUGIN_ABI_MAJOR, KOUAN_PLUGIN_ABI_MINOR, #NAME, VERSION,       \
        DESCRIPTION, LICENSE, STAGE, INIT, PROCESS, FINI, {0}                 \
    }

/* Convenience: emit a relation between two entities. */
static inline int kouan_emit_relation(kouan_emitter *out,
                                      kouan_class scls, const char *subject,
                                      const char *predicate,
                                      kouan_class ocls, const char *object,
                                      kouan_span evidence, const char *rule)
{
    kouan_fact f = { scls, subject, predicate, ocls, object, NULL,
                     evidence, rule, NULL, NULL, NULL };
    return out->emit(out, &f);
}

/* Convenience: emit a literal value (datatype NULL means a @zh string). */
static inline int kouan_emit_value(kouan_emitter *out,
                                   kouan_class scls, const char *subject,
                                   const char *predicate, const char *value,
                                   const char *datatype,
                                   kouan_span evidence, const char *rule)
{
    kouan_fact f = { scls, subject, predicate, KOUAN_CLASS_LITERAL, value,
                     datatype, evidence, rule, NULL, NULL, NULL };
    return out->emit(out, &f);
}

#ifdef __cplusplus
}
#endif
#endif /* KOUAN_PLUGIN_H */
