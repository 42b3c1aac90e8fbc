"""Validate outcome-tool exports (CSV, XLSX, Parquet) against the data contract and add them to the store.

`python -m kpi ingest FILE... [--table responses|schemes|people_supported] [--data DIR] [--json]`

Every data row of every file ends in exactly one of three places, so each file reconciles as
`read = stored + duplicates + quarantined`:

- stored: it satisfies every rule of `kpi.data.schema` and its key is new;
- duplicate: it is identical (after normalisation) to a stored row or to one earlier in this run;
- quarantined: it breaks a rule, or reuses a key with different content. It is written, with one reason naming
  file, row, column, value and rule, to `quarantine/<timestamp>-<file stem>.csv` in the store.

Row numbers are the ones a person sees in a spreadsheet: the header is row 1 (when it is the first line) and every
physical record counts, blank ones included. Blank records (every cell empty) are not rows: they are not read,
stored or quarantined. For Parquet inputs, row n is the (n-1)th record, as if the file were opened in a spreadsheet.

A run is all-or-nothing: every file is read and its header mapped before the store is touched; if any file cannot
be read or mapped, `IngestError` is raised (exit code 2) and the store is left byte-identical. Otherwise the new
Parquet files are written under fresh names and one `derive.commit` swaps the manifest, so a crash or `kill -9`
at any moment leaves the previous store intact (see `kpi.data.store`). `docs/data-contract.md` describes the rules.
"""

from __future__ import annotations

import argparse
import copy
import csv
import datetime as dt
import io
import json
import os
import re
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Iterator, Sequence

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from kpi.data import derive
from kpi.data import paths as kpi_paths
from kpi.data import schema, store

# Test-only: seconds to sleep after the new files are written and before the manifest swap, so a test can kill -9
# an ingest at the worst moment. It announces the pause on stderr so the test knows when to strike.
PAUSE_ENV = "KHI_TEST_PAUSE_BEFORE_COMMIT"
PAUSE_MARKER = "KHI_TEST_PAUSED_BEFORE_COMMIT"

# Schemes first: responses and people_supported may refer to schemes ingested in the same run, whatever the order
# the files were named in.
TABLE_ORDER = ("schemes", "people_supported", "responses")
QUARANTINE_COLUMNS = ("file", "row", "column", "value", "rule", "reason")
REASONS_SHOWN = 5  # reasons printed (and put in --json) per file; the quarantine file holds them all

_ISO_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?")
_UK_DATE = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})(?: \d{1,2}:\d{2}(?::\d{2})?)?")
_INT = re.compile(r"[+-]?\d+(?:\.0*)?")
_INT32_MAX = 2**31 - 1


class IngestError(Exception):
    """A file cannot be read or its header cannot be mapped; nothing was written. The message names file and columns."""


# ---------------------------------------------------------------------------------------------------------------
# Reports.
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
        }

    def summary(self) -> str:
        return (
            f"{self.path} ({self.table}): read {self.read} = stored {self.stored} + duplicates {self.duplicates}"
            f" + quarantined {self.quarantined}"
        )


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
    rule: str  # short id, e.g. invalid_date
    text: str  # the rule as a sentence about the value

    @property
    def reason(self) -> str:
        where = f"{Path(self.file).name} row {self.row}"
        return f"{where}, column {self.column}: {self.text}" if self.column else f"{where}: {self.text}"


class _Invalid(Exception):
    def __init__(self, rule: str, text: str):
        super().__init__(text)
        self.rule, self.text = rule, text


# ---------------------------------------------------------------------------------------------------------------
# Reading files into (header, numbered records). Values stay as the file holds them (str from CSV; str, number,
# date or bool from XLSX and Parquet) until the contract converts them.
@dataclass
class _Export:
    path: str
    header: list[str]
    header_row: int
    records: list[tuple[int, list[Any]]]  # (spreadsheet row number, values), blank records already dropped
    table: str = ""
    columns: dict[int, str] = field(default_factory=dict)  # position in the file -> contract column
    index: int = 0  # position in the run: one path named twice is two inputs


def _blank(value: Any) -> bool:
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
        if all(_blank(v) for v in values):
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


def read_export(path: str | os.PathLike) -> _Export:
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
    return _Export(str(path), header, header_row, records)


# ---------------------------------------------------------------------------------------------------------------
# Mapping a header onto a table of the contract.
@dataclass
class _Mapping:
    table: str
    columns: dict[int, str]
    missing: list[str]
    unknown: list[str]
    clashes: list[str]

    @property
    def ok(self) -> bool:
        return not (self.missing or self.unknown or self.clashes)


def _map_header(export: _Export, table: str) -> _Mapping:
    columns: dict[int, str] = {}
    unknown: list[str] = []
    clashes: list[str] = []
    seen: dict[str, str] = {}
    for i, name in enumerate(export.header):
        if not name:
            # A nameless column is only harmless when it is empty (trailing commas, formatted spreadsheet cells).
            if any(i < len(v) and not _blank(v[i]) for _, v in export.records):
                unknown.append(f"(no name, column {i + 1})")
            continue
        target = schema.match_header(table, name)
        if target is None:
            unknown.append(repr(name))
        elif target in seen:
            clashes.append(f"{seen[target]!r} and {name!r} both mean {target}")
        else:
            seen[target] = name
            columns[i] = target
    required = [c.name for c in schema.TABLES[table].columns if c.required]
    missing = [c for c in required if c not in columns.values()]
    return _Mapping(table, columns, missing, unknown, clashes)


def _header_error(export: _Export, m: _Mapping) -> str:
    parts = []
    if m.missing:
        parts.append("missing required columns: " + ", ".join(m.missing))
    if m.unknown:
        parts.append("unknown columns: " + ", ".join(m.unknown))
    if m.clashes:
        parts.append("duplicate columns: " + "; ".join(m.clashes))
    return (
        f"{export.path}: the header cannot be mapped to the {m.table} table ({'; '.join(parts)}). Headers match"
        " contract column names ignoring case, spaces, underscores and punctuation; see docs/data-contract.md"
    )


def map_header(export: _Export, table: str | None = None) -> None:
    """Set export.table and export.columns, detecting the table when none is given; IngestError when unmappable."""
    if table is not None and table not in schema.TABLES:
        raise IngestError(f"unknown table {table!r}: expected one of {', '.join(schema.TABLES)}")
    if table is not None:
        m = _map_header(export, table)
    else:
        tried = [_map_header(export, t) for t in schema.TABLES]
        fits = [m for m in tried if not m.missing and not m.clashes]
        if len(fits) > 1:
            fewest = min(len(m.unknown) for m in fits)
            fits = [m for m in fits if len(m.unknown) == fewest]
        if len(fits) > 1:
            raise IngestError(
                f"{export.path}: the header fits more than one table ({', '.join(m.table for m in fits)});"
                " say which with --table"
            )
        # With no fit, report against the table the header resembles most: its complaints are the useful ones.
        m = fits[0] if fits else max(tried, key=lambda m: (len(m.columns) - len(m.missing), -len(m.unknown)))
    if not m.ok:
        raise IngestError(_header_error(export, m))
    export.table, export.columns = m.table, m.columns


# ---------------------------------------------------------------------------------------------------------------
# Converting one value to the contract's type. Each failure names its rule.
def _show(value: Any) -> str:
    if isinstance(value, dt.datetime):  # spreadsheet date cells arrive as midnight datetimes
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return "" if value is None else str(value)


def _to_date(raw: Any, today: dt.date) -> dt.date:
    if isinstance(raw, dt.datetime):
        day = raw.date()
    elif isinstance(raw, dt.date):
        day = raw
    else:
        text = str(raw).strip()
        iso, uk = _ISO_DATE.fullmatch(text), _UK_DATE.fullmatch(text)
        try:
            if iso:
                day = dt.date(int(iso[1]), int(iso[2]), int(iso[3]))
            elif uk:
                day = dt.date(int(uk[3]), int(uk[2]), int(uk[1]))
            else:
                raise ValueError(text)
        except ValueError:
            raise _Invalid(
                "invalid_date", f"'{text}' is not a valid date (expected YYYY-MM-DD or DD/MM/YYYY)"
            ) from None
    if day < schema.EARLIEST_DATE:
        raise _Invalid(
            "date_too_early", f"'{_show(raw)}' is before {schema.EARLIEST_DATE.isoformat()}, the earliest date accepted"
        )
    if day > today:
        raise _Invalid("future_date", f"'{_show(raw)}' is in the future (today is {today.isoformat()})")
    return day


def _to_int(col: schema.Column, raw: Any) -> int:
    value: int | None = None
    if isinstance(raw, bool):
        value = None  # True is an int to Python, not to a person counting friends
    elif isinstance(raw, int):
        value = raw
    elif isinstance(raw, float):
        value = int(raw) if raw.is_integer() else None
    else:
        text = str(raw).strip()
        if _INT.fullmatch(text):
            value = int(text.split(".")[0])
        elif col.name == "year":
            value = schema.parse_fy_label(text)  # exports print financial years as '2019-20'
    if value is None:
        if col.name == "year":
            raise _Invalid("invalid_year", f"'{_show(raw)}' is not a year (expected 2019 or 2019-20)")
        raise _Invalid("not_whole_number", f"'{_show(raw)}' is not a whole number")
    if col.minimum is not None and value < col.minimum:
        raise _Invalid("out_of_range", f"'{_show(raw)}' is below the minimum of {col.minimum}")
    if col.maximum is not None and value > col.maximum:
        raise _Invalid("out_of_range", f"'{_show(raw)}' is above the maximum of {col.maximum}")
    if value > _INT32_MAX:  # the stored columns are int32/int64; no real count comes near this
        raise _Invalid("out_of_range", f"'{_show(raw)}' is too large to be a count")
    return value


def _to_bool(raw: Any) -> bool:
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, (int, float)) and raw in (0, 1):
        return bool(raw)
    matched = schema.match_value("bool", str(raw))
    if matched is None:
        raise _Invalid("not_yes_no", f"'{_show(raw)}' is not a yes/no answer (allowed: yes, no, true, false, 1, 0)")
    return matched == "true"


def convert(col: schema.Column, raw: Any, today: dt.date) -> Any:
    """The stored value for one cell, or _Invalid naming the rule it breaks. Empty cells become None."""
    if _blank(raw):
        if col.required:
            raise _Invalid("required", "value is missing (the column is required)")
        return None
    if col.kind == "string":
        return _show(raw).strip()
    if col.kind == "enum":
        matched = schema.match_value(col.domain, _show(raw))
        if matched is None:
            raise _Invalid(
                "not_allowed", f"'{_show(raw)}' is not an allowed value (allowed: {', '.join(col.allowed)})"
            )
        return matched
    if col.kind == "date":
        return _to_date(raw, today)
    if col.kind == "int":
        return _to_int(col, raw)
    if col.kind == "bool":
        return _to_bool(raw)
    raise AssertionError(f"column kind {col.kind!r} has no converter")


# ---------------------------------------------------------------------------------------------------------------
# Looking up stored rows by key without loading the store: a vectorised membership test per Parquet file, then
# only the matching rows are read and compared. Linear in the store, never quadratic.
def _key_text(values: Sequence[Any]) -> str:
    return "\x1f".join(str(v) for v in values)


def _key_array(table: pa.Table, key: Sequence[str]) -> pa.ChunkedArray:
    if len(key) == 1:
        return pc.cast(table.column(key[0]), pa.string())
    return pc.binary_join_element_wise(*(pc.cast(table.column(k), pa.string()) for k in key), "\x1f")


def stored_rows_by_key(root: Path, manifest: store.Manifest, table: str, keys: Iterable[str]) -> dict[str, tuple]:
    """Stored rows of `table` whose key text is in `keys`, as contract-ordered tuples keyed by key text."""
    wanted = pa.array(sorted(set(keys)), pa.string())
    if len(wanted) == 0:
        return {}
    spec = schema.TABLES[table]
    target = schema.arrow_schema(table)
    found: dict[str, tuple] = {}
    for path in manifest.files(root, table):
        mask = pc.is_in(_key_array(pq.read_table(path, columns=list(spec.key)), spec.key), value_set=wanted)
        if not pc.any(mask).as_py():
            continue
        rows = pq.read_table(path, columns=list(target.names)).select(target.names).cast(target).filter(mask)
        for row in rows.to_pylist():
            values = tuple(row[c] for c in target.names)
            found[_key_text([row[k] for k in spec.key])] = values
    return found


# ---------------------------------------------------------------------------------------------------------------
# Validating rows.
@dataclass
class _Seen:
    """A row accepted earlier in this run, so later rows with its key are duplicates or conflicts."""

    values: tuple
    where: str


@dataclass
class _Run:
    root: Path
    manifest: store.Manifest
    today: dt.date
    schemes: set[str]
    seen: dict[str, dict[str, _Seen]] = field(default_factory=lambda: {t: {} for t in schema.TABLES})
    new_rows: dict[str, list[tuple]] = field(default_factory=lambda: {t: [] for t in schema.TABLES})
    quarantine: dict[int, list[tuple[Problem, list[Any]]]] = field(default_factory=dict)  # by export.index


def _validate(export: _Export, number: int, values: list[Any], run: _Run) -> tuple | Problem:
    spec = schema.TABLES[export.table]
    if len(values) > len(export.header) and any(not _blank(v) for v in values[len(export.header):]):
        return Problem(export.path, number, "", "", "too_many_values",
                       f"has {len(values)} values but the header has {len(export.header)} columns")
    cells = {name: (values[i] if i < len(values) else None) for i, name in export.columns.items()}
    out = []
    for col in spec.columns:
        raw = cells.get(col.name)
        try:
            out.append(convert(col, raw, run.today))
        except _Invalid as bad:
            return Problem(export.path, number, col.name, _show(raw), bad.rule, bad.text)
    row = tuple(out)
    for column, target in spec.references.items():
        value = row[spec.names.index(column)]
        if target == "schemes.scheme_id" and value not in run.schemes:
            return Problem(export.path, number, column, value, "unknown_scheme",
                           f"'{value}' is not a scheme in the store or earlier in this ingest")
    return row


def _conflict_text(key_value: str, where: str, names: Sequence[str], old: tuple, new: tuple) -> str:
    differ = [n for n, a, b in zip(names, old, new) if a != b]
    return f"'{key_value}' is already {where} with different content ({', '.join(differ)} differ)"


def _ingest_export(export: _Export, run: _Run) -> FileReport:
    spec = schema.TABLES[export.table]
    report = FileReport(export.path, export.table, read=len(export.records))
    key_idx = [spec.names.index(k) for k in spec.key]
    key_column = ", ".join(spec.key)
    valid: list[tuple[int, list[Any], tuple, str]] = []
    problems: list[tuple[Problem, list[Any]]] = []
    for number, values in export.records:
        result = _validate(export, number, values, run)
        if isinstance(result, Problem):
            problems.append((result, values))
        else:
            valid.append((number, values, result, _key_text([result[i] for i in key_idx])))
    stored = stored_rows_by_key(run.root, run.manifest, export.table, (k for *_, k in valid))
    seen = run.seen[export.table]
    for number, values, row, key in valid:
        shown_key = key.replace("\x1f", ", ")
        earlier = stored.get(key)
        where = "stored"
        if earlier is None and key in seen:
            earlier, where = seen[key].values, seen[key].where
        if earlier is None:
            seen[key] = _Seen(row, f"in row {number} of {Path(export.path).name}")
            run.new_rows[export.table].append(row)
            if export.table == "schemes":
                run.schemes.add(row[0])
            report.stored += 1
        elif earlier == row:
            report.duplicates += 1
        else:
            text = _conflict_text(shown_key, where, spec.names, earlier, row)
            problems.append((Problem(export.path, number, key_column, shown_key, "conflicting_key", text), values))
    problems.sort(key=lambda p: p[0].row)
    report.quarantined = len(problems)
    report.reasons = [p.reason for p, _ in problems]
    if problems:
        run.quarantine[export.index] = problems
    return report


# ---------------------------------------------------------------------------------------------------------------
# Writing.
def _arrow(table: str, rows: Sequence[tuple]) -> pa.Table:
    target = schema.arrow_schema(table)
    columns = list(zip(*rows)) if rows else [[] for _ in target.names]
    return pa.Table.from_arrays([pa.array(c, type=f.type) for c, f in zip(columns, target)], schema=target)


def _quarantine_csv(export: _Export, problems: list[tuple[Problem, list[Any]]]) -> str:
    buf = io.StringIO()
    buf.write("\ufeff")  # a BOM, so Excel shows non-ASCII names in the refused rows correctly
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow([*QUARANTINE_COLUMNS, *export.header])
    for p, values in problems:
        original = [_show(v) for v in values] + [""] * (len(export.header) - len(values))
        writer.writerow([p.file, p.row, p.column, p.value, p.rule, p.reason, *original])
    return buf.getvalue()


def _quarantine_name(root: Path, stamp: str, path: str, taken: set[str]) -> str:
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", Path(path).stem) or "export"
    rel, n = f"quarantine/{stamp}-{stem}.csv", 1
    while rel in taken or (root / rel).exists():
        n += 1
        rel = f"quarantine/{stamp}-{stem}-{n}.csv"
    taken.add(rel)
    return rel


def _write(run: _Run, exports: list[_Export], reports: list[FileReport]) -> store.Manifest:
    """Write the run's new files (none live yet) and return the manifest that would make them live."""
    root, old = run.root, run.manifest
    new = copy.deepcopy(old)
    responses = run.new_rows["responses"]
    if responses:
        by_year: dict[int, list[tuple]] = {}
        at = schema.RESPONSES.names.index("completed_on")
        for row in responses:
            by_year.setdefault(schema.financial_year(row[at]), []).append(row)
        added = [
            store.write_parquet(root, f"responses/fy={fy}/{store.new_file_name()}", _arrow("responses", rows))
            for fy, rows in sorted(by_year.items())
        ]
        new.tables["responses"] = [*old.tables.get("responses", []), *added]
        new.rows["responses"] = old.rows.get("responses", 0) + len(responses)
    for table in ("schemes", "people_supported"):
        if run.new_rows[table]:
            # Small tables: one file holding old and new rows, so readers never stitch many tiny files.
            whole = pa.concat_tables([store.read_table(root, table), _arrow(table, run.new_rows[table])])
            new.tables[table] = [store.write_parquet(root, f"{table}/{store.new_file_name()}", whole)]
            new.rows[table] = whole.num_rows
    stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    taken: set[str] = set()
    for export in exports:
        problems = run.quarantine.get(export.index)
        if problems:
            rel = _quarantine_name(root, stamp, export.path, taken)
            store.write_text(root, rel, _quarantine_csv(export, problems))
            reports[export.index].quarantine_file = rel
            new.quarantine.append(rel)
            new.quarantined_rows += len(problems)
    return new


def _pause_for_tests() -> None:
    seconds = os.environ.get(PAUSE_ENV)
    if seconds:
        print(PAUSE_MARKER, file=sys.stderr, flush=True)
        time.sleep(float(seconds))


def ingest(
    paths: Sequence[str | os.PathLike] | str | os.PathLike,
    table: str | None = None,
    data_dir: str | os.PathLike | None = None,
    *,
    today: dt.date | None = None,
) -> IngestReport:
    """Validate export files against the contract and commit their new rows to the store in one step.

    Parameters: `paths` one path or several (CSV, XLSX, Parquet); `table` forces the table (else detected from
    each header); `data_dir` the store (else KHI_DATA_DIR, else the bundled sample); `today` the last date accepted
    (defaults to date.today(); tests pin it).

    Returns an IngestReport with one FileReport per path, in the order given. Raises IngestError, before touching
    the store, when any file cannot be read or its header cannot be mapped (all-or-nothing per run).
    """
    items = [paths] if isinstance(paths, (str, os.PathLike)) else list(paths)
    if not items:
        raise IngestError("no files to ingest")
    root = kpi_paths.data_dir(data_dir)
    exports, errors = [], []
    for i, p in enumerate(items):
        try:
            export = read_export(p)
            map_header(export, table)
            export.index = i
            exports.append(export)
        except IngestError as exc:
            errors.append(str(exc))
    if errors:
        raise IngestError(errors[0] if len(errors) == 1 else f"{len(errors)} files failed: " + " | ".join(errors))

    with store.locked(root):
        manifest = store.read_manifest(root)
        schemes = set(store.read_table(root, "schemes", columns=["scheme_id"]).column("scheme_id").to_pylist())
        run = _Run(root, manifest, today or dt.date.today(), schemes)
        reports: list[FileReport | None] = [None] * len(exports)
        for export in sorted(exports, key=lambda e: TABLE_ORDER.index(e.table)):
            reports[export.index] = _ingest_export(export, run)
        if not any(run.new_rows.values()) and not run.quarantine:
            return IngestReport(str(root), reports, committed=False, version=manifest.version)
        new = _write(run, exports, reports)
        _pause_for_tests()
        committed = derive.commit(root, new)  # also removes orphans (quarantine files of killed runs included)
    return IngestReport(str(root), reports, committed=True, version=committed.version)


# ---------------------------------------------------------------------------------------------------------------
# Command line.
def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("files", nargs="+", metavar="FILE", help="CSV (UTF-8), XLSX or Parquet exports")
    parser.add_argument("--table", choices=tuple(schema.TABLES), help="the table the files hold (default: detect)")
    parser.add_argument("--data", metavar="DIR", help="the store to add to (default: KHI_DATA_DIR, else the sample)")
    parser.add_argument("--json", action="store_true", help="print the reconciliation as one JSON object")


def run(args: argparse.Namespace) -> int:
    try:
        report = ingest(args.files, table=args.table, data_dir=args.data)
    except (IngestError, store.StoreError) as exc:
        if args.json:
            print(json.dumps({"ok": False, "error": str(exc), "committed": False, "files": []}, indent=2))
        else:
            print(f"error: {exc}\nThe store was not changed.", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(report.to_json(), indent=2))
        return 0
    for f in report.files:
        print(f.summary())
        if f.quarantine_file:
            print(f"  quarantined rows and their reasons: {Path(report.data_dir) / f.quarantine_file}")
        for reason in f.reasons[:REASONS_SHOWN]:
            print(f"  {reason}")
        if len(f.reasons) > REASONS_SHOWN:
            print(f"  ... and {len(f.reasons) - REASONS_SHOWN} more in the quarantine file")
    if report.committed:
        print(f"Committed store version {report.version} at {report.data_dir}")
    else:
        print(f"Nothing new to store; {report.data_dir} is unchanged")
    return 0
