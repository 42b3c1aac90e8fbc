"""Words shared by every output (dashboard, charts, slides, images): the source line, figures and intervals as text,
and the words for the code values tables keep in English (comparisons, trends, growth status, area names).

Tables keep their code values in English ("better", "growing", "North West"): other modules and tests compare them.
They are put in the reader's language where they are shown: `word`, `area_name`, `judged`, `than` / `to` / `with_`.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
from typing import Sequence

from kpi import i18n
from kpi.data import schema
from kpi.i18n import N_, _, pgettext
from kpi.metrics import registry
from kpi.metrics.disclosure import PROTECTION_NOTE, SUPPRESSED_TEXT

__all__ = ["SOURCE", "PEOPLE_SOURCE", "SYNTHETIC_NOTICE", "source_of", "number", "footer_text", "figure_text",
           "interval_text", "capitalised", "slide_detail", "speaker_notes", "version_text", "period_text",
           "benchmark_names", "benchmark_phrase", "against_words", "compared_words", "word", "area_name",
           "english_place", "mid_sentence_name", "judged", "than", "to", "with_", "joined", "than_words", "to_words"]

SOURCE = N_("Shared Lives Plus outcomes tool")
# People counts come from what the schemes send once a year, not from the outcomes tool's answers.
PEOPLE_SOURCE = N_("Shared Lives and Homeshare schemes' yearly returns")
SYNTHETIC_NOTICE = N_("Synthetic sample data — not real people")


def number(x) -> float | None:
    """x as a float; None for None, NaN and anything that is not a number."""
    try:
        x = float(x)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(x) else x


def source_of(metric_ids) -> str:
    """The source to name for figures of these KHIs: the schemes' yearly returns when all are people counts."""
    ks = [_khi(m) for m in metric_ids]
    return PEOPLE_SOURCE if ks and all(k is not None and k.table == "people_supported" for k in ks) else SOURCE


def footer_text(period: str, made: dt.date, synthetic: bool, *, place: str | None = None,
                details: Sequence[str] = (), source: str = SOURCE) -> str:
    """The source line under every figure, slide and image.

    With `place` (slides, images): "Source: S. North West, 2019-20. Made 2 May 2026. Synthetic …".
    Without (dashboard): "Source: S, 2019-20. Made 2 May 2026. <details>. Synthetic …"; details are e.g.
    "n = 1,234 answers" and "95% confidence intervals" (empty ones are left out). `source`: SOURCE, or
    PEOPLE_SOURCE for people counts (`source_of`).
    """
    source = (_("Source: {source}. {place}, {period}").format(source=_(source), place=area_name(place), period=period)
              if place else _("Source: {source}, {period}").format(source=_(source), period=period))
    parts = [source, _("Made {date}").format(date=i18n.date_text(made)), *(d for d in details if d)]
    if synthetic:
        parts.append(_(SYNTHETIC_NOTICE))
    return ". ".join(parts) + "."


def _khi(k: registry.KHI | str | None) -> registry.KHI | None:
    return registry.get(k) if isinstance(k, str) else k


def figure_text(k: registry.KHI | str | None, value) -> str:
    """A figure in its KHI's unit ("87%", "+930"); "–" when missing; one decimal when the KHI is not known."""
    value, k = number(value), _khi(k)
    if value is None:
        return "–"
    return f"{value:,.1f}" if k is None else registry.format_value(k, value)


def interval_text(k: registry.KHI | str | None, lower, upper) -> str:
    """'85% to 92%'; "" when either limit is missing."""
    if number(lower) is None or number(upper) is None:
        return ""
    return _("{lower} to {upper}").format(lower=figure_text(k, lower), upper=figure_text(k, upper))


def capitalised(text: str) -> str:
    """The first letter upper case, the rest as it is (for a phrase used as a sentence)."""
    return text[:1].upper() + text[1:]


def slide_detail(k: registry.KHI, said: registry.Share | None, n: float | None, lower: float | None,
            upper: float | None) -> str:
    """What a slide says under its figure, the same plain words on screen, in PowerPoint and PDF: "895 people answered.
    The figure is 87%. It is very likely between 85% and 90%." (`said`: the share as words say it, or None)."""
    parts = []
    if n is not None and k.table != "people_supported":
        parts.append(_("{n} people answered.").format(n=f"{n:,.0f}"))
    if said is not None:
        parts.append(_("The figure is {percent}.").format(percent=said.percent))  # what the words were rounded from
    if lower is not None and upper is not None:
        parts.append(_("It is very likely between {lower} and {upper}.").format(
            lower=registry.format_value(k, lower), upper=registry.format_value(k, upper)))
    return " ".join(parts)


def speaker_notes(k: registry.KHI, said: registry.Share | None, value: float | None, n: float | None,
           lower: float | None, upper: float | None) -> str:
    """A slide's speaker notes: what the measure means and the technical detail the slide leaves out (n, the 95%
    interval and its method, how the words were rounded, disclosure); `value` None: suppressed."""
    lines = [f"{k.title}.", _("What it means: {explanation}").format(explanation=k.explanation),
             _("Question asked: {question}").format(question=k.question)]
    hidden = _(SUPPRESSED_TEXT)
    if value is None:
        lines.append(_("No figure is shown (“{suppressed}”): fewer people answered than the minimum that keeps "
                       "answers private.").format(suppressed=hidden))
        return "\n".join(lines)
    if n is not None and k.table != "people_supported":
        lines.append(_("n = {n} answers.").format(n=f"{n:,.0f}"))
    if lower is not None and upper is not None:
        lines.append(_("Estimate {value}; 95% confidence interval {lower} to {upper} ({method}).").format(
            value=registry.format_value(k, value), lower=registry.format_value(k, lower),
            upper=registry.format_value(k, upper), method=registry.method_name(k.kind)))
    if said is not None:
        lines.append(_("Said as “{words}”: {percent} to the nearest whole person in {out_of}, so the words, the big "
                       "figure and the picture say the same.").format(words=said.words, percent=said.percent,
                                                                      out_of=said.out_of))
    lines.append(_("{protection}; figures from too few answers are not shown (“{suppressed}”).").format(
        protection=_(PROTECTION_NOTE), suppressed=hidden))
    return "\n".join(lines)


def version_text(info: dict) -> str:
    """Which version of the figures this is (`kpi.metrics.api.store_info`), for every footer, export and slide."""
    try:
        day = dt.datetime.fromisoformat(info["updated_at"])
    except (TypeError, ValueError, KeyError):
        day = None
    version = info["version"]
    if version == info["published"]:
        return (_("Published figures: version {version} of {date}").format(version=version, date=i18n.date_text(day))
                if day else _("Published figures: version {version}").format(version=version))
    return (_("Latest figures, not yet published: version {version} of {date}").format(
        version=version, date=i18n.date_text(day)) if day
        else _("Latest figures, not yet published: version {version}").format(version=version))


def period_text(years: Sequence[int]) -> str:
    """'2019-20', '2018-19 to 2020-21', '2014-15, 2016-17' or 'no years'."""
    years = sorted(years)
    if not years:
        return _("no years")
    if len(years) == 1:
        return schema.fy_label(years[0])
    if years == list(range(years[0], years[-1] + 1)):
        return _("{first} to {last}").format(first=schema.fy_label(years[0]), last=schema.fy_label(years[-1]))
    return ", ".join(schema.fy_label(y) for y in years)


# ---------------------------------------------------------------------------------------------------------------
# Code values and places in the reader's language

_PLACES = {**schema.AREAS, **schema.BENCHMARK_NAMES}  # GSS code -> English name (marked in kpi.data.schema)
_PLACE_NAMES = frozenset(_PLACES.values())


@functools.cache
def _welsh_places(language: str) -> dict[str, str]:
    """A place's name in `language` -> its English name, so a name already translated is still known."""
    with i18n.using(language):
        named = {_(name): name for name in _PLACE_NAMES}
    return {**{mid_sentence_name(n): e for n, e in named.items()}, **named}


def english_place(name) -> str | None:
    """The English name of a place given by its GSS code, English or translated name; None for any other name."""
    text = str(name)
    if text in _PLACES:
        return _PLACES[text]
    if text in _PLACE_NAMES:
        return text
    return _welsh_places(i18n.lang()).get(text)


def mid_sentence_name(name: str) -> str:
    """A Welsh name with its own article as it reads mid-sentence ('Y DU' -> 'y DU', 'Yr Alban' -> 'yr Alban')."""
    return name[:1].lower() + name[1:] if name.startswith(("Y ", "Yr ")) else name


def area_name(place) -> str:
    """An area's or benchmark's name (from its GSS code or English name) in the reader's language: 'Gogledd-orllewin
    Lloegr', 'Lloegr', 'y DU'; any other name (a scheme, a caller's own words) as it is."""
    english = english_place(place)
    return _(english) if english else str(place)


@functools.cache
def _words(language: str) -> dict[str, str]:
    with i18n.using(language):
        return {
            # comparisons with the benchmark (stats.compare_to_benchmark)
            "better": pgettext("judgement", "better"), "similar": pgettext("judgement", "similar"),
            "worse": pgettext("judgement", "worse"), "higher": pgettext("judgement", "higher"),
            "lower": pgettext("judgement", "lower"), "not compared": pgettext("judgement", "not compared"),
            # recent trends (stats.trend_test) and changes on last year (metrics.tables.change_words)
            "increasing": pgettext("trend", "increasing"), "decreasing": pgettext("trend", "decreasing"),
            "no significant change": pgettext("trend", "no significant change"),
            "cannot be calculated": pgettext("trend", "cannot be calculated"),
            "getting better": pgettext("trend", "getting better"), "getting worse": pgettext("trend", "getting worse"),
            "significantly better": pgettext("trend", "significantly better"),
            "significantly worse": pgettext("trend", "significantly worse"),
            "significantly higher": pgettext("trend", "significantly higher"),
            "significantly lower": pgettext("trend", "significantly lower"),
            # growth status (compute: people_growth_pct)
            "growing": pgettext("growth", "growing"), "flat": pgettext("growth", "flat"),
            "falling": pgettext("growth", "falling"), "not known": pgettext("growth", "not known"),
            # the interval methods' names (their Welsh is beside each kind in khis.toml)
            **{kind.method_name: kind.method_words for kind in registry.KINDS.values()},
        }


def word(value) -> str:
    """A code value a table keeps in English (better, no significant change, growing...) in the reader's language;
    any other value as it is."""
    text = str(value)
    return _words(i18n.lang()).get(text, text) if i18n.welsh() else text


# Each benchmark after the words that link a comparison to it: Welsh mutates a name after "na", "i" and "â".
_THAN = {"England": N_("than England"), "Wales": N_("than Wales"), "Scotland": N_("than Scotland"),
         "Northern Ireland": N_("than Northern Ireland"), "UK": N_("than the UK")}
_TO = {"England": N_("to England"), "Wales": N_("to Wales"), "Scotland": N_("to Scotland"),
       "Northern Ireland": N_("to Northern Ireland"), "UK": N_("to the UK")}
# "with" keeps the benchmark's bare name in English, as the hover text always has ("Compared with UK: 90%").
_WITH = {"England": N_("with England"), "Wales": N_("with Wales"), "Scotland": N_("with Scotland"),
         "Northern Ireland": N_("with Northern Ireland"), "UK": N_("with UK")}


def than(name: str) -> str:
    """'than England', 'than the UK' ('na Chymru', "na'r DU")."""
    english = english_place(name)
    return _(_THAN[english]) if english in _THAN else _("than {place}").format(place=benchmark_phrase(name))


def to(name: str) -> str:
    """'to England', 'to the UK' ('i Gymru', "i'r DU")."""
    english = english_place(name)
    return _(_TO[english]) if english in _TO else _("to {place}").format(place=benchmark_phrase(name))


def with_(name: str) -> str:
    """'with England', 'with UK' ('â Chymru', "â'r DU")."""
    english = english_place(name)
    return _(_WITH[english]) if english in _WITH else _("with {place}").format(place=area_name(name))


def judged(judgement: str, name: str) -> str:
    """'better than England', 'similar to the UK': a comparison with the benchmark it used, in words."""
    phrases = {"better": _("better {than_benchmark}"), "worse": _("worse {than_benchmark}"),
               "higher": _("higher {than_benchmark}"), "lower": _("lower {than_benchmark}"),
               "similar": _("similar {to_benchmark}")}
    phrase = phrases.get(str(judgement), "{judgement} {than_benchmark}")
    return phrase.format(judgement=word(judgement), than_benchmark=than(name), to_benchmark=to(name))


def joined(names, last_word: str = "and") -> str:
    """'A', 'A and B', 'A, B and C' ('or' with last_word="or")."""
    names = [str(n) for n in names]
    if len(names) < 2:
        return "".join(names)
    template = _("{names} or {last}") if last_word == "or" else _("{names} and {last}")
    out = template.format(names=", ".join(names[:-1]), last=names[-1])
    if i18n.welsh():  # "a" / "neu" before "y DU", "yr Alban": "a'r DU", "neu'r Alban"
        for link in (" a ", " neu "):
            out = out.replace(f"{link}y ", f"{link[:-1]}'r ").replace(f"{link}yr ", f"{link[:-1]}'r ")
    return out


def benchmark_names(table) -> list[str]:
    """The benchmarks a table's comparisons used ("England", "UK"...), in order of first use."""
    if "benchmark_name" not in getattr(table, "columns", ()):
        return []
    return [str(n) for n in dict.fromkeys(table["benchmark_name"].dropna()) if str(n)]


def benchmark_phrase(name: str) -> str:
    """A benchmark's name inside a sentence: 'England', 'the UK' ('Lloegr', 'y DU')."""
    if i18n.welsh():
        return mid_sentence_name(area_name(name))
    return "the UK" if name == "UK" else name


def against_words(table) -> str:
    """What the rows were compared with, in words: 'England', 'the UK', or 'their benchmark (England or the UK)'."""
    names = [benchmark_phrase(n) for n in benchmark_names(table)]
    if not names:
        return _("the benchmark")
    if len(names) == 1:
        return names[0]
    return _("their benchmark ({benchmarks})").format(benchmarks=joined(names, "or"))


def than_words(table) -> str:
    """'than England', 'than the UK', 'than their benchmark (England or the UK)': `against_words` after "than"."""
    return _linked(table, than, _("than the benchmark"), _("than their benchmark ({benchmarks})"))


def to_words(table) -> str:
    """'to England', 'to the UK', 'to their benchmark (England or the UK)': `against_words` after "to"."""
    return _linked(table, to, _("to the benchmark"), _("to their benchmark ({benchmarks})"))


def _linked(table, one, none: str, several: str) -> str:
    # Whole phrases per linking word (Welsh mutates the name after it), chosen by how many benchmarks the table used.
    names = benchmark_names(table)
    if not names:
        return none
    if len(names) == 1:
        return one(names[0])
    return several.format(benchmarks=joined(map(benchmark_phrase, names), "or"))


def compared_words(k: registry.KHI, row: dict) -> str:
    """'Similar to England (90%).': the comparison and the benchmark it used, in words; "" when not compared."""
    word_, name, bench = row.get("comparison"), row.get("benchmark_name"), number(row.get("benchmark"))
    if not name or bench is None or word_ in (None, "not compared") or (isinstance(word_, float) and math.isnan(word_)):
        return ""
    return _("{judged} ({benchmark}).").format(judged=capitalised(judged(str(word_), str(name))),
                                               benchmark=registry.format_value(k, bench))
