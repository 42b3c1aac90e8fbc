"""Plain-English help: one place for every explanation of jargon (short sentences, common words), and the words
the definitions page uses for a KHI."""

from __future__ import annotations

import streamlit as st

from kpi.metrics import definitions, disclosure, registry
from kpi.metrics.disclosure import SUPPRESSED_TEXT

GLOSSARY: dict[str, str] = {
    "confidence interval": (
        "We asked some people, not everyone. So the true figure could be a bit higher or a bit lower. "
        "The 95% interval is the range where the true figure very likely is. A narrow range means we can be "
        "more sure."
    ),
    "n": (
        "n is the number of people who answered this question. More answers make the figure more certain."
    ),
    "significance": (
        "A change or a difference is 'significant' when it is too big to be down to chance. "
        "'No significant change' means the figure may have moved a little, but we cannot be sure it really changed."
    ),
    "benchmark": (
        "The benchmark is the figure we compare with. An English region or scheme is compared with England. A "
        "scheme in Wales, Scotland or Northern Ireland is compared with its nation. A nation is compared with the "
        "UK. Each comparison names its benchmark. "
        "'Better' or 'worse' means the area's range does not overlap the benchmark. 'Similar' means we cannot "
        "tell them apart."
    ),
    "suppressed": (
        f"'{SUPPRESSED_TEXT}' means fewer than {disclosure.MIN_DENOMINATOR} people answered. We do not show "
        "these figures. This keeps people from being recognised, and small numbers can mislead."
    ),
    "adjusted": (
        "Figures are slightly adjusted to protect people's privacy. Each count of people is moved up or down by a "
        "few (usually 0, 1 or 2), always the same way for the same people. Nobody can work out a small number by "
        "taking one figure away from another, and the figures stay close to the real ones."
    ),
    "median": (
        "The median is the middle number. Half of people have fewer, half have more."
    ),
    "denominator": "The denominator is the 'out of' number: everyone we count from, like all who answered.",
    "percentage points": (
        "Percentage points are the gap between two percentages. Going from 80% to 85% is 5 percentage points."
    ),
    "net impact": (
        "Net impact is the percentage who said support made things better, take away the percentage who said "
        "it made things worse."
    ),
    "funnel plot": (
        "A funnel plot shows each scheme as a dot. Small schemes sit on the left, big ones on the right. "
        "The funnel lines show how far a scheme can be from the benchmark by chance. Dots outside the "
        "funnel are unusual."
    ),
    "similar schemes": (
        "Similar schemes are the schemes of the same programme most like this one: in size (how many people "
        "answered) and in their mix of arrangements, age bands and needs, as Fingertips finds areas like yours. "
        "Their answers are added together into one figure. 'Better' or 'worse' than them means this scheme's range "
        "does not overlap that figure. How they are chosen: docs/statistics.md, 'Similar schemes'."
    ),
    "distance travelled": (
        "Distance travelled compares the same people's first answer with their latest answer. "
        "It shows whether things changed for them over time."
    ),
}


def glossary(term: str) -> str:
    """The plain-English explanation of a term (for `help=` tooltips)."""
    return GLOSSARY[term]


def explain(term: str, *, label: str | None = None) -> None:
    """A small expander explaining one term in plain words."""
    with st.expander(label or f"What does “{term}” mean?", icon=":material/help:"):
        st.markdown(GLOSSARY[term])


# ---------------------------------------------------------------------------------------------------------------
# A KHI's definition, in the registry's words (kpi.metrics.definitions).


def khi_definition(k: registry.KHI) -> str:
    """How one KHI is worked out, as markdown: what we say, what it means, the question, counts, method, direction."""
    return (
        f"**What we say:** {definitions.sentence_pattern(k)}\n\n"
        f"**What it means:** {k.explanation}\n\n"
        f"**Question asked:** {k.question}\n\n"
        f"**Counted (numerator):** {definitions.answer_words(k, k.numerator)}\n\n"
        f"**Out of (denominator):** {definitions.answer_words(k, k.denominator)}\n\n"
        f"**Figure:** {k.statistic}, in {k.unit}. **Interval:** {registry.method_name(k.kind)}.\n\n"
        f"**Direction:** {definitions.DIRECTION_WORDS[k.direction]}. **Fewest answers shown:** "
        f"{max(k.min_n, disclosure.MIN_DENOMINATOR)}.\n\n"
        f"*Id for analysts:* `{k.id}` (`python -m kpi table {k.id}`)"
    )
