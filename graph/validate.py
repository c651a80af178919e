"""SHACL validation of the data against ontology/shapes.ttl, with Norwegian messages."""

from dataclasses import dataclass

from pyshacl import validate as shacl_validate
from rdflib import Graph
from rdflib.namespace import RDF

from graph import ontology
from graph.namespaces import SH


@dataclass
class Violation:
    focus: str
    path: str | None
    message: str
    severity: str

    def __str__(self) -> str:
        where = f" ({self.path})" if self.path else ""
        return f"{self.focus}{where}: {self.message}"


def _message(report: Graph, result) -> str:
    messages = list(report.objects(result, SH.resultMessage))
    nb = [m for m in messages if getattr(m, "language", None) == "nb"]
    return str((nb or messages or ["brudd på en regel"])[0])


def validate_graph(data: Graph) -> list[Violation]:
    """All SHACL results for `data` (the union of the graphs to check)."""
    _, report, _ = shacl_validate(
        data,
        shacl_graph=ontology.shapes(),
        ont_graph=ontology.vocabulary(),
        inference="none",
        allow_warnings=True,
        advanced=True,
    )
    out = []
    for result in report.subjects(RDF.type, SH.ValidationResult):
        severity = report.value(result, SH.resultSeverity)
        path = report.value(result, SH.resultPath)
        out.append(
            Violation(
                focus=str(report.value(result, SH.focusNode)),
                path=str(path) if path is not None else None,
                message=_message(report, result),
                severity=str(severity).rsplit("#", 1)[-1] if severity else "Violation",
            )
        )
    return sorted(out, key=lambda v: (v.severity, v.focus, v.path or ""))


def violations_only(results: list[Violation]) -> list[Violation]:
    return [r for r in results if r.severity == "Violation"]
