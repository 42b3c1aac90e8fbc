"""Reading export files (CSV, XLSX, Parquet) into a header and numbered records, as a spreadsheet numbers them."""

from __future__ import annotations

import csv
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Iterator, Sequence

import pyarrow.parquet as pq


class IngestError(Exception):
    """The run cannot start (a file unreadable or unmappable, or the store is the bundled sample); nothing written."""


# Reading files into (header, numbered records). Values stay as the file holds them (str from CSV; str, number,
# date or bool from XLSX and Parquet) until the contract converts them.
@dataclass
class Export:
    path: str
    header: list[str]
    header_row: int
    records: list[tuple[int, list[Any]]]  # (spreadsheet row number, values), blank records already dropped
    table: str = ""
    columns: dict[int, str] = field(default_factory=dict)  # position in the file -> contract column
    index: int = 0  # position in the run: one path named twice is two inputs


def blank(value: Any) -> bool:
    # NaN is how pandas-written Parquet says "empty" in a number column.
    return value is None or (isinstance(value, str) and not value.strip()) or (
        isinstance(value, float) and value != value
    )


def _numbered(rows: Iterable[Sequence[Any]], path: str) -> tuple[list[str], int, list[tuple[int, list[Any]]]]:
    header: list[str] | None = None
    header_row = 0
    records: list[tuple[int, list[Any]]] = []
    for number, values in enumerate(rows, start=1):
        values = list(values)
        if all(blank(v) for v in values):
            continue  # blank records are not rows, but they keep their place in the numbering
        if header is None:
            header = ["" if v is None else str(v).strip() for v in values]
            header_row = number
        else:
            records.append((number, values))
    if header is None:
        raise IngestError(f"{path}: the file is empty (no header row)")
    return header, header_row, records


def _read_csv(path: Path) -> Iterator[list[str]]:
    try:
        # utf-8-sig drops a BOM when there is one; newline="" lets csv handle CRLF and quoted line breaks itself.
        with open(path, encoding="utf-8-sig", newline="") as fh:
            yield from csv.reader(fh)
    except UnicodeDecodeError as exc:
        raise IngestError(
            f"{path}: is not UTF-8 text ({exc.reason} at byte {exc.start}); save it as 'CSV UTF-8' and try again"
        ) from exc
    except csv.Error as exc:
        raise IngestError(f"{path}: is not a readable CSV file ({exc})") from exc


def _read_xlsx(path: Path) -> list[tuple[Any, ...]]:
    import openpyxl  # only XLSX inputs pay for the import

    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a damaged or non-XLSX file
        raise IngestError(f"{path}: is not a readable XLSX workbook ({exc})") from exc
    try:
        # read_only yields one tuple per sheet row from row 1, empty rows included, so numbering stays true.
        return list(wb.worksheets[0].iter_rows(values_only=True))
    finally:
        wb.close()


def _read_parquet(path: Path) -> Iterator[list[Any]]:
    try:
        pf = pq.ParquetFile(path)
    except Exception as exc:  # pyarrow raises ArrowInvalid, OSError... for a damaged file
        raise IngestError(f"{path}: is not a readable Parquet file ({exc})") from exc
    yield list(pf.schema_arrow.names)
    for batch in pf.iter_batches(batch_size=65_536):
        columns = [col.to_pylist() for col in batch.columns]
        yield from (list(values) for values in zip(*columns))


def _kind(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix in (".csv", ".txt"):
        return "csv"
    if suffix in (".xlsx", ".xlsm"):
        return "xlsx"
    if suffix in (".parquet", ".pq"):
        return "parquet"
    with open(path, "rb") as fh:  # an export saved without its extension: trust the magic bytes
        magic = fh.read(4)
    return "xlsx" if magic.startswith(b"PK") else "parquet" if magic == b"PAR1" else "csv"


def read_export(path: str | os.PathLike) -> Export:
    """Read one export into its header and numbered non-blank records; IngestError when it cannot be read."""
    p = Path(path)
    if not p.is_file():
        raise IngestError(f"{path}: no such file")
    try:
        kind = _kind(p)
        rows = {"csv": _read_csv, "xlsx": _read_xlsx, "parquet": _read_parquet}[kind](p)
        header, header_row, records = _numbered(rows, str(path))
    except OSError as exc:
        raise IngestError(f"{path}: cannot be read ({exc})") from exc
    return Export(str(path), header, header_row, records)
