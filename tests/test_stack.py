"""The serving stack (scripts/serve.sh): HAProxy, sticky by cookie, in front of 2 `streamlit run app.py` workers over
the bundled sample, on free loopback ports.

What is checked, on the wire as a browser tab behaves (perf.stclient keeps the cookies it is sent):
- stickiness: a tab that reconnects with its cookie resumes its own Streamlit session (same session id, so the same
  process: a session lives in one process only), and the same session id presented with the other worker's cookie
  does not (the control that shows the check can fail); new tabs spread over both workers;
- the load smoke: 5 sessions x 10 s through HAProxy with 0 errors and both workers used;
- recovery: a worker killed with SIGKILL; its tab reconnects at once and is served by the other worker (HAProxy's
  per-worker counters say where), and serve.sh restarts the killed one, which HAProxy marks UP and serves again;
- warming: serve.sh opens the pages on each worker once it is up (perf/warm.py, a short budget here), and again on a
  restarted worker; the workers share one private cache folder (ui/cache.py);
- SIGTERM to serve.sh stops HAProxy and every worker (no orphans);
- the charts' plotly.js bundle (ui/charts.py, static/) comes through the balancer as a script.

Under CI=true a missing haproxy fails (scripts/test.sh installs it), never skips, as for chromium in tests/browser.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import os
import signal
import subprocess
import time

import pytest

from perf import REPO
from perf.load import load_test
from perf.stack import wait_until
from perf.stclient import Cookies, open_stream, open_tab, step
from tests.stacks import running_stack


SAMPLE = REPO / "data" / "sample"
TIMEOUT = 120  # a step on a cold worker of a busy 2-core machine can take a while
WARM_BUDGET = 15  # seconds of warming per worker: enough to open several pages


def _run(coro):
    """asyncio.run in a thread of its own: when the browser tests ran first in this process, Playwright's sync API
    has left an event loop running in the main thread, and asyncio.run refuses to start inside it."""
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro).result()


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    with running_stack(SAMPLE, tmp_path_factory.mktemp("stack"), warm_budget=WARM_BUDGET) as s:
        yield s


def _warmed(stack) -> list[str]:
    """warm.log's lines that say a worker was warmed: "warm http://127.0.0.1:PORT: N views in S s"."""
    path = stack.run_dir / "warm.log"
    return [line for line in path.read_text().splitlines() if " views in " in line] if path.exists() else []


def _port(stack, name: str) -> str:
    return stack.stats()[name]["addr"].rsplit(":", 1)[1]


async def _tab(url: str, cookies: Cookies | None = None, session_id: str | None = None):
    """A tab's view: (cookies, Streamlit session id, problems) after one full run of the default page."""
    cookies = Cookies() if cookies is None else cookies
    async with await open_tab(url, cookies, TIMEOUT, session_id) as ws:
        result = await step(ws, "", "", TIMEOUT, {}, "tab")
    return cookies, result.session_id, result.problems


async def _resume(url: str, cookies: Cookies, session_id: str):
    """Reconnect as the browser does after a dropped websocket: same cookies, same session id, no page load."""
    async with await open_stream(url, cookies, TIMEOUT, session_id) as ws:
        result = await step(ws, "", "", TIMEOUT, {}, "reconnect")
    return result.session_id, result.problems


def _counter(stack, field: str) -> dict[str, int]:
    return {name: int(row[field] or 0) for name, row in stack.stats().items()}


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_a_tab_stays_on_its_worker_and_new_tabs_spread(stack):
    tabs = [_run(_tab(stack.url)) for _ in range(4)]
    assert all(not problems for _, _, problems in tabs), tabs
    workers = [cookies.worker for cookies, _, _ in tabs]
    assert set(workers) == {"w1", "w2"}, f"4 new tabs should spread over both workers, got {workers}"

    cookies, session, _ = tabs[0]
    pinned = cookies.worker
    before = _counter(stack, "hrsp_1xx")  # websocket upgrades (101) each worker answered
    for _ in range(3):
        resumed, problems = _run(_resume(stack.url, cookies, session))
        assert not problems
        assert resumed == session, "the cookie should bring the tab back to the process holding its session"
    after = _counter(stack, "hrsp_1xx")
    other = ({"w1", "w2"} - {pinned}).pop()
    assert after[pinned] - before[pinned] == 3 and after[other] == before[other], (before, after)

    # Control: the same session id on the other worker's cookie is unknown there, so Streamlit starts a new session.
    elsewhere, problems = _run(_resume(stack.url, Cookies({"SERVERID": other}), session))
    assert not problems
    assert elsewhere != session


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_every_worker_is_warmed_before_the_stack_says_so_and_they_share_a_private_cache(stack):
    assert "==> warm:" in stack.log_tail(100_000)
    warmed = _warmed(stack)
    assert len(warmed) == 2, (stack.run_dir / "warm.log").read_text()
    for name in ("w1", "w2"):
        line = next(x for x in warmed if f":{_port(stack, name)}:" in x)
        assert int(line.split(": ", 1)[1].split()[0]) >= 2 and "problems" not in line, line
    folder = stack.run_dir / "cache"
    files = list(folder.glob("*.pickle"))
    assert files, "the workers wrote no shared results"
    assert oct(folder.stat().st_mode & 0o777) == "0o700"
    assert all(f.stat().st_mode & 0o077 == 0 for f in files)


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_the_charts_bundle_is_served_through_the_balancer(stack):
    import urllib.request

    from ui import charts

    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(f"{stack.url}/app/static/{charts.BUNDLE}", timeout=TIMEOUT) as r:
        assert r.status == 200 and r.headers["Content-Type"].split(";")[0] in ("text/javascript",
                                                                               "application/javascript")
        assert r.read() == (REPO / "static" / charts.BUNDLE).read_bytes()


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_five_sessions_for_ten_seconds_through_the_stack_without_errors(stack):
    result = load_test(stack.url, sessions=5, seconds=10, think=1.0, step_timeout=TIMEOUT)
    assert result["sessions_connected"] == 5
    assert result["errors"] == 0 and result["disconnects"] == 0, result["error_samples"]
    assert result["steps"] >= 5
    assert set(result["sessions_per_worker"]) == {"w1", "w2"}, result["sessions_per_worker"]


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_a_killed_worker_is_restarted_and_its_tab_reconnects_to_the_other(stack):
    cookies, session, problems = _run(_tab(stack.url))
    assert not problems
    victim = cookies.worker
    survivor = ({"w1", "w2"} - {victim}).pop()
    old_pid = stack.worker_pid(victim)
    upgrades = _counter(stack, "hrsp_1xx")
    failed_checks = _counter(stack, "chkfail")
    os.kill(old_pid, signal.SIGKILL)

    # At once, as the browser's reconnect would: the dead worker refuses, HAProxy redispatches to the live one.
    resumed, problems = _run(_resume(stack.url, cookies, session))
    assert not problems
    assert resumed != session, "the killed process's session cannot have survived"
    now = _counter(stack, "hrsp_1xx")
    assert now[survivor] - upgrades[survivor] == 1 and now[victim] == upgrades[victim], (upgrades, now)

    def restarted() -> bool:
        # A new process, and HAProxy's checks failed on the dead one and pass again: after a failed check the status
        # reads "UP 2/3" (or DOWN, if the restart took longer than 3 checks) until a check succeeds, which only the
        # new process can answer. (A status read before the first failed check would still say UP.)
        pid = stack.worker_pid(victim)
        row = stack.stats()[victim]
        return pid not in (None, old_pid) and os.path.exists(f"/proc/{pid}") and row["status"] == "UP" \
            and row["check_status"] == "L7OK" and int(row["chkfail"]) > failed_checks[victim]

    assert wait_until(restarted, timeout=120), f"{victim} was not restarted and UP:\n{stack.log_tail()}"
    assert f"worker {victim} (pid {old_pid}" in stack.log_tail(20_000)
    # ... and warmed again (its caches died with it).
    port = _port(stack, victim)
    assert wait_until(lambda: sum(f":{port}:" in x for x in _warmed(stack)) == 2, timeout=WARM_BUDGET + 120), \
        (stack.run_dir / "warm.log").read_text()

    # The restarted worker takes tabs again (new tabs go to the worker with fewer connections, ties in turn).
    served = [_run(_tab(stack.url)) for _ in range(4)]
    assert all(not p for _, _, p in served)
    assert victim in {c.worker for c, _, _ in served}


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_sigterm_stops_haproxy_and_every_worker(stack):
    pids = [stack.worker_pid(n) for n in ("w1", "w2", "haproxy")]
    assert all(pids) and all(os.path.exists(f"/proc/{p}") for p in pids)
    stack.proc.send_signal(signal.SIGTERM)
    assert stack.proc.wait(timeout=60) == 143  # serve.sh's TERM trap: exit 128 + 15 after stopping everything
    gone = wait_until(lambda: not any(os.path.exists(f"/proc/{p}") for p in pids), timeout=5, interval=0.1)
    assert gone, [p for p in pids if os.path.exists(f"/proc/{p}")]


@pytest.mark.parametrize("args, says", [
    (["--workers", "0"], "--workers must be a whole number, 1 or more"),
    (["--port", "70000"], "--port must be 1-65535"),
    (["--data", "/nonexistent/store"], "no store at /nonexistent/store"),
    (["--bogus"], "unknown option: --bogus"),
])
def test_serve_refuses_bad_options_with_a_sentence(args, says):
    started = time.monotonic()
    done = subprocess.run(["bash", str(REPO / "scripts" / "serve.sh"), *args], capture_output=True, text=True,
                          timeout=60, stdin=subprocess.DEVNULL)
    assert done.returncode == 2
    assert says in done.stderr
    assert time.monotonic() - started < 30  # refused before installing or starting anything
