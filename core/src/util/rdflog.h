/* rdflog.h — Redland's default logger prints warnings with garbage bytes
 * ("librdf warning ���V - Variable y was bound but is unused"); kouan
 * installs this quiet one between the moments it captures messages. */
#ifndef KOUAN_RDFLOG_H
#define KOUAN_RDFLOG_H
#include <redland.h>

static inline int kouan_rdf_log_quiet(void *user, librdf_log_message *m)
{
    (void)user; (void)m;
    return 1;   /* handled: print nothing */
}

/* Stop capturing: back to the quiet logger. */
#define KOUAN_RDF_LOG_RESET(world) \
    librdf_world_set_logger((world), NULL, kouan_rdf_log_quiet)
#endif
