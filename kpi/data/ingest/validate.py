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

from kpi.data import schema, store
from kpi.data.ingest.cells import Invalid, convert, show
from kpi.data.ingest.files import Export, blank
from kpi.data.ingest.report import FileReport, Problem


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
    where: str


@dataclass
class Run:
    root: Path
    manifest: store.Manifest
    today: dt.date
    schemes: set[str]
    seen: dict[str, dict[str, Seen]] = field(default_factory=lambda: {t: {} for t in schema.TABLES})
    new_rows: dict[str, list[tuple]] = field(default_factory=lambda: {t: [] for t in schema.TABLES})
    quarantine: dict[int, list[tuple[Problem, list[Any]]]] = field(default_factory=dict)  # by export.index


def _validate(export: Export, number: int, values: list[Any], run: Run) -> tuple | Problem:
    spec = schema.TABLES[export.table]
    if len(values) > len(export.header) and any(not blank(v) for v in values[len(export.header):]):
        return Problem(export.path, number, "", "", "too_many_values",
                       f"has {len(values)} values but the header has {len(export.header)} columns")
    cells = {name: (values[i] if i < len(values) else None) for i, name in export.columns.items()}
    out = []
    for col in spec.columns:
        raw = cells.get(col.name)
        try:
            out.append(convert(col, raw, run.today))
        except Invalid as bad:
            return Problem(export.path, number, col.name, show(raw), bad.rule, bad.text)
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


def reconcile(export: Export, run: Run) -> FileReport:
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
            valid.append((number, values, result, key_text([result[i] for i in key_idx])))
    stored = stored_rows_by_key(run.root, run.manifest, export.table, (k for *_, k in valid))
    seen = run.seen[export.table]
    for number, values, row, key in valid:
        shown_key = key.replace("\x1f", ", ")
        earlier = stored.get(key)
        where = "stored"
        if earlier is None and key in seen:
            earlier, where = seen[key].values, seen[key].where
        if earlier is None:
            seen[key] = Seen(row, f"in row {number} of {Path(export.path).name}")
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
