"""Connectedness: feeling connected, friendships, friends, support and connections, loneliness, distance travelled,
and England's ASCOF social-contact measure as outside context."""

import streamlit as st

from kpi.render import charts
from kpi.data import reference
from kpi.i18n import N_, _
from kpi.metrics import registry
from ui import blocks, cards, data, glossary, nav, state, themes, views

f = nav.page_start(N_("Connectedness"))
period, place = state.period_label(f), state.place_label(f)
st.markdown(_("**What this page shows:** how connected people feel, their friendships and loneliness, for "
              "**{place}**, **{period}**. Every figure is out of the people who answered that question.")
            .format(place=place, period=period))

# Every figure on this page for the whole view, fetched at once (one query per aggregate); sections take theirs.
PAGE_IDS = ["connected_positive", "connected_negative", "friendships_positive", "friendships_negative",
            "community_positive", "community_negative", "friends_none", "friends_three_plus", "friends_median",
            "connections_helps", "connections_gets_in_way", "lonely_often", "distance_connected_change",
            "distance_friends_more", "distance_friends_change"]
scope = data.viewer_scope()
everything = data.khi_tables(PAGE_IDS, filters=f, scope=scope)

# The sections are tabs, of which only the open one is built (a lighter first view; the link keeps it, ?section=).
SECTIONS = {"connected": _("Connected and friendships"), "friends": _("Friends"), "helps": _("Support"),
            "lonely": _("Loneliness"), "change": _("Change over time"), "ascof": _("England's care survey")}
section, tabs = state.section_tabs("section", SECTIONS, key="conn_section")

if section == "connected":
    with tabs["connected"]:
        st.header(_("Feeling connected and friendships"))
        pairs = [(_("Feeling connected"), "connected_positive", "connected_negative"),
                 (_("Friendships"), "friendships_positive", "friendships_negative"),
                 (_("Being part of the community"), "community_positive", "community_negative")]
        split = views.pick(everything, [m for _, pos, neg in pairs for m in (pos, neg)])
        fig = charts.answers_stacked(split, pairs, title=charts.answers_title(split, pairs),
                                     answer_labels=themes.impact_answers())
        blocks.chart_block(fig, split, key="conn-split", filename="khi-connected-friendships.csv")

        by_year, result = data.trend("connected_positive", f, scope=scope)
        fig = charts.trend_chart(by_year, title=charts.trend_title(
            registry.get("connected_positive").title, result.description if result else None,
            result.periods if result else None))
        blocks.chart_block(fig, by_year, key="conn-trend", filename="khi-connected-by-year.csv")
        glossary.explain("significance")

elif section == "friends":
    with tabs["friends"]:
        st.header(_("How many friends people have"))
        friends = views.pick(everything, ["friends_none", "friends_three_plus"])
        median = views.pick(everything, ["friends_median"])
        title = charts.finding_title("friends_three_plus", views.value_shown(friends, "friends_three_plus"))
        fig = charts.distribution_chart(charts.friends_bands(friends), title=title,
                                        median=views.value_shown(median, "friends_median"))
        blocks.chart_block(fig, views.pick(everything, ["friends_median", "friends_none", "friends_three_plus"]),
                           key="conn-friends", filename="khi-friends.csv")
        glossary.explain("median")

elif section == "helps":
    with tabs["helps"]:
        st.header(_("Does support help people make and keep connections?"))
        helps_pair = [(_("Connections"), "connections_helps", "connections_gets_in_way")]
        helps = views.pick(everything, ["connections_helps", "connections_gets_in_way"])
        fig = charts.answers_stacked(helps, helps_pair,
                                     title=charts.answers_title(helps, helps_pair, better=_("it helps"),
                                                                worse=_("it gets in the way")),
                                     answer_labels=(_("Helps"), _("No difference"), _("Gets in the way")))
        blocks.chart_block(fig, helps, key="conn-helps", filename="khi-connections-helps.csv")

elif section == "lonely":
    with tabs["lonely"]:
        st.header(_("Loneliness"))
        lonely, lonely_trend = data.trend("lonely_often", f, scope=scope)
        value = views.value_shown(everything, "lonely_often")
        fig = charts.trend_chart(lonely, title=_("{finding} ({period}). Lower is better").format(
            finding=charts.finding_title("lonely_often", value), period=period))
        blocks.chart_block(fig, lonely, key="conn-lonely", filename="khi-lonely-by-year.csv")

elif section == "change":
    with tabs["change"]:
        st.header(_("Change for the same people over time"))
        st.markdown(_("For people who answered the survey more than once: their first answer against their latest."))
        distance = views.pick(everything, ["distance_connected_change", "distance_friends_more",
                                           "distance_friends_change"])
        cards.figure_cards(distance, key="conn-distance", filename="khi-distance-travelled.csv",
                           programmes=f.programmes)
        glossary.explain("distance travelled")

else:
    with tabs["ascof"]:
        st.header(_("Outside context: social contact in England"))
        ascof = reference.ascof_social_contact()
        regions = views.english_regions(f.areas)
        left, right = st.columns(2)
        with left:
            st.markdown(_("**England's Adult Social Care Survey** asks people who use care services whether they have "
                          "*as much social contact as they would like* (ASCOF measure 1I1)."))
            last = views.ascof_latest(ascof, "E92000001")
            if last is not None:
                st.metric(_("England, {year}: as much social contact as they would like").format(
                    year=last["financial_year"]), f"{last['outcome_pct']:.0f}%")
            for code in regions[:3]:
                last = views.ascof_latest(ascof, code)
                if last is not None:
                    st.metric(f"{state.area_label(code)}, {last['financial_year']}", f"{last['outcome_pct']:.0f}%")
        with right:
            st.info("**" + _("These two figures are not the same measure.") + "** " + _(reference.ASCOF_CAVEAT),
                    icon=":material/info:")
            mine = views.value_shown(everything, "connected_positive")
            if mine is not None:
                st.markdown(_("In the outcomes tool, **{figure}** of people said their support helped them feel more "
                              "connected ({place}, {period}).").format(
                    figure=registry.format_value(registry.get("connected_positive"), mine), place=place, period=period))
            st.caption(_("Source: {source}.").format(source=_(reference.ASCOF_SOURCE)))
        with st.expander(_("ASCOF figures as a table"), icon=":material/table:"):
            st.dataframe(views.ascof_table(ascof, ["E92000001", *regions]), hide_index=True)
