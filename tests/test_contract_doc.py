"""docs/data-contract.md must describe every table, column, allowed value and printed label of the contract
(kpi/data/schema.py, kpi/data/aliases.py) and every quarantine rule of the ingest package."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from kpi.data import aliases, ingest, schema

DOC = Path(__file__).resolve().parent.parent / "docs" / "data-contract.md"
# The rules live in several modules of the ingest package: read them all.
INGEST_SOURCE = "\n".join(p.read_text(encoding="utf-8") for p in sorted(Path(ingest.__file__).parent.glob("*.py")))


@pytest.fixture(scope="module")
def doc() -> str:
    return DOC.read_text(encoding="utf-8")


@pytest.mark.parametrize("table", list(schema.TABLES))
def test_doc_names_every_table(doc, table):
    assert f"### Table `{table}`" in doc


@pytest.mark.parametrize(
    "table,column", [(t.name, c.name) for t in schema.TABLES.values() for c in t.columns]
)
def test_doc_lists_every_column(doc, table, column):
    section = doc.split(f"### Table `{table}`", 1)[1].split("###", 1)[0]
    assert f"| `{column}` |" in section, f"column {column} of {table} is not in its table in {DOC.name}"


@pytest.mark.parametrize(
    "domain,value", [(d, v) for d, values in schema.DOMAINS.items() for v in values]
)
def test_doc_lists_every_allowed_value(doc, domain, value):
    assert f"`{value}`" in doc, f"allowed value {value!r} of {domain} is missing from {DOC.name}"


@pytest.mark.parametrize(
    "domain,label",
    [
        (d, label)
        for d, spellings in aliases.LABEL_ALIASES.items()
        for label, value in spellings.items()
        if aliases.normalise(label) != aliases.normalise(value)  # a label that is only a respelling needs no row
    ],
)
def test_doc_mapping_table_holds_every_printed_label(doc, domain, label):
    assert f'"{label}"' in doc or f'"{label.lower()}"' in doc.lower(), f"label {label!r} ({domain}) is missing"


@pytest.mark.parametrize("alias,column", list(aliases.HEADER_ALIASES.items()))
def test_doc_lists_every_header_alias(doc, alias, column):
    assert f"`{alias}`" in doc


RULES = ["required", "not_allowed", "invalid_date", "date_too_early", "future_date", "not_whole_number",
         "invalid_year", "out_of_range", "not_yes_no", "too_many_values", "unknown_scheme", "conflicting_key",
         "repeated_header", "too_long", "invisible_character", "control_character", "formula_without_value",
         "formula_error", "unreadable_value"]
# Where the code names a rule: `Invalid("rule", ...)` in cells.py, `rule="rule"` for a Problem in validate.py.
RULE_IN_CODE = re.compile(r'Invalid\(\s*"([a-z_]+)"|rule="([a-z_]+)"')


@pytest.mark.parametrize("rule", RULES)
def test_doc_names_every_quarantine_rule(doc, rule):
    assert f"`{rule}`" in doc
    assert f'"{rule}"' in INGEST_SOURCE, f"{rule} is not a rule ingest uses"


def test_every_rule_the_code_uses_is_in_the_list_above():
    used = {a or b for a, b in RULE_IN_CODE.findall(INGEST_SOURCE)}
    assert used == set(RULES), (f"rules in kpi/data/ingest/ missing here: {sorted(used - set(RULES))}; listed here"
                                f" but not found in the code: {sorted(set(RULES) - used)}")


def test_doc_states_the_reconciliation_and_quarantine_columns(doc):
    assert "read = stored + duplicates + quarantined" in doc
    section = doc.split("### Quarantine files", 1)[1]
    for column in ingest.QUARANTINE_COLUMNS:
        assert f"`{column}`" in section, f"quarantine column {column} is not described"
