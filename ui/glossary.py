"""Plain-English help: one place for every explanation of jargon (short sentences, common words), and the words
the definitions page uses for a KHI. In the viewer's language: the explanations are marked here and translated
where shown (kpi.i18n)."""

from __future__ import annotations

import streamlit as st

from kpi.i18n import N_, _
from kpi.metrics import definitions, disclosure, registry
from kpi.metrics.disclosure import SUPPRESSED_TEXT

# The terms' names as shown; the keys are what pages ask for (`explain("benchmark")`).
TERMS: dict[str, str] = {
    "confidence interval": N_("confidence interval"), "n": N_("n"),
    "significance": N_("significance"), "benchmark": N_("benchmark"), "suppressed": N_("suppressed"),
    "adjusted": N_("adjusted"), "median": N_("median"), "denominator": N_("denominator"),
    "percentage points": N_("percentage points"), "net impact": N_("net impact"), "funnel plot": N_("funnel plot"),
    "similar schemes": N_("similar schemes"), "distance travelled": N_("distance travelled"),
}
GLOSSARY: dict[str, str] = {
    "confidence interval": N_(
        "We asked some people, not everyone. So the true figure could be a bit higher or a bit lower. "
        "The 95% interval is the range where the true figure very likely is. A narrow range means we can be "
        "more sure."
    ),
    "n": N_(
        "n is the number of people who answered this question. More answers make the figure more certain."
    ),
    "significance": N_(
        "A change or a difference is 'significant' when it is too big to be down to chance. "
        "'No significant change' means the figure may have moved a little, but we cannot be sure it really changed."
    ),
    "benchmark": N_(
        "The benchmark is the figure we compare with. An English region or scheme is compared with England. A "
        "scheme in Wales, Scotland or Northern Ireland is compared with its nation. A nation is compared with the "
        "UK. Each comparison names its benchmark. "
        "'Better' or 'worse' means the area's range does not overlap the benchmark. 'Similar' means we cannot "
        "tell them apart."
    ),
    "suppressed": N_(
        "'{suppressed}' means fewer than {min_n} people answered. We do not show "
        "these figures. This keeps people from being recognised, and small numbers can mislead."
    ),
    "adjusted": N_(
        "Figures are slightly adjusted to protect people's privacy. Each count of people is moved up or down by a "
        "few (usually 0, 1 or 2), always the same way for the same people. Nobody can work out a small number by "
        "taking one figure away from another, and the figures stay close to the real ones."
    ),
    "median": N_(
        "The median is the middle number. Half of people have fewer, half have more."
    ),
    "denominator": N_("The denominator is the 'out of' number: everyone we count from, like all who answered."),
    "percentage points": N_(
        "Percentage points are the gap between two percentages. Going from 80% to 85% is 5 percentage points."
    ),
    "net impact": N_(
        "Net impact is the percentage who said support made things better, take away the percentage who said "
        "it made things worse."
    ),
    "funnel plot": N_(
        "A funnel plot shows each scheme as a dot. Small schemes sit on the left, big ones on the right. "
        "The funnel lines show how far a scheme can be from the benchmark by chance. Dots outside the "
        "funnel are unusual."
    ),
    "similar schemes": N_(
        "Similar schemes are the schemes of the same programme most like this one: in size (how many people "
        "answered) and in their mix of arrangements, age bands and needs, as Fingertips finds areas like yours. "
        "Their answers are added together into one figure. 'Better' or 'worse' than them means this scheme's range "
        "does not overlap that figure. How they are chosen: docs/statistics.md, 'Similar schemes'."
    ),
    "distance travelled": N_(
        "Distance travelled compares the same people's first answer with their latest answer. "
        "It shows whether things changed for them over time."
    ),
}


def glossary(term: str) -> str:
    """The plain-English explanation of a term (for `help=` tooltips), in the viewer's language."""
    return _(GLOSSARY[term]).format(suppressed=_(SUPPRESSED_TEXT), min_n=disclosure.MIN_DENOMINATOR)


def term_name(term: str) -> str:
    """A term's name as shown, in the viewer's language ('benchmark' / 'meincnod')."""
    return _(TERMS[term]) if term in TERMS else term


def explain(term: str, *, label: str | None = None) -> None:
    """A small expander explaining one term in plain words."""
    with st.expander(label or _("What does “{term}” mean?").format(term=term_name(term)), icon=":material/help:"):
        st.markdown(glossary(term))


# ---------------------------------------------------------------------------------------------------------------
# A KHI's definition, in the registry's words (kpi.metrics.definitions).


def khi_definition(k: registry.KHI) -> str:
    """How one KHI is worked out, as markdown: what we say, what it means, the question, counts, method, direction."""
    return "\n\n".join([
        _("**What we say:** {pattern}").format(pattern=definitions.sentence_pattern(k)),
        _("**What it means:** {explanation}").format(explanation=k.explanation),
        _("**Question asked:** {question}").format(question=k.question),
        _("**Counted (numerator):** {answers}").format(answers=definitions.answer_words(k, k.numerator)),
        _("**Out of (denominator):** {answers}").format(answers=definitions.answer_words(k, k.denominator)),
        _("**Figure:** {statistic}, in {unit}. **Interval:** {method}.").format(
            statistic=k.statistic_words, unit=k.unit_words, method=k.facts.method_words),
        _("**Direction:** {direction}. **Fewest answers shown:** {min_n}.").format(
            direction=definitions.direction_words(k.direction), min_n=max(k.min_n, disclosure.MIN_DENOMINATOR)),
        _("*Id for analysts:* `{id}` (`python -m kpi table {id}`)").format(id=k.id),
    ])
