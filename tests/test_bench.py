"""perf.bench on a tiny store: the baselines compute the same figures as kpi.metrics.api for a page's recorded calls."""

from __future__ import annotations

import pytest

from kpi.metrics import api
from perf import bench
from kpi.data import queries
from kpi.data.queries import Filters

NW = Filters(areas=("E12000002",), years=(2019,))
CALLS = [
    bench.Call("headline", (("connected_positive", "lonely_often"), Filters()), ()),
    bench.Call("khi_table", ("friends_median", ("region",), NW), ()),
    bench.Call("trend", ("connected_positive", NW), ()),
    bench.Call("funnel", ("connected_positive", Filters(arrangements=("live_in",))), ()),
    bench.Call("khi_tables", (("connections_helps", "connected_net"), ("age_band",), Filters()), ()),
    bench.Call("khi_table", ("distance_connected_change", ("region",), Filters()), ()),
    bench.Call("khi_table", ("distance_friends_change", (), NW), ()),
    bench.Call("khi_table", ("people_growth_pct", ("region",), Filters()), ()),
    bench.Call("coverage", (), ()),
]


@pytest.fixture(scope="module")
def con(sample_store):
    c = queries.connect(sample_store)
    yield c
    c.close()


def test_app_pages_are_read_from_app_py_with_the_default_first():
    pages = bench.app_pages()
    assert pages and pages[0].default and pages[0].url_path == ""
    assert all(p.path.startswith("pages/") for p in pages)


@pytest.mark.parametrize("which", ["duckdb", "pandas"])
def test_baselines_agree_with_kpi_api(sample_store, con, which):
    reqs = bench.page_requests(CALLS, api.years(con=con))
    if which == "duckdb":
        base = bench.DuckBaseline(sample_store)
        dcon = base.connect()
        got = base.run_page(dcon, reqs)
        dcon.close()
    else:
        got = bench.PandasBaseline(sample_store).run_page(reqs)
    assert set(got) == set(reqs)
    assert [m for r in reqs if (m := bench.check_agreement(con, r, got[r], sample_store))] == []


def test_recorded_calls_replay_against_kpi_api(con):
    for call in CALLS:
        call.run(api, con)  # every recorded shape is callable with con=
