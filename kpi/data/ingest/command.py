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
from kpi.data.said import say
from kpi.i18n import _


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("files", nargs="+", metavar="FILE",
                        help="CSV (encoding and delimiter detected), XLSX (every sheet) or Parquet exports")
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
        else:  # JSON stays English (a program reads it); a person reads this line in the command's language
            print(_("error: {error}\nThe store was not changed.").format(error=say(exc)), file=sys.stderr)
        return 2
    except Exception as exc:  # a bug: say so in one line (and in JSON), never a traceback for the person ingesting
        unexpected = ("ingest failed unexpectedly ({error}); please report it. A run commits in one step, so the"
                      " store holds either the previous version or the new one, never a mix")
        said = {"error": f"{type(exc).__name__}: {exc}"}
        if args.json:
            print(json.dumps({"ok": False, "error": unexpected.format(**said), "committed": None, "files": []},
                             indent=2))
        else:
            print(_("error: ingest failed unexpectedly ({error}); please report it. A run commits in one step, so"
                    " the store holds either the previous version or the new one, never a mix").format(**said),
                  file=sys.stderr)
        return 3
    if args.json:
        print(json.dumps(report.to_json(), indent=2))
        return 0
    for f in report.files:
        print(f.summary())
        for line in (f.read_as, f.match, *f.notes):
            if line:
                print(f"  {say(line)}")
        if f.quarantine_file:
            print("  " + _("quarantined rows and their reasons: {path}").format(
                path=Path(report.data_dir) / f.quarantine_file))
        for reason in f.reasons[:REASONS_SHOWN]:
            print(f"  {say(reason)}")
        if len(f.reasons) > REASONS_SHOWN:
            print("  " + _("... and {n} more in the quarantine file").format(n=len(f.reasons) - REASONS_SHOWN))
    if report.committed:
        print(_("Committed store version {version} at {path}").format(version=report.version, path=report.data_dir))
    else:
        print(_("Nothing new to store; {path} is unchanged").format(path=report.data_dir))
    return 0
