"""Plotly charts on the page. Bar, pie and scatter figures (every chart but the map) are drawn with plotly.js's
basic bundle (static/, 1.2 MB) through a Streamlit component; st.plotly_chart loads the full plotly.js (4.7 MB),
whose compiling and running held a new browser's first view of a chart page back by about 0.9 s on our 2-core
machine (docs/performance.md, eighth round). The figure, its config and what the reader gets are the same; the map
(and any trace type the basic bundle lacks) still goes through st.plotly_chart."""

from __future__ import annotations

from pathlib import Path

import plotly.io as pio
import streamlit as st

from kpi.i18n import _

# plotly.js's own partial bundle, as published (npm plotly.js-basic-dist-min), the same version as the plotly.js
# inside the plotly package that builds our figures (tests/test_charts.py checks both).
BUNDLE = "plotly-basic-4.1.1.min.js"
BASIC_TRACES = frozenset({"bar", "pie", "scatter"})

_JS = (Path(__file__).with_name("charts.js")).read_text(encoding="utf-8")
_component = st.components.v2.component("khi_chart", js=_JS, isolate_styles=False)  # plotly styles the page's head


def bundle_url() -> str:
    """Where the app serves the bundle (server.enableStaticServing: static/ at <base>/app/static/)."""
    base = (st.get_option("server.baseUrlPath") or "").strip("/")
    return f"/{base}/app/static/{BUNDLE}" if base else f"/app/static/{BUNDLE}"


def is_basic(fig) -> bool:
    return all((trace.type or "scatter") in BASIC_TRACES for trace in fig.data)


# plotly.js 4 (in the basic bundle and in st.plotly_chart's) shows a "Share chart..." button that uploads the figure
# to Plotly's cloud: off, with no address to send to. A figure leaves the dashboard only through its own exports.
NO_UPLOAD = {"showSendToCloud": False, "plotlyServerURL": ""}


def plotly_chart(fig, *, key: str, alt: str | None, config: dict) -> None:
    """st.plotly_chart(fig, width="stretch", theme=None, ...) in the basic bundle when the figure's traces allow.
    theme=None: the figure keeps its own fonts and colours, the same as in image exports and slides."""
    config = {**config, **NO_UPLOAD}
    if not is_basic(fig):
        st.plotly_chart(fig, key=key, width="stretch", alt=alt, theme=None, config=config)
        return
    _component(key=key, data={
        # to_dict first: a remembered figure (kpi.render.memo) keeps its dict, so a warm view does not rebuild it.
        "figure": pio.to_json(fig.to_dict(), validate=False),
        "config": {**config, "responsive": True},
        "alt": alt or "",
        "src": bundle_url(),
        "failed": _("This chart could not be drawn here. Its figures are in its table."),
    })
