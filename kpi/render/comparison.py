"""Areas or schemes against their benchmark (England, a nation or the UK): the comparison chart, the funnel plot and
its title.

Colour is never the only signal: every point carries its judgement in words (better / similar / worse, or
higher / similar / lower), and funnel outliers are named on the plot (the furthest out, as many as fit).
"""

from __future__ import annotations

import textwrap

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from kpi.i18n import _, ngettext
from kpi.metrics import stats
from kpi.render import places
from kpi.render.style import NEUTRAL, TEXT, area_layout, comparison_colour, figure, vline
from kpi.render.text import area_name, benchmark_names, figure_text, mid_sentence_name, with_, word
from kpi.render.memo import remembered

__all__ = ["comparison_chart", "funnel_plot", "funnel_title"]

# ---------------------------------------------------------------------------------------------------------------
# Areas or schemes against their benchmark


@remembered
def comparison_chart(table: pd.DataFrame, *, title: str, direction: str | None = None) -> go.Figure:
    """Each area or scheme as a point with its interval, against its benchmark (named in the table's
    `benchmark_name`: England, a nation, the UK).

    Points, not bars: percentages cluster near 90%, and a bar whose axis does not start at zero would mislead.
    Each row is coloured and labelled by the table's `comparison` column (stats.compare_to_benchmark): better /
    similar / worse, or higher / similar / lower when the KHI has no direction of good (then colours without a
    good/bad meaning). One benchmark: a dashed line named with its value. Several (English regions against England,
    nations against the UK): each row's benchmark as a black bar on its own row, named in the row's words.
    """
    k = places.khi_of(table)
    table = table.copy()
    table["_name"] = places.place_names(table)
    hidden = places.suppressed(table)
    shown = table[~hidden].sort_values("value")
    words = shown["comparison"].fillna("not compared").astype(str)
    colours = [comparison_colour(w) for w in words]
    names = benchmark_names(table[table["benchmark"].notna()]) if "benchmark" in table else []
    if not names and "benchmark" in table and table["benchmark"].notna().any():
        names = [_("Benchmark")]  # a table that does not name its benchmark
    against = shown["benchmark_name"].fillna("").astype(str) if "benchmark_name" in shown else pd.Series(
        "", index=shown.index)
    hover = places.hover_data(k, shown)
    if hover is not None:
        hover = np.column_stack([hover, [_("Compared {with_benchmark}: {figure}").format(
                                             with_benchmark=with_(a), figure=figure_text(k, b)) if a else ""
                                         for a, b in zip(against, shown.get("benchmark", np.nan))]])
    traces = [go.Scatter(
        y=shown["_name"], x=shown["value"], mode="markers", error_x=places.error_bars(shown), name="",
        marker={"color": colours, "size": 13, "line": {"color": "#222222", "width": 1}},
        customdata=hover,
        hovertemplate="<b>%{y}</b>: %{customdata[0]}<br>%{customdata[1]}<br>%{customdata[2]}<br>%{customdata[3]}"
                      "<extra></extra>",
    )]
    bench = table["benchmark"].dropna() if "benchmark" in table else pd.Series(dtype=float)
    marks, notes = {}, []
    if len(names) == 1:
        b = float(bench.iloc[0])
        marks["shapes"] = [vline(b, {"color": "#222222", "dash": "dash", "width": 2})]
        notes.append(dict(x=b, y=1, yref="paper", yanchor="bottom", showarrow=False,
                          font={"size": 14}, text=f"{area_name(names[0])}: {figure_text(k, b)}"))
    elif len(names) > 1:
        traces.append(go.Scatter(y=shown["_name"], x=shown["benchmark"], mode="markers", name=_("Benchmark"),
                                 marker={"symbol": "line-ns", "size": 22, "line": {"color": "#222222", "width": 3}},
                                 hoverinfo="skip"))
    # Several benchmarks: each row names its own on a second line (one line would not fit beside a phone's chart).
    suffix = ((lambda a: "<br>" + _("vs {benchmark}").format(benchmark=mid_sentence_name(area_name(a))) if a else "") if len(names) > 1
              else (lambda a: ""))
    notes += places.row_labels(shown["_name"], [f"{figure_text(k, v)}  {word(w)}{suffix(a)}"
                                                for v, w, a in zip(shown["value"], words, against)])
    note = places.note_hidden(int(hidden.sum()), "schemes" if "scheme_name" in table else "areas")
    if len(names) == 1 and note:
        note[0].update(x=1, xanchor="right")  # the benchmark's name is at the top left
    if notes + note:
        marks["annotations"] = notes + note
    unit = k.unit if k else ""
    # 44 px a row: names take two lines (style.wrapped_categories); right: the row labels' column ("90%  similar")
    return figure(traces, marks, area_layout(traces, title, max(380, 44 * len(shown) + 160), right=100), {
        "xaxis": {"title": {"text": places.axis_title(k)}, "ticksuffix": "%" if unit == "%" else "", "showgrid": True,
                  "gridcolor": "#e5e5e5"},
        "yaxis": {"showgrid": True, "gridcolor": "#f0f0f0"},
        "showlegend": False})


# ---------------------------------------------------------------------------------------------------------------
# Funnel plot


@remembered
def funnel_plot(table: pd.DataFrame, *, title: str, points: int = 200) -> go.Figure:
    """Schemes as points (x = answers, y = %) inside 95% and 99.8% funnel limits around the benchmark.

    Limits are drawn as smooth curves from `stats.funnel_limits` over a grid of denominators spanning the schemes
    shown. Schemes outside the 99.8% limits are named on the plot, the furthest out first, as many above and below as
    fit without overlapping (`_furthest`; a note counts the rest); suppressed schemes are left out, with a note.
    """
    k = places.khi_of(table)
    direction = k.direction if k else "no_judgement"
    hidden = places.suppressed(table) | table["value"].isna() | table["denominator"].isna()
    shown = table[~hidden].copy()
    traces, notes, unnamed = [], [], 0
    if len(shown):
        baseline = float(table["baseline"].dropna().iloc[0])
        n_max = float(shown["denominator"].max())
        n_min = max(1.0, float(shown["denominator"].min()) * 0.8)
        grid = np.geomspace(n_min, n_max * 1.1, points)
        for level, dash, name in ((0.998, "dash", _("99.8% limits")), (0.95, "dot", _("95% limits"))):
            lo, hi = stats.funnel_limits(baseline / 100, grid, level)
            for i, y in enumerate((hi * 100, lo * 100)):
                traces.append(go.Scatter(x=grid, y=y, mode="lines", line={"color": "#555555", "dash": dash,
                                                                          "width": 1.5},
                                         name=name, legendgroup=name, showlegend=i == 0, hoverinfo="skip"))
        traces.append(go.Scatter(x=[grid[0], grid[-1]], y=[baseline, baseline], mode="lines",
                                 line={"color": "#222222", "width": 2},
                                 name=f"{_baseline_name(table)} {figure_text(k, baseline)}",
                                 hoverinfo="skip"))
        position = shown.get("funnel_position_998", pd.Series("within", index=shown.index)).fillna("within")
        for where, symbol in (("within", "circle"), ("above", "triangle-up"), ("below", "triangle-down")):
            part = shown[position == where]
            if not len(part):
                continue
            colour = NEUTRAL if where == "within" else comparison_colour(_funnel_word(where, direction))
            label = {"within": _("Within the 99.8% limits"), "above": _("Above the 99.8% limit"),
                     "below": _("Below the 99.8% limit")}[where]
            names = places.place_names(part)
            traces.append(go.Scatter(
                x=part["denominator"].astype(float), y=part["value"].astype(float), mode="markers",
                marker={"symbol": symbol, "size": 9 if where == "within" else 14, "color": colour,
                        "line": {"color": "#222222", "width": 1}},
                name=label,
                customdata=np.stack([list(names), [figure_text(k, v) for v in part["value"]]], axis=-1),
                hovertemplate="<b>%{customdata[0]}</b><br>" + _("{figure} of {n} answers").format(
                    figure="%{customdata[1]}", n="%{x:,.0f}") + "<extra></extra>",
            ))
            if where != "within":
                furthest = _furthest(part, baseline, float(grid[-1]))
                notes += _name_outliers(furthest, places.place_names(furthest), where, x_max=float(grid[-1]))
                unnamed += len(part) - len(furthest)
    note = places.note_hidden(int(hidden.sum()), "schemes")
    for n in note:
        n.update(y=1.0, yanchor="bottom", x=1, xanchor="right")
    notes += note
    if unnamed:
        notes.append(places.note_above(ngettext(
            "{n} more scheme outside the limits is not named here: see the table",
            "{n} more schemes outside the limits are not named here: see the table", unnamed).format(n=unnamed),
            xanchor="left"))
    unit = k.unit if k else ""
    return figure(traces, {"annotations": notes} if notes else {}, area_layout(traces, title, 620), {
        "xaxis": {"title": {"text": _("Number of answers (n)")}, "tickformat": ",", "rangemode": "tozero"},
        "yaxis": {"title": {"text": places.axis_title(k)}, "ticksuffix": "%" if unit == "%" else ""},
        "legend": {"orientation": "h", "y": -0.18}})


def _baseline_name(table: pd.DataFrame) -> str:
    names = benchmark_names(table)
    return area_name(names[0]) if len(names) == 1 else _("Benchmark")


# Names on one side of the funnel: at most this many, none over another (_label_span). A national store has dozens
# of outliers; the page's table lists every one, and a note counts those not named.
NAMED_PER_SIDE = 5
LABEL_GAP = 0.16  # a name's 16-character lines at 13 px are about this share of the plot's width


def _furthest(part: pd.DataFrame, baseline: float, x_max: float) -> pd.DataFrame:
    """The schemes to name: furthest outside first, in standard errors (|p - p0| x sqrt(n) orders them as the
    funnel's z does: p0 is the same for all), skipping any whose name would sit on one already chosen."""
    distance = (part["value"].astype(float) - baseline).abs() * np.sqrt(part["denominator"].astype(float))
    chosen, spans = [], []
    for i in distance.sort_values(ascending=False, kind="stable").index:
        lo, hi = _label_span(float(part.at[i, "denominator"]), x_max)
        if all(hi < a or lo > b for a, b in spans):
            chosen.append(i)
            spans.append((lo, hi))
            if len(chosen) == NAMED_PER_SIDE:
                break
    return part.loc[chosen]


def _label_span(x: float, x_max: float) -> tuple[float, float]:
    """Where a name sits on the x axis: it points inwards from the nearer edge (right of its point on the left half,
    left of it on the right half)."""
    return (x, x + LABEL_GAP * x_max) if x <= 0.5 * x_max else (x - LABEL_GAP * x_max, x)


def _name_outliers(part: pd.DataFrame, names, where: str, *, x_max: float) -> list[dict]:
    """Name each outlier given (`_furthest`: none over another) with a short pointer (the figure's annotations);
    neighbours alternate distance, so pointers side by side stay apart."""
    # Names on short lines, pointing inwards from the nearer edge: a scheme's full name is wider than half a phone.
    part = part.assign(_name=["<br>".join(textwrap.wrap(str(n), 16)) for n in names]).sort_values("denominator")
    sign = -1 if where == "above" else 1  # screen pixels: negative is up
    items = []
    for i, (_i, row) in enumerate(part.iterrows()):
        x = float(row["denominator"])
        anchor = "left" if _label_span(x, x_max)[0] == x else "right"
        items.append(dict(x=x, y=float(row["value"]), text=row["_name"], showarrow=True, arrowhead=0, arrowwidth=1,
                          arrowcolor="#444444", ax=0, ay=sign * (26 if i % 2 == 0 else 50), xanchor=anchor,
                          font={"size": 13, "color": TEXT}, bgcolor="rgba(255,255,255,0.85)"))
    return items


def _funnel_word(where: str, direction: str) -> str:
    if direction == "no_judgement":
        return "higher" if where == "above" else "lower"
    good = (where == "above") == (direction == "high_is_good")
    return "better" if good else "worse"


@remembered  # titles take table scans too: a warm view builds none
def funnel_title(table: pd.DataFrame) -> str:
    """'3 schemes were above the 99.8% limit and 4 below' (or 'every scheme shown was within the 99.8% limits', or,
    when none can be shown, that no scheme has enough answers)."""
    pos = table.get("funnel_position_998", pd.Series(dtype=object))
    above, below = int((pos == "above").sum()), int((pos == "below").sum())
    k = places.khi_of(table)  # its title in the reader's language
    title = k.title if k is not None else str(table["metric_title"].iloc[0]) if len(table) else _("Schemes")
    if not len(table) or (places.suppressed(table) | table["value"].isna()).all():
        return _("{title}: no scheme has enough answers to be shown").format(title=title)
    if not above and not below:
        return _("{title}: every scheme shown was within the 99.8% limits").format(title=title)
    if above and below:
        # Two counts, each with its own plural: the first sentence's form chosen by `above`, its second part's by `below`.
        below_part = ngettext("{n} scheme below it", "{n} schemes below it", below).format(n=below)
        return ngettext("{title}: {n} scheme above the 99.8% limit and {below}",
                        "{title}: {n} schemes above the 99.8% limit and {below}", above).format(
            title=title, n=above, below=below_part)
    if above:
        return ngettext("{title}: {n} scheme above the 99.8% limit", "{title}: {n} schemes above the 99.8% limit",
                        above).format(title=title, n=above)
    return ngettext("{title}: {n} scheme below it", "{title}: {n} schemes below it", below).format(title=title, n=below)
