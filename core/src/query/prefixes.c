/* prefixes.c — the namespace prefixes kouan predeclares in queries and
 * writes in exports. */
#include "format.h"

const char *const kouan_prefixes[][2] = {
    { "rdf",     "http://www.w3.org/1999/02/22-rdf-syntax-ns#" },
    { "rdfs",    "http://www.w3.org/2000/01/rdf-schema#" },
    { "owl",     "http://www.w3.org/2002/07/owl#" },
    { "xsd",     "http://www.w3.org/2001/XMLSchema#" },
    { "skos",    "http://www.w3.org/2004/02/skos/core#" },
    { "prov",    "http://www.w3.org/ns/prov#" },
    { "dcterms", "http://purl.org/dc/terms/" },
    { "sosa",    "http://www.w3.org/ns/sosa/" },
    { "kouan",   KOUAN_NS_ONTOLOGY },
    { NULL, NULL }
};
