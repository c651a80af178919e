"""The SPARQL query page: a plain HTML form with examples; results as a table or Turtle.

Works without JavaScript: the form is a GET to /sparql, so every result has a URL that
can be shared, and each example is a link that runs it (the query stays editable).
"""

import json
from urllib.parse import urlencode

from fastapi import Request

from api.pages.html import render
from graph.namespaces import PREFIXES
from graph.sparql.pool import GRAPH_FORMATS, RESULT_FORMATS
from graph.years import years

PREFIX_LINES = {
    "rg": "PREFIX rg: <https://data.osloregionen.no/def/regiongraf#>",
    "rdfs": "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>",
    "skos": "PREFIX skos: <http://www.w3.org/2004/02/skos/core#>",
    "prov": "PREFIX prov: <http://www.w3.org/ns/prov#>",
    "sssom": "PREFIX sssom: <https://w3id.org/sssom/>",
}
SHORT = sorted(((str(ns), p) for p, ns in PREFIXES.items()), key=lambda x: -len(x[0]))
DOWNLOADS = {"table": RESULT_FORMATS, "graph": GRAPH_FORMATS}  # the result in another format


def examples(base: str, several_years: bool = False) -> list[tuple[str, str]]:
    """(title, query) pairs about the graph itself; with `several_years`, about lineage too."""
    p = PREFIX_LINES
    return _examples(base, p) + (_lineage_examples(base, p) if several_years else [])


def _lineage_examples(base: str, p: dict) -> list[tuple[str, str]]:
    return [
        ("Årganger: hva ble av tiltakene fra året før (prov:wasRevisionOf)", f"""{p["rg"]}
{p["prov"]}
{p["sssom"]}
SELECT ?nytt ?tidligere ?status ?sikkerhet ?hvorfor WHERE {{
  GRAPH <{base}/graph/lineage> {{
    ?nytt prov:wasRevisionOf ?tidligere .
    ?kobling sssom:subject_id ?nytt ; sssom:object_id ?tidligere ;
             rg:changeStatus ?status ; sssom:confidence ?sikkerhet ; sssom:comment ?hvorfor .
  }}
  ?nytt a rg:Measure .
  FILTER(?status != "unchanged")
}}
ORDER BY ?nytt"""),
        ("Tiltak som ble tatt ut: uten etterfølger året etter", f"""{p["rg"]}
{p["rdfs"]}
{p["prov"]}
SELECT DISTINCT ?tiltak ?navn ?aar WHERE {{
  ?tiltak a rg:Measure ; rdfs:label ?navn ; rg:inProgramme/rg:year ?aar .
  ?senere a rg:Programme ; rg:year ?etter .
  FILTER(STR(?etter) > STR(?aar) && lang(?navn) = "nb")
  FILTER NOT EXISTS {{ ?nytt prov:wasRevisionOf ?tiltak }}
}}
ORDER BY ?aar ?tiltak"""),
    ]


def _examples(base: str, p: dict) -> list[tuple[str, str]]:
    return [
        ("Tiltak i innsatsområde 5.1 (kraft og energi)", f"""{p["rg"]}
{p["rdfs"]}
{p["skos"]}
SELECT DISTINCT ?tiltak ?navn WHERE {{
  ?tiltak a rg:Measure ;
          rg:focusArea/skos:broader* <{base}/id/focus-area/2025-5.1> ;
          rdfs:label ?navn ;
          rg:position ?nr .
  FILTER(lang(?navn) = "nb")
}}
ORDER BY ?nr"""),
        ("Antall noder per klasse", f"""{p["rg"]}
SELECT ?klasse (COUNT(DISTINCT ?node) AS ?antall) WHERE {{
  ?node a ?klasse .
  FILTER(STRSTARTS(STR(?klasse), STR(rg:)))
}}
GROUP BY ?klasse
ORDER BY DESC(?antall)"""),
        ("Tiltak per faggruppe", f"""{p["rg"]}
{p["rdfs"]}
SELECT ?faggruppe ?navn (COUNT(DISTINCT ?tiltak) AS ?antall) WHERE {{
  ?tiltak a rg:Measure ; rg:proposedBy ?faggruppe .
  ?faggruppe rdfs:label ?navn .
  FILTER(lang(?navn) = "nb")
}}
GROUP BY ?faggruppe ?navn
ORDER BY DESC(?antall)"""),
        ("De navngitte grafene og størrelsen deres (GRAPH)", """SELECT ?graf (COUNT(*) AS ?tripler) WHERE {
  GRAPH ?graf { ?s ?p ?o }
}
GROUP BY ?graf
ORDER BY ?graf"""),
        ("Strategier som ingen tiltak gjennomfører ennå", f"""{p["rg"]}
{p["rdfs"]}
SELECT DISTINCT ?strategi ?navn WHERE {{
  ?strategi a rg:Strategy ; rdfs:label ?navn .
  FILTER(lang(?navn) = "nb")
  FILTER NOT EXISTS {{ ?tiltak rg:implements ?strategi }}
}}
ORDER BY ?strategi"""),
        ("Alt om ett tiltak, bare fra dokumentets graf (CONSTRUCT, FROM)", f"""CONSTRUCT {{ ?tiltak ?p ?o }}
FROM <{base}/graph/programme-2025>
WHERE {{
  BIND(<{base}/id/measure/2025-5.1.1-1> AS ?tiltak)
  ?tiltak ?p ?o .
}}"""),
    ]


def short(iri: str) -> str:
    for ns, prefix in SHORT:
        if iri.startswith(ns) and len(iri) > len(ns):
            return f"{prefix}:{iri[len(ns):]}"
    return iri


def table(body: bytes) -> dict:
    """SELECT/ASK results (SPARQL JSON) as rows for the template."""
    doc = json.loads(body)
    if "boolean" in doc:
        return {"boolean": doc["boolean"]}
    variables = doc["head"]["vars"]
    return {"vars": variables, "rows": [[row.get(v) for v in variables] for row in doc["results"]["bindings"]]}


def page(request: Request, query: str = "", result=None, error: str | None = None, status_code: int = 200,
         headers: dict | None = None):
    """The query page, with the result (a graph.sparql.pool.QueryResult) or an error if any."""
    settings = request.app.state.settings
    endpoint = request.scope.get("root_path", "").rstrip("/") + "/sparql"
    several = len(years(request.app.state.application.store.reader())) > 1
    all_examples = examples(settings.base_iri, several)
    ctx = {
        "active": "/sparql",
        "endpoint": endpoint,
        "endpoint_url": str(request.base_url).rstrip("/") + "/sparql",
        "query": query or all_examples[0][1],
        "examples": [(title, f"{endpoint}?{urlencode({'query': q})}") for title, q in all_examples],
        "error": error,
        "timeout": settings.sparql_timeout,
        "max_results": settings.sparql_max_results,
        "max_megabytes": settings.sparql_max_bytes / 1_000_000,
        "short": short,
        "result": None,
    }
    if result is not None:
        kind = "graph" if result.kind == "graph" else "table"
        ctx["result"] = {
            "kind": result.kind,
            "count": result.count,
            "table": table(result.body) if kind == "table" else None,
            "turtle": result.body.decode() if kind == "graph" else None,
            "downloads": [(f.label, f"{endpoint}?{urlencode({'query': query, 'format': f.name})}")
                          for f in DOWNLOADS[kind]],
        }
    return render(request, "sparql.html", ctx, status_code=status_code, headers=headers)
