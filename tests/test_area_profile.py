"""Benchmarks by geography, the area profile and the spine chart: the api on the fixture store, the figures, and the
page with AppTest."""

from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd
import pytest

from app_pages import chart_specs, open_page

from kpi.cli import main
from kpi.data import schema
from kpi.metrics import api, registry
from kpi.metrics.disclosure import SUPPRESSED_TEXT
from kpi.render import profile
from tests.scopes import EXACT, PUBLIC

IDS = ["connected_positive", "lonely_often", "friends_median", "connected_net", "people_per_100k"]


@pytest.fixture(scope="module")
def latest(sample_store) -> int:
    return max(api.years(data_dir=sample_store))


@pytest.fixture(scope="module")
def region_profile(sample_store):
    return api.profile(registry.COMPARED_IDS, "region", scope=PUBLIC, data_dir=sample_store)


# ---------------------------------------------------------------------------------------------------------------
# Benchmarks by geography


def test_english_regions_are_compared_with_england_and_nations_with_the_uk(sample_store):
    t = api.khi_table("connected_positive", "region", scope=PUBLIC, data_dir=sample_store).set_index("area_code")
    assert set(t.loc[list(schema.ENGLISH_REGIONS), "benchmark_name"]) == {"England"}
    assert set(t.loc[["W92000004", "S92000003", "N92000002"], "benchmark_name"]) == {"UK"}
    nations = api.khi_table("connected_positive", "nation", scope=PUBLIC, data_dir=sample_store).set_index(
        "area_code")
    uk = api.khi_table("connected_positive", (), scope=PUBLIC, data_dir=sample_store)
    assert t.loc["E12000001", "benchmark"] == nations.loc[schema.ENGLAND, "value"]
    assert t.loc["W92000004", "benchmark"] == uk["value"].iloc[0]
    assert nations["area_name"].tolist() == [schema.NATIONS[c] for c in nations.index]


def test_the_uk_stays_available_as_an_explicit_choice(sample_store):
    f = api.Filters(benchmark="uk")
    t = api.khi_table("connected_positive", "region", f, scope=PUBLIC, data_dir=sample_store)
    uk = api.khi_table("connected_positive", (), scope=PUBLIC, data_dir=sample_store)
    assert set(t["benchmark_name"]) == {"UK"} and set(t["benchmark"]) == {uk["value"].iloc[0]}
    with pytest.raises(ValueError, match="benchmark must be one of"):
        api.khi_table("connected_positive", "region", api.Filters(benchmark="france"), scope=PUBLIC,
                      data_dir=sample_store)


def test_a_scheme_is_compared_with_its_nation(sample_store):
    t = api.khi_table("connected_positive", "scheme", scope=EXACT, data_dir=sample_store)
    expected = t["area_code"].map(lambda a: schema.NATIONS[schema.nation_of(a)])
    assert (t["benchmark_name"] == expected).all()
    assert {"England", "Wales", "Scotland", "Northern Ireland"} <= set(t["benchmark_name"])
    # the benchmark beside a scheme in Wales is Wales's own public figure (the analyst's own figure is exact)
    wales = api.khi_table("connected_positive", (), api.Filters(areas=("W92000004",)), scope=EXACT,
                          data_dir=sample_store)
    assert set(t.loc[t["area_code"] == "W92000004", "benchmark"]) == {wales["value"].iloc[0]}


def test_a_filtered_place_names_its_benchmark(sample_store):
    def name(areas):
        t = api.khi_table("connected_positive", (), api.Filters(areas=areas), scope=PUBLIC, data_dir=sample_store)
        return t["benchmark_name"].iloc[0]

    assert name(("E12000002",)) == "England"
    assert name(("W92000004",)) == "UK"  # a nation against itself would always be similar
    assert name(schema.ENGLISH_REGIONS) == "UK"
    assert name(("E12000002", "W92000004")) == "UK"
    assert api.khi_table("people_supported", "region", scope=PUBLIC, data_dir=sample_store)[
        "benchmark_name"].eq("").all()  # counts of people are not compared


def test_kpi_table_gives_england_and_nation_totals(sample_store, capsys):
    # JSON: the api's own columns (the CSV is the export format, tests/test_export.py)
    assert main(["table", "people_per_100k", "--by", "nation", "--data", str(sample_store), "--format", "json"]) == 0
    frame = pd.DataFrame(json.loads(capsys.readouterr().out))
    assert frame["area_name"].tolist() == ["England", "Northern Ireland", "Scotland", "Wales"]
    assert set(frame["benchmark_name"]) == {"UK"} and frame["value"].notna().all()
    england = api.khi_table("connected_positive", (), api.Filters(areas=schema.ENGLISH_REGIONS), scope=EXACT,
                            data_dir=sample_store)
    by_nation = api.khi_table("connected_positive", "nation", scope=EXACT, data_dir=sample_store)
    row = by_nation[by_nation["area_code"] == schema.ENGLAND].iloc[0]
    assert (row["numerator"], row["denominator"]) == (england["numerator"].iloc[0], england["denominator"].iloc[0])


# ---------------------------------------------------------------------------------------------------------------
# The profile


@pytest.mark.parametrize("bench", ["auto", "uk"])
def test_profile_cells_equal_kpi_table_for_the_same_khi_area_and_benchmark(sample_store, latest, capsys, bench):
    cells = api.profile(IDS, "region", api.Filters(benchmark=bench), scope=PUBLIC, data_dir=sample_store)
    cols = ["area_code", "value", "lower", "upper", "benchmark", "benchmark_name", "comparison", "suppressed"]
    for mid in IDS:
        assert main(["table", mid, "--by", "region", "--year", str(latest), "--benchmark", bench, "--data",
                     str(sample_store), "--format", "json"]) == 0
        printed = pd.DataFrame(json.loads(capsys.readouterr().out))
        mine = cells[cells["metric_id"] == mid]
        assert len(mine) == 12
        got = mine[cols].reset_index(drop=True)
        want = printed[cols].reset_index(drop=True)
        pd.testing.assert_frame_equal(got, want, check_dtype=False, check_exact=False, rtol=1e-6)


def test_profile_has_every_compared_khi_for_every_area_with_a_trend(region_profile):
    t = region_profile
    assert set(t["metric_id"]) == set(registry.COMPARED_IDS)
    assert t.groupby("metric_id")["area_code"].apply(set).map(lambda s: s == set(schema.AREAS)).all()
    labels = {"increasing", "decreasing", "no significant change", "cannot be calculated", "not tested"}
    assert set(t["trend"]) <= labels
    shares = t["metric_id"].map(lambda m: registry.get(m).share_of_people)
    assert (t.loc[~shares, "trend"] == "not tested").all()
    assert (t.loc[shares, "trend"] != "not tested").all()


@pytest.mark.parametrize("metric_id,area", [("connected_positive", "E12000002"), ("lonely_often", "W92000004")])
def test_profile_trend_is_the_trend_test_of_that_place(sample_store, region_profile, metric_id, area):
    _, result = api.trend(metric_id, api.Filters(areas=(area,)), scope=PUBLIC, data_dir=sample_store)
    row = region_profile[(region_profile["metric_id"] == metric_id) & (region_profile["area_code"] == area)].iloc[0]
    assert (row["trend"], row["trend_assessment"]) == (result.label, result.assessment)


def test_scheme_profile_is_refused_to_the_public_and_narrowed_to_a_region(sample_store):
    with pytest.raises(api.ScopeError):
        api.profile(IDS, "scheme", scope=PUBLIC, data_dir=sample_store)
    t = api.profile(IDS, "scheme", api.Filters(areas=("S92000003",)), scope=EXACT, data_dir=sample_store)
    assert len(t) and set(t["area_code"]) == {"S92000003"} and set(t["benchmark_name"]) == {"Scotland"}


# ---------------------------------------------------------------------------------------------------------------
# Figures


def _fake(rows) -> pd.DataFrame:
    base = dict(metric_id="connected_positive", metric_title="Feeling connected: positive impact", lower=80.0,
                upper=95.0, denominator=500, benchmark=90.0, benchmark_name="England", confidence="95%",
                trend="no significant change", trend_assessment="", suppressed=False, suppression="")
    return pd.DataFrame([{**base, **r} for r in rows])


def test_profile_html_says_each_judgement_in_words_and_shape_and_names_hidden_cells():
    t = _fake([dict(area_code="E12000001", area_name="North East", value=87.0, comparison="better",
                    trend="increasing", trend_assessment="getting better"),
               dict(area_code="E12000002", area_name="North West", value=np.nan, comparison="not compared",
                    suppressed=True),
               dict(area_code="E12000003", area_name="Yorkshire and The Humber", value=70.0, comparison="worse")])
    html = profile.profile_html(t, lambda m, c: f"compare?metric={m}&area={c}")
    assert "▲ better" in html and "▼ worse" in html and "#92D050" in html and "#C00000" in html
    assert "↑ increasing, getting better" in html and "→ no significant change" in html
    assert SUPPRESSED_TEXT in html
    assert 'href="compare?metric=connected_positive&amp;area=E12000001"' in html
    assert "England (benchmark)" in html
    assert re.search(r"North East, Feeling connected: positive impact: 87% ▲ better than England.*n = 500", html)


def test_spine_frame_gives_the_range_of_places_and_the_benchmark(region_profile):
    spine = profile.spine_frame(region_profile, "E12000002")
    assert set(spine["metric_id"]) == set(registry.COMPARED_IDS)
    row = spine.set_index("metric_id").loc["connected_positive"]
    shown = region_profile[(region_profile["metric_id"] == "connected_positive") & ~region_profile["suppressed"]]
    values = shown["value"].astype(float)
    assert row["lowest"] == values.min() and row["highest"] == values.max()
    assert row["p25"] == pytest.approx(np.percentile(values, 25)) and row["benchmark_name"] == "England"
    fig = profile.spine_chart(spine, title="North West")
    marker = fig.data[-1]
    assert len(marker.y) == len(spine) and all("n = " in h or SUPPRESSED_TEXT in h for h in marker.customdata[-5:])
    table = profile.spine_table(spine)
    assert {"Number of answers (n)", "95% interval", "Lowest", "Highest", "Benchmark"} <= set(table.columns)


# ---------------------------------------------------------------------------------------------------------------
# The page


def test_profile_page_renders_every_khi_for_every_area_with_links(sample_env):
    at = open_page("pages/profile.py")
    html = next(h.value for h in at.html if "khi-profile" in h.value)
    for name in schema.AREAS.values():
        assert f'<th scope="col">{name}</th>' in html
    for mid in registry.COMPARED_IDS:
        assert f">{registry.get(mid).title}<" in html
        assert f"compare?metric={mid}&amp;level=region" in html
    # each cell's link names its own KHI and place (the page passes a link template the builder fills in)
    assert re.search(r'href="compare\?metric=friendships_positive&amp;level=region&amp;bench=auto&amp;year=[0-9-]+'
                     r'&amp;area=W92000004"', html)
    assert "KHI-METRIC" not in html and "KHI-PLACE" not in html
    assert "England (benchmark)" in html and "UK (benchmark)" in html
    assert re.search(r"(better|similar|worse) than England|similar to England", html)
    assert at.radio(key="profile_bench").value == "auto"
    assert not chart_specs(at)  # the first tab is the table: the spine chart is built when its tab opens
    at = open_page("pages/profile.py", section="spine")
    assert at.selectbox(key="profile_place").value == "E12000001"
    assert len(chart_specs(at)) == 1  # the spine chart
    spine = next(d.value for d in at.dataframe if "Lowest" in d.value.columns)
    assert len(spine) == len(registry.COMPARED_IDS)
    assert {"Number of answers (n)", "95% interval", "Benchmark", "Recent trend"} <= set(spine.columns)
    shown = spine[spine["Figure"] != SUPPRESSED_TEXT]
    assert len(shown) and shown["Number of answers (n)"].str.contains("n = |people supported").all()


def test_profile_page_restores_the_uk_benchmark_and_a_place_from_the_url(sample_env):
    at = open_page("pages/profile.py", bench="uk", place="W92000004")
    html = next(h.value for h in at.html if "khi-profile" in h.value)
    assert "England (benchmark)" not in html and "UK (benchmark)" in html
    assert "bench=uk" in html
    at = open_page("pages/profile.py", bench="uk", place="W92000004", section="spine")
    assert at.selectbox(key="profile_place").value == "W92000004"
    assert "UK" in chart_specs(at)[0]
