"""Slides for ambassadors: one KHI per slide, as PowerPoint (python-pptx) and PDF (fpdf2). No Streamlit here.

`build_deck` computes every figure through `kpi.metrics.api.khi_table` with the viewer's scope, so a slide hides exactly
what the screen hides ("too few answers to show": no number, no picture). The slide says each figure one way (Easy
Read, `kpi.metrics.registry.share`): the sentence "Nearly 9 in 10 people ...", the big figure "9 in 10", nine of ten
people coloured in, then plain words ("895 people answered. The figure is 87%. It is very likely between 85% and
90%."). `write_pptx` and `write_pdf` draw exactly what the screen (ui.presentation) draws, with a footer carrying the
source, place, period, date made and the synthetic-data notice when the store is synthetic; the technical detail
(n, interval and method, the rounding, disclosure) is in the speaker notes (PowerPoint) or the notes pages at the end
(PDF).

Command line (`python -m kpi slides`, in kpi.commands):
    python -m kpi slides --area E12000002 --period 2019 --out talk.pptx --pdf talk.pdf

The command makes the public slides; a scheme's slides need `--exact` (an analyst's scope, for the national team on the
server, inside the trust boundary).

A deck is built in the current language (`kpi.i18n`; `--lang cy` on the command line) and remembers it: its
PowerPoint and PDF are written in that language whenever they are asked for, tagged cy-GB or en-GB. The look and the
fixed words are in kpi.render.slide_style, the PDF writer in kpi.render.slides_pdf.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

from kpi import i18n
from kpi.i18n import N_, _
from kpi.metrics import api, registry
from kpi.metrics.scope import Scope, ScopeError
from kpi.data import paths, schema, store
from kpi.metrics.disclosure import PROTECTION_NOTE, SUPPRESSED_TEXT
from kpi.data.queries import Filters
from kpi.render import people
from kpi.render.slide_style import (ACCENT, DETAIL_PT, FOOTER_PT, INK, MUTED, NOTES_HEADING, PERSON_OFF,
                                    PERSON_OFF_EDGE, PERSON_ON, PICTURE_LEFT_IN, PICTURE_TEXT_PT, PICTURE_TOP_IN,
                                    PICTURE_W_IN, SENTENCE_PT, SLIDE_H_IN, SLIDE_W_IN, SUPPRESSED_PT, below_picture,
                                    figure_pt, language_tag, no_figure_words, picture_alt, picture_words, unit_words)
from kpi.render.slides_pdf import pdf_bytes, write_pdf
from kpi.render.text import SOURCE, capitalised, compared_words, footer_text, number, slide_detail, speaker_notes

__all__ = ["SOURCE", "Slide", "Deck", "DeckError", "build_deck", "write_pptx", "write_pdf", "pptx_bytes",
           "pdf_bytes", "NOTES_HEADING", "PICTURE_LEFT_IN", "PICTURE_TOP_IN", "PICTURE_W_IN"]

_UK = N_("the UK")  # the place of a deck for the whole UK


class DeckError(ValueError):
    """A deck cannot be made as asked (unknown area, scheme, KHI or period); the message says which and why."""


@dataclass(frozen=True)
class Slide:
    metric_id: str
    title: str
    sentence: str
    figure: str | None  # the big figure: "9 in 10" for a share of people (registry.share), else e.g. "+930"; None
    # when suppressed
    unit: str  # words after the figure ("people", "friends"); "" for a percentage
    value: float | None
    lower: float | None
    upper: float | None
    n: float | None  # answers behind the figure (publicly rounded); None for counts of people or when suppressed
    suppressed: bool
    people: int | None  # how many of 10 people to colour in; None: no picture
    picture_text: str  # the picture in words, "9 in 10 people"; "" when there is no picture
    detail: str  # plain words under the figure: "895 people answered. The figure is 87%. It is very likely ..."
    notes: str  # the speaker notes: meaning, question, n, interval and method, the rounding, disclosure
    explanation: str
    question: str


@dataclass(frozen=True)
class Deck:
    place: str  # "North West", "the UK" or a scheme's name
    area: str | None
    scheme: str | None
    period: int
    period_label: str
    made: dt.date
    synthetic: bool
    slides: tuple[Slide, ...] = field(default_factory=tuple)
    version_note: str = ""  # which version of the figures, e.g. "Published figures: version 7 of 2 May 2026"
    lang: str = i18n.DEFAULT  # the language its words are in: its footer, title and files are written in it too

    @property
    def footer(self) -> str:
        with i18n.using(self.lang):
            return footer_text(self.period_label, self.made, self.synthetic, place=self.place,
                               details=[_(PROTECTION_NOTE), self.version_note])

    @property
    def title(self) -> str:
        with i18n.using(self.lang):
            return _("Key Human Indicators: {place}, {period}").format(place=self.place, period=self.period_label)


# ---------------------------------------------------------------------------------------------------------------
# Building the deck


def _slide(k: registry.KHI, row: dict, programmes: tuple[str, ...]) -> Slide:
    suppressed = bool(row.get("suppressed", False))
    value = None if suppressed else number(row.get("value"))
    suppressed = suppressed or value is None  # no answers at all reads the same as too few
    lower = None if suppressed else number(row.get("lower"))
    upper = None if suppressed else number(row.get("upper"))
    n = None if suppressed or k.table == "people_supported" else number(row.get("denominator"))
    # A share of people is said one way everywhere (registry.share): "Nearly 9 in 10 people", big figure "9 in 10",
    # nine people coloured in; the percentage goes in the words under it.
    said = registry.share(value) if not suppressed and k.share_of_people else None
    count = said.count if said is not None and said.pictured else None
    if said is not None:
        figure, unit = said.figure, unit_words("people")
    else:
        figure = None if suppressed else registry.format_value(k, value)
        unit = unit_words(k.unit)
    return Slide(
        metric_id=k.id, title=k.title,
        sentence=registry.sentence(k, None if suppressed else value, programmes=programmes),
        figure=figure, unit=unit,
        value=value, lower=lower, upper=upper, n=n, suppressed=suppressed, people=count,
        picture_text="" if count is None else picture_words(count),
        detail="" if suppressed else " ".join(p for p in (slide_detail(k, said, n, lower, upper),
                                                          compared_words(k, row)) if p),
        notes=speaker_notes(k, said, value, n, lower, upper),
        explanation=k.explanation, question=k.question,
    )


def _scheme_row(scheme: str, scope: Scope, con, data_dir) -> dict:
    schemes = api.scheme_list(scope=scope, con=con, data_dir=data_dir)
    match = schemes[schemes["scheme_id"].astype(str) == str(scheme)]
    if match.empty and not scope.exact_everywhere:
        raise ScopeError()  # not theirs, or no such scheme: the same answer, so nothing is learnt about others
    if match.empty:
        raise DeckError(_("unknown scheme {scheme}; the store has {n} schemes (their ids are in the scheme picker and "
                          "`python -m kpi table people_supported --by scheme`)").format(scheme=repr(scheme),
                                                                                        n=len(schemes)))
    return match.iloc[0].to_dict()


def build_deck(area: str | None, period: int | None, metric_ids: Sequence[str], *, scope: Scope, data_dir=None,
               con=None, scheme: str | None = None, made: dt.date | None = None, version_note: str = "") -> Deck:
    """One slide per KHI for an area (GSS code; None = the whole UK) or a scheme, for one financial year.

    period: the financial year by its starting year (2019 = 2019-20); None = the latest year with answers.
    Every figure is `kpi.metrics.api.khi_table(metric_id, (), filters, scope=scope)`: what the screen shows that
    viewer, exactly. A scheme outside the scope raises ScopeError (a ValueError).
    """
    if area is not None and area not in schema.AREAS:
        examples = ", ".join(f"{c} {_(n)}" for c, n in list(schema.AREAS.items())[:2])
        raise DeckError(_("unknown area code {area}; use one of {codes} ({examples}, ...)").format(
            area=repr(area), codes=", ".join(schema.AREAS), examples=examples))
    ids = list(dict.fromkeys(metric_ids))
    if not ids:
        raise DeckError(_("choose at least one KHI for the slides"))
    unknown = [m for m in ids if m not in registry.BY_ID]
    if unknown:
        raise DeckError(_("unknown KHI id(s) {ids}; `python -m kpi metrics` lists them").format(
            ids=", ".join(map(repr, unknown))))
    con = con if con is not None else api.connect(data_dir)
    years = api.years(con=con)
    if not years:
        raise DeckError(_("the store has no answers yet, so there is nothing to show"))
    if period is None:
        period = max(years)
    elif period not in years:
        raise DeckError(_("no answers for {period}; years with answers: {years}").format(
            period=schema.fy_label(period), years=", ".join(schema.fy_label(y) for y in years)))

    place, programmes = _(schema.AREAS.get(area, _UK)) if area else _(_UK), ()
    if scheme is not None:
        info = _scheme_row(scheme, scope, con, data_dir)
        if area is not None and info.get("area_code") != area:
            raise DeckError(_("scheme {scheme} is in {area}, not {chosen}").format(
                scheme=repr(scheme), area=_(schema.AREAS.get(info.get("area_code"), "?")),
                chosen=_(schema.AREAS[area])))
        region = schema.AREAS.get(info.get("area_code"), "")
        place = f"{info.get('scheme_name') or scheme} ({_(region) if region else ''})"
        programmes = (info["programme"],) if info.get("programme") in schema.PROGRAMMES else ()
    filters = Filters(years=(period,), areas=(area,) if area else (), schemes=(scheme,) if scheme else ())

    slides = []
    for mid in ids:
        table = api.khi_table(mid, (), filters, scope=scope, con=con, data_dir=data_dir)
        row = table.iloc[0].to_dict() if len(table) else {"suppressed": True}
        slides.append(_slide(registry.get(mid), row, programmes))
    synthetic = store.read_manifest(paths.data_dir(data_dir)).synthetic
    return Deck(place=place, area=area, scheme=scheme, period=period, period_label=schema.fy_label(period),
                made=made or dt.date.today(), synthetic=bool(synthetic), slides=tuple(slides),
                version_note=version_note, lang=i18n.lang())


# ---------------------------------------------------------------------------------------------------------------
# PowerPoint

def write_pptx(deck: Deck, path: str | Path) -> Path:
    """One 16:9 slide per KHI (title = the sentence, for screen readers), with the footer on every slide."""
    path = Path(path)
    path.write_bytes(pptx_bytes(deck))
    return path


def pptx_bytes(deck: Deck) -> bytes:
    """The deck as a .pptx, in the deck's language."""
    with i18n.using(deck.lang):
        return _pptx_bytes(deck)


def _pptx_bytes(deck: Deck) -> bytes:
    import io

    from pptx import Presentation
    from pptx.dml.color import RGBColor
    from pptx.enum.shapes import MSO_SHAPE
    from pptx.enum.lang import MSO_LANGUAGE_ID
    from pptx.enum.text import MSO_ANCHOR, PP_ALIGN
    from pptx.util import Inches, Pt

    prs = Presentation()
    prs.slide_width, prs.slide_height = Inches(SLIDE_W_IN), Inches(SLIDE_H_IN)
    prs.core_properties.title = deck.title
    prs.core_properties.subject = deck.footer
    prs.core_properties.language = language_tag()
    welsh = deck.lang != i18n.DEFAULT  # Welsh text runs say so, for PowerPoint's spelling and read-aloud
    title_only = prs.slide_layouts[5]

    def text_box(slide, left, top, width, height, text, size, *, bold=False, colour=INK, anchor=MSO_ANCHOR.TOP,
                 name=None):
        box = slide.shapes.add_textbox(Inches(left), Inches(top), Inches(width), Inches(height))
        if name:
            box.name = name
        frame = box.text_frame
        frame.word_wrap = True
        frame.vertical_anchor = anchor
        para = frame.paragraphs[0]
        para.alignment = PP_ALIGN.LEFT
        run = para.add_run()
        run.text = text
        run.font.size, run.font.bold = Pt(size), bold
        run.font.color.rgb = RGBColor(*colour)
        if welsh:
            run.font.language_id = MSO_LANGUAGE_ID.WELSH
        return box

    for s in deck.slides:
        slide = prs.slides.add_slide(title_only)
        title = slide.shapes.title  # the sentence is the slide's title: what a screen reader announces first
        title.left, title.top, title.width, title.height = Inches(0.6), Inches(0.4), Inches(12.1), Inches(1.9)
        frame = title.text_frame
        frame.word_wrap = True
        frame.vertical_anchor = MSO_ANCHOR.TOP
        frame.text = s.sentence
        para = frame.paragraphs[0]
        para.alignment = PP_ALIGN.LEFT
        for run in para.runs:
            run.font.size, run.font.bold = Pt(SENTENCE_PT), True
            run.font.color.rgb = RGBColor(*INK)
            if welsh:
                run.font.language_id = MSO_LANGUAGE_ID.WELSH

        if s.suppressed:
            text_box(slide, 0.6, 2.7, 12.1, 1.6, capitalised(_(SUPPRESSED_TEXT)), SUPPRESSED_PT,
                     bold=True, colour=MUTED, name="Figure")
            text_box(slide, 0.6, 4.4, 12.1, 1.2, no_figure_words(s.title), DETAIL_PT, colour=MUTED, name="Detail")
        else:
            figure = text_box(slide, 0.6, 2.35, 5.6 if s.people is not None else 12.1, 1.7, s.figure,
                              figure_pt(s.figure),
                              bold=True, colour=ACCENT, anchor=MSO_ANCHOR.MIDDLE, name="Figure")
            if s.unit:
                run = figure.text_frame.paragraphs[0].add_run()
                run.text = f" {s.unit}"
                run.font.size, run.font.bold = Pt(PICTURE_TEXT_PT), True
                run.font.color.rgb = RGBColor(*INK)
                if welsh:
                    run.font.language_id = MSO_LANGUAGE_ID.WELSH
            text_box(slide, 0.6, 4.05, 5.6, 0.6, s.title, DETAIL_PT, bold=True, name="Measure")
            text_box(slide, 0.6, 4.65, 5.6, 1.7, s.detail, DETAIL_PT, name="Detail")
            if s.people is not None:
                group = slide.shapes.add_group_shape()
                group.name = "Picture: ten people"
                for i, (head, body) in enumerate(people.boxes(PICTURE_LEFT_IN, PICTURE_TOP_IN, PICTURE_W_IN)):
                    on = i < s.people
                    for shape_type, (x, y, w, h) in ((MSO_SHAPE.OVAL, head), (MSO_SHAPE.ROUNDED_RECTANGLE, body)):
                        shape = group.shapes.add_shape(shape_type, Inches(x), Inches(y), Inches(w), Inches(h))
                        if shape_type == MSO_SHAPE.ROUNDED_RECTANGLE:  # the corner as a share of the shorter side
                            shape.adjustments[0] = people.corner(PICTURE_W_IN) / min(w, h)
                        shape.fill.solid()
                        shape.fill.fore_color.rgb = RGBColor(*(PERSON_ON if on else PERSON_OFF))
                        if on:
                            shape.line.fill.background()
                        else:
                            shape.line.color.rgb = RGBColor(*PERSON_OFF_EDGE)
                            shape.line.width = Pt(1)
                        shape.shadow.inherit = False
                # Alt text for the picture (PowerPoint reads cNvPr/@descr), the same words as under it.
                group._element.nvGrpSpPr.cNvPr.set("descr", picture_alt(s.people, s.picture_text))
                text_box(slide, PICTURE_LEFT_IN, below_picture(), PICTURE_W_IN, 0.7, s.picture_text,
                         PICTURE_TEXT_PT, bold=True, name="Picture in words")
        text_box(slide, 0.6, 6.75, 12.1, 0.55, deck.footer, FOOTER_PT, colour=MUTED, name="Footer")
        # The technical detail (n, interval and method, rounding, disclosure) is for the presenter, not the slide.
        slide.notes_slide.notes_text_frame.text = s.notes

    buffer = io.BytesIO()
    prs.save(buffer)
    return buffer.getvalue()
