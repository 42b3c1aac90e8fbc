"""Navigation and page start: what every page does first (through app.py, the sign-in block, title, sample notice,
filters), and the app's favicon."""

from __future__ import annotations

from typing import Sequence

import streamlit as st
# Streamlit internals (1.67) for the legacy-multipage workaround below; tests/test_app_pages.py pins both, so a
# Streamlit upgrade that moves them fails there and here at import, not silently.
from streamlit.runtime.pages_manager import PagesManager
from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx

from kpi.data.queries import Filters
from kpi.i18n import N_, _
from kpi.metrics.scope import ADMIN_ROLES, UPLOAD_ROLES
from ui import auth, data, lang, state


# (script, title, icon, roles that may use it: None for everyone). The page itself checks again on every run.
# Titles are marked N_ (English here, for tests and tools) and translated where shown.
PAGES = (
    ("pages/overview.py", N_("Overview"), ":material/dashboard:", None),
    ("pages/connectedness.py", N_("Connectedness"), ":material/diversity_3:", None),
    ("pages/health.py", N_("Health"), ":material/favorite:", None),
    ("pages/living_well.py", N_("Living well"), ":material/self_improvement:", None),
    ("pages/growth.py", N_("Regional growth"), ":material/map:", None),
    ("pages/compare.py", N_("Compare areas"), ":material/compare_arrows:", None),
    ("pages/profile.py", N_("Area profile"), ":material/grid_on:", None),
    ("pages/definitions.py", N_("Definitions and data"), ":material/menu_book:", None),
    ("pages/presentation.py", N_("Presentation mode"), ":material/co_present:", None),
    ("pages/upload.py", N_("Send data"), ":material/upload_file:", UPLOAD_ROLES),
    ("pages/admin.py", N_("Access and audit"), ":material/admin_panel_settings:", ADMIN_ROLES),
)


def page_list(scope) -> list[tuple[str, str, str]]:
    """(script, title, icon) of the pages a viewer's role may use (a Scope), the overview first."""
    return [(script, title, icon) for script, title, icon, roles in PAGES if roles is None or scope.role in roles]


def require_role(roles) -> tuple:
    """A restricted page's own check, on every run (not only the navigation's: a typed URL, a role withdrawn a
    minute ago): (the viewer's scope, their name for the records), or "not available" and the run stops."""
    scope = data.viewer_scope()
    who = auth.identity()
    if who is None or scope.role not in roles:
        st.info(_(NOT_AVAILABLE))
        st.stop()
    return scope, who.label


def pages(scope) -> list:
    """The navigation for a viewer (st.Page objects; the overview is the default)."""
    return [st.Page(script, title=_(title), icon=icon, default=i == 0)
            for i, (script, title, icon) in enumerate(page_list(scope))]


def page_start(title: str, show: Sequence[str] | None = None) -> Filters:
    """What every dashboard page does first: go through app.py, its title, the sample notice, the filters
    (`show`: which filters, default all). `title`: the English words (marked N_ by the caller), shown translated."""
    through_app()
    version_gate(title)
    st.title(_(title))
    sample_notice()
    version_notice()
    return state.filters_sidebar() if show is None else state.filters_sidebar(show=show)


def version_gate(title: str) -> None:
    """Which version this session reads (version_choice); when it may read none (nothing published, and it may not
    see unpublished figures), the page says so and stops."""
    version_choice(data.viewer_scope())
    if data.store_key()[1] is None:
        st.title(_(title))
        st.info(_(NOTHING_PUBLISHED), icon=":material/hourglass_empty:")
        st.stop()


NOTHING_PUBLISHED = N_("No figures have been published yet. The figures appear here once an administrator has checked "
                       "and published them.")
_WANTED = "_khi_latest_wanted"  # the session's own copy: Streamlit forgets widget values on a page switch


def version_choice(scope) -> None:
    """The sidebar switch between the published figures and the latest ones, for the roles that may see figures not
    yet published (ui.data.LATEST_ROLES); kept in the URL as ?version=latest. Everyone else reads the published
    version, whatever the URL says."""
    if _WANTED not in st.session_state:
        st.session_state[_WANTED] = st.query_params.get("version") == "latest"
    if scope.role not in data.LATEST_ROLES:
        data.read_latest(scope, False)
        return
    live, published = data.versions()
    if published is not None and live != published:
        st.session_state["khi_latest"] = st.session_state[_WANTED]
        st.sidebar.toggle(_("Show the latest figures, not yet published"), key="khi_latest",
                          on_change=lambda: st.session_state.update({_WANTED: st.session_state["khi_latest"]}),
                          help=_("Version {live} has data not yet published. The public sees version {published}.")
                          .format(live=live, published=published))
    latest = data.read_latest(scope, st.session_state[_WANTED])
    if latest and live != published:
        st.query_params["version"] = "latest"
    elif "version" in st.query_params:
        del st.query_params["version"]


def version_notice() -> None:
    """Says so, on every page, when the figures shown are not the published ones."""
    info = data.store_info()
    if info["version"] != info["published"]:
        public = (_("The public sees version {version}.").format(version=info["published"])
                  if info["published"] is not None else _("Nothing is published yet, so the public sees no figures."))
        st.warning(f"**{data.version_note()}.** " + _("These figures may still change.") + f" {public}",
                   icon=":material/pending:")


def through_app() -> None:
    """Run every page through app.py's st.navigation, even on a fresh server's first request, then show the sidebar's
    sign-in block (ui.auth; nothing when sign-in is not configured). Each page calls this
    first (at run time, not when this module is imported: a rerun raised inside an import fails the import for
    every session importing at that moment, which the load test caught).

    Because a pages/ folder sits beside app.py, Streamlit starts in its legacy multipage mode and, if the very first
    request is a deep link (/health), runs pages/health.py directly: no page config, no navigation, the file names
    in the sidebar. Calling st.navigation switches that mode off for the process, but app.py never ran. Switching
    it off here and rerunning sends that first request through app.py.
    """
    if PagesManager.uses_pages_directory and get_script_run_ctx() is not None:
        PagesManager.uses_pages_directory = False
        st.rerun()
    lang.start()
    auth.sidebar()
    lang.switch()


NOT_AVAILABLE = N_("This view is not available to you. Scheme-level figures are for the people who run or support "
                   "those schemes: sign in, or ask your administrator for access.")


SAMPLE_BANNER = N_("These figures are made up (synthetic sample data) to show how the dashboard works. "
                   "They are not real people.")


def sample_notice() -> None:
    """A banner on every page when the data is synthetic (and, when sign-in is off, that everyone sees everything).
    In plain words: the store's own note (its seed and size) is for the people who made it, not for readers."""
    info = data.store_info()
    if info.get("synthetic"):
        text = f"**{_(SAMPLE_BANNER)}**"
        if not auth.configured():
            text += " " + _("Sign-in is off, so every scheme's figures are shown to everyone.")
        st.info(text, icon=":material/science:")


@st.cache_resource(show_spinner=False)
def favicon():
    """A small person icon drawn here: a Material or emoji page icon makes the browser fetch it from Google's CDN,
    which fails offline (at a conference) and leaks a request."""
    from PIL import Image, ImageDraw

    img = Image.new("RGBA", (64, 64), (0, 0, 0, 0))
    draw = ImageDraw.Draw(img)
    draw.ellipse((0, 0, 63, 63), fill=(0, 102, 110, 255))  # the theme's primary teal
    draw.ellipse((24, 10, 40, 26), fill="white")
    draw.rounded_rectangle((18, 29, 46, 56), radius=10, fill="white")
    return img
