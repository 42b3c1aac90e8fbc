"""Converting one cell to the contract's type. Each failure names its rule (listed in docs/data-contract.md).

A value that cannot be converted is never a traceback: it is `Invalid` with a rule, and its row is quarantined.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from kpi.data import aliases, schema
from kpi.data.ingest.values import (SUSPECT, CellError, FormulaWithoutValue, Unreadable, blank, control_character,
                                    finite, invisible_character, show, shown)

__all__ = ["Invalid", "convert", "show", "MAX_TEXT"]

_ISO_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?")
_UK_DATE = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})(?: \d{1,2}:\d{2}(?::\d{2})?)?")
_INT = re.compile(r"([+-]?)(\d+)(?:\.0*)?")
_INT32_MAX = 2**31 - 1
_MAX_DIGITS = 18  # longer numbers are not parsed (Python refuses over 4,300 digits): they are far out of range
MAX_TEXT = 1_000  # characters in a text value; longer is a paste error or an attack, not an id or a name
_CONTAINERS = (bytes, bytearray, memoryview, list, tuple, dict, set)


class Invalid(Exception):
    def __init__(self, rule: str, text: str):
        super().__init__(text)
        self.rule, self.text = rule, text


def _to_date(raw: Any, today: dt.date) -> dt.date:
    if isinstance(raw, dt.datetime):
        day = raw.date()
    elif isinstance(raw, dt.date):
        day = raw
    elif isinstance(raw, (int, float)) and not isinstance(raw, bool):
        # Never guessed: 45292 may be an Excel serial (1900 or 1904 system), a Unix time, or a typo.
        raise Invalid("invalid_date", f"'{shown(raw)}' is a number, not a date (an Excel date serial? format the"
                                      " column as dates, or write YYYY-MM-DD)")
    else:
        text = str(raw).strip()
        iso, uk = _ISO_DATE.fullmatch(text), _UK_DATE.fullmatch(text)
        try:
            if iso:
                day = dt.date(int(iso[1]), int(iso[2]), int(iso[3]))
            elif uk:
                day = dt.date(int(uk[3]), int(uk[2]), int(uk[1]))
            else:
                raise ValueError(text)
        except ValueError:
            raise Invalid(
                "invalid_date", f"'{shown(text)}' is not a valid date (expected YYYY-MM-DD or DD/MM/YYYY)"
            ) from None
    if day < schema.EARLIEST_DATE:
        raise Invalid(
            "date_too_early", f"'{shown(raw)}' is before {schema.EARLIEST_DATE.isoformat()}, the earliest date accepted"
        )
    if day > today:
        raise Invalid("future_date", f"'{shown(raw)}' is in the future (today is {today.isoformat()})")
    return day


def _to_int(col: schema.Column, raw: Any) -> int:
    value: int | None = None
    if isinstance(raw, bool):
        value = None  # True is an int to Python, not to a person counting friends
    elif isinstance(raw, int):
        value = raw
    elif isinstance(raw, float):
        value = int(raw) if raw.is_integer() else None
    else:
        text = str(raw).strip()
        m = _INT.fullmatch(text)
        if m:
            digits = m[2].lstrip("0") or "0"
            # A number too long to parse stands in as one just past the 64-bit range: the bounds below refuse it.
            value = int(digits) if len(digits) <= _MAX_DIGITS else 10**19
            value = -value if m[1] == "-" else value
        elif col.name == "year":
            value = schema.parse_fy_label(text)  # exports print financial years as '2019-20'
    if value is None:
        if col.name == "year":
            raise Invalid("invalid_year", f"'{shown(raw)}' is not a year (expected 2019 or 2019-20)")
        raise Invalid("not_whole_number", f"'{shown(raw)}' is not a whole number")
    if col.minimum is not None and value < col.minimum:
        raise Invalid("out_of_range", f"'{shown(raw)}' is below the minimum of {col.minimum}")
    if col.maximum is not None and value > col.maximum:
        raise Invalid("out_of_range", f"'{shown(raw)}' is above the maximum of {col.maximum}")
    if value > _INT32_MAX:  # the stored columns are int32/int64; no real count comes near this
        raise Invalid("out_of_range", f"'{shown(raw)}' is too large to be a count")
    return value


def _to_bool(raw: Any) -> bool:
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, (int, float)) and raw in (0, 1):
        return bool(raw)
    matched = aliases.match_value("bool", str(raw))
    if matched is None:
        raise Invalid("not_yes_no", f"'{shown(raw)}' is not a yes/no answer (allowed: yes, no, true, false, 1, 0)")
    return matched == "true"


def _to_text(raw: Any) -> str:
    text = show(raw).strip()  # str.strip also trims non-breaking spaces
    if len(text) > MAX_TEXT:
        raise Invalid("too_long", f"'{shown(text)}' is longer than {MAX_TEXT:,} characters")
    hidden = invisible_character(text)
    if hidden:  # 'P100' and 'P100' with a zero-width space look the same and are two people
        raise Invalid("invisible_character", f"'{shown(text)}' contains the invisible character {hidden}")
    return text


def _unusable(raw: Any) -> Invalid | None:
    """Why a cell that is not text holds no usable value whatever its column, or None."""
    if isinstance(raw, FormulaWithoutValue):
        return Invalid("formula_without_value", f"the formula '{shown(raw.formula)}' has no saved value (the"
                       " workbook was saved by a program that did not calculate it: open and save it in Excel or"
                       " LibreOffice, then ingest it again)")
    if isinstance(raw, CellError):
        return Invalid("formula_error", f"the cell holds the spreadsheet error {shown(raw.code)}, not a value")
    if isinstance(raw, Unreadable):
        return Invalid("unreadable_value", f"'{shown(raw.text)}' cannot be read as a value ({raw.why})")
    if isinstance(raw, _CONTAINERS):
        return Invalid("unreadable_value", f"a {type(raw).__name__} value cannot be stored in a single cell")
    if not blank(raw) and not finite(raw):  # NaN is an empty number cell, infinity is not a value
        return Invalid("unreadable_value", f"'{shown(raw)}' is not a finite number")
    return None


def _damaged_text(raw: str) -> Invalid:
    control = control_character(raw)
    if control:
        return Invalid("control_character", f"'{shown(raw)}' contains the control character {control} (a damaged"
                       " export?)")
    return Invalid("unreadable_value", f"'{shown(raw)}' contains a broken character (a lone surrogate)")


def convert(col: schema.Column, raw: Any, today: dt.date) -> Any:
    """The stored value for one cell, or Invalid naming the rule it breaks. Empty cells become None."""
    if isinstance(raw, str):  # most cells: one regex for what no column accepts
        if SUSPECT.search(raw):
            raise _damaged_text(raw)
    elif raw is not None:
        bad = _unusable(raw)
        if bad is not None:
            raise bad
    if blank(raw):
        if col.required:
            raise Invalid("required", "value is missing (the column is required)")
        return None
    if col.kind == "string":
        return _to_text(raw)
    if col.kind == "enum":
        matched = aliases.match_value(col.domain, show(raw))
        if matched is None:
            raise Invalid(
                "not_allowed", f"'{shown(raw)}' is not an allowed value (allowed: {', '.join(col.allowed)})"
            )
        return matched
    if col.kind == "date":
        return _to_date(raw, today)
    if col.kind == "int":
        return _to_int(col, raw)
    if col.kind == "bool":
        return _to_bool(raw)
    raise AssertionError(f"column kind {col.kind!r} has no converter")
