"""Disclosure control, in one place, so every page, export and CLI table inherits the same rules.

The rules (docs/statistics.md says them in plain words):

1. Primary suppression: a row whose denominator is below ``MIN_DENOMINATOR`` (10 unless the environment
   variable ``KHI_MIN_N`` says otherwise) shows no value, no interval and no count.
2. Secondary suppression: where a set of sibling rows has a published total and exactly one of them is hidden,
   the sibling with the next-smallest denominator is hidden too, so the hidden row cannot be worked out as
   the total minus the visible rows. Repeated until no sibling set has exactly one hidden row.
3. Public counts are rounded to the nearest 5 (halves up).

The module knows nothing about KHIs: it works on column names only.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

import numpy as np
import pandas as pd

__all__ = ["MIN_DENOMINATOR", "ROUND_TO", "SUPPRESSED_TEXT", "round_public", "apply"]

SUPPRESSED_TEXT = "too few answers to show"
ROUND_TO = 5


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


def round_public(counts):
    """Round counts to the nearest ``ROUND_TO`` (5), halves up (12.5 → 15); NaN stays NaN.

    Accepts a scalar, array or pandas Series and returns the same kind (floats, so NaN can be held).
    """
    if isinstance(counts, pd.Series):
        return (np.floor(counts.astype(float) / ROUND_TO + 0.5) * ROUND_TO).rename(counts.name)
    rounded = np.floor(np.asarray(counts, dtype=float) / ROUND_TO + 0.5) * ROUND_TO
    return rounded.item() if np.ndim(rounded) == 0 else rounded


def _margins(siblings) -> list[list[str]]:
    """``siblings`` is one list of column names, or several (one per published margin)."""
    if siblings is None:
        return []
    if isinstance(siblings, str):
        return [[siblings]]
    siblings = list(siblings)
    if siblings and all(isinstance(s, str) for s in siblings):
        return [siblings]
    if siblings and all(isinstance(s, Sequence) and not isinstance(s, str) for s in siblings):
        return [list(s) for s in siblings]
    if not siblings:
        return [[]]
    raise ValueError("siblings must be a list of column names, or a list of such lists (one per published total).")


def _secondary(table: pd.DataFrame, hidden: np.ndarray, denominators: np.ndarray, margins) -> np.ndarray:
    """Rows (by position) to hide in addition to ``hidden`` so no sibling set has exactly one hidden row."""
    current = hidden.copy()
    groupings = [
        list(table.groupby(columns, dropna=False, sort=False).indices.values()) if columns
        else [np.arange(len(table))]
        for columns in margins
    ]
    changed = True
    while changed:  # each pass only hides more rows, so this ends
        changed = False
        for groups in groupings:
            for rows in groups:
                if len(rows) < 2 or int(current[rows].sum()) != 1:
                    continue
                visible = rows[~current[rows]]
                # Next-smallest denominator: hiding it costs the least information. NaN sorts last.
                order = np.argsort(np.nan_to_num(denominators[visible], nan=np.inf), kind="stable")
                current[visible[order[0]]] = True
                changed = True
    return current & ~hidden


def apply(
    table: pd.DataFrame,
    *,
    siblings=None,
    count_columns: Sequence[str] = ("numerator", "denominator"),
    value_columns: Sequence[str] = ("value", "lower", "upper"),
    denominator: str = "denominator",
    threshold: int | None = None,
) -> pd.DataFrame:
    """Return a copy of ``table`` made safe to publish.

    - ``suppressed`` (bool) and ``suppression`` ("primary", "secondary" or "") columns are added;
    - a row with ``denominator`` below ``threshold`` (default :data:`MIN_DENOMINATOR`), or missing, is
      primary-suppressed: every column in ``count_columns`` and ``value_columns`` becomes missing (pass extra
      derived columns such as "benchmark_gap" in ``value_columns``; names not in the table are skipped);
    - ``siblings`` names the columns whose shared values make a set of sibling rows with a published total
      (e.g. the metric and every group column except the breakdown column). Within each set, if exactly one
      row is hidden, the visible sibling with the smallest denominator is hidden too ("secondary"). Pass a
      list of such lists when several totals are published (e.g. both margins of a region × year table); the
      rule is applied until it holds for all of them. ``None``: no secondary suppression (no total published).
      A set of one row cannot be protected here: its total must be suppressed by whoever publishes it;
    - the remaining ``count_columns`` are rounded to the nearest 5 (:func:`round_public`).

    Values and intervals are left as computed from the unrounded counts.
    """
    if denominator not in table.columns:
        raise ValueError(f"the table has no denominator column {denominator!r}.")
    limit = MIN_DENOMINATOR if threshold is None else threshold
    margins = _margins(siblings)
    for columns in margins:
        missing = [c for c in columns if c not in table.columns]
        if missing:
            raise ValueError(f"sibling columns not in the table: {', '.join(map(repr, missing))}.")

    out = table.copy()
    denominators = pd.to_numeric(out[denominator], errors="coerce").to_numpy(dtype=float)
    primary = ~(denominators >= limit)  # NaN denominators are hidden: their size cannot be vouched for
    secondary = _secondary(out, primary, denominators, margins) if margins else np.zeros(len(out), dtype=bool)
    hidden = primary | secondary

    for column in dict.fromkeys([*count_columns, *value_columns]):
        if column in out.columns:
            out[column] = out[column].mask(pd.Series(hidden, index=out.index))
    for column in count_columns:
        if column in out.columns:
            out[column] = round_public(pd.to_numeric(out[column], errors="coerce"))

    out["suppressed"] = hidden
    out["suppression"] = np.where(primary, "primary", np.where(secondary, "secondary", ""))
    return out
