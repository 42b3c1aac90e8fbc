"""Words shared by every output (dashboard, charts, slides, images): the source line, figures and intervals as text."""

from __future__ import annotations

import datetime as dt
import math
from typing import Sequence

from kpi.data import schema
from kpi.metrics import registry
from kpi.metrics.disclosure import PROTECTION_NOTE, SUPPRESSED_TEXT

__all__ = ["SOURCE", "PEOPLE_SOURCE", "SYNTHETIC_NOTICE", "source_of", "number", "footer_text", "figure_text",
           "interval_text", "capitalised", "slide_detail", "speaker_notes", "version_text", "period_text",
           "benchmark_names", "benchmark_phrase", "against_words", "compared_words"]

SOURCE = "Shared Lives Plus outcomes tool"
# People counts come from what the schemes send once a year, not from the outcomes tool's answers.
PEOPLE_SOURCE = "Shared Lives and Homeshare schemes' yearly returns"
SYNTHETIC_NOTICE = "Synthetic sample data — not real people"


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
    source = f"Source: {source}. {place}, {period}" if place else f"Source: {source}, {period}"
    parts = [source, f"Made {made.day} {made:%B %Y}", *(d for d in details if d)]
    if synthetic:
        parts.append(SYNTHETIC_NOTICE)
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
    return f"{figure_text(k, lower)} to {figure_text(k, upper)}"


def capitalised(text: str) -> str:
    """The first letter upper case, the rest as it is (for a phrase used as a sentence)."""
    return text[:1].upper() + text[1:]


def slide_detail(k: registry.KHI, said: registry.Share | None, n: float | None, lower: float | None,
            upper: float | None) -> str:
    """What a slide says under its figure, the same plain words on screen, in PowerPoint and PDF: "895 people answered.
    The figure is 87%. It is very likely between 85% and 90%." (`said`: the share as words say it, or None)."""
    parts = []
    if n is not None and k.table != "people_supported":
        parts.append(f"{n:,.0f} people answered.")
    if said is not None:
        parts.append(f"The figure is {said.percent}.")  # the percentage the words were rounded from
    if lower is not None and upper is not None:
        parts.append(f"It is very likely between {registry.format_value(k, lower)} and "
                     f"{registry.format_value(k, upper)}.")
    return " ".join(parts)


def speaker_notes(k: registry.KHI, said: registry.Share | None, value: float | None, n: float | None,
           lower: float | None, upper: float | None) -> str:
    """A slide's speaker notes: what the measure means and the technical detail the slide leaves out (n, the 95%
    interval and its method, how the words were rounded, disclosure); `value` None: suppressed."""
    lines = [f"{k.title}.", f"What it means: {k.explanation}", f"Question asked: {k.question}"]
    if value is None:
        lines.append(f"No figure is shown (“{SUPPRESSED_TEXT}”): fewer people answered than the minimum that keeps "
                     "answers private.")
        return "\n".join(lines)
    if n is not None and k.table != "people_supported":
        lines.append(f"n = {n:,.0f} answers.")
    if lower is not None and upper is not None:
        lines.append(f"Estimate {registry.format_value(k, value)}; 95% confidence interval "
                     f"{registry.format_value(k, lower)} to {registry.format_value(k, upper)} "
                     f"({registry.method_name(k.kind)}).")
    if said is not None:
        lines.append(f"Said as “{said.words}”: {said.percent} to the nearest whole person in {said.out_of}, "
                     "so the words, the big figure and the picture say the same.")
    lines.append(f"{PROTECTION_NOTE}; figures from too few answers are not shown (“{SUPPRESSED_TEXT}”).")
    return "\n".join(lines)


def version_text(info: dict) -> str:
    """Which version of the figures this is (`kpi.metrics.api.store_info`), for every footer, export and slide."""
    try:
        day = dt.datetime.fromisoformat(info["updated_at"])
        when = f" of {day.day} {day:%B %Y}"
    except (TypeError, ValueError, KeyError):
        when = ""
    if info["version"] == info["published"]:
        return f"Published figures: version {info['version']}{when}"
    return f"Latest figures, not yet published: version {info['version']}{when}"


def period_text(years: Sequence[int]) -> str:
    """'2019-20', '2018-19 to 2020-21', '2014-15, 2016-17' or 'no years'."""
    years = sorted(years)
    if not years:
        return "no years"
    if len(years) == 1:
        return schema.fy_label(years[0])
    if years == list(range(years[0], years[-1] + 1)):
        return f"{schema.fy_label(years[0])} to {schema.fy_label(years[-1])}"
    return ", ".join(schema.fy_label(y) for y in years)


def benchmark_names(table) -> list[str]:
    """The benchmarks a table's comparisons used ("England", "UK"...), in order of first use."""
    if "benchmark_name" not in getattr(table, "columns", ()):
        return []
    return [str(n) for n in dict.fromkeys(table["benchmark_name"].dropna()) if str(n)]


def benchmark_phrase(name: str) -> str:
    """A benchmark's name inside a sentence: 'England', 'the UK'."""
    return "the UK" if name == "UK" else name


def against_words(table) -> str:
    """What the rows were compared with, in words: 'England', 'the UK', or 'their benchmark (England or the UK)'."""
    names = [benchmark_phrase(n) for n in benchmark_names(table)]
    if not names:
        return "the benchmark"
    if len(names) == 1:
        return names[0]
    return f"their benchmark ({', '.join(names[:-1])} or {names[-1]})"


def compared_words(k: registry.KHI, row: dict) -> str:
    """'Similar to England (90%).': the comparison and the benchmark it used, in words; "" when not compared."""
    word, name, bench = row.get("comparison"), row.get("benchmark_name"), number(row.get("benchmark"))
    if not name or bench is None or word in (None, "not compared") or (isinstance(word, float) and math.isnan(word)):
        return ""
    link = "to" if word == "similar" else "than"
    return f"{capitalised(str(word))} {link} {benchmark_phrase(str(name))} ({registry.format_value(k, bench)})."
