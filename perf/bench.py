"""`python -m perf.bench` (or `python -m kpi bench`): time each page's queries at scale, against a pandas and a
bare-DuckDB baseline.

What is timed, and why it is the pages' own work:

1. Record. Each page of app.py is run once with Streamlit's AppTest against the bench store while every call into
   kpi.metrics.api's public functions is recorded (the module attributes are wrapped before any page runs; ui code
   calls `api.khi_table(...)` through the module, so the wrappers see every call). Only top-level calls are kept: nested
   ones (headline -> khi_table) are part of their caller's time. st.cache_data is cleared before each page, so a page
   records all its own calls, not only those an earlier page left uncached.
2. Replay. The recorded calls are replayed straight against kpi.metrics.api (the wrappers removed): cold = first
   execution on a freshly opened `kpi.data.queries.connect` (its opening time is reported apart), warm = the same
   connection again.
3. Baselines, in the same run, for the same figures: pandas (load only the needed Parquet columns of the raw
   responses into a DataFrame, merge schemes, aggregate) and bare DuckDB (one aggregate query over only the needed
   columns of the raw Parquet files, no aggregate tables). Every figure a baseline produces is checked against
   `khi_table(..., scope=Scope.analyst())` (exact numerators and denominators, medians, first-to-latest pairs,
   people supported).
4. Browser (unless --no-browser): `streamlit run app.py` on a free loopback port and headless chromium; time from
   navigation until the script has finished and every chart is drawn, cold (first visit after server start) and
   warm (reloads), and the server's RSS high-water mark.

Modules: perf.record (1), perf.replay (2 and the baselines' timing), perf.figures (what each baseline computes),
perf.pandas_baseline and perf.duck_baseline (3), perf.agree (the agreement check), perf.browser (4), perf.timing.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

from perf import REPO
from perf.browser import browser_times
from perf.record import app_pages, record_pages
from perf.replay import add_ratios, time_duckdb, time_ours, time_pandas
from perf.timing import machine, percentiles_ms, rss_peak_mb, time_derive, timed

__all__ = ["add_arguments", "run", "measure", "summary", "app_pages"]

TARGETS = {"p50_ms": 150.0, "pandas_ratio": 20.0, "duckdb_ratio": 2.0, "browser_1m_ms": 1500.0,
           "browser_10m_ms": 3000.0, "app_memory_mb": 1024.0}


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--responses", type=int, default=1_000_000, help="responses in the generated sample")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--store", help="reuse this store instead of generating one (its size is read from it)")
    p.add_argument("--keep", action="store_true", help="keep the generated store (printed) instead of deleting it")
    p.add_argument("--work-dir", help="where to generate the sample (default: a new folder under $TMPDIR)")
    p.add_argument("--repeat", type=int, default=20, help="warm runs per page (default 20)")
    p.add_argument("--cold-repeat", type=int, default=5, help="cold runs per page (default 5)")
    p.add_argument("--baseline-repeat", type=int, default=3,
                   help="runs per page of each baseline (default 3: pandas takes seconds per run at 10M)")
    p.add_argument("--pages", nargs="*", help="only these pages (file stems, e.g. overview growth)")
    p.add_argument("--no-derive", dest="derive", action="store_false", help="skip timing the aggregate build")
    p.add_argument("--browser", action=argparse.BooleanOptionalAction, default=True,
                   help="also time fully rendered pages in chromium (default on)")
    p.add_argument("--browser-repeat", type=int, default=3,
                   help="warm reloads per page in the browser, rounds of moving to each page by its sidebar link, and "
                        "rounds of first views in a new browser")
    p.add_argument("--json", dest="json_path", help="write the results here as JSON")



def measure(root: Path, args) -> dict:
    """Every phase on the store at `root`; the result is what --json writes."""
    from kpi.data import queries, store

    pages = app_pages()
    if args.pages:
        pages = [p for p in pages if p.stem in args.pages]
    os.environ["KHI_DATA_DIR"] = str(root)
    manifest = store.read_manifest(root)
    result: dict = {"responses": manifest.rows.get("responses"), "store": str(root), "machine": machine(),
                    "settings": {"repeat": args.repeat, "cold_repeat": args.cold_repeat,
                                 "baseline_repeat": args.baseline_repeat, "browser_repeat": args.browser_repeat},
                    "targets": TARGETS, "pages": {}}
    if args.derive:
        print("timing the aggregate build (kpi.data.derive) ...", flush=True)
        result["derive"] = time_derive(root)

    print("recording each page's kpi.metrics.api calls with AppTest ...", flush=True)
    recordings = record_pages(root, pages)
    result["rss_after_recording_mb"] = round(rss_peak_mb(), 1)

    result["pages"], connect_s = time_ours(root, recordings, pages, args)
    result["connect"] = percentiles_ms(connect_s)
    result["rss_after_ours_mb"] = round(rss_peak_mb(), 1)

    # Bare DuckDB, then pandas (largest memory last, so the figures above are not inflated by it).
    check_con = queries.connect(root)
    try:
        time_duckdb(root, result["pages"], args.baseline_repeat, check_con)
        result["rss_after_duckdb_mb"] = round(rss_peak_mb(), 1)
        time_pandas(root, result["pages"], args.baseline_repeat, check_con)
        result["rss_after_pandas_mb"] = round(rss_peak_mb(), 1)
    finally:
        check_con.close()
    add_ratios(result["pages"])

    if args.browser:
        print("timing fully rendered pages in chromium ...", flush=True)
        log_dir = REPO / "artifacts" / "server-logs"
        log_dir.mkdir(parents=True, exist_ok=True)
        result["browser"] = browser_times(root, pages, args.browser_repeat, log_dir)
    return result


def summary(result: dict) -> str:
    lines = [f"N = {result['responses']:,} responses; {result['machine']['cpu']}, {result['machine']['cores']} "
             f"cores, {result['machine']['ram_gb']} GB RAM, Python {result['machine']['python']}"]
    if "derive" in result:
        d = result["derive"]
        lines.append("aggregate build: " + ", ".join(f"{k} {v['seconds']} s ({v['rows']:,} rows)"
                                                     for k, v in d.items() if isinstance(v, dict))
                     + f"; total {d['total_seconds']} s")
    lines.append(f"connect (queries.connect): p50 {result['connect']['p50']} ms")
    head = (f"{'page':<26}{'calls':>6}{'warm p50':>10}{'p95':>8}{'-cov p50':>10}{'cold p50':>10}{'p95':>8}"
            f"{'pandas':>10}{'duckdb':>9}{'pd/ours':>9}{'ours/dk':>9}{'browser cold':>14}{'warm':>10}{'in-app':>8}"
            f"{'new, warm':>11}")
    lines.append(head)
    browser = result.get("browser", {}).get("pages", {})
    for path, p in result["pages"].items():
        b = browser.get(path, {})
        lines.append(
            f"{p['title']:<26}{len(p['calls']):>6}{p['ours']['warm']['p50']:>10}{p['ours']['warm']['p95']:>8}"
            f"{p['ours']['warm_without_coverage']['p50']:>10}{p['ours']['cold']['p50']:>10}"
            f"{p['ours']['cold']['p95']:>8}{p['pandas']['p50']:>10}"
            f"{p['duckdb']['warm']['p50']:>9}{p['pandas_over_ours']:>9}{p['ours_over_duckdb']:>9}"
            f"{b.get('cold_ms', '-'):>14}{b.get('warm', {}).get('p50', '-'):>10}"
            f"{b.get('navigate', {}).get('p50', '-'):>8}{b.get('first_view_warm_server_ms', '-'):>11}")
    lines.append(f"bench process RSS high-water: after recording {result['rss_after_recording_mb']} MB, after "
                 f"ours {result['rss_after_ours_mb']} MB, after bare DuckDB {result['rss_after_duckdb_mb']} MB, "
                 f"after pandas {result['rss_after_pandas_mb']} MB")
    if "browser" in result:
        lines.append(f"app server RSS high-water (browser run): {result['browser']['server_peak_rss_mb']} MB")
        for path, b in result["browser"]["pages"].items():
            if b["exceptions"]:
                lines.append(f"{path}: the browser showed an exception: {b['exceptions'][0][:300]}")
    lines.append("slowest calls (warm p50 ms):")
    for path, p in result["pages"].items():
        lines.append(f"  {p['title']}: " + "; ".join(f"{ms} ms {c[:70]}" for c, ms in p["calls_warm_p50_ms"][:3]))
    for path, p in result["pages"].items():
        for what in ("exceptions", "duckdb_disagreements", "pandas_disagreements"):
            if p.get(what):
                lines.append(f"{path} {what}: {p[what][:3]}")
    return "\n".join(lines)


def run(args) -> int:
    from kpi.data import sample

    made = None
    if args.store:
        root = Path(args.store).resolve()
    else:
        base = Path(args.work_dir) if args.work_dir else Path(tempfile.gettempdir())
        base.mkdir(parents=True, exist_ok=True)
        made = Path(tempfile.mkdtemp(prefix=f"khi-bench-{args.responses}-", dir=base))
        root = made / "store"
        print(f"generating {args.responses:,} responses in {root} ...", flush=True)
        gen_s, _ = timed(lambda: sample.generate(root, responses=args.responses, seed=args.seed))
        print(f"  generated in {gen_s:.1f} s", flush=True)
    try:
        result = measure(root, args)
        if made:
            result["generate_seconds"] = round(gen_s, 1)
        print(summary(result))
        if args.json_path:
            Path(args.json_path).write_text(json.dumps(result, indent=2, default=str) + "\n")
            print(f"wrote {args.json_path}")
    finally:
        if made and not args.keep:
            shutil.rmtree(made, ignore_errors=True)
        elif made:
            print(f"kept the store at {root}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m perf.bench",
                                     description="time the pages' queries against pandas and bare DuckDB")
    add_arguments(parser)
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
