/* wrong_abi.c — plugins the loader must refuse.  Built twice (see
 * CMakeLists.txt): with WRONG_ABI_MAJOR the descriptor claims the next ABI
 * major (incompatible), with WRONG_ABI_MINOR a newer minor than the core's
 * (it might read fields this core does not fill in).  The descriptor is
 * written by hand because KOUAN_PLUGIN_DEFINE always stamps the current
 * ABI. */
#include <kouan/plugin.h>

static int wrong_init(const kouan_config *cfg, void **state)
{
    (void)cfg;
    *state = NULL;
    return KOUAN_OK;
}

static int wrong_process(void *state, const kouan_doc *doc, kouan_emitter *out)
{
    (void)state;
    (void)doc;
    (void)out;
    return KOUAN_OK;
}

static void wrong_fini(void *state)
{
    (void)state;
}

#if defined(WRONG_ABI_MAJOR)
#  define WRONG_MAJOR (KOUAN_PLUGIN_ABI_MAJOR + 1)
#  define WRONG_MINOR KOUAN_PLUGIN_ABI_MINOR
#  define WRONG_NAME  "wrong_abi_major"
#elif defined(WRONG_ABI_MINOR)
#  define WRONG_MAJOR KOUAN_PLUGIN_ABI_MAJOR
#  define WRONG_MINOR (KOUAN_PLUGIN_ABI_MINOR + 1)
#  define WRONG_NAME  "wrong_abi_minor"
#else
#  error "define WRONG_ABI_MAJOR or WRONG_ABI_MINOR"
#endif

KOUAN_PLUGIN_EXPORT const kouan_plugin kouan_plugin_descriptor = {
    WRONG_MAJOR, WRONG_MINOR, WRONG_NAME, "0.0.1",
    "test plugin with a wrong ABI version; the loader must refuse it",
    "MIT", KOUAN_STAGE_STRUCTURE, wrong_init, wrong_process, wrong_fini, { 0 }
};
