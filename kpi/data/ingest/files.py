"""Reading an export file (CSV, XLSX, Parquet) into sheets of numbered rows, or IngestError naming the file.

Each format has its reader (`csv_text`, `workbook`, `parquet_file`); this module decides which one reads a file,
from its first bytes as much as from its name: a workbook named .csv, or binary data, is refused with a message that
says what the file is, never read as garbled text.
"""

from __future__ import annotations

import os
from pathlib import Path

from kpi.data.ingest.csv_text import read_csv
from kpi.data.ingest.errors import IngestError
from kpi.data.ingest.export import Export, Sheet
from kpi.data.ingest.parquet_file import read_parquet
from kpi.data.ingest.values import blank
from kpi.data.ingest.workbook import read_workbook
from kpi.data.said import Said
from kpi.i18n import N_

__all__ = ["IngestError", "Export", "Sheet", "blank", "read_export"]

_SUFFIXES = {".csv": "csv", ".txt": "csv", ".tsv": "csv", ".xlsx": "xlsx", ".xlsm": "xlsx", ".parquet": "parquet",
             ".pq": "parquet"}
_MAGIC = ((b"PK\x03\x04", "xlsx"), (b"PAR1", "parquet"), (b"\xd0\xcf\x11\xe0", "ole2"))
_DESCRIBED = {"xlsx": N_("a zip archive (an XLSX workbook?)"), "parquet": N_("a Parquet file"),
              "ole2": N_("an old binary Office file")}


def _kind(path: Path) -> str:
    with open(path, "rb") as fh:
        magic = fh.read(4)
    by_content = next((kind for m, kind in _MAGIC if magic.startswith(m)), None)
    named = _SUFFIXES.get(path.suffix.lower())
    if by_content == "ole2":
        raise IngestError(Said(N_("{path}: is an old binary Office file (.xls) or a password-protected workbook,"
                                  " which ingest does not read; save it, without a password, as .xlsx or as CSV"
                                  " UTF-8"), path=path))
    if named is None:  # an export saved without its extension: trust the magic bytes
        return by_content or "csv"
    if named == "csv" and by_content is not None:
        raise IngestError(Said(N_("{path}: is named {suffix} but is {what}, not CSV text; give it its real"
                                  " extension"), path=path, suffix=path.suffix, what=Said(_DESCRIBED[by_content])))
    return named


def read_export(path: str | os.PathLike) -> Export:
    """Read one export into sheets of numbered non-blank rows; IngestError when it cannot be read."""
    p = Path(path)
    if not p.is_file():
        raise IngestError(Said(N_("{path}: no such file"), path=path))
    try:
        if p.stat().st_size == 0:
            raise IngestError(Said(N_("{path}: the file is empty (0 bytes)"), path=path))
        kind = _kind(p)
        if kind == "csv":
            rows, dialect = read_csv(p)
            export = Export(str(path), kind, [Sheet("", rows)], dialect.describe(), dialect.to_json())
        elif kind == "xlsx":
            sheets, notes = read_workbook(p)
            names = Said.join(", ", (Said(N_("'{sheet}' (hidden)"), sheet=s.name) if s.hidden else f"'{s.name}'"
                                     for s in sheets))
            read_as = Said.ngettext("read as XLSX: {n} worksheet: {names}", "read as XLSX: {n} worksheets: {names}",
                                    len(sheets), names=names)
            export = Export(str(path), kind, sheets, read_as,
                            {"format": "xlsx", "sheets": [s.name for s in sheets]}, notes)
        else:
            export = Export(str(path), kind, [read_parquet(p)], Said(N_("read as Parquet")), {"format": "parquet"})
    except OSError as exc:
        raise IngestError(Said(N_("{path}: cannot be read ({error})"), path=path, error=exc)) from exc
    if not any(sheet.rows for sheet in export.sheets):
        raise IngestError(Said(N_("{path}: the file is empty (no header row)"), path=path))
    return export
