"""`python -m perf.load` (or `python -m kpi load`): a bounded load test speaking Streamlit's own websocket protocol,
loopback only.

Each simulated session opens `/_stcore/stream` (subprotocol "streamlit") as the browser does, then, until the time
is up, asks for a rerun (protobuf BackMsg `rerun_script`) of a page with a filter query string and reads ForwardMsgs
until `script_finished`. A step's time is from the request to script_finished: the server's whole work for the view
(script, queries, figure JSON), without the browser's drawing. Errors: an exception element or an st.error alert in
the messages, a compile error, a closed websocket, a step that does not finish within --step-timeout.

Why a protocol client and not 20 browsers: 20 chromium instances do not fit on 2 cores beside the server, and the
client side would dominate what is measured.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sys
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from perf import REPO
from perf.browser import start_server, stop_server
from perf.timing import proc_peak_mb

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
    p.add_argument("--data", help="store for the server started here (default: KHI_DATA_DIR, else the sample)")
    p.add_argument("--think", type=float, default=1.0,
                   help="mean pause between a session's steps, seconds (0 for none; default 1.0)")
    p.add_argument("--step-timeout", type=float, default=60, help="a step not finished by then is an error")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--warm-up", action="store_true",
                   help="one session opens the app before the load starts (default off: a cold start is part of it)")
    p.add_argument("--json", dest="json_path", help="write the result here as JSON")


@dataclass
class Stats:
    steps: list[tuple[str, float]] = field(default_factory=list)  # (page, seconds)
    errors: list[str] = field(default_factory=list)
    error_count: int = 0
    disconnects: int = 0
    sessions_connected: int = 0

    def error(self, text: str) -> None:
        self.error_count += 1
        if len(self.errors) < MAX_ERRORS_KEPT:
            self.errors.append(text[:600])


def _check_loopback(url: str) -> str:
    host = urllib.parse.urlsplit(url).hostname
    if host not in ("127.0.0.1", "localhost", "::1"):
        raise SystemExit(f"load tests run on loopback only, not {host!r}")
    return url.rstrip("/")


def _rerun(query: str, page_hash: str) -> bytes:
    from streamlit.proto.BackMsg_pb2 import BackMsg

    msg = BackMsg()
    msg.rerun_script.query_string = query
    msg.rerun_script.page_script_hash = page_hash
    return msg.SerializeToString()


def _problems(msg) -> list[str]:
    """Exception elements, error alerts and compile errors in one ForwardMsg."""
    kind = msg.WhichOneof("type")
    if kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
        el = msg.delta.new_element
        t = el.WhichOneof("type")
        if t == "exception":
            return [f"exception: {el.exception.type}: {el.exception.message}"]
        if t == "alert" and el.alert.format == el.alert.ERROR:
            return [f"error alert: {el.alert.body}"]
    if kind == "session_event" and msg.session_event.WhichOneof("type") == "script_compilation_exception":
        return [f"compile error: {msg.session_event.script_compilation_exception.message}"]
    return []


async def _step(ws, query: str, page_hash: str, timeout: float, pages: dict, stats: Stats, label: str) -> float:
    """One rerun until it finishes; returns seconds. Fills `pages` (url path -> hash) from navigation messages."""
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    t0 = time.perf_counter()
    await ws.send(_rerun(query, page_hash))
    deadline = t0 + timeout
    while True:
        left = deadline - time.perf_counter()
        if left <= 0:
            raise TimeoutError(f"{label}: no script_finished within {timeout:.0f} s")
        raw = await asyncio.wait_for(ws.recv(), timeout=left)
        msg = ForwardMsg()
        msg.ParseFromString(raw)
        for problem in _problems(msg):
            stats.error(f"{label}: {problem}")
        kind = msg.WhichOneof("type")
        if kind == "navigation":
            # The last navigation message is st.navigation's page list (an earlier one can list the pages/ folder).
            pages.clear()
            pages.update({p.url_pathname: p.page_script_hash for p in msg.navigation.app_pages})
        elif kind == "script_finished":
            status = msg.script_finished
            if status == ForwardMsg.FINISHED_WITH_COMPILE_ERROR:
                stats.error(f"{label}: compile error")
                return time.perf_counter() - t0
            if status == ForwardMsg.FINISHED_SUCCESSFULLY:
                return time.perf_counter() - t0
            # FINISHED_EARLY_FOR_RERUN (st.rerun) or a fragment: the view is not complete yet, keep reading


async def _session(n: int, url: str, until: float, args, stats: Stats) -> None:
    import websockets

    rng = random.Random(args.seed * 1000 + n)
    ws_url = url.replace("http://", "ws://", 1) + "/_stcore/stream"
    pages: dict[str, str] = {}
    try:
        # proxy=None: loopback only, never through a proxy from the environment.
        async with websockets.connect(ws_url, subprotocols=["streamlit"], max_size=None, proxy=None,
                                      open_timeout=args.step_timeout, ping_interval=None) as ws:
            stats.sessions_connected += 1
            seconds = await _step(ws, "", "", args.step_timeout, pages, stats, f"session {n} first page")
            stats.steps.append(("", seconds))
            while time.monotonic() < until:
                if args.think > 0:
                    await asyncio.sleep(min(rng.uniform(0.5, 1.5) * args.think, max(0.0, until - time.monotonic())))
                    if time.monotonic() >= until:
                        break
                path = rng.choice(sorted(pages))
                query = rng.choice(VIEWS)
                seconds = await _step(ws, query, pages[path], args.step_timeout, pages, stats,
                                      f"session {n} /{path}?{query}")
                stats.steps.append((path, seconds))
    except TimeoutError as exc:
        stats.error(f"session {n}: timeout: {exc}")
    except Exception as exc:  # a closed or refused websocket is exactly what this test looks for
        stats.disconnects += 1
        stats.error(f"session {n}: {type(exc).__name__}: {exc}")


async def _warm_up(url: str, timeout: float) -> None:
    import websockets

    async with websockets.connect(url.replace("http://", "ws://", 1) + "/_stcore/stream", subprotocols=["streamlit"],
                                  max_size=None, proxy=None, open_timeout=timeout, ping_interval=None) as ws:
        await _step(ws, "", "", timeout, {}, Stats(), "warm-up")


async def _run_all(url: str, args) -> Stats:
    stats = Stats()
    if args.warm_up:
        await _warm_up(url, args.step_timeout)
    until = time.monotonic() + args.seconds
    await asyncio.gather(*(_session(n, url, until, args, stats) for n in range(args.sessions)))
    return stats


def load_test(url: str, sessions: int = 20, seconds: float = 60, think: float = 1.0, step_timeout: float = 60,
              seed: int = 1, warm_up: bool = False) -> dict:
    """Run the load against `url` and return the result (also what --json writes)."""
    args = argparse.Namespace(sessions=sessions, seconds=seconds, think=think, step_timeout=step_timeout, seed=seed,
                              warm_up=warm_up)
    url = _check_loopback(url)
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
    times = np.array([s for _, s in stats.steps]) * 1000
    per_page = {}
    for path in sorted({p for p, _ in stats.steps}):
        t = np.array([s for p, s in stats.steps if p == path]) * 1000
        per_page[path or "(default)"] = {"steps": len(t), "p50_ms": round(float(np.percentile(t, 50)), 1),
                                         "p95_ms": round(float(np.percentile(t, 95)), 1)}
    pct = (lambda q: round(float(np.percentile(times, q)), 1)) if len(times) else (lambda q: None)
    return {"url": url, "sessions": sessions, "seconds": seconds, "think_s": think, "warm_up": warm_up,
            "wall_s": round(wall, 1),
            "sessions_connected": stats.sessions_connected, "steps": len(times),
            "steps_per_s": round(len(times) / wall, 2), "p50_ms": pct(50), "p95_ms": pct(95), "max_ms": pct(100),
            "errors": stats.error_count, "disconnects": stats.disconnects, "error_samples": stats.errors,
            "per_page": per_page}


def run(args) -> int:
    server = None
    url = args.url
    if not url:
        from kpi.data import paths

        root = Path(args.data) if args.data else paths.data_dir()
        log_dir = REPO / "artifacts" / "server-logs"
        log_dir.mkdir(parents=True, exist_ok=True)
        server, url = start_server(root, log_dir / "load-streamlit.log")
    try:
        result = load_test(url, args.sessions, args.seconds, args.think, args.step_timeout, args.seed, args.warm_up)
        if server is not None:
            result["server_peak_rss_mb"] = proc_peak_mb(server.pid)
    finally:
        if server is not None:
            stop_server(server)
    print(f"{result['sessions']} sessions x {result['seconds']:.0f} s on {result['url']}: {result['steps']} page "
          f"views ({result['steps_per_s']}/s), p50 {result['p50_ms']} ms, p95 {result['p95_ms']} ms, max "
          f"{result['max_ms']} ms; errors {result['errors']}, disconnects {result['disconnects']}"
          + (f"; server RSS high-water {result['server_peak_rss_mb']:.0f} MB" if result.get("server_peak_rss_mb")
             else ""))
    for e in result["error_samples"][:10]:
        print("  " + e)
    if args.json_path:
        Path(args.json_path).write_text(json.dumps(result, indent=2) + "\n")
    return 0 if result["errors"] == 0 and result["disconnects"] == 0 else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m perf.load", description="a bounded load test on Streamlit's "
                                     "websocket, loopback only")
    add_arguments(parser)
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
