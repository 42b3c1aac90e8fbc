"""Converting one cell to the contract's type. Each failure names its rule (listed in docs/data-contract.md).

A value that cannot be converted is never a traceback: it is `Invalid` with a rule, and its row is quarantined.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from kpi.data import aliases, schema
from kpi.data.said import Said
from kpi.i18n import N_
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
    def __init__(self, rule: str, text: str):  # text: a `Said`, so the upload page can show it in Welsh
        super().__init__(text)
        self.rule, self.text = rule, text


def _to_date(raw: Any, today: dt.date) -> dt.date:
    if isinstance(raw, dt.datetime):
        day = raw.date()
    elif isinstance(raw, dt.date):
        day = raw
    elif isinstance(raw, (int, float)) and not isinstance(raw, bool):
        # Never guessed: 45292 may be an Excel serial (1900 or 1904 system), a Unix time, or a typo.
        raise Invalid("invalid_date", Said(N_("'{value}' is a number, not a date (an Excel date serial? format the"
                                              " column as dates, or write YYYY-MM-DD)"), value=shown(raw)))
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
            raise Invalid("invalid_date", Said(N_("'{value}' is not a valid date (expected YYYY-MM-DD or DD/MM/YYYY)"),
                                               value=shown(text))) from None
    if day < schema.EARLIEST_DATE:
        raise Invalid("date_too_early", Said(N_("'{value}' is before {earliest}, the earliest date accepted"),
                                             value=shown(raw), earliest=schema.EARLIEST_DATE.isoformat()))
    if day > today:
        raise Invalid("future_date", Said(N_("'{value}' is in the future (today is {today})"), value=shown(raw),
                                          today=today.isoformat()))
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
            raise Invalid("invalid_year", Said(N_("'{value}' is not a year (expected 2019 or 2019-20)"),
                                               value=shown(raw)))
        raise Invalid("not_whole_number", Said(N_("'{value}' is not a whole number"), value=shown(raw)))
    if col.minimum is not None and value < col.minimum:
        raise Invalid("out_of_range", Said(N_("'{value}' is below the minimum of {minimum}"), value=shown(raw),
                                           minimum=col.minimum))
    if col.maximum is not None and value > col.maximum:
        raise Invalid("out_of_range", Said(N_("'{value}' is above the maximum of {maximum}"), value=shown(raw),
                                           maximum=col.maximum))
    if value > _INT32_MAX:  # the stored columns are int32/int64; no real count comes near this
        raise Invalid("out_of_range", Said(N_("'{value}' is too large to be a count"), value=shown(raw)))
    return value


def _to_bool(raw: Any) -> bool:
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, (int, float)) and raw in (0, 1):
        return bool(raw)
    matched = aliases.match_value("bool", str(raw))
    if matched is None:
        raise Invalid("not_yes_no", Said(N_("'{value}' is not a yes/no answer (allowed: yes, no, true, false, 1, 0)"),
                                         value=shown(raw)))
    return matched == "true"


def _to_text(raw: Any) -> str:
    text = show(raw).strip()  # str.strip also trims non-breaking spaces
    if len(text) > MAX_TEXT:
        raise Invalid("too_long", Said(N_("'{value}' is longer than {limit:,} characters"), value=shown(text),
                                       limit=MAX_TEXT))
    hidden = invisible_character(text)
    if hidden:  # 'P100' and 'P100' with a zero-width space look the same and are two people
        raise Invalid("invisible_character", Said(N_("'{value}' contains the invisible character {character}"),
                                                  value=shown(text), character=hidden))
    return text


def _unusable(raw: Any) -> Invalid | None:
    """Why a cell that is not text holds no usable value whatever its column, or None."""
    if isinstance(raw, FormulaWithoutValue):
        return Invalid("formula_without_value", Said(N_(
            "the formula '{formula}' has no saved value (the workbook was saved by a program that did not calculate"
            " it: open and save it in Excel or LibreOffice, then ingest it again)"), formula=shown(raw.formula)))
    if isinstance(raw, CellError):
        return Invalid("formula_error", Said(N_("the cell holds the spreadsheet error {code}, not a value"),
                                             code=shown(raw.code)))
    if isinstance(raw, Unreadable):
        return Invalid("unreadable_value", Said(N_("'{value}' cannot be read as a value ({why})"),
                                                value=shown(raw.text), why=raw.why))
    if isinstance(raw, _CONTAINERS):
        return Invalid("unreadable_value", Said(N_("a {kind} value cannot be stored in a single cell"),
                                                kind=type(raw).__name__))
    if not blank(raw) and not finite(raw):  # NaN is an empty number cell, infinity is not a value
        return Invalid("unreadable_value", Said(N_("'{value}' is not a finite number"), value=shown(raw)))
    return None


def _damaged_text(raw: str) -> Invalid:
    control = control_character(raw)
    if control:
        return Invalid("control_character", Said(N_("'{value}' contains the control character {character} (a"
                                                    " damaged export?)"), value=shown(raw), character=control))
    return Invalid("unreadable_value", Said(N_("'{value}' contains a broken character (a lone surrogate)"),
                                            value=shown(raw)))


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
            raise Invalid("required", Said(N_("value is missing (the column is required)")))
        return None
    if col.kind == "string":
        return _to_text(raw)
    if col.kind == "enum":
        matched = aliases.match_value(col.domain, show(raw))
        if matched is None:
            raise Invalid("not_allowed", Said(N_("'{value}' is not an allowed value (allowed: {allowed})"),
                                              value=shown(raw), allowed=", ".join(col.allowed)))
        return matched
    if col.kind == "date":
        return _to_date(raw, today)
    if col.kind == "int":
        return _to_int(col, raw)
    if col.kind == "bool":
        return _to_bool(raw)
    raise AssertionError(f"column kind {col.kind!r} has no converter")
