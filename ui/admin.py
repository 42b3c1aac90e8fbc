"""The admin page's parts: the roles table (add, change, remove, each change logged) and the audit log (read, filter,
export). The same functions as `python -m kpi users ...` (kpi.data.users, kpi.data.audit): one engine, two doors.

Only an admin gets here: the page is listed in the navigation for admins only, and `require_admin` checks again on
every run (a typed URL or a role withdrawn a minute ago gets the "not available" message, nothing else).
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import streamlit as st

from kpi.data import audit, schema, users
from kpi.metrics.scope import ADMIN_ROLES
from kpi.render import tables
from ui import blocks, data, nav

ROLE_WORDS = {"public": "Public (signed in, no more than the public)", "ambassador": "Ambassador",
              "hub": "Regional hub", "scheme_manager": "Scheme manager", "analyst": "Analyst or director",
              "admin": "Administrator"}


def require_admin() -> tuple[Path, str]:
    """(the access folder, the admin's name for the logs); anyone else sees "not available" and the run stops."""
    _, me = nav.require_role(ADMIN_ROLES)
    folder = data.access_folder()
    if folder is None:
        st.info(nav.NOT_AVAILABLE)
        st.stop()
    return folder, me


def _places(u: users.User) -> str:
    if u.regions:
        return ", ".join(schema.AREAS.get(r, r) for r in u.regions)
    return ", ".join(u.schemes)


def people_table(folder: Path) -> pd.DataFrame:
    rows = [{"Who (e-mail or sub:subject)": u.key, "Role": ROLE_WORDS.get(u.role, u.role),
             "Regions or schemes": _places(u), "Last changed": u.changed_at, "Changed by": u.changed_by}
            for u in users.load(folder).values()]
    return pd.DataFrame(rows, columns=["Who (e-mail or sub:subject)", "Role", "Regions or schemes", "Last changed",
                                       "Changed by"])


def edit_form(folder: Path, by: str) -> None:
    """Add someone, or change their role, regions or schemes: one form, `users.add` or `users.change`.

    The change is made in the submit button's callback (before the page runs again), so the table below already
    shows it and no rerun can lose the click.
    """
    schemes = data.schemes(scope=data.viewer_scope())  # an admin sees every scheme
    with st.form("khi_user_edit", clear_on_submit=False):
        st.text_input("E-mail address (or sub: and the provider's subject)", key="admin_who")
        st.selectbox("Role", list(ROLE_WORDS), format_func=ROLE_WORDS.get, key="admin_role")
        st.multiselect("Regions (for a regional hub)", list(schema.AREAS), format_func=schema.AREAS.get,
                       key="admin_regions")
        st.multiselect("Schemes (for a scheme manager)", list(schemes),
                       format_func=lambda s: f"{schemes[s][0]} ({s})", key="admin_schemes")
        st.form_submit_button("Save", type="primary", on_click=_save, args=(folder, by, set(schemes)))
    blocks.say_result("admin_edit_result")


def _save(folder: Path, by: str, known: set[str]) -> None:
    ss = st.session_state
    who, role = ss.get("admin_who", ""), ss.get("admin_role")
    try:
        existing = users.normalise_key(who) in users.load(folder)
        if existing:
            row = users.change(folder, who, role=role, regions=ss.get("admin_regions", []),
                               schemes=ss.get("admin_schemes", []), by=by, known_schemes=known)
        else:
            row = users.add(folder, who, role, regions=ss.get("admin_regions", []),
                            schemes=ss.get("admin_schemes", []), by=by, known_schemes=known)
    except users.UsersError as exc:
        ss["admin_edit_result"] = ("error", str(exc))
    else:
        where = f" ({_places(row)})" if _places(row) else ""
        ss["admin_edit_result"] = ("success", f"{'Changed' if existing else 'Added'} {row.key}: "
                                              f"{ROLE_WORDS[row.role]}{where}.")


def remove_form(folder: Path, by: str) -> None:
    with st.form("khi_user_remove"):
        st.selectbox("Person", list(users.load(folder)), index=None, placeholder="Choose someone",
                     key="admin_remove_who")
        st.checkbox("Yes, take away their access now", key="admin_remove_sure")
        st.form_submit_button("Remove", on_click=_remove, args=(folder, by))
    blocks.say_result("admin_remove_result")


def _remove(folder: Path, by: str) -> None:
    ss = st.session_state
    who = ss.get("admin_remove_who")
    if who is None or not ss.get("admin_remove_sure"):
        ss["admin_remove_result"] = ("error", "Choose the person and tick the box to remove them.")
        return
    try:
        users.remove(folder, who, by=by)
    except users.UsersError as exc:
        ss["admin_remove_result"] = ("error", str(exc))
    else:
        ss["admin_remove_result"] = ("success", f"Removed {who}. Their next page view is the public view.")
        ss["admin_remove_who"], ss["admin_remove_sure"] = None, False


def changes_table(folder: Path) -> pd.DataFrame:
    rows = [{"When (UTC)": e.get("at", ""), "By": e.get("by", ""), "Change": e.get("action", ""),
             "Who": e.get("key", ""), "Now": _after(e.get("after"))} for e in reversed(users.changes(folder))]
    return pd.DataFrame(rows, columns=["When (UTC)", "By", "Change", "Who", "Now"])


def _after(after: dict | None) -> str:
    if not after:
        return "removed"
    detail = ", ".join(after.get("regions") or after.get("schemes") or [])
    return after.get("role", "") + (f" ({detail})" if detail else "")


AUDIT_COLUMNS = ["at", "who", "action", "page", "metric", "by", "filters", "format", "scope"]


def audit_table(folder: Path, who: str | None = None, since: str | None = None) -> pd.DataFrame:
    """The audit log, newest first, one row a record; list and dict cells as compact text."""
    rows = audit.read(folder, who=who or None, since=since or None)
    frame = pd.DataFrame(reversed(rows), columns=AUDIT_COLUMNS)
    for col in ("metric", "by", "filters"):
        frame[col] = frame[col].map(lambda v: v if isinstance(v, str) else json.dumps(v, ensure_ascii=False))
    return frame


def audit_csv(frame: pd.DataFrame) -> str:
    """The audit log as CSV; names and filter values were typed by people, and to_csv neutralises every text cell."""
    return tables.to_csv(frame)
