/* fuzz_tables.c — the table reader: any bytes read as a Markdown-like
 * document (kouan_document_parse), then the tables plugin's process over
 * its blocks, as the core runs it.  plugins/tables/tables.c is compiled
 * into this program (its descriptor is the only symbol it exports); the
 * layout comes from the source tree's ontology/tables.tsv.  Checks that
 * every fact names a subject and predicate, and points inside the file. */
#include "fuzz.h"
#include "doc/doc.h"
#include <kouan/plugin.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern const kouan_plugin kouan_plugin_descriptor;   /* tables.c */

static void *state;
static size_t doc_len;

static int cfg_error(const kouan_config *cfg, int code, const char *message)
{
    (void)cfg;
    fprintf(stderr, "fuzz_tables: %s\n", message);
    return code;
}

static int on_emit(kouan_emitter *self, const kouan_fact *f)
{
    (void)self;
    FUZZ_ASSERT(f->subject && f->predicate);
    FUZZ_ASSERT(strlen(f->subject) < (1u << 20));
    if (f->object) FUZZ_ASSERT(strlen(f->object) < (1u << 20));
    FUZZ_ASSERT(f->evidence.start <= f->evidence.end && f->evidence.end <= doc_len);
    return KOUAN_OK;
}

static void on_warn(kouan_emitter *self, size_t at, const char *message)
{
    (void)self;
    FUZZ_ASSERT(at <= doc_len && message);
}

static void setup(void)
{
    static kouan_config cfg = { KOUAN_PLUGIN_ABI_MAJOR, KOUAN_PLUGIN_ABI_MINOR,
                                KOUAN_ONTOLOGY_DIR, cfg_error, NULL };
    if (kouan_plugin_descriptor.init(&cfg, &state) != KOUAN_OK) exit(1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!state) setup();
    kouan_error err = { 0 };
    kouan_document *d = kouan_document_parse("fuzz.md", (const char *)data, size, &err);
    if (!d) return 0;
    doc_len = size;
    kouan_emitter out = { on_emit, on_warn, NULL };
    kouan_plugin_descriptor.process(state, &d->view, &out);
    kouan_document_free(d);
    return 0;
}
