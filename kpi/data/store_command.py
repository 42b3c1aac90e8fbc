"""`python -m kpi submissions|withdraw|publish|versions`: a store's submissions and versions, from the server.

- `submissions [--data DIR] [--json]`: every submission (who, when, files, rows stored, the version it made, and
  its withdrawal if it was withdrawn);
- `withdraw ID --reason TEXT [--by WHO] [--data DIR]`: commit a new version without that submission's rows;
- `publish [VERSION] [--by WHO] [--note TEXT] [--data DIR]`: mark a version (default: the live one) as the one the
  public sees;
- `versions [--data DIR] [--json]`: every committed version with its date, rows and the published mark.

Exit codes: 0 done; 2 it cannot be done (unknown or withdrawn submission, unknown or cleaned-up version, the
bundled sample), with the reason on stderr.
"""

from __future__ import annotations

import argparse
import json
import sys

from kpi.data import paths, store, submissions, versions
from kpi.data.said import say
from kpi.i18n import _

_DATA_HELP = "the store (default: KHI_DATA_DIR, else the bundled sample)"


def _data(p: argparse.ArgumentParser) -> None:
    p.add_argument("--data", metavar="DIR", help=_DATA_HELP)


def add_submissions_arguments(p: argparse.ArgumentParser) -> None:
    _data(p)
    p.add_argument("--json", action="store_true", help="as JSON")


def add_withdraw_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("submission", metavar="ID", help="a submission id from `python -m kpi submissions`, e.g. S0003")
    p.add_argument("--reason", required=True, help="why it is withdrawn (kept in the log)")
    p.add_argument("--by", default=submissions.DEFAULT_SUBMITTER, help="who is withdrawing it (kept in the log)")
    _data(p)


def add_publish_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("version", nargs="?", type=int, help="the version to publish (default: the live one)")
    p.add_argument("--by", default=submissions.DEFAULT_SUBMITTER, help="who is publishing (kept in the log)")
    p.add_argument("--note", default="", help="a note kept with the publication")
    _data(p)


def add_versions_arguments(p: argparse.ArgumentParser) -> None:
    _data(p)
    p.add_argument("--json", action="store_true", help="as JSON")


def _failed(exc: Exception) -> int:
    print(_("error: {error}").format(error=say(exc)), file=sys.stderr)
    return 2


def _rows(rows: dict) -> str:
    return ", ".join(f"{rows.get(t, 0):,} {t}" for t in store.RAW_TABLES if rows.get(t)) or "no rows"


def run_submissions(args) -> int:
    try:
        found = submissions.submissions(paths.data_dir(args.data))
    except store.StoreError as exc:
        return _failed(exc)
    if args.json:
        print(json.dumps([s.to_json() for s in found], indent=2, ensure_ascii=False))
        return 0
    if not found:
        print(_("No submissions."))
    for s in found:
        who = s.submitted_by or "not recorded"
        print(f"{s.id}  {s.at}  by {who}  version {s.version}  {_rows(s.rows)}" + (f"  ({s.label})" if s.label else ""))
        for f in s.files:
            print(f"    {f['name']} ({f['table']}): read {f['read']} = stored {f['stored']} + duplicates "
                  f"{f['duplicates']} + quarantined {f['quarantined']}  sha256 {f['sha256']}")
        if s.withdrawn:
            w = s.withdrawn
            print(f"    withdrawn at {w['at']} by {w['by']} (version {w['version']}): {w['reason']}")
    return 0


def run_withdraw(args) -> int:
    root = paths.data_dir(args.data)
    try:
        m = submissions.withdraw(root, args.submission, args.by, args.reason)
    except store.StoreError as exc:
        return _failed(exc)
    print(_("Withdrew {submission}: committed store version {version} without its rows ({rows} remain).").format(
        submission=args.submission, version=m.version, rows=_rows(m.rows)))
    published = store.published_version(root)
    # Withdrawing never changes what is published: say so when the public view still holds the rows.
    if published and submissions.files_of(store.read_manifest(root, published), args.submission):
        print(_("The public view is version {published}, which still holds them: publish version {version}"
                " (`python -m kpi publish {version}`) to take them out of it.").format(published=published,
                                                                                       version=m.version))
    return 0


def run_publish(args) -> int:
    try:
        version = versions.publish(paths.data_dir(args.data), args.version, args.by, args.note)
    except store.StoreError as exc:
        return _failed(exc)
    print(_("Published store version {version}.").format(version=version))
    return 0


def run_versions(args) -> int:
    try:
        found = versions.versions(paths.data_dir(args.data))
    except store.StoreError as exc:
        return _failed(exc)
    if args.json:
        print(json.dumps([v.to_json() for v in found], indent=2))
        return 0
    if not found:
        print(_("No versions: the store is empty."))
    for v in found:
        marks = [m for m, on in (("published", v.published), ("live", v.live), ("synthetic", v.synthetic),
                                 ("cleaned up", not v.readable)) if on]
        print(f"{v.version:>5}  {v.committed_at or 'date not recorded'}  {_rows(v.rows)}  {v.change or '-'}"
              + (f"  [{', '.join(marks)}]" if marks else ""))
    return 0
