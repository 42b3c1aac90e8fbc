"""`python -m kpi ingest FILE... [--table T] [--data DIR] [--json]`: the command line over `pipeline.ingest`."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from kpi.data import schema, store
from kpi.data.ingest.files import IngestError
from kpi.data.ingest.pipeline import ingest
from kpi.data.ingest.report import REASONS_SHOWN


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("files", nargs="+", metavar="FILE", help="CSV (UTF-8), XLSX or Parquet exports")
    parser.add_argument("--table", choices=tuple(schema.TABLES), help="the table the files hold (default: detect)")
    parser.add_argument("--data", metavar="DIR",
                        help="the store to add to (default: KHI_DATA_DIR; never the bundled sample)")
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
