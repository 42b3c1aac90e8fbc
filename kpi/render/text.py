"""Words shared by every output (dashboard, charts, slides, images): the source line, figures and intervals as text."""

from __future__ import annotations

import datetime as dt
import math
from typing import Sequence

from kpi.metrics import registry

__all__ = ["SOURCE", "SYNTHETIC_NOTICE", "number", "footer_text", "figure_text", "interval_text", "capitalised",
           "benchmark_names", "benchmark_phrase", "against_words"]

SOURCE = "Shared Lives Plus outcomes tool"
SYNTHETIC_NOTICE = "Synthetic sample data — not real people"


def number(x) -> float | None:
    """x as a float; None for None, NaN and anything that is not a number."""
    try:
        x = float(x)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(x) else x


def footer_text(period: str, made: dt.date, synthetic: bool, *, place: str | None = None,
                details: Sequence[str] = ()) -> str:
    """The source line under every figure, slide and image.

    With `place` (slides, images): "Source: S. North West, 2019-20. Made 2 May 2026. Synthetic …".
    Without (dashboard): "Source: S, 2019-20. Made 2 May 2026. <details>. Synthetic …"; details are e.g.
    "n = 1,234 answers" and "95% confidence intervals" (empty ones are left out).
    """
    source = f"Source: {SOURCE}. {place}, {period}" if place else f"Source: {SOURCE}, {period}"
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
