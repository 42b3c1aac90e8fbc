"""Cell values as the readers hand them over: what counts as empty, the markers a reader leaves where a cell holds no
usable value, and how a value is shown in a message so that every character a person cannot see is made visible."""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from decimal import Decimal
from typing import Any


class Unreadable:
    """A cell the reader could not turn into a value (a 5,000-digit number, an out-of-range timestamp...)."""

    def __init__(self, text: str, why: str):
        self.text, self.why = text, why

    def __str__(self) -> str:
        return self.text


class FormulaWithoutValue:
    """An XLSX formula cell saved without its result (written by a program that never calculated it)."""

    def __init__(self, formula: str):
        self.formula = formula

    def __str__(self) -> str:
        return self.formula


class CellError:
    """An XLSX cell holding a spreadsheet error (#N/A, #DIV/0!, #REF!...) instead of a value."""

    def __init__(self, code: str):
        self.code = code

    def __str__(self) -> str:
        return self.code


MARKERS = (Unreadable, FormulaWithoutValue, CellError)


def blank(value: Any) -> bool:
    # NaN is how pandas-written Parquet says "empty" in a number column. A marker is never blank: it must be reported.
    return value is None or (isinstance(value, str) and not value.strip()) or (
        isinstance(value, float) and value != value
    )


def _number_text(value: int) -> str:
    try:
        return str(value)
    except ValueError:  # Python refuses to print ints over 4,300 digits
        return f"a number of about {int(value.bit_length() * math.log10(2)) + 1:,} digits"


def show(value: Any) -> str:
    """A value as text, as a spreadsheet would show it (a whole number cell is `12`, a date cell `2024-03-31`)."""
    if isinstance(value, dt.datetime):  # spreadsheet date cells arrive as midnight datetimes
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return _number_text(value)
    if isinstance(value, float) and value.is_integer():
        return _number_text(int(value))
    if isinstance(value, (bytes, bytearray)):
        return f"<{len(value)} bytes of binary data>"
    return "" if value is None else str(value)


def finite(value: Any) -> bool:
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, Decimal):
        return value.is_finite()
    return True


# Characters a person cannot see in a message or a cell: C0/C1 controls, and format characters (zero-width space,
# joiners, bidirectional overrides, a stray byte-order mark). Tab and line breaks are ordinary in free text.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")
SUSPECT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")  # either of the two above
_HIDDEN = re.compile(r"[\x00-\x1f\x7f-\x9f\ud800-\udfff\u00ad\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]")


def control_character(text: str) -> str | None:
    m = _CONTROL.search(text)
    return None if m is None else f"U+{ord(m.group()):04X}"


def invisible_character(text: str) -> str | None:
    """The first format character (Unicode category Cf: zero-width, bidi overrides...) in text, named."""
    if text.isascii():  # nearly every id and name: no character to look up
        return None
    for ch in text:
        if unicodedata.category(ch) == "Cf":
            return f"U+{ord(ch):04X} {unicodedata.name(ch, 'FORMAT CHARACTER')}"
    return None


def broken_character(text: str) -> bool:
    """A lone surrogate: text that cannot be written as UTF-8 (an XLSX `_xD800_` escape, for one)."""
    return _SURROGATE.search(text) is not None


def printable(text: str) -> str:
    """Text for a message: every invisible character as an escape a person can read (`\\x00`, `\\u200b`)."""
    def escape(m: re.Match) -> str:
        code = ord(m.group())
        named = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}.get(m.group())
        return named or (f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")

    text = _HIDDEN.sub(escape, text)
    return "".join(f"\\u{ord(c):04x}" if unicodedata.category(c) == "Cf" else c for c in text)


SHOWN_CHARS = 80


def shown(value: Any) -> str:
    """A value in a reason: printable and cut to SHOWN_CHARS (the quarantine file keeps the whole original)."""
    text = printable(show(value))
    if len(text) > SHOWN_CHARS:
        return f"{text[:SHOWN_CHARS]}... ({len(text):,} characters)"
    return text


def writable(value: Any) -> Any:
    """A value safe to write to a UTF-8 file: lone surrogates become U+FFFD. Everything else is left as it is."""
    if isinstance(value, str) and broken_character(value):
        return _SURROGATE.sub("\ufffd", value)
    if isinstance(value, MARKERS):
        return writable(str(value))
    return value
