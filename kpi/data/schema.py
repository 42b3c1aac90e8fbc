"""The data contract, written once.

Every other module (sample generator, ingest, queries, registry, docs test) reads the tables, columns, allowed
values and printed labels from here; `kpi.data.aliases` maps the spellings exports use onto them.
`docs/data-contract.md` describes the same contract for people, and `tests/test_contract_doc.py` fails when the two
drift apart.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

import pyarrow as pa

from kpi.i18n import N_

# ---------------------------------------------------------------------------------------------------------------
# Geography: the nine English regions and three nations, by GSS code (names as in the ONS boundary file). Names are
# marked for translation (N_) and stay English here: kpi.render.text.area_name gives them in the reader's language.
AREAS: dict[str, str] = {
    "E12000001": N_("North East"),
    "E12000002": N_("North West"),
    "E12000003": N_("Yorkshire and The Humber"),
    "E12000004": N_("East Midlands"),
    "E12000005": N_("West Midlands"),
    "E12000006": N_("East of England"),
    "E12000007": N_("London"),
    "E12000008": N_("South East"),
    "E12000009": N_("South West"),
    "W92000004": N_("Wales"),
    "S92000003": N_("Scotland"),
    "N92000002": N_("Northern Ireland"),
}
ENGLISH_REGIONS = tuple(code for code in AREAS if code.startswith("E12"))
# The benchmarks an area is compared with (docs/metrics.md, "Benchmarks"): its nation, or the UK.
ENGLAND, UK = "E92000001", "K02000001"
NATIONS: dict[str, str] = {ENGLAND: N_("England"), "W92000004": N_("Wales"), "S92000003": N_("Scotland"),
                           "N92000002": N_("Northern Ireland")}
BENCHMARK_NAMES: dict[str, str] = {**NATIONS, UK: N_("UK")}
# "auto": an English region or scheme with England, a scheme in Wales, Scotland or Northern Ireland with its nation, a
# nation with the UK; "uk": everything with the UK (kpi.metrics.tables.benchmark_codes).
BENCHMARK_CHOICES = ("auto", "uk")
# An area's nation in SQL, as `nation_of`: an English region's code starts with E; the other areas are nations.
NATION_SQL = f"CASE WHEN starts_with({{area}}, 'E') THEN '{ENGLAND}' ELSE {{area}} END"


def nation_of(area_code: str) -> str:
    """The nation's GSS code of an English region (England) or of a nation (itself)."""
    return ENGLAND if str(area_code).startswith("E") else str(area_code)


# ---------------------------------------------------------------------------------------------------------------
# Answer domains. Order matters: it is the order shown to people (best first where there is a best).
PROGRAMMES = ("shared_lives", "homeshare")
ARRANGEMENTS = ("live_in", "short_breaks", "day_support", "homeshare")
AGE_BANDS = ("18-24", "25-34", "35-49", "50-64", "65-74", "75-84", "85+")
PRIMARY_NEEDS = (
    "learning_disability",
    "autism",
    "mental_health",
    "dementia",
    "physical_disability",
    "older_age",
    "leaving_care",
    "other",
)
CQC_RATINGS = ("outstanding", "good", "requires_improvement", "inadequate")
IMPACT_ANSWERS = ("positive", "none", "negative", "not_applicable")
CONNECTIONS_ANSWERS = ("helps", "no_difference", "gets_in_the_way")
LONELY_ANSWERS = ("often_always", "some_of_the_time", "occasionally", "hardly_ever", "never")
EXPERIENCE_ANSWERS = ("always", "mostly", "sometimes", "never")

IMPACT_COLUMNS = (
    "impact_connected",
    "impact_friendships",
    "impact_physical_health",
    "impact_emotional_health",
    "impact_control",
    "impact_safety",
    "impact_doing_things",
    "impact_community",
)
EXPERIENCE_COLUMNS = ("warmth", "kindness", "dignity")

# Plain-English names for codes, used by every output (pages, CSV, slides) so a code never reaches a person. Those
# marked N_ are translated where they are shown (`_(LABELS[...][code])`).
LABELS: dict[str, dict[str, str]] = {
    "programme": {"shared_lives": N_("Shared Lives"), "homeshare": N_("Homeshare")},
    "arrangement": {
        "live_in": N_("Live-in"),
        "short_breaks": N_("Short breaks"),
        "day_support": N_("Day support"),
        "homeshare": N_("Homeshare"),
    },
    "age_band": {a: a for a in AGE_BANDS},
    "primary_need": {
        "learning_disability": N_("Learning disability"),
        "autism": N_("Autism"),
        "mental_health": N_("Mental health"),
        "dementia": N_("Dementia"),
        "physical_disability": N_("Physical disability"),
        "older_age": N_("Older age"),
        "leaving_care": N_("Leaving care"),
        "other": N_("Other"),
    },
    "impact": {
        "positive": N_("Positive impact"),
        "none": N_("No impact"),
        "negative": N_("Negative impact"),
        "not_applicable": N_("Not applicable"),
    },
    "connections": {
        "helps": N_("Helps"),
        "no_difference": N_("No difference"),
        "gets_in_the_way": N_("Gets in the way"),
    },
    "lonely": {
        "often_always": N_("Often or always"),
        "some_of_the_time": N_("Some of the time"),
        "occasionally": N_("Occasionally"),
        "hardly_ever": N_("Hardly ever"),
        "never": N_("Never"),
    },
    "experience": {"always": N_("Always"), "mostly": N_("Mostly"), "sometimes": N_("Sometimes"), "never": N_("Never")},
    "cqc_rating": {
        "outstanding": N_("Outstanding"),
        "good": N_("Good"),
        "requires_improvement": N_("Requires improvement"),
        "inadequate": N_("Inadequate"),
    },
}

# ---------------------------------------------------------------------------------------------------------------
# Columns and tables.
EARLIEST_DATE = dt.date(2010, 1, 1)


@dataclass(frozen=True)
class Column:
    """One column of the contract.

    kind is one of: string, enum, date, bool, int. For enum, `domain` names the answer set in `DOMAINS`
    (the same set the label mapping uses). Bounds apply to int columns.
    """

    name: str
    kind: str
    description: str
    required: bool = False
    domain: str | None = None
    minimum: int | None = None
    maximum: int | None = None

    @property
    def allowed(self) -> tuple[str, ...] | None:
        return DOMAINS[self.domain] if self.domain else None


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]  # unique key: a second row with the same key and other content is a conflict
    description: str
    references: dict[str, str] = field(default_factory=dict)  # column -> "table.column" that must exist

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(f"table {self.name!r} has no column {name!r}")


DOMAINS: dict[str, tuple[str, ...]] = {
    "programme": PROGRAMMES,
    "arrangement": ARRANGEMENTS,
    "age_band": AGE_BANDS,
    "primary_need": PRIMARY_NEEDS,
    "cqc_rating": CQC_RATINGS,
    "area_code": tuple(AREAS),
    "impact": IMPACT_ANSWERS,
    "connections": CONNECTIONS_ANSWERS,
    "lonely": LONELY_ANSWERS,
    "experience": EXPERIENCE_ANSWERS,
}

_IMPACT_TEXT = {
    "impact_connected": "feeling connected to people",
    "impact_friendships": "friendships",
    "impact_physical_health": "physical health",
    "impact_emotional_health": "emotional health",
    "impact_control": "having control over my life",
    "impact_safety": "feeling safe",
    "impact_doing_things": "doing things I enjoy",
    "impact_community": "being part of my community",
}

RESPONSES = Table(
    name="responses",
    description="One row per completed outcomes questionnaire.",
    key=("response_id",),
    references={"scheme_id": "schemes.scheme_id"},
    columns=(
        Column("response_id", "string", "Unique id of the completed questionnaire.", required=True),
        Column("person_id", "string", "Pseudonymous id of the person, the same over time.", required=True),
        Column("scheme_id", "string", "The scheme supporting the person; must exist in schemes.", required=True),
        Column("completed_on", "date", "Date the questionnaire was completed; not before 2010-01-01, not in the future.",
               required=True),
        Column("arrangement", "enum", "How the person is supported.", required=True, domain="arrangement"),
        Column("age_band", "enum", "Age band of the person.", domain="age_band"),
        Column("primary_need", "enum", "The person's primary support need.", domain="primary_need"),
        Column("completed_with_help", "bool", "Whether someone helped the person answer."),
        *(
            Column(c, "enum", f"Impact of support on {text}.", domain="impact")
            for c, text in _IMPACT_TEXT.items()
        ),
        Column("friends_count", "int", "How many friends the person says they have.", minimum=0, maximum=100),
        Column(
            "connections_support",
            "enum",
            "Whether support helps or gets in the way of making and keeping connections.",
            domain="connections",
        ),
        Column("lonely", "enum", "ONS direct question: how often do you feel lonely?", domain="lonely"),
        *(
            Column(c, "enum", f"The people who support me {c_text}.", domain="experience")
            for c, c_text in (("warmth", "are warm"), ("kindness", "are kind"), ("dignity", "treat me with dignity"))
        ),
    ),
)

SCHEMES = Table(
    name="schemes",
    description="One row per local Shared Lives or Homeshare scheme.",
    key=("scheme_id",),
    columns=(
        Column("scheme_id", "string", "Unique id of the scheme.", required=True),
        Column("scheme_name", "string", "Name of the scheme.", required=True),
        Column("programme", "enum", "Shared Lives or Homeshare.", required=True, domain="programme"),
        Column("area_code", "enum", "GSS code of the English region or UK nation.", required=True, domain="area_code"),
        Column("local_authority", "string", "Local authority the scheme mainly serves."),
        Column("cqc_rating", "enum", "Latest CQC rating, where there is one.", domain="cqc_rating"),
    ),
)

PEOPLE_SUPPORTED = Table(
    name="people_supported",
    description="People supported by each scheme, per financial year and arrangement.",
    key=("scheme_id", "year", "arrangement"),
    references={"scheme_id": "schemes.scheme_id"},
    columns=(
        Column("scheme_id", "string", "The scheme; must exist in schemes.", required=True),
        Column(
            "year",
            "int",
            "Financial year, by the calendar year it starts in April: 2019 means 2019-20.",
            required=True,
            minimum=2010,
            maximum=2100,
        ),
        Column("arrangement", "enum", "How people are supported.", required=True, domain="arrangement"),
        Column("people", "int", "People supported in the year.", required=True, minimum=0),
        Column("carers", "int", "Approved carers in the year.", minimum=0),
    ),
)

TABLES: dict[str, Table] = {t.name: t for t in (RESPONSES, SCHEMES, PEOPLE_SUPPORTED)}

_ARROW_TYPES = {"string": pa.string(), "enum": pa.string(), "date": pa.date32(), "bool": pa.bool_()}


def arrow_schema(table: str) -> pa.Schema:
    """The Parquet schema of a stored table (ints are int32 except people counts, which stay int64)."""
    fields = []
    for c in TABLES[table].columns:
        typ = _ARROW_TYPES.get(c.kind, pa.int64() if c.name in ("people", "carers") else pa.int32())
        fields.append(pa.field(c.name, typ, nullable=not c.required))
    return pa.schema(fields)


# ---------------------------------------------------------------------------------------------------------------
# Financial years: 2019 means April 2019 to March 2020.
def financial_year(day: dt.date) -> int:
    return day.year if day.month >= 4 else day.year - 1


def fy_label(year: int) -> str:
    """2019 -> '2019-20'."""
    return f"{year}-{(year + 1) % 100:02d}"


def parse_fy_label(text: str) -> int | None:
    """'2019-20' or '2019' -> 2019; anything else -> None."""
    m = re.fullmatch(r"\s*(\d{4})(?:\s*[-/]\s*(\d{2}|\d{4}))?\s*", str(text))
    if not m:
        return None
    start = int(m.group(1))
    if m.group(2) and int(m.group(2)[-2:]) != (start + 1) % 100:
        return None
    return start


SAMPLE_YEARS = tuple(range(2014, 2025))  # the sample spans 2014-15 to 2024-25
