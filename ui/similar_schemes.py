"""The Compare page's "similar schemes" section: choose a scheme, see its comparator group (kpi.metrics.similar),
and the scheme against the group's pooled figure and the benchmark. Only for the roles that may see schemes; the
choice of scheme is kept in the URL (?scheme=)."""

from __future__ import annotations

from dataclasses import replace

import pandas as pd
import streamlit as st

from kpi.data.queries import Filters
from kpi import i18n
from kpi.i18n import N_, _
from kpi.metrics import api, similar
from kpi.metrics.scope import Scope
from kpi.render import charts
from ui import blocks, cache, data, glossary, state, views

NOT_ENOUGH = N_("This scheme has too few answers in the years chosen, or no other scheme of its programme has "
                "enough, so it has no group of similar schemes.")
NO_FIGURES = N_("No figure for this scheme and its group with the filters chosen: nobody in them answered this "
                "question. Choose fewer filters to compare it with similar schemes.")


def section(metric_id: str, filters: Filters, *, scope: Scope, confidence: float = 0.95) -> None:
    """The section for a scope that may see schemes (the caller shows "not available" to everyone else)."""
    if not similar.answers_based(metric_id):
        st.info(_("Schemes are set against similar schemes on the measures from people's answers. Choose one of "
                  "those to see it."), icon=":material/info:")
        return
    choices = {sid: f"{name} ({state.area_label(area)})" for sid, (name, area) in data.schemes(scope=scope).items()}
    if not choices:
        st.info(_("There is no scheme you may see."), icon=":material/info:")
        return
    left, right = st.columns(2)
    with left:
        scheme_id = state.url_choice("scheme", choices, next(iter(choices)), st.selectbox, _("Scheme"),
                                     key="compare_similar_scheme")
    with right:
        k = st.select_slider(_("How many similar schemes"), similar.K_CHOICES, value=similar.K_DEFAULT,
                             key="compare_similar_k")
    group = similar_schemes(scheme_id, filters, scope=scope, k=k)
    if group.empty:
        st.info(_(NOT_ENOUGH), icon=":material/info:")
        return
    both = compare_with_similar(metric_id, scheme_id, filters, scope=scope, k=k, confidence=confidence)
    if both.empty:  # filters narrow enough that the measure has no answers here (a subgroup of a subgroup)
        st.info(_(NO_FIGURES), icon=":material/info:")
        return
    bench = both["benchmark"].dropna()
    fig = charts.bar_with_intervals(both, "scheme_name", title=views.similar_title(both),
                                    benchmark=float(bench.iloc[0]) if len(bench) else None)
    blocks.chart_block(fig, both, key="compare-similar", filename=f"{metric_id}_{scheme_id}_similar_schemes.csv")
    st.markdown(_("**The {n} schemes most like it** in size and in its mix of arrangements, age bands and needs "
                  "(same programme, the years chosen), nearest first. A scheme you may not see is named only by its "
                  "area.").format(n=len(group)))
    st.dataframe(views.similar_group_table(group), hide_index=True, width="stretch", key="compare-similar-group")
    glossary.explain("similar schemes")


@cache.shared(max_entries=200)
def _similar_schemes(scheme_id, filters, scope, k, root, version, _con, lang=i18n.DEFAULT) -> pd.DataFrame:
    with i18n.using(lang):  # names (of areas, for schemes the viewer may not see) in the language it is keyed on
        return api.similar_schemes(scheme_id, filters, scope=scope, con=_con, k=k)


def similar_schemes(scheme_id: str, filters: Filters = Filters(), *, scope: Scope, k: int = 5) -> pd.DataFrame:
    """`kpi.metrics.api.similar_schemes`, cached like ui.data's calls (scope and store version in the key): a scheme's comparator group as the scope may see it (ScopeError else)."""
    root, version = data.store_key()
    table = _similar_schemes(scheme_id, filters, scope, k, root, version, data.connection(), i18n.lang())
    data.audit_view(scope, "similar_schemes", ("scheme",), replace(filters, schemes=(scheme_id,)))  # which scheme
    return table


@cache.shared(max_entries=500)
def _compare_with_similar(metric_id, scheme_id, filters, scope, k, confidence, root, version, _con,
                          lang=i18n.DEFAULT) -> pd.DataFrame:
    with i18n.using(lang):  # the measure's title and names, in the language it is keyed on
        return api.compare_with_similar(metric_id, scheme_id, filters, scope=scope, con=_con, k=k,
                                        confidence=confidence)


def compare_with_similar(metric_id: str, scheme_id: str, filters: Filters = Filters(), *, scope: Scope, k: int = 5,
                         confidence: float = 0.95) -> pd.DataFrame:
    """`kpi.metrics.api.compare_with_similar`: the scheme and its group pooled, each against the benchmark, and the
    scheme against the group."""
    root, version = data.store_key()
    table = _compare_with_similar(metric_id, scheme_id, filters, scope, k, confidence, root, version,
                                  data.connection(), i18n.lang())
    data.audit_view(scope, metric_id, ("scheme",), replace(filters, schemes=(scheme_id,)))
    return table
