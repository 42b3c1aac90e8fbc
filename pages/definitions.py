"""Definitions and data: every KHI rendered from the registry, the data's coverage and the sample-data notice."""

import datetime as dt
import html

import streamlit as st

from kpi import i18n
from kpi.i18n import _
from kpi.metrics import disclosure, registry
from kpi.metrics.definitions import theme_words
from kpi.metrics.disclosure import SUPPRESSED_TEXT
from kpi.data import schema
from ui import data, glossary, nav

# No filters apply here, but links keep theirs and bad ones are still reported.
nav.page_start(_("Definitions and data"), show=())
st.markdown(_("**What this page shows:** how each Key Human Indicator is worked out, and what data the dashboard "
              "holds."))

# --- The data ---------------------------------------------------------------------------------------------------
st.header(_("The data"))
info = data.coverage(scope=data.viewer_scope())


def total(n: int) -> str:
    """A store total as shown: outside the exact roles, totals are to the nearest hundred, so 'about'."""
    return _("about {number}").format(number=i18n.number(n)) if info["rounded"] else i18n.number(n)


def fy(year) -> str:
    return schema.fy_label(year)


cols = st.columns(4)
cols[0].metric(_("Answers"), total(info["responses"]))
cols[1].metric(_("People"), total(info["people"]))
cols[2].metric(_("Schemes"), i18n.number(info["schemes"]))
cols[3].metric(_("Rows set aside"), total(info["quarantined_rows"]),
               help=_("Rows in the files schemes sent that broke the data rules (a missing answer, a date that cannot "
                      "be right). They are kept to one side and not counted in any figure."))
try:
    when = dt.datetime.fromisoformat(info["updated_at"])
    updated = f"{i18n.date_text(when)}, {when:%H:%M %Z}".strip(", ")
except (TypeError, ValueError):
    updated = info.get("updated_at") or _("not recorded")
lines = [
    _("Survey answers from **{first}** to **{last}** ({first_year} to {last_year}).").format(
        first=i18n.date_text(info["first_date"]), last=i18n.date_text(info["last_date"]),
        first_year=fy(schema.financial_year(info["first_date"])),
        last_year=fy(schema.financial_year(info["last_date"]))),
    _("Schemes' yearly returns of people supported: {first_year} to {last_year}.").format(
        first_year=fy(info["first_year"]), last_year=fy(info["last_year"])),
    _("{with_answers} of {schemes} schemes have survey answers.").format(
        with_answers=i18n.number(info["schemes_with_responses"]), schemes=i18n.number(info["schemes"])),
    _("Last updated: {updated}. These are version {version} of the figures: each time data is added or corrected "
      "the figures get a new version number, which every footer names.").format(
        updated=updated, version=info["version"]),
]
if info["rounded"]:
    lines.append(_("Totals of answers, people and rows set aside are rounded to the nearest {rounding}.").format(
        rounding=i18n.number(disclosure.TOTAL_ROUNDING)))
lines.append(_("Figures from fewer than {min_n} answers are not shown (“{suppressed}”). {protection}: every count is "
               "moved up or down by a few, the same way every time for the same people, so nobody can work out a "
               "small number by taking one figure away from another.").format(
    min_n=disclosure.MIN_DENOMINATOR, suppressed=_(SUPPRESSED_TEXT),
    protection=_(disclosure.PROTECTION_NOTE)))
st.markdown("\n".join(f"- {line}" for line in lines))

# --- Words we use -----------------------------------------------------------------------------------------------
st.header(_("Words we use"))
for term in glossary.GLOSSARY:
    name = _("n (number of answers)") if term == "n" else glossary.term_name(term)
    glossary.explain(term, label=name[0].upper() + name[1:])

# --- Every KHI --------------------------------------------------------------------------------------------------
st.header(_("The Key Human Indicators"))
for theme in dict.fromkeys(k.theme for k in registry.REGISTRY):
    st.subheader(theme_words(theme))
    for k in (k for k in registry.REGISTRY if k.theme == theme):
        with st.expander(k.title):
            st.markdown(glossary.khi_definition(k))

# --- The Welsh --------------------------------------------------------------------------------------------------
# Honest about the Welsh in the page's language; the English page says it in Welsh too (marked lang="cy", so a
# screen reader says it in a Welsh voice), for a Welsh reader who has not switched yet. The Welsh page keeps to Welsh.


def welsh_notice() -> str:
    return _("The Welsh on this dashboard is a first translation. A Welsh speaker has not checked it yet. The words "
             "we use for the key terms are listed in docs/welsh-glossary.md, in the dashboard's code. If a word "
             "is wrong or hard to understand, please tell the team that runs this dashboard: which word, on which "
             "page, and what it should say. We welcome your feedback.")


st.header(_("About the Welsh"))
st.info(welsh_notice(), icon=":material/translate:")
if not i18n.welsh():
    with i18n.using("cy"):
        st.markdown(f'<p lang="cy">{html.escape(welsh_notice())}</p>', unsafe_allow_html=True)
