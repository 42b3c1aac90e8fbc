"""Tables shaped for display on one page: which rows a chart shows, a people-facing table of outliers, one KHI
picked out of a stacked table. Display choices only: the figures themselves come from kpi.metrics.api unchanged."""

from __future__ import annotations

from typing import Sequence

import pandas as pd

from kpi.data import schema
from kpi.metrics import registry
from kpi.render import places

DIFFERS = ("better", "worse", "higher", "lower")  # comparison words for a figure that differs from its benchmark


def pick(table: pd.DataFrame, ids: Sequence[str]) -> pd.DataFrame:
    """The rows of these KHIs from a stacked khi_tables result, in the order of `ids`."""
    return pd.concat([table[table["metric_id"] == m] for m in ids], ignore_index=True)


def value_shown(table: pd.DataFrame, metric_id: str) -> float | None:
    """One KHI's figure in a one-row-per-KHI table, or None when it is suppressed."""
    row = table[table["metric_id"] == metric_id].iloc[0]
    return None if row["suppressed"] else float(row["value"])


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
    return pd.DataFrame({
        "Scheme": out["scheme_name"],
        "Area": out["area_name"],
        "Figure": [registry.format_value(k, v) for v in out["value"]],
        "Number of answers (n)": [f"{n:,.0f}" for n in out["denominator"]],
        "Where it sits": [f"{p} the 99.8% limit" for p in out["funnel_position_998"]],
    })


def funnel_side(k: registry.KHI) -> str:
    """Which side of the funnel limits is better, in words."""
    return {"high_is_good": "Above the limit is better for this measure.",
            "low_is_good": "Below the limit is better for this measure."}.get(
        k.direction, "This measure has no better or worse direction.")


def status_names(table: pd.DataFrame, status: str) -> str:
    """The areas with this growth status, shown ones only, as a list in words ('none' when there are none)."""
    names = table.loc[(table["status"] == status) & ~table["suppressed"], "area_name"].tolist()
    return ", ".join(names) if names else "none"


def with_status(table: pd.DataFrame, growth: pd.DataFrame) -> pd.DataFrame:
    """`table` with each area's growth status beside it (for the words on its bars)."""
    return table.merge(growth[["area_code", "status"]], on="area_code", how="left")


ASCOF_FIGURE = "As much social contact as they would like (%)"


def ascof_latest(ascof: pd.DataFrame, area_code: str) -> pd.Series | None:
    """An area's latest ASCOF row (financial_year, outcome_pct), or None when it has none."""
    rows = ascof[ascof["area_code"] == area_code].sort_values("financial_year")
    return None if rows.empty else rows.iloc[-1]


def ascof_table(ascof: pd.DataFrame, area_codes: Sequence[str]) -> pd.DataFrame:
    """The ASCOF figures of these areas as a table for people."""
    shown = ascof[ascof["area_code"].isin(area_codes)].rename(columns={
        "financial_year": "Year", "area_name": "Area", "outcome_pct": ASCOF_FIGURE})
    return shown[["Year", "Area", ASCOF_FIGURE]]


def english_regions(areas: Sequence[str]) -> list[str]:
    """The English regions among the chosen areas, in order."""
    return [a for a in areas if a in schema.ENGLISH_REGIONS]


_AGAINST = {"better": "better than", "worse": "worse than", "higher": "higher than", "lower": "lower than",
            "similar": "similar to"}


def similar_group_table(group: pd.DataFrame) -> pd.DataFrame:
    """A comparator group for people: nearest first, the scheme's name (or only its area, when the viewer may not
    see it) and its area; how far each is, for those who see every figure exactly."""
    out = pd.DataFrame({"Nearest": group["rank"], "Scheme": group["scheme_name"], "Area": group["area_name"]})
    if "distance" in group:
        out["Distance (standardised)"] = group["distance"].map(lambda d: f"{d:.2f}")
    return out


def similar_title(both: pd.DataFrame, benchmark: str = "the national figure") -> str:
    """The finding of compare_with_similar in words: the scheme against its similar schemes and the benchmark."""
    mine = both.iloc[0]
    title = f"{mine['metric_title']}: {mine['scheme_name']}"
    if len(both) < 2:
        return f"{title} has no similar schemes to compare with"
    if bool(mine["suppressed"]):
        return f"{title}: too few answers to compare"
    group = f"its {int(mine['similar_schemes'])} similar schemes"
    parts = [f"{_AGAINST[w]} {group}" if (w := str(mine["compared_with_similar"])) in _AGAINST
             else f"not compared with {group}"]
    w = str(mine["comparison"])
    parts.append(f"{_AGAINST[w]} {benchmark}" if w in _AGAINST else f"not compared with {benchmark}")
    return f"{title} was " + ", and ".join(parts)
