"""The batched paths give the figures of the per-request ones, on the fixture store: benchmarks summed from the
places' counts (compute.Counts) equal the benchmark queries they replace, a year's counts summed from a series by
year equal its own query, share-of-people KHIs computed as one matrix equal them computed one by one, the KHIs'
figures stacked array by array (tables.stack) and the growth KHIs' start and end counts put side by side without a
merge equal the frames and merges they replace, and the profile's vectorised trend test (tables.trend_words_many,
stats.trend_labels) equals `trend_test` per place."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from kpi.data import queries
from kpi.data.queries import Filters
from kpi.metrics import api, compute, counts as counts_module, registry, stats, tables
from tests.scopes import EXACT, PUBLIC, SCHEMES

CUBE_COLUMNS = [queries.cube_column("impact_connected", a) for a in ("positive", "negative", "unanswered")]


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


# (finer breakdown, its years) -> (coarser breakdown, some of those years): summed from the finer one's rows.
FEWER_YEARS = [
    ((("region", "year"), (2018, 2019, 2020)), (("region",), (2020,))),
    ((("region", "year"), (2018, 2019, 2020)), (("nation",), (2019, 2020))),
    ((("region", "year"), (2018, 2019, 2020)), ((), (2018,))),
    ((("region", "year"), (2018, 2019, 2020)), (("region", "year"), (2018, 2020))),
    ((("scheme", "year"), ()), (("scheme",), (2020,))),
    ((("arrangement", "year"), (2019, 2020)), (("year",), (2020,))),
    ((("nation",), ()), ((), ())),
    ((("nation", "year"), ()), (("nation",), (2019,))),
]
YEAR_CASES = [(kind, fine, coarse) for kind in ("cube", "change", "hist", "people") for fine, coarse in FEWER_YEARS]


@pytest.mark.parametrize("keys", [False, True])
@pytest.mark.parametrize("kind, fine, coarse", YEAR_CASES)
def test_fewer_years_summed_from_a_series_equal_their_query(cur, kind, keys, fine, coarse):
    (fine_by, fine_years), (by, years) = fine, coarse
    base = Filters(programmes=("shared_lives",))
    counts = compute.Counts(cur)
    _fetch(counts, kind, fine_by, base.with_years(fine_years), keys)
    summed = _fetch(counts, kind, by, replace(base.with_years(years), benchmark="uk"), keys)
    assert len(counts._done) == 1, "the request should have been summed from the series, not queried"
    queried = _fetch(compute.Counts(cur), kind, by, base.with_years(years), keys)
    pd.testing.assert_frame_equal(summed.reset_index(drop=True), queried, check_exact=True)


def test_group_sum_equals_pandas_groupby_with_missing_keys():
    rng = np.random.default_rng(3)
    frame = pd.DataFrame({"a": pd.array(rng.choice(["x", "y", None, "b"], 200), dtype="str"),
                          "year": rng.integers(2015, 2020, 200).astype("int32"),
                          "n": rng.integers(0, 9, 200), "m": rng.integers(0, 900, 200)})
    assert frame["a"].isna().any()
    for keys in (["a"], ["year"], ["a", "year"], ["year", "a"], []):
        got = counts_module.group_sum({k: frame[k] for k in keys}, frame[["n", "m"]].to_numpy(), ["n", "m"])
        expected = (frame.groupby(keys, sort=True, dropna=False)[["n", "m"]].sum().reset_index() if keys
                    else pd.DataFrame({c: [frame[c].sum()] for c in ("n", "m")}))
        pd.testing.assert_frame_equal(got, expected, check_exact=True)


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
    counts.cube(CUBE_COLUMNS, ("region",), Filters(years=(2019, 2020)))  # more years than any: queried
    counts.cube(CUBE_COLUMNS, ("region",), Filters(years=(2018,)))  # no finer one by year covers it: queried
    counts.cube(CUBE_COLUMNS, ("region",), Filters(years=(2020,), arrangements=("live_in",)))  # other filters
    counts.cube(CUBE_COLUMNS, (), Filters(years=(2020,), programmes=("homeshare",)))  # no programme column to keep
    assert len(counts._done) == 11
    counts.cube(CUBE_COLUMNS, ("nation",), Filters(years=(2019,), areas=("E12000002",)))  # an area by region: summed
    assert len(counts._done) == 11


def test_a_breakdown_by_nation_keeps_no_area(cur):
    """Its area_code is a nation's (England as one): an English region cannot be picked from it."""
    counts = compute.Counts(cur)
    counts.cube(CUBE_COLUMNS, ("nation", "programme", "year"), Filters())
    counts.cube(CUBE_COLUMNS, (), Filters(areas=("E12000002",)))
    counts.cube(CUBE_COLUMNS, (), Filters(areas=("W92000004",)))
    assert len(counts._done) == 3
    counts.cube(CUBE_COLUMNS, ("nation",), Filters(programmes=("homeshare",), years=(2020,)))
    assert len(counts._done) == 3


# (finer breakdown, its filters) -> (coarser breakdown, some of its areas, programmes or years): summed from its rows.
NARROWER = [
    ((("region", "programme", "year"), Filters(years=(2019, 2020))),
     ((), Filters(years=(2020,), areas=("E12000001", "E12000002"), programmes=("shared_lives",)))),
    ((("region", "programme", "year"), Filters(years=(2019, 2020))),
     (("region",), Filters(years=(2019, 2020), areas=("W92000004", "S92000003", "E12000007")))),
    ((("region", "programme", "year"), Filters()), (("nation",), Filters(years=(2019,), programmes=("homeshare",)))),
    ((("scheme",), Filters(programmes=("shared_lives",))), (("region",), Filters(areas=("E12000007",),
                                                                                  programmes=("shared_lives",)))),
    ((("programme", "year"), Filters(areas=("E12000001", "E12000002"))),
     (("year",), Filters(areas=("E12000001", "E12000002"), programmes=("homeshare",)))),
]
NARROWER_CASES = [(kind, fine, coarse) for kind in ("cube", "change", "hist", "people") for fine, coarse in NARROWER]


@pytest.mark.parametrize("keys", [False, True])
@pytest.mark.parametrize("kind, fine, coarse", NARROWER_CASES)
def test_some_areas_programmes_or_years_summed_from_a_finer_request_equal_their_query(cur, kind, keys, fine, coarse):
    (fine_by, fine_f), (by, f) = fine, coarse
    counts = compute.Counts(cur)
    _fetch(counts, kind, fine_by, fine_f, keys)
    summed = _fetch(counts, kind, by, f, keys)
    assert len(counts._done) == 1, "the request should have been summed from the finer one, not queried"
    queried = _fetch(compute.Counts(cur), kind, by, f, keys)
    assert len(queried) and queried.select_dtypes("number").to_numpy().sum() > 0  # not an empty agreement
    pd.testing.assert_frame_equal(summed.reset_index(drop=True), queried, check_exact=True)


BY = [("region",), ("scheme",), ("region", "year"), ("nation",), ("year",), ("programme",), ()]


# The public sees no schemes, so a scheme breakdown is asked only of the hub's and the analyst's scopes.
SCOPED = [pytest.param(scope, by, id=f"{name}-{'_'.join(by) or 'overall'}")
          for scope, name in ((PUBLIC, "public"), (SCHEMES, "hub"), (EXACT, "analyst")) for by in BY
          if not (scope is PUBLIC and "scheme" in by)]


def _slow_paths(m):
    """The straightforward computation: every count queried (none summed from another request), each KHI's figures
    computed alone (no matrix of share-of-people KHIs), one frame per KHI concatenated by pandas, the growth KHIs'
    start and end counts and populations merged."""
    m.setattr(compute.Counts, "_roll_up", lambda self, *a, **k: None)
    m.setattr(compute, "_shares", lambda *a, **k: {})
    m.setattr(counts_module, "_same_query", lambda a, b: a == b)
    m.setattr(compute, "_same_groups", lambda *a, **k: None)
    m.setattr(compute, "_with_population", lambda frame, pop: frame.merge(pop, on="area_code", how="left"))
    m.setattr(tables, "stack", lambda parts: pd.concat([pd.DataFrame(dict(p)) for p in parts], ignore_index=True))


@pytest.mark.parametrize("scope, by", SCOPED)
def test_khi_tables_equal_the_path_with_a_query_per_benchmark(sample_store, monkeypatch, scope, by):
    ids = list(registry.COMPARED_IDS)
    f = Filters(benchmark="auto")
    fast = api.khi_tables(ids, by, f, scope=scope, data_dir=sample_store)
    with monkeypatch.context() as m:
        _slow_paths(m)
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
    _slow_paths(monkeypatch)
    monkeypatch.setattr(tables, "trend_words_many", _trend_words_one_by_one)
    slow = api.profile(ids, "region", f, scope=scope, data_dir=sample_store)
    pd.testing.assert_frame_equal(fast, slow, check_exact=True)
    assert set(fast["trend"]) >= {"no significant change", "not tested"}


@pytest.mark.parametrize("f", [Filters(), Filters(programmes=("shared_lives",)), Filters(benchmark="uk")],
                         ids=["all", "programme", "uk"])
def test_compare_page_calls_equal_the_straightforward_path(sample_store, monkeypatch, f):
    """funnel (its UK pass sums the first pass's counts), compare_with_similar and similar_schemes."""
    con = api.connect(sample_store)
    scheme = str(api.scheme_list(scope=EXACT, con=con)["scheme_id"].iloc[0])
    calls = [lambda: api.funnel("connected_positive", f, scope=SCHEMES, con=con),
             lambda: api.funnel("lonely_often", f, scope=EXACT, con=con),
             lambda: api.similar_schemes(scheme, f, scope=SCHEMES, con=con),
             lambda: api.compare_with_similar("connected_positive", scheme, f, scope=SCHEMES, con=con),
             lambda: api.compare_with_similar("distance_friends_more", scheme, f, scope=EXACT, con=con, k=8)]
    fast = [call() for call in calls]
    _slow_paths(monkeypatch)
    for got, call in zip(fast, calls):
        pd.testing.assert_frame_equal(got, call(), check_exact=True)


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


GROWTH_VIEWS = [Filters(years=(2023, 2024)), Filters(years=tuple(range(2019, 2025)), areas=("E12000001", "E12000007",
                                                                                          "W92000004")),
                Filters(years=(2024,), programmes=("homeshare",), arrangements=("homeshare",)), Filters()]


@pytest.mark.parametrize("scope", [PUBLIC, SCHEMES, EXACT], ids=["public", "hub", "analyst"])
@pytest.mark.parametrize("view", GROWTH_VIEWS, ids=["latest", "five-years-three-places", "homeshare", "every-year"])
def test_khi_tables_many_equals_khi_tables_per_request_from_one_people_query(sample_store, monkeypatch, scope, view):
    """The Regional growth page's totals (per programme: the whole view, England, its regions, the nations), as
    ui.data asks them: the same tables as a khi_tables call each (and as the straightforward path), from one query of
    the yearly returns, not one or more per request."""
    from ui.data import _growth_requests

    requests = [(ids, by, f) for _programme, parts in _growth_requests(view) for _part, ids, by, f in parts]
    assert len(requests) >= 3
    con = api.connect(sample_store)
    people_queries = []
    original = queries.people_supported
    monkeypatch.setattr(queries, "people_supported", lambda *a: people_queries.append(a) or original(*a))
    many = api.khi_tables_many(requests, scope=scope, con=con)
    assert len(people_queries) == 1
    one_by_one = [api.khi_tables(list(ids), by, f, scope=scope, con=con) for ids, by, f in requests]
    assert len(people_queries) > len(requests)
    with monkeypatch.context() as m:
        _slow_paths(m)
        slow = [api.khi_tables(list(ids), by, f, scope=scope, con=con) for ids, by, f in requests]
    for got, each, straightforward in zip(many, one_by_one, slow):
        assert len(got) and got["value"].notna().any()
        pd.testing.assert_frame_equal(got, each, check_exact=True)
        pd.testing.assert_frame_equal(got, straightforward, check_exact=True)
