"""Living well: how support feels and what it makes possible. Control over my life, feeling safe, doing things I
enjoy and being part of the community (positive and negative beside each other, and net), and warmth, kindness and
dignity, with breakdowns and trends (ui.themes, shared with Health)."""

import streamlit as st

from kpi.i18n import N_, _
from kpi.metrics import registry
from ui import cards, data, glossary, nav, state, themes, views

f = nav.page_start(N_("Living well"))
period, place = state.period_label(f), state.place_label(f)
st.markdown(_("**How support feels and what it makes possible:** whether people said their support gave them more "
              "control over their life, helped them feel safe, do things they enjoy and be part of their community, "
              "and whether the people who support them are warm and kind and treat them with dignity, for "
              "**{place}**, **{period}**.").format(place=place, period=period))

pairs = [(registry.get(pos).topic, pos, neg) for pos, neg in (
    ("control_positive", "control_negative"), ("safety_positive", "safety_negative"),
    ("doing_things_positive", "doing_things_negative"), ("community_positive", "community_negative"))]
NET = ["control_net", "safety_net", "doing_things_net", "community_net"]
HUMAN = [k.id for k in registry.REGISTRY if k.theme == "human"]  # warmth, kindness, dignity
scope = data.viewer_scope()
everything = data.khi_tables([*themes.pair_ids(pairs), *NET, *HUMAN], filters=f, scope=scope)

st.header(_("What support makes possible"))
themes.impact_split(everything, pairs, key="living-split", filename="khi-living-well.csv")
st.subheader(_("Net impact"))
cards.figure_cards(views.pick(everything, NET), key="living-net", filename="khi-living-well-net.csv",
                   programmes=f.programmes)
glossary.explain("net impact")

st.header(_("How support feels: warmth, kindness and dignity"))
cards.figure_cards(views.pick(everything, HUMAN), key="living-human", filename="khi-warmth-kindness-dignity.csv",
                   programmes=f.programmes)

st.header(_("Differences between groups"))
themes.group_differences([*themes.pair_ids(pairs), *NET, *HUMAN], f, scope=scope, key="living")
