"""`python -m perf.warm --url http://127.0.0.1:PORT [--url ...]`: fill a server's caches before people arrive.

scripts/serve.sh runs it on each worker once the worker answers (and again after a worker restarts), straight to the
worker's own loopback port, so a room that opens the link together meets warm pages. One tab per worker, one view at
a time (the worker keeps serving meanwhile), as a visitor who has not signed in: the public's views, which is what a
room of visitors sees; a signed-in viewer's scope is computed on its first view, as before.

What it opens, most used first, until --budget seconds are spent: every page as it first opens; every page for each
nation and region; for each of the latest five years; for each programme; for each arrangement; each
tab of the pages built a tab at a time (SECTIONS: ui.state.section_tabs builds only the open one); every page in
Welsh.
The workers are warmed one after another, so with the stack's shared folder (ui.cache) the second worker reads the
figures the first computed and builds only its own charts.

The views are generic: every single filter value, never the combinations a load test happens to use, so what
`python -m kpi load` measures after it is what a room would meet.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

from perf.stclient import Cookies, check_loopback, open_tab, step

RECENT_YEARS = 5  # the years warmed one by one: the latest five (the recent-trend window), most looked at
# page path -> its tabs after the first (each page's ?section= codes; tests/test_app_pages.py checks they match)
SECTIONS = {"growth": ("map", "change", "rate", "years"),
            "connectedness": ("friends", "helps", "lonely", "change", "ascof"),
            "compare": ("funnel", "similar"), "profile": ("spine",)}


def views(root: Path | None) -> list[str | tuple[str, str]]:
    """What to open, most used first: a query string for every page, or (page path, query) for one page."""
    from kpi.data import schema
    from ui.state import PARAM_KEYS

    years: list[int] = []
    if root is not None:
        try:  # from the facts the store keeps (opening the store here would load its aggregates: ~700 MB at 1M)
            import datetime as dt

            from kpi.data import store

            facts = store.read_manifest(root).facts
            first, last = (schema.financial_year(dt.date.fromisoformat(facts[k])) for k in ("first_date", "last_date"))
            years = list(range(last, max(first, last - RECENT_YEARS + 1) - 1, -1))  # the latest: most looked at
        except Exception:  # no store yet, or one without its facts: the years are left out
            years = []
    out = [""]
    out += [urlencode({PARAM_KEYS["place"]: a}) for a in schema.AREAS]
    out += [urlencode({PARAM_KEYS["period"]: schema.fy_label(y)}) for y in years]
    out += [urlencode({PARAM_KEYS["programme"]: p}) for p in schema.PROGRAMMES]
    out += [urlencode({PARAM_KEYS["arrangement"]: a}) for a in schema.ARRANGEMENTS]
    out += [(path, urlencode({"section": code})) for path, codes in SECTIONS.items() for code in codes]
    # Last: the tab's session keeps the language a link chose, so every view after this one would be in Welsh.
    return out + ["lang=cy"]


async def warm(url: str, queries: list, until: float, timeout: float) -> tuple[int, list[str]]:
    """Open every page with every query on one tab of `url` until `until`; returns (views opened, problems)."""
    pages: dict[str, str] = {}
    problems: list[str] = []
    done = 0
    async with await open_tab(url, Cookies(), timeout) as ws:
        first = await step(ws, "", "", timeout, pages, "warm first page")
        problems += first.problems
        done += 1
        for item in queries:
            path_only, query = item if isinstance(item, tuple) else (None, item)
            for path in sorted(pages) if path_only is None else [path_only] if path_only in pages else []:
                if time.monotonic() >= until:
                    return done, problems
                result = await step(ws, query, pages[path], timeout, pages, f"warm /{path}?{query}")
                problems += result.problems
                done += 1
    return done, problems


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m perf.warm", description=__doc__.split("\n\n")[0])
    p.add_argument("--url", action="append", required=True, help="a worker (loopback); repeat for several, in turn")
    p.add_argument("--data", help="the store the workers read (for its years); default KHI_DATA_DIR")
    p.add_argument("--budget", type=float, default=600, help="seconds to spend on each worker at most (default 600)")
    p.add_argument("--step-timeout", type=float, default=120)
    args = p.parse_args(argv)
    from kpi.data import paths

    root = Path(args.data) if args.data else paths.data_dir()
    queries = views(root)
    status = 0
    for url in args.url:
        url = check_loopback(url)
        t0 = time.monotonic()
        try:
            done, problems = asyncio.run(warm(url, queries, t0 + args.budget, args.step_timeout))
        except Exception as exc:  # the worker died or stalled: serve.sh restarts it and warms it again
            print(f"warm {url}: stopped: {type(exc).__name__}: {exc}", flush=True)
            status = 1
            continue
        print(f"warm {url}: {done} views in {time.monotonic() - t0:.0f} s"
              + (f"; {len(problems)} problems, first: {problems[0]}" if problems else ""), flush=True)
        status = status or (1 if problems else 0)
    return status


if __name__ == "__main__":
    sys.exit(main())
