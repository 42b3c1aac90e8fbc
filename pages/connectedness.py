"""Connectedness: feeling connected, friendships, friends, support and connections, loneliness, distance travelled,
and England's ASCOF social-contact measure as outside context."""

import pandas as pd
import streamlit as st

from kpi.render import charts
from kpi.data import reference, schema
from kpi.metrics import registry
from ui import common as ui

f = ui.page_start("Connectedness")
period, place = ui.period_label(f), ui.place_label(f)
st.markdown(f"**What this page shows:** how connected people feel, their friendships and loneliness, for "
            f"**{place}**, **{period}**. Every figure is out of the people who answered that question.")

# Every figure on this page for the whole view, fetched at once (one query per aggregate); sections take theirs.
PAGE_IDS = ["connected_positive", "connected_negative", "friendships_positive", "friendships_negative",
            "community_positive", "community_negative", "friends_none", "friends_three_plus", "friends_median",
            "connections_helps", "connections_gets_in_way", "lonely_often", "distance_connected_change",
            "distance_friends_more", "distance_friends_change"]
everything = ui.khi_tables(PAGE_IDS, filters=f)


def pick(ids: list[str]) -> pd.DataFrame:
    return pd.concat([everything[everything["metric_id"] == m] for m in ids], ignore_index=True)


# --- Feeling connected and friendships -------------------------------------------------------------------------
st.header("Feeling connected and friendships")
pairs = [("Feeling connected", "connected_positive", "connected_negative"),
         ("Friendships", "friendships_positive", "friendships_negative"),
         ("Being part of the community", "community_positive", "community_negative")]
split = pick([m for _, pos, neg in pairs for m in (pos, neg)])
fig = charts.answers_stacked(split, pairs, title=charts.answers_title(split, pairs),
                             answer_labels=("Made things better", "No difference", "Made things worse"))
ui.chart_block(fig, split, key="conn-split", filename="khi-connected-friendships.csv")

by_year, result = ui.trend("connected_positive", f)
fig = charts.trend_chart(by_year, title=charts.trend_title(
    registry.get("connected_positive").title, result.description if result else None,
    result.periods if result else None))
ui.chart_block(fig, by_year, key="conn-trend", filename="khi-connected-by-year.csv")
ui.explain("significance")

# --- Friends ---------------------------------------------------------------------------------------------------
st.header("How many friends people have")
friends = pick(["friends_none", "friends_three_plus"])
median = pick(["friends_median"])
med = None if median["suppressed"].iloc[0] else float(median["value"].iloc[0])
three = friends.set_index("metric_id").loc["friends_three_plus"]
title = charts.finding_title("friends_three_plus", None if three["suppressed"] else three["value"])
fig = charts.distribution_chart(charts.friends_bands(friends), title=title, median=med)
ui.chart_block(fig, pd.concat([median, friends], ignore_index=True), key="conn-friends",
               filename="khi-friends.csv")
ui.explain("median")

# --- Support helps or gets in the way --------------------------------------------------------------------------
st.header("Does support help people make and keep connections?")
helps_pair = [("Connections", "connections_helps", "connections_gets_in_way")]
helps = pick(["connections_helps", "connections_gets_in_way"])
fig = charts.answers_stacked(helps, helps_pair, title=charts.answers_title(helps, helps_pair, better="it helps",
                                                                           worse="it gets in the way"),
                             answer_labels=("Helps", "No difference", "Gets in the way"))
ui.chart_block(fig, helps, key="conn-helps", filename="khi-connections-helps.csv")

# --- Loneliness ------------------------------------------------------------------------------------------------
st.header("Loneliness")
lonely, lonely_trend = ui.trend("lonely_often", f)
overall = pick(["lonely_often"])
value = None if overall["suppressed"].iloc[0] else float(overall["value"].iloc[0])
fig = charts.trend_chart(lonely, title=charts.finding_title("lonely_often", value) + f" ({period}). Lower is better")
ui.chart_block(fig, lonely, key="conn-lonely", filename="khi-lonely-by-year.csv")

# --- Distance travelled ----------------------------------------------------------------------------------------
st.header("Change for the same people over time")
st.markdown("For people who answered the survey more than once: their first answer against their latest.")
distance_ids = ["distance_connected_change", "distance_friends_more", "distance_friends_change"]
distance = pick(distance_ids)
ui.figure_cards(distance, key="conn-distance", filename="khi-distance-travelled.csv", programmes=f.programmes)
ui.explain("distance travelled")

# --- ASCOF context ---------------------------------------------------------------------------------------------
st.header("Outside context: social contact in England")
ascof = reference.ascof_social_contact()
england = ascof[ascof["area_code"] == "E92000001"].sort_values("financial_year")
regions = [a for a in f.areas if a.startswith("E12")]
left, right = st.columns(2)
with left:
    st.markdown("**England's Adult Social Care Survey** asks people who use care services whether they have "
                "*as much social contact as they would like* (ASCOF measure 1I1).")
    if not england.empty:
        last = england.iloc[-1]
        st.metric(f"England, {last['financial_year']}: as much social contact as they would like",
                  f"{last['outcome_pct']:.0f}%")
    for code in regions[:3]:
        row = ascof[ascof["area_code"] == code].sort_values("financial_year")
        if not row.empty:
            st.metric(f"{schema.AREAS[code]}, {row.iloc[-1]['financial_year']}", f"{row.iloc[-1]['outcome_pct']:.0f}%")
with right:
    st.info(f"**These two figures are not the same measure.** {reference.ASCOF_CAVEAT}", icon=":material/info:")
    mine = pick(["connected_positive"])
    if not mine["suppressed"].iloc[0]:
        st.markdown(f"In the outcomes tool, **{registry.format_value(registry.get('connected_positive'), mine['value'].iloc[0])}** "
                    f"of people said their support helped them feel more connected ({place}, {period}).")
    st.caption(f"Source: {reference.ASCOF_SOURCE}.")
shown = ascof[ascof["area_code"].isin(["E92000001", *regions])].rename(columns={
    "financial_year": "Year", "area_name": "Area", "outcome_pct": "As much social contact as they would like (%)"})
with st.expander("ASCOF figures as a table", icon=":material/table:"):
    st.dataframe(shown[["Year", "Area", "As much social contact as they would like (%)"]], hide_index=True)
