"""The synthetic sample generator: determinism, the data contract, the published scale and story, and the CLI."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from kpi import cli
from kpi.data import sample, schema, store

SMALL = 20_000


@pytest.fixture(scope="module")
def default_store(tmp_path_factory) -> Path:
    """The sample a new user gets: default seed and size."""
    root = tmp_path_factory.mktemp("sample") / "store"
    sample.generate(root)
    return root


@pytest.fixture(scope="module")
def small_store(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("small") / "store"
    sample.generate(root, responses=SMALL, seed=7)
    return root


@pytest.fixture(scope="module")
def tables(default_store) -> dict[str, pd.DataFrame]:
    return {t: store.read_table(default_store, t).to_pandas() for t in store.RAW_TABLES}


@pytest.fixture(scope="module")
def people_by_area(tables) -> pd.DataFrame:
    """Shared Lives people supported: area x year."""
    p = tables["people_supported"].merge(tables["schemes"], on="scheme_id")
    p = p[p.programme == "shared_lives"]
    return p.pivot_table(index="area_code", columns="year", values="people", aggfunc="sum")


def _sorted(root: Path, table: str):
    return store.read_table(root, table).sort_by([(k, "ascending") for k in schema.TABLES[table].key])


# ---------------------------------------------------------------------------------------------------------------
# Determinism and chunking
def test_same_seed_gives_identical_tables_whatever_the_chunk_size(small_store, tmp_path):
    again = tmp_path / "again"
    manifest = sample.generate(again, responses=SMALL, seed=7, chunk_rows=3_000)
    # 7 chunks of 3,000 rows, each split by financial year: many more files than the 11 of one chunk.
    assert len(manifest.tables["responses"]) > 40
    assert len(store.read_manifest(small_store).tables["responses"]) == 11
    for table in store.RAW_TABLES:
        assert _sorted(again, table).equals(_sorted(small_store, table)), table


def test_different_seed_gives_different_tables(small_store, tmp_path):
    other = tmp_path / "other"
    sample.generate(other, responses=SMALL, seed=8)
    a, b = _sorted(small_store, "responses"), _sorted(other, "responses")
    assert a.num_rows == b.num_rows == SMALL
    assert a["response_id"].equals(b["response_id"])  # ids are numbers in order
    assert not a["person_id"].equals(b["person_id"])
    assert not a["impact_connected"].equals(b["impact_connected"])
    assert not _sorted(small_store, "people_supported")["people"].equals(_sorted(other, "people_supported")["people"])


# ---------------------------------------------------------------------------------------------------------------
# The data contract
def test_every_value_satisfies_the_contract(tables, default_store):
    for name, df in tables.items():
        table = schema.TABLES[name]
        for col in table.columns:
            values = df[col.name]
            if col.required:
                assert values.notna().all(), f"{name}.{col.name} has empty required values"
            present = values.dropna()
            if col.allowed:
                assert set(present) <= set(col.allowed), f"{name}.{col.name}: {set(present) - set(col.allowed)}"
            if col.minimum is not None:
                assert present.min() >= col.minimum, f"{name}.{col.name} below minimum"
            if col.maximum is not None:
                assert present.max() <= col.maximum, f"{name}.{col.name} above maximum"
        assert not df.duplicated(list(table.key)).any(), f"{name} is not unique on {table.key}"
        for column, target in table.references.items():
            ref_table, ref_col = target.split(".")
            assert set(df[column]) <= set(tables[ref_table][ref_col]), f"{name}.{column} has unknown ids"
        # the stored Parquet type is the contract's
        first = default_store / store.read_manifest(default_store).tables[name][0]
        assert pq.read_schema(first).remove_metadata().equals(schema.arrow_schema(name))


def test_dates_ids_and_partitions(tables, default_store):
    r = tables["responses"]
    assert r.completed_on.min() >= dt.date(2014, 4, 1)
    assert r.completed_on.max() <= dt.date(2025, 3, 31)
    assert r.response_id.str.fullmatch(r"R\d{9}").all()
    assert r.person_id.str.fullmatch(r"P[0-9a-f]{10}").all()
    assert set(r.response_id) == {f"R{i:09d}" for i in range(1, sample.DEFAULT_RESPONSES + 1)}
    assert set(tables["people_supported"].year) == set(schema.SAMPLE_YEARS)
    # each file sits in the partition of its rows' financial year
    for rel in store.read_manifest(default_store).tables["responses"]:
        fy = int(re.search(r"responses/fy=(\d{4})/part-[^/]+\.parquet$", rel).group(1))
        days = pq.read_table(default_store / rel, columns=["completed_on"]).column(0).to_pylist()
        assert {schema.financial_year(d) for d in days} == {fy}, rel


def test_manifest_is_marked_synthetic_and_counts_rows(default_store, tables):
    m = store.read_manifest(default_store)
    assert m.synthetic is True
    assert m.note == "Synthetic sample data (seed 1, 60,000 responses): made up, not real people"
    assert {name: m.rows[name] for name in store.RAW_TABLES} == {name: len(df) for name, df in tables.items()}
    assert m.version == 1


# ---------------------------------------------------------------------------------------------------------------
# Schemes and the published scale (the figures docs/sample-data.md tables)
def test_schemes_are_made_up_and_spread_over_the_uk(tables):
    s = tables["schemes"]
    assert 140 <= len(s) <= 160
    assert s.scheme_name.str.startswith("Synthetic ").all()
    assert set(s[s.programme == "shared_lives"].area_code) == set(schema.AREAS)
    assert 20 <= (s.programme == "homeshare").sum() <= 40
    rated = s.cqc_rating.dropna()
    assert rated.isin(["good", "outstanding"]).mean() >= 0.8
    assert s.cqc_rating.isna().any() and s.local_authority.isna().any() and s.local_authority.notna().mean() > 0.7
    # Homeshare programmes report homeshare only; Shared Lives schemes never do.
    p = tables["people_supported"].merge(s, on="scheme_id")
    assert set(p[p.programme == "homeshare"].arrangement) == {"homeshare"}
    assert "homeshare" not in set(p[p.programme == "shared_lives"].arrangement)


def test_people_supported_at_the_published_scale(tables, people_by_area):
    england = people_by_area.loc[list(schema.ENGLISH_REGIONS)].sum()
    assert 11_000 <= england[2016] < 12_000  # "just under 12,000" in 2016-17
    assert england[2019] == pytest.approx(11_470, abs=150)  # 11,470 in 2019-20
    assert 11_900 <= england[2024] < 12_000  # just under 12,000 again in 2024-25
    assert 1_000 <= people_by_area.loc["W92000004", 2019] <= 1_200  # Wales about 1,100
    assert people_by_area.loc["S92000003", 2017:2024].between(400, 650).all()
    assert people_by_area.loc["S92000003", 2021] == pytest.approx(572, abs=10)  # 572 in 2021-22
    p = tables["people_supported"].merge(tables["schemes"], on="scheme_id")
    homeshare = p[p.programme == "homeshare"].groupby("year").people.sum()
    assert 1_000 < homeshare[2024] <= 1_100  # "over 1,000"
    assert homeshare.is_monotonic_increasing  # growing as new programmes open
    sl = p[(p.programme == "shared_lives") & p.area_code.str.startswith("E")]
    for year in (2017, 2024):  # about half live with their carer; the rest short breaks and day support
        eng = sl[sl.year == year]
        mix = eng.groupby("arrangement").people.sum() / eng.people.sum()
        assert 0.45 <= mix["live_in"] <= 0.55, year
        assert mix["short_breaks"] > 0.15 and mix["day_support"] > 0.1, year
    ratio = p.groupby("year").carers.sum() / p.groupby("year").people.sum()
    assert ratio.between(0.85, 1.1).all()
    assert ratio[2024] > ratio[2014]


def test_people_supported_tells_the_regional_story(people_by_area):
    """The published story in the latest year (2024-25 against 2023-24), and a plausible path before it."""
    a = people_by_area
    english = a.loc[list(schema.ENGLISH_REGIONS)]
    england = english.sum()
    change = a[2024] - a[2023]
    relative = change / a[2023]
    # England: about +580 in the latest year, after about +1,000 a year since the 2021-22 low.
    assert change[list(schema.ENGLISH_REGIONS)].sum() == pytest.approx(580, abs=30)
    assert england.idxmin() == 2021 and england.diff()[[2022, 2023]].between(900, 1_100).all()
    # The regions that grew added over 1,100 people, about half of it in the North West, most of the rest in
    # London and the South West; the North East, one of the smallest regions, grew.
    english_change = change[list(schema.ENGLISH_REGIONS)]
    rises = english_change[english_change > 0].sum()
    assert rises > 1_100
    assert change["E12000002"] / rises == pytest.approx(0.5, abs=0.06)
    assert change[["E12000007", "E12000009"]].sum() > 0.6 * (rises - change["E12000002"])
    assert english[2024].rank()["E12000001"] <= 2
    for growing in ("E12000001", "E12000002", "E12000007", "E12000009", "W92000004", "S92000003", "N92000002"):
        assert relative[growing] > 0.10, growing  # North East, North West, London, South West and the nations
    for falling in ("E12000008", "E12000003", "E12000006"):  # South East, Yorkshire, East of England
        assert relative[falling] < -0.10, falling
    for flat in ("E12000004", "E12000005"):  # East and West Midlands: essentially unchanged
        assert abs(relative[flat]) < 0.02, flat
    # Before: the North West grows strongly; the South East and Yorkshire peak early then fall; the North East is
    # flat until 2019-20; the East of England is the smallest English region every year.
    assert a.loc["E12000002", 2024] > 1.5 * a.loc["E12000002", 2014]
    for falling in ("E12000008", "E12000003"):
        row = a.loc[falling]
        assert row.idxmax() in (2015, 2016, 2017) and row.max() > 1.1 * row[2014] and row[2024] < 0.75 * row.max()
    ne = a.loc["E12000001"]
    assert abs(ne[2019] / ne[2014] - 1) < 0.1
    assert (english.idxmin() == "E12000006").all()


# ---------------------------------------------------------------------------------------------------------------
# Responses: who answers, what they say
def test_responses_follow_people_supported(tables):
    r, p = tables["responses"], tables["people_supported"]
    by_scheme = pd.concat(
        [r.groupby("scheme_id").size().rename("responses"), p.groupby("scheme_id").people.sum()], axis=1
    ).fillna(0)
    assert np.corrcoef(by_scheme.responses, by_scheme.people)[0, 1] > 0.95
    fy = r.completed_on.map(schema.financial_year).value_counts(normalize=True).sort_index()
    people = p.groupby("year").people.sum()
    assert np.abs(fy - people / people.sum()).max() < 0.02
    # a response's arrangement is one its scheme reports that year
    offered = set(zip(p.scheme_id, p.year, p.arrangement))
    keys = zip(r.scheme_id, r.completed_on.map(schema.financial_year), r.arrangement)
    assert np.mean([k in offered for k in keys]) > 0.97  # the rest: a person's later response crossed a year


def test_age_and_need_by_programme(tables):
    r = tables["responses"].merge(tables["schemes"], on="scheme_id")
    hs, sl = r[r.programme == "homeshare"], r[r.programme == "shared_lives"]
    assert (hs.arrangement == "homeshare").all() and not (sl.arrangement == "homeshare").any()
    assert hs.age_band.dropna().isin(["65-74", "75-84", "85+"]).mean() > 0.85
    assert hs.primary_need.dropna().isin(["older_age", "dementia"]).mean() > 0.6
    assert 0.55 <= (sl.primary_need.dropna() == "learning_disability").mean() <= 0.75
    assert sl.age_band.dropna().isin(["65-74", "75-84", "85+"]).mean() < 0.3


IMPACT_TARGETS = {col: (pos, neg) for col, (pos, neg, *_rest) in sample.IMPACTS.items()}


def test_national_impact_near_the_published_figures(tables):
    r = tables["responses"]
    assert IMPACT_TARGETS["impact_connected"][0] == 0.90
    assert IMPACT_TARGETS["impact_physical_health"][0] == 0.83
    assert IMPACT_TARGETS["impact_emotional_health"][0] == 0.88
    for col, (pos, neg) in IMPACT_TARGETS.items():
        answered = r[col][r[col].isin(["positive", "none", "negative"])]
        assert (answered == "positive").mean() == pytest.approx(pos, abs=0.02), col
        assert 0.02 <= (answered == "negative").mean() <= 0.06, col
        assert 0.75 <= (answered == "positive").mean() <= 0.92, col
        assert 0.01 <= (r[col] == "not_applicable").mean() <= 0.12, col
        assert 0.02 <= r[col].isna().mean() <= 0.08, col
    # not applicable is commoner for community and control than for feeling connected
    na = {c: (r[c] == "not_applicable").mean() for c in ("impact_connected", "impact_community", "impact_control")}
    assert na["impact_community"] > 3 * na["impact_connected"] and na["impact_control"] > 2 * na["impact_connected"]


def test_a_few_schemes_are_clear_outliers_both_ways(tables):
    r = tables["responses"]
    answered = r[r.impact_connected.isin(["positive", "none", "negative"])]
    g = answered.groupby("scheme_id").impact_connected.agg(n="size", x=lambda s: (s == "positive").sum())
    pbar = g.x.sum() / g.n.sum()
    limit = 3.090232 * np.sqrt(pbar * (1 - pbar) / g.n)  # 99.8% funnel limits
    p = g.x / g.n
    high, low = p[p > pbar + limit], p[p < pbar - limit]
    assert (high - pbar >= 0.05).sum() >= 3
    assert (pbar - low >= 0.08).sum() >= 3
    assert len(high) + len(low) <= 10  # a few, not most
    others = p.drop(high.index.union(low.index))
    assert (others - pbar).abs().median() < 0.03


def test_people_answer_again_about_six_months_later_and_a_little_better(tables):
    r = tables["responses"].sort_values(["person_id", "completed_on"])
    per_person = r.groupby("person_id").size()
    assert 0.35 <= (per_person > 1).mean() <= 0.45
    r["seq"] = r.groupby("person_id").cumcount()
    gap = (pd.to_datetime(r.completed_on).groupby(r.person_id).diff().dt.days).dropna()
    assert gap.between(150, 215).all() and 175 <= gap.mean() <= 190  # five to seven months
    # a later response has a later id too
    same_person = r.person_id.eq(r.person_id.shift())
    assert (r.response_id > r.response_id.shift())[same_person].all()
    both = r[r.seq == 0].merge(r[r.seq == 1], on="person_id", suffixes=("_1", "_2"))
    friends = both[["friends_count_1", "friends_count_2"]].dropna()
    assert friends.corr().iloc[0, 1] > 0.6  # the same person, so similar answers
    assert 0.2 < (friends.friends_count_2 - friends.friends_count_1).mean() < 2.0  # distance travelled
    for col in ("impact_connected", "impact_friendships"):
        pos1 = (both[f"{col}_1"] == "positive").mean()
        pos2 = (both[f"{col}_2"] == "positive").mean()
        assert 0.01 < pos2 - pos1 < 0.08, col
    e1 = both.impact_emotional_health_1 == "positive"
    e2 = both.impact_emotional_health_2 == "positive"
    assert np.corrcoef(e1, e2)[0, 1] > 0.05


def test_other_answers_are_plausible(tables):
    r = tables["responses"]
    friends = r.friends_count.dropna()
    assert 3 <= friends.median() <= 4
    assert 0.10 <= (friends == 0).mean() <= 0.15
    assert friends.max() <= 100 and friends.quantile(0.9) < 30
    conn = r.connections_support.dropna().value_counts(normalize=True)
    assert 0.70 <= conn["helps"] <= 0.80 and 0.03 <= conn["gets_in_the_way"] <= 0.05
    assert 0.08 <= (r.lonely.dropna() == "often_always").mean() <= 0.12
    for col in schema.EXPERIENCE_COLUMNS:
        assert 0.90 <= r[col].dropna().isin(["always", "mostly"]).mean() <= 0.95, col
    assert 0.40 <= r.completed_with_help.dropna().mean() <= 0.50
    for col in ("age_band", "primary_need", "completed_with_help", "friends_count", "lonely"):
        assert 0.005 <= r[col].isna().mean() <= 0.08, col


# ---------------------------------------------------------------------------------------------------------------
# Refusing to overwrite, and the command line
def test_refuses_a_folder_that_holds_anything(tmp_path):
    (tmp_path / "notes.txt").write_text("keep me")
    with pytest.raises(sample.SampleError, match=r"is not empty \(notes\.txt\).*new or empty folder"):
        sample.generate(tmp_path, responses=100)
    assert [p.name for p in tmp_path.iterdir()] == ["notes.txt"]


def test_cli_writes_a_store_and_refuses_to_overwrite_it(tmp_path, capsys):
    out = tmp_path / "cli"
    out.mkdir()  # an empty folder is fine
    assert cli.main(["sample", "--out", str(out), "--responses", "3000", "--seed", "5"]) == 0
    printed = capsys.readouterr().out
    assert "3,000 responses" in printed and "not real people" in printed
    m = store.read_manifest(out)
    assert m.rows["responses"] == 3000 and m.synthetic and "seed 5" in m.note
    before = (out / store.MANIFEST).read_bytes()
    assert cli.main(["sample", "--out", str(out), "--responses", "100"]) == 2
    err = capsys.readouterr().err
    assert "holds a store" in err and str(out) in err
    assert (out / store.MANIFEST).read_bytes() == before
    assert json.loads(before)["rows"]["responses"] == 3000


def test_cli_rejects_impossible_sizes(tmp_path, capsys):
    assert cli.main(["sample", "--out", str(tmp_path / "x"), "--responses", "0"]) == 2
    assert "--responses must be between 1 and" in capsys.readouterr().err
    assert not (tmp_path / "x").exists()
