"""What reading a file yields (its sheets of numbered rows) and what mapping adds (the header and table of each
sheet). A CSV or Parquet file is one sheet; a workbook has one per worksheet."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from kpi.data import aliases


@dataclass
class Sheet:
    """One grid as read: non-blank rows with their spreadsheet row numbers. Values stay as the file holds them
    (str from CSV; str, number, date, bool or a `values` marker from XLSX and Parquet) until the contract converts
    them."""

    name: str  # '' for CSV and Parquet
    rows: list[tuple[int, list[Any]]]
    fixed_header: bool = False  # Parquet: the header is the schema's column names, never searched for
    hidden: bool = False


@dataclass
class Part:
    """The data rows of one sheet under its header row, mapped onto the file's table."""

    sheet: str
    header: list[str]
    header_row: int
    columns: dict[int, str]  # position in the sheet -> contract column
    records: list[tuple[int, list[Any]]]
    layout: list[int | None] | None = None  # for each position in the sheet, its position in Export.header

    @cached_property
    def normalised_header(self) -> list[str]:
        return [aliases.normalise(h) for h in self.header]

    def aligned(self, values: list[Any], width: int) -> list[Any]:
        """The row laid out under the file's header (for the quarantine file); extra values stay at the end."""
        if self.layout is None:
            return values
        out: list[Any] = [None] * width
        for i, value in enumerate(values[: len(self.layout)]):
            at = self.layout[i]
            if at is not None:
                out[at] = value
        return out + list(values[len(self.layout):])


@dataclass
class Export:
    path: str
    kind: str  # csv, xlsx or parquet
    sheets: list[Sheet]
    read_as: str = ""  # how the file was read, for the report ("read as CSV: UTF-8, semicolon-delimited")
    dialect: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)  # what a person should know: sheets skipped, title rows...
    # Set by headers.map_header:
    header: list[str] = field(default_factory=list)  # the first data sheet's header, plus later sheets' extras
    header_row: int = 0
    parts: list[Part] = field(default_factory=list)
    table: str = ""
    columns: dict[int, str] = field(default_factory=dict)  # position in `header` -> contract column
    match: str = ""  # which table the file was matched to, and why
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (sheet, why it was not read)
    index: int = 0  # position in the run: one path named twice is two inputs

    @property
    def records(self) -> list[tuple[int, list[Any]]]:
        return [r for part in self.parts for r in part.records]

    @property
    def several_sheets(self) -> bool:
        """Whether row numbers need their sheet's name to be found (a workbook of more than one sheet)."""
        return self.kind == "xlsx" and len(self.sheets) > 1
