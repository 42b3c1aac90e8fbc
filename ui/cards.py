"""Figure and metric cards: a KHI's title, big figure, n and interval, its plain-English sentence, the change on
the year before in words, and the harm figure beside it. Judgements are written out; colour never carries them."""

from __future__ import annotations

from typing import Mapping

import pandas as pd
import streamlit as st

from kpi.data import schema
from kpi.i18n import N_, _, ngettext
from kpi.metrics import registry
from kpi.metrics.disclosure import SUPPRESSED_TEXT
from kpi.render import places
from kpi.render.text import benchmark_phrase, number
from ui import state, views
from ui.blocks import table_block
from ui.glossary import glossary

_SIGNIFICANCE_WORDS = {"significantly better": N_("a real improvement (significant)"),
                       "significantly worse": N_("a real worsening (significant)"),
                       "significantly higher": N_("a real rise (significant)"),
                       "significantly lower": N_("a real fall (significant)"),
                       "no significant change": N_("not a significant change"),
                       "not tested": N_("not tested for significance")}


def _change_words(row: Mapping) -> str:
    k = registry.get(row["metric_id"])
    change = number(row.get("change"))
    year = str(row.get("year_label", ""))
    prev_year = schema.fy_label(int(row["year"]) - 1) if row.get("year") is not None else _("the year before")
    if bool(row.get("suppressed")) or change is None:
        return _("No comparison with {year}: too few answers in one of the years.").format(year=prev_year)
    unit = _("percentage points") if k.unit in ("%", "percentage points") else k.unit
    size = f"{abs(change):.1f} {unit}"
    significance = str(row.get("change_significance", ""))
    words = _(_SIGNIFICANCE_WORDS[significance]) if significance in _SIGNIFICANCE_WORDS else significance
    head = (_("up {size}") if change > 0 else _("down {size}")).format(size=size) if change else _("no change")
    return _("{year} compared with {previous}: {change}, {significance}.").format(
        year=year, previous=prev_year, change=head, significance=words)


def _figure_lines(row: Mapping) -> str:
    k = registry.get(row["metric_id"])
    if bool(row.get("suppressed")):
        return _(SUPPRESSED_TEXT)
    lo, hi, n = number(row.get("lower")), number(row.get("upper")), number(row.get("denominator"))
    parts = []
    if n is not None:
        parts.append(f"n = {n:,.0f}")
    if lo is not None and hi is not None:
        parts.append(_("95% interval {lower} to {upper}").format(lower=registry.format_value(k, lo),
                                                                  upper=registry.format_value(k, hi)))
    return " · ".join(parts)


def _figure(row: Mapping) -> None:
    k = registry.get(row["metric_id"])
    hidden = bool(row.get("suppressed"))
    # The title as markdown above the figure: metric labels are cut off at one line, and titles are long.
    st.markdown(f"**{k.title}**", help=k.explanation)
    figure = "" if hidden else registry.format_value(k, number(row["value"]))
    if not hidden and k.unit == "percentage points":
        figure = _("{figure} points").format(figure=figure)
    st.metric(k.title, _(SUPPRESSED_TEXT) if hidden else figure, label_visibility="collapsed")
    st.caption(_figure_lines(row), help=glossary("confidence interval"))


def figure_card(row: Mapping, programmes: tuple[str, ...] = ()) -> None:
    """One KHI as a card: its title, the big figure, n and the 95% interval, and its plain-English sentence."""
    row = dict(row)
    k = registry.get(row["metric_id"])
    hidden = bool(row.get("suppressed"))
    with st.container(border=True):
        _figure(row)
        st.markdown(registry.sentence(k, None if hidden else number(row["value"]), programmes=programmes))


def figure_cards(table: pd.DataFrame, *, key: str, filename: str, programmes: tuple[str, ...] = ()) -> None:
    """A row of figure cards, one per KHI in `table`, with the show-as-table toggle and CSV download under them."""
    for col, row in zip(st.columns(len(table)), views.records(table)):
        with col:
            figure_card(row, programmes=programmes)
    table_block(table, key=key, filename=filename)


def metric_card(row: Mapping, negative: Mapping | None = None) -> None:
    """The headline card: the plain-English sentence, the big figure, n, the 95% interval, the change on the year
    before in words, and the harm figure beside it."""
    row = dict(row)
    k = registry.get(row["metric_id"])
    hidden = bool(row.get("suppressed"))
    with st.container(border=True):
        st.markdown(f"##### {row.get('sentence') or registry.sentence(k, None if hidden else row['value'])}")
        cols = st.columns(2) if negative is not None else [st.container()]
        with cols[0]:
            _figure(row)
        if negative is not None:
            with cols[1]:
                _figure(dict(negative))
        st.markdown(_change_words(row), help=glossary("significance"))


NO_AREA_DIFFERS = N_("No area is significantly different from the benchmark on the headline measures.")
COMPARE_URL = "compare"  # the URL path Streamlit gives pages/compare.py
WHERE_TO_LOOK_MAX = 6  # a short list for a director; the Compare page has the rest
_ORDER = {"worse": 0, "lower": 1, "higher": 2, "better": 3}
# One whole sentence per comparison word (Welsh puts the words in another order than English).
_LOOK = {"worse": N_("**{area}** is worse than {benchmark} on *{measure}*: {value} ({figures}), against "
                     "{benchmark_value}."),
         "lower": N_("**{area}** is lower than {benchmark} on *{measure}*: {value} ({figures}), against "
                     "{benchmark_value}."),
         "higher": N_("**{area}** is higher than {benchmark} on *{measure}*: {value} ({figures}), against "
                      "{benchmark_value}."),
         "better": N_("**{area}** is better than {benchmark} on *{measure}*: {value} ({figures}), against "
                      "{benchmark_value}.")}


def against(row) -> str:
    """The benchmark a row was compared with, in a sentence ("England", "the UK"); "the benchmark" if unnamed."""
    name = row.get("benchmark_name")
    return benchmark_phrase(str(name)) if isinstance(name, str) and name else _("the benchmark")


def where_to_look(table: pd.DataFrame, year: int) -> None:
    """The areas whose figure differs significantly from the benchmark on the headline KHIs, worse first, each a
    link to the Compare page set to that KHI and area for `year`; or a sentence saying that none does.

    `table` is a khi_tables result by region, as the viewer's scope sees it: its own `comparison` column (the
    interval against the benchmark) decides, so no new statistic is made here."""
    differ = views.differing(table[~table["suppressed"].fillna(False).astype(bool)])
    if differ.empty:
        st.markdown(_(NO_AREA_DIFFERS))
        return
    ids = list(dict.fromkeys(table["metric_id"]))
    differ = differ.assign(_order=differ["comparison"].map(_ORDER), _khi=differ["metric_id"].map(ids.index))
    differ = differ.sort_values(["_order", "_khi", "value"])
    lines = []
    for row in views.records(differ.head(WHERE_TO_LOOK_MAX)):
        k = registry.get(row["metric_id"])
        figures = ", ".join(p for p in (places.interval_words(k, row), places.n_text(k, row)) if p)
        link = state.view_link(COMPARE_URL, metric=row["metric_id"], level="region", area=row["area_code"],
                               year=schema.fy_label(year))
        area = state.area_label(row["area_code"])
        template = _LOOK[row["comparison"]]
        said = _(template).format(
            area=area, benchmark=against(row), measure=k.title, value=registry.format_value(k, number(row["value"])),
            figures=figures, benchmark_value=registry.format_value(k, number(row["benchmark"])))
        # A markdown list, not st.page_link: a link's label stays on one line and was cut off on a phone.
        compare = _("Compare {area}").format(area=area)
        lines.append(f"- {said} [{compare}]({link})")
    st.markdown("\n".join(lines))
    if len(differ) > WHERE_TO_LOOK_MAX:
        more = len(differ) - WHERE_TO_LOOK_MAX
        st.caption(ngettext("And {n} more: see the Compare areas page.", "And {n} more: see the Compare areas page.",
                            more).format(n=more))
