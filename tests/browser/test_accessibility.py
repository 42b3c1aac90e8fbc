"""axe-core on every page of the app: no "serious" or "critical" violation.

axe-core (tests/browser/axe.py) is injected into each page through Playwright. The pages are read from the
navigation everyone gets (ui.nav.PAGES), so a new page is checked without touching this file.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from .axe import serious_violations

APP_IDLE = '[data-testid="stApp"][data-test-script-state="notRunning"][data-test-connection-state="CONNECTED"]'


def _pages() -> list[tuple[str, str]]:
    """(title, URL path) of each page everyone's navigation lists (ui.nav.PAGES, which app.py shows); "" for the
    default. Streamlit serves a page at its script's file name without the extension, the default at the root.
    The signed-in pages (Send data, Access and audit) are checked through sign-in in tests/browser/test_sign_in.py
    and test_upload.py, not here."""
    from ui import nav

    return [(title, "" if i == 0 else Path(script).stem)
            for i, (script, title, _, roles) in enumerate(nav.PAGES) if roles is None]


PAGES = _pages()


def test_the_app_lists_the_pages_this_test_checks():
    titles = [t for t, _ in PAGES]
    assert "Presentation mode" in titles and len(PAGES) >= 7, PAGES


@pytest.fixture(scope="module")
def app_url(streamlit_server, sample_store, chromium_browser) -> str:
    base = streamlit_server("app.py", env={"KHI_DATA_DIR": str(sample_store)})
    # Until app.py has run once, Streamlit serves deep links through legacy pages/ discovery (see
    # test_presentation.py): visit the root once so every page is checked as the app's navigation serves it.
    context = chromium_browser.new_context()
    try:
        warm = context.new_page()
        warm.goto(base)
        warm.wait_for_selector(APP_IDLE, state="attached", timeout=60_000)
    finally:
        context.close()
    return base


@pytest.mark.parametrize("title, path", PAGES, ids=[t for t, _ in PAGES])
def test_page_has_no_serious_or_critical_axe_violation(page, app_url, title, path, wait_for_app,
                                                       assert_no_exception, save_screenshot):
    page.goto(f"{app_url}/{path}")
    wait_for_app(page)
    assert_no_exception(page)
    nav = page.locator('[data-testid="stSidebarNav"] a').all_inner_texts()
    assert any(n.strip().endswith(title) for n in nav), f"the sidebar shows {nav}, not the app's navigation"

    failing = serious_violations(page)
    if failing:
        save_screenshot(page, f"axe-{title}")
    assert not failing, f"axe-core found {len(failing)} serious/critical problem(s) on {title!r}:\n" + \
        json.dumps(failing, indent=1)
