/* segbench.c — the benchmark driver for kouan's segmenter: loads the
 * lexicon once, then segments FILE line by line on one thread, and prints
 * load time, throughput and token count (bench/segment/run.sh).
 *
 *   segbench [-o OUT] LEXICON FILE
 *
 * -o writes the tokens, space-separated, one line per input line. */
#include "text/segment.h"

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
    if (argc - i != 2) {
        fprintf(stderr, "usage: segbench [-o OUT] LEXICON FILE\n");
        return 2;
    }
    double t0 = now();
    kouan_error err = {0};
    kouan_lexicon *lx = kouan_lexicon_open(argv[i], &err);
    double t_load = now() - t0;
    if (!lx) { fprintf(stderr, "segbench: %s\n", err.message); return 1; }

    /* read the whole file first: the benchmark times segmentation, not I/O */
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

    kouan_seg *segs = NULL;
    size_t n = 0, cap = 0, tokens = 0, lines = 0;
    t0 = now();
    for (char *p = buf, *end = buf + size; p < end;) {
        char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
        if (kouan_segment(lx, NULL, p, len, &segs, &n, &cap)) { fprintf(stderr, "ENOMEM\n"); return 1; }
        tokens += n;
        lines++;
        if (out) {
            for (size_t k = 0; k < n; k++)
                fprintf(out, "%s%.*s", k ? " " : "", (int)(segs[k].end - segs[k].start),
                        p + segs[k].start);
            fputc('\n', out);
        }
        p += len + 1;
    }
    double t_seg = now() - t0;
    if (out) fclose(out);
    printf("kouan\tload_s=%.4f\tseg_s=%.3f\tMB/s=%.1f\tbytes=%ld\tlines=%zu\ttokens=%zu\n",
           t_load, t_seg, (double)size / 1e6 / t_seg, size, lines, tokens);
    free(segs);
    free(buf);
    kouan_lexicon_close(lx);
    return 0;
}
