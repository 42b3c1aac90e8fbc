"""Issue 5's "Done when", in a real browser: with the keyboard only, open presentation mode for the North West, step
through five KHIs, download the talk as .pptx and PDF, and read both back (python-pptx, pypdf). Issue 16: each slide
says its figure one way with the source and notice on it, and → ← Page Down / Page Up move the slides also after a
sidebar change.
"""

from __future__ import annotations

import re
from urllib.parse import urlencode

import pytest
from playwright.sync_api import expect

from kpi.metrics import api
from kpi.render import slides
from tests.scopes import PUBLIC

from .conftest import DOWNLOAD_TIMEOUT_MS

NORTH_WEST = "E12000002"
FIVE = ["connected_positive", "physical_health_positive", "emotional_health_positive", "friendships_positive",
        "connections_helps"]
SENTENCE = ".khi-slide .khi-sentence"
SYNTHETIC = "Synthetic sample data — not real people"
WARM_UP_MS = 120_000  # the warm-up visit opens the overview, the slowest page: allow for a busy shared machine


def _words(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


@pytest.fixture(scope="module")
def expected(sample_store) -> slides.Deck:
    """What the slides must say: the same deck built straight from kpi (the latest year, the five KHIs)."""
    return slides.build_deck(NORTH_WEST, None, FIVE, scope=PUBLIC, data_dir=sample_store)


def _tab_to(page, label: str, limit: int = 120) -> None:
    """Press Tab until the focused element's text contains `label` (keyboard only: no clicks, no .focus())."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        focused = page.evaluate("() => (document.activeElement && document.activeElement.innerText) || ''")
        if label in focused:
            return
    pytest.fail(f"Tab never reached a control labelled {label!r} in {limit} presses")


def _download(page, label: str, tmp_path):
    _tab_to(page, label)
    with page.expect_download(timeout=DOWNLOAD_TIMEOUT_MS) as info:
        page.keyboard.press("Enter")
    download = info.value
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    return path


def test_keyboard_only_presentation_for_the_north_west(page, streamlit_server, sample_store, expected, tmp_path,
                                                       wait_for_app, assert_no_exception, save_screenshot):
    base = streamlit_server("app.py", env={"KHI_DATA_DIR": str(sample_store)})
    # Streamlit serves the very first session of a fresh server a deep link through the legacy pages/ discovery
    # (app.py and its navigation do not run); from the second session on, st.navigation handles it. The app's
    # pages/ folder is outside this test's scope (reported), so the server is warmed with one visit to its root.
    page.goto(base)
    wait_for_app(page, charts=False, timeout_ms=WARM_UP_MS)

    query = urlencode([("area", NORTH_WEST), *[("khi", k) for k in FIVE]])
    page.goto(f"{base}/presentation?{query}")
    wait_for_app(page, charts=False)
    assert_no_exception(page)
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"North West, {expected.period_label}")

    sentences = []
    for i, s in enumerate(expected.slides):
        expect(page.locator(SENTENCE)).to_have_text(s.sentence)
        expect(page.get_by_text(f"Slide {i + 1} of 5")).to_be_visible()
        slide = page.locator(".khi-slide")
        expect(slide.locator(".khi-figure")).to_have_text(f"{s.figure} {s.unit}".strip())  # "9 in 10 people"
        expect(slide.locator(".khi-picture-text")).to_have_text(s.picture_text)
        if s.people is not None:  # one way of saying it: "9 in 10" beside nine people coloured in
            assert s.figure.split(" in ")[0] == s.picture_text.split(" in ")[0] == str(s.people)
        expect(slide.locator(".khi-detail")).to_have_text(s.detail)
        # The source and the synthetic-data notice on the slide itself, not only in the sidebar.
        expect(slide.locator(".khi-footer")).to_contain_text(f"Source: {slides.SOURCE}. North West")
        expect(slide.locator(".khi-footer")).to_contain_text(SYNTHETIC)
        sentences.append(page.locator(SENTENCE).inner_text())
        if i == 1:
            save_screenshot(page, "presentation-north-west-slide-2")
        if i < 4:
            page.keyboard.press("ArrowRight")  # the Next button's shortcut
    assert len(set(sentences)) == 5, sentences  # the sentence changed at every step
    expect(page).to_have_url(re.compile(r"slide=5"))

    page.keyboard.press("ArrowLeft")  # and back, by the Previous button's shortcut
    expect(page.locator(SENTENCE)).to_have_text(expected.slides[3].sentence)

    pptx_path = _download(page, "PowerPoint", tmp_path)
    pdf_path = _download(page, "PDF", tmp_path)
    assert_no_exception(page)

    from pptx import Presentation

    prs = Presentation(str(pptx_path))
    assert len(prs.slides) == 5
    for s, slide in zip(expected.slides, prs.slides):
        texts = [sh.text_frame.text for sh in slide.shapes if sh.has_text_frame]
        assert s.sentence in texts and s.detail in texts
        assert any(t.startswith(s.figure) for t in texts), (s.figure, texts)
        assert slide.notes_slide.notes_text_frame.text == s.notes  # the technical detail, for the presenter
        footer = [t for t in texts if t.startswith("Source:")]
        assert footer, texts
        for words in (slides.SOURCE, f"North West, {expected.period_label}", "Made ", SYNTHETIC):
            assert words in footer[0]

    from pypdf import PdfReader

    reader = PdfReader(str(pdf_path))
    assert len(reader.pages) > 5  # five slides, then the presenter's notes
    assert _words(reader.pages[5].extract_text()).startswith(slides.NOTES_HEADING)
    for s, pdf_page in zip(expected.slides, reader.pages):
        text = _words(pdf_page.extract_text())
        assert s.sentence in text
        assert f"Source: {slides.SOURCE}. North West, {expected.period_label}. Made " in text
        assert SYNTHETIC in text


def test_presentation_link_with_unknown_parts_is_reported_not_a_traceback(page, streamlit_server, sample_store,
                                                                          wait_for_app, assert_no_exception):
    base = streamlit_server("app.py", env={"KHI_DATA_DIR": str(sample_store)})
    page.goto(base)
    wait_for_app(page, charts=False, timeout_ms=WARM_UP_MS)
    page.goto(f"{base}/presentation?area=NOWHERE&khi=connected_positive&khi=bogus&year=1900-01")
    wait_for_app(page, charts=False)
    assert_no_exception(page)
    expect(page.get_by_text("Part of this link was not recognised")).to_contain_text("area=NOWHERE")
    latest = max(api.years(data_dir=sample_store))
    deck = slides.build_deck(None, latest, ["connected_positive"], scope=PUBLIC, data_dir=sample_store)
    expect(page.locator(SENTENCE)).to_have_text(deck.slides[0].sentence)


def _slide_number(page) -> int:
    text = page.get_by_text(re.compile(r"^Slide \d+ of \d+")).inner_text()
    return int(re.match(r"Slide (\d+)", text).group(1))


def _expect_slide(page, number: int, total: int) -> None:
    expect(page.get_by_text(re.compile(rf"^Slide {number} of {total} "))).to_be_visible()
    expect(page.locator(".khi-slide")).to_have_attribute("aria-label", f"Slide {number} of {total}")


def test_arrows_and_clicker_keys_move_slides_after_a_sidebar_change(page, streamlit_server, sample_store,
                                                                    wait_for_app, assert_no_exception):
    """Issue 16: → / ← still move the slides after the presenter changes a sidebar choice (the focus is left in the
    picker), and a presenter's clicker (PageDown / PageUp) moves them too."""
    base = streamlit_server("app.py", env={"KHI_DATA_DIR": str(sample_store)})
    page.goto(base)  # the warm-up visit (see the first test)
    wait_for_app(page, charts=False, timeout_ms=WARM_UP_MS)
    three = FIVE[:3]
    page.goto(f"{base}/presentation?{urlencode([('khi', k) for k in three])}")
    wait_for_app(page, charts=False)
    _expect_slide(page, 1, 3)
    page.keyboard.press("ArrowRight")
    _expect_slide(page, 2, 3)

    # Change the area the way a presenter does: open the picker, choose with the mouse. The focus stays in it.
    sidebar = page.get_by_test_id("stSidebar")
    sidebar.get_by_role("combobox", name="Nation or region").click()
    page.get_by_role("option", name="North West").click()
    wait_for_app(page, charts=False)
    _expect_slide(page, 1, 3)  # a new talk starts at its first slide
    expect(page.get_by_role("heading", level=1)).to_contain_text("North West")

    for key, number in (("ArrowRight", 2), ("ArrowRight", 3), ("ArrowLeft", 2), ("PageDown", 3), ("PageUp", 2),
                        ("PageUp", 1)):
        page.keyboard.press(key)
        wait_for_app(page, charts=False)
        _expect_slide(page, number, 3)

    # And after a second change (the keys are not lost on a rerun), the period this time.
    sidebar.get_by_role("combobox", name="Period (financial year)").click()
    page.get_by_role("option").nth(1).click()
    wait_for_app(page, charts=False)
    _expect_slide(page, 1, 3)
    page.keyboard.press("PageDown")
    _expect_slide(page, 2, 3)
    page.keyboard.press("ArrowLeft")
    _expect_slide(page, 1, 3)
    assert_no_exception(page)
