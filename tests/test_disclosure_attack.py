"""An attacker with every public table the product offers tries to recover true counts.

The attacker knows what anyone knows: every public `kpi table` / download for the KHIs below, broken down every way
the dashboard offers, under every single filter it offers (each year, each area, each arrangement, age band, need and
programme); which schemes are in which region; and the protection method itself, including the perturbation table
(changes of at most ±2, never below zero) and the threshold. They combine every published count into interval bounds
and push them through every sum the tables imply (a total equals the sum of its breakdown; two-way tables also sum
along each way), until nothing tightens. Cells are identified by the set of records they cover, so the same people
reached through different filters are one unknown.

The product passes when no cell — shown, suppressed or small — has its true count pinned to a single value. The
same attacker run on exact counts with threshold suppression only (the protection we had before) must succeed,
which shows the attack is real.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict

import duckdb
import numpy as np
import pandas as pd
import pytest

from kpi.data import queries, sample, schema
from kpi.data.queries import Filters
from kpi.metrics import api, disclosure, perturb, registry
from tests.scopes import SCHEMES, Scope

KHIS = ("connected_positive", "lonely_often")
BYS = [(), ("region",), ("scheme",), ("year",), ("region", "year"), ("scheme", "year"), ("arrangement",),
       ("age_band",), ("primary_need",), ("programme",)]
DIMS = {"area_code": "area_code", "scheme_id": "scheme_id", "year": "fy", "arrangement": "arrangement",
        "age_band": "age_band", "primary_need": "primary_need", "programme": "programme"}
FILTER_DIMS = {"years": "fy", "areas": "area_code", "programmes": "programme", "arrangements": "arrangement",
               "age_bands": "age_band", "needs": "primary_need"}


def _filters(years) -> list[Filters]:
    out = [Filters()]
    out += [Filters(years=(y,)) for y in years]
    out += [Filters(areas=(a,)) for a in schema.AREAS]
    out += [Filters(arrangements=(a,)) for a in schema.ARRANGEMENTS]
    out += [Filters(age_bands=(a,)) for a in schema.AGE_BANDS]
    out += [Filters(needs=(n,)) for n in schema.PRIMARY_NEEDS]
    out += [Filters(programmes=(p,)) for p in schema.PROGRAMMES]
    return out


def _fine_cells(root) -> pd.DataFrame:
    """The aggregate's cells (scheme x year x arrangement x age band x need): the atoms every published cell covers."""
    manifest = json.loads((root / "manifest.json").read_text())
    con = duckdb.connect()
    cube = con.execute("SELECT * FROM read_parquet($f)", {"f": [str(root / p) for p in manifest["tables"]["cube"]]}).df()
    return cube.reset_index(drop=True)


def _is(column: pd.Series, value) -> np.ndarray:
    """Cells whose value is `value`; a missing value (an unrecorded age band, say) matches the missing ones."""
    return (column.isna() if pd.isna(value) else column == value).to_numpy()


def _key(index: np.ndarray) -> bytes:
    return hashlib.blake2b(np.sort(index).astype(np.int64).tobytes(), digest_size=16).digest()


class Attack:
    """Interval bounds on the true count of every cell (per measure), tightened through every published sum."""

    def __init__(self):
        self.lo, self.hi = defaultdict(float), defaultdict(lambda: np.inf)
        self.relations: list[tuple[tuple, list[tuple]]] = []
        self.truth: dict[tuple, float] = {}
        self.shown: dict[tuple, float] = {}
        self.hidden: set[tuple] = set()

    def publish(self, var, published, true_count, suppressed, threshold, change):
        self.truth[var] = true_count
        if suppressed:  # the published denominator was below the threshold: the true one is at most threshold-1+change
            self.hidden.add(var)
            self._bound(var, 0, threshold - 1 + change)
        else:
            assert self.shown.setdefault(var, published) == published, "same records, different published count"
            self._bound(var, max(published - change, 0), published + change)

    def _bound(self, var, lo, hi):
        self.lo[var], self.hi[var] = max(self.lo[var], lo), min(self.hi[var], hi)

    def run(self, rounds: int = 30) -> None:
        for _ in range(rounds):
            changed = False
            for parent, children in self.relations:
                lo = [self.lo[c] for c in children]
                hi = [self.hi[c] for c in children]
                new = (max(self.lo[parent], sum(lo)), min(self.hi[parent], sum(hi)))
                changed |= new != (self.lo[parent], self.hi[parent])
                self.lo[parent], self.hi[parent] = new
                total_lo, total_hi = sum(lo), sum(hi)
                for c, c_lo, c_hi in zip(children, lo, hi):
                    new = (max(c_lo, self.lo[parent] - (total_hi - c_hi)), min(c_hi, self.hi[parent] - (total_lo - c_lo)))
                    changed |= new != (c_lo, c_hi)
                    self.lo[c], self.hi[c] = new
            if not changed:
                return

    def determined(self, var) -> bool:
        return self.hi[var] - self.lo[var] < 1


NA = "<not recorded>"  # missing breakdown values (an unrecorded age band) group together, as the tables do


def _true_counts(cells: pd.DataFrame) -> dict[tuple[str, str], np.ndarray]:
    """Each fine cell's true numerator and denominator per KHI, from the exact aggregate columns."""
    out = {}
    for metric_id in KHIS:
        k = registry.get(metric_id)
        for measure, answers in (("numerator", k.numerator), ("denominator", k.denominator)):
            out[metric_id, measure] = sum(cells[queries.cube_column(k.source, a)].to_numpy(float) for a in answers)
    return out


def _attack(root, *, protected: bool, every_filter: bool = True) -> Attack:
    cells = _fine_cells(root)
    labels = cells[list(set(DIMS.values()))].astype(object).where(cells[list(set(DIMS.values()))].notna(), NA)
    truth = _true_counts(cells)
    years = sorted(int(y) for y in cells["fy"].unique())
    attack = Attack()
    change = perturb.MAX_CHANGE if protected else 0
    for f in _filters(years) if every_filter else [Filters(), *(Filters(years=(y,)) for y in years)]:
        base = np.ones(len(cells), dtype=bool)
        for name, col in FILTER_DIMS.items():
            if getattr(f, name):
                base &= cells[col].isin(getattr(f, name)).to_numpy()
        base_idx = np.flatnonzero(base)
        for by in BYS:
            public = api.khi_tables(KHIS, by, f, data_dir=root, scope=SCHEMES if protected else Scope.analyst())
            group_cols = [c for c in DIMS if c in public.columns]
            if "scheme_id" in group_cols and "area_code" in group_cols:
                group_cols.remove("area_code")  # a scheme's area is implied by the scheme
            members = _members(labels, base_idx, group_cols)
            for metric_id in KHIS:
                pub = public[public["metric_id"] == metric_id].reset_index(drop=True)
                groups = pub[group_cols].astype(object).where(pub[group_cols].notna(), NA)
                rows = [members[tuple(g)] for g in groups.itertuples(index=False)]
                _publish_table(attack, truth, metric_id, group_cols, pub, rows, base_idx, labels, protected, change)
    attack.run()
    return attack


def _members(labels: pd.DataFrame, base_idx: np.ndarray, group_cols: list[str]) -> dict[tuple, np.ndarray]:
    """The fine cells behind each row of a table: its filter's cells grouped by the breakdown."""
    if not group_cols:
        return {(): base_idx}
    grouped = labels.iloc[base_idx].groupby([DIMS[c] for c in group_cols], sort=False).indices
    return {(key if isinstance(key, tuple) else (key,)): base_idx[pos] for key, pos in grouped.items()}


def _publish_table(attack, truth, metric_id, group_cols, pub, rows, base_idx, labels, protected, change):
    """Record a table's counts and the sums it implies (total = rows; two-way tables also sum along each way)."""
    keys = [_key(idx) for idx in rows]
    threshold = disclosure.MIN_DENOMINATOR
    for measure in ("numerator", "denominator"):
        true_counts = truth[metric_id, measure]
        true_den = truth[metric_id, "denominator"]
        suppressed, shown = pub["suppressed"].to_numpy(bool), pub[measure].to_numpy(float)
        variables = []
        for i, (key, idx) in enumerate(zip(keys, rows)):
            var = (metric_id, measure, key)
            hidden = suppressed[i] if protected else true_den[idx].sum() < threshold
            attack.publish(var, np.nan if hidden else shown[i], float(true_counts[idx].sum()), hidden, threshold,
                           change)
            variables.append(var)
        if len(variables) > 1:
            attack.relations.append(((metric_id, measure, _key(base_idx)), variables))
        if len(group_cols) == 2:  # two-way tables: each row's and each column's total
            for col in group_cols:
                values = pub[col].map(lambda v: NA if pd.isna(v) else v)
                for value, part in values.groupby(values, sort=False).groups.items():
                    sub = base_idx[(labels.iloc[base_idx][DIMS[col]] == value).to_numpy()]
                    parts = [variables[i] for i in part]
                    if len(parts) > 1:
                        attack.relations.append(((metric_id, measure, _key(sub)), parts))


@pytest.fixture(scope="module")
def small_store(tmp_path_factory):
    root = tmp_path_factory.mktemp("attack") / "store"
    sample.generate(root, responses=3_000, seed=11)
    return root


@pytest.mark.slow
@pytest.mark.parametrize("store_name", ["small_store", "sample_store"], ids=["3,000 responses", "20,000 responses"])
def test_no_true_count_is_pinned_down_from_every_public_table(request, store_name):
    attack = _attack(request.getfixturevalue(store_name), protected=True)
    assert attack.hidden, "the attack must face suppressed cells"
    for var, true in attack.truth.items():  # the attacker's reasoning is sound: every bound holds the truth
        assert attack.lo[var] <= true <= attack.hi[var], var
    pinned = [var for var in attack.truth if attack.determined(var)]
    small = [var for var in attack.truth if attack.truth[var] < disclosure.MIN_DENOMINATOR]
    assert small, "the attack must face small cells"
    assert not [v for v in pinned if v in attack.hidden], "a suppressed cell's true count was worked out"
    assert not [v for v in pinned if attack.truth[v] < disclosure.MIN_DENOMINATOR], "a small count was worked out"
    assert not pinned, f"{len(pinned)} published counts were recovered exactly"


@pytest.mark.slow
def test_the_same_attack_breaks_exact_counts_with_suppression_alone(small_store):
    attack = _attack(small_store, protected=False, every_filter=False)  # years alone are enough to break it
    recovered = [v for v in attack.hidden if attack.determined(v)]
    assert recovered, "differencing should recover suppressed cells when counts are exact"
    assert all(attack.lo[v] == attack.truth[v] for v in recovered)
