"""Figures and titles for the Regional growth page: people supported by arrangement, net change and % growth.

Titles state the finding in plain text, so pages, exports and slides say the same thing. Colour is never the only
signal: every bar also carries its figure and status in words (growing / flat / falling).
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from kpi.data import schema
from kpi.render import places
from kpi.render.style import (CATEGORY_WRAP, COMPARISON_COLOURS, NEUTRAL, NOT_COMPARED, OKABE_ITO, TEXT, base_layout,
                              wrap)
from kpi.render.text import figure_text
from kpi.render.memo import remembered

__all__ = ["people_stacked", "growth_bars", "net_change_title", "status_title", "share_title", "rate_title",
           "growth_pct_title", "STATUS_COLOURS", "ARRANGEMENT_COLOURS"]

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


# ---------------------------------------------------------------------------------------------------------------
# People supported, stacked by arrangement


@remembered
def people_stacked(table: pd.DataFrame, *, title: str, columns: int = 3) -> go.Figure:
    """People supported per year, stacked by arrangement; one small panel per area when several areas are shown.

    Panels share the y axis so areas compare fairly by size. Suppressed cells are left as gaps (the table view
    says "too few answers to show").
    """
    from plotly.subplots import make_subplots

    table = table.copy()
    table["value"] = table["value"].where(~places.suppressed(table))
    areas = list(dict.fromkeys(table["area_code"])) if "area_code" in table else [None]
    areas = [a for a in schema.AREAS if a in areas] or areas
    rows = -(-len(areas) // columns) if len(areas) > 1 else 1
    cols = min(columns, len(areas))
    fig = make_subplots(rows=rows, cols=cols, shared_yaxes=True, shared_xaxes=True, horizontal_spacing=0.03,
                        vertical_spacing=0.09 if rows > 1 else 0.05,
                        # Panel names on short lines: a panel is about 100 px wide on a phone.
                        subplot_titles=[wrap(schema.AREAS.get(a, "All areas") if a else "All areas", CATEGORY_WRAP)
                                        for a in areas])
    arrangements = [a for a in schema.ARRANGEMENTS if a in set(table.get("arrangement", []))]
    colours = ARRANGEMENT_COLOURS
    traces, at_rows, at_cols = [], [], []
    for i, area in enumerate(areas):
        part = table if area is None else table[table["area_code"] == area]
        for arr in arrangements:
            rows_ = part[part["arrangement"] == arr].sort_values("year")
            traces.append(go.Bar(
                x=rows_["year_label"], y=rows_["value"], name=schema.LABELS["arrangement"][arr],
                marker_color=colours[arr], legendgroup=arr, showlegend=i == 0,
                hovertemplate=f"{schema.LABELS['arrangement'][arr]}, %{{x}}: %{{y:,.0f}} people<extra></extra>",
            ))
            at_rows.append(i // cols + 1)
            at_cols.append(i % cols + 1)
    # One add_traces: adding 48 traces one by one re-validates the figure each time (about 10 times slower).
    fig.add_traces(traces, rows=at_rows, cols=at_cols)
    fig.update_layout(barmode="stack", legend={"orientation": "h", "y": -0.06 if rows > 1 else -0.15,
                                               "font": {"size": 16}})
    fig.update_xaxes(tickangle=-45, nticks=6)
    fig.update_yaxes(title_text=None, tickformat=",")
    fig.update_yaxes(title_text="People supported", col=1)
    base_layout(fig, title, 260 * rows + 140)
    fig.update_annotations(font_size=15)
    return fig


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
    fig = go.Figure(go.Bar(
        y=shown["_name"], x=shown["value"], orientation="h", marker_color=colours, error_x=places.error_bars(shown),
        customdata=places.hover_data(k, shown), name="",
        hovertemplate="<b>%{y}</b>: %{customdata[0]}<br>%{customdata[1]}<br>%{customdata[2]}<extra></extra>",
    ))
    fig.add_vline(x=0, line_color=TEXT, line_width=1)
    places.row_labels(fig, shown["_name"],
                      [f"{figure_text(k, v)}  {s}".strip() for v, s in zip(shown["value"], status)])
    unit = k.unit if k else ""
    fig.update_xaxes(title_text=places.axis_title(k), zeroline=False,
                     ticksuffix="%" if unit == "%" else "", tickformat=",", showgrid=True, gridcolor="#e5e5e5")
    places.note_hidden(fig, int(hidden.sum()), "areas")
    # right: the row labels' column ("+1,100  growing" is about 110 px); 190 left a phone no plot
    return base_layout(fig, title, max(360, 40 * len(shown) + 150), right=115)


# ---------------------------------------------------------------------------------------------------------------
# Titles that state the finding (plain text, so pages, exports and slides say the same thing)


def _shown(table: pd.DataFrame) -> pd.DataFrame:
    return table[~places.suppressed(table) & table["value"].notna()]


def _since(table: pd.DataFrame) -> str:
    start = table["period_start"].dropna() if "period_start" in table else pd.Series(dtype=float)
    return f" since {schema.fy_label(int(start.iloc[0]))}" if len(start) else ""


def _top(shown: pd.DataFrame) -> tuple[pd.Series, str]:
    """The row with the largest value and its place name as a sentence starts it ('The North West', 'London')."""
    top = shown.loc[shown["value"].idxmax()]
    name = places.place_names(shown).loc[top.name]
    return top, ("The " if name.startswith(("North", "South", "East", "West")) else "") + name


def net_change_title(table: pd.DataFrame) -> str:
    """'The North West grew the most: +930 people since 2014-15' (or the smallest fall when none grew)."""
    shown = _shown(table)
    if shown.empty:
        return "People supported: too few schemes to show the change"
    top, place = _top(shown)
    verb = "grew the most" if top["value"] > 0 else "fell the least" if top["value"] < 0 else "did not change"
    return f"{place} {verb}: {figure_text(places.khi_of(table), top['value'])} people{_since(table)}"


def status_title(table: pd.DataFrame) -> str:
    """'5 areas were growing, 2 flat and 5 falling since 2014-15' from a people_growth_pct table."""
    shown = _shown(table)
    counts = shown["status"].value_counts() if "status" in shown else pd.Series(dtype=int)
    parts = [f"{int(counts.get(s, 0))} {w}" for s, w in (("growing", "growing"), ("flat", "flat"),
                                                          ("falling", "falling"))]
    return f"Areas growing, flat or falling{_since(table)}: {parts[0]}, {parts[1]} and {parts[2]}"


def share_title(table: pd.DataFrame) -> str:
    """'The North West made 46% of all the growth since 2014-15'."""
    shown = _shown(table)
    if shown.empty or not (shown["value"] > 0).any():
        return f"No area grew{_since(table)}"
    top, place = _top(shown)
    return f"{place} made {top['value']:.0f}% of all the growth{_since(table)}"


def rate_title(table: pd.DataFrame) -> str:
    """'The North East supported the most people for its population: 30.7 per 100,000 in 2024-25'."""
    shown = _shown(table)
    if shown.empty:
        return "People supported per 100,000 population: too few to show"
    top, place = _top(shown)
    year = f" in {schema.fy_label(int(top['period_end']))}" if pd.notna(top.get("period_end")) else ""
    return (f"{place} supported the most people for its population: {top['value']:.1f} per 100,000"
            f"{year}")


def growth_pct_title(table: pd.DataFrame) -> str:
    """'Scotland grew the fastest: +69% since 2014-15; the South East fell the most: -67%'."""
    shown = _shown(table)
    if shown.empty:
        return "Growth in people supported: too few to show"
    names = places.place_names(shown)
    hi, lo = shown["value"].idxmax(), shown["value"].idxmin()

    def the(n):
        return f"the {n}" if n.startswith(("North", "South", "East", "West")) else n

    first = the(names.loc[hi])
    text = f"{first[0].upper()}{first[1:]} grew the fastest: {shown.loc[hi, 'value']:+.0f}%{_since(table)}"
    if shown.loc[lo, "value"] < 0:
        text += f"; {the(names.loc[lo])} fell the most: {shown.loc[lo, 'value']:+.0f}%"
    return text
