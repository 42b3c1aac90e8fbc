"""What the baselines must compute: the figure sets (requests) behind a page's recorded api calls, and the pieces
both baselines share to turn raw counts into numerators and denominators."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from perf.record import Call

PEOPLE_KINDS_NOT_BENCHMARKED = ("people", "net_change", "growth_share")


@dataclass(frozen=True)
class Req:
    kind: str  # "khi", "coverage", "years", "schemes", "mix" (answers per scheme by arrangement, age band, need)
    metric: str = ""
    by: tuple = ()
    f: object = None


def _benchmark_req(k, by, f):
    """The benchmark kpi.metrics.api adds to a khi_table (see tables.with_benchmarks), or None. Modelled as the UK's
    for the same other filters; the England and nation benchmarks (one more query, by nation) are not modelled."""
    from kpi.metrics import api

    place = bool(f.areas or f.schemes) or any(b in api.PLACE_BREAKDOWNS for b in by)
    if k.kind in PEOPLE_KINDS_NOT_BENCHMARKED or (not place and not by) or k.table == "people_supported":
        return None  # people-supported benchmarks are the same tiny table again: counted once
    if place:
        return Req("khi", k.id, tuple(b for b in by if b not in api.PLACE_BREAKDOWNS), f.without_place())
    return Req("khi", k.id, (), f)


def requests_for(call: Call, years: list[int], con=None) -> list[Req]:
    from kpi.metrics import registry
    from kpi.data.queries import Filters

    kw = dict(call.kwargs)
    a = list(call.args)

    def arg(i, name, default):
        return a[i] if len(a) > i else kw.get(name, default)

    def khi(mid, by, f):
        by = (by,) if isinstance(by, str) else tuple(by)
        k = registry.get(mid)
        reqs = [Req("khi", mid, by, f)]
        bench = _benchmark_req(k, by, f)
        return reqs + ([bench] if bench else [])

    if call.name == "khi_table":
        return khi(arg(0, "metric_id", None), arg(1, "by", ()), arg(2, "filters", Filters()))
    if call.name == "khi_tables":
        by, f = arg(1, "by", ()), arg(2, "filters", Filters())
        return [r for m in arg(0, "metric_ids", ()) for r in khi(m, by, f)]
    if call.name == "khi_tables_many":
        return [r for ids, by, f in arg(0, "requests", ()) for m in ids for r in khi(m, by, f)]
    if call.name == "headline":
        f = arg(1, "filters", Filters())
        latest = max(f.years or years)
        out = [] if f.years else [Req("years")]
        for m in arg(0, "metric_ids", ()):
            out += khi(m, (), f.with_years([latest])) + khi(m, (), f.with_years([latest - 1]))
        return out
    if call.name == "trend":
        return khi(arg(0, "metric_id", None), ("year",), arg(1, "filters", Filters()))
    if call.name == "funnel":
        f = arg(1, "filters", Filters())
        return khi(arg(0, "metric_id", None), ("scheme",), f) + [Req("khi", arg(0, "metric_id", None), (),
                                                                      f.without_place())]
    if call.name == "profile":  # api.profile: the latest year by place, and every year to it by place and year
        ids, level, f = arg(0, "metric_ids", ()), arg(1, "level", "region"), arg(2, "filters", Filters())
        latest = max(f.years or years)
        out = [Req("years")]
        for m in ids:
            out += khi(m, (level,), f.with_years([latest]))
        for m in (m for m in ids if registry.get(m).share_of_people):
            out += khi(m, (level, "year"), f.with_years(y for y in years if y <= latest))
        return out
    if call.name == "similar_schemes":  # the schemes' mixes in the years in view (kpi.metrics.similar.profiles)
        return [Req("mix", f=Filters(years=arg(1, "filters", Filters()).years)), Req("schemes")]
    if call.name == "compare_with_similar":
        from dataclasses import replace

        mid, sid, f = arg(0, "metric_id", None), str(arg(1, "scheme_id", None)), arg(2, "filters", Filters())
        out = [Req("schemes"), Req("mix", f=Filters(years=f.years)),
               *khi(mid, ("scheme",), replace(f, areas=(), schemes=(sid,)))]
        if con is not None:  # the group pooled: its members as kpi finds them (the baselines do not rank schemes)
            from kpi.metrics import similar

            cur = con.cursor()
            try:
                members = tuple(similar.members(cur, sid, f, int(kw.get("k", similar.K_DEFAULT)))["scheme_id"])
            finally:
                cur.close()
            if members:
                out += khi(mid, (), replace(f, areas=(), schemes=members))
        return out
    if call.name in ("coverage", "years"):
        return [Req(call.name)]
    if call.name == "scheme_list":
        return [Req("schemes")]
    raise ValueError(f"no baseline for kpi.metrics.api.{call.name}")


def page_requests(calls: list[Call], years: list[int], con=None) -> list[Req]:
    """Every figure set a page's calls need, each once, in first-use order (con: to find a comparator group's
    members; without it the group's pooled figure is not asked of the baselines)."""
    seen: dict[Req, None] = {}
    for c in calls:
        for r in requests_for(c, years, con):
            seen.setdefault(r, None)
    return list(seen)


# Shared by both baselines

GROUPS = {  # breakdown -> (output column, raw column, from schemes?)
    "region": (("area_code", True),),
    "scheme": (("scheme_id", False), ("scheme_name", True), ("area_code", True)),
    "year": (("year", False),),
    "arrangement": (("arrangement", False),),
    "age_band": (("age_band", False),),
    "primary_need": (("primary_need", False),),
    "programme": (("programme", True),),
}
CHANGE_COLUMNS = ("person_id", "response_id", "completed_on", "friends_count", "impact_connected")


def group_cols(by) -> list[str]:
    cols = []
    for b in by:
        cols += [c for c, _ in GROUPS[b] if c not in cols]
    return cols


def needs_schemes(by, f) -> bool:
    return bool(f.areas or f.programmes) or any(s for b in by for _, s in GROUPS[b])


def raw_columns(reqs: list[Req]) -> list[str]:
    """The raw response columns a set of requests reads (what "only the needed columns" means)."""
    from kpi.metrics import registry

    cols = {"scheme_id", "fy"}
    for r in reqs:
        if r.kind == "coverage":
            cols |= {"completed_on", "person_id"}
        if r.kind == "mix":
            cols |= {"arrangement", "age_band", "primary_need"}
        if r.kind != "khi":
            continue
        k = registry.get(r.metric)
        if k.table == "people_supported":
            continue
        f = r.f
        cols |= {c for c, on in (("arrangement", f.arrangements), ("age_band", f.age_bands),
                                 ("primary_need", f.needs)) if on}
        cols |= {c for c in group_cols(r.by) if c in ("arrangement", "age_band", "primary_need")}
        if k.table == "change":
            cols |= set(CHANGE_COLUMNS) | {"arrangement", "age_band", "primary_need"}
        else:
            cols.add(k.source)
    return sorted(cols)


def finish(k, counts: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """counts (one column per answer, or change columns) -> group columns, numerator, denominator."""
    out = counts[keys].copy() if keys else pd.DataFrame(index=counts.index)
    if k.kind in ("proportion", "net"):
        num = sum(counts[a] for a in k.numerator)
        if k.kind == "net":
            num = counts["positive"] - counts["negative"]
        den = sum(counts[a] for a in k.denominator)
    elif k.kind == "paired_change":
        num, den = counts["connected_latest_only"] - counts["connected_first_only"], counts["connected_pairs"]
    else:
        num, den = sum(counts[c] for c in k.numerator), sum(counts[c] for c in k.denominator)
    out["numerator"], out["denominator"] = np.asarray(num, float), np.asarray(den, float)
    return out.reset_index(drop=True)

