"""A real browser through the serving stack (scripts/serve.sh: HAProxy + 2 workers, fixture store): a tab whose worker
is killed reconnects by itself to a live worker, and its next run there shows the same view (the browser sends its
filters and widget values with the rerun), without an exception.

Seen while writing it: after the reconnect Streamlit's front end keeps the screen it had and does not rerun by itself
(it cannot know the server-side session is new), so the test reruns as a person would, by pressing R.

tests/test_stack.py checks stickiness, load and restarts on the wire; this checks what a person sees.
"""

from __future__ import annotations

import os
import re
import signal

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import expect

from perf.stack import wait_until

from tests.stacks import running_stack

from .conftest import assert_no_exception, save_screenshot, wait_for_app


@pytest.fixture(scope="module")
def stack(sample_store, tmp_path_factory):
    with running_stack(sample_store, tmp_path_factory.mktemp("browser-stack")) as s:
        yield s


def _figures(page) -> list[str]:
    return page.get_by_test_id("stMetricValue").all_inner_texts()


# Records every change of the app's connection and script state from now on, so the test can see that the tab lost
# its websocket and that the page ran again afterwards (not merely that the old screen stayed up).
WATCH_STATES = """() => {
  window.khiStates = [];
  const app = document.querySelector('[data-testid="stApp"]');
  new MutationObserver(() => window.khiStates.push(
      app.getAttribute('data-test-connection-state') + '/' + app.getAttribute('data-test-script-state')))
    .observe(app, {attributes: true, attributeFilter: ['data-test-connection-state', 'data-test-script-state']});
}"""


def _reached(page, state: str, timeout_ms: int) -> bool:
    try:
        page.wait_for_function(f"() => window.khiStates.includes('{state}')", timeout=timeout_ms)
        return True
    except PlaywrightTimeout:
        return False


def _wait_for_state(page, state: str, timeout_ms: int = 60_000) -> None:
    if not _reached(page, state, timeout_ms):
        pytest.fail(f"the tab never reached {state}; its states: {page.evaluate('() => window.khiStates')}")


def _upgrades(stack) -> int:
    """Websocket upgrades (HTTP 101) the workers have answered so far, all together."""
    return sum(int(row["hrsp_1xx"] or 0) for row in stack.stats().values())


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_a_tab_whose_worker_dies_reconnects_and_shows_the_same_view(page, stack):
    page.goto(f"{stack.url}/?area=E12000002&year=2019-20")
    wait_for_app(page)
    assert_no_exception(page)
    before = _figures(page)
    assert before, "the Overview should show its headline figures"
    worker = next(c["value"] for c in page.context.cookies() if c["name"] == "SERVERID")
    upgrades = _upgrades(stack)
    page.evaluate(WATCH_STATES)

    os.kill(stack.worker_pid(worker), signal.SIGKILL)
    # The tab notices the closed websocket and opens a new one through HAProxy, to whichever worker is alive.
    assert wait_until(lambda: _upgrades(stack) > upgrades, timeout=90), "the tab did not reconnect"
    _wait_for_state(page, "CONNECTED/notRunning")
    # Streamlit's rerun key, as the person's next click would; pressed again if the first went unnoticed (the front
    # end may still be settling its new connection), at most three times.
    for attempt in range(3):
        page.locator("body").press("r")
        if _reached(page, "CONNECTED/running", 20_000):
            break
    else:
        pytest.fail(f"R pressed 3 times, the page never ran; its states: {page.evaluate('() => window.khiStates')}")
    wait_for_app(page)
    assert_no_exception(page)
    states = page.evaluate("() => window.khiStates")
    assert any(not s.startswith("CONNECTED/") for s in states), f"the tab never saw its websocket close: {states}"
    expect(page.get_by_test_id("stSidebar")).to_contain_text("North West")
    assert re.search(r"area=E12000002", page.url) and "2019-20" in page.url
    assert _figures(page) == before, "the same filters should show the same figures after the reconnect"
    save_screenshot(page, "stack-after-worker-killed")
