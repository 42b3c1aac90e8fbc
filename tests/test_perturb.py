"""kpi.metrics.perturb against ONS's own implementation (`cell-key-perturbation`), and the ptable's properties."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from cell_key_perturbation.create_perturbed_table import create_perturbed_table

from kpi.metrics import perturb


def _microdata(rows: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame({
        "area": rng.choice(["a", "b", "c", "d", "e"], rows, p=[0.5, 0.3, 0.15, 0.04, 0.01]),
        "need": rng.choice(["x", "y", "z"], rows),
        "record_key": rng.integers(0, 256, rows),
    })


@pytest.mark.parametrize("rows, seed", [(40, 1), (3_000, 2), (20_000, 3)])
def test_totals_of_aggregates_perturb_exactly_as_ons_does_from_microdata(rows, seed):
    data = _microdata(rows, seed)
    # Our path: a fine aggregate (area x need) keeps counts and key sums; a coarser table sums both.
    fine = data.groupby(["area", "need"]).agg(n=("record_key", "size"), keys=("record_key", "sum")).reset_index()
    coarse = fine.groupby("area")[["n", "keys"]].sum()
    ours = pd.Series(perturb.perturb(coarse["n"], coarse["keys"]), index=coarse.index)
    ons = create_perturbed_table(data, perturb.ptable_frame(), geog=[], tab_vars=["area"],
                                 record_key="record_key", threshold=0).set_index("area")
    pd.testing.assert_series_equal(ours.astype("int64"), ons["count"].astype("int64"), check_names=False)


def test_counts_above_750_reuse_rows_501_to_750_as_ons_does():
    data = pd.DataFrame({"area": ["a"] * 1_900, "record_key": np.arange(1_900) % 256})
    ons = create_perturbed_table(data, perturb.ptable_frame(), geog=[], tab_vars=["area"],
                                 record_key="record_key", threshold=0)
    assert perturb.perturb([1_900], [data["record_key"].sum()])[0] == ons["count"].iloc[0]
    assert perturb.pcv(np.array([750, 751, 1_000, 1_001])).tolist() == [750, 501, 750, 501]


def test_ptable_changes_follow_the_declared_distribution_and_never_go_below_zero():
    table = perturb.ptable()
    assert (table[0] == 0).all()
    for c in (1, 2, 3, 4, 10, 500, 750):
        assert (c + table[c] >= 0).all()
    rows = table[perturb.MAX_CHANGE:]  # from here up no change is clipped by the zero floor
    for change, p in zip(perturb.CHANGES, perturb.PROBABILITIES):
        assert abs((rows == change).mean() - p) < 0.005
    assert abs(rows.mean()) < 1e-9


def test_same_records_same_published_count_whatever_the_route():
    data = _microdata(5_000, 4)
    by_area = data.groupby("area")["record_key"].agg(["size", "sum"])
    by_cell = data.groupby(["area", "need"])["record_key"].agg(["size", "sum"]).groupby(level="area").sum()
    np.testing.assert_array_equal(perturb.perturb(by_area["size"], by_area["sum"]),
                                  perturb.perturb(by_cell["size"], by_cell["sum"]))


def test_missing_counts_stay_missing():
    out = perturb.perturb([np.nan, 12], [5, np.nan])
    assert np.isnan(out).all()
