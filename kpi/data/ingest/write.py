"""Writing a run's new Parquet files and quarantine CSVs (none live yet) and the manifest that would make them live."""

from __future__ import annotations

import copy
import csv
import datetime as dt
import io
import re
from pathlib import Path
from typing import Any, Sequence

import pyarrow as pa

from kpi.data import schema, store
from kpi.data.spreadsheet import neutralise
from kpi.data.ingest.cells import show
from kpi.data.ingest.files import Export
from kpi.data.ingest.report import FileReport, Problem
from kpi.data.ingest.validate import Run

QUARANTINE_COLUMNS = ("file", "row", "column", "value", "rule", "reason")

INGESTED_NOTE = "Holds ingested data"


def _ingested_note(old: store.Manifest) -> str:
    """The note of a store once rows are ingested into it; it keeps saying what the store held before."""
    if old.synthetic:
        return f"{INGESTED_NOTE}, added to a synthetic sample ({old.note})"
    return old.note or INGESTED_NOTE


def _arrow(table: str, rows: Sequence[tuple]) -> pa.Table:
    target = schema.arrow_schema(table)
    columns = list(zip(*rows)) if rows else [[] for _ in target.names]
    return pa.Table.from_arrays([pa.array(c, type=f.type) for c, f in zip(columns, target)], schema=target)


def _quarantine_csv(export: Export, problems: list[tuple[Problem, list[Any]]]) -> str:
    buf = io.StringIO()
    buf.write("\ufeff")  # a BOM, so Excel shows non-ASCII names in the refused rows correctly
    writer = csv.writer(buf, lineterminator="\r\n")
    # Refused rows are the most hostile text we hold: every cell a spreadsheet would run is neutralised.
    writer.writerow([neutralise(c) for c in (*QUARANTINE_COLUMNS, *export.header)])
    for p, values in problems:
        original = [show(v) for v in values] + [""] * (len(export.header) - len(values))
        writer.writerow([neutralise(c) for c in (p.file, p.row, p.column, p.value, p.rule, p.reason, *original)])
    return buf.getvalue()


def _quarantine_name(root: Path, stamp: str, path: str, taken: set[str]) -> str:
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", Path(path).stem) or "export"
    rel, n = f"quarantine/{stamp}-{stem}.csv", 1
    while rel in taken or (root / rel).exists():
        n += 1
        rel = f"quarantine/{stamp}-{stem}-{n}.csv"
    taken.add(rel)
    return rel


def write_new_files(run: Run, exports: list[Export], reports: list[FileReport], submission: str) -> store.Manifest:
    """Write the run's new files (none live yet) and return the manifest that would make them live.

    Every file written holds rows of this run only, and the manifest lists them under `submission`
    (`Manifest.submissions`), so the submission can be withdrawn later by dropping exactly those files.
    """
    root, old = run.root, run.manifest
    new = copy.deepcopy(old)
    claimed: list[str] = []
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
        claimed += added
    for table in ("schemes", "people_supported"):
        rows = run.new_rows[table]
        if rows:
            # One new file per run, like responses (not old and new rows rewritten together): a submission's rows
            # stay its own file, so withdrawing it drops that file. Readers load these small tables whole anyway.
            rel = store.write_parquet(root, f"{table}/{store.new_file_name()}", _arrow(table, rows))
            new.tables[table] = [*old.tables.get(table, []), rel]
            new.rows[table] = old.rows.get(table, 0) + len(rows)
            claimed.append(rel)
    if any(run.new_rows.values()):
        # Ingested rows are real: the store must never again show them under the synthetic-data banner.
        new.synthetic, new.note = False, _ingested_note(old)
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
            claimed.append(rel)
    new.submissions[submission] = claimed
    return new
