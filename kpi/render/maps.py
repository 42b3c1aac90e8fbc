"""The map of the UK's 12 areas (plotly only, works offline: no tiles, nothing fetched).

It takes a tidy table from `kpi.metrics.api` (khi_table) and returns a `go.Figure`; suppressed areas are grey and
say so in words.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from kpi.data import reference, schema
from kpi.i18n import _
from kpi.metrics.disclosure import SUPPRESSED_TEXT
from kpi.render import places
from kpi.render.style import COMPARISON_COLOURS, NO_JUDGEMENT_COLOURS, TEXT, area_layout, figure
from kpi.render.text import area_name, figure_text
from kpi.render.memo import remembered

__all__ = ["region_map", "SEQUENTIAL_SCALE", "MAP_CENTRE", "MAP_ZOOM"]

# The UK's 12 areas fill a ~700 x 560 px map at this centre and zoom (tuned by eye on the dashboard).
MAP_CENTRE = {"lat": 55.2, "lon": -3.2}
MAP_ZOOM = 4.15
# ColorBrewer Blues (single hue, so it reads for every kind of colour vision and in greyscale); the first, almost
# white steps are dropped so the lowest area still stands out from the white background.
SEQUENTIAL_SCALE = [[0.0, "#c6dbef"], [0.25, "#9ecae1"], [0.5, "#6baed6"], [0.75, "#3182bd"], [1.0, "#08519c"]]
SUPPRESSED_FILL = "#d9d9d9"
BORDER = TEXT


@remembered
def region_map(table: pd.DataFrame, value_col: str = "value", *, title: str, diverging: bool | None = None,
               height: int = 620) -> go.Figure:
    """The 12 areas (nine English regions, three nations) shaded by `value_col`; works offline.

    `go.Choroplethmap` with the "white-bg" style draws the bundled ONS GeoJSON with no map tiles (go.Choropleth
    would fetch a base map from a CDN). Suppressed areas are grey and say "too few answers to show".
    diverging: a two-sided scale centred on zero (for % growth); by default, when the values cross zero.
    """
    k = places.khi_of(table)
    table = table[table["area_code"].isin(schema.AREAS)].copy()
    hidden = places.suppressed(table) | table[value_col].isna()
    names = table["area_code"].map(area_name)
    suffix = f" {k.unit_words}" if k and k.unit not in ("%", "people") else ""
    hover = [
        "<br>".join(t for t in (f"<b>{name}</b>", figure_text(k, row[value_col]) + suffix,
                                places.interval_words(k, row), places.n_text(k, row)) if t)
        for name, (_i, row) in zip(names, table.iterrows())
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
    traces = [go.Choroplethmap(
        geojson=reference.regions_geojson_for(shown["area_code"]), featureidkey="properties.areacd",
        locations=shown["area_code"], z=values,
        text=hover[~hidden], hovertemplate="%{text}<extra></extra>", name="",
        marker={"line": {"color": BORDER, "width": 1}, "opacity": 0.95},
        colorbar={"title": {"text": _("per<br>100,000") if unit == "per 100,000 population" else unit},
                  "thickness": 18, "len": 0.8},
        **scale,
    )]
    absent = [c for c in schema.AREAS if c not in set(table["area_code"])]
    if absent:
        # Areas outside the filter stay as outlines, so a single region is still seen in its place in the UK.
        traces.append(go.Choroplethmap(
            geojson=reference.regions_geojson_for(absent), featureidkey="properties.areacd", locations=absent,
            z=np.zeros(len(absent)),
            colorscale=[[0, "#ffffff"], [1, "#ffffff"]], showscale=False, name=_("not in this view"),
            text=[_("{place}: not in this view").format(place=area_name(c)) for c in absent],
            hovertemplate="%{text}<extra></extra>",
            marker={"line": {"color": "#9a9a9a", "width": 0.8}},
        ))
    if hidden.any():
        traces.append(go.Choroplethmap(
            geojson=reference.regions_geojson_for(table.loc[hidden, "area_code"]), featureidkey="properties.areacd",
            locations=table.loc[hidden, "area_code"],
            z=np.zeros(int(hidden.sum())), colorscale=[[0, SUPPRESSED_FILL], [1, SUPPRESSED_FILL]], showscale=False,
            text=[f"<b>{n}</b><br>{_(SUPPRESSED_TEXT)}" for n in names[hidden]],
            hovertemplate="%{text}<extra></extra>", name=_(SUPPRESSED_TEXT),
            marker={"line": {"color": BORDER, "width": 1}},
        ))
    # No tiles, no glyphs: "white-bg" is a style plotly.js builds in, so nothing is fetched from the internet.
    return figure(traces, area_layout(traces, title, height, headroom=0),
                  {"map": {"style": "white-bg", "center": MAP_CENTRE, "zoom": MAP_ZOOM},
                   "margin": {"l": 0, "r": 0, "b": 0}})
