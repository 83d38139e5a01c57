#!/usr/bin/python3
"""check_gold.py — the seed chapter through kouan, against its gold facts.

Usage: /usr/bin/python3 check_gold.py KOUAN SRC_DIR   (stdlib only)

Extracts corpus/000_7180f7658f0f6251.md into a fresh temporary store with
the kouan binary KOUAN (plugins from $KOUAN_PLUGIN_PATH), reads back the
facts of the predicates the table reader produces as label pairs, and
compares them with the gold file (corpus/gold/<id>.tsv; older trees:
corpus/<id>.gold.tsv), after normalising labels the way the gold README
says.  Prints recall and precision per predicate and every missing or
extra fact; then checks the classes: each gold subject of a `province`
fact that the gold types Port must be a kouan:Port, each subject of a
`prefecture` fact typed County a kouan:County, each object typed
Prefecture a kouan:Prefecture (and likewise for Province and TradeZone
objects).  Exits 1 unless every checked predicate is at 100% recall and
100% precision and every class check holds.

Scope: this is the table reader's test, so recall counts the gold facts
whose subject the document writes in a table row (a tab-separated line);
gold facts that only prose states (乌力吉 province 内蒙古) belong to the
prose extractor and are listed as out of scope.  Precision is measured
against the whole gold file.
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections import defaultdict

DOC_ID = "000_7180f7658f0f6251"
# The predicates the tables plugin produces; all must be exact.
PREDICATES = ["province", "tradeZone", "prefecture", "borderCountyCount"]
# Which classes the gold gives to the two ends of each predicate, to check.
CLASS_CHECKS = {
    "province": ({"Port", "Prefecture"}, {"Province"}),
    "prefecture": ({"County"}, {"Prefecture"}),
    "tradeZone": ({"Province"}, {"TradeZone"}),
    "borderCountyCount": ({"Province"}, set()),
}

# Suffixes the gold README says a matcher drops: 口岸, 省, 自治区 and its
# ethnic forms, 边境贸易区, 国.
_SUFFIX = re.compile(r"(?:口岸|边境贸易区|(?:壮族|维吾尔|回族|维吾尔族)?自治区|省|国)$")


def norm(label):
    label = label.strip()
    while True:
        shorter = _SUFFIX.sub("", label)
        if shorter == label or not shorter:
            return label
        label = shorter


# The README's own examples: a wrong norm() would make every check moot.
for _long, _short in (("西藏自治区", "西藏"), ("广西壮族自治区", "广西"),
                      ("新疆维吾尔自治区", "新疆"), ("宁夏回族自治区", "宁夏"),
                      ("樟木口岸", "樟木"), ("东北边境贸易区", "东北"),
                      ("黑龙江省", "黑龙江"), ("蒙古国", "蒙古"), ("满洲里市", "满洲里市")):
    assert norm(_long) == _short, (_long, norm(_long), _short)


def find_gold(src):
    for path in (os.path.join(src, "corpus", "gold", DOC_ID + ".tsv"),
                 os.path.join(src, "corpus", DOC_ID + ".gold.tsv")):
        if os.path.isfile(path):
            return path
    sys.exit("check_gold: no gold file for %s under %s/corpus" % (DOC_ID, src))


def table_names(doc):
    """Every name written in a cell of a tab-separated line of doc."""
    names = set()
    with open(doc, encoding="utf-8") as f:
        for line in f:
            if "\t" not in line:
                continue
            for cell in line.rstrip("\n").split("\t"):
                for part in re.split(r"[、，,；;]", cell):
                    part = re.sub(r"[（(][^）)]*[）)]", "", part).strip()
                    if part:
                        names.add(norm(part))
    return names


def read_gold(path):
    """(facts: pred -> set of (s, o) normalised, types: label -> set of classes)"""
    facts = defaultdict(set)
    types = defaultdict(set)
    with open(path, encoding="utf-8") as f:
        for no, line in enumerate(f, 1):
            line = line.rstrip("\n")
            if not line.strip():
                continue
            parts = line.split("\t")
            if len(parts) != 3:
                sys.exit("check_gold: %s:%d: expected 3 tab-separated fields, got %d"
                         % (path, no, len(parts)))
            s, p, o = parts
            if p.endswith("?"):
                continue          # implied, neither required nor penalised
            if p == "type":
                types[norm(s)].add(o)
            else:
                facts[p].add((norm(s), norm(o)))
    return facts, types


def run(cmd, **kw):
    return subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          **kw)


class Store:
    def __init__(self, kouan, spec):
        self.kouan, self.spec = kouan, spec

    def query(self, sparql):
        r = run([self.kouan, "--store", self.spec, "query", "--format", "tsv", sparql])
        if r.returncode != 0:
            sys.exit("check_gold: query failed (exit %d): %s\n%s"
                     % (r.returncode, r.stderr.decode("utf-8", "replace"), sparql))
        lines = r.stdout.decode("utf-8").split("\n")
        rows = [l.split("\t") for l in lines[1:] if l != ""]
        return rows


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: check_gold.py KOUAN SRC_DIR")
    kouan, src = sys.argv[1], sys.argv[2]
    doc = os.path.join(src, "corpus", DOC_ID + ".md")
    gold_facts, gold_types = read_gold(find_gold(src))
    in_tables = table_names(doc)
    for p in PREDICATES:
        if not gold_facts[p]:
            sys.exit("check_gold: the gold file has no %s facts" % p)

    tmp = tempfile.mkdtemp(prefix="kouan-gold-")
    try:
        store = Store(kouan, "hashes:" + os.path.join(tmp, "store"))
        r = run([kouan, "--store", store.spec, "extract", "-q", doc])
        if r.returncode != 0:
            sys.exit("check_gold: extract failed (exit %d): %s"
                     % (r.returncode, r.stderr.decode("utf-8", "replace")))

        # every label of every entity, and its classes
        labels = defaultdict(set)
        for row in store.query("SELECT ?x ?l WHERE { ?x rdfs:label ?l }"):
            labels[row[0]].add(norm(row[1]))
        classes = defaultdict(set)
        for row in store.query("SELECT ?x ?t WHERE { ?x a ?t }"):
            t = row[1]
            if t.startswith("<https://w3id.org/kouan/ontology#"):
                classes[row[0]].add(t[len("<https://w3id.org/kouan/ontology#"):-1])

        def names(term):
            # an entity by its labels; a literal (plain text in tsv) as is
            if term.startswith("<") or term.startswith("_:"):
                return labels.get(term) or {term}
            return {term}

        failed = False
        store_ends = defaultdict(lambda: (set(), set()))  # pred -> (subj IRIs, obj IRIs)
        for p in PREDICATES:
            rows = store.query("SELECT ?s ?o WHERE { ?s kouan:%s ?o }" % p)
            got = {}   # (s IRI, o term) -> set of normalised label pairs
            for s, o in rows:
                got[(s, o)] = {(a, b) for a in names(s) for b in names(o)}
                store_ends[p][0].add(s)
                store_ends[p][1].add(o)
            whole = gold_facts[p]
            gold = {(s_, o_) for s_, o_ in whole if s_ in in_tables}
            for s_, o_ in sorted(whole - gold):
                print("  out of scope (prose only)  %s\t%s\t%s" % (s_, p, o_))
            extra = sorted(min(pairs) for pairs in got.values() if not pairs & whole)
            found = set().union(*got.values()) if got else set()
            missing = sorted(gold - found)
            matched_got = sum(1 for pairs in got.values() if pairs & whole)
            recall = 100.0 * (len(gold) - len(missing)) / len(gold)
            precision = 100.0 * matched_got / len(got) if got else 0.0
            ok = not missing and not extra and got
            failed |= not ok
            print("%-18s gold %3d  extracted %3d  recall %6.2f%%  precision %6.2f%%  %s"
                  % (p, len(gold), len(got), recall, precision, "ok" if ok else "FAIL"))
            for s, o in missing:
                print("  missing  %s\t%s\t%s" % (s, p, o))
            for s, o in extra:
                print("  extra    %s\t%s\t%s" % (s, p, o))

        # classes: the gold's types of the ends of each predicate's facts
        def typed(label, cls):
            return any(label in labels.get(x, ()) and cls in classes.get(x, ())
                       for x in classes)

        checks = {}   # (label, class) -> the predicate that asks for it
        for p, (subj_classes, obj_classes) in CLASS_CHECKS.items():
            for s, o in sorted(gold_facts[p]):
                if s not in in_tables:
                    continue
                for label, wanted in ((s, subj_classes), (o, obj_classes)):
                    for cls in sorted(gold_types.get(label, set()) & wanted):
                        checks.setdefault((label, cls), p)
        checked = len(checks)
        type_fail = ["  %s is not a kouan:%s in the store (gold: %s type %s; "
                     "it ends a %s fact)" % (label, cls, label, cls, p)
                     for (label, cls), p in sorted(checks.items())
                     if not typed(label, cls)]
        print("classes            %d checks, %d failed  %s"
              % (checked, len(type_fail), "ok" if not type_fail else "FAIL"))
        for line in type_fail:
            print(line)
        if checked == 0:
            print("check_gold: no class checks were made: the gold has no types?")
            failed = True
        failed |= bool(type_fail)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    if failed:
        print("FAILED: the seed chapter does not match its gold facts")
        return 1
    print("OK: the seed chapter matches its gold facts")
    return 0


if __name__ == "__main__":
    sys.exit(main())
