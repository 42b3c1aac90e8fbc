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

from kpi.data import paths, schema, store, submissions, versions
from kpi.data.ingest import IngestError, ingest
from kpi.metrics.scope import UPLOAD_ROLES, Scope
from kpi.render import tables
from ui import nav

MAX_MB = 50  # .streamlit/config.toml server.maxUploadSize: Streamlit refuses larger files before they arrive
KINDS = {"": "Find out from the file's columns", "responses": "Outcomes tool answers (responses)",
         "schemes": "Schemes", "people_supported": "People supported each year (yearly return)"}
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


def discard() -> None:
    staged = st.session_state.pop(_STAGED, None)
    if staged:
        shutil.rmtree(staged["folder"], ignore_errors=True)


def check(files: list[Path], table: str, scope: Scope):
    """The validation report of a dry run (nothing stored), or the IngestError that refuses the files.

    Kept for the session while the files, the kind chosen and the store's version stay the same: a rerun of the page
    (any widget) does not validate the files again.
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
        rows.append({"File": Path(f.path).name, "Matched to table": f.table, "Rows read": f.read,
                     "To be stored": f.stored, "Already in the store": f.duplicates, "Set aside": f.quarantined})
    return pd.DataFrame(rows)


def reasons_table(report) -> pd.DataFrame:
    """Every row that would be set aside, with its reason (file, row, column and rule are in the sentence)."""
    rows = [{"File": Path(f.path).name, "Reason": r} for f in report.files for r in f.reasons]
    return pd.DataFrame(rows, columns=["File", "Reason"])


def show_report(report) -> None:
    for f in report.files:
        details = [getattr(f, "match", ""), getattr(f, "read_as", ""), *getattr(f, "notes", [])]
        line = " ".join(d[:1].upper() + d[1:].rstrip(".") + "." for d in details if d)
        st.markdown(f"**{Path(f.path).name}**: read {f.read:,} = to be stored {f.stored:,} + already in the store "
                    f"{f.duplicates:,} + set aside {f.quarantined:,}." + (f" {line}" if line else ""))
    st.dataframe(report_table(report), hide_index=True, width="stretch")
    reasons = reasons_table(report)
    if len(reasons):
        st.markdown(f"**{len(reasons):,} rows would be set aside** (quarantined), each with its reason:")
        st.dataframe(reasons, hide_index=True, width="stretch")
        st.download_button("Download the rows set aside, with reasons (CSV)", data=tables.to_csv(reasons),
                           file_name="khi-upload-set-aside.csv", mime="text/csv", on_click="ignore",
                           icon=":material/download:")


def confirm(files: list[Path], table: str, scope: Scope, who: str) -> None:
    """Store the rows (the button's callback): the same run as the check, now committed as a submission."""
    try:
        report = ingest(files, table or None, paths.data_dir(), allowed_schemes=allowed_schemes(scope),
                        submitted_by=who)
    except (IngestError, store.StoreError) as exc:
        st.session_state["_khi_upload_result"] = ("error", str(exc))
        return
    stored = sum(f.stored for f in report.files)
    if report.committed:
        text = (f"Stored {stored:,} rows as submission {report.submission} (version {report.version} of the "
                "data). They are in the latest figures now, and in the public figures once an administrator "
                "publishes this version.")
    else:
        text = "Nothing new to store: every row was already in the store."
    st.session_state["_khi_upload_result"] = ("success", text)
    st.session_state["_khi_upload_nonce"] = st.session_state.get("_khi_upload_nonce", 0) + 1  # empty the uploader
    discard()


def my_submissions(scope: Scope, who: str) -> list[submissions.Submission]:
    """Admins see every submission; anyone else their own."""
    every = submissions.submissions(paths.data_dir())
    return every if scope.role == "admin" else [s for s in every if s.submitted_by == who]


def submissions_table(rows: list[submissions.Submission]) -> pd.DataFrame:
    out = []
    for s in reversed(rows):
        out.append({"Submission": s.id, "When (UTC)": s.at, "By": s.submitted_by,
                    "Files": ", ".join(f.get("name", "") for f in s.files) or s.label,
                    "Rows stored": sum(s.rows.values()), "Version": s.version,
                    "Withdrawn": "" if s.live else f"{s.withdrawn.get('at', '')} by {s.withdrawn.get('by', '')}: "
                                                   f"{s.withdrawn.get('reason', '')}"})
    return pd.DataFrame(out, columns=["Submission", "When (UTC)", "By", "Files", "Rows stored", "Version",
                                      "Withdrawn"])


def withdraw(submission_id: str | None, who: str) -> None:
    """The withdraw form's callback."""
    reason = st.session_state.get("withdraw_reason", "").strip()
    if not submission_id or not reason:
        st.session_state["_khi_withdraw_result"] = ("error", "Choose the submission and say why it is withdrawn.")
        return
    try:
        submissions.withdraw(paths.data_dir(), submission_id, who, reason)
    except store.StoreError as exc:
        st.session_state["_khi_withdraw_result"] = ("error", str(exc))
        return
    st.session_state["_khi_withdraw_result"] = ("success", f"Withdrew {submission_id}: its rows are no longer in "
                                                           "the latest figures.")
    st.session_state["withdraw_reason"] = ""


def versions_table() -> pd.DataFrame:
    rows = [{"Version": v.version, "Made (UTC)": v.committed_at, "What changed": v.change,
             "Answers": v.rows.get("responses", 0), "Live": "latest" if v.live else "",
             "Published": "published" if v.published else "", "Can be published": "yes" if v.readable else "no"}
            for v in reversed(versions.versions(paths.data_dir()))]
    return pd.DataFrame(rows)


def publish(who: str) -> None:
    """The publish button's callback: the latest version becomes what the public sees."""
    try:
        version = versions.publish(paths.data_dir(), None, who=who)
    except store.StoreError as exc:
        st.session_state["_khi_publish_result"] = ("error", str(exc))
        return
    st.session_state["_khi_publish_result"] = ("success", f"Published version {version}: the public sees it now.")


def scope_words(scope: Scope) -> str:
    if scope.role == "admin":
        return "any scheme"
    if scope.role == "hub":
        return "the schemes of " + ", ".join(schema.AREAS.get(r, r) for r in scope.regions)
    return "your scheme" + ("s " if len(scope.schemes) > 1 else " ") + ", ".join(scope.schemes)
