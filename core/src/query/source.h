/* source.h — kouan's Rasqal triples source: what Rasqal reads a query's
 * triple patterns from, in place of librdf's own (static in librdf's
 * rdf_query_rasqal.c), installed on a world's Rasqal world.
 *
 * It answers every pattern through the public librdf model API, so it
 * works on any storage (kouan:, memory:/hashes:, kouan-virtuoso), and
 * before Rasqal builds its plan it reorders each basic graph pattern's
 * triple patterns by estimated cardinality (Rasqal itself joins them in
 * the order written): counts from the store (kouan_lmdb_estimate on a
 * kouan: store, a capped count of find_statements elsewhere) for the
 * constants, and fixed factors for the variables bound by the patterns
 * already placed.  KOUAN_NO_REORDER=1 in the environment keeps the written
 * order (tests and bench/store compare both); KOUAN_SOURCE_GENERIC=1 reads
 * a kouan: store through the librdf model API too (instead of by term id);
 * KOUAN_SOURCE_DEBUG=1 prints each group's counts and order to stderr.
 * Design and the Rasqal and librdf internals it depends on: the comment at
 * the top of source.c. */
#ifndef KOUAN_QUERY_SOURCE_H
#define KOUAN_QUERY_SOURCE_H
#include <redland.h>
#include <stddef.h>

/* Prepares a new world, before librdf_world_open: Raptor's URI interning
 * off.  Interned, every IRI Raptor makes (each IRI a query binds, each node
 * a parser or a store builds) is searched for in, added to and at its free
 * removed from one AVL tree over all live IRIs; a query that binds 26 000
 * port IRIs spends a fifth of its instructions there, and more of its time
 * (the tree's nodes are scattered in memory).  Without it an IRI is a
 * malloc and a copy; Raptor compares IRIs by their text either way
 * (raptor_uri_equals), so nothing else changes.  bench/store/README.md has
 * the measurements. */
void kouan_query_world_prepare(librdf_world *world);

/* Installs the source on world (after librdf_world_open; once per world, a
 * second call is harmless).  Returns 0, or -1 when Rasqal refused. */
int kouan_query_source_install(librdf_world *world);

/* Counters over the process, for tests and profiling. */
typedef struct kouan_source_counters {
    size_t sources;    /* triples sources made (one per query execution) */
    size_t matches;    /* triple-pattern lookups (find_statements calls) */
    size_t rows;       /* statements read from those lookups */
    size_t reordered;  /* basic graph patterns whose order was changed */
    size_t skipped;    /* queries left in written order because Rasqal's
                          internals did not look as expected */
    size_t sets;       /* membership sets built for repeated checks (kouan:) */
    size_t aggregates;      /* aggregates rewritten (source.c, "aggregates") */
} kouan_source_counters;

void kouan_query_source_counters(kouan_source_counters *out);
void kouan_query_source_counters_reset(void);
#endif
