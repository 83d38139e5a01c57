/* store.c — Redland storages behind kouan's store interface; see store.h.
 *
 * kouan:DIR (the default) is kouan's own LMDB module (lmdb_storage.c):
 * readers take no lock (they read MVCC snapshots); one writer process at a
 * time holds DIR/kouan.lock, and a second one waits for it, saying so on
 * stderr after a second.  hashes:DIR keeps the old rule: a writer needs the
 * lock exclusively, readers share it, and nobody waits.
 *
 * Ownership (Redland): librdf_model_context_add_statement copies the
 * statement, so ours are freed after adding; librdf_new_statement_from_nodes
 * takes ownership of its three nodes even when it fails.
 *
 * Traps of the hashes storage, measured (see README): model_size is -1, so
 * we count by streaming; context_add_statement does not de-duplicate, so a
 * document's graph is removed before it is written again;
 * index-predicates makes graph removal quadratic, so it stays off.
 *
 * virtuoso:dsn=…;user=…;password-file=… opens kouan-virtuoso
 * (virtuoso_storage.c), which has no transactions: a failed write removes
 * the document's graph and says so. */
#include "util/error.h"
#include "util/rdflog.h"
#include "lmdb_storage.h"
#include "virtuoso_storage.h"
#include "store.h"
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

/* The evidence positions kouan's graphs give every fact (graph.c): integer
 * literals that thousands of facts share, so a document's quads would land
 * on a page of POSC and OSPC per offset (lmdb_storage.c, "Unindexed
 * objects"); and its quote, the sentence, a literal of its own per
 * sentence, which filled a tenth of the backlog's runs that the end of a
 * batch merges (bench/scale/README.md, seventeenth session).  Reached from
 * their statement node, never by value. */
#define KOUAN_UNINDEXED KOUAN_NS_ONTOLOGY "evidenceStart " KOUAN_NS_ONTOLOGY "evidenceEnd " \
                        KOUAN_NS_ONTOLOGY "line " KOUAN_NS_ONTOLOGY "quote"

/* The statement node's links (graph.c, evidence) and rdf:type: objects a
 * query reaches through their subject or their predicate, never by object
 * alone, which a new store's OSPC therefore leaves out — 43 % of what the
 * end of a batch merges (lmdb_storage.c, "Unlinked predicates"; measured
 * in bench/scale/README.md, nineteenth session).  A pattern with only the
 * object bound still finds them, through POSC. */
#define RDF_NS "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
#define KOUAN_UNLINKED RDF_NS "type " RDF_NS "subject " RDF_NS "predicate " RDF_NS "object " \
                       "http://www.w3.org/ns/prov#wasDerivedFrom " KOUAN_NS_ONTOLOGY "plugin " \
                       KOUAN_NS_ONTOLOGY "rule"

struct kouan_store {
    librdf_world   *world;    /* borrowed */
    librdf_storage *storage;
    librdf_model   *model;
    int             lock_fd;  /* -1 when there is nothing to lock */
    struct held_lock *held;   /* kouan: the writer lock, shared in-process */
    int             ours;     /* the kouan (LMDB) module */
    int             virtuoso; /* kouan-virtuoso: no transactions, exact size */
    char           *dir;
    char           *hashes_dir; /* hashes:DIR: its folder, for the room check */
    int             made;     /* kouan:DIR: this open made the store (no data.mdb
                                 before): 1, and 2 when it made the folder too */
    char            last_log[512];
};

/* Writer locks this process holds (flock is per open file: a second
 * session on the same folder in one process must share, not wait). */
typedef struct held_lock {
    struct held_lock *next;
    dev_t dev;
    ino_t ino;
    int   fd, refs;
} held_lock;
static held_lock *held_locks;


/* Redland reports storage problems through the world's logger. */
static int store_log(void *user, librdf_log_message *m)
{
    kouan_store *s = user;
    if (librdf_log_message_level(m) >= LIBRDF_LOG_ERROR && !s->last_log[0])
        snprintf(s->last_log, sizeof s->last_log, "%s", librdf_log_message_message(m));
    return 1;
}

static int mkdir_p(const char *dir)
{
    char buf[4096];
    snprintf(buf, sizeof buf, "%s", dir);
    for (char *p = buf + 1; *p; p++) {
        if (*p != '/') continue;
        *p = '\0';
        if (mkdir(buf, 0777) != 0 && errno != EEXIST) return -1;
        *p = '/';
    }
    return mkdir(buf, 0777) != 0 && errno != EEXIST ? -1 : 0;
}

static int file_exists(const char *dir, const char *name)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    return access(path, F_OK) == 0;
}

static int take_lock(kouan_store *s, const char *dir, int read_only, kouan_error *err)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/kouan.lock", dir);
    s->lock_fd = open(path, read_only ? O_RDONLY : O_RDWR | O_CREAT, 0666);
    if (s->lock_fd < 0) {
        if (read_only && errno == ENOENT) return KOUAN_OK;   /* older store */
        return kouan_error_set(err, KOUAN_ESTORE, "store %s: cannot open %s: %s",
                       dir, path, strerror(errno));
    }
    if (flock(s->lock_fd, (read_only ? LOCK_SH : LOCK_EX) | LOCK_NB) != 0)
        return kouan_error_set(err, KOUAN_ESTORE,
                       "store %s is being %s by another kouan process; "
                       "try again when it has finished", dir,
                       read_only ? "written" : "used");
    return KOUAN_OK;
}

/* kouan:DIR writers: an exclusive flock on DIR/kouan.lock, waited for.
 * Readers need nothing. */
static int take_writer_lock(kouan_store *s, const char *dir, kouan_error *err)
{
    struct stat sb;
    if (stat(dir, &sb) != 0)
        return kouan_error_set(err, KOUAN_ESTORE, "store %s: %s", dir, strerror(errno));
    for (held_lock *h = held_locks; h; h = h->next)
        if (h->dev == sb.st_dev && h->ino == sb.st_ino) {
            h->refs++;
            s->held = h;
            return KOUAN_OK;
        }
    char path[4200];
    snprintf(path, sizeof path, "%s/kouan.lock", dir);
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0666);
    if (fd < 0)
        return kouan_error_set(err, KOUAN_ESTORE, "store %s: cannot open %s: %s",
                               dir, path, strerror(errno));
    int said = 0;
    for (int tries = 0; flock(fd, LOCK_EX | LOCK_NB) != 0; tries++) {
        if (errno != EWOULDBLOCK && errno != EINTR) {
            int e = errno;
            close(fd);
            return kouan_error_set(err, KOUAN_ESTORE, "store %s: cannot lock %s: %s",
                                   dir, path, strerror(e));
        }
        if (tries == 20 && !said) {       /* ~1 s: say why we wait, then block */
            fprintf(stderr, "kouan: store %s is being used by another kouan process "
                    "(a writer); waiting for it to finish…\n", dir);
            said = 1;
            if (flock(fd, LOCK_EX) == 0) break;
        }
        usleep(50000);
    }
    if (said) fprintf(stderr, "kouan: store %s is free; going on\n", dir);
    held_lock *h = calloc(1, sizeof *h);
    if (!h) { close(fd); return kouan_error_set(err, KOUAN_ENOMEM, "out of memory"); }
    *h = (held_lock){ held_locks, sb.st_dev, sb.st_ino, fd, 1 };
    held_locks = h;
    s->held = h;
    return KOUAN_OK;
}

static void release_writer_lock(held_lock *h)
{
    if (!h || --h->refs > 0) return;
    for (held_lock **pp = &held_locks; *pp; pp = &(*pp)->next)
        if (*pp == h) { *pp = h->next; break; }
    close(h->fd);                        /* releases the flock */
    free(h);
}

/* virtuoso:dsn=NAME;user=USER;password-file=FILE[;host=…;database=…;
 * charset=…;graphs=IRI-PREFIX] (or password=…), or Redland's own
 * dsn='…',user='…',password='…' — into options for kouan-virtuoso. */
static int virtuoso_options(const char *spec, const char *rest, char *out, size_t n,
                            kouan_error *err)
{
    static const char FORM[] = "expected virtuoso:dsn=NAME;user=USER;password-file=FILE "
        "(an ODBC data source of odbc.ini; optional ;host= ;database= ;charset= ;graphs=)";
    if (strstr(rest, "='")) {                /* Redland's form, as it is */
        if (!strstr(rest, "dsn='") || !strstr(rest, "user='") || !strstr(rest, "password='"))
            return kouan_error_set(err, KOUAN_EINVAL, "store spec “%s”: %s", spec, FORM);
        snprintf(out, n, "%s", rest);
        return KOUAN_OK;
    }
    static const char *const keys[] = { "dsn", "user", "password", "host", "database",
                                        "charset", "graphs", NULL };
    char buf[4096], password[1024] = "";
    snprintf(buf, sizeof buf, "%s", rest);
    size_t off = 0;
    int have_dsn = 0, have_user = 0, have_password = 0;
    out[0] = '\0';
    for (char *save = NULL, *kv = strtok_r(buf, ";", &save); kv; kv = strtok_r(NULL, ";", &save)) {
        char *eq = strchr(kv, '=');
        if (!eq || eq == kv)
            return kouan_error_set(err, KOUAN_EINVAL, "store spec “%s”: “%s” is not KEY=VALUE; "
                                   "%s", spec, kv, FORM);
        *eq = '\0';
        const char *key = kv, *val = eq + 1;
        if (!strcmp(key, "password-file")) {
            FILE *f = fopen(val, "r");
            if (!f)
                return kouan_error_set(err, KOUAN_ESTORE, "store spec “%s”: password file %s: %s",
                                       spec, val, strerror(errno));
            if (!fgets(password, sizeof password, f)) password[0] = '\0';
            fclose(f);
            password[strcspn(password, "\r\n")] = '\0';
            if (!password[0])
                return kouan_error_set(err, KOUAN_EINVAL, "store spec “%s”: password file %s: "
                                       "the first line is empty (expected the password)",
                                       spec, val);
            key = "password";
            val = password;
        }
        size_t k = 0;
        while (keys[k] && strcmp(keys[k], key)) k++;
        if (!keys[k])
            return kouan_error_set(err, KOUAN_EINVAL, "store spec “%s”: unknown key “%s”; %s",
                                   spec, key, FORM);
        if (strchr(val, '\''))
            return kouan_error_set(err, KOUAN_EINVAL, "store spec “%s”: the %s may not contain "
                                   "a quote (')", spec, key);
        have_dsn |= !strcmp(key, "dsn");
        have_user |= !strcmp(key, "user");
        have_password |= !strcmp(key, "password");
        off += (size_t)snprintf(out + off, off < n ? n - off : 0, "%s%s='%s'",
                                off ? "," : "", key, val);
    }
    memset(password, 0, sizeof password);
    if (!have_dsn || !have_user || !have_password)
        return kouan_error_set(err, KOUAN_EINVAL, "store spec “%s”: missing %s; %s", spec,
                               !have_dsn ? "dsn" : !have_user ? "user" : "password-file",
                               FORM);
    if (off >= n)
        return kouan_error_set(err, KOUAN_EINVAL, "store spec “%s”: too long", spec);
    return KOUAN_OK;
}

kouan_store *kouan_store_open(librdf_world *world, const char *spec,
                              int read_only, int no_create, kouan_error *err)
{
    kouan_store *s = calloc(1, sizeof *s);
    if (!s) { kouan_error_set(err, KOUAN_ENOMEM, "out of memory"); return NULL; }
    s->world = world;
    s->lock_fd = -1;
    const char *colon = spec ? strchr(spec, ':') : NULL;
    if (!colon || colon == spec) {
        kouan_error_set(err, KOUAN_EINVAL, "store spec “%s”: expected hashes:DIR or "
                "kouan:DIR (LMDB, the default), memory:, virtuoso:dsn=NAME;user=USER;"
                "password-file=FILE or NAME:OPTIONS (a Redland storage)", spec ? spec : "");
        free(s);
        return NULL;
    }
    size_t nl = (size_t)(colon - spec);
    const char *rest = colon + 1;
    char storage[64], options[4800], name[1024] = "kouan";  /* dir < 4000 bytes */
    snprintf(storage, sizeof storage, "%.*s", (int)(nl < 63 ? nl : 63), spec);
    if (strcmp(storage, "kouan") == 0) {
        const char *dir = *rest ? rest : "kouan.store";
        if (strchr(dir, '\'') || strlen(dir) > 4000) {
            kouan_error_set(err, KOUAN_EINVAL, "store spec “%s”: the folder name may not "
                    "contain a quote (') and must be shorter than 4000 bytes", spec);
            free(s);
            return NULL;
        }
        int exists = file_exists(dir, "data.mdb");
        if (!exists && file_exists(dir, "kouan-sp2o.db")) {
            kouan_error_set(err, KOUAN_ESTORE, "store %s holds a Redland hashes store (Berkeley "
                    "DB), not kouan's own: open it as --store hashes:%s, or move it to "
                    "kouan's store with `kouan store migrate %s`", dir, dir, dir);
            free(s);
            return NULL;
        }
        if (!exists && (read_only || no_create)) {
            kouan_error_set(err, KOUAN_ENOTFOUND, "no store at %s: run `kouan extract FILE…` "
                    "first, or name another store with --store or KOUAN_STORE", dir);
            free(s);
            return NULL;
        }
        struct stat dsb;
        int had_dir = stat(dir, &dsb) == 0;
        if (!read_only && mkdir_p(dir) != 0) {
            kouan_error_set(err, KOUAN_ESTORE, "store %s: cannot create the folder: %s",
                    dir, strerror(errno));
            free(s);
            return NULL;
        }
        if (!read_only && access(dir, W_OK) != 0) {
            kouan_error_set(err, KOUAN_ESTORE, "store %s: the folder is not writable: %s",
                    dir, strerror(errno));
            free(s);
            return NULL;
        }
        if (!exists && !read_only) s->made = had_dir ? 1 : 2;
        if (kouan_lmdb_register(world) != 0) {
            kouan_error_set(err, KOUAN_ESTORE, "store %s: Redland refused kouan's storage "
                    "module", dir);
            free(s);
            return NULL;
        }
        s->dir = strdup(dir);
        if (!read_only && take_writer_lock(s, dir, err) != KOUAN_OK) {
            kouan_store_close(s);
            return NULL;
        }
        s->ours = 1;
        /* a new store leaves the evidence positions and quotes out of its
           by-value indexes, and the statement nodes' links out of its
           index by object: lmdb_storage.c, "Unindexed objects" and
           "Unlinked predicates" */
        snprintf(options, sizeof options, "dir='%s',write='%s',unindexed='%s',unlinked='%s'",
                 dir, read_only ? "no" : "yes", KOUAN_UNINDEXED, KOUAN_UNLINKED);
    } else if (strcmp(storage, "virtuoso") == 0) {
        if (virtuoso_options(spec, rest, options, sizeof options, err) != KOUAN_OK) {
            free(s);
            return NULL;
        }
        if (kouan_virtuoso_register(world) != 0) {
            kouan_error_set(err, KOUAN_ESTORE, "store %s: Redland refused kouan's Virtuoso "
                            "storage module", spec);
            free(s);
            return NULL;
        }
        snprintf(storage, sizeof storage, KOUAN_VIRTUOSO_STORAGE_NAME);
        s->virtuoso = 1;
    } else if (strcmp(storage, "memory") == 0) {
        snprintf(storage, sizeof storage, "hashes");
        snprintf(options, sizeof options, "hash-type='memory',contexts='yes'");
    } else if (strcmp(storage, "hashes") == 0) {
        const char *dir = *rest ? rest : "kouan.store";
        if (strchr(dir, '\'') || strlen(dir) > 4000) {
            kouan_error_set(err, KOUAN_EINVAL, "store spec “%s”: the folder name may not "
                    "contain a quote (') and must be shorter than 4000 bytes", spec);
            free(s);
            return NULL;
        }
        int exists = file_exists(dir, "kouan-sp2o.db");
        if (!exists && (read_only || no_create)) {
            kouan_error_set(err, KOUAN_ENOTFOUND, "no store at %s: run `kouan extract FILE…` "
                    "first, or name another store with --store or KOUAN_STORE", dir);
            free(s);
            return NULL;
        }
        if (!read_only && mkdir_p(dir) != 0) {
            kouan_error_set(err, KOUAN_ESTORE, "store %s: cannot create the folder: %s",
                    dir, strerror(errno));
            free(s);
            return NULL;
        }
        if (!read_only && access(dir, W_OK) != 0) {
            kouan_error_set(err, KOUAN_ESTORE, "store %s: the folder is not writable: %s",
                    dir, strerror(errno));
            free(s);
            return NULL;
        }
        if (take_lock(s, dir, read_only, err) != KOUAN_OK) {
            kouan_store_close(s);
            return NULL;
        }
        if (!read_only && !(s->hashes_dir = strdup(dir))) {
            kouan_error_set(err, KOUAN_ENOMEM, "out of memory");
            kouan_store_close(s);
            return NULL;
        }
        snprintf(options, sizeof options,
                 "hash-type='bdb',dir='%s',contexts='yes',write='%s',new='%s'",
                 dir, read_only ? "no" : "yes", exists ? "no" : "yes");
    } else {
        /* raw Redland: NAME:OPTIONS, with an optional name='…' */
        snprintf(options, sizeof options, "%s", rest);
        const char *n = strstr(options, "name='");
        if (n && (n == options || n[-1] == ',' || n[-1] == ' ')) {
            const char *end = strchr(n + 6, '\'');
            if (end) {
                snprintf(name, sizeof name, "%.*s", (int)(end - n - 6), n + 6);
                const char *after = end[1] == ',' ? end + 2 : end + 1;
                memmove((char *)n, after, strlen(after) + 1);
            }
        }
    }
    librdf_world_set_logger(world, s, store_log);
    s->storage = librdf_new_storage(world, storage, name, options);
    if (s->storage) s->model = librdf_new_model(world, s->storage, NULL);
    /* the virtuoso storage connects on first use: ask now, so that a wrong
       DSN or password is said here and not as an empty store */
    if (s->virtuoso && (!s->model || librdf_model_size(s->model) < 0)) {
        kouan_error_set(err, KOUAN_ESTORE, "store %s: Virtuoso does not answer%s%s (is "
                "virtuoso-t running, and does ODBCINI=%s name the DSN, with the driver and "
                "Address=HOST:PORT? see README, “Virtuoso”)", spec,
                s->last_log[0] ? ": " : "", s->last_log,
                getenv("ODBCINI") ? getenv("ODBCINI") : "(unset: ~/.odbc.ini, /etc/odbc.ini)");
        KOUAN_RDF_LOG_RESET(world);
        kouan_store_close(s);
        return NULL;
    }
    KOUAN_RDF_LOG_RESET(world);
    if (!s->model) {
        kouan_error_set(err, KOUAN_ESTORE, "cannot open store “%s” (Redland storage “%s”)%s%s",
                spec, storage, s->last_log[0] ? ": " : "", s->last_log);
        kouan_store_close(s);
        return NULL;
    }
    return s;
}

void kouan_store_close(kouan_store *s)
{
    if (!s) return;
    if (s->model) { librdf_model_sync(s->model); librdf_free_model(s->model); }
    if (s->storage) librdf_free_storage(s->storage);
    if (s->lock_fd >= 0) close(s->lock_fd);   /* releases the flock */
    release_writer_lock(s->held);
    free(s->dir);
    free(s->hashes_dir);
    free(s);
}

librdf_model *kouan_store_model(kouan_store *s) { return s->model; }

static librdf_node *term_node(librdf_world *w, const char *v, kouan_term_kind kind,
                              const char *lang, const char *dt)
{
    if (kind == KOUAN_TERM_IRI)
        return librdf_new_node_from_uri_string(w, (const unsigned char *)v);
    librdf_uri *dtu = dt ? librdf_new_uri(w, (const unsigned char *)dt) : NULL;
    if (dt && !dtu) return NULL;
    librdf_node *n = librdf_new_node_from_typed_literal(w, (const unsigned char *)v,
                                                        dt ? NULL : lang, dtu);
    if (dtu) librdf_free_uri(dtu);
    return n;
}

static librdf_statement *make_statement(librdf_world *w, const kouan_triple *t)
{
    librdf_node *s = librdf_new_node_from_uri_string(w, (const unsigned char *)t->s);
    librdf_node *p = librdf_new_node_from_uri_string(w, (const unsigned char *)t->p);
    librdf_node *o = term_node(w, t->o, t->o_kind, t->lang, t->datatype);
    if (!s || !p || !o) {
        if (s) librdf_free_node(s);
        if (p) librdf_free_node(p);
        if (o) librdf_free_node(o);
        return NULL;
    }
    return librdf_new_statement_from_nodes(w, s, p, o);   /* owns s, p, o */
}

/* Words for a write that failed for want of room (a full disk, a quota,
 * the file size limit of ulimit -f); "" for other failures.  Redland hands
 * on only the storage's text, so it is matched against the system's own
 * words for those errors (strerror, in this process's locale). */
static const char *room_hint(const char *log)
{
    static const int codes[] = { ENOSPC, EFBIG, EDQUOT };
    for (size_t i = 0; log[0] && i < sizeof codes / sizeof codes[0]; i++)
        if (strstr(log, strerror(codes[i])))
            return " (the disk is full, or a quota or the file size limit of "
                   "ulimit -f was reached)";
    return "";
}

/* hashes:DIR cannot undo a half-written graph (Berkeley DB without
 * transactions, and it floods stderr and retries for minutes when a write
 * fails), so a write that would not fit is refused before it starts: about
 * 8 index bytes per byte of the triples (four databases, pages half full)
 * must fit on the disk and under the file size limit (RLIMIT_FSIZE, which
 * bounds every file's last byte).  A rough bound: a disk that fills from
 * elsewhere while we write can still damage the store (see README). */
static int hashes_room(kouan_store *s, const char *graph, const kouan_triple *t,
                       size_t n, kouan_error *err)
{
    unsigned long long need = 64 * 1024;
    for (size_t i = 0; i < n; i++)
        need += 8ULL * (strlen(t[i].s) + strlen(t[i].p) + strlen(t[i].o) +
                        strlen(graph) + 64);
    struct statvfs vfs;
    if (statvfs(s->hashes_dir, &vfs) == 0 &&
        (unsigned long long)vfs.f_bavail * vfs.f_frsize < need)
        return kouan_error_set(err, KOUAN_ESTORE, "store %s: not writing graph <%s>: it "
                "needs about %llu kB and the disk has %llu kB free (the disk is full); "
                "the store was not changed", s->hashes_dir, graph, need / 1024,
                (unsigned long long)vfs.f_bavail * vfs.f_frsize / 1024);
    struct rlimit rl;
    if (getrlimit(RLIMIT_FSIZE, &rl) != 0 || rl.rlim_cur == RLIM_INFINITY) return KOUAN_OK;
    DIR *d = opendir(s->hashes_dir);
    if (!d) return KOUAN_OK;                       /* the write will say why */
    unsigned long long largest = 0;
    char name[256] = "", path[4400];
    for (struct dirent *e; (e = readdir(d));) {
        struct stat st;
        snprintf(path, sizeof path, "%s/%s", s->hashes_dir, e->d_name);
        if (strstr(e->d_name, ".db") && stat(path, &st) == 0 &&
            (unsigned long long)st.st_size >= largest) {
            largest = (unsigned long long)st.st_size;
            snprintf(name, sizeof name, "%s", e->d_name);
        }
    }
    closedir(d);
    if (largest + need > (unsigned long long)rl.rlim_cur)
        return kouan_error_set(err, KOUAN_ESTORE, "store %s: not writing graph <%s>: it "
                "needs about %llu kB more and the file size limit (ulimit -f) is %llu kB, "
                "with %s already %llu kB; the store was not changed", s->hashes_dir, graph,
                need / 1024, (unsigned long long)rl.rlim_cur / 1024,
                name[0] ? name : "a database", largest / 1024);
    return KOUAN_OK;
}

/* The logger catches what kouan's LMDB module says during one call:
 * lmdb_call_begin before it; lmdb_call_end after, with failed, makes the
 * error "store DIR: what LMDB said (or fallback)[; room hint]; outcome". */
static void lmdb_call_begin(kouan_store *s)
{
    s->last_log[0] = '\0';
    librdf_world_set_logger(s->world, s, store_log);
}

static int lmdb_call_end(kouan_store *s, int failed, const char *fallback,
                         const char *outcome, kouan_error *err)
{
    int rc = KOUAN_OK;
    if (failed)
        rc = kouan_error_set(err, KOUAN_ESTORE, "store %s: %s%s; %s", s->dir ? s->dir : "",
                             s->last_log[0] ? s->last_log : fallback,
                             room_hint(s->last_log), outcome);
    KOUAN_RDF_LOG_RESET(s->world);
    return rc;
}

/* t as the LMDB module's triples; NULL when memory is short. */
static kouan_lmdb_triple *lmdb_triples(const kouan_triple *t, size_t n)
{
    kouan_lmdb_triple *lt = malloc((n ? n : 1) * sizeof *lt);
    for (size_t i = 0; lt && i < n; i++)
        lt[i] = (kouan_lmdb_triple){ t[i].s, t[i].p, t[i].o, t[i].o_kind == KOUAN_TERM_LITERAL,
                                     t[i].lang, t[i].datatype };
    return lt;
}

void kouan_store_lookup_ids(kouan_store *s, kouan_store_idcache **cache, const char *graph,
                            const kouan_triple *t, size_t n, uint64_t **ids)
{
    *ids = NULL;
    if (!s->ours || !n) return;
    if (!*cache) *cache = (kouan_store_idcache *)kouan_lmdb_idcache_new();
    kouan_lmdb_triple *lt = lmdb_triples(t, n);
    uint64_t *v = lt ? malloc(3 * n * sizeof *v) : NULL;
    if (v && kouan_lmdb_lookup_ids(s->storage, (kouan_lmdb_idcache *)*cache, graph, lt, n,
                                   v) == 0)
        *ids = v;
    else free(v);
    free(lt);
}

int kouan_store_has_literal(kouan_store *s, const char *graph, const char *subject,
                            const char *predicate, const char *literal)
{
    if (!s->ours) return -1;
    kouan_lmdb_triple t = { subject, predicate, literal, 1, NULL, NULL };
    return kouan_lmdb_has_quad(s->storage, &t, graph);
}

void kouan_store_idcache_free(kouan_store_idcache *cache)
{
    kouan_lmdb_idcache_free((kouan_lmdb_idcache *)cache);
}

/* kouan:DIR: the module's own bulk entry (no Redland node per term; the
 * quads the graph keeps are left in place), one transaction, committed. */
static int lmdb_replace_graph(kouan_store *s, const char *graph, const kouan_triple *t,
                              const uint64_t *ids, size_t n, kouan_error *err)
{
    size_t bad = n;
    int rc = KOUAN_OK;
    kouan_lmdb_triple *lt = lmdb_triples(t, n);
    if (!lt) return kouan_error_set(err, KOUAN_ENOMEM, "out of memory");
    lmdb_call_begin(s);
    size_t pending = kouan_lmdb_group_pending(s->storage);   /* graphs not yet committed */
    if (kouan_lmdb_replace_graph_ids(s->storage, graph, lt, ids, n, &bad) != 0) {
        if (bad < n)
            rc = kouan_error_set(err, KOUAN_EINVAL, "cannot build the triple <%s> <%s> “%s”; "
                                 "the store was not changed", t[bad].s ? t[bad].s : "",
                                 t[bad].p ? t[bad].p : "", t[bad].o ? t[bad].o : "");
        else if (pending && !kouan_lmdb_group_pending(s->storage))  /* the group lost too */
            rc = kouan_error_set(err, KOUAN_ESTORE, "store %s: writing graph <%s> failed: "
                                 "%s%s; the store is as its last commit left it",
                                 s->dir ? s->dir : "", graph, s->last_log, room_hint(s->last_log));
        else
            rc = kouan_error_set(err, KOUAN_ESTORE, "store %s: writing graph <%s> (%zu "
                                 "statements) failed%s%s%s; the store was not changed",
                                 s->dir ? s->dir : "", graph, n, s->last_log[0] ? ": " : "",
                                 s->last_log, room_hint(s->last_log));
    }
    free(lt);
    KOUAN_RDF_LOG_RESET(s->world);
    return rc;
}

int kouan_store_set_group(kouan_store *s, unsigned ms, size_t quads, kouan_error *err)
{
    if (!s->ours) return KOUAN_OK;             /* others: each graph as it comes */
    lmdb_call_begin(s);
    int failed = kouan_lmdb_set_group(s->storage, ms, quads) != 0;
    return lmdb_call_end(s, failed, "committing failed",
                         "the store was not changed since its last commit", err);
}

void kouan_store_set_spare_core(kouan_store *s, int spare)
{
    if (s->ours) kouan_lmdb_set_spare_core(s->storage, spare);
}

int kouan_store_merge(kouan_store *s, size_t *merged, kouan_error *err)
{
    if (merged) *merged = 0;
    if (!s->ours)
        return kouan_error_set(err, KOUAN_EINVAL, "only kouan's own store (kouan:DIR) keeps a "
                               "backlog to merge");
    lmdb_call_begin(s);
    int failed = kouan_lmdb_merge(s->storage, merged) != 0;
    return lmdb_call_end(s, failed, "merging the backlog failed",
                         "what was merged before stays merged, the rest waits", err);
}

void kouan_store_write_times(kouan_store *s, kouan_store_times *t)
{
    kouan_lmdb_times lt;
    memset(t, 0, sizeof *t);
    if (!s->ours || kouan_lmdb_times_get(s->storage, &lt) != 0) return;
    t->flush = lt.flush;
    t->commit = lt.commit;
    t->commits = lt.commits;
    t->merge = lt.merge;
    t->drops = lt.drops;
    t->probe_drops = lt.probe_drops;
    t->prefault = lt.prefault;
    t->prefault_bytes = lt.prefault_bytes;
    t->fill_flush = lt.fill_flush;
}

size_t kouan_store_pending_graphs(kouan_store *s)
{
    return s->ours ? kouan_lmdb_group_pending(s->storage) : 0;
}

void kouan_store_limit_resident(kouan_store *s, size_t bytes)
{
    if (s->ours) kouan_lmdb_limit_resident(s->storage, bytes);
}

int kouan_store_replace_graph(kouan_store *s, const char *graph,
                              const kouan_triple *t, size_t n, kouan_error *err)
{
    return kouan_store_replace_graph_ids(s, graph, t, NULL, n, err);
}

int kouan_store_replace_graph_ids(kouan_store *s, const char *graph, const kouan_triple *t,
                                  const uint64_t *ids, size_t n, kouan_error *err)
{
    if (s->ours) return lmdb_replace_graph(s, graph, t, ids, n, err);
    librdf_world *w = s->world;
    librdf_statement **st = calloc(n ? n : 1, sizeof *st);
    librdf_node *ctx = librdf_new_node_from_uri_string(w, (const unsigned char *)graph);
    int rc = KOUAN_OK;
    if (!st || !ctx) rc = kouan_error_set(err, KOUAN_ENOMEM, "out of memory");
    for (size_t i = 0; i < n && rc == KOUAN_OK; i++)
        if (!(st[i] = make_statement(w, &t[i])))
            rc = kouan_error_set(err, KOUAN_EINVAL, "cannot build the triple <%s> <%s> “%s”",
                         t[i].s, t[i].p, t[i].o);
    if (rc == KOUAN_OK && s->hashes_dir) rc = hashes_room(s, graph, t, n, err);
    const char *where = s->dir ? s->dir : s->hashes_dir;
    if (rc == KOUAN_OK) {
        s->last_log[0] = '\0';
        librdf_world_set_logger(w, s, store_log);
        int txn = librdf_model_transaction_start(s->model) == 0;
        /* hashes keeps duplicates: drop the old graph first (ignore "no
           such context") */
        librdf_model_context_remove_statements(s->model, ctx);
        size_t i = 0;
        for (; i < n; i++)
            if (librdf_model_context_add_statement(s->model, ctx, st[i]) != 0) break;
        if (i < n) {
            if (txn) librdf_model_transaction_rollback(s->model);
            else librdf_model_context_remove_statements(s->model, ctx);
            rc = kouan_error_set(err, KOUAN_ESTORE, "%s%s%swriting graph <%s> failed after "
                         "%zu of %zu statements%s%s%s; %s", where ? "store " : "",
                         where ? where : "", where ? ": " : "", graph, i, n,
                         s->last_log[0] ? ": " : "", s->last_log, room_hint(s->last_log),
                         txn ? "the store was not changed"
                             : "the document's graph was removed: extract it again");
        } else {
            /* LMDB: a failed commit is aborted whole, the last one stays */
            if (txn && librdf_model_transaction_commit(s->model) != 0)
                rc = kouan_error_set(err, KOUAN_ESTORE, "%s%s%scommitting graph <%s> "
                             "failed%s%s%s; %s", where ? "store " : "", where ? where : "",
                             where ? ": " : "", graph, s->last_log[0] ? ": " : "",
                             s->last_log, room_hint(s->last_log),
                             s->ours ? "the store was not changed"
                                     : "the storage may hold part of it");
            if (rc == KOUAN_OK && librdf_model_sync(s->model) != 0) {
                if (!txn) librdf_model_context_remove_statements(s->model, ctx);
                rc = kouan_error_set(err, KOUAN_ESTORE, "%s%s%s%s failed%s%s%s%s", where ?
                             "store " : "", where ? where : "", where ? ": " : "",
                             s->virtuoso ? "writing to Virtuoso" : "flushing the store to disk",
                             s->last_log[0] ? ": " : "", s->last_log, room_hint(s->last_log),
                             txn ? "" : "; the document's graph was removed: extract it again");
            }
        }
        KOUAN_RDF_LOG_RESET(w);
    }
    for (size_t i = 0; st && i < n; i++)
        if (st[i]) librdf_free_statement(st[i]);
    free(st);
    if (ctx) librdf_free_node(ctx);
    return rc;
}

static size_t count_stream(librdf_stream *st)
{
    size_t n = 0;
    if (!st) return 0;
    for (; !librdf_stream_end(st); librdf_stream_next(st)) n++;
    librdf_free_stream(st);
    return n;
}

int kouan_store_remove_graph(kouan_store *s, const char *graph,
                             size_t *removed, kouan_error *err)
{
    librdf_node *ctx = librdf_new_node_from_uri_string(s->world, (const unsigned char *)graph);
    if (!ctx) return kouan_error_set(err, KOUAN_ENOMEM, "out of memory");
    size_t n = count_stream(librdf_model_context_as_stream(s->model, ctx));
    int rc = KOUAN_OK;
    if (n == 0) {
        rc = kouan_error_set(err, KOUAN_ENOTFOUND, "the store has no graph <%s>", graph);
    } else if (librdf_model_context_remove_statements(s->model, ctx) != 0 ||
               librdf_model_sync(s->model) != 0) {
        rc = kouan_error_set(err, KOUAN_ESTORE, "removing graph <%s> failed", graph);
    }
    librdf_free_node(ctx);
    if (removed) *removed = rc == KOUAN_OK ? n : 0;
    return rc;
}

long kouan_store_count(kouan_store *s)
{
    if (s->ours || s->virtuoso) return librdf_model_size(s->model);  /* exact */
    return (long)count_stream(librdf_model_as_stream(s->model));
}

int kouan_store_is_lmdb(const kouan_store *s) { return s->ours; }

const char *kouan_store_dir(const kouan_store *s) { return s->dir; }

int kouan_store_stats(kouan_store *s, kouan_store_info *info, kouan_error *err)
{
    memset(info, 0, sizeof *info);
    if (s->ours) {
        kouan_lmdb_stats st;
        if (kouan_lmdb_stats_get(s->storage, &st) != 0)
            return kouan_error_set(err, KOUAN_ESTORE, "store %s: reading its statistics failed",
                                   s->dir ? s->dir : "");
        info->quads = st.quads;
        info->triples = st.triples;
        info->graphs = st.graphs;
        info->terms = st.terms;
        info->used_bytes = st.used_bytes;
        info->disk_bytes = st.file_bytes;
        info->format = st.format;
        if (st.format == 1)
            snprintf(info->format_note, sizeof info->format_note,
                     "term ids are hashes; upgraded in place to format 2 when next opened "
                     "for writing");
        else if (st.format == 2)
            snprintf(info->format_note, sizeof info->format_note,
                     "term ids from a counter; every quad in all four indexes%s%s",
                     st.upgraded[0] ? "; upgraded " : "", st.upgraded);
        else {
            snprintf(info->format_note, sizeof info->format_note,
                     "term ids from a counter; the literal objects of %d evidence "
                     "properties not indexed by value%s", st.unindexed,
                     st.format == 3 ? "; quotes (plain literals) found by their bytes: "
                                      "written by a kouan before 2026-12-04"
                                    : "; quotes (plain literals) found by a hash of their bytes");
            size_t len = strlen(info->format_note);
            if (st.format == 4)
                snprintf(info->format_note + len, sizeof info->format_note - len,
                         "; every statement indexed by object: written by a kouan "
                         "until 2026-12-05");
            else
                snprintf(info->format_note + len, sizeof info->format_note - len,
                         "; %d properties of statement nodes and types indexed by "
                         "predicate, not by object alone", st.unlinked);
        }
        if (st.backlog || st.backlog_terms) {
            size_t len = strlen(info->format_note);
            snprintf(info->format_note + len, sizeof info->format_note - len,
                     "; %zu quads wait in the backlog of POSC and OSPC and %zu quotes "
                     "in that of ids, merged by the next write or `kouan "
                     "store merge`%s", st.backlog, st.backlog_terms,
                     st.format == 3 ? " (a kouan before 2026-12-03 refuses the store "
                                      "until then)" : "");
        }
        if (st.filling) {
            size_t len = strlen(info->format_note);
            const char *dir = s->dir ? s->dir : "";
            snprintf(info->format_note + len, sizeof info->format_note - len,
                     st.filling_gone
                         ? "; its first batch (pid %ld) stopped before flushing it to disk "
                           "(%s/" KOUAN_LMDB_FILL_MARK "): the next write flushes it, "
                           "`kouan store merge` for one"
                         : "; being filled by its first batch (pid %ld), flushed to disk once "
                           "when it ends (%s/" KOUAN_LMDB_FILL_MARK " says so until then)",
                     st.filling, dir);
        }
        snprintf(info->kind, sizeof info->kind, "kouan (LMDB)");
        return KOUAN_OK;
    }
    if (s->virtuoso) {            /* counted by the server */
        long n = librdf_model_size(s->model);
        if (n < 0)
            return kouan_error_set(err, KOUAN_ESTORE, "Virtuoso did not answer: %s", s->last_log);
        info->quads = (size_t)n;
        info->terms = info->triples = (size_t)-1;
        snprintf(info->kind, sizeof info->kind, "Virtuoso");
        librdf_iterator *it = librdf_model_get_contexts(s->model);
        for (; it && !librdf_iterator_end(it); librdf_iterator_next(it)) info->graphs++;
        if (it) librdf_free_iterator(it);
        return KOUAN_OK;
    }
    /* another storage: count what streams say */
    info->terms = (size_t)-1;
    snprintf(info->kind, sizeof info->kind, "Redland");
    librdf_stream *st = librdf_model_as_stream(s->model);
    for (; st && !librdf_stream_end(st); librdf_stream_next(st)) info->quads++;
    if (st) librdf_free_stream(st);
    info->triples = (size_t)-1;      /* hashes cannot say: see `kouan export` */
    librdf_iterator *it = librdf_model_get_contexts(s->model);
    for (; it && !librdf_iterator_end(it); librdf_iterator_next(it)) info->graphs++;
    if (it) librdf_free_iterator(it);
    return KOUAN_OK;
}

int kouan_store_made(const kouan_store *s) { return s && s->made; }

void kouan_store_close_or_discard(kouan_store *s)
{
    /* kouan_store_count: SPOC's entries, one read, on kouan: */
    if (s && s->made && s->ours && kouan_store_count(s) == 0) kouan_store_discard(s);
    else kouan_store_close(s);
}

int kouan_store_discard(kouan_store *s)
{
    if (!s) return 0;
    if (!s->made) { kouan_store_close(s); return 0; }   /* made: a kouan:DIR */
    char *dir = strdup(s->dir);
    int whole = s->made == 2;
    kouan_store_close(s);
    if (!dir) return -1;
    static const char *const FILES[] = { "data.mdb", "lock.mdb", "kouan.lock",
                                         KOUAN_LMDB_FILL_MARK };
    int rc = 0;
    for (size_t i = 0; i < sizeof FILES / sizeof *FILES; i++) {
        char path[4200];
        snprintf(path, sizeof path, "%s/%s", dir, FILES[i]);
        if (unlink(path) != 0 && errno != ENOENT) rc = -1;
    }
    if (whole && rmdir(dir) != 0) rc = -1;
    free(dir);
    return rc;
}

/* How a copy reports its progress (kouan_set_progress). */
typedef struct copy_progress {
    kouan_progress_cb cb;
    void             *user;
} copy_progress;

/* Adds every quad of src, with its graph, to dst (*n counts them).  A
 * failure names the statement, and `after` says what dst holds then. */
static int copy_statements(kouan_store *src, kouan_store *dst, size_t *n, const char *after,
                           const copy_progress *pr, kouan_error *err)
{
    librdf_stream *st = librdf_model_as_stream(src->model);
    if (!st) return kouan_error_set(err, KOUAN_ESTORE, "cannot read the source store");
    int rc = KOUAN_OK;
    for (; !librdf_stream_end(st); librdf_stream_next(st)) {
        librdf_statement *s = librdf_stream_get_object(st);
        librdf_node *ctx = librdf_stream_get_context2(st);     /* borrowed */
        if (!s || librdf_model_context_add_statement(dst->model, ctx, s) != 0) {
            rc = kouan_error_set(err, KOUAN_ESTORE, "writing statement %zu failed%s%s%s%s",
                                 *n + 1, dst->last_log[0] ? ": " : "", dst->last_log,
                                 room_hint(dst->last_log), after);
            break;
        }
        if (++*n % KOUAN_PROGRESS_EVERY == 0 && pr->cb) pr->cb("copying", *n, 0, pr->user);
    }
    librdf_free_stream(st);
    if (!rc && pr->cb) pr->cb("copying", *n, 0, pr->user);
    return rc;
}

/* A copy into a store this session made (kouan:DIR, no data.mdb before):
 * the group commit of `kouan extract`'s writer (kouan_lmdb_set_group),
 * so memory is a group's, not the copy's — in one transaction, the copy
 * of a 200 MB corpus' store (37.6 M quads) peaked at 3.7–4.2 GB, its
 * pending quads and dirty pages.  Not atomic: on failure the caller
 * discards the new store (kouan_store_discard), which held nothing before.
 * Statements added in a group commit by count (COPY_GROUP_QUADS, shrunk
 * as extract's when a commit's dirty pages grow), not by time: the
 * interval only turns groups on (a clock read per statement would be a
 * cost, and a crash loses a new store whole anyway). */
enum { COPY_GROUP_MS = 60000, COPY_GROUP_QUADS = 150000 };

static int copy_grouped(kouan_store *src, kouan_store *dst, size_t *n,
                        const copy_progress *pr, kouan_error *err)
{
    if (kouan_lmdb_set_group(dst->storage, COPY_GROUP_MS, COPY_GROUP_QUADS) != 0)
        return kouan_error_set(err, KOUAN_ESTORE, "starting the copy failed%s%s",
                               dst->last_log[0] ? ": " : "", dst->last_log);
    int rc = copy_statements(src, dst, n, "", pr, err);
    /* groups end: the last one committed, the backlog merged, the new
       store's file flushed */
    if (!rc && kouan_lmdb_set_group(dst->storage, 0, 0) != 0)
        rc = kouan_error_set(err, KOUAN_ESTORE, "committing the copy failed%s%s%s",
                             dst->last_log[0] ? ": " : "", dst->last_log,
                             room_hint(dst->last_log));
    return rc;
}

int kouan_store_copy(kouan_store *src, kouan_store *dst, size_t *quads,
                     kouan_progress_cb progress, void *user, kouan_error *err)
{
    size_t n = 0;
    copy_progress pr = { progress, user };
    int rc;
    dst->last_log[0] = '\0';
    librdf_world_set_logger(dst->world, dst, store_log);
    if (dst->made) rc = copy_grouped(src, dst, &n, &pr, err);     /* a new kouan:DIR */
    else {
        int txn = librdf_model_transaction_start(dst->model) == 0;
        rc = copy_statements(src, dst, &n, txn ? "; nothing was written"
                                                : "; the target holds what was copied so far",
                             &pr, err);
        if (rc && txn) librdf_model_transaction_rollback(dst->model);
        if (!rc && txn && librdf_model_transaction_commit(dst->model) != 0)
            rc = kouan_error_set(err, KOUAN_ESTORE, "committing the copy failed%s%s%s",
                                 dst->last_log[0] ? ": " : "", dst->last_log,
                                 room_hint(dst->last_log));
    }
    if (!rc && librdf_model_sync(dst->model) != 0)
        rc = kouan_error_set(err, KOUAN_ESTORE, "flushing the target store failed");
    KOUAN_RDF_LOG_RESET(dst->world);
    if (quads) *quads = rc ? 0 : n;
    return rc;
}
