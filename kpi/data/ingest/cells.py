"""Converting one cell to the contract's type. Each failure names its rule (listed in docs/data-contract.md)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from kpi.data import aliases, schema
from kpi.data.ingest.files import blank

_ISO_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?")
_UK_DATE = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})(?: \d{1,2}:\d{2}(?::\d{2})?)?")
_INT = re.compile(r"[+-]?\d+(?:\.0*)?")
_INT32_MAX = 2**31 - 1


class Invalid(Exception):
    def __init__(self, rule: str, text: str):
        super().__init__(text)
        self.rule, self.text = rule, text


def show(value: Any) -> str:
    if isinstance(value, dt.datetime):  # spreadsheet date cells arrive as midnight datetimes
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return "" if value is None else str(value)


def _to_date(raw: Any, today: dt.date) -> dt.date:
    if isinstance(raw, dt.datetime):
        day = raw.date()
    elif isinstance(raw, dt.date):
        day = raw
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
                "invalid_date", f"'{text}' is not a valid date (expected YYYY-MM-DD or DD/MM/YYYY)"
            ) from None
    if day < schema.EARLIEST_DATE:
        raise Invalid(
            "date_too_early", f"'{show(raw)}' is before {schema.EARLIEST_DATE.isoformat()}, the earliest date accepted"
        )
    if day > today:
        raise Invalid("future_date", f"'{show(raw)}' is in the future (today is {today.isoformat()})")
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
        if _INT.fullmatch(text):
            value = int(text.split(".")[0])
        elif col.name == "year":
            value = schema.parse_fy_label(text)  # exports print financial years as '2019-20'
    if value is None:
        if col.name == "year":
            raise Invalid("invalid_year", f"'{show(raw)}' is not a year (expected 2019 or 2019-20)")
        raise Invalid("not_whole_number", f"'{show(raw)}' is not a whole number")
    if col.minimum is not None and value < col.minimum:
        raise Invalid("out_of_range", f"'{show(raw)}' is below the minimum of {col.minimum}")
    if col.maximum is not None and value > col.maximum:
        raise Invalid("out_of_range", f"'{show(raw)}' is above the maximum of {col.maximum}")
    if value > _INT32_MAX:  # the stored columns are int32/int64; no real count comes near this
        raise Invalid("out_of_range", f"'{show(raw)}' is too large to be a count")
    return value


def _to_bool(raw: Any) -> bool:
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, (int, float)) and raw in (0, 1):
        return bool(raw)
    matched = aliases.match_value("bool", str(raw))
    if matched is None:
        raise Invalid("not_yes_no", f"'{show(raw)}' is not a yes/no answer (allowed: yes, no, true, false, 1, 0)")
    return matched == "true"


def convert(col: schema.Column, raw: Any, today: dt.date) -> Any:
    """The stored value for one cell, or Invalid naming the rule it breaks. Empty cells become None."""
    if blank(raw):
        if col.required:
            raise Invalid("required", "value is missing (the column is required)")
        return None
    if col.kind == "string":
        return show(raw).strip()
    if col.kind == "enum":
        matched = aliases.match_value(col.domain, show(raw))
        if matched is None:
            raise Invalid(
                "not_allowed", f"'{show(raw)}' is not an allowed value (allowed: {', '.join(col.allowed)})"
            )
        return matched
    if col.kind == "date":
        return _to_date(raw, today)
    if col.kind == "int":
        return _to_int(col, raw)
    if col.kind == "bool":
        return _to_bool(raw)
    raise AssertionError(f"column kind {col.kind!r} has no converter")
