"""Presentation mode: one KHI per screen in large type, for ambassadors presenting the figures to an audience.

The slide says each figure one way, Easy Read: the registry's sentence ("Nearly 9 in 10 people ..."), the big figure
("9 in 10") and ten people with 9 coloured in, then plain words and the footer (source, synthetic-data notice). The
presenter's choices (KHIs, area or scheme, period, slide) live in the URL, so a link reopens the talk
(ui.presentation). Keyboard: → and Page Down (a clicker) press Next, ← and Page Up press Previous, also after a sidebar
change (never while typing); both are ordinary focusable buttons too (Tab to them, Enter or Space). Downloads come
from kpi.render.slides, so the .pptx and .pdf show exactly what the screen shows.
"""

import streamlit as st

from kpi.i18n import _
from ui import data, nav, presentation

nav.through_app()
nav.version_gate(_("Presentation mode"))

years = sorted(data.available_years(), reverse=True)
if not years:
    st.title(_("Presentation mode"))
    st.error(_("The data has no answers yet, so there is nothing to present."))
    st.stop()

scope = data.viewer_scope(schemes=True)  # the scheme picker offers only the schemes this viewer may see
if not scope.sees_schemes and st.query_params.get("scheme"):
    st.info(nav.NOT_AVAILABLE, icon=":material/lock:")
plan = presentation.talk(years, data.schemes(scope=scope))
if not plan["khis"]:
    st.title(_("Presentation mode"))
    st.info(_("Choose the measures for your talk in the sidebar (“{picker}”).").format(
        picker=_("Measures to show, in order")), icon=":material/arrow_back:")
    st.stop()

deck = presentation.deck(plan, scope)
with st.sidebar:
    presentation.downloads(deck, plan)
presentation.show(deck, plan["slide"])
