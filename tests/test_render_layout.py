"""Figures are built in one go (`kpi.render.style.figure`): the layout as one merged dict, shapes and annotations as
lists, the growth panels' grid from make_subplots once per grid. These check that each shortcut builds what Plotly's
own update_layout / add_vline / make_subplots + update_xaxes would have built."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest
from plotly.subplots import make_subplots

from kpi.data import schema
from kpi.render import growth, style


def _layout(fig: go.Figure) -> dict:
    return json.loads(fig.to_json())["layout"]


@pytest.mark.parametrize("updates", [
    [{"margin": {"l": 10, "r": 30, "t": 50}}, {"margin": {"r": 90}}],
    [{"xaxis": {"title": {"font": {"size": 16}}, "automargin": True}}, {"xaxis": {"title": {"text": "n"}}},
     {"xaxis": {"range": [0, 100], "automargin": False}}],
    [{"legend": {"orientation": "h", "font": {"size": 16}}}, {"legend": {"font": {"size": 14}, "y": -0.1}}],
    [{"title": {"text": "A"}, "height": 300}, {"title": {"text": "B"}, "annotations": [{"text": "x"}]},
     {"height": 390}],
])
def test_merged_layouts_are_what_update_layout_makes(updates):
    by_updates = go.Figure(go.Bar(x=[1, 2], y=["a", "b"], orientation="h"))
    for part in updates:
        by_updates.update_layout(part)
    at_once = go.Figure(go.Bar(x=[1, 2], y=["a", "b"], orientation="h"), layout=style.merged(*updates))
    assert _layout(at_once) == _layout(by_updates)


def test_merged_leaves_its_inputs_alone():
    a, b = {"xaxis": {"range": [0, 1]}}, {"xaxis": {"title": {"text": "t"}}}
    style.merged(a, b)
    assert a == {"xaxis": {"range": [0, 1]}} and b == {"xaxis": {"title": {"text": "t"}}}


def test_lines_are_what_add_vline_and_add_hline_draw():
    line = {"color": "#1A1C1E", "dash": "dash", "width": 2}
    by_plotly = go.Figure(go.Scatter(x=[0, 5], y=[0, 5]))
    by_plotly.add_vline(x=3, line=line)
    by_plotly.add_hline(y=2.5, line=line)
    ours = go.Figure(go.Scatter(x=[0, 5], y=[0, 5]),
                     layout={"shapes": [style.vline(3, line), style.hline(2.5, line)]})
    assert _layout(ours)["shapes"] == _layout(by_plotly)["shapes"]


def _people(areas: list[str]) -> pd.DataFrame:
    rows = [{"area_code": a, "arrangement": arr, "year": y, "year_label": schema.fy_label(y),
             "value": float(100 + 10 * i + j + y % 7), "suppressed": (i, j, y) == (0, 0, 2020)}
            for i, a in enumerate(areas) for j, arr in enumerate(("live_in", "short_breaks")) for y in (2019, 2020)]
    return pd.DataFrame(rows)


def _with_make_subplots(table: pd.DataFrame, columns: int = 3) -> go.Figure:
    """The panels as make_subplots + add_traces + update_xaxes/yaxes lay them out (the way people_stacked did)."""
    areas = [a for a in schema.AREAS if a in set(table["area_code"])]
    rows = -(-len(areas) // columns) if len(areas) > 1 else 1
    cols = min(columns, len(areas))
    fig = make_subplots(rows=rows, cols=cols, shared_yaxes=True, shared_xaxes=True, horizontal_spacing=0.03,
                        vertical_spacing=0.09 if rows > 1 else 0.05,
                        subplot_titles=[style.wrap(schema.AREAS[a], style.CATEGORY_WRAP) for a in areas])
    value = table["value"].where(~table["suppressed"])
    for i, a in enumerate(areas):
        for arr in ("live_in", "short_breaks"):
            part = table[(table["area_code"] == a) & (table["arrangement"] == arr)].sort_values("year")
            fig.add_trace(go.Bar(x=part["year_label"], y=value[part.index]), row=i // cols + 1, col=i % cols + 1)
    fig.update_xaxes(tickangle=-45, nticks=6, tickfont=style.AXIS_STYLE["tickfont"], automargin=True)
    fig.update_yaxes(tickformat=",", tickfont=style.AXIS_STYLE["tickfont"], automargin=True)
    fig.update_yaxes(title_text="People supported", col=1)
    fig.update_annotations(font_size=15)
    return fig


@pytest.mark.parametrize("count", [1, 2, 5, 12])
def test_growth_panels_are_laid_out_as_make_subplots_lays_them_out(count):
    table = _people(list(schema.AREAS)[:count])
    ours, theirs = growth.people_stacked(table, title="People"), _with_make_subplots(table)
    mine, expected = _layout(ours), _layout(theirs)
    axes = sorted(k for k in expected if k.startswith(("xaxis", "yaxis")))
    assert sorted(k for k in mine if k.startswith(("xaxis", "yaxis"))) == axes
    for key in axes:
        for prop in ("anchor", "domain", "matches", "showticklabels", "tickangle", "nticks", "tickformat"):
            assert mine[key].get(prop) == expected[key].get(prop), (key, prop)
        assert mine[key].get("title", {}).get("text") == expected[key].get("title", {}).get("text"), key
    assert [(a["text"], a["x"], a["y"], a["font"]["size"]) for a in mine["annotations"]] == \
           [(a["text"], a["x"], a["y"], a["font"]["size"]) for a in expected["annotations"]]
    drawn = json.loads(ours.to_json())["data"]
    reference = json.loads(theirs.to_json())["data"]
    assert [(t.get("xaxis"), t.get("yaxis")) for t in drawn] == [(t.get("xaxis"), t.get("yaxis")) for t in reference]
    values = [np.asarray(t.y, dtype=float) for t in ours.data]
    assert all(np.allclose(v, np.asarray(r.y, dtype=float), equal_nan=True) for v, r in zip(values, theirs.data))
    assert [list(t.x) for t in ours.data] == [list(t.x) for t in theirs.data]
    assert np.isnan(values[0][1])  # the suppressed cell is a gap
