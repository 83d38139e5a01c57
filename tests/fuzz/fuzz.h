/* fuzz.h — what every fuzz target of tests/fuzz defines: libFuzzer's entry
 * point, and an optional one-time setup.  Built two ways: with libFuzzer
 * (-DKOUAN_FUZZ=ON, clang, scripts/fuzz) and with replay.c's main, which
 * feeds it the files of tests/fuzz/regressions/TARGET/ in a normal ctest. */
#ifndef KOUAN_FUZZ_H
#define KOUAN_FUZZ_H
#include <stddef.h>
#include <stdint.h>

/* Runs the code under test on data[0..size).  Returns 0; a bug crashes
 * (under the sanitizers) or aborts on a broken invariant. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Fails loudly: a broken invariant is a crash the fuzzer records. */
#define FUZZ_ASSERT(cond) do { if (!(cond)) { \
    fprintf(stderr, "%s:%d: invariant broken: %s\n", __FILE__, __LINE__, #cond); \
    abort(); } } while (0)
#endif
