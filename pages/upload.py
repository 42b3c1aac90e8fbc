"""Send data: upload a scheme's outcome-tool exports and yearly returns, check them, store them; list and withdraw
submissions; publish a version (admins)."""

import streamlit as st

from kpi.data.said import say
from kpi.i18n import _
from ui import blocks, nav, upload

nav.page_start(_("Send data"), show=())
scope, me = upload.require_uploader()
st.markdown(_("**What this page does:** you send files for {scope}. You see what would be stored and what would be"
              " set aside, and why, before anything is stored. Stored rows show in the latest figures at once, and in"
              " the public figures when an administrator publishes them.").format(scope=upload.scope_words(scope)))

st.header(_("Send files"))
blocks.say_result("_khi_upload_result")
kind = st.selectbox(_("What is in the files"), list(upload.KINDS), format_func=upload.kind_words, key="upload_kind")
files = st.file_uploader(
    _("CSV, Excel (.xlsx) or Parquet files, up to {mb} MB each").format(mb=upload.MAX_MB),
    type=["csv", "xlsx", "parquet"],
    accept_multiple_files=True, key=f"upload_files_{st.session_state.get('_khi_upload_nonce', 0)}",
    help=_("File names are kept for the record, cut to their last part and plain characters."))
if files:
    staged = upload.stage(files)
    report = upload.check(staged, kind, scope)
    if isinstance(report, Exception):  # made once, in English: said here in the viewer's language
        st.error(_("These files cannot be stored, and nothing was stored: {reason}").format(reason=say(report)))
    else:
        st.subheader(_("What would happen"))
        upload.show_report(report)
        if sum(f.stored for f in report.files):
            st.button(_("Store these rows"), type="primary", icon=":material/cloud_upload:",
                      on_click=upload.confirm, args=(staged, kind, scope, me))
        else:
            st.info(_("There is nothing new to store in these files."))

st.header(_("Submissions"))
blocks.say_result("_khi_withdraw_result")
mine = upload.my_submissions(scope, me)
st.caption(_("Every set of files stored, who sent them and when. All submissions.") if scope.role == "admin" else
           _("Every set of files stored, who sent them and when. Yours."))
st.dataframe(upload.submissions_table(mine), hide_index=True, width="stretch")
live = [s.id for s in mine if s.live and s.id != "S0000"]
if live:
    with st.expander(_("Withdraw a submission")):
        chosen = st.selectbox(_("Submission"), list(reversed(live)), key="withdraw_id")
        st.text_input(_("Why it is withdrawn (kept in the record)"), key="withdraw_reason")
        st.button(_("Withdraw"), on_click=upload.withdraw, args=(chosen, me))

if scope.role == "admin":
    st.header(_("Publish"))
    blocks.say_result("_khi_publish_result")
    st.caption(_("The public sees the published version. Publish the latest version once its figures are checked."))
    st.dataframe(upload.versions_table(), hide_index=True, width="stretch")
    st.button(_("Publish the latest version"), type="primary", on_click=upload.publish, args=(me,))
