"""`python -m perf.load` (or `python -m kpi load`): a bounded load test speaking Streamlit's own websocket protocol,
loopback only.

Each simulated session behaves as a browser tab (perf.stclient): it loads the page, keeping the cookies it is given,
opens `/_stcore/stream` (subprotocol "streamlit") with them, then, until the time is up, asks for a rerun (protobuf
BackMsg `rerun_script`) of a page with a filter query string and reads ForwardMsgs until `script_finished`. A step's
time is from the request to script_finished: the server's whole work for the view (script, queries, figure JSON),
without the browser's drawing. Errors: an exception element or an st.error alert in the messages, a compile error, a
closed websocket, a step that does not finish within --step-timeout, a session whose Streamlit session changed.

What it drives: a `streamlit run app.py` it starts itself (the default), the serving stack it starts with
scripts/serve.sh (`--stack N`: HAProxy and N workers; the cookie HAProxy sets keeps each session on its worker), both
in turn with the same load (`--compare`), or a running app (`--url`). Server memory is the summed RSS of the server's
processes (HAProxy and every worker for the stack), sampled every 0.5 s; its high-water mark is reported.

Why a protocol client and not 20 browsers: 20 chromium instances do not fit on 2 cores beside the server, and the
client side would dominate what is measured.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from perf import REPO
from perf.stclient import Cookies, check_loopback, open_tab, step
from perf.timing import RssPeak, proc_peak_mb
from perf.warm import main as warm_main

# Filter views people move through (URL query strings, as filters_sidebar reads them).
VIEWS = (
    "",
    "area=E12000002",
    "area=E12000002&year=2019-20",
    "year=2023-24",
    "area=E12000006",
    "arrangement=live_in",
    "age=18-24&need=learning_disability",
    "programme=homeshare",
    "area=W92000004&year=2022-23",
)
MAX_ERRORS_KEPT = 20


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--sessions", type=int, default=20, help="concurrent sessions (default 20)")
    p.add_argument("--seconds", type=float, default=60, help="how long to keep them busy (default 60)")
    p.add_argument("--url", help="a running app (loopback only), e.g. http://127.0.0.1:8501; "
                                 "default: start `streamlit run app.py` on a free port with --data")
    p.add_argument("--stack", type=int, nargs="?", const=os.cpu_count() or 2, metavar="N",
                   help="start the serving stack (scripts/serve.sh: HAProxy, sticky by cookie, in front of N "
                        "`streamlit run` workers; N defaults to the number of cores) with --data and drive it")
    p.add_argument("--compare", action="store_true",
                   help="the same load against one `streamlit run app.py`, then against the stack (--stack N), "
                        "and both results side by side")
    p.add_argument("--data", help="store for the server started here (default: KHI_DATA_DIR, else the sample)")
    p.add_argument("--think", type=float, default=1.0,
                   help="mean pause between a session's steps, seconds (0 for none; default 1.0)")
    p.add_argument("--step-timeout", type=float, default=60, help="a step not finished by then is an error")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--warm-up", action="store_true",
                   help="the servers' caches are filled before the load starts, as a room would meet them: the "
                        "stack warms its workers itself (scripts/serve.sh, perf/warm.py) and the load waits for it; "
                        "one process is warmed the same way here (default off: a cold start is part of it)")
    p.add_argument("--json", dest="json_path", help="write the result here as JSON")


@dataclass
class Stats:
    steps: list[tuple[str, float]] = field(default_factory=list)  # (page, seconds)
    errors: list[str] = field(default_factory=list)
    error_count: int = 0
    disconnects: int = 0
    sessions_connected: int = 0
    workers: Counter = field(default_factory=Counter)  # sessions per worker, from the balancer's cookie
    load_seconds: float = 0.0  # from the sessions' start (after any warm-up) until the last one has finished

    def error(self, text: str) -> None:
        self.error_count += 1
        if len(self.errors) < MAX_ERRORS_KEPT:
            self.errors.append(text[:600])


async def _session(n: int, url: str, until: float, args, stats: Stats) -> None:
    rng = random.Random(args.seed * 1000 + n)
    pages: dict[str, str] = {}
    cookies = Cookies()
    try:
        async with await open_tab(url, cookies, args.step_timeout) as ws:
            stats.sessions_connected += 1
            if cookies.worker:
                stats.workers[cookies.worker] += 1
            first = await step(ws, "", "", args.step_timeout, pages, f"session {n} first page")
            stats.steps.append(("", first.seconds))
            for problem in first.problems:
                stats.error(problem)
            while time.monotonic() < until:
                if args.think > 0:
                    await asyncio.sleep(min(rng.uniform(0.5, 1.5) * args.think, max(0.0, until - time.monotonic())))
                    if time.monotonic() >= until:
                        break
                path = rng.choice(sorted(pages))
                query = rng.choice(VIEWS)
                label = f"session {n} /{path}?{query}"
                result = await step(ws, query, pages[path], args.step_timeout, pages, label)
                stats.steps.append((path, result.seconds))
                for problem in result.problems:
                    stats.error(problem)
                if result.session_id != first.session_id:  # its state would be gone: what stickiness prevents
                    stats.error(f"{label}: Streamlit session changed from {first.session_id} to {result.session_id}")
    except TimeoutError as exc:
        stats.error(f"session {n}: timeout: {exc}")
    except Exception as exc:  # a closed or refused websocket is exactly what this test looks for
        stats.disconnects += 1
        stats.error(f"session {n}: {type(exc).__name__}: {exc}")


async def _warm_up(url: str, timeout: float, tabs: int) -> None:
    # One tab after another: the balancer gives each new tab to the worker with the fewest connections, so `tabs`
    # tabs warm that many workers.
    for _ in range(tabs):
        async with await open_tab(url, Cookies(), timeout) as ws:
            await step(ws, "", "", timeout, {}, "warm-up")


async def _run_all(url: str, args) -> Stats:
    stats = Stats()
    if args.warm_up:
        await _warm_up(url, args.step_timeout, getattr(args, "warm_tabs", 1))
    start = time.monotonic()
    until = start + args.seconds
    await asyncio.gather(*(_session(n, url, until, args, stats) for n in range(args.sessions)))
    stats.load_seconds = time.monotonic() - start
    return stats


def load_test(url: str, sessions: int = 20, seconds: float = 60, think: float = 1.0, step_timeout: float = 60,
              seed: int = 1, warm_up: bool = False, warm_tabs: int = 1) -> dict:
    """Run the load against `url` and return the result (also what --json writes)."""
    args = argparse.Namespace(sessions=sessions, seconds=seconds, think=think, step_timeout=step_timeout, seed=seed,
                              warm_up=warm_up, warm_tabs=warm_tabs)
    url = check_loopback(url)
    t0 = time.perf_counter()
    # Its own thread and event loop: the caller may already run one (Playwright's sync API does, in tests).
    box: dict = {}

    def main():
        try:
            box["stats"] = asyncio.run(_run_all(url, args))
        except BaseException as exc:  # re-raised in the caller's thread
            box["error"] = exc

    thread = threading.Thread(target=main, name="khi-load")
    thread.start()
    thread.join()
    if "error" in box:
        raise box["error"]
    stats = box["stats"]
    wall = time.perf_counter() - t0
    load_s = stats.load_seconds or wall
    times = np.array([s for _, s in stats.steps]) * 1000
    per_page = {}
    for path in sorted({p for p, _ in stats.steps}):
        t = np.array([s for p, s in stats.steps if p == path]) * 1000
        per_page[path or "(default)"] = {"steps": len(t), "p50_ms": round(float(np.percentile(t, 50)), 1),
                                         "p95_ms": round(float(np.percentile(t, 95)), 1)}
    pct = (lambda q: round(float(np.percentile(times, q)), 1)) if len(times) else (lambda q: None)
    return {"url": url, "sessions": sessions, "seconds": seconds, "think_s": think, "warm_up": warm_up,
            "wall_s": round(wall, 1), "load_s": round(load_s, 1),
            "sessions_connected": stats.sessions_connected, "steps": len(times),
            "steps_per_s": round(len(times) / load_s, 2), "p50_ms": pct(50), "p95_ms": pct(95), "max_ms": pct(100),
            "errors": stats.error_count, "disconnects": stats.disconnects, "error_samples": stats.errors,
            "sessions_per_worker": dict(sorted(stats.workers.items())), "per_page": per_page}


def _run_single(root: Path, args) -> dict:
    """The load against one `streamlit run app.py` started here."""
    from perf.browser import start_server, stop_server
    from perf.stack import descendants

    log_dir = REPO / "artifacts" / "server-logs"
    log_dir.mkdir(parents=True, exist_ok=True)
    server, url = start_server(root, log_dir / "load-streamlit.log")
    try:
        if args.warm_up:  # as serve.sh warms each worker: the same views, so both are compared warm
            warm_main(["--url", url, "--data", str(root)])
        with RssPeak(lambda: [server.pid, *descendants(server.pid)]) as rss:
            result = _load(url, args)
        result["server_peak_rss_mb"] = proc_peak_mb(server.pid)
        result["server_rss_peak_mb"] = round(rss.peak_mb, 1)
    finally:
        stop_server(server)
    result["server"] = "streamlit run app.py (1 process)"
    return result


def _run_stack(root: Path, workers: int, args) -> dict:
    """The load through HAProxy in front of `workers` workers, all started by scripts/serve.sh."""
    from perf.stack import start_stack, stop_stack

    stack = start_stack(root, workers, REPO / "artifacts" / "load-stack", warm=args.warm_up)
    try:
        with RssPeak(stack.processes) as rss:
            result = _load(stack.url, args, warm_tabs=workers)
        result["server_rss_peak_mb"] = round(rss.peak_mb, 1)
    finally:
        stop_stack(stack)
    result["server"] = f"scripts/serve.sh: HAProxy + {workers} workers"
    return result


def _load(url: str, args, warm_tabs: int = 1) -> dict:
    return load_test(url, args.sessions, args.seconds, args.think, args.step_timeout, args.seed, args.warm_up,
                     warm_tabs)


def _line(r: dict) -> str:
    workers = ", ".join(f"{w} {n}" for w, n in r.get("sessions_per_worker", {}).items())
    return (f"{r['sessions']} sessions x {r['seconds']:.0f} s on {r['url']}"
            + (f" ({r['server']})" if r.get("server") else "")
            + f": {r['steps']} page views ({r['steps_per_s']}/s), p50 {r['p50_ms']} ms, p95 {r['p95_ms']} ms, "
            f"max {r['max_ms']} ms; errors {r['errors']}, disconnects {r['disconnects']}"
            + (f"; server RSS high-water {r['server_rss_peak_mb']:.0f} MB" if r.get("server_rss_peak_mb") else "")
            + (f"; sessions per worker: {workers}" if workers else ""))


def comparison_table(single: dict, stack: dict) -> str:
    rows = [("", "one process", stack["server"].split(": ", 1)[-1]),
            ("page views/s", single["steps_per_s"], stack["steps_per_s"]),
            ("page views", single["steps"], stack["steps"]),
            ("p50 step (ms)", single["p50_ms"], stack["p50_ms"]),
            ("p95 step (ms)", single["p95_ms"], stack["p95_ms"]),
            ("max step (ms)", single["max_ms"], stack["max_ms"]),
            ("errors", single["errors"], stack["errors"]),
            ("disconnects", single["disconnects"], stack["disconnects"]),
            ("server RSS peak, all processes (MB)", single["server_rss_peak_mb"], stack["server_rss_peak_mb"]),
            ("sessions per worker", "-", ", ".join(f"{w} {n}" for w, n in stack["sessions_per_worker"].items()))]
    return "\n".join(f"{a:<38}{b!s:>14}{c!s:>26}" for a, b, c in rows)


def run(args) -> int:
    if args.url and (args.stack or args.compare):
        raise SystemExit("--url drives a running app; --stack and --compare start their own servers")
    from kpi.data import paths

    root = Path(args.data).resolve() if args.data else paths.data_dir()
    workers = args.stack or os.cpu_count() or 2
    if args.compare:
        results = {"single": _run_single(root, args), "stack": _run_stack(root, workers, args)}
    elif args.stack:
        results = {"stack": _run_stack(root, workers, args)}
    elif args.url:
        results = {"url": _load(args.url, args)}
    else:
        results = {"single": _run_single(root, args)}
    for result in results.values():
        print(_line(result))
        for e in result["error_samples"][:10]:
            print("  " + e)
    if args.compare:
        print(comparison_table(results["single"], results["stack"]))
    if args.json_path:
        out = results if args.compare else next(iter(results.values()))
        Path(args.json_path).write_text(json.dumps(out, indent=2) + "\n")
    return 0 if all(r["errors"] == 0 and r["disconnects"] == 0 for r in results.values()) else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m perf.load", description="a bounded load test on Streamlit's "
                                     "websocket, loopback only")
    add_arguments(parser)
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
