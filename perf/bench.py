"""`python -m kpi bench`: time each page's queries at scale, against a pandas and a bare-DuckDB baseline.

What is timed, and why it is the pages' own work:

1. Record. Each page of app.py is run once with Streamlit's AppTest against the bench store while every call into
   kpi.metrics.api's public functions is recorded (the module attributes are wrapped before any page runs; ui.common calls
   `api.khi_table(...)` through the module, so the wrappers see every call). Only top-level calls are kept: nested
   ones (headline -> khi_table) are part of their caller's time. st.cache_data is cleared before each page, so a page
   records all its own calls, not only those an earlier page left uncached.
2. Replay. The recorded calls are replayed straight against kpi.metrics.api (the wrappers removed): cold = first execution
   on a freshly opened `kpi.data.queries.connect` (its opening time is reported apart), warm = the same connection again.
3. Baselines, in the same run, for the same figures: pandas (load only the needed Parquet columns of the raw
   responses into a DataFrame, merge schemes, aggregate) and bare DuckDB (one aggregate query over only the needed
   columns of the raw Parquet files, no aggregate tables). Every figure a baseline produces is checked against
   `khi_table(..., public=False)` (numerators and denominators, medians, first-to-latest pairs, people supported).
4. Browser (unless --no-browser): `streamlit run app.py` on a free loopback port and headless chromium; time from
   navigation until the script has finished and every chart is drawn, cold (first visit after server start) and
   warm (reloads), and the server's RSS high-water mark.
"""

from __future__ import annotations

import argparse
import functools
import importlib.metadata
import json
import os
import platform
import re
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parents[1]
RECORDED = ("khi_table", "khi_tables", "headline", "trend", "funnel", "growth_table", "coverage", "years",
            "scheme_list")
PEOPLE_KINDS_NOT_BENCHMARKED = ("people", "net_change", "growth_share")
CHROMIUM = os.environ.get("KHI_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]
APP_IDLE = '[data-testid="stApp"][data-test-script-state="notRunning"][data-test-connection-state="CONNECTED"]'
PENDING = '[data-testid="stApp"] [data-testid="stSkeleton"], [data-testid="stApp"] [data-stale="true"]'
TARGETS = {"p50_ms": 150.0, "pandas_ratio": 20.0, "duckdb_ratio": 2.0, "browser_1m_ms": 1500.0,
           "browser_10m_ms": 3000.0, "app_memory_mb": 1024.0}


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--responses", type=int, default=1_000_000, help="responses in the generated sample")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--store", help="reuse this store instead of generating one (its size is read from it)")
    p.add_argument("--keep", action="store_true", help="keep the generated store (printed) instead of deleting it")
    p.add_argument("--work-dir", help="where to generate the sample (default: a new folder under $TMPDIR)")
    p.add_argument("--repeat", type=int, default=20, help="warm runs per page (default 20)")
    p.add_argument("--cold-repeat", type=int, default=5, help="cold runs per page (default 5)")
    p.add_argument("--baseline-repeat", type=int, default=3,
                   help="runs per page of each baseline (default 3: pandas takes seconds per run at 10M)")
    p.add_argument("--pages", nargs="*", help="only these pages (file stems, e.g. overview growth)")
    p.add_argument("--no-derive", dest="derive", action="store_false", help="skip timing the aggregate build")
    p.add_argument("--browser", action=argparse.BooleanOptionalAction, default=True,
                   help="also time fully rendered pages in chromium (default on)")
    p.add_argument("--browser-repeat", type=int, default=3, help="warm reloads per page in the browser")
    p.add_argument("--json", dest="json_path", help="write the results here as JSON")


# ---------------------------------------------------------------------------------------------------------------
# Pages and recording


@dataclass(frozen=True)
class Page:
    path: str  # "pages/overview.py"
    title: str
    default: bool

    @property
    def stem(self) -> str:
        return Path(self.path).stem

    @property
    def url_path(self) -> str:
        return "" if self.default else self.stem


def app_pages(app: Path = REPO / "app.py") -> list[Page]:
    """The pages app.py lists in st.navigation, in its order (read from the source: importing it would run it)."""
    pages = []
    for m in re.finditer(r"st\.Page\(\s*\"([^\"]+)\"(.*?)\)\s*,?\s*$", app.read_text(), re.MULTILINE):
        title = re.search(r"title=\"([^\"]+)\"", m.group(2))
        pages.append(Page(m.group(1), title.group(1) if title else Path(m.group(1)).stem,
                          "default=True" in m.group(2)))
    return pages


@dataclass(frozen=True)
class Call:
    name: str
    args: tuple
    kwargs: tuple  # sorted (key, value) pairs, without con / data_dir / cur

    def run(self, api, con):
        return getattr(api, self.name)(*self.args, con=con, **dict(self.kwargs))

    def __str__(self) -> str:
        args = ", ".join([*map(repr, self.args), *(f"{k}={v!r}" for k, v in self.kwargs)])
        return f"{self.name}({args})"


class Recorder:
    """Wraps kpi.metrics.api's public functions and keeps each top-level call (per thread depth, so nested ones are not)."""

    def __init__(self, api):
        self.api, self.calls, self._originals, self._local = api, [], {}, threading.local()

    def __enter__(self):
        for name in RECORDED:
            fn = getattr(self.api, name)
            self._originals[name] = fn
            setattr(self.api, name, self._wrap(name, fn))
        return self

    def __exit__(self, *exc):
        for name, fn in self._originals.items():
            setattr(self.api, name, fn)

    def _wrap(self, name, fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            depth = getattr(self._local, "depth", 0)
            if depth == 0:
                kept = tuple(sorted((k, v) for k, v in kwargs.items() if k not in ("con", "data_dir", "cur")))
                self.calls.append(Call(name, tuple(args), kept))
            self._local.depth = depth + 1
            try:
                return fn(*args, **kwargs)
            finally:
                self._local.depth = depth

        return wrapper


@dataclass
class Recording:
    calls: list[Call] = field(default_factory=list)
    exceptions: list[str] = field(default_factory=list)
    seconds: float = 0.0


def record_pages(root: Path, pages: list[Page]) -> dict[str, Recording]:
    """Run every page once in AppTest with KHI_DATA_DIR=root and return the kpi.metrics.api calls each one made."""
    os.environ["KHI_DATA_DIR"] = str(root)
    if str(REPO) not in sys.path:
        sys.path.insert(0, str(REPO))
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    from kpi.metrics import api

    out: dict[str, Recording] = {}
    with Recorder(api) as rec:
        at = AppTest.from_file(str(REPO / "app.py"), default_timeout=900)
        started = False
        for page in pages:
            if not started:  # AppTest wants one run before switch_page
                st.cache_data.clear()
                at.run()
                started = True
            st.cache_data.clear()
            rec.calls.clear()
            t0 = time.perf_counter()
            at.switch_page(page.path)
            at.run()
            out[page.path] = Recording(list(rec.calls), [str(e.value)[:500] for e in at.exception],
                                       time.perf_counter() - t0)
    return out


# ---------------------------------------------------------------------------------------------------------------
# What the baselines must compute: one request per figure set (deduplicated per page)


@dataclass(frozen=True)
class Req:
    kind: str  # "khi", "coverage", "years", "schemes"
    metric: str = ""
    by: tuple = ()
    f: object = None


def _benchmark_req(k, by, f):
    """The benchmark kpi.metrics.api adds to a khi_table (see api._with_benchmark), or None."""
    from kpi.metrics import api

    place = bool(f.areas or f.schemes) or any(b in api.PLACE_BREAKDOWNS for b in by)
    if k.kind in PEOPLE_KINDS_NOT_BENCHMARKED or (not place and not by) or k.table == "people_supported":
        return None  # people-supported benchmarks are the same tiny table again: counted once
    if place:
        return Req("khi", k.id, tuple(b for b in by if b not in api.PLACE_BREAKDOWNS), f.without_place())
    return Req("khi", k.id, (), f)


def requests_for(call: Call, years: list[int]) -> list[Req]:
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

    if call.name in ("khi_table", "growth_table"):
        default_metric = "people_supported" if call.name == "growth_table" else None
        default_by = ("region",) if call.name == "growth_table" else ()
        return khi(arg(0, "metric_id", default_metric), arg(1, "by", default_by), arg(2, "filters", Filters()))
    if call.name == "khi_tables":
        by, f = arg(1, "by", ()), arg(2, "filters", Filters())
        return [r for m in arg(0, "metric_ids", ()) for r in khi(m, by, f)]
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
    if call.name in ("coverage", "years"):
        return [Req(call.name)]
    if call.name == "scheme_list":
        return [Req("schemes")]
    raise ValueError(f"no baseline for kpi.metrics.api.{call.name}")


def page_requests(calls: list[Call], years: list[int]) -> list[Req]:
    seen: dict[Req, None] = {}
    for c in calls:
        for r in requests_for(c, years):
            seen.setdefault(r, None)
    return list(seen)


# ---------------------------------------------------------------------------------------------------------------
# Shared pieces of both baselines

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


def _group_cols(by) -> list[str]:
    cols = []
    for b in by:
        cols += [c for c, _ in GROUPS[b] if c not in cols]
    return cols


def _needs_schemes(by, f) -> bool:
    return bool(f.areas or f.programmes) or any(s for b in by for _, s in GROUPS[b])


def _raw_columns(reqs: list[Req]) -> list[str]:
    """The raw response columns a set of requests reads (what "only the needed columns" means)."""
    from kpi.metrics import registry

    cols = {"scheme_id", "fy"}
    for r in reqs:
        if r.kind == "coverage":
            cols |= {"completed_on", "person_id"}
        if r.kind != "khi":
            continue
        k = registry.get(r.metric)
        if k.table == "people_supported":
            continue
        f = r.f
        cols |= {c for c, on in (("arrangement", f.arrangements), ("age_band", f.age_bands),
                                 ("primary_need", f.needs)) if on}
        cols |= {c for c in _group_cols(r.by) if c in ("arrangement", "age_band", "primary_need")}
        if k.table == "change":
            cols |= set(CHANGE_COLUMNS) | {"arrangement", "age_band", "primary_need"}
        else:
            cols.add(k.source)
    return sorted(cols)


def _finish(k, counts: pd.DataFrame, group_cols: list[str]) -> pd.DataFrame:
    """counts (one column per answer, or change columns) -> group columns, numerator, denominator."""
    out = counts[group_cols].copy() if group_cols else pd.DataFrame(index=counts.index)
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


# ---------------------------------------------------------------------------------------------------------------
# Baseline (a): pandas


class PandasBaseline:
    """Loads the needed raw columns into a DataFrame (one load per page run), merges schemes, aggregates."""

    def __init__(self, root: Path):
        from kpi.data import store

        self.root = root
        manifest = store.read_manifest(root)
        self.files = [str(p) for p in manifest.files(root, "responses")]
        self.scheme_files = [str(p) for p in manifest.files(root, "schemes")]
        self.people_files = [str(p) for p in manifest.files(root, "people_supported")]

    def _load(self, columns: list[str]) -> pd.DataFrame:
        import pyarrow.dataset as ds

        # The hive partition column fy comes from the folder names, as pandas/pyarrow read any partitioned dataset.
        dataset = ds.dataset(self.files, format="parquet", partitioning="hive",
                             partition_base_dir=str(self.root / "responses"))
        df = dataset.to_table(columns=columns).to_pandas()
        schemes = pd.read_parquet(self.scheme_files, columns=["scheme_id", "scheme_name", "area_code", "programme"])
        return df.merge(schemes, on="scheme_id", how="left")

    def run_page(self, reqs: list[Req]) -> dict[Req, object]:
        df = self._load(_raw_columns(reqs))
        df = df.rename(columns={"fy": "year"})
        self._pairs = None
        self._people = None
        return {r: self._one(df, r) for r in reqs}

    @staticmethod
    def _mask(df, f):
        m = np.ones(len(df), bool)
        for col, values in (("year", f.years), ("area_code", f.areas), ("programme", f.programmes),
                            ("arrangement", f.arrangements), ("age_band", f.age_bands), ("primary_need", f.needs),
                            ("scheme_id", f.schemes)):
            if values:
                m &= df[col].isin(list(values)).to_numpy()
        return m

    def _pair_frame(self, df):
        """First and latest answer of each person who answered at least twice, in the latest answer's cell."""
        if self._pairs is None:
            s = df.sort_values(["person_id", "completed_on", "response_id"], kind="stable")
            s = s[s["person_id"].duplicated(keep=False)]
            first = s.drop_duplicates("person_id", keep="first")
            last = s.drop_duplicates("person_id", keep="last").reset_index(drop=True)

            def positive(col):
                v = col.to_numpy(object)
                answered = np.isin(v, ["positive", "none", "negative"])
                return np.where(answered, v == "positive", np.nan).astype(float)

            change = last["friends_count"].to_numpy(float) - first["friends_count"].to_numpy(float)
            c_first, c_last = positive(first["impact_connected"]), positive(last["impact_connected"])
            both = ~np.isnan(c_first) & ~np.isnan(c_last)
            last["friends_pairs"] = ~np.isnan(change)
            last["friends_change_sum"] = np.nan_to_num(change)
            last["friends_more"] = np.nan_to_num(change) > 0
            last["connected_pairs"] = both
            last["connected_both"] = both & (c_first == 1) & (c_last == 1)
            last["connected_first_only"] = both & (c_first == 1) & (c_last == 0)
            last["connected_latest_only"] = both & (c_first == 0) & (c_last == 1)
            last["connected_neither"] = both & (c_first == 0) & (c_last == 0)
            self._pairs = last
        return self._pairs

    def _one(self, df, r: Req):
        from kpi.metrics import registry

        if r.kind == "years":
            return sorted(int(y) for y in df["year"].unique())
        if r.kind == "schemes":
            return pd.read_parquet(self.scheme_files)
        if r.kind == "coverage":
            return {"responses": len(df), "first_date": df["completed_on"].min(),
                    "last_date": df["completed_on"].max(), "people": int(df["person_id"].nunique())}
        k = registry.get(r.metric)
        group_cols = _group_cols(r.by)
        if k.table == "people_supported":
            return self._people_counts(r)
        if k.table == "change":
            pairs = self._pair_frame(df)
            sub = pairs[self._mask(pairs, r.f)]
            cols = ["friends_pairs", "friends_change_sum", "friends_more", "connected_pairs", "connected_both",
                    "connected_first_only", "connected_latest_only", "connected_neither"]
            counts = (sub.groupby(group_cols, dropna=False, observed=True)[cols].sum().reset_index()
                      if group_cols else sub[cols].sum().to_frame().T)
            return _finish(k, counts, group_cols)
        sub = df[self._mask(df, r.f)]
        if k.kind == "median":
            s = sub[group_cols + ["friends_count"]].dropna(subset=["friends_count"])
            if group_cols:
                g = s.groupby(group_cols, dropna=False, observed=True)["friends_count"].agg(["median", "count"])
                g = g.reset_index()
            else:
                g = pd.DataFrame({"median": [s["friends_count"].median()], "count": [len(s)]})
            out = g[group_cols].copy() if group_cols else pd.DataFrame(index=g.index)
            out["value"], out["denominator"] = g["median"].to_numpy(float), g["count"].to_numpy(float)
            return out
        answers = sorted({*k.numerator, *k.denominator})
        ind = pd.DataFrame({a: _pandas_indicator(sub[k.source], a) for a in answers}, index=sub.index)
        if group_cols:
            ind[group_cols] = sub[group_cols]
            counts = ind.groupby(group_cols, dropna=False, observed=True)[answers].sum().reset_index()
        else:
            counts = ind.sum().to_frame().T
        return _finish(k, counts, group_cols)

    def _people_counts(self, r: Req):
        if self._people is None:
            people = pd.read_parquet(self.people_files)
            schemes = pd.read_parquet(self.scheme_files, columns=["scheme_id", "scheme_name", "area_code",
                                                                  "programme"])
            self._people = people.merge(schemes, on="scheme_id", how="left")
        p = self._people
        f = r.f
        m = np.ones(len(p), bool)
        for col, values in (("area_code", f.areas), ("programme", f.programmes),
                            ("arrangement", f.arrangements), ("scheme_id", f.schemes)):
            if values:
                m &= p[col].isin(list(values)).to_numpy()
        keys = [c for c in _group_cols(r.by) if c != "year"]
        return p[m].groupby([*keys, "year"], dropna=False)["people"].sum().reset_index()


def _pandas_indicator(col: pd.Series, answer: str) -> np.ndarray:
    if answer == "unanswered":
        return col.isna().to_numpy()
    if col.name == "friends_count":
        v = col.to_numpy(float)
        return {"0": v == 0, "3_or_more": v >= 3, "answered": ~np.isnan(v)}[answer]
    return (col == answer).fillna(False).to_numpy(bool)


# ---------------------------------------------------------------------------------------------------------------
# Baseline (b): bare DuckDB over the raw Parquet files


class DuckBaseline:
    """One aggregate query over only the needed columns of the raw Parquet files per figure set (no aggregates).

    Proportions sharing a breakdown and filters are counted in one query (as a person writing it by hand would).
    """

    def __init__(self, root: Path):
        from kpi.data import store

        manifest = store.read_manifest(root)
        self.params = {"files": [str(p) for p in manifest.files(root, "responses")],
                       "schemes": [str(p) for p in manifest.files(root, "schemes")],
                       "people": [str(p) for p in manifest.files(root, "people_supported")]}

    def connect(self):
        import duckdb

        return duckdb.connect(config={"preserve_insertion_order": False})

    RAW = "read_parquet($files, hive_partitioning = true)"
    SCHEMES = "read_parquet($schemes)"

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
        join = f" JOIN {self.SCHEMES} s ON s.scheme_id = r.scheme_id" if _needs_schemes(by, f) else ""
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
            per = counts[_group_cols(by)].copy()
            for a in {*k.numerator, *k.denominator}:
                per[a] = counts[names[(k.source, a)]]
            out[r] = _finish(k, per, _group_cols(by))
        return out

    def _one(self, con, r: Req):
        from kpi.metrics import registry

        if r.kind == "years":
            return [int(y) for y in self._q(con, f"SELECT DISTINCT fy FROM {self.RAW} ORDER BY fy", {})["fy"]]
        if r.kind == "schemes":
            return self._q(con, f"SELECT * FROM {self.SCHEMES}", {})
        if r.kind == "coverage":
            row = self._q(con, f"SELECT count(*) AS responses, min(completed_on) AS first_date, max(completed_on) "
                               f"AS last_date, count(DISTINCT person_id) AS people FROM {self.RAW}", {})
            return row.iloc[0].to_dict()
        k = registry.get(r.metric)
        params: dict = {}
        select, group = self._select(r.by)
        if k.table == "people_supported":
            keys = [c for c in _group_cols(r.by) if c != "year"]
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
        return _finish(k, self._pairs[key], _group_cols(r.by))

    def _pair_counts(self, con, by, f) -> pd.DataFrame:
        params: dict = {}
        select, group = self._select(by)
        # first-to-latest pairs, written as a person would in SQL: number each person's answers, join the first
        # to the latest (an arg_min/arg_max over a (date, id) struct was tried: about three times slower at 10M)
        join = " JOIN read_parquet($schemes) s ON s.scheme_id = r.scheme_id" if _needs_schemes(by, f) else ""
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


# ---------------------------------------------------------------------------------------------------------------
# Checking the baselines' figures against ours


def check_agreement(con, req: Req, got, data_dir=None) -> str | None:
    """None when the baseline's figures equal kpi.metrics.api's exact ones; else a sentence saying what differs.

    data_dir: the store `con` reads (coverage() takes people and dates from its manifest).
    """
    from kpi.metrics import api, registry
    from kpi.data import queries

    if req.kind == "years":
        ours = api.years(con=con)
        return None if list(got) == ours else f"years {got} != {ours}"
    if req.kind == "schemes":
        return None if len(got) == len(api.scheme_list(con=con)) else "scheme count differs"
    if req.kind == "coverage":
        ours = api.coverage(con=con, data_dir=data_dir)
        bad = [key for key in ("responses", "people") if int(ours[key]) != int(got[key])]
        bad += [key for key in ("first_date", "last_date") if pd.Timestamp(ours[key]) != pd.Timestamp(got[key])]
        return None if not bad else f"coverage differs in {bad}"
    k = registry.get(req.metric)
    ours = api.khi_table(req.metric, req.by, req.f, con=con, public=False)
    if k.table == "people_supported":
        got = got.copy()
        cur = con.cursor()
        try:
            start, end = api._period(cur, req.f)
        finally:
            cur.close()
        if "year" in req.by:
            return None  # the series merges each year with the one before; its totals are checked below per year
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


# ---------------------------------------------------------------------------------------------------------------
# Timing helpers


def _ms(seconds: list[float]) -> dict:
    if not seconds:
        return {"p50": None, "p95": None, "runs": 0}
    arr = np.asarray(seconds) * 1000
    return {"p50": round(float(np.percentile(arr, 50)), 2), "p95": round(float(np.percentile(arr, 95)), 2),
            "runs": len(seconds)}


def _timed(fn) -> tuple[float, object]:
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, out


def rss_peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def proc_peak_mb(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def machine() -> dict:
    cpu = "unknown"
    try:
        cpu = next(line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                   if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    mem = None
    try:
        mem = round(int(next(line.split()[1] for line in Path("/proc/meminfo").read_text().splitlines()
                             if line.startswith("MemTotal"))) / 1024 ** 2, 1)
    except (OSError, StopIteration):
        pass
    versions = {}
    for lib in ("streamlit", "duckdb", "pandas", "pyarrow", "numpy", "plotly", "playwright"):
        try:
            versions[lib] = importlib.metadata.version(lib)
        except importlib.metadata.PackageNotFoundError:
            versions[lib] = None
    return {"cpu": cpu, "cores": os.cpu_count(), "ram_gb": mem, "python": platform.python_version(),
            "os": platform.platform(), "load_average": list(os.getloadavg()), "versions": versions}


# ---------------------------------------------------------------------------------------------------------------
# Store build cost


def time_derive(root: Path) -> dict:
    """Seconds to build each aggregate from the raw responses, as kpi.data.derive does at every commit."""
    from kpi.data import queries, store

    manifest = store.read_manifest(root)
    out = {}
    with tempfile.TemporaryDirectory(prefix="khi-bench-derive-") as tmp:
        con = queries.raw_connection(root, manifest)
        con.execute("SET temp_directory = $d", {"d": tmp}).fetchall()
        try:
            for name in queries.DERIVED:
                seconds, rows = _timed(lambda: queries.build_derived(con, name, Path(tmp) / f"{name}.parquet"))
                out[name] = {"seconds": round(seconds, 2), "rows": rows}
        finally:
            con.close()
    out["total_seconds"] = round(sum(v["seconds"] for v in out.values()), 2)
    return out


# ---------------------------------------------------------------------------------------------------------------
# The browser measure


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(root: Path, log_path: Path) -> tuple[subprocess.Popen, str]:
    """`streamlit run app.py` on a free loopback port (own process group, log to a file, never a pipe)."""
    port = _free_port()
    cmd = [sys.executable, "-m", "streamlit", "run", str(REPO / "app.py"), "--server.port", str(port),
           "--server.address", "127.0.0.1", "--server.headless", "true", "--browser.gatherUsageStats", "false"]
    log = open(log_path, "wb")
    proc = subprocess.Popen(cmd, cwd=REPO, env={**os.environ, "KHI_DATA_DIR": str(root)}, stdout=log,
                            stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"streamlit exited ({proc.returncode}); see {log_path}")
        try:
            with opener.open(f"{url}/_stcore/health", timeout=2) as r:
                if r.read().strip() == b"ok":
                    return proc, url
        except OSError:
            time.sleep(0.25)
    stop_server(proc)
    raise RuntimeError(f"streamlit did not become healthy; see {log_path}")


def stop_server(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
        except ProcessLookupError:
            pass


def wait_rendered(page, timeout_ms: int = 120_000) -> None:
    """Script finished, no skeleton or stale element left, every Plotly chart drawn (as tests/browser waits)."""
    page.wait_for_selector(APP_IDLE, state="attached", timeout=timeout_ms)
    page.wait_for_function(f"() => document.querySelector('{PENDING}') === null", timeout=timeout_ms)
    page.wait_for_function("""() => Array.from(document.querySelectorAll('[data-testid="stPlotlyChart"]'))
                              .every(c => c.querySelector('.main-svg') !== null)""", timeout=timeout_ms)


def browser_times(root: Path, pages: list[Page], repeat: int, log_dir: Path) -> dict:
    from playwright.sync_api import sync_playwright

    proc, url = start_server(root, log_dir / "bench-streamlit.log")
    out: dict = {"pages": {}}
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
            try:
                for pg in pages:
                    ctx = browser.new_context(viewport={"width": 1400, "height": 2400})
                    page = ctx.new_page()
                    target = f"{url}/{pg.url_path}"
                    cold, _ = _timed(lambda: (page.goto(target), wait_rendered(page)))
                    errors = page.locator('[data-testid="stException"]').all_inner_texts()
                    warm = []
                    for _ in range(repeat):
                        seconds, _ = _timed(lambda: (page.goto(target), wait_rendered(page)))
                        warm.append(seconds)
                    charts = page.locator('[data-testid="stPlotlyChart"]').count()
                    errors += page.locator('[data-testid="stException"]').all_inner_texts()
                    out["pages"][pg.path] = {"cold_ms": round(cold * 1000, 1), "warm": _ms(warm),
                                             "charts": charts, "exceptions": [e[:800] for e in errors]}
                    ctx.close()
            finally:
                browser.close()
        out["server_peak_rss_mb"] = proc_peak_mb(proc.pid)
    finally:
        stop_server(proc)
    return out


# ---------------------------------------------------------------------------------------------------------------
# The run


def measure(root: Path, args) -> dict:
    from kpi.metrics import api
    from kpi.data import queries, store

    pages = app_pages()
    if args.pages:
        pages = [p for p in pages if p.stem in args.pages]
    os.environ["KHI_DATA_DIR"] = str(root)
    manifest = store.read_manifest(root)
    result: dict = {"responses": manifest.rows.get("responses"), "store": str(root), "machine": machine(),
                    "settings": {"repeat": args.repeat, "cold_repeat": args.cold_repeat,
                                 "baseline_repeat": args.baseline_repeat, "browser_repeat": args.browser_repeat},
                    "targets": TARGETS, "pages": {}}
    if args.derive:
        print("timing the aggregate build (kpi.data.derive) ...", flush=True)
        result["derive"] = time_derive(root)

    print("recording each page's kpi.metrics.api calls with AppTest ...", flush=True)
    recordings = record_pages(root, pages)
    result["rss_after_recording_mb"] = round(rss_peak_mb(), 1)

    # Ours: replay, cold then warm.
    years = api.years(con=queries.connect(root))
    connect_s = []
    for path, rec in recordings.items():
        page = result["pages"][path] = {"title": next(p.title for p in pages if p.path == path),
                                        "calls": [str(c) for c in rec.calls], "apptest_seconds": round(
                                            rec.seconds, 2), "exceptions": rec.exceptions}
        if rec.exceptions:
            print(f"  {path}: the page raised in AppTest: {rec.exceptions[0][:200]}", flush=True)
        cold = []
        for _ in range(args.cold_repeat):
            seconds, con = _timed(lambda: queries.connect(root))
            connect_s.append(seconds)
            cold.append(_timed(lambda: [c.run(api, con) for c in rec.calls])[0])
            con.close()
        con = queries.connect(root)
        [c.run(api, con) for c in rec.calls]
        # Each call timed on its own too: the slow paths, and the page without coverage(), which the app computes
        # once per store version for all sessions (st.cache_data), not on every page view.
        per_call = [[_timed(lambda: c.run(api, con))[0] for c in rec.calls] for _ in range(args.repeat)]
        warm = [sum(run) for run in per_call]
        without_coverage = [sum(t for c, t in zip(rec.calls, run) if c.name != "coverage") for run in per_call]
        page["ours"] = {"cold": _ms(cold), "warm": _ms(warm), "warm_without_coverage": _ms(without_coverage)}
        page["calls_warm_p50_ms"] = sorted(
            ((str(c)[:160], round(float(np.median([run[i] for run in per_call])) * 1000, 1))
             for i, c in enumerate(rec.calls)), key=lambda x: -x[1])
        page["requests"] = page_requests(rec.calls, years)
        page["ours_peak_rss_mb"] = round(rss_peak_mb(), 1)
        con.close()
        print(f"  {path}: {len(rec.calls)} calls, ours warm p50 {page['ours']['warm']['p50']} ms, "
              f"cold p50 {page['ours']['cold']['p50']} ms", flush=True)
    result["connect"] = _ms(connect_s)
    result["rss_after_ours_mb"] = round(rss_peak_mb(), 1)

    # Bare DuckDB, then pandas (largest memory last, so the figures above are not inflated by it).
    check_con = queries.connect(root)
    duck = DuckBaseline(root)
    for path, page in result["pages"].items():
        reqs = page["requests"]
        cold, warm = [], []
        for i in range(args.baseline_repeat):
            con = duck.connect()
            seconds, got = _timed(lambda: duck.run_page(con, reqs))
            cold.append(seconds)
            warm.append(_timed(lambda: duck.run_page(con, reqs))[0])
            con.close()
        page["duckdb"] = {"cold": _ms(cold), "warm": _ms(warm)}
        page["duckdb_disagreements"] = [m for r in reqs if (m := check_agreement(check_con, r, got[r], root))]
        print(f"  {path}: bare DuckDB p50 {page['duckdb']['warm']['p50']} ms "
              f"({len(page['duckdb_disagreements'])} disagreements)", flush=True)
    result["rss_after_duckdb_mb"] = round(rss_peak_mb(), 1)

    pandas_base = PandasBaseline(root)
    for path, page in result["pages"].items():
        reqs = page["requests"]
        runs = []
        for _ in range(args.baseline_repeat):
            seconds, got = _timed(lambda: pandas_base.run_page(reqs))
            runs.append(seconds)
        page["pandas"] = _ms(runs)
        page["pandas_disagreements"] = [m for r in reqs if (m := check_agreement(check_con, r, got[r], root))]
        del got
        print(f"  {path}: pandas p50 {page['pandas']['p50']} ms "
              f"({len(page['pandas_disagreements'])} disagreements)", flush=True)
    result["rss_after_pandas_mb"] = round(rss_peak_mb(), 1)
    check_con.close()

    for page in result["pages"].values():
        ours = page["ours"]["warm"]["p50"] or float("nan")
        page["pandas_over_ours"] = round(page["pandas"]["p50"] / ours, 1)
        page["ours_over_duckdb"] = round(ours / page["duckdb"]["warm"]["p50"], 3)
        page["ours_cold_over_duckdb_cold"] = round((page["ours"]["cold"]["p50"] or 0) /
                                                   page["duckdb"]["cold"]["p50"], 3)
        page["requests"] = len(page["requests"])

    if args.browser:
        print("timing fully rendered pages in chromium ...", flush=True)
        log_dir = REPO / "artifacts" / "server-logs"
        log_dir.mkdir(parents=True, exist_ok=True)
        result["browser"] = browser_times(root, pages, args.browser_repeat, log_dir)
    return result


def summary(result: dict) -> str:
    lines = [f"N = {result['responses']:,} responses; {result['machine']['cpu']}, {result['machine']['cores']} "
             f"cores, {result['machine']['ram_gb']} GB RAM, Python {result['machine']['python']}"]
    if "derive" in result:
        d = result["derive"]
        lines.append("aggregate build: " + ", ".join(f"{k} {v['seconds']} s ({v['rows']:,} rows)"
                                                     for k, v in d.items() if isinstance(v, dict))
                     + f"; total {d['total_seconds']} s")
    lines.append(f"connect (queries.connect): p50 {result['connect']['p50']} ms")
    head = (f"{'page':<26}{'calls':>6}{'warm p50':>10}{'p95':>8}{'-cov p50':>10}{'cold p50':>10}{'p95':>8}"
            f"{'pandas':>10}{'duckdb':>9}{'pd/ours':>9}{'ours/dk':>9}{'browser cold':>14}{'warm':>8}")
    lines.append(head)
    browser = result.get("browser", {}).get("pages", {})
    for path, p in result["pages"].items():
        b = browser.get(path, {})
        lines.append(
            f"{p['title']:<26}{len(p['calls']):>6}{p['ours']['warm']['p50']:>10}{p['ours']['warm']['p95']:>8}"
            f"{p['ours']['warm_without_coverage']['p50']:>10}{p['ours']['cold']['p50']:>10}{p['ours']['cold']['p95']:>8}{p['pandas']['p50']:>10}"
            f"{p['duckdb']['warm']['p50']:>9}{p['pandas_over_ours']:>9}{p['ours_over_duckdb']:>9}"
            f"{b.get('cold_ms', '-'):>14}{b.get('warm', {}).get('p50', '-'):>8}")
    lines.append(f"bench process RSS high-water: after recording {result['rss_after_recording_mb']} MB, after "
                 f"ours {result['rss_after_ours_mb']} MB, after bare DuckDB {result['rss_after_duckdb_mb']} MB, "
                 f"after pandas {result['rss_after_pandas_mb']} MB")
    if "browser" in result:
        lines.append(f"app server RSS high-water (browser run): {result['browser']['server_peak_rss_mb']} MB")
        for path, b in result["browser"]["pages"].items():
            if b["exceptions"]:
                lines.append(f"{path}: the browser showed an exception: {b['exceptions'][0][:300]}")
    lines.append("slowest calls (warm p50 ms):")
    for path, p in result["pages"].items():
        lines.append(f"  {p['title']}: " + "; ".join(f"{ms} ms {c[:70]}" for c, ms in p["calls_warm_p50_ms"][:3]))
    for path, p in result["pages"].items():
        for what in ("exceptions", "duckdb_disagreements", "pandas_disagreements"):
            if p.get(what):
                lines.append(f"{path} {what}: {p[what][:3]}")
    return "\n".join(lines)


def run(args) -> int:
    from kpi.data import sample

    made = None
    if args.store:
        root = Path(args.store).resolve()
    else:
        base = Path(args.work_dir) if args.work_dir else Path(tempfile.gettempdir())
        base.mkdir(parents=True, exist_ok=True)
        made = Path(tempfile.mkdtemp(prefix=f"khi-bench-{args.responses}-", dir=base))
        root = made / "store"
        print(f"generating {args.responses:,} responses in {root} ...", flush=True)
        gen_s, _ = _timed(lambda: sample.generate(root, responses=args.responses, seed=args.seed))
        print(f"  generated in {gen_s:.1f} s", flush=True)
    try:
        result = measure(root, args)
        if made:
            result["generate_seconds"] = round(gen_s, 1)
        print(summary(result))
        if args.json_path:
            Path(args.json_path).write_text(json.dumps(result, indent=2, default=str) + "\n")
            print(f"wrote {args.json_path}")
    finally:
        if made and not args.keep:
            shutil.rmtree(made, ignore_errors=True)
        elif made:
            print(f"kept the store at {root}")
    return 0
