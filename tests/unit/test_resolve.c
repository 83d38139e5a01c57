/* test_resolve.c — gazetteers, suffixes, IRIs, and file:line errors for
 * malformed gazetteer files. */
#include "graph/resolve.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int failures;
#define CHECK(cond) do { if (!(cond)) { failures++; \
    fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); } } while (0)
#define CHECK_STR(a, b) do { if (strcmp((a), (b)) != 0) { failures++; \
    fprintf(stderr, "%s:%d: got “%s”, expected “%s”\n", __FILE__, __LINE__, (a), (b)); } } while (0)

static void test_real_ontology(void)
{
    kouan_resolver r;
    kouan_error err = {0};
    int rc = kouan_resolver_load(&r, ONTOLOGY_DIR, &err);
    CHECK(rc == 0);
    if (rc) { fprintf(stderr, "%s\n", err.message); return; }
    kouan_resolved a, b;
    const char *why;
    /* aliases of a closed class meet in one IRI */
    CHECK(kouan_resolve(&r, KOUAN_CLASS_PROVINCE, "西藏自治区", &a, &why) == 0);
    CHECK(kouan_resolve(&r, KOUAN_CLASS_PROVINCE, "西藏", &b, &why) == 0);
    CHECK_STR(a.iri, b.iri);
    CHECK_STR(a.label, "西藏");
    CHECK(a.known);
    CHECK(strncmp(a.iri, KOUAN_NS_ID "province/", strlen(KOUAN_NS_ID "province/")) == 0);
    CHECK(kouan_resolve(&r, KOUAN_CLASS_TRADE_ZONE, "东北边境贸易区", &a, &why) == 0);
    CHECK_STR(a.label, "东北");
    /* an unknown closed-class name is refused and says where to add it */
    CHECK(kouan_resolve(&r, KOUAN_CLASS_PROVINCE, "火星省", &a, &why) == KOUAN_ENOTFOUND);
    CHECK(why && strstr(why, "provinces.tsv") != NULL);
    /* open classes drop their suffix; a bare suffix is kept */
    CHECK(kouan_resolve(&r, KOUAN_CLASS_PORT, "樟木口岸", &a, &why) == 0);
    CHECK(kouan_resolve(&r, KOUAN_CLASS_PORT, "樟木", &b, &why) == 0);
    CHECK_STR(a.label, "樟木");
    CHECK_STR(a.iri, b.iri);
    CHECK_STR(a.iri, KOUAN_NS_ID "port/樟木");
    CHECK(kouan_resolve(&r, KOUAN_CLASS_PORT, "X口岸", &a, &why) == 0);
    CHECK_STR(a.label, "X口岸");
    /* prefectures and counties keep 市/县/旗 */
    CHECK(kouan_resolve(&r, KOUAN_CLASS_COUNTY, "二连浩特市", &a, &why) == 0);
    CHECK_STR(a.label, "二连浩特市");
    /* IRI-unsafe ASCII is percent-encoded */
    CHECK(kouan_resolve(&r, KOUAN_CLASS_PORT, "A B<c>", &a, &why) == 0);
    CHECK_STR(a.iri, KOUAN_NS_ID "port/A%20B%3Cc%3E");
    CHECK(kouan_resolve(&r, KOUAN_CLASS_PORT, "", &a, &why) == KOUAN_EINVAL);
    CHECK(kouan_resolve(&r, KOUAN_CLASS_TRANSPORT, "Rail", &a, &why) == 0);
    CHECK_STR(a.iri, KOUAN_NS_ONTOLOGY "Rail");
    CHECK(kouan_resolve(&r, KOUAN_CLASS_TRANSPORT, "公路", &a, &why) == 0);
    CHECK_STR(a.iri, KOUAN_NS_ONTOLOGY "Road");
    CHECK(kouan_resolve(&r, KOUAN_CLASS_TRANSPORT, "飞机", &a, &why) == KOUAN_ENOTFOUND);
    CHECK(why && strstr(why, "transport-modes.tsv") != NULL);
    /* traditional and simplified forms are one entity (OpenCC t2s) */
    kouan_error e2 = {0};
    kouan_normalizer *nz = kouan_normalizer_new(&e2);
    CHECK(nz != NULL);
    r.nz = nz;
    CHECK(kouan_resolve(&r, KOUAN_CLASS_PORT, "滿洲里口岸", &a, &why) == 0);
    CHECK(kouan_resolve(&r, KOUAN_CLASS_PORT, "满洲里", &b, &why) == 0);
    CHECK_STR(a.iri, b.iri);
    CHECK_STR(a.label, "满洲里");
    CHECK(a.why && strcmp(a.why, "simplified") == 0);
    CHECK(kouan_resolve(&r, KOUAN_CLASS_PROVINCE, "黑龍江省", &a, &why) == 0);
    CHECK_STR(a.label, "黑龙江");
    r.nz = NULL;
    kouan_normalizer_free(nz);
    kouan_resolver_free(&r);
}

static void write_file(const char *dir, const char *name, const char *text)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    fputs(text, f);
    fclose(f);
}

static void test_malformed(void)
{
    char dir[] = "/tmp/kouan-resolve-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char sub[600];
    snprintf(sub, sizeof sub, "%s/gazetteer", dir);
    mkdir(sub, 0777);
    write_file(dir, "gazetteer/provinces.tsv", "# comment\n西藏\tCN-XZ\t西藏自治区\n新疆 CN-XJ\n");
    write_file(dir, "gazetteer/trade-zones.tsv", "东北\tNE\t\n");
    write_file(dir, "gazetteer/countries.tsv", "蒙古\tMN\t蒙古国\t蒙\n");
    write_file(dir, "gazetteer/transport-modes.tsv", "铁路\tRail\t\n");
    write_file(dir, "names.tsv", "Port\t口岸\n");
    kouan_resolver r;
    kouan_error err = {0};
    CHECK(kouan_resolver_load(&r, dir, &err) == KOUAN_EINVAL);
    CHECK(strstr(err.message, "gazetteer/provinces.tsv:3: expected label<TAB>code") != NULL);

    write_file(dir, "gazetteer/provinces.tsv", "西藏\tCN-XZ\t西藏自治区\n西藏区\tCN-X2\t西藏自治区\n");
    CHECK(kouan_resolver_load(&r, dir, &err) == KOUAN_EINVAL);
    CHECK(strstr(err.message, "provinces.tsv:2:") && strstr(err.message, "西藏自治区"));

    write_file(dir, "gazetteer/provinces.tsv", "西藏\tCN-XZ\t西藏自治区\n");
    write_file(dir, "names.tsv", "Harbour\t港\n");
    CHECK(kouan_resolver_load(&r, dir, &err) == KOUAN_EINVAL);
    CHECK(strstr(err.message, "names.tsv:1: expected Class") != NULL);

    write_file(dir, "names.tsv", "Port\t口岸\n");
    CHECK(kouan_resolver_load(&r, dir, &err) == 0);
    kouan_resolver_free(&r);

    /* merges.tsv: a user's same/distinct, with file:line for mistakes */
    write_file(dir, "merges.tsv", "same\tPort\t凭祥友谊关\t友谊关\ndistinct\tPort\t某某口岸\n");
    CHECK(kouan_resolver_load(&r, dir, &err) == 0);
    kouan_resolved a;
    const char *why;
    CHECK(kouan_resolve(&r, KOUAN_CLASS_PORT, "凭祥友谊关", &a, &why) == 0);
    CHECK_STR(a.label, "友谊关");
    CHECK(a.why && strcmp(a.why, "merges.tsv") == 0);
    CHECK(kouan_resolve(&r, KOUAN_CLASS_PORT, "某某口岸", &a, &why) == 0);
    CHECK_STR(a.label, "某某口岸");
    CHECK(kouan_resolve(&r, KOUAN_CLASS_PORT, "樟木口岸", &a, &why) == 0);
    CHECK(a.why && strcmp(a.why, "suffix") == 0);
    kouan_resolver_free(&r);
    write_file(dir, "merges.tsv", "# ok\nsame\tHarbour\tA\tB\n");
    CHECK(kouan_resolver_load(&r, dir, &err) == KOUAN_EINVAL);
    CHECK(strstr(err.message, "merges.tsv:2: expected same") != NULL);
    write_file(dir, "merges.tsv", "# none\n");

    /* learn.tsv: a bad line is named with file:line */
    write_file(dir, "learn.tsv", "official\tofficialName\nprefix\tHarbour\t市\n");
    CHECK(kouan_resolver_load(&r, dir, &err) == KOUAN_EINVAL);
    CHECK(strstr(err.message, "learn.tsv:2: prefix: expected class names") != NULL);
    write_file(dir, "learn.tsv", "offical\tofficialName\n");
    CHECK(kouan_resolver_load(&r, dir, &err) == KOUAN_EINVAL);
    CHECK(strstr(err.message, "learn.tsv:1: expected official<TAB>predicate") != NULL);

    char cmd[700];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    CHECK(system(cmd) == 0);
}

/* What documents teach (learn.h), with the project's learn.tsv. */
static void test_learned_names(void)
{
    kouan_resolver r;
    kouan_error err = {0};
    if (kouan_resolver_load(&r, ONTOLOGY_DIR, &err) != 0) {
        failures++;
        fprintf(stderr, "%s\n", err.message);
        return;
    }
    const kouan_learn_rules *lr = &r.learn;
    CHECK(lr->official && strcmp(lr->official, "officialName") == 0);
    kouan_names store, doc;
    kouan_names_init(&store);
    kouan_names_init(&doc);
    CHECK(kouan_names_add_place(&store, lr, "凭祥市") == 0);      /* a county */
    CHECK(kouan_names_add_port(&store, "凭祥友谊关") == 0);
    CHECK(kouan_names_add_port(&store, "凭祥浦寨") == 0);
    CHECK(kouan_names_add_port(&doc, "友谊关") == 0);
    CHECK(kouan_names_add_official(&doc, "聂拉木", "樟木") == 0);
    char out[256];
    const char *why;
    const kouan_names *both[2] = { &store, &doc }, *only_store[2] = { &store, NULL };
    /* a known place before a known port: that port */
    CHECK_STR(kouan_names_alias(lr, both, 2, "凭祥友谊关", out, sizeof out, &why), "友谊关");
    CHECK(why && strcmp(why, "prefix") == 0);
    /* without the layer that knows 友谊关, nothing is merged */
    CHECK_STR(kouan_names_alias(lr, only_store, 2, "凭祥友谊关", out, sizeof out, &why), "凭祥友谊关");
    CHECK(why == NULL);
    /* the rest is no port anyone names: kept */
    CHECK_STR(kouan_names_alias(lr, both, 2, "凭祥浦寨", out, sizeof out, &why), "凭祥浦寨");
    CHECK(why == NULL);
    /* an official name is its port */
    CHECK_STR(kouan_names_alias(lr, both, 2, "聂拉木", out, sizeof out, &why), "樟木");
    CHECK(why && strcmp(why, "officialName") == 0);
    /* a port is never its own prefix: two characters each side at least */
    CHECK(kouan_names_add_place(&store, lr, "友谊") == 0);
    CHECK_STR(kouan_names_alias(lr, both, 2, "友谊关", out, sizeof out, &why), "友谊关");
    /* two ports claiming one official name: the smaller label wins, in
       either order (no dependence on which document came first) */
    CHECK(kouan_names_add_official(&doc, "某名", "乙") == 0);
    CHECK(kouan_names_add_official(&doc, "某名", "甲") == 0);
    CHECK(kouan_names_add_official(&store, "某名", "乙") == 0);
    CHECK_STR(kouan_names_alias(lr, both, 2, "某名", out, sizeof out, &why),
              strcmp("甲", "乙") < 0 ? "甲" : "乙");
    kouan_names_free(&store);
    kouan_names_free(&doc);
    kouan_resolver_free(&r);
}

int main(void)
{
    test_real_ontology();
    test_malformed();
    test_learned_names();
    if (failures) fprintf(stderr, "%d checks failed\n", failures);
    return failures != 0;
}
