#!/usr/bin/python3
"""evidence_test.py KOUAN SRC — every fact's evidence names what it links.

Extracts every corpus document (and a second chapter that names the seed's
ports in other forms) into one fresh kouan: store, exports it as N-Quads and
checks each statement node: the bytes [kouan:evidenceStart,
kouan:evidenceEnd) cut from the original file (dcterms:source) hold a name
(rdfs:label, skos:altLabel or skos:hiddenLabel, from any graph) of the
fact's subject and, when the object is an entity, of the object — both
sides compared NFKC-normalised and traditional → simplified (OpenCC's t2s,
as kouan matches), so 滿洲里 in a traditional chapter names 满洲里.  The
quote (kouan:quote) must name them too: a span too long to quote whole is
quoted by its two ends, which hold the names.
"""
import glob, os, subprocess, sys, tempfile, unicodedata, collections
from rdflib import ConjunctiveGraph, URIRef, Literal
from rdflib.namespace import RDF, RDFS, SKOS

KO = "https://w3id.org/kouan/ontology#"
DCT_SOURCE = URIRef("http://purl.org/dc/terms/source")
DERIVED = URIRef("http://www.w3.org/ns/prov#wasDerivedFrom")
kouan, src = sys.argv[1], sys.argv[2]
docs = sorted(glob.glob(os.path.join(src, "corpus", "*.md")) +
              glob.glob(os.path.join(src, "corpus", "*.html")))
docs.append(os.path.join(src, "tests", "cli", "fixtures", "nyalam.md"))

with tempfile.TemporaryDirectory() as tmp:
    store = "kouan:" + os.path.join(tmp, "store")
    subprocess.run([kouan, "--store", store, "extract", "-q"] + docs, check=True)
    nq = subprocess.run([kouan, "--store", store, "export", "--format", "nquads"],
                        check=True, capture_output=True).stdout

g = ConjunctiveGraph()
g.parse(data=nq, format="nquads")
names = collections.defaultdict(set)
for s, p, o in g.triples((None, None, None)):
    if p in (RDFS.label, SKOS.altLabel, SKOS.hiddenLabel) and isinstance(o, Literal):
        names[s].add(str(o))
source = {d: str(p) for d, _, p in g.triples((None, DCT_SOURCE, None))
          if isinstance(p, Literal)}      # a document's path (a footnote is an IRI)
facts = []
for st in set(g.subjects(RDF.type, RDF.Statement)):
    doc = g.value(st, DERIVED)
    a = int(g.value(st, URIRef(KO + "evidenceStart")))
    b = int(g.value(st, URIRef(KO + "evidenceEnd")))
    facts.append((doc, a, b, g.value(st, RDF.subject), g.value(st, RDF.predicate),
                  g.value(st, RDF.object), str(g.value(st, URIRef(KO + "quote")))))
files = {}
spans = []
for doc, a, b, *_ in facts:
    if doc not in files:
        files[doc] = open(source[doc], "rb").read()
    spans.append(files[doc][a:b].decode("utf-8"))
quotes = [f[6] for f in facts]
SEP = "\ue000"          # a private-use character: no span holds it
assert not any(SEP in s for s in spans + quotes)
simplified = subprocess.run(["opencc", "-c", "t2s"], input=SEP.join(spans + quotes), check=True,
                            capture_output=True, text=True).stdout.split(SEP)
assert len(simplified) == 2 * len(spans), "opencc changed the number of spans"
norm = lambda x: unicodedata.normalize("NFKC", x)

bad = []
for (doc, a, b, s, p, o, _), span, quote in zip(facts, simplified, simplified[len(spans):]):
    if p == RDF.type:
        continue
    for what, text in (("span", norm(span)), ("quote", norm(quote))):
        for e in [s] + ([o] if isinstance(o, URIRef) and o in names else []):
            if not any(norm(n) in text for n in names.get(e, ())):
                bad.append("%s [%d,%d) %s: none of %s in its %s “%s”" % (
                    str(doc).rsplit("/", 1)[-1], a, b, str(p).rsplit("#", 1)[-1],
                    sorted(names.get(e, ()))[:4], what, text[:80]))
assert len(facts) > 500, "only %d facts: the corpus did not extract" % len(facts)
print("%d facts in %d documents; %d whose evidence does not name what they link"
      % (len(facts), len(files), len(bad)))
for line in bad[:30]:
    print("  " + line)
sys.exit(1 if bad else 0)
