"""The Key Human Indicators dashboard: `streamlit run app.py`.

Pages live in pages/ and are listed with st.navigation (so the legacy automatic pages/ discovery is off): each
role's own list (ui.nav.pages), and each page checks the viewer's rights again.
"""

import streamlit as st

from kpi.data import paths
from kpi.i18n import _
from ui import data, lang, nav, per_run

lang.start()  # first: the page title and everything after it are in the viewer's language
per_run.begin()  # from here to the end of the run, answers that cannot change are worked out once (ui.per_run)

st.set_page_config(page_title=_("Key Human Indicators"), page_icon=nav.favicon(), layout="wide")


def no_data() -> None:
    # A missing or damaged store is the most likely first-run problem: say what to do, not a traceback.
    st.title(_("Key Human Indicators"))
    st.error(
        _("The dashboard cannot find its data.") + f"\n\n{problem}\n\n"
        + _("It looked in `{folder}` (set `KHI_DATA_DIR` to use another folder). To make a sample store: "
            "`python -m kpi sample --out data/sample`.").format(folder=paths.data_dir()),
        icon=":material/database_off:",
    )


try:
    problem = data.store_problem()
    if problem:
        # Still through st.navigation: without it Streamlit would fall back to running pages/ files directly.
        page = st.navigation([st.Page(no_data, title=_("No data"), default=True)], position="hidden")
    else:
        page = st.navigation(nav.pages(data.viewer_scope()))
    page.run()
finally:
    per_run.end()
