"""Baseline (b), bare DuckDB: one aggregate query over only the needed columns of the raw Parquet files per figure
set, no aggregate tables. Its SQL is its own on purpose: an independent implementation, not kpi.data.queries."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from perf.figures import GROUPS, Req, finish, group_cols, needs_schemes


class DuckBaseline:
    """One aggregate query over only the needed columns of the raw Parquet files per figure set (no aggregates).

    Proportions sharing a breakdown and filters are counted in one query (as a person writing it by hand would).
    """

    def __init__(self, root: Path):
        from kpi.data import store

        manifest = store.read_manifest(root)
        self.params = {"files": [str(p) for p in manifest.files(root, "responses")],
                       # not "schemes": that is the name of the schemes filter's parameter (a scheme view)
                       "scheme_files": [str(p) for p in manifest.files(root, "schemes")],
                       "people": [str(p) for p in manifest.files(root, "people_supported")]}

    def connect(self):
        import duckdb

        return duckdb.connect(config={"preserve_insertion_order": False})

    RAW = "read_parquet($files, hive_partitioning = true)"
    SCHEMES = "read_parquet($scheme_files)"

    @staticmethod
    def _where(f, params: dict, alias: str = "r") -> str:
        terms = []
        for name, col, values in (("years", f"{alias}.fy", f.years), ("areas", "s.area_code", f.areas),
                                  ("programmes", "s.programme", f.programmes),
                                  ("arrangements", f"{alias}.arrangement", f.arrangements),
                                  ("age_bands", f"{alias}.age_band", f.age_bands),
                                  ("needs", f"{alias}.primary_need", f.needs),
                                  ("schemes", f"{alias}.scheme_id", f.schemes)):
            if values:
                params[name] = list(values)
                terms.append(f"list_contains(${name}, {col})")
        return ("WHERE " + " AND ".join(terms)) if terms else ""

    @staticmethod
    def _select(by, alias="r") -> tuple[str, str]:
        exprs = []
        for b in by:
            for col, from_schemes in GROUPS[b]:
                src = f"s.{col}" if from_schemes else (f"{alias}.fy" if col == "year" else f"{alias}.{col}")
                item = f"{src} AS {col}"
                if item not in exprs:
                    exprs.append(item)
        return "".join(e + ", " for e in exprs), ("GROUP BY ALL" if exprs else "")

    def run_page(self, con, reqs: list[Req]) -> dict[Req, object]:
        from kpi.metrics import registry

        out: dict[Req, object] = {}
        batches: dict[tuple, list[Req]] = {}
        self._pairs = {}  # the KHIs of one (breakdown, filters) share one first-to-latest query, as by hand
        for r in reqs:
            k = registry.get(r.metric) if r.kind == "khi" else None
            if k is not None and k.kind in ("proportion", "net"):
                batches.setdefault((r.by, r.f), []).append(r)
            else:
                out[r] = self._one(con, r)
        for (by, f), batch in batches.items():
            out.update(self._proportions(con, by, f, batch))
        return out

    def _q(self, con, sql, params) -> pd.DataFrame:
        return con.execute(sql, {k: v for k, v in {**self.params, **params}.items() if "$" + k in sql}).df()

    def _from(self, by, f) -> str:
        join = f" JOIN {self.SCHEMES} s ON s.scheme_id = r.scheme_id" if needs_schemes(by, f) else ""
        return f"FROM {self.RAW} r{join}"

    def _proportions(self, con, by, f, batch):
        from kpi.metrics import registry

        params: dict = {}
        aggs, names = [], {}
        for r in batch:
            k = registry.get(r.metric)
            for a in {*k.numerator, *k.denominator}:
                name = f"c{len(names)}"
                if (k.source, a) in names:
                    continue
                names[(k.source, a)] = name
                if a == "unanswered":
                    aggs.append(f"count(*) FILTER (WHERE r.{k.source} IS NULL) AS {name}")
                elif k.source == "friends_count":
                    cond = {"0": "= 0", "3_or_more": ">= 3", "answered": "IS NOT NULL"}[a]
                    aggs.append(f"count(*) FILTER (WHERE r.friends_count {cond}) AS {name}")
                else:
                    params[name] = a
                    aggs.append(f"count(*) FILTER (WHERE r.{k.source} = ${name}) AS {name}")
        select, group = self._select(by)
        where = self._where(f, params)
        counts = self._q(con, f"SELECT {select}{', '.join(aggs)} {self._from(by, f)} {where} {group}", params)
        out = {}
        for r in batch:
            k = registry.get(r.metric)
            per = counts[group_cols(by)].copy()
            for a in {*k.numerator, *k.denominator}:
                per[a] = counts[names[(k.source, a)]]
            out[r] = finish(k, per, group_cols(by))
        return out

    def _one(self, con, r: Req):
        from kpi.metrics import registry

        if r.kind == "years":
            return [int(y) for y in self._q(con, f"SELECT DISTINCT fy FROM {self.RAW} ORDER BY fy", {})["fy"]]
        if r.kind == "schemes":
            return self._q(con, f"SELECT * FROM {self.SCHEMES}", {})
        if r.kind == "mix":
            params: dict = {}
            return self._q(con, f"SELECT r.scheme_id, r.arrangement, r.age_band, r.primary_need, count(*) AS responses "
                                f"FROM {self.RAW} r {self._where(r.f, params)} GROUP BY ALL", params)
        if r.kind == "coverage":
            row = self._q(con, f"SELECT count(*) AS responses, min(completed_on) AS first_date, max(completed_on) "
                               f"AS last_date, count(DISTINCT person_id) AS people FROM {self.RAW}", {})
            return row.iloc[0].to_dict()
        k = registry.get(r.metric)
        params: dict = {}
        select, group = self._select(r.by)
        if k.table == "people_supported":
            keys = [c for c in group_cols(r.by) if c != "year"]
            sel = "".join(f"{'p' if c in ('scheme_id', 'arrangement') else 's'}.{c} AS {c}, " for c in keys)
            # every year is summed (the table is small); the period is picked from the result
            where = self._where(r.f.with_years([]), params, alias="p")
            sql = (f"SELECT {sel}p.year, sum(p.people) AS people FROM read_parquet($people) p "
                   f"JOIN {self.SCHEMES} s ON s.scheme_id = p.scheme_id {where} GROUP BY ALL")
            return self._q(con, sql, params)
        if k.kind == "median":
            where = self._where(r.f, params)
            where = (where + " AND " if where else "WHERE ") + "r.friends_count IS NOT NULL"
            sql = (f"SELECT {select}median(r.friends_count) AS value, count(*) AS denominator "
                   f"{self._from(r.by, r.f)} {where} {group}")
            return self._q(con, sql, params)
        key = (r.by, r.f)
        if key not in self._pairs:
            self._pairs[key] = self._pair_counts(con, r.by, r.f)
        return finish(k, self._pairs[key], group_cols(r.by))

    def _pair_counts(self, con, by, f) -> pd.DataFrame:
        params: dict = {}
        select, group = self._select(by)
        # first-to-latest pairs, written as a person would in SQL: number each person's answers, join the first
        # to the latest (an arg_min/arg_max over a (date, id) struct was tried: about three times slower at 10M)
        join = " JOIN read_parquet($scheme_files) s ON s.scheme_id = r.scheme_id" if needs_schemes(by, f) else ""
        where = self._where(f, params)
        sql = f"""
            WITH ranked AS (
                SELECT person_id, scheme_id, fy, arrangement, age_band, primary_need, friends_count, impact_connected,
                       row_number() OVER (PARTITION BY person_id ORDER BY completed_on, response_id) AS k,
                       count(*) OVER (PARTITION BY person_id) AS m
                FROM {self.RAW}
            ), r AS (
                SELECT l.scheme_id, l.fy, l.arrangement, l.age_band, l.primary_need,
                       l.friends_count - f.friends_count AS d,
                       CASE WHEN f.impact_connected IN ('positive', 'none', 'negative')
                            THEN f.impact_connected = 'positive' END AS c1,
                       CASE WHEN l.impact_connected IN ('positive', 'none', 'negative')
                            THEN l.impact_connected = 'positive' END AS c2
                FROM ranked f JOIN ranked l ON f.person_id = l.person_id AND f.k = 1 AND l.k = l.m
                WHERE l.m >= 2
            )
            SELECT {select} count(d) AS friends_pairs, coalesce(sum(d), 0) AS friends_change_sum,
                   count(*) FILTER (WHERE d > 0) AS friends_more,
                   count(*) FILTER (WHERE c1 IS NOT NULL AND c2 IS NOT NULL) AS connected_pairs,
                   count(*) FILTER (WHERE c1 AND c2) AS connected_both,
                   count(*) FILTER (WHERE c1 AND NOT c2) AS connected_first_only,
                   count(*) FILTER (WHERE NOT c1 AND c2) AS connected_latest_only,
                   count(*) FILTER (WHERE NOT c1 AND NOT c2) AS connected_neither
            FROM r{join} {where} {group}"""
        return self._q(con, sql, params)

