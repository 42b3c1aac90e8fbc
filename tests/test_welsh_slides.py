"""Welsh slides, exports and CLI (issue 14): a deck, a CSV and an XLSX made in Welsh say everything in Welsh, the
English words stay out, `kpi table --lang cy` prints what the dashboard's Welsh Download CSV gives, and the
formula-safe guard still holds.

Every expected Welsh string is read through `_()` of its English msgid, so these tests need the Welsh catalogue
filled (`python -m kpi.translations update` then translate the new entries) and fail when a string is left
unwrapped or untranslated (each checks the Welsh differs from the English).
"""

from __future__ import annotations

import contextlib
import csv
import dataclasses
import datetime as dt
import io
import re

import pytest

from kpi import cli, i18n
from kpi.data import spreadsheet
from kpi.data.queries import Filters
from kpi.i18n import _
from kpi.metrics import api, registry
from kpi.render import export, slide_style, slides, slides_pdf, tables
from tests.app_pages import open_page, record_downloads, resolve
from tests.scopes import PUBLIC

NORTH_WEST = "E12000002"
MADE = dt.date(2026, 11, 22)
KHIS = ["connected_positive", "lonely_often", "people_supported", "friends_median"]


def welsh(english: str, **values) -> str:
    """The Welsh of a msgid (filled in), failing when the catalogue has none."""
    with i18n.using("cy"):
        said = _(english)
    assert said != english or english in ("Data", "Metadata"), f"no Welsh for {english!r}"
    return said.format(**values) if values else said


def cy_word(english: str) -> str:
    """The Welsh of a word another part of the code may or may not mark (an area's name): no check that it has one."""
    with i18n.using("cy"):
        return _(english)


@pytest.fixture(scope="module")
def year(sample_store) -> int:
    return max(api.years(data_dir=sample_store))


@pytest.fixture(scope="module")
def decks(sample_store, year) -> dict[str, slides.Deck]:
    out = {}
    for lang in ("en", "cy"):
        with i18n.using(lang):
            out[lang] = slides.build_deck(NORTH_WEST, year, KHIS, scope=PUBLIC, data_dir=sample_store, made=MADE)
    return out


def _pptx_text(data: bytes) -> tuple[str, object]:
    from pptx import Presentation

    prs = Presentation(io.BytesIO(data))
    parts = []
    for slide in prs.slides:
        parts += [sh.text_frame.text for sh in slide.shapes if sh.has_text_frame]
        parts.append(slide.notes_slide.notes_text_frame.text)
    return "\n".join(parts), prs


# --- slides ------------------------------------------------------------------------------------------------------------

def test_a_welsh_deck_remembers_its_language_and_writes_welsh_whatever_the_current_one(decks):
    deck = decks["cy"]
    assert deck.lang == "cy" and decks["en"].lang == "en"
    with i18n.using("en"):  # a download built later, outside the viewer's run, is still Welsh
        title = deck.title
        text, prs = _pptx_text(slides.pptx_bytes(deck))
    assert title == welsh("Key Human Indicators: {place}, {period}", place=deck.place, period=deck.period_label)
    assert prs.core_properties.language == "cy-GB"
    assert prs.core_properties.title == deck.title
    for s in deck.slides:
        assert s.sentence in text and s.title in text


def test_a_welsh_pptx_has_welsh_words_and_no_english_sentence_from_the_catalogue(decks):
    from pptx.enum.lang import MSO_LANGUAGE_ID

    en, cy = decks["en"], decks["cy"]
    text, prs = _pptx_text(slides.pptx_bytes(cy))
    for e, w in zip(en.slides, cy.slides):
        k = registry.get(e.metric_id)
        assert w.sentence != e.sentence and e.sentence not in text  # the registry's sentence, in Welsh
        assert e.title not in text and k.explanation not in text and k.question not in text
        if e.people is not None:
            assert w.picture_text == welsh("{count} in 10 people", count=w.people) and w.picture_text in text
            assert e.picture_text not in text
        if e.detail:
            assert e.detail not in text
        assert e.notes not in text and w.notes in text
    assert en.footer not in text and cy.footer in text
    assert welsh("Source:") in cy.footer
    assert registry.share(90).words not in text  # "About 9 in 10 people" and its kin
    for phrase in ("people answered", "It is very likely", "What it means", "Question asked", "Source:"):
        assert phrase not in text, phrase
    # Every run says it is Welsh, for PowerPoint's spelling checker and read-aloud.
    runs = [r for slide in prs.slides for sh in slide.shapes if sh.has_text_frame
            for p in sh.text_frame.paragraphs for r in p.runs]
    assert runs and all(r.font.language_id == MSO_LANGUAGE_ID.WELSH for r in runs)


def test_a_welsh_unit_and_a_suppressed_slide(decks):
    deck = decks["cy"]
    counted = next(s for s in deck.slides if s.metric_id == "people_supported")
    with i18n.using("cy"):
        unit = i18n.pgettext("unit after a figure", "people")
    assert unit != "people" and counted.unit == unit
    hidden = dataclasses.replace(deck.slides[0], suppressed=True, figure=None, people=None, picture_text="",
                                 detail="")
    text, _prs = _pptx_text(slides.pptx_bytes(dataclasses.replace(deck, slides=(hidden,))))
    assert slide_style.no_figure_words(hidden.title) not in text  # English: made outside the Welsh block
    with i18n.using("cy"):
        assert slide_style.no_figure_words(hidden.title) in text
    assert "Fewer than the minimum number of people answered" not in text


def test_a_welsh_pdf_has_welsh_notes_pages_and_keeps_w_and_y_circumflex(decks):
    from pypdf import PdfReader

    cy = decks["cy"]
    first = dataclasses.replace(cy.slides[0], sentence="Mae pobl hŷn yn gweld eu hŵyr")
    reader = PdfReader(io.BytesIO(slides.pdf_bytes(dataclasses.replace(cy, slides=(first, *cy.slides[1:])))))
    pages = [re.sub(r"\s+", " ", p.extract_text()) for p in reader.pages]
    notes = " ".join(pages[len(cy.slides):])
    assert notes.startswith(welsh(slide_style.NOTES_HEADING))
    assert welsh("Slide {number}: {sentence}", number=2, sentence=cy.slides[1].sentence) in notes
    assert "Notes for the presenter" not in notes and "Slide 2:" not in notes
    if slides_pdf.unicode_font() is not None:  # DejaVu (fontconfig's) on every machine with chromium
        assert "hŷn" in pages[0] and "hŵyr" in pages[0]
    else:
        assert "hyn yn gweld eu hwyr" in pages[0]  # the plain letters, never "?"


def test_the_english_deck_is_unchanged_by_the_welsh_one(decks):
    text, prs = _pptx_text(slides.pptx_bytes(decks["en"]))
    assert prs.core_properties.language == "en-GB"
    assert "Source:" in text and "people answered" in text


def test_cli_slides_in_welsh(sample_store, tmp_path, capsys, year):
    out = tmp_path / "sgwrs.pptx"
    assert cli.main(["slides", "--lang", "cy", "--area", NORTH_WEST, "--period", str(year), "--metrics",
                     "connected_positive,lonely_often", "--out", str(out), "--data", str(sample_store)]) == 0
    printed = capsys.readouterr().out
    with i18n.using("cy"):
        wrote = i18n.ngettext("Wrote {n} slide for {place}, {period}: {files}",
                              "Wrote {n} slides for {place}, {period}: {files}", 2)
    assert "Wrote" not in wrote and printed.startswith(wrote.split("{n}")[0])
    text, prs = _pptx_text(out.read_bytes())
    assert prs.core_properties.language == "cy-GB" and "Source:" not in text
    assert cli.main(["slides", "--lang", "cy", "--area", "XX", "--out", str(out), "--data", str(sample_store)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(welsh("error: {message}", message="")) and "unknown area code" not in err


# --- exports -------------------------------------------------------------------------------------------------------------

def _cli(*argv) -> str:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert cli.main(["table", *argv]) == 0
    return out.getvalue()


def _parts(text: str) -> tuple[dict[str, str], list[str], str]:
    """(metadata field -> value, the table's header, the table's CSV text) of a CSV export."""
    lines = text.split("\n", export.METADATA_LINES)
    rows = list(csv.reader(io.StringIO("\n".join(lines[1:-1]))))
    assert all(r[0].startswith("# ") for r in rows) and "skiprows=" in lines[0]
    return {r[0].removeprefix("# "): r[1] for r in rows}, next(csv.reader(io.StringIO(lines[-1]))), lines[-1]


def test_kpi_table_lang_cy_has_welsh_metadata_headers_and_words(sample_store):
    argv = ("connected_positive", "--by", "region", "--year", "2019", "--data", str(sample_store))
    meta, header, table = _parts(_cli(*argv, "--lang", "cy"))
    en_meta, en_header, _table = _parts(_cli(*argv))
    assert list(meta) == [welsh(f) for f in export.METADATA_FIELDS]
    assert not set(meta) & set(en_meta)
    assert header[:3] == [welsh("Indicator ID"), welsh("Indicator Name"), welsh("Time period")]
    assert welsh("Lower CI {level} limit", level="95.0") in header and "Value" not in header
    assert len(header) == len(en_header)
    assert meta[welsh("Filters")] == welsh("Year: {years}", years="2019-20")
    assert meta[welsh("Figures for")] == welsh("public (protected)")
    assert meta[welsh("Title")] == welsh("{title} by {breakdown}", title=_welsh_title("connected_positive"),
                                         breakdown=welsh("region"))
    rows = list(csv.DictReader(io.StringIO(table)))
    assert {r[welsh("Area Type")] for r in rows} == {welsh("Region"), welsh("Nation")}
    assert {r[welsh("Compared with benchmark")] for r in rows} <= {welsh(w) for w in ("better", "similar", "worse")}
    assert {r[welsh("Unit")] for r in rows} == {"%"} and {r[welsh("Statistic")] for r in rows} == {welsh("percentage")}
    # Numbers are written as in English.
    assert [r[welsh("Value")] for r in rows] == [r["Value"] for r in csv.DictReader(io.StringIO(_table))]


def _number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


def _welsh_title(metric_id: str) -> str:
    with i18n.using("cy"):
        return registry.get(metric_id).title


def test_kpi_table_lang_cy_equals_the_welsh_export_of_the_same_view(sample_store):
    f = Filters(years=(2019,), areas=(NORTH_WEST,))
    printed = _cli("physical_health_positive", "--by", "arrangement", "--year", "2019", "--area", NORTH_WEST,
                   "--data", str(sample_store), "--lang", "cy")
    table = api.khi_table("physical_health_positive", "arrangement", f, scope=PUBLIC, data_dir=sample_store)
    with i18n.using("cy"):
        info = export.ExportInfo(title="", period="2019-20", filters=f)
    assert info.lang == "cy"
    assert _parts(printed)[2] == tables.to_csv(export.frame(table, info))  # byte for byte, the table part
    meta = _parts(printed)[0]
    assert meta[welsh("Filters")] == welsh("Year: {years}", years="2019-20") + "; " + welsh(
        "Nation or region: {areas}", areas=cy_word("North West"))


def test_the_dashboards_welsh_csv_download_is_kpi_table_lang_cy(sample_env, monkeypatch):
    offered = record_downloads(monkeypatch)
    open_page("pages/health.py", area=NORTH_WEST, year="2019-20", lang="cy")
    name = "khi-physical_health_positive-by-arrangement.csv"
    download = next(resolve(data) for _label, file_name, data in offered if file_name == name)  # built on "click",
    # outside the page's run, as Streamlit builds it: still Welsh
    printed = _cli("physical_health_positive", "--by", "arrangement", "--year", "2019", "--area", NORTH_WEST,
                   "--lang", "cy")
    (meta, header, table), (cli_meta, _h, cli_table) = _parts(download), _parts(printed)
    assert table == cli_table and header[0] == welsh("Indicator ID")
    for field in ("Period", "Filters", "Benchmark", "Protection applied", "Figures for", "Columns"):
        assert meta[welsh(field)] == cli_meta[welsh(field)], field


def test_a_welsh_xlsx_has_welsh_sheets_headers_and_stays_formula_safe():
    import openpyxl
    import pandas as pd

    table = pd.DataFrame({"metric_id": ["connected_positive"] * 2, "scheme_name": ["=1+1", "@SUM(A1)"],
                          "scheme_id": ["-2+3", "S1"], "area_code": [NORTH_WEST] * 2, "value": [-1.5, 2.0],
                          "comparison": ["better", "not compared"]})
    with i18n.using("cy"):
        info = export.ExportInfo(title="=HYPERLINK(\"http://x.example\")", period="2023-24")
    book = openpyxl.load_workbook(io.BytesIO(export.xlsx_bytes(table, info)))
    assert book.sheetnames == [welsh("Data"), welsh("Metadata")]
    meta = list(book[welsh("Metadata")].iter_rows(values_only=True))
    assert meta[0] == (welsh("Field"), welsh("Value")) and meta[1][0] == welsh("Title")
    rows = list(book[welsh("Data")].iter_rows(values_only=True))
    header = list(rows[0])
    assert welsh("Area Name") in header and welsh("Compared with benchmark") in header
    assert [r[header.index(welsh("Compared with benchmark"))] for r in rows[1:]] == [welsh("better"),
                                                                                     welsh("not compared")]
    assert [r[header.index(welsh("Value"))] for r in rows[1:]] == [-1.5, 2]  # numbers stay numbers
    cells = [c for sheet in book for row in sheet.iter_rows() for c in row]
    assert not [c.coordinate for c in cells if c.data_type == "f" or
                (isinstance(c.value, str) and c.value.startswith(spreadsheet.FORMULA_STARTS))]
    text = export.csv_text(table, info)
    assert not [c for row in csv.reader(io.StringIO(text)) for c in row
                if c.startswith(spreadsheet.FORMULA_STARTS) and not _number(c)]
    assert "'=1+1" in text and welsh("Key Human Indicators data export") in text


def test_presentation_mode_in_welsh_and_its_downloads(sample_env, monkeypatch):
    offered = record_downloads(monkeypatch)
    at = open_page("pages/presentation.py", lang="cy")
    total = len(registry.HEADLINE_IDS)
    slide = next(el.proto.body for el in at.get("html") if 'class="khi-slide"' in el.proto.body)
    assert f'aria-label="{welsh("Slide {number} of {total}", number=1, total=total)}"' in slide
    assert at.button(key="pres_next").label == welsh("Next") and at.button(key="pres_prev").label == welsh("Previous")
    assert any(m.value.startswith(welsh("Slide {number} of {total} · {place}, {period}", number=1, total=total,
                                        place="", period="").split(" · ")[0]) for m in at.markdown)
    labels = {label: data for label, _name, data in offered}
    assert welsh("Slides as PDF") in labels
    _text, prs = _pptx_text(resolve(labels[welsh("Slides for PowerPoint (.pptx)")]))  # built on click: Welsh still
    assert prs.core_properties.language == "cy-GB"
