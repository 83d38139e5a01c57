/* cmd_extract.c — `kouan extract FILE|DIR…`: read documents on all cores,
 * run the plugins, write each document's graph (to the store, or as N-Quads
 * to stdout). */
#include "cli.h"
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <malloc.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct files {
    char  **v;
    size_t  n, cap;
    double  bytes;
} files;

static int add_file(files *f, const char *path, off_t size)
{
    if (f->n == f->cap) {
        size_t cap = f->cap ? f->cap * 2 : 64;
        char **v = realloc(f->v, cap * sizeof *v);
        if (!v) return -1;
        f->v = v;
        f->cap = cap;
    }
    if (!(f->v[f->n] = strdup(path))) return -1;
    f->n++;
    f->bytes += (double)size;
    return 0;
}

/* Documents kouan reads, by extension, when walking a folder; a folder's
 * README is about the folder, not a document of it. */
static int is_document(const char *path)
{
    const char *name = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
    if (strncasecmp(name, "README", 6) == 0) return 0;
    static const char *const ext[] = { ".md", ".markdown", ".txt", ".html", ".htm", NULL };
    size_t n = strlen(name);
    for (size_t i = 0; ext[i]; i++) {
        size_t e = strlen(ext[i]);
        if (n > e && strcasecmp(name + n - e, ext[i]) == 0) return 1;
    }
    return 0;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Adds path, or the documents under it (sorted, recursively). */
static int walk(files *f, const char *path, int top)
{
    struct stat st;
    if (stat(path, &st) != 0)
        return top ? add_file(f, path, 0) : 0;   /* extract says why */
    if (!S_ISDIR(st.st_mode))
        return top || is_document(path) ? add_file(f, path, st.st_size) : 0;
    DIR *d = opendir(path);
    if (!d) {
        cli_error("%s: cannot read the folder: %s", path, strerror(errno));
        return -1;
    }
    files sub = {0};
    struct dirent *e;
    int rc = 0;
    while (!rc && (e = readdir(d))) {
        if (e->d_name[0] == '.') continue;       /* ., .., hidden files */
        size_t n = strlen(path) + strlen(e->d_name) + 2;
        char *p = malloc(n);
        if (!p) { rc = -1; break; }
        snprintf(p, n, "%s%s%s", path, path[strlen(path) - 1] == '/' ? "" : "/", e->d_name);
        rc = add_file(&sub, p, 0);
        free(p);
    }
    closedir(d);
    if (sub.n) qsort(sub.v, sub.n, sizeof *sub.v, cmp_str);
    for (size_t i = 0; i < sub.n; i++) {
        if (!rc) rc = walk(f, sub.v[i], 0);
        free(sub.v[i]);
    }
    free(sub.v);
    return rc;
}

typedef struct progress {
    int     quiet, tty, emit;
    size_t  done, total, failed, unchanged, again;
    double  bytes_done, bytes_total, start;
    files  *f;
    char    said[1024];  /* the last error on_done printed: not again at the end */
} progress;

static void print_warning(const char *message, void *user)
{
    progress *p = user;
    if (p->quiet) return;
    if (p->tty) fputs("\r\033[K", stderr);
    fprintf(stderr, "kouan: warning: %s\n", message);
}

static void on_done(const char *path, const kouan_extract_report *rep,
                    const kouan_error *err, void *user)
{
    progress *p = user;
    struct stat st;
    p->done++;
    if (rep && rep->reconciled) p->again++;
    if (stat(path, &st) == 0) p->bytes_done += (double)st.st_size;
    if (p->tty) fputs("\r\033[K", stderr);
    if (err) {
        p->failed++;
        cli_error("%s", err->message);
        snprintf(p->said, sizeof p->said, "%s", err->message);
    } else if (rep->unchanged) {
        p->unchanged++;
        if (!p->quiet)
            fprintf(p->emit ? stderr : stdout,
                    "%s: unchanged (sha256 %.12s…), skipped; --force extracts it again\n",
                    path, rep->sha256);
    } else if (!p->quiet) {
        FILE *o = p->emit ? stderr : stdout;   /* stdout carries the N-Quads */
        if (rep->reconciled)
            fprintf(o, "%s: extracted again, the store's documents rename its ports (%s): ",
                    path, rep->why);
        else
            fprintf(o, "%s: ", path);
        fprintf(o, "%zu facts (", rep->facts);
        for (size_t i = 0; i < rep->n_plugins; i++)
            fprintf(o, "%s%s %zu", i ? ", " : "", rep->per_plugin[i].plugin,
                    rep->per_plugin[i].facts);
        fprintf(o, "), %zu triples in <%s>", rep->triples, rep->graph);
        if (rep->warnings) fprintf(o, ", %zu warnings", rep->warnings);
        fputc('\n', o);
    }
    if (p->tty && p->done < p->total) {
        double t = cli_now() - p->start, mbs = t > 0 ? p->bytes_done / 1e6 / t : 0;
        double left = mbs > 0 ? (p->bytes_total - p->bytes_done) / 1e6 / mbs : 0;
        fprintf(stderr, "[%zu/%zu] %.1f MB/s, about %.0f s left", p->done, p->total,
                mbs, left);
        fflush(stderr);
    }
}

/* --timings: where the batch's time went, phase by phase, to stderr. */
static void print_timings(const kouan_batch_timings *t, double bytes, int emit)
{
    FILE *o = stderr;
    char size[32];
    if (bytes >= 1e6) snprintf(size, sizeof size, "%.1f MB", bytes / 1e6);
    else snprintf(size, sizeof size, "%.0f kB", bytes / 1e3);
    char nice[48] = "";
    if (t->workers > 1 && t->workers_nice > 0)
        snprintf(nice, sizeof nice, " (nice +%d, below the writer)", t->workers_nice);
    fprintf(o, "timings: %zu document%s, %s, %zu worker%s%s: %.2f s (%.2f MB/s)\n",
            t->documents, t->documents == 1 ? "" : "s", size, t->workers,
            t->workers == 1 ? "" : "s", nice, t->total,
            t->total > 0 ? bytes / 1e6 / t->total : 0.0);
    fprintf(o, "  start      %7.2f s  the store's names read\n", t->start);
    if (t->names_pass)
        fprintf(o, "  names      %7.2f s  every document read for the names it teaches\n",
                t->names);
    fprintf(o, "  extraction %7.2f s  until the last document was written; the writer:\n",
            t->extract);
    if (emit)
        fprintf(o, "               writing N-Quads %.2f s", t->write);
    else if (t->store_timed)
        fprintf(o, "               writing %.2f s (indexes %.2f s, %zu commit%s %.2f s)",
                t->write, t->flush, t->commits, t->commits == 1 ? "" : "s", t->commit);
    else
        fprintf(o, "               writing %.2f s", t->write);
    if (t->workers > 1) fprintf(o, ", waiting for workers %.2f s\n", t->wait);
    else fprintf(o, "; extracting the rest\n");
    if (!emit) {
        if (t->store_timed) {
            fprintf(o, "  finish     %7.2f s  the last group committed", t->finish);
            if (t->merge > 0) fprintf(o, ", the backlog merged in %.2f s", t->merge);
            if (t->fill_flush > 0)
                fprintf(o, ", the new store flushed to disk in %.2f s", t->fill_flush);
            fputc('\n', o);
        }
        fprintf(o, "  reconcile  %7.2f s  documents checked against the store's names\n",
                t->reconcile);
        if (t->store_timed) {
            fprintf(o, "  store      the map's pages dropped %zu time%s (the writer's limit",
                    t->map_drops, t->map_drops == 1 ? "" : "s");
            if (t->probe_drops)
                fprintf(o, "; %zu after the workers' probes for unchanged files", t->probe_drops);
            fputc(')', o);
            if (t->prefault_bytes)
                fprintf(o, "; %.0f MB of the file's tail cached ahead of the writer in %.2f s",
                        (double)t->prefault_bytes / 1e6, t->prefault);
            fputc('\n', o);
        }
    }
    fprintf(o, "  cpu        %7.2f s  user, %.2f s system", t->cpu_user, t->cpu_system);
    if (t->bytes_written)
        fprintf(o, "; %.0f MB written", (double)t->bytes_written / 1e6);
    fputc('\n', o);
}

static int run(const cli_globals *g, int argc, char **argv)
{
    static const struct option opts[] = {
        { "quiet", no_argument, NULL, 'q' }, { "force", no_argument, NULL, 'f' },
        { "jobs", required_argument, NULL, 'j' }, { "emit", required_argument, NULL, 'e' },
        { "commit-every", required_argument, NULL, 'c' },
        { "timings", no_argument, NULL, 't' }, { NULL, 0, NULL, 0 } };
    int quiet = 0, force = 0, jobs = 0, emit = 0, timings = 0, c;
    double commit_every = 1.0;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "+:qfj:", opts, NULL)) != -1) {
        char *end;
        switch (c) {
        case 'q': quiet = 1; break;
        case 't': timings = 1; break;
        case 'f': force = 1; break;
        case 'j':
            jobs = (int)strtol(optarg, &end, 10);
            if (*end || jobs < 1 || jobs > 256)
                return cli_usage_error(&cmd_extract, "-j takes a number of workers "
                                       "from 1 to 256, not “%s”", optarg);
            break;
        case 'c':
            commit_every = strtod(optarg, &end);
            if (end == optarg || *end || !(commit_every >= 0 && commit_every <= 3600))
                return cli_usage_error(&cmd_extract, "--commit-every takes seconds from 0 "
                                       "to 3600 (0: a commit per document), not “%s”", optarg);
            break;
        case 'e':
            if (strcmp(optarg, "nquads") != 0)
                return cli_usage_error(&cmd_extract, "--emit takes nquads, not “%s”", optarg);
            emit = 1;
            break;
        case ':': return cli_usage_error(&cmd_extract, "option “%s” needs a value", argv[optind - 1]);
        default:  return cli_usage_error(&cmd_extract, "unknown option “%s”", argv[optind - 1]);
        }
    }
    if (optind >= argc)
        return cli_usage_error(&cmd_extract, "name at least one FILE or folder to extract");
    files f = {0};
    for (int i = optind; i < argc; i++)
        if (walk(&f, argv[i], 1) != 0) {
            for (size_t j = 0; j < f.n; j++) free(f.v[j]);
            free(f.v);
            return EXIT_FAIL;
        }
    if (f.n == 0) {
        cli_error("no documents (*.md, *.txt, *.html) under %s", argv[optind]);
        free(f.v);
        return EXIT_FAIL;
    }
    kouan_options o = { .store_spec = g->store, .ontology_dir = g->ontology,
                        .plugin_path = g->plugin_path, .no_store = emit };
    /* --emit with workers: this session only writes their bytes, so it
       loads neither the plugins nor the text layer (OpenCC's dictionaries
       alone are ~250 M instructions); the workers open their own */
    if (emit) {
        size_t workers = jobs ? (size_t)jobs : (size_t)kouan_usable_cores();
        o.no_plugins = workers > 1 && f.n > 1;
    }
    kouan_error err = {0};
    kouan *k = kouan_open(&o, &err);
    if (!k) {
        cli_error("%s", err.message);
        for (size_t j = 0; j < f.n; j++) free(f.v[j]);
        free(f.v);
        return EXIT_FAIL;
    }
    kouan_set_force(k, force);
    /* a commit (one disk flush) per document costs more than extracting it
       on most disks: commit the documents of each second together */
    kouan_set_commit_interval(k, (unsigned)(commit_every * 1000 + 0.5));
    progress p = { quiet, !quiet && isatty(fileno(stderr)) && f.n > 1, emit, 0, f.n,
                   0, 0, 0, 0, f.bytes, cli_now(), &f, "" };
    /* glibc's dynamic thresholds follow the largest chunk freed: after the
       writer's first 2 MB LMDB list (one per document's nested
       transaction) every chunk under ~2 MB came from the heap and a heap
       was trimmed only past 4 MB at its top — while the backlog's and the
       pending quads' growing buffers (up to 16 MB) moved between the heap
       and the map.  Fixed thresholds (chunks of 4 MB and more mapped on
       their own, a heap's top trimmed past 8 MB): a 40 MB batch peaks at
       159–160 MB instead of 173–186, in the same time. */
    mallopt(M_TRIM_THRESHOLD, 8 << 20);
    mallopt(M_MMAP_THRESHOLD, 4 << 20);
    int rc = kouan_extract_batch(k, f.v, f.n, jobs, emit ? stdout : NULL, on_done,
                                 print_warning, &p, &err);
    if (p.tty) fputs("\r\033[K", stderr);
    /* a store that failed a write stopped the batch: said once, by on_done */
    if (rc && rc != KOUAN_EINPUT && strcmp(err.message, p.said) != 0)
        cli_error("%s", err.message);
    if (!quiet && f.n > 1) {
        FILE *o = emit ? stderr : stdout;
        fprintf(o, "%zu of %zu files extracted%s in %.1fs", f.n - p.failed, f.n,
                p.unchanged ? " (some unchanged)" : "", cli_now() - p.start);
        if (p.again)
            fprintf(o, "; %zu extracted again, the other documents renaming their ports", p.again);
        fputc('\n', o);
    }
    if (timings) print_timings(kouan_batch_last_timings(k), f.bytes, emit);
    kouan_close(k);
    for (size_t j = 0; j < f.n; j++) free(f.v[j]);
    free(f.v);
    return rc ? EXIT_FAIL : EXIT_OK;
}

const cli_command cmd_extract = {
    "extract", "read documents and store their facts (one named graph each)",
    "Usage: kouan [--store SPEC] extract [-q] [--force] [-j N] [--commit-every S]\n"
    "                                   [--emit nquads] [--timings] FILE|DIR…\n"
    "\n"
    "Reads each FILE — or every document under DIR (*.md, *.txt, *.html,\n"
    "not README files; recursively, in name order): Markdown-like chapters\n"
    "with tab-separated tables and inline HTML, HTML pages, or plain text, in\n"
    "UTF-8 — runs every extractor plugin on it and replaces the document's\n"
    "named graph https://w3id.org/kouan/doc/<name> in the store: extracting\n"
    "a file again never duplicates its facts, and a file whose SHA-256 the\n"
    "store already holds is skipped.  A file that cannot be read or extracted\n"
    "leaves the store as it was; the other files are still extracted.  A\n"
    "kouan: store this command made and stored nothing in is removed.\n"
    "\n"
    "Documents are extracted in parallel (-j, default one worker per core it\n"
    "may use) and written by one writer in the order given, one graph (and\n"
    "one transaction) per document; memory holds the documents workers have\n"
    "extracted ahead of the writer (up to 8 each, plus 8), never the whole\n"
    "corpus.  Into a store the writer is the slow part: the workers run 5\n"
    "nice levels below it, so that it always has a core.  On a terminal a\n"
    "progress line shows documents, MB/s and the time left.\n"
    "\n"
    "Into a kouan: store, the documents of each second are committed together\n"
    "(--commit-every): each is still written whole or not at all, but one\n"
    "disk flush serves them all, and a document is reported once its commit\n"
    "is done.  A crash or kill loses at most the last second's documents,\n"
    "which the next run extracts again; a commit that fails (a full disk)\n"
    "names every document it held, and the store stays as the last commit\n"
    "left it.  Into a new store (no quads yet) the first batch's commits\n"
    "are not flushed one by one: the store is flushed once, at the end, and\n"
    "DIR/unflushed says so until then; a kill loses nothing more, but if the\n"
    "system goes down during that batch the store is refused after (it may\n"
    "miss pages): extract again into a new folder.\n"
    "\n"
    "Prints, per file, how many facts each plugin produced and how many\n"
    "triples were written (facts, types, labels and one evidence node per fact:\n"
    "byte span, line, quote, rule, plugin).  Warnings (a name the gazetteers do\n"
    "not know, a cell that is not a name) go to stderr as file:line:col.\n"
    "\n"
    "Names across documents (ontology/learn.tsv): a port's official name\n"
    "(樟木口岸的官方名称为聂拉木口岸) or a known place before a known port\n"
    "(凭祥友谊关: 凭祥市 and 友谊关), stated by any document in the store,\n"
    "decide which port a name is.  The documents given are first read for\n"
    "the names they teach (no facts stored), so each is extracted with the\n"
    "names the store will hold; a document already stored whose port names\n"
    "the new documents change is extracted again from its file (said per\n"
    "file, and counted), so the store is the same whatever order documents\n"
    "come in.  --emit resolves each document with what it teaches itself.\n"
    "\n"
    "Options:\n"
    "  -q, --quiet        print errors only\n"
    "  -f, --force        extract files again even when unchanged\n"
    "  -j, --jobs N       N workers (default: the cores it may use)\n"
    "  --commit-every S   commit into a kouan: store at most every S seconds\n"
    "                     (default 1; 0: a commit, and a disk flush, per\n"
    "                     document: several times slower on most disks)\n"
    "  --emit nquads      write each document's graph to stdout as N-Quads\n"
    "                     instead of storing it (no store is opened): compose\n"
    "                     with xargs -P, GNU parallel or a cluster's map step\n"
    "  --timings          at the end, print to stderr where the time went:\n"
    "                     the names pass, extraction (the writer's time writing,\n"
    "                     committing and waiting for the workers), the backlog's\n"
    "                     merge, a new store's one flush, reconciling, CPU\n"
    "                     seconds and bytes written, how often the store's\n"
    "                     map was dropped to keep the writer's memory\n"
    "                     bounded, and how much of the store file a helper\n"
    "                     thread cached ahead of the writer (when a core is\n"
    "                     left for it: with -j 1 on two cores, not -j 2)\n"
    "\n"
    "Examples:\n"
    "  kouan extract corpus/\n"
    "  kouan extract --emit nquads chapter.md > chapter.nq\n"
    "\n"
    "Exit status: 0 when every file was extracted, 1 otherwise, 2 bad usage.\n",
    run
};
