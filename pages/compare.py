"""Compare areas: one KHI for regions or schemes against the national figure, and a funnel plot of schemes.

Thin page: widgets (kept in the URL) -> ui.common.khi / ui.common.funnel (kpi.metrics.api) -> kpi.render.maps figures.
"""

import pandas as pd
import streamlit as st

from kpi.render import charts, comparison
from kpi.metrics import registry
from ui import common as ui

# Counts of people cannot be set against a national total (kpi.metrics.api leaves them "not compared"), so they are not
# offered here; every other KHI is.
METRICS = {mid: registry.get(mid).title for mid in registry.COMPARED_IDS}
LEVELS = {"region": "Nations and regions", "scheme": "Schemes"}
CONFIDENCE = {"95": "95% (the usual level)", "99.8": "99.8% (stricter: only the clearest differences)"}
MANY_SCHEMES = 40  # beyond this, the comparison chart shows only the schemes that differ unless asked for all


filters = ui.page_start("Compare areas")
st.markdown("Choose a measure. Each nation and region (or each scheme) is set against the figure for the whole "
            "country, for the same filters. **Better**, **similar** or **worse** is written beside every figure.")

metric_id = ui.url_choice("metric", METRICS, "connected_positive", st.selectbox, "Measure",
                          key="compare_metric")
left, right = st.columns(2)
with left:
    level = ui.url_choice("level", LEVELS, "region", st.radio, "Compare", key="compare_level", horizontal=True)
with right:
    ci = ui.url_choice("ci", CONFIDENCE, "95", st.radio, "How sure before we call a difference",
                       key="compare_ci", help=ui.glossary("significance"))
confidence = 0.998 if ci == "99.8" else 0.95
k = registry.get(metric_id)
st.caption(f"**{k.title}.** {k.explanation}")
if k.direction == "no_judgement":
    st.caption("This measure has no better or worse direction, so areas are shown as **higher**, **similar** or "
               "**lower** than the national figure, in colours that do not mean good or bad.")

# -- Against the national figure -----------------------------------------------------------------------------------
st.header(f"{LEVELS[level]} against the national figure")
table = ui.khi(metric_id, (level,), filters, confidence=confidence)
label_col = "scheme_name" if level == "scheme" else "area_name"
title = charts.comparison_title(table, label_col)
shown = table
if level == "scheme" and len(table) > MANY_SCHEMES:
    differ = table[table["comparison"].isin(["better", "worse", "higher", "lower"])]
    everyone = st.toggle(f"Show all {len(table)} schemes (otherwise only the {len(differ)} that differ)",
                         key="compare-all-schemes")
    shown = table if everyone or differ.empty else differ
ui.chart_block(comparison.comparison_chart(shown, title=title), table, key="compare-chart",
               filename=f"{metric_id}_by_{level}.csv")
ui.explain("benchmark")

# -- Funnel plot -----------------------------------------------------------------------------------------------------
st.header("Schemes in a funnel plot")
if not k.share_of_people:
    st.info(f"A funnel plot needs a percentage of people who answered; “{k.title}” is a {k.statistic}. "
            "Choose a percentage measure to see one.", icon=":material/info:")
else:
    funnel = ui.funnel(metric_id, filters)
    ui.chart_block(comparison.funnel_plot(funnel, title=comparison.funnel_title(funnel)), funnel, key="compare-funnel",
                   filename=f"{metric_id}_funnel_by_scheme.csv")
    ui.explain("funnel plot")
    st.subheader("Schemes outside the 99.8% limits")
    outliers = funnel[funnel["funnel_position_998"].isin(["above", "below"])].sort_values(
        ["funnel_position_998", "value"], ascending=[True, False])
    if outliers.empty:
        st.markdown("Every scheme shown is inside the 99.8% limits: none differs from the national figure by "
                    "more than chance would explain.")
    else:
        st.dataframe(pd.DataFrame({
            "Scheme": outliers["scheme_name"],
            "Area": outliers["area_name"],
            "Figure": [registry.format_value(k, v) for v in outliers["value"]],
            "Number of answers (n)": [f"{n:,.0f}" for n in outliers["denominator"]],
            "Where it sits": [f"{p} the 99.8% limit" for p in outliers["funnel_position_998"]],
        }), hide_index=True, width="stretch", key="compare-outliers")
        st.caption("Above the limit is better for this measure." if k.direction == "high_is_good" else
                   "Below the limit is better for this measure." if k.direction == "low_is_good" else
                   "This measure has no better or worse direction.")
