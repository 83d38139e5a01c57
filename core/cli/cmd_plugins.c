/* cmd_plugins.c — `kouan plugins`: what extractors are installed. */
#include "cli.h"
#include <string.h>

static void show(const kouan_plugin_info *info, const char *file,
                 const char *problem, void *user)
{
    int *n = user;
    if (!info) {
        cli_error("%s", problem);
        return;
    }
    (*n)++;
    printf("%-12s %-8s %u.%u  %-10s %s\n   %s\n", info->name, info->version,
           info->abi_major, info->abi_minor,
           info->stage == KOUAN_STAGE_STRUCTURE ? "structure" : "prose",
           info->description, file);
}

static int run(const cli_globals *g, int argc, char **argv)
{
    if (argc > 1)
        return cli_usage_error(&cmd_plugins, "unexpected argument “%s”", argv[1]);
    printf("%-12s %-8s %-4s  %-10s %s\n", "NAME", "VERSION", "ABI", "STAGE", "DESCRIPTION / FILE");
    int found = 0;
    int refused = kouan_plugin_scan(g->plugin_path, show, &found);
    if (!found && !refused)
        cli_error("no plugins found on the path (set KOUAN_PLUGIN_PATH or --plugin-path)");
    return refused || !found ? EXIT_FAIL : EXIT_OK;
}

const cli_command cmd_plugins = {
    "plugins", "list the extractor plugins and check their ABI",
    "Usage: kouan [--plugin-path PATH] plugins\n"
    "\n"
    "Lists every plugin (*.so) on the plugin path — --plugin-path, else\n"
    "$KOUAN_PLUGIN_PATH (colon-separated folders), else the build's plugin\n"
    "folder — with its name, version, plugin ABI, stage, description and file.\n"
    "A plugin built for another ABI major, or a newer minor than this kouan's,\n"
    "is refused with both versions named, and the exit status is 1.\n",
    run
};
