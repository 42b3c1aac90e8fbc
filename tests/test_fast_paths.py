"""The batched paths give the figures of the per-request ones, on the fixture store: benchmarks summed from the
places' counts (compute.Counts) equal the benchmark queries they replace, and the profile's vectorised trend test
(tables.trend_words_many, stats.trend_labels) equals `trend_test` per place."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from kpi.data import queries
from kpi.data.queries import Filters
from kpi.metrics import api, compute, registry, stats, tables
from tests.scopes import EXACT, PUBLIC, SCHEMES

CUBE_COLUMNS = [queries.cube_column("impact_connected", a) for a in ("positive", "negative", "unanswered")]


@pytest.fixture(scope="module")
def cur(sample_store):
    con = queries.connect(sample_store)
    c = con.cursor()
    yield c
    c.close()
    con.close()


def _fetch(counts: compute.Counts, kind: str, by, f: Filters, keys: bool) -> pd.DataFrame:
    if kind == "cube":
        return counts.cube(CUBE_COLUMNS, by, f, keys=keys)
    if kind == "change":
        return counts.cube(["connected_both", "friends_pairs"], by, f, table="change", keys=keys)
    return counts.hist(by, f) if kind == "hist" else counts.people(by, f)


FINE_COARSE = [
    (("region",), ()), (("region",), ("nation",)), (("scheme",), ("nation",)), (("scheme",), ()),
    (("region", "year"), ("year",)), (("region", "year"), ("year", "nation")), (("scheme",), ("region",)),
    (("age_band",), ()), (("year", "arrangement"), ("arrangement",)),
]
# The yearly returns (people) have no age band: that pair is not asked of them.
CASES = [(kind, fine, coarse) for kind in ("cube", "change", "hist", "people") for fine, coarse in FINE_COARSE
         if not (kind == "people" and "age_band" in fine)]


@pytest.mark.parametrize("keys", [False, True])
@pytest.mark.parametrize("kind, fine, coarse", CASES)
def test_a_sum_of_finer_groups_equals_the_query_it_replaces(cur, kind, keys, fine, coarse):
    f = Filters(years=(2019, 2020), programmes=("shared_lives",))
    counts = compute.Counts(cur)
    _fetch(counts, kind, fine, f, keys)
    summed = _fetch(counts, kind, coarse, f, keys)
    assert len(counts._done) == 1, "the coarser request should have been summed, not queried"
    queried = _fetch(compute.Counts(cur), kind, coarse, f, keys)
    pd.testing.assert_frame_equal(summed, queried, check_exact=True)


def test_other_filters_or_breakdowns_are_queried_not_summed(cur):
    counts = compute.Counts(cur)
    nw = Filters(areas=("E12000002",))
    counts.cube(CUBE_COLUMNS, ("region",), nw)
    counts.cube(CUBE_COLUMNS, (), nw.without_place())  # the benchmark of a filtered place: not the place's sum
    counts.cube(CUBE_COLUMNS, ("region",), Filters(years=(2019,)))
    counts.cube(CUBE_COLUMNS, (), Filters(years=(2020,)))
    counts.cube(CUBE_COLUMNS, ("age_band",), Filters(years=(2020,)))  # not in the finer ones
    counts.cube(CUBE_COLUMNS, ("region",), Filters(years=(2020,)))
    counts.cube(["connected_both"], ("region",), Filters(years=(2020,)), table="change")
    assert len(counts._done) == 7
    counts.cube(CUBE_COLUMNS, ("nation",), Filters(years=(2020,)))
    counts.cube(CUBE_COLUMNS, (), Filters(years=(2020,)))
    assert len(counts._done) == 7


BY = [("region",), ("scheme",), ("region", "year"), ("nation",), ("year",), ("programme",), ()]


# The public sees no schemes, so a scheme breakdown is asked only of the hub's and the analyst's scopes.
SCOPED = [pytest.param(scope, by, id=f"{name}-{'_'.join(by) or 'overall'}")
          for scope, name in ((PUBLIC, "public"), (SCHEMES, "hub"), (EXACT, "analyst")) for by in BY
          if not (scope is PUBLIC and "scheme" in by)]


@pytest.mark.parametrize("scope, by", SCOPED)
def test_khi_tables_equal_the_path_with_a_query_per_benchmark(sample_store, monkeypatch, scope, by):
    ids = list(registry.COMPARED_IDS)
    f = Filters(benchmark="auto")
    fast = api.khi_tables(ids, by, f, scope=scope, data_dir=sample_store)
    with monkeypatch.context() as m:
        m.setattr(compute.Counts, "_roll_up", lambda self, *a, **k: None)
        slow = api.khi_tables(ids, by, f, scope=scope, data_dir=sample_store)
        one = pd.concat([api.khi_table(i, by, f, scope=scope, data_dir=sample_store) for i in ids], ignore_index=True)
    pd.testing.assert_frame_equal(fast, slow, check_exact=True)
    pd.testing.assert_frame_equal(fast[one.columns], one, check_exact=True, check_dtype=False)


@pytest.mark.parametrize("scope", [PUBLIC, EXACT], ids=["public", "analyst"])
@pytest.mark.parametrize("bench", ["auto", "uk"])
def test_profile_equals_the_path_with_a_query_per_benchmark_and_a_test_per_place(sample_store, monkeypatch, scope,
                                                                                  bench):
    ids, f = registry.COMPARED_IDS, Filters(benchmark=bench)
    fast = api.profile(ids, "region", f, scope=scope, data_dir=sample_store)
    monkeypatch.setattr(compute.Counts, "_roll_up", lambda self, *a, **k: None)
    monkeypatch.setattr(tables, "trend_words_many", _trend_words_one_by_one)
    slow = api.profile(ids, "region", f, scope=scope, data_dir=sample_store)
    pd.testing.assert_frame_equal(fast, slow, check_exact=True)
    assert set(fast["trend"]) >= {"no significant change", "not tested"}


def _trend_words_one_by_one(series, place):
    """The profile's trends before they were vectorised: one `trend_words` (one `trend_test`) per place."""
    yearly: dict[tuple, dict[int, tuple[float, float]]] = {}
    for mid, t in series.items():
        t = pd.DataFrame(dict(t))  # compute_many's arrays, read as the profile read its frames
        for code, year, num, den in zip(t[place].astype(str), t["year"], t["numerator"].to_numpy(float),
                                        t["denominator"].to_numpy(float)):
            yearly.setdefault((mid, code), {})[int(year)] = (num, den)
    return {key: tables.trend_words(registry.get(key[0]), by_year) for key, by_year in yearly.items()}


def test_trend_labels_equal_trend_test_row_by_row():
    rng = np.random.default_rng(7)
    n = rng.integers(20, 400, size=(400, 5)).astype(float)
    p = np.clip(rng.uniform(0.05, 0.95, size=(400, 1)) + rng.normal(0, 0.08, size=(400, 1)) * np.arange(5), 0, 1)
    x = np.minimum(np.round(n * p), n)
    x[:10], x[10:20] = 0, n[10:20]  # 0% and 100% in every period: cannot be calculated
    x[20:30, 2] = np.nan  # a missing period
    n[20:30, 2] = np.nan
    x[30:40, :2] = n[30:40, :2] = np.nan  # a short series
    directions = rng.choice(list(stats.DIRECTIONS), size=400)
    label, assessment = stats.trend_labels(x, n, directions)
    expected = [stats.trend_test(x[i], n[i], directions[i]) for i in range(400)]
    assert list(label) == [r.label for r in expected]
    assert list(assessment) == [r.assessment for r in expected]
    assert {"increasing", "decreasing", "no significant change", "cannot be calculated"} <= set(label)
