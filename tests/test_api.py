"""kpi.metrics.api.khi_table: the tidy table every output shares, its disclosure control and the analysts' CLI."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from kpi.metrics import api, disclosure, perturb, registry
from kpi.render import export, tables
from kpi.cli import main
from tests.exports import csv_parts, csv_table
from tests.scopes import PUBLIC, SCHEMES, Scope

GROUPINGS = [(), ("region",), ("scheme",), ("year",), ("arrangement",), ("age_band",), ("primary_need",),
             ("region", "year"), ("scheme", "year")]
RESPONSE_KHIS = [k.id for k in registry.REGISTRY if k.table != "people_supported"]
GROWTH_KHIS = [k.id for k in registry.REGISTRY if k.table == "people_supported"]


# How far a published denominator can be from the true one: one perturbed count, or a sum of several.
SPREAD = {"paired_change": 4 * perturb.MAX_CHANGE, "net": 2 * perturb.MAX_CHANGE}


@pytest.mark.parametrize("by", GROUPINGS, ids=lambda b: "-".join(b) or "overall")
@pytest.mark.parametrize("metric_id", RESPONSE_KHIS)
def test_public_rows_come_from_published_counts_and_hide_small_ones(sample_store, metric_id, by):
    k = registry.get(metric_id)
    f = api.Filters(years=(2023,))  # one year: many small cells
    public = api.khi_table(metric_id, by, f, data_dir=sample_store, scope=SCHEMES)
    exact = api.khi_table(metric_id, by, f, data_dir=sample_store, scope=Scope.analyst())
    assert len(public) == len(exact)
    threshold = max(k.min_n, disclosure.MIN_DENOMINATOR)
    spread = SPREAD.get(k.kind, perturb.MAX_CHANGE)
    true_n = exact["denominator"].astype(float).to_numpy()
    assert public.loc[true_n < threshold - spread, "suppressed"].all()  # too small to reach the threshold
    hidden = public[public["suppressed"]]
    assert hidden[["value", "lower", "upper", "numerator", "denominator"]].isna().all().all()
    shown = ~public["suppressed"].to_numpy()
    published_n = public.loc[shown, "denominator"].astype(float).to_numpy()
    assert (published_n >= threshold).all()
    assert (np.abs(published_n - true_n[shown]) <= spread).all()
    if k.share_of_people:  # the figure is the published numerator over the published denominator, as shown
        num = public.loc[shown, "numerator"].astype(float).to_numpy()
        np.testing.assert_array_equal(public.loc[shown, "value"].astype(float),
                                      registry.round_shown(k, 100 * num / published_n))


@pytest.mark.parametrize("metric_id", GROWTH_KHIS)
@pytest.mark.parametrize("by", [("region",), ("scheme",), ("region", "year")], ids=lambda b: "-".join(b))
def test_growth_tables_suppress_small_schemes(sample_store, metric_id, by):
    public = api.khi_table(metric_id, by, data_dir=sample_store, scope=SCHEMES)
    shown = public[~public["suppressed"]]
    assert (shown["denominator"].astype(float) >= disclosure.MIN_DENOMINATOR).all()
    assert public.loc[public["suppressed"], "value"].isna().all()


def test_table_is_self_describing(sample_store):
    t = api.khi_table("connected_positive", "region", data_dir=sample_store, scope=PUBLIC)
    for col in ("metric_id", "area_code", "area_name", "numerator", "denominator", "value", "lower", "upper",
                "suppressed", "benchmark", "comparison", "confidence", "statistic", "method"):
        assert col in t.columns
    assert set(t["area_code"]) <= set(api.schema.AREAS)
    assert (t["confidence"] == "95%").all() and (t["method"].str.startswith("Wilson")).all()
    shown = t[~t["suppressed"]]
    assert ((shown["lower"] <= shown["value"]) & (shown["value"] <= shown["upper"])).all()
    assert set(shown["comparison"]) <= {"better", "similar", "worse"}


def test_comparison_follows_the_interval_and_direction(sample_store):
    t = api.khi_table("lonely_often", "scheme", data_dir=sample_store, confidence=0.998, scope=SCHEMES)
    t = t[~t["suppressed"]]
    assert (t["confidence"] == "99.8%").all()
    worse = t[t["comparison"] == "worse"]  # low is good: worse means significantly MORE lonely
    # Limits and benchmark are both shown to the KHI's precision: a limit just past the benchmark can round onto it.
    assert (worse["lower"] >= worse["benchmark"]).all() and (worse["upper"] > worse["benchmark"]).all()
    better = t[t["comparison"] == "better"]
    assert (better["upper"] <= better["benchmark"]).all() and (better["lower"] < better["benchmark"]).all()
    similar = t[t["comparison"] == "similar"]
    assert ((similar["lower"] <= similar["benchmark"]) & (similar["benchmark"] <= similar["upper"])).all()


def test_funnel_finds_the_sample_outliers_both_ways(sample_store):
    t = api.funnel("connected_positive", data_dir=sample_store, scope=SCHEMES)
    positions = set(t["funnel_position_998"])
    assert {"above", "below"} <= positions


def test_growth_story_on_the_sample(sample_store):
    t = api.khi_table("people_growth_pct", "region", data_dir=sample_store, scope=PUBLIC).set_index("area_name")
    assert t.loc["North West", "status"] == "growing"
    assert t.loc["East of England", "status"] == "falling"
    share = api.khi_table("people_growth_share", "region", data_dir=sample_store, scope=PUBLIC).set_index("area_name")
    assert 30 <= share.loc["North West", "value"] <= 70


def test_headline_reports_change_and_significance(sample_store):
    h = api.headline(["connected_positive", "friends_median"], data_dir=sample_store, scope=PUBLIC)
    row = h.set_index("metric_id").loc["connected_positive"]
    assert row["year_label"] == "2024-25"
    assert row["change_significance"] in {"significantly better", "significantly worse", "no significant change"}
    assert row["change_lower"] <= row["change"] <= row["change_upper"]
    assert row["sentence"].endswith(".")


def test_cli_table_csv_equals_the_api_table(sample_store, capsys):
    assert main(["table", "connected_positive", "--by", "region", "--year", "2019", "--data",
                 str(sample_store)]) == 0
    out = capsys.readouterr().out
    f = api.Filters(years=(2019,))
    expected = api.khi_table("connected_positive", "region", f, data_dir=sample_store, scope=PUBLIC)
    meta, table = csv_parts(out)  # the metadata block, then the table (kpi.render.export)
    assert table == tables.to_csv(export.frame(expected, export.ExportInfo(title="", period="2019-20", filters=f)))
    assert meta["Filters"] == "Year: 2019-20"
    assert len(csv_table(out)) == 12


def test_cli_table_json(sample_store, capsys):
    assert main(["table", "friends_median", "--format", "json", "--data", str(sample_store)]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert len(rows) == 1 and rows[0]["metric_id"] == "friends_median" and rows[0]["value"] >= 0


def test_cli_table_rejects_unknown_metric_and_area(sample_store, capsys):
    assert main(["table", "happiness", "--data", str(sample_store)]) == 2
    assert "unknown KHI 'happiness'" in capsys.readouterr().err
    assert main(["table", "connected_positive", "--area", "E99", "--data", str(sample_store)]) == 2
    assert "unknown area code(s) E99" in capsys.readouterr().err


def test_people_supported_by_age_band_or_need_is_a_clear_error_not_a_query_failure(sample_store, capsys):
    for by in ("age_band", "primary_need"):
        with pytest.raises(ValueError, match="counts? them by arrangement only"):
            api.khi_table("people_growth_pct", (by,), scope=PUBLIC, data_dir=sample_store)
        assert main(["table", "people_net_change", "--by", by, "--data", str(sample_store)]) == 2
        assert "cannot be broken down by age band or primary need" in capsys.readouterr().err


def test_cli_table_explains_a_missing_store(tmp_path, capsys):
    assert main(["table", "connected_positive", "--data", str(tmp_path)]) == 2
    assert "no KHI data store here" in capsys.readouterr().err


def test_a_view_with_no_answers_has_no_median_and_no_error(sample_store):
    # a whole-view row is made even when nothing matches; its median is missing like every other KHI's value
    table = api.khi_tables(["friends_median", "connected_positive"], (), api.Filters(years=(2001,)),
                           data_dir=sample_store, scope=PUBLIC)
    assert list(table["metric_id"]) == ["friends_median", "connected_positive"]
    assert table["value"].isna().all() and table["lower"].isna().all()


def test_unknown_breakdown_is_refused(sample_store):
    with pytest.raises(ValueError, match="cannot break down by 'postcode'"):
        api.khi_table("connected_positive", "postcode", data_dir=sample_store, scope=PUBLIC)


def test_split_stacked_growth_tables_equal_each_khi_table(sample_store):
    """The growth page fetches its KHIs in one call; each part must equal the KHI's own table (and so its CSV)."""
    ids = ["people_growth_pct", "people_per_100k", "people_net_change", "people_growth_share", "people_supported"]
    f = api.Filters(programmes=("shared_lives",))
    parts = api.split_by_metric(api.khi_tables(ids, "region", f, data_dir=sample_store, scope=PUBLIC))
    assert list(parts) == ids
    for metric_id in ids:
        alone = api.khi_table(metric_id, "region", f, data_dir=sample_store, scope=PUBLIC)
        pd.testing.assert_frame_equal(parts[metric_id], alone, check_dtype=False)
        assert tables.to_csv(parts[metric_id]) == tables.to_csv(alone)


def _trend_with(monkeypatch, rows):
    exact = pd.DataFrame(rows, columns=["year", "numerator", "denominator"])
    monkeypatch.setattr(api, "_shown_and_counts", lambda *a, **k: (exact.copy(), exact))
    return api.trend("connected_positive", scope=PUBLIC)[1]


def test_trend_sees_a_year_with_too_few_answers_as_a_gap(monkeypatch):
    rising = [(y, 30 + 10 * i, 100) for i, y in enumerate(range(2018, 2025))]
    assert _trend_with(monkeypatch, rising).label == "increasing"
    rising[4] = (2022, 2, 5)  # below the minimum n: hidden, not dropped
    result = _trend_with(monkeypatch, rising)
    assert result.label == "cannot be calculated" and "missing" in result.reason


def test_trend_sees_a_year_with_no_answers_as_a_gap(monkeypatch):
    rows = [(y, 30 + 10 * i, 100) for i, y in enumerate(range(2018, 2025)) if y != 2021]
    result = _trend_with(monkeypatch, rows)
    assert result.label == "cannot be calculated" and "missing" in result.reason
