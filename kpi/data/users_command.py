"""`python -m kpi users list|add|change|remove|log|audit`: the roles table (kpi.data.users) and, for admins, the
audit log (kpi.data.audit), from the server.

Exit codes: 0 done; 2 the change cannot be made (unknown role, region or scheme, a person already or not in the
table, the access folder in the bundled sample), with the reason on stderr.
"""

from __future__ import annotations

import argparse
import json
import sys

from kpi.data import audit, paths, schema, store, users
from kpi.data.said import say
from kpi.i18n import _


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--data", help="the store (default: KHI_DATA_DIR); schemes are checked against its schemes table")
    p.add_argument("--access", help="the access folder (default: KHI_ACCESS_DIR, else <data dir>/access)")
    sub = p.add_subparsers(dest="action", required=True, metavar="ACTION")
    lst = sub.add_parser("list", help="everyone in the table")
    lst.add_argument("--json", action="store_true", help="as JSON")
    log = sub.add_parser("log", help="every change made to the table, oldest first")
    log.add_argument("--json", action="store_true", help="as JSON")
    aud = sub.add_parser("audit", help="the audit log: views and downloads of scheme-level or exact figures")
    aud.add_argument("--who", help="only this person's")
    aud.add_argument("--since", help="only records at or after this UTC time (ISO 8601, e.g. 2026-01-31)")
    for name, help_text in (("add", "add a person"), ("change", "change a person's role, regions or schemes"),
                            ("remove", "remove a person (they see the public view from their next request)")):
        q = sub.add_parser(name, help=help_text)
        q.add_argument("who", help="verified e-mail address, or sub:<OIDC subject>")
        if name != "remove":
            q.add_argument("--role", choices=users.ROLES, required=name == "add")
            q.add_argument("--region", action="append", help="a hub's area code (GSS; repeatable)")
            q.add_argument("--scheme", action="append", help="a scheme manager's scheme id (repeatable)")
        q.add_argument("--by", required=True, help="who is making the change (kept with the row and in the log)")
        q.add_argument("--json", action="store_true", help="print the row as JSON")


def _row_text(u: users.User) -> str:
    detail = ", ".join(f"{r} {schema.AREAS.get(r, '')}".strip() for r in u.regions) or ", ".join(u.schemes)
    return f"{u.key}\t{u.role}\t{detail}\tchanged {u.changed_at} by {u.changed_by}"


def run(args) -> int:
    try:
        folder = paths.access_dir(args.access, args.data)
        if args.action == "list":
            rows = list(users.load(folder).values())
            if args.json:
                json.dump([u.as_dict() for u in rows], sys.stdout, indent=2)
                sys.stdout.write("\n")
            else:
                print("\n".join(map(_row_text, rows)) if rows else
                      _("nobody in {path} yet").format(path=folder / users.TABLE))
            return 0
        if args.action == "log":
            entries = users.changes(folder)
            if args.json:
                json.dump(entries, sys.stdout, indent=2)
                sys.stdout.write("\n")
            else:
                for e in entries:
                    print(f"{e['at']}\t{e['by']}\t{e['action']}\t{e['key']}")
            return 0
        if args.action == "audit":  # JSON lines, as stored: for export
            for entry in audit.read(folder, who=args.who, since=args.since):
                print(json.dumps(entry, sort_keys=True, ensure_ascii=False))
            return 0
        if args.action == "remove":
            users.remove(folder, args.who, by=args.by)
            print(_("removed {key}").format(key=users.normalise_key(args.who)), file=sys.stderr)
            return 0
        known = users.store_schemes(args.data) if args.scheme else None
        if args.action == "add":
            row = users.add(folder, args.who, args.role, regions=args.region or (), schemes=args.scheme or (),
                            by=args.by, known_schemes=known)
        else:
            row = users.change(folder, args.who, role=args.role, regions=args.region, schemes=args.scheme,
                               by=args.by, known_schemes=known)
    except (users.UsersError, paths.AccessDirError, store.StoreError) as exc:
        print(_("error: {error}").format(error=say(exc)), file=sys.stderr)
        return 2
    print(json.dumps(row.as_dict(), indent=2) if args.json else _row_text(row))
    return 0
