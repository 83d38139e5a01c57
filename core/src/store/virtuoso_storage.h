/* virtuoso_storage.h — "kouan-virtuoso": kouan's document graphs on a
 * Virtuoso server, as a Redland storage over Redland's virtuoso storage
 * (librdf-storage-virtuoso + unixODBC), which it works around (see the
 * .c file).  store.c opens it for `--store virtuoso:…`.
 *
 * Options (a Redland options string): dsn, user, password, and optionally
 * host, database, charset (passed to the virtuoso storage), and graphs (the
 * IRI prefix of the graphs that make up the store; default KOUAN_NS_DOC).
 * No transactions: writes are sent in batches, at the latest on
 * librdf_model_sync. */
#ifndef KOUAN_VIRTUOSO_STORAGE_H
#define KOUAN_VIRTUOSO_STORAGE_H
#include <redland.h>

#define KOUAN_VIRTUOSO_STORAGE_NAME "kouan-virtuoso"
#ifndef KOUAN_REDLAND_MODULE_DIR
#define KOUAN_REDLAND_MODULE_DIR "/usr/lib/x86_64-linux-gnu/redland"
#endif

/* Registers the storage with world (once; later calls do nothing).
 * Returns 0, or non-zero when Redland refused it. */
int kouan_virtuoso_register(librdf_world *world);
#endif
