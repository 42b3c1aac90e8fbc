"""One ingest run: read and map every file, validate, write, then commit with one manifest swap (all-or-nothing)."""

from __future__ import annotations

import datetime as dt
import os
import sys
import time
from typing import Sequence

from kpi.data import derive
from kpi.data import paths as kpi_paths
from kpi.data import store
from kpi.data.ingest.files import IngestError, read_export
from kpi.data.ingest.headers import map_header
from kpi.data.ingest.report import FileReport, IngestReport
from kpi.data.ingest.validate import Run, reconcile
from kpi.data.ingest.write import write_new_files

# Test-only: seconds to sleep after the new files are written and before the manifest swap, so a test can kill -9
# an ingest at the worst moment. It announces the pause on stderr so the test knows when to strike.
PAUSE_ENV = "KHI_TEST_PAUSE_BEFORE_COMMIT"
PAUSE_MARKER = "KHI_TEST_PAUSED_BEFORE_COMMIT"

# Schemes first: responses and people_supported may refer to schemes ingested in the same run, whatever the order
# the files were named in.
TABLE_ORDER = ("schemes", "people_supported", "responses")


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
    each header); `data_dir` the store (else KHI_DATA_DIR; never the bundled sample); `today` the last date accepted
    (defaults to date.today(); tests pin it).

    Returns an IngestReport with one FileReport per path, in the order given. Raises IngestError, before touching
    the store, when the store is the bundled sample or any file cannot be read or its header cannot be mapped
    (all-or-nothing per run).
    """
    root = kpi_paths.data_dir(data_dir)
    if root.resolve() == kpi_paths.BUNDLED_SAMPLE_DIR.resolve():
        # The committed sample is made up: real rows there would show under its "synthetic data" banner.
        raise IngestError(
            f"{root} is the bundled synthetic sample, which ingest never changes; name the store to add to with"
            " --data DIR or the KHI_DATA_DIR environment variable (a new folder starts a new store)"
        )
    items = [paths] if isinstance(paths, (str, os.PathLike)) else list(paths)
    if not items:
        raise IngestError("no files to ingest")
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
        run = Run(root, manifest, today or dt.date.today(), schemes)
        reports: list[FileReport | None] = [None] * len(exports)
        for export in sorted(exports, key=lambda e: TABLE_ORDER.index(e.table)):
            reports[export.index] = reconcile(export, run)
        if not any(run.new_rows.values()) and not run.quarantine:
            return IngestReport(str(root), reports, committed=False, version=manifest.version)
        new = write_new_files(run, exports, reports)
        _pause_for_tests()
        committed = derive.commit(root, new)  # also removes orphans (quarantine files of killed runs included)
    return IngestReport(str(root), reports, committed=True, version=committed.version)
