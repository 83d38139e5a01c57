/* vocab.c — reads the property declarations of ontology/kouan.ttl. */
#include "util/rdflog.h"
#include "vocab.h"
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define OWL "http://www.w3.org/2002/07/owl#"
#define RDF_TYPE "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"

typedef struct parse_log {
    char   message[512];
    int    line;
    int    errors;
} parse_log;

static int log_parse(void *user, librdf_log_message *m)
{
    parse_log *pl = user;
    if (librdf_log_message_level(m) < LIBRDF_LOG_ERROR) return 1;
    if (!pl->errors++) {
        raptor_locator *loc = librdf_log_message_locator(m);
        pl->line = loc ? raptor_locator_line(loc) : 0;
        snprintf(pl->message, sizeof pl->message, "%s", librdf_log_message_message(m));
    }
    return 1;
}

int kouan_vocab_load(kouan_vocab *v, librdf_world *world, const char *dir,
                     kouan_error *err)
{
    memset(v, 0, sizeof *v);
    char path[4096];
    snprintf(path, sizeof path, "%s/kouan.ttl", dir);
    FILE *f = fopen(path, "rb");
    if (!f) {
        err->code = KOUAN_ENOTFOUND;
        snprintf(err->message, sizeof err->message,
                 "%s: cannot open the vocabulary (is --ontology / KOUAN_ONTOLOGY "
                 "the project's ontology/ folder?)", path);
        return err->code;
    }
    parse_log pl = {0};
    librdf_world_set_logger(world, &pl, log_parse);
    librdf_parser *parser = librdf_new_parser(world, "turtle", NULL, NULL);
    librdf_uri *base = librdf_new_uri(world, (const unsigned char *)KOUAN_NS_ONTOLOGY);
    librdf_stream *st = parser && base
        ? librdf_parser_parse_file_handle_as_stream(parser, f, 0, base) : NULL;
    const size_t ns_len = strlen(KOUAN_NS_ONTOLOGY);
    int rc = KOUAN_OK;
    for (; st && !librdf_stream_end(st) && rc == KOUAN_OK; librdf_stream_next(st)) {
        librdf_statement *s = librdf_stream_get_object(st);
        librdf_node *sn = librdf_statement_get_subject(s);
        librdf_node *pn = librdf_statement_get_predicate(s);
        librdf_node *on = librdf_statement_get_object(s);
        if (!librdf_node_is_resource(sn) || !librdf_node_is_resource(on)) continue;
        const char *p = (const char *)librdf_uri_as_string(librdf_node_get_uri(pn));
        if (strcmp(p, RDF_TYPE) != 0) continue;
        const char *su = (const char *)librdf_uri_as_string(librdf_node_get_uri(sn));
        const char *o = (const char *)librdf_uri_as_string(librdf_node_get_uri(on));
        if (strncmp(su, KOUAN_NS_ONTOLOGY, ns_len) != 0) continue;
        intptr_t kind = !strcmp(o, OWL "ObjectProperty") ? KOUAN_PROP_OBJECT
                      : !strcmp(o, OWL "DatatypeProperty") ? KOUAN_PROP_DATATYPE : 0;
        if (!strcmp(o, OWL "Class")) v->n_classes++;
        if (kind && kouan_strmap_put(&v->props, su + ns_len, (void *)kind) != KOUAN_OK)
            rc = KOUAN_ENOMEM;
    }
    if (st) librdf_free_stream(st);
    if (base) librdf_free_uri(base);
    if (parser) librdf_free_parser(parser);
    KOUAN_RDF_LOG_RESET(world);
    fclose(f);
    if (rc == KOUAN_OK && (pl.errors || !st)) {
        rc = KOUAN_EINVAL;
        err->code = rc;
        snprintf(err->message, sizeof err->message, "%s:%d: %s", path, pl.line,
                 pl.errors ? pl.message : "cannot parse as Turtle");
    } else if (rc == KOUAN_OK && v->props.count == 0) {
        rc = KOUAN_EINVAL;
        err->code = rc;
        snprintf(err->message, sizeof err->message,
                 "%s: declares no owl:ObjectProperty or owl:DatatypeProperty "
                 "in the kouan: namespace", path);
    }
    if (rc) kouan_vocab_free(v);
    return rc;
}

void kouan_vocab_free(kouan_vocab *v)
{
    kouan_strmap_free(&v->props);
}

int kouan_vocab_prop(const kouan_vocab *v, const char *local)
{
    return (int)(intptr_t)kouan_strmap_get(&v->props, local);
}
