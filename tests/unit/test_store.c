/* test_store.c — the store: specs, replacing a graph without duplicates,
 * removing it, and a persistent store that survives reopening. */
#include "store/store.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int failures;
#define CHECK(cond) do { if (!(cond)) { failures++; \
    fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); } } while (0)

#define G1 "https://w3id.org/kouan/doc/a"
#define G2 "https://w3id.org/kouan/doc/b"
#define P  KOUAN_NS_ONTOLOGY "province"

static const kouan_triple T[] = {
    { KOUAN_NS_ID "port/樟木", P, KOUAN_NS_ID "province/CN-XZ", KOUAN_TERM_IRI, NULL, NULL },
    { KOUAN_NS_ID "port/樟木", "http://www.w3.org/2000/01/rdf-schema#label", "樟木",
      KOUAN_TERM_LITERAL, "zh", NULL },
    { KOUAN_NS_ID "province/CN-XZ", KOUAN_NS_ONTOLOGY "borderCountyCount", "21",
      KOUAN_TERM_LITERAL, NULL, "http://www.w3.org/2001/XMLSchema#integer" },
};

static void test_replace(librdf_world *w, const char *spec)
{
    kouan_error err = {0};
    kouan_store *s = kouan_store_open(w, spec, 0, 0, &err);
    CHECK(s != NULL);
    if (!s) { fprintf(stderr, "%s\n", err.message); return; }
    CHECK(kouan_store_count(s) == 0);
    CHECK(kouan_store_replace_graph(s, G1, T, 3, &err) == 0);
    CHECK(kouan_store_count(s) == 3);
    /* writing the same graph again replaces it: no duplicates */
    CHECK(kouan_store_replace_graph(s, G1, T, 3, &err) == 0);
    CHECK(kouan_store_count(s) == 3);
    /* a smaller new version drops what it no longer says */
    CHECK(kouan_store_replace_graph(s, G1, T, 1, &err) == 0);
    CHECK(kouan_store_count(s) == 1);
    CHECK(kouan_store_replace_graph(s, G2, T, 3, &err) == 0);
    CHECK(kouan_store_count(s) == 4);
    size_t n = 0;
    CHECK(kouan_store_remove_graph(s, G2, &n, &err) == 0 && n == 3);
    CHECK(kouan_store_count(s) == 1);
    CHECK(kouan_store_remove_graph(s, G2, &n, &err) == KOUAN_ENOTFOUND);
    CHECK(strstr(err.message, "no graph") != NULL);
    kouan_store_close(s);
}

static void test_persistent(librdf_world *w)
{
    char dir[] = "/tmp/kouan-store-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char spec[600], sub[600];
    snprintf(sub, sizeof sub, "%s/st", dir);
    snprintf(spec, sizeof spec, "hashes:%s", sub);
    kouan_error err = {0};
    /* read-only on a missing store says so */
    CHECK(kouan_store_open(w, spec, 1, 0, &err) == NULL);
    CHECK(strstr(err.message, "no store at") != NULL);
    /* writable but not creating (remove): refuses, creates nothing */
    CHECK(kouan_store_open(w, spec, 0, 1, &err) == NULL);
    CHECK(strstr(err.message, "no store at") != NULL);
    CHECK(access(sub, F_OK) != 0);
    test_replace(w, spec);
    kouan_store *s = kouan_store_open(w, spec, 1, 0, &err);
    CHECK(s && kouan_store_count(s) == 1);
    /* a writer cannot start while a reader holds the store */
    kouan_store *s2 = kouan_store_open(w, spec, 0, 0, &err);
    CHECK(s2 == NULL && strstr(err.message, "another kouan process"));
    kouan_store_close(s2);
    kouan_store_close(s);
    char cmd[700];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    CHECK(system(cmd) == 0);
}

static void test_bad_specs(librdf_world *w)
{
    kouan_error err = {0};
    CHECK(kouan_store_open(w, "nonsense", 0, 0, &err) == NULL);
    CHECK(strstr(err.message, "expected hashes:DIR") != NULL);
    CHECK(kouan_store_open(w, "hashes:/proc/kouan-no/such", 0, 0, &err) == NULL);
    CHECK(strstr(err.message, "/proc/kouan-no/such") != NULL);
    CHECK(kouan_store_open(w, "no-such-storage:", 0, 0, &err) == NULL);
    CHECK(strstr(err.message, "no-such-storage") != NULL);
}

static int quiet(void *u, librdf_log_message *m) { (void)u; (void)m; return 1; }

int main(void)
{
    librdf_world *w = librdf_new_world();
    librdf_world_set_logger(w, NULL, quiet);
    librdf_world_open(w);
    test_replace(w, "memory:");
    test_persistent(w);
    test_bad_specs(w);
    librdf_free_world(w);
    if (failures) fprintf(stderr, "%d checks failed\n", failures);
    return failures != 0;
}
