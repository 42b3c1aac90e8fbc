"""Cached data access: one shared DuckDB connection and cached `kpi.metrics.api` calls, all keyed on the store.

Every cache is keyed on `store_key()` (data dir, manifest version), so a new ingest is picked up at once. Calls go
through the `api` module attribute (`api.khi_tables(...)`), so perf/bench's wrappers see every call.
"""

from __future__ import annotations

import functools
from typing import Iterable, Sequence

import pandas as pd
import streamlit as st

from kpi.data import paths, store
from kpi.data.queries import Filters
from kpi.metrics import api


def store_key() -> tuple[str, int]:
    """(data dir, manifest version): every cache is keyed on it, so a new ingest is picked up at once."""
    root = paths.data_dir()
    try:  # a stat per call; the manifest is parsed again only when it changes
        changed = (root / store.MANIFEST).stat().st_mtime_ns
    except OSError:
        changed = 0
    return str(root), _manifest_version(str(root), changed)


@functools.lru_cache(maxsize=8)
def _manifest_version(root: str, changed: int) -> int:
    return store.read_manifest(root).version


def store_problem() -> str | None:
    """Why the store cannot be read, in a sentence (None when it is fine)."""
    root = paths.data_dir()
    try:
        store.require_store(root)
        connection()
    except store.StoreError as exc:
        return str(exc)
    except Exception as exc:  # a damaged Parquet file: say so rather than show a traceback
        return f"{root}: the data store could not be opened ({type(exc).__name__}: {exc})"
    return None


@st.cache_resource(show_spinner=False, max_entries=4)
def _connect(root: str, version: int):
    return api.connect(root)


def connection():
    """The shared DuckDB connection (kpi.metrics.api runs each query on its own cursor, so sessions can share it)."""
    root, version = store_key()
    return _connect(root, version)


def khi(metric_id: str, by: Sequence[str] | str = (), filters: Filters = Filters(),
        confidence: float = 0.95) -> pd.DataFrame:
    """`kpi.metrics.api.khi_table`, cached by its arguments and the store version (through the one khi_tables cache:
    khi_table is khi_tables of one KHI)."""
    return khi_tables((metric_id,), by, filters, confidence)


@st.cache_data(show_spinner=False, max_entries=2000)
def _khi_tables(metric_ids, by, filters, confidence, root, version, _con) -> pd.DataFrame:
    return api.khi_tables(list(metric_ids), by, filters, con=_con, confidence=confidence)


def khi_tables(metric_ids: Iterable[str], by: Sequence[str] | str = (), filters: Filters = Filters(),
               confidence: float = 0.95) -> pd.DataFrame:
    """Several KHIs stacked in one table: `kpi.metrics.api.khi_tables` (one query per aggregate), cached as one."""
    by = (by,) if isinstance(by, str) else tuple(by)
    root, version = store_key()
    return _khi_tables(tuple(metric_ids), by, filters, confidence, root, version, connection())


def khi_parts(metric_ids: Iterable[str], by: Sequence[str] | str = (), filters: Filters = Filters(),
              confidence: float = 0.95) -> dict[str, pd.DataFrame]:
    """Several KHIs fetched together (one cached call) but returned one table each, each equal to its khi()."""
    return api.split_by_metric(khi_tables(metric_ids, by, filters, confidence))


@st.cache_data(show_spinner=False, max_entries=500)
def _headline(ids, filters, root, version, _con) -> pd.DataFrame:
    return api.headline(ids, filters, con=_con)


def headline(ids: Iterable[str], filters: Filters = Filters()) -> pd.DataFrame:
    """`kpi.metrics.api.headline`: latest year in view, the year before, the change and its significance."""
    root, version = store_key()
    return _headline(tuple(ids), filters, root, version, connection())


@st.cache_data(show_spinner=False, max_entries=1000)
def _trend(metric_id, filters, root, version, _con):
    return api.trend(metric_id, filters, con=_con)


def trend(metric_id: str, filters: Filters = Filters()):
    """`kpi.metrics.api.trend`: (table by year, trend test result)."""
    root, version = store_key()
    return _trend(metric_id, filters, root, version, connection())


@st.cache_data(show_spinner=False, max_entries=500)
def _funnel(metric_id, filters, root, version, _con) -> pd.DataFrame:
    return api.funnel(metric_id, filters, con=_con)


def funnel(metric_id: str, filters: Filters = Filters()) -> pd.DataFrame:
    """`kpi.metrics.api.funnel`: schemes with 95% and 99.8% funnel limits."""
    root, version = store_key()
    return _funnel(metric_id, filters, root, version, connection())


@st.cache_data(show_spinner=False, max_entries=8)
def _coverage(root, version, _con) -> dict:
    return api.coverage(con=_con, data_dir=root)


def coverage() -> dict:
    """What the store holds and whether it is synthetic (`kpi.metrics.api.coverage`)."""
    root, version = store_key()
    return _coverage(root, version, connection())


@st.cache_data(show_spinner=False, max_entries=8)
def _years(root, version, _con) -> list[int]:
    return api.years(con=_con)


def available_years() -> list[int]:
    root, version = store_key()
    return _years(root, version, connection())


@st.cache_data(show_spinner=False, max_entries=8)
def _schemes(root, version, _con) -> dict[str, tuple[str, str]]:
    table = api.scheme_list(con=_con)
    return {str(r.scheme_id): (str(r.scheme_name), str(r.area_code))
            for r in table.sort_values("scheme_name").itertuples()}


def schemes() -> dict[str, tuple[str, str]]:
    """scheme id -> (name, area code), by name (`kpi.metrics.api.scheme_list`)."""
    root, version = store_key()
    return _schemes(root, version, connection())
