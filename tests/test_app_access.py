"""Who sees what, through the pages: the viewer's scope decided on the server (ui.data.viewer_scope).

The sign-in itself is tested in the browser through a real identity provider (tests/browser/test_sign_in.py); here
the signed-in identity is set directly so each role's pages can be checked quickly with AppTest.
"""

from __future__ import annotations

import functools
import io
import re

import openpyxl
import pptx
import pypdf
import pytest
from streamlit.testing.v1 import AppTest

from app_pages import chart_specs, open_page, record_downloads, resolve, sign_in_as

from kpi.data import audit, store, users
from ui import auth, nav

NORTH_WEST = "E12000002"




def _scheme_names(root) -> dict[str, str]:
    t = store.read_table(root, "schemes").to_pandas()
    return dict(zip(t["scheme_name"], t["area_code"]))


def _everything_shown(at: AppTest) -> str:
    """Every text, table cell and chart of a page, as one string."""
    parts = [m.value for m in at.markdown] + [i.value for i in at.info] + [w.value for w in at.warning]
    parts += [h.value for h in at.html] + [df.value.to_csv() for df in at.dataframe]
    parts += chart_specs(at)
    return "\n".join(parts)


def _compare_tabs(**params) -> list[AppTest]:
    """The Compare page with each of its tabs open (only the open one is built)."""
    return [open_page("pages/compare.py", **params, **section) for section in ({}, {"section": "funnel"},
                                                                               {"section": "similar"})]


def test_a_real_store_without_sign_in_serves_the_public_view_only(real_store):
    for tab, at in enumerate(_compare_tabs(level="scheme")):
        assert any(nav.NOT_AVAILABLE == i.value for i in at.info)
        levels = [r.options for r in at.radio if r.key == "compare_level"]  # on the first tab only
        assert levels == ([["Nations and regions"]] if tab == 0 else [])
        shown = _everything_shown(at)
        assert not [name for name in _scheme_names(real_store) if name in shown]


def test_a_real_store_without_sign_in_offers_no_scheme_in_presentation_mode(real_store):
    at = open_page("pages/presentation.py")
    picker = at.selectbox(key="pres_scheme")
    assert picker.options == ["All schemes in the area"]


def test_signed_in_hub_sees_its_region_schemes_only_and_the_view_is_audited(real_store, monkeypatch, tmp_path):
    users.add(tmp_path / "access", "hub@example.org", "hub", regions=[NORTH_WEST], by="test")
    sign_in_as(monkeypatch, "hub@example.org")
    names = _scheme_names(real_store)
    for at in _compare_tabs(level="scheme"):
        shown = _everything_shown(at)
        assert not [n for n, area in names.items() if area != NORTH_WEST and n in shown]
    shown = _everything_shown(open_page("pages/compare.py", level="scheme"))
    assert [n for n, area in names.items() if area == NORTH_WEST and n in shown]
    log = audit.read(tmp_path / "access", who="hub@example.org")
    assert any(r["action"] == "view" and "scheme" in r["by"] for r in log)


def test_signed_in_hub_profiles_its_own_regions_schemes_only(real_store, monkeypatch, tmp_path):
    users.add(tmp_path / "access", "hub@example.org", "hub", regions=[NORTH_WEST], by="test")
    sign_in_as(monkeypatch, "hub@example.org")
    names = _scheme_names(real_store)
    for section in ({}, {"section": "spine"}):  # the table, and one place's spine chart
        at = open_page("pages/profile.py", level="scheme", **section)
        assert at.radio(key="profile_level").value == "scheme"
        assert at.selectbox(key="profile_region").options == ["North West"]
        shown = _everything_shown(at)
        assert not [n for n, area in names.items() if area != NORTH_WEST and n in shown]
        if section:  # the spine chart's places to choose from: the hub's own schemes
            offered = at.selectbox(key="profile_place").options
            assert offered and all(names.get(n) == NORTH_WEST for n in offered), offered
        else:
            assert [n for n, area in names.items() if area == NORTH_WEST and n in shown]
            assert "than England" in shown or "to England" in shown  # schemes in England against England


def test_signed_in_person_not_in_the_roles_table_is_the_public(real_store, monkeypatch):
    sign_in_as(monkeypatch, "stranger@example.org")
    for at in _compare_tabs(level="scheme"):
        assert any(nav.NOT_AVAILABLE == i.value for i in at.info)
        assert not [name for name in _scheme_names(real_store) if name in _everything_shown(at)]


def test_removing_someone_from_the_roles_table_takes_effect_at_once(real_store, monkeypatch, tmp_path):
    users.add(tmp_path / "access", "hub@example.org", "hub", regions=[NORTH_WEST], by="test")
    sign_in_as(monkeypatch, "hub@example.org")
    assert open_page("pages/compare.py", level="scheme").radio(key="compare_level").options == [
        "Nations and regions", "Schemes"]
    users.remove(tmp_path / "access", "hub@example.org", by="test")
    assert open_page("pages/compare.py", level="scheme").radio(key="compare_level").options == ["Nations and regions"]


def test_the_synthetic_sample_without_sign_in_says_everyone_sees_everything(sample_env):
    at = open_page("pages/overview.py")
    banner = [i.value.replace("**", "") for i in at.info]
    assert any("not real people. Sign-in is off" in b for b in banner)  # two sentences, not run together


@pytest.fixture()
def downloads(monkeypatch):
    return record_downloads(monkeypatch)


def _contents(data, file_name: str = "") -> str:
    """The text inside a download: CSV and SVG as they are, every cell of both sheets of an XLSX, every text frame
    of a PowerPoint, every PDF page; for a PNG, the figure and footer it is drawn from (reading text back out of
    pixels would prove nothing more)."""
    if isinstance(data, functools.partial) and data.func.__name__ == "figure_png":
        return data.args[0].to_json() + str(data.args[1])
    data = resolve(data)
    if isinstance(data, str):
        return data
    if file_name.endswith(".xlsx"):
        book = openpyxl.load_workbook(io.BytesIO(data))
        return "\n".join(str(v) for sheet in book for row in sheet.iter_rows(values_only=True) for v in row
                         if v is not None)
    if data[:4] == b"PK\x03\x04":
        deck = pptx.Presentation(io.BytesIO(data))
        return "\n".join(shape.text_frame.text for slide in deck.slides for shape in slide.shapes
                         if shape.has_text_frame)
    if data[:5] == b"%PDF-":
        return "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(data)).pages)
    return data.decode("utf-8")


def _leaks(text: str, root, typed: str = "") -> list[str]:
    """Scheme names and ids in a text ("North West 1" must not match inside "North West 10"); the id the person
    typed into the link may be echoed back ("not recognised: scheme=..."), which tells them nothing new."""
    names = [n for n in _scheme_names(root) if re.search(re.escape(n) + r"(?!\d)", text)]
    return names + [sid for sid in _scheme_ids(root) if sid != typed and re.search(rf"\b{re.escape(sid)}\b", text)]


@pytest.mark.parametrize("page", ["overview", "connectedness", "health", "living_well", "growth", "compare", "profile",
                                  "definitions", "presentation"])
def test_a_signed_out_session_sees_no_scheme_on_anyopen_page(real_store, monkeypatch, downloads, page):
    monkeypatch.setattr(auth, "configured", lambda: True)  # sign-in configured, nobody signed in
    monkeypatch.setattr(auth, "identity", lambda: None)
    monkeypatch.setattr(auth, "sidebar", lambda: None)
    scheme = sorted(_scheme_ids(real_store))[0]  # a tampered link naming a scheme
    at = open_page(f"pages/{page}.py", level="scheme", scheme=scheme)
    assert not _leaks(_everything_shown(at), real_store, scheme)  # texts, tables and charts on screen
    offered = {file_name: _contents(data, file_name) for _, file_name, data in downloads}
    if page != "definitions":
        assert offered, "the page offers downloads to check"
    if page == "presentation":
        assert {name.rsplit(".", 1)[1] for name in offered} >= {"pptx", "pdf", "png", "svg"}
    elif page != "definitions":
        assert {name.rsplit(".", 1)[1] for name in offered} == {"csv", "xlsx"}
    for file_name, text in offered.items():
        assert text.strip(), file_name
        assert not _leaks(text, real_store), file_name  # no CSV, slide, PDF or picture names a scheme


def test_store_totals_are_rounded_for_the_public_and_exact_for_analysts(real_store, monkeypatch, tmp_path):
    exact = store.read_manifest(real_store).rows["responses"]
    public = open_page("pages/definitions.py")
    answers = next(m for m in public.metric if m.label == "Answers").value
    assert answers == f"about {round(exact, -2):,}"
    users.add(tmp_path / "access", "ana@example.org", "analyst", by="test")
    sign_in_as(monkeypatch, "ana@example.org")
    analyst = open_page("pages/definitions.py")
    assert next(m for m in analyst.metric if m.label == "Answers").value == f"{exact:,}"


def _scheme_ids(root) -> list[str]:
    return store.read_table(root, "schemes").to_pandas()["scheme_id"].tolist()


def test_navigation_lists_the_admin_page_for_admins_only():
    from kpi.metrics.scope import Scope

    def titles(scope):
        return [title for _, title, _ in nav.page_list(scope)]

    assert "Access and audit" in titles(Scope.admin())
    for scope in (Scope.public(), Scope.ambassador(), Scope.hub(NORTH_WEST), Scope.scheme_manager("SL001"),
                  Scope.analyst()):
        assert "Access and audit" not in titles(scope), scope
        assert titles(scope)[0] == "Overview"
        assert ("Send data" in titles(scope)) == (scope.role in ("hub", "scheme_manager")), scope
        assert len(titles(scope)) == 9 + ("Send data" in titles(scope))
    assert "Send data" in titles(Scope.admin())


@pytest.mark.parametrize("who, role", [(None, None), ("hub@example.org", "hub"), ("ana@example.org", "analyst")])
def test_the_admin_page_shows_nothing_to_anyone_else(real_store, monkeypatch, tmp_path, who, role):
    users.add(tmp_path / "access", "someone@example.org", "hub", regions=[NORTH_WEST], by="test")
    if who:
        users.add(tmp_path / "access", who, role, regions=[NORTH_WEST] if role == "hub" else (), by="test")
        sign_in_as(monkeypatch, who)
    else:
        monkeypatch.setattr(auth, "configured", lambda: True)
        monkeypatch.setattr(auth, "identity", lambda: None)
        monkeypatch.setattr(auth, "sidebar", lambda: None)
    at = open_page("pages/admin.py")  # a typed URL: the page is not in their navigation, so the overview opens
    assert "Access and audit" not in [t.value for t in at.title]
    assert "someone@example.org" not in _everything_shown(at)
    # Even if the navigation listed it (a mistake, or the first request of a fresh server), the page checks again.
    monkeypatch.setattr(nav, "PAGES", tuple((*p[:3], None) for p in nav.PAGES))
    at = open_page("pages/admin.py")
    assert [t.value for t in at.title] == ["Access and audit"]
    assert [i.value for i in at.info] == [nav.NOT_AVAILABLE]
    assert not at.dataframe and not at.text_input
    assert "someone@example.org" not in _everything_shown(at)


def test_an_admin_adds_changes_and_removes_people_and_reads_the_audit_log(real_store, monkeypatch, tmp_path):
    access = tmp_path / "access"
    users.add(access, "root@example.org", "admin", by="test")
    audit.record(access, "hub@example.org", "download", page="compare", metric="connected_positive",
                 by=["scheme"], fmt="csv")
    sign_in_as(monkeypatch, "root@example.org")
    at = open_page("pages/admin.py")
    assert "hub@example.org" in at.dataframe[-1].value["who"].tolist()  # the audit log

    at.text_input(key="admin_who").input("Mo@Example.org")
    at.selectbox(key="admin_role").select("scheme_manager")
    scheme = sorted(_scheme_ids(real_store))[0]
    at.multiselect(key="admin_schemes").select(scheme)
    next(b for b in at.button if b.label == "Save").click()
    at.run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    row = users.load(access)["mo@example.org"]
    assert (row.role, row.schemes, row.changed_by) == ("scheme_manager", (scheme,), "root@example.org")
    assert "mo@example.org" in at.dataframe[0].value.iloc[:, 0].tolist()

    at.selectbox(key="admin_role").select("ambassador")
    at.multiselect(key="admin_schemes").unselect(scheme)
    next(b for b in at.button if b.label == "Save").click()
    at.run()
    assert users.load(access)["mo@example.org"].role == "ambassador"

    at.selectbox(key="admin_remove_who").select("mo@example.org")
    next(b for b in at.button if b.label == "Remove").click()
    at.run()
    assert "mo@example.org" in users.load(access), "not removed without ticking the box"
    assert at.error
    at.checkbox(key="admin_remove_sure").check()
    next(b for b in at.button if b.label == "Remove").click()
    at.run()
    assert "mo@example.org" not in users.load(access)
    log = users.changes(access)
    assert [e["action"] for e in log if e["key"] == "mo@example.org"] == ["add", "change", "remove"]
    assert {e["by"] for e in log if e["key"] == "mo@example.org"} == {"root@example.org"}


def test_a_download_of_scheme_figures_is_audited_as_a_download(real_store, monkeypatch, tmp_path):
    import pandas as pd

    from kpi.data.queries import Filters
    from ui import downloads

    access = tmp_path / "access"
    users.add(access, "hub@example.org", "hub", regions=[NORTH_WEST], by="test")
    sign_in_as(monkeypatch, "hub@example.org")
    schemes = pd.DataFrame({"metric_id": ["connected_positive"], "scheme_id": ["SL001"], "scheme_name": ["x"],
                            "area_code": [NORTH_WEST]})
    regions = pd.DataFrame({"metric_id": ["connected_positive"], "area_code": [NORTH_WEST]})
    def make() -> str:
        return "the file"

    assert downloads.logged(make, regions, "csv", Filters()) is make  # the public figures a hub downloads: no record
    button_data = downloads.logged(make, schemes, "csv", Filters(years=(2024,)))
    assert audit.read(access) == []  # nothing is logged until the file is made (the click)
    assert button_data() == "the file"
    (entry,) = audit.read(access)
    assert (entry["action"], entry["by"], entry["format"], entry["metric"], entry["filters"]) == (
        "download", ["scheme"], "csv", ["connected_positive"], {"years": [2024]})
    assert entry["who"] == "hub@example.org" and entry["scope"] == f"hub ({NORTH_WEST})"


def test_what_a_hub_was_shown_is_never_served_to_the_public_from_a_cache(real_store, monkeypatch, tmp_path):
    # Figures and CSVs are remembered per process (kpi.render.memo) and data per scope (ui.data): a hub's view of
    # its schemes, then the same link signed out, in one process.
    users.add(tmp_path / "access", "hub@example.org", "hub", regions=[NORTH_WEST], by="test")
    sign_in_as(monkeypatch, "hub@example.org")
    hub = open_page("pages/compare.py", level="scheme", metric="connected_positive")
    assert _leaks(_everything_shown(hub), real_store)
    monkeypatch.setattr(auth, "identity", lambda: None)
    public = open_page("pages/compare.py", level="scheme", metric="connected_positive")
    assert not _leaks(_everything_shown(public), real_store)


def _ingest_one_more(root, tmp_path):
    """A real submission after the store's published version: version 2 holds one more answer."""
    from kpi.data.ingest import ingest

    t = store.read_table(root, "responses").to_pandas().head(1)
    path = tmp_path / "one.csv"
    t.assign(response_id="NEW-1").to_csv(path, index=False)
    return ingest([path], "responses", root, submitted_by="test")


def test_the_public_sees_the_published_version_and_analysts_may_choose_the_latest(real_store, monkeypatch, tmp_path):
    published = store.published_version(real_store)
    report = _ingest_one_more(real_store, tmp_path)
    assert report.committed and report.version > published
    public = open_page("pages/definitions.py", version="latest")  # asking for the latest changes nothing
    assert f"These are version {published} of the figures" in _everything_shown(public)
    assert not [w for w in public.warning if "not yet published" in w.value]
    assert "Show the latest figures, not yet published" not in [t.label for t in public.toggle]

    users.add(tmp_path / "access", "ana@example.org", "analyst", by="test")
    sign_in_as(monkeypatch, "ana@example.org")
    analyst = open_page("pages/definitions.py")
    exact = lambda at: next(m for m in at.metric if m.label == "Answers").value  # noqa: E731
    published_total = exact(analyst)
    analyst.toggle(key="khi_latest").set_value(True).run()
    assert [w.value for w in analyst.warning if "not yet published" in w.value]
    assert int(exact(analyst).replace(",", "")) == int(published_total.replace(",", "")) + 1
    assert analyst.query_params.get("version") == "latest"
    assert f"These are version {report.version} of the figures" in _everything_shown(analyst)


def test_a_real_store_with_nothing_published_shows_the_public_nothing(real_store, monkeypatch, tmp_path):
    (real_store / "submissions.jsonl").unlink(missing_ok=True)  # no publication record: nothing published
    assert store.published_version(real_store) is None
    for page in ("overview", "compare", "presentation", "definitions"):
        at = open_page(f"pages/{page}.py")
        assert [i.value for i in at.info] == [nav.NOTHING_PUBLISHED]
        assert not at.metric and not chart_specs(at) and not at.dataframe
    users.add(tmp_path / "access", "ana@example.org", "analyst", by="test")
    sign_in_as(monkeypatch, "ana@example.org")
    at = open_page("pages/overview.py")  # the national team sees the latest, labelled as not published
    assert [w.value for w in at.warning if "Nothing is published yet" in w.value]
    assert chart_specs(at)


def test_a_hub_sets_its_scheme_against_similar_schemes_and_learns_no_other_name(real_store, monkeypatch, tmp_path,
                                                                                 downloads):
    """The Compare page's similar schemes for a signed-in hub: its own schemes to choose from, the group's schemes
    outside its region named by their area only, in the page and in the CSV."""
    users.add(tmp_path / "access", "hub@example.org", "hub", regions=[NORTH_WEST], by="test")
    sign_in_as(monkeypatch, "hub@example.org")
    at = open_page("pages/compare.py", metric="dignity_always_mostly", section="similar")
    schemes = store.read_table(real_store, "schemes").to_pandas()
    own = set(schemes.loc[schemes["area_code"] == NORTH_WEST, "scheme_id"])
    assert set(at.selectbox(key="compare_similar_scheme").options) == {
        f"{r.scheme_name} (North West)" for r in schemes.itertuples() if r.scheme_id in own}
    group = next(d.value for d in at.dataframe if "Nearest" in d.value.columns)
    elsewhere = group[group["Area"] != "North West"]
    assert len(group) == 5 and len(elsewhere), "the fixture should give a group across regions"
    assert elsewhere["Scheme"].str.startswith("A scheme in ").all() and "Distance (standardised)" not in group
    others = schemes[schemes["area_code"] != NORTH_WEST]
    csvs = [_contents(d, name) for _, name, d in downloads if "similar_schemes" in name]
    assert csvs, "the similar schemes chart offers its CSV"
    shown = _everything_shown(at) + "".join(csvs)
    assert not [n for n in others["scheme_name"] if re.search(re.escape(n) + r"(?!\d)", shown)]
