"""How a slide looks, and the words every slide has whatever its figure: one place for the PowerPoint
(kpi.render.slides), the PDF (kpi.render.slides_pdf) and the screen (ui.presentation), so they never differ.

Kept apart from kpi.render.slides so the PDF writer can use it without importing the deck builder (no import cycle).
"""

from __future__ import annotations

from kpi import i18n
from kpi.i18n import N_, _, pgettext
from kpi.render import people, style

# Colours: the dashboard's theme, kpi.render.style and the people picture's (kpi.render.people).
INK, MUTED = style.rgb(style.TEXT), style.rgb(style.MUTED_TEXT)
ACCENT = (0x00, 0x66, 0x6E)  # the theme's primary, 6.7:1 on white
PERSON_ON, PERSON_OFF, PERSON_OFF_EDGE = (style.rgb(c) for c in (people.ON, people.OFF, people.OFF_EDGE))

FIGURE_PT = 96
LONG_FIGURE_PT = 60  # a long figure ("Fewer than 1 in 100") in a size that keeps it on one line
SUPPRESSED_PT = 48
SENTENCE_PT = 32
DETAIL_PT = 20
PICTURE_TEXT_PT = 24
FOOTER_PT = 12

SLIDE_W_IN, SLIDE_H_IN = 13.333, 7.5  # 16:9
# The people picture on a slide: left, top and width in inches.
PICTURE_LEFT_IN, PICTURE_TOP_IN, PICTURE_W_IN = 6.8, 2.5, 6.0

NOTES_HEADING = N_("Notes for the presenter")  # the PDF's last page(s): what PowerPoint keeps in its speaker notes

# The document's language, as PowerPoint and PDF readers (and their screen readers and spelling checkers) want it.
LANGUAGE_TAGS = {"en": "en-GB", "cy": "cy-GB"}


def figure_pt(figure: str) -> int:
    return FIGURE_PT if len(figure) <= 10 else LONG_FIGURE_PT


def below_picture() -> float:
    """Where the picture's words go, in inches from the top: just under the ten people."""
    return PICTURE_TOP_IN + people.height(PICTURE_W_IN) + 0.2


def language_tag() -> str:
    return LANGUAGE_TAGS.get(i18n.lang(), LANGUAGE_TAGS["en"])


def no_figure_words(title: str) -> str:
    """What a slide says in place of a figure from too few answers."""
    return _("Fewer than the minimum number of people answered about “{title}” here, so we do not show a "
             "figure.").format(title=title)


def picture_words(count: int) -> str:
    """The picture of ten people in words: "9 in 10 people"."""
    return _("{count} in 10 people").format(count=count)


def picture_alt(count: int, words: str) -> str:
    """The picture's alternative text (PowerPoint's descr), the same words as under it."""
    return _("Picture of 10 people, {count} coloured in: {words}.").format(count=count, words=words)


def notes_heading(number: int, sentence: str) -> str:
    """A slide's heading on the PDF's notes pages."""
    return _("Slide {number}: {sentence}").format(number=number, sentence=sentence)


def unit_words(unit: str) -> str:
    """The words after a figure ("+930 people", "3.5 friends"); "" for a percentage. A bare "4" or "+12" needs its
    unit beside it, so percentage points are "points"."""
    said = {"%": "", "percentage points": pgettext("unit after a figure", "points"),
            "people": pgettext("unit after a figure", "people"),
            "friends": pgettext("unit after a figure", "friends"),
            "per 100,000 population": pgettext("unit after a figure", "per 100,000 population")}
    return said.get(unit, unit)
