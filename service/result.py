"""What every write answers: the same shape for build, import, update, review, removal, restore.

    {"action": "import", ...what this write did (counts, graph names)...,
     "generation": "gen-…",          the store generation readers see now
     "indexed": true, "inferred": true,
     "warnings": ["…"],              Norwegian, for people
     "refresh": {"index": {...} | null, "inferred": {...} | null, "lineage": {...} | null, "warnings": [...],
                 "skipped": false}}

The write itself always stands once it is stored; `indexed`/`inferred` say whether the
derived data caught up at once (if not, the next write or start does it, and /health says so).
"""

from dataclasses import dataclass, field


@dataclass
class RefreshResult:
    index: dict | None = None  # search.index.update.IndexResult as JSON
    inferred: dict | None = None  # matching.inferred.InferredLinks.summary()
    lineage: dict | None = None  # matching.lineage_graph.LineageLinks.summary()
    warnings: list[str] = field(default_factory=list)
    skipped: bool = False  # asked not to refresh now (e.g. `import --no-refresh`)

    @property
    def indexed(self) -> bool:
        return self.index is not None

    @property
    def linked(self) -> bool:
        return self.inferred is not None

    def to_dict(self) -> dict:
        return {"index": self.index, "inferred": self.inferred, "lineage": self.lineage, "warnings": self.warnings,
                "skipped": self.skipped}


@dataclass
class WriteResult:
    action: str  # build | import | remove-import | update | review | restore | refresh
    generation: str | None
    details: dict = field(default_factory=dict)
    refresh: RefreshResult = field(default_factory=RefreshResult)

    @property
    def warnings(self) -> list[str]:
        return self.refresh.warnings

    def to_dict(self) -> dict:
        return {
            "action": self.action, **self.details, "generation": self.generation,
            "indexed": self.refresh.indexed, "inferred": self.refresh.linked,
            "warnings": list(self.refresh.warnings), "refresh": self.refresh.to_dict(),
        }
