/* frisobench.c — the friso side of bench/segment/run.sh: loads friso's
 * lexicon from an .ini file, then segments FILE line by line on one thread
 * (complex mode, no synonyms, no secondary segmentation) and prints the
 * same numbers as segbench.
 *
 *   frisobench [-o OUT] FRISO.ini FILE */
#include <friso/friso.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    const char *out_path = NULL;
    int i = 1;
    if (i + 1 < argc && !strcmp(argv[i], "-o")) { out_path = argv[i + 1]; i += 2; }
    if (argc - i != 2) { fprintf(stderr, "usage: frisobench [-o OUT] INI FILE\n"); return 2; }
    double t0 = now();
    friso_t friso = friso_new();
    friso_config_t config = friso_new_config();
    if (friso_init_from_ifile(friso, config, argv[i]) != 1) {
        fprintf(stderr, "frisobench: cannot initialise friso from %s\n", argv[i]);
        return 1;
    }
    config->add_syn = 0;
    config->en_sseg = 0;
    double t_load = now() - t0;

    FILE *f = fopen(argv[i + 1], "rb");
    if (!f) { perror(argv[i + 1]); return 1; }
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)size + 1);
    if (!buf || fread(buf, 1, (size_t)size, f) != (size_t)size) { perror("read"); return 1; }
    buf[size] = '\0';
    fclose(f);
    FILE *out = out_path ? fopen(out_path, "w") : NULL;

    friso_task_t task = friso_new_task();
    size_t tokens = 0, lines = 0;
    t0 = now();
    for (char *p = buf, *end = buf + size; p < end;) {
        char *nl = memchr(p, '\n', (size_t)(end - p));
        if (nl) *nl = '\0';
        friso_set_text(task, p);
        int first = 1;
        while (config->next_token(friso, config, task) != NULL) {
            tokens++;
            if (out) {
                fprintf(out, "%s%s", first ? "" : " ", task->token->word);
                first = 0;
            }
        }
        if (out) fputc('\n', out);
        lines++;
        p = nl ? nl + 1 : end;
    }
    double t_seg = now() - t0;
    if (out) fclose(out);
    printf("friso\tload_s=%.4f\tseg_s=%.3f\tMB/s=%.1f\tbytes=%ld\tlines=%zu\ttokens=%zu\n",
           t_load, t_seg, (double)size / 1e6 / t_seg, size, lines, tokens);
    friso_free_task(task);
    friso_free(friso);
    free(buf);
    return 0;
}
