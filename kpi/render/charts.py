"""Chart builders for the dashboard, image exports and slides: bars, trends, answers, distributions, the pictogram.

Plotly only, no Streamlit, nothing fetched. Every builder takes a tidy table from `kpi.metrics.api` (or plain
numbers) and returns a `go.Figure`. Colour is never the only signal: each mark carries a text label with its figure
and, where there is a judgement, the judgement in words. Colours and layout come from `kpi.render.style`.
Figures are built with `go` rather than plotly express: about 20x cheaper per figure.
"""

from __future__ import annotations

import math
from typing import Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from kpi.i18n import N_, _, ngettext, pgettext
from kpi.metrics import registry
from kpi.metrics.disclosure import SUPPRESSED_TEXT
from kpi.render import people
from kpi.render.places import khi_of
from kpi.render.style import (ANSWER_COLOURS, BAND_COLOUR, FONT_SIZE, LINE_COLOUR, MUTED_TEXT, NEUTRAL, OKABE_ITO,
                              TEXT, chart_layout, comparison_colour, figure, hline, unit_axis, vline)
from kpi.render.text import area_name, capitalised, figure_text, interval_text, than, than_words, to, to_words, word
from kpi.render.memo import remembered

# ---------------------------------------------------------------------------------------------------------------
# Titles that state the finding


def finding_title(metric_id: str, value: float | None, *, programmes: tuple[str, ...] = (), place: str = "") -> str:
    """The finding as a sentence, e.g. 'Nearly 9 in 10 people said their support helped them feel more connected'."""
    k = registry.get(metric_id)
    text = registry.sentence(k, None if value is None or pd.isna(value) else float(value), programmes=programmes)
    text = text.rstrip(".")
    return f"{area_name(place)}: {text[0].lower()}{text[1:]}" if place and not text.startswith(k.title) else text


def _was(judgement: str, names: Sequence[str], than_benchmark: str) -> str:
    """'London was better than England', 'A and B were worse than the UK'."""
    one = len(names) == 1
    template = {
        "better": _("{names} was better {than_benchmark}") if one else _("{names} were better {than_benchmark}"),
        "worse": _("{names} was worse {than_benchmark}") if one else _("{names} were worse {than_benchmark}"),
        "higher": _("{names} was higher {than_benchmark}") if one else _("{names} were higher {than_benchmark}"),
        "lower": _("{names} was lower {than_benchmark}") if one else _("{names} were lower {than_benchmark}"),
    }[judgement]
    return template.format(names=_join(names), than_benchmark=than_benchmark)


@remembered  # titles take table scans too: a warm view builds none
def comparison_title(table: pd.DataFrame, label_col: str, *, against: str | None = None) -> str:
    """Which groups differ from the benchmark, in words; 'all similar' when none do. `against` defaults to the
    benchmark the table names ('England', 'the UK'...)."""
    if table.empty:
        return _("No answers for this choice")
    k = khi_of(table)  # its title in the reader's language
    title = k.title if k is not None else str(table["metric_title"].iloc[0])
    words = {}
    for judgement in ("better", "worse", "higher", "lower"):
        rows = table["comparison"] == judgement
        names = (table.loc[rows, label_col].astype(str).map(area_name) if label_col == "area_name"
                 else table.loc[rows, label_col].astype(str)).tolist()
        if names:
            words[judgement] = names
    if not words:
        compared = (table["comparison"] == "similar").any()
        if not compared:
            return title
        return _("{title}: all similar {to_benchmark}").format(title=title,
                                                               to_benchmark=to(against) if against else to_words(table))
    than_benchmark = than(against) if against else than_words(table)
    return _("{title}: {findings}").format(title=title, findings="; ".join(
        _was(j, names, than_benchmark) for j, names in words.items()))


def _join(names: Sequence[str]) -> str:
    names = list(names)
    if len(names) > 4:
        return _("{names} and {count} more").format(names=", ".join(names[:3]), count=len(names) - 3)
    return names[0] if len(names) == 1 else _("{names} and {last}").format(names=", ".join(names[:-1]),
                                                                           last=names[-1])


def trend_title(metric_title: str, trend_words: str | None, periods: int | None = None) -> str:
    """'Feeling connected: positive impact — no significant change over the last 5 years'."""
    if not trend_words or trend_words == "cannot be calculated":
        return _("{title}, year by year").format(title=metric_title)
    if periods:
        return ngettext("{title}: {trend} over the last {n} years", "{title}: {trend} over the last {n} years",
                        periods).format(title=metric_title, trend=word(trend_words), n=periods)
    return f"{metric_title}: {word(trend_words)}"


# ---------------------------------------------------------------------------------------------------------------
# Bars with intervals


@remembered
def bar_with_intervals(table: pd.DataFrame, label_col: str, *, title: str, benchmark: float | None = None,
                       benchmark_label: str = N_("National figure")) -> go.Figure:
    """Horizontal bars (one per row) with 95% interval whiskers, coloured and labelled by the comparison.

    Suppressed rows keep their place as a labelled gap ("too few answers to show"), so nothing silently vanishes.
    """
    t = table.reset_index(drop=True)
    mid = str(t["metric_id"].iloc[0]) if len(t) else None
    unit = str(t["unit"].iloc[0]) if len(t) else ""
    labels = t[label_col].astype(str).map(area_name if label_col == "area_name" else _)  # category labels are English data.tolist()
    value = pd.to_numeric(t["value"], errors="coerce")
    lower = pd.to_numeric(t["lower"], errors="coerce")
    upper = pd.to_numeric(t["upper"], errors="coerce")
    suppressed = t["suppressed"].astype(bool) if "suppressed" in t else value.isna()
    comparison = t["comparison"].astype(str) if "comparison" in t else pd.Series("not compared", index=t.index)
    colours = [comparison_colour(c) for c in comparison]

    traces = [go.Bar(
        y=labels, x=value.fillna(0), orientation="h", marker=dict(color=colours, line=dict(color=TEXT, width=0.5)),
        error_x=dict(type="data", symmetric=False, array=(upper - value).clip(lower=0).fillna(0),
                     arrayminus=(value - lower).clip(lower=0).fillna(0), color=TEXT, thickness=1.5, width=5),
        customdata=np.column_stack([[interval_text(mid, lo, hi) for lo, hi in zip(lower, upper)],
                                    comparison.map(word), t["denominator"].astype(object).fillna("–")]),
        hovertemplate="%{y}<br>%{x:.1f}<br>" + _("95% interval: {interval}").format(interval="%{customdata[0]}")
                      + "<br>n = %{customdata[2]}<br>%{customdata[1]}<extra></extra>",
        name="",
    )]
    hi_end = float(np.nanmax([upper.max(), value.max(), benchmark or 0, 1])) if len(t) else 1
    pad = hi_end * 0.02
    text_x = [0 if s else (u if not pd.isna(u) else v) + pad for s, u, v in zip(suppressed, upper, value)]
    # The figure and its judgement on two lines, so the labels' margin leaves a phone a plot to read.
    text = [_(SUPPRESSED_TEXT) if s else f"{figure_text(mid, v)}<br>{word(c)}" if c != "not compared"
            else figure_text(mid, v) for s, v, c in zip(suppressed, value, comparison)]
    traces.append(go.Scatter(y=labels, x=text_x, mode="text", text=text, textposition="middle right",
                             textfont=dict(size=FONT_SIZE, color=TEXT), hoverinfo="skip", cliponaxis=False))
    marks = {}
    if benchmark is not None and not pd.isna(benchmark):
        marks = {"shapes": [vline(benchmark, dict(color=TEXT, dash="dash", width=2))],
                 "annotations": [dict(x=benchmark, y=1, yref="paper", yanchor="bottom", showarrow=False,
                                      text=f"{_(benchmark_label)}: {figure_text(mid, benchmark)}",
                                      font=dict(size=FONT_SIZE - 1))]}
    top = 100.0 if unit == "%" else hi_end * 1.32  # a percentage axis ends at 100; labels go in the margin
    left = min(0.0, float(lower.fillna(0).min()) * 1.1 if len(t) else 0.0)  # no rows: an empty axis
    return figure(traces, marks, chart_layout(traces, title, height=max(260, 46 * len(t) + 150)), {
        "yaxis": dict(autorange="reversed", automargin=True, ticks="", showgrid=False),
        "xaxis": dict(title=dict(text=unit_axis(unit)), range=[left, top], showgrid=True, gridcolor="#E5E5E5",
                      zeroline=True, zerolinecolor=TEXT),
        "margin": dict(r=90 if unit == "%" else 30)})


# ---------------------------------------------------------------------------------------------------------------
# Trend


@remembered
def trend_chart(table: pd.DataFrame, *, title: str, x_col: str = "year_label", benchmark: float | None = None
                ) -> go.Figure:
    """The KHI by year: a line with markers and a shaded 95% interval band. Suppressed years are gaps, labelled."""
    t = table.reset_index(drop=True)
    mid = str(t["metric_id"].iloc[0]) if "metric_id" in t and len(t) else None
    unit = str(t["unit"].iloc[0]) if "unit" in t and len(t) else "%"
    x = t[x_col].astype(str).tolist()
    value = pd.to_numeric(t["value"], errors="coerce")
    lower = pd.to_numeric(t.get("lower", value), errors="coerce")
    upper = pd.to_numeric(t.get("upper", value), errors="coerce")
    traces = []
    if lower.notna().any():
        traces.append(go.Scatter(x=x, y=upper, mode="lines", line=dict(width=0), hoverinfo="skip"))
        traces.append(go.Scatter(x=x, y=lower, mode="lines", line=dict(width=0), fill="tonexty",
                                 fillcolor=BAND_COLOUR, hoverinfo="skip", name=_("95% interval")))
    text = [(figure_text(mid, v) if mid else f"{v:.1f}") if not pd.isna(v) else "" for v in value]
    # Label the first and last points and every few between, so labels do not collide on long series.
    step = max(1, math.ceil(len(x) / 6))
    text = [s if (i % step == 0 or i == len(x) - 1) else "" for i, s in enumerate(text)]
    traces.append(go.Scatter(
        x=x, y=value, mode="lines+markers+text", text=text, textposition="top center",
        line=dict(color=LINE_COLOUR, width=3), marker=dict(size=9, color=LINE_COLOUR),
        customdata=[interval_text(mid, lo, hi) if mid else "" for lo, hi in zip(lower, upper)],
        hovertemplate="%{x}: %{y:.1f}<br>" + _("95% interval: {interval}").format(interval="%{customdata}")
                      + "<extra></extra>", connectgaps=False,
        cliponaxis=False,
    ))
    marks: dict = {}
    gaps = [dict(x=xi, y=0, yref="paper", yanchor="bottom", text=_("too few<br>answers"), showarrow=False,
                 font=dict(size=FONT_SIZE - 2, color=MUTED_TEXT))
            for xi, s in zip(x, t["suppressed"].astype(bool)) if s] if "suppressed" in t else []
    if gaps:
        marks["annotations"] = gaps
    if benchmark is not None and not pd.isna(benchmark):
        marks["shapes"] = [hline(benchmark, dict(color=TEXT, dash="dash", width=1.5))]
    lo = float(np.nanmin(lower)) if lower.notna().any() else 0.0
    hi = float(np.nanmax(upper)) if upper.notna().any() else 1.0
    span = max(hi - lo, 1.0)
    return figure(traces, marks, chart_layout(traces, title, height=380), {
        "yaxis": dict(title=dict(text=unit_axis(unit)), range=[lo - span * 0.6, hi + span * 0.6], showgrid=True,
                      gridcolor="#E5E5E5"),
        "xaxis": dict(type="category", showgrid=False)})


# ---------------------------------------------------------------------------------------------------------------
# Positive / none / negative


@remembered
def answers_stacked(table: pd.DataFrame, pairs: Sequence[tuple[str, str, str]], *, title: str,
                    answer_labels: tuple[str, str, str] = (N_("Better"), N_("No difference"), N_("Worse"))
                    ) -> go.Figure:
    """One bar per topic split into positive / middle / negative percentages, each segment labelled.

    `table` is a stacked KHI table (one overall row per KHI); `pairs` are (topic label, positive id, negative id).
    The middle share is what remains of the same answers (100 - positive - negative): both KHIs share a denominator.
    """
    rows = _split_rows(table, pairs)
    traces = []
    for i, (part, name) in enumerate(zip(("positive", "middle", "negative"), map(_, answer_labels))):
        vals = rows[part]
        last = i == 2
        # Every segment carries its figure; the last one (often only a few %) is labelled just past the bar's end.
        text = ["" if pd.isna(v) else f"{v:.0f}%" if (v >= 4 or last) else "" for v in vals]
        traces.append(go.Bar(
            y=rows["label"], x=vals.fillna(0), orientation="h", name=name, text=text,
            textposition="outside" if last else "inside", insidetextanchor="middle", cliponaxis=False,
            textfont=dict(size=FONT_SIZE, color=TEXT if i == 1 or last else "white"),
            marker=dict(color=ANSWER_COLOURS[i], line=dict(color="white", width=1)),
            hovertemplate=f"%{{y}}<br>{name}: %{{x:.1f}}%<extra></extra>",
        ))
    gaps = [dict(x=0, y=label, xanchor="left", showarrow=False, text=_(SUPPRESSED_TEXT))
            for label, s in zip(rows["label"], rows["suppressed"]) if s]
    base = chart_layout(traces, title, height=max(260, 56 * len(rows) + 210))
    # The legend sits at the foot of the chart, in rows of its own: above the bars it ran into a wrapped title, and
    # on a phone its three entries take two or three rows, which only the bottom margin can grow into.
    return figure(traces, {"annotations": gaps} if gaps else {}, base, {
        "barmode": "stack", "showlegend": True, "uniformtext": dict(minsize=FONT_SIZE - 2, mode="show"),
        "legend": dict(orientation="h", yref="container", yanchor="bottom", y=0, x=0, traceorder="normal",
                       font=dict(size=FONT_SIZE)),
        "yaxis": dict(autorange="reversed", automargin=True),
        "xaxis": dict(range=[0, 100], title=dict(text=_("% of people who answered")), showgrid=False),
        "height": base["height"] + 90, "margin": dict(b=140, r=60, l=20)})


def _split_rows(table: pd.DataFrame, pairs) -> pd.DataFrame:
    by_id = table.set_index("metric_id")
    out = []
    for label, pos_id, neg_id in pairs:
        pos, neg = by_id.loc[pos_id], by_id.loc[neg_id]
        suppressed = bool(pos["suppressed"]) or bool(neg["suppressed"])
        p = np.nan if suppressed else float(pos["value"])
        n = np.nan if suppressed else float(neg["value"])
        out.append(dict(label=label, positive=p, negative=n, middle=100 - p - n, suppressed=suppressed))
    return pd.DataFrame(out, columns=["label", "positive", "middle", "negative", "suppressed"])


# ---------------------------------------------------------------------------------------------------------------
# Friends


def friends_bands(table: pd.DataFrame) -> pd.DataFrame:
    """None / 1 or 2 / 3 or more friends (%) from the friends_none and friends_three_plus rows (same denominator)."""
    by_id = table.set_index("metric_id")
    none, three = by_id.loc["friends_none"], by_id.loc["friends_three_plus"]
    suppressed = bool(none["suppressed"]) or bool(three["suppressed"])
    nan = np.nan
    return pd.DataFrame({
        "band": [_("No friends"), _("1 or 2 friends"), _("3 or more friends")],
        "value": [nan, nan, nan] if suppressed else [none["value"], 100 - none["value"] - three["value"],
                                                     three["value"]],
        "lower": [nan] * 3 if suppressed else [none["lower"], nan, three["lower"]],
        "upper": [nan] * 3 if suppressed else [none["upper"], nan, three["upper"]],
        "suppressed": [suppressed] * 3,
    })


@remembered
def distribution_chart(bands: pd.DataFrame, *, title: str, median: float | None = None) -> go.Figure:
    """Vertical bars of a distribution (e.g. friends: none / 1-2 / 3+), labelled with their %, median noted."""
    value = pd.to_numeric(bands["value"], errors="coerce")
    lower = pd.to_numeric(bands["lower"], errors="coerce")
    upper = pd.to_numeric(bands["upper"], errors="coerce")
    colours = [OKABE_ITO["vermillion"], NEUTRAL, OKABE_ITO["blue"]][: len(bands)]
    traces = [go.Bar(
        x=bands["band"], y=value.fillna(0), marker=dict(color=colours, line=dict(color=TEXT, width=0.5)),
        error_y=dict(type="data", symmetric=False, array=(upper - value).fillna(0),
                     arrayminus=(value - lower).fillna(0), color=TEXT, thickness=1.5, width=6),
        text=[_(SUPPRESSED_TEXT) if pd.isna(v) else f"{v:.0f}%" for v in value], textposition="outside",
        textfont=dict(size=FONT_SIZE + 2, color=TEXT), cliponaxis=False,
        hovertemplate="%{x}: %{y:.1f}%<extra></extra>",
    )]
    marks = {}
    if median is not None and not pd.isna(median):
        marks["annotations"] = [dict(x=1, y=1.0, xref="paper", yref="paper", xanchor="right", yanchor="bottom",
                                     showarrow=False, font=dict(size=FONT_SIZE),
                                     text=_("Middle number: {median} friends").format(median=f"{median:.0f}"))]
    top = float(np.nanmax([upper.max(), value.max(), 1]))
    return figure(traces, marks, chart_layout(traces, title, height=380), {
        "yaxis": dict(title=dict(text=_("% of people who answered")), range=[0, top * 1.25], gridcolor="#E5E5E5")})


# ---------------------------------------------------------------------------------------------------------------
# Pictogram


def _rounded_rect(box: people.Box, r: float, top: float) -> str:
    """An SVG path for `box` (y downwards) with rounded corners, flipped so y grows upwards from `top`."""
    x0, x1, yt, yb = box.x, box.x + box.w, top - box.y, top - box.y - box.h
    steps = [("M", x0, yb + r), ("L", x0, yt - r), ("Q", x0, yt, x0 + r, yt), ("L", x1 - r, yt),
             ("Q", x1, yt, x1, yt - r), ("L", x1, yb + r), ("Q", x1, yb, x1 - r, yb), ("L", x0 + r, yb),
             ("Q", x0, yb, x0, yb + r)]
    return " ".join(c + " " + " ".join(f"{x:.4f},{y:.4f}" for x, y in zip(v[::2], v[1::2])) for c, *v in steps) + " Z"


@remembered
def people_pictogram(value_pct: float | None, *, title: str | None = None, colour: str = people.ON) -> go.Figure:
    """Ten person shapes, k highlighted ('9 in 10'); drawn as shapes, so nothing is fetched. Text alt in the title."""
    shapes = []
    k = 0 if value_pct is None or pd.isna(value_pct) else people.count(float(value_pct))
    width = float(people.PEOPLE)
    top = people.height(width)
    for i, (head, body) in enumerate(people.boxes(0, 0, width)):
        fill, line = (colour, dict(width=0)) if i < k else (people.OFF, dict(color=people.OFF_EDGE, width=1))
        shapes.append(dict(type="circle", x0=head.x, x1=head.x + head.w, y0=top - head.y - head.h, y1=top - head.y,
                           fillcolor=fill, line=line))
        shapes.append(dict(type="path", path=_rounded_rect(body, people.corner(width), top), fillcolor=fill,
                           line=line))
    alt = (_(SUPPRESSED_TEXT) if value_pct is None or pd.isna(value_pct)
           else _("{k} in 10 people").format(k=k))
    # An invisible point per person gives hover text and keeps the axes honest.
    traces = [go.Scatter(x=[i + 0.5 for i in range(10)], y=[1.0] * 10, mode="markers", marker=dict(opacity=0),
                         hoverinfo="skip")]
    return figure(traces, {"shapes": shapes}, chart_layout(traces, title or alt, height=260), {
        "xaxis": dict(visible=False, range=[0, width], fixedrange=True),
        "yaxis": dict(visible=False, range=[0, top], fixedrange=True, scaleanchor="x", scaleratio=1)})


# ---------------------------------------------------------------------------------------------------------------
# Titles for answers charts


@remembered
def answers_title(table: pd.DataFrame, pairs: Sequence[tuple[str, str, str]], *, better: str | None = None,
                  worse: str | None = None) -> str:
    """The finding of a positive/negative split in words, e.g. 'Between 78% and 90% said support made things better
    in each area of life; no more than 3% said worse'. `better`, `worse`: what people said, in the reader's language
    (default "better", "worse")."""
    # What people said support made things: after "said" ("dweud ei fod yn well"), mutated in Welsh, unlike a cell.
    better = pgettext("said", "better") if better is None else better
    worse = pgettext("said", "worse") if worse is None else worse
    rows = _split_rows(table, pairs).dropna(subset=["positive"])
    if rows.empty:
        return capitalised(_(SUPPRESSED_TEXT))
    if len(rows) == 1:
        r = rows.iloc[0]
        return _("{topic}: {share} said {better}; {negative}% said {worse}").format(
            topic=r["label"], share=registry.plain_share(r["positive"] / 100), better=better,
            negative=f"{r['negative']:.0f}", worse=worse)
    lo, hi, worst = rows["positive"].min(), rows["positive"].max(), rows["negative"].max()
    return _("Between {lowest}% and {highest}% said their support made things {better}; no more than {worst}% said "
             "{worse}").format(lowest=f"{lo:.0f}", highest=f"{hi:.0f}", better=better, worst=f"{worst:.0f}",
                               worse=worse)
