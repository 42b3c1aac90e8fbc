"""The count queries of one computation, kept so a coarser request is summed from a finer one instead of scanning
again (`Counts`, used by kpi.metrics.compute).

Counts and record-key sums are sums over records, so the sum of the finer groups is the coarser query's sum to the
unit (perturbation comes after, in `compute._counter`). A request is summed from an earlier one when it asks for the
same filters, or for some of their years, areas or programmes (the earlier one broken down by year, by place, by
programme), and its breakdowns are a coarsening of the earlier one's: the benchmark of a table of places (the UK, the
nations) or of subgroups (everyone in the view), the profile's latest year by place from its series by place and year
(one scan of the cube for both), the growth page's totals per programme, England and nation from the view's counts.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from kpi.data import queries, schema
from kpi.data.queries import Filters


def _same_query(a: Filters, b: Filters) -> bool:
    """Whether two filters make the same query: the benchmark choice is no SQL filter."""
    return a == b or replace(a, benchmark="auto") == replace(b, benchmark="auto")


# Filter -> (the column of a result it keeps rows by, the breakdowns that give that column).
_NARROWED_BY_ROWS = {"years": ("year", {"year"}), "areas": ("area_code", {"region", "scheme"}),
                     "programmes": ("programme", {"programme"})}


def _narrowing(fine_by, fine_f: Filters, f: Filters) -> dict[str, tuple] | None:
    """The rows of a result by `fine_by` over `fine_f` that the query over `f` sums, as {column: values kept}: {}
    when both make the same query, None when `f` is not `fine_f` narrowed to some of its years, areas or programmes
    (each to at least one) that `fine_by` breaks down by. A nation breakdown's area_code is a nation's, not an area's:
    no area is kept by it."""
    if _same_query(fine_f, f):
        return {}
    cleared = {name: () for name in _NARROWED_BY_ROWS}
    if not _same_query(replace(fine_f, **cleared), replace(f, **cleared)):
        return None
    kept = {}
    for name, (column, breakdowns) in _NARROWED_BY_ROWS.items():
        fine_values, values = set(getattr(fine_f, name)), set(getattr(f, name))
        if fine_values == values:
            continue
        if not values or not breakdowns & set(fine_by) or (fine_values and not values <= fine_values):
            return None
        kept[column] = tuple(values)
    return kept


class Counts:
    """The count queries of one computation, kept so a coarser request is summed from a finer one instead of
    scanning again (see the module's doc)."""

    def __init__(self, cur):
        self.cur, self._done, self._population = cur, [], {}
        self._arrays: dict = {}  # id of a frame in _done (and a column's name) -> its columns, as below
        self._rolled: dict[tuple, pd.DataFrame] = {}  # the sums made, by request: a page asks some several times

    def _columns_of(self, fine: pd.DataFrame) -> tuple[set, dict, np.ndarray]:
        """(its column names, {count column: position}, its whole-number counts as one int64 matrix), made once per
        query result: pandas' column selection cost more than the sums."""
        if id(fine) not in self._arrays:
            names = [c for c, d in zip(fine.columns, fine.dtypes) if d == np.int64]
            self._arrays[id(fine)] = (set(fine.columns), {c: i for i, c in enumerate(names)},
                                      fine[names].to_numpy(dtype=np.int64))
        return self._arrays[id(fine)]

    def cube(self, columns, by, f: Filters, table: str = "cube", keys: bool = False) -> pd.DataFrame:
        wanted = [*columns, *(queries.key_column(c) for c in columns if keys and c in queries.KEYED_COLUMNS)]
        return self._get(("cube", table), wanted, by, f, keys,
                         lambda: queries.cube_counts(self.cur, columns, by, f, table=table, keys=keys))

    def hist(self, by, f: Filters) -> pd.DataFrame:
        return self._get(("hist",), ["n", "n__key"], by, f, True, lambda: queries.friends_histogram(self.cur, by, f),
                         within=("friends_count",))

    def people(self, by, f: Filters) -> pd.DataFrame:
        return self._get(("people",), ["people", "people__key"], by, f, True,
                         lambda: queries.people_supported(self.cur, by, f))

    def population(self, year: int) -> pd.DataFrame:
        if year not in self._population:
            self._population[year] = queries.population(self.cur, year)
        return self._population[year].copy()

    def _get(self, kind, columns, by, f, keys, query, within=()):
        by = tuple(by)
        asked = (kind, tuple(columns), by, replace(f, benchmark="auto"), tuple(within))
        if asked in self._rolled:
            return self._rolled[asked].copy()
        for fine_kind, fine_by, fine_f, fine_keys, fine in self._done:
            if fine_kind != kind or not (fine_keys or not keys) or not set(columns) <= self._columns_of(fine)[0]:
                continue
            kept = _narrowing(fine_by, fine_f, f)
            if kept is None:
                continue
            if fine_by == by and not kept:
                return fine.copy()
            rolled = self._roll_up(fine, fine_by, kept, by, columns, within)
            if rolled is not None:
                self._rolled[asked] = rolled
                return rolled.copy()
        got = query()
        self._done.append((kind, by, f, keys, got))
        return got.copy()  # callers may publish (perturb) a copy in place; the raw counts stay for summing

    def _column(self, fine: pd.DataFrame, name: str):
        """One column of a query result as an array, taken once (a pandas column look-up cost more than the sums)."""
        key = (id(fine), name)
        if key not in self._arrays:
            column = fine[name]
            self._arrays[key] = column.to_numpy() if column.dtype.kind in "iufb" else column.array
        return self._arrays[key]

    def _roll_up(self, fine: pd.DataFrame, fine_by, kept: dict, by, columns, within) -> pd.DataFrame | None:
        """`fine` (the counts of `fine_by`) summed to `by` over its rows `kept` ({column: values}, `_narrowing`: the
        rows the query would sum); None when `by` is not a coarsening of `fine_by` (its breakdowns, bar the nation
        made from the area, all in `fine_by`)."""
        rest = tuple(b for b in by if b != "nation")
        have = set(queries.group_columns(fine_by))
        if "nation" in fine_by and {"region", "scheme"} & set(by):  # fine's area_code is a nation's
            return None
        if (not set(queries.group_columns(rest)) <= have or not set(columns) <= self._columns_of(fine)[0]
                or ("nation" in by and "nation" not in fine_by and "area_code" not in have)):
            return None
        rows = None
        for column, values in kept.items():
            array = self._column(fine, column)
            keep = np.isin(array, list(values)) if isinstance(array, np.ndarray) else np.asarray(
                array.isin(list(values)), dtype=bool)
            rows = keep if rows is None else rows & keep
        if fine.empty or (rows is not None and not rows.any()):
            return None
        keys = [*queries.group_columns(by), *within]
        columns = list(columns)
        _, at, matrix = self._columns_of(fine)
        if not all(c in at for c in columns):  # not BIGINT counts: pandas' sums
            if rows is not None:
                fine = fine[rows]
            if "nation" in by and "nation" not in fine_by:
                fine = fine.assign(area_code=_nation(fine["area_code"]))
            if not keys:
                return pd.DataFrame({c: [fine[c].sum()] for c in columns})
            # ORDER BY ALL's order: by the group columns, missing last.
            return fine.groupby(keys, sort=True, dropna=False)[columns].sum().reset_index()
        values = matrix[:, [at[c] for c in columns]]
        key_values = {k: self._column(fine, k) for k in keys}
        if "nation" in by and "nation" not in fine_by:
            key_values["area_code"] = _nation(pd.Series(key_values["area_code"], copy=False)).array
        if rows is not None:
            values = values[rows]
            key_values = {k: v[rows] for k, v in key_values.items()}
        return group_sum(key_values, values, columns)


def _nation(area_code: pd.Series) -> pd.Series:
    """As schema.NATION_SQL: England as one area, the other nations as themselves."""
    return area_code.where(~area_code.str.startswith("E", na=False), schema.ENGLAND)


def group_sum(keys: dict[str, pd.Series], values: np.ndarray, columns: list[str]) -> pd.DataFrame:
    """Whole-number counts (`values`, one column per name in `columns`, one row per row of the `keys` columns) summed
    per group of keys, as `frame.groupby(keys, sort=True, dropna=False)[columns].sum().reset_index()` gives them
    (the groups sorted, missing last), in numpy: pandas' groupby cost more than the queries it saves."""
    if not keys:
        return pd.DataFrame(values.sum(axis=0, dtype=np.int64)[None, :], columns=columns)
    combined = np.zeros(len(values), dtype=np.int64)
    uniques, sizes = [], []
    for key in keys.values():
        code, unique = pd.factorize(key, sort=True)  # missing: -1, made the last code (sorted last)
        size = len(unique) + 1
        combined = combined * size + np.where(code < 0, size - 1, code)
        uniques.append(getattr(unique, "array", unique))  # an Index's values; an array's own uniques
        sizes.append(size)
    groups, which = np.unique(combined, return_inverse=True)
    sums = np.zeros((len(groups), len(columns)), dtype=np.int64)
    np.add.at(sums, which.ravel(), values)
    out = pd.DataFrame(sums, columns=columns)  # one block: a column per count cost more than the sums
    rest = groups
    for key, unique, size in reversed(list(zip(keys, uniques, sizes))):
        code = rest % size
        rest = rest // size
        out.insert(0, key, pd.api.extensions.take(unique, np.where(code == size - 1, -1, code), allow_fill=True))
    return out
