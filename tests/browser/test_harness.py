"""Proves the browser harness on a tiny app of its own, independently of the dashboard:
the server starts with the given environment, the page renders with its chart, a widget change reaches the script,
and the view round-trips through the URL's query parameters.
"""

from __future__ import annotations

import re
import textwrap

import pytest

from .conftest import assert_no_exception, save_screenshot, wait_for_app

TINY_APP = textwrap.dedent(
    """
    import os

    import plotly.graph_objects as go
    import streamlit as st

    AREAS = ["North West", "East of England", "London"]
    PEOPLE = {"North West": [310, 340, 395], "East of England": [280, 250, 205], "London": [150, 155, 152]}

    st.title("Harness check")
    st.caption(f"Environment mark: {os.environ.get('KHI_HARNESS_MARK', 'unset')}")

    wanted = st.query_params.get("area")
    area = st.selectbox("Area", AREAS, index=AREAS.index(wanted) if wanted in AREAS else 0)
    st.query_params["area"] = area
    st.markdown(f"Selected area: {area}")

    figure = go.Figure(go.Bar(x=["2019-20", "2020-21", "2021-22"], y=PEOPLE[area]))
    figure.update_layout(title=f"People supported in {area}", height=320)
    st.plotly_chart(figure, key="people")
    """
)

HARNESS_ENV = {"KHI_HARNESS_MARK": "fixture-store-42"}


@pytest.fixture(scope="module")
def app_url(tmp_path_factory, streamlit_server):
    script = tmp_path_factory.mktemp("harness_app") / "tiny_app.py"
    script.write_text(TINY_APP)
    return streamlit_server(script=script, env=HARNESS_ENV)


def open_app(page, url):
    page.goto(url)
    wait_for_app(page)
    assert_no_exception(page)


def choose(page, label, option):
    page.get_by_test_id("stSelectbox").filter(has_text=label).click()
    page.get_by_role("option", name=option, exact=True).click()


def test_tiny_app_renders_title_chart_and_environment(page, app_url):
    open_app(page, app_url)

    assert page.get_by_role("heading", name="Harness check").is_visible()
    assert page.get_by_text("Environment mark: fixture-store-42").is_visible()
    assert page.locator('[data-testid="stPlotlyChart"] .main-svg').first.is_visible()
    assert "People supported in North West" in page.locator('[data-testid="stPlotlyChart"]').inner_text()
    assert save_screenshot(page, "harness-tiny-app").stat().st_size > 10_000


def test_changing_the_selectbox_changes_the_text_and_the_chart(page, app_url):
    from playwright.sync_api import expect

    open_app(page, app_url)
    choose(page, "Area", "London")

    expect(page.get_by_text("Selected area: London")).to_be_visible()
    expect(page.locator('[data-testid="stPlotlyChart"]')).to_contain_text("People supported in London")
    wait_for_app(page)
    assert_no_exception(page)


def test_query_parameter_opens_the_view_and_a_changed_view_round_trips_via_its_url(page, app_url):
    from playwright.sync_api import expect

    open_app(page, f"{app_url}/?area=East+of+England")
    expect(page.get_by_text("Selected area: East of England")).to_be_visible()

    choose(page, "Area", "London")
    expect(page.get_by_text("Selected area: London")).to_be_visible()
    expect(page).to_have_url(re.compile(r"[?&]area=London(&|$)"))

    copied = page.url
    second = page.context.new_page()
    open_app(second, copied)
    expect(second.get_by_text("Selected area: London")).to_be_visible()
    expect(second.locator('[data-testid="stPlotlyChart"]')).to_contain_text("People supported in London")
