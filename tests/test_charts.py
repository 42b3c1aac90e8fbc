"""ui.charts: bar, pie and scatter figures go to the browser through plotly.js's basic bundle, every other figure
(the map) through st.plotly_chart; the bundle we serve is plotly.js's own, the version our figures are built for.
The browser side (drawn, resized, a bundle that fails to load) is tests/browser/test_charts.py."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio
import plotly.offline
import pytest
from streamlit.testing.v1 import AppTest

from ui import charts

REPO = Path(__file__).resolve().parent.parent
BUNDLE = REPO / "static" / charts.BUNDLE


def test_the_served_bundle_is_plotly_js_basic_of_the_version_plotly_py_builds_figures_for():
    head = BUNDLE.read_text(encoding="utf-8")[:200]
    version = plotly.offline.get_plotlyjs_version()
    assert re.search(r"plotly\.js \(basic - minified\) v(\S+)", head).group(1) == version
    assert charts.BUNDLE == f"plotly-basic-{version}.min.js"  # a new version is a new URL: no stale cached copy
    assert "MIT" in head and (REPO / "static" / "plotly-basic-LICENSE.txt").is_file()


def test_static_serving_is_on_and_serves_only_the_bundle_and_its_licence():
    config = (REPO / ".streamlit" / "config.toml").read_text(encoding="utf-8")
    assert re.search(r"^enableStaticServing = true$", config, re.M)
    assert sorted(p.name for p in (REPO / "static").iterdir()) == [charts.BUNDLE, "plotly-basic-LICENSE.txt"]


def test_only_bar_pie_and_scatter_figures_take_the_basic_bundle():
    from kpi.render import maps

    assert charts.is_basic(go.Figure([go.Bar(x=["a"], y=[1]), go.Scatter(x=["a"], y=[1]), go.Pie(values=[1])]))
    assert charts.is_basic(go.Figure())  # no trace: nothing the bundle lacks
    table = pd.DataFrame({"area_code": ["E12000001"], "area_name": ["North East"], "value": [1.0],
                          "lower": [0.5], "upper": [1.5], "denominator": [100], "suppressed": [False]})
    region_map = maps.region_map(table, title="A map")
    assert not charts.is_basic(region_map)
    assert not charts.is_basic(go.Figure([go.Bar(x=["a"], y=[1]), go.Heatmap(z=[[1]])]))


@pytest.mark.parametrize(("base", "url"), [("", "/app/static/"), ("khi", "/khi/app/static/"),
                                           ("/khi/", "/khi/app/static/")])
def test_the_bundle_url_follows_the_apps_base_path(monkeypatch, base, url):
    monkeypatch.setattr(charts.st, "get_option", lambda name: base if name == "server.baseUrlPath" else None)
    assert charts.bundle_url() == url + charts.BUNDLE


def _chart_app():
    import plotly.graph_objects as go

    from ui import charts

    fig = go.Figure(go.Bar(x=["North East", "Wales"], y=[81.5, 79.25], name="Made things better"))
    charts.plotly_chart(fig, key="bars", alt="Two regions", config={"displaylogo": False})
    charts.plotly_chart(go.Figure(go.Choroplethmap(locations=["a"], z=[1])), key="map", alt="A map", config={})


def test_a_chart_sends_the_figure_st_plotly_chart_would_and_the_map_still_goes_through_st_plotly_chart():
    at = AppTest.from_function(_chart_app)
    at.run()
    assert not at.exception
    [component] = [e for e in at.main if type(e.proto).__name__ == "BidiComponent"]
    sent = json.loads(component.proto.json)
    fig = go.Figure(go.Bar(x=["North East", "Wales"], y=[81.5, 79.25], name="Made things better"))
    assert json.loads(sent["figure"]) == json.loads(pio.to_json(fig, validate=False))
    assert sent["config"] == {"displaylogo": False, "responsive": True, "showSendToCloud": False,
                              "plotlyServerURL": ""}
    assert sent["alt"] == "Two regions" and sent["src"] == "/app/static/" + charts.BUNDLE
    assert sent["failed"]  # what the reader sees if the bundle does not load
    [map_chart] = at.get("plotly_chart")
    assert json.loads(map_chart.proto.spec)["data"][0]["type"] == "choroplethmap"
    assert json.loads(map_chart.proto.config)["showSendToCloud"] is False  # no upload button on the map either
