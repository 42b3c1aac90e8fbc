"""Access and audit (admins only): who may see what, and the log of every view or download of scheme-level or exact
figures."""

import streamlit as st

from kpi.i18n import _
from ui import admin, nav

nav.page_start(_("Access and audit"), show=())
folder, me = admin.require_admin()
st.markdown(_("**What this page shows:** who may see what on this dashboard, and who looked at or downloaded "
              "scheme-level or exact figures. The same table and log as `python -m kpi users`."))

st.header(_("People and their access"))
st.caption(_("The roles table in {folder}. A change takes effect on the person's next page view. Anyone signed in but"
             " not listed here sees only the public figures.").format(folder=folder))
st.dataframe(admin.people_table(folder), hide_index=True, width="stretch")
left, right = st.columns(2)
with left:
    st.subheader(_("Add or change someone"))
    admin.edit_form(folder, me)
with right:
    st.subheader(_("Take away someone's access"))
    admin.remove_form(folder, me)
with st.expander(_("Changes to the roles table")):
    st.dataframe(admin.changes_table(folder), hide_index=True, width="stretch")

st.header(_("Audit log"))
st.caption(_("Every view or download of scheme-level or exact figures: who, when, what and which filters. "
             "The log is only ever added to."))
who_col, since_col = st.columns(2)
who = who_col.text_input(_("Only this person (e-mail)"), key="audit_who")
since = since_col.date_input(_("From"), value=None, key="audit_since")
log = admin.audit_table(folder, who=who.strip().lower(), since=since.isoformat() if since else None)
st.dataframe(log, hide_index=True, width="stretch")
st.download_button(_("Download the audit log (CSV)"), data=admin.audit_csv(log), file_name="khi-audit-log.csv",
                   mime="text/csv", on_click="ignore", icon=":material/download:")
