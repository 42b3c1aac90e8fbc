"""Figures and titles for the Regional growth page: people supported by arrangement, net change and % growth.

Titles state the finding in plain text, so pages, exports and slides say the same thing. Colour is never the only
signal: every bar also carries its figure and status in words (growing / flat / falling).
"""

from __future__ import annotations

import functools

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from kpi.data import schema
from kpi.i18n import N_, _
from kpi.render import places
from kpi.render.style import (AXIS_STYLE, CATEGORY_WRAP, COMPARISON_COLOURS, NEUTRAL, NOT_COMPARED, OKABE_ITO, TEXT,
                              area_layout, figure, merged, vline, wrap)
from kpi.render.tables import change_table, english_change_table, for_readers, reader_table
from kpi.render.text import area_name, capitalised, figure_text, word
from kpi.render.memo import remembered

__all__ = ["people_stacked", "growth_bars", "net_change_title", "status_title", "share_title", "rate_title",
           "growth_pct_title", "reader_table", "change_table", "share_words", "growth_story", "summary_table",
           "summary_story", "STATUS_COLOURS",
           "ARRANGEMENT_COLOURS"]

# Growth status reuses the comparison colours: growing reads as "better", falling as "worse".
STATUS_COLOURS = {
    "growing": COMPARISON_COLOURS["better"],
    "flat": COMPARISON_COLOURS["similar"],
    "falling": COMPARISON_COLOURS["worse"],
    "not known": NOT_COMPARED,
}
ARRANGEMENT_COLOURS = {
    "live_in": OKABE_ITO["blue"],
    "short_breaks": OKABE_ITO["orange"],
    "day_support": OKABE_ITO["bluish_green"],
    "homeshare": OKABE_ITO["reddish_purple"],
}
LEGEND_ROOM = 40  # px under the bottom panels' slanted year labels for the arrangements' legend


# ---------------------------------------------------------------------------------------------------------------
# People supported, stacked by arrangement


@remembered
def people_stacked(table: pd.DataFrame, *, title: str, columns: int = 3) -> go.Figure:
    """People supported per year, stacked by arrangement; one small panel per area when several areas are shown.

    Panels share the y axis so areas compare fairly by size. Suppressed cells are left as gaps (the table view
    says "too few answers to show").
    """
    # Each panel's bars by arrangement, picked in one pass over plain lists (filtering the table per panel and
    # arrangement took about 50 pandas takes).
    value = table["value"].where(~places.suppressed(table)).to_numpy(dtype=float, na_value=np.nan)
    in_area = table["area_code"].tolist() if "area_code" in table else [None] * len(table)
    bars: dict = {}
    arrangement = table["arrangement"].tolist() if "arrangement" in table else []
    for area, arr, year, label, v in zip(in_area, arrangement, table["year"].tolist(), table["year_label"].tolist(),
                                         value):
        bars.setdefault((area, arr), []).append((year, label, v))
    areas = list(dict.fromkeys(in_area))
    areas = [a for a in schema.AREAS if a in areas] or areas
    rows = -(-len(areas) // columns) if len(areas) > 1 else 1
    cols = min(columns, len(areas))
    # Panel names on short lines: a panel is about 100 px wide on a phone.
    grid = _grid(rows, cols, tuple(wrap(area_name(a) if a in schema.AREAS else _("All areas"), CATEGORY_WRAP)
                                   for a in areas))  # shared (cached): read, never changed
    arrangements = [a for a in schema.ARRANGEMENTS if a in {arr for _a, arr in bars}]
    colours, arrangement_names = ARRANGEMENT_COLOURS, schema.LABELS["arrangement"]
    traces = []
    for i, area in enumerate(areas):
        panel = i + 1  # make_subplots numbers the panels' axes row by row
        for arr in arrangements:
            points = sorted(bars.get((area, arr), []), key=lambda p: p[0])
            label = _(arrangement_names[arr])
            traces.append(go.Bar(
                x=[p[1] for p in points], y=np.array([p[2] for p in points], dtype=float), name=label,
                marker_color=colours[arr], legendgroup=arr, showlegend=i == 0,
                hovertemplate=_("{arrangement}, {year}: {people} people").format(
                    arrangement=label, year="%{x}", people="%{y:,.0f}") + "<extra></extra>",
                xaxis=f"x{panel}" if panel > 1 else "x", yaxis=f"y{panel}" if panel > 1 else "y",
            ))
    # Every panel's axes set here, as plain dicts: update_xaxes/update_yaxes re-validate each panel's axis.
    axes = {}
    for key in grid:
        if key.startswith("xaxis"):
            axes[key] = merged(AXIS_STYLE, {"tickangle": -45, "nticks": 6})
        elif key.startswith("yaxis"):
            first_column = (int(key[5:] or 1) - 1) % cols == 0
            axes[key] = merged(AXIS_STYLE, {"tickformat": ","},
                               {"title": {"text": _("People supported")}} if first_column else {})
    titles = {"annotations": [merged(a, {"font": {"size": 15}}) for a in grid.get("annotations", [])]}
    # The legend at the foot of the figure, under the bottom panels' slanted year labels (placed as a share of the
    # plot's height it sat on top of them); the bottom margin and the height make room for both.
    return figure(traces, grid, titles,
                  {"barmode": "stack",
                   "legend": {"orientation": "h", "yref": "container", "y": 0, "yanchor": "bottom"}},
                  area_layout(traces, title, 260 * rows + 140 + LEGEND_ROOM), axes,
                  {"margin": {"b": 50 + LEGEND_ROOM}})


@functools.lru_cache(maxsize=64)
def _grid(rows: int, cols: int, titles: tuple[str, ...]) -> dict:
    """The panels' layout (axis domains, shared axes, panel titles) as make_subplots lays it out, once per grid."""
    from plotly.subplots import make_subplots

    fig = make_subplots(rows=rows, cols=cols, shared_yaxes=True, shared_xaxes=True, horizontal_spacing=0.03,
                        vertical_spacing=0.09 if rows > 1 else 0.05, subplot_titles=list(titles))
    layout = fig.layout.to_plotly_json()
    layout.pop("template", None)  # the figure gets its own
    return layout


# ---------------------------------------------------------------------------------------------------------------
# Net change / % growth per area


@remembered
def growth_bars(table: pd.DataFrame, *, title: str) -> go.Figure:
    """Net change or % growth per area: bars from zero with intervals; each row's figure and status in words."""
    k = places.khi_of(table)
    table = table.copy()
    table["_name"] = places.place_names(table)
    hidden = places.suppressed(table)
    shown = table[~hidden].sort_values("value")
    status = shown["status"] if "status" in shown else pd.Series("", index=shown.index)
    colours = [STATUS_COLOURS.get(s, NEUTRAL) for s in status]
    traces = [go.Bar(
        y=shown["_name"], x=shown["value"], orientation="h", marker_color=colours, error_x=places.error_bars(shown),
        customdata=places.hover_data(k, shown), name="",
        hovertemplate="<b>%{y}</b>: %{customdata[0]}<br>%{customdata[1]}<br>%{customdata[2]}<extra></extra>",
    )]
    notes = places.row_labels(shown["_name"], [f"{figure_text(k, v)}  {word(s)}".strip()
                                               for v, s in zip(shown["value"], status)])
    notes += places.note_hidden(int(hidden.sum()), "areas")
    unit = k.unit if k else ""
    # right: the row labels' column ("+1,100  growing" is about 110 px); 190 left a phone no plot
    return figure(traces, {"shapes": [vline(0, {"color": TEXT, "width": 1})]}, {"annotations": notes} if notes else {},
                  area_layout(traces, title, max(360, 40 * len(shown) + 150), right=115), {
                      "xaxis": {"title": {"text": places.axis_title(k)}, "zeroline": False,
                                "ticksuffix": "%" if unit == "%" else "", "tickformat": ",", "showgrid": True,
                                "gridcolor": "#e5e5e5"}})


# ---------------------------------------------------------------------------------------------------------------
# Titles that state the finding (plain text, so pages, exports and slides say the same thing)


def _shown(table: pd.DataFrame) -> pd.DataFrame:
    return table[~places.suppressed(table) & table["value"].notna()]


def _since(table: pd.DataFrame) -> str:
    """' since 2014-15' (a title's {since}), or "" when the table has no start year."""
    start = table["period_start"].dropna() if "period_start" in table else pd.Series(dtype=float)
    return " " + _("since {year}").format(year=schema.fy_label(int(start.iloc[0]))) if len(start) else ""


def _top(shown: pd.DataFrame) -> tuple[pd.Series, str]:
    """The row with the largest value and its place name as a sentence starts it ('The North West', 'London')."""
    top = shown.loc[shown["value"].idxmax()]
    return top, capitalised(places.with_the(places.place_names(shown).loc[top.name]))


@remembered  # titles take table scans too: a warm view builds none
def net_change_title(table: pd.DataFrame) -> str:
    """'The North West grew the most: +930 people since 2014-15' (or the smallest fall when none grew)."""
    shown = _shown(table)
    if shown.empty:
        return _("People supported: too few schemes to show the change")
    top, place = _top(shown)
    template = (_("{place} grew the most: {change} people{since}") if top["value"] > 0
                else _("{place} fell the least: {change} people{since}") if top["value"] < 0
                else _("{place} did not change: {change} people{since}"))
    return template.format(place=place, change=figure_text(places.khi_of(table), top["value"]), since=_since(table))


@remembered
def status_title(table: pd.DataFrame) -> str:
    """'5 areas were growing, 2 flat and 5 falling since 2014-15' from a people_growth_pct table."""
    shown = _shown(table)
    counts = shown["status"].value_counts() if "status" in shown else pd.Series(dtype=int)
    return _("Areas growing, flat or falling{since}: {growing} growing, {flat} flat and {falling} falling").format(
        since=_since(table), growing=int(counts.get("growing", 0)), flat=int(counts.get("flat", 0)),
        falling=int(counts.get("falling", 0)))


@remembered
def share_title(table: pd.DataFrame) -> str:
    """'The North West made 46% of all the growth since 2014-15'."""
    shown = _shown(table)
    if shown.empty or not (shown["value"] > 0).any():
        return _("No area grew{since}").format(since=_since(table))
    top, place = _top(shown)
    return _("{place} made {share}% of all the growth{since}").format(place=place, share=f"{top['value']:.0f}",
                                                                      since=_since(table))


@remembered
def rate_title(table: pd.DataFrame) -> str:
    """'The North East supported the most people for its population: 30.7 per 100,000 in 2024-25'."""
    shown = _shown(table)
    if shown.empty:
        return _("People supported per 100,000 population: too few to show")
    top, place = _top(shown)
    if pd.notna(top.get("period_end")):
        return _("{place} supported the most people for its population: {rate} per 100,000 in {year}").format(
            place=place, rate=f"{top['value']:.1f}", year=schema.fy_label(int(top["period_end"])))
    return _("{place} supported the most people for its population: {rate} per 100,000").format(
        place=place, rate=f"{top['value']:.1f}")


@remembered
def growth_pct_title(table: pd.DataFrame) -> str:
    """'Scotland grew the fastest: +69% since 2014-15; the South East fell the most: -67%'."""
    shown = _shown(table)
    if shown.empty:
        return _("Growth in people supported: too few to show")
    names = places.place_names(shown)
    hi, lo = shown["value"].idxmax(), shown["value"].idxmin()
    first = capitalised(places.with_the(names.loc[hi]))
    if shown.loc[lo, "value"] < 0:
        return _("{place} grew the fastest: {growth}%{since}; {other} fell the most: {fall}%").format(
            place=first, growth=f"{shown.loc[hi, 'value']:+.0f}", since=_since(table),
            other=places.with_the(names.loc[lo]), fall=f"{shown.loc[lo, 'value']:+.0f}")
    return _("{place} grew the fastest: {growth}%{since}").format(place=first, growth=f"{shown.loc[hi, 'value']:+.0f}",
                                                                  since=_since(table))


# ---------------------------------------------------------------------------------------------------------------
# The story in one sentence, from the figures the viewer may see

# Simple fractions a director can repeat, and how far a share may be from one to be called by it.
_FRACTIONS = ((3 / 4, N_("three quarters")), (2 / 3, N_("two thirds")), (1 / 2, N_("half")), (1 / 3, N_("a third")),
              (1 / 4, N_("a quarter")), (1 / 5, N_("a fifth")), (1 / 10, N_("a tenth")))
_SAME, _NEAR = 2.0, 5.0  # percentage points: "half" within 2 of 50%; "just over half" within 5; else "58%"


def share_words(share: float) -> str:
    """A share (0 to 100) said honestly in words: 'all', 'nearly all', 'half', 'just over a third', else '58%'."""
    if share >= 99.5:
        return _("all")
    if share >= 90:
        return _("nearly all")
    fraction, said = min(_FRACTIONS, key=lambda f: abs(share - f[0] * 100))
    gap = share - fraction * 100
    if abs(gap) <= _SAME:
        return _(said)
    if abs(gap) <= _NEAR:
        return (_("just over {fraction}") if gap > 0 else _("just under {fraction}")).format(fraction=_(said))
    return f"{share:.0f}%"


def _names(table: pd.DataFrame, rows) -> list[str]:
    """Place names in the usual order of places."""
    order = {code: i for i, code in enumerate(schema.AREAS)}
    rows = table.loc[rows]
    rows = rows.assign(_o=rows["area_code"].map(order)).sort_values("_o") if "area_code" in rows else rows
    return list(places.place_names(rows))


def _listed(names) -> str:
    """'the South East and London', mid-sentence."""
    return places.listed([places.with_the(n) for n in names])


def growth_story(total: pd.DataFrame, growth: pd.DataFrame, share: pd.DataFrame, *, place: str = "England",
                 who: str = "") -> str:
    """The change in one sentence a director can repeat, computed from the tables as the viewer sees them:

    "Shared Lives in England grew by 580 people to 11,940; half of the increase in the regions that grew was in the
    North West; the South East and Yorkshire and The Humber fell."

    total: the place's one-row people_net_change table; growth, share: its regions' people_growth_pct and
    people_growth_share tables (the share of the growing regions' increase). Hidden (suppressed) rows are never
    named; the total's figures are the ones shown (protected for the public).
    """
    # `who`: a programme's label (translated here) or the caller's words.
    subject = capitalised(_("{who} {in_place}").format(who=_(who), in_place=places.in_place(place)) if who
                          else places.with_the(place))
    row = total.iloc[0] if len(total) else None
    if row is None or bool(places.suppressed(total).iloc[0]) or pd.isna(row["value"]):
        parts = [_("{subject}: too few people to show the change").format(subject=subject)]
    else:
        change, end = float(row["value"]), float(row["people_end"])
        template = (_("{subject} grew by {change} people to {end}") if change > 0
                    else _("{subject} fell by {change} people to {end}") if change < 0
                    else _("{subject} stayed at {end} people"))
        parts = [template.format(subject=subject, change=f"{abs(change):,.0f}", end=f"{end:,.0f}")]
    if len(share) < 2:  # one region in view: where the growth was and who fell say nothing more
        return "; ".join(parts) + "."
    shown = share[~places.suppressed(share) & (share["value"] > 0)]
    if shown.empty:
        parts.append(_("no region grew"))
    else:
        # Ties are judged as people see the shares: to the whole per cent.
        top = shown["value"].round(0) == round(float(shown["value"].max()))
        names, words = _names(shown, top[top].index), share_words(float(shown["value"].max()))
        parts.append(_("{places} each had {share} of the increase in the regions that grew").format(
            places=_listed(names), share=words) if len(names) > 1
            else _("{share} of the increase in the regions that grew was {in_place}").format(
                share=words, in_place=places.in_place(names[0])))
    falling = (growth["status"] == "falling") & ~places.suppressed(growth)
    parts.append(_("{places} fell").format(places=_listed(_names(growth, falling[falling].index))) if falling.any()
                 else _("no region was falling"))
    return "; ".join(parts) + "."


_TOTALS = ("people_growth_pct", "people_net_change")


def _has(parts) -> bool:
    return bool(parts) and all(m in parts for m in _TOTALS)


def summary_table(item: dict, *, england: str = "England", everywhere: str = "UK") -> pd.DataFrame:
    """One programme's totals (an item of ui.data.growth_summary): the English regions in view as one total, each
    nation, then the whole view, each with start, end, change, % change, their intervals and the growth status."""
    rows = [english_change_table(item[key]["people_growth_pct"], item[key]["people_net_change"], place)
            for key, place in (("england", england), ("nations", None), ("all", everywhere)) if _has(item.get(key))]
    out = pd.concat(rows, ignore_index=True) if rows else pd.DataFrame(columns=["Place"])
    out.insert(0, "Programme", schema.LABELS["programme"][item["programme"]])
    return for_readers(out)


def summary_story(item: dict, *, england: str = "England") -> str | None:
    """growth_story for one programme's English regions (an item of ui.data.growth_summary); None when the view has
    no English region."""
    if not _has(item.get("england")) or "people_growth_share" not in item.get("regions", {}):
        return None
    regions = item["regions"]
    return growth_story(item["england"]["people_net_change"], regions["people_growth_pct"],
                        regions["people_growth_share"], place=england,
                        who=schema.LABELS["programme"][item["programme"]])
