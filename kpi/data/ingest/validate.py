"""Validating rows: contract rules, references to schemes, and keys against the store and earlier rows of the run.

Stored rows are looked up by key without loading the store: a vectorised membership test per Parquet file, then only
the matching rows are read and compared. Linear in the store, never quadratic.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Sequence

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from kpi.data import aliases, schema, store
from kpi.data.ingest.cells import Invalid, convert
from kpi.data.ingest.export import Export, Part
from kpi.data.ingest.report import FileReport, Problem, SheetReport
from kpi.data.ingest.values import blank, shown, writable
from kpi.data.said import Said
from kpi.i18n import N_


def key_text(values: Sequence[Any]) -> str:
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
            found[key_text([row[k] for k in spec.key])] = values
    return found


@dataclass
class Seen:
    """A row accepted earlier in this run, so later rows with its key are duplicates or conflicts."""

    values: tuple
    row: int
    sheet: str  # '' unless the file is a workbook of several sheets
    file: str


@dataclass
class Run:
    root: Path
    manifest: store.Manifest
    today: dt.date
    schemes: set[str]
    seen: dict[str, dict[str, Seen]] = field(default_factory=lambda: {t: {} for t in schema.TABLES})
    new_rows: dict[str, list[tuple]] = field(default_factory=lambda: {t: [] for t in schema.TABLES})
    quarantine: dict[int, list[tuple[Problem, list[Any]]]] = field(default_factory=dict)  # by export.index


# Conversion errors other than Invalid are bugs of a converter meeting a value nobody foresaw: the row is quarantined
# with the error's name rather than the run ending in a traceback.
_UNFORESEEN = (ValueError, TypeError, OverflowError, ArithmeticError, UnicodeError, AttributeError)


def _same_as_header(part: Part, values: list[Any]) -> bool:
    header = part.normalised_header
    first = min(part.columns)  # one cell decides for nearly every row: only a likely repeat is compared whole
    cell = values[first] if first < len(values) else None
    # Normalising drops at most spaces and punctuation: a cell much longer or shorter cannot match (and costs nothing).
    if not isinstance(cell, str) or len(cell) < len(header[first]) or len(cell) > 2 * len(part.header[first]) + 8:
        return False
    if aliases.normalise(cell) != header[first]:
        return False
    cells = [aliases.normalise(str(v)) if not blank(v) else "" for v in values[: len(header)]]
    return cells == header[: len(cells)]


def _validate(export: Export, part: Part, number: int, values: list[Any], run: Run) -> tuple | Problem:
    spec = schema.TABLES[export.table]
    sheet = part.sheet if export.several_sheets else ""
    width = len(part.header)
    if len(values) > width and any(not blank(v) for v in values[width:]):
        return Problem(export.path, number, "", "", rule="too_many_values",
                       text=Said(N_("has {count} values but the header has {width} columns"), count=len(values),
                                 width=width), sheet=sheet)
    if _same_as_header(part, values):  # two exports pasted one under the other
        return Problem(export.path, number, "", "", rule="repeated_header",
                       text=Said(N_("repeats the header (row {row}): two exports pasted together?"),
                                 row=part.header_row), sheet=sheet)
    cells = {name: (values[i] if i < len(values) else None) for i, name in part.columns.items()}
    out = []
    for col in spec.columns:
        raw = cells.get(col.name)
        try:
            out.append(convert(col, raw, run.today))
        except Invalid as bad:
            return Problem(export.path, number, col.name, shown(raw), rule=bad.rule, text=bad.text, sheet=sheet)
        except _UNFORESEEN as exc:
            return Problem(export.path, number, col.name, shown(raw), rule="unreadable_value",
                           text=Said(N_("'{value}' cannot be read as {kind} ({error})"), value=shown(raw),
                                     kind=col.kind, error=type(exc).__name__), sheet=sheet)
    row = tuple(out)
    for column, target in spec.references.items():
        value = row[spec.names.index(column)]
        if target == "schemes.scheme_id" and value not in run.schemes:
            return Problem(export.path, number, column, shown(value), rule="unknown_scheme",
                           text=Said(N_("'{value}' is not a scheme in the store or earlier in this ingest"),
                                     value=shown(value)), sheet=sheet)
    return row


def _conflict_text(key_value: str, where: Seen | None, names: Sequence[str], old: tuple, new: tuple) -> Said:
    """Where the key was seen first (None: in the store) and which columns differ, as one sentence."""
    differ = ", ".join(n for n, a, b in zip(names, old, new) if a != b)
    if where is None:
        return Said(N_("'{key}' is already stored with different content ({columns} differ)"), key=key_value,
                    columns=differ)
    if where.sheet:
        return Said(N_("'{key}' is already in row {row} (sheet '{sheet}') of {file} with different content"
                       " ({columns} differ)"), key=key_value, row=where.row, sheet=where.sheet, file=where.file,
                    columns=differ)
    return Said(N_("'{key}' is already in row {row} of {file} with different content ({columns} differ)"),
                key=key_value, row=where.row, file=where.file, columns=differ)


def reconcile(export: Export, run: Run) -> FileReport:
    spec = schema.TABLES[export.table]
    report = FileReport(export.path, export.table, read=len(export.records), match=export.match,
                        read_as=export.read_as, notes=list(export.notes))
    sheets = [SheetReport(p.sheet, p.header_row, read=len(p.records)) for p in export.parts]
    key_idx = [spec.names.index(k) for k in spec.key]
    key_column = ", ".join(spec.key)
    valid: list[tuple[int, int, list[Any], tuple, str]] = []
    problems: list[tuple[int, Problem, list[Any]]] = []
    for at, part in enumerate(export.parts):
        for number, values in part.records:
            result = _validate(export, part, number, values, run)
            if isinstance(result, Problem):
                problems.append((at, result, values))
            else:
                valid.append((at, number, values, result, key_text([result[i] for i in key_idx])))
    stored = stored_rows_by_key(run.root, run.manifest, export.table, (k for *_, k in valid))
    seen = run.seen[export.table]
    for at, number, values, row, key in valid:
        shown_key = key.replace("\x1f", ", ")
        earlier = stored.get(key)
        where = None  # the store
        if earlier is None and key in seen:
            earlier, where = seen[key].values, seen[key]
        if earlier is None:
            sheet = export.parts[at].sheet if export.several_sheets else ""
            seen[key] = Seen(row, number, sheet, Path(export.path).name)
            run.new_rows[export.table].append(row)
            if export.table == "schemes":
                run.schemes.add(row[0])
            report.stored += 1
            sheets[at].stored += 1
        elif earlier == row:
            report.duplicates += 1
            sheets[at].duplicates += 1
        else:
            text = _conflict_text(shown(shown_key), where, spec.names, earlier, row)
            problem = Problem(export.path, number, key_column, shown(shown_key), rule="conflicting_key", text=text,
                              sheet=export.parts[at].sheet if export.several_sheets else "")
            problems.append((at, problem, values))
    problems.sort(key=lambda p: (p[0], p[1].row))
    for at, _, _ in problems:
        sheets[at].quarantined += 1
    report.quarantined = len(problems)
    report.reasons = [p.reason for _, p, _ in problems]
    if export.kind == "xlsx":  # in the workbook's order, skipped sheets included
        by_name = {s.sheet: s for s in sheets} | {name: SheetReport(name, None, skipped=why)
                                                   for name, why in export.skipped}
        report.sheets = [by_name[s.name] for s in export.sheets]
    if problems:
        # The quarantine file lays every row out under the file's header, in characters UTF-8 can hold.
        width = len(export.header)
        run.quarantine[export.index] = [(p, [writable(v) for v in export.parts[at].aligned(values, width)])
                                        for at, p, values in problems]
    return report
