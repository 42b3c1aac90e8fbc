"""The area profile (every KHI x every place, Fingertips-style) and the spine chart of one place.

Both read the table `kpi.metrics.api.profile` returns. The profile is an HTML table (each cell a link to its detail,
which a plotly heatmap cannot give in Streamlit); every cell says its judgement in words and in a shape, so colour is
never the only signal. Colours are Fingertips' (better / similar / worse; blues for KHIs with no direction of good).
"""

from __future__ import annotations

import html
import textwrap
from typing import Callable
from urllib.parse import quote

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from kpi import i18n
from kpi.data import schema
from kpi.i18n import N_, _
from kpi.metrics import registry
from kpi.metrics.disclosure import SUPPRESSED_TEXT
from kpi.render.memo import remembered
from kpi.render.places import n_text
from kpi.render.style import TEXT, area_layout, figure, vline
from kpi.render.text import area_name, figure_text, interval_text, judged, word

__all__ = ["CELL_STYLES", "TREND_TAGS", "cell_words", "trend_tag", "place_columns", "profile_html", "spine_frame",
           "spine_chart", "spine_table"]

# judgement -> (background, text colour, shape). Fingertips' colours; the shape and the word carry the meaning too.
CELL_STYLES = {
    "better": ("#92D050", TEXT, "▲"),
    "similar": ("#FFC000", TEXT, "●"),
    "worse": ("#C00000", "#FFFFFF", "▼"),
    "higher": ("#BED2FF", TEXT, "△"),
    "lower": ("#5555E6", "#FFFFFF", "▽"),
    "not compared": ("#FFFFFF", TEXT, ""),
}
# trend label -> arrow; "not tested": a KHI that is not a share of people (the trend test needs counts of people)
TREND_TAGS = {"increasing": "↑", "decreasing": "↓", "no significant change": "→", "cannot be calculated": "",
              "not tested": ""}
NO_ANSWERS = N_("no answers")  # translated where shown: _(NO_ANSWERS)
# A cell's link as a template (a string, so the built table can be remembered): these stand for its KHI and place.
METRIC_SLOT, PLACE_SLOT = "KHI-METRIC", "KHI-PLACE"


def place_columns(table: pd.DataFrame) -> tuple[str, str]:
    """(code column, name column) of the profile's places: schemes, or areas (regions and nations)."""
    return ("scheme_id", "scheme_name") if "scheme_id" in table.columns else ("area_code", "area_name")


def trend_tag(row) -> str:
    """'↑ increasing, getting better', '→ no significant change', 'trend cannot be calculated'; "" if not tested."""
    label = str(row.get("trend") or "not tested")
    if label == "not tested":
        return ""
    if label == "cannot be calculated":
        return _("trend cannot be calculated")
    assessment = row.get("trend_assessment") or ""
    return f"{TREND_TAGS[label]} {word(label)}" + (f", {word(assessment)}" if assessment else "")


def cell_words(row) -> str:
    """A cell in words: '87% ▲ better than England · → no significant change', or why there is no figure."""
    if bool(row.get("suppressed")):
        return _(SUPPRESSED_TEXT)
    value = row.get("value")
    if value is None or pd.isna(value):
        return _(NO_ANSWERS)
    k = registry.get(row["metric_id"])
    judgement = str(row.get("comparison") or "not compared")
    text = figure_text(k, value)
    if judgement != "not compared":
        text += f" {CELL_STYLES[judgement][2]} {judged(judgement, str(row.get('benchmark_name') or ''))}"
    tag = trend_tag(row)
    return f"{text} · {tag}" if tag else text


@remembered
def profile_html(table: pd.DataFrame, link: str | Callable[[str, str], str] | None = None) -> str:
    """The profile as an accessible HTML table: KHIs as rows, places as columns, the benchmarks first.

    Each cell: the figure, its judgement (word and shape, on Fingertips' colour) and its recent-trend tag; a
    suppressed cell says so. Each cell's link to its detail: `link` with METRIC_SLOT and PLACE_SLOT filled in, or
    `link(metric_id, place_code)` (a callable: then the table is built again on every call).
    """
    code_col, name_col = place_columns(table)
    places = list(dict.fromkeys(zip(table[code_col].astype(str), table[name_col].astype(str))))
    if code_col == "area_code":  # the English regions, then Wales, Scotland, Northern Ireland, as everywhere else
        order = list(schema.AREAS)
        places.sort(key=lambda p: order.index(p[0]) if p[0] in order else len(order))
    benchmarks = [n for n in dict.fromkeys(table["benchmark_name"].dropna().astype(str)) if n]
    cells = {(m, str(c)): r for m, c, r in zip(table["metric_id"], table[code_col], table.to_dict("records"))}
    bench_values = {}
    for r in table.to_dict("records"):
        if r.get("benchmark_name") and pd.notna(r.get("benchmark")):
            bench_values.setdefault((r["metric_id"], r["benchmark_name"]), r["benchmark"])
    if code_col == "area_code" and i18n.welsh():
        places = [(code, area_name(code)) for code, _name in places]
    e = html.escape
    as_benchmark = _("{benchmark} (benchmark)")  # outside the f-string, where Babel finds it
    head = "".join(f'<th scope="col">{e(as_benchmark.format(benchmark=area_name(n)))}</th>' for n in benchmarks)
    head += "".join(f'<th scope="col">{e(name)}</th>' for _i, name in places)
    rows = []
    for mid in dict.fromkeys(table["metric_id"]):
        k = registry.get(mid)
        out = [f'<th scope="row">{e(k.title)}<br><span class="khi-unit">{e(k.unit_words)}</span></th>']
        for n in benchmarks:
            b = bench_values.get((mid, n))
            out.append(f'<td class="khi-bench">{e(figure_text(k, b)) if b is not None else "–"}</td>')
        for code, name in places:
            r = cells.get((mid, code))
            if r is None:
                out.append(f'<td class="khi-cell">{e(_(NO_ANSWERS))}</td>')
                continue
            out.append(_cell(k, r, name, _href(link, mid, code)))
        rows.append("<tr>" + "".join(out) + "</tr>")
    measure = e(_("Measure"))
    return (f'<div class="khi-profile-wrap"><table class="khi-profile"><thead><tr><th scope="col">{measure}</th>'
            f'{head}</tr></thead><tbody>{"".join(rows)}</tbody></table></div>')


def _href(link, metric_id: str, code: str) -> str | None:
    if not link:
        return None
    if callable(link):
        return link(metric_id, code)
    return link.replace(METRIC_SLOT, quote(metric_id, safe="")).replace(PLACE_SLOT, quote(code, safe=""))


def _cell(k: registry.KHI, r: dict, place: str, href: str | None) -> str:
    e = html.escape
    hidden = bool(r.get("suppressed")) or r.get("value") is None or pd.isna(r.get("value"))
    judgement = "not compared" if hidden else str(r.get("comparison") or "not compared")
    background, colour, shape = CELL_STYLES.get(judgement, CELL_STYLES["not compared"])
    if hidden:
        body = e(cell_words(r))
    else:
        said = (f'<span class="khi-judgement">{shape} {e(word(judgement))}</span>' if judgement != "not compared"
                else "")
        tag = trend_tag(r)
        body = (f'<span class="khi-value">{e(figure_text(k, r["value"]))}</span>{said}'
                + (f'<span class="khi-trend">{e(tag)}</span>' if tag else ""))
    detail = [f"{place}, {k.title}: {cell_words(r)}"]
    limits = interval_text(k, r.get("lower"), r.get("upper"))
    if not hidden and limits:
        detail.append(_("{confidence} interval {limits}").format(confidence=r.get("confidence", "95%"), limits=limits))
    if not hidden and n_text(k, r):
        detail.append(n_text(k, r))
    title = e("; ".join(detail))
    if href:  # the title on the link only: it is what a screen reader names the link by
        body, title = f'<a href="{e(href)}" target="_self" title="{title}">{body}</a>', ""
    return (f'<td class="khi-cell" data-comparison="{e(judgement)}" style="background:{background};color:{colour}"'
            f'{f" title={chr(34)}{title}{chr(34)}" if title else ""}>{body}</td>')


PROFILE_CSS = """<style>
.khi-profile-wrap{overflow-x:auto;max-width:100%}
table.khi-profile{border-collapse:collapse;font-size:0.85rem}
table.khi-profile th,table.khi-profile td{border:1px solid #777;padding:3px 5px;vertical-align:top;min-width:5.5rem}
table.khi-profile thead th{position:sticky;top:0;background:#fff;z-index:1}
table.khi-profile th[scope=row]{text-align:left;min-width:14rem;background:#fff}
table.khi-profile td a{color:inherit;text-decoration:underline;display:block}
table.khi-profile span{display:block}
.khi-value{font-weight:700}
.khi-unit{font-weight:400;font-size:0.8em}
.khi-trend{font-size:0.8em}
</style>"""


# ---------------------------------------------------------------------------------------------------------------
# Spine chart


@remembered
def spine_frame(table: pd.DataFrame, place_code: str) -> pd.DataFrame:
    """One row per KHI for one place: its figure, interval, n and comparison, its benchmark, and the range of the
    places in the profile (lowest, 25th percentile, 75th percentile, highest of the figures shown; suppressed
    places left out)."""
    code_col, name_col = place_columns(table)
    shown = table[~table["suppressed"].fillna(False).astype(bool) & table["value"].notna()]
    spread = shown.groupby("metric_id", sort=False)["value"].agg(
        lowest="min", p25=lambda v: float(np.percentile(v, 25)), p75=lambda v: float(np.percentile(v, 75)),
        highest="max", places="count")
    mine = table[table[code_col].astype(str) == str(place_code)]
    cols = ["metric_id", "metric_title", name_col, "value", "lower", "upper", "denominator", "unit", "benchmark",
            "benchmark_name", "comparison", "confidence", "trend", "trend_assessment", "people_end", "period_end",
            "suppressed", "suppression"]
    out = mine[[c for c in cols if c in mine.columns]].merge(spread, left_on="metric_id", right_index=True,
                                                             how="left")
    return out.reset_index(drop=True)


SPINE_WRAP = 28  # characters per line of a KHI's title beside its row
LABEL_LINE_PX = 21  # a 16px tick label's line, as Plotly spaces the lines of a wrapped one


@remembered
def spine_chart(frame: pd.DataFrame, *, title: str) -> go.Figure:
    """Fingertips' spine chart: each KHI's benchmark at the centre, the range of places as a light bar (lowest to
    highest) with a darker middle half (25th to 75th percentile), and the place's figure as a marker shaped and
    coloured by its comparison. Worse to the left, better to the right (lower to higher for KHIs with no direction
    of good). Each KHI is scaled on its own, so the axis has no unit; hover and the table beside it carry the
    figures, n and intervals."""
    rows = frame.iloc[::-1].reset_index(drop=True)  # plotly draws the first category at the bottom
    labels = [registry.get(m).title for m in rows["metric_id"]]  # the KHI's title in the reader's language
    xs = {"lowest": [], "p25": [], "p75": [], "highest": [], "value": []}
    for _i, r in rows.iterrows():
        k = registry.get(r["metric_id"])
        centre = r["benchmark"] if pd.notna(r.get("benchmark")) else np.nanmedian([r["lowest"], r["highest"]])
        half = np.nanmax([abs(r["lowest"] - centre), abs(r["highest"] - centre), 1e-9])
        sign = -1.0 if k.direction == "low_is_good" else 1.0  # better to the right
        for key in xs:
            v = r.get(key)
            xs[key].append(np.nan if v is None or pd.isna(v) else 0.5 + sign * (float(v) - centre) / (2 * half))
    lo = np.fmin(xs["lowest"], xs["highest"])
    hi = np.fmax(xs["lowest"], xs["highest"])
    q_lo, q_hi = np.fmin(xs["p25"], xs["p75"]), np.fmax(xs["p25"], xs["p75"])
    traces = [go.Bar(y=labels, x=hi - lo, base=lo, orientation="h", marker={"color": "#D9D9D9"},
                     name=_("All places: lowest to highest"), hoverinfo="skip"),
              go.Bar(y=labels, x=q_hi - q_lo, base=q_lo, orientation="h", marker={"color": "#8C8C8C"},
                     name=_("Middle half of places"), hoverinfo="skip")]
    hover, colours, symbols = [], [], []
    for _i, r in rows.iterrows():
        k = registry.get(r["metric_id"])
        word = str(r.get("comparison") or "not compared")
        colours.append(CELL_STYLES.get(word, CELL_STYLES["not compared"])[0])
        symbols.append({"better": "triangle-up", "worse": "triangle-down", "higher": "triangle-up-open",
                        "lower": "triangle-down-open", "similar": "circle"}.get(word, "diamond"))
        hover.append(_spine_hover(k, r))
    traces.append(go.Scatter(y=labels, x=xs["value"], mode="markers", name=_("This place"),
                             marker={"color": colours, "symbol": symbols, "size": 14,
                                     "line": {"color": "#000000", "width": 1.5}},
                             customdata=hover, hovertemplate="%{customdata}<extra></extra>"))
    # Each row as tall as the longest title's lines, so no two titles overlap (a KHI's title is longer than a region's
    # name: wrapped wider than area charts' rows, on at most two or three lines).
    lines = max((len(textwrap.wrap(label, SPINE_WRAP)) for label in labels), default=1)
    return figure(traces, {"shapes": [vline(0.5, {"color": "#000000", "width": 2})]},
                  {"barmode": "overlay", "legend": {"orientation": "h", "y": -0.08, "x": 0}},
                  area_layout(traces, title, max(360, max(28, LABEL_LINE_PX * lines + 6) * len(rows) + 120),
                              wrap=SPINE_WRAP),
                  {"xaxis": {"range": [0, 1], "showticklabels": False, "showgrid": False, "zeroline": False,
                             "title": {"text": _("← worse   better →")}}})


def _spine_hover(k: registry.KHI, r) -> str:
    if bool(r.get("suppressed")) or r.get("value") is None or pd.isna(r.get("value")):
        return f"<b>{k.title}</b>: {_(SUPPRESSED_TEXT)}"
    parts = [f"<b>{k.title}</b>: {figure_text(k, r['value'])}"]
    limits = interval_text(k, r.get("lower"), r.get("upper"))
    if limits:
        parts.append(_("{confidence} interval {limits}").format(confidence=r.get("confidence", "95%"), limits=limits))
    n = n_text(k, r)
    if n:
        parts.append(n)
    if r.get("benchmark_name") and pd.notna(r.get("benchmark")):
        parts.append(f"{word(r['comparison'])} ({area_name(r['benchmark_name'])}: {figure_text(k, r['benchmark'])})")
    parts.append(_("places from {lowest} to {highest}").format(lowest=figure_text(k, r["lowest"]),
                                                               highest=figure_text(k, r["highest"])))
    return "<br>".join(parts)


@remembered
def spine_table(frame: pd.DataFrame) -> pd.DataFrame:
    """The spine chart as a table for people: each KHI's figure, interval, n, benchmark and comparison, and the
    range of places."""
    rows = []
    for _i, r in frame.iterrows():
        k = registry.get(r["metric_id"])
        hidden = bool(r.get("suppressed")) or pd.isna(r.get("value"))
        bench = r.get("benchmark")
        rows.append({
            _("Measure"): k.title,
            _("Figure"): _(SUPPRESSED_TEXT) if hidden else figure_text(k, r["value"]),
            _("{confidence} interval").format(confidence=r.get("confidence", "95%")):
                "" if hidden else interval_text(k, r.get("lower"), r.get("upper")),
            _("Number of answers (n)"): "" if hidden else n_text(k, r),
            _("Benchmark"): "" if pd.isna(bench) else f"{area_name(r['benchmark_name'])} {figure_text(k, bench)}",
            _("Compared with the benchmark"): "" if hidden else word(r.get("comparison") or ""),
            _("Recent trend"): "" if hidden else trend_tag(r),
            _("Lowest"): figure_text(k, r.get("lowest")), _("25th percentile"): figure_text(k, r.get("p25")),
            _("75th percentile"): figure_text(k, r.get("p75")), _("Highest"): figure_text(k, r.get("highest")),
        })
    return pd.DataFrame(rows)
