"""Cell key perturbation: the protection every public count gets (the method of ONS's Census 2021 flexible tables).

How it works (Thompson, Broadfoot & Elazar 2013; ONS `cell-key-perturbation`, whose conventions we follow):
- every record (a response, a person's pair of answers, a scheme's yearly return) has a fixed record key, an
  integer 0-255 drawn from a keyed hash of its id, so nobody without the store's secret can work it out;
- a cell's key is the sum of its records' keys modulo 256. The store's aggregates keep, beside every count, the sum
  of the keys of the records counted, so any total of aggregate rows has its key without reading raw records;
- the perturbation table (ptable) maps (count, cell key) to a small change: the same set of records always gets
  the same published count, whatever filters or breakdowns led to it, so asking again or differencing two tables
  gives an answer blurred by noise that cannot be averaged away by repeating the question.

Our ptable: counts 0 are never changed; for a count c ≥ 1 the change is −4 … +4 with probabilities 0.01, 0.04,
0.1, 0.2, 0.3, 0.2, 0.1, 0.04, 0.01 (mean 0, standard deviation 1.5), never below zero. The rare ±3 and ±4 matter:
an attacker who bounds a cell through several sums learns its count only when every count in those sums took its
extreme change, which long, thin tails make vanishingly rare (the attack test in tests/ tries). As in ONS's package,
rows 1-750 are explicit and larger counts reuse rows 501-750 (pcv = (c − 1) mod 250 + 501). The table is built from a fixed seed, so it is
the same in every process; its secrecy is not relied on — the record keys are.
"""

from __future__ import annotations

import functools

import numpy as np
import pandas as pd

KEY_RANGE = 256  # record and cell keys are 0..255
MAX_PCV = 750
CHANGES = (-4, -3, -2, -1, 0, 1, 2, 3, 4)
PROBABILITIES = (0.01, 0.04, 0.1, 0.2, 0.3, 0.2, 0.1, 0.04, 0.01)
SEED = 20_130_901  # fixed: the ptable is the same in every process and every release
MAX_CHANGE = max(abs(c) for c in CHANGES)


@functools.lru_cache(maxsize=1)
def ptable() -> np.ndarray:
    """pvalue[pcv, ckey] for pcv 0..750 and ckey 0..255 (row 0, the empty cell, is all zeros)."""
    per_change = np.round(np.asarray(PROBABILITIES) * KEY_RANGE).astype(int)
    per_change[CHANGES.index(0)] += KEY_RANGE - per_change.sum()  # rounding slack goes to "no change"
    row = np.repeat(np.asarray(CHANGES), per_change)
    rng = np.random.default_rng(SEED)
    table = np.zeros((MAX_PCV + 1, KEY_RANGE), dtype=np.int64)
    for pcv in range(1, MAX_PCV + 1):
        table[pcv] = np.maximum(rng.permutation(row), -pcv)  # a count never goes below zero
    return table


def ptable_frame() -> pd.DataFrame:
    """The ptable in ONS's long format (pcv, ckey, pvalue), as `cell_key_perturbation` reads it."""
    t = ptable()
    pcv, ckey = np.meshgrid(np.arange(1, MAX_PCV + 1), np.arange(KEY_RANGE), indexing="ij")
    return pd.DataFrame({"pcv": pcv.ravel(), "ckey": ckey.ravel(), "pvalue": t[1:].ravel()})


def pcv(counts: np.ndarray) -> np.ndarray:
    """The ptable row for a count: the count itself up to 750, then rows 501-750 reused (ONS's rule)."""
    counts = np.asarray(counts, dtype=np.int64)
    return np.where(counts <= MAX_PCV, counts, (counts - 1) % 250 + 501)


def perturb(counts, key_sums) -> np.ndarray:
    """Published counts: each count plus the ptable's change for (count, key sum mod 256).

    A count without a key sum cannot be protected, so it comes back missing, as a missing count does.
    """
    counts = np.asarray(counts, dtype=float)
    key_sums = np.asarray(key_sums, dtype=float)
    ok = ~(np.isnan(counts) | np.isnan(key_sums))
    out = np.full(counts.shape, np.nan)
    c = counts[ok].astype(np.int64)
    ck = key_sums[ok].astype(np.int64) % KEY_RANGE
    out[ok] = c + ptable()[pcv(c), ck]
    return out
