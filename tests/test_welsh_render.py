"""The render layer in Welsh (kpi.render: charts, maps, growth, comparison, profile, footers, reader tables) and its
English unchanged.

Welsh is read through the catalogue (`_()` of each msgid), so these tests need kpi/locale/cy filled: they fail when
a string is left unwrapped (its English stays in the output) or has no Welsh.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import textwrap

import pandas as pd
import pytest

from kpi import i18n
from kpi.data import schema
from kpi.i18n import _
from kpi.metrics import api, registry
from kpi.render import charts, comparison, growth, maps, places, profile, tables, text
from tests.scopes import PUBLIC, SCHEMES
from tests.test_growth_story import GROWING, _regions, _total

# English words of the render layer's sentences and labels: none may be left in a Welsh figure.
ENGLISH = re.compile(r"\b(than|similar|better|worse|interval|answers|people|growing|falling|flat|Source|Made|not shown|"
                     r"too few|benchmark|Benchmark|England|the UK|North West|since|grew|fell|supported)\b")


def _words_of(fig) -> str:
    """Every string a person can see in a figure: title, axes, legend, annotations, marks' text and hover."""
    found = []

    def walk(node, key=""):
        if isinstance(node, dict):
            for k, v in node.items():
                walk(v, k)
        elif isinstance(node, list):
            for v in node:
                walk(v, key)
        elif isinstance(node, str) and key in ("text", "name", "hovertemplate", "title", "ticktext", "customdata"):
            found.append(node)

    walk(json.loads(fig.to_json()))
    return "\n".join(found)


def _without_khi_words(words: str, k: registry.KHI) -> str:
    # KHI titles and units are the registry's words (translated there), not this layer's.
    for own in (k.title, k.unit, k.explanation):
        words = words.replace(own, "")
    return words


@pytest.fixture(scope="module")
def by_region(sample_store):
    return api.khi_table("connected_positive", "region", scope=PUBLIC, data_dir=sample_store)


# ---------------------------------------------------------------------------------------------------------------
# Places


@pytest.mark.parametrize("code", [*schema.AREAS, *schema.BENCHMARK_NAMES])
def test_every_area_has_a_welsh_name(code):
    english = {**schema.AREAS, **schema.BENCHMARK_NAMES}[code]
    assert places.area_name(code) == english  # English by default
    with i18n.using("cy"):
        welsh = places.area_name(code)
        assert welsh == _(english) and welsh != english
        assert places.area_name(english) == welsh  # by its English name too
        assert text.english_place(welsh) == english  # and a Welsh name is still known


def test_welsh_places_take_their_own_article_and_mutate_after_prepositions():
    with i18n.using("cy"):
        assert places.with_the("UK") == "y DU"
        assert places.with_the("Scotland") == "yr Alban"
        assert places.with_the("North West") == "Gogledd-orllewin Lloegr"  # no article
        assert places.in_place("Wales") == "yng Nghymru"
        assert places.in_place("North West") == "yng Ngogledd-orllewin Lloegr"
        assert places.in_place(places.area_name("North West")) == "yng Ngogledd-orllewin Lloegr"  # given in Welsh
        assert text.than("Wales") == "na Chymru" and text.than("UK") == "na'r DU"
        assert text.to("England") == "i Loegr" and text.to("UK") == "i'r DU"
        assert text.judged("better", "UK") == "gwell na'r DU"
        assert places.listed(["Cymru", "y DU"]) == "Cymru a'r DU"


@pytest.mark.parametrize("name", [*schema.AREAS.values(), *schema.BENCHMARK_NAMES.values()])
def test_english_place_phrases_are_unchanged(name):
    assert places.in_place(name) == f"in {places.with_the(name)}"
    if name in schema.BENCHMARK_NAMES.values():
        the = "the UK" if name == "UK" else name
        assert text.than(name) == f"than {the}" and text.to(name) == f"to {the}"
        assert text.judged("similar", name) == f"similar to {the}"
        assert text.judged("worse", name) == f"worse than {the}"


# ---------------------------------------------------------------------------------------------------------------
# Sentences


def test_growth_story_in_welsh():
    pct, share = _regions(GROWING)
    with i18n.using("cy"):
        story = growth.growth_story(_total(11_340, 11_920), pct, share, who="Shared Lives")
        assert story.startswith(_("{subject} grew by {change} people to {end}").format(
            subject=_("{who} {in_place}").format(who=_("Shared Lives"), in_place=_("in England")), change="580",
            end="11,920"))
        assert _("in the North West") in story and _("Shared Lives") in story
        titles = [growth.growth_pct_title(pct), growth.status_title(pct), growth.share_title(share),
                  growth.net_change_title(pct)]
    assert not ENGLISH.search(story), story
    for title in titles:
        assert not ENGLISH.search(title), title


def test_footer_version_and_comparison_words_in_welsh():
    k = registry.get("connected_positive")
    with i18n.using("cy"):
        footer = text.footer_text("2019-20", dt.date(2026, 5, 2), True, place="North West")
        assert footer == (_("Source: {source}. {place}, {period}").format(
            source=_(text.SOURCE), place=_("North West"), period="2019-20") + ". "
            + _("Made {date}").format(date="2 Mai 2026") + ". " + _(text.SYNTHETIC_NOTICE) + ".")
        version = text.version_text({"version": 3, "published": 3, "updated_at": "2026-05-02T10:00:00"})
        similar = text.compared_words(k, {"comparison": "similar", "benchmark_name": "Wales", "benchmark": 90})
        better = text.compared_words(k, {"comparison": "better", "benchmark_name": "UK", "benchmark": 90})
        notes = text.speaker_notes(k, registry.share(87.0), 87.0, 300, 85.0, 90.0)
        assert similar == "Tebyg i Gymru (90%)." and better == "Gwell na'r DU (90%)."
    registry_words = (k.title, k.explanation, k.question, registry.method_name(k.kind), registry.share(87.0).words)
    for own in registry_words:  # the registry's words, translated there
        notes = notes.replace(own, "")
    for said in (footer, version, notes):
        assert not ENGLISH.search(said), said


def test_profile_cells_and_trend_tags_in_welsh(sample_store):
    table = api.profile(["connected_positive"], "region", scope=PUBLIC, data_dir=sample_store)
    row = table[table["comparison"] != "not compared"].iloc[0].to_dict()
    with i18n.using("cy"):
        cell = profile.cell_words(row)
        html = profile.profile_html(table)
        spine = profile.spine_table(profile.spine_frame(table, str(row["area_code"])))
    assert not ENGLISH.search(cell), cell
    assert "(benchmark)" not in html and ">Measure<" not in html
    assert "Measure" not in spine.columns and "Benchmark" not in spine.columns


# ---------------------------------------------------------------------------------------------------------------
# Figures


def test_comparison_chart_map_and_funnel_have_no_english_words(by_region, sample_store):
    k = registry.get("connected_positive")
    schemes = api.funnel("connected_positive", data_dir=sample_store, scope=SCHEMES)
    with i18n.using("cy"):
        figures = [comparison.comparison_chart(by_region, title="T"), maps.region_map(by_region, title="T"),
                   charts.bar_with_intervals(by_region, "area_name", title="T"),
                   charts.trend_chart(by_region.assign(year_label=by_region["area_name"]), title="T")]
        title = charts.comparison_title(by_region, "area_name")
        london = _("London")
        figures.append(comparison.funnel_plot(schemes, title=comparison.funnel_title(schemes)))
    for fig in figures:
        words = _without_khi_words(_words_of(fig), k)
        for name in sorted(schemes["scheme_name"].astype(str), key=len, reverse=True):  # proper names, kept
            words = words.replace(name, "").replace("<br>".join(textwrap.wrap(name, 16)), "")
        assert not ENGLISH.search(words), ENGLISH.search(words).group(0)
    assert london != "London" and london in _words_of(figures[0])  # area names in Welsh
    assert not ENGLISH.search(_without_khi_words(title, k)), title


def test_reader_tables_speak_welsh_and_english_is_the_table_as_built():
    pct, _share = _regions(GROWING)
    english = growth.reader_table(pct)
    assert "Note" in english.columns and "Growing, flat or falling" in english.columns
    with i18n.using("cy"):
        welsh = growth.reader_table(pct)
        headers = {_(h) for h in tables.HEADERS}
        assert _("Note") in welsh.columns
        assert set(welsh.columns) - headers == {c for c in welsh.columns if ":" in c}  # the limits' headers
        assert set(welsh[_("Growing, flat or falling")]) <= {text.word(s) for s in ("growing", "flat", "falling")}
        assert _("North West") in set(welsh[_("Area")])
    assert list(welsh.index) == list(english.index) and welsh.shape == english.shape


def test_a_breakdown_with_no_rows_draws_an_empty_chart_not_an_error():
    # A view with no answers (or a filter value that matches nothing) reached np.nanmin of an empty column.
    empty = pd.DataFrame(columns=["metric_id", "unit", "value", "lower", "upper", "suppressed", "comparison",
                                  "denominator", "arrangement_label"])
    fig = charts.bar_with_intervals.uncached(empty, "arrangement_label", title="No rows")
    assert list(fig.data[0].y) == [] and fig.layout.xaxis.range[0] == 0
