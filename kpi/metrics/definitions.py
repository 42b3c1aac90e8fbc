"""A KHI's definition in words: the one wording the definitions page and docs/metrics.md both use.

docs/metrics.md is generated from the registry (`python -m kpi metrics --format markdown`); a test fails on drift.
Everything here is in the current language (kpi.i18n): docs/metrics.md is the English; `--lang cy` writes the Welsh.
"""

from __future__ import annotations

from kpi.data import schema
from kpi.i18n import N_, _
from kpi.metrics import registry, tables
from kpi.metrics.registry import KHI

DIRECTION_WORDS = {"high_is_good": N_("Higher is better"), "low_is_good": N_("Lower is better"),
                   "no_judgement": N_("Neither higher nor lower is better")}
# Count columns and answer codes that are not answers to a categorical question, in words.
COUNT_WORDS = {
    "answered": N_("everyone who gave a number"), "0": N_("no friends"), "3_or_more": N_("3 or more friends"),
    "friends_count": N_("number of friends"), "friends_pairs": N_("people who answered twice or more"),
    "friends_change_sum": N_("change in friends (latest minus first), added up"),
    "friends_more": N_("more friends at their latest answer"),
    "connected_pairs": N_("people who answered twice or more"),
    "connected_latest_only": N_("positive at their latest answer only"),
    "connected_first_only": N_("positive at their first answer only"), "people": N_("people supported"),
    "population": N_("population (ONS mid-year estimate)"),
}
# Theme names as shown (the themes themselves are codes that pages compare).
THEME_WORDS = {"connectedness": N_("Connectedness"), "health": N_("Health"), "living well": N_("Living well"),
               "human": N_("Human"), "growth": N_("Growth")}


def theme_words(theme: str) -> str:
    """A theme's name as a heading ('Living well' / 'Byw'n dda')."""
    return _(THEME_WORDS[theme]) if theme in THEME_WORDS else theme[0].upper() + theme[1:]


def direction_words(direction: str) -> str:
    return _(DIRECTION_WORDS[direction])


def answer_words(k: KHI, codes) -> str:
    """Numerator or denominator codes in words: the contract's labels for answers, else the count's words."""
    if not codes:
        return "—"
    domain = registry.queries_categorical().get(k.source)
    labels = schema.LABELS.get(domain, {}) if domain else {}
    # The contract's labels are marked for translation where they are declared (kpi.data.schema).
    return ", ".join(_(labels.get(c) or COUNT_WORDS.get(c, c.replace("_", " "))) for c in codes)


def _with_codes(k: KHI, codes) -> str:
    """Words, then the codes analysts filter on."""
    if not codes:
        return "—"
    return f"{answer_words(k, codes)} ({', '.join(f'`{c}`' for c in codes)})"


def sentence_pattern(k: KHI) -> str:
    """The plain-English sentence with its blanks shown as 'X', e.g. 'X in 10 people said ...'."""
    value = "X%" if k.unit == "%" else "X"  # {value} is the figure as shown, with its unit
    return registry.fill(k.sentence, share=_("X in 10 people"), support=_("their support"), value=value)


def markdown() -> str:
    """The metric definitions page, rendered from the registry."""
    lines = [
        _("# Key Human Indicators: definitions"),
        "",
        _("Generated from `kpi/metrics/khis.toml` by `python -m kpi metrics --format markdown`; do not edit by hand "
          "(`tests/test_registry.py` fails when this file and the registry differ)."),
        "",
        _("Every figure is shown with its number of answers (n) and a 95% confidence interval. Figures from fewer "
          "than the minimum n answers are not shown (\"too few answers to show\"). Public figures are computed from "
          "counts slightly adjusted to protect people's privacy (the cell key method: the same people always get the "
          "same adjustment), and shown at the precision of the screen. "
          "Not applicable and unanswered questions are left out of every denominator. Methods: `docs/statistics.md`."),
        "",
        _("Growth status rule: {rule}").format(rule=registry.growth_rule()),
        "",
        _("Benchmark rule: {rule}").format(rule=_(tables.BENCHMARK_RULE)),
        "",
        _("| id | title | theme | unit | direction of good | min n |"),
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for k in registry.REGISTRY:
        direction = k.direction.replace("_", " ")
        lines.append(f"| `{k.id}` | {k.title} | {k.theme} | {k.unit_words} | {direction} | {k.min_n} |")
    for theme in registry.THEMES:
        lines += ["", f"## {theme_words(theme)}"]
        for k in (k for k in registry.REGISTRY if k.theme == theme):
            lines += [
                "",
                f"### {k.title} (`{k.id}`)",
                "",
                _("- **Said as:** {pattern}").format(pattern=sentence_pattern(k)),
                _("- **What it means:** {explanation}").format(explanation=k.explanation),
                _("- **Question:** {question}").format(question=k.question),
                _("- **Source:** `{source}` ({table} table)").format(source=k.source, table=k.table),
                _("- **Numerator:** {answers}").format(answers=_with_codes(k, k.numerator)),
                _("- **Denominator:** {answers}").format(answers=_with_codes(k, k.denominator)),
                _("- **Statistic:** {statistic}, in {unit}; method: {method}").format(
                    statistic=k.statistic_words, unit=k.unit_words, method=k.facts.method_words),
                _("- **Direction of good:** {direction}; **minimum n:** {min_n}").format(
                    direction=direction_words(k.direction), min_n=k.min_n),
            ]
    return "\n".join(lines) + "\n"
