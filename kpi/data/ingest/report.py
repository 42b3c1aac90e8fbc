"""What an ingest run reports: per-file reconciliations, the run's outcome, and why each refused row was refused."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kpi.data.said import Said
from kpi.i18n import N_, _

REASONS_SHOWN = 5  # reasons printed (and put in --json) per file; the quarantine file holds them all


@dataclass
class SheetReport:
    """How one sheet of a workbook reconciled, or why it was skipped (header_row None)."""

    sheet: str
    header_row: int | None
    read: int = 0
    stored: int = 0
    duplicates: int = 0
    quarantined: int = 0
    skipped: str | None = None

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class FileReport:
    """How one input file reconciled: read = stored + duplicates + quarantined."""

    path: str
    table: str
    read: int = 0
    stored: int = 0
    duplicates: int = 0
    quarantined: int = 0
    quarantine_file: str | None = None  # relative to the store, as listed in Manifest.quarantine
    reasons: list[str] = field(default_factory=list)  # one per quarantined row, in row order
    match: str = ""  # the table the file was matched to, and why
    read_as: str = ""  # the format, and for CSV the encoding and delimiter detected
    notes: list[str] = field(default_factory=list)  # title rows above the header, sheets skipped...
    sheets: list[SheetReport] = field(default_factory=list)  # workbooks only: one per worksheet

    @property
    def reconciles(self) -> bool:
        return self.read == self.stored + self.duplicates + self.quarantined

    def to_json(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "table": self.table,
            "read": self.read,
            "stored": self.stored,
            "duplicates": self.duplicates,
            "quarantined": self.quarantined,
            "quarantine_file": self.quarantine_file,
            "reasons": self.reasons[:REASONS_SHOWN],
            "match": self.match,
            "read_as": self.read_as,
            "notes": self.notes,
            "sheets": [s.to_json() for s in self.sheets],
        }

    def summary(self) -> str:
        """One line for the command line, in the current language."""
        return _("{path} ({table}): read {read} = stored {stored} + duplicates {duplicates} + quarantined"
                 " {quarantined}").format(path=self.path, table=self.table, read=self.read, stored=self.stored,
                                          duplicates=self.duplicates, quarantined=self.quarantined)


@dataclass
class IngestReport:
    """The outcome of one ingest run: per-file reconciliations and whether a new store version was committed."""

    data_dir: str
    files: list[FileReport]
    committed: bool = False  # False when every row was a duplicate: nothing new, the store is untouched
    version: int = 0  # the live manifest version after the run

    def to_json(self) -> dict[str, Any]:
        totals = {k: sum(getattr(f, k) for f in self.files) for k in ("read", "stored", "duplicates", "quarantined")}
        return {
            "ok": True,
            "data_dir": self.data_dir,
            "committed": self.committed,
            "version": self.version,
            "totals": totals,
            "files": [f.to_json() for f in self.files],
        }


@dataclass
class Problem:
    """Why one row is quarantined: exactly one rule, on one column (or on the whole row when column is '')."""

    file: str
    row: int
    column: str
    value: str
    rule: str  # short id, e.g. invalid_date (a code: never translated)
    text: str  # the rule as a sentence about the value (a `Said`: the upload page shows it in Welsh)
    sheet: str = ""  # the worksheet, when the file is a workbook of several sheets

    @property
    def reason(self) -> Said:
        """File, row, column, the rule as a sentence, and its id: `one.csv row 7, column x: ... [invalid_date]`.
        One whole sentence for each combination, so a translation can order its parts as its language needs."""
        said = dict(file=Path(self.file).name, sheet=self.sheet, row=self.row, column=self.column, problem=self.text,
                    rule=self.rule)
        if self.sheet and self.column:
            return Said(N_("{file} sheet '{sheet}' row {row}, column {column}: {problem} [{rule}]"), **said)
        if self.sheet:
            return Said(N_("{file} sheet '{sheet}' row {row}: {problem} [{rule}]"), **said)
        if self.column:
            return Said(N_("{file} row {row}, column {column}: {problem} [{rule}]"), **said)
        return Said(N_("{file} row {row}: {problem} [{rule}]"), **said)
