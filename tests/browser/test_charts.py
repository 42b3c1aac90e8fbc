"""Charts drawn by ui.charts in a real browser: plotly.js's basic bundle, fetched once from the app's static folder
(never Streamlit's 4.7 MB full plotly.js on a page without a map), with hover labels, a width that follows the
sidebar, no button that uploads the figure, and a sentence instead of a blank box when the bundle cannot be fetched."""

from __future__ import annotations

import plotly.offline
import pytest
from playwright.sync_api import expect

from ui import charts

from .conftest import CHART_TIMEOUT_MS, assert_no_exception, wait_for_app

CHART = ".stBidiComponent .khi-chart"


@pytest.fixture(scope="module")
def app_url(streamlit_server, sample_store):
    return streamlit_server(script="app.py", env={"KHI_DATA_DIR": str(sample_store)})


def test_a_chart_page_draws_with_the_basic_bundle_and_never_loads_the_full_plotly_js(page, app_url):
    responses = []
    page.on("response", lambda response: responses.append(response))
    page.goto(f"{app_url}/connectedness")
    wait_for_app(page)
    assert_no_exception(page)
    drawn = page.locator(CHART)
    expect(drawn).to_have_count(2)  # the first tab's two charts
    for i in range(2):
        chart = drawn.nth(i)
        expect(chart.locator(".main-svg").first).to_be_visible()
        assert chart.get_attribute("role") == "figure" and chart.get_attribute("aria-label")
    assert page.evaluate("() => window.Plotly.version") == plotly.offline.get_plotlyjs_version()
    bundle = [r for r in responses if r.url.endswith("/app/static/" + charts.BUNDLE)]
    assert len(bundle) == 1 and bundle[0].status == 200, [r.url for r in bundle]  # one fetch for both charts
    # A script type (Python's mimetypes gives either, by platform): under nosniff anything else would not run.
    assert bundle[0].headers["content-type"].split(";")[0] in ("text/javascript", "application/javascript")
    assert not [r.url for r in responses if "PlotlyChart" in r.url], "Streamlit's full plotly.js was fetched"

    # Hover labels work as in st.plotly_chart: a bar's figure and its interval.
    bar = drawn.first.locator(".bars .point path").first.bounding_box()  # under Plotly's drag layer: move, not hover
    page.mouse.move(bar["x"] + bar["width"] / 2, bar["y"] + bar["height"] / 2)
    expect(page.locator(".khi-chart .hoverlayer .hovertext").first).to_be_visible()

    # The mode bar downloads a PNG, and has no button that uploads the figure to Plotly's cloud (plotly.js 4's default).
    titles = drawn.first.locator(".modebar-btn").evaluate_all("bs => bs.map(b => b.getAttribute('data-title'))")
    assert "Download plot as a PNG" in titles and not [t for t in titles if "Share" in (t or "")], titles

    # Closing the sidebar widens the page without a window resize: the chart follows its container.
    before = drawn.first.locator(".main-svg").first.bounding_box()["width"]
    page.get_by_test_id("stSidebar").hover()
    page.get_by_test_id("stSidebarCollapseButton").locator("button").click()
    page.wait_for_function(f"w => document.querySelector('{CHART} .main-svg').getBoundingClientRect().width > w + 100",
                           arg=before, timeout=CHART_TIMEOUT_MS)


def test_a_chart_whose_bundle_cannot_be_fetched_says_so_and_its_table_still_opens(page, app_url):
    page.route(f"**/app/static/{charts.BUNDLE}", lambda route: route.abort())
    page.goto(f"{app_url}/connectedness")
    wait_for_app(page, charts=False)
    failed = page.locator('.khi-chart[data-drawn="failed"]')
    expect(failed).to_have_count(2, timeout=CHART_TIMEOUT_MS)
    expect(failed.first).to_have_text("This chart could not be drawn here. Its figures are in its table.")
    page.get_by_text("Show as table").first.click()
    expect(page.get_by_test_id("stDataFrame").first).to_be_visible(timeout=CHART_TIMEOUT_MS)
    assert_no_exception(page)


def test_the_map_drawn_by_streamlits_plotly_has_no_upload_button_either(page, app_url):
    page.goto(f"{app_url}/growth?section=map")
    wait_for_app(page)
    assert_no_exception(page)
    chart = page.locator(".st-key-growth-map [data-testid='stPlotlyChart']")
    expect(chart.locator(".main-svg").first).to_be_visible()
    chart.hover()
    titles = chart.locator(".modebar-btn").evaluate_all("bs => bs.map(b => b.getAttribute('data-title'))")
    assert "Download plot as a PNG" in titles and not [t for t in titles if "Share" in (t or "")], titles
