"""Disclosure control, in one place, so every page, export and CLI table inherits the same rules.

Every public figure is computed from published counts: each count is perturbed by the cell key method first
(`kpi.metrics.perturb`, applied by `kpi.metrics.compute` with `protect=True`). This module then:

1. suppresses a row whose published denominator is below ``MIN_DENOMINATOR`` (10 unless the environment variable
   ``KHI_MIN_N`` says otherwise): no value, no interval, no count;
2. rounds what is shown to the precision people see on screen (`registry.round_shown`), so a table carries no
   more digits than the dashboard.

There is no secondary suppression and no rounding of counts to 5: with perturbed counts, a hidden cell worked out
as a total minus its visible parts comes out blurred by the noise of every count used, and the same cell always
gets the same noise, so asking again does not average it away (docs/statistics.md, "Disclosure control").

The module knows nothing about KHIs: it works on column names only.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

import numpy as np
import pandas as pd

from kpi.i18n import N_

__all__ = ["MIN_DENOMINATOR", "SUPPRESSED_TEXT", "PROTECTION_NOTE", "apply"]

# Marked for translation: shown as _(SUPPRESSED_TEXT), _(PROTECTION_NOTE) (kpi.i18n).
SUPPRESSED_TEXT = N_("too few answers to show")
# The one line every public output carries (footers, slides, CSV metadata).
PROTECTION_NOTE = N_("Figures are slightly adjusted to protect people's privacy")


TOTAL_ROUNDING = 100  # store totals (answers, people, rows set aside) outside the exact scopes


def round_total(n: int | None) -> int | None:
    """A store total as the public sees it: to the nearest hundred, so no exact count is given away by it (and the
    difference of two totals, a week apart, is no exact count of what came in)."""
    return None if n is None else int(round(n / TOTAL_ROUNDING) * TOTAL_ROUNDING)


def _min_denominator_from_env() -> int:
    raw = os.environ.get("KHI_MIN_N")
    if raw is None or raw.strip() == "":
        return 10
    try:
        value = int(raw)
    except ValueError:
        raise ValueError(f"KHI_MIN_N must be a whole number of at least 1; got {raw!r}.") from None
    if value < 1:
        raise ValueError(f"KHI_MIN_N must be a whole number of at least 1; got {raw!r}.")
    return value


# Read once, at import: one threshold for the whole process.
MIN_DENOMINATOR: int = _min_denominator_from_env()


def apply(
    table: pd.DataFrame,
    *,
    count_columns: Sequence[str] = ("numerator", "denominator"),
    value_columns: Sequence[str] = ("value", "lower", "upper"),
    denominator: str = "denominator",
    threshold=None,
) -> pd.DataFrame:
    """Return a copy of ``table`` with small rows suppressed.

    - ``suppressed`` (bool) and ``suppression`` ("primary" or "") columns are added;
    - a row with ``denominator`` below ``threshold`` (default :data:`MIN_DENOMINATOR`; one number, or one per row),
      or missing, is suppressed: every column in ``count_columns`` and ``value_columns`` becomes missing (names not in
      the table are skipped).

    The table's counts must already be the published (perturbed) ones. Works on arrays, not per column of pandas:
    a page applies it to dozens of small tables.
    """
    if denominator not in table.columns:
        raise ValueError(f"the table has no denominator column {denominator!r}.")
    out = table.copy()
    hidden = hidden_rows(out[denominator], MIN_DENOMINATOR if threshold is None else threshold)
    for column in dict.fromkeys([*count_columns, *value_columns]):
        if column in out.columns:
            out[column] = suppressed(out[column], hidden)
    out["suppressed"] = hidden
    out["suppression"] = np.where(hidden, "primary", "")
    return out


def hidden_rows(denominators, threshold) -> np.ndarray:
    """The rows `apply` suppresses: a denominator below the threshold (one, or one per row), or missing (its size
    cannot be vouched for)."""
    values = pd.to_numeric(pd.Series(denominators, copy=False), errors="coerce").to_numpy(dtype=float)
    return ~(values >= np.asarray(threshold, dtype=float))


def suppressed(column, hidden: np.ndarray):
    """A count or value column (a Series or an array) as an array with the hidden rows missing: NaN in a plain numeric
    column (made float), missing in any other."""
    if pd.api.types.is_numeric_dtype(column.dtype) and not pd.api.types.is_extension_array_dtype(column.dtype):
        return np.where(hidden, np.nan, np.asarray(column, dtype=float))
    return pd.Series(column, copy=False).mask(hidden).array
