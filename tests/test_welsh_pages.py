"""The dashboard's pages in Welsh (?lang=cy): each public page renders with its title and its own words in Welsh, the
language switch keeps the view (the filters in the URL and the sidebar), links keep the language, and caches that
hold words are keyed on it.

The Welsh comes from the catalogue (kpi/locale/cy/LC_MESSAGES/messages.po): these tests read it through `_()` of the
English msgid, so they check the pages whatever the wording, and fail while a page string is left unwrapped or shown
without `_()`.
"""

from __future__ import annotations

import html
import inspect
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from babel.messages.pofile import read_po

from kpi import i18n
from kpi.i18n import _
from tests.app_pages import open_page

NORTH_WEST = "E12000002"
# page script -> the English title page_start is given (nav.PAGES names the overview "Overview"; its heading is the
# dashboard's name)
PAGES = {"pages/overview.py": "Key Human Indicators", "pages/connectedness.py": "Connectedness",
         "pages/health.py": "Health", "pages/living_well.py": "Living well", "pages/growth.py": "Regional growth",
         "pages/compare.py": "Compare areas", "pages/profile.py": "Area profile"}
# The files whose words this part wraps (their msgids must never reach a Welsh page in English).
OWN_FILES = ("ui/nav.py", "ui/state.py", "ui/views.py", "ui/cards.py", "ui/blocks.py", "ui/themes.py",
             "ui/similar_schemes.py", "ui/data.py", "app.py", "pages/overview.py", "pages/connectedness.py",
             "pages/health.py", "pages/living_well.py", "pages/growth.py", "pages/compare.py", "pages/profile.py")


def welsh(message: str) -> str:
    with i18n.using("cy"):
        return _(message)


def texts(at) -> str:
    """Every word a page shows in its main area and sidebar: headings, text, notices, widget labels and options."""
    parts = [e.value for kind in ("title", "header", "subheader", "markdown", "caption", "info", "warning")
             for e in at.get(kind)]
    parts += [e.label for e in at.expander]
    for kind in ("button", "toggle", "radio", "selectbox", "multiselect", "segmented_control", "select_slider"):
        for e in at.get(kind):
            parts.append(e.label)
            parts += [str(o) for o in getattr(e, "options", [])]
            if getattr(e, "placeholder", None):
                parts.append(e.placeholder)
    for df in at.dataframe:
        parts += [str(c) for c in df.value.columns]
    return "\n".join(str(p) for p in parts)


def own_sentences() -> list[str]:
    """The sentences of this part's files (30 characters or more, so none is part of another helper's words, e.g. a
    KHI title; no placeholder: those are only whole once filled in). Short labels are checked one by one."""
    with open(i18n.LOCALE_DIR / "cy" / "LC_MESSAGES" / "messages.po", "rb") as fh:
        catalog = read_po(fh, locale="cy")
    found = []
    for m in catalog:
        if not m.id or not isinstance(m.id, str) or "{" in m.id or len(m.id) < 30:
            continue
        if any(path in OWN_FILES for path, _line in m.locations) and welsh(m.id) != m.id:
            found.append(m.id)
    return found


@pytest.fixture(scope="module")
def welsh_pages(sample_store):
    mp = pytest.MonkeyPatch()
    mp.setenv("KHI_DATA_DIR", str(sample_store))
    try:
        yield {page: open_page(page, lang="cy") for page in PAGES}
    finally:
        mp.undo()


@pytest.mark.parametrize("page", PAGES)
def test_each_page_renders_in_welsh_with_a_welsh_title(welsh_pages, page):
    at = welsh_pages[page]
    title = PAGES[page]
    assert welsh(title) != title, f"no Welsh for the title {title!r}"
    assert [t.value for t in at.title] == [welsh(title)]
    assert at.query_params["lang"] in ("cy", ["cy"])
    # The sidebar speaks Welsh too, and its switch offers English in English.
    assert at.sidebar.header[0].value == welsh("Filters") != "Filters"
    assert sorted(b.label for b in at.sidebar.button) == sorted([welsh("Clear filters"), "English"])
    sample = [i.value for i in at.info if welsh("These figures are made up (synthetic sample data) to show how the "
                                                "dashboard works. They are not real people.") in i.value]
    assert sample, "the sample banner is not in Welsh"


@pytest.mark.parametrize("page", PAGES)
def test_no_sentence_of_this_part_shows_in_english_on_a_welsh_page(welsh_pages, page):
    shown = texts(welsh_pages[page])
    english = [s for s in own_sentences() if s in shown]
    assert not english, f"{page} shows in English: {english}"


def test_every_page_title_in_the_navigation_has_welsh():
    """nav.pages shows each title through _() (nav.PAGES keeps them in English, marked N_)."""
    from ui import nav

    missing = [title for _s, title, _i, _r in nav.PAGES if welsh(title) == title]
    assert not missing, missing


def test_switching_language_keeps_the_filters(sample_env):
    at = open_page("pages/health.py", year="2019-20", area=NORTH_WEST)
    assert at.title[0].value == "Health" and "lang" not in at.query_params
    at.button(key="khi_lang_switch").click().run()
    assert not at.exception
    assert at.title[0].value == welsh("Health")
    assert at.query_params["lang"] in ("cy", ["cy"])
    assert "2019-20" in str(at.query_params["year"]) and NORTH_WEST in str(at.query_params["area"])
    assert at.sidebar.multiselect(key="khi_filter_place").value == [NORTH_WEST]
    assert at.sidebar.multiselect(key="khi_filter_period").value == [2019]
    assert at.button(key="khi_lang_switch").label == "English"

    # AppTest formats the widgets' values in the test's own thread, as the browser would show them: in Welsh now.
    with i18n.using("cy"):
        at.button(key="khi_lang_switch").click().run()  # and back: English links carry no ?lang
    assert not at.exception and at.title[0].value == "Health" and "lang" not in at.query_params
    assert "2019-20" in str(at.query_params["year"]) and NORTH_WEST in str(at.query_params["area"])
    assert at.sidebar.multiselect(key="khi_filter_place").value == [NORTH_WEST]
    assert at.button(key="khi_lang_switch").label == "Cymraeg"


def test_a_page_choice_survives_the_switch(sample_env):
    at = open_page("pages/compare.py", metric="lonely_often", bench="uk")
    at.button(key="khi_lang_switch").click().run()
    assert not at.exception
    assert at.selectbox(key="compare_metric").value == "lonely_often"
    assert at.radio(key="compare_bench").value == "uk"
    assert at.radio(key="compare_bench").options == [welsh(v) for v in
                                                     ("England for English areas, the nation for the others",
                                                      "The whole UK for every area")]
    assert at.query_params["metric"] in ("lonely_often", ["lonely_often"])


def test_a_welsh_page_opens_welsh_pages_after_a_page_switch(sample_env):
    at = open_page("pages/overview.py", lang="cy", area=NORTH_WEST)
    with i18n.using("cy"):  # AppTest sends the widgets' values as the page showed them, in Welsh
        at.switch_page("pages/living_well.py").run()
    assert not at.exception
    assert at.title[0].value == welsh("Living well")
    assert at.sidebar.multiselect(key="khi_filter_place").value == [NORTH_WEST]


def test_a_filter_sent_back_as_its_label_in_the_other_language_keeps_its_place(sample_env):
    """Streamlit sends a multiselect's choices back as the labels it showed, and passes on a label it cannot match as
    bare text. Here AppTest formats the Welsh page's choice in English ("North West"): the page still reads North West
    (before, the text reached the queries as an area and Connectedness failed on an empty median)."""
    at = open_page("pages/overview.py", lang="cy", area=NORTH_WEST)
    at.switch_page("pages/connectedness.py").run()  # not inside i18n.using("cy"): the labels go back in English
    assert not at.exception, [e.value for e in at.exception]
    assert at.title[0].value == welsh("Connectedness")
    assert at.sidebar.multiselect(key="khi_filter_place").value == [NORTH_WEST]
    assert at.session_state["_khi_view"].areas == (NORTH_WEST,)


def _compare_links(markdown: str) -> list[dict]:
    urls = re.findall(r"\]\((compare\?[^)]+)\)", markdown) + re.findall(r'href="(compare\?[^"]+)"', markdown)
    return [parse_qs(urlsplit(html.unescape(url)).query) for url in urls]


def test_links_to_other_pages_keep_the_language(welsh_pages, sample_env):
    overview = "\n".join(m.value for m in welsh_pages["pages/overview.py"].markdown)
    profile = "\n".join(h.value for h in welsh_pages["pages/profile.py"].html)  # the table is st.html
    links = _compare_links(overview) + _compare_links(profile)
    assert _compare_links(profile), "the area profile's cells link to Compare"
    assert all(q.get("lang") == ["cy"] for q in links), links
    english = open_page("pages/profile.py")
    links = _compare_links("\n".join(h.value for h in english.html))
    assert links and all("lang" not in q for q in links)


def test_caches_that_hold_words_are_keyed_on_the_language():
    from ui import data, similar_schemes

    for fn in (data._khi_tables, data._khi_parts, data._growth_summary, data._headline, data._trend, data._profile,
               data._funnel, similar_schemes._similar_schemes, similar_schemes._compare_with_similar):
        assert "lang" in inspect.signature(fn).parameters, fn


def test_labels_from_the_code_tables_are_shown_through_the_catalogue(welsh_pages):
    """The filters show schema.LABELS and area names through _(): whatever Welsh the catalogue has for them."""
    from kpi.data import schema

    at = welsh_pages["pages/overview.py"]
    programme = at.sidebar.multiselect(key="khi_filter_programme")
    assert programme.options == [welsh(label) for label in schema.LABELS["programme"].values()]
    place = at.sidebar.multiselect(key="khi_filter_place")
    assert place.options[0] == welsh("England (all nine regions)") != "England (all nine regions)"
    assert place.placeholder == welsh("All of the UK")
