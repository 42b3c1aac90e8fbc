"""The language machinery (kpi.i18n) and the Welsh catalogue (kpi.translations, Babel)."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from babel import Locale

from kpi import i18n, translations


def test_parse_accepts_only_the_languages_offered():
    assert [i18n.parse(x) for x in ("cy", "CY", "cy-GB", "cy_GB", "en", "fr", "", None, "cy;drop")] == \
        ["cy", "cy", "cy", "cy", "en", None, None, None, None]


def test_english_is_the_default_and_using_sets_and_restores():
    assert i18n.lang() == "en"
    with i18n.using("cy") as code:
        assert code == "cy" and i18n.lang() == "cy" and i18n.welsh()
        with i18n.using("en"):
            assert i18n.lang() == "en"
        assert i18n.lang() == "cy"
    assert i18n.lang() == "en"
    with pytest.raises(ValueError, match="not offered"):
        with i18n.using("fr"):
            pass


def test_two_viewers_at_once_each_get_their_own_language():
    # Sessions share the process: one thread writing Welsh must not turn another's words Welsh (no install()).
    seen, go = {}, threading.Barrier(2)

    def viewer(code):
        with i18n.using(code):
            go.wait()
            seen[code] = [i18n.gettext("Overview") for _ in range(200)]

    threads = [threading.Thread(target=viewer, args=(c,)) for c in ("en", "cy")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert set(seen["en"]) == {"Overview"}
    assert set(seen["cy"]) == {"Trosolwg"}


def test_the_session_hook_decides_when_no_block_does():
    try:
        i18n.set_session_hook(lambda: "cy")
        assert i18n.lang() == "cy"
        with i18n.using("en"):
            assert i18n.lang() == "en"
        i18n.set_session_hook(lambda: "xx")  # a value we do not offer falls back to English
        assert i18n.lang() == "en"
    finally:
        from ui import lang  # put back the dashboard's own hook, as importing ui.lang set it
        i18n.set_session_hook(lang._session_language)


def test_dates_and_numbers_in_each_language():
    day = dt.date(2026, 3, 1)
    assert i18n.date_text(day) == "1 March 2026" and i18n.month_year(day) == "March 2026"
    assert i18n.number(12345) == "12,345" and i18n.number(87.46, 1) == "87.5"
    with i18n.using("cy"):
        assert i18n.date_text(day) == "1 Mawrth 2026"
        assert i18n.month_year(dt.date(2026, 11, 29)) == "Tachwedd 2026"
        assert i18n.number(12345) == "12,345"


def test_welsh_plurals_have_every_form_babel_knows():
    catalog = translations.read()
    assert catalog.num_plurals == 5 and "n==2" in catalog.plural_expr  # Welsh: one, two, three, six, other
    plurals = [m for m in catalog if m.id and m.pluralizable]
    assert plurals, "the code should say at least one count with ngettext"
    for m in plurals:
        assert len(m.string) == catalog.num_plurals and all(m.string), m.id


# --- the catalogue ------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def template():
    return translations.extracted()


def test_every_word_in_the_code_has_welsh_with_the_same_placeholders(template):
    found = translations.problems(template=template)
    assert not found, f"{len(found)} problem(s); run `python -m kpi.translations update` and translate:\n" + \
        "\n".join(found[:60])


def test_the_code_marks_many_words(template):
    # A guard on the extraction itself: if the keywords or paths stopped matching, the check above would pass on
    # an empty template.
    assert len(template) > 500


def test_the_catalogue_has_no_words_the_code_no_longer_uses(template):
    wanted = {(m.id if isinstance(m.id, str) else m.id[0], m.context) for m in template if m.id}
    have = {(m.id if isinstance(m.id, str) else m.id[0], m.context) for m in translations.read() if m.id}
    assert not have - wanted, sorted(have - wanted)[:20]


def test_welsh_translations_are_marked_for_review():
    # Until a Welsh speaker has checked them (docs/welsh-glossary.md), every translation carries the fuzzy flag,
    # which is how Babel and translators' tools mark "needs review".
    unreviewed = [m for m in translations.read() if m.id and "fuzzy" in m.flags]
    assert unreviewed and len(unreviewed) == len([m for m in translations.read() if m.id])


@pytest.mark.parametrize("text, fields", [("Made {date}", {"date"}), ("{n:,} answers", {"n:,"}),
                                          ("no fields", set()), ("broken {", {"!"})])
def test_placeholders(text, fields):
    assert translations.placeholders(text) == fields


def test_a_welsh_placeholder_that_differs_is_reported():
    from babel.messages.catalog import Catalog

    template, welsh = Catalog(), Catalog(locale="cy")
    template.add("Made {date}")
    template.add("{n} people")
    welsh.add("Made {date}", "Lluniwyd {dyddiad}")
    welsh.add("{n} people", "")
    found = translations.problems(welsh, template)
    assert found == ["placeholders differ: 'Made {date}' -> 'Lluniwyd {dyddiad}'", "no Welsh: '{n} people'"]
