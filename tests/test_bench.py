"""perf on the fixture store: the baselines compute kpi.metrics.api's figures, the recorder keeps the pages' top-level
calls, and a one-page bench run reports positive timings with no disagreement."""

from __future__ import annotations

import argparse
import ast
from pathlib import Path

import pytest

from kpi.data import queries
from kpi.data.queries import Filters
from kpi.metrics import api
from perf import REPO, bench
from perf.agree import check_agreement
from perf.duck_baseline import DuckBaseline
from perf.figures import Req, page_requests
from perf.pandas_baseline import PandasBaseline
from perf.record import RECORDED, Call, Recorder, app_pages
from tests.scopes import PUBLIC, SCHEMES

NW = Filters(areas=("E12000002",), years=(2019,))
GROWTH_KHIS = ("people_growth_pct", "people_per_100k", "people_net_change", "people_growth_share")
P = (("scope", PUBLIC),)  # the recorded keyword arguments: the scope the page read with
CALLS = [
    Call("headline", (("connected_positive", "lonely_often"), Filters()), P),
    Call("khi_table", ("friends_median", ("region",), NW), P),
    Call("trend", ("connected_positive", NW), P),
    Call("funnel", ("connected_positive", Filters(arrangements=("live_in",))), (("scope", SCHEMES),)),
    Call("khi_tables", (("connections_helps", "connected_net"), ("age_band",), Filters()), P),
    Call("khi_table", ("distance_connected_change", ("region",), Filters()), P),
    Call("khi_table", ("distance_friends_change", (), NW), P),
    Call("khi_tables", (GROWTH_KHIS, ("region",), Filters()), P),  # as pages/growth.py asks for them
    Call("khi_tables", (("people_supported",), ("region", "year"), Filters()), P),
    Call("coverage", (), P),
]


@pytest.fixture(scope="module")
def con(sample_store):
    c = queries.connect(sample_store)
    yield c
    c.close()


@pytest.fixture(scope="module")
def reqs(con):
    return page_requests(CALLS, api.years(con=con))


@pytest.fixture(scope="module")
def duck_figures(sample_store, reqs):
    base = DuckBaseline(sample_store)
    dcon = base.connect()
    try:
        return base.run_page(dcon, reqs)
    finally:
        dcon.close()


def test_app_pages_are_the_navigation_s_with_the_default_first():
    pages = app_pages()
    assert pages and pages[0].default and pages[0].url_path == ""
    assert all(p.path.startswith("pages/") for p in pages)


def test_growth_khis_become_one_request_each(reqs):
    # the growth page's khi_tables call must be benchmarked KHI by KHI (not through api.growth_table)
    assert {r.metric for r in reqs if r.by == ("region",)} >= set(GROWTH_KHIS)
    assert "growth_table" not in RECORDED


@pytest.mark.parametrize("which", ["duckdb", "pandas"])
def test_baselines_agree_with_kpi_api(sample_store, con, reqs, duck_figures, which):
    got = duck_figures if which == "duckdb" else PandasBaseline(sample_store).run_page(reqs)
    assert set(got) == set(reqs)
    assert [m for r in reqs if (m := check_agreement(con, r, got[r], sample_store))] == []


def test_agreement_check_reports_a_wrong_figure(sample_store, con, reqs, duck_figures):
    # the check above is only worth something if it notices one figure off by one
    prop = next(r for r in reqs if r.kind == "khi" and r.metric == "connections_helps")
    wrong = duck_figures[prop].copy()
    wrong.loc[wrong.index[0], "numerator"] += 1
    assert "numerator differs" in check_agreement(con, prop, wrong, sample_store)
    people = next(r for r in reqs if r.metric == "people_growth_pct")
    wrong = duck_figures[people].copy()
    wrong["people"] += 1
    assert "people supported totals differ" in check_agreement(con, people, wrong, sample_store)
    assert check_agreement(con, Req("years"), [1990], sample_store) is not None


def test_similar_schemes_calls_become_figure_sets_both_baselines_agree_on(sample_store, con):
    from kpi.metrics import similar

    assert {"similar_schemes", "compare_with_similar"} <= set(RECORDED)
    cur = con.cursor()
    sid = next(s for s in api.scheme_list(scope=SCHEMES, con=con)["scheme_id"].astype(str)
               if len(similar.members(cur, s, Filters(), similar.K_DEFAULT)))
    cur.close()
    calls = [Call("similar_schemes", (sid, Filters()), (("scope", SCHEMES),)),
             Call("compare_with_similar", ("connected_positive", sid, Filters()), (("scope", SCHEMES),))]
    reqs = page_requests(calls, api.years(con=con), con)
    assert Req("mix", f=Filters()) in reqs
    pooled = [r for r in reqs if r.kind == "khi" and r.by == () and len(r.f.schemes) >= similar.K_CHOICES[0]]
    assert pooled and sid not in pooled[0].f.schemes  # the group without the scheme itself
    base = DuckBaseline(sample_store)
    dcon = base.connect()
    try:
        duck = base.run_page(dcon, reqs)
    finally:
        dcon.close()
    for got in (duck, PandasBaseline(sample_store).run_page(reqs)):
        assert [m for r in reqs if (m := check_agreement(con, r, got[r], sample_store))] == []
    wrong = duck[Req("mix", f=Filters())].copy()
    wrong.loc[wrong.index[0], "responses"] += 1
    assert "scheme mix" in check_agreement(con, Req("mix", f=Filters()), wrong, sample_store)


def test_recorder_keeps_top_level_calls_only_and_restores_api(con):
    original = api.khi_table
    with Recorder(api) as rec:
        # calls api.years() inside, through the module
        api.headline(("connected_positive",), Filters(), con=con, scope=PUBLIC)
    assert rec.calls == [Call("headline", (("connected_positive",), Filters()), P)]  # con= is not kept
    assert api.khi_table is original


def test_recorded_calls_replay_against_kpi_api(con):
    for call in CALLS:
        out = call.run(api, con)  # every recorded shape is callable with con=
        assert len(out) > 0, call


def test_one_page_bench_reports_positive_timings_without_disagreement(sample_store, monkeypatch):
    monkeypatch.setenv("KHI_DATA_DIR", str(sample_store))  # measure() sets it; restored afterwards
    parser = argparse.ArgumentParser()
    bench.add_arguments(parser)
    args = parser.parse_args(["--store", str(sample_store), "--pages", "growth", "--repeat", "1", "--cold-repeat",
                              "1", "--baseline-repeat", "1", "--no-derive", "--no-browser"])
    result = bench.measure(sample_store, args)
    assert list(result["pages"]) == ["pages/growth.py"]
    page = result["pages"]["pages/growth.py"]
    assert page["exceptions"] == [] and page["requests"] > 0
    assert any(c.startswith("khi_tables(") and "people_growth_pct" in c for c in page["calls"])
    assert min(page["ours"]["warm"]["p50"], page["ours"]["cold"]["p50"], page["pandas"]["p50"],
               page["duckdb"]["warm"]["p50"]) > 0
    assert page["duckdb_disagreements"] == [] and page["pandas_disagreements"] == []
    assert page["title"] in bench.summary(result)


def _imported_roots(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    names = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    names |= {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module and not n.level}
    return {n.split(".")[0] for n in names}


def test_dev_only_packages_are_imported_by_perf_not_kpi():
    # kpi runs in production without the dev packages; kpi.cli reaches perf only through importlib by name
    offenders = {str(p.relative_to(REPO)): bad for p in (REPO / "kpi").rglob("*.py")
                 if (bad := _imported_roots(p) & {"streamlit", "playwright", "websockets", "perf"})}
    assert offenders == {}
    assert "playwright" in _imported_roots(REPO / "perf" / "browser.py")

