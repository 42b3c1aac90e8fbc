"""Cells a spreadsheet must never run as a formula (CSV/formula injection, OWASP).

Scheme names and ids are free text from the schemes' own exports. A text cell that begins with `=`, `+`, `-`, `@`,
a tab or a carriage return is run as a formula by Excel, LibreOffice and Google Sheets when a CSV is opened, so
every CSV or workbook the product writes passes its text through `neutralise`: such a cell gets a leading
apostrophe (`'=HYPERLINK(...)` shows as the text it is). Numbers are left as numbers: only text is touched.
"""

from __future__ import annotations

import pandas as pd

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value):
    """The value as safe text: a text cell that a spreadsheet would run gets a leading apostrophe.

    A lone carriage return inside text also becomes a line feed: a CSV written with "\n" line ends would not quote
    it, and a reader would split the row there.
    """
    if not isinstance(value, str):
        return value
    safe = "'" + value if value.startswith(FORMULA_STARTS) else value
    return safe.replace("\r\n", "\n").replace("\r", "\n")


def neutralise_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy whose text columns (and text column names) are neutralised; numeric columns are untouched."""
    out = frame.copy()
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            out[col] = out[col].map(neutralise)
    out.columns = [neutralise(c) for c in out.columns]
    return out
