"""The look every figure shares: colours, fonts, layouts, annotations and the export footer. Plotly only.

The palette is Okabe & Ito's colour-blind-safe set (Okabe M, Ito K, "Color Universal Design", 2008). Colour is never
the only signal: every builder also writes its figure and judgement in words.
"""

from __future__ import annotations

import textwrap

import plotly.graph_objects as go

from kpi.i18n import _

# Okabe-Ito
OKABE_ITO = {
    "black": "#000000",
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "bluish_green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish_purple": "#CC79A7",
}
NEUTRAL = "#B5B5B5"  # "similar": light grey, still 2:1 on white so the bar is visible; its label says "similar"
NOT_COMPARED = "#5F7A8C"  # slate: a figure shown without any judgement
TEXT = "#1A1C1E"
MUTED_TEXT = "#4A4F55"  # 8:1 on white

# Direction of good: better is blue, worse is vermillion (never red/green, which 1 in 12 men cannot tell apart).
COMPARISON_COLOURS = {
    "better": OKABE_ITO["blue"],
    "similar": NEUTRAL,
    "worse": OKABE_ITO["vermillion"],
    "not compared": NOT_COMPARED,
}
# KHIs with no direction of good get colours that suggest no judgement.
NO_JUDGEMENT_COLOURS = {
    "higher": OKABE_ITO["reddish_purple"],
    "similar": NEUTRAL,
    "lower": OKABE_ITO["sky_blue"],
    "not compared": NOT_COMPARED,
}
ANSWER_COLOURS = (OKABE_ITO["blue"], NEUTRAL, OKABE_ITO["vermillion"])  # positive / none / negative
LINE_COLOUR = OKABE_ITO["blue"]
BAND_COLOUR = "rgba(0, 114, 178, 0.18)"

FONT_SIZE = 16
TITLE_SIZE = 17
# Plotly never wraps a title, and a chart cannot know the screen's width: titles are broken at 32 characters, which
# fit a phone (at most about 320 px of 17 px type in a 358 px chart at 390 px wide; 36 at 18 px measured 378 px) and
# still read well on a desktop.
TITLE_WRAP = 32
TITLE_LINE = 24  # px per title line
CATEGORY_WRAP = 14  # row names ("Yorkshire and The Humber") on two short lines, so a phone keeps a plot to read
# Names with spaces are quoted: a bare "Source Sans 3" (a word starting with a digit) is invalid CSS and voids the list.
FONT = dict(family="'Source Sans Pro', 'Source Sans 3', Arial, sans-serif", size=FONT_SIZE, color=TEXT)


def rgb(hex_colour: str) -> tuple[int, int, int]:
    """'#1A1C1E' as (26, 28, 30), for drawing libraries that want numbers."""
    return int(hex_colour[1:3], 16), int(hex_colour[3:5], 16), int(hex_colour[5:7], 16)


def comparison_colour(comparison: str) -> str:
    return {**COMPARISON_COLOURS, **NO_JUDGEMENT_COLOURS}.get(comparison, NOT_COMPARED)


def wrap(text: str, width: int) -> str:
    """Break a long title into lines (plotly does not wrap titles)."""
    words, lines, line = text.split(), [], ""
    for w in words:
        if line and len(line) + 1 + len(w) > width:
            lines.append(line)
            line = w
        else:
            line = f"{line} {w}".strip()
    lines.append(line)
    return "<br>".join(lines)


def title_top(title: str | None, headroom: int = 0) -> tuple[str | None, int]:
    """(the title broken into short lines, the top margin that holds them and `headroom` px more)."""
    if not title:
        return None, 20 + headroom
    lines = textwrap.wrap(title, TITLE_WRAP) or [""]
    return "<br>".join(lines), 24 + TITLE_LINE * len(lines) + headroom


# Figures are made in one go, `go.Figure(data=traces, layout=...)` with the whole layout as one dict: each
# update_layout / update_xaxes / add_shape afterwards re-runs Plotly's validated property machinery (about 16 ms of
# a 20 ms layout on a three-trace chart, against 1.5 ms for the same layout given at construction).


def merged(*layouts: dict) -> dict:
    """Layout dicts merged as update_layout merges them: later values win, nested dicts are merged key by key."""
    out: dict = {}
    for part in layouts:
        for key, value in part.items():
            out[key] = merged(out[key], value) if isinstance(value, dict) and isinstance(out.get(key), dict) \
                else value
    return out


def figure(traces: list, *layouts: dict) -> go.Figure:
    """A figure from its traces and its layout parts (merged in order, see `merged`)."""
    return go.Figure(data=traces, layout=merged(*layouts))


def vline(x: float, line: dict) -> dict:
    """A vertical line across the plot at `x` (what fig.add_vline draws), as a layout shape."""
    return {"type": "line", "x0": x, "x1": x, "xref": "x", "y0": 0, "y1": 1, "yref": "y domain", "line": line}


def hline(y: float, line: dict) -> dict:
    """A horizontal line across the plot at `y` (what fig.add_hline draws), as a layout shape."""
    return {"type": "line", "x0": 0, "x1": 1, "xref": "x domain", "y0": y, "y1": y, "yref": "y", "line": line}


def wrapped_categories(traces: list, width: int = CATEGORY_WRAP) -> dict:
    """The y axis with long category names broken into short lines (the categories themselves are unchanged, so
    annotations placed at a category still find it); {} when no trace has text categories on the first y axis."""
    names = []
    for trace in traces:
        ys = getattr(trace, "y", None)
        if ys is not None and getattr(trace, "yaxis", None) in (None, "y"):
            names += [y for y in ys if isinstance(y, str)]
    names = list(dict.fromkeys(names))
    if not names:
        return {}
    return {"yaxis": {"tickmode": "array", "tickvals": names,
                      "ticktext": ["<br>".join(textwrap.wrap(n, width)) or n for n in names]}}


# Explicit tick fonts (a host theme, Streamlit's, would otherwise set small grey ticks over layout.font); automargin:
# 16px tick labels and axis titles need room, or they are cut off at the edge.
AXIS_STYLE = {"tickfont": {"size": FONT["size"], "color": TEXT},
              "title": {"font": {"size": FONT["size"], "color": TEXT}}, "automargin": True}


def chart_layout(traces: list, title: str | None, *, height: int) -> dict:
    """The dashboard charts' layout: wrapped title, 16px type, white background, no legend. `height` is for the plot:
    the title's lines are added on top."""
    text, top = title_top(title, 12)
    return merged({
        "title": {"text": text, "font": {"size": TITLE_SIZE, "weight": 600}, "x": 0, "xanchor": "left", "y": 1,
                  "yanchor": "top", "yref": "container", "pad": {"t": 16}},
        "font": FONT,
        "height": height + top - 80,
        "margin": {"l": 10, "r": 30, "t": top, "b": 50},
        "plot_bgcolor": "white",
        "paper_bgcolor": "white",
        "hoverlabel": {"font": {"size": FONT_SIZE}},
        "showlegend": False,
        "xaxis": AXIS_STYLE,
        "yaxis": AXIS_STYLE,
    }, wrapped_categories(traces))


def area_layout(traces: list, title: str, height: int, *, right: int = 20, headroom: int = 28,
                wrap: int = CATEGORY_WRAP) -> dict:
    """The area and scheme figures' layout. `height` is for the plot itself: the title's lines (and `headroom` for
    notes above the plot) are added on top, so a long finding never overlaps the chart. `wrap`: the characters per
    line of the y axis's category names."""
    text, top = title_top(title, headroom)
    return merged({
        "title": {"text": text or "", "x": 0, "xanchor": "left", "y": 1, "yanchor": "top", "yref": "container",
                  "pad": {"t": 16}, "font": {"size": TITLE_SIZE}},
        "font": FONT,
        "hoverlabel": {"font": {"size": FONT["size"]}},
        "height": height + top - 80,
        "margin": {"l": 10, "r": right, "t": top, "b": 50},
        "paper_bgcolor": "white",
        "plot_bgcolor": "white",
        "legend": {"font": {"size": FONT["size"] - 2}},
        "xaxis": AXIS_STYLE,
        "yaxis": AXIS_STYLE,
    }, wrapped_categories(traces, wrap))


def unit_axis(unit: str) -> str:
    """An axis title for a unit, in the reader's language."""
    if unit == "%":
        return _("% of people who answered")
    return _("percentage points") if unit == "percentage points" else unit


FOOTER_SIZE = 14
# A generous average character width, in ems, for an image's sans-serif text (digits and capitals are wide): lines
# wrapped to the width this allows fit the image.
_FOOTER_CHAR_EM = 0.6
_FOOTER_LINE_PX = 20


def _chars(fig: go.Figure, width: int, size: int) -> int:
    """How many characters of `size` px text fit on a line of an image `width` px wide, inside the margins."""
    margin = fig.layout.margin
    left = margin.l if margin and margin.l is not None else 80
    right = margin.r if margin and margin.r is not None else 80
    return max(30, int((width - left - right) / (size * _FOOTER_CHAR_EM)))


def title_to_width(fig: go.Figure, *, width: int) -> go.Figure:
    """The title re-wrapped for an image `width` px wide (the screen's wrap can be too wide for a narrow export), the
    top margin and the image grown by any extra lines, so the title is never cut at the side."""
    title = fig.layout.title.text if fig.layout.title else None
    if not title:
        return fig
    size = (fig.layout.title.font.size if fig.layout.title.font and fig.layout.title.font.size else TITLE_SIZE)
    wrapped = wrap(title.replace("<br>", " "), int(_chars(fig, width, size) / 1.1))  # bold is wider
    top = fig.layout.margin.t if fig.layout.margin and fig.layout.margin.t is not None else 100
    needed = 30 + int(size * 1.35) * (wrapped.count("<br>") + 1)
    fig.update_layout(title_text=wrapped)
    if needed > top:
        fig.update_layout(margin=dict(t=needed), height=(fig.layout.height or 500) + needed - top)
    return fig


def footer(fig: go.Figure, text: str, *, width: int) -> go.Figure:
    """Source, period, date made and the synthetic-data notice, written under the chart (for PNG/SVG).

    `width` is the image's width in pixels: the text is wrapped to fit it, and the image is made taller by the
    footer's lines, so a long footer is never cut off at the side or the bottom and the chart keeps its size.
    """
    margin = fig.layout.margin
    wrapped = wrap(text, _chars(fig, width, FOOTER_SIZE))
    fig.add_annotation(text=wrapped, x=0, y=0, xref="paper", yref="paper", xanchor="left", yanchor="top",
                       yshift=-45, showarrow=False, align="left", font=dict(size=FOOTER_SIZE, color=MUTED_TEXT))
    bottom = margin.b if margin and margin.b is not None else 50
    extra = 30 + _FOOTER_LINE_PX * (wrapped.count("<br>") + 1)
    fig.update_layout(margin=dict(b=bottom + extra), height=(fig.layout.height or 500) + extra)
    return fig
