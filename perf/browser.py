"""The browser measure: `streamlit run app.py` on a free loopback port, headless chromium through Playwright, time
from navigation until the script has finished and every chart is drawn.

The first view of each page is a new browser on a server that has not yet computed that page (its caches cold). Then,
on a server whose caches are filled: a reload (a new tab or a typed link: the app shell, a new session and plotly.js
load again); a move within the app (a click on the page's link in the sidebar, as a user goes from page to page: the
same session, the front end already loaded); and a first view in a new browser (as someone opening the link meets a
stack that scripts/serve.sh has warmed)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from perf import REPO
from perf.record import Page
from perf.timing import percentiles_ms, proc_peak_mb, timed

CHROMIUM = os.environ.get("KHI_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]
APP_IDLE = '[data-testid="stApp"][data-test-script-state="notRunning"][data-test-connection-state="CONNECTED"]'
PENDING = '[data-testid="stApp"] [data-testid="stSkeleton"], [data-testid="stApp"] [data-stale="true"]'
# Streamlit's own Plotly element (the map) and ui/charts.py's basic-bundle charts (every other chart).
CHARTS = '[data-testid="stPlotlyChart"], .stBidiComponent'
CHART_FAILED = '.khi-chart[data-drawn="failed"]'
VIEWPORT = {"width": 1400, "height": 2400}  # wide enough that the sidebar is open, tall enough for most charts


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(root: Path, log_path: Path) -> tuple[subprocess.Popen, str]:
    """`streamlit run app.py` on a free loopback port (own process group, log to a file, never a pipe)."""
    port = _free_port()
    cmd = [sys.executable, "-m", "streamlit", "run", str(REPO / "app.py"), "--server.port", str(port),
           "--server.address", "127.0.0.1", "--server.headless", "true", "--browser.gatherUsageStats", "false"]
    log = open(log_path, "wb")
    proc = subprocess.Popen(cmd, cwd=REPO, env={**os.environ, "KHI_DATA_DIR": str(root)}, stdout=log,
                            stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"streamlit exited ({proc.returncode}); see {log_path}")
        try:
            with opener.open(f"{url}/_stcore/health", timeout=2) as r:
                if r.read().strip() == b"ok":
                    return proc, url
        except OSError:
            time.sleep(0.25)
    stop_server(proc)
    raise RuntimeError(f"streamlit did not become healthy; see {log_path}")


def stop_server(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
        except ProcessLookupError:
            pass


def wait_rendered(page, timeout_ms: int = 120_000) -> None:
    """Script finished, no skeleton or stale element left, every Plotly chart drawn (as tests/browser waits)."""
    page.wait_for_selector(APP_IDLE, state="attached", timeout=timeout_ms)
    page.wait_for_function(f"() => document.querySelector('{PENDING}') === null", timeout=timeout_ms)
    page.wait_for_function(f"""() => Array.from(document.querySelectorAll('{CHARTS}'))
                               .every(c => c.querySelector('.main-svg, {CHART_FAILED}') !== null)""",
                           timeout=timeout_ms)
    if page.locator(CHART_FAILED).count():  # a page whose chart did not draw has not rendered: no time for it
        raise RuntimeError(f"a chart was not drawn at {page.url}: {page.locator(CHART_FAILED).first.inner_text()}")


class RunsSeen:
    """Counts the script runs a tab's server has finished, from the websocket's ForwardMsgs: after a click, a run
    finished later than the click is the new page's (the DOM's script state can change too fast to observe)."""

    def __init__(self, page):
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        self._message, self.finished = ForwardMsg, 0
        page.on("websocket", lambda ws: ws.on("framereceived", self._frame))

    def _frame(self, payload) -> None:
        if isinstance(payload, (bytes, bytearray)):
            msg = self._message()
            msg.ParseFromString(bytes(payload))
            if msg.WhichOneof("type") == "script_finished":
                self.finished += 1


def navigate(page, runs: RunsSeen, href: str, timeout_ms: int = 120_000) -> None:
    """Click the sidebar link to href and wait until the server has finished a run since the click and the page is
    rendered."""
    left, before = page.url, runs.finished
    page.locator(f'[data-testid="stSidebarNavLink"][href="{href}"]').click()
    deadline = time.monotonic() + timeout_ms / 1000
    while runs.finished == before:
        if time.monotonic() > deadline:
            raise RuntimeError(f"moving from {left} to {href} by its sidebar link: no script run finished within "
                               f"{timeout_ms / 1000:.0f} s (now at {page.url})")
        page.wait_for_timeout(5)  # lets Playwright deliver the websocket's frames
    wait_rendered(page, max(1, int((deadline - time.monotonic()) * 1000)))


def navigation_times(browser, url: str, pages: list[Page], repeat: int) -> dict[str, list[float]]:
    """Seconds per page to arrive by its sidebar link from the page before it in the list (the last before the
    first), `repeat` rounds in one tab, after one round untimed (the tab's first chart loads plotly.js)."""
    ctx = browser.new_context(viewport=VIEWPORT)
    try:
        page = ctx.new_page()
        runs = RunsSeen(page)
        page.goto(f"{url}/{pages[-1].url_path}")
        wait_rendered(page)
        out: dict[str, list[float]] = {pg.path: [] for pg in pages}
        for round_ in range(repeat + 1):
            for pg in pages:
                seconds, _ = timed(lambda: navigate(page, runs, f"{url}/{pg.url_path}"))
                if round_:
                    out[pg.path].append(seconds)
        return out
    finally:
        ctx.close()


def browser_times(root: Path, pages: list[Page], repeat: int, log_dir: Path) -> dict:
    from playwright.sync_api import sync_playwright

    proc, url = start_server(root, log_dir / "bench-streamlit.log")
    out: dict = {"pages": {}}
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
            try:
                for pg in pages:
                    ctx = browser.new_context(viewport=VIEWPORT)
                    page = ctx.new_page()
                    target = f"{url}/{pg.url_path}"
                    cold, _ = timed(lambda: (page.goto(target), wait_rendered(page)))
                    errors = page.locator('[data-testid="stException"]').all_inner_texts()
                    warm = []
                    for _ in range(repeat):
                        seconds, _ = timed(lambda: (page.goto(target), wait_rendered(page)))
                        warm.append(seconds)
                    charts = page.locator(CHARTS).count()
                    errors += page.locator('[data-testid="stException"]').all_inner_texts()
                    out["pages"][pg.path] = {"cold_ms": round(cold * 1000, 1), "warm": percentiles_ms(warm),
                                             "charts": charts, "exceptions": [e[:800] for e in errors]}
                    ctx.close()
                # After every page's reloads, so every page's server caches are filled, as for the warm reloads.
                for path, times in navigation_times(browser, url, pages, repeat).items():
                    out["pages"][path]["navigate"] = percentiles_ms(times)
                # A new browser (empty cache, nothing compiled) on a server whose caches are filled: what someone
                # opening the link meets once scripts/serve.sh has warmed the stack. `repeat` rounds over the pages,
                # so that a busy moment of the machine does not fall on all of one page's views.
                firsts: dict[str, list[float]] = {pg.path: [] for pg in pages}
                for _ in range(max(1, repeat)):
                    for pg in pages:
                        ctx = browser.new_context(viewport=VIEWPORT)
                        page = ctx.new_page()
                        seconds, _ = timed(lambda: (page.goto(f"{url}/{pg.url_path}"), wait_rendered(page)))
                        firsts[pg.path].append(seconds)
                        ctx.close()
                for path, times in firsts.items():
                    first = out["pages"][path]["first_view_warm_server"] = percentiles_ms(times)
                    out["pages"][path]["first_view_warm_server_ms"] = first["p50"]
            finally:
                browser.close()
        out["server_peak_rss_mb"] = proc_peak_mb(proc.pid)
    finally:
        stop_server(proc)
    return out
