"""The Send data page's parts: upload files, see the validation report before anything is stored, confirm; the
submissions list with withdraw; publishing a version (admins). The same engine as `python -m kpi ingest`,
`submissions`, `withdraw` and `publish` (kpi.data.ingest, kpi.data.submissions, kpi.data.versions).

Who: a scheme manager for their schemes, a regional hub for its regions' schemes, an admin for all. The scope is
passed to ingest as `allowed_schemes`, so a file with a row for any other scheme is refused by the engine itself,
whatever the page shows.
"""

from __future__ import annotations

import hashlib
import re
import shutil
import tempfile
from pathlib import Path

import pandas as pd
import streamlit as st

from kpi import i18n
from kpi.data import paths, schema, store, submissions, versions
from kpi.data.ingest import IngestError, ingest
from kpi.data.said import say
from kpi.i18n import N_, _
from kpi.metrics.scope import UPLOAD_ROLES, Scope
from kpi.render import tables
from ui import nav

MAX_MB = 50  # .streamlit/config.toml server.maxUploadSize: Streamlit refuses larger files before they arrive
KINDS = {"": N_("Find out from the file's columns"), "responses": N_("Outcomes tool answers (responses)"),
         "schemes": N_("Schemes"), "people_supported": N_("People supported each year (yearly return)")}
_STAGED = "_khi_upload_staged"


def require_uploader() -> tuple[Scope, str]:
    """(the scope, the person's name for the records); anyone else sees "not available" and the run stops."""
    return nav.require_role(UPLOAD_ROLES)


def allowed_schemes(scope: Scope) -> set[str] | None:
    """The schemes this person may send data for (None: any, for admins)."""
    if scope.role == "admin":
        return None
    if scope.role == "scheme_manager":
        return set(scope.schemes)
    table = store.read_table(paths.data_dir(), "schemes", columns=["scheme_id", "area_code"]).to_pandas()
    return set(table.loc[table["area_code"].isin(scope.regions), "scheme_id"].astype(str))


def safe_name(name: str) -> str:
    """A file name kept to its last part and plain characters (no folders, no hidden or odd names)."""
    stem = re.sub(r"[^A-Za-z0-9._ -]+", "_", Path(name.replace("\\", "/")).name).strip(" .") or "upload"
    return stem[:120]


def stage(uploaded) -> list[Path]:
    """Write the uploaded files to this session's own folder (ingest reads files by path); the same files again
    are not written again."""
    key = tuple((f.name, f.size, hashlib.sha256(f.getvalue()).hexdigest()) for f in uploaded)
    staged = st.session_state.get(_STAGED)
    if staged and staged["key"] == key:
        return staged["paths"]
    discard()
    folder = Path(tempfile.mkdtemp(prefix="khi-upload-"))
    out, taken = [], set()
    for f in uploaded:
        name = safe_name(f.name)
        while name.lower() in taken:
            name = f"copy-{name}"
        taken.add(name.lower())
        (folder / name).write_bytes(f.getvalue())
        out.append(folder / name)
    st.session_state[_STAGED] = {"key": key, "paths": out, "folder": folder}
    return out


def kind_words(kind: str) -> str:
    """The kind of file as the choice box shows it, in the viewer's language."""
    return _(KINDS[kind])


def discard() -> None:
    staged = st.session_state.pop(_STAGED, None)
    if staged:
        shutil.rmtree(staged["folder"], ignore_errors=True)


def check(files: list[Path], table: str, scope: Scope):
    """The validation report of a dry run (nothing stored), or the IngestError that refuses the files.

    Kept for the session while the files, the kind chosen and the store's version stay the same: a rerun of the page
    (any widget) does not validate the files again. Its messages are English `Said`s, put in the viewer's language
    where they are shown (`say`), so switching language needs no new check.
    """
    staged = st.session_state.get(_STAGED) or {}
    key = (table, store.read_manifest(paths.data_dir()).version, scope)
    if staged.get("checked", (None, None))[0] == key:
        return staged["checked"][1]
    try:
        result = ingest(files, table or None, paths.data_dir(), dry_run=True, allowed_schemes=allowed_schemes(scope))
    except IngestError as exc:
        result = exc
    if staged:
        staged["checked"] = (key, result)
    return result


def report_table(report) -> pd.DataFrame:
    rows = []
    for f in report.files:
        rows.append({_("File"): Path(f.path).name, _("Matched to table"): f.table, _("Rows read"): f.read,
                     _("To be stored"): f.stored, _("Already in the store"): f.duplicates,
                     _("Set aside"): f.quarantined})
    return pd.DataFrame(rows)


def reasons_table(report) -> pd.DataFrame:
    """Every row that would be set aside, with its reason (file, row, column and rule are in the sentence), in the
    viewer's language: the report keeps them in English, as the quarantine file does."""
    rows = [{_("File"): Path(f.path).name, _("Reason"): say(r)} for f in report.files for r in f.reasons]
    return pd.DataFrame(rows, columns=[_("File"), _("Reason")])


def show_report(report) -> None:
    for f in report.files:
        details = [say(d) for d in (getattr(f, "match", ""), getattr(f, "read_as", ""), *getattr(f, "notes", []))]
        line = " ".join(d[:1].upper() + d[1:].rstrip(".") + "." for d in details if d)
        st.markdown(_("**{file}**: read {read:,} = to be stored {stored:,} + already in the store {duplicates:,} + set"
                      " aside {quarantined:,}.").format(file=Path(f.path).name, read=f.read, stored=f.stored,
                                                        duplicates=f.duplicates, quarantined=f.quarantined)
                    + (f" {line}" if line else ""))
    st.dataframe(report_table(report), hide_index=True, width="stretch")
    reasons = reasons_table(report)
    if len(reasons):
        st.markdown(_("**{n:,} rows would be set aside** (quarantined), each with its reason:").format(n=len(reasons)))
        st.dataframe(reasons, hide_index=True, width="stretch")
        st.download_button(_("Download the rows set aside, with reasons (CSV)"), data=tables.to_csv(reasons),
                           file_name="khi-upload-set-aside.csv", mime="text/csv", on_click="ignore",
                           icon=":material/download:")


def confirm(files: list[Path], table: str, scope: Scope, who: str) -> None:
    """Store the rows (the button's callback): the same run as the check, now committed as a submission."""
    try:
        report = ingest(files, table or None, paths.data_dir(), allowed_schemes=allowed_schemes(scope),
                        submitted_by=who)
    except (IngestError, store.StoreError) as exc:  # said now: the callback runs in the viewer's language
        st.session_state["_khi_upload_result"] = ("error", say(exc))
        return
    stored = sum(f.stored for f in report.files)
    if report.committed:
        text = _("Stored {n:,} rows as submission {submission} (version {version} of the data). They are in the"
                 " latest figures now, and in the public figures once an administrator publishes this version."
                 ).format(n=stored, submission=report.submission, version=report.version)
    else:
        text = _("Nothing new to store: every row was already in the store.")
    st.session_state["_khi_upload_result"] = ("success", text)
    st.session_state["_khi_upload_nonce"] = st.session_state.get("_khi_upload_nonce", 0) + 1  # empty the uploader
    discard()


def my_submissions(scope: Scope, who: str) -> list[submissions.Submission]:
    """Admins see every submission; anyone else their own."""
    every = submissions.submissions(paths.data_dir())
    return every if scope.role == "admin" else [s for s in every if s.submitted_by == who]


SUBMISSION_COLUMNS = (N_("Submission"), N_("When (UTC)"), N_("By"), N_("Files"), N_("Rows stored"), N_("Version"),
                      N_("Withdrawn"))


def submissions_table(rows: list[submissions.Submission]) -> pd.DataFrame:
    out = []
    for s in reversed(rows):
        withdrawn = "" if s.live else _("{at} by {by}: {reason}").format(
            at=s.withdrawn.get("at", ""), by=s.withdrawn.get("by", ""), reason=s.withdrawn.get("reason", ""))
        out.append((s.id, s.at, s.submitted_by, ", ".join(f.get("name", "") for f in s.files) or s.label,
                    sum(s.rows.values()), s.version, withdrawn))
    return pd.DataFrame(out, columns=[_(c) for c in SUBMISSION_COLUMNS])


def withdraw(submission_id: str | None, who: str) -> None:
    """The withdraw form's callback."""
    reason = st.session_state.get("withdraw_reason", "").strip()
    if not submission_id or not reason:
        st.session_state["_khi_withdraw_result"] = ("error", _("Choose the submission and say why it is withdrawn."))
        return
    try:
        submissions.withdraw(paths.data_dir(), submission_id, who, reason)
    except store.StoreError as exc:
        st.session_state["_khi_withdraw_result"] = ("error", say(exc))
        return
    st.session_state["_khi_withdraw_result"] = ("success", _("Withdrew {submission}: its rows are no longer in the"
                                                             " latest figures.").format(submission=submission_id))
    st.session_state["withdraw_reason"] = ""


def versions_table() -> pd.DataFrame:
    rows = [{_("Version"): v.version, _("Made (UTC)"): v.committed_at, _("What changed"): change_words(v.change),
             _("Answers"): v.rows.get("responses", 0), _("Live"): _("latest") if v.live else "",
             _("Published"): _("published") if v.published else "",
             _("Can be published"): _("yes") if v.readable else _("no")}
            for v in reversed(versions.versions(paths.data_dir()))]
    return pd.DataFrame(rows)


def change_words(change: str) -> str:
    """A version's change as recorded ("submission S0001", "withdrawal S0001", anything else) in the viewer's
    language; the record itself stays as written (code matches on it)."""
    kind, _sep, sid = (change or "").partition(" ")
    if kind == "submission" and sid:
        return _("submission {id}").format(id=sid)
    if kind == "withdrawal" and sid:
        return _("withdrawal {id}").format(id=sid)
    if change == "sample":
        return i18n.pgettext("version change", "sample")
    return change


def publish(who: str) -> None:
    """The publish button's callback: the latest version becomes what the public sees."""
    try:
        version = versions.publish(paths.data_dir(), None, who=who)
    except store.StoreError as exc:
        st.session_state["_khi_publish_result"] = ("error", say(exc))
        return
    st.session_state["_khi_publish_result"] = ("success", _("Published version {version}: the public sees it now.")
                                               .format(version=version))


def area_words(code: str) -> str:
    # Area names are the contract's (kpi.data.schema.AREAS); their Welsh comes from the catalogue when marked there.
    return _(schema.AREAS[code]) if code in schema.AREAS else code


def scope_words(scope: Scope) -> str:
    """What this person may send data for, as the page's first sentence says it."""
    if scope.role == "admin":
        return _("any scheme")
    if scope.role == "hub":
        return _("the schemes of {areas}").format(areas=", ".join(area_words(r) for r in scope.regions))
    return i18n.ngettext("your scheme {schemes}", "your schemes {schemes}", len(scope.schemes)).format(
        schemes=", ".join(scope.schemes))
