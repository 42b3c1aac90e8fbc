"""The place roll-ups (kpi.data.queries: each aggregate summed to area x programme x year when a connection opens)
give exactly what the cells give, for every request they answer, and are never read for one they cannot answer
(a scheme, arrangement, age band or need in the breakdown or the filters)."""

from __future__ import annotations

import pandas as pd
import pytest

from kpi.data import queries
from kpi.data.queries import Filters

CUBE = [queries.cube_column("impact_connected", a) for a in ("positive", "none", "negative", "unanswered")] + [
    "responses", queries.cube_column("friends_count", "answered")]
CHANGE = list(queries.CHANGE_COLUMNS)
ANSWERED = [  # (breakdown, filters) the roll-ups answer
    ((), Filters()),
    (("region",), Filters()),
    (("region", "year"), Filters(years=(2016, 2017, 2018))),
    (("nation",), Filters(programmes=("homeshare",))),
    (("nation", "year", "programme"), Filters()),
    (("year",), Filters(areas=("E12000001", "W92000004"), programmes=("shared_lives",))),
    (("programme",), Filters(years=(2020,), areas=("E12000007",))),
]
NOT_ANSWERED = [
    (("scheme",), Filters()),
    (("region", "arrangement"), Filters()),
    (("age_band",), Filters(years=(2020,))),
    (("region",), Filters(arrangements=("live_in",))),
    (("year",), Filters(needs=("dementia",))),
    ((), Filters(schemes=("S001",))),
    (("region",), Filters(age_bands=("18-24",))),
]


def _requests(cur, by, f: Filters) -> dict[str, pd.DataFrame]:
    return {"cube": queries.cube_counts(cur, CUBE, by, f, keys=True),
            "change": queries.cube_counts(cur, CHANGE, by, f, table="change", keys=True),
            "hist": queries.friends_histogram(cur, by, f)}


@pytest.fixture
def tables_read(monkeypatch):
    """The aggregate each query reads, from its SQL."""
    read = []
    original = queries._run

    def run(cur, sql, params=None):
        read.append(sql.split(" FROM ")[1].split(" ")[0])
        return original(cur, sql, params)

    monkeypatch.setattr(queries, "_run", run)
    return read


@pytest.mark.parametrize("by, f", ANSWERED)
def test_the_roll_ups_give_what_the_cells_give(cur, monkeypatch, tables_read, by, f):
    rolled = _requests(cur, by, f)
    assert tables_read == ["cube_place", "change_place", "friends_hist_place"]
    monkeypatch.setattr(queries, "_source", lambda table, by, f: (table, queries._WHERE, queries._filter_params(f)))
    from_cells = _requests(cur, by, f)
    assert tables_read[3:] == ["cube", "change", "friends_hist"]
    for name, table in rolled.items():
        assert len(table) and table.select_dtypes("number").to_numpy().sum() > 0, name  # not an empty agreement
        pd.testing.assert_frame_equal(table, from_cells[name], check_exact=True, obj=name)


@pytest.mark.parametrize("by, f", NOT_ANSWERED)
def test_a_scheme_arrangement_age_band_or_need_reads_the_cells(cur, tables_read, by, f):
    _requests(cur, by, f)
    assert tables_read == ["cube", "change", "friends_hist"]


def test_the_roll_ups_are_hundreds_of_rows_not_the_cells(cur):
    for table in ("cube", "change", "friends_hist"):
        cells = cur.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0]
        rolled = cur.execute(f"SELECT count(*) FROM {table}_place").fetchall()[0][0]
        assert 0 < rolled < cells, table
