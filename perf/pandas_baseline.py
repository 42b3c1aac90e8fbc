"""Baseline (a), pandas: load only the needed raw columns into a DataFrame (one load per page run), merge schemes,
aggregate every figure the page's calls produce."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from perf.figures import Req, finish, group_cols, raw_columns


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
        df = self._load(raw_columns(reqs))
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
        if r.kind == "mix":
            cols = ["scheme_id", "arrangement", "age_band", "primary_need"]
            return df[self._mask(df, r.f)].groupby(cols, dropna=False).size().rename("responses").reset_index()
        if r.kind == "coverage":
            return {"responses": len(df), "first_date": df["completed_on"].min(),
                    "last_date": df["completed_on"].max(), "people": int(df["person_id"].nunique())}
        k = registry.get(r.metric)
        cols_by = group_cols(r.by)
        if k.table == "people_supported":
            return self._people_counts(r)
        if k.table == "change":
            pairs = self._pair_frame(df)
            sub = pairs[self._mask(pairs, r.f)]
            cols = ["friends_pairs", "friends_change_sum", "friends_more", "connected_pairs", "connected_both",
                    "connected_first_only", "connected_latest_only", "connected_neither"]
            counts = (sub.groupby(cols_by, dropna=False, observed=True)[cols].sum().reset_index()
                      if cols_by else sub[cols].sum().to_frame().T)
            return finish(k, counts, cols_by)
        sub = df[self._mask(df, r.f)]
        if k.kind == "median":
            s = sub[cols_by + ["friends_count"]].dropna(subset=["friends_count"])
            if cols_by:
                g = s.groupby(cols_by, dropna=False, observed=True)["friends_count"].agg(["median", "count"])
                g = g.reset_index()
            else:
                g = pd.DataFrame({"median": [s["friends_count"].median()], "count": [len(s)]})
            out = g[cols_by].copy() if cols_by else pd.DataFrame(index=g.index)
            out["value"], out["denominator"] = g["median"].to_numpy(float), g["count"].to_numpy(float)
            return out
        answers = sorted({*k.numerator, *k.denominator})
        ind = pd.DataFrame({a: _pandas_indicator(sub[k.source], a) for a in answers}, index=sub.index)
        if cols_by:
            ind[cols_by] = sub[cols_by]
            counts = ind.groupby(cols_by, dropna=False, observed=True)[answers].sum().reset_index()
        else:
            counts = ind.sum().to_frame().T
        return finish(k, counts, cols_by)

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
        keys = [c for c in group_cols(r.by) if c != "year"]
        return p[m].groupby([*keys, "year"], dropna=False)["people"].sum().reset_index()


def _pandas_indicator(col: pd.Series, answer: str) -> np.ndarray:
    if answer == "unanswered":
        return col.isna().to_numpy()
    if col.name == "friends_count":
        v = col.to_numpy(float)
        return {"0": v == 0, "3_or_more": v >= 3, "answered": ~np.isnan(v)}[answer]
    return (col == answer).fillna(False).to_numpy(bool)

