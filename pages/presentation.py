"""Presentation mode: one KHI per screen in large type, for ambassadors presenting the figures to an audience.

The slide area shows only the registry's plain-English sentence, the big figure and ten people with k coloured in
(with the same in words). The presenter's choices (KHIs, area or scheme, period, slide) live in the URL, so a link
reopens the talk (ui.presentation). Keyboard: the Next and Previous buttons have Streamlit shortcuts (→ and ←,
ignored while typing in a box), and are also ordinary focusable buttons (Tab to them, Enter or Space). Downloads come
from kpi.render.slides, so the .pptx and .pdf show exactly what the screen shows.
"""

import streamlit as st

from ui import data, nav, presentation

nav.through_app()
nav.version_gate("Presentation mode")

years = sorted(data.available_years(), reverse=True)
if not years:
    st.title("Presentation mode")
    st.error("The data has no answers yet, so there is nothing to present.")
    st.stop()

scope = data.viewer_scope(schemes=True)  # the scheme picker offers only the schemes this viewer may see
if not scope.sees_schemes and st.query_params.get("scheme"):
    st.info(nav.NOT_AVAILABLE, icon=":material/lock:")
plan = presentation.talk(years, data.schemes(scope=scope))
if not plan["khis"]:
    st.title("Presentation mode")
    st.info("Choose the measures for your talk in the sidebar (“Measures to show, in order”).",
            icon=":material/arrow_back:")
    st.stop()

deck = presentation.deck(plan, scope)
with st.sidebar:
    presentation.downloads(deck, plan)
presentation.show(deck, plan["slide"])
