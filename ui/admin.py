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
from kpi.data.said import say
from kpi.i18n import N_, _, pgettext
from kpi.metrics.scope import ADMIN_ROLES
from kpi.render import tables
from ui import blocks, data, nav

ROLE_WORDS = {"public": N_("Public (signed in, no more than the public)"), "ambassador": N_("Ambassador"),
              "hub": N_("Regional hub"), "scheme_manager": N_("Scheme manager"), "analyst": N_("Analyst or director"),
              "admin": N_("Administrator")}


def role_words(role: str) -> str:
    """A role as people read it, in the viewer's language (the code itself when it is not a known role)."""
    return _(ROLE_WORDS[role]) if role in ROLE_WORDS else role


def area_words(code: str) -> str:
    # Area names are the contract's (kpi.data.schema.AREAS); their Welsh comes from the catalogue when marked there.
    return _(schema.AREAS[code]) if code in schema.AREAS else code


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
        return ", ".join(area_words(r) for r in u.regions)
    return ", ".join(u.schemes)


PEOPLE_COLUMNS = (N_("Who (e-mail or sub:subject)"), N_("Role"), N_("Regions or schemes"), N_("Last changed"),
                  N_("Changed by"))


def people_table(folder: Path) -> pd.DataFrame:
    rows = [(u.key, role_words(u.role), _places(u), u.changed_at, u.changed_by) for u in users.load(folder).values()]
    return pd.DataFrame(rows, columns=[_(c) for c in PEOPLE_COLUMNS])


def edit_form(folder: Path, by: str) -> None:
    """Add someone, or change their role, regions or schemes: one form, `users.add` or `users.change`.

    The change is made in the submit button's callback (before the page runs again), so the table below already
    shows it and no rerun can lose the click.
    """
    schemes = data.schemes(scope=data.viewer_scope())  # an admin sees every scheme
    with st.form("khi_user_edit", clear_on_submit=False):
        st.text_input(_("E-mail address (or sub: and the provider's subject)"), key="admin_who")
        st.selectbox(_("Role"), list(ROLE_WORDS), format_func=role_words, key="admin_role")
        st.multiselect(_("Regions (for a regional hub)"), list(schema.AREAS), format_func=area_words,
                       key="admin_regions")
        st.multiselect(_("Schemes (for a scheme manager)"), list(schemes),
                       format_func=lambda s: f"{schemes[s][0]} ({s})", key="admin_schemes")
        st.form_submit_button(_("Save"), type="primary", on_click=_save, args=(folder, by, set(schemes)))
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
    except users.UsersError as exc:  # said now: the callback runs in the viewer's language
        ss["admin_edit_result"] = ("error", say(exc))
    else:
        where = f" ({_places(row)})" if _places(row) else ""
        done = _("Changed {key}: {role}{where}.") if existing else _("Added {key}: {role}{where}.")
        ss["admin_edit_result"] = ("success", done.format(key=row.key, role=role_words(row.role), where=where))


def remove_form(folder: Path, by: str) -> None:
    with st.form("khi_user_remove"):
        st.selectbox(_("Person"), list(users.load(folder)), index=None, placeholder=_("Choose someone"),
                     key="admin_remove_who")
        st.checkbox(_("Yes, take away their access now"), key="admin_remove_sure")
        st.form_submit_button(_("Remove"), on_click=_remove, args=(folder, by))
    blocks.say_result("admin_remove_result")


def _remove(folder: Path, by: str) -> None:
    ss = st.session_state
    who = ss.get("admin_remove_who")
    if who is None or not ss.get("admin_remove_sure"):
        ss["admin_remove_result"] = ("error", _("Choose the person and tick the box to remove them."))
        return
    try:
        users.remove(folder, who, by=by)
    except users.UsersError as exc:
        ss["admin_remove_result"] = ("error", say(exc))
    else:
        ss["admin_remove_result"] = ("success", _("Removed {who}. Their next page view is the public view.")
                                     .format(who=who))
        ss["admin_remove_who"], ss["admin_remove_sure"] = None, False


CHANGES_COLUMNS = (N_("When (UTC)"), N_("By"), N_("Change"), N_("Who"), N_("Now"))


def _action_words(action: str) -> str:
    # The log keeps the code (add, change, remove); English shows it as it is.
    words = {"add": pgettext("roles table change", "add"), "change": pgettext("roles table change", "change"),
             "remove": pgettext("roles table change", "remove")}
    return words.get(action, action)


def changes_table(folder: Path) -> pd.DataFrame:
    rows = [(e.get("at", ""), e.get("by", ""), _action_words(e.get("action", "")), e.get("key", ""),
             _after(e.get("after"))) for e in reversed(users.changes(folder))]
    return pd.DataFrame(rows, columns=[_(c) for c in CHANGES_COLUMNS])


def _after(after: dict | None) -> str:
    if not after:
        return _("removed")
    detail = ", ".join(after.get("regions") or after.get("schemes") or [])
    return after.get("role", "") + (f" ({detail})" if detail else "")


AUDIT_COLUMNS = ["at", "who", "action", "page", "metric", "by", "filters", "format", "scope"]


def audit_table(folder: Path, who: str | None = None, since: str | None = None) -> pd.DataFrame:
    """The audit log, newest first, one row a record; list and dict cells as compact text."""
    rows = audit.read(folder, who=who or None, since=since or None)
    frame = pd.DataFrame(reversed(rows), columns=AUDIT_COLUMNS)
    for col in ("metric", "by", "filters"):
        frame[col] = frame[col].map(lambda v: v if isinstance(v, str) else json.dumps(v, ensure_ascii=False))
    return frame.rename(columns=_audit_headers())


def _audit_headers() -> dict[str, str]:
    """The log's field names as its table's headers: as stored in English, in words in Welsh."""
    return {"at": pgettext("audit log column", "at"), "who": pgettext("audit log column", "who"),
            "action": pgettext("audit log column", "action"), "page": pgettext("audit log column", "page"),
            "metric": pgettext("audit log column", "metric"), "by": pgettext("audit log column", "by"),
            "filters": pgettext("audit log column", "filters"), "format": pgettext("audit log column", "format"),
            "scope": pgettext("audit log column", "scope")}


def audit_csv(frame: pd.DataFrame) -> str:
    """The audit log as CSV; names and filter values were typed by people, and to_csv neutralises every text cell."""
    return tables.to_csv(frame)
