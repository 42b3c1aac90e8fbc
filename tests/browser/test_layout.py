"""Every public page, signed out, on the bundled sample, at a desktop width (1400x900) and a phone's (390x844):

- no Deploy button and no developer menu (Rerun, Clear cache): `.streamlit/config.toml` sets client.toolbarMode;
- every heading lies within the viewport, and nothing makes the page scroll sideways;
- every Plotly chart keeps a usable width, and its title, legend, axis titles, tick labels and annotations (the
  funnel's scheme names, the comparison's row labels) lie inside the chart, at a readable size, and the legend does
  not sit on the title;
- a full-page screenshot of each page at each width is kept in artifacts/screenshots/layout-<page>-<width>.png.

Bounds are read with getBoundingClientRect in the page, so a clipped or overflowing label fails with its text.
"""

from __future__ import annotations

import shutil

import pytest

from ui import nav

from .conftest import REPO, assert_no_exception, fresh_page, save_screenshot, wait_for_app

PUBLIC = [(script, title) for script, title, _, roles in nav.PAGES if roles is None]
WIDTHS = {"desktop": (1400, 900), "phone": (390, 844)}
MIN_CHART_WIDTH = 300  # px: a chart narrower than this at 390 px has lost its plot to margins
# px: the plotting area itself, between the axis labels and the row labels (margins had left 64 px of a phone)
MIN_PLOT_WIDTH = 100
MIN_FONT_PX = 12  # no chart text smaller than this (Plotly shrinks bar labels to fit, uniformtext stops it)
SLACK = 1.5  # px of rounding in the browser's boxes

# Everything a reader needs from a chart; each must lie inside the chart's own box.
CHART_PARTS = {
    "title": ".gtitle",
    "legend": ".legend",
    "x axis title": ".xtitle",
    "y axis title": ".ytitle",
    "x tick label": ".xtick text",
    "y tick label": ".ytick text",
    "annotation": ".annotation-text-g",
}

MEASURE = f"""() => {{
  const vw = document.documentElement.clientWidth;
  const out = {{viewport: vw, pageWidth: document.documentElement.scrollWidth, problems: [], charts: []}};
  const box = el => el.getBoundingClientRect();
  const text = el => (el.textContent || '').trim().replace(/\\s+/g, ' ').slice(0, 80);
  const x = r => `x ${{r.left | 0}}..${{r.right | 0}}`;
  const xy = r => `${{x(r)}}, y ${{r.top | 0}}..${{r.bottom | 0}}`;
  const offScreen = r => r.left < -{SLACK} || r.right > vw + {SLACK};
  const outside = (r, c) => r.left < c.left - {SLACK} || r.right > c.right + {SLACK}
                            || r.top < c.top - {SLACK} || r.bottom > c.bottom + {SLACK};
  const overlap = (a, b) => Math.min(a.right, b.right) - Math.max(a.left, b.left) > {SLACK}
                            && Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top) > {SLACK};
  const main = document.querySelector('[data-testid="stMain"]');
  out.mainOverflow = main.scrollWidth - main.clientWidth;
  for (const h of main.querySelectorAll('h1, h2, h3')) {{
    const r = box(h);
    if (r.width <= 2 || r.height <= 2 || !text(h)) continue;  // visually hidden (a screen reader's heading)
    const range = document.createRange();
    range.selectNodeContents(h);
    const words = range.getBoundingClientRect();  // the words themselves: a clipped heading pushes them past the edge
    if (offScreen(r)) out.problems.push(`heading "${{text(h)}}" at ${{x(r)}} of ${{vw}} px`);
    if (offScreen(words)) out.problems.push(`heading "${{text(h)}}": its words at ${{x(words)}} of ${{vw}} px`);
  }}
  const parts = {CHART_PARTS!r};
  main.querySelectorAll('.js-plotly-plot').forEach((chart, i) => {{
    const c = box(chart);
    const title = chart.querySelector('.gtitle');
    const name = `chart ${{i + 1}} (${{title ? text(title) : 'untitled'}})`;
    // The plotting area: from the left of the leftmost panel to the right of the rightmost (small multiples count
    // as one plot: each panel of a grid is narrow by design).
    const panels = [...chart.querySelectorAll('.nsewdrag')].map(box).filter(r => r.width);
    const plot = panels.length ? Math.max(...panels.map(r => r.right)) - Math.min(...panels.map(r => r.left)) : null;
    out.charts.push({{name, width: c.width, plot}});
    if (offScreen(c)) out.problems.push(`${{name}} at ${{x(c)}} of ${{vw}} px`);
    for (const [what, selector] of Object.entries(parts)) {{
      for (const el of chart.querySelectorAll(selector)) {{
        const r = box(el);
        if (r.width && r.height && outside(r, c))
          out.problems.push(`${{name}}: ${{what}} "${{text(el)}}" at ${{xy(r)}} is outside the chart (${{xy(c)}})`);
      }}
    }}
    const texts = '.gtitle, .legendtext, .xtitle, .ytitle, .xtick text, .ytick text, .annotation-text, .bartext';
    for (const el of chart.querySelectorAll(texts)) {{
      const size = parseFloat(getComputedStyle(el).fontSize);
      if (box(el).width && size < {MIN_FONT_PX}) out.problems.push(`${{name}}: "${{text(el)}}" is ${{size}} px type`);
    }}
    const legend = chart.querySelector('.legend');
    if (title && legend && overlap(box(title), box(legend)))
      out.problems.push(`${{name}}: the legend overlaps the title`);
  }});
  return out;
}}"""


@pytest.fixture(scope="module")
def app_url(streamlit_server, tmp_path_factory):
    # A copy of the bundled sample: what a fresh clone shows, with nothing the app does written into the repository.
    store = tmp_path_factory.mktemp("bundled") / "sample"
    shutil.copytree(REPO / "data" / "sample", store)
    return streamlit_server(script="app.py", env={"KHI_DATA_DIR": str(store)})


@pytest.fixture
def sized_page(chromium_browser, request):
    width, height = WIDTHS[request.param]
    with fresh_page(chromium_browser, request, {"width": width, "height": height}, 30_000) as page:
        yield page, request.param


def full_page_screenshot(page, name: str) -> None:
    """Streamlit scrolls inside its main block, so the viewport is made as tall as the page before the capture."""
    width = page.viewport_size["width"]
    height = page.evaluate("""() => Math.max(...['[data-testid="stMain"]', '[data-testid="stSidebar"]']
        .map(s => document.querySelector(s)).filter(Boolean).map(e => e.scrollHeight))""")
    page.set_viewport_size({"width": width, "height": int(min(max(height, 400), 16_000))})
    page.wait_for_timeout(400)  # Plotly redraws on resize
    wait_for_app(page, timeout_ms=90_000)
    save_screenshot(page, name)


@pytest.mark.parametrize("sized_page", list(WIDTHS), indirect=True)
@pytest.mark.parametrize("script,title", PUBLIC, ids=[s.split("/")[-1].removesuffix(".py") for s, _ in PUBLIC])
def test_page_fits_the_screen(sized_page, app_url, script, title):
    page, width_name = sized_page
    slug = script.split("/")[-1].removesuffix(".py")
    url_path = "" if script == nav.PAGES[0][0] else slug
    page.goto(f"{app_url}/{url_path}")
    wait_for_app(page, timeout_ms=90_000)  # a page's first, uncached run on a shared 2-core machine
    assert_no_exception(page)

    # No Deploy button, and the menu (if any) has no developer items.
    assert page.get_by_test_id("stAppDeployButton").count() == 0, "the Deploy button is shown"
    assert page.get_by_role("button", name="Deploy").count() == 0, "the Deploy button is shown"
    menu = page.get_by_test_id("stMainMenu")
    if menu.count():
        menu.first.click()
        items = page.get_by_test_id("stMainMenuList")
        items.wait_for()
        listed = items.inner_text()
        for developer in ("Rerun", "Clear cache", "Developer", "Deploy"):
            assert developer not in listed, f"the menu offers {developer!r}: {listed!r}"
        page.keyboard.press("Escape")

    found = page.evaluate(MEASURE)
    problems = list(found["problems"])
    if found["pageWidth"] > found["viewport"] + SLACK:
        problems.append(f"the page scrolls sideways: {found['pageWidth']} px wide in a {found['viewport']} px window")
    if found["mainOverflow"] > SLACK:
        problems.append(f"the main block overflows sideways by {found['mainOverflow']} px")
    for chart in found["charts"]:
        if chart["width"] < MIN_CHART_WIDTH:
            problems.append(f"{chart['name']} is only {chart['width']:.0f} px wide")
        if chart["plot"] is not None and chart["plot"] < MIN_PLOT_WIDTH:
            problems.append(f"{chart['name']}: its plotting area is only {chart['plot']:.0f} px wide")
    full_page_screenshot(page, f"layout-{slug}-{width_name}")
    assert not problems, f"{title} at {found['viewport']} px:\n" + "\n".join(problems)
