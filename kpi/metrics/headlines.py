"""The headline row of each KHI (`api.headline`): the latest year in view, the year before, the change and its
significance, from the KHIs' table by year."""

from __future__ import annotations

from typing import Sequence

import numpy as np
import pandas as pd

from kpi.data import schema
from kpi.metrics import registry, stats
from kpi.metrics.tables import change_words


def headline_rows(metric_ids: Sequence[str], latest: int, public_all: pd.DataFrame, published_all: pd.DataFrame,
                  confidence: float, programmes: tuple[str, ...]) -> pd.DataFrame:
    """`api.headline`'s rows from the KHIs' table by year as shown (`public_all`) and the figures its change tests
    use (`published_all`: published counts outside the exact scopes)."""
    # Rows by (KHI, year) in one pass each: per-KHI pandas filtering cost more than the queries.
    shown = {(r["metric_id"], int(r["year"])): r for r in public_all.to_dict("records")}
    counts = {(r["metric_id"], int(r["year"])): r
              for r in published_all[["metric_id", "year", "numerator", "denominator"]].to_dict("records")}
    rows = []
    for mid in metric_ids:
        k = registry.get(mid)
        if (mid, latest) not in shown:  # no answers at all in the latest year
            continue
        now, before = shown[mid, latest], shown.get((mid, latest - 1))
        row = {key: value for key, value in now.items() if key != "year"}
        before_hidden = before is None or bool(before["suppressed"])
        row.update(year=latest, year_label=schema.fy_label(latest),
                   previous_value=np.nan if before_hidden else before["value"],
                   change=np.nan, change_lower=np.nan, change_upper=np.nan, change_significance="not tested")
        if not (now["suppressed"] or before_hidden):
            if k.share_of_people:
                a, b = counts[mid, latest], counts[mid, latest - 1]
                d, lo, hi = stats.difference_interval(
                    float(a["numerator"]), float(a["denominator"]), float(b["numerator"]), float(b["denominator"]),
                    confidence=confidence,
                )
                # Shown to one decimal place, as on screen; the significance uses the unrounded interval.
                row.update(change=round(d * 100, 1), change_lower=round(lo * 100, 1), change_upper=round(hi * 100, 1),
                           change_significance=change_words(lo, hi, k.direction))
            else:
                row["change"] = row["value"] - row["previous_value"]
        row["sentence"] = registry.sentence(k, None if row["suppressed"] else row["value"],
                                            programmes=programmes)
        row["metric_id"] = mid
        rows.append(row)
    return pd.DataFrame(rows)
