"""How exports spell things: header and answer aliases, matched onto the contract in `kpi.data.schema`.

Exports print headers and answers for people ("Response ID", "Positive impact", "Often/always"); both match after
normalisation: case, spaces, underscores and punctuation are ignored. `docs/data-contract.md` lists every alias.
"""

from __future__ import annotations

import re
import unicodedata

from kpi.data import schema

_NOT_ALNUM = re.compile(r"[^0-9a-z+]")


def normalise(text: str) -> str:
    """Fold a header or answer for matching: lower case, accents dropped, only letters, digits and '+' kept.

    '+' survives because it carries meaning in '85+' and '3+'.
    """
    folded = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode("ascii").lower()
    return _NOT_ALNUM.sub("", folded)


# The one declared mapping from printed labels to stored values, per answer domain. Every canonical value and its
# schema.LABELS text match too (added below), so only the extra spellings real exports use need listing here.
LABEL_ALIASES: dict[str, dict[str, str]] = {
    "impact": {
        "Positive": "positive",
        "Positive impact": "positive",
        "Yes - positive": "positive",
        "No impact": "none",
        "None": "none",
        "No change": "none",
        "Negative": "negative",
        "Negative impact": "negative",
        "Not applicable": "not_applicable",
        "N/A": "not_applicable",
        "NA": "not_applicable",
    },
    "connections": {
        "Helps": "helps",
        "Helps me": "helps",
        "No difference": "no_difference",
        "Makes no difference": "no_difference",
        "Gets in the way": "gets_in_the_way",
    },
    "lonely": {
        "Often/always": "often_always",
        "Often or always": "often_always",
        "Always": "often_always",
        "Often": "often_always",
        "Some of the time": "some_of_the_time",
        "Occasionally": "occasionally",
        "Hardly ever": "hardly_ever",
        "Never": "never",
    },
    "experience": {"Always": "always", "Mostly": "mostly", "Sometimes": "sometimes", "Never": "never"},
    "programme": {"Shared Lives": "shared_lives", "Homeshare": "homeshare", "Home share": "homeshare"},
    "arrangement": {
        "Live-in": "live_in",
        "Live in": "live_in",
        "Long term": "live_in",
        "Short breaks": "short_breaks",
        "Short break": "short_breaks",
        "Respite": "short_breaks",
        "Day support": "day_support",
        "Day care": "day_support",
        "Homeshare": "homeshare",
    },
    "age_band": {"85 and over": "85+", "85 plus": "85+"},
    "primary_need": {
        "Learning disability": "learning_disability",
        "Learning disabilities": "learning_disability",
        "LD": "learning_disability",
        "Autism": "autism",
        "Autistic": "autism",
        "Mental health": "mental_health",
        "Mental ill health": "mental_health",
        "Dementia": "dementia",
        "Physical disability": "physical_disability",
        "Older age": "older_age",
        "Older people": "older_age",
        "Leaving care": "leaving_care",
        "Care leaver": "leaving_care",
        "Other": "other",
    },
    "cqc_rating": {"Requires improvement": "requires_improvement", "RI": "requires_improvement"},
    "bool": {"Yes": "true", "Y": "true", "True": "true", "1": "true", "No": "false", "N": "false",
             "False": "false", "0": "false"},
}

# Exports print area names as often as codes.
LABEL_ALIASES["area_code"] = {name: code for code, name in schema.AREAS.items()}
LABEL_ALIASES["area_code"].update({"Yorkshire and the Humber": "E12000003", "Eastern": "E12000006"})


def _build_value_maps() -> dict[str, dict[str, str]]:
    maps: dict[str, dict[str, str]] = {}
    for domain, values in schema.DOMAINS.items():
        m = {normalise(v): v for v in values}
        for v, text in schema.LABELS.get(domain, {}).items():
            m[normalise(text)] = v
        for text, v in LABEL_ALIASES.get(domain, {}).items():
            m[normalise(text)] = v
        maps[domain] = m
    maps["bool"] = {normalise(k): v for k, v in LABEL_ALIASES["bool"].items()}
    return maps


VALUE_MAPS = _build_value_maps()


def match_value(domain: str, text: str) -> str | None:
    """The stored value a printed answer stands for, or None when it matches nothing in the domain."""
    return VALUE_MAPS[domain].get(normalise(text))


# Header aliases seen in exports, beyond the column names themselves.
HEADER_ALIASES: dict[str, str] = {
    "id": "response_id",
    "responseid": "response_id",
    "personid": "person_id",
    "participantid": "person_id",
    "scheme": "scheme_id",
    "schemecode": "scheme_id",
    "date": "completed_on",
    "datecompleted": "completed_on",
    "completeddate": "completed_on",
    "typeofsupport": "arrangement",
    "age": "age_band",
    "ageband": "age_band",
    "primarysupportneed": "primary_need",
    "supportneed": "primary_need",
    "completedwithsupport": "completed_with_help",
    "numberoffriends": "friends_count",
    "friends": "friends_count",
    "howoftendoyoufeellonely": "lonely",
    "loneliness": "lonely",
    "region": "area_code",
    "area": "area_code",
    "financialyear": "year",
    # Ingest: the impact questions as the tool prints them ("Connected", "Feeling connected to people"), and the
    # people_supported counts as scheme returns label them.
    "connected": "impact_connected",
    "feelingconnected": "impact_connected",
    "feelingconnectedtopeople": "impact_connected",
    "controlovermylife": "impact_control",
    "beingpartofthecommunity": "impact_community",
    "beingpartofcommunity": "impact_community",
    "friendships": "impact_friendships",
    "physicalhealth": "impact_physical_health",
    "emotionalhealth": "impact_emotional_health",
    "control": "impact_control",
    "havingcontrolovermylife": "impact_control",
    "safety": "impact_safety",
    "feelingsafe": "impact_safety",
    "doingthings": "impact_doing_things",
    "doingthingsienjoy": "impact_doing_things",
    "community": "impact_community",
    "beingpartofmycommunity": "impact_community",
    "connections": "connections_support",
    "peoplesupported": "people",
    "numberofpeople": "people",
    "approvedcarers": "carers",
    "numberofcarers": "carers",
}


def match_header(table: str, header: str) -> str | None:
    """The contract column a printed header stands for in `table`, or None."""
    names = {normalise(n): n for n in schema.TABLES[table].names}
    key = normalise(header)
    # Exports title the impact questions "Impact on feeling safe" as often as "Feeling safe".
    for candidate in (key, key.removeprefix("impacton"), key.removeprefix("impact")):
        if candidate in names:
            return names[candidate]
        target = HEADER_ALIASES.get(candidate)
        if target in schema.TABLES[table].names:
            return target
    return None
