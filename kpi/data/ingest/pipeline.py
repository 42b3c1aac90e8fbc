"""One ingest run: read and map every file, validate, write, then commit with one manifest swap (all-or-nothing).

A committing run is a submission (kpi.data.submissions): its record (who, when, each file's name, sha256, table and
counts, the version it makes) is appended to the store's journal just before the commit, and the files it writes
are listed under its id in the manifest.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Collection, Sequence

from kpi.data import derive
from kpi.data import paths as kpi_paths
from kpi.data import schema, store, submissions
from kpi.data.ingest import report as report_module
from kpi.data.ingest.cells import Invalid, convert
from kpi.data.ingest.files import Export, IngestError, read_export
from kpi.data.ingest.headers import map_header
from kpi.data.ingest.report import FileReport
from kpi.data.ingest.validate import Run, reconcile
from kpi.data.ingest.write import write_new_files
from kpi.data.said import Said, message
from kpi.i18n import N_

# Test-only: seconds to sleep after the new files are written and before the manifest swap, so a test can kill -9
# an ingest at the worst moment. It announces the pause on stderr so the test knows when to strike.
PAUSE_ENV = "KHI_TEST_PAUSE_BEFORE_COMMIT"
PAUSE_MARKER = "KHI_TEST_PAUSED_BEFORE_COMMIT"

# Schemes first: responses and people_supported may refer to schemes ingested in the same run, whatever the order
# the files were named in.
TABLE_ORDER = ("schemes", "people_supported", "responses")


@dataclass
class IngestReport(report_module.IngestReport):
    """The run's outcome (kpi.data.ingest.report), with the submission it committed and whether it was a dry run."""

    submission: str | None = None  # the id of the submission committed (None: nothing committed, or a dry run)
    dry_run: bool = False  # validated only: nothing was written (quarantine_file stays None: no file was made)

    def to_json(self) -> dict[str, Any]:
        return {**super().to_json(), "submission": self.submission, "dry_run": self.dry_run}


def _sha256(path: str | os.PathLike) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _outside_scope(export: Export, allowed: Collection[str], today: dt.date) -> Said | None:
    """The first row of `export` whose scheme_id is not in `allowed`, as a sentence (None when every row is in)."""
    column = next(c for c in schema.TABLES[export.table].columns if c.name == "scheme_id")
    # A workbook read sheet by sheet maps each sheet's columns on its own (`Export.parts`, ingest-hardening); an
    # Export without parts is one grid.
    for part in getattr(export, "parts", None) or [export]:
        at = [i for i, name in part.columns.items() if name == "scheme_id"]
        for number, values in part.records if at else ():
            try:
                value = convert(column, values[at[0]] if at[0] < len(values) else None, today)
            except Invalid:
                continue  # no scheme at all: the contract's rules quarantine the row, with its reason
            if value not in allowed:
                sheet = getattr(part, "sheet", "")
                said = dict(path=export.path, row=number, sheet=repr(sheet), scheme=value,
                            allowed=", ".join(sorted(allowed)))
                if not allowed:
                    return Said(N_("{path} row {row}: scheme '{scheme}' is not one you may submit for (none); the"
                                   " file was not ingested") if not sheet else
                                N_("{path} row {row} of sheet {sheet}: scheme '{scheme}' is not one you may submit for"
                                   " (none); the file was not ingested"), **said)
                return Said(N_("{path} row {row}: scheme '{scheme}' is not one you may submit for ({allowed}); the"
                               " file was not ingested") if not sheet else
                            N_("{path} row {row} of sheet {sheet}: scheme '{scheme}' is not one you may submit for"
                               " ({allowed}); the file was not ingested"), **said)
    return None


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
    dry_run: bool = False,
    allowed_schemes: Collection[str] | None = None,
    submitted_by: str = submissions.DEFAULT_SUBMITTER,
) -> IngestReport:
    """Validate export files against the contract and commit their new rows to the store in one step.

    Parameters: `paths` one path or several (CSV, XLSX, Parquet); `table` forces the table (else detected from
    each header); `data_dir` the store (else KHI_DATA_DIR; never the bundled sample); `today` the last date accepted
    (defaults to date.today(); tests pin it). `dry_run`: validate everything and return the report a commit would
    give, writing nothing (not even the lock file; quarantine_file stays None). `allowed_schemes`: when given, a file
    with any row whose scheme_id (in any table, schemes included) is outside the set is refused. `submitted_by`: who
    sent the files, kept in the submission's record.

    Returns an IngestReport with one FileReport per path, in the order given, and the id of the submission committed.
    Raises IngestError, before touching the store, when the store is the bundled sample, any file cannot be read or
    its header cannot be mapped, or a row is outside `allowed_schemes` (all-or-nothing per run).
    """
    root = kpi_paths.data_dir(data_dir)
    if root.resolve() == kpi_paths.BUNDLED_SAMPLE_DIR.resolve():
        # The committed sample is made up: real rows there would show under its "synthetic data" banner.
        raise IngestError(Said(N_(
            "{root} is the bundled synthetic sample, which ingest never changes; name the store to add to with"
            " --data DIR or the KHI_DATA_DIR environment variable (a new folder starts a new store)"), root=root))
    items = [paths] if isinstance(paths, (str, os.PathLike)) else list(paths)
    if not items:
        raise IngestError(Said(N_("no files to ingest")))
    exports, errors = [], []
    for i, p in enumerate(items):
        try:
            export = read_export(p)
            map_header(export, table)
            export.index = i
            exports.append(export)
        except IngestError as exc:
            errors.append(message(exc))
    today = today or dt.date.today()
    if allowed_schemes is not None and not errors:
        allowed = set(allowed_schemes)
        errors = [e for e in (_outside_scope(x, allowed, today) for x in exports) if e]
    if errors:
        raise IngestError(errors[0] if len(errors) == 1 else Said(  # two or more: no singular needed
            N_("{n} files failed: {errors}"), n=len(errors), errors=Said.join(" | ", errors)))

    if dry_run:  # no lock: taking it would create the lock file; a reader's view of the live version is enough
        manifest, reports = _reconcile(root, exports, today)[:2]
        return IngestReport(str(root), reports, committed=False, version=manifest.version, dry_run=True)
    with store.locked(root):
        manifest, reports, run = _reconcile(root, exports, today)
        if not any(run.new_rows.values()) and not run.quarantine:
            return IngestReport(str(root), reports, committed=False, version=manifest.version)
        sid = submissions.next_id(root)
        new = write_new_files(run, exports, reports, sid)
        new.change = f"submission {sid}"
        _pause_for_tests()
        # Recorded before the commit, so a committed submission always has its record (a record left by a run
        # killed here is ignored: the manifest of its version does not name it).
        submissions.record(root, sid, manifest.version + 1, submitted_by, _file_records(exports, reports),
                           {t: len(rows) for t, rows in run.new_rows.items()})
        committed = derive.commit(root, new)  # also cleans up (files no version in use lists, once old enough)
    return IngestReport(str(root), reports, committed=True, version=committed.version, submission=sid)


def _reconcile(root: Path, exports: list[Export], today: dt.date) -> tuple[store.Manifest, list, Run]:
    manifest = store.read_manifest(root)
    schemes = set(store.read_table(root, "schemes", columns=["scheme_id"], manifest=manifest)
                  .column("scheme_id").to_pylist())
    run = Run(root, manifest, today, schemes)
    reports: list[FileReport | None] = [None] * len(exports)
    for export in sorted(exports, key=lambda e: TABLE_ORDER.index(e.table)):
        reports[export.index] = reconcile(export, run)
    return manifest, reports, run


def _file_records(exports: list[Export], reports: list[FileReport]) -> list[dict]:
    return [{"name": Path(e.path).name, "sha256": _sha256(e.path), "table": r.table, "read": r.read,
             "stored": r.stored, "duplicates": r.duplicates, "quarantined": r.quarantined,
             "quarantine_file": r.quarantine_file} for e, r in zip(exports, reports)]
