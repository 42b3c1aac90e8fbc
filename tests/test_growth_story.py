"""The Regional growth page's story sentence, totals table and reader CSVs (kpi.render.growth), on small fixed tables,
and the source its footers name (kpi.render.text)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from kpi.data import schema
from kpi.metrics import api
from kpi.metrics.disclosure import SUPPRESSED_TEXT
from kpi.render import growth, places, tables, text
from tests.scopes import PUBLIC

NE, NW, YH, EM, SE, LON = "E12000001", "E12000002", "E12000003", "E12000004", "E12000008", "E12000007"


def _regions(rows: dict[str, tuple[float, float, str]], hidden=()) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(growth %, share of the increase) tables as kpi.metrics.api gives them, from area -> (start, end, status)."""
    codes = list(rows)
    start = np.array([rows[c][0] for c in codes], float)
    end = np.array([rows[c][1] for c in codes], float)
    change = end - start
    up = np.clip(change, 0, None).sum()
    common = dict(area_code=codes, area_name=[schema.AREAS[c] for c in codes], period_start=2023, period_end=2024,
                  people_start=start, people_end=end, confidence="95%",
                  suppressed=[c in hidden for c in codes])
    pct = pd.DataFrame({**common, "metric_id": "people_growth_pct", "value": (end / start - 1) * 100,
                        "lower": (end / start - 1) * 100 - 5, "upper": (end / start - 1) * 100 + 5,
                        "status": [rows[c][2] for c in codes]})
    share = pd.DataFrame({**common, "metric_id": "people_growth_share",
                          "value": np.where(change > 0, change / up * 100 if up else np.nan, 0.0),
                          "lower": np.nan, "upper": np.nan})
    for t in (pct, share):
        t.loc[t["suppressed"], ["value", "lower", "upper", "people_start", "people_end"]] = np.nan
    return pct, share


def _total(start: float, end: float, hidden: bool = False) -> pd.DataFrame:
    change = end - start
    return pd.DataFrame({"metric_id": ["people_net_change"], "value": [np.nan if hidden else change],
                         "lower": [change - 100], "upper": [change + 100], "people_start": [start],
                         "people_end": [np.nan if hidden else end], "period_start": [2023], "period_end": [2024],
                         "confidence": ["95%"], "suppressed": [hidden]})


GROWING = {NE: (700, 760, "growing"), NW: (2000, 2560, "growing"), LON: (900, 1050, "growing"),
           EM: (1000, 1010, "flat"), SE: (900, 780, "falling"), YH: (800, 700, "falling")}


def test_story_of_a_growing_england_names_the_biggest_share_and_the_fallers():
    pct, share = _regions(GROWING)  # increases 60 + 560 + 150 + 10 = 780; the North West's 560 is 72%
    story = growth.growth_story(_total(11_340, 11_920), pct, share, who="Shared Lives")
    assert story == ("Shared Lives in England grew by 580 people to 11,920; just under three quarters of the increase "
                     "in the regions that grew was in the North West; Yorkshire and The Humber and the South East "
                     "fell.")


def test_story_follows_the_data_when_england_falls_and_no_region_is_falling():
    rows = {NE: (700, 740, "flat"), NW: (2000, 2040, "flat"), SE: (900, 880, "flat")}
    pct, share = _regions(rows)  # 40 and 40 of 80: a tie, said as one
    story = growth.growth_story(_total(9_000, 8_760), pct, share)
    assert story == ("England fell by 240 people to 8,760; the North East and the North West each had half of the "
                     "increase in the regions that grew; no region was falling.")


def test_story_when_no_region_grew_and_nothing_changed():
    rows = {NE: (700, 690, "flat"), SE: (900, 800, "falling")}
    pct, share = _regions(rows)
    story = growth.growth_story(_total(1_600, 1_600), pct, share, place="North East")
    assert story == "The North East stayed at 1,600 people; no region grew; the South East fell."


def test_story_never_names_a_hidden_region_or_a_hidden_total():
    rows = {NE: (5, 40, "growing"), NW: (2000, 2100, "growing"), SE: (8, 2, "falling"), YH: (800, 700, "falling")}
    pct, share = _regions(rows, hidden=(NE, SE))
    story = growth.growth_story(_total(2_813, 2_842, hidden=True), pct, share)
    assert story.startswith(f"England: too few people to show the change;")
    assert "North East" not in story and "South East" not in story
    # The North West's share is of every region's increase (the hidden one's too): 100 of 135 is 74%.
    assert "of the increase in the regions that grew was in the North West; Yorkshire and The Humber fell." in story
    assert "2,842" not in story


@pytest.mark.parametrize("share, words", [
    (100, "all"), (93, "nearly all"), (75, "three quarters"), (71, "just under three quarters"), (51, "half"),
    (54.5, "just over half"), (58, "58%"), (34, "a third"), (29, "just over a quarter"), (40, "40%"),
    (20, "a fifth"), (9, "a tenth"), (3, "3%")])
def test_share_words_are_honest_to_the_figure(share, words):
    assert growth.share_words(share) == words


def test_reader_tables_have_start_end_change_and_intervals_not_internal_columns(sample_store):
    parts = api.split_by_metric(api.khi_tables(["people_growth_pct", "people_net_change", "people_growth_share"],
                                               "region", api.Filters(years=(2023, 2024)),
                                               data_dir=sample_store, scope=PUBLIC))
    internal = {"numerator", "denominator", "metric_id", "method", "statistic", "suppression", "min_n", "unit"}
    for table in parts.values():
        reader = growth.reader_table(table)
        assert not internal & set(reader.columns)
        assert {"From", "To", "People at the start", "People at the end", "Change"} <= set(reader.columns)
        assert len(reader) == len(table)
        shown = reader[reader["Note"] == ""]
        assert (shown["Change"] == shown["People at the end"] - shown["People at the start"]).all()
    pct = growth.reader_table(parts["people_growth_pct"]).set_index("Area")
    assert {"% change", "% change: lower 95% limit", "% change: upper 95% limit", "Growing, flat or falling"} <= set(
        pct.columns)
    # The figures are the protected ones the KHI table shows, not recomputed.
    expected = parts["people_growth_pct"].set_index("area_name")
    assert (pct["% change"] == expected["value"].reindex(pct.index)).all()
    assert list(pct.index) == [n for n in schema.AREAS.values() if n in pct.index]  # usual order of places
    csv = tables.to_csv(growth.change_table(parts["people_growth_pct"], parts["people_net_change"]))
    assert csv.splitlines()[0].startswith("Place,From,To,People at the start,People at the end,Change,")


def test_summary_table_lists_england_the_nations_then_the_whole_view(sample_store):
    f = api.Filters(years=(2023, 2024), programmes=("shared_lives",))
    eng = api.Filters(years=(2023, 2024), programmes=("shared_lives",), areas=schema.ENGLISH_REGIONS)
    nations = api.Filters(years=(2023, 2024), programmes=("shared_lives",),
                          areas=tuple(a for a in schema.AREAS if a not in schema.ENGLISH_REGIONS))

    def parts(ids, by, filters):
        return api.split_by_metric(api.khi_tables(ids, by, filters, data_dir=sample_store, scope=PUBLIC))

    totals = ["people_growth_pct", "people_net_change"]
    item = {"programme": "shared_lives", "all": parts(totals, (), f), "england": parts(totals, (), eng),
            "nations": parts(totals, "region", nations),
            "regions": parts([*totals, "people_growth_share"], "region", eng)}
    table = growth.summary_table(item, everywhere="UK")
    assert list(table["Place"]) == ["England", "Wales", "Scotland", "Northern Ireland", "UK"]
    assert set(table["Programme"]) == {"Shared Lives"}
    england = item["england"]["people_net_change"].iloc[0]
    assert table.iloc[0]["People at the end"] == england["people_end"]
    story = growth.summary_story(item)
    assert story.startswith("Shared Lives in England ")
    assert f"{england['people_end']:,.0f}" in story and f"{abs(england['value']):,.0f} people" in story


def test_people_counts_name_the_schemes_returns_as_their_source():
    assert text.source_of(["people_net_change", "people_growth_pct"]) == text.PEOPLE_SOURCE
    assert text.source_of(["connected_positive", "people_supported"]) == text.SOURCE
    footer = text.footer_text("2024-25", dt.date(2026, 5, 2), True, source=text.source_of(["people_supported"]))
    assert footer.startswith("Source: Shared Lives and Homeshare schemes' yearly returns, 2024-25.")
    assert "outcomes tool" not in footer


def test_story_of_one_region_in_view_is_its_change_alone():
    pct, share = _regions({NW: (2000, 2100, "flat")})
    assert growth.growth_story(_total(2000, 2100), pct, share, place="North West", who="Homeshare") == (
        "Homeshare in the North West grew by 100 people to 2,100.")


@pytest.mark.parametrize("name, said", [("North West", "the North West"), ("East of England", "the East of England"),
                                        ("West Midlands", "the West Midlands"), ("UK", "the UK"),
                                        ("Northern Ireland", "Northern Ireland"), ("London", "London"),
                                        ("Yorkshire and The Humber", "Yorkshire and The Humber")])
def test_a_place_takes_the_only_where_english_does(name, said):
    assert places.with_the(name) == said


def test_a_place_with_no_scheme_of_a_programme_reads_as_an_empty_table(sample_store):
    # Northern Ireland has no Homeshare programme in the sample: its change tables come back without count columns
    # (the load test found the Regional growth page failing on them).
    f = api.Filters(years=(2023, 2024), programmes=("homeshare",), areas=("N92000002",))
    parts = api.split_by_metric(api.khi_tables(["people_growth_pct", "people_net_change"], (), f,
                                               data_dir=sample_store, scope=PUBLIC))
    for table in parts.values():
        reader = growth.reader_table(table)
        assert len(reader) == len(table) and "People at the start" in reader
    assert len(growth.change_table(parts["people_growth_pct"], parts["people_net_change"])) == len(
        parts["people_net_change"])
