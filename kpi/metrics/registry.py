"""The registry of Key Human Indicators: each KHI declared once, as data, in `khis.toml` beside this module.

Pages, the CLI, CSV downloads, the definitions page, docs/metrics.md and slides all render from these entries;
nothing else defines a KHI or a fact about one (its harm pair, whether it is compared with a benchmark, whether it is
a share of people, its interval method). `validate()` checks the registry against the data contract (tests call it).
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import NamedTuple, Sequence

import numpy as np

from kpi import i18n
from kpi.data import schema
from kpi.i18n import N_, _
from kpi.metrics import stats

DECLARATIONS = Path(__file__).with_name("khis.toml")
DIRECTIONS = stats.DIRECTIONS
THEMES = ("connectedness", "health", "living well", "human", "growth")
DEFAULT_MIN_N = 10
ANSWERED_IMPACT = ("positive", "none", "negative")  # not_applicable and unanswered are left out

# Growth status (people supported): an area counts as growing or falling only with a material and significant change.
GROWTH_MATERIAL = 5.0  # % change below which an area counts as flat even when the change is significant
_GROWTH_RULE = N_(
    "Growing: at least {material}% more people supported in the last year of the period than in the first, "
    "and the 95% interval of the change is above zero. Falling: at least {material}% fewer and the interval "
    "is below zero. Flat: anything else."
)
GROWTH_RULE = _GROWTH_RULE.format(material=f"{GROWTH_MATERIAL:.0f}")  # English (docs/metrics.md); growth_rule() says it
HUMAN_FIELDS = ("title", "sentence", "explanation", "question", "topic")  # each has its Welsh beside it: title_cy ...
_PROGRAMME_NAMES = (N_("Shared Lives"), N_("Homeshare"))  # schema.LABELS' names, said as {support}: marked here too


def growth_rule() -> str:
    """The growth status rule in the current language."""
    return _(_GROWTH_RULE).format(material=f"{GROWTH_MATERIAL:.0f}")


@dataclass(frozen=True)
class Kind:
    """What a kind of KHI is: where it is computed from, what it shows and how its interval is made."""
    name: str
    table: str  # the aggregate it reads
    statistic: str
    unit: str
    method: str  # key of stats.METHODS: the interval shown
    compared: bool  # compared with a benchmark (counts of people are not: areas differ in size)
    share_of_people: bool  # a share of people: "k in 10 people", the ten-person picture, funnels, trend tests
    # The Welsh beside what is shown (`statistic` and `unit` stay English: code compares them, k.unit == "%").
    statistic_cy: str = ""
    unit_cy: str = ""
    method_cy: str = ""  # the Welsh of the interval method's name (stats.METHODS says it in English)

    method_name = property(lambda self: stats.METHODS[self.method]["name"])
    # The statistic, unit and method as shown, in the current language ('percentage points' / 'pwyntiau canran').
    statistic_words = property(lambda self: (self.statistic_cy or self.statistic) if i18n.welsh() else self.statistic)
    unit_words = property(lambda self: (self.unit_cy or self.unit) if i18n.welsh() else self.unit)
    method_words = property(lambda self: (self.method_cy or self.method_name) if i18n.welsh() else self.method_name)


class _Worded:
    """A KHI's human field in the current language (`KHI.words`): a data descriptor, so every caller of `k.title`
    gets the viewer's language while the dataclass still takes `title=` (`dataclasses.replace` reads English only
    in English: use it outside `i18n.using("cy")`)."""

    def __init__(self, name):
        self.name = name

    def __get__(self, obj, owner=None):
        if obj is None:
            raise AttributeError(self.name)  # no default at class level
        return obj.words(self.name)

    def __set__(self, obj, value):
        obj.__dict__["_en_" + self.name] = value


@dataclass(frozen=True)
class KHI:
    id: str
    # Human fields (HUMAN_FIELDS): read in the current language (_Worded); left out of == and hash, which must not
    # change with the language.
    title: str = field(compare=False)
    sentence: str = field(compare=False)  # what an ambassador says; {share} "Nearly 9 in 10 people", {support}
    explanation: str = field(compare=False)  # one line: what the number means
    question: str = field(compare=False)
    source: str  # contract column (or table) it is computed from
    kind: str
    numerator: tuple[str, ...]
    denominator: tuple[str, ...]
    direction: str
    theme: str
    min_n: int = DEFAULT_MIN_N
    topic: str = field(default="", compare=False)  # short name of what it is about, for chart rows
    harm: str | None = None  # the KHI shown beside this one so that harm is never hidden
    title_cy: str = ""  # the Welsh beside each human field (first translations, for a Welsh speaker to review)
    sentence_cy: str = ""
    explanation_cy: str = ""
    question_cy: str = ""
    topic_cy: str = ""
    extra: tuple = field(default=(), repr=False, compare=False)  # unknown keys, reported by validate()

    def words(self, name: str, language: str | None = None) -> str:
        """A human field in `language` (default: the current one); English where no Welsh is declared."""
        english = self.__dict__["_en_" + name]
        return (getattr(self, name + "_cy") or english) if (language or i18n.lang()) == "cy" else english

    @property
    def facts(self) -> Kind:
        return KINDS[self.kind]

    # What a KHI's kind says about it, read through: k.table, k.statistic, k.unit, k.method, k.compared, ...
    table = property(lambda self: KINDS[self.kind].table)
    statistic = property(lambda self: KINDS[self.kind].statistic)
    unit = property(lambda self: KINDS[self.kind].unit)
    method = property(lambda self: KINDS[self.kind].method)
    compared = property(lambda self: KINDS[self.kind].compared)
    share_of_people = property(lambda self: KINDS[self.kind].share_of_people)
    statistic_words = property(lambda self: KINDS[self.kind].statistic_words)
    unit_words = property(lambda self: KINDS[self.kind].unit_words)

    def as_dict(self) -> dict:
        d = asdict(self)
        d.pop("extra")
        d.update(table=self.table, statistic=self.statistic, unit=self.unit, method=self.method)
        d["numerator"], d["denominator"] = list(self.numerator), list(self.denominator)
        return d


for _name in HUMAN_FIELDS:  # after the dataclass is made, which would take a descriptor for a default
    setattr(KHI, _name, _Worded(_name))
_KHI_FIELDS = {f for f in KHI.__dataclass_fields__ if f != "extra"}


def load(path: Path = DECLARATIONS) -> tuple[dict[str, Kind], tuple[KHI, ...], dict[str, tuple[str, ...]]]:
    """Kinds, KHIs and named lists from the declarations file (validated separately by `validate`)."""
    with open(path, "rb") as fh:
        data = tomllib.load(fh)
    kinds = {name: Kind(name=name, **facts) for name, facts in data["kinds"].items()}
    khis = []
    for entry in data["khi"]:
        known = {k: v for k, v in entry.items() if k in _KHI_FIELDS}
        for key in ("numerator", "denominator"):
            known[key] = tuple(known.get(key, ()))
        khis.append(KHI(**known, extra=tuple(sorted(set(entry) - _KHI_FIELDS))))
    lists = {name: tuple(ids) for name, ids in data.get("lists", {}).items()}
    return kinds, tuple(khis), lists


KINDS, REGISTRY, LISTS = load()
BY_ID: dict[str, KHI] = {k.id: k for k in REGISTRY}
HEADLINE_IDS: tuple[str, ...] = LISTS["headline"]
IMPACT_TOPIC_IDS: tuple[str, ...] = LISTS["impact_topics"]  # positive KHIs; each one's harm is its negative
COMPARED_IDS: tuple[str, ...] = tuple(k.id for k in REGISTRY if k.compared)


def get(metric_id: str) -> KHI:
    try:
        return BY_ID[metric_id]
    except KeyError:
        raise KeyError(f"unknown KHI {metric_id!r}; `python -m kpi metrics` lists them") from None


def harm_of(metric_id: str) -> str | None:
    """The KHI that shows harm beside `metric_id` (so harm is never hidden), or None."""
    return get(metric_id).harm


def method_name(kind: str) -> str:
    """The interval method's name for a kind of KHI (what every table's `method` column says)."""
    return KINDS[kind].method_name


def validate(registry: tuple[KHI, ...] = REGISTRY) -> list[str]:
    """Problems with the registry, as sentences; an empty list means it is sound."""
    problems = []
    seen = set()
    ids = {k.id for k in registry}
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
        if "{share}" not in k.words("sentence", "en") and "{value}" not in k.words("sentence", "en"):
            problems.append(f"{where}: sentence has no {{share}} or {{value}} placeholder")
        if not all(k.words(name, "en") for name in ("title", "explanation", "question")):
            problems.append(f"{where}: title, explanation and question are required")
        problems += [f"{where}: {p}" for p in _welsh_problems(k)]
        if k.min_n < 1:
            problems.append(f"{where}: minimum n must be at least 1")
        if k.extra:
            problems.append(f"{where}: unknown field(s) {', '.join(k.extra)}")
        if k.harm is not None and (k.harm not in ids or BY_ID.get(k.harm, k).direction != "low_is_good"):
            problems.append(f"{where}: harm {k.harm!r} must name a KHI whose direction is low_is_good")
    for name, listed in LISTS.items():
        for metric_id in listed:
            if metric_id not in ids:
                problems.append(f"list {name!r}: unknown KHI {metric_id!r}")
    for kind in KINDS.values():
        if kind.method not in stats.METHODS:
            problems.append(f"kind {kind.name!r}: method {kind.method!r} is not a key of stats.METHODS")
        if not (kind.statistic_cy and kind.unit_cy and kind.method_cy):
            problems.append(f"kind {kind.name!r}: statistic_cy, unit_cy and method_cy (the Welsh) are required")
    return problems


def placeholders(text: str) -> list[str]:
    """The {placeholders} of a sentence, sorted ('{share} said {support} ...' -> ['share', 'support'])."""
    return sorted(re.findall(r"\{(\w*)\}", text))


def _welsh_problems(k: KHI) -> list[str]:
    """Each human field with English has Welsh beside it, with the same placeholders."""
    out = []
    for name in HUMAN_FIELDS:
        english, welsh = k.words(name, "en"), getattr(k, name + "_cy")
        if english and not welsh:
            out.append(f"no Welsh for {name} ({name}_cy)")
        elif placeholders(english) != placeholders(welsh):
            out.append(f"{name}_cy placeholders {placeholders(welsh)} differ from the English {placeholders(english)}")
    return out


def queries_categorical() -> dict[str, str]:
    from kpi.data import queries  # late: queries imports duckdb, which the registry itself does not need

    return queries.CATEGORICAL


# ---------------------------------------------------------------------------------------------------------------
# Plain English


# The Easy Read share words, whole (Welsh word order differs); {count} people in every {out_of}.
_SAID = {"about": N_("About {count} in {out_of} people"), "nearly": N_("Nearly {count} in {out_of} people"),
         "more": N_("More than {count} in {out_of} people")}


class Share(NamedTuple):
    """A share of people said one way (Easy Read): what the sentence, the big figure, the ten-person picture and the
    percentage beside them all use, so they never disagree (`share` is the rule)."""
    count: int  # people out of `out_of`: the numeral in the words and the people coloured in
    out_of: int  # 10; 100 when the share is too small for a picture of ten people
    words: str  # "Nearly 9 in 10 people" (in the language current when `share` was called)
    percent: str  # the percentage as shown beside it, "87%"

    @property
    def figure(self) -> str:
        """The big figure: the numerals of the words ("9 in 10"; "Fewer than 1 in 100" has none to show)."""
        if self.count == 0 and self.out_of == 100:
            return _("Fewer than 1 in 100")
        return _("{count} in {out_of}").format(count=self.count, out_of=self.out_of)

    @property
    def pictured(self) -> bool:
        """Whether ten people can show it (out of 10); "3 in 100" is said in words only."""
        return self.out_of == 10


def share(value_pct: float) -> Share | None:
    """The one rule for saying a share of people (None for a missing value).

    It starts from the percentage as shown (whole numbers from 10%, one decimal below), so the words never disagree
    with the figure beside them: out of 10 from 9.5% up (and for nobody), else out of 100; the nearest whole person,
    halves up (85% is 9 in 10, as the picture colours it); "About" only when the shown percentage is exactly that
    many (90% is "About 9 in 10", 87% "Nearly 9 in 10", 93% "More than 9 in 10"); "Everyone" and "Nobody" only for
    100% and 0%, "Nearly everyone" for 10 in 10 otherwise. The words are in the current language.
    """
    if value_pct is None or value_pct != value_pct:
        return None
    value_pct = min(100.0, max(0.0, float(value_pct)))
    places = int(_places(np.array([True]), np.array([False]), np.array([value_pct]))[0])
    shown = float(f"{value_pct:.{places}f}")
    percent = f"{shown:.{places}f}%"
    out_of = 10 if shown >= 9.5 or value_pct == 0 else 100
    exact = shown * out_of / 100
    count = int(min(out_of, np.floor(exact + 0.5)))
    if value_pct >= 100:
        words = _("Everyone")
    elif value_pct <= 0:
        # Translators: a share of people, 0 in 10; it is the subject of "... said ..." sentences.
        words = _("Nobody")
    elif count == out_of:
        words = _("Nearly everyone")
    elif count == 0:
        words = _("Fewer than 1 in {out_of} people").format(out_of=out_of)
    else:
        said = _SAID["about" if exact == count else "nearly" if exact < count else "more"]
        words = _(said).format(count=count, out_of=out_of)
    return Share(count, out_of, words, percent)


def plain_share(p: float) -> str:
    """A proportion as words people use: 0.89 -> 'Nearly 9 in 10 people', 0.03 -> 'About 3 in 100 people' (`share`)."""
    said = share(p * 100.0 if p == p else p)
    return "" if said is None else said.words


def support_name(programmes: tuple[str, ...]) -> str:
    """Who the sentence credits: the programme when one is chosen, else 'their support'."""
    if len(programmes) == 1:
        name = schema.LABELS["programme"][programmes[0]]  # a variable, so no literal here is taken for a message
        return _(name)
    return _("their support")


def fill(template: str, *, share: str = "", support: str = "", value: str = "") -> str:
    """A sentence template with its fillers put in, as a sentence. The share words start lower case where they do
    not open it ("Dywedodd bron i 9 o bob 10 o bobl ..."; in English {share} always opens the sentence)."""
    if share[1:2].islower() and not template.startswith("{share}"):  # "Bron i 9 ...", not "X o bob 10"
        share = share[0].lower() + share[1:]
    text = template.replace("{share}", share).replace("{support}", support).replace("{value}", value)
    return text[0].upper() + text[1:] + "."


def sentence(k: KHI, value: float | None, *, programmes: tuple[str, ...] = ()) -> str:
    """The KHI's sentence, in the current language, for a value in its display unit (None: suppressed)."""
    from kpi.metrics.disclosure import SUPPRESSED_TEXT

    if value is None or value != value:
        return f"{k.title}: {_(SUPPRESSED_TEXT)}"
    said = share(value).words if "{share}" in k.sentence else ""
    # Signs read badly inside a sentence ("+85 more people"): the words carry the direction.
    shown = format_value(k, abs(value) if k.kind == "net" else value).lstrip("+")
    return fill(k.sentence, share=said, support=support_name(programmes), value=shown)


def _places(percent: np.ndarray, whole: np.ndarray, values: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore"):
        return np.where(whole | (percent & (np.abs(np.round(values, 1)) >= 10)), 0, 1)


def _decimals(ks: Sequence[KHI], values: np.ndarray) -> np.ndarray:
    """Decimal places each figure is shown with — the one rule for the screen, slides and public tables: whole
    numbers for counts of people and for percentages from 10 up, one decimal place for everything else."""
    percent = np.array([k.unit in ("%", "percentage points") for k in ks], dtype=bool)
    whole = np.array([k.kind in ("people", "net_change") for k in ks], dtype=bool)
    return _places(percent, whole, values)


def decimals(k: KHI, value: float) -> int:
    """Decimal places one figure is shown with (`_decimals`)."""
    return int(_decimals([k], np.array([value], dtype=float))[0])


def round_shown(k: KHI | Sequence[KHI], values) -> np.ndarray:
    """Figures rounded to the precision they are shown with (`_decimals`), so no table says more than the screen.

    `k` is one KHI for all values, or one KHI per value (a stacked table), rounded in one pass either way.
    """
    values = np.asarray(values, dtype=float)
    ks = [k] * len(values) if isinstance(k, KHI) else list(k)
    return np.where(_decimals(ks, values) == 0, np.round(values), np.round(values, 1))


def format_value(k: KHI, value: float | None) -> str:
    """A figure as shown to people, in the KHI's unit."""
    if value is None or value != value:
        return "–"
    d = decimals(k, value)
    if k.unit == "%":
        return f"{value:.{d}f}%"
    if k.unit == "percentage points":
        return f"{value:+.{d}f}"
    if k.kind == "net_change":
        return f"{value:+,.0f}"
    if k.kind == "people":
        return f"{value:,.0f}"
    if k.kind == "mean_change":
        return f"{value:+.1f}"
    return f"{value:,.1f}" if value % 1 else f"{value:,.0f}"
