"""bench_queries.py — the query suite of bench_store.c, for the Python side."""
QUERIES = [
    ('ports_of_province', 'SELECT ?label WHERE { ?prov rdfs:label "省份7"@zh . ?port a kouan:Port ; kouan:province ?prov ; rdfs:label ?label }'),
    ('chain', 'SELECT ?prov ?zone ?country WHERE { ?p rdfs:label "口岸1234"@zh ; kouan:province ?v . ?v kouan:tradeZone ?z . ?z rdfs:label ?zone . ?v rdfs:label ?prov . ?p kouan:opensTo ?c . ?c rdfs:label ?country }'),
    ('count_per_province', 'SELECT ?province (COUNT(?p) AS ?n) WHERE { ?p a kouan:Port ; kouan:province ?v . ?v rdfs:label ?province } GROUP BY ?province'),
    ('contains_label', 'SELECT ?s ?l WHERE { ?s rdfs:label ?l . FILTER(CONTAINS(?l, "口岸123")) }'),
    ('s_p_o', 'SELECT ?p ?o WHERE { <https://w3id.org/kouan/id/port/1234> ?p ?o }'),
]
PREFIXES = ("PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> "
            "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> "
            "PREFIX kouan: <https://w3id.org/kouan/ontology#>\n")
