"""Welsh on the Send data page, the Access and audit page, the sign-in block and ingest's messages (issue 14).

Ingest makes its messages once, in English (the quarantine file, the JSON report and the command line keep them byte
for byte); the page says them in the viewer's language when it shows them, so a Welsh viewer of a report made in
English reads Welsh. Expected Welsh is read through the catalogue (`_()` of the msgid) and must differ from the
English: a string left unwrapped or untranslated fails.
"""

from __future__ import annotations

import json
import pickle
from pathlib import Path

import pytest

from app_pages import open_page, sign_in_as

from kpi import i18n
from kpi.data import ingest, store, users
from kpi.data.said import Said, say
from kpi.metrics.scope import Scope
from ui import admin, auth, upload

BAD_DATE = "not a date"




def _bad_file(root: Path, folder: Path) -> tuple[Path, str]:
    """A responses CSV of two new rows of one scheme, the second (spreadsheet row 3) with a date that is not one."""
    rows = store.read_table(root, "responses").to_pandas().head(2).copy()
    rows["response_id"] = ["CY-1", "CY-2"]
    rows["completed_on"] = rows["completed_on"].astype(str)
    rows.loc[rows.index[1], "completed_on"] = BAD_DATE
    scheme = str(rows["scheme_id"].iloc[0])
    rows["scheme_id"] = scheme
    path = folder / "ffurflen.csv"
    rows.to_csv(path, index=False)
    return path, scheme


def _welsh_reason(scheme_file: str = "ffurflen.csv") -> str:
    """The reason the bad row should carry in Welsh, built from the catalogue."""
    problem = i18n._("'{value}' is not a valid date (expected YYYY-MM-DD or DD/MM/YYYY)").format(value=BAD_DATE)
    return i18n._("{file} row {row}, column {column}: {problem} [{rule}]").format(
        file=scheme_file, row=3, column="completed_on", problem=problem, rule="invalid_date")


def test_a_bad_rows_reason_is_made_in_english_and_said_in_welsh_with_file_row_column_and_rule(real_store, tmp_path):
    path, scheme = _bad_file(real_store, tmp_path)
    report = ingest.ingest([path], None, real_store, dry_run=True, allowed_schemes={scheme})
    [reason] = report.files[0].reasons
    english = ("ffurflen.csv row 3, column completed_on: 'not a date' is not a valid date (expected YYYY-MM-DD or "
               "DD/MM/YYYY) [invalid_date]")
    assert reason == english and json.loads(json.dumps(report.to_json()))["files"][0]["reasons"] == [english]
    with i18n.using("cy"):
        welsh = say(reason)
        assert welsh == _welsh_reason()
        table = upload.reasons_table(report)
        assert list(table.columns) == [i18n._("File"), i18n._("Reason")] != ["File", "Reason"]
        assert table.iloc[0, 1] == welsh
    assert welsh != english and "expected YYYY-MM-DD" not in welsh and " row 3, column " not in welsh
    for named in ("ffurflen.csv", "3", "completed_on", "[invalid_date]", BAD_DATE):  # file, row, column, rule
        assert named in welsh
    with i18n.using("en"):
        assert say(reason) == english  # English said again is itself


def test_a_refused_file_is_said_in_welsh_and_its_english_is_unchanged(real_store, tmp_path):
    with pytest.raises(ingest.IngestError) as refused:
        ingest.ingest([tmp_path / "nope.csv"], None, real_store, dry_run=True)
    assert str(refused.value) == f"{tmp_path / 'nope.csv'}: no such file"
    with i18n.using("cy"):
        welsh = say(refused.value)
        assert welsh == i18n._("{path}: no such file").format(path=tmp_path / "nope.csv")
    assert welsh != str(refused.value) and str(tmp_path / "nope.csv") in welsh


def test_a_header_that_maps_to_no_table_is_said_in_welsh_sentence_by_sentence(real_store, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("Response ID,Person ID,Scheme ID,Notes\nR1,P1,S1,x\n", encoding="utf-8")
    with pytest.raises(ingest.IngestError) as refused:
        ingest.ingest([bad], "responses", real_store, dry_run=True)
    english = str(refused.value)
    assert english.startswith(f"{bad}: the header cannot be mapped to the responses table (missing required columns")
    with i18n.using("cy"):
        welsh = say(refused.value)
        opening = i18n._("{where}: the header cannot be mapped to the {table} table ({problems}).").split("{where}")[1]
        assert opening.split("{table}")[0] in welsh
        assert i18n._("unknown columns: {columns}").format(columns="'Notes'") in welsh
    assert "cannot be mapped" not in welsh and "'Notes'" in welsh and str(bad) in welsh


def test_said_messages_survive_copy_pickle_and_json_as_their_english():
    said = Said("{file} row {row}: {problem} [{rule}]", file="a.csv", row=7,
                problem=Said("value is missing (the column is required)"), rule="required")
    assert said == "a.csv row 7: value is missing (the column is required) [required]"
    assert pickle.loads(pickle.dumps(said)).say() == said.say() and json.dumps(said) == json.dumps(str(said))
    with i18n.using("cy"):
        assert said.say() != said and "[required]" in said.say()


def test_the_upload_pages_words_are_welsh(real_store):
    with i18n.using("cy"):
        assert upload.kind_words("schemes") == i18n._("Schemes") != "Schemes"
        assert upload.scope_words(Scope.admin()) == i18n._("any scheme") != "any scheme"
        assert upload.change_words("submission S0001") == i18n._("submission {id}").format(id="S0001")
        assert "submission" not in upload.change_words("submission S0001")
        columns = list(upload.submissions_table([]).columns)
        assert columns == [i18n._(c) for c in upload.SUBMISSION_COLUMNS] and "When (UTC)" not in columns
    assert list(upload.submissions_table([]).columns)[1] == "When (UTC)"  # English unchanged


class _Uploaded:
    """What st.file_uploader hands the page (AppTest cannot choose files)."""

    def __init__(self, path: Path):
        self.name, self._data = path.name, path.read_bytes()
        self.size = len(self._data)

    def getvalue(self) -> bytes:
        return self._data


def test_a_welsh_scheme_manager_reads_the_upload_report_in_welsh(real_store, monkeypatch, tmp_path):
    import streamlit as st

    path, scheme = _bad_file(real_store, tmp_path)
    users.add(tmp_path / "access", "rheolwr@example.org", "scheme_manager", schemes=[scheme], by="test")
    sign_in_as(monkeypatch, "rheolwr@example.org")
    monkeypatch.setattr(st, "file_uploader", lambda *a, **k: [_Uploaded(path)])
    at = open_page("pages/upload.py", lang="cy")
    assert not at.error, [e.value for e in at.error]
    with i18n.using("cy"):
        assert [t.value for t in at.title] == [i18n._("Send data")] != ["Send data"]
        headers = [h.value for h in at.header]
        assert i18n._("Send files") in headers and i18n._("Submissions") in headers
        shown = "\n".join(m.value for m in at.markdown)
        assert i18n._("**What this page does:** you send files for {scope}. You see what would be stored and what"
                      " would be set aside, and why, before anything is stored. Stored rows show in the latest"
                      " figures at once, and in the public figures when an administrator publishes them."
                      ).format(scope=upload.scope_words(Scope.scheme_manager(scheme))) in shown
        assert i18n._("**{n:,} rows would be set aside** (quarantined), each with its reason:").format(n=1) in shown
        reasons = next(df.value for df in at.dataframe if i18n._("Reason") in df.value.columns)
        assert reasons[i18n._("Reason")].tolist() == [_welsh_reason()]
        assert [b.label for b in at.button if b.label == i18n._("Store these rows")]
    assert "What this page does" not in shown and "rows would be set aside" not in shown
    assert "is not a valid date" not in reasons.to_csv()


def test_the_access_and_audit_page_is_welsh(real_store, monkeypatch, tmp_path):
    access = tmp_path / "access"
    users.add(access, "root@example.org", "admin", by="test")
    users.add(access, "hwb@example.org", "hub", regions=["E12000002"], by="test")
    sign_in_as(monkeypatch, "root@example.org")
    at = open_page("pages/admin.py", lang="cy")
    with i18n.using("cy"):
        assert [t.value for t in at.title] == [i18n._("Access and audit")] != ["Access and audit"]
        people = at.dataframe[0].value
        assert list(people.columns) == [i18n._(c) for c in admin.PEOPLE_COLUMNS]
        assert i18n._("Regional hub") in people[i18n._("Role")].tolist()
        assert [b.label for b in at.button if b.label in (i18n._("Save"), i18n._("Remove"))] == [
            i18n._("Save"), i18n._("Remove")]
        assert i18n.pgettext("audit log column", "who") in at.dataframe[-1].value.columns
    assert "Save" not in [b.label for b in at.button] and "Regional hub" not in people.to_csv()
    # The removal is confirmed in Welsh, and the roles table keeps the code. AppTest formats the choice boxes'
    # options in the test's own thread, which has no session: it is told the language too.
    with i18n.using("cy"):
        at.selectbox(key="admin_remove_who").select("hwb@example.org")
        at.checkbox(key="admin_remove_sure").check()
        next(b for b in at.button if b.label == i18n._("Remove")).click()
        at.run()
        said = i18n._("Removed {who}. Their next page view is the public view.").format(who="hwb@example.org")
    assert [s.value for s in at.success] == [said] and "Removed" not in said
    assert users.changes(access)[-1]["action"] == "remove"


def test_sign_in_words_are_welsh():
    with i18n.using("cy"):
        assert i18n._(auth.SIGN_IN) != "Sign in" and i18n._(auth.SIGN_OUT) != "Sign out"
        assert "{who}" in i18n._("Signed in as **{who}**") and "Signed in" not in i18n._("Signed in as **{who}**")
        assert "expired" not in i18n._("Your sign-in has expired. Sign in again to continue.")
