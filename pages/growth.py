"""Regional growth: people supported by area, how it changed, and which areas are growing, flat or falling.

Thin page: widgets -> ui.data.khi (kpi.metrics.api growth KHIs) -> kpi.render figures (maps, growth, comparison).
Titles state the finding in words.
"""

import streamlit as st

from kpi.i18n import N_, _
from kpi.metrics import registry
from kpi.data.queries import Filters
from kpi.render import comparison, maps, text
from kpi.render import growth as growth_charts
from kpi.data import reference, schema
from kpi.data.schema import fy_label
from ui import blocks, data, glossary, nav, state, views

MAP_MEASURES = {  # labels come from the registry: it is the one place a KHI is named
    "per_100k": registry.get("people_per_100k").title,
    "growth": registry.get("people_growth_pct").title + " (%)",
}
MAP_PARAM = "map"  # the URL key that keeps the map choice in a shared link
SPAN_PARAM = "span"  # the URL key that keeps the period compared
SECTION_PARAM = "section"  # the URL key that keeps the open tab


filters = nav.page_start(N_("Regional growth"))
scope = data.viewer_scope()

# The period: the latest year of the schemes' returns against the year before, unless the reader asks for longer
# (kept in the URL, ?span=). The sidebar's Period filter, when set, still decides (one year: it against the year
# before; several: the first against the last). The returns cover their own years, not the survey's.
first_year, last_year = data.people_years()
if filters.years:
    st.caption(_("The period comes from the **Period** filter in the sidebar. Clear it to choose the period here."))
else:
    spans = {"year": (last_year - 1, _("{year} against the year before").format(year=fy_label(last_year)))}
    if last_year - 5 > first_year:
        spans["five"] = (last_year - 5, _("Five years: {first} to {last}").format(first=fy_label(last_year - 5),
                                                                                  last=fy_label(last_year)))
    spans["all"] = (first_year, _("All the years: {first} to {last}").format(first=fy_label(first_year),
                                                                             last=fy_label(last_year)))
    span = state.url_choice(SPAN_PARAM, {code: label for code, (_start, label) in spans.items()}, "year",
                            st.radio, _("Compare"), key="growth_span", horizontal=True)
    filters = filters.with_years(range(spans[span][0], last_year + 1))

# The region-level growth KHIs in one call; each part is that KHI's own table.
by_region = data.khi_parts(["people_growth_pct", "people_per_100k", "people_net_change", "people_growth_share"],
                           ("region",), filters, scope=scope)
growth = by_region["people_growth_pct"]
first, last = growth["period_start"].min(), growth["period_end"].max()
if len(growth):
    period = _("{first} to {last}").format(first=fy_label(int(first)), last=fy_label(int(last)))
    compares = _("Change compares **{first}** with **{last}**.").format(first=fy_label(int(first)),
                                                                        last=fy_label(int(last)))
else:
    period = state.period_label(filters)
    compares = _("Change compares **{period}**.").format(period=period)
st.markdown(_("How many people Shared Lives and Homeshare schemes supported in each nation and English region, from "
              "the schemes' yearly returns.") + " " + compares)
if filters.age_bands or filters.needs:
    # Schemes return people supported by arrangement only: no age band or need, so those filters cannot apply.
    st.info(_("The **age band** and **primary need** filters do not apply on this page: schemes count the people "
              "they support by arrangement only. The figures below are for all ages and all needs."),
            icon=":material/filter_alt_off:")

# -- The story and the totals, per programme (the sector counts Shared Lives and Homeshare apart) ------------------
english = views.english_regions(filters.areas or tuple(schema.AREAS))
summary = data.growth_summary(
    filters, scope=scope, england=state.place_label(Filters(areas=english)) if english else None,
    everywhere=_("UK") if not filters.areas else text.capitalised(state.place_label(filters)))
for story in summary["stories"]:
    st.markdown(f"**{story}**")
st.header(_("England and the nations"))
blocks.table_block(summary["figures"], key="growth-totals", filename="people_supported_change_by_nation.csv",
                   period=period, toggle=False, shown=summary["totals"])
st.caption(_("Start and end: people supported in the first and last year of the period. The change and the % "
             "change carry their 95% intervals; the growth status follows the rule below."))

# -- The rest in tabs: only the open one is built (a lighter first view; the link keeps the tab, ?section=) ----------
SECTIONS = {"status": _("Growing, flat or falling"), "map": _("Map"), "change": _("More or fewer people"),
            "rate": _("For the population size"), "years": _("Each year, by arrangement")}
section, tabs = state.section_tabs(SECTION_PARAM, SECTIONS, key="growth_section")

if section == "status":
    with tabs["status"]:
        st.header(_("Which areas are growing, flat or falling"))
        st.markdown(_("**The rule:** {rule}").format(rule=registry.growth_rule()))
        st.markdown(
            "- " + _("**Growing:** {areas}").format(areas=views.status_names(growth, "growing")) + "\n"
            "- " + _("**Flat:** {areas}").format(areas=views.status_names(growth, "flat")) + "\n"
            "- " + _("**Falling:** {areas}").format(areas=views.status_names(growth, "falling"))
        )
        blocks.chart_block(growth_charts.growth_bars(growth, title=growth_charts.status_title(growth)), growth,
                           key="growth-status",
                           filename="people_growth_pct_by_region.csv", period=period,
                           shown=growth_charts.reader_table(growth))
        glossary.explain("confidence interval")

elif section == "map":
    with tabs["map"]:
        st.header(_("Where people are supported"))
        measure = state.url_choice(MAP_PARAM, MAP_MEASURES, "per_100k", st.radio, _("Colour the map by"),
                                   key="growth_map_measure", horizontal=True)
        if measure == "per_100k":
            rate = by_region["people_per_100k"]
            fig = maps.region_map(rate, title=growth_charts.rate_title(rate))
            blocks.chart_block(fig, rate, key="growth-map", filename="people_per_100k_by_region.csv", period=period,
                               shown=growth_charts.reader_table(rate))
        else:
            fig = maps.region_map(growth, title=growth_charts.growth_pct_title(growth))
            blocks.chart_block(fig, growth, key="growth-map", filename="people_growth_pct_by_region.csv",
                               period=period, shown=growth_charts.reader_table(growth))
        st.caption(_("Grey areas have too few people to show. Hover over an area, or choose “Show as table”, to "
                     "read its figure, its 95% interval and how many people it rests on."))

elif section == "change":
    with tabs["change"]:
        st.header(_("How many more (or fewer) people"))
        # The status words on these bars come from the growth KHI.
        for table, title_of, key, filename in (
                (by_region["people_net_change"], growth_charts.net_change_title, "growth-net",
                 "people_net_change_by_region.csv"),
                (by_region["people_growth_share"], growth_charts.share_title, "growth-share",
                 "people_growth_share_by_region.csv")):
            blocks.chart_block(growth_charts.growth_bars(views.with_status(table, growth), title=title_of(table)),
                               table, key=key, filename=filename, period=period,
                               shown=growth_charts.reader_table(table))
        st.caption(_("Share of growth: each growing area's increase as a part of all the increases added together. "
                     "Areas that shrank count as 0%."))

elif section == "rate":
    with tabs["rate"]:
        st.header(_("People supported for the size of the population"))
        rate = by_region["people_per_100k"]
        blocks.chart_block(comparison.comparison_chart(rate, title=growth_charts.rate_title(rate)), rate,
                           key="growth-rate", filename="people_per_100k_by_region.csv", period=period,
                           shown=growth_charts.reader_table(rate))
        st.caption(_("Population: ONS mid-year estimates, all ages. Source: {source}.").format(
            source=_(reference.ONS_SOURCE)))
        glossary.explain("benchmark")

else:
    with tabs["years"]:
        st.header(_("People supported each year, by arrangement"))
        people = data.khi("people_supported", ("region", "year", "arrangement"), filters, scope=scope)
        blocks.chart_block(
            growth_charts.people_stacked(people, title=growth_charts.net_change_title(by_region["people_net_change"])),
            people, key="growth-people", filename="people_supported_by_region_year_arrangement.csv", period=period,
            shown=growth_charts.reader_table(people))
        glossary.explain("suppressed")
