"""Validate outcome-tool exports (CSV, XLSX, Parquet) against the data contract and add them to the store.

`python -m kpi ingest FILE... [--table responses|schemes|people_supported] [--data DIR] [--json]`

Every data row of every file ends in exactly one of three places, so each file reconciles as
`read = stored + duplicates + quarantined`:

- stored: it satisfies every rule of `kpi.data.schema` and its key is new;
- duplicate: it is identical (after normalisation) to a stored row or to one earlier in this run;
- quarantined: it breaks a rule, or reuses a key with different content. It is written, with one reason naming
  file, row, column, value and rule, to `quarantine/<timestamp>-<file stem>.csv` in the store.

Row numbers are the ones a person sees in a spreadsheet: every physical record counts from row 1, title rows above
the header and blank records included. Blank records (every cell empty) are not rows: they are not read, stored or
quarantined. For Parquet inputs, row n is the (n-1)th record, as if the file were opened in a spreadsheet. Every
sheet of a workbook is read, or skipped with a note when it has no header (a cover sheet), or the file is refused.

A run is all-or-nothing: every file is read and its header mapped before the store is touched; if any file cannot
be read or mapped, `IngestError` is raised (exit code 2) and the store is left byte-identical. Otherwise the new
Parquet files are written under fresh names and one `derive.commit` swaps the manifest, so a crash or `kill -9`
at any moment leaves the previous store intact (see `kpi.data.store`). `docs/data-contract.md` describes the rules.

A committing run is a submission (`kpi.data.submissions`): recorded with who sent it (`submitted_by`), each file's
sha256 and counts, and the version it made, so it can be listed and withdrawn. `dry_run=True` validates and reports
without writing anything; `allowed_schemes` refuses a file with any row of a scheme outside the set (the upload
page's scope).

Modules, in the order a run uses them: `files` (reading each format, through `csv_text`, `workbook` and
`parquet_file`, into `export` sheets of `values`), `header_search` and `headers` (finding the header row and mapping
it onto a table), `cells` (one cell to the contract's type), `validate` (rules, references, keys), `write` (new
files and quarantine), `pipeline` (the run and its commit), `command` (the CLI), `report` (what a run reports).
"""

from kpi.data.ingest.command import add_arguments, run
from kpi.data.ingest.cells import convert
from kpi.data.ingest.files import IngestError, read_export
from kpi.data.ingest.headers import map_header
from kpi.data.ingest.pipeline import PAUSE_ENV, PAUSE_MARKER, TABLE_ORDER, ingest
from kpi.data.ingest.report import REASONS_SHOWN, FileReport, IngestReport, Problem, SheetReport
from kpi.data.ingest.validate import stored_rows_by_key
from kpi.data.ingest.write import INGESTED_NOTE, QUARANTINE_COLUMNS

__all__ = ["ingest", "IngestReport", "FileReport", "SheetReport", "Problem", "IngestError", "add_arguments", "run",
           "read_export", "map_header", "convert", "stored_rows_by_key", "PAUSE_ENV", "PAUSE_MARKER", "TABLE_ORDER",
           "QUARANTINE_COLUMNS", "REASONS_SHOWN", "INGESTED_NOTE"]
