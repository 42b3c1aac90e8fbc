"""A KHI's definition in words: the one wording the definitions page and docs/metrics.md both use.

docs/metrics.md is generated from the registry (`python -m kpi metrics --format markdown`); a test fails on drift.
"""

from __future__ import annotations

from kpi.data import schema
from kpi.metrics import registry, tables
from kpi.metrics.registry import KHI

DIRECTION_WORDS = {"high_is_good": "Higher is better", "low_is_good": "Lower is better",
                   "no_judgement": "Neither higher nor lower is better"}
# Count columns and answer codes that are not answers to a categorical question, in words.
COUNT_WORDS = {
    "answered": "everyone who gave a number", "0": "no friends", "3_or_more": "3 or more friends",
    "friends_count": "number of friends", "friends_pairs": "people who answered twice or more",
    "friends_change_sum": "change in friends (latest minus first), added up",
    "friends_more": "more friends at their latest answer", "connected_pairs": "people who answered twice or more",
    "connected_latest_only": "positive at their latest answer only",
    "connected_first_only": "positive at their first answer only", "people": "people supported",
    "population": "population (ONS mid-year estimate)",
}


def answer_words(k: KHI, codes) -> str:
    """Numerator or denominator codes in words: the contract's labels for answers, else the count's words."""
    if not codes:
        return "—"
    domain = registry.queries_categorical().get(k.source)
    labels = schema.LABELS.get(domain, {}) if domain else {}
    return ", ".join(labels.get(c) or COUNT_WORDS.get(c, c.replace("_", " ")) for c in codes)


def _with_codes(k: KHI, codes) -> str:
    """Words, then the codes analysts filter on."""
    if not codes:
        return "—"
    return f"{answer_words(k, codes)} ({', '.join(f'`{c}`' for c in codes)})"


def sentence_pattern(k: KHI) -> str:
    """The plain-English sentence with its blanks shown as 'X', e.g. 'X in 10 people said ...'."""
    text = k.sentence.replace("{share}", "X in 10 people").replace("{support}", "their support")
    text = text.replace("{value}", "X")
    return text[0].upper() + text[1:] + "."


def markdown() -> str:
    """The metric definitions page, rendered from the registry."""
    lines = [
        "# Key Human Indicators: definitions",
        "",
        "Generated from `kpi/metrics/khis.toml` by `python -m kpi metrics --format markdown`; do not edit by hand "
        "(`tests/test_registry.py` fails when this file and the registry differ).",
        "",
        "Every figure is shown with its number of answers (n) and a 95% confidence interval. Figures from fewer "
        "than the minimum n answers are not shown (\"too few answers to show\"). Public figures are computed from "
        "counts slightly adjusted to protect people's privacy (the cell key method: the same people always get the "
        "same adjustment), and shown at the precision of the screen. "
        "Not applicable and unanswered questions are left out of every denominator. Methods: `docs/statistics.md`.",
        "",
        f"Growth status rule: {registry.GROWTH_RULE}",
        "",
        f"Benchmark rule: {tables.BENCHMARK_RULE}",
        "",
        "| id | title | theme | unit | direction of good | min n |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for k in registry.REGISTRY:
        lines.append(f"| `{k.id}` | {k.title} | {k.theme} | {k.unit} | {k.direction.replace('_', ' ')} | {k.min_n} |")
    for theme in registry.THEMES:
        lines += ["", f"## {theme[0].upper() + theme[1:]}"]
        for k in (k for k in registry.REGISTRY if k.theme == theme):
            lines += [
                "",
                f"### {k.title} (`{k.id}`)",
                "",
                f"- **Said as:** {sentence_pattern(k)}",
                f"- **What it means:** {k.explanation}",
                f"- **Question:** {k.question}",
                f"- **Source:** `{k.source}` ({k.table} table)",
                f"- **Numerator:** {_with_codes(k, k.numerator)}",
                f"- **Denominator:** {_with_codes(k, k.denominator)}",
                f"- **Statistic:** {k.statistic}, in {k.unit}; method: {registry.method_name(k.kind)}",
                f"- **Direction of good:** {DIRECTION_WORDS[k.direction]}; **minimum n:** {k.min_n}",
            ]
    return "\n".join(lines) + "\n"
