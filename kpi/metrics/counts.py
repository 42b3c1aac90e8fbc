"""The count queries of one computation, kept so a coarser request is summed from a finer one instead of scanning
again (`Counts`, used by kpi.metrics.compute).

Counts and record-key sums are sums over records, so the sum of the finer groups is the coarser query's sum to the
unit (perturbation comes after, in `compute._counter`). A request is summed from an earlier one when it asks for the
same filters, or for fewer years of the same filters (the earlier one broken down by year), and its breakdowns are a
coarsening of the earlier one's: the benchmark of a table of places (the UK, the nations) or of subgroups (everyone in
the view), and the profile's latest year by place from its series by place and year (one scan of the cube for both).
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


def _fewer_years(fine_f: Filters, f: Filters) -> bool:
    """Whether `f` is `fine_f` narrowed to some of its years (and to at least one)."""
    return bool(f.years) and _same_query(replace(fine_f, years=()), replace(f, years=())) and (
        not fine_f.years or set(f.years) <= set(fine_f.years))


class Counts:
    """The count queries of one computation, kept so a coarser request is summed from a finer one instead of
    scanning again (see the module's doc)."""

    def __init__(self, cur):
        self.cur, self._done, self._population = cur, [], {}
        self._arrays: dict[int, tuple] = {}  # id of a frame in _done -> its columns, as below

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
        return self._get(("people",), ["people", "carers", "people__key"], by, f, True,
                         lambda: queries.people_supported(self.cur, by, f))

    def population(self, year: int) -> pd.DataFrame:
        if year not in self._population:
            self._population[year] = queries.population(self.cur, year)
        return self._population[year].copy()

    def _get(self, kind, columns, by, f, keys, query, within=()):
        by = tuple(by)
        for fine_kind, fine_by, fine_f, fine_keys, fine in self._done:
            if fine_kind != kind or not (fine_keys or not keys) or not set(columns) <= self._columns_of(fine)[0]:
                continue
            if fine_by == by and _same_query(fine_f, f):
                return fine.copy()
            if _same_query(fine_f, f) or ("year" in fine_by and _fewer_years(fine_f, f)):
                rolled = self._roll_up(fine, fine_by, fine_f, by, f, columns, within)
                if rolled is not None:
                    return rolled
        got = query()
        self._done.append((kind, by, f, keys, got))
        return got.copy()  # callers may publish (perturb) a copy in place; the raw counts stay for summing

    def _roll_up(self, fine: pd.DataFrame, fine_by, fine_f: Filters, by, f: Filters, columns,
                 within) -> pd.DataFrame | None:
        """`fine` (the counts of `fine_by` over `fine_f`) summed to `by` over `f`; None when `by` is not a coarsening
        of `fine_by` (its breakdowns, bar the nation made from the area, all in `fine_by`). `f` is `fine_f` or some of
        its years: the rows of those years are the rows the query would sum."""
        rest = tuple(b for b in by if b != "nation")
        have = set(queries.group_columns(fine_by))
        if "nation" in fine_by and {"region", "scheme"} & set(by):  # fine's area_code is a nation's
            return None
        if (not set(queries.group_columns(rest)) <= have or not set(columns) <= self._columns_of(fine)[0]
                or ("nation" in by and "nation" not in fine_by and "area_code" not in have)):
            return None
        rows = None if _same_query(fine_f, f) else fine["year"].isin(f.years).to_numpy()  # fewer years: theirs
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
        key_values = {k: fine[k] for k in keys}
        if "nation" in by and "nation" not in fine_by:
            key_values["area_code"] = _nation(key_values["area_code"])
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
        uniques.append(unique.array)
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
