"""AppTest checks of the overview, connectedness, health, living well and definitions pages, the URL filters and the downloads.

Each page: renders without exception, shows the registry's wording, reacts to a filter, shrugs off a tampered link
with a warning. Downloads: the table in the CSV a chart offers is byte for byte the one `python -m kpi table` prints for
`kpi.metrics.api.khi_table(...)` (after the metadata block, tests/test_app_exports.py).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from kpi.metrics import api, registry
from kpi.render import charts, export, people, tables
from kpi.data import schema
from kpi.data.queries import Filters
from tests.app_pages import chart_specs, record_downloads, resolve
from tests.exports import csv_parts
from tests.scopes import PUBLIC, SCHEMES

APP = str(Path(__file__).resolve().parent.parent / "app.py")
PAGES = ("overview", "connectedness", "health", "living_well", "definitions")
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
    parts += [c.value for c in at.caption] + [i.value for i in at.info] + [h.value for h in at.html]
    return "\n".join(parts)


def figures(at: AppTest) -> list[str]:
    """Every number on the page: metrics and the chart specs (a plotly chart is readable as JSON in AppTest)."""
    specs = [json.dumps(json.loads(spec)["data"]) for spec in chart_specs(at)]
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


@pytest.mark.parametrize("page", PAGES)
def test_the_sample_banner_speaks_plainly(pages, page):
    from ui import nav

    banner = [i.value for i in pages[page].info if nav.SAMPLE_BANNER in i.value]
    assert banner, "the plain-words sample banner is missing"
    assert "seed" not in banner[0] and "responses" not in banner[0], banner[0]


def test_definitions_explain_their_jargon(pages):
    page = texts(pages["definitions"]).lower()
    for jargon in ("quarantined", "store version"):
        assert jargon not in page
    assert "set aside" in page and "version" in page


def test_overview_shows_headline_sentences_titles_and_harm_beside_them(pages, sample_env):
    page = texts(pages["overview"])
    table = api.headline(registry.HEADLINE_IDS, scope=PUBLIC)
    for row in table.to_dict("records"):
        assert row["sentence"] in page
        assert registry.get(row["metric_id"]).title in page
    for harm in ("connected_negative", "physical_health_negative", "connections_gets_in_way"):
        assert registry.get(harm).title in page
    assert "compared with" in page and "n = " in page and "95% interval" in page


def test_connectedness_builds_only_the_open_tab_and_each_tab_shows_its_khis(pages, sample_env):
    at = pages["connectedness"]
    assert [t.label for t in at.tabs] == ["Connected and friendships", "Friends", "Support", "Loneliness",
                                          "Change over time", "England's care survey"]
    titles = [json.loads(spec)["layout"]["title"]["text"] for spec in chart_specs(at)]
    assert len(titles) == 2 and "Feeling connected" in " ".join(titles)  # the first tab only
    assert "not the same measure" not in texts(at)
    change = run_page("connectedness", {"section": "change"})
    for mid in ("distance_connected_change", "distance_friends_more", "distance_friends_change"):
        assert registry.get(mid).title in texts(change)
    assert "not the same measure" in texts(run_page("connectedness", {"section": "ascof"}))
    for section, word in (("friends", "friends"), ("lonely", "lonely"), ("helps", "gets in the way")):
        shown = run_page("connectedness", {"section": section})
        titles = " ".join(json.loads(spec)["layout"]["title"]["text"] for spec in chart_specs(shown))
        assert len(chart_specs(shown)) == 1 and word in titles.replace("<br>", " ").lower(), section
        assert shown.query_params["section"] in (section, [section])


def test_health_shows_net_impact_and_a_breakdown(pages):
    at = pages["health"]
    page = texts(at)
    for mid in ("physical_health_net", "emotional_health_net"):
        assert registry.get(mid).title in page
    at.segmented_control(key="health-by").set_value("primary_need").run()
    assert not at.exception
    spec = json.dumps(json.loads(chart_specs(at)[1])["data"])
    assert "Learning disability" in spec


LIVING_PAIRS = ("control", "safety", "doing_things", "community")
LIVING_CARDS = [*(f"{t}_net" for t in LIVING_PAIRS), "warmth_always_mostly", "kindness_always_mostly",
                "dignity_always_mostly"]


def test_living_well_shows_each_khi_with_n_and_its_interval(pages, sample_env):
    at = pages["living_well"]
    page = texts(at)
    shown = api.khi_tables(LIVING_CARDS, scope=PUBLIC)
    assert not shown["suppressed"].any(), "the whole sample has enough answers for every figure"
    for row in shown.to_dict("records"):  # each card: its title, n and 95% interval, as the api computes them
        k = registry.get(row["metric_id"])
        lo, hi = registry.format_value(k, row["lower"]), registry.format_value(k, row["upper"])
        assert k.title in page
        assert f"n = {row['denominator']:,.0f} · 95% interval {lo} to {hi}" in page, k.id
    # Positive and negative impact beside each other in one chart, and its table gives each its n and interval.
    split = json.dumps(json.loads(chart_specs(at)[0])["data"])
    for topic in ("Control over my life", "Feeling safe", "Doing things I enjoy", "Being part of the community"):
        assert topic in split
    at.toggle(key="living-split-table").set_value(True).run()
    plain = at.dataframe[0].value
    assert set(plain["Measure"]) == {registry.get(f"{t}_{side}").title for t in LIVING_PAIRS
                                     for side in ("positive", "negative")}
    assert plain["Number of answers (n)"].str.match(r"^[\d,]+$").all() and plain["95% interval"].str.contains(" to ").all()


def test_living_well_breaks_down_and_trends_the_chosen_measure(pages):
    at = pages["living_well"]
    at.selectbox(key="living-metric").set_value("dignity_always_mostly").run()
    at.segmented_control(key="living-by").set_value("age_band").run()
    assert not at.exception
    charts_shown = chart_specs(at)
    breakdown = json.loads(charts_shown[1])
    assert "18-24" in json.dumps(breakdown["data"])
    assert "Dignity" in json.loads(charts_shown[2])["layout"]["title"]["text"]


def test_definitions_lists_every_khi_and_the_coverage(pages):
    at = pages["definitions"]
    labels = [e.label for e in at.expander]
    for k in registry.REGISTRY:
        assert k.title in labels
    assert [m.label for m in at.metric][:3] == ["Answers", "People", "Schemes"]


@pytest.mark.parametrize("page", ["overview", "connectedness", "health", "living_well"])
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
    next(b for b in at.sidebar.button if b.label == "Clear filters").click().run()
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


# ---------------------------------------------------------------------------------------------------------------
# The overview's "Where to look", and views where every scheme is too small to show


def _links(at: AppTest) -> list[tuple[str, str, dict]]:
    """(the list item's words, the area linked to, the link's query) of each link to the Compare page."""
    from urllib.parse import parse_qs, urlsplit

    found = []
    for item in "\n".join(m.value for m in at.markdown).splitlines():
        for name, url in re.findall(r"\[Compare ([^\]]+)\]\(([^)]+)\)", item):
            assert urlsplit(url).path == "compare", url
            found.append((item, name, parse_qs(urlsplit(url).query)))
    return found


def test_overview_where_to_look_lists_the_areas_that_differ_and_links_to_them(pages, sample_env):
    from ui import cards, views

    at = pages["overview"]
    latest = max(api.years())
    regions = api.khi_tables(registry.HEADLINE_IDS, ("region",), Filters(years=(latest,)), scope=PUBLIC)
    differ = views.differing(regions[~regions["suppressed"]])
    links = _links(at)
    if differ.empty:
        assert cards.NO_AREA_DIFFERS in texts(at) and not links
        return
    assert len(links) == min(len(differ), cards.WHERE_TO_LOOK_MAX)
    wanted = {(r["metric_id"], r["area_code"]): r for r in differ.to_dict("records")}
    for item, name, query in links:
        assert query["level"] == ["region"] and query["year"] == [schema.fy_label(latest)]
        row = wanted.get((query["metric"][0], query["area"][0]))
        assert row is not None, f"{item} links to an area that does not differ"
        k = registry.get(row["metric_id"])
        # English regions against England, the nations against the UK, named in the sentence
        against = "England" if row["area_code"].startswith("E12") else "the UK"
        assert name == row["area_name"] and f"is {row['comparison']} than {against} on *{k.title}*" in item
        assert registry.format_value(k, row["value"]) in item and "95% interval" in item and "n = " in item
    if len(differ) > cards.WHERE_TO_LOOK_MAX:
        assert f"And {len(differ) - cards.WHERE_TO_LOOK_MAX} more" in texts(at)


def test_overview_where_to_look_keeps_the_view_in_its_links(sample_env):
    """A link carries the overview's other filters, so Compare opens on the same view."""
    at = run_page("overview", {"programme": "shared_lives"})
    links = _links(at)
    if not links:
        pytest.skip("no area differs for Shared Lives alone in this store")
    assert all(query["programme"] == ["shared_lives"] for _, _, query in links)


def test_overview_where_to_look_says_so_when_no_area_differs(sample_env):
    """One region in view: find, with the api (never a pinned figure), one that differs on no headline measure; the
    page must say so in words."""
    from ui import cards, views

    latest = max(api.years())
    for code in schema.AREAS:
        f = Filters(years=(latest,), areas=(code,))
        regions = api.khi_tables(registry.HEADLINE_IDS, ("region",), f, scope=PUBLIC)
        if views.differing(regions[~regions["suppressed"]]).empty:
            break
    else:
        pytest.skip("every region differs on some headline measure in this store")
    at = run_page("overview", {"area": code, "year": schema.fy_label(latest)})
    assert cards.NO_AREA_DIFFERS in texts(at)
    assert not _links(at)


def test_overview_impact_chart_says_which_period_it_covers(pages):
    impact = json.loads(chart_specs(pages["overview"])[-1])["layout"]["title"]["text"]
    first, last = min(api.years()), max(api.years())
    assert f"({schema.fy_label(first)} to {schema.fy_label(last)})" in impact.replace("<br>", " ")


def _all_suppressed_view(metric_id: str) -> dict:
    """URL parameters of a view (one year, area, age band and need) with schemes in it, every one too small to show:
    searched for with the api, so the test follows whatever the store holds."""
    latest = max(api.years())
    for code in schema.AREAS:
        for age in schema.AGE_BANDS:
            for need in schema.PRIMARY_NEEDS:
                f = Filters(years=(latest,), areas=(code,), age_bands=(age,), needs=(need,))
                funnel = api.funnel(metric_id, f, scope=SCHEMES)
                if len(funnel) >= 2 and funnel["suppressed"].all():
                    return {"year": schema.fy_label(latest), "area": code, "age": age, "need": need}
    pytest.skip("no view in this store has only suppressed schemes")


def test_a_view_where_every_scheme_is_too_small_says_so_instead_of_empty_axes(sample_env):
    from tests.app_pages import open_page
    from ui import blocks

    params = _all_suppressed_view("connected_positive")
    at = open_page("pages/compare.py", metric="connected_positive", level="region", **params)
    said = " ".join(i.value for i in at.info)
    assert blocks.NOTHING_SHOWN in said
    everything = texts(at) + " ".join(json.dumps(json.loads(spec)["layout"]) for spec in chart_specs(at))
    assert "within the" not in everything and "inside the 99.8% limits" not in everything
    # Each chart drawn has a figure in it; the funnel, with nothing to show, is not drawn at all.
    for spec in map(json.loads, chart_specs(at)):
        assert any(trace.get("x") or trace.get("y") for trace in spec["data"])


def test_funnel_title_never_claims_suppressed_schemes_are_within_the_limits(sample_env):
    from kpi.render import comparison

    params = _all_suppressed_view("connected_positive")
    f = Filters(years=(schema.parse_fy_label(params["year"]),), areas=(params["area"],), age_bands=(params["age"],),
                needs=(params["need"],))
    title = comparison.funnel_title(api.funnel("connected_positive", f, scope=SCHEMES))
    assert "within" not in title and "no scheme has enough answers" in title


@pytest.mark.parametrize("page", ["growth", "connectedness", "compare", "profile"])
def test_the_warming_opens_every_tab_of_the_pages_built_a_tab_at_a_time(sample_env, page):
    from perf import warm  # serve.sh's warming opens each tab after the first by its code

    codes = warm.SECTIONS[page]
    at = run_page(page)
    assert len(at.tabs) == len(codes) + 1
    headers = {tuple(h.value for h in at.header)}
    for code in codes:
        shown = run_page(page, {"section": code})
        assert not any("section=" in w.value for w in shown.warning), code  # a code the page knows
        headers.add(tuple(h.value for h in shown.header))
    assert len(headers) == len(codes) + 1, "each code opens its own tab"


def test_records_are_exactly_what_pandas_to_dict_gives(sample_env):
    from ui import views

    tables = [api.khi_tables(list(registry.COMPARED_IDS)[:12], "region", scope=PUBLIC),
              api.khi_tables(["distance_connected_change", "friends_median", "people_growth_pct"], scope=PUBLIC),
              api.khi_tables(["connected_positive", "lonely_often"], ("scheme",), scope=SCHEMES),
              pd.DataFrame({"n": pd.array([1, None], dtype="Int64"), "x": [0.5, float("nan")],
                            "t": pd.Series(["a", None], dtype="str"), "b": pd.array([True, None], dtype="boolean")})]
    for table in tables:
        got, want = views.records(table), table.to_dict("records")
        assert [list(r) for r in got] == [list(r) for r in want]
        assert repr(got) == repr(want)  # the same values, types and missing markers (None, nan)
