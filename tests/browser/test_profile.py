"""The area profile in a real browser, against `streamlit run app.py` on the fixture store: every KHI x every nation
and region with its judgement and trend tag, a cell opening its detail on Compare areas (which names England as an
English region's benchmark), and the spine chart with n and intervals."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from kpi.data import schema
from kpi.metrics import registry

from .conftest import assert_no_exception, save_screenshot, wait_for_app

JUDGEMENTS = re.compile(r"(better|similar|worse|higher|lower|too few answers to show|no answers)")
TRENDS = re.compile(r"(↑ increasing|↓ decreasing|→ no significant change|trend cannot be calculated)")


def _open(page, url: str) -> None:
    page.goto(url)
    # The first visit computes the whole matrix cold: on the shared 2-core test machine that has taken over 30 s.
    wait_for_app(page, timeout_ms=120_000)
    assert_no_exception(page)


def test_profile_shows_every_khi_for_every_area_with_labels_and_trends(page, streamlit_server, sample_store):
    app_url = streamlit_server(script="app.py", env={"KHI_DATA_DIR": str(sample_store)})
    _open(page, f"{app_url}/profile")
    table = page.locator("table.khi-profile")
    expect(table).to_be_visible(timeout=120_000)
    heads = table.locator("thead th").all_inner_texts()
    assert heads[:3] == ["Measure", "England (benchmark)", "UK (benchmark)"]
    assert heads[3:] == list(schema.AREAS.values())
    rows = table.locator("tbody tr")
    expect(rows).to_have_count(len(registry.COMPARED_IDS))
    titles = [t.split("\n")[0] for t in table.locator("tbody th").all_inner_texts()]
    assert titles == [registry.get(m).title for m in registry.COMPARED_IDS]
    cells = table.locator("td.khi-cell")
    expect(cells).to_have_count(len(registry.COMPARED_IDS) * len(schema.AREAS))
    texts = cells.all_inner_texts()
    assert all(JUDGEMENTS.search(t) for t in texts)
    assert sum(bool(TRENDS.search(t)) for t in texts) >= len(schema.AREAS)  # the share-of-people KHIs' rows
    # the shape beside each word, never colour alone
    shapes = {"better": "▲", "similar": "●", "worse": "▼", "higher": "△", "lower": "▽"}
    judged = table.locator(".khi-judgement").all_inner_texts()
    assert judged and all(shapes[t.split()[-1]] == t.split()[0] for t in judged)
    save_screenshot(page, "profile-regions")
    expect(page.locator(".st-key-profile-spine")).to_have_count(0)  # the spine's tab is built when opened

    # the spine chart of the first place, with its table: n and intervals
    page.get_by_role("tab", name="One place against the others").click()
    expect(page).to_have_url(re.compile(r"section=spine"), timeout=120_000)
    wait_for_app(page, timeout_ms=120_000)
    assert_no_exception(page)
    spine = page.locator(".st-key-profile-spine")
    expect(spine).to_be_visible(timeout=120_000)
    expect(spine.locator(".main-svg").first).to_be_visible()
    expect(spine).to_contain_text("England")  # the title names the benchmark
    # every KHI's marker on the drawn chart carries its n and interval for hover (the table is a canvas grid)
    hover = spine.locator(".js-plotly-plot").evaluate("el => el.data[el.data.length - 1].customdata")
    assert len(hover) == len(registry.COMPARED_IDS)
    shown = [h for h in hover if "too few answers" not in h]
    assert shown and all("95% interval" in h and ("n = " in h or "people supported" in h) for h in shown)
    expect(page.get_by_test_id("stMain").get_by_test_id("stDataFrame")).to_have_count(1)  # the spine's table
    expect(page.get_by_test_id("stMain").get_by_test_id("stDataFrame")).to_be_visible()
    # every KHI's title beside its row, none overlapping the next (they did, wrapped on 3-5 lines in 28px rows)
    boxes = spine.locator(".yaxislayer-above .ytick text").evaluate_all(
        "els => els.map(e => { const r = e.getBoundingClientRect(); return [r.top, r.bottom]; })")
    assert len(boxes) == len(registry.COMPARED_IDS)
    boxes.sort()
    assert all(upper[1] <= lower[0] + 1 for upper, lower in zip(boxes, boxes[1:])), boxes
    save_screenshot(page, "profile-spine")


def test_a_cell_opens_its_area_and_khi_and_names_england_as_the_benchmark(page, streamlit_server, sample_store):
    app_url = streamlit_server(script="app.py", env={"KHI_DATA_DIR": str(sample_store)})
    _open(page, f"{app_url}/profile")
    expect(page.locator("table.khi-profile")).to_be_visible(timeout=120_000)
    link = page.locator("table.khi-profile a[href*='metric=lonely_often'][href*='area=E12000002']")
    expect(link).to_have_count(1)
    assert "than England" in link.get_attribute("title") or "to England" in link.get_attribute("title")
    figure = link.locator(".khi-value").inner_text()
    link.click()
    expect(page).to_have_url(re.compile(r"/compare\?.*metric=lonely_often"), timeout=60_000)
    wait_for_app(page, timeout_ms=120_000)
    assert_no_exception(page)
    assert "area=E12000002" in page.url and "year=" in page.url  # the cell's year: the detail shows its figure
    expect(page.get_by_test_id("stSidebar")).to_contain_text("North West")
    main = page.get_by_test_id("stMain")
    expect(main.locator(".khi-chart").first).to_contain_text("North West")
    expect(main.locator(".khi-chart").first).to_contain_text("England")
    labels = main.locator(".js-plotly-plot").first.evaluate("el => el.layout.annotations.map(a => a.text)")
    assert any(t.startswith(f"{figure}  ") for t in labels), (figure, labels)  # the cell's figure, on its row
    save_screenshot(page, "profile-cell-opens-compare")
