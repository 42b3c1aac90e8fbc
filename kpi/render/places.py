"""Helpers for figures with one row per place (area or scheme): the map, growth and comparison charts.

Tables from `kpi.metrics.api` describe themselves (metric_id, unit, confidence, suppressed...), so these read all
they need from the table.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from kpi import i18n
from kpi.data import schema
from kpi.i18n import N_, _, ngettext
from kpi.metrics import registry
from kpi.metrics.disclosure import SUPPRESSED_TEXT
from kpi.render.text import area_name, english_place, figure_text, interval_text, joined, mid_sentence_name

__all__ = ["khi_of", "suppressed", "place_names", "area_name", "with_the", "in_place", "listed", "axis_title",
           "interval_words", "n_text", "hover_data", "row_labels", "error_bars", "note_hidden",
           "note_above"]

# "in" and a place: Welsh mutates the name after "yn" ("yng Ngogledd-orllewin Lloegr", "yng Nghymru").
_IN = {
    "North East": N_("in the North East"), "North West": N_("in the North West"),
    "Yorkshire and The Humber": N_("in Yorkshire and The Humber"), "East Midlands": N_("in the East Midlands"),
    "West Midlands": N_("in the West Midlands"), "East of England": N_("in the East of England"),
    "London": N_("in London"), "South East": N_("in the South East"), "South West": N_("in the South West"),
    "Wales": N_("in Wales"), "Scotland": N_("in Scotland"), "Northern Ireland": N_("in Northern Ireland"),
    "England": N_("in England"), "UK": N_("in the UK"),
}


def khi_of(table: pd.DataFrame) -> registry.KHI | None:
    if "metric_id" in table and len(table):
        return registry.BY_ID.get(str(table["metric_id"].iloc[0]))
    return None


def suppressed(table: pd.DataFrame) -> pd.Series:
    if "suppressed" in table:
        return table["suppressed"].fillna(False).astype(bool)
    return table["value"].isna()


def place_names(table: pd.DataFrame) -> pd.Series:
    """Each row's place as people read it: the scheme's name, or the area's in the reader's language."""
    if "scheme_name" in table:
        return table["scheme_name"].astype(str)
    if "area_name" in table:
        names = table["area_name"].astype(str)
        return names.map(area_name) if i18n.welsh() else names
    return pd.Series([_("All")] * len(table), index=table.index)


def with_the(name: str) -> str:
    """A place as a sentence names it mid-sentence: 'the North West', 'the East of England', 'the UK', 'London',
    'Northern Ireland'. Welsh names need no article but their own ('y DU', 'yr Alban')."""
    if i18n.welsh():
        return mid_sentence_name(area_name(name))
    return f"the {name}" if name == "UK" or name.startswith(("North ", "South ", "East", "West")) else name


def in_place(name: str) -> str:
    """'in the North West', 'in London' ('yng Ngogledd-orllewin Lloegr', 'yn Llundain'): where something happened."""
    english = english_place(name)
    return _(_IN[english]) if english in _IN else _("in {place}").format(place=with_the(name))


def listed(names) -> str:
    """'A', 'A and B', 'A, B and C'."""
    return joined(names)


def axis_title(k: registry.KHI | None) -> str | None:
    if k is None:
        return None
    return k.title if k.unit_words in k.title else f"{k.title} ({k.unit_words})"


def interval_words(k: registry.KHI | None, row) -> str:
    """'95% interval 85% to 92%', or 'no interval'."""
    limits = interval_text(k, row.get("lower"), row.get("upper"))
    # Signed units print their own sign; the words "to" keep a negative limit readable.
    return (_("{confidence} interval {limits}").format(confidence=row.get("confidence", "95%"), limits=limits)
            if limits else _("no interval"))


def n_text(k: registry.KHI | None, row) -> str:
    """What the figure rests on, in words: answers for survey KHIs, people for the scheme returns."""
    if k is not None and k.table == "people_supported":
        people = row.get("people_end", row.get("numerator"))
        if people is None or pd.isna(people):
            return ""
        year = row.get("period_end")
        if year is not None and pd.notna(year):
            return _("{people} people supported in {year}").format(people=f"{people:,.0f}",
                                                                   year=schema.fy_label(int(year)))
        return _("{people} people supported").format(people=f"{people:,.0f}")
    n = row.get("denominator")
    return "" if n is None or pd.isna(n) else _("n = {n} answers").format(n=f"{n:,.0f}")


def hover_data(k: registry.KHI | None, shown: pd.DataFrame):
    """Per row: the figure, its interval and what it rests on (customdata[0..2] of a hovertemplate)."""
    if not len(shown):
        return None
    return np.stack([[figure_text(k, v) for v in shown["value"]],
                     [interval_words(k, r) for _i, r in shown.iterrows()],
                     [n_text(k, r) for _i, r in shown.iterrows()]], axis=-1)


def row_labels(names, labels) -> list[dict]:
    """Each row's figure and its word (better / growing...) in a column right of the plot: never colour alone (the
    figure's annotations)."""
    # A fixed 4 px gap (not a share of the plot's width) and 14 px type: the column fits a narrow right margin, so a
    # phone keeps a plot to read.
    return [dict(x=1, xref="paper", xanchor="left", xshift=4, y=name, yref="y", text=label, showarrow=False,
                 font={"size": 14}) for name, label in zip(names, labels)]


def error_bars(shown: pd.DataFrame) -> dict:
    if "lower" not in shown or shown["lower"].isna().all():
        return {"visible": False}
    return {"type": "data", "symmetric": False, "array": (shown["upper"] - shown["value"]).clip(lower=0),
            "arrayminus": (shown["value"] - shown["lower"]).clip(lower=0), "color": "#222222", "thickness": 1.5,
            "width": 5}


def note_hidden(count: int, what: str) -> list[dict]:
    """'2 areas not shown: too few answers to show' above the plot, when any row is suppressed (`what`: "areas" or
    "schemes"): the figure's annotation, or none."""
    if count:
        if what == "schemes":
            note = ngettext("{n} scheme not shown: {reason}", "{n} schemes not shown: {reason}", count)
        elif what == "areas":
            note = ngettext("{n} area not shown: {reason}", "{n} areas not shown: {reason}", count)
        else:
            note = f"{{n}} {what if count != 1 else what.rstrip('s')} not shown: {{reason}}"
        return [note_above(note.format(n=count, reason=_(SUPPRESSED_TEXT)))]
    return []


def note_above(text: str, **where) -> dict:
    """A note in small grey type just above the plot, at its left unless `where` moves it (the figure's annotation)."""
    return dict(text=text, xref="paper", yref="paper", x=0, y=1.0, yanchor="bottom", showarrow=False,
                font={"size": 14, "color": "#444444"}, **where)
