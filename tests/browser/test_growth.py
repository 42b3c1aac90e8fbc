"""Regional growth in a real browser: it opens on the latest year against the year before and leads with the story a
director can repeat — the England total, where the growth was and which regions fell — as kpi.metrics.api computes it
for the store the app runs on (the public's figures), so the test follows whatever the bundled sample holds.
"""

from __future__ import annotations

import io
import re
import time

import numpy as np
import pytest
from PIL import Image
from playwright.sync_api import expect

from kpi.data import schema
from kpi.metrics import api
from kpi.render import growth
from tests.scopes import PUBLIC

from .conftest import assert_no_exception, save_screenshot, wait_for_app

TOTALS = ["people_growth_pct", "people_net_change"]
# This is often a fresh server's first view (imports, then every query cold) on a shared, busy machine.
FIRST_VIEW_MS = 120_000


@pytest.fixture(scope="module")
def app_url(streamlit_server, sample_store):
    return streamlit_server(script="app.py", env={"KHI_DATA_DIR": str(sample_store)})


def _parts(store, ids, by, filters):
    return api.split_by_metric(api.khi_tables(ids, by, filters, data_dir=store, scope=PUBLIC))


def _shared_lives_in_england(store, years) -> dict:
    """The Shared Lives figures the story is told from, for the latest year against the year before."""
    eng = api.Filters(years=years, programmes=("shared_lives",), areas=schema.ENGLISH_REGIONS)
    return {"programme": "shared_lives", "england": _parts(store, TOTALS, (), eng),
            "regions": _parts(store, [*TOTALS, "people_growth_share"], "region", eng)}


def test_regional_growth_tells_the_latest_years_story(page, app_url, sample_store):
    first, last = api.people_years(data_dir=sample_store)
    years = (last - 1, last)
    item = _shared_lives_in_england(sample_store, years)
    england = item["england"]["people_net_change"].iloc[0]
    story = growth.summary_story(item)
    status = api.khi_table("people_growth_pct", "region", api.Filters(years=years), data_dir=sample_store,
                           scope=PUBLIC)
    falling = status.loc[(status["status"] == "falling") & ~status["suppressed"], "area_name"].tolist()

    page.goto(f"{app_url}/growth")
    main = page.get_by_test_id("stMain")
    # The story leads the page, as the api's public figures give it: the England total and its change. (Waited for
    # first: a fresh server's first deep link runs the page twice, and the app looks idle for a moment between.)
    lead = main.get_by_text(re.compile(r"^Shared Lives in England "))
    expect(lead).to_have_text(story, timeout=FIRST_VIEW_MS)
    wait_for_app(page, timeout_ms=FIRST_VIEW_MS)
    assert_no_exception(page)
    expect(page).to_have_url(re.compile(r"span=year"))
    expect(main).to_contain_text(f"Change compares {schema.fy_label(last - 1)} with {schema.fy_label(last)}")
    total = f"{england['people_end']:,.0f}"
    assert total in story and f"{abs(england['value']):,.0f} people" in story
    # The totals table (a canvas grid: its text is not in the page) is there, with England's row first.
    expect(page.get_by_test_id("stHeading").filter(has_text="England and the nations")).to_be_visible()
    expect(main.locator(".st-key-growth-totals-csv")).to_be_visible()
    save_screenshot(page, "growth-latest-year")

    # "falling" beside each falling region: in the story (English regions), the status list and the bars' labels.
    falling_line = main.locator("li").filter(has_text=re.compile(r"^Falling:"))
    expect(falling_line).to_have_text(f"Falling: {', '.join(falling) or 'none'}")
    sl = item["regions"]["people_growth_pct"]
    sl_falling = sl.loc[(sl["status"] == "falling") & ~sl["suppressed"], "area_name"].tolist()
    for name in sl_falling:
        assert name in story
    assert story.endswith(" fell.") == bool(sl_falling)
    # On the growing / flat / falling bars, each falling region's row reads "falling" on its own line of the chart.
    chart = main.locator(".st-key-growth-status")
    chart.scroll_into_view_if_needed()
    words = [((t.text_content() or "").strip(), t.bounding_box()) for t in chart.locator(".annotation-text").all()]
    # A long name is wrapped onto two lines of the tick label (its text runs together): compare without spaces.
    ticks = {re.sub(r"\s", "", t.text_content() or ""): t for t in chart.locator(".ytick text").all()}
    for name in falling:
        tick = ticks[re.sub(r"\s", "", name)].bounding_box()
        beside = [w for w, box in words
                  if box and abs((box["y"] + box["height"] / 2) - (tick["y"] + tick["height"] / 2)) < 6]
        assert any(w.endswith("falling") for w in beside), (name, beside)
    assert sum(w.endswith("falling") for w, _ in words) == len(falling)
    save_screenshot(page, "growth-latest-year-status")


def test_a_tab_is_built_when_opened_and_its_link_reopens_it(page, app_url):
    # Only the open tab is built (a lighter first view); clicking another builds it, and the link keeps it.
    page.goto(f"{app_url}/growth")
    wait_for_app(page, timeout_ms=FIRST_VIEW_MS)
    main = page.get_by_test_id("stMain")
    expect(main.locator(".st-key-growth-status .js-plotly-plot")).to_be_visible(timeout=FIRST_VIEW_MS)
    expect(main.locator(".st-key-growth-map")).to_have_count(0)
    page.get_by_role("tab", name="Map").click()
    expect(main.locator(".st-key-growth-map .js-plotly-plot")).to_be_visible(timeout=FIRST_VIEW_MS)
    expect(page).to_have_url(re.compile(r"section=map"), timeout=FIRST_VIEW_MS)  # a busy machine: slow reruns
    wait_for_app(page)
    expect(main.locator(".st-key-growth-status")).to_have_count(0, timeout=FIRST_VIEW_MS)
    assert_no_exception(page)
    page.reload()
    wait_for_app(page, timeout_ms=FIRST_VIEW_MS)
    expect(page.get_by_role("tab", name="Map")).to_have_attribute("aria-selected", "true", timeout=FIRST_VIEW_MS)
    expect(main.locator(".st-key-growth-map .js-plotly-plot")).to_be_visible(timeout=FIRST_VIEW_MS)
    # The regions are drawn (MapLibre paints its canvas after the script has finished): blue fills appear.
    canvas = main.locator(".st-key-growth-map .maplibregl-canvas")
    expect(canvas).to_be_visible(timeout=FIRST_VIEW_MS)
    canvas.scroll_into_view_if_needed()
    deadline = time.monotonic() + 60
    while _blue_pixels(canvas.screenshot()) < 2_000 and time.monotonic() < deadline:
        time.sleep(0.5)
    assert _blue_pixels(canvas.screenshot()) >= 2_000, "the map's regions were not drawn"
    save_screenshot(page, "growth-map-tab")


def _blue_pixels(png: bytes) -> int:
    """Pixels of the map's blue scale (the regions' fills) in a screenshot of the map's canvas, its left four fifths:
    the colour bar, drawn apart from the map, sits at the right."""
    rgb = np.asarray(Image.open(io.BytesIO(png)).convert("RGB"), dtype=np.int16)
    rgb = rgb[:, : rgb.shape[1] * 4 // 5]
    r, b = rgb[..., 0], rgb[..., 2]
    return int(((b > r + 40) & (b > 120)).sum())


@pytest.mark.parametrize("width", [1400, 390])
def test_the_arrangements_legend_sits_under_the_year_labels(page, app_url, width):
    # It sat on top of the bottom panels' slanted year labels ("3-24" showing): placed as a share of the plot's height.
    page.set_viewport_size({"width": width, "height": 2400})
    page.goto(f"{app_url}/growth?section=years")
    wait_for_app(page, timeout_ms=FIRST_VIEW_MS)
    assert_no_exception(page)
    chart = page.locator(".st-key-growth-people .js-plotly-plot")
    expect(chart).to_be_visible(timeout=FIRST_VIEW_MS)
    labels = [b for b in (t.bounding_box() for t in chart.locator(".xaxislayer-above text").all()) if b]
    legend = chart.locator(".legend").bounding_box()
    assert labels and legend
    lowest = max(b["y"] + b["height"] for b in labels)
    assert legend["y"] >= lowest, f"the legend's top {legend['y']:.0f} is above the labels' foot {lowest:.0f}"
    figure = chart.bounding_box()
    assert legend["y"] + legend["height"] <= figure["y"] + figure["height"] + 1, "and inside the figure"
