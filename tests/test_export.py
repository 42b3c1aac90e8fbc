"""Exports that describe themselves (kpi.render.export): the metadata every CSV and XLSX carries, the Fingertips-like
columns, and that an export shows no more than the viewer's table (no exact or suppressed count in a public one).
"""

from __future__ import annotations

import datetime as dt
import io

import numpy as np
import pandas as pd
import pytest

from kpi.cli import main
from kpi.data import schema
from kpi.metrics import api, disclosure
from kpi.render import export, tables
from tests.exports import csv_parts, csv_table, xlsx_sheets
from tests.scopes import EXACT, PUBLIC, SCHEMES

NORTH_WEST = "E12000002"
FINGERTIPS = ["Indicator ID", "Indicator Name", "Time period", "Area Code", "Area Name", "Area Type",
              "Benchmark name", "Benchmark value", "Compared with benchmark", "Count", "Denominator", "Value",
              "Lower CI 95.0 limit", "Upper CI 95.0 limit", "Unit", "Value note"]


def _info(**kw) -> export.ExportInfo:
    base = dict(title="A test export", period="2019-20", version="Published figures: version 7",
                synthetic=True, made=dt.date(2026, 5, 2))
    return export.ExportInfo(**{**base, **kw})


@pytest.fixture(scope="module")
def by_region(sample_store):
    return api.khi_table("connected_positive", "region", api.Filters(years=(2019,)), scope=PUBLIC,
                         data_dir=sample_store)


@pytest.fixture(scope="module")
def schemes_2014(sample_store):
    """Scheme rows for one early year, as a hub sees them (protected): many are too small to show."""
    f = api.Filters(years=(2014,))
    public = api.khi_table("connected_positive", "scheme", f, scope=SCHEMES, data_dir=sample_store)
    exact = api.khi_table("connected_positive", "scheme", f, scope=EXACT, data_dir=sample_store)
    assert public["suppressed"].any() and not public["suppressed"].all()
    return public, exact


def test_the_csv_carries_every_metadata_field_and_reads_with_skiprows(by_region):
    f = api.Filters(years=(2019,), programmes=("shared_lives",))
    text = export.csv_text(by_region, _info(filters=f))
    meta, _ = csv_parts(text)
    assert list(meta) == list(export.METADATA_FIELDS)
    assert meta["Title"] == "A test export" and meta["Date made"] == "2026-05-02"
    assert meta["Store version"] == "Published figures: version 7" and meta["Period"] == "2019-20"
    assert meta["Filters"] == "Year: 2019-20; Programme: Shared Lives"
    assert meta["Synthetic data"].startswith("yes") and meta["Confidence level"] == "95%"
    # Regions against England, nations against the UK: each row names its own
    assert meta["Benchmark"].startswith("England or UK: each row against its own")
    assert disclosure.PROTECTION_NOTE in meta["Protection applied"] and "perturbed" in meta["Protection applied"]
    assert meta["Figures for"] == "public (protected)"
    read = csv_table(text)
    assert [c for c in read.columns if c in FINGERTIPS] == FINGERTIPS
    assert len(read) == len(by_region)
    # The same figures as the api's table, under their new names.
    assert read["Area Code"].tolist() == by_region["area_code"].tolist()
    np.testing.assert_allclose(read["Value"], by_region["value"].astype(float))
    np.testing.assert_allclose(read["Lower CI 95.0 limit"], by_region["lower"].astype(float))
    assert read["Count"].tolist() == by_region["numerator"].tolist()
    assert read["Compared with benchmark"].tolist() == by_region["comparison"].tolist()
    assert set(read["Area Type"]) == {"Region", "Nation"}
    # English regions against England, the nations against the UK (docs/statistics.md)
    assert read.groupby("Area Type")["Benchmark name"].apply(set).to_dict() == {"Region": {"England"},
                                                                                 "Nation": {"UK"}}


def test_every_fingertips_column_is_there_in_order(by_region):
    columns = list(export.frame(by_region, _info()).columns)
    assert [c for c in columns if c in FINGERTIPS] == FINGERTIPS
    assert "metric_id" not in columns and "suppressed" not in columns  # renamed or said in Value note, not repeated


def test_the_xlsx_has_the_same_table_and_metadata(by_region):
    info = _info(filters=api.Filters(years=(2019,)))
    rows, meta, _ = xlsx_sheets(export.xlsx_bytes(by_region, info))
    csv_meta, _ = csv_parts(export.csv_text(by_region, info))
    assert meta == csv_meta
    read = csv_table(export.csv_text(by_region, info))
    assert rows[0] == list(read.columns)
    data = pd.DataFrame(rows[1:], columns=rows[0])
    assert data["Area Name"].tolist() == read["Area Name"].tolist()
    # Numbers stay numbers (a whole float such as 88.0 reads back as 88), text stays text.
    assert all(type(v) in (int, float) for col in ("Value", "Count", "Denominator") for v in data[col])
    assert all(isinstance(v, str) for v in data["Area Code"])
    np.testing.assert_allclose(data["Value"].astype(float), read["Value"])


def test_a_public_export_shows_no_exact_or_suppressed_count(schemes_2014):
    public, exact = schemes_2014
    info = _info(period="2014-15", scope=SCHEMES)
    for read in (csv_table(export.csv_text(public, info)),
                 (lambda rows: pd.DataFrame(rows[1:], columns=rows[0]))(xlsx_sheets(
                     export.xlsx_bytes(public, info))[0])):
        hidden = read["Value note"].fillna("").str.startswith("suppressed")
        assert hidden.tolist() == public["suppressed"].tolist()
        limit = max(10, disclosure.MIN_DENOMINATOR)
        assert set(read.loc[hidden, "Value note"]) == {f"suppressed: fewer than {limit} answers"}
        for col in ("Count", "Denominator", "Value", "Lower CI 95.0 limit", "Upper CI 95.0 limit"):
            assert read.loc[hidden, col].isna().all(), col
        # The counts shown are the published (perturbed) ones: the public table's, not the exact ones.
        shown = public[~public["suppressed"]]
        assert read.loc[~hidden, "Count"].astype(int).tolist() == shown["numerator"].astype(int).tolist()
    assert csv_parts(export.csv_text(public, info))[0]["Figures for"].startswith("hub (")  # scheme-level: whose
    merged = public.merge(exact, on="scheme_id", suffixes=("", "_exact"))
    merged = merged[~merged["suppressed"]]
    assert (merged["numerator"] != merged["numerator_exact"]).any(), "perturbation changes some counts"


def test_an_exact_export_says_so(sample_store):
    table = api.khi_table("connected_positive", "region", scope=EXACT, data_dir=sample_store)
    meta, _ = csv_parts(export.csv_text(table, _info(scope=EXACT, exact=True)))
    assert meta["Protection applied"].startswith("none: exact figures") and meta["Figures for"] == "analyst (exact)"


def test_the_benchmark_name_comes_from_the_table_when_it_has_one(by_region):
    named = by_region.assign(benchmark_name=np.where(by_region["area_code"].str.startswith("E"), "England",
                                                     by_region["area_name"]))
    out = export.frame(named, _info())
    english = out["Area Code"].str.startswith("E")
    assert set(out.loc[english, "Benchmark name"]) == {"England"}
    meta, _ = csv_parts(export.csv_text(named, _info()))
    assert meta["Benchmark"].startswith("England or ")
    not_compared = by_region.assign(comparison="not compared", benchmark=np.nan)
    assert set(export.frame(not_compared, _info())["Benchmark name"]) == {""}
    assert csv_parts(export.csv_text(not_compared, _info()))[0]["Benchmark"].startswith("none")


def test_period_and_place_when_the_table_has_no_year_or_area(sample_store):
    f = api.Filters(areas=(NORTH_WEST,))
    one = export.frame(api.khi_table("connected_positive", (), f, scope=PUBLIC, data_dir=sample_store),
                       _info(filters=f, period="2014-15 to 2024-25"))
    assert one.loc[0, ["Time period", "Area Code", "Area Name", "Area Type"]].tolist() == [
        "2014-15 to 2024-25", NORTH_WEST, "North West", "Region"]
    by_year = api.khi_table("connected_positive", "year", scope=PUBLIC, data_dir=sample_store)
    whole = export.frame(by_year, _info())
    assert whole["Time period"].tolist() == [schema.fy_label(int(y)) for y in by_year["year"]]
    assert set(whole["Area Code"]) == {"K02000001"} and set(whole["Area Name"]) == {"United Kingdom"}
    england = export.frame(api.khi_table("connected_positive", (), api.Filters(areas=schema.ENGLISH_REGIONS),
                                         scope=PUBLIC, data_dir=sample_store),
                           _info(filters=api.Filters(areas=schema.ENGLISH_REGIONS)))
    assert england.loc[0, "Area Name"] == "England"


def test_growth_status_is_the_recent_trend_and_other_columns_follow(sample_store):
    growth = api.khi_table("people_growth_pct", "region", scope=PUBLIC, data_dir=sample_store)
    out = export.frame(growth, _info())
    assert out["Recent trend"].tolist() == growth["status"].tolist()
    assert "period_start" in out.columns  # a column the mapping does not know keeps its own name


def test_filters_in_words():
    assert export.filters_text(api.Filters()) == "none: all the data"
    f = api.Filters(years=(2019, 2020), areas=(NORTH_WEST,), arrangements=("live_in",), schemes=("SL001",))
    assert export.filters_text(f) == ("Year: 2019-20, 2020-21; Nation or region: North West; "
                                      "Arrangement: Live-in; Scheme: SL001")


def test_cli_writes_the_same_csv_and_an_xlsx(sample_store, tmp_path, capsys):
    assert main(["table", "connected_positive", "--by", "region", "--year", "2019", "--data",
                 str(sample_store)]) == 0
    meta, table = csv_parts(capsys.readouterr().out)
    expected = api.khi_table("connected_positive", "region", api.Filters(years=(2019,)), data_dir=sample_store,
                             scope=PUBLIC)
    info = _info(filters=api.Filters(years=(2019,)))
    assert table == tables.to_csv(export.frame(expected, info))  # byte for byte the dashboard's table part
    assert meta["Period"] == "2019-20" and meta["Filters"] == "Year: 2019-20"
    assert meta["Store version"].startswith("Published figures: version ")
    assert meta["Date made"] == dt.date.today().isoformat() and meta["Figures for"] == "public (protected)"
    out = tmp_path / "t.xlsx"
    assert main(["table", "connected_positive", "--by", "region", "--year", "2019", "--format", "xlsx",
                 "--out", str(out), "--data", str(sample_store)]) == 0
    rows, xmeta, _ = xlsx_sheets(out.read_bytes())
    assert xmeta == meta and rows[0] == list(csv_table(export.csv_text(expected, info)).columns)
    assert main(["table", "connected_positive", "--format", "xlsx", "--data", str(sample_store)]) == 2
    assert "--out" in capsys.readouterr().err


def test_metadata_is_one_line_per_field_whatever_the_text(by_region):
    text = export.csv_text(by_region, _info(title="Two\nlines\r\nand a tab\there"))
    meta, _ = csv_parts(text)
    assert meta["Title"] == "Two lines and a tab here"
    assert len(io.StringIO(text).readlines()) == export.METADATA_LINES + 1 + len(by_region)
