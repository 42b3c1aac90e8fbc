"""Figures for the Regional growth and Compare areas pages (plotly only: no Streamlit, so exports reuse them).

Every builder takes a tidy table from `kpi.metrics.api` (khi_table / funnel) and returns a `go.Figure`. Tables describe
themselves (metric_id, unit, confidence, suppressed...), so the builders need no other argument to label figures.
Colour is never the only signal: every bar and outlier also carries its words (better / similar / worse,
growing / flat / falling, above / below).
"""

from __future__ import annotations

import textwrap

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from kpi.render import charts
from kpi.data import reference, schema
from kpi.metrics import registry, stats
from kpi.render.charts import (COMPARISON_COLOURS, FONT, NEUTRAL, NO_JUDGEMENT_COLOURS, NOT_COMPARED, OKABE_ITO, TEXT,
                        TITLE_SIZE, comparison_colour)
from kpi.metrics.disclosure import SUPPRESSED_TEXT

__all__ = ["region_map", "people_stacked", "growth_bars", "comparison_chart", "funnel_plot", "STATUS_COLOURS",
           "ARRANGEMENT_COLOURS", "SEQUENTIAL_SCALE", "MAP_CENTRE", "MAP_ZOOM"]

# The UK's 12 areas fill a ~700 x 560 px map at this centre and zoom (tuned by eye on the dashboard).
MAP_CENTRE = {"lat": 55.2, "lon": -3.2}
MAP_ZOOM = 4.15
# ColorBrewer Blues (single hue, so it reads for every kind of colour vision and in greyscale); the first, almost
# white steps are dropped so the lowest area still stands out from the white background.
SEQUENTIAL_SCALE = [[0.0, "#c6dbef"], [0.25, "#9ecae1"], [0.5, "#6baed6"], [0.75, "#3182bd"], [1.0, "#08519c"]]
SUPPRESSED_FILL = "#d9d9d9"
BORDER = TEXT

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
# Helpers


def _khi(table: pd.DataFrame) -> registry.KHI | None:
    if "metric_id" in table and len(table):
        return registry.BY_ID.get(str(table["metric_id"].iloc[0]))
    return None


def _fmt(k: registry.KHI | None, value) -> str:
    if value is None or pd.isna(value):
        return "–"
    if k is None:
        return f"{value:,.1f}"
    return registry.format_value(k, float(value))


def _interval_text(k, row) -> str:
    lower, upper = row.get("lower"), row.get("upper")
    if lower is None or pd.isna(lower) or pd.isna(upper):
        return "no interval"
    level = row.get("confidence", "95%")
    # Signed units print their own sign; the words "to" keep a negative limit readable.
    return f"{level} interval {_fmt(k, lower)} to {_fmt(k, upper)}"


def _n_text(k, row) -> str:
    """What the figure rests on, in words: answers for survey KHIs, people for the scheme returns."""
    if k is not None and k.table == "people_supported":
        people = row.get("people_end", row.get("numerator"))
        if people is None or pd.isna(people):
            return ""
        year = row.get("period_end")
        when = f" in {schema.fy_label(int(year))}" if year is not None and pd.notna(year) else ""
        return f"{people:,.0f} people supported{when}"
    n = row.get("denominator")
    return "" if n is None or pd.isna(n) else f"n = {n:,.0f} answers"


def _is_suppressed(table: pd.DataFrame) -> pd.Series:
    if "suppressed" in table:
        return table["suppressed"].fillna(False).astype(bool)
    return table["value"].isna()


def _base_layout(fig: go.Figure, title: str, height: int, *, right: int = 20, headroom: int = 28) -> go.Figure:
    """Title, large type and white background. `height` is for the plot itself: the title's lines (and
    `headroom` for notes above the plot) are added on top, so a long finding never overlaps the chart."""
    # plotly does not wrap titles; long finding sentences would run off a narrow screen.
    lines = textwrap.wrap(title, 75) or [""]
    top = 24 + 28 * len(lines) + headroom
    fig.update_layout(
        title={"text": "<br>".join(lines), "x": 0, "xanchor": "left", "y": 1, "yanchor": "top", "yref": "container",
               "pad": {"t": 16}, "font": {"size": TITLE_SIZE}},
        font=FONT,
        hoverlabel={"font_size": FONT["size"]},
        height=height + top - 80,
        margin={"l": 10, "r": right, "t": top, "b": 50},
        paper_bgcolor="white",
        plot_bgcolor="white",
    )
    # Explicit tick fonts: a host theme (Streamlit's) would otherwise set small grey ticks over layout.font.
    tick = {"size": FONT["size"], "color": TEXT}
    fig.update_xaxes(tickfont=tick, title_font=tick, automargin=True)
    fig.update_yaxes(tickfont=tick, title_font=tick, automargin=True)
    fig.update_layout(legend_font_size=FONT["size"] - 2)
    return fig


def _axis_title(k: registry.KHI | None) -> str | None:
    if k is None:
        return None
    return k.title if k.unit in k.title else f"{k.title} ({k.unit})"


def _place_names(table: pd.DataFrame) -> pd.Series:
    if "scheme_name" in table:
        return table["scheme_name"].astype(str)
    if "area_name" in table:
        return table["area_name"].astype(str)
    return pd.Series(["All"] * len(table), index=table.index)


# ---------------------------------------------------------------------------------------------------------------
# Map


def region_map(table: pd.DataFrame, value_col: str = "value", *, title: str, diverging: bool | None = None,
               height: int = 620) -> go.Figure:
    """The 12 areas (nine English regions, three nations) shaded by `value_col`; works offline.

    `go.Choroplethmap` with the "white-bg" style draws the bundled ONS GeoJSON with no map tiles (go.Choropleth
    would fetch a base map from a CDN). Suppressed areas are grey and say "too few answers to show".
    diverging: a two-sided scale centred on zero (for % growth); by default, when the values cross zero.
    """
    k = _khi(table)
    table = table[table["area_code"].isin(schema.AREAS)].copy()
    hidden = _is_suppressed(table) | table[value_col].isna()
    names = table["area_code"].map(schema.AREAS)
    hover = [
        "<br>".join(t for t in (f"<b>{name}</b>", _fmt(k, row[value_col]) + (f" {k.unit}" if k and k.unit not in (
            "%", "people") else ""), _interval_text(k, row), _n_text(k, row)) if t)
        for name, (_, row) in zip(names, table.iterrows())
    ]
    hover = pd.Series(hover, index=table.index)
    shown = table[~hidden]
    values = shown[value_col].astype(float)
    if diverging is None:
        diverging = bool(len(values)) and values.min() < 0 < values.max()
    if diverging:
        span = float(np.nanmax(np.abs(values))) if len(values) else 1.0
        colourscale = [[0.0, COMPARISON_COLOURS["worse"]], [0.5, "#f7f7f7"], [1.0, COMPARISON_COLOURS["better"]]]
        if k is not None and k.direction == "no_judgement":
            colourscale = [[0.0, NO_JUDGEMENT_COLOURS["lower"]], [0.5, "#f7f7f7"],
                           [1.0, NO_JUDGEMENT_COLOURS["higher"]]]
        scale = {"colorscale": colourscale, "zmin": -span, "zmax": span, "zmid": 0}
    else:
        scale = {"colorscale": SEQUENTIAL_SCALE}
    unit = k.unit if k is not None else ""
    fig = go.Figure()
    fig.add_trace(go.Choroplethmap(
        geojson=reference.regions_geojson_for(shown["area_code"]), featureidkey="properties.areacd",
        locations=shown["area_code"], z=values,
        text=hover[~hidden], hovertemplate="%{text}<extra></extra>", name="",
        marker={"line": {"color": BORDER, "width": 1}, "opacity": 0.95},
        colorbar={"title": {"text": {"per 100,000 population": "per<br>100,000"}.get(unit, unit)},
                  "thickness": 18, "len": 0.8},
        **scale,
    ))
    absent = [c for c in schema.AREAS if c not in set(table["area_code"])]
    if absent:
        # Areas outside the filter stay as outlines, so a single region is still seen in its place in the UK.
        fig.add_trace(go.Choroplethmap(
            geojson=reference.regions_geojson_for(absent), featureidkey="properties.areacd", locations=absent,
            z=np.zeros(len(absent)),
            colorscale=[[0, "#ffffff"], [1, "#ffffff"]], showscale=False, name="not in this view",
            text=[f"{schema.AREAS[c]}: not in this view" for c in absent], hovertemplate="%{text}<extra></extra>",
            marker={"line": {"color": "#9a9a9a", "width": 0.8}},
        ))
    if hidden.any():
        fig.add_trace(go.Choroplethmap(
            geojson=reference.regions_geojson_for(table.loc[hidden, "area_code"]), featureidkey="properties.areacd",
            locations=table.loc[hidden, "area_code"],
            z=np.zeros(int(hidden.sum())), colorscale=[[0, SUPPRESSED_FILL], [1, SUPPRESSED_FILL]], showscale=False,
            text=[f"<b>{n}</b><br>{SUPPRESSED_TEXT}" for n in names[hidden]],
            hovertemplate="%{text}<extra></extra>", name=SUPPRESSED_TEXT,
            marker={"line": {"color": BORDER, "width": 1}},
        ))
    _base_layout(fig, title, height, headroom=0)
    # No tiles, no glyphs: "white-bg" is a style plotly.js builds in, so nothing is fetched from the internet.
    fig.update_layout(map={"style": "white-bg", "center": MAP_CENTRE, "zoom": MAP_ZOOM},
                      margin={"l": 0, "r": 0, "b": 0})
    return fig


# ---------------------------------------------------------------------------------------------------------------
# People supported, stacked by arrangement


def people_stacked(table: pd.DataFrame, *, title: str, columns: int = 3) -> go.Figure:
    """People supported per year, stacked by arrangement; one small panel per area when several areas are shown.

    Panels share the y axis so areas compare fairly by size. Suppressed cells are left as gaps (the table view
    says "too few answers to show").
    """
    from plotly.subplots import make_subplots

    table = table.copy()
    table["value"] = table["value"].where(~_is_suppressed(table))
    areas = list(dict.fromkeys(table["area_code"])) if "area_code" in table else [None]
    areas = [a for a in schema.AREAS if a in areas] or areas
    rows = -(-len(areas) // columns) if len(areas) > 1 else 1
    cols = min(columns, len(areas))
    fig = make_subplots(rows=rows, cols=cols, shared_yaxes=True, shared_xaxes=True, horizontal_spacing=0.03,
                        vertical_spacing=0.09 if rows > 1 else 0.05,
                        subplot_titles=[schema.AREAS.get(a, "All areas") if a else "All areas" for a in areas])
    arrangements = [a for a in schema.ARRANGEMENTS if a in set(table.get("arrangement", []))]
    colours = ARRANGEMENT_COLOURS
    for i, area in enumerate(areas):
        part = table if area is None else table[table["area_code"] == area]
        r, c = i // cols + 1, i % cols + 1
        for arr in arrangements:
            rows_ = part[part["arrangement"] == arr].sort_values("year")
            fig.add_trace(go.Bar(
                x=rows_["year_label"], y=rows_["value"], name=schema.LABELS["arrangement"][arr],
                marker_color=colours[arr], legendgroup=arr, showlegend=i == 0,
                hovertemplate=f"{schema.LABELS['arrangement'][arr]}, %{{x}}: %{{y:,.0f}} people<extra></extra>",
            ), row=r, col=c)
    fig.update_layout(barmode="stack", legend={"orientation": "h", "y": -0.06 if rows > 1 else -0.15,
                                               "title": {"text": "Arrangement: "}, "font": {"size": 16}})
    fig.update_xaxes(tickangle=-45, nticks=6)
    fig.update_yaxes(title_text=None, tickformat=",")
    fig.update_yaxes(title_text="People supported", col=1)
    _base_layout(fig, title, 260 * rows + 140)
    fig.update_annotations(font_size=15)
    return fig


# ---------------------------------------------------------------------------------------------------------------
# Net change / % growth per area


def growth_bars(table: pd.DataFrame, *, title: str) -> go.Figure:
    """Net change or % growth per area: bars from zero with intervals; each row's figure and status in words."""
    k = _khi(table)
    table = table.copy()
    table["_name"] = _place_names(table)
    hidden = _is_suppressed(table)
    shown = table[~hidden].sort_values("value")
    status = shown["status"] if "status" in shown else pd.Series("", index=shown.index)
    colours = [STATUS_COLOURS.get(s, NEUTRAL) for s in status]
    fig = go.Figure(go.Bar(
        y=shown["_name"], x=shown["value"], orientation="h", marker_color=colours, error_x=_error_bars(shown),
        customdata=_hover_data(k, shown), name="",
        hovertemplate="<b>%{y}</b>: %{customdata[0]}<br>%{customdata[1]}<br>%{customdata[2]}<extra></extra>",
    ))
    fig.add_vline(x=0, line_color=BORDER, line_width=1)
    _row_labels(fig, shown["_name"], [f"{_fmt(k, v)}  {s}".strip() for v, s in zip(shown["value"], status)])
    unit = k.unit if k else ""
    fig.update_xaxes(title_text=_axis_title(k), zeroline=False,
                     ticksuffix="%" if unit == "%" else "", tickformat=",", showgrid=True, gridcolor="#e5e5e5")
    _note_hidden(fig, int(hidden.sum()), "areas")
    return _base_layout(fig, title, max(360, 40 * len(shown) + 150), right=190)


def _hover_data(k, shown: pd.DataFrame):
    if not len(shown):
        return None
    return np.stack([[_fmt(k, v) for v in shown["value"]],
                     [_interval_text(k, r) for _, r in shown.iterrows()],
                     [_n_text(k, r) for _, r in shown.iterrows()]], axis=-1)


def _row_labels(fig: go.Figure, names, labels) -> None:
    """Each row's figure and its word (better / growing...) in a column right of the plot: never colour alone."""
    charts.add_annotations(fig, [dict(x=1.01, xref="paper", xanchor="left", y=name, yref="y", text=label,
                                      showarrow=False, font={"size": 15}) for name, label in zip(names, labels)])


def _error_bars(shown: pd.DataFrame) -> dict:
    if "lower" not in shown or shown["lower"].isna().all():
        return {"visible": False}
    return {"type": "data", "symmetric": False, "array": (shown["upper"] - shown["value"]).clip(lower=0),
            "arrayminus": (shown["value"] - shown["lower"]).clip(lower=0), "color": "#222222", "thickness": 1.5,
            "width": 5}


def _note_hidden(fig: go.Figure, count: int, what: str) -> None:
    if count:
        fig.add_annotation(text=f"{count} {what if count != 1 else what.rstrip('s')} not shown: {SUPPRESSED_TEXT}",
                           xref="paper", yref="paper", x=0, y=1.0, yanchor="bottom", showarrow=False,
                           font={"size": 14, "color": "#444444"})


# ---------------------------------------------------------------------------------------------------------------
# Areas or schemes against the national figure


def comparison_chart(table: pd.DataFrame, *, title: str, direction: str | None = None,
                     benchmark_name: str = "National figure") -> go.Figure:
    """Each area or scheme as a point with its interval, against the national figure as a dashed line.

    Points, not bars: percentages cluster near 90%, and a bar whose axis does not start at zero would mislead.
    Each row is coloured and labelled by the table's `comparison` column (stats.compare_to_benchmark): better /
    similar / worse, or higher / similar / lower when the KHI has no direction of good (then colours without a
    good/bad meaning).
    """
    k = _khi(table)
    direction = direction or (k.direction if k else "no_judgement")
    table = table.copy()
    table["_name"] = _place_names(table)
    hidden = _is_suppressed(table)
    shown = table[~hidden].sort_values("value")
    words = shown["comparison"].fillna("not compared").astype(str)
    colours = [comparison_colour(w) for w in words]
    fig = go.Figure(go.Scatter(
        y=shown["_name"], x=shown["value"], mode="markers", error_x=_error_bars(shown), name="",
        marker={"color": colours, "size": 13, "line": {"color": "#222222", "width": 1}},
        customdata=_hover_data(k, shown),
        hovertemplate="<b>%{y}</b>: %{customdata[0]}<br>%{customdata[1]}<br>%{customdata[2]}<extra></extra>",
    ))
    bench = table["benchmark"].dropna() if "benchmark" in table else pd.Series(dtype=float)
    if len(bench):
        b = float(bench.iloc[0])
        fig.add_vline(x=b, line_dash="dash", line_color="#222222", line_width=2)
        fig.add_annotation(x=b, y=1, yref="paper", yanchor="bottom", showarrow=False, font={"size": 14},
                           text=f"{benchmark_name}: {_fmt(k, b)}")
    _row_labels(fig, shown["_name"], [f"{_fmt(k, v)}  {w}" for v, w in zip(shown["value"], words)])
    unit = k.unit if k else ""
    fig.update_xaxes(title_text=_axis_title(k), ticksuffix="%" if unit == "%" else "",
                     showgrid=True, gridcolor="#e5e5e5")
    fig.update_yaxes(showgrid=True, gridcolor="#f0f0f0")
    _note_hidden(fig, int(hidden.sum()), "schemes" if "scheme_name" in table else "areas")
    if len(bench) and _note_count(fig):
        fig.layout.annotations[-1].update(x=1, xanchor="right")
    return _base_layout(fig, title, max(380, 30 * len(shown) + 160), right=190)


def _note_count(fig) -> int:
    return sum(1 for a in fig.layout.annotations if SUPPRESSED_TEXT in (a.text or ""))


# ---------------------------------------------------------------------------------------------------------------
# Funnel plot


def funnel_plot(table: pd.DataFrame, *, title: str, points: int = 200) -> go.Figure:
    """Schemes as points (x = answers, y = %) inside 95% and 99.8% funnel limits around the national baseline.

    Limits are drawn as smooth curves from `stats.funnel_limits` over a grid of denominators spanning the schemes
    shown. Schemes outside the 99.8% limits are named on the plot; suppressed schemes are left out, with a note.
    """
    k = _khi(table)
    direction = k.direction if k else "no_judgement"
    hidden = _is_suppressed(table) | table["value"].isna() | table["denominator"].isna()
    shown = table[~hidden].copy()
    fig = go.Figure()
    if len(shown):
        baseline = float(table["baseline"].dropna().iloc[0])
        n_max = float(shown["denominator"].max())
        n_min = max(1.0, float(shown["denominator"].min()) * 0.8)
        grid = np.geomspace(n_min, n_max * 1.1, points)
        for level, dash, name in ((0.998, "dash", "99.8% limits"), (0.95, "dot", "95% limits")):
            lo, hi = stats.funnel_limits(baseline / 100, grid, level)
            for i, y in enumerate((hi * 100, lo * 100)):
                fig.add_trace(go.Scatter(x=grid, y=y, mode="lines", line={"color": "#555555", "dash": dash,
                                                                          "width": 1.5},
                                         name=name, legendgroup=name, showlegend=i == 0, hoverinfo="skip"))
        fig.add_trace(go.Scatter(x=[grid[0], grid[-1]], y=[baseline, baseline], mode="lines",
                                 line={"color": "#222222", "width": 2}, name=f"National figure {_fmt(k, baseline)}",
                                 hoverinfo="skip"))
        position = shown.get("funnel_position_998", pd.Series("within", index=shown.index)).fillna("within")
        for where, symbol in (("within", "circle"), ("above", "triangle-up"), ("below", "triangle-down")):
            part = shown[position == where]
            if not len(part):
                continue
            colour = NEUTRAL if where == "within" else comparison_colour(_funnel_word(where, direction))
            label = {"within": "Within the 99.8% limits", "above": "Above the 99.8% limit",
                     "below": "Below the 99.8% limit"}[where]
            names = part["scheme_name"] if "scheme_name" in part else part.get("area_name", "")
            fig.add_trace(go.Scatter(
                x=part["denominator"].astype(float), y=part["value"].astype(float), mode="markers",
                marker={"symbol": symbol, "size": 9 if where == "within" else 14, "color": colour,
                        "line": {"color": "#222222", "width": 1}},
                name=label,
                customdata=np.stack([list(names), [_fmt(k, v) for v in part["value"]]], axis=-1),
                hovertemplate="<b>%{customdata[0]}</b><br>%{customdata[1]} of %{x:,.0f} answers<extra></extra>",
            ))
            if where != "within":
                _name_outliers(fig, part, names, where, x_max=float(grid[-1]))
    fig.update_xaxes(title_text="Number of answers (n)", tickformat=",", rangemode="tozero")
    unit = k.unit if k else ""
    fig.update_yaxes(title_text=_axis_title(k), ticksuffix="%" if unit == "%" else "")
    fig.update_layout(legend={"orientation": "h", "y": -0.18})
    _note_hidden(fig, int(hidden.sum()), "schemes")
    if hidden.any():
        fig.layout.annotations[-1].update(y=1.0, yanchor="bottom", x=1, xanchor="right")
    return _base_layout(fig, title, 620)


def _name_outliers(fig: go.Figure, part: pd.DataFrame, names, where: str, *, x_max: float) -> None:
    """Name each outlier with a short pointer; neighbours alternate distance so their names do not overlap."""
    part = part.assign(_name=list(names)).sort_values("denominator")
    sign = -1 if where == "above" else 1  # screen pixels: negative is up
    items = []
    for i, (_, row) in enumerate(part.iterrows()):
        x = float(row["denominator"])
        anchor = "right" if x > 0.8 * x_max else "left" if x < 0.1 * x_max else "center"
        items.append(dict(x=x, y=float(row["value"]), text=row["_name"], showarrow=True, arrowhead=0, arrowwidth=1,
                          arrowcolor="#444444", ax=0, ay=sign * (26 if i % 2 == 0 else 50), xanchor=anchor,
                          font={"size": 13, "color": TEXT}, bgcolor="rgba(255,255,255,0.85)"))
    charts.add_annotations(fig, items)


def _funnel_word(where: str, direction: str) -> str:
    if direction == "no_judgement":
        return "higher" if where == "above" else "lower"
    good = (where == "above") == (direction == "high_is_good")
    return "better" if good else "worse"


# ---------------------------------------------------------------------------------------------------------------
# Titles that state the finding (plain text, so pages, exports and slides say the same thing)


def _shown(table: pd.DataFrame) -> pd.DataFrame:
    return table[~_is_suppressed(table) & table["value"].notna()]


def _since(table: pd.DataFrame) -> str:
    start = table["period_start"].dropna() if "period_start" in table else pd.Series(dtype=float)
    return f" since {schema.fy_label(int(start.iloc[0]))}" if len(start) else ""


def _top(shown: pd.DataFrame) -> tuple[pd.Series, str]:
    """The row with the largest value and its place name as a sentence starts it ('The North West', 'London')."""
    top = shown.loc[shown["value"].idxmax()]
    name = _place_names(shown).loc[top.name]
    return top, ("The " if name.startswith(("North", "South", "East", "West")) else "") + name


def net_change_title(table: pd.DataFrame) -> str:
    """'The North West grew the most: +930 people since 2014-15' (or the smallest fall when none grew)."""
    shown = _shown(table)
    if shown.empty:
        return "People supported: too few schemes to show the change"
    top, place = _top(shown)
    verb = "grew the most" if top["value"] > 0 else "fell the least" if top["value"] < 0 else "did not change"
    return f"{place} {verb}: {_fmt(_khi(table), top['value'])} people{_since(table)}"


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
    names = _place_names(shown)
    hi, lo = shown["value"].idxmax(), shown["value"].idxmin()

    def the(n):
        return f"the {n}" if n.startswith(("North", "South", "East", "West")) else n

    first = the(names.loc[hi])
    text = f"{first[0].upper()}{first[1:]} grew the fastest: {shown.loc[hi, 'value']:+.0f}%{_since(table)}"
    if shown.loc[lo, "value"] < 0:
        text += f"; {the(names.loc[lo])} fell the most: {shown.loc[lo, 'value']:+.0f}%"
    return text


def funnel_title(table: pd.DataFrame) -> str:
    """'3 schemes were above the 99.8% limit and 4 below' (or 'All schemes were within the limits')."""
    pos = table.get("funnel_position_998", pd.Series(dtype=object))
    above, below = int((pos == "above").sum()), int((pos == "below").sum())
    title = str(table["metric_title"].iloc[0]) if len(table) else "Schemes"
    if not above and not below:
        return f"{title}: every scheme shown was within the 99.8% limits"

    def n(x):
        return f"{x} scheme{'s' if x != 1 else ''}"

    parts = [f"{n(above)} above the 99.8% limit" if above else "", f"{n(below)} below it" if below else ""]
    return f"{title}: " + " and ".join(p for p in parts if p)
