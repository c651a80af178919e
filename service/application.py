"""The application layer: the one place that orders a write and what follows it.

    app = Application(settings)
    app.build(sources) | app.import_list(data, name, actor) | app.remove_import(actor)
    app.update(sparql) | app.review(a, b, decision, note, by)  -> WriteResult (service/result.py)
    app.reviews()                                         the staff's decisions, with `active`
    app.diff(old, new)                                    what became of each item from one year to another
    app.calibrate()                                       refit the overlap confidence with them
    app.catch_up()                                        -> WriteResult | None
    app.follow()                                          a replica on a remote store keeps up with
                                                          writes made elsewhere -> WriteResult | None
    app.searcher() | app.matcher() | app.embedder()       the loaded model and indexes, shared
    app.status()                                          what /health reports

Every write takes the same path (`_write`): prepare in memory (a broken input raises a
UserError and nothing is written), write one new store generation that also stamps a new
source revision (graph/revision.py), then refresh what is derived from the graph (a build
creates it, other writes keep up what exists): first the search index (only changed texts
are embedded), then the derived graphs, each stamped with the revision it was made from:
the inferred links ({base}/graph/inferred) and the lineage of the programme years
({base}/graph/lineage: each item linked to its counterparts in the year before,
matching/lineage_graph.py), both written in one generation. Lineage is derived data, not a
source: the staff's decisions on it live in {base}/graph/reviews and are applied when it is
recomputed. In the same generation as every write, the curated links
of the staff's decisions follow their nodes (graph/reviews.py sync_review_links: a decision
whose node vanished stops linking, and links again when it comes back).
One policy: the stored write stands; a failed refresh is a warning in the result, and is
retried on the next write or at the next start (`catch_up`, which the server runs before it
serves and the CLI's reading verbs run before they read). CLI verbs, HTTP routes and pages
call this class; nothing else writes.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from rdflib import Graph

from graph.build import apply_build, prepare_build, source_graphs
from graph.errors import Conflict
from graph.imports.lists import find_list
from graph.imports.prepare import prepare
from graph.iri import graph_iri
from graph.remote.store import WriteConflict
from graph.reviews import Review, new_review, read_reviews, record_review, reviews_graph, sync_review_links
from graph.revision import DERIVED_GRAPHS, derived_revision, source_revision, stamp_derived, stamp_source
from graph.settings import Settings
from graph.sparql.guard import Inspection
from graph.sparql.pool import QueryPool, UpdateJob
from graph.sparql.update import in_memory_update, inspect_update, take_update
from graph.store import open_store, remove_graph, replace_graph
from graph.validate import validate_graph
from matching.calibrate import Calibration, calibrate
from matching.diff import Diff, diff_years, pick_years
from matching.inferred import infer_links
from matching.lineage_graph import lineage_links
from matching.matcher import Matcher
from matching.reviews import Decisions
from search.embedding.backend import load_embedder, serving_embedder
from search.embedding.embedder import Embedder
from search.index.update import update_index
from search.index.version import IndexMissing, SearchIndex, current_version
from search.searcher import Searcher
from service.result import RefreshResult, WriteResult

log = logging.getLogger("regiongraf.service")
Progress = Callable[[str], None] | None
INDEX_MISSING = "søkeindeksen er ikke bygget"
LINKS_LAG = "de utledede lenkene henger etter grafen"
LINEAGE_LAG = "årgangskoblingene henger etter grafen"
DERIVED_LAG = (LINKS_LAG, LINEAGE_LAG)  # made by the process that wrote, right after its write
WRITE_ATTEMPTS = 3


def _quiet(_msg: str) -> None:
    return None


class Application:
    def __init__(self, settings: Settings, embedder: Embedder | None = None, serving: bool = False,
                 sparql_pool: QueryPool | None = None):
        self.settings = settings
        self.serving = serving
        # The server's SPARQL workers, also used to run updates under a time limit (else one each time).
        self.sparql_pool = sparql_pool
        self.store = open_store(settings)
        self._embedder = embedder
        self._searcher: Searcher | None = None
        self._matcher: Matcher | None = None
        self._loading = threading.Lock()
        # One write at a time in this process; GraphStore's file lock serialises processes (a remote
        # store's pointer switch is a compare-and-swap: a write that loses is tried again).
        self._writing = threading.RLock()
        self.followed: dict | None = None  # what follow() last did (a replica on a remote store)

    # -- the model and the indexes, loaded once and shared ------------------------------
    def embedder(self) -> Embedder:
        """The model on the configured backend (torch or ONNX), loaded once."""
        with self._loading:
            if self._embedder is None:
                self._embedder = load_embedder(self.settings)
            return self._embedder

    @property
    def loaded_embedder(self) -> Embedder | None:
        return self._embedder

    def searcher(self) -> Searcher:
        """The searcher; it follows new index versions by itself. Raises IndexMissing.

        A serving application (the web service) puts a query cache and a micro-batcher in front
        of the model, so that concurrent searches share one forward pass."""
        if self._searcher is None:
            embedder = self.embedder()
            if self.serving:
                embedder = serving_embedder(self.settings, embedder)
            with self._loading:
                if self._searcher is None:
                    self._searcher = Searcher.load(self.settings, embedder=embedder)
        return self._searcher

    def matcher(self) -> Matcher:
        """The matcher for the current index version (reloaded after a write). Raises IndexMissing."""
        latest = current_version(self.settings.index_dir)
        if latest is None:
            raise IndexMissing("Søkeindeksen er ikke bygget ennå. Kjør 'regiongraf build' først.")
        matcher = self._matcher
        if matcher is None or matcher.index.version != latest:
            with self._loading:
                matcher = self._matcher
                if matcher is None or matcher.index.version != latest:
                    matcher = self._matcher = Matcher(self.settings)
        return matcher

    # -- state -------------------------------------------------------------------------
    def lagging(self) -> str | None:
        """Why the derived data (index, inferred links) lag the graph, in Norwegian; None if they don't."""
        reader = self.store.reader()
        base = self.settings.base_iri
        source = source_revision(reader, base)
        version = current_version(self.settings.index_dir)
        if version is None:
            return INDEX_MISSING
        try:
            manifest = SearchIndex.load_manifest(self.settings.index_dir, version)
        except (OSError, ValueError):
            return "søkeindeksen kan ikke leses"
        if manifest.get("model") != self.settings.model:
            return "søkeindeksen er laget med en annen modell"
        if source is None or manifest.get("source_revision") != source:
            return "søkeindeksen henger etter grafen"
        if derived_revision(reader, base) != source:
            return LINKS_LAG
        if derived_revision(reader, base, "lineage") != source:
            return LINEAGE_LAG
        return None

    def status(self) -> dict:
        """Generation, revisions and whether derived data lag (for /health and `regiongraf stats`)."""
        generation = self.store.generation()
        if generation is None:
            return {"generation": None, "index": None, "lagging": "ingen graf er bygget"}
        out = {"generation": generation, "index": current_version(self.settings.index_dir), "lagging": self.lagging()}
        if self.settings.remote:  # a replica: which store, and what it last did to follow writes from elsewhere
            out["store"] = self.settings.store
            out["followed"] = self.followed
        return out

    def validate(self, sources: list[Path] | None = None) -> tuple[list, int]:
        """SHACL results for the stored graph, or for documents (`sources`) without building;
        and how many triples were checked. Derived graphs (inferred, lineage, meta) are not checked."""
        data = Graph()
        if sources:
            graphs, _ = source_graphs(self.settings, list(sources))
            for name, g in graphs.items():
                if not name.endswith("/ontology"):
                    data += g
        else:
            for g in self.store.dataset().graphs():
                if not str(g.identifier).endswith(("/ontology", "/inferred", "/lineage", "/meta")):
                    data += g
        return validate_graph(data), len(data)

    # -- writes ------------------------------------------------------------------------
    def build(self, sources: list[Path] | None = None, *, refresh: bool = True,
              progress: Progress = None) -> WriteResult:
        """The graph from the programme documents (default: settings.source) and the curated facts."""
        progress = progress or _quiet
        built = prepare_build(self.settings, sources, progress=progress)
        result = self._write("build", lambda w: apply_build(w, built, self.settings.base_iri), refresh, progress)
        graphs = result.details["graphs"]
        progress(f"Grafen er bygget: {sum(graphs.values())} tripler i {len(graphs)} grafer ({result.generation}).")
        return result

    def import_list(self, data: bytes, filename: str, actor: str, *, key: str | None = None, refresh: bool = True,
                    progress: Progress = None) -> WriteResult:
        """Another actor's list into its own named graph (replacing its previous list).

        `key` names the actor's list when its name alone would not give a key of its own."""
        progress = progress or _quiet
        filename = filename or "opplastet fil"
        progress(f"Leser {filename} for {actor} ...")
        prepared = prepare(self.settings, self.store.reader(), data, filename, actor, key)
        progress(f"Skriver {prepared.count} initiativer til {prepared.name} ...")

        def apply(w):
            replace_graph(w, prepared.name, prepared.graph)
            return prepared.summary()

        result = self._write("import", apply, refresh, progress)
        verb = f"erstattet {prepared.replaced} med" if prepared.replaced else "importerte"
        progress(f"Ferdig: {verb} {prepared.count} initiativer fra {prepared.actor} ({result.generation}).")
        return result

    def remove_import(self, actor: str, *, progress: Progress = None) -> WriteResult:
        """Remove an actor's imported list (its whole named graph)."""
        progress = progress or _quiet
        found = find_list(self.store.reader(), self.settings.base_iri, actor)

        def apply(w):
            remove_graph(w, found.graph)
            return {"actor": found.actor, "actor_id": found.actor_id, "graph": found.graph, "removed": found.count}

        result = self._write("remove-import", apply, True, progress)
        progress(f"Fjernet listen fra {found.actor} ({found.count} initiativer).")
        return result

    def review(self, a: str, b: str, decision: str, note: str | None = None, by: str | None = None, *,
               progress: Progress = None) -> WriteResult:
        """A staff decision on a pair ("accept" or "reject"), replacing any earlier one on the same pair.

        a and b are IRIs or short forms (measure/2025-4.1-3); both must exist in the graph
        (NotFound otherwise), and a bad field raises a UserError that names it.
        """
        progress = progress or _quiet
        base = self.settings.base_iri
        rev = new_review(self.store.reader(), base, a, b, decision, note, by)

        def apply(w):
            previous = record_review(w, base, rev)
            return {"review": rev.to_json(), "replaced": previous.to_json() if previous else None,
                    "graph": reviews_graph(base)}

        result = self._write("review", apply, True, progress)
        verb = "Godtok" if rev.decision == "accept" else "Avviste"
        progress(f"{verb} paret {rev.a_label or rev.a} – {rev.b_label or rev.b} ({result.generation}).")
        return result

    def reviews(self) -> list[Review]:
        """Every decision in the graph, oldest first; `active` is false when a node has vanished."""
        return read_reviews(self.store.reader(), self.settings.base_iri)

    def diff(self, old: str | None = None, new: str | None = None) -> Diff:
        """What became of each item of programme year `old` in year `new` (default: the two newest),
        staff decisions on lineage applied (matching/diff.py). Raises UnknownYear, IndexMissing."""
        old, new, _ = pick_years(self.store.reader(), old, new)  # bad years before loading anything
        return diff_years(self.matcher(), old, new)

    def calibrate(self, *, save: bool = True, progress: Progress = None) -> Calibration:
        """Refit the overlap confidence with the active decisions added to the judged data.

        With `save`, the calibrator is written to $REGIONGRAF_HOME/calibration/overlap.json and
        the inferred links are recomputed so that their confidences follow.
        Raises NothingToCalibrate when no decision is on a pair of nodes in the index.
        """
        progress = progress or _quiet
        decisions = Decisions(self.reviews())
        progress(f"Kalibrerer overlappskåren med {len(decisions)} vurderte par ...")
        outcome = calibrate(decisions, self.matcher())
        if save:
            with self._writing:
                outcome.save(self.settings.home / "calibration" / "overlap.json")
            if current_version(self.settings.index_dir) is not None:
                self.refresh(progress)
        return outcome

    def update(self, text: str, *, inspection: Inspection | None = None, confirm: bool = False,
               progress: Progress = None) -> WriteResult:
        """One SPARQL Update request (token holders only; the HTTP layer checks the token).

        `inspection` is the guard's verdict if the caller already has it (the server checks in a
        sandboxed worker); otherwise the guard runs here, against the current generation. An
        update that empties or replaces graphs (DROP, CLEAR, MOVE, COPY) needs `confirm`. The
        update itself runs in a sandboxed worker process under settings.sparql_update_timeout,
        on the new generation, which is swapped in only if it succeeds.
        """
        reader = self.store.reader()
        checked = inspect_update(reader, text, inspection)
        held = {g.value for g in reader.named_graphs()}
        destroyed = [g for g in checked.destructive if g in ("ALL", "DEFAULT", "NAMED") or g in held]
        if destroyed and not confirm:
            what = ", ".join(_graph_label(g) for g in destroyed)
            undo = ("Forrige versjon kan hentes tilbake med 'regiongraf restore'." if self.store.can_restore() else
                    "Lageret beholder ingen tidligere versjoner (REGIONGRAF_STORE_KEEP=0), så dette kan ikke "
                    "angres med 'regiongraf restore'.")
            raise Conflict(f"Oppdateringen tømmer eller erstatter {what}. Bekreft med confirm=true (i SPARQL-"
                           f"protokollen: /sparql?confirm=true). {undo}")

        def apply(pending):
            if pending.path is None:  # a remote store's new state, in memory here: the worker gets a copy
                w = pending.open()
                counts = self._run_sparql(in_memory_update(w, text, checked.digest),
                                          self.settings.sparql_update_timeout)
                take_update(w, counts)
            else:
                pending.release()  # the worker opens the new generation read-write
                counts = self._run_sparql(UpdateJob(str(pending.path), text, checked.digest),
                                          self.settings.sparql_update_timeout)
            return {"quads_before": counts.quads_before, "quads_after": counts.quads_after}

        return self._write("update", apply, True, progress or _quiet, hand_over=True)

    def _run_sparql(self, job, timeout: float):
        pool = self.sparql_pool or QueryPool(1)
        try:
            return pool.run(job, timeout, what="Oppdateringen")
        finally:
            if pool is not self.sparql_pool:
                pool.close()

    def restore(self, generation: str, *, progress: Progress = None) -> WriteResult:
        """Make a kept generation current again: a new write with its content, then the refresh."""
        progress = progress or _quiet
        old = self.store.open_generation(generation)
        progress(f"Henter tilbake {generation} ...")

        def apply(w):
            w.bulk_extend(old.quads_for_pattern(None, None, None, None))
            return {"restored": generation, "triples": len(w)}

        return self._write("restore", apply, True, progress, copy_current=False)

    def history(self) -> list[dict]:
        """The kept generations, newest first, the current one marked."""
        current = self.store.generation()
        return [{**g.to_json(), "current": g.id == current} for g in reversed(self.store.history())]

    def refresh(self, progress: Progress = None) -> WriteResult:
        """Bring the index and the inferred links up to date with the graph, whatever their state."""
        with self._writing:
            refreshed = self._refresh(progress or _quiet)
        return WriteResult("refresh", self.store.generation(), {}, refreshed)

    def catch_up(self, progress: Progress = None, build_missing: bool = True) -> WriteResult | None:
        """Refresh if the derived data lag the graph (a crash or a failed refresh); None if they don't.

        With `build_missing=False` an index that was never built (`build --graph-only`) is left
        for `regiongraf build`: the server then says so instead of embedding at start.
        """
        if not self.store.exists():
            return None
        reason = self.lagging()
        if reason is None or (reason == INDEX_MISSING and not build_missing):
            return None
        progress = progress or _quiet
        progress(f"Oppdaterer avledede data: {reason} ...")
        return self.refresh(progress)

    def follow(self, progress: Progress = None) -> WriteResult | None:
        """Keep this replica up with writes made through other processes (a remote store).

        The graph itself is read from the store, so it is current within `store_poll` seconds;
        what is local is the search index, brought up to date here by content hash (only texts
        that changed are embedded). The inferred links live in the graph and are made by the
        process that wrote; only when they still lag after `store_grace` seconds (that process
        died) does this replica recompute them. None when nothing lagged."""
        result = None
        for _ in range(2):  # the index, then (when due) the links
            step = self._follow_step(progress or _quiet)
            if step is None:
                return result
            result = step
            if step.refresh.warnings:  # failed: the watcher tries again later
                return result
        return result

    def _follow_step(self, progress) -> WriteResult | None:
        if not self.store.exists():
            return None
        reason = self.lagging()
        if reason is None:
            return None
        if reason == INDEX_MISSING and derived_revision(self.store.reader(), self.settings.base_iri) is None:
            return None  # a graph built --graph-only: model-free here too, as on the embedded store
        if reason in DERIVED_LAG:
            # The process that wrote makes the links right after its write; recompute them here only
            # when that write is older than the grace period (that process died or failed).
            if self.store.age() < self.settings.store_grace:
                return None
            progress(f"Oppdaterer avledede data: {reason} ...")
            return self.refresh(progress)
        progress(f"Oppdaterer søkeindeksen: {reason} ...")
        with self._writing:
            refreshed = self._refresh(progress, with_links=False)
        result = WriteResult("refresh", self.store.generation(), {}, refreshed)
        self.followed = {"generation": result.generation, "index": refreshed.index, "warnings": refreshed.warnings,
                         "time": datetime.now(UTC).isoformat(timespec="seconds")}
        return result

    # -- the one write path ------------------------------------------------------------
    def _write(self, action: str, apply: Callable, refresh: bool, progress, copy_current: bool = True,
               hand_over: bool = False) -> WriteResult:
        """`apply(writable store) -> details`; with `hand_over`, `apply(PendingGeneration)` instead, for
        work another process does on the new generation (graph/store.py)."""
        with self._writing:
            for attempt in range(1, WRITE_ATTEMPTS + 1):
                try:
                    with self.store.pending(copy_current=copy_current, action=action) as pending:
                        details = apply(pending if hand_over else pending.open())
                        w = pending.open()
                        sync_review_links(w, self.settings.base_iri)
                        stamp_source(w, self.settings.base_iri)
                        del w  # the store commits the generation once every handle is gone
                    break
                except WriteConflict:  # another replica wrote first: apply again on top of its write
                    if attempt == WRITE_ATTEMPTS:
                        raise
                    log.info("Skrivingen kolliderte med en annen (%s); prøver igjen", action)
            result = WriteResult(action, self.store.generation(), details)
            # A build creates the derived data; other writes keep up those that exist, so a
            # graph built with --graph-only stays model-free until `regiongraf build` or a search.
            if refresh and (action == "build" or current_version(self.settings.index_dir) is not None):
                result.refresh = self._refresh(progress)
                result.generation = self.store.generation()
            else:
                result.refresh = RefreshResult(skipped=True)
            return result

    def _refresh(self, progress, with_links: bool = True) -> RefreshResult:
        """Index, then the derived graphs (inferred links, lineage), written together, unless
        `with_links` is False. Failures become warnings: the write they follow stands."""
        out = RefreshResult()
        base = self.settings.base_iri
        revision = source_revision(self.store.reader(), base)
        if revision is None:  # a store written before revisions existed: stamp it first
            with self.store.writer(copy_current=True, action="refresh") as w:
                revision = stamp_source(w, base)
        index = _warned(out, "Søkeindeksen", "oppdatert", lambda: update_index(
            self.settings, progress=progress, embedder=self._embedder, load_embedder=self.embedder))
        if index is None:
            return out
        out.index = index.to_json()
        if not with_links:
            return out
        derived: dict[str, list] = {}
        links = _warned(out, "De utledede lenkene", "oppdatert", lambda: infer_links(self.matcher(), progress=progress))
        if links is not None:
            derived["inferred"], out.inferred = links.quads, links.summary()
        lineage = _warned(out, "Årgangskoblingene", "oppdatert",
                          lambda: lineage_links(self.matcher(), progress=progress))
        if lineage is not None:
            derived["lineage"], out.lineage = lineage.quads, lineage.summary()
        if derived and _warned(out, "De utledede lenkene", "skrevet",
                               lambda: self._write_derived(base, revision, derived)) is None:
            out.inferred = out.lineage = None
        return out

    def _write_derived(self, base: str, revision: str, derived: dict[str, list]) -> bool:
        """The derived graphs and their stamps in one generation: readers never see new inferred
        links next to old lineage. When another replica wrote first (a remote store), written again
        on top of its write while the sources are still those they were made from; once the sources
        moved on, the writer that moved them refreshes the derived graphs, and these are dropped
        (False)."""
        for attempt in range(1, WRITE_ATTEMPTS + 1):
            try:
                with self.store.writer(copy_current=True, action="refresh") as w:
                    for name in DERIVED_GRAPHS:
                        if name in derived:
                            replace_graph(w, graph_iri(base, name), derived[name])
                            stamp_derived(w, base, revision, name)
                return True
            except WriteConflict:
                if attempt == WRITE_ATTEMPTS:
                    raise
                if source_revision(self.store.reader(), base) != revision:
                    log.info("Kildene endret seg under oppfriskingen; den som endret dem skriver de utledede grafene")
                    return False
                log.info("Oppfriskingen kolliderte med en annen skriving; prøver igjen")


def _graph_label(graph: str) -> str:
    names = {"ALL": "alle grafene", "DEFAULT": "standardgrafen", "NAMED": "alle navngitte grafer"}
    return names.get(graph, f"<{graph}>")


def _warned(out: RefreshResult, what: str, done: str, work: Callable):
    """`work()`, or None when it failed: the failure becomes a warning in `out`, since the write it
    follows stands, and is retried on the next write or start."""
    try:
        return work()
    except Exception as err:  # noqa: BLE001 - reported, and retried on the next write or start
        log.exception("%s ble ikke %s", what, done)
        out.warnings.append(f"{what} ble ikke {done} ({err}); det prøves igjen ved neste skriving eller oppstart.")
        return None
