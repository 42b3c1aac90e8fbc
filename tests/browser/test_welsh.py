"""The dashboard in Welsh in a real browser: every public page at ?lang=cy renders with no exception, tells the
browser it is Welsh (<html lang="cy">, so a screen reader pronounces it right), names itself in Welsh in the
navigation, and has no serious or critical axe-core problem; the switch back to English keeps the filters."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from playwright.sync_api import expect

from kpi import i18n
from ui import nav

from .axe import serious_violations
from .conftest import assert_no_exception, save_screenshot, wait_for_app

PAGES = [(title, "" if i == 0 else Path(script).stem)
         for i, (script, title, _, roles) in enumerate(nav.PAGES) if roles is None]


def welsh(text: str) -> str:
    with i18n.using("cy"):
        return i18n.gettext(text)


@pytest.fixture(scope="module")
def app_url(streamlit_server, sample_store):
    return streamlit_server(script="app.py", env={"KHI_DATA_DIR": str(sample_store)})


def html_lang(page, wanted: str) -> None:
    # Set by a script the page adds (ui.lang.html_lang), once the script run has drawn it.
    page.wait_for_function(f"document.documentElement.lang === {wanted!r}", timeout=15_000)


@pytest.mark.parametrize("title, path", PAGES, ids=[t for t, _ in PAGES])
def test_every_page_in_welsh(page, app_url, title, path):
    page.goto(f"{app_url}/{path}?lang=cy")
    wait_for_app(page)
    assert_no_exception(page)
    html_lang(page, "cy")
    save_screenshot(page, f"welsh-{path or 'overview'}")
    nav_texts = page.get_by_test_id("stSidebarNav").locator("a").all_inner_texts()
    assert any(t.strip().endswith(welsh(title)) for t in nav_texts), nav_texts
    assert welsh(title) != title
    failing = serious_violations(page)
    assert not failing, json.dumps(failing, indent=1)


def test_switching_language_keeps_the_filters(page, app_url):
    page.goto(f"{app_url}/compare?area=E12000002&year=2023-24&lang=cy")
    wait_for_app(page)
    html_lang(page, "cy")
    expect(page.get_by_test_id("stMain").locator("h1")).to_contain_text(welsh("Compare areas"))

    page.get_by_test_id("stSidebar").get_by_role("button", name="English").click()
    wait_for_app(page)
    html_lang(page, "en")
    expect(page.get_by_test_id("stMain").locator("h1")).to_contain_text("Compare areas")
    assert "lang=" not in page.url and "area=E12000002" in page.url and "year=2023-24" in page.url, page.url

    page.get_by_test_id("stSidebar").get_by_role("button", name="Cymraeg").click()
    wait_for_app(page)
    html_lang(page, "cy")
    assert "lang=cy" in page.url and "area=E12000002" in page.url, page.url
    assert_no_exception(page)
