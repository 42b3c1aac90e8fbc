"""Area profile: every KHI x every nation and region (or the schemes of a region), Fingertips-style, and the spine
chart of one place.

Thin page: widgets (kept in the URL) -> ui.data.profile (kpi.metrics.api.profile) -> kpi.render.profile.
"""

from dataclasses import replace

import streamlit as st

from kpi.data import schema
from kpi.i18n import N_, _
from kpi.metrics import registry
from kpi.render import profile
from ui import blocks, charts, data, glossary, nav, state

# Counts of people cannot be better or worse than a benchmark (kpi.metrics.api leaves them "not compared").
METRICS = registry.COMPARED_IDS
LEVELS = {"region": _("Nations and regions"), "scheme": _("Schemes in a region")}

filters = nav.page_start(N_("Area profile"), show=("period", "programme", "arrangement", "age_band", "need"))
st.markdown(_("Every measure for every nation and region, each set against its benchmark: **England** for an English "
              "region or scheme, the nation for a scheme in Wales, Scotland or Northern Ireland, the **UK** for a "
              "nation. Each cell gives the figure, whether it is **better**, **similar** or **worse** (or **higher** "
              "or **lower** for measures with no better direction) in words and in a shape, and the recent trend. "
              "Open a cell to see that place and measure in *Compare areas*."))

scope = data.viewer_scope(schemes=True)  # who may see schemes is decided on the server (kpi.metrics.scope)
if not scope.sees_schemes and st.query_params.get("level") == "scheme":
    st.info(_(nav.NOT_AVAILABLE), icon=":material/lock:")
left, right = st.columns(2)
with left:
    levels = LEVELS if scope.sees_schemes else {"region": LEVELS["region"]}
    level = state.url_choice("level", levels, "region", st.radio, _("Places"), key="profile_level", horizontal=True)
with right:
    bench = state.url_choice("bench", state.benchmark_labels(), "auto", st.radio, _("Compare with"),
                             key="profile_bench", help=glossary.glossary("benchmark"))
view = replace(filters, benchmark=bench, areas=())
if level == "scheme":
    regions = {a: state.area_label(a) for a in dict.fromkeys(area for _s, area in data.schemes(scope=scope).values())
               if a in schema.AREAS}
    if st.session_state.get("profile_region") not in regions:  # a choice from another scope or level
        st.session_state.pop("profile_region", None)
    region = state.url_choice("region", regions, next(iter(regions)), st.selectbox, _("Region or nation"),
                              key="profile_region")
    view = replace(view, areas=(region,))

table = data.profile(METRICS, level, view, scope=scope)
period = table["year_label"].iloc[0] if len(table) else state.period_label(filters)
where = (_("schemes in {area}").format(area=state.area_label(view.areas[0])) if level == "scheme"
         else _("nations and regions"))
code_col, name_col = profile.place_columns(table)

# The table and one place's spine chart are tabs, as in Fingertips, of which only the open one is built (the link
# keeps it, ?section=).
SECTIONS = {"table": _("Every measure, every place"), "spine": _("One place against the others")}
section, tabs = state.section_tabs("section", SECTIONS, key="profile_section")

if section == "table":
    with tabs["table"]:
        st.header(_("Every measure for {places}, {period}").format(places=where, period=period))
        st.caption(_("Colours as in OHID's Fingertips: green ▲ better, amber ● similar, red ▼ worse; light blue △ "
                     "higher, dark blue ▽ lower for measures with no better direction. Trend: ↑ increasing, ↓ "
                     "decreasing, → no significant change over the latest five years (99.8% level), and whether that "
                     "is getting better or worse. Hover a cell for its interval and n."))
        # A cell's link opens its year (the latest in view), so the detail shows the figure of the cell.
        shown_year = replace(view, years=(int(table["year"].iloc[0]),)) if len(table) else view
        link = state.compare_link(profile.METRIC_SLOT, level,
                                  view.areas if level == "scheme" else (profile.PLACE_SLOT,), shown_year)
        # st.html, not st.markdown: the browser takes the table as it is (sanitised) instead of parsing ~250 KB of
        # HTML as Markdown on every view.
        st.html(profile.PROFILE_CSS + profile.profile_html(table, link))
        blocks.table_block(table, key="profile", filename=f"khi-profile-{level}.csv", period=period)
        glossary.explain("benchmark")

else:
    with tabs["spine"]:
        st.header(_("One place against the others"))
        names = {code: state.area_label(code) if code in schema.AREAS else name
                 for code, name in zip(table[code_col].astype(str), table[name_col].astype(str))}
        if names:
            if st.session_state.get("profile_place") not in names:  # a place of the other level
                st.session_state.pop("profile_place", None)
            chosen = state.url_choice("place", names, next(iter(names)), st.selectbox, _("Place"),
                                      key="profile_place")
            spine = profile.spine_frame(table, chosen)
            bench_names = ", ".join(dict.fromkeys(state.benchmark_name(n)
                                                  for n in spine["benchmark_name"].dropna().astype(str) if n))
            fig = profile.spine_chart(spine, title=_(
                "{place}, {period}: each measure against {benchmarks} (centre line) and the range of {places}").format(
                place=names[chosen], period=period, benchmarks=bench_names or _("none"), places=where))
            st.caption(_("Each row is one measure, its benchmark the centre line, better to the right. The light bar "
                         "runs from the lowest to the highest place; the dark bar is the middle half of places (25th "
                         "to 75th percentile). For a measure with no better or worse, right is higher and left "
                         "lower."))
            chart, beside = st.columns([3, 2])
            with chart:
                charts.plotly_chart(fig, key="profile-spine", config={"displaylogo": False},
                                    alt=_("Spine chart of {place}: each measure against its benchmark and the "
                                          "other places").format(place=names[chosen]))
            with beside:
                st.dataframe(profile.spine_table(spine), hide_index=True, width="stretch",
                             key="profile-spine-table")
            blocks.table_block(spine, key="profile-spine", filename=f"khi-spine-{chosen}.csv", period=period)
