"""The slides as a PDF (fpdf2): one 16:9 page per KHI, the same content as the PowerPoint (kpi.render.slides), then
the speaker notes on pages of their own. Helvetica for English (no font file needed anywhere); Welsh needs ŵ and ŷ,
which Helvetica's Windows-1252 lacks, so a Welsh deck is set in DejaVu Sans (Debian's fonts-dejavu-core, which
fontconfig and so chromium bring; KHI_PDF_FONT points at another regular TTF, with "-Bold" beside it). Without one,
the Welsh letters fall back to their plain vowels rather than "?".
"""

from __future__ import annotations

import os
from pathlib import Path

from kpi import i18n
from kpi.i18n import _
from kpi.render import people
from kpi.render.slide_style import (ACCENT, DETAIL_PT, FOOTER_PT, INK, MUTED, NOTES_HEADING, PERSON_OFF,
                                    PERSON_OFF_EDGE, PERSON_ON, PICTURE_LEFT_IN, PICTURE_TEXT_PT, PICTURE_TOP_IN,
                                    PICTURE_W_IN, SENTENCE_PT, SLIDE_H_IN, SLIDE_W_IN, SUPPRESSED_PT, below_picture,
                                    figure_pt, language_tag, no_figure_words, notes_heading)
from kpi.render.text import capitalised
from kpi.metrics.disclosure import SUPPRESSED_TEXT

__all__ = ["pdf_bytes", "write_pdf", "unicode_font"]

FONT_PATHS = ("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
              "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf")
_PLAIN = {"ŵ": "w", "Ŵ": "W", "ŷ": "y", "Ŷ": "Y", "ẁ": "w", "ẃ": "w", "ẅ": "w", "ỳ": "y", "ẏ": "y"}


def unicode_font() -> tuple[Path, Path] | None:
    """(regular, bold) TTF files for text outside Windows-1252, or None when the machine has none."""
    for raw in (os.environ.get("KHI_PDF_FONT"), *FONT_PATHS):
        if not raw:
            continue
        regular = Path(raw)
        bold = regular.with_name(regular.stem.replace("-Regular", "") + "-Bold" + regular.suffix)
        if regular.is_file() and bold.is_file():
            return regular, bold
    return None


def _pdf_text(text: str) -> str:
    """Core PDF fonts cover Windows-1252 only; anything outside it becomes its nearest plain character."""
    swaps = {"−": "-", "≥": ">=", "≤": "<=", **_PLAIN}
    text = "".join(swaps.get(ch, ch) for ch in text)
    return text.encode("cp1252", errors="replace").decode("cp1252")


def pdf_bytes(deck) -> bytes:
    """The same content as the PowerPoint, one 16:9 page per KHI, then the speaker notes on pages of their own, in
    the deck's language."""
    with i18n.using(deck.lang):
        return _pdf_bytes(deck)


def _pdf_bytes(deck) -> bytes:
    from fpdf import FPDF

    pdf = FPDF(orientation="L", unit="pt", format=(SLIDE_H_IN * 72, SLIDE_W_IN * 72))
    font, clean = "Helvetica", _pdf_text
    ttf = unicode_font() if deck.lang != i18n.DEFAULT else None
    if ttf is not None:  # every character as it is (the English deck keeps Helvetica, exactly as it was)
        font, clean = "KHI Sans", (lambda text: text)
        pdf.add_font(font, "", str(ttf[0]))
        pdf.add_font(font, "B", str(ttf[1]))
    else:
        # Windows-1252, not latin-1: so the em dash in the synthetic notice and curly quotes print as they are.
        pdf.core_fonts_encoding = "windows-1252"
    pdf.set_auto_page_break(False)
    pdf.set_margins(43, 29, 43)
    pdf.set_title(clean(deck.title))
    pdf.set_subject(clean(deck.footer))
    pdf.set_lang(language_tag())
    pdf.set_creator("KHI dashboard (python -m kpi slides)")
    width = SLIDE_W_IN * 72 - 86

    def write(x, y, w, text, size, *, bold=False, colour=INK, line=1.18):
        pdf.set_xy(x, y)
        pdf.set_font(font, "B" if bold else "", size)
        pdf.set_text_color(*colour)
        pdf.multi_cell(w, size * line, clean(text), align="L")
        return pdf.get_y()

    for s in deck.slides:
        pdf.add_page()
        write(43, 29, width, s.sentence, SENTENCE_PT, bold=True)
        if s.suppressed:
            write(43, 195, width, capitalised(_(SUPPRESSED_TEXT)), SUPPRESSED_PT, bold=True, colour=MUTED)
            write(43, 270, width, no_figure_words(s.title), DETAIL_PT, colour=MUTED)
        else:
            size = figure_pt(s.figure)
            write(43, 175, 400 if s.people is not None else width, s.figure, size, bold=True, colour=ACCENT,
                  line=1.05)
            if s.unit:
                pdf.set_font(font, "B", size)
                unit_x = 43 + pdf.get_string_width(clean(s.figure)) + 12
                write(unit_x, 175 + size * 0.62, width - unit_x, s.unit, PICTURE_TEXT_PT, bold=True)
            y = write(43, 292, 400, s.title, DETAIL_PT, bold=True)
            write(43, y + 8, 400, s.detail, DETAIL_PT)
            if s.people is not None:
                pdf.set_line_width(1)
                pdf.set_draw_color(*PERSON_OFF_EDGE)
                corner = people.corner(PICTURE_W_IN) * 72
                for i, (head, body) in enumerate(people.boxes(PICTURE_LEFT_IN, PICTURE_TOP_IN, PICTURE_W_IN)):
                    on = i < s.people
                    pdf.set_fill_color(*(PERSON_ON if on else PERSON_OFF))
                    fill = "F" if on else "DF"
                    x, y0, w, h = (v * 72 for v in head)
                    pdf.ellipse(x, y0, w, h, style=fill)
                    x, y0, w, h = (v * 72 for v in body)
                    pdf.rect(x, y0, w, h, style=fill, round_corners=True, corner_radius=corner)
                write(PICTURE_LEFT_IN * 72, below_picture() * 72, PICTURE_W_IN * 72, s.picture_text,
                      PICTURE_TEXT_PT, bold=True)
        write(43, 6.8 * 72, width, deck.footer, FOOTER_PT, colour=MUTED)
    # A PDF has no speaker notes: the presenter's notes (the PowerPoint's notes, word for word) follow the slides.
    pdf.add_page()
    pdf.set_auto_page_break(True, margin=43)
    y = write(43, 29, width, _(NOTES_HEADING), SENTENCE_PT, bold=True)
    for i, s in enumerate(deck.slides, start=1):
        y = write(43, y + 14, width, notes_heading(i, s.sentence), DETAIL_PT, bold=True)
        y = write(43, y + 4, width, s.notes, FOOTER_PT + 2)
    write(43, pdf.get_y() + 14, width, deck.footer, FOOTER_PT, colour=MUTED)
    return bytes(pdf.output())


def write_pdf(deck, path: str | Path) -> Path:
    path = Path(path)
    path.write_bytes(pdf_bytes(deck))
    return path
