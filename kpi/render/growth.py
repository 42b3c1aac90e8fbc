"""Figures and titles for the Regional growth page: people supported by arrangement, net change and % growth.

Titles state the finding in plain text, so pages, exports and slides say the same thing. Colour is never the only
signal: every bar also carries its figure and status in words (growing / flat / falling).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from kpi.data import schema
from kpi.metrics.disclosure import SUPPRESSED_TEXT
from kpi.render import places
from kpi.render.style import (CATEGORY_WRAP, COMPARISON_COLOURS, NEUTRAL, NOT_COMPARED, OKABE_ITO, TEXT, base_layout,
                              wrap)
from kpi.render.text import capitalised, figure_text
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
    return top, capitalised(places.with_the(places.place_names(shown).loc[top.name]))


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
    first = capitalised(places.with_the(names.loc[hi]))
    text = f"{first} grew the fastest: {shown.loc[hi, 'value']:+.0f}%{_since(table)}"
    if shown.loc[lo, "value"] < 0:
        text += f"; {places.with_the(names.loc[lo])} fell the most: {shown.loc[lo, 'value']:+.0f}%"
    return text


# ---------------------------------------------------------------------------------------------------------------
# Tables a reader understands (the page's "Show as table" and CSVs): start, end, change, % change and intervals,
# not the KHI tables' internal columns (a net change's "denominator" is start + end, used only for suppression).

_LABELS = (("programme_label", "Programme"), ("area_name", "Area"), ("year_label", "Year"),
           ("arrangement_label", "Arrangement"))
_CHANGE_KINDS = ("net_change", "growth_pct", "growth_share")
_COMPARED = ("Benchmark", "Compared with the benchmark")


def _limits(table: pd.DataFrame, what: str) -> tuple[str, str]:
    level = str(table["confidence"].iloc[0]) if "confidence" in table and len(table) else "95%"
    return f"{what}: lower {level} limit", f"{what}: upper {level} limit"


def _year(values) -> list[str]:
    return [schema.fy_label(int(v)) if pd.notna(v) else "" for v in values]


@remembered
def reader_table(table: pd.DataFrame) -> pd.DataFrame:
    """One growth KHI's table (kpi.metrics.api, as the viewer may see it) with the columns a reader understands.

    Change KHIs: From, To, People at the start, People at the end, Change, then their own figure and its interval
    (% change, share of the increase); counts: the figure and its interval. A hidden row keeps its place and says
    why in "Note"; its figures stay empty.
    """
    k = places.khi_of(table)
    if k is None or k.table != "people_supported":
        raise ValueError("reader_table takes a growth KHI's table (people_supported, net change, % growth...)")
    out = pd.DataFrame({name: table[col].to_numpy() for col, name in _LABELS if col in table})
    if k.kind in _CHANGE_KINDS:
        out["From"], out["To"] = _year(table["period_start"]), _year(table["period_end"])
        # An empty table (no scheme of a programme in a place) comes without the count columns.
        start, end = (pd.to_numeric(table[c], errors="coerce").to_numpy(float) if c in table
                      else np.full(len(table), np.nan) for c in ("people_start", "people_end"))
        out["People at the start"], out["People at the end"] = start, end
        out["Change"] = end - start
    elif "year_label" not in table and "period_end" in table:
        out["Year"] = _year(table["period_end"])
    value, lower, upper = (table[c].to_numpy(float) for c in ("value", "lower", "upper"))
    if k.kind == "net_change":
        out[_limits(table, "Change")[0]], out[_limits(table, "Change")[1]] = lower, upper
    elif k.kind == "growth_pct":
        lo, hi = _limits(table, "% change")
        out["% change"], out[lo], out[hi] = value, lower, upper
        out["Growing, flat or falling"] = table["status"].to_numpy()
    elif k.kind == "growth_share":
        out["Share of the increase (%)"] = value
    elif k.kind == "per_100k":
        lo, hi = _limits(table, "Per 100,000")
        out["People supported"], out["Population year"] = table["people_end"].to_numpy(), table["population_year"]
        out["People per 100,000 population"], out[lo], out[hi] = value, lower, upper
    else:  # people supported
        lo, hi = _limits(table, "People supported")
        out["People supported"], out[lo], out[hi] = value, lower, upper
    if "comparison" in table and (table["comparison"] != "not compared").any():  # as plain tables say it
        out[_COMPARED[0]], out[_COMPARED[1]] = table["benchmark"].to_numpy(float), table["comparison"].to_numpy()
    for col in out.columns:  # a rounded -0.0 reads as a fall: it is no change
        if pd.api.types.is_float_dtype(out[col]):
            out[col] = out[col] + 0.0
    hidden = places.suppressed(table).to_numpy()
    out["Note"] = np.where(hidden, SUPPRESSED_TEXT, "")
    if "area_code" in table:  # places in their usual order (England's regions, then Wales, Scotland, NI)
        order = table["area_code"].map({code: i for i, code in enumerate(schema.AREAS)}).to_numpy()
        out = out.iloc[np.argsort(order, kind="stable")]
    return out.reset_index(drop=True)


def change_table(pct: pd.DataFrame, net: pd.DataFrame, place: str | None = None) -> pd.DataFrame:
    """Start, end, change with its interval, % change with its interval and the growth status, one row per place:
    the growth (% change) and net change tables of the same places merged. `place` names a one-row total."""
    a, b = reader_table(net).copy(), reader_table(pct)  # remembered outputs are shared: never changed in place
    if place is not None:
        a.insert(0, "Area", place)
    # The benchmark comparison is left out: the totals are the whole story here, not areas set against the UK.
    extra = [c for c in b.columns if (c not in a.columns or c == "Note") and c not in _COMPARED]
    out = pd.concat([a.drop(columns="Note"), b[extra].reset_index(drop=True)], axis=1)
    # A row is hidden when either figure is (the note says so once).
    out["Note"] = np.where((a["Note"] != "") | (b["Note"] != ""), SUPPRESSED_TEXT, "")
    return out.rename(columns={"Area": "Place"})


# ---------------------------------------------------------------------------------------------------------------
# The story in one sentence, from the figures the viewer may see

# Simple fractions a director can repeat, and how far a share may be from one to be called by it.
_FRACTIONS = ((3 / 4, "three quarters"), (2 / 3, "two thirds"), (1 / 2, "half"), (1 / 3, "a third"),
              (1 / 4, "a quarter"), (1 / 5, "a fifth"), (1 / 10, "a tenth"))
_SAME, _NEAR = 2.0, 5.0  # percentage points: "half" within 2 of 50%; "just over half" within 5; else "58%"


def share_words(share: float) -> str:
    """A share (0 to 100) said honestly in words: 'all', 'nearly all', 'half', 'just over a third', else '58%'."""
    if share >= 99.5:
        return "all"
    if share >= 90:
        return "nearly all"
    fraction, word = min(_FRACTIONS, key=lambda f: abs(share - f[0] * 100))
    gap = share - fraction * 100
    if abs(gap) <= _SAME:
        return word
    if abs(gap) <= _NEAR:
        return f"just {'over' if gap > 0 else 'under'} {word}"
    return f"{share:.0f}%"


def _names(table: pd.DataFrame, rows) -> list[str]:
    """Place names, mid-sentence, in the usual order of places."""
    order = {code: i for i, code in enumerate(schema.AREAS)}
    rows = table.loc[rows]
    rows = rows.assign(_o=rows["area_code"].map(order)).sort_values("_o") if "area_code" in rows else rows
    return [places.with_the(n) for n in places.place_names(rows)]


def growth_story(total: pd.DataFrame, growth: pd.DataFrame, share: pd.DataFrame, *, place: str = "England",
                 who: str = "") -> str:
    """The change in one sentence a director can repeat, computed from the tables as the viewer sees them:

    "Shared Lives in England grew by 580 people to 11,940; half of the increase in the regions that grew was in the
    North West; the South East and Yorkshire and The Humber fell."

    total: the place's one-row people_net_change table; growth, share: its regions' people_growth_pct and
    people_growth_share tables (the share of the growing regions' increase). Hidden (suppressed) rows are never
    named; the total's figures are the ones shown (protected for the public).
    """
    subject = capitalised(f"{who} in {places.with_the(place)}" if who else places.with_the(place))
    row = total.iloc[0] if len(total) else None
    if row is None or bool(places.suppressed(total).iloc[0]) or pd.isna(row["value"]):
        parts = [f"{subject}: too few people to show the change"]
    else:
        change, end = float(row["value"]), float(row["people_end"])
        verb = f"grew by {change:,.0f}" if change > 0 else f"fell by {-change:,.0f}" if change < 0 else "stayed at"
        parts = [f"{subject} {verb} people to {end:,.0f}" if change else f"{subject} {verb} {end:,.0f} people"]
    if len(share) < 2:  # one region in view: where the growth was and who fell say nothing more
        return "; ".join(parts) + "."
    shown = share[~places.suppressed(share) & (share["value"] > 0)]
    if shown.empty:
        parts.append("no region grew")
    else:
        # Ties are judged as people see the shares: to the whole per cent.
        top = shown["value"].round(0) == round(float(shown["value"].max()))
        names, words = _names(shown, top[top].index), share_words(float(shown["value"].max()))
        parts.append(f"{places.listed(names)} each had {words} of the increase in the regions that grew"
                     if len(names) > 1 else f"{words} of the increase in the regions that grew was in {names[0]}")
    falling = (growth["status"] == "falling") & ~places.suppressed(growth)
    parts.append(f"{places.listed(_names(growth, falling[falling].index))} fell" if falling.any()
                 else "no region was falling")
    return "; ".join(parts) + "."


_TOTALS = ("people_growth_pct", "people_net_change")


def _has(parts) -> bool:
    return bool(parts) and all(m in parts for m in _TOTALS)


def summary_table(item: dict, *, england: str = "England", everywhere: str = "UK") -> pd.DataFrame:
    """One programme's totals (an item of ui.data.growth_summary): the English regions in view as one total, each
    nation, then the whole view, each with start, end, change, % change, their intervals and the growth status."""
    rows = [change_table(item[key]["people_growth_pct"], item[key]["people_net_change"], place)
            for key, place in (("england", england), ("nations", None), ("all", everywhere)) if _has(item.get(key))]
    out = pd.concat(rows, ignore_index=True) if rows else pd.DataFrame(columns=["Place"])
    out.insert(0, "Programme", schema.LABELS["programme"][item["programme"]])
    return out


def summary_story(item: dict, *, england: str = "England") -> str | None:
    """growth_story for one programme's English regions (an item of ui.data.growth_summary); None when the view has
    no English region."""
    if not _has(item.get("england")) or "people_growth_share" not in item.get("regions", {}):
        return None
    regions = item["regions"]
    return growth_story(item["england"]["people_net_change"], regions["people_growth_pct"],
                        regions["people_growth_share"], place=england,
                        who=schema.LABELS["programme"][item["programme"]])
