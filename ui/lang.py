"""The viewer's language: read from the link (?lang=cy), kept in their session, switched from every page, and told
to the browser (<html lang>) so a screen reader pronounces the page right.

kpi.i18n asks `_session_language` which language the code running now writes in; it reads the session of the
viewer whose script (or widget callback) is running, so one process serves Welsh and English viewers at once.
"""

from __future__ import annotations

import streamlit as st
from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx

from kpi import i18n
from ui import per_run

_KEY = "_khi_lang"


@per_run.once  # asked once per translated string
def _session_language() -> str | None:
    ctx = get_script_run_ctx()
    if ctx is None:  # not in a viewer's script run (a server thread, a test outside AppTest)
        return None
    try:  # the run's own session state, not through st.session_state: asked hundreds of times a page view
        return ctx.session_state[_KEY]
    except Exception:  # not chosen yet, or no session state here (Streamlit is starting or stopping)
        return None


i18n.set_session_hook(_session_language)


def start() -> str:
    """On every run, before anything is written: the language from the link, else the session's, else English;
    written back to the link (a copied link opens in the same language) and told to the browser."""
    from_url = i18n.parse(st.query_params.get("lang"))
    if from_url:
        st.session_state[_KEY] = from_url
    language = st.session_state.setdefault(_KEY, i18n.DEFAULT)
    _write_url(language)
    return language


def _write_url(language: str) -> None:
    # English is the default, so an English link carries no ?lang (links made before Welsh existed stay the same).
    if language == i18n.DEFAULT:
        if "lang" in st.query_params:
            del st.query_params["lang"]
    elif st.query_params.get("lang") != language:
        st.query_params["lang"] = language


def _switch(to: str) -> None:
    st.session_state[_KEY] = to
    _write_url(to)


# Said in both languages (not translated): whoever presses it may not read the language the page is in.
SWITCH_HELP = {"cy": "Darllenwch y dangosfwrdd yn Gymraeg. Read the dashboard in Welsh.",
               "en": "Read the dashboard in English. Darllenwch y dangosfwrdd yn Saesneg."}


def switch() -> None:
    """The sidebar's "Cymraeg" / "English" button (in the other language's own name), then the page's <html lang>.
    The filters stay: they live in the session and the link, which the switch only adds ?lang to."""
    other = "en" if i18n.lang() == "cy" else "cy"
    st.sidebar.button(i18n.LANGUAGES[other], key="khi_lang_switch", on_click=_switch, args=(other,),
                      icon=":material/translate:",
                      help=SWITCH_HELP[other])
    html_lang()


def html_lang() -> None:
    """Set <html lang> to the page's language (Streamlit serves lang="en" whatever the page says)."""
    code = i18n.lang()
    st.html(f"<script>document.documentElement.lang = {code!r};</script>", unsafe_allow_javascript=True)
