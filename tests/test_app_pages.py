"""AppTest checks of the overview, connectedness, health and definitions pages, the URL filters and the downloads.

Each page: renders without exception, shows the registry's wording, reacts to a filter, shrugs off a tampered link
with a warning. Downloads: the table in the CSV a chart offers is byte for byte the one `python -m kpi table` prints for
`kpi.metrics.api.khi_table(...)` (after the metadata block, tests/test_app_exports.py).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from kpi.metrics import api, registry
from kpi.render import charts, export, people, tables
from kpi.data.queries import Filters
from tests.app_pages import record_downloads, resolve
from tests.exports import csv_parts
from tests.scopes import PUBLIC, SCHEMES

APP = str(Path(__file__).resolve().parent.parent / "app.py")
PAGES = ("overview", "connectedness", "health", "definitions")
NORTH_WEST = "E12000002"


def run_page(page: str, params: dict | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    for key, value in (params or {}).items():
        at.query_params[key] = value
    at.run()
    if page != "overview":
        at.switch_page(f"pages/{page}.py")
        for key, value in (params or {}).items():  # a page switch starts from a clean URL, as a new link would
            at.query_params[key] = value
        at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def texts(at: AppTest) -> str:
    parts = [m.value for m in at.markdown] + [m.label for m in at.metric] + [str(m.value) for m in at.metric]
    parts += [e.label for e in at.expander] + [h.value for h in at.header] + [h.value for h in at.subheader]
    parts += [c.value for c in at.caption] + [i.value for i in at.info]
    return "\n".join(parts)


def figures(at: AppTest) -> list[str]:
    """Every number on the page: metrics and the chart specs (a plotly chart is readable as JSON in AppTest)."""
    specs = [json.dumps(json.loads(el.proto.spec)["data"]) for el in at.get("plotly_chart")]
    return [str(m.value) for m in at.metric] + specs


@pytest.fixture(scope="module")
def pages(sample_store):
    """Each page rendered once with no filters (AppTest reads KHI_DATA_DIR when the app runs)."""
    mp = pytest.MonkeyPatch()
    mp.setenv("KHI_DATA_DIR", str(sample_store))
    try:
        yield {page: run_page(page) for page in PAGES}
    finally:
        mp.undo()


@pytest.mark.parametrize("page", PAGES)
def test_page_renders_with_sample_notice(pages, page):
    at = pages[page]
    assert not at.exception
    assert any("sample data" in i.value for i in at.info), "the synthetic-data banner is missing"


def test_overview_shows_headline_sentences_titles_and_harm_beside_them(pages, sample_env):
    page = texts(pages["overview"])
    table = api.headline(registry.HEADLINE_IDS, scope=PUBLIC)
    for row in table.to_dict("records"):
        assert row["sentence"] in page
        assert registry.get(row["metric_id"]).title in page
    for harm in ("connected_negative", "physical_health_negative", "connections_gets_in_way"):
        assert registry.get(harm).title in page
    assert "compared with" in page and "n = " in page and "95% interval" in page


def test_connectedness_shows_its_khis_and_the_ascof_caveat(pages):
    page = texts(pages["connectedness"])
    for mid in ("distance_connected_change", "distance_friends_more", "distance_friends_change"):
        assert registry.get(mid).title in page
    assert "not the same measure" in page
    titles = " ".join(json.loads(el.proto.spec)["layout"]["title"]["text"] for el in
                      pages["connectedness"].get("plotly_chart"))
    assert "lonely" in titles and "friends" in titles


def test_health_shows_net_impact_and_a_breakdown(pages):
    at = pages["health"]
    page = texts(at)
    for mid in ("physical_health_net", "emotional_health_net"):
        assert registry.get(mid).title in page
    at.segmented_control(key="health-by").set_value("primary_need").run()
    assert not at.exception
    spec = json.dumps(json.loads(at.get("plotly_chart")[1].proto.spec)["data"])
    assert "Learning disability" in spec


def test_definitions_lists_every_khi_and_the_coverage(pages):
    at = pages["definitions"]
    labels = [e.label for e in at.expander]
    for k in registry.REGISTRY:
        assert k.title in labels
    assert [m.label for m in at.metric][:3] == ["Answers", "People", "Schemes"]


@pytest.mark.parametrize("page", ["overview", "connectedness", "health"])
def test_a_region_in_the_link_changes_the_figures_and_stays_in_the_url(pages, sample_env, page):
    at = run_page(page, {"area": NORTH_WEST})
    assert at.sidebar.multiselect(key="khi_filter_place").value == [NORTH_WEST]
    assert figures(at) != figures(pages[page])
    assert at.query_params["area"] == [NORTH_WEST] or at.query_params["area"] == NORTH_WEST


def test_a_sidebar_choice_changes_the_figures_and_is_written_to_the_url(sample_env):
    at = run_page("overview")
    before = figures(at)
    at.sidebar.multiselect(key="khi_filter_period").set_value([2019]).run()
    assert not at.exception
    assert figures(at) != before
    assert "2019-20" in str(at.query_params["year"])
    at.sidebar.button[0].click().run()  # Clear filters
    assert "year" not in at.query_params and figures(at) == before


@pytest.mark.parametrize("page", PAGES)
def test_a_tampered_link_is_ignored_with_a_warning(sample_env, page):
    at = run_page(page, {"area": ["E12000002", "NOT-A-PLACE"], "year": "1066-67", "need": "<script>"})
    warning = " ".join(w.value for w in at.warning)
    assert "area=NOT-A-PLACE" in warning and "year=1066-67" in warning and "need=<script>" in warning
    if page != "definitions":  # the valid part of the link still applies
        assert at.sidebar.multiselect(key="khi_filter_place").value == ["E12000002"]


def test_filters_survive_a_page_switch(sample_env):
    at = run_page("overview", {"area": NORTH_WEST, "year": "2019-20"})
    at.switch_page("pages/health.py").run()
    assert at.sidebar.multiselect(key="khi_filter_place").value == [NORTH_WEST]
    assert at.sidebar.multiselect(key="khi_filter_period").value == [2019]


@pytest.fixture()
def downloads(monkeypatch):
    """What each download button gives when clicked, by its file name."""
    offered = record_downloads(monkeypatch)

    class Clicked(dict):
        def __missing__(self, name):
            for _, file_name, data in offered:
                if file_name == name:
                    out = resolve(data)
                    return out.encode() if isinstance(out, str) else out
            raise KeyError(name)

    return Clicked()


def test_csv_downloads_are_the_cli_tables_byte_for_byte(sample_env, downloads):
    f = Filters(years=(2019,), areas=(NORTH_WEST,))
    run_page("health", {"area": NORTH_WEST, "year": "2019-20"})
    info = export.ExportInfo(title="", period="2019-20", filters=f)

    def table_part(name):
        meta, table = csv_parts(downloads[name].decode())
        assert (meta["Period"], meta["Filters"]) == ("2019-20", "Year: 2019-20; Nation or region: North West")
        return table

    # = python -m kpi table, after the metadata block
    expected = api.khi_table("physical_health_positive", "arrangement", f, scope=PUBLIC)
    assert table_part("khi-physical_health_positive-by-arrangement.csv") == tables.to_csv(export.frame(expected, info))
    expected = api.khi_table("physical_health_positive", "year", f, scope=PUBLIC)
    assert table_part("khi-physical_health_positive-by-year.csv") == tables.to_csv(export.frame(expected, info))
    stacked = api.khi_tables(["physical_health_positive", "physical_health_negative", "emotional_health_positive",
                              "emotional_health_negative"], (), f, scope=PUBLIC)
    assert table_part("khi-health.csv") == tables.to_csv(export.frame(stacked, info))


def test_cached_tables_equal_the_api_tables(sample_env):
    """What pages render (the st.cache_data copy) is the same table the CLI prints."""
    from ui import data

    f = Filters(areas=(NORTH_WEST,))
    for mid, by in (("connected_positive", ()), ("lonely_often", "year"), ("emotional_health_net", "age_band")):
        cached = data._khi_tables((mid,), (by,) if isinstance(by, str) else by, f, 0.95, PUBLIC, "x", 0,
                                    api.connect(str(sample_env)))
        assert tables.to_csv(cached) == tables.to_csv(api.khi_table(mid, by, f, scope=PUBLIC))


def test_plain_table_uses_labels_and_the_suppressed_words(sample_env):
    from ui import blocks

    table = api.khi_table("connected_positive", "scheme", Filters(years=(2024,)), scope=SCHEMES)
    plain = blocks.plain_table(table)
    assert "Scheme" in plain and "Area" in plain and "scheme_id" not in plain
    hidden = table["suppressed"].to_numpy()
    assert hidden.any(), "the fixture should have small schemes in one year"
    assert (plain.loc[hidden, "Figure"] == "too few answers to show").all()


def test_missing_store_gives_a_plain_error_not_a_traceback(tmp_path, monkeypatch):
    monkeypatch.setenv("KHI_DATA_DIR", str(tmp_path / "nothing-here"))
    at = AppTest.from_file(APP, default_timeout=30).run()
    assert not at.exception
    assert "cannot find its data" in at.error[0].value


def test_charts_label_every_judgement_in_words(sample_env):
    table = api.khi_table("connected_positive", "region", scope=PUBLIC)
    fig = charts.bar_with_intervals(table, "area_name", title="t", benchmark=float(table["benchmark"].iloc[0]))
    labels = " ".join(fig.data[1].text)
    for judgement in set(table["comparison"]) - {"not compared"}:
        assert judgement in labels
    assert people.count(87) == 9 and people.count(4) == 0
    assert len(charts.people_pictogram(87).layout.shapes) == 20


# ---------------------------------------------------------------------------------------------------------------
# The legacy-multipage workaround (ui.nav.through_app) leans on Streamlit internals: these fail the day they move.


def test_streamlit_internals_the_workaround_uses_are_still_there():
    from streamlit.runtime import pages_manager
    from streamlit.runtime.scriptrunner_utils import script_run_context

    from ui import nav

    # A class attribute (not per instance): setting it on the class is what switches legacy mode off process-wide.
    assert "uses_pages_directory" in vars(pages_manager.PagesManager)
    assert nav.PagesManager is pages_manager.PagesManager
    assert nav.get_script_run_ctx is script_run_context.get_script_run_ctx


def test_a_pages_folder_still_turns_legacy_mode_on(tmp_path):
    """The workaround exists because a pages/ folder beside the main script sets the flag; if Streamlit stops doing
    that, the workaround (and its test) should go."""
    from streamlit.runtime.pages_manager import PagesManager

    (tmp_path / "pages").mkdir()
    (tmp_path / "main.py").write_text("")
    saved = PagesManager.uses_pages_directory
    try:
        PagesManager.uses_pages_directory = None
        PagesManager(str(tmp_path / "main.py"), setup_watcher=False)
        assert PagesManager.uses_pages_directory is True
    finally:
        PagesManager.uses_pages_directory = saved


def test_through_app_switches_legacy_mode_off_and_reruns(tmp_path):
    """A script beside a pages/ folder that calls through_app runs twice (the rerun), then with legacy mode off."""
    from streamlit.runtime.pages_manager import PagesManager

    (tmp_path / "pages").mkdir()
    script = tmp_path / "main.py"
    script.write_text(
        "import streamlit as st\n"
        "from ui import nav\n"
        "st.session_state['runs'] = st.session_state.get('runs', 0) + 1\n"
        "nav.through_app()\n"
        "st.markdown('after through_app')\n"
    )
    at = AppTest.from_file(str(script), default_timeout=30).run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.session_state["runs"] == 2
    assert PagesManager.uses_pages_directory is False
    assert [m.value for m in at.markdown] == ["after through_app"]
