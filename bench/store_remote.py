"""The embedded store against remote SPARQL servers, on the product's own work.

For each store (embedded Oxigraph; an Oxigraph server; Virtuoso Open Source, both started
here on this machine, so the network is loopback: add your own round-trip time), the same
document is built and then timed:

- build: `regiongraf build --graph-only` of the 2025 document (parse, link, validate, write);
- node page: everything /doc/{kind}/{key} reads from the graph (node_view), cold (the answer
  cache emptied first) and warm (the state's answers cached);
- node RDF: the triples of /doc/{kind}/{key}.ttl (description);
- search context: the context of ten hits (search/context.py read_contexts), cold;
- stats: `regiongraf stats`;
- import: a ten-item list written as a new state (graph only).
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

from bench.report import median, write
from graph.settings import Settings
from graph.store import open_store
from graph.views.describe import description, node_view
from graph.views.stats import stats
from search.context import read_contexts
from service.application import Application

REPEAT = 9
NODE = "https://data.osloregionen.no/id/measure/2025-4.1-3"
HITS = [f"https://data.osloregionen.no/id/measure/2025-{k}" for k in
        ("4.1-3", "4.1-1", "5.1.1-15", "3.1-2", "2.1-4", "4.2-1", "5.2-3", "3.2-1", "2.2-2", "5.1.1-2")]
CSV = ("id,title,description\n" + "".join(f"k{i},Tiltak {i},Beskrivelse av tiltak {i} om sykkel\n"
                                            for i in range(10))).encode()


def _time(fn, repeat: int = REPEAT, before=None) -> list[float]:
    out = []
    for _ in range(repeat):
        if before:
            before()
        t = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t) * 1000)
    return out


def measure(settings: Settings) -> dict:
    app = Application(settings)
    build = _time(lambda: app.build(refresh=False), repeat=3)
    store = open_store(settings)
    reader = store.reader()
    cache = getattr(store, "cache", None)
    clear = cache.clear if cache is not None else None
    base = settings.base_iri
    row = {
        "build ms": median(build),
        "node page cold ms": median(_time(lambda: node_view(store.reader(), base, NODE), before=clear)),
        "node page warm ms": median(_time(lambda: node_view(store.reader(), base, NODE))),
        "node RDF ms": median(_time(lambda: description(store.reader(), NODE), before=clear)),
        "search context ms": median(_time(lambda: read_contexts(store.reader(), HITS), before=clear)),
        "stats ms": median(_time(lambda: stats(store), before=clear)),
        "import ms": median(_time(lambda: app.import_list(CSV, "liste.csv", "Benkmerke", refresh=False), repeat=3)),
        "triples": len(reader),
    }
    return row


def main() -> None:
    from tests import servers

    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        rows.append({"store": "embedded (Oxigraph on disk)", **measure(Settings(home=tmp / "embedded"))})
        for kind in servers.KINDS:
            try:
                server = servers.start(kind, tmp / kind)
            except BaseException as err:  # noqa: BLE001 - not installed here: say so, measure the rest
                rows.append({"store": f"{kind}: ikke tilgjengelig ({err})"})
                continue
            try:
                # The service's defaults: the pointer is read at most every 2 s (this process's own
                # writes update it at once), old versions dropped after the grace.
                settings = Settings(home=tmp / f"{kind}-home", store_name="bench", **server.settings_overrides())
                rows.append({"store": f"{kind} server (loopback)", **measure(settings)})
            finally:
                server.stop()
    embedded = rows[0]
    for row in rows:
        if "node page cold ms" in row:
            row["node page cold / embedded"] = row["node page cold ms"] / max(embedded["node page cold ms"], 1e-6)
    write("store_remote", f"Lager: innebygd mot eksterne SPARQL-tjenere, median av {REPEAT} (bygg og import: 3)",
          rows, {"cpu_count": os.cpu_count(), "node": NODE, "hits": len(HITS)})


if __name__ == "__main__":
    main()
