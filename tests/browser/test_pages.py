"""The dashboard in a real browser, against `streamlit run app.py` on the fixture store: what a person sees and does.

Every page renders its figures without an exception; a sidebar filter changes the figures; a copied URL reopens the
same view in a new browser context; a "Download CSV" gives byte for byte the table `python -m kpi table` prints for the
same metric and filters, with the same metadata but its title; a screenshot of every page is kept in artifacts/screenshots/.
"""

from __future__ import annotations

import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
from playwright.sync_api import expect

from perf.bench import app_pages
from tests.exports import csv_parts

from .conftest import DOWNLOAD_TIMEOUT_MS, REPO, assert_no_exception, save_screenshot, wait_for_app

PAGES = app_pages()
# What counts as a figure on screen: metrics, charts, tables, maps, and presentation mode's pictures (inline SVG).
FIGURES = ('[data-testid="stMetricValue"], [data-testid="stPlotlyChart"], .khi-chart, [data-testid="stDataFrame"], '
           'svg, img')
NORTH_WEST = ("North West", "E12000002")
PERIOD = ("2019-20", 2019)


@pytest.fixture(scope="module")
def app_url(streamlit_server, sample_store):
    return streamlit_server(script="app.py", env={"KHI_DATA_DIR": str(sample_store)})


def open_view(page, url: str) -> None:
    page.goto(url)
    wait_for_app(page)
    assert_no_exception(page)


def multiselect(page, label: str):
    return page.get_by_test_id("stSidebar").get_by_test_id("stMultiSelect").filter(has_text=label)


def choose(page, label: str, option: str) -> None:
    """Pick one option in a sidebar multiselect as a person does: open it, type, click the option."""
    box = multiselect(page, label)
    box.click()
    page.keyboard.type(option)
    page.get_by_role("option", name=option, exact=True).click()
    page.keyboard.press("Escape")
    expect(box).to_contain_text(option)


def metric_values(page) -> list[str]:
    """The figures a person reads: each big number and the caption under it (n and the interval)."""
    return (page.get_by_test_id("stMetricValue").all_inner_texts()
            + page.get_by_test_id("stMain").get_by_text(re.compile(r"^n = ")).all_inner_texts())


def settled_metrics(page, before: list[str], timeout_s: float = 30) -> list[str]:
    """Wait for the rerun a widget change starts to show different figures than `before` (a single headline may
    round to the same percentage, so every figure and its n is compared), then for the page to settle."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        page.wait_for_timeout(250)
        now = metric_values(page)
        if now and now != before:
            wait_for_app(page)
            return metric_values(page)
    pytest.fail(f"the figures did not change within {timeout_s:.0f} s of the filter change")


@pytest.mark.parametrize("pg", PAGES, ids=[p.stem for p in PAGES])
def test_every_page_renders_its_figures_without_exception(page, app_url, pg):
    open_view(page, f"{app_url}/{pg.url_path}")
    expect(page.get_by_test_id("stMain")).to_contain_text(re.compile(r"\w"))
    assert page.locator(f'[data-testid="stMain"] :is({FIGURES})').count() > 0, f"{pg.title}: no figure shown"
    text = page.get_by_test_id("stMain").inner_text()
    assert re.search(r"\d", text), f"{pg.title}: no number on the page"
    assert "Traceback" not in text
    # client.toolbarMode = "viewer": no Deploy button or developer menu for the people using the dashboard
    expect(page.get_by_test_id("stAppDeployButton")).to_have_count(0)
    expect(page.get_by_role("button", name="Deploy")).to_have_count(0)
    save_screenshot(page, f"page-{pg.stem}")


def test_region_filter_changes_the_overview_figures(page, app_url):
    open_view(page, app_url)
    before = metric_values(page)
    assert before, "the overview shows no headline figures"
    choose(page, "Nation or region", NORTH_WEST[0])
    after = settled_metrics(page, before)
    assert after != before
    assert f"area={NORTH_WEST[1]}" in page.url
    assert_no_exception(page)
    save_screenshot(page, "overview-north-west")


def test_url_round_trips_region_and_period_into_a_new_context(page, app_url, chromium_browser):
    open_view(page, app_url)
    before = metric_values(page)
    choose(page, "Nation or region", NORTH_WEST[0])
    settled_metrics(page, before)
    choose(page, "Period (financial year)", PERIOD[0])
    expect(page).to_have_url(re.compile(rf"year={PERIOD[0]}"))
    wait_for_app(page)
    figures = metric_values(page)
    url = page.url
    assert f"area={NORTH_WEST[1]}" in url and f"year={PERIOD[0]}" in url

    # A new context shares nothing with the first (no cookies, no session): only the URL carries the view.
    context = chromium_browser.new_context(viewport={"width": 1400, "height": 2400})
    try:
        other = context.new_page()
        open_view(other, url)
        expect(multiselect(other, "Nation or region")).to_contain_text(NORTH_WEST[0])
        expect(multiselect(other, "Period (financial year)")).to_contain_text(PERIOD[0])
        assert metric_values(other) == figures
        save_screenshot(other, "overview-from-copied-url")
    finally:
        context.close()


def test_csv_download_equals_kpi_table_for_the_same_metric_and_filters(page, app_url, sample_store):
    # Compare areas, default measure and level: chart_block(..., key="compare-chart") offers
    # ui.khi("connected_positive", ("region",), filters) as CSV, i.e. `kpi table connected_positive --by region`.
    open_view(page, f"{app_url}/compare?year={PERIOD[0]}")
    expect(multiselect(page, "Period (financial year)")).to_contain_text(PERIOD[0])
    button = page.locator(".st-key-compare-chart-csv").get_by_role("button", name=re.compile("Download CSV"))
    with page.expect_download(timeout=DOWNLOAD_TIMEOUT_MS) as info:
        button.click()
    downloaded = Path(info.value.path()).read_bytes()
    cli = subprocess.run(
        [sys.executable, "-m", "kpi", "table", "connected_positive", "--by", "region", "--year", str(PERIOD[1]),
         "--data", str(sample_store)],
        cwd=REPO, capture_output=True, check=True,
    )
    # The same table byte for byte, and the same metadata but the title (the chart's, on the dashboard).
    meta, table = csv_parts(downloaded.decode("utf-8"))
    cli_meta, cli_table = csv_parts(cli.stdout.decode("utf-8"))
    assert table == cli_table
    assert {k: v for k, v in meta.items() if k != "Title"} == {k: v for k, v in cli_meta.items() if k != "Title"}
    assert meta["Title"] and meta["Figures for"] == "public (protected)"
    assert table.count("\n") > 5  # a real table, not an empty file
