"""The sample a fresh clone shows is committed, synthetic, labelled so, and exactly what the generator makes."""

from __future__ import annotations

import json

import pandas as pd
import pyarrow.compute as pc
import pytest

from kpi import cli
from kpi.metrics import api
from kpi.metrics.scope import Scope
from kpi.data import paths, sample, schema, store


def test_bundled_sample_is_synthetic_and_labelled():
    m = store.require_store(paths.BUNDLED_SAMPLE_DIR)
    assert m.synthetic is True
    assert "Synthetic sample data" in m.note and "not real people" in m.note
    assert m.rows["responses"] == 60_000


def test_bundled_sample_is_reproducible_from_its_seed(tmp_path):
    """Regenerate with the documented command's arguments and compare every raw table row for row."""
    fresh = tmp_path / "fresh"
    sample.generate(fresh, responses=60_000, seed=1)
    for table, key in (("schemes", "scheme_id"), ("people_supported", None), ("responses", "response_id")):
        ours = store.read_table(paths.BUNDLED_SAMPLE_DIR, table)
        theirs = store.read_table(fresh, table)
        if key:
            ours, theirs = (t.take(pc.sort_indices(t, [(key, "ascending")])) for t in (ours, theirs))
        else:
            order = [("scheme_id", "ascending"), ("year", "ascending"), ("arrangement", "ascending")]
            ours, theirs = (t.take(pc.sort_indices(t, order)) for t in (ours, theirs))
        assert ours.equals(theirs), table


def test_default_data_dir_is_the_bundled_sample(monkeypatch):
    monkeypatch.delenv("KHI_DATA_DIR", raising=False)
    assert paths.data_dir() == paths.BUNDLED_SAMPLE_DIR
    info = api.coverage(scope=Scope.analyst())
    assert info["synthetic"] and info["responses"] == 60_000


# ---------------------------------------------------------------------------------------------------------------
# The latest year tells the published Shared Lives story (State of Shared Lives in England), read as a member of the
# public reads it: through the api, in the public scope (perturbed counts, rounded figures), 2024-25 against 2023-24.
LATEST = 2024
NORTH_EAST, NORTH_WEST, YORKSHIRE, EAST_MIDLANDS, WEST_MIDLANDS, EAST, LONDON, SOUTH_EAST, SOUTH_WEST = (
    "E12000001", "E12000002", "E12000003", "E12000004", "E12000005", "E12000006", "E12000007", "E12000008",
    "E12000009")
WALES, SCOTLAND, NORTHERN_IRELAND = "W92000004", "S92000003", "N92000002"
ENGLAND = api.Filters(years=(LATEST,), programmes=("shared_lives",), areas=tuple(schema.ENGLISH_REGIONS))
SHARED_LIVES = api.Filters(years=(LATEST,), programmes=("shared_lives",))


@pytest.fixture(scope="module")
def regions() -> dict[str, pd.DataFrame]:
    """The Regional growth KHIs for Shared Lives by region, latest year against the year before, as the public sees."""
    t = api.khi_tables(["people_supported", "people_net_change", "people_growth_pct", "people_growth_share"],
                       "region", SHARED_LIVES, scope=Scope.public(), data_dir=paths.BUNDLED_SAMPLE_DIR)
    return {mid: part.set_index("area_code") for mid, part in t.groupby("metric_id")}


def _england(metric_id: str, by=()) -> pd.DataFrame:
    return api.khi_table(metric_id, by, ENGLAND, scope=Scope.public(), data_dir=paths.BUNDLED_SAMPLE_DIR)


def test_the_comparison_is_the_latest_year_against_the_year_before(regions):
    for table in regions.values():
        assert set(table["period_start"]) == {LATEST - 1} and set(table["period_end"]) == {LATEST}
        assert not table["suppressed"].any()


def test_england_just_under_12000_and_580_more_than_the_year_before():
    people = _england("people_supported").iloc[0]
    assert 11_900 <= people["value"] < 12_000  # "just under 12,000"
    net = _england("people_net_change").iloc[0]
    assert net["value"] == pytest.approx(580, abs=30) and net["lower"] > 0  # "grew by about 580"
    assert _england("people_growth_pct").iloc[0]["status"] == "growing"


def test_england_grew_about_1000_a_year_before_the_latest_year():
    by_year = api.khi_table("people_supported", "year", api.Filters(programmes=("shared_lives",),
                                                                     areas=tuple(schema.ENGLISH_REGIONS)),
                            scope=Scope.public(), data_dir=paths.BUNDLED_SAMPLE_DIR).set_index("year")["value"]
    for year in (LATEST - 2, LATEST - 1):
        assert by_year[year] - by_year[year - 1] == pytest.approx(1_000, abs=150)
    assert by_year[LATEST] - by_year[LATEST - 1] < by_year[LATEST - 1] - by_year[LATEST - 2]  # growth slowed


def test_about_half_of_people_in_england_live_with_their_carer():
    mix = _england("people_supported", "arrangement").set_index("arrangement")["value"]
    share = mix / mix.sum()
    assert set(share.index) == {"live_in", "short_breaks", "day_support"}
    assert share["live_in"] == pytest.approx(0.5, abs=0.04)
    assert share["short_breaks"] > 0.15 and share["day_support"] > 0.15  # the rest split between the two


def test_the_growing_english_regions_and_their_share_of_the_growth(regions):
    status = regions["people_growth_pct"]["status"]
    net = regions["people_net_change"]["value"]
    growing = [code for code in schema.ENGLISH_REGIONS if status[code] == "growing"]
    assert sorted(growing) == sorted([NORTH_EAST, NORTH_WEST, LONDON, SOUTH_WEST])
    added = net[growing].sum()
    assert added > 1_100  # "the regions that grew added over 1,100 people"
    assert net[NORTH_WEST] / added == pytest.approx(0.5, abs=0.06)  # "half of that growth in the North West"
    rest = added - net[NORTH_WEST]
    assert net[[LONDON, SOUTH_WEST]].sum() > 0.6 * rest  # London and the South West: most of the rest
    assert abs(net[LONDON] - net[SOUTH_WEST]) < 0.25 * net[[LONDON, SOUTH_WEST]].sum()  # splitting it
    # The same facts in the share-of-growth KHI for England's regions: the North West about half, the largest.
    share = _england("people_growth_share", "region").set_index("area_code")["value"]
    assert share[NORTH_WEST] == pytest.approx(50, abs=6) and share.idxmax() == NORTH_WEST
    # Over the whole UK the nations' growth counts too: the North West still makes the largest share, over 40%.
    assert regions["people_growth_share"]["value"].idxmax() == NORTH_WEST
    assert regions["people_growth_share"]["value"][NORTH_WEST] > 40


def test_the_north_east_one_of_the_smallest_regions_is_growing(regions):
    people = regions["people_supported"]["value"][list(schema.ENGLISH_REGIONS)]
    assert regions["people_growth_pct"]["status"][NORTH_EAST] == "growing"
    assert people.rank()[NORTH_EAST] <= 2


def test_the_south_east_and_yorkshire_fell_and_the_midlands_are_flat(regions):
    status = regions["people_growth_pct"]["status"]
    assert status[SOUTH_EAST] == status[YORKSHIRE] == "falling"
    assert status[EAST_MIDLANDS] == status[WEST_MIDLANDS] == "flat"
    assert abs(regions["people_growth_pct"]["value"][[EAST_MIDLANDS, WEST_MIDLANDS]]).max() < 2  # essentially unchanged


def test_the_east_of_england_is_the_smallest_region_and_falling(regions):
    people = regions["people_supported"]["value"]
    assert people[list(schema.ENGLISH_REGIONS)].idxmin() == EAST
    assert regions["people_supported"]["people_start"][list(schema.ENGLISH_REGIONS)].idxmin() == EAST  # for some time
    assert regions["people_growth_pct"]["status"][EAST] == "falling"


def test_shared_lives_is_growing_in_scotland_wales_and_northern_ireland(regions):
    status = regions["people_growth_pct"]["status"]
    assert status[SCOTLAND] == status[WALES] == status[NORTHERN_IRELAND] == "growing"


def test_homeshare_supports_over_1000_people():
    homeshare = api.khi_table("people_supported", (), api.Filters(years=(LATEST,), programmes=("homeshare",)),
                              scope=Scope.public(), data_dir=paths.BUNDLED_SAMPLE_DIR).iloc[0]
    assert homeshare["value"] > 1_000 and homeshare["lower"] > 1_000 * 0.9


def test_the_outcome_headline_is_the_published_one():
    """The overview's headline (the latest year): nearly 90% more connected, 83% better physical and 88% better
    emotional health, as shown (rounded to whole percentages for the public)."""
    headline = api.headline(["connected_positive", "physical_health_positive", "emotional_health_positive"],
                            scope=Scope.public(), data_dir=paths.BUNDLED_SAMPLE_DIR).set_index("metric_id")
    assert set(headline["year"]) == {LATEST}
    assert headline["value"].round().to_dict() == {
        "connected_positive": 90, "physical_health_positive": 83, "emotional_health_positive": 88}


def test_the_cli_table_gives_the_same_england_story(capsys):
    """`python -m kpi table people_growth_pct --by region --year 2024 --programme shared_lives`: the public table."""
    assert cli.main(["table", "people_growth_pct", "--by", "region", "--year", str(LATEST), "--programme",
                     "shared_lives", "--data", str(paths.BUNDLED_SAMPLE_DIR), "--format", "json"]) == 0
    rows = {r["area_code"]: r for r in json.loads(capsys.readouterr().out)}
    assert sum(rows[a]["people_end"] for a in schema.ENGLISH_REGIONS) == pytest.approx(11_950, abs=50)
    assert {a: rows[a]["status"] for a in (SOUTH_EAST, YORKSHIRE, EAST)} == dict.fromkeys(
        (SOUTH_EAST, YORKSHIRE, EAST), "falling")
