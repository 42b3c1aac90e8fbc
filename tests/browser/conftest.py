"""Real-browser test harness: Playwright driving the distro's chromium against `streamlit run` on a loopback port.

Fixtures and helpers for tests under tests/browser (all of them get the `browser` marker):

- `chromium_browser` (session): a launched Playwright Browser, `/usr/bin/chromium` or `$KHI_CHROMIUM`.
- `page` (function): a fresh context and page with a tall viewport (1400x2400, see `VIEWPORT`).
- `streamlit_server` (session factory): `streamlit_server(script="app.py", env={...}) -> "http://127.0.0.1:PORT"`.
  Each distinct (script, env) starts one server for the whole session.
- `wait_for_app(page, charts=None)`, `assert_no_exception(page)`, `save_screenshot(page, name)`: plain functions.

When the browser (or playwright) is missing, browser tests skip with a reason, except under CI=true, where they fail:
CI must never go green by skipping what it is there to prove. See `missing_browser_outcome`.
"""

from __future__ import annotations

import contextlib

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Mapping

import pytest

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
ARTIFACTS_DIR = Path(os.environ.get("KHI_ARTIFACTS_DIR", REPO / "artifacts"))
SCREENSHOT_DIR = ARTIFACTS_DIR / "screenshots"
SERVER_LOG_DIR = ARTIFACTS_DIR / "server-logs"

DEFAULT_CHROMIUM = "/usr/bin/chromium"
# The flags that were tried with Debian's chromium on this stack (shared STACK-NOTES): no sandbox (root in containers),
# no GPU, and nothing that phones home, so the tests also pass with the network closed.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
# Streamlit scrolls inside its main block, so `full_page=True` captures only the viewport: make the viewport tall.
VIEWPORT = {"width": 1400, "height": 2400}

SERVER_START_TIMEOUT_S = float(os.environ.get("KHI_SERVER_START_TIMEOUT", "60"))
APP_TIMEOUT_MS = 30_000
# The first Plotly chart waits for plotly.js to load lazily (about 2 s after the script finishes, more on a busy box).
CHART_TIMEOUT_MS = 30_000
# A download built on click (a rerun, then the file) took over 30 s once on the loaded 2-core CI machine.
DOWNLOAD_TIMEOUT_MS = 90_000

APP_IDLE = '[data-testid="stApp"][data-test-script-state="notRunning"][data-test-connection-state="CONNECTED"]'
# Streamlit's own Plotly element (the map) and ui/charts.py's basic-bundle charts (every other chart). The same as
# perf.browser's CHARTS and CHART_FAILED, written here again: tests/test_browser_policy.py runs this file on its own.
PLOTLY_CHART = '[data-testid="stPlotlyChart"], .stBidiComponent'
CHART_FAILED = '.khi-chart[data-drawn="failed"]'
EXCEPTION = '[data-testid="stException"]'
SKELETON = '[data-testid="stApp"] [data-testid="stSkeleton"]'
STALE = '[data-testid="stApp"] [data-stale="true"]'


# --- the missing-browser policy ------------------------------------------------------------------------------------

def running_under_ci(environ: Mapping[str, str] | None = None) -> bool:
    """True when the CI variable says so ("true", as CI systems set it; "1" and "yes" too, in any case)."""
    environ = os.environ if environ is None else environ
    return environ.get("CI", "").strip().lower() in {"true", "1", "yes"}


def missing_browser_outcome(environ: Mapping[str, str] | None = None) -> str:
    """What a browser test does when the browser cannot be had: "fail" under CI, "skip" elsewhere."""
    return "fail" if running_under_ci(environ) else "skip"


def browser_unavailable(reason: str, environ: Mapping[str, str] | None = None) -> None:
    """Stop the current test (or fixture) because the browser is missing: fail under CI, skip otherwise. Never returns."""
    if missing_browser_outcome(environ) == "fail":
        pytest.fail(f"{reason} (CI=true: a missing browser fails the run, it never skips)", pytrace=False)
    pytest.skip(f"{reason}; install it with `bash scripts/test.sh` (apt-get install chromium) or set KHI_CHROMIUM")


def chromium_path(environ: Mapping[str, str] | None = None) -> str:
    environ = os.environ if environ is None else environ
    return environ.get("KHI_CHROMIUM") or DEFAULT_CHROMIUM


# --- browser fixtures ------------------------------------------------------------------------------------------------

def pytest_collection_modifyitems(config, items):
    # A conftest's collection hook sees every item of the session, so mark only the ones under this folder.
    for item in items:
        if Path(str(item.path)).resolve().is_relative_to(HERE):
            item.add_marker(pytest.mark.browser)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    # Keep each phase's report on the item, so the `page` fixture can screenshot a failed test at teardown.
    report = yield
    setattr(item, f"khi_report_{report.when}", report)
    return report


@pytest.fixture(scope="session")
def chromium_browser():
    """Playwright's chromium driving the distro binary (never a Playwright-downloaded build)."""
    executable = chromium_path()
    if not (os.path.isfile(executable) and os.access(executable, os.X_OK)):
        browser_unavailable(f"chromium not found at {executable}")
    try:
        from playwright.sync_api import Error as PlaywrightError
        from playwright.sync_api import sync_playwright
    except ImportError as exc:
        browser_unavailable(f"the playwright package is not importable ({exc})")

    playwright = sync_playwright().start()
    try:
        browser = playwright.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
    except PlaywrightError as exc:
        playwright.stop()
        browser_unavailable(f"chromium at {executable} did not launch: {str(exc).splitlines()[0]}")
    try:
        yield browser
    finally:
        browser.close()
        playwright.stop()


@contextlib.contextmanager
def fresh_page(chromium_browser, request, viewport: dict, timeout_ms: int):
    """A new browser context and page (no shared cookies or storage), screenshotted when the test fails."""
    context = chromium_browser.new_context(viewport=viewport)
    context.set_default_timeout(timeout_ms)
    page = context.new_page()
    try:
        yield page
    finally:
        report = getattr(request.node, "khi_report_call", None)
        if report is not None and report.failed:
            try:
                save_screenshot(page, f"FAILED-{request.node.name}")
            except Exception:  # a crashed page must not hide the test's own failure
                pass
        context.close()


@pytest.fixture
def page(chromium_browser, request):
    """A new browser context and page per test (no shared cookies or storage); screenshotted when the test fails."""
    with fresh_page(chromium_browser, request, VIEWPORT, APP_TIMEOUT_MS) as page:
        yield page


# --- the Streamlit server ---------------------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# Loopback only: never through an http_proxy from the environment.
_NO_PROXY_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def _healthy(base_url: str) -> bool:
    try:
        with _NO_PROXY_OPENER.open(f"{base_url}/_stcore/health", timeout=2) as response:
            return response.status == 200 and response.read().strip() == b"ok"
    except (urllib.error.URLError, OSError):
        return False


class StreamlitServer:
    """One `streamlit run` subprocess in its own process group, logging to artifacts/server-logs/."""

    def __init__(self, script: Path, env: Mapping[str, str]):
        self.script = script
        self.env = dict(env)
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        SERVER_LOG_DIR.mkdir(parents=True, exist_ok=True)
        self.log_path = SERVER_LOG_DIR / f"{re.sub(r'[^A-Za-z0-9_.-]+', '_', script.stem)}-{self.port}.log"
        command = [
            sys.executable, "-m", "streamlit", "run", str(script),
            "--server.port", str(self.port),
            "--server.address", "127.0.0.1",
            "--server.headless", "true",
            "--browser.gatherUsageStats", "false",
        ]
        full_env = {**os.environ, "PYTHONUNBUFFERED": "1", **self.env}
        # Output goes to a file, never a pipe: an unread pipe fills up and stalls the server mid-test.
        self._log = open(self.log_path, "wb")
        self.process = subprocess.Popen(
            command, cwd=REPO, env=full_env, stdin=subprocess.DEVNULL, stdout=self._log, stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, so teardown can end it and anything it started
        )

    def log_tail(self, chars: int = 4000) -> str:
        self._log.flush()
        return self.log_path.read_text(errors="replace")[-chars:]

    def wait_until_healthy(self, timeout_s: float = SERVER_START_TIMEOUT_S) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"streamlit run {self.script} exited with code {self.process.returncode} before it was healthy; "
                    f"its output ({self.log_path}):\n{self.log_tail()}"
                )
            if _healthy(self.base_url):
                return
            time.sleep(0.25)
        raise RuntimeError(
            f"streamlit run {self.script} did not answer {self.base_url}/_stcore/health within {timeout_s:.0f} s; "
            f"its output ({self.log_path}):\n{self.log_tail()}"
        )

    def stop(self) -> None:
        if self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGTERM)
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
            except ProcessLookupError:
                pass
        self._log.close()


def start_streamlit(script: Path, env: Mapping[str, str], attempts: int = 3) -> StreamlitServer:
    """Start a server and wait for its health check; retry on a new port if the free port was taken meanwhile."""
    for attempt in range(1, attempts + 1):
        server = StreamlitServer(script, env)
        try:
            server.wait_until_healthy()
            return server
        except RuntimeError as exc:
            server.stop()
            port_taken = "already in use" in str(exc).lower()
            if not port_taken or attempt == attempts:
                pytest.fail(str(exc), pytrace=False)
    raise AssertionError("unreachable")


@pytest.fixture(scope="session")
def streamlit_server():
    """Factory: `streamlit_server(script="app.py", env=None) -> base URL` ("http://127.0.0.1:PORT", no trailing slash).

    `script` is relative to the repository root (the server's cwd, so .streamlit/config.toml applies) or absolute.
    `env` is added to this process's environment, e.g. {"KHI_DATA_DIR": str(fixture_store)}. A server is started once
    per distinct (script, env) and reused by every test of the session; all are stopped at the end.
    """
    servers: dict[tuple[str, frozenset], StreamlitServer] = {}

    def get(script: str | os.PathLike = "app.py", env: Mapping[str, str] | None = None) -> str:
        path = Path(script)
        path = (path if path.is_absolute() else REPO / path).resolve()
        env = {str(k): str(v) for k, v in (env or {}).items()}
        key = (str(path), frozenset(env.items()))
        server = servers.get(key)
        if server is None or server.process.poll() is not None:
            if not path.is_file():
                pytest.fail(f"no Streamlit script at {path}", pytrace=False)
            server = servers[key] = start_streamlit(path, env)
        return server.base_url

    try:
        yield get
    finally:
        for server in servers.values():
            server.stop()


# --- helpers for the tests ----------------------------------------------------------------------------------------

def wait_for_app(page, charts: bool | int | None = None, timeout_ms: int = APP_TIMEOUT_MS) -> None:
    """Wait until Streamlit is connected, its script has finished and its lazy elements are drawn, then for Plotly.

    charts: None waits for every chart on the page, if any (the default); an int waits for at least that many drawn
    charts; False skips the chart wait. After an interaction, prefer Playwright's `expect(...)` on the text that should
    change: the script may not have started yet when this is called, and then it returns at once.
    """
    page.wait_for_selector(APP_IDLE, state="attached", timeout=timeout_ms)
    # Elements whose code loads lazily (selectbox, Plotly, ...) first show as skeletons, after the script has finished.
    page.wait_for_function(
        f"() => document.querySelector('{SKELETON}, {STALE}') === null", timeout=timeout_ms,
    )
    if charts is False:
        return
    drawn = (f"Array.from(document.querySelectorAll('{PLOTLY_CHART}'))"
             f".filter(c => c.querySelector('.main-svg, {CHART_FAILED}'))")
    if isinstance(charts, int) and not isinstance(charts, bool) and charts > 0:
        page.wait_for_function(f"n => {drawn}.length >= n", arg=charts, timeout=max(timeout_ms, CHART_TIMEOUT_MS))
    else:
        page.wait_for_function(f"() => {drawn}.length === document.querySelectorAll('{PLOTLY_CHART}').length",
                               timeout=max(timeout_ms, CHART_TIMEOUT_MS))
    # A chart whose library did not load says so in place of the chart: a failure, never a page that "rendered".
    assert page.locator(CHART_FAILED).count() == 0, page.locator(CHART_FAILED).first.inner_text()


def assert_no_exception(page) -> None:
    """Fail if Streamlit shows an exception box or any visible text says "Traceback"."""
    boxes = page.locator(EXCEPTION)
    if boxes.count():
        texts = "\n---\n".join(boxes.all_inner_texts())
        pytest.fail(f"the page shows {boxes.count()} exception(s) at {page.url}:\n{texts[:4000]}", pytrace=False)
    traceback = page.get_by_text("Traceback")
    visible = [t for t in traceback.all() if t.is_visible()]
    if visible:
        pytest.fail(f"the page shows a traceback at {page.url}:\n{visible[0].inner_text()[:4000]}", pytrace=False)


def save_screenshot(page, name: str) -> Path:
    """Save what the page shows to artifacts/screenshots/NAME.png (kept by CI) and return the path."""
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOT_DIR / f"{re.sub(r'[^A-Za-z0-9_.-]+', '_', name).strip('_') or 'screenshot'}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


# The helpers as fixtures too, so a test can ask for them by name without importing this conftest:
#   def test_x(page, streamlit_server, wait_for_app, assert_no_exception, save_screenshot): ...
@pytest.fixture(name="wait_for_app")
def _wait_for_app_fixture():
    return wait_for_app


@pytest.fixture(name="assert_no_exception")
def _assert_no_exception_fixture():
    return assert_no_exception


@pytest.fixture(name="save_screenshot")
def _save_screenshot_fixture():
    return save_screenshot
