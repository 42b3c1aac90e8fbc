"""Overview: the headline KHIs as plain-English sentences and figures, latest year against the year before."""

import streamlit as st

from kpi.render import charts
from kpi.metrics import registry
from kpi.data import schema
from kpi.i18n import N_, _
from ui import blocks, cards, data, glossary, nav, state, themes, views

f = nav.page_start(N_("Key Human Indicators"))

ids = list(registry.HEADLINE_IDS)
pairs = {mid: registry.harm_of(mid) for mid in ids}
scope = data.viewer_scope()
table = data.headline([*ids, *[n for n in pairs.values() if n]], f, scope=scope)
rows = {r["metric_id"]: r for r in views.records(table)}
latest = int(table["year"].iloc[0])

st.markdown(_(
    "**What this page shows:** what people supported in **{place}** said about their support in **{year}**, "
    "compared with {previous}. Each card gives the figure, how many people answered (n), and the range the true "
    "figure is likely to be in. Where support can also make things worse, that figure is shown beside it."
).format(place=state.place_label(f), year=schema.fy_label(latest), previous=schema.fy_label(latest - 1)))
left, right = st.columns(2)
with left:
    glossary.explain("confidence interval")
with right:
    glossary.explain("significance")

cols = st.columns(2)
for i, mid in enumerate(ids):
    with cols[i % 2]:
        cards.metric_card(rows[mid], rows.get(pairs[mid]) if pairs[mid] else None)

with st.expander(_("The figures on this page as a table"), icon=":material/table:"):
    blocks.table_block(table, key="overview-headline", filename="khi-headline.csv",
                       period=schema.fy_label(latest), toggle=False)

st.header(_("Where to look"))
st.markdown(_("Nations and regions whose figure in **{year}** is significantly better or worse than the benchmark "
              "on the measures above. Each links to the comparison.").format(year=schema.fy_label(latest)))
regions = data.khi_tables(ids, ("region",), f.with_years([latest]), scope=scope)
cards.where_to_look(regions, latest)
glossary.explain("benchmark")

st.header(_("What people said about their support"))
period = state.period_label(f)
impact = [(registry.get(pos).topic, pos, registry.harm_of(pos)) for pos in registry.IMPACT_TOPIC_IDS]
answers = data.khi_tables([m for _, pos, neg in impact for m in (pos, neg)], filters=f, scope=scope)
# This chart covers every year in view, the cards above only the latest: its title says which.
fig = charts.answers_stacked(answers, impact, title=f"{charts.answers_title(answers, impact)} ({period})",
                             answer_labels=themes.impact_answers())
blocks.chart_block(fig, answers, key="overview-impact", filename="khi-impact-all-areas.csv")
