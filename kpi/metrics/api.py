"""The one entry point pages, exports, slides and the CLI share: registry + aggregates + statistics + disclosure.

`khi_table(metric_id, by, filters)` returns a tidy, self-describing table: the group columns and their labels,
numerator, denominator, value, lower, upper (display units: % for proportions), suppressed flag, the benchmark and
the comparison with it, and the confidence, statistic and method used. With `public=True` (the default, and what
every user-facing output uses) disclosure control is applied; `public=False` is for tests and internal checks.
"""

from __future__ import annotations

import datetime as dt
import functools
import os
from typing import Iterable, Sequence

import numpy as np
import pandas as pd

from kpi.metrics import disclosure, registry, stats
from kpi.data import paths, queries, schema, store
from kpi.data.queries import Filters
from kpi.metrics.registry import KHI

__all__ = ["Filters", "khi_table", "khi_tables", "headline", "trend", "funnel", "growth_table", "connect"]

PLACE_BREAKDOWNS = ("region", "scheme")

method_name = registry.method_name  # kept for callers of the facade


# ---------------------------------------------------------------------------------------------------------------
# Connections: one per store version per process (the app caches its own through st.cache_resource).


@functools.lru_cache(maxsize=4)
def _connect_cached(root: str, version: int):
    return queries.connect(root)


def connect(data_dir: str | os.PathLike | None = None):
    """A DuckDB connection over the store; reopened when the store's manifest version changes."""
    root = paths.data_dir(data_dir)
    version = store.read_manifest(root).version
    return _connect_cached(str(root), version)


def _cursor(con, data_dir):
    return (con if con is not None else connect(data_dir)).cursor()


# ---------------------------------------------------------------------------------------------------------------
# Labels


def add_labels(df: pd.DataFrame) -> pd.DataFrame:
    """Human labels beside codes, so no output shows a bare code to a person."""
    if "area_code" in df:
        df["area_name"] = df["area_code"].map(schema.AREAS)
    if "year" in df:
        df["year_label"] = df["year"].map(lambda y: schema.fy_label(int(y)) if pd.notna(y) else "")
    for col, labels in (
        ("arrangement", "arrangement"),
        ("age_band", "age_band"),
        ("primary_need", "primary_need"),
        ("programme", "programme"),
    ):
        if col in df:
            df[f"{col}_label"] = df[col].map(lambda v, m=schema.LABELS[labels]: m.get(v, "Not recorded"))
    return df


def label_columns(by: Sequence[str]) -> list[str]:
    cols = []
    for c in queries.group_columns(by):
        cols.append(c)
        extra = {"area_code": "area_name", "year": "year_label"}.get(c)
        if c in ("arrangement", "age_band", "primary_need", "programme"):
            extra = f"{c}_label"
        if extra and extra not in cols:
            cols.append(extra)
    return cols


# ---------------------------------------------------------------------------------------------------------------
# Computing one KHI from summed counts


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


def _from_cube(k: KHI, counts: pd.DataFrame, confidence: float) -> dict[str, np.ndarray]:
    """numerator, denominator, value, lower, upper (display units) per row of summed counts, as arrays.

    Plain arrays, not a DataFrame: pandas costs per operation, and a page computes dozens of these.
    """
    col = {c: counts[c].to_numpy(float) for c in counts.columns if c not in _GROUP_NAMES}
    if k.kind in ("proportion", "net"):
        num = sum(col[queries.cube_column(k.source, a)] for a in k.numerator)
        den = sum(col[queries.cube_column(k.source, a)] for a in k.denominator)
    else:  # change-table kinds name their count columns directly
        num = sum(col[c] for c in k.numerator)
        den = sum(col[c] for c in k.denominator)
    if k.share_of_people:
        value, lower, upper = _proportion(num, den, confidence)
        return dict(numerator=num, denominator=den, value=value, lower=lower, upper=upper)
    if k.kind == "net":
        pos, neg = col[queries.cube_column(k.source, "positive")], col[queries.cube_column(k.source, "negative")]
        value, lower, upper = _vector(stats.net_impact_interval, den, pos, neg, den, confidence=confidence)
        return dict(numerator=pos - neg, denominator=den, value=value * 100, lower=lower * 100, upper=upper * 100)
    if k.kind == "mean_change":
        n, total = col["friends_pairs"], col["friends_change_sum"]
        value, lower, upper = _vector(stats.mean_interval, n, n, total, col["friends_change_sumsq"],
                                      confidence=confidence, min_n=2)
        return dict(numerator=total, denominator=n, value=value, lower=lower, upper=upper)
    if k.kind == "paired_change":
        both, first_only = col["connected_both"], col["connected_first_only"]
        latest_only, neither = col["connected_latest_only"], col["connected_neither"]
        value, lower, upper = _vector(stats.paired_difference_interval, den, both, first_only, latest_only,
                                      neither, confidence=confidence)
        return dict(numerator=latest_only - first_only, denominator=den, value=value * 100, lower=lower * 100,
                    upper=upper * 100)
    raise ValueError(f"KHI {k.id!r}: kind {k.kind!r} is not computed from response counts")


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


def _median_rows(hist: pd.DataFrame, group_cols: list[str], confidence: float) -> pd.DataFrame:
    rows = []
    groups = hist.groupby(group_cols, dropna=False, sort=True) if group_cols else [((), hist)]
    for key, part in groups:
        key = key if isinstance(key, tuple) else (key,)
        part = part.sort_values("friends_count")
        n = float(part["n"].sum())
        med, lo, hi = stats.median_interval(part["friends_count"].to_numpy(float), part["n"].to_numpy(float),
                                            confidence=confidence)
        rows.append({**dict(zip(group_cols, key)), "numerator": np.nan, "denominator": n,
                     "value": med, "lower": lo, "upper": hi})
    return pd.DataFrame(rows, columns=[*group_cols, "numerator", "denominator", "value", "lower", "upper"])


def _attach(counts: pd.DataFrame, group_cols: list[str], figures: dict[str, np.ndarray]) -> pd.DataFrame:
    return pd.DataFrame({**{c: counts[c].to_numpy() for c in group_cols}, **figures})


def _cube_columns(k: KHI) -> set[str]:
    answers = (*k.numerator, *k.denominator, *(("positive", "negative") if k.kind == "net" else ()))
    return {queries.cube_column(k.source, a) for a in answers}


_PAIRED_EXTRA = {
    "paired_change": ("connected_both", "connected_neither"),
    "mean_change": ("friends_change_sumsq",),
}


def _compute_many(cur, ks: Sequence[KHI], by: Sequence[str], f: Filters, confidence: float) -> dict[str, pd.DataFrame]:
    """Exact (unsuppressed) figures per breakdown group for several KHIs.

    KHIs that read the same aggregate share one query: a page's figures cost one scan per aggregate table.
    """
    group_cols = queries.group_columns(by)
    out: dict[str, pd.DataFrame] = {}
    cube = [k for k in ks if k.table == "cube"]
    if cube:
        counts = queries.cube_counts(cur, sorted(set().union(*map(_cube_columns, cube))), by, f)
        for k in cube:
            out[k.id] = _attach(counts, group_cols, _from_cube(k, counts, confidence))
    change = [k for k in ks if k.table == "change"]
    if change:
        cols = sorted({c for k in change for c in (*k.numerator, *k.denominator, *_PAIRED_EXTRA.get(k.kind, ()))})
        counts = queries.cube_counts(cur, cols, by, f, table="change")
        for k in change:
            out[k.id] = _attach(counts, group_cols, _from_cube(k, counts, confidence))
    medians = [k for k in ks if k.kind == "median"]
    if medians:
        rows = _median_rows(queries.friends_histogram(cur, by, f), group_cols, confidence)
        for k in medians:
            out[k.id] = rows
    growth = [k for k in ks if k.table == "people_supported"]
    if growth:
        frame = _growth_frame(cur, by, f)  # shared: the growth KHIs differ only in what they make of it
        for k in growth:
            out[k.id] = _growth_figures(k, frame, by, f, cur, confidence)
    return out


# ---------------------------------------------------------------------------------------------------------------
# The entry point


def khi_table(
    metric_id: str,
    by: Sequence[str] | str = (),
    filters: Filters = Filters(),
    *,
    con=None,
    data_dir=None,
    confidence: float = 0.95,
    public: bool = True,
) -> pd.DataFrame:
    """One KHI per breakdown group, with its interval, benchmark comparison and disclosure control.

    by: breakdown names from `queries.BREAKDOWNS` (region, scheme, year, arrangement, age_band, primary_need,
    programme), or () for one overall row. confidence: 0.95 or 0.998 (also 95 / 99.8); the interval shown and the
    comparison with the benchmark both use it.
    """
    return khi_tables([metric_id], by, filters, con=con, data_dir=data_dir, confidence=confidence, public=public)


def khi_tables(metric_ids: Iterable[str], by: Sequence[str] | str = (), filters: Filters = Filters(), *,
               con=None, data_dir=None, confidence: float = 0.95, public: bool = True,
               compare_breakdowns: bool = True) -> pd.DataFrame:
    """Several KHIs stacked in one tidy table (the columns of khi_table), computed with shared queries."""
    ks, by, exact = _exact(metric_ids, by, filters, con, data_dir, confidence, compare_breakdowns)
    return _finish(ks, exact, by, confidence, public)


def _public_and_exact(metric_ids, by, filters, *, con=None, data_dir=None, confidence=0.95,
                      compare_breakdowns=True) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The public table and the exact one from a single computation (for change and trend tests, funnels)."""
    ks, by, exact = _exact(metric_ids, by, filters, con, data_dir, confidence, compare_breakdowns)
    return _finish(ks, exact, by, confidence, True), _finish(ks, exact, by, confidence, False)


def _exact(metric_ids, by, filters, con, data_dir, confidence, compare_breakdowns):
    ks = [registry.get(m) for m in metric_ids]
    by = (by,) if isinstance(by, str) else tuple(by)
    cur = _cursor(con, data_dir)
    try:
        exact = _compute_many(cur, ks, by, filters, confidence)
        exact = _with_benchmarks(cur, ks, exact, by, filters, confidence, compare_breakdowns)
    finally:
        cur.close()
    return ks, by, exact


EXTRA_ORDER = ["status", "population_year", "period_start", "period_end", "people_start", "people_end"]


def _finish(ks: Sequence[KHI], exact: dict, by: Sequence[str], confidence: float, public: bool) -> pd.DataFrame:
    """Stack the KHIs' exact figures, then label, describe and (for public output) apply disclosure control once.

    Done on the stacked table, not per KHI: pandas costs per operation, and a page asks for dozens of KHIs.
    """
    parts = [exact[k.id] for k in ks]
    table = pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0].reset_index(drop=True)
    sizes = [len(p) for p in parts]
    for name, values in (("metric_id", [k.id for k in ks]), ("metric_title", [k.title for k in ks]),
                         ("unit", [k.unit for k in ks]), ("statistic", [k.statistic for k in ks]),
                         ("method", [method_name(k.kind) for k in ks]), ("min_n", [k.min_n for k in ks])):
        table[name] = np.repeat(np.asarray(values, dtype=object), sizes)
    table = add_labels(table)
    table["confidence"] = stats.confidence_label(confidence)
    cols = ["metric_id", "metric_title", *label_columns(by), "numerator", "denominator", "value", "lower",
            "upper", "unit", "benchmark", "comparison", "confidence", "statistic", "method"]
    # Extra columns in one fixed order, so a KHI's columns read the same alone or split from a stack.
    extra = sorted((c for c in table.columns if c not in cols and c != "min_n"),
                   key=lambda c: (EXTRA_ORDER.index(c) if c in EXTRA_ORDER else len(EXTRA_ORDER), c))
    table = table[[*cols, *extra, "min_n"]]
    if public:
        table = public_view(table, by)
    else:
        table = table.assign(suppressed=False, suppression="")
    for col in ("numerator", "denominator", *extra):
        if not pd.api.types.is_numeric_dtype(table[col]) or pd.api.types.is_bool_dtype(table[col]):
            continue
        values = table[col].dropna()
        if len(values) and (values % 1 == 0).all():  # counts and years print as whole numbers
            table[col] = table[col].astype("Int64")
    return table.drop(columns="min_n").reset_index(drop=True)


def split_by_metric(table: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """A stacked khi_tables result as one table per KHI, each equal to that KHI's own khi_table.

    Stacking unions the KHIs' extra columns (a growth status, a population year); a KHI's part drops the extra
    columns that are empty for it, so its CSV stays the one `python -m kpi table` prints.
    """
    core = {"metric_id", "metric_title", "numerator", "denominator", "value", "lower", "upper", "unit", "benchmark",
            "comparison", "confidence", "statistic", "method", "suppressed", "suppression"}
    parts = {}
    for metric_id in dict.fromkeys(table["metric_id"]):
        part = table[table["metric_id"] == metric_id].reset_index(drop=True)
        empty = [c for c in part.columns if c not in core and part[c].isna().all()]
        parts[metric_id] = part.drop(columns=empty)
    return parts


def public_view(table: pd.DataFrame, by: Sequence[str]) -> pd.DataFrame:
    """Disclosure control for a (stacked) KHI table; every public output goes through here."""
    if table.empty:
        return table.assign(suppressed=pd.Series(dtype=bool), suppression=pd.Series(dtype=str))
    group_cols = queries.group_columns(by)
    breakdown = queries.group_columns(by[:1]) if by else []
    siblings = ["metric_id", *[c for c in group_cols if c not in breakdown]]
    value_cols = tuple(c for c in ("value", "lower", "upper") if c in table.columns)
    count_cols = tuple(c for c in ("numerator", "denominator", "people_start", "people_end") if c in table.columns)
    parts = [
        disclosure.apply(part, siblings=siblings, count_columns=count_cols, value_columns=value_cols,
                         threshold=max(int(min_n), disclosure.MIN_DENOMINATOR))
        for min_n, part in table.groupby("min_n", sort=False)
    ]
    out = (pd.concat(parts) if len(parts) > 1 else parts[0]).sort_index()
    out.loc[out["suppressed"], "comparison"] = "not compared"
    counts = out["statistic"].isin(("count", "change in count"))  # the figure itself is a count of people
    if counts.any():
        for col in value_cols:
            out.loc[counts, col] = disclosure.round_public(out.loc[counts, col])
    return out


def _with_benchmarks(cur, ks, exact: dict, by, f: Filters, confidence, compare_breakdowns: bool) -> dict:
    """Add the benchmark value and the Fingertips comparison (better / similar / worse) to each KHI's table.

    A place (region, scheme, or a filtered area) is compared with the whole country for the same other filters; a
    breakdown that is not a place (year, arrangement...) is compared with everyone in the same view, unless
    `compare_breakdowns` is False (the headline compares years only through its own change test).
    """
    place_in_view = bool(f.areas or f.schemes) or any(b in PLACE_BREAKDOWNS for b in by)
    if place_in_view:
        bench_by, bench_f = tuple(b for b in by if b not in PLACE_BREAKDOWNS), f.without_place()
    else:
        bench_by, bench_f = (), f
    # Counts of people are not comparable with a national total; rates and percentages are.
    comparable = [k for k in ks if k.compared]
    if not place_in_view and (not by or not compare_breakdowns):
        comparable = []
    bench = _compute_many(cur, comparable, bench_by, bench_f, confidence) if comparable else {}
    keys = queries.group_columns(bench_by)
    out = {}
    for k in ks:
        table = exact[k.id].copy()
        if k.id not in bench:
            table["benchmark"], table["comparison"] = np.nan, "not compared"
            out[k.id] = table
            continue
        b = bench[k.id][[*keys, "value"]].rename(columns={"value": "benchmark"})
        table = table.merge(b, on=keys, how="left") if keys else table.assign(benchmark=b["benchmark"].iloc[0])
        table["comparison"] = stats.compare_to_benchmark(
            table["lower"].to_numpy(float), table["upper"].to_numpy(float), table["benchmark"].to_numpy(float),
            k.direction,
        )
        out[k.id] = table
    return out


def coverage(*, con=None, data_dir=None) -> dict:
    """What the store holds (date range, rows, schemes, people, quarantined rows) and whether it is synthetic."""
    root = paths.data_dir(data_dir)
    manifest = store.read_manifest(root)
    cur = _cursor(con, data_dir)
    try:
        info = queries.coverage(cur)
        facts = manifest.facts or queries.raw_facts(cur)  # stores written before facts were kept: scan once
    finally:
        cur.close()
    info.update(people=facts.get("people"), first_date=_date(facts.get("first_date")),
                last_date=_date(facts.get("last_date")))
    info.update(synthetic=manifest.synthetic, note=manifest.note, quarantined_rows=manifest.quarantined_rows,
                updated_at=manifest.updated_at, version=manifest.version, data_dir=str(root))
    return info


def _date(iso: str | None):
    return dt.date.fromisoformat(iso) if iso else None


def years(*, con=None, data_dir=None) -> list[int]:
    """Financial years that have responses."""
    cur = _cursor(con, data_dir)
    try:
        return queries.years_available(cur)
    finally:
        cur.close()


def scheme_list(*, con=None, data_dir=None) -> pd.DataFrame:
    """All schemes with their area and programme (for pickers)."""
    cur = _cursor(con, data_dir)
    try:
        return add_labels(queries.schemes(cur))
    finally:
        cur.close()


# ---------------------------------------------------------------------------------------------------------------
# Headline figures: latest year, change on the previous year and whether that change is significant


def headline(metric_ids: Sequence[str], filters: Filters = Filters(), *, con=None, data_dir=None,
             confidence: float = 0.95) -> pd.DataFrame:
    """One row per KHI: the figure for the latest year in view, last year's, the change and its significance.

    Change for proportions uses Newcombe's interval for the difference of two independent proportions; the change is
    "significant" when that interval excludes zero. Other kinds show the change without a significance test.
    """
    con = con if con is not None else connect(data_dir)
    latest = max(filters.years or years(con=con))
    pair = filters.with_years([latest - 1, latest])
    public_all, exact_all = _public_and_exact(metric_ids, "year", pair, con=con, confidence=confidence,
                                              compare_breakdowns=False)
    rows = []
    for mid in metric_ids:
        k = registry.get(mid)
        pub = public_all[public_all["metric_id"] == mid].set_index("year")
        ex = exact_all[exact_all["metric_id"] == mid].set_index("year")
        if latest not in pub.index:  # no answers at all in the latest year
            continue
        now = pub.loc[latest]
        row = now.to_dict()
        has_before = latest - 1 in pub.index
        before_hidden = (not has_before) or bool(pub.loc[latest - 1, "suppressed"])
        row.update(year=latest, year_label=schema.fy_label(latest),
                   previous_value=np.nan if before_hidden else pub.loc[latest - 1, "value"],
                   change=np.nan, change_lower=np.nan, change_upper=np.nan, change_significance="not tested")
        if not (now["suppressed"] or before_hidden):
            if k.share_of_people:
                d, lo, hi = stats.difference_interval(
                    float(ex.loc[latest, "numerator"]), float(ex.loc[latest, "denominator"]),
                    float(ex.loc[latest - 1, "numerator"]), float(ex.loc[latest - 1, "denominator"]),
                    confidence=confidence,
                )
                row.update(change=d * 100, change_lower=lo * 100, change_upper=hi * 100,
                           change_significance=_change_words(lo, hi, k.direction))
            else:
                row["change"] = row["value"] - row["previous_value"]
        row["sentence"] = registry.sentence(k, None if row["suppressed"] else row["value"],
                                            programmes=filters.programmes)
        row["metric_id"] = mid
        rows.append(row)
    return pd.DataFrame(rows)


def _change_words(lower: float, upper: float, direction: str) -> str:
    if lower > 0 or upper < 0:
        up = lower > 0
        if direction == "no_judgement":
            return "significantly higher" if up else "significantly lower"
        good = up == (direction == "high_is_good")
        return "significantly better" if good else "significantly worse"
    return "no significant change"


def trend(metric_id: str, filters: Filters = Filters(), *, con=None, data_dir=None, confidence: float = 0.95):
    """The KHI by year and the trend test over the latest five or more years: (table, stats trend result)."""
    table, exact = _public_and_exact([metric_id], "year", filters, con=con, data_dir=data_dir,
                                     confidence=confidence)
    k = registry.get(metric_id)
    if not k.share_of_people or exact.empty:
        return table, None
    # The test needs consecutive years: a year with too few answers, or none, stays in the series as missing
    # (so the test says it cannot be calculated) rather than being dropped and its neighbours treated as adjacent.
    years = exact["year"].astype(int)
    series = exact.assign(year=years).set_index("year")[["numerator", "denominator"]].astype(float)
    series = series.reindex(range(int(years.min()), int(years.max()) + 1))
    series.loc[~(series["denominator"] >= k.min_n)] = np.nan
    result = stats.trend_test(series["numerator"].to_numpy(), series["denominator"].to_numpy(), k.direction)
    return table, result


def funnel(metric_id: str, filters: Filters = Filters(), *, con=None, data_dir=None) -> pd.DataFrame:
    """Schemes against the national figure, with 95% and 99.8% funnel limits at each scheme's denominator."""
    k = registry.get(metric_id)
    if not k.share_of_people:
        raise ValueError(f"a funnel plot needs a percentage KHI; {metric_id!r} is a {k.statistic}")
    table, exact = _public_and_exact([metric_id], "scheme", filters, con=con, data_dir=data_dir)
    if exact.empty:
        return table
    baseline = float(exact["benchmark"].iloc[0]) / 100  # the national figure for the same other filters
    den = exact["denominator"].to_numpy(float)
    for level, tag in ((0.95, "95"), (0.998, "998")):
        lo, hi = stats.funnel_limits(baseline, np.where(den > 0, den, np.nan), level)
        table[f"funnel_lower_{tag}"], table[f"funnel_upper_{tag}"] = lo * 100, hi * 100
    table["baseline"] = baseline * 100
    position = stats.funnel_position(exact["numerator"].to_numpy(float), np.where(den > 0, den, np.nan),
                                     baseline, 0.998)
    table["funnel_position_998"] = np.where(table["suppressed"], "not shown", position)
    table.loc[table["suppressed"], [c for c in table.columns if c.startswith("funnel_")]] = np.nan
    return table


# ---------------------------------------------------------------------------------------------------------------
# Growth: people supported, from the schemes' annual returns



def _period(cur, f: Filters) -> tuple[int, int]:
    if f.years:
        start, end = min(f.years), max(f.years)
        return (end - 1, end) if start == end else (start, end)
    return queries.people_years(cur)


def growth_table(metric_id: str = "people_supported", by: Sequence[str] | str = ("region",),
                 filters: Filters = Filters(), *, confidence: float = 0.95, con=None, data_dir=None, cur=None,
                 public: bool = True) -> pd.DataFrame:
    """A growth KHI per group. Counts are for the last year of the period; change compares it with the first.

    The period is the filter's years (one year: compared with the year before); without a filter, all years.
    Intervals treat annual counts as Poisson (Byar's method, as PHE does for counts); % growth uses the
    conditional binomial interval for the ratio of two Poisson counts.
    """
    k = registry.get(metric_id)
    by = (by,) if isinstance(by, str) else tuple(by)
    if cur is None:
        return khi_table(metric_id, by, filters, con=con, data_dir=data_dir, confidence=confidence, public=public)
    return _growth_figures(k, _growth_frame(cur, by, filters), by, filters, cur, confidence)


def _growth_frame(cur, by: Sequence[str], filters: Filters) -> tuple[pd.DataFrame, int, int]:
    """People at the start and end of the period per group (each year against the year before for a series)."""
    start, end = _period(cur, f=filters)
    plain_by = tuple(b for b in by if b != "year")
    if "year" in by:  # a series: each year against the year before
        years = tuple(range(start, end + 1)) if not filters.years else tuple(sorted(filters.years))
        counts = queries.people_supported(cur, (*plain_by, "year"), filters.with_years(
            range(min(years) - 1, max(years) + 1)))
        keys = queries.group_columns(plain_by)
        prev = counts.assign(year=counts["year"] + 1).rename(columns={"people": "people_start"})
        frame = counts.rename(columns={"people": "people_end"}).merge(
            prev[[*keys, "year", "people_start"]], on=[*keys, "year"], how="left")
        frame = frame[frame["year"].isin(years)]
    else:
        a = queries.people_supported(cur, plain_by, filters.with_years([start])).rename(columns={"people": "people_start"})
        b = queries.people_supported(cur, plain_by, filters.with_years([end])).rename(columns={"people": "people_end"})
        keys = queries.group_columns(plain_by)
        frame = b.merge(a[[*keys, "people_start"]], on=keys, how="outer") if keys else pd.concat(
            [b[["people_end", "carers"]], a[["people_start"]]], axis=1)
        frame["year"] = end
    frame = frame.fillna({"people_start": 0, "people_end": 0}).reset_index(drop=True)
    return frame, start, end


def _growth_figures(k: KHI, growth_frame, by: Sequence[str], filters: Filters, cur, confidence) -> pd.DataFrame:
    """One growth KHI's exact figures from the start and end counts."""
    frame, start, end = growth_frame
    group_cols = queries.group_columns(by)
    n0, n1 = frame["people_start"].to_numpy(float), frame["people_end"].to_numpy(float)
    out = frame[[c for c in group_cols if c in frame.columns]].copy()
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
        out["status"] = growth_status(out["value"].to_numpy(float), out["lower"].to_numpy(float),
                                      out["upper"].to_numpy(float))
    elif k.kind == "growth_share":
        change = n1 - n0
        total_growth = np.clip(change, 0, None).sum()
        out["numerator"], out["denominator"] = change, n0 + n1
        out["value"] = np.where(change > 0, change / total_growth * 100 if total_growth else np.nan, 0.0)
        out["lower"], out["upper"] = np.nan, np.nan
    elif k.kind == "per_100k":
        pop = queries.population(cur, end)
        # The ONS table also has an England total row: summing every row would count England twice. A view
        # filtered to some areas is divided by those areas' population only.
        pop = pop[pop["area_code"].isin(filters.areas or tuple(schema.AREAS))]
        merged = frame.merge(pop, on="area_code", how="left") if "area_code" in frame else frame.assign(
            population=float(pop["population"].sum()), population_year=int(pop["population_year"].iloc[0]))
        popn = merged["population"].to_numpy(float)
        lo, hi = stats.poisson_interval(n1, confidence)
        out["numerator"], out["denominator"] = n1, popn
        out["value"], out["lower"], out["upper"] = n1 / popn * 1e5, lo / popn * 1e5, hi / popn * 1e5
        out["population_year"] = merged["population_year"].to_numpy()
    else:
        raise ValueError(f"KHI {k.id!r} is not a growth KHI")
    out["period_start"], out["period_end"] = (start if "year" not in by else out["year"] - 1), (
        end if "year" not in by else out["year"])
    out["people_start"], out["people_end"] = n0, n1
    return out.reset_index(drop=True)


def growth_status(value, lower, upper) -> np.ndarray:
    """growing / flat / falling: at least registry.GROWTH_MATERIAL % change and an interval that excludes no change."""
    value, lower, upper = (np.asarray(x, float) for x in (value, lower, upper))
    status = np.full(value.shape, "flat", dtype=object)
    status[(value >= registry.GROWTH_MATERIAL) & (lower > 0)] = "growing"
    status[(value <= -registry.GROWTH_MATERIAL) & (upper < 0)] = "falling"
    status[np.isnan(value)] = "not known"
    return status


