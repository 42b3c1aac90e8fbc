"""Tables shaped for display on one page: which rows a chart shows, a people-facing table of outliers, one KHI
picked out of a stacked table. Display choices only: the figures themselves come from kpi.metrics.api unchanged."""

from __future__ import annotations

from typing import Sequence

import numpy as np
import pandas as pd

from kpi.data import schema
from kpi.i18n import N_, _
from kpi.metrics import registry
from kpi.render import places
from kpi.render.memo import column_arrays
from ui import state

DIFFERS = ("better", "worse", "higher", "lower")  # comparison words for a figure that differs from its benchmark


def pick(table: pd.DataFrame, ids: Sequence[str]) -> pd.DataFrame:
    """The rows of these KHIs from a stacked khi_tables result, in the order of `ids` (each KHI's rows in the
    table's order). One positional take, not a filter and a concat per KHI (that was ~10 ms a call on every page)."""
    ids = list(ids)
    if len(set(ids)) != len(ids):  # a KHI asked for twice appears twice
        return pd.concat([table[table["metric_id"] == m] for m in ids], ignore_index=True)
    rank = table["metric_id"].map({m: i for i, m in enumerate(ids)}).to_numpy(dtype="float64", na_value=np.nan)
    rows = np.flatnonzero(~np.isnan(rank))
    rows = rows[np.argsort(rank[rows], kind="stable")]
    return table.iloc[rows].reset_index(drop=True)


def records(table: pd.DataFrame) -> list[dict]:
    """`table.to_dict("records")` (a missing whole number as None, like it), at about a fifth of its cost: pandas
    boxes every cell through its own machinery, and the cards and the overview ask for it on every view."""
    names = list(table.columns)
    if len(set(names)) != len(names):
        return table.to_dict("records")
    columns = [a.to_numpy(dtype=object, na_value=None).tolist() if hasattr(a, "_mask") else a.tolist()
               for a in column_arrays(table)]
    return [dict(zip(names, row)) for row in zip(*columns)]


def value_shown(table: pd.DataFrame, metric_id: str) -> float | None:
    """One KHI's figure in a one-row-per-KHI table, or None when it is suppressed."""
    at = int(np.flatnonzero(table["metric_id"].to_numpy(dtype=object) == metric_id)[0])  # IndexError when absent
    return None if table["suppressed"].iloc[at] else float(table["value"].iloc[at])


def nothing_shown(table: pd.DataFrame) -> bool:
    """True when a view has no figure to show: no rows, or every row suppressed (too few answers) or empty."""
    if table.empty:
        return True
    hidden = places.suppressed(table)
    if "value" in table:
        hidden = hidden | table["value"].isna()
    return bool(hidden.all())


def differing(table: pd.DataFrame) -> pd.DataFrame:
    """The rows that differ from the benchmark (better, worse, higher or lower)."""
    return table[table["comparison"].isin(DIFFERS)]


def funnel_outliers(funnel: pd.DataFrame, k: registry.KHI) -> pd.DataFrame:
    """The schemes outside the 99.8% funnel limits, as a table for people (above first, then by figure)."""
    out = funnel[funnel["funnel_position_998"].isin(["above", "below"])].sort_values(
        ["funnel_position_998", "value"], ascending=[True, False])
    sits = {"above": _("above the 99.8% limit"), "below": _("below the 99.8% limit")}
    return pd.DataFrame({
        _("Scheme"): out["scheme_name"],
        _("Area"): _area_names(out),
        _("Figure"): [registry.format_value(k, v) for v in out["value"]],
        _("Number of answers (n)"): [f"{n:,.0f}" for n in out["denominator"]],
        _("Where it sits"): [sits[p] for p in out["funnel_position_998"]],
    })


def _area_names(table: pd.DataFrame) -> list[str]:
    """The area of each row in the page's language (by its code when the table has one)."""
    if "area_code" in table:
        return [state.area_label(str(c)) if c in schema.AREAS or c == schema.ENGLAND else str(n)
                for c, n in zip(table["area_code"], table["area_name"])]
    return table["area_name"].astype(str).tolist()


def funnel_side(k: registry.KHI) -> str:
    """Which side of the funnel limits is better, in words."""
    return {"high_is_good": _("Above the limit is better for this measure."),
            "low_is_good": _("Below the limit is better for this measure.")}.get(
        k.direction, _("This measure has no better or worse direction."))


def status_names(table: pd.DataFrame, status: str) -> str:
    """The areas with this growth status, shown ones only, as a list in words ('none' when there are none)."""
    names = _area_names(table.loc[(table["status"] == status) & ~table["suppressed"]])
    return ", ".join(names) if names else _("none")


def with_status(table: pd.DataFrame, growth: pd.DataFrame) -> pd.DataFrame:
    """`table` with each area's growth status beside it (for the words on its bars)."""
    return table.merge(growth[["area_code", "status"]], on="area_code", how="left")


ASCOF_FIGURE = N_("As much social contact as they would like (%)")


def ascof_latest(ascof: pd.DataFrame, area_code: str) -> pd.Series | None:
    """An area's latest ASCOF row (financial_year, outcome_pct), or None when it has none."""
    rows = ascof[ascof["area_code"] == area_code].sort_values("financial_year")
    return None if rows.empty else rows.iloc[-1]


def ascof_table(ascof: pd.DataFrame, area_codes: Sequence[str]) -> pd.DataFrame:
    """The ASCOF figures of these areas as a table for people."""
    shown = ascof[ascof["area_code"].isin(area_codes)]
    shown = shown.assign(area_name=_area_names(shown)).rename(columns={
        "financial_year": _("Year"), "area_name": _("Area"), "outcome_pct": _(ASCOF_FIGURE)})
    return shown[[_("Year"), _("Area"), _(ASCOF_FIGURE)]]


def english_regions(areas: Sequence[str]) -> list[str]:
    """The English regions among the chosen areas, in order."""
    return [a for a in areas if a in schema.ENGLISH_REGIONS]


# The scheme against its similar schemes, and against the benchmark: one whole phrase per comparison word.
_AGAINST_SIMILAR = {"better": N_("better than its {n} similar schemes"),
                    "worse": N_("worse than its {n} similar schemes"),
                    "higher": N_("higher than its {n} similar schemes"),
                    "lower": N_("lower than its {n} similar schemes"),
                    "similar": N_("similar to its {n} similar schemes")}
_NOT_AGAINST_SIMILAR = N_("not compared with its {n} similar schemes")
_AGAINST_BENCHMARK = {"better": N_("better than {benchmark}"), "worse": N_("worse than {benchmark}"),
                      "higher": N_("higher than {benchmark}"), "lower": N_("lower than {benchmark}"),
                      "similar": N_("similar to {benchmark}")}
_NOT_AGAINST_BENCHMARK = N_("not compared with {benchmark}")


# Comparison and growth words kept in English in the tables (code compares them), shown in the page's language.
WORDS = {"better": N_("better"), "worse": N_("worse"), "higher": N_("higher"), "lower": N_("lower"),
         "similar": N_("similar"), "not compared": N_("not compared"), "growing": N_("growing"), "flat": N_("flat"),
         "falling": N_("falling")}


def word(value: str) -> str:
    """A comparison or growth word from a table, in the page's language (anything else as it is)."""
    return _(WORDS[value]) if value in WORDS else value


def compared_with(comparison: str, benchmark: str) -> str:
    """'better than England', 'similar to the UK'; the word alone when the benchmark is unnamed."""
    if not benchmark:
        return word(comparison)
    if comparison in _AGAINST_BENCHMARK:
        return _(_AGAINST_BENCHMARK[comparison]).format(benchmark=benchmark)
    return f"{word(comparison)} than {benchmark}"


def similar_group_table(group: pd.DataFrame) -> pd.DataFrame:
    """A comparator group for people: nearest first, the scheme's name (or only its area, when the viewer may not
    see it) and its area; how far each is, for those who see every figure exactly."""
    out = pd.DataFrame({_("Nearest"): group["rank"], _("Scheme"): group["scheme_name"],
                        _("Area"): _area_names(group)})
    if "distance" in group:
        out[_("Distance (standardised)")] = group["distance"].map(lambda d: f"{d:.2f}")
    return out


def similar_title(both: pd.DataFrame, benchmark: str | None = None) -> str:
    """The finding of compare_with_similar in words: the scheme against its similar schemes and the benchmark
    (default: "the national figure")."""
    benchmark = _("the national figure") if benchmark is None else benchmark
    mine = both.iloc[0]
    title = f"{mine['metric_title']}: {mine['scheme_name']}"
    if len(both) < 2:
        return _("{title} has no similar schemes to compare with").format(title=title)
    if bool(mine["suppressed"]):
        return _("{title}: too few answers to compare").format(title=title)
    w = str(mine["compared_with_similar"])
    similar = _(_AGAINST_SIMILAR.get(w, _NOT_AGAINST_SIMILAR)).format(n=int(mine["similar_schemes"]))
    w = str(mine["comparison"])
    against = _(_AGAINST_BENCHMARK.get(w, _NOT_AGAINST_BENCHMARK)).format(benchmark=benchmark)
    return _("{title} was {against_similar}, and {against_benchmark}").format(
        title=title, against_similar=similar, against_benchmark=against)
