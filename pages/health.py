"""Health: physical and emotional health impact (positive, negative, net) with breakdowns."""

import streamlit as st

from kpi.i18n import N_, _
from kpi.metrics import registry
from ui import cards, data, glossary, nav, state, themes, views

f = nav.page_start(N_("Health"))
period, place = state.period_label(f), state.place_label(f)
st.markdown(_("**What this page shows:** whether people said their support helped or harmed their physical and "
              "emotional health, for **{place}**, **{period}**, and how that differs between groups of people.")
            .format(place=place, period=period))

pairs = [(_("Physical health"), "physical_health_positive", "physical_health_negative"),
         (_("Emotional health"), "emotional_health_positive", "emotional_health_negative")]
NET = ["physical_health_net", "emotional_health_net"]
scope = data.viewer_scope()
everything = data.khi_tables([*themes.pair_ids(pairs), *NET], filters=f, scope=scope)  # one query per aggregate
themes.impact_split(everything, pairs, key="health-split", filename="khi-health.csv")

st.subheader(_("Net impact"))
cards.figure_cards(views.pick(everything, NET), key="health-net", filename="khi-health-net.csv",
                   programmes=f.programmes)
glossary.explain("net impact")

st.header(_("Differences between groups"))
themes.group_differences([k.id for k in registry.REGISTRY if k.theme == "health"], f, scope=scope, key="health")
