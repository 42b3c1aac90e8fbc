"""Definitions and data: every KHI rendered from the registry, the data's coverage and the sample-data notice."""

import datetime as dt

import streamlit as st

from kpi.metrics import disclosure, registry
from kpi.metrics.disclosure import SUPPRESSED_TEXT
from kpi.data import schema
from ui import data, glossary, nav

# No filters apply here, but links keep theirs and bad ones are still reported.
nav.page_start("Definitions and data", show=())
st.markdown("**What this page shows:** how each Key Human Indicator is worked out, and what data the dashboard "
            "holds.")

# --- The data ---------------------------------------------------------------------------------------------------
st.header("The data")
info = data.coverage(scope=data.viewer_scope())
about = "about " if info["rounded"] else ""  # outside the exact roles, totals are to the nearest hundred
cols = st.columns(4)
cols[0].metric("Answers", f"{about}{info['responses']:,}")
cols[1].metric("People", f"{about}{info['people']:,}")
cols[2].metric("Schemes", f"{info['schemes']:,}")
cols[3].metric("Rows set aside", f"{about}{info['quarantined_rows']:,}",
               help="Rows in the files schemes sent that broke the data rules (a missing answer, a date that cannot "
                    "be right). They are kept to one side and not counted in any figure.")
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
    f"- Last updated: {updated}. These are version {info['version']} of the figures: each time data is added or "
    "corrected the figures get a new version number, which every footer names.\n"
    + (f"- Totals of answers, people and rows set aside are rounded to the nearest "
       f"{disclosure.TOTAL_ROUNDING}.\n" if info["rounded"] else "") +
    f"- Figures from fewer than {disclosure.MIN_DENOMINATOR} answers are not shown (“{SUPPRESSED_TEXT}”). "
    f"{disclosure.PROTECTION_NOTE}: every count is moved up or down by a few, the same way every time for the same "
    "people, so nobody can work out a small number by taking one figure away from another."
)

# --- Words we use -----------------------------------------------------------------------------------------------
st.header("Words we use")
for term in glossary.GLOSSARY:
    glossary.explain(term, label="n (number of answers)" if term == "n" else term[0].upper() + term[1:])

# --- Every KHI --------------------------------------------------------------------------------------------------
st.header("The Key Human Indicators")
for theme in dict.fromkeys(k.theme for k in registry.REGISTRY):
    st.subheader(theme[0].upper() + theme[1:])
    for k in (k for k in registry.REGISTRY if k.theme == theme):
        with st.expander(k.title):
            st.markdown(glossary.khi_definition(k))
