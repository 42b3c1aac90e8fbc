"""The registry in Welsh: every KHI's words have their Welsh beside them (kpi/metrics/khis.toml), with the same
placeholders; `i18n.using("cy")` turns every reader of `k.title`, `k.sentence`... Welsh and leaves English exactly as
it was; the Easy Read share words and the {support} filler are Welsh too, and still agree with the figure.

The share words, the definitions' words and the glossary are translated through the catalogue: these tests need it
filled (`python -m kpi.translations update && ... fill kpi/locale/parts/*.json`).
"""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import pytest

from kpi import i18n
from kpi.metrics import definitions, registry

REPO = Path(__file__).resolve().parent.parent
WELSH_ONLY = re.compile(r"\b(said|people|support|helped|friends|their|the)\b")  # English words a Welsh sentence lacks


@pytest.mark.parametrize("k", registry.REGISTRY, ids=[k.id for k in registry.REGISTRY])
def test_every_khi_has_welsh_beside_each_human_field_with_the_same_placeholders(k):
    for name in registry.HUMAN_FIELDS:
        english, welsh = k.words(name, "en"), getattr(k, f"{name}_cy")
        if english:
            assert welsh and welsh != english, (k.id, name)
            assert registry.placeholders(welsh) == registry.placeholders(english), (k.id, name)
    assert not WELSH_ONLY.search(re.sub(r"\{\w+\}", "", k.sentence_cy)), k.sentence_cy


def test_every_kind_has_welsh_for_its_statistic_unit_and_method():
    for kind in registry.KINDS.values():
        assert kind.statistic_cy and kind.unit_cy and kind.method_cy, kind.name
        with i18n.using("cy"):
            assert (kind.statistic_words, kind.unit_words, kind.method_words) == (
                kind.statistic_cy, kind.unit_cy, kind.method_cy)
        assert (kind.statistic_words, kind.unit_words, kind.method_words) == (
            kind.statistic, kind.unit, kind.method_name)


def test_using_welsh_gives_the_welsh_and_english_is_unchanged():
    k = registry.get("connected_positive")
    assert k.title == "Feeling connected: positive impact" and k.topic == "Feeling connected"
    with i18n.using("cy"):
        assert k.title == k.title_cy == "Teimlo'n gysylltiedig: effaith gadarnhaol"
        assert (k.sentence, k.explanation, k.question, k.topic) == (k.sentence_cy, k.explanation_cy, k.question_cy,
                                                                     k.topic_cy)
        assert k.unit == "%" and k.statistic == "percentage"  # codes that code compares stay English
        assert k.as_dict()["title"] == k.title_cy
    assert k.title == "Feeling connected: positive impact"
    assert k.as_dict()["title"] == "Feeling connected: positive impact"


def test_a_khi_is_the_same_key_in_either_language():
    # KHIs are compared and hashed (caches, sets): their words must not change that.
    k = registry.get("lonely_often")
    english = hash(k)
    with i18n.using("cy"):
        assert hash(k) == english and k == registry.get("lonely_often") and k in set(registry.REGISTRY)


@pytest.mark.parametrize("broken, problem", [
    (dict(title_cy=""), "no Welsh for title"),
    (dict(question_cy=""), "no Welsh for question"),
    (dict(sentence_cy="Dywedodd {share} fod cymorth wedi helpu"), "sentence_cy placeholders"),
    (dict(sentence_cy="Dywedodd {cyfran} fod {support} wedi helpu"), "sentence_cy placeholders"),
    (dict(topic_cy=""), "no Welsh for topic"),
])
def test_validation_fails_without_welsh_or_with_other_placeholders(broken, problem):
    bad = replace(registry.get("connected_positive"), **broken)
    found = registry.validate((bad,))
    assert any(problem in p for p in found), found


@pytest.mark.parametrize("p, english, welsh", [
    (0.89, "Nearly 9 in 10 people", "Bron i 9 o bob 10 o bobl"),
    (0.83, "More than 8 in 10 people", "Dros 8 o bob 10 o bobl"),
    (0.90, "About 9 in 10 people", "Tua 9 o bob 10 o bobl"),
    (0.03, "About 3 in 100 people", "Tua 3 o bob 100 o bobl"),
    (0.004, "Fewer than 1 in 100 people", "Llai nag 1 o bob 100 o bobl"),
    (0.995, "Nearly everyone", "Bron pawb"),
    (1.0, "Everyone", "Pawb"),
    (0.0, "Nobody", "0 o bob 10 o bobl"),
])
def test_plain_share_in_welsh(p, english, welsh):
    assert registry.plain_share(p) == english
    with i18n.using("cy"):
        assert registry.plain_share(p) == welsh


@pytest.mark.parametrize("value", [0.0, 0.04, 0.4, 3.0, 8.6, 9.4, 9.5, 14.0, 50.0, 85.0, 87.0, 90.0, 93.0, 99.4,
                                   99.6, 100.0])
def test_welsh_share_words_agree_with_the_figure_and_the_picture(value):
    """The rule that the sentence, the big figure and the picture agree holds in Welsh: same count, same 'out of',
    and the Welsh words carry the figure's numerals."""
    english = registry.share(value)
    with i18n.using("cy"):
        welsh = registry.share(value)
        figure = welsh.figure
    assert (welsh.count, welsh.out_of, welsh.percent) == (english.count, english.out_of, english.percent)
    if english.words not in ("Everyone", "Nearly everyone"):
        assert figure in welsh.words, (figure, welsh.words)
    assert re.findall(r"\d+", figure) == re.findall(r"\d+", english.figure) and figure != english.figure


def test_welsh_sentences_put_the_share_and_the_programme_in_welsh_word_order():
    k = registry.get("connected_positive")
    english = "Nearly 9 in 10 people said Shared Lives helped them feel more connected to people."
    assert registry.sentence(k, 89.0, programmes=("shared_lives",)) == english
    with i18n.using("cy"):
        assert registry.sentence(k, 89.0, programmes=("shared_lives",)) == (
            "Dywedodd bron i 9 o bob 10 o bobl fod Cysylltu Bywydau wedi'u helpu i deimlo'n fwy cysylltiedig â phobl.")
        assert registry.sentence(k, 89.0, programmes=("homeshare",)).startswith(
            "Dywedodd bron i 9 o bob 10 o bobl fod Rhannu Cartref ")
        assert registry.sentence(k, 100.0).startswith("Dywedodd pawb fod eu cymorth ")
        assert registry.sentence(k, None) == "Teimlo'n gysylltiedig: effaith gadarnhaol: " + i18n.gettext(
            "too few answers to show")


@pytest.mark.parametrize("k", registry.REGISTRY, ids=[k.id for k in registry.REGISTRY])
def test_every_welsh_sentence_is_filled_and_not_english(k):
    value = 87.0 if k.share_of_people else 12.0
    with i18n.using("cy"):
        said = registry.sentence(k, value, programmes=("shared_lives",))
        pattern = definitions.sentence_pattern(k)
    for text in (said, pattern):
        assert "{" not in text and "}" not in text and text[0].isupper() and text.endswith("."), text
        assert not WELSH_ONLY.search(text), text
    if k.share_of_people:
        assert "9 o bob 10 o bobl" in said and "X o bob 10 o bobl" in pattern


def test_definitions_in_welsh_and_docs_metrics_md_still_english():
    assert (REPO / "docs" / "metrics.md").read_text(encoding="utf-8") == definitions.markdown()
    with i18n.using("cy"):
        welsh = definitions.markdown()
    assert welsh.startswith("# Dangosyddion Dynol Allweddol: diffiniadau")
    for k in registry.REGISTRY:
        assert f"### {k.title_cy} (`{k.id}`)" in welsh and k.explanation_cy in welsh
    for english in ("**Said as:**", "**What it means:**", "Higher is better", "Growth status rule"):
        assert english not in welsh
    assert "## Byw'n dda" in welsh and "Mae uwch yn well" in welsh


def test_the_glossary_and_a_khi_definition_in_welsh():
    from ui import glossary

    k = registry.get("friends_none")
    with i18n.using("cy"):
        text = glossary.khi_definition(k)
        terms = {term: glossary.glossary(term) for term in glossary.GLOSSARY}
        names = {term: glossary.term_name(term) for term in glossary.GLOSSARY}
    assert k.explanation_cy in text and k.question_cy in text and "Mae is yn well" in text
    assert "What it means" not in text and "Question asked" not in text
    for term, words in terms.items():
        assert words != glossary.glossary(term) and "{" not in words, term
    assert names["benchmark"] == "meincnod" and names["confidence interval"] == "cyfwng hyder"
    assert str(glossary.glossary("suppressed")).startswith("'too few answers to show' means fewer than ")
