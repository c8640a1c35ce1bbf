"""What an import did (or, in a dry run, would do): counts per kind of row, and every row set aside.

Returned by every core import function; management commands print ``report.format()``.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Counts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0


@dataclass(frozen=True)
class RowNote:
    """One row that was repaired, rejected or needs a look; row is the 1-based feature/line number."""

    row: int | None
    source_id: str
    reason: str

    def __str__(self) -> str:
        where = f"row {self.row}" if self.row is not None else "—"
        ident = f" [{self.source_id}]" if self.source_id else ""
        return f"{where}{ident}: {self.reason}"


@dataclass
class ImportReport:
    """created / updated / unchanged per model, plus the rows repaired, rejected (with why) and warned about.

    >>> r = ImportReport(importer="vector", path="a.geojson", source="a")
    >>> r.count("building", created=2)
    >>> r.reject(3, "w1", "expected a polygon, got Point")
    >>> (r.created, r.updated, len(r.rejected))
    (2, 0, 1)
    >>> print(r.format().splitlines()[0])
    DRY RUN (nothing written; add --commit to write) — vector import of a.geojson, source "a"
    """

    importer: str
    path: str
    source: str
    committed: bool = False
    rows_read: int = 0
    counts: dict[str, Counts] = field(default_factory=dict)
    repaired: list[RowNote] = field(default_factory=list)
    rejected: list[RowNote] = field(default_factory=list)
    warnings: list[RowNote] = field(default_factory=list)
    # Per kind of object (OSM): {"in file": n, "stored": n, "rejected": n, "outside": n}; in file is the sum.
    balance: dict[str, dict[str, int]] = field(default_factory=dict)

    def count(self, model: str, *, created: int = 0, updated: int = 0, unchanged: int = 0) -> None:
        c = self.counts.setdefault(model, Counts())
        c.created += created
        c.updated += updated
        c.unchanged += unchanged

    def repair(self, row: int | None, source_id: str, reason: str) -> None:
        self.repaired.append(RowNote(row, source_id, reason))

    def reject(self, row: int | None, source_id: str, reason: str) -> None:
        self.rejected.append(RowNote(row, source_id, reason))

    def warn(self, row: int | None, source_id: str, reason: str) -> None:
        self.warnings.append(RowNote(row, source_id, reason))

    @property
    def created(self) -> int:
        return sum(c.created for c in self.counts.values())

    @property
    def updated(self) -> int:
        return sum(c.updated for c in self.counts.values())

    @property
    def unchanged(self) -> int:
        return sum(c.unchanged for c in self.counts.values())

    def format(self, *, limit: int = 50) -> str:
        """A report for people: totals first, then the notes (at most ``limit`` of each kind)."""
        head = "COMMITTED" if self.committed else "DRY RUN (nothing written; add --commit to write)"
        lines = [f'{head} — {self.importer} import of {self.path}, source "{self.source}"',
                 f"rows read: {self.rows_read}"]
        for model, c in sorted(self.counts.items()):
            lines.append(f"{model}: created {c.created}, updated {c.updated}, unchanged {c.unchanged}")
        lines.append(f"repaired: {len(self.repaired)}, rejected: {len(self.rejected)}, warnings: {len(self.warnings)}")
        for kind, b in sorted(self.balance.items()):
            lines.append(f"{kind} objects in the file: {b['in file']} = stored {b['stored']} + rejected "
                         f"{b['rejected']} + outside the boundary {b['outside']}")
        for title, notes in (("repaired", self.repaired), ("rejected", self.rejected), ("warnings", self.warnings)):
            if notes:
                lines.append(f"{title}:")
                lines.extend(f"  {note}" for note in notes[:limit])
                if len(notes) > limit:
                    lines.append(f"  … and {len(notes) - limit} more")
        return "\n".join(lines)
