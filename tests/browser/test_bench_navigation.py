"""The benchmark's in-app move (perf.browser.navigate) on a tiny two-page app of its own: a click on a page's sidebar
link is timed until that page's script has run and its chart is drawn, not until the page the click left looks
settled."""

from __future__ import annotations

import textwrap
import time

import pytest

from perf.browser import RunsSeen, navigate, wait_rendered

SLOW_S = 1.5  # the second page's script sleeps this long before its chart: the measure must include it

TWO_PAGES = textwrap.dedent(
    f"""
    import time

    import plotly.graph_objects as go
    import streamlit as st


    def first():
        st.title("First page")
        st.markdown("Nothing to wait for.")


    def second():
        st.title("Second page")
        time.sleep({SLOW_S})
        st.plotly_chart(go.Figure(go.Bar(x=["a", "b"], y=[3, 5])), key="slow-chart")


    st.navigation([st.Page(first, title="First", default=True),
                   st.Page(second, title="Second", url_path="second")]).run()
    """
)


@pytest.fixture(scope="module")
def app_url(tmp_path_factory, streamlit_server):
    script = tmp_path_factory.mktemp("two_pages") / "two_pages.py"
    script.write_text(TWO_PAGES)
    return streamlit_server(script=script, env={})


def test_a_move_by_the_sidebar_is_timed_until_the_new_page_is_drawn(page, app_url):
    runs = RunsSeen(page)
    page.goto(app_url)
    wait_rendered(page)
    before = runs.finished
    assert before >= 1, "the websocket's script_finished messages are counted"

    started = time.perf_counter()
    navigate(page, runs, f"{app_url}/second", timeout_ms=60_000)
    took = time.perf_counter() - started
    assert took >= SLOW_S, f"returned after {took:.2f} s, before the second page's script had finished"
    assert runs.finished > before
    assert page.get_by_test_id("stMain").locator("h1").inner_text().startswith("Second page")
    assert page.locator(".st-key-slow-chart .main-svg").count() >= 1, "its chart is drawn"

    navigate(page, runs, f"{app_url}/", timeout_ms=60_000)  # and back, the first page has no chart to wait for
    assert page.get_by_test_id("stMain").locator("h1").inner_text().startswith("First page")
    assert page.locator(".st-key-slow-chart").count() == 0
