"""From exact figures to the tidy, self-describing table every output shares: labels, benchmark comparison,
description columns and, for public output, disclosure control (applied here once, in `public_view`).
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
import pandas as pd

from kpi.data import queries, schema
from kpi.i18n import N_
from kpi.data.queries import Filters
from kpi.metrics import compute, disclosure, registry, stats
from kpi.metrics.registry import KHI


PLACE_BREAKDOWNS = ("region", "scheme", "nation")
# The rule `benchmark_codes` applies, in words (docs/metrics.md, the definitions page).
BENCHMARK_RULE = N_(
    "An English region, or a scheme in England, is compared with England; a scheme in Wales, Scotland or Northern "
    "Ireland with its nation; Wales, Scotland, Northern Ireland and England as a whole with the UK (a nation set "
    "against itself would always be similar), and so is a view mixing nations. The UK can be chosen as the benchmark "
    "for every place instead (Compare areas and the Area profile: \"Compare with\"; `python -m kpi table --benchmark "
    "uk`). A breakdown that is not a place (years, arrangements...) is compared with everyone in the same view. The "
    "benchmark is computed for the same other filters, and outside the analysts' scope from published counts, "
    "suppressed and rounded as the public sees it. Every comparison names its benchmark (`benchmark_name`: England, "
    "Wales, Scotland, Northern Ireland or UK). Counts of people are not compared.")
AREA_NAMES = {**schema.AREAS, **schema.NATIONS}
# Label columns stay English (tables are data); outputs translate them where shown: _(NOT_RECORDED), _(label).
NOT_RECORDED = N_("Not recorded")
LABELLED = ("arrangement", "age_band", "primary_need", "programme")  # code columns with a label beside them


def add_labels(df: pd.DataFrame) -> pd.DataFrame:
    """Human labels beside codes, so no output shows a bare code to a person."""
    if "area_code" in df:
        df["area_name"] = df["area_code"].map(AREA_NAMES)
    if "year" in df:
        df["year_label"] = df["year"].map(lambda y: schema.fy_label(int(y)) if pd.notna(y) else "")
    for col in LABELLED:
        if col in df:
            df[f"{col}_label"] = df[col].map(lambda v, m=schema.LABELS[col]: m.get(v, NOT_RECORDED))
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


EXTRA_ORDER = ["status", "population_year", "period_start", "period_end", "people_start", "people_end"]


def finish(ks: Sequence[KHI], exact: dict, by: Sequence[str], confidence: float, public: bool) -> pd.DataFrame:
    """Stack the KHIs' exact figures, then label, describe and (for public output) apply disclosure control once.

    Done on the stacked table, not per KHI, and column by column as arrays, the frame built once at the end: pandas
    costs per operation (an insert, a copy), and a page asks for dozens of KHIs.
    """
    parts = [exact[k.id] for k in ks]
    stacked = stack(parts)
    table = {c: (v.to_numpy() if isinstance(v.dtype, np.dtype) else v.array) for c, v in stacked.items()}
    for name in WORD_COLUMNS:
        if name in table and table[name].dtype != "str":
            table[name] = table[name].astype("str")
    sizes = [row_count(p) for p in parts]
    for name, values in (("metric_id", [k.id for k in ks]), ("metric_title", [k.title for k in ks]),
                         ("unit", [k.unit for k in ks]), ("statistic", [k.statistic for k in ks]),
                         ("method", [k.facts.method_name for k in ks])):
        table[name] = pd.array(np.repeat(np.asarray(values, dtype=object), sizes), dtype="str")
    min_n = np.repeat(np.asarray([k.min_n for k in ks], dtype=float), sizes)
    table.update(_labels(table))
    table["confidence"] = pd.array(np.full(len(min_n), stats.confidence_label(confidence), dtype=object), dtype="str")
    cols = ["metric_id", "metric_title", *label_columns(by), "numerator", "denominator", "value", "lower",
            "upper", "unit", "benchmark", "benchmark_name", "comparison", "confidence", "statistic", "method"]
    # Extra columns in one fixed order, so a KHI's columns read the same alone or split from a stack.
    extra = sorted((c for c in table if c not in cols),
                   key=lambda c: (EXTRA_ORDER.index(c) if c in EXTRA_ORDER else len(EXTRA_ORDER), c))
    table = {c: table[c] for c in (*cols, *extra)}
    if public:
        table = public_view(table, min_n, ks, sizes)
    else:
        table["suppressed"], table["suppression"] = np.zeros(len(min_n), dtype=bool), pd.array(
            np.full(len(min_n), "", dtype=object), dtype="str")
    for col in ("numerator", "denominator", *extra):
        table[col] = _whole_numbers(table[col])
    return pd.DataFrame(table)


def _whole_numbers(array):
    """A numeric column (not bool) as Int64 when every value present is a whole number (counts and years print as
    whole numbers); any other column as it is."""
    if not pd.api.types.is_numeric_dtype(array.dtype) or pd.api.types.is_bool_dtype(array.dtype):
        return array
    values = array.astype(float) if isinstance(array, np.ndarray) else array.to_numpy(dtype=float, na_value=np.nan)
    present = ~np.isnan(values)
    if not present.any() or not (values[present] % 1 == 0).all():
        return array
    return pd.array(array, dtype="Int64")


def _labels(table: dict) -> dict:
    """`add_labels`' columns for a table held as arrays."""
    codes = {c: table[c] for c in ("area_code", "year", *LABELLED) if c in table}
    labelled = add_labels(pd.DataFrame(codes))
    return {c: labelled[c].array for c in labelled.columns if c not in codes}


def public_view(table: dict, min_n: np.ndarray, ks: Sequence[KHI], sizes: list[int]) -> dict:
    """Disclosure control for a stacked table of published figures (its columns as arrays; one KHI per run of `sizes`
    rows, `min_n` per row); every public output goes through here. Small rows are suppressed (the rule of
    `disclosure.apply`) and figures are rounded to the precision shown on screen."""
    if not len(min_n):
        table["suppressed"], table["suppression"] = np.zeros(0, dtype=bool), pd.array([], dtype="str")
        return table
    value_cols = [c for c in ("value", "lower", "upper", "benchmark") if c in table]
    count_cols = [c for c in ("numerator", "denominator", "people_start", "people_end") if c in table]
    hidden = disclosure.hidden_rows(table["denominator"], np.maximum(min_n, disclosure.MIN_DENOMINATOR))
    for column in dict.fromkeys([*count_cols, *value_cols]):
        table[column] = disclosure.suppressed(table[column], hidden)
    table["suppressed"], table["suppression"] = hidden, pd.array(np.where(hidden, "primary", "").astype(object),
                                                                   dtype="str")
    table["comparison"] = pd.array(np.where(hidden, "not compared", np.asarray(table["comparison"], dtype=object)),
                                   dtype="str")
    rows = [k for k, size in zip(ks, sizes) for _ in range(size)]
    for column in value_cols:
        table[column] = registry.round_shown(rows, np.asarray(table[column], dtype=float))
    return table


def row_count(part) -> int:
    """The number of rows of a KHI's figures: a frame, or its columns as a dict of arrays (compute_many's)."""
    return len(part) if isinstance(part, pd.DataFrame) else len(next(iter(part.values())))


def stack(parts: Sequence) -> pd.DataFrame:
    """The KHIs' figures (frames, or dicts of arrays) as one frame, as `pd.concat(frames, ignore_index=True)` of
    their frames: the runs of KHIs with the same columns and types (a query's KHIs) joined array by array, then the
    few runs concatenated. A frame per KHI cost more than its figures."""
    runs: list[list[dict]] = []
    signature = None
    for part in parts:
        part = {c: part[c].array for c in part.columns} if isinstance(part, pd.DataFrame) else part
        sig = tuple((c, getattr(a, "dtype", None), type(a)) for c, a in part.items())
        if sig != signature:
            runs.append([])
            signature = sig
        runs[-1].append(part)
    frames = [pd.DataFrame({c: _join([p[c] for p in run]) for c in run[0]}) for run in runs]
    return pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]


def _join(arrays: list):
    """Arrays of one type and dtype end to end."""
    if len(arrays) == 1:
        return arrays[0]
    if isinstance(arrays[0], np.ndarray):
        return np.concatenate(arrays)
    return type(arrays[0])._concat_same_type(arrays)


def split_by_metric(table: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """A stacked khi_tables result as one table per KHI, each equal to that KHI's own khi_table.

    Stacking unions the KHIs' extra columns (a growth status, a population year); a KHI's part drops the extra
    columns that are empty for it, so its CSV stays the one `python -m kpi table` prints.
    """
    core = {"metric_id", "metric_title", "numerator", "denominator", "value", "lower", "upper", "unit", "benchmark",
            "benchmark_name", "comparison", "confidence", "statistic", "method", "suppressed", "suppression"}
    parts = {}
    for metric_id in dict.fromkeys(table["metric_id"]):
        part = table[table["metric_id"] == metric_id].reset_index(drop=True)
        empty = [c for c in part.columns if c not in core and part[c].isna().all()]
        parts[metric_id] = part.drop(columns=empty)
    return parts


def with_benchmarks(cur, ks, exact: dict, by, f: Filters, confidence, compare_breakdowns: bool,
                    protect: bool = False, benchmark_protect: bool | None = None,
                    counts: compute.Counts | None = None) -> dict:
    """Add the benchmark, its name and the Fingertips comparison (better / similar / worse) to each KHI's table.

    A place (region, scheme, nation, or a filtered area) is compared with its benchmark for the same other filters
    (`benchmark_codes`: with `f.benchmark` "auto", an English region or scheme with England, a scheme in Wales,
    Scotland or Northern Ireland with its nation, a nation with the UK; with "uk", everything with the UK). A
    breakdown that is not a place (year, arrangement...) is compared with everyone in the same view (the UK), unless
    `compare_breakdowns` is False (the headline compares years only through its own change test).
    benchmark_protect (default: `protect`): the benchmark from published counts, rounded as shown, beside exact
    figures (a scheme manager's own schemes are exact; the benchmark they are set against is the public one).
    counts: the `compute.Counts` the figures came from, so a benchmark over the same filters is their places' sum.
    """
    benchmark_protect = protect if benchmark_protect is None else benchmark_protect
    place_in_view = bool(f.areas or f.schemes) or any(b in PLACE_BREAKDOWNS for b in by)
    bench_by = tuple(b for b in by if b not in PLACE_BREAKDOWNS) if place_in_view else ()
    bench_f = f.without_place() if place_in_view else f
    # Counts of people are not comparable with a national total; rates and percentages are.
    comparable = [k for k in ks if k.compared]
    if not place_in_view and (not by or not compare_breakdowns):
        comparable = []
    keys = queries.group_columns(bench_by)
    codes = {k.id: benchmark_codes(cur, exact[k.id], by, f) if place_in_view else
             np.full(row_count(exact[k.id]), schema.UK, dtype=object) for k in comparable}
    wanted = set().union(*(set(c) for c in codes.values())) if codes else set()
    # One computation per benchmark level in use (the UK; the nations, grouped in one query), for every KHI at once:
    # per KHI, (figures, the column holding each row's benchmark code, or None for the UK).
    bench: dict[str, list] = {k.id: [] for k in comparable}
    if comparable and schema.UK in wanted:
        for mid, t in compute.compute_many(cur, comparable, bench_by, bench_f, confidence, benchmark_protect,
                                           counts, frames=False).items():
            bench[mid].append((t, None))
    if comparable and wanted - {schema.UK}:
        nations = compute.compute_many(cur, comparable, (*bench_by, "nation"), bench_f, confidence, benchmark_protect,
                                       counts, frames=False)
        for mid, t in nations.items():
            bench[mid].append((t, "area_code"))
    out = {}
    for k in ks:
        table = exact[k.id]
        if not bench.get(k.id):
            n = row_count(table)
            out[k.id] = _with_columns(table, benchmark=np.full(n, np.nan), benchmark_name=np.full(n, "", dtype=object),
                                      comparison=np.full(n, "not compared", dtype=object))
            continue
        # A lookup by (group keys..., benchmark code), not a merge: a merge per KHI cost more than the queries.
        lookup = {}
        for t, code_col in bench[k.id]:  # t: columns as arrays (compute_many's frames=False)
            values = np.asarray(t["value"], dtype=float)
            if benchmark_protect and not protect:  # as the public sees it: public_view would suppress and round it
                small = ~(np.asarray(t["denominator"], dtype=float) >= max(k.min_n, disclosure.MIN_DENOMINATOR))
                values = np.where(small, np.nan, registry.round_shown(k, values))
            codes_of = t[code_col].tolist() if code_col else [schema.UK] * len(values)
            lookup.update(zip(zip(*[t[c].tolist() for c in keys], codes_of), values))
        mine = codes[k.id]
        rows = zip(*[table[c].tolist() for c in keys], mine)
        benchmark = np.array([lookup.get(r, np.nan) for r in rows], dtype=float)
        comparison = stats.compare_to_benchmark(np.asarray(table["lower"], dtype=float),
                                                np.asarray(table["upper"], dtype=float), benchmark, k.direction)
        out[k.id] = _with_columns(table, benchmark=benchmark,
                                  benchmark_name=np.array([schema.BENCHMARK_NAMES[c] for c in mine], dtype=object),
                                  comparison=np.asarray(comparison, dtype=object))
    return out


def _with_columns(table, **columns) -> dict:
    """`table`'s columns (a frame's, or a dict of arrays) and `columns`, as a dict of arrays (`stack` makes the
    frame, once for every KHI: a frame per KHI, or an insert per column, cost more than the figures). The words
    (benchmark_name, comparison) stay object arrays here: `finish` makes them str once for every KHI."""
    table = {c: table[c].array for c in table.columns} if isinstance(table, pd.DataFrame) else table
    return {**table, **columns}


WORD_COLUMNS = ("benchmark_name", "comparison")  # str, also when empty (an empty object array is not inferred)


def benchmark_codes(cur, table: pd.DataFrame, by, f: Filters) -> np.ndarray:
    """The benchmark's code (a nation's, or schema.UK) for each row of a table of places, by `f.benchmark`.

    A row of a nation, or of Wales, Scotland or Northern Ireland in a breakdown by region, is compared with the UK
    (set against itself it would always be similar); a place mixing nations (a filter naming England and Wales) too.
    """
    n = row_count(table)
    if f.benchmark not in schema.BENCHMARK_CHOICES:
        raise ValueError(f"benchmark must be one of {', '.join(schema.BENCHMARK_CHOICES)}, not {f.benchmark!r}")
    if f.benchmark == "uk":
        return np.full(n, schema.UK, dtype=object)
    if "nation" in by:
        return np.full(n, schema.UK, dtype=object)
    if "scheme" in by:
        return np.array([schema.nation_of(a) for a in table["area_code"]], dtype=object)
    if "region" in by:
        return np.array([schema.ENGLAND if str(a).startswith("E") else schema.UK for a in table["area_code"]],
                        dtype=object)
    # The place is the filter: its areas, or the areas of the schemes it names.
    areas = set(f.areas)
    if f.schemes:
        areas |= set(queries.schemes(cur, scheme_ids=f.schemes)["area_code"])
    nations = {schema.nation_of(a) for a in areas}
    if len(nations) == 1:
        (nation,) = nations
        # A nation as a whole (Wales, or every English region) is compared with the UK, not with itself.
        whole = (nation != schema.ENGLAND and not f.schemes) or (nation == schema.ENGLAND and not f.schemes
                                                                 and set(schema.ENGLISH_REGIONS) <= areas)
        return np.full(n, schema.UK if whole else nation, dtype=object)
    return np.full(n, schema.UK, dtype=object)


def change_words(lower: float, upper: float, direction: str) -> str:
    """A change's interval in words, by the KHI's direction of good (the headline's change on last year)."""
    if lower > 0 or upper < 0:
        up = lower > 0
        if direction == "no_judgement":
            return "significantly higher" if up else "significantly lower"
        good = up == (direction == "high_is_good")
        return "significantly better" if good else "significantly worse"
    return "no significant change"


def trend_words(k, by_year: dict[int, tuple[float, float]]) -> tuple[str, str]:
    """(label, assessment) of one place's trend test, as `trend` computes it: consecutive years, a year with too few
    answers (or none) kept as missing."""
    span = range(min(by_year), max(by_year) + 1)
    counts = [by_year.get(y, (np.nan, np.nan)) for y in span]
    counts = [(x, n) if n >= k.min_n else (np.nan, np.nan) for x, n in counts]
    result = stats.trend_test([c[0] for c in counts], [c[1] for c in counts], k.direction)
    return result.label, result.assessment


def trend_words_many(series: dict[str, pd.DataFrame], place: str) -> dict[tuple[str, str], tuple[str, str]]:
    """`trend_words` for every (KHI, place) of yearly figures by place and year (compute_many's, one table per
    KHI), in one vectorised test: {(metric_id, place code): (label, assessment)}. Each place's series runs from its
    first to its last year with figures, as `trend_words` takes it; the test uses its latest five."""
    width = 5  # stats.trend_test's periods
    mids, codes, years, nums, dens = [], [], [], [], []
    for mid, t in series.items():  # columns as arrays (compute_many's frames=False) or a frame
        k = registry.get(mid)
        num, den = np.asarray(t["numerator"], dtype=float), np.asarray(t["denominator"], dtype=float)
        small = ~(den >= k.min_n)  # too few answers: missing, as in trend_words
        mids.append(np.full(len(num), mid, dtype=object))
        codes.append(np.array([str(c) for c in t[place]], dtype=object))
        years.append(np.asarray(t["year"], dtype=np.int64))
        nums.append(np.where(small, np.nan, num))
        dens.append(np.where(small, np.nan, den))
    if not mids:
        return {}
    mid, code, year, num, den = (np.concatenate(a) for a in (mids, codes, years, nums, dens))
    cells = pd.MultiIndex.from_arrays([mid, code])
    row = cells.unique()
    which = row.get_indexer(cells)
    first = np.full(len(row), np.iinfo(np.int64).max)
    last = np.full(len(row), np.iinfo(np.int64).min)
    np.minimum.at(first, which, year)
    np.maximum.at(last, which, year)
    x = np.full((len(row), width), np.nan)
    n = x.copy()
    column = year - last[which] + width - 1  # the latest year in the last column
    kept = column >= 0
    x[which[kept], column[kept]], n[which[kept], column[kept]] = num[kept], den[kept]
    too_short = last - first + 1 < width  # fewer than five periods: cannot be calculated
    x[too_short], n[too_short] = np.nan, np.nan
    directions = [registry.get(m).direction for m in row.get_level_values(0)]
    label, assessment = stats.trend_labels(x, n, directions)
    return dict(zip(row, zip(label, assessment)))
