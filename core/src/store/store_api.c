/* store_api.c — the embedding API's store section (kouan.h): info, and
 * copying between the session's store and another SPEC. */
#include "util/error.h"
#include "session.h"
#include "store.h"
#include <limits.h>
#include <stdlib.h>
#include <string.h>

static int no_store(kouan_error *err)
{
    return kouan_error_set(err, KOUAN_EINVAL, "this session was opened without a store");
}

int kouan_store_get_info(kouan *k, kouan_store_info *info, kouan_error *err)
{
    if (!k->store) return no_store(err);
    /* counting distinct triples reads all of SPOC: its mapped pages are
       kept bounded as a writer's are (a 5 GB store mapped 4 GB) */
    kouan_store_limit_resident(k->store, KOUAN_WRITER_RESIDENT);
    return kouan_store_stats(k->store, info, err);
}

int kouan_store_merge_backlog(kouan *k, size_t *merged, kouan_error *err)
{
    if (merged) *merged = 0;
    if (!k->store) return no_store(err);
    kouan_store_limit_resident(k->store, KOUAN_WRITER_RESIDENT);
    return kouan_store_merge(k->store, merged, err);
}

/* Both sides in one folder would copy a store onto itself. */
static int same_store(kouan_store *a, kouan_store *b)
{
    const char *da = kouan_store_dir(a), *db = kouan_store_dir(b);
    if (!da || !db) return 0;
    char ra[PATH_MAX], rb[PATH_MAX];
    return realpath(da, ra) && realpath(db, rb) && strcmp(ra, rb) == 0;
}

/* The source's mapped pages during a copy.  Its stream decodes every
 * quad's terms, and each drop of the map (kouan_store_limit_resident)
 * faults its working set in again: copying the 200 MB corpus' store
 * (37.6 M quads) into a new one took 87 s with 20 MiB, 66–72 s with 64
 * MiB (peak 282–299 MiB), 50 s with 128 MiB (547 MiB), 46 s unbounded
 * (1.8 GB of mapped page cache); in one transaction, before groups, 52 s
 * and 3.7 GB. */
#define COPY_SOURCE_RESIDENT ((size_t)64 << 20)

static int copy_with(kouan *k, const char *other_spec, int import, size_t *quads,
                     kouan_error *err)
{
    if (quads) *quads = 0;
    if (!k->store) return no_store(err);
    if (!other_spec || !*other_spec)
        return kouan_error_set(err, KOUAN_EINVAL, "expected the other store's SPEC "
                               "(kouan:DIR, hashes:DIR or NAME:OPTIONS)");
    kouan_store *other = kouan_store_open(k->world, other_spec, import, 0, err);
    if (!other) return err->code ? err->code : KOUAN_ESTORE;
    int rc, same = same_store(k->store, other);
    kouan_store *src = import ? other : k->store, *dst = import ? k->store : other;
    if (same)
        rc = kouan_error_set(err, KOUAN_EINVAL, "“%s” is the session's own store: "
                             "import and export need two stores", other_spec);
    else {
        /* a copy reads all of one store and writes all of the other: their
           mapped pages are kept bounded, the target's as a writer's are */
        kouan_store_limit_resident(src, COPY_SOURCE_RESIDENT);
        kouan_store_limit_resident(dst, KOUAN_WRITER_RESIDENT);
        rc = kouan_store_copy(src, dst, quads, k->progress, k->progress_user, err);
    }
    /* a store this copy made and could not fill is removed: it held
       nothing before (kouan_store_copy fills a new store in groups) */
    if (rc && !same && kouan_store_made(dst)) {
        const char *dir = kouan_store_dir(dst);
        size_t len = strlen(err->message);
        snprintf(err->message + len, sizeof err->message - len, "; the new store %s was removed",
                 dir ? dir : "");
        if (kouan_store_discard(dst) != 0) {          /* dir is gone with dst */
            len = strlen(err->message);
            snprintf(err->message + len, sizeof err->message - len, " in part: remove the rest");
        }
        if (import) k->store = NULL;
        else other = NULL;
    }
    kouan_store_close(other);
    return rc;
}

int kouan_store_import(kouan *k, const char *other_spec, size_t *quads, kouan_error *err)
{
    return copy_with(k, other_spec, 1, quads, err);
}

int kouan_store_export(kouan *k, const char *other_spec, size_t *quads, kouan_error *err)
{
    return copy_with(k, other_spec, 0, quads, err);
}
