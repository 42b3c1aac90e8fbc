"""The registry of Key Human Indicators: each KHI declared once, as data.

Pages, the CLI, CSV downloads, the definitions page, docs/metrics.md and slides all render from these entries;
nothing else defines a KHI. `validate()` checks the registry against the data contract (tests call it).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from kpi.data import schema

KINDS = {
    # kind: (aggregate table it reads, statistic shown, unit)
    "proportion": ("cube", "percentage", "%"),
    "net": ("cube", "net percentage", "percentage points"),
    "median": ("friends_hist", "median", "friends"),
    "change_proportion": ("change", "percentage", "%"),
    "mean_change": ("change", "mean change", "friends"),
    "paired_change": ("change", "change in percentage", "percentage points"),
    "people": ("people_supported", "count", "people"),
    "net_change": ("people_supported", "change in count", "people"),
    "growth_pct": ("people_supported", "percentage change", "%"),
    "growth_share": ("people_supported", "share of growth", "%"),
    "per_100k": ("people_supported", "rate per 100,000", "per 100,000 population"),
}
DIRECTIONS = ("high_is_good", "low_is_good", "no_judgement")
THEMES = ("connectedness", "health", "living well", "human", "growth")
DEFAULT_MIN_N = 10


@dataclass(frozen=True)
class KHI:
    id: str
    title: str
    sentence: str  # plain English an ambassador says; {share} = "Nearly 9 in 10 people", {support} = "Shared Lives"
    explanation: str  # one line: what the number means
    question: str
    source: str  # contract column (or table) it is computed from
    kind: str
    numerator: tuple[str, ...]
    denominator: tuple[str, ...]
    direction: str
    theme: str
    min_n: int = DEFAULT_MIN_N

    @property
    def table(self) -> str:
        return KINDS[self.kind][0]

    @property
    def statistic(self) -> str:
        return KINDS[self.kind][1]

    @property
    def unit(self) -> str:
        return KINDS[self.kind][2]

    def as_dict(self) -> dict:
        d = asdict(self)
        d.update(table=self.table, statistic=self.statistic, unit=self.unit)
        d["numerator"], d["denominator"] = list(self.numerator), list(self.denominator)
        return d


ANSWERED_IMPACT = ("positive", "none", "negative")  # not_applicable and unanswered are left out

# domain column -> (short title, question topic, what "positive" means, what "negative" means, theme)
_IMPACT = {
    "impact_connected": ("Feeling connected", "how connected you feel to other people",
                         "helped them feel more connected to people", "made them feel less connected to people",
                         "connectedness"),
    "impact_friendships": ("Friendships", "your friendships", "helped their friendships",
                           "made their friendships harder", "connectedness"),
    "impact_physical_health": ("Physical health", "your physical health", "helped their physical health",
                               "was bad for their physical health", "health"),
    "impact_emotional_health": ("Emotional health", "your emotional health", "helped their emotional health",
                                "was bad for their emotional health", "health"),
    "impact_control": ("Control over my life", "how much control you have over your life",
                       "gave them more control over their life", "gave them less control over their life",
                       "living well"),
    "impact_safety": ("Feeling safe", "how safe you feel", "helped them feel safer", "made them feel less safe",
                      "living well"),
    "impact_doing_things": ("Doing things I enjoy", "doing things you enjoy", "helped them do things they enjoy",
                            "made it harder to do things they enjoy", "living well"),
    "impact_community": ("Being part of the community", "being part of your community",
                         "helped them be part of their community",
                         "made it harder to be part of their community", "connectedness"),
}


# The same topics in the third person, for sentences about people ("better for their physical health").
_THEIR = {
    "impact_connected": "feeling connected to people",
    "impact_friendships": "their friendships",
    "impact_physical_health": "their physical health",
    "impact_emotional_health": "their emotional health",
    "impact_control": "control over their life",
    "impact_safety": "feeling safe",
    "impact_doing_things": "doing things they enjoy",
    "impact_community": "being part of their community",
}


def _impact_khis() -> list[KHI]:
    out = []
    for col, (title, topic, good, bad, theme) in _IMPACT.items():
        stem = col.removeprefix("impact_")
        question = f"What impact has your support had on {topic}?"
        their = _THEIR[col]
        out += [
            KHI(f"{stem}_positive", f"{title}: positive impact", f"{{share}} said {{support}} {good}",
                f"Out of every 100 people who answered, how many said support made things better for {their}.",
                question, col, "proportion", ("positive",), ANSWERED_IMPACT, "high_is_good", theme),
            KHI(f"{stem}_negative", f"{title}: negative impact", f"{{share}} said {{support}} {bad}",
                f"Out of every 100 people who answered, how many said support made things worse for {their}. "
                "We show this so that harm is never hidden.",
                question, col, "proportion", ("negative",), ANSWERED_IMPACT, "low_is_good", theme),
            KHI(f"{stem}_net", f"{title}: net impact",
                f"For {their}, {{value}} more people in every 100 said support helped than said it harmed",
                "Out of every 100 people who answered: how many said support made things better, take away how "
                "many said it made things worse.",
                question, col, "net", ("positive", "negative"), ANSWERED_IMPACT, "high_is_good", theme),
        ]
    return out


_EXPERIENCE = {
    "warmth": ("Warmth", "are warm", "warm"),
    "kindness": ("Kindness", "are kind", "kind"),
    "dignity": ("Dignity", "treat me with dignity", "treat them with dignity"),
}


def _human_khis() -> list[KHI]:
    return [
        KHI(f"{col}_always_mostly", f"{title}: always or mostly",
            f"{{share}} said the people who support them are always or mostly {they}"
            if col != "dignity" else "{share} said the people who support them always or mostly treat them with dignity",
            f"Out of every 100 people who answered, how many said the people who support them {me.replace('me', 'them')} "
            "always or mostly.",
            f"The people who support me {me}: always, mostly, sometimes or never?", col, "proportion",
            ("always", "mostly"), schema.EXPERIENCE_ANSWERS, "high_is_good", "human")
        for col, (title, me, they) in _EXPERIENCE.items()
    ]


REGISTRY: tuple[KHI, ...] = (
    *_impact_khis(),
    KHI("connections_helps", "Support helps connections", "{share} said {support} helps them make and keep friends "
        "and connections", "Out of every 100 people who answered, how many said their support helps them make and "
        "keep connections.", "Does your support help or get in the way of making and keeping connections?",
        "connections_support", "proportion", ("helps",), schema.CONNECTIONS_ANSWERS, "high_is_good", "connectedness"),
    KHI("connections_gets_in_way", "Support gets in the way of connections", "{share} said {support} gets in the "
        "way of making and keeping connections", "Out of every 100 people who answered, how many said their support "
        "gets in the way of connections.", "Does your support help or get in the way of making and keeping "
        "connections?", "connections_support", "proportion", ("gets_in_the_way",), schema.CONNECTIONS_ANSWERS,
        "low_is_good", "connectedness"),
    KHI("friends_median", "Number of friends (median)", "Half of people said they have {value} friends or more",
        "The middle number of friends: half of people have fewer, half have more.", "How many friends do you have?",
        "friends_count", "median", ("friends_count",), ("answered",), "high_is_good", "connectedness"),
    KHI("friends_none", "No friends", "{share} said they have no friends", "Out of every 100 people who answered, "
        "how many said they have no friends.", "How many friends do you have?", "friends_count", "proportion",
        ("0",), ("answered",), "low_is_good", "connectedness"),
    KHI("friends_three_plus", "Three or more friends", "{share} said they have three or more friends",
        "Out of every 100 people who answered, how many said they have three friends or more.",
        "How many friends do you have?", "friends_count", "proportion", ("3_or_more",), ("answered",),
        "high_is_good", "connectedness"),
    KHI("lonely_often", "Often or always lonely", "{share} said they feel lonely often or always",
        "Out of every 100 people who answered, how many feel lonely often or always. Lower is better.",
        "How often do you feel lonely?", "lonely", "proportion", ("often_always",), schema.LONELY_ANSWERS,
        "low_is_good", "connectedness"),
    *_human_khis(),
    KHI("distance_friends_change", "Change in friends (people who answered twice or more)",
        "People who answered more than once had {value} more friends on average at their latest answer",
        "For people who answered more than once: friends at their latest answer, take away friends at their first.",
        "How many friends do you have? (first and latest answer)", "friends_count", "mean_change",
        ("friends_change_sum",), ("friends_pairs",), "high_is_good", "connectedness"),
    KHI("distance_friends_more", "More friends than at first answer", "{share} who answered more than once had more "
        "friends at their latest answer", "Out of every 100 people who answered twice or more, how many had more "
        "friends at their latest answer than their first.", "How many friends do you have? (first and latest answer)",
        "friends_count", "change_proportion", ("friends_more",), ("friends_pairs",), "high_is_good", "connectedness"),
    KHI("distance_connected_change", "Change in feeling connected (same people)",
        "Among the same people, feeling more connected went up by {value} points from their first to latest answer",
        "For people who answered twice or more: how many in 100 felt more connected at their latest answer, take "
        "away how many at their first.", "What impact has your support had on how connected you feel to other people? "
        "(first and latest answer)", "impact_connected", "paired_change",
        ("connected_latest_only", "connected_first_only"), ("connected_pairs",), "high_is_good", "connectedness"),
    KHI("people_supported", "People supported", "Schemes supported {value} people",
        "How many people schemes supported in the year (live-in, short breaks and day support).",
        "Scheme return: people supported in the year", "people", "people", ("people",), (), "no_judgement",
        "growth"),
    KHI("people_net_change", "Net change in people supported", "The number of people supported changed by {value} "
        "over the period", "People supported in the last year of the period, take away people supported in the first year.",
        "Scheme return: people supported in the year", "people", "net_change", ("people",), (), "high_is_good",
        "growth"),
    KHI("people_growth_pct", "Growth in people supported", "The number of people supported changed by {value}%",
        "The change in people supported from the first to the last year of the period, as a percentage. Growing: "
        "at least 5% up and the 95% interval is above zero; falling: at least 5% down and the interval below zero; "
        "otherwise flat.", "Scheme return: people supported in the year", "people", "growth_pct", ("people",),
        ("people",), "high_is_good", "growth"),
    KHI("people_growth_share", "Share of all growth", "This area made {value}% of all the growth in people "
        "supported", "Of all the growth in the areas that grew, how much was in this area. Areas that got smaller "
        "count as no growth.", "Scheme return: people supported in the year", "people", "growth_share",
        ("people",), ("people",), "no_judgement", "growth"),
    KHI("people_per_100k", "People supported per 100,000 population", "Schemes supported {value} people for "
        "every 100,000 people living in the area", "How many people schemes supported for every 100,000 people who "
        "live in the area (everyone, all ages; population from the Office for National Statistics).", "Scheme return: people supported in the year; ONS population",
        "people", "per_100k", ("people",), ("population",), "high_is_good", "growth"),
)

BY_ID: dict[str, KHI] = {k.id: k for k in REGISTRY}
HEADLINE_IDS = ("connected_positive", "physical_health_positive", "emotional_health_positive",
                "friendships_positive", "connections_helps", "lonely_often")


def get(metric_id: str) -> KHI:
    try:
        return BY_ID[metric_id]
    except KeyError:
        raise KeyError(f"unknown KHI {metric_id!r}; `python -m kpi metrics` lists them") from None


def validate(registry: tuple[KHI, ...] = REGISTRY) -> list[str]:
    """Problems with the registry, as sentences; an empty list means it is sound."""
    problems = []
    seen = set()
    responses = schema.TABLES["responses"].names
    for k in registry:
        where = f"KHI {k.id!r}"
        if k.id in seen:
            problems.append(f"{where}: duplicate id")
        seen.add(k.id)
        if k.kind not in KINDS:
            problems.append(f"{where}: kind {k.kind!r} not one of {sorted(KINDS)}")
            continue
        if k.direction not in DIRECTIONS:
            problems.append(f"{where}: direction {k.direction!r} not one of {DIRECTIONS}")
        if k.theme not in THEMES:
            problems.append(f"{where}: theme {k.theme!r} not one of {THEMES}")
        if k.table in ("cube", "friends_hist", "change") and k.source not in responses:
            problems.append(f"{where}: source {k.source!r} is not a responses column")
        if k.table == "people_supported" and k.source not in schema.TABLES["people_supported"].names:
            problems.append(f"{where}: source {k.source!r} is not a people_supported column")
        if k.kind in ("proportion", "net") and k.source in queries_categorical():
            domain = schema.DOMAINS[queries_categorical()[k.source]]
            for answer in (*k.numerator, *k.denominator):
                if answer not in domain:
                    problems.append(f"{where}: answer {answer!r} is not in {k.source}'s allowed values")
            if not set(k.numerator) <= set(k.denominator):
                problems.append(f"{where}: numerator answers must be part of the denominator")
            if "not_applicable" in k.denominator:
                problems.append(f"{where}: not_applicable must be left out of the denominator")
        if "{share}" not in k.sentence and "{value}" not in k.sentence:
            problems.append(f"{where}: sentence has no {{share}} or {{value}} placeholder")
        if not k.explanation or not k.question or not k.title:
            problems.append(f"{where}: title, explanation and question are required")
        if k.min_n < 1:
            problems.append(f"{where}: minimum n must be at least 1")
    return problems


def queries_categorical() -> dict[str, str]:
    from kpi.data import queries  # late: queries imports duckdb, which the registry itself does not need

    return queries.CATEGORICAL


# ---------------------------------------------------------------------------------------------------------------
# Plain English


def plain_share(p: float) -> str:
    """A proportion as words people use: 0.89 -> 'Nearly 9 in 10 people', 0.03 -> 'About 3 in 100 people'."""
    if p != p:  # NaN
        return ""
    if p >= 1:
        return "Everyone"
    if p <= 0:
        return "Nobody"
    if p < 0.01:
        return "Fewer than 1 in 100 people"
    scale = 10 if p >= 0.095 else 100
    x = p * scale
    k = round(x)
    if k >= scale:
        return "Nearly everyone"
    if k == 0:
        return f"Fewer than 1 in {scale} people"
    qualifier = "Nearly" if x - k < -0.05 else "More than" if x - k > 0.05 else "About"
    return f"{qualifier} {k} in {scale} people"


def support_name(programmes: tuple[str, ...]) -> str:
    """Who the sentence credits: the programme when one is chosen, else 'their support'."""
    if len(programmes) == 1:
        return schema.LABELS["programme"][programmes[0]]
    return "their support"


def sentence(k: KHI, value: float | None, *, programmes: tuple[str, ...] = ()) -> str:
    """The KHI's plain-English sentence for a value in its display unit (None: suppressed)."""
    from kpi.metrics.disclosure import SUPPRESSED_TEXT

    if value is None or value != value:
        return f"{k.title}: {SUPPRESSED_TEXT}"
    text = k.sentence
    if "{share}" in text:
        share = plain_share(value / 100.0)
        text = text.replace("{share}", share)
    # Signs read badly inside a sentence ("+85 more people"): the words carry the direction.
    shown = format_value(k, abs(value) if k.kind == "net" else value).lstrip("+")
    text = text.replace("{support}", support_name(programmes)).replace("{value}", shown)
    return text[0].upper() + text[1:] + "."


def format_value(k: KHI, value: float | None) -> str:
    """A figure as shown to people, in the KHI's unit."""
    if value is None or value != value:
        return "–"
    if k.unit == "%":
        return f"{value:.0f}%" if abs(value) >= 10 else f"{value:.1f}%"
    if k.unit == "percentage points":
        return f"{value:+.0f}" if abs(value) >= 10 else f"{value:+.1f}"
    if k.kind in ("people", "net_change"):
        return f"{value:+,.0f}" if k.kind == "net_change" else f"{value:,.0f}"
    if k.kind == "mean_change":
        return f"{value:+.1f}"
    return f"{value:,.1f}" if value % 1 else f"{value:,.0f}"


# ---------------------------------------------------------------------------------------------------------------
# docs/metrics.md is generated from the registry (`python -m kpi metrics --format markdown`); a test fails on drift.

_ANSWER_WORDS = {"answered": "any answer 0-100", "0": "0 friends", "3_or_more": "3 or more friends"}


def _answers(k: KHI, answers: tuple[str, ...]) -> str:
    if not answers:
        return "—"
    return ", ".join(f"`{_ANSWER_WORDS.get(a, a)}`" if a in _ANSWER_WORDS else f"`{a}`" for a in answers)


def _template_words(text: str) -> str:
    """The sentence template with its placeholders spelt out for readers of the docs."""
    return (text.replace("{share}", "[N in 10 people]").replace("{support}", "[Shared Lives / Homeshare / their support]")
            .replace("{value}", "[figure]"))


def markdown() -> str:
    """The metric definitions page, rendered from the registry."""
    from kpi.metrics import api

    lines = [
        "# Key Human Indicators: definitions",
        "",
        "Generated from `kpi/registry.py` by `python -m kpi metrics --format markdown`; do not edit by hand "
        "(`tests/test_registry.py` fails when this file and the registry differ).",
        "",
        "Every figure is shown with its number of answers (n) and a 95% confidence interval. Figures from fewer "
        "than the minimum n answers are not shown (\"too few answers to show\"), public counts are rounded to the "
        "nearest 5, and a second cell is hidden where one hidden cell could be worked out from a total. "
        "Not applicable and unanswered questions are left out of every denominator. Methods: `docs/statistics.md`.",
        "",
        f"Growth status rule: {api.GROWTH_RULE}",
        "",
        "| id | title | theme | unit | direction of good | min n |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for k in REGISTRY:
        lines.append(f"| `{k.id}` | {k.title} | {k.theme} | {k.unit} | {k.direction.replace('_', ' ')} | {k.min_n} |")
    for theme in THEMES:
        lines += ["", f"## {theme[0].upper() + theme[1:]}"]
        for k in (k for k in REGISTRY if k.theme == theme):
            lines += [
                "",
                f"### {k.title} (`{k.id}`)",
                "",
                f"- **Said as:** {_template_words(k.sentence)}.",
                f"- **What it means:** {k.explanation}",
                f"- **Question:** {k.question}",
                f"- **Source:** `{k.source}` ({k.table} table)",
                f"- **Numerator:** {_answers(k, k.numerator)}",
                f"- **Denominator:** {_answers(k, k.denominator)}",
                f"- **Statistic:** {k.statistic}, in {k.unit}; method: {api.method_name(k.kind)}",
                f"- **Direction of good:** {k.direction.replace('_', ' ')}; **minimum n:** {k.min_n}",
            ]
    return "\n".join(lines) + "\n"
