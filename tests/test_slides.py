"""Slides (kpi.render.slides), the people picture (kpi.render.people), the shared words (kpi.render.text) and image
export (kpi.render.images): content equals kpi.metrics.api, suppression, footers, the CLI.

The image-export tests need chromium (kaleido draws with it): they carry the `browser` marker and follow the
harness's rule (skip on a developer's machine without chromium, fail under CI=true).
"""

from __future__ import annotations

import datetime as dt
import html
import importlib.util
import io
import json
import os
import re
import shutil
from pathlib import Path

import pytest

from kpi import cli
from kpi.data import schema
from kpi.metrics import api, registry
from kpi.render import charts, images as export, people, slides, text
from kpi.metrics.disclosure import SUPPRESSED_TEXT
from kpi.data.queries import Filters
from tests.scopes import PUBLIC, SCHEMES, Scope, ScopeError

NORTH_WEST = "E12000002"
MADE = dt.date(2026, 11, 22)
FIVE = ["connected_positive", "physical_health_positive", "emotional_health_positive", "friendships_positive",
        "lonely_often"]


def _harness():
    # The browser harness is a conftest, so it is loaded by path (as tests/test_browser_policy.py does).
    path = Path(__file__).resolve().parent / "browser" / "conftest.py"
    spec = importlib.util.spec_from_file_location("khi_browser_harness_slides", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _text(s: str) -> str:
    return re.sub(r"\s+", " ", s).strip()


@pytest.fixture(scope="module")
def year(sample_store) -> int:
    return max(api.years(data_dir=sample_store))


@pytest.fixture(scope="module")
def deck(sample_store, year) -> slides.Deck:
    return slides.build_deck(NORTH_WEST, year, FIVE, scope=PUBLIC, data_dir=sample_store, made=MADE)


@pytest.fixture(scope="module")
def small_scheme(sample_store) -> tuple[str, int]:
    """A (scheme, year) whose feeling-connected figure is suppressed on screen."""
    for y in sorted(api.years(data_dir=sample_store)):
        table = api.khi_table("connected_positive", "scheme", Filters(years=(y,)), data_dir=sample_store, scope=SCHEMES)
        hidden = table[table["suppressed"]]
        if len(hidden):
            return str(hidden["scheme_id"].iloc[0]), y
    pytest.fail("the fixture store has no suppressed scheme-year to test with")


# --- the deck's content ----------------------------------------------------------------------------------------------

def test_deck_figures_equal_khi_table_for_the_area_and_year(deck, sample_store, year):
    assert [s.metric_id for s in deck.slides] == FIVE
    for s in deck.slides:
        row = api.khi_table(s.metric_id, (), Filters(years=(year,), areas=(NORTH_WEST,)),
                            data_dir=sample_store, scope=PUBLIC).iloc[0]
        k = registry.get(s.metric_id)
        assert not s.suppressed and not row["suppressed"]
        assert s.value == pytest.approx(float(row["value"]))
        shown = registry.format_value(k, float(row["value"]))  # "87%": in the words under the figure
        assert s.figure == registry.share(float(row["value"])).figure and s.unit == "people"  # "9 in 10"
        assert f"The figure is {shown}." in s.detail
        assert s.n == pytest.approx(float(row["denominator"]))
        assert (s.lower, s.upper) == (pytest.approx(float(row["lower"])), pytest.approx(float(row["upper"])))
        assert s.sentence == registry.sentence(k, float(row["value"]))
        assert s.people == people.count(float(row["value"]))
        assert s.picture_text == f"{s.people} in 10 people"


def test_deck_names_place_and_period(deck, year):
    assert deck.place == "North West"
    assert deck.period_label == schema.fy_label(year)


def test_default_period_is_the_latest_year_with_answers(sample_store, year):
    d = slides.build_deck(None, None, ["connected_positive"], scope=PUBLIC, data_dir=sample_store)
    assert d.period == year and d.place == "the UK"


def test_footer_has_source_place_period_date_and_synthetic_notice(deck, year):
    assert deck.synthetic
    assert deck.footer == (f"Source: Shared Lives Plus outcomes tool. North West, {schema.fy_label(year)}. "
                           "Made 22 November 2026. Figures are slightly adjusted to protect people's privacy. "
                           "Synthetic sample data — not real people.")


def test_deck_from_a_real_store_has_no_synthetic_notice(sample_store, year, tmp_path):
    # The notice follows the store's manifest, so real data is never labelled made up (nor the reverse).
    real = tmp_path / "real"
    shutil.copytree(sample_store, real)
    manifest = json.loads((real / "manifest.json").read_text(encoding="utf-8"))
    (real / "manifest.json").write_text(json.dumps(manifest | {"synthetic": False}), encoding="utf-8")
    d = slides.build_deck(NORTH_WEST, year, ["connected_positive"], scope=PUBLIC, data_dir=real, made=MADE)
    assert not d.synthetic
    assert d.footer == (f"Source: Shared Lives Plus outcomes tool. North West, {d.period_label}. Made 22 November 2026. "
                        "Figures are slightly adjusted to protect people's privacy.")


def test_dashboard_footer_has_period_date_details_and_notice():
    # The dashboard's form: no place, the n and interval level between the date and the notice; day not zero-padded.
    made = dt.date(2026, 3, 2)
    details = ["n = 1,234 answers", "", "95% confidence intervals"]
    assert text.footer_text("2019-20", made, True, details=details) == (
        "Source: Shared Lives Plus outcomes tool, 2019-20. Made 2 March 2026. n = 1,234 answers. "
        "95% confidence intervals. Synthetic sample data — not real people.")
    assert text.footer_text("2019-20", made, False) == (
        "Source: Shared Lives Plus outcomes tool, 2019-20. Made 2 March 2026.")


@pytest.mark.parametrize("x, expected", [(3, 3.0), ("4.5", 4.5), (None, None), (float("nan"), None), ("n/a", None),
                                         (object(), None)])
def test_number_is_a_float_or_none(x, expected):
    assert text.number(x) == expected


def test_figure_and_interval_words():
    assert text.figure_text("connected_positive", 87.4) == "87%"
    assert text.figure_text("connected_positive", float("nan")) == "–"
    assert text.figure_text(None, 1234.56) == "1,234.6"  # no KHI known: one decimal
    assert text.interval_text("connected_positive", 85.2, 91.7) == "85% to 92%"
    assert text.interval_text("connected_positive", None, 91.7) == ""


# From the percentage as shown (14.99 is shown "15%", so 2 in 10), halves up; under 9.5% a share is said out of 100
# ("About 5 in 100 people"), which ten people cannot show: no one coloured in (and the slide has no picture).
@pytest.mark.parametrize("pct, k", [(0, 0), (4.9, 0), (5, 0), (9.4, 0), (9.5, 1), (14.4, 1), (14.99, 2), (15, 2),
                                    (50, 5), (86.5, 9), (94.4, 9), (94.9, 10), (95, 10), (100, 10), (-3, 0),
                                    (120, 10)])
def test_people_count_rounds_to_the_nearest_whole_person(pct, k):
    assert people.count(pct) == k


_SAID = re.compile(r"^(?:(About|Nearly|More than) (\d+) in (10|100) people|(Fewer than) 1 in (10|100) people|"
                   r"(Nearly everyone|Everyone|Nobody))$")


def test_share_words_figure_picture_and_percentage_agree():
    """The one rule (registry.share), checked against the percentage as shown, 0% to 100% in steps of 0.05 — never
    "About 9 in 10" beside 87%, never "9 in 10" beside eight people coloured in."""
    for pct in [x / 20 for x in range(0, 2001)]:
        _check_share(pct)


def _check_share(pct: float) -> None:
    said = registry.share(pct)
    k = registry.get("connected_positive")
    assert said.percent == registry.format_value(k, pct)
    shown = float(said.percent.rstrip("%"))
    m = _SAID.match(said.words)
    assert m, said.words
    if m.group(6):  # everyone / nobody
        assert said.out_of == 10 and said.figure == f"{said.count} in 10"
        assert said.count == {"Everyone": 10, "Nearly everyone": 10, "Nobody": 0}[m.group(6)]
        assert (shown == 100) if m.group(6) == "Everyone" else (shown == 0) if m.group(6) == "Nobody" else (
            95 <= shown <= 100 and pct < 100)
    elif m.group(4):  # fewer than 1 in 100
        assert said.out_of == 100 and said.count == 0 and 0 < shown < 0.5
    else:
        qualifier, count, out_of = m.group(1), int(m.group(2)), int(m.group(3))
        assert (count, out_of) == (said.count, said.out_of) and said.figure == f"{count} in {out_of}"
        exact = shown * out_of / 100
        assert abs(exact - count) <= 0.5  # the nearest whole person
        assert {"About": exact == count, "Nearly": exact < count, "More than": exact > count}[qualifier], said
        assert (out_of == 10) == (shown >= 9.5)
    # The picture colours in the same number (and is drawn only out of 10).
    assert people.count(pct) == (said.count if said.out_of == 10 else 0)


@pytest.mark.parametrize("k", [0, 1, 9, 10])
def test_svg_colours_exactly_k_people_from_the_left(k):
    svg = people.svg(k)
    assert svg.startswith('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 500 100">')
    heads = re.findall(r'<circle cx="([0-9.]+)"[^>]* fill="([^"]+)"', svg)
    bodies = re.findall(r'<rect [^>]*fill="([^"]+)"', svg)
    assert [fill for _, fill in heads] == bodies == [people.ON] * k + [people.OFF] * (10 - k)
    assert [float(x) for x, _ in heads] == [25 + 50 * i for i in range(10)]


def test_chart_pictogram_colours_k_people_in_the_shared_geometry():
    fig = charts.people_pictogram(86.5)
    fills = [sh.fillcolor for sh in fig.layout.shapes]
    assert fills.count(people.ON) == 2 * 9 and fills.count(people.OFF) == 2
    heads = [sh for sh in fig.layout.shapes if sh.type == "circle"]
    for head, (box, _) in zip(heads, people.boxes(0, 0, 10)):
        assert (head.x0, head.x1) == (pytest.approx(box.x), pytest.approx(box.x + box.w))


def test_suppressed_slide_has_no_number_and_no_picture(sample_store, small_scheme):
    scheme, y = small_scheme
    d = slides.build_deck(None, y, ["connected_positive"], scope=SCHEMES, data_dir=sample_store, scheme=scheme,
                          made=MADE)
    s = d.slides[0]
    assert s.suppressed and s.figure is None and s.value is None and s.n is None and s.people is None
    assert SUPPRESSED_TEXT in s.sentence and not re.search(r"\d", s.sentence)
    assert s.picture_text == "" and s.detail == ""

    from pptx import Presentation

    prs = Presentation(io.BytesIO(slides.pptx_bytes(d)))
    shapes = list(prs.slides[0].shapes)
    body = " ".join(sh.text_frame.text for sh in shapes if sh.has_text_frame and sh.name != "Footer")
    assert SUPPRESSED_TEXT in body.lower()
    assert not re.search(r"\d", body), body  # no figure, no n, no interval anywhere but the footer
    assert not [sh for sh in shapes if sh.shape_type is not None and sh.name.startswith("Picture")]

    from pypdf import PdfReader

    text = _text(PdfReader(io.BytesIO(slides.pdf_bytes(d))).pages[0].extract_text())
    assert SUPPRESSED_TEXT in text.lower()
    assert not re.search(r"\d", text.split("Source:")[0]), text
    assert "in 10 people" not in text


# --- PowerPoint and PDF ------------------------------------------------------------------------------------------------

def test_pptx_has_one_16_9_slide_per_khi_with_sentence_figure_picture_and_footer(deck, tmp_path):
    from pptx import Presentation
    from pptx.enum.shapes import MSO_SHAPE
    from pptx.util import Inches, Pt

    path = slides.write_pptx(deck, tmp_path / "talk.pptx")
    prs = Presentation(str(path))
    assert len(prs.slides) == len(FIVE)
    assert round(prs.slide_width / prs.slide_height, 3) == round(16 / 9, 3)
    for s, slide in zip(deck.slides, prs.slides):
        assert slide.shapes.title.text_frame.text == s.sentence  # the sentence is the slide title
        assert all(r.font.size >= Pt(28) for p in slide.shapes.title.text_frame.paragraphs for r in p.runs)
        named = {sh.name: sh for sh in slide.shapes}
        figure_runs = named["Figure"].text_frame.paragraphs[0].runs
        assert figure_runs[0].text == s.figure and figure_runs[0].font.size >= Pt(60)
        assert named["Picture in words"].text_frame.text == s.picture_text
        persons = list(named["Picture: ten people"].shapes)
        assert len(persons) == 20  # a head and a body for each of 10 people
        coloured = sum(1 for sh in persons if str(sh.fill.fore_color.rgb) == "0072B2")
        assert coloured == 2 * s.people
        # Drawn from the shared geometry (kpi.render.people), as the screen's SVG is.
        heads = [sh for sh in persons if sh.auto_shape_type == MSO_SHAPE.OVAL]
        expected = people.boxes(slides.PICTURE_LEFT_IN, slides.PICTURE_TOP_IN, slides.PICTURE_W_IN)
        assert [round(sh.left / Inches(1), 3) for sh in heads] == [round(h.x, 3) for h, _ in expected]
        assert s.picture_text in named["Picture: ten people"]._element.nvGrpSpPr.cNvPr.get("descr")
        # The plain words on the slide, the technical detail in the speaker notes.
        assert named["Detail"].text_frame.text == s.detail
        assert f"{s.n:,.0f} people answered." in s.detail and "It is very likely between" in s.detail
        assert "confidence" not in s.detail and "(n)" not in s.detail
        notes = slide.notes_slide.notes_text_frame.text
        assert notes == s.notes
        assert f"n = {s.n:,.0f} answers" in notes and "95% confidence interval" in notes
        assert registry.method_name(registry.get(s.metric_id).kind) in notes
        assert f"Said as “{registry.share(s.value).words}”" in notes and SUPPRESSED_TEXT in notes
        assert named["Footer"].text_frame.text == deck.footer


def test_pdf_has_the_same_sentences_figures_and_footer_per_page(deck, tmp_path):
    from pypdf import PdfReader

    reader = PdfReader(str(slides.write_pdf(deck, tmp_path / "talk.pdf")))
    assert len(reader.pages) > len(FIVE)  # the slides, then the presenter's notes
    for s, page in zip(deck.slides, reader.pages):
        text = _text(page.extract_text())
        assert s.sentence in text
        assert s.figure in text and s.picture_text in text and s.detail in text
        assert "confidence" not in text  # the technical words are in the notes
        assert deck.footer in text
        box = page.mediabox
        assert round(float(box.width) / float(box.height), 3) == round(16 / 9, 3)
    notes = _text(" ".join(page.extract_text() for page in reader.pages[len(FIVE):]))
    assert notes.startswith(slides.NOTES_HEADING)
    for number, s in enumerate(deck.slides, start=1):
        assert f"Slide {number}: {s.sentence}" in notes
        assert _text(s.notes) in notes  # the PowerPoint's speaker notes, word for word


# --- errors and the command line -------------------------------------------------------------------------------------

@pytest.mark.parametrize("kwargs, message", [
    (dict(area="E99999999"), r"unknown area code 'E99999999'; use one of E12000001"),
    (dict(metric_ids=["connected_positive", "nope"]), r"unknown KHI id\(s\) 'nope'"),
    (dict(metric_ids=[]), r"choose at least one KHI"),
    (dict(period=1990), r"no answers for 1990-91; years with answers: "),
    (dict(scheme="no-such-scheme"), r"unknown scheme 'no-such-scheme'"),
])
def test_build_deck_errors_say_what_is_wrong(sample_store, kwargs, message):
    args = dict(area=NORTH_WEST, period=None, metric_ids=["connected_positive"]) | kwargs
    with pytest.raises(slides.DeckError, match=message):
        slides.build_deck(args.pop("area"), args.pop("period"), args.pop("metric_ids"), data_dir=sample_store,
                          scope=Scope.analyst(), **args)


@pytest.mark.parametrize("scope", [PUBLIC, Scope.hub(NORTH_WEST), Scope.scheme_manager("no-such-scheme")],
                         ids=["public", "hub", "scheme-manager"])
def test_a_scheme_deck_outside_the_scope_is_not_available(sample_store, scope):
    """Someone else's scheme, or none at all: the same answer, so a deck says nothing about other schemes."""
    other = api.scheme_list(scope=Scope.analyst(), data_dir=sample_store)
    other = str(other.loc[other["area_code"] != NORTH_WEST, "scheme_id"].iloc[0])
    for scheme in (other, "no-such-scheme"):
        with pytest.raises(ScopeError, match="not available to you"):
            slides.build_deck(None, None, ["connected_positive"], scope=scope, data_dir=sample_store, scheme=scheme)


def test_cli_writes_pptx_and_pdf_with_the_headline_khis_by_default(sample_store, tmp_path, capsys, year):
    out, pdf = tmp_path / "talk.pptx", tmp_path / "talk.pdf"
    code = cli.main(["slides", "--area", NORTH_WEST, "--period", str(year), "--out", str(out), "--pdf", str(pdf),
                     "--data", str(sample_store)])
    assert code == 0
    from pptx import Presentation

    assert len(Presentation(str(out)).slides) == len(registry.HEADLINE_IDS)
    assert pdf.read_bytes()[:5] == b"%PDF-"
    assert f"Wrote {len(registry.HEADLINE_IDS)} slides for North West" in capsys.readouterr().out


@pytest.mark.parametrize("argv, message", [
    (["--area", "XX"], "error: unknown area code 'XX'"),
    (["--area", NORTH_WEST, "--metrics", "connected_positive,bogus"], "error: unknown KHI id(s) 'bogus'"),
    (["--area", NORTH_WEST, "--period", "1990"], "error: no answers for 1990-91"),
])
def test_cli_rejects_unknown_area_metric_or_period_with_exit_2(sample_store, tmp_path, capsys, argv, message):
    out = tmp_path / "talk.pptx"
    code = cli.main(["slides", *argv, "--out", str(out), "--data", str(sample_store)])
    assert code == 2
    assert message in capsys.readouterr().err
    assert not out.exists()


# --- image export --------------------------------------------------------------------------------------------------

def test_export_refuses_an_image_without_a_footer():
    with pytest.raises(ValueError, match="must carry its source, period, date made"):
        export.figure_png(charts.people_pictogram(87))


@pytest.fixture
def chromium():
    path = export.chromium_path()
    if not (os.path.isfile(path) and os.access(path, os.X_OK)):
        _harness().browser_unavailable(f"kaleido needs chromium, not found at {path}")
    return path


@pytest.mark.browser
def test_png_and_svg_exports_are_valid_images_with_the_footer(deck, chromium):
    fig = charts.people_pictogram(deck.slides[0].value, title=deck.slides[0].sentence)
    png = export.figure_png(fig, deck.footer)
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 5_000
    svg = export.figure_svg(fig, deck.footer).decode("utf-8")
    assert svg.lstrip().startswith("<svg") and svg.rstrip().endswith("</svg>")
    words_in_svg = _text(html.unescape(re.sub(r"<[^>]+>", " ", svg)))  # the footer may be wrapped over lines
    for words in ("Source: Shared Lives Plus outcomes tool", "North West", deck.period_label, "Made 22 November 2026",
                  "Synthetic sample data — not real people"):
        assert words in words_in_svg
    assert "font-family" in svg  # the chart font survived (an invalid family list would drop it: serif text)
    assert len(fig.layout.annotations) == 0  # the caller's figure is not changed


@pytest.mark.browser
def test_export_draws_per_call_when_the_server_cannot_start(chromium, monkeypatch):
    monkeypatch.setattr(export, "_server_ok", False)
    svg = export.figure_svg(charts.people_pictogram(50), "Source: test footer.").decode("utf-8")
    assert "Source: test footer." in svg


def _ink_box(png: bytes) -> tuple[int, int, int, int, int, int]:
    """(width, height, left, top, right, bottom) of everything drawn that is not the white background."""
    from PIL import Image, ImageChops

    image = Image.open(io.BytesIO(png)).convert("RGB")
    box = ImageChops.difference(image, Image.new("RGB", image.size, "white")).point(lambda v: 255 if v > 40 else 0)
    return (*image.size, *box.getbbox())


@pytest.mark.browser
def test_a_long_footer_wraps_within_the_image_instead_of_being_cut(deck, chromium):
    """Issue 16: a footer far wider than the image is wrapped to its width, and the image grows to hold its lines."""
    long_footer = " ".join([deck.footer] * 3)  # about 600 characters
    fig = charts.people_pictogram(deck.slides[0].value, title=deck.slides[0].sentence)
    width = 600
    png = export.figure_png(fig, long_footer, width=width, scale=1)
    w, h, left, top, right, bottom = _ink_box(png)
    assert w == width and h > fig.layout.height  # taller by the footer's lines: the picture keeps its size
    # Nothing touches the right or bottom edge: no line runs off the image.
    assert right <= w - 4 and bottom <= h - 4, (w, h, right, bottom)

    svg = export.figure_svg(fig, long_footer, width=width).decode("utf-8")
    lines = [html.unescape(re.sub(r"<[^>]+>", "", t)) for t in
             re.findall(r'<tspan class="line"[^>]*>(.*?)</tspan>', svg)]
    footer_lines = lines[lines.index(next(t for t in lines if t.startswith("Source:"))):]
    assert len(footer_lines) >= 6  # wrapped, not one long line
    assert _text(" ".join(footer_lines)) == _text(long_footer)  # every word kept, in order
    ys = [float(y) for y in re.findall(r'<svg[^>]* height="([0-9.]+)"', svg)[:1]]
    assert ys and ys[0] == h


@pytest.mark.parametrize("value, figure, words", [(3.0, "3 in 100", "About 3 in 100 people"),
                                                  (0.3, "Fewer than 1 in 100", "Fewer than 1 in 100 people")])
def test_a_small_share_is_said_out_of_100_without_a_picture_of_ten(value, figure, words):
    """Ten people cannot show 3 in 100: the slide says it in words and numerals, and draws no picture."""
    k = registry.get("lonely_often")
    s = slides._slide(k, {"value": value, "lower": value / 2, "upper": value * 2, "denominator": 500.0}, ())
    assert s.figure == figure and s.unit == "people" and s.people is None and s.picture_text == ""
    assert s.sentence.startswith(words) and f"The figure is {registry.format_value(k, value)}." in s.detail
    d = slides.Deck(place="the UK", area=None, scheme=None, period=2024, period_label="2024-25", made=MADE,
                    synthetic=True, slides=(s,))
    from pptx import Presentation

    slide = Presentation(io.BytesIO(slides.pptx_bytes(d))).slides[0]
    named = {sh.name: sh for sh in slide.shapes}
    assert named["Figure"].text_frame.text == f"{figure} people" and "Picture: ten people" not in named
    from pypdf import PdfReader

    assert figure in _text(PdfReader(io.BytesIO(slides.pdf_bytes(d))).pages[0].extract_text())
