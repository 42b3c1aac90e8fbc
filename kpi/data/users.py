"""The roles table: who may see what, kept by the app itself (not in sign-in token claims, so access can be withdrawn
at once by changing a row here).

One JSON file, `users.json`, in the access folder (`kpi.data.paths.access_dir`: KHI_ACCESS_DIR, else
`<data dir>/access`, never the bundled sample), written atomically (temp file, fsync, rename) under a lock. Each row is
keyed by the person's verified e-mail address (lower-cased) or their OIDC subject, and holds the role, the regions
(a hub's area codes) or schemes (a scheme manager's ids), and who added and last changed it, and when. Every change
is also appended to `users-changes.jsonl` beside it. `kpi.metrics.access.scope_for` turns a row into a Scope;
`python -m kpi users ...` (kpi.data.users_command) manages the table.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path

from kpi.data import jsonlines, paths, queries, schema, store
from kpi.data.said import Said
from kpi.i18n import N_

ROLES = ("public", "ambassador", "hub", "scheme_manager", "analyst", "admin")
TABLE = "users.json"
CHANGES = "users-changes.jsonl"
FORMAT = 1


class UsersError(ValueError):
    """A change to the roles table that cannot be made; the message says why in a sentence."""


@dataclass(frozen=True)
class User:
    key: str  # lower-cased e-mail, or "sub:<subject>"
    role: str
    regions: tuple[str, ...] = ()
    schemes: tuple[str, ...] = ()
    added_by: str = ""
    added_at: str = ""
    changed_by: str = ""
    changed_at: str = ""

    def as_dict(self) -> dict:
        d = asdict(self)
        d["regions"], d["schemes"] = list(self.regions), list(self.schemes)
        return d


@dataclass(frozen=True)
class Identity:
    """Who signed in, as the identity provider verified it: an e-mail address and/or a subject."""

    email: str | None = None
    subject: str | None = None

    def keys(self) -> tuple[str, ...]:
        """Table keys to look up, e-mail first (what an admin types), then the subject."""
        out = []
        if self.email:
            out.append(normalise_key(self.email))
        if self.subject:
            out.append(subject_key(self.subject))
        return tuple(out)


def normalise_key(who: str) -> str:
    """An e-mail address lower-cased and trimmed; a subject given as "sub:<subject>" kept as it is after the prefix."""
    who = (who or "").strip()
    if not who:
        raise UsersError(Said(N_("give an e-mail address or a subject (sub:<subject>)")))
    if who.lower().startswith("sub:"):
        return subject_key(who[4:])
    if "@" not in who or who.startswith("@") or who.endswith("@") or any(c.isspace() for c in who):
        raise UsersError(Said(N_("{who} is not an e-mail address (or give a subject as sub:<subject>)"), who=repr(who)))
    return who.lower()


def subject_key(subject: str) -> str:
    subject = (subject or "").strip()
    if not subject:
        raise UsersError(Said(N_("an empty subject")))
    return f"sub:{subject}"


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


def _codes(values) -> tuple[str, ...]:
    values = (values,) if isinstance(values, str) else values or ()
    return tuple(sorted({str(v).strip() for v in values if str(v).strip()}))


def validate(role: str, regions=(), schemes=(), known_schemes: set[str] | None = None) -> tuple[tuple, tuple]:
    """(regions, schemes) checked for the role: regions are the contract's area codes, schemes the store's ids."""
    regions, schemes = _codes(regions), _codes(schemes)
    if role not in ROLES:
        raise UsersError(Said(N_("unknown role {role}; use one of {roles}"), role=repr(role), roles=", ".join(ROLES)))
    bad = [r for r in regions if r not in schema.AREAS]
    if bad:
        raise UsersError(Said(N_("unknown area code(s) {codes}; use one of {areas}"), codes=", ".join(bad),
                              areas=", ".join(schema.AREAS)))
    if role == "hub" and not regions:
        raise UsersError(Said(N_("a hub needs at least one region")))
    if role != "hub" and regions:
        raise UsersError(Said(N_("only a hub has regions, not a {role}"), role=role))
    if role == "scheme_manager" and not schemes:
        raise UsersError(Said(N_("a scheme manager needs at least one scheme")))
    if role != "scheme_manager" and schemes:
        raise UsersError(Said(N_("only a scheme manager has schemes, not a {role}"), role=role))
    if known_schemes is not None:
        unknown = [s for s in schemes if s not in known_schemes]
        if unknown:
            raise UsersError(Said(N_("unknown scheme id(s) {ids}: not in the store's schemes table"),
                                  ids=", ".join(unknown)))
    return regions, schemes


# ---------------------------------------------------------------------------------------------------------------
# Reading and writing


def load(folder: str | os.PathLike) -> dict[str, User]:
    """The table (empty when there is none yet)."""
    path = Path(folder) / TABLE
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        raise UsersError(Said(N_("{path}: the roles table cannot be read ({error})"), path=path, error=exc)) from exc
    users = {}
    for row in raw.get("users", []):
        row = {**row, "regions": tuple(row.get("regions", ())), "schemes": tuple(row.get("schemes", ()))}
        users[row["key"]] = User(**row)
    return users


def lookup(identity: Identity, folder: str | os.PathLike) -> User | None:
    """The row for a signed-in person (by verified e-mail, else subject), or None for someone not in the table."""
    users = load(folder)
    for key in identity.keys():
        if key in users:
            return users[key]
    return None


def _save(folder: Path, users: dict[str, User]) -> None:
    body = {"format": FORMAT, "users": [users[k].as_dict() for k in sorted(users)]}
    store.write_text(folder, TABLE, json.dumps(body, indent=2, sort_keys=True) + "\n")  # temp file, fsync, rename


def changes(folder: str | os.PathLike) -> list[dict]:
    """Every change made to the table, oldest first (a half-written last line is skipped)."""
    return jsonlines.read(Path(folder) / CHANGES)


def _change(folder, who: str, by: str, action: str, update) -> User | None:
    """Apply `update(users, key) -> User | None` under the lock, save, and log the change."""
    if not (by or "").strip():
        raise UsersError(Said(N_("say who is making the change (--by)")))
    folder = Path(folder)
    key = normalise_key(who)
    folder.mkdir(parents=True, exist_ok=True)
    with store.locked(folder):
        users = load(folder)
        before = users.get(key)
        after = update(users, key, before)
        if after is None:
            users.pop(key, None)
        else:
            users[key] = after
        _save(folder, users)
        jsonlines.append(folder / CHANGES, {"at": _now(), "by": by.strip(), "action": action, "key": key,
                                        "before": before.as_dict() if before else None,
                                        "after": after.as_dict() if after else None})
    return after


def add(folder, who: str, role: str, *, regions=(), schemes=(), by: str,
        known_schemes: set[str] | None = None) -> User:
    regions, schemes = validate(role, regions, schemes, known_schemes)

    def update(users, key, before):
        if before is not None:
            raise UsersError(Said(N_("{key} is already in the table (as {role}); use `change`"), key=key,
                                  role=before.role))
        now = _now()
        return User(key, role, regions, schemes, by.strip(), now, by.strip(), now)

    return _change(folder, who, by, "add", update)


def change(folder, who: str, *, role: str | None = None, regions=None, schemes=None, by: str,
           known_schemes: set[str] | None = None) -> User:
    """Change a row's role, regions or schemes (what is not given stays, unless the new role cannot have it)."""

    def update(users, key, before):
        if before is None:
            raise UsersError(Said(N_("{key} is not in the table; use `add`"), key=key))
        new_role = role or before.role
        keep = new_role == before.role
        new_regions = regions if regions is not None else (before.regions if keep or new_role == "hub" else ())
        new_schemes = schemes if schemes is not None else (
            before.schemes if keep or new_role == "scheme_manager" else ())
        r, s = validate(new_role, new_regions, new_schemes, known_schemes)
        return User(key, new_role, r, s, before.added_by, before.added_at, by.strip(), _now())

    return _change(folder, who, by, "change", update)


def remove(folder, who: str, *, by: str) -> None:
    def update(users, key, before):
        if before is None:
            raise UsersError(Said(N_("{key} is not in the table"), key=key))
        return None

    _change(folder, who, by, "remove", update)


def store_schemes(data_dir=None) -> set[str]:
    """The scheme ids of a store's schemes table (to check a scheme manager's schemes against)."""
    con = queries.connect(paths.data_dir(data_dir))
    try:
        return {str(s) for s in queries.schemes(con.cursor())["scheme_id"]}
    finally:
        con.close()
