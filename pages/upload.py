"""Send data: upload a scheme's outcome-tool exports and yearly returns, check them, store them; list and withdraw
submissions; publish a version (admins)."""

import streamlit as st

from ui import blocks, nav, upload

nav.page_start("Send data", show=())
scope, me = upload.require_uploader()
st.markdown(f"**What this page does:** you send files for {upload.scope_words(scope)}. You see what would be stored "
            "and what would be set aside, and why, before anything is stored. Stored rows show in the latest "
            "figures at once, and in the public figures when an administrator publishes them.")

st.header("Send files")
blocks.say_result("_khi_upload_result")
kind = st.selectbox("What is in the files", list(upload.KINDS), format_func=upload.KINDS.get, key="upload_kind")
files = st.file_uploader(
    f"CSV, Excel (.xlsx) or Parquet files, up to {upload.MAX_MB} MB each", type=["csv", "xlsx", "parquet"],
    accept_multiple_files=True, key=f"upload_files_{st.session_state.get('_khi_upload_nonce', 0)}",
    help="File names are kept for the record, cut to their last part and plain characters.")
if files:
    staged = upload.stage(files)
    report = upload.check(staged, kind, scope)
    if isinstance(report, Exception):
        st.error(f"These files cannot be stored, and nothing was stored: {report}")
    else:
        st.subheader("What would happen")
        upload.show_report(report)
        if sum(f.stored for f in report.files):
            st.button("Store these rows", type="primary", icon=":material/cloud_upload:",
                      on_click=upload.confirm, args=(staged, kind, scope, me))
        else:
            st.info("There is nothing new to store in these files.")

st.header("Submissions")
blocks.say_result("_khi_withdraw_result")
mine = upload.my_submissions(scope, me)
st.caption("Every set of files stored, who sent them and when." +
           (" All submissions." if scope.role == "admin" else " Yours."))
st.dataframe(upload.submissions_table(mine), hide_index=True, width="stretch")
live = [s.id for s in mine if s.live and s.id != "S0000"]
if live:
    with st.expander("Withdraw a submission"):
        chosen = st.selectbox("Submission", list(reversed(live)), key="withdraw_id")
        st.text_input("Why it is withdrawn (kept in the record)", key="withdraw_reason")
        st.button("Withdraw", on_click=upload.withdraw, args=(chosen, me))

if scope.role == "admin":
    st.header("Publish")
    blocks.say_result("_khi_publish_result")
    st.caption("The public sees the published version. Publish the latest version once its figures are checked.")
    st.dataframe(upload.versions_table(), hide_index=True, width="stretch")
    st.button("Publish the latest version", type="primary", on_click=upload.publish, args=(me,))
