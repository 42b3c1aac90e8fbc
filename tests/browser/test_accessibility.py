"""axe-core on every page of the app: no "serious" or "critical" violation.

axe-core is the npm package pinned in package.json / package-lock.json (scripts/test.sh runs `npm ci` when
node_modules/axe-core is missing), injected into each page through Playwright. The pages are read from app.py's
st.navigation list, so a new page is checked without touching this file.

Exclusions are by rule id AND selector, each with the reason; nothing is ignored wholesale.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
AXE = REPO / "node_modules" / "axe-core" / "axe.min.js"
FAILING_IMPACTS = ("serious", "critical")
APP_IDLE = '[data-testid="stApp"][data-test-script-state="notRunning"][data-test-connection-state="CONNECTED"]'

# (rule id, CSS selector of the node axe reports, why it cannot be fixed from the app). Keep each one narrow.
EXCLUSIONS: tuple[tuple[str, str, str], ...] = ()


def _pages() -> list[tuple[str, str]]:
    """(title, URL path) of each page everyone's navigation lists (ui.nav.PAGES, which app.py shows); "" for the
    default. Streamlit serves a page at its script's file name without the extension, the default at the root.
    The signed-in pages (Send data, Access and audit) are checked through sign-in in tests/browser/test_sign_in.py
    and test_upload.py, not here."""
    from ui import nav

    return [(title, "" if i == 0 else Path(script).stem)
            for i, (script, title, _, roles) in enumerate(nav.PAGES) if roles is None]


PAGES = _pages()


@pytest.fixture(scope="module")
def axe_source() -> Path:
    if not AXE.is_file():
        pytest.fail(f"{AXE} is missing: run `npm ci` at the repository root (scripts/test.sh does it)",
                    pytrace=False)
    return AXE


def _excluded(rule: str, target: list) -> bool:
    selector = " ".join(str(t) for t in target)
    return any(rule == r and selector == s for r, s, _ in EXCLUSIONS)


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
def test_page_has_no_serious_or_critical_axe_violation(page, app_url, axe_source, title, path, wait_for_app,
                                                       assert_no_exception, save_screenshot):
    page.goto(f"{app_url}/{path}")
    wait_for_app(page)
    assert_no_exception(page)
    nav = page.locator('[data-testid="stSidebarNav"] a').all_inner_texts()
    assert any(n.strip().endswith(title) for n in nav), f"the sidebar shows {nav}, not the app's navigation"

    page.add_script_tag(path=str(axe_source))
    results = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    failing = []
    for v in results["violations"]:
        for node in v["nodes"]:
            impact = node.get("impact") or v.get("impact")
            if impact in FAILING_IMPACTS and not _excluded(v["id"], node["target"]):
                failing.append({"rule": v["id"], "impact": impact, "help": v["help"], "target": node["target"],
                                "html": node["html"][:300], "summary": node.get("failureSummary", "")[:400]})
    if failing:
        save_screenshot(page, f"axe-{title}")
    assert not failing, f"axe-core found {len(failing)} serious/critical problem(s) on {title!r}:\n" + \
        json.dumps(failing, indent=1)
