"""Figures for KHIs from the store's aggregates: counts summed by the breakdown, then the statistics.

KHIs that read the same aggregate share one query: a page's figures cost one scan per aggregate table.
With `protect` (every public output), each count is first replaced by its published count (cell key perturbation,
`kpi.metrics.perturb`) and every figure — percentage, interval, comparison — is computed from those; without it the
figures are exact (for tests and, later, entitled users). `kpi.metrics.tables` labels them and suppresses small ones.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
import pandas as pd

from kpi.data import queries, schema
from kpi.data.queries import Filters
from kpi.metrics import perturb, registry, stats
from kpi.metrics.counts import Counts
from kpi.metrics.registry import KHI


def _proportion(num, den, confidence):
    num, den = np.asarray(num, float), np.asarray(den, float)
    ok = den > 0
    value = np.full(num.shape, np.nan)
    lower, upper = value.copy(), value.copy()
    if ok.any():
        value[ok] = num[ok] / den[ok]
        lo, hi = stats.wilson_interval(num[ok], den[ok], confidence)
        lower[ok], upper[ok] = lo, hi
    return value * 100, lower * 100, upper * 100


_GROUP_NAMES = frozenset(queries.group_columns(tuple(queries.BREAKDOWNS)))  # columns that label, not count


def _counter(col: dict[str, np.ndarray], protect: bool):
    """count(names): the sum of count columns — with `protect`, perturbed by the cell key of the records summed."""
    def count(names) -> np.ndarray:
        total = sum(col[n] for n in names)
        if not protect:
            return total
        return perturb.perturb(total, sum(col[queries.key_column(n)] for n in names))
    return count


def _columns(counts: pd.DataFrame) -> dict[str, np.ndarray]:
    """The count columns of a query result as float arrays, converted once for all the KHIs that read them."""
    names = [c for c in counts.columns if c not in _GROUP_NAMES]
    values = counts[names].to_numpy(dtype=float).T.copy() if names else np.empty((0, len(counts)))  # one copy
    return dict(zip(names, values))


def _from_cube(k: KHI, col: dict[str, np.ndarray], confidence: float, protect: bool = False) -> dict[str, np.ndarray]:
    """numerator, denominator, value, lower, upper (display units) per row of summed counts, as arrays.

    Plain arrays, not a DataFrame: pandas costs per operation, and a page computes dozens of these.
    """
    count = _counter(col, protect)
    num_cols, den_cols = _count_columns(k)
    den = count(den_cols)
    if k.share_of_people:
        num = np.minimum(count(num_cols), den)  # each count is perturbed apart: keep the part within the whole
        value, lower, upper = _proportion(num, den, confidence)
        return dict(numerator=num, denominator=den, value=value, lower=lower, upper=upper)
    if k.kind == "net":
        pos, neg = (count([queries.cube_column(k.source, a)]) for a in ("positive", "negative"))
        den = np.maximum(den, pos + neg)
        value, lower, upper = _vector(stats.net_impact_interval, den, pos, neg, den, confidence=confidence)
        return dict(numerator=pos - neg, denominator=den, value=value * 100, lower=lower * 100, upper=upper * 100)
    if k.kind == "mean_change":
        # A mean is not a count: it is computed from the answers and shown rounded; its n is the published count,
        # and the sum behind it is not published (with n it would give the exact mean).
        n, total = col["friends_pairs"], col["friends_change_sum"]
        value, lower, upper = _vector(stats.mean_interval, n, n, total, col["friends_change_sumsq"],
                                      confidence=confidence, min_n=2)
        return dict(numerator=np.full(n.shape, np.nan) if protect else total, denominator=den, value=value,
                    lower=lower, upper=upper)
    if k.kind == "paired_change":
        both, first_only, latest_only, neither = (count([c]) for c in (
            "connected_both", "connected_first_only", "connected_latest_only", "connected_neither"))
        den = both + first_only + latest_only + neither
        value, lower, upper = _vector(stats.paired_difference_interval, den, both, first_only, latest_only,
                                      neither, confidence=confidence)
        return dict(numerator=latest_only - first_only, denominator=den, value=value * 100, lower=lower * 100,
                    upper=upper * 100)
    raise ValueError(f"KHI {k.id!r}: kind {k.kind!r} is not computed from response counts")


def _count_columns(k: KHI) -> tuple[list[str], list[str]]:
    """The count columns a KHI's numerator and denominator sum."""
    if k.kind in ("proportion", "net"):
        return ([queries.cube_column(k.source, a) for a in k.numerator],
                [queries.cube_column(k.source, a) for a in k.denominator])
    return list(k.numerator), list(k.denominator)  # change-table kinds name their count columns directly


def _shares(ks: Sequence[KHI], col: dict[str, np.ndarray], confidence: float, protect: bool) -> dict[str, dict]:
    """`_from_cube` of several share-of-people KHIs at once: their counts summed KHI by KHI as there, then published
    and turned into percentages and intervals as one matrix (one row per KHI): the same arithmetic element by
    element, without a call per KHI."""
    columns = [_count_columns(k) for k in ks]
    def totals(names_of, key):  # one row per KHI, as `_counter` sums it
        return np.array([sum(col[key(n)] for n in names) for names in names_of], dtype=float)
    num, den = (totals([c[i] for c in columns], lambda n: n) for i in (0, 1))
    if protect:
        num, den = (perturb.perturb(x, totals([c[i] for c in columns], queries.key_column))
                    for i, x in ((0, num), (1, den)))
    num = np.minimum(num, den)  # each count is perturbed apart: keep the part within the whole
    value, lower, upper = _proportion(num, den, confidence)
    return {k.id: dict(numerator=num[i], denominator=den[i], value=value[i], lower=lower[i], upper=upper[i])
            for i, k in enumerate(ks)}


def _vector(fn, den, *args, confidence, min_n=1):
    """Call a stats function on the rows that have data; NaN elsewhere (suppression hides them anyway)."""
    den = np.asarray(den, float)
    ok = den >= min_n
    shape = den.shape
    value, lower, upper = (np.full(shape, np.nan) for _ in range(3))
    if ok.any():
        v, lo, hi = fn(*(np.asarray(a, float)[ok] for a in args), confidence=confidence)
        value[ok], lower[ok], upper[ok] = v, lo, hi
    return value, lower, upper


def _median_rows(hist: pd.DataFrame, group_cols: list[str], confidence: float, protect: bool) -> pd.DataFrame:
    """The median and its interval per group, from the friends-count histogram; n protected with `protect`."""
    rows = []
    groups = hist.groupby(group_cols, dropna=False, sort=True) if group_cols else [((), hist)]
    for key, part in groups:
        key = key if isinstance(key, tuple) else (key,)
        part = part.sort_values("friends_count")
        n = float(part["n"].sum())
        if n <= 0:  # a view with no answers (a whole-view row is made even then): no median, not an error
            rows.append({**dict(zip(group_cols, key)), "numerator": np.nan, "denominator": 0.0,
                         "value": np.nan, "lower": np.nan, "upper": np.nan})
            continue
        if protect:
            n = float(perturb.perturb([n], [part["n__key"].sum()])[0])
        med, lo, hi = stats.median_interval(part["friends_count"].to_numpy(float), part["n"].to_numpy(float),
                                            confidence=confidence)
        rows.append({**dict(zip(group_cols, key)), "numerator": np.nan, "denominator": n,
                     "value": med, "lower": lo, "upper": hi})
    return pd.DataFrame(rows, columns=[*group_cols, "numerator", "denominator", "value", "lower", "upper"])


def _groups(counts: pd.DataFrame, group_cols: list[str]) -> dict:
    """The group columns of a query result as typed arrays, shared by every KHI of the query."""
    return {c: counts[c].array for c in group_cols}


def _attach(groups: dict, figures: dict[str, np.ndarray]) -> pd.DataFrame:
    # One constructor from typed arrays: no type inference per KHI, and no column inserts (each costs a copy).
    return pd.DataFrame({**groups, **figures})


def _cube_columns(k: KHI) -> set[str]:
    answers = (*k.numerator, *k.denominator, *(("positive", "negative") if k.kind == "net" else ()))
    return {queries.cube_column(k.source, a) for a in answers}


_PAIRED_EXTRA = {
    "paired_change": ("connected_both", "connected_neither"),
    "mean_change": ("friends_change_sumsq",),
}


def _table_columns(table: str, part: Sequence[KHI]) -> list[str]:
    """The count columns the KHIs `part` read from one aggregate table ("cube" or "change")."""
    if table == "cube":
        return sorted(set().union(*map(_cube_columns, part)))
    return sorted({c for k in part for c in (*k.numerator, *k.denominator, *_PAIRED_EXTRA.get(k.kind, ()))})


NOT_IN_RETURNS = frozenset({"age_band", "primary_need"})  # breakdowns the yearly returns (people supported) lack


def prefetch(counts: Counts, ks: Sequence[KHI], by: Sequence[str], f: Filters, keys: bool) -> None:
    """Query every count the KHIs read from the cube, the change table and the yearly returns by `by` over `f`, one
    query per table, so that later requests of `counts` for fewer columns, coarser breakdowns or parts of `f` (some of
    its years, areas, programmes) are sums of it."""
    for table in ("cube", "change"):
        part = [k for k in ks if k.table == table]
        if part:
            counts.cube(_table_columns(table, part), by, f, table=table, keys=keys)
    if any(k.table == "people_supported" for k in ks) and not NOT_IN_RETURNS & set(by):
        counts.people(by, f)


def compute_many(cur, ks: Sequence[KHI], by: Sequence[str], f: Filters, confidence: float,
                 protect: bool = False, counts: Counts | None = None, frames: bool = True) -> dict:
    """Unsuppressed figures per breakdown group for several KHIs: exact, or from published counts with `protect`.

    KHIs that read the same aggregate share one query: a page's figures cost one scan per aggregate table; with
    `counts` shared between calls, a coarser call over the same filters sums the finer one's counts (`Counts`).
    frames=False: each KHI's columns as a dict of arrays, for callers that only read them (benchmarks, trend
    series): a DataFrame per KHI cost more than its figures.
    """
    if "nation" in by and {"region", "scheme"} & set(by):  # both would name their column area_code
        raise ValueError("cannot break down by nation and by region or scheme at once: choose one place level")
    if NOT_IN_RETURNS & set(by) and any(k.table == "people_supported" for k in ks):
        raise ValueError("people supported cannot be broken down by age band or primary need: schemes' yearly "
                         "returns count them by arrangement only")
    counts = counts if counts is not None else Counts(cur)
    group_cols = queries.group_columns(by)
    out: dict[str, pd.DataFrame] = {}
    for table, part in (("cube", [k for k in ks if k.table == "cube"]),
                        ("change", [k for k in ks if k.table == "change"])):
        if not part:
            continue
        got = counts.cube(_table_columns(table, part), by, f, table=table, keys=protect)
        col, base = _columns(got), _groups(got, group_cols)
        shares = _shares([k for k in part if k.share_of_people], col, confidence, protect)
        for k in part:
            figures = shares[k.id] if k.id in shares else _from_cube(k, col, confidence, protect)
            out[k.id] = _attach(base, figures) if frames else {**base, **figures}
    medians = [k for k in ks if k.kind == "median"]
    if medians:
        rows = _median_rows(counts.hist(by, f), group_cols, confidence, protect)
        for k in medians:
            out[k.id] = rows if frames else _plain(rows)
    growth = [k for k in ks if k.table == "people_supported"]
    if growth:
        frame = _growth_frame(counts, by, f, protect)  # shared: the growth KHIs differ only in what they make of it
        for k in growth:
            figures = _growth_figures(k, frame, by, f, counts, confidence)
            out[k.id] = pd.DataFrame(figures) if frames else figures
    return out


def _plain(table: pd.DataFrame) -> dict:
    return {c: table[c].array for c in table.columns}


def _period(cur, f: Filters) -> tuple[int, int]:
    if f.years:
        start, end = min(f.years), max(f.years)
        return (end - 1, end) if start == end else (start, end)
    return queries.people_years(cur)


def _people(source: Counts, by: Sequence[str], f: Filters, protect: bool) -> pd.DataFrame:
    """People supported per group; with `protect`, the published count (the returns' rows are the records)."""
    counts = source.people(by, f)
    if protect:
        counts["people"] = perturb.perturb(counts["people"], counts["people__key"])
    return counts.drop(columns="people__key")


def _growth_frame(source: Counts, by: Sequence[str], filters: Filters, protect: bool) -> tuple[pd.DataFrame, int, int]:
    """People at the start and end of the period per group (each year against the year before for a series)."""
    start, end = _period(source.cur, f=filters)
    plain_by = tuple(b for b in by if b != "year")
    if "year" in by:  # a series: each year against the year before
        years = tuple(range(start, end + 1)) if not filters.years else tuple(sorted(filters.years))
        counts = _people(source, (*plain_by, "year"), filters.with_years(range(min(years) - 1, max(years) + 1)),
                         protect)
        keys = queries.group_columns(plain_by)
        prev = counts.assign(year=counts["year"] + 1).rename(columns={"people": "people_start"})
        frame = counts.rename(columns={"people": "people_end"}).merge(
            prev[[*keys, "year", "people_start"]], on=[*keys, "year"], how="left")
        frame = frame[frame["year"].isin(years)]
    else:
        # Both years in one query; each year's counts are its rows, summed (Counts).
        source.people((*plain_by, "year"), filters.with_years([start, end]))
        keys = queries.group_columns(plain_by)
        frame = _same_groups(source, plain_by, keys, start, end, filters, protect)
        if frame is not None:
            return frame, start, end
        a = _people(source, plain_by, filters.with_years([start]), protect).rename(columns={"people": "people_start"})
        b = _people(source, plain_by, filters.with_years([end]), protect).rename(columns={"people": "people_end"})
        frame = b.merge(a[[*keys, "people_start"]], on=keys, how="outer") if keys else pd.concat(
            [b[["people_end"]], a[["people_start"]]], axis=1)
        frame["year"] = end
    frame = frame.fillna({"people_start": 0, "people_end": 0}).reset_index(drop=True)
    return frame, start, end


def _same_groups(source: Counts, plain_by, keys, start: int, end: int, filters: Filters,
                 protect: bool) -> pd.DataFrame | None:
    """The start and end counts side by side when both years have the same groups (no group missing in either, no
    missing key): what the outer merge of `_growth_frame` gives then, built at once (a merge cost more than the
    figures). None otherwise."""
    a, b = (source.people(plain_by, filters.with_years([y])) for y in (start, end))
    if len(a) != len(b) or b.empty or not all(a[k].notna().all() and a[k].array.equals(b[k].array) for k in keys):
        return None
    def published(counts):
        people = perturb.perturb(counts["people"], counts["people__key"]) if protect else counts["people"].to_numpy()
        return np.where(pd.isna(people), 0, people)  # as the fillna of `_growth_frame`
    return pd.DataFrame({**{k: b[k].array for k in keys}, "people_end": published(b),
                         "people_start": published(a), "year": np.full(len(b), end, dtype=np.int64)})


def _growth_figures(k: KHI, growth_frame, by: Sequence[str], filters: Filters, source: Counts,
                    confidence) -> dict:
    """One growth KHI's exact figures from the start and end counts, as columns (arrays)."""
    frame, start, end = growth_frame
    group_cols = queries.group_columns(by)
    n0, n1 = frame["people_start"].to_numpy(float), frame["people_end"].to_numpy(float)
    # Columns collected, then one frame built: each insert into a frame copies it.
    out = {c: frame[c].array for c in group_cols if c in frame.columns}
    if k.kind == "people":
        lo, hi = stats.poisson_interval(n1, confidence)
        out["numerator"], out["denominator"], out["value"], out["lower"], out["upper"] = n1, n1, n1, lo, hi
    elif k.kind == "net_change":
        d, lo, hi = stats.poisson_difference_interval(n1, n0, confidence)
        out["numerator"], out["denominator"], out["value"], out["lower"], out["upper"] = d, n0 + n1, d, lo, hi
    elif k.kind == "growth_pct":
        g, lo, hi = _vector(stats.poisson_ratio_interval, np.minimum(n0, n1 + n0), n1, n0, confidence=confidence)
        out["numerator"], out["denominator"] = n1, n0
        out["value"], out["lower"], out["upper"] = (g - 1) * 100, (lo - 1) * 100, (hi - 1) * 100
        out["status"] = growth_status(out["value"], out["lower"], out["upper"])
    elif k.kind == "growth_share":
        change = n1 - n0
        total_growth = np.clip(change, 0, None).sum()
        out["numerator"], out["denominator"] = change, n0 + n1
        out["value"] = np.where(change > 0, change / total_growth * 100 if total_growth else np.nan, 0.0)
        out["lower"], out["upper"] = np.full(len(frame), np.nan), np.full(len(frame), np.nan)
    elif k.kind == "per_100k":
        pop = source.population(end)
        # The ONS table also has an England total row: summing every row would count England twice. A view
        # filtered to some areas is divided by those areas' population only.
        pop = pop[pop["area_code"].isin(filters.areas or tuple(schema.AREAS))]
        if "nation" in by:  # England's population as its regions' sum, like its people
            pop = (pop.assign(area_code=pop["area_code"].map(schema.nation_of))
                   .groupby("area_code", as_index=False).agg(population=("population", "sum"),
                                                             population_year=("population_year", "first")))
        merged = _with_population(frame, pop) if "area_code" in frame else frame.assign(
            population=float(pop["population"].sum()), population_year=int(pop["population_year"].iloc[0]))
        popn = np.asarray(merged["population"], dtype=float)
        lo, hi = stats.poisson_interval(n1, confidence)
        out["numerator"], out["denominator"] = n1, popn
        out["value"], out["lower"], out["upper"] = n1 / popn * 1e5, lo / popn * 1e5, hi / popn * 1e5
        out["population_year"] = np.asarray(merged["population_year"])
    else:
        raise ValueError(f"KHI {k.id!r} is not a growth KHI")
    year = frame["year"].to_numpy()
    out["period_start"], out["period_end"] = (np.full(len(year), start) if "year" not in by else year - 1), (
        np.full(len(year), end) if "year" not in by else year)
    out["people_start"], out["people_end"] = n0, n1
    return out


def _with_population(frame: pd.DataFrame, pop: pd.DataFrame):
    """`frame.merge(pop, on="area_code", how="left")`'s population and population_year columns, by a lookup when
    each area has one population row and no area code is missing (a merge cost more than the figures)."""
    codes = pd.Index(pop["area_code"])
    if not codes.is_unique or codes.hasnans or frame["area_code"].isna().any():
        return frame.merge(pop, on="area_code", how="left")
    at = codes.get_indexer(frame["area_code"])
    found = at >= 0
    population, year = pop["population"].to_numpy(), pop["population_year"].to_numpy()
    if found.all():
        return {"population": population[at], "population_year": year[at]}
    return {"population": np.where(found, population.astype(float)[at], np.nan),
            "population_year": np.where(found, year.astype(float)[at], np.nan)}


def growth_status(value, lower, upper) -> np.ndarray:
    """growing / flat / falling: at least registry.GROWTH_MATERIAL % change and an interval that excludes no change."""
    value, lower, upper = (np.asarray(x, float) for x in (value, lower, upper))
    status = np.full(value.shape, "flat", dtype=object)
    status[(value >= registry.GROWTH_MATERIAL) & (lower > 0)] = "growing"
    status[(value <= -registry.GROWTH_MATERIAL) & (upper < 0)] = "falling"
    status[np.isnan(value)] = "not known"
    return status

