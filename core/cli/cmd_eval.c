/* cmd_eval.c — `kouan eval --gold FILE.tsv`: the store against gold facts. */
#include "cli.h"
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

static int run(const cli_globals *g, int argc, char **argv)
{
    static const struct option opts[] = {
        { "gold", required_argument, NULL, 'g' },
        { "doc", required_argument, NULL, 'd' },
        { "min-f1", required_argument, NULL, 'm' },
        { "verbose", no_argument, NULL, 'v' }, { NULL, 0, NULL, 0 } };
    kouan_eval_options o = { 0 };
    double min_f1 = -1;
    int c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "+:g:d:m:v", opts, NULL)) != -1) {
        switch (c) {
        case 'g': o.gold_path = optarg; break;
        case 'd': o.doc = optarg; break;
        case 'v': o.verbose = 1; break;
        case 'm': {
            char *end;
            min_f1 = strtod(optarg, &end);
            if (end == optarg || *end || min_f1 < 0 || min_f1 > 1)
                return cli_usage_error(&cmd_eval, "--min-f1 takes a number from 0 to 1, "
                                       "not “%s”", optarg);
            break;
        }
        case ':': return cli_usage_error(&cmd_eval, "option “%s” needs a value", argv[optind - 1]);
        default:  return cli_usage_error(&cmd_eval, "unknown option “%s”", argv[optind - 1]);
        }
    }
    if (optind < argc)
        return cli_usage_error(&cmd_eval, "unexpected argument “%s”", argv[optind]);
    if (!o.gold_path || !*o.gold_path)
        return cli_usage_error(&cmd_eval, "name the gold facts with --gold FILE.tsv");
    kouan *k = cli_open(g, 1, 1, 1);
    if (!k) return EXIT_FAIL;
    kouan_error err = { 0 };
    kouan_eval_result r;
    int rc = kouan_eval(k, &o, stdout, &r, &err);
    kouan_close(k);
    if (rc) {
        cli_error("%s", err.message);
        return EXIT_FAIL;
    }
    if (min_f1 >= 0 && r.f1 < min_f1) {
        fflush(stdout);
        cli_error("overall F1 %.3f is below --min-f1 %g", r.f1, min_f1);
        return EXIT_FAIL;
    }
    return EXIT_OK;
}

const cli_command cmd_eval = {
    "eval", "score the store's facts against gold facts",
    "Usage: kouan [--store SPEC] eval --gold FILE.tsv [--doc FILE|ID] [--min-f1 X] [-v]\n"
    "\n"
    "Compares the facts in the store with gold facts and prints, for each\n"
    "predicate of the gold file, how many facts the gold has, how many the\n"
    "store has (extracted), how many agree (correct), precision, recall and\n"
    "F1; then the same over all the gold's predicates (micro average), the\n"
    "gold facts the store misses and the store facts the gold does not have\n"
    "(spurious), each with its evidence: document, line, rule and quote.\n"
    "\n"
    "Gold file: one fact a line, subject<TAB>predicate<TAB>object, labels as\n"
    "the text writes them (see corpus/gold/README.md).  Lines starting with #\n"
    "are comments.  A predicate ending in ? marks a fact that is neither\n"
    "required nor penalised.  For `type` the object is a class (Port,\n"
    "Province, …); statistics read VALUE [UNIT] [@YEAR] (168550000000 USD @2013).\n"
    "\n"
    "How facts are compared:\n"
    "  - labels are compared after dropping the suffixes 口岸, 省, 国, 边境贸易区,\n"
    "    自治区 and its ethnic forms (西藏自治区 = 西藏); an entity matches with\n"
    "    its rdfs:label or any skos:altLabel;\n"
    "  - only store facts whose predicate appears in the gold are counted, so\n"
    "    a gold file about tables does not penalise other predicates; `type`\n"
    "    counts only the classes the gold types anything with;\n"
    "  - a statistic matches when the values are equal; a unit or year is\n"
    "    compared only when the store states it (in the literal, as kouan:year\n"
    "    on the fact's statement node, or on an observation node).\n"
    "\n"
    "Options:\n"
    "  --gold FILE.tsv   the gold facts (required)\n"
    "  --doc FILE|ID     only this document's graph (default: the whole store)\n"
    "  --min-f1 X        exit with status 1 when the overall F1 is below X (0..1)\n"
    "  -v, --verbose     list every missed and spurious fact (default: the\n"
    "                    first 10 of each)\n"
    "\n"
    "Example:\n"
    "  kouan extract corpus/000_7180f7658f0f6251.md\n"
    "  kouan eval --gold corpus/gold/000_7180f7658f0f6251.tsv \\\n"
    "             --doc 000_7180f7658f0f6251 --min-f1 0.5\n"
    "\n"
    "Exit status: 0 scored (and F1 ≥ X), 1 below --min-f1 or an error (gold file\n"
    "missing or malformed: file:line), 2 bad usage.\n",
    run
};
