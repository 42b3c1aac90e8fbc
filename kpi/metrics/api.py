"""The one entry point pages, exports, slides and the CLI share: registry + aggregates + statistics + disclosure.

`khi_table(metric_id, by, filters)` returns a tidy, self-describing table: the group columns and their labels,
numerator, denominator, value, lower, upper (display units: % for proportions), suppressed flag, the benchmark and
the comparison with it, and the confidence, statistic and method used.

Every function that returns figures or scheme information takes the viewer's `scope` (kpi.metrics.scope.Scope) as a
required keyword: the request is narrowed to what the scope may see in the query itself (`Scope.restrict`), refused
with `ScopeError` when it names a scheme or region outside it, and its figures are exact only when the scope may see
every row exactly; otherwise disclosure control is applied (the public figures). `coverage` (what the store holds)
takes the scope too: its totals are rounded outside the exact scopes. `store_info`, `years` and `people_years` hold no
figures and take none.
"""

from __future__ import annotations

import datetime as dt
import functools
import os
from dataclasses import replace
from typing import Iterable, Sequence

import numpy as np
import pandas as pd

from kpi.data import paths, queries, schema, store
from kpi.data.queries import Filters
from kpi.metrics import compute, disclosure, headlines, registry, similar, stats, tables
from kpi.metrics.scope import Scope, ScopeError
from kpi.metrics.tables import PLACE_BREAKDOWNS, split_by_metric

__all__ = ["Filters", "PLACE_BREAKDOWNS", "Scope", "ScopeError", "khi_table", "khi_tables", "khi_tables_many",
           "split_by_metric", "headline", "trend", "profile", "funnel", "coverage", "years", "people_years",
           "scheme_list", "connect", "similar_schemes", "compare_with_similar"]


@functools.lru_cache(maxsize=4)
def _connect_cached(root: str, version: int):
    return queries.connect(root, version=version)


def connect(data_dir: str | os.PathLike | None = None, version: int | None = None):
    """A DuckDB connection over one version of the store (default: the live one), kept open per version.

    A version's files stay in the store while it is live, published or recently live (kpi.data.store), so a
    connection opened on it keeps reading while ingests commit newer versions.
    """
    root = paths.data_dir(data_dir)
    if version is None:
        version = store.read_manifest(root).version
    return _connect_cached(str(root), version)


def _cursor(con, data_dir):
    return (con if con is not None else connect(data_dir)).cursor()


def khi_table(
    metric_id: str,
    by: Sequence[str] | str = (),
    filters: Filters = Filters(),
    *,
    scope: Scope,
    con=None,
    data_dir=None,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """One KHI per breakdown group, with its interval, benchmark comparison and disclosure control.

    by: breakdown names from `queries.BREAKDOWNS` (region, scheme, year, arrangement, age_band, primary_need,
    programme), or () for one overall row. confidence: 0.95 or 0.998 (also 95 / 99.8); the interval shown and the
    comparison with the benchmark both use it. scope: the viewer's (see `khi_tables`).
    """
    return khi_tables([metric_id], by, filters, scope=scope, con=con, data_dir=data_dir, confidence=confidence)


def khi_tables(metric_ids: Iterable[str], by: Sequence[str] | str = (), filters: Filters = Filters(), *,
               scope: Scope, con=None, data_dir=None, confidence: float = 0.95,
               compare_breakdowns: bool = True) -> pd.DataFrame:
    """Several KHIs stacked in one tidy table (the columns of khi_table), computed with shared queries.

    scope: the viewer's. Exact figures when the scope may see every row of the request exactly (an analyst; a scheme
    manager's own schemes); otherwise the public figures: from published (perturbed) counts, small ones suppressed,
    rounded as shown. A scheme-level request outside the scope raises ScopeError; a scheme breakdown is narrowed to
    the scope's schemes.
    """
    ks, by, figures, exact = _figures(metric_ids, by, filters, con, data_dir, confidence, compare_breakdowns, scope)
    return tables.finish(ks, figures, by, confidence, not exact)


# The breakdown khi_tables_many queries a view's counts by: requests by these (or by nation) are sums of it.
_VIEW_BY = ("region", "programme", "year")


def khi_tables_many(requests: Iterable[tuple[Iterable[str], Sequence[str] | str, Filters]], *, scope: Scope,
                    con=None, data_dir=None, confidence: float = 0.95) -> list[pd.DataFrame]:
    """`khi_tables(metric_ids, by, filters)` for each request, from one set of queries: parts of one view (some of its
    areas, programmes or years, as the Regional growth page's totals per programme, England and nation) are summed
    from the view's counts by region, programme and year, queried once (compute.Counts), not queried again."""
    requests = [(list(ids), (by,) if isinstance(by, str) else tuple(by), f) for ids, by, f in requests]
    counts = compute.Counts(_cursor(con, data_dir))
    try:
        every_khi = [registry.get(m) for ids, _, _ in requests for m in ids]
        if requests and all(set(by) <= {*_VIEW_BY, "nation"} for _, by, _f in requests):
            # The requests' years, and the year before each one's first (growth compares it with the one before).
            before = any(k.table == "people_supported" for k in every_khi)
            years = {y for _, _by, f in requests if f.years for y in (*f.years, *[min(f.years) - 1] * before)}
            view = replace(requests[0][2], areas=(), programmes=()).with_years(
                years if all(f.years for _, _, f in requests) else ())
            if all(replace(f, areas=(), programmes=(), years=view.years) == view for _, _by, f in requests):
                view, exact = _scoped(counts.cur, scope, _VIEW_BY, view)  # as each request's
                compute.prefetch(counts, every_khi, _VIEW_BY, view, keys=not exact)
        out = []
        for ids, by, f in requests:
            ks, by, figures, exact = _figures(ids, by, f, con, data_dir, confidence, True, scope, counts)
            out.append(tables.finish(ks, figures, by, confidence, not exact))
        return out
    finally:
        counts.cur.close()


def _shown_and_counts(metric_ids, by, filters, *, scope: Scope, con=None, data_dir=None, confidence=0.95,
                      compare_breakdowns=True) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The table as the scope sees it, and the figures tests are computed from, from one computation.

    Protected: the public table, and the same published figures before suppression and rounding, so change and trend
    tests and funnel positions are never computed from an exact count. Exact: the exact table, twice.
    """
    ks, by, figures, exact = _figures(metric_ids, by, filters, con, data_dir, confidence, compare_breakdowns, scope)
    unsuppressed = tables.finish(ks, figures, by, confidence, False)
    return (unsuppressed if exact else tables.finish(ks, figures, by, confidence, True)), unsuppressed


def _scoped(cur, scope: Scope, by, filters: Filters) -> tuple[Filters, bool]:
    """(the filters to query, exact?) for the scope: no query, except a hub's request naming schemes (their areas)."""
    if not isinstance(scope, Scope):
        raise TypeError(f"scope must be a kpi.metrics.scope.Scope, not {type(scope).__name__}")
    areas = None
    if scope.needs_scheme_areas(filters):
        named = queries.schemes(cur, scheme_ids=filters.schemes)
        areas = dict(zip(named["scheme_id"].astype(str), named["area_code"]))
    return scope.restrict(by, filters, scheme_areas=areas)


def _figures(metric_ids, by, filters, con, data_dir, confidence, compare_breakdowns, scope: Scope, counts=None):
    """(KHIs, breakdown, figures with benchmarks, exact?) of a request under the scope. counts: a `compute.Counts`
    shared with another computation (its cursor is used), so what it already queried is not queried again."""
    ks = [registry.get(m) for m in metric_ids]
    by = (by,) if isinstance(by, str) else tuple(by)
    cur = counts.cur if counts is not None else _cursor(con, data_dir)
    try:
        filters, exact = _scoped(cur, scope, by, filters)
        figures = _compute(cur, ks, by, filters, confidence, compare_breakdowns, not exact, not scope.exact_everywhere,
                           counts)
    finally:
        if counts is None:
            cur.close()
    return ks, by, figures, exact


def _compute(cur, ks, by, filters: Filters, confidence, compare_breakdowns: bool, protect: bool,
             benchmark_protect: bool, counts=None) -> dict:
    """The figures of filters already scoped, with their benchmark and comparison (the one call of both)."""
    counts = counts if counts is not None else compute.Counts(cur)  # benchmarks summed from the places' counts
    figures = compute.compute_many(cur, ks, by, filters, confidence, protect, counts, frames=False)
    return tables.with_benchmarks(cur, ks, figures, by, filters, confidence, compare_breakdowns, protect,
                                  benchmark_protect=benchmark_protect, counts=counts)


def store_info(data_dir=None, version: int | None = None) -> dict:
    """About one version of the store (default: the live one), with no figure in it: synthetic or not, its note,
    version and date, the live and the published version."""
    root = paths.data_dir(data_dir)
    live = store.read_manifest(root)
    manifest = live if version in (None, live.version) else store.read_manifest(root, version)
    return dict(synthetic=manifest.synthetic, note=manifest.note, updated_at=manifest.updated_at,
                version=manifest.version, data_dir=str(root), live=live.version,
                published=store.published_version(root, live))


def coverage(*, scope: Scope, con=None, data_dir=None, version: int | None = None) -> dict:
    """What the store holds (date range, rows, schemes, people, quarantined rows) and whether it is synthetic.

    Outside the exact scopes the totals of answers, people and rows set aside are rounded to the nearest hundred
    (`disclosure.round_total`; `rounded` says so): an exact total is an exact count.
    """
    root = paths.data_dir(data_dir)
    manifest = store.read_manifest(root, version)
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
    info["rounded"] = not scope.exact_everywhere
    if info["rounded"]:
        for key in ("responses", "people", "quarantined_rows"):
            info[key] = disclosure.round_total(info.get(key))
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


def people_years(*, con=None, data_dir=None) -> tuple[int, int]:
    """The first and last financial year the schemes' yearly returns cover (their own years, not the survey's)."""
    cur = _cursor(con, data_dir)
    try:
        return queries.people_years(cur)
    finally:
        cur.close()


def scheme_list(*, scope: Scope, con=None, data_dir=None) -> pd.DataFrame:
    """The schemes the scope may see, with their area and programme (for pickers): every scheme for an analyst or
    admin, a hub's regions' schemes, a scheme manager's own, none for the public or an ambassador."""
    if not isinstance(scope, Scope):
        raise TypeError(f"scope must be a kpi.metrics.scope.Scope, not {type(scope).__name__}")
    cur = _cursor(con, data_dir)
    try:
        if scope.exact_everywhere:
            found = queries.schemes(cur)
        elif scope.role == "hub":
            found = queries.schemes(cur, areas=scope.regions)
        else:  # a scheme manager's own; the public and ambassadors: none (an empty list of ids)
            found = queries.schemes(cur, scheme_ids=scope.schemes)
        return tables.add_labels(found)
    finally:
        cur.close()


def headline(metric_ids: Sequence[str], filters: Filters = Filters(), *, scope: Scope, con=None, data_dir=None,
             confidence: float = 0.95) -> pd.DataFrame:
    """One row per KHI: the figure for the latest year in view, last year's, the change and its significance.

    Change for proportions uses Newcombe's interval for the difference of two independent proportions; the change is
    "significant" when that interval excludes zero. Other kinds show the change without a significance test.
    """
    con = con if con is not None else connect(data_dir)
    latest = max(filters.years or years(con=con))
    pair = filters.with_years([latest - 1, latest])
    public_all, published_all = _shown_and_counts(metric_ids, "year", pair, scope=scope, con=con,
                                                  confidence=confidence, compare_breakdowns=False)
    return headlines.headline_rows(metric_ids, latest, public_all, published_all, confidence, filters.programmes)


def trend(metric_id: str, filters: Filters = Filters(), *, scope: Scope, con=None, data_dir=None,
          confidence: float = 0.95):
    """The KHI by year and the trend test over the latest five or more years: (table, stats trend result)."""
    table, exact = _shown_and_counts([metric_id], "year", filters, scope=scope, con=con, data_dir=data_dir,
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


PROFILE_LEVELS = ("region", "scheme")


def profile(metric_ids: Sequence[str], level: str = "region", filters: Filters = Filters(), *, scope: Scope,
            con=None, data_dir=None, confidence: float = 0.95) -> pd.DataFrame:
    """Every KHI x every place (region and nation, or scheme) for the latest year in view, as khi_tables gives it
    (value, interval, n, benchmark, benchmark_name, comparison, disclosure control), with each cell's recent trend.

    Two computations whatever the number of KHIs and places: the latest year by place (the cells, equal to
    `khi_tables(ids, (level,), filters.with_years([latest]))`), and every year up to it by place and year (the trend
    test of `trend`, per cell, on the same figures `trend` tests: published counts outside the exact scopes). One
    scan of each aggregate table serves both: the cells and their benchmarks are sums of the series' counts.
    trend: "increasing", "decreasing", "no significant change", "cannot be calculated" or "not tested" (a KHI that
    is not a share of people); trend_assessment: "getting better", "getting worse" or "".
    """
    if level not in PROFILE_LEVELS:
        raise ValueError(f"a profile is by {' or '.join(PROFILE_LEVELS)}, not {level!r}")
    con = con if con is not None else connect(data_dir)
    ids = list(dict.fromkeys(metric_ids))
    ks = [registry.get(m) for m in ids]
    available = years(con=con)
    latest = max(filters.years or available)
    tested = [k for k in ks if k.share_of_people]
    trends: dict[tuple, tuple[str, str]] = {}
    counts = compute.Counts(con.cursor())
    try:
        if tested:
            span, exact = _scoped(counts.cur, scope, (level, "year"), filters.with_years(y for y in available
                                                                                          if y <= latest))
            # Every count by place and year, one query per table: the series (what `trend` tests, published outside
            # the exact scopes), and the cells and their benchmarks summed from its latest year (compute.Counts).
            compute.prefetch(counts, ks, (level, "year"), span, keys=not exact)
            series = compute.compute_many(counts.cur, tested, (level, "year"), span, confidence, not exact, counts,
                                          frames=False)
            trends = tables.trend_words_many(series, "scheme_id" if level == "scheme" else "area_code")
        ks, by, figures, exact = _figures(ids, (level,), filters.with_years([latest]), con, None, confidence, True,
                                          scope, counts)
    finally:
        counts.cur.close()
    cells = tables.finish(ks, figures, by, confidence, not exact)
    cells["year"], cells["year_label"] = latest, schema.fy_label(latest)
    place = cells["scheme_id"] if level == "scheme" else cells["area_code"]
    words = [trends.get((m, str(c)), ("not tested", "")) if registry.get(m).share_of_people
             else ("not tested", "") for m, c in zip(cells["metric_id"], place)]
    cells["trend"] = [w[0] for w in words]
    cells["trend_assessment"] = [w[1] for w in words]
    return cells


def funnel(metric_id: str, filters: Filters = Filters(), *, scope: Scope, con=None, data_dir=None) -> pd.DataFrame:
    """Schemes against their benchmark, with 95% and 99.8% funnel limits at each scheme's denominator.

    Only the schemes the scope may see (ScopeError for the public); the limits are around the benchmark beside them.
    """
    k = registry.get(metric_id)
    if not k.share_of_people:
        raise ValueError(f"a funnel plot needs a percentage KHI; {metric_id!r} is a {k.statistic}")
    counts = compute.Counts(_cursor(con, data_dir))  # the second pass (below) sums the first one's counts
    try:
        ks, by, figures, exact_scope = _figures([metric_id], "scheme", filters, con, data_dir, 0.95, True, scope,
                                                counts)
        if len(set(figures[metric_id]["benchmark_name"])) > 1:  # schemes of several nations: the UK as baseline
            ks, by, figures, exact_scope = _figures([metric_id], "scheme", replace(filters, benchmark="uk"), con,
                                                    data_dir, 0.95, True, scope, counts)
    finally:
        counts.cur.close()
    exact = tables.finish(ks, figures, by, 0.95, False)
    table = exact if exact_scope else tables.finish(ks, figures, by, 0.95, True)
    if exact.empty:
        return table
    baseline = float(exact["benchmark"].iloc[0]) / 100  # the benchmark (benchmark_name) for the same other filters
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


def similar_schemes(scheme_id: str, filters: Filters = Filters(), *, scope: Scope, con=None, data_dir=None,
                    k: int = similar.K_DEFAULT) -> pd.DataFrame:
    """A scheme's comparator group, its k nearest schemes in size and mix (kpi.metrics.similar, method in
    docs/statistics.md), as the scope may see it. ScopeError when the scope may not see the scheme (the public
    never may); a neighbour the scope may not see is named only by its area."""
    cur = _cursor(con, data_dir)
    try:
        return similar.group(cur, str(scheme_id), filters, scope=scope, k=k)
    finally:
        cur.close()


def compare_with_similar(metric_id: str, scheme_id: str, filters: Filters = Filters(), *, scope: Scope, con=None,
                         data_dir=None, k: int = similar.K_DEFAULT, confidence: float = 0.95) -> pd.DataFrame:
    """The scheme and its comparator group pooled, one row each, for one KHI and the view's other filters: value,
    interval, n, the benchmark and the comparison with it, and (the scheme's row) `compared_with_similar`, better /
    similar / worse than the group. The scheme's row is its own khi_table under the scope; ScopeError as for
    `similar_schemes`."""
    own = replace(filters, areas=(), schemes=(str(scheme_id),))
    cur = _cursor(con, data_dir)
    try:
        similar.check_scheme(cur, str(scheme_id), scope)
        similar.check_measure(metric_id)
        members = tuple(similar.members(cur, str(scheme_id), filters, k)["scheme_id"])
        # The scheme's own khi_table; its benchmark's counts also serve the group's benchmark (one Counts).
        counts = compute.Counts(cur)
        ks, by, figures, exact = _figures([metric_id], "scheme", own, con, data_dir, confidence, True, scope, counts)
        mine = tables.finish(ks, figures, by, confidence, not exact)
        if not members:
            return similar.compared(mine, None)
        # The group pooled: a figure of 5 to 10 schemes, not narrowed to the scope (a neighbour the viewer may not
        # see counts in it), so protected unless the scope sees every figure exactly.
        protect = not scope.exact_everywhere
        figures = _compute(cur, ks, (), replace(filters, areas=(), schemes=members), confidence, True, protect,
                           protect, counts)
        return similar.compared(mine, tables.finish(ks, figures, (), confidence, protect), len(members))
    finally:
        cur.close()
