"""`python -m perf.service --url http://127.0.0.1:PORT [--rounds 3] [VIEW ...]`: what one page view costs the server,
cold and warm, page by page, with nobody else asking (loopback only).

One tab (perf.stclient) opens every page with each VIEW (a filter query string; default: none): the first view of a
(page, VIEW) is "first" (cold unless the server has seen it: after warming, or a view opened before), then --rounds
more are "warm". A step is from the rerun request to script_finished, as in perf.load: the server's whole work for
the view, without the browser's drawing. Under load, steps queue behind each other (perf.load); this is the service
time they queue for.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys

from perf.stclient import Cookies, check_loopback, open_tab, step


async def measure(url: str, views: list[str], rounds: int, timeout: float = 300) -> dict[str, dict]:
    """page path -> {"first": [ms per view], "warm": [ms, ...]}."""
    pages: dict[str, str] = {}
    out: dict[str, dict] = {}
    async with await open_tab(url, Cookies(), timeout) as ws:
        await step(ws, "", "", timeout, pages, "first page")
        for query in views:
            for path in sorted(pages):
                times = out.setdefault(path or "(default)", {"first": [], "warm": []})
                first = await step(ws, query, pages[path], timeout, pages, f"/{path}?{query}")
                times["first"].append(first.seconds * 1000)
                for _ in range(rounds):
                    again = await step(ws, query, pages[path], timeout, pages, f"/{path}?{query}")
                    times["warm"].append(again.seconds * 1000)
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m perf.service", description=__doc__.split("\n\n")[0])
    p.add_argument("--url", required=True, help="a running app or stack on loopback")
    p.add_argument("--rounds", type=int, default=3, help="warm views per page and VIEW (default 3)")
    p.add_argument("views", nargs="*", default=[""], help="filter query strings, e.g. area=E12000002 (default: none)")
    args = p.parse_args(argv)
    result = asyncio.run(measure(check_loopback(args.url), args.views, args.rounds))
    print(f"{'page':22}{'first p50 ms':>14}{'warm p50 ms':>13}")
    for page, t in result.items():
        print(f"{page:22}{statistics.median(t['first']):14.0f}{statistics.median(t['warm']):13.0f}")
    warm = [x for t in result.values() for x in t["warm"]]
    print(f"{'mean over pages':22}{'':14}{statistics.mean(warm):13.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
