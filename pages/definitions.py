"""Definitions and data: every KHI rendered from the registry, the data's coverage and the sample-data notice."""

import datetime as dt

import streamlit as st

from kpi.metrics import api, disclosure, registry
from kpi.data import queries, schema
from ui import common as ui

# No filters apply here, but links keep theirs and bad ones are still reported.
ui.page_start("Definitions and data", show=())
st.markdown("**What this page shows:** how each Key Human Indicator is worked out, and what data the dashboard "
            "holds.")

# --- The data ---------------------------------------------------------------------------------------------------
st.header("The data")
info = ui.coverage()
cols = st.columns(4)
cols[0].metric("Answers", f"{info['responses']:,}")
cols[1].metric("People", f"{info['people']:,}")
cols[2].metric("Schemes", f"{info['schemes']:,}")
cols[3].metric("Rows set aside (quarantined)", f"{info['quarantined_rows']:,}",
               help="Rows in the files we were given that broke the data rules. They are kept aside, not counted.")
try:
    updated = f"{dt.datetime.fromisoformat(info['updated_at']):%d %B %Y, %H:%M %Z}".strip(", ")
except (TypeError, ValueError):
    updated = info.get("updated_at") or "not recorded"
st.markdown(
    f"- Survey answers from **{info['first_date']:%d %B %Y}** to **{info['last_date']:%d %B %Y}** "
    f"({schema.fy_label(schema.financial_year(info['first_date']))} to "
    f"{schema.fy_label(schema.financial_year(info['last_date']))}).\n"
    f"- Schemes' yearly returns of people supported: {schema.fy_label(info['first_year'])} to "
    f"{schema.fy_label(info['last_year'])}.\n"
    f"- {info['schemes_with_responses']:,} of {info['schemes']:,} schemes have survey answers.\n"
    f"- Last updated: {updated} (store version {info['version']}).\n"
    f"- Figures from fewer than {disclosure.MIN_DENOMINATOR} answers are not shown (“{ui.SUPPRESSED_TEXT}”); "
    "counts are rounded to the nearest 5."
)

# --- Words we use -----------------------------------------------------------------------------------------------
st.header("Words we use")
for term in ui.GLOSSARY:
    ui.explain(term, label="n (number of answers)" if term == "n" else term[0].upper() + term[1:])

# --- Every KHI --------------------------------------------------------------------------------------------------
st.header("The Key Human Indicators")
_DIRECTION = {"high_is_good": "Higher is better", "low_is_good": "Lower is better",
              "no_judgement": "Neither higher nor lower is better"}
# Count columns of the change and growth tables, in words (answers of categorical questions use schema.LABELS).
_COUNT_WORDS = {
    "answered": "everyone who gave a number", "0": "no friends", "3_or_more": "3 or more friends",
    "friends_count": "number of friends", "friends_pairs": "people who answered twice or more",
    "friends_change_sum": "change in friends (latest minus first), added up", "friends_more": "more friends at "
    "their latest answer", "connected_pairs": "people who answered twice or more",
    "connected_latest_only": "positive at their latest answer only", "connected_first_only": "positive at their "
    "first answer only", "people": "people supported", "population": "population (ONS mid-year estimate)",
}


def answers(k, codes) -> str:
    if not codes:
        return "—"
    domain = queries.CATEGORICAL.get(k.source)
    labels = schema.LABELS.get(domain, {}) if domain else {}
    return ", ".join(labels.get(c) or _COUNT_WORDS.get(c, c.replace("_", " ")) for c in codes)


def template(k) -> str:
    """The sentence pattern with its blanks shown as 'X', e.g. 'X in 10 people said ...'."""
    text = k.sentence.replace("{share}", "X in 10 people").replace("{support}", "their support")
    return text.replace("{value}", "X")[0].upper() + text.replace("{value}", "X")[1:] + "."


themes = dict.fromkeys(k.theme for k in registry.REGISTRY)
for theme in themes:
    st.subheader(theme[0].upper() + theme[1:])
    for k in (k for k in registry.REGISTRY if k.theme == theme):
        with st.expander(k.title):
            st.markdown(
                f"**What we say:** {template(k)}\n\n"
                f"**What it means:** {k.explanation}\n\n"
                f"**Question asked:** {k.question}\n\n"
                f"**Counted (numerator):** {answers(k, k.numerator)}\n\n"
                f"**Out of (denominator):** {answers(k, k.denominator)}\n\n"
                f"**Figure:** {k.statistic}, in {k.unit}. **Interval:** {registry.method_name(k.kind)}.\n\n"
                f"**Direction:** {_DIRECTION[k.direction]}. **Fewest answers shown:** "
                f"{max(k.min_n, disclosure.MIN_DENOMINATOR)}.\n\n"
                f"*Id for analysts:* `{k.id}` (`python -m kpi table {k.id}`)"
            )
