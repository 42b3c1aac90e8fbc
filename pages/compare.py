"""Compare areas: one KHI for regions or schemes against their benchmark (England, their nation or the UK), a
funnel plot of schemes, and one scheme against the schemes most like it (ui.similar_schemes).

Thin page: widgets (kept in the URL) -> ui.data.khi / ui.data.funnel (kpi.metrics.api) -> kpi.render.comparison figures.
"""

from dataclasses import replace

import streamlit as st

from kpi.render import charts, comparison
from kpi.i18n import N_, _
from kpi.metrics import registry
from ui import blocks, data, glossary, nav, similar_schemes, state, views

# Counts of people cannot be set against a national total (kpi.metrics.api leaves them "not compared"), so they are not
# offered here; every other KHI is.
METRICS = {mid: registry.get(mid).title for mid in registry.COMPARED_IDS}
LEVELS = {"region": _("Nations and regions"), "scheme": _("Schemes")}
CONFIDENCE = {"95": _("95% (the usual level)"), "99.8": _("99.8% (stricter: only the clearest differences)")}
MANY_SCHEMES = 40  # beyond this, the comparison chart shows only the schemes that differ unless asked for all


filters = nav.page_start(N_("Compare areas"))
st.markdown(_("Choose a measure. Each English region or scheme is set against **England**, a scheme in Wales, "
              "Scotland or Northern Ireland against its nation, and a nation against the **UK**, for the same filters "
              "(or choose the UK for everyone). **Better**, **similar** or **worse** is written beside every figure, "
              "with the benchmark it was compared with."))

metric_id = state.url_choice("metric", METRICS, "connected_positive", st.selectbox, _("Measure"),
                             key="compare_metric")
scope = data.viewer_scope(schemes=True)  # who may see schemes is decided on the server (kpi.metrics.scope)
if not scope.sees_schemes and st.query_params.get("level") == "scheme":
    st.info(_(nav.NOT_AVAILABLE), icon=":material/lock:")  # a link to scheme figures, opened by someone who may not
ci = state.url_choice("ci", CONFIDENCE, "95", st.radio, _("How sure before we call a difference"),
                      key="compare_ci", help=glossary.glossary("significance"), horizontal=True)
bench_choice = state.url_choice("bench", state.benchmark_labels(), "auto", st.radio, _("Compare with"),
                                key="compare_bench", horizontal=True, help=glossary.glossary("benchmark"))
filters = replace(filters, benchmark=bench_choice)
confidence = 0.998 if ci == "99.8" else 0.95
k = registry.get(metric_id)
st.caption(f"**{k.title}.** {k.explanation}")
if k.direction == "no_judgement":
    st.caption(_("This measure has no better or worse direction, so areas are shown as **higher**, **similar** or "
                 "**lower** than their benchmark, in colours that do not mean good or bad."))

# The three analyses are tabs, of which only the open one is built (its queries and charts; the link keeps it,
# ?section=): the first view is one chart.
SECTIONS = {"benchmark": _("Against the benchmark"), "funnel": _("Funnel plot of schemes"),
            "similar": _("Schemes like it")}
section, tabs = state.section_tabs("section", SECTIONS, key="compare_section")

if section == "benchmark":
    with tabs["benchmark"]:
        # Here, not above the tabs: the funnel and the similar schemes are always of schemes.
        levels = LEVELS if scope.sees_schemes else {"region": LEVELS["region"]}
        level = state.url_choice("level", levels, "region", st.radio, _("Compare"), key="compare_level",
                                 horizontal=True)
        st.header(_("{places} against their benchmark").format(places=LEVELS[level]))
        table = data.khi(metric_id, (level,), filters, confidence=confidence, scope=scope)
        label_col = "scheme_name" if level == "scheme" else "area_name"
        title = charts.comparison_title(table, label_col)
        shown = table
        if level == "scheme" and len(table) > MANY_SCHEMES:
            differ = views.differing(table)
            everyone = st.toggle(_("Show all {n} schemes (otherwise only the {differ} that differ)").format(
                                     n=len(table), differ=len(differ)),
                                 key="compare-all-schemes")
            shown = table if everyone or differ.empty else differ
        blocks.chart_block(comparison.comparison_chart(shown, title=title), table, key="compare-chart",
                           filename=f"{metric_id}_by_{level}.csv")
        glossary.explain("benchmark")

elif section == "funnel":
    with tabs["funnel"]:
        st.header(_("Schemes in a funnel plot"))
        if not scope.sees_schemes:
            st.info(_(nav.NOT_AVAILABLE), icon=":material/lock:")
        elif not k.share_of_people:
            st.info(_("A funnel plot needs a percentage of people who answered; “{measure}” is a {statistic}. Choose "
                      "a percentage measure to see one.").format(measure=k.title, statistic=k.statistic),
                    icon=":material/info:")
        else:
            funnel = data.funnel(metric_id, filters, scope=scope)
            blocks.chart_block(comparison.funnel_plot(funnel, title=comparison.funnel_title(funnel)), funnel,
                               key="compare-funnel",
                               filename=f"{metric_id}_funnel_by_scheme.csv")
            glossary.explain("funnel plot")
            # When no scheme can be shown, chart_block has said why: "every scheme is inside the limits" would be
            # untrue.
            if not views.nothing_shown(funnel):
                st.subheader(_("Schemes outside the 99.8% limits"))
                outliers = views.funnel_outliers(funnel, k)
                if outliers.empty:
                    st.markdown(_("Every scheme shown is inside the 99.8% limits: none differs from the benchmark by "
                                  "more than chance would explain."))
                else:
                    st.dataframe(outliers, hide_index=True, width="stretch", key="compare-outliers")
                    st.caption(views.funnel_side(k))

else:
    with tabs["similar"]:
        st.header(_("A scheme against schemes like it"))
        if not scope.sees_schemes:
            st.info(_(nav.NOT_AVAILABLE), icon=":material/lock:")
        else:
            similar_schemes.section(metric_id, filters, scope=scope, confidence=confidence)
