"""Agreement: a baseline's figures checked against kpi.metrics.api's exact ones (an analyst's scope: no
perturbation, no suppression)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from perf.figures import Req


def check_agreement(con, req: Req, got, data_dir=None) -> str | None:
    """None when the baseline's figures equal kpi.metrics.api's exact ones; else a sentence saying what differs.

    data_dir: the store `con` reads (coverage() takes people and dates from its manifest).
    """
    from kpi.metrics import api, registry
    from kpi.metrics.scope import Scope
    from kpi.data import queries

    if req.kind == "years":
        ours = api.years(con=con)
        return None if list(got) == ours else f"years {got} != {ours}"
    if req.kind == "schemes":
        return None if len(got) == len(api.scheme_list(scope=Scope.analyst(), con=con)) else "scheme count differs"
    if req.kind == "coverage":
        ours = api.coverage(scope=Scope.analyst(), con=con, data_dir=data_dir)
        bad = [key for key in ("responses", "people") if int(ours[key]) != int(got[key])]
        bad += [key for key in ("first_date", "last_date") if pd.Timestamp(ours[key]) != pd.Timestamp(got[key])]
        return None if not bad else f"coverage differs in {bad}"
    if req.kind == "mix":  # answers per scheme in each category of each block, as kpi.metrics.similar reads them
        cur = con.cursor()
        try:
            ours = queries.scheme_mix(cur, req.f)
        finally:
            cur.close()
        for block in ("arrangement", "age_band", "primary_need"):
            mine = ours[ours["block"] == block]
            a = {(str(s), None if pd.isna(c) else c): int(n)
                 for s, c, n in zip(mine["scheme_id"], mine["category"], mine["responses"])}
            g = got.groupby(["scheme_id", block], dropna=False)["responses"].sum()
            b = {(str(s), None if pd.isna(c) else c): int(n) for (s, c), n in g.items()}
            if a != b:
                return f"scheme mix by {block} differs"
        return None
    k = registry.get(req.metric)
    ours = api.khi_table(req.metric, req.by, req.f, scope=Scope.analyst(), con=con)
    if k.table == "people_supported":
        if "year" in req.by:
            return None  # the series merges each year with the one before; its totals are checked below per year
        if ours.empty:
            return "people supported: kpi.metrics.api returned no rows"
        # the period kpi chose (filter years, else all years) is in its table; the totals at both ends must agree
        start, end = int(ours["period_start"].min()), int(ours["period_end"].max())
        end_total = float(got.loc[got["year"] == end, "people"].sum())
        start_total = float(got.loc[got["year"] == start, "people"].sum())
        if abs(end_total - float(ours["people_end"].sum())) > 0.5 or abs(
                start_total - float(ours["people_start"].sum())) > 0.5:
            return f"people supported totals differ ({end_total} vs {ours['people_end'].sum()})"
        return None
    keys = queries.group_columns(req.by)
    cols = ["denominator", "value"] if k.kind == "median" else ["numerator", "denominator"]
    a = ours[[*keys, *cols]].copy()
    b = got[[*keys, *cols]].copy()
    for df in (a, b):
        for c in cols:
            df[c] = pd.to_numeric(df[c], errors="coerce").astype(float)
        for c in keys:
            df[c] = df[c].astype(object).where(df[c].notna(), None).map(lambda v: v if v is None else str(v))
    a = a[a["denominator"] > 0]
    b = b[b["denominator"] > 0]
    if keys:
        m = a.merge(b, on=keys, how="outer", suffixes=("_ours", "_base"))
    else:
        m = pd.DataFrame({f"{c}_ours": a[c].to_numpy()[:1] for c in cols} | {f"{c}_base": b[c].to_numpy()[:1]
                                                                           for c in cols})
    for c in cols:
        if not np.allclose(m[f"{c}_ours"].to_numpy(float), m[f"{c}_base"].to_numpy(float), equal_nan=True,
                           rtol=1e-9, atol=1e-6):
            return f"{req.metric} by {req.by}: {c} differs in {len(m)} groups"
    return None

