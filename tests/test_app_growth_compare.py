"""Regional growth and Compare areas: the kpi.render map, growth and comparison figures, and both pages rendered
with AppTest on the sample store."""

from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from app_pages import chart_specs, open_page, record_downloads, resolve

from kpi.metrics import api, registry, stats
from kpi.render import comparison, growth, maps, text
from kpi.data import schema
from kpi.render.style import COMPARISON_COLOURS, NO_JUDGEMENT_COLOURS
from kpi.metrics.disclosure import SUPPRESSED_TEXT
from tests.scopes import PUBLIC, SCHEMES
from tests.exports import csv_parts
from ui import similar_schemes



# ---------------------------------------------------------------------------------------------------------------
# Figures


@pytest.fixture(scope="module")
def store(sample_store):
    return str(sample_store)


def _map_locations(fig) -> list[str]:
    return [code for trace in fig.data for code in trace.locations]


def test_region_map_draws_the_twelve_areas_with_no_tiles_or_urls(store):
    table = api.khi_table("people_per_100k", "region", data_dir=store, scope=PUBLIC)
    fig = maps.region_map(table, title="People per 100,000")
    assert sorted(_map_locations(fig)) == sorted(schema.AREAS)
    assert all(t.type == "choroplethmap" and t.featureidkey == "properties.areacd" for t in fig.data)
    assert fig.layout.map.style == "white-bg"
    assert not fig.layout.map.layers  # no tile or raster source
    text = fig.to_json()
    assert "http" not in text, re.findall(r"https?://[^\"]{0,60}", text)[:3]


def test_region_map_hover_gives_value_interval_and_people(store):
    table = api.khi_table("people_growth_pct", "region", data_dir=store, scope=PUBLIC)
    fig = maps.region_map(table, title="Growth")
    north_west = [t for t in fig.data[0].text if "North West" in t][0]
    assert "95% interval" in north_west and "people supported in" in north_west
    assert fig.data[0].zmid == 0  # % growth crosses zero: a diverging scale centred on no change


def test_region_map_shows_suppressed_areas_as_too_few_answers():
    codes = list(schema.AREAS)
    table = pd.DataFrame({"metric_id": "connected_positive", "area_code": codes, "value": 90.0, "lower": 85.0,
                          "upper": 94.0, "denominator": 200, "confidence": "95%", "suppressed": False})
    table.loc[table["area_code"] == "N92000002", ["value", "lower", "upper", "suppressed"]] = [np.nan] * 3 + [True]
    fig = maps.region_map(table, title="x")
    assert list(fig.data[1].locations) == ["N92000002"]
    assert SUPPRESSED_TEXT in fig.data[1].text[0]
    assert len(fig.data[0].locations) == 11


def test_funnel_plot_limits_equal_stats_funnel_limits(store):
    table = api.funnel("connected_positive", data_dir=store, scope=SCHEMES)
    fig = comparison.funnel_plot(table, title="Funnel")
    baseline = float(table["baseline"].iloc[0]) / 100
    for name, level in (("99.8% limits", 0.998), ("95% limits", 0.95)):
        upper, lower = [t for t in fig.data if t.name == name]
        x = np.asarray(upper.x)
        for i in (0, len(x) // 3, len(x) - 1):
            lo, hi = stats.funnel_limits(baseline, x[i], level)
            assert upper.y[i] == pytest.approx(hi * 100, abs=1e-9)
            assert lower.y[i] == pytest.approx(lo * 100, abs=1e-9)
    assert min(upper.x) <= table["denominator"].min() and max(upper.x) >= table["denominator"].max()


def test_funnel_plot_names_outliers_and_counts_hidden_schemes(store):
    table = api.funnel("connected_positive", data_dir=store, scope=SCHEMES)
    inside = table.index[table["funnel_position_998"] == "within"][:2]
    table.loc[inside, ["suppressed", "value"]] = [True, np.nan]  # two more hidden, as disclosure control would
    hidden = int(table["suppressed"].sum())
    fig = comparison.funnel_plot(table, title="Funnel")
    notes = {a.text.replace("<br>", " ") for a in fig.layout.annotations}  # names are drawn on short lines
    outliers = table.loc[table["funnel_position_998"].isin(["above", "below"]), "scheme_name"]
    named = notes & set(outliers)
    assert len(outliers) and named and len(named) + _unnamed(notes) == len(outliers)
    assert f"{hidden} schemes not shown: {SUPPRESSED_TEXT}" in notes
    assert sum(len(t.x) for t in fig.data if t.mode == "markers") == len(table) - hidden


def _unnamed(notes: set[str]) -> int:
    """The count in the funnel's "N more schemes outside the limits are not named here" note (0 when none)."""
    found = [int(m.group(1)) for m in map(re.compile(r"^(\d+) more schemes? outside the limits").match, notes) if m]
    assert len(found) <= 1, notes
    return found[0] if found else 0


def test_a_crowded_funnel_names_the_furthest_outliers_without_overlap_and_counts_the_rest(store):
    """A national store has dozens of outliers (42 at 1M responses): their names drawn together overlap."""
    table = api.funnel("connected_positive", data_dir=store, scope=SCHEMES)
    within = table.index[table["funnel_position_998"] == "within"][:30]
    table.loc[within, "funnel_position_998"] = "above"
    table.loc[within, "value"] = table["baseline"].iloc[0] + 5 + np.arange(len(within)) * 0.1
    fig = comparison.funnel_plot.uncached(table, title="Funnel")
    shown = ~table["suppressed"].astype(bool) & table["value"].notna()  # hidden schemes are not drawn at all
    outliers = table.loc[shown & (table["funnel_position_998"] != "within")]
    names = dict(zip(outliers["scheme_name"], outliers["denominator"].astype(float)))
    named = [a for a in fig.layout.annotations if a.text.replace("<br>", " ") in names]
    notes = {a.text for a in fig.layout.annotations}
    assert len(named) + _unnamed(notes) == len(outliers) and _unnamed(notes) >= 30
    x_max = max(max(t.x) for t in fig.data if t.mode == "lines")
    for side in (-1, 1):  # names above the points, names below
        spans = sorted(comparison._label_span(a.x, x_max) for a in named if (a.ay > 0) == (side > 0))
        assert 0 < len(spans) <= comparison.NAMED_PER_SIDE
        assert all(a[1] < b[0] for a, b in zip(spans, spans[1:])), spans  # no name over another
    # the furthest out (in standard errors) above the benchmark is always named
    above = outliers[outliers["funnel_position_998"] == "above"]
    z = (above["value"] - table["baseline"].iloc[0]).abs() * np.sqrt(above["denominator"])
    assert above.loc[z.idxmax(), "scheme_name"] in {a.text.replace("<br>", " ") for a in named}


def test_comparison_chart_writes_the_judgement_beside_every_row(store):
    table = api.khi_table("connected_positive", "region", data_dir=store, scope=PUBLIC)
    fig = comparison.comparison_chart(table, title="Compare")
    labels = [a.text for a in fig.layout.annotations if a.xref == "paper" and a.yref == "y"]
    assert len(labels) == 12
    k = registry.get("connected_positive")
    for (_, row) in table.iterrows():  # regions against England, nations against the UK: each row names its own
        assert (f"{registry.format_value(k, row['value'])}  {row['comparison']}<br>vs {row['benchmark_name']}"
                in labels)
    colours = dict(zip(fig.data[0].y, fig.data[0].marker.color))
    for _, row in table.iterrows():
        assert colours[row["area_name"]] == COMPARISON_COLOURS[row["comparison"]]
    marks = dict(zip(fig.data[1].y, fig.data[1].x))  # each row's benchmark on its row
    assert all(marks[r["area_name"]] == r["benchmark"] for _, r in table.iterrows())
    # one benchmark for every row (the UK chosen): one line, named
    uk = api.khi_table("connected_positive", "region", api.Filters(benchmark="uk"), data_dir=store, scope=PUBLIC)
    fig = comparison.comparison_chart(uk, title="Compare")
    assert any(a.text.startswith("UK: ") for a in fig.layout.annotations)
    assert {a.text.split("  ")[-1] for a in fig.layout.annotations if a.yref == "y"} <= {"better", "similar", "worse"}


def test_comparison_chart_uses_no_judgement_words_and_colours():
    table = pd.DataFrame({"metric_id": "people_growth_share", "area_name": ["A", "B", "C"],
                          "value": [10.0, 20.0, 30.0], "lower": [8.0, 18.0, 28.0], "upper": [12.0, 22.0, 32.0],
                          "benchmark": 20.0, "comparison": ["lower", "similar", "higher"], "suppressed": False})
    fig = comparison.comparison_chart(table, title="Share")
    assert list(fig.data[0].marker.color) == [NO_JUDGEMENT_COLOURS[w] for w in ("lower", "similar", "higher")]
    assert {"10%  lower", "20%  similar", "30%  higher"} <= {a.text for a in fig.layout.annotations}


def test_growth_bars_label_each_area_with_its_status(store):
    table = api.khi_table("people_growth_pct", "region", data_dir=store, scope=PUBLIC)
    fig = growth.growth_bars(table, title="Growth")
    labels = {a.y: a.text for a in fig.layout.annotations if a.yref == "y"}
    assert labels["North West"].endswith("growing") and labels["East of England"].endswith("falling")
    assert growth.status_title(table).startswith("Areas growing, flat or falling since")


def test_people_stacked_has_a_panel_per_area_and_a_trace_per_arrangement(store):
    table = api.khi_table("people_supported", ("region", "year", "arrangement"), data_dir=store, scope=PUBLIC)
    fig = growth.people_stacked(table, title="People")
    assert {a.text.replace("<br>", " ") for a in fig.layout.annotations} >= set(schema.AREAS.values())
    assert {t.name for t in fig.data} == {schema.LABELS["arrangement"][a] for a in table["arrangement"].unique()}
    assert fig.layout.barmode == "stack"


# ---------------------------------------------------------------------------------------------------------------
# Pages


def _figures(at: AppTest) -> list[dict]:
    return [json.loads(spec) for spec in chart_specs(at)]


def _growth_expected(store, years: tuple[int, ...]) -> dict:
    """What the Regional growth page should say for these years, from kpi.metrics.api as the public sees it."""
    f = api.Filters(years=years)

    def parts(ids, by, filters):
        return api.split_by_metric(api.khi_tables(ids, by, filters, data_dir=store, scope=PUBLIC))

    totals, stories = [], []
    nations = tuple(a for a in schema.AREAS if a not in schema.ENGLISH_REGIONS)
    for programme in schema.PROGRAMMES:
        p = api.Filters(years=years, programmes=(programme,))
        eng = api.Filters(years=years, programmes=(programme,), areas=schema.ENGLISH_REGIONS)
        item = {"programme": programme, "all": parts(GROWTH_TOTALS, (), p), "england": parts(GROWTH_TOTALS, (), eng),
                "nations": parts(GROWTH_TOTALS, "region", api.Filters(years=years, programmes=(programme,),
                                                                       areas=nations)),
                "regions": parts([*GROWTH_TOTALS, "people_growth_share"], "region", eng)}
        totals.append(growth.summary_table(item, everywhere="UK"))
        stories.append(growth.summary_story(item))
    status = api.khi_table("people_growth_pct", "region", f, data_dir=store, scope=PUBLIC)
    return {"totals": pd.concat(totals, ignore_index=True), "stories": stories, "status": status}


GROWTH_TOTALS = ["people_growth_pct", "people_net_change"]


def _status_lists(at: AppTest) -> dict[str, str]:
    lists = next(m.value for m in at.markdown if m.value.startswith("- **Growing:**"))
    return dict(line.split(":** ", 1) for line in lists.replace("- **", "").splitlines())


def _names(status: pd.DataFrame, word: str) -> str:
    names = status.loc[(status["status"] == word) & ~status["suppressed"], "area_name"].tolist()
    return ", ".join(names) or "none"


def test_growth_page_opens_on_the_latest_year_with_the_story_and_the_totals(sample_env):
    at = open_page("pages/growth.py")
    first, last = api.people_years(data_dir=sample_env)
    assert at.radio(key="growth_span").value == "year"
    assert at.query_params["span"] in ("year", ["year"])
    assert any(f"Change compares **{schema.fy_label(last - 1)}** with **{schema.fy_label(last)}**" in m.value
               for m in at.markdown)
    expected = _growth_expected(str(sample_env), (last - 1, last))
    # The story leads, computed from the figures the public sees: one sentence per programme, Shared Lives first.
    bold = [m.value.strip("*") for m in at.markdown if m.value.startswith("**") and " in England " in m.value]
    assert bold == expected["stories"] and bold[0].startswith("Shared Lives in England ")
    england = expected["totals"].iloc[0]
    assert f"to {england['People at the end']:,.0f}" in bold[0] or "stayed at" in bold[0]
    # England, each nation and the UK, with start, end, change, % change and their intervals.
    totals = next(d.value for d in at.dataframe if "Place" in d.value.columns)
    pd.testing.assert_frame_equal(totals.reset_index(drop=True), expected["totals"], check_dtype=False)
    assert {"England", "Wales", "Scotland", "UK"} <= set(totals["Place"])
    # The growing / flat / falling lists are for the same year against the year before.
    lists = _status_lists(at)
    for word in ("Growing", "Flat", "Falling"):
        assert lists[word] == _names(expected["status"], word.lower())
    assert any(registry.GROWTH_RULE in m.value for m in at.markdown)
    # Below the totals, tabs; only the open one is built (the first: growing, flat or falling).
    assert [t.label for t in at.tabs] == ["Growing, flat or falling", "Map", "More or fewer people",
                                          "For the population size", "Each year, by arrangement"]
    assert [h.value for h in at.header][:2] == ["England and the nations", "Which areas are growing, flat or falling"]
    assert "Where people are supported" not in [h.value for h in at.header]
    assert len(_figures(at)) == 1 and _figures(at)[0]["layout"]["title"]["text"]
    assert "section" not in at.query_params  # the first tab needs nothing in the link
    assert not any("do not apply" in i.value for i in at.info)
    # People counts name the schemes' yearly returns as their source, never the outcomes tool.
    footers = [c.value for c in at.caption if c.value.startswith("Source:")]
    assert footers and all(f.startswith(f"Source: {text.PEOPLE_SOURCE}") for f in footers)


def test_growth_page_builds_the_tab_a_link_opens_and_keeps_its_choices_in_the_url(sample_env):
    at = open_page("pages/growth.py", section="map")
    assert [h.value for h in at.header][:2] == ["England and the nations", "Where people are supported"]
    assert _figures(at)[0]["data"][0]["type"] == "choroplethmap" and len(_figures(at)) == 1
    assert at.query_params["section"] in ("map", ["map"])
    # The map's measure is a choice kept in the URL.
    at.radio(key="growth_map_measure").set_value("growth").run()
    assert at.query_params["map"] in ("growth", ["growth"])
    title = _figures(at)[0]["layout"]["title"]["text"].replace("<br>", " ")
    assert "grew the fastest" in title and "The Northern Ireland" not in title
    # Each other tab builds its own charts and nothing else; a tab the page does not know is said and ignored.
    for section, header, charts in (("change", "How many more (or fewer) people", 2),
                                    ("rate", "People supported for the size of the population", 1),
                                    ("years", "People supported each year, by arrangement", 1)):
        at = open_page("pages/growth.py", section=section)
        assert [h.value for h in at.header][1] == header and len(_figures(at)) == charts, section
    at = open_page("pages/growth.py", section="everything")
    assert any("section=everything" in w.value for w in at.warning)
    assert [h.value for h in at.header][1] == "Which areas are growing, flat or falling"


def test_growth_page_keeps_a_longer_period_in_the_url(sample_env):
    first, last = api.people_years(data_dir=sample_env)
    at = open_page("pages/growth.py", span="all")
    assert at.radio(key="growth_span").value == "all"
    assert any(f"Change compares **{schema.fy_label(first)}** with **{schema.fy_label(last)}**" in m.value
               for m in at.markdown)
    status = api.khi_table("people_growth_pct", "region", api.Filters(years=tuple(range(first, last + 1))),
                           data_dir=sample_env, scope=PUBLIC)
    assert _status_lists(at)["Falling"] == _names(status, "falling")
    titles = [f["layout"]["title"]["text"].replace("<br>", " ") for f in _figures(at)]
    assert f"since {schema.fy_label(first)}" in " | ".join(titles)

    at.radio(key="growth_span").set_value("year").run()
    assert at.query_params["span"] in ("year", ["year"])

    at = open_page("pages/growth.py", span="decade")
    assert at.radio(key="growth_span").value == "year"
    assert any("span=decade" in w.value for w in at.warning)


def test_growth_page_csvs_have_columns_a_reader_understands(sample_env, monkeypatch):
    got = record_downloads(monkeypatch)
    for section in ("status", "map", "change", "rate", "years"):  # every tab's downloads
        open_page("pages/growth.py", section=section)
    # The table part of each CSV, after its metadata block (tests/test_app_exports.py checks the block).
    csvs = {name: csv_parts(resolve(data))[1] for label, name, data in got if name.endswith(".csv")}
    assert "people_supported_change_by_nation.csv" in csvs and "people_net_change_by_region.csv" in csvs
    for name, csv in csvs.items():
        header = csv.splitlines()[0].split(",")
        assert not {"denominator", "numerator", "metric_id", "method"} & set(header), name
    net = csvs["people_net_change_by_region.csv"].splitlines()[0]
    assert net.startswith("Area,From,To,People at the start,People at the end,Change,Change: lower 95% limit,")
    assert "% change" in csvs["people_supported_change_by_nation.csv"].splitlines()[0]


def test_growth_page_says_age_and_need_filters_do_not_apply(sample_env):
    at = open_page("pages/growth.py", age="18-24")
    assert any("do not apply" in i.value for i in at.info)


def test_compare_page_with_a_narrow_subgroup_says_so_instead_of_failing(sample_env):
    # Found by the load smoke through the stack: the similar-schemes section indexed an empty table.
    at = open_page("pages/compare.py", age="18-24", need="learning_disability", section="similar")
    assert not at.exception
    assert any(i.value in (similar_schemes.NO_FIGURES, similar_schemes.NOT_ENOUGH) for i in at.info) or at.dataframe


def test_compare_page_shows_outlier_schemes_above_and_below_the_funnel(sample_env):
    at = open_page("pages/compare.py", section="funnel")
    assert at.selectbox(key="compare_metric").value == "connected_positive"
    outliers = next(d.value for d in at.dataframe if "Where it sits" in d.value.columns)
    where = set(outliers["Where it sits"])
    assert where == {"above the 99.8% limit", "below the 99.8% limit"}
    [funnel] = _figures(at)  # the funnel tab builds the funnel only
    notes = {a["text"].replace("<br>", " ") for a in funnel["layout"]["annotations"]}  # names on short lines
    named = notes & set(outliers["Scheme"])
    assert named and len(named) + _unnamed(notes) == len(outliers)  # the table lists every one; the plot names some
    at = open_page("pages/compare.py")
    [comparison] = _figures(at)  # the first tab: the comparison chart only, no funnel or similar schemes built
    assert not any("Where it sits" in d.value.columns for d in at.dataframe)
    labels = [a["text"].split("  ")[-1] for a in comparison["layout"]["annotations"] if a.get("yref") == "y"]
    words = {label.split("<br>vs ")[0] for label in labels}  # the benchmark on its own line
    assert words <= {"better", "similar", "worse"} and "similar" in words
    # English regions against England, nations against the UK: each row names its benchmark
    assert {label.split("<br>vs ")[1] for label in labels} == {"England", "UK"}


def test_compare_page_restores_its_choices_from_the_url_and_ignores_bad_ones(sample_env):
    at = open_page("pages/compare.py", metric="lonely_often", level="scheme", ci="99.8")
    assert at.selectbox(key="compare_metric").value == "lonely_often"
    assert at.radio(key="compare_level").value == "scheme"
    hover = json.dumps(_figures(at)[0]["data"][0]["customdata"])
    assert "99.8% interval" in hover

    at = open_page("pages/compare.py", metric="not_a_khi")
    assert at.selectbox(key="compare_metric").value == "connected_positive"
    assert any("metric=not_a_khi" in w.value for w in at.warning)


def test_compare_page_explains_when_a_measure_has_no_funnel(sample_env):
    assert len(_figures(open_page("pages/compare.py", metric="people_per_100k"))) == 1
    at = open_page("pages/compare.py", metric="people_per_100k", section="funnel")
    assert any("funnel plot needs a percentage" in i.value for i in at.info) and not _figures(at)
    at = open_page("pages/compare.py", metric="people_per_100k", section="similar")
    assert any("measures from people's answers" in i.value for i in at.info)  # nor a group of similar schemes
    assert not _figures(at)


def test_compare_page_sets_a_scheme_against_its_similar_schemes(sample_env):
    scheme = sorted(api.scheme_list(scope=SCHEMES)["scheme_id"])[3]
    at = open_page("pages/compare.py", metric="dignity_always_mostly", scheme=scheme, section="similar")
    assert at.selectbox(key="compare_similar_scheme").value == scheme
    both = api.compare_with_similar("dignity_always_mostly", scheme, scope=SCHEMES)
    [similar_chart] = _figures(at)
    assert similar_chart["layout"]["title"]["text"].replace("<br>", " ").startswith(
        f"Dignity: always or mostly: {both.iloc[0]['scheme_name']} was ")
    assert {str(y) for y in similar_chart["data"][0]["y"]} == set(both["scheme_name"])
    group = next(d.value for d in at.dataframe if "Nearest" in d.value.columns)
    expected = api.similar_schemes(scheme, scope=SCHEMES)
    assert group["Scheme"].tolist() == expected["scheme_name"].tolist() and len(group) == 5
    at.select_slider(key="compare_similar_k").set_value(8).run()
    assert len(next(d.value for d in at.dataframe if "Nearest" in d.value.columns)) == 8
    assert at.query_params["scheme"] in (scheme, [scheme])
