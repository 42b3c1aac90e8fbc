"""Health: physical and emotional health impact (positive, negative, net) with breakdowns."""

import streamlit as st

from kpi.render import charts
from kpi.metrics import registry
from ui import blocks, cards, data, glossary, nav, state

f = nav.page_start("Health")
period, place = state.period_label(f), state.place_label(f)
st.markdown(f"**What this page shows:** whether people said their support helped or harmed their physical and "
            f"emotional health, for **{place}**, **{period}**, and how that differs between groups of people.")

pairs = [("Physical health", "physical_health_positive", "physical_health_negative"),
         ("Emotional health", "emotional_health_positive", "emotional_health_negative")]
scope = data.viewer_scope()
split = data.khi_tables([m for _, pos, neg in pairs for m in (pos, neg)], filters=f, scope=scope)
fig = charts.answers_stacked(split, pairs, title=charts.answers_title(split, pairs),
                             answer_labels=("Made things better", "No difference", "Made things worse"))
blocks.chart_block(fig, split, key="health-split", filename="khi-health.csv")

st.subheader("Net impact")
net = data.khi_tables(["physical_health_net", "emotional_health_net"], filters=f, scope=scope)
cards.figure_cards(net, key="health-net", filename="khi-health-net.csv", programmes=f.programmes)
glossary.explain("net impact")

st.header("Differences between groups")
health_ids = [k.id for k in registry.REGISTRY if k.theme == "health"]
breakdowns = {"arrangement": "Arrangement", "age_band": "Age band", "primary_need": "Primary need"}
label_cols = {"arrangement": "arrangement_label", "age_band": "age_band_label", "primary_need": "primary_need_label"}
left, right = st.columns(2)
metric_id = left.selectbox("Measure", health_ids, format_func=lambda m: registry.get(m).title, key="health-metric")
by = right.segmented_control("Break down by", list(breakdowns), format_func=breakdowns.get, default="arrangement",
                             required=True, key="health-by")
table = data.khi(metric_id, by, f, scope=scope)
bench = table["benchmark"].dropna()
fig = charts.bar_with_intervals(
    table, label_cols[by], title=charts.comparison_title(table, label_cols[by], against="everyone in this view"),
    benchmark=float(bench.iloc[0]) if len(bench) else None, benchmark_label="Everyone in this view")
blocks.chart_block(fig, table, key="health-breakdown", filename=f"khi-{metric_id}-by-{by}.csv")
glossary.explain("benchmark")

by_year, result = data.trend(metric_id, f, scope=scope)
fig = charts.trend_chart(by_year, title=charts.trend_title(registry.get(metric_id).title,
                                                           result.description if result else None,
                                                           result.periods if result else None))
blocks.chart_block(fig, by_year, key="health-trend", filename=f"khi-{metric_id}-by-year.csv")
