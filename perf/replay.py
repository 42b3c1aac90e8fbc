"""Timing: the recorded calls replayed against kpi.metrics.api (cold and warm), then each baseline on the same
figure sets, each baseline's figures checked against kpi's."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from perf.agree import check_agreement
from perf.duck_baseline import DuckBaseline
from perf.figures import page_requests
from perf.pandas_baseline import PandasBaseline
from perf.record import Page, Recording
from perf.timing import percentiles_ms, rss_peak_mb, timed


def time_ours(root: Path, recordings: dict[str, Recording], pages: list[Page], args) -> tuple[dict, list[float]]:
    """Per page: the replayed calls cold (fresh connection) and warm; also each connection's opening time."""
    from kpi.data import queries
    from kpi.metrics import api

    con = queries.connect(root)
    years = api.years(con=con)
    con.close()
    out: dict = {}
    connect_s = []
    for path, rec in recordings.items():
        page = out[path] = {"title": next(p.title for p in pages if p.path == path),
                            "calls": [str(c) for c in rec.calls], "apptest_seconds": round(rec.seconds, 2),
                            "exceptions": rec.exceptions}
        if rec.exceptions:
            print(f"  {path}: the page raised in AppTest: {rec.exceptions[0][:200]}", flush=True)
        cold = []
        for _ in range(args.cold_repeat):
            seconds, con = timed(lambda: queries.connect(root))
            connect_s.append(seconds)
            cold.append(timed(lambda: [c.run(api, con) for c in rec.calls])[0])
            con.close()
        con = queries.connect(root)
        [c.run(api, con) for c in rec.calls]
        # Each call timed on its own too: the slow paths, and the page without coverage(), which the app computes
        # once per store version for all sessions (st.cache_data), not on every page view.
        per_call = [[timed(lambda: c.run(api, con))[0] for c in rec.calls] for _ in range(args.repeat)]
        warm = [sum(run) for run in per_call]
        without_coverage = [sum(t for c, t in zip(rec.calls, run) if c.name != "coverage") for run in per_call]
        page["ours"] = {"cold": percentiles_ms(cold), "warm": percentiles_ms(warm),
                        "warm_without_coverage": percentiles_ms(without_coverage)}
        page["calls_warm_p50_ms"] = sorted(
            ((str(c)[:160], round(float(np.median([run[i] for run in per_call])) * 1000, 1))
             for i, c in enumerate(rec.calls)), key=lambda x: -x[1])
        page["requests"] = page_requests(rec.calls, years, con)
        page["ours_peak_rss_mb"] = round(rss_peak_mb(), 1)
        con.close()
        print(f"  {path}: {len(rec.calls)} calls, ours warm p50 {page['ours']['warm']['p50']} ms, "
              f"cold p50 {page['ours']['cold']['p50']} ms", flush=True)
    return out, connect_s


def time_duckdb(root: Path, pages: dict, repeat: int, check_con) -> None:
    """Bare DuckDB per page, cold (new connection) and warm, into pages[path]["duckdb"] and its disagreements."""
    duck = DuckBaseline(root)
    for path, page in pages.items():
        reqs = page["requests"]
        cold, warm = [], []
        for _ in range(repeat):
            con = duck.connect()
            seconds, got = timed(lambda: duck.run_page(con, reqs))
            cold.append(seconds)
            warm.append(timed(lambda: duck.run_page(con, reqs))[0])
            con.close()
        page["duckdb"] = {"cold": percentiles_ms(cold), "warm": percentiles_ms(warm)}
        page["duckdb_disagreements"] = [m for r in reqs if (m := check_agreement(check_con, r, got[r], root))]
        print(f"  {path}: bare DuckDB p50 {page['duckdb']['warm']['p50']} ms "
              f"({len(page['duckdb_disagreements'])} disagreements)", flush=True)


def time_pandas(root: Path, pages: dict, repeat: int, check_con) -> None:
    """pandas per page (each run loads its columns again), into pages[path]["pandas"] and its disagreements."""
    pandas_base = PandasBaseline(root)
    for path, page in pages.items():
        reqs = page["requests"]
        runs = []
        for _ in range(repeat):
            seconds, got = timed(lambda: pandas_base.run_page(reqs))
            runs.append(seconds)
        page["pandas"] = percentiles_ms(runs)
        page["pandas_disagreements"] = [m for r in reqs if (m := check_agreement(check_con, r, got[r], root))]
        del got
        print(f"  {path}: pandas p50 {page['pandas']['p50']} ms "
              f"({len(page['pandas_disagreements'])} disagreements)", flush=True)


def add_ratios(pages: dict) -> None:
    """pandas ÷ ours and ours ÷ bare DuckDB per page; the request list is replaced by its length (for --json)."""
    for page in pages.values():
        ours = page["ours"]["warm"]["p50"] or float("nan")
        page["pandas_over_ours"] = round(page["pandas"]["p50"] / ours, 1)
        page["ours_over_duckdb"] = round(ours / page["duckdb"]["warm"]["p50"], 3)
        page["ours_cold_over_duckdb_cold"] = round((page["ours"]["cold"]["p50"] or 0) /
                                                   page["duckdb"]["cold"]["p50"], 3)
        page["requests"] = len(page["requests"])
