"""Medians (binomial order statistics) and means (Student's t)."""

from __future__ import annotations

import math

import numpy as np
from scipy import stats as _sps

from kpi.metrics.stats._core import _arrays, _check, _normalise_confidence, _out, z_value


def median_interval(values, counts, confidence=0.95):
    """Median of a histogram (sorted values, count of people at each) and its distribution-free interval.

    The median is the middle value (mean of the two middle values when n is even). Its interval runs from
    the r-th to the s-th smallest value, with ranks from the binomial(n, ½) distribution of order statistics::

        r = n/2 − z·√n/2  (rounded down),   s = 1 + n/2 + z·√n/2  (rounded up),   clipped to [1, n]

    Rounding outward keeps the coverage at or above the nominal level. Unit: that of ``values``.

    Reference: Campbell MJ, Gardner MJ, "Medians and their differences", in Altman DG et al. (2000)
    Statistics with Confidence, 2nd ed., BMJ Books, ch. 5.

    Returns ``(median, lower, upper)``.
    """
    v = np.asarray(values, dtype=float)
    k = np.asarray(counts, dtype=float)
    if v.ndim != 1 or v.shape != k.shape:
        raise ValueError("values and counts must be one-dimensional and of the same length.")
    if np.isnan(v).any() or np.isnan(k).any():
        raise ValueError("values and counts must not be missing.")
    if len(v) > 1 and np.any(np.diff(v) <= 0):
        raise ValueError("values must be sorted in strictly increasing order.")
    _check(k < 0, "counts must be greater than or equal to zero.")
    z = z_value(confidence)
    n = k.sum()
    if n <= 0:
        raise ValueError("counts must add up to more than zero.")
    cumulative = np.cumsum(k)

    def at_rank(rank):
        return v[np.searchsorted(cumulative, rank, side="left")]

    if n % 2 == 1:
        median = at_rank((n + 1) / 2)
    else:
        median = (at_rank(n / 2) + at_rank(n / 2 + 1)) / 2
    half = z * math.sqrt(n) / 2
    r = min(max(math.floor(n / 2 - half), 1), n)
    s = min(max(math.ceil(1 + n / 2 + half), 1), n)
    return float(median), float(at_rank(r)), float(at_rank(s))


def mean_interval(n, total, total_sq, confidence=0.95):
    """Mean and its t interval from sufficient statistics (count, Σy, Σy²).

    Formula: mean = Σy/n, s² = (Σy² − n·mean²)/(n − 1), limits = mean ∓ t(1 − α/2; n − 1)·s/√n.
    Unit: that of y.

    Reference: Student (1908) Biometrika 6:1-25; PHEindicatormethods ``phe_mean``.

    Returns ``(mean, lower, upper)``.
    """
    (m, s1, s2), scalar = _arrays(n, total, total_sq)
    with np.errstate(invalid="ignore"):
        _check(m < 2, "n must be at least 2 for a mean interval.")
    c = _normalise_confidence(confidence)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = s1 / m
        variance = (s2 - m * mean**2) / (m - 1)
        tolerance = 1e-9 * np.maximum(np.abs(s2), 1)
        _check(variance < -tolerance, "total_sq is too small for total and n: the variance would be negative.")
        se = np.sqrt(np.maximum(variance, 0) / m)
        t = _sps.t.ppf(1 - (1 - c) / 2, m - 1)
    return _out(mean, scalar), _out(mean - t * se, scalar), _out(mean + t * se, scalar)

